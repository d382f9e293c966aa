"""WaveSpeed's live model catalog (``GET /api/v3/models``), cached on disk and refreshed in the background.

WaveSpeed's own CLI, MCP server and ComfyUI nodes read this list as their only catalog, cached about an hour;
so does this app when a key is at hand. ``load`` never waits on the network: it installs the freshest list it
already has (a cached copy, else the built-in snapshot) and, given a key, refreshes in a background thread that
installs the new list when it arrives. Without a key, offline, or on any error, the list in use stays as it is
and ``status()`` says why. Only Seedance entries are kept in the cache (the image-to-video models and the
upscaler); the key is never written anywhere.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx

from . import catalog, catalog_door, keys, paths, upscale
from .catalog import ModelSpec
from .words.said import Said, as_is, said, say

log = logging.getLogger("seedance_ui.catalog_live")

DEFAULT_BASE_URL = "https://api.wavespeed.ai"
CACHE_SECONDS = 3600.0
"""How long a fetched list is used before it is fetched again (WaveSpeed's own tools: one hour)."""
TIMEOUT = catalog_door.DEADLINE
"""Seconds for the whole fetch, headers to last byte; it runs in the background, but a hung request must end."""
CACHE_FILE = "wavespeed-models.json"
UPSCALER_ID = upscale.UPSCALER_ID


class CatalogUnavailable(Exception):
    """The live catalog could not be had; ``said`` says why (never with the key in it), ``str()`` in English."""

    def __init__(self, message: Said) -> None:
        super().__init__(say(message))
        self.said = message


@dataclass(frozen=True)
class CatalogStatus:
    """Where the list in use came from."""

    source: str
    """'snapshot', 'cache' (a copy of an earlier fetch) or 'live' (fetched just now)."""
    fetched_at: float | None = None
    """When the list was fetched from WaveSpeed (epoch seconds); None for the snapshot."""
    base_url: str = ""
    models: int = 0
    refreshing: bool = False
    error: str = ""
    """Why the last refresh failed, in English ('' when it didn't)."""
    error_said: Said | None = None
    """The same, as a message for the visitor's language."""

    def text(self) -> str:
        what = "the built-in model list" if self.source == "snapshot" else f"WaveSpeed's model list ({say(self.age)})"
        return what + (f"; refreshing failed: {self.error}" if self.error else "")

    def note(self, locale: str = "en") -> str:
        """A plain note when the last fetch failed: why, and which list is used instead ('' when it didn't)."""
        if not self.error:
            return ""
        why = say(self.error_said or as_is(self.error), locale).rstrip(".。")
        if self.source == "snapshot":
            return say(said("catalog.failed_on_snapshot", why=why), locale)
        return say(said("catalog.failed_on_cache", why=why, when=self.age), locale)

    @property
    def age(self) -> Said:
        """How long ago the list was fetched ("just now", "12 min ago")."""
        minutes = int((time.time() - (self.fetched_at or time.time())) // 60)
        return said("catalog.just_now") if minutes < 1 else said("catalog.minutes_ago", minutes=minutes)


@dataclass(frozen=True)
class Listing:
    """One runtime's catalog: the models of one key at one base URL, and where they came from."""

    models: tuple[ModelSpec, ...]
    status: CatalogStatus


_SNAPSHOT = Listing(catalog.MODELS, CatalogStatus(source="snapshot", models=len(catalog.MODELS)))
_lists: dict[tuple[str, str], Listing] = {}
"""(key fingerprint, base URL) -> that visitor's list. Never one list for the whole process: on a Space one
visitor's key must not change the models, limits and prices another is shown and checked against."""
_refreshing: dict[tuple[str, str], threading.Thread] = {}
_last: tuple[str, str] = ("", "")
_lock = threading.Lock()


def _slot(api_key: str | None, base_url: str | None) -> tuple[str, str]:
    fp = hashlib.sha256(api_key.encode()).hexdigest()[:24] if api_key else ""
    return fp, base_url_or_default(base_url)


def listing(api_key: str | None, base_url: str | None = None) -> Listing:
    """The list of this key at this base URL: a live or cached one once loaded, else the built-in snapshot."""
    return _lists.get(_slot(api_key, base_url), _SNAPSHOT)


def models_for(api_key: str | None, base_url: str | None = None) -> tuple[ModelSpec, ...]:
    """The models this key at this base URL sees and is checked against (for ``Plan.make(models=...)``)."""
    return listing(api_key, base_url).models


def spec_anywhere(model_id: str) -> ModelSpec | None:
    """A model's spec from the built-in list or any list loaded, for naming a take (never for checks or prices:
    those use the visitor's own list)."""
    found = catalog.MODELS_BY_ID.get(model_id)
    for held in list(_lists.values()):
        found = found or next((m for m in held.models if m.id == model_id), None)
    return found


def status_for(api_key: str | None, base_url: str | None = None) -> CatalogStatus:
    return listing(api_key, base_url).status


def status() -> CatalogStatus:
    """The status of the list loaded or refreshed last (a one-key process: the CLI, a desktop app)."""
    return _lists.get(_last, _SNAPSHOT).status


def _set_status(slot: tuple[str, str], **changes: Any) -> None:
    global _last
    with _lock:
        now = _lists.get(slot, _SNAPSHOT)
        _lists[slot] = Listing(now.models, replace(now.status, **changes))
        _last = slot


def base_url_or_default(base_url: str | None = None) -> str:
    return (base_url or os.environ.get("WAVESPEED_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")


def keep(item: Any) -> bool:
    """Entries worth caching: Seedance models of any type, and the video upscaler."""
    model_id = item.get("model_id") if isinstance(item, dict) else None
    return isinstance(model_id, str) and ("seedance" in model_id.lower() or model_id == UPSCALER_ID)


def fetch(api_key: str, base_url: str | None = None, *, timeout: float = TIMEOUT,
          transport: httpx.BaseTransport | None = None) -> list[dict[str, Any]]:  # fmt: skip
    """``GET {base}/api/v3/models``'s ``data``: every entry, as WaveSpeed sends it. CatalogUnavailable otherwise."""
    if not api_key:
        raise CatalogUnavailable(said("catalog.no_key"))
    keys.remember(api_key)
    base = base_url_or_default(base_url)
    try:
        # one deadline for the whole answer: the per-read timeout alone lets a byte-by-byte drip run on for ever
        with httpx.Client(transport=transport, timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0))) as http:
            status_code, raw = catalog_door.read_body(http, f"{base}/api/v3/models",
                                                      {"Authorization": f"Bearer {api_key}"}, deadline=timeout)  # fmt: skip
        body = catalog_door.parse(raw)
    except httpx.TimeoutException:
        raise CatalogUnavailable(said("catalog.too_slow", seconds=timeout)) from None
    except httpx.HTTPError as e:
        raise CatalogUnavailable(said("catalog.unreachable", kind=type(e).__name__)) from None
    except catalog_door.CatalogRefused as e:
        raise CatalogUnavailable(said("catalog.unusable", why=str(e).rstrip("."))) from None
    code = body.get("code", status_code) if isinstance(body, dict) else None
    if status_code != 200 or code != 200:
        message = keys.scrub(str(body.get("message") or "")[:200]) if isinstance(body, dict) else ""
        refused = (said("catalog.refused_saying", status=str(status_code), code=str(code), message=message) if message
                   else said("catalog.refused", status=str(status_code), code=str(code)))  # fmt: skip
        raise CatalogUnavailable(refused)
    data = body.get("data")
    if not isinstance(data, list):
        raise CatalogUnavailable(said("catalog.no_list"))
    return [item for item in data if isinstance(item, dict)]


def cache_path(cache_dir: Path | str | None = None) -> Path:
    return Path(cache_dir) / CACHE_FILE if cache_dir else paths.data_dir() / CACHE_FILE


def read_cache(base_url: str | None = None, cache_dir: Path | str | None = None,
               max_age: float | None = CACHE_SECONDS, *,
               fingerprint: str = "") -> tuple[list[dict[str, Any]], float] | None:  # fmt: skip
    """(entries, fetched_at) of the cached list for this base URL, if there is one no older than ``max_age``
    seconds (None: any age); given a key's ``fingerprint`` (``_slot``'s), only a list that key fetched."""
    try:
        doc = catalog_door.parse(cache_path(cache_dir).read_text(encoding="utf-8"))
        fetched_at = float(doc["fetched_at"])
        if doc.get("base_url") != base_url_or_default(base_url) or not isinstance(doc.get("data"), list):
            return None
        if fingerprint and doc.get("key") not in (None, "", fingerprint):  # another key's list
            return None
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if max_age is not None and time.time() - fetched_at > max_age:
        return None
    return doc["data"], fetched_at


def write_cache(items: list[dict[str, Any]], base_url: str | None = None, cache_dir: Path | str | None = None,
                fetched_at: float | None = None, *, fingerprint: str = "") -> None:  # fmt: skip
    """Keep the Seedance entries for the next start (written to a temporary file, then renamed into place)."""
    path = cache_path(cache_dir)
    doc = {"fetched_at": fetched_at or time.time(), "base_url": base_url_or_default(base_url),
           "key": fingerprint, "data": [i for i in items if keep(i)]}  # fmt: skip
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_text(json.dumps(doc), encoding="utf-8")
        tmp.replace(path)
    except OSError as e:  # a cache is a nicety: a read-only disk must not stop the app
        log.warning("Could not write the model cache %s: %s", path, e)


def _install(items: list[dict[str, Any]], source: str, slot: tuple[str, str],
             fetched_at: float) -> tuple[ModelSpec, ...]:  # fmt: skip
    specs = catalog.specs_from_items(items, source="live")
    if not specs:
        raise CatalogUnavailable(said("catalog.no_seedance"))
    models = catalog.with_default(specs)
    upscale.use_items(items, source="live")
    global _last
    with _lock:
        status = CatalogStatus(source=source, fetched_at=fetched_at, base_url=slot[1], models=len(models))
        _lists[slot] = Listing(models, status)
        _last = slot
    return models


def refresh(api_key: str, base_url: str | None = None, *, cache_dir: Path | str | None = None,
            timeout: float = TIMEOUT, transport: httpx.BaseTransport | None = None) -> tuple[ModelSpec, ...]:  # fmt: skip
    """Fetch the live list now (this waits: for the CLI, tests and the background thread), cache it and install
    it for this key and base URL; its specs. CatalogUnavailable when it can't be had (the list in use stays)."""
    slot = _slot(api_key, base_url)
    try:
        items = fetch(api_key, slot[1], timeout=timeout, transport=transport)
        fetched_at = time.time()
        models = _install(items, "live", slot, fetched_at)
    except CatalogUnavailable as e:
        _set_status(slot, error=str(e), error_said=e.said)
        raise
    write_cache(items, slot[1], cache_dir, fetched_at, fingerprint=slot[0])
    return models


def refresh_in_background(api_key: str, base_url: str | None = None, *, cache_dir: Path | str | None = None,
                          timeout: float = TIMEOUT) -> threading.Thread:  # fmt: skip
    """Start a refresh in a daemon thread (or return the one already running for this key and base URL)."""
    slot = _slot(api_key, base_url)

    def run() -> None:
        try:
            refresh(api_key, base_url, cache_dir=cache_dir, timeout=timeout)
        except CatalogUnavailable as e:
            log.info("Model list not refreshed: %s", e)
        except Exception as e:  # a bug must not kill the app from a background thread
            log.warning("Model list refresh failed unexpectedly: %r", e)
            _set_status(
                slot,
                error=f"unexpected error ({type(e).__name__})",
                error_said=said("catalog.unexpected", kind=type(e).__name__),
            )
        finally:
            _set_status(slot, refreshing=False)

    with _lock:
        running = _refreshing.get(slot)
        if running is not None and running.is_alive():
            return running
        thread = threading.Thread(target=run, name="seedance-catalog-refresh", daemon=True)
        _refreshing[slot] = thread
        now = _lists.get(slot, _SNAPSHOT)
        _lists[slot] = Listing(now.models, replace(now.status, refreshing=True))  # a second caller sees it at once
    thread.start()
    return thread


def wait(timeout: float | None = None) -> bool:
    """Wait for the running refreshes to end (tests, the CLI); True when none is running after."""
    end = time.monotonic() + (timeout if timeout is not None else 1e9)
    for thread in list(_refreshing.values()):
        thread.join(max(0.0, end - time.monotonic()))
    return not any(t.is_alive() for t in list(_refreshing.values()))


def load(
    api_key: str | None = None,
    base_url: str | None = None,
    *,
    cache_dir: Path | str | None = None,
    max_age: float = CACHE_SECONDS,
    background: bool = True,
    timeout: float = TIMEOUT,
) -> CatalogStatus:
    """This key's catalog at this base URL for a start-up or a page load, without waiting on the network (unless
    ``background`` is False): a cached list of this base URL (fetched with this key; any, without one) is put in
    place at once (even an old one: it is WaveSpeed's word, and newer than the snapshot); with a key and no
    fresh list, a refresh starts. Without a key, the list stays (the snapshot, or a cached list). A failed
    refresh keeps the list there was (cached, else the snapshot) and says why in the status."""
    slot = _slot(api_key, base_url)
    base = slot[1]
    cached = read_cache(base, cache_dir, max_age=None, fingerprint=slot[0])
    now = listing(api_key, base).status
    current = now.fetched_at if now.source != "snapshot" else None
    if cached is not None and (current is None or current < cached[1]):  # only ever a newer list
        try:
            _install(cached[0], "cache", slot, cached[1])
            current = cached[1]
        except CatalogUnavailable:
            pass
    fresh = current is not None and time.time() - current <= max_age
    if api_key and not fresh:
        if background:
            refresh_in_background(api_key, base, cache_dir=cache_dir, timeout=timeout)
        else:
            try:
                refresh(api_key, base, cache_dir=cache_dir, timeout=timeout)
            except CatalogUnavailable:
                pass  # the status carries the reason; the list in use stays
    return status_for(api_key, base)


def use_snapshot() -> CatalogStatus:
    """Forget every loaded list: each key is back on the built-in snapshot (tests)."""
    global _last
    wait(10)
    with _lock:
        _lists.clear()
        _last = ("", "")
    upscale.forget_live()
    return status()

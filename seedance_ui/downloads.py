"""Fetching a finished video: at once (links expire), streamed to a temp file, capped, checked, never half-kept.

The file host gets no Authorization header (a separate httpx client without credentials). An expired link
(401/403/404/410) gets one fresh result before the output is called expired. Whatever fails, the partial file is
removed; only a whole MP4 ever lands under its final name.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx

from .errors import DownloadFailed, OutputExpired
from .words.said import said

PART_SUFFIX = ".part"
REFUSED = (401, 403, 404, 410)


class OutputFetcher:
    def __init__(self, http: httpx.AsyncClient, *, max_bytes: int, deadline: float) -> None:
        self._http = http
        self.max_bytes = max_bytes
        self.deadline = deadline
        self.fetches = 0

    async def download(self, task_id: str, url: str, dest: Path,
                       fresh_url: Callable[[], Awaitable[str | None]]) -> Path:  # fmt: skip
        """Stream ``url`` to ``dest``; on a refused link ask ``fresh_url()`` once before calling it expired."""
        for attempt in range(2):
            if attempt:
                again = await fresh_url()
                if not again:
                    break
                url = again
            if await self._fetch(url, dest, task_id) is None:
                return dest
        raise OutputExpired(said("download.link_expired"), task_id=task_id)

    async def _fetch(self, url: str, dest: Path, task_id: str) -> int | None:
        """Download via a temp file; returns the HTTP status when the link is refused, else None."""
        dest.parent.mkdir(parents=True, exist_ok=True)
        part = dest.with_name(f".{dest.name}.{os.getpid()}{PART_SUFFIX}")
        self.fetches += 1
        try:
            status = await asyncio.wait_for(self._stream(url, part, task_id), self.deadline)
            if status is None:
                os.replace(part, dest)
            return status
        except asyncio.TimeoutError:
            raise DownloadFailed(said("download.too_slow"), task_id=task_id) from None
        except httpx.TransportError:
            raise DownloadFailed(said("download.interrupted"), task_id=task_id) from None
        except OSError as e:
            raise DownloadFailed(said("download.cant_save_here", why=str(e.strerror or e)),
                                 task_id=task_id) from None  # fmt: skip
        finally:
            part.unlink(missing_ok=True)

    async def _stream(self, url: str, part: Path, task_id: str) -> int | None:
        async with self._http.stream("GET", url) as r:
            if r.status_code in REFUSED:
                return r.status_code
            if r.status_code >= 400:
                raise DownloadFailed(said("download.fetch_status", status=str(r.status_code)), task_id=task_id)
            size = 0
            head = b""
            with open(part, "wb") as f:
                async for chunk in r.aiter_bytes():
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise DownloadFailed(said("download.too_large"),
                                             task_id=task_id)  # fmt: skip
                    if len(head) < 12:
                        head += chunk[: 12 - len(head)]
                        if len(head) >= 12 and head[4:8] != b"ftyp":
                            raise DownloadFailed(said("download.not_video"), task_id=task_id)
                    f.write(chunk)
            if len(head) < 12:
                raise DownloadFailed(said("download.empty"), task_id=task_id)
        return None


def clean_stale_parts(folder: Path, older_than: float = 3600.0) -> int:
    """Remove what a killed process left behind, once it is over an hour old: partial downloads (``.*.part``),
    half-tagged copies (``.*.meta.mp4``) and library names claimed for a download that never arrived (empty
    ``*.mp4``). Returns how many files were removed."""
    import time

    removed = 0
    if not folder.is_dir():
        return 0
    leftovers = [*folder.rglob(f".*{PART_SUFFIX}"), *folder.rglob(".*.meta.mp4"), *folder.rglob("*.mp4")]
    for path in leftovers:
        try:
            st = path.stat()
            if path.suffix == ".mp4" and not path.name.endswith(".meta.mp4") and st.st_size:
                continue  # a real video
            if time.time() - st.st_mtime > older_than:
                path.unlink()
                removed += 1
        except OSError:
            continue
    return removed

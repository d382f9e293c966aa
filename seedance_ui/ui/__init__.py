"""The Gradio app: ``create_app()`` builds the context from the environment and the Blocks."""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import threading
from pathlib import Path

from .. import paths, runtime
from .state import AppContext

log = logging.getLogger("seedance_ui.ui")


def _kept_secret(folder: Path, name: str) -> str:
    """A random secret kept in the data folder (owner-only), so it survives restarts: the salt that names a key's
    takes, and the secret of the browser-kept visitor token."""
    path = folder / name
    try:
        value = path.read_text().strip()
        if len(value) >= 32:
            return value
    except OSError:
        pass
    value = secrets.token_hex(24)
    try:
        path.write_text(value)
        path.chmod(0o600)
    except OSError:
        log.warning("could not keep %s in the data folder; it changes on restart", name)
    return value


def make_context(*, demo_processing_seconds: float = 3.0, data_dir: Path | None = None) -> AppContext:
    """Desktop: the key from WAVESPEED_API_KEY, or demo mode without one. A Space (SPACE_ID set): demo mode plus
    each visitor's own key; the owner's key is used for visitors only with SEEDANCE_ALLOW_SHARED_KEY=1."""
    on_space = bool(os.environ.get("SPACE_ID")) or os.environ.get("SYSTEM") == "spaces"
    owner_key = os.environ.get("WAVESPEED_API_KEY", "").strip()
    base = os.environ.get("WAVESPEED_BASE_URL") or None
    shared = os.environ.get("SEEDANCE_ALLOW_SHARED_KEY") == "1"
    use_owner = bool(owner_key) and (not on_space or shared)
    live = runtime.start(key=owner_key, base_url=base, demo=False, data_dir=data_dir) if use_owner else None
    demo = None if (use_owner and not on_space) else runtime.start(
        demo=True, demo_processing_seconds=demo_processing_seconds, data_dir=data_dir)  # fmt: skip

    def keyless_live() -> runtime.Runtime:
        return runtime.start(key="", base_url=base, demo=False, data_dir=data_dir)

    folder = Path(data_dir) if data_dir else paths.data_dir()
    threshold = float(os.environ.get("SEEDANCE_CONFIRM_ABOVE_USD", "2") or 2)
    ctx = AppContext(demo=demo, live=live, on_space=on_space, owner_key=use_owner, shared_key_allowed=shared,
                     spend_threshold=threshold, live_factory=keyless_live,
                     owner_salt=_kept_secret(folder, "owner-salt"),
                     browser_secret=_kept_secret(folder, "browser-secret"))  # fmt: skip
    if live is not None:
        threading.Thread(target=_recover_in_background, args=(live,), daemon=True).start()

    return ctx


def _recover_in_background(rt: runtime.Runtime) -> None:
    """On start, finish whatever the last run left unfinished (a closed app must not lose a paid video)."""

    async def go() -> None:
        session = rt.session()
        try:
            report = await session.recover()
            if report.finished:
                log.info("recovered %d unfinished take(s)", len(report.finished))
            from ..takes.board_run import resume_boards  # a storyboard cut short picks up once its takes are back

            for board in await resume_boards(session):
                log.info("picked up board %s", board.id)
        finally:
            await session.aclose()

    try:
        asyncio.run(go())
    except Exception as e:  # recovery is best effort at start; History has a button to try again
        log.warning("recovery at start did not finish: %s", type(e).__name__)


def create_app(**kw):  # type: ignore[no-untyped-def]
    from .layout import build_app

    ctx = make_context(**kw)
    return build_app(ctx), ctx

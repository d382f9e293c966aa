"""The Gradio app: ``create_app()`` builds the context from the environment and the Blocks."""

from __future__ import annotations

import asyncio
import logging
import os
import threading

from .. import runtime
from .handlers import AppContext

log = logging.getLogger("seedance_ui.ui")


def make_context(*, demo_processing_seconds: float = 3.0, data_dir=None) -> AppContext:
    """Desktop: the key from WAVESPEED_API_KEY, or demo mode without one. A Space (SPACE_ID set): demo mode plus
    each visitor's own key; the owner's key is used for visitors only with SEEDANCE_ALLOW_SHARED_KEY=1."""
    on_space = bool(os.environ.get("SPACE_ID")) or os.environ.get("SYSTEM") == "spaces"
    owner_key = os.environ.get("WAVESPEED_API_KEY", "").strip()
    base = os.environ.get("WAVESPEED_BASE_URL") or None
    shared = os.environ.get("SEEDANCE_ALLOW_SHARED_KEY") == "1"
    use_owner = bool(owner_key) and (not on_space or shared)
    live = runtime.start(api_key=owner_key, base_url=base, demo=False, data_dir=data_dir) if use_owner else None
    demo = None if (use_owner and not on_space) else runtime.start(
        demo=True, demo_processing_seconds=demo_processing_seconds, data_dir=data_dir)  # fmt: skip

    def keyless_live() -> runtime.Runtime:
        return runtime.start(api_key="", base_url=base, demo=False, data_dir=data_dir)

    threshold = float(os.environ.get("SEEDANCE_CONFIRM_ABOVE_USD", "2") or 2)
    ctx = AppContext(demo=demo, live=live, on_space=on_space, owner_key=use_owner, shared_key_allowed=shared,
                     spend_threshold=threshold, live_factory=keyless_live)  # fmt: skip
    if live is not None:
        threading.Thread(target=_recover_in_background, args=(live,), daemon=True).start()
    return ctx


def _recover_in_background(rt: runtime.Runtime) -> None:
    """On start, finish whatever the last run left unfinished (a closed app must not lose a paid video)."""

    async def go() -> None:
        try:
            done = await rt.studio.recover()
            if done:
                log.info("recovered %d unfinished take(s)", len(done))
        finally:
            await rt.studio.aclose()

    try:
        asyncio.run(go())
    except Exception as e:  # recovery is best effort at start; History has a button to try again
        log.warning("recovery at start did not finish: %s", type(e).__name__)


def create_app(**kw):  # type: ignore[no-untyped-def]
    from .layout import build_app

    ctx = make_context(**kw)
    return build_app(ctx), ctx

"""``/generate`` on a Space in demo mode takes its turn in the fair share like the page's Generate and Upscale:
demo previews render on the Space's own CPU, a few at a time, so a script's calls wait for a slot instead of all
rendering at once. Each call holds its own place in the line; one caller (a ``gradio_client`` session, or a
script's plain HTTP session) may hold at most ``CALLER_CAP`` places at once, so a script can't crowd out the
page's visitors: its next call is refused plainly until one of its own ends."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from ..errors import InputError
from ..session import Session
from ..words.said import said
from .state import AppContext

T = TypeVar("T")
CALLER_CAP = 4
"""Places (waiting or rendering) one caller may hold in the fair share at once: as many as one click's takes."""


def caller_of(request: Any) -> str:
    """Who calls: Gradio's session hash of the connection (each ``gradio_client.Client`` has one)."""
    return str(getattr(request, "session_hash", None) or "anonymous")


async def in_turn(ctx: AppContext, session: Session, caller: str, work: Callable[[], Awaitable[T]]) -> T:
    """``work()`` once this call's turn has come (at once off a Space, or with a key: WaveSpeed's computers)."""
    share = ctx.fair_share if session.demo and ctx.on_space else None
    if share is None:
        return await work()
    prefix = f"api:{caller}:"
    held = sum(1 for t in [*share.running, *share.waiting] if t.startswith(prefix))
    if held >= CALLER_CAP:
        raise InputError(said("api.previews_held", held=held))
    token = prefix + uuid.uuid4().hex
    share.join(token)
    try:
        async for _waiting in share.turn(token):
            pass  # the API has no progress line to show; the call simply waits its turn
        return await work()
    finally:
        share.leave(token)

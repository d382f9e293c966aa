"""History's "Upscale" panel: the picked take's upscale price on the button before anything is sent, then the
upscale's progress, and the upscaled take shown like any take (player, download, facts, in the gallery)."""

from __future__ import annotations

import asyncio
import html
from collections.abc import AsyncIterator
from typing import Any

import gradio as gr

from .. import upscale
from ..errors import InputError, SeedanceError
from ..takes.take_run import Progress
from ..words.said import Usd, said
from . import words
from .i18n import L
from .state import AppContext, Visitor

IDLE_LABEL = "⬆️ " + L("upscale.button")
"""The button before a take and a size are picked (translated in the browser)."""


def _note(text: str, kind: str = "calm") -> str:
    return f"<div class='card {kind}-card' role='status'>{html.escape(text)}</div>"


async def price(ctx: AppContext, visitor: Visitor, take_id: str, target: str) -> tuple[str, Any]:
    """The price line and the button: labelled with the price, or disabled with the reason."""
    if not take_id:
        return "", gr.update(value=IDLE_LABEL, interactive=False)
    voice = words.voice(ctx, visitor)
    try:
        session = ctx.session(visitor)
        q = await session.upscale_price(take_id, target)
    except InputError as e:
        return _note(voice.say(e.said)), gr.update(value=IDLE_LABEL, interactive=False)
    except SeedanceError as e:
        return words.card(voice, e), gr.update(value=IDLE_LABEL, interactive=False)
    if q.kind == "demo":
        label = session.say(said("upscale.button_demo", size=target))
    elif q.usd is None:
        return _note(session.say(q.said), "error"), gr.update(value=IDLE_LABEL, interactive=False)
    else:
        label = session.say(said("upscale.button_priced", size=target, price=Usd(q.usd)))
    return _note(session.say(q.said)), gr.update(value=label, interactive=True)


async def run(ctx: AppContext, visitor: Visitor, take_id: str, target: str) -> AsyncIterator[tuple[Any, ...]]:
    """(note, player, download, facts, chosen, button) while the upscale runs, then the upscaled take."""
    skip = gr.skip()
    again = gr.update(interactive=True)
    try:
        session = ctx.session(visitor)
    except SeedanceError as e:
        yield words.card(words.voice(ctx, visitor), e), skip, skip, skip, skip, again
        return
    share = ctx.fair_share if session.demo and ctx.on_space else None  # demo renders share the Space's CPU
    if share is not None:
        if share.busy(visitor.token):
            yield _note(session.say(share.BUSY)), skip, skip, skip, skip, again
            return
        share.join(visitor.token)
    try:
        async for out in _upscale(session, visitor, take_id, target, share):
            yield out
    finally:
        if share is not None:
            share.leave(visitor.token)


async def _upscale(session: Any, visitor: Visitor, take_id: str, target: str, share: Any) -> AsyncIterator[tuple]:
    skip, again = gr.skip(), gr.update(interactive=True)
    if share is not None:
        async for waiting in share.turn(visitor.token):
            yield _note(session.say(waiting)), skip, skip, skip, skip, skip
    queue: asyncio.Queue[Progress] = asyncio.Queue()
    task = asyncio.create_task(session.upscale(take_id, target, on_progress=queue.put_nowait))
    try:
        while not task.done():
            getter = asyncio.create_task(queue.get())
            await asyncio.wait({task, getter}, return_when=asyncio.FIRST_COMPLETED)
            if getter.done():
                p = getter.result()
                line = said("upscale.progress", size=target, message=p.message, seconds=round(p.elapsed))
                yield _note(session.say(line)), skip, skip, skip, skip, skip
            else:
                getter.cancel()
        result = task.result()
    except InputError as e:  # refused before anything was sent: no money words
        yield _note(session.say(e.said)), skip, skip, skip, skip, skip
        return
    except SeedanceError as e:
        yield words.card(session, e), skip, skip, skip, skip, again
        return
    finally:
        if not task.done():  # the page went away: the take stays in the journal, and recover finishes it
            task.cancel()
    take, path = result.take, str(result.video_path)
    facts = words.take_facts(session, take, result.facts["model"])
    done = _note(session.say(said("upscale.done", size=target, name=result.video_path.name)))
    idle = gr.update(value=IDLE_LABEL, interactive=False)  # the upscaled take is shown now: pick a size for it
    yield done, path, gr.update(value=[path], visible=True), facts, take.id, idle


def build(ctx: AppContext, visitor: Any, chosen: Any, shown: tuple[Any, Any, Any]) -> Any:
    """The panel under a take's actions; ``shown`` is (player, download, facts). Returns ``reprice(event)``,
    which prices the picked take after an event (a pick in the gallery, a delete)."""
    up = upscale.current()
    private: dict[str, Any] = {"api_visibility": "private"}
    with gr.Row(elem_id="upscale-row", equal_height=True):
        target = gr.Dropdown(up.targets, value=up.default, label=L("upscale.target"), scale=1, min_width=150,
                             elem_id="upscale-target")  # fmt: skip
        button = gr.Button(IDLE_LABEL, interactive=False, scale=2, min_width=170, elem_id="upscale-button")
    note = gr.HTML(elem_id="upscale-note")

    async def priced(v: Visitor, take_id: str, size: str) -> tuple[str, Any]:
        return await price(ctx, v, take_id, size)

    async def upscaled(v: Visitor, take_id: str, size: str) -> AsyncIterator[tuple[Any, ...]]:
        async for out in run(ctx, v, take_id, size):
            yield out

    quiet = {**private, "show_progress": "hidden"}  # a quick price update: no spinner, nothing read out
    target.change(priced, [visitor, chosen, target], [note, button], **quiet)
    # The upscaled take becomes the one shown; its ✅ stays until another take or size is picked.
    started = button.click(lambda: gr.update(interactive=False), None, [button], **private)
    ended = started.then(upscaled, [visitor, chosen, target], [note, *shown, chosen, button], concurrency_limit=None,
                         **private)  # fmt: skip

    def reprice(ev: Any) -> Any:
        return ev.then(priced, [visitor, chosen, target], [note, button], **quiet)

    reprice.started, reprice.ended = started, ended  # type: ignore[attr-defined]  # History chains on these
    return reprice

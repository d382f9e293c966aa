"""Generating takes on the Create page: each take in its own slot, shown the moment it is ready, with its own
stage, elapsed time, expected time and Cancel.

``generate`` yields ``Frame`` values (named fields, not positional tuples); ``create_page.py`` turns a Frame into
component updates.
"""

from __future__ import annotations

import asyncio
import html
import time
from dataclasses import dataclass, field
from typing import Any

from .. import price_gate
from ..errors import Money, SeedanceError
from ..plan import MAX_TAKES, Plan
from ..takes.take_run import Progress, TakeResult
from ..words.said import Usd, said
from . import history_words, words
from .form import Form
from .queue_page import queue_if_busy
from .state import AppContext, Visitor

STAGE_ICONS = {"checking": "🔎", "uploading": "⬆️", "submitting": "🚀", "checking_job": "🔎", "queued": "⏳",
               "rendering": "🎞️", "downloading": "⬇️"}  # fmt: skip


ENDS = ("saved", "failed")
"""Progress stages after which a take is over (finished, failed or cancelled): the balance is asked again."""

_BACKGROUND: set[asyncio.Task] = set()
"""Runs whose page went away: kept referenced until they finish (their takes land in History)."""


@dataclass
class Slot:
    """One take's place on the page."""

    visible: bool = False
    text: str = ""
    """Stage, elapsed and expected time while it runs; then a card (saved, failed or cancelled)."""
    video: str | None = None
    running: bool = False


@dataclass
class Frame:
    status: str = ""
    slots: list[Slot] = field(default_factory=lambda: [Slot() for _ in range(MAX_TAKES)])
    files: list[str] | None = None
    facts: str = ""
    error: str = ""
    balance: str | None = None
    """The balance line after a take ended (key mode), None while nothing has ended."""


def _take_label(i: int, voice: words.Voice) -> str:
    return html.escape(voice.say(said("create.take_label", n=i + 1)), quote=False)


def _stage_line(i: int, p: Progress, started: float, voice: words.Voice | None = None) -> str:
    voice = voice or words.Voice()
    elapsed = voice.say(said("take.seconds", seconds=round(time.monotonic() - started)))
    usually, label = said("create.usually_about", seconds=round(p.expected or 0)), said("card.task_id")
    eta = f" · {voice.say(usually)}" if p.expected else ""
    task = f"<div class='task'>{html.escape(voice.say(label))} <code>{html.escape(p.task_id)}</code></div>" \
        if p.task_id else ""  # fmt: skip
    return (f"<div class='take-stage'><b>{_take_label(i, voice)}</b> · {STAGE_ICONS.get(p.stage, '')} "
            f"{html.escape(voice.say(p.message), quote=False)} · {elapsed}{eta}{task}</div>")  # fmt: skip


def _done_line(i: int, r: TakeResult, voice: words.Voice) -> str:
    f, say = r.facts, voice.say
    amount = Usd.of(f["price_usd"])
    if voice.demo or amount is None:
        price = say(said("create.free_preview"))
    else:
        price = say(
            said("take.price", price=amount) if f["price_published"] else said("take.price_estimate", price=amount)
        )
    seed, task = f"<code>{f['seed']}</code>", f"<code>{html.escape(str(f['task_id']))}</code>"
    rendered = say(said("take.rendered_in", seconds=f["render_seconds"])) if f["render_seconds"] else ""
    # the catalogs' words are ours (no markup) and the seed and task id are digits and letters: their <code> stays
    parts = [
        f"<b>{_take_label(i, voice)}</b>",
        say(said("create.saved_mark")),
        say(said("take.seed", seed=seed)),
        html.escape(price, quote=False),
        rendered,
        say(said("take.task_id", task_id=task)),
    ]
    return f"<div class='take-stage'>{' · '.join(x for x in parts if x)}</div>"


async def generate(ctx: AppContext, form: Form):  # type: ignore[no-untyped-def]
    """Run 1-4 takes at once; yields a Frame whenever something changes (and each second for the clocks)."""
    visitor, first = form.visitor, form.first
    voice = words.voice(ctx, visitor)  # the visitor's language and mode, even before a Session (no money in demo)
    if not first:
        yield Frame(error=words.card(voice, said("create.add_first_image")))
        return
    try:
        session, models = ctx.session(visitor), ctx.models(visitor)
        plan = form.plan(models)
    except SeedanceError as e:
        yield Frame(error=words.card(voice, e))
        return
    if not session.demo and plan.price.needs_server_quote:  # the amount to confirm is WaveSpeed's, not a guess
        try:
            plan = await price_gate.priced_by_wavespeed(session, plan)
        except SeedanceError as e:
            yield Frame(error=words.card(voice, e))
            return
    if not session.demo and plan.needs_confirm(form.threshold) and not form.confirmed:
        yield Frame(error=words.card(voice, said("create.confirm_spend", total=Usd(plan.price.total))))
        return
    if (queued := await asyncio.to_thread(queue_if_busy, ctx, visitor, session, plan, first, form.last)) is not None:
        yield Frame(error=queued)
        return
    share = ctx.fair_share if session.demo and ctx.on_space else None
    if share is not None:
        if share.busy(visitor.token):
            yield Frame(error=words.card(voice, share.BUSY, kind="calm"))
            return
        share.join(visitor.token)
    try:
        async for frame in _run(session, plan, visitor, first, form.last, share):
            yield frame
    finally:
        if share is not None:
            share.leave(visitor.token)


async def _run(session: Any, plan: Plan, visitor: Visitor, first: str, last: str | None, share: Any):  # type: ignore[no-untyped-def]
    if share is not None:
        async for waiting in share.turn(visitor.token):
            yield Frame(status=session.say(waiting))
    visitor.running.clear()
    visitor.cancelled.clear()
    voice = words.Voice(session.locale, session.demo)
    working = said("create.working_many", count=plan.takes) if plan.takes > 1 else said("create.working_one")
    frame = Frame(status=voice.say(working))
    starting = html.escape(voice.say(said("state.submitting")), quote=False)
    for i in range(plan.takes):
        frame.slots[i] = Slot(visible=True, text=f"<div class='take-stage'><b>{_take_label(i, voice)}</b> · "
                                                 f"{starting}</div>", running=True)  # fmt: skip
    queue: asyncio.Queue[Progress] = asyncio.Queue()
    started = time.monotonic()
    run = asyncio.create_task(session.generate(plan, first, last or None, on_progress=queue.put_nowait))
    try:
        yield frame
        while not run.done() or not queue.empty():
            try:
                p = await asyncio.wait_for(queue.get(), timeout=1.0)
            except asyncio.TimeoutError:
                p = None
            if p is not None:
                _apply(frame, p, visitor, started, session.demo, str(plan.price.per_take))
                if p.stage in ENDS and not session.demo:  # what the account says now that this take has ended
                    frame.balance = (await history_words.balance_of(session))[0]
            yield frame
    except asyncio.CancelledError:  # the page went away: the takes go on, and land in History when they finish
        _BACKGROUND.add(run)
        run.add_done_callback(_BACKGROUND.discard)
        raise
    try:
        results = run.result()
    except SeedanceError as e:  # refused before any take began (a picture, the folder, the journal)
        yield Frame(error=words.card(session, e))
        return
    ok = [r for r in results if isinstance(r, TakeResult)]
    if ok:
        visitor.last_seed = ok[0].take.seed
    visitor.running.clear()
    done = said("create.done_in", seconds=round(time.monotonic() - started)) if ok else said("create.no_video")
    frame.status = voice.say(done)
    frame.files = [str(r.video_path) for r in ok] or None
    frame.facts = _facts(results, voice)
    yield frame


def _apply(frame: Frame, p: Progress, visitor: Visitor, started: float, demo: bool, price: str = "") -> None:
    i, slot = p.index, frame.slots[p.index]
    visitor.running[i] = p.take_id
    if p.stage == "saved" and p.video is not None:
        slot.video, slot.running = str(p.video), False
        voice = words.Voice(getattr(visitor, "locale", "en"), demo)
        saved_in = html.escape(voice.say(said("create.saved_in", seconds=round(p.elapsed))), quote=False)
        slot.text = f"<div class='take-stage'><b>{_take_label(i, voice)}</b> · {saved_in}</div>"
        visitor.running.pop(i, None)
        visitor.saved[i] = p.take_id
    elif p.stage == "failed":
        slot.running = False
        visitor.running.pop(i, None)
        voice = words.Voice(getattr(visitor, "locale", "en"), demo)
        if i in visitor.cancelled:
            cancelled = said("take.cancelled_numbered", n=i + 1, money=history_words.cancel_money(price))
            slot.text = words.card(voice, cancelled, kind="calm")
        else:  # the error as it is, with its take's number before it (the error itself is not changed)
            slot.text = words.card(voice, p.error if isinstance(p.error, SeedanceError) else p.message, number=i + 1)
    elif i in visitor.cancelled:
        voice = words.Voice(getattr(visitor, "locale", "en"), demo)
        slot.text, slot.running = words.card(voice, said("take.cancelling"), kind="calm", number=i + 1), False
    else:
        slot.text = _stage_line(i, p, started, words.Voice(getattr(visitor, "locale", "en"), demo))


def _facts(results: list[TakeResult | SeedanceError], voice: words.Voice) -> str:
    """Per saved take: seed (to reuse), price, render time and task id (to recover it from anywhere)."""
    lines = [_done_line(i, r, voice) for i, r in enumerate(results) if isinstance(r, TakeResult)]
    return "".join(lines)


def seed_of_slot(ctx: AppContext, visitor: Visitor, slot: int) -> Any:
    """A take card's "Use this seed": that take's seed into the Seed box (not the first take's, not a guess)."""
    import gradio as gr

    take_id = visitor.saved.get(int(slot))
    if not take_id:
        return gr.update()
    try:
        return gr.update(value=ctx.session(visitor).take(take_id).seed)
    except SeedanceError:
        return gr.update()


async def cancel_take(ctx: AppContext, visitor: Visitor, slot: int) -> str:
    """This take's own Cancel: ask WaveSpeed to stop it, and say what that means (no money talk in demo mode)."""
    take_id = visitor.running.get(int(slot))
    if not take_id:
        return ""
    visitor.cancelled.add(int(slot))
    try:
        session = ctx.session(visitor)
        done = await session.cancel_said(take_id)
        if done.params.get("money") == Money.CANCEL_ASKED.said:  # the general sentence, with the amount at stake
            done = said(done.id, money=history_words.cancel_money(session.take(take_id).price_usd))
        message = session.say(done)
    except SeedanceError as e:
        message = words.voice(ctx, visitor).say(e.said)
    return f"<div class='card calm-card' role='status'>{html.escape(message)}</div>"


def outputs_of(frame: Frame) -> list[Any]:
    """A Frame as the values of: status, then per slot (group, text, video, cancel button), files, facts, error,
    balance."""
    import gradio as gr

    out: list[Any] = [frame.status]
    for s in frame.slots:
        out += [gr.update(visible=s.visible), s.text, gr.update(value=s.video, visible=s.video is not None),
                gr.update(visible=s.running)]  # fmt: skip
    out += [
        gr.update(value=frame.files, visible=bool(frame.files)),
        gr.update(value=frame.facts, visible=bool(frame.facts)),
        gr.update(value=frame.error, visible=bool(frame.error)),
        gr.update(value=frame.balance, visible=True) if frame.balance is not None else gr.skip(),
    ]
    return out

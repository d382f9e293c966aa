"""Takes started outside the queue, paced to the account's level: a storyboard starts its shots together, which on
Bronze (2 starts a minute) would draw a 429 for the third. Here each take waits for a start the level leaves room
for, promised in the journal with one atomic statement (``QueueStore.promise_start``, counted like the queue's
claim: every start in the journal, whoever sent it, the queue's claims and every other promise), and gives the
promise back once its start is stamped on the take (``submitting``: the journal counts it from then on) or it
ended without one. A key whose level isn't known (auto that has learned nothing yet) and demo mode run as ``Session.generate`` does.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..client import notify
from ..errors import SeedanceError
from ..plan import Plan
from ..words.said import said
from . import levels
from .queue_runner import Pacer, remembered_tier
from .queue_store import QueueStore
from .take_run import Progress, ProgressFn, TakeResult

if TYPE_CHECKING:
    from ..session import Session

WaitFn = Callable[[str], Awaitable[None] | None]
STAMPED = ("submitting", "queued", "rendering", "downloading", "saved", "failed")
"""Progress stages by which a take's start is in the journal, or will never be."""


def level_of(session: Session) -> levels.Level | None:
    """The level this key's starts keep to: the one chosen (Settings, ``--tier``) or the one auto has learned.
    None when none is known yet (then shots start as they always did) and in demo mode (its previews render on
    this computer)."""
    store = QueueStore(session.studio.journal)
    tier = remembered_tier(session)
    if session.demo or (tier == "auto" and store.meta("auto_level") is None):
        return None
    return Pacer(store, tier).level


def one_take_plans(plan: Plan) -> list[Plan]:
    """The plan as one plan per take (each its own seed, price and output), so each take waits for its own start."""
    if plan.takes == 1:
        return [plan]
    return [Plan.make(plan.choices.model_copy(update={"seed": seed, "takes": 1}), image_size=plan.output_size,
                      models=plan.models) for seed in plan.seeds]  # fmt: skip


async def promised_start(session: Session, level: levels.Level, on_wait: WaitFn | None = None) -> str:
    """Wait until the level leaves room for one more start, and hold it (its key in the journal); ``on_wait``
    hears once, in words, that the take waits."""
    store, minute_s = QueueStore(session.studio.journal), levels.minute()
    told = False
    while (key := await asyncio.to_thread(store.promise_start, level, minute_s)) is None:
        if not told and on_wait is not None:
            told = True
            waiting = said("queue.waiting_for_start", level=level.name.title(), per_minute=level.per_minute,
                           at_once=level.at_once)  # fmt: skip
            await notify(on_wait, session.say(waiting))
        await asyncio.sleep(min(0.25, max(0.02, minute_s / 100)))
    return key


async def generate(session: Session, plan: Plan, first: str | Path, last: str | Path | None = None, *,
                   original_size: bool = False,
                   on_progress: ProgressFn | None = None,
                   on_wait: WaitFn | None = None) -> list[TakeResult | SeedanceError]:  # fmt: skip
    """``Session.generate``, each take started only when the account's level leaves room for it (``on_wait``:
    told in words when one must wait)."""
    level = level_of(session)
    if level is None:
        return await session.generate(plan, first, last, original_size=original_size, on_progress=on_progress)

    async def one(part: Plan) -> list[TakeResult | SeedanceError]:
        key = await promised_start(session, level, on_wait)
        store = QueueStore(session.studio.journal)

        async def seen(p: Progress) -> None:
            if p.stage in STAMPED:
                store.release_start(key)
            await notify(on_progress, p)

        try:
            return await session.generate(part, first, last, original_size=original_size, on_progress=seen)
        finally:
            store.release_start(key)

    parts: list[Any] = await asyncio.gather(*(one(p) for p in one_take_plans(plan)))
    return [r for results in parts for r in results]

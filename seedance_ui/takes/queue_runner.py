"""Putting takes in the queue, and the runner that works through it within the account's level.

``enqueue`` checks and keeps a copy of the pictures and queues one take per seed of a Plan (nothing is sent).
``Runner.run`` first finishes the queued takes a dead runner left under way (no second POST: they are resumed
from their task id, or reconciled with WaveSpeed's job list), then claims takes one at a time (``QueueStore.claim``
checks the level in the same statement), uploads their pictures and hands each to ``TakeRunner.start``: the same
submit-at-most-once path as a click. A 429 on a submit started nothing, so that take goes back to the front of the
queue; "auto" then steps the level down.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from .. import catalog, images, request
from ..client import Prediction, notify
from ..errors import RateLimited, SeedanceError
from ..journal import Take
from ..plan import Plan
from ..words.said import said
from . import levels, take_run
from .queue_store import QueueStore, runner_id
from .states import TakeState
from .take_run import Progress, TakeResult, reporter

if TYPE_CHECKING:
    from ..session import Session

log = logging.getLogger(__name__)
LEASE = 30.0
"""Seconds a claim lives without renewal: a runner that dies gives its takes back within this (at once when it
ran on this computer: ``QueueStore.expire_gone``)."""
ABANDONED_LOOK = 1.0
"""How often a runner looks for takes a dead runner left under way."""


def enqueue(session: Session, plan: Plan, first: str | Path, last: str | Path | None = None, *,
            batch: str | None = None, fix_images: bool = False) -> list[Take]:  # fmt: skip
    """Queue a plan's takes (one per seed). The pictures are checked and a copy is kept in the library now, so
    nothing queued depends on the original files staying put."""
    if last and not plan.spec.accepts_last_image:
        last = None
    first_img = images.prepare(first, fix=fix_images, max_side=plan.upload_side)
    last_img = images.prepare(last, fix=fix_images, max_side=plan.upload_side) if last else None
    plan = plan.for_image((first_img.width, first_img.height))
    stamp, first_copy, last_copy = session.studio.keep_pictures(session.owner, first_img, last_img,
                                                                then=said("ready.nothing_queued"))  # fmt: skip
    store, out = QueueStore(session.studio.journal), []
    for i in range(plan.takes):
        one = plan.choices.model_copy(update={"seed": plan.seeds[i], "takes": 1})
        take = Take(id=f"{stamp[:12]}{i}{uuid.uuid4().hex[:3]}", owner=session.owner, model_id=plan.spec.id,
                    prompt=plan.values["prompt"], settings=plan.take_values(i), seed=plan.seeds[i],
                    price_usd=f"{plan.price.per_take:.2f}", price_published=plan.price.published,
                    first_image=str(first_copy), last_image=str(last_copy) if last_copy else None)  # fmt: skip
        saved = {"choices": one.model_dump(), "size": [first_img.width, first_img.height]}
        out.append(store.add(take, saved, batch=batch))
    return out


def tier_key(owner: str) -> str:
    """Where an owner's level is remembered: ``tier`` for the desktop's one owner (the key ``seedance batch
    --tier`` writes), ``tier:<owner>`` for a visitor on a Space, so one visitor's level is never another's."""
    return "tier" if owner == "local" else f"tier:{owner}"


def remembered_tier(session: Session) -> str:
    """The level chosen in Settings or with ``--tier``; auto when none was (or the journal holds nonsense)."""
    value = QueueStore(session.studio.journal).meta(tier_key(session.owner))
    try:
        return levels.parse_tier(value)
    except ValueError:
        return "auto"


class Gate(Protocol):
    """A turn in a line shared with others (the app's fair share on a Space)."""

    def my_turn(self) -> bool: ...
    def give_back(self) -> None: ...


class Pacer:
    """The level the runner keeps to: a fixed one, or "auto" (starts as Bronze, remembered in the journal; one
    start over the minute's limit now and then as a probe: accepted, the level steps up; a 429, it steps down)."""

    def __init__(self, store: QueueStore, tier: str) -> None:
        self.store, self.tier = store, levels.parse_tier(tier)
        self.last_probe = self.last_down = 0.0
        self.refused_probes = 0

    @property
    def name(self) -> str:
        if self.tier != "auto":
            return self.tier
        learned = self.store.meta("auto_level")
        return learned if learned in levels.LEVELS else "bronze"

    @property
    def level(self) -> levels.Level:
        return levels.LEVELS[self.name]

    def may_probe(self, minute_s: float) -> bool:
        """A probe costs a 429 when the level is right: one a minute at first, then ever more rarely (up to one in
        32 minutes) while they keep being refused."""
        wait = minute_s * 2 ** min(self.refused_probes, 5)
        return self.tier == "auto" and self.name != levels.ORDER[-1] and time.time() - self.last_probe > wait

    def learn(self, refused: bool) -> None:
        """A probe accepted: one level up. A 429: one level down, once a minute at most (one burst of 429s is one
        lesson)."""
        if refused and time.time() - self.last_down < levels.minute():
            return
        if refused:
            self.last_down = time.time()
        if self.tier == "auto":
            new = levels.step(self.name, -1 if refused else 1)
            if new != self.name:
                log.info("account level now taken as %s", new)
            self.store.set_meta("auto_level", new)


class Runner:
    """Works through one owner's queue on this event loop."""

    def __init__(self, session: Session, *, tier: str = "auto", lease: float = LEASE,
                 on_progress: Callable[[Progress], Any] | None = None,
                 tier_source: Callable[[], str] | None = None, gate: Gate | None = None) -> None:  # fmt: skip
        """``tier_source``: asked before each start, so a level changed in Settings applies to the next take.
        ``gate``: a turn in a line shared with others (a Space's fair share): one take at a time, each its turn."""
        self.session = session
        self.tier_source = tier_source
        self.gate = gate
        self.store = QueueStore(session.studio.journal)
        self.pacer = Pacer(self.store, tier)
        self.minute = levels.minute()
        self.lease = lease
        self.me = runner_id()
        self.on_progress = on_progress
        self.active: dict[str, asyncio.Task] = {}
        self.results: dict[str, TakeResult | SeedanceError] = {}
        self._wake = asyncio.Event()
        self._started: set[str] = set()

    async def run(self, *, until_empty: bool = True, stop: asyncio.Event | None = None) -> dict[str, Any]:
        """Finish what a dead runner left under way, then run the queue until it is empty (or, with
        ``until_empty`` False, until ``stop`` is set). Returns each take's result or error by id."""
        beat = asyncio.create_task(self._heartbeat())
        owner, looked = self.session.owner, 0.0
        try:
            while not (stop and stop.is_set()):
                if time.monotonic() - looked > ABANDONED_LOOK:
                    looked = time.monotonic()
                    self.store.release_expired()
                    await self.finish_abandoned()
                if await self._start_next():
                    continue
                idle = not self.active and not self.store.held_elsewhere(self.me, owner)
                if until_empty and idle and (self.store.paused(owner) or not self.store.queued_count(owner)):
                    break
                await self._nap()
            if self.active:
                await asyncio.gather(*self.active.values(), return_exceptions=True)
        finally:
            beat.cancel()
            if self.gate is not None:
                self.gate.give_back()
            self.store.release_expired()
        return self.results

    async def _start_next(self) -> bool:
        """Claim and start one take if the level allows it now."""
        if self.tier_source is not None:
            self.pacer.tier = levels.parse_tier(self.tier_source())
        if self.gate is not None and not self._our_turn():
            return False
        level, probe = self.pacer.level, False
        take_id = self.store.claim(self.me, self.session.owner, level, self.minute, self.lease)
        if take_id is None and self.pacer.may_probe(self.minute) and not self.active:
            take_id = self.store.claim(self.me, self.session.owner, level, self.minute, self.lease, extra_start=True)
            probe = take_id is not None
            if probe:
                self.pacer.last_probe = time.time()
        if take_id is None:
            if self.gate is not None:
                self.gate.give_back()
            return False
        self.active[take_id] = asyncio.create_task(self._run_one(take_id, probe))
        return True

    def _our_turn(self) -> bool:
        """With a shared line: one take at a time, when its turn has come; no place kept in the line with
        nothing to start (it would hold up everyone behind)."""
        assert self.gate is not None
        if self.active:
            return False
        if not self.store.queued_count(self.session.owner) or self.store.paused(self.session.owner):
            self.gate.give_back()
            return False
        return self.gate.my_turn()

    async def _nap(self) -> None:
        """Until a take ends or a moment passes: short enough to catch the next free start within a few % of the
        minute, long enough not to busy the journal."""
        self._wake.clear()
        try:
            await asyncio.wait_for(self._wake.wait(), timeout=min(0.25, max(0.02, self.minute / 100)))
        except asyncio.TimeoutError:
            pass

    async def _heartbeat(self) -> None:
        while True:
            await asyncio.sleep(self.lease / 3)
            try:
                self.store.renew(self.me, self.lease)
            except Exception as e:  # a busy journal: the next beat tries again, well inside the lease
                log.warning("queue lease not renewed: %s", e)

    async def _run_one(self, take_id: str, probe: bool) -> None:
        session, ledger = self.session, self.session.studio.ledger
        take = ledger.get(take_id)
        assert take is not None
        report = reporter(take.id, 0, self._progress)
        client, runner = session.wavespeed, session.runner()
        refused_before = client.submits_refused
        try:
            payload = await self._payload(take, report)
            if not self.store.still_mine(take.id, self.me, self.lease):
                return  # the lease ran out while the pictures went up: another runner has it now
            result = await runner.start(take, payload, report)
            await report("saved", "Saved.", task_id=result.take.task_id, video=result.video_path)
            self.results[take.id] = result
            refused = client.submits_refused > refused_before
            if probe:
                self.pacer.refused_probes = self.pacer.refused_probes + 1 if refused else 0
            if probe or refused:
                self.pacer.learn(refused=refused)
        except RateLimited:
            self.store.requeue(take.id, said("note.requeued"))
            self.pacer.learn(refused=True)
        except BaseException as e:  # each take ends with its own plain error and money line
            if isinstance(e, asyncio.CancelledError):
                raise
            self.results[take.id] = await session.ended(take, e, report)
        finally:
            if self.gate is not None:
                self.gate.give_back()
            self.active.pop(take_id, None)
            self._wake.set()

    async def _progress(self, p: Progress) -> None:
        if p.stage == "queued" and p.task_id and p.take_id not in self._started:
            self._started.add(p.take_id)
            self.store.mark_started(p.take_id)
        await notify(self.on_progress, p)

    async def _payload(self, take: Take, report: take_run.Report) -> dict[str, Any]:
        """Upload the take's kept pictures and build its submit body from its settings."""
        spec = catalog.get_model(take.model_id)
        await report("uploading", said("progress.uploading"))
        client = self.session.wavespeed
        urls: list[str | None] = []
        for path in (take.first_image, take.last_image):
            if not path:
                urls.append(None)
                continue
            # the kept copy is what ``images.prepare`` made when the take was queued: sent as it is
            data = await asyncio.to_thread(Path(path).read_bytes)
            mime = "image/png" if path.endswith(".png") else "image/jpeg"
            urls.append(await client.upload(data, Path(path).name, mime))
        return request.payload(spec, take.settings, urls[0], urls[1])

    async def finish_abandoned(self) -> None:
        """Queued takes a dead runner left under way: resumed from their task id (no second POST), or looked
        for in WaveSpeed's job list when the answer to their POST was lost."""
        session = self.session
        ids = self.store.adopt_abandoned(self.me, session.owner, self.lease)
        if not ids:
            return
        unknown = [i for i in ids if not (session.studio.ledger.get(i) or Take(id=i)).task_id]
        if unknown:
            await self._reconcile(unknown)
        for t in [t for i in ids if (t := session.studio.ledger.get(i)) is not None and t.task_id and not t.finished]:
            self.active[t.id] = asyncio.create_task(self._resume(t))

    async def _reconcile(self, take_ids: list[str]) -> None:
        session, ledger = self.session, self.session.studio.ledger
        while True:
            try:
                await session.runner().reconcile()
            except SeedanceError as e:
                log.info("reconcile: %s", e.message)
            left = [t for i in take_ids if (t := ledger.get(i)) is not None and not t.task_id and not t.finished]
            for t in left:
                if time.time() - (t.submitted_at or t.created_at) > session.studio.list_lag:
                    self.results[t.id] = session.runner().not_started(t)
            if not [t for t in left if t.id not in self.results]:
                return
            await asyncio.sleep(session.studio.reconcile_delay)

    async def _resume(self, take: Take) -> None:
        report = reporter(take.id, 0, self.on_progress)
        try:
            if take.state == TakeState.COMPLETED and take.output_url:
                p = Prediction(id=take.task_id or "", status="completed", outputs=(take.output_url,))
                result = await self.session.runner().save(take, p)
            else:
                result = await self.session.runner().finish(take, report)
            self.results[take.id] = result
            await report("saved", "Saved.", task_id=take.task_id, video=result.video_path)
        except SeedanceError as e:
            self.results[take.id] = await self.session.ended(take, e, report)
        finally:
            self.active.pop(take.id, None)
            self._wake.set()


def learned_render_seconds(session: Session) -> Callable[[Take], float]:
    """A take's expected render time: the mean of the journal's recent renders of its kind (model, resolution,
    duration), else of all its recent renders, else a default."""
    by_kind: dict[tuple[str, str, int], list[float]] = {}
    every: list[float] = []
    for kind, seconds in session.studio.journal.render_times(limit=200):
        by_kind.setdefault(kind, []).append(seconds)
        every.append(seconds)
    fallback = sum(every[-20:]) / len(every[-20:]) if every else levels.DEFAULT_RENDER_SECONDS

    def expected(take: Take) -> float:
        seen = by_kind.get(take.eta_key)
        return sum(seen[-10:]) / len(seen[-10:]) if seen else fallback

    return expected


def estimate(session: Session, level: levels.Level, minute_s: float | None = None) -> dict[str, float]:
    """Seconds from now until each of the owner's queued and running takes should be done, by take id, with the
    level's pacing and the learned render times; ``"__all__"`` is the whole queue's."""
    minute_s = minute_s or levels.minute()
    store, expected = QueueStore(session.studio.journal), learned_render_seconds(session)
    items = store.items(session.owner)
    now, out = time.time(), {}
    running = [i.take for i in items if i.position is None and i.take.submitted_at]
    for t in running:
        out[t.id] = max(0.0, expected(t) - (now - (t.submitted_at or now)))
    others = [t for t in store.running() if t.id not in out]
    left = list(out.values()) + [max(0.0, expected(t) - (now - (t.submitted_at or now))) for t in others]
    queued = [i.take for i in items if i.position is not None]
    done = levels.finish_times([expected(t) for t in queued], level, minute_s,
                               recent_starts=store.recent_starts(minute_s), running_left=left)  # fmt: skip
    out.update({t.id: s for t, s in zip(queued, done, strict=True)})
    out["__all__"] = max(out.values(), default=0.0)
    return out

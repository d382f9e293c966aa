"""The one door into the core: a visitor's session.

A ``Session`` binds one visitor's key (or demo mode) and the journal's owner of their takes once. The app's
pages, the CLI and the ``/generate`` API reach the journal, the client and the library only through it:
generate a Plan's takes, history, one take by id (ownership checked here and only here), stitch, recover,
cancel, delete, WaveSpeed's quote and the balance.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import secrets
import time
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from . import images, job_match, price_gate, room, video
from .bound_client import BoundClient
from .errors import (
    AuthenticationError,
    InputError,
    JournalError,
    Money,
    NetworkError,
    NotFound,
    NotReady,
    SeedanceError,
)
from .journal import Take
from .plan import Plan
from .studio import Studio
from .takes import take_run, upscale_run
from .takes.ledger import noted
from .takes.states import ENDED, ENDED_WITHOUT_VIDEO, OUTCOME_UNKNOWN, TakeState
from .takes.take_run import ProgressFn, TakeResult, TakeRunner, reporter
from .words.said import Said, said, say

log = logging.getLogger("seedance_ui.session")

STALE_PREPARING = 600.0
"""A take still 'preparing' this long after it began was left by a process that died before sending it."""
TASK_ID = r"[A-Za-z0-9_-]{6,80}"


@dataclass
class RecoverReport:
    finished: list[TakeResult] = field(default_factory=list)
    ended: list[Take] = field(default_factory=list)
    """Takes that reached an end other than a video (failed, expired, not started), with their reason."""
    waiting: list[Take] = field(default_factory=list)
    """Takes still unfinished (rendering, or a download that failed), with their reason in ``error_message``."""


@dataclass
class PriceCheck:
    """What WaveSpeed says about a plan, when it can be asked quickly; otherwise the reason."""

    api_total: Decimal | None = None
    balance: Decimal | None = None
    problem: str = ""


class Session:
    def __init__(self, studio: Studio, *, owner: str = "local", key: str | None = None,
                 tab: str | None = None, locale: str = "en") -> None:  # fmt: skip
        self.studio = studio
        self.owner = owner
        self.key = key or None
        self.locale = locale
        """The visitor's language (``words.LOCALES``): every sentence this session renders is in it."""
        self.tab = tab or secrets.token_hex(8)
        """Who clicks: the same click twice from one tab shares one run; two tabs or two API calls never do, even
        on a desktop where every take has the one owner."""

    @property
    def demo(self) -> bool:
        return self.studio.demo

    @property
    def wavespeed(self) -> BoundClient:
        """This event loop's shared client, bound to this visitor's key (None: the runtime's)."""
        return BoundClient(self.studio.client(), self.key)

    def runner(self) -> TakeRunner:
        """This visitor's take runner (made per run: the client it holds belongs to the running event loop)."""
        return TakeRunner(self.studio, self.wavespeed, self.owner)

    def money(self, m: Money | str) -> Money:
        """The money state to tell: in demo mode there is no money at all."""
        return Money.DEMO if self.demo else Money(m)

    def say(self, message: Said | str | None) -> str:
        """A message in this visitor's language and mode (demo: no money lines)."""
        return say(message, self.locale, demo=self.demo)

    def money_line(self, m: Money | str | None) -> str:
        """The money line in this visitor's language; empty in demo mode and when there is none."""
        return self.say(Money(m).said) if m else ""

    def card(self, e: SeedanceError) -> dict[str, str | None]:
        return e.card(self.locale, self.demo)

    def facts(self, take: Take) -> dict[str, Any]:
        return take_run.facts_of(take, self.demo)

    def preflight(self, takes: int = 1, out_dir: Path | None = None) -> None:
        """Refuse, before anything is paid, whatever would make a paid video impossible to keep."""
        try:
            self.studio.journal.ping()
        except JournalError as e:
            raise NotReady(e.said) from None
        room.check_room([self.studio.library_for(self.owner)] + ([Path(out_dir)] if out_dir else []), takes)

    async def generate(self, plan: Plan, first: str | Path, last: str | Path | None = None, *,
                       fix_images: bool = False, original_size: bool = False,
                       on_progress: ProgressFn | None = None) -> list[TakeResult | SeedanceError]:  # fmt: skip
        """Run a plan's takes at once. Each take's result, or its error with the money line that follows from how
        far it got. The same click twice while it runs (same pictures, same choices) shares one run: one POST."""
        key = self._dedupe_key(plan, first, last)
        return await self.studio.once(key, lambda: self._generate(plan, first, last, fix_images, original_size,
                                                                  on_progress))  # fmt: skip

    def _dedupe_key(self, plan: Plan, first: Any, last: Any) -> str:
        def ident(p: Any) -> list:
            if not p:
                return []
            st = Path(p).stat()
            return [str(Path(p).resolve()), st.st_size, st.st_mtime_ns]

        blob = json.dumps([self.owner, self.tab, ident(first), ident(last), plan.choices.model_dump()], sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()

    async def _generate(self, plan: Plan, first: Any, last: Any, fix: bool, original: bool,
                        on_progress: ProgressFn | None) -> list[TakeResult | SeedanceError]:  # fmt: skip
        t0 = time.monotonic()
        self.preflight(plan.takes)
        if last and not plan.spec.accepts_last_image:
            last = None
        side = None if original else plan.upload_side
        async with self.studio.picture_slots():  # a 40 MP decode is ~120 MB: a few at a time, not twenty
            first_img = await asyncio.to_thread(images.prepare, first, fix=fix, max_side=side)
            last_img = await asyncio.to_thread(images.prepare, last, fix=fix, max_side=side) if last else None
        plan = plan.for_image((first_img.width, first_img.height))
        plan = await price_gate.priced_by_wavespeed(self, plan)  # a price to record, or refused before any send
        takes = self._begin_takes(plan, first_img, last_img)
        reports = [reporter(t.id, i, on_progress, t0) for i, t in enumerate(takes)]
        for r in reports:
            await r("uploading", said("progress.uploading"))
        client, runner = self.wavespeed, self.runner()
        try:
            first_url = await client.upload(first_img.data, f"first{first_img.extension}", first_img.mime)
            last_url = await client.upload(last_img.data, f"last{last_img.extension}", last_img.mime) \
                if last_img else None  # fmt: skip
        except SeedanceError as e:
            return [await self.ended(t, e, r) for t, r in zip(takes, reports, strict=False)]

        async def one(i: int, take: Take) -> TakeResult:
            result = await runner.start(take, plan.payload(i, first_url, last_url), reports[i])
            # said the moment this take is saved, not when the slowest take of the click ends
            await reports[i]("saved", said("progress.saved"), task_id=result.take.task_id, video=result.video_path)
            return result

        runs = [asyncio.create_task(one(i, t)) for i, t in enumerate(takes)]
        try:
            done = await asyncio.gather(*runs, return_exceptions=True)
        except asyncio.CancelledError:
            for run in runs:
                run.cancel()
            await asyncio.shield(self._cancel_upstream([t.id for t in takes]))
            raise
        results: list[TakeResult | SeedanceError] = []
        for take, result, report in zip(takes, done, reports, strict=False):
            if isinstance(result, TakeResult):
                results.append(result)
            else:
                results.append(await self.ended(take, result, report))
        return results

    def _begin_takes(self, plan: Plan, first_img: Any, last_img: Any) -> list[Take]:
        """A plan's takes, journaled before anything is uploaded (with copies of their pictures)."""
        stamp, first_copy, last_copy = self.studio.keep_pictures(self.owner, first_img, last_img)
        return [self.studio.ledger.begin(Take(
            id=f"{stamp[:12]}{i}{uuid.uuid4().hex[:3]}", owner=self.owner, model_id=plan.spec.id,
            prompt=plan.values["prompt"], seed=plan.seeds[i],
            settings={**plan.take_values(i), "click": stamp, "take_number": i + 1, "takes_in_click": plan.takes},
            price_usd=f"{plan.price.per_take:.2f}", price_published=plan.price.published,
            first_image=str(first_copy), last_image=str(last_copy) if last_copy else None,
        )) for i in range(plan.takes)]  # fmt: skip

    async def ended(self, take: Take, e: BaseException, report: Any) -> SeedanceError:
        if not isinstance(e, SeedanceError):
            log.error("take %s ended unexpectedly: %r", take.id, e)
            e = SeedanceError(said("error.unexpected", kind=type(e).__name__))
        # once: an error the run already settled keeps its outcome (settle returns it as it was)
        e = e.told(self.studio.ledger.settle(take.id, e))
        await report("failed", e.said, task_id=e.task_id, error=e)
        return e

    async def _cancel_upstream(self, take_ids: list[str]) -> None:
        for take_id in take_ids:
            try:
                await self.cancel(take_id)
            except SeedanceError as e:
                log.info("cancel of %s: %s", take_id, e.message)

    def take(self, take_id: str) -> Take:
        take = self.studio.ledger.get(take_id) if take_id else None
        if take is None or take.owner != self.owner:
            raise InputError(said("take.not_yours"))
        return take

    def history(self, text: str = "", limit: int = 60) -> list[Take]:
        return self.studio.journal.history(owner=self.owner, text=text or "", limit=limit)

    async def cancel(self, take_id: str) -> str:
        """Ask WaveSpeed to stop a take, and say truly what that means for the money (in the visitor's words)."""
        return self.say(await self.cancel_said(take_id))

    async def cancel_said(self, take_id: str) -> Said:
        """What a cancel did, as a message: a money line follows it where money could move (none in demo mode)."""
        take = self.take(take_id)
        if take.state in ENDED:
            return said("cancel.already_ended")
        if take.state == TakeState.COMPLETED:  # deleting it now would throw away a finished, paid video
            return said("cancel.being_saved")
        if take.state == TakeState.QUEUED:
            from .takes.queue_store import QueueStore

            if QueueStore(self.studio.journal).cancel(take.id, self.owner):
                return said("cancel.done", money=said("money.unqueued"))
            return await self.cancel_said(take_id)  # a runner claimed it just now: cancel it where it is
        if take.state == TakeState.PREPARING:
            self.studio.ledger.never_sent(take.id, said("take.cancelled_before_sent"))
            return said("cancel.done", money=said("money.cancelled_before_sent"))
        if take.task_id:
            await self.wavespeed.cancel(take.task_id)
            self.studio.ledger.cancelled(take.id)
            return said("cancel.done", money=Money.CANCEL_ASKED.said)
        return said("cancel.while_asking")

    def delete(self, take_id: str) -> None:
        """Remove a take's video, poster, sidecar, input pictures and journal entry."""
        take = self.take(take_id)
        for p in (take.video_path, take.poster_path, take.sidecar_path, take.first_image, take.last_image):
            if p and not self._input_shared(take, p):
                Path(p).unlink(missing_ok=True)
        self.studio.journal.delete(take.id)

    def _input_shared(self, take: Take, path: str) -> bool:
        """Several takes of one click share their input pictures: keep them while another take uses them."""
        if path not in (take.first_image, take.last_image):
            return False
        return any(t.id != take.id and path in (t.first_image, t.last_image) for t in self.history(limit=10_000))

    def last_frame(self, take_id: str) -> Path:
        """The take's last frame as a PNG, to start the next take from."""
        take = self.take(take_id)
        if not take.video_path or not Path(take.video_path).exists():
            raise InputError(said("take.video_missing"))
        out = self.studio.library_for(self.owner) / "inputs" / f"{take.id}_lastframe.png"
        if not out.exists():
            video.extract_frame(take.video_path, "last").save(out, "PNG")
        return out

    def stitch(self, take_ids: list[str], out: Path | None = None) -> dict[str, Any]:
        """Join this visitor's takes, in order, into one MP4."""
        takes = [self.take(t) for t in take_ids]
        paths = [t.video_path for t in takes if t.video_path and Path(t.video_path).exists()]
        if len(paths) != len(takes):
            raise InputError(said("stitch.videos_missing"))
        out = Path(out) if out else self.studio.library_for(self.owner) / f"{take_run.readable_name('stitched', 0)}.mp4"
        try:
            return video.stitch(paths, out)
        except ValueError as e:
            raise InputError(str(e)) from None
        except OSError as e:
            raise InputError(said("stitch.cant_write", path=str(out), why=str(e.strerror or e))) from None

    async def upscale_price(self, take_id: str, target: str) -> upscale_run.UpscalePrice:
        """What upscaling one of this visitor's takes costs, before anything is sent."""
        return await upscale_run.price(self, take_id, target)

    async def upscale(self, take_id: str, target: str, on_progress: ProgressFn | None = None) -> TakeResult:
        """Upscale one of this visitor's takes into a new take of its own (journaled, recoverable)."""
        return await upscale_run.run(self, take_id, target, on_progress)

    async def recover(self) -> RecoverReport:
        """Carry every unfinished take of this visitor as far as it can go now."""
        report = RecoverReport()
        ledger, now = self.studio.ledger, time.time()
        from .takes.queue_store import QueueStore

        QueueStore(self.studio.journal).release_expired()  # a dead runner's unsent claims go back to the queue
        for t in self.studio.journal.unfinished(self.owner):  # a live claim was updated when it was claimed
            if t.state == TakeState.PREPARING and now - max(t.created_at, t.updated_at) > STALE_PREPARING:
                report.ended.append(ledger.never_sent(t.id, said("take.app_closed_before_sent")))
        try:
            await self.runner().reconcile()
        except SeedanceError as e:
            log.info("reconcile during recovery: %s", e.message)
        for t in self.studio.journal.unfinished(self.owner):
            if t.state in OUTCOME_UNKNOWN and not t.task_id:
                if t.error_code == job_match.CANT_TELL:  # two jobs could be it: the person picks, never "not started"
                    report.waiting.append(t)
                elif now - (t.submitted_at or t.created_at) > self.studio.list_lag:
                    self.runner().not_started(t)
                    report.ended.append(ledger.get(t.id) or t)
                else:
                    report.waiting.append(t)
        todo = [t for t in self.studio.journal.unfinished(self.owner) if t.task_id]
        outcomes = await asyncio.gather(*(self._resume(t) for t in todo), return_exceptions=True)
        for t, out in zip(todo, outcomes, strict=False):
            if isinstance(out, TakeResult):
                report.finished.append(out)
                continue
            if not isinstance(out, SeedanceError):
                log.error("recovery of %s failed unexpectedly: %r", t.id, out)
            after = ledger.get(t.id) or t
            (report.ended if after.finished else report.waiting).append(after)
        return report

    async def _resume(self, take: Take) -> TakeResult:
        report = reporter(take.id, 0, None)
        if take.state == TakeState.COMPLETED and take.output_url:
            from .client import Prediction

            return await self.runner().save(take, Prediction(id=take.task_id or "", status="completed",
                                                               outputs=(take.output_url,)))  # fmt: skip
        return await self.runner().finish(take, report)

    async def recover_task(self, task_id: str) -> TakeResult:
        """Bring a task into this visitor's library: one of their own takes, or a task WaveSpeed confirms with
        their key. Another visitor's take is refused."""
        import re

        task_id = (task_id or "").strip()
        if not re.fullmatch(TASK_ID, task_id):
            raise InputError(said("recover.not_a_task_id"))
        take = self.studio.journal.by_task(task_id)
        if take is not None and take.owner != self.owner:
            raise InputError(said("recover.not_yours"))
        if (
            take is not None
            and take.state == TakeState.DOWNLOADED
            and take.video_path
            and Path(take.video_path).exists()
        ):
            return TakeResult(take, Path(take.video_path), self.facts(take))
        if take is None:
            try:
                p = await self.wavespeed.result(task_id)
            except NotFound:
                raise InputError(said("recover.no_such_task")) from None
            lost = job_match.lost_take_for(self.studio.journal.unfinished(self.owner), p, self.studio.window_before,
                                           self.studio.window_after)  # fmt: skip
            if lost is not None:  # the take whose submit answer never reached its journal row
                take = self.studio.ledger.accepted(lost.id, task_id, note=said("note.matched_by_hand"))
            else:
                take = self.studio.ledger.begin(Take(
                    id=uuid.uuid4().hex[:16], owner=self.owner, model_id=p.model, prompt="", settings={},
                    **noted(said("note.recovered_by_id")),
                ))  # fmt: skip
                take = self.studio.ledger.accepted(take.id, task_id)
        elif take.state in ENDED_WITHOUT_VIDEO:
            take = self.studio.ledger.accepted(take.id, task_id)
        return await self._resume(take)

    async def check_key(self) -> PriceCheck:
        """One balance call: the balance, or the plain reason this key can't be used."""
        try:
            return PriceCheck(balance=await self.wavespeed.balance())
        except AuthenticationError as e:
            return PriceCheck(problem=self.say(said("key.new_keys", problem=e.said)))
        except (NetworkError, SeedanceError) as e:
            return PriceCheck(problem=self.say(e.said))

    async def price_check(self, plan: Plan) -> PriceCheck:
        """WaveSpeed's own price for the plan's full inputs and the balance, quickly, or why not."""
        if self.demo:
            return PriceCheck()
        client = self.wavespeed
        inputs = plan.payload(0, None)
        try:
            quoted, balance = await asyncio.gather(client.quote(plan.spec.id, inputs), client.balance())
        except SeedanceError as e:
            return PriceCheck(problem=self.say(e.said))
        return PriceCheck(api_total=quoted * plan.takes, balance=balance)

    async def aclose(self) -> None:
        await self.studio.aclose()

"""One take from its submit to a saved video, reconciliation after an ambiguous submit, and finishing a take
that a closed app left behind: a ``TakeRunner`` per visitor. Every state change goes through the ledger (``takes/ledger.py``); every error that ends a
take is settled there, so its money line follows how far the take got.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import catalog_live, job_match, upscale, video
from ..client import Prediction, notify
from ..errors import CantTellJobs, DownloadFailed, JournalError, Money, Outcome, SeedanceError, SubmissionUnknown
from ..journal import Take
from ..words.said import At, Said, kept, said
from .states import OUTCOME_UNKNOWN, TakeState

if TYPE_CHECKING:
    from ..bound_client import BoundClient
    from ..studio import Studio

log = logging.getLogger(__name__)


@dataclass
class Progress:
    """One step of one take, for a progress line. ``task_id`` is set the moment WaveSpeed gives it."""

    take_id: str
    stage: str
    """checking, uploading, submitting, checking_job, queued, rendering, downloading, saved, failed, cancelled"""
    message: Said | str
    """What to tell the person (``words.say`` renders it in their language)."""
    index: int = 0
    elapsed: float = 0.0
    expected: float | None = None
    task_id: str | None = None
    video: Path | None = None
    error: SeedanceError | None = None


ProgressFn = Callable[[Progress], Awaitable[None] | None]


@dataclass
class TakeResult:
    take: Take
    video_path: Path
    facts: dict[str, Any] = field(default_factory=dict)


Report = Callable[..., Awaitable[None]]


def reporter(take_id: str, index: int, on_progress: ProgressFn | None, t0: float | None = None) -> Report:
    """``report(stage, message, **extra)`` for one take: a Progress with the time since it began."""
    start = t0 or time.monotonic()

    async def report(stage: str, message: Said | str, **kw: Any) -> None:
        await notify(
            on_progress, Progress(take_id, stage, message, index=index, elapsed=time.monotonic() - start, **kw)
        )

    return report


def readable_name(prompt: str, seed: int, when: float | None = None) -> str:
    """'2026-11-21_153012_cat-turns-toward-camera_seed123': date, first prompt words, seed."""
    stamp = datetime.fromtimestamp(when or time.time()).strftime("%Y-%m-%d_%H%M%S")
    words = re.findall(r"[a-z0-9]+", prompt.lower())[:5]
    slug = "-".join(words)[:40].strip("-") or "take"
    return f"{stamp}_{slug}_seed{seed}"


# The runner ----------------------------------------------------------------------------------------------


class TakeRunner:
    """Runs one visitor's takes: built from the shared studio, a client bound to the visitor's key and the owner of
    their takes. A ``Session`` makes one per run (the client belongs to the running event loop)."""

    def __init__(self, studio: Studio, client: BoundClient, owner: str) -> None:
        self.studio = studio
        self.client = client
        self.owner = owner

    @property
    def demo(self) -> bool:
        return self.studio.demo

    # Submit --------------------------------------------------------------------------------------------------

    async def start(self, take: Take, payload: dict[str, Any], report: Report) -> TakeResult:
        """Send the one submit POST of a take, then carry it to a saved video."""
        studio = self.studio
        current = studio.ledger.get(take.id)
        if current is None or current.state != TakeState.PREPARING:  # cancelled while its pictures were prepared
            unsent = SeedanceError(said("take.cancelled_before_anything_sent"))
            unsent.code = "not_sent"
            raise unsent.told(studio.ledger.settle(take.id, unsent))
        studio.ledger.sending(take.id, payload)
        await report("submitting", said("progress.starting"))
        lost: SubmissionUnknown | None = None
        try:
            with studio.submitting(take.id):
                task_id = await self.client.submit(take.model_id, payload)
        except SubmissionUnknown as e:
            lost = e
        except SeedanceError as e:
            raise e.told(studio.ledger.settle(take.id, e)) from None
        if lost is not None:
            lost = lost.told(studio.ledger.settle(take.id, lost))
            task_id = await self._find_after_unknown(take.id, report, lost)
        try:
            take = studio.ledger.accepted(take.id, task_id)
        except JournalError as e:  # the job runs and is paid for: its id must reach the person all the same
            e.task_id = task_id
            raise e.told(studio.ledger.settle(take.id, e)) from None
        await report(
            "queued", said("progress.preview_started") if self.demo else said("progress.started"), task_id=task_id
        )
        return await self.finish(take, report)

    async def _find_after_unknown(self, take_id: str, report: Report, err: SubmissionUnknown) -> str:
        """After an ambiguous submit: look for the job in WaveSpeed's list until it appears or the list can no
        longer be lagging; then say the take most likely never started."""
        studio = self.studio
        await report("checking_job", said("progress.checking_job"))
        while True:
            await asyncio.sleep(studio.reconcile_delay)
            try:
                await self.reconcile()
            except SeedanceError as e:
                log.info("reconcile failed: %s", e.message)
            take = studio.ledger.get(take_id)
            if take is None:
                raise err
            if take.task_id:
                return take.task_id
            if take.error_code == job_match.CANT_TELL:
                raise _cant_tell(take)
            if time.time() - (take.submitted_at or take.created_at) > studio.list_lag:
                raise self.not_started(take) from None

    def not_started(self, take: Take) -> SeedanceError:
        studio, sent = self.studio, take.submitted_at or take.created_at

        why = said("take.not_started", start=At(sent - studio.window_before, clock=True),
                   end=At(sent + studio.window_after, clock=True), seconds=round(studio.list_lag))  # fmt: skip
        studio.ledger.not_started(take.id, why)
        e = SeedanceError(why, hint=said("hint.not_started"))
        e.code = "not_started"
        e.money = Money.LIKELY_NOT_STARTED
        return e

    async def reconcile(self) -> list[str]:
        """Pair this visitor's takes whose submit outcome is unknown with the account's jobs that no take holds
        yet: same model, created in a window around the submit, and matching inputs when the list carries them
        (``job_match``); a take two jobs could be is left for the person to pick. Returns the take ids adopted."""
        studio = self.studio
        async with studio.reconcile_lock():
            await studio.quiet_submits()
            unknown = [t for t in studio.journal.unfinished(self.owner) if t.state in OUTCOME_UNKNOWN
                       and not t.task_id and not studio.is_submitting(t.id)]  # fmt: skip
            adopted: list[str] = []
            for model_id in sorted({t.model_id for t in unknown}):
                takes = sorted((t for t in unknown if t.model_id == model_id), key=lambda t: t.submitted_at or 0)
                adopted += await self._pair(model_id, takes)
            return adopted

    async def _pair(self, model_id: str, takes: list[Take]) -> list[str]:
        """One model's unknown takes against the jobs listed around their submits."""
        studio = self.studio
        times = [t.submitted_at or t.created_at for t in takes]
        held = studio.journal.task_ids()
        found = await self.client.candidates(model_id, min(times) - studio.window_before,
                                             max(times) + studio.window_after)  # fmt: skip
        pairings, unclear = job_match.pair(takes, [p for p in found if p.id not in held])
        for pairing in pairings:
            studio.ledger.accepted(pairing.take_id, pairing.task_id, note=pairing.note)
            log.info("adopted job %s for take %s", pairing.task_id, pairing.take_id)
        for doubt in unclear:  # never adopted silently: the take stays unknown and says which jobs it could be
            lost = CantTellJobs(job_match.cant_tell_message(doubt), model_id=model_id, submitted_at=time.time())
            studio.ledger.settle(doubt.take_id, lost)
        return [pairing.take_id for pairing in pairings]

    # Wait and save -------------------------------------------------------------------------------------------

    async def finish(self, take: Take, report: Report) -> TakeResult:
        """Wait for a submitted take, download it and file it in the library."""
        assert take.task_id
        ledger, client = self.studio.ledger, self.client
        expected = client.eta.expected(take.eta_key)
        started_mono = time.monotonic() - max(0.0, time.time() - (take.submitted_at or time.time()))
        running = take.state == TakeState.RUNNING

        async def on_poll(p: Prediction, elapsed: float) -> None:
            nonlocal running
            if p.status == "processing" and not running:
                running = True
                ledger.running(take.id)
            queued = p.status == "created"
            await report("queued" if queued else "rendering",
                         said("progress.in_queue") if queued else said("progress.rendering"),
                         expected=expected[0] if expected else None, task_id=take.task_id)  # fmt: skip

        try:
            p = await client.wait(take.task_id, eta_key=take.eta_key, on_progress=on_poll, started=started_mono)
        except SeedanceError as e:
            raise e.told(ledger.settle(take.id, e)) from None
        seconds = round(p.inference_ms / 1000, 2) if p.inference_ms else round(time.monotonic() - started_mono, 2)
        take = ledger.completed(take.id, p.outputs[0], seconds)
        await report("downloading", said("progress.saving"), task_id=take.task_id)
        return await self.save(take, p)

    async def save(self, take: Take, p: Prediction) -> TakeResult:
        """Download the output and file it (MP4 with its prompt and seed inside, poster, sidecar)."""
        studio = self.studio
        facts = facts_of(take, self.demo)
        try:
            dest = _claim(studio.library_for(take.owner), library_name(take))
        except OSError as e:
            failed = DownloadFailed(said("download.cant_save_here", why=str(e.strerror or e)), task_id=take.task_id)
            raise failed.told(studio.ledger.settle(take.id, failed)) from None
        try:
            await self.client.download(p, dest)
            await asyncio.to_thread(_file_video, dest, facts)
        except SeedanceError as e:
            dest.unlink(missing_ok=True)  # the name was claimed empty; nothing half-made stays under it
            raise e.told(studio.ledger.settle(take.id, e)) from None
        take = studio.ledger.saved(take.id, str(dest), str(dest.with_suffix(".jpg")), str(dest.with_suffix(".json")))
        return TakeResult(take, dest, facts)


def _cant_tell(take: Take) -> SeedanceError:
    e = CantTellJobs(kept(take.message_id, take.message_params, take.error_message), model_id=take.model_id,
                     submitted_at=take.submitted_at or 0.0)  # fmt: skip
    # the journal already says it: told as it stands, never settled again
    return e.told(Outcome(take.state, Money(take.money or "unknown"), None, None, take.task_id, e.code))


def library_name(take: Take) -> str:
    """A take's file name without extension; an upscaled take says so, and to which size."""
    stem = readable_name(take.prompt, take.seed or 0, take.created_at)
    target = take.settings.get("target_resolution") if take.model_id == upscale.UPSCALER_ID else None
    return f"{stem}_upscaled-{target}" if target else stem


def _claim(folder: Path, stem: str) -> Path:
    """A library name no other video has, claimed at once (created empty): two takes with the same prompt and seed
    in the same second must never overwrite each other's paid video."""
    for n in range(1, 1000):
        dest = folder / (f"{stem}.mp4" if n == 1 else f"{stem}_{n}.mp4")
        try:
            with open(dest, "x"):
                return dest
        except FileExistsError:
            continue
    raise FileExistsError(f"too many videos named {stem}")


def _file_video(dest: Path, facts: dict[str, Any]) -> None:
    """Tag, poster and sidecar; a file that isn't a whole video is removed and reported, never kept."""
    poster, sidecar = dest.with_suffix(".jpg"), dest.with_suffix(".json")
    try:
        video.write_metadata(dest, {"title": facts["prompt"][:200],
                                    "comment": f"seed={facts['seed']} model={facts['model_id']} task={facts['task_id']}"})  # fmt: skip
        video.save_poster(dest, poster)
        sidecar.write_text(json.dumps(facts, indent=2))
    except Exception as e:  # PyAV raises many kinds for a damaged file; all mean the same to the person
        for p in (dest, poster, sidecar):
            p.unlink(missing_ok=True)
        if isinstance(e, OSError) and not type(e).__module__.startswith("av"):
            raise DownloadFailed(said("download.cant_save_here", why=str(e.strerror or e)),
                                 task_id=facts["task_id"]) from None  # fmt: skip
        raise DownloadFailed(said("download.cant_open_video"), task_id=facts["task_id"]) from None


def facts_of(take: Take, demo: bool) -> dict[str, Any]:
    spec = catalog_live.spec_anywhere(take.model_id)  # its name, from whichever list knows the model
    return {
        "take_id": take.id,
        "model_id": take.model_id,
        "model": spec.name
        if spec
        else upscale.current().name
        if take.model_id == upscale.UPSCALER_ID
        else take.model_id,
        "prompt": take.prompt,
        "seed": take.seed,
        "settings": take.settings,
        "price_usd": None if demo else take.price_usd,
        "price_published": take.price_published,
        "render_seconds": take.render_seconds,
        "task_id": take.task_id,
        "note": take.note,
        "created_at": datetime.fromtimestamp(take.created_at).isoformat(timespec="seconds"),
        "demo": demo,
    }

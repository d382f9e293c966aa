"""One take, start to finish: check images, price, upload, submit, journal, wait, download, file it.

The app and the CLI are thin shells over ``Studio``. Progress goes to a callback as ``Progress`` values.
Every take is written to the journal before the submit POST and before the first poll, so a take survives a
closed browser, a killed app and an expired link; ``recover()`` picks up whatever was left unfinished.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
import secrets
import time
import uuid
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from . import catalog, images, pricing, video
from .client import Prediction, WaveSpeedClient, notify
from .errors import (
    DeadlineExceeded,
    DownloadFailed,
    Money,
    OutputExpired,
    SeedanceError,
    SubmissionUnknown,
    TaskCancelled,
    TaskFailed,
)
from .journal import Journal, Take
from .request import GenerationRequest

log = logging.getLogger("seedance_ui.studio")


@dataclass
class Progress:
    take_id: str
    stage: str
    message: str
    elapsed: float = 0.0
    expected: float | None = None
    task_id: str | None = None


ProgressFn = Callable[[Progress], Awaitable[None] | None]


@dataclass
class Settings:
    """What the person chose, before images are uploaded."""

    model_id: str = catalog.DEFAULT_MODEL_ID
    prompt: str = ""
    duration: int | None = None
    resolution: str | None = None
    aspect_ratio: str | None = None
    generate_audio: bool | None = None
    camera_fixed: bool = False
    seed: int = -1

    def resolved(self, seed: int) -> dict[str, Any]:
        spec = catalog.get_model(self.model_id)
        return {
            "prompt": self.prompt,
            "duration": self.duration or spec.duration_default,
            "resolution": self.resolution or spec.default_resolution,
            "aspect_ratio": self.aspect_ratio if spec.accepts_aspect_ratio else None,
            "generate_audio": (spec.audio_default if self.generate_audio is None else self.generate_audio)
            and spec.accepts_audio,
            "camera_fixed": self.camera_fixed,
            "seed": seed,
        }


@dataclass
class TakeResult:
    take: Take
    video_path: Path
    facts: dict[str, Any] = field(default_factory=dict)


def random_seed() -> int:
    """The app picks random seeds itself so the seed can be shown and reused."""
    return secrets.randbelow(catalog.SEED_MAX)


def readable_name(prompt: str, seed: int, when: float | None = None) -> str:
    """'2026-11-21_1530_cat-turns-toward-camera_seed123' : date, first prompt words, seed."""
    stamp = datetime.fromtimestamp(when or time.time()).strftime("%Y-%m-%d_%H%M%S")
    words = re.findall(r"[a-z0-9]+", prompt.lower())[:5]
    slug = "-".join(words)[:40].strip("-") or "take"
    return f"{stamp}_{slug}_seed{seed}"


class Studio:
    def __init__(
        self,
        journal: Journal,
        library: Path,
        *,
        client_factory: Callable[[], WaveSpeedClient],
        api_key: str | None = None,
        demo: bool = False,
        reconcile_delay: float = 2.0,
    ) -> None:
        self.journal = journal
        self.library = Path(library)
        self.library.mkdir(parents=True, exist_ok=True)
        self._client_factory = client_factory
        self._api_key = api_key
        self.demo = demo
        self.reconcile_delay = reconcile_delay
        # An httpx client belongs to one event loop; the app's loop and a recovery thread's loop each get one.
        self._clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, WaveSpeedClient] = (
            weakref.WeakKeyDictionary()
        )
        self._inflight: dict[str, asyncio.Future] = {}

    def client(self) -> WaveSpeedClient:
        """This event loop's client, made on first use and taught the render times the journal knows."""
        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None:
            client = self._clients[loop] = self._client_factory()
            for key, seconds in self.journal.render_times():
                client.eta.observe(key, seconds)
        return client

    async def aclose(self) -> None:
        """Close this event loop's client (call it before the loop ends)."""
        client = self._clients.pop(asyncio.get_running_loop(), None)
        if client is not None:
            await client.aclose()

    # One take ------------------------------------------------------------------------------------------

    async def generate(
        self,
        first: str | Path,
        settings: Settings,
        *,
        last: str | Path | None = None,
        session: str = "local",
        api_key: str | None = None,
        fix_images: bool = False,
        on_progress: ProgressFn | None = None,
    ) -> TakeResult:
        """Run one take. Identical calls from one session while one is running share it: one POST."""
        key = self._dedupe_key(first, last, settings, session)
        running = self._inflight.get(key)
        if running is not None:
            return await asyncio.shield(running)
        fut: asyncio.Future = asyncio.get_running_loop().create_future()
        self._inflight[key] = fut
        try:
            result = await self._generate(first, settings, last, session, api_key, fix_images, on_progress)
            fut.set_result(result)
            return result
        except asyncio.CancelledError:
            fut.cancel()  # a double click waiting on this take is cancelled with it
            raise
        except Exception as e:
            fut.set_exception(e)
            fut.exception()  # mark retrieved: a lone caller's error is not an unhandled one
            raise
        finally:
            self._inflight.pop(key, None)

    @staticmethod
    def _dedupe_key(first: Any, last: Any, settings: Settings, session: str) -> str:
        """A double click sends the same files: path, size and modification time name them without reading them."""

        def ident(p: Any) -> list:
            if not p:
                return []
            st = Path(p).stat()
            return [str(Path(p).resolve()), st.st_size, st.st_mtime_ns]

        blob = json.dumps([session, ident(first), ident(last), settings.__dict__], sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()

    async def _generate(
        self, first: Any, settings: Settings, last: Any, session: str, api_key: str | None, fix: bool,
        on_progress: ProgressFn | None,
    ) -> TakeResult:  # fmt: skip
        take_id = uuid.uuid4().hex[:16]
        report = self._reporter(take_id, on_progress)
        await report("checking", "Checking your pictures…")
        spec = catalog.get_model(settings.model_id)
        seed = settings.seed if settings.seed >= 0 else random_seed()
        values = settings.resolved(seed)
        if last and not spec.accepts_last_image:
            last = None
        # Settings are checked before anything is uploaded; the real URLs replace the placeholder below.
        GenerationRequest.build(spec.id, "pending", last_image="pending" if last else None, **values)
        first_img = await asyncio.to_thread(images.prepare, first, fix=fix)
        last_img = await asyncio.to_thread(images.prepare, last, fix=fix) if last else None
        aspect_for_price = values["aspect_ratio"] or catalog.nearest_aspect_ratio(first_img.width, first_img.height)
        quote = pricing.estimate(spec.id, values["duration"], values["resolution"], values["generate_audio"],
                                 aspect_ratio=aspect_for_price, with_what_if=False)  # fmt: skip
        first_copy = self._keep_input(take_id, "first", first_img, session)
        last_copy = self._keep_input(take_id, "last", last_img, session) if last_img else None

        await report("uploading", "Uploading your pictures…")
        client = self.client()
        key = api_key or self._api_key
        first_url = await client.upload(first_img.data, f"first{first_img.extension}", first_img.mime, api_key=key)
        last_url = (
            await client.upload(last_img.data, f"last{last_img.extension}", last_img.mime, api_key=key)
            if last_img else None
        )  # fmt: skip
        req = GenerationRequest.build(spec.id, first_url, last_image=last_url, **values)
        payload = req.to_payload()
        take = self.journal.add(Take(
            id=take_id, session=session, model_id=spec.id, prompt=settings.prompt, settings=values, payload=payload,
            seed=seed, price_usd=f"{quote.total:.2f}", price_published=quote.published,
            first_image=str(first_copy), last_image=str(last_copy) if last_copy else None,
        ))  # fmt: skip

        await report("submitting", f"Starting the render (${quote.total:.2f})…")
        try:
            task_id = await client.submit(spec.id, payload, api_key=key)
        except SubmissionUnknown as e:
            task_id = await self._adopt(take, e, key)
        except SeedanceError as e:
            self._record_error(take.id, e)
            raise
        take = self.journal.update(take.id, state="submitted", task_id=task_id, submitted_at=time.time())
        return await self._finish(take, key, report)

    @staticmethod
    def _reporter(take_id: str, on_progress: ProgressFn | None) -> Callable[..., Awaitable[None]]:
        """``report(stage, message, **extra)`` for one take: a Progress with the time since it began."""
        t0 = time.monotonic()

        async def report(stage: str, message: str, **kw: Any) -> None:
            await notify(on_progress, Progress(take_id, stage, message, elapsed=time.monotonic() - t0, **kw))

        return report

    def library_for(self, session: str) -> Path:
        """The desktop's library, or a visitor's own folder (named by their random session token) on a Space."""
        path = (
            self.library if session == "local" else self.library / "sessions" / re.sub(r"[^A-Za-z0-9_-]", "", session)
        )
        (path / "inputs").mkdir(parents=True, exist_ok=True)
        return path

    def _keep_input(self, take_id: str, which: str, img: images.PreparedImage, session: str) -> Path:
        """Keep the exact picture sent, for 'Load settings' and for the record."""
        path = self.library_for(session) / "inputs" / f"{take_id}_{which}{img.extension}"
        path.write_bytes(img.data)
        return path

    async def _adopt(self, take: Take, err: SubmissionUnknown, key: str | None) -> str:
        """After an ambiguous submit: find the job by its inputs. One match is adopted; otherwise 'unknown'."""
        self.journal.update(take.id, state="unknown", money=Money.UNKNOWN.value, error_message=err.message)
        await asyncio.sleep(self.reconcile_delay)
        try:
            found = await self.client().reconcile(err.model_id, err.payload, err.submitted_at, api_key=key)
        except SeedanceError:
            found = []
        if len(found) == 1:
            log.info("adopted job %s after an ambiguous submit", found[0].id)
            return found[0].id
        err.task_id = None
        err.hint = (
            "We couldn't find the job yet. It is kept in History as 'unknown': check it again there before "
            "starting it again."
        )
        raise err

    async def _finish(self, take: Take, key: str | None, report: Callable[..., Awaitable[None]]) -> TakeResult:
        """Wait for a submitted take, download it and file it in the library."""
        assert take.task_id
        client = self.client()
        expected = client.eta.expected(take.eta_key)
        started_mono = time.monotonic() - max(0.0, time.time() - (take.submitted_at or time.time()))
        state = {"running": take.state == "running"}

        async def on_poll(p: Prediction, elapsed: float) -> None:
            if p.status == "processing" and not state["running"]:
                state["running"] = True
                self.journal.update(take.id, state="running")
            stage = "queued" if p.status == "created" else "rendering"
            words = "Waiting in WaveSpeed's queue…" if stage == "queued" else "Rendering…"
            await report(stage, words, expected=expected[0] if expected else None, task_id=take.task_id)

        try:
            p = await client.wait(take.task_id, api_key=key, eta_key=take.eta_key, on_progress=on_poll,
                                  started=started_mono)  # fmt: skip
        except DeadlineExceeded:
            self.journal.update(take.id, state="running", money=Money.STILL_RUNNING.value)
            raise
        except (TaskFailed, TaskCancelled) as e:
            self._record_error(take.id, e)
            raise
        take = self.journal.update(
            take.id, state="completed", completed_at=time.time(), output_url=p.outputs[0],
            render_seconds=round(p.inference_ms / 1000, 2) if p.inference_ms else round(time.monotonic() - started_mono, 2),
        )  # fmt: skip
        await report("downloading", "Saving the video…", task_id=take.task_id)
        return await self._download(take, p, key)

    async def _download(self, take: Take, p: Prediction, key: str | None) -> TakeResult:
        name = readable_name(take.prompt, take.seed or 0, take.created_at)
        dest = self.library_for(take.session) / f"{name}.mp4"
        try:
            await self.client().download(p, dest, api_key=key)
        except OutputExpired as e:
            self._record_error(take.id, e, state="expired")
            raise
        except DownloadFailed as e:
            self.journal.update(take.id, error_code=e.code, error_message=e.message)
            raise
        sidecar = dest.with_suffix(".json")
        poster = dest.with_suffix(".jpg")
        facts = self._facts(take)
        await asyncio.to_thread(self._file_video, dest, poster, sidecar, facts)
        take = self.journal.update(take.id, state="downloaded", video_path=str(dest), poster_path=str(poster),
                                   sidecar_path=str(sidecar), error_code=None, error_message=None,
                                   money=Money.CHARGED.value)  # fmt: skip
        return TakeResult(take, dest, facts)  # the facts don't depend on the state just written

    @staticmethod
    def _file_video(dest: Path, poster: Path, sidecar: Path, facts: dict[str, Any]) -> None:
        video.write_metadata(dest, {"title": facts["prompt"][:200], "comment": f"seed={facts['seed']} "
                                    f"model={facts['model_id']} task={facts['task_id']}"})  # fmt: skip
        video.save_poster(dest, poster)
        sidecar.write_text(json.dumps(facts, indent=2))

    def _facts(self, take: Take) -> dict[str, Any]:
        spec = catalog.MODELS_BY_ID.get(take.model_id)
        return {
            "take_id": take.id,
            "model_id": take.model_id,
            "model": spec.name if spec else take.model_id,
            "prompt": take.prompt,
            "seed": take.seed,
            "settings": take.settings,
            "price_usd": take.price_usd,
            "price_published": take.price_published,
            "render_seconds": take.render_seconds,
            "task_id": take.task_id,
            "created_at": datetime.fromtimestamp(take.created_at).isoformat(timespec="seconds"),
            "demo": self.demo,
        }

    def _record_error(self, take_id: str, e: SeedanceError, state: str | None = None) -> None:
        if state is None:
            state = "cancelled" if isinstance(e, TaskCancelled) else "failed"
        self.journal.update(take_id, state=state, error_code=str(getattr(e, "api_code", None) or e.code),
                            error_message=e.message, money=e.money.value)  # fmt: skip

    # Recovery ------------------------------------------------------------------------------------------

    async def resume(self, take: Take, *, api_key: str | None = None, on_progress: ProgressFn | None = None,
                     min_age_for_not_started: float = 60.0) -> TakeResult | None:  # fmt: skip
        """Carry an unfinished take to its end. Returns the result, or None when it could not be finished."""
        key = api_key or self._api_key
        report = self._reporter(take.id, on_progress)
        if take.state in ("submitting", "unknown") and not take.task_id:
            found = await self.client().reconcile(take.model_id, take.payload, take.submitted_at or take.created_at,
                                                  api_key=key)  # fmt: skip
            if len(found) == 1:
                take = self.journal.update(take.id, state="submitted", task_id=found[0].id,
                                           submitted_at=take.submitted_at or take.created_at, money=None)  # fmt: skip
            elif not found and time.time() - take.created_at > min_age_for_not_started:
                self.journal.update(take.id, state="failed", money=Money.NOT_CHARGED.value, error_code="not_started",
                                    error_message="This take never started on WaveSpeed, so nothing was charged.")  # fmt: skip
                return None
            else:
                return None
        try:
            if take.state == "completed" and take.output_url:
                p = Prediction(id=take.task_id or "", status="completed", outputs=(take.output_url,))
                return await self._download(take, p, key)
            return await self._finish(take, key, report)
        except (TaskFailed, TaskCancelled, OutputExpired, DeadlineExceeded, DownloadFailed):
            return None

    async def recover(self, *, session: str | None = None, api_key: str | None = None) -> list[TakeResult]:
        """Resume every unfinished take (of one session, or all), at once."""
        todo = self.journal.unfinished(session)
        results = await asyncio.gather(*(self.resume(t, api_key=api_key) for t in todo), return_exceptions=True)
        return [r for r in results if isinstance(r, TakeResult)]

    async def recover_task(self, task_id: str, *, session: str = "local", api_key: str | None = None) -> TakeResult:
        """Bring any WaveSpeed task into the library by its id, whether or not this app started it."""
        task_id = task_id.strip()
        if not re.fullmatch(r"[A-Za-z0-9_-]{6,80}", task_id):
            raise SeedanceError("That doesn't look like a WaveSpeed task id.")
        key = api_key or self._api_key
        take = self.journal.by_task(task_id)
        if take is not None and take.state == "downloaded" and take.video_path and Path(take.video_path).exists():
            return TakeResult(take, Path(take.video_path), self._facts(take))
        if take is None:
            p = await self.client().result(task_id, api_key=key)
            inputs = p.inputs or await self._inputs_of(p, key)
            take = self.journal.add(Take(
                id=uuid.uuid4().hex[:16], session=session, state="submitted", model_id=p.model,
                prompt=str(inputs.get("prompt", "")), settings=inputs, payload=inputs, seed=inputs.get("seed"),
                task_id=task_id, submitted_at=time.time(),
            ))  # fmt: skip
        elif take.state not in ("running", "completed"):
            take = self.journal.update(take.id, state="submitted")
        return await self._finish(take, key, self._reporter(take.id, None))

    async def _inputs_of(self, p: Prediction, key: str | None) -> dict[str, Any]:
        """A task's inputs (prompt, seed, ...) from the list endpoint; the result endpoint doesn't carry them."""
        try:
            when = datetime.fromisoformat((p.created_at or "").replace("Z", "+00:00"))
        except ValueError:
            return {}
        try:
            items, _ = await self.client().list_predictions(
                model_id=p.model or None, created_after=when - timedelta(seconds=5),
                created_before=when + timedelta(seconds=5), api_key=key,
            )  # fmt: skip
        except SeedanceError:
            return {}
        return next((i.inputs or {} for i in items if i.id == p.id), {})

    async def cancel(self, take_id: str, *, api_key: str | None = None) -> str:
        """Ask WaveSpeed to stop a take and say what happened to the money."""
        take = self.journal.get(take_id)
        if take is None or not take.task_id:
            return "Nothing had started yet, so nothing was charged."
        await self.client().cancel(take.task_id, api_key=api_key or self._api_key)
        self.journal.update(take_id, state="cancelled", money=Money.REFUNDED.value)
        return "Cancelled. WaveSpeed refunds cancelled renders automatically."

    # Continuing a shot ---------------------------------------------------------------------------------

    def last_frame_image(self, take: Take) -> Path:
        """The take's last frame as a PNG, to start the next take from."""
        if not take.video_path or not Path(take.video_path).exists():
            raise SeedanceError("This take's video is not in the library.")
        out = self.library_for(take.session) / "inputs" / f"{take.id}_lastframe.png"
        if not out.exists():
            video.extract_frame(take.video_path, "last").save(out, "PNG")
        return out

    def delete_local(self, take_id: str) -> None:
        """Remove a take's files and its journal entry."""
        take = self.journal.get(take_id)
        if take is None:
            return
        for p in (take.video_path, take.poster_path, take.sidecar_path):
            if p:
                Path(p).unlink(missing_ok=True)
        self.journal.delete(take_id)

    def stitch(self, take_ids: list[str], out: Path | None = None) -> Path:
        takes = [self.journal.get(t) for t in take_ids]
        paths = [t.video_path for t in takes if t and t.video_path and Path(t.video_path).exists()]
        if len(paths) != len(take_ids):
            raise SeedanceError("Some of these takes have no video in the library.")
        out = out or self.library_for(takes[0].session if takes[0] else "local") / f"{readable_name('stitched', 0)}.mp4"
        video.stitch(paths, out)
        return Path(out)

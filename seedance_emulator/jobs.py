"""Tasks: what the emulator stores for each, how WaveSpeed shows one (a prediction, or a list item with no
inputs), and the work of running one (queueing in the account's slots, rendering, finishing, failing)."""

from __future__ import annotations

import asyncio
import io
import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import av
from PIL import Image

from . import upscaler
from .accounts import Accounts
from .facts import SEED_MAX
from .media import MediaError, MediaStore
from .models import EmulatorCatalog
from .render import ClipSpec, render_clip


class _OutputFiles(Protocol):
    def write(self, name: str, data: bytes) -> None: ...


class RenderHost(Protocol):
    """What the render worker needs of the server (the ``Emulator``): the accounts, models, media and output
    files, and the render settings. The worker receives it; it never imports the server."""

    accounts: Accounts
    catalog: EmulatorCatalog
    media: MediaStore
    outputs: _OutputFiles
    max_concurrent: int | None
    processing_seconds: Any
    render_mode: str
    render_workers: int


@dataclass
class Job:
    id: str
    model: str
    inputs: dict[str, Any]
    """The inputs the task runs with: the body's values for the fields the model takes, its defaults for the rest."""
    key_fp: str
    """The account (fingerprint of the submitting key)."""
    created_at: datetime
    status: str = "created"
    output_name: str | None = None
    error: str = ""
    code: int | None = None
    inference_ms: int | None = None
    fault: dict[str, Any] = field(default_factory=dict)
    file_hits: int = 0
    completed_at: float | None = None
    done: asyncio.Event = field(default_factory=asyncio.Event)
    price: float = 0.0
    created_mono: float = field(default_factory=time.monotonic)
    deleted: bool = False
    account: str = ""
    """The account the task belongs to (it may own several keys): its list, its balance, its limits."""
    sent: dict[str, Any] = field(default_factory=dict)
    """The inputs as the submit sent them (what the list shows when asked, and the webhook's ``input``)."""


def iso(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def prediction(job: Job, base: str, link: str | None) -> dict[str, Any]:
    """A task as ``GET /api/v3/predictions/{id}(/result)`` shows it; ``link`` is its signed output link."""
    outputs = [link] if job.status == "completed" and link else []
    d: dict[str, Any] = {
        "id": job.id,
        "model": job.model,
        "outputs": outputs,
        "urls": {"get": f"{base}/api/v3/predictions/{job.id}/result"},
        "has_nsfw_contents": [False] * len(outputs),
        "status": job.status,
        "created_at": iso(job.created_at),
        "error": job.error,
        "timings": {"inference": job.inference_ms} if job.inference_ms is not None else {},
    }
    if job.code is not None:
        d["code"] = job.code
    return d


def list_item(job: Job, base: str, link: str | None, with_inputs: bool = False) -> dict[str, Any]:
    """A task as the prediction list shows it; its inputs only ``with_inputs`` (the docs list none, but WaveSpeed's
    own CLI asks with ``include_inputs: true`` and prints ``inputs.prompt``). ``executionTime`` in milliseconds
    (its unit is unconfirmed)."""
    item = prediction(job, base, link) | {"executionTime": job.inference_ms or 0}
    return item | {"inputs": dict(job.sent)} if with_inputs else item


class Worker:
    """Runs tasks in the background with the emulator's current settings (tests change them at runtime)."""

    def __init__(self, emu: RenderHost) -> None:
        self.emu = emu
        self._tasks: set[asyncio.Task] = set()
        self._render_slots: asyncio.Semaphore | None = None
        self._stub: bytes | None = None
        self._stub_lock: asyncio.Lock | None = None

    def start(self, job: Job) -> None:
        task = asyncio.create_task(self._process(job))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _process(self, job: Job) -> None:
        if self._render_slots is None:
            self._render_slots = asyncio.Semaphore(self.emu.render_workers)
        if self.emu.max_concurrent:
            async with self.emu.accounts.slots(job.key_fp, self.emu.max_concurrent):
                await self._run(job)
        else:
            await self._run(job)

    async def _run(self, job: Job) -> None:
        """Deleting a task does not stop this: the work goes on unseen (the docs: deletion "may not stop
        generation"), and nothing is refunded."""
        job.status = "processing"
        started = time.monotonic()
        wanted = self.emu.processing_seconds
        wanted = wanted(job) if callable(wanted) else wanted
        fault = job.fault
        if fault.get("final_status") == "processing":
            return  # stays processing forever
        name = f"{job.id}.mp4"
        try:
            self.emu.outputs.write(name, await self._render(job))
        except MediaError as e:
            await _finish_wait(started, wanted)
            self._fail(job, 1402, f"Failed to access media: {e}")
            return
        except Exception as e:  # a render bug must still end the task, as a 5000 on the service would
            self._fail(job, 5000, f"Internal error: {type(e).__name__}")
            return
        await _finish_wait(started, wanted)
        job.inference_ms = int((time.monotonic() - started) * 1000)
        if fault.get("fail_code"):
            self._fail(job, int(fault["fail_code"]), f"Task failed with code {fault['fail_code']}")
            return
        if fault.get("final_status"):
            job.status = str(fault["final_status"])
            job.done.set()
            return
        job.output_name = None if fault.get("empty_outputs") else name
        job.status = "completed"
        job.completed_at = time.time()
        job.done.set()

    def _fail(self, job: Job, code: int, message: str) -> None:
        """Failed tasks are refunded (the docs: automatically, within about 3 hours; here at once). A deleted
        task is not: the docs promise at most "partial refunds" there, so the emulator promises none."""
        job.status, job.code, job.error = "failed", code, message
        if not job.deleted:
            self.emu.accounts.refund(job.key_fp, job.price)
        job.done.set()

    async def _render(self, job: Job) -> bytes:
        media = self.emu.media
        model = self.emu.catalog.served(job.model)  # a model removed since the submit: the 5000 below
        assert model is not None
        if model.is_upscaler:
            return await self._upscale(job)
        first = await media.load_image(job.inputs["image"])
        last = await media.load_image(job.inputs["last_image"]) if job.inputs.get("last_image") else None
        if self.emu.render_mode == "stub":
            return await self._stub_clip(first)
        w, h = model.output_size(job.inputs, first.size)
        seed = int(job.inputs.get("seed", -1))
        audio = bool(job.inputs.get("generate_audio"))
        clip = ClipSpec(w, h, model.rendered_duration(job.inputs), str(job.inputs.get("prompt") or ""),
                        bool(job.inputs.get("camera_fixed")), audio, seed if seed >= 0 else secrets.randbelow(SEED_MAX))  # fmt: skip
        assert self._render_slots is not None
        async with self._render_slots:
            return await asyncio.to_thread(_render_bytes, first, clip, last)

    async def _upscale(self, job: Job) -> bytes:
        data = await self.emu.media.load_bytes(job.inputs["video"])
        target = str(job.inputs.get("target_resolution") or "1080p")
        if self.emu.render_mode == "stub":
            if await asyncio.to_thread(upscaler.seconds_of, data) is None:
                raise MediaError("not a video")
            return await self._stub_clip(Image.new("RGB", (160, 96), (90, 90, 90)))
        assert self._render_slots is not None
        async with self._render_slots:
            try:
                return await asyncio.to_thread(upscaler.render, data, target)
            except (av.FFmpegError, IndexError, ValueError) as e:  # not a video: a media failure, as on WaveSpeed
                raise MediaError("not a video") from e

    async def _stub_clip(self, first: Image.Image) -> bytes:
        """Load runs: one tiny clip rendered once and shared, so the CPU stays with the code being measured."""
        if self._stub_lock is None:
            self._stub_lock = asyncio.Lock()
        async with self._stub_lock:
            if self._stub is None:
                self._stub = await asyncio.to_thread(_render_bytes, first, ClipSpec(160, 96, 1, seed=1), None)
        return self._stub


def _render_bytes(first: Image.Image, clip: ClipSpec, last: Image.Image | None) -> bytes:
    buf = io.BytesIO()
    render_clip(first, clip, buf, last=last)
    return buf.getvalue()


async def _finish_wait(started: float, wanted: Any) -> None:
    """Until ``wanted`` seconds from the start; or, for a test that must decide when a job ends (not guess it from
    a clock on a busy machine), until a gate with a ``wait()`` method (a ``threading.Event``) is opened."""
    if hasattr(wanted, "wait"):
        await asyncio.to_thread(wanted.wait)
        return
    left = wanted - (time.monotonic() - started)
    if left > 0:
        await asyncio.sleep(left)

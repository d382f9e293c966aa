"""A WaveSpeed-compatible server for demo mode and tests.

It speaks the v3 protocol (submit, result, prediction, delete, list, both upload styles, balance, price),
wraps every answer in the ``{code, message, data}`` envelope, checks bearer auth, validates Seedance inputs
as the service does (HTTP 400 with task codes 1400/1401), renders real MP4 previews in the background, serves
them at signed links that expire, and injects faults on request (see ``faults.py``). It never fetches a
picture from anywhere but itself or loopback: other links fail the task with code 1402, as an unreachable
link does on WaveSpeed.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import hmac
import io
import os
import secrets
import socket
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
from PIL import Image
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from ..catalog import ASPECT_RATIOS, MODELS_BY_ID, SEED_MAX, SEED_MIN, nearest_aspect_ratio
from .faults import FaultPlan
from .render import ClipSpec, render_clip

LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


@dataclass
class Job:
    id: str
    model: str
    inputs: dict[str, Any]
    key_fp: str
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


class MediaError(Exception):
    """A picture given to a job could not be fetched or opened (task code 1402)."""


class _DropResponse(Response):
    """Start an answer, then cut the connection: the client cannot know what happened."""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", b"4096")]})  # fmt: skip
        await send({"type": "http.response.body", "body": b'{"code": 200, "da', "more_body": True})
        raise ConnectionAbortedError("emulator fault: connection dropped")


def _fingerprint(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:12]


def _iso(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def _parse_iso(s: str) -> datetime:
    return datetime.fromisoformat(s.replace("Z", "+00:00"))


class Emulator:
    """The server's state and its ASGI app (``.app``)."""

    def __init__(
        self,
        data_dir: str | os.PathLike | None = None,
        *,
        processing_seconds: float | Callable[[Job], float] = 2.0,
        max_concurrent: int | None = None,
        reject_keys: tuple[str, ...] = (),
        render_mode: str = "full",
        url_ttl: float = 3600.0,
        sync_wait: float = 90.0,
        balance: float = 100.0,
        render_workers: int = 2,
    ) -> None:
        self.data_dir = Path(data_dir or tempfile.mkdtemp(prefix="seedance-emulator-"))
        (self.data_dir / "media").mkdir(parents=True, exist_ok=True)
        (self.data_dir / "outputs").mkdir(parents=True, exist_ok=True)
        self.processing_seconds = processing_seconds
        self.max_concurrent = max_concurrent
        self.reject_keys = set(reject_keys)
        self.render_mode = render_mode
        self.url_ttl = url_ttl
        self.sync_wait = sync_wait
        self.balance = balance
        self.render_workers = render_workers
        self.jobs: dict[str, Job] = {}
        self.uploads: dict[str, tuple[str, str, int]] = {}  # token -> (filename, content type, declared size)
        self.stats: Counter[str] = Counter()
        self.submit_keys: Counter[str] = Counter()
        self.faults = FaultPlan()
        self._secret = secrets.token_bytes(16)
        self._tasks: set[asyncio.Task] = set()
        self._slots: asyncio.Semaphore | None = None
        self._render_slots: asyncio.Semaphore | None = None
        self._stub: bytes | None = None
        self._stub_lock: asyncio.Lock | None = None
        self._lock = threading.Lock()
        self.app = Starlette(routes=self._routes())

    # Plumbing -------------------------------------------------------------------------------------------

    def _routes(self) -> list[Route]:
        return [
            Route("/api/v3/media/uploads", self.h_upload_ticket, methods=["POST"]),
            Route("/api/v3/media/upload/binary", self.h_upload_binary, methods=["POST"]),
            Route("/api/v3/balance", self.h_balance, methods=["GET"]),
            Route("/api/v3/model/price", self.h_price, methods=["POST"]),
            Route("/api/v3/predictions", self.h_list, methods=["POST"]),
            Route("/api/v3/predictions/{id}/result", self.h_result, methods=["GET"]),
            Route("/api/v3/predictions/{id}", self.h_get, methods=["GET"]),
            Route("/api/v3/predictions/{id}", self.h_delete, methods=["DELETE"]),
            Route("/api/v3/{model:path}", self.h_submit, methods=["POST"]),
            Route("/emu/upload/{token}", self.h_put, methods=["PUT"]),
            Route("/emu/media/{token}/{name}", self.h_media, methods=["GET"]),
            Route("/emu/files/{name}", self.h_file, methods=["GET"]),
            Route("/_emulator/stats", self.h_stats, methods=["GET"]),
            Route("/_emulator/jobs", self.h_jobs, methods=["GET"]),
            Route("/_emulator/faults", self.h_faults, methods=["POST"]),
            Route("/_emulator/reset", self.h_reset, methods=["POST"]),
        ]

    def count(self, route: str) -> int:
        return self.stats[route]

    def reset(self) -> None:
        with self._lock:
            self.stats.clear()
            self.submit_keys.clear()
            self.faults.clear()
            self.jobs.clear()

    @staticmethod
    def _ok(data: Any) -> JSONResponse:
        return JSONResponse({"code": 200, "message": "success", "data": data})

    @staticmethod
    def _err(status: int, message: str, code: int | None = None, headers: dict | None = None) -> JSONResponse:
        return JSONResponse({"code": code or status, "message": message, "data": None}, status, headers=headers)

    def _auth(self, request: Request) -> str | JSONResponse:
        auth = request.headers.get("authorization", "")
        if not auth.startswith("Bearer ") or not auth[7:].strip():
            return self._err(401, "Unauthorized: missing API key")
        key = auth[7:].strip()
        if key in self.reject_keys:
            return self._err(401, "Unauthorized: invalid or inactive API key")
        return key

    async def _request_fault(self, route: str, request: Request) -> Response | None:
        """Answer a request fault that does not need a stored job (status without store, envelope)."""
        fault = self.faults.take(route)
        if fault is None:
            return None
        request.state.fault = fault
        action = fault.get("action")
        if action == "status" and not fault.get("store"):
            return self._status_fault(fault)
        if action == "envelope":
            return self._envelope_fault(fault)
        if action == "drop" and not fault.get("store"):
            return _DropResponse()
        return None

    def _status_fault(self, fault: dict) -> Response:
        headers = {"Retry-After": str(fault["retry_after"])} if "retry_after" in fault else None
        status = int(fault.get("status", 500))
        return self._err(status, "Too many requests" if status == 429 else "Internal server error", headers=headers)

    @staticmethod
    def _envelope_fault(fault: dict) -> Response:
        body = fault.get("body", "code500")
        if body == "not_json":
            return Response("<html><body>Bad gateway</body></html>", 200, media_type="text/html")
        if body == "no_id":
            return JSONResponse({"code": 200, "message": "success", "data": {"status": "created"}})
        return JSONResponse({"code": 500, "message": "internal error", "data": None})

    async def _after_store_fault(self, request: Request, answer: Response) -> Response:
        fault = getattr(request.state, "fault", None)
        if not fault:
            return answer
        action = fault.get("action")
        if action == "drop":
            return _DropResponse()
        if action == "status":
            return self._status_fault(fault)
        if action == "stall":
            await asyncio.sleep(float(fault.get("seconds", 5)))
        return answer

    def _job_dict(self, job: Job, base: str, *, inputs: bool = False) -> dict[str, Any]:
        outputs = [self._signed(base, job)] if job.status == "completed" and job.output_name else []
        d: dict[str, Any] = {
            "id": job.id,
            "model": job.model,
            "outputs": outputs,
            "urls": {"get": f"{base}/api/v3/predictions/{job.id}/result"},
            "has_nsfw_contents": [False] * len(outputs),
            "status": job.status,
            "created_at": _iso(job.created_at),
            "error": job.error,
            "timings": {"inference": job.inference_ms} if job.inference_ms is not None else {},
        }
        if job.code is not None:
            d["code"] = job.code
        if inputs:
            d["inputs"] = job.inputs
        return d

    def _signed(self, base: str, job: Job) -> str:
        expires = int(time.time() + self.url_ttl)
        name = job.output_name or ""
        sig = hmac.new(self._secret, f"{name}:{expires}".encode(), "sha256").hexdigest()[:32]
        return f"{base}/emu/files/{name}?expires={expires}&sig={sig}"

    @staticmethod
    def _base(request: Request) -> str:
        return str(request.base_url).rstrip("/")

    # WaveSpeed endpoints -------------------------------------------------------------------------------

    async def h_submit(self, request: Request) -> Response:
        self.stats["submit"] += 1
        key = self._auth(request)
        if isinstance(key, Response):
            return key
        model = request.path_params["model"]
        spec = MODELS_BY_ID.get(model)
        if spec is None:
            return self._err(404, f"Model {model} not found")
        early = await self._request_fault("submit", request)
        if early is not None:
            return early
        try:
            body = await request.json()
        except ValueError:
            return self._err(400, "Request body must be JSON", 1401)
        if not isinstance(body, dict):
            return self._err(400, "Request body must be a JSON object", 1401)
        problem = self._validate(spec, body)
        if problem:
            return self._err(400, problem[1], problem[0])
        sync = bool(body.pop("enable_sync_mode", False))
        body.pop("enable_base64_output", None)
        job = Job(
            id=uuid.uuid4().hex,
            model=model,
            inputs=body,
            key_fp=_fingerprint(key),
            created_at=datetime.now(timezone.utc),
            fault=self.faults.take("task") or {},
        )
        from ..pricing import estimate

        job.price = float(estimate(model, body.get("duration", spec.duration_default),
                                   body.get("resolution"), bool(body.get("generate_audio"))).total)  # fmt: skip
        with self._lock:
            self.jobs[job.id] = job
            self.submit_keys[job.key_fp] += 1
            self.balance -= job.price
        task = asyncio.create_task(self._process(job))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        if sync:
            try:
                await asyncio.wait_for(job.done.wait(), self.sync_wait)
            except asyncio.TimeoutError:
                data = self._job_dict(job, self._base(request))
                data["error"] = "Sync mode timed out; query the result later"
                return JSONResponse({"code": 5004, "message": "processing", "data": data})
        return await self._after_store_fault(request, self._ok(self._job_dict(job, self._base(request))))

    @staticmethod
    def _validate(spec: Any, body: dict) -> tuple[int, str] | None:
        if not body.get("image"):
            return 1400, "image is required"
        if spec.prompt_required and not str(body.get("prompt") or "").strip():
            return 1400, "prompt is required"
        prompt = body.get("prompt", "")
        if not isinstance(prompt, str) or len(prompt) > spec.prompt_max_chars:
            return 1401, f"prompt must be a string of at most {spec.prompt_max_chars} characters"
        d = body.get("duration", spec.duration_default)
        if not isinstance(d, int) or isinstance(d, bool) or not spec.duration_min <= d <= spec.duration_max:
            return 1401, f"duration must be an integer between {spec.duration_min} and {spec.duration_max}"
        if spec.sends_resolution and body.get("resolution", spec.default_resolution) not in spec.resolutions:
            return 1401, f"resolution must be one of {', '.join(spec.resolutions)}"
        a = body.get("aspect_ratio")
        if a is not None and a not in ASPECT_RATIOS:
            return 1401, f"aspect_ratio must be one of {', '.join(ASPECT_RATIOS)}"
        s = body.get("seed", -1)
        if not isinstance(s, int) or isinstance(s, bool) or not SEED_MIN <= s <= SEED_MAX:
            return 1401, f"seed must be an integer between {SEED_MIN} and {SEED_MAX}"
        for flag in ("camera_fixed", "generate_audio"):
            if flag in body and not isinstance(body[flag], bool):
                return 1401, f"{flag} must be a boolean"
        return None

    async def h_result(self, request: Request) -> Response:
        return await self._read_job(request, "result")

    async def h_get(self, request: Request) -> Response:
        return await self._read_job(request, "get")

    async def _read_job(self, request: Request, route: str) -> Response:
        self.stats[route] += 1
        key = self._auth(request)
        if isinstance(key, Response):
            return key
        early = await self._request_fault(route, request)
        if early is not None:
            return early
        job = self.jobs.get(request.path_params["id"])
        if job is None:
            return self._err(404, "Prediction not found")
        return await self._after_store_fault(request, self._ok(self._job_dict(job, self._base(request))))

    async def h_delete(self, request: Request) -> Response:
        self.stats["delete"] += 1
        key = self._auth(request)
        if isinstance(key, Response):
            return key
        job = self.jobs.get(request.path_params["id"])
        if job is None:
            return self._err(404, "Prediction not found")
        if job.status not in ("completed", "failed"):
            job.status = "deleted"
            job.done.set()
            with self._lock:
                self.balance += job.price
        return self._ok({"id": job.id, "status": "deleted"})

    async def h_list(self, request: Request) -> Response:
        self.stats["list"] += 1
        key = self._auth(request)
        if isinstance(key, Response):
            return key
        try:
            q = await request.json()
            page, size = int(q.get("page", 1)), min(100, int(q.get("page_size", 20)))
            after = _parse_iso(q["created_after"]) if q.get("created_after") else None
            before = _parse_iso(q["created_before"]) if q.get("created_before") else None
        except (ValueError, TypeError, AttributeError):
            return self._err(400, "Invalid list query", 1401)
        fp = _fingerprint(key)
        items = [
            j for j in self.jobs.values()
            if j.key_fp == fp
            and (not q.get("model") or j.model == q["model"])
            and (not q.get("status") or j.status == q["status"])
            and (after is None or j.created_at >= after)
            and (before is None or j.created_at <= before)
        ]  # fmt: skip
        items.sort(key=lambda j: j.created_at, reverse=True)
        base = self._base(request)
        chunk = items[(page - 1) * size : page * size]
        return self._ok({"page": page, "page_size": size, "total": len(items),
                         "items": [self._job_dict(j, base, inputs=bool(q.get("include_inputs"))) for j in chunk]})  # fmt: skip

    async def h_balance(self, request: Request) -> Response:
        self.stats["balance"] += 1
        key = self._auth(request)
        if isinstance(key, Response):
            return key
        return self._ok({"balance": round(self.balance, 4)})

    async def h_price(self, request: Request) -> Response:
        self.stats["price"] += 1
        key = self._auth(request)
        if isinstance(key, Response):
            return key
        from ..pricing import estimate

        try:
            q = await request.json()
            spec = MODELS_BY_ID[q["model_id"]]
            inputs = q.get("inputs") or {}
            price = estimate(spec.id, int(inputs.get("duration", spec.duration_default)), inputs.get("resolution"),
                             bool(inputs.get("generate_audio", spec.audio_default)), aspect_ratio=inputs.get("aspect_ratio"))  # fmt: skip
        except (KeyError, ValueError, TypeError):
            return self._err(400, "Unknown model or bad inputs", 1401)
        return self._ok({"model_id": spec.id, "price": float(price.total), "discounted_price": float(price.total)})

    async def h_upload_ticket(self, request: Request) -> Response:
        self.stats["upload"] += 1
        key = self._auth(request)
        if isinstance(key, Response):
            return key
        early = await self._request_fault("upload", request)
        if early is not None:
            return early
        try:
            q = await request.json()
            filename = os.path.basename(str(q["filename"])) or "upload.bin"
            size = int(q["size"])
        except (ValueError, KeyError, TypeError):
            return self._err(400, "filename and size are required", 1400)
        if size > 200 * 1024 * 1024:
            return self._err(400, "File too large", 1401)
        ctype = str(q.get("content_type") or "application/octet-stream")
        token = uuid.uuid4().hex
        self.uploads[token] = (filename, ctype, size)
        base = self._base(request)
        return self._ok({
            "type": "image" if ctype.startswith("image/") else "file",
            "download_url": f"{base}/emu/media/{token}/{filename}",
            "filename": filename,
            "size": size,
            "upload": {"method": "PUT", "url": f"{base}/emu/upload/{token}", "headers": {"Content-Type": ctype}},
        })  # fmt: skip

    async def h_put(self, request: Request) -> Response:
        self.stats["put"] += 1
        token = request.path_params["token"]
        if token not in self.uploads:
            return Response("unknown upload", 404)
        data = await request.body()
        if len(data) != self.uploads[token][2]:
            return Response("size does not match the ticket", 400)
        (self.data_dir / "media" / token).write_bytes(data)
        return Response(status_code=200)

    async def h_upload_binary(self, request: Request) -> Response:
        self.stats["binary"] += 1
        key = self._auth(request)
        if isinstance(key, Response):
            return key
        form = await request.form()
        up = form.get("file")
        if up is None or isinstance(up, str):
            return self._err(400, "file is required", 1400)
        data = await up.read()
        filename = os.path.basename(up.filename or "upload.bin")
        token = uuid.uuid4().hex
        self.uploads[token] = (filename, up.content_type or "application/octet-stream", len(data))
        (self.data_dir / "media" / token).write_bytes(data)
        base = self._base(request)
        return self._ok({"type": "image", "download_url": f"{base}/emu/media/{token}/{filename}",
                         "filename": filename, "size": len(data)})  # fmt: skip

    async def h_media(self, request: Request) -> Response:
        path = self.data_dir / "media" / request.path_params["token"]
        meta = self.uploads.get(request.path_params["token"])
        if meta is None or not path.exists():
            return Response("not found", 404)
        return Response(path.read_bytes(), media_type=meta[1])

    async def h_file(self, request: Request) -> Response:
        self.stats["file"] += 1
        name = request.path_params["name"]
        job = self.jobs.get(name.removesuffix(".mp4"))  # outputs are named after their job
        if job is not None and job.output_name != name:
            job = None
        try:
            expires = int(request.query_params.get("expires", "0"))
        except ValueError:
            expires = 0
        good = hmac.new(self._secret, f"{name}:{expires}".encode(), "sha256").hexdigest()[:32]
        if job is None or not hmac.compare_digest(good, request.query_params.get("sig", "")):
            return Response("<Error>AccessDenied</Error>", 403, media_type="application/xml")
        job.file_hits += 1
        expire = job.fault.get("expire")
        if time.time() > expires or expire == "always" or (expire == "once" and job.file_hits == 1):
            return Response("<Error>Request has expired</Error>", 403, media_type="application/xml")
        kind = job.fault.get("output")
        if kind == "not_mp4":
            return Response("<html>not a video</html>", media_type="video/mp4")
        if kind in ("huge", "slow"):
            return StreamingResponse(self._drip(kind), media_type="video/mp4")
        path = self.data_dir / "outputs" / name
        if not path.exists():
            return Response("not found", 404)
        return Response(path.read_bytes(), media_type="video/mp4")

    @staticmethod
    async def _drip(kind: str):  # type: ignore[no-untyped-def]
        yield b"\x00\x00\x00\x18ftypisom" + b"\x00" * 12
        for _ in range(400 if kind == "huge" else 60):
            if kind == "slow":
                await asyncio.sleep(0.25)
            yield b"\x00" * (64 * 1024 if kind == "huge" else 256)

    # Admin endpoints (tests, benchmarks) -----------------------------------------------------------------

    async def h_stats(self, request: Request) -> Response:
        by_status = Counter(j.status for j in self.jobs.values())
        return JSONResponse({"counts": dict(self.stats), "jobs": len(self.jobs), "by_status": dict(by_status),
                             "submit_keys": dict(self.submit_keys)})  # fmt: skip

    async def h_jobs(self, request: Request) -> Response:
        """When each job finished, by the server's clock: benchmarks measure how soon clients notice."""
        return JSONResponse({j.id: {"status": j.status, "completed_at": j.completed_at, "model": j.model}
                             for j in list(self.jobs.values())})  # fmt: skip

    async def h_faults(self, request: Request) -> Response:
        q = await request.json()
        if q.get("clear"):
            self.faults.clear()
        for f in q.get("faults", []):
            self.faults.add(**f)
        if "random" in q:
            self.faults.set_random(**q["random"])
        if "processing_seconds" in q:
            self.processing_seconds = float(q["processing_seconds"])
        return JSONResponse({"ok": True})

    async def h_reset(self, request: Request) -> Response:
        self.reset()
        return JSONResponse({"ok": True})

    # The work -------------------------------------------------------------------------------------------

    async def _process(self, job: Job) -> None:
        if self._render_slots is None:
            self._render_slots = asyncio.Semaphore(self.render_workers)
        if self.max_concurrent and self._slots is None:
            self._slots = asyncio.Semaphore(self.max_concurrent)
        if self._slots is not None:
            async with self._slots:
                await self._run(job)
        else:
            await self._run(job)

    async def _run(self, job: Job) -> None:
        if job.status == "deleted":
            return
        job.status = "processing"
        started = time.monotonic()
        wanted = self.processing_seconds(job) if callable(self.processing_seconds) else self.processing_seconds
        fault = job.fault
        if fault.get("final_status") == "processing":
            return  # stays processing forever
        name = f"{job.id}.mp4"
        try:
            data = await self._render(job)
            (self.data_dir / "outputs" / name).write_bytes(data)
        except MediaError as e:
            await self._finish_wait(started, wanted)
            self._fail(job, 1402, f"Failed to access media: {e}")
            return
        except Exception as e:  # a render bug must still end the task, as a 5000 on the service would
            self._fail(job, 5000, f"Internal error: {type(e).__name__}")
            return
        await self._finish_wait(started, wanted)
        if job.status == "deleted":
            return
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

    @staticmethod
    async def _finish_wait(started: float, wanted: float) -> None:
        left = wanted - (time.monotonic() - started)
        if left > 0:
            await asyncio.sleep(left)

    def _fail(self, job: Job, code: int, message: str) -> None:
        job.status, job.code, job.error = "failed", code, message
        with self._lock:
            self.balance += job.price  # failed tasks are refunded
        job.done.set()

    async def _render(self, job: Job) -> bytes:
        spec = MODELS_BY_ID[job.model]
        first = await self._load_image(job.inputs["image"])
        last = await self._load_image(job.inputs["last_image"]) if job.inputs.get("last_image") else None
        if self.render_mode == "stub":
            return await self._stub_clip(first)
        resolution = job.inputs.get("resolution") if spec.sends_resolution else spec.default_resolution
        resolution = resolution or spec.default_resolution
        aspect = job.inputs.get("aspect_ratio") if spec.accepts_aspect_ratio else None
        aspect = aspect or nearest_aspect_ratio(*first.size)
        w, h = spec.output_size(resolution, aspect)
        seed = int(job.inputs.get("seed", -1))
        clip = ClipSpec(w, h, int(job.inputs.get("duration", spec.duration_default)), str(job.inputs.get("prompt", "")),
                        bool(job.inputs.get("camera_fixed")), bool(job.inputs.get("generate_audio")) and spec.accepts_audio,
                        seed if seed >= 0 else secrets.randbelow(SEED_MAX))  # fmt: skip
        assert self._render_slots is not None
        async with self._render_slots:
            return await asyncio.to_thread(self._render_bytes, first, clip, last)

    @staticmethod
    def _render_bytes(first: Image.Image, clip: ClipSpec, last: Image.Image | None) -> bytes:
        buf = io.BytesIO()
        render_clip(first, clip, buf, last=last)
        return buf.getvalue()

    async def _stub_clip(self, first: Image.Image) -> bytes:
        """Load runs: one tiny clip rendered once and shared, so the CPU stays with the code being measured."""
        if self._stub_lock is None:
            self._stub_lock = asyncio.Lock()
        async with self._stub_lock:
            if self._stub is None:
                self._stub = await asyncio.to_thread(self._render_bytes, first, ClipSpec(160, 96, 1, seed=1), None)
        return self._stub

    async def _load_image(self, ref: str) -> Image.Image:
        data: bytes
        if ref.startswith("data:"):
            try:
                data = base64.b64decode(ref.split(",", 1)[1], validate=False)
            except (IndexError, binascii.Error) as e:
                raise MediaError("bad data URI") from e
        elif ref.startswith(("http://", "https://")):
            data = await self._fetch(ref)
        else:
            try:
                data = base64.b64decode(ref, validate=True)
            except binascii.Error as e:
                raise MediaError("not a URL, data URI or base64") from e
        try:
            im = Image.open(io.BytesIO(data))
            im.load()
            return im.convert("RGB")
        except Exception as e:  # any undecodable picture is a media failure for the task
            raise MediaError("not a picture") from e

    async def _fetch(self, url: str) -> bytes:
        parsed = urlparse(url)
        parts = parsed.path.split("/")
        if parsed.path.startswith("/emu/media/") and len(parts) >= 4 and parts[3] in self.uploads:
            path = self.data_dir / "media" / parts[3]
            if path.exists():
                return path.read_bytes()
        if (parsed.hostname or "") not in LOOPBACK:
            raise MediaError("the emulator fetches only its own and loopback links")
        try:
            async with httpx.AsyncClient(timeout=5) as c:
                r = await c.get(url)
                r.raise_for_status()
                return r.content
        except httpx.HTTPError as e:
            raise MediaError(str(e)) from e


class EmulatorServer:
    """Run an ``Emulator`` under uvicorn in a thread on a loopback port (0 picks a free one)."""

    def __init__(self, emulator: Emulator | None = None, host: str = "127.0.0.1", port: int = 0) -> None:
        self.emulator = emulator or Emulator()
        self.host, self.port = host, port
        self._server: Any = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> EmulatorServer:
        import logging

        import uvicorn

        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        self.port = sock.getsockname()[1]
        # Dropped connections are staged faults: uvicorn's tracebacks for them are noise.
        logging.getLogger("uvicorn.error").setLevel(logging.CRITICAL)
        config = uvicorn.Config(self.emulator.app, log_config=None, access_log=False, lifespan="off",
                                timeout_graceful_shutdown=1, backlog=2048)  # fmt: skip
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]}, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("The emulator did not start.")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

"""A WaveSpeed-compatible server for demo mode and tests, no kinder than WaveSpeed's documents.

It speaks the v3 protocol (submit, result, prediction, delete, bulk delete, list, both upload styles, balance,
price), wraps every answer in the ``{code, message, data}`` envelope, checks bearer auth, keeps one account per
key (its own jobs, balance and concurrency slots; another account's task is 404), validates inputs with the
app's own ``check_settings`` after filling the model's defaults (HTTP 400 with task codes 1400/1401), renders
real MP4 previews in the background (``jobs.py``), serves them at signed links that expire (``outputs.py``),
and injects faults on request (``faults.py``). Where the docs promise little it promises little: the list
carries no inputs and shows a new task only after ``list_lag`` seconds; deleting a task refunds nothing and
need not stop the render. ``GET /api/v3/models`` answers from the same catalog format as the app's snapshot, and
the emulator runs any image-to-video model it lists, including ones a test adds (``models.py``). Test and
benchmark knobs live under ``/_emulator/*`` (``admin.py``).
"""

from __future__ import annotations

import asyncio
import os
import socket
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from . import inputs as task_inputs
from . import upscaler
from .accounts import Accounts, fingerprint
from .admin import admin_routes
from .answers import early_answer, err, late_answer, ok
from .faults import FaultPlan
from .jobs import Job, Worker, list_item, prediction
from .levels import LEVELS, StartLimit, retry_after
from .media import MediaError, MediaStore, base_url
from .models import EmulatorCatalog
from .outputs import Outputs

__all__ = ["Emulator", "EmulatorServer", "Job"]

Handler = Callable[[Request, str], Awaitable[Response]]
RETENTION = timedelta(days=7)
PAGE_SIZE_MAX = 100


def _parse_iso(s: Any) -> datetime:
    if not isinstance(s, str):
        raise TypeError("a time must be an ISO 8601 string")
    dt = datetime.fromisoformat(s.replace("Z", "+00:00"))
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def _int(v: Any) -> int:
    if not isinstance(v, int) or isinstance(v, bool):
        raise TypeError("not an integer")
    return v


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
        list_lag: float = 0.0,
        extra_models: Iterable[Mapping[str, Any]] = (),
        price_helpers: Mapping[str, Callable[..., Any]] | None = None,
        tier: str | None = None,
        minute_seconds: float = 60.0,
    ) -> None:
        self.data_dir = Path(data_dir or tempfile.mkdtemp(prefix="seedance-emulator-"))
        self.processing_seconds = processing_seconds
        self.max_concurrent = max_concurrent
        """Tasks each account runs at once (the lowest tier: 2); the rest wait. None: no limit."""
        self.reject_keys = set(reject_keys)
        self.render_mode = render_mode
        self.url_ttl = url_ttl
        self.sync_wait = sync_wait
        self.render_workers = render_workers
        self.list_lag = list_lag
        """Seconds before a new task shows in the prediction list (the docs: it "can take a while")."""
        self._list_lag_default = list_lag
        self.accounts = Accounts(balance)
        self.jobs: dict[str, Job] = {}
        self.deleted: dict[str, Job] = {}
        self.stats: Counter[str] = Counter()
        self.submit_keys: Counter[str] = Counter()
        self.faults = FaultPlan()
        self.media = MediaStore(self.data_dir / "media")
        self.outputs = Outputs(self.data_dir / "outputs", lambda: self.url_ttl)
        self.worker = Worker(self)
        self.catalog = EmulatorCatalog(extra_models, price_helpers)
        """The models it lists, runs and prices: the snapshot plus ``extra_models`` (entries in WaveSpeed's
        catalog format); ``price_helpers`` are the server-side functions their formulas may call."""
        self._lock = threading.Lock()
        self.start_limit: StartLimit | None = None
        self.set_level(tier, minute_seconds)
        self.app = Starlette(routes=self._routes())

    def set_level(self, tier: str | None, minute_seconds: float = 60.0) -> None:
        """Keep each account to a WaveSpeed account level (``levels.py``): starts per minute and jobs at once.
        None: no limits (the constructor's ``max_concurrent`` alone)."""
        self.start_limit = StartLimit(tier, minute_seconds) if tier else None
        if tier:
            self.max_concurrent = LEVELS[tier][1]

    @property
    def balance(self) -> float:
        """The starting balance less every account's net charges: with one key, that key's balance."""
        return self.accounts.start_balance - self.accounts.net_spent()

    @balance.setter
    def balance(self, value: float) -> None:
        """Every account (re)starts at this balance."""
        self.accounts.start_balance = value
        self.accounts.clear()

    def balance_of(self, key: str) -> float:
        return self.accounts.balance(fingerprint(key))

    def count(self, route: str) -> int:
        return self.stats[route]

    def reset(self) -> None:
        with self._lock:
            self.stats.clear()
            self.submit_keys.clear()
            self.faults.clear()
            self.jobs.clear()
            self.deleted.clear()
            self.accounts.clear()
            self.list_lag = self._list_lag_default
            self.catalog.reset()
            if self.start_limit is not None:
                self.start_limit.reset()

    # Plumbing -------------------------------------------------------------------------------------------

    def _routes(self) -> list[Route]:
        api, media = self._endpoint, self.media
        return [
            Route("/api/v3/media/uploads", api("upload", media.ticket), methods=["POST"]),
            Route("/api/v3/media/upload/binary", api("binary", media.binary), methods=["POST"]),
            Route("/api/v3/balance", api("balance", self.h_balance), methods=["GET"]),
            Route("/api/v3/models", api("models", self.h_models), methods=["GET"]),
            Route("/api/v3/model/price", api("price", self.h_price), methods=["POST"]),
            Route("/api/v3/predictions", api("list", self.h_list), methods=["POST"]),
            Route("/api/v3/predictions/delete", api("bulk_delete", self.h_bulk_delete), methods=["POST"]),
            Route("/api/v3/predictions/{id}/result", api("result", self.h_read), methods=["GET"]),
            Route("/api/v3/predictions/{id}", api("get", self.h_read), methods=["GET"]),
            Route("/api/v3/predictions/{id}", api("delete", self.h_delete), methods=["DELETE"]),
            Route("/api/v3/{model:path}", api("submit", self.h_submit), methods=["POST"]),
            Route("/emu/upload/{token}", api("put", media.put, auth=False), methods=["PUT"]),
            Route("/emu/media/{token}/{name}", media.serve, methods=["GET"]),
            Route("/emu/files/{name}", api("file", self.h_file, auth=False), methods=["GET"]),
            *admin_routes(self),
        ]

    def _endpoint(self, route: str, handler: Handler, *, auth: bool = True) -> Callable[[Request], Awaitable[Response]]:
        """Count the request, check the key, then apply a staged fault around the handler: before it (nothing
        stored) or, with ``store: True``, after a successful answer (the job stored, then the answer lost)."""

        async def endpoint(request: Request) -> Response:
            self.stats[route] += 1
            key = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
            if auth:
                refused = self._refuse(request)
                if refused is not None:
                    return refused
            fault = self.faults.take(route)
            if fault is not None:
                early = early_answer(fault, key)
                if early is not None:
                    return early
                if fault.get("action") == "stall" and fault.get("store") is False:
                    await asyncio.sleep(float(fault.get("seconds", 5)))
            answer = await handler(request, key)
            if fault is None or answer.status_code != 200:
                return answer
            if fault.get("action") == "stall" and fault.get("store") is not False:
                await asyncio.sleep(float(fault.get("seconds", 5)))
            return late_answer(fault, key) or answer

        return endpoint

    def _refuse(self, request: Request) -> Response | None:
        auth = request.headers.get("authorization", "")
        key = auth[7:].strip() if auth.startswith("Bearer ") else ""
        if not key:
            return err(401, "Unauthorized: missing API key")
        if key in self.reject_keys or self.accounts.revoked(fingerprint(key)):
            return err(401, "Unauthorized: invalid or inactive API key")
        return None

    def _own(self, task_id: str, key: str) -> Job | None:
        """The task, if it exists and belongs to the caller's account: another account's task is unknown (404)."""
        job = self.jobs.get(task_id)
        return job if job is not None and job.key_fp == fingerprint(key) else None

    def _link(self, base: str, job: Job) -> str | None:
        return self.outputs.link(base, job.output_name) if job.output_name else None

    # WaveSpeed endpoints -------------------------------------------------------------------------------

    async def h_submit(self, request: Request, key: str) -> Response:
        model = request.path_params["model"]
        spec = self.catalog.specs.get(model)
        item = self.catalog.items.get(model)
        if spec is None and not upscaler.is_upscaler(item):
            return err(404, f"Model {model} not found")
        try:
            body = await request.json()
        except ValueError:
            return err(400, "Request body must be JSON", 1401)
        if not isinstance(body, dict):
            return err(400, "Request body must be a JSON object", 1401)
        sync = body.get("enable_sync_mode") is True
        if spec is not None:
            inputs = task_inputs.effective_inputs(spec, body)  # enable_sync_mode, enable_base64_output: not inputs
            problem = task_inputs.problems(spec, inputs)
        else:
            inputs = upscaler.effective_inputs(item, body)
            problem = upscaler.problems(item, inputs)
        if problem:
            return err(400, problem[1], problem[0])
        wait = self.start_limit.admit(fingerprint(key)) if self.start_limit is not None else None
        if wait is not None:  # over the level's starts this minute: refused, nothing started or charged
            self.stats["submit_429"] += 1
            return err(429, "Too many requests: your account level's video starts per minute are used up",
                       headers={"Retry-After": retry_after(wait)})  # fmt: skip
        if spec is not None:
            price = self.catalog.charge(spec, task_inputs.charged_inputs(spec, inputs))
        else:
            price = upscaler.charge(item, inputs, await self._video_seconds(inputs["video"]), self.catalog.helpers)
        fp = fingerprint(key)
        job = Job(id=uuid.uuid4().hex, model=model, inputs=inputs, key_fp=fp, created_at=datetime.now(timezone.utc),
                  fault=self.faults.take("task") or {}, price=price)  # fmt: skip
        with self._lock:
            self.jobs[job.id] = job
            self.submit_keys[fp] += 1
        self.accounts.charge(fp, job.price)
        if job.fault.get("revoke_key_after") is not None:
            self.accounts.revoke(fp, float(job.fault["revoke_key_after"]))
        self.worker.start(job)
        base = base_url(request)
        if sync:
            try:
                await asyncio.wait_for(job.done.wait(), self.sync_wait)
            except asyncio.TimeoutError:
                message = f"Sync mode timed out after {self.sync_wait:g} seconds; query the result later"
                data = prediction(job, base, None) | {"status": "processing", "code": 5004, "error": message}
                return JSONResponse({"code": 200, "message": message, "data": data})
        return ok(prediction(job, base, self._link(base, job)))

    async def _video_seconds(self, ref: Any) -> float | None:
        """The length of a video an input names (what the server's ``get_duration_v3`` measures), or None."""
        try:
            data = await self.media.load_bytes(ref)
        except MediaError:
            return None
        return await asyncio.to_thread(upscaler.seconds_of, data)

    async def h_read(self, request: Request, key: str) -> Response:
        """``GET /api/v3/predictions/{id}/result`` and ``GET /api/v3/predictions/{id}``."""
        job = self._own(request.path_params["id"], key)
        if job is None:
            return err(404, "Prediction not found")
        base = base_url(request)
        return ok(prediction(job, base, self._link(base, job)))

    def _delete(self, job: Job) -> None:
        """Permanent: the task and its output links are gone (404), nothing is refunded, and the render may go on."""
        with self._lock:
            job.deleted = True
            self.jobs.pop(job.id, None)
            self.deleted[job.id] = job

    async def h_delete(self, request: Request, key: str) -> Response:
        job = self._own(request.path_params["id"], key)
        if job is None:
            return err(404, "Prediction not found")
        self._delete(job)
        return ok({"id": job.id, "status": "deleted"})

    async def h_bulk_delete(self, request: Request, key: str) -> Response:
        """``POST /api/v3/predictions/delete {ids}``: counts only the caller's tasks that exist."""
        try:
            ids = (await request.json())["ids"]
            if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
                raise TypeError("ids must be a list of task ids")
        except (ValueError, KeyError, TypeError):
            return err(400, "ids must be a list of task ids", 1401)
        deleted = 0
        for task_id in dict.fromkeys(ids):
            job = self._own(task_id, key)
            if job is not None:
                self._delete(job)
                deleted += 1
        return ok({"deleted_count": deleted})

    async def h_list(self, request: Request, key: str) -> Response:
        """``POST /api/v3/predictions``: the account's tasks of the last 7 days, newest first, each visible only
        ``list_lag`` seconds after its submit. ``page_size`` is documented as 1-100: outside that (or not an
        integer) the emulator answers 400/1401 rather than clamping, since nothing documents clamping."""
        try:
            raw = await request.body()
            q = await request.json() if raw.strip() else {}
            if not isinstance(q, dict):
                raise TypeError("the query must be a JSON object")
            page, size = _int(q.get("page", 1)), _int(q.get("page_size", PAGE_SIZE_MAX))
            if page < 1 or not 1 <= size <= PAGE_SIZE_MAX:
                raise ValueError("page must be 1 or more and page_size 1 to 100")
            after = _parse_iso(q["created_after"]) if q.get("created_after") else None
            before = _parse_iso(q["created_before"]) if q.get("created_before") else None
        except (ValueError, TypeError) as e:
            return err(400, f"Invalid list query: {e}", 1401)
        fp, now, oldest = fingerprint(key), time.monotonic(), datetime.now(timezone.utc) - RETENTION
        items = [
            j for j in list(self.jobs.values())
            if j.key_fp == fp and now - j.created_mono >= self.list_lag and j.created_at >= oldest
            and (not q.get("model") or j.model == q["model"])
            and (not q.get("status") or j.status == q["status"])
            and (after is None or j.created_at >= after)
            and (before is None or j.created_at <= before)
        ]  # fmt: skip
        items.sort(key=lambda j: j.created_at, reverse=True)
        base = base_url(request)
        chunk = items[(page - 1) * size : page * size]
        return ok({"page": page, "page_size": size, "total": len(items),
                   "items": [list_item(j, base, self._link(base, j)) for j in chunk]})  # fmt: skip

    async def h_balance(self, request: Request, key: str) -> Response:
        return ok({"balance": round(self.accounts.balance(fingerprint(key)), 4)})

    async def h_models(self, request: Request, key: str) -> Response:
        """``GET /api/v3/models``: every model listed, in WaveSpeed's catalog format."""
        return ok(self.catalog.answer())

    async def h_price(self, request: Request, key: str) -> Response:
        """``POST /api/v3/model/price {model_id, inputs}``: the model's formula, evaluated server-side (helpers
        included); inputs left out are priced at their floor, as the docs warn."""
        try:
            q = await request.json()
            model_id = q["model_id"]
            inputs = q.get("inputs") or {}
            if not isinstance(inputs, dict):
                raise TypeError("inputs must be an object")
            item = self.catalog.items.get(model_id)
            if model_id not in self.catalog.specs and upscaler.is_upscaler(item):
                given = upscaler.effective_inputs(item, inputs)
                if upscaler.problems(item, given, whole=False):
                    raise ValueError("bad inputs")
                seconds = await self._video_seconds(given["video"]) if given.get("video") else None
                price = upscaler.charge(item, given, seconds, self.catalog.helpers)
            else:
                price = self.catalog.quote(self.catalog.specs[model_id], inputs)
        except (KeyError, ValueError, TypeError, AttributeError):
            return err(400, "Unknown model or bad inputs", 1401)
        return ok({"model_id": model_id, "price": price, "discounted_price": price})

    async def h_file(self, request: Request, key: str) -> Response:
        return await self.outputs.serve(request, self.jobs.get)


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

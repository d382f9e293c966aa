"""A WaveSpeed-compatible server for demo mode and tests, no kinder than WaveSpeed's documents.

It speaks the v3 protocol (submit, result, prediction, delete, bulk delete, list, both upload styles, balance,
price), wraps every answer in the ``{code, message, data}`` envelope, checks bearer auth, keeps one account per
key (its own jobs, balance and concurrency slots; another account's task is 404), validates inputs against the
served entry's JSON schema after filling its defaults (``schema.py``; HTTP 400 with task codes 1400/1401),
charges WaveSpeed's published prices (``prices.py``: none of the app's code, so it checks the app's), renders
real MP4 previews in the background (``jobs.py``), serves them at signed links that expire (``outputs.py``),
and injects faults on request (``faults.py``). Where the docs promise little it promises little: the list
carries no inputs and shows a new task only after ``list_lag`` seconds; deleting a task refunds nothing and
need not stop the render. ``GET /api/v3/models`` answers from the same catalog format as the app's snapshot, and
the emulator runs any image-to-video model it lists, including ones a test adds (``models.py``). Test and
benchmark knobs live under ``/_emulator/*`` (``admin.py``), mounted only with ``test_endpoints=True``.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import threading
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from . import listing, upscaler
from .accounts import Accounts, fingerprint
from .admin import admin_routes
from .answers import early_answer, err, late_answer, ok
from .faults import FaultPlan
from .job_list import ListQuery
from .jobs import Job, Worker, list_item, prediction
from .levels import LEVELS, StartLimit, retry_after
from .media import MediaError, MediaStore, base_url
from .models import EmulatorCatalog
from .outputs import Outputs
from .serving import EmulatorServer  # re-exported: the runner lives in its own module
from .webhooks import Deliveries, WebhookSecrets, webhook_url

__all__ = ["Emulator", "EmulatorServer", "Job"]

Handler = Callable[[Request, str], Awaitable[Response]]


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
        catalog_file: str | os.PathLike | None = None,
        catalog_drip: float = 0.0,
        test_endpoints: bool = False,
        list_inputs: bool = True,
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
        self._new_records()
        self.media = MediaStore(self.data_dir / "media")
        self.outputs = Outputs(self.data_dir / "outputs", lambda: self.url_ttl)
        self.worker = Worker(self)
        self.catalog = EmulatorCatalog(extra_models, price_helpers)
        """The models it lists, runs and prices: the snapshot plus ``extra_models`` (entries in WaveSpeed's
        catalog format); ``price_helpers`` are the server-side functions their formulas may call."""
        self.catalog_file = catalog_file
        """A file served as ``GET /api/v3/models`` byte for byte (a hostile listing); runs and prices still use
        ``catalog``. ``catalog_drip``: seconds between its bytes (0: all at once)."""
        self.catalog_drip = catalog_drip
        self.list_inputs = self._list_inputs_default = list_inputs
        """The job list carries each task's inputs when a client asks (``include_inputs: true``, as WaveSpeed's CLI
        does); False: never (the docs list no inputs), so a client's fallback stays tested."""
        self.webhook_secrets = WebhookSecrets()
        self.webhooks = Deliveries(self.webhook_secrets)
        self.test_endpoints = test_endpoints
        """Mount ``/_emulator/*`` (stats, staged faults, added models, reset): tests and benchmarks ask for them;
        demo mode doesn't, so a visitor can't stage a fault or read another's counts."""
        self._lock = threading.Lock()
        self.start_limit: StartLimit | None = None
        self.set_level(tier, minute_seconds)
        self.app = Starlette(routes=self._routes())

    def _new_records(self) -> None:
        """Empty records: the jobs (and those deleted), the request counts and the staged faults."""
        self.jobs: dict[str, Job] = {}
        self.deleted: dict[str, Job] = {}
        self.stats: Counter[str] = Counter()
        self.submit_keys: Counter[str] = Counter()
        self.faults = FaultPlan()

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

    def add_key(self, key: str, *, to: str) -> None:
        """Tests: make ``key`` another key of the account that owns the key ``to`` (one job list, one balance)."""
        self.accounts.add_key(fingerprint(key), to=fingerprint(to))

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
            self.list_inputs = self._list_inputs_default
            self.webhooks.sent.clear()
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
            Route("/api/v3/model/pricing", api("price", self.h_price), methods=["POST"]),  # WaveSpeed's CLI's
            Route("/api/v3/webhook/secret", api("webhook_secret", self.h_webhook_secret), methods=["GET"]),
            Route("/api/v3/predictions", api("list", self.h_list), methods=["POST"]),
            Route("/api/v3/predictions/delete", api("bulk_delete", self.h_bulk_delete), methods=["POST"]),
            Route("/api/v3/predictions/{id}/result", api("result", self.h_read), methods=["GET"]),
            Route("/api/v3/predictions/{id}", api("get", self.h_read), methods=["GET"]),
            Route("/api/v3/predictions/{id}", api("delete", self.h_delete), methods=["DELETE"]),
            Route("/api/v3/{model:path}", api("submit", self.h_submit), methods=["POST"]),
            Route("/emu/upload/{token}", api("put", media.put, auth=False), methods=["PUT"]),
            Route("/emu/media/{token}/{name}", media.serve, methods=["GET"]),
            Route("/emu/files/{name}", api("file", self.h_file, auth=False), methods=["GET"]),
            *(admin_routes(self) if self.test_endpoints else []),
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
        return job if job is not None and job.account == self.accounts.account_of(fingerprint(key)) else None

    def _link(self, base: str, job: Job) -> str | None:
        return self.outputs.link(base, job.output_name) if job.output_name else None

    # WaveSpeed endpoints -------------------------------------------------------------------------------

    async def h_submit(self, request: Request, key: str) -> Response:
        model_id = request.path_params["model"]
        model = self.catalog.served(model_id)
        if model is None:
            return err(404, f"Model {model_id} not found")
        try:
            body = await request.json()
        except ValueError:
            return err(400, "Request body must be JSON", 1401)
        if not isinstance(body, dict):
            return err(400, "Request body must be a JSON object", 1401)
        sync = body.get("enable_sync_mode") is True
        inputs = model.effective_inputs(body)  # enable_sync_mode, enable_base64_output: not inputs
        problem = model.problems(inputs)
        if problem:
            return err(400, problem[1], problem[0])
        wait = (
            self.start_limit.admit(self.accounts.account_of(fingerprint(key))) if self.start_limit is not None else None
        )
        if wait is not None:  # over the level's starts this minute: refused, nothing started or charged
            self.stats["submit_429"] += 1
            return err(429, "Too many requests: your account level's video starts per minute are used up",
                       headers={"Retry-After": retry_after(wait)})  # fmt: skip
        priced = inputs
        if model.is_upscaler:
            priced = inputs | {"_video_seconds": await self._video_seconds(inputs["video"])}
        price = self.catalog.charge(model, priced)
        hook = webhook_url(request.query_params)
        if "webhook" in request.query_params and hook is None:
            return err(400, "Invalid parameter webhook: it must be an http(s) URL", 1401)
        fp = fingerprint(key)
        job = Job(id=uuid.uuid4().hex, model=model_id, inputs=inputs, key_fp=fp, created_at=datetime.now(timezone.utc),
                  fault=self.faults.take("task") or {}, price=price, account=self.accounts.account_of(fp),
                  sent={k: v for k, v in body.items() if k in inputs})  # fmt: skip
        with self._lock:
            self.jobs[job.id] = job
            self.submit_keys[fp] += 1
        self.accounts.charge(fp, job.price)
        if job.fault.get("revoke_key_after") is not None:
            self.accounts.revoke(fp, float(job.fault["revoke_key_after"]))
        self.worker.start(job)
        base = base_url(request)
        if hook is not None:
            self.webhooks.after(job.done, hook, job.account,
                                lambda: prediction(job, base, self._link(base, job)) | {"input": job.sent})  # fmt: skip
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
        base = base_url(request)
        if job is None:
            gone = self.deleted.get(request.path_params["id"])
            if gone is None or gone.account != self.accounts.account_of(fingerprint(key)):
                return err(404, "Prediction not found")
            return ok(prediction(gone, base, None) | {"status": "deleted", "outputs": [], "has_nsfw_contents": []})
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
        """``POST /api/v3/predictions``: the account's recent tasks (``job_list.py`` says which, and when)."""
        try:
            raw = await request.body()
            query = ListQuery.parse(await request.json() if raw.strip() else {})
        except (ValueError, TypeError) as e:
            return err(400, f"Invalid list query: {e}", 1401)
        account = self.accounts.account_of(fingerprint(key))
        chunk, total = query.select(list(self.jobs.values()), account, self.list_lag)
        base, with_inputs = base_url(request), self.list_inputs and query.include_inputs
        return ok({"page": query.page, "page_size": query.size, "total": total,
                   "items": [list_item(j, base, self._link(base, j), with_inputs) for j in chunk]})  # fmt: skip

    async def h_balance(self, request: Request, key: str) -> Response:
        return ok({"balance": round(self.accounts.balance(fingerprint(key)), 4)})

    async def h_models(self, request: Request, key: str) -> Response:
        """``GET /api/v3/models``: every model listed, in WaveSpeed's catalog format (or the catalog file)."""
        if self.catalog_file is not None:
            return listing.file_answer(self.catalog_file, self.catalog_drip)
        return ok(self.catalog.answer())

    async def h_price(self, request: Request, key: str) -> Response:
        """``POST /api/v3/model/price {model_id, inputs}``: the model's formula, evaluated server-side (helpers
        included); inputs left out take their schema defaults, so a quote prices the job those inputs would run (issue
        25: the docs speak of a floor, but a quote that under-prices the run it describes helps no one)."""
        try:
            q = await request.json()
            model_id = q["model_id"]
            inputs = q.get("inputs") or {}
            if not isinstance(inputs, dict):
                raise TypeError("inputs must be an object")
            model = self.catalog.served(model_id)
            if model is None:
                raise KeyError(model_id)
            if model.is_upscaler and inputs.get("video"):
                inputs = inputs | {"_video_seconds": await self._video_seconds(inputs["video"])}
            price = self.catalog.quote(model, inputs)
        except (KeyError, ValueError, TypeError, AttributeError):
            return err(400, "Unknown model or bad inputs", 1401)
        return ok({"model_id": model_id, "price": price, "discounted_price": price})

    async def h_webhook_secret(self, request: Request, key: str) -> Response:
        """``GET /api/v3/webhook/secret``: the account's signing secret (``whsec_...``; see ``webhooks.py``)."""
        return ok({"secret": self.webhook_secrets.of(self.accounts.account_of(fingerprint(key)))})

    async def h_file(self, request: Request, key: str) -> Response:
        return await self.outputs.serve(request, self.jobs.get)

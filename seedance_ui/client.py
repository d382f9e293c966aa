"""An async WaveSpeed v3 client that never pays twice and never loses a result.

Rules it keeps:
- The submit POST goes out at most once. It is sent again only when the request provably never reached the
  server (connection refused, connect or pool timeout) or was refused with 429 before any work. Anything
  ambiguous (read timeout, dropped connection, 5xx, an answer without an id) raises ``SubmissionUnknown``;
  ``candidates()`` then lists the account's jobs of that model around that time so nobody pays again.
- Every other call is safe to repeat (reads, the job list, quotes, upload tickets, DELETE) and goes through one
  retry helper, ``_call``: 429, 5xx, timeouts and resets are retried with backoff and jitter, honouring
  Retry-After up to a cap, within a deadline. Refused connections give up after ``unreachable_after`` seconds
  with a message naming the host.
- A job has an overall deadline whose error carries the task id. Polling is ETA-aware (see ``policies.py``).
- The key goes out only in the Authorization header of one request; each key sent is remembered by ``keys`` so
  it is scrubbed from every message, including a server's echo of it.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx

from . import keys
from .catalog_door import model_path
from .client_uploads import Uploads
from .downloads import OutputFetcher
from .errors import (
    ApiError,
    AuthenticationError,
    DeadlineExceeded,
    InputError,
    NetworkError,
    NotFound,
    ProtocolError,
    RateLimited,
    ServiceError,
    SubmissionUnknown,
    TaskCancelled,
    TaskFailed,
    error_for_status,
)
from .policies import EtaModel, PollPolicy, RetryPolicy, Timeouts, human_wait, parse_retry_after
from .prediction import Prediction, iso_utc, notify
from .words.said import said

log = logging.getLogger("seedance_ui.client")

DEFAULT_BASE_URL = "https://api.wavespeed.ai"
USER_AGENT = "seedance-studio/0.2"

# Failures that prove the request never reached the server: a submit may be sent again after these.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
LIST_PAGE_SIZE = 100
"""The largest page WaveSpeed's job list serves (and its default)."""


ProgressFn = Callable[[Prediction, float], Awaitable[None] | None]


class WaveSpeedClient(Uploads):
    """One pooled ``httpx.AsyncClient`` for the API and one, without credentials, for output files. Uploads (the
    pictures a take sends) are in ``client_uploads.py``."""

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
        poll: PollPolicy | None = None,
        eta: EtaModel | None = None,
        deadline: float = 30 * 60,
        max_download_bytes: int = 500_000_000,
        max_connections: int = 50,
    ) -> None:
        self._key = api_key or ""
        keys.remember(self._key)
        self.base_url = (base_url or os.environ.get("WAVESPEED_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
        self.host = urlparse(self.base_url).netloc or self.base_url
        self.timeouts = timeouts or Timeouts()
        self.retry = retry or RetryPolicy()
        self.poll = poll or PollPolicy()
        self.eta = eta or EtaModel()
        self.deadline = deadline
        limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=min(50, max_connections))
        self._http = httpx.AsyncClient(base_url=self.base_url, transport=transport, timeout=self.timeouts.httpx(),
                                       limits=limits, headers={"User-Agent": USER_AGENT})  # fmt: skip
        self._files = httpx.AsyncClient(transport=transport, timeout=self.timeouts.httpx(), limits=limits,
                                        follow_redirects=True, headers={"User-Agent": USER_AGENT})  # fmt: skip
        self.fetcher = OutputFetcher(self._files, max_bytes=max_download_bytes, deadline=self.timeouts.download)
        self._uploaded: dict[tuple[str, str], str | asyncio.Future[str]] = {}
        self.requests: dict[str, int] = {}
        self.submits_refused = 0
        """Submits WaveSpeed answered 429 (nothing started): the queue's "auto" level learns from it."""
        """Requests sent, by kind (submit, result, upload, ...): for benchmarks and tests."""

    def __repr__(self) -> str:
        return f"WaveSpeedClient(base_url={self.base_url!r}, key={'set' if self._key else 'unset'})"

    async def __aenter__(self) -> WaveSpeedClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()
        await self._files.aclose()

    # Low level ---------------------------------------------------------------------------------------------

    def _key_for(self, api_key: str | None) -> str:
        key = api_key or self._key
        if not key:
            raise AuthenticationError(said("key.none_set"))
        keys.remember(key)
        return key

    async def _send(
        self, kind: str, method: str, path: str, *, api_key: str | None = None, **kw: Any
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self._key_for(api_key)}"}
        self.requests[kind] = self.requests.get(kind, 0) + 1
        return await self._http.request(method, path, headers=headers, **kw)

    def _data(self, resp: httpx.Response) -> Any:
        """The envelope's data, or the right error for the status, the envelope code or an unreadable body."""
        try:
            body = resp.json()
        except ValueError:
            body = None
        if resp.status_code >= 400:
            raise self._error(resp.status_code, body, resp)
        if not isinstance(body, dict):
            raise ProtocolError(said("api.unreadable"), status=resp.status_code)
        code = body.get("code", 200)
        if isinstance(code, int) and not isinstance(code, bool) and code != 200:
            raise self._error(code, body, resp, envelope=True)
        return body.get("data")

    @staticmethod
    def _error(status: int, body: Any, resp: httpx.Response, envelope: bool = False) -> ApiError:
        server_msg = ""
        if isinstance(body, dict):
            server_msg = keys.scrub(str(body.get("message") or body.get("error") or "")[:300])
        retry_after = parse_retry_after(resp.headers.get("retry-after"))
        return error_for_status(status, server_msg, envelope=envelope, retry_after=retry_after)

    def _within(self, deadline_at: float) -> httpx.Timeout:
        """This request's timeouts, none longer than the time left (a glance at the balance never waits 30 s)."""
        left = max(0.1, deadline_at - time.monotonic())
        t = self.timeouts
        return httpx.Timeout(connect=min(t.connect, left), read=min(t.read, left), write=min(t.write, left),
                             pool=min(t.pool, left))  # fmt: skip

    def _unreachable(self) -> NetworkError:
        return NetworkError(said("network.unreachable", host=self.host))

    async def _call(self, kind: str, method: str, path: str, *, deadline_at: float | None = None,
                    fail_fast: bool = True, api_key: str | None = None, **kw: Any) -> Any:  # fmt: skip
        """A request that is safe to repeat, retried on 429, 5xx, timeouts and resets until it works or time runs
        out. With ``fail_fast`` (a person is waiting to start something) refused connections give up after
        ``retry.unreachable_after`` seconds; polls of a paid job keep trying until the job's own deadline."""
        deadline_at = deadline_at or time.monotonic() + (self.retry.start_deadline if fail_fast else 120)
        attempt = 0
        unreachable_since: float | None = None
        while True:
            wait: float | None = None
            try:
                resp = await self._send(kind, method, path, api_key=api_key, timeout=self._within(deadline_at), **kw)
                return self._data(resp)
            except RateLimited as e:
                wait = min(e.retry_after, self.retry.retry_after_cap) if e.retry_after is not None else None
                last: Exception = e
            except (ServiceError, ProtocolError) as e:
                last = e
            except NOT_SENT as e:
                unreachable_since = unreachable_since or time.monotonic()
                if fail_fast and time.monotonic() - unreachable_since >= self.retry.unreachable_after:
                    raise self._unreachable() from e
                last = e
            except httpx.TransportError as e:  # timeouts are transport errors too
                last = e
            attempt += 1
            wait = wait if wait is not None else self.retry.backoff(attempt)
            if fail_fast and isinstance(last, NOT_SENT) and unreachable_since is not None:
                # one last look right at the end of the window, not a long sleep past it
                window_left = unreachable_since + self.retry.unreachable_after - time.monotonic()
                wait = min(wait, max(0.05, window_left))
            if time.monotonic() + wait >= deadline_at:
                if isinstance(last, ApiError):
                    raise last
                if isinstance(last, NOT_SENT):
                    raise self._unreachable() from last
                raise NetworkError(said("network.lost", host=self.host)) from last
            log.info("retrying %s after %s (attempt %d)", kind, type(last).__name__, attempt)
            await asyncio.sleep(wait)

    # Submit ------------------------------------------------------------------------------------------------

    async def submit(self, model_id: str, payload: dict[str, Any], *, api_key: str | None = None) -> str:
        """Start a job and return its task id. The POST goes out at most once (see the module docstring)."""
        try:  # the path from the id's checked segments: the model priced is the model this POST reaches
            path = model_path(model_id)
        except ValueError as e:
            raise InputError(said("submit.bad_model", why=str(e))) from None
        sent_at = time.time()
        first_try = time.monotonic()
        for attempt in range(self.retry.submit_attempts):
            try:
                resp = await self._send("submit", "POST", path, json=payload, api_key=api_key)
            except NOT_SENT:
                last_try = attempt + 1 == self.retry.submit_attempts
                if last_try or time.monotonic() - first_try >= self.retry.unreachable_after:
                    raise self._unreachable() from None
                await asyncio.sleep(self.retry.backoff(attempt))
                continue
            except httpx.TransportError as e:
                raise self._unknown(model_id, sent_at, type(e).__name__) from None
            if resp.status_code == 429:
                self.submits_refused += 1
                err = self._error(429, None, resp)
                assert isinstance(err, RateLimited)
                wait = err.retry_after
                if wait is not None and wait > self.retry.retry_after_cap:  # said with the wait, as its own error
                    raise RateLimited(said("api.busy_wait", wait=human_wait(wait)), retry_after=wait,
                                      status=err.status, api_code=err.api_code) from None  # fmt: skip
                if attempt + 1 == self.retry.submit_attempts:
                    raise err
                await asyncio.sleep(wait if wait is not None else self.retry.backoff(attempt))
                continue
            if resp.status_code >= 500:
                raise self._unknown(model_id, sent_at, f"HTTP {resp.status_code}")
            try:
                return Prediction.parse(self._data(resp)).id
            except (ServiceError, ProtocolError) as e:
                # HTTP 200 but an error code, no id or no JSON: the job may exist.
                raise self._unknown(model_id, sent_at, e.message) from None
        raise AssertionError("unreachable")

    @staticmethod
    def _unknown(model_id: str, sent_at: float, why: str) -> SubmissionUnknown:
        log.warning("submit outcome unknown for %s: %s", model_id, why)
        return SubmissionUnknown(said("submit.unknown"), model_id=model_id, submitted_at=sent_at)

    async def list_predictions(
        self, *, model_id: str | None = None, created_after: datetime | None = None,
        created_before: datetime | None = None, page: int = 1, api_key: str | None = None,
    ) -> tuple[list[Prediction], int]:  # fmt: skip
        """One page of the account's recent jobs (WaveSpeed keeps 7 days) and the total. Inputs are asked for, as
        WaveSpeed's own CLI does (``include_inputs``), and used when they come (``Prediction.inputs``)."""
        body: dict[str, Any] = {"page": page, "page_size": LIST_PAGE_SIZE, "include_inputs": True}
        if model_id:
            body["model"] = model_id
        if created_after:
            body["created_after"] = iso_utc(created_after)
        if created_before:
            body["created_before"] = iso_utc(created_before)
        data = await self._call("list", "POST", "/api/v3/predictions", json=body, api_key=api_key)
        items = data.get("items") if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise ProtocolError(said("api.list_unreadable"))
        return [Prediction.parse(i) for i in items], int(data.get("total") or len(items))

    async def candidates(self, model_id: str, start: float, end: float, *, api_key: str | None = None,
                         max_pages: int = 10) -> list[Prediction]:  # fmt: skip
        """Every job of this account and model created between two times (Unix seconds), oldest first."""
        found: list[Prediction] = []
        for page in range(1, max_pages + 1):
            items, total = await self.list_predictions(
                model_id=model_id, created_after=datetime.fromtimestamp(start, timezone.utc),
                created_before=datetime.fromtimestamp(end, timezone.utc), page=page, api_key=api_key,
            )  # fmt: skip
            found.extend(p for p in items if p.model in ("", model_id))
            if not items or page * LIST_PAGE_SIZE >= total:
                break
        return sorted(found, key=lambda p: p.created or datetime.min.replace(tzinfo=timezone.utc))

    # Poll --------------------------------------------------------------------------------------------------

    async def result(self, task_id: str, *, api_key: str | None = None, deadline_at: float | None = None) -> Prediction:
        data = await self._call("result", "GET", f"/api/v3/predictions/{task_id}/result", deadline_at=deadline_at,
                                fail_fast=deadline_at is None,
                                api_key=api_key)  # fmt: skip
        return Prediction.parse(data)

    async def wait(
        self, task_id: str, *, api_key: str | None = None, deadline: float | None = None,
        eta_key: tuple[str, str, int] | None = None, on_progress: ProgressFn | None = None,
        started: float | None = None,
    ) -> Prediction:  # fmt: skip
        """Poll until the job ends. Returns a completed prediction with outputs, or raises the plain error."""
        t0 = started or time.monotonic()
        deadline_at = t0 + (deadline or self.deadline)
        eta = self.eta.expected(eta_key)
        polls = 0
        while True:
            elapsed = time.monotonic() - t0
            if elapsed > 0 or polls:
                pause = self.poll.delay(elapsed, eta, polls)
                if time.monotonic() + pause >= deadline_at:
                    raise DeadlineExceeded(said("wait.stopped"), task_id=task_id)
                await asyncio.sleep(pause)
            try:
                p = await self.result(task_id, api_key=api_key, deadline_at=deadline_at)
            except (NetworkError, ServiceError, ProtocolError, RateLimited) as e:
                raise DeadlineExceeded(said("wait.stopped_because", why=e.said), task_id=task_id) from None
            polls += 1
            await notify(on_progress, p, time.monotonic() - t0)
            if p.status == "completed":
                if not p.outputs:
                    raise TaskFailed(said("task.no_file"), task_id=task_id)
                if eta_key is not None:
                    seen = time.monotonic() - t0
                    real = p.inference_ms / 1000 if p.inference_ms else seen
                    self.eta.observe(eta_key, min(seen, max(real, seen - self.poll.max_interval)))
                return p
            if p.status == "failed":
                raise TaskFailed.from_prediction(task_id, p.code, p.error)
            if p.status in ("cancelled", "deleted"):
                raise TaskCancelled(said("task.cancelled_there"), task_id=task_id)
            if p.status == "timeout":
                raise TaskFailed.from_prediction(task_id, 5004, p.error or "timeout")
            # created, processing, or a status we don't know yet: still running

    async def cancel(self, task_id: str, *, api_key: str | None = None) -> str:
        """Ask WaveSpeed to delete a job (it may not stop the work); returns the status it reports."""
        try:
            data = await self._call("delete", "DELETE", f"/api/v3/predictions/{task_id}", api_key=api_key)
        except NotFound:
            return "deleted"
        return str(data.get("status") or "deleted") if isinstance(data, dict) else "deleted"

    # Files -------------------------------------------------------------------------------------------------

    async def download(self, prediction: Prediction, dest: Path, *, api_key: str | None = None) -> Path:
        """Stream the first output to ``dest``; one fresh link on 403/404 before calling it expired."""

        async def fresh() -> str | None:
            again = await self.result(prediction.id, api_key=api_key)
            return again.outputs[0] if again.outputs else None

        self.requests["file"] = self.requests.get("file", 0) + 1
        return await self.fetcher.download(prediction.id, prediction.outputs[0], dest, fresh)

    # Account ---------------------------------------------------------------------------------------------

    async def balance(self, *, api_key: str | None = None) -> Decimal:
        """The account's balance in USD, within a short deadline (the page never waits on it)."""
        data = await self._call("balance", "GET", "/api/v3/balance", api_key=api_key,
                                deadline_at=time.monotonic() + self.timeouts.glance)  # fmt: skip
        try:
            return Decimal(str(data["balance"]))
        except (KeyError, TypeError, ArithmeticError):
            raise ProtocolError(said("api.balance_unreadable")) from None

    async def quote(self, model_id: str, inputs: dict[str, Any], *, api_key: str | None = None) -> Decimal:
        """WaveSpeed's own price for these full inputs (the discounted price when there is one), within a short
        deadline."""
        data = await self._call("price", "POST", "/api/v3/model/price", api_key=api_key,
                                deadline_at=time.monotonic() + self.timeouts.glance,
                                json={"model_id": model_id, "inputs": inputs})  # fmt: skip
        try:
            value = data.get("discounted_price", data.get("price"))
            return Decimal(str(value))
        except (AttributeError, TypeError, ArithmeticError):
            raise ProtocolError(said("api.price_unreadable")) from None

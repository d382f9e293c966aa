"""An async WaveSpeed v3 client that never pays twice and never loses a result.

Rules it keeps (see the reliability notes in the README):
- The submit POST goes out at most once. It is sent again only when the request provably never reached the
  server (connection refused, connect or pool timeout) or was refused with 429 before any work. Anything
  ambiguous (read timeout, dropped connection, 5xx, an answer without an id) raises ``SubmissionUnknown``;
  ``reconcile()`` then looks the job up through the list endpoint so nobody pays again.
- Polls retry 429, 5xx, timeouts and resets with backoff and jitter, honouring Retry-After up to a cap; a job
  has an overall deadline whose error carries the task id. Polling is ETA-aware: it waits quietly until a job
  is expected to finish and then looks often, so completion is seen fast without hammering the API.
- Outputs are streamed to a file at once, capped in size, checked to be MP4, with no auth header sent to the
  file host; an expired link gets one fresh result before the output is called expired.
- The API key lives in one private attribute and goes out only in the Authorization header.
"""

from __future__ import annotations

import asyncio
import email.utils
import hashlib
import logging
import os
import random
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from .errors import (
    ApiError,
    AuthenticationError,
    BadRequest,
    DeadlineExceeded,
    DownloadFailed,
    NetworkError,
    OutputExpired,
    ProtocolError,
    RateLimited,
    ServiceError,
    SubmissionUnknown,
    TaskCancelled,
    TaskFailed,
)

log = logging.getLogger("seedance_ui.client")

DEFAULT_BASE_URL = "https://api.wavespeed.ai"
USER_AGENT = "seedance-studio/0.1"

TERMINAL = {"completed", "failed", "cancelled", "timeout", "deleted"}

# Failures that prove the request never reached the server: a submit may be sent again after these.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# Failures worth another poll: a GET is safe to repeat.
TRANSIENT = (httpx.TimeoutException, httpx.TransportError)


class RedactKey(logging.Filter):
    """Scrubs bearer tokens (and any key registered with it) from log records, ours and httpx's."""

    _bearer = re.compile(r"(Bearer\s+)\S+", re.IGNORECASE)

    def __init__(self) -> None:
        super().__init__()
        self._keys: set[str] = set()

    def add(self, key: str) -> None:
        if key:
            self._keys.add(key)

    def filter(self, record: logging.LogRecord) -> bool:
        msg = record.getMessage()
        clean = self._bearer.sub(r"\1[redacted]", msg)
        for k in self._keys:
            clean = clean.replace(k, "[redacted]")
        if clean != msg:
            record.msg, record.args = clean, ()
        return True


REDACT = RedactKey()
for _name in ("seedance_ui", "httpx", "httpcore"):
    logging.getLogger(_name).addFilter(REDACT)


@dataclass(frozen=True)
class Prediction:
    """One job as WaveSpeed describes it."""

    id: str
    status: str
    model: str = ""
    outputs: tuple[str, ...] = ()
    error: str = ""
    code: int | None = None
    created_at: str | None = None
    inference_ms: int | None = None
    has_nsfw_contents: tuple[bool, ...] = ()
    inputs: dict[str, Any] | None = None

    @property
    def done(self) -> bool:
        return self.status in TERMINAL

    @classmethod
    def parse(cls, data: Any) -> Prediction:
        """Read a prediction from an envelope's data; ProtocolError when it has no id or no status."""
        if not isinstance(data, dict) or not isinstance(data.get("id"), str) or not data["id"]:
            raise ProtocolError("WaveSpeed's answer had no task id.")
        outputs = data.get("outputs") or []
        if not isinstance(outputs, list):
            outputs = []
        timings = data.get("timings") if isinstance(data.get("timings"), dict) else {}
        inference = timings.get("inference")
        code = data.get("code")
        return cls(
            id=data["id"],
            status=str(data.get("status") or "created").lower(),
            model=str(data.get("model") or ""),
            outputs=tuple(str(o) for o in outputs if isinstance(o, str) and o),
            error=str(data.get("error") or ""),
            code=code if isinstance(code, int) and not isinstance(code, bool) else None,
            created_at=data.get("created_at") if isinstance(data.get("created_at"), str) else None,
            inference_ms=int(inference) if isinstance(inference, (int, float)) else None,
            has_nsfw_contents=tuple(bool(x) for x in data.get("has_nsfw_contents") or [] if isinstance(x, bool)),
            inputs=data.get("inputs") if isinstance(data.get("inputs"), dict) else None,
        )


@dataclass
class RetryPolicy:
    """How long to wait between retries: exponential with full jitter, Retry-After honoured up to a cap."""

    submit_attempts: int = 4
    """Sends of one submit when the earlier ones provably never arrived (or got 429)."""
    base: float = 0.5
    maximum: float = 8.0
    retry_after_cap: float = 30.0
    """Longest Retry-After we sleep through; a longer one is told to the person instead."""

    def backoff(self, attempt: int) -> float:
        return random.uniform(self.base / 2, min(self.maximum, self.base * 2**attempt))


@dataclass
class PollPolicy:
    """When to look at a running job.

    Without an expected time: every ``interval`` seconds, slowing gently for long jobs. With one (learned
    from finished jobs of the same model, resolution and length): one look soon after submit, then quiet
    until shortly before the job should finish, then every ``near_interval`` until a little after it, then
    slowing down again.
    """

    interval: float = 1.0
    near_interval: float = 0.2
    max_interval: float = 5.0
    first_look: float = 1.0
    quiet_max: float = 15.0
    """Longest single pause while a job is not expected to be done yet (a heartbeat for progress)."""

    def delay(self, elapsed: float, eta: tuple[float, float] | None, polls: int) -> float:
        if eta is None:
            return min(self.max_interval, max(self.interval, elapsed / 20))
        mean, spread = eta
        window = max(0.3, spread)
        start = mean - window
        if polls == 0 and start > self.first_look + self.quiet_max:
            return self.first_look  # on a long job, an early look shows it was taken
        if elapsed < start:
            return min(start - elapsed, self.quiet_max)
        if elapsed < mean + window * 2:
            return self.near_interval
        return min(self.max_interval, max(self.interval, (elapsed - mean) / 10))


@dataclass
class EtaModel:
    """Expected processing time per (model, resolution, duration), learned from finished jobs."""

    alpha: float = 0.3
    _stats: dict[tuple[str, str, int], tuple[float, float, int]] = field(default_factory=dict)

    def expected(self, key: tuple[str, str, int] | None) -> tuple[float, float] | None:
        """(mean seconds, spread seconds), or None before two jobs of that kind have finished."""
        if key is None or key not in self._stats:
            return None
        mean, dev, n = self._stats[key]
        if n < 2:
            return None
        return mean, max(2 * dev, 0.1 * mean, 0.15)

    def observe(self, key: tuple[str, str, int], seconds: float) -> None:
        if key not in self._stats:
            self._stats[key] = (seconds, seconds * 0.1, 1)
            return
        mean, dev, n = self._stats[key]
        err = seconds - mean
        self._stats[key] = (mean + self.alpha * err, (1 - self.alpha) * dev + self.alpha * abs(err), n + 1)


ProgressFn = Callable[[Prediction, float], Awaitable[None] | None]


@dataclass
class Timeouts:
    connect: float = 5.0
    read: float = 30.0
    write: float = 30.0
    pool: float = 10.0
    download: float = 600.0
    """Whole-file deadline for one output download (a slow drip is cut here)."""

    def httpx(self) -> httpx.Timeout:
        return httpx.Timeout(connect=self.connect, read=self.read, write=self.write, pool=self.pool)


class WaveSpeedClient:
    """One pooled ``httpx.AsyncClient`` for the API and one, without credentials, for output files."""

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
        REDACT.add(self._key)
        self.base_url = (base_url or os.environ.get("WAVESPEED_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
        self.timeouts = timeouts or Timeouts()
        self.retry = retry or RetryPolicy()
        self.poll = poll or PollPolicy()
        self.eta = eta or EtaModel()
        self.deadline = deadline
        self.max_download_bytes = max_download_bytes
        limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=min(50, max_connections))
        self._http = httpx.AsyncClient(base_url=self.base_url, transport=transport, timeout=self.timeouts.httpx(),
                                       limits=limits, headers={"User-Agent": USER_AGENT})  # fmt: skip
        self._files = httpx.AsyncClient(transport=transport, timeout=self.timeouts.httpx(), limits=limits,
                                        follow_redirects=True, headers={"User-Agent": USER_AGENT})  # fmt: skip
        self._uploaded: dict[str, str] = {}
        self.requests: dict[str, int] = {}
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

    def _headers(self, api_key: str | None) -> dict[str, str]:
        key = api_key or self._key
        if not key:
            raise AuthenticationError("No WaveSpeed API key is set.")
        if api_key:
            REDACT.add(api_key)
        return {"Authorization": f"Bearer {key}"}

    async def _send(
        self, kind: str, method: str, path: str, *, api_key: str | None = None, **kw: Any
    ) -> httpx.Response:
        self.requests[kind] = self.requests.get(kind, 0) + 1
        return await self._http.request(method, path, headers=self._headers(api_key), **kw)

    def _data(self, resp: httpx.Response) -> Any:
        """The envelope's data, or the right error for the status, the envelope code or an unreadable body."""
        try:
            body = resp.json()
        except ValueError:
            body = None
        if resp.status_code >= 400:
            raise self._error_for(resp.status_code, body, resp.headers.get("retry-after"))
        if not isinstance(body, dict):
            raise ProtocolError("WaveSpeed sent an answer we couldn't read.", status=resp.status_code)
        code = body.get("code", 200)
        if isinstance(code, int) and code != 200:
            raise self._error_for(code, body, resp.headers.get("retry-after"), envelope=True)
        return body.get("data")

    def _error_for(self, status: int, body: Any, retry_after: str | None, envelope: bool = False) -> ApiError:
        server_msg = ""
        if isinstance(body, dict):
            server_msg = str(body.get("message") or body.get("error") or "")[:300]
            api_code = body.get("code") if isinstance(body.get("code"), int) else None
        else:
            api_code = None
        if self._key:
            server_msg = server_msg.replace(self._key, "[redacted]")
        detail = f" ({server_msg})" if server_msg else ""
        if status in (401, 403):
            return AuthenticationError("WaveSpeed did not accept the API key." + detail, status=status)
        if status == 429:
            wait = parse_retry_after(retry_after)
            return RateLimited("WaveSpeed says too many requests at once.", status=429, retry_after=wait)
        if status == 404:
            return BadRequest("WaveSpeed has no such task or file (jobs are kept for 7 days).", status=404)
        if status == 402:
            return BadRequest("Your WaveSpeed balance is too low. Top up and try again.", status=402)
        if 400 <= status < 500 or status in (1400, 1401):
            return BadRequest("WaveSpeed refused a setting" + (f": {server_msg}" if server_msg else "."),
                              status=status, api_code=api_code)  # fmt: skip
        if (status >= 500 and not envelope) or status in (5000, 5003):
            return ServiceError(f"WaveSpeed had a problem on its side (error {status}).", status=status)
        return ProtocolError(f"WaveSpeed answered with an unexpected code {status}.", status=status, api_code=api_code)

    # Submit ------------------------------------------------------------------------------------------------

    async def submit(self, model_id: str, payload: dict[str, Any], *, api_key: str | None = None) -> str:
        """Start a job and return its task id. The POST goes out at most once (see the module docstring)."""
        sent_at = time.time()
        for attempt in range(self.retry.submit_attempts):
            try:
                resp = await self._send("submit", "POST", f"/api/v3/{model_id}", json=payload, api_key=api_key)
            except NOT_SENT:
                if attempt + 1 == self.retry.submit_attempts:
                    raise NetworkError("Couldn't reach WaveSpeed. Nothing was sent or charged.") from None
                await asyncio.sleep(self.retry.backoff(attempt))
                continue
            except (httpx.TransportError, httpx.TimeoutException) as e:
                raise self._unknown(model_id, payload, sent_at, type(e).__name__) from None
            if resp.status_code == 429:
                err = self._error_for(429, None, resp.headers.get("retry-after"))
                assert isinstance(err, RateLimited)
                wait = err.retry_after
                if wait is not None and wait > self.retry.retry_after_cap:
                    err.message = f"WaveSpeed is busy. Try again in {_human(wait)}."
                    raise err
                if attempt + 1 == self.retry.submit_attempts:
                    raise err
                await asyncio.sleep(wait if wait is not None else self.retry.backoff(attempt))
                continue
            if resp.status_code >= 500:
                raise self._unknown(model_id, payload, sent_at, f"HTTP {resp.status_code}")
            try:
                data = self._data(resp)
                return Prediction.parse(data).id
            except (ServiceError, ProtocolError) as e:
                # HTTP 200 but an error code, no id or no JSON: the job may exist.
                raise self._unknown(model_id, payload, sent_at, e.message) from None
        raise AssertionError("unreachable")

    @staticmethod
    def _unknown(model_id: str, payload: dict, sent_at: float, why: str) -> SubmissionUnknown:
        log.warning("submit outcome unknown for %s: %s", model_id, why)
        return SubmissionUnknown(
            "We lost contact with WaveSpeed while starting the video, so we can't tell whether it started.",
            model_id=model_id, submitted_at=sent_at, payload=payload,
        )  # fmt: skip

    async def list_predictions(
        self,
        *,
        model_id: str | None = None,
        created_after: datetime | None = None,
        created_before: datetime | None = None,
        status: str | None = None,
        page: int = 1,
        page_size: int = 50,
        include_inputs: bool = True,
        api_key: str | None = None,
    ) -> tuple[list[Prediction], int]:
        """One page of the account's recent jobs (WaveSpeed keeps 7 days) and the total count."""
        body: dict[str, Any] = {"page": page, "page_size": page_size, "include_inputs": include_inputs}
        if model_id:
            body["model"] = model_id
        if status:
            body["status"] = status
        if created_after:
            body["created_after"] = _iso(created_after)
        if created_before:
            body["created_before"] = _iso(created_before)
        data = await self._get_with_retries("list", "POST", "/api/v3/predictions", json=body, api_key=api_key)
        items = data.get("items") if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise ProtocolError("WaveSpeed's job list could not be read.")
        return [Prediction.parse(i) for i in items], int(data.get("total") or len(items))

    async def reconcile(
        self, model_id: str, payload: dict[str, Any], submitted_at: float, *, slack: float = 120.0,
        api_key: str | None = None,
    ) -> list[Prediction]:  # fmt: skip
        """Jobs that match a submit whose outcome was unknown: same model, close in time, same inputs."""
        when = datetime.fromtimestamp(submitted_at, timezone.utc)
        found: list[Prediction] = []
        page = 1
        while True:
            items, total = await self.list_predictions(
                model_id=model_id, created_after=when - timedelta(seconds=slack),
                created_before=when + timedelta(seconds=slack), page=page, api_key=api_key,
            )  # fmt: skip
            found.extend(p for p in items if _same_inputs(p.inputs, payload))
            if not items or page * 50 >= total or page >= 10:
                return found
            page += 1

    # Poll --------------------------------------------------------------------------------------------------

    async def _get_with_retries(self, kind: str, method: str, path: str, *, deadline_at: float | None = None,
                                api_key: str | None = None, **kw: Any) -> Any:  # fmt: skip
        """A safe-to-repeat request, retried on 429, 5xx, timeouts and resets until it works or time runs out."""
        deadline_at = deadline_at or time.monotonic() + 120
        attempt = 0
        while True:
            wait: float | None = None
            try:
                resp = await self._send(kind, method, path, api_key=api_key, **kw)
                return self._data(resp)
            except RateLimited as e:
                wait = min(e.retry_after, self.retry.retry_after_cap) if e.retry_after is not None else None
                last: Exception = e
            except (ServiceError, ProtocolError) as e:
                last = e
            except TRANSIENT as e:
                last = e
            attempt += 1
            wait = wait if wait is not None else self.retry.backoff(attempt)
            if time.monotonic() + wait >= deadline_at:
                if isinstance(last, ApiError):
                    raise last
                raise NetworkError("Lost contact with WaveSpeed.") from last
            log.info("retrying %s after %s (attempt %d)", kind, type(last).__name__, attempt)
            await asyncio.sleep(wait)

    async def result(self, task_id: str, *, api_key: str | None = None, deadline_at: float | None = None) -> Prediction:
        data = await self._get_with_retries("result", "GET", f"/api/v3/predictions/{task_id}/result",
                                            deadline_at=deadline_at, api_key=api_key)  # fmt: skip
        return Prediction.parse(data)

    async def wait(
        self,
        task_id: str,
        *,
        api_key: str | None = None,
        deadline: float | None = None,
        eta_key: tuple[str, str, int] | None = None,
        on_progress: ProgressFn | None = None,
        started: float | None = None,
    ) -> Prediction:
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
                    raise DeadlineExceeded(
                        "We stopped waiting for this video; it may still finish on WaveSpeed.", task_id=task_id
                    )
                await asyncio.sleep(pause)
            try:
                p = await self.result(task_id, api_key=api_key, deadline_at=deadline_at)
            except (NetworkError, ServiceError, ProtocolError, RateLimited) as e:
                raise DeadlineExceeded(
                    f"We stopped waiting for this video ({e.message}); it may still finish on WaveSpeed.",
                    task_id=task_id,
                ) from None
            polls += 1
            await notify(on_progress, p, time.monotonic() - t0)
            if p.status == "completed":
                if not p.outputs:
                    raise TaskFailed("WaveSpeed said the video was done but sent no file.", task_id=task_id)
                if eta_key is not None:
                    seen = time.monotonic() - t0
                    real = p.inference_ms / 1000 if p.inference_ms else seen
                    self.eta.observe(eta_key, min(seen, max(real, seen - self.poll.max_interval)))
                return p
            if p.status == "failed":
                raise TaskFailed.from_prediction(task_id, p.code, p.error)
            if p.status in ("cancelled", "deleted"):
                raise TaskCancelled("This video was cancelled on WaveSpeed.", task_id=task_id)
            if p.status == "timeout":
                raise TaskFailed.from_prediction(task_id, 5004, p.error or "timeout")
            # created, processing, or a status we don't know yet: still running

    async def cancel(self, task_id: str, *, api_key: str | None = None) -> str:
        """Ask WaveSpeed to stop a job; returns the status it reports (usually 'deleted')."""
        data = await self._get_with_retries("delete", "DELETE", f"/api/v3/predictions/{task_id}", api_key=api_key)
        return str((data or {}).get("status") or "deleted") if isinstance(data, dict) else "deleted"

    # Files -------------------------------------------------------------------------------------------------

    async def upload(self, data: bytes, filename: str, mime: str, *, api_key: str | None = None) -> str:
        """Upload a picture and return its URL; the same bytes are uploaded once per client."""
        digest = hashlib.sha256(data).hexdigest()
        if digest in self._uploaded:
            return self._uploaded[digest]
        try:
            ticket = await self._get_with_retries(
                "upload", "POST", "/api/v3/media/uploads", api_key=api_key,
                json={"filename": filename, "size": len(data), "content_type": mime},
            )  # fmt: skip
            url = await self._put(ticket, data)
        except BadRequest as e:
            if e.status not in (404, 405):
                raise
            url = await self._upload_legacy(data, filename, mime, api_key)
        self._uploaded[digest] = url
        return url

    async def _put(self, ticket: Any, data: bytes) -> str:
        up = ticket.get("upload") if isinstance(ticket, dict) else None
        if not isinstance(up, dict) or not up.get("url") or not ticket.get("download_url"):
            raise ProtocolError("WaveSpeed's upload instructions could not be read.")
        self.requests["put"] = self.requests.get("put", 0) + 1
        try:
            r = await self._files.request(str(up.get("method") or "PUT"), up["url"], content=data,
                                          headers=dict(up.get("headers") or {}))  # fmt: skip
        except (httpx.TransportError, httpx.TimeoutException) as e:
            raise NetworkError("The picture could not be uploaded. Check your connection and try again.") from e
        if r.status_code >= 300:
            raise ServiceError(f"The picture could not be uploaded (error {r.status_code}).", status=r.status_code)
        return str(ticket["download_url"])

    async def _upload_legacy(self, data: bytes, filename: str, mime: str, api_key: str | None) -> str:
        out = await self._get_with_retries("binary", "POST", "/api/v3/media/upload/binary", api_key=api_key,
                                           files={"file": (filename, data, mime)})  # fmt: skip
        if not isinstance(out, dict) or not out.get("download_url"):
            raise ProtocolError("WaveSpeed's upload answer could not be read.")
        return str(out["download_url"])

    async def download(self, prediction: Prediction, dest: Path, *, api_key: str | None = None) -> Path:
        """Stream the first output to ``dest``; one fresh link on 403/404 before calling it expired."""
        url = prediction.outputs[0]
        for fresh in (False, True):
            if fresh:
                again = await self.result(prediction.id, api_key=api_key)
                if not again.outputs:
                    break
                url = again.outputs[0]
            status = await self._fetch_file(url, dest, prediction.id)
            if status is None:
                return dest
        raise OutputExpired("This video's link has expired.", task_id=prediction.id)

    async def _fetch_file(self, url: str, dest: Path, task_id: str) -> int | None:
        """Download to dest via a temp file; returns the HTTP status when the link is refused, else None."""
        dest.parent.mkdir(parents=True, exist_ok=True)
        part = dest.with_name(f".{dest.name}.{os.getpid()}.part")
        self.requests["file"] = self.requests.get("file", 0) + 1
        try:
            status = await asyncio.wait_for(self._stream(url, part, task_id), self.timeouts.download)
            if status is None:
                os.replace(part, dest)
            return status
        except asyncio.TimeoutError:
            raise DownloadFailed("The video download was too slow and was stopped.", task_id=task_id) from None
        except (httpx.TransportError, httpx.TimeoutException):
            raise DownloadFailed("The video download was interrupted.", task_id=task_id) from None
        finally:
            part.unlink(missing_ok=True)

    async def _stream(self, url: str, part: Path, task_id: str) -> int | None:
        async with self._files.stream("GET", url) as r:
            if r.status_code in (401, 403, 404, 410):
                return r.status_code
            if r.status_code >= 400:
                raise DownloadFailed(f"The video could not be fetched (error {r.status_code}).", task_id=task_id)
            size = 0
            head = b""
            try:
                with open(part, "wb") as f:
                    async for chunk in r.aiter_bytes():
                        size += len(chunk)
                        if size > self.max_download_bytes:
                            raise DownloadFailed("The video file was larger than expected and was stopped.",
                                                 task_id=task_id)  # fmt: skip
                        if len(head) < 12:
                            head += chunk[: 12 - len(head)]
                            if len(head) >= 12 and head[4:8] != b"ftyp":
                                raise DownloadFailed("WaveSpeed sent something that is not a video.", task_id=task_id)
                        f.write(chunk)
                if len(head) < 12:
                    raise DownloadFailed("WaveSpeed sent an empty video file.", task_id=task_id)
            except BaseException:
                part.unlink(missing_ok=True)
                raise
        return None

    # Account ---------------------------------------------------------------------------------------------

    async def balance(self, *, api_key: str | None = None) -> Decimal:
        data = await self._get_with_retries("balance", "GET", "/api/v3/balance", api_key=api_key)
        try:
            return Decimal(str(data["balance"]))
        except (KeyError, TypeError, ArithmeticError):
            raise ProtocolError("WaveSpeed's balance answer could not be read.") from None

    async def quote(self, model_id: str, inputs: dict[str, Any], *, api_key: str | None = None) -> Decimal:
        """WaveSpeed's own price for these inputs (the discounted price when there is one)."""
        data = await self._get_with_retries("price", "POST", "/api/v3/model/price", api_key=api_key,
                                            json={"model_id": model_id, "inputs": inputs})  # fmt: skip
        try:
            value = data.get("discounted_price", data.get("price"))
            return Decimal(str(value))
        except (AttributeError, TypeError, ArithmeticError):
            raise ProtocolError("WaveSpeed's price answer could not be read.") from None


async def notify(fn: Callable[..., Any] | None, *args: Any) -> None:
    """Call a progress callback, sync or async; None is allowed and does nothing."""
    if fn is not None:
        maybe = fn(*args)
        if asyncio.iscoroutine(maybe):
            await maybe


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header: a number or an HTTP date; None when absent or garbage."""
    if not value:
        return None
    value = value.strip()
    try:
        secs = float(value)
        return max(0.0, secs) if secs == secs and secs != float("inf") else None
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def _human(seconds: float) -> str:
    if seconds < 90:
        return f"{round(seconds)} seconds"
    if seconds < 5400:
        return f"{round(seconds / 60)} minutes"
    return f"{round(seconds / 3600)} hours"


def _iso(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


_MATCH_KEYS = ("image", "prompt", "seed", "duration", "last_image", "resolution", "aspect_ratio")


def _same_inputs(inputs: dict[str, Any] | None, payload: dict[str, Any]) -> bool:
    """A listed job matches a submit when the inputs it reports agree on every identifying key both have."""
    if inputs is None:
        return False
    return all(inputs.get(k) == payload.get(k) for k in _MATCH_KEYS if k in inputs or k in payload)

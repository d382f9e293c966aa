"""Webhooks as WaveSpeed sends them: a submit with ``?webhook=URL`` gets one POST to that URL when its task ends,
the prediction with its ``input``, signed the way WaveSpeed documents (docs: "Verifying Webhooks"):

- headers ``webhook-id`` (the delivery's id), ``webhook-timestamp`` (Unix seconds) and
  ``webhook-signature: v3,<hex HMAC-SHA256 of "{id}.{timestamp}.{body}">``;
- the HMAC key is the account's secret from ``GET /api/v3/webhook/secret`` with its ``whsec_`` prefix removed
  (used as text, not base64-decoded).

One attempt per task here (WaveSpeed's retry policy is not documented): a receiver that is down misses it.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import secrets
import threading
import time
import uuid
from collections.abc import Mapping
from typing import Any

import httpx

log = logging.getLogger(__name__)
PREFIX = "whsec_"
TIMEOUT = 10.0


def signature(secret: str, webhook_id: str, timestamp: str, body: bytes) -> str:
    """The ``webhook-signature`` header for one delivery."""
    key = secret.removeprefix(PREFIX).encode()
    signed = f"{webhook_id}.{timestamp}.".encode() + body
    return "v3," + hmac.new(key, signed, hashlib.sha256).hexdigest()


class WebhookSecrets:
    """One secret per account, made the first time it is asked for (or needed to sign)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._secrets: dict[str, str] = {}

    def of(self, account: str) -> str:
        with self._lock:
            if account not in self._secrets:
                self._secrets[account] = PREFIX + secrets.token_hex(24)
            return self._secrets[account]

    def clear(self) -> None:
        with self._lock:
            self._secrets.clear()


class Deliveries:
    """Sends each task's webhook once, when the task ends; remembers what it sent (tests read ``sent``)."""

    def __init__(self, secrets_: WebhookSecrets) -> None:
        self.secrets = secrets_
        self.sent: list[dict[str, Any]] = []
        self._tasks: set[asyncio.Task] = set()

    def after(self, done: asyncio.Event, url: str, account: str, payload: Any) -> None:
        """Deliver ``payload()`` (called when ``done`` is set: the task's final state) to ``url``."""
        task = asyncio.create_task(self._deliver(done, url, account, payload))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _deliver(self, done: asyncio.Event, url: str, account: str, payload: Any) -> None:
        await done.wait()
        body = json.dumps(payload(), separators=(",", ":")).encode()
        webhook_id, timestamp = uuid.uuid4().hex, str(int(time.time()))
        headers = {"content-type": "application/json", "webhook-id": webhook_id, "webhook-timestamp": timestamp,
                   "webhook-signature": signature(self.secrets.of(account), webhook_id, timestamp, body)}  # fmt: skip
        status: int | None = None
        try:
            async with httpx.AsyncClient(timeout=TIMEOUT) as client:
                status = (await client.post(url, content=body, headers=headers)).status_code
        except httpx.HTTPError as e:
            log.info("webhook delivery failed: %s", type(e).__name__)
        self.sent.append({"url": url, "webhook_id": webhook_id, "status": status})


def webhook_url(query: Mapping[str, str]) -> str | None:
    """The submit's ``?webhook=`` URL when it is an http(s) URL."""
    url = query.get("webhook") or ""
    return url if url.startswith(("http://", "https://")) else None

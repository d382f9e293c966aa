"""One visitor's view of the shared WaveSpeed client: the same connection pool, their key bound once.

In the manner of openai-python's ``client.with_options(api_key=...)``: ``BoundClient(client, key)`` costs nothing
(no new pool, no new connections) and every call made through it carries that key, so the code that runs a
visitor's takes never handles the key itself. ``key=None`` means the client's own key (the runtime's).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from .client import ProgressFn, WaveSpeedClient
from .policies import EtaModel
from .prediction import Prediction


class BoundClient:
    """A ``WaveSpeedClient`` with one key: the same calls, without ``api_key``."""

    def __init__(self, client: WaveSpeedClient, key: str | None) -> None:
        self.client = client
        self._key = key or None

    def __repr__(self) -> str:
        return f"BoundClient({self.client!r}, key={'bound' if self._key else 'the client’s'})"

    @property
    def eta(self) -> EtaModel:
        return self.client.eta

    @property
    def submits_refused(self) -> int:
        """Submits WaveSpeed answered 429 on the shared client (every key's)."""
        return self.client.submits_refused

    async def submit(self, model_id: str, payload: dict[str, Any]) -> str:
        return await self.client.submit(model_id, payload, api_key=self._key)

    async def candidates(self, model_id: str, start: float, end: float) -> list[Prediction]:
        return await self.client.candidates(model_id, start, end, api_key=self._key)

    async def list_predictions(self, **kw: Any) -> tuple[list[Prediction], int]:
        return await self.client.list_predictions(**kw, api_key=self._key)

    async def result(self, task_id: str, *, deadline_at: float | None = None) -> Prediction:
        return await self.client.result(task_id, api_key=self._key, deadline_at=deadline_at)

    async def wait(self, task_id: str, *, eta_key: Any = None, on_progress: ProgressFn | None = None,
                   started: float | None = None, deadline: float | None = None) -> Prediction:  # fmt: skip
        return await self.client.wait(task_id, api_key=self._key, eta_key=eta_key, on_progress=on_progress,
                                      started=started, deadline=deadline)  # fmt: skip

    async def cancel(self, task_id: str) -> str:
        return await self.client.cancel(task_id, api_key=self._key)

    async def upload(self, data: bytes, filename: str, mime: str) -> str:
        return await self.client.upload(data, filename, mime, api_key=self._key)

    async def download(self, prediction: Prediction, dest: Path) -> Path:
        return await self.client.download(prediction, dest, api_key=self._key)

    async def balance(self) -> Decimal:
        return await self.client.balance(api_key=self._key)

    async def quote(self, model_id: str, inputs: dict[str, Any]) -> Decimal:
        """WaveSpeed's own quote for one request (its price endpoint)."""
        return await self.client.quote(model_id, inputs, api_key=self._key)

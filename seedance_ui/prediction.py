"""A WaveSpeed job as the API describes it, and two small helpers the client and the take runner share."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from .errors import ProtocolError
from .words.said import said


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
    inputs: dict[str, Any] | None = field(default=None, compare=False, hash=False)
    """The job's inputs when WaveSpeed's list carries them (asked with ``include_inputs``); None when it doesn't."""

    @classmethod
    def parse(cls, data: Any) -> Prediction:
        """Read a prediction from an envelope's data; ProtocolError when it has no id."""
        if not isinstance(data, dict) or not isinstance(data.get("id"), str) or not data["id"]:
            raise ProtocolError(said("api.no_task_id"))
        outputs = data.get("outputs") if isinstance(data.get("outputs"), list) else []
        timings = data.get("timings") if isinstance(data.get("timings"), dict) else {}
        inference = timings.get("inference", data.get("executionTime"))
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
            inputs=dict(data["inputs"]) if isinstance(data.get("inputs"), dict) else None,
        )

    @property
    def created(self) -> datetime | None:
        try:
            return datetime.fromisoformat((self.created_at or "").replace("Z", "+00:00"))
        except ValueError:
            return None


async def notify(fn: Callable[..., Any] | None, *args: Any) -> None:
    """Call a progress callback, sync or async; None is allowed and does nothing."""
    if fn is not None:
        maybe = fn(*args)
        if asyncio.iscoroutine(maybe):
            await maybe


def iso_utc(dt: datetime) -> str:
    """WaveSpeed's time format: ISO 8601 in UTC with milliseconds and a Z."""
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"

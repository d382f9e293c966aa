"""``POST /api/v3/predictions``, the account's job list: its query, read strictly, and which jobs it shows.

The list covers the last 7 days, newest first, and shows a task only ``list_lag`` seconds after its submit.
``page_size`` is documented as 1-100: outside that (or not an integer) the query is refused rather than clamped,
since nothing documents clamping.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from .jobs import Job

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


@dataclass(frozen=True)
class ListQuery:
    page: int = 1
    size: int = PAGE_SIZE_MAX
    model: str | None = None
    status: str | None = None
    after: datetime | None = None
    before: datetime | None = None
    include_inputs: bool = False

    @classmethod
    def parse(cls, q: Any) -> ListQuery:
        """The query as sent; ValueError or TypeError names what is wrong with it."""
        if not isinstance(q, dict):
            raise TypeError("the query must be a JSON object")
        page, size = _int(q.get("page", 1)), _int(q.get("page_size", PAGE_SIZE_MAX))
        if page < 1 or not 1 <= size <= PAGE_SIZE_MAX:
            raise ValueError("page must be 1 or more and page_size 1 to 100")
        return cls(page=page, size=size, model=q.get("model") or None, status=q.get("status") or None,
                   after=_parse_iso(q["created_after"]) if q.get("created_after") else None,
                   before=_parse_iso(q["created_before"]) if q.get("created_before") else None,
                   include_inputs=q.get("include_inputs") is True)  # fmt: skip

    def select(self, jobs: Iterable[Job], account: str, list_lag: float) -> tuple[list[Job], int]:
        """This page of the account's listed jobs, newest first, and how many are listed in all."""
        now, oldest = time.monotonic(), datetime.now(timezone.utc) - RETENTION
        items = [
            j for j in jobs
            if j.account == account and now - j.created_mono >= list_lag and j.created_at >= oldest
            and (not self.model or j.model == self.model)
            and (not self.status or j.status == self.status)
            and (self.after is None or j.created_at >= self.after)
            and (self.before is None or j.created_at <= self.before)
        ]  # fmt: skip
        items.sort(key=lambda j: j.created_at, reverse=True)
        return items[(self.page - 1) * self.size : self.page * self.size], len(items)

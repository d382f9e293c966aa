"""WaveSpeed's account levels as the emulator keeps them ("Account Levels & Rate Limits"): each account may start
so many videos in any 60 s (more are answered 429 with ``Retry-After``; nothing starts) and run so many at once
(past that, jobs wait in ``created`` until one finishes: ``Emulator.max_concurrent``).

``minute_seconds`` shortens the minute for tests and the bench; WaveSpeed's is 60 s.
"""

from __future__ import annotations

import math
import threading
import time
from collections import defaultdict, deque

LEVELS = {"bronze": (2, 2), "silver": (500, 300), "gold": (3000, 3000), "ultra": (5000, 10000)}
"""Level: (video starts per minute, videos running at once)."""


class StartLimit:
    """Per-account sliding window of accepted starts."""

    def __init__(self, tier: str, minute_seconds: float = 60.0) -> None:
        if tier not in LEVELS:
            raise ValueError(f"unknown account level {tier!r}: use one of {', '.join(LEVELS)}")
        self.tier = tier
        self.per_minute, self.at_once = LEVELS[tier]
        self.minute = float(minute_seconds)
        self._starts: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()
        self.refused = 0

    def admit(self, account: str) -> float | None:
        """Count a start for ``account`` and return None, or refuse it: the seconds until one is allowed."""
        now = time.monotonic()
        with self._lock:
            starts = self._starts[account]
            while starts and now - starts[0] >= self.minute:
                starts.popleft()
            if len(starts) >= self.per_minute:
                self.refused += 1
                return self.minute - (now - starts[0])
            starts.append(now)
            return None

    def reset(self) -> None:
        with self._lock:
            self._starts.clear()
            self.refused = 0


def retry_after(seconds: float) -> str:
    """Retry-After in whole seconds, never 0 (a client must wait at least the window's rest)."""
    return str(max(1, math.ceil(seconds)))

"""WaveSpeed's account levels and what they allow, and the queue's ETA worked out from them.

WaveSpeed's "Account Levels & Rate Limits": every new account is Bronze (2 video starts a minute, 2 running at
once); Silver 500/300, Gold 3,000/3,000, Ultra 5,000/10,000. No endpoint reports an account's level, so "auto"
starts as Bronze and learns (``Pacer`` in ``queue_runner.py``).

``SEEDANCE_RATE_MINUTE`` shortens the minute for tests and the bench (the emulator's ``--minute-seconds`` must
match); it is never set in normal use.
"""

from __future__ import annotations

import heapq
import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Level:
    name: str
    per_minute: int
    """Starts allowed in any window of one minute."""
    at_once: int
    """Jobs running at once; past it WaveSpeed holds jobs in ``created``."""


LEVELS = {
    "bronze": Level("bronze", 2, 2),
    "silver": Level("silver", 500, 300),
    "gold": Level("gold", 3000, 3000),
    "ultra": Level("ultra", 5000, 10000),
}
ORDER = list(LEVELS)
TIERS = (*ORDER, "auto")
DEFAULT_RENDER_SECONDS = 90.0
"""What a render is expected to take before the journal has seen one of its kind."""


def minute() -> float:
    """Seconds in the level's minute: 60, unless a test or the bench shortens it."""
    try:
        value = float(os.environ.get("SEEDANCE_RATE_MINUTE", "") or 60.0)
    except ValueError:
        return 60.0
    return value if value > 0 else 60.0


def window(minute_s: float) -> float:
    """The window the runner counts starts in: a little longer than the minute, because our clock stamps a start
    just before its POST leaves and WaveSpeed's stamps it on arrival."""
    return minute_s * 1.02 + min(0.25, minute_s * 0.02)


def parse_tier(text: str | None) -> str:
    """A tier name, said plainly when it isn't one."""
    tier = (text or "auto").strip().lower()
    if tier not in TIERS:
        raise ValueError(f"'{text}' is not an account level: use {', '.join(TIERS)}.")
    return tier


def step(name: str, by: int) -> str:
    """The level ``by`` steps above (or below) ``name``, within Bronze..Ultra."""
    i = max(0, min(len(ORDER) - 1, ORDER.index(name) + by))
    return ORDER[i]


def finish_times(
    renders: list[float],
    level: Level,
    minute_s: float,
    *,
    recent_starts: list[float] = (),  # type: ignore[assignment]
    running_left: list[float] = (),  # type: ignore[assignment]
) -> list[float]:
    """Seconds from now until each queued take (in order, each expected to render ``renders[i]`` s) is done, if
    starts are paced as the level allows: ``recent_starts`` are the ages (s) of starts already in this minute and
    ``running_left`` the seconds left of the jobs already running."""
    starts = sorted(-age for age in recent_starts)
    busy = list(running_left)
    heapq.heapify(busy)
    out: list[float] = []
    for render in renders:
        t = 0.0
        if len(starts) >= level.per_minute:
            t = max(t, starts[-level.per_minute] + minute_s)
        while len(busy) >= level.at_once:
            t = max(t, heapq.heappop(busy))
        starts.append(t)
        heapq.heappush(busy, t + render)
        out.append(t + render)
    return out

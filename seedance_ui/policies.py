"""How the client waits: retry backoff, poll timing learned from finished jobs, and per-request timeouts.

Named, explained numbers live here so tests can shorten every wait without changing a rule.
"""

from __future__ import annotations

import email.utils
import random
from dataclasses import dataclass, field
from datetime import datetime, timezone

import httpx

from .words.said import Said, said


@dataclass
class RetryPolicy:
    """How long to wait between retries: exponential with full jitter, Retry-After honoured up to a cap."""

    submit_attempts: int = 4
    """Sends of one submit when the earlier ones provably never arrived (or got 429)."""
    unreachable_after: float = 8.0
    """Seconds of refused or timed-out connections after which WaveSpeed is reported unreachable (not 2 minutes
    of silence: a person should hear within about 10 s that the host can't be reached)."""
    start_deadline: float = 10.0
    """Whole deadline of a call that starts something (upload ticket, job list, cancel): a server that accepts the
    connection and never answers is reported in about 10 s, naming the host, not after minutes."""
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


@dataclass
class Timeouts:
    connect: float = 5.0
    read: float = 30.0
    write: float = 30.0
    pool: float = 10.0
    download: float = 600.0
    """Whole-file deadline for one output download (a slow drip is cut here)."""
    glance: float = 5.0
    """Whole deadline for a quote or a balance: the page shows our estimate instead of waiting on them."""

    def httpx(self) -> httpx.Timeout:
        return httpx.Timeout(connect=self.connect, read=self.read, write=self.write, pool=self.pool)


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


def human_wait(seconds: float) -> Said:
    """A wait in the largest unit that keeps it readable, as a message."""
    if seconds < 90:
        return said("wait.seconds", count=round(seconds))
    if seconds < 5400:
        return said("wait.minutes", count=round(seconds / 60))
    return said("wait.hours", count=round(seconds / 3600))

"""The states a take moves through, as one type, and the named sets the product asks about.

``TakeState`` is a ``str`` enum so that a state read from the journal, a JSON answer or older code compares equal
to its plain string ("downloaded" == TakeState.DOWNLOADED), and the journal keeps storing the same strings. The
transitions and what each one means for the money are drawn in ``takes/ledger.py``.
"""

from __future__ import annotations

from enum import Enum


class TakeState(str, Enum):
    """One take's state, stored in the journal by its value."""

    QUEUED = "queued"
    """Waiting in this computer's queue: nothing sent yet."""
    PREPARING = "preparing"
    SUBMITTING = "submitting"
    SUBMITTED = "submitted"
    RUNNING = "running"
    COMPLETED = "completed"
    DOWNLOADED = "downloaded"
    FAILED = "failed"
    CANCELLED = "cancelled"
    UNKNOWN = "unknown"
    """The submit POST went out and its answer was lost: it may have started."""
    EXPIRED = "expired"
    NOT_STARTED = "not_started"

    # A state prints as its stored word (f-strings, logs, SQL parameters), like the plain strings it replaced.
    __str__ = str.__str__
    __format__ = str.__format__


ALL_STATES: frozenset[TakeState] = frozenset(TakeState)

UNFINISHED: tuple[TakeState, ...] = (
    TakeState.QUEUED,
    TakeState.PREPARING,
    TakeState.SUBMITTING,
    TakeState.SUBMITTED,
    TakeState.RUNNING,
    TakeState.COMPLETED,
    TakeState.UNKNOWN,
)
"""A take still moving: it may still render, be saved, or be found at WaveSpeed."""

OUTCOME_UNKNOWN: tuple[TakeState, ...] = (TakeState.SUBMITTING, TakeState.UNKNOWN)
"""The submit POST may have reached WaveSpeed, and no task id says so: only WaveSpeed's job list can tell."""

AT_WAVESPEED: tuple[TakeState, ...] = (TakeState.SUBMITTED, TakeState.RUNNING)
"""WaveSpeed accepted the job and it hasn't finished."""

UNDER_WAY: tuple[TakeState, ...] = (*OUTCOME_UNKNOWN, *AT_WAVESPEED, TakeState.COMPLETED)
"""Sent (or maybe sent) and not yet saved: the queue counts these against the account's limits."""

ENDED: tuple[TakeState, ...] = (
    TakeState.DOWNLOADED,
    TakeState.EXPIRED,
    TakeState.FAILED,
    TakeState.NOT_STARTED,
    TakeState.CANCELLED,
)
"""Nothing more will happen to the take."""

ENDED_WITHOUT_VIDEO: tuple[TakeState, ...] = (
    TakeState.FAILED,
    TakeState.CANCELLED,
    TakeState.EXPIRED,
    TakeState.NOT_STARTED,
)
"""Ended, and no video was saved."""

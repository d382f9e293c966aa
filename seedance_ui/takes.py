"""The take's state machine: every state change is a method here, and each one sets the money line.

The money line follows how far the take got, never which error fired:

    preparing ──> submitting ─┬─> submitted ─> running ─> completed ─> downloaded     charged
    (nothing sent:            │       │           │           ├──────> expired        charged
     not charged)             │       │           │           └─ (download problem: stays completed, charged)
                              │       ├───────────┴─> failed       WaveSpeed said the render failed: refunded
                              │       ├───────────┴─> cancelled    we asked WaveSpeed to stop: may be charged
                              │       └─ (stopped waiting, key stopped working: stays, "goes on and is charged")
                              ├─> unknown   the POST went out, the answer was lost: "may have been charged, checking"
                              │     ├─> submitted (adopted from WaveSpeed's job list)
                              │     └─> not_started (no job appeared: most likely never started)
                              └─> failed    the POST was refused (4xx, 429) or provably never sent: not charged

``settle(take_id, error)`` puts an error that ended a take's run into the state and money line that follow from
the take's state, and sets ``error.money`` and ``error.task_id`` to match, so every message tells the truth.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable
from typing import Any, TypeVar

from . import keys
from .errors import (
    AuthenticationError,
    JournalError,
    Money,
    NotFound,
    OutputExpired,
    SeedanceError,
    SubmissionUnknown,
    TaskCancelled,
    TaskFailed,
)
from .journal import Journal, Take
from .take_states import TakeState

T = TypeVar("T")
log = logging.getLogger("seedance_ui.takes")


class Ledger:
    """State changes of takes, over the journal. A journal failure becomes a plain ``JournalError``."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal

    def _guard(self, fn: Callable[[], T], what: str) -> T:
        try:
            return fn()
        except (sqlite3.Error, OSError) as e:
            why = "another program is holding it" if "locked" in str(e) or "busy" in str(e) else str(e)
            raise JournalError(f"The journal of takes could not be {what} ({why}).") from None

    def _set(self, take_id: str, state: TakeState | str | None, money: Money | None, **changes: Any) -> Take:
        if state is not None:
            changes["state"] = state
        if money is not None:
            changes["money"] = money.value
        if changes.get("error_message"):
            changes["error_message"] = keys.scrub(str(changes["error_message"]))
        return self._guard(lambda: self.journal.update(take_id, **changes), "written")

    def get(self, take_id: str) -> Take | None:
        return self._guard(lambda: self.journal.get(take_id), "read")

    # Transitions ----------------------------------------------------------------------------------------

    def begin(self, take: Take) -> Take:
        """Written before anything is uploaded or sent, so nothing the person typed is lost."""
        take.state, take.money = TakeState.PREPARING, Money.NOT_CHARGED.value
        return self._guard(lambda: self.journal.add(take), "written")

    def sending(self, take_id: str, payload: dict[str, Any]) -> Take:
        """Just before the one submit POST: from here on, it may have reached WaveSpeed."""
        return self._set(take_id, TakeState.SUBMITTING, Money.UNKNOWN, payload=payload, submitted_at=time.time())

    def accepted(self, take_id: str, task_id: str, note: str | None = None) -> Take:
        changes: dict[str, Any] = {"task_id": task_id, "error_code": None, "error_message": None}
        if note:
            changes["note"] = note
        return self._set(take_id, TakeState.SUBMITTED, Money.CHARGED, **changes)

    def running(self, take_id: str) -> Take:
        return self._set(take_id, TakeState.RUNNING, None)

    def completed(self, take_id: str, output_url: str, render_seconds: float | None) -> Take:
        return self._set(take_id, TakeState.COMPLETED, Money.CHARGED, completed_at=time.time(), output_url=output_url,
                         render_seconds=render_seconds)  # fmt: skip

    def saved(self, take_id: str, video: str, poster: str, sidecar: str) -> Take:
        return self._set(take_id, TakeState.DOWNLOADED, Money.CHARGED, video_path=video, poster_path=poster,
                         sidecar_path=sidecar, error_code=None, error_message=None)  # fmt: skip

    def made_here(self, take_id: str, video: str, poster: str, sidecar: str) -> Take:
        """A take made on this computer from takes already paid for (a storyboard's film): nothing was sent, so
        nothing was charged for it."""
        return self._set(take_id, TakeState.DOWNLOADED, Money.NOT_CHARGED, video_path=video, poster_path=poster,
                         sidecar_path=sidecar, completed_at=time.time())  # fmt: skip

    def not_started(self, take_id: str, why: str) -> Take:
        """No job appeared in WaveSpeed's list for this take: a likelihood, said as one."""
        return self._set(take_id, TakeState.NOT_STARTED, Money.LIKELY_NOT_STARTED, error_code="not_started",
                         error_message=why)  # fmt: skip

    def never_sent(self, take_id: str, why: str) -> Take:
        return self._set(take_id, TakeState.FAILED, Money.NOT_CHARGED, error_code="not_sent", error_message=why)

    def cancelled(self, take_id: str) -> Take:
        return self._set(take_id, TakeState.CANCELLED, Money.CANCEL_ASKED, error_code="cancelled",
                         error_message="Cancelled at your request.")  # fmt: skip

    # Errors ---------------------------------------------------------------------------------------------

    def settle(self, take_id: str, err: SeedanceError) -> SeedanceError:
        """Record an error that ended a take's run, with the state and money that follow from how far it got.

        The error always leaves with the right money line and task id, even when the journal can't be written
        (that is logged, and the take is finished later from its task id)."""
        if getattr(err, "settled", False):
            return err
        try:
            take = self.get(take_id)
        except JournalError:
            return err
        if take is None:
            return err
        code = str(getattr(err, "api_code", None) or err.code)
        err.task_id = take.task_id or err.task_id
        state, money = take.state, Money(take.money) if take.money else Money.NOT_CHARGED
        if take.state == "preparing":
            state, money = "failed", Money.NOT_CHARGED
        elif take.state in ("submitting", "unknown") and err.task_id:
            # WaveSpeed gave the job's id, but the take couldn't be moved on (the journal): the job runs.
            money = Money.RENDERING
        elif take.state in ("submitting", "unknown"):
            # The client raises SubmissionUnknown whenever the POST may have arrived; anything else it raises
            # from a submit was a refusal (4xx, 429) or a request that provably never left.
            state, money = ("unknown", Money.CHECKING) if isinstance(err, SubmissionUnknown) or take.state == "unknown" \
                else ("failed", Money.NOT_CHARGED)  # fmt: skip
        elif take.state in ("submitted", "running"):
            if isinstance(err, TaskFailed):
                state, money = "failed", Money.REFUNDED
            elif isinstance(err, TaskCancelled):
                state, money = "cancelled", Money.CANCEL_ASKED
            else:
                money = Money.RENDERING
                if isinstance(err, AuthenticationError):
                    err.message = "The API key stopped working while the video rendered."
                    err.hint = (f"Recover it with a working key: History → Recover by task id, or `seedance recover "
                                f"{take.task_id}`.")  # fmt: skip
                elif isinstance(err, NotFound):
                    err.message = "WaveSpeed no longer shows this task to this key (deleted, or made with another key)."
        elif take.state == "completed":
            state, money = (
                ("expired", Money.CHARGED) if isinstance(err, OutputExpired) else ("completed", Money.CHARGED)
            )
        elif take.state == "cancelled":
            err.message, code = "Cancelled at your request.", "cancelled"
        if isinstance(err, JournalError) and err.task_id:
            err.hint = (f"Finish it once the journal can be written: `seedance recover {err.task_id}`, or History → "
                        "Recover by task id.")  # fmt: skip
        err.money = money
        err.settled = True  # type: ignore[attr-defined]
        try:
            self._set(take_id, state, money, error_code=code, error_message=err.message)
        except JournalError as e:
            log.warning("take %s: %s (task %s, money %s)", take_id, e.message, err.task_id, money.value)
        return err

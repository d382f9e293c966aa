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

``settle(take_id, error)`` looks the take's state and the kind of error up in one table (``SETTLE``) and returns an
``Outcome``: the state and money line that follow, and the message the person is told. It never changes the error;
``error.told(outcome)`` is a copy of it that says the outcome, so every message tells the truth.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable
from typing import Any, TypeVar

from .. import keys
from ..errors import (
    AuthenticationError,
    JournalError,
    Money,
    NotFound,
    Outcome,
    OutputExpired,
    SeedanceError,
    SubmissionUnknown,
    TaskCancelled,
    TaskFailed,
)
from ..journal import Journal, Take
from ..words.said import N_, Said, as_is, said, say
from .states import TakeState

T = TypeVar("T")
log = logging.getLogger(__name__)


class Ledger:
    """State changes of takes, over the journal. A journal failure becomes a plain ``JournalError``."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal

    def _guard(self, fn: Callable[[], T], what: str) -> T:
        try:
            return fn()
        except (sqlite3.Error, OSError) as e:
            busy = "locked" in str(e) or "busy" in str(e)
            if what == "read":
                raise JournalError(
                    said("journal.not_read_busy") if busy else said("journal.not_read", why=str(e))
                ) from None
            raise JournalError(said("journal.not_written_busy") if busy else said("journal.not_written", why=str(e))) from None  # fmt: skip

    def _set(self, take_id: str, state: TakeState | str | None, money: Money | None, why: Said | None = None,
             **changes: Any) -> Take:  # fmt: skip
        """One state change; ``why`` is the message the take keeps (its id, parameters and English)."""
        if state is not None:
            changes["state"] = state
        if money is not None:
            changes["money"] = money.value
        if isinstance(why, str):
            why = as_is(why)
        if why is not None:
            why = why.with_text(keys.scrub)  # what the journal keeps never holds a key
            changes.update(
                error_message=keys.scrub(say(why)), message_id=why.id, message_params=why.to_json()["params"]
            )
        elif "error_message" in changes and not changes["error_message"]:
            changes.update(message_id=None, message_params={})
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

    def accepted(self, take_id: str, task_id: str, note: Said | None = None) -> Take:
        changes: dict[str, Any] = {"task_id": task_id, "error_code": None, "error_message": None}
        if note:
            changes.update(noted(note))
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

    def not_started(self, take_id: str, why: Said) -> Take:
        """No job appeared in WaveSpeed's list for this take: a likelihood, said as one."""
        return self._set(take_id, TakeState.NOT_STARTED, Money.LIKELY_NOT_STARTED, why, error_code="not_started")

    def never_sent(self, take_id: str, why: Said) -> Take:
        return self._set(take_id, TakeState.FAILED, Money.NOT_CHARGED, why, error_code="not_sent")

    def cancelled(self, take_id: str) -> Take:
        return self._set(
            take_id, TakeState.CANCELLED, Money.CANCEL_ASKED, said("take.cancelled_by_you"), error_code="cancelled"
        )

    # Errors ---------------------------------------------------------------------------------------------

    def settle(self, take_id: str, err: SeedanceError) -> Outcome:
        """Record an error that ended a take's run, with the state and money that follow from how far it got, and
        return that ``Outcome`` (``err.told(outcome)`` is the error as the person is told it). The error is never
        changed. An error already settled keeps its outcome.

        The outcome is returned even when the journal can't be written (that is logged, and the take is finished
        later from its task id)."""
        if err.outcome is not None:
            return err.outcome
        try:
            take = self.get(take_id)
        except JournalError:
            take = None
        if take is None:
            return Outcome(None, err.money, None, None, err.task_id, err.code)
        outcome = outcome_of(take, err)
        try:
            self._set(
                take_id, outcome.state, outcome.money, outcome.message or err.said, error_code=outcome.error_code(err)
            )
        except JournalError as e:
            log.warning("take %s: %s (task %s, money %s)", take_id, e.message, outcome.task_id, outcome.money.value)
        return outcome


def noted(note: Said) -> dict[str, Any]:
    """A take's note as the journal keeps it: its English (``note``) and the message (``note_said``)."""
    return {"note": say(note), "note_said": note.to_json()}


ANY = "any"
KEEP = None
"""In a rule: the take keeps its state, or (for money) the money it had."""


def kind_of(err: SeedanceError) -> str:
    """The kind of error, as the settle table knows it."""
    for cls, kind in ((TaskFailed, "task_failed"), (TaskCancelled, "task_cancelled"), (SubmissionUnknown,
                      "submission_unknown"), (AuthenticationError, "auth"), (NotFound, "not_found"),
                      (OutputExpired, "output_expired")):  # fmt: skip
        if isinstance(err, cls):
            return kind
    return ANY


SETTLE: dict[tuple[str, str], tuple[str | None, Money | None, str | None]] = {
    # (where the take was, kind of error): (state it ends in, money line, message id told instead of the error's)
    ("preparing", ANY): ("failed", Money.NOT_CHARGED, None),
    # WaveSpeed gave the job's id, but the take couldn't be moved on (the journal): the job runs.
    ("has_job", ANY): (KEEP, Money.RENDERING, None),
    # The client raises SubmissionUnknown whenever the POST may have arrived; anything else it raises from a submit
    # was a refusal (4xx, 429) or a request that provably never left.
    ("submitting", "submission_unknown"): ("unknown", Money.UNKNOWN, None),
    ("submitting", ANY): ("failed", Money.NOT_CHARGED, None),
    ("unknown", ANY): ("unknown", Money.UNKNOWN, None),
    ("sent", "task_failed"): ("failed", Money.REFUNDED, None),
    ("sent", "task_cancelled"): ("cancelled", Money.CANCEL_ASKED, None),
    ("sent", "auth"): (KEEP, Money.RENDERING, N_("take.key_stopped")),
    ("sent", "not_found"): (KEEP, Money.RENDERING, N_("take.not_shown_to_key")),
    ("sent", ANY): (KEEP, Money.RENDERING, None),
    ("completed", "output_expired"): ("expired", Money.CHARGED, None),
    ("completed", ANY): ("completed", Money.CHARGED, None),
    ("cancelled", ANY): (KEEP, KEEP, N_("take.cancelled_by_you")),
    ("other", ANY): (KEEP, KEEP, None),
}


def outcome_of(take: Take, err: SeedanceError) -> Outcome:
    """The settle table's row for this take and error, as an Outcome."""
    task_id = take.task_id or err.task_id
    where = take.state
    if where in ("submitting", "unknown") and task_id:
        where = "has_job"
    elif where in ("submitted", "running"):
        where = "sent"
    elif where not in ("preparing", "submitting", "unknown", "completed", "cancelled"):
        where = "other"
    state, money, message_id = SETTLE.get((where, kind_of(err))) or SETTLE[(where, ANY)]
    kept = Money(take.money) if take.money else Money.NOT_CHARGED
    hint = None
    if message_id == "take.key_stopped":
        hint = said("hint.recover_with_working_key", task_id=take.task_id or "")
    if isinstance(err, JournalError) and task_id:
        hint = said("hint.finish_when_journal_ok", task_id=task_id)
    return Outcome(state=state or take.state, money=money or kept, message=Said(message_id) if message_id else None,
                   hint=hint, task_id=task_id, code="cancelled" if message_id == "take.cancelled_by_you" else err.code)  # fmt: skip

"""The errors Seedance Studio raises, each with a plain message, and the money lines a take can carry.

SeedanceError
├── InputError                  bad input found before anything was sent
│   ├── ImageRejected           the picture fails Seedance's rules (carries the problems)
│   ├── InvalidRequest          a setting is out of range (carries the problems)
│   └── NotReady                this computer can't keep the result (folder, disk, journal): refused before paying
├── ApiError                    the service answered with an error (keeps the HTTP status and the envelope code)
│   ├── AuthenticationError     401/403: key missing, wrong or not active
│   ├── PaymentRequired         402: the balance is too low
│   ├── NotFound                404: no such task or file for this key
│   ├── RateLimited             429: too many at once, carries retry_after
│   ├── BadRequest              other 4xx and task codes 1400/1401
│   ├── ServiceError            5xx
│   └── ProtocolError           an answer we cannot read (HTTP 200 with another code, no JSON, no id)
├── NetworkError                the service could not be reached
├── SubmissionUnknown           the submit may or may not have reached the service: check before retrying
├── TaskFailed                  the render failed with a code
├── TaskCancelled               cancelled or deleted on the service
├── DeadlineExceeded            we stopped waiting; the job may still finish (carries the task id)
├── OutputExpired               the video was made but its link no longer works
├── DownloadFailed              the file could not be fetched, or is not a video we can open
└── JournalError                the journal of takes could not be read or written

What happened to the money is not decided by the error's class: the take's state machine (``takes/ledger.py``) sets
``money`` on the error from how far the take got. The class only gives a default for errors outside a take.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from . import keys
from .words.said import N_, Joined, Said, as_is, said, say


class Money(str, Enum):
    """What happened to the person's money, as one sentence."""

    NOT_CHARGED = "not_charged"
    LIKELY_NOT_STARTED = "likely_not_started"
    UNKNOWN = "unknown"
    """It may have been charged: the request may have reached WaveSpeed, and we are checking."""
    CHARGED = "charged"
    RENDERING = "still_running"
    REFUNDED = "refunded"
    CANCEL_ASKED = "cancel_asked"
    DEMO = "demo"

    @property
    def said(self) -> Said:
        """The money line as a message (``money.<value>``); ``words.say`` renders it, and nothing in demo mode."""
        return Said(f"money.{self.value}")

    @property
    def sentence(self) -> str:
        """The money line in English, for logs and the English-only callers."""
        return say(self.said)


# The money lines' ids, for extraction (the enum builds them from its values).
_MONEY_IDS = [N_("money.not_charged"), N_("money.likely_not_started"), N_("money.unknown"), N_("money.charged"),
              N_("money.still_running"), N_("money.refunded"), N_("money.cancel_asked"), N_("money.demo")]  # fmt: skip


class SeedanceError(Exception):
    """Base of every error the project raises on purpose. It carries its message as an id and parameters
    (``said``), rendered at the edge in the visitor's language; ``message`` is its English, for logs. Parameters
    and messages are scrubbed of every key this process sent."""

    code = "error"
    money = Money.NOT_CHARGED
    hint_said: Said | None = None
    outcome: Outcome | None = None
    """Set on the copy ``told`` makes once a take's ledger has settled it (``takes.Ledger.settle``)."""

    def __init__(self, message: Said | str, *, task_id: str | None = None, hint: Said | str | None = None) -> None:
        self.said = _scrubbed(message)
        self.message = keys.scrub(say(self.said))
        super().__init__(self.message)
        self.task_id = task_id
        if hint is not None:
            self.hint_said = _scrubbed(hint)

    @property
    def hint(self) -> str:
        """What to do, in English (``card`` says it in the visitor's language)."""
        return keys.scrub(say(self.hint_said))

    def card(self, locale: str = "en", demo: bool = False) -> dict[str, str | None]:
        """What the app shows: what went wrong, the money (none in demo mode), what to do, and the task id."""
        return {
            "title": keys.scrub(say(self.said, locale)),
            "money": say(self.money.said, locale, demo=demo),
            "hint": keys.scrub(say(self.hint_said, locale)),
            "task_id": self.task_id,
            "code": self.code,
        }

    def told(self, outcome: Outcome) -> SeedanceError:
        """A copy of this error that says the take's outcome (its money line, task id, message and hint); the
        error itself is left as it was."""
        copy = self.__class__.__new__(self.__class__)
        copy.__dict__.update(self.__dict__)
        copy.outcome, copy.money, copy.code = outcome, outcome.money, outcome.code
        copy.task_id = outcome.task_id or self.task_id
        if outcome.message is not None:
            copy.said = outcome.message
            copy.message = keys.scrub(say(outcome.message))
        if outcome.hint is not None:
            copy.hint_said = outcome.hint
        copy.args = (copy.message,)
        return copy

    def __str__(self) -> str:
        return self.message if not self.task_id else f"{self.message} (task {self.task_id})"


def _scrubbed(message: Said | str) -> Said:
    if isinstance(message, str):
        return as_is(keys.scrub(message))
    return message.with_text(keys.scrub)  # a key a server echoed, even inside a message inside this one


class InputError(SeedanceError):
    code = "bad_input"


class ImageRejected(InputError):
    code = "image_rejected"

    def __init__(self, message: Said | str, problems: list | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


class InvalidRequest(InputError):
    """Settings out of range: ``problems`` are (field, message) pairs, the message an id and parameters."""

    code = "invalid_request"

    def __init__(self, problems: list[tuple[str, Said | str]]) -> None:
        self.said_problems = [(name, _scrubbed(msg)) for name, msg in problems]
        """The problems as messages, for the visitor's language."""
        self.problems = [(name, say(msg)) for name, msg in self.said_problems]
        """The problems in English: (field, sentence) pairs, for logs and the English-only callers."""
        super().__init__(said("request.problems", problems=Joined(tuple(msg for _, msg in self.said_problems))))


class NotReady(InputError):
    code = "not_ready"


class ApiError(SeedanceError):
    code = "api_error"

    def __init__(self, message: Said | str, *, status: int | None = None, api_code: int | None = None,
                 **kw: object) -> None:  # fmt: skip
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.status = status
        self.api_code = api_code


class AuthenticationError(ApiError):
    code = "auth"
    hint_said = said("hint.auth")


class PaymentRequired(ApiError):
    code = "payment"
    hint_said = said("hint.payment")


class NotFound(ApiError):
    code = "not_found"
    hint_said = said("hint.not_found")


class RateLimited(ApiError):
    code = "rate_limited"
    hint_said = said("hint.rate_limited")

    def __init__(self, message: Said | str, *, retry_after: float | None = None, **kw: object) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.retry_after = retry_after


class BadRequest(ApiError):
    code = "bad_request"
    hint_said = said("hint.bad_request")


class ServiceError(ApiError):
    code = "service_error"
    hint_said = said("hint.service_error")


class ProtocolError(ApiError):
    code = "protocol"
    hint_said = said("hint.protocol")


def error_for_status(status: int, server_message: str = "", *, envelope: bool = False,
                     retry_after: float | None = None) -> ApiError:  # fmt: skip
    """The one table from an HTTP status (or an envelope code in an HTTP 200) to an error with a plain message."""
    detail = said("api.server_said", server=server_message) if server_message else ""
    refused = (
        said("api.refused_setting_named", server=server_message) if server_message else said("api.refused_setting")
    )
    table: dict[int, tuple[type[ApiError], Said]] = {
        400: (BadRequest, refused),
        401: (AuthenticationError, said("api.key_not_accepted", detail=detail)),
        402: (PaymentRequired, said("api.balance_too_low", detail=detail)),
        403: (AuthenticationError, said("api.key_refused", detail=detail)),
        404: (NotFound, said("api.no_such_task")),
        429: (RateLimited, said("api.too_many")),
        1400: (BadRequest, said("api.setting_missing_named", server=server_message) if server_message
               else said("api.setting_missing")),
        1401: (BadRequest, refused),
    }  # fmt: skip
    if status in table:
        cls, message = table[status]
    elif 400 <= status < 500:
        cls, message = BadRequest, said("api.refused_request", status=str(status), detail=detail)
    elif (500 <= status < 600 and not envelope) or status in (5000, 5003):
        cls, message = ServiceError, said("api.service_problem", status=str(status))
    else:
        cls, message = ProtocolError, said("api.unexpected_code", status=str(status))
    api_code = status if envelope else None
    if cls is RateLimited:
        return RateLimited(message, status=status, api_code=api_code, retry_after=retry_after)
    return cls(message, status=None if envelope else status, api_code=api_code)


class NetworkError(SeedanceError):
    code = "network"
    hint_said = said("hint.network")


class SubmissionUnknown(SeedanceError):
    code = "submission_unknown"
    money = Money.UNKNOWN
    hint_said = said("hint.submission_unknown")

    def __init__(self, message: Said | str, *, model_id: str, submitted_at: float, **kw: object) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.model_id = model_id
        self.submitted_at = submitted_at


class CantTellJobs(SubmissionUnknown):
    """Two or more listed jobs could each be a lost take's: it is not adopted; the person picks (issue 25)."""

    code = "cant_tell"
    hint_said = said("hint.cant_tell")


# Task error codes from WaveSpeed, told plainly.
TASK_CODE_MESSAGES: dict[int, str] = {
    1200: N_("task.code.1200"),
    1400: N_("task.code.1400"),
    1401: N_("task.code.1401"),
    1402: N_("task.code.1402"),
    1403: N_("task.code.1403"),
    1405: N_("task.code.1403"),
    5000: N_("task.code.5000"),
    5003: N_("task.code.5003"),
    5004: N_("task.code.5004"),
}


class TaskFailed(SeedanceError):
    code = "task_failed"
    money = Money.REFUNDED
    hint_said = said("hint.task_failed")

    def __init__(self, message: Said | str, *, api_code: int | None = None, detail: str = "", **kw: object) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.api_code = api_code
        self.detail = keys.scrub(detail)

    @classmethod
    def from_prediction(cls, task_id: str, api_code: int | None, detail: str) -> TaskFailed:
        return cls(Said(TASK_CODE_MESSAGES.get(api_code or 0, "task.failed")), api_code=api_code, detail=detail,
                   task_id=task_id)  # fmt: skip


_TASK_FAILED = N_("task.failed")


class TaskCancelled(SeedanceError):
    code = "task_cancelled"
    money = Money.CANCEL_ASKED


class DeadlineExceeded(SeedanceError):
    code = "deadline"
    money = Money.RENDERING
    hint_said = said("hint.deadline")


class OutputExpired(SeedanceError):
    code = "output_expired"
    money = Money.CHARGED
    hint_said = said("hint.output_expired")


class DownloadFailed(SeedanceError):
    code = "download_failed"
    money = Money.CHARGED
    hint_said = said("hint.download_failed")


class JournalError(SeedanceError):
    code = "journal"
    hint_said = said("hint.journal")


@dataclass(frozen=True)
class Outcome:
    """What an error that ended a take's run means: the take's state and money line, and the message (and hint)
    the person reads when the take's state says more than the error (None: the error's own)."""

    state: str | None
    money: Money
    message: Said | None
    hint: Said | None
    task_id: str | None
    code: str

    def error_code(self, err: SeedanceError) -> str:
        """The journal's error code: WaveSpeed's own code when it gave one."""
        return self.code if self.code != err.code else str(getattr(err, "api_code", None) or err.code)

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

What happened to the money is not decided by the error's class: the take's state machine (``takes.py``) sets
``money`` on the error from how far the take got. The class only gives a default for errors outside a take.
"""

from __future__ import annotations

from enum import Enum

from . import keys


class Money(str, Enum):
    """What happened to the person's money, as one sentence."""

    NOT_CHARGED = "not_charged"
    LIKELY_NOT_STARTED = "likely_not_started"
    UNKNOWN = "unknown"
    """It may have been charged: the request may have reached WaveSpeed, and we are checking."""
    CHECKING = "unknown"  # the old name of UNKNOWN (an alias), kept until every branch has moved
    CHARGED = "charged"
    RENDERING = "still_running"
    REFUNDED = "refunded"
    CANCEL_ASKED = "cancel_asked"
    DEMO = "demo"

    @property
    def sentence(self) -> str:
        return {
            Money.NOT_CHARGED: "Nothing was charged: WaveSpeed did not start this render.",
            Money.LIKELY_NOT_STARTED: "WaveSpeed shows no job for this take, so it most likely never started and "
            "was not charged.",
            Money.CHECKING: "The request reached WaveSpeed or may have: it may have been charged. We are checking "
            "with WaveSpeed; don't start it again.",
            Money.CHARGED: "WaveSpeed accepted this render, so it is charged (unless WaveSpeed reports it failed).",
            Money.RENDERING: "The render goes on at WaveSpeed and is charged. Don't start it again: it can be "
            "finished from History or with its task id.",
            Money.REFUNDED: "WaveSpeed reported the render failed; failed renders are refunded automatically, "
            "usually within 3 hours.",
            Money.CANCEL_ASKED: "We asked WaveSpeed to stop and delete it. WaveSpeed may still charge for work "
            "already done; only partial refunds may apply.",
            Money.DEMO: "Demo preview: nothing is ever charged.",
        }[self]


class SeedanceError(Exception):
    """Base of every error the project raises on purpose. Messages are scrubbed of every key this process sent."""

    code = "error"
    money = Money.NOT_CHARGED
    hint = ""

    def __init__(self, message: str, *, task_id: str | None = None, hint: str | None = None) -> None:
        message = keys.scrub(message)
        super().__init__(message)
        self.message = message
        self.task_id = task_id
        if hint is not None:
            self.hint = keys.scrub(hint)

    def card(self) -> dict[str, str | None]:
        """What the app shows: what went wrong, the money, what to do, and the task id when there is one."""
        return {
            "title": self.message,
            "money": self.money.sentence,
            "hint": self.hint,
            "task_id": self.task_id,
            "code": self.code,
        }

    def __str__(self) -> str:
        return self.message if not self.task_id else f"{self.message} (task {self.task_id})"


class InputError(SeedanceError):
    code = "bad_input"


class ImageRejected(InputError):
    code = "image_rejected"

    def __init__(self, message: str, problems: list | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


class InvalidRequest(InputError):
    code = "invalid_request"

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__(" ".join(msg for _, msg in problems))


class NotReady(InputError):
    code = "not_ready"


class ApiError(SeedanceError):
    code = "api_error"

    def __init__(self, message: str, *, status: int | None = None, api_code: int | None = None, **kw: object) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.status = status
        self.api_code = api_code


class AuthenticationError(ApiError):
    code = "auth"
    hint = (
        "Check the API key in Settings (get one at https://wavespeed.ai/accesskey). New keys start working after "
        "the account's first top-up."
    )


class PaymentRequired(ApiError):
    code = "payment"
    hint = "Top up your WaveSpeed balance and try again."


class NotFound(ApiError):
    code = "not_found"
    hint = "WaveSpeed keeps jobs for 7 days, and only the account that made a job can see it."


class RateLimited(ApiError):
    code = "rate_limited"
    hint = "Wait a moment and try again."

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: object) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.retry_after = retry_after


class BadRequest(ApiError):
    code = "bad_request"
    hint = "Change the setting it names and try again."


class ServiceError(ApiError):
    code = "service_error"
    hint = "WaveSpeed is having trouble. Try again in a few minutes."


class ProtocolError(ApiError):
    code = "protocol"
    hint = "WaveSpeed sent an answer we couldn't read. Try again later."


def error_for_status(status: int, server_message: str = "", *, envelope: bool = False,
                     retry_after: float | None = None) -> ApiError:  # fmt: skip
    """The one table from an HTTP status (or an envelope code in an HTTP 200) to an error with a plain message."""
    detail = f" ({server_message})" if server_message else ""
    table: dict[int, tuple[type[ApiError], str]] = {
        400: (BadRequest, "WaveSpeed refused a setting" + (f": {server_message}" if server_message else ".")),
        401: (AuthenticationError, "WaveSpeed did not accept the API key." + detail),
        402: (PaymentRequired, "Your WaveSpeed balance is too low for this render." + detail),
        403: (AuthenticationError, "WaveSpeed refused this key for that request." + detail),
        404: (NotFound, "WaveSpeed has no such task or file for this key."),
        429: (RateLimited, "WaveSpeed says too many requests at once."),
        1400: (BadRequest, "WaveSpeed says a required setting is missing" + (f": {server_message}" if server_message else ".")),
        1401: (BadRequest, "WaveSpeed refused a setting" + (f": {server_message}" if server_message else ".")),
    }  # fmt: skip
    if status in table:
        cls, message = table[status]
    elif 400 <= status < 500:
        cls, message = BadRequest, f"WaveSpeed refused the request (error {status}){detail}."
    elif (500 <= status < 600 and not envelope) or status in (5000, 5003):
        cls, message = ServiceError, f"WaveSpeed had a problem on its side (error {status})."
    else:
        cls, message = ProtocolError, f"WaveSpeed answered with an unexpected code {status}."
    api_code = status if envelope else None
    if cls is RateLimited:
        return RateLimited(message, status=status, api_code=api_code, retry_after=retry_after)
    return cls(message, status=None if envelope else status, api_code=api_code)


class NetworkError(SeedanceError):
    code = "network"
    hint = "Check your internet connection and try again."


class SubmissionUnknown(SeedanceError):
    code = "submission_unknown"
    money = Money.UNKNOWN
    hint = "We look the job up with WaveSpeed before anything is sent again."

    def __init__(self, message: str, *, model_id: str, submitted_at: float, **kw: object) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.model_id = model_id
        self.submitted_at = submitted_at


class CantTellJobs(SubmissionUnknown):
    """Two or more listed jobs could each be a lost take's: it is not adopted; the person picks (issue 25)."""

    code = "cant_tell"
    hint = "Open the one that is yours from History, or run `seedance recover TASK_ID` with its task id."


# Task error codes from WaveSpeed, told plainly.
TASK_CODE_MESSAGES: dict[int, str] = {
    1200: "WaveSpeed's content check stopped this video. Try a different picture or prompt.",
    1400: "A required setting was missing.",
    1401: "A setting was not accepted.",
    1402: "WaveSpeed could not open the uploaded picture.",
    1403: "The render failed on WaveSpeed's side.",
    1405: "The render failed on WaveSpeed's side.",
    5000: "WaveSpeed had an internal error.",
    5003: "The model is unavailable right now.",
    5004: "The render took too long on WaveSpeed's side.",
}


class TaskFailed(SeedanceError):
    code = "task_failed"
    money = Money.REFUNDED
    hint = "You can try again; a different seed or a simpler prompt often helps."

    def __init__(self, message: str, *, api_code: int | None = None, detail: str = "", **kw: object) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.api_code = api_code
        self.detail = keys.scrub(detail)

    @classmethod
    def from_prediction(cls, task_id: str, api_code: int | None, detail: str) -> TaskFailed:
        return cls(TASK_CODE_MESSAGES.get(api_code or 0, "The render failed."), api_code=api_code, detail=detail,
                   task_id=task_id)  # fmt: skip


class TaskCancelled(SeedanceError):
    code = "task_cancelled"
    money = Money.CANCEL_ASKED
    hint = ""


class DeadlineExceeded(SeedanceError):
    code = "deadline"
    money = Money.RENDERING
    hint = "Open History later (Finish unfinished takes), or recover it with the task id below."


class OutputExpired(SeedanceError):
    code = "output_expired"
    money = Money.CHARGED
    hint = "WaveSpeed keeps videos for 7 days and their links expire sooner. Render it again if you need it."


class DownloadFailed(SeedanceError):
    code = "download_failed"
    money = Money.CHARGED
    hint = "It stays in History as unfinished: Finish unfinished takes, or recover it with the task id below."


class JournalError(SeedanceError):
    code = "journal"
    hint = "Check that the data folder is writable and has room, then run `seedance recover`."

"""The errors Seedance Studio raises, each with a plain message and what happened to the money.

SeedanceError
├── InputError                  bad input found before anything was sent (not charged)
│   ├── ImageRejected           the picture fails Seedance's rules (carries the problems)
│   └── InvalidRequest          a setting is out of range (carries the problems)
├── ApiError                    the service answered with an error
│   ├── AuthenticationError     401/403: key missing, wrong or not active (not charged)
│   ├── RateLimited             429: too many at once (not charged), carries retry_after
│   ├── BadRequest              400 and task codes 1400/1401 (not charged)
│   ├── ServiceError            5xx on a request that can be asked again later (not charged)
│   └── ProtocolError           an answer we cannot read (HTTP 200 with another code, no JSON, no id)
├── NetworkError                the service could not be reached (not charged)
├── SubmissionUnknown           the submit may or may not have reached the service: check before retrying
├── TaskFailed                  the render failed with a code (refunded automatically)
├── TaskCancelled               cancelled, deleted or timed out on the service
├── DeadlineExceeded            we stopped waiting; the job may still finish (carries the task id)
├── OutputExpired               the video was made (charged) but its link no longer works
└── DownloadFailed              the file could not be fetched or is not a video
"""

from __future__ import annotations

from enum import Enum


class Money(str, Enum):
    """What happened to the person's money, told in the error card."""

    NOT_CHARGED = "not_charged"
    REFUNDED = "refunded"
    STILL_RUNNING = "still_running"
    CHARGED = "charged"
    UNKNOWN = "unknown"

    @property
    def sentence(self) -> str:
        return {
            Money.NOT_CHARGED: "Nothing was charged.",
            Money.REFUNDED: "WaveSpeed refunds failed renders automatically, usually within 3 hours.",
            Money.STILL_RUNNING: "The video may still be rendering and may be charged; don't start it again — "
            "it will appear in History when it finishes.",
            Money.CHARGED: "This render was charged.",
            Money.UNKNOWN: "We can't tell yet whether this was charged. Don't retry: we check with WaveSpeed first.",
        }[self]


class SeedanceError(Exception):
    """Base of every error the project raises on purpose."""

    code = "error"
    money = Money.NOT_CHARGED
    hint = ""

    def __init__(self, message: str, *, task_id: str | None = None, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.task_id = task_id
        if hint is not None:
            self.hint = hint

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


class ApiError(SeedanceError):
    code = "api_error"

    def __init__(self, message: str, *, status: int | None = None, api_code: int | None = None, **kw: object) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.status = status
        self.api_code = api_code


class AuthenticationError(ApiError):
    code = "auth"
    hint = "Check the API key in Settings. New WaveSpeed keys start working after the account's first top-up."


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


class NetworkError(SeedanceError):
    code = "network"
    hint = "Check your internet connection and try again."


class SubmissionUnknown(SeedanceError):
    code = "submission_unknown"
    money = Money.UNKNOWN
    hint = "We'll look the job up with WaveSpeed before anything is sent again."

    def __init__(self, message: str, *, model_id: str, submitted_at: float, payload: dict, **kw: object) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.model_id = model_id
        self.submitted_at = submitted_at
        self.payload = payload


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
        self.detail = detail

    @classmethod
    def from_prediction(cls, task_id: str, api_code: int | None, detail: str) -> TaskFailed:
        plain = TASK_CODE_MESSAGES.get(api_code or 0, "The render failed.")
        err = cls(plain, api_code=api_code, detail=detail, task_id=task_id)
        if api_code in (1400, 1401):
            err.money = Money.NOT_CHARGED
        return err


class TaskCancelled(SeedanceError):
    code = "task_cancelled"
    money = Money.REFUNDED


class DeadlineExceeded(SeedanceError):
    code = "deadline"
    money = Money.STILL_RUNNING
    hint = "Open History later, or use 'Recover by task id' with the id below."


class OutputExpired(SeedanceError):
    code = "output_expired"
    money = Money.CHARGED
    hint = "WaveSpeed keeps videos for 7 days and their links expire sooner. Render it again if you need it."


class DownloadFailed(SeedanceError):
    code = "download_failed"
    money = Money.CHARGED
    hint = "Try 'Recover by task id' in History to fetch it again."

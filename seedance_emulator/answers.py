"""How the emulator answers: WaveSpeed's ``{code, message, data}`` envelope, and the broken answers that staged
faults call for (a status, a malformed envelope, a connection cut mid-answer)."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse, Response


def ok(data: Any) -> JSONResponse:
    return JSONResponse({"code": 200, "message": "success", "data": data})


def err(status: int, message: str, code: int | None = None, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"code": code or status, "message": message, "data": None}, status, headers=headers)


class DropResponse(Response):
    """Start an answer, then cut the connection: the client cannot know what happened."""

    def __init__(self) -> None:
        super().__init__()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", b"4096")]})  # fmt: skip
        await send({"type": "http.response.body", "body": b'{"code": 200, "da', "more_body": True})
        raise ConnectionAbortedError("emulator fault: connection dropped")


_STATUS_WORDS = {400: "Bad request", 401: "Unauthorized", 403: "Forbidden", 404: "Not found", 429: "Too many requests"}


def status_fault(fault: dict[str, Any], key: str) -> Response:
    """An error status; with ``echo_key`` its message quotes the caller's bearer key, as a careless server would."""
    headers = {"Retry-After": str(fault["retry_after"])} if "retry_after" in fault else None
    status = int(fault.get("status", 500))
    message = _STATUS_WORDS.get(status, "Internal server error")
    if fault.get("echo_key"):
        message += f": request with API key {key} could not be processed"
    return err(status, message, headers=headers)


def envelope_fault(fault: dict[str, Any]) -> Response:
    body = fault.get("body", "code500")
    if body == "not_json":
        return Response("<html><body>Bad gateway</body></html>", 200, media_type="text/html")
    if body == "no_id":
        return JSONResponse({"code": 200, "message": "success", "data": {"status": "created"}})
    return JSONResponse({"code": 500, "message": "internal error", "data": None})


def early_answer(fault: dict[str, Any], key: str) -> Response | None:
    """The answer a fault gives before the request is handled (nothing stored), or None."""
    action = fault.get("action")
    if action == "envelope":
        return envelope_fault(fault)
    if action == "status" and not fault.get("store"):
        return status_fault(fault, key)
    if action == "drop" and not fault.get("store"):
        return DropResponse()
    return None


def late_answer(fault: dict[str, Any], key: str) -> Response | None:
    """The answer a ``store: True`` fault gives after the request was handled (the job stored), or None."""
    action = fault.get("action")
    if action == "drop":
        return DropResponse()
    if action == "status":
        return status_fault(fault, key)
    return None

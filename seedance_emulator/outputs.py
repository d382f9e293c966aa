"""Rendered videos and their links: signed, expiring (as WaveSpeed's CDN links are), gone once the task is
deleted, and broken in the ways a staged output fault asks for."""

from __future__ import annotations

import asyncio
import hmac
import secrets
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

if TYPE_CHECKING:
    from .jobs import Job

FTYP = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"
"""A valid 24-byte ``ftyp`` box: what a naive "is this an MP4" check looks at."""

CORRUPT_MP4 = FTYP + b"\x00\x00\x00\x08free" + b"\xde\xad\xbe\xef" * 4096
"""Passes a signature check on its first bytes, yet no demuxer can open it (no ``moov``; a box claims 3.7 GB)."""


def _xml(status: int, text: str) -> Response:
    return Response(f"<Error>{text}</Error>", status, media_type="application/xml")


class Outputs:
    """Output files on disk (named ``{job id}.mp4``) and the links that reach them."""

    def __init__(self, root: Path, ttl: Callable[[], float]) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)
        self._ttl = ttl
        self._secret = secrets.token_bytes(16)

    def _sig(self, name: str, expires: int) -> str:
        return hmac.new(self._secret, f"{name}:{expires}".encode(), "sha256").hexdigest()[:32]

    def link(self, base: str, name: str) -> str:
        expires = int(time.time() + self._ttl())
        return f"{base}/emu/files/{name}?expires={expires}&sig={self._sig(name, expires)}"

    def write(self, name: str, data: bytes) -> None:
        (self.root / name).write_bytes(data)

    async def serve(self, request: Request, find: Callable[[str], Job | None]) -> Response:
        """``GET /emu/files/{name}``: 403 for a bad signature or an expired link, 404 once the task is deleted."""
        name = request.path_params["name"]
        try:
            expires = int(request.query_params.get("expires", "0"))
        except ValueError:
            expires = 0
        if not hmac.compare_digest(self._sig(name, expires), request.query_params.get("sig", "")):
            return _xml(403, "AccessDenied")
        job = find(name.removesuffix(".mp4"))  # outputs are named after their job
        if job is None or job.output_name != name:
            return _xml(404, "NoSuchKey")
        job.file_hits += 1
        expire = job.fault.get("expire")
        if time.time() > expires or expire == "always" or (expire == "once" and job.file_hits == 1):
            return _xml(403, "Request has expired")
        kind = job.fault.get("output")
        if kind == "not_mp4":
            return Response("<html>not a video</html>", media_type="video/mp4")
        if kind == "corrupt_mp4":
            return Response(CORRUPT_MP4, media_type="video/mp4")
        if kind in ("huge", "slow"):
            return StreamingResponse(_drip(kind), media_type="video/mp4")
        path = self.root / name
        if not path.exists():
            return _xml(404, "NoSuchKey")
        return Response(path.read_bytes(), media_type="video/mp4")


async def _drip(kind: str) -> AsyncIterator[bytes]:
    yield b"\x00\x00\x00\x18ftypisom" + b"\x00" * 12
    for _ in range(400 if kind == "huge" else 60):
        if kind == "slow":
            await asyncio.sleep(0.25)
        yield b"\x00" * (64 * 1024 if kind == "huge" else 256)

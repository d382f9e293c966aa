"""A catalog file served as ``GET /api/v3/models`` exactly as it is on disk, for the tests that play a hostile or
broken WaveSpeed: an odd model id, a formula that never ends, a document nested 100,000 deep, an answer dripped
one byte at a time. The bytes are not read or checked here: the app's side must cope with whatever comes.
``Emulator(catalog_file=..., catalog_drip=...)`` or ``seedance emulator --catalog FILE``."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

from starlette.responses import Response, StreamingResponse


def file_answer(path: str | Path, drip: float = 0.0) -> Response:
    """The file's bytes as a JSON answer; with ``drip`` seconds, one byte each ``drip`` seconds."""
    body = Path(path).read_bytes()
    if drip <= 0:
        return Response(body, media_type="application/json")

    async def trickle() -> AsyncIterator[bytes]:
        for i in range(len(body)):
            yield body[i : i + 1]
            await asyncio.sleep(drip)

    return StreamingResponse(trickle(), media_type="application/json")

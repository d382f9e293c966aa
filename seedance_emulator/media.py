"""Pictures given to the emulator: both upload styles (ticket + PUT, legacy multipart), serving them back, and
loading a task's picture from a data URI, bare base64 or a link. It fetches only its own uploads and loopback
links: anything else fails the task with code 1402, as an unreachable link does on WaveSpeed.
"""

from __future__ import annotations

import base64
import binascii
import io
import os
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
from PIL import Image
from starlette.requests import Request
from starlette.responses import Response

from .answers import err, ok

LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
MAX_UPLOAD = 200 * 1024 * 1024


class MediaError(Exception):
    """A picture given to a job could not be fetched or opened (task code 1402)."""


def base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


class MediaStore:
    """Uploaded files on disk, by upload token."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)
        self.uploads: dict[str, tuple[str, str, int]] = {}  # token -> (filename, content type, declared size)

    # Endpoints ------------------------------------------------------------------------------------------

    async def ticket(self, request: Request, key: str) -> Response:
        """``POST /api/v3/media/uploads``: a PUT ticket and the link the picture will have."""
        try:
            q = await request.json()
            filename = os.path.basename(str(q["filename"])) or "upload.bin"
            size = int(q["size"])
        except (ValueError, KeyError, TypeError):
            return err(400, "filename and size are required", 1400)
        if size > MAX_UPLOAD:
            return err(400, "File too large", 1401)
        ctype = str(q.get("content_type") or "application/octet-stream")
        token = uuid.uuid4().hex
        self.uploads[token] = (filename, ctype, size)
        base = base_url(request)
        return ok({
            "type": "image" if ctype.startswith("image/") else "file",
            "download_url": f"{base}/emu/media/{token}/{filename}",
            "filename": filename,
            "size": size,
            "upload": {"method": "PUT", "url": f"{base}/emu/upload/{token}", "headers": {"Content-Type": ctype}},
        })  # fmt: skip

    async def put(self, request: Request, key: str) -> Response:
        """``PUT`` to a ticket's URL: the bytes must match the declared size."""
        token = request.path_params["token"]
        if token not in self.uploads:
            return Response("unknown upload", 404)
        data = await request.body()
        if len(data) != self.uploads[token][2]:
            return Response("size does not match the ticket", 400)
        (self.root / token).write_bytes(data)
        return Response(status_code=200)

    async def binary(self, request: Request, key: str) -> Response:
        """``POST /api/v3/media/upload/binary``: the legacy multipart upload (field ``file``)."""
        form = await request.form()
        up = form.get("file")
        if up is None or isinstance(up, str):
            return err(400, "file is required", 1400)
        data = await up.read()
        filename = os.path.basename(up.filename or "upload.bin")
        token = uuid.uuid4().hex
        self.uploads[token] = (filename, up.content_type or "application/octet-stream", len(data))
        (self.root / token).write_bytes(data)
        return ok({"type": "image", "download_url": f"{base_url(request)}/emu/media/{token}/{filename}",
                   "filename": filename, "size": len(data)})  # fmt: skip

    async def serve(self, request: Request) -> Response:
        path = self.root / request.path_params["token"]
        meta = self.uploads.get(request.path_params["token"])
        if meta is None or not path.exists():
            return Response("not found", 404)
        return Response(path.read_bytes(), media_type=meta[1])

    # A task's pictures ------------------------------------------------------------------------------------

    async def load_image(self, ref: Any) -> Image.Image:
        """The picture an input names, as RGB; MediaError when it cannot be had."""
        data = await self.load_bytes(ref)
        try:
            im = Image.open(io.BytesIO(data))
            im.load()
            return im.convert("RGB")
        except Exception as e:  # any undecodable picture is a media failure for the task
            raise MediaError("not a picture") from e

    async def load_bytes(self, ref: Any) -> bytes:
        """The file an input names (a link, a data URI or bare base64); MediaError when it cannot be had."""
        if not isinstance(ref, str):
            raise MediaError("not a URL, data URI or base64")
        data: bytes
        if ref.startswith("data:"):
            try:
                data = base64.b64decode(ref.split(",", 1)[1], validate=False)
            except (IndexError, binascii.Error) as e:
                raise MediaError("bad data URI") from e
        elif ref.startswith(("http://", "https://")):
            data = await self._fetch(ref)
        else:
            try:
                data = base64.b64decode(ref, validate=True)
            except binascii.Error as e:
                raise MediaError("not a URL, data URI or base64") from e
        return data

    async def _fetch(self, url: str) -> bytes:
        parsed = urlparse(url)
        parts = parsed.path.split("/")
        if parsed.path.startswith("/emu/media/") and len(parts) >= 4 and parts[3] in self.uploads:
            path = self.root / parts[3]
            if path.exists():
                return path.read_bytes()
        if (parsed.hostname or "") not in LOOPBACK:
            raise MediaError("the emulator fetches only its own and loopback links")
        try:
            async with httpx.AsyncClient(timeout=5) as c:
                r = await c.get(url)
                r.raise_for_status()
                return r.content
        except httpx.HTTPError as e:
            raise MediaError(str(e)) from e

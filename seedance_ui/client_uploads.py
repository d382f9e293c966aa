"""Uploading a take's pictures to WaveSpeed: its upload ticket (PUT to storage), or the older binary endpoint, once
per picture and key however many takes ask at the same moment. A part of ``WaveSpeedClient`` (``client.py``)."""

from __future__ import annotations

import asyncio
import hashlib
import time
from typing import TYPE_CHECKING, Any

import httpx

from . import keys
from .errors import ApiError, NetworkError, ProtocolError, ServiceError
from .words.said import said


class Uploads:
    """The upload calls of ``WaveSpeedClient``."""

    _files: httpx.AsyncClient
    _uploaded: dict[tuple[str, str], str | asyncio.Future[str]]
    requests: dict[str, int]

    if TYPE_CHECKING:  # the client's own retrying call and key, which this part uses

        async def _call(self, kind: str, method: str, path: str, **kw: Any) -> Any: ...

        def _key_for(self, api_key: str | None) -> str: ...

    async def upload(self, data: bytes, filename: str, mime: str, *, api_key: str | None = None) -> str:
        """Upload a picture and return its URL; the same bytes are uploaded once per key and client, also when
        several takes ask at the same moment (they wait for the one upload under way)."""
        ident = (hashlib.sha256(data).hexdigest(), keys.fingerprint(self._key_for(api_key), "upload"))
        done = self._uploaded.get(ident)
        if isinstance(done, str):
            return done
        if done is not None:
            return await asyncio.shield(done)
        self._uploaded[ident] = under_way = asyncio.get_running_loop().create_future()
        try:
            url = await self._upload_once(data, filename, mime, api_key)
        except asyncio.CancelledError:
            del self._uploaded[ident]
            under_way.cancel()
            raise
        except Exception as e:
            del self._uploaded[ident]  # the next take tries again
            under_way.set_exception(e)
            under_way.exception()  # the waiters get it; a lone upload's error is not an unhandled one
            raise
        self._uploaded[ident] = url
        under_way.set_result(url)
        return url

    async def _upload_once(self, data: bytes, filename: str, mime: str, api_key: str | None) -> str:
        try:
            ticket = await self._call("upload", "POST", "/api/v3/media/uploads", api_key=api_key,
                                      json={"filename": filename, "size": len(data), "content_type": mime})  # fmt: skip
            url = await self._put(ticket, data)
        except ApiError as e:
            if e.status not in (404, 405):
                raise
            url = await self._upload_legacy(data, filename, mime, api_key)
        return url

    async def _put(self, ticket: Any, data: bytes) -> str:
        up = ticket.get("upload") if isinstance(ticket, dict) else None
        if not isinstance(up, dict) or not up.get("url") or not ticket.get("download_url"):
            raise ProtocolError(said("upload.instructions_unreadable"))
        self.requests["put"] = self.requests.get("put", 0) + 1
        try:
            r = await self._files.request(str(up.get("method") or "PUT"), up["url"], content=data,
                                          headers=dict(up.get("headers") or {}))  # fmt: skip
        except httpx.TransportError as e:
            raise NetworkError(said("upload.failed_connection")) from e
        if r.status_code >= 300:
            raise ServiceError(said("upload.failed_status", status=str(r.status_code)), status=r.status_code)
        return str(ticket["download_url"])

    async def _upload_legacy(self, data: bytes, filename: str, mime: str, api_key: str | None) -> str:
        out = await self._call("binary", "POST", "/api/v3/media/upload/binary", api_key=api_key,
                               deadline_at=time.monotonic() + 120,  # the picture itself goes in this request
                               files={"file": (filename, data, mime)})  # fmt: skip
        if not isinstance(out, dict) or not out.get("download_url"):
            raise ProtocolError(said("upload.answer_unreadable"))
        return str(out["download_url"])

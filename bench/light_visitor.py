"""A visitor as light as a browser tab: Gradio's own HTTP queue protocol (sse_v3) spoken with one async httpx
client, so twenty of them cost this machine almost nothing and the benchmark measures the app, not its clients.

One take: upload the picture (POST /gradio_api/upload), join the queue for /generate (POST /gradio_api/queue/join),
read the session's event stream until the take completes (GET /gradio_api/queue/data), then fetch the video as a
browser's player would (GET /gradio_api/file=...).
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from pathlib import Path
from typing import Any

import httpx


class LightVisitor:
    def __init__(self, http: httpx.AsyncClient, url: str, fn_index: int) -> None:
        self.http, self.url, self.fn_index = http, url.rstrip("/"), fn_index
        self.session = secrets.token_hex(8)

    @staticmethod
    async def fn_index_of(http: httpx.AsyncClient, url: str, api_name: str = "generate") -> int:
        config = (await http.get(url.rstrip("/") + "/config")).json()
        return next(d["id"] for d in config["dependencies"] if d.get("api_name") == api_name)

    async def take(self, image: Path, prompt: str, **args: Any) -> float:
        """One take end to end, in seconds; raises when the app answers with an error."""
        t0 = time.perf_counter()
        up = await self.http.post(f"{self.url}/gradio_api/upload",
                                  files={"files": (image.name, image.read_bytes(), "image/jpeg")})  # fmt: skip
        up.raise_for_status()
        picture = {"path": up.json()[0], "orig_name": image.name, "meta": {"_type": "gradio.FileData"}}
        order = ("model_id", "duration", "resolution", "aspect_ratio", "generate_audio", "camera_fixed", "seed",
                 "last_image", "api_key")  # fmt: skip
        data = [picture, prompt, *[args.get(k) for k in order]]
        join = await self.http.post(f"{self.url}/gradio_api/queue/join",
                                    json={"data": data, "fn_index": self.fn_index, "session_hash": self.session,
                                          "event_data": None, "trigger_id": None})  # fmt: skip
        join.raise_for_status()
        output = await self._wait(join.json()["event_id"])
        video = output[0]["video"] if isinstance(output[0], dict) and "video" in output[0] else output[0]
        got = await self.http.get(f"{self.url}/gradio_api/file={video['path']}")
        got.raise_for_status()
        return time.perf_counter() - t0

    async def _wait(self, event_id: str) -> list:
        async with self.http.stream("GET", f"{self.url}/gradio_api/queue/data",
                                    params={"session_hash": self.session}) as r:  # fmt: skip
            async for line in r.aiter_lines():
                if not line.startswith("data:"):
                    continue
                msg = json.loads(line[5:])
                if msg.get("event_id") != event_id or msg.get("msg") != "process_completed":
                    continue
                if not msg.get("success"):
                    raise RuntimeError(f"the app refused the take: {msg.get('output')}")
                return msg["output"]["data"]
        raise RuntimeError("the event stream ended before the take completed")


async def crowd(url: str, image: Path, n: int, **args: Any) -> tuple[float, float]:
    """(one take alone, n takes at once), each visitor with its own session, all connections opened before."""
    limits = httpx.Limits(max_connections=4 * n + 8)
    async with httpx.AsyncClient(timeout=120, limits=limits) as http:
        fn = await LightVisitor.fn_index_of(http, url)
        visitors = [LightVisitor(http, url, fn) for _ in range(n)]
        await visitors[0].take(image, "slow push-in", **args)  # warm up
        alone = min([await visitors[0].take(image, "slow push-in", **args) for _ in range(2)])
        t0 = time.perf_counter()
        await asyncio.gather(*(v.take(image, "slow push-in", **args) for v in visitors))
        return alone, time.perf_counter() - t0

"""The app's tools for AI assistants (MCP clients such as Claude Desktop or Cursor): ``price``, ``generate`` and
``history``. Gradio serves every public endpoint as an MCP tool at ``/gradio_api/mcp/``; each tool's name is its
function's name and its description and argument help come from the docstring, so those docstrings are written for
the assistant that reads them: what the tool does and what it costs.

Whose key: a tool call reads the caller's WaveSpeed key from the ``X-WaveSpeed-Key`` request header, for that call
only (never stored, logged or echoed). Without one it runs as the page would for a new visitor: the desktop's own
key, or demo mode on a Space.
"""

from __future__ import annotations

import asyncio
import json
from functools import partial
from typing import Any, Optional

import gradio as gr

from ..errors import SeedanceError
from ..plan import Choices, Plan
from . import api
from .state import AppContext

KEY_HEADER = "x-wavespeed-key"
HISTORY_LIMIT = 50


def make_tools(ctx: AppContext) -> tuple[Any, Any, Any]:
    """The three tool functions, bound to the app's context (their names and docstrings are the tools')."""

    async def price(
        model_id: str = "",
        duration: int = 0,
        resolution: str = "",
        aspect_ratio: str = "",
        generate_audio: bool = True,
        takes: int = 1,
        x_wavespeed_key: Optional[gr.Header] = None,  # noqa: UP045 - Gradio matches this exact hint
    ) -> str:
        """The price in US dollars of a Seedance image-to-video render with these settings. Sends nothing and
        spends nothing. In demo mode (no key) nothing is ever charged, and the answer says so.

        Args:
            model_id: a WaveSpeed model id such as "bytedance/seedance-v1.5-pro/image-to-video"; empty for the default model.
            duration: length in seconds; 0 for the model's default (5 s for Seedance V1.5 Pro).
            resolution: "480p", "720p" or "1080p" (what the model offers); empty for its default (720p).
            aspect_ratio: "16:9", "9:16", "1:1", "4:3", "3:4" or "21:9"; empty to follow the picture.
            generate_audio: whether the video has sound (doubles the price on Seedance V1.5 Pro); on by default.
            takes: how many takes (1-4), each its own render with its own seed.
        Returns:
            JSON: the total and per-take price, whether it is a published price or an estimate, and whether it
            would be charged.
        """
        visitor = api.visitor_for_call(x_wavespeed_key)
        try:
            choices = Choices.of(model_id=model_id or None, prompt="(prompt)", duration=duration or None,
                                 resolution=resolution or None, aspect_ratio=aspect_ratio or None,
                                 generate_audio=generate_audio, takes=takes)  # fmt: skip
            plan = await asyncio.to_thread(partial(Plan.make, choices, models=ctx.models(visitor)))
            demo = ctx.is_demo(visitor)
        except SeedanceError as e:
            raise gr.Error(e.message) from None
        return json.dumps({**plan.price.to_dict(), "model": plan.spec.name, "charged": not demo, "demo": demo})

    async def generate(
        image: str,
        prompt: str,
        model_id: str | None = None,
        duration: float | None = None,
        resolution: str | None = None,
        aspect_ratio: str | None = None,
        generate_audio: bool | None = None,
        camera_fixed: bool | None = None,
        seed: float | None = None,
        last_image: str | None = None,
        api_key: str | None = None,
        confirm_spend: bool | None = None,
        x_wavespeed_key: Optional[gr.Header] = None,  # noqa: UP045 - Gradio matches this exact hint
        request: gr.Request = None,  # type: ignore[assignment]
    ) -> tuple[str, dict]:
        """Turn a picture into a short video with ByteDance Seedance on WaveSpeed and return the MP4 with its facts
        (seed, price, task id). With a WaveSpeed key this spends money (about $0.26 for the default 5 s 720p clip
        with sound); use the price tool first. It asks no questions: a price over the app's spend limit is refused
        unless confirm_spend is true. Without a key it makes a free demo preview. Takes about a minute.

        Args:
            image: the first frame: a JPEG or PNG picture (an https URL or a file), at least 300 px a side.
            prompt: what happens in the shot: action, camera, look ("slow dolly-in, she turns and smiles").
            model_id: a WaveSpeed model id; empty for the default (Seedance V1.5 Pro image-to-video).
            duration: length in seconds; empty for the model's default (5 s).
            resolution: "480p", "720p" or "1080p"; empty for the default (720p).
            aspect_ratio: "16:9", "9:16", "1:1", "4:3", "3:4" or "21:9"; empty to follow the picture.
            generate_audio: sound on or off; empty for the model's default (on for Seedance V1.5 Pro).
            camera_fixed: keep the camera still.
            seed: a whole number to repeat a result; empty or -1 for a random one.
            last_image: an optional last frame (JPEG or PNG) the video should end on.
            api_key: for scripts using gradio_client only; assistants send the key in the X-WaveSpeed-Key header.
            confirm_spend: true to allow a price over the app's spend limit (nothing else asks).
        Returns:
            The video file and a JSON object of its facts.
        """
        key = (x_wavespeed_key or "").strip() or api_key
        visitor = api.visitor_for_call(key, request)
        return await api.generate(ctx, image, prompt, model_id, duration, resolution, aspect_ratio, generate_audio,
                                  camera_fixed, seed, last_image, visitor=visitor,
                                  confirm_spend=bool(confirm_spend), request=request)  # fmt: skip

    async def history(
        text: str = "",
        x_wavespeed_key: Optional[gr.Header] = None,  # noqa: UP045 - Gradio matches this exact hint
    ) -> str:
        """The caller's takes, newest first (up to 50): prompt, model, seed, state, price and task id. Spends nothing.
        With a key, the takes made with that key; on a desktop without one, the desktop's takes. On a Space,
        a caller without a key has no history (send the X-WaveSpeed-Key header to see a key's takes).

        Args:
            text: only takes whose prompt contains this text; empty for all.
        Returns:
            JSON: a list of takes, each with its facts, its state and its money line.
        """
        visitor = api.visitor_for_call(x_wavespeed_key)
        try:
            session = ctx.session(visitor)
            takes = session.history(text, limit=HISTORY_LIMIT)
        except SeedanceError as e:
            raise gr.Error(e.message) from None
        return json.dumps([{**session.facts(t), "state": t.state, "money": session.money(t.money).sentence}
                           for t in takes])  # fmt: skip

    return price, generate, history

"""The public ``/generate`` endpoint for ``gradio_client`` and scripts: one take from a picture and a prompt.

Only ``image`` and ``prompt`` are required; every other argument defaults to None, which means the model's
default (sound on for V1.5 Pro, match the picture, 720p). ``api_key`` lets a script use its own WaveSpeed key on
a Space; it is used for this one call and never logged, stored or echoed. Errors are plain sentences with no
server path in them.
"""

from __future__ import annotations

import asyncio
import logging
from decimal import Decimal
from functools import partial
from typing import Any

import gradio as gr

from ..errors import SeedanceError
from ..plan import Choices, Plan
from ..takes.take_run import TakeResult
from ..words import pick_locale
from ..words.said import Usd, said, say
from . import api_share
from .state import AppContext, Visitor

log = logging.getLogger("seedance_ui.ui.api")


def visitor_for_call(key: str | None, request: Any = None) -> Visitor:
    """A visitor for one call, with the header's key if any, speaking the caller's Accept-Language. Gradio's MCP
    server keeps no session, so on a Space a caller without a key is a new demo visitor each call (their demo
    takes can't be told from another's)."""
    headers = getattr(request, "headers", None)
    return Visitor(key=(key or "").strip() or None,
                   locale=pick_locale(headers.get("accept-language") if headers else None))  # fmt: skip


async def generate(
    ctx: AppContext,
    image: str | None,
    prompt: str | None,
    model_id: str | None = None,
    duration: float | None = None,
    resolution: str | None = None,
    aspect_ratio: str | None = None,
    generate_audio: bool | None = None,
    camera_fixed: bool | None = None,
    seed: float | None = None,
    last_image: str | None = None,
    api_key: str | None = None,
    *,
    visitor: Visitor | None = None,
    confirm_spend: bool = False,
    request: Any = None,
) -> tuple[str, dict[str, Any]]:
    """One take: the MP4 and its facts (seed, price, task id, ...) as JSON. Nothing asks the caller, so a price
    over the app's spend limit is refused unless ``confirm_spend``."""
    visitor = visitor or visitor_for_call(api_key, request)
    if not image:
        raise gr.Error(say(said("api.send_image"), visitor.locale))
    if duration is not None and duration != int(duration):
        raise gr.Error(say(said("api.whole_seconds"), visitor.locale))
    try:
        choices = Choices.of(model_id=model_id or None, prompt=prompt or "",
                             duration=int(duration) if duration is not None else None,
                             resolution=resolution or None, aspect_ratio=aspect_ratio or None,
                             generate_audio=generate_audio, camera_fixed=bool(camera_fixed),
                             seed=int(seed) if seed is not None else -1)  # fmt: skip
        session = ctx.session(visitor)
        # the visitor's own catalog; worked out off the event loop (a formula may take up to its bound)
        plan = await asyncio.to_thread(partial(Plan.make, choices, models=ctx.models(visitor)))
        if not session.demo and not confirm_spend and plan.price.total > Decimal(str(ctx.spend_threshold)):
            over = said("api.over_limit", price=Usd(plan.price.total), limit=Usd(Decimal(str(ctx.spend_threshold))))
            raise gr.Error(session.say(over))
        results = await api_share.in_turn(ctx, session, api_share.caller_of(request),
                                          lambda: session.generate(plan, image, last_image or None))  # fmt: skip
    except SeedanceError as e:
        raise gr.Error(e.card(visitor.locale)["title"] or e.message) from None
    except gr.Error:
        raise
    except Exception as e:  # a bug of ours: plain words, no paths
        log.exception("/generate failed")
        raise gr.Error(say(said("api.unexpected", kind=type(e).__name__), visitor.locale)) from None
    result = results[0]
    if not isinstance(result, TakeResult):
        card = session.card(result)
        task = session.say(said("api.task_id", task_id=result.task_id)) if result.task_id else ""
        raise gr.Error(" ".join(x for x in (card["title"], card["money"], task) if x))
    return str(result.video_path), {**result.facts, "video_file": result.video_path.name}


class OptionalFlag(gr.Checkbox):
    """A yes/no argument that may be left out (None: the model's default). Gradio's Checkbox turns a missing
    value into False, which would switch sound off for a caller who never mentioned it."""

    is_template = True

    def __init__(self, label: str) -> None:
        super().__init__(value=None, label=label)
        self.value = None


def components() -> tuple[list[Any], list[Any]]:
    """Hidden inputs and outputs for the endpoint; every optional one has no value, so clients may leave it out.
    Files, not Images: no preprocessing in Gradio, our own check reads the bytes as uploaded."""
    inputs = [
        gr.File(type="filepath", label="image"),
        gr.Textbox(label="prompt"),
        gr.Textbox(value=None, label="model_id"),
        gr.Number(value=None, label="duration"),
        gr.Textbox(value=None, label="resolution"),
        gr.Textbox(value=None, label="aspect_ratio"),
        OptionalFlag("generate_audio"),
        OptionalFlag("camera_fixed"),
        gr.Number(value=None, label="seed"),
        gr.File(type="filepath", label="last_image"),
        gr.Textbox(value=None, label="api_key", type="password"),
        OptionalFlag("confirm_spend"),
    ]
    return inputs, [gr.Video(label="video"), gr.JSON(label="facts")]

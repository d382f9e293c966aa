"""The emulator's video upscaler: any listed ``video-to-video`` model with a ``video`` input (the snapshot has
``bytedance/video-upscaler``). Its inputs are checked against the entry's schema, it is charged by its formula
with the server's ``get_duration_v3`` (the uploaded video's length, measured here), and it renders a real MP4:
the same frames and sound at the target size.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import av
from PIL import Image

from seedance_ui import formula
from seedance_ui.catalog_schema import extra_field, request_schema
from seedance_ui.upscale import target_size

CENT = Decimal("0.01")


def is_upscaler(item: Any) -> bool:
    if not isinstance(item, dict) or item.get("type") != "video-to-video":
        return False
    return "video" in (request_schema(item).get("properties") or {})


def effective_inputs(item: Mapping[str, Any], body: Mapping[str, Any]) -> dict[str, Any]:
    """The schema's defaults, then the body's values for the inputs the model takes (others ignored)."""
    props = request_schema(dict(item)).get("properties") or {}
    values = {k: p["default"] for k, p in props.items() if isinstance(p, dict) and p.get("default") is not None}
    values.update({k: v for k, v in body.items() if k in props and v is not None})
    return values


def problems(item: Mapping[str, Any], inputs: Mapping[str, Any], *, whole: bool = True) -> tuple[int, str] | None:
    """(task code, message) for inputs the schema refuses: 1400 for a missing required one (when ``whole``: a
    price quote may leave inputs out), 1401 otherwise."""
    schema = request_schema(dict(item))
    missing = [f for f in schema.get("required") or [] if whole and inputs.get(f) in (None, "")]
    if missing:
        return 1400, " ".join(f"Missing parameter {f}." for f in missing)
    props = schema.get("properties") or {}
    found = [(k, extra_field(k, props[k]).problem(v)) for k, v in inputs.items() if isinstance(props.get(k), dict)]
    bad = [f"Invalid parameter {k}: {why}" for k, why in found if why]
    return (1401, " ".join(bad)) if bad else None


def seconds_of(data: bytes) -> float | None:
    """A video's length in seconds, or None when it can't be read as one."""
    try:
        with av.open(io.BytesIO(data)) as c:
            if c.duration:
                return float(c.duration / av.time_base)
            v = c.streams.video[0]
            return float(v.duration * v.time_base) if v.duration else None
    except (av.FFmpegError, IndexError, ValueError):
        return None


def charge(item: Mapping[str, Any], inputs: Mapping[str, Any], seconds: float | None,
           helpers: Mapping[str, Callable[..., Any]]) -> float:  # fmt: skip
    """The task's price: its formula with the video's length, or ``base_price`` when that can't be evaluated."""
    base = Decimal(str(item.get("base_price") or 0))
    own = dict(helpers)
    if seconds is not None:
        own.setdefault("get_duration_v3", lambda *_: seconds)
    try:
        price = formula.evaluate(str(item.get("formula") or ""), base, inputs, own)
    except formula.FormulaUnavailable:
        price = base
    return float(price.quantize(CENT, ROUND_HALF_UP))


def render(data: bytes, target: str) -> bytes:
    """The video at the target size: every frame scaled (the shape kept), its sound re-encoded alongside."""
    out = io.BytesIO()
    with av.open(io.BytesIO(data)) as src, av.open(out, "w", format="mp4") as dst:
        vin = src.streams.video[0]
        w, h = target_size(vin.width, vin.height, target)
        vout = dst.add_stream("libx264", rate=vin.average_rate or 24)
        vout.width, vout.height, vout.pix_fmt = w, h, "yuv420p"
        vout.options = {"preset": "ultrafast", "crf": "26"}
        ain = src.streams.audio[0] if src.streams.audio else None
        aout = dst.add_stream("aac", rate=ain.rate, layout=ain.layout.name) if ain is not None else None
        for i, frame in enumerate(src.decode(vin)):
            big = frame.to_image().resize((w, h), Image.Resampling.BILINEAR)
            nf = av.VideoFrame.from_image(big)
            nf.pts = i
            dst.mux(vout.encode(nf))
        dst.mux(vout.encode())
        if ain is not None and aout is not None:
            src.seek(0)
            for frame in src.decode(ain):
                frame.pts = None
                dst.mux(aout.encode(frame))
            dst.mux(aout.encode())
    return out.getvalue()

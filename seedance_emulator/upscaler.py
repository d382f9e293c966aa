"""The emulator's video upscaler: any listed ``video-to-video`` model with a ``video`` input (the snapshot has
``bytedance/video-upscaler``; ``models.is_upscaler``). Its inputs are checked against the entry's schema like any
model's, it is charged for the uploaded video's length (measured here: ``seconds_of``), and it renders a real
MP4: the same frames and sound at the target size.
"""

from __future__ import annotations

import io

import av
from PIL import Image

from .facts import upscaled_size


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


def render(data: bytes, target: str) -> bytes:
    """The video at the target size: every frame scaled (the shape kept), its sound re-encoded alongside."""
    out = io.BytesIO()
    with av.open(io.BytesIO(data)) as src, av.open(out, "w", format="mp4") as dst:
        vin = src.streams.video[0]
        w, h = upscaled_size(vin.width, vin.height, target)
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

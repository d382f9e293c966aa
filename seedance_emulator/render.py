"""Render a preview clip the way a Seedance job would shape it: real MP4 (H.264, optional AAC), exact size,
24 fps, ``duration * 24 + 1`` frames, starting on the first image and ending on the last one when given.

Motion is read from the prompt (push-in, pull-out, pan, tilt, orbit) and is none with ``camera_fixed``. The
same inputs and seed give the same bytes. A small "DEMO PREVIEW" tag marks every frame.
"""

from __future__ import annotations

import io
import math
import random
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np
from PIL import Image, ImageDraw, ImageFont, ImageOps

from .facts import FPS, camera_from_prompt

OVERSCAN = 1.25
"""The source is prepared this much larger than the frame so camera moves never run off the picture."""


@dataclass(frozen=True)
class ClipSpec:
    width: int
    height: int
    duration: int
    prompt: str = ""
    camera_fixed: bool = False
    audio: bool = False
    seed: int = 0

    @property
    def frames(self) -> int:
        return self.duration * FPS + 1


def _cover(im: Image.Image, w: int, h: int) -> Image.Image:
    """Centre-crop to the w:h shape and scale to w x h (how Seedance fits a picture to the output)."""
    return ImageOps.fit(im.convert("RGB"), (w, h), Image.Resampling.BILINEAR, centering=(0.5, 0.5))


def _ease(t: float) -> float:
    return t * t * (3 - 2 * t)


def _view(move: str, t: float, rng_dx: float, rng_dy: float) -> tuple[float, float, float]:
    """Zoom (1 = whole frame) and centre offset (fraction of the headroom) at time t in 0..1."""
    e = _ease(t)
    if move == "push_in":
        return 1 + 0.3 * e, 0.0, 0.0
    if move == "pull_out":
        return 1.3 - 0.3 * e, 0.0, 0.0
    if move == "pan_left":
        return 1.15, 0.9 * (0.5 - e), 0.0
    if move == "pan_right":
        return 1.15, 0.9 * (e - 0.5), 0.0
    if move == "tilt_up":
        return 1.15, 0.0, 0.9 * (0.5 - e)
    if move == "tilt_down":
        return 1.15, 0.0, 0.9 * (e - 0.5)
    if move == "orbit":
        return 1.1 + 0.05 * math.sin(math.pi * e), 0.8 * math.sin(2 * math.pi * e) / 2, 0.1 * math.cos(2 * math.pi * e)
    if move == "drift":
        return 1 + 0.06 * e, rng_dx * e, rng_dy * e
    return 1.0, 0.0, 0.0


def _tag(width: int) -> np.ndarray:
    """The "DEMO PREVIEW" tag as a luma patch (even-sized, so it lines up with the chroma planes)."""
    font = ImageFont.load_default(size=max(10, width // 60))
    left, top, right, bottom = font.getbbox("DEMO PREVIEW")
    pad = max(4, (bottom - top) // 2)
    tag = Image.new("L", ((right - left + 2 * pad) // 2 * 2 + 2, (bottom - top + 2 * pad) // 2 * 2 + 2), 30)
    ImageDraw.Draw(tag).text((pad - left, pad - top), "DEMO PREVIEW", fill=235, font=font)
    return np.asarray(tag)


def _yuv(rgb: np.ndarray, w: int, h: int) -> np.ndarray:
    """Scale an RGB array to w x h and convert to planar YUV 4:2:0 in one libswscale pass."""
    frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
    return frame.reformat(width=w, height=h, format="yuv420p", interpolation="BILINEAR").to_ndarray()


def render_clip(first: Image.Image, spec: ClipSpec, out: Path | io.BytesIO, last: Image.Image | None = None) -> str:
    """Write the clip to ``out`` and return the camera move used.

    Frames are cropped from an oversized copy of the first image (numpy slicing), scaled by libswscale, and
    cross-faded towards the last image on the YUV planes; Pillow's resamplers were 5x slower for this.
    """
    w, h = spec.width, spec.height
    move = camera_from_prompt(spec.prompt, spec.camera_fixed)
    rng = random.Random(spec.seed)
    dx, dy = rng.uniform(-0.5, 0.5), rng.uniform(-0.5, 0.5)
    ow, oh = int(w * OVERSCAN) // 2 * 2, int(h * OVERSCAN) // 2 * 2
    # At zoom 1, centred, the view is the whole oversized copy: the first frame shows the whole first image.
    src = np.asarray(_cover(first, ow, oh))
    end = _yuv(np.asarray(_cover(last, w, h)), w, h).astype(np.uint16) if last is not None else None
    tag = _tag(w)
    th, tw = tag.shape
    ty, tx = (h - th - 8) // 2 * 2, (w - tw - 8) // 2 * 2

    container = av.open(out, mode="w", format="mp4")
    try:
        vs = container.add_stream("libx264", rate=FPS)
        vs.width, vs.height, vs.pix_fmt = w, h, "yuv420p"
        vs.options = {"preset": "ultrafast", "crf": "26", "tune": "fastdecode"}
        vs.thread_count = 2
        as_ = container.add_stream("aac", rate=44100, layout="mono") if spec.audio else None
        n = spec.frames
        for i in range(n):
            t = i / (n - 1)
            zoom, cx, cy = _view(move, t, dx, dy)
            bw, bh = round(ow / zoom), round(oh / zoom)
            x0 = round((ow - bw) / 2 + cx * (ow - bw))
            y0 = round((oh - bh) / 2 + cy * (oh - bh))
            planes = _yuv(src[y0 : y0 + bh, x0 : x0 + bw], w, h)
            if end is not None and t > 0:
                a = round(_ease(t) * 256)
                planes = ((planes.astype(np.uint16) * (256 - a) + end * a) >> 8).astype(np.uint8)
            planes[ty : ty + th, tx : tx + tw] = tag
            chroma = planes[h:].reshape(h, w // 2)  # U then V, each h/2 rows of w/2
            chroma[ty // 2 : (ty + th) // 2, tx // 2 : (tx + tw) // 2] = 128
            chroma[h // 2 + ty // 2 : h // 2 + (ty + th) // 2, tx // 2 : (tx + tw) // 2] = 128
            frame = av.VideoFrame.from_ndarray(planes, format="yuv420p")
            frame.pts = i
            for packet in vs.encode(frame):
                container.mux(packet)
        for packet in vs.encode():
            container.mux(packet)
        if as_ is not None:
            _write_audio(container, as_, spec)
    finally:
        container.close()
    return move


def _write_audio(container: av.container.OutputContainer, stream: av.AudioStream, spec: ClipSpec) -> None:
    """A soft chord picked by the seed, as long as the video."""
    rate = 44100
    total = spec.duration * rate
    rng = random.Random(spec.seed ^ 0x5EED)
    base = rng.choice([196.0, 220.0, 246.9, 261.6])
    t = np.arange(total, dtype=np.float32) / rate
    wave = sum(np.sin(2 * np.pi * base * m * t) for m in (1.0, 1.25, 1.5)) / 3
    wave = (0.2 * wave * np.minimum(1.0, t * 4) * np.minimum(1.0, (spec.duration - t) * 4)).astype(np.float32)
    chunk = 1024
    for start in range(0, total, chunk):
        frame = av.AudioFrame.from_ndarray(wave[None, start : start + chunk], format="fltp", layout="mono")
        frame.sample_rate = rate
        frame.pts = start
        for packet in stream.encode(frame):
            container.mux(packet)
    for packet in stream.encode():
        container.mux(packet)

"""A storyboard's film joined with a short crossfade: each join blends the last frames (and sound) of one shot
into the first of the next. A plain cut is ``video.stitch``, which copies the shots' streams when it can; a
crossfade must re-encode. The film is as long as the shots together, minus one overlap per join."""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from .. import video
from ..catalog import FPS

MAX_CROSSFADE = 2.0
"""Seconds: longer would eat most of a short shot."""


def crossfade(videos: list[str | Path], out: str | Path, seconds: float) -> dict:
    """Join clips with ``seconds`` of crossfade at each join (video and sound), re-encoded as H.264 + AAC."""
    if len(videos) < 2:
        raise ValueError("A crossfade needs at least two shots.")
    if not 0 < seconds <= MAX_CROSSFADE:
        raise ValueError(f"A crossfade is between 0 and {MAX_CROSSFADE:g} seconds.")
    clips = [video._scan(v) for v in videos]
    overlap = max(1, min(round(seconds * FPS), min(c.frames for c in clips) // 2))
    out = Path(out)
    tmp = out.with_name(f".{out.name}.part.mp4")
    try:
        with av.open(str(tmp), "w", format="mp4", container_options=video.MP4_OPTIONS) as o:
            sound = any(c.audio for c in clips)
            audio = _audio_stream(o, clips) if sound else None  # every stream before the first packet
            frames = _video(o, clips, overlap)
            if audio is not None:
                _audio(o, audio, clips, overlap)
        os.replace(tmp, out)
    except av.FFmpegError as e:
        raise ValueError("These shots could not be joined; one of them may be damaged.") from e
    finally:
        tmp.unlink(missing_ok=True)
    return {"path": str(out), "clips": len(clips), "frames": frames, "audio": sound, "overlap_frames": overlap}


def _video(o: av.container.OutputContainer, clips: list, overlap: int) -> int:
    width, height = clips[0].width // 2 * 2, clips[0].height // 2 * 2
    vs = o.add_stream("libx264", rate=FPS)
    vs.width, vs.height, vs.pix_fmt = width, height, "yuv420p"
    vs.options = {"preset": "veryfast", "crf": "20"}
    written = 0

    def emit(rgb: np.ndarray) -> None:
        nonlocal written
        frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
        frame.pts, frame.time_base = written, Fraction(1, FPS)
        o.mux(vs.encode(frame))
        written += 1

    tail: list[np.ndarray] = []  # the previous shot's last frames, held back to be blended
    for k, clip in enumerate(clips):
        with av.open(str(clip.path)) as inp:
            frames = [f.reformat(width=width, height=height, format="rgb24").to_ndarray()
                      for f in inp.decode(inp.streams.video[0])]  # fmt: skip
        head = frames[:overlap] if k else []
        for i, (a, b) in enumerate(zip(tail, head, strict=False)):
            t = (i + 1) / (overlap + 1)
            emit((a.astype(np.float32) * (1 - t) + b.astype(np.float32) * t).round().astype(np.uint8))
        middle = frames[len(head) : len(frames) - (overlap if k < len(clips) - 1 else 0)]
        for f in middle:
            emit(f)
        tail = frames[len(frames) - overlap :] if k < len(clips) - 1 else []
    o.mux(vs.encode())
    return written


def _audio_stream(o: av.container.OutputContainer, clips: list) -> av.audio.stream.AudioStream:
    shapes = [c.audio for c in clips if c.audio]
    rate, layout = max(s[0] for s in shapes), max(shapes, key=lambda s: s[1])[2]
    return o.add_stream("aac", rate=rate, layout=layout)


def _audio(o: av.container.OutputContainer, stream: av.audio.stream.AudioStream, clips: list, overlap: int) -> None:
    rate, layout = stream.codec_context.sample_rate, stream.codec_context.layout.name
    channels = stream.codec_context.layout.nb_channels
    fade = round(overlap / FPS * rate)
    parts = []
    for clip in clips:
        length = round(clip.frames / FPS * rate)
        parts.append(video._clip_sound(clip, length, rate, layout, channels) if clip.audio
                     else np.zeros((channels, length), np.float32))  # fmt: skip
    total = parts[0]
    ramp = np.linspace(0, 1, fade, dtype=np.float32)
    for nxt in parts[1:]:
        mixed = total[:, total.shape[1] - fade :] * (1 - ramp) + nxt[:, :fade] * ramp
        total = np.concatenate([total[:, : total.shape[1] - fade], mixed, nxt[:, fade:]], axis=1)
    size = stream.codec_context.frame_size or 1024
    for at in range(0, total.shape[1], size):
        chunk = np.ascontiguousarray(total[:, at : at + size])
        frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout=layout)
        frame.sample_rate, frame.pts, frame.time_base = rate, at, Fraction(1, rate)
        o.mux(stream.encode(frame))
    o.mux(stream.encode())

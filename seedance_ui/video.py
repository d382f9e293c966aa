"""MP4 work for the library, with PyAV: frames, metadata, posters, stitching."""

from __future__ import annotations

import os
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from PIL import Image

from .catalog import FPS

MP4_OPTIONS = {"movflags": "+faststart"}
"""The moov atom goes first, so a browser can start playing before the whole file has arrived."""


def extract_frame(video: str | Path, at: str = "last") -> Image.Image:
    """The first, middle or last frame of a video as a picture."""
    with av.open(str(video)) as c:
        stream = c.streams.video[0]
        # The middle by the frame count the container states; a stream that doesn't say is decoded to its end.
        stop = 0 if at == "first" else (stream.frames // 2 if at == "middle" and stream.frames else None)
        picked = None
        for i, frame in enumerate(c.decode(stream)):
            picked = frame
            if stop is not None and i >= stop:
                break
        if picked is None:
            raise ValueError("This video has no frames.")
        return picked.to_image()


def save_poster(video: str | Path, out: str | Path, max_side: int = 480) -> Path:
    """A small JPEG of the middle frame, for the history gallery: several takes from one picture all start on
    that picture, so their first frames look alike; the middle shows what each take made of it."""
    im = extract_frame(video, "middle")
    im.thumbnail((max_side, max_side))
    im.save(out, "JPEG", quality=85)
    return Path(out)


def probe(video: str | Path) -> dict:
    """Size, frame rate, frame count, duration, sound and metadata of a video."""
    with av.open(str(video)) as c:
        v = c.streams.video[0]
        frames = v.frames or sum(1 for _ in c.decode(v))
        return {
            "width": v.width,
            "height": v.height,
            "fps": float(v.average_rate or 0),
            "frames": frames,
            "seconds": float(c.duration / av.time_base) if c.duration else 0.0,
            "audio": any(s.type == "audio" for s in c.streams),
            "metadata": dict(c.metadata),
        }


def write_metadata(video: str | Path, tags: dict[str, str]) -> None:
    """Put tags (title, comment, ...) into the MP4 without re-encoding, replacing the file in place (moov first)."""
    src = Path(video)
    tmp = src.with_name(f".{src.name}.meta.mp4")
    try:
        with av.open(str(src)) as inp, av.open(str(tmp), "w", format="mp4", container_options=MP4_OPTIONS) as out:
            out.metadata.update(tags)
            mapping = {s.index: out.add_stream_from_template(s) for s in inp.streams if s.type in ("video", "audio")}
            for packet in inp.demux(*[s for s in inp.streams if s.index in mapping]):
                if packet.dts is None:
                    continue
                packet.stream = mapping[packet.stream.index]
                out.mux(packet)
        os.replace(tmp, src)
    finally:
        tmp.unlink(missing_ok=True)


@dataclass
class _Clip:
    """What stitching needs to know about one input, read without decoding."""

    path: Path
    width: int
    height: int
    codec: str
    pix_fmt: str | None
    rate: Fraction | None
    extradata: bytes
    time_base: Fraction
    start: int  # first presentation time of the video, in time_base
    end: int  # end of the last video frame, in time_base
    first_dts: int
    last_dts: int
    frames: int
    audio: tuple[int, int, str] | None  # sample rate, channels, layout of the first audio track

    @property
    def seconds(self) -> Fraction:
        return (self.end - self.start) * self.time_base

    def copy_key(self) -> tuple:
        return (self.codec, self.width, self.height, self.pix_fmt, self.rate, self.extradata, self.time_base)


def _scan(path: str | Path) -> _Clip:
    """Read one input's streams and video packet timing; every way it can be unusable is a plain ValueError."""
    p = Path(path)
    if not p.is_file():
        raise ValueError(f"The clip '{p.name}' does not exist.")
    try:
        with av.open(str(p)) as c:
            fmt = c.format.name
            if not c.streams.video or fmt.startswith("image2") or fmt.endswith("_pipe"):
                raise ValueError(f"'{p.name}' is not a video.")
            v = c.streams.video[0]
            start = end = first_dts = last_dts = None
            frames = 0
            for pk in c.demux(v):
                if pk.dts is None:
                    continue
                pts = pk.pts if pk.pts is not None else pk.dts
                start = pts if start is None else min(start, pts)
                end = pts + (pk.duration or 0) if end is None else max(end, pts + (pk.duration or 0))
                first_dts = pk.dts if first_dts is None else first_dts
                last_dts, frames = pk.dts, frames + 1
            if not frames:
                raise ValueError(f"'{p.name}' has no video frames.")
            if end == start:  # no packet durations: fall back on the frame rate
                end = start + round(frames / (v.average_rate or FPS) / v.time_base)
            return _Clip(p, v.width, v.height, v.codec_context.name, v.codec_context.format and v.codec_context.format.name,
                         v.average_rate, bytes(v.codec_context.extradata or b""), v.time_base, start, end,
                         first_dts, last_dts, frames, _audio_shape(c))  # fmt: skip
    except av.FFmpegError:
        raise ValueError(f"'{p.name}' is not a video file, or it is damaged.") from None


def _audio_shape(c: av.container.InputContainer) -> tuple[int, int, str] | None:
    if not c.streams.audio:
        return None
    cc = c.streams.audio[0].codec_context
    return cc.sample_rate, cc.layout.nb_channels, cc.layout.name


def stitch(videos: list[str | Path], out: str | Path) -> dict:
    """Join clips in order into one MP4 (H.264 + AAC, moov first).

    Video is copied as it is when every clip has the same H.264 stream shape (size, pixel format, frame rate,
    codec setup); otherwise every clip is re-encoded to the first clip's size at 24 fps. When any clip has sound
    the output has sound: each clip's audio is decoded, placed where that clip's video starts, cut or padded
    with silence to that clip's video length, and encoded once as AAC. (Copying AAC packets cannot stay in
    sync: every clip brings its own encoder priming and end padding, which only the file's single edit list
    could hide, and its negative first timestamp lands behind the previous clip's last packet.)"""
    if len(videos) < 2:
        raise ValueError("Pick at least two takes to stitch.")
    out = Path(out)
    if not out.parent.is_dir():
        raise ValueError(f"The folder for '{out.name}' does not exist.")
    clips = [_scan(v) for v in videos]
    first = clips[0]
    copy = first.codec == "h264" and first.pix_fmt == "yuv420p" and bool(first.extradata)
    copy = copy and all(c.copy_key() == first.copy_key() for c in clips) and _copy_dts_rise(clips)
    tmp = out.with_name(f".{out.name}.part.mp4")
    try:
        with av.open(str(tmp), "w", format="mp4", container_options=MP4_OPTIONS) as o:
            sound = _AudioOut(o, clips) if any(c.audio for c in clips) else None
            frames = _copy_video(o, clips, sound) if copy else _encode_video(o, clips, sound)
            if sound is not None:
                sound.close()
        os.replace(tmp, out)
    except av.FFmpegError as e:
        raise ValueError("These clips could not be joined; one of them may be damaged.") from e
    finally:
        tmp.unlink(missing_ok=True)
    return {"copied": copy, "clips": len(clips), "path": str(out), "audio": sound is not None, "frames": frames}


def _copy_shifts(clips: list[_Clip]) -> list[int]:
    """How far to move each clip's timestamps so it starts where the one before it ends (same time base)."""
    shifts, at = [], 0
    for c in clips:
        shifts.append(at - c.start)
        at += c.end - c.start
    return shifts


def _copy_dts_rise(clips: list[_Clip]) -> bool:
    """Whether copied packets keep strictly rising decode times across every join (the mp4 muxer needs it)."""
    shifts = _copy_shifts(clips)
    return all(clips[i].first_dts + shifts[i] > clips[i - 1].last_dts + shifts[i - 1] for i in range(1, len(clips)))


def _copy_video(o: av.container.OutputContainer, clips: list[_Clip], sound: _AudioOut | None) -> int:
    with av.open(str(clips[0].path)) as inp:
        vs = o.add_stream_from_template(inp.streams.video[0])
    vs.time_base = clips[0].time_base
    at = Fraction(0)
    for clip, shift in zip(clips, _copy_shifts(clips), strict=True):
        with av.open(str(clip.path)) as inp:
            for pk in inp.demux(inp.streams.video[0]):
                if pk.dts is None:
                    continue
                pk.pts = (pk.pts if pk.pts is not None else pk.dts) + shift
                pk.dts += shift
                pk.stream = vs
                o.mux(pk)
        if sound is not None:
            sound.add_clip(clip, at, at + clip.seconds)
        at += clip.seconds
    return sum(c.frames for c in clips)


def _encode_video(o: av.container.OutputContainer, clips: list[_Clip], sound: _AudioOut | None) -> int:
    """Re-encode to the first clip's size (even, for 4:2:0) at 24 fps; each clip keeps its length in time,
    so a clip at another frame rate has frames repeated or dropped."""
    width, height = clips[0].width // 2 * 2, clips[0].height // 2 * 2
    vs = o.add_stream("libx264", rate=FPS)
    vs.width, vs.height, vs.pix_fmt = width, height, "yuv420p"
    vs.options = {"preset": "veryfast", "crf": "20"}
    done = 0

    def emit(frame: av.VideoFrame, upto: int) -> None:
        nonlocal done
        while done < upto:
            frame.pts, frame.time_base = done, Fraction(1, FPS)
            o.mux(vs.encode(frame))
            done += 1

    for clip in clips:
        base, count = done, max(1, round(clip.seconds * FPS))
        held = None
        with av.open(str(clip.path)) as inp:
            v = inp.streams.video[0]
            v.thread_type = "AUTO"
            for i, frame in enumerate(inp.decode(v)):
                at = (frame.pts - clip.start) * clip.time_base if frame.pts is not None else i / (clip.rate or FPS)
                if held is not None:
                    emit(held, base + min(count, round(at * FPS)))
                held = frame.reformat(width=width, height=height, format="yuv420p")
        if held is not None:
            emit(held, base + count)
        if sound is not None:
            sound.add_clip(clip, Fraction(base, FPS), Fraction(done, FPS))
    o.mux(vs.encode())
    return done


class _AudioOut:
    """One AAC track for the whole join, fed clip by clip with sample-exact lengths."""

    def __init__(self, o: av.container.OutputContainer, clips: list[_Clip]) -> None:
        shapes = [c.audio for c in clips if c.audio]
        self.rate = max(s[0] for s in shapes)  # the richest sound among the clips, so none is made worse
        self.layout = max(shapes, key=lambda s: s[1])[2]
        self.o = o
        self.stream = o.add_stream("aac", rate=self.rate, layout=self.layout)
        self.channels = self.stream.codec_context.layout.nb_channels
        self.stream.bit_rate = min(64_000 * self.channels, 320_000)
        self.pending = np.zeros((self.channels, 0), np.float32)
        self.written = 0

    def add_clip(self, clip: _Clip, start: Fraction, end: Fraction) -> None:
        """This clip's sound (or silence) for output seconds start..end."""
        length = round(end * self.rate) - round(start * self.rate)
        self._push(_clip_sound(clip, length, self.rate, self.layout, self.channels) if clip.audio else
                   np.zeros((self.channels, length), np.float32))  # fmt: skip

    def _push(self, samples: np.ndarray, last: bool = False) -> None:
        buf = np.concatenate([self.pending, samples], axis=1)
        size = self.stream.codec_context.frame_size or 1024
        cut = buf.shape[1] if last else buf.shape[1] // size * size
        for at in range(0, cut, size):
            chunk = np.ascontiguousarray(buf[:, at : min(at + size, cut)])
            frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout=self.layout)
            frame.sample_rate, frame.pts, frame.time_base = self.rate, self.written, Fraction(1, self.rate)
            self.written += chunk.shape[1]
            self.o.mux(self.stream.encode(frame))
        self.pending = buf[:, cut:]

    def close(self) -> None:
        self._push(np.zeros((self.channels, 0), np.float32), last=True)
        self.o.mux(self.stream.encode())


def _clip_sound(clip: _Clip, length: int, rate: int, layout: str, channels: int) -> np.ndarray:
    """The clip's first audio track as float samples, lined up with the start of its video and cut or padded
    with silence to ``length``. Decoded padding past the track's stated end (AAC end padding) is dropped."""
    out = np.zeros((channels, length), np.float32)
    video_start = clip.start * clip.time_base
    with av.open(str(clip.path)) as inp:
        a = inp.streams.audio[0]
        resampler = av.AudioResampler(format="fltp", layout=layout, rate=rate)
        pieces, pos, end = [], None, None
        for pk in inp.demux(a):
            if pk.pts is not None and pk.duration:
                stop = (pk.pts + pk.duration) * pk.time_base
                end = stop if end is None else max(end, stop)
            for frame in pk.decode():
                if pos is None and frame.pts is not None:
                    pos = round((frame.pts * frame.time_base - video_start) * rate)
                pieces += resampler.resample(frame)
        pieces += resampler.resample(None)
    if not pieces:
        return out
    data = np.concatenate([f.to_ndarray().reshape(channels, -1) for f in pieces], axis=1)
    pos = pos or 0
    if end is not None:
        data = data[:, : max(0, round((end - video_start) * rate) - pos)]
    if pos < 0:
        data, pos = data[:, -pos:], 0
    data = data[:, : max(0, length - pos)]
    out[:, pos : pos + data.shape[1]] = data
    return out

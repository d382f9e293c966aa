"""MP4 work for the library, with PyAV: frames, metadata, posters, stitching."""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path

import av
from PIL import Image


def extract_frame(video: str | Path, at: str = "last") -> Image.Image:
    """The first or last frame of a video as a picture."""
    with av.open(str(video)) as c:
        picked = None
        for frame in c.decode(c.streams.video[0]):
            picked = frame
            if at == "first":
                break
        if picked is None:
            raise ValueError("This video has no frames.")
        return picked.to_image()


def save_poster(video: str | Path, out: str | Path, max_side: int = 480) -> Path:
    """A small JPEG of the first frame, for the history gallery."""
    im = extract_frame(video, "first")
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
    """Put tags (title, comment, ...) into the MP4 without re-encoding, replacing the file in place."""
    src = Path(video)
    tmp = src.with_name(f".{src.name}.meta.mp4")
    try:
        with av.open(str(src)) as inp, av.open(str(tmp), "w", format="mp4") as out:
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


def stitch(videos: list[str | Path], out: str | Path) -> dict:
    """Join clips in order into one MP4. Streams that match (codec, size) are copied as they are; otherwise
    every clip is re-encoded to the first clip's size. Returns what was done."""
    if len(videos) < 2:
        raise ValueError("Pick at least two takes to stitch.")
    infos = [probe(v) for v in videos]
    same = all((i["width"], i["height"], i["audio"]) == (infos[0]["width"], infos[0]["height"], infos[0]["audio"])
               for i in infos)  # fmt: skip
    out = Path(out)
    tmp = out.with_name(f".{out.name}.part.mp4")
    try:
        if same:
            _stitch_copy(videos, tmp)
        else:
            _stitch_encode(videos, tmp, infos[0]["width"], infos[0]["height"])
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return {"copied": same, "clips": len(videos), "path": str(out)}


def _stitch_copy(videos: list[str | Path], out: Path) -> None:
    with av.open(str(out), "w", format="mp4") as o:
        streams: dict[str, av.stream.Stream] = {}
        offsets: dict[str, int] = {}
        for path in videos:
            with av.open(str(path)) as inp:
                ends: dict[str, int] = {}
                for s in inp.streams:
                    if s.type in ("video", "audio") and s.type not in streams:
                        streams[s.type] = o.add_stream_from_template(s)
                        offsets[s.type] = 0
                wanted = [s for s in inp.streams if s.type in streams]
                for packet in inp.demux(*wanted):
                    if packet.dts is None:
                        continue
                    kind = packet.stream.type
                    shift = offsets[kind]
                    packet.pts = (packet.pts or 0) + shift
                    packet.dts = packet.dts + shift
                    ends[kind] = max(ends.get(kind, 0), packet.pts + (packet.duration or 0))
                    packet.stream = streams[kind]
                    o.mux(packet)
                for kind, end in ends.items():
                    offsets[kind] = end


def _stitch_encode(videos: list[str | Path], out: Path, width: int, height: int) -> None:
    with av.open(str(out), "w", format="mp4") as o:
        vs = o.add_stream("libx264", rate=24)
        vs.width, vs.height, vs.pix_fmt = width, height, "yuv420p"
        vs.options = {"preset": "veryfast", "crf": "20"}
        pts = 0
        for path in videos:
            with av.open(str(path)) as inp:
                for frame in inp.decode(inp.streams.video[0]):
                    f = frame.reformat(width=width, height=height, format="yuv420p")
                    f.pts, f.time_base = pts, Fraction(1, 24)
                    pts += 1
                    for packet in vs.encode(f):
                        o.mux(packet)
        for packet in vs.encode():
            o.mux(packet)

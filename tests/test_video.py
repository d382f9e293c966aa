"""Stitching clips shaped like the app's (emulator renders: H.264 + AAC at 24 fps, remuxed by write_metadata)."""

from __future__ import annotations

import shutil
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from seedance_emulator.render import ClipSpec, render_clip
from seedance_ui import video

W, H = 320, 192


def _render(folder: Path, name: str, w: int = W, h: int = H, seconds: int = 1, audio: bool = True, seed: int = 0,
            meta: bool = True, prompt: str = "pan left") -> Path:  # fmt: skip
    """A clip the way the app stores it: rendered, then tagged in place by write_metadata."""
    path = folder / f"{name}.mp4"
    pic = Image.new("RGB", (w + 80, h + 60), (40 + seed * 30 % 200, 90, 160))
    render_clip(pic, ClipSpec(w, h, seconds, prompt=prompt, audio=audio, seed=seed), path)
    if meta:
        video.write_metadata(path, {"title": name, "comment": f"seed {seed}"})
    return path


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("clips")
    return {
        "sound1": _render(d, "sound1", seed=1),
        "sound2": _render(d, "sound2", seconds=2, seed=2),
        "silent1": _render(d, "silent1", audio=False, seed=3),
        "silent2": _render(d, "silent2", seconds=2, audio=False, seed=4),
        "big": _render(d, "big", w=480, h=320, seed=5),
        "raw": _render(d, "raw", seed=6, meta=False),  # straight from the renderer, never remuxed
    }


def _measure(path: Path) -> dict:
    """What a player sees: decoded frame count, stream ends from packet timestamps, decoded samples."""
    with av.open(str(path)) as c:
        v = c.streams.video[0]
        a = c.streams.audio[0] if c.streams.audio else None
        info = {
            "codec": v.codec_context.name,
            "pix_fmt": v.codec_context.format.name,
            "size": (v.width, v.height),
            "audio_codec": a.codec_context.name if a else None,
            "rate": a.codec_context.sample_rate if a else None,
        }
        ends: dict[str, Fraction] = {}
        for pk in c.demux():
            if pk.pts is not None and pk.duration:
                kind = pk.stream.type
                ends[kind] = max(ends.get(kind, Fraction(0)), (pk.pts + pk.duration) * pk.time_base)
        info["video_seconds"] = float(ends["video"])
        info["audio_seconds"] = float(ends["audio"]) if a else None
    with av.open(str(path)) as c:
        info["frames"] = sum(1 for _ in c.decode(video=0))
    if a is not None:
        with av.open(str(path)) as c:
            info["samples"] = np.concatenate(
                [f.to_ndarray().reshape(f.layout.nb_channels, -1)[0] for f in c.decode(audio=0)]
            )
    raw = path.read_bytes()
    info["moov_first"] = 0 <= raw.find(b"moov") < raw.find(b"mdat")
    return info


def _onset(samples: np.ndarray, rate: int, after: float, level: float = 1e-3) -> float:
    """When sound first rises above ``level`` after ``after`` seconds (the renderer fades every clip in)."""
    start = int(after * rate)
    loud = np.nonzero(np.abs(samples[start:]) > level)[0]
    assert len(loud), f"no sound after {after:.3f}s"
    return (start + loud[0]) / rate


def _frames(path: Path) -> int:
    with av.open(str(path)) as c:
        return sum(1 for _ in c.decode(video=0))


def _playable(m: dict, audio: bool) -> None:
    assert (m["codec"], m["pix_fmt"]) == ("h264", "yuv420p")
    assert m["audio_codec"] == ("aac" if audio else None)
    assert m["moov_first"]


def _in_sync(m: dict, frames: int) -> None:
    """Video lasts exactly its frames at 24 fps; the sound track lasts as long (AAC priming/padding hidden)."""
    assert m["frames"] == frames
    assert abs(m["video_seconds"] - frames / 24) < 1e-3
    assert abs(m["audio_seconds"] - m["video_seconds"]) < 0.01
    assert abs(len(m["samples"]) / m["rate"] - m["video_seconds"]) < 0.05  # decoded, with the last frame's padding


def test_two_clips_with_sound(clips, tmp_path):
    a, b = clips["sound1"], clips["sound2"]
    out = tmp_path / "ab.mp4"
    result = video.stitch([a, b], out)
    assert result == {"copied": True, "clips": 2, "path": str(out), "audio": True, "frames": 25 + 49}
    m = _measure(out)
    _playable(m, audio=True)
    _in_sync(m, _frames(a) + _frames(b))
    assert abs(video.probe(out)["seconds"] - 74 / 24) < 0.1
    # The second clip's sound starts where its picture starts, not an AAC frame (23 ms) or more later.
    join = 25 / 24
    assert join - 0.005 < _onset(m["samples"], m["rate"], join - 0.03) < join + 0.01
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ab.mp4"]


def test_silent_clips_stay_silent(clips, tmp_path):
    out = tmp_path / "quiet.mp4"
    result = video.stitch([clips["silent1"], clips["silent2"]], out)
    assert result["copied"] is True and result["audio"] is False and result["frames"] == 74
    m = _measure(out)
    _playable(m, audio=False)
    assert m["frames"] == 74 and abs(m["video_seconds"] - 74 / 24) < 1e-3


@pytest.mark.parametrize("order", [("sound1", "silent2"), ("silent1", "sound2")])
def test_sound_and_silence_mixed(clips, tmp_path, order):
    out = tmp_path / "mixed.mp4"
    result = video.stitch([clips[k] for k in order], out)
    assert result["audio"] is True and result["frames"] == 74
    m = _measure(out)
    _playable(m, audio=True)
    _in_sync(m, 74)
    rate, samples, join = m["rate"], m["samples"], 25 / 24
    first, second = samples[: int((join - 0.05) * rate)], samples[int((join + 0.05) * rate) : int(3.0 * rate)]
    quiet, loud = (second, first) if order[0] == "sound1" else (first, second)
    assert np.abs(quiet).max() < 1e-3  # silence was filled in for the clip without sound
    assert np.abs(loud).max() > 0.05
    if order[0] == "silent1":
        assert join - 0.005 < _onset(samples, rate, 0) < join + 0.01


def test_different_sizes_reencode_to_the_first_and_keep_sound(clips, tmp_path):
    out = tmp_path / "sizes.mp4"
    parts = [clips["sound1"], clips["big"], clips["silent1"], clips["sound2"]]
    result = video.stitch(parts, out)
    assert result["copied"] is False and result["audio"] is True and result["frames"] == 25 * 3 + 49
    m = _measure(out)
    _playable(m, audio=True)
    assert m["size"] == (W, H)
    _in_sync(m, 25 * 3 + 49)
    for start in (25 / 24, 75 / 24):  # the big clip's sound, then sound2's after the silent clip
        assert start - 0.005 < _onset(m["samples"], m["rate"], start - 0.03) < start + 0.01


def test_library_files_join_without_drift(clips, tmp_path):
    """Three remuxed clips plus one never remuxed: no AAC frame of drift piles up at any join."""
    out = tmp_path / "four.mp4"
    parts = [clips["sound1"], clips["sound2"], clips["raw"], clips["sound1"]]
    result = video.stitch(parts, out)
    assert result["copied"] is True and result["frames"] == 25 + 49 + 25 + 25
    m = _measure(out)
    _in_sync(m, 124)
    for join in (25 / 24, 74 / 24, 99 / 24):
        assert join - 0.005 < _onset(m["samples"], m["rate"], join - 0.03) < join + 0.01


def _x264_clip(path: Path, seconds: float, fps: int, rate: int | None, layout: str = "stereo") -> Path:
    """A clip not made by the app: x264 with B-frames (negative first dts), other sound formats."""
    with av.open(str(path), "w", format="mp4") as o:
        vs = o.add_stream("libx264", rate=fps)
        vs.width, vs.height, vs.pix_fmt, vs.options = W, H, "yuv420p", {"preset": "veryfast"}
        a = o.add_stream("aac", rate=rate, layout=layout) if rate else None
        for i in range(round(seconds * fps)):
            frame = av.VideoFrame.from_ndarray(np.full((H, W, 3), i * 5 % 255, np.uint8), format="rgb24")
            frame.pts = i
            o.mux(vs.encode(frame))
        o.mux(vs.encode())
        if a is not None:
            n = round((seconds - 0.1) * rate)  # sound stops 0.1 s before the picture, like the renderer's
            ramp = np.minimum(1, np.minimum(np.arange(n), n - np.arange(n)) / (0.05 * rate))  # fade in and out
            wave = 0.3 * np.sin(2 * np.pi * 440 * np.arange(n) / rate) * ramp
            data = np.tile(wave.astype(np.float32), (a.codec_context.layout.nb_channels, 1))
            for s in range(0, n, 1024):
                f = av.AudioFrame.from_ndarray(
                    np.ascontiguousarray(data[:, s : s + 1024]), format="fltp", layout=layout
                )
                f.sample_rate, f.pts = rate, s
                o.mux(a.encode(f))
            o.mux(a.encode())
    return path


def test_b_frame_clips_copy_and_other_rates_reencode(clips, tmp_path):
    x = _x264_clip(tmp_path / "x.mp4", 1.5, 24, 48000)
    y = _x264_clip(tmp_path / "y.mp4", 1.0, 24, 48000)
    with av.open(str(y)) as c:
        assert next(p.dts for p in c.demux(video=0)) < 0  # B-frames: decoding starts before time 0
    result = video.stitch([x, y, x], tmp_path / "xyx.mp4")
    assert result["copied"] is True and result["frames"] == 96
    m = _measure(tmp_path / "xyx.mp4")
    _in_sync(m, 96)
    assert m["rate"] == 48000 and 1.5 - 0.005 < _onset(m["samples"], 48000, 1.47) < 1.51
    z = _x264_clip(tmp_path / "z.mp4", 1.0, 30, 22050, "mono")  # 30 fps: keeps its 1 s as 24 frames
    result = video.stitch([clips["sound1"], z, x], tmp_path / "mix.mp4")
    assert result["copied"] is False and result["frames"] == 25 + 24 + 36
    m = _measure(tmp_path / "mix.mp4")
    _in_sync(m, 85)
    assert m["rate"] == 48000  # the best rate among 44100, 22050 and 48000
    assert 49 / 24 - 0.005 < _onset(m["samples"], 48000, 49 / 24 - 0.03) < 49 / 24 + 0.01


def test_default_like_clips_with_sound(tmp_path):
    """Two 5 s 720p takes with sound, as the app makes them by default."""
    a = _render(tmp_path, "take1", 1280, 720, seconds=5, seed=11, prompt="push in")
    b = _render(tmp_path, "take2", 1280, 720, seconds=5, seed=12, prompt="orbit")
    out = tmp_path / "stitched.mp4"
    result = video.stitch([a, b], out)
    assert result == {"copied": True, "clips": 2, "path": str(out), "audio": True, "frames": 242}
    m = _measure(out)
    _playable(m, audio=True)
    assert m["size"] == (1280, 720)
    _in_sync(m, 242)
    info = video.probe(out)
    assert info["audio"] and info["frames"] == 242 and abs(info["seconds"] - 242 / 24) < 0.1
    assert 121 / 24 - 0.005 < _onset(m["samples"], m["rate"], 121 / 24 - 0.03) < 121 / 24 + 0.01


def _no_leftovers(folder: Path, out: Path) -> None:
    assert not out.exists()
    assert not [p.name for p in folder.iterdir() if ".part" in p.name]


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("missing", "does not exist"),
        ("text", "is not a video"),
        ("picture", "is not a video"),
        ("truncated", "is not a video file, or it is damaged"),
        ("one", "at least two"),
    ],
)
def test_bad_input_is_refused_plainly(clips, tmp_path, bad, message):
    good = tmp_path / "good.mp4"
    shutil.copy(clips["sound1"], good)
    other = {
        "missing": tmp_path / "gone.mp4",
        "text": tmp_path / "notes.mp4",
        "picture": tmp_path / "still.jpg",
        "truncated": tmp_path / "cut.mp4",
    }.get(bad)
    if bad == "text":
        other.write_text("not a video at all\n")
    elif bad == "picture":
        Image.new("RGB", (64, 64), (9, 9, 9)).save(other)
    elif bad == "truncated":
        other.write_bytes(clips["raw"].read_bytes()[:4000])
    out = tmp_path / "joined.mp4"
    with pytest.raises(ValueError, match=message) as e:
        video.stitch([good] if other is None else [good, other], out)
    text = str(e.value)
    assert text.endswith(".") and "\n" not in text and "returned" not in text and "Errno" not in text
    assert type(e.value) is ValueError  # not one of PyAV's error classes
    _no_leftovers(tmp_path, out)


def test_failure_while_writing_leaves_no_partial_file(clips, tmp_path, monkeypatch):
    out = tmp_path / "joined.mp4"
    out.write_bytes(b"an older join")

    def broken(*_args, **_kw):
        raise RuntimeError("disk trouble")

    monkeypatch.setattr(video, "_clip_sound", broken)
    with pytest.raises(RuntimeError):
        video.stitch([clips["sound1"], clips["sound2"]], out)
    assert out.read_bytes() == b"an older join"  # the earlier file is untouched
    assert not [p.name for p in tmp_path.iterdir() if ".part" in p.name]
    with pytest.raises(ValueError, match="folder"):
        video.stitch([clips["sound1"], clips["sound2"]], tmp_path / "no" / "such.mp4")

"""Sized uploads: the bytes we send for a big camera photo vs what the official `wavespeed` SDK uploads for the
same file, and how much of the picture survives at the video's own size.

- Bytes: ``images.prepare(photo, max_side=2 * output long side)`` vs the bytes the emulator receives when
  ``wavespeed.Client(...).upload(path)`` sends the file (measured on the emulator's disk, not assumed).
- SSIM: what we send vs the original file, both resized to the output size (long side 1280 for 720p, 1920 for
  1080p) with the same LANCZOS filter; Gaussian-window SSIM (11 taps, sigma 1.5, K1 0.01, K2 0.03) on BT.601 luma.
"""

from __future__ import annotations

import io
import tempfile
import time
from pathlib import Path

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from PIL import Image

from seedance_ui import images

from .common import Row, table
from .images import photo_like

OUTPUT_LONG_SIDE = {"720p": 1280, "1080p": 1920}
GOAL_BYTES_RATIO = 0.3
GOAL_SSIM = 0.98


def ssim(a: Image.Image, b: Image.Image) -> float:
    """Mean SSIM of two same-size pictures on luma (Wang et al. 2004: 11x11 Gaussian window, sigma 1.5, valid
    region only, C1 = (0.01 L)^2, C2 = (0.03 L)^2, L = 255)."""
    if a.size != b.size:
        raise ValueError(f"sizes differ: {a.size} vs {b.size}")
    x, y = (np.asarray(im.convert("RGB"), dtype=np.float64) @ np.array([0.299, 0.587, 0.114]) for im in (a, b))
    taps = np.exp(-0.5 * ((np.arange(11) - 5) / 1.5) ** 2)
    taps /= taps.sum()

    def blur(m: np.ndarray) -> np.ndarray:  # separable: rows, then columns
        return sliding_window_view(sliding_window_view(m, 11, axis=0) @ taps, 11, axis=1) @ taps

    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    mx, my = blur(x), blur(y)
    vx, vy, cov = blur(x * x) - mx * mx, blur(y * y) - my * my, blur(x * y) - mx * my
    return float(np.mean((2 * mx * my + c1) * (2 * cov + c2) / ((mx * mx + my * my + c1) * (vx + vy + c2))))


def camera_jpeg(w: int = 6000, h: int = 4000, target: int = 9_000_000) -> bytes:
    """A photo-like JPEG (gradients, grain, sharp coloured edges and small text) at the quality that brings it
    closest to ``target`` bytes, as a 24 MP camera would write it."""
    pic = photo_like(w, h, detail=True)
    best = b""
    for q in range(88, 97):
        buf = io.BytesIO()
        pic.save(buf, "JPEG", quality=q)
        if not best or abs(buf.tell() - target) < abs(len(best) - target):
            best = buf.getvalue()
    return best


def sdk_upload_bytes(path: Path) -> int:
    """Bytes the emulator stores when the official SDK uploads ``path`` (its ticket + PUT upload)."""
    import wavespeed

    from seedance_emulator.server import Emulator, EmulatorServer

    with tempfile.TemporaryDirectory(prefix="bench-uploads-") as data_dir:
        server = EmulatorServer(Emulator(data_dir)).start()
        try:
            url = wavespeed.Client(api_key="bench-key", base_url=server.url).upload(str(path))
            stored = [f for f in (Path(data_dir) / "media").iterdir() if f.is_file()]
            if len(stored) != 1 or not url:
                raise RuntimeError(f"expected one stored upload, found {len(stored)}")
            return stored[0].stat().st_size
        finally:
            server.stop()


def output_size(data: bytes, long_side: int) -> tuple[int, int]:
    """The video's frame for this picture's shape: long side ``long_side``."""
    with Image.open(io.BytesIO(data)) as im:
        w, h = im.size
    return (long_side, round(h * long_side / w)) if w >= h else (round(w * long_side / h), long_side)


def resized(data: bytes, size: tuple[int, int]) -> Image.Image:
    with Image.open(io.BytesIO(data)) as im:
        return im.convert("RGB").resize(size, Image.Resampling.LANCZOS)


def run() -> list[Row]:
    import wavespeed

    sdk = f"wavespeed {wavespeed.__version__} upload()"
    jpeg = camera_jpeg()
    with tempfile.TemporaryDirectory(prefix="bench-photo-") as tmp:
        path = Path(tmp) / "IMG_0001.jpg"
        path.write_bytes(jpeg)
        theirs = sdk_upload_bytes(path)
        rows = []
        for res, long_side in OUTPUT_LONG_SIDE.items():
            t0 = time.perf_counter()
            sent = images.prepare(path, max_side=2 * long_side)
            took = time.perf_counter() - t0
            what = f"a {len(jpeg) / 1e6:.0f} MB 6000x4000 photo at {res}"
            rows.append(Row(f"bytes sent for {what} (ours {sent.width}x{sent.height})", len(sent.data) / 1e6,
                            theirs / 1e6, "MB sent", f"<= {GOAL_BYTES_RATIO}x the SDK" if res == "720p" else "reported",
                            len(sent.data) <= GOAL_BYTES_RATIO * theirs if res == "720p" else None, sdk))  # fmt: skip
            frame = output_size(jpeg, long_side)
            score = ssim(resized(sent.data, frame), resized(jpeg, frame))
            rows.append(Row(f"SSIM x100 at the output size ({res}: {frame[0]}x{frame[1]})", 100 * score, 100.0, "",
                            f">= {100 * GOAL_SSIM:.0f} (SSIM {GOAL_SSIM})", score >= GOAL_SSIM,
                            "the original, as the SDK sends it"))  # fmt: skip
            rows.append(Row(f"time to prepare {what}", took, None, "s", "reported", None))
    return rows


if __name__ == "__main__":
    print(table(run()))

"""Image check vs a plain Pillow open()+load() of the same bytes, for a ~9 MB 6000x4000 JPEG and a large PNG."""

from __future__ import annotations

import io
import time

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from seedance_ui import images

from .common import Row, table


def photo_like(w: int, h: int, seed: int = 1, detail: bool = False) -> Image.Image:
    """Smooth gradients with fine grain: compresses like a real photo, not like pure noise. With ``detail``, sharp
    edges too (shapes, thin lines, small text in colour), the part a careless downscale or chroma subsampling hurts."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    base = np.stack([128 + 90 * np.sin(x / 370 + c) * np.cos(y / 290 - c) for c in (0.0, 1.3, 2.6)], axis=-1)
    if detail:
        im = Image.fromarray(base.astype(np.uint8))
        draw, font = ImageDraw.Draw(im), ImageFont.load_default(size=max(12, w // 150))
        colour = lambda: tuple(int(v) for v in rng.integers(0, 256, 3))  # noqa: E731
        for _ in range(w * h // 60_000):
            x0, y0, s = int(rng.integers(0, w)), int(rng.integers(0, h)), int(rng.integers(w // 300, w // 15))
            kind = int(rng.integers(0, 4))
            if kind == 0:
                draw.rectangle((x0, y0, x0 + s, y0 + s // 2), fill=colour())
            elif kind == 1:
                draw.ellipse((x0, y0, x0 + s, y0 + s), outline=colour(), width=int(rng.integers(1, 8)))
            elif kind == 2:
                draw.line((x0, y0, x0 + s, y0 + int(rng.integers(-s, s))), fill=colour(), width=int(rng.integers(1, 6)))
            else:
                draw.text((x0, y0), "Seedance 0123456789 detail", fill=colour(), font=font)
        base = np.asarray(im, dtype=np.float32)
    grain = rng.normal(0, 9, (h, w, 3)).astype(np.float32)
    return Image.fromarray(np.clip(base + grain, 0, 255).astype(np.uint8))


def _best(fn, data: bytes, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn(data)
        times.append(time.perf_counter() - t0)
    return min(times)


def _plain(data: bytes) -> None:
    with Image.open(io.BytesIO(data)) as im:
        im.load()


def run(repeat: int = 5) -> list[Row]:
    pic = photo_like(6000, 4000)
    buf = io.BytesIO()
    pic.save(buf, "JPEG", quality=93)
    jpeg = buf.getvalue()
    buf = io.BytesIO()
    pic.resize((3000, 2000)).save(buf, "PNG", compress_level=6)
    png = buf.getvalue()
    rows = []
    for name, data, goal in ((f"check 6000x4000 JPEG ({len(jpeg) / 1e6:.1f} MB)", jpeg, 0.8),
                             (f"check 3000x2000 PNG ({len(png) / 1e6:.1f} MB)", png, None)):  # fmt: skip
        ours = _best(images.inspect, data, repeat)
        plain = _best(_plain, data, repeat)
        rows.append(Row(name, ours, plain, "s", f"<= {goal}x plain decode" if goal else "reported",
                        (ours / plain <= goal) if goal else None, "Pillow open+load"))  # fmt: skip
    return rows


if __name__ == "__main__":
    print(table(run()))

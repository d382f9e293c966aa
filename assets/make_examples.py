"""Draw the example pictures the app offers (made here, so they ship freely): python assets/make_examples.py"""

from __future__ import annotations

import math
import random
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

HERE = Path(__file__).resolve().parent / "examples"


def _gradient(w: int, h: int, top: tuple, bottom: tuple) -> Image.Image:
    im = Image.new("RGB", (w, h))
    d = ImageDraw.Draw(im)
    for y in range(h):
        t = y / (h - 1)
        d.line([(0, y), (w, y)], fill=tuple(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True)))
    return im


def sunset_lake(w: int = 1600, h: int = 900) -> Image.Image:
    im = _gradient(w, h, (255, 140, 90), (60, 40, 110))
    d = ImageDraw.Draw(im)
    d.ellipse([w * 0.58, h * 0.28, w * 0.72, h * 0.28 + w * 0.14], fill=(255, 220, 140))
    rng = random.Random(7)
    for layer, color in enumerate([(70, 50, 110), (45, 35, 80), (25, 22, 50)]):
        pts = [(0, h * 0.62)]
        for x in range(0, w + 80, 80):
            pts.append((x, h * (0.45 + 0.08 * layer) + rng.uniform(-60, 40)))
        pts += [(w, h * 0.62), (w, h), (0, h)]
        d.polygon(pts, fill=color)
    lake = _gradient(w, int(h * 0.38), (90, 70, 130), (30, 25, 60))
    im.paste(lake, (0, int(h * 0.62)))
    for i in range(40):  # the sun's reflection on the water
        y = int(h * 0.64 + i * 8)
        half = 60 - i
        if half > 0:
            d.line([(w * 0.65 - half, y), (w * 0.65 + half, y)], fill=(255, 200, 130), width=2)
    return im.filter(ImageFilter.SMOOTH)


def paper_boat(w: int = 1080, h: int = 1350) -> Image.Image:
    im = _gradient(w, h, (170, 215, 240), (40, 110, 160))
    d = ImageDraw.Draw(im)
    for i in range(14):
        y = h * 0.55 + i * 45
        d.arc([-200 + (i % 2) * 90, y, w + 200, y + 120], 200, 340, fill=(220, 240, 255), width=3)
    cx, cy = w / 2, h * 0.6
    d.polygon([(cx - 260, cy), (cx + 260, cy), (cx + 180, cy + 110), (cx - 180, cy + 110)], fill=(250, 245, 235))
    d.polygon([(cx - 20, cy - 300), (cx - 20, cy), (cx - 220, cy)], fill=(240, 90, 80))
    d.polygon([(cx + 10, cy - 240), (cx + 10, cy), (cx + 170, cy)], fill=(255, 190, 80))
    for k in range(5):
        a = k * 2 * math.pi / 5
        d.ellipse([w * 0.8 + 40 * math.cos(a) - 30, h * 0.15 + 40 * math.sin(a) - 30,
                   w * 0.8 + 40 * math.cos(a) + 30, h * 0.15 + 40 * math.sin(a) + 30], fill=(255, 255, 255))  # fmt: skip
    return im.filter(ImageFilter.SMOOTH)


if __name__ == "__main__":
    HERE.mkdir(exist_ok=True)
    sunset_lake().save(HERE / "sunset-lake.jpg", quality=90)
    paper_boat().save(HERE / "paper-boat.png")
    print("wrote", *sorted(p.name for p in HERE.iterdir()))

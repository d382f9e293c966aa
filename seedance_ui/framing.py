"""Framing: which part of a picture an output shape keeps (Seedance crops the centre to the output's shape), and a
preview with what falls outside dimmed."""

from __future__ import annotations

import math
from dataclasses import dataclass

from PIL import Image, ImageDraw

from .words.said import said, say


@dataclass(frozen=True)
class Framing:
    """The part of a picture that an output shape keeps (Seedance crops the centre to the output shape)."""

    out_width: int
    out_height: int
    box: tuple[int, int, int, int]
    """Kept area on the picture: left, top, right, bottom in picture pixels."""
    cut_each_side: float
    """Fraction of the picture cut off on each of the two cropped sides (0 when the shapes match)."""
    cut_axis: str
    """'vertical' (top and bottom cut), 'horizontal' (left and right cut) or 'none'."""

    def describe(self, locale: str = "en") -> str:
        size, pct = f"{self.out_width}x{self.out_height}", round(self.cut_each_side * 100)
        if pct < 1:
            return say(said("framing.whole", size=size), locale)
        if self.cut_axis == "vertical":
            return say(said("framing.cut_top_bottom", size=size, percent=pct), locale)
        return say(said("framing.cut_sides", size=size, percent=pct), locale)


def framing(img_w: int, img_h: int, out_w: int, out_h: int) -> Framing:
    ri, ro = img_w / img_h, out_w / out_h
    if math.isclose(ri, ro, rel_tol=1e-3):
        return Framing(out_w, out_h, (0, 0, img_w, img_h), 0.0, "none")
    if ri > ro:  # picture wider than the video: left and right are cut
        keep = img_h * ro
        left = (img_w - keep) / 2
        return Framing(out_w, out_h, (round(left), 0, round(left + keep), img_h), (1 - ro / ri) / 2, "horizontal")
    keep = img_w / ro
    top = (img_h - keep) / 2
    return Framing(out_w, out_h, (0, round(top), img_w, round(top + keep)), (1 - ri / ro) / 2, "vertical")


def draw_framing(pic: Image.Image, out_w: int, out_h: int) -> tuple[Image.Image, Framing]:
    """The picture with what falls outside the video dimmed and the frame outlined (the crop is the same at any
    scale, so it is worked out on the small copy)."""
    geo = framing(pic.width, pic.height, out_w, out_h)
    shade = Image.new("RGBA", pic.size, (0, 0, 0, 150))
    ImageDraw.Draw(shade).rectangle(geo.box, fill=(0, 0, 0, 0))
    out = Image.alpha_composite(pic.convert("RGBA"), shade)
    ImageDraw.Draw(out).rectangle(geo.box, outline=(255, 200, 0, 255), width=3)
    return out.convert("RGB"), geo

"""Inspect, validate and prepare the pictures sent to Seedance, judging by their bytes, never their names.

``inspect(source)`` reads a file (or bytes) and returns an ``ImageCheck``: the real format, the size after
EXIF rotation, and each problem with a stable code, a plain message and whether we can fix it.
``prepare(source, fix=...)`` returns the exact bytes to send (JPEG or PNG, 8-bit RGB, right way up, no
EXIF/GPS, ICC or comments), fixing what it may, or raises ``ImageRejected``.
``framing(...)`` says which part of the picture an output shape keeps, for the framing preview.
"""

from __future__ import annotations

import hashlib
import io
import math
import os
import struct
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path

from PIL import Image, ImageDraw, ImageFile, ImageOps, UnidentifiedImageError

from .catalog import nearest_aspect_ratio
from .errors import ImageRejected

ImageFile.LOAD_TRUNCATED_IMAGES = False  # a cut-off file is an error, never a half-grey picture

MAX_BYTES = 10_000_000
"""WaveSpeed's 10 MB limit for what is sent (decimal megabytes, the stricter reading)."""
MAX_READ_BYTES = 50_000_000
"""Files larger than this are refused before they are read at all."""
MIN_SIDE = 300
MAX_SIDE = 6000
MIN_RATIO, MAX_RATIO = 0.4, 2.5
MAX_PIXELS = 40_000_000
"""Largest picture decoded in full (6000x6000 fits); anything bigger is refused unopened."""
MAX_JPEG_PIXELS = 89_000_000
"""JPEGs may be larger: they are decoded at a reduced scale, so memory stays within MAX_PIXELS."""
SEND_FORMATS = ("JPEG", "PNG")

Source = str | os.PathLike | bytes

_FRIENDLY_FORMAT = {
    "JPEG": "JPEG photo", "PNG": "PNG image", "WEBP": "WEBP image", "GIF": "GIF image", "BMP": "BMP image",
    "TIFF": "TIFF image", "HEIF": "HEIC/HEIF photo", "AVIF": "AVIF image", "ICO": "icon file", "MPO": "JPEG photo",
}  # fmt: skip


@dataclass(frozen=True)
class Problem:
    code: str
    message: str
    fixable: bool = False


@dataclass
class ImageCheck:
    """The verdict on one picture."""

    format: str | None
    """What the bytes really are: JPEG, PNG, WEBP, ... or SVG, HTML, ZIP, PDF, or None when unknown."""
    width: int = 0
    """Width as seen, after EXIF rotation."""
    height: int = 0
    bytes: int = 0
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """Things we change without asking (metadata removed, colours converted), said plainly."""
    animated: bool = False
    orientation: int = 1

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def fixable(self) -> bool:
        return bool(self.problems) and all(p.fixable for p in self.problems)

    @property
    def suggested_aspect_ratio(self) -> str | None:
        return nearest_aspect_ratio(self.width, self.height) if self.width and self.height else None

    def summary(self) -> str:
        """One or two plain sentences for the person."""
        if self.ok:
            return f"Looks good: {_friendly(self.format)}, {self.width}x{self.height} px, {_mb(self.bytes)}."
        text = " ".join(p.message for p in self.problems)
        if self.fixable:
            text += " Press 'Fix it for me' and we'll do that."
        return text

    def to_dict(self) -> dict:
        return {
            "ok": self.ok,
            "format": self.format,
            "width": self.width,
            "height": self.height,
            "bytes": self.bytes,
            "problems": [asdict(p) for p in self.problems],
            "notes": list(self.notes),
            "fixable": self.fixable,
            "animated": self.animated,
            "suggested_aspect_ratio": self.suggested_aspect_ratio,
        }


@dataclass(frozen=True)
class PreparedImage:
    """The exact bytes to send."""

    data: bytes
    mime: str
    width: int
    height: int
    notes: tuple[str, ...] = ()
    changed: bool = False
    """True when the bytes differ from the file the person gave."""

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def extension(self) -> str:
        return ".png" if self.mime == "image/png" else ".jpg"


def _friendly(fmt: str | None) -> str:
    return _FRIENDLY_FORMAT.get(fmt or "", f"{fmt} file" if fmt else "file")


def _mb(n: int) -> str:
    return f"{n / 1_000_000:.1f} MB" if n >= 100_000 else f"{max(1, round(n / 1000))} KB"


def _sniff_non_image(head: bytes) -> tuple[str, str] | None:
    """Name common non-pictures by their first bytes: (format code, plain name)."""
    h = head.lstrip()[:512].lower()
    if h.startswith(b"<svg") or (h.startswith(b"<?xml") and b"<svg" in head[:4096].lower()):
        return "SVG", "an SVG drawing"
    if h.startswith((b"<!doctype html", b"<html", b"<head", b"<body")):
        return "HTML", "a web page (HTML)"
    if head.startswith(b"PK\x03\x04"):
        return "ZIP", "a ZIP archive"
    if head.startswith(b"%PDF"):
        return "PDF", "a PDF document"
    if head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"hevc", b"mif1", b"msf1"):
        return "HEIF", "a HEIC photo (the iPhone's format), which can't be opened here. Export it as JPEG"
    if head[4:8] == b"ftyp" and head[8:12] == b"avif":
        return "AVIF", "an AVIF picture, which can't be opened here. Export it as JPEG or PNG"
    if head[4:8] == b"ftyp":
        return "MP4", "a video"
    return None


def _read(source: Source) -> tuple[bytes | None, int]:
    """The file's bytes and size; bytes is None when the file is too big to read."""
    if isinstance(source, (bytes, bytearray)):
        return bytes(source), len(source)
    size = os.stat(source).st_size
    if size > MAX_READ_BYTES:
        return None, size
    return Path(source).read_bytes(), size


def _open(data: bytes) -> Image.Image:
    """Open by content, turning Pillow's decompression-bomb warning into an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        return Image.open(io.BytesIO(data))


def _orientation(im: Image.Image) -> int:
    try:
        o = int(im.getexif().get(0x0112, 1))
    except Exception:  # a broken EXIF block must not sink a good picture
        return 1
    return o if 1 <= o <= 8 else 1


def _has_metadata(im: Image.Image) -> bool:
    info = im.info
    if info.get("exif") or info.get("icc_profile") or info.get("comment") or info.get("xmp"):
        return True
    if im.format == "PNG" and (getattr(im, "text", None) or any(k in info for k in ("XML:com.adobe.xmp",))):
        return True
    return "photoshop" in info


# Pillow's decoders signal a broken file with any of these.
_BAD_IMAGE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError, KeyError,
                     struct.error, ZeroDivisionError, RuntimeError)  # fmt: skip


def inspect(source: Source) -> ImageCheck:
    """Check a picture against Seedance's rules without changing it."""
    data, size = _read(source)
    if size == 0:
        return ImageCheck(None, problems=[Problem("empty_file", "This file is empty. Choose the picture again.")])
    if data is None:
        return ImageCheck(None, bytes=size, problems=[Problem(
            "file_too_big",
            f"This file is {_mb(size)}; the most we can take is {_mb(MAX_READ_BYTES)} (Seedance itself takes "
            f"{_mb(MAX_BYTES)}). Export a smaller copy of the picture.",
        )])  # fmt: skip
    return _inspect_bytes(data)


def _inspect_bytes(data: bytes) -> ImageCheck:
    size = len(data)
    try:
        im = _open(data)
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        return ImageCheck(None, bytes=size, problems=[_too_many_pixels(None)])
    except UnidentifiedImageError:
        sniffed = _sniff_non_image(data[:8192])
        if sniffed:
            code = "unreadable_format" if sniffed[0] in ("HEIF", "AVIF") else "not_an_image"
            text = (f"This file is {sniffed[1]}." if code == "unreadable_format"
                    else f"This file is {sniffed[1]}, not a photo. Seedance needs a JPEG or PNG picture.")  # fmt: skip
            return ImageCheck(sniffed[0], bytes=size, problems=[Problem(code, text)])
        return ImageCheck(None, bytes=size, problems=[Problem(
            "not_an_image", "We can't read this file as a picture. Choose a JPEG or PNG photo.",
        )])  # fmt: skip
    except _BAD_IMAGE_ERRORS:
        return ImageCheck(None, bytes=size, problems=[_damaged()])

    with im:
        fmt = "JPEG" if im.format == "MPO" else im.format
        w, h = im.size
        check = ImageCheck(fmt, width=w, height=h, bytes=size)
        limit = MAX_JPEG_PIXELS if fmt == "JPEG" else MAX_PIXELS
        if w * h > limit:
            check.problems.append(_too_many_pixels((w, h)))
            return check
        check.animated = bool(getattr(im, "is_animated", False)) and getattr(im, "n_frames", 1) > 1
        check.orientation = _orientation(im)
        if check.orientation in (5, 6, 7, 8):
            check.width, check.height = h, w
        try:
            _decode_for_check(im, fmt)
            if fmt == "PNG":
                with _open(data) as again:
                    again.verify()  # CRCs of every chunk; load() alone does not check them all
        except (Image.DecompressionBombWarning, Image.DecompressionBombError):
            check.problems.append(_too_many_pixels((w, h)))
            return check
        except _BAD_IMAGE_ERRORS:
            check.problems.append(_damaged())
            return check
        _add_notes(check, im)
    _add_problems(check)
    return check


def _decode_for_check(im: Image.Image, fmt: str | None) -> None:
    """Decode the whole stream so damage shows; JPEGs at 1/8 scale, which still reads every byte."""
    if fmt == "JPEG":
        w, h = im.size
        im.draft("RGB", (max(1, w // 8), max(1, h // 8)))
    im.load()


def _too_many_pixels(size: tuple[int, int] | None) -> Problem:
    what = f" ({size[0]}x{size[1]}, {size[0] * size[1] / 1e6:.0f} megapixels)" if size else ""
    return Problem(
        "too_many_pixels",
        f"This picture is too large to open safely{what}. Export a copy at most {MAX_SIDE} px on each side.",
    )


def _damaged() -> Problem:
    return Problem("damaged", "This picture is damaged or incomplete and can't be opened. Export or download it again.")


def _add_notes(check: ImageCheck, im: Image.Image) -> None:
    if _has_metadata(im):
        check.notes.append(
            "Hidden details (location, camera data, colour profile, comments) are removed before sending."
        )
    if check.orientation != 1:
        check.notes.append("The photo is turned the right way up, as your phone or camera recorded it.")
    mode = im.mode
    if mode == "CMYK":
        check.notes.append("Printing colours (CMYK) are converted to screen colours (RGB).")
    elif mode.startswith("I") or mode == "F":
        check.notes.append("The 16-bit picture is converted to ordinary 8-bit colour.")
    elif "A" in mode or (mode == "P" and "transparency" in im.info) or "transparency" in im.info:
        check.notes.append("Transparent areas are filled with white.")


def _add_problems(check: ImageCheck) -> None:
    fmt, w, h = check.format, check.width, check.height
    if fmt not in SEND_FORMATS:
        check.problems.append(Problem(
            "unsupported_format",
            f"This is a {_friendly(fmt)}. Seedance takes JPEG or PNG; we can convert it for you.", fixable=True,
        ))  # fmt: skip
    if check.animated:
        check.problems.append(Problem(
            "animated", "This is an animated picture. Seedance needs a still; we can use its first frame.", fixable=True,
        ))  # fmt: skip
    if min(w, h) < MIN_SIDE:
        side = "wide" if w < MIN_SIDE else "tall"
        px = w if w < MIN_SIDE else h
        check.problems.append(Problem(
            "too_small",
            f"This photo is {px} px {side}; Seedance needs at least {MIN_SIDE} px on each side. Use a larger photo.",
        ))  # fmt: skip
    ratio = w / h
    if not MIN_RATIO < ratio < MAX_RATIO:
        shape = "wide" if ratio >= MAX_RATIO else "tall"
        check.problems.append(Problem(
            "bad_aspect_ratio",
            f"This photo is very {shape} ({w}x{h}). Seedance takes shapes from 2:5 (tall) to 5:2 (wide). "
            "Crop it closer to a normal photo shape.",
        ))  # fmt: skip
    if max(w, h) > MAX_SIDE:
        check.problems.append(Problem(
            "too_large_dimensions",
            f"This photo is {w}x{h} px; Seedance takes at most {MAX_SIDE} px on each side. We can shrink it for you.",
            fixable=True,
        ))  # fmt: skip
    if check.bytes > MAX_BYTES:
        check.problems.append(Problem(
            "too_large_bytes",
            f"This file is {_mb(check.bytes)}; Seedance takes at most {_mb(MAX_BYTES)}. We can save a smaller copy.",
            fixable=True,
        ))  # fmt: skip


def prepare(source: Source, *, fix: bool = False) -> PreparedImage:
    """The bytes to send, or ImageRejected. With fix=True, fixable problems are fixed and said so in notes."""
    data, size = _read(source)
    check = _inspect_bytes(data) if data is not None and size else inspect(source)
    if check.problems and not (fix and check.fixable):
        raise ImageRejected(check.summary(), problems=check.problems)
    assert data is not None
    codes = {p.code for p in check.problems}
    with _open(data) as im:
        fmt = check.format
        if (
            not codes
            and check.orientation == 1
            and im.mode == "RGB"
            and not _has_metadata(im)
            and "transparency" not in im.info
        ):
            return PreparedImage(data, "image/png" if fmt == "PNG" else "image/jpeg", check.width, check.height)
        if fmt == "JPEG" and "too_large_dimensions" in codes:
            im.draft("RGB", _fit(im.size, MAX_SIDE))  # decode no bigger than needed
        rgb = _to_rgb(im)
    notes = list(check.notes)
    if max(rgb.size) > MAX_SIDE:
        rgb.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
        notes.append(f"Shrunk to {rgb.width}x{rgb.height} px.")
    if "unsupported_format" in codes:
        notes.append(f"Converted from {_friendly(check.format)}.")
    if "animated" in codes:
        notes.append("Only the first frame of the animation is used.")
    out, mime = _encode(rgb, prefer_png=fmt == "PNG")
    if "too_large_bytes" in codes or (fmt == "PNG" and mime == "image/jpeg"):
        notes.append(f"Saved as a {_mb(len(out))} {'PNG' if mime == 'image/png' else 'JPEG'}.")
    w, h = Image.open(io.BytesIO(out)).size
    return PreparedImage(out, mime, w, h, tuple(notes), changed=True)


def _fit(size: tuple[int, int], side: int) -> tuple[int, int]:
    w, h = size
    scale = min(1.0, side / max(w, h))
    return max(1, int(w * scale)), max(1, int(h * scale))


def _to_rgb(im: Image.Image) -> Image.Image:
    """First frame, right way up, 8-bit sRGB with alpha flattened on white; no metadata carried."""
    im.seek(0)
    icc = im.info.get("icc_profile")
    im = ImageOps.exif_transpose(im) or im
    mode = im.mode
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        peak = 65535 if mode.startswith("I;16") or (im.getextrema()[1] or 0) > 255 else 255
        im = im.convert("I").point(lambda v: v * (255 / peak)).convert("L")
    elif mode == "F":
        lo, hi = im.getextrema()
        span = (hi - lo) or 1
        im = im.point(lambda v: (v - lo) * (255 / span)).convert("L")
    if im.mode == "P" or im.mode == "PA" or "transparency" in im.info:
        im = im.convert("RGBA")
    if im.mode in ("RGBA", "LA", "La", "RGBa"):
        im = im.convert("RGBA")
        base = Image.new("RGB", im.size, (255, 255, 255))
        base.paste(im, mask=im.getchannel("A"))
        im = base
    elif im.mode == "CMYK" and icc:
        im = _to_srgb(im, icc) or im.convert("RGB")
        icc = None
    if im.mode != "RGB":
        im = im.convert("RGB")
    if icc:
        im = _to_srgb(im, icc) or im
    im.info = {}
    return im


def _to_srgb(im: Image.Image, icc: bytes) -> Image.Image | None:
    try:
        from PIL import ImageCms

        src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        return ImageCms.profileToProfile(im, src, ImageCms.createProfile("sRGB"), outputMode="RGB")
    except Exception:  # an unreadable profile: keep the pixels as they are
        return None


def _encode(im: Image.Image, *, prefer_png: bool) -> tuple[bytes, str]:
    """JPEG (or PNG when the source was PNG and it fits), stepping quality then size down until under MAX_BYTES."""
    if prefer_png:
        buf = io.BytesIO()
        im.save(buf, "PNG", compress_level=6)
        if buf.tell() <= MAX_BYTES:
            return buf.getvalue(), "image/png"
    current = im
    while True:
        for q in (95, 90, 85, 80):
            buf = io.BytesIO()
            current.save(buf, "JPEG", quality=q, optimize=True)
            if buf.tell() <= MAX_BYTES:
                return buf.getvalue(), "image/jpeg"
        w, h = current.size
        if min(w, h) * 0.85 < MIN_SIDE:
            raise ImageRejected("We couldn't make this picture small enough to send. Use a simpler or smaller photo.")
        current = current.resize((int(w * 0.85), int(h * 0.85)), Image.Resampling.LANCZOS)


# Framing preview -------------------------------------------------------------------------------------------


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

    def describe(self) -> str:
        out = f"Output {self.out_width}x{self.out_height}"
        pct = round(self.cut_each_side * 100)
        if pct < 1:
            return f"{out}; your whole picture is used."
        sides = "top and bottom" if self.cut_axis == "vertical" else "left and right"
        return f"{out}; the {sides} {pct}% of your picture fall outside."


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


def small_copy(source: Source, max_side: int = 640) -> Image.Image:
    """The picture right way up, in sRGB, at most ``max_side`` px: what previews are drawn on."""
    data, _ = _read(source)
    if data is None:
        raise ImageRejected("This file is too big to preview.")
    with _open(data) as im:
        im.draft("RGB", (max_side, max_side))
        pic = _to_rgb(im)
    pic.thumbnail((max_side, max_side))
    return pic


def draw_framing(pic: Image.Image, out_w: int, out_h: int) -> tuple[Image.Image, Framing]:
    """The picture with what falls outside the video dimmed and the frame outlined.

    The crop is the same at any scale, so it is worked out on the small copy.
    """
    geo = framing(pic.width, pic.height, out_w, out_h)
    shade = Image.new("RGBA", pic.size, (0, 0, 0, 150))
    ImageDraw.Draw(shade).rectangle(geo.box, fill=(0, 0, 0, 0))
    out = Image.alpha_composite(pic.convert("RGBA"), shade)
    ImageDraw.Draw(out).rectangle(geo.box, outline=(255, 200, 0, 255), width=3)
    return out.convert("RGB"), geo


def framing_preview(source: Source, out_w: int, out_h: int, max_side: int = 640) -> tuple[Image.Image, Framing]:
    """A small copy of the picture with the output frame drawn on it."""
    return draw_framing(small_copy(source, max_side), out_w, out_h)

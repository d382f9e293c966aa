"""Inspect, validate and prepare the pictures sent to Seedance, judging by their bytes, never their names.

``inspect(source)`` reads a file (or bytes) and returns an ``ImageCheck``: the real format, the size after
EXIF rotation, and each problem with a stable code, a plain message and whether we can fix it.
``prepare(source, fix=..., max_side=...)`` returns the exact bytes to send (JPEG or PNG, 8-bit RGB, right way up,
no EXIF/GPS, ICC or comments, at most ``max_side`` px long: ``upload_size`` says which size), fixing what it may,
or raises ``ImageRejected``. Only regular files are read: a folder, device, pipe or missing path is refused at once.
``framing(...)`` says which part of the picture an output shape keeps, for the framing preview.
"""

from __future__ import annotations

import io
import os
import stat
import struct
import warnings
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import NoReturn

from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from .catalog import nearest_aspect_ratio
from .errors import ImageRejected
from .words.said import Joined, Said, said, say

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
    said: Said
    """What is wrong, as a message (``words.say`` renders it in the visitor's language)."""
    fixable: bool = False

    @property
    def message(self) -> str:
        """In English (the CLI's JSON, logs)."""
        return say(self.said)


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

    def summary_said(self) -> Said:
        """One or two plain sentences for the person, as a message."""
        if self.ok:
            return said("image.looks_good", kind=_friendly(self.format), width=str(self.width),
                        height=str(self.height), size=_mb(self.bytes))  # fmt: skip
        parts = [p.said for p in self.problems] + ([said("image.press_fix")] if self.fixable else [])
        return said("request.problems", problems=Joined(tuple(parts)))

    def summary(self) -> str:
        """The summary in English."""
        return say(self.summary_said())

    def to_dict(self) -> dict:
        data = asdict(self)
        data["problems"] = [{"code": p.code, "message": p.message, "fixable": p.fixable} for p in self.problems]
        return {"ok": self.ok, **data, "fixable": self.fixable, "suggested_aspect_ratio": self.suggested_aspect_ratio}


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
    def extension(self) -> str:
        return ".png" if self.mime == "image/png" else ".jpg"


def _friendly(fmt: str | None) -> str:
    return _FRIENDLY_FORMAT.get(fmt or "", f"{fmt} file" if fmt else "file")


def _mb(n: int) -> str:
    return f"{n / 1_000_000:.1f} MB" if n >= 100_000 else f"{max(1, round(n / 1000))} KB"


def _sniff_non_image(head: bytes) -> tuple[str, str] | None:
    """Name common non-pictures by their first bytes: (format code, plain name)."""
    h, brand = head.lstrip()[:512].lower(), head[8:12] if head[4:8] == b"ftyp" else None
    for hit, kind, name in (
        (h.startswith(b"<svg") or (h.startswith(b"<?xml") and b"<svg" in head[:4096].lower()), "SVG", "an SVG drawing"),
        (h.startswith((b"<!doctype html", b"<html", b"<head", b"<body")), "HTML", "a web page (HTML)"),
        (head.startswith(b"PK\x03\x04"), "ZIP", "a ZIP archive"),
        (head.startswith(b"%PDF"), "PDF", "a PDF document"),
        (brand in (b"heic", b"heix", b"hevc", b"mif1", b"msf1"), "HEIF",
         "a HEIC photo (the iPhone's format), which can't be opened here. Export it as JPEG"),
        (brand == b"avif", "AVIF", "an AVIF picture, which can't be opened here. Export it as JPEG or PNG"),
        (brand is not None, "MP4", "a video"),
    ):  # fmt: skip
        if hit:
            return kind, name
    return None


def check_file(path: str | os.PathLike) -> os.stat_result:
    """The stat of a regular file; anything else (folder, device, pipe, missing path) is refused from its stat,
    before it is opened, so nothing can block."""
    try:
        st = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        _refuse_file(path, said("image.why_missing"), "missing_file")
    except (OSError, ValueError) as e:
        _refuse_file(path, _cant_open(e), "unreadable_file")
    if not stat.S_ISREG(st.st_mode):
        why = said("image.why_folder") if stat.S_ISDIR(st.st_mode) else said("image.why_not_regular")
        _refuse_file(path, why, "not_a_file")
    return st


def _cant_open(e: BaseException) -> Said | str:
    strerror = getattr(e, "strerror", None)
    return strerror.lower() if strerror else said("image.why_cant_open")


def _refuse_file(path: str | os.PathLike, why: Said | str, code: str) -> NoReturn:
    message = said("image.cant_read", name=str(Path(path).name or path), why=why)
    raise ImageRejected(message, problems=[Problem(code, message)])


def _read(source: Source) -> tuple[bytes | None, int]:
    """The file's bytes and size; bytes is None when the file is too big to read."""
    if isinstance(source, (bytes, bytearray)):
        return bytes(source), len(source)
    if (size := check_file(source).st_size) > MAX_READ_BYTES:
        return None, size
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:  # non-blocking and checked again once open: a pipe swapped in after the stat can't hang us
        with open(os.open(source, flags), "rb") as f:
            if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
                _refuse_file(source, said("image.why_not_regular"), "not_a_file")
            data = f.read(MAX_READ_BYTES + 1)  # bounded even if the file grew since the stat
    except (FileNotFoundError, NotADirectoryError):
        _refuse_file(source, said("image.why_missing"), "missing_file")
    except (OSError, ValueError) as e:
        _refuse_file(source, _cant_open(e), "unreadable_file")
    return (data, len(data)) if len(data) <= MAX_READ_BYTES else (None, len(data))


def _open(data: bytes) -> Image.Image:
    """Open by content, turning Pillow's decompression-bomb warning into an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        return Image.open(io.BytesIO(data))


def _has_metadata(im: Image.Image) -> bool:
    keys = ("exif", "icc_profile", "comment", "xmp", "XML:com.adobe.xmp", "photoshop")
    return any(im.info.get(k) for k in keys) or (im.format == "PNG" and bool(getattr(im, "text", None)))


# Pillow's decoders signal a broken file with any of these.
_BAD_IMAGE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError, KeyError,
                     struct.error, ZeroDivisionError, RuntimeError)  # fmt: skip
_BOMB = (Image.DecompressionBombWarning, Image.DecompressionBombError)


def inspect(source: Source) -> ImageCheck:
    """Check a picture against Seedance's rules without changing it (ImageRejected when it isn't a file)."""
    return _check(*_read(source))


def _check(data: bytes | None, size: int) -> ImageCheck:
    if size == 0:
        return ImageCheck(None, problems=[Problem("empty_file", said("image.empty"))])
    if data is None:
        return ImageCheck(None, bytes=size, problems=[Problem("file_too_big", said(
            "image.file_too_big", size=_mb(size), most=_mb(MAX_READ_BYTES), seedance=_mb(MAX_BYTES)))])  # fmt: skip
    return _inspect_bytes(data)


def _inspect_bytes(data: bytes) -> ImageCheck:
    size = len(data)
    try:
        im = _open(data)
    except _BOMB:
        return ImageCheck(None, bytes=size, problems=[_too_many_pixels(None)])
    except UnidentifiedImageError:
        kind, name = _sniff_non_image(data[:8192]) or (None, "")
        if kind in ("HEIF", "AVIF"):
            return ImageCheck(
                kind, bytes=size, problems=[Problem("unreadable_format", said("image.file_is", name=name))]
            )
        text = said("image.not_a_photo", name=name) if kind else said("image.cant_read_picture")
        return ImageCheck(kind, bytes=size, problems=[Problem("not_an_image", text)])
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
        try:
            check.orientation = o if 1 <= (o := int(im.getexif().get(0x0112, 1))) <= 8 else 1
        except Exception:  # a broken EXIF block must not sink a good picture
            pass
        if check.orientation in (5, 6, 7, 8):
            check.width, check.height = h, w
        try:
            if fmt == "JPEG":  # decode the whole stream so damage shows; at 1/8 scale, which still reads every byte
                im.draft("RGB", (max(1, w // 8), max(1, h // 8)))
            im.load()
            if fmt == "PNG":
                with _open(data) as again:
                    again.verify()  # CRCs of every chunk; load() alone does not check them all
        except (*_BOMB, *_BAD_IMAGE_ERRORS) as e:
            check.problems.append(_too_many_pixels((w, h)) if isinstance(e, _BOMB) else _damaged())
            return check
        _add_notes(check, im)
    _add_problems(check)
    return check


def _too_many_pixels(size: tuple[int, int] | None) -> Problem:
    if size is None:
        return Problem("too_many_pixels", said("image.too_many_pixels_unknown", most=str(MAX_SIDE)))
    return Problem("too_many_pixels", said("image.too_many_pixels", size=f"{size[0]}x{size[1]}",
                                           megapixels=round(size[0] * size[1] / 1e6), most=str(MAX_SIDE)))  # fmt: skip


def _damaged() -> Problem:
    return Problem("damaged", said("image.damaged"))


def _add_notes(check: ImageCheck, im: Image.Image) -> None:
    if _has_metadata(im):
        check.notes.append("Hidden details (location, camera data, colour profile, comments) are removed before sending.")  # fmt: skip
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
    fmt, w, h, add = check.format, check.width, check.height, check.problems.append
    if fmt not in SEND_FORMATS:
        add(Problem("unsupported_format", said("image.unsupported_format", kind=_friendly(fmt)), fixable=True))
    if check.animated:
        add(Problem("animated", said("image.animated"), fixable=True))
    if min(w, h) < MIN_SIDE:
        small = said("image.too_narrow", px=str(w), least=str(MIN_SIDE)) if w < MIN_SIDE else \
            said("image.too_short", px=str(h), least=str(MIN_SIDE))  # fmt: skip
        add(Problem("too_small", small))
    if not MIN_RATIO < w / h < MAX_RATIO:
        size = f"{w}x{h}"
        add(
            Problem(
                "bad_aspect_ratio", said("image.too_wide", size=size) if w > h else said("image.too_tall", size=size)
            )
        )
    if max(w, h) > MAX_SIDE:
        add(Problem("too_large_dimensions", said("image.too_large_dimensions", size=f"{w}x{h}", most=str(MAX_SIDE)),
                    fixable=True))  # fmt: skip
    if check.bytes > MAX_BYTES:
        add(Problem("too_large_bytes", said("image.too_large_bytes", size=_mb(check.bytes), most=_mb(MAX_BYTES)),
                    fixable=True))  # fmt: skip


def upload_size(width: int, height: int, max_side: int) -> tuple[int, int]:
    """The size a picture (as seen, after EXIF rotation) is sent at: the long side at most ``max_side``, never
    enlarged, the short side never under MIN_SIDE, and rounded so the shape never gets more extreme than it was."""
    long, short = max(width, height), min(width, height)
    if long <= max_side or short <= MIN_SIDE:
        return width, height
    new_long, new_short = max_side, -(-short * max_side // long)
    if new_short < MIN_SIDE:
        new_long, new_short = long * MIN_SIDE // short, MIN_SIDE
    return (new_long, new_short) if width >= height else (new_short, new_long)


def prepare(source: Source, *, fix: bool = False, max_side: int | None = None) -> PreparedImage:
    """The bytes to send, or ImageRejected. With fix=True, fixable problems are fixed and said so in notes.

    With ``max_side`` (say twice the video's long side), a picture longer than that is sent at ``upload_size``:
    shrunk with LANCZOS, JPEG quality 93 without colour subsampling, said so in notes; the shrink also settles
    the "over 6000 px" and "over 10 MB" problems. Without it the picture goes as it is when it can.
    """
    data, size = _read(source)
    check = _check(data, size)
    size_to = upload_size(check.width, check.height, min(max_side or MAX_SIDE, MAX_SIDE))
    sized = max_side is not None and size_to != (check.width, check.height)
    if sized:
        check = replace(check, problems=[p for p in check.problems
                                         if p.code not in ("too_large_dimensions", "too_large_bytes")])  # fmt: skip
    if check.problems and not (fix and check.fixable):
        raise ImageRejected(check.summary_said(), problems=check.problems)
    assert data is not None
    codes = {p.code for p in check.problems}
    fmt = check.format
    with _open(data) as im:
        if not codes and not sized and check.orientation == 1 and im.mode == "RGB" and not _has_metadata(im) \
                and "transparency" not in im.info:  # fmt: skip
            return PreparedImage(data, "image/png" if fmt == "PNG" else "image/jpeg", check.width, check.height)
        if fmt == "JPEG" and size_to != (check.width, check.height):
            _draft(im, size_to[::-1] if check.orientation in (5, 6, 7, 8) else size_to)
        rgb = _to_rgb(im)
    if rgb.width > size_to[0]:
        rgb = rgb.resize(size_to, Image.Resampling.LANCZOS)
    out, mime, (w, h) = _encode(rgb, prefer_png=fmt == "PNG" and not sized)
    notes = list(check.notes)
    if sized:
        notes.append(f"Sent at {w}x{h} px, {_mb(len(out))} instead of {_mb(size)}"
                     f"{' (as a JPEG)' if fmt != 'JPEG' else ''}: plenty for the video, and quicker to upload.")  # fmt: skip
    elif (w, h) != (check.width, check.height):
        notes.append(f"Shrunk to {w}x{h} px.")
    if "unsupported_format" in codes:
        notes.append(f"Converted from {_friendly(check.format)}.")
    if "animated" in codes:
        notes.append("Only the first frame of the animation is used.")
    if not sized and ("too_large_bytes" in codes or (fmt == "PNG" and mime == "image/jpeg")):
        notes.append(f"Saved as a {_mb(len(out))} {'PNG' if mime == 'image/png' else 'JPEG'}.")
    return PreparedImage(out, mime, w, h, tuple(notes), changed=True)


def _draft(im: Image.Image, size: tuple[int, int]) -> None:
    """Let libjpeg decode at 1/2, 1/4 or 1/8 scale (``size`` as stored): as small as still leaves twice the
    target for a clean LANCZOS, and never more than MAX_PIXELS."""
    w, h = im.size
    fits = [s for s in (1, 2, 4, 8) if (w // s) * (h // s) <= MAX_PIXELS]
    s = max([s for s in fits if w // s >= 2 * size[0] and h // s >= 2 * size[1]] or fits[:1])
    if s > 1:
        im.draft("RGB", (w // s, h // s))


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


def _encode(im: Image.Image, *, prefer_png: bool) -> tuple[bytes, str, tuple[int, int]]:
    """PNG when asked and it fits, else JPEG (quality 93 with full colour, then lower), shrinking until under
    MAX_BYTES. Returns the bytes, their MIME type and the size they hold."""
    buf = io.BytesIO()
    if prefer_png:
        im.save(buf, "PNG", compress_level=6)
        if buf.tell() <= MAX_BYTES:
            return buf.getvalue(), "image/png", im.size
    while True:
        for q, sub in ((93, 0), (90, 0), (85, 2), (80, 2)):
            try:
                im.save(buf := io.BytesIO(), "JPEG", quality=q, subsampling=sub, optimize=True)
            except OSError:  # optimize's buffer (w*h bytes) is too small for a very noisy picture
                im.save(buf := io.BytesIO(), "JPEG", quality=q, subsampling=sub)
            if buf.tell() <= MAX_BYTES:
                return buf.getvalue(), "image/jpeg", im.size
        w, h = im.size
        if min(w, h) * 0.85 < MIN_SIDE:
            raise ImageRejected(said("image.cant_shrink"))
        im = im.resize((int(w * 0.85), int(h * 0.85)), Image.Resampling.LANCZOS)


# Previews ------------------------------------------------------------------------------------------------


def small_copy(source: Source, max_side: int = 640) -> Image.Image:
    """The picture right way up, in sRGB, at most ``max_side`` px: what previews are drawn on."""
    data, _ = _read(source)
    if data is None:
        raise ImageRejected(said("image.too_big_to_preview"))
    try:
        with _open(data) as im:
            im.draft("RGB", (max_side, max_side))
            pic = _to_rgb(im)
    except (*_BOMB, *_BAD_IMAGE_ERRORS):
        raise ImageRejected(_damaged().said) from None
    pic.thumbnail((max_side, max_side))
    return pic

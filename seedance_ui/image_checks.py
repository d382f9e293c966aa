"""Inspect and validate the pictures sent to Seedance, judging by their bytes, never their names.

``inspect(source)`` reads a file (or bytes) and returns an ``ImageCheck``: the real format, the size after
EXIF rotation, and each problem with a stable code, a plain message and whether we can fix it. Only regular files
are read: a folder, device, pipe or missing path is refused at once. The fixes are in ``images.py``.
"""

from __future__ import annotations

import io
import os
import stat
import struct
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import NoReturn

from PIL import Image, ImageFile, UnidentifiedImageError

from .catalog import nearest_aspect_ratio
from .errors import ImageRejected
from .words.said import N_, Joined, Said, said, say

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
    "JPEG": ("photo", "JPEG"), "PNG": ("image", "PNG"), "WEBP": ("image", "WEBP"), "GIF": ("image", "GIF"),
    "BMP": ("image", "BMP"), "TIFF": ("image", "TIFF"), "HEIF": ("photo", "HEIC/HEIF"), "AVIF": ("image", "AVIF"),
    "ICO": ("icon", ""), "MPO": ("photo", "JPEG"),
}  # fmt: skip
"""A picture format's kind and the name a person knows it by (a JPEG "photo", a PNG "image")."""
_KIND_WORDS = {"photo": N_("image.kind_photo"), "image": N_("image.kind_image"), "icon": N_("image.kind_icon"),
               "file": N_("image.kind_file")}  # fmt: skip


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
    notes: list[Said] = field(default_factory=list)
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
        data["notes"] = [str(n) for n in self.notes]  # the JSON keeps the English sentences, as before
        return {"ok": self.ok, **data, "fixable": self.fixable, "suggested_aspect_ratio": self.suggested_aspect_ratio}


@dataclass(frozen=True)
class PreparedImage:
    """The exact bytes to send."""

    data: bytes
    mime: str
    width: int
    height: int
    notes: tuple[Said, ...] = ()
    changed: bool = False
    """True when the bytes differ from the file the person gave."""

    @property
    def extension(self) -> str:
        return ".png" if self.mime == "image/png" else ".jpg"


def _friendly(fmt: str | None) -> Said:
    """The picture's kind in the visitor's words ("JPEG photo", "foto JPEG")."""
    if not fmt:
        return said("image.kind_unknown")
    kind, name = _FRIENDLY_FORMAT.get(fmt, ("file", fmt))
    return Said(_KIND_WORDS[kind], {"format": name})


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
        check.notes.append(said("image.note_metadata"))
    if check.orientation != 1:
        check.notes.append(said("image.note_rotated"))
    mode = im.mode
    if mode == "CMYK":
        check.notes.append(said("image.note_cmyk"))
    elif mode.startswith("I") or mode == "F":
        check.notes.append(said("image.note_16bit"))
    elif "A" in mode or (mode == "P" and "transparency" in im.info) or "transparency" in im.info:
        check.notes.append(said("image.note_transparent"))


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

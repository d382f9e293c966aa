"""Prepare the pictures sent to Seedance: the exact bytes to send, fixing what may be fixed.

``prepare(source, fix=..., max_side=...)`` returns the exact bytes to send (JPEG or PNG, 8-bit RGB, right way up,
no EXIF/GPS, ICC or comments, at most ``max_side`` px long: ``upload_size`` says which size), fixing what it may,
or raises ``ImageRejected``. What is wrong with a picture is judged in ``image_checks.py`` (``inspect``), whose
names are also reachable from here.
"""

from __future__ import annotations

import io
from dataclasses import replace

from PIL import Image, ImageFile, ImageOps

from .errors import ImageRejected
from .image_checks import (  # noqa: F401 (the checks' names, reachable as images.X)
    _BAD_IMAGE_ERRORS,
    _BOMB,
    MAX_BYTES,
    MAX_JPEG_PIXELS,
    MAX_PIXELS,
    MAX_RATIO,
    MAX_READ_BYTES,
    MAX_SIDE,
    MIN_RATIO,
    MIN_SIDE,
    SEND_FORMATS,
    ImageCheck,
    PreparedImage,
    Problem,
    Source,
    _check,
    _damaged,
    _friendly,
    _has_metadata,
    _mb,
    _open,
    _read,
    check_file,
    inspect,
)
from .words.said import said

ImageFile.LOAD_TRUNCATED_IMAGES = False  # a cut-off file is an error, never a half-grey picture


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
        sent = {"size": f"{w}x{h}", "sent": _mb(len(out)), "original": _mb(size)}
        notes.append(said("image.note_sent_at", **sent) if fmt == "JPEG" else said("image.note_sent_at_jpeg", **sent))
    elif (w, h) != (check.width, check.height):
        notes.append(said("image.note_shrunk", size=f"{w}x{h}"))
    if "unsupported_format" in codes:
        notes.append(said("image.note_converted", kind=_friendly(check.format)))
    if "animated" in codes:
        notes.append(said("image.note_first_frame"))
    if not sized and ("too_large_bytes" in codes or (fmt == "PNG" and mime == "image/jpeg")):
        notes.append(said("image.note_saved_as", size=_mb(len(out)), kind="PNG" if mime == "image/png" else "JPEG"))
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

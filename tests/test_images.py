"""Image checks: every image case (1-10, 34) of the reliability doc, and sized uploads, with the images made here."""

import io
import os
import threading
import time
import tracemalloc
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageChops, ImageCms, PngImagePlugin

from seedance_ui import framing, images
from seedance_ui.errors import ImageRejected


def encode(im: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt, **kw)
    return buf.getvalue()


def photo(w=640, h=480, fmt="JPEG", **kw) -> bytes:
    im = Image.new("RGB", (w, h), (30, 120, 200))
    im.paste((250, 20, 20), (0, 0, w // 2, h // 2))  # red top-left quadrant marks orientation
    return encode(im, fmt, **kw)


def codes(check):
    return {p.code for p in check.problems}


def decode(prepared):
    im = Image.open(io.BytesIO(prepared.data))
    im.load()
    return im


# Case 1: size in bytes -----------------------------------------------------------------------------------------


def test_just_over_10mb_is_refused_before_sending_and_fixable(tmp_path):
    data = photo(800, 600, "PNG")
    data += b"\0" * (images.MAX_BYTES + 1 - len(data))  # trailing bytes after IEND: still a valid PNG
    check = images.inspect(data)
    assert check.bytes == images.MAX_BYTES + 1
    assert codes(check) == {"too_large_bytes"} and check.fixable
    with pytest.raises(ImageRejected, match=r"at most 10\.0 MB"):
        images.prepare(data)
    fixed = images.prepare(data, fix=True)
    assert len(fixed.data) <= images.MAX_BYTES and fixed.changed


def test_exactly_10mb_passes():
    data = photo(800, 600, "PNG")
    data += b"\0" * (images.MAX_BYTES - len(data))
    assert images.inspect(data).ok


def test_a_200mb_file_is_refused_without_reading_it(tmp_path):
    path = tmp_path / "huge.jpg"
    with open(path, "wb") as f:
        f.write(photo())
        f.truncate(200_000_000)  # sparse: costs no disk
    tracemalloc.start()
    check = images.inspect(path)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert codes(check) == {"file_too_big"} and not check.fixable
    assert peak < 5_000_000


def test_noisy_photo_over_the_limit_is_reencoded_under_it():
    noise = Image.frombytes("RGB", (2600, 2000), os.urandom(2600 * 2000 * 3))
    data = encode(noise, "PNG")
    assert len(data) > images.MAX_BYTES
    fixed = images.prepare(data, fix=True)
    assert len(fixed.data) <= images.MAX_BYTES
    assert min(decode(fixed).size) >= images.MIN_SIDE
    assert any("Saved as" in n for n in map(str, fixed.notes))


# Case 2: minimum size, checked after rotation -------------------------------------------------------------------


@pytest.mark.parametrize(("w", "h", "ok"), [(299, 300, False), (300, 299, False), (300, 300, True)])
def test_minimum_side(w, h, ok):
    check = images.inspect(photo(w, h))
    assert check.ok is ok
    if not ok:
        assert codes(check) == {"too_small"}
        assert "299 px" in check.problems[0].message and "at least 300 px" in check.problems[0].message


def test_minimum_side_is_checked_after_exif_rotation():
    exif = Image.Exif()
    exif[0x0112] = 6  # stored 400x299, seen 299x400 wide... i.e. 299 px wide after rotation
    data = photo(400, 299, exif=exif.tobytes())
    check = images.inspect(data)
    assert (check.width, check.height) == (299, 400)
    assert codes(check) == {"too_small"} and "299 px wide" in check.problems[0].message


def test_aspect_ratio_and_max_side_rules():
    assert codes(images.inspect(photo(1000, 400))) == {"bad_aspect_ratio"}  # exactly 2.5 is out
    assert codes(images.inspect(photo(400, 1000))) == {"bad_aspect_ratio"}
    assert images.inspect(photo(999, 400)).ok
    check = images.inspect(photo(6400, 3600))
    assert codes(check) == {"too_large_dimensions"} and check.fixable
    fixed = images.prepare(photo(6400, 3600), fix=True)
    assert (fixed.width, fixed.height) == (6000, 3375) and decode(fixed).size == (6000, 3375)


# Case 3: decompression bombs -----------------------------------------------------------------------------------


@pytest.mark.parametrize("side", [10_000, 20_000])
def test_decompression_bombs_refused_without_full_decode(side):
    data = encode(Image.new("1", (side, side)), "PNG")  # a few KB claiming 100-400 megapixels
    tracemalloc.start()
    t0 = time.perf_counter()
    check = images.inspect(data)
    elapsed = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert codes(check) == {"too_many_pixels"}
    assert "too large to open safely" in check.problems[0].message
    assert peak < 20_000_000 and elapsed < 5
    with pytest.raises(ImageRejected):
        images.prepare(data, fix=True)


def test_pixel_cap_below_pillows_own_limit():
    data = encode(Image.new("L", (7000, 6000)), "PNG")  # 42 MP: under Pillow's 89.5 MP, over ours
    assert codes(images.inspect(data)) == {"too_many_pixels"}


# Case 4: formats named by content ------------------------------------------------------------------------------


@pytest.mark.parametrize(("fmt", "word"), [("GIF", "GIF"), ("TIFF", "TIFF"), ("WEBP", "WEBP"), ("BMP", "BMP")])
def test_other_picture_formats_are_named_and_convertible(tmp_path, fmt, word):
    path = tmp_path / "looks-like.png"  # the name lies
    path.write_bytes(encode(Image.new("RGB", (400, 400), (10, 200, 10)), fmt))
    check = images.inspect(path)
    assert check.format == fmt and codes(check) == {"unsupported_format"} and check.fixable
    assert word in check.problems[0].message
    with pytest.raises(ImageRejected):
        images.prepare(path)
    fixed = images.prepare(path, fix=True)
    assert fixed.mime in ("image/jpeg", "image/png") and decode(fixed).format in ("JPEG", "PNG")
    assert any("Converted from" in n for n in map(str, fixed.notes))


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("a.txt", "hello")
    return buf.getvalue()


@pytest.mark.parametrize(
    ("data", "fmt", "word"),
    [
        (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="400" height="400"></svg>', "SVG", "SVG"),
        (b"<!DOCTYPE html><html><body>hi</body></html>", "HTML", "web page"),
        (_zip(), "ZIP", "ZIP"),
        (b"%PDF-1.4\n%...", "PDF", "PDF"),
    ],
)
def test_non_pictures_renamed_as_pictures_are_named(tmp_path, data, fmt, word):
    path = tmp_path / "photo.jpg"
    path.write_bytes(data)
    check = images.inspect(path)
    assert check.format == fmt and codes(check) == {"not_an_image"} and not check.fixable
    assert word in check.summary()


def test_heic_is_named_even_when_it_cannot_be_opened():
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 200
    check = images.inspect(heic)
    assert check.format == "HEIF" and codes(check) == {"unreadable_format"} and "Export it as JPEG" in check.summary()


# Case 5: damaged files -----------------------------------------------------------------------------------------


def test_truncated_jpeg_and_png_are_damaged():
    for data in (photo(800, 600), photo(800, 600, "PNG")):
        check = images.inspect(data[: len(data) * 2 // 3])
        assert codes(check) == {"damaged"}, check.problems
        assert "damaged" in check.summary()


def test_png_with_bad_crc_is_damaged():
    data = bytearray(photo(400, 400, "PNG"))
    idat = data.index(b"IDAT")
    length = int.from_bytes(data[idat - 4 : idat], "big")
    data[idat + 4 + length] ^= 0xFF  # first byte of the IDAT CRC
    assert codes(images.inspect(bytes(data))) == {"damaged"}


def test_empty_and_random_bytes():
    assert codes(images.inspect(b"")) == {"empty_file"}
    assert codes(images.inspect(os.urandom(5000))) == {"not_an_image"}


# Case 6: colour modes ------------------------------------------------------------------------------------------


def test_cmyk_becomes_rgb():
    data = encode(Image.new("CMYK", (400, 400), (0, 255, 255, 0)), "JPEG")  # pure red in ink
    fixed = images.prepare(data)
    im = decode(fixed)
    assert im.mode == "RGB"
    r, g, b = im.getpixel((200, 200))
    assert r > 200 and g < 60 and b < 60


def test_16bit_grey_is_scaled_not_clipped():
    arr = np.zeros((300, 400), dtype=np.uint16)
    arr[:, :200] = 32768
    arr[:, 200:] = 65535
    im = Image.fromarray(arr)
    assert im.mode.startswith("I;16")
    fixed = images.prepare(encode(im, "PNG"))
    out = decode(fixed)
    assert out.mode == "RGB"
    assert abs(out.getpixel((10, 10))[0] - 128) <= 1  # clipping would give 255
    assert out.getpixel((390, 10)) == (255, 255, 255)


def test_palette_with_transparency_and_alpha_are_flattened_on_white():
    rgba = Image.new("RGBA", (400, 400), (255, 0, 0, 255))
    rgba.paste((0, 0, 0, 0), (0, 0, 200, 400))
    pal = rgba.convert("P")
    pal.info["transparency"] = pal.getpixel((10, 10))
    la = Image.new("LA", (400, 400), (0, 0))
    for src in (encode(rgba, "PNG"), encode(pal, "PNG", transparency=pal.getpixel((10, 10))), encode(la, "PNG")):
        out = decode(images.prepare(src))
        assert out.mode == "RGB"
        assert out.getpixel((10, 10)) == (255, 255, 255)


def test_one_bit_image_becomes_rgb():
    im = Image.new("1", (400, 400), 1)
    out = decode(images.prepare(encode(im, "PNG")))
    assert out.mode == "RGB" and out.getpixel((5, 5)) == (255, 255, 255)


# Case 7: EXIF orientation --------------------------------------------------------------------------------------

_INVERSE = {
    1: None,
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation_comes_out_right_way_up(orientation):
    upright = Image.open(io.BytesIO(photo(640, 400)))
    stored = upright.transpose(_INVERSE[orientation]) if _INVERSE[orientation] is not None else upright
    exif = Image.Exif()
    exif[0x0112] = orientation
    data = encode(stored, "JPEG", exif=exif.tobytes(), quality=95)
    check = images.inspect(data)
    assert (check.width, check.height) == (640, 400)
    out = decode(images.prepare(data))
    assert out.size == (640, 400)
    r, _, b = out.getpixel((40, 40))  # top-left is red when right way up
    assert r > 200 and b < 80
    r, _, b = out.getpixel((600, 360))
    assert b > 150 and r < 80


# Case 8: metadata never leaves the machine ---------------------------------------------------------------------


def test_exif_gps_icc_and_comment_are_stripped_from_jpeg():
    exif = Image.Exif()
    exif[0x010F] = "SecretCamCo"
    gps = exif.get_ifd(0x8825)
    gps[2] = (51.0, 30.0, 0.0)
    gps[1] = "N"
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = photo(640, 480, exif=exif.tobytes(), icc_profile=icc, comment=b"private note 42")
    assert b"SecretCamCo" in data and b"private note 42" in data
    fixed = images.prepare(data)
    assert b"SecretCamCo" not in fixed.data and b"private note 42" not in fixed.data
    assert b"Exif" not in fixed.data and b"ICC_PROFILE" not in fixed.data
    out = decode(fixed)
    assert not out.info.get("exif") and not out.info.get("icc_profile") and not out.info.get("comment")


def test_png_text_and_icc_are_stripped():
    meta = PngImagePlugin.PngInfo()
    meta.add_text("Author", "Jane Private")
    meta.add_itxt("GPS", "51.5N 0.1W")
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = encode(Image.new("RGB", (400, 400), (1, 2, 3)), "PNG", pnginfo=meta, icc_profile=icc)
    fixed = images.prepare(data)
    assert b"Jane Private" not in fixed.data and b"51.5N" not in fixed.data and b"iCCP" not in fixed.data
    assert images.inspect(data).notes  # the person is told


def test_clean_rgb_jpeg_is_sent_byte_for_byte():
    data = photo(640, 480)
    fixed = images.prepare(data)
    assert fixed.data == data and not fixed.changed and fixed.mime == "image/jpeg"


# Case 9: animation ---------------------------------------------------------------------------------------------


def test_animated_png_uses_first_frame_only_when_asked():
    frames = [Image.new("RGB", (400, 400), c) for c in ((255, 0, 0), (0, 255, 0), (0, 0, 255))]
    buf = io.BytesIO()
    frames[0].save(buf, "PNG", save_all=True, append_images=frames[1:], duration=100)
    check = images.inspect(buf.getvalue())
    assert check.animated and codes(check) == {"animated"} and check.fixable
    with pytest.raises(ImageRejected, match="animated"):
        images.prepare(buf.getvalue())
    fixed = images.prepare(buf.getvalue(), fix=True)
    out = decode(fixed)
    assert not getattr(out, "is_animated", False)
    assert out.getpixel((5, 5)) == (255, 0, 0)
    assert any("first frame" in n for n in map(str, fixed.notes))


# Framing ----------------------------------------------------------------------------------------------------


def test_framing_geometry_and_words():
    geo = framing.framing(1000, 1000, 1280, 720)  # square photo into 16:9: top and bottom cut
    assert geo.cut_axis == "vertical" and geo.box == (0, 219, 1000, 781)
    assert geo.describe() == "Output 1280x720; the top and bottom 22% of your picture fall outside."
    geo = framing.framing(1920, 1080, 720, 1280)
    assert geo.cut_axis == "horizontal" and round(geo.cut_each_side, 3) == 0.342
    assert framing.framing(1280, 720, 1280, 720).describe().endswith("your whole picture is used.")


def test_framing_preview_draws_the_frame():
    pic, geo = framing.draw_framing(images.small_copy(photo(1600, 1200), 640), 1280, 720)
    assert max(pic.size) == 640 and geo.cut_axis == "vertical"
    assert sum(pic.getpixel((320, 5))) < sum(pic.getpixel((320, 240)))  # outside is dimmed


# Case 10: fuzzing ----------------------------------------------------------------------------------------------

_SEEDS = [photo(320, 320), photo(320, 320, "PNG"), encode(Image.new("RGB", (320, 320)), "GIF")]


@settings(max_examples=300, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4096))
def test_fuzz_random_bytes_only_validation_errors(data):
    check = images.inspect(data)
    assert isinstance(check, images.ImageCheck)
    try:
        images.prepare(data, fix=True)
    except ImageRejected:
        pass


@settings(max_examples=300, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(_SEEDS), st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=8),
       st.integers(0, 10**6))  # fmt: skip
def test_fuzz_mutated_pictures_only_validation_errors(seed, flips, cut):
    data = bytearray(seed)
    for pos, val in flips:
        data[pos % len(data)] = val
    data = bytes(data[: max(1, cut % (len(data) + 1))])
    check = images.inspect(data)
    assert isinstance(check, images.ImageCheck)
    try:
        images.prepare(data, fix=True)
    except ImageRejected:
        pass


# Case 34: only regular files are read ---------------------------------------------------------------------------


def _refused_quickly(fn, path) -> ImageRejected:
    """Run fn(path) in a thread: a regression that blocks on a pipe fails here instead of hanging the suite."""
    box: dict = {}

    def go():
        try:
            fn(path)
        except BaseException as e:
            box["error"] = e

    t = threading.Thread(target=go, daemon=True)
    t0 = time.perf_counter()
    t.start()
    t.join(5)
    assert not t.is_alive(), f"{fn.__name__}({path}) blocked"
    assert time.perf_counter() - t0 < 2
    assert isinstance(box.get("error"), ImageRejected), box
    return box["error"]


def _not_files(tmp_path):
    fifo = tmp_path / "pipe.jpg"
    os.mkfifo(fifo)
    (tmp_path / "broken.jpg").symlink_to(tmp_path / "gone.jpg")
    (tmp_path / "album.jpg").mkdir()
    return [
        (fifo, "Can't read pipe.jpg: it is not a regular file (a device or a pipe)."),
        ("/dev/zero", "Can't read zero: it is not a regular file (a device or a pipe)."),
        ("/dev/urandom", "Can't read urandom: it is not a regular file (a device or a pipe)."),
        (tmp_path / "album.jpg", "Can't read album.jpg: it is a folder, not a picture."),
        (tmp_path / "missing.jpg", "Can't read missing.jpg: it does not exist."),
        (tmp_path / "broken.jpg", "Can't read broken.jpg: it does not exist."),
    ]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs and /dev")
@pytest.mark.timeout(60)
@pytest.mark.parametrize("fn", [images.inspect, images.prepare, images.small_copy])
def test_pipes_devices_folders_and_missing_paths_are_refused_at_once(tmp_path, fn):
    for path, message in _not_files(tmp_path):
        for p in (path, str(path)):
            err = _refused_quickly(fn, p)
            assert err.message == message
            assert err.problems and err.problems[0].message == message


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
@pytest.mark.timeout(30)
def test_a_pipe_swapped_in_after_the_stat_does_not_block(tmp_path, monkeypatch):
    fifo = tmp_path / "race.jpg"
    os.mkfifo(fifo)
    regular = os.stat(__file__)  # the stat sees a regular file; by the open, it is a pipe with no writer
    monkeypatch.setattr(os, "stat", lambda p: regular)
    err = _refused_quickly(images.inspect, fifo)
    assert "not a regular file" in err.message


def test_unreadable_file_is_refused_plainly(tmp_path, monkeypatch):
    path = tmp_path / "locked.jpg"
    path.write_bytes(photo())

    def denied(*a, **k):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "open", denied)  # as chmod 0 would, even when the tests run as root
    with pytest.raises(ImageRejected, match=r"^Can't read locked\.jpg: permission denied\.$"):
        images.inspect(path)


# Sized uploads: no larger than the model can use ----------------------------------------------------------------


def textured(w, h) -> Image.Image:
    """Flat colour with grain (so it compresses like a photo), and a red top-left quadrant marking which way is up."""
    im = Image.new("RGB", (w, h), (30, 120, 200))
    im.paste((250, 20, 20), (0, 0, w // 2, h // 2))
    return ImageChops.add(im, Image.effect_noise((w, h), 12).convert("RGB"), offset=-128)


def test_upload_size_rules():
    assert images.upload_size(6000, 4000, 2560) == (2560, 1707)
    assert images.upload_size(4000, 6000, 2560) == (1707, 2560)
    assert images.upload_size(3000, 3000, 2560) == (2560, 2560)
    assert images.upload_size(640, 480, 2560) == (640, 480)  # never enlarged
    assert images.upload_size(2560, 1440, 2560) == (2560, 1440)
    assert images.upload_size(2400, 1000, 600) == (720, 300)  # the short side stays at 300, the long gives way
    assert images.upload_size(1000, 2400, 600) == (300, 720)
    assert images.upload_size(299, 600, 400) == (299, 600)  # too small already: left for the check to refuse


@given(st.integers(300, 12_000), st.integers(300, 12_000), st.integers(1, 8000))
def test_upload_size_never_enlarges_nor_breaks_the_rules(w, h, side):
    if not images.MIN_RATIO < w / h < images.MAX_RATIO:
        return
    nw, nh = images.upload_size(w, h, side)
    assert nw <= w and nh <= h and min(nw, nh) >= images.MIN_SIDE
    assert images.MIN_RATIO < nw / nh < images.MAX_RATIO
    assert max(nw, nh) <= side or min(nw, nh) == images.MIN_SIDE or (nw, nh) == (w, h)
    assert abs(nw / nh - w / h) <= 0.01 * w / h


def test_max_side_shrinks_a_big_photo_and_says_so():
    exif = Image.Exif()
    exif[0x010F] = "SecretCamCo"
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = encode(textured(6000, 4000), "JPEG", quality=92, exif=exif.tobytes(), icc_profile=icc)
    sent = images.prepare(data, max_side=2560)
    out = decode(sent)
    assert (sent.width, sent.height) == out.size == (2560, 1707)
    assert sent.mime == "image/jpeg" and sent.extension == ".jpg" and sent.changed
    assert len(sent.data) < len(data) / 3
    note = f"Sent at 2560x1707 px, {len(sent.data) / 1e6:.1f} MB instead of {len(data) / 1e6:.1f} MB"
    assert any(n.startswith(note) for n in map(str, sent.notes)), sent.notes
    assert b"SecretCamCo" not in sent.data and b"Exif" not in sent.data and b"ICC_PROFILE" not in sent.data
    assert not out.info.get("exif") and not out.info.get("icc_profile")
    r, _, b = out.getpixel((100, 100))
    assert r > 200 and b < 80


def test_max_side_never_enlarges_and_sends_a_small_clean_photo_as_it_is():
    data = photo(640, 480)
    sent = images.prepare(data, max_side=2560)
    assert sent.data == data and not sent.changed and not sent.notes
    exact = photo(2560, 1440)
    assert images.prepare(exact, max_side=2560).data == exact


@pytest.mark.parametrize("orientation", [6, 8])
def test_max_side_keeps_exif_rotation_right(orientation):
    upright = textured(3000, 4000)  # seen tall; stored on its side
    stored = upright.transpose(_INVERSE[orientation])
    exif = Image.Exif()
    exif[0x0112] = orientation
    data = encode(stored, "JPEG", exif=exif.tobytes(), quality=92)
    assert images.inspect(data).width == 3000
    sent = images.prepare(data, max_side=2560)
    out = decode(sent)
    assert out.size == (sent.width, sent.height) == (1920, 2560)
    r, _, b = out.getpixel((100, 100))  # top-left is red when right way up
    assert r > 200 and b < 80
    r, _, b = out.getpixel((1800, 2400))
    assert b > 150 and r < 80


def test_max_side_never_goes_under_300_px_on_the_short_side():
    sent = images.prepare(encode(textured(2400, 1000), "JPEG"), max_side=600)
    assert (sent.width, sent.height) == decode(sent).size == (720, 300)
    assert images.inspect(sent.data).ok


def test_max_side_settles_the_size_problems_without_asking():
    big = photo(6400, 3600)
    with pytest.raises(ImageRejected):
        images.prepare(big)  # more than 6000 px: needs fix=True as before
    sent = images.prepare(big, max_side=2560)
    assert (sent.width, sent.height) == (2560, 1440)
    with pytest.raises(ImageRejected, match="animated"):  # other problems still need asking
        frames = [Image.new("RGB", (3000, 2000), c) for c in ((255, 0, 0), (0, 0, 255))]
        buf = io.BytesIO()
        frames[0].save(buf, "PNG", save_all=True, append_images=frames[1:])
        images.prepare(buf.getvalue(), max_side=2560)


def test_max_side_png_is_sent_as_a_jpeg_and_says_so():
    data = photo(3000, 2000, "PNG")
    sent = images.prepare(data, max_side=1280)
    assert sent.mime == "image/jpeg" and (sent.width, sent.height) == (1280, 854)
    assert any("(as a JPEG)" in n for n in map(str, sent.notes))
    png = photo(800, 600, "PNG")
    assert images.prepare(png, max_side=2560).data == png  # not shrunk: stays the PNG it was


def test_max_side_on_a_jpeg_over_the_pixel_cap_decodes_reduced(monkeypatch):
    data = encode(textured(8000, 6000), "JPEG", quality=80)  # 48 MP: over MAX_PIXELS, decoded at half scale
    assert codes(images.inspect(data)) == {"too_large_dimensions", "too_large_bytes"}
    decoded, real = [], images._to_rgb
    monkeypatch.setattr(images, "_to_rgb", lambda im: decoded.append(im.size) or real(im))
    sent = images.prepare(data, max_side=2560)
    assert decoded == [(4000, 3000)]
    images.prepare(data, max_side=1000)  # 1/4 scale still leaves twice the target for LANCZOS
    assert decoded[-1] == (2000, 1500)
    assert (sent.width, sent.height) == decode(sent).size == (2560, 1920)

"""What the emulator knows of Seedance as ByteDance and WaveSpeed publish it, kept here as the emulator's own facts
(the app keeps its own copy: the emulator is an independent oracle and reads none of the app's code).

Output is 24 fps with the first frame extra; output sizes follow ByteDance ModelArk's published tables for the 1.0
and 1.5 generations (other models: the 1.5 table, scaled); with no aspect ratio the output follows the image.
"""

from __future__ import annotations

import math
import re

FPS = 24
SEED_MAX = 2147483647
ASPECT_RATIOS = ("21:9", "16:9", "4:3", "1:1", "3:4", "9:16")

SIZES_V1 = {
    "480p": {"16:9": (864, 480), "4:3": (736, 544), "1:1": (640, 640), "3:4": (544, 736),
             "9:16": (480, 864), "21:9": (960, 416)},
    "720p": {"16:9": (1248, 704), "4:3": (1120, 832), "1:1": (960, 960), "3:4": (832, 1120),
             "9:16": (704, 1248), "21:9": (1504, 640)},
    "1080p": {"16:9": (1920, 1088), "4:3": (1664, 1248), "1:1": (1440, 1440), "3:4": (1248, 1664),
              "9:16": (1088, 1920), "21:9": (2176, 928)},
}  # fmt: skip
SIZES_V15 = {
    "480p": {"16:9": (864, 496), "4:3": (752, 560), "1:1": (640, 640), "3:4": (560, 752),
             "9:16": (496, 864), "21:9": (992, 432)},
    "720p": {"16:9": (1280, 720), "4:3": (1112, 834), "1:1": (960, 960), "3:4": (834, 1112),
             "9:16": (720, 1280), "21:9": (1470, 630)},
    "1080p": {"16:9": (1920, 1080), "4:3": (1664, 1248), "1:1": (1440, 1440), "3:4": (1248, 1664),
              "9:16": (1080, 1920), "21:9": (2206, 946)},
}  # fmt: skip
_FROM_1080P = {"1440p": 4 / 3, "2k": 4 / 3, "2160p": 2.0, "4k": 2.0}
UPSCALE_SHORT_SIDE = {"1080p": 1080, "2k": 1440, "4k": 2160}

_CAMERA_WORDS = (
    (r"push[- ]?in|dolly[- ]?in|zoom(s|ing)?[- ]?in|moves? closer", "push_in"),
    (r"pull[- ]?(out|back)|dolly[- ]?(out|back)|zoom(s|ing)?[- ]?out", "pull_out"),
    (r"orbit|arc(s|ing)? around|circles? around", "orbit"),
    (r"pan(s|ning)?[- ]left", "pan_left"),
    (r"pan(s|ning)?[- ]right|\bpan(s|ning)?\b", "pan_right"),
    (r"tilt(s|ing)?[- ]down", "tilt_down"),
    (r"tilt(s|ing)?([- ]up)?\b", "tilt_up"),
)


def size_table(model_id: str) -> dict[str, dict[str, tuple[int, int]]] | None:
    """ByteDance's published table for the model's generation, read from WaveSpeed's model id; None if none."""
    if "seedance-v1.5" in model_id:
        return SIZES_V15
    if re.search(r"seedance-v1-", model_id):
        return SIZES_V1
    return None


def resolution_in_id(model_id: str) -> str | None:
    """Seedance 1.0 models carry their resolution in the id (``...-i2v-480p``) and take no resolution input."""
    found = re.search(r"-(\d{3,4}p)$", model_id)
    return found.group(1) if found else None


def output_size(model_id: str, resolution: str, aspect_ratio: str) -> tuple[int, int]:
    """Width and height of a clip: the published table where there is one, else the 1.5 table scaled (2k/4k from
    1080p, other line counts from 720p), other shapes at the 16:9 area; sides even."""
    table = size_table(model_id)
    if table and aspect_ratio in table.get(resolution, {}):
        return table[resolution][aspect_ratio]
    row_name = resolution if resolution in SIZES_V15 else "1080p" if resolution in _FROM_1080P else "720p"
    scale = _FROM_1080P.get(resolution, 1.0)
    lines = re.fullmatch(r"(\d{3,4})p", resolution)
    if row_name == "720p" and resolution != "720p" and lines:
        scale = int(lines.group(1)) / 720
    row = SIZES_V15[row_name]
    if aspect_ratio in row:
        w, h = row[aspect_ratio]
    else:
        w16, h16 = row["16:9"]
        try:
            a, b = (float(x) for x in aspect_ratio.split(":"))
            ratio = a / b
        except (ValueError, ZeroDivisionError):
            ratio = 16 / 9
        w, h = math.sqrt(w16 * h16 * ratio), math.sqrt(w16 * h16 / ratio)
    return round(w * scale / 2) * 2, round(h * scale / 2) * 2


def nearest_aspect_ratio(width: int, height: int) -> str:
    """The preset nearest an image's shape, on a log scale (2:1 and 1:2 equally far from 1:1)."""
    ratio = math.log(width / height)

    def value(a: str) -> float:
        w, h = a.split(":")
        return int(w) / int(h)

    return min(ASPECT_RATIOS, key=lambda a: abs(math.log(value(a)) - ratio))


def camera_from_prompt(prompt: str, camera_fixed: bool) -> str:
    """The camera move a prompt's words ask for: push_in, pull_out, orbit, pan_*, tilt_*, drift or fixed."""
    if camera_fixed:
        return "fixed"
    text = prompt.lower()
    for pattern, move in _CAMERA_WORDS:
        if re.search(pattern, text):
            return move
    return "drift"


def upscaled_size(width: int, height: int, target: str) -> tuple[int, int]:
    """An upscaled video's size: the short side at the target, the shape kept, both sides even."""
    short = UPSCALE_SHORT_SIDE.get(target, min(width, height))
    scale = short / min(width, height)
    return round(width * scale / 2) * 2, round(height * scale / 2) * 2

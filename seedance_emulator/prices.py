"""What a task costs on the emulator: WaveSpeed's PUBLISHED prices where it publishes them, written out here as
rules of their own (per second, per 5 s, per token), and for every other model the JSONata ``formula`` of the
catalog entry it serves, evaluated by the emulator itself.

This is the emulator's side of the money and an oracle for the app's: none of the app's price code is used, so a
wrong price in the app (its formula evaluation, its snapshot's formulas for a published model) shows as a
difference between what the app quoted and what the emulator charged.

Published points (wavespeed-api.md "Prices"): V1 Pro 480p $0.15 per 5 s, 1080p $0.60 per 5 s; V1 Lite 480p $0.08,
720p $0.16 per 5 s; V1.5 Pro by tokens (W*H*24*s/1024 at $1.2 per million, audio doubles: 720p 5 s $0.13 silent,
$0.26 with sound); 2.0 $1.20 per 5 s; 2.0 Fast $0.80 per 5 s; 2.0 Fast Turbo $0.60 per 5 s at 720p; the video
upscaler $0.0072 per second of video at 1080p (the page gives no unit: per second is the snapshot's reading, twice
at 2k, four times at 4k).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import jsonata
from jsonata.timebox import Timebox

from . import facts, schema

CENT = Decimal("0.01")
Price = Callable[[Mapping[str, Any]], "Decimal | None"]


def _per_second(rate: str, resolution: str | None = None) -> Price:
    """A flat rate per second of video (at one resolution only, when given: others aren't published)."""

    def price(inputs: Mapping[str, Any]) -> Decimal | None:
        if resolution is not None and inputs.get("resolution", resolution) != resolution:
            return None
        return Decimal(rate) * Decimal(int(inputs["duration"]))

    return price


def _per_five_seconds(amount: str, resolution: str | None = None) -> Price:
    return _per_second(str(Decimal(amount) / 5), resolution)


def _v15_tokens(inputs: Mapping[str, Any]) -> Decimal | None:
    """Seedance 1.5 Pro: tokens = width * height * 24 * seconds / 1024 at $1.2 per million, twice with sound. The
    frame is the 16:9 one when no aspect ratio is given (the output then follows the image)."""
    row = facts.SIZES_V15.get(str(inputs.get("resolution")))
    if row is None:
        return None
    w, h = row.get(str(inputs.get("aspect_ratio") or "16:9"), row["16:9"])
    tokens = Decimal(w * h * facts.FPS * int(inputs["duration"])) / 1024
    sound = 1 if inputs.get("generate_audio") is False else 2
    return tokens * Decimal("1.2") / 1_000_000 * sound


def _upscaler(inputs: Mapping[str, Any]) -> Decimal | None:
    seconds = inputs.get("_video_seconds")
    factor = {"1080p": 1, "2k": 2, "4k": 4}.get(str(inputs.get("target_resolution")))
    if seconds is None or factor is None:
        return None
    return Decimal("0.0072") * Decimal(str(seconds)) * factor


PUBLISHED: dict[str, Price] = {
    "bytedance/seedance-v1-pro-i2v-480p": _per_five_seconds("0.15"),
    "bytedance/seedance-v1-pro-i2v-1080p": _per_five_seconds("0.60"),
    "bytedance/seedance-v1-lite-i2v-480p": _per_five_seconds("0.08"),
    "bytedance/seedance-v1-lite-i2v-720p": _per_five_seconds("0.16"),
    "bytedance/seedance-v1.5-pro/image-to-video": _v15_tokens,
    "bytedance/seedance-2.0/image-to-video": _per_five_seconds("1.20", "720p"),
    "bytedance/seedance-2.0-fast/image-to-video": _per_five_seconds("0.80", "720p"),
    "bytedance/seedance-2.0-fast/image-to-video-turbo": _per_five_seconds("0.60", "720p"),
    "bytedance/video-upscaler": _upscaler,
}
"""Model id -> its published price (None for inputs the publication doesn't cover: the formula prices those)."""

_RESERVED = {"base_price", "total_price", "true", "false", "null", "and", "or", "in", "function"}
_CALL = re.compile(r"(?<![\w$.])([A-Za-z_]\w*)\s*\(")
_VAR = re.compile(r"(?<![\w$.\"'])([A-Za-z_]\w*)\b(?!\s*\()")
_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'')
_JSONATA_LOCK = threading.Lock()
FORMULA_MILLISECONDS = 1000
FORMULA_DEPTH = 200


def formula_price(item: Mapping[str, Any], inputs: Mapping[str, Any],
                  helpers: Mapping[str, Callable[..., Any]]) -> Decimal | None:  # fmt: skip
    """The entry's formula on these inputs (server helpers such as ``get_duration_v3`` are the emulator's own,
    called as ``$name``), or None when it has none or can't be evaluated."""
    text = str(item.get("formula") or "").strip()
    if not text:
        return None
    bare = _QUOTED.sub('""', text)
    called = {n for n in _CALL.findall(bare) if n not in _RESERVED}
    if not called <= set(helpers):
        return None
    for name in called:
        text = re.sub(rf"(?<![\w$.]){re.escape(name)}\s*\(", f"${name}(", text)
    document = {k: v for k, v in inputs.items() if not k.startswith("_")}
    document["base_price"] = float(item.get("base_price") or 0)
    try:
        expression = jsonata.Jsonata(text)
        with _JSONATA_LOCK:
            frame = expression.create_frame(expression.environment)
            for name in called:
                frame.bind(name, jsonata.Jsonata.JLambda(helpers[name]))
            # WaveSpeed's servers don't hang on a runaway formula either: a second of work, a bounded depth
            Timebox(frame, FORMULA_MILLISECONDS, FORMULA_DEPTH)
            result = expression.evaluate(document, frame)
    except RecursionError:
        return None
    except Exception:  # a formula this library can't parse or run: WaveSpeed would know; the caller falls back
        return None
    total = result.get("total_price") if isinstance(result, dict) else result
    if isinstance(total, bool) or not isinstance(total, (int, float)) or total < 0:
        return None
    return Decimal(str(round(float(total), 9)))


def cents(price: Decimal) -> float:
    return float(price.quantize(CENT, ROUND_HALF_UP))


@dataclass
class PriceList:
    """Prices for the entries of a catalog: published rule first, the entry's formula next, ``base_price`` last."""

    helpers: dict[str, Callable[..., Any]]

    def price(self, item: Mapping[str, Any], inputs: Mapping[str, Any], *, published: bool = True) -> Decimal:
        found = self._priced(item, inputs, published)
        return Decimal(str(item.get("base_price") or 0)) if found is None else found

    def _priced(self, item: Mapping[str, Any], inputs: Mapping[str, Any], published: bool) -> Decimal | None:
        """``published``: the entry is WaveSpeed's as published (the snapshot's), so its published price holds; an
        entry a test serves in its place is priced by its own formula."""
        rule = PUBLISHED.get(str(item.get("model_id"))) if published else None
        found = None
        if rule is not None:
            try:
                found = rule(inputs)
            except (KeyError, TypeError, ValueError):
                found = None
        if found is None:
            helpers = dict(self.helpers)
            if inputs.get("_video_seconds") is not None:
                helpers.setdefault("get_duration_v3", lambda *_: inputs["_video_seconds"])
            found = formula_price(item, inputs, helpers)
        return found

    def charge(self, item: Mapping[str, Any], inputs: Mapping[str, Any], *, published: bool = True) -> float:
        """What a task with these effective inputs costs, in USD to the cent."""
        return cents(self.price(item, inputs, published=published))

    def quote(self, item: Mapping[str, Any], inputs: Mapping[str, Any], longest: int | None, *,
              published: bool = True) -> float:  # fmt: skip
        """``POST /api/v3/model/price``: the job these inputs would run, so every input left out takes its schema
        default, as a run would (a V1.5 Pro quote without ``generate_audio`` is priced with sound, as its run is
        charged). Smart Duration (-1) is quoted at ``longest``: the most Seedance may choose."""
        filled = schema.effective_inputs(item, inputs)
        if filled.get("duration") == -1 and longest is not None:
            filled["duration"] = longest
        return cents(self.price(item, filled, published=published))

"""WaveSpeed's video upscaler (``bytedance/video-upscaler``), read from the same catalog as the Seedance models.

Its entry gives the sizes it offers (``target_resolution``) and a price formula. The snapshot's formula reads
the video's length through ``get_duration_v3(video)``, a helper that runs on WaveSpeed's servers; here the
video is a take already in the library, so its length is measured on this computer and the formula evaluated
with it. A formula calling any other server helper is priced by WaveSpeed (``POST /api/v3/model/price``).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_UP, Decimal
from functools import lru_cache
from typing import Any

from . import formula
from .catalog import snapshot_items
from .catalog_schema import ExtraField, extra_field, request_schema
from .words.said import Said, said

UPSCALER_ID = "bytedance/video-upscaler"
SHORT_SIDE = {"1080p": 1080, "2k": 1440, "4k": 2160}
"""Pixels on the short side of each target size (1080p 16:9 is 1920 x 1080; 4k is 3840 x 2160)."""
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Upscaler:
    id: str
    name: str
    target: ExtraField
    """The ``target_resolution`` input: its sizes, its default, its checks."""
    base_price: Decimal
    formula: str
    source: str
    """'snapshot' or 'live'."""

    @classmethod
    def from_item(cls, item: Mapping[str, Any], *, source: str) -> Upscaler:
        props = request_schema(dict(item)).get("properties") or {}
        target = extra_field("target_resolution", props.get("target_resolution") or {"enum": list(SHORT_SIDE)})
        return cls(id=str(item["model_id"]), name=str(item.get("name") or item["model_id"]), target=target,
                   base_price=Decimal(str(item.get("base_price") or 0)), formula=str(item.get("formula") or ""),
                   source=source)  # fmt: skip

    @property
    def targets(self) -> list[str]:
        return [str(t) for t in (self.target.enum or SHORT_SIDE)]

    @property
    def default(self) -> str:
        return str(self.target.default) if self.target.has_default else self.targets[0]

    def problem(self, target: str, short_side: int) -> Said | None:
        """Why this size can't be asked for a take whose short side is ``short_side`` pixels, or None."""
        if target not in self.targets:
            return said("upscale.no_such_size", sizes=", ".join(self.targets), size=target)
        wanted = SHORT_SIDE.get(target)
        if wanted is not None and short_side >= wanted:
            return said("upscale.already_sharp", pixels=str(short_side), size=target)
        return None

    def inputs(self, video: str, target: str) -> dict[str, Any]:
        return {"video": video, "target_resolution": target}

    def price(self, target: str, seconds: float) -> Decimal | None:
        """The formula's price for a video this long, rounded up to the cent; None when only WaveSpeed can say."""
        helpers = {name: (lambda *_: seconds) for name in formula.server_helpers(self.formula)
                   if "duration" in name.lower()}  # fmt: skip
        try:
            usd = formula.evaluate(self.formula, self.base_price, self.inputs("video", target), helpers)
        except formula.FormulaUnavailable:
            return None
        return usd.quantize(CENT, ROUND_UP)


_live: Upscaler | None = None
_lock = threading.Lock()


def use_items(items: Iterable[Any], *, source: str = "live") -> None:
    """Take the upscaler's entry from a catalog list now in use (kept as it was when the list lacks one)."""
    global _live
    for item in items:
        if isinstance(item, dict) and item.get("model_id") == UPSCALER_ID:
            try:
                found = Upscaler.from_item(item, source=source)
            except (KeyError, TypeError, ValueError, ArithmeticError):
                return
            with _lock:
                _live = found
            return


def forget_live() -> None:
    global _live
    with _lock:
        _live = None


@lru_cache(maxsize=1)
def _from_snapshot() -> Upscaler:
    item = next(i for i in snapshot_items() if i["model_id"] == UPSCALER_ID)
    return Upscaler.from_item(item, source="snapshot")


def current() -> Upscaler:
    """The upscaler from the live catalog when one was read, else from the built-in snapshot."""
    return _live if _live is not None else _from_snapshot()


def target_size(width: int, height: int, target: str) -> tuple[int, int]:
    """The upscaled video's size: the short side at the target, the shape kept, both sides even."""
    short = SHORT_SIDE.get(target, min(width, height))
    scale = short / min(width, height)
    return round(width * scale / 2) * 2, round(height * scale / 2) * 2

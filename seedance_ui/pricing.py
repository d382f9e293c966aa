"""Price estimates in USD, before anything is spent.

Each take is priced from the model's ``PriceRule`` and rounded to the cent (half up), which reproduces every
price WaveSpeed publishes. An authoritative quote comes from the API (``client.quote``) when a key is at hand;
this estimate is what the app shows live, and says whether it is a published price or our estimate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from .catalog import FPS, ModelSpec, get_model, model_for, resolutions_for_family

CENT = Decimal("0.01")
MAX_TAKES = 4


@dataclass(frozen=True)
class WhatIf:
    """What the total would be with one setting changed."""

    label: str
    total: Decimal
    delta: Decimal
    changes: dict = field(default_factory=dict)

    def text(self) -> str:
        sign = "+" if self.delta > 0 else "-"
        return f"{self.label}: {sign}${abs(self.delta):.2f}"


@dataclass(frozen=True)
class Quote:
    model_id: str
    resolution: str
    duration: int
    audio: bool
    takes: int
    per_take: Decimal
    per_second: Decimal
    """USD per second of video with these settings (sound included), unrounded."""
    published: bool
    source: str
    what_if: tuple[WhatIf, ...] = ()

    @property
    def total(self) -> Decimal:
        return self.per_take * self.takes

    def headline(self) -> str:
        kind = "WaveSpeed's published price" if self.published else "our estimate (not published by WaveSpeed)"
        takes = f" for {self.takes} takes (${self.per_take:.2f} each)" if self.takes > 1 else ""
        return f"${self.total:.2f}{takes} — {kind}"

    def to_dict(self) -> dict:
        return {
            "model_id": self.model_id,
            "resolution": self.resolution,
            "duration": self.duration,
            "audio": self.audio,
            "takes": self.takes,
            "total_usd": f"{self.total:.2f}",
            "per_take_usd": f"{self.per_take:.2f}",
            "per_second_usd": f"{self.per_second.normalize():f}",
            "published": self.published,
            "source": self.source,
            "what_if": [
                {"label": w.label, "total_usd": f"{w.total:.2f}", "delta_usd": f"{w.delta:.2f}", "changes": w.changes}
                for w in self.what_if
            ],
        }


def _per_take_exact(spec: ModelSpec, resolution: str, duration: int, audio: bool, size: tuple[int, int]) -> Decimal:
    rule = spec.prices[resolution]
    mult = rule.audio_multiplier if audio else Decimal(1)
    if rule.usd_per_million_tokens is not None:
        w, h = size
        tokens = Decimal(w * h * FPS * duration) / Decimal(1024)
        return tokens * rule.usd_per_million_tokens / Decimal(1_000_000) * mult
    assert rule.per_second is not None
    return rule.per_second * duration * mult


def estimate(
    model_id: str,
    duration: int,
    resolution: str | None = None,
    audio: bool = False,
    takes: int = 1,
    aspect_ratio: str | None = None,
    with_what_if: bool = True,
) -> Quote:
    """Price of ``takes`` renders with these settings. ``aspect_ratio`` matters only for token-priced models."""
    spec = get_model(model_id)
    resolution = resolution or spec.default_resolution
    if resolution not in spec.prices:
        raise ValueError(f"{spec.name} renders {', '.join(spec.resolutions)}, not {resolution}.")
    if not spec.duration_min <= duration <= spec.duration_max:
        raise ValueError(f"{spec.name} takes {spec.duration_min} to {spec.duration_max} seconds, not {duration}.")
    if not 1 <= takes <= MAX_TAKES:
        raise ValueError(f"Takes must be from 1 to {MAX_TAKES}.")
    audio = audio and spec.accepts_audio
    size = spec.output_size(resolution, aspect_ratio or "16:9")
    exact = _per_take_exact(spec, resolution, duration, audio, size)
    rule = spec.prices[resolution]
    quote = Quote(
        model_id=spec.id,
        resolution=resolution,
        duration=duration,
        audio=audio,
        takes=takes,
        per_take=exact.quantize(CENT, ROUND_HALF_UP),
        per_second=exact / duration,
        published=rule.published,
        source=rule.source,
    )
    if not with_what_if:
        return quote
    return Quote(**{**quote.__dict__, "what_if": tuple(_what_ifs(spec, quote, aspect_ratio))})


def _what_ifs(spec: ModelSpec, q: Quote, aspect_ratio: str | None) -> list[WhatIf]:
    out: list[WhatIf] = []

    def add(label: str, model: ModelSpec, **changes: object) -> None:
        settings = {"duration": q.duration, "resolution": q.resolution, "audio": q.audio} | changes
        alt = estimate(model.id, takes=q.takes, aspect_ratio=aspect_ratio, with_what_if=False, **settings)  # type: ignore[arg-type]
        if alt.total != q.total:
            ch = dict(changes) | ({"model_id": model.id} if model.id != spec.id else {})
            out.append(WhatIf(label, alt.total, alt.total - q.total, ch))

    if spec.accepts_audio:
        add("Sound off" if q.audio else "Sound on", spec, audio=not q.audio)
    for res in resolutions_for_family(spec.family):
        if res != q.resolution:
            add(f"At {res}", model_for(spec.family, res), resolution=res)
    if q.duration > spec.duration_min:
        add(f"{q.duration - 1} s instead of {q.duration} s", spec, duration=q.duration - 1)
    if q.duration < spec.duration_max:
        add(f"{q.duration + 1} s instead of {q.duration} s", spec, duration=q.duration + 1)
    return out

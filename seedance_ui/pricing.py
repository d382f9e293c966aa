"""Price estimates in USD, before anything is spent.

Each take is priced by the model's own WaveSpeed formula (JSONata, evaluated locally by ``formula.py``) and
rounded to the cent (half up). Where the formula can't be evaluated here (it calls a helper only WaveSpeed's
servers have, or fails), a published price table of ours stands in when we have one for that model; failing
that the Price says it needs WaveSpeed's quote (``Price.kind``) and carries a placeholder, so the caller asks
``POST /api/v3/model/price`` with ``formula_inputs(...)``. ``PUBLISHED_POINTS`` are WaveSpeed's published
prices: the check that every formula reproduces them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from . import catalog, formula
from .catalog import FPS, ModelSpec, PriceRule
from .words.said import Said, Usd, as_is, said, say

CENT = Decimal("0.01")
CEILING = Decimal(500)
"""No Seedance take costs anything near this (the dearest, 4k with sound, is a few dollars)."""
MAX_TAKES = 4
FORMULA, TABLE, ASK, QUOTED = "formula", "published table", "needs WaveSpeed's quote", "WaveSpeed's quote"
"""The kinds of price a Price can be: the formula evaluated here, our table of WaveSpeed's published prices, or
a placeholder until WaveSpeed's own quote (POST /api/v3/model/price) is had."""

V15 = "bytedance/seedance-v1.5-pro/image-to-video"


@dataclass(frozen=True)
class PricePoint:
    model_id: str
    resolution: str
    duration: int
    audio: bool
    usd: str


# Every price point WaveSpeed publishes (wavespeed-api.md); aspect 16:9 where the price depends on the shape.
PUBLISHED_POINTS: tuple[PricePoint, ...] = (
    PricePoint(V15, "480p", 5, False, "0.06"), PricePoint(V15, "480p", 5, True, "0.12"),
    PricePoint(V15, "720p", 5, False, "0.13"), PricePoint(V15, "720p", 5, True, "0.26"),
    PricePoint(V15, "720p", 10, True, "0.52"), PricePoint(V15, "480p", 10, True, "0.24"),
    PricePoint("bytedance/seedance-v1-pro-i2v-1080p", "1080p", 5, False, "0.60"),
    PricePoint("bytedance/seedance-v1-pro-i2v-1080p", "1080p", 10, False, "1.20"),
    PricePoint("bytedance/seedance-v1-pro-i2v-480p", "480p", 5, False, "0.15"),
    PricePoint("bytedance/seedance-v1-pro-i2v-480p", "480p", 10, False, "0.30"),
    PricePoint("bytedance/seedance-v1-lite-i2v-480p", "480p", 5, False, "0.08"),
    PricePoint("bytedance/seedance-v1-lite-i2v-720p", "720p", 5, False, "0.16"),
    PricePoint("bytedance/seedance-2.0/image-to-video", "720p", 5, False, "1.20"),
    PricePoint("bytedance/seedance-2.0-fast/image-to-video", "720p", 5, False, "0.80"),
    PricePoint("bytedance/seedance-2.0-fast/image-to-video", "720p", 10, False, "1.60"),
    PricePoint("bytedance/seedance-2.0-fast/image-to-video", "720p", 15, False, "2.40"),
)  # fmt: skip

_TOKENS = PriceRule(usd_per_million_tokens=Decimal("1.2"), audio_multiplier=Decimal(2),
                    source=as_is("WaveSpeed's published token rule: W*H*24*s/1024 tokens, $1.2 per million, x2 with sound"))  # fmt: skip


def _per_second(usd: str, cited: str) -> PriceRule:
    """A published flat price, with where WaveSpeed publishes it (a citation, kept as it is)."""
    return PriceRule(per_second=Decimal(usd), source=as_is(cited))


# The same published prices as rules, for when a formula can't be evaluated here.
PUBLISHED_TABLES: dict[str, dict[str, PriceRule]] = {
    V15: {"480p": _TOKENS, "720p": _TOKENS},
    "bytedance/seedance-v1-pro-i2v-480p": {"480p": _per_second("0.03", "WaveSpeed's price page: $0.03 per second")},
    "bytedance/seedance-v1-pro-i2v-1080p": {"1080p": _per_second("0.12", "WaveSpeed's product page: $0.12 per second")},
    "bytedance/seedance-v1-lite-i2v-480p": {"480p": _per_second("0.016", "WaveSpeed's price page: $0.08 per 5 s")},
    "bytedance/seedance-v1-lite-i2v-720p": {"720p": _per_second("0.032", "WaveSpeed's price page: $0.16 per 5 s")},
    "bytedance/seedance-2.0/image-to-video": {"720p": _per_second("0.24", "WaveSpeed's page: $1.20 per 5 s")},
    "bytedance/seedance-2.0-fast/image-to-video": {"720p": _per_second("0.16", "WaveSpeed's page: $0.80 per 5 s")},
}  # fmt: skip


@dataclass(frozen=True)
class WhatIf:
    """What the total would be with one setting changed."""

    label: str
    """The change in English ("At 480p"); ``change`` is it as a message."""
    total: Decimal
    delta: Decimal
    changes: dict = field(default_factory=dict)
    change: Said | None = None

    @property
    def said(self) -> Said:
        """The change and what it adds or saves, as a message."""
        change = self.change or self.label
        if self.delta > 0:
            return said("price.what_if_more", change=change, amount=Usd(abs(self.delta)))
        return said("price.what_if_less", change=change, amount=Usd(abs(self.delta)))

    def text(self) -> str:
        """In English (the CLI's and the logs')."""
        return say(self.said)


@dataclass(frozen=True)
class Price:
    model_id: str
    resolution: str
    duration: int
    """As asked: -1 for Smart Duration (then priced at ``priced_duration``, the longest)."""
    audio: bool
    takes: int
    per_take: Decimal
    per_second: Decimal
    """USD per second of video with these settings (sound included), unrounded."""
    published: bool
    source: Said
    """Where the price comes from (a citation kept as it is, or our message), for ``seedance price``."""
    what_if: tuple[WhatIf, ...] = ()
    kind: str = FORMULA
    """'formula', 'published table' or "needs WaveSpeed's quote" (then ``per_take`` is only a placeholder)."""
    priced_duration: int = 0
    """The seconds priced: ``duration``, or the longest for Smart Duration."""

    @property
    def total(self) -> Decimal:
        return self.per_take * self.takes

    @property
    def needs_server_quote(self) -> bool:
        return self.kind == ASK

    def headline_said(self) -> Said:
        """The price card's first line, as a message: the total, how many takes, and where the price comes from."""
        if self.kind == ASK and not self.per_take:
            return said("price.unknown_until_quote")
        if self.kind == ASK:
            kind = said("price.kind_rough_guess")
        elif self.kind == QUOTED:
            kind = said("price.kind_quote")
        else:
            kind = said("price.kind_published") if self.published else said("price.kind_estimate")
        takes = said("price.takes_each", takes=self.takes, each=Usd(self.per_take)) if self.takes > 1 else ""
        smart = said("price.smart_duration", seconds=self.priced_duration) if self.duration == -1 else ""
        return said("price.headline", total=Usd(self.total), takes=takes, smart=smart, kind=kind)

    def headline(self) -> str:
        """The headline in English (the CLI's and the logs')."""
        return say(self.headline_said())

    def to_dict(self) -> dict:
        return {
            "model_id": self.model_id,
            "resolution": self.resolution,
            "duration": self.duration,
            "priced_duration": self.priced_duration or self.duration,
            "audio": self.audio,
            "takes": self.takes,
            "total_usd": f"{self.total:.2f}",
            "per_take_usd": f"{self.per_take:.2f}",
            "per_second_usd": f"{self.per_second.normalize():f}",
            "published": self.published,
            "kind": self.kind,
            "source": str(self.source),
            "what_if": [
                {
                    "label": w.label,
                    "total_usd": f"{w.total:.2f}",
                    "delta_usd": f"{w.delta:.2f}",
                    "changes": w.changes,
                }
                for w in self.what_if
            ],
        }


def is_a_price(usd: Decimal) -> bool:
    """A price is a price only when it is a finite number above zero and below ``CEILING``; anything else from a
    catalog entry needs WaveSpeed's own quote before a take is sent."""
    return usd.is_finite() and Decimal(0) < usd < CEILING


def _gave(usd: Decimal) -> Said:
    """Why an amount a formula gave is no price, said with the amount when it can be written."""
    if usd.is_finite() and abs(usd) < CEILING:
        return said("formula.not_a_price", amount=f"${usd:.2f}")
    return said("formula.absurd")


def formula_inputs(spec: ModelSpec, duration: int, resolution: str | None = None, audio: bool = False,
                   aspect_ratio: str | None = None, extras: Mapping[str, Any] | None = None) -> dict[str, Any]:  # fmt: skip
    """The model's inputs as its formula (and WaveSpeed's price endpoint) reads them: every priced input given,
    since an input left out is priced at the floor. No image URLs: no price reads them."""
    values: dict[str, Any] = {"duration": duration, **spec.extra_defaults(), **(extras or {})}
    if spec.sends_resolution:
        values["resolution"] = resolution or spec.default_resolution
    if spec.accepts_aspect_ratio and aspect_ratio:
        values["aspect_ratio"] = aspect_ratio
    if spec.accepts_audio:
        values["generate_audio"] = bool(audio)
    return values


def _table_price(
    spec: ModelSpec, resolution: str, seconds: int, audio: bool, aspect: str
) -> tuple[Decimal, Said | None] | None:
    rules = PUBLISHED_TABLES.get(spec.id, {})
    rule = rules.get(resolution) or rules.get("*")
    if rule is None:
        return None
    mult = rule.audio_multiplier if audio else Decimal(1)
    if rule.usd_per_million_tokens is not None:
        w, h = spec.output_size(resolution, aspect)
        tokens = Decimal(w * h * FPS * seconds) / Decimal(1024)
        return tokens * rule.usd_per_million_tokens / Decimal(1_000_000) * mult, rule.source
    assert rule.per_second is not None
    return rule.per_second * seconds * mult, rule.source


def price_for(
    spec: ModelSpec,
    duration: int,
    resolution: str | None = None,
    audio: bool = False,
    takes: int = 1,
    aspect_ratio: str | None = None,
    with_what_if: bool = True,
    *,
    extras: Mapping[str, Any] | None = None,
    models: Sequence[ModelSpec] | None = None,
) -> Price:
    """The price of ``takes`` renders with these settings, for a spec in hand (a live or emulator model the catalog
    in use may not list). ``extras``: values of the model's extra inputs; ``models``: where the what-ifs look for
    a family's other resolutions."""
    resolution = resolution or spec.default_resolution
    if resolution not in spec.resolutions:
        raise ValueError(f"{spec.name} renders {', '.join(spec.resolutions)}, not {resolution}.")
    smart = duration == -1 and spec.smart_duration
    if not smart and not spec.duration_min <= duration <= spec.duration_max:
        raise ValueError(f"{spec.name} takes {spec.duration_min} to {spec.duration_max} seconds, not {duration}.")
    if not 1 <= takes <= MAX_TAKES:
        raise ValueError(f"Takes must be from 1 to {MAX_TAKES}.")
    audio = audio and spec.accepts_audio
    seconds = spec.duration_max if smart else duration  # Smart Duration: the longest, until Seedance has chosen
    aspect = aspect_ratio or "16:9"  # follow-the-image is priced as 16:9 until the picture is known (tables)
    inputs = formula_inputs(spec, seconds, resolution, audio, aspect_ratio, extras)  # formulas see no shape too
    rule = spec.prices.get(resolution) or PriceRule(published=False)
    kind, published, source = FORMULA, rule.published, rule.source
    try:
        exact = formula.evaluate(spec.formula, spec.base_price, inputs)
        if not is_a_price(exact):  # $0.00, -$0.40 or 1e27 from a catalog entry: not a price to spend on
            raise formula.FormulaUnavailable(_gave(exact))
    except formula.FormulaUnavailable as why:
        table = _table_price(spec, resolution, seconds, audio, aspect)
        if table is not None:
            (exact, source), kind, published = table, TABLE, True
        else:  # a placeholder in the formula's usual shape; the caller asks WaveSpeed for the real price
            guess = spec.base_price * seconds / 5
            exact, kind, published = guess if is_a_price(guess) else Decimal(0), ASK, False
            source = said("price.source_ask", why=why.said)
    if smart:
        source = said("price.source_smart", seconds=seconds, source=source)
    price = Price(
        model_id=spec.id, resolution=resolution, duration=duration, audio=audio, takes=takes,
        per_take=exact.quantize(CENT, ROUND_HALF_UP), per_second=exact / seconds, published=published,
        source=source, kind=kind, priced_duration=seconds,
    )  # fmt: skip
    if not with_what_if:
        return price
    return replace(price, what_if=tuple(_what_ifs(spec, price, aspect_ratio, extras, models)))


def _what_ifs(spec: ModelSpec, q: Price, aspect_ratio: str | None, extras: Mapping[str, Any] | None,
              models: Sequence[ModelSpec] | None) -> list[WhatIf]:  # fmt: skip
    out: list[WhatIf] = []
    pool = tuple(catalog.MODELS if models is None else models)
    if not any(m.id == spec.id for m in pool):  # a model the list in use doesn't name: compare it with itself
        pool = (spec,)

    def add(label: Said, model: ModelSpec, **changes: Any) -> None:
        settings = {"duration": q.duration, "resolution": q.resolution, "audio": q.audio} | changes
        try:
            alt = price_for(model, takes=q.takes, aspect_ratio=aspect_ratio, with_what_if=False,
                            extras=extras if model is spec else None, **settings)  # fmt: skip
        except ValueError:  # the other model doesn't take this length: no comparison to offer
            return
        if alt.total != q.total and ASK not in (alt.kind, q.kind):  # a placeholder is no price to compare
            ch = dict(changes) | ({"model_id": model.id} if model.id != spec.id else {})
            out.append(WhatIf(str(label), alt.total, alt.total - q.total, ch, label))

    if spec.accepts_audio:
        add(said("price.if_sound_off") if q.audio else said("price.if_sound_on"), spec, audio=not q.audio)
    for res in catalog.resolutions_for_family(spec.family, pool):
        if res != q.resolution:
            add(said("price.if_size", size=res), catalog.model_for(spec.family, res, pool), resolution=res)
    if q.duration == -1:
        return out  # no "one second more" for a length Seedance chooses
    if q.duration > spec.duration_min:
        add(said("price.if_seconds", seconds=q.duration - 1, now=q.duration), spec, duration=q.duration - 1)
    if q.duration < spec.duration_max:
        add(said("price.if_seconds", seconds=q.duration + 1, now=q.duration), spec, duration=q.duration + 1)
    return out

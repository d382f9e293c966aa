"""Choosing a model in plain words: a small comparison of every model for the person's current settings (price,
what it is good for, speed, lengths, resolutions, sound, last frame), the words on a control the chosen model
doesn't have, and hints that follow the model (no "480p for quick tries" when it has no 480p)."""

from __future__ import annotations

import html
from typing import Any

from .. import catalog, pricing
from ..errors import SeedanceError
from ..words.said import said, say
from .form import aspect_value, spec_for, usable_size
from .i18n import L_in
from .model_words import control_updates, good_for, missing_words, resolution_hint, short, sound_words
from .state import AppContext, Visitor

__all__ = ["compare", "control_updates", "good_for", "missing_words", "resolution_hint", "short", "sound_words"]


def _price(spec: catalog.ModelSpec, family: list[catalog.ModelSpec], resolution: str, duration: float, aspect: str,
           audio: bool, size: tuple[int, int] | None, models: Any = None, locale: str = "en") -> str:  # fmt: skip
    res = resolution if any(resolution in m.resolutions for m in family) else spec.default_resolution
    dur = min(max(int(duration or spec.duration_default), spec.duration_min), spec.duration_max)
    try:  # one formula per model: the what-ifs of a full plan aren't shown in this table
        model = spec_for(spec.family, res, models)
        shape = (aspect_value(aspect) if model.accepts_aspect_ratio else None) or (
            catalog.nearest_aspect_ratio(*size) if size else "16:9")  # fmt: skip
        price = pricing.price_for(model, dur, res, bool(audio) and model.accepts_audio, aspect_ratio=shape,
                                  with_what_if=False, models=models)  # fmt: skip
    except (ValueError, SeedanceError, StopIteration, KeyError):
        return "—"
    total = f"${price.total:.2f}"  # what a take costs with a key, in demo mode too (the caption says so)
    total = total if price.published else say(said("compare.estimate", price=total), locale)
    if (res, dur) == (resolution, int(duration or 0)):
        return total
    return say(said("compare.price_at", price=total, resolution=res, seconds=dur), locale)


def _speed(ctx: AppContext, visitor: Visitor, family: list[catalog.ModelSpec], resolution: str, duration: float) -> str:
    """The render time learned on this app for these settings, when two or more such takes have finished."""
    try:
        eta = ctx.session(visitor).studio.client().eta
    except SeedanceError:
        return say(said("compare.not_timed"), visitor.locale)
    for m in family:
        learned = eta.expected((m.id, resolution, int(duration or 0)))
        if learned:
            return say(said("compare.learned", seconds=round(learned[0])), visitor.locale)
    fast = any(w in family[0].family for w in ("Fast", "Turbo"))
    return say(said("compare.faster") if fast else said("compare.not_timed"), visitor.locale)


async def compare(ctx: AppContext, visitor: Visitor, family: str, resolution: str, duration: float, aspect: str,
            audio: bool, first: str | None = None) -> str:  # fmt: skip
    """Every model side by side for the current settings; the chosen one marked."""
    size = usable_size(first)
    groups: dict[str, list[catalog.ModelSpec]] = {}
    models = ctx.models(visitor)
    for m in models:
        groups.setdefault(m.family, []).append(m)
    rows = []
    for name, members in groups.items():
        spec = members[0]
        resolutions = ", ".join(dict.fromkeys(r for m in members for r in m.resolutions))
        yes, no = say(said("compare.yes"), visitor.locale), say(said("compare.no"), visitor.locale)
        lengths = say(said("compare.lengths", shortest=spec.duration_min, longest=spec.duration_max), visitor.locale)
        cells = [short(spec), _price(spec, members, resolution, duration, aspect, audio, size, models, visitor.locale),
                 good_for(members, visitor.locale), _speed(ctx, visitor, members, resolution, duration), lengths,
                 resolutions, yes if spec.accepts_audio else no, yes if spec.accepts_last_image else no]  # fmt: skip
        chosen = " class='chosen' aria-current='true'" if name == family else ""
        rows.append(f"<tr{chosen}>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
    lang = visitor.locale
    head = [L_in(lang, "compare.model"), L_in(lang, "compare.price"), L_in(lang, "compare.good_for"),
            L_in(lang, "compare.speed"), L_in(lang, "compare.lengths"), L_in(lang, "compare.resolutions"),
            L_in(lang, "compare.sound"), L_in(lang, "compare.last_frame")]  # fmt: skip
    caption = L_in(lang, "compare.caption_demo") if ctx.is_demo(visitor) else L_in(lang, "compare.caption")
    return (f"<div class='model-compare'><table><caption>{html.escape(caption)}</caption><thead><tr>"
            + "".join(f"<th scope='col'>{html.escape(h)}</th>" for h in head) + "</tr></thead><tbody>" + "".join(rows)
            + "</tbody></table></div>")  # fmt: skip

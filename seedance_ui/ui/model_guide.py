"""Choosing a model in plain words: a small comparison of every model for the person's current settings (price,
what it is good for, speed, lengths, resolutions, sound, last frame), the words on a control the chosen model
doesn't have, and hints that follow the model (no "480p for quick tries" when it has no 480p)."""

from __future__ import annotations

import html
from typing import Any

import gradio as gr

from .. import catalog
from ..errors import SeedanceError
from ..plan import Plan
from .create import choices_for, usable_size
from .state import AppContext, Visitor


def short(spec: catalog.ModelSpec) -> str:
    return spec.family.removeprefix("Seedance ").strip() or spec.family


def good_for(family: list[catalog.ModelSpec]) -> str:
    """What a family is good for, from what it can do (its name's Fast/Turbo/Lite/Mini, its sizes, its sound)."""
    spec, name = family[0], family[0].family
    resolutions = {r for m in family for r in m.resolutions}
    if spec.status != "current":
        return "being retired by WaveSpeed: for redoing older work"
    if "Turbo" in name or "Fast" in name:
        return "quick drafts and tries"
    if "Lite" in name:
        return "cheap tries"
    if "Mini" in name:
        return "lower price, with sound"
    if "4k" in resolutions:
        return "the sharpest pictures, up to 4k"
    if any(m.accepts_audio for m in family):
        return "finished clips with sound"
    return "finished clips, up to 15 s" if spec.duration_max >= 15 else "finished clips"


def sound_words(spec: catalog.ModelSpec) -> str:
    """What the Sound box says for this model (it stays on the page, so its absence is never silent)."""
    if spec.accepts_audio:
        return "Adds sound; doubles the price." if spec.generation == "1.5" else "Adds sound."
    return f"{spec.family} has no sound option."


def resolution_hint(choices: list[str]) -> str:
    """The Resolution hint for the sizes this model has."""
    if len(choices) == 1:
        return f"This model renders {choices[0]} only."
    tips = {"480p": "480p for quick tries", "720p": "720p for most uses", "1080p": "1080p for the sharpest",
            "4k": "4k for big screens"}  # fmt: skip
    return ", ".join(tips.get(r, r) for r in choices) + "."


def missing_words(spec: catalog.ModelSpec) -> str:
    """A line naming the controls this model lacks (they are hidden or greyed): never a control gone unsaid."""
    lacks = []
    if not spec.accepts_last_image:
        lacks.append("takes no last frame")
    if not spec.accepts_aspect_ratio:
        lacks.append("keeps your picture's shape (no Shape choice)")
    if not spec.accepts_camera_fixed:
        lacks.append("has no Camera fixed option")
    return f"{spec.family} " + ", ".join(lacks) + "." if lacks else ""


def control_updates(family: str, models: Any = None) -> tuple[Any, Any, str]:
    """The Sound and Camera fixed boxes for a model: usable, or greyed with the reason; and the missing line.
    ``models``: the visitor's own list (the snapshot's when None)."""
    spec = next(m for m in (catalog.MODELS if models is None else models) if m.family == family)
    audio = gr.update(visible=True, interactive=spec.accepts_audio, info=sound_words(spec),
                      **({} if spec.accepts_audio else {"value": False}))  # fmt: skip
    camera = gr.update(interactive=spec.accepts_camera_fixed,
                       info="Only the scene moves." if spec.accepts_camera_fixed else "Not offered by this model.",
                       **({} if spec.accepts_camera_fixed else {"value": False}))  # fmt: skip
    return audio, camera, missing_words(spec)


def _price(spec: catalog.ModelSpec, family: list[catalog.ModelSpec], resolution: str, duration: float, aspect: str,
           audio: bool, size: tuple[int, int] | None, models: Any = None) -> str:  # fmt: skip
    res = resolution if any(resolution in m.resolutions for m in family) else spec.default_resolution
    dur = min(max(int(duration or spec.duration_default), spec.duration_min), spec.duration_max)
    try:
        plan = Plan.make(choices_for(spec.family, res, dur, aspect, audio, prompt="x"), image_size=size, models=models)
    except (SeedanceError, StopIteration, KeyError):
        return "—"
    mark = "" if plan.quote.published else " (estimate)"
    return f"${plan.quote.total:.2f}{mark}" + ("" if (res, dur) == (resolution, int(duration or 0)) else
                                               f" at {res}, {dur} s")  # fmt: skip


def _speed(ctx: AppContext, visitor: Visitor, family: list[catalog.ModelSpec], resolution: str, duration: float) -> str:
    """The render time learned on this app for these settings, when two or more such takes have finished."""
    try:
        eta = ctx.session(visitor).studio.client().eta
    except SeedanceError:
        return "not timed"
    for m in family:
        learned = eta.expected((m.id, resolution, int(duration or 0)))
        if learned:
            return f"about {learned[0]:.0f} s here"
    return "faster" if any(w in family[0].family for w in ("Fast", "Turbo")) else "not timed"


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
        cells = [short(spec), _price(spec, members, resolution, duration, aspect, audio, size, models), good_for(members),
                 _speed(ctx, visitor, members, resolution, duration), f"{spec.duration_min}–{spec.duration_max} s",
                 resolutions, "yes" if spec.accepts_audio else "no", "yes" if spec.accepts_last_image else "no"]  # fmt: skip
        chosen = " class='chosen' aria-current='true'" if name == family else ""
        rows.append(f"<tr{chosen}>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
    head = ["Model", "Price now", "Good for", "Speed", "Lengths", "Resolutions", "Sound", "Last frame"]
    caption = "Models for your settings" + (" (price with your own key; demo previews are free)"
                                            if ctx.is_demo(visitor) else "")  # fmt: skip
    return (f"<div class='model-compare'><table><caption>{html.escape(caption)}</caption><thead><tr>"
            + "".join(f"<th scope='col'>{h}</th>" for h in head) + "</tr></thead><tbody>" + "".join(rows)
            + "</tbody></table></div>")  # fmt: skip

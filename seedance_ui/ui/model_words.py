"""The words a model's controls carry: what it is good for, what its Sound box says, the Resolution hint for the
sizes it has, and the controls it lacks (never a control gone unsaid). No page imports: the Create page and the
model guide both use them."""

from __future__ import annotations

from typing import Any

import gradio as gr

from .. import catalog
from .i18n import L


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


def sound_words(spec: catalog.ModelSpec) -> Any:
    """What the Sound box says for this model (it stays on the page, so its absence is never silent); the two
    plain lines in the visitor's language (labels), the one naming the model as the sentence it is."""
    if spec.accepts_audio:
        return L("create.sound_doubles") if spec.generation == "1.5" else L("create.sound_adds")
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
                       info=L("create.camera_fixed_info") if spec.accepts_camera_fixed else L("create.camera_not_offered"),
                       **({} if spec.accepts_camera_fixed else {"value": False}))  # fmt: skip
    return audio, camera, missing_words(spec)

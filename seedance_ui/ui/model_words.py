"""The words a model's controls carry: what it is good for, what its Sound box says, the Resolution hint for the
sizes it has, and the controls it lacks (never a control gone unsaid). No page imports: the Create page and the
model guide both use them."""

from __future__ import annotations

from typing import Any

import gradio as gr

from .. import catalog
from ..words.said import N_, Said, said, say


def short(spec: catalog.ModelSpec) -> str:
    return spec.family.removeprefix("Seedance ").strip() or spec.family


def good_for(family: list[catalog.ModelSpec], locale: str = "en") -> str:
    """What a family is good for, from what it can do (its name's Fast/Turbo/Lite/Mini, its sizes, its sound)."""
    spec, name = family[0], family[0].family
    resolutions = {r for m in family for r in m.resolutions}
    if spec.status != "current":
        use = said("model.good_for_retiring")
    elif "Turbo" in name or "Fast" in name:
        use = said("model.good_for_drafts")
    elif "Lite" in name:
        use = said("model.good_for_cheap")
    elif "Mini" in name:
        use = said("model.good_for_mini")
    elif "4k" in resolutions:
        use = said("model.good_for_4k")
    elif any(m.accepts_audio for m in family):
        use = said("model.good_for_sound")
    else:
        use = said("model.good_for_long") if spec.duration_max >= 15 else said("model.good_for_clips")
    return say(use, locale)


def retiring_words(spec: catalog.ModelSpec, locale: str = "en") -> str:
    """The notice of a model WaveSpeed is retiring ('' for any other), in the visitor's language."""
    return say(spec.notice, locale)


def sound_words(spec: catalog.ModelSpec, locale: str = "en") -> str:
    """What the Sound box says for this model (it stays on the page, so its absence is never silent)."""
    if spec.accepts_audio:
        return say(said("model.sound_doubles") if spec.generation == "1.5" else said("model.sound_adds"), locale)
    return say(said("model.no_sound", model=spec.family), locale)


RESOLUTION_TIPS = {"480p": N_("model.tip_480p"), "720p": N_("model.tip_720p"), "1080p": N_("model.tip_1080p"),
                   "4k": N_("model.tip_4k")}  # fmt: skip


def resolution_hint(choices: list[str], locale: str = "en") -> str:
    """The Resolution hint for the sizes this model has."""
    if len(choices) == 1:
        return say(said("model.only_size", size=choices[0]), locale)
    tips = [say(Said(RESOLUTION_TIPS[r]), locale) if r in RESOLUTION_TIPS else r for r in choices]
    return say(said("model.sizes_hint", tips=", ".join(tips)), locale)


def missing_words(spec: catalog.ModelSpec, locale: str = "en") -> str:
    """A line naming the controls this model lacks (they are hidden or greyed): never a control gone unsaid."""
    lacks = []
    if not spec.accepts_last_image:
        lacks.append(say(said("model.lacks_last_frame"), locale))
    if not spec.accepts_aspect_ratio:
        lacks.append(say(said("model.lacks_shape"), locale))
    if not spec.accepts_camera_fixed:
        lacks.append(say(said("model.lacks_camera_fixed"), locale))
    return say(said("model.lacks", model=spec.family, lacks=", ".join(lacks)), locale) if lacks else ""


def control_updates(family: str, models: Any = None, locale: str = "en") -> tuple[Any, Any, str]:
    """The Sound and Camera fixed boxes for a model: usable, or greyed with the reason; and the missing line.
    ``models``: the visitor's own list (the snapshot's when None)."""
    spec = next(m for m in (catalog.MODELS if models is None else models) if m.family == family)
    audio = gr.update(visible=True, interactive=spec.accepts_audio, info=sound_words(spec, locale),
                      **({} if spec.accepts_audio else {"value": False}))  # fmt: skip
    camera_info = said("model.camera_scene_moves") if spec.accepts_camera_fixed else said("model.camera_not_offered")
    camera = gr.update(interactive=spec.accepts_camera_fixed, info=say(camera_info, locale),
                       **({} if spec.accepts_camera_fixed else {"value": False}))  # fmt: skip
    return audio, camera, missing_words(spec, locale)

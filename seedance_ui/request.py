"""Seedance's rules for one request, in one place: ``check_settings`` and the JSON body ``payload``.

Every request is checked against its model here, once, when its ``Plan`` is made (``plan.py``); the app, the
CLI, ``/generate`` and the queue all make Plans. Before that, ``Choices`` (pydantic) checks only each value's
kind (a whole number, on or off, text). The emulator does not use this module: it validates on its own, from
WaveSpeed's published schemas (``seedance_emulator/schema.py``), so that it can catch this module's mistakes.
"""

from __future__ import annotations

from typing import Any

from .catalog import SEED_MAX, SEED_MIN, ModelSpec
from .words.said import Said, said

FIELD_NAMES = {
    "model_id": "Model",
    "prompt": "Prompt",
    "image": "First image",
    "last_image": "Last image",
    "duration": "Duration",
    "resolution": "Resolution",
    "aspect_ratio": "Aspect ratio",
    "generate_audio": "Sound",
    "camera_fixed": "Camera fixed",
    "seed": "Seed",
    "takes": "Takes",
}


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def check_settings(spec: ModelSpec, **v: Any) -> list[tuple[str, Said | str]]:
    """Every problem with a set of settings for a model, as (field, message) pairs (``str(message)`` is English).

    ``image`` is checked only when given (a plan is checked before its pictures are uploaded).
    """
    problems: list[tuple[str, str]] = []
    prompt = v.get("prompt") or ""
    if not isinstance(prompt, str):
        problems.append(("prompt", said("check.prompt_text")))
    elif spec.prompt_required and not prompt.strip():
        problems.append(("prompt", said("check.prompt_needed", model=spec.name)))
    elif len(prompt) > spec.prompt_max_chars:
        problems.append(("prompt", said("check.prompt_long", count=str(len(prompt)), model=spec.name,
                                        most=str(spec.prompt_max_chars))))  # fmt: skip
    if "image" in v and not v["image"]:
        problems.append(("image", said("check.first_image")))
    if v.get("last_image") and not spec.accepts_last_image:
        problems.append(("last_image", said("check.no_last_image", model=spec.name)))
    d = v.get("duration")
    smart = spec.smart_duration and d == -1  # Smart Duration: Seedance chooses the length
    if not smart and (not _is_int(d) or not spec.duration_min <= d <= spec.duration_max):
        low, high = str(spec.duration_min), str(spec.duration_max)
        problems.append(("duration", said("check.duration_smart", low=low, high=high) if spec.smart_duration
                         else said("check.duration", low=low, high=high)))  # fmt: skip
    r = v.get("resolution")
    if r not in spec.resolutions:
        problems.append(("resolution", said("check.resolution", model=spec.name, sizes=", ".join(spec.resolutions),
                                            size=str(r))))  # fmt: skip
    a = v.get("aspect_ratio")
    if a is not None and a not in spec.aspect_ratios:
        problems.append(("aspect_ratio", said("check.aspect_ratio", shapes=", ".join(spec.aspect_ratios))))
    elif a is not None and not spec.accepts_aspect_ratio:
        problems.append(("aspect_ratio", said("check.aspect_ratio_fixed", model=spec.name)))
    audio = v.get("generate_audio", False)
    if not isinstance(audio, bool):
        problems.append(("generate_audio", said("check.sound_on_off")))
    elif audio and not spec.accepts_audio:
        problems.append(("generate_audio", said("check.silent_model", model=spec.name)))
    if not isinstance(v.get("camera_fixed", False), bool):
        problems.append(("camera_fixed", said("check.camera_on_off")))
    elif v.get("camera_fixed") and not spec.accepts_camera_fixed:
        problems.append(("camera_fixed", said("check.no_camera_fixed", model=spec.name)))
    s = v.get("seed", -1)
    if not _is_int(s) or not SEED_MIN <= s <= SEED_MAX:
        problems.append(("seed", said("check.seed", low=str(SEED_MIN), high=str(SEED_MAX))))
    problems.extend(spec.check_extras(v))  # the schema's other inputs: required ones, types, enums, ranges
    return problems


def payload(
    spec: ModelSpec, values: dict[str, Any], image: str | None, last_image: str | None = None
) -> dict[str, Any]:
    """The JSON body for POST /api/v3/{model_id}: only the inputs this model accepts. Without ``image``, the inputs
    a price quote needs (everything but the pictures)."""
    body: dict[str, Any] = {"image": image} if image else {}
    body["duration"] = values["duration"]
    if values.get("prompt") or spec.prompt_required:
        body["prompt"] = values.get("prompt") or ""
    if spec.accepts_last_image and last_image:
        body["last_image"] = last_image
    if spec.sends_resolution:
        body["resolution"] = values["resolution"]
    if spec.accepts_aspect_ratio and values.get("aspect_ratio"):
        body["aspect_ratio"] = values["aspect_ratio"]
    if spec.accepts_audio:
        body["generate_audio"] = bool(values.get("generate_audio"))
    if spec.accepts_camera_fixed:
        body["camera_fixed"] = bool(values.get("camera_fixed"))
    if spec.accepts_seed:
        body["seed"] = values["seed"]
    body.update(spec.extra_payload(values))
    return body

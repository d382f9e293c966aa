"""What a submit's JSON body means for a model, the way WaveSpeed reads it: the schema's defaults filled in for
omitted inputs, checked by the app's one validation (``seedance_ui.request.check_settings``), and its length.
Prices are the catalog's (``models.EmulatorCatalog.charge`` and ``.quote``): the model's own formula.
"""

from __future__ import annotations

from typing import Any

from seedance_ui.catalog import ModelSpec
from seedance_ui.request import check_settings

_V1_FIELDS = {"image", "prompt", "duration", "camera_fixed", "seed"}


def taken_fields(spec: ModelSpec) -> set[str]:
    """The inputs a model's endpoint takes: its schema's properties. (V1 models have no ``resolution`` input: it
    is part of the model id.)"""
    if spec.field_order:
        return set(spec.field_order)
    fields = set(_V1_FIELDS)  # a spec built by hand, without a schema
    for name, taken in (("last_image", spec.accepts_last_image), ("aspect_ratio", spec.accepts_aspect_ratio),
                        ("generate_audio", spec.accepts_audio), ("resolution", spec.sends_resolution)):  # fmt: skip
        if taken:
            fields.add(name)
    return fields


def effective_inputs(spec: ModelSpec, body: dict[str, Any]) -> dict[str, Any]:
    """The inputs the task runs with: the body's values for the fields the model takes, defaults for the rest.

    Fields the model does not take are ignored, not refused: WaveSpeed is believed to ignore unknown inputs
    (unconfirmed). A JSON null counts as omitted (also unconfirmed).
    """
    values: dict[str, Any] = {"prompt": "", "duration": spec.duration_default}
    if spec.accepts_camera_fixed:
        values["camera_fixed"] = spec.camera_fixed_default
    if spec.accepts_seed:
        values["seed"] = spec.seed_default
    if spec.accepts_audio:
        values["generate_audio"] = spec.audio_default  # omitted on V1.5 Pro means with sound, and charged so
    if spec.sends_resolution:
        values["resolution"] = spec.default_resolution
    values.update(spec.extra_defaults())
    taken = taken_fields(spec)
    values.update({k: v for k, v in body.items() if k in taken and v is not None})
    return values


def problems(spec: ModelSpec, inputs: dict[str, Any]) -> tuple[int, str] | None:
    """None when the task can run, else (task code, message): 1400 for a missing image, prompt or other required
    input, 1401 otherwise."""
    # image passed even when omitted: check_settings looks at it only when given
    found = check_settings(spec, **{"resolution": spec.default_resolution, **inputs, "image": inputs.get("image")})
    if not found:
        return None
    prompt = inputs.get("prompt")

    def is_missing(f: str) -> bool:
        if f == "prompt":
            return isinstance(prompt, str) and not prompt.strip()
        return f == "image" or (f in spec.required_fields and inputs.get(f) is None)

    message = " ".join(
        f"{'Missing' if is_missing(f) else 'Invalid'} parameter {f}: {sentence}" for f, sentence in found
    )
    return (1400 if any(is_missing(f) for f, _ in found) else 1401), message


def rendered_duration(spec: ModelSpec, inputs: dict[str, Any]) -> int:
    """The clip's length: as asked, or for Smart Duration (-1) the model's default, as if Seedance chose it."""
    duration = int(inputs["duration"])
    return spec.duration_default if duration == -1 else duration


def charged_inputs(spec: ModelSpec, inputs: dict[str, Any]) -> dict[str, Any]:
    """The inputs a task is charged for: Smart Duration is charged for the length actually rendered."""
    return {**inputs, "duration": rendered_duration(spec, inputs)}

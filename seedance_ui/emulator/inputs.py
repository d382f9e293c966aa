"""What a submit's JSON body means for a model, the way WaveSpeed reads it: the model's defaults filled in for
omitted inputs, checked by the app's one validation (``seedance_ui.request.check_settings``), and priced.
"""

from __future__ import annotations

from typing import Any

from ..catalog import ModelSpec
from ..pricing import estimate
from ..request import check_settings


def taken_fields(spec: ModelSpec) -> set[str]:
    """The inputs a model's endpoint takes. V1 models have no ``resolution`` input: it is part of the model id."""
    fields = {"image", "prompt", "duration", "camera_fixed", "seed"}
    if spec.accepts_last_image:
        fields.add("last_image")
    if spec.accepts_aspect_ratio:
        fields.add("aspect_ratio")
    if spec.accepts_audio:
        fields.add("generate_audio")
    if spec.sends_resolution:
        fields.add("resolution")
    return fields


def effective_inputs(spec: ModelSpec, body: dict[str, Any]) -> dict[str, Any]:
    """The inputs the task runs with: the body's values for the fields the model takes, defaults for the rest.

    Fields the model does not take are ignored, not refused: WaveSpeed is believed to ignore unknown inputs
    (unconfirmed). A JSON null counts as omitted (also unconfirmed).
    """
    values: dict[str, Any] = {
        "prompt": "",
        "duration": spec.duration_default,
        "camera_fixed": spec.camera_fixed_default,
        "seed": spec.seed_default,
    }
    if spec.accepts_audio:
        values["generate_audio"] = spec.audio_default  # omitted on V1.5 Pro means with sound, and charged so
    if spec.sends_resolution:
        values["resolution"] = spec.default_resolution
    taken = taken_fields(spec)
    values.update({k: v for k, v in body.items() if k in taken and v is not None})
    return values


def problems(spec: ModelSpec, inputs: dict[str, Any]) -> tuple[int, str] | None:
    """None when the task can run, else (task code, message): 1400 for a missing image or prompt, 1401 otherwise."""
    # image passed even when omitted: check_settings looks at it only when given
    found = check_settings(spec, **{"resolution": spec.default_resolution, **inputs, "image": inputs.get("image")})
    if not found:
        return None
    prompt = inputs.get("prompt")

    def is_missing(f: str) -> bool:
        return f == "image" or (f == "prompt" and isinstance(prompt, str) and not prompt.strip())

    message = " ".join(
        f"{'Missing' if is_missing(f) else 'Invalid'} parameter {f}: {sentence}" for f, sentence in found
    )
    return (1400 if any(is_missing(f) for f, _ in found) else 1401), message


def charge(spec: ModelSpec, inputs: dict[str, Any]) -> float:
    """What a task with these (effective) inputs costs."""
    quote = estimate(spec.id, inputs["duration"], inputs.get("resolution"), bool(inputs.get("generate_audio")),
                     aspect_ratio=inputs.get("aspect_ratio"))  # fmt: skip
    return float(quote.total)


def floor_quote(spec: ModelSpec, inputs: dict[str, Any]) -> float:
    """``POST /api/v3/model/price``: inputs left out are priced at the formula's floor, as the docs warn, so a
    caller that leaves them out is under-quoted. Which values WaveSpeed's ``base_price`` stands for is
    unconfirmed; here: the default duration (formulas read ``base_price * duration / 5``), the cheapest
    resolution, and silence. Raises ValueError or TypeError for inputs that cannot be priced."""
    duration = inputs.get("duration", spec.duration_default)
    if not isinstance(duration, int) or isinstance(duration, bool):
        raise TypeError("duration must be an integer")
    resolution = inputs.get("resolution") if spec.sends_resolution else None
    resolution = resolution or spec.resolutions[0]
    audio = inputs.get("generate_audio", False)
    if not isinstance(audio, bool):
        raise TypeError("generate_audio must be a boolean")
    quote = estimate(spec.id, duration, resolution, audio, aspect_ratio=inputs.get("aspect_ratio"))
    return float(quote.total)

"""A typed request for one Seedance render, checked against the model's spec.

``GenerationRequest.build(...)`` either returns a request that the model's endpoint will accept or raises
``InvalidRequest`` whose problems name the field and the allowed values in plain words.
``to_payload()`` gives exactly the JSON body of the model's endpoint, leaving out what it does not take.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .catalog import ASPECT_RATIOS, SEED_MAX, SEED_MIN, ModelSpec, get_model
from .errors import InvalidRequest

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
}


class GenerationRequest(BaseModel):
    """One render: the model, the images (URLs or data URIs) and the settings."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    model_id: str = Field(description="WaveSpeed model id, e.g. bytedance/seedance-v1.5-pro/image-to-video.")
    image: str = Field(min_length=1, description="First frame: a URL or data URI of a JPEG/PNG.")
    prompt: str = Field(default="", description="What happens in the shot: subject, action, camera, look.")
    last_image: str | None = Field(default=None, description="Optional last frame, for models that take one.")
    duration: int = Field(description="Length in seconds.")
    resolution: str = Field(description="480p, 720p or 1080p.")
    aspect_ratio: str | None = Field(default=None, description="One of the six presets; None follows the image.")
    generate_audio: bool = Field(default=False, description="Render a sound track (V1.5 Pro only).")
    camera_fixed: bool = Field(default=False, description="Keep the camera still.")
    seed: int = Field(default=-1, description="-1 for random, or 0..2147483647 to repeat a result.")

    @property
    def spec(self) -> ModelSpec:
        return get_model(self.model_id)

    @classmethod
    def build(cls, model_id: str, image: str, **settings: Any) -> GenerationRequest:
        """Fill the model's defaults, check every setting, and return the request or raise InvalidRequest."""
        try:
            spec = get_model(model_id)
        except KeyError as e:
            raise InvalidRequest([("model_id", str(e.args[0]))]) from None
        values: dict[str, Any] = {
            "duration": spec.duration_default,
            "resolution": spec.default_resolution,
            "generate_audio": spec.audio_default if spec.accepts_audio else False,
            "camera_fixed": spec.camera_fixed_default,
            "seed": spec.seed_default,
        }
        values.update({k: v for k, v in settings.items() if v is not None or k in ("aspect_ratio", "last_image")})
        problems = check_settings(spec, image=image, **values)
        if problems:
            raise InvalidRequest(problems)
        try:
            return cls(model_id=model_id, image=image, **values)
        except ValidationError as e:
            raise InvalidRequest(
                [(str(err["loc"][0]), f"{FIELD_NAMES.get(str(err['loc'][0]), err['loc'][0])}: {err['msg']}.")
                 for err in e.errors()]
            ) from None  # fmt: skip

    def to_payload(self) -> dict[str, Any]:
        """The JSON body for POST /api/v3/{model_id}: only the inputs this model accepts."""
        spec = self.spec
        body: dict[str, Any] = {"image": self.image, "duration": self.duration}
        if self.prompt or spec.prompt_required:
            body["prompt"] = self.prompt
        if spec.accepts_last_image and self.last_image:
            body["last_image"] = self.last_image
        if spec.sends_resolution:
            body["resolution"] = self.resolution
        if spec.accepts_aspect_ratio and self.aspect_ratio:
            body["aspect_ratio"] = self.aspect_ratio
        if spec.accepts_audio:
            body["generate_audio"] = self.generate_audio
        body["camera_fixed"] = self.camera_fixed
        body["seed"] = self.seed
        return body

    def output_size(self, image_size: tuple[int, int] | None = None) -> tuple[int, int]:
        """The video's pixel size; with no aspect ratio it follows the image (16:9 when the image is unknown)."""
        from .catalog import nearest_aspect_ratio

        aspect = self.aspect_ratio if self.spec.accepts_aspect_ratio else None
        if aspect is None:
            aspect = nearest_aspect_ratio(*image_size) if image_size else "16:9"
        return self.spec.output_size(self.resolution, aspect)


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def check_settings(spec: ModelSpec, **v: Any) -> list[tuple[str, str]]:
    """Every problem with a set of settings for a model, as (field, plain sentence) pairs."""
    problems: list[tuple[str, str]] = []
    prompt = v.get("prompt") or ""
    if not isinstance(prompt, str):
        problems.append(("prompt", "Prompt must be text."))
    elif spec.prompt_required and not prompt.strip():
        problems.append(("prompt", f"{spec.name} needs a prompt: describe what happens in the shot."))
    elif len(prompt) > spec.prompt_max_chars:
        problems.append(
            ("prompt", f"Prompt is {len(prompt)} characters; the most {spec.name} takes is {spec.prompt_max_chars}.")
        )
    if not v.get("image"):
        problems.append(("image", "Add a first image."))
    if v.get("last_image") and not spec.accepts_last_image:
        problems.append(("last_image", f"{spec.name} takes no last image. Remove it or choose another model."))
    d = v.get("duration")
    if not _is_int(d) or not spec.duration_min <= d <= spec.duration_max:
        problems.append(
            ("duration", f"Duration must be a whole number of seconds from {spec.duration_min} to {spec.duration_max}.")
        )
    r = v.get("resolution")
    if r not in spec.resolutions:
        problems.append(("resolution", f"{spec.name} renders {', '.join(spec.resolutions)}; '{r}' is not one of them."))
    a = v.get("aspect_ratio")
    if a is not None and a not in ASPECT_RATIOS:
        problems.append(
            ("aspect_ratio", f"Aspect ratio must be one of {', '.join(ASPECT_RATIOS)}, or left to match the image.")
        )
    elif a is not None and not spec.accepts_aspect_ratio:
        problems.append(("aspect_ratio", f"{spec.name} always follows the image's shape; leave aspect ratio unset."))
    audio = v.get("generate_audio", False)
    if not isinstance(audio, bool):
        problems.append(("generate_audio", "Sound must be on or off."))
    elif audio and not spec.accepts_audio:
        problems.append(
            ("generate_audio", f"{spec.name} makes silent videos; turn sound off or choose Seedance V1.5 Pro.")
        )
    if not isinstance(v.get("camera_fixed", False), bool):
        problems.append(("camera_fixed", "Camera fixed must be on or off."))
    s = v.get("seed")
    if not _is_int(s) or not SEED_MIN <= s <= SEED_MAX:
        problems.append(("seed", f"Seed must be a whole number from {SEED_MIN} (random) to {SEED_MAX}."))
    return problems

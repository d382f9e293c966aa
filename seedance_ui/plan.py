"""A Plan: everything one request means, worked out once from what the person chose.

``Choices`` is what the person picked (in the app, on the command line or through ``/generate``); anything left
out takes the model's default. ``Plan.make(choices, image_size=...)`` fills the defaults, keeps only the fields
the model accepts, checks every setting once (``request.check_settings``), and works out the output size, the
framing shape, the seeds of each take and the price. The price card, the framing preview, ``seedance price``,
``seedance generate``, ``/generate`` and the take runner all read the same Plan.
"""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from . import catalog, pricing, request
from .errors import InvalidRequest
from .words.said import said

MAX_TAKES = 4


class Choices(BaseModel):
    """What the person chose. ``None`` means "the model's default" (for aspect ratio: match the picture)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    model_id: str = Field(catalog.DEFAULT_MODEL_ID, description="WaveSpeed model id (see `seedance models`).")
    prompt: str = Field("", description="What happens in the shot: subject, action, camera, look.")
    duration: int | None = Field(None, description="Length in seconds; None for the model's default.")
    resolution: str | None = Field(None, description="480p, 720p or 1080p; None for the model's default.")
    aspect_ratio: str | None = Field(None, description="One of the six shapes; None matches the picture.")
    generate_audio: bool | None = Field(None, description="Sound (V1.5 Pro); None for the model's default (on).")
    camera_fixed: bool = Field(False, description="Keep the camera still.")
    seed: int = Field(-1, description="-1 for random, or 0..2147483647 to repeat a result.")
    takes: int = Field(1, description="How many versions at once, 1-4, one seed each.")
    extras: dict[str, Any] = Field(default_factory=dict, description="The model's other inputs, by name, from its "
                                   "schema (`seedance models --json`); left out means the schema's default.")  # fmt: skip

    @classmethod
    def of(cls, **values: Any) -> Choices:
        """Choices from loose values (a form, argv, an API call); a value that isn't of the right kind is refused
        in plain words, naming the field."""
        try:
            return cls(**{k: v for k, v in values.items() if v is not None or k in ("aspect_ratio",)})
        except ValidationError as e:
            problems = []
            for err in e.errors():
                name = str(err["loc"][0]) if err["loc"] else "settings"
                label = request.FIELD_NAMES.get(name, name)
                kind = "int" if "int" in err["type"] else "bool" if "bool" in err["type"] else "text"
                must = {"int": said("check.must_be_number", field=label), "bool": said("check.must_be_on_off", field=label),
                        "text": said("check.must_be_text", field=label)}[kind]  # fmt: skip
                problems.append(
                    (name, must if err["type"] != "extra_forbidden" else said("check.not_a_setting", name=name))
                )
            raise InvalidRequest(problems) from None


@dataclass(frozen=True)
class Plan:
    """One request, worked out: the model, the values sent, the shape and size, the seeds and the price."""

    spec: catalog.ModelSpec
    choices: Choices
    values: dict[str, Any]
    """prompt, duration, resolution, aspect_ratio (None: match the picture), generate_audio, camera_fixed, seed."""
    seeds: tuple[int, ...]
    """One seed per take, chosen here so each take's seed can be shown and reused."""
    aspect_ratio: str
    """The output's shape: the one chosen, or the preset nearest the picture (16:9 while no picture is known)."""
    shape_known: bool
    """False when the shape follows a picture we haven't seen yet: output size and price are then estimates."""
    output_size: tuple[int, int]
    price: pricing.Price
    models: tuple[catalog.ModelSpec, ...] | None = dataclasses.field(default=None, repr=False, compare=False)
    """The catalog the plan was checked against (the visitor's; None: the built-in list)."""

    @classmethod
    def make(cls, choices: Choices, *, image_size: tuple[int, int] | None = None,
             models: Iterable[catalog.ModelSpec] | None = None, priced_only: bool = False) -> Plan:  # fmt: skip
        """Fill defaults, check every setting once, and work the rest out; InvalidRequest names each problem.
        ``models``: the visitor's catalog (``catalog_live.models_for``); None for the built-in list.
        ``priced_only``: a plan made only to show a price and a shape, which the prompt doesn't change: the
        prompt isn't checked (such a plan is never sent)."""
        models = tuple(models) if models is not None else None
        try:
            spec = catalog.get_model(choices.model_id, models)
        except KeyError as e:
            raise InvalidRequest([("model_id", str(e.args[0]))]) from None
        values: dict[str, Any] = {
            "prompt": choices.prompt,
            "duration": spec.duration_default if choices.duration is None else choices.duration,
            "resolution": choices.resolution or spec.default_resolution,
            "aspect_ratio": choices.aspect_ratio,  # refused by the check on a model that follows the picture
            "generate_audio": spec.audio_default if choices.generate_audio is None else choices.generate_audio,
            "camera_fixed": choices.camera_fixed,
            "seed": choices.seed,
        }
        if not spec.accepts_audio and choices.generate_audio is None:
            values["generate_audio"] = False
        known = {f.name for f in spec.extra_fields}
        extras = {k: v for k, v in choices.extras.items() if v is not None}
        problems: list[tuple[str, Any]] = [(k, said("check.model_lacks_setting", model=spec.name, name=k))
                                           for k in extras if k not in known]  # fmt: skip
        values.update({k: v for k, v in extras.items() if k in known})
        problems += [p for p in request.check_settings(spec, **values) if not (priced_only and p[0] == "prompt")]
        if not 1 <= choices.takes <= MAX_TAKES:
            problems.append(("takes", said("check.takes", most=str(MAX_TAKES))))
        if problems:
            raise InvalidRequest(problems)
        aspect = values["aspect_ratio"] or (catalog.nearest_aspect_ratio(*image_size) if image_size else "16:9")
        price = pricing.price_for(spec, values["duration"], values["resolution"], values["generate_audio"],
                                  takes=choices.takes, aspect_ratio=aspect, extras=extras, models=models)  # fmt: skip
        return cls(
            spec=spec, choices=choices, values=values, seeds=_seeds(choices.seed, choices.takes),
            aspect_ratio=aspect, shape_known=bool(values["aspect_ratio"] or image_size),
            output_size=spec.output_size(values["resolution"], aspect), price=price, models=models,
        )  # fmt: skip

    def for_image(self, image_size: tuple[int, int]) -> Plan:
        """The same plan once the picture is known: shape, size and price follow it; seeds stay."""
        if self.values["aspect_ratio"]:
            return self
        aspect = catalog.nearest_aspect_ratio(*image_size)
        price = pricing.price_for(self.spec, self.values["duration"], self.values["resolution"],
                                  self.values["generate_audio"], takes=self.takes, aspect_ratio=aspect,
                                  extras=self.choices.extras, models=self.models)  # fmt: skip
        return dataclasses.replace(self, aspect_ratio=aspect, shape_known=True, price=price,
                                   output_size=self.spec.output_size(self.values["resolution"], aspect))  # fmt: skip

    @property
    def takes(self) -> int:
        return len(self.seeds)

    @property
    def upload_side(self) -> int:
        """The longest side worth sending: twice the output's long side (more detail than that is never used)."""
        return 2 * max(self.output_size)

    def take_values(self, index: int) -> dict[str, Any]:
        """The values of one take: the plan's, with that take's seed."""
        return {**self.values, "seed": self.seeds[index]}

    def payload(self, index: int, image: str | None, last_image: str | None = None) -> dict[str, Any]:
        """The JSON body of one take's submit (without ``image``: the inputs WaveSpeed's quote needs)."""
        return request.payload(self.spec, self.take_values(index), image, last_image)

    def needs_confirm(self, threshold: float | None) -> bool:
        """Spending above the person's threshold asks first."""
        return threshold is not None and float(self.price.total) > float(threshold)


def _seeds(seed: int, takes: int) -> tuple[int, ...]:
    """A fixed seed steps by one per take (so each take differs and each can be repeated); -1 picks at random."""
    n = max(1, min(MAX_TAKES, takes))
    if seed >= 0:
        return tuple((seed + i) % (catalog.SEED_MAX + 1) for i in range(n))
    return tuple(random_seed() for _ in range(n))


def random_seed() -> int:
    """The app picks random seeds itself so the seed can be shown and reused."""
    return secrets.randbelow(catalog.SEED_MAX)

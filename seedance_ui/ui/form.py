"""The Create page's form, read by name: one ``Form`` from Gradio's dict inputs, and the one way it becomes
``Choices`` and a ``Plan``.

Every event of the page takes the same set of components (``FormFields.all()``); Gradio then calls the handler
with one dict keyed by component, and ``FormFields.read`` turns it into a ``Form``. Handlers read the values they
need by name; none takes them positionally.
"""

from __future__ import annotations

import dataclasses
import functools
import os
from dataclasses import dataclass, field
from typing import Any

from .. import catalog, images
from ..errors import SeedanceError
from ..plan import Choices, Plan
from .state import Visitor

MATCH = "match"
"""The shape control's value for "follow the picture" (its label is ``create.match``)."""

Models = tuple[catalog.ModelSpec, ...] | None
"""The visitor's catalog (``AppContext.models``); None: the built-in list."""


def spec_for(family: str, resolution: str | None, models: Any = None) -> catalog.ModelSpec:
    """The model of a family at a resolution, in the visitor's catalog (``models``; None: the built-in list)."""
    pool = catalog.MODELS if models is None else tuple(models)
    if resolution in catalog.resolutions_for_family(family, pool):
        return catalog.model_for(family, resolution, pool)  # type: ignore[arg-type]
    return next(m for m in pool if m.family == family)


def aspect_value(value: str | None) -> str | None:
    return None if not value or value == MATCH else value


@functools.lru_cache(maxsize=256)
def _inspect_cached(path: str, size: int, mtime_ns: int) -> images.ImageCheck:
    return images.inspect(path)


def inspect(path: str) -> images.ImageCheck:
    """The picture's check, decoded once per file version: every slider move re-prices and re-frames."""
    st = os.stat(path)
    return _inspect_cached(path, st.st_size, st.st_mtime_ns)


def usable_size(path: str | None) -> tuple[int, int] | None:
    """The size of a picture that passes its check, else None (a refused picture frames and prices nothing)."""
    if not path:
        return None
    try:
        check = inspect(path)
    except (OSError, SeedanceError):
        return None
    return (check.width, check.height) if check.ok else None


@dataclass(frozen=True)
class Form:
    """What the Create page holds, by name (the values as the page sends them: numbers may be floats)."""

    visitor: Visitor | None = None
    first: str | None = None
    last: str | None = None
    prompt: str = ""
    family: str = ""
    resolution: str | None = None
    duration: float | None = None
    aspect: str | None = MATCH
    audio: bool = False
    camera_fixed: bool = False
    seed: float | None = -1
    takes: float | None = 1
    confirmed: bool = False
    """The "Yes, spend this" box."""
    threshold: float | None = None
    """Ask before spending more than this (Settings)."""
    extras: dict[str, Any] = field(default_factory=dict)
    """The model's own inputs from "More options", by name."""

    def spec(self, models: Models = None) -> catalog.ModelSpec:
        return spec_for(self.family, self.resolution, models)

    def choices(self, models: Models = None) -> Choices:
        """The request the form describes (Choices' own checks name a value of the wrong kind)."""
        spec = self.spec(models)
        return Choices.of(
            model_id=spec.id, prompt=self.prompt or "",
            duration=int(self.duration) if self.duration is not None else None,
            resolution=self.resolution if self.resolution in spec.resolutions else None,
            aspect_ratio=aspect_value(self.aspect) if spec.accepts_aspect_ratio else None,
            generate_audio=bool(self.audio) and spec.accepts_audio, camera_fixed=bool(self.camera_fixed),
            seed=int(self.seed) if self.seed is not None and self.seed != "" else -1, takes=int(self.takes or 1),
            extras=dict(self.extras or {}),
        )  # fmt: skip

    def plan(self, models: Models = None, *, priced_only: bool = False) -> Plan:
        """The plan, shaped by the first picture when it passes its check. ``priced_only``: a plan made to show
        its price and framing, which the prompt doesn't change (it isn't checked)."""
        return Plan.make(self.choices(models), image_size=usable_size(self.first), models=models,
                         priced_only=priced_only)  # fmt: skip


@dataclass(frozen=True)
class FormFields:
    """The page's form components under the Form's names. Every event takes ``all()`` (Gradio's dict inputs), and
    ``read`` gives its handler the Form."""

    visitor: Any
    first: Any
    last: Any
    prompt: Any
    family: Any
    resolution: Any
    duration: Any
    aspect: Any
    audio: Any
    camera_fixed: Any
    seed: Any
    takes: Any
    confirmed: Any
    threshold: Any
    extras: Any

    def all(self) -> set[Any]:
        return {getattr(self, f.name) for f in dataclasses.fields(self)}

    def read(self, data: dict[Any, Any]) -> Form:
        """The Form from an event's dict of values (keyed by component)."""
        values = {
            f.name: data[getattr(self, f.name)] for f in dataclasses.fields(self) if getattr(self, f.name) in data
        }
        if values.get("extras") is None:
            values["extras"] = {}
        return Form(**values)

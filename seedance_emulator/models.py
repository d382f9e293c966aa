"""The emulator's model catalog: what ``GET /api/v3/models`` answers, what submits may name, and the server's
side of pricing (``POST /api/v3/model/price`` and each task's charge).

It starts from the snapshot of WaveSpeed's catalog that ships with the app (read as a data file, without our
``x-seedance`` notes: WaveSpeed's answer has none), and a test can add models of its own
(``Emulator(extra_models=[...])`` or ``POST /_emulator/models``). Each served entry is read by the emulator's own
code: its inputs checked against its JSON schema (``schema.py``), its price from WaveSpeed's published prices or
its formula (``prices.py``), its size from ByteDance's tables (``facts.py``). The server's helper functions, which a
client can't evaluate, are ``helpers`` (name -> Python function).
"""

from __future__ import annotations

import copy
import importlib.util
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from . import facts, schema
from .prices import PriceList

SNAPSHOT_PACKAGE, SNAPSHOT_FILE = "seedance_ui", ("data", "catalog-snapshot.json")


@lru_cache(maxsize=1)
def _snapshot_text() -> str:
    """The app's snapshot file, read as data (find_spec locates the package without importing it)."""
    found = importlib.util.find_spec(SNAPSHOT_PACKAGE)
    if found is None or not found.submodule_search_locations:
        return '{"data": []}'
    return Path(next(iter(found.submodule_search_locations)), *SNAPSHOT_FILE).read_text(encoding="utf-8")


def snapshot_entries() -> list[dict[str, Any]]:
    """The snapshot's entries as WaveSpeed would answer them: our ``x-seedance`` notes left out."""
    items = json.loads(_snapshot_text())["data"]
    for item in items:
        item.pop("x-seedance", None)
    return items


def renderable(item: Any) -> bool:
    """An entry the emulator can run as a clip: image-to-video with an ``image`` input (not only Seedance)."""
    if not isinstance(item, dict) or not isinstance(item.get("model_id"), str):
        return False
    return item.get("type") == "image-to-video" and "image" in schema.properties(item)


def is_upscaler(item: Any) -> bool:
    """An entry the emulator can run as an upscale: video-to-video with a ``video`` input."""
    return isinstance(item, dict) and item.get("type") == "video-to-video" and "video" in schema.properties(item)


@dataclass(frozen=True)
class ServedModel:
    """One catalog entry the emulator runs, as its schema describes it."""

    item: dict[str, Any]
    published: bool = False
    """The snapshot's own entry (WaveSpeed's as published), not one a test serves in its place: only then do
    WaveSpeed's published prices apply to it."""

    @property
    def id(self) -> str:
        return str(self.item["model_id"])

    @property
    def is_upscaler(self) -> bool:
        return is_upscaler(self.item)

    def effective_inputs(self, body: Mapping[str, Any]) -> dict[str, Any]:
        return schema.effective_inputs(self.item, body)

    def problems(self, inputs: Mapping[str, Any], *, whole: bool = True) -> tuple[int, str] | None:
        return schema.problems(self.item, inputs, whole=whole)

    def _durations(self) -> tuple[int, int]:
        """(default, longest) length in seconds from the schema's duration (5 and None when it says nothing)."""
        prop = schema.properties(self.item).get("duration") or {}
        default = prop.get("default") if isinstance(prop.get("default"), int) else 5
        options = [v for v in prop.get("enum") or [] if isinstance(v, int)]
        longest = max(options) if options else prop.get("maximum")
        return default, longest if isinstance(longest, int) else None

    @property
    def longest_duration(self) -> int | None:
        return self._durations()[1]

    def rendered_duration(self, inputs: Mapping[str, Any]) -> int:
        """The clip's length: as asked, or for Smart Duration (-1) the schema's default, as if Seedance chose it."""
        duration = int(inputs.get("duration", self._durations()[0]))
        return self._durations()[0] if duration == -1 else duration

    def charged_inputs(self, inputs: Mapping[str, Any]) -> dict[str, Any]:
        """The inputs a task is charged for: Smart Duration is charged for the length actually rendered."""
        return {**inputs, "duration": self.rendered_duration(inputs)} if "duration" in inputs else dict(inputs)

    def resolution(self, inputs: Mapping[str, Any]) -> str:
        """The output resolution: the input, else the one in the model id (Seedance 1.0), else 720p."""
        return str(inputs.get("resolution") or facts.resolution_in_id(self.id) or "720p")

    def output_size(self, inputs: Mapping[str, Any], image_size: tuple[int, int]) -> tuple[int, int]:
        aspect = inputs.get("aspect_ratio") or facts.nearest_aspect_ratio(*image_size)
        return facts.output_size(self.id, self.resolution(inputs), str(aspect))


class EmulatorCatalog:
    def __init__(self, extra_models: Iterable[Mapping[str, Any]] = (),
                 helpers: Mapping[str, Callable[..., Any]] | None = None) -> None:  # fmt: skip
        self._extra = [copy.deepcopy(dict(m)) for m in extra_models]
        self.helpers: dict[str, Callable[..., Any]] = dict(helpers or {})
        self.prices = PriceList(self.helpers)
        self.items: dict[str, dict[str, Any]] = {}
        self.specs: dict[str, ServedModel] = {}
        """The clip models it runs, by id (upscalers are in ``served``)."""
        self.reset()

    def reset(self) -> None:
        """Back to the snapshot and the constructor's extra models (models added since are forgotten)."""
        self.items, self.specs, self._published = {}, {}, set()
        for item in snapshot_entries():
            self.add(item, published=True)
        for item in copy.deepcopy(self._extra):
            self.add(item)

    def add(self, item: Mapping[str, Any], *, published: bool = False) -> ServedModel | None:
        """Add (or replace) one catalog entry; the served model when it is a clip model the emulator renders.
        Raises ValueError for an entry it can't read."""
        item = copy.deepcopy(dict(item))
        if not isinstance(item.get("model_id"), str) or not item["model_id"]:
            raise ValueError("a model needs a model_id")
        if not isinstance(item.get("api_schema", {}), dict):
            raise ValueError("unreadable model entry: api_schema must be an object")
        item.pop("x-seedance", None)
        self.items[item["model_id"]] = item
        self.specs.pop(item["model_id"], None)
        (self._published.add if published else self._published.discard)(item["model_id"])
        if not renderable(item):
            return None
        model = ServedModel(item, published)
        self.specs[model.id] = model
        return model

    def served(self, model_id: str) -> ServedModel | None:
        """The clip model or upscaler a submit may name; None for anything else."""
        if model_id in self.specs:
            return self.specs[model_id]
        item = self.items.get(model_id)
        return ServedModel(item, model_id in self._published) if is_upscaler(item) else None

    def answer(self) -> list[dict[str, Any]]:
        """``GET /api/v3/models``'s data: every entry, in the order added."""
        return copy.deepcopy(list(self.items.values()))

    def charge(self, model: ServedModel, inputs: Mapping[str, Any]) -> float:
        """What a task with these effective inputs costs (its published price, its formula or its base price)."""
        return self.prices.charge(model.item, model.charged_inputs(inputs), published=model.published)

    def quote(self, model: ServedModel, inputs: Mapping[str, Any]) -> float:
        """``POST /api/v3/model/price``; inputs left out take their defaults. Raises ValueError for a given
        input its schema refuses."""
        problem = model.problems(inputs, whole=False)
        if problem:
            raise ValueError(problem[1])
        return self.prices.quote(model.item, inputs, model.longest_duration, published=model.published)

"""The emulator's model catalog: what ``GET /api/v3/models`` answers, what submits may name, and the server's
side of pricing (``POST /api/v3/model/price`` and each task's charge).

It starts from the app's built-in snapshot, without our ``x-seedance`` notes (WaveSpeed's answer has none), and
a test can add models of its own (``Emulator(extra_models=[...])`` or ``POST /_emulator/models``) that the app's
code names nowhere: they are specs built by the same ``ModelSpec.from_api``, validated by the same
``check_settings``, rendered at the sizes their spec gives and priced by their own formula. The server's helper
functions, which the app's local evaluator lacks, are ``helpers`` (name -> Python function).
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable, Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from seedance_ui import formula
from seedance_ui.catalog import ModelSpec, snapshot_items, snapshot_notes
from seedance_ui.catalog_schema import extra_field, request_schema

CENT = Decimal("0.01")
MAX_FLOOR_COMBINATIONS = 512
"""Pricing a quote's missing inputs at their floor tries each combination of their values; past this many the
schema defaults are used instead (a formula with that many unknowns is priced roughly anyway)."""
_ABSENT = object()


def renderable(item: Any) -> bool:
    """An entry the emulator can run: image-to-video with a first ``image`` input (any name, not only Seedance)."""
    if not isinstance(item, dict) or not isinstance(item.get("model_id"), str):
        return False
    return item.get("type") == "image-to-video" and "image" in (request_schema(item).get("properties") or {})


class EmulatorCatalog:
    def __init__(self, extra_models: Iterable[Mapping[str, Any]] = (),
                 helpers: Mapping[str, Callable[..., Any]] | None = None) -> None:  # fmt: skip
        self._extra = [copy.deepcopy(dict(m)) for m in extra_models]
        self.helpers: dict[str, Callable[..., Any]] = dict(helpers or {})
        self.items: dict[str, dict[str, Any]] = {}
        self.specs: dict[str, ModelSpec] = {}
        self.reset()

    def reset(self) -> None:
        """Back to the snapshot and the constructor's extra models (models added since are forgotten)."""
        self.items = {}
        self.specs = {}
        for item in snapshot_items(notes=False) + copy.deepcopy(self._extra):
            self.add(item)

    def add(self, item: Mapping[str, Any]) -> ModelSpec | None:
        """Add (or replace) one catalog entry; the spec when it is a model the emulator can render. Raises
        ValueError for an entry it can't read."""
        item = copy.deepcopy(dict(item))
        if not isinstance(item.get("model_id"), str) or not item["model_id"]:
            raise ValueError("a model needs a model_id")
        item.pop("x-seedance", None)
        self.items[item["model_id"]] = item
        self.specs.pop(item["model_id"], None)
        if not renderable(item):
            return None
        try:
            spec = ModelSpec.from_api(item, snapshot_notes().get(item["model_id"]), source="live")
        except (KeyError, TypeError, ArithmeticError) as e:
            self.items.pop(item["model_id"], None)
            raise ValueError(f"unreadable model entry: {e}") from None
        self.specs[spec.id] = spec
        return spec

    def answer(self) -> list[dict[str, Any]]:
        """``GET /api/v3/models``'s data: every entry, in the order added."""
        return copy.deepcopy(list(self.items.values()))

    # Prices -----------------------------------------------------------------------------------------------------

    def _evaluate(self, spec: ModelSpec, inputs: Mapping[str, Any]) -> Decimal | None:
        try:
            return formula.evaluate(spec.formula, spec.base_price, inputs, self.helpers)
        except formula.FormulaUnavailable:
            return None

    def charge(self, spec: ModelSpec, inputs: Mapping[str, Any]) -> float:
        """What a task with these effective inputs costs: its formula, or ``base_price`` when the formula can't
        be evaluated even here (a helper the emulator doesn't have)."""
        price = self._evaluate(spec, inputs)
        return float((spec.base_price if price is None else price).quantize(CENT, ROUND_HALF_UP))

    def quote(self, spec: ModelSpec, inputs: Mapping[str, Any]) -> float:
        """``POST /api/v3/model/price``: the formula on the inputs given. Inputs left out are priced at their
        floor (the docs: "missing inputs are priced at the formula's floor"): each one the formula reads takes
        whichever of its schema's values (or its absence) is cheapest; ``base_price`` when nothing prices.
        Raises ValueError for a given input its schema refuses."""
        props = request_schema(self.items[spec.id]).get("properties") or {}
        for name, value in inputs.items():
            if isinstance(props.get(name), dict) and value is not None:
                problem = extra_field(name, props[name]).problem(value)
                if problem:
                    raise ValueError(problem)
        given = {k: v for k, v in inputs.items() if v is not None}
        missing = [v for v in formula.price_vars(spec.formula) if v not in given and isinstance(props.get(v), dict)]
        options = [_candidates(props[name]) for name in missing]
        combos: Iterable[tuple[Any, ...]] = itertools.product(*options)
        if _count(options) > MAX_FLOOR_COMBINATIONS:
            combos = [tuple(props[n].get("default", _ABSENT) for n in missing)]
        prices = []
        for combo in combos:
            trial = dict(given) | {n: v for n, v in zip(missing, combo, strict=True) if v is not _ABSENT}
            price = self._evaluate(spec, trial)
            if price is not None:
                prices.append(price)
        floor = min(prices) if prices else spec.base_price
        return float(floor.quantize(CENT, ROUND_HALF_UP))


def _candidates(prop: Mapping[str, Any]) -> list[Any]:
    """The values an omitted input might take, absence first: a choice's options, both booleans; a number only
    its default (``base_price * duration / 5`` with no duration is the price at the usual length, not at 1 s)."""
    if prop.get("type") in ("integer", "number"):
        return [_ABSENT, *([prop["default"]] if isinstance(prop.get("default"), (int, float)) else [])]
    if isinstance(prop.get("enum"), list):
        return [_ABSENT, *prop["enum"]]
    if prop.get("type") == "boolean":
        return [_ABSENT, False, True]
    return [_ABSENT]


def _count(options: list[list[Any]]) -> int:
    n = 1
    for o in options:
        n *= len(o)
    return n

"""A model's inputs as the emulator reads them from the JSON schema of the catalog entry it serves: the defaults
filled in for what a body leaves out, and each value checked against its property (type, enum, minimum/maximum,
maxLength, maxItems) and the schema's ``required`` list. Written for the emulator alone: what WaveSpeed says in
its schema is all it goes by.

Messages read like WaveSpeed's task errors: "Missing parameter prompt." (code 1400) or "Invalid parameter
duration: ..." (code 1401).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

_TYPES: dict[str, type | tuple[type, ...]] = {"string": str, "boolean": bool, "array": list, "object": dict}


def request_schema(item: Mapping[str, Any] | None) -> dict[str, Any]:
    """The entry's request schema: the one of type ``model_run`` when types are given, else the first."""
    if not isinstance(item, Mapping):
        return {}
    schemas = [s for s in ((item.get("api_schema") or {}).get("api_schemas") or []) if isinstance(s, dict)]
    chosen = next((s for s in schemas if s.get("type") == "model_run"), schemas[0] if schemas else {})
    found = chosen.get("request_schema") or {}
    return found if isinstance(found, dict) else {}


def properties(item: Mapping[str, Any] | None) -> dict[str, dict[str, Any]]:
    props = request_schema(item).get("properties") or {}
    return {k: p for k, p in props.items() if isinstance(p, dict)}


def required(item: Mapping[str, Any] | None) -> list[str]:
    return [r for r in request_schema(item).get("required") or [] if isinstance(r, str)]


def defaults(item: Mapping[str, Any] | None) -> dict[str, Any]:
    """Each input's schema default (inputs without one are left out)."""
    return {k: p["default"] for k, p in properties(item).items() if p.get("default") is not None}


def effective_inputs(item: Mapping[str, Any], body: Mapping[str, Any]) -> dict[str, Any]:
    """The inputs a task runs with: the defaults, then the body's values for the inputs the schema has.

    Other fields (``enable_sync_mode``, an input the model doesn't take) are ignored, not refused: WaveSpeed is
    believed to ignore unknown inputs (unconfirmed). A JSON null counts as left out (also unconfirmed)."""
    props = properties(item)
    values = defaults(item)
    values.update({k: v for k, v in body.items() if k in props and v is not None})
    return values


def value_problem(name: str, prop: Mapping[str, Any], value: Any) -> str | None:
    """What is wrong with one value for its property, in a sentence; None when the schema allows it."""
    kind = prop.get("type")
    if kind in ("integer", "number"):
        whole = kind == "integer"
        if isinstance(value, bool) or not isinstance(value, int if whole else (int, float)):
            return f"{name} must be {'an integer' if whole else 'a number'}."
        if isinstance(value, float) and not math.isfinite(value):
            return f"{name} must be a finite number."
        low, high = prop.get("minimum"), prop.get("maximum")
        if (isinstance(low, (int, float)) and value < low) or (isinstance(high, (int, float)) and value > high):
            return f"{name} must be from {low} to {high}; got {value}."
    elif kind in _TYPES and (not isinstance(value, _TYPES[kind]) or (kind != "boolean" and isinstance(value, bool))):
        return f"{name} must be of type {kind}."
    enum = prop.get("enum")
    if isinstance(enum, list) and value not in enum:
        return f"{name} must be one of {', '.join(map(str, enum))}; got {value!r}."
    longest = prop.get("maxLength")
    if isinstance(longest, int) and isinstance(value, str) and len(value) > longest:
        return f"{name} is {len(value)} characters long; at most {longest} are allowed."
    most = prop.get("maxItems")
    if isinstance(most, int) and isinstance(value, list) and len(value) > most:
        return f"{name} has {len(value)} items; at most {most} are allowed."
    return None


def problems(item: Mapping[str, Any], inputs: Mapping[str, Any], *, whole: bool = True) -> tuple[int, str] | None:
    """None when the schema allows these inputs, else (task code, message): 1400 when a required input is missing
    (a blank string counts as missing; only when ``whole``: a quote may leave inputs out), 1401 otherwise."""
    missing = [
        f for f in required(item)
        if whole and (inputs.get(f) is None or (isinstance(inputs.get(f), str) and not inputs[f].strip()))
    ]  # fmt: skip
    if missing:
        return 1400, " ".join(f"Missing parameter {f}." for f in missing)
    props = properties(item)
    found = [(k, value_problem(k, props[k], v)) for k, v in inputs.items() if k in props and v is not None]
    bad = [f"Invalid parameter {k}: {why}" for k, why in found if why]
    return (1401, " ".join(bad)) if bad else None

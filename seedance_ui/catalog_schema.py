"""From one entry of WaveSpeed's ``GET /api/v3/models`` to what a ``ModelSpec`` is built from.

An entry's ``api_schema.api_schemas[…].request_schema`` is a JSON schema of the model's inputs. The inputs this
app knows (image, prompt, last_image, aspect_ratio, duration, resolution, generate_audio, camera_fixed, seed)
drive its own controls with the schema's enums, ranges and defaults; every other input becomes an
``ExtraField`` (for a "More options" control), checked against its own type, enum and range. Our own notes
about a model (family, generation, how sure each fact is) travel beside it as ``x-seedance``; a live entry has
none, so they are taken from the snapshot's entry of the same id, or worked out from the id.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .words.said import N_, Said, said

KNOWN_FIELDS = ("image", "prompt", "last_image", "aspect_ratio", "duration", "resolution", "generate_audio",
                "camera_fixed", "seed")  # fmt: skip
TRANSPORT_FIELDS = ("enable_sync_mode", "enable_base64_output")
"""Options of the request, not of the model: never shown as a model's settings."""
SMART_DURATION = -1
"""``duration: -1`` lets Seedance choose the length (Smart Duration)."""
_JSON_TYPES = {"string": str, "boolean": bool, "array": list, "object": dict}


@dataclass(frozen=True)
class ExtraField:
    """An input of the model this app has no control of its own for, described by its JSON schema."""

    name: str
    type: str
    """JSON-schema type: string, integer, number, boolean, array or object."""
    enum: tuple[Any, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    default: Any = None
    description: str = ""
    required: bool = False
    title: str = ""
    ui: str = ""
    """WaveSpeed's ``x-ui-component`` hint (slider, select, uploader, ...), when given."""
    max_length: int | None = None
    max_items: int | None = None

    @property
    def label(self) -> str:
        return self.title or self.name.replace("_", " ").capitalize()

    @property
    def has_default(self) -> bool:
        return self.default is not None

    def problem(self, value: Any) -> Said | None:
        """What is wrong with ``value`` for this field, as a message, or None when it is fine."""
        kind, field = self.type, self.label
        if kind in ("integer", "number"):
            whole = kind == "integer"
            ok = isinstance(value, int) if whole else isinstance(value, (int, float))
            span = self._range()
            if isinstance(value, bool) or not ok or (isinstance(value, float) and not math.isfinite(value)):
                bare, ranged = _NUMBER_PROBLEMS[whole]
                return Said(bare, {"field": field}) if span is None else Said(ranged, {"field": field, "range": span})
            if (self.minimum is not None and value < self.minimum) or (
                self.maximum is not None and value > self.maximum
            ):
                return said("schema.outside", field=field, range=span, value=value)
        elif kind in _JSON_TYPES and not isinstance(value, _JSON_TYPES[kind]):
            return Said(_KIND_PROBLEMS[kind], {"field": field})
        if self.enum is not None and value not in self.enum:
            return said("schema.one_of", field=field, choices=", ".join(map(str, self.enum)), value=str(value))
        if self.max_length is not None and isinstance(value, str) and len(value) > self.max_length:
            return said("schema.too_long", field=field, length=len(value), most=self.max_length)
        if self.max_items is not None and isinstance(value, list) and len(value) > self.max_items:
            return said("schema.too_many", field=field, most=self.max_items)
        return None

    def _range(self) -> Said | None:
        lo, hi = self.minimum, self.maximum
        if lo is not None and hi is not None:
            return said("schema.range_between", lo=lo, hi=hi)
        if lo is not None:
            return said("schema.range_min", lo=lo)
        return said("schema.range_max", hi=hi) if hi is not None else None


_NUMBER_PROBLEMS = {True: (N_("schema.whole_number"), N_("schema.whole_number_in")),
                    False: (N_("schema.number"), N_("schema.number_in"))}  # fmt: skip
_KIND_PROBLEMS = {"string": N_("schema.text"), "boolean": N_("schema.on_off"), "array": N_("schema.list"),
                  "object": N_("schema.values")}  # fmt: skip


def request_schema(item: dict[str, Any]) -> dict[str, Any]:
    """The entry's request schema: the one of type ``model_run`` when types are given, else the first."""
    schemas = ((item.get("api_schema") or {}).get("api_schemas")) or []
    schemas = [s for s in schemas if isinstance(s, dict)]
    chosen = next((s for s in schemas if s.get("type") == "model_run"), schemas[0] if schemas else {})
    rs = chosen.get("request_schema") or {}
    return rs if isinstance(rs, dict) else {}


def is_seedance_i2v(item: Any) -> bool:
    """A Seedance image-to-video model as this app drives it: that type, a first ``image`` input, 'seedance'."""
    if not isinstance(item, dict) or not isinstance(item.get("model_id"), str):
        return False
    props = request_schema(item).get("properties") or {}
    return item.get("type") == "image-to-video" and "image" in props and "seedance" in item["model_id"].lower()


def generation_of(model_id: str) -> str:
    """'1.0', '1.5', '2.0', '2.5', ... read from an id such as ``bytedance/seedance-v1-pro-i2v-480p``."""
    m = re.search(r"seedance-v?(\d+)(?:\.(\d+))?", model_id.lower())
    return f"{m.group(1)}.{m.group(2) or 0}" if m else "?"


_RES_IN_ID = re.compile(r"-(\d{3,4}p|[248]k)$")


def fields_from_api(item: dict[str, Any], notes: dict[str, Any] | None) -> dict[str, Any]:
    """The keyword arguments of a ``ModelSpec`` for one catalog entry (see ``ModelSpec.from_api``)."""
    model_id = str(item["model_id"])
    notes = notes or {}
    rs = request_schema(item)
    props: dict[str, dict[str, Any]] = {k: v for k, v in (rs.get("properties") or {}).items() if isinstance(v, dict)}
    required = tuple(str(r) for r in rs.get("required") or () if r in props)
    listed = [str(n) for n in rs.get("x-order-properties") or () if n in props]
    order = tuple(listed + [n for n in props if n not in listed])

    def prop(name: str) -> dict[str, Any]:
        return props.get(name) or {}

    resolutions, default_res = _resolutions(prop("resolution"), model_id, notes)
    id_res = _RES_IN_ID.search(model_id)

    lo, hi, default, smart = _duration(prop("duration"))
    aspects = tuple(str(a) for a in prop("aspect_ratio").get("enum") or ())
    generation = str(notes.get("generation") or generation_of(model_id))
    name = str(item.get("name") or model_id)
    family = str(notes.get("family") or _family(name, id_res.group(1) if id_res else ""))
    status = str(notes.get("status") or ("retiring" if generation == "1.0" else "current"))
    extras = tuple(extra_field(n, props[n], n in required) for n in order if n not in KNOWN_FIELDS + TRANSPORT_FIELDS)
    out: dict[str, Any] = {
        "id": model_id,
        "name": name,
        "family": family,
        "generation": generation,
        "prompt_required": "prompt" in required,
        "accepts_last_image": "last_image" in props,
        "accepts_aspect_ratio": "aspect_ratio" in props,
        "accepts_audio": "generate_audio" in props,
        "resolutions": resolutions,
        "default_resolution": default_res,
        "sends_resolution": "resolution" in props,
        "duration_min": lo,
        "duration_max": hi,
        "duration_default": default,
        "audio_default": bool(prop("generate_audio").get("default", False)),
        "camera_fixed_default": bool(prop("camera_fixed").get("default", False)),
        "seed_default": int(prop("seed").get("default", -1)),
        "prompt_max_chars": int(prop("prompt").get("maxLength") or 2000),
        "retiring": status != "current",
        "summary": str(notes.get("summary") or item.get("description") or ""),
        "aspect_ratios": aspects,
        "accepts_camera_fixed": "camera_fixed" in props,
        "accepts_seed": "seed" in props,
        "smart_duration": smart,
        "extra_fields": extras,
        "field_order": order,
        "required_fields": required,
        "base_price": Decimal(str(item.get("base_price") or 0)),
        "formula": str(item.get("formula") or ""),
        "status": status,
        "confidence": str(notes.get("confidence") or ""),
        "facts": dict(notes.get("facts") or {}),
        "model_type": str(item.get("type") or ""),
        "description": str(item.get("description") or ""),
    }
    return out


def _resolutions(field: dict[str, Any], model_id: str, notes: dict[str, Any]) -> tuple[tuple[str, ...], str]:
    """The model's resolutions and its default: an input with an enum, else part of the id (V1 models), else our
    note, else 720p (a guess)."""
    res_enum = [str(r) for r in field.get("enum") or ()]
    id_res = _RES_IN_ID.search(model_id)
    fixed_res = notes.get("resolution") or (id_res.group(1) if id_res else "720p")
    resolutions = tuple(res_enum) or (fixed_res,)
    default_res = field.get("default")
    default_res = default_res if default_res in resolutions else ("720p" if "720p" in resolutions else resolutions[0])
    return resolutions, str(default_res)


def _family(name: str, resolution: str) -> str:
    """A family name for a new model: its name without the resolution its id ends in ('Seedance X Pro 480p')."""
    if resolution and name.lower().endswith(resolution.lower()):
        return name[: -len(resolution)].rstrip(" -") or name
    return name


def _duration(p: dict[str, Any]) -> tuple[int, int, int, bool]:
    """(min, max, default, smart) from the duration's schema: a range, or an enum that may list -1."""
    enum = [int(v) for v in p.get("enum") or () if isinstance(v, (int, float)) and not isinstance(v, bool)]
    smart = SMART_DURATION in enum
    real = [v for v in enum if v > 0]
    lo = int(p["minimum"]) if isinstance(p.get("minimum"), (int, float)) and p["minimum"] > 0 else None
    hi = int(p["maximum"]) if isinstance(p.get("maximum"), (int, float)) else None
    lo = min(real) if real else lo if lo is not None else 5
    hi = max(real) if real else hi if hi is not None else max(lo, 5)
    default = p.get("default")
    default = int(default) if isinstance(default, (int, float)) and lo <= default <= hi else min(max(5, lo), hi)
    return lo, hi, default, smart


def extra_field(name: str, p: dict[str, Any], required: bool = False) -> ExtraField:
    """The field one schema property describes (also how the emulator checks any input's type and range)."""
    enum = p.get("enum") if isinstance(p.get("enum"), list) else None
    items = p.get("items") if isinstance(p.get("items"), dict) else {}
    kind = p.get("type") if isinstance(p.get("type"), str) else "string"  # an untyped enum: its values are text
    return ExtraField(
        name=name,
        type=kind,
        enum=tuple(enum) if enum is not None else None,
        minimum=p.get("minimum") if isinstance(p.get("minimum"), (int, float)) else None,
        maximum=p.get("maximum") if isinstance(p.get("maximum"), (int, float)) else None,
        default=p.get("default"),
        description=str(p.get("description") or ""),
        required=required,
        title=str(p.get("title") or ""),
        ui=str(p.get("x-ui-component") or ""),
        max_length=p.get("maxLength") if isinstance(p.get("maxLength"), int) else None,
        max_items=p.get("maxItems") if isinstance(p.get("maxItems"), int) else items.get("maxItems"),
    )

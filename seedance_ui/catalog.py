"""Every Seedance image-to-video model on WaveSpeed, as data in WaveSpeed's own catalog format.

The models are entries of ``GET /api/v3/models`` (model_id, name, type, base_price, a JSONata price
``formula`` and a JSON ``request_schema`` of the inputs). With a key, ``catalog_live`` fetches them; without
one, or offline, the built-in snapshot ``data/catalog-snapshot.json`` (the same format) stands in. Either way
one code path, ``ModelSpec.from_api``, turns an entry into the spec the app's controls, checks and prices read,
and ``install`` puts a list in place: ``MODELS``, ``MODELS_BY_ID``, ``get_model``, ``families``,
``resolutions_for_family`` and ``model_for`` always answer from the list in use.

What we know beyond WaveSpeed's entry (family, generation, how sure each fact is) is kept in the snapshot beside
each entry as ``x-seedance``; see ``catalog_schema``.
"""

from __future__ import annotations

import copy
import json
import logging
import math
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from typing import Any

from .catalog_door import model_id_problem
from .catalog_schema import ExtraField, fields_from_api, is_seedance_i2v
from .words.said import Said, as_is, said

log = logging.getLogger("seedance_ui.catalog")

FPS = 24
"""Every Seedance model renders at 24 frames per second."""

ASPECT_RATIOS: tuple[str, ...] = ("21:9", "16:9", "4:3", "1:1", "3:4", "9:16")
"""The six output shapes Seedance offers; no aspect ratio means 'follow the first image'."""

ASPECT_RATIO_VALUES: dict[str, float] = {a: int(a.split(":")[0]) / int(a.split(":")[1]) for a in ASPECT_RATIOS}

SEED_MIN, SEED_MAX = -1, 2147483647
PROMPT_MAX_CHARS = 2000

SNAPSHOT_FILE = "catalog-snapshot.json"

# Output pixel sizes by generation, resolution and aspect ratio (ByteDance ModelArk tables).
_SIZES_V1: dict[str, dict[str, tuple[int, int]]] = {
    "480p": {"16:9": (864, 480), "4:3": (736, 544), "1:1": (640, 640), "3:4": (544, 736),
             "9:16": (480, 864), "21:9": (960, 416)},
    "720p": {"16:9": (1248, 704), "4:3": (1120, 832), "1:1": (960, 960), "3:4": (832, 1120),
             "9:16": (704, 1248), "21:9": (1504, 640)},
    "1080p": {"16:9": (1920, 1088), "4:3": (1664, 1248), "1:1": (1440, 1440), "3:4": (1248, 1664),
              "9:16": (1088, 1920), "21:9": (2176, 928)},
}  # fmt: skip
_SIZES_V15: dict[str, dict[str, tuple[int, int]]] = {
    "480p": {"16:9": (864, 496), "4:3": (752, 560), "1:1": (640, 640), "3:4": (560, 752),
             "9:16": (496, 864), "21:9": (992, 432)},
    "720p": {"16:9": (1280, 720), "4:3": (1112, 834), "1:1": (960, 960), "3:4": (834, 1112),
             "9:16": (720, 1280), "21:9": (1470, 630)},
    "1080p": {"16:9": (1920, 1080), "4:3": (1664, 1248), "1:1": (1440, 1440), "3:4": (1248, 1664),
              "9:16": (1080, 1920), "21:9": (2206, 946)},
}  # fmt: skip
_PUBLISHED_SIZES = {"1.0": _SIZES_V1, "1.5": _SIZES_V15}
_SCALE_FROM_1080P = {"1440p": 4 / 3, "2k": 4 / 3, "2160p": 2.0, "4k": 2.0}


@dataclass(frozen=True)
class PriceRule:
    """How sure we are of one model's price at one resolution (the number itself comes from its formula)."""

    per_second: Decimal | None = None
    """Flat USD per second of video, silent, for a published price table (None when the formula prices it)."""
    usd_per_million_tokens: Decimal | None = None
    """Token pricing of a published table: tokens = width * height * 24 * seconds / 1024, priced per million."""
    audio_multiplier: Decimal = Decimal(1)
    """Factor applied when the model also generates sound (published tables)."""
    published: bool = True
    """True when WaveSpeed publishes this price (or its live catalog gives the formula); False for our estimate."""
    source: Said | None = None
    """Where the number comes from: a citation from the snapshot kept as it is, or our own message."""


@dataclass(frozen=True)
class ModelSpec:
    """One Seedance model on WaveSpeed: what it takes, its limits and defaults, and how it is priced."""

    id: str
    name: str
    family: str
    generation: str
    """'1.0', '1.5', '2.0', ...: picks the output size table (see ``output_size``)."""
    prompt_required: bool
    accepts_last_image: bool
    accepts_aspect_ratio: bool
    accepts_audio: bool
    resolutions: tuple[str, ...]
    default_resolution: str
    sends_resolution: bool
    """False for models whose resolution is part of the model id."""
    duration_min: int
    duration_max: int
    duration_default: int
    audio_default: bool = False
    camera_fixed_default: bool = False
    seed_default: int = -1
    prompt_max_chars: int = PROMPT_MAX_CHARS
    prices: dict[str, PriceRule] = field(default_factory=dict)
    retiring: bool = False
    summary: str = ""
    aspect_ratios: tuple[str, ...] = ASPECT_RATIOS
    """The shapes the schema's aspect_ratio enum offers."""
    accepts_camera_fixed: bool = True
    accepts_seed: bool = True
    smart_duration: bool = False
    """The schema's duration allows -1: Seedance chooses the length (priced at ``duration_max`` until known)."""
    extra_fields: tuple[ExtraField, ...] = ()
    """Inputs without a control of our own, in x-order-properties order: for a "More options" control."""
    field_order: tuple[str, ...] = ()
    """Every input of the schema, in x-order-properties order."""
    required_fields: tuple[str, ...] = ()
    base_price: Decimal = Decimal(0)
    formula: str = ""
    """WaveSpeed's JSONata price formula (see ``formula.py``)."""
    status: str = "current"
    """'current', 'retiring' or 'probably retired'."""
    confidence: str = ""
    """How sure the snapshot is of this model overall: 'high', 'medium' or 'low' ('live' from WaveSpeed)."""
    facts: dict[str, dict[str, Any]] = field(default_factory=dict, compare=False)
    """Fact name (inputs, ranges, price, sizes, smart_duration, available) -> {confirmed: bool, source: str}."""
    source: str = "snapshot"
    """'snapshot' (built in) or 'live' (WaveSpeed's catalog, or a cached copy of it)."""
    model_type: str = "image-to-video"
    description: str = ""

    @classmethod
    def from_api(cls, item: Mapping[str, Any], notes: Mapping[str, Any] | None = None, *,
                 source: str = "live") -> ModelSpec:  # fmt: skip
        """The spec for one ``GET /api/v3/models`` entry. ``notes`` is our ``x-seedance`` for it (the entry's own
        when it has one). A live entry is WaveSpeed's word: its inputs, ranges and price count as confirmed."""
        item = dict(item)
        notes = dict(notes if notes is not None else item.get("x-seedance") or {})
        kw = fields_from_api(item, notes)
        kw["aspect_ratios"] = kw["aspect_ratios"] or ASPECT_RATIOS
        price_notes: dict[str, Any] = notes.get("prices") or {}
        if source == "live":
            confirmed = {"confirmed": True, "source": "WaveSpeed's live catalog"}
            kw["facts"] |= {k: confirmed for k in ("available", "inputs", "ranges", "price", "smart_duration")}
            kw["confidence"] = "live"
            if kw["status"] == "probably retired":  # it is listed, so not retired yet
                kw["status"] = "retiring"
            rule = PriceRule(published=True, source=said("price.source_live_formula"))
            kw["prices"] = dict.fromkeys(kw["resolutions"], rule)
        else:
            kw["prices"] = {r: _rule(price_notes.get(r) or price_notes.get("*")) for r in kw["resolutions"]}
        return cls(**kw, source=source)

    @property
    def durations(self) -> list[int]:
        return list(range(self.duration_min, self.duration_max + 1))

    def accepts(self, name: str) -> bool:
        """True when the model's schema has this input."""
        return name in self.field_order if self.field_order else name in _V1_FIELDS

    def output_size(self, resolution: str, aspect_ratio: str) -> tuple[int, int]:
        """Width and height of the video for a resolution and an aspect ratio; see ``output_size_published``."""
        table = _PUBLISHED_SIZES.get(self.generation, {})
        if aspect_ratio in table.get(resolution, {}):
            return table[resolution][aspect_ratio]
        return estimated_size(resolution, aspect_ratio)

    def output_size_published(self, resolution: str, aspect_ratio: str) -> bool:
        """True when the size comes from ByteDance's published table; False when it is our estimate."""
        if not self.facts.get("sizes", {}).get("confirmed", True):
            return False
        return aspect_ratio in _PUBLISHED_SIZES.get(self.generation, {}).get(resolution, {})

    @property
    def notice(self) -> Said | None:
        """What to know before using a model WaveSpeed is retiring (None for any other)."""
        if not self.retiring:
            return None
        return said("model.retiring_gone") if self.status == "probably retired" else said("model.retiring")

    def extra_defaults(self) -> dict[str, Any]:
        """Each extra input's default from the schema (fields without one are left out)."""
        return {f.name: f.default for f in self.extra_fields if f.has_default}

    def check_extras(self, values: Mapping[str, Any]) -> list[tuple[str, Said]]:
        """Problems with the extra inputs in ``values``, as (field, message): a required one missing (and with no
        default to fall back on), or one outside its schema's type, enum or range."""
        problems: list[tuple[str, Said]] = []
        for f in self.extra_fields:
            value = values.get(f.name)
            if value is None:
                if f.required and not f.has_default:
                    needs = (said("schema.needs_what", model=self.name, field=f.label, what=f.description)
                             if f.description else said("schema.needs", model=self.name, field=f.label))  # fmt: skip
                    problems.append((f.name, needs))
                continue
            problem = f.problem(value)
            if problem:
                problems.append((f.name, problem))
        return problems

    def extra_payload(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """The extra inputs to send: those given, and the defaults of required ones that were left out."""
        out: dict[str, Any] = {}
        for f in self.extra_fields:
            if values.get(f.name) is not None:
                out[f.name] = values[f.name]
            elif f.required and f.has_default:
                out[f.name] = f.default
        return out


_V1_FIELDS = {"image", "prompt", "last_image", "aspect_ratio", "duration", "camera_fixed", "seed"}


def _rule(note: Mapping[str, Any] | None) -> PriceRule:
    note = note or {}
    cited = str(note.get("source") or "")
    return PriceRule(published=bool(note.get("published", False)),
                     source=as_is(cited) if cited else said("price.source_estimate"))  # fmt: skip


def estimated_size(resolution: str, aspect_ratio: str) -> tuple[int, int]:
    """An output size where no table is published: the 1.5 table's (scaled from 1080p for 2k/4k, from 720p by
    line count for other 'NNNp'), with the 16:9 area at the shape's ratio for other shapes; even sides (video
    encoders need them)."""
    base_res = resolution if resolution in _SIZES_V15 else "1080p" if resolution in _SCALE_FROM_1080P else "720p"
    scale = _SCALE_FROM_1080P.get(resolution, 1.0)
    lines = re.fullmatch(r"(\d{3,4})p", resolution)
    if base_res == "720p" and resolution != "720p" and lines:  # 540p, 1440p...: the 720p row scaled by lines
        scale = int(lines.group(1)) / 720
    row = _SIZES_V15[base_res]
    if aspect_ratio in row:
        w, h = row[aspect_ratio]
    else:
        try:
            a, b = (float(x) for x in aspect_ratio.split(":"))
            ratio = a / b
        except (ValueError, ZeroDivisionError):
            ratio = 16 / 9
        area = row["16:9"][0] * row["16:9"][1]
        w, h = math.sqrt(area * ratio), math.sqrt(area / ratio)
    return round(w * scale / 2) * 2, round(h * scale / 2) * 2


def nearest_aspect_ratio(width: int, height: int) -> str:
    """The preset closest to an image's shape, compared on a log scale so 2:1 and 1:2 are equally far from 1:1."""
    ratio = math.log(width / height)
    return min(ASPECT_RATIOS, key=lambda a: abs(math.log(ASPECT_RATIO_VALUES[a]) - ratio))


# The snapshot and the list in use -----------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _snapshot_document() -> dict[str, Any]:
    text = resources.files("seedance_ui").joinpath("data", SNAPSHOT_FILE).read_text(encoding="utf-8")
    return json.loads(text)


def snapshot_items(*, notes: bool = True) -> list[dict[str, Any]]:
    """The built-in catalog: the ``data`` list of a ``GET /api/v3/models`` answer (every type, the upscaler too).
    ``notes=False`` leaves out our ``x-seedance`` notes, as WaveSpeed's own answer would. A fresh copy each call."""
    items = copy.deepcopy(_snapshot_document()["data"])
    if not notes:
        for item in items:
            item.pop("x-seedance", None)
    return items


def snapshot_notes() -> dict[str, dict[str, Any]]:
    """Our notes on each model the snapshot names, by model id."""
    return {i["model_id"]: i.get("x-seedance") or {} for i in _snapshot_document()["data"]}


def specs_from_items(items: Iterable[Any], *, source: str = "live") -> tuple[ModelSpec, ...]:
    """The Seedance image-to-video specs among catalog entries (others skipped), each with our notes on it when
    the snapshot has any. Models the snapshot names come in its order, new ones after. A malformed entry is
    skipped, not fatal: one odd model must not take the whole list down."""
    known = snapshot_notes()
    order = {model_id: i for i, model_id in enumerate(known)}
    specs: list[ModelSpec] = []
    for item in items:
        if not is_seedance_i2v(item):
            continue
        problem = model_id_problem(item["model_id"])
        if problem:  # priced under one id, sent to another once httpx folds the path: never offered
            log.warning("Leaving out catalog entry %r: %s.", item["model_id"][:200], problem)
            continue
        notes = item.get("x-seedance") or known.get(item["model_id"])
        try:
            specs.append(ModelSpec.from_api(item, notes, source=source))
        except (KeyError, TypeError, ValueError, ArithmeticError) as e:
            log.warning("Skipping catalog entry %s: %s", item.get("model_id"), e)
    specs.sort(key=lambda s: order.get(s.id, len(order)))
    return tuple(specs)


def snapshot() -> tuple[ModelSpec, ...]:
    """The built-in snapshot's specs."""
    return specs_from_items(snapshot_items(), source="snapshot")


DEFAULT_MODEL_ID = "bytedance/seedance-v1.5-pro/image-to-video"
MODELS: tuple[ModelSpec, ...] = snapshot()
MODELS_BY_ID: dict[str, ModelSpec] = {m.id: m for m in MODELS}
_INSTALL_LOCK = threading.Lock()


def with_default(models: Iterable[ModelSpec]) -> tuple[ModelSpec, ...]:
    """A list with the default model in it (from the snapshot when the list lacks it), so a person's default
    choice never vanishes; ValueError for an empty list."""
    new = {m.id: m for m in models}
    if not new:
        raise ValueError("An empty model list can't be used.")
    if DEFAULT_MODEL_ID not in new:
        default = next((m for m in snapshot() if m.id == DEFAULT_MODEL_ID), None)
        if default is not None:
            new = {DEFAULT_MODEL_ID: default, **new}
    return tuple(new.values())


def install(models: Iterable[ModelSpec]) -> tuple[ModelSpec, ...]:
    """Use this list from now on (a refresh thread may call this while a page reads). The default model stays
    (from the snapshot when the list lacks it) so a person's default choice never vanishes. ``MODELS_BY_ID`` is
    updated in place, never emptied on the way, so a module holding it sees the new list too."""
    global MODELS
    new = {m.id: m for m in models}
    if not new:
        raise ValueError("An empty model list was not installed.")
    if DEFAULT_MODEL_ID not in new:
        default = next((m for m in snapshot() if m.id == DEFAULT_MODEL_ID), None)
        if default is not None:
            new = {DEFAULT_MODEL_ID: default, **new}
    with _INSTALL_LOCK:
        MODELS = tuple(new.values())
        MODELS_BY_ID.update(new)
        for gone in [k for k in MODELS_BY_ID if k not in new]:
            MODELS_BY_ID.pop(gone, None)
    return MODELS


def use_snapshot() -> tuple[ModelSpec, ...]:
    """Back to the built-in snapshot (tests; or a key taken away)."""
    return install(snapshot())


def get_model(model_id: str, models: Iterable[ModelSpec] | None = None) -> ModelSpec:
    """The spec for a model id in ``models`` (default: the built-in list); a plain-language KeyError names the
    choices when the id is unknown."""
    pool = MODELS_BY_ID if models is None else {m.id: m for m in models}
    try:
        return pool[model_id]
    except KeyError:
        raise KeyError(
            f"'{model_id}' is not a Seedance model this app knows. Choose one of: " + ", ".join(pool)
        ) from None


def families(models: Iterable[ModelSpec] | None = None) -> list[str]:
    """Model families in catalog order (one entry each), for a two-step picker: family, then resolution."""
    seen: dict[str, None] = {}
    for m in MODELS if models is None else models:
        seen.setdefault(m.family, None)
    return list(seen)


def resolutions_for_family(family: str, models: Iterable[ModelSpec] | None = None) -> list[str]:
    out: list[str] = []
    for m in MODELS if models is None else models:
        if m.family == family:
            out.extend(r for r in m.resolutions if r not in out)
    return out


def model_for(family: str, resolution: str, models: Iterable[ModelSpec] | None = None) -> ModelSpec:
    """The model of a family that renders a resolution (V1 models have one id per resolution)."""
    pool = tuple(MODELS if models is None else models)
    for m in pool:
        if m.family == family and resolution in m.resolutions:
            return m
    raise KeyError(
        f"{family} does not render {resolution}. Choose one of: {', '.join(resolutions_for_family(family, pool))}"
    )

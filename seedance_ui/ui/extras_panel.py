""" "More options": a control for each input of the chosen model that the page has no control of its own for,
made from the input's JSON schema (a list of values: a dropdown; a number: a number box with its range; on/off:
a checkbox; text: a text box), in the schema's order, with its default, and its description as the hint.

Gradio builds the page once, so a small pool of controls of each kind is built and each model's inputs are given
to them in order; ``assign`` is the one place that says which control shows which input.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr

from ..catalog import ModelSpec
from ..catalog_schema import ExtraField
from .form import FormFields
from .state import AppContext

QUIET: dict[str, Any] = {"api_visibility": "private", "show_progress": "hidden"}

POOL = {"choice": 3, "number": 3, "flag": 2, "text": 2}
"""Controls of each kind on the page (no Seedance model has come near this many inputs of one kind)."""


def kind_of(f: ExtraField) -> str | None:
    """The control an input gets; None for what a form can't hold (pictures, lists, objects)."""
    if f.ui == "uploader" or f.type in ("array", "object"):
        return None
    if f.enum:
        return "choice"
    return {"boolean": "flag", "integer": "number", "number": "number", "string": "text"}.get(f.type)


def assign(spec: ModelSpec) -> tuple[dict[str, list[ExtraField]], list[ExtraField]]:
    """Each kind's inputs in schema order (as many as it has controls), and the inputs left without a control."""
    shown: dict[str, list[ExtraField]] = {k: [] for k in POOL}
    left: list[ExtraField] = []
    for f in spec.extra_fields:
        kind = kind_of(f)
        if kind is not None and len(shown[kind]) < POOL[kind]:
            shown[kind].append(f)
        else:
            left.append(f)
    return shown, left


def _update(kind: str, f: ExtraField | None) -> Any:
    if f is None:
        return gr.update(visible=False, value=None)
    info = (f.description + (" (required)" if f.required else "")).strip() or None
    common: dict[str, Any] = {"visible": True, "label": f.label, "info": info}
    if kind == "choice":
        choices = [(str(v), v) for v in f.enum or ()]
        return gr.update(**common, choices=choices, value=f.default if f.has_default else None)
    if kind == "number":
        return gr.update(**common, value=f.default if f.has_default else None, minimum=f.minimum, maximum=f.maximum,
                         precision=0 if f.type == "integer" else None)  # fmt: skip
    if kind == "flag":
        return gr.update(**common, value=bool(f.default))
    return gr.update(**common, value=f.default if f.has_default else "", max_length=f.max_length)


def on_model(spec: ModelSpec) -> list[Any]:
    """The accordion, its note, then every control of the pool in order: shown with an input, or hidden."""
    shown, left = assign(spec)
    out: list[Any] = []
    count = sum(len(v) for v in shown.values())
    note = ""
    if left:
        names = ", ".join(f.label for f in left)
        note = f"Left at {spec.name}'s own defaults here: {names}."
    out.append(gr.update(visible=bool(count or left)))
    out.append(gr.update(value=note, visible=bool(note)))
    for kind, n in POOL.items():
        fields = shown[kind]
        out += [_update(kind, fields[i] if i < len(fields) else None) for i in range(n)]
    return out


def collect(spec: ModelSpec, values: list[Any]) -> dict[str, Any]:
    """The extra inputs as chosen, by name, from the pool's values in order (empty ones left out: the schema's
    default then applies)."""
    shown, _ = assign(spec)
    out: dict[str, Any] = {}
    it = iter(values)
    for kind, n in POOL.items():
        row = [next(it) for _ in range(n)]
        for f, value in zip(shown[kind], row, strict=False):
            if value is None or value == "":
                continue
            if kind == "number" and f.type == "integer" and isinstance(value, float) and value.is_integer():
                value = int(value)
            out[f.name] = value
    return out


@dataclass
class Options:
    """The "More options" accordion: its controls, the State holding the chosen values by name, and the events
    that keep that State true to the model and to the controls."""

    box: Any
    note: Any
    controls: list[Any]
    chosen: Any

    def follow(self, ctx: AppContext, fields: FormFields, event: Any) -> Any:
        """After ``event`` (a new model or resolution): the model's own inputs, then what they were set to."""

        def shown(data: dict[Any, Any]) -> list[Any]:
            form = fields.read(data)
            return on_model(form.spec(ctx.models(form.visitor)))

        return event.then(shown, fields.all(), [self.box, self.note, *self.controls], **QUIET).then(
            self._collect(ctx, fields), fields.all() | set(self.controls), [self.chosen], **QUIET)  # fmt: skip

    def chosen_by(self, ctx: AppContext, fields: FormFields, control: Any) -> Any:
        """A control changed by the person: the chosen values, by name."""
        return control.input(self._collect(ctx, fields), fields.all() | set(self.controls), [self.chosen],
                             trigger_mode="always_last", **QUIET)  # fmt: skip

    def _collect(self, ctx: AppContext, fields: FormFields) -> Any:
        def chosen(data: dict[Any, Any]) -> dict[str, Any]:
            form = fields.read(data)
            return collect(form.spec(ctx.models(form.visitor)), [data[c] for c in self.controls])

        return chosen


def build() -> Options:
    """The accordion (hidden until a model has inputs of its own), its controls in pool order, and the State
    holding the chosen values by name."""
    controls: list[Any] = []
    with gr.Accordion("More options for this model", open=False, visible=False, elem_id="model-options") as box:
        note = gr.Markdown(visible=False, elem_classes="hint-text")
        for kind, n in POOL.items():
            for i in range(n):
                eid = f"option-{kind}-{i + 1}"
                if kind == "choice":
                    controls.append(gr.Dropdown([], visible=False, elem_id=eid))
                elif kind == "number":
                    controls.append(gr.Number(visible=False, elem_id=eid))
                elif kind == "flag":
                    controls.append(gr.Checkbox(visible=False, elem_id=eid))
                else:
                    controls.append(gr.Textbox(visible=False, elem_id=eid))
    chosen = gr.State({})
    return Options(box, note, controls, chosen)

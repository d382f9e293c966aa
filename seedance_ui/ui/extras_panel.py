""" "More options": a control for each input of the chosen model that the page has no control of its own for,
made from the input's JSON schema (a list of values: a dropdown; a number: a number box with its range; on/off:
a checkbox; text: a text box), in the schema's order, with its default, and its description as the hint.

The controls are the model's own: ``gr.render`` builds them again when the model changes (a new family, or a
resolution that is another model of the family), once per model: it follows ``Options.shown``, the id of the
model they are for. A pick that also moves the resolution, or a follow-up that reads the form a moment late,
names the same model again, which changes nothing, so what the person set in the controls stays. The accordion
is built open. The events that read the controls are made with them, inside the render, so no event outlives
the controls it reads. What they are set to is kept by name in one State (``Options.chosen``), which the Form
reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr

from ..catalog import ModelSpec, get_model
from ..catalog_schema import ExtraField
from ..words.said import said, say
from .form import FormFields, spec_for
from .i18n import L
from .state import AppContext

QUIET: dict[str, Any] = {"api_visibility": "private", "show_progress": "hidden"}

KINDS = ("choice", "number", "flag", "text")


def kind_of(f: ExtraField) -> str | None:
    """The control an input gets; None for what a form can't hold (pictures, lists, objects)."""
    if f.ui == "uploader" or f.type in ("array", "object"):
        return None
    if f.enum:
        return "choice"
    return {"boolean": "flag", "integer": "number", "number": "number", "string": "text"}.get(f.type)


def assign(spec: ModelSpec) -> tuple[dict[str, list[ExtraField]], list[ExtraField]]:
    """Each kind's inputs in schema order, and the inputs a form can't hold (left at the model's defaults)."""
    shown: dict[str, list[ExtraField]] = {k: [] for k in KINDS}
    left: list[ExtraField] = []
    for f in spec.extra_fields:
        kind = kind_of(f)
        if kind is None:
            left.append(f)
        else:
            shown[kind].append(f)
    return shown, left


def shown_in_order(spec: ModelSpec) -> list[tuple[str, int, ExtraField]]:
    """Each shown input with its kind and its place among its kind: the order of the controls and their values."""
    shown, _ = assign(spec)
    return [(kind, i, f) for kind in KINDS for i, f in enumerate(shown[kind])]


def note_for(spec: ModelSpec, locale: str = "en") -> str:
    _, left = assign(spec)
    names = ", ".join(f.label for f in left)  # the model's own names for its inputs, as its schema gives them
    return say(said("create.left_at_defaults", model=spec.name, names=names), locale) if left else ""


def control(kind: str, index: int, f: ExtraField) -> Any:
    """The control of one input, with its default (ids ``option-<kind>-<n>``, n counting from 1 per kind)."""
    info = (f.description + (" (required)" if f.required else "")).strip() or None
    common: dict[str, Any] = {"label": f.label, "info": info, "elem_id": f"option-{kind}-{index + 1}",
                              "interactive": True}  # fmt: skip
    default = f.default if f.has_default else None
    if kind == "choice":
        return gr.Dropdown([(str(v), v) for v in f.enum or ()], value=default, **common)
    if kind == "number":
        return gr.Number(value=default, minimum=f.minimum, maximum=f.maximum,
                         precision=0 if f.type == "integer" else None, **common)  # fmt: skip
    if kind == "flag":
        return gr.Checkbox(value=bool(f.default), **common)
    return gr.Textbox(value=default if default is not None else "", max_length=f.max_length, **common)


def collect(spec: ModelSpec, values: list[Any]) -> dict[str, Any]:
    """The extra inputs as chosen, by name, from the controls' values in ``shown_in_order`` (empty ones left out:
    the schema's default then applies)."""
    out: dict[str, Any] = {}
    for (kind, _, f), value in zip(shown_in_order(spec), values, strict=False):
        if value is None or value == "":
            continue
        if kind == "number" and f.type == "integer" and isinstance(value, float) and value.is_integer():
            value = int(value)
        out[f.name] = value
    return out


def defaults(spec: ModelSpec) -> dict[str, Any]:
    """What a freshly built set of controls holds."""
    return collect(spec, [bool(f.default) if kind == "flag" else (f.default if f.has_default else None)
                          for kind, _, f in shown_in_order(spec)])  # fmt: skip


@dataclass
class Options:
    """The "More options" accordion, built for the chosen model by ``gr.render``, and the State holding what its
    controls are set to (the page refreshes the price when it changes)."""

    chosen: Any
    shown: Any  # the id of the model whose controls the page shows: a State, so naming it again changes nothing

    def follow(self, ctx: AppContext, fields: FormFields, event: Any) -> Any:
        """After ``event`` (a new model or resolution): for another model, its id and its controls' defaults;
        for the model already shown, nothing (the person's settings in its controls stay)."""

        def fresh(data: dict[Any, Any]) -> tuple[Any, Any]:
            form = fields.read(data)
            spec = form.spec(ctx.models(form.visitor))
            if spec.id == data[self.shown]:
                return gr.skip(), gr.skip()
            return defaults(spec), spec.id

        return event.then(fresh, fields.all() | {self.shown}, [self.chosen, self.shown], **QUIET)

    def render(self, ctx: AppContext, visitor: Any) -> None:
        """Declare, where it is called, the accordion that ``gr.render`` fills with the model's own controls."""

        with gr.Column(elem_id="model-options-place"):  # takes no room while the model has no options (CSS)
            self._render(ctx, visitor)

    def _render(self, ctx: AppContext, visitor: Any) -> None:
        @gr.render(inputs=[visitor, self.shown], show_progress="hidden")
        def more_options(v: Any, model_id: str) -> None:
            try:
                spec = get_model(model_id, ctx.models(v))
            except KeyError:  # a model the visitor's list doesn't have (the picker follows in a moment)
                return
            order, note = shown_in_order(spec), note_for(spec, getattr(v, "locale", None) or "en")
            if not order and not note:
                return
            # open: a model has these only when it asks for more than the page's own controls, and a build that
            # lands while the page is still loading (a busy machine) must not hide what the person opened
            with gr.Accordion(L("create.model_options"), open=True, elem_id="model-options"):
                if note:
                    gr.Markdown(note, elem_classes="hint-text")
                controls = [control(kind, i, f) for kind, i, f in order]
            self._bind(spec, controls)

    def _bind(self, spec: ModelSpec, controls: list[Any]) -> None:
        """The person sets a control: the chosen values by name. Only this event is made inside the render: what
        follows (the form change) hangs on the State's change, outside, so no chain points into old controls."""

        def chosen(data: dict[Any, Any]) -> dict[str, Any]:
            return collect(spec, [data[c] for c in controls])

        for c in controls:
            c.input(chosen, set(controls), [self.chosen], trigger_mode="always_last", **QUIET)


def build(ctx: AppContext, visitor: Any, family: Any, resolution: Any) -> Options:
    """The place of the model's own controls (hidden while a model has none), and the State of their values."""
    options = Options(gr.State({}), gr.State(spec_for(family.value, resolution.value).id))
    options.render(ctx, visitor)
    return options

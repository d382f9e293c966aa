"""The Create page's components and wiring. Desktop: the inputs on the left; on the right a column that stays in
view with the framing, the price, Generate (carrying the price) and each take. Phone: one column in the order
picture, prompt, Generate, result, then the settings (see ``layout.CSS``)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import gradio as gr

from .. import catalog, prompts
from ..plan import MAX_TAKES
from . import create as c
from . import extras_panel, model_guide
from . import takes_view as tv
from .form import Form, FormFields
from .i18n import L
from .state import AppContext

PRIVATE: dict[str, Any] = {"api_visibility": "private"}
QUIET: dict[str, Any] = {**PRIVATE, "show_progress": "hidden"}
"""For the quick updates (checks, price, framing): no fading and no spinner over what they update."""
_EXAMPLE_DIR = Path(__file__).resolve().parents[2] / "assets" / "examples"
EXAMPLES = [
    [str(_EXAMPLE_DIR / name), text]
    for name, text in (
        ("sunset-lake.jpg", "The sun sinks behind the mountains, light ripples on the lake. Slow push-in, cinematic."),
        ("paper-boat.png", "The paper boat rocks gently on the waves as the sails flutter. Locked-off tripod shot."),
    )
    if (_EXAMPLE_DIR / name).exists()
]


# Bring the first new video into view as soon as it shows (each take shows as soon as it is saved): on a phone the
# page scrolls to it; on a desktop the right-hand column does, when needed. Gives up after ten minutes.
SHOW_RESULT = """() => {
  const old = new Set([...document.querySelectorAll('#create-side .take-slot video')].map(v => v.src));
  const started = Date.now();
  const look = setInterval(() => {
    const v = [...document.querySelectorAll('#create-side .take-slot video')].find(x => x.src && !old.has(x.src));
    if (v) { clearInterval(look); v.closest('.take-slot').scrollIntoView({behavior: 'smooth', block: 'nearest'}); }
    else if (Date.now() - started > 600000) clearInterval(look);
  }, 400);
  if (window.innerWidth <= 820)
    document.querySelector('#run-status')?.scrollIntoView({behavior: 'smooth', block: 'start'});
}"""


@dataclass
class CreatePage:
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
    threshold: Any
    generated: Any = None
    """The generate event, for chaining the History refresh after it."""
    refresh_price: Any = None
    follow_model: Any = None
    """Chains the model's own words and ranges (in the visitor's language) after an event: the load, a new language."""
    tabs: Any = None
    note: Any = None
    """Where History's "settings loaded" note shows: the status line above the takes."""
    go: Any = None
    """The Generate button (History notes when a Space visitor's key makes takes)."""
    banner: Any = None
    """The mode banner, whose balance History keeps fresh."""


PICKER_INFO = L("create.picker_info")

TAKE_LABELS = [L("create.take_1"), L("create.take_2"), L("create.take_3"), L("create.take_4")]
"""Each take's player, numbered in the visitor's language (a key per number: the browser translates whole keys)."""
CANCEL_LABELS = [L("create.cancel_take_1"), L("create.cancel_take_2"), L("create.cancel_take_3"),
                 L("create.cancel_take_4")]  # fmt: skip


def build(ctx: AppContext, visitor: Any, threshold: Any) -> CreatePage:
    """The page: pictures and prompt on the left; framing, price, Generate and takes beside; then the settings."""
    with gr.Row(elem_id="create-grid", equal_height=False):
        with gr.Column(elem_id="create-inputs", min_width=280):
            inputs = _pictures_and_prompt()
        with gr.Column(elem_id="create-side", min_width=280):
            side = _side(ctx)
        with gr.Column(elem_id="create-settings", min_width=280):
            settings = _settings()
            options = extras_panel.build(ctx, visitor, settings.family, settings.resolution)
            more = _more()
        with gr.Column(elem_id="create-examples", min_width=280):
            if EXAMPLES:
                examples = gr.Examples(EXAMPLES, [inputs.first, inputs.prompt], label=L("create.examples"),
                                       cache_examples=False)  # fmt: skip
                examples.dataset.headers = []  # Gradio would show the inputs' labels untranslated: a picture and
                # a prompt say what they are
    fields = FormFields(visitor, inputs.first, inputs.last, inputs.prompt, settings.family, settings.resolution,
                        settings.duration, settings.aspect, settings.audio, settings.camera_fixed, more.seed,
                        more.takes, side.confirm, threshold, options.chosen)  # fmt: skip
    refresh = _wire_form(ctx, fields, side, settings)
    _wire_pictures(ctx, fields, inputs, side, refresh)
    follow_model = _wire_settings(ctx, fields, inputs, settings, options, more, refresh)
    generated = _wire_takes(ctx, fields, side)
    page = CreatePage(inputs.first, inputs.last, inputs.prompt, settings.family, settings.resolution,
                      settings.duration, settings.aspect, settings.audio, settings.camera_fixed, more.seed, threshold)  # fmt: skip
    page.generated, page.refresh_price, page.note, page.go = generated, refresh, side.status, side.go
    page.follow_model = follow_model
    return page


def _pictures_and_prompt() -> SimpleNamespace:
    default = catalog.get_model(catalog.DEFAULT_MODEL_ID)
    with gr.Row(elem_id="pictures"):
        with gr.Column(min_width=140):
            first = c.PictureInput(label=L("create.first_frame"), type="filepath", image_mode=None, elem_id="first-frame",
                                   sources=["upload", "clipboard"], height=200)  # fmt: skip
            first_check = gr.Markdown(elem_classes="hint-text", elem_id="first-check")
            first_fix = gr.Button("🛠️ " + L("create.fix"), visible=False, size="sm")
        with gr.Column(visible=default.accepts_last_image, min_width=140) as last_col:
            last = c.PictureInput(label=L("create.last_frame"), type="filepath", image_mode=None,
                                  sources=["upload", "clipboard"], height=200, elem_id="last-frame")  # fmt: skip
            last_check = gr.Markdown(L("create.last_optional"), elem_classes="hint-text",
                                     elem_id="last-check")  # fmt: skip
            last_fix = gr.Button("🛠️ " + L("create.fix"), visible=False, size="sm")
    prompt = gr.Textbox(label=L("create.prompt"), lines=3, elem_id="prompt", placeholder=L("create.prompt_hint"),
                        info=L("create.prompt_info"))  # fmt: skip
    with gr.Row(elem_id="prompt-notes"):
        char_count = gr.Markdown(
            elem_classes="hint-text",
            elem_id="char-count",  # filled in the visitor's language once the page loads
        )  # no max_length: the browser would cut a paste silently
        cam_warning = gr.Markdown(elem_classes="hint-text")
    return SimpleNamespace(first=first, first_check=first_check, first_fix=first_fix, last_col=last_col, last=last,
                           last_check=last_check, last_fix=last_fix, prompt=prompt, char_count=char_count,
                           cam_warning=cam_warning)  # fmt: skip


def _side(ctx: AppContext) -> SimpleNamespace:
    """The framing, the price, Generate (carrying the price) and a slot per take."""
    default = catalog.get_model(catalog.DEFAULT_MODEL_ID)
    frame_img = gr.Image(label=L("create.framing"), interactive=False, height=140, buttons=[],
                         elem_id="framing", show_label=True)  # fmt: skip
    frame_text = gr.Markdown(L("create.framing_empty"), elem_classes="hint-text",
                             elem_id="framing-text")  # fmt: skip
    last_frame_img = gr.Image(label=L("create.last_framing"), interactive=False, height=110, buttons=[],
                              visible=False, elem_id="last-framing")  # fmt: skip
    last_frame_text = gr.Markdown(elem_classes="hint-text", visible=False, elem_id="last-framing-text")
    # The first render already carries the price: nothing waits on an event (or on WaveSpeed) to show it.
    first = c.on_form_change(ctx, Form(family=default.family, resolution=default.default_resolution,
                                       duration=default.duration_default, audio=default.audio_default,
                                       threshold=ctx.spend_threshold))  # fmt: skip
    price = gr.HTML(first.price, elem_id="price")
    api_price = gr.HTML(visible=False, elem_id="api-price")
    confirm = gr.Checkbox(visible=False, label=L("create.confirm"), elem_id="confirm-spend")
    with gr.Group(elem_id="generate-bar"):
        go = gr.Button(first.button["value"], variant="primary", elem_id="generate-btn")
    status = gr.Markdown(elem_id="run-status")
    error = gr.HTML(visible=False, elem_id="run-error")
    slots, seed_buttons = [], []
    for i in range(MAX_TAKES):
        with gr.Group(visible=False, elem_classes="take-slot", elem_id=f"take-{i + 1}") as group:
            text = gr.HTML(elem_classes="take-text")
            player = gr.Video(label=TAKE_LABELS[i], interactive=False, visible=False, buttons=["download"],
                              height=220, elem_classes="take-video")  # fmt: skip
            stop = gr.Button(CANCEL_LABELS[i], size="sm", visible=False, variant="secondary",
                             elem_classes="take-cancel")  # fmt: skip
            use_seed = gr.Button(L("create.use_seed") + f" {i + 1}", size="sm", elem_classes="take-seed")
            seed_buttons.append(use_seed)
        slots.append((group, text, player, stop))
    facts = gr.HTML(visible=False, elem_id="take-facts")
    balance_now = gr.HTML(visible=False, elem_id="balance-now")
    files = gr.File(label=L("create.download"), file_count="multiple", visible=False, interactive=False,
                    elem_id="take-files")  # fmt: skip
    planned = gr.State(None)  # the plan the last form change made: WaveSpeed's quote is asked for it
    return SimpleNamespace(framing=frame_img, framing_text=frame_text, last_framing=last_frame_img,
                           last_framing_text=last_frame_text, price=price, api_price=api_price, confirm=confirm,
                           go=go, status=status, error=error, slots=slots, seed_buttons=seed_buttons, facts=facts,
                           balance_now=balance_now, files=files, planned=planned)  # fmt: skip


def _settings() -> SimpleNamespace:
    default = catalog.get_model(catalog.DEFAULT_MODEL_ID)
    with gr.Accordion(L("create.settings_acc"), open=True, elem_id="settings-acc"):
        family = gr.Dropdown(catalog.families(), value=default.family, label=L("create.model"), info=PICKER_INFO)
        notice = gr.Markdown(default.summary, elem_classes="hint-text", elem_id="model-notice")
        with gr.Accordion(L("create.compare_acc"), open=False,
                          elem_id="compare-acc"):  # fmt: skip
            compare = gr.HTML(elem_id="model-compare")
        with gr.Row(elem_id="size-row"):
            resolution = ResolutionRadio(catalog.resolutions_for_family(default.family), min_width=200,
                                  value=default.default_resolution, label=L("create.resolution"),
                                  info=model_guide.resolution_hint(
                                      catalog.resolutions_for_family(default.family)))  # fmt: skip
            duration = gr.Slider(default.duration_min, default.duration_max, step=1, min_width=200,
                                 value=default.duration_default, label=L("create.length"),
                                 info=f"{default.duration_min}–{default.duration_max} " + L("create.seconds"))  # fmt: skip
        with gr.Row(elem_id="shape-row"):
            aspect = gr.Dropdown([(L("create.match"), c.MATCH), *c.ASPECT_CHOICES[1:]], value=c.MATCH, label=L("create.shape"), min_width=160,
                                 info=L("create.shape_info"), elem_id="shape")  # fmt: skip
            audio = gr.Checkbox(value=default.audio_default, label=L("create.sound"), min_width=120,
                                info=model_guide.sound_words(default), elem_id="sound",
                                interactive=default.accepts_audio)  # fmt: skip
            camera_fixed = gr.Checkbox(value=False, label=L("create.camera_fixed"), info=L("create.camera_fixed_info"),
                                       min_width=120, elem_id="camera-fixed")  # fmt: skip
    return SimpleNamespace(family=family, notice=notice, compare=compare, resolution=resolution, duration=duration,
                           aspect=aspect, audio=audio, camera_fixed=camera_fixed)  # fmt: skip


class ResolutionRadio(gr.Radio):
    """The Resolution choice. A new model changes its choices while events that read it may already be on their
    way with the size picked before (the options' render, the price): such a value is passed on, not refused with
    Gradio's bare "Error" toast. The Plan checks it against the model plainly, and the next change brings the new size."""

    def get_block_name(self) -> str:
        return "radio"  # drawn as Gradio's own radio

    def preprocess(self, payload: str | int | float | None) -> str | int | float | None:
        if isinstance(payload, str) and payload not in [value for _, value in self.choices]:
            return payload
        return super().preprocess(payload)


def preset_choices() -> list[tuple[Any, str]]:
    """The presets by their names in the visitor's language; each keeps its id as its value."""
    names = {"vertical": L("create.preset_vertical"), "story": L("create.preset_story"),
             "landscape": L("create.preset_landscape"), "square": L("create.preset_square"),
             "cinematic": L("create.preset_cinematic"), "loop": L("create.preset_loop")}  # fmt: skip
    return [(names[name], name) for name in c.PRESETS]


def _more() -> SimpleNamespace:
    with gr.Accordion(L("create.more_acc"), open=False, elem_id="more-acc"):
        preset = gr.Radio(preset_choices(), label=L("create.made_for"), value=None,
                          info=L("create.made_for_info"))  # fmt: skip
        with gr.Row():
            seed = gr.Number(value=-1, precision=0, minimum=-1, maximum=catalog.SEED_MAX, label=L("create.seed"),
                             min_width=160, elem_id="seed",
                             info=L("create.seed_info"))  # fmt: skip
            takes = gr.Slider(1, MAX_TAKES, step=1, value=1, label=L("create.takes"), min_width=160, elem_id="takes",
                              info=L("create.takes_info"))  # fmt: skip
        with gr.Row():
            dice = gr.Button("🎲 " + L("create.random_seed"), size="sm")
            reuse = gr.Button("↩️ " + L("create.reuse_seed"), size="sm")
        with gr.Row(elem_id="phrases"):
            phrases = [gr.Button(label, size="sm", min_width=100) for label in prompts.CAMERA_PHRASES]
        with gr.Accordion(L("create.guide_acc"), open=False):
            gr.Markdown(prompts.GUIDE)
    return SimpleNamespace(preset=preset, seed=seed, takes=takes, dice=dice, reuse=reuse, phrases=phrases)


# Wiring: every event takes the whole form (Gradio's dict inputs) and its handler reads a Form by name ----------


def _form(fields: FormFields, handler: Any, *before: Any) -> Any:
    """``handler(*before, form)`` for an event whose inputs are ``fields.all()``."""

    def with_form(data: dict[Any, Any]) -> Any:
        return handler(*before, fields.read(data))

    with_form.__name__ = handler.__name__  # not functools.wraps: Gradio would read the handler's signature
    return with_form


def _wire_form(ctx: AppContext, fields: FormFields, side: SimpleNamespace, settings: SimpleNamespace) -> Any:
    """``refresh(event)``: after ``event``, one form change (one plan: the price card, the button, the
    confirmation and the framing), the model comparison, and WaveSpeed's quote for the plan (key mode)."""
    shown = {name: getattr(side, name) for name in ("price", "confirm", "framing", "framing_text", "last_framing",
                                                      "last_framing_text")}  # fmt: skip
    shown |= {"button": side.go, "priced": side.planned}

    def form_changed(data: dict[Any, Any]) -> dict[Any, Any]:
        view = c.on_form_change(ctx, fields.read(data))
        return {comp: getattr(view, name) for name, comp in shown.items()}

    async def compare(data: dict[Any, Any]) -> Any:
        f = fields.read(data)
        return await model_guide.compare(ctx, f.visitor, f.family, f.resolution, f.duration, f.aspect, f.audio, f.first)

    def refresh(ev: Any, *, form_only: bool = False) -> Any:
        changed = ev.then(form_changed, fields.all(), list(shown.values()), **QUIET)
        if form_only:  # a change the price doesn't follow (the last picture): the framing and the card
            return changed
        ev.then(compare, fields.all(), [settings.compare], trigger_mode="always_last", **QUIET)
        changed.then(partial(c.price_and_button, ctx), [fields.visitor, side.planned], [side.api_price, side.go],
                     trigger_mode="always_last", **QUIET)  # fmt: skip
        return changed

    return refresh


def _wire_pictures(ctx: AppContext, fields: FormFields, inputs: SimpleNamespace, side: SimpleNamespace,
                   refresh: Any) -> None:  # fmt: skip
    """Each picture's check as it is added (and its fix), then the form change."""
    check_last = (_form(fields, c.check_last), fields.all(), [inputs.last_check, inputs.last_fix, side.go])
    first_checked = inputs.first.change(c.check_image, [fields.visitor, inputs.first],
                                        [inputs.first_check, inputs.first_fix, side.go], **QUIET)  # fmt: skip
    refresh(first_checked.then(*check_last, **QUIET))
    refresh(inputs.last.change(*check_last, **QUIET), form_only=True)
    fixed = inputs.first_fix.click(partial(c.fix_image, ctx), [fields.visitor, inputs.first],
                                   [inputs.first, inputs.first_check, inputs.first_fix], **PRIVATE)  # fmt: skip
    refresh(fixed)
    inputs.last_fix.click(partial(c.fix_image, ctx), [fields.visitor, inputs.last],
                          [inputs.last, inputs.last_check, inputs.last_fix], **PRIVATE)  # fmt: skip


def _wire_settings(ctx: AppContext, fields: FormFields, inputs: SimpleNamespace, settings: SimpleNamespace,
                   options: Any, more: SimpleNamespace, refresh: Any) -> Any:  # fmt: skip
    """The model, its own options, the other settings and the More accordion's helpers; what follows the model,
    to chain after another event."""
    form, words = fields.all(), [inputs.char_count, inputs.cam_warning]
    for comp in (inputs.prompt, settings.camera_fixed):
        comp.change(_form(fields, c.prompt_info, ctx), form, words, trigger_mode="always_last", **QUIET)
    for button in more.phrases:
        button.click(c.insert_phrase, [inputs.prompt, gr.State(button.value)], [inputs.prompt], **QUIET)
    follows_model = [settings.resolution, settings.duration, settings.audio, inputs.last_col, settings.aspect,
                     settings.notice, settings.camera_fixed]  # fmt: skip
    on_family = _form(fields, c.on_family, ctx)
    model = settings.family.change(on_family, form, follows_model, **QUIET)
    refresh(options.follow(ctx, fields, model).then(_form(fields, c.prompt_info, ctx), form, words, **QUIET))
    resized = settings.resolution.change(lambda: None, None, None, trigger_mode="always_last", **QUIET)
    refresh(options.follow(ctx, fields, resized))
    for comp in (settings.duration, settings.aspect, settings.audio, more.takes, fields.threshold, options.chosen):
        refresh(comp.change(lambda: None, None, None, trigger_mode="always_last", **QUIET))

    def preset(data: dict[Any, Any]) -> tuple:
        return c.apply_preset(ctx, data[more.preset], fields.read(data))

    preset_out = [settings.aspect, settings.resolution, settings.duration, inputs.last]
    more.preset.select(preset, form | {more.preset}, preset_out, **QUIET)
    more.dice.click(c.random_seed_value, None, [more.seed], **QUIET)
    more.reuse.click(c.reuse_seed, [fields.visitor], [more.seed], **QUIET)
    count = _form(fields, c.prompt_info, ctx)
    return lambda ev: ev.then(on_family, form, follows_model, **QUIET).then(count, form, words, **QUIET)


def _wire_takes(ctx: AppContext, fields: FormFields, side: SimpleNamespace) -> Any:
    """Generate (streaming each take into its slot), each take's Cancel and "Use this seed"; the generate event."""

    async def run(data: dict[Any, Any]) -> Any:
        async for frame in tv.generate(ctx, fields.read(data)):
            yield tv.outputs_of(frame)

    outputs = [side.status] + [x for slot in side.slots for x in slot] + [side.files, side.facts, side.error,
                                                                         side.balance_now]  # fmt: skip
    # The page runs a click's events one after another, a streaming one to its end: the scroll goes first.
    side.go.click(None, js=SHOW_RESULT, **PRIVATE)
    generated = side.go.click(run, fields.all(), outputs, concurrency_limit=None, trigger_mode="once",
                              show_progress="hidden", api_name="run_takes", **PRIVATE)  # fmt: skip
    # The takes have ended: WaveSpeed's quote line shows the balance as it is now (key mode).
    generated.then(partial(c.price_from_wavespeed, ctx), [fields.visitor, side.planned], [side.api_price], **QUIET)
    for i, (_, text, _, stop) in enumerate(side.slots):
        stop.click(partial(tv.cancel_take, ctx), [fields.visitor, gr.State(i)], [text], concurrency_limit=None,
                   **PRIVATE)  # fmt: skip
    for i, use_seed in enumerate(side.seed_buttons):
        use_seed.click(partial(tv.seed_of_slot, ctx), [fields.visitor, gr.State(i)], [fields.seed], **PRIVATE)
    return generated

"""The Create page's components and wiring. Desktop: the inputs on the left; on the right a column that stays in
view with the framing, the price, Generate (carrying the price) and each take. Phone: one column in the order
picture, prompt, Generate, result, then the settings (see ``layout.CSS``)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import gradio as gr

from .. import catalog, prompts
from ..plan import MAX_TAKES
from . import create as c
from . import extras_panel, model_guide
from . import takes_view as tv
from .state import AppContext, Visitor

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
    tabs: Any = None
    note: Any = None
    """Where History's "settings loaded" note shows: the status line above the takes."""
    go: Any = None
    """The Generate button (History notes when a Space visitor's key makes takes)."""
    banner: Any = None
    """The mode banner, whose balance History keeps fresh."""


PICKER_INFO = "What each model does and costs shows below it."


def build(ctx: AppContext, visitor: Any, threshold: Any) -> CreatePage:
    default = catalog.get_model(catalog.DEFAULT_MODEL_ID)
    with gr.Row(elem_id="create-grid", equal_height=False):
        with gr.Column(elem_id="create-inputs", min_width=280):
            with gr.Row(elem_id="pictures"):
                with gr.Column(min_width=140):
                    first = c.PictureInput(label="First frame", type="filepath", image_mode=None, elem_id="first-frame",
                                           sources=["upload", "clipboard"], height=200)  # fmt: skip
                    first_check = gr.Markdown(elem_classes="hint-text", elem_id="first-check")
                    first_fix = gr.Button("🛠️ Fix it for me", visible=False, size="sm")
                with gr.Column(visible=default.accepts_last_image, min_width=140) as last_col:
                    last = c.PictureInput(label="Last frame", type="filepath", image_mode=None,
                                          sources=["upload", "clipboard"], height=200, elem_id="last-frame")  # fmt: skip
                    last_check = gr.Markdown("Optional: the picture the video should end on.", elem_classes="hint-text",
                                             elem_id="last-check")  # fmt: skip
                    last_fix = gr.Button("🛠️ Fix it for me", visible=False, size="sm")
            prompt = gr.Textbox(label="Prompt", lines=3, elem_id="prompt",
                                placeholder="Close-up portrait in soft window light. She slowly turns toward the "
                                            "camera and smiles. Slow push-in, cinematic.",
                                info="What happens: subject, action, camera, look.")  # fmt: skip
            with gr.Row(elem_id="prompt-notes"):
                char_count = gr.Markdown(
                    f"0 / {catalog.PROMPT_MAX_CHARS} characters", elem_classes="hint-text", elem_id="char-count"
                )  # no max_length: the browser would cut a paste silently
                cam_warning = gr.Markdown(elem_classes="hint-text")

        with gr.Column(elem_id="create-side", min_width=280):
            frame_img = gr.Image(label="What the video keeps", interactive=False, height=140, buttons=[],
                                 elem_id="framing", show_label=True)  # fmt: skip
            frame_text = gr.Markdown("Add a first image to see how it will be framed.", elem_classes="hint-text",
                                     elem_id="framing-text")  # fmt: skip
            last_frame_img = gr.Image(label="Last frame, framed", interactive=False, height=110, buttons=[],
                                      visible=False, elem_id="last-framing")  # fmt: skip
            last_frame_text = gr.Markdown(elem_classes="hint-text", visible=False, elem_id="last-framing-text")
            # The first render already carries the price: nothing waits on an event (or on WaveSpeed) to show it.
            first_price, _, first_button = c.price_card(ctx, Visitor(), None, default.family, default.default_resolution,
                                                        default.duration_default, c.MATCH, default.audio_default, 1,
                                                        ctx.spend_threshold)  # fmt: skip
            price = gr.HTML(first_price, elem_id="price")
            api_price = gr.HTML(visible=False, elem_id="api-price")
            confirm = gr.Checkbox(visible=False, label="Yes, spend this", elem_id="confirm-spend")
            with gr.Group(elem_id="generate-bar"):
                go = gr.Button(first_button["value"], variant="primary", elem_id="generate-btn")
            status = gr.Markdown(elem_id="run-status")
            error = gr.HTML(visible=False, elem_id="run-error")
            slots, seed_buttons = [], []
            for i in range(MAX_TAKES):
                with gr.Group(visible=False, elem_classes="take-slot", elem_id=f"take-{i + 1}") as group:
                    text = gr.HTML(elem_classes="take-text")
                    player = gr.Video(label=f"Take {i + 1}", interactive=False, visible=False, buttons=["download"],
                                      height=220, elem_classes="take-video")  # fmt: skip
                    stop = gr.Button(f"Cancel take {i + 1}", size="sm", visible=False, variant="secondary",
                                     elem_classes="take-cancel")  # fmt: skip
                    use_seed = gr.Button(f"Use take {i + 1}'s seed", size="sm", elem_classes="take-seed")
                    seed_buttons.append(use_seed)
                slots.append((group, text, player, stop))
            facts = gr.HTML(visible=False, elem_id="take-facts")
            balance_now = gr.HTML(visible=False, elem_id="balance-now")
            files = gr.File(label="Download", file_count="multiple", visible=False, interactive=False,
                            elem_id="take-files")  # fmt: skip

        with gr.Column(elem_id="create-settings", min_width=280):
            with gr.Accordion("Settings: model, length, shape, sound", open=True, elem_id="settings-acc"):
                family = gr.Dropdown(catalog.families(), value=default.family, label="Model",
                                     info=PICKER_INFO)  # fmt: skip
                notice = gr.Markdown(default.summary, elem_classes="hint-text", elem_id="model-notice")
                with gr.Accordion("Compare the models for these settings: price, speed, length, sound", open=False,
                                  elem_id="compare-acc"):  # fmt: skip
                    compare = gr.HTML(elem_id="model-compare")
                with gr.Row(elem_id="size-row"):
                    resolution = gr.Radio(catalog.resolutions_for_family(default.family), min_width=200,
                                          value=default.default_resolution, label="Resolution",
                                          info=model_guide.resolution_hint(
                                              catalog.resolutions_for_family(default.family)))  # fmt: skip
                    duration = gr.Slider(default.duration_min, default.duration_max, step=1, min_width=200,
                                         value=default.duration_default, label="Length (seconds)",
                                         info=f"{default.duration_min}–{default.duration_max} seconds")  # fmt: skip
                with gr.Row(elem_id="shape-row"):
                    aspect = gr.Dropdown(c.ASPECT_CHOICES, value=c.MATCH, label="Shape", min_width=160,
                                         info="Match keeps your picture's shape.", elem_id="shape")  # fmt: skip
                    audio = gr.Checkbox(value=default.audio_default, label="Sound", min_width=120,
                                        info=model_guide.sound_words(default), elem_id="sound",
                                        interactive=default.accepts_audio)  # fmt: skip
                    camera_fixed = gr.Checkbox(value=False, label="Camera fixed", info="Only the scene moves.",
                                               min_width=120, elem_id="camera-fixed")  # fmt: skip
            options_box, option_parts, extras = extras_panel.build()
            with gr.Accordion("More: presets, seed, takes, camera phrases", open=False, elem_id="more-acc"):
                preset = gr.Radio(list(c.PRESETS), label="Made for…", value=None,
                                  info="Shape, resolution and length in one click.")  # fmt: skip
                with gr.Row():
                    seed = gr.Number(value=-1, precision=0, minimum=-1, maximum=catalog.SEED_MAX, label="Seed",
                                     min_width=160, elem_id="seed",
                                     info="-1 picks a new random seed; the seed used is shown after.")  # fmt: skip
                    takes = gr.Slider(1, MAX_TAKES, step=1, value=1, label="Takes", min_width=160, elem_id="takes",
                                      info="Several versions at once, one seed each.")  # fmt: skip
                with gr.Row():
                    dice = gr.Button("🎲 Random seed", size="sm")
                    reuse = gr.Button("↩️ Reuse last seed", size="sm")
                with gr.Row(elem_id="phrases"):
                    phrases = [gr.Button(label, size="sm", min_width=100) for label in prompts.CAMERA_PHRASES]
                with gr.Accordion("How to write a good prompt", open=False):
                    gr.Markdown(prompts.GUIDE)

        with gr.Column(elem_id="create-examples", min_width=280):
            if EXAMPLES:
                gr.Examples(EXAMPLES, [first, prompt], label="Try an example", cache_examples=False)

    # Wiring ---------------------------------------------------------------------------------------------------
    bind = partial
    price_in = [visitor, first, family, resolution, duration, aspect, audio, takes, threshold, extras]
    api_in = [visitor, family, resolution, duration, aspect, audio, takes, first, extras]
    frame_in = [visitor, first, family, resolution, aspect]  # the visitor first: their own catalog (c.per_visitor)
    last_in = [visitor, last, first, family, resolution, aspect]
    prompt_in = [visitor, prompt, family, resolution, camera_fixed]
    compare_in = [visitor, family, resolution, duration, aspect, audio, first]
    own = partial(c.per_visitor, ctx)

    def refresh(ev: Any) -> Any:
        ev = ev.then(bind(c.price_card, ctx), price_in, [price, confirm, go], **QUIET)
        ev.then(bind(model_guide.compare, ctx), compare_in, [compare], trigger_mode="always_last", **QUIET)
        ev.then(bind(c.price_and_button, ctx), api_in, [api_price, go], trigger_mode="always_last", **QUIET)
        return ev.then(own(c.framing), frame_in, [frame_img, frame_text], **QUIET).then(
            own(c.framing_last), last_in, [last_frame_img, last_frame_text], **QUIET)  # fmt: skip

    first_checked = first.change(c.check_image, [visitor, first], [first_check, first_fix, go], **QUIET)
    refresh(first_checked.then(c.check_last, [visitor, last, first], [last_check, last_fix, go], **QUIET))
    last.change(c.check_last, [visitor, last, first], [last_check, last_fix, go], **QUIET).then(
        own(c.framing_last), last_in, [last_frame_img, last_frame_text], **QUIET)  # fmt: skip
    refresh(first_fix.click(bind(c.fix_image, ctx), [visitor, first], [first, first_check, first_fix], **PRIVATE))
    last_fix.click(bind(c.fix_image, ctx), [visitor, last], [last, last_check, last_fix], **PRIVATE)
    for comp in (prompt, camera_fixed):
        comp.change(own(c.prompt_info), prompt_in, [char_count, cam_warning], trigger_mode="always_last", **QUIET)
    for button in phrases:
        button.click(c.insert_phrase, [prompt, gr.State(button.value)], [prompt], **QUIET)
    fam = family.change(own(c.on_family), [visitor, family, resolution, duration],
                        [resolution, duration, audio, last_col, aspect, notice], **QUIET)  # fmt: skip
    fam.then(lambda v, f: model_guide.control_updates(f, ctx.models(v))[1], [visitor, family], [camera_fixed],
             **QUIET)  # fmt: skip
    controls, model_in = option_parts[1:], [visitor, family, resolution]

    def options_follow(ev: Any) -> Any:  # the model's own inputs, then what they were set to
        return ev.then(own(extras_panel.on_model), model_in, [options_box, *option_parts], **QUIET).then(
            own(extras_panel.collect), [*model_in, *controls], [extras], **QUIET)  # fmt: skip

    refresh(options_follow(fam).then(own(c.prompt_info), prompt_in, [char_count, cam_warning], **QUIET))

    refresh(options_follow(resolution.change(lambda: None, None, None, trigger_mode="always_last", **QUIET)))
    for control in controls:
        refresh(control.input(own(extras_panel.collect), [*model_in, *controls], [extras], trigger_mode="always_last",
                              **QUIET))  # fmt: skip
    for comp in (duration, aspect, audio, takes, threshold):
        refresh(comp.change(lambda: None, None, None, trigger_mode="always_last", **QUIET))
    preset.select(own(c.apply_preset), [visitor, preset, family, first], [aspect, resolution, duration, last], **QUIET)
    dice.click(c.random_seed_value, None, [seed], **QUIET)
    reuse.click(c.reuse_seed, [visitor], [seed], **QUIET)

    async def run(*args: Any) -> Any:
        async for frame in tv.generate(ctx, *args):
            yield tv.outputs_of(frame)

    gen_in = [visitor, first, last, prompt, family, resolution, duration, aspect, audio, camera_fixed, seed, takes,
              confirm, threshold, extras]  # fmt: skip
    gen_out = [status] + [x for slot in slots for x in slot] + [files, facts, error, balance_now]
    # The page runs a click's events one after another, a streaming one to its end: the scroll goes first.
    go.click(None, js=SHOW_RESULT, **PRIVATE)
    generated = go.click(run, gen_in, gen_out, concurrency_limit=None, trigger_mode="once", show_progress="hidden",
                         api_name="run_takes", **PRIVATE)  # fmt: skip
    # The takes have ended: WaveSpeed's quote line shows the balance as it is now (key mode).
    generated.then(bind(c.price_from_wavespeed, ctx), api_in, [api_price], **QUIET)
    for i, (_, text, _, stop) in enumerate(slots):
        stop.click(bind(tv.cancel_take, ctx), [visitor, gr.State(i)], [text], concurrency_limit=None, **PRIVATE)

    for i, use_seed in enumerate(seed_buttons):
        use_seed.click(bind(tv.seed_of_slot, ctx), [visitor, gr.State(i)], [seed], **PRIVATE)
    page = CreatePage(first, last, prompt, family, resolution, duration, aspect, audio, camera_fixed, seed, threshold)
    page.generated, page.refresh_price, page.note = generated, refresh, status
    page.go = go
    return page

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
from . import takes_view as tv
from .state import AppContext

PRIVATE: dict[str, Any] = {"api_visibility": "private"}
_EXAMPLE_DIR = Path(__file__).resolve().parents[2] / "assets" / "examples"
EXAMPLES = [
    [str(_EXAMPLE_DIR / name), text]
    for name, text in (
        ("sunset-lake.jpg", "The sun sinks behind the mountains, light ripples on the lake. Slow push-in, cinematic."),
        ("paper-boat.png", "The paper boat rocks gently on the waves as the sails flutter. Locked-off tripod shot."),
    )
    if (_EXAMPLE_DIR / name).exists()
]


SHOW_RESULT_ON_PHONE = """() => { if (window.innerWidth <= 820)
  document.querySelector('#run-status')?.scrollIntoView({behavior: 'smooth', block: 'start'}); }"""


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


def build(ctx: AppContext, visitor: Any, threshold: Any) -> CreatePage:
    default = catalog.get_model(catalog.DEFAULT_MODEL_ID)
    with gr.Row(elem_id="create-grid", equal_height=False):
        with gr.Column(elem_id="create-inputs", min_width=280):
            with gr.Row(elem_id="pictures"):
                with gr.Column(min_width=140):
                    first = c.PictureInput(label="First frame", type="filepath", image_mode=None,
                                           sources=["upload", "clipboard"], height=200)  # fmt: skip
                    first_check = gr.Markdown(elem_classes="hint-text")
                    first_fix = gr.Button("🛠️ Fix it for me", visible=False, size="sm")
                with gr.Column(visible=default.accepts_last_image, min_width=140) as last_col:
                    last = c.PictureInput(label="Last frame · optional", type="filepath", image_mode=None,
                                          sources=["upload", "clipboard"], height=200)  # fmt: skip
                    last_check = gr.Markdown("Optional: the picture the video should end on.", elem_classes="hint-text")
                    last_fix = gr.Button("🛠️ Fix it for me", visible=False, size="sm")
            prompt = gr.Textbox(label="Prompt", lines=3, max_length=catalog.PROMPT_MAX_CHARS,
                                placeholder="Close-up portrait in soft window light. She slowly turns toward the "
                                            "camera and smiles. Slow push-in, cinematic.",
                                info="What happens: subject, action, camera, look.")  # fmt: skip
            char_count = gr.Markdown(f"0 / {catalog.PROMPT_MAX_CHARS} characters", elem_classes="hint-text")
            cam_warning = gr.Markdown()
            if EXAMPLES:
                gr.Examples(EXAMPLES, [first, prompt], label="Try an example", cache_examples=False)

        with gr.Column(elem_id="create-side", min_width=280):
            frame_img = gr.Image(label="What the video keeps", interactive=False, height=140, buttons=[],
                                 elem_id="framing")  # fmt: skip
            frame_text = gr.Markdown("Add a first image to see how it will be framed.", elem_classes="hint-text")
            last_frame_img = gr.Image(label="Last frame, framed", interactive=False, height=110, buttons=[],
                                      visible=False)  # fmt: skip
            last_frame_text = gr.Markdown(elem_classes="hint-text", visible=False)
            price = gr.HTML(elem_id="price")
            api_price = gr.HTML(visible=False)
            confirm = gr.Checkbox(visible=False, label="Yes, spend this")
            with gr.Group(elem_id="generate-bar"):
                go = gr.Button("✨ Generate", variant="primary", elem_id="generate-btn")
            status = gr.Markdown(elem_id="run-status")
            error = gr.HTML(visible=False)
            slots = []
            for i in range(MAX_TAKES):
                with gr.Group(visible=False, elem_classes="take-slot") as group:
                    text = gr.HTML()
                    player = gr.Video(label=f"Take {i + 1}", interactive=False, visible=False, buttons=["download"],
                                      height=240)  # fmt: skip
                    stop = gr.Button(f"Cancel take {i + 1}", size="sm", visible=False, variant="secondary")
                slots.append((group, text, player, stop))
            files = gr.File(label="Download", file_count="multiple", visible=False, interactive=False)
            facts = gr.HTML(visible=False)

        with gr.Column(elem_id="create-settings", min_width=280):
            with gr.Accordion("Settings: model, length, shape, sound", open=True, elem_id="settings-acc"):
                family = gr.Dropdown(catalog.families(), value=default.family, label="Model",
                                     info="Seedance V1.5 Pro is the newest and the only one with sound.")  # fmt: skip
                notice = gr.Markdown(default.summary, elem_classes="hint-text")
                resolution = gr.Radio(catalog.resolutions_for_family(default.family), value=default.default_resolution,
                                      label="Resolution", info="480p for quick tries, 720p for most uses.")  # fmt: skip
                duration = gr.Slider(default.duration_min, default.duration_max, step=1, value=default.duration_default,
                                     label="Length (seconds)",
                                     info=f"{default.duration_min}–{default.duration_max} seconds")  # fmt: skip
                aspect = gr.Dropdown(c.ASPECT_CHOICES, value=c.MATCH, label="Shape",
                                     info="'Match my image' keeps your picture's shape.")  # fmt: skip
                audio = gr.Checkbox(value=default.audio_default, label="Sound",
                                    info="Seedance adds sound (doubles the price).")  # fmt: skip
                camera_fixed = gr.Checkbox(value=False, label="Camera fixed", info="Only the scene moves.")
            with gr.Accordion("More: presets, seed, takes, camera phrases", open=False):
                preset = gr.Radio(list(c.PRESETS), label="Made for…", value=None,
                                  info="Shape, resolution and length in one click.")  # fmt: skip
                with gr.Row():
                    seed = gr.Number(value=-1, precision=0, minimum=-1, maximum=catalog.SEED_MAX, label="Seed",
                                     info="-1 picks a new random seed; the seed used is shown after.")  # fmt: skip
                    takes = gr.Slider(1, MAX_TAKES, step=1, value=1, label="Takes",
                                      info="Several versions at once, one seed each.")  # fmt: skip
                with gr.Row():
                    dice = gr.Button("🎲 Random seed", size="sm")
                    reuse = gr.Button("↩️ Reuse last seed", size="sm")
                with gr.Row():
                    phrases = [gr.Button(label, size="sm") for label in prompts.CAMERA_PHRASES]
                with gr.Accordion("How to write a good prompt", open=False):
                    gr.Markdown(prompts.GUIDE)

    # Wiring ---------------------------------------------------------------------------------------------------
    bind = partial
    price_in = [visitor, first, family, resolution, duration, aspect, audio, takes, threshold]
    api_in = [visitor, family, resolution, duration, aspect, audio, takes, first]
    frame_in = [first, family, resolution, aspect]
    last_in = [last, first, family, resolution, aspect]
    prompt_in = [prompt, family, resolution, camera_fixed]

    def refresh(ev: Any) -> Any:
        ev = ev.then(bind(c.price_card, ctx), price_in, [price, confirm, go], **PRIVATE)
        ev.then(bind(c.price_from_wavespeed, ctx), api_in, [api_price], trigger_mode="always_last", **PRIVATE)
        return ev.then(c.framing, frame_in, [frame_img, frame_text], **PRIVATE).then(
            c.framing_last, last_in, [last_frame_img, last_frame_text], **PRIVATE)  # fmt: skip

    refresh(first.change(c.check_image, [visitor, first], [first_check, first_fix, go], **PRIVATE))
    last.change(c.check_image, [visitor, last], [last_check, last_fix, go], **PRIVATE).then(
        c.framing_last, last_in, [last_frame_img, last_frame_text], **PRIVATE)  # fmt: skip
    refresh(first_fix.click(bind(c.fix_image, ctx), [visitor, first], [first, first_check, first_fix], **PRIVATE))
    last_fix.click(bind(c.fix_image, ctx), [visitor, last], [last, last_check, last_fix], **PRIVATE)
    for comp in (prompt, camera_fixed):
        comp.change(c.prompt_info, prompt_in, [char_count, cam_warning], trigger_mode="always_last", **PRIVATE)
    for button in phrases:
        button.click(c.insert_phrase, [prompt, gr.State(button.value)], [prompt], **PRIVATE)
    fam = family.change(c.on_family, [family, resolution, duration],
                        [resolution, duration, audio, last_col, aspect, notice], **PRIVATE)  # fmt: skip
    refresh(fam.then(c.prompt_info, prompt_in, [char_count, cam_warning], **PRIVATE))
    for comp in (resolution, duration, aspect, audio, takes, threshold):
        refresh(comp.change(lambda: None, None, None, trigger_mode="always_last", **PRIVATE))
    preset.select(c.apply_preset, [preset, family, first], [aspect, resolution, duration, last], **PRIVATE)
    dice.click(c.random_seed_value, None, [seed], **PRIVATE)
    reuse.click(c.reuse_seed, [visitor], [seed], **PRIVATE)

    async def run(*args: Any) -> Any:
        async for frame in tv.generate(ctx, *args):
            yield tv.outputs_of(frame)

    gen_in = [visitor, first, last, prompt, family, resolution, duration, aspect, audio, camera_fixed, seed, takes,
              confirm, threshold]  # fmt: skip
    gen_out = [status] + [x for slot in slots for x in slot] + [files, facts, error]
    generated = go.click(run, gen_in, gen_out, concurrency_limit=None, trigger_mode="once", show_progress="hidden",
                         api_name="run_takes", **PRIVATE)  # fmt: skip
    go.click(None, js=SHOW_RESULT_ON_PHONE, **PRIVATE)
    for i, (_, text, _, stop) in enumerate(slots):
        stop.click(bind(tv.cancel_take, ctx), [visitor, gr.State(i)], [text], concurrency_limit=None, **PRIVATE)

    page = CreatePage(first, last, prompt, family, resolution, duration, aspect, audio, camera_fixed, seed, threshold)
    page.generated, page.refresh_price = generated, refresh
    return page

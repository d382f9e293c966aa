"""The Gradio Blocks layout. Handlers live in ``handlers.py``; this file only places and wires components."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gradio as gr

from .. import catalog, prompts
from . import handlers as h

CSS = """
.card {border-radius: 12px; padding: 12px 16px; margin: 4px 0; border: 1px solid var(--border-color-primary);}
.price-card .price-total {font-size: 2em; font-weight: 700;}
.price-card .whatif, .price-card .balance, .price-card .demo-note {opacity: .85; margin-top: 6px; font-size: .92em;}
.error-card {border-color: #d9534f; background: rgba(217, 83, 79, .08);}
.error-card .money, .error-card .hint, .error-card .task {margin-top: 6px;}
#generate-btn {min-height: 56px; font-size: 1.15em;}
.hint-text {opacity: .8; font-size: .92em;}
"""

THEME = gr.themes.Soft(primary_hue="indigo", secondary_hue="pink")

_EXAMPLE_DIR = Path(__file__).resolve().parents[2] / "assets" / "examples"
EXAMPLES = [
    [str(_EXAMPLE_DIR / name), text]
    for name, text in (
        ("sunset-lake.jpg", "The sun sinks behind the mountains, light ripples on the lake. Slow push-in, cinematic."),
        ("paper-boat.png", "The paper boat rocks gently on the waves as the sails flutter. Locked-off tripod shot."),
    )
    if (_EXAMPLE_DIR / name).exists()
]


def launch_kwargs(ctx: h.AppContext) -> dict[str, Any]:
    """One place for launch settings, used by app.py and by the tests."""
    allowed = [str(rt.studio.library) for rt in (ctx.demo, ctx.live) if rt is not None]
    allowed += [str(ctx.work_dir), str(_EXAMPLE_DIR)]
    return {
        "theme": THEME,
        "css": CSS,
        "run_history": False,  # would keep every input, a key included, in the browser's storage
        "allowed_paths": allowed,
        "show_error": True,
        "footer_links": ["api"],
    }


def build_app(ctx: h.AppContext) -> gr.Blocks:
    h.configure(ctx)
    families = catalog.families()
    default = catalog.get_model(catalog.DEFAULT_MODEL_ID)

    with gr.Blocks(title="Seedance Studio") as demo:
        session = gr.State(None)  # filled by a private load event: a callable value would be a public endpoint
        take_ids = gr.State([])
        gr.Markdown("# 🎬 Seedance Studio\nTurn a still picture into a short video with ByteDance Seedance.")
        banner = gr.Markdown()

        with gr.Tabs() as tabs:
            with gr.Tab("Create", id="create"), gr.Row(equal_height=False):
                with gr.Column(scale=3):
                    gr.Markdown("### 1 · Your pictures")
                    with gr.Row():
                        with gr.Column():
                            first = gr.Image(label="First frame (required)", type="filepath", image_mode=None,
                                                 sources=["upload", "clipboard"], height=260)  # fmt: skip
                            first_check = gr.Markdown(elem_classes="hint-text")
                            first_fix = gr.Button("🛠️ Fix it for me", visible=False, size="sm")
                        with gr.Column(visible=default.accepts_last_image) as last_col:
                            last = gr.Image(label="Last frame (optional)", type="filepath", image_mode=None,
                                                sources=["upload", "clipboard"], height=260)  # fmt: skip
                            last_check = gr.Markdown(
                                "Optional: the picture the video should end on.", elem_classes="hint-text"
                            )
                            last_fix = gr.Button("🛠️ Fix it for me", visible=False, size="sm")
                    gr.Markdown("### 2 · Describe the shot")
                    prompt = gr.Textbox(label="Prompt", lines=4, max_length=catalog.PROMPT_MAX_CHARS,
                                            placeholder="Close-up portrait in soft window light. She slowly turns "
                                                        "toward the camera and smiles. Slow push-in, cinematic.",
                                            info="What happens: subject, action, camera, look.")  # fmt: skip
                    with gr.Row():
                        char_count = gr.Markdown(f"0 / {catalog.PROMPT_MAX_CHARS} characters",
                                                     elem_classes="hint-text")  # fmt: skip
                    cam_warning = gr.Markdown()
                    with gr.Row():
                        phrase_buttons = [gr.Button(label, size="sm") for label in prompts.CAMERA_PHRASES]
                    with gr.Accordion("How to write a good prompt", open=False):
                        gr.Markdown(prompts.GUIDE)
                    if EXAMPLES:
                        gr.Examples(EXAMPLES, [first, prompt], label="Try an example", cache_examples=False)

                    gr.Markdown("### 3 · Settings")
                    preset = gr.Radio(list(h.PRESETS), label="Made for…", value=None,
                                          info="Sets shape, resolution and length in one click; change them after.")  # fmt: skip
                    family = gr.Dropdown(families, value=default.family, label="Model",
                                             info="Seedance V1.5 Pro is the newest and the only one with sound.")  # fmt: skip
                    notice = gr.Markdown(default.summary, elem_classes="hint-text")
                    with gr.Row():
                        resolution = gr.Radio(catalog.resolutions_for_family(default.family),
                                                  value=default.default_resolution, label="Resolution",
                                                  info="480p for quick tries, 720p for most uses.")  # fmt: skip
                        duration = gr.Slider(default.duration_min, default.duration_max, step=1,
                                                 value=default.duration_default, label="Length (seconds)",
                                                 info=f"{default.duration_min}–{default.duration_max} seconds")  # fmt: skip
                    with gr.Row():
                        aspect = gr.Dropdown(h.ASPECT_CHOICES, value=h.MATCH, label="Shape",
                                                 info="'Match my image' keeps your picture's shape.")  # fmt: skip
                        audio = gr.Checkbox(value=default.audio_default, label="Sound",
                                                info="Let Seedance add sound (doubles the price).")  # fmt: skip
                        camera_fixed = gr.Checkbox(value=False, label="Camera fixed",
                                                       info="Keep the camera still; only the scene moves.")  # fmt: skip
                    with gr.Row():
                        seed = gr.Number(value=-1, precision=0, minimum=-1, maximum=catalog.SEED_MAX, label="Seed",
                                             info="-1 picks a new random seed; the seed used is shown after.")  # fmt: skip
                        dice = gr.Button("🎲 Random seed", size="sm")
                        reuse = gr.Button("↩️ Reuse last seed", size="sm")
                        takes = gr.Slider(1, 4, step=1, value=1, label="Takes",
                                              info="Several versions at once, one seed each.")  # fmt: skip

                with gr.Column(scale=2):
                    gr.Markdown("### Framing")
                    frame_img = gr.Image(label="What the video keeps", interactive=False, height=240,
                                             buttons=[])  # fmt: skip
                    frame_text = gr.Markdown("Add a first image to see how it will be framed.",
                                                 elem_classes="hint-text")  # fmt: skip
                    last_frame_img = gr.Image(label="Last frame, framed", interactive=False, height=160,
                                              buttons=[], visible=False)  # fmt: skip
                    last_frame_text = gr.Markdown(elem_classes="hint-text")
                    gr.Markdown("### Price")
                    price = gr.HTML()
                    confirm = gr.Checkbox(visible=False, label="Yes, spend this")
                    with gr.Row():
                        go = gr.Button("✨ Generate", variant="primary", elem_id="generate-btn", scale=3)
                        stop = gr.Button("⏹️ Cancel", variant="secondary", scale=1)
                    status = gr.Markdown()
                    error = gr.HTML()
                    videos = [gr.Video(label=f"Take {i + 1}", visible=i == 0, interactive=False,
                                           buttons=["download"]) for i in range(h.MAX_TAKES)]  # fmt: skip
                    files = gr.File(label="Download", file_count="multiple", visible=False, interactive=False)
                    facts = gr.Markdown()

            with gr.Tab("History", id="history"):
                with gr.Row():
                    search = gr.Textbox(label="Search", placeholder="words from the prompt, a model or a task id",
                                        scale=4)  # fmt: skip
                    refresh = gr.Button("🔄 Refresh", scale=1)
                gallery = gr.Gallery(label="Your takes", columns=6, height="auto", allow_preview=False, preview=False,
                                 object_fit="cover", interactive=False, fit_columns=False)  # fmt: skip
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3):
                        h_video = gr.Video(label="Selected take", interactive=False)
                        h_files = gr.File(label="Download", visible=False, interactive=False)
                    with gr.Column(scale=2):
                        h_facts = gr.Markdown("Pick a take above.")
                        h_take = gr.Textbox(visible=False)
                        with gr.Row():
                            load_btn = gr.Button("📝 Load settings")
                            cont_btn = gr.Button("➡️ Continue from last frame")
                        with gr.Row():
                            loop_btn = gr.Button("🔁 Loop")
                            del_btn = gr.Button("🗑️ Delete local copy", variant="stop")
                        h_note = gr.Markdown()
                with gr.Accordion("Recover a video by its task id", open=False):
                    rec_id = gr.Textbox(label="Task id", info="From WaveSpeed's dashboard, an email or an error card.")
                    with gr.Row():
                        rec_btn = gr.Button("Recover")
                        resume_btn = gr.Button("Finish unfinished takes")
                    rec_note = gr.HTML()
                with gr.Accordion("Stitch takes into one video", open=False):
                    stitch_pick = gr.Dropdown([], multiselect=True, label="Takes, in playing order")
                    stitch_btn = gr.Button("Stitch")
                    stitch_video = gr.Video(label="Stitched", interactive=False)
                    stitch_note = gr.Markdown()

            with gr.Tab("Settings", id="settings"):
                key_box = gr.Textbox(label="WaveSpeed API key", type="password",
                                     info="Kept for this visit only, in this browser tab's session on the server.")  # fmt: skip
                key_btn = gr.Button("Use this key")
                key_note = gr.Markdown()
                threshold = gr.Number(value=ctx.spend_threshold, label="Ask before spending more than ($)",
                                      info="Generate asks you to confirm above this amount.")  # fmt: skip

        # The hidden API endpoint: /generate for gradio_client and scripts.
        with gr.Column(visible=False):
            # Files, not Images: no preprocessing in Gradio, our own check reads the bytes as uploaded.
            api_image = gr.File(type="filepath", label="image")
            api_last = gr.File(type="filepath", label="last_image")
            api_prompt = gr.Textbox(label="prompt")
            api_model = gr.Textbox(value=catalog.DEFAULT_MODEL_ID, label="model_id")
            api_duration = gr.Number(value=None, label="duration", precision=0)
            api_resolution = gr.Textbox(value="", label="resolution")
            api_aspect = gr.Textbox(value="", label="aspect_ratio")
            api_audio = gr.Checkbox(value=False, label="generate_audio")
            api_camera = gr.Checkbox(value=False, label="camera_fixed")
            api_seed = gr.Number(value=-1, label="seed", precision=0)
            api_video = gr.Video(label="video")
            api_facts = gr.JSON(label="facts")
            api_btn = gr.Button("api")

        # Wiring ---------------------------------------------------------------------------------------------
        private: dict[str, Any] = {"api_visibility": "private"}
        price_inputs = [family, resolution, duration, aspect, audio, takes, first, threshold, session]
        frame_inputs = [first, family, resolution, aspect]

        last_frame_inputs = [last, first, family, resolution, aspect]
        last_frame_outputs = [last_frame_img, last_frame_text]

        def refresh_all(ev: Any) -> Any:
            return (
                ev.then(h.price_card, price_inputs, [price, confirm], **private)
                .then(h.framing, frame_inputs, [frame_img, frame_text], **private)
                .then(h.framing_last, last_frame_inputs, last_frame_outputs, **private)
            )

        prompt_inputs = [prompt, family, resolution, camera_fixed]
        start = demo.load(h.new_session, None, [session], **private)
        start = start.then(h.mode_banner, [session], [banner], **private)
        start.then(h.prompt_info, prompt_inputs, [char_count, cam_warning], **private)
        refresh_all(start.then(h.history, [session], [gallery, take_ids, stitch_pick], **private))

        refresh_all(first.change(h.check_image, [first, session], [first_check, first_fix], **private))
        last.change(h.check_image, [last, session], [last_check, last_fix], **private).then(
            h.framing_last, last_frame_inputs, last_frame_outputs, **private
        )
        refresh_all(first_fix.click(h.fix_image, [first, session], [first, first_check, first_fix], **private))
        last_fix.click(h.fix_image, [last, session], [last, last_check, last_fix], **private)

        for comp in (prompt, camera_fixed):
            comp.change(h.prompt_info, prompt_inputs, [char_count, cam_warning], trigger_mode="always_last", **private)
        for button in phrase_buttons:
            button.click(h.insert_phrase, [prompt, gr.State(button.value)], [prompt], **private)

        fam_ev = family.change(h.on_family, [family, resolution, duration],
                               [resolution, duration, audio, last_col, aspect, notice], **private)  # fmt: skip
        refresh_all(fam_ev.then(h.prompt_info, prompt_inputs, [char_count, cam_warning], **private))
        for comp in (resolution, duration, aspect, audio, takes, threshold):
            comp.change(h.price_card, price_inputs, [price, confirm], trigger_mode="always_last", **private)
        for comp in (resolution, aspect):
            comp.change(h.framing, frame_inputs, [frame_img, frame_text], trigger_mode="always_last", **private)
            comp.change(h.framing_last, last_frame_inputs, last_frame_outputs, trigger_mode="always_last", **private)
        preset.select(h.apply_preset, [preset, family, first], [aspect, resolution, duration, last], **private)

        dice.click(h.random_seed_value, None, [seed], **private)
        reuse.click(h.reuse_seed, [session], [seed], **private)

        gen_inputs = [session, first, last, prompt, family, resolution, duration, aspect, audio, camera_fixed, seed,
                      takes, confirm, threshold]  # fmt: skip
        gen_outputs = [status, *videos, files, facts, error]
        gen = go.click(h.generate, gen_inputs, gen_outputs, concurrency_limit=None, trigger_mode="once",
                       show_progress="minimal", api_name="run_takes", **private)  # fmt: skip
        gen.then(h.history, [session], [gallery, take_ids, stitch_pick], **private)
        stop.click(h.cancel, [session], [status], cancels=[gen], concurrency_limit=None, **private)

        key_ev = key_btn.click(h.set_key, [key_box, session], [session, key_box, key_note], **private)
        refresh_all(key_ev.then(h.mode_banner, [session], [banner], **private))

        refresh.click(h.history, [session, search], [gallery, take_ids, stitch_pick], **private)
        search.submit(h.history, [session, search], [gallery, take_ids, stitch_pick], **private)
        gallery.select(h.select_take, [take_ids, session], [h_video, h_files, h_facts, h_take], **private)
        form = [first, last, prompt, family, resolution, duration, aspect, audio, camera_fixed, seed, tabs, h_note]
        for btn, mode in ((load_btn, "same"), (cont_btn, "continue"), (loop_btn, "loop")):
            btn.click(h.load_settings, [h_take, session, gr.State(mode)], form, **private)
        del_btn.click(h.delete_take, [h_take, session], [h_note], **private).then(
            h.history, [session, search], [gallery, take_ids, stitch_pick], **private
        )
        rec_btn.click(h.recover_task, [rec_id, session], [h_video, rec_note], concurrency_limit=None, **private).then(
            h.history, [session, search], [gallery, take_ids, stitch_pick], **private
        )
        resume_btn.click(h.resume_unfinished, [session], [rec_note], concurrency_limit=None, **private)
        stitch_btn.click(h.stitch, [stitch_pick, session], [stitch_video, stitch_note], **private)

        api_btn.click(h.api_generate, [api_image, api_prompt, api_model, api_duration, api_resolution, api_aspect,
                                       api_audio, api_camera, api_seed, api_last], [api_video, api_facts],
                      api_name="generate", concurrency_limit=None)  # fmt: skip
    demo.queue(default_concurrency_limit=None)
    return demo

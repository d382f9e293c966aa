"""The app: the three pages in tabs, the mode banner, the hidden ``/generate`` endpoint, and the launch settings.
Each page module owns its components and handlers; this file only assembles them."""

from __future__ import annotations

from functools import partial
from typing import Any

import gradio as gr

from . import api, create_page, history, settings
from .state import AppContext

MAX_UPLOAD = "40mb"
"""Uploads over this are refused by Gradio itself; 'Fix it for me' reads pictures up to images.MAX_READ_BYTES."""

CSS = """
.card {border-radius: 12px; padding: 10px 14px; margin: 4px 0; border: 1px solid var(--border-color-primary);}
.price-card .price-total {font-size: 1.6em; font-weight: 700; line-height: 1.2;}
#create-side {gap: 10px;}
.price-card .whatif, .balance {opacity: .9; margin-top: 4px; font-size: .92em;}
.error-card {border-color: #b52a25; background: rgba(181, 42, 37, .07);}
.calm-card {background: var(--background-fill-secondary);}
.card .money, .card .hint, .card .task {margin-top: 6px;}
.take-stage {padding: 6px 4px;}
.hint-text {font-size: .92em;}
#generate-btn {min-height: 52px; font-size: 1.15em;}
#create-grid {display: grid !important; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr);
  grid-template-areas: "inputs side" "settings side"; gap: 16px; align-items: start;}
#create-inputs {grid-area: inputs;}
#create-settings {grid-area: settings;}
#create-side {grid-area: side; position: sticky; top: 8px; max-height: calc(100vh - 16px); overflow-y: auto;}
@media (max-width: 820px) {
  #create-grid {grid-template-columns: minmax(0, 1fr); grid-template-areas: "inputs" "side" "settings";}
  #create-side {position: static; max-height: none; overflow: visible;}
  #generate-bar {position: fixed; left: 8px; right: 8px; bottom: 8px; z-index: 50; width: auto !important;
    box-shadow: 0 4px 16px rgba(0, 0, 0, .25); border-radius: 12px;}
  .gradio-container {padding-bottom: 84px !important;}
  #pictures {flex-wrap: nowrap; gap: 8px;}
  #pictures > div {min-width: 0 !important;}
  .gradio-container {padding-left: 8px !important; padding-right: 8px !important;}
}
"""

THEME = gr.themes.Soft(primary_hue="indigo", secondary_hue="pink")

# On a phone the settings start folded, so the picture, the prompt, Generate and the result come first.
FOLD_ON_PHONE = """() => { if (window.innerWidth <= 820) {
  const b = document.querySelector('#settings-acc > button, #settings-acc .label-wrap');
  if (b && document.querySelector('#settings-acc')?.querySelector('.open, [aria-expanded=true]')) b.click(); } }"""


def launch_kwargs(ctx: AppContext) -> dict[str, Any]:
    """One place for launch settings, used by app.py and by the tests."""
    allowed = [str(rt.studio.library) for rt in (ctx.demo, ctx.live) if rt is not None]
    allowed += [str(ctx.work_dir), str(create_page._EXAMPLE_DIR)]
    return {
        "theme": THEME,
        "css": CSS,
        "run_history": False,  # would keep every input, a key included, in the browser's storage
        "allowed_paths": allowed,
        "show_error": True,
        "footer_links": ["api"],
        "max_file_size": MAX_UPLOAD,
    }


def build_app(ctx: AppContext) -> gr.Blocks:
    private: dict[str, Any] = {"api_visibility": "private"}
    # Gradio's own cache (uploads, served videos): swept hourly of files older than a day.
    with gr.Blocks(title="Seedance Studio", delete_cache=(3600, 86400)) as demo:
        visitor = gr.State(None)  # filled by a private load event: a callable value would be a public endpoint
        token = gr.BrowserState(None, storage_key="seedance-visitor", secret=ctx.browser_secret)
        gr.Markdown("## 🎬 Seedance Studio · turn a still picture into a short video", elem_id="title")
        banner = gr.Markdown(elem_id="banner")
        threshold = gr.Number(value=ctx.spend_threshold, label="Ask before spending more than ($)",
                              info="Generate asks you to confirm above this amount.", render=False)  # fmt: skip
        with gr.Tabs() as tabs:
            with gr.Tab("Create", id="create"):
                page = create_page.build(ctx, visitor, threshold)
            page.tabs = tabs
            with gr.Tab("History", id="history"):
                fill_history = history.build(ctx, visitor, page)
            with gr.Tab("Settings", id="settings"):
                key_events = settings.build(ctx, visitor, banner, threshold)
        for ev in key_events:
            fill_history(page.refresh_price(ev))

        with gr.Column(visible=False):
            api_in, api_out = api.components()
            api_btn = gr.Button("api")
        api_btn.click(partial(api.generate, ctx), api_in, api_out, api_name="generate", concurrency_limit=None)

        start = demo.load(partial(settings.new_visitor, ctx), [token], [visitor, token], **private)
        start = start.then(partial(settings.banner, ctx), [visitor], [banner], **private)
        fill_history(page.refresh_price(start)).then(None, js=FOLD_ON_PHONE)
    demo.queue(default_concurrency_limit=None)
    return demo

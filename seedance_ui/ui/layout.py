"""The app: the three pages in tabs, the mode banner, the hidden ``/generate`` endpoint, and the launch settings.
Each page module owns its components and handlers; this file only assembles them."""

from __future__ import annotations

import json
from functools import partial
from typing import Any

import gradio as gr
from starlette.middleware import Middleware

from ..words import LOCALES
from . import api, create_page, history, language, look, mcp_tools, queue_page, settings, storyboard
from .i18n import L, L_in, page_code, page_i18n
from .page_start import PageLanguageStart
from .state import AppContext

MAX_UPLOAD = "40mb"
"""Uploads over this are refused by Gradio itself; 'Fix it for me' reads pictures up to images.MAX_READ_BYTES."""

CSS = """
.gradio-container {overflow: clip !important;}  /* Gradio's "hidden" would stop the right column from sticking */
.main.fillable {padding-left: clamp(8px, 2.2vw, 32px) !important; padding-right: clamp(8px, 2.2vw, 32px) !important;}
#title .html-container {padding: 0;}
#title h1 {margin: 0; font-size: 1.6em; line-height: 1.25;}
#title .tagline {font-weight: 400; font-size: .62em; color: var(--body-text-color-subdued);}
.card {border-radius: 12px; padding: 10px 14px; margin: 4px 0; border: 1px solid var(--border-color-primary);}
.price-card {margin: 0;}
.price-card .price-total {font-size: 1.5em; font-weight: 700; line-height: 1.2;}
.price-card .whatif, .balance {margin-top: 4px; font-size: .92em;}
.balance {padding: 0 14px;}
#price .html-container, #api-price .html-container {padding: 0 !important;}
.error-card {border-color: #b52a25; background: rgba(181, 42, 37, .07);}
.calm-card {background: var(--background-fill-secondary);}
.card .money, .card .hint, .card .task {margin-top: 6px;}
.take-stage {padding: 6px 10px;}
.take-stage code {overflow-wrap: anywhere;}
.hint-text {font-size: .92em;}
#generate-btn {min-height: 52px; font-size: 1.15em;}
#create-grid {display: grid !important; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 12px 16px;
  grid-template-areas: "inputs side" "settings side" "examples side"; grid-template-rows: auto auto 1fr;
  align-items: start;}
#create-inputs {grid-area: inputs;}
#create-settings {grid-area: settings;}
#model-options-place:not(:has(#model-options)) {display: none;}  /* a model with no options of its own */
#create-examples {grid-area: examples;}
#create-side {grid-area: side; gap: 8px; position: sticky; top: 8px; max-height: calc(100vh - 16px);
  overflow-y: auto; align-self: start;}
.take-slot {scroll-margin: 8px;}
#take-files .filename, #take-files .filename .stem, #take-files .filename .ext {display: inline; white-space: normal !important;
  overflow-wrap: anywhere;}
#history-gallery .grid-wrap {min-height: 0 !important; height: auto !important; max-height: 70vh; padding-top: 40px;}
#history-gallery .gallery-container {height: auto !important;}
#delete-confirm {flex-wrap: wrap; align-items: center;}
#delete-confirm > :first-child {flex-basis: 100%;}
#history-gallery .grid-container {grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)) !important;
  grid-template-rows: none !important; grid-auto-rows: auto !important;}
#history-gallery .thumbnail-item {display: flex; flex-direction: column; height: auto; aspect-ratio: auto;}
#history-gallery .thumbnail-item img {aspect-ratio: 16 / 10; height: auto; width: 100%;}
#history-gallery .caption-label {position: static; max-width: none; white-space: normal; overflow: visible;
  text-overflow: clip; border: 0; border-radius: 0; background: none; font-size: .8em; line-height: 1.3;
  opacity: 1 !important; color: var(--body-text-color);}
@media (max-width: 820px) {
  #title, #title .html-container, #banner {padding: 0 !important;}
  #title h1 {font-size: 1.2em;}
  #title .tagline {display: block; font-size: .72em;}
  #banner {font-size: .85em; line-height: 1.35;}
  .tab-container > button {padding-left: 7px !important; padding-right: 7px !important; font-size: .9em;}  /* 5 tabs, one row */
  #create-inputs, #create-side {gap: 8px !important;}
  #create-grid {grid-template-columns: minmax(0, 1fr); grid-template-rows: none; margin-bottom: 72px;
    grid-template-areas: "inputs" "side" "settings" "examples";}
  #create-side {position: static; max-height: none; overflow: visible;}
  #generate-bar {position: fixed; left: 8px; right: 8px; bottom: 8px; z-index: 50; width: auto !important;
    box-shadow: 0 4px 16px rgba(0, 0, 0, .25); border-radius: 12px;}
  .take-slot {scroll-margin: 8px 8px 96px;}
  #pictures {flex-wrap: nowrap; gap: 8px;}
  #pictures > div {min-width: 0 !important;}
  #first-frame, #last-frame {height: 140px !important;}
  #framing {height: 110px !important;}
  #shape-row > .form {flex-wrap: wrap !important;}
  #shape-row #shape {flex: 1 1 100% !important;}
  #shape-row #sound, #shape-row #camera-fixed {flex: 1 1 40% !important;}
  #pictures [data-testid=upload-text] {font-size: .85em; white-space: normal; overflow: visible;}
}
"""

# Soft's indigo labels and buttons, grey hints and pink links fall short of WCAG AA contrast (4.5:1): one step darker each.
THEME = gr.themes.Soft(primary_hue="indigo", secondary_hue="pink").set(
    block_label_text_color="*primary_700", block_title_text_color="*primary_700", color_accent="*primary_600",
    body_text_color_subdued="*neutral_600", link_text_color="*secondary_700", link_text_color_visited="*secondary_700",
    link_text_color_hover="*secondary_800", link_text_color_active="*secondary_800",
    button_primary_background_fill="*primary_600", button_primary_border_color="*primary_600",
    button_primary_background_fill_hover="*primary_700", button_primary_border_color_hover="*primary_700",
    checkbox_label_background_fill_selected="*primary_600",
)  # fmt: skip

# Two spots of Gradio's markup a screen reader stumbles on, named once they appear: the framing preview is an image
# inside a button with no name, and an empty player is a div with an aria-label but no role. The names are said in
# the page's language (WORDS: each language's two names, from the labels catalogs).
A11Y_JS = """() => {
  const words = WORDS, say = (i) => (words[document.documentElement.lang] || words.en)[i];
  const fix = () => {
    for (const b of document.querySelectorAll('#framing button:not([aria-label]), #last-framing button:not([aria-label])'))
      b.setAttribute('aria-label', say(0));
    for (const b of document.querySelectorAll('.shot-pic button:not([aria-label])'))
      b.setAttribute('aria-label', say(1));
    for (const d of document.querySelectorAll('.empty[aria-label]:not([role])')) d.setAttribute('role', 'img');
  };
  fix();
  new MutationObserver(fix).observe(document.body, {subtree: true, childList: true});
}""".replace("WORDS", json.dumps({page_code(code): [L_in(code, "a11y.framing_preview"), L_in(code, "a11y.shot_picture")]
                                 for code in LOCALES}, ensure_ascii=False))  # fmt: skip

# The page's words in five languages from the `labels` catalogs (Gradio 6.31's status region reads out
# "common.complete" when an event ends and its English words lack that key: the catalogs have it).
I18N = page_i18n()

# On a phone the settings start folded, so the picture, the prompt, Generate and the result come first.
FOLD_ON_PHONE = """() => { if (window.innerWidth <= 820) {
  const b = document.querySelector('#settings-acc > button, #settings-acc .label-wrap');
  if (b && document.querySelector('#settings-acc')?.querySelector('.open, [aria-expanded=true]')) b.click(); }
  document.documentElement.dataset.settingsFolded = 'yes'; }"""
"""On a phone the Settings start folded (the picture and the result come first). It runs as the page appears, before
any server step, so a person who opens them early is never folded shut under their finger."""


def launch_kwargs(ctx: AppContext) -> dict[str, Any]:
    """One place for launch settings, used by app.py and by the tests."""
    allowed = [str(rt.studio.library) for rt in (ctx.demo, ctx.live) if rt is not None]
    allowed += [str(ctx.work_dir), str(create_page._EXAMPLE_DIR)]
    return {
        "theme": THEME,
        "css": CSS + look.CSS + storyboard.CSS,
        "js": look.page_js(A11Y_JS, look.ANY_FILE_JS),
        "run_history": False,  # would keep every input, a key included, in the browser's storage
        "allowed_paths": allowed,
        "show_error": True,
        "footer_links": ["api"],
        "max_file_size": MAX_UPLOAD,
        "i18n": I18N,
        "app_kwargs": {"middleware": [Middleware(PageLanguageStart)]},  # the page starts in the chosen language
        "mcp_server": True,  # the public endpoints (generate, price, history) as tools for AI assistants
    }


def models_now(ctx: AppContext, visitor: Any) -> Any:
    """The model picker's choices from the catalog in use. With a key, WaveSpeed's live list is asked for in the
    background (cached an hour); a list that arrives later shows at the next page load. Never waits on it."""
    from .. import catalog, catalog_live

    key, base = ctx.catalog_slot(visitor)
    if key:
        catalog_live.load(key, base)  # this visitor's list (per key and base URL), never the whole process's
    return gr.update(choices=catalog.families(ctx.models(visitor)), info=picker_note(ctx, visitor))


def picker_note(ctx: AppContext, visitor: Any) -> str:
    """The picker's info line: when WaveSpeed's list could not be fetched, that and which list is used."""
    from .. import catalog_live

    key, base = ctx.catalog_slot(visitor)
    note = catalog_live.status_for(key, base).note(getattr(visitor, "locale", None) or "en") if key else ""
    return note or create_page.PICKER_INFO


def build_app(ctx: AppContext) -> gr.Blocks:
    private: dict[str, Any] = {"api_visibility": "private"}
    # Gradio's own cache (uploads, served videos): swept hourly of files older than a day.
    with gr.Blocks(title="Seedance Studio", delete_cache=(3600, 86400)) as demo:
        visitor = gr.State(None)  # filled by a private load event: a callable value would be a public endpoint
        token = gr.BrowserState(None, storage_key="seedance-visitor", secret=ctx.browser_secret)
        keyed = history.keyed_store(ctx)  # outside the tabs: a hidden tab's BrowserState is never saved
        gr.HTML(
            "<h1>🎬 Seedance Studio <span class='tagline'>" + L("app.tagline") + "</span></h1>",
            elem_id="title",
        )
        banner = gr.Markdown(elem_id="banner")
        threshold = gr.Number(value=ctx.spend_threshold, label=L("settings.threshold"),
                              info=L("settings.threshold_info"), render=False)  # fmt: skip
        kept_language = language.kept_store(ctx)  # outside the tabs, like `token`: saved in the browser
        with gr.Tabs(overflow_behavior="wrap") as tabs:  # five tabs: on a phone they wrap, none hidden in a menu
            with gr.Tab(L("tab.create"), id="create") as create_tab:
                page = create_page.build(ctx, visitor, threshold)
            page.tabs, page.banner = tabs, banner
            with gr.Tab(L("tab.history"), id="history") as history_tab:
                fill_history = history.build(ctx, visitor, page, keyed, tab=history_tab)
            with gr.Tab(L("tab.storyboard"), id="storyboard") as board_tab:
                fill_boards = storyboard.build(ctx, visitor, page, threshold)
            with gr.Tab(L("tab.queue"), id="queue") as queue_tab:
                resume_queue = queue_page.build(ctx, visitor, threshold, tabs)
            with gr.Tab(L("tab.settings"), id="settings") as settings_tab:
                key_events = settings.build(ctx, visitor, banner, threshold)
                switch, page_tag = language.build()
        for ev in key_events:
            fill_history(page.refresh_price(ev.then(partial(models_now, ctx), [visitor], [page.family], **private)))

        with gr.Column(visible=False):
            api_in, api_out = api.components()
            api_btn = gr.Button("api")
        price_tool, generate_tool, history_tool = mcp_tools.make_tools(ctx)
        api_btn.click(generate_tool, api_in, api_out, api_name="generate", concurrency_limit=None)
        gr.api(price_tool, api_name="price", concurrency_limit=None)
        gr.api(history_tool, api_name="history", concurrency_limit=None)

        start = demo.load(partial(settings.new_visitor, ctx), [token], [visitor, token], **private)
        start = start.then(language.on_load, [visitor, kept_language], [visitor, switch, page_tag], **private)
        start = start.then(None, [page_tag, switch], None, js=language.SET_PAGE_LOCALE)
        start = start.then(partial(settings.banner, ctx), [visitor], [banner], **private)
        chosen = switch.input(language.on_choose, [visitor, switch], [visitor, kept_language, page_tag], **private)
        chosen = chosen.then(None, [page_tag, switch], None, js=language.SET_PAGE_LOCALE)
        tab_items = [create_tab, history_tab, board_tab, queue_tab, settings_tab]
        chosen = chosen.then(language.relabel(tab_items), None, tab_items, **private)
        chosen = chosen.then(partial(settings.banner, ctx), [visitor], [banner], **private)  # the server's words too
        page.refresh_price(page.follow_model(chosen))  # Generate carries its words and price; the model its words
        start = page.follow_model(start.then(partial(models_now, ctx), [visitor], [page.family], **private))
        demo.load(None, js=FOLD_ON_PHONE)
        fill_boards(fill_history(page.refresh_price(start)))
        start.then(resume_queue, [visitor], None, **private)
    demo.queue(default_concurrency_limit=None)
    return demo

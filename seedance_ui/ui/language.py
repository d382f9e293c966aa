"""The visitor's language: their browser's (Accept-Language) unless they chose one in Settings, the choice kept in
their browser (``gr.BrowserState``). It is set per visitor, never for the process: ``Visitor.locale`` on the server
(the sentences our code writes) and Gradio's locale in their own page (our labels and Gradio's own widgets).

Gradio's client starts in ``navigator.language``; a choice is applied by calling its ``changeLocale`` (the function
its own language menu uses), so the page switches in place, without a reload: what was typed, the pictures and a
pasted key stay. The tabs' labels are set again from the server (Gradio draws those of tabs not opened yet only once),
and the few words Gradio's upload areas draw once follow at the next visit, which starts in the chosen language
(``page_start``).
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from ..words import LOCALES, pick_locale
from .i18n import L, page_code
from .page_start import STORAGE_KEY
from .state import Visitor

FOLLOW_BROWSER = "auto"
NAMES = {"en": "English", "zh_CN": "简体中文", "es": "Español", "pt_BR": "Português (Brasil)", "ja": "日本語"}
"""Each language by its own name, as a person looks for it, whatever the page's language is now."""

SET_PAGE_LOCALE = """async (code, choice) => {
  if (!code) return;
  try {  // the next visit starts in this language (page_start reads it before Gradio does)
    if (choice && choice !== 'auto') localStorage.setItem('STORAGE_KEY', code);
    else localStorage.removeItem('STORAGE_KEY');
  } catch (e) {}
  // Gradio 6's client keeps its locale in its core module; importing the module's own URL again returns that same
  // instance, and its changeLocale is what Gradio's language menu calls (every translated label follows).
  const urls = [...performance.getEntriesByType('resource').map(e => e.name),
                ...[...document.querySelectorAll('link[rel=modulepreload], script[type=module]')].map(e => e.href || e.src)];
  const url = urls.find(u => /\\/assets\\/core-[^/]*\\.js(\\?.*)?$/.test(u || ''));
  try {
    const core = url && await import(url);
    if (core && core.changeLocale) core.changeLocale(code);
  } catch (e) { console.warn('Could not switch the page language', e); }
  document.documentElement.setAttribute('data-seedance-locale', code);
}""".replace("STORAGE_KEY", STORAGE_KEY)


def choices() -> list[tuple[Any, str]]:
    return [(L("settings.language_browser"), FOLLOW_BROWSER)] + [(NAMES[code], code) for code in LOCALES]


def kept_store(ctx: Any) -> Any:
    """The language chosen in this browser ("auto": follow the browser); outside the tabs, so it is saved."""
    return gr.BrowserState(FOLLOW_BROWSER, storage_key="seedance-language", secret=ctx.browser_secret)


def _resolve(visitor: Visitor | None, choice: str | None, request: gr.Request | None) -> tuple[str, str]:
    choice = choice if choice in LOCALES else FOLLOW_BROWSER
    header = request.headers.get("accept-language") if request is not None else None
    locale = pick_locale(header, None if choice == FOLLOW_BROWSER else choice)
    if visitor is not None:
        visitor.locale = locale
    return choice, locale


def on_load(visitor: Visitor | None, kept: str | None, request: gr.Request) -> tuple[Visitor | None, str, str]:
    """The page opens: the visitor's language from their kept choice or their browser. Returns the visitor, the
    switch's value and the page's language tag (for ``SET_PAGE_LOCALE``)."""
    choice, locale = _resolve(visitor, kept, request)
    return visitor, choice, page_code(locale)


def on_choose(visitor: Visitor | None, choice: str | None, request: gr.Request) -> tuple[Visitor | None, str, str]:
    """The visitor picks a language: kept in their browser, set for their page. Returns the visitor, the choice to
    keep and the page's language tag."""
    choice, locale = _resolve(visitor, choice, request)
    return visitor, choice, page_code(locale)


def relabel(tabs: list[Any]) -> Any:
    """The step that sets the tabs' labels again once the page's language changed: Gradio draws the label of a tab
    not opened yet in the language the page started in."""

    def labels() -> list[Any]:
        return [gr.update(label=tab.label) for tab in tabs]

    return labels


def build() -> tuple[Any, Any]:
    """The switch (in Settings) and the hidden field that carries the page's language tag to the browser."""
    switch = gr.Radio(choices(), value=FOLLOW_BROWSER, label=L("settings.language"),
                      info=L("settings.language_info"), elem_id="language-switch")  # fmt: skip
    tag = gr.Textbox(visible=False, elem_id="page-locale")
    return switch, tag

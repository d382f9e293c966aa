"""The page's own words: the ``labels`` gettext domain (labels, info lines, placeholders, buttons, tabs, accordion
titles, headings), one set of ``.po`` catalogs handed to Gradio as one ``gr.I18n``.

Two ways a label reaches the page, both from the same catalogs:

- ``L("history.search")``: a key the browser translates (Gradio's ``I18nData``). The page's language can change
  without a reload, and Gradio's own widgets follow the same locale. Its translations are plain text: Gradio runs
  them through ICU message format, so they hold no ``{placeholder}``.
- ``L_in(visitor.locale, "board.shot_picture", n=2)``: the text itself, made on the server for one visitor, for a
  label with a number or a name in it (a shot's card, a button with a count).

``L`` and ``L_in`` are the markers Babel extracts ``labels.pot`` from (see README, Languages).
"""

from __future__ import annotations

import functools
from pathlib import Path

from babel.messages.pofile import read_po
from gradio.i18n import I18n, I18nData

from ..words.catalogs import LOCALE_DIR, LOCALES

DOMAIN = "labels"
POT = LOCALE_DIR / f"{DOMAIN}.pot"
EXTRA_CODES = {"zh": "zh_CN", "pt": "pt_BR"}
"""Browser languages Gradio knows by a shorter or other code that should still find our words (a "zh-TW" or
"pt-PT" browser reads our Simplified Chinese or Brazilian Portuguese better than English)."""


def L(key: str) -> I18nData:  # a marker, short on purpose, like gettext's _
    """A label the visitor's browser shows in their language."""
    return I18nData(key)


GRADIO_OWN = (L("common.complete"),)
"""Keys of Gradio's own our catalogs fill: its status region reads out "common.complete" when an event ends, and
Gradio 6.31's English lacks it."""


def L_in(locale: str | None, key: str, **params: object) -> str:
    """A label made on the server in ``locale`` (English when that catalog lacks it), with its placeholders filled."""
    text = labels_of(locale if locale in LOCALES else "en").get(key) or labels_of("en").get(key) or key
    return text.format(**params) if params else text


def page_code(locale: str) -> str:
    """Our catalog's code ("pt_BR") as the page's language tag, the one Gradio's client uses ("pt-BR")."""
    return locale.replace("_", "-")


def catalog_path(locale: str) -> Path:
    return LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def labels_of(locale: str) -> dict[str, str]:
    """One language's labels (key -> text), read with Babel; fuzzy or empty entries are left out."""
    path = catalog_path(locale)
    if not path.is_file():
        return {}
    with path.open("rb") as f:
        catalog = read_po(f, locale=locale, domain=DOMAIN)
    return {str(m.id): str(m.string) for m in catalog if m.id and m.string and not m.fuzzy}


@functools.cache
def page_i18n() -> I18n:
    """The one ``gr.I18n`` of the app, built once from the catalogs (English included)."""
    words = {page_code(code): labels_of(code) for code in LOCALES}
    words |= {short: labels_of(code) for short, code in EXTRA_CODES.items()}
    return I18n(**words)

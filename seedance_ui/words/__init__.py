"""Every sentence a person reads, in their language.

Two gettext domains, each a set of ``.po`` catalogs under ``locale/<lang>/LC_MESSAGES/`` (standard gettext, made
and checked with Babel):

- ``messages``: what the code says (cards, money lines, progress, refusals, errors, captions). A message is an id
  plus parameters (``Said``), kept as data until the edge, then rendered for the visitor's language and mode.
- ``labels``: the page's own words (labels, info lines, placeholders, buttons, tabs), handed to Gradio as one
  ``gr.I18n``.

The language is chosen per visitor (``pick_locale``) and passed down; nothing here sets a process-wide language.
"""

from __future__ import annotations

from .catalogs import LOCALES, gettext, pick_locale

__all__ = ["LOCALES", "gettext", "pick_locale"]

"""The gettext catalogs: read with Babel from the package's ``.po`` files, once per (domain, language)."""

from __future__ import annotations

import functools
import logging
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.core import negotiate_locale
from babel.messages.pofile import read_po

log = logging.getLogger("seedance_ui.words")

LOCALE_DIR = Path(__file__).parent / "locale"
LOCALES = ("en", "zh_CN", "es", "pt_BR", "ja")
"""English first: it is the source language and the fallback."""

_ALIASES = {"zh": "zh_CN", "zh_Hans": "zh_CN", "zh_SG": "zh_CN", "pt": "pt_BR"}


def pick_locale(accept_language: str | None = None, chosen: str | None = None) -> str:
    """The visitor's language: their own choice if it is one we have, else the best match for the browser's
    ``Accept-Language`` header (``"pt-BR,pt;q=0.9,en;q=0.8"``), else English."""
    if chosen:
        chosen = chosen.replace("-", "_")
        if chosen in LOCALES:
            return chosen
    asked = []
    for part in (accept_language or "").split(","):
        tag, _, q = part.strip().partition(";q=")
        try:
            weight = float(q) if q else 1.0
        except ValueError:
            continue
        if tag and tag != "*":
            asked.append((weight, tag.replace("-", "_")))
    asked.sort(key=lambda pair: -pair[0])
    preferred = [tag for _, tag in asked]
    found = negotiate_locale(preferred, list(LOCALES) + list(_ALIASES), sep="_")
    if found is None:
        # "zh-TW" or "pt-PT" still read our Chinese or Portuguese better than English.
        for tag in preferred:
            try:
                lang = Locale.parse(tag).language
            except (ValueError, UnknownLocaleError):
                continue
            found = next((code for code in LOCALES if code.split("_")[0] == lang), None)
            if found:
                break
    return _ALIASES.get(found, found) if found else "en"


@functools.cache
def _catalog(domain: str, locale: str) -> dict[str, str]:
    path = LOCALE_DIR / locale / "LC_MESSAGES" / f"{domain}.po"
    if not path.is_file():
        return {}
    with path.open("rb") as f:
        catalog = read_po(f, locale=locale, domain=domain)
    return {str(m.id): str(m.string) for m in catalog if m.id and m.string and not m.fuzzy}


def gettext(locale: str, msgid: str, domain: str = "messages") -> str:
    """The text for ``msgid`` in ``locale``; the English catalog's text when that language lacks it; the id itself
    when no catalog has it (so a missing entry shows, rather than hiding the message)."""
    for code in (locale, "en"):
        text = _catalog(domain, code).get(msgid)
        if text:
            return text
    return msgid

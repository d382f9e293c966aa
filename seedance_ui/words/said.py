"""A message as data (``Said``: an id and its parameters) and its rendering at the edge (``say``).

The core never writes a sentence: it says ``said("take.cancelled_before_sent")`` and the page, the CLI or the API
renders that for the visitor's language and mode. Ids are the ``messages`` domain's msgids; English is a catalog
like the others (``locale/en/LC_MESSAGES/messages.po``). Extraction finds the ids in calls to ``said`` and ``N_``
(``EXTRACT_KEYWORDS``; ``babel.cfg`` at the project root says the same for ``pybabel extract``).

Money lines: an id under ``money.`` or a message naming an amount (a ``Usd`` parameter) is a money line. In demo
mode nothing is charged, so a money line renders as nothing: one rule here, not one per call site.
"""

from __future__ import annotations

import logging
import re
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from babel import Locale
from babel.dates import format_skeleton
from babel.numbers import format_currency, format_decimal

from .catalogs import gettext

log = logging.getLogger("seedance_ui.words")
_SPACES = re.compile(r"(?<=\S) {2,}")

EXTRACT_KEYWORDS = {"said": (1,), "N_": None}
"""The marker functions whose first argument is a message id (``pybabel extract -k said -k N_``)."""
MONEY_PREFIX = "money."


def N_(msgid: str) -> str:  # gettext's own name for "mark, don't translate yet"
    """Marks an id kept in a table (a dict of codes to ids) for extraction; returns it unchanged."""
    return msgid


AS_IS = N_("said.as_is")
"""A sentence that came from outside (WaveSpeed's own words, an older journal row): shown as it is."""


@dataclass(frozen=True)
class Usd:
    """An amount of US dollars, formatted for the visitor's language (``$0.40``, ``0,40 US$``)."""

    amount: Decimal

    @classmethod
    def of(cls, value: Any) -> Usd | None:
        """An amount from a price string or number; None when it isn't one (an unknown price)."""
        try:
            return cls(Decimal(str(value)))
        except (InvalidOperation, ValueError):
            return None


@dataclass(frozen=True)
class At:
    """A moment (a Unix time), formatted for the visitor's language."""

    seconds: float
    clock: bool = False
    """Only the time of day with seconds (a window in a log); otherwise the day, the month and the time."""


@dataclass(frozen=True)
class Joined:
    """Several messages said one after the other (the problems of one request)."""

    parts: tuple[Any, ...]


@dataclass(frozen=True)
class Said:
    """A message: its id in the ``messages`` catalogs and the parameters its sentence names."""

    id: str
    params: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "params": {k: _encode(v) for k, v in self.params.items()}}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Said:
        return cls(str(data["id"]), {k: _decode(v) for k, v in (data.get("params") or {}).items()})

    def __str__(self) -> str:
        """The English sentence (logs, JSON answers, the English-only callers)."""
        return say(self)

    def __hash__(self) -> int:  # frozen, but its parameters are a dict: hashed by their items
        return hash((self.id, tuple(sorted((k, _hashable(v)) for k, v in self.params.items()))))

    def with_text(self, fn: Callable[[str], str]) -> Said:
        """The same message with ``fn`` applied to every text parameter, in messages inside it too (scrubbing)."""
        return Said(self.id, {k: _map_text(v, fn) for k, v in self.params.items()})

    @property
    def is_money(self) -> bool:
        """A money line: a ``money.`` id, or a sentence that names an amount. (A money line inside another message
        is left out on its own: "Cancelled. {money}" says "Cancelled." in demo mode.)"""
        return self.id.startswith(MONEY_PREFIX) or any(isinstance(v, Usd) for v in self.params.values())


def _hashable(value: Any) -> Any:
    if isinstance(value, (list, dict, set)):
        return repr(value)
    return value


def _map_text(value: Any, fn: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return fn(value)
    if isinstance(value, Said):
        return value.with_text(fn)
    if isinstance(value, Joined):
        return Joined(tuple(_map_text(part, fn) for part in value.parts))
    return value


def said(msgid: str, **params: Any) -> Said:
    """The marker: ``said("take.saved", seconds=12)``. Its first argument is extracted as a msgid."""
    return Said(msgid, params)


def as_is(text: str) -> Said:
    return Said(AS_IS, {"text": text})


def kept(message_id: str | None, params: dict[str, Any] | None, text: str | None) -> Said | None:
    """A message the journal kept: by its id and parameters, or (a row written before ids) its English as is."""
    if message_id:
        return Said.from_json({"id": message_id, "params": params or {}})
    return as_is(text) if text else None


def say(message: Said | str | None, locale: str = "en", *, demo: bool = False) -> str:
    """The sentence for ``message`` in ``locale``: the catalog's text with its parameters formatted for the
    language. In demo mode a money line is empty. A plain string is returned as it is."""
    if message is None:
        return ""
    if isinstance(message, str):
        return message
    if demo and message.is_money:
        return ""
    params = {k: _format(v, locale, demo) for k, v in message.params.items()}
    template = gettext(locale, message.id)
    try:
        # a parameter said as nothing (a money line in demo mode, no detail) leaves no double space behind
        return _SPACES.sub(" ", template.format(**params)).strip()
    except (KeyError, IndexError, ValueError) as e:  # a catalog's slip never hides the message: English instead
        log.warning("message %s in %s: %r", message.id, locale, e)
        return gettext("en", message.id).format(**params).strip()


def placeholders(text: str) -> set[str]:
    """The parameter names a sentence uses (``{price}``, ``{seconds}``): what every translation must keep."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _format(value: Any, locale: str, demo: bool) -> str:
    if isinstance(value, Said):
        return say(value, locale, demo=demo)
    if isinstance(value, Joined):
        return " ".join(text for part in value.parts if (text := _format(part, locale, demo)))
    if isinstance(value, Usd):
        return format_currency(value.amount, "USD", locale=locale)
    if isinstance(value, At):
        moment = datetime.fromtimestamp(value.seconds)
        if value.clock:
            return format_skeleton("Hms", moment, locale=locale)
        day, time = format_skeleton("MMMd", moment, locale=locale), format_skeleton("Hm", moment, locale=locale)
        return Locale.parse(locale).datetime_formats["short"].format(time, day)
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float, Decimal)):
        return format_decimal(value, locale=locale)
    return str(value)


def _encode(value: Any) -> Any:
    if isinstance(value, Said):
        return {"said": value.to_json()}
    if isinstance(value, Joined):
        return {"joined": [_encode(part) for part in value.parts]}
    if isinstance(value, Usd):
        return {"usd": str(value.amount)}
    if isinstance(value, At):
        return {"at": value.seconds, "clock": value.clock}
    if isinstance(value, Decimal):
        return {"decimal": str(value)}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if "said" in value:
            return Said.from_json(value["said"])
        if "joined" in value:
            return Joined(tuple(_decode(part) for part in value["joined"]))
        if "usd" in value:
            return Usd(Decimal(value["usd"]))
        if "at" in value:
            return At(float(value["at"]), bool(value.get("clock")))
        if "decimal" in value:
            return Decimal(value["decimal"])
    return value

"""Keeping API keys out of every text that leaves the client: messages, cards, the journal and logs.

Each key this process sends is remembered only as a salted fingerprint (the salt is random per process and never
leaves it), so nothing here keeps the key itself after its visitor's session ends. ``scrub(text)`` replaces every
token in a text whose fingerprint is known, and any ``Bearer <token>``, with ``[redacted]``. That also catches a
key that a server echoes back inside an error message.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
import threading

_SALT = secrets.token_bytes(16)
_lock = threading.Lock()
_known: set[bytes] = set()
_lengths: set[int] = set()
_BEARER = re.compile(r"(Bearer\s+)\S+", re.IGNORECASE)
_TOKEN = re.compile(r"[A-Za-z0-9._~+/=-]{8,}")
REDACTED = "[redacted]"


def _fingerprint(token: str) -> bytes:
    return hmac.new(_SALT, token.encode(), hashlib.sha256).digest()


MIN_KEY_LENGTH = 8
"""Shorter strings are never taken for keys: scrubbing a one-letter 'key' would mangle every word with it."""


def remember(key: str | None) -> None:
    """Note a key this process sends, so that ``scrub`` finds it anywhere later."""
    if key and len(key) >= MIN_KEY_LENGTH:
        with _lock:
            _known.add(_fingerprint(key))
            _lengths.add(len(key))


def fingerprint(key: str, salt: str) -> str:
    """A stable, salted name for a key (e.g. the journal's owner of a key's takes), never the key itself."""
    return hashlib.sha256(f"{salt}:{key}".encode()).hexdigest()[:24]


def scrub(text: str) -> str:
    """The text with every known key and every bearer token replaced by ``[redacted]``."""
    if not text:
        return text
    text = _BEARER.sub(r"\1" + REDACTED, text)
    if not _known:
        return text

    def swap(m: re.Match[str]) -> str:
        token = m.group(0)
        if len(token) in _lengths and _fingerprint(token) in _known:
            return REDACTED
        # A key glued to punctuation the pattern allows ("key=abc…", "abc…."): try each known length inside.
        for n in _lengths:
            for i in range(0, max(0, len(token) - n) + 1):
                if _fingerprint(token[i : i + n]) in _known:
                    return token[:i] + REDACTED + token[i + n :]
        return token

    return _TOKEN.sub(swap, text)


def _scrub_record(record: logging.LogRecord) -> None:
    try:
        msg = record.getMessage()
    except Exception:  # a malformed record is the logging module's business, not ours
        return
    clean = scrub(msg)
    if clean != msg:
        record.msg, record.args = clean, ()


# A filter on the "seedance_ui" logger would miss records of its children ("seedance_ui.client" ...): logger
# filters don't apply to records that propagate up. So every record, whichever logger makes it, is scrubbed as it
# is made.
_make_record = logging.getLogRecordFactory()


def _scrubbed_record(*args: object, **kwargs: object) -> logging.LogRecord:
    record = _make_record(*args, **kwargs)
    _scrub_record(record)
    return record


logging.setLogRecordFactory(_scrubbed_record)

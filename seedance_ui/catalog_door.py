"""The live catalog is input from outside: what it may say is checked here, where it comes in.

- A model id is a path of lower-case segments (letters, digits, ``.``, ``_``, ``-``), none empty, ``.`` or
  ``..``: an id such as ``a/cheap/../dear`` would be priced as one model while httpx folds the path and sends
  the paid POST to another. ``model_path`` builds the submit path from the checked segments, each
  percent-encoded, so what is priced is exactly what is sent.
- A catalog answer is read within one deadline for the whole body (not per read: a server dripping a byte
  every half second must still end), up to a size cap, and parsed only when its nesting is shallow enough
  (a 100,000-deep document must not reach the JSON parser's recursion).
"""

from __future__ import annotations

import json
import re
import time
from typing import Any
from urllib.parse import quote

import httpx

MAX_BYTES = 32 * 1024 * 1024
"""The largest catalog answer read: WaveSpeed's whole list is a few megabytes."""
MAX_DEPTH = 64
"""The deepest nesting of arrays and objects accepted: a model's schema needs about a dozen levels."""
DEADLINE = 10.0
"""Seconds for the whole catalog answer, headers to last byte."""

_SEGMENT = re.compile(r"[a-z0-9._-]+")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")


class CatalogRefused(ValueError):
    """The catalog answer was refused at the door; the message says why in a sentence."""


def model_id_problem(model_id: Any) -> str | None:
    """Why this id can't name a model (a sentence), or None when it is a well-formed id."""
    if not isinstance(model_id, str) or not model_id:
        return "a model id must be text"
    if len(model_id) > 200:
        return "the model id is too long"
    for segment in model_id.split("/"):
        if segment in ("", ".", ".."):
            return f"the model id {model_id!r} has an empty, '.' or '..' path segment"
        if not _SEGMENT.fullmatch(segment):
            return f"the model id {model_id!r} has characters other than a-z, 0-9, '.', '_' and '-'"
    return None


def model_path(model_id: str) -> str:
    """``/api/v3/<segments>`` for a checked id, each segment percent-encoded (nothing for httpx to fold);
    ValueError for an id that fails the check."""
    problem = model_id_problem(model_id)
    if problem:
        raise ValueError(problem)
    return "/api/v3/" + "/".join(quote(s, safe="") for s in model_id.split("/"))


def nesting_depth(text: str) -> int:
    """The deepest nesting of ``[`` and ``{`` in a JSON text (brackets inside strings don't count)."""
    depth = deepest = 0
    for m in _BRACKET.finditer(_STRING.sub('""', text)):
        if m.group() in "[{":
            depth += 1
            deepest = max(deepest, depth)
            if deepest > MAX_DEPTH:
                return deepest
        else:
            depth -= 1
    return deepest


def parse(raw: bytes | str, *, max_depth: int = MAX_DEPTH) -> Any:
    """JSON from a catalog answer or its cached copy; CatalogRefused when it is too big, too deep or not JSON."""
    if len(raw) > MAX_BYTES:
        raise CatalogRefused(f"the model list is larger than {MAX_BYTES // 2**20} MB")
    text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
    if nesting_depth(text) > max_depth:
        raise CatalogRefused(f"the model list is nested more than {max_depth} levels deep")
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        raise CatalogRefused("the model list is not JSON") from None


def read_body(http: httpx.Client, url: str, headers: dict[str, str], *,
              deadline: float = DEADLINE) -> tuple[int, bytes]:  # fmt: skip
    """(status, body) of a GET, the whole body read before ``deadline`` seconds pass and within the size cap.
    httpx.TimeoutException when the deadline passes; CatalogRefused when the body is too big."""
    end = time.monotonic() + deadline
    chunks: list[bytes] = []
    size = 0
    with http.stream("GET", url, headers=headers) as resp:
        for chunk in resp.iter_bytes():  # decoded: the cap holds for a compressed answer too
            size += len(chunk)
            if size > MAX_BYTES:
                raise CatalogRefused(f"the model list is larger than {MAX_BYTES // 2**20} MB")
            chunks.append(chunk)
            if time.monotonic() > end:
                raise httpx.ReadTimeout(f"the whole answer took more than {deadline:g} s")
        return resp.status_code, b"".join(chunks)

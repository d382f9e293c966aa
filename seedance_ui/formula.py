"""WaveSpeed's price formulas, evaluated here with jsonata-python.

Every model in ``GET /api/v3/models`` carries a JSONata ``formula`` such as
``{"total_price": base_price * duration / 5}``, read against the model's inputs plus ``base_price``. Some
formulas call helpers that exist only on WaveSpeed's servers (``get_duration_v3(audio)``: the length of an
uploaded file). Those can't be evaluated here: ``evaluate`` raises ``FormulaUnavailable`` and the caller asks
``POST /api/v3/model/price`` instead. The emulator, which plays the server, passes its own ``helpers``.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

import jsonata

__all__ = ["FormulaUnavailable", "evaluate", "price_vars", "server_helpers"]

_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'')
_NAMES = re.compile(r"(\$?)\b([A-Za-z_][A-Za-z0-9_]*)\b\s*(\()?")
_RESERVED = {"base_price", "total_price", "true", "false", "null", "and", "or", "in", "function"}
_LOCK = threading.Lock()
"""jsonata-python keeps some per-expression state while evaluating; prices are cheap, so one at a time."""
DIGITS = 9
"""Formula results are rounded to this many decimals: float noise (0.25919999...) must not reach a Quote."""


class FormulaUnavailable(Exception):
    """This formula can't be evaluated here; the message says why in a sentence."""


def _code(formula: str) -> str:
    return _STRINGS.sub('""', formula)


def server_helpers(formula: str) -> list[str]:
    """Names the formula calls without JSONata's ``$``: helpers that run on WaveSpeed's servers only."""
    out: list[str] = []
    for dollar, name, call in _NAMES.findall(_code(formula)):
        if call and not dollar and name not in _RESERVED and name not in out:
            out.append(name)
    return out


def price_vars(formula: str) -> list[str]:
    """The inputs a formula reads, first seen first (``base_price``, builtins, helpers and literals left out)."""
    out: list[str] = []
    for dollar, name, call in _NAMES.findall(_code(formula)):
        if not dollar and not call and name not in _RESERVED and name not in out:
            out.append(name)
    return out


@lru_cache(maxsize=256)
def _compiled(formula: str, helper_names: tuple[str, ...]) -> jsonata.Jsonata:
    source = formula
    for name in helper_names:  # the server's helpers are plain calls there; JSONata wants them as $functions
        source = re.sub(rf"(?<![\w$]){re.escape(name)}\s*\(", f"${name}(", source)
    return jsonata.Jsonata(source)


def evaluate(
    formula: str,
    base_price: Decimal | float,
    inputs: Mapping[str, Any],
    helpers: Mapping[str, Callable[..., Any]] | None = None,
) -> Decimal:
    """The formula's ``total_price`` for these inputs, in USD; FormulaUnavailable when it can't be had here."""
    if not formula or not formula.strip():
        raise FormulaUnavailable("The model has no price formula.")
    helpers = helpers or {}
    missing = [h for h in server_helpers(formula) if h not in helpers]
    if missing:
        raise FormulaUnavailable(f"The price formula calls {', '.join(missing)}, which only WaveSpeed can evaluate.")
    try:
        expr = _compiled(formula, tuple(sorted(helpers)))
        bindings = {name: jsonata.Jsonata.JLambda(fn) for name, fn in helpers.items()}
        document = {**inputs, "base_price": float(base_price)}
        with _LOCK:
            # passing bindings (even none) makes a fresh frame per call: the input never lands in shared state
            result = expr.evaluate(document, bindings)
    except FormulaUnavailable:
        raise
    except Exception as e:  # a formula this library can't parse or run (JException, or a bug of its own)
        raise FormulaUnavailable(f"The price formula could not be evaluated here ({e}).") from None
    total = result.get("total_price") if isinstance(result, dict) else result
    if isinstance(total, bool) or not isinstance(total, (int, float)):
        raise FormulaUnavailable("The price formula gave no price for these inputs.")
    try:
        value = Decimal(str(round(float(total), DIGITS)))
    except (InvalidOperation, ValueError, OverflowError):
        raise FormulaUnavailable("The price formula gave a price that is not a number.") from None
    if not value.is_finite() or value < 0:
        raise FormulaUnavailable("The price formula gave a price that can't be right.")
    return value

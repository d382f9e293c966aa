"""WaveSpeed's price formulas, evaluated here with jsonata-python.

Every model in ``GET /api/v3/models`` carries a JSONata ``formula`` such as
``{"total_price": base_price * duration / 5}``, read against the model's inputs plus ``base_price``. Some
formulas call helpers that exist only on WaveSpeed's servers (``get_duration_v3(audio)``: the length of an
uploaded file). Those can't be evaluated here: ``evaluate`` raises ``FormulaUnavailable`` and the caller asks
``POST /api/v3/model/price`` instead. The emulator, which plays the server, passes its own ``helpers``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

import jsonata
from jsonata.timebox import Timebox

from .words.said import Said, said

__all__ = ["FormulaUnavailable", "evaluate", "price_vars", "server_helpers"]

_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'')
_NAMES = re.compile(r"(\$?)\b([A-Za-z_][A-Za-z0-9_]*)\b\s*(\()?")
_RESERVED = {"base_price", "total_price", "true", "false", "null", "and", "or", "in", "function"}
BOUND_SECONDS = 0.5
"""The work one evaluation may take: a price formula is a few arithmetic steps (well under a millisecond)."""
MAX_DEPTH = 60
"""Nested evaluation steps allowed: WaveSpeed's formulas need about a dozen."""
RUNAWAY = said("formula.runaway")
"""Why a formula that broke the bound gives no price here."""
_RUNAWAY: set[str] = set()
"""Formulas that broke the bound once: not run again (each what-if would otherwise wait out the bound too)."""
DIGITS = 9
"""Formula results are rounded to this many decimals: float noise (0.25919999...) must not reach a Price."""


class FormulaUnavailable(Exception):
    """This formula can't be evaluated here; ``said`` says why (its English is the exception's text)."""

    def __init__(self, why: Said) -> None:
        super().__init__(str(why))
        self.said = why


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


def _compile(formula: str, helper_names: tuple[str, ...]) -> jsonata.Jsonata:
    """A fresh expression per evaluation: jsonata-python keeps the input and frame of the evaluation running in
    the expression object itself, so a shared one would need a lock held across every evaluation (and one
    runaway formula would then hold up every other price). Parsing a formula takes about a quarter millisecond."""
    source = formula
    for name in helper_names:  # the server's helpers are plain calls there; JSONata wants them as $functions
        source = re.sub(rf"(?<![\w$]){re.escape(name)}\s*\(", f"${name}(", source)
    return jsonata.Jsonata(source)


def _run_bounded(formula: str, document: dict[str, Any], helpers: Mapping[str, Callable[..., Any]]) -> Any:
    """The formula's result, or FormulaUnavailable when it breaks the bound. The bound is a Timebox inside the
    evaluator: checked at every step in and out, it stops a loop or a recursion once ``BOUND_SECONDS`` have
    passed or ``MAX_DEPTH`` steps are nested, and the work ends there (nothing left running). No lock is held:
    each evaluation has its own expression, so one visitor's runaway formula never holds up another's price.
    (A worker thread with a deadline was tried and measured: each handover of Python's GIL to a runaway
    thread costs a price beside it milliseconds, hundreds in all, and it could not stop the work anyway.)"""
    if formula in _RUNAWAY:
        raise FormulaUnavailable(RUNAWAY)
    try:
        expr = _compile(formula, tuple(sorted(helpers)))
        frame = expr.create_frame(expr.environment)
        for name, fn in helpers.items():
            frame.bind(name, jsonata.Jsonata.JLambda(fn))
        Timebox(frame, int(BOUND_SECONDS * 1000), MAX_DEPTH)
        return expr.evaluate(document, frame)
    except (jsonata.JException, RecursionError) as e:
        if isinstance(e, RecursionError) or getattr(e, "error", "") in ("D1011", "D1012"):
            if len(_RUNAWAY) < 1024:
                _RUNAWAY.add(formula)
            raise FormulaUnavailable(RUNAWAY) from None
        raise FormulaUnavailable(said("formula.broken", why=str(e))) from None
    except Exception as e:  # a formula this library can't parse or run (a bug of its own)
        raise FormulaUnavailable(said("formula.broken", why=str(e))) from None


def evaluate(
    formula: str,
    base_price: Decimal | float,
    inputs: Mapping[str, Any],
    helpers: Mapping[str, Callable[..., Any]] | None = None,
) -> Decimal:
    """The formula's ``total_price`` for these inputs, in USD; FormulaUnavailable when it can't be had here
    (no formula, a server-side helper, an error, a result that is not a number, or more work than the bound)."""
    if not formula or not formula.strip():
        raise FormulaUnavailable(said("formula.none"))
    helpers = helpers or {}
    missing = [h for h in server_helpers(formula) if h not in helpers]
    if missing:
        raise FormulaUnavailable(said("formula.server_only", names=", ".join(missing)))
    document = {**inputs, "base_price": float(base_price)}
    result = _run_bounded(formula, document, helpers)
    total = result.get("total_price") if isinstance(result, dict) else result
    if isinstance(total, bool) or not isinstance(total, (int, float)):
        raise FormulaUnavailable(said("formula.no_price"))
    try:
        value = Decimal(str(round(float(total), DIGITS)))
    except (InvalidOperation, ValueError, OverflowError):
        raise FormulaUnavailable(said("formula.not_a_number")) from None
    if not value.is_finite() or value < 0:
        raise FormulaUnavailable(said("formula.negative"))
    return value

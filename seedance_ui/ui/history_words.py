"""What the History and Create pages say about money and missing takes: the balance as WaveSpeed says it now, the
amount a cancel puts at stake, and where a Space visitor's paid takes went. In demo mode there are no money words."""

from __future__ import annotations

import html
from decimal import Decimal, InvalidOperation

from ..errors import SeedanceError
from ..session import Session
from .state import AppContext, Visitor

PICK = "Pick a take above."
HIDDEN_PAID = "Paste your key in Settings to see the takes made with it."
"""On a Space, takes made with a visitor's key are theirs only while the key is pasted: said after a reload."""


def cancel_money(price_usd: str | None) -> str:
    """The amount a cancel puts at stake, named: WaveSpeed charges at submit and refunds a deleted task at most in
    part (its documents say "partial refunds may apply")."""
    try:
        amount = f"${Decimal(str(price_usd)):.2f}"
    except (InvalidOperation, ValueError):
        amount = "the take's price"
    return (f"We asked WaveSpeed to stop it. WaveSpeed may still charge up to the full {amount} for a render it had "
            "started; only partial refunds may apply.")  # fmt: skip


async def balance_now(ctx: AppContext, visitor: Visitor) -> str:
    """The balance WaveSpeed reports now, as a line for the page; empty in demo mode (no money words). Asked fresh
    each time: a take, a cancel or an upscale has just changed it (the banner's figure follows it too)."""
    if ctx.is_demo(visitor):
        return ""
    try:
        session = ctx.session(visitor)
    except SeedanceError as e:
        return _line(f"Couldn't ask WaveSpeed for your balance: {e.message}")
    line, balance = await balance_of(session)
    if balance is not None and visitor.key:
        visitor.balance = f"{balance:.2f}"
    return line


async def balance_of(session: Session) -> tuple[str, Decimal | None]:
    """The balance line for a session with a key and the balance itself; nothing in demo mode."""
    if session.demo:
        return "", None
    check = await session.check_key()
    if check.problem or check.balance is None:
        return _line(f"Couldn't ask WaveSpeed for your balance: {check.problem or 'no answer'}"), None
    line = f"<div class='balance balance-line'>Your WaveSpeed balance now: <b>${check.balance:.2f}</b></div>"
    return line, check.balance


def _line(text: str) -> str:
    return f"<div class='balance balance-line'>{html.escape(text)}</div>"

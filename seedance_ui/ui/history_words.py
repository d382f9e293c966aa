"""What the History and Create pages say about money and missing takes: the balance as WaveSpeed says it now, the
amount a cancel puts at stake, and where a Space visitor's paid takes went. In demo mode there are no money words."""

from __future__ import annotations

import html
from decimal import Decimal

from ..errors import SeedanceError
from ..session import Session
from ..words.said import Usd, said, say
from .state import AppContext, Visitor
from .words import cancel_money

__all__ = ["HIDDEN_PAID", "PICK", "balance_now", "balance_of", "cancel_money"]

PICK = said("history.pick")
HIDDEN_PAID = said("history.hidden_paid")
"""On a Space, takes made with a visitor's key are theirs only while the key is pasted: said after a reload."""


async def balance_now(ctx: AppContext, visitor: Visitor) -> str:
    """The balance WaveSpeed reports now, as a line for the page; empty in demo mode (no money words). Asked fresh
    each time: a take, a cancel or an upscale has just changed it (the banner's figure follows it too)."""
    if ctx.is_demo(visitor):
        return ""
    try:
        session = ctx.session(visitor)
    except SeedanceError as e:
        return _line(say(said("balance.cant_ask", problem=e.said), getattr(visitor, "locale", "en")))
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
        return _line(session.say(said("balance.cant_ask", problem=check.problem or said("balance.no_answer")))), None
    amount = html.escape(session.say(said("balance.amount", amount=Usd(check.balance))))
    now = html.escape(session.say(said("balance.now")))
    line = f"<div class='balance balance-line'>{now} <b>{amount}</b></div>"
    return line, check.balance


def _line(text: str) -> str:
    return f"<div class='balance balance-line'>{html.escape(text)}</div>"

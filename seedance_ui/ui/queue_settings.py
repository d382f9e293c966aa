"""Settings: the WaveSpeed account level the queue keeps to (auto, bronze, silver, gold, ultra).

The choice is remembered in the journal's ``queue_meta`` exactly as ``seedance batch --tier`` remembers it (key
``tier`` for the desktop's one owner, so the app and the CLI share it; ``tier:<owner>`` for a visitor on a Space,
so one visitor's level is never another's). The Queue tab's ETA and the app's runner read it from there. Demo mode
keeps to no level: its previews render on this computer, not at WaveSpeed.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from ..errors import SeedanceError
from ..session import Session
from ..takes import levels
from ..takes.queue_runner import remembered_tier, tier_key
from ..takes.queue_store import QueueStore
from ..words.said import said, say
from .i18n import L
from .state import AppContext, Visitor

CHOICES = [
    (L("queue.level_auto"), "auto"),
    (L("queue.level_bronze"), "bronze"),
    ("Silver", "silver"),
    ("Gold", "gold"),
    ("Ultra", "ultra"),
]
DEMO_WORDS = said("queue.level_demo")
"""Demo mode doesn't pace: its previews render on this computer."""


def meta_key(session: Session) -> str:
    return tier_key(session.owner)


def remembered(session: Session) -> str:
    return remembered_tier(session)


def runner_tier(session: Session) -> str:
    """The level the runner and the ETA keep to: the remembered one; none (ultra) in demo mode."""
    return "ultra" if session.demo else remembered(session)


def explain(tier: str, demo: bool, locale: str = "en") -> str:
    """One plain line in the visitor's language: what the level lets the queue do."""
    if tier == "auto":
        level = levels.LEVELS["bronze"]
        line = said("queue.level_auto_line", per_minute=level.per_minute, at_once=level.at_once)
    else:
        level = levels.LEVELS[tier]
        line = said("queue.level_line", level=tier.title(), per_minute=level.per_minute, at_once=level.at_once)
    return say(said("queue.level_line_demo", line=line, demo=DEMO_WORDS) if demo else line, locale)


def load(ctx: AppContext, visitor: Visitor | None) -> tuple[Any, str]:
    """The remembered level and its line, for this visitor's mode."""
    import gradio as gr

    if visitor is None:
        return gr.skip(), ""
    try:
        session = ctx.session(visitor)
    except SeedanceError:  # no key and no demo: nothing to pace yet
        return gr.update(value="auto"), explain("auto", False, visitor.locale)
    tier = remembered(session)
    return gr.update(value=tier), explain(tier, session.demo, session.locale)


def choose(ctx: AppContext, visitor: Visitor, tier: str) -> str:
    """Remember the level; the runner takes it up at its next start and the Queue tab's ETA at once."""
    try:
        session = ctx.session(visitor)
        tier = levels.parse_tier(tier)
    except (SeedanceError, ValueError) as e:
        return f"⛔ {getattr(e, 'message', e)}"
    QueueStore(session.studio.journal).set_meta(meta_key(session), tier)
    return explain(tier, session.demo, session.locale)


def build(ctx: AppContext, visitor: Any, banner: Any, key_events: tuple[Any, ...] = ()) -> None:
    """The level's control and its line; filled each time the banner is written (the page's load, once the visitor's
    language is known, and a new language) and again when their key changes."""
    import gradio as gr

    private: dict[str, Any] = {"api_visibility": "private"}
    level = gr.Dropdown(choices=CHOICES, value="auto", label=L("queue.level"), info=L("queue.level_info"),
                        elem_id="account-level")  # fmt: skip
    note = gr.Markdown(explain("auto", ctx.demo is not None and not ctx.uses_owner_key()), elem_id="account-level-note")
    level.input(partial(choose, ctx), [visitor, level], [note], **private)
    banner.change(partial(load, ctx), [visitor], [level, note], **private)
    for ev in key_events:
        ev.then(partial(load, ctx), [visitor], [level, note], **private)

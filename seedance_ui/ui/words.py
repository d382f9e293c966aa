"""The app's words: cards for errors and takes, captions, and the money line in the visitor's mode."""

from __future__ import annotations

import html
import time

from ..errors import SeedanceError
from ..journal import Take
from ..session import Session

STATE_WORDS = {
    "preparing": "getting ready",
    "submitting": "starting",
    "submitted": "waiting in line",
    "running": "rendering",
    "completed": "made, not saved yet",
    "downloaded": "saved",
    "failed": "failed",
    "cancelled": "cancelled",
    "unknown": "checking whether it started",
    "expired": "link expired",
    "not_started": "never started",
    "queued": "queued (not sent yet)",
}


def card(session: Session | None, e: SeedanceError | str, *, kind: str = "error") -> str:
    """A calm card: what happened, the money (in demo mode: none), what to do, and the task id."""
    if isinstance(e, str):
        title, money, hint, task = e, "", "", None
    else:
        c = session.card(e) if session else e.card()
        title, money, hint, task = c["title"], c["money"] or "", c["hint"] or "", c["task_id"]
    parts = [f"<div class='card {kind}-card' role='status'><b>{html.escape(str(title))}</b>"]
    if money:
        parts.append(f"<div class='money'>{html.escape(str(money))}</div>")
    if hint:
        parts.append(f"<div class='hint'>{html.escape(str(hint))}</div>")
    if task:
        parts.append(f"<div class='task'>Task id: <code>{html.escape(str(task))}</code></div>")
    return "".join(parts) + "</div>"


def money_line(session: Session, take: Take) -> str:
    return session.money(take.money).sentence if take.money else ""


def caption(t: Take) -> str:
    """When, the prompt's start, seed and length: short enough to read under a thumbnail."""
    when = time.strftime("%d %b %H:%M", time.localtime(t.created_at))
    words = (t.prompt or "(no prompt)").strip()
    words = words if len(words) <= 28 else words[:27].rstrip() + "…"
    length = f" · {t.settings.get('duration')} s" if t.settings.get("duration") else ""
    state = "" if t.state == "downloaded" else f" · {STATE_WORDS.get(t.state, t.state)}"
    upscaled = f" · upscaled to {t.settings['target_resolution']}" if t.settings.get("source_take") else ""
    return f"{when} · {words} · seed {t.seed}{length}{upscaled}{state}"


def take_facts(session: Session, t: Take, model_name: str) -> str:
    """The History panel's words for one take."""
    price = "" if session.demo else f" · ${t.price_usd or '?'}" + ("" if t.price_published else " (estimate)")
    lines = [f"**{t.prompt or '(no prompt)'}**", "",
             f"{model_name} · seed `{t.seed}`{price} · {STATE_WORDS.get(t.state, t.state)}"
             + (f" · rendered in {t.render_seconds} s" if t.render_seconds else "")]  # fmt: skip
    if t.task_id:
        lines += ["", f"Task id `{t.task_id}`"]
    if t.note:
        lines += ["", t.note]
    if t.error_message and t.state != "downloaded":
        lines += ["", f"⚠️ {t.error_message} {money_line(session, t)}".strip()]
    return "\n".join(lines)

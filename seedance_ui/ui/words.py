"""The app's words: cards for errors and takes, captions, and the money line in the visitor's mode."""

from __future__ import annotations

import html
import time

from ..errors import Money, SeedanceError
from ..journal import Take
from ..session import Session
from ..take_states import TakeState

STATE_WORDS: dict[str, str] = {
    TakeState.PREPARING: "getting ready",
    TakeState.SUBMITTING: "starting",
    TakeState.SUBMITTED: "waiting in line",
    TakeState.RUNNING: "rendering",
    TakeState.COMPLETED: "made, not saved yet",
    TakeState.DOWNLOADED: "saved",
    TakeState.FAILED: "failed",
    TakeState.CANCELLED: "cancelled",
    TakeState.UNKNOWN: "checking whether it started",
    TakeState.EXPIRED: "link expired",
    TakeState.NOT_STARTED: "never started",
    TakeState.QUEUED: "queued (not sent yet)",
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
    """The take's money in a sentence; a cancel names the amount at stake. Empty in demo mode."""
    if session.demo or not take.money:
        return ""
    if take.money == Money.CANCEL_ASKED:
        from .history_words import cancel_money

        return cancel_money(take.price_usd)
    return session.money(take.money).sentence


def short_model(model_id: str) -> str:
    """The model's name without the maker's word: "2.0 Fast", "V1.5 Pro"; the upscaler says so."""
    from .. import catalog

    spec = catalog.MODELS_BY_ID.get(model_id)
    if spec is not None:
        return spec.name.removeprefix("Seedance ").strip() or spec.name
    if "upscal" in model_id:
        return "Upscaler"
    return model_id.rsplit("/", 2)[-2] if "/" in model_id else model_id


def take_number(t: Take) -> str:
    """Says "Take 2 of 4" for a take from a click of several; "" for a single take (or one from before this was kept)."""
    n, of = t.settings.get("take_number"), t.settings.get("takes_in_click")
    return f"Take {n} of {of}" if isinstance(n, int) and isinstance(of, int) and of > 1 else ""


def caption(t: Take) -> str:
    """Take N of M, the model, the length, the prompt's start and when: what tells takes apart under a thumbnail
    (the seed is in the take's facts)."""
    words = (t.prompt or "(no prompt)").strip()
    words = words if len(words) <= 40 else words[:39].rstrip() + "…"
    duration = t.settings.get("duration")
    upscaled = f"upscaled to {t.settings['target_resolution']}" if t.settings.get("source_take") else ""
    state = "" if t.state == TakeState.DOWNLOADED else STATE_WORDS.get(t.state, t.state)
    when = time.strftime("%d %b %H:%M", time.localtime(t.created_at))
    parts = [take_number(t), short_model(t.settings.get("source_model") or t.model_id),
             f"{duration} s" if duration else "", upscaled, f"“{words}”", when, state]  # fmt: skip
    return " · ".join(p for p in parts if p)


def grouped(takes: list[Take]) -> list[Take]:
    """Newest click first, and the takes of one click together in their own order (take 1, 2, 3...)."""
    groups: dict[str, list[Take]] = {}
    for t in takes:  # newest first already: a group's place is where its newest take is
        groups.setdefault(str(t.settings.get("click") or t.id), []).append(t)
    out: list[Take] = []
    for members in groups.values():
        out += sorted(members, key=lambda t: (t.settings.get("source_take") is not None,
                                              t.settings.get("take_number") or 0, t.created_at))  # fmt: skip
    return out


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
    if t.error_message and t.state != TakeState.DOWNLOADED:
        lines += ["", f"⚠️ {t.error_message} {money_line(session, t)}".strip()]
    return "\n".join(lines)

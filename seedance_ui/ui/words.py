"""The app's words: cards for errors and takes, captions, and the money line, in the visitor's language and mode
(every sentence rendered through ``words.say``)."""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

from ..errors import Money, SeedanceError
from ..journal import Take
from ..session import Session
from ..words.said import N_, At, Said, Usd, kept, said, say

STATE_WORDS = {
    "preparing": N_("state.preparing"),
    "submitting": N_("state.submitting"),
    "submitted": N_("state.submitted"),
    "running": N_("state.running"),
    "completed": N_("state.completed"),
    "downloaded": N_("state.downloaded"),
    "failed": N_("state.failed"),
    "cancelled": N_("state.cancelled"),
    "unknown": N_("state.unknown"),
    "expired": N_("state.expired"),
    "not_started": N_("state.not_started"),
    "queued": N_("state.queued"),
}
"""Each state's message id (a take's state in a few words)."""


@dataclass(frozen=True)
class Voice:
    """Whom a page speaks to when it has no Session at hand: their language and whether this is demo mode."""

    locale: str = "en"
    demo: bool = False

    def say(self, message: Said | str | None) -> str:
        return say(message, self.locale, demo=self.demo)


def voice(ctx: Any, visitor: Any) -> Voice:
    """The visitor's language and mode, for the words a page says before (or without) a Session."""
    return Voice(getattr(visitor, "locale", None) or "en", bool(ctx.is_demo(visitor)))


def state_words(state: str, who: Session | Voice | None = None) -> str:
    """A take's state in a few words, in the visitor's language."""
    locale = who.locale if who else "en"
    return say(Said(STATE_WORDS[state]), locale) if state in STATE_WORDS else state


def card(who: Session | Voice | None, e: SeedanceError | Said | str, *, kind: str = "error",
         number: int | None = None) -> str:  # fmt: skip
    """A calm card: what happened, the money (in demo mode: none), what to do, and the task id; ``number`` puts
    "Take N:" before what happened. ``who``: the visitor's session or voice (None: English, not demo)."""
    who = who or Voice()
    if isinstance(e, SeedanceError):
        c = e.card(who.locale, who.demo)
        title, money, hint, task = c["title"], c["money"] or "", c["hint"] or "", c["task_id"]
        title_said: Said | str = e.said
    else:
        title_said, money, hint, task = e, "", "", None
    if number is not None:
        title_said = said("take.numbered", n=number, message=title_said)
    if number is not None or not isinstance(e, SeedanceError):
        title = say(title_said, who.locale, demo=who.demo)
    parts = [f"<div class='card {kind}-card' role='status'><b>{html.escape(str(title))}</b>"]
    if money:
        parts.append(f"<div class='money'>{html.escape(str(money))}</div>")
    if hint:
        parts.append(f"<div class='hint'>{html.escape(str(hint))}</div>")
    if task:
        label = html.escape(say(said("card.task_id"), who.locale))
        parts.append(f"<div class='task'>{label} <code>{html.escape(str(task))}</code></div>")
    return "".join(parts) + "</div>"


def cancel_money(price_usd: str | None) -> Said:
    """The amount a cancel puts at stake, named: WaveSpeed charges at submit and refunds a deleted task at most in
    part (its documents say "partial refunds may apply")."""
    amount = Usd.of(price_usd)
    return said("money.cancel_at_stake", amount=amount) if amount else said("money.cancel_at_stake_unpriced")


def money_said(take: Take) -> Said | None:
    """The take's money line as a message; a cancel names the amount at stake."""
    if not take.money:
        return None
    if take.money == Money.CANCEL_ASKED:
        return cancel_money(take.price_usd)
    return Money(take.money).said


def money_line(session: Session, take: Take) -> str:
    """The take's money in a sentence, in the visitor's language; empty in demo mode."""
    return session.say(money_said(take))


def why_said(take: Take) -> Said | None:
    """Why the take ended or waits: its message by id, or (a take from before ids) its English as it was kept."""
    return kept(take.message_id, take.message_params, take.error_message)


def short_model(model_id: str) -> str:
    """The model's name without the maker's word: "2.0 Fast", "V1.5 Pro"; the upscaler says so."""
    from .. import catalog

    spec = catalog.MODELS_BY_ID.get(model_id)
    if spec is not None:
        return spec.name.removeprefix("Seedance ").strip() or spec.name
    if "upscal" in model_id:
        return "Upscaler"
    return model_id.rsplit("/", 2)[-2] if "/" in model_id else model_id


def take_number(t: Take, locale: str = "en") -> str:
    """Says "Take 2 of 4" for a take from a click of several; "" for a single take (or one from before this was kept)."""
    n, of = t.settings.get("take_number"), t.settings.get("takes_in_click")
    return say(said("take.n_of", n=n, of=of), locale) if isinstance(n, int) and isinstance(of, int) and of > 1 else ""


def caption(t: Take, locale: str = "en") -> str:
    """Take N of M, the model, the length, the prompt's start and when: what tells takes apart under a thumbnail
    (the seed is in the take's facts)."""
    words = (t.prompt or say(said("take.no_prompt"), locale)).strip()
    words = words if len(words) <= 40 else words[:39].rstrip() + "…"
    duration = t.settings.get("duration")
    upscaled = say(said("take.upscaled_to", size=t.settings["target_resolution"]), locale) \
        if t.settings.get("source_take") else ""  # fmt: skip
    state = "" if t.state == "downloaded" else state_words(t.state, Voice(locale))
    parts = [take_number(t, locale), short_model(t.settings.get("source_model") or t.model_id),
             say(said("take.seconds", seconds=duration), locale) if duration else "", upscaled,
             say(said("take.quoted_prompt", prompt=words), locale), say(said("take.when", at=At(t.created_at)), locale),
             state]  # fmt: skip
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
    amount = Usd.of(t.price_usd)
    priced = said("take.price", price=amount) if t.price_published else said("take.price_estimate", price=amount)
    price = session.say(priced) if amount else ""
    seed, task_id = f"`{t.seed}`", f"`{t.task_id}`"
    line = [
        model_name,
        session.say(said("take.seed", seed=seed)),
        price,
        state_words(t.state, session),
        session.say(said("take.rendered_in", seconds=t.render_seconds)) if t.render_seconds else "",
    ]
    prompt = t.prompt or session.say(said("take.no_prompt"))
    lines = [f"**{prompt}**", "", " · ".join(p for p in line if p)]
    if t.task_id:
        lines += ["", session.say(said("take.task_id", task_id=task_id))]
    note = kept(t.note_said.get("id"), t.note_said.get("params"), t.note)
    if note is not None:
        lines += ["", session.say(note)]
    why = why_said(t)
    if why is not None and t.state != "downloaded":
        lines += ["", f"⚠️ {session.say(why)} {money_line(session, t)}".strip()]
    return "\n".join(lines)

"""The Queue tab: a batch of pictures with one prompt (checked and priced as a table, the total on the button and
the spend confirmation), and the visitor's queue (position, state, ETA, its own Cancel for each, pause and resume
all, a finished take's way to History). The app's runner works through the queue in a thread of its own (one per
owner), the same ``Runner`` as ``seedance queue run``, so both can share one data folder.
"""

from __future__ import annotations

import asyncio
import html
import threading
from functools import partial
from pathlib import Path
from typing import Any

import gradio as gr

from .. import catalog
from ..errors import SeedanceError
from ..session import Session
from ..takes import batch
from ..takes.queue_runner import Pacer, Runner, enqueue, estimate
from ..takes.queue_store import QueueStore
from ..takes.states import TakeState
from ..words.said import Said, Usd, said, say
from . import queue_settings, words
from .i18n import L, L_in
from .queue_share import ShareGate
from .state import AppContext, Visitor

PRIVATE: dict[str, Any] = {"api_visibility": "private"}
ON_CLICK = (
    "element.addEventListener('click', e => { const b = e.target.closest('button[data-take]'); "
    "if (b) trigger('click', {take: b.dataset.take, action: b.dataset.action}); });"
)
"""Each item's button says which take and what to do; one listener on the list (it survives redraws)."""
LIST_CSS = """
.queue-items { list-style: none; padding: 0; margin: 0; }
.queue-item { display: flex; flex-wrap: wrap; justify-content: space-between; align-items: center; gap: .5rem;
  padding: .45rem 0; border-bottom: 1px solid var(--border-color-primary); }
.queue-item button { min-height: 36px; padding: .2rem .8rem; border-radius: var(--button-small-radius);
  border: 1px solid var(--button-secondary-border-color); background: var(--button-secondary-background-fill);
  color: var(--button-secondary-text-color); cursor: pointer; }
"""
TABLE_CSS = """
.batch-scroll { overflow-x: auto; max-width: 100%; }
.batch-table { width: 100%; border-collapse: collapse; }
.batch-table th, .batch-table td { padding: .35rem .5rem; text-align: left; border-bottom: 1px solid
  var(--border-color-primary); overflow-wrap: anywhere; }
.batch-table .refused { color: var(--error-text-color, #b91c1c); }
"""
SPACE_CAP = 20
"""Items one visitor may have in the queue on a Space."""
_runners: dict[tuple[int, str], threading.Thread] = {}
_runners_lock = threading.Lock()


def tier_of(session: Session) -> str:
    """The level chosen in Settings (or with ``seedance batch --tier``); none in demo mode."""
    return queue_settings.runner_tier(session)


def ensure_runner(session: Session, ctx: AppContext | None = None) -> None:
    """Start this owner's runner in the background unless one is running; it stops when the queue is empty. On
    a Space in demo mode it takes its turns in the fair share's line (the Space's CPU renders the previews)."""
    key = (id(session.studio), session.owner)
    gate = ShareGate(ctx.fair_share, session.owner) if ctx and ctx.on_space and session.demo else None
    with _runners_lock:
        running = _runners.get(key)
        if running is not None and running.is_alive():
            return

        def work() -> None:
            async def go() -> None:
                try:
                    await Runner(session, tier=tier_of(session), tier_source=partial(tier_of, session), gate=gate).run()
                finally:
                    await session.aclose()

            asyncio.run(go())

        _runners[key] = thread = threading.Thread(target=work, daemon=True, name=f"queue-{session.owner[:8]}")
        thread.start()


def check(ctx: AppContext, visitor: Visitor, files: list[Any] | None, prompt: str, family: str | None,
          threshold: float | None) -> tuple[str, Any, Any, list[dict[str, Any]]]:  # fmt: skip
    """Each picture checked and priced, as a table; the Queue button with the total; the confirmation."""
    paths = [Path(getattr(f, "name", f)) for f in files or []]
    if not paths:
        return (
            f"<p class='batch-empty'>{html.escape(words.voice(ctx, visitor).say(said('queue.add_first')))}</p>",
            gr.update(interactive=False),
            gr.update(visible=False),
            [],
        )
    model = next((m.id for m in catalog.MODELS if m.family == family), None) if family else None
    cells = {"prompt": prompt or "", **({"model_id": model} if model else {})}
    rows = [batch.check_row(i, p.name, {"image": p.name, **cells}, p.parent) for i, p in enumerate(paths, start=1)]
    demo = ctx.is_demo(visitor)
    free = html.escape(L_in(visitor.locale, "queue.free_preview"))
    good = [r for r in rows if r.ok]
    total = sum((r.price or 0 for r in good), 0)
    body = "".join(
        f"<tr><td>{r.number}</td><td>{html.escape(r.image)}</td>"
        + (f"<td>✅ ok</td><td>✅ ok</td><td>{free if demo else f'${r.price:.2f}'}</td>" if r.ok else
           f"<td colspan='3' class='refused'>{'<br>'.join(html.escape(f'{c}: {say(w, visitor.locale)}') for c, w in r.problems)}</td>")
        + "</tr>" for r in rows)  # fmt: skip
    lang = visitor.locale
    heads = "".join(
        f"<th>{html.escape(h)}</th>"
        for h in (
            L_in(lang, "queue.col_picture"),
            L_in(lang, "queue.col_check"),
            L_in(lang, "queue.col_settings"),
            L_in(lang, "queue.col_price"),
        )
    )
    table = (f"<div class='batch-scroll'><table class='batch-table'><thead><tr><th>#</th>{heads}</tr></thead>"
             f"<tbody>{body}</tbody></table></div>")  # fmt: skip
    n = sum(r.plan.takes for r in good if r.plan)
    label = L_in(lang, "queue.queue_one", n=n) if n == 1 else L_in(lang, "queue.queue_many", n=n)
    label += "" if demo else f" · ${total:.2f}"
    over = not demo and threshold is not None and float(total) > float(threshold)
    confirm = gr.update(visible=over, value=False, label=L_in(lang, "queue.confirm_spend", price=f"${total:.2f}"))
    saved = [{"path": str(r.image_path), "prompt": r.prompt, "model": model} for r in good]
    return table, gr.update(value=label, interactive=bool(good)), confirm, saved


def add(ctx: AppContext, visitor: Visitor, rows: list[dict[str, Any]], confirmed: bool,
        threshold: float | None) -> tuple[Any, ...]:  # fmt: skip
    """Queue the checked pictures (checked again: the files may have changed) and start the runner."""
    v = words.voice(ctx, visitor)
    if not rows:
        return v.say(said("queue.check_first")), gr.skip(), gr.skip(), gr.skip(), gr.skip()
    try:
        session = ctx.session(visitor)
        store = QueueStore(session.studio.journal)
        fresh = [batch.check_row(i, Path(r["path"]).name, {"image": Path(r["path"]).name, "prompt": r["prompt"],
                                                          **({"model_id": r["model"]} if r["model"] else {})},
                                 Path(r["path"]).parent) for i, r in enumerate(rows, start=1)]  # fmt: skip
        good = [r for r in fresh if r.ok and r.plan and r.image_path]
        total = sum((r.price or 0 for r in good), 0)
        if not session.demo and threshold is not None and float(total) > float(threshold) and not confirmed:
            return v.say(said("queue.batch_confirm_spend", price=Usd.of(total))), *[gr.skip()] * 4
        if ctx.on_space and len(store.items(session.owner)) + len(good) > SPACE_CAP:
            return v.say(said("queue.space_cap", cap=SPACE_CAP)), *[gr.skip()] * 4
        session.preflight(sum(r.plan.takes for r in good if r.plan))
        n = sum(len(enqueue(session, r.plan, r.image_path)) for r in good if r.plan and r.image_path)
    except SeedanceError as e:
        return words.card(v, e.said), *[gr.skip()] * 4
    ensure_runner(session, ctx)
    # the checked list is spent: a second click must not queue (and pay for) the same pictures again
    done = gr.update(value=L("queue.queue"), interactive=False)
    queued = said("queue.queued_one", n=n) if n == 1 else said("queue.queued_many", n=n)
    return v.say(queued), gr.update(value=None), done, [], ""


def queue_if_busy(ctx: AppContext, visitor: Visitor, session: Session, plan: Any, first: str,
                  last: str | None = None) -> str | None:  # fmt: skip
    """Create's Generate while the visitor's queue has takes waiting or under way: the click's takes (its Plan,
    checked, priced and confirmed as for a run) join the end of the queue instead of starting beside it, which
    would go past the account's level. Returns the words for the take area, or None when the queue is idle (then
    Generate runs the takes at once, as always)."""
    store = QueueStore(session.studio.journal)
    waiting = store.items(session.owner)
    if not waiting:
        return None
    try:
        if ctx.on_space and len(waiting) + plan.takes > SPACE_CAP:
            return words.card(session, said("queue.busy_full", cap=SPACE_CAP), kind="calm")
        session.preflight(plan.takes)
        added = [t.id for t in enqueue(session, plan, first, last)]
    except SeedanceError as e:
        return words.card(session, e)
    ensure_runner(session, ctx)
    places = [i.position for i in store.items(session.owner) if i.take.id in added and i.position]
    eta = estimate(session, Pacer(store, tier_of(session)).level)
    when = max((eta.get(i, 0.0) for i in added), default=0.0)
    title, rest = _busy_words(len(added), places, when, store.paused(session.owner), session.demo)
    return (f"<div class='card calm-card' role='status'><b>{html.escape(session.say(title))}</b>"
            f"<div class='hint'>{html.escape(session.say(rest))}</div></div>")  # fmt: skip


def _busy_words(n: int, places: list[int], when: float, paused: bool, demo: bool) -> tuple[Said, Said]:
    """What Create's Generate says when its takes joined a busy queue: where they are, when they'll be ready."""
    if len(places) > 2 and places[-1] - places[0] == len(places) - 1:
        where: Said = said("queue.places_range", first=places[0], last=places[-1])
    elif places:
        where = said("queue.place", n=places[0])
        for p in places[1:]:
            where = said("queue.places_and", before=where, after=said("queue.place", n=p))
    else:
        where = said("queue.place_end")
    ready = said("queue.ready_after_resume", time=_human(when)) if paused else said("queue.ready_in", time=_human(when))
    title = said("queue.busy_added_one", where=where, ready=ready) if n == 1 else said(
        "queue.busy_added_many", n=n, where=where, ready=ready)  # fmt: skip
    if demo:  # in demo mode nothing is charged, so the hint doesn't speak of charging
        rest = said("queue.busy_hint_demo_one") if n == 1 else said("queue.busy_hint_demo_many")
    else:
        rest = said("queue.busy_hint_one") if n == 1 else said("queue.busy_hint_many")
    return title, (said("queue.busy_hint_paused", hint=rest) if paused else rest)


def snapshot(ctx: AppContext, visitor: Visitor | None) -> dict[str, Any]:
    """The visitor's queue as the page shows it; ETAs rounded so the list redraws only now and then."""
    if visitor is None:
        return {"items": [], "summary": ""}
    try:
        session = ctx.session(visitor)
    except SeedanceError:
        return {"items": [], "summary": ""}
    store = QueueStore(session.studio.journal)
    level = Pacer(store, tier_of(session)).level
    eta = estimate(session, level)
    items = []
    for i in store.items(session.owner, include_done=True)[-40:]:
        t = i.take
        items.append({"id": t.id, "position": i.position, "state": t.state, "prompt": t.prompt[:60],
                      "eta": round(eta.get(t.id, 0) / 5) * 5 if not t.finished else None,
                      "saved": t.state == TakeState.DOWNLOADED})  # fmt: skip
    live = [x for x in items if x["eta"] is not None]
    paused = store.paused(session.owner)
    v = words.voice(ctx, visitor)
    facts = {"count": len(live), "time": _human(eta["__all__"]), "level": level.name}
    summary = v.say(
        (said("queue.summary_paused", **facts) if paused else said("queue.summary", **facts)) if live else
        said("queue.empty"))  # fmt: skip
    return {"items": sorted(items, key=lambda x: (x["eta"] is None, x["position"] or 0)), "summary": summary}


def _human(seconds: float) -> Said:
    if seconds < 90:
        return said("queue.eta_seconds", n=round(seconds))
    return said("queue.eta_minutes", n=round(seconds / 60))


def tick(ctx: AppContext, visitor: Visitor | None, old: dict[str, Any] | None) -> tuple[Any, str, Any]:
    """Each second: the summary; the list only when something in it changed (so a click lands on what it saw)."""
    snap = snapshot(ctx, visitor)
    if old == snap:
        return gr.skip(), snap["summary"], gr.skip()
    return snap, snap["summary"], listing_html(snap, visitor.locale if visitor else "en")


def listing_html(snap: dict[str, Any], locale: str = "en") -> str:
    cancel, open_it = html.escape(L_in(locale, "queue.item_cancel")), html.escape(L_in(locale, "queue.item_open"))
    v = words.Voice(locale)
    rows = []
    for x in snap.get("items", []):
        where = f"<b>#{x['position']}</b> " if x["position"] else ""
        ready = said("queue.item_ready", time=_human(x["eta"])) if x["eta"] is not None else None
        eta = f" · {html.escape(v.say(ready))}" if ready else ""
        state = html.escape(words.state_words(x["state"], v))
        act = (f"<button class='queue-cancel' data-take='{x['id']}' data-action='cancel'>{cancel}</button>"
               if x["eta"] is not None else
               f"<button class='queue-open' data-take='{x['id']}' data-action='open'>{open_it}</button>"
               if x["saved"] else "")  # fmt: skip
        rows.append(f"<li class='queue-item'><span class='queue-line'>{where}{html.escape(x['prompt'])} · "
                    f"<span class='queue-state'>{state}</span>{eta}</span> {act}</li>")  # fmt: skip
    return f"<ul class='queue-items'>{''.join(rows)}</ul>" if rows else ""


async def cancel(ctx: AppContext, take_id: str, visitor: Visitor) -> str:
    try:
        return await ctx.session(visitor).cancel(take_id)
    except SeedanceError as e:
        return words.voice(ctx, visitor).say(e.said)


def pause_all(ctx: AppContext, visitor: Visitor, on: bool) -> str:
    session = ctx.session(visitor)
    store = QueueStore(session.studio.journal)
    (store.pause if on else store.resume)(session.owner)
    if not on:
        ensure_runner(session, ctx)
    return session.say(said("queue.paused") if on else said("queue.resumed"))


def resume_on_load(ctx: AppContext, visitor: Visitor | None) -> None:
    """A desktop's queue left from before a restart goes on when the page opens."""
    if visitor is None:
        return
    try:
        session = ctx.session(visitor)
    except SeedanceError:
        return
    if QueueStore(session.studio.journal).queued_count(session.owner):
        ensure_runner(session, ctx)


def build(ctx: AppContext, visitor: Any, threshold: Any, tabs: Any) -> Any:
    """The tab's components and events; returns the page load step to chain (resume a left-over queue)."""
    gr.Markdown("### " + L("queue.batch_heading"))
    files = gr.File(file_count="multiple", file_types=["image"], label=L("queue.pictures"), elem_id="batch-files")
    prompt = gr.Textbox(label=L("queue.prompt"), lines=2, elem_id="batch-prompt")
    family = gr.Dropdown(choices=catalog.families(), value=None, label=L("queue.model"),
                         elem_id="batch-model")  # fmt: skip
    check_btn = gr.Button(L("queue.check"), elem_id="batch-check")
    table = gr.HTML(elem_id="batch-table", css_template=TABLE_CSS)
    confirm = gr.Checkbox(visible=False, label=L("queue.confirm"), elem_id="batch-confirm")
    queue_btn = gr.Button(L("queue.queue"), variant="primary", interactive=False, elem_id="batch-queue")
    note = gr.Markdown(elem_id="batch-note")
    checked = gr.State([])
    gr.Markdown("### " + L("queue.queue_heading"))
    with gr.Row():
        pause_btn = gr.Button(L("queue.pause_all"), size="sm", elem_id="queue-pause")
        resume_btn = gr.Button(L("queue.resume_all"), size="sm", elem_id="queue-resume")
    summary = gr.Markdown(elem_id="queue-summary")
    snap = gr.State({"items": [], "summary": ""})
    listing = gr.HTML(elem_id="queue-list", js_on_load=ON_CLICK, css_template=LIST_CSS)
    timer = gr.Timer(1.0)

    async def on_item(visitor_: Visitor, evt: gr.EventData) -> tuple[str, Any]:
        take_id, action = getattr(evt, "take", ""), getattr(evt, "action", "")
        if action == "open":
            return gr.skip(), gr.Tabs(selected="history")
        return await cancel(ctx, str(take_id), visitor_), gr.skip()

    listing.click(on_item, [visitor], [note, tabs], **PRIVATE)
    check_btn.click(partial(check, ctx), [visitor, files, prompt, family, threshold],
                    [table, queue_btn, confirm, checked], **PRIVATE)  # fmt: skip
    queue_btn.click(partial(add, ctx), [visitor, checked, confirm, threshold], [note, files, queue_btn, checked, table],
                    **PRIVATE)  # fmt: skip
    pause_btn.click(partial(pause_all, ctx, on=True), [visitor], [note], **PRIVATE)
    resume_btn.click(partial(pause_all, ctx, on=False), [visitor], [note], **PRIVATE)
    timer.tick(partial(tick, ctx), [visitor, snap], [snap, summary, listing], show_progress="hidden", **PRIVATE)
    return partial(resume_on_load, ctx)

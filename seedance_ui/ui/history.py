"""The History page: this visitor's takes as thumbnails, one take's video and facts, and what can be done with it
(load its settings, continue from its last frame, loop, delete, stitch, recover by task id, finish unfinished).
Every handler goes through the visitor's Session, which checks that a take is theirs."""

from __future__ import annotations

import html
from functools import partial
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import gradio as gr

from ..errors import InputError, SeedanceError
from ..words.said import said
from . import history_words, settings, upscale_panel, words
from .create import MATCH
from .i18n import L
from .state import AppContext, Visitor

FORM = ("first", "last", "prompt", "family", "resolution", "duration", "aspect", "audio", "camera_fixed", "seed")


def gallery(ctx: AppContext, visitor: Visitor, search: str = "") -> tuple[Any, list[str], Any, str]:
    """Thumbnails with readable captions (a click's takes together), their take ids, the stitch choices, and a
    note when nothing matches."""
    try:
        session = ctx.session(visitor)
    except SeedanceError as e:
        return [], [], gr.update(choices=[]), words.voice(ctx, visitor).say(e.said)
    items, ids, choices = [], [], []
    for t in words.grouped(session.history(search or "", limit=60)):
        poster = t.poster_path if t.poster_path and Path(t.poster_path).exists() else t.first_image
        if poster and Path(poster).exists():
            items.append((poster, words.caption(t, session.locale)))
            ids.append(t.id)
        if t.video_path and Path(t.video_path).exists():
            choices.append((words.caption(t, session.locale), t.id))
    searched = (search or "").strip()
    note = "" if items else session.say(said("history.no_match", search=searched) if searched else said("history.none"))
    return items, ids, gr.update(choices=choices, value=[]), note


def shelf_view(ctx: AppContext, visitor: Visitor, search: str = "", keyed: bool | None = None) -> tuple:
    """The gallery (see ``gallery``) with, on a Space, where a visitor's paid takes went when the key is not pasted
    in this visit. ``keyed`` is the browser's remembered "takes were made here with a key" (a yes or no, never the
    key). The balance follows in its own step (``history_words.balance_now``): the takes never wait on WaveSpeed."""
    items, ids, choices, note = gallery(ctx, visitor, search)
    if ctx.on_space and visitor.key and items:
        keyed = True
    elif ctx.on_space and keyed and not visitor.key:
        note = (note + " " if items else "") + words.voice(ctx, visitor).say(history_words.HIDDEN_PAID)
    # a new list is not the old one: no thumbnail stays marked as picked (the panel is cleared apart from this)
    shown = gr.update(value=items, selected_index=None)
    # only ever set, never cleared: a load that runs before the browser has restored its flag must not erase it
    return shown, ids, choices, note, True if keyed else gr.skip()


def select(ctx: AppContext, visitor: Visitor, ids: list[str], evt: gr.SelectData) -> tuple[Any, ...]:
    """A take was picked: its video, its download, its facts, its id, its actions shown, and no note left over
    from the take before."""
    if evt is None or evt.index is None or not isinstance(evt.index, int) or evt.index >= len(ids):
        return nothing_picked("", words.voice(ctx, visitor))
    try:
        session = ctx.session(visitor)
        take = session.take(ids[evt.index])
    except SeedanceError as e:
        voice = words.voice(ctx, visitor)
        return nothing_picked(voice.say(e.said), voice)
    video = take.video_path if take.video_path and Path(take.video_path).exists() else None
    facts = words.take_facts(session, take, session.facts(take)["model"])
    return (video, gr.update(value=[video] if video else None, visible=bool(video)), facts, take.id,
            gr.update(visible=True), "")  # fmt: skip


def nothing_picked(note: str, voice: words.Voice | None = None) -> tuple[Any, ...]:
    """The panel with no take in it: no player, no download, no facts, no actions; ``note`` says why."""
    pick = (voice or words.Voice()).say(history_words.PICK)
    return None, gr.update(value=None, visible=False), pick, "", gr.update(visible=False), note


def pick_line(ctx: AppContext, visitor: Visitor | None, chosen: str) -> Any:
    """The panel's "pick a take" line in the visitor's language, while no take is picked."""
    return gr.skip() if chosen or visitor is None else words.voice(ctx, visitor).say(history_words.PICK)


def load_settings(ctx: AppContext, visitor: Visitor, take_id: str, mode: str = "same") -> dict[str, Any]:
    """The form's values from a take, by name: 'same' settings and pictures, 'continue' from its last frame, or
    'loop' (the same picture first and last). ``note`` says what happened."""
    try:
        session = ctx.session(visitor)
        take = session.take(take_id)
        first, last = take.first_image, take.last_image
        if mode == "continue":
            first, last = str(session.last_frame(take.id)), None
    except SeedanceError as e:
        return {"note": words.voice(ctx, visitor).say(said("history.pick_first") if not take_id else e.said)}
    if mode == "loop":
        last = first
    s = take.settings
    own = {m.id: m for m in ctx.models(visitor)}  # the visitor's own list: a live-only model's family too
    spec = own.get(take.model_id) or own.get(s.get("source_model") or "")
    values: dict[str, Any] = {"first": first, "last": last, "prompt": take.prompt,
                              "aspect": s.get("aspect_ratio") or MATCH, "audio": bool(s.get("generate_audio")),
                              "camera_fixed": bool(s.get("camera_fixed")),
                              "seed": take.seed if mode == "same" and take.seed is not None else -1}  # fmt: skip
    if spec:
        values["family"] = spec.family
    for k in ("resolution", "duration"):
        if s.get(k):
            values[k] = s[k]
    values["note"] = session.say({"same": said("history.loaded_same"), "continue": said("history.loaded_continue"),
                                  "loop": said("history.loaded_loop")}[mode])  # fmt: skip
    return values


def form_outputs(values: dict[str, Any]) -> list[Any]:
    """load_settings' values in the order of FORM, then the tab switch and the note."""
    out: list[Any] = [gr.update(value=values[k]) if k in values else gr.skip() for k in FORM]
    out.append(gr.Tabs(selected="create") if len(values) > 1 else gr.skip())
    out.append(values.get("note", ""))
    return out


def delete(ctx: AppContext, visitor: Visitor, take_id: str) -> tuple[Any, ...]:
    """Delete after the person confirmed: the take's files, pictures and journal entry, and the copies Gradio
    served from its cache (their links answer 404 afterwards). Nothing of it stays on the page: the player, the
    download, the facts and the actions go (the outputs of ``nothing_picked``)."""
    try:
        session = ctx.session(visitor)
        take = session.take(take_id)
        session.delete(take_id)
    except SeedanceError as e:
        return gr.skip(), gr.skip(), gr.skip(), take_id, gr.skip(), words.voice(ctx, visitor).say(e.said)
    names = {Path(p).name for p in (take.video_path, take.poster_path, take.first_image, take.last_image) if p}
    forget_cached(names)
    return nothing_picked(session.say(said("history.deleted")), session)


def forget_cached(names: set[str]) -> int:
    """Remove Gradio's cached copies of these files (it serves outputs from its own cache folder)."""
    from gradio.utils import get_upload_folder

    removed = 0
    root = Path(get_upload_folder())
    if not names or not root.is_dir():
        return 0
    for path in root.rglob("*"):
        if path.name in names and path.is_file():
            path.unlink(missing_ok=True)
            removed += 1
    return removed


async def recover_task(ctx: AppContext, visitor: Visitor, task_id: str) -> tuple[Any, str]:
    try:
        session = ctx.session(visitor)
        result = await session.recover_task(task_id or "")
    except InputError as e:  # not a task id, or not theirs: nothing was asked of WaveSpeed, so no money words
        return None, words.card(words.voice(ctx, visitor), e.said, kind="calm")
    except SeedanceError as e:
        return None, words.card(words.voice(ctx, visitor), e)
    return str(result.video_path), words.card(session, said("history.recovered", name=result.video_path.name),
                                               kind="calm")  # fmt: skip


async def finish_unfinished(ctx: AppContext, visitor: Visitor) -> str:
    try:
        session = ctx.session(visitor)
        report = await session.recover()
    except SeedanceError as e:
        return words.card(words.voice(ctx, visitor), e)
    lines = [session.say(said("history.finished", count=len(report.finished)) if report.finished
                         else said("history.nothing_finished"))]  # fmt: skip
    for t in report.ended:
        why = words.why_said(t)
        lines.append(f"{words.caption(t, session.locale)}: "
                     f"{session.say(why) if why else words.state_words(t.state, session)} "
                     f"{words.money_line(session, t)}".strip())  # fmt: skip
    for t in report.waiting:
        why = words.why_said(t)
        lines.append(session.say(said("history.still", caption=words.caption(t, session.locale),
                                      state=words.state_words(t.state, session), why=why or "")))  # fmt: skip
    return "<div class='card calm-card' role='status'>" + "<br>".join(html.escape(x) for x in lines) + "</div>"


def stitch(ctx: AppContext, visitor: Visitor, take_ids: list[str]) -> tuple[str | None, str]:
    voice = words.voice(ctx, visitor)
    if not take_ids or len(take_ids) < 2:
        return None, voice.say(said("stitch.pick_two"))
    try:
        info = ctx.session(visitor).stitch(list(take_ids))
    except SeedanceError as e:
        return None, voice.say(e.said)
    joined = said("stitch.joined_with_sound", count=info["clips"]) if info.get("audio") else \
        said("stitch.joined", count=info["clips"])  # fmt: skip
    return info["path"], voice.say(joined)


def keyed_store(ctx: AppContext) -> Any:
    """The browser's yes or no "takes were made here with a key" (never the key), so that after a reload a Space
    can say where they went."""
    return gr.BrowserState(False, storage_key="seedance-keyed-takes", secret=ctx.browser_secret)


def note_view(ctx: AppContext, visitor: Visitor, search: str = "", keyed: bool | None = None) -> tuple:
    """The shelf's note alone (and the browser's flag): what opening History says, the gallery left as it is."""
    *_, note, flag = shelf_view(ctx, visitor, search, keyed)
    return note, flag


def restored_note(ctx: AppContext, visitor: Visitor | None, search: str = "", keyed: bool | None = None) -> Any:
    """The shelf's note once the browser's flag is back; nothing while the visitor is not yet known."""
    return gr.skip() if visitor is None else note_view(ctx, visitor, search, keyed)[0]


def build(ctx: AppContext, visitor: Any, create: Any, keyed: Any = None, tab: Any = None) -> Any:
    """The History tab's components and wiring; ``create`` is the Create page (its form and its generate event),
    ``keyed`` the browser's ``keyed_store``. Returns the refresh function (visitor -> gallery) for the load event."""
    private: dict[str, Any] = {"api_visibility": "private"}
    ids = gr.State([])
    keyed = keyed if keyed is not None else gr.State(False)
    search, refresh, balance, empty, shelf = _shelf()
    with gr.Row(equal_height=False):
        with gr.Column(scale=3, min_width=280):
            player = gr.Video(label=L("history.selected"), interactive=False, elem_id="history-player")
            download = gr.File(label=L("history.download"), visible=False, interactive=False)
        with gr.Column(scale=2, min_width=280):
            facts = gr.Markdown(words.Voice().say(history_words.PICK), elem_id="history-facts")
            chosen = gr.Textbox(visible=False)
            with gr.Column(visible=False, elem_id="take-actions") as actions:
                act = _take_actions()
                reprice = upscale_panel.build(ctx, visitor, chosen, (player, download, facts))
            note = gr.Markdown(elem_id="history-note")
    tools = _tools()
    pick = tools.pick

    banner = getattr(create, "banner", None)
    shelf_in, shelf_out = [visitor, search, keyed], [shelf, ids, pick, empty, keyed]
    money_out = [balance, *([banner] if banner is not None else [])]
    fill = partial(shelf_view, ctx)

    async def money(v: Visitor) -> Any:  # the banner's balance follows the one just asked for
        line = await history_words.balance_now(ctx, v)
        return (line, settings.banner(ctx, v)) if banner is not None else line

    def refill(ev: Any) -> Any:
        """After an event: the gallery at once, then the balance (key mode) as WaveSpeed says it now."""
        return ev.then(fill, shelf_in, shelf_out, **private).then(money, [visitor], money_out, **private,
                                                                  show_progress="hidden")  # fmt: skip

    refresh.click(fill, shelf_in, shelf_out, **private).then(money, [visitor], money_out, **private)
    _wire_note(ctx, tab, keyed, shelf_in, empty)
    if banner is not None:  # written once the visitor's language is known (and again in a new one)
        banner.change(partial(pick_line, ctx), [visitor, chosen], [facts], **private, show_progress="hidden")
    search.submit(fill, shelf_in, shelf_out, **private)

    def on_select(v: Any, taken: list[str], evt: gr.SelectData) -> Any:
        return select(ctx, v, taken, evt)

    panel = [player, download, facts, chosen, actions, note]
    sure_row = act.sure_row
    reprice(shelf.select(on_select, [visitor, ids], panel, **private).then(
        lambda: gr.update(visible=False), None, [sure_row], **private))  # fmt: skip
    _wire_loading(ctx, act, visitor, chosen, create, note, private)
    act.del_btn.click(lambda t: gr.update(visible=bool(t)), [chosen], [sure_row], **private)
    act.no_btn.click(lambda: gr.update(visible=False), None, [sure_row], **private)
    deleted = act.yes_btn.click(partial(delete, ctx), [visitor, chosen], panel, **private)
    refill(reprice(deleted).then(lambda: gr.update(visible=False), None, [sure_row], **private))
    # An upscale starts: the note of an earlier action (e.g. "the last frame is now your first picture") goes;
    # it ends: the new take shows in the gallery and the balance says what it cost.
    reprice.started.then(lambda: "", None, [note], **private)
    refill(reprice.ended)
    refill(tools.rec_btn.click(partial(recover_task, ctx), [visitor, tools.task_box], [player, tools.rec_note],
                               concurrency_limit=None, **private))  # fmt: skip
    refill(tools.resume_btn.click(partial(finish_unfinished, ctx), [visitor], [tools.rec_note], concurrency_limit=None,
                                  **private))  # fmt: skip
    tools.stitch_btn.click(partial(stitch, ctx), [visitor, pick], [tools.stitched, tools.stitch_note], **private)
    refill(create.generated)
    # Kept as the click goes (a take paid with a key exists from its submit on), not only when the takes end.
    create.go.click(lambda v, k: True if ctx.on_space and v is not None and v.key else k, [visitor, keyed], [keyed],
                    **private)  # fmt: skip
    return refill


def _wire_note(ctx: AppContext, tab: Any, keyed: Any, shelf_in: list[Any], empty: Any) -> None:
    """On a Space, where paid takes went is said once the browser has given back its flag: when History is opened,
    and as soon as the flag comes back (its change), whichever tab is open, so that a refill which read the flag
    before the browser had restored it does not have the last word."""
    quiet: dict[str, Any] = {"api_visibility": "private", "show_progress": "hidden"}
    if tab is not None:
        tab.select(partial(note_view, ctx), shelf_in, [empty, keyed], **quiet)
    keyed.change(partial(restored_note, ctx), shelf_in, [empty], **quiet)


def _shelf() -> tuple[Any, Any, Any, Any, Any]:
    """The search box, the refresh button, the balance line, the empty-shelf note and the gallery of takes."""
    with gr.Row():
        search = gr.Textbox(label=L("history.search"), placeholder=L("history.search_hint"), scale=4)
        refresh = gr.Button("🔄 " + L("history.refresh"), scale=1, min_width=100)
    balance = gr.HTML(elem_id="history-balance")
    empty = gr.Markdown(elem_id="history-empty")
    shelf = gr.Gallery(label=L("history.takes"), columns=[2, 3, 4, 6], height="auto", allow_preview=False, preview=False,
                       object_fit="contain", interactive=False, elem_id="history-gallery")  # fmt: skip
    return search, refresh, balance, empty, shelf


def _take_actions() -> SimpleNamespace:
    """The selected take's buttons, and the question before deleting it."""
    with gr.Row():
        load_btn = gr.Button("📝 " + L("history.load_settings"))
        cont_btn = gr.Button("➡️ " + L("history.continue"))
    with gr.Row():
        loop_btn = gr.Button("🔁 " + L("history.loop"))
        del_btn = gr.Button("🗑️ " + L("history.delete"), variant="stop")
    with gr.Column(visible=False, elem_id="delete-confirm") as sure_row:
        gr.Markdown(L("history.delete_question"), elem_id="delete-question")
        with gr.Row():
            yes_btn = gr.Button(L("common_ss.yes_delete"), variant="stop", size="sm", min_width=120)
            no_btn = gr.Button(L("common_ss.keep_it"), size="sm", min_width=120)
    return SimpleNamespace(load_btn=load_btn, cont_btn=cont_btn, loop_btn=loop_btn, del_btn=del_btn,
                           sure_row=sure_row, yes_btn=yes_btn, no_btn=no_btn)  # fmt: skip


def _tools() -> SimpleNamespace:
    """Recover by task id, finish unfinished takes, and stitch takes into one video."""
    with gr.Accordion(L("history.recover_title"), open=False):
        task_box = gr.Textbox(label=L("history.task_id"), info=L("history.task_id_info"))
        with gr.Row():
            rec_btn = gr.Button(L("history.recover"))
            resume_btn = gr.Button(L("history.finish_unfinished"))
        rec_note = gr.HTML(elem_id="recover-note")
    with gr.Accordion(L("history.stitch_title"), open=False):
        pick = gr.Dropdown([], multiselect=True, label=L("history.stitch_takes"))
        stitch_btn = gr.Button(L("history.stitch"))
        stitched = gr.Video(label=L("history.stitched"), interactive=False)
        stitch_note = gr.Markdown()
    return SimpleNamespace(task_box=task_box, rec_btn=rec_btn, resume_btn=resume_btn, rec_note=rec_note, pick=pick,
                           stitch_btn=stitch_btn, stitched=stitched, stitch_note=stitch_note)  # fmt: skip


def _wire_loading(ctx: AppContext, act: SimpleNamespace, visitor: Any, chosen: Any, create: Any, note: Any,
                  private: dict[str, Any]) -> None:  # fmt: skip
    """Load settings, continue from the last frame, loop: each fills the Create form and goes there. The note
    shows on both pages: on Create, where the settings went, and here when nothing was loaded."""
    form = [getattr(create, k) for k in FORM]
    for btn, mode in ((act.load_btn, "same"), (act.cont_btn, "continue"), (act.loop_btn, "loop")):
        btn.click(lambda v, t, m=mode: [*(out := form_outputs(load_settings(ctx, v, t, m))), out[-1]],
                  [visitor, chosen], [*form, create.tabs, create.note, note], **private).then(
            None, js="() => window.scrollTo({top: 0})")  # fmt: skip

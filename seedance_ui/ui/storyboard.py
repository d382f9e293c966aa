"""The Storyboard page: a short film planned shot by shot. Shots are cards (``gr.render``, keyed per shot) with their
picture, prompt, price and chosen take; one Render button prices the whole board; the film is played and kept.
The work is done by ``storyboard_actions`` over the visitor's Session; every shot is an ordinary take."""

from __future__ import annotations

import json
from decimal import Decimal
from functools import partial
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import gradio as gr

from ..errors import SeedanceError
from ..takes.storyboard import Board
from ..words.said import N_, Usd, said
from . import storyboard_actions as act
from .create import choices_for
from .i18n import L, L_in
from .state import AppContext, Visitor
from .words import voice as voice_of

PRIVATE: dict[str, Any] = {"api_visibility": "private"}
CSS = """
.shot-card {border: 1px solid var(--border-color-primary); border-radius: 12px; margin-bottom: 8px;}
.shot-card .shot-status {padding: 0 10px; font-size: .92em;}
.board-progress {margin: 0; padding-left: 1.2em;}
#board-progress p {margin: 2px 0 0; font-size: .9em; color: var(--body-text-color-subdued);}
.take-slot:not(:has(video)) .take-seed {display: none;}  /* a Create take's seed, once it has a video */
@media (max-width: 820px) { #board-film {order: -1;} #board-film:has(.empty) {display: none;} }
"""


def _boards(ctx: AppContext, visitor: Visitor, doc: str | None = None) -> Any:
    try:
        boards = act.store_of(ctx.session(visitor)).all()
    except SeedanceError:
        boards = []
    current = json.loads(doc)["id"] if doc else None
    lang = visitor.locale
    return gr.update(choices=[(L_in(lang, "board.picker_one", name=b.name) if len(b.shots) == 1 else
                               L_in(lang, "board.picker_many", name=b.name, n=len(b.shots)), b.id) for b in boards],
                     value=current if any(b.id == current for b in boards) else None)  # fmt: skip


def _open(ctx: AppContext, visitor: Visitor, board_id: str | None) -> tuple[str, str, Any]:
    if not board_id:
        return "", "", None
    try:
        session = ctx.session(visitor)
        board = act.store_of(session).get(board_id)
    except SeedanceError as e:
        return "", f"⚠️ {e.message}", None
    return board.to_json(), "", act.film_video(session, board)


def _shot_op(ctx: AppContext, visitor: Visitor, doc: str, i: int, op: str) -> tuple[str, str]:
    def change(board: Board, session: Any) -> str:
        if op == "up":
            board.move(i, -1)
        elif op == "down":
            board.move(i, 1)
        elif op == "duplicate":
            board.duplicate(i)
        elif op == "delete":
            board.remove(i)
            return said("board.shot_deleted", n=i + 1)
        return ""

    return act.edit(ctx, visitor, doc, change)


def _set(ctx: AppContext, visitor: Visitor, doc: str, i: int, **values: Any) -> tuple[str, str]:
    def change(board: Board, session: Any) -> str:
        shot = board.shots[i]
        for k, v in values.items():
            setattr(shot, k, v)
        return ""

    return act.edit(ctx, visitor, doc, change)


def _pick(ctx: AppContext, visitor: Visitor, doc: str, i: int, take_id: str) -> tuple[str, str]:
    from ..takes.board_run import BoardRun

    def change(board: Board, session: Any) -> str:
        BoardRun(session, board).pick(i, take_id)
        stale = [j + 1 for j, s in enumerate(board.shots) if s.stale]
        if stale:
            return said("board.uses_take_stale", n=i + 1, shots=", ".join(str(j) for j in stale))
        return said("board.uses_take", n=i + 1)

    return act.edit(ctx, visitor, doc, change)


def _card(ctx: AppContext, visitor: Any, board: Board, i: int, session: Any, w: Any) -> None:
    """One shot's card: picture, prompt, price, status, its takes with a pick, and its buttons. ``w`` holds the page's
    components and handlers the card wires to."""
    shot, n = board.shots[i], i + 1
    doc, note, ask, asking, threshold, outs = w.doc, w.note, w.ask, w.asking, w.threshold, w.outs
    lang = w.locale  # the card is made on the server for this visitor: its labels in their language
    ledger = session.studio.ledger
    takes = [t for t in (ledger.get(x) for x in shot.round_ids) if t is not None and t.video_path]
    try:
        price = session.say(said("board.demo_preview")) if session.demo else \
            session.say(said("take.price", price=Usd(board.check()[i].price.total)))  # fmt: skip
    except SeedanceError:
        price = session.say(said("board.cant_price_yet"))
    status = session.say(said("board.status_stale") if shot.stale else shot.problem or shot.waiting or
                         said(N_("board.status_chosen") if shot.chosen else N_("board.status_not_rendered")))  # fmt: skip
    with gr.Group(key=f"card-{board.id}-{i}", elem_classes=["shot-card"]):
        with gr.Row(equal_height=False):
            if shot.cont:
                gr.Markdown(L_in(lang, "board.continues", n=n, before=i), key=f"pic-{i}")
            else:
                gr.Image(shot.image, label=L_in(lang, "board.shot_picture", n=n), interactive=False, height=110,
                         key=f"pic-{i}", show_label=True, buttons=[], elem_classes=["shot-pic"])  # fmt: skip
            with gr.Column(scale=3, min_width=200):
                prompt = gr.Textbox(shot.prompt, label=L_in(lang, "board.shot_prompt", n=n), lines=1,
                                    key=f"prompt-{i}")  # fmt: skip
                prompt.blur(partial(lambda d, p, v, i=i: _set(ctx, v, d, i, prompt=p)), [doc, prompt, visitor],
                            [doc, note], **PRIVATE)  # fmt: skip
                gr.Markdown(f"{'' if session.demo else price + ' · '}{status}", key=f"status-{i}",
                            elem_classes=["shot-status"])  # fmt: skip
            count = gr.Dropdown([1, 2, 3, 4], value=shot.takes, label=L_in(lang, "board.shot_takes", n=n), min_width=90,
                                scale=0, key=f"takes-{i}", elem_classes=["shot-takes"])  # fmt: skip
            count.input(lambda d, v, c, i=i: _set(ctx, v, d, i, takes=int(c)), [doc, visitor, count], [doc, note],
                        **PRIVATE)  # fmt: skip
        if takes:
            _card_takes(ctx, visitor, board, i, takes, w)
        with gr.Row(elem_classes=["shot-tools"]):
            for label, op in (("↑", "up"), ("↓", "down"), (L("board.duplicate"), "duplicate")):
                gr.Button(label, size="sm", min_width=40, key=f"{op}-{i}",
                          elem_classes=["shot-tool"]).click(
                    lambda d, v, i=i, op=op: _shot_op(ctx, v, d, i, op), [doc, visitor], [doc, note], **PRIVATE)  # fmt: skip
            if shot.chosen or shot.problem:
                retake = act.retake_label(session, board, i, lang)
                gr.Button(retake, size="sm", min_width=60, key=f"retake-{i}").click(
                    partial(w.retake_shot, i=i), [visitor, doc, threshold], outs, concurrency_limit=None,
                    **PRIVATE)  # fmt: skip
            gr.Button(L("board.cancel"), size="sm", min_width=60, key=f"cancel-{i}").click(
                lambda d, v, i=i: act.cancel_shot(ctx, v, d, i), [doc, visitor], [note], **PRIVATE)  # fmt: skip
            gr.Button(L("board.delete"), size="sm", variant="stop", min_width=60, key=f"delete-{i}").click(
                lambda i=i: i, None, [ask], **PRIVATE)  # fmt: skip
        if asking == i:
            with gr.Row(key=f"ask-{i}"):
                gr.Markdown(L_in(lang, "board.delete_shot_question", n=n))
                gr.Button(L("common_ss.yes_delete"), variant="stop", size="sm", key=f"yes-{i}").click(
                    lambda d, v, i=i: (*_shot_op(ctx, v, d, i, "delete"), None), [doc, visitor], [doc, note, ask],
                    **PRIVATE)  # fmt: skip
                gr.Button(L("common_ss.keep_it"), size="sm", key=f"no-{i}").click(lambda: None, None, [ask], **PRIVATE)


def _card_takes(ctx: AppContext, visitor: Any, board: Board, i: int, takes: list[Any], w: Any) -> None:
    """A shot's rendered takes, each with Pick (when there is a choice) and Use this seed."""
    shot, n, doc, note = board.shots[i], i + 1, w.doc, w.note
    with gr.Row():
        for k, t in enumerate(takes):
            with gr.Column(min_width=160, key=f"take-{i}-{k}"):
                facts = {"n": n, "k": k + 1, "seed": t.seed}
                said = (L_in(w.locale, "board.shot_take_chosen", **facts) if t.id == shot.chosen
                        else L_in(w.locale, "board.shot_take", **facts))  # fmt: skip
                gr.Video(t.video_path, label=said, interactive=False, height=140, key=f"video-{i}-{k}")
                with gr.Row():
                    if len(takes) > 1 and t.id != shot.chosen:
                        gr.Button(L("board.pick"), size="sm", key=f"pick-{i}-{k}").click(
                            lambda d, v, i=i, tid=t.id: _pick(ctx, v, d, i, tid), [doc, visitor],
                            [doc, note], **PRIVATE)  # fmt: skip
                    gr.Button(L("board.use_seed"), size="sm", key=f"seed-{i}-{k}").click(
                        lambda d, v, i=i, s=t.seed: _set(ctx, v, d, i, seed=s), [doc, visitor], [doc, note],
                        **PRIVATE)  # fmt: skip


def _picker() -> tuple[Any, Any]:
    with gr.Row():
        picker = gr.Dropdown([], label=L("board.your_boards"), scale=3, elem_id="board-picker")
        new_btn = gr.Button(L("board.new"), scale=1, min_width=90)
    return picker, new_btn


def _confirm() -> tuple[Any, Any, Any, Any]:
    """The row that asks before a render above the visitor's limit."""
    with gr.Row(visible=False, elem_id="board-confirm") as confirm_row:
        confirm_words = gr.Markdown()
        yes = gr.Button(L("board.yes_render"), variant="primary", size="sm")
        no = gr.Button(L("board.not_now"), size="sm")
    return confirm_row, confirm_words, yes, no


def _adding() -> tuple[Any, Any, Any, Any, Any]:
    """Start a board from the Create page; the picture and prompt of a new shot and the two ways to add it."""
    from_create = gr.Button("🎬 " + L("board.from_create"), elem_id="board-from-create")
    with gr.Group():
        picture = gr.Image(type="filepath", label=L("board.new_picture"), height=120,
                           elem_id="board-picture", sources=["upload"])  # fmt: skip
        prompt = gr.Textbox(label=L("board.new_prompt"), lines=1, elem_id="board-prompt",
                            placeholder=L("board.new_prompt_hint"))  # fmt: skip
        with gr.Row():
            add_pic = gr.Button("➕ " + L("board.add_picture_shot"), size="sm", elem_id="add-picture-shot")
            add_cont = gr.Button("➕ " + L("board.add_continue_shot"), size="sm", elem_id="add-continue-shot")
    return from_create, picture, prompt, add_pic, add_cont


def _more() -> SimpleNamespace:
    """The board's name, a take from History as a shot, the crossfade, export and delete."""
    with gr.Accordion(L("board.more"), open=False):
        with gr.Row():
            name = gr.Textbox(label=L("board.name"), scale=3)
            rename = gr.Button(L("board.rename"), scale=1, min_width=80)
        with gr.Row():
            takes = gr.Dropdown([], label=L("board.history_take"), scale=3)
            add_take = gr.Button(L("board.add_take"), scale=1, min_width=80)
        fade = gr.Slider(0, 2, value=0, step=0.25, label=L("board.crossfade"))
        with gr.Row():
            export = gr.DownloadButton(L("board.export"), size="sm")
            delete = gr.Button(L("board.delete_board"), variant="stop", size="sm")
        with gr.Row(visible=False) as sure:
            gr.Markdown(L("board.delete_board_question"))
            yes = gr.Button(L("common_ss.yes_delete"), variant="stop", size="sm")
    return SimpleNamespace(name=name, rename=rename, takes=takes, add_take=add_take, fade=fade, export=export,
                           delete=delete, sure=sure, yes=yes)  # fmt: skip


def _render_button(ctx: AppContext, v: Any, d: str) -> Any:
    words, on = act.render_label(ctx, v, d)
    return gr.update(value=words, interactive=on)


def build(ctx: AppContext, visitor: Any, create: Any, threshold: Any) -> Any:
    doc = gr.State("")
    ask = gr.State(None)
    outs: list[Any] = []
    """The render's outputs (board, progress, film, confirmation row and words), filled once they exist."""

    async def go(v: Any, d: str, limit: float | None, confirmed: bool = False, shot: int | None = None):  # type: ignore[no-untyped-def]
        async for board_doc, html_, video, asking in act.render(ctx, v, d, limit, confirmed, shot):
            words = ""
            if asking:
                _, _, board = act.board_of(ctx, v, d)
                total = board.price(board.check(), board.todo() if shot is None else [shot])
                words = voice_of(ctx, v).say(said("board.over_limit", total=Usd(total),
                                                         limit=Usd(Decimal(str(float(limit or 0))))))  # fmt: skip
            yield board_doc, html_, video, gr.update(visible=asking), words

    pending: dict[str, int | None] = {}  # a visitor's render waiting for "Yes, render" (None: the board; i: shot i)

    async def ask_go(v: Any, d: str, limit: float | None, shot: int | None = None):  # type: ignore[no-untyped-def]
        pending[v.token] = shot
        async for out in go(v, d, limit, False, shot):
            yield out

    async def confirmed_go(v: Any, d: str, limit: float | None):  # type: ignore[no-untyped-def]
        async for out in go(v, d, limit, True, pending.pop(v.token, None)):
            yield out

    async def retake(v: Any, d: str, limit: float | None, i: int):  # type: ignore[no-untyped-def]
        async for out in ask_go(v, d, limit, i):
            yield out

    with gr.Row(equal_height=False, elem_id="board-grid"):
        with gr.Column(scale=2, min_width=300, elem_id="board-side"):
            picker, new_btn = _picker()
            from_create, picture, prompt, add_pic, add_cont = _adding()
            render_btn = gr.Button(L("board.render"), variant="primary", interactive=False, elem_id="board-render")
            confirm_row, confirm_words, yes, no = _confirm()
            progress = gr.HTML(elem_id="board-progress")
            note = gr.Markdown(elem_id="board-note")
            film = gr.Video(label=L("board.film"), interactive=False, elem_id="board-film", height=200)
            more = _more()
            name, rename, takes, add_take, fade = more.name, more.rename, more.takes, more.add_take, more.fade
            export_btn, delete_board, sure_board, yes_board = more.export, more.delete, more.sure, more.yes
        with gr.Column(scale=3, min_width=300, elem_id="board-shots"):

            @gr.render(inputs=[doc, ask, visitor])
            def cards(d: str, asking: int | None, v: Any) -> None:
                if not d or v is None:
                    gr.Markdown(L("board.no_shots"))
                    return
                board = Board.from_json(d)
                session = ctx.session(v)
                if not board.shots:
                    gr.Markdown(L("board.no_shots"))
                w = SimpleNamespace(doc=doc, note=note, ask=ask, asking=asking, threshold=threshold, outs=outs,
                                    retake_shot=retake, locale=v.locale)  # fmt: skip
                for i in range(len(board.shots)):
                    _card(ctx, visitor, board, i, session, w)

    doc.change(partial(_render_button, ctx), [visitor, doc], [render_btn], **PRIVATE)
    doc.change(lambda d: gr.update(value=json.loads(d)["name"]) if d else gr.update(), [doc], [name], **PRIVATE)
    added_pic = add_pic.click(partial(act.add_picture_shot, ctx), [visitor, doc, picture, prompt], [doc, note],
                              **PRIVATE).then(lambda: (None, ""), None, [picture, prompt], **PRIVATE)  # fmt: skip
    added_cont = add_cont.click(partial(act.add_continue_shot, ctx), [visitor, doc, prompt], [doc, note],
                                **PRIVATE).then(lambda: "", None, [prompt], **PRIVATE)  # fmt: skip

    def start_from_create(v: Any, first: Any, words: str, family: str, res: str, dur: float, aspect: str,
                          audio: bool, fixed: bool) -> tuple[str, str, Any]:  # fmt: skip
        try:
            defaults = choices_for(family, res, dur, aspect, audio, fixed).model_dump()
        except Exception:  # the Create page's settings are only a starting point: the model's defaults will do
            defaults = {}
        d, n = act.from_create(ctx, v, first, words, defaults)
        return d, n, gr.update(selected="storyboard")

    from_create.click(start_from_create, [visitor, create.first, create.prompt, create.family, create.resolution,
                                          create.duration, create.aspect, create.audio, create.camera_fixed],
                      [doc, note, create.tabs], **PRIVATE)  # fmt: skip
    new_btn.click(
        lambda v: ("", voice_of(ctx, v).say(said("board.new")), None), [visitor], [doc, note, film], **PRIVATE
    )
    picker.input(partial(_open, ctx), [visitor, picker], [doc, note, film], **PRIVATE)

    outs += [doc, progress, film, confirm_row, confirm_words]
    rendered = render_btn.click(ask_go, [visitor, doc, threshold], outs, concurrency_limit=None, **PRIVATE)
    confirmed = yes.click(confirmed_go, [visitor, doc, threshold], outs, concurrency_limit=None, **PRIVATE)
    no.click(lambda: gr.update(visible=False), None, [confirm_row], **PRIVATE)
    for ev in (rendered, confirmed, added_pic, added_cont):
        ev.then(partial(_boards, ctx), [visitor, doc], [picker], **PRIVATE)
    fade.release(lambda v, d, x: act.edit(ctx, v, d, lambda b, s: setattr(b, "crossfade", float(x or 0))) if d
                 else (d, ""), [visitor, doc, fade], [doc, note], **PRIVATE)  # fmt: skip
    rename.click(lambda v, d, n: _rename(ctx, v, d, n), [visitor, doc, name], [doc, note], **PRIVATE)
    add_take.click(partial(act.add_history_take, ctx), [visitor, doc, takes], [doc, note], **PRIVATE)
    export_btn.click(partial(act.export, ctx), [visitor, doc], [export_btn], **PRIVATE)
    delete_board.click(lambda d: gr.update(visible=bool(d)), [doc], [sure_board], **PRIVATE)
    yes_board.click(partial(_delete_board, ctx), [visitor, doc], [doc, note, film, sure_board], **PRIVATE).then(
        partial(_boards, ctx), [visitor], [picker], **PRIVATE)  # fmt: skip

    def fill(v: Any) -> tuple[Any, Any]:
        try:
            session = ctx.session(v)
            hist = [(f"{t.prompt[:40] or '(no prompt)'} · seed {t.seed}", t.id)
                    for t in session.history(limit=60) if t.video_path and Path(t.video_path).exists()]  # fmt: skip
        except SeedanceError:
            hist = []
        return _boards(ctx, v), gr.update(choices=hist)

    return lambda ev: ev.then(fill, [visitor], [picker, takes], **PRIVATE)


def _rename(ctx: AppContext, visitor: Visitor, doc: str, name: str) -> tuple[str, str]:
    def change(board: Board, session: Any) -> str:
        board.name = " ".join((name or "").split())[:120] or board.name
        return said("board.renamed", name=board.name)

    return act.edit(ctx, visitor, doc, change)


def _delete_board(ctx: AppContext, visitor: Visitor, doc: str) -> tuple[str, str, Any, Any]:
    if not doc:
        return "", "", None, gr.update(visible=False)
    try:
        act.store_of(ctx.session(visitor)).delete(json.loads(doc)["id"])
    except SeedanceError as e:
        return doc, f"⚠️ {voice_of(ctx, visitor).say(e.said)}", gr.update(), gr.update(visible=False)
    return "", voice_of(ctx, visitor).say(said("board.deleted")), None, gr.update(visible=False)

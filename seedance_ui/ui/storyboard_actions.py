"""What the Storyboard page does, as plain functions over the visitor's Session and their boards (the page module
only wires them to components). Each returns the board as JSON (what the shot cards are drawn from) and a note."""

from __future__ import annotations

import asyncio
import html
import json
import shutil
import time
import uuid
from pathlib import Path
from typing import Any

import gradio as gr

from ..errors import SeedanceError
from ..session import Session
from ..takes.board_run import BoardRun, ShotProgress
from ..takes.states import TakeState
from ..takes.storyboard import SETTINGS, Board, BoardStore, Shot
from ..words.said import Usd, said
from . import words
from .i18n import L_in
from .state import AppContext, Visitor


def store_of(session: Session) -> BoardStore:
    return BoardStore(session.studio.journal, session.owner)


def board_of(ctx: AppContext, visitor: Visitor, doc: str | None) -> tuple[Session, BoardStore, Board]:
    """The visitor's board named in ``doc`` (as the journal has it now), or a new empty one."""
    session = ctx.session(visitor)
    store = store_of(session)
    board_id = json.loads(doc)["id"] if doc else None
    if board_id:
        try:
            return session, store, store.get(board_id)
        except SeedanceError:
            pass
    return session, store, Board.new(session.owner, "My film")


def keep_picture(session: Session, path: str) -> str:
    """A copy of an uploaded picture in the visitor's library: Gradio's cache is swept, the board is kept."""
    src = Path(path)
    dest = session.studio.library_for(session.owner) / "inputs" / f"board_{uuid.uuid4().hex[:10]}{src.suffix.lower()}"
    shutil.copyfile(src, dest)
    return str(dest)


def edit(ctx: AppContext, visitor: Visitor, doc: str | None, change: Any) -> tuple[str, str]:
    """Apply ``change(board, session)`` (which may return a note, a message), save, and give the board back."""
    try:
        session, store, board = board_of(ctx, visitor, doc)
        note = session.say(change(board, session))
        store.save(board)
    except SeedanceError as e:
        return doc or "", f"⚠️ {words.voice(ctx, visitor).say(e.said)}"
    return board.to_json(), note


def add_picture_shot(ctx: AppContext, visitor: Visitor, doc: str | None, picture: str | None, prompt: str):
    def change(board: Board, session: Session) -> str:
        if not picture:
            return said("board.add_picture_first")
        board.add(Shot(image=keep_picture(session, picture), prompt=(prompt or "").strip()))
        return said("board.shot_added", n=len(board.shots))

    return edit(ctx, visitor, doc, change)


def add_continue_shot(ctx: AppContext, visitor: Visitor, doc: str | None, prompt: str):
    def change(board: Board, session: Session) -> str:
        if not board.shots:
            return said("board.first_needs_picture")
        board.add(Shot(cont=True, prompt=(prompt or "").strip()))
        return said("board.shot_continues", n=len(board.shots), before=len(board.shots) - 1)

    return edit(ctx, visitor, doc, change)


def from_create(ctx: AppContext, visitor: Visitor, picture: str | None, prompt: str, defaults: dict[str, Any]):
    """A new board whose first shot is the Create page's picture and prompt, with its settings as the defaults."""
    if not picture:
        return "", words.voice(ctx, visitor).say(said("board.picture_on_create_first"))

    def change(board: Board, session: Session) -> str:
        board.defaults = {k: v for k, v in defaults.items() if k in SETTINGS and v is not None}
        board.add(Shot(image=keep_picture(session, picture), prompt=(prompt or "").strip()))
        return said("board.new_from_picture")

    return edit(ctx, visitor, None, change)


def add_history_take(ctx: AppContext, visitor: Visitor, doc: str | None, take_id: str | None):
    """A History take as a shot: its picture, prompt, seed and settings, with its video already chosen."""

    def change(board: Board, session: Session) -> str:
        take = session.take(take_id or "")
        if not take.first_image or not Path(take.first_image).exists():
            return said("board.take_picture_gone")
        settings = {k: take.settings[k] for k in SETTINGS if k in take.settings and k != "model_id"}
        board.add(Shot(image=take.first_image, prompt=take.prompt, seed=take.seed, take_ids=[take.id],
                       round_ids=[take.id], chosen=take.id if take.state == TakeState.DOWNLOADED else None,
                       settings={"model_id": take.model_id, **settings}))  # fmt: skip
        return said("board.shot_from_history", n=len(board.shots))

    return edit(ctx, visitor, doc, change)


def render_label(ctx: AppContext, visitor: Visitor, doc: str | None) -> tuple[str, bool]:
    """The Render button's words ("Render 3 shots · $0.78"; no money in demo mode) and whether it can be pressed."""
    render = words.voice(ctx, visitor).say(said("board.render"))
    if not doc:
        return render, False
    try:
        session, _, board = board_of(ctx, visitor, doc)
        plans = board.check()
    except SeedanceError:
        return render, bool(doc and json.loads(doc).get("shots"))
    todo = board.todo()
    if not todo:
        film = said("board.film_ready") if board.film_current() else said("board.make_film")
        return session.say(film), not board.film_current()
    label = session.say(said("board.render_one") if len(todo) == 1 else said("board.render_shots", count=len(todo)))
    price = session.say(said("take.price", price=Usd(board.price(plans, todo))))  # none in demo mode
    return " · ".join(x for x in (label, price) if x), True


def progress_html(board: Board, seen: dict[int, ShotProgress], started: float, session: Session) -> str:
    """Each shot's stage, elapsed time and expected time, in one small list (in the session's language)."""
    rows = []
    for i, shot in enumerate(board.shots):
        p = seen.get(i)
        if p is None:
            what = said("board.progress_waiting_for", before=i) if shot.cont and i and not shot.chosen else \
                said("board.progress_ready")  # fmt: skip
            what = said("board.progress_done") if shot.chosen and not shot.stale else what
            line = session.say(what)
        else:
            line = session.say(p.message)
            if p.stage not in ("saved", "failed", "waiting"):
                elapsed = round(p.elapsed)
                took = said("board.progress_time", elapsed=elapsed, expected=round(p.expected)) if p.expected else \
                    said("board.progress_elapsed", elapsed=elapsed)  # fmt: skip
                line += " · " + session.say(took)
        shot_n = session.say(said("board.progress_shot", n=i + 1))
        rows.append(f"<li><b>{html.escape(shot_n)}</b>: {html.escape(line)}</li>")
    shots = html.escape(session.say(said("board.progress_shots")), quote=True)
    total = session.say(said("board.progress_elapsed", elapsed=round(time.monotonic() - started)))
    return f"<ul class='board-progress' aria-label='{shots}'>{''.join(rows)}</ul><p>{html.escape(total)}</p>"


async def render(ctx: AppContext, visitor: Visitor, doc: str | None, threshold: float | None, confirmed: bool,
                 retake: int | None = None):  # fmt: skip
    """Render the board's shots in order, then the film (or, with ``retake``, that one shot again alone): yields
    (board JSON, progress HTML, film, ask-first?)."""
    session, _, board = board_of(ctx, visitor, doc)
    try:
        plans = board.check()
    except SeedanceError as e:
        yield board.to_json(), f"<p role='alert'>⚠️ {html.escape(session.say(e.said))}</p>", None, False
        return
    total = board.price(plans, board.todo() if retake is None else [retake])
    if not session.demo and threshold is not None and float(total) > float(threshold) and not confirmed:
        yield board.to_json(), "", None, True
        return
    seen: dict[int, ShotProgress] = {}
    run = BoardRun(session, board, on_progress=lambda p: seen.__setitem__(p.shot, p))
    started, last = time.monotonic(), board.to_json()
    task = asyncio.create_task(run.render() if retake is None else run.retake(retake))
    while not task.done():
        await asyncio.wait({task}, timeout=0.5)
        now = board.to_json()
        yield (now if now != last else gr.skip()), progress_html(board, seen, started, session), gr.skip(), False
        last = now
    try:
        board = task.result()
    except SeedanceError as e:
        yield board.to_json(), f"<p role='alert'>⚠️ {html.escape(session.say(e.said))}</p>", None, False
        return
    yield board.to_json(), progress_html(board, seen, started, session), film_video(session, board), False


def retake_label(session: Session, board: Board, i: int, locale: str = "en") -> str:
    """A shot's Retake button, with its price first (none in demo mode)."""
    word = L_in(locale, "board.retake")
    try:
        price = board.check()[i].price.total
    except SeedanceError:
        return word
    return " · ".join(x for x in (word, session.say(said("take.price", price=Usd(price)))) if x)


def film_video(session: Session, board: Board) -> str | None:
    if not board.film or not board.film_current():
        return None
    take = session.studio.ledger.get(board.film)
    return take.video_path if take and take.video_path and Path(take.video_path).exists() else None


async def cancel_shot(ctx: AppContext, visitor: Visitor, doc: str | None, i: int) -> str:
    session, _, board = board_of(ctx, visitor, doc)
    try:
        told = await BoardRun(session, board).cancel(i)
    except SeedanceError as e:
        return f"⚠️ {session.say(e.said)}"
    return session.say(said("board.shot_note", n=i + 1, note=" ".join(told)))


def export(ctx: AppContext, visitor: Visitor, doc: str | None) -> str | None:
    """The board as a BOARD.json file to download (pictures by their place on this computer)."""
    if not doc:
        return None
    _, _, board = board_of(ctx, visitor, doc)
    out = ctx.work_dir / f"board-{board.id}.json"
    out.write_text(json.dumps(board.to_spec(), indent=2))
    return str(out)

"""``seedance board``: render a storyboard (BOARD.json) into a film, and list, show, retake, pick, rename, delete
and export the boards kept in the journal. Every shot is a take through the Session."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

from .cli_common import EXIT_OK, EXIT_REFUSED, Refusal, emit, say
from .cli_jobs import _demo_banner, _session
from .errors import InputError
from .plan import Plan
from .session import Session
from .takes.board_run import BoardRun, ShotProgress
from .takes.storyboard import Board, BoardStore, money_text
from .words.said import N_, Said, Usd, said


def _threshold() -> float:
    return float(os.environ.get("SEEDANCE_CONFIRM_ABOVE_USD", "2") or 2)


def _is_file(target: str) -> bool:
    return target.lower().endswith(".json") or Path(target).is_file()


def _load(session: Session, target: str) -> tuple[Board, bool]:
    """The board to render: one of the person's boards by id, or a BOARD.json (an unfinished board read from the
    same file is picked up, not paid for again). True when it is new."""
    store = BoardStore(session.studio.journal, session.owner)
    if not _is_file(target):
        return store.get(target), False
    board = Board.from_file(target, owner=session.owner)
    earlier = store.unfinished_from(board.source)
    return (earlier, False) if earlier is not None else (board, True)


def _price(price_usd: Any) -> Said | Usd | None:
    """The price as it is said: an amount, or (demo mode, no ``price_usd``) a free preview."""
    return said("cli.demo_free") if price_usd is None else Usd.of(price_usd)


def _price_lines(board: Board, plans: list[Plan], todo: list[int], demo: bool) -> tuple[Decimal, Said]:
    total = board.price(plans, todo)
    shots = ", ".join(str(i + 1) for i in todo)
    head = said(N_("cli.board_render_one") if len(todo) == 1 else N_("cli.board_render_many"), count=len(todo), shots=shots,
                price=_price(None if demo else total))  # fmt: skip
    return total, head if todo else said("cli.board_all_rendered")


def _progress(p: ShotProgress, session: Session) -> None:
    task = f" · task id {p.task_id}" if p.task_id and p.stage == "queued" else ""
    if p.stage in ("uploading", "submitting", "queued", "saved", "failed", "waiting", "resuming", "cancelled"):
        say(f"[shot {p.shot + 1} {p.elapsed:5.1f}s] {session.say(p.message)}{task}")


def _report(session: Session, board: Board, total: Decimal, out_dir: Path | None) -> dict[str, Any]:
    shots = []
    for i, s in enumerate(board.shots):
        take = session.studio.ledger.get(s.chosen) if s.chosen else None
        shots.append(
            {
                "shot": i + 1,
                "take_id": s.chosen,
                "video": take.video_path if take else None,
                "seed": take.seed if take else None,
                "takes": s.round_ids,
                "stale": s.stale,
                "continues": s.cont,
                "started_from": s.started_from,
                "problem": str(s.problem or s.waiting or "") or None,
            }
        )  # fmt: skip (JSON keeps the English)
    film = session.studio.ledger.get(board.film) if board.film and board.film_current() else None
    film_video = film.video_path if film else None
    if film_video and out_dir is not None:
        dest = out_dir / Path(film_video).name
        if dest.resolve() != Path(film_video).resolve():
            shutil.copyfile(film_video, dest)
        film_video = str(dest)
    ok = film is not None
    return {"ok": ok, "board_id": board.id, "name": board.name, "price": money_text(total, session.demo),
            "price_usd": None if session.demo else f"{total:.2f}", "shots": shots,
            "film": {"take_id": film.id if film else None, "video": film_video}}  # fmt: skip


def _text(data: dict[str, Any], session: Session) -> str:
    lines = [session.say(said("cli.board_head", board=data["board_id"], name=data["name"],
                              price=_price(data["price_usd"])))]  # fmt: skip
    for s in data["shots"]:
        what = s["video"] or s["problem"] or "not rendered"
        lines.append(f"  shot {s['shot']}: {what}" + (" (out of date)" if s["stale"] else "")
                     + (f" · seed {s['seed']}" if s["seed"] is not None else ""))  # fmt: skip
    lines.append(f"Film: {data['film']['video']} (take {data['film']['take_id']})" if data["film"]["take_id"]
                 else "Film: not made yet (every shot needs a video).")  # fmt: skip
    return "\n".join(lines)


def _render(args: argparse.Namespace, retake: int | None = None) -> int:
    out_dir = Path(args.out) if getattr(args, "out", None) else None
    if out_dir is not None and not out_dir.is_dir():
        raise Refusal(said("cli.board_out_not_folder", out=args.out))
    if _is_file(args.board):  # bad input is refused before start-up, and costs nothing
        Board.from_file(args.board).check()
    fade = getattr(args, "crossfade", None)
    if fade is not None and not 0 <= fade <= 2:
        raise Refusal("--crossfade is the seconds each join blends over: 0 (a cut) to 2.")
    with _session(args) as session:
        board, new = _load(session, args.board)
        board.crossfade = board.crossfade if fade is None else fade
        plans = board.check()
        todo = [retake] if retake is not None else board.todo()
        total, head = _price_lines(board, plans, todo, session.demo)
        if args.price_only:
            emit(args, {"ok": True, "board_id": None if new else board.id, "price": money_text(total, session.demo),
                        "price_usd": None if session.demo else f"{total:.2f}", "shots": todo and [
                            {"shot": i + 1, "price": money_text(plans[i].price.total, session.demo)} for i in todo]},
                 session.say(head))  # fmt: skip
            return EXIT_OK
        if not session.demo and float(total) > _threshold() and not args.yes:
            limit = Usd(Decimal(str(_threshold())))
            raise Refusal(said("cli.board_over_limit", head=head, limit=limit))
        session.preflight(sum(plans[i].takes for i in todo), out_dir)
        _demo_banner(session)
        BoardStore(session.studio.journal, session.owner).save(board)
        say(session.say(said("cli.board_starting", head=head, board=board.id)))
        run = BoardRun(session, board, on_progress=lambda p: _progress(p, session))

        async def go() -> Board:
            try:
                return await (run.retake(retake) if retake is not None else run.render())
            finally:
                await session.aclose()

        board = asyncio.run(go())
        data = _report(session, board, total, out_dir)
    if retake is not None:
        data["ok"] = bool(data["shots"][retake]["take_id"]) and not data["shots"][retake]["problem"]
        data["out_of_date"] = [s["shot"] for s in data["shots"] if s["stale"]]
    emit(args, data, _text(data, session))
    return EXIT_OK if data["ok"] else EXIT_REFUSED


def cmd_render(args: argparse.Namespace) -> int:
    return _render(args)


def cmd_retake(args: argparse.Namespace) -> int:
    if args.shot < 1:
        raise Refusal(said("cli.board_shots_from_one"))
    return _render(args, retake=args.shot - 1)


def _store_cmd(args: argparse.Namespace, act: Any) -> int:
    with _session(args, serve=False) as session:
        store = BoardStore(session.studio.journal, session.owner)
        data, text = act(session, store)
    emit(args, data, text)
    return EXIT_OK


def cmd_list(args: argparse.Namespace) -> int:
    def act(session: Session, store: BoardStore) -> tuple[Any, str]:
        rows = [{"board_id": b.id, "name": b.name, "shots": len(b.shots), "film": b.film if b.film_current() else None,
                 "out_of_date": [i + 1 for i, s in enumerate(b.shots) if s.stale], "updated_at": b.updated_at}
                for b in store.all()]  # fmt: skip
        return rows, "\n".join(f"{r['board_id']}  {r['name']!r}  {r['shots']} shots"
                               + ("  film ready" if r["film"] else "") for r in rows) or session.say(said("cli.no_boards"))  # fmt: skip

    return _store_cmd(args, act)


def cmd_show(args: argparse.Namespace) -> int:
    def act(session: Session, store: BoardStore) -> tuple[Any, str]:
        board = store.get(args.board_id)
        try:
            plans = board.check()
            total = board.price(plans, board.todo())
        except InputError:
            total = Decimal(0)
        data = _report(session, board, total, None) | {"board": board.to_spec()}
        return data, _text(data, session)

    return _store_cmd(args, act)


def cmd_film(args: argparse.Namespace) -> int:
    from .takes.board_run import make_film

    def act(session: Session, store: BoardStore) -> tuple[Any, str]:
        board = store.get(args.board_id)
        if args.crossfade is not None:
            if not 0 <= args.crossfade <= 2:
                raise InputError("--crossfade is the seconds each join blends over: 0 (a cut) to 2.")
            board.crossfade = args.crossfade
        missing = [i + 1 for i, s in enumerate(board.shots) if not s.chosen or s.stale]
        if missing:
            raise InputError(said("cli.board_shots_missing", shots=", ".join(map(str, missing)), board=board.id))
        if not board.film_current():
            make_film(session, board)
        data = _report(session, board, Decimal(0), Path(args.out) if args.out else None)
        return data, _text(data, session)

    return _store_cmd(args, act)


def cmd_pick(args: argparse.Namespace) -> int:
    def act(session: Session, store: BoardStore) -> tuple[Any, str]:
        board = BoardRun(session, store.get(args.board_id)).pick(args.shot - 1, args.take_id)
        stale = [i + 1 for i, s in enumerate(board.shots) if s.stale]
        picked = said(N_("cli.board_picked_stale") if stale else N_("cli.board_picked"), shot=str(args.shot),
                      take=args.take_id, stale=str(stale))  # fmt: skip
        return {"ok": True, "board_id": board.id, "out_of_date": stale}, session.say(picked)

    return _store_cmd(args, act)


def cmd_rename(args: argparse.Namespace) -> int:
    def act(session: Session, store: BoardStore) -> tuple[Any, str]:
        board = store.rename(args.board_id, args.name)
        return {"ok": True, "board_id": board.id, "name": board.name}, session.say(
            said("cli.board_renamed", name=board.name)
        )

    return _store_cmd(args, act)


def cmd_delete(args: argparse.Namespace) -> int:
    def act(session: Session, store: BoardStore) -> tuple[Any, str]:
        store.delete(args.board_id)
        return {"ok": True, "board_id": args.board_id}, session.say(said("cli.board_deleted"))

    return _store_cmd(args, act)


def cmd_export(args: argparse.Namespace) -> int:
    def act(session: Session, store: BoardStore) -> tuple[Any, str]:
        spec = store.get(args.board_id).to_spec()
        return spec, json.dumps(spec, indent=2)

    return _store_cmd(args, act)


def register(add: Any) -> None:
    """``seedance board ...``: ``add(name, fn, help)`` makes the ``board`` command; its actions are subcommands."""
    board = add(
        "board", lambda a: EXIT_REFUSED, help="Storyboards: render a BOARD.json into a film, list and show boards."
    )
    sub = board.add_subparsers(dest="action", required=True, metavar="ACTION", parser_class=type(board))

    def act(name: str, fn: Any, help: str) -> argparse.ArgumentParser:
        sp = sub.add_parser(name, help=help, description=help)
        sp.add_argument("--json", action="store_true", help="print JSON")
        sp.add_argument("--demo-seconds", type=float, default=3.0, help=argparse.SUPPRESS)
        sp.set_defaults(fn=fn)
        return sp

    render = act("render", cmd_render, help="Render a board (BOARD.json, or a board id to finish or re-render what "
                 "is out of date) and make its film; the price comes first.")  # fmt: skip
    retake = act("retake", cmd_retake, help="Render one shot again alone; the shots continuing from it are marked "
                 "out of date.")  # fmt: skip
    for name, sp in (("render", render), ("retake", retake)):
        sp.add_argument("board", help="BOARD.json or a board id" if name == "render" else "a board id")
        if name == "retake":
            sp.add_argument("shot", type=int, help="the shot's number, from 1")
        sp.add_argument("--out", help="folder for the film (a copy also stays in the library)")
        sp.add_argument("--price-only", action="store_true", help="say the price and stop")
        sp.add_argument("--yes", action="store_true", help="render even above the confirmation limit")
        sp.add_argument("--crossfade", type=float, help="seconds each join of the film blends over (default: a cut)")
    act("list", cmd_list, help="List your boards.")
    act("show", cmd_show, help="Show a board: its shots, their chosen takes, the film.").add_argument("board_id")
    sp = act("film", cmd_film, help="Make (or find) a board's film from its chosen takes.")
    sp.add_argument("board_id")
    sp.add_argument("--crossfade", type=float, help="seconds each join blends over (default: the board's; 0 a cut)")
    sp.add_argument("--out", help="folder for a copy of the film")
    sp = act("pick", cmd_pick, help="Choose which take of a shot goes into the film.")
    sp.add_argument("board_id")
    sp.add_argument("shot", type=int)
    sp.add_argument("take_id")
    sp = act("rename", cmd_rename, help="Rename a board.")
    sp.add_argument("board_id")
    sp.add_argument("name")
    act("delete", cmd_delete, help="Delete a board (its takes stay in History).").add_argument("board_id")
    act("export", cmd_export, help="Print a board as BOARD.json.").add_argument("board_id")

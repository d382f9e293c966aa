"""Subcommands that touch takes: generate, history, recover, upscale, stitch (through a Session), and the
emulator."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import re
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from . import images, runtime
from .cli_common import EXIT_OK, EXIT_REFUSED, Refusal, add_choice_args, choices_from, emit, models_in_use, say
from .errors import SeedanceError
from .plan import Plan
from .session import TASK_ID, Session
from .takes.take_run import Progress, TakeResult
from .words.said import N_, said


@contextlib.contextmanager
def _session(args: argparse.Namespace, *, serve: bool = True) -> Iterator[Session]:
    """The same start-up as the app: demo mode (its own journal) when no key is set."""
    rt = runtime.start(demo_processing_seconds=getattr(args, "demo_seconds", 3.0), serve_demo=serve)
    try:
        yield rt.session(locale=getattr(args, "locale", "en"))
    finally:
        rt.close()


def cmd_generate(args: argparse.Namespace) -> int:
    for picture in (args.image, args.last_image):  # only regular files are read: refused at once, before start-up
        if picture is not None:
            images.check_file(picture)
    out_dir = Path(args.out)
    plan = Plan.make(choices_from(args), models=models_in_use())

    def progress(p: Progress) -> None:
        task = f" · task id {p.task_id}" if p.task_id else ""
        say(f"[take {p.index + 1} {p.elapsed:5.1f}s] {session.say(p.message)}{task}")

    with _session(args) as session:
        session.preflight(plan.takes, out_dir)  # before any word of progress: a refusal is one line
        _demo_banner(session)

        async def go() -> list[TakeResult | SeedanceError]:
            try:
                return await session.generate(plan, args.image, args.last_image, fix_images=args.fix_images,
                                              original_size=args.original_size, on_progress=progress)  # fmt: skip
            finally:
                await session.aclose()

        results = asyncio.run(go())
        takes = [_report_take(session, r, out_dir) for r in results]
    ok = all(t["ok"] for t in takes)
    lines = [f"Saved {t['video']}\n  seed {t['seed']} · {t['price']} · task {t['task_id']}" if t["ok"]
             else session.say(said(N_("cli.take_failed_task") if t["task_id"] else N_("cli.take_failed"), number=i + 1,
                                   error=t["error"], money=t["money"], task=t["task_id"]))
             for i, t in enumerate(takes)]  # fmt: skip
    data = takes[0] if len(takes) == 1 else {"ok": ok, "takes": takes}
    emit(args, data, "\n".join(lines))
    return EXIT_OK if ok else EXIT_REFUSED


def _demo_banner(session: Session) -> None:
    if session.demo:
        say(session.say(said("cli.demo_banner")))


def _report_take(session: Session, r: TakeResult | SeedanceError, out_dir: Path) -> dict[str, Any]:
    if isinstance(r, SeedanceError):
        card = session.card(r)
        return {"ok": False, "error": card["title"], "money": card["money"], "hint": card["hint"], "task_id": r.task_id}
    dest = out_dir / r.video_path.name
    try:
        if dest.resolve() != r.video_path.resolve():
            shutil.copyfile(r.video_path, dest)
    except OSError as e:  # paid and safe in the library: say where it is
        error = said("cli.saved_not_copied", video=str(r.video_path), dest=str(dest), why=e.strerror or e)
        return {"ok": False, "error": session.say(error), "money": session.money_line("charged"),
                "hint": "", "task_id": r.take.task_id}  # fmt: skip
    price = "demo preview, free" if session.demo else f"${r.facts['price_usd']}"
    return {"ok": True, "video": str(dest), "price": price, **r.facts}


def cmd_history(args: argparse.Namespace) -> int:
    with _session(args, serve=False) as session:
        takes = session.history(args.search or "", limit=args.limit)
        data = [{"take_id": t.id, "state": t.state, "model_id": t.model_id, "prompt": t.prompt, "seed": t.seed,
                 "price_usd": None if session.demo else t.price_usd, "task_id": t.task_id, "video": t.video_path,
                 "created_at": t.created_at, "error": t.error_message, "note": t.note,
                 "money": session.money_line(t.money) or None}
                for t in takes]  # fmt: skip
    lines = [f"{time.strftime('%Y-%m-%d %H:%M', time.localtime(t['created_at']))}  {t['take_id']}  {t['state']:<11} "
             f"{t['prompt'][:40]!r} seed {t['seed']} {t['video'] or t['error'] or ''}" for t in data]  # fmt: skip
    emit(args, data, "\n".join(lines) or session.say(said("cli.no_takes")))
    return EXIT_OK


_UNFINISHED = {  # (a task id is known, a reason is known): the line for a take still unfinished
    (True, True): N_("cli.unfinished_task_why"), (True, False): N_("cli.unfinished_task"),
    (False, True): N_("cli.unfinished_why"), (False, False): N_("cli.unfinished"),
}  # fmt: skip


def cmd_recover(args: argparse.Namespace) -> int:
    if args.task_id is not None and not re.fullmatch(TASK_ID, args.task_id.strip()):
        raise Refusal(f"'{args.task_id}' doesn't look like a WaveSpeed task id (letters, digits, - and _; see "
                      "`seedance history`).")  # fmt: skip
    with _session(args) as session:
        _demo_banner(session)

        async def go() -> Any:
            try:
                if args.task_id:
                    return await session.recover_task(args.task_id)
                report = await session.recover()
                from .takes.board_run import resume_boards  # storyboards cut short pick up once their takes are back

                for board in await resume_boards(session):
                    resumed = N_("cli.board_resumed_film") if board.film else N_("cli.board_resumed")
                    say(session.say(said(resumed, board=board.id, name=board.name)))
                return report
            finally:
                await session.aclose()

        out = asyncio.run(go())
        if isinstance(out, TakeResult):
            emit(args, {"ok": True, "video": str(out.video_path), **out.facts}, f"Recovered {out.video_path}")
            return EXIT_OK
        left = [{"take_id": t.id, "state": t.state, "task_id": t.task_id, "why": t.error_message,
                 "money": session.money_line(t.money) or None} for t in out.waiting + out.ended]  # fmt: skip
    data = {"recovered": [{"video": str(r.video_path), **r.facts} for r in out.finished],
            "ended": [x for x in left if x["take_id"] in {t.id for t in out.ended}],
            "still_unfinished": [x for x in left if x["take_id"] in {t.id for t in out.waiting}]}  # fmt: skip
    lines = [f"Recovered {r.video_path}" for r in out.finished]
    lines += [session.say(said("cli.recover_ended", take=x["take_id"], state=x["state"],
                               why=x["why"] or said("cli.recover_ended_why"), money=x["money"] or ""))
              for x in data["ended"]]  # fmt: skip
    lines += [session.say(said(_UNFINISHED[bool(x["task_id"]), bool(x["why"])], take=x["take_id"], task=x["task_id"],
                               why=x["why"])) for x in data["still_unfinished"]]  # fmt: skip
    emit(args, data, "\n".join(lines) or session.say(said("cli.nothing_to_recover")))
    return EXIT_OK


def cmd_upscale(args: argparse.Namespace) -> int:
    out_dir = Path(args.out)
    with _session(args) as session:
        session.preflight(1, out_dir)
        _demo_banner(session)

        async def go() -> Any:
            try:
                price = await session.upscale_price(args.take_id, args.to)
                if args.price_only:
                    return price
                say(price.text)
                return await session.upscale(args.take_id, args.to, on_progress=lambda p: say(
                    f"[upscale {p.elapsed:5.1f}s] {session.say(p.message)}" + (f" · task id {p.task_id}" if p.task_id else "")))  # fmt: skip
            finally:
                await session.aclose()

        out = asyncio.run(go())
        if not isinstance(out, TakeResult):
            emit(args, {"ok": True, "take_id": out.take_id, "target": out.target, "width": out.width,
                        "height": out.height, "seconds": out.seconds, "usd": out.usd, "kind": out.kind}, out.text)  # fmt: skip
            return EXIT_OK
        report = _report_take(session, out, out_dir)
    text = (
        f"Saved {report['video']}\n  {report['price']} · task {report['task_id']}" if report["ok"] else report["error"]
    )
    emit(args, report, text)
    return EXIT_OK if report["ok"] else EXIT_REFUSED


def cmd_stitch(args: argparse.Namespace) -> int:
    if Path(args.out).is_dir():
        raise Refusal(said("cli.stitch_out_is_folder", out=args.out))
    with _session(args, serve=False) as session:
        info = session.stitch(list(args.takes), Path(args.out))
        how = said(N_("cli.stitch_copied") if info.get("copied") else N_("cli.stitch_reencoded"))
        text = session.say(said(N_("cli.stitched_sound") if info.get("audio") else N_("cli.stitched"), clips=info["clips"],
                                path=str(info["path"]), how=how))  # fmt: skip
    emit(args, {"ok": True, **info}, text)
    return EXIT_OK


def cmd_emulator(args: argparse.Namespace) -> int:
    import uvicorn

    from seedance_emulator.server import Emulator

    processing: Any = args.processing_seconds
    if args.per_video_second:
        import random

        factor, jitter, rng = args.per_video_second, args.jitter, random.Random(0)

        def processing(job: Any) -> float:
            return factor * float(job.inputs.get("duration", 5)) * (1 + rng.uniform(-jitter, jitter))

    emu = Emulator(args.data_dir, processing_seconds=processing, max_concurrent=args.max_concurrent,
                   render_mode=args.render, catalog_file=args.catalog,
                   test_endpoints=args.test_endpoints, tier=args.tier,
                   minute_seconds=args.minute_seconds)  # fmt: skip
    say(f"WaveSpeed emulator on http://{args.host}:{args.port} (Ctrl-C stops it)")
    uvicorn.run(emu.app, host=args.host, port=args.port, log_level="warning", access_log=False)
    return EXIT_OK


def register(add: Callable[..., argparse.ArgumentParser]) -> None:
    """Add the take subcommands to the parser; ``add(name, fn, help)`` returns the subparser."""
    sp = add("generate", cmd_generate, help="Render a video (demo mode with no WAVESPEED_API_KEY).")
    sp.add_argument("--image", required=True, help="first frame: JPEG or PNG")
    sp.add_argument("--last-image", help="last frame (models that take one)")
    sp.add_argument("--prompt", default="", help="what happens: subject, action, camera, look")
    add_choice_args(sp)
    sp.add_argument("--seed", type=int, help="-1 or unset for random; the seed used is printed")
    sp.add_argument("--camera-fixed", action="store_true", help="keep the camera still")
    sp.add_argument("--fix-images", action="store_true", help="convert or shrink pictures that need it")
    sp.add_argument("--original-size", action="store_true",
                    help="send the picture as it is, not sized to what the model can use")  # fmt: skip
    sp.add_argument("--out", default=".", help="folder for the video (a copy also stays in the library)")
    sp.add_argument("--demo-seconds", type=float, default=3.0, help=argparse.SUPPRESS)

    sp = add("history", cmd_history, help="List past takes from the journal.")
    sp.add_argument("--search", help="filter by prompt, model or task id")
    sp.add_argument("--limit", type=int, default=50)

    sp = add("recover", cmd_recover, help="Finish unfinished takes, or fetch one of your tasks by its id.")
    sp.add_argument("task_id", nargs="?")
    sp.add_argument("--demo-seconds", type=float, default=3.0, help=argparse.SUPPRESS)

    sp = add("upscale", cmd_upscale, help="Upscale a saved take (its id, from `seedance history`) with WaveSpeed's "
             "video upscaler; the price is said before anything is sent.")  # fmt: skip
    sp.add_argument("take_id")
    sp.add_argument("--to", default="1080p", help="1080p, 2k or 4k (default: 1080p)")
    sp.add_argument("--price-only", action="store_true", help="say the price and stop")
    sp.add_argument("--out", default=".", help="folder for the video (a copy also stays in the library)")
    sp.add_argument("--demo-seconds", type=float, default=3.0, help=argparse.SUPPRESS)

    sp = add("stitch", cmd_stitch, help="Join takes (their ids, from `seedance history`) into one video.")
    sp.add_argument("takes", nargs="+")
    sp.add_argument("--out", required=True, help="the MP4 to write")

    sp = add("emulator", cmd_emulator, help="Run the WaveSpeed-compatible emulator.")
    sp.add_argument("--host", default="127.0.0.1")
    sp.add_argument("--port", type=int, default=8787)
    sp.add_argument("--processing-seconds", type=float, default=3.0)
    sp.add_argument("--per-video-second", type=float, default=None,
                    help="processing time = this x the video's duration (benchmarks)")  # fmt: skip
    sp.add_argument("--jitter", type=float, default=0.0, help="with --per-video-second: +- this share, at random")
    sp.add_argument("--max-concurrent", type=int, default=None, help="like WaveSpeed's lowest tier: 2")
    sp.add_argument("--render", choices=("full", "stub"), default="full", help="stub: one tiny clip, for load runs")
    sp.add_argument("--data-dir", default=None)
    sp.add_argument("--catalog", default=None, metavar="FILE",
                    help="serve this file, as it is, as the model list (GET /api/v3/models)")  # fmt: skip
    sp.add_argument("--test-endpoints", action="store_true",
                    help="also serve /_emulator/* (stats, staged faults, reset) for tests and benchmarks")  # fmt: skip
    sp.add_argument("--tier", choices=("bronze", "silver", "gold", "ultra"), default=None,
                    help="keep to a WaveSpeed account level: starts per minute (429 past it) and jobs at once")  # fmt: skip
    sp.add_argument("--minute-seconds", type=float, default=60.0, help=argparse.SUPPRESS)

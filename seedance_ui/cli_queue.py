"""``seedance batch`` and ``seedance queue``: a folder or CSV checked, priced and queued; the queue listed,
paused, resumed, cancelled and run (``takes/queue_runner.py``) within the account's level."""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import uuid
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from .cli_common import EXIT_OK, EXIT_REFUSED, Refusal, emit, say
from .cli_jobs import _demo_banner, _session
from .session import Session
from .takes import batch, levels
from .takes.queue_runner import Pacer, Runner, enqueue, estimate
from .takes.queue_store import QueueStore
from .takes.states import TakeState
from .takes.take_run import Progress
from .words.said import N_, Usd, said


def _tier(session: Session, given: str | None) -> str:
    """The level to keep to: --tier (remembered for the next run), else the one remembered, else auto."""
    store = QueueStore(session.studio.journal)
    if given:
        store.set_meta("tier", levels.parse_tier(given))
    # demo mode's built-in emulator keeps to no account level: pacing it would only make the preview wait
    return store.meta("tier") or ("ultra" if session.demo else "auto")


def _progress(p: Progress, session: Session) -> None:
    task = f" · task id {p.task_id}" if p.task_id else ""
    say(f"[{p.take_id} {p.elapsed:5.1f}s] {session.say(p.message)}{task}")


def _run_queue(session: Session, tier: str) -> dict[str, Any]:
    async def go() -> dict[str, Any]:
        try:
            return await Runner(session, tier=tier, on_progress=lambda p: _progress(p, session)).run()
        finally:
            await session.aclose()

    return asyncio.run(go())


def _confirm(session: Session, total: Decimal, yes: bool) -> None:
    """Spending above the person's limit asks first (a terminal) or needs --yes (a script)."""
    limit = float(os.environ.get("SEEDANCE_CONFIRM_ABOVE_USD", "2") or 2)
    if session.demo or yes or float(total) <= limit:
        return
    amounts = {"total": Usd(total), "limit": Usd(Decimal(str(limit)))}
    if sys.stdin.isatty():
        answer = input(session.say(said("cli.batch_ask", **amounts)) + " ")  # the answer is typed after a space
        if answer.strip().lower() in ("y", "yes"):
            return
        raise Refusal(said("cli.batch_not_sent"))
    raise Refusal(said("cli.batch_over_limit", **amounts))


def _row_line(r: batch.BatchRow, demo: bool) -> str:
    if not r.ok:
        return "\n".join(f"  row {r.number}, {col}: {why}" for col, why in r.problems)
    price = "free preview" if demo else f"${r.price:.2f}"
    takes = f", {r.plan.takes} takes" if r.plan and r.plan.takes > 1 else ""
    return f"  row {r.number}: {r.image} · picture ok · settings ok{takes} · {price}"


def cmd_batch(args: argparse.Namespace) -> int:
    try:
        tier = levels.parse_tier(args.tier) if args.tier else None
    except ValueError as e:
        raise Refusal(str(e)) from None
    rows = batch.read(args.source, args.prompt)
    good, bad = [r for r in rows if r.ok], [r for r in rows if not r.ok]
    total = sum((r.price or Decimal(0) for r in good), Decimal(0))
    refused = [p for r in bad for p in r.to_dict()["problems"]]
    head = f"{len(good)} of {len(rows)} rows can be queued, ${total:.2f} in all"
    table = "\n".join([head, *(_row_line(r, False) for r in rows)])
    if args.price_only or not good:
        emit(args, {"ok": bool(good), "rows": [r.to_dict() for r in rows], "total_usd": str(total),
                    "refused": refused}, table)  # fmt: skip
        return EXIT_OK if good and args.price_only else EXIT_REFUSED
    out_dir = Path(args.out) if args.out else None
    with _session(args) as session:
        _confirm(session, total, args.yes)
        session.preflight(sum(r.plan.takes for r in good if r.plan), out_dir)
        _demo_banner(session)
        say("\n".join([head if not session.demo else f"{len(good)} of {len(rows)} rows can be queued",
                       *(_row_line(r, session.demo) for r in rows)]))  # fmt: skip
        tier_used, batch_id = _tier(session, tier), uuid.uuid4().hex[:12]
        row_of: dict[str, batch.BatchRow] = {}
        for r in good:
            assert r.plan and r.image_path
            for take in enqueue(session, r.plan, r.image_path, r.last_path, batch=batch_id):
                row_of[take.id] = r
        n = said(N_("cli.takes_one") if len(row_of) == 1 else N_("cli.takes_many"), count=len(row_of))
        say(session.say(said("cli.queued_demo", takes=n) if session.demo
                        else said("cli.queued", takes=n, level=tier_used)))  # fmt: skip
        _run_queue(session, tier_used)
        takes = [_outcome(session, tid, row_of[tid], out_dir) for tid in row_of]
    lines = [f"row {t['row']}: " + (f"saved {t['video']}" if t["ok"] else f"{t['reason']}") for t in takes]
    lines += [f"row {p['row']}, {p['column']}: {p['reason']} (not queued)" for p in refused]
    results = (out_dir or session.studio.library_for(session.owner)) / f"batch-{batch_id}.csv"
    batch.write_results(results, [*takes, *({"row": r.number, "image": r.image, "prompt": r.prompt, "state": "refused",
                                              "reason": " ".join(f"{c}: {w}" for c, w in r.problems)} for r in bad)])  # fmt: skip
    lines.append(f"Results: {results}")
    ok = all(t["ok"] for t in takes)
    emit(args, {"ok": ok, "batch": batch_id, "takes": takes, "refused": refused, "results_csv": str(results)},
         "\n".join(lines))  # fmt: skip
    return EXIT_OK if ok else EXIT_REFUSED


def _outcome(session: Session, take_id: str, row: batch.BatchRow, out_dir: Path | None) -> dict[str, Any]:
    take = session.studio.ledger.get(take_id)
    assert take is not None
    video, reason = take.video_path, take.error_message or ("" if take.video_path else f"it is {take.state}")
    if video and out_dir is not None:
        try:
            shutil.copyfile(video, out_dir / Path(video).name)
            video = str(out_dir / Path(video).name)
        except OSError as e:
            reason = f"saved in the library at {video}, but not copied to {out_dir} ({e.strerror or e})"
    return {"row": row.number, "image": row.image, "prompt": take.prompt, "take_id": take.id, "state": take.state,
            "ok": take.state == TakeState.DOWNLOADED, "video": video, "task_id": take.task_id, "reason": reason,
            "money": session.money_line(take.money) or None}  # fmt: skip


def _list(session: Session) -> tuple[dict[str, Any], str]:
    store = QueueStore(session.studio.journal)
    tier = _tier(session, None)
    level = Pacer(store, tier).level
    eta = estimate(session, level)
    items = [{"take_id": i.take.id, "position": i.position, "state": i.take.state, "prompt": i.take.prompt,
              "model_id": i.take.model_id, "task_id": i.take.task_id, "batch": i.batch,
              "eta_seconds": round(eta.get(i.take.id, 0.0), 1)} for i in store.items(session.owner)]  # fmt: skip
    paused = store.paused(session.owner)
    data = {"paused": paused, "tier": tier, "level": level.name, "eta_seconds": round(eta["__all__"], 1),
            "items": items}  # fmt: skip
    lines = [f"{'#' + str(i['position']) if i['position'] else '  '} {i['take_id']} {i['state']:<10} "
             f"ready in ~{_human(i['eta_seconds'])}  {i['prompt'][:50]!r}" for i in items]  # fmt: skip
    lines.append(session.say(said(N_("cli.queue_paused") if paused else N_("cli.queue_summary"), count=len(items),
                                  wait=_human(eta["__all__"]), level=level.name)
                             if items else said("cli.queue_empty")))  # fmt: skip
    return data, "\n".join(lines)


def _human(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.0f} min"


def cmd_queue(args: argparse.Namespace) -> int:
    action = args.action
    if action == "cancel" and not args.id:
        raise Refusal(said("cli.queue_cancel_which"))
    if action != "cancel" and args.id:
        raise Refusal(said("cli.queue_takes_no_id", action=action))
    with _session(args, serve=action in ("run", "cancel")) as session:
        store = QueueStore(session.studio.journal)
        if action == "list":
            data, text = _list(session)
            emit(args, data, text)
            return EXIT_OK
        if action in ("pause", "resume"):
            (store.pause if action == "pause" else store.resume)(session.owner)
            text = session.say(said(N_("cli.queue_paused_now") if action == "pause" else N_("cli.queue_resumed")))
            emit(args, {"ok": True, "paused": action == "pause"}, text)
            return EXIT_OK
        if action == "cancel":
            return _cancel(args, session, store)
        _demo_banner(session)
        results = _run_queue(session, _tier(session, None))
        ended = [session.studio.ledger.get(t) for t in results]
        data = {"ok": all(t is not None and t.state == TakeState.DOWNLOADED for t in ended),
                "takes": [{"take_id": t.id, "state": t.state, "video": t.video_path, "task_id": t.task_id,
                           "reason": t.error_message} for t in ended if t]}  # fmt: skip
    lines = [f"{t['take_id']}: " + (f"saved {t['video']}" if t["video"] else f"{t['state']}: {t['reason']}")
             for t in data["takes"]]  # fmt: skip
    emit(args, data, "\n".join(lines) or session.say(said("cli.nothing_queued")))
    return EXIT_OK if data["ok"] else EXIT_REFUSED


def _cancel(args: argparse.Namespace, session: Session, store: QueueStore) -> int:
    if store.cancel(args.id, session.owner):
        emit(args, {"ok": True, "take_id": args.id}, session.say(said("cli.queue_cancelled")))
        return EXIT_OK
    session.take(args.id)  # not one of theirs: refused plainly

    async def go() -> str:
        try:
            return await session.cancel(args.id)
        finally:
            await session.aclose()

    text = asyncio.run(go())
    emit(args, {"ok": True, "take_id": args.id, "message": text}, text)
    return EXIT_OK


def register(add: Callable[..., argparse.ArgumentParser]) -> None:
    sp = add("batch", cmd_batch, help="Queue and run a folder of pictures (one prompt) or a CSV (a row per video), "
             "within your account level's limits.")  # fmt: skip
    sp.add_argument("source", metavar="FILE.csv|FOLDER")
    sp.add_argument("--prompt", help="the prompt for a folder's pictures (or a CSV's rows without one)")
    sp.add_argument("--tier", help=f"your WaveSpeed account level: {', '.join(levels.TIERS)} (default: auto)")
    sp.add_argument("--price-only", action="store_true", help="check and price every row, queue nothing")
    sp.add_argument("--yes", action="store_true", help="spend above the confirmation limit without asking")
    sp.add_argument("--out", help="also copy the videos to this folder (they always stay in the library)")
    sp.add_argument("--demo-seconds", type=float, default=3.0, help=argparse.SUPPRESS)

    sp = add("queue", cmd_queue, help="List, pause, resume, cancel or run the queue of takes.")
    sp.add_argument("action", nargs="?", default="list", choices=("list", "pause", "resume", "cancel", "run"))
    sp.add_argument("id", nargs="?", help="with cancel: the take id (from `seedance queue list`)")
    sp.add_argument("--demo-seconds", type=float, default=3.0, help=argparse.SUPPRESS)

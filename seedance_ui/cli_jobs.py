"""Subcommands that talk to WaveSpeed (or the built-in emulator): generate, emulator, history, recover, stitch."""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import catalog
from .studio import Progress, Settings

EXIT_OK, EXIT_REFUSED = 0, 2


def _print(args: argparse.Namespace, data: Any, text: str) -> None:
    print(json.dumps(data, indent=2, default=str) if args.json else text)


def _runtime(args: argparse.Namespace) -> Any:
    from . import runtime

    rt = runtime.start(demo_processing_seconds=getattr(args, "demo_seconds", 3.0))
    if rt.demo and not args.json:
        print("DEMO MODE: no WAVESPEED_API_KEY is set, so the built-in emulator renders a free preview.",
              file=sys.stderr)  # fmt: skip
    return rt


def cmd_generate(args: argparse.Namespace) -> int:
    spec = catalog.get_model(args.model)
    settings = Settings(
        model_id=spec.id, prompt=args.prompt, duration=args.duration, resolution=args.resolution,
        aspect_ratio=args.aspect_ratio, generate_audio=args.audio, camera_fixed=args.camera_fixed,
        seed=args.seed if args.seed is not None else -1,
    )  # fmt: skip
    rt = _runtime(args)

    def progress(p: Progress) -> None:
        if not args.json:
            print(f"[{p.elapsed:5.1f}s] {p.message}" + (f" (task {p.task_id})" if p.task_id else ""), file=sys.stderr)

    async def go() -> Any:
        try:
            return await rt.studio.generate(args.image, settings, last=args.last_image, fix_images=args.fix_images,
                                            on_progress=progress)  # fmt: skip
        finally:
            await rt.studio.aclose()

    try:
        result = asyncio.run(go())
    finally:
        rt.close()
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    dest = out_dir / result.video_path.name
    if dest.resolve() != result.video_path.resolve():
        shutil.copyfile(result.video_path, dest)
    facts = {"ok": True, "video": str(dest), **result.facts}
    _print(args, facts, f"Saved {dest}\n  seed {facts['seed']} · ${facts['price_usd']} · task {facts['task_id']}"
           + (" · DEMO PREVIEW" if facts["demo"] else ""))  # fmt: skip
    return EXIT_OK


def cmd_emulator(args: argparse.Namespace) -> int:
    import uvicorn

    from .emulator.server import Emulator

    processing: Any = args.processing_seconds
    if args.per_video_second:
        import random

        factor, jitter, rng = args.per_video_second, args.jitter, random.Random(0)

        def processing(job: Any) -> float:
            return factor * float(job.inputs.get("duration", 5)) * (1 + rng.uniform(-jitter, jitter))

    emu = Emulator(args.data_dir, processing_seconds=processing, max_concurrent=args.max_concurrent,
                   render_mode=args.render)  # fmt: skip
    print(f"WaveSpeed emulator on http://{args.host}:{args.port} (Ctrl-C stops it)", file=sys.stderr, flush=True)
    uvicorn.run(emu.app, host=args.host, port=args.port, log_level="warning", access_log=False)
    return EXIT_OK


def cmd_history(args: argparse.Namespace) -> int:
    from . import paths
    from .journal import Journal

    journal = Journal(paths.journal_path())
    try:
        takes = journal.history(text=args.search or "", limit=args.limit)
    finally:
        journal.close()
    data = [
        {"take_id": t.id, "state": t.state, "model_id": t.model_id, "prompt": t.prompt, "seed": t.seed,
         "price_usd": t.price_usd, "task_id": t.task_id, "video": t.video_path, "created_at": t.created_at,
         "error": t.error_message, "money": t.money}
        for t in takes
    ]  # fmt: skip
    lines = [
        f"{time.strftime('%Y-%m-%d %H:%M', time.localtime(t.created_at))}  {t.state:<10} ${t.price_usd or '?':<5} "
        f"{t.prompt[:40]!r} seed {t.seed} {t.video_path or t.error_message or ''}"
        for t in takes
    ]
    _print(args, data, "\n".join(lines) or "No takes yet.")
    return EXIT_OK


def cmd_recover(args: argparse.Namespace) -> int:
    rt = _runtime(args)

    async def go() -> Any:
        try:
            if args.task_id:
                return [await rt.studio.recover_task(args.task_id)]
            return await rt.studio.recover()
        finally:
            await rt.studio.aclose()

    try:
        results = asyncio.run(go())
        left = [t.id for t in rt.studio.journal.unfinished()]
    finally:
        rt.close()
    data = {"recovered": [{"video": str(r.video_path), **r.facts} for r in results], "still_unfinished": left}
    text = "\n".join(f"Recovered {r.video_path}" for r in results) or "Nothing to recover."
    if left:
        text += f"\n{len(left)} take(s) still unfinished; run this again later."
    _print(args, data, text)
    return EXIT_OK


def cmd_stitch(args: argparse.Namespace) -> int:
    from . import paths, video
    from .journal import Journal

    journal = Journal(paths.journal_path())
    try:
        clips = []
        for item in args.takes:
            take = journal.get(item)
            path = take.video_path if take and take.video_path else item
            if not Path(path).exists():
                print(f"No take or file '{item}'.", file=sys.stderr)
                return EXIT_REFUSED
            clips.append(path)
    finally:
        journal.close()
    try:
        info = video.stitch(clips, args.out)
    except ValueError as e:
        print(str(e), file=sys.stderr)
        return EXIT_REFUSED
    _print(args, info, f"Stitched {info['clips']} clips into {info['path']}"
           + (" (streams copied, no re-encode)" if info["copied"] else " (re-encoded to match sizes)"))  # fmt: skip
    return EXIT_OK


def register(add: Callable[..., argparse.ArgumentParser]) -> None:
    """Add the job subcommands to the parser; ``add(name, fn, help)`` returns the subparser."""
    sp = add("generate", cmd_generate, "Render a video (demo mode with no WAVESPEED_API_KEY).")
    sp.add_argument("--image", required=True, help="first frame: JPEG or PNG")
    sp.add_argument("--last-image", help="last frame (models that take one)")
    sp.add_argument("--prompt", default="", help="what happens: subject, action, camera, look")
    sp.add_argument("--model", default=catalog.DEFAULT_MODEL_ID, help="model id (see 'seedance models')")
    sp.add_argument("--duration", type=int, help="seconds")
    sp.add_argument("--resolution", help="480p, 720p or 1080p")
    sp.add_argument("--aspect-ratio", choices=catalog.ASPECT_RATIOS, help="default: follow the image")
    sp.add_argument("--seed", type=int, help="-1 or unset for random; the seed used is printed")
    sp.add_argument("--audio", action=argparse.BooleanOptionalAction, default=None, help="with sound (V1.5 Pro)")
    sp.add_argument("--camera-fixed", action="store_true", help="keep the camera still")
    sp.add_argument("--fix-images", action="store_true", help="convert or shrink pictures that need it")
    sp.add_argument("--out", default=".", help="folder for the video (a copy also stays in the library)")
    sp.add_argument("--demo-seconds", type=float, default=3.0, help=argparse.SUPPRESS)

    sp = add("emulator", cmd_emulator, "Run the WaveSpeed-compatible emulator.")
    sp.add_argument("--host", default="127.0.0.1")
    sp.add_argument("--port", type=int, default=8787)
    sp.add_argument("--processing-seconds", type=float, default=3.0)
    sp.add_argument("--per-video-second", type=float, default=None,
                    help="processing time = this x the video's duration (benchmarks)")  # fmt: skip
    sp.add_argument("--jitter", type=float, default=0.0, help="with --per-video-second: +- this share, at random")
    sp.add_argument("--max-concurrent", type=int, default=None, help="like WaveSpeed's lowest tier: 2")
    sp.add_argument("--render", choices=("full", "stub"), default="full", help="stub: one tiny clip, for load runs")
    sp.add_argument("--data-dir", default=None)

    sp = add("history", cmd_history, "List past takes from the journal.")
    sp.add_argument("--search", help="filter by prompt, model or task id")
    sp.add_argument("--limit", type=int, default=50)

    sp = add("recover", cmd_recover, "Finish unfinished takes, or fetch any task by its id.")
    sp.add_argument("task_id", nargs="?")

    sp = add("stitch", cmd_stitch, "Join takes (ids or MP4 files) into one video.")
    sp.add_argument("takes", nargs="+")
    sp.add_argument("--out", required=True)

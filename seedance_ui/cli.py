"""The ``seedance`` command: check images, price renders, list models, generate, recover and more.

Every subcommand takes ``--json`` for machine-readable output. Exit codes: 0 success, 2 a plain refusal
(bad image, bad setting, failed render), 1 an unexpected error.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any

from . import catalog, images, pricing
from .errors import SeedanceError

EXIT_OK, EXIT_REFUSED = 0, 2


def _emit(args: argparse.Namespace, data: Any, text: str) -> None:
    if args.json:
        print(json.dumps(data, indent=2, default=str))
    else:
        print(text)


def cmd_check_image(args: argparse.Namespace) -> int:
    try:
        check = images.inspect(args.path)
    except OSError as e:
        return _refuse(args, f"Can't read {args.path}: {e.strerror or e}.")
    lines = [check.summary()] + [f"  note: {n}" for n in check.notes]
    if check.ok:
        lines.append(f"  suggested aspect ratio: {check.suggested_aspect_ratio}")
    _emit(args, check.to_dict(), "\n".join(lines))
    return EXIT_OK if check.ok else EXIT_REFUSED


def cmd_price(args: argparse.Namespace) -> int:
    try:
        spec = catalog.get_model(args.model)
        q = pricing.estimate(
            spec.id,
            duration=args.duration,
            resolution=args.resolution,
            audio=spec.audio_default if args.audio is None else args.audio,
            takes=args.takes,
            aspect_ratio=args.aspect_ratio,
        )
    except (KeyError, ValueError) as e:
        return _refuse(args, str(e.args[0]) if e.args else str(e))
    if args.audio and not spec.accepts_audio:
        return _refuse(args, f"{spec.name} makes silent videos; drop --audio.")
    text = "\n".join(
        [f"{spec.name}, {q.duration} s, {q.resolution}{', with sound' if q.audio else ''}: {q.headline()}",
         f"  ${q.per_second:.4f} per second · {q.source}"]
        + [f"  {w.text()}" for w in q.what_if]
    )  # fmt: skip
    _emit(args, q.to_dict(), text)
    return EXIT_OK


def cmd_models(args: argparse.Namespace) -> int:
    data = [
        {
            "id": m.id,
            "name": m.name,
            "family": m.family,
            "prompt_required": m.prompt_required,
            "last_image": m.accepts_last_image,
            "aspect_ratio": m.accepts_aspect_ratio,
            "audio": m.accepts_audio,
            "resolutions": list(m.resolutions),
            "duration": {"min": m.duration_min, "max": m.duration_max, "default": m.duration_default},
            "fps": catalog.FPS,
            "retiring": m.retiring,
            "notice": m.notice,
            "prices": {
                r: {
                    "per_second_usd": str(pricing.estimate(m.id, m.duration_default, r).per_second.normalize()),
                    "published": p.published,
                    "source": p.source,
                }
                for r, p in m.prices.items()
            },
        }
        for m in catalog.MODELS
    ]
    text = "\n".join(
        f"{m.id}\n  {m.name}: {m.summary}{' (retiring)' if m.retiring else ''}\n"
        f"  {m.duration_min}-{m.duration_max} s, {', '.join(m.resolutions)}"
        for m in catalog.MODELS
    )
    _emit(args, data, text)
    return EXIT_OK


def _refuse(args: argparse.Namespace, message: str, extra: dict | None = None) -> int:
    if getattr(args, "json", False):
        print(json.dumps({"ok": False, "error": message, **(extra or {})}, indent=2))
    else:
        print(message, file=sys.stderr)
    return EXIT_REFUSED


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="seedance", description="Seedance Studio: image-to-video on WaveSpeed AI.")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, fn: Callable[[argparse.Namespace], int], help_: str) -> argparse.ArgumentParser:
        sp = sub.add_parser(name, help=help_, description=help_)
        sp.add_argument("--json", action="store_true", help="print JSON")
        sp.set_defaults(fn=fn)
        return sp

    sp = add("check-image", cmd_check_image, "Check a picture against Seedance's rules.")
    sp.add_argument("path")

    sp = add("price", cmd_price, "Estimate what a render costs.")
    sp.add_argument("--model", default=catalog.DEFAULT_MODEL_ID, help="model id (see 'seedance models')")
    sp.add_argument("--duration", type=int, required=True, help="seconds")
    sp.add_argument("--resolution", help="480p, 720p or 1080p (default: the model's)")
    sp.add_argument("--aspect-ratio", choices=catalog.ASPECT_RATIOS)
    sp.add_argument("--audio", action=argparse.BooleanOptionalAction, default=None, help="with sound (V1.5 Pro)")
    sp.add_argument("--takes", type=int, default=1, help="how many takes (1-4)")

    add("models", cmd_models, "List the Seedance models.")

    from . import cli_jobs

    cli_jobs.register(add)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.fn(args))
    except SeedanceError as e:
        return _refuse(args, e.message + (f" {e.money.sentence}" if e.money else ""), {"card": e.card()})
    except KeyboardInterrupt:
        print("Stopped.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

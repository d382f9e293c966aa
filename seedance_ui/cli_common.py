"""What every ``seedance`` subcommand module shares: exit codes, the plain refusal, output, and the settings
arguments turned into ``Choices``. Subcommand modules import from here, never from ``cli`` (no import circle)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from . import catalog, catalog_live
from .plan import Choices
from .words.said import Said

EXIT_OK, EXIT_REFUSED, EXIT_UNEXPECTED = 0, 2, 1


class Refusal(Exception):
    """A plain refusal raised by a command: printed as one line (or JSON), exit 2. Its message is said in the run's
    language when printed (``cli.main``)."""

    def __init__(self, message: Said | str, extra: dict[str, Any] | None = None) -> None:
        super().__init__(str(message))
        self.message, self.extra = message, extra or {}


def emit(args: argparse.Namespace, data: Any, text: str) -> None:
    print(json.dumps(data, indent=2, default=str) if getattr(args, "json", False) else text)


def say(message: str) -> None:
    """A progress line for the person, on stderr so that --json output stays clean."""
    print(message, file=sys.stderr, flush=True)


def choices_from(args: argparse.Namespace) -> Choices:
    return Choices.of(model_id=args.model, prompt=getattr(args, "prompt", "") or "", duration=args.duration,
                      resolution=args.resolution, aspect_ratio=args.aspect_ratio, generate_audio=args.audio,
                      camera_fixed=getattr(args, "camera_fixed", False), seed=getattr(args, "seed", None),
                      takes=args.takes)  # fmt: skip


def models_in_use() -> tuple[catalog.ModelSpec, ...]:
    """The catalog of this command's key and base URL (``live_catalog`` loaded it), else the built-in list."""
    return catalog_live.models_for(os.environ.get("WAVESPEED_API_KEY", "").strip() or None)


def add_choice_args(sp: argparse.ArgumentParser, *, duration_required: bool = False) -> None:
    sp.add_argument("--model", default=catalog.DEFAULT_MODEL_ID, help="model id (see 'seedance models')")
    sp.add_argument("--duration", type=int, required=duration_required, help="seconds (default: the model's)")
    sp.add_argument("--resolution", help="480p, 720p or 1080p (default: the model's)")
    sp.add_argument("--aspect-ratio", choices=catalog.ASPECT_RATIOS, help="default: match the picture")
    sp.add_argument("--audio", action=argparse.BooleanOptionalAction, default=None,
                    help="sound (V1.5 Pro; on by default there)")  # fmt: skip
    sp.add_argument("--takes", type=int, default=1, help="how many versions at once, 1-4 (one seed each)")

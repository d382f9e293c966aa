"""Subcommands that talk to WaveSpeed (or the built-in emulator): generate, emulator, history, recover, stitch."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def register(add: Callable[..., Any]) -> None:
    """Add the job subcommands to the parser; ``add(name, fn, help)`` returns the subparser."""

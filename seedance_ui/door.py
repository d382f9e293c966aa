"""What the modules that run work for a visitor need of their ``Session``, as a Protocol: they receive the
visitor's session without importing ``session.py`` (which imports them), so no import circle runs through the door.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from .bound_client import BoundClient
from .errors import SeedanceError
from .journal import Take
from .studio import Studio
from .takes.take_run import TakeRunner


class VisitorDoor(Protocol):
    """One visitor's way into the core (``session.Session`` is the one implementation)."""

    studio: Studio
    owner: str
    tab: str

    @property
    def demo(self) -> bool: ...

    @property
    def wavespeed(self) -> BoundClient: ...

    def runner(self) -> TakeRunner: ...

    def preflight(self, takes: int = 1, out_dir: Path | None = None) -> None: ...

    def take(self, take_id: str) -> Take: ...

    async def ended(self, take: Take, e: BaseException, report: Any) -> SeedanceError: ...

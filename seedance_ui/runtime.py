"""The one start-up every mode goes through (the app, each CLI command, the tests): a Studio from the environment,
in demo mode (the built-in emulator, its own journal and library) when no key is set.

The key is read here and handed to sessions; it is never written back to ``os.environ``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from seedance_emulator.server import Emulator, EmulatorServer

from . import paths
from .client import WaveSpeedClient
from .errors import NotReady
from .journal import Journal
from .session import Session
from .studio import Studio
from .words.said import said

DEMO_KEY = "demo-mode-no-charge"


@dataclass
class Runtime:
    studio: Studio
    demo: bool
    base_url: str
    key: str | None = field(default=None, repr=False)
    """The key from the environment (the desktop's); None in demo mode and for a keyless Space."""
    emulator: EmulatorServer | None = None

    def session(self, owner: str = "local", key: str | None = None, tab: str | None = None,
                locale: str = "en") -> Session:  # fmt: skip
        """A visitor's session: their own key when they gave one, else this runtime's; in their language."""
        return Session(self.studio, owner=owner, key=key or self.key, tab=tab, locale=locale)

    def close(self) -> None:
        if self.emulator is not None:
            self.emulator.stop()
        self.studio.journal.close()


def start(
    *,
    key: str | None = None,
    base_url: str | None = None,
    data_dir: Path | None = None,
    demo: bool | None = None,
    demo_processing_seconds: float = 3.0,
    serve_demo: bool = True,
) -> Runtime:
    """Build the Studio. ``demo`` None means: demo exactly when there is no key and no WAVESPEED_BASE_URL.
    ``serve_demo`` False opens a demo runtime's journal and library without starting its emulator (history)."""
    key = key if key is not None else os.environ.get("WAVESPEED_API_KEY", "")
    base = base_url or os.environ.get("WAVESPEED_BASE_URL") or ""
    if demo is None:
        demo = not key and not base
    root = Path(data_dir or os.environ.get("SEEDANCE_DATA_DIR") or "").expanduser()
    try:
        root = root if data_dir or os.environ.get("SEEDANCE_DATA_DIR") else paths.data_dir()
        if demo:
            root = root / "demo"  # demo takes never mix with paid ones
        if root.exists() and not root.is_dir():
            raise NotADirectoryError(20, "it is a file, not a folder")
        root.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise NotReady(said("ready.data_folder", folder=str(root), why=str(e.strerror or e))) from None
    journal = Journal(root / "journal.sqlite3")
    server = None
    if demo and serve_demo:
        server = EmulatorServer(Emulator(root / "emulator", processing_seconds=demo_processing_seconds)).start()
        base, key = server.url, DEMO_KEY
    elif demo:
        key = DEMO_KEY

    def factory() -> WaveSpeedClient:
        return WaveSpeedClient(base_url=base or None)

    try:
        studio = Studio(journal, root / "library", client_factory=factory, demo=demo)
    except OSError as e:
        journal.close()
        raise NotReady(said("ready.library", folder=str(root / "library"), why=str(e.strerror or e))) from None
    return Runtime(studio, demo, base or "https://api.wavespeed.ai", key or None, server)

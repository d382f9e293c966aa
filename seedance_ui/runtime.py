"""Wiring: a Studio from the environment, in demo mode (the built-in emulator) when no key is set.

The key is read here and handed to the client object; it is never written back to ``os.environ``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from . import paths
from .client import WaveSpeedClient
from .emulator.server import Emulator, EmulatorServer
from .journal import Journal
from .studio import Studio

DEMO_KEY = "demo-mode-no-charge"


@dataclass
class Runtime:
    studio: Studio
    demo: bool
    base_url: str
    emulator: EmulatorServer | None = None

    def close(self) -> None:
        if self.emulator is not None:
            self.emulator.stop()
        self.studio.journal.close()


def start(
    *,
    api_key: str | None = None,
    base_url: str | None = None,
    data_dir: Path | None = None,
    demo: bool | None = None,
    demo_processing_seconds: float = 3.0,
) -> Runtime:
    """Build the Studio. ``demo`` None means: demo exactly when there is no key and no WAVESPEED_BASE_URL."""
    key = api_key if api_key is not None else os.environ.get("WAVESPEED_API_KEY", "")
    base = base_url or os.environ.get("WAVESPEED_BASE_URL") or ""
    if demo is None:
        demo = not key and not base
    root = Path(data_dir) if data_dir else paths.data_dir()
    if demo:
        root = root / "demo"  # demo takes never mix with paid ones
    root.mkdir(parents=True, exist_ok=True)
    server = None
    if demo:
        server = EmulatorServer(Emulator(root / "emulator", processing_seconds=demo_processing_seconds)).start()
        base, key = server.url, DEMO_KEY
    journal = Journal(root / "journal.sqlite3")
    library = root / "library"

    def factory() -> WaveSpeedClient:
        return WaveSpeedClient(api_key=key or None, base_url=base or None)

    studio = Studio(journal, library, client_factory=factory, api_key=key or None, demo=demo)
    return Runtime(studio, demo, base or "https://api.wavespeed.ai", server)

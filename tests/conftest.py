import os
import tempfile

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("GRADIO_TEMP_DIR", tempfile.mkdtemp(prefix="seedance-gradio-"))
os.environ.pop("WAVESPEED_API_KEY", None)

import asyncio
import io
import socket

import pytest
from PIL import Image

from seedance_emulator.server import Emulator, EmulatorServer
from seedance_ui.client import PollPolicy, RetryPolicy, Timeouts, WaveSpeedClient

TEST_KEY = "wsk-test-Zx81SECRETvalue"


def make_photo(w: int = 640, h: int = 480, color=(30, 120, 200), fmt: str = "JPEG") -> bytes:
    im = Image.new("RGB", (w, h), color)
    im.paste((250, 20, 20), (0, 0, w // 2, h // 2))
    buf = io.BytesIO()
    im.save(buf, fmt)
    return buf.getvalue()


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def run(coro):
    return asyncio.run(coro)


@pytest.fixture(scope="session")
def emulator_server():
    emu = Emulator(processing_seconds=0.2, reject_keys=("wsk-revoked",), test_endpoints=True)
    with EmulatorServer(emu) as server:
        yield server


@pytest.fixture
def emu(emulator_server):
    emulator_server.emulator.reset()
    emulator_server.emulator.processing_seconds = 0.2
    return emulator_server


def fast_client(base_url: str, key: str = TEST_KEY, **kw) -> WaveSpeedClient:
    """A client with short waits so tests never sleep long; the rules it follows are the real ones."""
    kw.setdefault("timeouts", Timeouts(connect=2, read=2, write=2, pool=2, download=10))
    kw.setdefault("retry", RetryPolicy(base=0.05, maximum=0.3, retry_after_cap=5))
    kw.setdefault("poll", PollPolicy(interval=0.05, near_interval=0.05, max_interval=0.2, first_look=0.05))
    kw.setdefault("deadline", 30)
    return WaveSpeedClient(api_key=key, base_url=base_url, **kw)


# The core through its one door: a Studio on the test emulator, and Sessions over it ---------------------------

V15 = "bytedance/seedance-v1.5-pro/image-to-video"
LITE = "bytedance/seedance-v1-lite-i2v-480p"


def make_studio(base_url: str, folder, *, demo: bool = False, client_factory=None, **kw):
    """A Studio with its own journal and library under ``folder``, on a fast client for ``base_url``.

    Reconciliation looks quickly and gives up after ``list_lag`` (2 s unless a test says otherwise)."""
    from pathlib import Path

    from seedance_ui.journal import Journal
    from seedance_ui.studio import Studio

    kw.setdefault("reconcile_delay", 0.05)
    kw.setdefault("list_lag", 2.0)
    journal = Journal(Path(folder) / "journal.sqlite3", **kw.pop("journal_kw", {}))
    return Studio(journal, Path(folder) / "library", client_factory=client_factory or (lambda: fast_client(base_url)),
                  demo=demo, **kw)  # fmt: skip


def open_session(studio, owner: str = "local", key: str | None = None, tab: str | None = None):
    """A visitor's Session over ``studio``, made the way ``runtime.Runtime.session`` makes one (the one door)."""
    from seedance_ui.session import Session

    return Session(studio, owner=owner, key=key, tab=tab)


def drive(session, make_coro):
    """Run ``make_coro()`` on a fresh event loop and close the session's client before the loop ends."""

    async def go():
        try:
            return await make_coro()
        finally:
            await session.aclose()

    return asyncio.run(go())


def lite_plan(**kw):
    """A quick plan: Seedance V1 Lite 480p, 2 s (49 frames), one take, seed 42 unless told otherwise."""
    from seedance_ui.plan import Choices, Plan

    values = {"model_id": LITE, "prompt": "slow push-in on the subject", "duration": 2, "seed": 42} | kw
    return Plan.make(Choices.of(**values))


@pytest.fixture
def core(emu, tmp_path):
    """A Studio on the shared emulator (closed at the end)."""
    studio = make_studio(emu.url, tmp_path / "data")
    yield studio
    studio.journal.close()


@pytest.fixture
def photo(tmp_path):
    path = tmp_path / "photo.jpg"
    path.write_bytes(make_photo(640, 480))
    return path


# Tables for the lead's note, printed at the end of the run ------------------------------------------------------

TABLES: dict[str, tuple[list[str], list[list[str]]]] = {}


def table_row(table: str, header: list[str], row: list) -> None:
    """Add a row (as seen by a test) to a markdown table printed in the terminal summary."""
    TABLES.setdefault(table, (header, []))[1].append([str(v).replace("|", "\\|").replace("\n", " ") for v in row])


def pytest_terminal_summary(terminalreporter):
    for name, (header, rows) in TABLES.items():
        terminalreporter.write_sep("-", name)
        terminalreporter.write_line("| " + " | ".join(header) + " |")
        terminalreporter.write_line("|" + "---|" * len(header))
        for row in rows:
            terminalreporter.write_line("| " + " | ".join(row) + " |")

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

from seedance_ui.client import PollPolicy, RetryPolicy, Timeouts, WaveSpeedClient
from seedance_ui.emulator.server import Emulator, EmulatorServer

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
    emu = Emulator(processing_seconds=0.2, reject_keys=("wsk-revoked",))
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

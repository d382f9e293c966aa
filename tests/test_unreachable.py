"""WaveSpeed out of reach: starting something fails fast and names the host; waiting on a paid job does not give
up on a network drop shorter than the job's deadline."""

import asyncio
import socket
import threading
import time

import httpx
import pytest
from conftest import fast_client, make_photo, run

from seedance_ui.client import WaveSpeedClient
from seedance_ui.errors import NetworkError
from seedance_ui.policies import RetryPolicy


class OutageTransport(httpx.AsyncBaseTransport):
    """The real network, except that connections are refused while ``down`` is set (a server can't stage that)."""

    def __init__(self) -> None:
        self.real = httpx.AsyncHTTPTransport()
        self.down = False
        self.refused = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            self.refused += 1
            raise httpx.ConnectError("connection refused", request=request)
        return await self.real.handle_async_request(request)

    async def aclose(self) -> None:
        await self.real.aclose()


def test_a_network_drop_longer_than_the_fail_fast_window_does_not_end_the_wait(emu):
    emu.emulator.processing_seconds = 2.5
    outage = OutageTransport()

    async def go():
        async with fast_client(emu.url, transport=outage, retry=RetryPolicy(base=0.05, maximum=0.2,
                                                                            unreachable_after=0.3)) as c:  # fmt: skip
            task = await c.submit("bytedance/seedance-v1-lite-i2v-480p", {"image": await c.upload(
                make_photo(), "p.jpg", "image/jpeg"), "duration": 2, "seed": 1})  # fmt: skip
            outage.down = True  # the network drops for longer than the 0.3 s fail-fast window
            waiting = asyncio.create_task(c.wait(task))
            await asyncio.sleep(1.2)
            outage.down = False
            return await waiting

    done = run(go())
    assert done.status == "completed" and done.outputs and outage.refused >= 3


@pytest.fixture
def silent_server():
    """Accepts connections and never answers."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        sock.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(sock.accept()[0])
            except OSError:
                continue

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    stop.set()
    t.join(2)
    for s in held:
        s.close()
    sock.close()


def test_a_server_that_never_answers_is_reported_within_about_ten_seconds(silent_server):
    """Reliability case 35 with the real defaults: the upload that starts a take gives up in ~10 s, naming the host."""

    async def go():
        async with WaveSpeedClient(api_key="wsk-silent-000001", base_url=silent_server) as c:
            return await c.upload(make_photo(), "p.jpg", "image/jpeg")

    t0 = time.monotonic()
    with pytest.raises(NetworkError) as e:
        run(go())
    took = time.monotonic() - t0
    assert took < 12 and silent_server.removeprefix("http://") in e.value.message
    print(f"\nsilent server reported after {took:.1f} s: {e.value.message}")

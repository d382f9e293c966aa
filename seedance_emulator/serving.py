"""Run an ``Emulator`` under uvicorn in a thread on a loopback port, for tests, benchmarks and demo mode."""

from __future__ import annotations

import socket
import threading
import time
from typing import Any, Protocol


class Served(Protocol):
    """What is served: anything with an ASGI ``app`` (the ``Emulator``)."""

    app: Any


class EmulatorServer:
    """Run an ``Emulator`` under uvicorn in a thread on a loopback port (0 picks a free one)."""

    def __init__(self, emulator: Served, host: str = "127.0.0.1", port: int = 0) -> None:
        self.emulator = emulator
        self.host, self.port = host, port
        self._server: Any = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> EmulatorServer:
        import logging

        import uvicorn

        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        self.port = sock.getsockname()[1]
        # Dropped connections are staged faults: uvicorn's tracebacks for them are noise.
        logging.getLogger("uvicorn.error").setLevel(logging.CRITICAL)
        config = uvicorn.Config(self.emulator.app, log_config=None, access_log=False, lifespan="off",
                                timeout_graceful_shutdown=1, backlog=2048)  # fmt: skip
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]}, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("The emulator did not start.")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

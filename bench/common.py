"""Rows and the table every benchmark prints: figure, ours, anchor, ratio, goal, met."""

from __future__ import annotations

import contextlib
import json
import platform
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx


@dataclass
class Row:
    figure: str
    ours: float
    anchor: float | None
    unit: str
    goal: str
    met: bool | None
    anchor_name: str = ""

    @property
    def ratio(self) -> float | None:
        return self.ours / self.anchor if self.anchor else None


def fmt(v: float | None, unit: str) -> str:
    if v is None:
        return "—"
    if unit == "s":
        return f"{v:.3f} s" if v < 10 else f"{v:.1f} s"
    if unit == "ms":
        return f"{v:.1f} ms"
    if unit == "MB":
        return f"{v:.0f} MB"
    return f"{v:.2f} {unit}".strip()


def table(rows: list[Row]) -> str:
    head = ["figure", "ours", "anchor", "ratio", "goal", "met"]
    body = [[r.figure, fmt(r.ours, r.unit), (fmt(r.anchor, r.unit) + (f" ({r.anchor_name})" if r.anchor_name else ""))
             if r.anchor is not None else "—", f"{r.ratio:.2f}x" if r.ratio is not None else "—", r.goal,
             {True: "yes", False: "NO", None: "—"}[r.met]] for r in rows]  # fmt: skip
    widths = [max(len(str(x)) for x in col) for col in zip(head, *body, strict=False)]
    line = lambda cells: "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"  # noqa: E731
    return "\n".join([line(head), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(line, body)])


def save(rows: list[Row], path: Path, extra: dict | None = None) -> None:
    data = {"machine": f"{platform.machine()}, {platform.python_implementation()} {platform.python_version()}",
            "rows": [asdict(r) | {"ratio": r.ratio} for r in rows], **(extra or {})}  # fmt: skip
    path.write_text(json.dumps(data, indent=2))


def p(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@contextlib.contextmanager
def emulator_process(*args: str) -> Iterator[str]:
    """`seedance emulator ARGS` in its own process (so its work never shares a CPU thread or the GIL with the
    client measured), with its test endpoints; yields its URL once it answers, and stops it at the end."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "seedance_ui.cli", "emulator", "--port", str(port),
                             "--test-endpoints", *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(400):
            try:
                httpx.get(url + "/_emulator/stats", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.05)
        else:
            raise RuntimeError("the emulator did not start")
        yield url
    finally:
        proc.terminate()
        proc.wait(10)

"""Issue 22's bounds, measured: a price beside a runaway formula, the runaway itself, a dripped catalog and a
catalog nested 100,000 deep, each beside the figure the issue measured before (or the same work without the
hostile input).

python -m bench.catalog_door
"""

from __future__ import annotations

import json
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Row, p, table
from seedance_emulator.server import Emulator, EmulatorServer
from seedance_ui import catalog, catalog_door, catalog_live, formula, pricing

RUNAWAY = '($f := function($x){ $f($x + 1) }; {"total_price": $f(1)})'
LITE = "bytedance/seedance-v1-lite-i2v-480p"


def _price_times(seconds: float, beside_runaway: bool) -> list[float]:
    """Times of one model's price, one after another, for ``seconds`` (while a fresh runaway runs, if asked)."""
    spec, times = catalog.get_model(LITE), []
    runaway = None
    if beside_runaway:
        fresh = RUNAWAY.replace("$x + 1", f"$x + {time.monotonic_ns()}")  # never seen: it runs its whole bound

        def run() -> None:
            try:
                formula.evaluate(fresh, 1, {})
            except formula.FormulaUnavailable:
                pass

        runaway = threading.Thread(target=run)
        runaway.start()
    end = time.monotonic() + seconds
    while time.monotonic() < end if runaway is None else runaway.is_alive():
        t0 = time.perf_counter()
        pricing.price_for(spec, 2, "480p", with_what_if=False)
        times.append(time.perf_counter() - t0)
    return times


def _runaway_seconds() -> float:
    fresh = RUNAWAY.replace("$x + 1", f"$x + {time.monotonic_ns()}")
    t0 = time.perf_counter()
    try:
        formula.evaluate(fresh, 1, {})
    except formula.FormulaUnavailable:
        pass
    return time.perf_counter() - t0


def _drip_seconds(folder: Path) -> float:
    path = folder / "models.json"
    path.write_text(json.dumps({"code": 200, "data": catalog.snapshot_items(notes=False)}))
    with EmulatorServer(Emulator(catalog_file=path, catalog_drip=0.5)) as server:
        t0 = time.perf_counter()
        catalog_live.load("wsk-bench-drip", server.url, cache_dir=folder, background=False)
        return time.perf_counter() - t0


def _deep_seconds() -> float:
    text = '{"code": 200, "data": ' + "[" * 100_000 + "]" * 100_000 + "}"
    t0 = time.perf_counter()
    try:
        catalog_door.parse(text)
    except catalog_door.CatalogRefused:
        pass
    return time.perf_counter() - t0


def run() -> list[Row]:
    alone = _price_times(1.0, beside_runaway=False)
    beside = _price_times(0.0, beside_runaway=True)
    bound, given_up = formula.BOUND_SECONDS, _runaway_seconds()
    with tempfile.TemporaryDirectory() as folder:
        drip = _drip_seconds(Path(folder))
    catalog_live.use_snapshot()
    return [
        Row("a price beside a runaway formula, p95", p(beside, 95) * 1000, p(alone, 95) * 1000, "ms",
            f"< {bound * 1000:.0f} ms", p(beside, 95) < bound, "the same price alone"),
        Row("a price beside a runaway formula, slowest", max(beside) * 1000, max(alone) * 1000, "ms",
            f"< {bound * 1000:.0f} ms", max(beside) < bound, "the same price alone"),
        Row("a runaway formula given up", given_up, None, "s", f"<= {bound + 0.1:.1f} s",
            given_up <= bound + 0.1),
        Row("a catalog dripped a byte each 0.5 s: back on the snapshot", drip, 60.0, "s",
            f"<= {catalog_door.DEADLINE + 1:.0f} s", drip <= catalog_door.DEADLINE + 1, "before: still reading"),
        Row("a catalog nested 100,000 deep refused", _deep_seconds() * 1000, None, "ms", "no RecursionError", True),
    ]  # fmt: skip


if __name__ == "__main__":
    print(table(run()))

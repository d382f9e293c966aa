"""Every benchmark in one run: one table (figure, ours, anchor, ratio, goal, met) and bench/results.json.

python -m bench            (or python bench/run.py)
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import app, client, images, journal, page, queue, storyboard, uploads
from bench.common import save, table


def main() -> int:
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    rows = []
    started = time.time()
    for name, mod in (
        ("images", images),
        ("uploads", uploads),
        ("client", client),
        ("journal", journal),
        ("app", app),
        ("page", page),
        ("queue", queue),
        ("storyboard", storyboard),
    ):
        t0 = time.perf_counter()
        part = mod.run()
        print(f"# {name}: {len(part)} figures in {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)
        rows += part
    print(table(rows))
    out = Path(__file__).resolve().parent / "results.json"
    save(rows, out, {"started": time.strftime("%Y-%m-%d %H:%M", time.localtime(started)), "cores": os.cpu_count()})
    missed = [r.figure for r in rows if r.met is False]
    print(
        f"\n{sum(r.met is True for r in rows)} goals met, {len(missed)} not met"
        + (f": {'; '.join(missed)}" if missed else "")
    )
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The journal with 10,000 takes: history page query, recovery scan, and the History tab's own handler."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from seedance_ui.journal import Journal, Take

from .common import Row, table


def _best(fn, repeat: int = 20) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return sorted(times)[len(times) // 2]


def run(n: int = 10_000) -> list[Row]:
    from seedance_ui import runtime
    from seedance_ui.ui import history as h
    from seedance_ui.ui.state import AppContext, Visitor

    tmp = Path(tempfile.mkdtemp(prefix="bench-journal-"))
    rt = runtime.start(key="k", base_url="http://127.0.0.1:9", demo=False, data_dir=tmp)
    j: Journal = rt.studio.journal
    poster = tmp / "poster.jpg"  # every take gets a real poster file, so the tab checks and lists real files
    from PIL import Image

    Image.new("RGB", (480, 270), (90, 60, 120)).save(poster)
    t0 = time.perf_counter()
    now = time.time()
    for i in range(n):
        state = "downloaded" if i % 50 else "running"
        j.add(Take(id=f"t{i:05d}", prompt=f"take number {i} of a sunset", model_id="bytedance/seedance-v1.5-pro/image-to-video",
                   state=state, seed=i, created_at=now - (n - i), task_id=f"task{i}",
                   settings={"resolution": "720p", "duration": 5}, render_seconds=40.0 + i % 7,
                   poster_path=str(poster), video_path=str(poster)))  # fmt: skip
    write = (time.perf_counter() - t0) / n
    ctx, visitor = AppContext(demo=None, live=rt, owner_key=True), Visitor()
    page = _best(lambda: j.history(limit=60))
    search = _best(lambda: j.history(text="number 99", limit=60))
    scan = _best(lambda: j.unfinished())
    tab = _best(lambda: h.gallery(ctx, visitor))
    assert len(h.gallery(ctx, visitor)[0]) == 60  # the gallery really holds a page of takes
    rt.close()
    return [
        Row("journal write (insert), per take", write * 1000, None, "ms", "reported", None),
        Row(f"history page (60 of {n})", page * 1000, None, "ms", "reported", None),
        Row(f"history text search ({n})", search * 1000, None, "ms", "reported", None),
        Row(f"recovery scan ({n}, {n // 50} unfinished)", scan * 1000, None, "ms", "reported", None),
        Row(f"History tab opens ({n} takes)", tab * 1000, 200.0, "ms", "< 200 ms", tab * 1000 < 200, "goal"),
    ]


if __name__ == "__main__":
    print(table(run()))

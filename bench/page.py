"""The page as a person first sees it, in Debian's Chromium.

- From our page's first paint (its title on screen) to the price and the framing hint: the goal is 0.5 s, since
  nothing that waits on WaveSpeed may stand in front of them.
- From navigation to the price, beside a bare ``gr.Blocks()`` page's first paint: what Gradio's own frontend costs
  before any of our content can show.

python -m bench.page
"""

from __future__ import annotations

import statistics
import tempfile
from pathlib import Path

from .app import ROOT, _start, _stop
from .common import Row, table

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]  # fmt: skip


def _seconds_to(url: str, runs: int, ours: bool) -> list[tuple[float, float]]:
    """Per load: (seconds from navigation to the first paint of content, to the price and framing hint)."""
    from playwright.sync_api import sync_playwright

    out = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for _ in range(runs + 1):  # the first visit warms the browser's cache of Gradio's scripts
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            page.goto(url, wait_until="commit")
            page.locator("#title" if ours else "text=hello").first.wait_for(state="visible", timeout=30_000)
            painted = page.evaluate("performance.now()") / 1000  # since this navigation began
            priced = painted
            if ours:
                page.locator(".price-card").first.wait_for(state="visible", timeout=30_000)
                page.get_by_text("Add a first image to see how it will be framed.").wait_for(state="visible")
                priced = page.evaluate("performance.now()") / 1000
            out.append((painted, priced))
            page.close()
        browser.close()
    return out[1:]


def run(runs: int = 5) -> list[Row]:
    from .app import BARE

    tmp = Path(tempfile.mkdtemp(prefix="bench-page-"))
    bare_script = tmp / "bare_app.py"
    bare_script.write_text(BARE)
    proc, url, _ = _start(ROOT / "app.py", tmp / "data")
    try:
        ours = _seconds_to(url, runs, ours=True)
    finally:
        _stop(proc)
    proc, url, _ = _start(bare_script, tmp / "bare")
    try:
        bare = statistics.median(p for p, _ in _seconds_to(url, runs, ours=False))
    finally:
        _stop(proc)
    after_paint = [priced - painted for painted, priced in ours]
    gap = statistics.median(after_paint)
    spread = f"{min(after_paint):.2f}-{max(after_paint):.2f} s over {runs} loads"
    return [
        Row(f"first price and framing after our page paints ({spread})", gap, None, "s", "<= 0.5 s", gap <= 0.5),
        Row("first price and framing after navigation", statistics.median(q for _, q in ours), bare, "s", "reported",
            None, "bare gr.Blocks() first paint"),
    ]  # fmt: skip


if __name__ == "__main__":
    print(table(run()))

"""The app as a person meets it, started with `python app.py` (demo mode) in its own process.

- Start-up: time from `python app.py` to the first page served, beside a bare gr.Blocks() app launched the same way.
- 20 visitors, one take each at once, beside one take alone, three runs (median, spread printed). The visitors are
  as light as browser tabs (``light_visitor.py``: Gradio's HTTP queue protocol over one async httpx client), since
  20 gradio_client instances spent 2.3 s of CPU per crowd on the same two cores as the app (which spent 0.5 s):
  that measured the clients. The gradio_client crowd is still reported. The app talks to an emulator in its own
  process, since rendering is WaveSpeed's work, not the app's.
- Memory: peak RSS with 20 takes at once on ~10 MB pictures, beside the idle app.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import numpy as np
from PIL import Image

from .common import Row, free_port, table
from .light_visitor import crowd as light_crowd

TAKE = {"model_id": "bytedance/seedance-v1.5-pro/image-to-video", "duration": 4, "resolution": "480p",
        "aspect_ratio": "16:9", "generate_audio": False}  # fmt: skip

ROOT = Path(__file__).resolve().parent.parent
BARE = "import gradio as gr\nwith gr.Blocks() as demo:\n    gr.Markdown('hello')\ndemo.launch()\n"


def _start(script: Path, data: Path, api: str | None = None) -> tuple[subprocess.Popen, str, float]:
    """Start an app; with ``api`` it talks to that server with a key instead of running demo mode."""
    port = free_port()
    env = {**os.environ, "GRADIO_SERVER_PORT": str(port), "GRADIO_SERVER_NAME": "127.0.0.1",
           "GRADIO_ANALYTICS_ENABLED": "False", "SEEDANCE_DATA_DIR": str(data)}  # fmt: skip
    env.pop("WAVESPEED_API_KEY", None)
    if api:
        env |= {"WAVESPEED_API_KEY": "bench-key", "WAVESPEED_BASE_URL": api, "SEEDANCE_CONFIRM_ABOVE_USD": "1000"}
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(script)], cwd=script.parent, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    url = f"http://127.0.0.1:{port}/"
    while time.perf_counter() - t0 < 120:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return proc, url, time.perf_counter() - t0
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    proc.kill()
    raise RuntimeError(f"{script.name} did not serve a page")


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


def _mem(pid: int, field: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def startup(runs: int = 3) -> list[Row]:
    tmp = Path(tempfile.mkdtemp(prefix="bench-app-"))
    bare = tmp / "bare_app.py"
    bare.write_text(BARE)
    ours_t, bare_t = [], []
    for i in range(runs):
        for script, out in ((ROOT / "app.py", ours_t), (bare, bare_t)):
            proc, _, took = _start(script, tmp / f"data{i}")
            out.append(took)
            _stop(proc)
    ours, anchor = statistics.median(ours_t), statistics.median(bare_t)
    return [Row("start-up: `python app.py` to first page", ours, anchor, "s", "<= 1.3x bare gr.Blocks()",
                ours <= 1.3 * anchor, "bare gr.Blocks()")]  # fmt: skip


def _photo(path: Path, big: bool) -> Path:
    if big:  # grain that compresses to just under 10 MB as a JPEG
        rng = np.random.default_rng(3)
        arr = rng.integers(0, 255, (2700, 3600, 3), dtype=np.uint8)
        for q in (92, 90, 88, 85, 80, 75, 70):
            Image.fromarray(arr).save(path, "JPEG", quality=q)
            if path.stat().st_size <= 10_000_000:
                break
    else:
        Image.new("RGB", (1280, 720), (40, 90, 160)).save(path, "JPEG")
    return path


def _connect(url: str, n: int) -> list:
    """Visitors who already have the page open: their connections exist before anyone presses Generate."""
    from gradio_client import Client

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(lambda _: Client(url, verbose=False), range(n)))


def _take(client, image: Path) -> float:  # type: ignore[no-untyped-def]
    from gradio_client import handle_file

    t0 = time.perf_counter()
    client.predict(handle_file(str(image)), "slow push-in", "bytedance/seedance-v1.5-pro/image-to-video", 4, "480p",
                   "16:9", False, False, -1, None, api_name="/generate")  # fmt: skip
    return time.perf_counter() - t0


def _crowd(clients: list, image: Path) -> float:
    t0 = time.perf_counter()
    with ThreadPoolExecutor(len(clients)) as pool:
        list(pool.map(lambda c: _take(c, image), clients))
    return time.perf_counter() - t0


def visitors(n: int = 20) -> list[Row]:
    """The app against an emulator in its own process (stub renders): rendering is WaveSpeed's work, not the app's,
    so this measures the app. The same crowd in demo mode, where this machine also renders every clip, is reported."""
    from .client import emulator

    tmp = Path(tempfile.mkdtemp(prefix="bench-visitors-"))
    small = _photo(tmp / "small.jpg", big=False)
    big = _photo(tmp / "big.jpg", big=True)
    rows = []
    with emulator(per_video_second=0.75, jitter=0.0) as api:  # a 4 s video takes 3 s, as in demo mode
        proc, url, _ = _start(ROOT / "app.py", tmp / "data", api=api)
        try:
            light = [asyncio.run(light_crowd(url, small, n, **TAKE)) for _ in range(3)]
            clients = _connect(url, n)
            _take(clients[0], small)  # warm up
            alone = min(_take(clients[0], small) for _ in range(2))
            together = _crowd(clients, small)
            idle = _mem(proc.pid, "VmRSS")
            before = _mem(proc.pid, "VmHWM")
            _crowd(clients, big)
            peak = _mem(proc.pid, "VmHWM")
        finally:
            _stop(proc)
    ratios = sorted(t / a for a, t in light)
    mid = sorted(light, key=lambda at: at[1] / at[0])[1]
    rows += [
        Row(f"{n} visitors at once, one take each (3 runs: {ratios[0]:.2f}x-{ratios[-1]:.2f}x)", mid[1], mid[0], "s",
            "<= 1.3x one take alone", mid[1] <= 1.3 * mid[0], "one take alone"),
        Row(f"the same through {n} gradio_client instances", together, alone, "s", "reported", None,
            "one take alone"),
        Row(f"peak memory, {n} takes at once on {big.stat().st_size / 1e6:.1f} MB pictures", peak, idle, "MB",
            "reported", None, "idle app"),
        Row(f"peak memory, {n} takes at once on small pictures", before, idle, "MB", "reported", None, "idle app"),
    ]  # fmt: skip
    proc, url, _ = _start(ROOT / "app.py", tmp / "demo")
    try:
        clients = _connect(url, n)
        _take(clients[0], small)
        alone = min(_take(clients[0], small) for _ in range(2))
        together = _crowd(clients, small)
    finally:
        _stop(proc)
    rows.append(Row(f"demo mode: {n} visitors, this machine renders every clip", together, alone, "s", "reported",
                    None, "one take alone"))  # fmt: skip
    return rows


def core_crowd(n: int = 20) -> list[Row]:
    """The same crowd straight through the Studio (no Gradio, no gradio_client): what the app layer adds."""
    import asyncio

    from seedance_ui import runtime
    from seedance_ui.plan import Choices, Plan

    from .client import emulator

    tmp = Path(tempfile.mkdtemp(prefix="bench-core-"))
    img = _photo(tmp / "s.jpg", big=False)
    with emulator(per_video_second=0.75, jitter=0.0) as api:
        rt = runtime.start(key="bench-key", base_url=api, demo=False, data_dir=tmp)

        async def crowd(k: int) -> float:
            t0 = time.perf_counter()
            plans = [Plan.make(Choices(prompt="slow push-in", duration=4, resolution="480p", generate_audio=False,
                                       seed=i)) for i in range(k)]  # fmt: skip
            await asyncio.gather(*(rt.session(owner=f"v{i}").generate(plans[i], img) for i in range(k)))
            await rt.studio.aclose()
            return time.perf_counter() - t0

        try:
            asyncio.run(crowd(1))
            alone = min(asyncio.run(crowd(1)) for _ in range(2))
            together = asyncio.run(crowd(n))
        finally:
            rt.close()
    return [Row(f"core only: {n} takes at once through the Studio", together, alone, "s", "reported", None,
                "one take alone")]  # fmt: skip


def run() -> list[Row]:
    return startup() + visitors() + core_crowd()


if __name__ == "__main__":
    print(table(run()))

"""Our client against the official `wavespeed` SDK on the same workload, against the emulator (in its own process).

- Notice latency: time from the server finishing a job to the caller holding the result (p50, p95), and result
  polls per job, for 30 jobs whose processing times spread over 2-8 s.
- Concurrency: 100 jobs at once from one process vs the slowest single job alone.
- Emulator render speed: a 5 s 720p clip vs real time.
- Scaling: overhead and memory of our client at 1, 10, 100, 500 concurrent jobs.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import io
import os
import re
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from PIL import Image

from seedance_ui.client import EtaModel, WaveSpeedClient

from .common import Row, emulator_process, p, table

MODEL = "bytedance/seedance-v1-lite-i2v-480p"
KEY = "bench-key"
DURATIONS = [3, 4, 5, 6, 7, 8, 9, 10, 11]
PER_VIDEO_SECOND = 0.7  # processing 2.1-7.7 s, not in step with any poll interval
JITTER = 0.03


def _image() -> str:
    buf = io.BytesIO()
    Image.new("RGB", (320, 320), (40, 90, 160)).save(buf, "JPEG")
    return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode()


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def emulator(
    per_video_second: float = PER_VIDEO_SECOND, jitter: float = JITTER
) -> contextlib.AbstractContextManager[str]:
    """`seedance emulator` in its own process, so its work never shares a CPU thread or the GIL with a client."""
    return emulator_process("--render", "stub", "--per-video-second", str(per_video_second), "--jitter", str(jitter))


def _stats(url: str) -> dict:
    return httpx.get(url + "/_emulator/stats").json()["counts"]


def _finished_at(url: str) -> dict[str, float]:
    return {k: v["completed_at"] for k, v in httpx.get(url + "/_emulator/jobs").json().items() if v["completed_at"]}


async def _ours(url: str, durations: list[int], eta: EtaModel) -> list[tuple[str, float]]:
    image = _image()
    async with WaveSpeedClient(api_key=KEY, base_url=url, eta=eta) as c:

        async def one(d: int) -> tuple[str, float]:
            task = await c.submit(MODEL, {"image": image, "duration": d, "seed": d})
            await c.wait(task, eta_key=(MODEL, "480p", d))
            return task, time.time()

        return await asyncio.gather(*(one(d) for d in durations))


def _sdk(url: str, durations: list[int]) -> list[tuple[str, float]]:
    import wavespeed

    client = wavespeed.Client(api_key=KEY, base_url=url)
    image = _image()

    def one(d: int) -> tuple[str, float]:
        out = client.run(MODEL, {"image": image, "duration": d, "seed": d})
        done = time.time()
        return re.search(r"/emu/files/([0-9a-f]+)\.mp4", out["outputs"][0]).group(1), done

    with ThreadPoolExecutor(len(durations)) as pool:
        return list(pool.map(one, durations))


def notice_latency(jobs: int = 30) -> list[Row]:
    durations = [DURATIONS[i % len(DURATIONS)] for i in range(jobs)]
    eta = EtaModel()
    with emulator() as url:
        asyncio.run(_ours(url, durations, eta))  # a first batch teaches the poller what to expect
        before = _stats(url).get("result", 0)
        ours = asyncio.run(_ours(url, durations, eta))
        our_polls = (_stats(url).get("result", 0) - before) / jobs
        before = _stats(url).get("result", 0)
        sdk = _sdk(url, durations)
        sdk_polls = (_stats(url).get("result", 0) - before) / jobs
        finished = _finished_at(url)
    our_lat = [t - finished[i] for i, t in ours]
    sdk_lat = [t - finished[i] for i, t in sdk]
    return [
        Row(f"notice latency p50 ({jobs} jobs, 2.1-7.7 s)", p(our_lat, 50), p(sdk_lat, 50), "s",
            "<= 0.5x SDK", p(our_lat, 50) <= 0.5 * p(sdk_lat, 50), "SDK run()"),
        Row("notice latency p95", p(our_lat, 95), p(sdk_lat, 95), "s", "reported", None, "SDK run()"),
        Row("result polls per job", our_polls, sdk_polls, "", "<= SDK", our_polls <= sdk_polls, "SDK run()"),
    ]  # fmt: skip


def concurrency(jobs: int = 100) -> list[Row]:
    durations = [DURATIONS[i % len(DURATIONS)] for i in range(jobs)]
    with emulator() as url:
        t0 = time.perf_counter()
        asyncio.run(_ours(url, [max(DURATIONS)], EtaModel()))
        single = time.perf_counter() - t0
        t0 = time.perf_counter()
        asyncio.run(_ours(url, durations, EtaModel()))
        many = time.perf_counter() - t0
    return [Row(f"{jobs} jobs at once, wall time", many, single, "s", "<= 1.3x slowest single job",
                many <= 1.3 * single, "slowest job alone")]  # fmt: skip


def render_speed() -> list[Row]:
    from seedance_emulator.render import ClipSpec, render_clip

    img = Image.new("RGB", (1600, 1200), (30, 120, 200))
    img.paste((250, 20, 20), (0, 0, 800, 600))
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        render_clip(img, ClipSpec(1280, 720, 5, "slow push-in", seed=1), io.BytesIO())
        times.append(time.perf_counter() - t0)
    best = min(times)
    return [Row("emulator render, 5 s 720p clip", best, 5.0, "s", "<= 0.33x real time (3x faster)", best <= 5 / 3,
                "real time")]  # fmt: skip


def scaling(levels: tuple[int, ...] = (1, 10, 100, 500)) -> list[Row]:
    """Client overhead (wall minus the 2 s of processing) and memory growth as concurrent jobs grow."""
    rows = []
    with emulator(per_video_second=1.0, jitter=0.0) as url:
        for n in levels:
            rss0 = _rss_mb()
            t0 = time.perf_counter()
            asyncio.run(_ours(url, [2] * n, EtaModel()))
            wall = time.perf_counter() - t0
            rows.append(Row(f"scaling: {n} concurrent 2 s jobs, overhead", wall - 2.0, None, "s", "reported", None))
            rows.append(Row(f"scaling: {n} concurrent jobs, memory growth", max(0.0, _rss_mb() - rss0), None, "MB",
                            "reported", None))  # fmt: skip
    return rows


def run() -> list[Row]:
    return notice_latency() + concurrency() + render_speed() + scaling()


if __name__ == "__main__":
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    print(table(run()))

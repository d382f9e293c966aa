"""Case 27, not part of CI (`pytest tests/reliability -m soak -s -n 0`): thousands of accelerated jobs through the
client and the journal; memory, open files, connections and temp files must stay flat."""

import asyncio
import os
import tempfile
import time
from pathlib import Path

import pytest
from conftest import fast_client

from seedance_ui.journal import Journal, Take

pytestmark = pytest.mark.soak

JOBS = int(os.environ.get("SOAK_JOBS", "3000"))
BATCH = 100


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def _conns() -> int:
    return sum(1 for line in Path("/proc/net/tcp").read_text().splitlines()[1:] if line.split()[3] == "01")


def test_soak_stays_flat(emu, tmp_path):
    emu.emulator.processing_seconds = 0.05
    emu.emulator.render_mode = "stub"
    journal = Journal(tmp_path / "soak.sqlite3")
    temp_before = len(os.listdir(tempfile.gettempdir()))
    samples = []

    async def batch(c, start: int) -> None:
        async def one(i: int) -> None:
            journal.add(Take(id=f"s{i}", prompt="soak", seed=i))
            task = await c.submit("bytedance/seedance-v1-lite-i2v-480p",
                                  {"image": "data:image/jpeg;base64,/9j/", "duration": 2, "seed": i})  # fmt: skip
            journal.update(f"s{i}", state="submitted", task_id=task)
            try:
                p = await c.wait(task)
                journal.update(f"s{i}", state="completed", output_url=p.outputs[0])
            except Exception as e:  # a broken stub picture fails the task: still a final state
                journal.update(f"s{i}", state="failed", error_message=type(e).__name__)

        await asyncio.gather(*(one(i) for i in range(start, start + BATCH)))

    async def go() -> None:
        async with fast_client(emu.url) as c:
            for start in range(0, JOBS, BATCH):
                await batch(c, start)
                emu.emulator.jobs.clear()  # the service forgets old jobs too (7 days there)
                samples.append((start + BATCH, _rss_mb(), _fds(), _conns()))

    t0 = time.perf_counter()
    try:
        asyncio.run(go())
    finally:
        emu.emulator.render_mode = "full"
    took = time.perf_counter() - t0
    first, last = samples[1], samples[-1]  # after one warm batch
    print(f"\nsoak: {JOBS} jobs in {took:.0f} s; rss {first[1]:.0f} -> {last[1]:.0f} MB, fds {first[2]} -> {last[2]}, "
          f"established tcp {first[3]} -> {last[3]}, temp files {temp_before} -> {len(os.listdir(tempfile.gettempdir()))}")  # fmt: skip
    assert journal.count() == JOBS and not journal.unfinished()
    assert last[1] - first[1] < 40, "memory grew"
    assert last[2] - first[2] <= 10, "file descriptors leaked"
    assert last[3] - first[3] <= 20, "connections leaked"
    assert len(os.listdir(tempfile.gettempdir())) - temp_before <= 5, "temp files leaked"
    journal.close()

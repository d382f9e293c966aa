"""The queue's proofs, with real processes against an emulator that keeps to an account level (its minute
shortened, and the runners told the same through SEEDANCE_RATE_MINUTE):

- ``seedance batch`` (5 good rows, 2 bad) SIGKILLed after its first two POSTs, then ``seedance queue run``:
  5 jobs, no 429, nothing sent for the bad rows, 5 videos with 5 distinct task ids in ``seedance history``.
- an in-process runner (as the app runs one) and ``seedance queue run`` on one data folder at once: each of 10
  queued takes submitted exactly once, both runners worked, and together they kept to Bronze (no 429).
"""

import asyncio
import csv
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import LITE, TEST_KEY, lite_plan, make_photo

from seedance_emulator.server import Emulator, EmulatorServer

MINUTE = 3.0


def cli(*args: str, env: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "seedance_ui.cli", *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)  # fmt: skip


def run_cli(*args: str, env: dict, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "seedance_ui.cli", *args], env=env, capture_output=True, text=True,
                          timeout=timeout)  # fmt: skip


@pytest.fixture
def bronze():
    """An emulator of its own at the Bronze level, with a short minute and quick stub renders."""
    emu = Emulator(processing_seconds=0.6, render_mode="stub", tier="bronze", minute_seconds=MINUTE)
    with EmulatorServer(emu) as server:
        yield server


def key_env(server, data: Path, minute: float = MINUTE) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("WAVESPEED_API_KEY", "WAVESPEED_BASE_URL")}
    return env | {"SEEDANCE_DATA_DIR": str(data), "WAVESPEED_API_KEY": TEST_KEY, "WAVESPEED_BASE_URL": server.url,
                  "SEEDANCE_RATE_MINUTE": str(minute)}  # fmt: skip


def write_batch(folder: Path) -> tuple[Path, list[str], list[str]]:
    """A CSV of 7 rows: 5 good, one naming a missing picture, one with a duration the model doesn't allow."""
    pics = folder / "pics"
    pics.mkdir()
    good = [f"good shot number {i}" for i in range(5)]
    rows = []
    for i, prompt in enumerate(good):
        (pics / f"p{i}.jpg").write_bytes(make_photo(640, 480, color=(20 * i, 90, 160)))
        rows.append({"image": f"pics/p{i}.jpg", "prompt": prompt, "model_id": LITE, "duration": "2", "seed": str(i)})
    bad = ["bad shot missing picture", "bad shot too long"]
    rows.insert(2, {"image": "pics/nowhere.jpg", "prompt": bad[0], "model_id": LITE, "duration": "2"})
    rows.insert(5, {"image": "pics/p0.jpg", "prompt": bad[1], "model_id": LITE, "duration": "99"})
    path = folder / "shots.csv"
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["image", "prompt", "model_id", "duration", "seed"])
        w.writeheader()
        w.writerows(rows)
    return path, good, bad


def test_batch_killed_after_two_posts_then_queue_run_finishes_it(bronze, tmp_path):
    emu = bronze.emulator
    source, good, bad = write_batch(tmp_path)
    env = key_env(bronze, tmp_path / "data")
    proc = cli("batch", str(source), "--tier", "bronze", "--json", env=env)
    deadline = time.monotonic() + 60
    while emu.count("submit") < 2:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the batch never sent two takes"
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert emu.count("submit") == 2  # killed before a third start: Bronze allows two a minute

    out = run_cli("queue", "run", "--json", env=env)
    assert out.returncode == 0, out.stdout + out.stderr
    assert len(emu.jobs) == 5 and emu.count("submit") == 5, "one POST per good row, none twice"
    assert emu.count("submit_429") == 0 and emu.start_limit.refused == 0
    sent = sorted(j.inputs["prompt"] for j in emu.jobs.values())
    assert sent == sorted(good) and not set(bad) & set(sent)

    hist = json.loads(run_cli("history", "--json", env=env).stdout)
    done = [t for t in hist if t["state"] == "downloaded"]
    assert len(hist) == 5 and len(done) == 5
    assert all(Path(t["video"]).stat().st_size > 0 for t in done)
    assert len({t["task_id"] for t in done}) == 5 and {t["task_id"] for t in done} == set(emu.jobs)


def test_app_runner_and_cli_queue_run_on_one_folder_submit_each_take_once(bronze, tmp_path):
    from seedance_ui import runtime
    from seedance_ui.takes.queue_runner import Runner, enqueue
    from seedance_ui.takes.queue_store import QueueStore

    emu, data = bronze.emulator, tmp_path / "data"
    env = key_env(bronze, data, minute=1.0)
    os.environ["SEEDANCE_RATE_MINUTE"] = "1.0"  # this process's runner keeps the same short minute
    emu.set_level("bronze", 1.0)
    try:
        rt = runtime.start(key=TEST_KEY, base_url=bronze.url, data_dir=data, demo=False)
        session = rt.session()
        photo = tmp_path / "photo.jpg"
        photo.write_bytes(make_photo())
        QueueStore(rt.studio.journal).set_meta("tier", "bronze")  # as Settings or `batch --tier bronze` keep it
        ids = [t.id for i in range(10) for t in enqueue(session, lite_plan(seed=i, prompt=f"queued {i}"), photo)]
        other = cli("queue", "run", "--json", env=env)
        while emu.count("submit") < 1 and other.poll() is None:
            time.sleep(0.01)

        def app_runner() -> None:
            async def go():
                try:
                    await Runner(session, tier="bronze").run()
                finally:
                    await session.aclose()

            asyncio.run(go())

        thread = threading.Thread(target=app_runner)
        thread.start()
        out, err = other.communicate(timeout=120)
        thread.join(120)
        assert other.returncode == 0, out + err
    finally:
        os.environ.pop("SEEDANCE_RATE_MINUTE", None)
    assert emu.count("submit") == 10 and len(emu.jobs) == 10, "each queued take was submitted exactly once"
    assert emu.count("submit_429") == 0, "the two runners together kept to Bronze's starts per minute"
    db = sqlite3.connect(data / "journal.sqlite3")
    rows = db.execute("SELECT id, state, task_id, lease_owner FROM takes").fetchall()
    rt.close()
    assert sorted(r[0] for r in rows) == sorted(ids) and all(r[1] == "downloaded" for r in rows)
    assert {r[2] for r in rows} == set(emu.jobs)
    pids = {r[3].split(":")[1] for r in rows}
    assert len(pids) == 2 and str(os.getpid()) in pids, "both runners ran takes"

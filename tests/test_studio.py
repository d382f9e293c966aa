"""The use-case layer and the journal: nothing paid for is ever lost."""

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from conftest import TEST_KEY, fast_client, free_port, make_photo, run
from PIL import Image, ImageChops, ImageStat

from seedance_ui import video
from seedance_ui.errors import DeadlineExceeded, DownloadFailed, Money, OutputExpired, SubmissionUnknown, TaskFailed
from seedance_ui.journal import MIGRATIONS, Journal, Take
from seedance_ui.studio import Settings, Studio, readable_name

V15 = "bytedance/seedance-v1.5-pro/image-to-video"
LITE = "bytedance/seedance-v1-lite-i2v-480p"


@pytest.fixture
def studio(emu, tmp_path):
    journal = Journal(tmp_path / "journal.sqlite3")
    s = Studio(journal, tmp_path / "library", client_factory=lambda: fast_client(emu.url), api_key=TEST_KEY,
               reconcile_delay=0.1)  # fmt: skip
    yield s
    journal.close()


@pytest.fixture
def photos(tmp_path):
    first, last = tmp_path / "first.jpg", tmp_path / "last.png"
    first.write_bytes(make_photo(800, 600))
    last.write_bytes(make_photo(800, 600, color=(20, 200, 20), fmt="PNG"))
    return first, last


def settings(**kw) -> Settings:
    base = {"model_id": V15, "prompt": "The cat turns to the camera, slow push-in", "duration": 4,
            "resolution": "480p", "generate_audio": False}  # fmt: skip
    return Settings(**(base | kw))


async def _gen(studio, first, **kw):
    try:
        return await studio.generate(first, kw.pop("s", settings()), **kw)
    finally:
        await studio.aclose()


def diff(a: Image.Image, b: Image.Image) -> float:
    return sum(ImageStat.Stat(ImageChops.difference(a.convert("RGB"), b.convert("RGB"))).mean) / 3


# Journal --------------------------------------------------------------------------------------------------


def test_journal_schema_migrations_and_round_trip(tmp_path):
    j = Journal(tmp_path / "j.sqlite3")
    assert j.schema_version == len(MIGRATIONS)
    t = j.add(Take(id="t1", model_id=V15, prompt="hello", settings={"duration": 5}, payload={"seed": 3}, seed=3))
    j.update("t1", state="submitted", task_id="abc")
    got = j.get("t1")
    assert got.state == "submitted" and got.settings == {"duration": 5} and got.payload == {"seed": 3}
    assert j.by_task("abc").id == "t1" and t.created_at == got.created_at
    with pytest.raises(ValueError):
        j.update("t1", state="nonsense")
    with pytest.raises(KeyError):
        j.update("missing", state="failed")
    j.close()
    again = Journal(tmp_path / "j.sqlite3")  # reopening runs no migration twice
    assert again.schema_version == len(MIGRATIONS) and again.get("t1").task_id == "abc"
    again.close()


def test_journal_migrates_an_old_database(tmp_path):
    import sqlite3

    db = sqlite3.connect(tmp_path / "old.sqlite3", isolation_level=None)
    MIGRATIONS[0](db)
    db.execute("PRAGMA user_version=1")
    db.execute("INSERT INTO takes (id, session, state, model_id, prompt, settings, payload, created_at, updated_at)"
               " VALUES ('old', 'local', 'downloaded', 'm', 'p', '{}', '{}', 1, 1)")  # fmt: skip
    db.close()
    j = Journal(tmp_path / "old.sqlite3")
    assert j.schema_version == 2 and j.get("old").output_url is None
    j.close()


def test_journal_concurrent_writers(tmp_path):
    j = Journal(tmp_path / "j.sqlite3")
    other = Journal(tmp_path / "j.sqlite3")  # a second connection, as a second process would have

    def writer(n: int, journal: Journal) -> None:
        for i in range(50):
            journal.add(Take(id=f"w{n}-{i}", prompt=f"take {i}"))
            journal.update(f"w{n}-{i}", state="submitted", task_id=f"task-{n}-{i}")

    threads = [threading.Thread(target=writer, args=(n, j if n % 2 else other)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert j.count() == 200 and len(j.unfinished()) == 200
    assert len(j.history(text="take 7", limit=500)) == 4 * 1  # "take 7" only (not 70..): 4 writers
    j.close()
    other.close()


# One take -------------------------------------------------------------------------------------------------


def test_take_with_first_and_last_image_lands_in_the_library(studio, photos, emu):
    first, last = photos
    seen = []
    result = run(_gen(studio, first, last=last, on_progress=lambda p: seen.append(p.stage)))
    take = result.take
    assert take.state == "downloaded" and take.money == Money.CHARGED.value and take.seed >= 0
    assert {"checking", "uploading", "submitting", "rendering", "downloading"} <= set(seen)
    info = video.probe(result.video_path)
    assert (info["width"], info["height"], info["frames"]) == (752, 560, 97)
    assert info["metadata"]["title"].startswith("The cat turns") and f"seed={take.seed}" in info["metadata"]["comment"]
    sidecar = json.loads(Path(take.sidecar_path).read_text())
    # 752x560 (4:3 at 480p) * 24 fps * 4 s / 1024 = 39,480 tokens at $1.2 per million, silent: $0.047
    assert sidecar["seed"] == take.seed and sidecar["task_id"] == take.task_id and sidecar["price_usd"] == "0.05"
    assert Path(take.poster_path).exists() and f"seed{take.seed}" in result.video_path.name
    end = video.extract_frame(result.video_path, "last")
    assert diff(end, Image.open(last).resize(end.size)) < 12  # ends on the last image
    assert emu.emulator.count("submit") == 1


def test_double_click_sends_one_post(studio, photos, emu):
    first, _ = photos

    async def go():
        try:
            a, b = await asyncio.gather(studio.generate(first, settings()), studio.generate(first, settings()))
            c = await studio.generate(first, settings(), session="someone-else")
            return a, b, c
        finally:
            await studio.aclose()

    a, b, c = run(go())
    assert a.take.id == b.take.id and c.take.id != a.take.id
    assert emu.emulator.count("submit") == 2  # one for the double click, one for the other session


def test_ambiguous_submit_is_adopted_not_resent(studio, photos, emu):
    emu.emulator.faults.add(route="submit", action="drop", store=True)
    result = run(_gen(studio, photos[0]))
    assert result.take.state == "downloaded" and emu.emulator.count("submit") == 1


def test_submit_that_never_arrived_is_unknown_then_not_charged(studio, photos, emu):
    emu.emulator.faults.add(route="submit", action="drop", store=False)
    with pytest.raises(SubmissionUnknown) as e:
        run(_gen(studio, photos[0]))
    assert "History" in e.value.hint
    take = studio.journal.history()[0]
    assert take.state == "unknown" and take.money == Money.UNKNOWN.value

    async def later():
        try:
            return await studio.resume(take, min_age_for_not_started=0)
        finally:
            await studio.aclose()

    assert run(later()) is None
    take = studio.journal.get(take.id)
    assert take.state == "failed" and take.money == Money.NOT_CHARGED.value
    assert emu.emulator.count("submit") == 1


def test_deadline_leaves_the_take_running_and_resume_finishes_it(studio, photos, emu, tmp_path):
    emu.emulator.processing_seconds = 1.5
    studio._client_factory = lambda: fast_client(emu.url, deadline=0.4)
    with pytest.raises(DeadlineExceeded):
        run(_gen(studio, photos[0]))
    take = studio.journal.history()[0]
    assert take.state in ("submitted", "running") and take.task_id
    studio._client_factory = lambda: fast_client(emu.url)

    async def later():
        try:
            return await studio.recover()
        finally:
            await studio.aclose()

    results = run(later())
    assert len(results) == 1 and results[0].take.state == "downloaded"
    assert emu.emulator.count("submit") == 1


@pytest.mark.parametrize(("fault", "state", "money"), [({"fail_code": 1200}, "failed", "refunded"),
                                                       ({"expire": "always"}, "expired", "charged")])  # fmt: skip
def test_failures_are_journaled_with_the_money(studio, photos, emu, fault, state, money):
    emu.emulator.faults.add(route="task", **fault)
    with pytest.raises((TaskFailed, OutputExpired)):
        run(_gen(studio, photos[0]))
    take = studio.journal.history()[0]
    assert take.state == state and take.money == money and take.error_message


def test_recover_any_task_by_id(studio, emu):
    async def submit_elsewhere():
        async with fast_client(emu.url) as c:
            url = await c.upload(make_photo(), "x.jpg", "image/jpeg")
            return await c.submit(LITE, {"image": url, "duration": 2, "prompt": "made elsewhere", "seed": 9})

    task = run(submit_elsewhere())

    async def go():
        try:
            return await studio.recover_task(task)
        finally:
            await studio.aclose()

    result = run(go())
    assert result.take.task_id == task and result.take.state == "downloaded" and result.video_path.exists()
    assert result.take.prompt == "made elsewhere" and result.take.seed == 9
    assert run(go()).take.id == result.take.id  # asking again gives the same take


def test_continue_from_last_frame_and_stitch(studio, photos, emu, tmp_path):
    one = run(_gen(studio, photos[0], s=settings(prompt="pan left", camera_fixed=False)))
    frame = studio.last_frame_image(one.take)
    two = run(_gen(studio, frame, s=settings(prompt="a still moment", camera_fixed=True)))
    start = video.extract_frame(two.video_path, "first")
    end_of_one = video.extract_frame(one.video_path, "last")
    assert diff(start, end_of_one.resize(start.size)) < 8  # the next take starts where the last one ended
    out = studio.stitch([one.take.id, two.take.id], tmp_path / "both.mp4")
    info = video.probe(out)
    assert info["frames"] == 97 * 2 and (info["width"], info["height"]) == (752, 560)


def test_loop_uses_the_same_image_first_and_last(studio, photos):
    result = run(_gen(studio, photos[0], last=photos[0], s=settings(prompt="pan right")))
    a, b = video.extract_frame(result.video_path, "first"), video.extract_frame(result.video_path, "last")
    assert diff(a, b) < 8


def _resume_all(studio):
    async def go():
        try:
            return await studio.recover()
        finally:
            await studio.aclose()

    return run(go())


def test_resume_a_take_left_completed_but_not_downloaded(studio, photos, emu):
    emu.emulator.faults.add(route="task", output="not_mp4")  # the first download fails: completed, not downloaded
    with pytest.raises(DownloadFailed):
        run(_gen(studio, photos[0]))
    take = studio.journal.history()[0]
    assert take.state == "completed" and take.output_url
    emu.emulator.jobs[take.task_id].fault = {}  # the file host is fine again
    results = _resume_all(studio)
    assert [r.take.state for r in results] == ["downloaded"] and emu.emulator.count("submit") == 1


def test_resume_a_take_killed_during_submit_adopts_the_stored_job(studio, emu):
    """The process died after the POST reached WaveSpeed but before the answer: only 'submitting' was written."""

    async def post_only():
        async with fast_client(emu.url) as c:
            url = await c.upload(make_photo(), "p.jpg", "image/jpeg")
            body = {"image": url, "prompt": "lost answer", "duration": 2, "camera_fixed": False, "seed": 31}
            await c.submit(LITE, body)
            return body

    body = run(post_only())
    studio.journal.add(Take(id="killed", model_id=LITE, prompt="lost answer", payload=body, seed=31,
                            settings={"duration": 2, "resolution": "480p"}, state="submitting"))  # fmt: skip
    results = _resume_all(studio)
    assert len(results) == 1 and results[0].take.id == "killed" and results[0].take.state == "downloaded"
    assert emu.emulator.count("submit") == 1


def test_readable_names():
    assert readable_name("A Cat, turns to camera!!", 42, 0).endswith("_a-cat-turns-to-camera_seed42")
    assert readable_name("", 1, 0).endswith("_take_seed1")


# Case 21: a real process kill ------------------------------------------------------------------------------


def test_killed_mid_render_then_restarted_finishes_with_one_post(tmp_path):
    port = free_port()
    env = {**os.environ, "SEEDANCE_DATA_DIR": str(tmp_path / "data"), "WAVESPEED_API_KEY": TEST_KEY,
           "WAVESPEED_BASE_URL": f"http://127.0.0.1:{port}"}  # fmt: skip
    emu = subprocess.Popen([sys.executable, "-m", "seedance_ui.cli", "emulator", "--port", str(port),
                            "--processing-seconds", "4", "--data-dir", str(tmp_path / "emu")],
                           env=env, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                httpx.get(f"http://127.0.0.1:{port}/_emulator/stats", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        photo = tmp_path / "p.jpg"
        photo.write_bytes(make_photo())
        gen = subprocess.Popen([sys.executable, "-m", "seedance_ui.cli", "generate", "--image", str(photo),
                                "--prompt", "slow push-in", "--model", LITE, "--duration", "2", "--out",
                                str(tmp_path / "out")], env=env, stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL)  # fmt: skip
        journal_file = tmp_path / "data" / "journal.sqlite3"
        state = None
        while time.time() < deadline and state not in ("submitted", "running"):
            time.sleep(0.1)
            if journal_file.exists():
                j = Journal(journal_file)
                takes = j.history()
                j.close()
                state = takes[0].state if takes else None
        assert state in ("submitted", "running"), state
        gen.send_signal(signal.SIGKILL)
        gen.wait(10)
        assert gen.returncode == -signal.SIGKILL

        out = subprocess.run([sys.executable, "-m", "seedance_ui.cli", "recover", "--json"], env=env,
                             capture_output=True, text=True, timeout=60)  # fmt: skip
        assert out.returncode == 0, out.stderr
        data = json.loads(out.stdout)
        assert len(data["recovered"]) == 1 and data["still_unfinished"] == []
        assert Path(data["recovered"][0]["video"]).exists()
        stats = httpx.get(f"http://127.0.0.1:{port}/_emulator/stats").json()
        assert stats["counts"]["submit"] == 1
        hist = json.loads(subprocess.run([sys.executable, "-m", "seedance_ui.cli", "history", "--json"], env=env,
                                         capture_output=True, text=True, timeout=60).stdout)  # fmt: skip
        assert [h["state"] for h in hist] == ["downloaded"]
    finally:
        emu.terminate()
        emu.wait(10)


def test_stitch_copies_matching_streams_and_reencodes_mixed_sizes(tmp_path):
    from seedance_ui.emulator.render import ClipSpec, render_clip

    pic = Image.new("RGB", (800, 600), (200, 80, 40))
    a, b, c = tmp_path / "a.mp4", tmp_path / "b.mp4", tmp_path / "c.mp4"
    render_clip(pic, ClipSpec(640, 480, 2, seed=1), a)
    render_clip(pic, ClipSpec(640, 480, 3, seed=2), b)
    render_clip(pic, ClipSpec(480, 480, 2, seed=3), c)
    same = video.stitch([a, b], tmp_path / "ab.mp4")
    assert same["copied"] is True
    info = video.probe(tmp_path / "ab.mp4")
    assert info["frames"] == 49 + 73 and abs(info["seconds"] - (49 + 73) / 24) < 0.1
    mixed = video.stitch([a, c], tmp_path / "ac.mp4")
    assert mixed["copied"] is False
    info = video.probe(tmp_path / "ac.mp4")
    assert (info["width"], info["height"], info["frames"]) == (640, 480, 98)
    with pytest.raises(ValueError, match="at least two"):
        video.stitch([a], tmp_path / "x.mp4")

"""The engine under every Session: the journal, the take state machine (which owns the money line), the checks
made before paying, what is left on disk, and what happens when WaveSpeed can't be reached."""

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from conftest import (
    LITE,
    TEST_KEY,
    drive,
    fast_client,
    free_port,
    lite_plan,
    make_photo,
    make_studio,
    open_session,
    table_row,
)

from seedance_ui import room, runtime
from seedance_ui.errors import (
    AuthenticationError,
    BadRequest,
    DownloadFailed,
    JournalError,
    Money,
    NetworkError,
    NotReady,
    OutputExpired,
    SubmissionUnknown,
    TaskCancelled,
    TaskFailed,
)
from seedance_ui.journal import MIGRATIONS, Journal, Take
from seedance_ui.policies import Timeouts
from seedance_ui.takes.ledger import Ledger
from seedance_ui.takes.take_run import TakeResult, readable_name

MONEY = ["scenario", "submit POSTs counted", "what the person was told", "final state", "money line"]

# Journal --------------------------------------------------------------------------------------------------


def test_journal_schema_migrations_and_round_trip(tmp_path):
    j = Journal(tmp_path / "j.sqlite3")
    assert j.schema_version == len(MIGRATIONS)
    t = j.add(Take(id="t1", model_id=LITE, prompt="hello", settings={"duration": 5}, payload={"seed": 3}, seed=3))
    j.update("t1", state="submitted", task_id="abc")
    got = j.get("t1")
    assert got.state == "submitted" and got.settings == {"duration": 5} and got.payload == {"seed": 3}
    assert j.by_task("abc").id == "t1" and t.created_at == got.created_at and j.task_ids() == {"abc"}
    with pytest.raises(ValueError):
        j.update("t1", state="nonsense")
    with pytest.raises(KeyError):
        j.update("missing", state="failed")
    j.close()
    again = Journal(tmp_path / "j.sqlite3")  # reopening runs no migration twice
    assert again.schema_version == len(MIGRATIONS) and again.get("t1").task_id == "abc"
    again.close()


def test_journal_migrates_an_old_database(tmp_path):
    db = sqlite3.connect(tmp_path / "old.sqlite3", isolation_level=None)
    MIGRATIONS[0](db)
    db.execute("PRAGMA user_version=1")
    db.execute("INSERT INTO takes (id, session, state, model_id, prompt, settings, payload, created_at, updated_at)"
               " VALUES ('old', 'local', 'downloaded', 'm', 'p', '{}', '{}', 1, 1)")  # fmt: skip
    db.close()
    j = Journal(tmp_path / "old.sqlite3")
    old = j.get("old")
    assert j.schema_version == len(MIGRATIONS) and old.output_url is None and old.note is None
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
    assert len(j.history(text="take 7", limit=500)) == 4  # "take 7" only (not 70..): one per writer
    j.close()
    other.close()


# The state machine: the money follows how far the take got, never the error's class alone ----------------------


@pytest.mark.parametrize(
    ("state", "error", "after", "money"),
    [
        ("preparing", NetworkError("x"), "failed", Money.NOT_CHARGED),
        ("submitting", NetworkError("x"), "failed", Money.NOT_CHARGED),  # provably never sent
        ("submitting", BadRequest("x", status=400), "failed", Money.NOT_CHARGED),
        ("submitting", SubmissionUnknown("x", model_id=LITE, submitted_at=0), "unknown", Money.UNKNOWN),
        ("submitting", JournalError("x", task_id="t-1"), "submitting", Money.RENDERING),  # the id came back
        ("submitted", NetworkError("x"), "submitted", Money.RENDERING),  # same class, later: charged
        ("running", BadRequest("x", status=400), "running", Money.RENDERING),
        ("running", AuthenticationError("x", status=401), "running", Money.RENDERING),
        ("running", TaskFailed("x", api_code=1403), "failed", Money.REFUNDED),
        ("running", TaskCancelled("x"), "cancelled", Money.CANCEL_ASKED),
        ("completed", DownloadFailed("x"), "completed", Money.CHARGED),
        ("completed", OutputExpired("x"), "expired", Money.CHARGED),
    ],
)
def test_settle_sets_state_and_money_from_how_far_the_take_got(tmp_path, state, error, after, money):
    journal = Journal(tmp_path / "j.sqlite3")
    ledger = Ledger(journal)
    task = "t-1" if state in ("submitted", "running", "completed") else None
    journal.add(Take(id="a", state=state, task_id=task, money=Money.CHARGED.value if task else None))
    before = dict(error.__dict__)
    outcome = ledger.settle("a", error)
    err = error.told(outcome)
    take = journal.get("a")
    assert (take.state, take.money, outcome.money, err.money) == (after, money.value, money, money)
    assert err.task_id == (task or error.task_id) and take.error_message == err.message
    assert take.message_id == err.said.id  # the journal keeps the message by id, to be said in any language
    assert error.__dict__ == before and error.outcome is None  # the error given is never changed
    assert ledger.settle("a", err) is outcome and journal.get("a").updated_at == take.updated_at  # settled once
    journal.close()


def test_readable_names():
    assert readable_name("A Cat, turns to camera!!", 42, 0).endswith("_a-cat-turns-to-camera_seed42")
    assert readable_name("", 1, 0).endswith("_take_seed1")


def test_a_studio_removes_what_a_killed_process_left_only_once_it_is_old(tmp_path, emu):
    lib = tmp_path / "data" / "library"
    (lib / "sessions" / "v").mkdir(parents=True)
    old = [lib / ".2026_cat_seed1.mp4.4242.part", lib / "sessions" / "v" / ".x.mp4.1.part",
           lib / ".y.mp4.meta.mp4", lib / "2026_claimed_seed3.mp4"]  # fmt: skip
    fresh, video = lib / ".z.mp4.7.part", lib / "2026_real_seed2.mp4"
    for p in old:
        p.write_bytes(b"" if p.suffix == ".mp4" and not p.name.startswith(".") else b"half")
        os.utime(p, (time.time() - 7200, time.time() - 7200))
    fresh.write_bytes(b"half")
    video.write_bytes(b"\x00\x00\x00\x18ftypisom")
    os.utime(video, (time.time() - 7200, time.time() - 7200))
    studio = make_studio(emu.url, tmp_path / "data")
    assert [p for p in old if p.exists()] == [] and fresh.exists() and video.exists()
    studio.journal.close()


# Check before paying ---------------------------------------------------------------------------------------


def test_a_locked_journal_is_refused_before_anything_is_sent(core, photo, emu):
    holder = sqlite3.connect(core.journal.path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another program writing and holding it
    session = open_session(core)
    t0 = time.monotonic()
    try:
        with pytest.raises(NotReady) as e:
            drive(session, lambda: session.generate(lite_plan(), photo))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert time.monotonic() - t0 < 5 and "another program is holding it" in e.value.message
    assert e.value.money is Money.NOT_CHARGED and "OperationalError" not in e.value.message
    assert emu.emulator.count("upload") == emu.emulator.count("submit") == 0 and session.history() == []
    table_row("Money truth (issue 11)", MONEY, ["journal locked by another program", emu.emulator.count("submit"),
              f"{e.value.message} {e.value.money.sentence}", "(no take)", "-"])  # fmt: skip


def test_no_room_for_the_video_is_refused_before_anything_is_sent(core, photo, emu, monkeypatch):
    monkeypatch.setattr(room, "ROOM_PER_TAKE", 2**62)  # more than any disk: "not enough room"
    session = open_session(core)
    with pytest.raises(NotReady, match="MB free"):
        drive(session, lambda: session.generate(lite_plan(), photo))
    assert emu.emulator.count("upload") == emu.emulator.count("submit") == 0


@pytest.mark.parametrize("where", ["a file", "under a file"])
def test_a_data_folder_that_is_a_file_is_refused_plainly(tmp_path, monkeypatch, where):
    afile = tmp_path / "data"
    afile.write_text("not a folder")
    target = afile if where == "a file" else afile / "sub"
    for how in ("argument", "environment"):
        if how == "environment":
            monkeypatch.setenv("SEEDANCE_DATA_DIR", str(target))
        with pytest.raises(NotReady) as e:
            runtime.start(key=TEST_KEY, base_url="http://127.0.0.1:9", data_dir=target if how == "argument" else None)
        assert str(target) in e.value.message and "SEEDANCE_DATA_DIR" in e.value.message


def test_a_corrupt_journal_is_a_plain_journal_error(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "journal.sqlite3").write_bytes(b"this is not a database" * 200)
    with pytest.raises(JournalError) as e:
        runtime.start(key=TEST_KEY, base_url="http://127.0.0.1:9", data_dir=tmp_path / "data")
    assert "can't be opened" in e.value.message and "rename it" in e.value.message
    assert e.value.money is Money.NOT_CHARGED and "Traceback" not in str(e.value)


# After paying: a journal that stops working -------------------------------------------------------------------


def test_journal_locked_right_after_paying_still_gives_the_task_id_and_the_money(emu, tmp_path, photo):
    studio = make_studio(emu.url, tmp_path / "data", journal_kw={"busy_timeout": 0.3})
    holder = sqlite3.connect(studio.journal.path, isolation_level=None)
    session = open_session(studio)

    def lock_once_sending(p):
        if p.stage == "submitting" and not holder.in_transaction:
            holder.execute("BEGIN IMMEDIATE")  # from here the journal can't be written: the POST still goes out

    [e] = drive(session, lambda: session.generate(lite_plan(), photo, on_progress=lock_once_sending))
    holder.execute("ROLLBACK")
    task_id = next(iter(emu.emulator.jobs))
    assert isinstance(e, JournalError) and e.task_id == task_id and e.money is Money.RENDERING
    assert f"seedance recover {task_id}" in e.hint and "charged" in session.card(e)["money"]
    assert "another program is holding it" in e.message and "OperationalError" not in e.message
    table_row("Money truth (issue 11)", MONEY, ["journal locked right after the submit answered",
              emu.emulator.count("submit"), f"{e.message} {session.card(e)['money']} {e.hint}",
              session.history()[0].state, "(not written: journal locked)"])  # fmt: skip
    got = drive(session, lambda: session.recover_task(task_id))  # the command the message names
    assert isinstance(got, TakeResult) and got.video_path.exists()
    assert [(t.id, t.state, t.task_id) for t in session.history()] == [(got.take.id, "downloaded", task_id)]
    assert drive(session, session.recover).ended == [] and emu.emulator.count("submit") == 1
    holder.close()
    studio.journal.close()


# WaveSpeed out of reach ----------------------------------------------------------------------------------------


def test_a_closed_port_fails_fast_naming_the_host(tmp_path, photo):
    port = free_port()
    rt = runtime.start(key=TEST_KEY, base_url=f"http://127.0.0.1:{port}", data_dir=tmp_path / "data")
    session = rt.session()
    t0 = time.monotonic()
    [e] = drive(session, lambda: session.generate(lite_plan(), photo))
    took = time.monotonic() - t0
    assert isinstance(e, NetworkError) and f"127.0.0.1:{port}" in e.message and took < 15
    assert e.money is Money.NOT_CHARGED and session.history()[0].state == "failed"

    async def glances():
        t = time.monotonic()
        price = await session.price_check(lite_plan())
        balance = await session.check_key()
        return price, balance, time.monotonic() - t

    price, balance, glanced = drive(session, glances)
    assert f"127.0.0.1:{port}" in price.problem and f"127.0.0.1:{port}" in balance.problem
    assert glanced < 2 * (Timeouts().glance + 1)
    table_row("Money truth (issue 11)", MONEY, [f"WAVESPEED_BASE_URL at a closed port (answered in {took:.1f} s; "
              f"quote + balance {glanced:.1f} s)", 0, f"{e.message} {session.card(e)['money']}", "failed",
              session.history()[0].money])  # fmt: skip
    rt.close()


def test_a_silent_server_does_not_hold_up_a_price_or_balance_glance(tmp_path):
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    conns: list[socket.socket] = []
    threading.Thread(target=lambda: [conns.append(srv.accept()[0]) for _ in range(16)], daemon=True).start()
    url = f"http://127.0.0.1:{srv.getsockname()[1]}"
    # The real read timeout (30 s) stays; only the glance is short.
    studio = make_studio(url, tmp_path / "d", client_factory=lambda: fast_client(url, timeouts=Timeouts(glance=1.0)))
    session = open_session(studio)

    async def go():
        t = time.monotonic()
        return await session.price_check(lite_plan()), time.monotonic() - t

    try:
        price, took = drive(session, go)
    finally:
        srv.close()
    assert took < 3 and "127.0.0.1" in price.problem and price.api_total is None
    studio.journal.close()


# Case 21: a real process kill ------------------------------------------------------------------------------


def test_killed_mid_render_then_restarted_finishes_with_one_post(tmp_path):
    port = free_port()
    env = {**os.environ, "SEEDANCE_DATA_DIR": str(tmp_path / "data"), "WAVESPEED_API_KEY": TEST_KEY,
           "WAVESPEED_BASE_URL": f"http://127.0.0.1:{port}"}  # fmt: skip
    emu = subprocess.Popen([sys.executable, "-m", "seedance_ui.cli", "emulator", "--port", str(port),
                            "--processing-seconds", "4", "--test-endpoints", "--data-dir", str(tmp_path / "emu")],
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
                                str(tmp_path)], env=env, stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL)  # fmt: skip
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
        assert len(data["recovered"]) == 1 and data["still_unfinished"] == [] and data["ended"] == []
        assert Path(data["recovered"][0]["video"]).exists()
        stats = httpx.get(f"http://127.0.0.1:{port}/_emulator/stats").json()
        assert stats["counts"]["submit"] == 1
        hist = json.loads(subprocess.run([sys.executable, "-m", "seedance_ui.cli", "history", "--json"], env=env,
                                         capture_output=True, text=True, timeout=60).stdout)  # fmt: skip
        assert [h["state"] for h in hist] == ["downloaded"]
    finally:
        emu.terminate()
        emu.wait(10)

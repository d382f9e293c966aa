"""The queue's parts: the journal migration, the atomic claim under a lease, pacing counted from the journal
(across a restart), the emulator's levels, the ETA, and "auto" learning the level."""

import asyncio
import os
import sqlite3
import subprocess
import sys
import threading
import time

import httpx
import pytest
from conftest import LITE, TEST_KEY, fast_client, lite_plan, make_photo, make_studio, open_session

from seedance_emulator.server import Emulator, EmulatorServer
from seedance_ui.journal import MIGRATIONS, Journal, Take
from seedance_ui.takes import levels
from seedance_ui.takes.queue_runner import Runner, enqueue, estimate
from seedance_ui.takes.queue_store import QueueStore, runner_id

BRONZE = levels.LEVELS["bronze"]


@pytest.fixture
def photo(tmp_path):
    path = tmp_path / "photo.jpg"
    path.write_bytes(make_photo())
    return path


def queued(store: QueueStore, n: int, owner: str = "local") -> list[str]:
    ids = []
    for i in range(n):
        take = store.add(Take(id=f"q{i:03d}", owner=owner, model_id="m", prompt=f"p{i}"), {"choices": {}})
        ids.append(take.id)
    return ids


def test_migration_keeps_old_takes_readable(tmp_path):
    path = tmp_path / "journal.sqlite3"
    db = sqlite3.connect(path)
    for step in MIGRATIONS[:3]:
        step(db)
    db.execute("PRAGMA user_version=3")
    db.execute("INSERT INTO takes (id, session, state, model_id, prompt, settings, payload, created_at, updated_at, "
               "task_id) VALUES ('old', 'local', 'downloaded', 'm', 'a cat', '{}', '{}', 1, 1, 'task-old')")  # fmt: skip
    db.commit()
    db.close()
    j = Journal(path)
    assert j.schema_version == len(MIGRATIONS)
    old = j.get("old")
    assert old is not None and old.state == "downloaded" and old.task_id == "task-old" and old.prompt == "a cat"
    store = QueueStore(j)
    assert store.items("local", include_done=True) == []  # an old take is not a queued one
    queued(store, 1)
    assert [t.id for t in j.unfinished()] == ["q000"] and not j.get("q000").finished


def test_queued_take_holds_its_plan_and_nothing_is_charged(core, photo):
    session = open_session(core, key=TEST_KEY)
    takes = enqueue(session, lite_plan(takes=3, seed=7), photo)
    items = QueueStore(core.journal).items("local")
    assert [i.position for i in items] == [1, 2, 3] and [t.seed for t in takes] == [7, 8, 9]
    assert all(i.take.state == "queued" and i.take.money == "not_charged" and i.take.submitted_at is None
               for i in items)  # fmt: skip
    assert [i.plan["choices"]["seed"] for i in items] == [7, 8, 9] and items[0].plan["choices"]["takes"] == 1
    assert items[0].plan["size"] == [640, 480] and os.path.exists(items[0].take.first_image)


def test_claims_are_atomic_across_connections(tmp_path):
    """Eight threads, each with its own connection to one journal file, claim until the queue is empty: every
    take is claimed exactly once."""
    path = tmp_path / "journal.sqlite3"
    ids = queued(QueueStore(Journal(path)), 40)
    silver, got, lock = levels.LEVELS["silver"], [], threading.Lock()

    def claimer() -> None:
        store, me = QueueStore(Journal(path)), runner_id()
        while (tid := store.claim(me, "local", silver, 60, 30)) is not None:
            with lock:
                got.append(tid)

    threads = [threading.Thread(target=claimer) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(got) == ids


def test_bronze_claims_count_starts_already_in_the_journal(tmp_path):
    """Two starts in the journal from a run before a restart: a new runner may not start a third this minute,
    nor more than two at once."""
    path = tmp_path / "journal.sqlite3"
    j = Journal(path)
    now = time.time()
    for i in range(2):
        j.add(Take(id=f"sent{i}", state="submitted", submitted_at=now - 5, task_id=f"task{i}"))
    store = QueueStore(Journal(path))  # "after the restart": another connection, another runner
    queued(store, 3)
    assert store.claim(runner_id(), "local", BRONZE, 60, 30) is None
    j.update("sent0", submitted_at=now - 62, state="downloaded")
    j.update("sent1", submitted_at=now - 62, state="downloaded")
    me = runner_id()
    assert store.claim(me, "local", BRONZE, 60, 30) == "q000"
    assert store.claim(me, "local", BRONZE, 60, 30) == "q001"
    assert store.claim(me, "local", BRONZE, 60, 30) is None  # two starts this minute: the third waits


def test_a_dead_runners_claim_comes_back(tmp_path):
    store = QueueStore(Journal(tmp_path / "journal.sqlite3"))
    queued(store, 2)
    assert store.claim("elsewhere:1:x", "local", BRONZE, 60, lease=0.2) == "q000"
    assert store.release_expired() == 0  # its lease is alive
    time.sleep(0.3)
    assert store.release_expired() == 1 and store.items("local")[0].take.state == "queued"

    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    import socket

    gone = f"{socket.gethostname()}:{proc.pid}:dead"
    assert store.claim(gone, "local", BRONZE, 60, lease=300) == "q000"
    assert store.release_expired() == 1, "a runner on this computer whose process is gone gives its claim back"


def test_pause_and_cancel(tmp_path):
    store = QueueStore(Journal(tmp_path / "journal.sqlite3"))
    queued(store, 2)
    store.pause("local")
    assert store.claim(runner_id(), "local", BRONZE, 60, 30) is None
    store.resume("local")
    assert store.cancel("q000", "local") and not store.cancel("q000", "local")
    assert not store.cancel("q001", "someone-else")
    assert store.claim(runner_id(), "local", BRONZE, 60, 30) == "q001"


def test_a_cancel_racing_a_claim_has_one_winner(tmp_path):
    """A person cancels queued takes while a runner on another connection claims them: each take is either
    claimed (it starts) or cancelled (nothing sent), never both, and the journal says which. The runner claims from
    the front, the person cancels from the back: where they meet, both reach for the same takes, and past it each
    would take the other's if its check that the take is still queued were gone."""
    path = tmp_path / "journal.sqlite3"
    ids = queued(QueueStore(Journal(path)), 200)
    silver, claimed, cancelled = levels.LEVELS["silver"], [], []
    go = threading.Barrier(2)

    def claimer() -> None:
        store, me = QueueStore(Journal(path)), runner_id()
        go.wait()
        while (tid := store.claim(me, "local", silver, 60, 30)) is not None or store.queued_count("local"):
            if tid is not None:
                claimed.append(tid)
            time.sleep(0.001)  # a runner's turn comes between other work: the lock is not held back to back

    def canceller() -> None:
        store = QueueStore(Journal(path))
        go.wait()
        for tid in reversed(ids):  # from the back: the two meet, and reach for the same takes, in the middle
            if store.cancel(tid, "local"):
                cancelled.append(tid)
            time.sleep(0.001)

    threads = [threading.Thread(target=claimer), threading.Thread(target=canceller)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not set(claimed) & set(cancelled), "a take was both started and cancelled"
    assert sorted(claimed + cancelled) == ids and claimed and cancelled
    journal = Journal(path)
    states = {i: journal.get(i).state for i in ids}
    assert {states[i] for i in claimed} == {"preparing"} and {states[i] for i in cancelled} == {"cancelled"}


def test_emulator_bronze_refuses_third_start_and_holds_third_job(tmp_path):
    emu = Emulator(processing_seconds=4.0, render_mode="stub", tier="bronze", minute_seconds=1.0)
    with EmulatorServer(emu) as server:

        async def upload() -> str:
            client = fast_client(server.url)
            try:
                return await client.upload(make_photo(), "a.jpg", "image/jpeg")
            finally:
                await client.aclose()

        body = {"image": asyncio.run(upload()), "prompt": "p", "duration": 2}
        url, headers = f"{server.url}/api/v3/{LITE}", {"Authorization": f"Bearer {TEST_KEY}"}
        answers = [httpx.post(url, json=body, headers=headers) for _ in range(3)]
        assert [a.status_code for a in answers] == [200, 200, 429]
        assert int(answers[2].headers["retry-after"]) >= 1 and len(emu.jobs) == 2 and emu.count("submit_429") == 1
        time.sleep(1.05)
        later = [httpx.post(url, json=body, headers=headers) for _ in range(2)]
        assert [a.status_code for a in later] == [200, 200]
        time.sleep(0.3)
        status = {j.id: j.status for j in emu.jobs.values()}
        assert sorted(status.values()) == ["created", "created", "processing", "processing"]
        assert {status[a.json()["data"]["id"]] for a in later} == {"created"}, "past two at once, jobs wait"


def test_eta_follows_the_level():
    """Five 10 s takes at Bronze with a 60 s minute: starts at 0, 0, 60, 60, 120."""
    assert levels.finish_times([10.0] * 5, BRONZE, 60) == [10, 10, 70, 70, 130]
    assert levels.finish_times([10.0] * 5, levels.LEVELS["silver"], 60) == [10] * 5
    # a start 30 s ago and one running with 5 s left: the next waits for the minute, then for a free slot
    assert levels.finish_times([10.0], BRONZE, 60, recent_starts=[30, 30]) == [40]
    assert levels.finish_times([10.0], levels.Level("x", 9, 1), 60, running_left=[5]) == [15]


def test_estimate_learns_render_times(core, photo):
    session = open_session(core, key=TEST_KEY)
    for i in range(2):
        core.journal.add(Take(id=f"done{i}", state="downloaded", model_id=lite_plan().spec.id, render_seconds=20.0,
                              settings=lite_plan().take_values(0), completed_at=time.time() - 100))  # fmt: skip
    enqueue(session, lite_plan(takes=3), photo)
    eta = estimate(session, BRONZE, 60)
    assert sorted(v for k, v in eta.items() if k != "__all__") == [20, 20, 80] and eta["__all__"] == 80


def run_queue(session, tier):
    async def go():
        try:
            return await Runner(session, tier=tier).run()
        finally:
            await session.aclose()

    return asyncio.run(go())


@pytest.mark.parametrize("account", ["silver", "bronze"])
def test_auto_learns_the_level(tmp_path, photo, monkeypatch, account):
    """Auto starts as Bronze: on a Silver account a probe start is accepted and it steps up; on a Bronze account
    the probe gets a 429 (retried: nothing lost) and it stays at Bronze."""
    monkeypatch.setenv("SEEDANCE_RATE_MINUTE", "1.0")
    emu = Emulator(processing_seconds=0.2, render_mode="stub", tier=account, minute_seconds=1.0)
    with EmulatorServer(emu) as server:
        studio = make_studio(server.url, tmp_path / "data")
        session = open_session(studio, key=TEST_KEY)
        for i in range(5):
            enqueue(session, lite_plan(seed=i), photo)
        results = run_queue(session, "auto")
        store = QueueStore(studio.journal)
        assert len(results) == 5 and all(studio.ledger.get(t).state == "downloaded" for t in results)
        assert len(emu.jobs) == 5
        if account == "silver":
            assert store.meta("auto_level") == "silver" and emu.count("submit_429") == 0
        else:
            assert store.meta("auto_level") == "bronze" and emu.count("submit_429") >= 1
        studio.journal.close()

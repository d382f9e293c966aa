"""A storyboard's shots keep to the account's level when one is known: three shots from their own pictures on Bronze (2 starts a
minute, the minute shortened for the test) start two at once and the third a minute later, none answered 429; a
promised start is counted by the queue's claim too; demo mode is not paced."""

import asyncio

import pytest
from conftest import LITE, TEST_KEY, lite_plan, make_photo, make_studio, open_session

from seedance_emulator.server import Emulator, EmulatorServer
from seedance_ui.journal import Take
from seedance_ui.takes import levels, paced_start
from seedance_ui.takes.board_run import BoardRun
from seedance_ui.takes.queue_store import QueueStore
from seedance_ui.takes.storyboard import Board, Shot

MINUTE = 3.0


@pytest.fixture
def bronze(tmp_path, monkeypatch):
    monkeypatch.setenv("SEEDANCE_RATE_MINUTE", str(MINUTE))
    emu = Emulator(processing_seconds=0.3, render_mode="stub", tier="bronze", minute_seconds=MINUTE)
    with EmulatorServer(emu) as server:
        studio = make_studio(server.url, tmp_path / "data")
        QueueStore(studio.journal).set_meta("tier", "bronze")  # as Settings or `seedance batch --tier bronze` keep it
        yield server, studio
        studio.journal.close()


def three_shots(tmp_path) -> Board:
    shots = []
    for i in range(3):
        path = tmp_path / f"shot{i}.jpg"
        path.write_bytes(make_photo(640, 480, color=(60 * i, 100, 140)))
        shots.append(Shot(image=str(path), prompt=f"shot {i + 1}: slow push-in", seed=10 + i))
    return Board.new(name="three shots", defaults={"model_id": LITE, "duration": 2}, shots=shots)


def test_a_three_shot_film_on_bronze_draws_no_429(bronze, tmp_path):
    server, studio = bronze
    session = open_session(studio, key=TEST_KEY)

    said = []

    async def go():
        try:
            return await BoardRun(session, three_shots(tmp_path), on_progress=said.append).render()
        finally:
            await session.aclose()

    board = asyncio.run(go())
    emu = server.emulator
    assert emu.count("submit_429") == 0, "a shot was sent past the level's minute"
    assert emu.count("submit") == 3 and len(emu.jobs) == 3
    assert all(s.chosen for s in board.shots) and board.film
    waited = [p for p in said if p.stage == "waiting"]
    assert len(waited) == 1 and "your Bronze level allows 2 a minute" in waited[0].message
    starts = sorted(studio.journal.get(s.chosen).submitted_at for s in board.shots)
    assert starts[2] - starts[0] >= MINUTE * 0.95, "the third shot did not wait for the level's next minute"
    promised = studio.journal._db.execute("SELECT key FROM queue_meta WHERE key LIKE 'start:%'").fetchall()
    assert promised == [], "every promised start was given back"


def test_a_promised_start_counts_for_the_queue_too(tmp_path):
    studio = make_studio("http://127.0.0.1:9", tmp_path / "data")
    store, bronze = QueueStore(studio.journal), levels.LEVELS["bronze"]
    try:
        store.add(Take(id="q1", owner="local", model_id=LITE, prompt="p"), {"choices": {}})
        first, second = store.promise_start(bronze, 60), store.promise_start(bronze, 60)
        assert first and second and store.promise_start(bronze, 60) is None  # Bronze: two starts a minute
        assert store.claim("me", "local", bronze, 60, 30) is None  # the queue sees the board's two promises
        store.release_start(first)
        assert store.claim("me", "local", bronze, 60, 30) == "q1"
    finally:
        studio.journal.close()


def test_the_level_known_is_kept_demo_mode_is_not_paced_and_a_plan_splits_into_its_takes(tmp_path):
    demo, keyed = (make_studio("http://127.0.0.1:9", tmp_path / name, demo=name == "demo") for name in ("demo", "key"))
    try:
        QueueStore(demo.journal).set_meta("tier", "bronze")
        assert paced_start.level_of(open_session(demo)) is None
        session, store = open_session(keyed, key=TEST_KEY), QueueStore(keyed.journal)
        assert paced_start.level_of(session) is None  # no level known yet: shots start as they always did
        store.set_meta("auto_level", "silver")
        assert paced_start.level_of(session).name == "silver"  # the level auto learned
        store.set_meta("tier", "gold")
        assert paced_start.level_of(session).name == "gold"  # the level chosen
    finally:
        demo.journal.close()
        keyed.journal.close()
    plan = lite_plan(takes=3, seed=100)
    parts = paced_start.one_take_plans(plan)
    assert [p.seeds for p in parts] == [(100,), (101,), (102,)]
    assert sum(p.price.total for p in parts) == plan.price.total and {p.output_size for p in parts} == {
        plan.output_size
    }

"""Settings: the account level the queue keeps to. Remembered where ``seedance batch --tier`` remembers it, one per
visitor on a Space, explained in one plain line, followed by the Queue tab's ETA and by a runner already going;
demo mode says it doesn't pace."""

import asyncio

import pytest
from conftest import lite_plan, make_photo

from seedance_ui import runtime
from seedance_ui.cli_queue import _tier
from seedance_ui.takes.queue_runner import Runner, enqueue
from seedance_ui.takes.queue_store import QueueStore
from seedance_ui.ui import queue_page, queue_settings
from seedance_ui.ui.state import AppContext, Visitor


@pytest.fixture
def key_ctx(emu, tmp_path):
    live = runtime.start(key="wsk-desk-0001", base_url=emu.url, demo=False, data_dir=tmp_path / "live")
    yield AppContext(demo=None, live=live, owner_key=True)
    live.close()


@pytest.fixture
def photo(tmp_path):
    path = tmp_path / "photo.jpg"
    path.write_bytes(make_photo())
    return path


def test_the_level_is_remembered_as_batch_tier_remembers_it_and_explained(key_ctx):
    v = Visitor()
    session = key_ctx.session(v)
    _, note = queue_settings.load(key_ctx, v)
    assert "Auto starts as Bronze (2 videos a minute, 2 at once)" in note and "Demo" not in note
    note = queue_settings.choose(key_ctx, v, "silver")
    assert note.startswith("Silver: WaveSpeed starts up to 500 videos a minute") and "300 at once" in note
    assert _tier(session, None) == "silver"  # what `seedance batch` / `seedance queue run` will keep to
    assert queue_settings.load(key_ctx, Visitor())[0]["value"] == "silver"  # a new tab finds it again
    _tier(session, "gold")  # `seedance batch --tier gold` is what Settings then shows
    assert queue_settings.load(key_ctx, v)[0]["value"] == "gold"
    assert queue_settings.choose(key_ctx, v, "platinum").startswith("⛔ 'platinum' is not an account level")
    assert _tier(session, None) == "gold"


def test_the_queue_eta_follows_the_level(key_ctx, photo):
    v = Visitor()
    session = key_ctx.session(v)
    store = QueueStore(session.studio.journal)
    store.pause(session.owner)  # held: the ETA of what waits, nothing sent
    for _ in range(3):
        enqueue(session, lite_plan(takes=2), photo)
    queue_settings.choose(key_ctx, v, "bronze")
    bronze = queue_page.snapshot(key_ctx, v)
    queue_settings.choose(key_ctx, v, "gold")
    gold = queue_page.snapshot(key_ctx, v)
    assert "(bronze level)" in bronze["summary"] and "(gold level)" in gold["summary"]
    # six takes: Bronze starts two a minute, so the last starts minutes later; Gold starts them all at once
    assert max(x["eta"] for x in bronze["items"]) >= max(x["eta"] for x in gold["items"]) + 100


def test_a_running_queue_takes_up_a_changed_level(key_ctx, photo):
    v = Visitor()
    session = key_ctx.session(v)
    queue_settings.choose(key_ctx, v, "bronze")
    runner = Runner(session, tier=queue_page.tier_of(session), tier_source=lambda: queue_page.tier_of(session))
    assert runner.pacer.level.name == "bronze"
    queue_settings.choose(key_ctx, v, "ultra")
    assert asyncio.run(runner._start_next()) is False  # nothing queued; the level is read again all the same
    assert runner.pacer.level.name == "ultra"


def test_demo_mode_says_it_does_not_pace(tmp_path):
    rt = runtime.start(demo=True, demo_processing_seconds=0.3, data_dir=tmp_path / "data")
    try:
        ctx, v = AppContext(demo=rt, live=None), Visitor()
        note = queue_settings.choose(ctx, v, "bronze")
        assert note.startswith("Bronze:") and "Demo mode doesn't pace" in note
        assert "Demo mode doesn't pace" in queue_settings.load(ctx, v)[1]
        assert queue_page.tier_of(ctx.session(v)) == "ultra"  # its previews never wait on a level
    finally:
        rt.close()


def test_each_visitor_on_a_space_has_their_own_level(emu, tmp_path):
    live = runtime.start(key="", base_url=emu.url, demo=False, data_dir=tmp_path / "live")
    try:
        ctx = AppContext(demo=None, live=live, on_space=True)
        a, b = Visitor(key="wsk-visitor-a-0001"), Visitor(key="wsk-visitor-b-0002")
        queue_settings.choose(ctx, a, "gold")
        assert queue_settings.load(ctx, a)[0]["value"] == "gold"
        assert queue_settings.load(ctx, b)[0]["value"] == "auto"
        assert QueueStore(live.studio.journal).meta("tier") is None  # not the desktop's (the CLI's) level
    finally:
        live.close()

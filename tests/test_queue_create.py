"""Create's Generate while the visitor's queue is busy: the click's takes join the queue (the same Plan, price and
spend confirmation), the take area says where and when, nothing starts beside the queue; an idle queue changes
nothing. Driven through the handler the Create page binds (``takes_view.generate``)."""

import asyncio
import html

import pytest
from conftest import lite_plan, make_photo

from seedance_ui import runtime
from seedance_ui.takes.queue_runner import Runner, enqueue
from seedance_ui.takes.queue_store import QueueStore
from seedance_ui.ui import create as c
from seedance_ui.ui import queue_page
from seedance_ui.ui import takes_view as tv
from seedance_ui.ui.form import Form
from seedance_ui.ui.state import AppContext, Visitor

V15 = "Seedance V1.5 Pro"


@pytest.fixture
def key_ctx(emu, tmp_path):
    live = runtime.start(key="wsk-desk-0001", base_url=emu.url, demo=False, data_dir=tmp_path / "live")
    live.studio.reconcile_delay = 0.1
    yield AppContext(demo=None, live=live, owner_key=True)
    stop_runners()
    live.close()


def stop_runners():
    """The app's runner threads end on their own once their queue is empty or paused: waited for before the
    journal closes."""
    for thread in list(queue_page._runners.values()):
        thread.join(timeout=30)


@pytest.fixture
def photo(tmp_path):
    path = tmp_path / "photo.jpg"
    path.write_bytes(make_photo(800, 600))
    return str(path)


def click(ctx, visitor, first, *, takes=2, confirmed=True, threshold=99.0, seed=700):
    """Generate on Create, as the page calls it; returns the frames it yielded."""

    async def go():
        return [f async for f in tv.generate(ctx, Form(visitor=visitor, first=first, prompt="queued from Create",
                                             family=V15, resolution="480p", duration=4, aspect=c.MATCH, seed=seed,
                                             takes=takes, confirmed=confirmed, threshold=threshold))]  # fmt: skip

    return asyncio.run(go())


def test_generate_joins_a_busy_queue_and_says_where_and_when(key_ctx, emu, photo):
    v = Visitor()
    session = key_ctx.session(v)
    store = QueueStore(session.studio.journal)
    store.pause(session.owner)  # the queue holds two takes that wait
    enqueue(session, lite_plan(takes=2), photo)
    frames = click(key_ctx, v, photo, takes=2)
    said = html.unescape(frames[-1].error)
    assert "Your queue is busy, so these 2 takes were added to it at #3 and #4, ready about" in said
    assert "after you resume it" in said
    assert "Nothing is sent or charged until its turn; the Queue tab shows them." in said
    assert "Your queue is paused" in said and "calm-card" in frames[-1].error
    assert emu.emulator.count("submit") == 0 and emu.emulator.count("upload") == 0  # nothing started beside it
    items = store.items(session.owner)
    assert [i.position for i in items] == [1, 2, 3, 4]
    mine = [i.take for i in items[2:]]
    assert [t.prompt for t in mine] == ["queued from Create"] * 2 and [t.seed for t in mine] == [700, 701]
    form = Form(family=V15, resolution="480p", duration=4, aspect=c.MATCH, takes=2, seed=700)
    plan = tv.Plan.make(form.choices(), image_size=(800, 600), priced_only=True)
    assert sum(float(t.price_usd) for t in mine) == pytest.approx(float(plan.price.total))  # the button's price
    assert all(t.state == "queued" and t.money == "not_charged" for t in mine)

    store.resume(session.owner)
    asyncio.run(Runner(session, tier="ultra").run())
    assert emu.emulator.count("submit") == 4
    assert [i.take.state for i in store.items(session.owner, include_done=True)] == ["downloaded"] * 4


def test_a_take_under_way_is_a_busy_queue_too(key_ctx, emu, photo):
    emu.emulator.processing_seconds = 3.0
    v = Visitor()
    session = key_ctx.session(v)
    store = QueueStore(session.studio.journal)
    enqueue(session, lite_plan(), photo)
    queue_page.ensure_runner(session, key_ctx)
    while not [i for i in store.items(session.owner) if i.take.task_id]:  # sent, rendering at WaveSpeed
        asyncio.run(asyncio.sleep(0.05))
    said = html.unescape(click(key_ctx, v, photo, takes=1)[-1].error)
    assert "Your queue is busy, so this take was added to it at #1, ready in about" in said
    assert "paused" not in said and "the Queue tab shows it." in said
    stop_runners()
    assert [i.take.state for i in store.items(session.owner, include_done=True)] == ["downloaded"] * 2
    assert emu.emulator.count("submit") == 2


def test_the_spend_confirmation_still_comes_first(key_ctx, emu, photo):
    v = Visitor()
    session = key_ctx.session(v)
    store = QueueStore(session.studio.journal)
    store.pause(session.owner)
    enqueue(session, lite_plan(), photo)
    frames = click(key_ctx, v, photo, takes=4, confirmed=False, threshold=0.05)
    assert "Tick 'Yes, spend" in html.unescape(frames[-1].error)
    assert len(store.items(session.owner)) == 1  # not queued without the yes


def test_an_idle_queue_leaves_generate_as_it_was(key_ctx, emu, photo):
    v = Visitor()
    frames = click(key_ctx, v, photo, takes=1)
    assert frames[-1].status.startswith("✅ Done") and frames[-1].files and frames[-1].error == ""
    assert emu.emulator.count("submit") == 1
    assert QueueStore(key_ctx.live.studio.journal).items("local", include_done=True) == []


def test_a_full_queue_on_a_space_adds_nothing(tmp_path, photo, monkeypatch):
    monkeypatch.setattr(queue_page, "SPACE_CAP", 3)
    rt = runtime.start(demo=True, demo_processing_seconds=0.3, data_dir=tmp_path / "data")
    try:
        ctx, v = AppContext(demo=rt, live=None, on_space=True), Visitor()
        session = ctx.session(v)
        store = QueueStore(session.studio.journal)
        store.pause(session.owner)
        enqueue(session, lite_plan(takes=2), photo)
        frames = click(ctx, v, photo, takes=2)
        said = html.unescape(frames[-1].error)
        assert "Your queue is busy and full (3 takes on this Space): nothing was added or sent." in said
        assert len(store.items(session.owner)) == 2 and rt.emulator.emulator.count("submit") == 0
        frames = click(ctx, v, photo, takes=1)  # one more still fits; demo mode speaks of no money
        said = html.unescape(frames[-1].error)
        assert "this take was added to it at #3" in said and "charged" not in said and "$" not in said
    finally:
        stop_runners()
        rt.close()

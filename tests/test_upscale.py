"""Upscaling a saved take with WaveSpeed's video upscaler, against the emulator over real HTTP: priced before
anything is sent, charged what was quoted, journaled as a take of its own, recoverable, never paid twice."""

import asyncio
import math
from decimal import Decimal

import pytest
from conftest import TEST_KEY, V15, drive, make_photo, make_studio, open_session
from test_session import v15_plan

from seedance_ui import upscale, video
from seedance_ui.errors import InputError, Money, SeedanceError
from seedance_ui.takes.take_run import TakeResult

UPSCALER = upscale.UPSCALER_ID


@pytest.fixture
def taken(core, tmp_path):
    """A saved take with the defaults a person gets (sound on), 480p 4:3, 4 s: 752 x 560."""
    first = tmp_path / "first.jpg"
    first.write_bytes(make_photo(800, 600))
    session = open_session(core)
    [r] = drive(session, lambda: session.generate(v15_plan(generate_audio=True), first))
    assert isinstance(r, TakeResult) and video.probe(r.video_path)["audio"]
    return r.take


def test_upscale_is_priced_first_charged_that_and_lands_in_history(core, taken, emu):
    session = open_session(core)
    before = emu.emulator.balance_of(TEST_KEY)
    quote = drive(session, lambda: session.upscale_price(taken.id, "1080p"))
    seconds = video.probe(taken.video_path)["seconds"]
    # the snapshot's formula: $0.0072 per second of video at 1080p, rounded up to the cent
    assert quote.kind == "formula" and quote.usd == Decimal(math.ceil(0.0072 * seconds * 100)) / 100
    assert (quote.width, quote.height) == (1450, 1080) and "$0.03" in quote.text and "estimate" in quote.text
    assert emu.emulator.count("submit") == 1 and emu.emulator.count("upload") == 1  # pricing sent nothing

    seen = []
    r = drive(session, lambda: session.upscale(taken.id, "1080p", on_progress=seen.append))
    up = r.take
    assert up.state == "downloaded" and up.model_id == UPSCALER and up.money == Money.CHARGED.value
    assert up.price_usd == f"{quote.usd:.2f}" and not up.price_published
    assert up.settings["source_take"] == taken.id and up.settings["target_resolution"] == "1080p"
    assert up.prompt == taken.prompt and up.seed == taken.seed
    info = video.probe(r.video_path)
    assert (info["width"], info["height"], info["audio"]) == (1450, 1080, True)
    assert info["frames"] == video.probe(taken.video_path)["frames"]
    assert r.video_path.name.endswith("_upscaled-1080p.mp4") and r.facts["model"] == "ByteDance Video Upscaler"
    assert {"uploading", "submitting", "queued", "saved"} <= {p.stage for p in seen}
    job = emu.emulator.jobs[up.task_id]
    assert job.model == UPSCALER and job.inputs["target_resolution"] == "1080p"
    assert f"{job.price:.2f}" == up.price_usd  # charged what was quoted
    assert round(before - emu.emulator.balance_of(TEST_KEY), 4) == round(job.price, 4)
    assert [t.id for t in session.history()][:2] == [up.id, taken.id]
    assert session.take(up.id).video_path == str(r.video_path)


def test_sizes_it_cannot_take_are_refused_plainly_before_anything_is_sent(core, taken, emu):
    session = open_session(core)
    with pytest.raises(InputError, match="makes 1080p, 2k, 4k"):
        drive(session, lambda: session.upscale(taken.id, "720p"))
    other = open_session(core, owner="someone-else")
    with pytest.raises(InputError, match="isn't in your history"):
        drive(other, lambda: other.upscale_price(taken.id, "1080p"))
    up = upscale.current()
    assert "already 1080 pixels" in str(up.problem("1080p", 1080)) and up.problem("2k", 1080) is None
    assert emu.emulator.count("submit") == 1 and len(session.history()) == 1


def test_a_double_click_upscales_once(core, taken, emu):
    session = open_session(core)

    async def twice():
        return await asyncio.gather(session.upscale(taken.id, "1080p"), session.upscale(taken.id, "1080p"))

    a, b = drive(session, twice)
    assert a.take.id == b.take.id and emu.emulator.count("submit") == 2  # the take's, then one upscale


def test_an_upscale_whose_answer_was_lost_is_adopted_not_resent(core, taken, emu):
    emu.emulator.faults.add(route="submit", action="drop", store=True)
    session = open_session(core)
    r = drive(session, lambda: session.upscale(taken.id, "1080p"))
    assert r.take.state == "downloaded" and emu.emulator.count("submit") == 2
    assert "Adopted from WaveSpeed's job list" in r.take.note


def test_an_upscale_left_rendering_is_finished_by_recover(emu, tmp_path, core, taken):
    emu.emulator.processing_seconds = 3.0
    slow = make_studio(emu.url, tmp_path / "data")  # the same journal and library as ``core``
    session = open_session(slow)

    async def close_app_mid_render():
        task = asyncio.create_task(session.upscale(taken.id, "1080p"))
        for _ in range(200):
            await asyncio.sleep(0.05)
            ups = [t for t in session.history() if t.model_id == UPSCALER]
            if ups and ups[0].task_id:
                break
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    drive(session, close_app_mid_render)
    [up] = [t for t in session.history() if t.model_id == UPSCALER]
    assert up.state in ("submitted", "running") and up.task_id
    report = drive(session, session.recover)
    assert [r.take.id for r in report.finished] == [up.id] and report.finished[0].take.state == "downloaded"
    assert video.probe(report.finished[0].video_path)["height"] == 1080 and emu.emulator.count("submit") == 2
    slow.journal.close()


def test_a_formula_only_wavespeed_can_evaluate_is_priced_by_wavespeed(core, taken, emu):
    item = next(i for i in emu.emulator.catalog.answer() if i["model_id"] == UPSCALER)
    item["formula"] = '{"total_price": base_price * clip_frames(video) / 24}'
    emu.emulator.catalog.add(item)
    emu.emulator.catalog.helpers["clip_frames"] = lambda *_: 97
    upscale.use_items([item])
    try:
        session = open_session(core)
        q = drive(session, lambda: session.upscale_price(taken.id, "2k"))
        assert q.kind == "wavespeed" and q.usd == Decimal("0.03") and "WaveSpeed's own price" in q.text
        assert emu.emulator.count("price") == 1
    finally:
        upscale.forget_live()
        emu.emulator.catalog.helpers.pop("clip_frames")


def test_demo_upscale_costs_nothing_and_says_so(emu, tmp_path):
    studio = make_studio(emu.url, tmp_path / "demo", demo=True)
    first = tmp_path / "p.jpg"
    first.write_bytes(make_photo(640, 480))
    session = open_session(studio)
    [r] = drive(session, lambda: session.generate(v15_plan(model_id=V15), first))
    q = drive(session, lambda: session.upscale_price(r.take.id, "1080p"))
    assert q.kind == "demo" and q.usd is None and "demo preview" in q.text and "charge" not in q.text  # no money words
    up = drive(session, lambda: session.upscale(r.take.id, "1080p"))
    assert up.take.state == "downloaded" and up.facts["price_usd"] is None
    with pytest.raises(SeedanceError):
        drive(session, lambda: session.upscale("nope", "1080p"))
    studio.journal.close()

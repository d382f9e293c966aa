"""Cancel at the three moments where a wrong guard costs money: while the pictures are still being prepared (nothing
sent yet: it must stay unsent), while the submit's answer is lost (no task id yet: nothing to DELETE, and the job
must still be adopted), and after the render finished but before the video is saved (a DELETE then would throw
away a paid video)."""

import pytest
from conftest import drive, lite_plan, open_session

from seedance_ui.errors import Money, SeedanceError
from seedance_ui.takes.take_run import TakeResult


@pytest.fixture
def picture(tmp_path):
    from conftest import make_photo

    path = tmp_path / "first.jpg"
    path.write_bytes(make_photo(800, 600))
    return path


def test_cancel_of_a_rendered_but_unsaved_take_keeps_the_paid_video(core, picture, emu):
    session = open_session(core)
    replies: list[str] = []

    async def on_progress(p):
        if p.stage == "downloading" and not replies:
            replies.append(await session.cancel(p.take_id))

    [result] = drive(session, lambda: session.generate(lite_plan(), picture, on_progress=on_progress))
    assert replies and "nothing left to stop" in replies[0]
    assert emu.emulator.count("delete") == 0 and emu.emulator.count("bulk_delete") == 0
    assert isinstance(result, TakeResult) and result.take.state == "downloaded" and result.video_path.exists()
    assert result.take.money == Money.CHARGED.value


def test_cancel_while_preparing_sends_nothing_and_says_nothing_was_charged(core, picture, emu):
    session = open_session(core)
    replies: list[str] = []

    async def on_progress(p):
        if p.stage == "uploading" and not replies:
            replies.append(await session.cancel(p.take_id))

    [result] = drive(session, lambda: session.generate(lite_plan(), picture, on_progress=on_progress))
    assert replies and "nothing was charged" in replies[0]
    assert emu.emulator.count("submit") == 0  # the cancelled take is never sent
    assert isinstance(result, SeedanceError) and result.money == Money.NOT_CHARGED
    take = session.history()[0]
    assert take.state == "failed" and take.money == Money.NOT_CHARGED.value and take.task_id is None


def test_cancel_while_the_submit_answer_is_lost_sends_no_delete_and_the_job_is_still_adopted(emu, tmp_path, picture):
    """The POST went out and its answer was lost: there is no task id to cancel yet. A cancel then must not DELETE
    a made-up id nor mark the take cancelled (it would leave the lost-answer set, and a job that did start, paid,
    would never be adopted). It says the take stays until we know, and the job is adopted and saved."""
    from conftest import make_studio

    emu.emulator.list_lag = 1.5  # the job shows up in WaveSpeed's list only after a while
    studio = make_studio(emu.url, tmp_path / "lost", list_lag=6.0, reconcile_delay=0.3)
    emu.emulator.faults.add(route="submit", action="status", status=502, store=True)
    session = open_session(studio)
    replies: list[str] = []
    states: list[tuple[str, str]] = []

    async def on_progress(p):
        if p.stage == "checking_job" and not replies:
            replies.append(await session.cancel(p.take_id))
            t = session.take(p.take_id)
            states.append((t.state, t.money))

    [result] = drive(session, lambda: session.generate(lite_plan(), picture, on_progress=on_progress))
    assert replies and "until we know" in replies[0], replies
    assert emu.emulator.count("delete") == 0 and emu.emulator.count("bulk_delete") == 0
    assert states[0][0] in ("submitting", "unknown") and states[0][1] == Money.UNKNOWN.value, states
    assert isinstance(result, TakeResult) and result.take.state == "downloaded" and result.video_path.exists()
    assert emu.emulator.count("submit") == 1 and result.take.money == Money.CHARGED.value
    studio.journal.close()

"""Cancel at the two moments where a wrong guard costs money: while the pictures are still being prepared (nothing
sent yet: it must stay unsent), and after the render finished but before the video is saved (a DELETE then would
throw away a paid video)."""

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

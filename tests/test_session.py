"""A visitor's Session, the one door into the core, against the emulator over real HTTP: takes land in the library,
nothing paid for is lost, keys appear nowhere, and a bad download leaves nothing behind but a recoverable take."""

import asyncio
import json
import logging
import time
from pathlib import Path

import pytest
from conftest import (
    LITE,
    TEST_KEY,
    V15,
    drive,
    fast_client,
    lite_plan,
    make_photo,
    make_studio,
    open_session,
    run,
    table_row,
)
from PIL import Image, ImageChops, ImageStat

from seedance_ui import runtime, video
from seedance_ui.errors import DeadlineExceeded, DownloadFailed, Money, SeedanceError
from seedance_ui.journal import Take
from seedance_ui.plan import Choices, Plan
from seedance_ui.takes.take_run import TakeResult


def v15_plan(**kw) -> Plan:
    values = {"model_id": V15, "prompt": "The cat turns to the camera, slow push-in", "duration": 4,
              "resolution": "480p", "generate_audio": False} | kw  # fmt: skip
    return Plan.make(Choices.of(**values))


def diff(a: Image.Image, b: Image.Image) -> float:
    return sum(ImageStat.Stat(ImageChops.difference(a.convert("RGB"), b.convert("RGB"))).mean) / 3


@pytest.fixture
def photos(tmp_path):
    first, last = tmp_path / "first.jpg", tmp_path / "last.png"
    first.write_bytes(make_photo(800, 600))
    last.write_bytes(make_photo(800, 600, color=(20, 200, 20), fmt="PNG"))
    return first, last


# One take, and several --------------------------------------------------------------------------------------


def test_take_with_first_and_last_image_lands_in_the_library(core, photos, emu):
    first, last = photos
    session = open_session(core)
    seen = []
    [result] = drive(session, lambda: session.generate(v15_plan(), first, last, on_progress=seen.append))
    take = result.take
    assert take.state == "downloaded" and take.money == Money.CHARGED.value and take.seed >= 0
    assert [s for s in dict.fromkeys(p.stage for p in seen)][:3] == ["uploading", "submitting", "queued"]
    assert {"rendering", "downloading", "saved"} <= {p.stage for p in seen}
    assert all(p.task_id == take.task_id for p in seen if p.stage in ("queued", "rendering", "saved"))
    info = video.probe(result.video_path)
    assert (info["width"], info["height"], info["frames"], info["audio"]) == (752, 560, 97, False)
    assert info["metadata"]["title"].startswith("The cat turns") and f"seed={take.seed}" in info["metadata"]["comment"]
    sidecar = json.loads(Path(take.sidecar_path).read_text())
    # 752x560 (4:3 at 480p) * 24 fps * 4 s / 1024 = 39,480 tokens at $1.2 per million, silent: $0.047
    assert sidecar["seed"] == take.seed and sidecar["task_id"] == take.task_id and sidecar["price_usd"] == "0.05"
    assert Path(take.poster_path).exists() and f"seed{take.seed}" in result.video_path.name
    end = video.extract_frame(result.video_path, "last")
    assert diff(end, Image.open(last).resize(end.size)) < 12  # ends on the last image
    assert emu.emulator.count("submit") == 1


def test_defaults_a_person_gets_sound_on_match_my_image_720p(core, photos, emu):
    plan = Plan.make(Choices.of(prompt="a slow push-in"))
    assert (plan.spec.id, plan.values["duration"], plan.values["resolution"]) == (V15, 5, "720p")
    assert plan.values["generate_audio"] is True and plan.values["aspect_ratio"] is None
    session = open_session(core)
    [r] = drive(session, lambda: session.generate(plan, photos[0]))
    info = video.probe(r.video_path)
    assert (info["width"], info["height"], info["frames"], info["audio"]) == (1112, 834, 121, True)  # 4:3 picture
    job = emu.emulator.jobs[r.take.task_id]
    assert job.inputs["generate_audio"] is True and "aspect_ratio" not in job.inputs
    assert r.take.price_usd == f"{plan.for_image((800, 600)).price.per_take:.2f}"


def test_several_takes_step_the_seed_and_each_gets_its_own_job(core, photos, emu):
    session = open_session(core)
    results = drive(session, lambda: session.generate(lite_plan(seed=7, takes=3), photos[0]))
    assert [r.take.seed for r in results] == [7, 8, 9]
    assert [emu.emulator.jobs[r.take.task_id].inputs["seed"] for r in results] == [7, 8, 9]
    assert len({r.video_path for r in results}) == 3 and emu.emulator.count("submit") == 3
    assert emu.emulator.count("upload") == 1  # one picture uploaded once for all takes


def test_double_click_sends_one_post(core, photos, emu):
    session, other = open_session(core), open_session(core, owner="someone-else")
    second_tab = open_session(core)  # the same owner ("local" on a desktop), another tab or API call

    async def go():
        a, b = await asyncio.gather(session.generate(lite_plan(), photos[0]), session.generate(lite_plan(), photos[0]))
        c = await other.generate(lite_plan(), photos[0])
        d = await second_tab.generate(lite_plan(), photos[0])
        return a, b, c, d

    a, b, c, d = drive(session, go)
    assert a[0].take.id == b[0].take.id and len({a[0].take.id, c[0].take.id, d[0].take.id}) == 3
    assert emu.emulator.count("submit") == 3  # one for the double click, one per other visitor or tab


# Submits whose answer was lost, jobs that outlive the wait ----------------------------------------------------


def test_connection_cut_after_storing_is_adopted_not_resent(core, photos, emu):
    emu.emulator.faults.add(route="submit", action="drop", store=True)
    session = open_session(core)
    [r] = drive(session, lambda: session.generate(lite_plan(), photos[0]))
    assert isinstance(r, TakeResult) and r.take.state == "downloaded" and emu.emulator.count("submit") == 1


def test_submit_that_never_arrived_ends_most_likely_not_started(core, photos, emu):
    emu.emulator.faults.add(route="submit", action="drop")  # cut before anything was stored
    session = open_session(core)
    [e] = drive(session, lambda: session.generate(lite_plan(), photos[0]))
    assert isinstance(e, SeedanceError) and e.money is Money.LIKELY_NOT_STARTED
    take = session.history()[0]
    assert take.state == "not_started" and take.task_id is None and emu.emulator.count("submit") == 1
    assert "most likely never started" in take.error_message


def test_deadline_leaves_the_take_rendering_and_recover_finishes_it(emu, tmp_path, photos):
    emu.emulator.processing_seconds = 1.5
    studio = make_studio(emu.url, tmp_path / "d", client_factory=lambda: fast_client(emu.url, deadline=0.4))
    session = open_session(studio)
    [e] = drive(session, lambda: session.generate(lite_plan(), photos[0]))
    assert isinstance(e, DeadlineExceeded) and e.money is Money.RENDERING and e.task_id in emu.emulator.jobs
    take = session.history()[0]
    assert take.state in ("submitted", "running") and take.task_id == e.task_id
    studio._client_factory = lambda: fast_client(emu.url)
    report = drive(session, session.recover)
    assert [r.take.state for r in report.finished] == ["downloaded"] and report.waiting == report.ended == []
    assert emu.emulator.count("submit") == 1
    studio.journal.close()


@pytest.mark.parametrize(("fault", "state", "money"), [({"fail_code": 1200}, "failed", "refunded"),
                                                       ({"expire": "always"}, "expired", "charged")])  # fmt: skip
def test_failures_are_journaled_with_the_money(core, photos, emu, fault, state, money):
    emu.emulator.faults.add(route="task", **fault)
    session = open_session(core)
    [e] = drive(session, lambda: session.generate(lite_plan(), photos[0]))
    take = session.history()[0]
    assert take.state == state and take.money == money and take.error_message == e.message
    assert e.money.value == money and e.task_id == take.task_id


def test_recover_a_take_killed_during_submit_adopts_the_stored_job(core, emu):
    """The process died after the POST reached WaveSpeed but before the answer: only 'submitting' was written."""

    async def post_only():
        async with fast_client(emu.url) as c:
            url = await c.upload(make_photo(), "p.jpg", "image/jpeg")
            return await c.submit(LITE, {"image": url, "prompt": "lost answer", "duration": 2, "seed": 31})

    task = run(post_only())
    core.journal.add(Take(id="killed", model_id=LITE, prompt="lost answer", seed=31, state="submitting",
                          settings={"duration": 2, "resolution": "480p"}, submitted_at=time.time()))  # fmt: skip
    session = open_session(core)
    report = drive(session, session.recover)
    assert [r.take.id for r in report.finished] == ["killed"] and report.finished[0].take.task_id == task
    assert emu.emulator.count("submit") == 1


def test_recover_a_task_made_elsewhere_with_this_key(core, emu):
    async def submit_elsewhere():
        async with fast_client(emu.url) as c:
            url = await c.upload(make_photo(), "x.jpg", "image/jpeg")
            return await c.submit(LITE, {"image": url, "duration": 2, "prompt": "made elsewhere", "seed": 9})

    task = run(submit_elsewhere())
    session = open_session(core)
    result = drive(session, lambda: session.recover_task(task))
    assert result.take.task_id == task and result.take.state == "downloaded" and result.video_path.exists()
    assert "prompt and seed are not in WaveSpeed's answer" in result.take.note  # the result carries no inputs
    assert drive(session, lambda: session.recover_task(task)).take.id == result.take.id  # asking again: same take


# The library: continue, loop, stitch, delete ----------------------------------------------------------------


def test_continue_from_last_frame_and_stitch(core, photos, emu, tmp_path):
    session = open_session(core)
    [one] = drive(session, lambda: session.generate(v15_plan(prompt="pan left"), photos[0]))
    frame = session.last_frame(one.take.id)
    [two] = drive(session, lambda: session.generate(v15_plan(prompt="a still moment", camera_fixed=True), frame))
    start, end_of_one = video.extract_frame(two.video_path, "first"), video.extract_frame(one.video_path, "last")
    assert diff(start, end_of_one.resize(start.size)) < 8  # the next take starts where the last one ended
    info = session.stitch([one.take.id, two.take.id], tmp_path / "both.mp4")
    got = video.probe(info["path"])
    assert got["frames"] == 97 * 2 and (got["width"], got["height"]) == (752, 560)


def test_loop_uses_the_same_image_first_and_last(core, photos):
    session = open_session(core)
    [r] = drive(session, lambda: session.generate(v15_plan(prompt="pan right"), photos[0], photos[0]))
    assert diff(video.extract_frame(r.video_path, "first"), video.extract_frame(r.video_path, "last")) < 8


def test_delete_keeps_pictures_another_take_still_uses(core, photos):
    session = open_session(core)
    a, b = drive(session, lambda: session.generate(lite_plan(takes=2), photos[0]))
    session.delete(a.take.id)
    assert not a.video_path.exists() and not Path(a.take.poster_path).exists()
    assert Path(b.take.first_image).exists() and b.video_path.exists()
    session.delete(b.take.id)
    assert not Path(b.take.first_image).exists() and session.history() == []


# 7: a server that echoes the key ----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["runtime key", "visitor key"])
def test_an_echoed_key_appears_in_no_message_card_journal_row_or_log(emu, tmp_path, photos, caplog, who):
    key = TEST_KEY if who == "runtime key" else "wsk-visitor-Q7-" + tmp_path.name[-8:]
    rt = runtime.start(key=TEST_KEY, base_url=emu.url, data_dir=tmp_path / "rt")
    session = rt.session(owner="visitor", key=None if who == "runtime key" else key)
    for route in ("submit", "price", "balance"):  # the quote asks for the balance too: the second is check_key's
        emu.emulator.faults.add(route=route, action="status", status=400, echo_key=True, times=1 + (route == "balance"))
    with caplog.at_level(logging.DEBUG):
        for name in ("httpx", "httpcore", "seedance_ui"):
            logging.getLogger(name).setLevel(logging.DEBUG)

        async def go():
            [e] = await session.generate(lite_plan(), photos[0])
            return e, await session.price_check(lite_plan()), await session.check_key()

        e, price, balance = drive(session, go)
        logging.getLogger("seedance_ui.takes.take_run").warning("echoed by the server: %s", e.message)
    assert emu.emulator.count("submit") == 1 and emu.emulator.faults.fired  # the server really echoed it
    texts = {"message": e.message, "card": json.dumps(session.card(e)), "price card": price.problem,
             "balance": balance.problem, "journal": (tmp_path / "rt" / "journal.sqlite3").read_bytes().decode("latin-1"),
             "library": " ".join(p.read_text("latin-1") for p in (tmp_path / "rt").rglob("*.json")),
             "logs": "\n".join(r.getMessage() for r in caplog.records)}  # fmt: skip
    assert "[redacted]" in e.message and "[redacted]" in price.problem and "[redacted]" in balance.problem
    assert session.history()[0].error_message == e.message and e.money is Money.NOT_CHARGED
    for where, text in texts.items():
        assert key not in text, where
    table_row("Money truth (issue 11)", ["scenario", "submit POSTs counted", "what the person was told",
              "final state", "money line"], [f"server echoes the {who} in a 400", emu.emulator.count("submit"),
              f"{e.message} {session.card(e)['money']}", session.history()[0].state, session.history()[0].money])  # fmt: skip
    rt.close()


def test_a_key_logged_by_any_module_is_scrubbed(caplog):
    from seedance_ui import keys

    keys.remember("wsk-logged-secret-123456")
    with caplog.at_level(logging.INFO):
        for name in ("seedance_ui.takes.take_run", "seedance_ui.session", "httpx", "someone.else"):
            logging.getLogger(name).info("sent with wsk-logged-secret-123456 and Authorization: Bearer abcdefgh123")
    assert len(caplog.records) == 4
    for r in caplog.records:
        assert "wsk-logged-secret-123456" not in r.getMessage() and "abcdefgh123" not in r.getMessage()


# 10: a paid video that arrives broken ------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["corrupt_mp4", "not_mp4"])
def test_a_broken_output_is_a_plain_download_error_and_stays_recoverable(core, photos, emu, kind):
    emu.emulator.faults.add(route="task", output=kind)
    session = open_session(core)
    [e] = drive(session, lambda: session.generate(lite_plan(), photos[0]))
    assert isinstance(e, DownloadFailed) and e.money is Money.CHARGED and e.task_id
    assert "not a video" in e.message or "can't be opened" in e.message
    library = core.library_for("local")
    assert [p for p in library.rglob("*") if p.is_file() and "inputs" not in p.parts] == []  # no junk, no .part
    take = session.take(session.history()[0].id)
    assert take.state == "completed" and take.money == Money.CHARGED.value and take.error_message == e.message
    report = drive(session, session.recover)
    assert [t.id for t in report.waiting] == [take.id] and report.waiting[0].error_message == e.message
    assert [p for p in library.rglob("*") if p.is_file() and "inputs" not in p.parts] == []
    table_row("Money truth (issue 11)", ["scenario", "submit POSTs counted", "what the person was told",
              "final state", "money line"], [f"completed job, output {kind}", emu.emulator.count("submit"),
              f"{e.message} {session.card(e)['money']}", take.state, take.money])  # fmt: skip
    emu.emulator.jobs[take.task_id].fault = {}  # the file host is fine again
    report = drive(session, session.recover)
    assert [r.take.state for r in report.finished] == ["downloaded"] and emu.emulator.count("submit") == 1


def test_each_take_reports_saved_the_moment_it_is_saved(core, photos, emu):
    """A fast take's video is announced while a slower take of the same click still renders."""
    emu.emulator.processing_seconds = lambda job: 0.2 if job.inputs.get("seed") == 42 else 2.0
    session, seen = open_session(core), []

    def progress(p):
        seen.append((p.index, p.stage))

    drive(session, lambda: session.generate(lite_plan(takes=2), photos[0], on_progress=progress))
    fast_saved = seen.index((0, "saved"))
    assert (1, "saved") in seen[fast_saved:] and any(i == 1 and st == "rendering" for i, st in seen[fast_saved:])


def test_the_same_picture_at_the_same_moment_is_uploaded_once(core, photos, emu):
    """Two tabs start takes with the same picture at once: one upload, two takes."""
    a, b = open_session(core), open_session(core)

    async def go():
        return await asyncio.gather(a.generate(lite_plan(seed=1), photos[0]), b.generate(lite_plan(seed=2), photos[0]))

    ra, rb = drive(a, go)
    assert ra[0].take.task_id != rb[0].take.task_id and emu.emulator.count("upload") == 1

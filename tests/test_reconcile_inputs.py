"""Issue 25: after an ambiguous submit, a job of the same model started elsewhere on the same account (another
key, the web playground) at the same moment is never taken for ours. One POST of ours in every case."""

import base64

import httpx
from conftest import LITE, TEST_KEY, drive, lite_plan, make_photo, open_session

from seedance_emulator.accounts import fingerprint
from seedance_ui.errors import CantTellJobs, Money, SeedanceError
from seedance_ui.takes.take_run import TakeResult

OTHER_KEY = "wsk-test-second-key-of-the-same-account"


def _started_elsewhere(emu) -> str:
    """A job of the same model, prompt, seed and length as ``lite_plan()``'s, but another picture, started by
    another key of the same account: only its image tells it from ours."""
    emu.emulator.add_key(OTHER_KEY, to=TEST_KEY)
    photo = "data:image/jpeg;base64," + base64.b64encode(make_photo(640, 480, color=(200, 40, 40))).decode()
    body = {"image": photo, "prompt": "slow push-in on the subject", "duration": 2, "seed": 42}
    r = httpx.post(f"{emu.url}/api/v3/{LITE}", json=body, headers={"Authorization": f"Bearer {OTHER_KEY}"})
    assert r.status_code == 200, r.text
    return r.json()["data"]["id"]


def _our_posts(emu) -> int:
    """Submit POSTs that reached the emulator, less the other key's one (stored or not)."""
    return emu.emulator.count("submit") - 1


def test_listed_inputs_adopt_our_job_and_never_the_other_keys(core, photo, emu):
    stranger = _started_elsewhere(emu)
    emu.emulator.faults.add(route="submit", action="status", status=502, store=True)
    session = open_session(core)
    [r] = drive(session, lambda: session.generate(lite_plan(), photo))
    assert isinstance(r, TakeResult), r
    ours = [j.id for j in emu.emulator.jobs.values() if j.key_fp == fingerprint(TEST_KEY)]
    assert len(ours) == 1 and r.take.task_id == ours[0] != stranger
    assert "inputs" in r.take.note and r.take.money == Money.CHARGED.value
    assert _our_posts(emu) == 1


def test_listed_inputs_never_adopt_the_other_keys_job_when_ours_never_landed(core, photo, emu):
    """Ours refused before storing: the only job of the model in the window is the other key's. Matching by
    model and time alone would take it (and its video, and its charge) for ours."""
    stranger = _started_elsewhere(emu)
    emu.emulator.faults.add(route="submit", action="status", status=502, store=False)
    session = open_session(core)
    [r] = drive(session, lambda: session.generate(lite_plan(), photo))
    assert isinstance(r, SeedanceError) and r.code == "not_started", r
    assert core.journal.by_task(stranger) is None
    assert _our_posts(emu) == 1


def test_without_inputs_two_candidates_are_said_not_picked(core, photo, emu):
    emu.emulator.list_inputs = False
    stranger = _started_elsewhere(emu)
    emu.emulator.faults.add(route="submit", action="status", status=502, store=True)
    session = open_session(core)
    [r] = drive(session, lambda: session.generate(lite_plan(), photo))
    assert isinstance(r, CantTellJobs), r
    ours = next(j.id for j in emu.emulator.jobs.values() if j.key_fp == fingerprint(TEST_KEY))
    assert stranger in r.message and ours in r.message and "can't tell" in r.message
    assert "seedance recover TASK_ID" in r.hint
    [take] = session.history()
    assert take.state == "unknown" and take.task_id is None and take.money == Money.UNKNOWN.value
    assert core.journal.by_task(stranger) is None and core.journal.by_task(ours) is None
    assert _our_posts(emu) == 1
    # recovery does not end it as "never started" (there is a job), nor pick one: it waits for the person
    report = drive(session := open_session(core), session.recover)
    assert [t.id for t in report.waiting] == [take.id] and core.journal.get(take.id).task_id is None
    # the person picks: their task id, by hand
    picked = drive(session := open_session(core), lambda: session.recover_task(ours))
    assert isinstance(picked, TakeResult) and picked.take.id == take.id and picked.take.task_id == ours
    assert _our_posts(emu) == 1

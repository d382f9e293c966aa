"""Money truth (issue 11) over real HTTP against the strict emulator: never pay twice, never lose a paid video,
never misstate the money. Each test adds the row it saw to the table printed at the end of the run."""

import asyncio
import shutil
import time

import httpx
import pytest
from conftest import LITE, TEST_KEY, drive, lite_plan, make_photo, make_studio, open_session, table_row

from seedance_emulator.accounts import fingerprint
from seedance_ui import video
from seedance_ui.errors import AuthenticationError, InputError, Money, SeedanceError
from seedance_ui.takes.take_run import TakeResult

HEADER = ["scenario", "submit POSTs counted", "what the person was told", "final state", "money line"]
NEVER = ("nothing was charged", "not charged", "refund")


def row(scenario: str, emu, told: str, take) -> None:
    table_row("Money truth (issue 11)", HEADER, [scenario, emu.emulator.count("submit"), told, take.state, take.money])


def progress_told(seen, r) -> str:
    """What the progress line said while it checked, then how the take ended."""
    checking = next(p.message for p in seen if p.stage == "checking_job")
    return f"{checking} → {r.take.note}"


def told(session, e: SeedanceError) -> str:
    card = session.card(e)
    return " ".join(x for x in (card["title"], card["money"]) if x)


def copies(photo, n=2):
    out = []
    for i in range(n):
        p = photo.with_name(f"copy{i}.jpg")
        shutil.copyfile(photo, p)
        out.append(p)
    return out


# 1-4: an ambiguous submit, reconciled from a list that carries no inputs ---------------------------------------


def test_stored_then_502_is_adopted_from_a_list_without_inputs(core, photo, emu):
    emu.emulator.list_inputs = False  # WaveSpeed's documented list: no inputs (issue 25 tests the inputs path)
    emu.emulator.faults.add(route="submit", action="status", status=502, store=True)
    session = open_session(core)
    seen = []
    [r] = drive(session, lambda: session.generate(lite_plan(), photo, on_progress=seen.append))
    assert isinstance(r, TakeResult), r
    assert emu.emulator.count("submit") == 1 and emu.emulator.count("list") >= 1
    listed = httpx.post(f"{emu.url}/api/v3/predictions", json={}, headers={"Authorization": f"Bearer {TEST_KEY}"})
    assert all("inputs" not in item for item in listed.json()["data"]["items"])  # the strict list: no inputs
    take = r.take
    assert take.state == "downloaded" and take.money == Money.CHARGED.value and take.task_id in emu.emulator.jobs
    assert "Adopted from WaveSpeed's job list" in take.note and r.facts["note"] == take.note
    assert "checking_job" in [p.stage for p in seen] and video.probe(r.video_path)["frames"] == 49
    row("stored, then 502; list without inputs", emu, progress_told(seen, r), take)


def test_identical_take_answered_502_after_storing_gets_its_own_job(core, photo, emu):
    emu.emulator.list_inputs = False  # WaveSpeed's documented list: no inputs (issue 25 tests the inputs path)
    a, b = copies(photo)
    session = open_session(core)
    plan = lite_plan(seed=42)

    async def go():
        known = asyncio.Event()

        def first(p):
            if p.task_id and not known.is_set():
                emu.emulator.faults.add(route="submit", action="status", status=502, store=True)
                known.set()

        run_a = asyncio.create_task(session.generate(plan, a, on_progress=first))
        await known.wait()
        [rb] = await session.generate(plan, b)  # the same picture, prompt and seed, while the first renders
        [ra] = await run_a
        return ra, rb

    ra, rb = drive(session, go)
    assert isinstance(ra, TakeResult) and isinstance(rb, TakeResult), (ra, rb)
    assert emu.emulator.count("submit") == 2 and len(emu.emulator.jobs) == 2
    assert {ra.take.task_id, rb.take.task_id} == set(emu.emulator.jobs)  # each its own job, none shared
    assert ra.video_path != rb.video_path and ra.video_path.exists() and rb.video_path.exists()
    assert [t.state for t in session.history()] == ["downloaded", "downloaded"]
    assert drive(session, session.recover).waiting == []  # nothing left "waiting on WaveSpeed"
    row("identical second take, 502 after storing", emu, rb.take.note, rb.take)


def test_two_takes_both_lost_are_paired_in_submit_order(core, photo, emu):
    emu.emulator.list_inputs = False  # WaveSpeed's documented list: no inputs (issue 25 tests the inputs path)
    emu.emulator.faults.add(route="submit", action="status", status=502, store=True, times=2)
    session = open_session(core)
    results = drive(session, lambda: session.generate(lite_plan(takes=2), photo))
    assert all(isinstance(r, TakeResult) for r in results), results
    assert emu.emulator.count("submit") == 2
    ids = [r.take.task_id for r in results]
    assert len(set(ids)) == 2 and set(ids) == set(emu.emulator.jobs)
    for r in results:  # paired by submit order, and the take's facts say so
        assert "paired by submit order" in r.facts["note"] and "2 unclaimed jobs" in r.facts["note"]
        assert emu.emulator.jobs[r.take.task_id].inputs["seed"] == r.take.seed  # the pairing was the right one
    row("two takes of one click, both 502 after storing", emu, results[0].take.note, results[0].take)


def test_identical_take_answered_502_before_storing_most_likely_never_started(core, photo, emu):
    emu.emulator.list_inputs = False  # WaveSpeed's documented list: no inputs (issue 25 tests the inputs path)
    a, b = copies(photo)
    session = open_session(core)
    plan = lite_plan(seed=42)
    [ra] = drive(session, lambda: session.generate(plan, a))
    assert isinstance(ra, TakeResult)
    emu.emulator.faults.add(route="submit", action="status", status=502)  # refused before anything is stored
    t0 = time.monotonic()
    [rb] = drive(session, lambda: session.generate(plan, b))
    took = time.monotonic() - t0
    assert isinstance(rb, SeedanceError) and rb.code == "not_started", rb
    assert rb.money is Money.LIKELY_NOT_STARTED and "most likely never started" in session.card(rb)["money"]
    assert "most likely never started" in rb.message and rb.task_id is None
    take_b = next(t for t in session.history() if t.id != ra.take.id)
    assert take_b.state == "not_started" and take_b.task_id is None and take_b.money == Money.LIKELY_NOT_STARTED.value
    assert core.journal.get(ra.take.id).task_id == ra.take.task_id and len(emu.emulator.jobs) == 1
    assert emu.emulator.count("submit") == 2 and took >= core.list_lag  # it kept looking while the list may lag
    row("identical second take, 502 before storing", emu, told(session, rb), take_b)


def test_a_lagging_list_still_finds_the_job(emu, tmp_path, photo):
    emu.emulator.list_inputs = False  # WaveSpeed's documented list: no inputs (issue 25 tests the inputs path)
    emu.emulator.list_lag = 2.5
    studio = make_studio(emu.url, tmp_path / "lag", list_lag=6.0, reconcile_delay=0.3)
    emu.emulator.faults.add(route="submit", action="status", status=502, store=True)
    session = open_session(studio)
    t0, seen = time.monotonic(), []
    [r] = drive(session, lambda: session.generate(lite_plan(), photo, on_progress=seen.append))
    assert isinstance(r, TakeResult), r
    assert time.monotonic() - t0 >= 2.5  # the job really was missing from the list at first
    assert emu.emulator.count("submit") == 1 and emu.emulator.count("list") >= 3 and r.take.state == "downloaded"
    row("stored, then 502; list lags 2.5 s", emu, progress_told(seen, r), r.take)
    studio.journal.close()


# 5: the key stops working while a paid job renders ----------------------------------------------------------------


def test_key_revoked_mid_render_says_it_goes_on_and_is_charged(core, photo, emu):
    emu.emulator.processing_seconds = 1.5
    emu.emulator.faults.add(route="task", revoke_key_after=0.3)
    session = open_session(core)
    seen = []
    [e] = drive(session, lambda: session.generate(lite_plan(), photo, on_progress=seen.append))
    assert isinstance(e, AuthenticationError), e
    task_id = next(iter(emu.emulator.jobs))
    assert e.task_id == task_id and any(p.task_id == task_id for p in seen if p.stage == "queued")
    words = " ".join(str(v) for v in session.card(e).values()).lower()
    assert "goes on" in words and "charged" in words and "working key" in words
    assert not any(n in words for n in NEVER)
    take = session.take(session.history()[0].id)
    assert take.state in ("submitted", "running") and take.money == Money.RENDERING.value
    row("key revoked mid-render (401 while polling)", emu, told(session, e) + " " + e.hint, take)

    # Another key is another account: WaveSpeed doesn't show it the task, and nothing is pretended.
    other = open_session(core, key="wsk-another-account-77")
    with pytest.raises(SeedanceError) as refused:
        drive(other, lambda: other.recover_task(task_id))
    assert "no longer shows this task" in refused.value.message
    # The emulator ties an account to one key, so "a working key" here is the same key working again.
    emu.emulator.accounts.revoke(fingerprint(TEST_KEY), 1e9)
    again = drive(session, lambda: session.recover_task(task_id))
    assert again.take.id == take.id and again.take.state == "downloaded" and again.video_path.exists()
    assert emu.emulator.count("submit") == 1


def test_a_failed_render_is_told_refunded_and_the_balance_comes_back(core, photo, emu):
    """WaveSpeed refunds a task that fails: the take says so, and the account's balance (the emulator's, priced from
    the published prices) is where it was before the take."""
    balance = f"{emu.url}/api/v3/balance"
    auth = {"Authorization": f"Bearer {TEST_KEY}"}
    before = httpx.get(balance, headers=auth).json()["data"]["balance"]
    emu.emulator.faults.add(route="task", fail_code=1200)
    session = open_session(core)
    [e] = drive(session, lambda: session.generate(lite_plan(), photo))
    assert isinstance(e, SeedanceError) and e.money is Money.REFUNDED and e.task_id in emu.emulator.jobs
    words = told(session, e).lower()
    assert "refund" in words and "charged" not in words.replace("refund", ""), words
    take = session.take(session.history()[0].id)
    assert take.state == "failed" and take.money == Money.REFUNDED.value
    assert httpx.get(balance, headers=auth).json()["data"]["balance"] == pytest.approx(before)
    assert emu.emulator.count("submit") == 1
    row("the render failed at WaveSpeed", emu, told(session, e), take)


# 6: cancel tells the truth -------------------------------------------------------------------------------------


def test_cancel_sends_delete_and_says_wavespeed_may_still_charge(core, photo, emu):
    emu.emulator.faults.add(route="task", final_status="processing")  # renders until someone stops it
    session = open_session(core)

    async def go():
        started = asyncio.Event()
        run = asyncio.create_task(
            session.generate(lite_plan(), photo, on_progress=lambda p: p.task_id and started.set())
        )
        await started.wait()
        message = await session.cancel(session.history()[0].id)
        return message, await run

    message, [result] = drive(session, go)
    assert emu.emulator.count("delete") == 1 and emu.emulator.deleted
    assert "may still charge" in message and not any(n in message.lower() for n in ("refunds cancelled", "nothing"))
    take = session.history()[0]
    assert take.state == "cancelled" and take.money == Money.CANCEL_ASKED.value
    assert isinstance(result, SeedanceError) and result.money is Money.CANCEL_ASKED
    assert result.message.startswith("Cancelled") and result.task_id == take.task_id
    row("cancel while rendering", emu, f"{message} (the take: {told(session, result)})", take)


def test_a_downloaded_take_cannot_be_cancelled(core, photo, emu):
    session = open_session(core)
    [r] = drive(session, lambda: session.generate(lite_plan(), photo))
    message = drive(session, lambda: session.cancel(r.take.id))
    assert "nothing to cancel" in message and emu.emulator.count("delete") == 0
    take = session.take(r.take.id)
    assert take.state == "downloaded" and take.money == Money.CHARGED.value and take.video_path == str(r.video_path)
    row("cancel a downloaded take", emu, message, take)


def test_demo_cancel_speaks_of_no_money(emu, tmp_path, photo):
    emu.emulator.faults.add(route="task", final_status="processing")
    studio = make_studio(emu.url, tmp_path / "demo", demo=True)
    session = open_session(studio)

    async def go():
        started = asyncio.Event()
        run = asyncio.create_task(
            session.generate(lite_plan(), photo, on_progress=lambda p: p.task_id and started.set())
        )
        await started.wait()
        message = await session.cancel(session.history()[0].id)
        return message, await run

    message, [result] = drive(session, go)
    assert emu.emulator.count("delete") == 1
    money_words = ("charge", "refund", "$", "paid")
    assert not any(w in message.lower() for w in money_words), message
    assert session.card(result)["money"] == ""  # demo mode: no money line at all
    row("cancel in demo mode", emu, message, session.history()[0])
    studio.journal.close()


# 8: recover by task id returns only this visitor's takes ----------------------------------------------------------


def test_recover_task_refuses_another_visitors_take_and_another_accounts_task(core, photo, emu):
    alice = open_session(core, owner="visitor-a", key=TEST_KEY)
    [ra] = drive(alice, lambda: alice.generate(lite_plan(), photo))
    task_a = ra.take.task_id
    for bob in (open_session(core, owner="visitor-b", key="wsk-visitor-B-0001"), open_session(core, owner="visitor-b")):
        with pytest.raises(InputError, match="isn't one of your takes"):
            drive(bob, lambda bob=bob: bob.recover_task(task_a))
        with pytest.raises(InputError, match="isn't in your history"):
            bob.take(ra.take.id)
        assert bob.history() == []
    # A task of another account, never in this journal: WaveSpeed says 404 to this key, so a plain refusal.
    other = httpx.Client(base_url=emu.url, headers={"Authorization": "Bearer wsk-someone-else-9"})
    up = other.post(f"/api/v3/{LITE}", json={"image": "data:image/jpeg;base64,AAAA", "duration": 2}).json()
    bob = open_session(core, owner="visitor-b", key="wsk-visitor-B-0001")
    with pytest.raises(InputError, match="no task with that id for your key"):
        drive(bob, lambda: bob.recover_task(up["data"]["id"]))
    assert bob.history() == [] and len(alice.history()) == 1
    # And a task of Bob's own account that no take holds is his to bring in.
    mine = httpx.post(f"{emu.url}/api/v3/{LITE}", headers={"Authorization": "Bearer wsk-visitor-B-0001"},
                      json={"image": "data:image/jpeg;base64," + __import__("base64").b64encode(make_photo()).decode(),
                            "duration": 2}).json()["data"]["id"]  # fmt: skip
    got = drive(bob, lambda: bob.recover_task(mine))
    assert got.take.owner == "visitor-b" and got.take.state == "downloaded" and "task id" in got.take.note

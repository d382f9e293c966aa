"""Issue 22: the live catalog is input from outside, checked at the door. A hostile ``GET /api/v3/models`` is
served over real HTTP by the emulator (``Emulator(catalog_file=...)``, byte for byte), while the emulator's own
runs and quotes follow WaveSpeed's real prices: each case names its outcome (left out, bounded, refused, fallen
back) and the emulator's count of submit POSTs (0 where nothing may be sent; 1, to the priced model, otherwise)."""

import asyncio
import copy
import json
import logging
import os
import subprocess
import sys
import threading
import time
from decimal import Decimal

import pytest
from conftest import LITE, TEST_KEY, drive, make_studio

from seedance_emulator.server import Emulator, EmulatorServer
from seedance_ui import catalog, catalog_door, catalog_live, formula, pricing
from seedance_ui.errors import InputError, InvalidRequest, NotReady
from seedance_ui.plan import Choices, Plan
from seedance_ui.session import Session
from seedance_ui.takes.take_run import TakeResult

DOTS = "bytedance/seedance-cheap/../seedance-9.0/image-to-video"
DEAR = "bytedance/seedance-9.0/image-to-video"  # where httpx would fold DOTS to
LOOP = "bytedance/seedance-9.1-loop/image-to-video"
NEG = "bytedance/seedance-9.2-neg/image-to-video"
HUGE = "bytedance/seedance-9.3-huge/image-to-video"
ZERO = "bytedance/seedance-9.5-zero/image-to-video"
RUNAWAY = '($f := function($x){ $f($x + 1) }; {"total_price": $f(1)})'
LITE_ITEM = next(i for i in catalog.snapshot_items(notes=False) if i["model_id"] == LITE)


def variant(model_id: str, formula_text: str, base_price: float = 0.3) -> dict:
    """The V1 Lite 480p entry (quick 2 s renders) under another id, price formula and base price."""
    item = copy.deepcopy(LITE_ITEM)
    item.update(model_id=model_id, name=f"Test {model_id.split('/')[1]}", formula=formula_text, base_price=base_price)
    return item


def hostile_answer() -> dict:
    listed = catalog.snapshot_items(notes=False)
    listed += [variant(ZERO, '{"total_price": 0}'),  # WaveSpeed really charges $0.016 a second for it
               variant(DOTS, '{"total_price": 0.01}'), variant(LOOP, RUNAWAY),
               variant(NEG, "{ this is not jsonata", base_price=-2), variant(HUGE, '{"total_price": 1e27}')]  # fmt: skip
    return {"code": 200, "message": "success", "data": listed}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """A WaveSpeed whose listing is hostile. Its own run catalog has the dear model DOTS folds to ($0.20), ZERO at
    its real price ($0.016 a second), and LOOP and NEG as they are listed (quoted at their floor: base_price)."""
    path = tmp_path_factory.mktemp("catalog") / "models.json"
    path.write_text(json.dumps(hostile_answer()))
    emu = Emulator(processing_seconds=0.2, catalog_file=path,
                   extra_models=[variant(DEAR, '{"total_price": 0.2}'), variant(LOOP, RUNAWAY),
                                 variant(ZERO, '{"total_price": 0.016 * duration}'),
                                 variant(NEG, "{ this is not jsonata", base_price=-2)])  # fmt: skip
    with EmulatorServer(emu) as server:
        yield server


@pytest.fixture
def models(hostile, tmp_path):
    """This key's list at the hostile WaveSpeed, as the app reads it (fetched over HTTP)."""
    catalog_live.use_snapshot()
    hostile.emulator.reset()
    yield catalog_live.refresh(TEST_KEY, hostile.url, cache_dir=tmp_path)
    catalog_live.use_snapshot()


@pytest.fixture
def session(hostile, tmp_path):
    return Session(make_studio(hostile.url, tmp_path / "data"), key=TEST_KEY)


def plan_for(model_id: str, models, **kw) -> Plan:
    values = {"model_id": model_id, "prompt": "slow push-in", "duration": 2, "seed": 42} | kw
    return Plan.make(Choices.of(**values), models=models)


def generate(session: Session, plan: Plan, photo):
    return drive(session, lambda: session.generate(plan, photo))


# 1. A model id with '..' --------------------------------------------------------------------------------------------


def test_an_id_with_dots_is_left_out_with_one_log_line_and_nothing_is_sent(hostile, models, session, photo, caplog):
    ids = {m.id for m in models}
    assert DOTS not in ids and DEAR not in ids and LOOP in ids  # left out; the rest of the list stands
    caplog.set_level(logging.WARNING, "seedance_ui.catalog")
    catalog.specs_from_items(hostile_answer()["data"])
    assert [r.getMessage() for r in caplog.records if DOTS in r.getMessage()] == [
        f"Leaving out catalog entry {DOTS!r}: the model id {DOTS!r} has an empty, '.' or '..' path segment."
    ]
    with pytest.raises(InvalidRequest, match="is not a Seedance model this app knows"):
        plan_for(DOTS, models)

    async def submit_directly():  # even a caller past the plan can't reach the folded path
        async with session.studio.client() as client:
            await client.submit(DOTS, {"image": "x", "prompt": "p"}, api_key=TEST_KEY)

    with pytest.raises(InputError, match="Nothing was sent"):
        drive(session, submit_directly)
    assert hostile.emulator.count("submit") == 0 and hostile.emulator.count("upload") == 0


def test_the_submit_path_is_built_from_the_ids_checked_segments():
    assert catalog_door.model_path("bytedance/seedance-v1.5-pro/image-to-video") == (
        "/api/v3/bytedance/seedance-v1.5-pro/image-to-video"
    )
    for bad in (DOTS, "bytedance//x", "./x", "bytedance/Seedance", "bytedance/x?y=1", "bytedance/%2e%2e/x", "", "a/"):
        assert catalog_door.model_id_problem(bad), bad
        with pytest.raises(ValueError):
            catalog_door.model_path(bad)


def test_after_a_502_the_take_finds_its_job_under_the_id_wavespeed_reports(hostile, models, session, photo):
    hostile.emulator.faults.add(route="submit", action="status", status=502, store=True)  # stored, answer lost
    [result] = generate(session, plan_for(LITE, models), photo)
    assert isinstance(result, TakeResult), result
    [job] = hostile.emulator.jobs.values()
    assert hostile.emulator.count("submit") == 1 and job.model == LITE == result.take.model_id
    assert result.take.task_id == job.id and "Adopted from WaveSpeed's job list" in result.take.note


# 2. A formula that never ends ---------------------------------------------------------------------------------------


def test_a_runaway_formula_is_bounded_and_the_take_waits_for_wavespeeds_quote(hostile, models, session, photo):
    started = time.monotonic()
    plan = plan_for(LOOP, models)
    bounded = time.monotonic() - started
    assert plan.price.needs_server_quote and "takes too long" in str(plan.price.source)
    assert bounded < 4 * formula.BOUND_SECONDS  # the first evaluation waits out the bound; the what-ifs don't
    assert plan.price.headline().startswith("$0.12 — a rough guess")  # base_price x 2 s / 5: sane, so shown

    [result] = generate(session, plan, photo)
    assert isinstance(result, TakeResult), result
    job = next(iter(hostile.emulator.jobs.values()))
    assert hostile.emulator.count("price") == 1 and hostile.emulator.count("submit") == 1 and job.model == LOOP
    assert result.take.price_usd == f"{job.price:.2f}" == "0.30"  # WaveSpeed's quote recorded: what it charged


def test_one_models_runaway_formula_does_not_delay_another_models_price():
    spec = catalog.get_model(LITE)
    fresh = RUNAWAY.replace("$x + 1", "$x + 2")  # not yet known as a runaway: it runs its full bound
    said: list[str] = []

    def run_away() -> None:
        try:
            formula.evaluate(fresh, 1, {})
        except formula.FormulaUnavailable as e:
            said.append(str(e))

    runaway = threading.Thread(target=run_away)
    runaway.start()
    slowest = 0.0
    while runaway.is_alive():
        t0 = time.monotonic()
        q = pricing.price_for(spec, 2, "480p", with_what_if=False)
        slowest = max(slowest, time.monotonic() - t0)
        assert q.total == Decimal("0.03")
    runaway.join()
    assert said == [str(formula.RUNAWAY)]  # bounded, and counted as a formula that fails
    assert slowest < formula.BOUND_SECONDS  # no lock held across the runaway evaluation: no wait behind it


# 3. A $0.00 formula, and a failing one with a negative base price ----------------------------------------------------


def test_a_zero_price_is_not_a_price_the_take_is_sent_on_wavespeeds_quote(hostile, models, session, photo):
    plan = plan_for(ZERO, models)
    assert plan.price.needs_server_quote and "$0.00, which can't be a price" in str(plan.price.source)
    [result] = generate(session, plan, photo)
    assert isinstance(result, TakeResult), result
    job = next(iter(hostile.emulator.jobs.values()))
    assert hostile.emulator.count("submit") == 1 and job.model == ZERO and job.price == 0.03
    assert result.take.price_usd == "0.03"  # the journal says what WaveSpeed charged, not $0.00


def test_a_negative_placeholder_is_never_shown_and_a_price_that_cant_be_had_refuses(hostile, models, session, photo):
    plan = plan_for(NEG, models)
    assert plan.price.needs_server_quote and plan.price.total == 0 and "-" not in plan.price.headline()
    assert plan.price.headline() == "Price unknown until WaveSpeed's own quote: nothing is sent before it"
    with pytest.raises(NotReady, match=r"can't be priced on this computer.*so nothing was sent"):
        generate(session, plan, photo)  # WaveSpeed's quote is its floor, -$2.00: no price either
    assert hostile.emulator.count("price") == 1 and hostile.emulator.count("submit") == 0


def test_when_wavespeeds_quote_cant_be_had_the_take_is_refused_before_anything_is_sent(hostile, models, session,
                                                                                       photo):  # fmt: skip
    hostile.emulator.faults.add(route="price", action="status", status=500, times=10_000)
    with pytest.raises(NotReady, match="WaveSpeed's own quote could not be had"):
        generate(session, plan_for(ZERO, models), photo)
    assert hostile.emulator.count("submit") == 0 and hostile.emulator.count("upload") == 0


# 4. A result of 1e27 -------------------------------------------------------------------------------------------------


def test_an_absurd_result_needs_a_quote_and_nothing_crashes(hostile, models, session, photo):
    plan = plan_for(HUGE, models)  # no InvalidOperation on the way
    assert plan.price.needs_server_quote and "an absurd amount" in str(plan.price.source)
    assert not pricing.is_a_price(Decimal("1e27")) and not pricing.is_a_price(Decimal("NaN"))
    with pytest.raises(NotReady):  # WaveSpeed's own catalog doesn't know it: no quote, so nothing is sent
        generate(session, plan, photo)
    assert hostile.emulator.count("submit") == 0


def seedance(tmp_path, url, *args):
    env = {**os.environ, "WAVESPEED_API_KEY": "wsk-door-cli-0001", "WAVESPEED_BASE_URL": url,
           "SEEDANCE_DATA_DIR": str(tmp_path / "data")}  # fmt: skip
    return subprocess.run([sys.executable, "-m", "seedance_ui.cli", *args], capture_output=True, text=True,
                          timeout=120, env=env)  # fmt: skip


def test_the_cli_prices_an_absurd_result_plainly(hostile, tmp_path):
    out = seedance(tmp_path, hostile.url, "price", "--model", HUGE, "--duration", "2")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("Test seedance-9.3-huge, 2 s, 720p: $0.12 — a rough guess: WaveSpeed's own quote is")
    assert "an absurd amount, which can't be a price" in out.stdout
    assert hostile.emulator.count("submit") == 0


# 5 and 6. A catalog dripped a byte at a time, and one nested 100,000 deep ------------------------------------------


def test_a_dripped_catalog_ends_at_the_deadline_and_the_last_good_list_stays(tmp_path):
    path = tmp_path / "models.json"
    path.write_text(json.dumps(hostile_answer()))
    good = [variant("bytedance/seedance-9.4-cached/image-to-video", '{"total_price": 0.5}')]
    catalog_live.use_snapshot()
    with EmulatorServer(Emulator(catalog_file=path, catalog_drip=0.5)) as server:
        catalog_live.write_cache(good, server.url, tmp_path, fetched_at=time.time() - 2 * catalog_live.CACHE_SECONDS)
        started, done = time.monotonic(), []
        loading = threading.Thread(
            target=lambda: done.append(
                catalog_live.load(TEST_KEY, server.url, cache_dir=tmp_path, background=False, timeout=2)
            ),
            daemon=True,
        )
        loading.start()
        loading.join(10)  # a fetch with only a per-read limit would drip on here for minutes
        took = time.monotonic() - started
        assert done, "the dripped catalog was still being read after 10 s"
        st = done[0]
        models = catalog_live.models_for(TEST_KEY, server.url)
        submits = server.emulator.count("submit")
    catalog_live.use_snapshot()
    assert took < 2 + 2  # one deadline for the whole answer, not one per read
    assert st.source == "cache" and "did not arrive within 2 s" in st.error
    assert st.note().startswith("WaveSpeed's model list could not be fetched (WaveSpeed's model list did not arrive")
    assert "using the last list fetched" in st.note()
    assert "bytedance/seedance-9.4-cached/image-to-video" in {m.id for m in models} and submits == 0


@pytest.fixture(scope="module")
def deep(tmp_path_factory):
    path = tmp_path_factory.mktemp("deep") / "models.json"
    path.write_text('{"code": 200, "data": ' + "[" * 100_000 + "]" * 100_000 + "}")
    with EmulatorServer(Emulator(processing_seconds=0.2, catalog_file=path)) as server:
        yield server


def test_a_catalog_nested_100000_deep_falls_back_to_the_snapshot_with_a_note(deep, tmp_path):
    catalog_live.use_snapshot()
    st = catalog_live.load(TEST_KEY, deep.url, cache_dir=tmp_path, background=False)
    assert st.source == "snapshot" and "nested more than 64 levels deep" in st.error
    assert catalog_live.models_for(TEST_KEY, deep.url) == catalog.MODELS
    from seedance_ui import runtime
    from seedance_ui.ui import layout
    from seedance_ui.ui.state import AppContext, Visitor

    live = runtime.start(key="", base_url=deep.url, demo=False, data_dir=tmp_path / "app")
    try:  # the picker says it too, under the list it offers
        picker = layout.models_now(AppContext(demo=None, live=live), Visitor(key=TEST_KEY))
    finally:
        live.close()
    assert picker["info"] == st.note() and picker["choices"] == catalog.families()
    catalog_live.use_snapshot()
    with pytest.raises(catalog_door.CatalogRefused):
        catalog_door.parse("[" * 100_000 + "]" * 100_000)


def test_the_cli_lists_and_prices_from_the_snapshot_with_a_plain_note_when_the_catalog_is_too_deep(deep, tmp_path):
    listed = seedance(tmp_path, deep.url, "models", "--json")
    assert listed.returncode == 0, listed.stderr
    assert [m["id"] for m in json.loads(listed.stdout)] == [m.id for m in catalog.MODELS]
    assert listed.stderr.strip() == ("WaveSpeed's model list could not be fetched (WaveSpeed's model list could not "
                                     "be used: the model list is nested more than 64 levels deep); using the built-in "
                                     "model list.")  # fmt: skip
    priced = seedance(tmp_path, deep.url, "price", "--model", LITE, "--duration", "2")
    assert priced.returncode == 0 and priced.stdout.startswith("Seedance V1 Lite 480p, 2 s, 480p: $0.03"), priced.stderr
    assert deep.emulator.count("submit") == 0


def test_the_pages_button_says_wavespeed_prices_first_and_when_its_quote_cant_be_had(hostile, models, tmp_path):
    from seedance_ui import runtime
    from seedance_ui.ui import create as c
    from seedance_ui.ui.state import AppContext, Visitor

    live = runtime.start(key="", base_url=hostile.url, demo=False, data_dir=tmp_path / "app")
    ctx, visitor = AppContext(demo=None, live=live), Visitor(key=TEST_KEY)
    family = catalog.get_model(ZERO, models).family
    try:
        form = c.Form(visitor=visitor, family=family, resolution="720p", duration=2, threshold=100.0)
        shown = c.on_form_change(ctx, form)
        card, button = shown.price, shown.button
        assert "Price unknown" in card and button["value"] == "✨ Generate · priced by WaveSpeed first"
        hostile.emulator.faults.add(route="price", action="status", status=500, times=10_000)
        line, button = asyncio.run(c.price_and_button(ctx, visitor, shown.priced))
        assert button["value"] == c.NO_QUOTE_BUTTON and "Nothing will be sent until it can be had" in line["value"]
    finally:
        hostile.emulator.faults.clear()
        live.close()
    assert hostile.emulator.count("submit") == 0


def test_the_page_asks_to_confirm_wavespeeds_amount_not_the_guess(hostile, models, tmp_path, photo):
    from seedance_ui import runtime
    from seedance_ui.ui import create as c
    from seedance_ui.ui import takes_view
    from seedance_ui.ui.state import AppContext, Visitor

    live = runtime.start(key="", base_url=hostile.url, demo=False, data_dir=tmp_path / "app")
    ctx, visitor = AppContext(demo=None, live=live), Visitor(key=TEST_KEY)
    family = catalog.get_model(ZERO, models).family

    async def first_frame():
        form = c.Form(visitor=visitor, first=str(photo), prompt="p", family=family, resolution="720p", duration=2,
                      seed=42, confirmed=False, threshold=0.02)  # fmt: skip
        frames = takes_view.generate(ctx, form)
        try:
            return await frames.__anext__()
        finally:
            await frames.aclose()

    try:
        frame = asyncio.run(first_frame())
    finally:
        live.close()
    assert "This will cost $0.03" in str(frame.error)  # WaveSpeed's $0.03, not the $0.12 placeholder
    assert hostile.emulator.count("price") == 1 and hostile.emulator.count("submit") == 0

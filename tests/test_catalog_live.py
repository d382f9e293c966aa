"""The model catalog as data (issue 13): the snapshot in WaveSpeed's own format, specs from JSON schemas, prices
from JSONata formulas, and the live catalog fetched from the emulator over real HTTP, including a model only the
emulator's catalog names."""

import base64
import copy
import dataclasses
import io
import json
import time
from decimal import Decimal

import av
import httpx
import pytest
from conftest import TEST_KEY, fast_client, make_photo, run
from pricing_kit import estimate

from seedance_emulator.server import Emulator, EmulatorServer
from seedance_ui import catalog, catalog_live, formula, pricing, request
from seedance_ui.catalog_schema import is_seedance_i2v, request_schema
from seedance_ui.errors import InvalidRequest
from seedance_ui.plan import Choices, Plan
from seedance_ui.words.said import say

V15 = "bytedance/seedance-v1.5-pro/image-to-video"
V20 = "bytedance/seedance-2.0/image-to-video"
FAST = "bytedance/seedance-v1-pro-fast/image-to-video"
TEST_ID = "bytedance/seedance-9.9-test/image-to-video"
HELPER_ID = "bytedance/seedance-9.9-helper/image-to-video"
PHOTO = "data:image/jpeg;base64," + base64.b64encode(make_photo(800, 450)).decode()


def entry(model_id: str, formula_text: str, **extra_props) -> dict:
    """A catalog entry our code names nowhere: its own ranges, enums, extra inputs and formula."""
    props = {
        "prompt": {"type": "string", "description": "What happens."},
        "image": {"type": "string", "x-ui-component": "uploader"},
        "duration": {"type": "integer", "minimum": 3, "maximum": 7, "default": 4},
        "resolution": {"type": "string", "enum": ["540p", "1080p"], "default": "540p"},
        "aspect_ratio": {"type": "string", "enum": ["16:9", "9:16", "1:1"]},
        "motion_strength": {"type": "number", "minimum": 0, "maximum": 1, "default": 0.5,
                            "description": "How much things move."},
        "style": {"type": "string", "enum": ["cinematic", "anime"], "default": "cinematic"},
        "seed": {"type": "integer", "minimum": -1, "maximum": 2147483647, "default": -1},
        **extra_props,
    }  # fmt: skip
    order = ["image", "prompt", "style", "duration", "resolution", "aspect_ratio", "motion_strength", "seed"]
    return {
        "model_id": model_id, "name": "Seedance 9.9 Test", "type": "image-to-video", "base_price": 0.5,
        "formula": formula_text, "description": "A model only the emulator lists.",
        "api_schema": {"api_schemas": [{"type": "model_run", "request_schema": {
            "type": "object", "properties": props, "required": ["prompt", "image", "style"],
            "x-order-properties": order + [k for k in extra_props if k not in order]}}]},
    }  # fmt: skip


TEST_MODEL = entry(TEST_ID, '{"total_price": base_price * duration / 5 * (resolution = "1080p" ? 3 : 1)'
                            ' * (motion_strength > 0.8 ? 1.5 : 1)}')  # fmt: skip
HELPER_MODEL = entry(HELPER_ID, '{"total_price": base_price * seedance_units(duration, resolution)}')


def seedance_units(duration: float, resolution: str) -> float:
    """A server-side helper: only the emulator (playing WaveSpeed) has it."""
    return duration / 5 * (4 if resolution == "1080p" else 1)


@pytest.fixture(scope="module")
def live_emu():
    emu = Emulator(processing_seconds=0.2, extra_models=[TEST_MODEL, HELPER_MODEL], test_endpoints=True,
                   price_helpers={"seedance_units": seedance_units})  # fmt: skip
    with EmulatorServer(emu) as server:
        yield server


@pytest.fixture(autouse=True)
def snapshot_catalog():
    """Each test starts and ends on the built-in snapshot: the catalog in use is process-wide."""
    catalog_live.wait(10)
    catalog_live.use_snapshot()
    yield
    catalog_live.wait(10)
    catalog_live.use_snapshot()


# The snapshot ------------------------------------------------------------------------------------------------


def test_snapshot_is_wavespeeds_catalog_format_with_our_facts_marked():
    items = catalog.snapshot_items()
    for item in items:
        assert {"model_id", "name", "type", "base_price", "formula", "api_schema"} <= item.keys()
        rs = item["api_schema"]["api_schemas"][0]["request_schema"]
        assert rs["type"] == "object" and set(rs["required"]) <= set(rs["properties"])
        assert rs["x-order-properties"] == list(rs["properties"])
        facts = item["x-seedance"]["facts"]
        assert facts and all(isinstance(f["confirmed"], bool) and f["source"] for f in facts.values())
    ids = [m.id for m in catalog.MODELS]
    assert ids[0] == V15 and {V20, "bytedance/seedance-2.0-fast/image-to-video", "bytedance/seedance-2.5/image-to-video",
                              "bytedance/seedance-2.0-mini/image-to-video", "bytedance/seedance-v1.5-pro/image-to-video-fast",
                              "bytedance/seedance-2.0/image-to-video-turbo", "bytedance/seedance-v1-pro-i2v-720p",
                              "bytedance/seedance-2.0-fast/image-to-video-turbo", "bytedance/seedance-v1-lite-i2v-1080p"} <= set(ids)  # fmt: skip
    upscaler = next(i for i in items if i["model_id"] == "bytedance/video-upscaler")
    assert upscaler["type"] == "video-to-video" and not is_seedance_i2v(upscaler) and upscaler["model_id"] not in ids
    for m in catalog.MODELS:
        assert m.retiring == (m.generation == "1.0") and bool(m.notice) == m.retiring and m.source == "snapshot"
        assert m.confidence in ("high", "medium", "low") and "price" in m.facts
    assert catalog.get_model(V15).confidence == "high" and catalog.get_model(V15).facts["price"]["confirmed"]
    fast = catalog.get_model(FAST)
    assert fast.status == "probably retired" and "probably retired" in str(fast.notice)
    assert not fast.facts["available"]["confirmed"]


@pytest.mark.parametrize(
    "point", pricing.PUBLISHED_POINTS, ids=lambda p: f"{p.model_id}-{p.resolution}-{p.duration}s-{p.audio}"
)
def test_every_published_price_is_reproduced_by_the_snapshot_formula(point):
    spec = catalog.get_model(point.model_id)
    item = next(i for i in catalog.snapshot_items() if i["model_id"] == point.model_id)
    inputs = pricing.formula_inputs(spec, point.duration, point.resolution, point.audio, "16:9")
    exact = formula.evaluate(item["formula"], Decimal(str(item["base_price"])), inputs)
    assert exact.quantize(Decimal("0.01"), "ROUND_HALF_UP") == Decimal(point.usd)
    q = estimate(point.model_id, point.duration, point.resolution, point.audio)
    assert q.total == Decimal(point.usd) and q.kind == "formula" and q.published


def test_published_tables_are_the_fallback_and_agree_with_the_formulas():
    for model_id, rules in pricing.PUBLISHED_TABLES.items():
        spec = catalog.get_model(model_id)
        broken = dataclasses.replace(spec, formula='{"total_price": base_price * (')  # a formula we can't parse
        for res in spec.resolutions:
            if res not in rules and "*" not in rules:
                continue
            for seconds in (spec.duration_min, spec.duration_default, spec.duration_max):
                for audio in {False, spec.accepts_audio}:
                    by_formula = pricing.price_for(spec, seconds, res, audio, with_what_if=False)
                    by_table = pricing.price_for(broken, seconds, res, audio, with_what_if=False)
                    assert by_table.kind == "published table" and by_table.total == by_formula.total, (model_id, res)


def test_smart_duration_is_allowed_where_the_schema_lists_minus_one_and_priced_at_the_longest():
    v15 = catalog.get_model(V15)
    assert v15.smart_duration and (v15.duration_min, v15.duration_max, v15.duration_default) == (4, 12, 5)
    q = estimate(V15, -1, "720p", True)
    assert q.duration == -1 and q.priced_duration == 12 and q.total == estimate(V15, 12, "720p", True).total
    assert "Smart Duration" in str(q.source) and "Smart Duration" in q.headline()
    assert not request.check_settings(v15, prompt="x", duration=-1, resolution="720p")
    assert "or -1 to let Seedance choose" in str(
        dict(request.check_settings(v15, prompt="x", duration=3, resolution="720p"))["duration"]
    )
    v20 = catalog.get_model(V20)
    assert not v20.smart_duration and request.check_settings(v20, prompt="x", duration=-1, resolution="720p")


def test_output_sizes_say_whether_they_are_published_or_estimated():
    v15, v20, v25 = (
        catalog.get_model(V15),
        catalog.get_model(V20),
        catalog.get_model("bytedance/seedance-2.5/image-to-video"),
    )
    assert v15.output_size("720p", "4:3") == (1112, 834) and v15.output_size_published("720p", "4:3")
    assert v20.output_size("720p", "4:3") == (1112, 834) and not v20.output_size_published("720p", "4:3")
    assert v25.output_size("4k", "16:9") == (3840, 2160) and not v25.output_size_published("4k", "16:9")
    for m in catalog.MODELS:
        for r in m.resolutions:
            for a in m.aspect_ratios:
                w, h = m.output_size(r, a)
                assert w % 2 == 0 and h % 2 == 0


def test_2_0_payload_leaves_out_the_inputs_its_schema_lacks():
    turbo = "bytedance/seedance-2.0/image-to-video-turbo"
    spec = catalog.get_model(turbo)
    body = Plan.make(Choices(model_id=turbo, prompt="a wave breaks")).payload(0, "https://example.invalid/a.jpg")
    assert set(body) == {"image", "prompt", "duration", "resolution"} and body["duration"] == 5
    assert not spec.accepts_camera_fixed and not spec.accepts_audio and spec.resolutions == ("720p", "1080p")
    with pytest.raises(InvalidRequest, match="no fixed-camera setting"):
        Plan.make(Choices(model_id=V20, prompt="x", camera_fixed=True))


def test_the_snapshots_2_0_offers_the_inputs_its_pages_list_marked_unconfirmed():
    """Issue 25: 480p-1080p, sound and seed, as WaveSpeed's 2.0 pages list them; each marked unconfirmed."""
    v20 = catalog.get_model(V20)
    assert v20.resolutions == ("480p", "720p", "1080p") and v20.default_resolution == "720p"
    assert v20.accepts_audio and v20.audio_default and v20.accepts_seed and not v20.smart_duration
    assert v20.facts["inputs"]["confirmed"] is False
    props = request_schema(next(i for i in catalog.snapshot_items() if i["model_id"] == V20))["properties"]
    assert all("unconfirmed" in props[f]["x-seedance-unconfirmed"] for f in ("resolution", "generate_audio", "seed"))
    body = Plan.make(Choices(model_id=V20, prompt="a wave breaks", resolution="1080p")).payload(0, "https://e.x/a.jpg")
    assert body["resolution"] == "1080p" and "generate_audio" in body


# Specs from a schema -----------------------------------------------------------------------------------------


def test_spec_from_a_schema_drives_known_controls_and_keeps_the_rest_as_extra_fields():
    spec = catalog.ModelSpec.from_api(TEST_MODEL)
    assert (spec.duration_min, spec.duration_max, spec.duration_default) == (3, 7, 4)
    assert spec.resolutions == ("540p", "1080p") and spec.default_resolution == "540p" and spec.sends_resolution
    assert spec.aspect_ratios == ("16:9", "9:16", "1:1") and spec.prompt_required and not spec.accepts_audio
    assert spec.generation == "9.9" and spec.family == "Seedance 9.9 Test" and not spec.retiring
    assert [f.name for f in spec.extra_fields] == ["style", "motion_strength"]  # x-order-properties order
    style, motion = spec.extra_fields
    assert style.required and style.enum == ("cinematic", "anime") and style.default == "cinematic"
    assert (motion.type, motion.minimum, motion.maximum, motion.default) == ("number", 0, 1, 0.5)
    assert spec.output_size("540p", "16:9") == (960, 540) and not spec.output_size_published("540p", "16:9")
    # a resolution in the id (as V1's) groups the model with its siblings in a family
    v9 = copy.deepcopy(TEST_MODEL) | {"model_id": "bytedance/seedance-v9-pro-i2v-480p", "name": "Seedance V9 Pro 480p"}
    del request_schema(v9)["properties"]["resolution"]
    v9_spec = catalog.ModelSpec.from_api(v9)
    assert (v9_spec.family, v9_spec.resolutions, v9_spec.sends_resolution) == ("Seedance V9 Pro", ("480p",), False)
    # a required input with no default to fall back on must be given
    strict = copy.deepcopy(TEST_MODEL)
    del request_schema(strict)["properties"]["style"]["default"]
    spec = catalog.ModelSpec.from_api(strict)
    problems = dict(request.check_settings(spec, prompt="x", duration=4, resolution="540p"))
    assert {name: say(message) for name, message in problems.items()} == {"style": "Seedance 9.9 Test needs Style."}
    assert say(problems["style"], "es") == "Seedance 9.9 Test necesita Style."


@pytest.mark.parametrize(
    ("values", "field", "words"),
    [
        ({"duration": 8}, "duration", "from 3 to 7"),
        ({"resolution": "720p"}, "resolution", "renders 540p, 1080p; '720p' is not one of them"),
        ({"aspect_ratio": "4:3"}, "aspect_ratio", "one of 16:9, 9:16, 1:1"),
        ({"motion_strength": 1.5}, "motion_strength", "Motion strength must be from 0 to 1; 1.5 is outside it."),
        ({"motion_strength": "lots"}, "motion_strength", "Motion strength must be a number from 0 to 1."),
        ({"style": "noir"}, "style", "Style must be one of cinematic, anime; 'noir' is not one of them."),
    ],
)
def test_check_settings_refuses_values_outside_the_schema_in_plain_words(values, field, words):
    spec = catalog.ModelSpec.from_api(TEST_MODEL)
    problems = dict(request.check_settings(spec, **({"prompt": "x", "duration": 4, "resolution": "540p"} | values)))
    assert words in str(problems[field])


# The live catalog, from the emulator over real HTTP --------------------------------------------------------------


def test_live_catalog_names_a_model_only_the_emulator_lists(live_emu, tmp_path):
    with pytest.raises(KeyError):
        catalog.get_model(TEST_ID)
    specs = catalog_live.refresh(TEST_KEY, live_emu.url, cache_dir=tmp_path)
    assert catalog_live.status().source == "live" and TEST_ID in {s.id for s in specs}
    models = catalog_live.models_for(TEST_KEY, live_emu.url)  # this key's list; the process's stays the snapshot
    assert models == specs and TEST_ID not in catalog.MODELS_BY_ID
    spec = catalog.get_model(TEST_ID, models)
    assert spec.source == "live" and spec.duration_max == 7 and spec.facts["ranges"]["confirmed"]
    v15 = catalog.get_model(V15, models)  # a model the snapshot knows keeps our notes on it, now confirmed
    assert v15.family == "Seedance V1.5 Pro" and v15.output_size_published("720p", "16:9") and v15.smart_duration
    assert "bytedance/video-upscaler" not in {m.id for m in models}

    with pytest.raises(InvalidRequest) as e:  # refused outside its schema's ranges, in plain words
        Plan.make(Choices(model_id=TEST_ID, prompt="x", duration=9), models=models)
    assert e.value.problems == [("duration", "Duration must be a whole number of seconds from 3 to 7.")]

    plan = Plan.make(Choices(model_id=TEST_ID, prompt="the camera pushes in", duration=5, resolution="1080p",
                             aspect_ratio="9:16", seed=7), models=models)  # fmt: skip
    q = plan.price  # from its own formula: 0.5 x 5/5 x 3
    assert q.total == Decimal("1.50") and q.kind == "formula" and q.published
    assert {w.label: w.total for w in q.what_if}["At 540p"] == Decimal("0.50")
    assert plan.output_size == (1080, 1920) and not plan.spec.output_size_published("1080p", "9:16")

    with httpx.Client(base_url=live_emu.url, headers={"Authorization": f"Bearer {TEST_KEY}"}, timeout=10) as c:
        body = plan.payload(0, PHOTO)
        assert body["style"] == "cinematic"  # a required extra with a default is sent with it
        quoted = c.post("/api/v3/model/price", json={"model_id": TEST_ID, "inputs": plan.payload(0, None)}).json()[
            "data"
        ]
        assert Decimal(str(quoted["price"])) == q.total  # the server's formula is the same
        refused = c.post(f"/api/v3/{TEST_ID}", json=body | {"motion_strength": 3})
        assert refused.status_code == 400 and refused.json()["code"] == 1401
        assert "motion_strength must be from 0 to 1" in refused.json()["message"]  # the emulator's own words
        task = c.post(f"/api/v3/{TEST_ID}", json=body).json()["data"]["id"]
        deadline = time.monotonic() + 30
        while (data := c.get(f"/api/v3/predictions/{task}/result").json()["data"])["status"] != "completed":
            assert time.monotonic() < deadline and data["status"] != "failed", data
            time.sleep(0.1)
        video = httpx.get(data["outputs"][0], timeout=10).content
    assert live_emu.emulator.jobs[task].price == float(q.total)
    with av.open(io.BytesIO(video)) as v:
        stream = v.streams.video[0]
        assert (stream.width, stream.height) == (1080, 1920) and stream.frames in (0, 5 * 24 + 1)


def test_a_models_other_inputs_are_chosen_checked_priced_and_sent(live_emu, tmp_path):
    from seedance_ui.ui import extras_panel

    models = catalog_live.refresh(TEST_KEY, live_emu.url, cache_dir=tmp_path)
    spec = catalog.get_model(TEST_ID, models)
    shown, left = extras_panel.assign(spec)  # "More options": a control for each, from its schema
    assert [f.name for f in shown["choice"]] == ["style"] and [f.name for f in shown["number"]] == ["motion_strength"]
    assert left == []
    order = extras_panel.shown_in_order(spec)  # the controls gr.render builds for this model, in this order
    style = extras_panel.control(*order[0])
    assert style.choices == [("cinematic", "cinematic"), ("anime", "anime")] and style.value == "cinematic"
    assert style.elem_id == "option-choice-1" and extras_panel.control(*order[1]).elem_id == "option-number-1"
    assert extras_panel.defaults(spec) == {"style": "cinematic", "motion_strength": 0.5}  # a fresh render's values
    extras = extras_panel.collect(spec, ["anime", 0.9])
    assert extras == {"style": "anime", "motion_strength": 0.9}

    plan = Plan.make(Choices(model_id=TEST_ID, prompt="x", duration=5, extras=extras), models=models)
    assert plan.price.total == Decimal("0.75")  # its formula: x1.5 above 0.8
    body = plan.payload(0, PHOTO)
    assert (body["style"], body["motion_strength"]) == ("anime", 0.9)
    for bad, problem in (({"motion_strength": 2}, ("motion_strength", "Motion strength must be from 0 to 1; 2 is "
                                                                       "outside it.")),
                         ({"style": "noir"}, ("style", "Style must be one of cinematic, anime; 'noir' is not one of "
                                              "them.")),
                         ({"sharpness": 3}, ("sharpness", "Seedance 9.9 Test has no setting 'sharpness'."))):  # fmt: skip
        with pytest.raises(InvalidRequest) as e:
            Plan.make(Choices(model_id=TEST_ID, prompt="x", extras=bad), models=models)
        assert e.value.problems == [problem]
    with httpx.Client(base_url=live_emu.url, headers={"Authorization": f"Bearer {TEST_KEY}"}, timeout=10) as c:
        quoted = c.post("/api/v3/model/price", json={"model_id": TEST_ID, "inputs": plan.payload(0, None)}).json()
    assert Decimal(str(quoted["data"]["price"])) == Decimal("0.75")


def test_a_formula_calling_a_server_helper_is_priced_by_wavespeeds_quote(live_emu, tmp_path):
    models = catalog_live.refresh(TEST_KEY, live_emu.url, cache_dir=tmp_path)
    spec = catalog.get_model(HELPER_ID, models)
    assert formula.server_helpers(spec.formula) == ["seedance_units"]
    q = pricing.price_for(spec, 5, "1080p", models=models)
    assert q.kind == "needs WaveSpeed's quote" and q.needs_server_quote and not q.published
    assert "only WaveSpeed can evaluate" in str(q.source) and "WaveSpeed's own quote is needed" in q.headline()

    async def ask():
        async with fast_client(live_emu.url) as client:
            return await client.quote(HELPER_ID, pricing.formula_inputs(spec, 5, "1080p"))

    assert run(ask()) == Decimal("2.00")  # 0.5 x seedance_units(5, 1080p) = 0.5 x 4, on the server


def test_emulator_quote_prices_left_out_inputs_at_their_defaults(live_emu):
    """A quote prices the job its inputs would run: what is left out takes its default, as in the run (issue 25)."""
    with httpx.Client(base_url=live_emu.url, headers={"Authorization": f"Bearer {TEST_KEY}"}, timeout=10) as c:

        def price(inputs):
            return c.post("/api/v3/model/price", json={"model_id": TEST_ID, "inputs": inputs}).json()["data"]["price"]

        assert price({"duration": 5}) == 0.5  # the defaults: 540p, motion 0.5
        assert price({"duration": 5, "resolution": "1080p"}) == 1.5
        assert price({"duration": 5, "resolution": "1080p", "motion_strength": 0.9}) == 2.25
        assert c.post("/api/v3/model/price", json={"model_id": TEST_ID, "inputs": {"duration": 99}}).status_code == 400


def test_emulator_serves_the_snapshot_without_our_notes_and_takes_models_at_runtime(emu):
    with httpx.Client(base_url=emu.url, headers={"Authorization": f"Bearer {TEST_KEY}"}, timeout=10) as c:
        listed = c.get("/api/v3/models").json()["data"]
        assert [i["model_id"] for i in listed] == [i["model_id"] for i in catalog.snapshot_items()]
        assert listed == catalog.snapshot_items(notes=False)
        added = httpx.post(f"{emu.url}/_emulator/models", json={"model": TEST_MODEL}).json()
        assert added == {"ok": True, "added": [TEST_ID], "renderable": [TEST_ID]}
        assert TEST_ID in [i["model_id"] for i in c.get("/api/v3/models").json()["data"]]
        assert TEST_ID not in catalog.MODELS_BY_ID  # the app knows it only once it reads the live list
        assert httpx.get(f"{emu.url}/api/v3/models").status_code == 401  # the catalog needs a key, as WaveSpeed's
    emu.emulator.reset()
    assert TEST_ID not in emu.emulator.catalog.specs


def test_without_a_key_or_offline_the_snapshot_stays_and_a_cache_is_used(live_emu, tmp_path):
    asked = live_emu.emulator.count("models")
    st = catalog_live.load(None, live_emu.url, cache_dir=tmp_path)
    assert st.source == "snapshot" and live_emu.emulator.count("models") == asked
    assert V20 in {m.id for m in catalog_live.models_for(None, live_emu.url)}
    with pytest.raises(catalog_live.CatalogUnavailable, match="could not be reached"):
        catalog_live.refresh(TEST_KEY, "http://127.0.0.1:9", cache_dir=tmp_path, timeout=2)
    assert catalog_live.status().source == "snapshot" and catalog_live.status().error

    st = catalog_live.load(TEST_KEY, live_emu.url, cache_dir=tmp_path)  # returns at once; refreshes behind
    assert catalog_live.wait(15) and catalog_live.status().source == "live"
    assert TEST_ID in {m.id for m in catalog_live.models_for(TEST_KEY, live_emu.url)}
    saved = catalog_live.cache_path(tmp_path).read_text()
    assert TEST_KEY not in saved and TEST_ID in saved and "bytedance/video-upscaler" in saved
    asked = live_emu.emulator.count("models")
    assert catalog_live.load(TEST_KEY, live_emu.url, cache_dir=tmp_path).source == "live"  # fresh: no new fetch
    assert live_emu.emulator.count("models") == asked

    catalog_live.use_snapshot()  # a new start, offline and keyless: the cached list of this server is used
    assert catalog_live.load(None, live_emu.url, cache_dir=tmp_path).source == "cache"
    assert TEST_ID in {m.id for m in catalog_live.models_for(None, live_emu.url)}
    assert catalog_live.read_cache("http://elsewhere.invalid", tmp_path) is None  # another server's list isn't


def test_a_stale_cache_is_used_at_once_while_a_slow_refresh_runs_behind(live_emu, tmp_path):
    old = [i for i in catalog.snapshot_items(notes=False) if i["model_id"] in (V15, V20)]
    catalog_live.write_cache(old, live_emu.url, tmp_path, fetched_at=time.time() - 2 * catalog_live.CACHE_SECONDS)
    live_emu.emulator.faults.add(route="models", action="stall", seconds=1.5, store=False)
    try:
        st = catalog_live.load(TEST_KEY, live_emu.url, cache_dir=tmp_path)
        assert st.source == "cache" and st.refreshing
        assert [m.id for m in catalog_live.models_for(TEST_KEY, live_emu.url)] == [V15, V20]
        assert catalog_live.wait(15) and catalog_live.status().source == "live"
        assert TEST_ID in {m.id for m in catalog_live.models_for(TEST_KEY, live_emu.url)}
    finally:
        live_emu.emulator.faults.clear()
    assert json.loads(catalog_live.cache_path(tmp_path).read_text())["fetched_at"] > time.time() - 60

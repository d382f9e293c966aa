from decimal import Decimal

import pytest
from pricing_kit import estimate

from seedance_ui import catalog, request
from seedance_ui.errors import InvalidRequest
from seedance_ui.plan import Choices, Plan

V15 = "bytedance/seedance-v1.5-pro/image-to-video"
V1PRO_1080 = "bytedance/seedance-v1-pro-i2v-1080p"
FAST = "bytedance/seedance-v1-pro-fast/image-to-video"
IMG = "https://example.invalid/a.jpg"


def test_catalog_has_every_seedance_i2v_model_once():
    ids = [m.id for m in catalog.MODELS]
    documented = {V15, FAST} | {
        f"bytedance/seedance-v1-{t}-i2v-{r}" for t in ("pro", "lite") for r in ("480p", "720p", "1080p")
    }
    assert documented <= set(ids) and len(ids) == len(set(ids))  # newer models may join; none twice
    assert all(m.id.startswith("bytedance/seedance") for m in catalog.MODELS)


@pytest.mark.parametrize(
    ("gen_model", "res", "aspect", "size"),
    [
        (V1PRO_1080, "1080p", "16:9", (1920, 1088)),
        ("bytedance/seedance-v1-lite-i2v-480p", "480p", "21:9", (960, 416)),
        (V15, "720p", "16:9", (1280, 720)),
        (V15, "720p", "4:3", (1112, 834)),
        (V15, "480p", "9:16", (496, 864)),
        (V15, "1080p", "21:9", (2206, 946)),
    ],
)
def test_output_sizes_follow_the_tables(gen_model, res, aspect, size):
    assert catalog.get_model(gen_model).output_size(res, aspect) == size


def test_every_model_has_a_size_for_every_resolution_and_aspect_and_a_price():
    for m in catalog.MODELS:
        for r in m.resolutions:
            assert r in m.prices and m.prices[r].source
            for a in catalog.ASPECT_RATIOS:
                w, h = m.output_size(r, a)
                assert w % 2 == 0 and h % 2 == 0
        assert m.retiring == (m.generation == "1.0")
        assert bool(m.notice) == m.retiring


def test_ranges_and_defaults_match_the_docs():
    v15 = catalog.get_model(V15)
    assert (v15.duration_min, v15.duration_max, v15.duration_default) == (4, 12, 5)
    assert v15.default_resolution == "720p" and v15.audio_default and v15.prompt_required
    v1 = catalog.get_model(V1PRO_1080)
    assert (v1.duration_min, v1.duration_max) == (2, 12) and not v1.accepts_audio and not v1.prompt_required
    fast = catalog.get_model(FAST)
    assert not fast.accepts_last_image and not fast.accepts_aspect_ratio


@pytest.mark.parametrize(("w", "h", "aspect"), [(1920, 1080, "16:9"), (1080, 1920, "9:16"), (1000, 1000, "1:1"),
                                               (2400, 1000, "21:9"), (1200, 900, "4:3"), (900, 1200, "3:4")])  # fmt: skip
def test_nearest_aspect_ratio(w, h, aspect):
    assert catalog.nearest_aspect_ratio(w, h) == aspect


def test_family_picker_maps_resolution_to_model():
    assert catalog.model_for("Seedance V1 Pro", "720p").id == "bytedance/seedance-v1-pro-i2v-720p"
    assert catalog.model_for("Seedance V1.5 Pro", "1080p").id == V15
    with pytest.raises(KeyError, match="does not render"):
        catalog.model_for("Seedance V1.5 Pro", "4k")


# Requests: one Plan, one check ---------------------------------------------------------------------------------


def plan(model: str = V15, **kw) -> Plan:
    return Plan.make(Choices.of(model_id=model, **kw))


def test_v15_defaults_are_sound_on_match_my_image_720p():
    p = plan(prompt="a cat turns", seed=7)
    assert p.payload(0, IMG) == {
        "image": IMG, "prompt": "a cat turns", "duration": 5, "resolution": "720p",
        "generate_audio": True, "camera_fixed": False, "seed": 7,
    }  # fmt: skip
    assert p.aspect_ratio == "16:9" and not p.shape_known and p.price.total == Decimal("0.26")
    known = p.for_image((800, 600))  # the shape follows the picture once it is known
    assert (known.aspect_ratio, known.shape_known, known.output_size) == ("4:3", True, (1112, 834))
    assert known.seeds == p.seeds and p.upload_side == 2 * 1280


def test_v1_payload_leaves_out_what_the_model_does_not_take():
    body = plan(V1PRO_1080, aspect_ratio="9:16", seed=7, duration=2).payload(0, IMG, IMG)
    assert "generate_audio" not in body and "resolution" not in body and "prompt" not in body
    assert body["last_image"] == IMG and body["aspect_ratio"] == "9:16" and body["seed"] == 7
    assert plan(V1PRO_1080).values["generate_audio"] is False  # sound "default" on a silent model is off


def test_fast_payload_sends_resolution_but_no_aspect_or_last_image():
    body = plan(FAST, resolution="1080p").payload(0, IMG, IMG)
    assert body["resolution"] == "1080p" and "aspect_ratio" not in body and "last_image" not in body


def test_takes_step_a_fixed_seed_and_pick_random_ones_otherwise():
    p = plan(prompt="x", seed=2147483646, takes=3)
    assert p.seeds == (2147483646, 2147483647, 0) and [p.take_values(i)["seed"] for i in range(3)] == list(p.seeds)
    assert p.price.total == Decimal("0.78") and p.needs_confirm(0.5) and not p.needs_confirm(None)
    rand = plan(prompt="x", takes=4).seeds
    assert len(rand) == 4 and all(0 <= s <= 2147483647 for s in rand)


@pytest.mark.parametrize(
    ("model", "settings", "field", "words"),
    [
        (V15, {"prompt": ""}, "prompt", "needs a prompt"),
        (V15, {"prompt": "x" * 2001}, "prompt", "2001 characters"),
        (V15, {"prompt": "ok", "duration": 3}, "duration", "from 4 to 12"),
        (V15, {"prompt": "ok", "duration": 13}, "duration", "from 4 to 12"),
        (V15, {"prompt": "ok", "duration": 0}, "duration", "from 4 to 12"),
        (V1PRO_1080, {"duration": 1}, "duration", "from 2 to 12"),
        (V15, {"prompt": "ok", "resolution": "4k"}, "resolution", "480p, 720p, 1080p"),
        (V15, {"prompt": "ok", "aspect_ratio": "2:1"}, "aspect_ratio", "21:9, 16:9"),
        (V15, {"prompt": "ok", "seed": -2}, "seed", "2147483647"),
        (V15, {"prompt": "ok", "seed": 2147483648}, "seed", "2147483647"),
        (V1PRO_1080, {"generate_audio": True}, "generate_audio", "silent"),
        (FAST, {"aspect_ratio": "1:1"}, "aspect_ratio", "follows the image"),
        (V15, {"prompt": "ok", "camera_fixed": "maybe"}, "camera_fixed", "on or off"),
        (V15, {"prompt": "ok", "duration": 5.5}, "duration", "whole number"),
        (V15, {"prompt": "ok", "duration": "abc"}, "duration", "whole number"),
        (V15, {"prompt": "ok", "takes": 9}, "takes", "from 1 to 4"),
        (V15, {"prompt": "ok", "wibble": 1}, "wibble", "not a setting"),
    ],
)
def test_refusals_name_the_field_and_the_allowed_values(model, settings, field, words):
    with pytest.raises(InvalidRequest) as e:
        plan(model, **settings)
    fields = [f for f, _ in e.value.problems]
    assert field in fields
    assert words in e.value.message


def test_check_settings_is_the_one_check_and_sees_the_pictures_when_given():
    spec = catalog.get_model(FAST)
    base = {"prompt": "", "duration": 5, "resolution": "720p", "seed": -1}
    assert request.check_settings(spec, **base) == []
    assert [f for f, _ in request.check_settings(spec, **base, image="", last_image=IMG)] == ["image", "last_image"]


def test_unknown_model_is_refused_in_words():
    with pytest.raises(InvalidRequest, match="not a Seedance model"):
        plan("acme/other")


def test_boundaries_accepted():
    plan(V15, prompt="x" * 2000, duration=12, seed=2147483647)
    plan(V1PRO_1080, duration=2, seed=-1, takes=4)


# Prices ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "duration", "res", "audio", "usd"),
    [
        (V1PRO_1080, 5, None, False, "0.60"),
        (V1PRO_1080, 10, None, False, "1.20"),
        ("bytedance/seedance-v1-pro-i2v-480p", 5, None, False, "0.15"),
        ("bytedance/seedance-v1-pro-i2v-480p", 10, None, False, "0.30"),
        ("bytedance/seedance-v1-lite-i2v-480p", 5, None, False, "0.08"),
        ("bytedance/seedance-v1-lite-i2v-720p", 5, None, False, "0.16"),
        (V15, 5, "480p", False, "0.06"),
        (V15, 5, "480p", True, "0.12"),
        (V15, 5, "720p", False, "0.13"),
        (V15, 5, "720p", True, "0.26"),
        (V15, 10, "720p", True, "0.52"),
        (V15, 10, "480p", True, "0.24"),
    ],
)
def test_every_published_price_is_reproduced(model, duration, res, audio, usd):
    q = estimate(model, duration, res, audio)
    assert q.total == Decimal(usd)
    assert q.published


def test_unpublished_prices_are_marked_estimates():
    assert not estimate("bytedance/seedance-v1-pro-i2v-720p", 5).published
    assert not estimate(V15, 5, "1080p").published
    assert not estimate(FAST, 5).published


def test_takes_multiply_and_what_if_differences():
    q = estimate(V15, 5, "720p", True, takes=3)
    assert q.total == Decimal("0.78") and q.per_take == Decimal("0.26")
    by_label = {w.label: w for w in q.what_if}
    assert by_label["Sound off"].delta == Decimal("-0.39")
    assert by_label["At 480p"].total == Decimal("0.36")
    assert "4 s instead of 5 s" in by_label and "6 s instead of 5 s" in by_label
    d = q.to_dict()
    assert d["total_usd"] == "0.78" and d["published"] is True


def test_v1_what_if_other_resolution_names_the_other_model():
    q = estimate(V1PRO_1080, 5)
    alt = {w.label: w for w in q.what_if}["At 480p"]
    assert alt.changes["model_id"] == "bytedance/seedance-v1-pro-i2v-480p" and alt.total == Decimal("0.15")


def test_price_refuses_out_of_range():
    with pytest.raises(ValueError, match="4 to 12"):
        estimate(V15, 3)
    with pytest.raises(ValueError, match="Takes"):
        estimate(V15, 5, takes=5)

"""The app: handlers called directly, then the launched app through gradio_client (demo mode, the emulator)."""

import asyncio
import hashlib
import html
import os
from pathlib import Path

import httpx
import pytest
from conftest import free_port, make_photo, run
from gradio_client import Client, handle_file
from PIL import Image

from seedance_ui import runtime
from seedance_ui.ui import handlers as h
from seedance_ui.ui import make_context
from seedance_ui.ui.layout import build_app, launch_kwargs
from seedance_ui.video import probe

V15 = "Seedance V1.5 Pro"


def photo_file(tmp_path, name="p.jpg", w=800, h=600, fmt="JPEG", color=(30, 120, 200)) -> str:
    path = tmp_path / name
    path.write_bytes(make_photo(w, h, color=color, fmt=fmt))
    return str(path)


@pytest.fixture
def demo_ctx(tmp_path):
    rt = runtime.start(demo=True, demo_processing_seconds=0.3, data_dir=tmp_path / "data")
    ctx = h.AppContext(demo=rt, live=None)
    h.configure(ctx)
    yield ctx
    rt.close()


async def drain(gen):
    last = None
    async for out in gen:
        last = out
    return last


# Handlers -------------------------------------------------------------------------------------------------


def test_image_check_words_and_fix(demo_ctx, tmp_path):
    text, fix = h.check_image(photo_file(tmp_path, "small.jpg", 250, 400))
    assert "250 px wide" in text and "at least 300 px" in text and fix["visible"] is False
    webp = tmp_path / "pic.png"
    Image.new("RGB", (640, 480), (9, 9, 9)).save(webp, "WEBP")
    text, fix = h.check_image(str(webp))
    assert "WEBP" in text and fix["visible"] is True
    session = h.new_session()
    fixed, text, _ = h.fix_image(str(webp), session)
    assert Path(fixed).exists() and text.startswith("✅ Fixed") and "Converted from WEBP" in text
    again = h.check_image(fixed, session)[0]
    assert again.startswith("✅") and "We fixed it for you: Converted from WEBP" in again


def test_model_change_shows_only_what_the_model_takes(demo_ctx):
    res, dur, audio, last, aspect, notice = h.on_family("Seedance V1 Pro", "720p", 12)
    assert res["choices"] == [("480p", "480p"), ("720p", "720p"), ("1080p", "1080p")] or res["choices"] == [
        "480p",
        "720p",
        "1080p",
    ]
    assert dur["minimum"] == 2 and dur["value"] == 12 and audio["visible"] is False and last["visible"] is True
    assert "retiring" in notice
    res, dur, audio, last, aspect, _ = h.on_family("Seedance V1 Pro Fast", "720p", 1)
    assert last["visible"] is False and aspect["visible"] is False and dur["value"] == 2
    _, dur, audio, _, _, notice = h.on_family(V15, "720p", 2)
    assert audio["visible"] is True and dur["value"] == 4 and "retiring" not in notice


def test_presets_prompt_count_and_camera_warning(demo_ctx, tmp_path):
    aspect, res, dur, last = h.apply_preset("Story · 9:16, 10 s", V15, None)
    assert (aspect["value"], res["value"], dur["value"]) == ("9:16", "720p", 10)
    first = photo_file(tmp_path)
    *_, last = h.apply_preset("Seamless loop", V15, first)
    assert last["value"] == first
    count, warn = h.prompt_info("Slow push-in on her face", V15, "720p", True)
    assert count.startswith("24 / 2000") and "camera move (push-in)" in warn
    count, warn = h.prompt_info("x" * 2001, V15, "720p", False)
    assert count.startswith("⚠️ 2001 / 2000") and warn == ""
    assert h.insert_phrase("A cat.", "Orbit") == "A cat. The camera orbits slowly around the subject."


def test_framing_of_first_and_last_image(demo_ctx, tmp_path):
    first = photo_file(tmp_path, "wide.jpg", 1600, 900)
    pic, words = h.framing(first, V15, "720p", "9:16")
    assert pic is not None and words == "Output 720x1280; the left and right 34% of your picture fall outside."
    square = photo_file(tmp_path, "square.jpg", 900, 900)
    update, words = h.framing_last(square, first, V15, "720p", h.MATCH)  # shape follows the first image: 16:9
    assert (
        update["visible"] is True
        and words == "Last frame: Output 1280x720; the top and bottom 22% of your picture fall outside."
    )
    assert h.framing_last(None, first, V15, "720p", h.MATCH)[0]["visible"] is False


def test_live_price_and_what_if(demo_ctx, tmp_path):
    session = h.new_session()
    html_a, confirm = run(h.price_card(V15, "720p", 5, h.MATCH, True, 1, None, 2.0, session))
    assert "$0.26" in html_a and "published" in html_a and "Sound off: -$0.13" in html_a and "Demo mode" in html_a
    assert confirm["visible"] is False  # demo costs nothing: no confirmation
    html_b, _ = run(h.price_card(V15, "480p", 5, h.MATCH, True, 3, None, 2.0, session))
    assert "$0.36" in html_b and "$0.12 per take" in html_b


def test_generate_in_demo_mode_end_to_end(demo_ctx, tmp_path):
    session = h.new_session()
    first, last = photo_file(tmp_path), photo_file(tmp_path, "last.png", fmt="PNG", color=(20, 200, 20))
    out = run(drain(h.generate(session, first, last, "slow push-in", V15, "480p", 4, "16:9", False, False, 1234,
                               2, False, 2.0)))  # fmt: skip
    status, v1, v2, v3, _v4, files, facts, error = out
    assert error == "" and status.startswith("✅ Done")
    assert Path(v1["value"]).exists() and Path(v2["value"]).exists() and v3["visible"] is False
    assert probe(v1["value"])["width"] == 864 and "`1234`" in facts and "`1235`" in facts  # one seed per take
    assert session["last_seed"] == 1234 and len(files["value"]) == 2
    gallery, ids, _ = h.history(session)
    assert len(gallery) == 2 and len(ids) == 2


def test_bad_image_gives_a_plain_error_card(demo_ctx, tmp_path):
    session = h.new_session()
    out = run(drain(h.generate(session, photo_file(tmp_path, "s.jpg", 200, 200), None, "hi", V15, "480p", 4,
                               h.MATCH, False, False, -1, 1, False, 2.0)))  # fmt: skip
    error = out[-1]
    assert "200 px wide" in error and "Nothing was charged" in error and "Traceback" not in error


def test_cancel_stops_the_take_upstream_and_says_what_happened_to_the_money(emu, tmp_path):
    emu.emulator.faults.add(route="task", final_status="processing")
    live = runtime.start(api_key="wsk-desk-0002", base_url=emu.url, demo=False, data_dir=tmp_path)
    h.configure(h.AppContext(demo=None, live=live, owner_key=True))
    session = h.new_session()

    async def go():
        gen = h.generate(session, photo_file(tmp_path), None, "x", V15, "480p", 4, h.MATCH, False, False, -1, 1,
                         True, 99.0)  # fmt: skip
        task = asyncio.create_task(drain(gen))
        while not live.studio.journal.history() or not live.studio.journal.history()[0].task_id:
            await asyncio.sleep(0.05)
        message = await h.cancel(session)
        out = await task
        await live.studio.aclose()
        return message, out

    try:
        message, out = run(go())
        assert "refunds cancelled renders" in message and emu.emulator.count("delete") == 1
        assert "cancelled" in html.unescape(out[-1]) and live.studio.journal.history()[0].state == "cancelled"
    finally:
        live.close()


# Keys and visitors ----------------------------------------------------------------------------------------


def test_two_visitors_with_their_own_keys_at_once(emu, tmp_path):
    """Case 25: each POST carries its own visitor's key; neither sees the other's history."""
    live = runtime.start(api_key="", base_url=emu.url, demo=False, data_dir=tmp_path / "live")
    ctx = h.AppContext(demo=None, live=live, on_space=True)
    h.configure(ctx)
    a, b = h.new_session(), h.new_session()
    a, _, banner_a = h.set_key("wsk-visitor-A-111111", a)
    b, _, _ = h.set_key("wsk-visitor-B-222222", b)
    assert "Connected to WaveSpeed" in banner_a and "WAVESPEED_API_KEY" not in os.environ
    first = photo_file(tmp_path)

    async def both():
        return await asyncio.gather(
            drain(h.generate(a, first, None, "a", V15, "480p", 4, h.MATCH, False, False, 1, 1, True, 99)),
            drain(h.generate(b, first, None, "b", V15, "480p", 4, h.MATCH, False, False, 2, 1, True, 99)),
        )

    try:
        out_a, out_b = run(both())
        assert out_a[-1] == "" and out_b[-1] == ""
        fp = {k: hashlib.sha256(k.encode()).hexdigest()[:12] for k in ("wsk-visitor-A-111111", "wsk-visitor-B-222222")}
        assert emu.emulator.submit_keys == {fp["wsk-visitor-A-111111"]: 1, fp["wsk-visitor-B-222222"]: 1}
        hist_a, hist_b = h.history(a)[1], h.history(b)[1]
        assert len(hist_a) == 1 and len(hist_b) == 1 and set(hist_a).isdisjoint(hist_b)
        video_a = live.studio.journal.get(hist_a[0]).video_path
        assert a["id"] in video_a and b["id"] not in video_a  # files live in the visitor's own folder
        # b cannot open a's take even by id
        assert h.load_settings(hist_a[0], b)[-1] == "Pick a take first."
    finally:
        live.close()


def test_space_never_lends_the_owner_key_unless_allowed(monkeypatch, tmp_path):
    monkeypatch.setenv("SPACE_ID", "someone/seedance")
    monkeypatch.setenv("WAVESPEED_API_KEY", "wsk-owner-secret-999")
    ctx = make_context(data_dir=tmp_path / "a")
    try:
        studio, key, demo = ctx.studio_for(h.new_session())
        assert demo and key is None and ctx.live is None
    finally:
        ctx.demo.close()
    monkeypatch.setenv("SEEDANCE_ALLOW_SHARED_KEY", "1")
    ctx = make_context(data_dir=tmp_path / "b")
    try:
        studio, key, demo = ctx.studio_for(h.new_session())
        assert not demo and studio is ctx.live.studio
    finally:
        ctx.live.close()
        ctx.demo.close()


def test_desktop_uses_the_environment_key(monkeypatch, tmp_path):
    monkeypatch.delenv("SPACE_ID", raising=False)
    monkeypatch.setenv("WAVESPEED_API_KEY", "wsk-desktop-key-123")
    ctx = make_context(data_dir=tmp_path)
    h.configure(ctx)
    try:
        _, _key, demo = ctx.studio_for(h.new_session())
        assert not demo and ctx.demo is None and "Connected to WaveSpeed" in h.mode_banner(h.new_session())
    finally:
        ctx.live.close()


def test_confirmation_above_the_threshold(emu, tmp_path):
    live = runtime.start(api_key="wsk-desk-0001", base_url=emu.url, demo=False, data_dir=tmp_path)
    h.configure(h.AppContext(demo=None, live=live, owner_key=True))
    session = h.new_session()
    try:
        card, confirm = run(h.price_card(V15, "1080p", 12, h.MATCH, True, 4, None, 2.0, session))
        assert confirm["visible"] is True and "Yes, spend $" in confirm["label"] and "WaveSpeed quote" in card
        out = run(drain(h.generate(session, photo_file(tmp_path), None, "x", V15, "1080p", 12, h.MATCH, True, False,
                                   -1, 4, False, 2.0)))  # fmt: skip
        assert "Tick 'Yes, spend $5.60'" in html.unescape(out[-1]) and emu.emulator.count("submit") == 0
    finally:
        live.close()


# The launched app, through gradio_client --------------------------------------------------------------------


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    data = tmp_path_factory.mktemp("app")
    saved = {k: os.environ.pop(k, None) for k in ("WAVESPEED_API_KEY", "SPACE_ID", "WAVESPEED_BASE_URL")}
    demo, ctx = None, make_context(demo_processing_seconds=0.3, data_dir=data)
    demo = build_app(ctx)
    port = free_port()
    demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", server_port=port, quiet=True, **launch_kwargs(ctx))
    yield f"http://127.0.0.1:{port}/", ctx
    demo.close()
    ctx.demo.close()
    for k, v in saved.items():
        if v is not None:
            os.environ[k] = v


def test_api_generate_with_first_and_last_image(app_url, tmp_path):
    url, _ctx = app_url
    client = Client(url, verbose=False)
    first, last = photo_file(tmp_path), photo_file(tmp_path, "l.png", fmt="PNG", color=(10, 200, 10))
    video, facts = client.predict(
        handle_file(first), "The camera orbits the subject", "bytedance/seedance-v1.5-pro/image-to-video", 4, "480p",
        "9:16", True, False, 77, handle_file(last), api_name="/generate",
    )  # fmt: skip
    path = video["video"] if isinstance(video, dict) else video
    info = probe(path)
    assert (info["width"], info["height"], info["frames"], info["audio"]) == (496, 864, 97, True)
    assert facts["seed"] == 77 and facts["demo"] is True and facts["task_id"]
    client.close()


def test_api_refuses_a_bad_image_in_plain_words(app_url, tmp_path):
    url, _ = app_url
    client = Client(url, verbose=False)
    with pytest.raises(Exception) as e:
        client.predict(handle_file(photo_file(tmp_path, "t.jpg", 299, 500)), "hi",
                       "bytedance/seedance-v1.5-pro/image-to-video", 4, "480p", "", False, False, -1, None,
                       api_name="/generate")  # fmt: skip
    assert "299 px wide" in str(e.value) and "at least 300 px" in str(e.value)
    client.close()


def test_api_schema_and_config_hold_no_key_and_only_generate_is_public(app_url):
    url, _ = app_url
    client = Client(url, verbose=False)
    info = client.view_api(return_format="dict", print_info=False)
    assert list(info["named_endpoints"]) == ["/generate"]
    params = [p["parameter_name"] for p in info["named_endpoints"]["/generate"]["parameters"]]
    assert params[:3] == ["image", "prompt", "model_id"] and "api_key" not in params
    config = httpx.get(url + "config").text
    assert "wsk-" not in config and "demo-mode-no-charge" not in config
    client.close()


def test_launch_settings_turn_off_run_history():
    kw = launch_kwargs(h.AppContext(demo=None, live=None))
    assert kw["run_history"] is False and "css" in kw and "theme" in kw

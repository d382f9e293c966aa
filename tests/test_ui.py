"""The app's handlers called directly (each page's module), over real HTTP to the emulator."""

import asyncio
import html
import os
import time

import pytest
from conftest import make_photo, run
from PIL import Image

from seedance_ui import keys, runtime
from seedance_ui.ui import create as c
from seedance_ui.ui import history as h
from seedance_ui.ui import make_context, settings
from seedance_ui.ui import takes_view as tv
from seedance_ui.ui.layout import launch_kwargs
from seedance_ui.ui.state import AppContext, FairShare, Visitor

V15 = "Seedance V1.5 Pro"


def photo_file(tmp_path, name="p.jpg", w=800, h=600, fmt="JPEG", color=(30, 120, 200)) -> str:
    path = tmp_path / name
    path.write_bytes(make_photo(w, h, color=color, fmt=fmt))
    return str(path)


@pytest.fixture
def demo_ctx(tmp_path):
    rt = runtime.start(demo=True, demo_processing_seconds=0.3, data_dir=tmp_path / "data")
    yield AppContext(demo=rt, live=None)
    rt.close()


@pytest.fixture
def key_ctx(emu, tmp_path):
    live = runtime.start(key="wsk-desk-0001", base_url=emu.url, demo=False, data_dir=tmp_path / "live")
    live.studio.reconcile_delay = 0.1
    yield AppContext(demo=None, live=live, owner_key=True)
    live.close()


async def frames(gen) -> list[tv.Frame]:
    out = []
    async for f in gen:
        out.append(tv.Frame(f.status, [tv.Slot(**s.__dict__) for s in f.slots], f.files, f.facts, f.error))
    return out


def gen(ctx, visitor, first, *, last=None, prompt="slow push-in", resolution="480p", duration=4, aspect=c.MATCH,
        audio=False, seed=-1, takes=1, confirmed=True, threshold=99.0):  # fmt: skip
    return tv.generate(ctx, c.Form(visitor=visitor, first=first, last=last, prompt=prompt, family=V15,
                                   resolution=resolution, duration=duration, aspect=aspect, audio=audio, seed=seed,
                                   takes=takes, confirmed=confirmed, threshold=threshold))  # fmt: skip


def form(visitor=None, first=None, *, family=V15, resolution="720p", duration=5, aspect=c.MATCH, audio=True, takes=1,
         threshold=2.0, **kw):  # fmt: skip
    """The Create page's form with the page's defaults (sound on, match my image, 720p)."""
    return c.Form(visitor=visitor or Visitor(), first=first, family=family, resolution=resolution, duration=duration,
                  aspect=aspect, audio=audio, takes=takes, threshold=threshold, **kw)  # fmt: skip


def view(ctx, *args, **kw) -> c.FormView:
    return c.on_form_change(ctx, form(*args, **kw))


# Pictures ---------------------------------------------------------------------------------------------------


def test_image_check_words_fix_and_generate_enabled(tmp_path):
    v = Visitor()
    text, fix, go = c.check_image(v, photo_file(tmp_path, "small.jpg", 250, 400))
    assert "250 px wide" in text and "at least 300 px" in text and fix["visible"] is False
    assert go["interactive"] is False  # a refused picture disables Generate
    webp = tmp_path / "pic.png"
    Image.new("RGB", (640, 480), (9, 9, 9)).save(webp, "WEBP")
    text, fix, go = c.check_image(v, str(webp))
    assert "WEBP" in text and fix["visible"] is True and go["interactive"] is False
    fixed, text, _ = c.fix_image(AppContext(demo=None, live=None), v, str(webp))
    assert os.path.exists(fixed) and text.startswith("✅ Fixed") and "Converted from WEBP" in text
    again, _, go = c.check_image(v, fixed)
    assert again.startswith("✅") and "We fixed it for you: Converted from WEBP" in again and go["interactive"]


@pytest.mark.parametrize(
    "name,data",
    [
        ("drawing.png", b"<svg xmlns='http://www.w3.org/2000/svg' width='10' height='10'/>"),
        ("noise.png", os.urandom(4096)),
        ("empty.jpg", b""),
    ],
)
def test_refused_files_get_our_words_and_no_framing(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    text, _, go = c.check_image(Visitor(), str(path))
    assert text.startswith("⛔") and go["interactive"] is False
    assert "Could not preprocess" not in text and str(tmp_path) not in text
    shown = view(AppContext(demo=None, live=None), None, str(path))
    assert shown.framing is None and "Output" not in shown.framing_text
    assert "add a picture" in shown.price  # a refused picture gives no shape: the price says so


def test_picture_input_hands_the_upload_to_our_check_unopened(tmp_path):
    from gradio.data_classes import FileData

    bogus = tmp_path / "x.png"
    bogus.write_bytes(b"not a picture at all")
    box = c.PictureInput(type="filepath", image_mode=None, render=False)
    assert box.preprocess(FileData(path=str(bogus), orig_name="x.png")) == str(bogus)
    assert box.get_block_name() == "image"


# Model, prompt, framing, price --------------------------------------------------------------------------------


def test_model_change_shows_only_what_the_model_takes():
    ctx = AppContext(demo=None, live=None)
    res, dur, audio, last, aspect, notice, camera = c.on_family(ctx, form(family="Seedance V1 Pro", duration=12))
    assert res["value"] == "720p" and dur["maximum"] == 12 and last["visible"]
    assert audio["interactive"] is False and audio["value"] is False and "has no sound option" in audio["info"]
    assert "retiring" in notice
    _, dur, audio, last, aspect, _, _ = c.on_family(ctx, form(family="Seedance V1 Pro Fast", duration=1))
    assert dur["value"] == 2 and last["visible"] is False and aspect["visible"] is False
    _, dur, audio, _, _, notice, camera = c.on_family(ctx, form(duration=2))
    assert dur["value"] == 4 and audio["visible"] and "newest" in notice and camera["interactive"]


def test_presets_prompt_count_and_camera_warning(tmp_path):
    ctx = AppContext(demo=None, live=None)
    aspect, res, dur, last = c.apply_preset(ctx, "story", form())
    assert (aspect["value"], res["value"], dur["value"]) == ("9:16", "720p", 10)
    first = photo_file(tmp_path)
    *_, last = c.apply_preset(ctx, "loop", form(None, first))
    assert last["value"] == first
    count, warn = c.prompt_info(ctx, form(prompt="Slow push-in on her face", camera_fixed=True))
    assert count.startswith("24 / 2,000") and "Camera fixed" in warn
    count, _ = c.prompt_info(ctx, form(prompt="x" * 2001))
    assert count.startswith("⚠️ 2,001 / 2,000")
    assert c.insert_phrase("A cat.", "Orbit") == "A cat. The camera orbits slowly around the subject."


def test_framing_and_a_plain_warning_when_the_last_frame_differs(tmp_path):
    ctx = AppContext(demo=None, live=None)
    first = photo_file(tmp_path, "wide.jpg", 1600, 900)
    shown = view(ctx, None, first, aspect="9:16")
    assert shown.framing is not None and "720x1280" in shown.framing_text
    square = photo_file(tmp_path, "sq.jpg", 800, 800)
    shown = view(ctx, None, first, last=square)
    assert shown.last_framing["visible"] and "differs from the first's" in shown.last_framing_text["value"]
    assert "1280x720" in shown.last_framing_text["value"]
    shown = view(ctx, None, first, last=photo_file(tmp_path, "wide2.jpg", 1280, 720))
    assert "differs" not in shown.last_framing_text["value"]


def test_price_demo_mode_speaks_of_no_money_and_key_mode_carries_it(demo_ctx, key_ctx, tmp_path):
    first = photo_file(tmp_path, "wide.jpg", 1600, 900)
    shown = view(demo_ctx, None, first)
    card, confirm, button = shown.price, shown.confirm, shown.button
    assert "Free preview" in card and "$0.26" in card and "$" not in button["value"] and not confirm["visible"]
    shown = view(key_ctx, None, first)
    assert shown.button["value"] == "✨ Generate · $0.26" and "Sound off: -$0.13" in shown.price
    priced = shown.priced
    shown = view(key_ctx, None, first, resolution="1080p", duration=12, takes=4)
    confirm, button = shown.confirm, shown.button
    assert confirm["visible"] and confirm["label"] == "Yes, spend $5.60 on this" and button["value"].endswith("$5.60")
    words = run(c.price_from_wavespeed(key_ctx, Visitor(), priced))
    assert "WaveSpeed's quote: $0.26" in words["value"] and "your balance" in words["value"]


def test_price_never_waits_on_an_unreachable_wavespeed(tmp_path):
    live = runtime.start(key="wsk-x-00000001", base_url="http://127.0.0.1:9", demo=False, data_dir=tmp_path)
    ctx = AppContext(demo=None, live=live, owner_key=True)
    try:
        t0 = time.monotonic()
        shown = view(ctx)
        assert "$" in shown.price and time.monotonic() - t0 < 1  # our own price: nothing waits on WaveSpeed
        t0 = time.monotonic()
        words = run(c.price_from_wavespeed(ctx, Visitor(), shown.priced))
        assert "127.0.0.1:9" in words["value"] and time.monotonic() - t0 < 10
    finally:
        live.close()


# Takes ------------------------------------------------------------------------------------------------------


def test_generate_two_default_takes_in_demo_mode(demo_ctx, tmp_path):
    v = Visitor()
    out = run(frames(gen(demo_ctx, v, photo_file(tmp_path), audio=True, takes=2, seed=1234)))
    last = out[-1]
    assert last.status.startswith("✅ Done") and last.error == "" and len(last.files) == 2
    assert all(s.video and not s.running for s in last.slots[:2]) and not last.slots[2].visible
    assert "seed <code>1234</code>" in last.facts and "seed <code>1235</code>" in last.facts
    assert "free preview" in last.facts and "$" not in last.facts + last.status  # demo mode: no money words
    assert v.last_seed == 1234
    items, ids, _, note = h.gallery(demo_ctx, v)
    assert len(ids) == 2 and note == ""
    assert [i[1].split(" · ")[:3] for i in items] == [
        ["Take 1 of 2", "V1.5 Pro", "4 s"],
        ["Take 2 of 2", "V1.5 Pro", "4 s"],
    ]
    assert h.gallery(demo_ctx, v, "nothing like this")[3] == "No takes match “nothing like this”."


def test_each_take_shows_as_soon_as_it_is_saved(demo_ctx, tmp_path):
    """A take's video appears in its slot while another take is still running."""
    ctx = demo_ctx
    emulator = ctx.demo.emulator.emulator
    emulator.processing_seconds = lambda job: 0.3 if job.inputs.get("seed") == 10 else 2.5
    out = run(frames(gen(ctx, Visitor(), photo_file(tmp_path), seed=10, takes=2)))
    early = [f for f in out if f.slots[0].video and f.slots[1].running]
    assert early, "take 1's video was only shown when take 2 finished"
    assert out[-1].slots[1].video


def test_cancel_one_take_upstream_tells_the_truth(key_ctx, emu, tmp_path):
    emu.emulator.processing_seconds = 3.0
    v = Visitor()

    async def go():
        task = asyncio.create_task(frames(gen(key_ctx, v, photo_file(tmp_path), takes=2, seed=5)))
        while len([t for t in key_ctx.live.studio.journal.history() if t.task_id]) < 2:
            await asyncio.sleep(0.05)
        message = await tv.cancel_take(key_ctx, v, 0)
        out = await task
        await key_ctx.live.studio.aclose()
        return message, out

    message, out = run(go())
    assert "may still charge" in message and emu.emulator.count("delete") == 1
    assert "refund" not in message.replace("partial refunds", "")
    last = out[-1]
    assert "cancelled" in last.slots[0].text and "Error" not in last.slots[0].text and last.slots[1].video
    states = {t.seed: t.state for t in key_ctx.live.studio.journal.history()}
    assert states == {5: "cancelled", 6: "downloaded"}
    assert "That take had already ended" in run(key_ctx.session(v).cancel(
        next(t.id for t in key_ctx.live.studio.journal.history() if t.seed == 6)))  # fmt: skip


def test_confirmation_above_the_threshold(key_ctx, emu, tmp_path):
    out = run(frames(gen(key_ctx, Visitor(), photo_file(tmp_path), resolution="1080p", duration=12, audio=True,
                         takes=4, confirmed=False, threshold=2.0)))  # fmt: skip
    assert "Tick 'Yes, spend $5.60'" in html.unescape(out[-1].error) and emu.emulator.count("submit") == 0


def test_demo_runs_on_a_space_take_turns(demo_ctx):
    share = FairShare(slots=1)
    share.join("a")
    share.join("b")
    assert share.ahead("a") is None and share.busy("a")
    assert share.ahead("b") == 1  # one ahead: a holds the only slot
    share.leave("a")
    assert share.ahead("b") is None


# History ----------------------------------------------------------------------------------------------------


def test_history_actions_and_delete(demo_ctx, tmp_path):
    v = Visitor()
    run(frames(gen(demo_ctx, v, photo_file(tmp_path), seed=42)))
    _, ids, _, _ = h.gallery(demo_ctx, v)
    values = h.load_settings(demo_ctx, v, ids[0], "same")
    assert values["seed"] == 42 and values["duration"] == 4 and values["note"].startswith("Settings loaded")
    cont = h.load_settings(demo_ctx, v, ids[0], "continue")
    assert cont["first"].endswith("_lastframe.png") and cont["last"] is None
    take = demo_ctx.session(v).take(ids[0])
    player, download, facts, chosen, actions, note = h.delete(demo_ctx, v, ids[0])
    assert note.startswith("Deleted") and player is None and download["visible"] is False and chosen == ""
    assert facts == "Pick a take above." and actions["visible"] is False  # nothing of the deleted take stays
    assert not os.path.exists(take.video_path) and not os.path.exists(take.first_image)
    assert h.gallery(demo_ctx, v)[1] == []


def test_bad_task_id_says_what_one_looks_like(demo_ctx):
    _, card = run(h.recover_task(demo_ctx, Visitor(), "not an id!"))
    assert "letters and digits" in card and "Change the setting" not in card


# Keys and visitors ------------------------------------------------------------------------------------------


def test_a_pasted_key_is_checked_before_it_is_trusted(emu, tmp_path):
    live = runtime.start(key="", base_url=emu.url, demo=False, data_dir=tmp_path / "live")
    ctx = AppContext(demo=None, live=live, on_space=True)
    try:
        v, field, note, banner = run(settings.use_key(ctx, Visitor(), "wsk-good-key-0001"))
        assert field == "" and note.startswith("✅ Connected: balance $") and v.key and "balance $" in banner
        v, _, note, banner = run(settings.use_key(ctx, Visitor(), "wsk-revoked"))
        assert note.startswith("⛔") and "did not accept" in note and "wavespeed.ai/accesskey" in note and not v.key
    finally:
        live.close()
    dead = runtime.start(key="", base_url="http://127.0.0.1:9", demo=False, data_dir=tmp_path / "dead")
    try:
        t0 = time.monotonic()
        v, _, note, _ = run(
            settings.use_key(AppContext(demo=None, live=dead, on_space=True), Visitor(), "wsk-k-000001")
        )
        assert "127.0.0.1:9" in note and not v.key and time.monotonic() - t0 < 10
    finally:
        dead.close()


def test_two_visitors_with_their_own_keys_at_once_and_a_key_finds_its_takes_again(emu, tmp_path):
    """Case 25: each POST carries its own visitor's key; neither sees the other's takes; after a reload the same
    key (a new Visitor) finds its takes, stored under a salted fingerprint, never the key."""
    live = runtime.start(key="", base_url=emu.url, demo=False, data_dir=tmp_path / "live")
    ctx = AppContext(demo=None, live=live, on_space=True)
    a, b = Visitor(key="wsk-visitor-A-111111"), Visitor(key="wsk-visitor-B-222222")
    first = photo_file(tmp_path)

    async def both():
        out = await asyncio.gather(frames(gen(ctx, a, first, seed=1)), frames(gen(ctx, b, first, seed=2)))
        await live.studio.aclose()
        return out

    try:
        out_a, out_b = run(both())
        assert out_a[-1].error == "" and out_b[-1].error == ""
        assert sorted(emu.emulator.submit_keys.values()) == [1, 1]
        ids_a, ids_b = h.gallery(ctx, a)[1], h.gallery(ctx, b)[1]
        assert len(ids_a) == 1 and len(ids_b) == 1 and set(ids_a).isdisjoint(ids_b)
        assert h.load_settings(ctx, b, ids_a[0])["note"] == "That take isn't in your history. Pick one from History."
        again = Visitor(key="wsk-visitor-A-111111")  # a reload: a new tab session, the key pasted again
        assert h.gallery(ctx, again)[1] == ids_a
        owner = live.studio.journal.get(ids_a[0]).owner
        assert "wsk-visitor-A" not in owner and owner == keys.fingerprint("wsk-visitor-A-111111", ctx.owner_salt)
        assert "WAVESPEED_API_KEY" not in os.environ
    finally:
        live.close()


def test_banner_says_truly_which_case_this_is(monkeypatch, tmp_path):
    monkeypatch.delenv("WAVESPEED_API_KEY", raising=False)
    monkeypatch.delenv("SPACE_ID", raising=False)
    ctx = make_context(data_dir=tmp_path / "d")
    assert "Demo mode" in settings.banner(ctx, Visitor()) and "this computer" in settings.banner(ctx, Visitor())
    ctx.demo.close()
    monkeypatch.setenv("SPACE_ID", "someone/seedance")
    ctx = make_context(data_dir=tmp_path / "s")
    words = settings.banner(ctx, Visitor())
    assert "this Space's computer" in words and "get a key" in words
    assert "Connected" in settings.banner(ctx, Visitor(key="wsk-v-1234567", balance="3.00"))
    ctx.demo.close()


def test_space_never_lends_the_owner_key_unless_allowed(monkeypatch, tmp_path):
    monkeypatch.setenv("SPACE_ID", "someone/seedance")
    monkeypatch.setenv("WAVESPEED_API_KEY", "wsk-owner-secret-999")
    ctx = make_context(data_dir=tmp_path / "a")
    try:
        assert ctx.is_demo(Visitor()) and ctx.live is None and ctx.session(Visitor()).demo
    finally:
        ctx.demo.close()
    monkeypatch.setenv("SEEDANCE_ALLOW_SHARED_KEY", "1")
    ctx = make_context(data_dir=tmp_path / "b")
    try:
        session = ctx.session(Visitor())
        assert not session.demo and session.studio is ctx.live.studio
        assert "owner's key" in settings.banner(ctx, Visitor())
    finally:
        ctx.live.close()
        ctx.demo.close()


def test_secrets_stay_out_of_reprs_and_launch_settings():
    ctx = AppContext(demo=None, live=None)
    v = Visitor(key="wsk-visible-nowhere-1")
    assert "wsk-visible-nowhere-1" not in repr(v) and ctx.owner_salt not in repr(ctx)
    kw = launch_kwargs(ctx)
    assert kw["run_history"] is False and kw["max_file_size"] == "40mb"

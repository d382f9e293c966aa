"""Issue 23's handlers called directly, over real HTTP to the emulator: posters from the middle of the clip, captions
that tell a click's takes apart and keep them together, a cancel that names the amount at stake and the balance as
the emulator has it, no money words in demo mode, the note on a Space's hidden paid takes, the model guide, and the
prompt past the limit kept and shown."""

import asyncio
import re
from fractions import Fraction

import av
import gradio as gr
import numpy as np
import pytest
from conftest import make_photo, run
from PIL import Image

from seedance_ui import catalog, runtime, video
from seedance_ui.ui import create as c
from seedance_ui.ui import history as h
from seedance_ui.ui import history_words as hw
from seedance_ui.ui import model_guide as mg
from seedance_ui.ui import takes_view as tv
from seedance_ui.ui import words
from seedance_ui.ui.state import AppContext, Visitor

V15 = "Seedance V1.5 Pro"
KEY = "wsk-desk-0023"


def photo_file(tmp_path, name="p.jpg", w=800, h=600) -> str:
    path = tmp_path / name
    path.write_bytes(make_photo(w, h))
    return str(path)


@pytest.fixture
def demo_ctx(tmp_path):
    rt = runtime.start(demo=True, demo_processing_seconds=0.3, data_dir=tmp_path / "data")
    yield AppContext(demo=rt, live=None)
    rt.close()


@pytest.fixture
def key_ctx(emu, tmp_path):
    live = runtime.start(key=KEY, base_url=emu.url, demo=False, data_dir=tmp_path / "live")
    live.studio.reconcile_delay = 0.1
    yield AppContext(demo=None, live=live, owner_key=True)
    live.close()


async def last_frames(gen) -> list[tv.Frame]:
    return [tv.Frame(f.status, [tv.Slot(**s.__dict__) for s in f.slots], f.files, f.facts, f.error, f.balance)
            async for f in gen]  # fmt: skip


def gen(ctx, visitor, first, *, prompt="slow push-in", takes=1, seed=-1):  # type: ignore[no-untyped-def]
    return tv.generate(ctx, c.Form(visitor=visitor, first=first, prompt=prompt, family=V15, resolution="480p",
                                   duration=4, seed=seed, takes=takes, confirmed=True, threshold=99.0))  # fmt: skip


def test_the_poster_is_the_middle_frame(tmp_path):
    clip = tmp_path / "ramp.mp4"
    with av.open(str(clip), "w") as out:  # 25 frames, each greyer than the one before
        stream = out.add_stream("libx264", rate=Fraction(25))
        stream.width, stream.height, stream.pix_fmt = 64, 64, "yuv420p"
        for i in range(25):
            frame = av.VideoFrame.from_ndarray(np.full((64, 64, 3), i * 10, dtype=np.uint8), format="rgb24")
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    poster = video.save_poster(clip, tmp_path / "poster.jpg")
    grey = Image.open(poster).convert("L").getpixel((32, 32))
    assert abs(grey - 120) <= 12, grey  # frame 12 of 25, not the first (0) nor the last (240)


def test_a_clicks_takes_are_numbered_and_kept_together(demo_ctx, tmp_path):
    v = Visitor()
    run(last_frames(gen(demo_ctx, v, photo_file(tmp_path), prompt="Three of a kind", takes=3)))
    run(last_frames(gen(demo_ctx, v, photo_file(tmp_path, "q.jpg"), prompt="Then two more", takes=2)))
    items, ids, _, note = h.gallery(demo_ctx, v)
    heads = [" · ".join(caption.split(" · ")[:4]) for _, caption in items]
    assert heads == [
        "Take 1 of 2 · V1.5 Pro · 4 s · “Then two more”",
        "Take 2 of 2 · V1.5 Pro · 4 s · “Then two more”",
        "Take 1 of 3 · V1.5 Pro · 4 s · “Three of a kind”",
        "Take 2 of 3 · V1.5 Pro · 4 s · “Three of a kind”",
        "Take 3 of 3 · V1.5 Pro · 4 s · “Three of a kind”",
    ]
    assert len(set(ids)) == 5 and note == ""
    assert not [cap for _, cap in items if "$" in cap or "seed" in cap]


def test_delete_and_a_failed_pick_leave_nothing_of_a_take(demo_ctx, tmp_path):
    v = Visitor()
    run(last_frames(gen(demo_ctx, v, photo_file(tmp_path), prompt="Gone soon")))
    _, ids, _, _ = h.gallery(demo_ctx, v)
    player, download, facts, chosen, actions, note = h.delete(demo_ctx, v, ids[0])
    assert (player, facts, chosen, note) == (None, str(hw.PICK), "", "Deleted from this computer.")
    assert download["visible"] is False and actions["visible"] is False
    again = h.delete(demo_ctx, v, ids[0])  # gone already: the panel keeps what it has, and says why
    assert "isn't in your history" in again[-1]


def test_a_cancel_names_the_amount_and_the_balance_is_the_emulators(key_ctx, emu, tmp_path):
    emu.emulator.processing_seconds = 3.0
    v = Visitor()

    async def go():  # type: ignore[no-untyped-def]
        task = asyncio.create_task(last_frames(gen(key_ctx, v, photo_file(tmp_path), takes=2, seed=5)))
        while len([t for t in key_ctx.live.studio.journal.history() if t.task_id]) < 2:
            await asyncio.sleep(0.05)
        message = await tv.cancel_take(key_ctx, v, 0)
        out = await task
        line = await hw.balance_now(key_ctx, v)
        await key_ctx.live.studio.aclose()
        return message, out, line

    message, out, line = run(go())
    price = next(t.price_usd for t in key_ctx.live.studio.journal.history() if t.seed == 5)
    stake = f"WaveSpeed may still charge up to the full ${price} for a render it had started; only partial refunds"
    assert stake in message and stake in out[-1].slots[0].text
    balance = f"${emu.emulator.balance_of(KEY):.2f}"
    assert balance != "$100.00"  # both takes were charged at submit; the cancelled one was not refunded
    assert [f.balance for f in out if f.balance][-1].endswith(f"Your WaveSpeed balance now: <b>{balance}</b></div>")
    assert f"<b>{balance}</b>" in line
    session = key_ctx.session(v)
    cancelled = next(t for t in session.history() if t.seed == 5)
    assert f"up to the full ${price}" in words.take_facts(session, cancelled, "Seedance V1.5 Pro")


def test_demo_mode_has_no_money_words(demo_ctx, tmp_path):
    v = Visitor()
    out = run(last_frames(gen(demo_ctx, v, photo_file(tmp_path), takes=2)))
    assert all(f.balance is None for f in out)
    assert run(hw.balance_now(demo_ctx, v)) == ""
    session = demo_ctx.session(v)
    take = session.history()[0]
    take.state, take.money, take.error_message = "cancelled", "cancel_asked", "Cancelled."
    facts = words.take_facts(session, take, "Seedance V1.5 Pro")
    assert not re.search(r"\$|charge|refund|balance", facts), facts


def test_a_space_says_where_a_visitors_paid_takes_went(tmp_path):
    rt = runtime.start(demo=True, demo_processing_seconds=0.3, data_dir=tmp_path / "data")
    ctx = AppContext(demo=rt, live=None, on_space=True)
    try:
        v = Visitor()
        _, _, _, note, keyed = h.shelf_view(ctx, v, "", True)
        assert note == str(hw.HIDDEN_PAID) and keyed is True and run(hw.balance_now(ctx, v)) == ""
        _, _, _, note, keyed = h.shelf_view(ctx, v, "", False)
        assert note == "No takes yet." and keyed == gr.skip()  # never written back as False: a flag is not erased
        desk = AppContext(demo=rt, live=None, on_space=False)  # a desktop hides nothing by key
        assert h.shelf_view(desk, v, "", True)[3] == "No takes yet."
        # the flag given back by the browser (its change) says the note again; before the visitor is known, nothing
        assert h.restored_note(ctx, v, "", True) == str(hw.HIDDEN_PAID)
        assert h.restored_note(ctx, None, "", True) == gr.skip()
    finally:
        rt.close()


def test_the_model_guide_and_controls_follow_the_model(demo_ctx):
    # Seedance 2.0 Turbo: no sound, no camera option and no 480p in the snapshot (2.0 itself gained sound and 480p)
    audio, camera, missing = mg.control_updates("Seedance 2.0 Turbo")
    assert audio["interactive"] is False and audio["value"] is False and audio["visible"] is True
    assert audio["info"].startswith("Seedance 2.0 Turbo has no sound option")
    assert camera["interactive"] is False and missing == "Seedance 2.0 Turbo has no Camera fixed option."
    assert mg.control_updates(V15)[0]["interactive"] is True
    res, *_ = c.on_family(AppContext(demo=None, live=None), c.Form(family="Seedance 2.0 Turbo", resolution="480p",
                                                                   duration=5))  # fmt: skip
    assert res["choices"] == ["720p", "1080p"] and res["value"] == "720p" and "480p" not in res["info"]
    assert mg.resolution_hint(["720p"]) == "This model renders 720p only."
    assert "480p for quick tries" in c.on_family(AppContext(demo=None, live=None),
                                                 c.Form(family=V15, resolution="720p", duration=5))[0]["info"]  # fmt: skip
    assert "takes no last frame" in mg.missing_words(
        catalog.MODELS_BY_ID["bytedance/seedance-v1-pro-fast/image-to-video"]
    )
    table = run(mg.compare(demo_ctx, Visitor(), "Seedance 2.0", "720p", 5, c.MATCH, False))
    rows = re.findall(r"<tr( class='chosen'[^>]*)?><td>([^<]+)</td><td>([^<]+)</td>", table)
    assert [r[1] for r in rows] == [
        mg.short(next(m for m in catalog.MODELS if m.family == f)) for f in catalog.families()
    ]
    assert [r[1] for r in rows if r[0]] == ["2.0"]
    assert dict((r[1], r[2]) for r in rows)["2.0"] == "$1.20"
    assert "price with your own key" in table
    # the table's own words follow the visitor's language: none of its English is left in Japanese
    ja = run(mg.compare(demo_ctx, Visitor(locale="ja"), "Seedance 1.0 Lite", "1080p", 5, c.MATCH, False))
    assert "はい" in ja and "いいえ" in ja and "秒" in ja
    for english in (">yes<", ">no<", "not timed", "(estimate)", " at 720p", "about ", "faster", "good for"):
        assert english not in ja, english


def test_a_prompt_past_the_limit_is_kept_and_shown(tmp_path):
    text = "".join(chr(ord("a") + i % 26) for i in range(2500))
    ctx = AppContext(demo=None, live=None)
    count, _ = c.prompt_info(ctx, c.Form(prompt=text, family=V15, resolution="720p"))
    assert count.startswith("⚠️ 2,500 / 2,000 characters") and "500 characters over" in count
    cut = re.search(r"<blockquote class='cut-text'>(.*)</blockquote>", count).group(1)
    assert cut == text[2000:] and len(cut) == 500
    assert "over" not in c.prompt_info(ctx, c.Form(prompt=text[:2000], family=V15, resolution="720p"))[0]

"""The emulator behaves like WaveSpeed: protocol, auth, validation, rendering. Driven over real HTTP."""

import base64
import hashlib
import io

import av
import httpx
import pytest
import wavespeed
from conftest import TEST_KEY, make_photo
from PIL import Image

from seedance_ui.emulator.render import ClipSpec, render_clip
from seedance_ui.prompts import camera_from_prompt
from seedance_ui.video import extract_frame

V15 = "bytedance/seedance-v1.5-pro/image-to-video"


def api(emu, key=TEST_KEY) -> httpx.Client:
    return httpx.Client(base_url=emu.url, headers={"Authorization": f"Bearer {key}"}, timeout=10)


def test_official_sdk_uploads_and_runs_a_seedance_model(emu, tmp_path):
    """The protocol check: WaveSpeed's own SDK, pointed at the emulator, gets a correct MP4."""
    photo = tmp_path / "portrait.png"
    Image.open(io.BytesIO(make_photo(600, 900))).save(photo)
    client = wavespeed.Client(api_key=TEST_KEY, base_url=emu.url)
    url = client.upload(str(photo))
    out = client.run(V15, {"image": url, "prompt": "the camera orbits", "duration": 4, "resolution": "480p",
                           "aspect_ratio": "3:4", "generate_audio": False, "seed": 5}, timeout=60)  # fmt: skip
    video = httpx.get(out["outputs"][0], timeout=10)
    assert video.status_code == 200
    path = tmp_path / "out.mp4"
    path.write_bytes(video.content)
    with av.open(str(path)) as c:
        v = c.streams.video[0]
        assert (v.width, v.height) == (560, 752) and float(v.average_rate) == 24.0
        assert sum(1 for _ in c.decode(v)) == 4 * 24 + 1
    assert emu.emulator.count("submit") == 1


def test_envelope_auth_and_unknown_ids(emu):
    with httpx.Client(base_url=emu.url) as anon:
        r = anon.get("/api/v3/balance")
        assert r.status_code == 401 and r.json()["code"] == 401
    with api(emu, "wsk-revoked") as c:
        assert c.get("/api/v3/balance").status_code == 401
    with api(emu) as c:
        body = c.get("/api/v3/balance").json()
        assert body["code"] == 200 and body["message"] == "success" and body["data"]["balance"] > 0
        assert c.get("/api/v3/predictions/nope/result").status_code == 404
        assert c.post("/api/v3/acme/not-a-model", json={}).status_code == 404


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"prompt": "x"}, 1400),
        ({"image": "x"}, 1400),  # v1.5 needs a prompt
        ({"image": "x", "prompt": "x", "duration": 3}, 1401),
        ({"image": "x", "prompt": "x", "resolution": "4k"}, 1401),
        ({"image": "x", "prompt": "x", "aspect_ratio": "2:1"}, 1401),
        ({"image": "x", "prompt": "x", "seed": -5}, 1401),
        ({"image": "x", "prompt": "x", "camera_fixed": "yes"}, 1401),
        ({"image": "x", "prompt": "y" * 2001}, 1401),
    ],
)
def test_inputs_are_validated_like_the_service(emu, body, code):
    with api(emu) as c:
        r = c.post(f"/api/v3/{V15}", json=body)
    assert r.status_code == 400 and r.json()["code"] == code and r.json()["message"]
    assert not emu.emulator.jobs


def test_data_uri_and_bare_base64_images_render(emu):
    import time

    raw = make_photo(500, 500)
    with api(emu) as c:
        ids = []
        for image in (f"data:image/jpeg;base64,{base64.b64encode(raw).decode()}", base64.b64encode(raw).decode()):
            r = c.post("/api/v3/bytedance/seedance-v1-lite-i2v-480p", json={"image": image, "duration": 2})
            ids.append(r.json()["data"]["id"])
        deadline = time.time() + 20
        while time.time() < deadline:
            states = [c.get(f"/api/v3/predictions/{i}").json()["data"]["status"] for i in ids]
            if all(s == "completed" for s in states):
                break
            time.sleep(0.1)
        assert states == ["completed", "completed"]
        # no aspect ratio: a square picture gives the 1:1 size
        out = c.get(f"/api/v3/predictions/{ids[0]}/result").json()["data"]
        assert out["outputs"] and out["has_nsfw_contents"] == [False] and out["timings"]["inference"] > 0
        listed = c.post("/api/v3/predictions", json={"page": 1, "page_size": 10, "include_inputs": True}).json()
        assert listed["data"]["total"] == 2 and listed["data"]["items"][0]["inputs"]["duration"] == 2
        video = httpx.get(out["outputs"][0])
        with av.open(io.BytesIO(video.content)) as v:
            assert (v.streams.video[0].width, v.streams.video[0].height) == (640, 640)


def test_signed_links_refuse_tampering(emu):
    with api(emu) as c:
        r = c.post("/api/v3/bytedance/seedance-v1-lite-i2v-480p", json={"image": "data:,", "duration": 2})
        assert r.status_code == 200
    assert httpx.get(f"{emu.url}/emu/files/whatever.mp4?expires=9999999999&sig=bad").status_code == 403


# The renderer ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prompt", "fixed", "move"),
    [
        ("Slow dolly-in on her face", False, "push_in"),
        ("camera pulls back to reveal the city", False, "drift"),
        ("pull-out from the car", False, "pull_out"),
        ("the camera orbits the statue", False, "orbit"),
        ("pan left across the beach", False, "pan_left"),
        ("tilt up to the sky", False, "tilt_up"),
        ("Slow dolly-in on her face", True, "fixed"),
        ("a cat sleeps", False, "drift"),
    ],
)
def test_camera_move_read_from_prompt(prompt, fixed, move):
    assert camera_from_prompt(prompt, fixed) == move


def _render(tmp_path, name, **kw):
    first = Image.open(io.BytesIO(make_photo(800, 600)))
    first.paste((20, 220, 20), (560, 380, 700, 520))  # an off-centre mark, so a centred zoom shows
    spec = ClipSpec(**{"width": 640, "height": 480, "duration": 2, "prompt": "push in", "seed": 3} | kw)
    out = tmp_path / name
    render_clip(first, spec, out)
    return out


def test_same_seed_same_bytes_and_first_frame_is_the_image(tmp_path):
    a, b = _render(tmp_path, "a.mp4"), _render(tmp_path, "b.mp4")
    assert hashlib.sha256(a.read_bytes()).digest() == hashlib.sha256(b.read_bytes()).digest()
    drift_a = _render(tmp_path, "c.mp4", prompt="", seed=1)
    drift_b = _render(tmp_path, "d.mp4", prompt="", seed=2)
    assert drift_a.read_bytes() != drift_b.read_bytes()
    first = extract_frame(a, "first")
    src = Image.open(io.BytesIO(make_photo(800, 600)))
    src.paste((20, 220, 20), (560, 380, 700, 520))
    src = src.resize((640, 480))
    diff = sum(
        abs(x - y) for p, q in zip(first.getdata(), src.getdata(), strict=True) for x, y in zip(p, q, strict=True)
    )
    assert diff / (640 * 480 * 3) < 6  # mean error per channel: only the small DEMO tag and coding loss


def test_camera_fixed_keeps_the_frame_still_and_push_in_moves(tmp_path):
    still = _render(tmp_path, "s.mp4", camera_fixed=True)
    moving = _render(tmp_path, "m.mp4")
    for path, moves in ((still, False), (moving, True)):
        a, b = extract_frame(path, "first"), extract_frame(path, "last")
        changed = sum(abs(x - y) for x, y in zip(a.convert("L").getdata(), b.convert("L").getdata(), strict=True))
        assert (changed / (640 * 480) > 1.0) is moves  # mean luma change per pixel


def test_audio_only_when_asked(tmp_path):
    for audio in (False, True):
        path = _render(tmp_path, f"a{audio}.mp4", audio=audio)
        with av.open(str(path)) as c:
            assert any(s.type == "audio" for s in c.streams) is audio


def test_concurrency_limit_queues_extra_jobs_like_the_lowest_tier():
    import time

    from seedance_ui.emulator.server import Emulator, EmulatorServer

    emu = Emulator(processing_seconds=0.6, max_concurrent=2, render_mode="stub")
    with EmulatorServer(emu) as server, api(server) as c:
        ids = [c.post("/api/v3/bytedance/seedance-v1-lite-i2v-480p",
                      json={"image": "data:image/jpeg;base64," + base64.b64encode(make_photo()).decode(),
                            "duration": 2}).json()["data"]["id"] for _ in range(4)]  # fmt: skip
        time.sleep(0.3)
        states = [c.get(f"/api/v3/predictions/{i}/result").json()["data"]["status"] for i in ids]
        assert states.count("processing") == 2 and states.count("created") == 2  # two at once, two waiting
        deadline = time.time() + 10
        while time.time() < deadline and not all(
            c.get(f"/api/v3/predictions/{i}/result").json()["data"]["status"] == "completed" for i in ids
        ):
            time.sleep(0.1)
        assert all(c.get(f"/api/v3/predictions/{i}/result").json()["data"]["status"] == "completed" for i in ids)

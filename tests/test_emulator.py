"""The emulator behaves like WaveSpeed: protocol, auth, validation, rendering. Driven over real HTTP."""

import base64
import hashlib
import io
import time

import av
import httpx
import pytest
import wavespeed
from conftest import TEST_KEY, make_photo
from PIL import Image

from seedance_emulator.render import ClipSpec, render_clip
from seedance_ui.prompts import camera_from_prompt
from seedance_ui.video import extract_frame

V15 = "bytedance/seedance-v1.5-pro/image-to-video"
LITE = "bytedance/seedance-v1-lite-i2v-480p"
KEY_B = "wsk-other-account-B77"
PHOTO = "data:image/jpeg;base64," + base64.b64encode(make_photo()).decode()


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
        listed = c.post("/api/v3/predictions", json={"page": 1, "page_size": 10}).json()
        assert listed["data"]["total"] == 2 and [i["id"] for i in listed["data"]["items"]] == ids[::-1]
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
    from seedance_emulator.server import Emulator, EmulatorServer

    # Renders long enough that the check below lands while the first two still run, even on a loaded machine.
    emu = Emulator(processing_seconds=2.5, max_concurrent=2, render_mode="stub", test_endpoints=True)
    with EmulatorServer(emu) as server, api(server) as c:
        ids = [c.post("/api/v3/bytedance/seedance-v1-lite-i2v-480p",
                      json={"image": "data:image/jpeg;base64," + base64.b64encode(make_photo()).decode(),
                            "duration": 2}).json()["data"]["id"] for _ in range(4)]  # fmt: skip
        with api(server, KEY_B) as b:  # the limit is per account: another account's task does not wait
            other = _submit(b)
            time.sleep(0.3)
            assert b.get(f"/api/v3/predictions/{other}").json()["data"]["status"] == "processing"
        states = [c.get(f"/api/v3/predictions/{i}/result").json()["data"]["status"] for i in ids]
        assert states.count("processing") == 2 and states.count("created") == 2  # two at once, two waiting
        deadline = time.time() + 20
        while time.time() < deadline and not all(
            c.get(f"/api/v3/predictions/{i}/result").json()["data"]["status"] == "completed" for i in ids
        ):
            time.sleep(0.1)
        assert all(c.get(f"/api/v3/predictions/{i}/result").json()["data"]["status"] == "completed" for i in ids)


# No kinder than the docs: accounts, the list, delete, refunds, sync mode, faults -----------------------------


def _until(check, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.03)


def _submit(c, model=LITE, **body):
    r = c.post(f"/api/v3/{model}", json={"image": PHOTO, "duration": 2} | body)
    assert r.status_code == 200, r.text
    return r.json()["data"]["id"]


def _listed(c, **q):
    r = c.post("/api/v3/predictions", json=q)
    assert r.status_code == 200, r.text
    return r.json()["data"]


def _balance(c):
    return c.get("/api/v3/balance").json()["data"]["balance"]


def test_list_holds_only_the_accounts_jobs_newest_first_and_inputs_only_when_asked(emu):
    with api(emu) as a, api(emu, KEY_B) as b:
        ids = [_submit(a), _submit(a, prompt="pan left")]
        other = _submit(b)
        assert all("inputs" not in i for i in _listed(a)["items"])
        asked = _listed(a, include_inputs=True)["items"]
        assert [i["inputs"].get("prompt") for i in asked] == ["pan left", None]  # as sent: the first had none
        emu.emulator.list_inputs = False  # the switch that never lists them
        data = _listed(a, include_inputs=True)
        assert (data["page"], data["page_size"], data["total"]) == (1, 100, 2)
        assert [i["id"] for i in data["items"]] == ids[::-1]
        for item in data["items"]:
            assert "inputs" not in item and item["model"] == LITE and item["status"] in ("created", "processing")
            assert {"created_at", "outputs", "executionTime"} <= item.keys()
        assert [i["id"] for i in _listed(a, page=2, page_size=1)["items"]] == ids[:1]
        assert [i["id"] for i in _listed(b)["items"]] == [other]
        assert _listed(a, model=V15)["total"] == 0
        for bad in ({"page_size": 101}, {"page_size": 0}, {"page_size": "10"}, {"page": 0}):
            r = a.post("/api/v3/predictions", json=bad)
            assert r.status_code == 400 and r.json()["code"] == 1401


def test_a_new_job_shows_in_the_list_only_after_the_lag(emu):
    with api(emu) as c:
        assert httpx.post(f"{emu.url}/_emulator/faults", json={"list_lag": 30}).json()["ok"]
        task = _submit(c)
        assert c.get(f"/api/v3/predictions/{task}/result").status_code == 200  # known at once by id
        assert _listed(c)["total"] == 0
        httpx.post(f"{emu.url}/_emulator/faults", json={"list_lag": 2.0})  # well past a busy machine's steps
        assert _listed(c)["total"] == 0
        _until(lambda: _listed(c)["total"] == 1)
        emu.emulator.reset()
    assert emu.emulator.list_lag == 0.0  # reset restores the constructor's lag


def test_another_accounts_task_is_unknown(emu):
    with api(emu) as a, api(emu, KEY_B) as b:
        task = _submit(a)
        for method, path in (("GET", f"{task}/result"), ("GET", task), ("DELETE", task)):
            r = b.request(method, f"/api/v3/predictions/{path}")
            assert r.status_code == 404 and r.json()["code"] == 404
        assert b.post("/api/v3/predictions/delete", json={"ids": [task]}).json()["data"] == {"deleted_count": 0}
        assert a.get(f"/api/v3/predictions/{task}").json()["data"]["id"] == task


def test_delete_is_permanent_refunds_nothing_and_may_not_stop_the_render(emu):
    emu.emulator.processing_seconds = 0.5
    with api(emu) as c:
        start = _balance(c)
        done = _submit(c)
        _until(lambda: c.get(f"/api/v3/predictions/{done}/result").json()["data"]["status"] == "completed")
        link = c.get(f"/api/v3/predictions/{done}/result").json()["data"]["outputs"][0]
        running = _submit(c)
        charged = _balance(c)
        assert charged < start
        for task in (running, done):
            r = c.delete(f"/api/v3/predictions/{task}")
            assert r.status_code == 200 and r.json()["data"] == {"id": task, "status": "deleted"}
            for path in (f"/api/v3/predictions/{task}/result", f"/api/v3/predictions/{task}"):  # issue 25
                gone = c.get(path).json()["data"]
                assert (gone["id"], gone["status"], gone["outputs"]) == (task, "deleted", [])
            assert c.delete(f"/api/v3/predictions/{task}").status_code == 404
        assert _listed(c)["total"] == 0 and httpx.get(link).status_code == 404
        _until(lambda: emu.emulator.deleted[running].status == "completed")  # rendered on, unseen
        assert _balance(c) == charged == pytest.approx(start - 2 * emu.emulator.deleted[done].price)


def test_bulk_delete_counts_only_the_callers_existing_tasks(emu):
    with api(emu) as a, api(emu, KEY_B) as b:
        mine, theirs = [_submit(a), _submit(a)], _submit(b)
        r = a.post("/api/v3/predictions/delete", json={"ids": [*mine, theirs, "nope", mine[0]]})
        assert r.status_code == 200 and r.json()["data"] == {"deleted_count": 2}
        assert _listed(a)["total"] == 0 and _listed(b)["total"] == 1
        assert a.post("/api/v3/predictions/delete", json={"ids": "x"}).json()["code"] == 1401


def test_balance_is_per_account_and_failed_tasks_are_refunded(emu):
    emu.emulator.faults.add(route="task", fail_code=1200)
    with api(emu) as a, api(emu, KEY_B) as b:
        start = _balance(a)
        failed, kept = _submit(a), _submit(a)
        assert _balance(a) < start and _balance(b) == start
        _until(lambda: a.get(f"/api/v3/predictions/{failed}").json()["data"]["status"] == "failed")
        body = a.get(f"/api/v3/predictions/{failed}").json()["data"]
        assert body["code"] == 1200 and body["outputs"] == []
        assert _balance(a) == pytest.approx(start - emu.emulator.jobs[kept].price)
        assert emu.emulator.balance == pytest.approx(_balance(a))  # one charged account: the old single wallet


def test_omitted_generate_audio_means_sound_rendered_and_charged(emu):
    from pricing_kit import estimate

    with api(emu) as c:
        start = _balance(c)
        task = _submit(c, V15, prompt="x", duration=4, resolution="480p", aspect_ratio="16:9")
        with_sound = float(estimate(V15, 4, "480p", True, aspect_ratio="16:9").total)
        assert emu.emulator.jobs[task].inputs | {"image": ""} == {
            "image": "", "prompt": "x", "duration": 4, "resolution": "480p", "aspect_ratio": "16:9",
            "generate_audio": True, "camera_fixed": False, "seed": -1}  # fmt: skip
        assert _balance(c) == pytest.approx(start - with_sound)
        # a quote of the same inputs prices the same job: generate_audio left out is its default, sound (issue 25)
        quote = c.post("/api/v3/model/price", json={"model_id": V15, "inputs": {"duration": 4, "resolution": "480p"}})
        assert quote.json()["data"]["price"] == with_sound > float(estimate(V15, 4, "480p", False).total)
        _until(lambda: c.get(f"/api/v3/predictions/{task}").json()["data"]["status"] == "completed")
        video = httpx.get(c.get(f"/api/v3/predictions/{task}").json()["data"]["outputs"][0]).content
    with av.open(io.BytesIO(video)) as v:
        assert any(s.type == "audio" for s in v.streams)


def test_sync_mode_timeout_answers_200_processing_5004(emu, monkeypatch):
    monkeypatch.setattr(emu.emulator, "sync_wait", 0.3)
    emu.emulator.processing_seconds = 3
    with api(emu) as c:
        r = c.post(f"/api/v3/{LITE}", json={"image": PHOTO, "duration": 2, "enable_sync_mode": True})
    body = r.json()
    assert r.status_code == 200 and body["code"] == 200
    assert body["data"]["status"] == "processing" and body["data"]["code"] == 5004 and body["data"]["id"]
    assert "Sync mode timed out after 0.3 seconds; query the result later" in body["message"]


def test_validation_is_the_served_schemas_own(emu, monkeypatch):
    """The emulator checks a body against the JSON schema of the entry it serves, with its own code: the app's
    check refusing everything changes nothing here (an independent oracle)."""
    with api(emu) as c:
        # V1: resolution is part of the model id, not an input; inputs a model does not take are ignored
        task = _submit(c, resolution="4k", generate_audio="loud", wibble=1)
        inputs = emu.emulator.jobs[task].inputs
        assert "resolution" not in inputs and "generate_audio" not in inputs and "wibble" not in inputs
        r = c.post(f"/api/v3/{LITE}", json={"image": PHOTO, "duration": 13})
        assert r.status_code == 400 and r.json()["code"] == 1401 and "from 2 to 12" in r.json()["message"]
        monkeypatch.setattr("seedance_ui.request.check_settings", lambda spec, **v: [("seed", "Nope.")])
        assert c.post(f"/api/v3/{LITE}", json={"image": PHOTO, "duration": 2}).status_code == 200
        r = c.post(f"/api/v3/{LITE}", json={"image": PHOTO, "seed": 2**31})
        assert (
            r.status_code == 400
            and r.json()["code"] == 1401
            and r.json()["message"].startswith("Invalid parameter seed: seed must be from -1 to 2147483647")
        )
        r = c.post(f"/api/v3/{V15}", json={"image": PHOTO, "prompt": "  ", "generate_audio": "yes"})
        assert r.status_code == 400 and r.json() == {"code": 1400, "message": "Missing parameter prompt.", "data": None}


@pytest.mark.parametrize("store", [True, False])
def test_submit_502_after_or_before_storing(emu, store):
    emu.emulator.faults.add(route="submit", action="status", status=502, store=store)
    with api(emu) as c:
        start = _balance(c)
        r = c.post(f"/api/v3/{LITE}", json={"image": PHOTO, "duration": 2})
        assert r.status_code == 502
        assert _listed(c)["total"] == len(emu.emulator.jobs) == int(store)
        assert (_balance(c) < start) is store


def test_submit_stored_then_reset_or_stalled(emu):
    emu.emulator.faults.add(route="submit", action="drop", store=True)
    emu.emulator.faults.add(route="submit", action="stall", seconds=1.0)
    with api(emu) as c:
        with pytest.raises(httpx.RemoteProtocolError):
            c.post(f"/api/v3/{LITE}", json={"image": PHOTO, "duration": 2})
        with pytest.raises(httpx.ReadTimeout):
            c.post(f"/api/v3/{LITE}", json={"image": PHOTO, "duration": 2}, timeout=0.3)
        assert len(emu.emulator.jobs) == 2 and _listed(c)["total"] == 2


def test_key_revoked_mid_render_answers_401_everywhere_while_the_job_goes_on(emu):
    emu.emulator.processing_seconds = 0.6
    emu.emulator.faults.add(route="task", revoke_key_after=0.2)
    with api(emu) as c, api(emu, KEY_B) as b:
        start = _balance(c)
        task = _submit(c)
        assert c.get(f"/api/v3/predictions/{task}/result").status_code == 200
        time.sleep(0.25)
        for r in (c.get("/api/v3/balance"), c.get(f"/api/v3/predictions/{task}/result"), c.post("/api/v3/predictions"),
                  c.post(f"/api/v3/{LITE}", json={"image": PHOTO}), c.delete(f"/api/v3/predictions/{task}")):  # fmt: skip
            assert r.status_code == 401 and r.json()["code"] == 401
        assert _balance(b) == start  # other keys still work
    job = emu.emulator.jobs[task]
    _until(lambda: job.status == "completed")
    assert emu.emulator.balance_of(TEST_KEY) == pytest.approx(start - job.price)


@pytest.mark.parametrize("route", ["balance", "result"])
def test_a_careless_server_echoes_the_key(emu, route):
    emu.emulator.faults.add(route=route, action="status", status=400, echo_key=True)
    with api(emu) as c:
        r = c.get("/api/v3/balance" if route == "balance" else "/api/v3/predictions/x/result")
    assert r.status_code == 400 and TEST_KEY in r.json()["message"]


@pytest.mark.parametrize("kind", ["not_mp4", "corrupt_mp4"])
def test_broken_output_bytes(emu, kind):
    emu.emulator.faults.add(route="task", output=kind)
    with api(emu) as c:
        task = _submit(c)
        _until(lambda: c.get(f"/api/v3/predictions/{task}").json()["data"]["status"] == "completed")
        data = httpx.get(c.get(f"/api/v3/predictions/{task}").json()["data"]["outputs"][0]).content
    assert (data[4:8] == b"ftyp") is (kind == "corrupt_mp4")
    with pytest.raises(av.error.FFmpegError):
        av.open(io.BytesIO(data)).close()
    with pytest.raises(ValueError):
        emu.emulator.faults.add(route="nowhere", action="status")

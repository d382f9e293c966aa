"""The launched app through gradio_client and plain HTTP: the /generate API with the defaults a person gets, its
errors, a Space's upload limit, and what Delete leaves behind."""

import os

import httpx
import pytest
from conftest import free_port, make_photo
from gradio_client import Client, handle_file

from seedance_emulator.server import Emulator, EmulatorServer
from seedance_ui import keys
from seedance_ui.ui import history, make_context
from seedance_ui.ui.layout import build_app, launch_kwargs
from seedance_ui.ui.state import Visitor
from seedance_ui.video import probe


def photo_file(tmp_path, name="p.jpg", w=800, h=600, fmt="JPEG") -> str:
    path = tmp_path / name
    path.write_bytes(make_photo(w, h, fmt=fmt))
    return str(path)


@pytest.fixture(scope="module")
def space_app(tmp_path_factory):
    """The app as a Hugging Face Space (SPACE_ID set) with WaveSpeed at an emulator: demo mode for visitors without
    a key, and a visitor's (or a script's) own key when given."""
    data = tmp_path_factory.mktemp("app")
    saved = {k: os.environ.pop(k, None) for k in ("WAVESPEED_API_KEY", "SPACE_ID", "WAVESPEED_BASE_URL")}
    emu = EmulatorServer(Emulator(processing_seconds=0.3, test_endpoints=True)).start()
    os.environ["SPACE_ID"], os.environ["WAVESPEED_BASE_URL"] = "someone/seedance", emu.url
    ctx = make_context(demo_processing_seconds=0.3, data_dir=data)
    demo = build_app(ctx)
    port = free_port()
    demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", server_port=port, quiet=True, **launch_kwargs(ctx))
    yield f"http://127.0.0.1:{port}/", ctx, emu.emulator
    demo.close()
    ctx.demo.close()
    if ctx.live is not None:
        ctx.live.close()
    emu.stop()
    for k, v in saved.items():
        os.environ.pop(k, None)
        if v is not None:
            os.environ[k] = v


def test_generate_with_only_a_picture_and_a_prompt_gets_the_defaults(space_app, tmp_path):
    url, _, _ = space_app
    client = Client(url, verbose=False)
    video, facts = client.predict(handle_file(photo_file(tmp_path, w=1600, h=900)), "slow push-in",
                                  api_name="/generate")  # fmt: skip
    info = probe(video["video"] if isinstance(video, dict) else video)
    # V1.5 Pro, 720p, 5 s, sound on, shape matching the 16:9 picture: the defaults a person gets
    assert (info["width"], info["height"], info["frames"], info["audio"]) == (1280, 720, 121, True)
    assert facts["settings"]["generate_audio"] is True and facts["demo"] is True and facts["price_usd"] is None
    client.close()


def test_a_script_can_use_its_own_key_on_a_space(space_app, tmp_path):
    url, _, emulator = space_app
    client = Client(url, verbose=False)
    key = "wsk-script-key-31337"
    before = dict(emulator.submit_keys)
    video, facts = client.predict(
        handle_file(photo_file(tmp_path)), "a cat", duration=4, resolution="480p", api_key=key, api_name="/generate"
    )
    assert probe(video["video"] if isinstance(video, dict) else video)["frames"] == 97  # fmt: skip
    # 4:3 picture -> 752x560 at 480p; 4 s with sound: 752*560*24*4/1024 tokens at $2.4 per million = $0.0947
    assert facts["demo"] is False and facts["price_usd"] == "0.09" and facts["task_id"]
    new = {k: v - before.get(k, 0) for k, v in emulator.submit_keys.items() if v != before.get(k, 0)}
    assert list(new.values()) == [1]  # one POST, made with the script's key at the emulator
    assert key not in str(facts)
    client.close()


@pytest.mark.parametrize(
    "kwargs,words",
    [
        ({"duration": 0}, "Duration must be a whole number of seconds from 4 to 12"),
        ({"duration": 4.5}, "Duration must be a whole number of seconds"),
        ({"model_id": "nope/model"}, "is not a Seedance model this app knows"),
        ({"resolution": "4k"}, "'4k' is not one of them"),
        ({"aspect_ratio": "2:1"}, "Aspect ratio must be one of"),
    ],
)
def test_api_refuses_out_of_range_values_plainly(space_app, tmp_path, kwargs, words):
    url, _, _ = space_app
    client = Client(url, verbose=False)
    with pytest.raises(Exception) as e:
        client.predict(handle_file(photo_file(tmp_path)), "hi", api_name="/generate", **kwargs)
    text = str(e.value)
    assert words in text and "/tmp/" not in text and "Traceback" not in text
    client.close()


def test_api_errors_name_no_server_path(space_app, tmp_path):
    url, _, _ = space_app
    client = Client(url, verbose=False)
    with pytest.raises(Exception) as e:
        client.predict(None, "hi", api_name="/generate")
    assert "Send a picture" in str(e.value)
    with pytest.raises(Exception) as e:
        client.predict(handle_file(photo_file(tmp_path, "t.jpg", 299, 500)), "hi", api_name="/generate")
    assert "299 px wide" in str(e.value) and "/tmp/" not in str(e.value)
    client.close()


def test_api_refusals_follow_the_callers_accept_language(space_app, tmp_path):
    """A script that asks for Spanish (Accept-Language) is refused in Spanish; one that asks nothing, in English."""
    url, _, _ = space_app
    client = Client(url, verbose=False, headers={"Accept-Language": "es-ES,es;q=0.9"})
    with pytest.raises(Exception) as e:
        client.predict(None, "hola", api_name="/generate")
    assert "Envía una imagen como `image`" in str(e.value) and "Send a picture" not in str(e.value)
    with pytest.raises(Exception) as e:
        client.predict(handle_file(photo_file(tmp_path)), "hola", duration=4.5, api_name="/generate")
    assert "La duración debe ser un número entero de segundos" in str(e.value)
    client.close()


def test_api_schema_has_optional_arguments_and_holds_no_key(space_app):
    url, _, _ = space_app
    client = Client(url, verbose=False)
    info = client.view_api(return_format="dict", print_info=False)
    assert list(info["named_endpoints"]) == ["/generate", "/price", "/history"]  # the public API: also the MCP tools
    params = {p["parameter_name"]: p for p in info["named_endpoints"]["/generate"]["parameters"]}
    assert [n for n, p in params.items() if not p["parameter_has_default"]] == ["image", "prompt"]
    assert "api_key" in params and params["api_key"]["parameter_default"] is None
    config = httpx.get(url + "config").text
    assert "wsk-" not in config and "demo-mode-no-charge" not in config
    client.close()


def test_a_50_mb_upload_is_refused(space_app):
    url, _, _ = space_app
    r = httpx.post(url + "gradio_api/upload", files={"files": ("big.png", b"\0" * (50 * 1024 * 1024), "image/png")},
                   timeout=60)  # fmt: skip
    assert r.status_code == 413 or "exceeds" in r.text.lower() or "too large" in r.text.lower()


def test_after_delete_the_cached_video_is_gone(space_app, tmp_path):
    url, ctx, _ = space_app
    client = Client(url, verbose=False)
    video, facts = client.predict(handle_file(photo_file(tmp_path)), "waves", duration=4, resolution="480p",
                                  api_name="/generate")  # fmt: skip
    served = video["video"] if isinstance(video, dict) else video
    file_url = f"{url}gradio_api/file={served}"
    assert httpx.get(file_url).status_code == 200
    # The API's take belongs to a fresh visitor each call; delete it as its owner would.
    take = ctx.demo.studio.journal.get(facts["take_id"])
    owner = Visitor(token=take.owner)
    *_, note = history.delete(ctx, owner, take.id)
    assert note.startswith("Deleted") and not os.path.exists(take.first_image) and not os.path.exists(take.video_path)
    assert httpx.get(file_url).status_code in (403, 404)
    client.close()


def test_no_key_sent_through_the_app_is_kept_in_text(space_app):
    assert keys.scrub("echo wsk-script-key-31337 back") == "echo [redacted] back"


def test_two_identical_api_calls_at_once_are_two_takes(space_app, tmp_path):
    """Only the same tab clicking twice shares a run; two scripts sending the same picture (seed -1) get two takes."""
    from concurrent.futures import ThreadPoolExecutor

    url, _, _ = space_app
    photo = photo_file(tmp_path)
    clients = [Client(url, verbose=False) for _ in range(2)]
    with ThreadPoolExecutor(2) as pool:
        outs = list(pool.map(lambda c: c.predict(handle_file(photo), "same", duration=4, resolution="480p",
                                                 api_name="/generate")[1], clients))  # fmt: skip
    assert outs[0]["task_id"] != outs[1]["task_id"] and outs[0]["take_id"] != outs[1]["take_id"]
    for c in clients:
        c.close()

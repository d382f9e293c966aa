"""WaveSpeed's own clients, unchanged, against the emulator (issue 25): its CLI from npm (price, upload, run,
history), its Python SDK on a job deleted mid-render, and a webhook verified the way WaveSpeed documents."""

import hashlib
import hmac
import json
import os
import shutil
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import ClassVar

import httpx
import pytest
from conftest import TEST_KEY, make_photo

from seedance_emulator.server import Emulator, EmulatorServer

CLI_VERSION = "0.2.2"
V15 = "bytedance/seedance-v1.5-pro/image-to-video"
LITE = "bytedance/seedance-v1-lite-i2v-480p"


@pytest.fixture(scope="module")
def server():
    with EmulatorServer(Emulator(processing_seconds=1.0, render_mode="stub", test_endpoints=True)) as s:
        yield s


def _auth(key: str = TEST_KEY) -> dict:
    return {"Authorization": f"Bearer {key}"}


# WaveSpeed's CLI ---------------------------------------------------------------------------------------------


def _cli_dir() -> Path:
    """WaveSpeed's CLI installed from npm once, in a cache folder kept between runs."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node and npm are not installed here: WaveSpeed's CLI is a Node program")
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "seedance-tests"
    folder = cache / f"wavespeed-cli-{CLI_VERSION}"
    binary = folder / "node_modules" / ".bin" / "wavespeed"
    if not binary.exists():
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--silent", "--prefix", str(folder),
                        f"@wavespeed/cli@{CLI_VERSION}"], check=True, timeout=600, capture_output=True)  # fmt: skip
    return binary


def test_wavespeeds_cli_prices_uploads_runs_and_lists_with_prompts(server, tmp_path):
    binary = _cli_dir()
    # The CLI reads its base URL from its config file (conf, project "wavespeed") and the key from the env.
    config = tmp_path / "config"
    (config / "wavespeed-nodejs").mkdir(parents=True)
    (config / "wavespeed-nodejs" / "config.json").write_text(json.dumps({"baseUrl": server.url}))
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(config),
           "XDG_CACHE_HOME": str(tmp_path / "cache"), "WAVESPEED_API_KEY": "wsk-cli-account", "NO_COLOR": "1"}  # fmt: skip

    def cli(*args: str) -> str:
        done = subprocess.run([str(binary), *args], env=env, cwd=tmp_path, capture_output=True, text=True,
                              timeout=120)  # fmt: skip
        assert done.returncode == 0, f"wavespeed {' '.join(args)}: {done.stdout}\n{done.stderr}"
        return done.stdout

    priced = cli("price", V15, "-i", "duration=5", "-i", "resolution=720p", "--json")
    assert "0.26" in priced  # WaveSpeed's published 720p 5 s with sound (its default)
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(make_photo(640, 480))
    uploaded = cli("upload", str(photo), "--json")
    url = next(v for v in _strings(json.loads(uploaded)) if v.startswith("http"))
    ran = cli("run", LITE, "-i", f"image={url}", "-i", "duration=2", "-p", "a heron lifts off the lake", "--json")
    assert any(v.startswith("http") and "/emu/files/" in v for v in _strings(json.loads(ran)))
    listed = cli("history")
    assert "a heron lifts off the lake" in listed  # the prompt from the list's inputs, asked for by the CLI


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


# WaveSpeed's Python SDK ------------------------------------------------------------------------------------------


def test_the_python_sdks_run_on_a_job_deleted_mid_render_ends_as_deleted(server):
    import wavespeed

    emu = server.emulator
    emu.processing_seconds = 3.0
    key = "wsk-sdk-deleted"
    before = set(emu.jobs)
    outcome: dict = {}

    def run() -> None:
        client = wavespeed.Client(api_key=key, base_url=server.url, max_retries=0)
        try:
            outcome["result"] = client.run(LITE, {"image": _data_url(), "duration": 2}, poll_interval=0.1)
        except Exception as e:  # what the SDK raises is the point of this test
            outcome["error"] = e

    thread = threading.Thread(target=run)
    thread.start()
    deadline = time.monotonic() + 10
    while not (set(emu.jobs) - before) and time.monotonic() < deadline:
        time.sleep(0.05)
    [task] = set(emu.jobs) - before
    assert httpx.delete(f"{server.url}/api/v3/predictions/{task}", headers=_auth(key)).json()["data"]["status"] == (
        "deleted"
    )
    thread.join(15)
    emu.processing_seconds = 1.0
    assert "result" not in outcome and "Prediction deleted" in str(outcome["error"]) and task in str(outcome["error"])
    assert emu.count("submit") >= 1 and sum(1 for j in emu.deleted.values() if j.id == task) == 1


def _data_url() -> str:
    import base64

    return "data:image/jpeg;base64," + base64.b64encode(make_photo()).decode()


# Webhooks ------------------------------------------------------------------------------------------------------------


class _Receiver(BaseHTTPRequestHandler):
    got: ClassVar[list] = []

    def do_POST(self) -> None:  # the name http.server calls
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        type(self).got.append((dict(self.headers), body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


def test_a_webhook_arrives_once_signed_with_the_accounts_secret(server):
    _Receiver.got = []
    receiver = HTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    key = "wsk-webhook-account"
    try:
        hook = f"http://127.0.0.1:{receiver.server_port}/wavespeed"
        r = httpx.post(f"{server.url}/api/v3/{LITE}", params={"webhook": hook}, headers=_auth(key),
                       json={"image": _data_url(), "duration": 2, "prompt": "rain on a window"})  # fmt: skip
        task = r.json()["data"]["id"]
        deadline = time.monotonic() + 15
        while not _Receiver.got and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(1.0)  # a second delivery would arrive by now
        assert len(_Receiver.got) == 1
        headers, body = _Receiver.got[0]
        payload = json.loads(body)
        assert payload["id"] == task and payload["status"] == "completed" and payload["outputs"]
        assert payload["input"]["prompt"] == "rain on a window"
        secret = httpx.get(f"{server.url}/api/v3/webhook/secret", headers=_auth(key)).json()["data"]["secret"]
        assert secret.startswith("whsec_")
        signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
        expected = hmac.new(secret.removeprefix("whsec_").encode(), signed, hashlib.sha256).hexdigest()
        assert headers["webhook-signature"] == f"v3,{expected}"
        assert abs(int(headers["webhook-timestamp"]) - time.time()) < 60
        other = httpx.get(f"{server.url}/api/v3/webhook/secret", headers=_auth("wsk-another-account")).json()
        assert other["data"]["secret"] != secret  # a secret per account
        bad = httpx.post(f"{server.url}/api/v3/{LITE}", params={"webhook": "ftp://x"}, headers=_auth(key),
                         json={"image": _data_url(), "duration": 2})  # fmt: skip
        assert bad.status_code == 400 and "webhook" in bad.json()["message"]
    finally:
        receiver.shutdown()

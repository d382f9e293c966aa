"""Issue 13 through the `seedance` command: a model that only the emulator's live catalog names (our code and our
snapshot know nothing of it) is listed, priced from its own formula, refused outside its schema's ranges, and
rendered."""

import json
import os
import subprocess
import sys

import pytest
from conftest import make_photo
from test_catalog_live import TEST_ID, TEST_MODEL

from seedance_emulator.server import Emulator, EmulatorServer
from seedance_ui.video import probe


@pytest.fixture(scope="module")
def emu_with_a_new_model():
    with EmulatorServer(Emulator(processing_seconds=0.2, extra_models=[TEST_MODEL], test_endpoints=True)) as server:
        yield server


def seedance(tmp_path, url, *args):
    env = {**os.environ, "WAVESPEED_API_KEY": "wsk-catalog-cli-0001", "WAVESPEED_BASE_URL": url,
           "SEEDANCE_DATA_DIR": str(tmp_path / "data")}  # fmt: skip
    return subprocess.run([sys.executable, "-m", "seedance_ui.cli", *args], capture_output=True, text=True,
                          timeout=120, env=env)  # fmt: skip


def test_a_model_only_the_live_catalog_names(emu_with_a_new_model, tmp_path):
    url = emu_with_a_new_model.url
    listed = seedance(tmp_path, url, "models", "--json")
    assert listed.returncode == 0, listed.stderr
    model = next(m for m in json.loads(listed.stdout) if m["id"] == TEST_ID)
    assert model["duration"] == {"min": 3, "max": 7, "default": 4} and model["resolutions"] == ["540p", "1080p"]

    price = seedance(tmp_path, url, "price", "--model", TEST_ID, "--duration", "5", "--resolution", "1080p", "--json")
    assert price.returncode == 0, price.stderr
    assert json.loads(price.stdout)["total_usd"] == "1.50"  # base 0.5 x 5 s / 5 x 3 at 1080p, from its formula

    refused = seedance(tmp_path, url, "price", "--model", TEST_ID, "--duration", "9")
    assert refused.returncode == 2 and "from 3 to 7" in refused.stderr and "Traceback" not in refused.stderr

    photo = tmp_path / "p.jpg"
    photo.write_bytes(make_photo(1280, 720))
    made = seedance(tmp_path, url, "generate", "--model", TEST_ID, "--image", str(photo), "--prompt", "a test",
                    "--duration", "3", "--out", str(tmp_path), "--json")  # fmt: skip
    assert made.returncode == 0, made.stderr
    facts = json.loads(made.stdout)
    assert facts["model_id"] == TEST_ID and probe(facts["video"])["frames"] == 3 * 24 + 1
    assert "wsk-catalog-cli-0001" not in (tmp_path / "data" / "wavespeed-models.json").read_text()

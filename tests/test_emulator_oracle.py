"""The emulator is an independent oracle (issue 19): its own schema validation, WaveSpeed's published prices as
its own rules, and no code of the app's. A wrong price in the app fails here."""

import ast
import time
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from conftest import TEST_KEY, make_photo

from seedance_emulator.server import Emulator, EmulatorServer
from seedance_ui import catalog, pricing

EMULATOR = Path(__file__).resolve().parent.parent / "seedance_emulator"
V15 = "bytedance/seedance-v1.5-pro/image-to-video"
PHOTO = "data:image/jpeg;base64,"

# (model, inputs, USD): WaveSpeed's published points (docs/wavespeed-api.md "Prices"), written out by hand
PUBLISHED_POINTS = [
    ("bytedance/seedance-v1-pro-i2v-1080p", {"duration": 5}, "0.60"),
    ("bytedance/seedance-v1-pro-i2v-1080p", {"duration": 10}, "1.20"),
    ("bytedance/seedance-v1-pro-i2v-480p", {"duration": 5}, "0.15"),
    ("bytedance/seedance-v1-pro-i2v-480p", {"duration": 10}, "0.30"),
    ("bytedance/seedance-v1-lite-i2v-480p", {"duration": 5}, "0.08"),
    ("bytedance/seedance-v1-lite-i2v-720p", {"duration": 5}, "0.16"),
    (V15, {"duration": 5, "resolution": "480p", "generate_audio": False}, "0.06"),
    (V15, {"duration": 5, "resolution": "480p", "generate_audio": True}, "0.12"),
    (V15, {"duration": 5, "resolution": "720p", "generate_audio": False}, "0.13"),
    (V15, {"duration": 5, "resolution": "720p", "generate_audio": True}, "0.26"),
    (V15, {"duration": 10, "resolution": "720p", "generate_audio": True}, "0.52"),
    (V15, {"duration": 10, "resolution": "480p", "generate_audio": True}, "0.24"),
    ("bytedance/seedance-2.0/image-to-video", {"duration": 5}, "1.20"),
    ("bytedance/seedance-2.0-fast/image-to-video", {"duration": 5}, "0.80"),
    ("bytedance/seedance-2.0-fast/image-to-video", {"duration": 10}, "1.60"),
    ("bytedance/seedance-2.0-fast/image-to-video", {"duration": 15}, "2.40"),
    ("bytedance/seedance-2.0-fast/image-to-video-turbo", {"duration": 5, "resolution": "720p"}, "0.60"),
]


def _imported_modules(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
    return names


def test_the_emulator_imports_nothing_from_the_app():
    """Reading the app's snapshot file as data is allowed; importing its code is not (not even lazily)."""
    files = sorted(EMULATOR.glob("*.py"))
    assert len(files) >= 10
    for path in files:
        found = [m for m in _imported_modules(path) if m == "seedance_ui" or m.startswith("seedance_ui.")]
        assert not found, f"{path.name} imports {found}"


@pytest.fixture(scope="module")
def oracle():
    with EmulatorServer(Emulator(processing_seconds=0.05, render_mode="stub", balance=100.0)) as server:
        yield server


def _client(server: EmulatorServer, key: str = TEST_KEY) -> httpx.Client:
    return httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {key}"}, timeout=20)


@pytest.mark.parametrize(("model", "inputs", "usd"), PUBLISHED_POINTS)
def test_quotes_and_charges_are_the_published_prices(oracle, model, inputs, usd):
    with _client(oracle, f"wsk-oracle-{model}-{sorted(inputs.items())}") as c:
        quoted = c.post("/api/v3/model/price", json={"model_id": model, "inputs": inputs}).json()["data"]
        assert Decimal(str(quoted["price"])) == Decimal(usd)
        before = c.get("/api/v3/balance").json()["data"]["balance"]
        body = {"image": PHOTO + _photo_b64(), "prompt": "a boat", **inputs}
        assert c.post(f"/api/v3/{model}", json=body).status_code == 200
        after = c.get("/api/v3/balance").json()["data"]["balance"]
        assert Decimal(str(round(before - after, 4))) == Decimal(usd)


@pytest.mark.parametrize(("model", "inputs", "usd"), PUBLISHED_POINTS)
def test_the_apps_price_is_what_the_emulator_charges(model, inputs, usd):
    """The app's quote (its formula over the snapshot) against the emulator's published rule: a price the app
    gets wrong (a formula mis-evaluated, a snapshot formula off) fails here."""
    spec = catalog.get_model(model)
    q = pricing.price_for(spec, inputs["duration"], inputs.get("resolution"), bool(inputs.get("generate_audio")),
                          with_what_if=False)  # fmt: skip
    assert q.per_take == Decimal(usd), f"{model} {inputs}: the app says {q.per_take}, WaveSpeed publishes {usd}"


def test_test_endpoints_are_mounted_only_when_asked():
    with EmulatorServer(Emulator(processing_seconds=0.05)) as plain:
        for path in ("/_emulator/stats", "/_emulator/jobs"):
            assert httpx.get(plain.url + path).status_code == 404
        assert httpx.post(plain.url + "/_emulator/faults", json={"faults": []}).status_code in (404, 405)
    with EmulatorServer(Emulator(processing_seconds=0.05, test_endpoints=True)) as tested:
        assert httpx.get(tested.url + "/_emulator/stats").status_code == 200


def test_a_failed_render_is_refunded_in_full():
    """The refund for a failed task (WaveSpeed: automatic) is exactly what was charged. The render takes a second,
    so the charge is read before the failure can come back with its refund."""
    with EmulatorServer(Emulator(processing_seconds=1.0, render_mode="stub", balance=100.0)) as slow:
        slow.emulator.faults.add(route="task", fail_code=1403)
        _charged_then_refunded(slow)


def _charged_then_refunded(server: EmulatorServer) -> None:
    with _client(server, "wsk-oracle-refund") as c:
        before = c.get("/api/v3/balance").json()["data"]["balance"]
        task = c.post(f"/api/v3/{V15}", json={"image": PHOTO + _photo_b64(), "prompt": "x"}).json()["data"]["id"]
        assert c.get("/api/v3/balance").json()["data"]["balance"] == pytest.approx(before - 0.26)
        deadline = time.monotonic() + 30  # the emulator renders the preview before failing it: slow on a busy machine
        while (status := c.get(f"/api/v3/predictions/{task}/result").json()["data"]["status"]) != "failed":
            assert time.monotonic() < deadline, f"still {status} after 30 s"
            time.sleep(0.05)
        assert c.get("/api/v3/balance").json()["data"]["balance"] == pytest.approx(before)


_PHOTO_B64: list[str] = []


def _photo_b64() -> str:
    import base64

    if not _PHOTO_B64:
        _PHOTO_B64.append(base64.b64encode(make_photo()).decode())
    return _PHOTO_B64[0]

"""The `seedance` command, run as a real process."""

import json
import subprocess
import sys

import pytest
from PIL import Image


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "seedance_ui.cli", *args], capture_output=True, text=True, timeout=120)


def test_help_lists_commands():
    out = run("--help")
    assert out.returncode == 0
    for cmd in ("check-image", "price", "models"):
        assert cmd in out.stdout


def test_check_image_ok_and_refused(tmp_path):
    good = tmp_path / "good.jpg"
    Image.new("RGB", (1280, 720), (9, 9, 9)).save(good, "JPEG")
    out = run("check-image", str(good), "--json")
    assert out.returncode == 0
    data = json.loads(out.stdout)
    assert data["ok"] is True and data["format"] == "JPEG" and (data["width"], data["height"]) == (1280, 720)
    assert data["bytes"] == good.stat().st_size and data["problems"] == [] and data["suggested_aspect_ratio"] == "16:9"

    small = tmp_path / "small.png"
    Image.new("RGB", (250, 400)).save(small, "PNG")
    out = run("check-image", str(small), "--json")
    assert out.returncode == 2
    data = json.loads(out.stdout)
    assert data["ok"] is False and data["problems"][0]["code"] == "too_small"
    assert "250 px wide" in data["problems"][0]["message"]
    out = run("check-image", str(small))
    assert out.returncode == 2 and "at least 300 px" in out.stdout


def test_check_image_missing_file_is_plain(tmp_path):
    out = run("check-image", str(tmp_path / "nope.jpg"))
    assert out.returncode == 2 and "Can't read" in out.stderr and "Traceback" not in out.stderr


def test_price_json():
    out = run("price", "--model", "bytedance/seedance-v1.5-pro/image-to-video", "--duration", "5",
              "--resolution", "720p", "--audio", "--json")  # fmt: skip
    assert out.returncode == 0
    data = json.loads(out.stdout)
    assert data["total_usd"] == "0.26" and data["published"] is True
    assert data["per_second_usd"] == "0.05184"
    assert any(w["label"] == "Sound off" and w["delta_usd"] == "-0.13" for w in data["what_if"])
    out = run("price", "--model", "bytedance/seedance-v1-pro-i2v-1080p", "--duration", "10", "--takes", "2", "--json")
    assert json.loads(out.stdout)["total_usd"] == "2.40"


@pytest.mark.parametrize(
    "args",
    [
        ("--model", "bytedance/seedance-v1.5-pro/image-to-video", "--duration", "20"),
        ("--model", "nope/model", "--duration", "5"),
        ("--model", "bytedance/seedance-v1-pro-i2v-480p", "--duration", "5", "--audio"),
    ],
)
def test_price_refusals_exit_2(args):
    out = run("price", *args)
    assert out.returncode == 2 and out.stderr.strip() and "Traceback" not in out.stderr


def test_models_json_lists_catalog():
    out = run("models", "--json")
    data = json.loads(out.stdout)
    assert out.returncode == 0 and len(data) == 8
    v15 = next(m for m in data if m["id"] == "bytedance/seedance-v1.5-pro/image-to-video")
    assert v15["audio"] and v15["duration"] == {"min": 4, "max": 12, "default": 5} and not v15["retiring"]
    assert all(m["notice"] for m in data if m["retiring"])

"""The `seedance` command, run as a real process: demo mode end to end, and every bad input refused in one line."""

import json
import os
import sqlite3
import subprocess
import sys

import pytest
from conftest import TEST_KEY, make_photo, table_row
from PIL import Image

from seedance_ui import catalog, video
from seedance_ui.journal import Journal

V15 = "bytedance/seedance-v1.5-pro/image-to-video"
V1_480 = "bytedance/seedance-v1-pro-i2v-480p"


def run(*args: str, env: dict | None = None, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "seedance_ui.cli", *args], capture_output=True, text=True,
                          timeout=120, env=env, cwd=cwd)  # fmt: skip


def demo_env(data) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("WAVESPEED_API_KEY", "WAVESPEED_BASE_URL")}
    return env | {"SEEDANCE_DATA_DIR": str(data)}


def key_env(emu, data) -> dict:
    """Key mode against the test's emulator, so its counts show whether anything was uploaded or sent."""
    return demo_env(data) | {"WAVESPEED_API_KEY": TEST_KEY, "WAVESPEED_BASE_URL": emu.url}


def test_help_lists_commands():
    out = run("--help")
    assert out.returncode == 0
    for cmd in ("check-image", "price", "models", "generate", "history", "recover", "stitch"):
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


def test_price_json():
    out = run("price", "--model", V15, "--duration", "5", "--resolution", "720p", "--audio", "--json")
    assert out.returncode == 0
    data = json.loads(out.stdout)
    assert data["total_usd"] == "0.26" and data["published"] is True
    assert data["per_second_usd"] == "0.05184"
    assert any(w["label"] == "Sound off" and w["delta_usd"] == "-0.13" for w in data["what_if"])
    out = run("price", "--model", "bytedance/seedance-v1-pro-i2v-1080p", "--duration", "10", "--takes", "2", "--json")
    assert json.loads(out.stdout)["total_usd"] == "2.40"


def test_models_json_lists_catalog():
    out = run("models", "--json")
    data = json.loads(out.stdout)
    assert out.returncode == 0 and [m["id"] for m in data] == [m.id for m in catalog.MODELS]
    v15 = next(m for m in data if m["id"] == V15)
    assert v15["audio"] and v15["duration"] == {"min": 4, "max": 12, "default": 5} and not v15["retiring"]
    assert all(m["notice"] for m in data if m["retiring"])


# Issue 10: demo mode, every command sees the same takes --------------------------------------------------------


def test_demo_generate_then_history_stitch_and_recover_see_the_takes(tmp_path):
    env, photo, out = demo_env(tmp_path / "fresh"), tmp_path / "p.jpg", tmp_path / "out"
    photo.write_bytes(make_photo(800, 600))
    out.mkdir()
    ids = []
    for _ in range(2):  # two default takes: V1.5 Pro, sound on, match my image, 720p
        gen = run("generate", "--image", str(photo), "--prompt", "the cat turns", "--out", str(out), "--json",
                  "--demo-seconds", "0.3", env=env)  # fmt: skip
        assert gen.returncode == 0, gen.stderr
        take = json.loads(gen.stdout)
        assert take["ok"] and take["demo"] and take["price"] == "demo preview, free"
        assert f"task id {take['task_id']}" in gen.stderr and gen.stderr.startswith("DEMO MODE")  # id at once
        s = take["settings"]
        assert (take["model_id"], s["duration"], s["resolution"], s["generate_audio"], s["aspect_ratio"]) == (
            V15, 5, "720p", True, None)  # fmt: skip
        ids.append(take["take_id"])

    hist = run("history", "--json", env=env)
    assert hist.returncode == 0 and hist.stderr == ""
    rows = json.loads(hist.stdout)
    assert sorted(r["take_id"] for r in rows) == sorted(ids) and {r["state"] for r in rows} == {"downloaded"}
    videos = {r["take_id"]: r["video"] for r in rows}
    clips = [video.probe(videos[i]) for i in ids]
    assert all(c["audio"] and (c["width"], c["height"]) == (1112, 834) for c in clips)

    joined = tmp_path / "x.mp4"
    st = run("stitch", *ids, "--out", str(joined), "--json", env=env)
    assert st.returncode == 0, st.stdout + st.stderr
    info = video.probe(joined)
    assert info["audio"] is True and info["frames"] == sum(c["frames"] for c in clips) == 242

    rec = run("recover", "--json", env=env)
    assert rec.returncode == 0 and json.loads(rec.stdout) == {"recovered": [], "ended": [], "still_unfinished": []}
    one = run("recover", rows[0]["task_id"], "--json", env=env)
    assert one.returncode == 0 and json.loads(one.stdout)["take_id"] == rows[0]["take_id"]
    assert len(json.loads(run("history", "--json", env=env).stdout)) == 2  # recovering added nothing


# Issue 10: bad inputs get one plain line (or one JSON object), exit 2, no traceback, nothing sent -----------------

BAD = {
    "missing file": ("generate", "--image", "{tmp}/missing.jpg", "--prompt", "x"),
    "a folder": ("generate", "--image", "{tmp}", "--prompt", "x"),
    "a FIFO": ("generate", "--image", "{tmp}/fifo", "--prompt", "x"),
    "/dev/zero": ("generate", "--image", "/dev/zero", "--prompt", "x"),
    "--model nope": ("generate", "--image", "{tmp}/p.jpg", "--prompt", "x", "--model", "nope"),
    "--duration 0": ("generate", "--image", "{tmp}/p.jpg", "--prompt", "x", "--duration", "0"),
    "--duration abc": ("generate", "--image", "{tmp}/p.jpg", "--prompt", "x", "--duration", "abc"),
    "--takes 9": ("generate", "--image", "{tmp}/p.jpg", "--prompt", "x", "--takes", "9"),
    "--out /etc/passwd": ("generate", "--image", "{tmp}/p.jpg", "--prompt", "x", "--out", "/etc/passwd"),
    "--out under a file": ("generate", "--image", "{tmp}/p.jpg", "--prompt", "x", "--out", "/etc/passwd/sub"),
    "an unknown flag": ("generate", "--image", "{tmp}/p.jpg", "--prompt", "x", "--wibble"),
    "V1 model with --audio": ("generate", "--image", "{tmp}/p.jpg", "--model", V1_480, "--audio"),
    "stitch unknown take ids": ("stitch", "nope1", "nope2", "--out", "{tmp}/x.mp4"),
    "recover not-an-id!": ("recover", "not-an-id!"),
}


@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
@pytest.mark.parametrize("case", list(BAD))
def test_bad_inputs_are_refused_in_one_plain_line(emu, tmp_path, case, as_json):
    (tmp_path / "p.jpg").write_bytes(make_photo())
    os.mkfifo(tmp_path / "fifo")
    args = [a.format(tmp=tmp_path) for a in BAD[case]] + (["--json"] if as_json else [])
    out = run(*args, env=key_env(emu, tmp_path / "data"))
    assert out.returncode == 2, (out.stdout, out.stderr)
    assert "Traceback" not in out.stdout + out.stderr
    if as_json:
        data = json.loads(out.stdout)  # one JSON object and nothing else
        assert data["ok"] is False and data["error"] and out.stderr == ""
    else:
        assert out.stdout == "" and len(out.stderr.strip().splitlines()) == 1
        table_row("CLI bad inputs (issue 10)", ["input", "exit code", "the one line printed"],
                  [case, out.returncode, out.stderr.strip()])  # fmt: skip
    assert emu.emulator.count("upload") == emu.emulator.count("submit") == 0  # nothing sent, nothing paid


def test_demo_mode_refusals_are_one_line_too(tmp_path):
    env = demo_env(tmp_path / "data")
    (tmp_path / "p.jpg").write_bytes(make_photo())
    for args in (("generate", "--image", str(tmp_path / "p.jpg"), "--prompt", "x", "--out", "/etc/passwd"),
                 ("recover", "not-an-id!"), ("stitch", "a", "b", "--out", str(tmp_path / "x.mp4"))):  # fmt: skip
        out = run(*args, env=env)
        assert out.returncode == 2 and len(out.stderr.strip().splitlines()) == 1, out.stderr
        assert "charged" not in out.stderr or args[0] == "generate"


# Issue 11: check before paying, from the command line ---------------------------------------------------------


@pytest.mark.parametrize("where", ["a temp file", "a folder under a file", "a data dir that is a file",
                                   "a locked journal"])  # fmt: skip
def test_generate_refuses_before_paying_what_it_could_not_keep(emu, tmp_path, where):
    photo, data = tmp_path / "p.jpg", tmp_path / "data"
    photo.write_bytes(make_photo())
    out_dir, env, holder = tmp_path / "out", key_env(emu, data), None
    out_dir.mkdir()
    if where == "a temp file":
        out_dir = tmp_path / "taken.txt"
        out_dir.write_text("someone's file")
    elif where == "a folder under a file":  # unwritable even for root (chmod 500 would not stop root)
        (tmp_path / "plain.txt").write_text("a file")
        out_dir = tmp_path / "plain.txt" / "videos"
    elif where == "a data dir that is a file":
        env["SEEDANCE_DATA_DIR"] = str(photo)
    else:
        Journal(data / "journal.sqlite3").close()
        holder = sqlite3.connect(data / "journal.sqlite3", isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # another program holds it while `seedance generate` starts
    try:
        out = run("generate", "--image", str(photo), "--prompt", "x", "--out", str(out_dir), env=env)
    finally:
        if holder is not None:
            holder.execute("ROLLBACK")
            holder.close()
    assert out.returncode == 2 and len(out.stderr.strip().splitlines()) == 1, out.stderr
    assert "Traceback" not in out.stderr and "Nothing was charged" in out.stderr
    assert emu.emulator.count("upload") == emu.emulator.count("submit") == 0
    table_row("Money truth (issue 11)", ["scenario", "submit POSTs counted", "what the person was told",
              "final state", "money line"], [f"seedance generate, --out or data: {where}", 0, out.stderr.strip(),
              "(refused before paying)", "not_charged"])  # fmt: skip


def test_a_broken_paid_video_is_told_plainly_and_recover_says_why(emu, tmp_path):
    env, photo = key_env(emu, tmp_path / "data"), tmp_path / "p.jpg"
    photo.write_bytes(make_photo())
    emu.emulator.faults.add(route="task", output="corrupt_mp4")
    args = ("--image", str(photo), "--prompt", "x", "--model", V1_480, "--duration", "2", "--out", str(tmp_path))
    gen = run("generate", *args, env=env)
    assert gen.returncode == 2 and "Traceback" not in gen.stderr + gen.stdout
    assert "can't be opened" in gen.stdout and "charged" in gen.stdout and "(task " in gen.stdout
    assert not list(tmp_path.glob("*.mp4")) and not list((tmp_path / "data").rglob("*.part"))
    for _ in range(2):  # every run says why, not just "still unfinished"
        rec = run("recover", env=env)
        assert rec.returncode == 0 and "still unfinished" in rec.stdout and "can't be opened" in rec.stdout
    [row] = json.loads(run("history", "--json", env=env).stdout)
    assert row["state"] == "completed" and "can't be opened" in row["error"] and row["task_id"]
    assert emu.emulator.count("submit") == 1


# Issue 13: upscale a take from the command line, with a key and in demo mode ------------------------------------


@pytest.mark.parametrize("mode", ["key", "demo"])
def test_upscale_a_take_prices_first_then_lands_in_history(tmp_path, emu, mode):
    env = key_env(emu, tmp_path / "d") if mode == "key" else demo_env(tmp_path / "d")
    photo, out = tmp_path / "p.jpg", tmp_path / "out"
    photo.write_bytes(make_photo(800, 600))
    out.mkdir()
    gen = run("generate", "--image", str(photo), "--prompt", "the cat turns", "--resolution", "480p", "--duration",
              "4", "--out", str(out), "--json", "--demo-seconds", "0.3", env=env)  # fmt: skip
    assert gen.returncode == 0, gen.stderr
    take = json.loads(gen.stdout)
    price = run("upscale", take["take_id"], "--to", "2k", "--price-only", "--json", env=env)
    assert price.returncode == 0, price.stdout + price.stderr
    q = json.loads(price.stdout)
    assert (q["width"], q["height"], q["kind"]) == (1934, 1440, "formula" if mode == "key" else "demo")
    assert q["usd"] == ("0.06" if mode == "key" else None)  # $0.0072 x 2 per second at 2k, 4.04 s, rounded up
    if mode == "key":
        assert emu.emulator.count("submit") == 1  # the price sent nothing
    refused = run("upscale", take["take_id"], "--to", "480p", env=env)
    assert refused.returncode == 2 and "makes 1080p, 2k, 4k" in refused.stderr and "Traceback" not in refused.stderr
    up = run("upscale", take["take_id"], "--out", str(out), "--json", "--demo-seconds", "0.3", env=env)
    assert up.returncode == 0, up.stdout + up.stderr
    done = json.loads(up.stdout)
    assert (
        done["ok"] and done["model_id"] == "bytedance/video-upscaler" and done["video"].endswith("_upscaled-1080p.mp4")
    )
    assert done["price"] == ("$0.03" if mode == "key" else "demo preview, free")
    assert video.probe(done["video"])["height"] == 1080 and video.probe(done["video"])["audio"]
    rows = json.loads(run("history", "--json", env=env).stdout)
    assert [r["take_id"] for r in rows] == [done["take_id"], take["take_id"]]
    assert rows[0]["state"] == "downloaded" and rows[0]["note"].startswith("Upscaled to 1080p")

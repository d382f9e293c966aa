"""`seedance board`, run as a real process in demo mode and in key mode against the emulator: shots rendered in
order on each other's exact last frames, the film a take of its own with sound, retakes marking the continuing
shots out of date, bad boards refused for nothing, and a board killed mid-render finished with one POST per shot."""

import json
import os
import signal
import subprocess
import sys
import time

import httpx
import numpy as np
import pytest
from conftest import TEST_KEY
from PIL import Image

from seedance_ui import video

V15 = "bytedance/seedance-v1.5-pro/image-to-video"
NO_LAST = "bytedance/seedance-v1-pro-fast/image-to-video"


def cli(*args: str, env: dict, timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "seedance_ui.cli", *args], capture_output=True, text=True,
                          timeout=timeout, env=env)  # fmt: skip


def demo_env(data) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("WAVESPEED_API_KEY", "WAVESPEED_BASE_URL")}
    return env | {"SEEDANCE_DATA_DIR": str(data)}


def key_env(emu, data) -> dict:
    return demo_env(data) | {"WAVESPEED_API_KEY": TEST_KEY, "WAVESPEED_BASE_URL": emu.url}


def env_for(mode: str, emu, tmp_path) -> dict:
    return key_env(emu, tmp_path / "data") if mode == "key" else demo_env(tmp_path / "data")


def textured(path, w: int = 640, h: int = 480, seed: int = 1) -> str:
    """A picture with detail everywhere (smooth blobs and stripes), so frames from different views differ."""
    y, x = np.mgrid[0:h, 0:w].astype(float)
    rng = np.random.default_rng(seed)
    img = np.zeros((h, w, 3))
    for c in range(3):
        fx, fy, ph = [*rng.uniform(0.01, 0.05, 2).tolist(), rng.uniform(0, 6)]
        img[..., c] = 127 + 120 * np.sin(x * fx + ph) * np.cos(y * fy)
    Image.fromarray(img.astype(np.uint8)).save(path, "JPEG", quality=92)
    return str(path)


def write_board(tmp_path, shots: list[dict], **defaults) -> str:
    doc = {"model_id": V15, "resolution": "480p", "duration": 4, "generate_audio": True, **defaults, "shots": shots}
    doc = {k: v for k, v in doc.items() if v is not None}  # None: leave the setting out
    path = tmp_path / "board.json"
    path.write_text(json.dumps(doc))
    return str(path)


def chain(tmp_path) -> list[dict]:
    textured(tmp_path / "city.jpg")
    return [{"image": "city.jpg", "prompt": "slow push-in on the street", "seed": 7},
            {"continue": True, "prompt": "slow push-in towards the door"},
            {"continue": True, "prompt": "slow push-in, the door opens"}]  # fmt: skip


def frame(path, at: str) -> np.ndarray:
    return np.asarray(video.extract_frame(path, at), dtype=float)


def submits(emu) -> int:
    return httpx.get(f"{emu.url}/_emulator/stats").json()["counts"].get("submit", 0)


def render(board: str, env: dict, *extra: str) -> dict:
    r = cli("board", "render", board, "--json", "--yes", "--demo-seconds", "0.3", *extra, env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    return json.loads(r.stdout)


@pytest.mark.parametrize("mode", ["demo", "key"])
def test_a_chained_board_renders_in_order_into_a_film_that_is_a_take(tmp_path, emu, mode):
    env = env_for(mode, emu, tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    data = render(write_board(tmp_path, chain(tmp_path)), env, "--out", str(out))
    assert data["ok"] and data["board_id"] and len(data["shots"]) == 3
    assert all(s["take_id"] and s["video"] and s["seed"] is not None for s in data["shots"])
    assert data["shots"][0]["seed"] == 7
    assert (data["price"] == "demo preview, free") if mode == "demo" else data["price"].startswith("$")
    s1, s2, s3 = (s["video"] for s in data["shots"])
    assert data["shots"][1]["started_from"] == data["shots"][0]["take_id"]
    # Shot 2 starts on shot 1's exact last frame: nearly equal decoded pixels, far closer than to shot 1's start.
    joined = np.abs(frame(s2, "first") - frame(s1, "last")).mean()
    apart = np.abs(frame(s2, "first") - frame(s1, "first")).mean()
    assert joined < 4.0 and apart > 5 * joined, (joined, apart)
    assert np.abs(frame(s3, "first") - frame(s2, "last")).mean() < 4.0
    # The film: every shot's frames (within a few per join), with sound, copied to --out.
    film = data["film"]["video"]
    assert film and film.startswith(str(out))
    info = video.probe(film)
    shot_frames = sum(video.probe(s)["frames"] for s in (s1, s2, s3))
    assert abs(info["frames"] - shot_frames) <= 2 * 3, (info["frames"], shot_frames)
    assert info["audio"]
    # The film is a take of its own in History, with its shots in its facts, and it can be upscaled (priced).
    hist = json.loads(cli("history", "--json", env=env).stdout)
    row = next(t for t in hist if t["take_id"] == data["film"]["take_id"])
    assert row["note"].startswith("The film of board") and all(s["take_id"] in row["note"] for s in data["shots"])
    up = cli("upscale", data["film"]["take_id"], "--price-only", "--json", env=env)
    assert up.returncode == 0, up.stdout + up.stderr
    quote = json.loads(up.stdout)
    assert quote["take_id"] == data["film"]["take_id"] and quote["seconds"] > 11
    assert (quote["kind"] == "demo") if mode == "demo" else float(quote["usd"]) > 0
    # The board is kept: listed and shown after the process ended.
    boards = json.loads(cli("board", "list", "--json", env=env).stdout)
    assert [b["board_id"] for b in boards] == [data["board_id"]] and boards[0]["film"] == data["film"]["take_id"]


def test_retaking_shot_1_marks_2_and_3_out_of_date_and_renders_them_again_on_request(tmp_path, emu):
    env = key_env(emu, tmp_path / "data")
    first = render(write_board(tmp_path, chain(tmp_path)), env)
    board = first["board_id"]
    r = cli("board", "retake", board, "1", "--json", "--yes", env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    retaken = json.loads(r.stdout)
    assert retaken["out_of_date"] == [2, 3]
    assert retaken["shots"][0]["take_id"] != first["shots"][0]["take_id"]
    assert retaken["film"]["take_id"] is None  # the old film no longer matches the chosen takes
    assert submits(emu) == 4
    price = json.loads(cli("board", "render", board, "--price-only", "--json", env=env).stdout)
    assert [s["shot"] for s in price["shots"]] == [2, 3] and price["price"].startswith("$")
    assert submits(emu) == 4  # the price is free
    again = render(board, env)
    assert submits(emu) == 6
    assert [s["stale"] for s in again["shots"]] == [False, False, False]
    assert again["shots"][1]["started_from"] == retaken["shots"][0]["take_id"]
    assert again["shots"][2]["started_from"] == again["shots"][1]["take_id"]
    joined = np.abs(frame(again["shots"][1]["video"], "first") - frame(retaken["shots"][0]["video"], "last")).mean()
    assert joined < 4.0
    assert again["film"]["take_id"] not in (None, first["film"]["take_id"])


BAD = {
    "neither": ([{"prompt": "no picture"}], {}, "Shot 1 has neither a picture"),
    "first continues": ([{"continue": True, "prompt": "x"}], {}, "Shot 1 can't continue"),
    "bad picture": ([{"image": "city.jpg", "prompt": "a"}, {"image": "notes.jpg", "prompt": "b"}], {},
                    "Shot 2's picture"),
    "no last frame": ([{"image": "city.jpg", "prompt": "a", "last_image": "city.jpg"}],
                      {"model_id": NO_LAST, "resolution": "480p", "duration": 2, "generate_audio": None},
                      "Shot 1 gives a last frame"),
    "over the limit": ([{"image": "city.jpg", "prompt": "a", "takes": 4}], {"duration": 12},
                       "over your confirmation limit"),
}  # fmt: skip


@pytest.mark.parametrize("case", BAD)
def test_a_bad_board_is_refused_plainly_and_costs_nothing(tmp_path, emu, case):
    shots, defaults, words = BAD[case]
    textured(tmp_path / "city.jpg")
    (tmp_path / "notes.jpg").write_text("not a picture at all")
    board = write_board(tmp_path, shots, **defaults)
    env = key_env(emu, tmp_path / "data") | {"SEEDANCE_CONFIRM_ABOVE_USD": "0.50"}
    r = cli("board", "render", board, "--json", env=env)
    assert r.returncode == 2, r.stdout + r.stderr
    answer = json.loads(r.stdout)
    assert answer["ok"] is False and words in answer["error"], answer
    assert "Traceback" not in r.stderr
    counts = httpx.get(f"{emu.url}/_emulator/stats").json()["counts"]
    assert counts.get("submit", 0) == 0 and counts.get("upload", 0) == 0


def test_a_failed_shot_leaves_the_continuing_ones_waiting_with_why_and_unpaid(tmp_path, emu):
    httpx.post(f"{emu.url}/_emulator/faults", json={"faults": [{"route": "task", "fail_code": 1200}]})
    r = cli("board", "render", write_board(tmp_path, chain(tmp_path)), "--json", env=key_env(emu, tmp_path / "data"))
    assert r.returncode == 2, r.stdout + r.stderr
    data = json.loads(r.stdout)
    assert data["shots"][0]["problem"] and "failed" in data["shots"][0]["problem"]
    assert "Waiting for shot 1" in data["shots"][1]["problem"] and "Waiting for shot 2" in data["shots"][2]["problem"]
    assert data["film"]["take_id"] is None
    assert submits(emu) == 1  # nothing after the failed shot was sent


@pytest.mark.parametrize("how", ["render again", "seedance recover"])
def test_a_board_killed_while_shot_2_renders_finishes_with_one_submit_per_shot(tmp_path, emu, how):
    emu.emulator.processing_seconds = 2.5
    env = key_env(emu, tmp_path / "data")
    board = write_board(tmp_path, chain(tmp_path))
    proc = subprocess.Popen([sys.executable, "-m", "seedance_ui.cli", "board", "render", board, "--json"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    seen = ""
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = proc.stderr.readline()
            seen += line
            if line.startswith("[shot 2") and "task id" in line:
                break
            assert line or proc.poll() is None, seen
        else:
            pytest.fail(seen)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert submits(emu) == 2
    emu.emulator.processing_seconds = 0.3
    if how == "render again":
        data = render(board, env)  # the same file again picks the unfinished board up
    else:
        r = cli("recover", "--json", env=env)
        assert r.returncode == 0 and "picked up: film made" in r.stderr, r.stdout + r.stderr
        board_id = json.loads(cli("board", "list", "--json", env=env).stdout)[0]["board_id"]
        data = json.loads(cli("board", "show", board_id, "--json", env=env).stdout)
    assert data["ok"] and data["film"]["take_id"] and submits(emu) == 3, data
    assert data["shots"][2]["started_from"] == data["shots"][1]["take_id"]
    boards = json.loads(cli("board", "list", "--json", env=env).stdout)
    assert len(boards) == 1


def test_the_film_can_join_its_shots_with_a_short_crossfade(tmp_path, emu):
    env = demo_env(tmp_path / "data")
    data = render(write_board(tmp_path, chain(tmp_path)), env)
    shots = [video.probe(s["video"])["frames"] for s in data["shots"]]
    r = cli("board", "film", data["board_id"], "--crossfade", "0.5", "--json", env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    faded = json.loads(r.stdout)["film"]
    assert faded["take_id"] != data["film"]["take_id"]
    info = video.probe(faded["video"])
    assert abs(info["frames"] - (sum(shots) - 2 * 12)) <= 3, (info["frames"], shots)  # 12 frames shared per join
    assert info["audio"]
    # At the middle of the first join the picture is a blend: nearer the mix of the two shots than to either.
    frames = [f.to_ndarray(format="rgb24").astype(float) for f in _decode(faded["video"])]
    mid = shots[0] - 12 + 6
    a, b = frames[mid - 7], frames[mid + 7]  # well inside shot 1's end and shot 2's start of the blend
    assert np.abs(frames[mid] - (a + b) / 2).mean() < np.abs(frames[mid] - a).mean()
    bad = cli("board", "film", data["board_id"], "--crossfade", "5", "--json", env=env)
    assert bad.returncode == 2 and "0 (a cut) to 2" in json.loads(bad.stdout)["error"]


def _decode(path):
    import av

    with av.open(str(path)) as c:
        return list(c.decode(c.streams.video[0]))

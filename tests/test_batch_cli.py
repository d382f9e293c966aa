"""`seedance batch` and `seedance queue` as real processes: every bad input refused in plain words with nothing
sent, refused rows named by row and column, formulas written back as text, the spend limit, and a folder batch
in demo mode end to end."""

import csv
import json
import os
import subprocess
import sys

import pytest
from conftest import LITE, TEST_KEY, make_photo


def run(*args: str, env: dict, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "seedance_ui.cli", *args], env=env, capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)  # fmt: skip


def demo_env(data) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("WAVESPEED_API_KEY", "WAVESPEED_BASE_URL")}
    return env | {"SEEDANCE_DATA_DIR": str(data)}


def key_env(emu, data) -> dict:
    return demo_env(data) | {"WAVESPEED_API_KEY": TEST_KEY, "WAVESPEED_BASE_URL": emu.url}


def write_csv(path, rows, header=("image", "prompt", "model_id", "duration")):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


@pytest.fixture
def pics(tmp_path):
    folder = tmp_path / "pics"
    folder.mkdir()
    (folder / "a.jpg").write_bytes(make_photo(640, 480))
    (folder / "b.png").write_bytes(make_photo(480, 640, fmt="PNG"))
    (folder / "notes.txt").write_text("not a picture")
    return folder


def bad_sources(tmp_path, pics):
    """(name, source, words the refusal must contain)."""
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    header_only = write_csv(tmp_path / "header.csv", [])
    huge = write_csv(tmp_path / "huge.csv", [["pics/a.jpg", f"shot {i}", LITE, 2] for i in range(10_000)])
    latin = tmp_path / "latin.csv"
    latin.write_bytes("image,prompt\npics/a.jpg,caf\xe9 au lait\n".encode("latin-1"))
    columns = write_csv(tmp_path / "cols.csv", [["pics/a.jpg", "x", 2]], header=("image", "prompt", "durration"))
    no_pics = tmp_path / "nopics"
    no_pics.mkdir()
    (no_pics / "readme.txt").write_text("hi")
    fake = pics / "fake.jpg"
    fake.write_text("this is text, not a JPEG")
    return [
        ("empty", empty, "is empty"), ("header only", header_only, "no rows"),
        ("10,000 rows", huge, "at most 1,000"), ("not UTF-8", latin, "UTF-8"),
        ("unknown column", columns, "durration"), ("no pictures", no_pics, "no pictures"),
        ("missing picture", write_csv(tmp_path / "m.csv", [["pics/gone.jpg", "x", LITE, 2]]),
         "row 2, image: Can't read gone.jpg: it does not exist"),
        ("not a picture", write_csv(tmp_path / "f.csv", [["pics/fake.jpg", "x", LITE, 2]]), "row 2, image:"),
        ("unknown model", write_csv(tmp_path / "u.csv", [["pics/a.jpg", "x", "acme/video-9000", 2]]),
         "row 2, model_id:"),
        ("duration out of range", write_csv(tmp_path / "d.csv", [["pics/a.jpg", "x", LITE, 99]]),
         "row 2, duration:"),
        ("duration not a number", write_csv(tmp_path / "n.csv", [["pics/a.jpg", "x", LITE, "five"]]),
         "row 2, duration: 'five' is not a whole number"),
    ]  # fmt: skip


def test_bad_input_gets_a_plain_reason_and_sends_nothing(emu, tmp_path, pics):
    env = key_env(emu, tmp_path / "data")
    for name, source, words in bad_sources(tmp_path, pics):
        out = run("batch", str(source), "--yes", env=env)
        assert out.returncode == 2, (name, out.stdout, out.stderr)
        said = out.stdout + out.stderr
        assert words in said, (name, said)
        assert "Traceback" not in said and len(said) < 2000, name
    assert emu.emulator.count("submit") == 0 and emu.emulator.count("upload") == 0, "nothing was sent"


def test_refused_rows_json_names_row_column_reason(emu, tmp_path, pics):
    source = write_csv(tmp_path / "mixed.csv", [["pics/a.jpg", "fine", LITE, 2], ["pics/a.jpg", "long", LITE, 99]])
    out = run("batch", str(source), "--price-only", "--json", env=key_env(emu, tmp_path / "data"))
    assert out.returncode == 0, out.stdout + out.stderr
    data = json.loads(out.stdout)
    assert [r["ok"] for r in data["rows"]] == [True, False] and data["total_usd"] == data["rows"][0]["price_usd"]
    assert [(p["row"], p["column"]) for p in data["refused"]] == [(3, "duration")]
    assert emu.emulator.count("submit") == 0


def test_spend_limit_needs_yes(emu, tmp_path, pics):
    source = write_csv(tmp_path / "one.csv", [["pics/a.jpg", "fine", LITE, 2]])
    env = key_env(emu, tmp_path / "data") | {"SEEDANCE_CONFIRM_ABOVE_USD": "0.01"}
    out = run("batch", str(source), env=env)
    assert out.returncode == 2 and "add --yes" in out.stderr, out.stderr
    assert emu.emulator.count("submit") == 0 and emu.emulator.count("upload") == 0


def test_folder_batch_in_demo_mode_and_formulas_written_as_text(tmp_path, pics):
    env, out_dir = demo_env(tmp_path / "data"), tmp_path / "out"
    out_dir.mkdir()
    prompt = '=HYPERLINK("http://example.com","click")'
    (pics / "fake.jpg").write_text("text")  # a refused picture in the folder: named, the rest still run
    out = run("batch", str(pics), "--prompt", prompt, "--out", str(out_dir), "--json", "--demo-seconds", "0.3",
              env=env)  # fmt: skip
    assert out.returncode == 0, out.stdout + out.stderr
    data = json.loads(out.stdout)
    assert len(data["takes"]) == 2 and all(t["ok"] for t in data["takes"])
    assert all((out_dir / os.path.basename(t["video"])).stat().st_size > 0 for t in data["takes"])
    assert [p["column"] for p in data["refused"]] == ["image"] and "$" not in out.stderr  # demo: no money words
    with open(data["results_csv"], newline="") as f:
        rows = list(csv.DictReader(f))
    assert {r["prompt"] for r in rows if r["state"] == "downloaded"} == {"'" + prompt}
    hist = json.loads(run("history", "--json", env=env).stdout)
    assert sorted(t["state"] for t in hist) == ["downloaded", "downloaded"]


def test_queue_list_pause_resume_cancel(tmp_path, pics):
    from seedance_ui import runtime
    from seedance_ui.plan import Choices, Plan
    from seedance_ui.takes.queue_runner import enqueue

    data, env = tmp_path / "data", demo_env(tmp_path / "data")
    rt = runtime.start(data_dir=data, serve_demo=False)
    ids = [t.id for t in enqueue(rt.session(), Plan.make(Choices.of(model_id=LITE, prompt="x", duration=2, takes=3)),
                                 pics / "a.jpg")]  # fmt: skip
    rt.close()
    listed = json.loads(run("queue", "list", "--json", env=env).stdout)
    assert [i["position"] for i in listed["items"]] == [1, 2, 3] and listed["eta_seconds"] > 0
    assert run("queue", "pause", env=env).returncode == 0
    assert json.loads(run("queue", "--json", env=env).stdout)["paused"] is True
    out = run("queue", "run", "--json", "--demo-seconds", "0.3", env=env)
    assert out.returncode == 0 and json.loads(out.stdout)["takes"] == []  # paused: nothing starts
    assert run("queue", "cancel", ids[1], env=env).returncode == 0
    assert run("queue", "resume", env=env).returncode == 0
    out = run("queue", "run", "--json", "--demo-seconds", "0.3", env=env)
    assert out.returncode == 0, out.stdout + out.stderr
    ran = {t["take_id"]: t["state"] for t in json.loads(out.stdout)["takes"]}
    assert ran == {ids[0]: "downloaded", ids[2]: "downloaded"}
    hist = {t["take_id"]: t for t in json.loads(run("history", "--json", env=env).stdout)}
    assert hist[ids[1]]["state"] == "cancelled" and hist[ids[1]]["task_id"] is None
    assert run("queue", "cancel", env=env).returncode == 2

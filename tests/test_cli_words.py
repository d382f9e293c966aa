"""The commands' own sentences (boards, queue, history, refusals) are said in the run's language (--lang, LC_ALL,
LANG), and in English by default exactly as before (issue 19, "words at the edge")."""

import os
import subprocess
import sys

import pytest

from seedance_ui.words.said import said, say


def seedance(*args: str, data, lang: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("WAVESPEED_API_KEY", "WAVESPEED_BASE_URL", "LC_ALL")}
    env |= {"SEEDANCE_DATA_DIR": str(data), "LANG": "C.UTF-8"}
    argv = [*(("--lang", lang) if lang else ()), *args]
    return subprocess.run([sys.executable, "-m", "seedance_ui.cli", *argv], capture_output=True, text=True,
                          env=env, timeout=120)  # fmt: skip


CASES = [
    (("board", "list"), said("cli.no_boards"), "No boards yet."),
    (("queue", "list"), said("cli.queue_empty"), "The queue is empty."),
    (("queue", "pause"), said("cli.queue_paused_now"), "Paused: nothing new starts; takes already started finish."),
    (("history",), said("cli.no_takes"), "No takes yet."),
]


@pytest.mark.parametrize(
    ("argv", "message", "english"), CASES, ids=lambda v: " ".join(v) if isinstance(v, tuple) else ""
)
def test_a_command_says_its_answer_in_the_language_asked(tmp_path, argv, message, english):
    assert seedance(*argv, data=tmp_path).stdout.strip() == english  # the default is English, word for word
    for locale in ("es", "ja"):
        out = seedance(*argv, data=tmp_path, lang=locale).stdout.strip()
        assert out == say(message, locale) and out != english


def test_a_refusal_of_the_command_itself_is_said_in_the_language(tmp_path):
    ja = seedance("queue", "list", "abc", data=tmp_path, lang="ja")
    assert ja.returncode == 2 and ja.stderr.strip() == say(said("cli.queue_takes_no_id", action="list"), "ja")
    en = seedance("board", "retake", "b1", "0", data=tmp_path)
    assert en.returncode == 2 and en.stderr.strip() == "Shots are numbered from 1."
    es = seedance("board", "retake", "b1", "0", data=tmp_path, lang="es")
    assert es.stderr.strip() == say(said("cli.board_shots_from_one"), "es") != en.stderr.strip()


def test_the_price_line_and_where_the_price_comes_from_are_said_in_the_language(tmp_path):
    """`seedance price`: the settings, the price, the rate and its source, in the run's language; the JSON's source
    stays English (for scripts)."""
    argv = ("price", "--model", "bytedance/seedance-v1-pro-i2v-480p", "--duration", "5")
    english = seedance(*argv, data=tmp_path).stdout
    spanish = seedance(*argv, data=tmp_path, lang="es").stdout
    assert "per second" in english and "por segundo" in spanish and "per second" not in spanish, spanish
    assert "Smart Duration" not in spanish and spanish.splitlines()[0].startswith("Seedance")
    import json

    data = json.loads(seedance(*argv, "--json", data=tmp_path, lang="es").stdout)
    assert data["source"] and data["source"] in english  # a citation of WaveSpeed's page, as it is, in both

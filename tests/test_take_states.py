"""The take states as one type: stored as the same words, compared with plain strings, and read back typed."""

from __future__ import annotations

import json

import pytest

from seedance_ui.journal import Journal, Take
from seedance_ui.takes.states import ENDED, OUTCOME_UNKNOWN, UNFINISHED, TakeState


def test_a_state_is_its_stored_word():
    assert TakeState.DOWNLOADED == "downloaded"
    assert f"{TakeState.NOT_STARTED}" == "not_started" and str(TakeState.QUEUED) == "queued"
    assert json.dumps({"s": TakeState.UNKNOWN}) == '{"s": "unknown"}'
    assert {"queued": 1}[TakeState.QUEUED] == 1


def test_the_named_sets_split_every_state_once():
    assert set(UNFINISHED) | set(ENDED) == set(TakeState)
    assert not set(UNFINISHED) & set(ENDED)
    assert set(OUTCOME_UNKNOWN) <= set(UNFINISHED)


def test_the_journal_stores_words_and_reads_states(tmp_path):
    journal = Journal(tmp_path / "j.sqlite")
    journal.add(Take(id="t1", state=TakeState.PREPARING))
    raw = journal._db.execute("SELECT state FROM takes WHERE id = 't1'").fetchone()[0]
    assert raw == "preparing" and type(raw) is str
    updated = journal.update("t1", state="submitted")
    assert updated.state is TakeState.SUBMITTED and not updated.finished
    assert journal.get("t1").state is TakeState.SUBMITTED
    with pytest.raises(ValueError):
        journal.update("t1", state="teleported")
    assert [t.id for t in journal.unfinished()] == ["t1"]
    journal.update("t1", state=TakeState.DOWNLOADED)
    assert journal.unfinished() == [] and journal.get("t1").finished

"""Which of WaveSpeed's listed jobs is which lost take, after submits whose answers never arrived (issue 25).

On WaveSpeed an account has several keys and a web playground sharing one job list, so a job of the same model
from the same minute may be someone else's. When the list carries each job's inputs (asked with
``include_inputs: true``), a job is a take's only if its inputs match what the take sent: image URL, prompt,
seed and settings. When it doesn't, model and time are all there is: jobs are paired with takes in submit order
only when there are no more jobs than takes. Whenever a take has two or more jobs it can't be told from, it is
never adopted silently: ``CantTell`` names them, and the person picks (History, or ``seedance recover TASK_ID``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .journal import Take
from .prediction import Prediction
from .takes.states import OUTCOME_UNKNOWN
from .words.said import Said, said

IDENTIFYING = ("image", "video", "last_image", "prompt")
CANT_TELL = "cant_tell"
"""The error code a take keeps while two listed jobs could each be its own."""


@dataclass(frozen=True)
class Pairing:
    take_id: str
    task_id: str
    note: Said


@dataclass(frozen=True)
class CantTell:
    take_id: str
    task_ids: tuple[str, ...]
    by_inputs: bool


def same_job(sent: Mapping[str, Any], listed: Mapping[str, Any]) -> bool:
    """True when a listed job's inputs agree with what a take sent, on every input both name, and they share at
    least one of the inputs that tell jobs apart (its picture or video, its prompt). A random seed (-1) sent is not
    compared (WaveSpeed may list the seed it drew)."""
    shared = [k for k in sent if k in listed and not (k == "seed" and sent[k] == -1)]
    if not any(k in shared for k in IDENTIFYING):
        return False
    return all(_same(sent[k], listed[k]) for k in shared)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return not isinstance(b, bool) and float(a) == float(b)
    return a == b


def pair(takes: Sequence[Take], free: Sequence[Prediction]) -> tuple[list[Pairing], list[CantTell]]:
    """Pair lost takes of one model (in submit order) with the listed jobs no take holds (oldest first). A take
    with no payload on record (a row from before payloads were kept) can only be paired by time."""
    if not any(p.inputs is not None for p in free):
        return _by_time(takes, free)
    pairings, unclear = _by_inputs([t for t in takes if t.payload], free)
    blind = [t for t in takes if not t.payload]
    if blind:
        taken = {p.task_id for p in pairings}
        more = _by_time(blind, [p for p in free if p.id not in taken])
        pairings, unclear = pairings + more[0], unclear + more[1]
    return pairings, unclear


def _by_inputs(takes: Sequence[Take], free: Sequence[Prediction]) -> tuple[list[Pairing], list[CantTell]]:
    pairings: list[Pairing] = []
    unclear: list[CantTell] = []
    taken: set[str] = set()
    for take in takes:
        fits = [p for p in free if p.id not in taken and p.inputs is not None and same_job(take.payload, p.inputs)]
        twins = [t for t in takes if t.payload == take.payload]
        if len(fits) == 1 or (len(fits) > 1 and len(twins) >= len(fits)):
            # one match; or identical takes (same inputs, same seed) and no more matching jobs than twins: any
            # of them is the same video, so submit order decides
            job = fits[0]
            taken.add(job.id)
            pairings.append(Pairing(take.id, job.id, said("note.adopted_by_inputs")))
        elif len(fits) > 1:
            unclear.append(CantTell(take.id, tuple(p.id for p in fits), by_inputs=True))
    return pairings, unclear


def _by_time(takes: Sequence[Take], free: Sequence[Prediction]) -> tuple[list[Pairing], list[CantTell]]:
    if len(free) > len(takes) or (any(t.error_code == CANT_TELL for t in takes) and free):
        # more jobs than lost takes: one at least is not ours, and nothing says which
        return [], [CantTell(t.id, tuple(p.id for p in free), by_inputs=False) for t in takes]
    pairings = []
    for i, (take, job) in enumerate(zip(takes, free, strict=False)):
        note = said("note.adopted_only_job") if len(takes) == 1 and len(free) == 1 else \
            said("note.adopted_by_order", n=i + 1, takes=len(takes), jobs=len(free))  # fmt: skip
        pairings.append(Pairing(take.id, job.id, note))
    return pairings, []


def cant_tell_message(unclear: CantTell) -> Said:
    """What the person is told, with every task id it could be."""
    ids = ", ".join(unclear.task_ids)
    if unclear.by_inputs:
        return said("take.cant_tell_same_inputs", count=len(unclear.task_ids), ids=ids)
    return said("take.cant_tell_same_time", count=len(unclear.task_ids), ids=ids)


def lost_take_for(unfinished: Sequence[Take], p: Prediction, window_before: float, window_after: float) -> Take | None:
    """The oldest of these takes whose submit outcome is unknown, of the task's model, sent in the window around the
    task's creation: the take a task id given by hand belongs to."""
    created = p.created.timestamp() if p.created else None
    if created is None:
        return None
    for t in sorted(unfinished, key=lambda t: t.submitted_at or t.created_at):
        sent = t.submitted_at or t.created_at
        if t.state in OUTCOME_UNKNOWN and not t.task_id and t.model_id == p.model \
                and -window_after <= sent - created <= window_before:  # fmt: skip
            return t
    return None

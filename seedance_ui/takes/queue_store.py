"""Queued takes in the journal: added with their whole plan, claimed one at a time under a lease.

A queued take is a journal row in state ``queued``: nothing sent, not charged, its plan (``queue_plan``: the
choices with the take's seed, its prepared pictures) serialised so any process can run it. A runner claims the
next one with ONE ``UPDATE … RETURNING`` that also checks the account level's limits against every start the
journal holds (``submitted_at``, whoever sent it, before or after a restart), so the app and the CLI on one data
folder never run the same take nor together go past the level. A claim is a lease: the runner renews it while it
works; a claim whose lease ran out (its process died) goes back to the queue if nothing was sent yet, and is
finished by the next ``seedance queue run`` (no second POST) if it was.
"""

from __future__ import annotations

import json
import os
import socket
import time
from dataclasses import dataclass
from typing import Any

from ..errors import Money
from ..journal import Journal, Take
from ..words.said import Said, said, say
from .levels import Level
from .states import AT_WAVESPEED, OUTCOME_UNKNOWN, UNDER_WAY, UNFINISHED, TakeState

_SENT_NOT_DONE = (*OUTCOME_UNKNOWN, *AT_WAVESPEED)
"""Sent (or maybe sent) and not finished rendering: what counts as running at WaveSpeed."""


def _sql_in(states: tuple[TakeState, ...]) -> str:
    """A state set as an SQL list of its stored words (the values are this module's own constants)."""
    return ", ".join(f"'{s.value}'" for s in states)


_PREPARING, _QUEUED = TakeState.PREPARING.value, TakeState.QUEUED.value
BUSY_FOR = 3600.0
"""A start older than this no longer counts as running at WaveSpeed (a take left unrecovered for an hour)."""

_PROMISED = "(SELECT count(*) FROM queue_meta WHERE key LIKE 'start:%' AND CAST(value AS REAL) > :now)"
"""Starts promised outside the queue (a storyboard's shots: ``promise_start``) and not yet stamped on a take."""
_ROOM = f"""
  (SELECT count(*) FROM takes WHERE max(coalesce(submitted_at, 0), coalesce(claimed_at, 0)) > :since
       AND (submitted_at IS NOT NULL OR (state = '{_PREPARING}' AND lease_until > :now))) + {_PROMISED} < :per_minute
  AND (SELECT count(*) FROM takes WHERE (state IN ({_sql_in(_SENT_NOT_DONE)})
       AND submitted_at > :busy_since) OR (state = '{_PREPARING}' AND lease_until > :now)) + {_PROMISED} < :at_once
"""
_CLAIM = f"""
UPDATE takes SET state = '{_PREPARING}', lease_owner = :me, lease_until = :until, claimed_at = :now, updated_at = :now
WHERE id = (SELECT id FROM takes WHERE state = '{_QUEUED}' AND session = :owner ORDER BY queue_pos, created_at LIMIT 1)
  AND NOT EXISTS (SELECT 1 FROM queue_meta WHERE key = 'paused:' || :owner)
  AND {_ROOM}
RETURNING id
"""
_PROMISE = f"INSERT INTO queue_meta (key, value) SELECT :key, :until WHERE {_ROOM} RETURNING key"
PROMISE_LIFE = 300.0
"""Seconds a promised start lives if its process dies before stamping its take (its pictures go up meanwhile)."""


@dataclass
class QueueItem:
    take: Take
    plan: dict[str, Any]
    position: int | None
    """1 for the next to start; None once claimed."""
    lease_owner: str | None
    lease_until: float | None
    batch: str | None


def runner_id() -> str:
    """host:pid:random: a claim names the process that holds it, so one on this computer whose process is gone
    is given back at once rather than when its lease runs out."""
    import uuid

    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _gone(owner: str) -> bool:
    host, _, rest = owner.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:  # alive, someone else's
        return False
    return False


class QueueStore:
    def __init__(self, journal: Journal) -> None:
        self.journal = journal

    def _tx(self):  # type: ignore[no-untyped-def]
        return self.journal._tx()  # one write lock with the journal's own writes

    def _read(self, sql: str, args: Any = ()) -> list[Any]:
        with self.journal._lock:
            return self.journal._db.execute(sql, args).fetchall()

    # Adding and claiming ---------------------------------------------------------------------------------

    def add(self, take: Take, plan: dict[str, Any], batch: str | None = None) -> Take:
        """Queue a take (nothing sent, not charged) with its plan, after every take already queued."""
        take.state, take.money = TakeState.QUEUED, Money.NOT_CHARGED.value
        row = Journal._row(take) | {"queue_plan": json.dumps(plan, sort_keys=True), "batch": batch}
        cols, marks = ", ".join(row), ", ".join(f":{k}" for k in row)
        with self._tx() as db:
            last = db.execute("SELECT max(queue_pos) FROM takes").fetchone()[0]
            row["queue_pos"] = (last or 0) + 1
            db.execute(f"INSERT INTO takes ({cols}, queue_pos) VALUES ({marks}, :queue_pos)", row)
        return take

    def claim(self, me: str, owner: str, level: Level, minute_s: float, lease: float, *,
              extra_start: bool = False) -> str | None:  # fmt: skip
        """The next queued take of ``owner``, claimed by runner ``me`` if the level allows one more start now
        (``extra_start``: one start over the level's minute, auto's probe); None otherwise. One atomic statement."""
        from .levels import window

        now = time.time()
        args = {"me": me, "owner": owner, "now": now, "until": now + lease, "since": now - window(minute_s),
                "busy_since": now - BUSY_FOR, "per_minute": level.per_minute + int(extra_start),
                "at_once": level.at_once}  # fmt: skip
        with self._tx() as db:
            row = db.execute(_CLAIM, args).fetchone()
        return row[0] if row else None

    def promise_start(self, level: Level, minute_s: float) -> str | None:
        """Room for one start outside the queue, if the level leaves it now (counted as the claim counts, with
        the queue's claims and every other promise): its key, to ``release_start`` once the take's start is
        stamped in the journal; None when there is no room. One atomic statement, as the claim."""
        import uuid

        from .levels import window

        now = time.time()
        args = {"key": f"start:{uuid.uuid4().hex}", "now": now, "until": str(now + PROMISE_LIFE),
                "since": now - window(minute_s), "busy_since": now - BUSY_FOR, "per_minute": level.per_minute,
                "at_once": level.at_once}  # fmt: skip
        with self._tx() as db:
            row = db.execute(_PROMISE, args).fetchone()
        return row[0] if row else None

    def release_start(self, key: str) -> None:
        self.set_meta(key, None)

    def still_mine(self, take_id: str, me: str, lease: float) -> bool:
        """Renew the claim just before sending; False if the lease ran out and someone else has it."""
        with self._tx() as db:
            cur = db.execute("UPDATE takes SET lease_until = ? WHERE id = ? AND lease_owner = ? AND state = 'preparing'",
                             (time.time() + lease, take_id, me))  # fmt: skip
        return cur.rowcount == 1

    def mark_started(self, take_id: str) -> None:
        """WaveSpeed answered the take's POST: its start is counted from now on (``claimed_at``), the latest it
        can have arrived, since our ``submitted_at`` stamps it before it leaves."""
        with self._tx() as db:
            db.execute("UPDATE takes SET claimed_at = ? WHERE id = ?", (time.time(), take_id))

    def renew(self, me: str, lease: float) -> int:
        """Keep every claim of runner ``me`` alive for ``lease`` more seconds."""
        marks = ", ".join("?" for _ in (TakeState.PREPARING, *UNDER_WAY))
        with self._tx() as db:
            cur = db.execute(f"UPDATE takes SET lease_until = ? WHERE lease_owner = ? AND state IN ({marks})",
                             (time.time() + lease, me, TakeState.PREPARING, *UNDER_WAY))  # fmt: skip
        return cur.rowcount

    def expire_gone(self) -> None:
        """End the leases of runners on this computer whose process no longer exists (killed, crashed)."""
        now = time.time()
        owners = [r[0] for r in self._read("SELECT DISTINCT lease_owner FROM takes WHERE lease_until > ? AND "
                                           "lease_owner IS NOT NULL", (now,))]  # fmt: skip
        for owner in filter(_gone, owners):
            with self._tx() as db:
                db.execute("UPDATE takes SET lease_until = ? WHERE lease_owner = ?", (now - 1, owner))

    def held_elsewhere(self, me: str, owner: str) -> int:
        """The owner's queued takes another live runner is working on."""
        marks = ", ".join("?" for _ in (TakeState.PREPARING, *UNDER_WAY))
        rows = self._read(f"SELECT count(*) FROM takes WHERE session = ? AND queue_plan IS NOT NULL AND state IN "
                          f"({marks}) AND lease_owner != ? AND lease_until > ?",
                          (owner, TakeState.PREPARING, *UNDER_WAY, me, time.time()))  # fmt: skip
        return int(rows[0][0])

    def release_expired(self) -> int:
        """Claims whose runner died before sending anything go back to the queue, in their place."""
        self.expire_gone()
        with self._tx() as db:
            cur = db.execute("UPDATE takes SET state = 'queued', lease_owner = NULL, lease_until = NULL, "
                             "claimed_at = NULL WHERE state = 'preparing' AND queue_plan IS NOT NULL "
                             "AND lease_until < ?", (time.time(),))  # fmt: skip
        return cur.rowcount

    def adopt_abandoned(self, me: str, owner: str, lease: float) -> list[str]:
        """Queued takes that were sent but whose runner's lease ran out (it died): claimed by ``me`` to finish."""
        self.expire_gone()
        marks = ", ".join("?" for _ in UNDER_WAY)
        now = time.time()
        with self._tx() as db:
            rows = db.execute(f"UPDATE takes SET lease_owner = ?, lease_until = ? WHERE session = ? AND state IN "
                              f"({marks}) AND queue_plan IS NOT NULL AND (lease_until IS NULL OR lease_until < ?) "
                              "RETURNING id", (me, now + lease, owner, *UNDER_WAY, now)).fetchall()  # fmt: skip
        return [r[0] for r in rows]

    def requeue(self, take_id: str, why: Said) -> None:
        """A submit WaveSpeed refused with 429 (nothing started): back to the front of the queue."""
        with self._tx() as db:
            first = db.execute("SELECT min(queue_pos) FROM takes WHERE state = 'queued'").fetchone()[0]
            db.execute("UPDATE takes SET state = 'queued', money = ?, submitted_at = NULL, payload = '{}', "
                       "lease_owner = NULL, lease_until = NULL, claimed_at = NULL, error_code = NULL, "
                       "error_message = NULL, message_id = NULL, message_params = '{}', note = ?, note_said = ?, "
                       "queue_pos = ? WHERE id = ?",
                       (Money.NOT_CHARGED.value, say(why), json.dumps(why.to_json()), (first or 1) - 1, take_id))  # fmt: skip

    # Pause, cancel, settings ------------------------------------------------------------------------------

    def set_meta(self, key: str, value: str | None) -> None:
        with self._tx() as db:
            if value is None:
                db.execute("DELETE FROM queue_meta WHERE key = ?", (key,))
            else:
                db.execute("INSERT OR REPLACE INTO queue_meta (key, value) VALUES (?, ?)", (key, value))

    def meta(self, key: str) -> str | None:
        rows = self._read("SELECT value FROM queue_meta WHERE key = ?", (key,))
        return rows[0][0] if rows else None

    def pause(self, owner: str) -> None:
        self.set_meta(f"paused:{owner}", str(time.time()))

    def resume(self, owner: str) -> None:
        self.set_meta(f"paused:{owner}", None)

    def paused(self, owner: str) -> bool:
        return self.meta(f"paused:{owner}") is not None

    def cancel(self, take_id: str, owner: str) -> bool:
        """Take a queued take out of the queue (nothing was sent). False when it is no longer queued."""
        with self._tx() as db:
            why = said("take.unqueued")  # kept by id, to be said in the reader's language
            cur = db.execute("UPDATE takes SET state = 'cancelled', money = ?, error_code = 'cancelled', "
                             "error_message = ?, message_id = ?, message_params = '{}', "
                             "updated_at = ? WHERE id = ? AND session = ? AND state = 'queued'",
                             (Money.NOT_CHARGED.value, say(why), why.id, time.time(), take_id, owner))  # fmt: skip
        return cur.rowcount == 1

    # Reading ----------------------------------------------------------------------------------------------

    def items(self, owner: str, *, batch: str | None = None, include_done: bool = False) -> list[QueueItem]:
        """The owner's queued takes in order, then those under way; with ``include_done`` the ended ones too."""
        sql = "SELECT * FROM takes WHERE session = ? AND queue_plan IS NOT NULL"
        args: list[Any] = [owner]
        if batch:
            sql += " AND batch = ?"
            args.append(batch)
        if not include_done:
            sql += f" AND state IN ({_sql_in(UNFINISHED)})"
        rows = self._read(sql + f" ORDER BY state != '{_QUEUED}', queue_pos, created_at", args)
        out, pos = [], 0
        for r in rows:
            queued = r["state"] == TakeState.QUEUED
            pos += queued
            out.append(QueueItem(Journal._take(r), json.loads(r["queue_plan"]), pos if queued else None,
                                 r["lease_owner"], r["lease_until"], r["batch"]))  # fmt: skip
        return out

    def queued_count(self, owner: str) -> int:
        return int(self._read("SELECT count(*) FROM takes WHERE session = ? AND state = 'queued'", (owner,))[0][0])

    def recent_starts(self, minute_s: float) -> list[float]:
        """Ages (s) of every start in the last window, whoever made it."""
        from .levels import window

        now = time.time()
        rows = self._read("SELECT max(submitted_at, coalesce(claimed_at, 0)) FROM takes WHERE submitted_at IS NOT "
                          "NULL AND max(submitted_at, coalesce(claimed_at, 0)) > ?", (now - window(minute_s),))  # fmt: skip
        return [now - r[0] for r in rows]

    def running(self) -> list[Take]:
        marks = ", ".join("?" for _ in _SENT_NOT_DONE)
        rows = self._read(f"SELECT * FROM takes WHERE state IN ({marks}) AND submitted_at > ?",
                          (*_SENT_NOT_DONE, time.time() - BUSY_FOR))  # fmt: skip
        return [Journal._take(r) for r in rows]

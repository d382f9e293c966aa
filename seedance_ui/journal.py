"""The journal of takes: SQLite (WAL) in the user's data folder, written before anything is sent or waited on.

The states a take moves through, and what each means for the money, are drawn in ``takes/ledger.py`` (the only place
that changes a take's state). ``Take.owner`` (the ``session`` column) is whose take it is: "local" on a desktop, a
salted fingerprint of a key or a random visitor token on a Space.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from .errors import JournalError
from .takes.states import UNFINISHED, TakeState
from .words.said import said


@dataclass
class Take:
    """One render as the journal keeps it."""

    id: str
    owner: str = "local"
    """Whose take it is: "local" on a desktop, a salted fingerprint of a key or a random visitor token on a Space
    (stored in the journal's ``session`` column)."""
    state: TakeState = TakeState.SUBMITTING
    model_id: str = ""
    prompt: str = ""
    settings: dict[str, Any] = field(default_factory=dict)
    """Every setting as the person chose it, with the resolved seed."""
    payload: dict[str, Any] = field(default_factory=dict)
    """The exact JSON body submitted (image URLs included). Reconciliation (``job_match``) pairs a lost take with a
    listed job by model and time, and by these inputs only when WaveSpeed's list carries the job's inputs."""
    seed: int | None = None
    price_usd: str = ""
    price_published: bool = True
    task_id: str | None = None
    created_at: float = field(default_factory=time.time)
    updated_at: float = field(default_factory=time.time)
    submitted_at: float | None = None
    completed_at: float | None = None
    render_seconds: float | None = None
    error_code: str | None = None
    error_message: str | None = None
    money: str | None = None
    video_path: str | None = None
    poster_path: str | None = None
    sidecar_path: str | None = None
    first_image: str | None = None
    last_image: str | None = None
    output_url: str | None = None
    note: str | None = None
    """How the take was matched or finished, in plain words (e.g. adopted from WaveSpeed's list by time)."""
    message_id: str | None = None
    """The id of the message that says why the take ended or waits (``words``); ``error_message`` is its English.
    None on a take written before messages had ids: its ``error_message`` is shown as it is."""
    message_params: dict[str, Any] = field(default_factory=dict)
    """That message's parameters (``Said.to_json``)."""
    note_said: dict[str, Any] = field(default_factory=dict)
    """``note`` as a message (``Said.to_json``: its id and parameters); empty on older takes (``note`` as is)."""

    @property
    def finished(self) -> bool:
        return self.state not in UNFINISHED

    @property
    def eta_key(self) -> tuple[str, str, int]:
        return (self.model_id, str(self.settings.get("resolution", "")), int(self.settings.get("duration", 0)))


_JSON_FIELDS = {"settings", "payload", "message_params", "note_said"}
_COLUMN_OF = {"owner": "session"}
"""The one place a Take's field and its journal column have different names (the column keeps its old name)."""
_FIELD_OF = {column: name for name, column in _COLUMN_OF.items()}
_COLUMNS = [_COLUMN_OF.get(f.name, f.name) for f in fields(Take)]


def _migration_1(db: sqlite3.Connection) -> None:
    db.execute(
        """CREATE TABLE takes (
            id TEXT PRIMARY KEY, session TEXT NOT NULL, state TEXT NOT NULL, model_id TEXT NOT NULL,
            prompt TEXT NOT NULL, settings TEXT NOT NULL, payload TEXT NOT NULL, seed INTEGER,
            price_usd TEXT, price_published INTEGER, task_id TEXT, created_at REAL NOT NULL,
            updated_at REAL NOT NULL, submitted_at REAL, completed_at REAL, render_seconds REAL,
            error_code TEXT, error_message TEXT, money TEXT, video_path TEXT, poster_path TEXT,
            sidecar_path TEXT, first_image TEXT, last_image TEXT
        )"""
    )
    db.execute("CREATE INDEX takes_session_created ON takes(session, created_at DESC)")
    db.execute("CREATE INDEX takes_state ON takes(state)")
    db.execute("CREATE INDEX takes_task ON takes(task_id)")


def _migration_2(db: sqlite3.Connection) -> None:
    db.execute("ALTER TABLE takes ADD COLUMN output_url TEXT")


def _migration_3(db: sqlite3.Connection) -> None:
    db.execute("ALTER TABLE takes ADD COLUMN note TEXT")


def _migration_4(db: sqlite3.Connection) -> None:
    """The queue (``takes/queue_store.py``): a queued take holds its whole plan; a runner claims it under a lease."""
    for column in ("queue_plan TEXT", "queue_pos REAL", "lease_owner TEXT", "lease_until REAL", "claimed_at REAL",
                   "batch TEXT"):  # fmt: skip
        db.execute(f"ALTER TABLE takes ADD COLUMN {column}")
    db.execute("CREATE INDEX takes_queue ON takes(state, queue_pos)")
    db.execute("CREATE INDEX takes_submitted ON takes(submitted_at)")
    db.execute("CREATE TABLE queue_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")


def _migration_boards(db: sqlite3.Connection) -> None:
    # IF NOT EXISTS: another branch may add its own migration at the same version; the table stands either way.
    db.execute(
        """CREATE TABLE IF NOT EXISTS boards (
            id TEXT PRIMARY KEY, owner TEXT NOT NULL, name TEXT NOT NULL, document TEXT NOT NULL,
            created_at REAL NOT NULL, updated_at REAL NOT NULL
        )"""
    )
    db.execute("CREATE INDEX IF NOT EXISTS boards_owner_updated ON boards(owner, updated_at DESC)")


def _migration_6(db: sqlite3.Connection) -> None:
    """Why a take ended, as a message id and its parameters (rendered in the reader's language); older rows keep
    only their English ``error_message``, shown as it is."""
    db.execute("ALTER TABLE takes ADD COLUMN message_id TEXT")
    db.execute("ALTER TABLE takes ADD COLUMN message_params TEXT")
    db.execute("ALTER TABLE takes ADD COLUMN note_said TEXT")


MIGRATIONS = [_migration_1, _migration_2, _migration_3, _migration_4, _migration_boards, _migration_6]
"""Schema versions in order; the database's PRAGMA user_version says how many have run."""


def _busy(e: BaseException) -> bool:
    return isinstance(e, sqlite3.OperationalError) and ("locked" in str(e) or "busy" in str(e))


class Journal:
    """Thread-safe; several processes may share one file (WAL, busy timeout)."""

    def __init__(self, path: str | Path, *, busy_timeout: float = 10.0) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self.busy_timeout = busy_timeout
        """Seconds a write waits for another process (a second app, a CLI command) holding the journal."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=busy_timeout)
            self._db.row_factory = sqlite3.Row
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
            self._migrate()
        except (sqlite3.Error, OSError) as e:
            if _busy(e):
                raise JournalError(said("journal.open_busy", path=str(self.path))) from None
            raise JournalError(said("journal.open_failed", path=str(self.path), why=str(e))) from None

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _migrate(self) -> None:
        with self._lock:  # up to date: no write lock needed just to open it
            if self._db.execute("PRAGMA user_version").fetchone()[0] >= len(MIGRATIONS):
                return
        with self._tx() as db:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            for i, step in enumerate(MIGRATIONS[version:], start=version + 1):
                step(db)
                db.execute(f"PRAGMA user_version={i}")

    @property
    def schema_version(self) -> int:
        with self._lock:
            return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    @staticmethod
    def _row(take: Take) -> dict[str, Any]:
        d = {_COLUMN_OF.get(k, k): v for k, v in asdict(take).items()}
        for k in _JSON_FIELDS:
            d[k] = json.dumps(d[k], sort_keys=True)
        d["price_published"] = int(bool(d["price_published"]))
        return d

    @staticmethod
    def _take(row: sqlite3.Row) -> Take:
        d = {_FIELD_OF.get(k, k): row[k] for k in row.keys() if k in _COLUMNS}  # noqa: SIM118 (sqlite3.Row has no __iter__ of keys)
        for k in _JSON_FIELDS:
            d[k] = json.loads(d[k] or "{}")
        d["price_published"] = bool(d["price_published"])
        d["state"] = TakeState(d["state"])
        return Take(**d)

    def add(self, take: Take) -> Take:
        row = self._row(take)
        cols = ", ".join(row)
        marks = ", ".join(f":{k}" for k in row)
        with self._tx() as db:
            db.execute(f"INSERT INTO takes ({cols}) VALUES ({marks})", row)
        return take

    def update(self, take_id: str, **changes: Any) -> Take:
        changes = {_COLUMN_OF.get(k, k): v for k, v in changes.items()}
        bad = set(changes) - set(_COLUMNS)
        if bad:
            raise KeyError(f"unknown journal fields: {sorted(bad)}")
        if "state" in changes:
            changes["state"] = TakeState(changes["state"])  # ValueError on a state that isn't one
        changes["updated_at"] = time.time()
        for k in _JSON_FIELDS & set(changes):
            changes[k] = json.dumps(changes[k], sort_keys=True)
        sets = ", ".join(f"{k} = :{k}" for k in changes)
        with self._tx() as db:
            cur = db.execute(f"UPDATE takes SET {sets} WHERE id = :_id", {**changes, "_id": take_id})
            if cur.rowcount != 1:
                raise KeyError(f"no take {take_id}")
            row = db.execute("SELECT * FROM takes WHERE id = ?", (take_id,)).fetchone()
        return self._take(row)

    def get(self, take_id: str) -> Take | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM takes WHERE id = ?", (take_id,)).fetchone()
        return self._take(row) if row else None

    def task_ids(self) -> set[str]:
        """Every task id some take already holds: reconciliation never hands one to a second take."""
        with self._lock:
            return {r[0] for r in self._db.execute("SELECT task_id FROM takes WHERE task_id IS NOT NULL")}

    def ping(self, timeout: float = 2.0) -> None:
        """Prove the journal can be written now (before paying): a write transaction that changes nothing, waiting
        at most ``timeout`` seconds for another program that holds it. JournalError when it can't."""
        try:
            with self._lock:
                self._db.execute(f"PRAGMA busy_timeout={int(min(timeout, self.busy_timeout) * 1000)}")
            try:
                with self._tx() as db:
                    db.execute("UPDATE takes SET id = id WHERE 0")
            finally:
                with self._lock:
                    self._db.execute(f"PRAGMA busy_timeout={int(self.busy_timeout * 1000)}")
        except (sqlite3.Error, OSError) as e:
            if _busy(e):
                raise JournalError(said("journal.write_busy", path=str(self.path))) from None
            raise JournalError(said("journal.write_failed", path=str(self.path), why=str(e))) from None

    def by_task(self, task_id: str) -> Take | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM takes WHERE task_id = ? LIMIT 1", (task_id,)).fetchone()
        return self._take(row) if row else None

    def history(self, owner: str | None = None, text: str = "", limit: int = 50, offset: int = 0) -> list[Take]:
        """Newest first; ``text`` filters on prompt, model and task id; ``owner`` None means every owner's."""
        where, args = [], []
        if owner is not None:
            where.append("session = ?")
            args.append(owner)
        if text.strip():
            like = f"%{text.strip().lower()}%"
            where.append("(lower(prompt) LIKE ? OR lower(model_id) LIKE ? OR task_id LIKE ?)")
            args += [like, like, like]
        sql = "SELECT * FROM takes" + (f" WHERE {' AND '.join(where)}" if where else "")
        sql += " ORDER BY created_at DESC LIMIT ? OFFSET ?"
        with self._lock:
            rows = self._db.execute(sql, [*args, limit, offset]).fetchall()
        return [self._take(r) for r in rows]

    def unfinished(self, owner: str | None = None) -> list[Take]:
        marks = ", ".join("?" for _ in UNFINISHED)
        sql = f"SELECT * FROM takes WHERE state IN ({marks})"
        args: list[Any] = list(UNFINISHED)
        if owner is not None:
            sql += " AND session = ?"
            args.append(owner)
        with self._lock:
            rows = self._db.execute(sql + " ORDER BY created_at", args).fetchall()
        return [self._take(r) for r in rows]

    def render_times(self, limit: int = 500) -> list[tuple[tuple[str, str, int], float]]:
        """Recent (model, resolution, duration) render times, oldest first, to teach the poller what to expect."""
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM takes WHERE render_seconds IS NOT NULL ORDER BY completed_at DESC LIMIT ?", (limit,)
            ).fetchall()
        takes = [self._take(r) for r in reversed(rows)]
        return [(t.eta_key, float(t.render_seconds or 0)) for t in takes]

    def delete(self, take_id: str) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM takes WHERE id = ?", (take_id,))

    def count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM takes").fetchone()[0])

    # Storyboards: one JSON document per board (``storyboard.Board``), kept per owner like takes ----------------

    def save_board(self, board_id: str, owner: str, name: str, document: str, created_at: float) -> None:
        with self._tx() as db:
            db.execute("INSERT INTO boards (id, owner, name, document, created_at, updated_at) VALUES (?,?,?,?,?,?) "
                       "ON CONFLICT(id) DO UPDATE SET name = excluded.name, document = excluded.document, "
                       "updated_at = excluded.updated_at", (board_id, owner, name, document, created_at, time.time()))  # fmt: skip

    def board(self, board_id: str, owner: str) -> str | None:
        with self._lock:
            row = self._db.execute(
                "SELECT document FROM boards WHERE id = ? AND owner = ?", (board_id, owner)
            ).fetchone()
        return row[0] if row else None

    def boards(self, owner: str, limit: int = 200) -> list[str]:
        with self._lock:
            rows = self._db.execute("SELECT document FROM boards WHERE owner = ? ORDER BY updated_at DESC LIMIT ?",
                                    (owner, limit)).fetchall()  # fmt: skip
        return [r[0] for r in rows]

    def delete_board(self, board_id: str, owner: str) -> bool:
        with self._tx() as db:
            return db.execute("DELETE FROM boards WHERE id = ? AND owner = ?", (board_id, owner)).rowcount == 1

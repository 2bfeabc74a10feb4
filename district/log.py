"""An arbiter's durable state: ``DATA_DIR/feed.sqlite`` in WAL mode.

An event is written to the log (and the object it changes to its state table) in
one transaction *before* it is handed to any subscriber, so a feed killed with
SIGKILL and restarted on the same data dir continues the same id sequence with the
same alert state.  WAL with ``synchronous=NORMAL`` keeps every committed
transaction across a process crash (only an OS crash may lose the last ones).
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Iterator

STATE_KINDS = ("alert", "device", "camera", "incident", "task")
RETENTION = 100_000  # events kept resumable


class EventLog:
    """Event log + current state + idempotency answers (bound to caller and body) in one SQLite file."""

    def __init__(self, data_dir: Path, retention: int = RETENTION) -> None:
        self.retention = retention
        data_dir.mkdir(parents=True, exist_ok=True)
        self.path = data_dir / "feed.sqlite"
        # One connection used from the event-loop thread only.
        self.db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(
            """
            CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, type TEXT NOT NULL, street TEXT, body BLOB NOT NULL);
            CREATE TABLE IF NOT EXISTS state (kind TEXT NOT NULL, id TEXT NOT NULL, body TEXT NOT NULL,
                                              PRIMARY KEY (kind, id));
            CREATE TABLE IF NOT EXISTS idempotency (key TEXT PRIMARY KEY, status INTEGER NOT NULL, body TEXT NOT NULL,
                                                    fingerprint TEXT NOT NULL DEFAULT '');
            CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            """
        )
        cols = {r[1] for r in self.db.execute("PRAGMA table_info(idempotency)")}
        if "fingerprint" not in cols:  # a log written before answers were bound to their caller
            self.db.execute("ALTER TABLE idempotency ADD COLUMN fingerprint TEXT NOT NULL DEFAULT ''")
        self._since_prune = 0

    # ------------------------------------------------------------------ ids

    def head(self) -> int:
        """Highest envelope id ever written (0 for a fresh store)."""
        row = self.db.execute("SELECT value FROM meta WHERE key='head'").fetchone()
        last = self.db.execute("SELECT max(id) FROM events").fetchone()[0] or 0
        return max(int(row[0]) if row else 0, last)

    def oldest(self) -> int:
        """Lowest id still in the log (0 when empty)."""
        return self.db.execute("SELECT min(id) FROM events").fetchone()[0] or 0

    # ------------------------------------------------------------------ writes

    def append(self, events: list[tuple[int, str, str | None, bytes]], states: list[tuple[str, str, str]],
               idempotent: tuple[str, int, str, str] | None = None, meta: dict[str, object] | None = None) -> None:
        """Write events, the state rows they change, a command's answer and ``meta`` values
        (the duty roster's book) in one transaction."""
        with_tx = self.db
        with_tx.execute("BEGIN")
        try:
            with_tx.executemany("INSERT INTO events (id, type, street, body) VALUES (?, ?, ?, ?)", events)
            if states:
                with_tx.executemany("INSERT OR REPLACE INTO state (kind, id, body) VALUES (?, ?, ?)", states)
            if idempotent is not None:
                with_tx.execute("INSERT OR REPLACE INTO idempotency (key, status, body, fingerprint) VALUES (?, ?, ?, ?)",
                                idempotent)
            if events:
                with_tx.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('head', ?)", (str(events[-1][0]),))
            for key, value in (meta or {}).items():
                with_tx.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, json.dumps(value)))
            with_tx.execute("COMMIT")
        except BaseException:
            with_tx.execute("ROLLBACK")
            raise
        self._since_prune += len(events)
        if self._since_prune >= min(2000, max(1, self.retention // 10)):
            self._since_prune = 0
            self.prune()

    def prune(self) -> None:
        """Drop events beyond the retention window."""
        head = self.head()
        self.db.execute("DELETE FROM events WHERE id <= ?", (head - self.retention,))

    def drop_state(self, kind: str, ids: list[str]) -> None:
        """Remove objects from the current state (archived; their events stay in the log)."""
        self.db.executemany("DELETE FROM state WHERE kind=? AND id=?", [(kind, i) for i in ids])

    def put_meta(self, key: str, value: object) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, json.dumps(value)))

    def get_meta(self, key: str, default: object = None) -> object:
        row = self.db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return json.loads(row[0]) if row else default

    def save_idempotent(self, key: str, status: int, body: str, fingerprint: str = "") -> None:
        """Keep a refused command's answer (an accepted one is kept by :meth:`append`)."""
        self.db.execute("INSERT OR REPLACE INTO idempotency (key, status, body, fingerprint) VALUES (?, ?, ?, ?)",
                        (key, status, body, fingerprint))

    def idempotent(self, key: str) -> tuple[int, str, str] | None:
        """(status, answer, fingerprint of caller and body) stored under ``key``, or None."""
        row = self.db.execute("SELECT status, body, fingerprint FROM idempotency WHERE key=?", (key,)).fetchone()
        return (int(row[0]), str(row[1]), str(row[2])) if row else None

    # ------------------------------------------------------------------ reads

    def state(self, kind: str) -> list[str]:
        """JSON bodies of every object of ``kind``."""
        return [r[0] for r in self.db.execute("SELECT body FROM state WHERE kind=? ORDER BY rowid", (kind,))]

    def events_after(self, after: int, upto: int, page: int = 1000) -> Iterator[list[tuple[int, str, str | None, bytes]]]:
        """Pages of (id, type, street, body) with ``after < id <= upto``, in order."""
        cursor = after
        while cursor < upto:
            rows = self.db.execute(
                "SELECT id, type, street, body FROM events WHERE id > ? AND id <= ? ORDER BY id LIMIT ?",
                (cursor, upto, page),
            ).fetchall()
            if not rows:
                return
            yield [(int(i), str(t), st, bytes(b)) for i, t, st, b in rows]
            cursor = rows[-1][0]

    def close(self) -> None:
        self.db.close()

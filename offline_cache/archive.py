"""Closed alerts that left the live picture: kept in the cache, still searchable.

A duty console runs for weeks; at 5,000 alerts a day the live picture would hold
35,000 closed alerts after a week and grow on (issue 18). ``AlertStore`` lets a closed
alert go a day after its last change (``console.stores.CLOSED_KEPT_S``); Ingest hands it
here first. The table keeps each alert's JSON body with the columns a search needs
(created time, level, status, street, category) and its lower-cased search text, so
:meth:`AlertArchive.search` finds it by the same words as the queue's search.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Iterable, NamedTuple

from offline_cache._tx import transaction
from offline_cache.db import CacheDb

SCHEMA = """
CREATE TABLE IF NOT EXISTS alert_archive (
    id TEXT PRIMARY KEY,
    rev INTEGER NOT NULL,
    created_at REAL NOT NULL,
    level TEXT NOT NULL,
    status TEXT NOT NULL,
    street TEXT,
    category TEXT NOT NULL,
    text TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS alert_archive_created ON alert_archive(created_at);
"""


class ArchivedAlert(NamedTuple):
    """One archived alert as written: id, rev, created (epoch s), level, status, street,
    category, lower-cased search text and the alert's JSON body."""

    id: str
    rev: int
    created_at: float
    level: str
    status: str
    street: str | None
    category: str
    text: str
    body: str


class AlertArchive:
    """Table ``alert_archive``: closed alerts aged out of memory, newest revision kept."""

    def __init__(self, cache: CacheDb) -> None:
        self._conn = cache.conn
        self._conn.executescript(SCHEMA)

    def put(self, rows: Iterable[ArchivedAlert]) -> int:
        """Keep these alerts (a later revision replaces an earlier one); returns rows written."""
        rows = list(rows)
        if not rows:
            return 0
        with transaction(self._conn):
            self._conn.executemany(
                "INSERT INTO alert_archive(id, rev, created_at, level, status, street, category, text, body) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET rev=excluded.rev, "
                "created_at=excluded.created_at, level=excluded.level, status=excluded.status, "
                "street=excluded.street, category=excluded.category, text=excluded.text, body=excluded.body "
                "WHERE excluded.rev >= alert_archive.rev", rows)
        return len(rows)

    def search(self, terms: Iterable[str] = (), *, since: float | None = None, until: float | None = None,
               levels: Iterable[str] = (), streets: Iterable[str] = (), categories: Iterable[str] = (),
               limit: int = 500) -> list[str]:
        """JSON bodies of archived alerts whose text holds every term (lower-cased), newest first."""
        return _search(self._conn, terms, since=since, until=until, levels=levels, streets=streets,
                       categories=categories, limit=limit)

    def get(self, alert_id: str) -> str | None:
        """The archived JSON body of one alert, or None."""
        row = self._conn.execute("SELECT body FROM alert_archive WHERE id = ?", (alert_id,)).fetchone()
        return None if row is None else str(row[0])

    def count(self) -> int:
        """Alerts archived."""
        return int(self._conn.execute("SELECT count(*) FROM alert_archive").fetchone()[0])


class ArchiveReader:
    """A read-only connection of its own to a cache file's archive, for one search on a
    worker thread while the GUI thread keeps writing (WAL lets a reader run beside the
    writer). A search that reads the whole table can be stopped from another thread
    (:meth:`interrupt`: it then raises ``sqlite3.OperationalError``)."""

    def __init__(self, path: str | Path) -> None:
        self._conn: sqlite3.Connection | None = sqlite3.connect(
            f"{Path(path).resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)
        self._lock = threading.Lock()  # interrupt() from the GUI thread never meets close() half done
        self.interrupted = False  # set by interrupt(): a search not yet started does not start

    def search(self, terms: Iterable[str] = (), *, since: float | None = None, until: float | None = None,
               levels: Iterable[str] = (), streets: Iterable[str] = (), categories: Iterable[str] = (),
               limit: int = 500) -> list[str]:
        """As :meth:`AlertArchive.search`."""
        if self._conn is None:
            raise sqlite3.ProgrammingError("archive reader closed")
        if self.interrupted:
            raise sqlite3.OperationalError("interrupted")
        return _search(self._conn, terms, since=since, until=until, levels=levels, streets=streets,
                       categories=categories, limit=limit)

    def interrupt(self) -> None:
        """Stop the search running on another thread (nothing when none runs or it is closed)."""
        with self._lock:
            self.interrupted = True
            if self._conn is not None:
                self._conn.interrupt()

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None


def _search(conn: sqlite3.Connection, terms: Iterable[str], *, since: float | None, until: float | None,
            levels: Iterable[str], streets: Iterable[str], categories: Iterable[str], limit: int) -> list[str]:
    where: list[str] = []
    args: list[object] = []
    for term in terms:
        where.append("instr(text, ?) > 0")
        args.append(term.lower())
    if since is not None:
        where.append("created_at >= ?")
        args.append(since)
    if until is not None:
        where.append("created_at < ?")
        args.append(until)
    for column, values in (("level", levels), ("street", streets), ("category", categories)):
        vals = list(values)
        if vals:
            where.append(f"{column} IN ({', '.join('?' * len(vals))})")
            args.extend(vals)
    sql = "SELECT body FROM alert_archive"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY created_at DESC LIMIT ?"
    args.append(limit)
    return [row[0] for row in conn.execute(sql, args)]

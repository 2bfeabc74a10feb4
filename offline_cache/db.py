"""The console's local SQLite cache: one file, WAL, synchronous=FULL, readable by the user only.

Everything the console keeps on disk (journal, snapshot tables, outbox, dead
letters, blobs, audit) lives in one database so that a single transaction can
cover related writes.  A file that SQLite cannot read is moved aside, never
deleted: it may be evidence.
"""

from __future__ import annotations

import os
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

import sqlite_utils

CACHE_FILE = "console.sqlite"
"""The cache's file name inside a console's cache folder."""

BUSY_TIMEOUT_MS = 5000
"""How long a statement waits for a lock held by another process (a second console on
the same cache, a backup tool) before failing."""

SYNCHRONOUS = "FULL"
"""``PRAGMA synchronous`` of the cache connection.  FULL: in WAL mode the WAL is fsynced
at every commit, so a command the outbox (or the audit log, or a preference) has
committed — and the operator has seen acknowledged — survives a power cut.  NORMAL
only syncs at checkpoints: the database stays consistent but the newest commits can
vanish."""

STREAM_SYNCHRONOUS = "NORMAL"
"""How the stream's copies commit — the journal's batches (``offline_cache.journal``) and
the dead letters (``offline_cache.deadletters``, one commit per rejected message, a
garbage flood is 100,000 of them): NORMAL, for speed.  The journal is a copy of the
gateway's stream and its resume cursor lives in the same WAL, so a batch lost to a power
cut is fetched again at the next start; a lost dead letter is lost diagnosis, not data.
WAL frames are checksummed cumulatively, so a later FULL commit (an operator's command)
makes every earlier one durable too and no commit survives without the ones before it.
Measured in docs/performance.md ("Durability at commit")."""

SCHEMA = """
CREATE TABLE IF NOT EXISTS journal (
    seq INTEGER PRIMARY KEY,
    stream_id TEXT,
    type TEXT NOT NULL,
    ts TEXT,
    body TEXT NOT NULL,
    received_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS journal_stream_id ON journal(stream_id);
CREATE TABLE IF NOT EXISTS snapshot_state (
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (kind, id)
);
CREATE TABLE IF NOT EXISTS snapshot_meta (
    k INTEGER PRIMARY KEY CHECK (k = 1),
    cursor TEXT NOT NULL,
    journal_seq INTEGER NOT NULL,
    saved_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS outbox (
    command_id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    target_id TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    http_status INTEGER,
    last_error TEXT,
    response TEXT
);
CREATE INDEX IF NOT EXISTS outbox_status ON outbox(status, created_at);
CREATE TABLE IF NOT EXISTS dead_letters (
    id INTEGER PRIMARY KEY,
    received_at TEXT NOT NULL,
    origin TEXT NOT NULL,
    reason TEXT NOT NULL,
    size INTEGER NOT NULL,
    raw BLOB
);
CREATE TABLE IF NOT EXISTS blobs (
    key TEXT PRIMARY KEY,
    data BLOB NOT NULL,
    updated_at TEXT NOT NULL
);
"""


def utc_now_iso() -> str:
    """Now, as ISO 8601 UTC with offset (the cache's own timestamps)."""
    return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())


@dataclass
class CacheDb:
    """An open cache file.  ``notice`` is set (in Chinese) when the file had to be replaced."""

    path: Path
    db: sqlite_utils.Database
    notice: str | None = None
    moved_to: Path | None = None
    _closed: bool = field(default=False, repr=False)

    @property
    def conn(self) -> sqlite3.Connection:
        """The one sqlite3 connection (autocommit; see ``offline_cache._tx.transaction``)."""
        return self.db.conn

    def close(self) -> None:
        """Close the connection once; later calls do nothing."""
        if not self._closed:
            self._closed = True
            self.db.conn.close()


def _create_private(path: Path) -> None:
    """Create the file with mode 0600 before SQLite opens it (umask cannot widen it)."""
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)


def _connect(path: Path, busy_timeout_ms: int) -> sqlite3.Connection:
    conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    try:
        conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise sqlite3.DatabaseError(f"cannot switch to WAL (got {mode})")
        conn.execute(f"PRAGMA synchronous = {SYNCHRONOUS}")
        check = conn.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            raise sqlite3.DatabaseError(f"quick_check: {check}")
        conn.executescript(SCHEMA)
        _migrate(conn)
    except sqlite3.DatabaseError as exc:
        if isinstance(exc, sqlite3.OperationalError):
            conn.close()
        else:
            # Closed only after the files are moved aside: closing first lets SQLite
            # delete a -wal it cannot read, and that is evidence.
            exc.cache_conn = conn  # type: ignore[attr-defined]
        raise
    except BaseException:
        conn.close()
        raise
    for suffix in ("-wal", "-shm"):
        side = Path(str(path) + suffix)
        if side.exists():
            os.chmod(side, 0o600)
    return conn


def _migrate(conn: sqlite3.Connection) -> None:
    """Bring a cache made by an earlier version up to this schema (columns only ever added)."""
    columns = {row[1] for row in conn.execute("PRAGMA table_info(outbox)")}
    if "response" not in columns:
        conn.execute("ALTER TABLE outbox ADD COLUMN response TEXT")


def open_cache(path: str | os.PathLike[str], busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> CacheDb:
    """Open (or create) the cache at ``path``; a corrupted file is moved aside and replaced."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        _create_private(path)
    else:
        os.chmod(path, 0o600)
    try:
        conn = _connect(path, busy_timeout_ms)
        return CacheDb(path=path, db=sqlite_utils.Database(conn))
    except sqlite3.OperationalError:
        # Locked, disk full, no permission: not corruption.  Moving the file would
        # hide good data, so the caller hears about it instead.
        raise
    except sqlite3.DatabaseError as exc:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        moved = path.with_name(f"{path.name}.corrupt-{stamp}")
        n = 1
        while moved.exists():  # never overwrite earlier evidence
            n += 1
            moved = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
        os.replace(path, moved)
        for suffix in ("-wal", "-shm"):
            side = Path(str(path) + suffix)
            if side.exists():
                os.replace(side, Path(str(moved) + suffix))
        stale = getattr(exc, "cache_conn", None)
        if stale is not None:
            stale.close()
        _create_private(path)
        conn = _connect(path, busy_timeout_ms)
        notice = f"本地缓存损坏（{exc}），已移至 {moved.name} 并重新建立；将重新获取全量数据"
        return CacheDb(path=path, db=sqlite_utils.Database(conn), notice=notice, moved_to=moved)

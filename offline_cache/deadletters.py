"""Dead letters: stream messages the console could not accept, kept for diagnosis.

A malformed message never crashes the console; it is counted, and its first
64 KiB are kept here with the reason and the original size.  The table is
capped so that a gateway spewing garbage cannot fill the disk.
"""

from __future__ import annotations

from dataclasses import dataclass

from offline_cache._tx import synchronous, transaction
from offline_cache.db import STREAM_SYNCHRONOUS, SYNCHRONOUS, CacheDb, utc_now_iso

MAX_RAW_BYTES = 64 * 1024
MAX_ROWS = 10_000


@dataclass(frozen=True)
class DeadLetter:
    """One rejected message: ``raw`` is at most 64 KiB, ``size`` the original length in bytes."""

    id: int
    received_at: str
    origin: str | None
    reason: str
    size: int
    raw: bytes


class DeadLetters:
    """Table ``dead_letters``; ``add`` commits at once (rare, and needed after a crash)."""

    def __init__(self, cache: CacheDb, max_rows: int = MAX_ROWS) -> None:
        self.cache = cache
        self._conn = cache.conn
        self.max_rows = max_rows
        self._count = int(self._conn.execute("SELECT count(*) FROM dead_letters").fetchone()[0])
        # Ids are consecutive and pruning only removes the oldest rows, so the highest id
        # is the number of messages ever rejected into this cache, pruned ones included.
        self._total = int(self._conn.execute("SELECT coalesce(max(id), 0) FROM dead_letters").fetchone()[0])

    def add(self, reason: str, raw: bytes | str, origin: str | None = None) -> int:
        """Keep a rejected message (first 64 KiB) with why it was rejected; returns its row id."""
        data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else bytes(raw)
        # NORMAL, not the cache's FULL: an fsync per message would stall a flood (db.py).
        with synchronous(self._conn, STREAM_SYNCHRONOUS, SYNCHRONOUS), transaction(self._conn):
            cur = self._conn.execute(
                "INSERT INTO dead_letters (received_at, origin, reason, size, raw) VALUES (?, ?, ?, ?, ?)",
                (utc_now_iso(), origin or "", reason[:1000], len(data), data[:MAX_RAW_BYTES]))
            self._count += 1
            self._total = max(self._total + 1, int(cur.lastrowid or 0))
            if self._count > self.max_rows:
                # Prune in chunks (a tenth) so that a flood does not delete on every insert.
                keep = self.max_rows - self.max_rows // 10
                self._conn.execute(
                    "DELETE FROM dead_letters WHERE id <= (SELECT max(id) FROM dead_letters) - ?", (keep,))
                self._count = int(self._conn.execute("SELECT count(*) FROM dead_letters").fetchone()[0])
        return int(cur.lastrowid or 0)

    def count(self) -> int:
        """Messages ever rejected into this cache (the status bar's figure), pruned rows included."""
        return self._total

    def held(self) -> int:
        """Rows kept for inspection (at most ``max_rows``)."""
        return self._count

    def recent(self, n: int = 20) -> list[DeadLetter]:
        """The ``n`` newest dead letters, newest first."""
        rows = self._conn.execute(
            "SELECT id, received_at, origin, reason, size, raw FROM dead_letters ORDER BY id DESC LIMIT ?",
            (n,)).fetchall()
        return [DeadLetter(id=int(r[0]), received_at=r[1], origin=r[2], reason=r[3], size=int(r[4]),
                           raw=bytes(r[5] or b"")) for r in rows]

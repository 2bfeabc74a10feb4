"""The journal: every accepted envelope, append-only, with its stream id.

Appends are buffered in memory and committed in one transaction by ``flush()``
(the runtime flushes a few times a second): a commit per message would cap
ingest at a few thousand messages a second.  ``last_stream_id()`` reports only
committed rows because it is the resume cursor: after a crash the console
re-fetches what was buffered rather than skipping it.

Nothing is ever dropped from the buffer.  While the disk refuses writes (full,
I/O error) the rows stay buffered and :meth:`Journal.refusing` turns true; the
sources stop consuming (``console.ingest.Ingest.hold_reason``) until a flush
succeeds again.  The buffer is FIFO and committed in order, so the resume cursor
can never pass an envelope that is not journaled: a restart fetches from the
last committed id, never from beyond a gap.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections import deque
from typing import Iterator, Sequence

from offline_cache._tx import synchronous, transaction
from offline_cache.db import STREAM_SYNCHRONOUS, SYNCHRONOUS, CacheDb, utc_now_iso

log = logging.getLogger(__name__)

MAX_BUFFERED = 200_000
"""Uncommitted rows beyond which the journal refuses more (``refusing()``): the sources
hold until the flush catches up.  Rows are never dropped (issue 18: a dropped row with
later rows committed would move the resume cursor past it, and a restart would never
fetch it)."""

_SQLITE_FULL = 13  # the primary result code of "database or disk is full"

_Row = tuple[str | None, str, str, str, str]  # stream_id, type, ts, body, received_at


class Journal:
    """Append-only log of accepted envelopes in table ``journal``.

    ``last_error`` is a Chinese message while flushing fails (disk full, I/O error)
    and None once a flush succeeds again; ``disk_full`` says whether that failure is
    a full disk.  ``dropped`` is always 0: no row is given up on (the fault suite
    counts it as lost, so it stays as a tripwire).
    """

    def __init__(self, cache: CacheDb, max_buffered: int = MAX_BUFFERED) -> None:
        self.cache = cache
        self._conn = cache.conn
        self._buffer: deque[_Row] = deque()
        self.max_buffered = max_buffered
        # The journal's batches commit at this level; the connection goes back to the
        # cache's own (FULL) after each, for the operator's writes that share it.
        self.commit_synchronous = STREAM_SYNCHRONOUS
        self.last_error: str | None = None
        self.disk_full = False
        self.dropped = 0
        self.flushes = 0
        self._stamp_second = -1
        self._stamp = ""
        row = self._conn.execute(
            "SELECT seq, stream_id FROM journal ORDER BY seq DESC LIMIT 1").fetchone()
        self._max_seq: int = int(row[0]) if row else 0
        self._last_stream_id: str | None = row[1] if row else None
        if self._last_stream_id is None and row is not None:
            self._last_stream_id = self._last_committed_stream_id()
        self._count: int = int(self._conn.execute("SELECT count(*) FROM journal").fetchone()[0])

    def _last_committed_stream_id(self) -> str | None:
        row = self._conn.execute(
            "SELECT stream_id FROM journal WHERE stream_id IS NOT NULL AND stream_id != '' "
            "ORDER BY seq DESC LIMIT 1").fetchone()
        return row[0] if row else None

    def append(self, stream_id: str | None, type: str, ts_iso: str, body_json: str) -> None:
        """Buffer one accepted envelope; it reaches disk at the next ``flush()``."""
        now = int(time.time())
        if now != self._stamp_second:  # one timestamp string per second, not per message
            self._stamp_second, self._stamp = now, utc_now_iso()
        self._buffer.append((stream_id, type, ts_iso, body_json, self._stamp))

    def refusing(self) -> bool:
        """True while the journal should take no more: the last flush failed (rows wait
        in memory for the disk) or ``max_buffered`` rows wait.  Sources hold then."""
        return self.last_error is not None or len(self._buffer) >= self.max_buffered

    def pending(self) -> int:
        """Rows appended but not yet committed."""
        return len(self._buffer)

    def flush(self) -> int:
        """Commit every buffered row in one transaction; returns how many were written.

        When SQLite refuses (disk full, I/O error) nothing is lost that was committed
        before, the rows stay buffered for the next flush, ``last_error`` says why and
        0 is returned: the console keeps running on its in-memory picture.
        """
        if not self._buffer:
            return 0
        rows = list(self._buffer)
        try:
            with synchronous(self._conn, self.commit_synchronous, SYNCHRONOUS), transaction(self._conn):
                cur = self._conn.executemany(
                    "INSERT INTO journal (stream_id, type, ts, body, received_at) VALUES (?, ?, ?, ?, ?)",
                    rows)
                del cur
                last = self._conn.execute("SELECT max(seq) FROM journal").fetchone()
        except sqlite3.OperationalError as exc:
            self._note_failure(exc)
            return 0
        except sqlite3.DatabaseError as exc:  # I/O error or corruption appearing under us
            self._note_failure(exc)
            return 0
        # Only the rows we wrote leave the buffer (append() is not re-entered during
        # executemany, but be exact anyway).
        for _ in range(len(rows)):
            self._buffer.popleft()
        self._max_seq = int(last[0]) if last and last[0] is not None else self._max_seq
        for stream_id, *_ in reversed(rows):
            if stream_id:
                self._last_stream_id = stream_id
                break
        self._count += len(rows)
        self.flushes += 1
        if self.last_error is not None:
            log.info("journal flush works again after: %s", self.last_error)
        self.last_error = None
        self.disk_full = False
        return len(rows)

    def _note_failure(self, exc: sqlite3.Error) -> None:
        text = str(exc)
        code = getattr(exc, "sqlite_errorcode", None)
        self.disk_full = (code is not None and code & 0xFF == _SQLITE_FULL) or "full" in text
        if self.disk_full:
            self.last_error = f"本地磁盘已满，{len(self._buffer)} 条消息暂存内存，未写入日志"
        else:
            self.last_error = f"本地日志写入失败（{text[:60]}），{len(self._buffer)} 条消息暂存内存"
        log.warning("journal flush failed: %s (%d rows buffered)", text, len(self._buffer))

    def last_stream_id(self) -> str | None:
        """Stream id of the newest committed row that has one (the resume cursor)."""
        return self._last_stream_id

    def max_seq(self) -> int:
        """Sequence number of the newest committed row (0 when empty)."""
        return self._max_seq

    def count(self) -> int:
        """Committed rows."""
        return self._count

    def read_after(self, seq: int, batch: int = 5000) -> Iterator[tuple[int, str, str]]:
        """Committed rows with ``seq`` greater than the given one, oldest first:
        (seq, stream_id, body_json).  Read in batches so that a long journal does not
        hold a read cursor (and the WAL) open for the whole replay."""
        last = seq
        while True:
            rows = self._conn.execute(
                "SELECT seq, stream_id, body FROM journal WHERE seq > ? ORDER BY seq LIMIT ?",
                (last, batch)).fetchall()
            if not rows:
                return
            for row in rows:
                yield int(row[0]), row[1] if row[1] is not None else "", row[2]
            last = int(rows[-1][0])
            if len(rows) < batch:
                return

    def read_types(self, types: Sequence[str], after_seq: int, upto_seq: int) -> Iterator[tuple[int, str, str]]:
        """Committed rows of the given envelope types with after_seq < seq <= upto_seq, oldest
        first: (seq, stream_id, body_json).  Used to refill reading/indicator history."""
        marks = ", ".join("?" for _ in types)
        rows = self._conn.execute(
            f"SELECT seq, stream_id, body FROM journal WHERE seq > ? AND seq <= ? AND type IN ({marks}) "
            "ORDER BY seq", (after_seq, upto_seq, *types)).fetchall()
        for row in rows:
            yield int(row[0]), row[1] if row[1] is not None else "", row[2]

    def prune(self, upto_seq: int, limit: int = 50_000) -> int:
        """Delete at most ``limit`` of the oldest committed rows with seq <= upto_seq.

        Rows already covered by a saved snapshot are not needed for a restart; pruning
        keeps the file from growing without bound (about 1 KB a message).  Returns how
        many rows went.  The newest row is never deleted: it is the resume cursor.
        """
        upto = min(int(upto_seq), self._max_seq - 1)
        if upto <= 0:
            return 0
        try:
            with transaction(self._conn):
                cur = self._conn.execute(
                    "DELETE FROM journal WHERE seq IN (SELECT seq FROM journal WHERE seq <= ? ORDER BY seq LIMIT ?)",
                    (upto, int(limit)))
        except sqlite3.Error as exc:
            log.warning("journal prune failed: %s", exc)
            return 0
        removed = max(cur.rowcount, 0)
        self._count -= removed
        return removed

"""Snapshot tables: the last whole state the console held, plus where it stood.

``save`` replaces the previous snapshot in one transaction, so a crash leaves
either the old or the new one, never a mix.  On restart the console loads it
and replays the journal rows written after ``journal_seq``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping, Union

from offline_cache._tx import transaction
from offline_cache.db import CacheDb, utc_now_iso

StateItem = Union[str, tuple[str, str]]
"""A JSON body, or (id, JSON body) when the caller knows the id."""


@dataclass(frozen=True)
class SavedSnapshot:
    """What ``SnapshotTables.load`` returns: kind → JSON bodies, the stream cursor the
    state corresponds to, the journal seq it was saved at, and when."""

    state: dict[str, list[str]]
    cursor: str
    journal_seq: int
    saved_at: str


class SnapshotTables:
    """Tables ``snapshot_state(kind, id, body)`` and ``snapshot_meta(cursor, journal_seq, saved_at)``."""

    def __init__(self, cache: CacheDb) -> None:
        self.cache = cache
        self._conn = cache.conn

    def save(self, state: Mapping[str, Iterable[StateItem]], cursor: str, journal_seq: int) -> None:
        """Replace the saved snapshot with ``state`` (kind → bodies), in one transaction."""

        def rows() -> Iterable[tuple[str, str, str]]:
            for kind, items in state.items():
                for n, item in enumerate(items):
                    if isinstance(item, tuple):
                        yield kind, str(item[0]), item[1]
                    else:
                        yield kind, str(n), item

        with transaction(self._conn):
            self._conn.execute("DELETE FROM snapshot_state")
            self._conn.execute("DELETE FROM snapshot_meta")
            self._conn.executemany("INSERT INTO snapshot_state (kind, id, body) VALUES (?, ?, ?)", rows())
            self._conn.execute(
                "INSERT INTO snapshot_meta (k, cursor, journal_seq, saved_at) VALUES (1, ?, ?, ?)",
                (str(cursor), int(journal_seq), utc_now_iso()))

    def update(self, upserts: Mapping[str, Iterable[tuple[str, str]]], cursor: str, journal_seq: int,
               removals: Mapping[str, Iterable[str]] | None = None) -> None:
        """Bring the saved snapshot forward by the objects that changed (a checkpoint).

        One transaction: changed objects replace their rows, removed ones go, the
        cursor and journal seq move.  Cost follows the churn, not the picture's size.
        """
        with transaction(self._conn):
            for kind, items in upserts.items():
                self._conn.executemany(
                    "INSERT OR REPLACE INTO snapshot_state (kind, id, body) VALUES (?, ?, ?)",
                    ((kind, str(i), body) for i, body in items))
            for kind, ids in (removals or {}).items():
                self._conn.executemany("DELETE FROM snapshot_state WHERE kind = ? AND id = ?",
                                       ((kind, str(i)) for i in ids))
            self._conn.execute(
                "INSERT OR REPLACE INTO snapshot_meta (k, cursor, journal_seq, saved_at) VALUES (1, ?, ?, ?)",
                (str(cursor), int(journal_seq), utc_now_iso()))

    def exists(self) -> bool:
        """True once a snapshot was saved."""
        return self._conn.execute("SELECT 1 FROM snapshot_meta WHERE k = 1").fetchone() is not None

    def meta(self) -> tuple[str, int, str] | None:
        """(cursor, journal seq, saved at) of the saved snapshot without its bodies (tens of
        megabytes at 100,000 devices), or None when none was ever saved."""
        row = self._conn.execute("SELECT cursor, journal_seq, saved_at FROM snapshot_meta WHERE k = 1").fetchone()
        return None if row is None else (str(row[0]), int(row[1]), str(row[2]))

    def load(self) -> SavedSnapshot | None:
        """The saved snapshot, or None when none was ever saved."""
        meta = self._conn.execute("SELECT cursor, journal_seq, saved_at FROM snapshot_meta WHERE k = 1").fetchone()
        if meta is None:
            return None
        state: dict[str, list[str]] = {}
        for kind, body in self._conn.execute("SELECT kind, body FROM snapshot_state ORDER BY rowid"):
            state.setdefault(kind, []).append(body)
        return SavedSnapshot(state=state, cursor=meta[0], journal_seq=int(meta[1]), saved_at=meta[2])

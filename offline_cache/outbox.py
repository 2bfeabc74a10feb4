"""The outbox: operator commands, durable before anything is sent.

Life of a command: ``pending`` (written, not yet answered) → ``sent`` (gateway
answered 202) → ``confirmed`` (the stream echoed the change), or ``refused``
(403/409/422 …).  Transitions only move forward, so a late 202 after the echo
or a second refusal cannot undo an outcome: the outbox delivers each command's
result exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from offline_cache._tx import transaction
from offline_cache.db import CacheDb, utc_now_iso

STATUSES = ("pending", "sent", "confirmed", "refused")

_COLUMNS = ("command_id, kind, target_id, body, status, created_at, updated_at, attempts, "
            "http_status, last_error, response")


@dataclass(frozen=True)
class OutboxItem:
    """One outbox row; ``body_json`` is the exact command body that is (re)sent."""

    command_id: str
    kind: str
    target_id: str
    body_json: str
    status: str
    created_at: str
    updated_at: str
    attempts: int
    http_status: int | None
    last_error: str | None
    response: str | None = None


def _item(row: tuple[Any, ...]) -> OutboxItem:
    return OutboxItem(
        command_id=str(row[0]), kind=str(row[1]), target_id=str(row[2]), body_json=str(row[3]),
        status=str(row[4]), created_at=str(row[5]), updated_at=str(row[6]), attempts=int(row[7] or 0),
        http_status=None if row[8] is None else int(row[8]),
        last_error=None if row[9] is None else str(row[9]),
        response=None if row[10] is None else str(row[10]))


class Outbox:
    """Table ``outbox``; every method commits before returning."""

    def __init__(self, cache: CacheDb) -> None:
        self.cache = cache
        self._conn = cache.conn

    def put(self, command_id: str, kind: str, target_id: str, body_json: str) -> bool:
        """Store a new command as ``pending`` (committed).  False if the id is already
        there: the first body stays, so a resend carries exactly what was first sent."""
        now = utc_now_iso()
        with transaction(self._conn):
            cur = self._conn.execute(
                "INSERT OR IGNORE INTO outbox (command_id, kind, target_id, body, status, created_at, "
                "updated_at, attempts) VALUES (?, ?, ?, ?, 'pending', ?, ?, 0)",
                (command_id, kind, target_id, body_json, now, now))
        return cur.rowcount == 1

    def unsent(self) -> list[OutboxItem]:
        """Commands still ``pending``, oldest first (the order they must be sent in)."""
        rows = self._conn.execute(
            f"SELECT {_COLUMNS} FROM outbox WHERE status = 'pending' ORDER BY created_at, rowid").fetchall()
        return [_item(r) for r in rows]

    def _move(self, command_id: str, to: str, allowed_from: tuple[str, ...], **fields: object) -> bool:
        sets = ", ".join(f"{k} = ?" for k in fields)
        marks = ", ".join("?" for _ in allowed_from)
        with transaction(self._conn):
            cur = self._conn.execute(
                f"UPDATE outbox SET status = ?, updated_at = ?{', ' + sets if sets else ''} "
                f"WHERE command_id = ? AND status IN ({marks})",
                (to, utc_now_iso(), *fields.values(), command_id, *allowed_from))
        return cur.rowcount == 1

    def mark_sent(self, command_id: str, http_status: int, body: str | None = None) -> bool:
        """The gateway accepted it (pending → sent).  False if it was not pending
        (already confirmed by its echo, refused, or unknown)."""
        return self._move(command_id, "sent", ("pending",), http_status=http_status, response=body,
                          last_error=None)

    def mark_refused(self, command_id: str, http_status: int, reason: str) -> bool:
        """The gateway refused it (pending/sent → refused), with its Chinese reason."""
        return self._move(command_id, "refused", ("pending", "sent"), http_status=http_status,
                          last_error=reason)

    def mark_confirmed(self, command_id: str) -> bool:
        """The stream echoed its change (pending/sent → confirmed)."""
        return self._move(command_id, "confirmed", ("pending", "sent"))

    def note_attempt(self, command_id: str, error: str) -> None:
        """A delivery try failed (network, 5xx): count it and keep the reason; stays pending."""
        with transaction(self._conn):
            self._conn.execute(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ?, updated_at = ? "
                "WHERE command_id = ?", (error, utc_now_iso(), command_id))

    def get(self, command_id: str) -> OutboxItem | None:
        """One command by id, or None."""
        row = self._conn.execute(f"SELECT {_COLUMNS} FROM outbox WHERE command_id = ?", (command_id,)).fetchone()
        return _item(row) if row else None

    def prune_finished(self, older_than_iso: str) -> int:
        """Delete confirmed and refused commands last updated before ``older_than_iso``
        (ISO 8601 UTC, as the outbox writes it); pending and sent ones always stay."""
        with transaction(self._conn):
            cur = self._conn.execute(
                "DELETE FROM outbox WHERE status IN ('confirmed', 'refused') AND updated_at < ?", (older_than_iso,))
        return max(cur.rowcount, 0)

    def counts(self) -> dict[str, int]:
        """Commands per status (every status present, zeros included)."""
        out = dict.fromkeys(STATUSES, 0)
        for status, n in self._conn.execute("SELECT status, count(*) FROM outbox GROUP BY status"):
            out[str(status)] = int(n)
        return out

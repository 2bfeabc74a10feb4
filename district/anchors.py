"""Audit anchors: the heads of the consoles' audit chains, kept by the server per seat.

A console's audit chain (``offline_cache.audit_log``) lives in a file its user can
write. An anchor is that chain's head (sequence number and hash) handed to the
server, which keeps it in its own log with the time *it* received it. Later,
``pingshan-console audit verify --against URL`` checks that the local chain still
holds every anchored head: a rewritten chain, a cut one, or an older copy of the
file no longer does.

The rules both servers apply (the embedded feed with :class:`AnchorFile`, the
gateway over JetStream in ``gateway.anchors``):

- a seat is a logged-in user name; a caller anchors its own seat only (an anonymous
  caller has none);
- a caller reads its own seat's anchors; a supervisor or an administrator may read any
  seat's (to check another workstation's cache);
- the server stamps ``received_at`` from its own clock; what the console says about
  time is not asked for;
- the log is append-only; an anchor equal to the seat's newest one is not stored again
  (the periodic anchor of an idle console), any other is, even one that goes backwards
  (that is evidence: a cache set aside, or a file swapped).
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from console.models import AnchoredHead, AuditAnchor
from district.roles import User

READ_ANY_SEAT = frozenset({"supervisor", "administrator"})
"""Roles that may read another seat's anchors."""


def seat_of(user: User) -> str | None:
    """The seat a caller anchors for: its user name (None for an anonymous caller)."""
    return user.username or None


def anchor_refusal(user: User, anchor: AuditAnchor) -> tuple[int, str] | None:
    """(HTTP status, Chinese reason) when ``user`` may not store ``anchor``; None when it may."""
    seat = seat_of(user)
    if seat is None:
        return 403, "匿名调用者没有席位，不能锚定审计链"
    if anchor.seat is not None and anchor.seat != seat:
        return 403, f"只能锚定本席位（{seat}）的审计链，不能代 {anchor.seat} 锚定"
    return None


def reader_refusal(user: User, seat: str | None) -> tuple[str | None, tuple[int, str] | None]:
    """(the seat to list, or the refusal) for ``GET /api/v1/audit/anchors?seat=…``."""
    own = seat_of(user)
    wanted = seat or own
    if wanted is None:
        return None, (403, "匿名调用者没有席位；请指定 seat")
    if wanted != own and user.role not in READ_ANY_SEAT:
        return None, (403, f"只能查看本席位的锚点（{own or '匿名'}）；查看其他席位须值班长或管理员")
    return wanted, None


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class AnchorBook:
    """Anchored heads per seat, in the order received (memory; a server's log feeds it)."""

    def __init__(self) -> None:
        self.by_seat: dict[str, list[AnchoredHead]] = {}

    def newest(self, seat: str) -> AnchoredHead | None:
        heads = self.by_seat.get(seat)
        return heads[-1] if heads else None

    def repeats(self, seat: str, anchor: AuditAnchor) -> AnchoredHead | None:
        """The seat's newest head when ``anchor`` says the same (nothing new to store)."""
        last = self.newest(seat)
        return last if last is not None and (last.seq, last.hash) == (anchor.seq, anchor.hash) else None

    def add(self, head: AnchoredHead) -> None:
        self.by_seat.setdefault(head.seat, []).append(head)

    def anchors(self, seat: str) -> tuple[AnchoredHead, ...]:
        return tuple(self.by_seat.get(seat, ()))


class AnchorFile:
    """The embedded feed's anchor log: ``DATA_DIR/anchors.sqlite``, one row per stored anchor.

    ``synchronous=FULL``: an anchor the server answered 201 for survives a power cut.
    """

    def __init__(self, data_dir: Path, clock: Callable[[], datetime] = utc_now) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self.path = data_dir / "anchors.sqlite"
        self.clock = clock
        self.db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.execute("CREATE TABLE IF NOT EXISTS anchors (n INTEGER PRIMARY KEY, seat TEXT NOT NULL,"
                        " seq INTEGER NOT NULL, hash TEXT NOT NULL, received_at TEXT NOT NULL)")
        self.book = AnchorBook()
        for seat, seq, digest, received in self.db.execute(
                "SELECT seat, seq, hash, received_at FROM anchors ORDER BY n"):
            self.book.add(AnchoredHead(seat=seat, seq=seq, hash=digest, received_at=datetime.fromisoformat(received)))

    def record(self, seat: str, anchor: AuditAnchor) -> tuple[AnchoredHead, bool]:
        """Store ``anchor`` for ``seat`` (checked by :func:`anchor_refusal`); (the head, whether it is new)."""
        same = self.book.repeats(seat, anchor)
        if same is not None:
            return same, False
        head = AnchoredHead(seat=seat, seq=anchor.seq, hash=anchor.hash, received_at=self.clock())
        self.db.execute("INSERT INTO anchors (seat, seq, hash, received_at) VALUES (?, ?, ?, ?)",
                        (seat, head.seq, head.hash, head.received_at.isoformat()))
        self.book.add(head)
        return head, True

    def close(self) -> None:
        self.db.close()

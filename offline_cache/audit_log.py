"""A tamper-evident audit log: every operator action, hash-chained in the cache.

Each record's hash covers the previous record's hash and the canonical JSON of
its own fields (seq, ts, actor, action, target, detail, algo), so editing any
record, or deleting or inserting one in the middle, breaks the chain from that
point on and :meth:`AuditLog.verify` names the first broken record.

The hash is SM3 (GB/T 32905, the national standard government systems are
expected to use) when this platform's OpenSSL offers it, otherwise SHA-256.  The
algorithm is stored per record, so a cache moved between machines, or written
before an OpenSSL upgrade, still verifies record by record.

What a chain cannot show by itself: removal of the *newest* records.  The head
(:meth:`AuditLog.head`) is therefore printed by the verifier so that it can be
noted in the duty log and compared later.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterator

import sqlite_utils

GENESIS_HASH = "0" * 64
"""``prev_hash`` of the first record."""

SCHEMA = """
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY,
    ts TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    detail_json TEXT NOT NULL,
    algo TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
)
"""


def algo_available(algo: str) -> bool:
    """Whether hashlib can compute ``algo`` here (SM3 depends on the OpenSSL build)."""
    try:
        hashlib.new(algo)
    except (ValueError, TypeError):
        return False
    return True


def default_algo() -> str:
    """``"sm3"`` where OpenSSL provides it, else ``"sha256"``."""
    return "sm3" if algo_available("sm3") else "sha256"


def canonical_json(value: Any) -> str:
    """Sorted keys, no whitespace, UTF-8 text kept: one byte string per value."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False)


def record_hash(algo: str, prev_hash: str, seq: int, ts: str, actor: str, action: str,
                target: str, detail: Any) -> str:
    """H(prev_hash || canonical JSON of the record's fields), hex."""
    body = canonical_json({"seq": seq, "ts": ts, "actor": actor, "action": action,
                           "target": target, "detail": detail, "algo": algo})
    h = hashlib.new(algo)
    h.update(prev_hash.encode("ascii"))
    h.update(body.encode("utf-8"))
    return h.hexdigest()


@dataclass(frozen=True)
class AuditRecord:
    """One row of the audit table."""

    seq: int
    ts: str
    actor: str
    action: str
    target: str
    detail: dict[str, Any]
    algo: str
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class VerifyResult:
    """Outcome of :meth:`AuditLog.verify`; ``reason`` is in Chinese for the operator."""

    ok: bool
    checked: int
    first_broken_seq: int | None = None
    reason: str = ""
    head_seq: int | None = None
    head_hash: str | None = None


class AuditLog:
    """The ``audit`` table of the cache: append-only, hash-chained.

    ``cache`` is an ``offline_cache.db.CacheDb`` or a bare ``sqlite_utils.Database``.
    ``algo`` forces a hash algorithm for new records (default: :func:`default_algo`).
    """

    def __init__(self, cache: Any, *, algo: str | None = None) -> None:
        db = cache if isinstance(cache, sqlite_utils.Database) else getattr(cache, "db", None)
        if not isinstance(db, sqlite_utils.Database):
            raise TypeError("AuditLog needs a CacheDb or a sqlite_utils.Database")
        self.db = db
        self.algo = algo or default_algo()
        if not algo_available(self.algo):
            raise ValueError(f"hash algorithm {self.algo!r} is not available on this platform")
        if not self._table_exists():  # checked first so a read-only verifier can open it
            self.db.conn.execute(SCHEMA)

    def _table_exists(self) -> bool:
        row = self.db.conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'audit'").fetchone()
        return row is not None

    # ------------------------------------------------------------------ writing

    def append(self, actor: str, action: str, target: str, detail: dict[str, Any] | None = None,
               *, ts: datetime | None = None) -> AuditRecord:
        """Append one record, committed before returning, and return it."""
        detail = dict(detail or {})
        detail_json = canonical_json(detail)  # also refuses what JSON cannot carry
        # Round-trip so the hash covers exactly what verify() will read back
        # (tuples become lists, and so on).
        detail = json.loads(detail_json)
        when = (ts or datetime.now(timezone.utc))
        if when.tzinfo is None:
            raise ValueError("audit timestamps must be timezone-aware")
        ts_text = when.isoformat(timespec="microseconds")
        conn = self.db.conn
        # The read of the head and the insert must be one write transaction, or
        # two appends could chain onto the same predecessor.
        outer = conn.in_transaction
        conn.execute("SAVEPOINT audit_append" if outer else "BEGIN IMMEDIATE")
        try:
            row = conn.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
            seq, prev = (row[0] + 1, row[1]) if row else (1, GENESIS_HASH)
            digest = record_hash(self.algo, prev, seq, ts_text, actor, action, target, detail)
            conn.execute(
                "INSERT INTO audit (seq, ts, actor, action, target, detail_json, algo, prev_hash, hash)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (seq, ts_text, actor, action, target, detail_json, self.algo, prev, digest))
        except BaseException:
            if outer:
                conn.execute("ROLLBACK TO audit_append")
                conn.execute("RELEASE audit_append")
            else:
                conn.execute("ROLLBACK")
            raise
        conn.execute("RELEASE audit_append" if outer else "COMMIT")
        return AuditRecord(seq, ts_text, actor, action, target, detail, self.algo, prev, digest)

    # ------------------------------------------------------------------ reading

    def records(self, after_seq: int = 0) -> Iterator[AuditRecord]:
        """Records in seq order (detail parsed; a record whose detail is not JSON raises)."""
        for row in self._rows(after_seq):
            seq, ts, actor, action, target, detail_json, algo, prev, digest = row
            yield AuditRecord(seq, ts, actor, action, target, json.loads(detail_json), algo, prev, digest)

    def _rows(self, after_seq: int = 0) -> Iterator[tuple[Any, ...]]:
        cur = self.db.conn.execute(
            "SELECT seq, ts, actor, action, target, detail_json, algo, prev_hash, hash"
            " FROM audit WHERE seq > ? ORDER BY seq", (after_seq,))
        yield from cur

    def count(self) -> int:
        return int(self.db.conn.execute("SELECT COUNT(*) FROM audit").fetchone()[0])

    def head(self) -> tuple[int, str] | None:
        """(seq, hash) of the newest record, or None when the log is empty."""
        row = self.db.conn.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
        return (int(row[0]), str(row[1])) if row else None

    def verify(self) -> VerifyResult:
        """Walk the chain from the first record; stop at the first one that does not hold."""
        prev_hash, prev_seq, checked = GENESIS_HASH, 0, 0

        def broken(seq: int, reason: str) -> VerifyResult:
            return VerifyResult(False, checked, seq, reason)

        for row in self._rows():
            seq, ts, actor, action, target, detail_json, algo, stored_prev, stored_hash = row
            if seq != prev_seq + 1:
                if prev_seq == 0:
                    return broken(seq, f"第 {seq} 条记录之前的记录缺失（链应从第 1 条开始）")
                return broken(seq, f"序号不连续：第 {prev_seq} 条之后是第 {seq} 条，中间记录被删除")
            if not algo_available(str(algo)):
                return broken(seq, f"第 {seq} 条记录的哈希算法 {algo} 在本机不可用，无法校验")
            try:
                detail = json.loads(detail_json)
            except (TypeError, ValueError):
                return broken(seq, f"第 {seq} 条记录的 detail_json 不是有效的 JSON（已被改动）")
            if stored_prev != prev_hash:
                return broken(seq, f"第 {seq} 条记录的 prev_hash 与第 {prev_seq} 条的哈希不符"
                                   "（前面的记录被删除、插入或改动）")
            expected = record_hash(str(algo), str(stored_prev), int(seq), str(ts), str(actor),
                                   str(action), str(target), detail)
            if expected != stored_hash:
                return broken(seq, f"第 {seq} 条记录的内容与其哈希不符（记录被改动）")
            prev_hash, prev_seq = str(stored_hash), int(seq)
            checked += 1
        return VerifyResult(True, checked, None, "",
                            head_seq=prev_seq or None, head_hash=prev_hash if prev_seq else None)


__all__ = [
    "AuditLog",
    "AuditRecord",
    "VerifyResult",
    "GENESIS_HASH",
    "algo_available",
    "canonical_json",
    "default_algo",
    "record_hash",
]

"""Operator-side audit: who did what to which object, into the hash-chained log.

:class:`Auditor` binds an :class:`offline_cache.audit_log.AuditLog` to the
operator on duty so that callers write ``auditor.record("alert.acknowledge",
alert_id, command_id=...)``.  :func:`main_audit` is ``pingshan-console audit
verify --cache DIR``: it opens the cache read-only (verification must not alter
the evidence it checks) and walks the chain.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from pathlib import Path
from typing import Any, Sequence

import sqlite_utils

from offline_cache.audit_log import AuditLog, AuditRecord, VerifyResult
from offline_cache.db import CACHE_FILE


class Auditor:
    """Records actions of one operator into an :class:`AuditLog`."""

    def __init__(self, audit_log: AuditLog, operator: str) -> None:
        if not operator:
            raise ValueError("an audit record needs an operator")
        self.audit_log = audit_log
        self.operator = operator

    def record(self, action: str, target: str, **detail: Any) -> AuditRecord:
        """Append ``action`` on ``target`` by this operator; ``detail`` must be JSON-able."""
        return self.audit_log.append(self.operator, action, target, detail)


def _open_read_only(path: Path) -> sqlite_utils.Database:
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    return sqlite_utils.Database(conn)


def verify_cache(cache_dir: Path) -> VerifyResult:
    """Verify the audit chain of the cache in ``cache_dir`` (read-only)."""
    db = _open_read_only(cache_dir / CACHE_FILE)
    try:
        exists = db.conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'audit'").fetchone()
        if not exists:
            return VerifyResult(True, 0)
        return AuditLog(db).verify()
    finally:
        db.conn.close()


def format_result(result: VerifyResult) -> str:
    """The one-line Chinese verdict the CLI prints."""
    if result.ok:
        text = f"审计链完整：{result.checked} 条记录"
        if result.head_seq is not None and result.head_hash:
            # The head is what a later check compares against: truncation of the
            # newest records leaves a chain that is itself intact.
            text += f"（末条 #{result.head_seq}，哈希 {result.head_hash[:16]}…）"
        return text
    return (f"审计链断裂：第 {result.first_broken_seq} 条记录未通过校验"
            f"（此前 {result.checked} 条完好）：{result.reason}")


def main_audit(argv: Sequence[str] | None = None) -> int:
    """``pingshan-console audit verify --cache DIR``: exit 0 if the chain holds, else 1."""
    parser = argparse.ArgumentParser(prog="pingshan-console audit", description="审计日志")
    sub = parser.add_subparsers(dest="command", required=True)
    verify = sub.add_parser("verify", help="校验审计哈希链")
    verify.add_argument("--cache", required=True, metavar="DIR", help="控制台缓存目录")
    args = parser.parse_args(list(argv) if argv is not None else None)

    cache_dir = Path(args.cache)
    if not (cache_dir / CACHE_FILE).is_file():
        print(f"找不到缓存文件：{CACHE_FILE}（目录 {cache_dir}）", file=sys.stderr)
        return 2
    try:
        result = verify_cache(cache_dir)
    except sqlite3.DatabaseError as exc:
        print(f"无法读取缓存：{exc}", file=sys.stderr)
        return 2
    line = format_result(result)
    print(line, file=sys.stdout if result.ok else sys.stderr)
    return 0 if result.ok else 1


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main_audit())

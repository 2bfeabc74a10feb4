"""Operator-side audit: who did what to which object, into the hash-chained log.

:class:`Auditor` binds an :class:`offline_cache.audit_log.AuditLog` to the
operator on duty so that callers write ``auditor.record("alert.acknowledge",
alert_id, command_id=...)``.  :func:`main_audit` is ``pingshan-console audit
verify --cache DIR [--against URL --user NAME]``: it opens the cache read-only
(verification must not alter the evidence it checks) and walks the chain; with
``--against`` it also checks the chain against the heads the gateway anchored for
the seat (:mod:`console.audit_anchor`).

Exit codes: 0 the chain holds (and holds every anchored head); 1 it does not (a
broken link, or an anchored head missing or different); 2 the check could not be
made (no cache file, unreadable cache, gateway unreachable, login refused); 3 the
cache's chain was set aside as corrupt and the chain in its place is empty: nothing
here to vouch for, the old file is named.
"""

from __future__ import annotations

import argparse
import asyncio
import json
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


def list_records(cache_dir: Path, prefix: str) -> list[str]:
    """One line per audit record whose action starts with ``prefix`` (read-only):
    sequence, time, actor, action, target and the detail as JSON."""
    db = _open_read_only(cache_dir / CACHE_FILE)
    try:
        return [f"#{r.seq} {r.ts} {r.actor} {r.action} {r.target} {json.dumps(r.detail, ensure_ascii=False)}"
                for r in AuditLog(db).records() if r.action.startswith(prefix)]
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


def set_aside_files(cache_dir: Path) -> list[Path]:
    """Earlier cache files moved aside as corrupt (``offline_cache.db.open_cache``), oldest first."""
    return sorted((p for p in cache_dir.glob(f"{CACHE_FILE}.corrupt-*")
                   if not p.name.endswith(("-wal", "-shm"))), key=lambda p: p.name)


def set_aside_lines(cache_dir: Path, result: VerifyResult) -> list[str]:
    """What to say about chains set aside: an empty chain next to one is no proof of anything."""
    moved = set_aside_files(cache_dir)
    if not moved:
        return []
    names = "、".join(str(p) for p in moved)
    if result.ok and result.checked == 0:
        return [f"审计链已被移走：本地缓存曾损坏，原缓存（含其审计链）已移至 {names}；"
                "当前缓存中没有审计记录，无法证明此前的操作记录完整"]
    return [f"注意：本地缓存曾损坏并被移走，此前的审计链在 {names}（当前链从移走之后开始）"]


def _read_anchors(urls: list[str], ca: str | None, user: str | None, password: str | None,
                  seat: str | None) -> Any:
    """The seat's anchored heads from the first gateway that answers (logged in when ``user``)."""
    from console.auth import headless_login
    from console.gateway import GatewayClient

    async def fetch() -> Any:
        session, auth = await headless_login(urls, ca or True, user, password)
        client = GatewayClient(urls, verify=ca or True, token=auth.get("token"))
        try:
            return await client.anchors(seat)
        finally:
            await client.aclose()
            if session is not None:
                await session.aclose()

    return asyncio.run(fetch())


def main_audit(argv: Sequence[str] | None = None) -> int:
    """``pingshan-console audit verify --cache DIR [--against URL …]``: exit codes in the module doc."""
    parser = argparse.ArgumentParser(prog="pingshan-console audit", description="审计日志",
                                     epilog="退出码：0 完整；1 断裂或与网关锚点不符；2 无法校验；3 审计链已被移走")
    sub = parser.add_subparsers(dest="command", required=True)
    verify = sub.add_parser("verify", help="校验审计哈希链")
    verify.add_argument("--cache", required=True, metavar="DIR", help="控制台缓存目录")
    verify.add_argument("--against", action="append", default=None, metavar="URL",
                        help="同时核对网关保存的本席位锚点（链头）；可重复给出同一区的多个网关")
    verify.add_argument("--user", default=None, help="登录用户名（密码从标准输入读取）；缺省则不登录")
    verify.add_argument("--seat", default=None, help="核对哪个席位的锚点（缺省为登录用户本人；他人须值班长或管理员）")
    verify.add_argument("--verify", default=None, metavar="CA", help="自签 CA 证书路径（https）")
    verify.add_argument("--list", default=None, metavar="PREFIX",
                        help="校验后列出动作以此开头的记录，如 duty. 列出交接班与查岗（含双方姓名与时间）")
    args = parser.parse_args(list(argv) if argv is not None else None)

    cache_dir = Path(args.cache)
    if not (cache_dir / CACHE_FILE).is_file():
        moved = set_aside_files(cache_dir)
        where = f"；已移走的缓存：{'、'.join(map(str, moved))}" if moved else ""
        print(f"找不到缓存文件：{CACHE_FILE}（目录 {cache_dir}）{where}", file=sys.stderr)
        return 2
    try:
        result = verify_cache(cache_dir)
    except sqlite3.DatabaseError as exc:
        print(f"无法读取缓存：{exc}", file=sys.stderr)
        return 2
    aside = set_aside_lines(cache_dir, result)
    if aside and result.ok and result.checked == 0:
        for line in aside:
            print(line, file=sys.stderr)
        return 3
    if not args.against:
        line = format_result(result)
        print(line, file=sys.stdout if result.ok else sys.stderr)
        if args.list:
            for line in list_records(cache_dir, args.list):
                print(line)
        for line in aside:
            print(line, file=sys.stderr)
        return 0 if result.ok else 1
    return _verify_against(args, cache_dir, aside)


def _verify_against(args: argparse.Namespace, cache_dir: Path, aside: list[str]) -> int:
    from console.audit_anchor import check_against, format_check
    from console.auth import AuthError

    password = sys.stdin.readline().rstrip("\r\n") if args.user else None
    try:
        listing = _read_anchors(list(args.against), args.verify, args.user, password, args.seat)
    except AuthError as exc:
        print(f"无法登录网关：{exc.reason}", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - a CLI reports, it does not dump
        print(f"无法取得网关锚点：{exc}", file=sys.stderr)
        return 2
    db = _open_read_only(cache_dir / CACHE_FILE)
    try:
        exists = db.conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'audit'").fetchone()
        # No audit table at all: checked as the empty chain it is (every anchor then missing).
        log = AuditLog(db if exists else sqlite_utils.Database(memory=True))
        check = check_against(log, listing.anchors)
    finally:
        db.conn.close()
    lines = format_check(check, ", ".join(args.against)) + aside
    out = sys.stdout if check.ok else sys.stderr
    for line in lines:
        print(line, file=out)
    return 0 if check.ok else 1


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main_audit())

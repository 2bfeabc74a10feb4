"""The audit chain anchored at the real feed: truncation, rewrite-and-rehash and a swapped-in
old cache file are each found by ``audit verify --against``; a set-aside chain is named.

Each attack below passes the plain ``audit verify`` (shown in the test): only the heads the
server kept for the seat catch it.
"""

from __future__ import annotations

import asyncio
import io
import shutil
import sqlite3
from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest

from console.audit import main_audit
from console.audit_anchor import AnchorSender
from console.auth import headless_login
from console.feed_process import FeedProcess
from console.gateway import GatewayClient
from console.runtime import CACHE_FILE, ConsoleConfig, ConsoleCore
from offline_cache.audit_log import AuditLog, record_hash
from offline_cache.db import CacheDb, open_cache


def _token(url: str, user: str) -> str:
    r = httpx.post(url + "/api/v1/auth/token", data={"username": user, "password": user}, timeout=30)
    assert r.status_code == 200, r.text
    return str(r.json()["access_token"])


def _anchor(url: str, log: AuditLog, user: str = "duty") -> tuple[int, str]:
    """Anchor ``log``'s head as the console does (AnchorSender over the real client)."""

    async def go() -> tuple[int, str]:
        gw = GatewayClient(url, token=_token(url, user))
        try:
            sender = AnchorSender(gw, log)
            assert await sender.send_head(), sender.last_error
            assert sender.anchored is not None
            return sender.anchored
        finally:
            await gw.aclose()

    return asyncio.run(go())


def _fill(log: AuditLog, n: int, start: int = 1) -> None:
    for k in range(start, start + n):
        log.append("值班员甲", "alert.acknowledge", f"A-{k}", {"command_id": f"cmd-{k}"})


def _verify(capsys: pytest.CaptureFixture[str], cache_dir: Path, *extra: str, user: str | None = "duty",
            password: str | None = None, monkeypatch: pytest.MonkeyPatch | None = None) -> tuple[int, str]:
    if user is not None:
        assert monkeypatch is not None
        monkeypatch.setattr("sys.stdin", io.StringIO(f"{password or user}\n"))
        extra = (*extra, "--user", user)
    code = main_audit(["verify", "--cache", str(cache_dir), *extra])
    out = capsys.readouterr()
    return code, out.out + out.err


@pytest.fixture()
def cache(tmp_path: Path) -> Iterator[CacheDb]:
    c = open_cache(tmp_path / "cache" / CACHE_FILE)
    yield c
    c.close()


def _rehash_from(conn: sqlite3.Connection, log: AuditLog, seq: int, actor: str) -> None:
    """The attack: change record ``seq`` and recompute every hash after it with the public function."""
    conn.execute("UPDATE audit SET actor = ? WHERE seq = ?", (actor, seq))
    prev = None
    for r in list(log.records()):
        if prev is not None and r.seq >= seq:
            digest = record_hash(r.algo, prev, r.seq, r.ts, r.actor, r.action, r.target, r.detail)
            conn.execute("UPDATE audit SET prev_hash = ?, hash = ? WHERE seq = ?", (prev, digest, r.seq))
            prev = digest
        elif r.seq == seq:  # the first record: its prev_hash is the genesis
            digest = record_hash(r.algo, r.prev_hash, r.seq, r.ts, r.actor, r.action, r.target, r.detail)
            conn.execute("UPDATE audit SET hash = ? WHERE seq = ?", (digest, r.seq))
            prev = digest
        else:
            prev = r.hash


def test_intact_chain_holds_every_anchor(login_feed: FeedProcess, cache: CacheDb, capsys: Any,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    log = AuditLog(cache)
    _fill(log, 3)
    _anchor(login_feed.url, log)
    _fill(log, 4, start=4)
    assert _anchor(login_feed.url, log)[0] == 7
    code, text = _verify(capsys, cache.path.parent, "--against", login_feed.url, monkeypatch=monkeypatch)
    assert code == 0, text
    assert "审计链完整，与网关锚点相符：7 条记录，2 个锚点均在链中" in text


def test_truncation_is_found(login_feed: FeedProcess, cache: CacheDb, capsys: Any,
                             monkeypatch: pytest.MonkeyPatch) -> None:
    log = AuditLog(cache)
    _fill(log, 8)
    _anchor(login_feed.url, log)
    cache.conn.execute("DELETE FROM audit WHERE seq > 5")  # the newest three cut off
    code, text = _verify(capsys, cache.path.parent, user=None)
    assert code == 0 and "审计链完整：5 条记录" in text  # the chain alone cannot tell
    code, text = _verify(capsys, cache.path.parent, "--against", login_feed.url, monkeypatch=monkeypatch)
    assert code == 1, text
    assert "与网关锚点不符：第 8 条不在本地链中" in text and "本地链只到第 5 条" in text


def test_rewrite_and_rehash_is_found(login_feed: FeedProcess, cache: CacheDb, capsys: Any,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    log = AuditLog(cache)
    _fill(log, 4)
    _anchor(login_feed.url, log)
    _fill(log, 4, start=5)
    _anchor(login_feed.url, log)
    _rehash_from(cache.conn, log, 2, "别人")
    code, text = _verify(capsys, cache.path.parent, user=None)
    assert code == 0 and "审计链完整：8 条记录" in text  # rehashed: the chain alone holds
    code, text = _verify(capsys, cache.path.parent, "--against", login_feed.url, monkeypatch=monkeypatch)
    assert code == 1, text
    assert "与网关锚点不符：第 4 条的哈希与锚点不同（2/2 个锚点不符" in text
    assert "记录被改写并重新计算了哈希" in text


def test_swapped_in_old_cache_file_is_found(login_feed: FeedProcess, tmp_path: Path, capsys: Any,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    cache_dir = tmp_path / "console"
    c = open_cache(cache_dir / CACHE_FILE)
    log = AuditLog(c)
    _fill(log, 3)
    _anchor(login_feed.url, log)
    c.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copy(c.path, tmp_path / "old.sqlite")  # a copy taken mid-shift
    _fill(log, 5, start=4)
    _anchor(login_feed.url, log)
    c.close()
    for side in ("-wal", "-shm"):
        Path(str(c.path) + side).unlink(missing_ok=True)
    shutil.copy(tmp_path / "old.sqlite", c.path)  # ... put back in place of the real one
    code, text = _verify(capsys, cache_dir, user=None)
    assert code == 0 and "审计链完整：3 条记录" in text
    code, text = _verify(capsys, cache_dir, "--against", login_feed.url, monkeypatch=monkeypatch)
    assert code == 1, text
    assert "与网关锚点不符：第 8 条不在本地链中（1/2 个锚点不符" in text


def test_anchors_are_per_seat_and_checked_for_the_logged_in_seat(login_feed: FeedProcess, cache: CacheDb,
                                                                 capsys: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    log = AuditLog(cache)
    _fill(log, 2)
    _anchor(login_feed.url, log, user="chief")
    # duty has no anchors: the chain is intact but the end could not be vouched for.
    code, text = _verify(capsys, cache.path.parent, "--against", login_feed.url, monkeypatch=monkeypatch)
    assert code == 0 and "尚无本席位的锚点" in text
    # duty may not read chief's anchors; the supervisor may read anyone's.
    code, text = _verify(capsys, cache.path.parent, "--against", login_feed.url, "--seat", "chief",
                         monkeypatch=monkeypatch)
    assert code == 2 and "只能查看本席位的锚点" in text
    code, text = _verify(capsys, cache.path.parent, "--against", login_feed.url, "--seat", "chief", user="chief",
                         monkeypatch=monkeypatch)
    assert code == 0 and "1 个锚点均在链中" in text
    code, text = _verify(capsys, cache.path.parent, "--against", login_feed.url, user="duty", password="wrong",
                         monkeypatch=monkeypatch)
    assert code == 2 and "无法登录网关" in text
    # A seat anchors its own chain only.
    r = httpx.post(login_feed.url + "/api/v1/audit/anchors", json={"seq": 1, "hash": "a" * 64, "seat": "chief"},
                   headers={"Authorization": f"Bearer {_token(login_feed.url, 'duty')}"}, timeout=30)
    assert r.status_code == 403 and "只能锚定本席位" in r.json()["detail"]


def test_feed_keeps_anchors_across_a_restart(feed_factory: Any, tmp_path: Path) -> None:
    data = tmp_path / "feed-data"
    feed = feed_factory(data_dir=data, alerts_per_s=0, readings_per_s=1, extra_args=("--require-login",))
    headers = {"Authorization": f"Bearer {_token(feed.url, 'duty')}"}
    for seq, digest in ((1, "a" * 64), (1, "a" * 64), (2, "b" * 64)):
        r = httpx.post(feed.url + "/api/v1/audit/anchors", json={"seq": seq, "hash": digest}, headers=headers,
                       timeout=30)
        assert r.status_code in (200, 201), r.text
    feed.close()
    again = feed_factory(data_dir=data, alerts_per_s=0, readings_per_s=1, extra_args=("--require-login",))
    r = httpx.get(again.url + "/api/v1/audit/anchors", headers={"Authorization": f"Bearer {_token(again.url, 'duty')}"},
                  timeout=30)
    body = r.json()
    assert body["seat"] == "duty" and [(a["seq"], a["hash"][0]) for a in body["anchors"]] == [(1, "a"), (2, "b")]


def test_console_anchors_each_command_and_at_stop(login_feed: FeedProcess, tmp_path: Path) -> None:
    async def go() -> list[tuple[int, str]]:
        session, auth = await headless_login([login_feed.url], True, "duty", "duty")
        assert session is not None
        core = ConsoleCore(ConsoleConfig(backend_url=login_feed.url, cache_dir=tmp_path / "c",
                                         fetch_catalogues=False, anchor_period_s=3600, **auth))
        gw = GatewayClient(login_feed.url, token=auth["token"])
        try:
            await core.start()
            assert await core.wait_live(30)
            core.commands.submit("alert.acknowledge", "no-such-alert")
            head = core.auditor.audit_log.head()
            for _ in range(100):  # woken by the submit, not by the hour-long period
                if core.anchors.anchored == head:
                    break
                await asyncio.sleep(0.05)
            assert core.anchors.anchored == head
            core.auditor.record("test.note", "x")  # no command: only the stop anchors it
            last = core.auditor.audit_log.head()
            await core.stop()
            heads = [(a.seq, a.hash) for a in (await gw.anchors()).anchors]
            assert heads[-1] == last
            return heads
        finally:
            await core.stop()
            await gw.aclose()
            await session.aclose()

    assert len(asyncio.run(go())) == 2


def test_live_console_anchors_a_moved_head_every_period(login_feed: FeedProcess, tmp_path: Path) -> None:
    async def go() -> None:
        session, auth = await headless_login([login_feed.url], True, "duty", "duty")
        assert session is not None
        core = ConsoleCore(ConsoleConfig(backend_url=login_feed.url, cache_dir=tmp_path / "c",
                                         fetch_catalogues=False, anchor_period_s=0.3, **auth))
        try:
            await core.start()
            for n in range(3):  # records that no command wakes the sender for
                core.auditor.record("test.note", f"x{n}")
                head = core.auditor.audit_log.head()
                for _ in range(60):
                    if core.anchors.anchored == head:
                        break
                    await asyncio.sleep(0.05)
                assert core.anchors.anchored == head, core.anchors.last_error
            assert core.anchors.sent == 3
        finally:
            await core.stop()
            await session.aclose()

    asyncio.run(go())


def test_set_aside_chain_is_named_not_called_complete(tmp_path: Path, capsys: Any) -> None:
    cache_dir = tmp_path / "console"
    c = open_cache(cache_dir / CACHE_FILE)
    _fill(AuditLog(c), 5)
    c.close()
    for side in ("-wal", "-shm"):
        Path(str(c.path) + side).unlink(missing_ok=True)
    c.path.write_bytes(b"this is not a database" * 100)
    fresh = open_cache(cache_dir / CACHE_FILE)  # what a starting console does: moved aside, new file
    assert fresh.moved_to is not None
    fresh.close()
    code = main_audit(["verify", "--cache", str(cache_dir)])
    text = capsys.readouterr().err
    assert code == 3, text
    assert "完整：0 条记录" not in text
    assert "审计链已被移走" in text and str(fresh.moved_to) in text


def test_console_starts_the_new_chain_with_where_the_old_one_went(tmp_path: Path, capsys: Any) -> None:
    cache_dir = tmp_path / "console"
    (cache_dir).mkdir()
    (cache_dir / CACHE_FILE).write_bytes(b"garbage" * 200)

    async def go() -> None:
        core = ConsoleCore(ConsoleConfig(backend_url=None, cache_dir=cache_dir))
        await core.start()
        first = next(core.auditor.audit_log.records())
        assert first.action == "cache.set_aside" and first.target.startswith(f"{CACHE_FILE}.corrupt-")
        await core.stop()

    asyncio.run(go())
    code = main_audit(["verify", "--cache", str(cache_dir)])
    out = capsys.readouterr()
    assert code == 0 and "审计链完整：1 条记录" in out.out
    assert "此前的审计链在" in out.err and ".corrupt-" in out.err

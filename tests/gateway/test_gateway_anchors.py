"""Audit anchors at the real gateway on nats-server: kept in JetStream, shared by replicas,
kept across a restart; truncation, rewrite-and-rehash and an old cache file found by
``audit verify --against`` (the same wire contract as the embedded feed)."""

from __future__ import annotations

import asyncio
import io
import shutil
from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest

from console.audit import main_audit
from console.audit_anchor import AnchorSender
from console.gateway import GatewayClient
from offline_cache.audit_log import AuditLog, record_hash
from offline_cache.db import CACHE_FILE, open_cache
from tests.support.natsupport import GatewayProcess, NatsNode


@pytest.fixture()
def gateways(tmp_path: Path) -> Iterator[tuple[NatsNode, GatewayProcess, GatewayProcess]]:
    node = NatsNode(tmp_path, "anchors").start()
    a = GatewayProcess([node.url], tmp_path, name="gw-a", extra_args=("--iot-flush-s", "0"))
    b = GatewayProcess([node.url], tmp_path, name="gw-b", extra_args=("--iot-flush-s", "0"))
    try:
        node.wait_jetstream()
        a.start()
        b.start()
        yield node, a, b
    finally:
        a.stop()
        b.stop()
        node.stop()


def _token(url: str, user: str = "duty") -> str:
    r = httpx.post(url + "/api/v1/auth/token", data={"username": user, "password": user}, timeout=30)
    assert r.status_code == 200, r.text
    return str(r.json()["access_token"])


def _anchor(url: str, log: AuditLog) -> None:
    async def go() -> None:
        gw = GatewayClient(url, token=_token(url))
        try:
            sender = AnchorSender(gw, log)
            assert await sender.send_head(), sender.last_error
        finally:
            await gw.aclose()

    asyncio.run(go())


def _fill(log: AuditLog, n: int, start: int = 1) -> None:
    for k in range(start, start + n):
        log.append("值班员甲", "alert.acknowledge", f"A-{k}", {"command_id": f"cmd-{k}"})


def _verify(cache_dir: Path, url: str, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> tuple[int, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO("duty\n"))
    code = main_audit(["verify", "--cache", str(cache_dir), "--against", url, "--user", "duty"])
    out = capsys.readouterr()
    return code, out.out + out.err


def test_gateway_anchors_catch_each_attack(gateways: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: Any) -> None:
    _node, a, b = gateways
    cache_dir = tmp_path / "console"
    c = open_cache(cache_dir / CACHE_FILE)
    log = AuditLog(c)
    _fill(log, 3)
    _anchor(str(a.url), log)  # anchored on one replica ...
    c.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copy(c.path, tmp_path / "old.sqlite")
    _fill(log, 4, start=4)
    _anchor(str(a.url), log)
    code, text = _verify(cache_dir, str(b.url), monkeypatch, capsys)  # ... checked on the other
    assert code == 0 and "7 条记录，2 个锚点均在链中" in text, text

    # Rewrite record 5 and rehash everything after it.
    c.conn.execute("UPDATE audit SET actor = '别人' WHERE seq = 5")
    prev = log.head()
    records = list(log.records())
    prev_hash = records[3].hash
    for r in records[4:]:
        digest = record_hash(r.algo, prev_hash, r.seq, r.ts, r.actor, r.action, r.target, r.detail)
        c.conn.execute("UPDATE audit SET prev_hash = ?, hash = ? WHERE seq = ?", (prev_hash, digest, r.seq))
        prev_hash = digest
    assert log.verify().ok and log.head() != prev
    code, text = _verify(cache_dir, str(b.url), monkeypatch, capsys)
    assert code == 1 and "与网关锚点不符：第 7 条的哈希与锚点不同" in text, text

    # Truncation.
    c.conn.execute("DELETE FROM audit WHERE seq > 4")
    code, text = _verify(cache_dir, str(a.url), monkeypatch, capsys)
    assert code == 1 and "与网关锚点不符：第 7 条不在本地链中" in text, text

    # An older copy of the file put back.
    c.close()
    for side in ("-wal", "-shm"):
        Path(str(c.path) + side).unlink(missing_ok=True)
    shutil.copy(tmp_path / "old.sqlite", c.path)
    code, text = _verify(cache_dir, str(a.url), monkeypatch, capsys)
    assert code == 1 and "第 7 条不在本地链中（1/2 个锚点不符" in text, text


def test_gateway_keeps_anchors_in_jetstream_across_restarts(gateways: Any) -> None:
    _node, a, b = gateways
    headers = {"Authorization": f"Bearer {_token(str(a.url))}"}
    for seq, digest, status in ((1, "a" * 64, 201), (1, "a" * 64, 200), (2, "b" * 64, 201)):
        r = httpx.post(str(a.url) + "/api/v1/audit/anchors", json={"seq": seq, "hash": digest}, headers=headers,
                       timeout=30)
        assert r.status_code == status, r.text
    r = httpx.post(str(a.url) + "/api/v1/audit/anchors", json={"seq": 3, "hash": "c" * 64, "seat": "chief"},
                   headers=headers, timeout=30)
    assert r.status_code == 403
    a.stop()
    b.stop()
    b.start()
    r = httpx.get(str(b.url) + "/api/v1/audit/anchors", headers={"Authorization": f"Bearer {_token(str(b.url))}"},
                  timeout=30)
    assert r.status_code == 200, r.text
    assert [(x["seq"], x["hash"][0]) for x in r.json()["anchors"]] == [(1, "a"), (2, "b")]
    chief = {"Authorization": f"Bearer {_token(str(b.url), 'chief')}"}
    r = httpx.get(str(b.url) + "/api/v1/audit/anchors", params={"seat": "duty"}, headers=chief, timeout=30)
    assert r.status_code == 200 and len(r.json()["anchors"]) == 2

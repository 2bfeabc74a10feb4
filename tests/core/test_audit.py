"""The hash-chained audit log: appends verify; edits, deletions and mixed algorithms."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

import pytest
import sqlite_utils

from console.audit import Auditor, main_audit
from console.runtime import CACHE_FILE
from offline_cache.audit_log import GENESIS_HASH, AuditLog, algo_available, default_algo
from offline_cache.db import CacheDb, open_cache

# The second algorithm of the mixed-chain test: SM3 where OpenSSL has it.
OTHER_ALGO = "sm3" if algo_available("sm3") else "sha512"


@pytest.fixture()
def cache(tmp_path: Path) -> Iterator[CacheDb]:
    c = open_cache(tmp_path / CACHE_FILE)
    yield c
    c.close()


def fill(log: AuditLog, n: int) -> None:
    for k in range(1, n + 1):
        log.append("值班员甲", "alert.acknowledge", f"A-{k}", {"command_id": f"cmd-{k}", "rev": k})


def test_chain_verifies(cache: CacheDb) -> None:
    log = AuditLog(cache)
    assert log.verify().ok and log.verify().checked == 0
    first = log.append("值班员甲", "alert.acknowledge", "A-1", {"note": "签收", "rev": 3})
    assert first.seq == 1 and first.prev_hash == GENESIS_HASH and first.algo == default_algo()
    fill(log, 9)
    records = list(log.records())
    assert [r.seq for r in records] == list(range(1, 11))
    assert all(b.prev_hash == a.hash for a, b in zip(records, records[1:]))
    res = log.verify()
    assert res.ok and res.checked == 10 and res.first_broken_seq is None
    assert (res.head_seq, res.head_hash) == log.head() == (10, records[-1].hash)


def test_accepts_bare_database_and_reopened_log_continues(tmp_path: Path) -> None:
    db = sqlite_utils.Database(tmp_path / "plain.sqlite")
    fill(AuditLog(db), 3)
    log = AuditLog(db)
    rec = log.append("值班员乙", "incident.declare", "I-1", {})
    assert rec.seq == 4 and log.verify().ok and log.count() == 4
    with pytest.raises(TypeError):
        AuditLog(object())


def test_edited_detail_is_found(cache: CacheDb) -> None:
    log = AuditLog(cache)
    fill(log, 6)
    cache.conn.execute("UPDATE audit SET detail_json = ? WHERE seq = 4",
                       (json.dumps({"command_id": "cmd-4", "rev": 99}),))
    res = log.verify()
    assert not res.ok and res.first_broken_seq == 4 and res.checked == 3
    assert "第 4 条" in res.reason


def test_edit_with_recomputed_hash_breaks_the_next_link(cache: CacheDb) -> None:
    from offline_cache.audit_log import record_hash

    log = AuditLog(cache)
    fill(log, 5)
    r = list(log.records())[2]
    forged = record_hash(r.algo, r.prev_hash, r.seq, r.ts, "别人", r.action, r.target, r.detail)
    cache.conn.execute("UPDATE audit SET actor = '别人', hash = ? WHERE seq = 3", (forged,))
    res = log.verify()
    assert not res.ok and res.first_broken_seq == 4


@pytest.mark.parametrize("deleted", [1, 5])
def test_deleted_record_is_found(cache: CacheDb, deleted: int) -> None:
    log = AuditLog(cache)
    fill(log, 8)
    cache.conn.execute("DELETE FROM audit WHERE seq = ?", (deleted,))
    res = log.verify()
    assert not res.ok and res.first_broken_seq == deleted + 1
    assert res.checked == deleted - 1


def test_renumbered_deletion_is_found_by_the_hash_link(cache: CacheDb) -> None:
    log = AuditLog(cache)
    fill(log, 5)
    cache.conn.execute("DELETE FROM audit WHERE seq = 3")
    cache.conn.execute("UPDATE audit SET seq = seq - 1 WHERE seq > 3")
    res = log.verify()
    assert not res.ok and res.first_broken_seq == 3 and "prev_hash" in res.reason


def test_mixed_algorithms_verify(cache: CacheDb) -> None:
    fill(AuditLog(cache, algo="sha256"), 3)
    other = AuditLog(cache, algo=OTHER_ALGO)
    fill(other, 3)
    fill(AuditLog(cache, algo="sha256"), 2)
    algos = [r.algo for r in other.records()]
    assert algos == ["sha256"] * 3 + [OTHER_ALGO] * 3 + ["sha256"] * 2
    assert other.verify().ok and other.verify().checked == 8
    # The algorithm is covered by the hash: relabelling a record is found.
    cache.conn.execute("UPDATE audit SET algo = ? WHERE seq = 2", (OTHER_ALGO,))
    res = other.verify()
    assert not res.ok and res.first_broken_seq == 2


def test_failed_append_leaves_no_row(cache: CacheDb) -> None:
    log = AuditLog(cache)
    fill(log, 2)
    with pytest.raises(TypeError):
        log.append("值班员甲", "alert.note", "A-1", {"bad": {1, 2}})
    assert log.count() == 2 and log.verify().ok


def test_append_inside_callers_transaction_uses_savepoint(cache: CacheDb) -> None:
    log = AuditLog(cache)
    conn = cache.conn
    conn.execute("BEGIN")
    log.append("值班员甲", "alert.note", "A-1", {"text": "同一事务"})
    assert conn.in_transaction  # the caller's transaction is not committed for it
    conn.execute("ROLLBACK")
    assert log.count() == 0


def test_auditor_records_operator(cache: CacheDb) -> None:
    auditor = Auditor(AuditLog(cache), "值班员丙")
    rec = auditor.record("alert.dispatch", "A-7", unit="maluan", expected_rev=2)
    assert (rec.actor, rec.action, rec.target) == ("值班员丙", "alert.dispatch", "A-7")
    assert rec.detail == {"unit": "maluan", "expected_rev": 2}


def test_main_audit_verify(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    c = open_cache(tmp_path / CACHE_FILE)
    fill(AuditLog(c), 4)
    c.close()
    assert main_audit(["verify", "--cache", str(tmp_path)]) == 0
    assert capsys.readouterr().out.startswith("审计链完整：4 条记录")

    c = open_cache(tmp_path / CACHE_FILE)
    c.conn.execute("UPDATE audit SET target = 'A-x' WHERE seq = 2")
    c.close()
    assert main_audit(["verify", "--cache", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "第 2 条" in err

    assert main_audit(["verify", "--cache", str(tmp_path / "none")]) == 2


def test_main_audit_empty_cache(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    open_cache(tmp_path / CACHE_FILE).close()  # no audit table yet
    assert main_audit(["verify", "--cache", str(tmp_path)]) == 0
    assert capsys.readouterr().out.strip() == "审计链完整：0 条记录"


def test_hash_is_prev_hash_then_canonical_json(cache: CacheDb) -> None:
    import hashlib

    log = AuditLog(cache, algo="sha256")
    a = log.append("值班员甲", "alert.close", "A-1", {"b": 1, "a": "闭环"})
    b = log.append("值班员甲", "alert.reopen", "A-1", {})
    for rec in (a, b):
        body = json.dumps({"seq": rec.seq, "ts": rec.ts, "actor": rec.actor, "action": rec.action,
                           "target": rec.target, "detail": rec.detail, "algo": "sha256"},
                          sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert rec.hash == hashlib.sha256((rec.prev_hash + body).encode("utf-8")).hexdigest()
    assert b.prev_hash == a.hash

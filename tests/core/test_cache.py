"""The local cache on real SQLite files: journal, crash safety, corruption, disk full,
file mode, snapshot tables, outbox life cycle, dead letters and blobs."""

from __future__ import annotations

import os
import signal
import sqlite3
import stat
import subprocess
import sys
import textwrap
from datetime import datetime, timezone
from pathlib import Path

import pytest

from offline_cache.blobs import BlobStore
from offline_cache.db import open_cache
from offline_cache.deadletters import MAX_RAW_BYTES, DeadLetters
from offline_cache.journal import Journal
from offline_cache.outbox import Outbox
from offline_cache.snapshots import SnapshotTables

ROOT = Path(__file__).resolve().parents[2]


def _fill(journal: Journal, first: int, last: int, body: str = "{}") -> None:
    for n in range(first, last + 1):
        journal.append(str(n), "alert.upsert", "2026-11-28T15:00:00+08:00", body)


# ------------------------------------------------------------------ file


def test_cache_file_is_private_and_in_wal_mode(tmp_path: Path) -> None:
    cache = open_cache(tmp_path / "sub" / "cache.sqlite")
    Journal(cache).append("1", "notice", "t", "{}")
    j = Journal(cache)
    _fill(j, 1, 3)
    j.flush()
    for name in ("cache.sqlite", "cache.sqlite-wal", "cache.sqlite-shm"):
        mode = stat.S_IMODE(os.stat(tmp_path / "sub" / name).st_mode)
        assert mode == 0o600, (name, oct(mode))
    assert cache.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert cache.conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL: durable at commit (issue 18)
    assert cache.conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000
    assert cache.notice is None
    cache.close()


def test_existing_loose_file_is_tightened_to_0600(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite"
    open_cache(path).close()
    os.chmod(path, 0o644)
    open_cache(path).close()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_garbage_file_is_moved_aside_and_a_fresh_cache_made(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite"
    path.write_bytes(b"this is not a database at all " * 200)
    (tmp_path / "cache.sqlite-wal").write_bytes(b"junk wal")
    cache = open_cache(path)
    assert cache.notice is not None and "本地缓存损坏" in cache.notice
    aside = sorted(tmp_path.glob("cache.sqlite.corrupt-*"))
    assert [p.name for p in aside if not p.name.endswith("-wal")], aside
    main_aside = next(p for p in aside if not p.name.endswith(("-wal", "-shm")))
    assert main_aside.read_bytes().startswith(b"this is not a database")
    assert (tmp_path / (main_aside.name + "-wal")).read_bytes() == b"junk wal"
    assert cache.moved_to == main_aside
    j = Journal(cache)
    _fill(j, 1, 2)
    assert j.flush() == 2
    cache.close()
    again = open_cache(path)
    assert again.notice is None and Journal(again).count() == 2
    again.close()


def test_damaged_pages_fail_quick_check_and_are_moved_aside(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite"
    cache = open_cache(path)
    j = Journal(cache)
    _fill(j, 1, 3000, body='{"text": "' + "坪山" * 40 + '"}')
    j.flush()
    cache.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    cache.close()
    size = path.stat().st_size
    assert size > 20 * 4096
    with open(path, "r+b") as fh:  # scribble over interior pages, keep the header valid
        for offset in range(3 * 4096, size - 4096, 7 * 4096):
            fh.seek(offset)
            fh.write(os.urandom(4096))
    cache = open_cache(path)
    assert cache.notice and "已移至" in cache.notice
    assert Journal(cache).count() == 0
    assert list(tmp_path.glob("cache.sqlite.corrupt-*"))
    cache.close()


def test_a_locked_cache_is_not_mistaken_for_a_corrupt_one(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite"
    open_cache(path).close()
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("PRAGMA locking_mode = EXCLUSIVE")
    other.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(sqlite3.OperationalError):
            open_cache(path, busy_timeout_ms=200)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert not list(tmp_path.glob("*.corrupt-*"))


# ------------------------------------------------------------------ journal


def test_journal_batches_and_resume_cursor_counts_only_committed_rows(tmp_path: Path) -> None:
    cache = open_cache(tmp_path / "c.sqlite")
    j = Journal(cache)
    assert j.last_stream_id() is None and j.max_seq() == 0 and j.count() == 0
    _fill(j, 1, 10)
    assert j.pending() == 10
    assert j.last_stream_id() is None, "buffered rows are not the resume cursor"
    assert j.flush() == 10
    assert j.pending() == 0 and j.count() == 10 and j.last_stream_id() == "10"
    _fill(j, 11, 15)
    assert j.last_stream_id() == "10"
    assert j.flush() == 5 and j.flush() == 0
    rows = list(j.read_after(12))
    assert [r[1] for r in rows] == ["13", "14", "15"]
    assert rows[0][0] == 13 and j.max_seq() == 15
    # read_after pages through long journals
    assert [r[0] for r in j.read_after(0, batch=4)] == list(range(1, 16))
    cache.close()
    reopened = Journal(open_cache(tmp_path / "c.sqlite"))
    assert reopened.last_stream_id() == "15" and reopened.count() == 15 and reopened.max_seq() == 15


def test_flush_is_one_transaction(tmp_path: Path) -> None:
    cache = open_cache(tmp_path / "c.sqlite")
    j = Journal(cache)
    _fill(j, 1, 1000)
    changes_before = cache.conn.total_changes
    j.flush()
    assert cache.conn.total_changes - changes_before == 1000
    # a single commit: the WAL holds one commit frame set, visible at once to a reader
    reader = sqlite3.connect(tmp_path / "c.sqlite")
    assert reader.execute("SELECT count(*) FROM journal").fetchone()[0] == 1000
    reader.close()


def test_unflushed_rows_are_lost_on_crash_but_flushed_rows_survive(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    cache = open_cache(path)
    j = Journal(cache)
    _fill(j, 1, 5)
    j.flush()
    _fill(j, 6, 9)  # never flushed: the process "dies" here
    del j
    cache.conn.close()
    after = Journal(open_cache(path))
    assert after.count() == 5 and after.last_stream_id() == "5"


def test_rows_flushed_before_sigkill_survive(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    script = textwrap.dedent(f"""
        import sys, time
        sys.path.insert(0, {str(ROOT)!r})
        from offline_cache.db import open_cache
        from offline_cache.journal import Journal
        j = Journal(open_cache({str(path)!r}))
        for n in range(1, 501):
            j.append(str(n), "alert.upsert", "t", '{{"n": %d}}' % n)
            if n % 100 == 0:
                j.flush()
        for n in range(501, 551):
            j.append(str(n), "alert.upsert", "t", "{{}}")
        print("READY", flush=True)
        time.sleep(60)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "READY"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=10)
        if proc.stdout:
            proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL
    j = Journal(open_cache(path))
    assert j.count() == 500 and j.last_stream_id() == "500"
    assert [r[1] for r in j.read_after(498)] == ["499", "500"]


def test_disk_full_keeps_rows_buffered_and_warns_without_losing_committed_rows(tmp_path: Path) -> None:
    cache = open_cache(tmp_path / "c.sqlite")
    j = Journal(cache)
    _fill(j, 1, 20)
    assert j.flush() == 20
    pages = cache.conn.execute("PRAGMA page_count").fetchone()[0]
    cache.conn.execute(f"PRAGMA max_page_count = {pages + 2}")
    big = '{"pad": "' + "x" * 3000 + '"}'
    _fill(j, 21, 80, body=big)
    assert j.flush() == 0
    assert j.last_error is not None and "磁盘已满" in j.last_error
    assert j.pending() == 60
    assert j.count() == 20 and j.last_stream_id() == "20"
    assert cache.conn.execute("SELECT count(*) FROM journal").fetchone()[0] == 20
    # still usable for other writes that fit, and it recovers once space returns
    _fill(j, 81, 82, body=big)
    assert j.flush() == 0 and j.pending() == 62
    cache.conn.execute("PRAGMA max_page_count = 1073741823")
    assert j.flush() == 62
    assert j.last_error is None and j.count() == 82 and j.last_stream_id() == "82"
    assert [r[1] for r in j.read_after(19)][:3] == ["20", "21", "22"]


def test_the_journal_never_drops_a_row_and_refuses_instead(tmp_path: Path) -> None:
    # Issue 18: the buffer used to drop its oldest rows past max_buffered; once later
    # rows committed, the resume cursor moved past the dropped ones for good.
    cache = open_cache(tmp_path / "c.sqlite")
    j = Journal(cache, max_buffered=50)
    _fill(j, 1, 10)
    assert j.flush() == 10 and not j.refusing()
    pages = cache.conn.execute("PRAGMA page_count").fetchone()[0]
    cache.conn.execute(f"PRAGMA max_page_count = {pages}")
    _fill(j, 11, 30, body="{}" + " " * 5000)
    assert j.flush() == 0
    assert j.refusing() and j.disk_full, "a failed flush asks the sources to hold"
    _fill(j, 31, 130, body="{}" + " " * 5000)  # a source that did not hold: still nothing dropped
    assert j.flush() == 0
    assert j.pending() == 120 and j.dropped == 0
    assert j.last_stream_id() == "10", "the cursor stays at the last committed row"
    cache.conn.execute("PRAGMA max_page_count = 1073741823")
    assert j.flush() == 120 and not j.refusing() and not j.disk_full
    assert [r[1] for r in j.read_after(0)] == [str(n) for n in range(1, 131)]  # no gap, in order
    assert j.last_stream_id() == "130"


def test_a_backlog_past_max_buffered_refuses_without_a_disk_error(tmp_path: Path) -> None:
    j = Journal(open_cache(tmp_path / "c.sqlite"), max_buffered=5)
    _fill(j, 1, 4)
    assert not j.refusing()
    _fill(j, 5, 5)
    assert j.refusing() and j.last_error is None
    assert j.flush() == 5 and not j.refusing()


def test_a_reopened_journal_takes_cursor_seq_and_count_from_its_rows(tmp_path: Path) -> None:
    # Stream ids unlike the seq numbers, and a newest row without one: the cursor after a
    # restart is the newest row that has a stream id; read_after/read_types give seq, not id.
    cache = open_cache(tmp_path / "c.sqlite")
    j = Journal(cache)
    for n in range(1, 5):
        j.append(str(100_000 + n), "alert.upsert", f"2026-11-28T15:00:0{n}+08:00", "{}")
    j.append(None, "notice", "2026-11-28T15:00:05+08:00", "{}")
    assert j.flush() == 5 and j.last_stream_id() == "100004"
    cache.close()
    j = Journal(open_cache(tmp_path / "c.sqlite"))
    assert j.last_stream_id() == "100004" and j.max_seq() == 5 and j.count() == 5
    assert list(j.read_after(0, batch=2)) == [(n, str(100_000 + n), "{}") for n in range(1, 5)] + [(5, "", "{}")]
    assert list(j.read_types(["notice"], 0, 5)) == [(5, "", "{}")]
    assert list(j.read_types(["alert.upsert"], 1, 3)) == [(2, "100002", "{}"), (3, "100003", "{}")]
    ts, received = j.cache.conn.execute("SELECT ts, received_at FROM journal WHERE seq = 2").fetchone()
    assert ts == "2026-11-28T15:00:02+08:00"
    assert abs((datetime.fromisoformat(received) - datetime.now(timezone.utc)).total_seconds()) < 60
    idless = Journal(open_cache(tmp_path / "idless.sqlite"))
    idless.append(None, "notice", "t", "{}")
    idless.flush()
    idless.cache.close()
    assert Journal(open_cache(tmp_path / "idless.sqlite")).last_stream_id() is None


def test_a_journal_that_cannot_write_says_why_and_keeps_every_row(tmp_path: Path) -> None:
    # Not a full disk (a read-only file system, a row SQLite refuses): the warning names
    # the failure, the sources hold, nothing leaves the buffer; prune leaves the rows alone.
    cache = open_cache(tmp_path / "c.sqlite")
    j = Journal(cache)
    _fill(j, 1, 3)
    assert j.flush() == 3
    cache.conn.execute("PRAGMA query_only = ON")
    _fill(j, 4, 6)
    assert j.flush() == 0 and j.prune(2) == 0 and j.count() == 3
    assert j.refusing() and j.disk_full is False and j.pending() == 3
    assert j.last_error is not None and j.last_error.startswith("本地日志写入失败") and "readonly" in j.last_error
    cache.conn.execute("PRAGMA query_only = OFF")
    j.append("7", None, "t", "{}")  # type: ignore[arg-type]  # NOT NULL: an IntegrityError
    assert j.flush() == 0 and j.refusing() and not j.disk_full and j.pending() == 4
    assert j.last_error is not None and "NOT NULL" in j.last_error
    j._buffer.pop()  # the refused row, by hand: the three before it were never given up
    assert j.flush() == 3 and not j.refusing() and j.last_error is None
    assert [r[1] for r in j.read_after(0)] == ["1", "2", "3", "4", "5", "6"]


def test_pruning_keeps_the_newest_row_and_the_count_exact(tmp_path: Path) -> None:
    cache = open_cache(tmp_path / "c.sqlite")
    j = Journal(cache)
    _fill(j, 1, 6)
    j.flush()
    assert j.prune(0) == 0 and j.prune(1) == 1
    assert j.prune(10**6, limit=2) == 2  # the oldest two: seq 2 and 3
    assert [r[0] for r in j.read_after(0)] == [4, 5, 6]
    assert j.prune(10**6) == 2 and j.prune(10**6) == 0  # never the newest: the resume cursor
    assert [r[0] for r in j.read_after(0)] == [6]
    assert j.count() == 1 == cache.conn.execute("SELECT count(*) FROM journal").fetchone()[0]


# ------------------------------------------------------------------ snapshot tables


def test_snapshot_save_replaces_the_previous_one(tmp_path: Path) -> None:
    cache = open_cache(tmp_path / "c.sqlite")
    snaps = SnapshotTables(cache)
    assert snaps.load() is None and snaps.meta() is None
    snaps.save({"alerts": [("A1", '{"id": "A1"}'), ("A2", '{"id": "A2"}')], "units": ['{"id": "u"}']}, "100", 7)
    snaps.save({"alerts": [("A3", '{"id": "A3"}')]}, "200", 9)
    saved = snaps.load()
    assert saved is not None
    assert saved.state == {"alerts": ['{"id": "A3"}']}
    assert saved.cursor == "200" and saved.journal_seq == 9 and saved.saved_at
    assert snaps.meta() == ("200", 9, saved.saved_at)  # where it stands, without the bodies
    cache.close()
    again = SnapshotTables(open_cache(tmp_path / "c.sqlite")).load()
    assert again is not None and again.cursor == "200"


def test_failed_snapshot_save_leaves_the_old_one(tmp_path: Path) -> None:
    cache = open_cache(tmp_path / "c.sqlite")
    snaps = SnapshotTables(cache)
    snaps.save({"alerts": [("A1", "{}")]}, "1", 1)
    with pytest.raises(sqlite3.IntegrityError):  # duplicate (kind, id) inside one save
        snaps.save({"alerts": [("A2", "{}"), ("A2", "{}")]}, "2", 2)
    saved = snaps.load()
    assert saved is not None and saved.cursor == "1" and saved.state == {"alerts": ["{}"]}


# ------------------------------------------------------------------ outbox


def test_outbox_is_durable_at_once_and_moves_only_forward(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    cache = open_cache(path)
    box = Outbox(cache)
    assert box.put("c1", "alert.acknowledge", "A1", '{"id": "c1"}')
    assert box.put("c2", "alert.dispatch", "A2", '{"id": "c2"}')
    assert not box.put("c1", "alert.close", "A9", '{"id": "other"}'), "same id twice is one command"
    # durable before anything else happens: another connection sees it now
    reader = sqlite3.connect(path)
    assert reader.execute("SELECT count(*) FROM outbox").fetchone()[0] == 2
    reader.close()
    assert [i.command_id for i in box.unsent()] == ["c1", "c2"]
    item = box.get("c1")
    assert item is not None and item.body_json == '{"id": "c1"}' and item.kind == "alert.acknowledge"

    box.note_attempt("c1", "网络不可达")
    box.note_attempt("c1", "网络不可达")
    item = box.get("c1")
    assert item is not None and item.attempts == 2 and item.status == "pending" and item.last_error == "网络不可达"

    assert box.mark_sent("c1", 202, '{"status": "accepted"}')
    assert not box.mark_sent("c1", 202, "again"), "a second 202 changes nothing"
    assert box.mark_confirmed("c1")
    assert not box.mark_confirmed("c1")
    assert not box.mark_refused("c1", 409, "late"), "a confirmed command stays confirmed"
    assert not box.mark_sent("c1", 202), "a late 202 after the echo does not undo it"
    assert box.get("c1").status == "confirmed"  # type: ignore[union-attr]

    # echo before the 202 answer: pending → confirmed directly
    assert box.mark_confirmed("c2")
    assert not box.mark_sent("c2", 202)
    assert box.put("c3", "alert.close", "A3", "{}")
    assert box.mark_refused("c3", 409, "告警已被他人处理")
    assert not box.mark_confirmed("c3")
    c3 = box.get("c3")
    assert c3 is not None and c3.status == "refused" and c3.http_status == 409 and c3.last_error == "告警已被他人处理"
    assert box.get("nope") is None and not box.mark_sent("nope", 202)
    assert box.counts() == {"pending": 0, "sent": 0, "confirmed": 2, "refused": 1}
    assert box.unsent() == []
    cache.close()
    assert Outbox(open_cache(path)).counts()["confirmed"] == 2


def test_outbox_unsent_survives_restart_in_order(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    box = Outbox(open_cache(path))
    for n in range(30):
        box.put(f"cmd-{n:03d}", "alert.note", f"A{n}", "{}")
    box.mark_sent("cmd-010", 202)
    box.cache.close()
    unsent = Outbox(open_cache(path)).unsent()
    assert [i.command_id for i in unsent] == [f"cmd-{n:03d}" for n in range(30) if n != 10]


# ------------------------------------------------------------------ dead letters, blobs


def test_dead_letters_keep_64k_and_the_real_size_and_are_capped(tmp_path: Path) -> None:
    cache = open_cache(tmp_path / "c.sqlite")
    dead = DeadLetters(cache, max_rows=20)
    huge = b"\xff" * (MAX_RAW_BYTES + 5000)
    dead.add("invalid UTF-8 at byte 0", huge, "live")
    first = dead.recent(1)[0]
    assert first.size == MAX_RAW_BYTES + 5000 and len(first.raw) == MAX_RAW_BYTES
    assert first.reason.startswith("invalid UTF-8") and first.origin == "live"
    dead.add("not JSON", "坏消息", None)
    assert dead.recent(1)[0].raw == "坏消息".encode()
    for n in range(100):
        dead.add(f"bad {n}", b"{", "live")
    assert dead.held() <= 20 and dead.count() == 102  # rows capped, the count is not
    assert cache.conn.execute("SELECT count(*) FROM dead_letters").fetchone()[0] == dead.held()
    assert [d.reason for d in dead.recent(3)] == ["bad 99", "bad 98", "bad 97"]
    reopened = DeadLetters(cache, max_rows=20)
    assert reopened.held() == dead.held() and reopened.count() == dead.count()


def test_blobs_round_trip_and_replace(tmp_path: Path) -> None:
    cache = open_cache(tmp_path / "c.sqlite")
    blobs = BlobStore(cache)
    assert blobs.get("layers/rivers") is None
    blobs.put("layers/rivers", '{"type": "FeatureCollection", "features": []}')
    blobs.put("window/main", b"\x00\x01geometry")
    blobs.put("window/main", b"\x02")
    assert blobs.get("window/main") == b"\x02"
    assert blobs.get("layers/rivers") == b'{"type": "FeatureCollection", "features": []}'
    cache.close()
    assert BlobStore(open_cache(tmp_path / "c.sqlite")).get("window/main") == b"\x02"


def test_outbox_prunes_only_finished_commands(tmp_path: Path) -> None:
    box = Outbox(open_cache(tmp_path / "c.sqlite"))
    for cid in ("done", "refused", "waiting", "sent"):
        box.put(cid, "alert.note", "A1", "{}")
    box.mark_confirmed("done")
    box.mark_refused("refused", 403, "无权限")
    box.mark_sent("sent", 202)
    assert box.prune_finished("2000-01-01T00:00:00+00:00") == 0
    assert box.prune_finished("2999-01-01T00:00:00+00:00") == 2
    assert sorted(i.command_id for i in box.unsent()) == ["waiting"]
    assert box.counts() == {"pending": 1, "sent": 1, "confirmed": 0, "refused": 0}

"""What an operator typed is durable at commit: outbox, audit log, preferences (issue 18).

Why three tests and not one: a SIGKILL right after a commit returns only proves the
commit reached the operating system — the kernel still holds the written pages and
writes them out after the process is gone, so WAL with ``synchronous=NORMAL`` passes
that test too.  A power cut loses what is in the page cache; only an ``fsync`` of the
WAL before the commit returns survives it, and that is what ``synchronous=FULL`` adds.
So the PRAGMA on the connections that write operator input is asserted, and where
``strace`` can watch the process, the fsync of the WAL between the INSERT and the
commit's return is seen happen.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from console.runtime import ConsoleConfig, ConsoleCore
from offline_cache.audit_log import AuditLog
from offline_cache.db import open_cache
from offline_cache.outbox import Outbox

ROOT = Path(__file__).resolve().parents[2]

FULL = 2  # PRAGMA synchronous: 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA


def _child(path: Path) -> str:
    """A console-like process that commits one command and one audit record, then waits."""
    return textwrap.dedent(f"""
        import sys, time
        sys.path.insert(0, {str(ROOT)!r})
        from offline_cache.audit_log import AuditLog
        from offline_cache.db import open_cache
        from offline_cache.journal import Journal
        from offline_cache.outbox import Outbox
        cache = open_cache({str(path)!r})
        outbox, audit, journal = Outbox(cache), AuditLog(cache), Journal(cache)
        journal.append("1", "notice", "t", "{{}}")
        journal.flush()  # a journal batch commits at NORMAL: the next command must still be FULL
        sys.stdout.write("BEGIN\\n"); sys.stdout.flush()
        outbox.put("cmd-1", "alert.ack", "A-1", '{{"id": "cmd-1", "kind": "alert.ack"}}')
        sys.stdout.write("OUTBOX\\n"); sys.stdout.flush()
        audit.append("值班员", "alert.ack", "A-1", {{"command_id": "cmd-1"}})
        sys.stdout.write("COMMITTED\\n"); sys.stdout.flush()
        time.sleep(60)
    """)


def test_a_command_committed_right_before_sigkill_is_there(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    proc = subprocess.Popen([sys.executable, "-c", _child(path)], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        while (line := proc.stdout.readline().strip()) != "COMMITTED":
            assert line, "the child died before committing"
        os.kill(proc.pid, signal.SIGKILL)  # right after the commit returned
    finally:
        proc.wait(timeout=10)
        if proc.stdout:
            proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL
    cache = open_cache(path)
    item = Outbox(cache).get("cmd-1")
    assert item is not None and item.status == "pending" and item.kind == "alert.ack"
    result = AuditLog(cache).verify()
    assert result.ok and result.checked == 1


def test_every_connection_that_writes_operator_input_runs_synchronous_full(tmp_path: Path) -> None:
    async def main() -> None:
        core = ConsoleCore(ConsoleConfig(backend_url=None, cache_dir=tmp_path / "cache", fetch_catalogues=False))
        await core.start()
        try:
            assert core.outbox is not None and core.preferences is not None
            writers = {
                "outbox": core.outbox._conn,
                "audit log": core.auditor.audit_log.db.conn,
                "preferences": core.preferences._conn,
                "commands' outbox": core.commands.outbox._conn,
            }
            for name, conn in writers.items():
                assert conn.execute("PRAGMA synchronous").fetchone()[0] == FULL, name
                assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal", name
        finally:
            await core.stop()

    asyncio.run(main())


def test_the_journal_commits_at_normal_and_hands_the_connection_back_at_full(tmp_path: Path) -> None:
    from offline_cache.journal import Journal

    cache = open_cache(tmp_path / "c.sqlite")
    journal = Journal(cache)
    assert journal.commit_synchronous == "NORMAL"  # a copy of the gateway's stream: refetched by its cursor
    seen: list[str] = []
    cache.conn.set_trace_callback(seen.append)
    journal.append("1", "notice", "t", "{}")
    assert journal.flush() == 1
    order = [sql.split()[0] + (" " + sql.split()[-1] if sql.startswith("PRAGMA") else "") for sql in seen
             if sql.startswith(("PRAGMA synchronous", "BEGIN", "COMMIT"))]
    assert order == ["PRAGMA NORMAL", "BEGIN", "COMMIT", "PRAGMA FULL"], seen
    assert cache.conn.execute("PRAGMA synchronous").fetchone()[0] == FULL
    # A failed flush (disk full) hands it back at FULL too.
    pages = cache.conn.execute("PRAGMA page_count").fetchone()[0]
    cache.conn.execute(f"PRAGMA max_page_count = {pages}")
    journal.append("2", "notice", "t", "{}" + " " * 20_000)
    assert journal.flush() == 0 and journal.disk_full
    assert cache.conn.execute("PRAGMA synchronous").fetchone()[0] == FULL
    cache.conn.execute("PRAGMA max_page_count = 1073741823")
    # Dead letters too (one commit per rejected message: a flood must not fsync each).
    from offline_cache.deadletters import DeadLetters

    seen.clear()
    DeadLetters(cache).add("bad", b"{")
    assert [sql for sql in seen if sql.startswith("PRAGMA synchronous")] == \
        ["PRAGMA synchronous = NORMAL", "PRAGMA synchronous = FULL"]
    assert cache.conn.execute("PRAGMA synchronous").fetchone()[0] == FULL
    cache.conn.set_trace_callback(None)


def test_an_outbox_commit_fsyncs_the_wal_before_it_returns(tmp_path: Path) -> None:
    strace = shutil.which("strace")
    if strace is None:
        pytest.skip("strace is not installed: the fsync at commit cannot be watched")
    path = tmp_path / "c.sqlite"
    trace = tmp_path / "trace.txt"
    proc = subprocess.Popen([strace, "-f", "-y", "-qq", "-e", "trace=write,pwrite64,fsync,fdatasync", "-o", str(trace),
                             sys.executable, "-c", _child(path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        assert proc.stdout is not None
        while (line := proc.stdout.readline().strip()) != "COMMITTED":
            if not line:
                err = proc.stderr.read() if proc.stderr else ""
                pytest.skip(f"strace cannot trace here: {err.strip()[:200]}")
    finally:
        proc.kill()
        proc.wait(timeout=10)
        for stream in (proc.stdout, proc.stderr):
            if stream:
                stream.close()
    text = trace.read_text()
    begin, outbox = text.index('"BEGIN\\n"'), text.index('"OUTBOX\\n"')
    between = text[begin:outbox]  # the syscalls of Outbox.put, from its INSERT to its return
    assert re.search(r"p?write(64)?\(\d+<[^>]*c\.sqlite-wal>", between), "the command was written to the WAL"
    assert re.search(r"f(data)?sync\(\d+<[^>]*c\.sqlite-wal>", between), \
        "the WAL was not synced before the commit returned: a power cut could take the command"

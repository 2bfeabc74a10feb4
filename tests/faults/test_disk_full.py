"""A real full disk under the console's cache: it stops consuming, says so, and resumes
with no gap and no duplicate once space is freed (issue 18).

The cache folder lives on a small tmpfs mounted for the test (tests run as root
here); where mounting tmpfs is refused, on a loop-mounted ext4 image; the test is
skipped, naming both failures, only if neither works.  The feed is the real one
(``feed_factory``); the journal is compared with the feed's own event log
(``feed.sqlite``), id by id.
"""

from __future__ import annotations

import asyncio
import errno
import os
import sqlite3
import subprocess
from pathlib import Path
from typing import Any, Callable, Iterator

import httpx
import pytest

from console.feed_process import FeedProcess
from console.runtime import ConsoleConfig, ConsoleCore
from tests.support.asyncsupport import feed_state, run, until

FS_SIZE = "24m"


def _mount(mnt: Path, image: Path) -> str:
    """Mount a small file system at ``mnt``; returns how, or raises pytest.skip with both reasons."""
    mnt.mkdir(parents=True, exist_ok=True)
    tmpfs = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={FS_SIZE},mode=0700", "tmpfs", str(mnt)],
                           capture_output=True, text=True)
    if tmpfs.returncode == 0:
        return "tmpfs"
    steps = [["truncate", "-s", FS_SIZE.upper(), str(image)], ["mkfs.ext4", "-q", "-F", str(image)],
             ["mount", "-o", "loop", str(image), str(mnt)]]
    for step in steps:
        proc = subprocess.run(step, capture_output=True, text=True)
        if proc.returncode != 0:
            pytest.skip(f"no small file system to fill: tmpfs mount refused ({tmpfs.stderr.strip()}); "
                        f"loop mount failed at {step[0]} ({proc.stderr.strip()})")
    return "loop"


@pytest.fixture
def small_fs(tmp_path: Path) -> Iterator[Path]:
    """A 24 MiB file system of its own, unmounted at teardown."""
    mnt = tmp_path / "small"
    _mount(mnt, tmp_path / "small.img")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def fill(path: Path) -> int:
    """Write ``path`` until the file system says ENOSPC; returns the bytes written."""
    written = 0
    with open(path, "wb", buffering=0) as fh:
        for chunk in (1 << 20, 1 << 16, 1 << 12, 512):
            while True:
                try:
                    n = fh.write(b"\0" * chunk)
                except OSError as exc:
                    if exc.errno != errno.ENOSPC:
                        raise
                    break
                written += n or 0
                if not n or n < chunk:
                    break
    return written


def feed_event_ids(feed: FeedProcess, after: int, upto: int) -> list[int]:
    """The feed's own event log: every envelope id it sent in (after, upto]."""
    db = sqlite3.connect(f"file:{feed.data_dir / 'feed.sqlite'}?mode=ro", uri=True)
    try:
        return [int(r[0]) for r in db.execute("SELECT id FROM events WHERE id > ? AND id <= ? ORDER BY id",
                                              (after, upto))]
    finally:
        db.close()


def journal_ids(core: ConsoleCore) -> list[int]:
    assert core.journal is not None
    return [int(sid) for _seq, sid, _body in core.journal.read_after(0) if sid]


async def caught_up(core: ConsoleCore, url: str) -> dict[str, Any]:
    assert core.source is not None
    state = await feed_state(url)
    await until(lambda: int(core.source.last_event_id or 0) >= state["head"], 40, f"head {state['head']}")
    return state


async def fill_until_held(core: ConsoleCore, filler: Path) -> None:
    """Fill the disk under a running console until it stops consuming and says why."""
    assert core.cache is not None
    # An emptied WAL must grow for the next commit: the full disk bites at once
    # (a WAL with room left would take a few more commits first, which is fine too).
    core.cache.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    await asyncio.to_thread(fill, filler)
    await until(lambda: core.picture.connection.state == "held", 30, "the console to hold")


def test_a_full_disk_stops_the_console_and_freeing_it_resumes_without_gap_or_duplicate(
        feed_factory: Callable[..., FeedProcess], small_fs: Path) -> None:
    feed = feed_factory(alerts_per_s=10, readings_per_s=50)
    url = feed.url or ""
    cache = small_fs / "cache"
    filler = small_fs / "filler"

    def config() -> ConsoleConfig:
        return ConsoleConfig(backend_url=url, cache_dir=cache, max_backoff_s=0.5, keepalive_timeout_s=5.0,
                             fetch_catalogues=False)

    async def main() -> None:
        core = ConsoleCore(config())
        try:
            await core.start()
            assert await core.wait_live(30)
            assert core.source is not None and core.journal is not None
            assert core.snapshots is not None and (saved := core.snapshots.meta()) is not None
            first_cursor = int(saved[0])  # the snapshot's cursor: the journal starts right after it
            await until(lambda: core.journal.count() >= 50, 30, "some journaled rows")

            # ---- the disk fills: the console stops consuming and says so
            await fill_until_held(core, filler)
            conn = core.picture.connection
            assert "本地磁盘已满" in conn.detail, conn.detail
            assert conn.detail_text is not None and conn.detail_text.code == "disk_full_hold"
            assert conn.journal_warning and "磁盘已满" in conn.journal_warning
            held_at = core.source.last_event_id
            events_at_hold = core.source.events
            await asyncio.sleep(2.0)  # the feed goes on producing meanwhile
            assert core.source.last_event_id == held_at and core.source.events == events_at_hold, \
                "a held console reads nothing more"
            assert (await feed_state(url))["head"] > int(held_at or 0) + 20, "the feed moved on without us"
            assert core.picture.connection.state == "held"
            assert core.journal.dropped == 0
            assert core.journal.last_stream_id() is not None
            assert int(core.journal.last_stream_id() or 0) <= int(held_at or 0)

            # ---- space is freed: the first successful flush ends the hold, the stream resumes
            assert core.gateway is not None
            reopened: list[tuple[str | None, str | None]] = []  # (Last-Event-ID sent, journal cursor then)
            stream = core.gateway.stream

            def spy(last_id: str | None, *args: Any, **kwargs: Any) -> Any:
                reopened.append((last_id, core.journal.last_stream_id() if core.journal else None))
                return stream(last_id, *args, **kwargs)

            core.gateway.stream = spy  # type: ignore[method-assign]
            filler.unlink()
            await until(lambda: core.picture.connection.state == "live", 30, "live again")
            assert reopened and reopened[0] == (held_at, held_at), \
                f"resumed from {reopened[:1]}, not from the last committed id {held_at}"
            assert core.picture.connection.journal_warning is None
            await caught_up(core, url)
            core.ingest.flush()
            ids = journal_ids(core)
            assert len(ids) == len(set(ids)), "a duplicate in the journal"
            assert ids == feed_event_ids(feed, first_cursor, ids[-1]), "the journal has a gap"
            assert core.source.holds == 1 and core.journal.dropped == 0

            # ---- full again, and the console is stopped while held: what was only in
            # memory is gone, so a restart must fetch it again from the committed cursor.
            await fill_until_held(core, filler)
        finally:
            await core.stop()
        assert core.journal is not None
        last_committed = core.journal.last_stream_id()  # the final flush at stop failed too
        filler.unlink()

        core2 = ConsoleCore(config())
        try:
            await core2.start()
            assert core2.source is not None and core2.journal is not None
            assert core2.source.last_event_id == last_committed, "restart resumes at the committed cursor"
            assert await core2.wait_live(30)
            async with httpx.AsyncClient(base_url=url, timeout=10) as http:
                await http.post("/_sim/pause", json={"paused": True})
            state = await caught_up(core2, url)
            core2.ingest.flush()
            ids = journal_ids(core2)
            assert len(ids) == len(set(ids)), "a duplicate in the journal after the restart"
            assert ids == feed_event_ids(feed, first_cursor, state["head"]), "a gap after the restart"
            feed_alerts = {aid: a["rev"] for aid, a in state["alerts"].items()}
            assert {a.id: a.rev for a in core2.picture.alerts.values()} == feed_alerts
            assert core2.task_errors == []
        finally:
            await core2.stop()

    run(main(), timeout=170)
    assert not os.path.exists(small_fs / "filler")

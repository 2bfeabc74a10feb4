"""Archive searches run off the event loop's thread, and a newer one stops an older one.

The queue's search box asks the archive at every pause in typing; a word no archived
alert holds reads the whole table (about a second at half a year of alerts,
``bench/bench_archive.py``). These tests use a real cache file; a gate held by the test
keeps one search "reading" for as long as the test needs, so nothing here depends on
how fast this machine scans.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from console import archive_search as archive_search_module
from console.alert_query import AlertFilter, search_text
from console.archive_search import ArchiveSearch
from console.models import Alert, AlertNote
from offline_cache.archive import AlertArchive, ArchivedAlert, ArchiveReader
from offline_cache.db import CACHE_FILE, open_cache

T0 = datetime(2026, 6, 1, 8, 0, tzinfo=timezone(timedelta(hours=8)))


def _fill(tmp: Path, n: int = 50) -> tuple[Any, Path]:
    path = tmp / CACHE_FILE
    cache = open_cache(path)
    archive = AlertArchive(cache)
    rows = []
    for i in range(n):
        at = T0 + timedelta(minutes=i)
        a = Alert(id=f"AR{i:05d}", rev=3, level="orange", status="closed", source="hotline_12345",
                  category="waterlogging", title=f"沙湖路积水 {i}号" if i % 2 else f"坪环社区 {i}号",
                  description="路面积水", street="maluan", created_at=at, updated_at=at,
                  timeline=(AlertNote(ts=at, actor="值班员甲", action="close", text="闭环"),))
        rows.append(ArchivedAlert(a.id, a.rev, at.timestamp(), a.level, a.status, a.street, a.category,
                                  search_text(a, lambda kind, key: key), a.model_dump_json()))
    archive.put(rows)
    return cache, path


def test_a_search_finds_archived_alerts_newest_first(tmp_path: Path) -> None:
    cache, path = _fill(tmp_path)
    try:
        found = asyncio.run(ArchiveSearch(path).find(AlertFilter(text="沙湖路")))
        assert found is not None and len(found) == 25
        assert [a.id for a in found[:2]] == ["AR00049", "AR00047"]
        assert asyncio.run(ArchiveSearch(path).find(AlertFilter(text="沙湖路"), limit=3)) is not None
    finally:
        cache.close()


def test_the_loop_keeps_turning_while_a_search_reads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The read runs on a worker thread: while it is held, the loop runs other callbacks."""
    cache, path = _fill(tmp_path)
    gate = threading.Event()
    reading_on: list[str] = []
    real = archive_search_module._find

    def held(reader: ArchiveReader, flt: AlertFilter, limit: int) -> Any:
        reading_on.append(threading.current_thread().name)
        if not gate.wait(10):
            raise AssertionError("the gate was never opened: the loop was blocked")
        return real(reader, flt, limit)

    monkeypatch.setattr(archive_search_module, "_find", held)

    async def scenario() -> tuple[int, Any]:
        task = asyncio.ensure_future(ArchiveSearch(path).find(AlertFilter(text="坪环")))
        turns = 0
        while not reading_on:
            await asyncio.sleep(0.005)
        for _ in range(5):  # the loop turns while the search is held on the worker
            await asyncio.sleep(0.01)
            turns += 1
        assert not task.done()
        gate.set()
        return turns, await task

    try:
        turns, found = asyncio.run(scenario())
        assert turns == 5 and found is not None and len(found) == 25
        assert reading_on[0].startswith("archive-search") and reading_on[0] != threading.main_thread().name
    finally:
        cache.close()


def test_a_newer_search_stops_the_one_still_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache, path = _fill(tmp_path)
    gate = threading.Event()
    real = archive_search_module._find
    started: list[str] = []

    def slow_first(reader: ArchiveReader, flt: AlertFilter, limit: int) -> Any:
        started.append(flt.text)
        while flt.text == "沙湖路" and not reader.interrupted and not gate.wait(0.01):
            pass  # a long read, until something stops it
        return real(reader, flt, limit)

    monkeypatch.setattr(archive_search_module, "_find", slow_first)
    search = ArchiveSearch(path)

    async def scenario() -> tuple[Any, Any]:
        older = asyncio.ensure_future(search.find(AlertFilter(text="沙湖路")))
        while not started:
            await asyncio.sleep(0.005)
        newer = asyncio.ensure_future(search.find(AlertFilter(text="坪环")))
        return await older, await newer  # the gate stays shut: only the interrupt ends the older read

    timer = threading.Timer(10, gate.set)  # a broken interrupt fails the test below, it does not hang it
    timer.start()
    try:
        older, newer = asyncio.run(scenario())
        timer.cancel()
        assert older is None  # superseded: its hits, if any, are not shown
        assert newer is not None and {a.title.split()[0] for a in newer} == {"坪环社区"}
        assert search.searches == 2 and search.superseded == 1
    finally:
        cache.close()


def test_interrupt_stops_a_whole_table_read(tmp_path: Path) -> None:
    """``ArchiveReader.interrupt`` from another thread ends a read that is under way."""
    cache, path = _fill(tmp_path, n=2000)
    reader = ArchiveReader(path)
    # Make the read long: a word none holds, over the table joined with itself.
    conn = reader._conn
    assert conn is not None
    errors: list[BaseException] = []

    def read() -> None:
        try:
            conn.execute("SELECT count(*) FROM alert_archive a, alert_archive b "
                         "WHERE instr(a.text || b.text, '不存在') > 0").fetchone()
        except sqlite3.OperationalError as exc:
            errors.append(exc)

    worker = threading.Thread(target=read)
    worker.start()
    for _ in range(200):  # until the read has begun and stopped (an interrupt before it starts does nothing)
        reader.interrupt()
        worker.join(0.05)
        if not worker.is_alive():
            break
    assert not worker.is_alive() and errors and "interrupt" in str(errors[0])
    reader.close()
    reader.interrupt()  # closed: nothing to stop, no error

    early = ArchiveReader(path)
    early.interrupt()  # before its search starts: the search does not start
    with pytest.raises(sqlite3.OperationalError):
        early.search(["沙湖路"])
    early.close()
    cache.close()


def test_the_reader_cannot_write(tmp_path: Path) -> None:
    cache, path = _fill(tmp_path, n=3)
    reader = ArchiveReader(path)
    try:
        assert reader._conn is not None
        with pytest.raises(sqlite3.OperationalError):
            reader._conn.execute("DELETE FROM alert_archive")
        assert AlertArchive(cache).count() == 3
    finally:
        reader.close()
        cache.close()

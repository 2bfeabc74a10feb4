"""Archive searches off the GUI thread (issue 18): the queue's search box never waits on disk.

The archive of closed alerts grows by about 5,000 rows a day and nothing prunes it; a
word that no archived alert holds makes SQLite read the whole table (``bench/bench_archive.py``:
about a second at half a year). Each search therefore runs on a worker thread with a
read-only connection of its own (``offline_cache.archive.ArchiveReader``); the GUI thread
keeps ingesting meanwhile (WAL). Operators type: a newer search interrupts the one still
running, whose caller gets ``None`` (superseded) instead of stale hits.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from console.alert_query import ARCHIVE_HITS_SHOWN, AlertFilter, search_archive
from console.models import Alert
from offline_cache.archive import ArchiveReader

log = logging.getLogger(__name__)

# A plain Python worker, not the loop's default executor: under qasync that one is made of
# QThreads, which abort the process at exit if still alive ("QThread: Destroyed while
# thread is still running"). One worker: searches queue behind each other, and a
# superseded one is interrupted first, so it frees the worker at its next row.
_WORKER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="archive-search")


class ArchiveSearch:
    """One archive search at a time for one cache file; a newer one stops the older."""

    def __init__(self, cache_path: Path) -> None:
        self._path = cache_path
        self._running: ArchiveReader | None = None
        self.searches = 0
        self.superseded = 0

    async def find(self, flt: AlertFilter, limit: int = ARCHIVE_HITS_SHOWN) -> list[Alert] | None:
        """The archived alerts matching ``flt`` (newest first, at most ``limit``), or ``None``
        when a newer search (or the caller's cancellation) stopped this one."""
        previous, self._running = self._running, None
        if previous is not None:
            previous.interrupt()
        reader = ArchiveReader(self._path)
        self._running = reader
        self.searches += 1
        try:
            hits = await asyncio.get_running_loop().run_in_executor(_WORKER, _find, reader, flt, limit)
            if reader.interrupted:  # stopped after its last row: still superseded
                self.superseded += 1
                return None
            return hits
        except sqlite3.OperationalError as exc:
            if "interrupt" not in str(exc):
                raise
            self.superseded += 1
            return None
        except asyncio.CancelledError:
            reader.interrupt()  # the worker stops at its next row and closes the reader
            raise
        finally:
            if self._running is reader:
                self._running = None

    def stop(self) -> None:
        """Interrupt a search still running (the core is stopping)."""
        running, self._running = self._running, None
        if running is not None:
            running.interrupt()


def _find(reader: ArchiveReader, flt: AlertFilter, limit: int) -> list[Alert]:
    """On the worker thread: search, parse, and close the reader whatever happens."""
    try:
        return search_archive(reader, flt, limit=limit)
    finally:
        reader.close()

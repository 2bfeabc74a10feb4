"""Cyclic garbage is collected on the GUI thread (widgets/collector.py), never in a worker
thread that happens to allocate: a QObject destroyed off its thread can crash Qt."""

from __future__ import annotations

import gc
import threading
import time
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject

from console import bulk
from widgets.collector import MainThreadCollector


def _wait(app: Any, seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.005)


def test_a_cycle_holding_a_qobject_dies_on_the_gui_thread_while_a_worker_allocates(qapp: Any) -> None:
    # qapp, not qtbot: the suite's own guard (no automatic collection during Qt tests)
    # must not hide what happens without the collector.
    collector = MainThreadCollector(interval_ms=20)
    collector.start()
    died_on: list[str] = []
    stop = threading.Event()
    try:
        class Holder(QObject):
            def __del__(self) -> None:
                died_on.append(threading.current_thread().name)

        holder = Holder()
        holder.me = holder  # a cycle: only the cyclic collector can free it
        del holder

        def allocate() -> None:  # what a tile fetch or a resolver thread does all day
            while not stop.is_set():
                junk = [[i] for i in range(2000)]
                del junk

        worker = threading.Thread(target=allocate, name="tile-fetch-0", daemon=True)
        worker.start()
        _wait(QCoreApplication.instance(), 0.5)
        stop.set()
        worker.join(5)
        _wait(QCoreApplication.instance(), 0.2)
        assert died_on == [threading.main_thread().name]
        assert collector.collections[0] > 0
    finally:
        stop.set()
        collector.stop()
    assert gc.isenabled()


def test_a_bulk_build_still_freezes_under_the_managed_collector(qapp: Any) -> None:
    collector = MainThreadCollector(interval_ms=20)
    collector.start()
    try:
        gc.unfreeze()
        with bulk.collector_paused(keep=True):
            assert bulk.paused()
            kept = [{"id": i, "tags": [i]} for i in range(60_000)]
        assert not bulk.paused()
        assert gc.get_freeze_count() > 0  # the build left the collector's generations
        assert not gc.isenabled()  # still the GUI thread's job
        del kept
    finally:
        gc.unfreeze()
        collector.stop()

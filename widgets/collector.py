"""Cyclic garbage is collected on the GUI thread, never in a worker thread.

CPython runs its cyclic collector in whichever thread happens to allocate when a
generation's threshold is crossed. The console has worker threads (map tile fetches,
a camera's stream diagnosis, the MBTiles import, asyncio's resolver): if one of them
runs the collector while a closed panel's QObjects sit in a reference cycle, those
QObjects are destroyed off their thread — a QObject with a running timer then leaves
Qt's timer list dangling and the next tick crashes the process (seen in the test
suite as a segfault in "Garbage-collecting" on a stream-diagnosis thread).

:class:`MainThreadCollector` turns automatic collection off and runs the same policy
from a GUI-thread timer: every ``interval_ms`` it reads ``gc.get_count()`` and collects
the oldest generation whose count passed its threshold (``gc.get_threshold()``). A full
collection (generation 2) runs at most once per ``full_every_s``: CPython spares itself
most full collections on a big heap with its long-lived ratio rule, which a script
cannot see; bulk builds freeze their objects anyway (``console.bulk``, told through
:func:`console.bulk.set_collector_managed`).
"""

from __future__ import annotations

import gc
import logging
import time

from PySide6.QtCore import QObject, QTimer

from console import bulk

log = logging.getLogger(__name__)


class MainThreadCollector(QObject):
    """Runs Python's cyclic collector from a timer on the thread that owns it (the GUI thread)."""

    def __init__(self, interval_ms: int = 100, full_every_s: float = 10.0, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.full_every_s = full_every_s
        self.collections = [0, 0, 0]
        self._last_full = time.monotonic()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.tick)
        self._was_enabled = gc.isenabled()

    def start(self) -> None:
        """Take over: automatic collection off, the timer on."""
        gc.disable()
        bulk.set_collector_managed(True)
        self._timer.start()

    def stop(self) -> None:
        """Give collection back to CPython (as it was before :meth:`start`)."""
        self._timer.stop()
        bulk.set_collector_managed(False)
        if self._was_enabled:
            gc.enable()

    def tick(self) -> None:
        """Collect the oldest generation that is due (the timer calls this)."""
        counts = gc.get_count()
        thresholds = gc.get_threshold()
        generation = -1
        if counts[0] > thresholds[0]:
            generation = 0
            if counts[1] > thresholds[1]:
                generation = 1
                if counts[2] > thresholds[2] and time.monotonic() - self._last_full >= self.full_every_s:
                    generation = 2
        if generation < 0 or bulk.paused():
            return
        gc.collect(generation)
        self.collections[generation] += 1
        if generation == 2:
            self._last_full = time.monotonic()

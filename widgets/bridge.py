"""The one place where the core meets Qt: turn drained store changes into signals.

The core (``console/``) imports no Qt at all; this view-layer module adapts it.
QtCore only (no widgets).  A timer drains the picture at a bounded rate (10 Hz by
default) and emits one signal per kind that changed, carrying the changed ids; a
view therefore repaints at most ten times a second however fast the stream runs.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

from console.stores import OperatingPicture


class PictureNotifier(QObject):
    """Coalesced change signals of an :class:`OperatingPicture`."""

    alerts_changed = Signal(object)
    devices_changed = Signal(object)
    readings_changed = Signal(object)
    cameras_changed = Signal(object)
    indicators_changed = Signal(object)
    incidents_changed = Signal(object)
    tasks_changed = Signal(object)
    notices_changed = Signal(object)
    units_changed = Signal(object)
    connection_changed = Signal(object)

    def __init__(self, picture: OperatingPicture, interval_ms: int = 100, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.picture = picture
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.flush_now)
        self._timer.start()

    def flush_now(self) -> None:
        """Drain the picture and emit what changed (also called by the timer)."""
        changes = self.picture.drain_changes()
        for kind, ids in changes.items():
            if not ids:
                continue
            if kind == "connection":
                self.connection_changed.emit(self.picture.connection)
            else:
                getattr(self, f"{kind}_changed").emit(ids)

    def stop(self) -> None:
        """Stop the timer (at shutdown, or in tests); ``flush_now()`` still works."""
        self._timer.stop()

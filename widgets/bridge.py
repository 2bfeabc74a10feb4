"""The one place where the core meets Qt: core events become Qt signals here.

The core (``console/``) imports no Qt at all; it announces changes through its own
:class:`console.events.Event`.  This view-layer module adapts those events to Qt
signals, so views keep Qt's connection semantics (queued delivery, disconnection
when a widget is deleted).  QtCore only (no widgets).

- :class:`PictureNotifier`: a timer calls ``picture.flush()`` at a bounded rate
  (10 Hz by default); the picture emits one :class:`~console.stores.PictureChanges`
  on ``picture.changed`` and the notifier emits one signal per kind that changed,
  carrying the changed ids.  A view therefore repaints at most ten times a second
  however fast the stream runs.
- :class:`SessionSignals`: ``AuthSession.session_changed`` as a Qt signal.
- :class:`CallSignals`: a seat's calling service (registration, call, record) as Qt signals.

(The map's tile scheme handler, ``widgets/map/tile_scheme.py``, is itself the Qt object
that serves tiles: it turns each tile service's ``online_changed`` into its own
``online_changed(key, online)`` signal.)
"""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QObject, QTimer, Signal, SignalInstance

from console.auth import AuthSession
from console.comms import CallService
from console.stores import OperatingPicture, PictureChanges


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
        self._signals: dict[str, SignalInstance] = {
            kind: getattr(self, f"{kind}_changed") for kind in PictureChanges.KINDS}
        self._disconnect: Callable[[], None] = picture.changed.connect(self._on_picture_changed)
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.flush_now)
        self._timer.start()

    def flush_now(self) -> None:
        """Flush the picture now (also called by the timer); its ``changed`` event reaches
        :meth:`_on_picture_changed`."""
        self.picture.flush()

    def _on_picture_changed(self, changes: PictureChanges) -> None:
        for kind, ids in changes.items():
            if not ids:
                continue
            if kind == "connection":
                self.connection_changed.emit(changes.connection_state)
            else:
                self._signals[kind].emit(ids)

    def stop(self) -> None:
        """Stop the timer (at shutdown, or in tests); ``flush_now()`` still works."""
        self._timer.stop()

    def close(self) -> None:
        """Stop the timer and stop listening to the picture (the notifier is done with)."""
        self.stop()
        self._disconnect()


class SessionSignals(QObject):
    """An :class:`AuthSession`'s ``session_changed`` event (``login``, ``refresh``,
    ``expired``, ``logout``, ``lock``, ``unlock``) as the Qt signal ``changed``."""

    changed = Signal(str)

    def __init__(self, session: AuthSession, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._disconnect: Callable[[], None] = session.session_changed.connect(self.changed.emit)

    def close(self) -> None:
        """Stop listening to the session."""
        self._disconnect()


class CallSignals(QObject):
    """A seat's :class:`console.comms.CallService` events as Qt signals (the call bar's feed)."""

    registration_changed = Signal(object)  # console.comms.Registration
    call_changed = Signal(object)  # console.comms.Call
    record_written = Signal(object)  # console.comms.CallRecord

    def __init__(self, calls: CallService, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._disconnects: list[Callable[[], None]] = [
            calls.registration_changed.connect(self.registration_changed.emit),
            calls.call_changed.connect(self.call_changed.emit),
            calls.record_written.connect(self.record_written.emit),
        ]

    def close(self) -> None:
        for disconnect in self._disconnects:
            disconnect()
        self._disconnects = []

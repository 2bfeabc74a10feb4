"""Small helpers for Qt signal wiring shared by the panels, and the one safe way for a
worker thread to hand a result to a widget (:func:`gui_callback`)."""

from __future__ import annotations

import warnings
import weakref
from collections.abc import Callable, Iterable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, Qt, Signal, Slot


def disconnect_all(pairs: Iterable[tuple[Any, Any]]) -> None:
    """Disconnect each (signal, slot); a missing signal (None) or a connection that is
    already gone (the other side was deleted first at shutdown) is not an error."""
    with warnings.catch_warnings():  # PySide warns (RuntimeWarning) as well as raising
        warnings.simplefilter("ignore", RuntimeWarning)
        for signal, slot in pairs:
            if signal is None:
                continue
            try:
                signal.disconnect(slot)
            except (RuntimeError, TypeError):
                pass


class _Relay(QObject):
    """The one object worker threads emit on: created on the GUI thread, never deleted."""

    delivered = Signal(object, object, object)  # weak receiver, function, args

    def __init__(self) -> None:
        super().__init__()
        self.delivered.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    @Slot(object, object, object)
    def _deliver(self, ref: Any, fn: Any, args: Any) -> None:
        receiver = ref()
        if receiver is None or not shiboken6.isValid(receiver):
            return  # closed while the worker ran: nothing to tell
        fn(receiver, *args)


_RELAY: _Relay | None = None


def gui_callback(receiver: QObject, fn: Callable[..., None]) -> Callable[..., None]:
    """On the GUI thread: a function a worker thread may call with its result; the result
    reaches ``fn(receiver, *args)`` on the GUI thread if ``receiver`` still exists, and
    nothing happens if it was deleted meanwhile.

    A worker must never emit a signal of a widget itself: the widget may be destroyed on
    the GUI thread at that very moment (a closed wall, a collected panel), and the emit
    then reads freed memory — a segfault seen in CI with a camera tile's stream diagnosis
    finishing while the test's garbage collection deleted the wall. The worker holds only
    a weak reference and emits on one long-lived relay.
    """
    global _RELAY
    if _RELAY is None:
        _RELAY = _Relay()
    relay, ref = _RELAY, weakref.ref(receiver)

    def post(*args: Any) -> None:
        relay.delivered.emit(ref, fn, args)

    return post

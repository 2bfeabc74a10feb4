"""The core's one event mechanism: a typed :class:`Event` that handlers connect to.

Every change the core announces — a store's coalesced changes, the stream opening,
a login, a wartime step, the tile cache going on or offline — is an ``Event``
attribute of the object that owns it, typed by the arguments its handlers take::

    class LiveSource:
        def __init__(self, ...) -> None:
            self.opened: Event[[]] = Event("source.opened")

    source.opened.connect(outbox.wake)      # returns a function that disconnects
    source.opened.emit()

Handlers run synchronously, in the order they connected, on the thread that emits
(the GUI thread: the core runs on the Qt event loop through qasync).  A handler
that raises is logged and skipped; the others still run and the emitter never sees
the exception — a view's failure must not undo a command or stop the stream.

Views do not connect to these events one by one: ``widgets/bridge.py`` adapts them
to Qt signals in one place, so the Qt side keeps queued connections and widget
lifetimes.  The core never imports Qt.
"""

from __future__ import annotations

import logging
from typing import Callable, Generic, ParamSpec

log = logging.getLogger(__name__)

P = ParamSpec("P")


class Event(Generic[P]):
    """A named happening; ``connect`` handlers, ``emit`` arguments to all of them."""

    __slots__ = ("name", "_handlers")

    def __init__(self, name: str) -> None:
        self.name = name
        self._handlers: list[Callable[P, object]] = []

    def connect(self, handler: Callable[P, object]) -> Callable[[], None]:
        """Call ``handler`` on every emit from now on; returns its disconnect function.

        Connecting the same handler twice is a no-op (one call per emit).
        """
        if handler not in self._handlers:
            self._handlers.append(handler)
        return lambda: self.disconnect(handler)

    def disconnect(self, handler: Callable[P, object]) -> None:
        """Stop calling ``handler`` (unknown handlers are ignored)."""
        if handler in self._handlers:
            self._handlers.remove(handler)

    def emit(self, *args: P.args, **kwargs: P.kwargs) -> None:
        """Call every handler with these arguments; a failing handler is logged and skipped."""
        for handler in list(self._handlers):  # a handler may disconnect itself
            try:
                handler(*args, **kwargs)
            except Exception:  # noqa: BLE001 - one listener must not break the others or the emitter
                log.exception("handler of %s failed", self.name)

    def __len__(self) -> int:
        return len(self._handlers)

    def __repr__(self) -> str:
        return f"Event({self.name!r}, {len(self._handlers)} handlers)"

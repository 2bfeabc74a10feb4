"""Small helpers for Qt signal wiring shared by the panels."""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from typing import Any


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

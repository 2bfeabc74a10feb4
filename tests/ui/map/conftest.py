"""Fixtures of the map tests: every panel made with ``tests.support.mapsupport._make_panel``
is deleted after each test."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.mapsupport import _live_panels


@pytest.fixture(autouse=True)
def _delete_panels() -> Any:
    """Delete pages before the web engine profile goes away at exit (Qt warns otherwise)."""
    yield
    from PySide6.QtCore import QCoreApplication, QEvent

    import shiboken6

    while _live_panels:
        panel = _live_panels.pop()
        if shiboken6.isValid(panel):
            panel.close()
            panel.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)

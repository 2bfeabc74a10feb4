"""The one grab helper: a widget as it looks now, as PNG bytes or a PNG file.

Exports, snapshots, the after-action report's map and the screenshots all take
their picture here (``QWidget.grab()`` → PNG).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtWidgets import QWidget


def widget_png(widget: QWidget) -> bytes:
    """The widget (and its children) as PNG bytes; empty when nothing could be drawn."""
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    widget.grab().save(buf, "PNG")
    buf.close()
    return bytes(data.data())


def save_widget_png(widget: QWidget, path: str | Path) -> bool:
    """Write the widget as a PNG file; False when it could not be written."""
    return bool(widget.grab().save(str(path), "PNG"))

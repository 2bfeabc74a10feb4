"""The 演练 (drill) watermark: a see-through overlay that no screenshot or panel export can miss.

``Watermark`` is a child widget laid over its parent, transparent to the mouse, that
paints the word 演练 diagonally across it.  Because it is a child, ``parent.grab()``
— screenshots and PNG exports of a panel — carries it.  ``DrillWatermarks`` puts
one on every top-level window the application shows (main window, wall windows,
dialogs) and on every dock's panel, for as long as the drill runs.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent
from PySide6.QtWidgets import QApplication, QDockWidget, QMainWindow, QWidget


class Watermark(QWidget):
    """A diagonal, repeated 演练 over its parent; keeps its parent's size and stays on top."""

    def __init__(self, parent: QWidget, text: str | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("DrillWatermark")
        self.text = text or self.tr("演练")
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground, True)
        self.setAttribute(Qt.WidgetAttribute.WA_TranslucentBackground, True)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        parent.installEventFilter(self)
        self._follow()
        self.show()

    def _follow(self) -> None:
        parent = self.parentWidget()
        if parent is not None:
            self.setGeometry(parent.rect())
            self.raise_()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if watched is self.parentWidget() and event.type() in (QEvent.Type.Resize, QEvent.Type.ChildAdded,
                                                              QEvent.Type.Show, QEvent.Type.LayoutRequest):
            self._follow()
        return False

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802 (Qt's name)
        w, h = self.width(), self.height()
        if w < 40 or h < 40:
            return
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        font = QFont(self.font())
        size = max(28, min(160, int(min(w, h) / 4)))
        font.setPixelSize(size)
        font.setBold(True)
        p.setFont(font)
        p.setPen(QColor(230, 60, 50, 34))
        step_x, step_y = size * 4.0, size * 2.6
        p.translate(QPointF(w / 2, h / 2))
        p.rotate(-30)
        span = (w + h)
        y = float(-span)
        row = 0
        while y < span:
            x = -span + (row % 2) * step_x / 2
            while x < span:
                p.drawText(QRectF(x, y, step_x, step_y), int(Qt.AlignmentFlag.AlignCenter), self.text)
                x += step_x
            y += step_y
            row += 1
        # A plain, upright label in a corner too: readable on any crop of a screenshot.
        p.resetTransform()
        corner = QFont(self.font())
        corner.setPixelSize(max(14, min(28, int(h / 30))))
        corner.setBold(True)
        p.setFont(corner)
        p.setPen(QColor(230, 60, 50, 200))
        p.drawText(QRectF(0, 0, w - 12, h - 8), int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom),
                   self.text)
        p.end()


def install_watermark(widget: QWidget, text: str | None = None) -> Watermark:
    """Put one watermark on ``widget`` (a second call returns the first)."""
    for child in widget.children():
        if isinstance(child, Watermark):
            return child
    return Watermark(widget, text)


class DrillWatermarks(QObject):
    """Watermarks every top-level window (and each dock's panel) the application shows.

    New windows are found by looking at the top-level widgets twice a second, not by an
    application-wide event filter: such a filter written in Python is handed events of
    objects still being built in C++ (QtWebEngine's request jobs) and crashes PySide.
    """

    INTERVAL_MS = 500

    def __init__(self, app: Any = None, text: str | None = None) -> None:
        super().__init__(app or QApplication.instance())
        self.text = text
        self._timer = QTimer(self)
        self._timer.setInterval(self.INTERVAL_MS)
        self._timer.timeout.connect(self.sweep)
        self._timer.start()
        self.sweep()

    def sweep(self) -> None:
        """Mark every visible top-level window (and its docks' panels) not yet marked."""
        for w in QApplication.topLevelWidgets():
            if w.isVisible():
                self.mark(w)

    def mark(self, window: QWidget) -> None:
        if window.windowType() in (Qt.WindowType.Popup, Qt.WindowType.ToolTip):
            return
        install_watermark(window, self.text)
        if isinstance(window, QMainWindow):
            for dock in window.findChildren(QDockWidget):
                if dock.widget() is not None:
                    install_watermark(dock.widget(), self.text)

    def stop(self) -> None:
        self._timer.stop()

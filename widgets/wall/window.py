"""A wall screen's window and the captioned frame each panel sits in there.

:class:`WallWindow` covers one screen: frameless, full screen, never focused, the
large-font wall theme (:data:`WALL_STYLE`), panels side by side in a splitter and a
big badge for screen numbers and tour state. :class:`PanelFrame` is one panel with
its caption, which says when the panel is visiting from an unplugged screen.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QCloseEvent, QFont, QScreen
from PySide6.QtWidgets import QLabel, QSplitter, QVBoxLayout, QWidget

WALL_STYLE = """
WallWindow { background: #03080e; }
WallWindow[selected="true"] { border: 4px solid #27c4f5; }
QLabel#WallCaption { font-size: 20pt; font-weight: 600; color: #8fdcff; padding: 4px 12px;
                     background: #0a1826; border-bottom: 2px solid #12405a; }
QLabel#WallCaption[guest="true"] { color: #ffcf5a; border-bottom-color: #8a6a12; }
QLabel#WallBadge { font-size: 64pt; font-weight: 700; color: #ffffff; background: rgba(10, 40, 64, 220);
                   border: 3px solid #27c4f5; border-radius: 16px; padding: 24px 48px; }
WallWindow QTableView { font-size: 15pt; }
WallWindow QHeaderView::section { font-size: 15pt; }
"""
"""The large-font wall theme, on top of the application's dark sheet."""

WALL_FONT_PT = 15
"""Base font of a large-font wall window (the duty screen uses 10 pt)."""


class PanelFrame(QWidget):
    """A panel on the wall with its caption (the caption says when it is visiting)."""

    def __init__(self, key: str, title: str, panel: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key = key
        self.title = title
        self.panel = panel
        self.setObjectName(f"WallPanel_{key}")
        self.caption = QLabel(title, self)
        self.caption.setObjectName("WallCaption")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.caption)
        layout.addWidget(panel, 1)

    def set_guest_of(self, home: str | None) -> None:
        """Mark the panel as moved here from a missing screen (None: it is at home)."""
        text = self.title if home is None else self.tr("{title}（临时：{home} 屏幕断开）").format(title=self.title, home=home)
        self.caption.setText(text)
        guest = "true" if home is not None else "false"
        if self.caption.property("guest") != guest:
            self.caption.setProperty("guest", guest)
            self.caption.style().unpolish(self.caption)
            self.caption.style().polish(self.caption)


class WallWindow(QWidget):
    """One wall screen: frameless, full screen, never focused; panels side by side."""

    def __init__(self, screen_name: str, large: bool = True) -> None:
        super().__init__(None, Qt.WindowType.Window | Qt.WindowType.FramelessWindowHint
                         | Qt.WindowType.WindowDoesNotAcceptFocus)
        self.screen_name = screen_name
        self.setObjectName(f"WallWindow_{screen_name}")
        self.setWindowTitle(self.tr("坪山区城市运行指挥中心 · 大屏 {name}").format(name=screen_name))
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating, True)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        if large:
            font = QFont(self.font())
            font.setPointSize(WALL_FONT_PT)
            self.setFont(font)
        self.setStyleSheet(WALL_STYLE)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setHandleWidth(3)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)
        self.badge = QLabel(self)
        self.badge.setObjectName("WallBadge")
        self.badge.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.badge.hide()
        self._badge_timer = QTimer(self)
        self._badge_timer.setSingleShot(True)
        self._badge_timer.timeout.connect(self.badge.hide)

    def frames(self) -> list[PanelFrame]:
        """The panels on this screen, left to right."""
        return [self.splitter.widget(i) for i in range(self.splitter.count())]  # type: ignore[misc]

    def set_frames(self, frames: list[PanelFrame]) -> None:
        """Put exactly these panels here, in this order (moving them from wherever they are)."""
        for index, frame in enumerate(frames):
            if self.splitter.indexOf(frame) != index:
                self.splitter.insertWidget(index, frame)
            frame.show()
        # The queue's columns need the room; the other panels share equally.
        self.splitter.setSizes([16_000 if f.key == "queue" else 10_000 for f in frames])

    def place_on(self, screen: QScreen) -> None:
        """Cover ``screen`` entirely."""
        if self.screen() is not screen:
            self.setScreen(screen)
        self.setGeometry(screen.geometry())
        if not self.isVisible():
            # Not showFullScreen(): it also asks for activation, which a wall window refuses.
            self.setWindowState(self.windowState() | Qt.WindowState.WindowFullScreen)
            self.show()

    def set_selected(self, on: bool) -> None:
        value = "true" if on else "false"
        if self.property("selected") != value:
            self.setProperty("selected", value)
            self.style().unpolish(self)
            self.style().polish(self)

    def show_badge(self, text: str, ms: int = 2500) -> None:
        """A big label in the middle of the screen (screen numbers, tour state)."""
        self.badge.setText(text)
        self.badge.adjustSize()
        self.badge.move((self.width() - self.badge.width()) // 2, (self.height() - self.badge.height()) // 2)
        self.badge.raise_()
        self.badge.show()
        self._badge_timer.start(ms)

    def badge_text(self) -> str:
        return self.badge.text() if self.badge.isVisible() else ""

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt's name)
        self._badge_timer.stop()
        super().closeEvent(event)

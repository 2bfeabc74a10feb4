"""The drill bar: the virtual clock, speed, pause, jump to the next inject, and the score so far.

A tool bar on the main window in drill mode. It holds no drill state: it reads
``DrillSession.status()`` twice a second and calls the session's controls
(``toggle_pause``, ``set_speed``, ``faster``/``slower``, ``jump_next``).
Keys: Space pauses or resumes, N jumps to the next inject, + and − change the speed (when
no widget takes the key: the alert table keeps Space for 签收); F8 and F9 pause and jump
from anywhere.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QComboBox, QLabel, QMainWindow, QToolBar, QToolButton, QWidget

from widgets.watermark import DrillWatermarks

log = logging.getLogger(__name__)

SPEEDS = (1, 2, 5, 10, 30, 60)
REFRESH_MS = 500


def _hms(seconds: float) -> str:
    m, s = divmod(int(seconds), 60)
    h, m = divmod(m, 60)
    return f"{h:d}:{m:02d}:{s:02d}"


class DrillBar(QToolBar):
    """Drill controls; ``session`` is a ``console.drill.session.DrillSession``."""

    def __init__(self, session: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self.setObjectName("DrillBar")
        self.setWindowTitle(self.tr("演练控制"))
        self.setMovable(False)
        self.setFloatable(False)
        self.setStyleSheet("QToolBar#DrillBar { background: #4a1512; border-bottom: 2px solid #e63c32; }"
                           "QToolBar#DrillBar QLabel { color: #ffe3df; padding: 0 8px; }"
                           "QLabel#DrillBadge { color: #ffffff; background: #c62a22; font-weight: bold;"
                           " border-radius: 3px; padding: 2px 10px; }")

        self.badge = QLabel(self.tr("演练"), self)
        self.badge.setObjectName("DrillBadge")
        self.title = QLabel(self)
        self.clock = QLabel(self)
        self.clock.setObjectName("DrillClock")
        self.speed = QComboBox(self)
        self.speed.setObjectName("DrillSpeed")
        for s in SPEEDS:
            self.speed.addItem(f"{s}×", s)
        self.speed.setToolTip(self.tr("倍速（+ 加快，− 减慢）"))
        self.pause = QToolButton(self)
        self.pause.setObjectName("DrillPause")
        self.pause.setToolTip(self.tr("暂停 / 继续（空格，F8）"))
        self.next = QToolButton(self)
        self.next.setObjectName("DrillNext")
        self.next.setText(self.tr("下一注入"))
        self.next.setToolTip(self.tr("跳到下一个情景注入（N，F9）"))
        self.progress = QLabel(self)
        self.score = QLabel(self)
        self.score.setObjectName("DrillScore")
        self.state = QLabel(self)
        for w in (self.badge, self.title, self.clock, self.speed, self.pause, self.next, self.progress, self.score,
                  self.state):
            self.addWidget(w)

        self.pause.clicked.connect(self._on_pause_clicked)
        self.next.clicked.connect(self._on_next_clicked)
        self.speed.activated.connect(self._on_speed_chosen)
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()
        self.refresh()

    # ------------------------------------------------------------------ keys

    def install_shortcuts(self, window: QWidget) -> list[QShortcut]:
        """Keys on ``window``.

        Space, N, + and − act when no widget took the key: a text field still types them,
        and the alert table keeps Space for 签收.  They reach the window as unhandled key
        presses (a window-wide shortcut on Space would make the table's Space ambiguous).
        F8 (pause) and F9 (next inject) work wherever the focus is.
        """
        window.installEventFilter(self)
        self._window = window
        self._keys = {Qt.Key.Key_Space: self._on_pause_clicked, Qt.Key.Key_N: self._on_next_clicked,
                      Qt.Key.Key_Plus: self._faster, Qt.Key.Key_Equal: self._faster, Qt.Key.Key_Minus: self._slower}
        self._shortcuts = []
        for key, slot in ((Qt.Key.Key_F8, self._on_pause_clicked), (Qt.Key.Key_F9, self._on_next_clicked)):
            sc = QShortcut(QKeySequence(key), window)
            sc.setContext(Qt.ShortcutContext.WindowShortcut)
            sc.activated.connect(slot)
            self._shortcuts.append(sc)
        return self._shortcuts

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if watched is getattr(self, "_window", None) and event.type() == QEvent.Type.KeyPress:
            key_event = event  # a QKeyEvent
            mods = key_event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier  # type: ignore[attr-defined]
            slot = self._keys.get(Qt.Key(key_event.key()))  # type: ignore[attr-defined]
            if slot is not None and mods in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.ShiftModifier) \
                    and not key_event.isAutoRepeat():  # type: ignore[attr-defined]
                slot()
                return True
        return False

    # ------------------------------------------------------------------ slots

    def _on_pause_clicked(self) -> None:
        self._session.toggle_pause()
        self.refresh()

    def _on_next_clicked(self) -> None:
        if self._session.jump_next() is None:
            self.state.setText(self.tr("没有后续注入"))
        self.refresh()

    def _on_speed_chosen(self, index: int) -> None:
        self._session.set_speed(float(self.speed.itemData(index)))
        self.refresh()

    def _faster(self) -> None:
        self._session.faster()
        self.refresh()

    def _slower(self) -> None:
        self._session.slower()
        self.refresh()

    def refresh(self) -> None:
        """Read the session's status and show it."""
        try:
            st = self._session.status()
        except Exception:  # noqa: BLE001 - the bar must never break the window
            log.exception("drill status failed")
            return
        self.title.setText(self.tr("演练：{title}").format(title=st.title))
        self.clock.setText(self.tr("演练时间 {now} / {total}（情景时刻 {at}）").format(
            now=_hms(st.now_s), total=_hms(st.duration_s), at=st.scenario_time.strftime("%H:%M:%S")))
        index = self.speed.findData(int(st.speed))
        if index >= 0 and index != self.speed.currentIndex():
            self.speed.setCurrentIndex(index)
        self.pause.setText(self.tr("继续") if st.paused else self.tr("暂停"))
        self.next.setEnabled(st.next_inject_s is not None and not st.finished)
        self.progress.setText(self.tr("注入 {done}/{total}").format(done=st.injects_done, total=st.injects_total))
        self.score.setText(self.tr("当前得分 {score}").format(
            score="—" if st.score_percent is None else f"{st.score_percent:.1f}"))
        if st.finished:
            self.state.setText(self.tr("演练结束，评估报告已生成") if st.report else self.tr("演练结束"))
        elif st.paused:
            self.state.setText(self.tr("已暂停"))
        elif self.state.text() != self.tr("没有后续注入"):
            self.state.setText("")

    def stop(self) -> None:
        self._timer.stop()
        window = getattr(self, "_window", None)
        if window is not None:
            window.removeEventFilter(self)


def attach_drill_ui(window: QMainWindow, session: Any) -> tuple[DrillBar, DrillWatermarks]:
    """Drill mode on a main window: the drill bar on top, its keys, 演练 on every window."""
    bar = DrillBar(session, window)
    window.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)
    bar.install_shortcuts(window)
    marks = DrillWatermarks(text=QCoreApplication.translate("DrillBar", "演练"))
    marks.mark(window)
    window.setWindowTitle(QCoreApplication.translate("DrillBar", "【演练】") + window.windowTitle())
    wall = getattr(window, "video_wall", None)
    clips = sorted(getattr(session, "clip_paths", {}) or {})
    if clips and wall is not None and hasattr(wall, "show_cameras"):
        wall.show_cameras(clips)  # the drill's cameras with pictures go on the first tiles
    return bar, marks

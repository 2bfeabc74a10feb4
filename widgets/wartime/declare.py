"""The supervisor's declaration (宣布启动应急响应) and the quick command-log note.

Both are non-modal (``show()``, never ``exec()``: the asyncio loop runs on this
thread, and the operator keeps working the console while typing).  Bad input is shown in red inside the dialog, which stays open with what
was typed; nothing is sent until the core's ``Wartime.declare`` accepts it.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from console.wartime import INCIDENT_TYPES, LEVELS, Wartime, WartimeError
from widgets.wartime.cells import refusal_text


class DeclareDialog(QDialog):
    """Type, response level Ⅰ–Ⅳ, location and radius (or a whole street), and the reason."""

    declared = Signal(str)

    def __init__(self, wartime: Wartime, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._war = wartime
        self.setObjectName("DeclareDialog")
        self.setWindowTitle(self.tr("宣布启动应急响应"))
        self.setModal(False)
        self.type_box = QComboBox(self)
        for key, name in INCIDENT_TYPES.items():
            self.type_box.addItem(self.tr(name), key)
        self.level_box = QComboBox(self)
        for n, roman in LEVELS.items():
            self.level_box.addItem(self.tr("{l}级（{d}）").format(
                l=roman, d=[self.tr("特别重大"), self.tr("重大"), self.tr("较大"), self.tr("一般")][n - 1]), n)
        self.level_box.setCurrentIndex(3)
        self.street_box = QComboBox(self)
        self.street_box.addItem(self.tr("（按经纬度）"), None)
        from console.catalogue import streets

        self._centres: dict[str, tuple[float, float]] = {}
        for s in streets():
            self.street_box.addItem(s.name_zh, s.id)
            self._centres[s.id] = (s.centre.lon, s.centre.lat)
        self.street_box.currentIndexChanged.connect(self._on_street_changed)
        self.lon = QDoubleSpinBox(self)
        self.lat = QDoubleSpinBox(self)
        for box, lo, hi, val in ((self.lon, 113.5, 115.0, 114.35), (self.lat, 22.3, 23.1, 22.72)):
            box.setDecimals(4)
            box.setRange(lo, hi)
            box.setSingleStep(0.001)
            box.setValue(val)
        self.radius = QDoubleSpinBox(self)
        self.radius.setRange(50, 20000)
        self.radius.setDecimals(0)
        self.radius.setSingleStep(100)
        self.radius.setValue(1000)
        self.radius.setSuffix(self.tr(" 米"))
        self.title = QLineEdit(self)
        self.title.setPlaceholderText(self.tr("默认：类型 + 响应级别"))
        self.reason = QPlainTextEdit(self)
        self.reason.setPlaceholderText(self.tr("启动事由（必填），如：小时雨量超 50 毫米，多处积水"))
        self.reason.setFixedHeight(70)
        # Not a keyboard trap (issue 21): Tab leaves the box, Return goes on to 宣布启动
        # (a second Return declares); Shift+Return starts a new line.
        self.reason.setTabChangesFocus(True)
        self.reason.installEventFilter(self)
        self.error = QLabel(self)
        self.error.setObjectName("DeclareError")
        self.error.setStyleSheet("color: #ff5252; font-weight: bold;")
        self.error.setWordWrap(True)
        where = QHBoxLayout()
        where.addWidget(QLabel(self.tr("经度"), self))
        where.addWidget(self.lon)
        where.addWidget(QLabel(self.tr("纬度"), self))
        where.addWidget(self.lat)
        form = QFormLayout()
        form.addRow(self.tr("事件类型"), self.type_box)
        form.addRow(self.tr("响应级别"), self.level_box)
        form.addRow(self.tr("所在街道"), self.street_box)
        form.addRow(self.tr("事发位置"), where)
        form.addRow(self.tr("影响半径"), self.radius)
        form.addRow(self.tr("事件名称"), self.title)
        form.addRow(self.tr("启动事由"), self.reason)
        self.buttons = QDialogButtonBox(self)
        self.declare_button = self.buttons.addButton(self.tr("宣布启动"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.tr("取消"), QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if (watched is self.reason and event.type() == QEvent.Type.KeyPress
                and isinstance(event, QKeyEvent)
                and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
                and not event.modifiers() & Qt.KeyboardModifier.ShiftModifier):
            self.declare_button.setFocus(Qt.FocusReason.TabFocusReason)
            return True
        return super().eventFilter(watched, event)

    def _on_street_changed(self, _index: int) -> None:
        street = self.street_box.currentData()
        if street in self._centres:
            lon, lat = self._centres[street]
            self.lon.setValue(lon)
            self.lat.setValue(lat)

    def submit(self) -> str | None:
        """Declare through the core; on bad input show why and keep the dialog open."""
        try:
            iid = self._war.declare(
                self.type_box.currentData(), int(self.level_box.currentData()),
                reason=self.reason.toPlainText(), location=(self.lon.value(), self.lat.value()),
                street=self.street_box.currentData(), radius_m=self.radius.value(),
                title=self.title.text().strip() or None)
        except WartimeError as exc:
            self.error.setText(refusal_text(exc))
            return None
        self.error.clear()
        self.declared.emit(iid)
        self.accept()
        return str(iid)


class NoteDialog(QDialog):
    """Quick entry of a command-log note (Ctrl+Shift+J from anywhere)."""

    def __init__(self, wartime: Wartime, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._war = wartime
        self.setObjectName("NoteDialog")
        self.setWindowTitle(self.tr("指挥日志 · 速记"))
        self.setModal(False)
        self.target = QLabel(self)
        self.text = QLineEdit(self)
        self.text.setPlaceholderText(self.tr("决定、通话、现场情况……回车记录"))
        self.text.returnPressed.connect(self.submit)
        self.error = QLabel(self)
        self.error.setStyleSheet("color: #ff5252;")
        layout = QVBoxLayout(self)
        layout.addWidget(self.target)
        layout.addWidget(self.text)
        layout.addWidget(self.error)
        self.resize(560, 110)

    def open(self) -> None:  # noqa: D102 - Qt's name; shown non-modal, the console stays usable
        inc = self._war.incident(self._war.focus) if self._war.focus else None
        self.target.setText(self.tr("记入：{t}").format(t=inc.title) if inc else self.tr("记入：值班日志（无战时事件）"))
        self.error.clear()
        self.show()
        self.raise_()
        self.activateWindow()
        self.text.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def submit(self) -> bool:
        try:
            self._war.note(self.text.text())
        except WartimeError as exc:
            self.error.setText(refusal_text(exc))
            return False
        self.text.clear()
        self.accept()
        return True

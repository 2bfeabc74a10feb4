"""The 值班 dialogs: handover (交班), acknowledgement (接班确认, with the incoming officer's
own login) and 查岗. Each stays open on a refusal and shows the server's reason; none
calls ``exec()`` (the panel opens them with ``open()``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QPlainTextEdit,
                               QSpinBox, QVBoxLayout, QWidget)

from console.duty import DutyError
from console.models import DutyCentre, DutyShift
from console.texts import render
from district.duty import CHECKIN_MINUTES, MAX_CHECKIN_MINUTES
from district.vocabulary import DISTRICT_TZ

Submit = Callable[[], Awaitable[None]]


def _t(shift: DutyShift) -> str:
    return f"{shift.start.astimezone(DISTRICT_TZ):%m-%d %H:%M} — {shift.end.astimezone(DISTRICT_TZ):%m-%d %H:%M}"


def reason_of(exc: BaseException) -> str:
    """A duty failure as the operator reads it (the core's text in the UI language)."""
    if isinstance(exc, DutyError) and exc.args:
        return render(exc.args[0], QCoreApplication.translate)
    return QCoreApplication.translate("DutyPanel", "操作失败：{error}").format(error=type(exc).__name__)


class _DutyDialog(QDialog):
    """A form with OK/Cancel and an error line; OK runs ``submit`` (set by the panel)."""

    def __init__(self, title: str, ok_text: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setModal(True)
        self.form = QFormLayout()
        self.error = QLabel(self)
        self.error.setObjectName("DutyDialogError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #ff5252;")
        self.error.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(ok_text)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("取消"))
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()
        self.ok_button.setEnabled(True)

    def busy(self) -> None:
        self.error.hide()
        self.ok_button.setEnabled(False)


class HandoverDialog(_DutyDialog):
    """交班: the outgoing officer writes the handover report (交接班报告)."""

    def __init__(self, shift: DutyShift, centre: str, parent: QWidget | None = None) -> None:
        super().__init__(QCoreApplication.translate("HandoverDialog", "交班 · {centre}").format(centre=centre),
                         QCoreApplication.translate("HandoverDialog", "交班"), parent)
        self.shift = shift
        self.form.addRow(self.tr("班次"), QLabel(f"{shift.seat}　{_t(shift)}", self))
        self.form.addRow(self.tr("交班人"), QLabel(shift.officer, self))
        self.report = QPlainTextEdit(self)
        self.report.setObjectName("HandoverReport")
        self.report.setPlaceholderText(self.tr("本班重要事项、未结事件、需接班人跟进的工作……"))
        self.report.setMinimumSize(480, 200)
        self.form.addRow(self.tr("交接班报告"), self.report)
        self.report.setFocus(Qt.FocusReason.OtherFocusReason)

    def text(self) -> str:
        return self.report.toPlainText()


class AcknowledgeDialog(_DutyDialog):
    """接班确认: the incoming officer reads the report and logs in with their own account."""

    def __init__(self, shift: DutyShift, centre: str, parent: QWidget | None = None) -> None:
        super().__init__(QCoreApplication.translate("AcknowledgeDialog", "接班确认 · {centre}").format(centre=centre),
                         QCoreApplication.translate("AcknowledgeDialog", "确认接班"), parent)
        self.shift = shift
        handed = shift.handed_over_at.astimezone(DISTRICT_TZ).strftime("%H:%M") if shift.handed_over_at else "—"
        self.form.addRow(self.tr("交班人"), QLabel(f"{shift.handed_over_by or '—'}（{handed}）", self))
        report = QPlainTextEdit(shift.report, self)
        report.setReadOnly(True)
        report.setMinimumSize(480, 140)
        self.form.addRow(self.tr("交接班报告"), report)
        note = QLabel(self.tr("接班人须以本人账号登录确认（不能由交班人确认）"), self)
        note.setWordWrap(True)
        self.form.addRow(note)
        self.username = QLineEdit(self)
        self.username.setObjectName("AckUsername")
        self.password = QLineEdit(self)
        self.password.setObjectName("AckPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.form.addRow(self.tr("接班人账号"), self.username)
        self.form.addRow(self.tr("密码"), self.password)
        self.username.setFocus(Qt.FocusReason.OtherFocusReason)

    def credentials(self) -> tuple[str, str]:
        return self.username.text().strip(), self.password.text()

    def show_error(self, text: str) -> None:
        super().show_error(text)
        self.password.clear()
        self.password.setFocus(Qt.FocusReason.OtherFocusReason)


class CheckInDialog(_DutyDialog):
    """查岗: which centre, and how many minutes it has to answer."""

    def __init__(self, centres: list[DutyCentre], parent: QWidget | None = None, selected: str | None = None) -> None:
        super().__init__(QCoreApplication.translate("CheckInDialog", "查岗"),
                         QCoreApplication.translate("CheckInDialog", "发起查岗"), parent)
        self.centre = QComboBox(self)
        self.centre.setObjectName("CheckInCentre")
        for c in centres:
            self.centre.addItem(c.name, c.id)
        if selected is not None and (i := self.centre.findData(selected)) >= 0:
            self.centre.setCurrentIndex(i)
        self.minutes = QSpinBox(self)
        self.minutes.setRange(1, MAX_CHECKIN_MINUTES)
        self.minutes.setValue(CHECKIN_MINUTES)
        self.minutes.setSuffix(self.tr(" 分钟"))
        self.form.addRow(self.tr("被查中心"), self.centre)
        self.form.addRow(self.tr("应答时限"), self.minutes)
        self.form.addRow(QLabel(self.tr("超过时限应答记为迟到，再超过同样时长记为未应答"), self))

    def choice(self) -> tuple[str, int]:
        return str(self.centre.currentData()), int(self.minutes.value())


class AssignDialog(_DutyDialog):
    """修改排班: who holds a shift, their phone and SIP URI (administrator and 值班长 seats)."""

    def __init__(self, shift: DutyShift, centre: str, parent: QWidget | None = None) -> None:
        super().__init__(QCoreApplication.translate("AssignDialog", "修改排班 · {centre}").format(centre=centre),
                         QCoreApplication.translate("AssignDialog", "保存"), parent)
        self.shift = shift
        self.form.addRow(self.tr("班次"), QLabel(f"{shift.seat}　{_t(shift)}", self))
        self.officer = QLineEdit(shift.officer, self)
        self.phone = QLineEdit(shift.phone, self)
        self.sip = QLineEdit(shift.sip, self)
        self.sip.setPlaceholderText("sip:8001@duty.pingshan.local")
        self.form.addRow(self.tr("值班人"), self.officer)
        self.form.addRow(self.tr("电话"), self.phone)
        self.form.addRow(self.tr("SIP 地址"), self.sip)

    def changes(self) -> dict[str, str]:
        """Only the fields the operator changed."""
        now = {"officer": self.officer.text().strip(), "phone": self.phone.text().strip(), "sip": self.sip.text().strip()}
        was = {"officer": self.shift.officer, "phone": self.shift.phone, "sip": self.shift.sip}
        return {k: v for k, v in now.items() if v != was[k]}

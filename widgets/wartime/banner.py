"""The red wartime banner (战时横幅) and the non-modal bar that asks to switch to wartime.

``WarBanner`` shows the focused incident, its response level and the time since
declaration, one button per commanded incident (one click moves the focus) and
the stand-down button.  ``SwitchConfirmBar`` appears when the gateway pushes an
incident this console has not switched to; it never blocks the operator.
Both read the core's ``Wartime`` service and hold no state of their own.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from console.wartime import Wartime

BANNER_QSS = """
#WarBanner { background: #8e0000; border-bottom: 2px solid #ff5252; }
#WarBanner QLabel { color: #ffffff; }
#WarBanner #WarBannerTitle { font-size: 17px; font-weight: bold; }
#WarBanner #WarBannerLevel { background: #ffffff; color: #b00000; font-weight: bold; font-size: 15px;
                             border-radius: 4px; padding: 2px 10px; }
#WarBanner #WarBannerElapsed { font-size: 17px; font-weight: bold; font-family: monospace; }
#WarBanner QPushButton { background: #b71c1c; color: #ffffff; border: 1px solid #ff8a80; border-radius: 4px;
                         padding: 3px 10px; }
#WarBanner QPushButton:checked { background: #ffffff; color: #8e0000; font-weight: bold; }
#WarBanner #StandDownButton { background: #263238; border-color: #ffffff; }
#SwitchConfirmBar { background: #ff8f00; }
#SwitchConfirmBar QLabel { color: #1a1a1a; font-weight: bold; font-size: 14px; }
#SwitchConfirmBar QPushButton { padding: 3px 12px; }
"""


def elapsed_text(seconds: float) -> str:
    """``HH:MM:SS`` (hours may exceed 24)."""
    s = int(max(0, seconds))
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


class WarBanner(QFrame):
    """Red banner while the console commands one or more incidents."""

    focus_requested = Signal(str)
    stand_down_requested = Signal(str)
    note_requested = Signal()

    def __init__(self, wartime: Wartime, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._war = wartime
        self.setObjectName("WarBanner")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(BANNER_QSS)
        self.mode = QLabel(self.tr("战时指挥"), self)
        self.mode.setObjectName("WarBannerTitle")
        self.level = QLabel(self)
        self.level.setObjectName("WarBannerLevel")
        self.title = QLabel(self)
        self.title.setObjectName("WarBannerTitle")
        self.elapsed = QLabel(self)
        self.elapsed.setObjectName("WarBannerElapsed")
        self.pending = QLabel(self)
        self._switches = QHBoxLayout()
        self._switches.setSpacing(4)
        self.note_button = QPushButton(self.tr("记录 Ctrl+Shift+J"), self)
        self.note_button.clicked.connect(self.note_requested.emit)
        self.stand_down_button = QPushButton(self.tr("解除响应…"), self)
        self.stand_down_button.setObjectName("StandDownButton")
        self.stand_down_button.clicked.connect(self._on_stand_down_clicked)
        row = QHBoxLayout(self)
        row.setContentsMargins(14, 5, 14, 5)
        row.addWidget(self.mode)
        row.addSpacing(10)
        row.addWidget(self.level)
        row.addWidget(self.title, 1)
        row.addWidget(self.pending)
        row.addLayout(self._switches)
        row.addSpacing(12)
        row.addWidget(self.elapsed)
        row.addSpacing(12)
        row.addWidget(self.note_button)
        row.addWidget(self.stand_down_button)
        self._buttons: dict[str, QPushButton] = {}
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self._on_tick)
        self._timer.start()
        self.refresh()

    def focused_id(self) -> str | None:
        return self._war.focus

    def refresh(self) -> None:
        """Re-read the commanded incidents and the focus."""
        incidents = self._war.commanding()
        focus = self._war.focus
        self.setVisible(bool(incidents))
        ids = [i.id for i in incidents]
        for iid in list(self._buttons):
            if iid not in ids:
                self._buttons.pop(iid).deleteLater()
        for n, inc in enumerate(incidents):
            btn = self._buttons.get(inc.id)
            if btn is None:
                btn = QPushButton(self)
                btn.setCheckable(True)
                btn.clicked.connect(lambda _c=False, i=inc.id: self.focus_requested.emit(i))
                self._buttons[inc.id] = btn
                self._switches.addWidget(btn)
            btn.setText(f"{inc.type_zh} {inc.level_zh}")
            btn.setToolTip(self.tr("切换关注：{t}（Ctrl+PgDown / Ctrl+PgUp）").format(t=inc.title))
            btn.setChecked(inc.id == focus)
            btn.setVisible(len(incidents) > 1)
        inc = next((i for i in incidents if i.id == focus), None)
        if inc is None:
            return
        self.level.setText(self.tr("{l}级响应").format(l=inc.level_zh))
        where = self._street_name(inc.street)
        self.title.setText(f"{inc.title}{' · ' + where if where else ''} · {inc.id}")
        if inc.status == "pending":
            self.pending.setText(self.tr("宣布指令待网关确认"))
        elif inc.status == "failed":
            self.pending.setText(self.tr("宣布未被接受：{r}").format(r=inc.refusal))
        elif self._war.stand_down_pending(inc.id):
            self.pending.setText(self.tr("解除指令待确认"))
        else:
            self.pending.setText("")
        self.stand_down_button.setEnabled(inc.status == "active" and not self._war.stand_down_pending(inc.id))
        self._on_tick()

    def elapsed_text(self) -> str:
        return self.elapsed.text()

    def _street_name(self, street: str | None) -> str:
        if not street:
            return ""
        name = self._war.unit_name(f"street.{street}")
        return name.replace("分中心", "")

    def shutdown(self) -> None:
        """Stop the clock (the window is closing; the core goes next)."""
        self._timer.stop()

    def _on_tick(self) -> None:
        if not self.isVisible():  # hidden, or the window closed (the core may be stopped)
            return
        inc = self._war.incident(self._war.focus) if self._war.focus else None
        if inc is not None:
            self.elapsed.setText(self.tr("已持续 {t}").format(t=elapsed_text(inc.elapsed_s(self._war.now()))))

    def _on_stand_down_clicked(self) -> None:
        focus = self._war.focus
        if focus:
            self.stand_down_requested.emit(focus)


class SwitchConfirmBar(QFrame):
    """Non-modal: "the gateway declared an incident — switch to the wartime layout?"."""

    accepted = Signal(str)
    declined = Signal(str)

    def __init__(self, wartime: Wartime, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._war = wartime
        self._incident: str | None = None
        self.setObjectName("SwitchConfirmBar")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(BANNER_QSS)
        self.text = QLabel(self)
        self.switch_button = QPushButton(self.tr("切换为战时布局"), self)
        self.later_button = QPushButton(self.tr("暂不切换"), self)
        self.switch_button.clicked.connect(self._on_switch_clicked)
        self.later_button.clicked.connect(self._on_later_clicked)
        row = QHBoxLayout(self)
        row.setContentsMargins(14, 4, 14, 4)
        row.addWidget(self.text, 1)
        row.addWidget(self.switch_button)
        row.addWidget(self.later_button)
        self.refresh()

    def incident_id(self) -> str | None:
        return self._incident

    def refresh(self) -> None:
        waiting = self._war.awaiting_confirmation()
        if not waiting:
            self._incident = None
            self.hide()
            return
        inc = waiting[0]
        self._incident = inc.id
        more = self.tr("（另有 {n} 起）").format(n=len(waiting) - 1) if len(waiting) > 1 else ""
        self.text.setText(self.tr("网关推送：{title}，{l}级响应（{who}宣布）。是否切换为战时布局？{more}").format(
            title=inc.title, l=inc.level_zh, who=inc.declared_by or self.tr("上级"), more=more))
        self.show()

    def _on_switch_clicked(self) -> None:
        if self._incident:
            self.accepted.emit(self._incident)

    def _on_later_clicked(self) -> None:
        if self._incident:
            self.declined.emit(self._incident)

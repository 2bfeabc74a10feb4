"""The 值班 panel: today's duty officers per centre, handover, 查岗 and the call button.

A view over :class:`console.duty.DutyDesk`: it never touches the network itself; every
action is a desk coroutine run as a kept task, its failure shown in Chinese in the panel's
status line (no traceback). Rows of shifts that ended without a handover are amber.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QBrush, QColor, QFont, QKeySequence
from PySide6.QtWidgets import (QAbstractItemView, QHeaderView, QLabel, QMenu, QPushButton, QSizePolicy, QSplitter,
                               QTableWidget, QTableWidgetItem, QToolBar, QVBoxLayout, QWidget)

from console.duty import DutyDesk, write_handover
from console.models import DutyCheckIn, DutyShift, Roster
from district.vocabulary import DISTRICT_TZ
from widgets.duty.dialogs import AcknowledgeDialog, AssignDialog, CheckInDialog, HandoverDialog, reason_of
from widgets.theme import AMBER

log = logging.getLogger(__name__)

REFRESH_MS = 30_000
OUTCOME_COLOURS = {"answered": "#4caf50", "late": AMBER, "missed": "#ff5252", "pending": "#90caf9"}


def _hm(t: datetime | None) -> str:
    return t.astimezone(DISTRICT_TZ).strftime("%H:%M") if t is not None else "—"


class DutyPanel(QWidget):
    """Today's roster (值班表) per centre with phone and SIP, handover, 查岗 and calling.

    ``call_requested(sip_uri, display_name, link)`` asks whoever places calls (融合通信) to ring
    the selected duty officer; with nothing connected the call button says 融合通信未配置.
    ``taken_over(outgoing_user, incoming_user, incoming_name)`` follows an acknowledged
    handover: the seat's session may still be the outgoing officer's (the shell offers the switch).
    """

    call_requested = Signal(str, str, str)
    taken_over = Signal(str, str, str)
    message = Signal(str, bool)  # text, is_error (the status bar)

    def __init__(self, desk: DutyDesk | None, *, reports_dir: Path | None = None, render_pdf: Any = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("DutyPanel")
        self.desk = desk
        self.reports_dir = reports_dir
        self.render_pdf = render_pdf
        self._tasks: set[asyncio.Task[Any]] = set()
        self._skew = timedelta(0)  # server clock − local clock, from the last roster
        self._dialog: Any = None

        self.title = QLabel(self.tr("今日值班"), self)
        self.title.setObjectName("DutyTitle")
        self.status_line = QLabel(self)
        self.status_line.setObjectName("DutyStatus")
        self.status_line.setWordWrap(True)
        self.status_line.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

        shift_columns = [self.tr("中心"), self.tr("席位"), self.tr("值班人"), self.tr("班次"), self.tr("电话"),
                         self.tr("SIP"), self.tr("状态")]
        check_columns = [self.tr("查岗编号"), self.tr("被查中心"), self.tr("发起人"), self.tr("应答时限"),
                         self.tr("剩余"), self.tr("结果")]
        # Status and outcome words, literal so that the catalogue collects them.
        self.status_words = {"upcoming": self.tr("待上岗"), "on_duty": self.tr("在岗"),
                             "handed_over": self.tr("待接班确认"), "done": self.tr("已交接"),
                             "overdue": self.tr("超时未交接")}
        self.outcome_words = {"pending": self.tr("等待应答"), "answered": self.tr("按时应答"),
                              "late": self.tr("迟到应答"), "missed": self.tr("未应答")}
        self.shifts = QTableWidget(0, len(shift_columns), self)
        self.shifts.setObjectName("DutyShifts")
        self.shifts.setHorizontalHeaderLabels(shift_columns)
        self.checks = QTableWidget(0, len(check_columns), self)
        self.checks.setObjectName("DutyCheckIns")
        self.checks.setHorizontalHeaderLabels(check_columns)
        for table in (self.shifts, self.checks):
            table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
            table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
            table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
            table.verticalHeader().hide()
            table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
            table.horizontalHeader().setStretchLastSection(True)
            table.setMinimumSize(60, 36)  # small screens: the dock may get little room (issue 21)
        self.shifts.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.shifts.customContextMenuRequested.connect(self._on_context_menu)
        self.shifts.itemSelectionChanged.connect(self._update_buttons)
        self.checks.itemSelectionChanged.connect(self._update_buttons)
        self.shifts.doubleClicked.connect(lambda _i: self.request_call())

        self.actions_by_key: dict[str, QAction] = {}
        # A tool bar, not a row of buttons: it folds what does not fit behind its » so that the
        # dock never widens its column on a small screen.
        buttons = QToolBar(self)
        buttons.setObjectName("DutyToolBar")
        self.buttons: dict[str, QPushButton] = {}
        for key, text, shortcut, slot in (
            ("refresh", self.tr("刷新"), "F5", self.refresh),
            ("handover", self.tr("交班…"), "Ctrl+Alt+H", self.open_handover),
            ("acknowledge", self.tr("接班确认…"), "Ctrl+Alt+K", self.open_acknowledge),
            ("checkin", self.tr("查岗…"), "Ctrl+Alt+C", self.open_checkin),
            ("answer", self.tr("应答查岗"), "Ctrl+Alt+A", self.answer_checkin),
            ("report", self.tr("打印交接班报告"), "Ctrl+Alt+R", self.print_report),
            ("assign", self.tr("修改排班…"), "Ctrl+Alt+E", self.open_assign),
            ("call", self.tr("呼叫"), "Ctrl+Alt+T", self.request_call),
        ):
            act = QAction(text, self)
            act.setShortcut(QKeySequence(shortcut))
            act.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            act.triggered.connect(lambda _c=False, f=slot: f())
            self.addAction(act)
            self.actions_by_key[key] = act
            button = QPushButton(f"{text}", self)
            button.setObjectName(f"Duty_{key}")
            button.setToolTip(f"{text}（{shortcut}）")
            button.clicked.connect(lambda _c=False, f=slot: f())
            buttons.addWidget(button)
            self.buttons[key] = button

        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(self.shifts)
        checks_box = QWidget(self)
        cl = QVBoxLayout(checks_box)
        cl.setContentsMargins(0, 0, 0, 0)
        cl.addWidget(QLabel(self.tr("今日查岗"), checks_box))
        cl.addWidget(self.checks)
        split.addWidget(checks_box)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(buttons)
        layout.addWidget(split, 1)
        layout.addWidget(self.status_line)

        self._refresh_timer = QTimer(self)
        self._refresh_timer.setInterval(REFRESH_MS)
        self._refresh_timer.timeout.connect(self.refresh)
        self._tick = QTimer(self)  # 查岗 countdowns
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self._on_tick)
        if desk is None:
            self.status_line.setText(self.tr("未连接网关：值班表由区指挥中心服务保存，暂不可用"))
        else:
            self._refresh_timer.start()
            self._tick.start()
        self._update_buttons()

    # ------------------------------------------------------------------ public

    @property
    def roster(self) -> Roster | None:
        return self.desk.roster if self.desk is not None else None

    def calling_configured(self) -> bool:
        """Whether anything listens to :attr:`call_requested` (the 融合通信 service)."""
        try:
            return self.isSignalConnected(self.metaObject().method(
                self.metaObject().indexOfSignal("call_requested(QString,QString,QString)")))
        except Exception:  # noqa: BLE001
            return False

    def selected_shift(self) -> DutyShift | None:
        row = self.shifts.currentRow()
        item = self.shifts.item(row, 0) if row >= 0 else None
        sid = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        return self.desk.shift(str(sid)) if self.desk is not None and sid else None

    def selected_checkin(self) -> DutyCheckIn | None:
        row = self.checks.currentRow()
        item = self.checks.item(row, 0) if row >= 0 else None
        cid = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        if self.roster is None or not cid:
            return None
        return next((c for c in self.roster.checkins if c.id == cid), None)

    def select_shift(self, shift_id: str) -> None:
        for row in range(self.shifts.rowCount()):
            item = self.shifts.item(row, 0)
            if item is not None and item.data(Qt.ItemDataRole.UserRole) == shift_id:
                self.shifts.selectRow(row)
                return

    def refresh(self) -> None:
        self._run(self._refresh())

    # ------------------------------------------------------------------ actions

    def request_call(self) -> None:
        shift = self.selected_shift()
        if shift is None or self.desk is None:
            self._say(self.tr("请先选择一位值班人员"), True)
            return
        if not self.calling_configured():
            self._say(self.tr("融合通信未配置：无法从控制台呼叫，请拨打 {phone}").format(phone=shift.phone), True)
            return
        try:
            target = self.desk.call_target(shift)
        except Exception as exc:  # noqa: BLE001
            self._say(reason_of(exc), True)
            return
        self.call_requested.emit(target.sip_uri, target.display_name, target.link)
        self._say(self.tr("正在呼叫 {name}").format(name=target.display_name), False)

    def open_handover(self) -> None:
        shift = self.selected_shift() or self._current_own_shift()
        if shift is None or self.desk is None:
            self._say(self.tr("请先选择要交班的班次"), True)
            return
        dialog = HandoverDialog(shift, self._centre_name(shift.centre), self)

        def submit() -> None:
            dialog.busy()
            self._run(self._handover(dialog))

        dialog.buttons.accepted.connect(submit)
        self._open(dialog)

    def open_acknowledge(self) -> None:
        shift = self.selected_shift()
        if shift is None or self.desk is None:
            self._say(self.tr("请先选择待接班确认的班次"), True)
            return
        if shift.status != "handed_over":
            self._say(self.tr("该班次尚未交班，不能确认接班"), True)
            return
        dialog = AcknowledgeDialog(shift, self._centre_name(shift.centre), self)

        def submit() -> None:
            dialog.busy()
            self._run(self._acknowledge(dialog))

        dialog.buttons.accepted.connect(submit)
        self._open(dialog)

    def open_checkin(self) -> None:
        if self.roster is None:
            self._say(self.tr("值班表尚未载入"), True)
            return
        targets = [c for c in self.roster.centres if c.kind != "district"]
        shift = self.selected_shift()
        dialog = CheckInDialog(targets, self, selected=shift.centre if shift is not None else None)

        def submit() -> None:
            dialog.busy()
            self._run(self._checkin(dialog))

        dialog.buttons.accepted.connect(submit)
        self._open(dialog)

    def open_assign(self) -> None:
        shift = self.selected_shift()
        if shift is None or self.desk is None:
            self._say(self.tr("请先选择要修改的班次"), True)
            return
        dialog = AssignDialog(shift, self._centre_name(shift.centre), self)

        def submit() -> None:
            dialog.busy()
            self._run(self._assign(dialog))

        dialog.buttons.accepted.connect(submit)
        self._open(dialog)

    def answer_checkin(self) -> None:
        check = self.selected_checkin()
        if check is None or self.desk is None:
            self._say(self.tr("请先选择要应答的查岗"), True)
            return
        self._run(self._answer(check.id))

    def print_report(self) -> list[Path]:
        shift = self.selected_shift()
        if shift is None or not shift.handed_over_by:
            self._say(self.tr("请选择已交班的班次"), True)
            return []
        folder = self.reports_dir or Path.cwd()
        stamp = (shift.handed_over_at or shift.end).astimezone(DISTRICT_TZ).strftime("%Y%m%d-%H%M")
        try:
            paths = write_handover(shift, self._centre_name(shift.centre), folder / f"交接班报告-{shift.centre}-{stamp}",
                                   render_pdf=self.render_pdf,
                                   auditor=self.desk.auditor if self.desk is not None else None)
        except Exception as exc:  # noqa: BLE001
            log.exception("handover report not written")
            self._say(self.tr("交接班报告未能保存：{error}").format(error=exc), True)
            return []
        self._say(self.tr("交接班报告已保存：{path}").format(path=paths[-1]), False)
        return paths

    # ------------------------------------------------------------------ coroutines

    async def _refresh(self) -> None:
        assert self.desk is not None
        try:
            roster = await self.desk.refresh()
        except Exception as exc:  # noqa: BLE001
            self.status_line.setText(reason_of(exc))
            return
        self._skew = roster.generated_at - datetime.now(roster.generated_at.tzinfo)
        self._show(roster)

    async def _handover(self, dialog: HandoverDialog) -> None:
        assert self.desk is not None
        try:
            await self.desk.handover(dialog.shift.id, dialog.text())
        except Exception as exc:  # noqa: BLE001
            dialog.show_error(reason_of(exc))
            return
        dialog.accept()
        self._after_change(dialog.shift.id, self.tr("已交班，等待接班人以本人账号确认"))

    async def _acknowledge(self, dialog: AcknowledgeDialog) -> None:
        assert self.desk is not None
        user, password = dialog.credentials()
        if not user or not password:
            dialog.show_error(self.tr("请输入接班人账号和密码"))
            return
        try:
            shift = await self.desk.acknowledge(dialog.shift.id, user, password)
        except Exception as exc:  # noqa: BLE001
            dialog.show_error(reason_of(exc))
            return
        dialog.accept()
        who = shift.acknowledged_by if shift is not None else user
        self._after_change(dialog.shift.id, self.tr("{who} 已确认接班（已记入审计日志）").format(who=who))
        outgoing = (shift.handed_over_by_user if shift is not None else None) or dialog.shift.handed_over_by_user
        if outgoing:
            self.taken_over.emit(outgoing, user, who or user)

    async def _checkin(self, dialog: CheckInDialog) -> None:
        assert self.desk is not None
        centre, minutes = dialog.choice()
        try:
            cid = await self.desk.start_checkin(centre, minutes)
        except Exception as exc:  # noqa: BLE001
            dialog.show_error(reason_of(exc))
            return
        dialog.accept()
        self._after_change(None, self.tr("已发起查岗 {id}：{minutes} 分钟内应答").format(id=cid, minutes=minutes))

    async def _assign(self, dialog: AssignDialog) -> None:
        assert self.desk is not None
        changes = dialog.changes()
        if not changes:
            dialog.show_error(self.tr("没有修改"))
            return
        try:
            await self.desk.assign(dialog.shift.id, **changes)
        except Exception as exc:  # noqa: BLE001
            dialog.show_error(reason_of(exc))
            return
        dialog.accept()
        self._after_change(dialog.shift.id, self.tr("排班已修改（已记入审计日志）"))

    async def _answer(self, checkin_id: str) -> None:
        assert self.desk is not None
        try:
            check = await self.desk.answer_checkin(checkin_id)
        except Exception as exc:  # noqa: BLE001
            self._say(reason_of(exc), True)
            if self.desk.roster is not None:
                self._show(self.desk.roster)
            return
        outcome = self.outcome_words.get(check.outcome, check.outcome) if check is not None else ""
        self._after_change(None, self.tr("已应答查岗：{outcome}").format(outcome=outcome))

    # ------------------------------------------------------------------ drawing

    def _show(self, roster: Roster) -> None:
        keep = self.selected_shift()
        names = {c.id: c.name for c in roster.centres}
        order = {c.id: i for i, c in enumerate(roster.centres)}
        shifts = sorted(roster.shifts, key=lambda s: (order.get(s.centre, 99), s.start))
        self.shifts.setRowCount(len(shifts))
        amber = QBrush(QColor(AMBER))
        for row, s in enumerate(shifts):
            status = self.status_words.get(s.status, s.status)
            if s.status == "done" and s.acknowledged_by:
                status = self.tr("已交接：{a} → {b}").format(a=s.handed_over_by, b=s.acknowledged_by)
            elif s.status == "handed_over":
                status = self.tr("已交班（{who} {at}），待接班确认").format(who=s.handed_over_by, at=_hm(s.handed_over_at))
            values = (names.get(s.centre, s.centre), s.seat, s.officer, f"{_hm(s.start)}–{_hm(s.end)}", s.phone, s.sip, status)
            late = s.status == "overdue" or (s.status == "handed_over" and roster.generated_at >= s.end)
            for col, value in enumerate(values):
                item = QTableWidgetItem(value)
                if col == 0:
                    item.setData(Qt.ItemDataRole.UserRole, s.id)
                if late:
                    item.setForeground(amber)
                    item.setToolTip(self.tr("班次已结束仍未完成交接"))
                if s.status == "on_duty":
                    font = QFont(item.font())
                    font.setBold(True)
                    item.setFont(font)
                self.shifts.setItem(row, col, item)
        self.checks.setRowCount(len(roster.checkins))
        for row, c in enumerate(roster.checkins):
            for col, value in enumerate((c.id, names.get(c.centre, c.centre), c.started_by, _hm(c.due_at), "", "")):
                item = QTableWidgetItem(value)
                if col == 0:
                    item.setData(Qt.ItemDataRole.UserRole, c.id)
                self.checks.setItem(row, col, item)
        overdue = sum(1 for s in roster.shifts if s.status == "overdue")
        text = self.tr("{day} · {n} 个班次").format(day=roster.day, n=len(roster.shifts))
        if overdue:
            text += self.tr(" · {n} 个班次超时未交接").format(n=overdue)
        self.status_line.setText(text)
        self._on_tick()
        if keep is not None:
            self.select_shift(keep.id)
        self._update_buttons()

    def _on_tick(self) -> None:
        """查岗 countdowns, from the server's clock (local clock + the last seen skew)."""
        roster = self.roster
        if roster is None:
            return
        now = datetime.now(roster.generated_at.tzinfo) + self._skew
        for row, c in enumerate(roster.checkins):
            outcome = c.outcome
            if outcome == "pending" and now >= c.missed_at:
                outcome = "missed"
            left = ""
            if outcome == "pending":
                target = c.due_at if now < c.due_at else c.missed_at
                secs = max(0, int((target - now).total_seconds()))
                left = f"{secs // 60:02d}:{secs % 60:02d}"
                if now >= c.due_at:
                    left = self.tr("已超时 · 迟到截止 {left}").format(left=left)
            elif c.answered_at is not None:
                left = self.tr("{at} 应答").format(at=_hm(c.answered_at))
            for col, value in ((4, left), (5, self.outcome_words.get(outcome, outcome))):
                item = self.checks.item(row, col)
                if item is None:
                    continue
                item.setText(value)
                if col == 5:
                    item.setForeground(QBrush(QColor(OUTCOME_COLOURS.get(outcome, "#ffffff"))))

    def _update_buttons(self) -> None:
        shift = self.selected_shift()
        online = self.desk is not None
        call = self.buttons["call"]
        if self.calling_configured():
            call.setText(self.tr("呼叫"))
            call.setEnabled(shift is not None and bool(shift.sip))
        else:
            call.setText(self.tr("融合通信未配置"))
            call.setEnabled(False)
            call.setToolTip(self.tr("融合通信未配置：请用值班电话联系"))
        for key in ("handover", "checkin", "refresh"):
            self.buttons[key].setEnabled(online)
        self.buttons["assign"].setEnabled(online and shift is not None)
        self.buttons["acknowledge"].setEnabled(online and shift is not None and shift.status == "handed_over")
        self.buttons["report"].setEnabled(shift is not None and bool(shift.handed_over_by))
        check = self.selected_checkin()
        self.buttons["answer"].setEnabled(online and check is not None and check.outcome == "pending")

    # ------------------------------------------------------------------ helpers

    def _on_context_menu(self, pos: Any) -> None:
        menu = QMenu(self)
        for key in ("call", "handover", "acknowledge", "report", "checkin", "assign"):
            menu.addAction(self.actions_by_key[key])
        menu.popup(self.shifts.viewport().mapToGlobal(pos))

    def _current_own_shift(self) -> DutyShift | None:
        """The on-duty shift of this seat's user, when no row is selected."""
        if self.roster is None or self.desk is None:
            return None
        return next((s for s in self.roster.shifts if s.username == self.desk.username and s.status == "on_duty"), None)

    def _centre_name(self, centre_id: str) -> str:
        centre = self.desk.centre(centre_id) if self.desk is not None else None
        return centre.name if centre is not None else centre_id

    def _after_change(self, shift_id: str | None, text: str) -> None:
        if self.desk is not None and self.desk.roster is not None:
            self._show(self.desk.roster)
        if shift_id:
            self.select_shift(shift_id)
        self._say(text, False)

    def _say(self, text: str, error: bool) -> None:
        self.status_line.setText(text)
        self.message.emit(text, error)

    def _open(self, dialog: Any) -> None:
        self._dialog = dialog  # kept until the next one (open(), never exec(): see PITFALLS)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        dialog.open()

    def _run(self, coro: Any) -> None:
        try:
            task = asyncio.get_event_loop().create_task(coro)
        except RuntimeError:
            coro.close()
            self._say(self.tr("内部错误：事件循环不可用"), True)
            return
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def closeEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        self._refresh_timer.stop()
        self._tick.stop()
        for task in list(self._tasks):
            task.cancel()
        super().closeEvent(event)


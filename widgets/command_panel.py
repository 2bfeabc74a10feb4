"""The wartime command panel (战时指挥) and the incident metrics that replace the indicators.

``CommandPanel`` shows the focused incident: the plan as a checklist (state, owner,
countdown, overdue in red; complete, or skip with a reason), the orders with the
issue form (unit, instruction, due, location, resources), the three-level linkage
tree (区 → 街道 → 社区, and the rescue teams), resources by distance and the
command log.  ``IncidentMetricsPanel`` shows tasks open/overdue, units on scene,
people evacuated, shelter occupancy and the sensor trends of the incident type.

Every action goes through the core's ``Wartime`` service (commands through the
outbox, records in the audit chain); bad input is shown in red, nothing is lost.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from console.wartime import STEP_STATUS_ZH, TASK_STATUS_ZH, WartimeError
from district.vocabulary import DISTRICT_TZ
from widgets.keyboard import keyboard_ready
from widgets.war_banner import elapsed_text

RED = QColor("#ff5252")
AMBER = QColor("#ffb300")
GREEN = QColor("#66bb6a")
DIM = QColor("#8fa3bf")
STATE_COLOURS = {"overdue": RED, "due_soon": AMBER, "done": GREEN, "skipped": DIM,
                 "pending_done": AMBER, "pending_skipped": AMBER}
TASK_COLOURS = {"done": GREEN, "refused": RED, "failed": RED, "pending": AMBER, "on_scene": QColor("#26c6da")}
LEVEL_ZH = {"district": "区级", "street": "街道", "community": "社区", "team": "队伍"}


def _hhmm(ts: Any) -> str:
    return ts.astimezone(DISTRICT_TZ).strftime("%H:%M") if ts is not None else "—"


def _countdown(seconds: float) -> str:
    if seconds < 0:
        return "超时 " + elapsed_text(-seconds)
    return "剩 " + elapsed_text(seconds)


def _table(parent: QWidget, headers: list[str], stretch: int) -> QTableWidget:
    t = QTableWidget(0, len(headers), parent)
    t.setHorizontalHeaderLabels(headers)
    t.verticalHeader().setVisible(False)
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.setWordWrap(False)
    t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    t.horizontalHeader().setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    return t


def _item(text: str, colour: QColor | None = None, data: Any = None) -> QTableWidgetItem:
    it = QTableWidgetItem(text)
    if colour is not None:
        it.setForeground(QBrush(colour))
    if data is not None:
        it.setData(Qt.ItemDataRole.UserRole, data)
    it.setToolTip(text)
    return it


class CommandPanel(QWidget):
    """Plan checklist, orders, linkage tree, resources and the command log of the focused incident."""

    message = Signal(str, bool)  # text, is_error

    def __init__(self, wartime: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._war = wartime
        self.setObjectName("CommandPanel")
        self.header = QLabel(self)
        self.header.setObjectName("CommandPanelHeader")
        self.header.setStyleSheet("font-weight: bold; font-size: 14px;")
        self.error = QLabel(self)
        self.error.setObjectName("CommandPanelError")
        self.error.setStyleSheet("color: #ff5252; font-weight: bold;")
        self.error.setWordWrap(True)
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self._build_plan(), self.tr("预案"))
        self.tabs.addTab(self._build_tasks(), self.tr("任务"))
        self.tabs.addTab(self._build_tree(), self.tr("三级联动"))
        self.tabs.addTab(self._build_resources(), self.tr("资源"))
        self.tabs.addTab(self._build_log(), self.tr("指挥日志"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.addWidget(self.header)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.error)
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self._on_tick)
        self._timer.start()
        keyboard_ready(self)  # Tab leaves the tables, the first Down selects row 1 (issue 21)
        self.refresh()

    def shutdown(self) -> None:
        """Stop the countdown (the window is closing; the core goes next)."""
        self._timer.stop()

    # ------------------------------------------------------------------ building

    def _build_plan(self) -> QWidget:
        page = QWidget(self)
        self.plan_table = _table(page, [self.tr("序"), self.tr("步骤"), self.tr("责任单位"), self.tr("时限"),
                                        self.tr("倒计时"), self.tr("状态"), self.tr("任务")], 1)
        self.plan_table.setObjectName("PlanChecklist")
        hdr = self.plan_table.horizontalHeader()
        hdr.setSectionResizeMode(5, QHeaderView.ResizeMode.Interactive)
        self.plan_table.setColumnWidth(5, 150)
        self.plan_table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.complete_button = QPushButton(self.tr("完成所选步骤"), page)
        self.skip_reason = QLineEdit(page)
        self.skip_reason.setPlaceholderText(self.tr("跳过理由（必填）"))
        self.skip_button = QPushButton(self.tr("跳过"), page)
        self.step_task_button = QPushButton(self.tr("按步骤下达任务"), page)
        self.complete_button.clicked.connect(self.complete_selected_step)
        self.skip_button.clicked.connect(self.skip_selected_step)
        self.step_task_button.clicked.connect(self.issue_selected_step_task)
        row = QHBoxLayout()
        row.addWidget(self.complete_button)
        row.addWidget(self.step_task_button)
        row.addSpacing(16)
        row.addWidget(self.skip_reason, 1)
        row.addWidget(self.skip_button)
        lay = QVBoxLayout(page)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.plan_table, 1)
        lay.addLayout(row)
        QWidget.setTabOrder(self.plan_table, self.complete_button)
        QWidget.setTabOrder(self.complete_button, self.step_task_button)
        QWidget.setTabOrder(self.step_task_button, self.skip_reason)
        QWidget.setTabOrder(self.skip_reason, self.skip_button)
        self._page_shortcut(page, "Ctrl+Return", self.tr("完成所选步骤（预案页）"), self.complete_selected_step)
        return page

    def _page_shortcut(self, page: QWidget, key: str, text: str, slot: Any) -> QShortcut:
        """A key that works while the focus is on ``page``; ``text`` is what 帮助 → 快捷键 lists."""
        shortcut = QShortcut(QKeySequence(key), page)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.setWhatsThis(text)
        shortcut.activated.connect(lambda: slot())
        return shortcut

    def _build_tasks(self) -> QWidget:
        page = QWidget(self)
        self.task_table = _table(page, [self.tr("任务"), self.tr("承办单位"), self.tr("层级"), self.tr("指令"),
                                        self.tr("时限"), self.tr("状态"), self.tr("备注")], 3)
        self.task_table.setObjectName("TaskTable")
        self.task_table.horizontalHeader().setSectionResizeMode(6, QHeaderView.ResizeMode.Interactive)
        self.task_table.setColumnWidth(6, 140)
        # Answering an order (a street or community console, or on the unit's behalf).
        self.status_box = QComboBox(page)
        for key in ("received", "en_route", "on_scene", "done", "refused"):
            self.status_box.addItem(self.tr(TASK_STATUS_ZH[key]), key)
        self.status_note = QLineEdit(page)
        self.status_note.setPlaceholderText(self.tr("情况说明（拒绝须填写理由）"))
        self.status_button = QPushButton(self.tr("回报状态"), page)
        self.status_button.clicked.connect(self.update_selected_task)
        answer = QHBoxLayout()
        answer.addWidget(QLabel(self.tr("所选任务："), page))
        answer.addWidget(self.status_box)
        answer.addWidget(self.status_note, 1)
        answer.addWidget(self.status_button)
        # More resources for an order already issued (those selected on the 资源 tab).
        self.assign_button = QPushButton(self.tr("追加调派所选资源"), page)
        self.assign_button.setObjectName("AssignResources")
        self.assign_button.setToolTip(self.tr("把资源页所选资源调派给所选任务"))
        self.assign_button.clicked.connect(self.assign_resources_to_selected_task)
        answer.addWidget(self.assign_button)
        # The issue form.
        form = QFrame(page)
        form.setObjectName("IssueTaskForm")
        self.unit_box = QComboBox(form)
        self.unit_box.setObjectName("IssueUnit")
        self.instruction = QLineEdit(form)
        self.instruction.setPlaceholderText(self.tr("指令内容，如：组织低洼处居民转移"))
        self.due_minutes = QSpinBox(form)
        self.due_minutes.setRange(1, 7 * 24 * 60)
        self.due_minutes.setValue(30)
        self.due_minutes.setSuffix(self.tr(" 分钟"))
        self.at_incident = QCheckBox(self.tr("位置：事发点"), form)
        self.at_incident.setChecked(True)
        self.with_resources = QCheckBox(self.tr("调派资源页所选资源"), form)
        self.issue_button = QPushButton(self.tr("下达任务"), form)
        self.issue_button.clicked.connect(self.issue_task)
        self.instruction.returnPressed.connect(self.issue_task)
        self.unit_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.unit_box.setMinimumContentsLength(14)
        grid = QGridLayout(form)
        grid.setContentsMargins(0, 4, 0, 0)
        grid.addWidget(QLabel(self.tr("承办单位"), form), 0, 0)
        grid.addWidget(self.unit_box, 0, 1)
        grid.addWidget(QLabel(self.tr("时限"), form), 0, 2)
        grid.addWidget(self.due_minutes, 0, 3)
        grid.addWidget(QLabel(self.tr("指令"), form), 1, 0)
        grid.addWidget(self.instruction, 1, 1, 1, 3)
        options = QHBoxLayout()
        options.addWidget(self.at_incident)
        options.addWidget(self.with_resources)
        options.addStretch(1)
        options.addWidget(self.issue_button)
        grid.addLayout(options, 2, 0, 1, 4)
        grid.setColumnStretch(1, 1)
        lay = QVBoxLayout(page)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.task_table, 1)
        lay.addLayout(answer)
        lay.addWidget(form)
        # Tab walks the page in reading order, the form as an operator fills it in:
        # 承办单位 → 指令 → 时限 → 位置 → 资源 → 下达任务.
        chain = [self.task_table, self.status_box, self.status_note, self.status_button, self.assign_button,
                 self.unit_box, self.instruction, self.due_minutes, self.at_incident, self.with_resources,
                 self.issue_button]
        for first, second in zip(chain, chain[1:]):
            QWidget.setTabOrder(first, second)
        self._page_shortcut(form, "Ctrl+Return", self.tr("下达任务（任务表单）"), self.issue_task)
        self._fill_units()
        if self._war.scope:  # a street console answers orders; it does not issue district orders
            form.setVisible(False)
            self.assign_button.setVisible(False)
        return page

    def _fill_units(self) -> None:
        self.unit_box.clear()
        groups: dict[str, list[tuple[str, str]]] = {}
        for uid, (name, level, _parent) in self._war.units().items():
            groups.setdefault(level, []).append((name, uid))
        for level in ("district", "street", "community", "team"):
            for name, uid in groups.get(level, []):
                self.unit_box.addItem(f"{self.tr(LEVEL_ZH[level])} · {name}", uid)

    def _build_tree(self) -> QWidget:
        self.tree = QTreeWidget(self)
        self.tree.setObjectName("LinkageTree")
        self.tree.setHeaderLabels([self.tr("单位"), self.tr("任务"), self.tr("未完成"), self.tr("最新状态")])
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        return self.tree

    def _build_resources(self) -> QWidget:
        self.resource_table = _table(self, [self.tr("资源"), self.tr("类别"), self.tr("距离"), self.tr("说明"),
                                            self.tr("安置/容量"), self.tr("已指派任务")], 3)
        self.resource_table.setObjectName("ResourceTable")
        self.resource_table.setSelectionMode(QAbstractItemView.SelectionMode.MultiSelection)
        return self.resource_table

    def _build_log(self) -> QWidget:
        page = QWidget(self)
        self.log_table = _table(page, [self.tr("时间"), self.tr("人员"), self.tr("类别"), self.tr("内容")], 3)
        self.log_table.setObjectName("CommandLog")
        self.note_edit = QLineEdit(page)
        self.note_edit.setPlaceholderText(self.tr("记录决定、通话、现场情况（Ctrl+Shift+J 随处速记）"))
        self.note_edit.returnPressed.connect(self.add_note)
        lay = QVBoxLayout(page)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.log_table, 1)
        lay.addWidget(self.note_edit)
        return page

    # ------------------------------------------------------------------ refresh

    def incident_id(self) -> str | None:
        return self._war.focus

    def refresh(self) -> None:
        """Re-read everything of the focused incident from the core."""
        iid = self._war.focus
        inc = self._war.incident(iid) if iid else None
        if inc is None:
            self.header.setText(self.tr("无战时事件"))
            for t in (self.plan_table, self.task_table, self.resource_table, self.log_table):
                t.setRowCount(0)
            self.tree.clear()
            return
        plan = self._war.plan_for(inc)
        self.header.setText(self.tr("{title} · 预案：{plan}").format(
            title=inc.title, plan=plan.name if plan else self.tr("（无对应预案）")))
        self._fill_plan(inc.id)
        self._fill_tasks(inc.id)
        self._fill_tree(inc.id)
        self._fill_resources(inc.id)
        self._fill_log(inc.id)
        if self.unit_box.count() < len(self._war.units()):
            self._fill_units()

    def _fill_plan(self, iid: str) -> None:
        rows = self._war.checklist(iid)
        t = self.plan_table
        selected = self._selected_data(t)
        t.setRowCount(len(rows))
        for r, row in enumerate(rows):
            colour = STATE_COLOURS.get(row.state)
            state = self.tr(STEP_STATUS_ZH[row.state]) + (f"：{row.reason}" if row.reason else "")
            if row.done_at is not None:
                state += f" {_hhmm(row.done_at)}"
            t.setItem(r, 0, _item(str(row.index), data=row.step.id))
            t.setItem(r, 1, _item(row.step.title + (f"（{row.step.needs}）" if row.step.needs else "")))
            t.setItem(r, 2, _item(row.owner_name))
            t.setItem(r, 3, _item(_hhmm(row.due_at)))
            t.setItem(r, 4, _item("" if row.finished else _countdown(row.remaining_s), colour))
            t.setItem(r, 5, _item(state, colour))
            t.setItem(r, 6, _item(str(len(row.task_ids)) if row.task_ids else ("—" if not row.step.issues_task
                                                                               else self.tr("未下达"))))
        self._reselect(t, selected)

    def _fill_tasks(self, iid: str) -> None:
        now = self._war.now()
        rows = self._war.tasks(iid)
        t = self.task_table
        selected = self._selected_data(t)
        t.setRowCount(len(rows))
        for r, row in enumerate(rows):
            status = self.tr(TASK_STATUS_ZH.get(row.status, row.status))
            if row.pending_update:
                status += self.tr(" → {s}（待确认）").format(s=self.tr(TASK_STATUS_ZH.get(row.pending_update, "")))
            colour = RED if row.overdue(now) else TASK_COLOURS.get(row.status)
            t.setItem(r, 0, _item(row.id, data=row.id))
            t.setItem(r, 1, _item(row.unit_name))
            t.setItem(r, 2, _item(self.tr(LEVEL_ZH.get(row.unit_level, row.unit_level))))
            t.setItem(r, 3, _item(row.instruction))
            t.setItem(r, 4, _item(_hhmm(row.due) + (self.tr(" 超时") if row.overdue(now) else ""), colour))
            t.setItem(r, 5, _item(status, colour))
            t.setItem(r, 6, _item(row.refusal or row.note, RED if row.refusal else None))
        self._reselect(t, selected)

    def _fill_tree(self, iid: str) -> None:
        collapsed = {self.tree.topLevelItem(i).data(0, Qt.ItemDataRole.UserRole)
                     for i in range(self.tree.topLevelItemCount()) if not self.tree.topLevelItem(i).isExpanded()}
        self.tree.clear()

        def add(node: Any, parent: Any) -> QTreeWidgetItem:
            tasks = node.all_tasks()
            open_ = [x for x in tasks if x.status not in ("done", "refused", "failed")]
            latest = max(tasks, key=lambda x: x.updated_at) if tasks else None
            item = QTreeWidgetItem(parent, [node.name, str(len(tasks)) if tasks else "",
                                            str(len(open_)) if open_ else "",
                                            self.tr(TASK_STATUS_ZH.get(latest.status, "")) if latest else ""])
            item.setData(0, Qt.ItemDataRole.UserRole, node.id)
            if open_:
                item.setForeground(2, QBrush(AMBER))
            if tasks and latest is not None:
                item.setForeground(3, QBrush(TASK_COLOURS.get(latest.status, DIM)))
            for child in node.children:
                add(child, item)
            return item

        for node in self._war.unit_tree(iid):
            top = add(node, self.tree)
            # Units with orders are open; the operator's collapsing is kept across refreshes.
            top.setExpanded(bool(node.all_tasks()) and node.id not in collapsed)

    def _fill_resources(self, iid: str) -> None:
        rows = self._war.resources(iid)
        t = self.resource_table
        selected = self._selected_data(t)
        t.setRowCount(len(rows))
        for r, row in enumerate(rows):
            occ = f"{row.occupancy or 0}/{row.capacity}" if row.kind == "shelter" and row.capacity else ""
            t.setItem(r, 0, _item(row.name, data=row.id))
            t.setItem(r, 1, _item(self.tr(row.kind_zh)))
            t.setItem(r, 2, _item(f"{row.distance_m / 1000:.1f} km"))
            t.setItem(r, 3, _item(row.detail))
            t.setItem(r, 4, _item(occ))
            t.setItem(r, 5, _item("、".join(row.assigned_to), GREEN if row.assigned_to else None))
        self._reselect(t, selected)

    def _fill_log(self, iid: str) -> None:
        entries = self._war.command_log(iid)
        t = self.log_table
        at_end = t.verticalScrollBar().value() >= t.verticalScrollBar().maximum() - 2
        t.setRowCount(len(entries))
        for r, e in enumerate(entries):
            t.setItem(r, 0, _item(e.ts.astimezone(DISTRICT_TZ).strftime("%H:%M:%S"), data=e.seq))
            t.setItem(r, 1, _item(e.actor))
            t.setItem(r, 2, _item(self.tr(e.action_zh)))
            t.setItem(r, 3, _item(e.text))
        if at_end:
            t.scrollToBottom()

    def _on_tick(self) -> None:
        if not self.isVisible():  # hidden, or the window closed (the core may be stopped)
            return
        iid = self._war.focus
        if not iid:
            return
        for r, row in enumerate(self._war.checklist(iid)):
            if r < self.plan_table.rowCount() and not row.finished:
                colour = STATE_COLOURS.get(row.state)
                self.plan_table.setItem(r, 4, _item(_countdown(row.remaining_s), colour))
                self.plan_table.setItem(r, 5, _item(self.tr(STEP_STATUS_ZH[row.state]), colour))

    @staticmethod
    def _selected_data(t: QTableWidget) -> set[Any]:
        return {t.item(i.row(), 0).data(Qt.ItemDataRole.UserRole) for i in t.selectionModel().selectedRows()
                if t.item(i.row(), 0) is not None}

    @staticmethod
    def _reselect(t: QTableWidget, keys: set[Any]) -> None:
        if not keys:
            return
        t.blockSignals(True)
        for r in range(t.rowCount()):
            it = t.item(r, 0)
            if it is not None and it.data(Qt.ItemDataRole.UserRole) in keys:
                t.selectRow(r)
        t.blockSignals(False)

    # ------------------------------------------------------------------ actions

    def _selected_step(self) -> str | None:
        keys = self._selected_data(self.plan_table)
        return next(iter(keys), None)

    def _act(self, fn: Any, ok_text: str) -> bool:
        try:
            fn()
        except WartimeError as exc:
            self.error.setText(str(exc))
            self.message.emit(str(exc), True)
            return False
        self.error.clear()
        self.message.emit(ok_text, False)
        self.refresh()
        return True

    def select_step(self, step_id: str) -> None:
        for r in range(self.plan_table.rowCount()):
            if self.plan_table.item(r, 0).data(Qt.ItemDataRole.UserRole) == step_id:
                self.plan_table.selectRow(r)

    def complete_selected_step(self) -> bool:
        step, iid = self._selected_step(), self._war.focus
        if not step or not iid:
            self.error.setText(self.tr("请先选择预案步骤"))
            return False
        return self._act(lambda: self._war.complete_step(iid, step), self.tr("已提交：完成预案步骤"))

    def skip_selected_step(self) -> bool:
        step, iid = self._selected_step(), self._war.focus
        if not step or not iid:
            self.error.setText(self.tr("请先选择预案步骤"))
            return False
        ok = self._act(lambda: self._war.skip_step(iid, step, self.skip_reason.text()), self.tr("已提交：跳过预案步骤"))
        if ok:
            self.skip_reason.clear()
        return ok

    def issue_selected_step_task(self) -> bool:
        step, iid = self._selected_step(), self._war.focus
        if not step or not iid:
            self.error.setText(self.tr("请先选择预案步骤"))
            return False
        return self._act(lambda: self._war.issue_step_task(iid, step), self.tr("已下达：预案步骤任务"))

    def issue_task(self) -> bool:
        iid = self._war.focus
        if not iid:
            self.error.setText(self.tr("没有战时事件，不能下达任务"))
            return False
        inc = self._war.incident(iid)
        loc = (inc.location.lon, inc.location.lat) if inc is not None and self.at_incident.isChecked() else None
        resources = sorted(self._selected_data(self.resource_table)) if self.with_resources.isChecked() else []
        ok = self._act(lambda: self._war.issue_task(iid, self.unit_box.currentData() or "", self.instruction.text(),
                                                    self.due_minutes.value(), location=loc, resources=resources),
                       self.tr("已下达任务（待网关确认）"))
        if ok:
            self.instruction.clear()
        return ok

    def update_selected_task(self) -> bool:
        keys = self._selected_data(self.task_table)
        if not keys:
            self.error.setText(self.tr("请先选择任务"))
            return False
        tid = next(iter(keys))
        ok = self._act(lambda: self._war.update_task(tid, self.status_box.currentData(), self.status_note.text()),
                       self.tr("已回报任务状态（待确认）"))
        if ok:
            self.status_note.clear()
        return ok

    def assign_resources_to_selected_task(self) -> bool:
        keys = self._selected_data(self.task_table)
        if not keys:
            self.error.setText(self.tr("请先选择任务"))
            return False
        tid = next(iter(keys))
        resources = sorted(self._selected_data(self.resource_table))
        return self._act(lambda: self._war.assign_resources(tid, resources), self.tr("已追加调派资源（待确认）"))

    def add_note(self) -> bool:
        ok = self._act(lambda: self._war.note(self.note_edit.text()), self.tr("已记入指挥日志"))
        if ok:
            self.note_edit.clear()
        return ok


class _Tile(QFrame):
    def __init__(self, title: str, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("IncidentTile")
        self.setStyleSheet("#IncidentTile { border: 1px solid #22354f; border-radius: 4px; }")
        self.title = QLabel(title, self)
        self.title.setStyleSheet("color: #8fa3bf;")
        self.value = QLabel(self)
        self.value.setStyleSheet("font-size: 20px; font-weight: bold;")
        self.sub = QLabel(self)
        self.sub.setStyleSheet("color: #8fa3bf;")
        top = QHBoxLayout()
        top.addWidget(self.title)
        top.addStretch(1)
        top.addWidget(self.sub)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 2, 8, 2)
        lay.setSpacing(0)
        lay.addLayout(top)
        lay.addWidget(self.value)

    def set(self, value: str, sub: str = "", colour: str | None = None) -> None:
        self.value.setText(value)
        self.value.setStyleSheet(f"font-size: 20px; font-weight: bold;{' color: ' + colour + ';' if colour else ''}")
        self.sub.setText(sub)


class IncidentMetricsPanel(QWidget):
    """Incident metrics in place of the peacetime indicators, and the figures reported from the scene."""

    message = Signal(str, bool)

    def __init__(self, wartime: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._war = wartime
        self.setObjectName("IncidentMetricsPanel")
        self.tiles = {
            "tasks": _Tile(self.tr("任务 未完成/总数"), self),
            "overdue": _Tile(self.tr("超时任务"), self),
            "on_scene": _Tile(self.tr("到场单位"), self),
            "evacuated": _Tile(self.tr("转移群众（人）"), self),
            "shelter": _Tile(self.tr("避难场所 安置/容量"), self),
            "steps": _Tile(self.tr("预案步骤 完成/总数"), self),
        }
        grid = QGridLayout()
        for n, tile in enumerate(self.tiles.values()):
            grid.addWidget(tile, n // 3, n % 3)
        # Figures from the scene: people evacuated, people in a shelter.
        self.evacuated = QSpinBox(self)
        self.evacuated.setRange(0, 1_000_000)
        self.evacuated_button = QPushButton(self.tr("上报转移人数"), self)
        self.evacuated_button.clicked.connect(self.report_evacuated)
        self.shelter_box = QComboBox(self)
        self.shelter_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.shelter_box.setMinimumContentsLength(10)
        self.shelter_people = QSpinBox(self)
        self.shelter_people.setRange(0, 100_000)
        self.shelter_button = QPushButton(self.tr("上报安置人数"), self)
        self.shelter_button.clicked.connect(self.report_shelter)
        figures = QHBoxLayout()
        figures.addWidget(self.evacuated)
        figures.addWidget(self.evacuated_button)
        figures.addSpacing(12)
        figures.addWidget(self.shelter_box, 1)
        figures.addWidget(self.shelter_people)
        figures.addWidget(self.shelter_button)
        self.charts: list[Any] = []
        self.chart_box = QVBoxLayout()
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 4, 6, 4)
        lay.addLayout(grid)
        lay.addLayout(figures)
        lay.addLayout(self.chart_box, 1)
        self._make_charts()
        self.refresh()

    def refresh(self) -> None:
        iid = self._war.focus
        if not iid:
            return
        m = self._war.metrics(iid)
        self.tiles["tasks"].set(f"{m.tasks_open}/{m.tasks_total}")
        self.tiles["overdue"].set(str(m.tasks_overdue), colour="#ff5252" if m.tasks_overdue else None)
        self.tiles["on_scene"].set(str(m.units_on_scene))
        self.tiles["evacuated"].set(str(m.people_evacuated))
        pct = f"{m.shelter_occupancy / m.shelter_capacity:.0%}" if m.shelter_capacity else ""
        self.tiles["shelter"].set(f"{m.shelter_occupancy}/{m.shelter_capacity}", self.tr("占用 {p}").format(p=pct))
        self.tiles["steps"].set(f"{m.steps_done}/{m.steps_total}",
                                self.tr("超时 {n} 项").format(n=m.steps_overdue) if m.steps_overdue else "",
                                "#ff5252" if m.steps_overdue else None)
        shelters = [r for r in self._war.resources(iid) if r.kind == "shelter"]
        if self.shelter_box.count() != len(shelters):
            self.shelter_box.clear()
            for r in shelters:
                self.shelter_box.addItem(f"{r.name}（{r.distance_m / 1000:.1f} km）", r.id)
        self._refresh_charts(iid)

    def _make_charts(self, n: int = 2) -> None:
        """Trend charts made once, at construction: building pyqtgraph plots costs ~80 ms each,
        which must not delay the switch to the wartime layout."""
        try:
            import pyqtgraph as pg
        except Exception:  # noqa: BLE001 - charts are optional
            return
        for _ in range(n):
            from widgets.indicators.chart import _BeijingAxis  # HH:MM in Beijing time, whatever the zone

            plot = pg.PlotWidget(self, axisItems={"bottom": _BeijingAxis()})
            plot.setBackground("#111c2e")
            plot.showGrid(x=False, y=True, alpha=0.2)
            plot.setMinimumHeight(70)
            plot.getPlotItem().setClipToView(True)
            plot._curve = plot.plot(pen=pg.mkPen("#26c6da", width=2))  # type: ignore[attr-defined]
            plot._start = pg.InfiniteLine(angle=90, pen=pg.mkPen("#ff5252", style=Qt.PenStyle.DashLine))  # type: ignore[attr-defined]
            plot.addItem(plot._start)  # type: ignore[attr-defined]
            self.charts.append(plot)
            self.chart_box.addWidget(plot)

    def _refresh_charts(self, iid: str) -> None:
        trends = self._war.trends(iid)
        inc = self._war.incident(iid)
        for n, plot in enumerate(self.charts):
            if n >= len(trends):
                plot.hide()
                continue
            _tid, label, unit, pts = trends[n]
            title = f"{label}（{unit}）" if unit else label
            if getattr(plot, "_title", None) != title:
                plot.setTitle(title, color="#e6edf5", size="10pt")
                plot._title = title  # type: ignore[attr-defined]
            xs = [ts.timestamp() for ts, _ in pts]
            plot._curve.setData(xs, [v for _, v in pts])  # type: ignore[attr-defined]
            if inc is not None:
                plot._start.setValue(inc.started_at.timestamp())  # type: ignore[attr-defined]
            if xs:  # at least ten minutes wide, so the axis reads HH:MM and not seconds
                right = max(xs[-1], inc.started_at.timestamp() if inc is not None else xs[-1])
                left = min(xs[0], right - 600.0)
                plot.setXRange(left, right + 30.0, padding=0)
            plot.show()

    def _report(self, kind: str, value: int, where: str | None = None) -> bool:
        iid = self._war.focus
        try:
            if not iid:
                raise WartimeError(self.tr("没有战时事件"))
            self._war.report_figure(iid, kind, value, where)
        except WartimeError as exc:
            self.message.emit(str(exc), True)
            return False
        self.message.emit(self.tr("已记录"), False)
        self.refresh()
        return True

    def report_evacuated(self) -> bool:
        return self._report("evacuated", self.evacuated.value())

    def report_shelter(self) -> bool:
        return self._report("shelter", self.shelter_people.value(), self.shelter_box.currentData())

"""The wartime command panel (战时指挥): the focused incident's plan, orders, units, resources and log.

``CommandPanel`` shows the focused incident: the plan as a checklist (state, owner,
countdown, overdue in red; complete, or skip with a reason), the orders with the
issue form (unit, instruction, due, location, resources), the three-level linkage
tree (区 → 街道 → 社区, and the rescue teams), resources by distance and the
command log.  (The incident metrics that replace the indicators are in ``metrics.py``.)

Every action goes through the core's ``Wartime`` service (commands through the
outbox, records in the audit chain); bad input is shown in red, nothing is lost.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QKeySequence, QShortcut
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
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from console.wartime import STEP_STATUS_ZH, TASK_STATUS_ZH, UnitNode, Wartime, WartimeError
from district.vocabulary import DISTRICT_TZ
from widgets.keyboard import keyboard_ready
from widgets.wartime.banner import elapsed_text
from widgets.wartime.cells import (
    AMBER,
    DIM,
    GREEN,
    LEVEL_ZH,
    RED,
    STATE_COLOURS,
    TASK_COLOURS,
    hhmm,
    item,
    refusal_text,
    table,
)


class CommandPanel(QWidget):
    """Plan checklist, orders, linkage tree, resources and the command log of the focused incident."""

    message = Signal(str, bool)  # text, is_error

    def __init__(self, wartime: Wartime, parent: QWidget | None = None) -> None:
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
        self.plan_table = table(page, [self.tr("序"), self.tr("步骤"), self.tr("责任单位"), self.tr("时限"),
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

    def _page_shortcut(self, page: QWidget, key: str, text: str, slot: Callable[[], object]) -> QShortcut:
        """A key that works while the focus is on ``page``; ``text`` is what 帮助 → 快捷键 lists."""
        shortcut = QShortcut(QKeySequence(key), page)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.setWhatsThis(text)
        shortcut.activated.connect(lambda: slot())
        return shortcut

    def _build_tasks(self) -> QWidget:
        page = QWidget(self)
        self.task_table = table(page, [self.tr("任务"), self.tr("承办单位"), self.tr("层级"), self.tr("指令"),
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
        self.resource_table = table(self, [self.tr("资源"), self.tr("类别"), self.tr("距离"), self.tr("说明"),
                                            self.tr("安置/容量"), self.tr("已指派任务")], 3)
        self.resource_table.setObjectName("ResourceTable")
        self.resource_table.setSelectionMode(QAbstractItemView.SelectionMode.MultiSelection)
        return self.resource_table

    def _build_log(self) -> QWidget:
        page = QWidget(self)
        self.log_table = table(page, [self.tr("时间"), self.tr("人员"), self.tr("类别"), self.tr("内容")], 3)
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
                state += f" {hhmm(row.done_at)}"
            t.setItem(r, 0, item(str(row.index), data=row.step.id))
            title = (self.tr("{title}（{needs}）").format(title=row.step.title, needs=row.step.needs)
                     if row.step.needs else row.step.title)
            t.setItem(r, 1, item(title))
            t.setItem(r, 2, item(row.owner_name))
            t.setItem(r, 3, item(hhmm(row.due_at)))
            t.setItem(r, 4, item("" if row.finished else self._countdown(row.remaining_s), colour))
            t.setItem(r, 5, item(state, colour))
            t.setItem(r, 6, item(str(len(row.task_ids)) if row.task_ids else ("—" if not row.step.issues_task
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
            t.setItem(r, 0, item(row.id, data=row.id))
            t.setItem(r, 1, item(row.unit_name))
            t.setItem(r, 2, item(self.tr(LEVEL_ZH.get(row.unit_level, row.unit_level))))
            t.setItem(r, 3, item(row.instruction))
            t.setItem(r, 4, item(hhmm(row.due) + (self.tr(" 超时") if row.overdue(now) else ""), colour))
            t.setItem(r, 5, item(status, colour))
            t.setItem(r, 6, item(row.refusal or row.note, RED if row.refusal else None))
        self._reselect(t, selected)

    def _fill_tree(self, iid: str) -> None:
        collapsed = {self.tree.topLevelItem(i).data(0, Qt.ItemDataRole.UserRole)
                     for i in range(self.tree.topLevelItemCount()) if not self.tree.topLevelItem(i).isExpanded()}
        self.tree.clear()

        def add(node: UnitNode, parent: QTreeWidget | QTreeWidgetItem) -> QTreeWidgetItem:
            tasks = node.all_tasks()
            open_ = [x for x in tasks if x.status not in ("done", "refused", "failed")]
            latest = max(tasks, key=lambda x: x.updated_at) if tasks else None
            row = QTreeWidgetItem(parent, [node.name, str(len(tasks)) if tasks else "",
                                           str(len(open_)) if open_ else "",
                                           self.tr(TASK_STATUS_ZH.get(latest.status, "")) if latest else ""])
            row.setData(0, Qt.ItemDataRole.UserRole, node.id)
            if open_:
                row.setForeground(2, QBrush(AMBER))
            if tasks and latest is not None:
                row.setForeground(3, QBrush(TASK_COLOURS.get(latest.status, DIM)))
            for child in node.children:
                add(child, row)
            return row

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
            t.setItem(r, 0, item(row.name, data=row.id))
            t.setItem(r, 1, item(self.tr(row.kind_zh)))
            t.setItem(r, 2, item(f"{row.distance_m / 1000:.1f} km"))
            t.setItem(r, 3, item(row.detail))
            t.setItem(r, 4, item(occ))
            t.setItem(r, 5, item("、".join(row.assigned_to), GREEN if row.assigned_to else None))
        self._reselect(t, selected)

    def _fill_log(self, iid: str) -> None:
        entries = self._war.command_log(iid)
        t = self.log_table
        at_end = t.verticalScrollBar().value() >= t.verticalScrollBar().maximum() - 2
        t.setRowCount(len(entries))
        for r, e in enumerate(entries):
            t.setItem(r, 0, item(e.ts.astimezone(DISTRICT_TZ).strftime("%H:%M:%S"), data=e.seq))
            t.setItem(r, 1, item(e.actor))
            t.setItem(r, 2, item(self.tr(e.action_zh)))
            t.setItem(r, 3, item(e.text))
        if at_end:
            t.scrollToBottom()

    def _countdown(self, seconds: float) -> str:
        """Time left before a step's deadline, or how far past it."""
        if seconds < 0:
            return self.tr("超时 {t}").format(t=elapsed_text(-seconds))
        return self.tr("剩 {t}").format(t=elapsed_text(seconds))

    def _on_tick(self) -> None:
        if not self.isVisible():  # hidden, or the window closed (the core may be stopped)
            return
        iid = self._war.focus
        if not iid:
            return
        for r, row in enumerate(self._war.checklist(iid)):
            if r < self.plan_table.rowCount() and not row.finished:
                colour = STATE_COLOURS.get(row.state)
                self.plan_table.setItem(r, 4, item(self._countdown(row.remaining_s), colour))
                self.plan_table.setItem(r, 5, item(self.tr(STEP_STATUS_ZH[row.state]), colour))

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

    def _act(self, fn: Callable[[], object], ok_text: str) -> bool:
        try:
            fn()
        except WartimeError as exc:
            text = refusal_text(exc)
            self.error.setText(text)
            self.message.emit(text, True)
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

"""告警详情: every field of one alert, its timeline, actions, cameras and device chart.

The pane reads ``core.picture`` and acts only through ``core.commands.submit`` (and
the core's audited ``reveal_phone``); it offers only the actions the workflow table
(``console.workflow``) allows for the alert's current state, shows a refusal from
the gateway in red beside the alert, and never touches the network or the disk.
Which cameras it lists (``console.alert_query.cameras_near``) and what a command
carries (``console.workflow.command_args``) are the core's rules.

Why this module is long: the pane is one form — fields, actions with their inputs,
the location sketch, the device chart, the timeline and the cameras — that renders
one alert as a whole; splitting the rendering from the widgets it fills would only
pass every widget across a module boundary.
"""

from __future__ import annotations

import asyncio

import logging
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt, Signal
from PySide6.QtGui import QPaintEvent, QResizeEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from console import catalogue
from console.alert_query import PlaceNames, cameras_near
from console.masking import mask_phone, mask_text
from console.models import Alert
from console.runtime import ConsoleCore
from console.texts import render
from console.workflow import (
    ACTION_NAMES,
    ACTIONS,
    Limits,
    allowed,
    command_args,
    due_state,
    missing_argument,
    units_for,
)
from district.vocabulary import DISTRICT_TZ
from widgets.alert_queue.names import LEVEL_NAMES, SOURCE_NAMES, STATUS_NAMES, span_text
from widgets.bridge import PictureNotifier
from widgets.signals import disconnect_all

log = logging.getLogger(__name__)

CONTEXT = "AlertDetailPane"
WORKFLOW_CONTEXT = "AlertWorkflow"
NEAREST_CAMERAS = 4
"""Cameras listed beside an alert: its own, then the nearest others."""


def _t(text: str) -> str:
    return QCoreApplication.translate(CONTEXT, text)


def _tw(text: str) -> str:
    return QCoreApplication.translate(WORKFLOW_CONTEXT, text)


# The workflow's labels live in the core (console/workflow.py, no Qt); listing them here
# puts them in the translation catalogue under the context the view translates them in.
_MISSING_ARGUMENTS: tuple[str, ...] = (  # console.workflow.missing_argument's reasons
    QT_TRANSLATE_NOOP("AlertDetailPane", "请选择承办单位"),
    QT_TRANSLATE_NOOP("AlertDetailPane", "请填写处置结果"),
    QT_TRANSLATE_NOOP("AlertDetailPane", "请填写内容"),
    QT_TRANSLATE_NOOP("AlertDetailPane", "请填写合并目标事件编号"),
    QT_TRANSLATE_NOOP("AlertDetailPane", "缺少参数"),
)
_WORKFLOW_LABELS: tuple[str, ...] = (
    QT_TRANSLATE_NOOP("AlertWorkflow", "上报"),
    QT_TRANSLATE_NOOP("AlertWorkflow", "签收"),
    QT_TRANSLATE_NOOP("AlertWorkflow", "分拨"),
    QT_TRANSLATE_NOOP("AlertWorkflow", "开始处置"),
    QT_TRANSLATE_NOOP("AlertWorkflow", "办结"),
    QT_TRANSLATE_NOOP("AlertWorkflow", "闭环"),
    QT_TRANSLATE_NOOP("AlertWorkflow", "升级"),
    QT_TRANSLATE_NOOP("AlertWorkflow", "督办"),
    QT_TRANSLATE_NOOP("AlertWorkflow", "合并"),
    QT_TRANSLATE_NOOP("AlertWorkflow", "重新打开"),
    QT_TRANSLATE_NOOP("AlertWorkflow", "备注"),
)


ACTION_COLUMNS = 5
"""Action buttons per row when the pane is wide enough."""

MIN_ACTION_COLUMNS = 3
"""…and on the narrowest pane (the pane never gets narrower than three buttons)."""


class LocationSketch(QWidget):
    """A small schematic map: the district outline, street names, the alert (red) and the
    listed cameras (cyan). Drawn from the bundled catalogue: no tiles, no network."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("LocationSketch")
        self.setMinimumSize(150, 130)
        self.point: tuple[float, float] | None = None
        self.cameras: list[tuple[float, float]] = []
        self._outline: tuple[tuple[float, float], ...] = ()
        self._streets: list[tuple[str, float, float]] = []
        try:
            self._outline = catalogue.district().outline
            self._streets = [(s.name_zh, s.centre.lon, s.centre.lat) for s in catalogue.streets()]
        except Exception:  # noqa: BLE001 - the sketch is an aid, never a reason to fail
            log.exception("district outline unavailable")

    def set_points(self, point: tuple[float, float] | None, cameras: list[tuple[float, float]]) -> None:
        """The alert's (lon, lat) and the cameras' positions."""
        self.point, self.cameras = point, cameras
        self.update()

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802 (Qt's name)
        from PySide6.QtCore import QPointF
        from PySide6.QtGui import QColor, QPainter, QPen, QPolygonF

        pts = list(self._outline) + ([self.point] if self.point else [])
        if not pts:
            return
        lons = [p[0] for p in pts]
        lats = [p[1] for p in pts]
        x0, x1, y0, y1 = min(lons), max(lons), min(lats), max(lats)
        w, h = self.width() - 12, self.height() - 12
        scale = min(w / max(x1 - x0, 1e-6), h / max(y1 - y0, 1e-6))

        def at(lon: float, lat: float) -> QPointF:
            return QPointF(6 + (lon - x0) * scale + (w - (x1 - x0) * scale) / 2,
                           6 + (y1 - lat) * scale + (h - (y1 - y0) * scale) / 2)

        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.setPen(QPen(QColor("#4f6b8a"), 1.5))
        p.setBrush(QColor(40, 60, 85, 120))
        p.drawPolygon(QPolygonF([at(*xy) for xy in self._outline]))
        p.setPen(QColor("#8aa0b8"))
        for name, lon, lat in self._streets:
            p.drawText(at(lon, lat) + QPointF(-12, 4), name)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor("#4fc3f7"))
        for lon, lat in self.cameras:
            c = at(lon, lat)
            p.drawRect(int(c.x()) - 3, int(c.y()) - 3, 6, 6)
        if self.point:
            c = at(*self.point)
            p.setBrush(QColor(255, 82, 82, 90))
            p.drawEllipse(c, 11, 11)
            p.setBrush(QColor("#ff5252"))
            p.drawEllipse(c, 5, 5)
        p.end()


class AlertDetailPane(QWidget):
    """The selected alert in full; emits ``cameras_requested(ids)`` for the video wall."""

    cameras_requested = Signal(object)
    message = Signal(str, bool)

    FIELDS: tuple[tuple[str, str], ...] = (
        ("id", QT_TRANSLATE_NOOP("AlertDetailPane", "编号")),
        ("level", QT_TRANSLATE_NOOP("AlertDetailPane", "级别")),
        ("status", QT_TRANSLATE_NOOP("AlertDetailPane", "状态")),
        ("due", QT_TRANSLATE_NOOP("AlertDetailPane", "时限")),
        ("source", QT_TRANSLATE_NOOP("AlertDetailPane", "来源")),
        ("category", QT_TRANSLATE_NOOP("AlertDetailPane", "类别")),
        ("place", QT_TRANSLATE_NOOP("AlertDetailPane", "位置")),
        ("location", QT_TRANSLATE_NOOP("AlertDetailPane", "坐标")),
        ("device", QT_TRANSLATE_NOOP("AlertDetailPane", "设备")),
        ("phone", QT_TRANSLATE_NOOP("AlertDetailPane", "报告人电话")),
        ("created", QT_TRANSLATE_NOOP("AlertDetailPane", "上报时间")),
        ("updated", QT_TRANSLATE_NOOP("AlertDetailPane", "更新时间")),
        ("unit", QT_TRANSLATE_NOOP("AlertDetailPane", "承办单位")),
        ("acknowledged_by", QT_TRANSLATE_NOOP("AlertDetailPane", "签收人")),
        ("description", QT_TRANSLATE_NOOP("AlertDetailPane", "描述")),
    )

    def __init__(self, core: ConsoleCore, notifier: PictureNotifier, names: PlaceNames,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("AlertDetailPane")
        self._core = core
        self._notifier = notifier
        self._names = names
        self._limits = Limits.from_catalogue()
        self._alert_id: str | None = None
        self._revealed: str | None = None
        self._reveal_task: asyncio.Task[None] | None = None
        self._chart: Any = None
        self._curve: Any = None

        self.title = QLabel(self)
        self.title.setObjectName("DetailTitle")
        self.title.setWordWrap(True)
        font = self.title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.title.setFont(font)
        self.refusal = QLabel(self)
        self.refusal.setObjectName("RefusalLabel")
        self.refusal.setStyleSheet("color: #ff5252;")
        self.refusal.setWordWrap(True)
        self.refusal.hide()

        form_box = QWidget(self)
        form = QFormLayout(form_box)
        form.setContentsMargins(0, 0, 0, 0)
        form.setVerticalSpacing(2)
        self.fields: dict[str, QLabel] = {}
        for key, label in self.FIELDS:
            value = QLabel(form_box)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setWordWrap(True)
            self.fields[key] = value
            if key == "phone":
                row = QHBoxLayout()
                row.addWidget(value, 1)
                self.reveal_button = QPushButton(QCoreApplication.translate("AlertDetailPane", "查看完整号码"), form_box)
                self.reveal_button.setObjectName("RevealPhoneButton")
                self.reveal_button.clicked.connect(self._on_reveal_clicked)
                row.addWidget(self.reveal_button)
                form.addRow(_t(label), row)
            else:
                form.addRow(_t(label), value)

        # Actions: one button per workflow verb, plus the inputs some of them need.
        actions = QFrame(self)
        grid = QGridLayout(actions)
        self._action_grid = grid
        self._action_columns = ACTION_COLUMNS
        grid.setContentsMargins(0, 0, 0, 0)
        self.buttons: dict[str, QPushButton] = {}
        for n, action in enumerate(ACTIONS):
            button = QPushButton(_tw(action.label), actions)
            button.setObjectName(f"Action_{action.verb}")
            button.setToolTip(f"{_tw(action.label)}（{action.shortcut}）")
            button.clicked.connect(lambda _c=False, v=action.verb: self.perform(v))
            grid.addWidget(button, n // ACTION_COLUMNS, n % ACTION_COLUMNS)
            self.buttons[action.verb] = button
        self.unit_combo = QComboBox(self)
        self.unit_combo.setObjectName("DispatchUnit")
        self.unit_combo.setToolTip(QCoreApplication.translate("AlertDetailPane", "承办单位（只列出可承办该类别的单位）"))
        self.text_edit = QLineEdit(self)
        self.text_edit.setObjectName("ActionText")
        self.text_edit.setPlaceholderText(QCoreApplication.translate("AlertDetailPane", "处置结果 / 反馈 / 备注 / 督办意见 / 分拨要求"))
        self.merge_edit = QLineEdit(self)
        self.merge_edit.setObjectName("MergeTarget")
        self.merge_edit.setPlaceholderText(QCoreApplication.translate("AlertDetailPane", "合并到事件编号"))
        inputs = QHBoxLayout()
        inputs.addWidget(self.unit_combo, 2)
        inputs.addWidget(self.merge_edit, 1)
        # Why an action was not sent (no unit chosen, no result written, …), right under
        # the inputs it concerns: the status bar is far from where the operator looks.
        self.action_hint = QLabel(self)
        self.action_hint.setObjectName("ActionHint")
        self.action_hint.setStyleSheet("color: #ffb300;")
        self.action_hint.setWordWrap(True)
        self.action_hint.hide()

        self.timeline = QTableWidget(0, 4, self)
        self.timeline.setObjectName("AlertTimeline")
        self.timeline.setHorizontalHeaderLabels([QCoreApplication.translate("AlertDetailPane", "时间"), QCoreApplication.translate("AlertDetailPane", "人员"), QCoreApplication.translate("AlertDetailPane", "动作"), QCoreApplication.translate("AlertDetailPane", "内容")])
        self.timeline.verticalHeader().hide()
        self.timeline.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.timeline.horizontalHeader().setStretchLastSection(True)
        for col in (0, 1, 2):
            self.timeline.horizontalHeader().setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.timeline.verticalHeader().setDefaultSectionSize(24)
        self.timeline.setMinimumHeight(110)
        self.timeline.setMaximumHeight(220)

        self.cameras = QListWidget(self)
        self.cameras.setObjectName("NearestCameras")
        self.cameras.setMaximumHeight(110)
        self.cameras_button = QPushButton(QCoreApplication.translate("AlertDetailPane", "上墙"), self)
        self.cameras_button.setObjectName("CamerasToWall")
        self.cameras_button.setToolTip(QCoreApplication.translate("AlertDetailPane", "把附近摄像机放到视频墙上"))
        self.cameras_button.clicked.connect(self._on_cameras_clicked)
        self.cameras.itemDoubleClicked.connect(lambda _item: self._on_cameras_clicked())
        cam_row = QHBoxLayout()
        cam_row.addWidget(self.cameras, 1)
        cam_row.addWidget(self.cameras_button, 0, Qt.AlignmentFlag.AlignTop)

        # The device's readings sit above the timeline: for a sensor alarm they are the
        # first thing an operator checks (a real exceedance or a broken sensor?).
        self.chart_title = QLabel(self)
        self.chart_box = QVBoxLayout()
        self.chart_box.addWidget(self.chart_title)

        body = QWidget(self)
        v = QVBoxLayout(body)
        v.setContentsMargins(8, 6, 8, 6)
        v.addWidget(self.title)
        v.addWidget(self.refusal)
        v.addWidget(actions)
        v.addLayout(inputs)
        v.addWidget(self.text_edit)
        v.addWidget(self.action_hint)
        self.sketch = LocationSketch(self)
        facts = QHBoxLayout()
        facts.addWidget(form_box, 3)
        facts.addWidget(self.sketch, 2, Qt.AlignmentFlag.AlignTop)
        v.addLayout(facts)
        v.addLayout(self.chart_box)
        v.addWidget(QLabel(QCoreApplication.translate("AlertDetailPane", "处置过程"), self))
        v.addWidget(self.timeline, 1)
        v.addWidget(QLabel(QCoreApplication.translate("AlertDetailPane", "附近摄像机"), self))
        v.addLayout(cam_row)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)
        # Never narrower than the actions: the queue's splitter may not clip 闭环 behind a
        # horizontal scroll bar on a 1280/1366 px screen (issue 21).
        self._scroll = scroll
        self._body_margins = v.contentsMargins().left() + v.contentsMargins().right()
        self.setMinimumWidth(self._actions_width(MIN_ACTION_COLUMNS) + self._body_margins
                             + scroll.verticalScrollBar().sizeHint().width() + 2)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)

        notifier.alerts_changed.connect(self._on_alerts_changed)
        notifier.readings_changed.connect(self._on_readings_changed)
        self.show_alert(None)

    # ------------------------------------------------------------------ layout

    def _actions_width(self, columns: int) -> int:
        """Width of the action buttons laid out in ``columns`` columns."""
        widest = max(max(b.minimumSizeHint().width(), b.sizeHint().width()) for b in self.buttons.values())
        return columns * widest + (columns - 1) * max(0, self._action_grid.horizontalSpacing())

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt's name)
        """Five action buttons a row when there is room, down to three on a narrow pane,
        so 开始处置 / 办结 / 闭环 are never behind a scroll bar (issue 21)."""
        room = event.size().width() - self._body_margins - self._scroll.verticalScrollBar().sizeHint().width() - 2
        columns = MIN_ACTION_COLUMNS
        while columns < ACTION_COLUMNS and self._actions_width(columns + 1) <= room:
            columns += 1
        if columns != self._action_columns:
            self._action_columns = columns
            grid = self._action_grid
            for button in self.buttons.values():
                grid.removeWidget(button)
            for n, button in enumerate(self.buttons.values()):
                grid.addWidget(button, n // columns, n % columns)
        super().resizeEvent(event)

    # ------------------------------------------------------------------ public

    def alert_id(self) -> str | None:
        """The alert shown, if any."""
        return self._alert_id

    def show_alert(self, alert_id: str | None) -> None:
        """Show ``alert_id`` (None = nothing selected)."""
        if alert_id != self._alert_id:
            self._revealed = None
            self.text_edit.clear()
            self.merge_edit.clear()
            self.action_hint.hide()
        self._alert_id = alert_id
        self._render()
        self._render_chart()

    def perform(self, verb: str) -> bool:
        """Submit ``verb`` for the shown alert with the inputs filled in; False when not sent."""
        alert = self._current()
        if alert is None:
            return False
        if not (self._can_command() and self._core_can(f"alert.{verb}")):
            self._refuse_here(QCoreApplication.translate("AlertDetailPane", "当前席位无权{action}").format(
                action=_tw(ACTION_NAMES.get(verb, verb))))
            return False
        if not allowed(alert, verb):
            self._refuse_here(QCoreApplication.translate("AlertDetailPane", "当前状态不能{action}").format(
                action=_tw(ACTION_NAMES.get(verb, verb))))
            return False
        if self._core.picture.alerts.pending(alert.id):
            self._refuse_here(QCoreApplication.translate("AlertDetailPane", "上一条指令尚未确认，请稍候"))
            return False
        text = self.text_edit.text().strip()
        args = command_args(verb, text, unit=self.unit_combo.currentData(), into=self.merge_edit.text())
        missing = missing_argument(verb, args)
        if missing:
            hint = _t(missing)
            if verb == "dispatch":
                hint = QCoreApplication.translate("AlertDetailPane", "{reason}（↑↓ 选择，本社区、本街道单位在前），再按 Ctrl+D").format(
                    reason=hint)
            self._refuse_here(hint)
            (self.unit_combo if verb == "dispatch" else self.merge_edit if verb == "merge" else self.text_edit).setFocus()
            return False
        try:
            self._core.commands.submit(f"alert.{verb}", alert.id, args or None, expected_rev=alert.rev)
        except Exception as exc:  # noqa: BLE001 - the outbox could not store it: say so, stay alive
            log.exception("%s of %s not submitted", verb, alert.id)
            self._refuse_here(QCoreApplication.translate("AlertDetailPane", "指令未提交：{error}").format(error=exc))
            return False
        self.action_hint.hide()
        if verb not in ("dispatch",):
            self.text_edit.clear()
        self.message.emit(QCoreApplication.translate("AlertDetailPane", "已提交{action}：{title}").format(action=_tw(ACTION_NAMES.get(verb, verb)),
                                                            title=alert.title), False)
        self._render()
        return True

    def shutdown(self) -> None:
        """Stop listening to the core (the panel is closing)."""
        disconnect_all(((self._notifier.alerts_changed, self._on_alerts_changed),
                             (self._notifier.readings_changed, self._on_readings_changed)))

    def camera_ids(self) -> list[str]:
        """The cameras listed for the shown alert, nearest first."""
        return [self.cameras.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.cameras.count())]

    # ------------------------------------------------------------------ slots

    def _on_alerts_changed(self, changed: object) -> None:
        if self._alert_id is not None and (not isinstance(changed, (set, frozenset)) or self._alert_id in changed):
            self._render()

    def _on_readings_changed(self, changed: object) -> None:
        alert = self._current()
        if alert is not None and alert.device_id and isinstance(changed, (set, frozenset)) and alert.device_id in changed:
            self._render_chart()

    def _on_reveal_clicked(self) -> None:
        if self._alert_id is None or (self._reveal_task is not None and not self._reveal_task.done()):
            return
        self.reveal_button.setEnabled(False)
        self._reveal_task = asyncio.get_event_loop().create_task(self._reveal(self._alert_id))

    async def _reveal(self, alert_id: str) -> None:
        try:
            number = await self._core.reveal_phone(alert_id)
        except (PermissionError, ConnectionError) as exc:
            # The core's reason (console/texts.py) in the UI language.
            self.message.emit(render(exc.args[0] if exc.args else str(exc), QCoreApplication.translate), True)
            return
        except Exception as exc:  # noqa: BLE001
            log.exception("reveal failed")
            self.message.emit(QCoreApplication.translate("AlertDetailPane", "无法查看号码：{error}").format(error=exc), True)
            return
        finally:
            self.reveal_button.setEnabled(True)
        if alert_id != self._alert_id:
            return  # the operator moved on meanwhile: show nothing of the old alert
        self._revealed = number
        self.message.emit(QCoreApplication.translate("AlertDetailPane", "已查看完整号码（已记入审计日志）"), False)
        self._render()

    def _on_cameras_clicked(self) -> None:
        ids = self.camera_ids()
        selected = [i.data(Qt.ItemDataRole.UserRole) for i in self.cameras.selectedItems()]
        if selected:
            ids = selected + [c for c in ids if c not in selected]
        if ids:
            self.cameras_requested.emit(ids)

    # ------------------------------------------------------------------ rendering

    def _current(self) -> Alert | None:
        return self._core.picture.alerts.get(self._alert_id) if self._alert_id else None

    def _render(self) -> None:
        alert = self._current()
        store = self._core.picture.alerts
        enabled = alert is not None
        gives_orders = self._can_command()
        for verb, button in self.buttons.items():
            permitted = gives_orders and self._core_can(f"alert.{verb}")  # the seat's role (issue 10)
            button.setVisible(permitted)
            button.setEnabled(permitted and enabled and allowed(alert, verb) and not store.pending(alert.id))
        for w in (self.unit_combo, self.text_edit, self.merge_edit):
            w.setVisible(gives_orders)  # a seat that gives no orders sees no order inputs
            w.setEnabled(enabled and gives_orders)
        self.cameras_button.setEnabled(enabled)
        self.reveal_button.setVisible(self._core_can("reveal"))
        if alert is None:
            self.title.setText(QCoreApplication.translate("AlertDetailPane", "未选择告警"))
            self.refusal.hide()
            for value in self.fields.values():
                value.clear()
            self.timeline.setRowCount(0)
            self.cameras.clear()
            self.sketch.set_points(None, [])
            self.reveal_button.setEnabled(False)
            return
        n = self._names
        level = QCoreApplication.translate("AlertQueuePanel", LEVEL_NAMES.get(alert.level, alert.level))
        status = QCoreApplication.translate("AlertQueuePanel", STATUS_NAMES.get(alert.status, alert.status))
        self.title.setText(f"〔{level}〕{mask_text(alert.title)}")
        refusal = render(store.refusal(alert.id), QCoreApplication.translate)
        self.refusal.setText(QCoreApplication.translate("AlertDetailPane", "被拒绝：{reason}").format(reason=refusal) if refusal else "")
        self.refusal.setVisible(bool(refusal))
        state, left = due_state(alert, self._limits, self._core.picture.clock.gateway_now())
        due = ""
        if left is not None:
            hm = span_text(left)
            which = QCoreApplication.translate("AlertDetailPane", "签收") if alert.status == "new" else QCoreApplication.translate("AlertDetailPane", "办结")
            due = (QCoreApplication.translate("AlertDetailPane", "{which}已超时 {t}") if left < 0 else QCoreApplication.translate("AlertDetailPane", "{which}剩余 {t}")).format(which=which, t=hm)
        pending = store.pending(alert.id)
        f = self.fields
        f["id"].setText(alert.id)
        f["level"].setText(level)
        f["status"].setText(status + (QCoreApplication.translate("AlertDetailPane", "（指令待确认）") if pending else ""))
        f["due"].setText(due)
        f["due"].setStyleSheet({"overdue": "color: #ff5252;", "amber": "color: #ffb300;"}.get(state, ""))
        f["source"].setText(QCoreApplication.translate("AlertQueuePanel", SOURCE_NAMES.get(alert.source, alert.source)))
        f["category"].setText(n.category(alert.category))
        place = " · ".join(p for p in (n.street(alert.street), n.community(alert.community)) if p) or QCoreApplication.translate("AlertDetailPane", "全区")
        f["place"].setText(place)
        f["location"].setText(f"{alert.location.lon:.5f}, {alert.location.lat:.5f}" if alert.location else "")
        device = self._core.picture.devices.get(alert.device_id) if alert.device_id else None
        f["device"].setText(f"{device.name}（{alert.device_id}）" if device else (alert.device_id or ""))
        phone = self._revealed if self._revealed else mask_phone(alert.reporter_phone)
        f["phone"].setText(phone)
        self.reveal_button.setEnabled(bool(alert.reporter_phone) and not self._revealed)
        self.reveal_button.setToolTip(QCoreApplication.translate("AlertDetailPane", "查看完整号码（将记入审计日志）") if self._core_can("reveal")
                                      else QCoreApplication.translate("AlertDetailPane", "需要值班长权限"))
        f["created"].setText(alert.created_at.astimezone(DISTRICT_TZ).strftime("%Y-%m-%d %H:%M:%S"))
        f["updated"].setText(alert.updated_at.astimezone(DISTRICT_TZ).strftime("%Y-%m-%d %H:%M:%S"))
        f["unit"].setText(self._unit_name(alert.assigned_unit))
        f["acknowledged_by"].setText(alert.acknowledged_by or "")
        f["description"].setText(mask_text(alert.description))

        self.timeline.setRowCount(len(alert.timeline))
        for row, note in enumerate(alert.timeline):
            cells = (note.ts.astimezone(DISTRICT_TZ).strftime("%m-%d %H:%M:%S"), note.actor,
                     _tw(ACTION_NAMES.get(note.action, note.action)), mask_text(note.text))
            for col, text in enumerate(cells):
                self.timeline.setItem(row, col, QTableWidgetItem(text))
        self._fill_units(alert)
        self._fill_cameras(alert)

    def _can_command(self) -> bool:
        return self._core_can("command")

    def _refuse_here(self, text: str) -> None:
        """Say beside the actions why nothing was sent (and in the status bar, as before)."""
        self.action_hint.setText(text)
        self.action_hint.show()
        self.message.emit(text, True)

    def _core_can(self, permission: str) -> bool:
        return self._core.can(permission)

    def _unit_name(self, unit_id: str | None) -> str:
        if not unit_id:
            return ""
        unit = self._core.picture.units.get(unit_id)
        return unit.name if unit is not None else self._names.unit(unit_id)

    def _fill_units(self, alert: Alert) -> None:
        units: list[Any] = list(self._core.picture.units.values())
        if not units:  # no snapshot yet: the bundled directory
            units = list(catalogue.units())
        # The alert's own community and street units first: the usual first responders.
        ordered = units_for(alert.category, units, street=alert.street, community=alert.community)
        wanted = [(u.name, u.id) for u in ordered]
        current = [(self.unit_combo.itemText(i), self.unit_combo.itemData(i)) for i in range(self.unit_combo.count())]
        if current != [("", None)] + wanted:
            keep = self.unit_combo.currentData()
            self.unit_combo.blockSignals(True)
            self.unit_combo.clear()
            self.unit_combo.addItem("", None)
            self.unit_combo.setItemText(0, QCoreApplication.translate("AlertDetailPane", "选择承办单位…"))
            for name, uid in wanted:
                self.unit_combo.addItem(name, uid)
            idx = self.unit_combo.findData(keep) if keep else 0
            self.unit_combo.setCurrentIndex(max(idx, 0))
            self.unit_combo.blockSignals(False)

    def _fill_cameras(self, alert: Alert) -> None:
        cams = self._core.picture.cameras
        chosen = cameras_near(alert, cams, NEAREST_CAMERAS)
        ids = [cid for cid, _ in chosen]
        self.sketch.set_points((alert.location.lon, alert.location.lat) if alert.location else None,
                               [(c.location.lon, c.location.lat) for c in (cams.get(i) for i in ids) if c is not None])
        if ids == self.camera_ids():
            return
        self.cameras.clear()
        for cid, d in chosen:
            cam = cams.get(cid)
            name = cam.name if cam is not None else cid
            status = "" if cam is None or cam.status == "online" else QCoreApplication.translate("AlertDetailPane", "（离线）")
            dist = f" · {d:.0f} m" if d is not None else ""
            item = QListWidgetItem(f"{name}{status}{dist}")
            item.setData(Qt.ItemDataRole.UserRole, cid)
            self.cameras.addItem(item)

    def _render_chart(self) -> None:
        alert = self._current()
        device = self._core.picture.devices.get(alert.device_id) if alert is not None and alert.device_id else None
        history = self._core.picture.readings.history(device.id) if device is not None else []
        if device is None or not history:
            self.chart_title.setText(QCoreApplication.translate("AlertDetailPane", "该告警无设备读数") if alert is not None and alert.device_id else "")
            if self._chart is not None:
                self._chart.hide()
            return
        if self._chart is None:
            try:
                import pyqtgraph as pg

                pg.setConfigOptions(antialias=False)
                self._chart = pg.PlotWidget(self, axisItems={"bottom": pg.DateAxisItem()})
                self._chart.setObjectName("DeviceChart")
                self._chart.setMinimumHeight(160)
                self._chart.setClipToView(True)
                self._chart.showGrid(x=True, y=True, alpha=0.2)
                self._curve = self._chart.plot([], [], pen=pg.mkPen("#4fc3f7", width=2))
                self._lines = [self._chart.addLine(y=0, pen=pg.mkPen("#ffb300", style=Qt.PenStyle.DashLine)),
                               self._chart.addLine(y=0, pen=pg.mkPen("#ff5252", style=Qt.PenStyle.DashLine))]
                self.chart_box.addWidget(self._chart)
            except Exception:  # noqa: BLE001 - a missing chart library must not cost the pane
                log.exception("device chart unavailable")
                self.chart_title.setText(QCoreApplication.translate("AlertDetailPane", "读数图表不可用"))
                return
        self._chart.show()
        self.chart_title.setText(QCoreApplication.translate("AlertDetailPane", "{name} 读数（{unit}）").format(name=device.name, unit=device.unit))
        xs = [r.ts.timestamp() for r in history]
        ys = [r.value for r in history]
        self._curve.setData(xs, ys)
        for line, value in zip(self._lines, (device.thresholds.warn, device.thresholds.alarm)):
            line.setVisible(value is not None)
            if value is not None:
                line.setValue(value)

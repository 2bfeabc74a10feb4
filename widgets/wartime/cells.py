"""Table helpers and colours shared by the wartime panels (a table, a cell, a clock time, a refusal's words)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem, QWidget

from console.texts import render
from district.vocabulary import DISTRICT_TZ

RED = QColor("#ff5252")
AMBER = QColor("#ffb300")
GREEN = QColor("#66bb6a")
DIM = QColor("#8fa3bf")
STATE_COLOURS = {"overdue": RED, "due_soon": AMBER, "done": GREEN, "skipped": DIM,
                 "pending_done": AMBER, "pending_skipped": AMBER}
TASK_COLOURS = {"done": GREEN, "refused": RED, "failed": RED, "pending": AMBER, "on_scene": QColor("#26c6da")}
LEVEL_ZH = {"district": "区级", "street": "街道", "community": "社区", "team": "队伍"}

# The core's status and kind names, which the panels show through ``self.tr(...)`` of a
# table lookup (``console.wartime``: STEP_STATUS_ZH, TASK_STATUS_ZH, RESOURCE_KIND_ZH,
# ACTION_ZH; LEVEL_ZH above) and the trend labels (INCIDENT_TRENDS).  lupdate cannot see a lookup, so they are named here for it,
# in the context of the panel that shows them.  tests/ui/test_i18n.py checks that each
# table's every value is here.
CATALOGUED = {
    "CommandPanel": (
        # plan step states
        QT_TRANSLATE_NOOP("CommandPanel", "待办"), QT_TRANSLATE_NOOP("CommandPanel", "临近时限"),
        QT_TRANSLATE_NOOP("CommandPanel", "已超时"), QT_TRANSLATE_NOOP("CommandPanel", "已完成"),
        QT_TRANSLATE_NOOP("CommandPanel", "已跳过"), QT_TRANSLATE_NOOP("CommandPanel", "完成（待确认）"),
        QT_TRANSLATE_NOOP("CommandPanel", "跳过（待确认）"),
        # task statuses
        QT_TRANSLATE_NOOP("CommandPanel", "待发送"), QT_TRANSLATE_NOOP("CommandPanel", "已下达"),
        QT_TRANSLATE_NOOP("CommandPanel", "已接收"), QT_TRANSLATE_NOOP("CommandPanel", "在途"),
        QT_TRANSLATE_NOOP("CommandPanel", "到场处置"), QT_TRANSLATE_NOOP("CommandPanel", "已拒绝"),
        QT_TRANSLATE_NOOP("CommandPanel", "未被接受"),
        # unit levels
        QT_TRANSLATE_NOOP("CommandPanel", "区级"), QT_TRANSLATE_NOOP("CommandPanel", "街道"),
        QT_TRANSLATE_NOOP("CommandPanel", "社区"), QT_TRANSLATE_NOOP("CommandPanel", "队伍"),
        # resource kinds
        QT_TRANSLATE_NOOP("CommandPanel", "救援队伍"), QT_TRANSLATE_NOOP("CommandPanel", "避难场所"),
        QT_TRANSLATE_NOOP("CommandPanel", "物资仓库"), QT_TRANSLATE_NOOP("CommandPanel", "车辆"),
        # command log actions
        QT_TRANSLATE_NOOP("CommandPanel", "宣布启动应急响应"), QT_TRANSLATE_NOOP("CommandPanel", "解除应急响应"),
        QT_TRANSLATE_NOOP("CommandPanel", "预案步骤"), QT_TRANSLATE_NOOP("CommandPanel", "下达任务"),
        QT_TRANSLATE_NOOP("CommandPanel", "任务状态"), QT_TRANSLATE_NOOP("CommandPanel", "指挥记录"),
        QT_TRANSLATE_NOOP("CommandPanel", "切换关注事件"), QT_TRANSLATE_NOOP("CommandPanel", "战时布局"),
        QT_TRANSLATE_NOOP("CommandPanel", "数据报告"), QT_TRANSLATE_NOOP("CommandPanel", "状态回传"),
        QT_TRANSLATE_NOOP("CommandPanel", "总结报告"), QT_TRANSLATE_NOOP("CommandPanel", "通话"),
    ),
    "IncidentMetricsPanel": (
        # trend labels (console.wartime INCIDENT_TRENDS)
        QT_TRANSLATE_NOOP("IncidentMetricsPanel", "小时雨量"),
        QT_TRANSLATE_NOOP("IncidentMetricsPanel", "河道最高水位"),
        QT_TRANSLATE_NOOP("IncidentMetricsPanel", "空气质量指数"),
    ),
}


def refusal_text(exc: Exception) -> str:
    """A :class:`~console.wartime.WartimeError`'s message in the UI language (the core's
    message is a ``console.texts`` code kept as Chinese text; the panel's own, already
    translated, is shown as is)."""
    return render(exc.args[0] if exc.args else str(exc), QCoreApplication.translate)


def hhmm(ts: datetime | None) -> str:
    """``HH:MM`` in the district's time ("—" for none)."""
    return ts.astimezone(DISTRICT_TZ).strftime("%H:%M") if ts is not None else "—"


def table(parent: QWidget, headers: list[str], stretch: int) -> QTableWidget:
    """A read-only row-selecting table whose column ``stretch`` takes the spare width."""
    t = QTableWidget(0, len(headers), parent)
    t.setHorizontalHeaderLabels(headers)
    t.verticalHeader().setVisible(False)
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.setWordWrap(False)
    t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    t.horizontalHeader().setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    return t


def item(text: str, colour: QColor | None = None, data: Any = None) -> QTableWidgetItem:
    """A cell with its text as tooltip, an optional colour and a key in the user role."""
    it = QTableWidgetItem(text)
    if colour is not None:
        it.setForeground(QBrush(colour))
    if data is not None:
        it.setData(Qt.ItemDataRole.UserRole, data)
    it.setToolTip(text)
    return it

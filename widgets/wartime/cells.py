"""Table helpers and colours shared by the wartime panels (a table, a cell, a clock time)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem, QWidget

from district.vocabulary import DISTRICT_TZ

RED = QColor("#ff5252")
AMBER = QColor("#ffb300")
GREEN = QColor("#66bb6a")
DIM = QColor("#8fa3bf")
STATE_COLOURS = {"overdue": RED, "due_soon": AMBER, "done": GREEN, "skipped": DIM,
                 "pending_done": AMBER, "pending_skipped": AMBER}
TASK_COLOURS = {"done": GREEN, "refused": RED, "failed": RED, "pending": AMBER, "on_scene": QColor("#26c6da")}
LEVEL_ZH = {"district": "区级", "street": "街道", "community": "社区", "team": "队伍"}


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

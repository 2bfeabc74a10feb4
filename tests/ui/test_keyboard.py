"""Keyboard habits (issue 21): a visible focus ring and default button under the dark
theme, the first Down in a table selecting row 1, Tab leaving tables."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QColor, QFocusEvent, QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QHBoxLayout, QLineEdit, QPushButton, QTableWidget, QTableWidgetItem, QWidget

from widgets import theme
from widgets.keyboard import prepare_view

pytestmark = pytest.mark.timeout(60)

FOCUS_RING = QColor("#ffd54f")
DEFAULT_FILL = QColor("#00695c")


def _table(rows: int = 5) -> QTableWidget:
    table = QTableWidget(rows, 2)
    for r in range(rows):
        for c in range(2):
            table.setItem(r, c, QTableWidgetItem(f"{r}.{c}"))
    table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
    table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
    return table


def _tab_into(view: QWidget) -> None:
    # What Tab into the table does: Qt makes the first row current, without selecting it.
    QApplication.sendEvent(view, QFocusEvent(QEvent.Type.FocusIn, Qt.FocusReason.TabFocusReason))


def test_first_down_in_a_table_selects_row_one(qtbot: Any) -> None:
    table = _table()
    qtbot.addWidget(table)
    prepare_view(table)
    _tab_into(table)
    QTest.keyClick(table, Qt.Key.Key_Down)
    assert [i.row() for i in table.selectionModel().selectedRows()] == [0]
    QTest.keyClick(table, Qt.Key.Key_Down)
    assert [i.row() for i in table.selectionModel().selectedRows()] == [1]
    assert not table.tabKeyNavigation()


def test_first_up_with_a_current_row_selects_it(qtbot: Any) -> None:
    table = _table()
    qtbot.addWidget(table)
    prepare_view(table)
    table.selectionModel().setCurrentIndex(table.model().index(3, 0), table.selectionModel().SelectionFlag.NoUpdate)
    QTest.keyClick(table, Qt.Key.Key_Up)
    assert [i.row() for i in table.selectionModel().selectedRows()] == [3]


def _colours(image: QImage) -> set[str]:
    return {image.pixelColor(x, y).name() for x in range(image.width()) for y in range(image.height())}


def test_dark_theme_shows_focus_and_the_default_button(qtbot: Any) -> None:
    box = QWidget()
    box.setStyleSheet(theme.stylesheet())
    row = QHBoxLayout(box)
    field, plain, default = QLineEdit(box), QPushButton("取消", box), QPushButton("注销", box)
    default.setDefault(True)
    table = _table(3)
    table.setParent(box)
    for w in (field, plain, default, table):
        row.addWidget(w)
    qtbot.addWidget(box)
    box.show()
    qtbot.waitExposed(box)
    box.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is box, timeout=5000)
    field.setFocus()
    qtbot.waitUntil(field.hasFocus, timeout=5000)
    ring = FOCUS_RING.name()
    assert ring not in _colours(plain.grab().toImage()) and ring not in _colours(table.grab().toImage())
    assert DEFAULT_FILL.name() in _colours(default.grab().toImage())
    assert DEFAULT_FILL.name() not in _colours(plain.grab().toImage())
    for w in (plain, table):
        w.setFocus(Qt.FocusReason.TabFocusReason)
        qtbot.waitUntil(w.hasFocus, timeout=5000)
        assert ring in _colours(w.grab().toImage()), f"no focus ring on {type(w).__name__}"


def test_main_window_tables_leave_on_tab(offline_console: Any, qtbot: Any) -> None:
    from PySide6.QtWidgets import QAbstractItemView

    from widgets.shell.main_window import MainWindow

    window = MainWindow(offline_console.core, offline_console.notifier)
    qtbot.addWidget(window)
    assert not window.alert_queue.table.tabKeyNavigation()
    views = [v for v in window.findChildren(QAbstractItemView) if v.property("_pingshan_keyboard_ready")]
    assert window.alert_queue.table in views
    window.close()


"""Wartime by keyboard (issue 21): no keyboard traps in the declaration and the command
panel, the order form in the order it is filled in, and every wartime action with a key
listed in 帮助 → 快捷键 (itself on F1)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractSpinBox, QComboBox, QWidget


pytestmark = pytest.mark.timeout(90)


def _tab_chain(start: QWidget, count: int) -> list[QWidget]:
    """The next ``count`` widgets Tab visits from ``start`` (a spin box's or combo box's
    own line edit is part of its box, not a stop of its own)."""
    chain, w = [start], start
    while len(chain) < count:
        w = w.nextInFocusChain()
        assert w is not start, "the focus chain closed before reaching every widget"
        if not (w.focusPolicy() & Qt.FocusPolicy.TabFocus) or not w.isEnabled():
            continue
        if isinstance(w.parentWidget(), (QAbstractSpinBox, QComboBox)):
            continue
        chain.append(w)
    return chain


def test_declaration_reason_lets_tab_and_return_through(offline_console: SimpleNamespace, qtbot: Any) -> None:
    from widgets.wartime import DeclareDialog

    dialog = DeclareDialog(offline_console.core.wartime)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.reason.tabChangesFocus()
    dialog.reason.setPlainText("积水")
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)
    assert dialog.reason.toPlainText() == "积水"  # Return went on, no new line
    assert dialog.focusWidget() is dialog.declare_button
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    assert "\n" in dialog.reason.toPlainText()  # Shift+Return still starts a line


def test_command_panel_tab_order_and_keys(offline_console: SimpleNamespace, qtbot: Any) -> None:
    from PySide6.QtGui import QShortcut

    from widgets.wartime import CommandPanel

    panel = CommandPanel(offline_console.core.wartime)
    qtbot.addWidget(panel)
    panel.show()
    assert not panel.plan_table.tabKeyNavigation() and not panel.task_table.tabKeyNavigation()
    assert _tab_chain(panel.plan_table, 2)[1] is panel.complete_button
    form = [panel.unit_box, panel.instruction, panel.due_minutes, panel.at_incident, panel.with_resources,
            panel.issue_button]
    assert _tab_chain(panel.unit_box, len(form)) == form
    keys = {(s.parent(), s.key().toString()) for s in panel.findChildren(QShortcut)}
    assert (panel.complete_button.parentWidget(), "Ctrl+Return") in keys
    assert (panel.issue_button.parentWidget(), "Ctrl+Return") in keys


def test_wartime_actions_have_keys_listed_in_the_help(offline_console: SimpleNamespace, qtbot: Any) -> None:
    from widgets.shell.main_window import MainWindow
    from widgets.shell.shortcut_help import ShortcutHelp

    window = MainWindow(offline_console.core, offline_console.notifier)
    qtbot.addWidget(window)
    window.show()
    mode = window.wartime_mode
    for key in ("declare", "note", "next", "previous", "panel", "stand_down", "report"):
        assert mode.actions[key].shortcut().toString(), f"战时 → {mode.actions[key].text()} has no key"
    help_box = ShortcutHelp(window)
    qtbot.addWidget(help_box)
    listed = help_box.listed_keys()
    assert ("帮助", "F1") in listed
    assert {("战时", "Ctrl+Shift+X"), ("战时", "Ctrl+Shift+P"), ("战时", "Ctrl+Shift+W")} <= listed
    assert {("战时指挥", "Ctrl+Return"), ("战时指挥", "Ctrl+Tab"), ("战时指挥", "Tab")} <= listed
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    qtbot.keyClick(window, Qt.Key.Key_F1)
    qtbot.waitUntil(lambda: getattr(window, "shortcut_help", None) is not None
                    and window.shortcut_help.isVisible(), timeout=3000)
    window.shortcut_help.close()

"""Keyboard: no two window-wide shortcuts share a key, and no panel shortcut takes a key the
window already uses (Qt treats such a pair as ambiguous and fires neither)."""

from __future__ import annotations

from collections import defaultdict
from types import SimpleNamespace
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QShortcut

from test_ui_support import console_loop, offline_console  # noqa: F401  (fixtures)

WINDOW_WIDE = (Qt.ShortcutContext.WindowShortcut, Qt.ShortcutContext.ApplicationShortcut)


def _bindings(window: Any) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """(window-wide key → owners, panel-local key → owners) for every enabled binding."""
    wide: dict[str, list[str]] = defaultdict(list)
    local: dict[str, list[str]] = defaultdict(list)
    for action in window.findChildren(QAction):
        if not action.isEnabled():
            continue
        for seq in action.shortcuts():
            key = seq.toString()
            if not key:
                continue
            table = wide if action.shortcutContext() in WINDOW_WIDE else local
            table[key].append(f"action {action.text()!r}")
    for shortcut in window.findChildren(QShortcut):
        if not shortcut.isEnabled():
            continue
        for seq in shortcut.keys():
            key = seq.toString()
            if not key:
                continue
            table = wide if shortcut.context() in WINDOW_WIDE else local
            owner = shortcut.parent().__class__.__name__ if shortcut.parent() is not None else "?"
            table[key].append(f"shortcut on {owner}")
    return wide, local


def test_no_two_window_shortcuts_share_a_key(offline_console: SimpleNamespace, qtbot: Any) -> None:
    from widgets.main_window import MainWindow

    from console.auth import AuthSession
    from widgets.detach import DetachMenu
    from widgets.session_ui import SessionControls

    window = MainWindow(offline_console.core, offline_console.notifier)
    qtbot.addWidget(window)
    # What the app adds to a logged-in, profiled window: the 账户 and 面板 menus.
    session = AuthSession("http://127.0.0.1:9")  # never logged in: the controls only
    controls = SessionControls.attach(window, session)
    DetachMenu(window)
    window.show()
    wide, local = _bindings(window)
    assert len(wide) >= 10, "the window should have its menu shortcuts"
    clashes = {key: owners for key, owners in wide.items() if len(owners) > 1}
    assert not clashes, f"window-wide shortcuts on one key: {clashes}"
    shadowed = {key: owners + wide[key] for key, owners in local.items() if key in wide}
    assert not shadowed, f"panel shortcuts on a window-wide key: {shadowed}"
    assert "Ctrl+Shift+L" in wide and "Ctrl+Shift+D" in wide  # the lock and 全部停靠 are counted
    controls.shutdown()

"""Keyboard: no two window-wide shortcuts share a key, and no panel shortcut takes a key the
window already uses (Qt treats such a pair as ambiguous and fires neither)."""

from __future__ import annotations

from collections import defaultdict
from types import SimpleNamespace
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QShortcut


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
    from widgets.shell.main_window import MainWindow

    from console.auth import AuthSession
    from widgets.shell.detach import DetachMenu
    from widgets.shell.session_ui import SessionControls

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


def test_the_shortcut_help_lists_every_key_the_window_binds(offline_console: SimpleNamespace, qtbot: Any) -> None:
    from widgets.shell.main_window import MainWindow

    from console.auth import AuthSession
    from widgets.shell.detach import DetachMenu
    from widgets.shell.session_ui import SessionControls
    from widgets.shell.shortcut_help import ShortcutHelp

    window = MainWindow(offline_console.core, offline_console.notifier)
    qtbot.addWidget(window)
    controls = SessionControls.attach(window, AuthSession("http://127.0.0.1:9"))
    DetachMenu(window)
    window.show()
    window._on_shortcuts_requested()
    box = window.shortcut_help
    assert isinstance(box, ShortcutHelp) and box.isVisible() and not box.isModal()
    window._on_shortcuts_requested()  # a second request raises the same box
    assert window.shortcut_help is box

    listed = {key for row in box.rows for key in row.keys}
    wide, local = _bindings(window)
    bound = set(wide) | set(local)
    # Disabled actions (an alert action with nothing selected) are listed too.
    for action in window.findChildren(QAction):
        bound.update(seq.toString() for seq in action.shortcuts() if seq.toString())
    missing = bound - listed
    assert not missing, f"bound but not in the 快捷键 box: {sorted(missing)}"
    assert all(row.text and row.text != "（未说明）" for row in box.rows), \
        [(row.group, row.keys) for row in box.rows if not row.text or row.text == "（未说明）"]

    # The documented panel keys, each in its group, with the table showing every row.
    by_group: dict[str, set[str]] = defaultdict(set)
    for row in box.rows:
        by_group[row.group].update(row.keys)
    assert {"Ctrl+Shift+B", "Ctrl+Shift+M", "Ctrl+Shift+R", "Ctrl+Shift+O", "Ctrl+Shift+I", "Ctrl+Shift+G",
            "Home", "Esc"} <= by_group["地图"]
    assert {f"Alt+{n}" for n in range(1, 10)} | {"T", "N", "Left", "+", "-", "Return", "Esc",
                                                  "Ctrl+Shift+S"} <= by_group["视频墙"]
    assert {"Space", "Ctrl+Return", "Ctrl+Shift+Return", "Ctrl+D", "Ctrl+E", "Ctrl+F"} <= by_group["告警队列"]
    assert {"Ctrl+Shift+W", "Ctrl+Shift+J", "Ctrl+PgDown", "Ctrl+PgUp", "Ctrl+5"} <= by_group["战时"]
    assert "Ctrl+Shift+L" in by_group["账户"] and "Ctrl+Shift+D" in by_group["面板"]
    assert {"F8", "F9"} <= by_group["演练"]
    assert box.table.rowCount() == len(box.rows)
    texts = {box.table.item(r, 2).text() for r in range(box.table.rowCount())}
    assert "宣布启动应急响应…" in texts and "全部停靠回主窗口" in texts and "画面布局：1 大 5 小" in texts
    # Opening the help adds no binding of its own (the clash test above still holds).
    wide_after, _local = _bindings(window)
    assert set(wide_after) == set(wide)
    box.close()
    controls.shutdown()

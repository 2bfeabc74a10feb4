"""Wall mode on three simulated screens (the offscreen platform's screen configuration).

Qt fixes the platform per process, so this module only runs inside the process that
``tests/ui/test_wall.py`` starts with ``QT_QPA_PLATFORM=offscreen:configfile=…`` and
``PINGSHAN_WALL_SCREENS=3``; in an ordinary run it is skipped.

The offscreen platform cannot unplug a screen at run time (its screens come from the
config file once), so hot-plug is driven by emitting ``QGuiApplication.screenRemoved``
/ ``screenAdded`` with the real QScreen objects: the controller's slots connected to
those signals run exactly as they do when a cable is pulled.
"""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

pytestmark = pytest.mark.skipif(os.environ.get("PINGSHAN_WALL_SCREENS") != "3",
                                reason="needs the three-screen offscreen platform (run through tests/ui/test_wall.py)")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtGui import QGuiApplication  # noqa: E402
from PySide6.QtWidgets import QApplication, QMainWindow, QMessageBox  # noqa: E402

from console.wall_config import parse_wall_config  # noqa: E402

CONFIG = """
theme = "large"
[[screen]]
match = "wall-1"
panels = ["map"]

[[screen]]
match = 2
panels = ["video"]
[screen.video]
layout = "2x2"
tour = { interval_s = 30 }

[[screen]]
match = "wall-3"
panels = ["queue", "indicators"]
"""


def screen(name: str) -> Any:
    return next(s for s in QGuiApplication.screens() if s.name() == name)


def make_wall(console: SimpleNamespace, qtbot: Any, text: str = CONFIG) -> tuple[Any, QMainWindow]:
    from widgets.wall import WallController

    operator = QMainWindow()
    operator.setObjectName("OperatorWindow")
    qtbot.addWidget(operator)
    operator.resize(800, 600)
    operator.show()
    wall = WallController(parse_wall_config(text), console.core, console.notifier, operator)
    return wall, operator


def frame_screen(wall: Any, panel: str) -> str:
    """The screen a panel's frame really is on (from its top-level window's geometry)."""
    window = wall.frames[panel].window()
    centre = window.geometry().center()
    found = QGuiApplication.screenAt(centre)
    return found.name() if found is not None else "?"


def test_three_screens_are_there(qapp: Any) -> None:
    assert [s.name() for s in QGuiApplication.screens()] == ["wall-1", "wall-2", "wall-3"]


def test_panels_land_on_their_screens_and_follow_a_screen_pulled_out(live_console: SimpleNamespace, qtbot: Any) -> None:
    wall, _operator = make_wall(live_console, qtbot)
    try:
        placement = wall.start()
        assert placement.screens == {"wall-1": ["map"], "wall-2": ["video"], "wall-3": ["queue", "indicators"]}
        for name in ("wall-1", "wall-2", "wall-3"):
            window = wall.windows[name]
            qtbot.waitExposed(window)
            assert window.geometry() == screen(name).geometry()
            assert window.isFullScreen()
            assert window.windowFlags() & Qt.WindowType.WindowDoesNotAcceptFocus
        assert {p: frame_screen(wall, p) for p in ("map", "video", "queue", "indicators")} == {
            "map": "wall-1", "video": "wall-2", "queue": "wall-3", "indicators": "wall-3"}

        video = wall.frames["video"].panel
        qtbot.waitUntil(lambda: any(t.camera_id for t in video.tiles), timeout=20000)
        qtbot.waitUntil(lambda: any(t.frames_received > 0 for t in video.tiles), timeout=30000)
        before = {p: id(f.panel) for p, f in wall.frames.items()}

        # Pull wall-3 out: the queue and the indicators move to the other two screens.
        QGuiApplication.instance().screenRemoved.emit(screen("wall-3"))
        assert "wall-3" not in wall.windows
        moved = {p: frame_screen(wall, p) for p in ("queue", "indicators")}
        assert set(moved.values()) == {"wall-1", "wall-2"}
        assert wall.placement.guests == {"queue": moved["queue"], "indicators": moved["indicators"]}
        assert "临时" in wall.frames["queue"].caption.text()
        assert frame_screen(wall, "map") == "wall-1" and frame_screen(wall, "video") == "wall-2"
        # Moved, not rebuilt: the video goes on playing in the same widget.
        assert {p: id(f.panel) for p, f in wall.frames.items()} == before
        frames_then = sum(t.frames_received for t in video.tiles)
        qtbot.waitUntil(lambda: sum(t.frames_received for t in video.tiles) > frames_then + 10, timeout=20000)

        # Plug it back: they go home.
        QGuiApplication.instance().screenAdded.emit(screen("wall-3"))
        assert {p: frame_screen(wall, p) for p in ("map", "video", "queue", "indicators")} == {
            "map": "wall-1", "video": "wall-2", "queue": "wall-3", "indicators": "wall-3"}
        assert not wall.placement.guests
        assert wall.frames["queue"].caption.text() == wall.frames["queue"].title
        window = wall.windows["wall-3"]
        qtbot.waitExposed(window)
        assert [f.key for f in window.frames()] == ["queue", "indicators"]

        shots = os.environ.get("PINGSHAN_WALL_SHOTS")
        if shots:
            qtbot.wait(3000)
            Path(shots).mkdir(parents=True, exist_ok=True)
            for name, win in wall.windows.items():
                win.grab().save(str(Path(shots) / f"wall-{name}.png"))
    finally:
        wall.close()


def test_keyboard_drives_the_wall_from_the_operator_screen(live_console: SimpleNamespace, qtbot: Any) -> None:
    from PySide6.QtTest import QTest

    wall, operator = make_wall(live_console, qtbot)
    try:
        wall.start()
        for window in wall.windows.values():
            qtbot.waitExposed(window)
        operator.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is operator, timeout=5000)
        video = wall.frames["video"].panel
        qtbot.waitUntil(lambda: all(t.camera_id for t in video.tiles), timeout=20000)

        QTest.keyClick(operator, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier)
        assert wall.selected == "wall-2"
        assert wall.windows["wall-2"].property("selected") == "true"
        QTest.keyClick(operator, Qt.Key.Key_Right, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier)
        assert wall.tile_cursor == 1
        QTest.keyClick(operator, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier)
        assert video.enlarged_index == 1
        QTest.keyClick(operator, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier)
        assert video.enlarged_index is None

        tour = wall.tours["video"]
        shown = [t.camera_id for t in video.tiles]
        if len(tour.candidates()) > len(video.tiles):
            QTest.keyClick(operator, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier)
            assert tour.page == 1 and [t.camera_id for t in video.tiles] != shown
        QTest.keyClick(operator, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier)
        assert tour.paused
        # The operator kept the keyboard all along: no wall window took the focus.
        assert QApplication.activeWindow() is operator
        assert all(not w.isActiveWindow() for w in wall.windows.values())
    finally:
        wall.close()


def test_a_dialog_from_a_wall_panel_opens_on_the_operator_screen(offline_console: SimpleNamespace, qtbot: Any) -> None:
    text = CONFIG.replace('theme = "large"', 'theme = "large"\noperator_screen = "wall-1"').replace(
        'match = "wall-1"\npanels = ["map"]', 'match = "wall-2"\npanels = ["map"]').replace(
        'match = 2\npanels = ["video"]', 'match = "wall-3"\npanels = ["video"]').replace(
        'match = "wall-3"\npanels = ["queue", "indicators"]', 'match = 9\npanels = ["queue", "indicators"]')
    wall, operator = make_wall(offline_console, qtbot, text)
    try:
        placement = wall.start()
        assert placement.operator == "wall-1"
        assert operator.screen().name() == "wall-1"
        # Position 9 is missing: its panels are guests on the two wall screens.
        assert set(placement.guests) == {"queue", "indicators"}
        queue = wall.frames["queue"].panel
        assert queue.window() in wall.windows.values()
        box = QMessageBox(QMessageBox.Icon.Information, "提示", "来自大屏面板的对话框", QMessageBox.StandardButton.Ok,
                          queue.window())
        qtbot.addWidget(box)
        box.open()
        qtbot.waitExposed(box)
        # The dialog takes the focus as it opens; QGuiApplication.focusWindowChanged moves it.
        qtbot.waitUntil(lambda: wall._guard.redirected == 1, timeout=5000)  # noqa: SLF001
        assert box.screen().name() == "wall-1"
        assert screen("wall-1").geometry().contains(box.geometry().center())
        box.close()
    finally:
        wall.close()


def test_detached_panel_is_saved_per_workstation_and_redocks(offline_console: SimpleNamespace, qtbot: Any) -> None:
    from widgets.shell.detach import DetachMenu
    from widgets.shell.main_window import MainWindow

    core, notifier = offline_console.core, offline_console.notifier
    window = MainWindow(core, notifier)
    qtbot.addWidget(window)
    window.show()
    menu = DetachMenu(window)
    assert menu.detach("indicators", "wall-3")
    dock = window.docks["indicators"]
    assert dock.isFloating()
    assert screen("wall-3").geometry().contains(dock.geometry().center())
    window.close()

    again = MainWindow(core, notifier)
    qtbot.addWidget(again)
    again.show()
    restored = DetachMenu(again)
    assert restored.arrangement == {"indicators": "wall-3"}
    dock = again.docks["indicators"]
    assert dock.isFloating() and screen("wall-3").geometry().contains(dock.geometry().center())
    restored.dock("indicators")
    assert not dock.isFloating()
    again.close()

    third = MainWindow(core, notifier)
    qtbot.addWidget(third)
    assert DetachMenu(third).arrangement == {}
    third.close()


def test_settings_dialog_edits_the_wall_live(offline_console: SimpleNamespace, qtbot: Any) -> None:
    from widgets.wall.settings import WallSettingsDialog

    wall, operator = make_wall(offline_console, qtbot)
    try:
        wall.start()
        video_before = wall.frames["video"].panel
        dialog = WallSettingsDialog(wall.config, [s.name() for s in QGuiApplication.screens()], operator)
        qtbot.addWidget(dialog)
        assert dialog.table.rowCount() == 3
        # A panel on two screens is refused with the field named, and the dialog stays open.
        dialog.set_panels(0, ["map", "queue"])
        dialog.open()
        dialog._on_save_requested()  # noqa: SLF001  (the 保存并应用 button's slot)
        assert dialog.isVisible() and "screen[3].panels" in dialog.error.text() and "queue" in dialog.error.text()
        # Indicators move to wall-1 next to the map; the queue stays alone on wall-3.
        dialog.set_panels(0, ["map", "indicators"])
        dialog.set_panels(2, ["queue"])
        dialog._on_save_requested()  # noqa: SLF001
        assert not dialog.isVisible()
        config = dialog.chosen()
        assert config is not None and config.spec_of("indicators").match == "wall-1"
        wall.reconfigure(config)
        assert frame_screen(wall, "indicators") == "wall-1" and frame_screen(wall, "queue") == "wall-3"
        assert wall.frames["video"].panel is video_before  # unchanged panels are kept, not rebuilt
    finally:
        wall.close()

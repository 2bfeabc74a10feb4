"""Detach a panel from the main window onto another screen, and dock it back.

A 面板 menu on the main window: for each panel, 分离到屏幕 N (the panel floats and
fills that screen's work area) and 停靠回主窗口; 全部停靠 docks everything.  Which
panel floats on which screen is kept per workstation in ``core.preferences`` (key
:data:`DETACHED_KEY`, by screen *name*), next to the window's own dock state; at the
next start each detached panel goes back to its screen, or docks when that screen
is not attached any more.  The window never touches the disk itself: the
preferences store is the core's.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence, QScreen
from PySide6.QtWidgets import QDockWidget, QMenu, QMenuBar

if TYPE_CHECKING:
    from widgets.shell.main_window import MainWindow

log = logging.getLogger(__name__)

DETACHED_KEY = "window/detached"
"""BlobStore key: {"panels": {dock key: screen name}}."""


class DetachMenu(QObject):
    """The 面板 menu and the saved detached arrangement of one main window."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self._window = window
        self._docks: dict[str, QDockWidget] = dict(window.docks)
        self.arrangement: dict[str, str] = {}
        self.extra_actions: list[QAction] = []  # e.g. 大屏设置…, appended to the menu
        bar = window.findChild(QMenuBar)
        self.menu = QMenu(self.tr("面板(&P)"), window)
        self.menu.aboutToShow.connect(self._rebuild)
        if bar is not None:
            bar.addMenu(self.menu)
        dock_all = QAction(self.tr("全部停靠回主窗口"), window)
        dock_all.setShortcut(QKeySequence("Ctrl+Shift+D"))
        dock_all.triggered.connect(lambda _c=False: self.dock_all())
        window.addAction(dock_all)
        self.dock_all_action = dock_all
        for dock in self._docks.values():
            dock.topLevelChanged.connect(self._on_floating_changed)
        self._restoring = True
        self.restore()
        self._restoring = False
        self._rebuild()

    # ------------------------------------------------------------------ public

    def detach(self, key: str, screen_name: str) -> bool:
        """Float a panel over the work area of the named screen."""
        dock = self._docks.get(key)
        screen = _screen_named(screen_name)
        if dock is None or screen is None:
            return False
        dock.show()
        dock.setFloating(True)
        dock.setScreen(screen)
        dock.setGeometry(screen.availableGeometry())
        self.arrangement[key] = screen_name
        self.save()
        return True

    def dock(self, key: str) -> None:
        """Back into the main window."""
        dock = self._docks.get(key)
        if dock is None:
            return
        dock.setFloating(False)
        self.arrangement.pop(key, None)
        self.save()

    def dock_all(self) -> None:
        for key in list(self._docks):
            self._docks[key].setFloating(False)
        self.arrangement.clear()
        self.save()

    def save(self) -> bool:
        prefs = self._window.core.preferences
        if prefs is None:
            return False
        try:
            prefs.put(DETACHED_KEY, json.dumps({"panels": self.arrangement}, ensure_ascii=False))
        except Exception:
            log.exception("detached panels not saved")
            return False
        return True

    def restore(self) -> dict[str, str]:
        """Put saved detached panels back on their screens (docked when the screen is gone)."""
        prefs = self._window.core.preferences
        if prefs is None:
            return {}
        try:
            raw = prefs.get(DETACHED_KEY)
            saved = json.loads(raw)["panels"] if raw else {}
        except Exception:
            log.exception("saved detached panels unreadable")
            return {}
        for key, screen_name in dict(saved).items():
            if key not in self._docks:
                continue
            if _screen_named(str(screen_name)) is not None:
                self.detach(key, str(screen_name))
            else:
                log.info("panel %s was detached to screen %s, which is not attached: docked", key, screen_name)
                self.dock(key)
        return dict(self.arrangement)

    # ------------------------------------------------------------------ slots

    def _on_floating_changed(self, floating: bool) -> None:
        if self._restoring:
            return
        dock = self.sender()
        key = next((k for k, d in self._docks.items() if d is dock), None)
        if key is None:
            return
        if not floating and key in self.arrangement:
            self.arrangement.pop(key)
            self.save()
        elif floating and key not in self.arrangement and isinstance(dock, QDockWidget):
            screen = dock.screen()
            if screen is not None:
                self.arrangement[key] = screen.name()
                self.save()

    def _rebuild(self) -> None:
        self.menu.clear()
        screens = QGuiApplication.screens()
        for key, dock in self._docks.items():
            sub = self.menu.addMenu(dock.windowTitle())
            for n, screen in enumerate(screens, start=1):
                act = sub.addAction(self.tr("分离到屏幕 {n} · {name}").format(n=n, name=screen.name()))
                act.triggered.connect(lambda _c=False, k=key, s=screen.name(): self.detach(k, s))
            sub.addSeparator()
            back = sub.addAction(self.tr("停靠回主窗口"))
            back.setEnabled(dock.isFloating())
            back.triggered.connect(lambda _c=False, k=key: self.dock(k))
        self.menu.addSeparator()
        self.menu.addAction(self.dock_all_action)
        if self.extra_actions:
            self.menu.addSeparator()
            for action in self.extra_actions:
                self.menu.addAction(action)


def _screen_named(name: str) -> QScreen | None:
    return next((s for s in QGuiApplication.screens() if s.name() == name), None)


"""The main window's hook for 值班值守: the 值班 dock (tabbed with the alert queue) and menu."""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QMainWindow

from console.duty import desk_for
from widgets.duty.panel import DutyPanel

log = logging.getLogger(__name__)


class DutyDock(QObject):
    """The 值班 dock, its menu and the Ctrl+6 shortcut that brings the roster forward."""

    def __init__(self, window: QMainWindow, core: Any) -> None:
        super().__init__(window)
        from widgets.pdf import render_pdf

        reports = getattr(core, "reports", None)
        folder = reports.ensure() if reports is not None else None
        self.panel = DutyPanel(desk_for(core), reports_dir=folder, render_pdf=render_pdf, parent=window)
        self.dock = QDockWidget(self.tr("值班"), window)
        self.dock.setObjectName("DutyDock")
        self.dock.setWidget(self.panel)
        self.dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                              | QDockWidget.DockWidgetFeature.DockWidgetFloatable
                              | QDockWidget.DockWidgetFeature.DockWidgetClosable)
        self.window = window
        self.arrange()
        status = getattr(window, "status", None)
        if status is not None and hasattr(status, "show_message"):
            self.panel.message.connect(status.show_message)

        self.show_action = QAction(self.tr("值班表"), window)
        self.show_action.setShortcut(QKeySequence("Ctrl+6"))
        self.show_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.show_action.triggered.connect(self.show_roster)
        window.addAction(self.show_action)
        bar = getattr(window, "menu_bar", None)  # the console's menu bar lives in the top strip
        menu_bar = bar() if callable(bar) else window.menuBar()
        self.menu = menu_bar.addMenu(self.tr("值班(&Y)"))
        self.menu.addAction(self.show_action)
        self.menu.addSeparator()
        for key in ("handover", "acknowledge", "checkin", "answer", "report", "assign", "call", "refresh"):
            self.menu.addAction(self.panel.actions_by_key[key])
        self.menu.addSeparator()
        self.menu.addAction(self.dock.toggleViewAction())
        if self.panel.desk is not None:
            self.panel.refresh()

    def arrange(self) -> None:
        """The default place: a tab beside the alert queue under the map, closed until the
        operator opens it (Ctrl+6, 值班 menu) — the queue keeps the front of its place, and the
        right column (video, indicators) keeps its height on a 768 px screen (issue 21).
        The main window's default layout calls this."""
        self.dock.setFloating(False)
        beside = getattr(self.window, "docks", {}).get("queue")
        if beside is None or self.window.dockWidgetArea(self.dock) == Qt.DockWidgetArea.NoDockWidgetArea:
            self.window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.dock)
        if beside is not None:
            self.window.tabifyDockWidget(beside, self.dock)
        self.dock.hide()
        if beside is not None:
            beside.raise_()

    def connect_calls(self, bar: Any) -> None:
        """Ring the roster's officers through the call bar (``widgets.comms.CallBar``) and name
        incoming callers from the roster. Without a SIP account the roster keeps saying
        融合通信未配置 and offers the duty phone instead."""
        if bar is None or not bar.calls.configured:
            return
        self.panel.call_requested.connect(bar.call_uri)
        if self.panel.desk is not None:
            bar.calls.add_resolver(self.panel.desk.caller_name)
        self.panel._update_buttons()

    def show_roster(self) -> None:
        """Bring the roster forward, focus its table and fetch it again (Ctrl+6)."""
        self.dock.show()
        self.dock.raise_()
        self.panel.shifts.setFocus(Qt.FocusReason.ShortcutFocusReason)
        if self.panel.desk is not None:
            self.panel.refresh()


def attach(window: QMainWindow, core: Any) -> DutyDock | None:
    """The main window's hook: None (logged) when the 值班 dock cannot be built."""
    try:
        return DutyDock(window, core)
    except Exception:  # noqa: BLE001 - the console must open regardless
        log.exception("duty roster panel unavailable")
        return None

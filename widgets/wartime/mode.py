"""Wartime mode (战时指挥) of the main window: banner, command dock, layout switch, keys, report.

``attach(window, core, notifier)`` is the one hook the main window calls; what
the mode needs of the window is the typed surface :class:`WartimeWindow` (the
main window provides it).  The controller places the red banner and the switch-confirmation bar under the
header, adds the 战时指挥 dock and the 战时 menu, and switches the whole console
when this seat starts commanding an incident (declared here, or a gateway push
the operator accepted): map centred on the area with its rings and nearby
resources, nearest cameras on the wall, the alert queue narrowed to the
incident's streets and categories, the indicators swapped for incident metrics.
The focus moves between several active incidents with one click or
Ctrl+PgDown / Ctrl+PgUp.  Stand-down asks for confirmation (non-modal),
returns to the peacetime layout and writes the after-action report.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Protocol, runtime_checkable

import shiboken6
from PySide6.QtCore import QObject, Qt, QTimer, Signal, SignalInstance
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QMainWindow, QMenuBar, QMessageBox, QWidget

from console.alert_query import AlertFilter
from console.runtime import ConsoleCore
from console.wartime import Wartime, WartimeError
from widgets.bridge import PictureNotifier
from widgets.grab import widget_png
from widgets.signals import disconnect_all
from widgets.wartime.banner import SwitchConfirmBar, WarBanner
from widgets.wartime.cells import refusal_text
from widgets.wartime.command_panel import CommandPanel
from widgets.wartime.declare import DeclareDialog, NoteDialog
from widgets.wartime.metrics import IncidentMetricsPanel

log = logging.getLogger(__name__)


class ModeHeader(Protocol):
    """The header strip: it shows 平时 / 战时."""

    def set_mode(self, mode: str) -> None: ...


class StatusLine(Protocol):
    """The status bar's transient messages."""

    def show_message(self, text: str, error: bool = False, timeout_ms: int = 15000) -> None: ...


class NarrowableQueue(Protocol):
    """The alert queue: narrowed to the incident's streets and categories (None: everything)."""

    def set_incident_filter(self, flt: AlertFilter | None, label: str = "") -> None: ...


@runtime_checkable
class IncidentMap(Protocol):
    """A map that draws the incident's area (the map panel; a placeholder label does not)."""

    def show_incident(self, lon: float, lat: float, radius_m: float, title: str) -> None: ...

    def clear_incident(self) -> None: ...


@runtime_checkable
class CameraWall(Protocol):
    """A video wall that plays a list of cameras (the wall; a placeholder label does not)."""

    def show_cameras(self, camera_ids: list[str]) -> object: ...


class WartimeWindow(Protocol):
    """What the wartime mode needs of the main window (``widgets/shell/main_window.py`` ``MainWindow``).

    ``map_panel`` and ``video_wall`` are the panels, or a placeholder label when
    their module failed to load (checked with :class:`IncidentMap` / :class:`CameraWall`).
    """

    closed: SignalInstance
    header: ModeHeader
    status: StatusLine
    alert_queue: NarrowableQueue
    map_panel: QWidget
    video_wall: QWidget
    docks: dict[str, QDockWidget]

    def menu_bar(self) -> QMenuBar: ...

    def add_under_header(self, *bars: QWidget) -> None: ...


class WartimeMode(QObject):
    """Switches one main window between the peacetime and the wartime layout."""

    layout_changed = Signal(str)  # "wartime" | "peacetime"
    report_written = Signal(object)  # list of paths

    def __init__(self, window: WartimeWindow, core: ConsoleCore, notifier: PictureNotifier) -> None:
        main = self._main_window(window)
        super().__init__(main)
        self.window = window
        self._main = main
        self.core = core
        self.war: Wartime = core.wartime
        self.mode = "peacetime"
        self.layout_ready_at: float | None = None  # perf_counter when the wartime layout was last ready
        self._shown_focus: str | None = None
        self._awaiting_report: set[str] = set()
        self._map_shots: dict[str, bytes | None] = {}
        self._peace_indicators: QWidget | None = None
        self._peace_title = ""
        self.banner = WarBanner(self.war, main)
        self.confirm_bar = SwitchConfirmBar(self.war, main)
        window.add_under_header(self.banner, self.confirm_bar)
        self.command_panel = CommandPanel(self.war, main)
        self.metrics_panel = IncidentMetricsPanel(self.war, main)
        self.metrics_panel.hide()
        self.dock = QDockWidget(self.tr("战时指挥"), main)
        self.dock.setObjectName("CommandDock")
        self.dock.setWidget(self.command_panel)
        # The command panel shares the bottom row with the alert queue as tabs: it needs the
        # row's width (the plan, the orders), the queue stays one click (Ctrl+3) away and
        # its narrowed count line says what is folded away.
        self._queue_dock = window.docks.get("queue")
        main.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.dock)
        self.dock.hide()
        self.declare_dialog: DeclareDialog | None = None
        self.note_dialog = NoteDialog(self.war, main)
        # The box closes on Return: say where the note went (it is not visible elsewhere
        # unless the 指挥日志 page is open).
        self.note_dialog.accepted.connect(lambda: self._message(self.tr("已记入指挥日志"), False))
        self._build_menu()

        status = window.status
        for panel in (self.command_panel, self.metrics_panel):
            panel.message.connect(lambda text, err: status.show_message(text, error=err, timeout_ms=15000))
        self.banner.focus_requested.connect(self.set_focus)
        self.banner.stand_down_requested.connect(self.ask_stand_down)
        self.banner.note_requested.connect(self.note_dialog.open)
        self.confirm_bar.accepted.connect(self._on_switch_accepted)
        self.confirm_bar.declined.connect(self._on_switch_declined)
        notifier.incidents_changed.connect(self._on_incidents_changed)
        notifier.tasks_changed.connect(self._on_tasks_changed)
        self._notifier = notifier
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(0)
        self._refresh_timer.timeout.connect(self.refresh)
        self.war.changed.connect(self._schedule)
        window.closed.connect(self.shutdown)
        main.destroyed.connect(self._detach)
        self.refresh()

    @staticmethod
    def _main_window(window: WartimeWindow) -> QMainWindow:
        if not isinstance(window, QMainWindow):
            raise TypeError("the wartime mode attaches to a QMainWindow")
        return window

    def shutdown(self) -> None:
        """The window closed: stop the clocks and stop listening before the core stops."""
        # The window may already be tearing down its children (closed twice, or closed while
        # being destroyed): stop only the clocks whose C++ side still exists.
        for part in (self.banner, self.command_panel):
            if shiboken6.isValid(part):
                part.shutdown()
        if shiboken6.isValid(self._refresh_timer):
            self._refresh_timer.stop()
        self._detach()

    # ------------------------------------------------------------------ menu and keys

    def _build_menu(self) -> None:
        menu = self.window.menu_bar().addMenu(self.tr("战时(&W)"))
        self.actions: dict[str, QAction] = {}
        for key, text, shortcut, slot in (
            ("declare", self.tr("宣布启动应急响应…"), "Ctrl+Shift+W", self.open_declare),
            ("note", self.tr("指挥日志速记…"), "Ctrl+Shift+J", self.note_dialog.open),
            ("next", self.tr("下一起事件"), "Ctrl+PgDown", lambda: self.cycle_focus(1)),
            ("previous", self.tr("上一起事件"), "Ctrl+PgUp", lambda: self.cycle_focus(-1)),
            ("panel", self.tr("转到战时指挥"), "Ctrl+5", self.focus_command_panel),
            ("stand_down", self.tr("解除应急响应…"), "Ctrl+Shift+X", lambda: self.ask_stand_down(self.war.focus or "")),
            ("report", self.tr("生成总结报告"), "Ctrl+Shift+P", lambda: self.write_report(self._report_target() or "")),
        ):
            act = QAction(text, self._main)
            if shortcut:
                act.setShortcut(QKeySequence(shortcut))
                act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            act.triggered.connect(lambda _c=False, f=slot: f())
            menu.addAction(act)
            self._main.addAction(act)
            self.actions[key] = act
        if not self.war.may_declare():
            for key in ("declare", "stand_down"):
                self.actions[key].setEnabled(False)
                self.actions[key].setToolTip(self.tr("需值班长权限"))

    # ------------------------------------------------------------------ refresh

    def _schedule(self) -> None:
        if not self._refresh_timer.isActive():
            self._refresh_timer.start()

    def _on_incidents_changed(self, _ids: object) -> None:
        self._finish_stand_downs()
        self._schedule()

    def _on_tasks_changed(self, _ids: object) -> None:
        self._schedule()

    def refresh(self) -> None:
        """Bring the window in line with the wartime state (mode, focus, panels)."""
        self.confirm_bar.refresh()
        self.banner.refresh()
        wartime = self.war.in_wartime()
        focus = self.war.focus
        if wartime and (self.mode != "wartime" or focus != self._shown_focus):
            self._apply_wartime(focus)
        elif not wartime and self.mode != "peacetime":
            self._apply_peacetime()
        if self.mode == "wartime":
            self.command_panel.refresh()
            self.metrics_panel.refresh()

    def _apply_wartime(self, incident_id: str | None) -> None:
        inc = self.war.incident(incident_id) if incident_id else None
        if inc is None:
            return
        w = self.window
        first = self.mode != "wartime"
        self.mode = "wartime"
        self._shown_focus = inc.id
        w.header.set_mode("wartime")
        if isinstance(w.map_panel, IncidentMap):
            try:
                w.map_panel.show_incident(inc.location.lon, inc.location.lat, inc.radius_m, inc.title)
            except Exception:  # noqa: BLE001 - the map is one panel; the switch goes on
                log.exception("map could not show the incident")
        cameras = self.war.nearest_cameras(inc.id)
        if isinstance(w.video_wall, CameraWall) and cameras:
            try:
                w.video_wall.show_cameras(cameras)
            except Exception:  # noqa: BLE001
                log.exception("video wall could not show the incident's cameras")
        f = self.war.alert_filter(inc.id)
        w.alert_queue.set_incident_filter(AlertFilter(streets=frozenset(f.get("streets", ())),
                                                      categories=frozenset(f.get("categories", ()))),
                                          f"{inc.type_zh}{self._street_label(inc.street)}")
        ind = w.docks.get("indicators")
        if ind is not None and ind.widget() is not self.metrics_panel:
            self._peace_indicators = ind.widget()
            self._peace_title = ind.windowTitle()
            if self._peace_indicators is not None:
                self._peace_indicators.hide()
            ind.setWidget(self.metrics_panel)
            self.metrics_panel.show()
            ind.setWindowTitle(self.tr("事件指标"))
        if first:
            if self._queue_dock is not None and not self._queue_dock.isFloating() and self._queue_dock.isVisible():
                self._main.tabifyDockWidget(self._queue_dock, self.dock)
            self.dock.show()
            self.dock.raise_()
            # The command panel takes most of the bottom row; sizes settle after the relayout.
            QTimer.singleShot(50, self._size_docks)
        self.command_panel.refresh()
        self.metrics_panel.refresh()
        self.layout_ready_at = time.perf_counter()
        self.layout_changed.emit("wartime")

    def _size_docks(self) -> None:
        """Give the command panel the bottom row's height (the map keeps a little more)."""
        w = self._main
        docks = self.window.docks
        if "map" in docks and self.dock.isVisible():
            h = w.height()
            w.resizeDocks([docks["map"], self.dock], [int(h * 0.44), int(h * 0.42)], Qt.Orientation.Vertical)

    def _apply_peacetime(self) -> None:
        w = self.window
        self.mode = "peacetime"
        self._shown_focus = None
        if isinstance(w.map_panel, IncidentMap):
            try:
                w.map_panel.clear_incident()
            except Exception:  # noqa: BLE001
                log.exception("map could not clear the incident")
        w.alert_queue.set_incident_filter(None)
        ind = w.docks.get("indicators")
        if ind is not None and self._peace_indicators is not None:
            self.metrics_panel.hide()
            ind.setWidget(self._peace_indicators)
            self._peace_indicators.show()
            ind.setWindowTitle(self._peace_title)
        self.dock.hide()
        if self._queue_dock is not None:
            self._queue_dock.show()
            self._queue_dock.raise_()
        self.banner.refresh()
        self.layout_changed.emit("peacetime")

    def _street_label(self, street: str | None) -> str:
        return "·" + self.war.unit_name(f"street.{street}").replace("街道分中心", "") if street else ""

    # ------------------------------------------------------------------ actions

    def open_declare(self) -> DeclareDialog:
        if self.declare_dialog is None:
            self.declare_dialog = DeclareDialog(self.war, self._main)
            self.declare_dialog.declared.connect(lambda _iid: self._schedule())
        self.declare_dialog.show()
        self.declare_dialog.raise_()
        self.declare_dialog.activateWindow()
        return self.declare_dialog

    def set_focus(self, incident_id: str) -> None:
        self.war.set_focus(incident_id)
        self.refresh()

    def cycle_focus(self, step: int) -> None:
        if self.war.cycle_focus(step):
            self.refresh()

    def focus_command_panel(self) -> None:
        if self.mode == "wartime":
            self.dock.show()
            self.dock.raise_()
            self.command_panel.tabs.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def _on_switch_accepted(self, incident_id: str) -> None:
        self.war.confirm_switch(incident_id)
        self.refresh()

    def _on_switch_declined(self, incident_id: str) -> None:
        self.war.decline_switch(incident_id)
        self.refresh()

    def ask_stand_down(self, incident_id: str) -> QMessageBox | None:
        """Non-modal confirmation; on Yes the stand-down command goes out, the report follows its echo."""
        inc = self.war.incident(incident_id) if incident_id else None
        if inc is None:
            return None
        box = QMessageBox(QMessageBox.Icon.Warning, self.tr("解除应急响应"),
                          self.tr("确认解除「{t}」的{l}级应急响应？\n解除后控制台恢复平时布局，并在 {folder} 生成总结报告。").format(
                              t=inc.title, l=inc.level_zh, folder=self._reports_folder()),
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self._main)
        box.setObjectName("StandDownConfirm")
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.finished.connect(lambda result, i=incident_id: self._on_stand_down_answered(i, result))
        box.open()
        self.stand_down_box = box
        return box

    def _on_stand_down_answered(self, incident_id: str, result: int) -> None:
        if result != QMessageBox.StandardButton.Yes:
            return
        self.stand_down(incident_id)

    def stand_down(self, incident_id: str, reason: str = "") -> bool:
        try:
            self.war.stand_down(incident_id, reason)
        except WartimeError as exc:
            self._message(refusal_text(exc), True)
            return False
        self._awaiting_report.add(incident_id)
        # The map still shows the incident now; by the time the echo comes back the
        # console may already be in its peacetime layout.
        self._map_shots[incident_id] = self._map_png()
        self._message(self.tr("解除指令已提交，网关确认后在 {folder} 生成总结报告").format(
            folder=self._reports_folder()), False)
        self._finish_stand_downs()
        self._schedule()
        return True

    def _finish_stand_downs(self) -> None:
        for iid in list(self._awaiting_report):
            inc = self.core.picture.incidents.get(iid)
            if inc is not None and inc.status == "stood_down":
                self._awaiting_report.discard(iid)
                # After the window is back in peacetime: the report is written from a settled state.
                QTimer.singleShot(0, lambda i=iid: self.write_report(i))

    def _reports_folder(self) -> str:
        return str(self.core.reports.folder)

    def _report_target(self) -> str | None:
        if self.war.focus:
            return self.war.focus
        ended = [i for i in self.war.incidents() if i.status == "stood_down"]
        return ended[0].id if ended else None

    def write_report(self, incident_id: str) -> list[Path]:
        """Write the after-action report (HTML + PDF) through the core; the map's picture goes with it."""
        if not incident_id:
            self._message(self.tr("没有可生成报告的事件"), True)
            return []
        from console.aar_report import write_incident_report
        from console.exports import ExportError
        from widgets.pdf import render_pdf

        try:
            shot = self._map_shots.pop(incident_id, None)
            if shot is None:  # the map as it is now (it shows the whole district, whatever the focus)
                shot = self._map_png()
            paths = write_incident_report(self.core, incident_id, map_png=shot, render_pdf=render_pdf)
        except (ExportError, KeyError) as exc:
            self._message(self.tr("总结报告未能生成：{e}").format(e=str(exc)), True)
            return []
        except Exception as exc:  # noqa: BLE001 - never a traceback in the UI
            log.exception("report failed")
            self._message(self.tr("总结报告未能生成：{e}").format(e=type(exc).__name__), True)
            return []
        # The full path: the operator must be able to find the file (also 文件 → 最近的报告).
        self._message(self.tr("总结报告已生成：{p}").format(p=" ; ".join(str(p) for p in paths)), False)
        self.report_written.emit(paths)
        return paths

    def _map_png(self) -> bytes | None:
        map_panel = self.window.map_panel
        if not map_panel.isVisible():
            return None
        try:
            return widget_png(map_panel) or None
        except Exception:  # noqa: BLE001 - the report goes without the picture
            log.exception("map snapshot failed")
            return None

    def _message(self, text: str, error: bool) -> None:
        self.window.status.show_message(text, error=error, timeout_ms=20000)

    def _detach(self, *_args: object) -> None:
        """Stop listening to the core (the window closed, or was destroyed without closing)."""
        self.war.changed.disconnect(self._schedule)
        disconnect_all(((self._notifier.incidents_changed, self._on_incidents_changed),
                        (self._notifier.tasks_changed, self._on_tasks_changed)))


def attach(window: WartimeWindow, core: ConsoleCore, notifier: PictureNotifier) -> WartimeMode | None:
    """The main window's hook: None (logged) when the core has no wartime service."""
    if core.wartime is None:
        return None
    try:
        return WartimeMode(window, core, notifier)
    except Exception:  # noqa: BLE001 - the peacetime console must open regardless
        log.exception("wartime mode unavailable")
        return None

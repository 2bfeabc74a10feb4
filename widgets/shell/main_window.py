"""The duty console's main window: places the panels and routes a few actions.

The window stays thin (STYLE.md): four panels as dock widgets, a header strip
(district, mode, clock), an amber banner while the feed is unreachable, menus with
the duty shortcuts and the status bar. Between panels it routes only "alert picked
in the queue → centre the map, show its cameras" and "alert clicked on the map →
select it in the queue". The dock layout is kept in ``core.preferences`` (a
BlobStore, key ``window/main``); the window itself never touches the disk. The header
strip is :mod:`widgets.shell.header`, the status bar :mod:`widgets.shell.status_bar`.
"""

from __future__ import annotations

import base64
import json
import logging
from typing import Any, Callable

from PySide6.QtCore import QByteArray, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QDockWidget,
    QLabel,
    QMainWindow,
    QMenuBar,
    QVBoxLayout,
    QWidget,
)

from console.clock import freshness
from console.runtime import ConsoleCore
from widgets.alert_queue import AlertQueuePanel
from widgets.bridge import PictureNotifier
from widgets.comms import add_call_dock
from widgets.indicators import IndicatorPanel
from widgets.shell.header import HeaderStrip
from widgets.shell.status_bar import ConsoleStatusBar, clock_text, translated
from widgets.signals import disconnect_all

log = logging.getLogger(__name__)

LAYOUT_KEY = "window/main"
"""BlobStore key of the saved geometry and dock state."""

LAYOUT_VERSION = 1
"""Bumped when the dock set changes, so an old saved state is not forced on new docks."""

OFFLINE_STATES = frozenset({"offline", "reconnecting", "held"})


def _load_panel(module: str, cls: str) -> type | None:
    """Import a panel class; None (logged) when its module cannot be imported.

    The map and the video wall depend on QtWebEngine / QtMultimedia, which a
    workstation may lack; the console must still open with the other panels.
    """
    try:
        mod = __import__(module, fromlist=[cls])
        return getattr(mod, cls)
    except Exception:
        log.exception("panel %s.%s unavailable", module, cls)
        return None


SMALL_SCREEN_HEIGHT = 1050
"""Below this window height the default layout gives the queue and indicators more room."""


def default_size(screen: Any) -> tuple[int, int]:
    """1920×1080, or the screen's available area when it is smaller (a 1366×768 laptop)."""
    if screen is None:
        return 1920, 1080
    avail = screen.availableGeometry()
    return min(1920, avail.width()), min(1080, avail.height())


class MainWindow(QMainWindow):
    """坪山区城市运行指挥中心 · 值班台: the docks, header, offline banner and status bar.

    ``closed`` is emitted once the window has saved its layout and closed; the
    application shuts the core down on it.
    """

    closed = Signal()

    DOCKS: tuple[tuple[str, str], ...] = (
        ("map", "MapDock"),
        ("video", "VideoDock"),
        ("queue", "AlertQueueDock"),
        ("indicators", "IndicatorDock"),
    )

    def __init__(self, core: ConsoleCore, notifier: PictureNotifier, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._core = core
        self._notifier = notifier
        self._closed_once = False
        self.setObjectName("MainWindow")
        self.setWindowTitle(self.tr("坪山区城市运行指挥中心 · 值班台"))
        self.setDockNestingEnabled(True)
        self.setDockOptions(
            QMainWindow.DockOption.AnimatedDocks
            | QMainWindow.DockOption.AllowNestedDocks
            | QMainWindow.DockOption.AllowTabbedDocks
        )
        # The right column (video wall, indicators) runs the full height; the queue
        # sits under the map only.
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        self.setCorner(Qt.Corner.TopRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)

        operator = str(core.config.operator or "")
        self.header = HeaderStrip(operator, self)
        self.banner = QLabel(self)
        self.banner.setObjectName("OfflineBanner")
        self.banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.banner.hide()

        # Panels.
        self.alert_queue = AlertQueuePanel(core, notifier, self)
        self.indicators = IndicatorPanel(core, notifier, self)
        self.map_panel = self._make_panel("widgets.map", "MapPanel", self.tr("地图模块未能加载"))
        self.video_wall = self._make_panel("widgets.video_wall", "VideoWall", self.tr("视频墙模块未能加载"))

        titles = {
            "map": self.tr("地图"),
            "video": self.tr("视频墙"),
            "queue": self.tr("告警队列"),
            "indicators": self.tr("指标"),
        }
        widgets = {"map": self.map_panel, "video": self.video_wall, "queue": self.alert_queue, "indicators": self.indicators}
        self.docks: dict[str, QDockWidget] = {}
        for key, object_name in self.DOCKS:
            dock = QDockWidget(titles[key], self)
            dock.setObjectName(object_name)
            dock.setWidget(widgets[key])
            dock.setFeatures(
                QDockWidget.DockWidgetFeature.DockWidgetMovable
                | QDockWidget.DockWidgetFeature.DockWidgetFloatable
                | QDockWidget.DockWidgetFeature.DockWidgetClosable
            )
            self.docks[key] = dock
        self._default_arrangement()

        # Header, banner and menu bar sit above the dock area.
        top = QWidget(self)
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.setSpacing(0)
        self._menu_bar = QMenuBar(top)
        top_layout.addWidget(self._menu_bar)
        top_layout.addWidget(self.header)
        top_layout.addWidget(self.banner)
        self.setMenuWidget(top)
        self._build_menus()

        self.status = ConsoleStatusBar(core, notifier, self)
        self.setStatusBar(self.status)

        # Cross-panel routes.
        self.alert_queue.alert_selected.connect(self._on_alert_selected)
        self.alert_queue.cameras_requested.connect(self._on_cameras_requested)
        self.alert_queue.message.connect(self.status.show_message)
        self.reports_menu.message.connect(self.status.show_message)
        map_selected = getattr(self.map_panel, "alert_selected", None)
        if map_selected is not None:
            map_selected.connect(self._on_map_alert_selected)
        map_camera = getattr(self.map_panel, "camera_selected", None)
        if map_camera is not None:  # a camera clicked on the map plays on the video wall
            map_camera.connect(lambda camera_id: self._on_cameras_requested([camera_id]))

        # Calling (融合通信, issue 22): the call bar docks at the bottom (widgets/comms).
        self.call_bar = add_call_dock(self, core)

        notifier.connection_changed.connect(self._on_connection_changed)
        notifier.incidents_changed.connect(self._on_incidents_changed)
        notifier.notices_changed.connect(self._on_notices_changed)
        self._on_connection_changed(None)
        self._on_incidents_changed(None)

        self._add_camera_directory()

        self.resize(1920, 1080)  # the duty screen; show_first() fits it to the real screen
        self._sized = self.restore_layout()
        # Wartime command (issue 7): banner, 战时指挥 dock, 战时 menu and the layout switch.
        from widgets.wartime import attach as attach_wartime

        self.wartime_mode = attach_wartime(self, core, notifier)
        from widgets.duty import attach as attach_duty

        self.duty = attach_duty(self, core)  # 值班值守 (issue 22): the 值班 dock, Ctrl+6, the 值班 menu
        if self.duty is not None:
            self.duty.connect_calls(self.call_bar)  # the roster's 呼叫 rings through the call bar
        from widgets.keyboard import keyboard_ready

        keyboard_ready(self)  # Up/Down and Tab in every table (issue 21)

    # ------------------------------------------------------------------ public

    @property
    def core(self) -> ConsoleCore:
        """The core this window shows (its preferences hold the layouts of the window's helpers)."""
        return self._core

    def menu_bar(self) -> QMenuBar:
        """The window's menu bar (it lives in the top strip, above the header)."""
        return self._menu_bar

    def add_under_header(self, *bars: QWidget) -> None:
        """Place strips (the war banner, the switch bar) under the header, in this order."""
        layout = self.menuWidget().layout()
        index = layout.indexOf(self.header) + 1
        for n, bar in enumerate(bars):
            layout.insertWidget(index + n, bar)

    def show_error(self, text: str) -> None:
        """Tell the operator something went wrong, in the status bar (never a traceback)."""
        self.status.show_message(text, error=True, timeout_ms=30000)

    def banner_text(self) -> str:
        """The offline banner's text, empty while it is hidden."""
        return self.banner.text() if not self.banner.isHidden() else ""

    def focus_panel(self, key: str) -> None:
        """Show, raise and focus one panel: map, video, queue or indicators."""
        dock = self.docks[key]
        dock.show()
        dock.raise_()
        target = self.alert_queue.table if key == "queue" else dock.widget()
        target.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def show_first(self) -> None:
        """Show the window as the operator left it (saved geometry: position, size,
        maximised, on the screen it was on), else maximised on its screen — the primary
        one unless the wall placed it — so the status bar, where refusals appear, is
        never below the screen (issue 21)."""
        if self._sized:
            self.show()
            return
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is not None:
            # Un-maximising later gives a window that fits this screen, not 1920×1080.
            avail = screen.availableGeometry()
            w, h = default_size(screen)
            self.setGeometry(avail.x() + (avail.width() - w) // 2, avail.y() + (avail.height() - h) // 2, w, h)
        self.showMaximized()

    def save_layout(self) -> bool:
        """Write geometry and dock state to ``core.preferences``; False if that failed."""
        prefs = self._core.preferences
        if prefs is None:
            return False
        blob = {
            "version": LAYOUT_VERSION,
            "geometry": base64.b64encode(bytes(self.saveGeometry().data())).decode("ascii"),
            "state": base64.b64encode(bytes(self.saveState(LAYOUT_VERSION).data())).decode("ascii"),
            "full_screen": self.isFullScreen(),
        }
        try:
            prefs.put(LAYOUT_KEY, json.dumps(blob))
        except Exception:
            log.exception("window layout not saved")
            return False
        return True

    def restore_layout(self) -> bool:
        """Apply a saved layout from ``core.preferences``; False when none applies."""
        prefs = self._core.preferences
        if prefs is None:
            return False
        try:
            raw = prefs.get(LAYOUT_KEY)
            if not raw:
                return False
            blob = json.loads(raw)
            if blob.get("version") != LAYOUT_VERSION:
                return False
            ok_geometry = self.restoreGeometry(QByteArray(base64.b64decode(blob["geometry"])))
            ok_state = self.restoreState(QByteArray(base64.b64decode(blob["state"])), LAYOUT_VERSION)
        except Exception:
            log.exception("saved window layout unreadable; using the default")
            return False
        return bool(ok_geometry and ok_state)

    def reset_layout(self) -> None:
        """Back to the default duty-screen arrangement."""
        for dock in self.docks.values():
            dock.setFloating(False)
            dock.show()
        self._default_arrangement()
        # Sizes settle only after the relayout this triggers.
        QTimer.singleShot(0, self._apply_default_sizes)

    # ------------------------------------------------------------------ Qt events

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt's name)
        if not self._closed_once:
            self._closed_once = True
            self.save_layout()
            disconnect_all((
                (self._notifier.connection_changed, self._on_connection_changed),
                (self._notifier.incidents_changed, self._on_incidents_changed),
                (self._notifier.notices_changed, self._on_notices_changed),
            ))
            self.status.shutdown()
            # Panels release streams and web pages in their own closeEvent.
            for dock in self.docks.values():
                panel = dock.widget()
                if panel is not None:
                    panel.close()
        super().closeEvent(event)
        self.closed.emit()

    def sizeHint(self) -> QSize:
        return QSize(1920, 1080)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        if not self._sized:
            self._sized = True
            QTimer.singleShot(0, self._apply_default_sizes)

    # ------------------------------------------------------------------ slots

    def _on_connection_changed(self, _state: object) -> None:
        conn = self._core.picture.connection
        state = conn.state
        if state in OFFLINE_STATES:
            # In the workstation's frame, whatever the gateway's clock says (console.clock).
            as_of = freshness(state, conn.data_as_of, conn.last_message_at, self._core.picture.clock).as_of
            text = self.tr("离线 — 数据截至 {t}").format(t=clock_text(as_of))
            if state == "reconnecting":
                text += self.tr("（正在重连…）")
            elif state == "held":
                text += self.tr("（本地日志无法写入，暂停接收）")
            self.banner.setText(text)
            self.banner.show()
        else:
            self.banner.hide()
        self._update_mode()

    def _on_incidents_changed(self, _ids: object) -> None:
        self._update_mode()

    def _on_notices_changed(self, _ids: object) -> None:
        # System notices (cache restored, journal trouble, gateway notices) go to the
        # status bar; warnings and critical ones in the error colour.
        notices = self._core.picture.notices
        recent = notices.recent(1)
        if recent:
            notice = recent[-1]
            code = notices.text_of(notice)
            text = translated(code) if code is not None else notice.text
            self.status.show_message(text, error=notice.severity != "info", timeout_ms=30000)

    def _on_alert_selected(self, alert_id: str) -> None:
        focus = getattr(self.map_panel, "focus_alert", None)
        if callable(focus):
            focus(alert_id)
        alert = self._core.picture.alerts.get(alert_id)
        assign: Callable[[int, str | None], None] | None = getattr(self.video_wall, "assign", None)
        if alert is not None and alert.camera_ids and callable(assign):
            tiles = len(getattr(self.video_wall, "tiles", ())) or 1
            for index, camera_id in enumerate(alert.camera_ids[:tiles]):
                assign(index, camera_id)

    def _on_cameras_requested(self, camera_ids: object) -> None:
        """One click in the detail pane: the alert's nearest cameras fill the wall's tiles."""
        assign: Callable[[int, str | None], None] | None = getattr(self.video_wall, "assign", None)
        if not callable(assign) or not isinstance(camera_ids, (list, tuple)):
            return
        tiles = len(getattr(self.video_wall, "tiles", ())) or 1
        for index, camera_id in enumerate(list(camera_ids)[:tiles]):
            assign(index, camera_id)
        self.docks["video"].show()
        self.docks["video"].raise_()

    def _add_camera_directory(self) -> None:
        """Video (issue 5): the camera directory, tabbed with the queue under the map so
        that it stays visible beside the wall while cameras are dragged onto tiles; the
        wall's messages go to the status bar."""
        self.camera_directory = self._make_panel("widgets.video_wall", "CameraDirectory",
                                                 self.tr("摄像机目录未能加载"))
        dock = QDockWidget(self.tr("摄像机目录"), self)
        dock.setObjectName("CameraDirectoryDock")
        dock.setWidget(self.camera_directory)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable
                         | QDockWidget.DockWidgetFeature.DockWidgetClosable)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
        self.camera_dock = dock
        self._tab_camera_directory()
        show_cameras = getattr(self.video_wall, "show_cameras", None)
        activated = getattr(self.camera_directory, "camera_activated", None)
        if activated is not None and callable(show_cameras):
            activated.connect(lambda cid: show_cameras(
                [cid], getattr(self.video_wall, "focused_index", None) or 0))
        for panel in (self.video_wall, self.camera_directory):
            message = getattr(panel, "message", None)
            if message is not None:
                message.connect(self.status.show_message)

    def _tab_camera_directory(self) -> None:
        dock = getattr(self, "camera_dock", None)
        if dock is not None:
            dock.setFloating(False)
            dock.show()
            self.tabifyDockWidget(self.docks["queue"], dock)
            self.docks["queue"].raise_()

    def _on_map_alert_selected(self, alert_id: str) -> None:
        self.alert_queue.select_alert(alert_id)

    def _on_full_screen_changed(self, on: bool) -> None:
        if on:
            self.showFullScreen()
        else:
            self.showNormal()

    def _on_about_requested(self) -> None:
        from widgets.shell.about import show_about  # version and third-party licences (issue 19)

        self.about_box = show_about(self)

    def _on_shortcuts_requested(self) -> None:
        # Non-modal, one at a time, read afresh from the window's bindings on every open.
        from widgets.shell.shortcut_help import ShortcutHelp

        box = getattr(self, "shortcut_help", None)
        if box is None:
            box = self.shortcut_help = ShortcutHelp(self)
        box.refresh()
        box.show()
        box.raise_()
        box.activateWindow()

    # ------------------------------------------------------------------ helpers

    def _make_panel(self, module: str, cls: str, missing_text: str) -> QWidget:
        panel_cls = _load_panel(module, cls)
        if panel_cls is not None:
            try:
                return panel_cls(self._core, self._notifier, self)
            except Exception:
                log.exception("panel %s failed to start", cls)
        placeholder = QLabel(missing_text, self)
        placeholder.setObjectName("PanelPlaceholder")
        placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        return placeholder

    def _default_arrangement(self) -> None:
        d = self.docks
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, d["map"])
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, d["video"])
        self.splitDockWidget(d["video"], d["indicators"], Qt.Orientation.Vertical)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, d["queue"])
        self._tab_camera_directory()  # video (issue 5): the directory shares the queue's place
        if getattr(self, "duty", None) is not None:
            self.duty.arrange()  # 值班 (issue 22): tabbed with the queue
        self._apply_default_sizes()

    def _apply_default_sizes(self) -> None:
        # Proportions of a 1920×1080 duty screen: map ~68 % of the width, the right
        # column the rest; video wall ~40 % of the column's height; queue ~36 % under
        # the map. Qt honours resizeDocks only once the window has its real size,
        # hence this runs again from the first showEvent.
        d = self.docks
        width = max(self.width(), 1280)
        height = max(self.height(), 720)
        right = max(560, int(width * 0.31))
        self.resizeDocks([d["map"], d["video"]], [width - right, right], Qt.Orientation.Horizontal)
        if height < SMALL_SCREEN_HEIGHT:
            # A 768/1024 px duty screen: the queue and the indicators need the rows more
            # than the map and the video wall need the height (issue 21).
            self.resizeDocks([d["video"], d["indicators"]], [int(height * 0.34), int(height * 0.56)],
                             Qt.Orientation.Vertical)
            self.resizeDocks([d["map"], d["queue"]], [int(height * 0.42), int(height * 0.46)], Qt.Orientation.Vertical)
        else:
            self.resizeDocks([d["video"], d["indicators"]], [int(height * 0.40), int(height * 0.50)],
                             Qt.Orientation.Vertical)
            self.resizeDocks([d["map"], d["queue"]], [int(height * 0.52), int(height * 0.30)], Qt.Orientation.Vertical)

    def _build_menus(self) -> None:
        bar = self._menu_bar
        file_menu = bar.addMenu(self.tr("文件(&F)"))
        quit_action = QAction(self.tr("退出"), self)
        quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        quit_action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)
        self.quit_action = quit_action
        # 打开报告… (Ctrl+O), the reports folder and the recent reports (widgets/shell/reports_menu.py).
        from widgets.shell.reports_menu import ReportsMenu

        self.reports_menu = ReportsMenu(self, file_menu, self._core, before=quit_action)

        view_menu = bar.addMenu(self.tr("视图(&V)"))
        full = QAction(self.tr("全屏"), self)
        full.setShortcut(QKeySequence(Qt.Key.Key_F11))
        full.setCheckable(True)
        full.toggled.connect(self._on_full_screen_changed)
        view_menu.addAction(full)
        self.full_screen_action = full
        view_menu.addSeparator()
        names = {"map": self.tr("地图"), "video": self.tr("视频墙"), "queue": self.tr("告警队列"), "indicators": self.tr("指标")}
        self.focus_actions: dict[str, QAction] = {}
        for n, (key, _obj) in enumerate(self.DOCKS, start=1):
            act = QAction(self.tr("转到{name}").format(name=names[key]), self)
            act.setShortcut(QKeySequence(f"Ctrl+{n}"))
            act.triggered.connect(lambda _checked=False, k=key: self.focus_panel(k))
            view_menu.addAction(act)
            self.focus_actions[key] = act
        view_menu.addSeparator()
        panels = view_menu.addMenu(self.tr("显示面板"))
        for key, _obj in self.DOCKS:
            panels.addAction(self.docks[key].toggleViewAction())
        reset = QAction(self.tr("恢复默认布局"), self)
        reset.triggered.connect(self.reset_layout)
        view_menu.addAction(reset)

        map_actions = getattr(self.map_panel, "menu_actions", None)
        if map_actions:  # offline area, GeoJSON import, layers, rings, measure (widgets/map/toolbar.py)
            bar.addMenu(self.tr("地图(&M)")).addActions(map_actions)

        q = self.alert_queue
        alert_menu = bar.addMenu(self.tr("告警(&A)"))
        self.alert_actions: dict[str, QAction] = {}
        for key, text, shortcut, slot in (
            ("import_cap", self.tr("导入 CAP 预警文件…"), "Ctrl+I", q.import_cap_dialog),
            ("export_csv", self.tr("导出告警清单（CSV）…"), "Ctrl+Shift+E", q.export_csv_dialog),
            ("handover", self.tr("生成值班交接…"), "Ctrl+Shift+H", q.handover_dialog),
        ):
            act = QAction(text, self)
            act.setShortcut(QKeySequence(shortcut))
            act.triggered.connect(lambda _c=False, f=slot: f())
            alert_menu.addAction(act)
            self.alert_actions[key] = act
        alert_menu.addSeparator()
        flash = QAction(self.tr("红橙告警闪烁提醒"), self)
        flash.setCheckable(True)
        flash.setChecked(q.model.flash_enabled)
        flash.toggled.connect(q.set_flash)
        sound = QAction(self.tr("红橙告警声音提醒"), self)
        sound.setCheckable(True)
        sound.setChecked(q.sound_enabled)
        sound.toggled.connect(q.set_sound)
        alert_menu.addAction(flash)
        alert_menu.addAction(sound)
        self.alert_actions["flash"] = flash
        self.alert_actions["sound"] = sound

        help_menu = bar.addMenu(self.tr("帮助(&H)"))
        keys = QAction(self.tr("快捷键"), self)
        keys.setShortcut(QKeySequence(Qt.Key.Key_F1))
        keys.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        keys.triggered.connect(self._on_shortcuts_requested)
        help_menu.addAction(keys)
        about = QAction(self.tr("关于"), self)
        about.triggered.connect(self._on_about_requested)
        help_menu.addAction(about)
        # Actions live on the window too, so their shortcuts work with the menu closed.
        for act in (quit_action, full, keys, *self.focus_actions.values(), *self.alert_actions.values()):
            self.addAction(act)

    def _update_mode(self) -> None:
        picture = self._core.picture
        if picture.connection.state == "drill":
            self.header.set_mode("drill")
            return
        active = any(i.status == "active" for i in picture.incidents.values())
        self.header.set_mode("wartime" if active else "peacetime")

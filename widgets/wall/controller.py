"""Wall mode: one full-screen window per screen, panels placed by the wall config.

:class:`WallController` builds the panels named in a :class:`~console.wall_config.WallConfig`
once (map, video wall, alert queue, large-font indicators), puts each on its screen
in a frameless full-screen :class:`~widgets.wall.window.WallWindow`, and follows the screens: when one is
unplugged (``QGuiApplication.screenRemoved``) its panels move to the remaining wall
screens, and when it comes back (``screenAdded``) they return.  Panels are moved,
never rebuilt, so video keeps playing.  The placement rule itself is
:func:`console.wall_config.place_panels` (pure, tested on its own).

Wall windows never take the keyboard focus and never show dialogs: a dialog raised
by a panel on a wall screen opens on the operator's screen instead.  The operator
drives the wall from their own window with keyboard shortcuts (:data:`WALL_KEYS`).
The video screen's 轮巡 is :class:`~widgets.wall.tour.CameraTour`.
"""

from __future__ import annotations

import functools
import logging
from typing import Any, Callable

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence, QScreen, QWindow
from PySide6.QtWidgets import QApplication, QDialog, QLabel, QWidget

from console.runtime import ConsoleCore
from console.wall_config import Placement, ScreenInfo, ScreenSpec, WallConfig, place_panels
from widgets.bridge import PictureNotifier
from widgets.signals import disconnect_all
from widgets.wall.tour import CameraTour
from widgets.wall.window import WALL_FONT_PT, PanelFrame, WallWindow

log = logging.getLogger(__name__)

WALL_KEYS: tuple[tuple[str, str], ...] = (
    ("Ctrl+Alt+1…9", "选择第 N 块大屏"),
    ("Ctrl+Alt+→ / ←", "所选大屏的视频画面：下一个 / 上一个"),
    ("Ctrl+Alt+Enter", "放大 / 还原所选视频画面"),
    ("Ctrl+Alt+N", "轮巡：立即切到下一组"),
    ("Ctrl+Alt+P", "轮巡：暂停 / 继续"),
    ("Ctrl+Alt+I", "在每块大屏上显示编号"),
)
"""Keyboard operation of the whole wall from the operator's screen."""


def wall_queue(queue: Any) -> None:
    """The alert queue as the room sees it: larger rows and columns, no filters, no
    detail pane and no action buttons (those belong to the operator's screen)."""
    scale = WALL_FONT_PT / 10
    table = getattr(queue, "table", None)
    if table is not None:
        header = table.horizontalHeader()
        # Columns grow less than the font: the title column must keep some room.
        for col in range(max(0, header.count() - 1)):
            table.setColumnWidth(col, int(table.columnWidth(col) * min(scale, 1.25)))
        table.verticalHeader().setDefaultSectionSize(int(28 * scale))
        from widgets.alert_queue import COL_COMMUNITY

        table.setColumnHidden(COL_COMMUNITY, True)  # the title names the place; the room needs the title
    for name in ("detail", "search", "level_filter", "source_filter", "category_filter", "street_filter",
                 "community_filter", "status_filter", "time_filter", "group_box", "ack_button", "group_ack_button"):
        widget = getattr(queue, name, None)
        if isinstance(widget, QWidget):
            widget.hide()


PanelFactory = Callable[[str, ScreenSpec], QWidget]


class WallController(QObject):
    """Places the configured panels on the screens and follows hot-plugging."""

    placement_changed = Signal(object)  # the new Placement

    def __init__(self, config: WallConfig, core: ConsoleCore, notifier: PictureNotifier, operator_window: QWidget | None = None,
                 panel_factory: PanelFactory | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.config = config
        self._core = core
        self._notifier = notifier
        self._operator = operator_window
        self._factory = panel_factory or self._make_panel
        self._removed: set[str] = set()
        self.windows: dict[str, WallWindow] = {}
        self.frames: dict[str, PanelFrame] = {}
        self.tours: dict[str, CameraTour] = {}
        self.placement: Placement | None = None
        self.selected: str | None = None  # screen name
        self.tile_cursor = 0
        self.actions: list[QAction] = []
        self._parking = QWidget()  # holds panels with no screen left (never shown)
        self._parking.setObjectName("WallParking")
        self._closed = False
        titles = {"map": self.tr("地图 · 态势一张图"), "video": self.tr("视频墙"),
                  "queue": self.tr("告警队列"), "indicators": self.tr("指标")}
        self._titles = titles
        for spec in config.screens:
            for key in spec.panels:
                self._build_frame(key, spec)
        notifier.cameras_changed.connect(self._on_cameras_changed)
        app = QGuiApplication.instance()
        assert isinstance(app, QGuiApplication)
        app.screenAdded.connect(self._on_screen_added)
        app.screenRemoved.connect(self._on_screen_removed)
        self._guard = DialogGuard(self)
        app.focusWindowChanged.connect(self._guard.on_focus_window_changed)
        if operator_window is not None:
            self._install_keys(operator_window)

    # ------------------------------------------------------------------ public

    def start(self) -> Placement:
        """Put the operator window on its screen and every panel on its wall screen."""
        placement = self.relayout()
        if self._operator is not None and placement.operator is not None:
            screen = self._screen(placement.operator)
            if screen is not None:
                self._operator.setScreen(screen)
                self._operator.move(screen.availableGeometry().topLeft())
        return placement

    def present_screens(self) -> list[ScreenInfo]:
        """The screens attached now (minus those reported removed)."""
        return [ScreenInfo(s.name(), s.geometry().x(), s.geometry().y())
                for s in QGuiApplication.screens() if s.name() not in self._removed]

    def relayout(self) -> Placement:
        """Apply the placement rule to the screens present now."""
        placement = place_panels(self.config, self.present_screens())
        homes = {}
        for spec in self.config.screens:
            for key in spec.panels:
                homes[key] = spec.label
        for name, keys in placement.screens.items():
            screen = self._screen(name)
            if screen is None:
                continue
            window = self.windows.get(name)
            if window is None:
                window = WallWindow(name, large=self.config.theme == "large")
                self.windows[name] = window
            frames = [self.frames[k] for k in keys]
            window.set_frames(frames)
            for key in keys:
                self.frames[key].set_guest_of(homes[key] if key in placement.guests else None)
            window.place_on(screen)
        for key in placement.parked:
            self.frames[key].setParent(self._parking)
        for name in [n for n in self.windows if n not in placement.screens]:
            window = self.windows.pop(name)
            for frame in window.frames():
                frame.setParent(self._parking)
            window.close()
            window.deleteLater()
        if self.selected not in self.windows:
            self.selected = None
        if placement.guests or placement.parked:
            log.warning("wall: screens missing %s; moved %s, parked %s",
                        [k for k, v in placement.home.items() if v is None], placement.guests, placement.parked)
        self.placement = placement
        self.placement_changed.emit(placement)
        return placement

    def reconfigure(self, config: WallConfig) -> Placement:
        """Apply an edited config live: panels kept where possible, changed ones rebuilt."""
        old = {key: self.config.spec_of(key) for key in self.config.panels}
        self.config = config
        for key in list(self.frames):
            if key not in config.panels or (key == "video" and config.spec_of(key).video != old[key].video):
                self._drop_frame(key)
        for spec in config.screens:
            for key in spec.panels:
                if key not in self.frames:
                    self._build_frame(key, spec)
        return self.relayout()

    def _build_frame(self, key: str, spec: ScreenSpec) -> PanelFrame:
        panel = self._factory(key, spec)
        frame = PanelFrame(key, self._titles[key], panel, self._parking)
        self.frames[key] = frame
        if key == "video":
            tour = CameraTour(panel, self._core, spec.video, self)
            self.tours[key] = tour
            tour.apply()
        return frame

    def _drop_frame(self, key: str) -> None:
        frame = self.frames.pop(key)
        tour = self.tours.pop(key, None)
        if tour is not None:
            tour.stop()
            tour.deleteLater()
        frame.panel.close()
        frame.setParent(None)
        frame.deleteLater()

    def screen_of(self, panel: str) -> str | None:
        """The screen a panel is on now (None when parked)."""
        return self.placement.screen_of(panel) if self.placement is not None else None

    def ordered_windows(self) -> list[WallWindow]:
        """Wall windows by screen position (left to right, top to bottom)."""
        def pos(w: WallWindow) -> tuple[int, int, str]:
            g = w.geometry()
            return (g.x(), g.y(), w.screen_name)

        return sorted(self.windows.values(), key=pos)

    def select_screen(self, number: int) -> bool:
        """Select the N-th wall screen (1-based) for the keyboard commands."""
        windows = self.ordered_windows()
        if not 1 <= number <= len(windows):
            return False
        self.selected = windows[number - 1].screen_name
        self.tile_cursor = 0
        for w in windows:
            w.set_selected(w.screen_name == self.selected)
        windows[number - 1].show_badge(self.tr("大屏 {n}").format(n=number), 1500)
        return True

    def identify(self) -> None:
        """Show every wall screen's number and name for a moment."""
        for n, w in enumerate(self.ordered_windows(), start=1):
            w.show_badge(f"{n} · {w.screen_name}")

    def selected_video(self) -> Any | None:
        if self.selected is None or "video" not in self.frames:
            return None
        window = self.windows.get(self.selected)
        if window is None or self.frames["video"] not in window.frames():
            return None
        return self.frames["video"].panel

    def move_tile_cursor(self, step: int) -> int | None:
        video = self.selected_video()
        if video is None:
            return None
        self.tile_cursor = (self.tile_cursor + step) % len(video.tiles)
        window = self.windows[self.selected or ""]
        window.show_badge(self.tr("画面 {n}").format(n=self.tile_cursor + 1), 1200)
        return self.tile_cursor

    def toggle_tile(self) -> bool:
        video = self.selected_video()
        if video is None:
            return False
        video.toggle_enlarged(self.tile_cursor)
        return True

    def tour_next(self) -> bool:
        tour = self.tours.get("video")
        if tour is None or not tour.active:
            return False
        tour.next()
        return True

    def tour_toggle_pause(self) -> bool | None:
        tour = self.tours.get("video")
        if tour is None or not tour.active:
            return None
        tour.set_paused(not tour.paused)
        window = self.windows.get(self.screen_of("video") or "")
        if window is not None:
            window.show_badge(self.tr("轮巡已暂停") if tour.paused else self.tr("轮巡继续"), 1500)
        return tour.paused

    def close(self) -> None:
        """Close every wall window and stop the panels (streams, web pages)."""
        if self._closed:
            return
        self._closed = True
        app = QGuiApplication.instance()
        if app is not None:
            disconnect_all(((app.screenAdded, self._on_screen_added), (app.screenRemoved, self._on_screen_removed)))  # type: ignore[attr-defined]
            try:
                app.focusWindowChanged.disconnect(self._guard.on_focus_window_changed)  # type: ignore[attr-defined]
            except (RuntimeError, TypeError):
                pass
        try:
            self._notifier.cameras_changed.disconnect(self._on_cameras_changed)
        except (RuntimeError, TypeError):
            pass
        for tour in self.tours.values():
            tour.stop()
        for frame in self.frames.values():
            frame.panel.close()
        for window in self.windows.values():
            window.close()
            window.deleteLater()
        self.windows.clear()
        if self._operator is not None:
            for action in self.actions:
                self._operator.removeAction(action)
        self._parking.deleteLater()

    # ------------------------------------------------------------------ hot-plug

    def _on_screen_removed(self, screen: QScreen) -> None:
        """``QGuiApplication.screenRemoved``: the screen's panels move to the others."""
        self._removed.add(screen.name())
        log.info("screen %s removed", screen.name())
        self.relayout()

    def _on_screen_added(self, screen: QScreen) -> None:
        """``QGuiApplication.screenAdded``: panels whose screen came back go home."""
        self._removed.discard(screen.name())
        log.info("screen %s added", screen.name())
        self.relayout()

    def _on_cameras_changed(self, _ids: object) -> None:
        for tour in self.tours.values():
            tour.refill()

    # ------------------------------------------------------------------ helpers

    def _screen(self, name: str) -> QScreen | None:
        if name in self._removed:
            return None
        return next((s for s in QGuiApplication.screens() if s.name() == name), None)

    def _make_panel(self, key: str, spec: ScreenSpec) -> QWidget:
        large = self.config.theme == "large"
        if key == "queue":
            from widgets.alert_queue import AlertQueuePanel

            queue = AlertQueuePanel(self._core, self._notifier)
            if large:
                wall_queue(queue)
            return queue
        if key == "indicators":
            from widgets.indicators import IndicatorPanel

            return IndicatorPanel(self._core, self._notifier, large=large)
        try:
            if key == "map":
                from widgets.map import MapPanel

                return MapPanel(self._core, self._notifier)
            from widgets.video_wall import VideoWall

            return VideoWall(self._core, self._notifier, columns=spec.video.columns, rows=spec.video.rows)
        except Exception:
            log.exception("wall panel %s unavailable", key)
            placeholder = QLabel(self.tr("模块未能加载"))
            placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
            return placeholder

    def _install_keys(self, window: QWidget) -> None:
        def add(shortcut: str, slot: Callable[[], Any]) -> None:
            act = QAction(window)
            act.setShortcut(QKeySequence(shortcut))
            act.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
            act.triggered.connect(lambda _c=False: slot())
            window.addAction(act)
            self.actions.append(act)

        for n in range(1, 10):
            add(f"Ctrl+Alt+{n}", functools.partial(self.select_screen, n))
        add("Ctrl+Alt+Right", lambda: self.move_tile_cursor(1))
        add("Ctrl+Alt+Left", lambda: self.move_tile_cursor(-1))
        add("Ctrl+Alt+Return", self.toggle_tile)
        add("Ctrl+Alt+N", self.tour_next)
        add("Ctrl+Alt+P", self.tour_toggle_pause)
        add("Ctrl+Alt+I", self.identify)

    def operator_window(self) -> QWidget | None:
        return self._operator

    def is_wall_window(self, widget: QWidget | None) -> bool:
        return widget is not None and widget.window() in self.windows.values()


class DialogGuard(QObject):
    """No dialog on a wall screen: one raised from a wall panel opens on the operator's screen.

    It follows ``QGuiApplication.focusWindowChanged`` (a dialog takes the focus when
    it opens) rather than filtering every event of the application: an app-wide
    Python event filter crashed here together with QtMultimedia's threads.
    """

    def __init__(self, controller: WallController) -> None:
        super().__init__(controller)
        self._controller = controller
        self.redirected = 0

    def on_focus_window_changed(self, window: QWindow | None) -> None:
        if window is None:
            return
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, QDialog) and widget.windowHandle() is window:
                self.check(widget)
                return

    def check(self, dialog: QDialog) -> bool:
        """Move ``dialog`` to the operator's screen if a wall panel raised it."""
        if self._controller.is_wall_window(dialog.parentWidget()):
            self._redirect(dialog)
            return True
        return False

    def _redirect(self, dialog: QDialog) -> None:
        operator = self._controller.operator_window()
        screen = operator.screen() if operator is not None else QGuiApplication.primaryScreen()
        if screen is None:
            return
        geo = screen.availableGeometry()
        dialog.setScreen(screen)
        dialog.move(geo.center().x() - dialog.width() // 2, geo.center().y() - dialog.height() // 2)
        self.redirected += 1
        if operator is not None:
            operator.activateWindow()

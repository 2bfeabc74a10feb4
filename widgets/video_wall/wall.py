"""The video wall: camera tiles in layouts of 1 to 64 (2×2 by default).

Tiles play the cameras' *sub* streams; a double-click enlarges a tile and switches it
to the *main* stream, a second double-click goes back. Each tile
(:class:`widgets.video_wall.tile.VideoTile`) decodes and draws one stream; its stream
rules — watchdog, backoff, parking hidden tiles — are the core's
(:mod:`console.video_stream`).

The wall's state (layout, which camera on which tile, tours, alarm linkage) lives in
:mod:`console.video_wall_model`; this module only draws it and turns operator
gestures (drag and drop, double-click, keys, menus in :mod:`widgets.video_wall.menus`)
into calls on that model or on core services (PTZ commands, snapshots).

On the 64-tile wall a tile (240×135 on a 1920×1080 screen) shows no more than the
third, ``low`` stream (320×180, 12.5 fps); the wall plays ``low`` on every tile except
the focused one (sub-stream, full rate) and the enlarged one (main stream), which
leaves CPU for the rest of the console (see :data:`LOW_STREAM_ABOVE`).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Iterable

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt, QThreadPool, QTimer, Signal, Slot
from PySide6.QtGui import QColor, QCloseEvent
from PySide6.QtWidgets import QGridLayout, QVBoxLayout, QWidget

from console.exports import ExportError
from console.models import Camera
from console.ptz import PtzControl, PtzError
from console.runtime import ConsoleCore
from console.video_snapshot import CameraSnapshots
from console.video_wall_model import LAYOUTS, AlarmLinkage, LinkageRule, Tour, TourRunner, VideoPreferences, WallModel
from widgets.bridge import PictureNotifier
from widgets.signals import disconnect_all
from widgets.video_wall.menus import LAYOUT_KEYS, WallMenus
from widgets.video_wall.tile import VideoTile

LOW_STREAM_ABOVE = 36
"""Walls with more tiles than this (the 64-tile wall) play the third (low) stream on
unfocused tiles: measured on 2 cores, 64 sub-streams ran at 25 fps only with ~130 %
CPU and 1.1 GB, 64 low streams at a steady 12.5 fps with ~90 % and 0.9 GB."""

LEVEL_NAMES: dict[str, str] = {"red": str(QT_TRANSLATE_NOOP("VideoWall", "红色预警")),
                               "orange": str(QT_TRANSLATE_NOOP("VideoWall", "橙色预警"))}
LEVEL_COLOURS = {"red": "#c62828", "orange": "#ef6c00"}


def _layout_for(columns: int, rows: int) -> str:
    n = columns * rows
    if str(n) in LAYOUTS and columns == rows:
        return str(n)
    for name in LAYOUT_KEYS:
        if LAYOUTS[name].tiles >= n and LAYOUTS[name].name.isdigit():
            return name
    return "64"


class VideoWall(WallMenus, QWidget):
    """The video wall: tiles in a layout from :data:`console.video_wall_model.LAYOUTS`.

    Empty tiles are filled from ``core.picture.cameras`` (online cameras, by id)
    whenever the notifier reports camera changes.  Double-clicking a tile enlarges it
    to the whole wall on the camera's main stream; double-clicking again restores
    the grid.  Cameras are dragged onto tiles from the camera directory (or from a
    tile, to swap two tiles); a new red or orange alert brings its nearest cameras
    onto the linkage tiles with a banner until it is acknowledged; tours cycle groups
    of cameras.  ``message(text, error)`` reports outcomes for the status bar.
    """

    enlarged_changed = Signal(object)  # tile index or None
    layout_changed = Signal(str)
    message = Signal(str, bool)

    def __init__(
        self,
        core: ConsoleCore,
        notifier: PictureNotifier,
        parent: QWidget | None = None,
        *,
        columns: int = 2,
        rows: int = 2,
        layout: str | None = None,
        linkage: LinkageRule | None = None,
        toolbar: bool = True,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("VideoWall")
        self.setWindowTitle(self.tr("视频监控"))
        self._core = core
        self._notifier = notifier
        self._enlarged: int | None = None
        self._focused_slot: int | None = None
        self.model = WallModel(layout or _layout_for(columns, rows))
        self.preferences = VideoPreferences(core.preferences)
        self.linkage = AlarmLinkage(linkage or self.preferences.linkage_rule())
        self.tours = TourRunner(self.model, time.monotonic)
        self._ptz = PtzControl(core.commands)

        self.setAutoFillBackground(True)
        palette = self.palette()
        palette.setColor(self.backgroundRole(), QColor("#020508"))
        self.setPalette(palette)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        self._bar = self._build_toolbar() if toolbar else None
        if self._bar is not None:
            outer.addWidget(self._bar)
        self._surface = QWidget(self)
        outer.addWidget(self._surface, 1)
        self._grid = QGridLayout(self._surface)
        self._grid.setContentsMargins(2, 2, 2, 2)
        self._grid.setSpacing(2)
        self._all_tiles: list[VideoTile] = []
        self._relayout()
        self._build_shortcuts()

        self._tour_timer = QTimer(self)
        self._tour_timer.setInterval(250)
        self._tour_timer.timeout.connect(self._on_tour_tick)
        self._tour_timer.start()

        self.model.changed.connect(self._on_model_changed)
        notifier.cameras_changed.connect(self._on_cameras_changed)
        notifier.alerts_changed.connect(self._on_alerts_changed)
        # Alerts already held are not "new" to the wall: only later ones pop up.
        self.linkage.mark_seen(a.id for a in core.picture.alerts.values())
        self._fill_empty_tiles()

    # ------------------------------------------------------------------ public API

    @property
    def tiles(self) -> list[VideoTile]:
        """The tiles of the current layout, in slot order."""
        return self._all_tiles[: self.model.tile_count]

    @property
    def layout_name(self) -> str:
        return self.model.layout.name

    @property
    def enlarged_index(self) -> int | None:
        """Index of the enlarged tile, or None when the grid is shown."""
        return self._enlarged

    @property
    def focused_index(self) -> int | None:
        return self._focused_slot

    def set_layout(self, name: str) -> None:
        """Switch to a layout by name ("1" … "64", "1+5", "1+7"); cameras keep their slots."""
        self.model.set_layout(name)

    def assign(self, index: int, camera_id: str | None) -> None:
        """Put a camera (by id) on a tile, or clear the tile with None."""
        if not 0 <= index < self.model.tile_count:
            return
        self.model.assign(index, camera_id)

    def show_cameras(self, camera_ids: list[str], start_tile: int = 0) -> list[int]:
        """Put cameras onto consecutive tiles from ``start_tile``; returns the tiles used.

        Used by the alert detail and by the wartime mode.  Unknown ids are shown as
        empty tiles rather than refused (the store may learn them a moment later).
        """
        if self._enlarged is not None:
            self.restore()
        ids = [str(c) for c in camera_ids]
        return self.model.show_cameras(ids, max(0, start_tile))

    def swap(self, a: int, b: int) -> None:
        self.model.swap(a, b)

    @Slot(int)
    def toggle_enlarged(self, index: int) -> None:
        """Enlarge a tile, or restore the grid when it is the enlarged one."""
        if self._enlarged == index:
            self.restore()
        else:
            self.enlarge(index)

    def enlarge(self, index: int) -> None:
        """Show one tile over the whole wall on its main stream."""
        if self._enlarged is not None:
            self.restore()
        tile = self._all_tiles[index]
        for other in self.tiles:
            if other is not tile:
                other.hide()
        self._grid.removeWidget(tile)
        lay = self.model.layout
        self._grid.addWidget(tile, 0, 0, lay.rows, lay.columns)
        self._enlarged = index
        tile.smooth = True
        self._apply_streams()
        self.enlarged_changed.emit(index)

    def restore(self) -> None:
        """Back to the grid; the enlarged tile returns to its sub stream."""
        if self._enlarged is None:
            return
        self._enlarged = None
        self._relayout()
        self.enlarged_changed.emit(None)

    def set_linkage_rule(self, rule: LinkageRule, save: bool = False) -> None:
        """Which alert levels pop up cameras, within which radius, onto which tiles;
        ``save`` keeps it in the cache for the next start."""
        self.linkage.rule = rule
        if save:
            try:
                self.preferences.save_linkage_rule(rule)
            except OSError as exc:
                self.message.emit(self.tr("联动设置未保存：{error}").format(error=exc), True)

    def start_tour(self, tour: Tour) -> None:
        self.tours.start(tour)
        self._update_tour_label()

    def toggle_tour_pause(self) -> None:
        if self.tours.tour is None:
            return
        if self.tours.running:
            self.tours.pause()
        else:
            self.tours.resume()
        self._update_tour_label()

    def skip_tour(self) -> None:
        self.tours.skip()
        self._update_tour_label()

    def stop_tour(self) -> None:
        self.tours.stop()
        self._update_tour_label()

    def snapshot(self, index: int | None = None) -> Path | None:
        """Save the focused (or given) tile as PNG through the snapshot service; returns the path."""
        slot = self._focused_slot if index is None else index
        if slot is None and self._enlarged is not None:
            slot = self._enlarged
        tile = self._all_tiles[slot] if slot is not None and slot < len(self._all_tiles) else None
        if tile is None or tile.camera_id is None:
            self.message.emit(self.tr("截图未保存：请先选中一个有摄像机的画面"), True)
            return None
        try:
            path = CameraSnapshots.for_core(self._core).save(tile.render_png(), tile.camera_id, tile.camera_name)
        except (ExportError, OSError) as exc:
            self.message.emit(self.tr("截图未保存：{error}").format(error=exc), True)
            return None
        self.message.emit(self.tr("已保存截图：{name}").format(name=path.name), False)
        return path

    def ptz(self, index: int, action: str) -> bool:
        """One PTZ step for the camera on a tile, as a ``camera.ptz`` command; False if refused."""
        tile = self._all_tiles[index] if 0 <= index < len(self._all_tiles) else None
        camera = self._camera(tile.camera_id) if tile is not None and tile.camera_id else None
        try:
            self._ptz.step(camera, action)
        except PtzError as exc:
            self.message.emit(str(exc), True)
            return False
        except Exception as exc:  # noqa: BLE001 - the outbox could not store it
            self.message.emit(self.tr("云台指令未提交：{error}").format(error=exc), True)
            return False
        return True

    def save_wall(self, name: str) -> None:
        try:
            self.preferences.save_wall(name, self.model)
        except (ValueError, OSError) as exc:
            self.message.emit(self.tr("画面方案未保存：{error}").format(error=exc), True)
            return
        self.message.emit(self.tr("已保存画面方案：{name}").format(name=name), False)

    def load_wall(self, name: str) -> bool:
        if self._enlarged is not None:
            self.restore()
        return self.preferences.load_wall(name, self.model)

    # ------------------------------------------------------------------ handlers

    def _on_model_changed(self, slots: set[int], layout: bool) -> None:
        if layout:
            self._enlarged = None
            self._relayout()
            self.layout_changed.emit(self.model.layout.name)
        for slot in sorted(slots):
            if slot < len(self._all_tiles):
                self._all_tiles[slot].assign(self._camera(self.model.camera_at(slot)))
        if layout:
            self._fill_empty_tiles()  # a larger layout shows more of the online cameras

    def _on_cameras_changed(self, ids: Iterable[str]) -> None:
        changed = set(ids)
        for tile in self._all_tiles:
            wanted = self.model.camera_at(tile.index)
            if wanted is not None and wanted in changed:
                # Status or stream URLs of a shown camera changed, or a camera put on
                # the wall before the store knew it has arrived.
                camera = self._camera(wanted)
                if camera is not None:
                    tile.assign(camera)
        self._fill_empty_tiles()

    def _on_alerts_changed(self, ids: Iterable[str]) -> None:
        store = self._core.picture.alerts
        cleared = self.linkage.clear_acknowledged(store.get)
        # Changed alerts, and those waiting for a linkage tile to be acknowledged.
        wanted = set(ids) | set(self.linkage.held_ids())
        changed = [a for a in (store.get(i) for i in wanted) if a is not None]
        results = self.linkage.consider(changed, self._core.picture.cameras)
        for result in results:
            visible = [(s, c, d) for s, c, d in result.placements if s < self.model.tile_count]
            if self._enlarged is not None and visible:
                self.restore()
            for slot, camera_id, _d in visible:
                self.model.assign(slot, camera_id)
        for slot in cleared | {s for r in results for s, _c, _d in r.placements}:
            self._paint_banner(slot)
        if results:
            alert = store.get(results[0].alert_id)
            if alert is not None:
                self.message.emit(self.tr("告警联动：{title}，已调取附近 {n} 路视频").format(
                    title=alert.title, n=len(results[0].placements)), False)

    def _on_tour_tick(self) -> None:
        if self.tours.tick():
            self._update_tour_label()

    def _on_tile_focused(self, slot: int) -> None:
        if self._focused_slot == slot:
            return
        self._focused_slot = slot
        self._apply_streams()

    # ------------------------------------------------------------------ internals

    def _camera(self, camera_id: str | None) -> Camera | None:
        return self._core.picture.cameras.get(camera_id) if camera_id else None

    def _make_tile(self, index: int) -> VideoTile:
        tile = VideoTile(index, self._surface)
        tile.hide()
        tile.activated.connect(lambda i=index: self.toggle_enlarged(i))
        tile.camera_dropped.connect(self._on_camera_dropped)
        tile.tile_dropped.connect(self.swap)
        tile.ptz_requested.connect(lambda action, i=index: self.ptz(i, action))
        tile.focused.connect(lambda i=index: self._on_tile_focused(i))
        tile.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        tile.customContextMenuRequested.connect(lambda pos, i=index: self._tile_menu(i, pos))
        return tile

    def _on_camera_dropped(self, slot: int, camera_id: str) -> None:
        if self._camera(camera_id) is None:
            self.message.emit(self.tr("未知的摄像机：{id}").format(id=camera_id), True)
            return
        self.model.assign(slot, camera_id)

    def _relayout(self) -> None:
        lay = self.model.layout
        # QtMultimedia opens (and probes) each stream in a task on Qt's global thread
        # pool, which has one thread per core: on 2 cores 36 tiles came up two at a
        # time, ~2 s apart, and the watchdog gave up on the last ones (measured).
        # Opening is waiting on the network, not computing: allow one per tile.
        pool = QThreadPool.globalInstance()
        if pool.maxThreadCount() < lay.tiles + 4:
            pool.setMaxThreadCount(lay.tiles + 4)
        while len(self._all_tiles) < lay.tiles:
            tile = self._make_tile(len(self._all_tiles))
            self._all_tiles.append(tile)
            tile.assign(self._camera(self.model.camera_at(tile.index)))
        for tile in self._all_tiles:
            self._grid.removeWidget(tile)
        for r in range(max(self._grid.rowCount(), 8)):
            self._grid.setRowStretch(r, 0)
        for c in range(max(self._grid.columnCount(), 8)):
            self._grid.setColumnStretch(c, 0)
        for slot, tile in enumerate(self._all_tiles):
            if slot < lay.tiles:
                cell = lay.cells[slot]
                self._grid.addWidget(tile, cell.row, cell.col, cell.rowspan, cell.colspan)
            else:
                tile.hide()  # beyond the layout: keeps its camera, stops decoding
        for r in range(lay.rows):
            self._grid.setRowStretch(r, 1)
        for c in range(lay.columns):
            self._grid.setColumnStretch(c, 1)
        for tile in self.tiles:
            tile.smooth = lay.tiles <= 4 or tile.index in lay.large_slots
            tile.show()
        if self._focused_slot is not None and self._focused_slot >= lay.tiles:
            self._focused_slot = None
        self._apply_streams()
        for slot in range(lay.tiles):
            self._paint_banner(slot)
        if self._bar is not None:
            self._layout_button.setText(self.tr("画面 {name}").format(name=lay.name))

    def _apply_streams(self) -> None:
        """Main stream when enlarged; on large walls the third stream except on the focused tile."""
        many = self.model.tile_count > LOW_STREAM_ABOVE
        for tile in self.tiles:
            if self._enlarged == tile.index:
                tile.set_stream("main")
            elif many and tile.index != self._focused_slot:
                tile.set_stream("low")
            else:
                tile.set_stream("sub")

    def _paint_banner(self, slot: int) -> None:
        if slot >= len(self._all_tiles):
            return
        banner = self.linkage.banner_at(slot)
        tile = self._all_tiles[slot]
        if banner is None:
            tile.set_banner(None)
            return
        level = QCoreApplication.translate("VideoWall", LEVEL_NAMES.get(banner.level, banner.level))
        text = self.tr("{level} · {title} · 距 {m} 米 · 待签收").format(
            level=level, title=banner.title, m=f"{banner.distance_m:.0f}")
        tile.set_banner(text, LEVEL_COLOURS.get(banner.level, "#c62828"))

    def _fill_empty_tiles(self) -> None:
        visible = self.model.visible()
        empty = [i for i, cid in enumerate(visible) if cid is None]
        if not empty:
            return
        shown = set(visible)
        candidates = sorted(
            (c for c in self._core.picture.cameras.values()
             if c.status == "online" and c.id not in shown),
            key=lambda c: c.id,
        )
        for slot, camera in zip(empty, candidates):
            self.model.assign(slot, camera.id)

    def _focused_tile_slot(self) -> int | None:
        if self._enlarged is not None:
            return self._enlarged
        return self._focused_slot

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        """Stop every stream and stop listening to the core."""
        self._tour_timer.stop()
        for tile in self._all_tiles:
            tile.shutdown()
        disconnect_all(((self._notifier.cameras_changed, self._on_cameras_changed),
                        (self._notifier.alerts_changed, self._on_alerts_changed)))
        super().closeEvent(event)

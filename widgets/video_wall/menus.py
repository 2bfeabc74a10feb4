"""The video wall's toolbar, menus and keys: layouts, tours, saved walls, linkage, tile menu.

:class:`WallMenus` is a part of :class:`widgets.video_wall.wall.VideoWall` (a mixin):
it builds the toolbar (layout, 轮巡, 画面方案, 告警联动, 截图 and the tour label), the
wall's shortcuts (Alt+1 … Alt+9, Enter, Esc, Ctrl+Shift+S, T, N, Delete), fills the
drop-down menus when they open and pops up a tile's context menu (enlarge, snapshot,
PTZ, clear). Every entry calls the wall's public API; nothing here holds state.

Texts are translated in the wall's context ("VideoWall"), where the catalogue keeps them.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QPoint, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QInputDialog, QLabel, QMenu, QToolButton, QWidget

from console.video_wall_model import LAYOUTS, Tour

LAYOUT_KEYS = ("1", "4", "9", "16", "25", "36", "64", "1+5", "1+7")
"""Layouts in menu order; Alt+1 … Alt+9 pick them."""

if TYPE_CHECKING:  # what the mixin reads of the wall (no import: the wall imports this module)
    from PySide6.QtCore import SignalInstance

    from console.runtime import ConsoleCore
    from console.video_wall_model import AlarmLinkage, TourRunner, VideoPreferences, WallModel


class WallMenus:
    """The wall's toolbar, shortcuts and menus (mixed into ``VideoWall``, a ``QWidget``)."""

    if TYPE_CHECKING:
        model: WallModel
        preferences: VideoPreferences
        linkage: AlarmLinkage
        tours: TourRunner
        message: SignalInstance
        _core: ConsoleCore
        _bar: QWidget | None
        _focused_slot: int | None

    def _build_toolbar(self) -> QWidget:
        bar = QWidget(self)
        bar.setObjectName("VideoWallBar")
        row = QHBoxLayout(bar)
        row.setContentsMargins(4, 2, 4, 2)
        row.setSpacing(4)

        self._layout_button = QToolButton(bar)
        self._layout_button.setToolTip(QCoreApplication.translate("VideoWall", "画面布局（Alt+1 … Alt+9）"))
        self._layout_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self._layout_button)
        for k, name in enumerate(LAYOUT_KEYS):
            label = QCoreApplication.translate("VideoWall", "{n} 画面").format(n=LAYOUTS[name].tiles) if name.isdigit() else \
                QCoreApplication.translate("VideoWall", "1 大 {n} 小").format(n=LAYOUTS[name].tiles - 1)
            act = menu.addAction(f"{label}\tAlt+{k + 1}")
            act.triggered.connect(lambda _=False, n=name: self.set_layout(n))
        self._layout_button.setMenu(menu)
        row.addWidget(self._layout_button)

        self._tour_button = QToolButton(bar)
        self._tour_button.setText(QCoreApplication.translate("VideoWall", "轮巡"))
        self._tour_button.setToolTip(QCoreApplication.translate("VideoWall", "轮巡：T 暂停/继续，N 下一组"))
        self._tour_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self._tour_menu = QMenu(self._tour_button)
        self._tour_menu.aboutToShow.connect(self._fill_tour_menu)
        self._tour_button.setMenu(self._tour_menu)
        row.addWidget(self._tour_button)

        self._preset_button = QToolButton(bar)
        self._preset_button.setText(QCoreApplication.translate("VideoWall", "画面方案"))
        self._preset_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self._preset_menu = QMenu(self._preset_button)
        self._preset_menu.aboutToShow.connect(self._fill_preset_menu)
        self._preset_button.setMenu(self._preset_menu)
        row.addWidget(self._preset_button)

        self._linkage_button = QToolButton(bar)
        self._linkage_button.setText(QCoreApplication.translate("VideoWall", "告警联动"))
        self._linkage_button.setToolTip(QCoreApplication.translate("VideoWall", "红色、橙色预警自动调取附近摄像机"))
        self._linkage_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self._linkage_menu = QMenu(self._linkage_button)
        self._linkage_menu.aboutToShow.connect(self._fill_linkage_menu)
        self._linkage_button.setMenu(self._linkage_menu)
        row.addWidget(self._linkage_button)

        shot = QToolButton(bar)
        shot.setText(QCoreApplication.translate("VideoWall", "截图"))
        shot.setToolTip(QCoreApplication.translate("VideoWall", "保存选中画面的截图（Ctrl+Shift+S）"))
        shot.clicked.connect(lambda: self.snapshot())
        row.addWidget(shot)

        self._tour_label = QLabel(bar)
        self._tour_label.setObjectName("VideoWallTourLabel")
        row.addWidget(self._tour_label, 1)
        return bar

    def _build_shortcuts(self) -> None:
        def add(keys: str, fn: Any) -> None:
            sc = QShortcut(QKeySequence(keys), self)
            sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            sc.activated.connect(fn)

        for k, name in enumerate(LAYOUT_KEYS):
            add(f"Alt+{k + 1}", lambda n=name: self.set_layout(n))
        add("Return", self._toggle_selected)
        add("Escape", self.restore)
        add("Ctrl+Shift+S", lambda: self.snapshot())
        add("T", self.toggle_tour_pause)
        add("N", self.skip_tour)
        add("Delete", self._clear_selected)

    def _toggle_selected(self) -> None:
        slot = self._focused_tile_slot()
        if slot is not None:
            self.toggle_enlarged(slot)

    def _clear_selected(self) -> None:
        if self._focused_slot is not None:
            self.assign(self._focused_slot, None)

    def _fill_tour_menu(self) -> None:
        menu = self._tour_menu
        menu.clear()
        for name, tour in sorted(self.preferences.tours().items()):
            where = QCoreApplication.translate("VideoWall", "整墙") if tour.slot is None else QCoreApplication.translate("VideoWall", "单画面")
            act = menu.addAction(QCoreApplication.translate("VideoWall", "{name}（{where}，{s} 秒）").format(name=name, where=where, s=f"{tour.interval_s:.0f}"))
            act.triggered.connect(lambda _=False, t=tour: self.start_tour(t))
        favs = sorted(self.preferences.favourites())
        if favs:
            act = menu.addAction(QCoreApplication.translate("VideoWall", "收藏摄像机（整墙，10 秒）"))
            act.triggered.connect(lambda: self.start_tour(Tour(QCoreApplication.translate("VideoWall", "收藏摄像机"), favs, 10.0, None)))
            slot = self._focused_slot
            if slot is not None:
                act = menu.addAction(QCoreApplication.translate("VideoWall", "收藏摄像机（选中画面，10 秒）"))
                act.triggered.connect(lambda: self.start_tour(Tour(QCoreApplication.translate("VideoWall", "收藏摄像机"), favs, 10.0, slot)))
        online = sorted(c.id for c in self._core.picture.cameras.values() if c.status == "online")
        if online:
            act = menu.addAction(QCoreApplication.translate("VideoWall", "全部在线摄像机（整墙，10 秒）"))
            act.triggered.connect(lambda: self.start_tour(Tour(QCoreApplication.translate("VideoWall", "全部在线"), online, 10.0, None)))
        menu.addSeparator()
        menu.addAction(QCoreApplication.translate("VideoWall", "暂停 / 继续\tT"), self.toggle_tour_pause)
        menu.addAction(QCoreApplication.translate("VideoWall", "下一组\tN"), self.skip_tour)
        menu.addAction(QCoreApplication.translate("VideoWall", "停止轮巡"), self.stop_tour)
        menu.addAction(QCoreApplication.translate("VideoWall", "将当前画面存为轮巡分组…"), self._ask_tour_name)

    def _fill_linkage_menu(self) -> None:
        menu = self._linkage_menu
        menu.clear()
        rule = self.linkage.rule
        on = menu.addAction(QCoreApplication.translate("VideoWall", "启用告警联动"))
        on.setCheckable(True)
        on.setChecked(rule.enabled)
        on.toggled.connect(lambda v: self.set_linkage_rule(replace(self.linkage.rule, enabled=v), save=True))
        menu.addSeparator()
        for metres in (500, 1000, 1500, 3000):
            act = menu.addAction(QCoreApplication.translate("VideoWall", "半径 {m} 米").format(m=metres))
            act.setCheckable(True)
            act.setChecked(abs(rule.radius_m - metres) < 1)
            act.triggered.connect(lambda _=False, m=metres: self.set_linkage_rule(
                replace(self.linkage.rule, radius_m=float(m)), save=True))
        menu.addSeparator()
        for count in (1, 2, 4):
            act = menu.addAction(QCoreApplication.translate("VideoWall", "调取到前 {n} 个画面").format(n=count))
            act.setCheckable(True)
            act.setChecked(rule.slots == tuple(range(count)))
            act.triggered.connect(lambda _=False, n=count: self.set_linkage_rule(
                replace(self.linkage.rule, slots=tuple(range(n))), save=True))

    def _fill_preset_menu(self) -> None:
        menu = self._preset_menu
        menu.clear()
        for name in sorted(self.preferences.walls()):
            act = menu.addAction(name)
            act.triggered.connect(lambda _=False, n=name: self.load_wall(n))
        menu.addSeparator()
        menu.addAction(QCoreApplication.translate("VideoWall", "保存当前画面方案…"), self._ask_wall_name)

    def _ask_name(self, title: str, done: Any) -> None:
        dialog = QInputDialog(self)
        dialog.setWindowTitle(title)
        dialog.setLabelText(QCoreApplication.translate("VideoWall", "名称："))
        dialog.textValueSelected.connect(lambda text: done(text.strip()))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def _ask_wall_name(self) -> None:
        self._ask_name(QCoreApplication.translate("VideoWall", "保存画面方案"), lambda name: self.save_wall(name))

    def _ask_tour_name(self) -> None:
        def save(name: str) -> None:
            ids = [c for c in self.model.visible() if c]
            try:
                self.preferences.save_tour(Tour(name, ids, 10.0, None))
            except (ValueError, OSError) as exc:
                self.message.emit(QCoreApplication.translate("VideoWall", "轮巡分组未保存：{error}").format(error=exc), True)
                return
            self.message.emit(QCoreApplication.translate("VideoWall", "已保存轮巡分组：{name}").format(name=name), False)

        self._ask_name(QCoreApplication.translate("VideoWall", "保存轮巡分组"), save)

    def _update_tour_label(self) -> None:
        if self._bar is None:
            return
        tour = self.tours.tour
        if tour is None:
            self._tour_label.setText("")
        elif self.tours.running:
            self._tour_label.setText(QCoreApplication.translate("VideoWall", "轮巡中：{name}").format(name=tour.name))
        else:
            self._tour_label.setText(QCoreApplication.translate("VideoWall", "轮巡已暂停：{name}").format(name=tour.name))

    def _tile_menu(self, index: int, pos: QPoint) -> None:
        tile = self._all_tiles[index]
        menu = QMenu(tile)
        menu.addAction(QCoreApplication.translate("VideoWall", "放大 / 还原\tEnter"), lambda: self.toggle_enlarged(index))
        menu.addAction(QCoreApplication.translate("VideoWall", "截图\tCtrl+Shift+S"), lambda: self.snapshot(index))
        camera = self._camera(tile.camera_id)
        if camera is not None and camera.ptz:
            ptz = menu.addMenu(QCoreApplication.translate("VideoWall", "云台"))
            for action, label in (("left", QCoreApplication.translate("VideoWall", "左转\t←")), ("right", QCoreApplication.translate("VideoWall", "右转\t→")),
                                  ("up", QCoreApplication.translate("VideoWall", "上仰\t↑")), ("down", QCoreApplication.translate("VideoWall", "下俯\t↓")),
                                  ("zoom_in", QCoreApplication.translate("VideoWall", "放大\t+")), ("zoom_out", QCoreApplication.translate("VideoWall", "缩小\t-"))):
                act = ptz.addAction(label)
                act.triggered.connect(lambda _checked=False, a=action: self._ptz_from_menu(index, a))
        menu.addAction(QCoreApplication.translate("VideoWall", "清空画面\tDelete"), lambda: self._clear_tile(index))
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(tile.mapToGlobal(pos))

    def _clear_tile(self, index: int) -> None:
        self.assign(index, None)

    def _ptz_from_menu(self, index: int, action: str) -> None:
        self.ptz(index, action)


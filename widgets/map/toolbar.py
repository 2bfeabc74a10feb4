"""The map's header row and its 地图 menu: status line, offline badge, jump list, tool buttons.

Built on the panel (the widgets are the panel's children, laid out in its header row);
the panel connects them to what they do. The texts belong to the map's translation
context (``MapPanel``), where the catalogue has always kept them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QToolButton, QWidget


@dataclass(frozen=True)
class MapHeader:
    """The header row's widgets (children of the panel) and the row's layout."""

    layout: QHBoxLayout
    status: QLabel
    mode: QLabel
    jump: QComboBox
    home: QToolButton
    rings: QToolButton
    measure: QToolButton
    devices: QToolButton
    layers: QToolButton
    offline: QToolButton


def _tool(parent: QWidget, text: str, tip: str, checkable: bool = False) -> QToolButton:
    button = QToolButton(parent)
    button.setText(text)
    button.setToolTip(tip)
    button.setCheckable(checkable)
    return button


def build_header(panel: QWidget, has_tiles: bool) -> MapHeader:
    """Status, offline badge, jump-to and the tool buttons, in one row (not yet connected)."""
    status = QLabel(QCoreApplication.translate("MapPanel", "态势地图 · 加载中…"), panel)
    status.setObjectName("MapPanelStatus")
    # Wraps rather than widening the map's minimum (a 1280/1366 px duty screen, issue 21).
    status.setWordWrap(True)
    mode = QLabel(panel)
    mode.setObjectName("MapModeBadge")
    mode.setStyleSheet("QLabel { background: #b26a00; color: #fff; padding: 1px 6px; border-radius: 3px; }")
    mode.hide()
    jump = QComboBox(panel)
    jump.setObjectName("MapJump")
    jump.setMinimumWidth(110)
    jump.setToolTip(QCoreApplication.translate("MapPanel", "定位到街道或社区（Ctrl+Shift+G）"))
    home = _tool(panel, QCoreApplication.translate("MapPanel", "全区"),
                 QCoreApplication.translate("MapPanel", "缩放到坪山区全域（Home）"))
    devices = _tool(panel, QCoreApplication.translate("MapPanel", "物联设备"),
                    QCoreApplication.translate("MapPanel", "在地图上显示/隐藏物联感知设备（Ctrl+Shift+I）"),
                    checkable=True)
    rings = _tool(panel, QCoreApplication.translate("MapPanel", "周边"), QCoreApplication.translate(
        "MapPanel",
        "以选中告警（或地图中心）为圆心画 500 米 / 1 公里 / 3 公里范围圈，列出周边资源（Ctrl+Shift+R；右键地图任一点亦可）"))
    measure = _tool(panel, QCoreApplication.translate("MapPanel", "测距"),
                    QCoreApplication.translate("MapPanel", "测量距离：依次点击地图，Esc 结束（Ctrl+Shift+M）"),
                    checkable=True)
    layers = _tool(panel, QCoreApplication.translate("MapPanel", "图层"),
                   QCoreApplication.translate("MapPanel", "图层目录：分类、搜索、开关、透明度、导入 GeoJSON（Ctrl+Shift+B）"),
                   checkable=True)
    offline = _tool(panel, QCoreApplication.translate("MapPanel", "离线区域…"),
                    QCoreApplication.translate("MapPanel", "准备离线区域：下载一个范围的底图瓦片（Ctrl+Shift+O）"))
    offline.setEnabled(has_tiles)
    row = QHBoxLayout()
    row.setContentsMargins(4, 2, 4, 2)
    row.addWidget(status, 1)
    row.addWidget(mode)
    row.addWidget(jump)
    for button in (home, rings, measure, devices, layers, offline):
        row.addWidget(button)
    return MapHeader(row, status, mode, jump, home, rings, measure, devices, layers, offline)


def set_jump_entries(jump: QComboBox, entries: list[tuple[str, str]]) -> None:
    """Fill the jump list (feature id, label) after its 定位到… prompt; unchanged entries are left alone."""
    current = [jump.itemData(i) for i in range(jump.count())]
    if [None] + [e[0] for e in entries] == current:
        return
    jump.clear()
    jump.addItem(QCoreApplication.translate("MapPanel", "定位到…"), None)
    for feature_id, label in entries:
        jump.addItem(label, feature_id)


@dataclass(frozen=True)
class MenuSlots:
    """What each entry of the 地图 menu does."""

    offline_area: Callable[[], Any]
    import_geojson: Callable[[], Any]
    import_mbtiles: Callable[[], Any]
    layers: Callable[[], Any]
    rings: Callable[[], Any]
    measure: Callable[[], Any]
    district: Callable[[], Any]


def build_menu_actions(panel: QWidget, slots: MenuSlots, has_tiles: bool) -> list[QAction]:
    """The main window's 地图 menu; the panel's own keys work while the map has focus
    (the text after the tab only displays the key: no second, ambiguous shortcut)."""
    actions: list[QAction] = []
    for text, slot in (
        (QCoreApplication.translate("MapPanel", "准备离线区域…") + "\tCtrl+Shift+O", slots.offline_area),
        (QCoreApplication.translate("MapPanel", "导入 GeoJSON 图层…"), slots.import_geojson),
        (QCoreApplication.translate("MapPanel", "导入离线地图包（MBTiles）…"), slots.import_mbtiles),
        (QCoreApplication.translate("MapPanel", "图层目录") + "\tCtrl+Shift+B", slots.layers),
        (QCoreApplication.translate("MapPanel", "周边范围圈（500 米 / 1 公里 / 3 公里）") + "\tCtrl+Shift+R", slots.rings),
        (QCoreApplication.translate("MapPanel", "测距") + "\tCtrl+Shift+M", slots.measure),
        (QCoreApplication.translate("MapPanel", "缩放到全区") + "\tHome", slots.district),
    ):
        action = QAction(text, panel)
        action.triggered.connect(lambda _checked=False, f=slot: f())
        actions.append(action)
    actions[0].setEnabled(has_tiles)
    actions[2].setEnabled(has_tiles)
    return actions

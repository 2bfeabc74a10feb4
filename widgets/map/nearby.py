"""The map's 周边 list: what lies near a point (cameras, resources, IoT devices), by distance.

Filled by the panel's radius rings and the wartime incident view from
:func:`console.nearby.nearby`. Its texts belong to the map's translation context
(``MapPanel``), where the catalogue has always kept them.
"""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QTreeWidget, QTreeWidgetItem, QWidget

from console.nearby import NearbyThing


def format_distance(metres: float) -> str:
    """"850 米" below a kilometre, "1.25 公里" from there (translated)."""
    if metres < 1000:
        return QCoreApplication.translate("MapPanel", "{m} 米").format(m=int(round(metres)))
    return QCoreApplication.translate("MapPanel", "{km} 公里").format(km=f"{metres / 1000:.2f}")


KIND_TEXTS: dict[str, str] = {
    "camera": QT_TRANSLATE_NOOP("MapPanel", "视频监控"),
    "device": QT_TRANSLATE_NOOP("MapPanel", "物联设备"),
    "resource": QT_TRANSLATE_NOOP("MapPanel", "应急资源"),
    "rescue_team": QT_TRANSLATE_NOOP("MapPanel", "救援队伍"),
    "shelter": QT_TRANSLATE_NOOP("MapPanel", "避难场所"),
    "warehouse": QT_TRANSLATE_NOOP("MapPanel", "物资仓库"),
}
"""The 类型 column: a thing's kind (a resource's own kind when known), worded by the view."""


def kind_text(thing: NearbyThing) -> str:
    """The translated kind of a nearby thing; an unknown resource kind as the core words it."""
    key = thing.sub_kind or thing.kind
    if key in KIND_TEXTS:
        return QCoreApplication.translate("MapPanel", KIND_TEXTS[key])
    return thing.detail


class NearbyList(QTreeWidget):
    """Nearby things grouped by kind, nearest first; ``thing_activated(NearbyThing)`` on a
    double click (the panel puts a camera on the wall and centres the map on the thing)."""

    thing_activated = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("MapNearby")
        self.setHeaderLabels([QCoreApplication.translate("MapPanel", "距离"),
                              QCoreApplication.translate("MapPanel", "名称"),
                              QCoreApplication.translate("MapPanel", "类别")])
        self.setColumnWidth(0, 110)
        self.setColumnWidth(1, 190)
        self.setToolTip(QCoreApplication.translate(
            "MapPanel", "按距离排列；双击视频监控上墙播放，双击其他项在地图上定位"))
        self.itemActivated.connect(self._on_item_activated)

    def set_things(self, things: list[NearbyThing]) -> None:
        """Show these things (already sorted by distance); an empty list clears the pane."""
        self.clear()
        groups = (("camera", QCoreApplication.translate("MapPanel", "视频监控")),
                  ("resource", QCoreApplication.translate("MapPanel", "应急资源")),
                  ("device", QCoreApplication.translate("MapPanel", "物联设备")))
        for kind, title in groups:
            of_kind = [t for t in things if t.kind == kind]
            if not of_kind:
                continue
            group = QTreeWidgetItem([QCoreApplication.translate("MapPanel", "{title}（{n}）").format(title=title, n=len(of_kind)), "", ""])
            group.setFlags(Qt.ItemFlag.ItemIsEnabled)
            group.addChildren([self._row(thing) for thing in of_kind])
            self.addTopLevelItem(group)
            group.setFirstColumnSpanned(True)
            # Cameras and resources open; the (long) device list folded.
            group.setExpanded(kind != "device")

    @staticmethod
    def _row(thing: NearbyThing) -> QTreeWidgetItem:
        row = QTreeWidgetItem([format_distance(thing.distance_m), thing.name, kind_text(thing)])
        row.setData(0, Qt.ItemDataRole.UserRole, thing)
        row.setToolTip(1, thing.name)
        row.setTextAlignment(0, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if thing.status == "offline":
            for col in range(3):
                row.setForeground(col, QColor("#78909c"))
        return row

    def _on_item_activated(self, item: QTreeWidgetItem, _column: int) -> None:
        thing = item.data(0, Qt.ItemDataRole.UserRole)
        if thing is not None:
            self.thing_activated.emit(thing)

"""Layer catalogue beside the map: the gateway's layers grouped by category, search,
toggle, opacity, legend; GeoJSON files imported by button or drag-and-drop.

Files are read and validated by the core (``console.geojson_check``); a file with
errors is not drawn — the pane lists each problem (which feature, what is wrong).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QDragEnterEvent,
    QDropEvent,
    QIcon,
    QPainter,
    QPen,
    QPixmap,
)
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QSlider,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from console.geojson_check import GeoJsonCheck, load_geojson_file
from console.models import LayerInfo

CATEGORY_ORDER = ["boundary", "transport", "water", "emergency", "imported"]

# Legend swatches: (stroke, fill, kind) matching the map page's styles.
LEGEND = {
    "district": ("#29b6f6", None, "polygon"),
    "streets": ("#4dd0e1", "#123349", "polygon"),
    "communities": ("#2f5670", None, "polygon"),
    "roads": ("#d7b45a", None, "line"),
    "rivers": ("#1e88e5", None, "line"),
    "resources": ("#7e57c2", "#43a047", "point"),
}
IMPORTED_COLOUR = "#ff7043"


def _swatch(stroke: str, fill: str | None, kind: str) -> QIcon:
    pix = QPixmap(QSize(18, 12))
    pix.fill(Qt.GlobalColor.transparent)
    p = QPainter(pix)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(QPen(QColor(stroke), 2))
    if kind == "line":
        p.drawLine(1, 9, 17, 3)
    elif kind == "point":
        p.setBrush(QColor(fill or stroke))
        p.drawEllipse(5, 2, 8, 8)
    else:
        p.setBrush(QColor(fill) if fill else Qt.BrushStyle.NoBrush)
        p.drawRect(1, 1, 15, 9)
    p.end()
    return QIcon(pix)


class LayerPanel(QWidget):
    """The layer catalogue (one per map).

    Signals: ``visibility_changed(layer_id, visible)``, ``opacity_changed(layer_id, 0..1)``,
    ``geojson_imported(layer_id, feature_collection)``.
    """

    visibility_changed = Signal(str, bool)
    opacity_changed = Signal(str, float)
    geojson_imported = Signal(str, object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("LayerPanel")
        self.setAcceptDrops(True)
        self._layers: dict[str, dict[str, Any]] = {}  # id -> {name, category, geometry, count}
        self._opacity: dict[str, float] = {}
        self._items: dict[str, QTreeWidgetItem] = {}
        self._imported_n = 0
        self.last_check: GeoJsonCheck | None = None

        self._search = QLineEdit(self)
        self._search.setPlaceholderText(self.tr("搜索图层…"))
        self._search.setClearButtonEnabled(True)
        self._search.textChanged.connect(self._apply_filter)
        self._tree = QTreeWidget(self)
        self._tree.setObjectName("LayerTree")
        self._tree.setHeaderLabels([self.tr("图层"), self.tr("要素")])
        self._tree.setColumnWidth(0, 170)
        self._tree.itemChanged.connect(self._on_item_changed)
        self._tree.currentItemChanged.connect(self._on_current_changed)
        self._opacity_label = QLabel(self.tr("透明度"), self)
        self._slider = QSlider(Qt.Orientation.Horizontal, self)
        self._slider.setRange(0, 100)
        self._slider.setValue(100)
        self._slider.setEnabled(False)
        self._slider.setToolTip(self.tr("所选图层的不透明度"))
        self._slider.valueChanged.connect(self._on_slider)
        self._import_button = QPushButton(self.tr("导入 GeoJSON…"), self)
        self._import_button.setToolTip(self.tr("从文件导入 GeoJSON 图层（也可把文件拖到此处）"))
        self._import_button.clicked.connect(self.choose_file)
        self._result = QLabel(self)
        self._result.setWordWrap(True)
        self._result.setObjectName("LayerImportResult")
        self._errors = QListWidget(self)
        self._errors.setObjectName("LayerImportErrors")
        self._errors.hide()

        opacity_row = QHBoxLayout()
        opacity_row.addWidget(self._opacity_label)
        opacity_row.addWidget(self._slider, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self._search)
        layout.addWidget(self._tree, 3)
        layout.addLayout(opacity_row)
        layout.addWidget(self._import_button)
        layout.addWidget(self._result)
        layout.addWidget(self._errors, 2)
        self._dialog: QFileDialog | None = None

    # ------------------------------------------------------------------ catalogue

    def category_name(self, category: str) -> str:
        """Chinese name of a layer category."""
        names = {
            "boundary": self.tr("行政区划"),
            "transport": self.tr("交通"),
            "water": self.tr("水系"),
            "emergency": self.tr("应急资源"),
            "imported": self.tr("导入图层"),
        }
        return names.get(category, category or self.tr("其他"))

    def set_layers(self, layers: dict[str, Any], infos: dict[str, LayerInfo]) -> None:
        """The gateway's layers (id → GeoJSON) with their catalogue entries (a layer may have none)."""
        changed = False
        for layer_id, doc in layers.items():
            info = infos.get(layer_id)
            entry = {
                "name": (info.name if info else None) or layer_id,
                "category": (info.category if info else None) or "other",
                "geometry": (info.geometry if info else None) or "polygon",
                "count": len((doc or {}).get("features") or []),
            }
            if self._layers.get(layer_id) != entry:
                self._layers[layer_id] = entry
                changed = True
        if changed:
            self._rebuild()

    def add_imported(self, layer_id: str, name: str, count: int) -> None:
        """An imported file joins the catalogue under 导入图层."""
        self._layers[layer_id] = {"name": name, "category": "imported", "geometry": "imported", "count": count}
        self._rebuild()

    def layer_ids(self) -> list[str]:
        """Every layer in the catalogue."""
        return list(self._layers)

    def visible_layer_ids(self) -> list[str]:
        """Layers shown by the search filter (tests, keyboard use)."""
        return [lid for lid, item in self._items.items() if not item.isHidden()]

    def set_layer_visible(self, layer_id: str, visible: bool) -> None:
        """Tick or untick a layer (emits ``visibility_changed``)."""
        item = self._items.get(layer_id)
        if item is not None:
            item.setCheckState(0, Qt.CheckState.Checked if visible else Qt.CheckState.Unchecked)

    def set_layer_opacity(self, layer_id: str, opacity: float) -> None:
        """Set a layer's opacity 0..1 (emits ``opacity_changed``)."""
        self._opacity[layer_id] = max(0.0, min(1.0, opacity))
        self.opacity_changed.emit(layer_id, self._opacity[layer_id])
        if self._current_id() == layer_id:
            self._slider.blockSignals(True)
            self._slider.setValue(int(round(self._opacity[layer_id] * 100)))
            self._slider.blockSignals(False)

    def search(self, text: str) -> None:
        """Filter the catalogue by name or id."""
        self._search.setText(text)

    def _rebuild(self) -> None:
        checked = {lid: item.checkState(0) for lid, item in self._items.items()}
        self._tree.blockSignals(True)
        self._tree.clear()
        self._items.clear()
        groups: dict[str, QTreeWidgetItem] = {}
        order = sorted({e["category"] for e in self._layers.values()},
                       key=lambda c: (CATEGORY_ORDER.index(c) if c in CATEGORY_ORDER else 99, c))
        for category in order:
            group = QTreeWidgetItem([self.category_name(category), ""])
            group.setFlags(Qt.ItemFlag.ItemIsEnabled)
            groups[category] = group
            self._tree.addTopLevelItem(group)
        for layer_id, e in self._layers.items():
            item = QTreeWidgetItem([e["name"], str(e["count"])])
            item.setData(0, Qt.ItemDataRole.UserRole, layer_id)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(0, checked.get(layer_id, Qt.CheckState.Checked))
            stroke, fill, kind = LEGEND.get(layer_id, (IMPORTED_COLOUR if e["category"] == "imported" else "#90a4ae",
                                                       None, "line" if e["geometry"] == "line" else "polygon"))
            item.setIcon(0, _swatch(stroke, fill, kind))
            item.setToolTip(0, f"{e['name']}（{layer_id}）")
            groups[e["category"]].addChild(item)
            self._items[layer_id] = item
        self._tree.expandAll()
        self._tree.blockSignals(False)
        self._apply_filter(self._search.text())

    def _apply_filter(self, text: str) -> None:
        needle = text.strip().lower()
        for i in range(self._tree.topLevelItemCount()):
            group = self._tree.topLevelItem(i)
            if group is None:
                continue
            shown = 0
            for j in range(group.childCount()):
                item = group.child(j)
                if item is None:
                    continue
                layer_id = str(item.data(0, Qt.ItemDataRole.UserRole))
                hit = not needle or needle in item.text(0).lower() or needle in layer_id.lower() \
                    or needle in group.text(0).lower()
                item.setHidden(not hit)
                shown += int(hit)
            group.setHidden(shown == 0)

    def _current_id(self) -> str | None:
        item = self._tree.currentItem()
        data = item.data(0, Qt.ItemDataRole.UserRole) if item is not None else None
        return str(data) if data else None

    def _on_item_changed(self, item: QTreeWidgetItem, column: int) -> None:
        layer_id = item.data(0, Qt.ItemDataRole.UserRole)
        if layer_id and column == 0:
            self.visibility_changed.emit(str(layer_id), item.checkState(0) == Qt.CheckState.Checked)

    def _on_current_changed(self, current: QTreeWidgetItem | None, _previous: Any) -> None:
        layer_id = current.data(0, Qt.ItemDataRole.UserRole) if current is not None else None
        self._slider.setEnabled(bool(layer_id))
        if layer_id:
            self._slider.blockSignals(True)
            self._slider.setValue(int(round(self._opacity.get(str(layer_id), 1.0) * 100)))
            self._slider.blockSignals(False)

    def _on_slider(self, value: int) -> None:
        layer_id = self._current_id()
        if layer_id:
            self._opacity[layer_id] = value / 100
            self.opacity_changed.emit(layer_id, value / 100)

    # ------------------------------------------------------------------ import

    def choose_file(self) -> None:
        """Open a file chooser (non-modal: the asyncio loop keeps running)."""
        if self._dialog is None:
            self._dialog = QFileDialog(self, self.tr("导入 GeoJSON 图层"))
            self._dialog.setNameFilter(self.tr("GeoJSON 文件 (*.geojson *.json)"))
            self._dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
            self._dialog.fileSelected.connect(self.import_file)
        self._dialog.open()

    def import_file(self, path: str) -> bool:
        """Validate a file and draw it when it has no errors; otherwise list the errors."""
        check = load_geojson_file(path)
        self.last_check = check
        name = Path(path).name
        self._errors.clear()
        if not check.ok:
            self._result.setText(self.tr("{name} 有 {n} 处错误，未导入：").format(name=name, n=check.error_count))
            self._result.setStyleSheet("color: #ef5350;")
            self._errors.addItems([p.describe() for p in check.errors + check.notes])
            self._errors.show()
            return False
        self._imported_n += 1
        layer_id = f"imported-{self._imported_n}"
        text = self.tr("已导入 {name}：{n} 个要素").format(name=name, n=check.features)
        if check.warning_count:
            text += self.tr("（{n} 条提示）").format(n=check.warning_count)
        lines = [p.describe() for p in check.warnings + check.notes]
        if check.datum_note:  # the core tells GCJ-02 from WGS-84; the pane only says so
            text += self.tr("；坐标疑为 GCJ-02")
            lines.insert(0, self.tr("注意：") + check.datum_note)
        self._errors.addItems(lines)
        self._errors.setVisible(bool(lines))
        self._result.setText(text)
        self._result.setStyleSheet("color: #ffb74d;" if check.datum_note else "color: #81c784;")
        self.add_imported(layer_id, name, check.features)
        assert check.collection is not None
        self.geojson_imported.emit(layer_id, check.collection)
        return True

    def result_text(self) -> str:
        """The one-line outcome of the last import."""
        return self._result.text()

    def error_lines(self) -> list[str]:
        """The problems listed for the last import."""
        return [self._errors.item(i).text() for i in range(self._errors.count())]

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt override
        if event.mimeData().hasUrls() and any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt override
        for url in event.mimeData().urls():
            if url.isLocalFile():
                self.import_file(url.toLocalFile())
        event.acceptProposedAction()

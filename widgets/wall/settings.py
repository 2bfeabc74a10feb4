"""大屏设置: edit the wall config in a dialog (the same fields as the TOML/JSON file).

One row per wall screen: the screen (a name the system reports, or a position
``#N``), the panels it carries, and for the video screen its grid and tour
interval.  :meth:`WallSettingsDialog.result_config` validates through the same
parser as the file (:func:`console.wall_config.parse_wall_config`), so a bad
entry is the same Chinese sentence naming the field, shown in the dialog.  The
dialog neither reads nor writes files: the caller saves through the core.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from console.wall_config import PANELS, WallConfig, WallConfigError, parse_wall_config

LAYOUTS = ("1x1", "2x2", "3x2", "3x3", "4x3", "4x4")


@dataclass
class _Row:
    """The editors of one screen row, and the cameras the dialog keeps but does not edit."""

    screen: QComboBox
    panels: dict[str, QCheckBox]
    grid: QComboBox
    tour: QSpinBox
    cameras: list[str] = field(default_factory=list)
    tour_cameras: list[str] = field(default_factory=list)


class WallSettingsDialog(QDialog):
    """Edit which panel goes on which screen; ``result_config()`` is the validated result."""

    COLUMNS = 4  # screen, panels, video grid, tour seconds

    def __init__(self, config: WallConfig, screen_names: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("WallSettingsDialog")
        self.setWindowTitle(self.tr("大屏设置"))
        self._config = config
        self._screen_names = list(screen_names)
        self._result: WallConfig | None = None
        self._rows: list[_Row] = []
        self.table = QTableWidget(0, self.COLUMNS, self)
        self.table.setHorizontalHeaderLabels([self.tr("屏幕"), self.tr("面板"), self.tr("视频布局"),
                                              self.tr("轮巡间隔（秒，0 = 不轮巡）")])
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.error = QLabel(self)
        self.error.setObjectName("WallSettingsError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #ff6b6b;")
        add = QPushButton(self.tr("添加屏幕"), self)
        add.clicked.connect(lambda: self.add_row("", ()))  # noqa: B023
        remove = QPushButton(self.tr("删除所选屏幕"), self)
        remove.clicked.connect(self._on_remove_requested)
        self.operator = QComboBox(self)
        self.operator.setEditable(True)
        self.operator.addItem(self.tr("（不指定）"), None)
        for name in self._screen_names:
            self.operator.addItem(name, name)
        if config.operator_screen is not None:
            self.operator.setEditText(str(config.operator_screen))
        self.large = QCheckBox(self.tr("大字体主题"), self)
        self.large.setChecked(config.theme == "large")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.button(QDialogButtonBox.StandardButton.Save).setText(self.tr("保存并应用"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("取消"))
        buttons.accepted.connect(self._on_save_requested)
        buttons.rejected.connect(self.reject)
        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("操作员屏幕"), self))
        top.addWidget(self.operator, 1)
        top.addWidget(self.large)
        rows = QHBoxLayout()
        rows.addWidget(add)
        rows.addWidget(remove)
        rows.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addLayout(rows)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        for spec in config.screens:
            tour = spec.video.tour
            row = self.add_row(spec.label if isinstance(spec.match, int) else spec.match, spec.panels,
                               f"{spec.video.columns}x{spec.video.rows}", int(tour.interval_s) if tour else 0)
            self._rows[row].cameras = list(spec.video.cameras)
            self._rows[row].tour_cameras = list(tour.cameras) if tour else []
        self.resize(900, 420)

    # ------------------------------------------------------------------ rows

    def add_row(self, match: str, panels: tuple[str, ...] | list[str], layout: str = "2x2", tour_s: int = 0) -> int:
        """Append one screen row; returns its index."""
        row = self.table.rowCount()
        self.table.insertRow(row)
        screen = QComboBox(self.table)
        screen.setEditable(True)
        for name in self._screen_names:
            screen.addItem(name)
        for n in range(1, len(self._screen_names) + 1):
            screen.addItem(f"#{n}")
        screen.setEditText(match)
        self.table.setCellWidget(row, 0, screen)
        boxes = QWidget(self.table)
        box_layout = QHBoxLayout(boxes)
        box_layout.setContentsMargins(4, 0, 4, 0)
        names = {"map": self.tr("地图"), "video": self.tr("视频墙"), "queue": self.tr("告警队列"), "indicators": self.tr("指标")}
        checks: dict[str, QCheckBox] = {}
        for key in PANELS:
            box = QCheckBox(names[key], boxes)
            box.setObjectName(f"panel_{key}")
            box.setChecked(key in panels)
            box_layout.addWidget(box)
            checks[key] = box
        self.table.setCellWidget(row, 1, boxes)
        grid = QComboBox(self.table)
        grid.setEditable(True)
        grid.addItems(LAYOUTS)
        grid.setEditText(layout)
        self.table.setCellWidget(row, 2, grid)
        tour = QSpinBox(self.table)
        tour.setRange(0, 3600)
        tour.setValue(tour_s)
        self.table.setCellWidget(row, 3, tour)
        self.table.resizeColumnsToContents()
        self._rows.append(_Row(screen=screen, panels=checks, grid=grid, tour=tour))
        return row

    def set_panels(self, row: int, panels: list[str]) -> None:
        """Tick exactly these panels in a row (keyboard users, tests)."""
        for key, box in self._rows[row].panels.items():
            box.setChecked(key in panels)

    def document(self) -> dict[str, object]:
        """The dialog's content in the JSON form of a wall config."""
        screens = []
        for row in self._rows:
            match_text = row.screen.currentText().strip()
            match: object = int(match_text[1:]) if match_text.startswith("#") and match_text[1:].isdigit() else match_text
            panels = [k for k in PANELS if row.panels[k].isChecked()]
            entry: dict[str, object] = {"match": match, "panels": panels}
            if "video" in panels:
                video: dict[str, object] = {"layout": row.grid.currentText().strip(), "cameras": row.cameras}
                tour_s = row.tour.value()
                if tour_s:
                    video["tour"] = {"interval_s": tour_s, "cameras": row.tour_cameras}
                entry["video"] = video
            screens.append(entry)
        doc: dict[str, object] = {"theme": "large" if self.large.isChecked() else "normal", "screens": screens}
        operator = self.operator.currentText().strip()
        if operator and operator != self.operator.itemText(0):
            doc["operator_screen"] = int(operator[1:]) if operator.startswith("#") and operator[1:].isdigit() else operator
        return doc

    def result_config(self) -> WallConfig:
        """The validated config; raises :class:`WallConfigError` (Chinese, names the field)."""
        return parse_wall_config(json.dumps(self.document(), ensure_ascii=False), None, "json")

    # ------------------------------------------------------------------ slots

    def _on_remove_requested(self) -> None:
        row = self.table.currentRow()
        if row >= 0:
            self.table.removeRow(row)
            self._rows.pop(row)

    def _on_save_requested(self) -> None:
        try:
            self._result = self.result_config()
        except WallConfigError as exc:
            # The dialog's rows are numbered like the file's screens: screen[2] = the second row.
            self.error.setText(self.tr("无法保存：{field}：{reason}").format(field=exc.field_name or "", reason=exc.message))
            return
        self.accept()

    def chosen(self) -> WallConfig | None:
        """The config accepted with 保存并应用 (None if cancelled)."""
        return self._result

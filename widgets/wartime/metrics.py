"""The incident metrics (事件指标) that replace the indicators in wartime, and the figures from the scene.

``IncidentMetricsPanel`` shows tasks open/overdue, units on scene, people
evacuated, shelter occupancy and the sensor trends of the incident type; the
operator reports people evacuated and sheltered through the core's ``Wartime``.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from console.wartime import Wartime, WartimeError
from widgets.wartime.cells import refusal_text


class _Tile(QFrame):
    """One figure: a title, and below it a big value with a small line beside it (the
    title gets the whole width: English titles are long)."""

    def __init__(self, title: str, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("IncidentTile")
        self.setStyleSheet("#IncidentTile { border: 1px solid #22354f; border-radius: 4px; }")
        self.title = QLabel(title, self)
        self.title.setStyleSheet("color: #8fa3bf;")
        self.value = QLabel(self)
        self.value.setStyleSheet("font-size: 20px; font-weight: bold;")
        self.sub = QLabel(self)
        self.sub.setStyleSheet("color: #8fa3bf;")
        bottom = QHBoxLayout()
        bottom.addWidget(self.value)
        bottom.addStretch(1)
        bottom.addWidget(self.sub, 0, Qt.AlignmentFlag.AlignBottom)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 2, 8, 2)
        lay.setSpacing(0)
        lay.addWidget(self.title)
        lay.addLayout(bottom)

    def set(self, value: str, sub: str = "", colour: str | None = None) -> None:
        self.value.setText(value)
        self.value.setStyleSheet(f"font-size: 20px; font-weight: bold;{' color: ' + colour + ';' if colour else ''}")
        self.sub.setText(sub)


class IncidentMetricsPanel(QWidget):
    """Incident metrics in place of the peacetime indicators, and the figures reported from the scene."""

    message = Signal(str, bool)

    def __init__(self, wartime: Wartime, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._war = wartime
        self.setObjectName("IncidentMetricsPanel")
        self.tiles = {
            "tasks": _Tile(self.tr("任务 未完成/总数"), self),
            "overdue": _Tile(self.tr("超时任务"), self),
            "on_scene": _Tile(self.tr("到场单位"), self),
            "evacuated": _Tile(self.tr("转移群众（人）"), self),
            "shelter": _Tile(self.tr("避难场所 安置/容量"), self),
            "steps": _Tile(self.tr("预案步骤 完成/总数"), self),
        }
        grid = QGridLayout()
        for n, tile in enumerate(self.tiles.values()):
            grid.addWidget(tile, n // 3, n % 3)
        # Figures from the scene: people evacuated, people in a shelter.
        self.evacuated = QSpinBox(self)
        self.evacuated.setRange(0, 1_000_000)
        self.evacuated_button = QPushButton(self.tr("上报转移人数"), self)
        self.evacuated_button.clicked.connect(self.report_evacuated)
        self.shelter_box = QComboBox(self)
        self.shelter_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.shelter_box.setMinimumContentsLength(10)
        self.shelter_people = QSpinBox(self)
        self.shelter_people.setRange(0, 100_000)
        self.shelter_button = QPushButton(self.tr("上报安置人数"), self)
        self.shelter_button.clicked.connect(self.report_shelter)
        figures = QHBoxLayout()
        figures.addWidget(self.evacuated)
        figures.addWidget(self.evacuated_button)
        figures.addSpacing(12)
        figures.addWidget(self.shelter_box, 1)
        figures.addWidget(self.shelter_people)
        figures.addWidget(self.shelter_button)
        self.charts: list[Any] = []
        self.chart_box = QVBoxLayout()
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 4, 6, 4)
        lay.addLayout(grid)
        lay.addLayout(figures)
        lay.addLayout(self.chart_box, 1)
        self._make_charts()
        self.refresh()

    def refresh(self) -> None:
        iid = self._war.focus
        if not iid:
            return
        m = self._war.metrics(iid)
        self.tiles["tasks"].set(f"{m.tasks_open}/{m.tasks_total}")
        self.tiles["overdue"].set(str(m.tasks_overdue), colour="#ff5252" if m.tasks_overdue else None)
        self.tiles["on_scene"].set(str(m.units_on_scene))
        self.tiles["evacuated"].set(str(m.people_evacuated))
        pct = f"{m.shelter_occupancy / m.shelter_capacity:.0%}" if m.shelter_capacity else ""
        self.tiles["shelter"].set(f"{m.shelter_occupancy}/{m.shelter_capacity}", self.tr("占用 {p}").format(p=pct))
        self.tiles["steps"].set(f"{m.steps_done}/{m.steps_total}",
                                self.tr("超时 {n} 项").format(n=m.steps_overdue) if m.steps_overdue else "",
                                "#ff5252" if m.steps_overdue else None)
        shelters = [r for r in self._war.resources(iid) if r.kind == "shelter"]
        if self.shelter_box.count() != len(shelters):
            self.shelter_box.clear()
            for r in shelters:
                self.shelter_box.addItem(self.tr("{name}（{km} km）").format(name=r.name, km=f"{r.distance_m / 1000:.1f}"),
                                          r.id)
        self._refresh_charts(iid)

    def _make_charts(self, n: int = 2) -> None:
        """Trend charts made once, at construction: building pyqtgraph plots costs ~80 ms each,
        which must not delay the switch to the wartime layout."""
        try:
            import pyqtgraph as pg
        except Exception:  # noqa: BLE001 - charts are optional
            return
        for _ in range(n):
            from widgets.indicators.chart import _BeijingAxis  # HH:MM in Beijing time, whatever the zone

            plot = pg.PlotWidget(self, axisItems={"bottom": _BeijingAxis()})
            plot.setBackground("#111c2e")
            plot.showGrid(x=False, y=True, alpha=0.2)
            plot.setMinimumHeight(70)
            plot.getPlotItem().setClipToView(True)
            plot._curve = plot.plot(pen=pg.mkPen("#26c6da", width=2))  # type: ignore[attr-defined]
            plot._start = pg.InfiniteLine(angle=90, pen=pg.mkPen("#ff5252", style=Qt.PenStyle.DashLine))  # type: ignore[attr-defined]
            plot.addItem(plot._start)  # type: ignore[attr-defined]
            self.charts.append(plot)
            self.chart_box.addWidget(plot)

    def _refresh_charts(self, iid: str) -> None:
        trends = self._war.trends(iid)
        inc = self._war.incident(iid)
        for n, plot in enumerate(self.charts):
            if n >= len(trends):
                plot.hide()
                continue
            _tid, label, unit, pts = trends[n]
            title = self.tr("{label}（{unit}）").format(label=self.tr(label), unit=unit) if unit else self.tr(label)
            if getattr(plot, "_title", None) != title:
                plot.setTitle(title, color="#e6edf5", size="10pt")
                plot._title = title  # type: ignore[attr-defined]
            xs = [ts.timestamp() for ts, _ in pts]
            plot._curve.setData(xs, [v for _, v in pts])  # type: ignore[attr-defined]
            if inc is not None:
                plot._start.setValue(inc.started_at.timestamp())  # type: ignore[attr-defined]
            if xs:  # at least ten minutes wide, so the axis reads HH:MM and not seconds
                right = max(xs[-1], inc.started_at.timestamp() if inc is not None else xs[-1])
                left = min(xs[0], right - 600.0)
                plot.setXRange(left, right + 30.0, padding=0)
            plot.show()

    def _report(self, kind: str, value: int, where: str | None = None) -> bool:
        iid = self._war.focus
        try:
            if not iid:
                raise WartimeError(self.tr("没有战时事件"))
            self._war.report_figure(iid, kind, value, where)
        except WartimeError as exc:
            self.message.emit(refusal_text(exc), True)
            return False
        self.message.emit(self.tr("已记录"), False)
        self.refresh()
        return True

    def report_evacuated(self) -> bool:
        return self._report("evacuated", self.evacuated.value())

    def report_shelter(self) -> bool:
        return self._report("shelter", self.shelter_people.value(), self.shelter_box.currentData())

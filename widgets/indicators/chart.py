"""Trend chart of indicators (pyqtgraph): series, warn/alarm thresholds, 2025 target.

Data is handed in with ``set_series`` at any rate; the chart applies it with
``setData`` on its own timer (batching: one redraw per tick however many updates
arrived). Curves are drawn with antialiasing off, clip-to-view and automatic
peak downsampling, which keeps 24 h of 5-second values cheap to redraw (see
``bench/bench_indicators.py``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor, QFont, QPen
from PySide6.QtWidgets import QVBoxLayout, QWidget

from district.vocabulary import DISTRICT_TZ
from widgets import theme

SERIES_COLOURS: tuple[str, ...] = (theme.ACCENT, theme.ACCENT_TEAL, "#7e57c2", "#ec407a", "#ffa726", "#9ccc65",
                                   "#29b6f6", "#d4e157")

_BEIJING_OFFSET_S = int(DISTRICT_TZ.utcoffset(None).total_seconds())


class _BeijingAxis(pg.DateAxisItem):
    """Time axis in Beijing time whatever the machine's zone (the duty room reads 08:00,
    not 00:00 UTC)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(orientation="bottom", utcOffset=-_BEIJING_OFFSET_S, **kwargs)

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:  # noqa: N802 (pyqtgraph's name)
        """Numeric dates ("11-29", "08:00"): pyqtgraph's own labels are English day names."""
        out = []
        for v in values:
            try:
                t = datetime.fromtimestamp(v, DISTRICT_TZ)
            except (OverflowError, OSError, ValueError):
                out.append("")
                continue
            if spacing >= 86400 or (t.hour == 0 and t.minute == 0 and spacing >= 3600):
                out.append(t.strftime("%m-%d"))
            elif spacing >= 60:
                out.append(t.strftime("%H:%M"))
            else:
                out.append(t.strftime("%H:%M:%S"))
        return out


class IndicatorChart(QWidget):
    """One plot: any number of named series plus horizontal reference lines."""

    _instances = 0

    def __init__(self, parent: QWidget | None = None, batch_ms: int = 250) -> None:
        super().__init__(parent)
        self.setObjectName("IndicatorChart")
        self.plot = pg.PlotWidget(axisItems={"bottom": _BeijingAxis()}, background=theme.SURFACE)
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.showGrid(x=True, y=True, alpha=0.12)
        item = self.plot.getPlotItem()
        item.setClipToView(True)
        item.getViewBox().setDefaultPadding(0.08)  # room above the top line for its label
        item.setDownsampling(auto=True, mode="peak")
        for name in ("left", "bottom"):
            axis = item.getAxis(name)
            axis.setPen(pg.mkPen(theme.BORDER))
            axis.setTextPen(pg.mkPen(theme.TEXT_DIM))
        self._legend: pg.LegendItem | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)
        self.curves: dict[str, pg.PlotDataItem] = {}
        self._pending: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._lines: list[pg.InfiniteLine] = []
        self._x_range: tuple[float, float] | None = None
        self._x_dirty = False
        self.applied = 0  # setData calls made (tests and the bench read it)
        # One single-shot timer per chart, armed by the first update after a redraw:
        # however many updates arrive in the meantime, they cost one setData each and
        # one repaint. The delay has a per-chart phase: data for a wall of charts
        # arrives at once (one feed message) and redrawing all of them in one pass
        # would hold the event loop for the sum of their paint times.
        IndicatorChart._instances += 1
        phase = (IndicatorChart._instances * 97) % max(1, batch_ms)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(batch_ms // 4 + (phase * 3) // 4)
        self._timer.timeout.connect(self._apply)

    # ------------------------------------------------------------------ data

    def set_series(self, key: str, xs: Sequence[float] | np.ndarray, ys: Sequence[float] | np.ndarray,
                   label: str | None = None) -> None:
        """Queue new data for series ``key`` (epoch seconds, values); drawn at the next tick."""
        if key not in self.curves:
            colour = SERIES_COLOURS[len(self.curves) % len(SERIES_COLOURS)]
            curve = pg.PlotDataItem(pen=pg.mkPen(colour, width=2 if not self.curves else 1), antialias=False,
                                    name=label or key)
            curve.setClipToView(True)
            curve.setDownsampling(auto=True, method="peak")
            curve.setSkipFiniteCheck(True)  # values come from the catalogue's numeric wire type
            self.plot.addItem(curve)
            self.curves[key] = curve
        self._pending[key] = (np.asarray(xs, dtype=float), np.asarray(ys, dtype=float))
        self._arm()

    def _arm(self) -> None:
        if not self._timer.isActive():
            self._timer.start()

    def clear_series(self) -> None:
        """Remove every series (the reference lines stay)."""
        for curve in self.curves.values():
            self.plot.removeItem(curve)
        self.curves.clear()
        self._pending.clear()

    def set_x_range(self, start: float, end: float) -> None:
        """Show exactly this time range (the selector's 1 h / 24 h / 7 d / 30 d)."""
        # Applied with the next batch of data: moving the window and adding the point
        # that made it move then cost one repaint, not two.
        self._x_range = (start, end)
        self._x_dirty = True
        self._arm()

    def series_data(self, key: str) -> tuple[np.ndarray, np.ndarray]:
        """What series ``key`` holds (pending data first: what it is about to show)."""
        if key in self._pending:
            return self._pending[key]
        curve = self.curves[key]
        xs, ys = curve.getOriginalDataset()
        return (np.asarray(xs if xs is not None else [], dtype=float), np.asarray(ys if ys is not None else [], dtype=float))

    def flush(self) -> None:
        """Apply queued data now (exports and tests; normally the timer does it)."""
        self._apply()

    def _apply(self) -> None:
        if self._x_dirty and self._x_range is not None:
            self._x_dirty = False
            self.plot.setXRange(*self._x_range, padding=0)
        if not self._pending:
            return
        pending, self._pending = self._pending, {}
        for key, (xs, ys) in pending.items():
            curve = self.curves.get(key)
            if curve is not None:
                curve.setData(xs, ys)
                self.applied += 1

    # ------------------------------------------------------------------ reference lines

    def set_reference_lines(self, warn: float | None, alarm: float | None, target: float | None,
                            names: tuple[str, str, str] = ("预警线", "告警线", "2025 目标")) -> None:
        """Dashed lines at the warn and alarm thresholds and the 2025 target, labelled with
        ``names`` (the panel passes them translated: its source is the one lupdate reads)."""
        for line in self._lines:
            self.plot.removeItem(line)
        self._lines = []
        specs = (
            (warn, theme.AMBER, names[0]),
            (alarm, theme.STATE_COLOURS["alarm"], names[1]),
            (target, theme.OK, names[2]),
        )
        # Lines at the same value (a warn line that is also the target) share one label.
        merged: dict[float, tuple[str, list[str]]] = {}
        for value, colour, text in specs:
            if value is None:
                continue
            if value in merged:
                merged[value][1].append(text)
            else:
                merged[value] = (colour, [text])
        for value, (colour, texts) in merged.items():
            text = " / ".join(texts)
            pen = QPen(QColor(colour))
            pen.setStyle(Qt.PenStyle.DashLine)
            pen.setWidthF(1.2)
            pen.setCosmetic(True)
            line = pg.InfiniteLine(pos=value, angle=0, pen=pen, movable=False, label=f"{text} {value:g}",
                                   labelOpts={"position": 0.02, "color": colour, "anchors": [(0, 1), (0, 1)]})
            self.plot.addItem(line)
            self._lines.append(line)
        # Keep the lines in view even when the series stays far from them.
        values = [v for v, _, _ in specs if v is not None]
        self.plot.getPlotItem().getViewBox().enableAutoRange(axis="y", enable=True)
        self._y_refs = values

    @property
    def reference_values(self) -> list[float]:
        """Positions of the reference lines drawn (warn, alarm, target as present)."""
        return [float(line.value()) for line in self._lines]

    def set_large_font(self, large: bool) -> None:
        """Bigger axis text for the wall."""
        f = QFont(self.font())
        f.setPointSizeF(f.pointSizeF() * (1.6 if large else 1.0))
        for name in ("left", "bottom"):
            self.plot.getPlotItem().getAxis(name).setStyle(tickFont=f)


"""指标: headline KPI tiles of the district's live operations and 2025 targets.

Each tile shows one indicator of the catalogue (``resources/catalogue/indicators.json``):
value and unit, the 2025 target with a progress bar towards it, a colour state from
the catalogue's warn/alarm thresholds and a sparkline of recent values. Values come
from ``core.picture.indicators`` when ``notifier.indicators_changed`` says so. Tiles
paint themselves (one ``paintEvent`` each), which keeps twelve of them far cheaper
than twelve small chart widgets.
"""

from __future__ import annotations

import logging
from itertools import islice
from typing import Any, Iterable

from PySide6.QtCore import QCoreApplication, QLocale, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QCloseEvent, QColor, QFont, QPainter, QPainterPath, QPen, QResizeEvent
from PySide6.QtWidgets import QGridLayout, QSizePolicy, QVBoxLayout, QWidget

from widgets import theme

log = logging.getLogger(__name__)

HEADLINE_IDS: tuple[str, ...] = (
    "events_today",
    "closure_rate",
    "device_online_rate",
    "camera_online_rate",
    "aqi_now",
    "pm25_annual",
    "river_level_m",
    "rainfall_mm_1h",
    "iot_devices_connected",
    "base_stations_5g",
    "service_rating_good",
    "good_air_days_rate",
)
"""The twelve indicators an operator watches, in reading order."""

SPARK_POINTS = 60
"""Recent values drawn in a tile's sparkline."""

TILE_MIN_WIDTH = 176
"""Width a tile wants; the panel picks its column count from it."""


def _field(obj: Any, name: str, default: Any = None) -> Any:
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def _value_of(item: Any) -> float | None:
    """The number in an IndicatorValue (or a bare number)."""
    if item is None:
        return None
    if isinstance(item, (int, float)):
        return float(item)
    value = _field(item, "value")
    return float(value) if value is not None else None


def format_value(value: float | None, unit: str) -> str:
    """A KPI number as a duty screen shows it: 96.4, 12,480, 3.18."""
    if value is None:
        return "—"
    if unit == "%":
        return f"{value:.1f}"
    if abs(value) >= 1000 or float(value).is_integer():
        return f"{value:,.0f}"
    if abs(value) >= 100:
        return f"{value:.0f}"
    return f"{value:.2f}".rstrip("0").rstrip(".")


def with_unit(value: float | None, unit: str) -> str:
    """Value and unit as text: "98.0%", "100,000个", "50 AQI" (space before Latin units)."""
    text = format_value(value, unit)
    if unit[:1].isascii() and unit[:1].isalpha():
        return f"{text} {unit}"
    return f"{text}{unit}"


def indicator_state(value: float | None, direction: str, warn: float | None, alarm: float | None) -> str:
    """"ok", "warn", "alarm" from the catalogue thresholds, or "none" without a value."""
    if value is None:
        return "none"
    lower_better = direction == "lower"

    def crossed(limit: float | None) -> bool:
        if limit is None:
            return False
        return value >= limit if lower_better else value <= limit

    if crossed(alarm):
        return "alarm"
    if crossed(warn):
        return "warn"
    return "ok"


def progress_to_target(value: float | None, direction: str, target: float | None) -> float | None:
    """Share of the way to the 2025 target, 0..1 (None when there is no target)."""
    if value is None or target is None:
        return None
    if direction == "lower":
        if value <= 0:
            return 1.0
        return max(0.0, min(1.0, target / value)) if target > 0 else (1.0 if value <= 0 else 0.0)
    if target <= 0:
        return 1.0
    return max(0.0, min(1.0, value / target))


class IndicatorTile(QWidget):
    """One KPI: name, value with unit, target progress, state colour, sparkline."""

    def __init__(self, spec: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self.indicator_id: str = str(_field(spec, "id"))
        self.setObjectName(f"IndicatorTile_{self.indicator_id}")
        english = QLocale().language() == QLocale.Language.English
        self.title: str = str(_field(spec, "name_en" if english else "name_zh") or self.indicator_id)
        self.unit: str = str(_field(spec, "unit") or "")
        self.direction: str = str(_field(spec, "direction") or "higher")
        self.target: float | None = _field(spec, "target_2025")
        self.warn: float | None = _field(spec, "warn")
        self.alarm: float | None = _field(spec, "alarm")
        self.value: float | None = None
        self.history: list[float] = []
        self.state = "none"
        # A small hard minimum so the grid never pins the dock wide; the panel
        # reflows to fewer columns well before tiles get this narrow.
        self.setMinimumSize(120, 112)
        self.setMaximumHeight(150)  # compact cards; spare height stays below the grid
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self._update_tooltip()

    def sizeHint(self) -> QSize:
        return QSize(200, 120)

    def set_value(self, value: float | None, history: Iterable[float] = ()) -> None:
        """Show a new value and recent history; repaints only when something moved."""
        hist = list(history)
        if value == self.value and hist == self.history:
            return
        self.value = value
        self.history = hist
        self.state = indicator_state(value, self.direction, self.warn, self.alarm)
        self._update_tooltip()
        self.update()

    def progress(self) -> float | None:
        """Progress towards the target (0..1) or None."""
        return progress_to_target(self.value, self.direction, self.target)

    def value_text(self) -> str:
        """The value as drawn, without the unit."""
        return format_value(self.value, self.unit)

    def _update_tooltip(self) -> None:
        parts = [self.title]
        base = _field(self.spec, "baseline_2021")
        if base is not None:
            parts.append(QCoreApplication.translate("IndicatorPanel", "2021 年现状 {v}").format(v=with_unit(base, self.unit)))
        if self.target is not None:
            parts.append(QCoreApplication.translate("IndicatorPanel", "2025 年目标 {v}").format(v=with_unit(self.target, self.unit)))
        if self.warn is not None or self.alarm is not None:
            parts.append(
                QCoreApplication.translate("IndicatorPanel", "预警 {w} · 告警 {a}").format(
                    w=with_unit(self.warn, self.unit), a=with_unit(self.alarm, self.unit)
                )
            )
        self.setToolTip("\n".join(parts))

    def paintEvent(self, _event: Any) -> None:  # noqa: N802 (Qt's name)
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        r = QRectF(self.rect()).adjusted(3, 3, -3, -3)
        state_colour = QColor(theme.STATE_COLOURS.get(self.state, theme.TEXT_DIM))

        # Card and the state bar on the left edge.
        p.setPen(QPen(QColor(theme.BORDER), 1))
        p.setBrush(QColor(theme.SURFACE))
        p.drawRoundedRect(r, 6, 6)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(state_colour)
        p.drawRoundedRect(QRectF(r.left(), r.top(), 4, r.height()), 2, 2)

        inner = r.adjusted(12, 8, -10, -8)
        base_font = QFont(self.font())

        # Name.
        f = QFont(base_font)
        f.setPointSizeF(max(8.0, base_font.pointSizeF() * 0.95))
        p.setFont(f)
        p.setPen(QColor(theme.TEXT_DIM))
        name_h = p.fontMetrics().height()
        name = p.fontMetrics().elidedText(self.title, Qt.TextElideMode.ElideRight, int(inner.width()))
        p.drawText(QRectF(inner.left(), inner.top(), inner.width(), name_h), Qt.AlignmentFlag.AlignLeft, name)

        # Value and unit.
        vf = QFont(base_font)
        vf.setPointSizeF(base_font.pointSizeF() * 2.1)
        vf.setBold(True)
        p.setFont(vf)
        value_colour = QColor(theme.TEXT) if self.state in ("ok", "none") else state_colour
        p.setPen(value_colour)
        vtext = self.value_text()
        vh = p.fontMetrics().height()
        vtop = inner.top() + name_h + 2
        p.drawText(QRectF(inner.left(), vtop, inner.width(), vh), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, vtext)
        vw = p.fontMetrics().horizontalAdvance(vtext)
        uf = QFont(base_font)
        p.setFont(uf)
        p.setPen(QColor(theme.TEXT_DIM))
        p.drawText(
            QRectF(inner.left() + vw + 4, vtop, inner.width() - vw - 4, vh - 4),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom,
            self.unit,
        )

        # Sparkline in the right half of the value row.
        if len(self.history) >= 2:
            spark = QRectF(inner.left() + inner.width() * 0.52, vtop + 4, inner.width() * 0.48, vh - 8)
            lo, hi = min(self.history), max(self.history)
            span = (hi - lo) or 1.0
            step = spark.width() / (len(self.history) - 1)
            path = QPainterPath()
            for i, v in enumerate(self.history):
                pt = QPointF(spark.left() + i * step, spark.bottom() - (v - lo) / span * spark.height())
                if i == 0:
                    path.moveTo(pt)
                else:
                    path.lineTo(pt)
            p.setPen(QPen(QColor(theme.ACCENT), 1.4))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawPath(path)

        # Target line and progress bar.
        sf = QFont(base_font)
        sf.setPointSizeF(max(7.5, base_font.pointSizeF() * 0.85))
        p.setFont(sf)
        sh = p.fontMetrics().height()
        bottom_top = inner.bottom() - sh - 8
        prog = self.progress()
        if self.target is not None:
            tline = QCoreApplication.translate("IndicatorPanel", "目标 {v}").format(v=with_unit(self.target, self.unit))
            if prog is not None:
                tline += f"  ·  {prog * 100:.0f}%"
        else:
            tline = {
                "alarm": QCoreApplication.translate("IndicatorPanel", "超告警线"),
                "warn": QCoreApplication.translate("IndicatorPanel", "超预警线"),
                "ok": QCoreApplication.translate("IndicatorPanel", "正常"),
                "none": QCoreApplication.translate("IndicatorPanel", "暂无数据"),
            }[self.state]
        p.setPen(QColor(theme.TEXT_DIM) if self.state in ("ok", "none") else state_colour)
        p.drawText(QRectF(inner.left(), bottom_top, inner.width(), sh), Qt.AlignmentFlag.AlignLeft, tline)
        bar = QRectF(inner.left(), inner.bottom() - 5, inner.width(), 5)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(theme.SURFACE_RAISED))
        p.drawRoundedRect(bar, 2.5, 2.5)
        if prog is not None:
            p.setBrush(state_colour if self.state != "none" else QColor(theme.ACCENT))
            p.drawRoundedRect(QRectF(bar.left(), bar.top(), bar.width() * prog, bar.height()), 2.5, 2.5)
        p.end()


class IndicatorPanel(QWidget):
    """指标: a grid of KPI tiles that reflows with the dock's width."""

    def __init__(self, core: Any, notifier: Any, parent: QWidget | None = None, ids: Iterable[str] = HEADLINE_IDS) -> None:
        super().__init__(parent)
        self.setObjectName("IndicatorPanel")
        self._core = core
        self._notifier = notifier
        self._store = core.picture.indicators
        self.tiles: dict[str, IndicatorTile] = {}
        specs: dict[str, Any] = {}
        try:
            from console import catalogue

            specs = {str(_field(i, "id")): i for i in catalogue.indicators()}
        except Exception:  # static data; without it the panel shows ids with no targets
            log.exception("indicator catalogue unavailable")
        for ind_id in ids:
            spec = specs.get(ind_id, {"id": ind_id, "name_zh": ind_id, "unit": ""})
            self.tiles[ind_id] = IndicatorTile(spec, self)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(4, 4, 4, 4)
        self._grid = QGridLayout()
        self._grid.setSpacing(4)
        outer.addLayout(self._grid)
        outer.addStretch(1)
        self._columns = 0
        self._reflow(3)
        notifier.indicators_changed.connect(self._on_indicators_changed)
        self.refresh(None)

    def refresh(self, changed: set[Any] | None) -> None:
        """Reload the tiles named in ``changed`` (None or unrecognised keys: all)."""
        targets: set[str] = set(self.tiles)
        if changed:
            keys = {k[0] if isinstance(k, tuple) else k for k in changed}
            hit = keys & self.tiles.keys()
            if hit:
                targets = hit
            elif all(isinstance(k, str) for k in keys):
                return  # only indicators we do not show changed
        for ind_id in targets:
            latest = self._store.latest(ind_id)
            history = self._store.history(ind_id)
            tail = self._tail(history, SPARK_POINTS)
            self.tiles[ind_id].set_value(_value_of(latest), [v for v in (_value_of(h) for h in tail) if v is not None])

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt's name)
        """Stop listening to the core when the panel goes away."""
        try:
            self._notifier.indicators_changed.disconnect(self._on_indicators_changed)
        except (RuntimeError, TypeError):
            pass
        super().closeEvent(event)

    def _on_indicators_changed(self, changed: object) -> None:
        ids = set(changed) if isinstance(changed, (set, frozenset, list, tuple)) else None
        self.refresh(ids)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self._reflow(max(1, event.size().width() // (TILE_MIN_WIDTH + 4)))

    def _reflow(self, columns: int) -> None:
        # A long thin dock gets one row of twelve; a narrow one two or three columns.
        columns = max(1, min(columns, len(self.tiles)))
        if columns == self._columns:
            return
        self._columns = columns
        for tile in self.tiles.values():
            self._grid.removeWidget(tile)
        for i, tile in enumerate(self.tiles.values()):
            self._grid.addWidget(tile, i // columns, i % columns)

    @staticmethod
    def _tail(history: Any, n: int) -> list[Any]:
        if history is None:
            return []
        try:
            size = len(history)
        except TypeError:
            return list(history)[-n:]
        if isinstance(history, list):
            return history[-n:]
        return list(islice(history, max(0, size - n), None))

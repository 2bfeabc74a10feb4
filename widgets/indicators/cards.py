"""The indicator tiles and the street bars, and how a KPI number is written.

:class:`IndicatorTile` is one KPI (name, change over the hour, value and unit,
progress towards the 2025 target, state colour, sparkline); :class:`StreetBreakdown`
draws one indicator across the six streets. The constants here (the twelve headline
ids, the theme tabs, tile sizes) and the formatting helpers (:func:`format_value`,
:func:`with_unit`) are shared with :mod:`widgets.indicators.panel`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QLocale, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QMouseEvent, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from console import indicators as ind
from district.vocabulary import DISTRICT_TZ
from widgets import theme

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
"""The twelve indicators an operator watches, in reading order (the 总览 tab)."""

THEMES: tuple[str, ...] = ("city_ops", "citizen", "ecology", "digital_gov", "emergency")
"""Theme tabs after the overview, in the order the district's system lists them."""

THEME_EXTRAS: dict[str, tuple[str, ...]] = {
    # During an emergency the duty leader also watches whether the eyes and ears work
    # and how much is piling up, not only rain and rivers.
    "emergency": ("overdue_count", "device_online_rate", "camera_online_rate"),
}

SPARK_POINTS = 60
"""Recent values drawn in a tile's sparkline."""

TILE_MIN_WIDTH = 176
"""Width a tile wants; the panel picks its column count from it."""

CHANGE_WINDOW_S = 3600.0
"""Tiles show the change over the last hour."""

WALL_SCALE = 1.7
"""Font scale of the large-font (wall) variant."""

CHART_MIN_HEIGHT = 120
"""The trend chart never gets shorter than this (its axis labels overlapped at 768 px)."""


def theme_title(theme_id: str) -> str:
    """Tab title of a theme (Chinese source text, translatable)."""
    titles = {
        "overview": QCoreApplication.translate("IndicatorPanel", "总览"),
        "city_ops": QCoreApplication.translate("IndicatorPanel", "城市运行"),
        "citizen": QCoreApplication.translate("IndicatorPanel", "民生诉求"),
        "ecology": QCoreApplication.translate("IndicatorPanel", "生态环境"),
        "digital_gov": QCoreApplication.translate("IndicatorPanel", "数字政府"),
        "emergency": QCoreApplication.translate("IndicatorPanel", "应急"),
    }
    return titles.get(theme_id, theme_id)


def field_of(obj: Any, name: str, default: Any = None) -> Any:
    """``obj[name]`` for a dict (catalogue rows), ``obj.name`` for a model."""
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def value_of(item: Any) -> float | None:
    """The number in an IndicatorValue (or a bare number)."""
    if item is None:
        return None
    if isinstance(item, (int, float)):
        return float(item)
    value = field_of(item, "value")
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


UNITS: dict[str, str] = {
    "件": QT_TRANSLATE_NOOP("IndicatorUnit", "件"),
    "个": QT_TRANSLATE_NOOP("IndicatorUnit", "个"),
    "人": QT_TRANSLATE_NOOP("IndicatorUnit", "人"),
    "名": QT_TRANSLATE_NOOP("IndicatorUnit", "名"),
    "项": QT_TRANSLATE_NOOP("IndicatorUnit", "项"),
    "分钟": QT_TRANSLATE_NOOP("IndicatorUnit", "分钟"),
    "公里": QT_TRANSLATE_NOOP("IndicatorUnit", "公里"),
    "平方公里": QT_TRANSLATE_NOOP("IndicatorUnit", "平方公里"),
    "路": QT_TRANSLATE_NOOP("IndicatorUnit", "路"),
    "台": QT_TRANSLATE_NOOP("IndicatorUnit", "台"),
    "次": QT_TRANSLATE_NOOP("IndicatorUnit", "次"),
    "处": QT_TRANSLATE_NOOP("IndicatorUnit", "处"),
}
"""The Chinese units the indicator definitions use, marked for the catalogue (context
``IndicatorUnit``): English shows "cases", "people", "min", "units" (个, a counter word).
Units already Latin (%, mm, AQI, µg/m³, TB) are shown as they are."""


def display_unit(unit: str) -> str:
    """``unit`` as the UI language shows it (see :data:`UNITS`); unknown units unchanged."""
    source = UNITS.get(unit)
    return QCoreApplication.translate("IndicatorUnit", source).strip() if source else unit


def with_unit(value: float | None, unit: str) -> str:
    """Value and unit as text: "98.0%", "100,000个", "50 AQI" (space before Latin units);
    the unit as the UI language shows it ("6 cases" in English)."""
    text = format_value(value, unit)
    unit = display_unit(unit)
    if not unit:
        return text
    if unit[:1].isascii() and unit[:1].isalpha():
        return f"{text} {unit}"
    return f"{text}{unit}"


# The pure rules live in the core (tested without Qt); re-exported for the views.
indicator_state = ind.threshold_state
progress_to_target = ind.progress_to_target


def _beijing_hm(ts: datetime) -> str:
    return ts.astimezone(DISTRICT_TZ).strftime("%m-%d %H:%M")


class IndicatorTile(QWidget):
    """One KPI: name, change, value with unit, target progress, state colour, sparkline."""

    clicked = Signal(str)
    """The indicator id, when the operator clicks the tile (drill down)."""

    def __init__(self, spec: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self.indicator_id: str = str(field_of(spec, "id"))
        self.setObjectName(f"IndicatorTile_{self.indicator_id}")
        english = QLocale().language() == QLocale.Language.English
        self.title: str = str(field_of(spec, "name_en" if english else "name_zh") or self.indicator_id)
        self.unit: str = str(field_of(spec, "unit") or "")
        self.direction: str = str(field_of(spec, "direction") or "higher")
        self.target: float | None = field_of(spec, "target_2025")
        self.warn: float | None = field_of(spec, "warn")
        self.alarm: float | None = field_of(spec, "alarm")
        self.period_s: float = float(field_of(spec, "period_s") or 60)
        self.value: float | None = None
        self.history: list[float] = []
        self.change: float | None = None
        self.updated_at: datetime | None = None
        self.stale = False
        self.state = "none"
        self.selected = False
        self.large = False
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        # A small hard minimum so the grid never pins the dock wide; the panel
        # reflows to fewer columns well before tiles get this narrow.
        self.setMinimumSize(120, 112)
        self.setMaximumHeight(150)  # compact cards; spare height stays below the grid
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self._update_tooltip()

    def sizeHint(self) -> QSize:
        return QSize(340, 220) if self.large else QSize(200, 120)

    def set_large(self, large: bool) -> None:
        """Large-font variant for the wall: bigger text, taller card."""
        self.large = large
        self.setMinimumSize(200 if large else 120, 190 if large else 112)
        self.setMaximumHeight(260 if large else 150)
        self.updateGeometry()
        self.update()

    def set_value(self, value: float | None, history: Iterable[float] = (), ts: datetime | None = None,
                  change: float | None = None) -> None:
        """Show a new value, its time stamp, recent history and change; repaints only
        when something moved."""
        hist = list(history)
        if value == self.value and hist == self.history and ts == self.updated_at and change == self.change:
            return
        self.value = value
        self.history = hist
        self.updated_at = ts
        self.change = change
        self.state = indicator_state(value, self.direction, self.warn, self.alarm)
        self._update_tooltip()
        self.update()

    def set_stale(self, stale: bool) -> None:
        """Mark the value as stale (no update within its expected period) or current."""
        if stale != self.stale:
            self.stale = stale
            self._update_tooltip()
            self.update()

    def set_selected(self, selected: bool) -> None:
        """Outline the tile whose detail is shown below."""
        if selected != self.selected:
            self.selected = selected
            self.update()

    def display_state(self) -> str:
        """The colour state drawn: "stale" overrides the threshold state."""
        return "stale" if self.stale and self.value is not None else self.state

    def progress(self) -> float | None:
        """Progress towards the target (0..1) or None."""
        return progress_to_target(self.value, self.direction, self.target)

    def value_text(self) -> str:
        """The value as drawn, without the unit."""
        return format_value(self.value, self.unit)

    def change_text(self) -> str:
        """"▲ 0.4" / "▼ 12" / "" — the change over the last hour."""
        if self.change is None or format_value(abs(self.change), self.unit).strip("0.,") == "":
            return ""  # a change too small to show in the tile's precision is no change
        arrow = "▲" if self.change > 0 else "▼"
        return f"{arrow} {format_value(abs(self.change), self.unit)}"

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt's name)
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit(self.indicator_id)
        super().mousePressEvent(event)

    def _update_tooltip(self) -> None:
        parts = [self.title]
        base = field_of(self.spec, "baseline_2021")
        if base is not None:
            parts.append(QCoreApplication.translate("IndicatorPanel", "2021 年现状 {v}").format(v=with_unit(base, self.unit)))
        if self.target is not None:
            parts.append(QCoreApplication.translate("IndicatorPanel", "2025 年目标 {v}").format(v=with_unit(self.target, self.unit)))
        if self.warn is not None or self.alarm is not None:
            parts.append(QCoreApplication.translate("IndicatorPanel", "预警 {w} · 告警 {a}").format(w=with_unit(self.warn, self.unit), a=with_unit(self.alarm, self.unit)))
        if self.updated_at is not None:
            parts.append(QCoreApplication.translate("IndicatorPanel", "更新于 {t}").format(t=_beijing_hm(self.updated_at)))
        if self.stale:
            parts.append(QCoreApplication.translate("IndicatorPanel", "数据未按时更新（应每 {s} 秒更新）").format(s=f"{self.period_s:g}"))
        self.setToolTip("\n".join(parts))

    def paintEvent(self, _event: Any) -> None:  # noqa: N802 (Qt's name)
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        r = QRectF(self.rect()).adjusted(3, 3, -3, -3)
        state = self.display_state()
        dim = QColor(theme.TEXT_DIM)
        state_colour = dim if state == "stale" else QColor(theme.STATE_COLOURS.get(self.state, theme.TEXT_DIM))
        scale = WALL_SCALE if self.large else 1.0

        # Card, selection outline and the state bar on the left edge.
        p.setPen(QPen(QColor(theme.ACCENT if self.selected else theme.BORDER), 1.5 if self.selected else 1))
        p.setBrush(QColor(theme.SURFACE))
        p.drawRoundedRect(r, 6, 6)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(state_colour)
        p.drawRoundedRect(QRectF(r.left(), r.top(), 4 * scale, r.height()), 2, 2)

        inner = r.adjusted(12 * scale, 8 * scale, -10 * scale, -8 * scale)
        base_font = QFont(self.font())
        base_pt = base_font.pointSizeF() * scale

        # Change over the last hour, right-aligned on the name row; green when it moves
        # the right way for this indicator's direction, red when the wrong way.
        f = QFont(base_font)
        f.setPointSizeF(max(8.0, base_pt * 0.95))
        p.setFont(f)
        name_h = p.fontMetrics().height()
        ctext = self.change_text() if not self.stale else ""
        cw = p.fontMetrics().horizontalAdvance(ctext) + 6 if ctext else 0
        if ctext:
            good = ind.change_is_good(self.change, self.direction)
            p.setPen(QColor(theme.OK if good else theme.STATE_COLOURS["alarm"]))
            p.drawText(QRectF(inner.left(), inner.top(), inner.width(), name_h), Qt.AlignmentFlag.AlignRight, ctext)
        p.setPen(dim)
        name = p.fontMetrics().elidedText(self.title, Qt.TextElideMode.ElideRight, int(inner.width() - cw))
        p.drawText(QRectF(inner.left(), inner.top(), inner.width() - cw, name_h), Qt.AlignmentFlag.AlignLeft, name)

        # Value and unit.
        vf = QFont(base_font)
        vf.setPointSizeF(base_pt * 2.1)
        vf.setBold(True)
        p.setFont(vf)
        if state == "stale":
            value_colour = dim
        else:
            value_colour = QColor(theme.TEXT) if self.state in ("ok", "none") else state_colour
        p.setPen(value_colour)
        vtext = self.value_text()
        vh = p.fontMetrics().height()
        vtop = inner.top() + name_h + 2
        p.drawText(QRectF(inner.left(), vtop, inner.width(), vh), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, vtext)
        vw = p.fontMetrics().horizontalAdvance(vtext)
        uf = QFont(base_font)
        uf.setPointSizeF(base_pt)
        p.setFont(uf)
        p.setPen(dim)
        p.drawText(QRectF(inner.left() + vw + 4, vtop, inner.width() - vw - 4, vh - 4),
                   Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom, display_unit(self.unit))
        text_end = vw + 4 + p.fontMetrics().horizontalAdvance(display_unit(self.unit)) + 8

        # Sparkline in the right half of the value row.
        if len(self.history) >= 2 and inner.width() - text_end > 24:
            # Right of the value and unit, never over them; at most the right 45 %.
            left = max(inner.width() * 0.55, text_end)
            spark = QRectF(inner.left() + left, vtop + 4, max(0.0, inner.width() - left), vh - 8)
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
            p.setPen(QPen(dim if state == "stale" else QColor(theme.ACCENT), 1.4 * scale))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawPath(path)

        # Target line (or state words) and progress bar.
        sf = QFont(base_font)
        sf.setPointSizeF(max(7.5, base_pt * 0.85))
        p.setFont(sf)
        sh = p.fontMetrics().height()
        bar_h = 5 * scale
        bottom_top = inner.bottom() - sh - bar_h - 3
        prog = self.progress()
        if state == "stale" and self.updated_at is not None:
            tline = QCoreApplication.translate("IndicatorPanel", "数据滞后 · 截至 {t}").format(t=_beijing_hm(self.updated_at))
        elif self.target is not None:
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
        p.setPen(dim if state in ("ok", "none", "stale") else state_colour)
        p.drawText(QRectF(inner.left(), bottom_top, inner.width(), sh), Qt.AlignmentFlag.AlignLeft,
                   p.fontMetrics().elidedText(tline, Qt.TextElideMode.ElideRight, int(inner.width())))
        bar = QRectF(inner.left(), inner.bottom() - bar_h, inner.width(), bar_h)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(theme.SURFACE_RAISED))
        p.drawRoundedRect(bar, bar_h / 2, bar_h / 2)
        if prog is not None:
            p.setBrush(state_colour if self.state != "none" else QColor(theme.ACCENT))
            p.drawRoundedRect(QRectF(bar.left(), bar.top(), bar.width() * prog, bar.height()), bar_h / 2, bar_h / 2)
        p.end()


class StreetBreakdown(QWidget):
    """Horizontal bars: one indicator's value in each of the six streets."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("StreetBreakdown")
        self.rows: list[tuple[str, float | None]] = []
        self.unit = ""
        self.spec: Any = None
        self.note = ""
        self.large = False
        self.setMinimumWidth(180)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        """Room for the heading and one text line per street: the labels never overlap."""
        line = self.fontMetrics().height() * (WALL_SCALE if self.large else 1.0)
        return QSize(180, int(line * (1 + max(6, len(self.rows))) + 14))

    def set_rows(self, rows: list[tuple[str, float | None]], unit: str, spec: Any, note: str = "") -> None:
        """Street name → value (None: no value for that street); ``note`` when empty."""
        self.rows, self.unit, self.spec, self.note = rows, unit, spec, note
        self.update()

    def paintEvent(self, _event: Any) -> None:  # noqa: N802 (Qt's name)
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        r = QRectF(self.rect()).adjusted(6, 4, -6, -4)
        f = QFont(self.font())
        if self.large:
            f.setPointSizeF(f.pointSizeF() * WALL_SCALE)
        p.setFont(f)
        fm = p.fontMetrics()
        p.setPen(QColor(theme.TEXT))
        head_h = fm.height() + 6
        p.drawText(QRectF(r.left(), r.top(), r.width(), head_h), Qt.AlignmentFlag.AlignLeft, QCoreApplication.translate("IndicatorPanel", "分街道"))
        body = r.adjusted(0, head_h, 0, 0)
        values = [v for _, v in self.rows if v is not None]
        if not values:
            p.setPen(QColor(theme.TEXT_DIM))
            p.drawText(body, Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextWordWrap, self.note or QCoreApplication.translate("IndicatorPanel", "暂无分街道数据"))
            p.end()
            return
        hi = max(max(values), 1e-9)
        row_h = min(fm.height() * 1.9, body.height() / max(1, len(self.rows)))
        label_w = max(fm.horizontalAdvance(n) for n, _ in self.rows) + 8
        value_w = fm.horizontalAdvance("100,000.0%") + 4
        direction = str(field_of(self.spec, "direction") or "higher")
        warn, alarm = field_of(self.spec, "warn"), field_of(self.spec, "alarm")
        for i, (name, v) in enumerate(self.rows):
            y = body.top() + i * row_h
            p.setPen(QColor(theme.TEXT_DIM))
            p.drawText(QRectF(body.left(), y, label_w, row_h), Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, name)
            bar_w = body.width() - label_w - value_w
            track = QRectF(body.left() + label_w, y + row_h * 0.3, bar_w, row_h * 0.4)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(QColor(theme.SURFACE_RAISED))
            p.drawRoundedRect(track, 2, 2)
            if v is not None:
                state = indicator_state(v, direction, warn, alarm) if self.unit == "%" else "ok"
                colour = theme.ACCENT if state == "ok" else theme.STATE_COLOURS[state]
                p.setBrush(QColor(colour))
                p.drawRoundedRect(QRectF(track.left(), track.top(), track.width() * max(0.0, v) / hi, track.height()), 2, 2)
            p.setPen(QColor(theme.TEXT))
            p.drawText(QRectF(track.right() + 4, y, value_w, row_h), Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                       with_unit(v, self.unit) if v is not None else "—")
        p.end()

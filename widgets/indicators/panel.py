"""指标: city-operations monitoring against the district plans' own 2025 targets.

Tabs per theme (总览 with the twelve headline tiles, then 城市运行, 民生诉求, 生态环境,
数字政府, 应急). Each KPI tile shows value and unit, change over the last hour,
progress towards the 2025 target and a colour state from the catalogue's warn/alarm
thresholds; a value that has not been refreshed within three of its periods is drawn
as stale (grey, with the time it dates from), never as current. Clicking a tile drills
down into the detail pane: a pyqtgraph trend with threshold and target lines and a
1 h / 24 h / 7 d / 30 d selector read from the local cache, and a breakdown by street.

The closed-loop figures (events today, acknowledged within limit, closure rate,
overdue, mean times) are computed locally from the alert store by
``console.indicators``; everything else comes from ``core.picture.indicators``. The
panel exports itself as PNG and its data as CSV through ``console.exports`` (the view
renders, the core writes). ``set_wall_mode(True)`` (or ``large=True``) is the
large-font variant for the video wall. The tiles and street bars are drawn by
:mod:`widgets.indicators.cards`, the trend by :mod:`widgets.indicators.chart`.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from itertools import islice
from typing import Any, Callable, Iterable

from PySide6.QtCore import QCoreApplication, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QFont, QResizeEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from console import indicators as ind
from console.runtime import ConsoleCore
from district.vocabulary import DISTRICT_TZ
from widgets import theme
from widgets.bridge import PictureNotifier
from widgets.grab import widget_png
from widgets.indicators.cards import (
    CHANGE_WINDOW_S,
    CHART_MIN_HEIGHT,
    HEADLINE_IDS,
    SPARK_POINTS,
    THEME_EXTRAS,
    THEMES,
    TILE_MIN_WIDTH,
    WALL_SCALE,
    IndicatorTile,
    StreetBreakdown,
    field_of,
    theme_title,
    value_of,
    with_unit,
)
from widgets.indicators.chart import IndicatorChart
from widgets.signals import disconnect_all

log = logging.getLogger(__name__)


class IndicatorPanel(QWidget):
    """指标: theme tabs of KPI tiles over a drill-down pane (trend, street breakdown).

    ``clock`` returns "now" (tests pass a fixed one to check stale detection).
    """

    def __init__(self, core: ConsoleCore, notifier: PictureNotifier, parent: QWidget | None = None, ids: Iterable[str] = HEADLINE_IDS,
                 large: bool = False, clock: Callable[[], datetime] | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("IndicatorPanel")
        self._core = core
        self._notifier = notifier
        self._store = core.picture.indicators
        self.clock: Callable[[], datetime] = clock or (lambda: datetime.now(timezone.utc))
        self.specs: dict[str, Any] = {}
        self._limits: dict[str, tuple[int, int]] = {}
        self.streets: list[tuple[str, str]] = []
        try:
            from console import catalogue

            self.specs = {str(field_of(i, "id")): i for i in catalogue.indicators()}
            self._limits = ind.category_limits(catalogue.categories())
            self.streets = [(s.id, s.name_zh) for s in catalogue.streets()]
        except Exception:  # static data; without it the panel shows ids with no targets
            log.exception("indicator catalogue unavailable")
        self.derived: ind.AlertMetrics | None = None
        self._alerts_dirty = True
        self._derived_at: datetime | None = None

        # Tabs: the overview (headline tiles) first, then one per theme.
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("IndicatorTabs")
        self.tabs.setDocumentMode(True)
        self.tiles: dict[str, IndicatorTile] = {}
        self.theme_tiles: dict[str, dict[str, IndicatorTile]] = {}
        self._grids: list[tuple[QGridLayout, list[IndicatorTile]]] = []
        self._all: dict[str, list[IndicatorTile]] = {}
        self.tiles = self._add_tab("overview", list(ids))
        for theme_id in THEMES:
            members = [i for i, s in self.specs.items() if field_of(s, "theme") == theme_id]
            members += [i for i in THEME_EXTRAS.get(theme_id, ()) if i not in members]
            self.theme_tiles[theme_id] = self._add_tab(theme_id, members)

        # Drill-down pane.
        self.detail = QFrame(self)
        self.detail.setObjectName("IndicatorDetail")
        self.detail_title = QLabel(self.detail)
        self.detail_title.setObjectName("IndicatorDetailTitle")
        self.detail_meta = QLabel(self.detail)
        self.detail_meta.setObjectName("IndicatorDetailMeta")
        self.export_status = QLabel(self.detail)
        self.range_note = QLabel(self.detail)
        self.range_note.setObjectName("IndicatorRangeNote")
        self.export_status.setObjectName("IndicatorExportStatus")
        self.range_group = QButtonGroup(self)
        self.range_group.setExclusive(True)
        self.range_buttons: dict[str, QPushButton] = {}
        # Two rows (title and exports; ranges and notes) so the pane fits the right column
        # of a 1280/1366 px screen with 导出数据 in view (issue 21).
        head = QHBoxLayout()
        head.setContentsMargins(0, 0, 0, 0)
        ranges = QHBoxLayout()
        ranges.setContentsMargins(0, 0, 0, 0)
        titles = QVBoxLayout()
        titles.setSpacing(0)
        self.detail_title.setWordWrap(True)
        self.detail_meta.setWordWrap(True)
        titles.addWidget(self.detail_title)
        titles.addWidget(self.detail_meta)
        head.addLayout(titles, 1)
        range_labels = {"1h": QCoreApplication.translate("IndicatorPanel", "1 小时"), "24h": QCoreApplication.translate("IndicatorPanel", "24 小时"), "7d": QCoreApplication.translate("IndicatorPanel", "7 天"), "30d": QCoreApplication.translate("IndicatorPanel", "30 天")}
        for key in ind.TIME_RANGES:
            b = QPushButton(range_labels[key], self.detail)
            b.setObjectName(f"IndicatorRange_{key}")
            b.setCheckable(True)
            b.setProperty("segmented", True)
            self.range_group.addButton(b)
            self.range_buttons[key] = b
            b.clicked.connect(lambda _=False, k=key: self.set_time_range(k))
            ranges.addWidget(b)
        self.export_status.setWordWrap(True)
        self.range_note.setWordWrap(True)
        ranges.addSpacing(8)
        ranges.addWidget(self.range_note, 1)
        ranges.addWidget(self.export_status, 1)
        self.png_button = QPushButton(QCoreApplication.translate("IndicatorPanel", "导出图片"), self.detail)
        self.csv_button = QPushButton(QCoreApplication.translate("IndicatorPanel", "导出数据"), self.detail)
        self.png_button.clicked.connect(lambda: self.ask_export("png"))
        self.csv_button.clicked.connect(lambda: self.ask_export("csv"))
        head.addWidget(self.png_button, 0, Qt.AlignmentFlag.AlignTop)
        head.addWidget(self.csv_button, 0, Qt.AlignmentFlag.AlignTop)
        self.chart = IndicatorChart(self.detail)
        self.breakdown = StreetBreakdown(self.detail)
        self.chart.setMinimumHeight(CHART_MIN_HEIGHT)  # readable axis labels on a 768 px screen
        body = QHBoxLayout()
        body.setContentsMargins(0, 0, 0, 0)
        body.addWidget(self.chart, 3)
        body.addWidget(self.breakdown, 1)
        dl = QVBoxLayout(self.detail)
        dl.setContentsMargins(8, 6, 8, 6)
        dl.setSpacing(4)
        dl.addLayout(head)
        dl.addLayout(ranges)
        dl.addLayout(body, 1)

        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self.tabs)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        self.splitter = splitter
        self._split_done = False
        self._split_moved = False
        splitter.splitterMoved.connect(self._on_split_moved)
        self.tabs.currentChanged.connect(self._on_tab_changed)
        self.detail_title.setStyleSheet(f"font-weight: bold; color: {theme.TEXT}; background: transparent;")
        self.detail_meta.setStyleSheet(f"color: {theme.TEXT_DIM}; background: transparent;")
        self.export_status.setStyleSheet(f"color: {theme.TEXT_DIM}; background: transparent;")
        self.range_note.setStyleSheet(f"color: {theme.TEXT_DIM}; background: transparent;")
        self.detail.setStyleSheet(f"QFrame#IndicatorDetail {{ background: {theme.SURFACE}; border: 1px solid {theme.BORDER};"
                                  " border-radius: 6px; }")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(4, 4, 4, 4)
        outer.addWidget(splitter)

        self.selected_id: str | None = None
        self.time_range = "24h"
        self.range_buttons[self.time_range].setChecked(True)
        self.detail_points: list[tuple[float, float]] = []
        self._export_dialog: QFileDialog | None = None
        self.last_export: str | None = None
        self.large = False
        self._columns = 0
        self._reflow(3)

        notifier.indicators_changed.connect(self._on_indicators_changed)
        notifier.alerts_changed.connect(self._on_alerts_changed)
        # One slow timer for what changes with time alone: stale marks, overdue ages,
        # the chart's sliding window.
        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self._on_tick)
        self._tick.start()
        self.refresh(None)
        first = next(iter(self.tiles), None)
        if first is not None:
            self.select_indicator(first)
        if large:
            self.set_wall_mode(True)

    # ------------------------------------------------------------------ building

    def _add_tab(self, theme_id: str, ids: list[str]) -> dict[str, IndicatorTile]:
        tiles: dict[str, IndicatorTile] = {}
        page = QWidget()
        page.setObjectName(f"IndicatorPage_{theme_id}")
        grid = QGridLayout()
        grid.setSpacing(6)
        grid.setContentsMargins(2, 6, 2, 2)
        lay = QVBoxLayout(page)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(grid)
        lay.addStretch(1)
        for ind_id in ids:
            spec = self.specs.get(ind_id, {"id": ind_id, "name_zh": ind_id, "unit": ""})
            tile = IndicatorTile(spec, page)
            tile.clicked.connect(self.select_indicator)
            tiles[ind_id] = tile
            self._all.setdefault(ind_id, []).append(tile)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(page)
        self.tabs.addTab(scroll, theme_title(theme_id))
        self._grids.append((grid, list(tiles.values())))
        return tiles

    def all_tiles(self, indicator_id: str) -> list[IndicatorTile]:
        """Every tile of an indicator (the overview and its theme tab)."""
        return list(self._all.get(indicator_id, []))

    # ------------------------------------------------------------------ values

    def _compute_derived(self) -> None:
        now = self.clock()
        self.derived = ind.derive_alert_metrics(self._core.picture.alerts.values(), self._limits, now)
        self._derived_at = now
        self._alerts_dirty = False

    def _derived_ts(self) -> datetime | None:
        """"Data as of" for the locally derived figures: the last message from the feed
        (the alert store is only as current as the stream feeding it)."""
        conn = self._core.picture.connection
        return conn.last_message_at or conn.data_as_of

    def refresh(self, changed: set[Any] | None) -> None:
        """Reload the tiles named in ``changed`` (None or unrecognised keys: all)."""
        targets: set[str] = set(self._all)
        if changed:
            keys = {k[0] if isinstance(k, tuple) else k for k in changed}
            hit = keys & self._all.keys()
            if hit:
                targets = hit
            elif all(isinstance(k, str) for k in keys):
                return  # only indicators we do not show changed
        if self.derived is None:
            # Afterwards the 1 s tick recomputes: during an alert storm the notifier fires
            # every 100 ms and a pass over 10,000 alerts costs ~16 ms.
            self._compute_derived()
        derived = self.derived.as_values() if self.derived is not None and len(self._core.picture.alerts) else {}
        for ind_id in targets:
            latest = self._store.latest(ind_id)
            tail = self._tail(self._store.history(ind_id), SPARK_POINTS)
            points = [(h.ts.timestamp(), float(h.value)) for h in tail]
            value: float | None
            if ind_id in derived:
                value = derived[ind_id]
                ts = self._derived_ts() or (latest.ts if latest is not None else None)
                if points:
                    # The local figure is the newest point: the change is measured to it.
                    points.append((points[-1][0] + 1e-3, derived[ind_id]))
            else:
                value = value_of(latest)
                ts = latest.ts if latest is not None else None
            change = ind.change_over(points, CHANGE_WINDOW_S)
            for tile in self._all[ind_id]:
                tile.set_value(value, [v for _, v in points[-SPARK_POINTS:]], ts=ts, change=change)
        self._update_stale()
        if self.selected_id is not None and self.selected_id in targets:
            self._extend_detail()

    def _update_stale(self) -> None:
        now = self.clock()
        for ind_id, tiles in self._all.items():
            for tile in tiles:
                tile.set_stale(ind.is_stale(tile.updated_at, tile.period_s, now))

    def _on_indicators_changed(self, changed: object) -> None:
        ids = set(changed) if isinstance(changed, (set, frozenset, list, tuple)) else None
        self.refresh(ids)

    def _on_alerts_changed(self, _changed: object) -> None:
        self._alerts_dirty = True

    def _on_tick(self) -> None:
        now = self.clock()
        # Overdue counts change with time alone; recompute at least every 10 s.
        if self._alerts_dirty or self._derived_at is None or (now - self._derived_at).total_seconds() >= 10:
            self._compute_derived()
            self.refresh(set(ind.DERIVED_IDS))
        self._update_stale()
        if self.selected_id is not None:
            self._update_breakdown()
            span = ind.TIME_RANGES[self.time_range]
            t = now.timestamp()
            self.chart.set_x_range(t - span, t)

    # ------------------------------------------------------------------ drill-down

    def select_indicator(self, indicator_id: str) -> None:
        """Show one indicator in the detail pane: trend for the time range, breakdown."""
        self.selected_id = indicator_id
        for iid, tiles in self._all.items():
            for tile in tiles:
                tile.set_selected(iid == indicator_id)
        spec = self.specs.get(indicator_id, {"id": indicator_id, "name_zh": indicator_id, "unit": ""})
        shown = self._all.get(indicator_id)
        self.detail_title.setText(shown[0].title if shown else indicator_id)
        meta = []
        base, target = field_of(spec, "baseline_2021"), field_of(spec, "target_2025")
        unit = str(field_of(spec, "unit") or "")
        if base is not None:
            meta.append(QCoreApplication.translate("IndicatorPanel", "2021 年现状 {v}").format(v=with_unit(base, unit)))
        if target is not None:
            meta.append(QCoreApplication.translate("IndicatorPanel", "2025 年目标 {v}").format(v=with_unit(target, unit)))
        if indicator_id in ind.DERIVED_IDS:
            meta.append(QCoreApplication.translate("IndicatorPanel", "由本地告警数据计算"))
        self.detail_meta.setText("  ·  ".join(meta))
        self.chart.set_reference_lines(field_of(spec, "warn"), field_of(spec, "alarm"), target, names=(
            QCoreApplication.translate("IndicatorPanel", "预警线"), QCoreApplication.translate("IndicatorPanel", "告警线"),
            QCoreApplication.translate("IndicatorPanel", "2025 目标")))
        self._load_history()
        self._update_breakdown()

    def set_time_range(self, key: str) -> None:
        """1h, 24h, 7d or 30d: reload the trend from the local cache."""
        if key not in ind.TIME_RANGES:
            raise ValueError(key)
        self.time_range = key
        self.range_buttons[key].setChecked(True)
        self._load_history()

    def _load_history(self) -> None:
        if self.selected_id is None:
            return
        now = self.clock()
        span = ind.TIME_RANGES[self.time_range]
        start = datetime.fromtimestamp(now.timestamp() - span, timezone.utc)
        cached: list[tuple[float, float]] = []
        info: dict[str, Any] = {}
        journal = self._core.journal
        try:
            cached = ind.read_history(journal, self.selected_id, start, now, info=info)
        except Exception:  # a damaged cache must not take the panel down; live values still show
            log.exception("indicator history unavailable")
        live = [(v.ts.timestamp(), float(v.value)) for v in self._store.history(self.selected_id)
                if v.ts.timestamp() >= start.timestamp()]
        self.detail_points = ind.merge_history(cached, live)
        # Long ranges are sampled from the cache (console.indicators.read_history): say so.
        self.range_note.setText(QCoreApplication.translate("IndicatorPanel", "抽样显示") if info.get("sampled") else "")
        self._push_chart()
        self.chart.set_x_range(start.timestamp(), now.timestamp())

    def _extend_detail(self) -> None:
        """Append values newer than the trend's last point (the chart batches redraws)."""
        if self.selected_id is None:
            return
        last = self.detail_points[-1][0] if self.detail_points else float("-inf")
        new = [(v.ts.timestamp(), float(v.value)) for v in self._tail(self._store.history(self.selected_id), 50)
               if v.ts.timestamp() > last]
        if new:
            self.detail_points.extend(new)
            # The window slides: drop what fell out of it so an open panel does not grow.
            cutoff = self.clock().timestamp() - ind.TIME_RANGES[self.time_range]
            if self.detail_points and self.detail_points[0][0] < cutoff:
                self.detail_points = [p for p in self.detail_points if p[0] >= cutoff]
            self._push_chart()

    def _push_chart(self) -> None:
        xs = [p[0] for p in self.detail_points]
        ys = [p[1] for p in self.detail_points]
        self.chart.set_series("district", xs, ys, label=QCoreApplication.translate("IndicatorPanel", "全区"))

    def breakdown_rows(self) -> list[tuple[str, float | None]]:
        """(street name, value) of the selected indicator in each street."""
        if self.selected_id is None:
            return []
        if self.selected_id == "overdue_count" and self.derived is not None:
            return [(name, float(self.derived.overdue_by_street.get(sid, 0))) for sid, name in self.streets]
        if self.selected_id == "events_today" and self.derived is not None:
            return [(name, float(self.derived.events_by_street.get(sid, 0))) for sid, name in self.streets]
        return [(name, value_of(self._store.latest(self.selected_id, sid))) for sid, name in self.streets]

    def _update_breakdown(self) -> None:
        spec = self.specs.get(self.selected_id or "", {})
        self.breakdown.set_rows(self.breakdown_rows(), str(field_of(spec, "unit") or ""), spec,
                                note=QCoreApplication.translate("IndicatorPanel", "该指标按全区统计，无分街道数值"))

    # ------------------------------------------------------------------ export

    def ask_export(self, kind: str) -> QFileDialog:
        """Ask where to save (non-blocking ``open()``); the answer writes the file."""
        name = (self.selected_id or "indicators") + datetime.now(DISTRICT_TZ).strftime("_%Y%m%d_%H%M")
        if kind == "png":
            dlg = QFileDialog(self, QCoreApplication.translate("IndicatorPanel", "导出指标面板图片"), name + ".png", QCoreApplication.translate("IndicatorPanel", "PNG 图片 (*.png)"))
        else:
            dlg = QFileDialog(self, QCoreApplication.translate("IndicatorPanel", "导出指标数据"), name + ".csv", QCoreApplication.translate("IndicatorPanel", "CSV 表格 (*.csv)"))
        dlg.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dlg.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        dlg.fileSelected.connect(lambda path, k=kind: self.export_to(k, path))
        self._export_dialog = dlg
        dlg.open()
        return dlg

    def panel_png(self) -> bytes:
        """The panel as it looks now, as PNG bytes."""
        self.chart.flush()
        return widget_png(self)

    def panel_csv(self) -> str:
        """The selected indicator's trend in the current range, and its street breakdown."""
        from console import indicators

        iid = self.selected_id or ""
        spec = self.specs.get(iid, {})
        name = str(field_of(spec, "name_zh") or iid)
        rows = {n: v for n, v in self.breakdown_rows()}
        return indicators.series_csv(iid, name, str(field_of(spec, "unit") or ""), self.detail_points, rows)

    def export_to(self, kind: str, path: str) -> None:
        """Write the PNG or CSV to ``path`` through ``console.exports``; say how it went."""
        from console import exports

        if not path:
            return
        try:
            written = exports.write_png(path, self.panel_png()) if kind == "png" else exports.write_csv(path, self.panel_csv())
        except exports.ExportError as exc:
            self.export_status.setText(str(exc))
            self.export_status.setStyleSheet(f"color: {theme.STATE_COLOURS['alarm']}; background: transparent;")
            return
        self.last_export = str(written)
        self.export_status.setText(QCoreApplication.translate("IndicatorPanel", "已导出 {name}").format(name=written.name))
        self.export_status.setStyleSheet(f"color: {theme.TEXT_DIM}; background: transparent;")

    # ------------------------------------------------------------------ wall variant

    def set_wall_mode(self, large: bool) -> None:
        """The large-font variant for the wall: bigger tiles, tabs, chart text."""
        self.large = large
        for tiles in self._all.values():
            for tile in tiles:
                tile.set_large(large)
        self.breakdown.large = large
        self.breakdown.update()
        self.chart.set_large_font(large)
        f = QFont(self.font())
        if large:
            f.setPointSizeF(f.pointSizeF() * WALL_SCALE)
        for w in (self.tabs.tabBar(), self.detail_title, self.detail_meta, self.export_status, self.png_button,
                  self.csv_button, *self.range_buttons.values()):
            w.setFont(f)
        # The theme's style sheet sets tab and button text sizes; say it there too.
        pt = f.pointSizeF()
        self.tabs.tabBar().setStyleSheet(f"QTabBar::tab {{ font-size: {pt:.1f}pt; padding: 6px 16px; }}" if large else "")
        self.tabs.tabBar().adjustSize()
        self.detail.setStyleSheet(self.detail.styleSheet().split("/*wall*/")[0]
                                  + (f"/*wall*/ QPushButton {{ font-size: {pt:.1f}pt; }}" if large else ""))
        self._columns = 0
        self._reflow(max(1, self.width() // (self._tile_width() + 4)))

    def _tile_width(self) -> int:
        return int(TILE_MIN_WIDTH * (WALL_SCALE if self.large else 1.0))

    # ------------------------------------------------------------------ layout, lifetime

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt's name)
        """Stop listening to the core when the panel goes away."""
        self._tick.stop()
        disconnect_all(((self._notifier.indicators_changed, self._on_indicators_changed),
                             (self._notifier.alerts_changed, self._on_alerts_changed)))
        super().closeEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        if not self._split_done and event.size().height() > 200:
            self._fit_split()
            QTimer.singleShot(0, self, self._fit_split)
        self._reflow(max(1, event.size().width() // (self._tile_width() + 4)))

    def _fit_split(self) -> None:
        """Give the tiles of the current tab the height they need (at most 60 %) and the
        trend the rest; once the operator drags the splitter, their choice stays."""
        h = self.splitter.height() or self.height()
        page = self.tabs.currentWidget()
        inner = page.widget() if isinstance(page, QScrollArea) else page
        need = self.tabs.tabBar().sizeHint().height() + (inner.sizeHint().height() if inner is not None else 0) + 8
        top = int(min(max(need, h * 0.25), h * 0.6))
        self.splitter.setSizes([top, max(1, h - top)])
        self._split_done = True

    def _on_tab_changed(self, _index: int) -> None:
        if not self._split_moved:
            self._fit_split()

    def _on_split_moved(self, _pos: int, _index: int) -> None:
        self._split_moved = True

    def _reflow(self, columns: int) -> None:
        # A long thin dock gets one row of tiles; a narrow one two or three columns.
        columns = max(1, columns)
        if columns == self._columns:
            return
        self._columns = columns
        for grid, tiles in self._grids:
            cols = min(columns, max(1, len(tiles)))
            for tile in tiles:
                grid.removeWidget(tile)
            for i, tile in enumerate(tiles):
                grid.addWidget(tile, i // cols, i % cols)
        if self._split_done and not self._split_moved:
            QTimer.singleShot(0, self, self._fit_split)  # after the layout has taken the new rows

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

"""The 指标 panel: city-operations KPIs against the district's 2025 targets.

Modules:

- ``panel`` — :class:`IndicatorPanel`: theme tabs of tiles over a drill-down pane
  (trend, time range, street breakdown, PNG/CSV export), also the wall's large-font variant;
- ``cards`` — :class:`~widgets.indicators.cards.IndicatorTile` (one KPI) and
  :class:`~widgets.indicators.cards.StreetBreakdown`, the headline ids and themes,
  and how a KPI number is written (:func:`~widgets.indicators.cards.format_value`);
- ``chart`` — :class:`~widgets.indicators.chart.IndicatorChart`, the pyqtgraph trend
  with threshold and target lines, on a Beijing-time axis.
"""

from widgets.indicators.panel import IndicatorPanel

__all__ = ["IndicatorPanel"]

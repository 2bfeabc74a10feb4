"""Trend charts read clock times (Beijing) on their time axis, never raw numbers such as
39.000 … 46.000 — in the indicator panel and in the wartime command panel alike."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

pg = pytest.importorskip("pyqtgraph")

BEIJING = timezone(timedelta(hours=8))


def test_time_axis_labels_are_clock_times(qtbot: Any) -> None:
    from widgets.indicators.chart import _BeijingAxis

    axis = _BeijingAxis()
    t0 = datetime(2026, 7, 1, 14, 39, tzinfo=BEIJING).timestamp()
    labels = axis.tickStrings([t0, t0 + 60, t0 + 420], 1.0, 60.0)
    assert labels == ["14:39", "14:40", "14:46"]
    assert axis.tickStrings([t0], 1.0, 86400.0) == ["07-01"]
    assert axis.tickStrings([t0 + 5], 1.0, 5.0) == ["14:39:05"]


def test_the_wartime_trend_charts_use_the_clock_axis(qtbot: Any) -> None:
    from PySide6.QtWidgets import QVBoxLayout, QWidget

    from widgets.indicators.chart import _BeijingAxis
    from widgets.wartime import IncidentMetricsPanel

    holder = QWidget()
    qtbot.addWidget(holder)
    holder.charts = []  # type: ignore[attr-defined]
    holder.chart_box = QVBoxLayout(holder)  # type: ignore[attr-defined]
    IncidentMetricsPanel._make_charts(holder)  # type: ignore[arg-type] - the panel's own chart builder
    assert holder.charts, "no trend charts were built"  # type: ignore[attr-defined]
    for plot in holder.charts:  # type: ignore[attr-defined]
        assert isinstance(plot.getPlotItem().getAxis("bottom"), _BeijingAxis)

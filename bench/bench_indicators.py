"""Indicator panels under load: 200 series updating once a second, 24 h of history in view.

Two loads run together in one 1920×1080 window (offscreen unless a display is set):

* the real ``IndicatorPanel`` on a real ``OperatingPicture`` whose indicator store gets
  200 values a second (every catalogue indicator for the district and the six streets,
  topped up to 200), through the real ``PictureNotifier``; its drill-down chart shows
  the 24 h range;
* a wall of ``IndicatorChart``s holding 200 series between them (20 per chart), each
  with 24 h of 5-second history (17,280 points per series, 3.5 M points in all), every
  series getting one new point a second.

A 10 ms QTimer measures how late the event loop runs it (the lag an operator would
feel, p50/p99/max) and ``time.process_time`` gives the process CPU used (100 % = one
core) over the measured window.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication, QGridLayout, QHBoxLayout, QWidget  # noqa: E402

from console import catalogue  # noqa: E402
from console.models import IndicatorValue  # noqa: E402
from widgets.bridge import PictureNotifier  # noqa: E402
from console.stores import OperatingPicture  # noqa: E402
from widgets import theme  # noqa: E402
from widgets.indicators.chart import IndicatorChart  # noqa: E402
from widgets.indicators import IndicatorPanel  # noqa: E402

PERIOD_S = 5.0
DAY_S = 86400.0


def percentile(xs: list[float], p: float) -> float:
    """The p-th percentile (nearest rank) of xs."""
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))] if xs else float("nan")


def run(seconds: float, series: int, per_chart: int, warmup: float) -> dict[str, float]:
    """Build the window, drive it for warmup + seconds, return the measured figures."""
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication([])
    theme.apply_theme(app)
    picture = OperatingPicture()
    notifier = PictureNotifier(picture)
    core = SimpleNamespace(picture=picture, journal=None)

    keys: list[tuple[str, str | None]] = []
    streets = [s.id for s in catalogue.streets()]
    for street in [None] + streets:  # district values first: those are the tiles
        for spec in catalogue.indicators():
            keys.append((spec.id, street))
    keys = keys[:series]

    root = QWidget()
    root.resize(1920, 1080)
    lay = QHBoxLayout(root)
    panel = IndicatorPanel(core, notifier)
    lay.addWidget(panel, 2)
    wall = QWidget()
    grid = QGridLayout(wall)
    lay.addWidget(wall, 3)
    charts: list[IndicatorChart] = []
    for i in range((series + per_chart - 1) // per_chart):
        chart = IndicatorChart(batch_ms=1000)  # a wall refreshed once a second: spread over it
        grid.addWidget(chart, i // 2, i % 2)
        charts.append(chart)

    now = time.time()
    n = int(DAY_S / PERIOD_S)
    xs0 = now - DAY_S + np.arange(n) * PERIOD_S
    rng = np.random.default_rng(1)
    data: list[tuple[np.ndarray, np.ndarray]] = []
    for i in range(series):
        ys = 50 + np.cumsum(rng.normal(0, 0.5, n))
        data.append((xs0.copy(), ys))
        charts[i // per_chart].set_series(f"s{i}", data[i][0], data[i][1])
    for chart in charts:
        chart.set_x_range(now - DAY_S, now)
    root.show()

    def tick() -> None:
        t = time.time()
        vals = []
        for i, (xs, ys) in enumerate(data):
            nx = np.append(xs[1:], t)
            ny = np.append(ys[1:], ys[-1] + rng.normal(0, 0.5))
            data[i] = (nx, ny)
            charts[i // per_chart].set_series(f"s{i}", nx, ny)
            iid, street = keys[i % len(keys)]
            vals.append(IndicatorValue(indicator_id=iid, value=float(ny[-1]), street=street,
                                       ts=datetime.fromtimestamp(t, timezone.utc)))
        picture.indicators.add(vals)
        for chart in charts:
            chart.set_x_range(t - DAY_S, t)

    feeder = QTimer()
    feeder.setInterval(1000)
    feeder.timeout.connect(tick)
    feeder.start()

    lateness: list[float] = []
    state = {"last": 0.0, "measuring": False}
    probe = QTimer()
    probe.setInterval(10)

    def on_probe() -> None:
        t = time.perf_counter()
        if state["measuring"] and state["last"]:
            lateness.append(max(0.0, (t - state["last"] - 0.010) * 1000))
        state["last"] = t

    probe.timeout.connect(on_probe)
    probe.start()

    marks: dict[str, float] = {}

    def begin() -> None:
        state["measuring"] = True
        marks["cpu0"], marks["wall0"] = time.process_time(), time.perf_counter()
        marks["applied0"] = sum(c.applied for c in charts)

    def end() -> None:
        marks["cpu1"], marks["wall1"] = time.process_time(), time.perf_counter()
        marks["applied1"] = sum(c.applied for c in charts)
        app.quit()

    QTimer.singleShot(int(warmup * 1000), begin)
    QTimer.singleShot(int((warmup + seconds) * 1000), end)
    app.exec()
    feeder.stop()
    probe.stop()
    notifier.stop()
    wall_s = marks["wall1"] - marks["wall0"]
    result = {
        "series": float(series),
        "points_per_series": float(n),
        "seconds": wall_s,
        "cpu_pct": 100 * (marks["cpu1"] - marks["cpu0"]) / wall_s,
        "lag_p50_ms": percentile(lateness, 50),
        "lag_p99_ms": percentile(lateness, 99),
        "lag_max_ms": max(lateness) if lateness else float("nan"),
        "setdata_per_s": (marks["applied1"] - marks["applied0"]) / wall_s,
        "tiles_with_value": float(sum(t.value is not None for t in panel.tiles.values())),
    }
    root.close()
    return result


def main(argv: list[str] | None = None) -> int:
    """Run the bench and print a table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--series", type=int, default=200)
    ap.add_argument("--per-chart", type=int, default=20)
    ap.add_argument("--warmup", type=float, default=4)
    args = ap.parse_args(argv)
    r = run(args.seconds, args.series, args.per_chart, args.warmup)
    print(f"{'indicator panels, 24 h in view':<40} {'value':>12}")
    print("-" * 53)
    print(f"{'series updating once a second':<40} {r['series']:>12.0f}")
    print(f"{'points per series (24 h at 5 s)':<40} {r['points_per_series']:>12.0f}")
    print(f"{'measured seconds':<40} {r['seconds']:>12.1f}")
    print(f"{'process CPU (% of one core)':<40} {r['cpu_pct']:>12.1f}")
    print(f"{'event-loop lag p50 (ms)':<40} {r['lag_p50_ms']:>12.1f}")
    print(f"{'event-loop lag p99 (ms)':<40} {r['lag_p99_ms']:>12.1f}")
    print(f"{'event-loop lag max (ms)':<40} {r['lag_max_ms']:>12.1f}")
    print(f"{'curve setData calls per second':<40} {r['setdata_per_s']:>12.1f}")
    print(f"{'headline tiles with a value':<40} {r['tiles_with_value']:>12.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""指标 tiles: catalogue names and targets, live values from the real feed."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from console.indicators import DERIVED_IDS
from widgets.indicators import IndicatorPanel
from widgets.indicators.cards import HEADLINE_IDS, format_value

pytestmark = pytest.mark.timeout(120)


def test_headline_ids_are_in_the_catalogue() -> None:
    from console import catalogue

    ids = {i.id for i in catalogue.indicators()}
    assert 8 <= len(HEADLINE_IDS) <= 12
    assert set(HEADLINE_IDS) <= ids, set(HEADLINE_IDS) - ids


def test_tiles_show_live_values(live_console: SimpleNamespace, qtbot: Any) -> None:
    from console import catalogue

    specs = {i.id: i for i in catalogue.indicators()}
    panel = IndicatorPanel(live_console.core, live_console.notifier)
    qtbot.addWidget(panel)
    panel.resize(560, 520)
    panel.show()
    qtbot.waitExposed(panel)

    assert list(panel.tiles) == list(HEADLINE_IDS)
    for ind_id, tile in panel.tiles.items():
        assert tile.title == specs[ind_id].name_zh
        assert tile.unit == specs[ind_id].unit
        assert tile.target == specs[ind_id].target_2025

    store = live_console.core.picture.indicators
    # The snapshot carries current values; the feed refreshes them every few seconds.
    qtbot.waitUntil(lambda: sum(t.value is not None for t in panel.tiles.values()) >= 8, timeout=20000)
    for ind_id, tile in panel.tiles.items():
        latest = store.latest(ind_id)
        if latest is None:
            continue
        if ind_id in DERIVED_IDS:
            # Closed-loop figures are computed locally from the alert store.
            qtbot.waitUntil(lambda: panel.derived is not None
                            and tile.value == panel.derived.as_values()[ind_id], timeout=5000)
        else:
            qtbot.waitUntil(lambda: tile.value == store.latest(ind_id).value, timeout=5000)
        assert tile.value_text() == format_value(tile.value, tile.unit)
        assert tile.state in ("ok", "warn", "alarm")
        if tile.target is not None:
            assert tile.progress() is not None and 0.0 <= tile.progress() <= 1.0

    # Values keep arriving: some tile gathers history for its sparkline.
    qtbot.waitUntil(lambda: any(len(t.history) >= 2 for t in panel.tiles.values()), timeout=30000)
    assert not panel.grab().isNull()


# --------------------------------------------------------------------------- offline: a picture filled by hand


@pytest.fixture
def fixed_console(tmp_path: Any, qtbot: Any) -> Any:
    """A core stand-in: the real picture, notifier and cache journal, no feed; the
    panel's clock is fixed at the fixture's NOW so staleness is exact."""
    from tests.support.indicatorsupport import NOW, fill_journal

    from widgets.bridge import PictureNotifier
    from console.stores import OperatingPicture

    picture = OperatingPicture()
    core = SimpleNamespace(picture=picture, journal=fill_journal(tmp_path / "cache.sqlite"))
    notifier = PictureNotifier(picture, interval_ms=20)
    yield SimpleNamespace(core=core, notifier=notifier, now=NOW)
    notifier.stop()


def _values(now: Any, **by_id: tuple[float, float]) -> list[Any]:
    """IndicatorValues: id=(value, age in seconds)."""
    from datetime import timedelta

    from console.models import IndicatorValue

    return [IndicatorValue(indicator_id=k, value=v, ts=now - timedelta(seconds=age)) for k, (v, age) in by_id.items()]


def _panel(fc: Any, qtbot: Any, **kw: Any) -> IndicatorPanel:
    panel = IndicatorPanel(fc.core, fc.notifier, clock=lambda: fc.now, **kw)
    qtbot.addWidget(panel)
    panel.resize(1100, 800)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


def test_theme_tabs_hold_their_catalogue_indicators(fixed_console: Any, qtbot: Any) -> None:
    from console import catalogue

    panel = _panel(fixed_console, qtbot)
    assert [panel.tabs.tabText(i) for i in range(panel.tabs.count())] == ["总览", "城市运行", "民生诉求", "生态环境", "数字政府", "应急"]
    for spec in catalogue.indicators():
        assert spec.id in panel.theme_tiles[spec.theme], spec.id
    assert {"rainfall_mm_1h", "river_level_m"} <= set(panel.theme_tiles["emergency"])


def test_thresholds_colour_tiles_and_stale_values_show_stale(fixed_console: Any, qtbot: Any) -> None:
    fc = fixed_console
    panel = _panel(fc, qtbot)
    fc.core.picture.indicators.add(_values(fc.now, aqi_now=(40, 2), camera_online_rate=(92, 2), river_level_m=(4.5, 2),
                                           pm25_annual=(18.5, 170), good_air_days_rate=(98, 200)))
    qtbot.waitUntil(lambda: panel.tiles["aqi_now"].value == 40, timeout=5000)
    assert panel.tiles["aqi_now"].state == "ok"
    assert panel.tiles["camera_online_rate"].state == "warn"
    assert panel.tiles["river_level_m"].state == "alarm"
    assert panel.tiles["pm25_annual"].state == "warn" and not panel.tiles["pm25_annual"].stale  # 170 s < 3 × 60 s
    # 200 s without an update of a 60-second indicator: stale, drawn grey, in every tab.
    for tile in panel.all_tiles("good_air_days_rate"):
        assert tile.stale and tile.display_state() == "stale" and "数据未按时更新" in tile.toolTip()
    # A fresh value makes it current again; AQI over its alarm line turns red.
    fc.core.picture.indicators.add(_values(fc.now, good_air_days_rate=(97.0, 1), aqi_now=(180, 1)))
    qtbot.waitUntil(lambda: panel.tiles["aqi_now"].state == "alarm", timeout=5000)
    assert not panel.tiles["good_air_days_rate"].stale and panel.tiles["good_air_days_rate"].state == "warn"
    # Time passes with no update: the 5-second AQI goes stale at the next tick.
    from datetime import timedelta

    fc.now = fc.now + timedelta(seconds=20)
    qtbot.waitUntil(lambda: panel.tiles["aqi_now"].stale, timeout=5000)
    assert panel.tiles["aqi_now"].display_state() == "stale"


def test_derived_tiles_use_the_local_alert_store(fixed_console: Any, qtbot: Any) -> None:
    from tests.support.indicatorsupport import fixture_alerts

    fc = fixed_console
    for a in fixture_alerts():
        fc.core.picture.alerts.apply(a)
    fc.core.picture.set_connection(last_message_at=fc.now)
    panel = _panel(fc, qtbot)
    # Categories "a"/"b" are not in the district catalogue: both fall back to 120/1440 min.
    qtbot.waitUntil(lambda: panel.tiles["events_today"].value == 5, timeout=5000)
    assert panel.theme_tiles["city_ops"]["overdue_count"].value == panel.derived.overdue_count
    assert panel.theme_tiles["citizen"]["closure_rate"].value == pytest.approx(100 * 2 / 6)
    assert not panel.tiles["events_today"].stale
    panel.select_indicator("overdue_count")
    rows = dict(panel.breakdown_rows())
    assert rows["石井"] == 1 and rows["坑梓"] == 1 and rows["碧岭"] == 0


def test_click_drills_down_and_time_ranges_read_the_cache(fixed_console: Any, qtbot: Any) -> None:
    from PySide6.QtCore import Qt

    fc = fixed_console
    panel = _panel(fc, qtbot)
    tile = panel.tiles["aqi_now"]
    qtbot.mouseClick(tile, Qt.MouseButton.LeftButton)
    assert panel.selected_id == "aqi_now" and tile.selected
    assert panel.detail_title.text() == tile.title
    assert sorted(panel.chart.reference_values) == [50.0, 100.0, 150.0]  # target, warn, alarm
    for key, expected in (("1h", [5, 6]), ("24h", [4, 5, 6]), ("7d", [3, 4, 5, 6]), ("30d", [2, 3, 4, 5, 6])):
        qtbot.mouseClick(panel.range_buttons[key], Qt.MouseButton.LeftButton)
        assert panel.time_range == key
        assert [v for _, v in panel.detail_points] == expected
        qtbot.waitUntil(lambda: list(panel.chart.series_data("district")[1]) == expected, timeout=5000)
    # A live value extends the trend.
    fc.core.picture.indicators.add(_values(fc.now, aqi_now=(7, 0)))
    qtbot.waitUntil(lambda: [v for _, v in panel.detail_points][-1] == 7, timeout=5000)


def test_export_png_and_csv_through_a_non_modal_dialog(fixed_console: Any, qtbot: Any, tmp_path: Any) -> None:
    from PySide6.QtCore import Qt

    panel = _panel(fixed_console, qtbot)
    panel.select_indicator("aqi_now")
    panel.set_time_range("30d")
    dlg = panel.ask_export("csv")
    # open(), not exec(): the call came back with the dialog still showing, window-modal.
    assert dlg.isVisible() and dlg.windowModality() == Qt.WindowModality.WindowModal
    dlg.fileSelected.emit(str(tmp_path / "aqi"))
    dlg.close()
    text = (tmp_path / "aqi.csv").read_text(encoding="utf-8-sig").splitlines()
    assert text[0].startswith("indicator_id,") and len(text) == 1 + 5
    panel.export_to("png", str(tmp_path / "panel.png"))
    assert (tmp_path / "panel.png").read_bytes().startswith(b"\x89PNG")
    assert panel.export_status.text().startswith("已导出")
    panel.export_to("csv", str(tmp_path / "panel.png" / "x.csv"))  # under a file: refused, said so
    assert panel.export_status.text().startswith("导出失败")


def test_wall_variant_has_larger_text(fixed_console: Any, qtbot: Any) -> None:
    normal = _panel(fixed_console, qtbot)
    wall = _panel(fixed_console, qtbot, large=True)
    assert wall.large and all(t.large for t in wall.tiles.values())
    assert wall.tiles["aqi_now"].sizeHint().height() > normal.tiles["aqi_now"].sizeHint().height()
    assert wall.tabs.tabBar().sizeHint().height() > normal.tabs.tabBar().sizeHint().height()
    assert wall.detail_title.font().pointSizeF() > normal.detail_title.font().pointSizeF()
    wall.set_wall_mode(False)
    assert not any(t.large for t in wall.tiles.values())

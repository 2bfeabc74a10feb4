"""console.indicators and console.exports: the catalogue's seed targets, the derived
closed-loop metrics against a hand-computed fixture, threshold states, stale detection,
history by time range from a real cache journal, and the export writers. No Qt."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from console import catalogue, exports
from console import indicators as ind
from district.vocabulary import DISTRICT_TZ
from tests.support.indicatorsupport import NOW, _alert, fill_journal, fixture_alerts

LIMITS = {"a": (30, 1440), "b": (15, 4320)}  # (ack, resolve) minutes; "zzz" falls back to 120/1440

SEED = {  # id: (baseline 2021, target 2025, direction, theme) as the plans print them
    "gov_cloud_storage_tb": (548, 1708, "higher", "digital_gov"), "dc_racks": (155, 455, "higher", "digital_gov"),
    "gov_fibre_km": (690, 1000, "higher", "digital_gov"), "base_stations_5g": (2600, 5000, "higher", "digital_gov"),
    "iot_devices_connected": (8000, 100000, "higher", "city_ops"),
    "free_wifi_coverage": (95, 100, "higher", "digital_gov"), "zero_visit_rate": (100, 100, "higher", "digital_gov"),
    "one_window_rate": (97.26, 98, "higher", "digital_gov"), "cross_province_rate": (91.62, 95, "higher", "digital_gov"),
    "full_online_rate": (95.67, 97, "higher", "digital_gov"),
    "online_application_rate": (85.38, 90, "higher", "digital_gov"),
    "one_thing_once": (149, 250, "higher", "digital_gov"), "e_licence_use_rate": (98.79, 99, "higher", "digital_gov"),
    "e_seal_coverage": (60, 90, "higher", "digital_gov"), "gov_wechat_dau": (6150, 8000, "higher", "digital_gov"),
    "e_archive_rate": (None, 90, "higher", "digital_gov"), "service_rating_good": (97, 99, "higher", "citizen"),
    "open_data_items": (124, 280, "higher", "digital_gov"), "shared_data_items": (306, 460, "higher", "digital_gov"),
    # Ecological plan, 2025 (baselines as the plan's 2020/21 column gives them).
    "good_air_days_rate": (97, 97.5, "higher", "ecology"), "pm25_annual": (18.8, 18, "lower", "ecology"),
    "surface_water_iii_rate": (100, 80, "higher", "ecology"), "surface_water_worse_v_rate": (0, 0, "lower", "ecology"),
    "night_noise_compliance": (100, 75, "higher", "ecology"), "sewage_collection_rate": (84.5, 85, "higher", "ecology"),
    "forest_cover": (44.24, 42, "higher", "ecology"), "hazardous_waste_disposal": (100, 100, "higher", "ecology"),
}


def test_catalogue_has_every_seed_target() -> None:
    cat = catalogue.by_id(catalogue.indicators())
    for iid, (base, target, direction, theme) in SEED.items():
        i = cat[iid]
        assert (i.baseline_2021, i.target_2025, i.direction, i.theme) == (base, target, direction, theme), iid
    assert sum(1 for i in cat.values() if i.plan == "smart_city_2025") == 19
    for iid in ind.DERIVED_IDS + ("device_online_rate", "camera_online_rate", "rainfall_mm_1h", "river_level_m", "aqi_now"):
        assert iid in cat and cat[iid].plan is None and cat[iid].period_s <= 10
    # Every theme tab has something to show.
    assert {i.theme for i in cat.values()} == {"city_ops", "citizen", "ecology", "digital_gov", "emergency"}


# --------------------------------------------------------------------------- derived metrics


def test_derived_metrics_equal_the_hand_computed_fixture() -> None:
    got = ind.derive_alert_metrics(fixture_alerts(), LIMITS, NOW)
    # Today (since 00:00): A1 A2 A3 A4 A7.
    assert got.events_today == 5
    assert got.events_by_street == {"maluan": 2, "biling": 2, "kengzi": 1}
    # Overdue: A2 (new past 30), A6 (open past 1440), A7 (new past 120).
    assert got.overdue_count == 3
    assert got.overdue_by_street == {"maluan": 1, "shijing": 1, "kengzi": 1}
    # Last 24 h: A1 A2 A3 A4 A5 A7 (6); resolved/closed: A1 A5 → 2/6.
    assert got.closure_rate == pytest.approx(100 * 2 / 6)
    # Acked within limit: A1 (10 ≤ 30), A5 (5 ≤ 30); late: A2, A4, A7 → 2/5.
    assert got.ack_within_limit_rate == pytest.approx(40.0)
    # Mean minutes to acknowledge over A1 A4 A5: (10 + 20 + 5) / 3; to resolve over A1 A5: (40 + 600) / 2.
    assert got.mean_ack_min == pytest.approx(35 / 3)
    assert got.mean_resolve_min == pytest.approx(320.0)
    assert got.as_values()["overdue_count"] == 3.0


def test_derived_metrics_of_one_street_and_of_nothing() -> None:
    maluan = ind.derive_alert_metrics(fixture_alerts(), LIMITS, NOW, street="maluan")
    assert (maluan.events_today, maluan.overdue_count) == (2, 1)
    assert maluan.closure_rate == pytest.approx(50.0) and maluan.ack_within_limit_rate == pytest.approx(50.0)
    assert (maluan.mean_ack_min, maluan.mean_resolve_min) == (pytest.approx(10.0), pytest.approx(40.0))
    empty = ind.derive_alert_metrics([], LIMITS, NOW)
    assert (empty.events_today, empty.overdue_count, empty.closure_rate, empty.ack_within_limit_rate) == (0, 0, 100.0, 100.0)


def test_today_starts_at_beijing_midnight_whatever_the_zone_of_now() -> None:
    # 16:30 UTC on the 28th is 00:30 on the 29th in Beijing: an alert from 00:10 Beijing is "today".
    now_utc = datetime(2026, 11, 28, 16, 30, tzinfo=ind.timezone.utc)
    alert = _alert("X", "new", "a", "maluan", datetime(2026, 11, 29, 0, 10, tzinfo=DISTRICT_TZ))
    before = _alert("Y", "new", "a", "maluan", datetime(2026, 11, 28, 23, 50, tzinfo=DISTRICT_TZ))
    assert ind.derive_alert_metrics([alert, before], LIMITS, now_utc).events_today == 1


# --------------------------------------------------------------------------- thresholds, change, stale


def test_threshold_states_follow_the_catalogue() -> None:
    cat = catalogue.by_id(catalogue.indicators())

    def state(iid: str, v: float) -> str:
        i = cat[iid]
        return ind.threshold_state(v, i.direction, i.warn, i.alarm)

    # AQI (lower is better; warn 100, alarm 150).
    assert [state("aqi_now", v) for v in (40, 100, 120, 150, 200)] == ["ok", "warn", "warn", "alarm", "alarm"]
    # Camera online rate (higher is better; warn 95, alarm 90).
    assert [state("camera_online_rate", v) for v in (99, 95, 92, 90, 80)] == ["ok", "warn", "warn", "alarm", "alarm"]
    # Good air days: the warn line is the 2025 target itself.
    assert [state("good_air_days_rate", v) for v in (98, 97.5, 96)] == ["ok", "warn", "alarm"]
    # No thresholds: always ok; no value: none.
    assert state("base_stations_5g", 1) == "ok"
    assert ind.threshold_state(None, "lower", 1, 2) == "none"


def test_change_and_its_sense() -> None:
    pts = [(0.0, 10.0), (1800.0, 12.0), (3600.0, 15.0), (5400.0, 11.0)]
    assert ind.change_over(pts, 3600) == pytest.approx(11 - 12)  # vs the first value inside the hour
    assert ind.change_over(pts[:1], 3600) is None
    assert ind.change_is_good(-1.0, "lower") is True and ind.change_is_good(-1.0, "higher") is False
    assert ind.change_is_good(0.0, "higher") is None


def test_stale_after_three_missed_periods() -> None:
    assert not ind.is_stale(NOW - timedelta(seconds=14), 5, NOW)
    assert ind.is_stale(NOW - timedelta(seconds=16), 5, NOW)
    assert not ind.is_stale(NOW - timedelta(seconds=170), 60, NOW)
    assert ind.is_stale(NOW - timedelta(seconds=181), 60, NOW)
    assert not ind.is_stale(None, 5, NOW)  # no value is "no data", not stale


# --------------------------------------------------------------------------- history from the cache


@pytest.mark.parametrize("key, expected", [("1h", [5, 6]), ("24h", [4, 5, 6]), ("7d", [3, 4, 5, 6]), ("30d", [2, 3, 4, 5, 6])])
def test_time_ranges_read_the_cache(tmp_path: Path, key: str, expected: list[int]) -> None:
    journal = fill_journal(tmp_path / "cache.sqlite")
    start = NOW - timedelta(seconds=ind.TIME_RANGES[key])
    got = ind.read_history(journal, "aqi_now", start, NOW)
    assert [v for _, v in got] == expected
    assert [t for t, _ in got] == sorted(t for t, _ in got)
    street = ind.read_history(journal, "aqi_now", start, NOW, street="maluan")
    assert [v for _, v in street] == [100 + v for v in expected]


def test_wire_compact_bodies_and_sampled_long_ranges_read_the_same_values(tmp_path: Path) -> None:
    loose = fill_journal(tmp_path / "loose.sqlite")
    compact = fill_journal(tmp_path / "compact.sqlite", compact=True)
    start = NOW - timedelta(days=30)
    for street in (None, "maluan"):
        assert ind.read_history(compact, "aqi_now", start, NOW, street=street) == \
            ind.read_history(loose, "aqi_now", start, NOW, street=street)
    # A range over more journal rows than max_rows is sampled: fewer points, each a real
    # value at its real time, oldest first.
    full = ind.read_history(compact, "aqi_now", start, NOW)
    old_samples = ind.SAMPLED_ROWS
    try:
        ind.SAMPLED_ROWS = 3
        info: dict[str, object] = {}
        sampled = ind.read_history(compact, "aqi_now", start, NOW, max_rows=2, info=info)
        assert info == {"sampled": True}
    finally:
        ind.SAMPLED_ROWS = old_samples
    assert 1 <= len(sampled) < len(full) and set(sampled) <= set(full) and sampled == sorted(sampled)


def test_history_of_an_empty_cache_and_thinning(tmp_path: Path) -> None:
    from offline_cache.db import open_cache
    from offline_cache.journal import Journal

    assert ind.read_history(Journal(open_cache(tmp_path / "c.sqlite")), "aqi_now", NOW - timedelta(hours=1), NOW) == []
    assert ind.read_history(None, "aqi_now", NOW - timedelta(hours=1), NOW) == []
    pts = [(float(t), float(t)) for t in range(1000)]
    thin = ind.thin(pts, 0, 1000, 100)
    assert len(thin) == 100 and thin[-1] == (999.0, 999.0) and thin[0] == (9.0, 9.0)
    assert ind.merge_history([(1.0, 1.0), (2.0, 2.0)], [(2.0, 9.0), (3.0, 3.0)]) == [(1.0, 1.0), (2.0, 2.0), (3.0, 3.0)]


# --------------------------------------------------------------------------- exports


def test_exports_write_png_and_csv(tmp_path: Path) -> None:
    png = exports.PNG_MAGIC + b"rest"
    assert exports.write_png(tmp_path / "panel", png) == tmp_path / "panel.png"
    assert (tmp_path / "panel.png").read_bytes() == png
    with pytest.raises(exports.ExportError):
        exports.write_png(tmp_path / "x.png", b"GIF89a")
    text = ind.series_csv("aqi_now", "实时空气质量指数", "AQI", [(NOW.timestamp(), 42.0)], {"马峦": 40.0, "坪山": None})
    out = exports.write_csv(tmp_path / "data.csv", text)
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines == ["indicator_id,name,time,value,unit,street",
                     "aqi_now,实时空气质量指数,2026-11-29T10:00:00+08:00,42,AQI,",
                     "aqi_now,实时空气质量指数,,40,AQI,马峦"]
    with pytest.raises(exports.ExportError):
        exports.write_csv(tmp_path / "data.csv" / "below-a-file.csv", text)

"""district.vocabulary: one zone, one distance, complete tables, and no second copy.

The words of the district (levels, statuses, incident types, streets), its clock and
its great-circle distance are defined once, in ``district/vocabulary.py``; the wire
contract's literals, the rulebook's tables and the views' tables agree with them, and a
scan of the packages fails on a zone or a haversine written anywhere else.
"""

from __future__ import annotations

import json
import math
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import get_args

import pytest

from console import models
from district import vocabulary as v
from district.alerts import LEVEL_UP, STATUS_ZH, TRANSITIONS

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("console", "widgets", "simulator", "gateway", "district", "offline_cache")
HOME = ROOT / "district" / "vocabulary.py"

# A zone or a distance written out again (not a mention in prose: code shapes only).
COPIES = {
    "UTC+8 zone": re.compile(r"timezone\(\s*timedelta\(\s*hours\s*=\s*8\b"),
    "tz database zone": re.compile(r"ZoneInfo\(\s*['\"]Asia/Shanghai"),
    "haversine term": re.compile(r"sin\([^()]*/\s*2\s*\)\s*\*\*\s*2"),
    "earth radius": re.compile(r"\b6_?371_?\d{3}\b"),  # not GCJ-02's Krasovsky 6378245
    "degree length": re.compile(r"\b111_?3[12]\d(\.\d+)?\b"),
}
ALLOWED = {
    # The local metric plane of the datum check (numpy over many points, metres per degree
    # on each axis): a projection, not a distance between two points.
    ("console/geojson_check.py", "degree length"),
}


def _copies(text: str) -> set[str]:
    return {name for name, pattern in COPIES.items() if pattern.search(text)}


# --------------------------------------------------------------------------- one zone


def test_one_district_zone() -> None:
    assert v.DISTRICT_TZ.utcoffset(None) == timedelta(hours=8)
    assert v.district_now().utcoffset() == timedelta(hours=8)
    midnight_utc = datetime(2026, 11, 28, 16, 0, tzinfo=timezone.utc)
    assert v.district_time(midnight_utc) == midnight_utc
    assert v.district_time(midnight_utc).strftime("%Y-%m-%d %H:%M") == "2026-11-29 00:00"


def test_the_rulebook_and_the_console_keep_district_time() -> None:
    from console import handover, indicators
    from district.rulebook import Rulebook

    assert Rulebook.now(object.__new__(Rulebook)).tzinfo is v.DISTRICT_TZ  # type: ignore[arg-type]
    # The day boundary of the metrics is local midnight.
    assert indicators.DISTRICT_TZ is v.DISTRICT_TZ and handover.DISTRICT_TZ is v.DISTRICT_TZ


# --------------------------------------------------------------------------- one distance


def test_haversine_along_a_meridian_is_the_arc_length() -> None:
    # 0.01° of latitude through Pingshan: R · 0.01 · π/180 with the mean radius.
    metres = v.haversine_m(114.35, 22.70, 114.35, 22.71)
    assert metres == pytest.approx(v.EARTH_RADIUS_M * math.radians(0.01), abs=1e-6)
    assert metres == pytest.approx(1111.95, abs=0.01)
    assert v.EARTH_RADIUS_M == 6_371_008.8


def test_haversine_between_two_street_centres_matches_the_law_of_cosines() -> None:
    streets = {s["id"]: s["centre"] for s in json.loads(
        (ROOT / "resources" / "catalogue" / "streets.json").read_text(encoding="utf-8"))["streets"]}
    a, b = streets["pingshan"], streets["kengzi"]
    p1, p2, dl = math.radians(a["lat"]), math.radians(b["lat"]), math.radians(b["lon"] - a["lon"])
    cosines = v.EARTH_RADIUS_M * math.acos(math.sin(p1) * math.sin(p2) + math.cos(p1) * math.cos(p2) * math.cos(dl))
    metres = v.haversine_m(a["lon"], a["lat"], b["lon"], b["lat"])
    assert metres == pytest.approx(cosines, rel=1e-9)
    assert 3_000 < metres < 12_000  # two streets of one district, kilometres apart
    assert v.haversine_m(b["lon"], b["lat"], a["lon"], a["lat"]) == pytest.approx(metres)
    assert v.haversine_m(a["lon"], a["lat"], a["lon"], a["lat"]) == 0.0


def test_every_distance_in_the_console_is_the_vocabularys() -> None:
    from console import alert_query, nearby, video_wall_model, wartime

    assert nearby.distance_m is v.haversine_m and video_wall_model.distance_m is v.haversine_m
    assert nearby.EARTH_RADIUS_M == v.EARTH_RADIUS_M
    here, there = models.GeoPoint(lon=114.35, lat=22.70), models.GeoPoint(lon=114.36, lat=22.71)
    expected = v.haversine_m(114.35, 22.70, 114.36, 22.71)
    assert wartime.distance_m(here, there) == expected
    assert wartime.distance_m((114.35, 22.70), (114.36, 22.71)) == expected
    assert alert_query.metres(here, there) == expected  # the cameras beside an alert


# --------------------------------------------------------------------------- complete tables


def test_levels_match_the_wire_contract() -> None:
    assert v.LEVELS == get_args(models.WarningLevel)
    assert set(v.LEVEL_ZH) == set(v.LEVELS) and sorted(v.LEVEL_RANK, key=v.LEVEL_RANK.get) == list(v.LEVELS)
    assert models.LEVEL_RANK is v.LEVEL_RANK
    assert set(LEVEL_UP) | set(LEVEL_UP.values()) <= set(v.LEVELS) and LEVEL_UP["orange"] == "red"
    assert "red" not in LEVEL_UP


def test_alert_statuses_are_named_ranked_and_split_into_open_and_closed() -> None:
    assert v.ALERT_STATUSES == get_args(models.AlertStatus)
    assert set(v.ALERT_STATUS_ZH) == set(v.ALERT_STATUSES) == set(v.ALERT_STATUS_RANK)
    assert v.OPEN_STATUSES | v.CLOSED_STATUSES == set(v.ALERT_STATUSES)
    assert not v.OPEN_STATUSES & v.CLOSED_STATUSES
    assert STATUS_ZH is v.ALERT_STATUS_ZH  # district.alerts keeps the name as an alias
    used = set().union(*TRANSITIONS.values())
    assert used <= set(v.ALERT_STATUS_ZH)


def test_incidents_and_tasks_have_one_name_each() -> None:
    assert set(v.INCIDENT_TYPES) == set(get_args(models.IncidentType))
    assert set(v.INCIDENT_STATUS_ZH) == set(get_args(models.IncidentStatus))
    assert set(v.TASK_FLOW) == set(get_args(models.TaskStatus)) == set(v.TASK_STATUS_ZH) == set(v.TASK_STAGE)
    assert set(v.INCIDENT_LEVEL_ZH) == {1, 2, 3, 4}
    assert len(set(v.INCIDENT_TYPES.values())) == len(v.INCIDENT_TYPES)
    # Every bundled contingency plan is for a type the vocabulary names.
    for plan in sorted((ROOT / "resources" / "plans").glob("*.json")):
        assert json.loads(plan.read_text(encoding="utf-8"))["incident_type"] in v.INCIDENT_TYPES, plan.name


def test_the_rulebook_and_the_console_use_the_same_words() -> None:
    from console import wartime
    from district import rulebook

    assert rulebook.INCIDENT_TYPES is v.INCIDENT_TYPES and wartime.INCIDENT_TYPES is v.INCIDENT_TYPES
    assert rulebook.TASK_FLOW is v.TASK_FLOW
    assert wartime.LEVELS is v.INCIDENT_LEVEL_ZH
    assert {k: wartime.TASK_STATUS_ZH[k] for k in v.TASK_STATUS_ZH} == v.TASK_STATUS_ZH


def test_the_views_name_levels_and_statuses_as_the_vocabulary_does() -> None:
    """The queue's tables are the catalogue's translation markers: same codes, same words."""
    from widgets.alert_queue import LEVEL_NAMES, STATUS_NAMES

    assert LEVEL_NAMES == v.LEVEL_ZH
    assert STATUS_NAMES == v.ALERT_STATUS_ZH


def test_the_six_streets_come_from_the_catalogue() -> None:
    names = v.street_names()
    assert set(names) == set(get_args(models.StreetId))
    assert v.street_title("pingshan") == "坪山街道" and v.street_title("kengzi") == "坑梓街道"
    assert v.street_title(None) == "" and v.street_title("nowhere") == "nowhere"


# --------------------------------------------------------------------------- no second copy


def test_no_zone_or_haversine_outside_the_vocabulary() -> None:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if path == HOME:
                continue
            rel = str(path.relative_to(ROOT))
            hits = {name for name in _copies(path.read_text(encoding="utf-8")) if (rel, name) not in ALLOWED}
            if hits:
                found[rel] = sorted(hits)
    assert found == {}, f"use district.vocabulary (DISTRICT_TZ, haversine_m, EARTH_RADIUS_M): {found}"
    assert _copies(HOME.read_text(encoding="utf-8")) >= {"haversine term", "earth radius"}


def test_the_scan_recognises_the_copies_it_replaced() -> None:
    """The shapes that stood in the code before: each is caught."""
    old = {
        'CHINA_TZ = timezone(timedelta(hours=8), "CST")': "UTC+8 zone",
        "TZ = timezone(timedelta(hours=8))  # Asia/Shanghai, no DST": "UTC+8 zone",
        'TZ = ZoneInfo("Asia/Shanghai")': "tz database zone",
        "h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2": "haversine term",
        "return 2 * 6_371_000 * math.asin(min(1.0, math.sqrt(h)))": "earth radius",
        "_EARTH_RADIUS_M = 6_371_008.8": "earth radius",
        "k = 111_320.0": "degree length",
    }
    for line, name in old.items():
        assert name in _copies(line), line
    assert _copies("start = shift_start or now - timedelta(hours=8)") == set()  # a shift, not a zone


def test_one_name_per_incident_type_across_the_house() -> None:
    """The wording that disagreed with the rulebook ("建筑或森林火灾") is gone from the code."""
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            assert "建筑或森林火灾" not in path.read_text(encoding="utf-8"), path

"""What the map draws, built without Qt or a web engine (console/map_features.py)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from console.map_features import (
    CAMERA_KIND_NAMES,
    DEVICE_KIND_NAMES,
    OverlayDatum,
    alert_marker,
    camera_row,
    device_row,
    feature_bounds,
    find_area,
    incident_marker,
    jump_entries,
)
from console.models import Alert, Camera, Device, GeoPoint, Incident
from console.tiles import gcj02_to_wgs84, wgs84_to_gcj02
from district.iot import DEVICE_KIND_RULES

UTC_NOON = datetime(2024, 6, 1, 4, 5, 6, tzinfo=timezone.utc)  # 12:05:06 in the district


def _alert(**kw: Any) -> Alert:
    fields: dict[str, Any] = dict(
        id="A1", rev=1, level="red", status="new", source="grid_patrol", category="waterlogging",
        title="积水", street="maluan", location=GeoPoint(lon=114.35, lat=22.72),
        created_at=UTC_NOON, updated_at=UTC_NOON)
    fields.update(kw)
    return Alert(**fields)


def test_an_open_alert_is_a_marker_in_district_time() -> None:
    marker = alert_marker(_alert())
    assert marker is not None
    assert marker["id"] == "A1" and (marker["lon"], marker["lat"]) == (114.35, 22.72)
    assert marker["level"] == "red" and marker["status"] == "new" and marker["title"] == "积水"
    assert marker["time"] == "06-01 12:05:06"  # UTC+8, whatever zone the alert was stamped in
    assert marker["place"]  # the street's name, not its id
    assert marker["place"] != "maluan"


@pytest.mark.parametrize("status", ["resolved", "closed"])
def test_a_closed_alert_is_not_on_the_map(status: str) -> None:
    assert alert_marker(_alert(status=status)) is None


def test_an_alert_without_a_place_or_gone_is_not_on_the_map() -> None:
    assert alert_marker(_alert(location=None)) is None
    assert alert_marker(None) is None


def test_device_and_camera_rows_carry_the_page_columns() -> None:
    now = datetime.now(timezone(timedelta(hours=8)))
    device = Device(id="D1", rev=1, kind="waterlogging", name="积水点", location=GeoPoint(lon=114.3, lat=22.7),
                    status="offline", metric="water_depth_cm", unit="cm", updated_at=now)
    assert device_row(device) == ["D1", 22.7, 114.3, "offline", "waterlogging", "积水点"]  # the view words the kind
    camera = Camera.model_validate({
        "id": "C1", "rev": 1, "name": "河道监控", "kind": "river", "location": {"lon": 114.31, "lat": 22.71},
        "status": "online", "ptz": True, "updated_at": now, "streams": {"main": "m", "sub": "s"}})
    assert camera_row(camera) == ["C1", 22.71, 114.31, "online", "river", "河道监控", 1]
    assert camera_row(camera.model_copy(update={"ptz": False}))[-1] == 0  # type: ignore[index]
    assert device_row(None) is None and camera_row(None) is None


def test_kind_names_cover_every_kind_and_agree_with_the_rulebook() -> None:
    assert DEVICE_KIND_NAMES == {kind: name for kind, (name, _c) in DEVICE_KIND_RULES.items()}
    assert set(CAMERA_KIND_NAMES) == {"road", "river", "slope", "park", "forest_fire", "public_building"}


def test_only_an_active_incident_is_drawn() -> None:
    incident = Incident(id="I1", rev=1, type="rainstorm_flood", level=2, status="active", title="暴雨",
                        location=GeoPoint(lon=114.34, lat=22.70), radius_m=1500, started_at=UTC_NOON)
    assert incident_marker(incident) == {"id": "I1", "lat": 22.70, "lon": 114.34, "radius": 1500.0,
                                         "title": "暴雨", "level": 2}
    assert incident_marker(incident.model_copy(update={"status": "stood_down"})) is None
    assert incident_marker(None) is None


LAYERS: dict[str, Any] = {
    "streets": {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": "maluan", "properties": {"name_zh": "马峦街道"},
         "geometry": {"type": "Polygon", "coordinates": [[[114.3, 22.6], [114.4, 22.6], [114.4, 22.7], [114.3, 22.6]]]}},
        {"type": "Feature", "properties": {"id": "biling"}, "geometry": None},
    ]},
    "communities": {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"id": "c1", "street": "maluan", "name_zh": "马峦社区"},
         "geometry": {"type": "Point", "coordinates": [114.35, 22.65]}},
        {"type": "Feature", "properties": {"id": "c2", "street": "biling"}, "geometry": None},
    ]},
}


def test_jump_list_is_each_street_then_its_communities() -> None:
    assert jump_entries(LAYERS) == [("maluan", "马峦街道"), ("c1", "　马峦社区"), ("biling", "biling"), ("c2", "　c2")]
    assert jump_entries({}) == []


def test_areas_are_found_by_id_and_fitted_in_leaflet_order() -> None:
    street = find_area(LAYERS, "maluan")
    assert street is not None and feature_bounds(street) == [22.6, 114.3, 22.7, 114.4]  # south, west, north, east
    community = find_area(LAYERS, "c1")
    assert community is not None and feature_bounds(community) == [22.65, 114.35, 22.65, 114.35]
    biling = find_area(LAYERS, "biling")
    assert biling is not None and feature_bounds(biling) is None  # no coordinates: nothing to fit
    assert find_area(LAYERS, "nowhere") is None


def test_the_datum_leaves_wgs84_alone_and_shifts_for_a_gcj02_base_map() -> None:
    plain = OverlayDatum()
    assert plain.pos(114.35, 22.72) == (114.35, 22.72)
    assert plain.doc(LAYERS) is LAYERS
    gcj = OverlayDatum(gcj02=True)
    lon, lat = gcj.pos(114.35, 22.72)
    assert (lon, lat) == wgs84_to_gcj02(114.35, 22.72) and (lon, lat) != (114.35, 22.72)
    assert gcj.to_wgs84(lon, lat) == gcj02_to_wgs84(lon, lat)
    markers = gcj.markers([{"id": "a", "lon": 114.35, "lat": 22.72}])
    assert (markers[0]["lon"], markers[0]["lat"]) == (lon, lat)
    row = gcj.row(["d", 22.72, 114.35])
    assert (row[2], row[1]) == (lon, lat)
    shifted = gcj.doc(LAYERS["communities"])
    assert shifted is not LAYERS["communities"]
    assert shifted["features"][0]["geometry"]["coordinates"] == list(wgs84_to_gcj02(114.35, 22.65))
    assert gcj.doc(None) is None

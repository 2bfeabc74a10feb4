"""What the situation map draws, as plain data: one function per kind of object.

The map page (``widgets/map/web/console_map.js``) takes alerts and incidents as small
dicts and devices and cameras as rows (lists: 100,000 devices cross the web channel at
start, issue 15).  These functions build them from the core's models, and say ``None``
when an object must not be on the map (a closed alert, an incident stood down, an object
gone from its store).  :class:`OverlayDatum` moves what is drawn onto a GCJ-02 base map
when the tile source is one.  Pure Python: no Qt, no web engine (tests/core/test_map_features.py).

Rows carry a device's or camera's kind as its code: the view words it (the page's labels,
``widgets/map/page.py``, translated there). The kind names below are those words in the
source language, which the view's catalogue entries repeat (tests/ui/test_i18n.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypedDict

from console.geojson_check import geometry_bounds
from console.models import Alert, Camera, Device, Incident
from console.tiles import gcj02_to_wgs84, transform_geojson, wgs84_to_gcj02
from district.iot import DEVICE_KIND_RULES
from district.vocabulary import CLOSED_STATUSES, DISTRICT_TZ, street_title

DISTRICT_CENTRE = (22.700, 114.352)
"""Where the map opens before the district boundary arrives (lat, lon): the middle of the
real outline; once the boundary layer is in, the map fits it."""

DEVICE_KIND_NAMES: dict[str, str] = {kind: name for kind, (name, _category) in DEVICE_KIND_RULES.items()}
"""Device kind → its Chinese name on the map (the rulebook's names)."""

CAMERA_KIND_NAMES: dict[str, str] = {
    "road": "道路", "river": "河道", "slope": "边坡", "park": "公园",
    "forest_fire": "森林防火", "public_building": "公共建筑",
}
"""Camera kind → its Chinese name on the map."""

DeviceRow = list[Any]
"""[id, lat, lon, status, kind, name]"""
CameraRow = list[Any]
"""[id, lat, lon, status, kind, name, ptz (1/0)]"""


class AlertMarker(TypedDict):
    """The page's view of one open alert."""

    id: str
    lat: float
    lon: float
    level: str
    status: str
    title: str
    time: str
    place: str


class IncidentArea(TypedDict):
    """The page's view of an active wartime incident: its area as a circle."""

    id: str
    lat: float
    lon: float
    radius: float
    title: str
    level: int


def alert_marker(alert: Alert | None) -> AlertMarker | None:
    """The page's view of one alert, or None when it must not be on the map."""
    if alert is None or alert.status in CLOSED_STATUSES or alert.location is None:
        return None
    return {
        "id": alert.id,
        "lat": alert.location.lat,
        "lon": alert.location.lon,
        "level": alert.level,
        "status": alert.status,
        "title": alert.title,
        "time": alert.created_at.astimezone(DISTRICT_TZ).strftime("%m-%d %H:%M:%S"),
        "place": street_title(alert.street),
    }


def device_row(device: Device | None) -> DeviceRow | None:
    """One device as the page's point layer takes it: [id, lat, lon, status, kind, name]."""
    if device is None:
        return None
    loc = device.location
    return [device.id, loc.lat, loc.lon, device.status, device.kind, device.name]


def camera_row(camera: Camera | None) -> CameraRow | None:
    """One camera as the page's point layer takes it: [id, lat, lon, status, kind, name, ptz]."""
    if camera is None:
        return None
    loc = camera.location
    return [camera.id, loc.lat, loc.lon, camera.status, camera.kind, camera.name, 1 if camera.ptz else 0]


def incident_marker(incident: Incident | None) -> IncidentArea | None:
    """The page's view of an active wartime incident: its area as a circle."""
    if incident is None or incident.status != "active":
        return None
    return {
        "id": incident.id,
        "lat": incident.location.lat,
        "lon": incident.location.lon,
        "radius": float(incident.radius_m),
        "title": incident.title,
        "level": int(incident.level),
    }


def feature_bounds(feature: dict[str, Any]) -> list[float] | None:
    """[south, west, north, east] of a feature's geometry (Leaflet's order); None without coordinates."""
    box = geometry_bounds(feature.get("geometry"))
    return None if box is None else [box[1], box[0], box[3], box[2]]


def _feature_id(feature: dict[str, Any]) -> str:
    return str(feature.get("id") or (feature.get("properties") or {}).get("id") or "")


def find_area(layers: dict[str, Any], feature_id: str) -> dict[str, Any] | None:
    """The street or community feature of that id in the ``streets``/``communities`` layers."""
    for layer_id in ("streets", "communities"):
        doc = layers.get(layer_id) or {}
        for feature in doc.get("features") or []:
            if str(feature.get("id") or (feature.get("properties") or {}).get("id")) == feature_id:
                found: dict[str, Any] = feature
                return found
    return None


def jump_entries(layers: dict[str, Any]) -> list[tuple[str, str]]:
    """The map's jump list: (feature id, label) for each street, then its communities
    (indented with an ideographic space)."""
    entries: list[tuple[str, str]] = []
    streets = (layers.get("streets") or {}).get("features") or []
    communities = (layers.get("communities") or {}).get("features") or []
    for street in streets:
        sid = _feature_id(street)
        entries.append((sid, str((street.get("properties") or {}).get("name_zh") or sid)))
        for community in communities:
            props = community.get("properties") or {}
            if props.get("street") == sid:
                cid = _feature_id(community)
                entries.append((cid, "　" + str(props.get("name_zh") or cid)))
    return entries


@dataclass(frozen=True)
class OverlayDatum:
    """Where overlays go on the base map: as they are (WGS-84), or shifted to GCJ-02 when
    the tile source draws in GCJ-02 (``TileService.overlay_gcj02``)."""

    gcj02: bool = False

    def pos(self, lon: float, lat: float) -> tuple[float, float]:
        """A WGS-84 position on the base map (lon, lat)."""
        return wgs84_to_gcj02(lon, lat) if self.gcj02 else (lon, lat)

    def to_wgs84(self, lon: float, lat: float) -> tuple[float, float]:
        """A position picked on the base map back to WGS-84 (lon, lat)."""
        return gcj02_to_wgs84(lon, lat) if self.gcj02 else (lon, lat)

    def markers(self, markers: list[Any]) -> list[Any]:
        """Shift dict markers (``lon``/``lat`` keys) in place; returns them."""
        if self.gcj02:
            for m in markers:
                m["lon"], m["lat"] = wgs84_to_gcj02(m["lon"], m["lat"])
        return markers

    def row(self, row: list[Any]) -> list[Any]:
        """Shift a device or camera row ([id, lat, lon, …]) in place; returns it."""
        if self.gcj02:
            row[2], row[1] = wgs84_to_gcj02(row[2], row[1])
        return row

    def doc(self, doc: Any) -> Any:
        """A GeoJSON object on the base map (a shifted copy for GCJ-02)."""
        return transform_geojson(doc, wgs84_to_gcj02) if self.gcj02 and doc is not None else doc

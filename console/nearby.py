"""What is near a point: cameras, IoT devices and emergency resources by distance.

Used by the map's radius rings (500 m / 1 km / 3 km) and the incident view.  Pure
Python on the stores and the gateway's ``resources`` layer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Iterable

RINGS_M: tuple[int, ...] = (500, 1000, 3000)
EARTH_RADIUS_M = 6_371_008.8

RESOURCE_KIND_NAMES = {"rescue_team": "救援队伍", "shelter": "避难场所", "warehouse": "物资仓库"}


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True)
class NearbyThing:
    """One camera, device or resource near a point."""

    kind: str  # camera | device | resource
    id: str
    name: str
    detail: str
    lon: float
    lat: float
    distance_m: float
    status: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "id": self.id, "name": self.name, "detail": self.detail,
                "lon": self.lon, "lat": self.lat, "distance_m": round(self.distance_m, 1), "status": self.status}


def _resources(layers: dict[str, Any]) -> Iterable[tuple[str, str, str, float, float]]:
    doc = layers.get("resources") or {}
    for f in doc.get("features") or []:
        geom = f.get("geometry") or {}
        if geom.get("type") != "Point":
            continue
        props = f.get("properties") or {}
        lon, lat = geom["coordinates"][:2]
        kind = str(props.get("kind", ""))
        yield (str(f.get("id") or props.get("id") or ""), str(props.get("name_zh") or props.get("name") or ""),
               RESOURCE_KIND_NAMES.get(kind, kind or "应急资源"), float(lon), float(lat))


def nearby(picture: Any, layers: dict[str, Any], lon: float, lat: float, radius_m: float = 3000,
           limit: int = 200) -> list[NearbyThing]:
    """Cameras, devices and resources within ``radius_m`` of a point, nearest first."""
    out: list[NearbyThing] = []
    for cam in getattr(picture, "cameras", {}).values() if picture is not None else ():
        d = distance_m(lon, lat, cam.location.lon, cam.location.lat)
        if d <= radius_m:
            out.append(NearbyThing("camera", cam.id, cam.name, "视频监控", cam.location.lon, cam.location.lat, d,
                                   cam.status))
    for dev in getattr(picture, "devices", {}).values() if picture is not None else ():
        d = distance_m(lon, lat, dev.location.lon, dev.location.lat)
        if d <= radius_m:
            out.append(NearbyThing("device", dev.id, dev.name, "物联设备", dev.location.lon, dev.location.lat, d,
                                   dev.status))
    for rid, name, kind, rlon, rlat in _resources(layers or {}):
        d = distance_m(lon, lat, rlon, rlat)
        if d <= radius_m:
            out.append(NearbyThing("resource", rid, name, kind, rlon, rlat, d))
    out.sort(key=lambda t: t.distance_m)
    return out[:limit]

"""What is near a point: cameras, IoT devices and emergency resources by distance.

Used by the map's radius rings (500 m / 1 km / 3 km), the incident view, the alarm
linkage and the wartime view.  Pure Python on the stores and the gateway's
``resources`` layer. :class:`PointGrid` files points by grid cell so that a lookup
among 100,000 devices or 10,000 cameras reads the few cells around the point instead
of every object (the camera and device stores keep one, ``console.stores.LocatedStore``).
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from district.vocabulary import EARTH_RADIUS_M
from district.vocabulary import haversine_m as distance_m  # the district's one great-circle distance

RINGS_M: tuple[int, ...] = (500, 1000, 3000)

RESOURCE_KIND_NAMES = {"rescue_team": "救援队伍", "shelter": "避难场所", "warehouse": "物资仓库"}


class PointGrid:
    """Object ids by grid cell (``cell_deg`` degrees a side, about 550 × 510 m here).

    :meth:`nearest` visits the cells ring by ring outwards from the point's cell and
    stops once no unvisited cell can hold anything nearer than what it has: the same
    answer as measuring every object (ties by id), for a few cells' worth of work.
    """

    def __init__(self, cell_deg: float = 0.005) -> None:
        self.cell_deg = cell_deg
        self._cells: dict[tuple[int, int], dict[str, tuple[float, float]]] = {}
        self._at: dict[str, tuple[int, int]] = {}
        self._span: tuple[int, int, int, int] | None = None  # min/max cell x and y ever used

    def __len__(self) -> int:
        return len(self._at)

    def _cell(self, lon: float, lat: float) -> tuple[int, int]:
        return math.floor(lon / self.cell_deg), math.floor(lat / self.cell_deg)

    def put(self, object_id: str, lon: float, lat: float) -> None:
        """File (or move) an object at a position."""
        cell = self._cell(lon, lat)
        old = self._at.get(object_id)
        if old is not None and old != cell:
            self._cells[old].pop(object_id, None)
        self._cells.setdefault(cell, {})[object_id] = (lon, lat)
        self._at[object_id] = cell
        x, y = cell
        if self._span is None:
            self._span = (x, x, y, y)
        else:
            x0, x1, y0, y1 = self._span
            self._span = (min(x0, x), max(x1, x), min(y0, y), max(y1, y))

    def drop(self, object_id: str) -> None:
        """Forget an object (unknown ids are ignored)."""
        cell = self._at.pop(object_id, None)
        if cell is not None:
            self._cells[cell].pop(object_id, None)

    def clear(self) -> None:
        self._cells.clear()
        self._at.clear()
        self._span = None

    def nearest(self, lon: float, lat: float, radius_m: float | None = None, limit: int | None = None,
                accept: Callable[[str], bool] | None = None) -> list[tuple[float, str]]:
        """``(metres, id)`` of the objects within ``radius_m`` (None: any distance), nearest
        first and ties by id, at most ``limit`` of them, only those ``accept`` takes."""
        if self._span is None or limit == 0:
            return []
        cx, cy = self._cell(lon, lat)
        x0, x1, y0, y1 = self._span
        # A cell r rings out is at least (r - 1) cell sides away; the narrower side is the
        # east-west one at the grid's highest latitude.
        top = max(abs(y0), abs(y1) + 1) * self.cell_deg
        side_m = self.cell_deg * math.radians(EARTH_RADIUS_M) * math.cos(math.radians(min(top, 89.0))) * 0.999
        reach = max(cx - x0, x1 - cx, cy - y0, y1 - cy)
        best: list[tuple[float, str]] = []  # max-heap by (-metres, id) when limited
        found: list[tuple[float, str]] = []
        r = 0
        while r <= reach:
            floor_m = (r - 1) * side_m if r > 0 else 0.0
            if radius_m is not None and floor_m > radius_m:
                break
            if limit is not None and len(best) >= limit and floor_m > -best[0][0]:
                break
            for cell in _ring(cx, cy, r):
                held = self._cells.get(cell)
                if not held:
                    continue
                for object_id, (plon, plat) in held.items():
                    d = distance_m(lon, lat, plon, plat)
                    if radius_m is not None and d > radius_m:
                        continue
                    if accept is not None and not accept(object_id):
                        continue
                    if limit is None:
                        found.append((d, object_id))
                    elif len(best) < limit:
                        heapq.heappush(best, (-d, _Desc(object_id)))
                    elif (d, object_id) < (-best[0][0], best[0][1].value):
                        heapq.heapreplace(best, (-d, _Desc(object_id)))
            r += 1
        if limit is not None:
            found = [(-nd, desc.value) for nd, desc in best]
        found.sort()
        return found


class _Desc:
    """An id ordered backwards: the heap's top is then the worst (farthest, then largest id)."""

    __slots__ = ("value",)

    def __init__(self, value: str) -> None:
        self.value = value

    def __lt__(self, other: "_Desc") -> bool:
        return self.value > other.value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Desc) and self.value == other.value


def _ring(cx: int, cy: int, r: int) -> Iterable[tuple[int, int]]:
    """The cells exactly ``r`` rings out from (cx, cy) (Chebyshev distance r)."""
    if r == 0:
        yield cx, cy
        return
    for x in range(cx - r, cx + r + 1):
        yield x, cy - r
        yield x, cy + r
    for y in range(cy - r + 1, cy + r):
        yield cx - r, y
        yield cx + r, y


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
    sub_kind: str = ""  # a resource's kind code (rescue_team, shelter, warehouse): views word it

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "id": self.id, "name": self.name, "detail": self.detail,
                "lon": self.lon, "lat": self.lat, "distance_m": round(self.distance_m, 1), "status": self.status}


def _resources(layers: dict[str, Any]) -> Iterable[tuple[str, str, str, float, float, str]]:
    doc = layers.get("resources") or {}
    for f in doc.get("features") or []:
        geom = f.get("geometry") or {}
        if geom.get("type") != "Point":
            continue
        props = f.get("properties") or {}
        lon, lat = geom["coordinates"][:2]
        kind = str(props.get("kind", ""))
        yield (str(f.get("id") or props.get("id") or ""), str(props.get("name_zh") or props.get("name") or ""),
               RESOURCE_KIND_NAMES.get(kind, kind or "应急资源"), float(lon), float(lat), kind)


def _within(store: Any, lon: float, lat: float, radius_m: float, limit: int) -> list[tuple[float, Any]]:
    """``(metres, object)`` of a store's objects within the radius: its grid when it keeps
    one (at most ``limit``, the nearest), else every object measured."""
    if store is None:
        return []
    if hasattr(store, "nearest"):
        return store.nearest(lon, lat, radius_m, limit)
    out = []
    for obj in store.values():
        d = distance_m(lon, lat, obj.location.lon, obj.location.lat)
        if d <= radius_m:
            out.append((d, obj))
    return out


def nearby(picture: Any, layers: dict[str, Any], lon: float, lat: float, radius_m: float = 3000,
           limit: int = 200) -> list[NearbyThing]:
    """Cameras, devices and resources within ``radius_m`` of a point, nearest first."""
    out: list[NearbyThing] = []
    for cam_d, cam in _within(getattr(picture, "cameras", None), lon, lat, radius_m, limit):
        out.append(NearbyThing("camera", cam.id, cam.name, "视频监控", cam.location.lon, cam.location.lat, cam_d,
                               cam.status))
    for dev_d, dev in _within(getattr(picture, "devices", None), lon, lat, radius_m, limit):
        out.append(NearbyThing("device", dev.id, dev.name, "物联设备", dev.location.lon, dev.location.lat, dev_d,
                               dev.status))
    for rid, name, kind_name, rlon, rlat, kind in _resources(layers or {}):
        d = distance_m(lon, lat, rlon, rlat)
        if d <= radius_m:
            out.append(NearbyThing("resource", rid, name, kind_name, rlon, rlat, d, sub_kind=kind))
    out.sort(key=lambda t: t.distance_m)
    return out[:limit]

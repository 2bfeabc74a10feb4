"""Demo district geography: the real outline, schematic street and community cells, roads,
rivers, resources.

What is real and what is schematic:

- The district outline is real: 坪山区 (adcode 440310) from the Aliyun DataV GeoAtlas
  boundary set, published in GCJ-02 and converted once to WGS-84
  (``resources/geodata/pingshan-440310-wgs84.geojson``, see its ``source`` property).
- Street and community cells are schematic: the Voronoi cells of the street centres
  (approximate real positions, ``resources/catalogue/streets.json``) cut out of the real
  outline, and the Voronoi cells of a street's community centres cut out of that
  street's cell; so every community lies inside its street, and the cells tile the
  outline without overlap.  They are not the official street and community boundaries.
- Roads, rivers, mountains, reservoirs and resources are schematic too: plausible
  positions inside the outline, not surveyed lines.

The outline is concave, so a cut by one bisector may leave several parts: each cut
splits a simple polygon along a line (:func:`cut_ring`), and a cell is a list of rings.
Coordinates are (lon, lat) in WGS-84; cells are computed in a locally isotropic frame
(lon scaled by cos(lat)).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

CATALOGUE_DIR = Path(__file__).resolve().parent.parent / "resources" / "catalogue"

Point = tuple[float, float]
Ring = list[Point]
Cell = list[Ring]
"""A cell: one ring, or several where a cut left separate parts (a GeoJSON MultiPolygon)."""

_LAT0 = 22.70
_KX = math.cos(math.radians(_LAT0))  # degrees of lon are shorter than degrees of lat here
_MIN_PART_XY = 1e-10
"""Parts of a cut smaller than this (degrees², about 1 m²) are rounding dust, not area."""


def load_catalogue(name: str) -> Any:
    """Read one ``resources/catalogue/*.json`` file (the simulator imports no console code)."""
    with open(CATALOGUE_DIR / name, encoding="utf-8") as fh:
        return json.load(fh)


def _to_xy(p: Point) -> Point:
    return (p[0] * _KX, p[1])


def _to_lonlat(p: Point) -> Point:
    return (round(p[0] / _KX, 6), round(p[1], 6))


def polygon_area(ring: Sequence[Point]) -> float:
    """Signed shoelace area (positive = counter-clockwise)."""
    return 0.5 * sum(ring[i][0] * ring[(i + 1) % len(ring)][1] - ring[(i + 1) % len(ring)][0] * ring[i][1]
                     for i in range(len(ring)))


def _open_ring(points: Any) -> Ring:
    ring = [(float(p[0]), float(p[1])) for p in points]
    if len(ring) > 1 and ring[0] == ring[-1]:
        ring.pop()
    return ring


@lru_cache(maxsize=1)
def district_outline() -> Ring:
    """The district's real outline in WGS-84: an open counter-clockwise (lon, lat) ring.

    Read from the file ``streets.json`` names (``district.outline``, relative to the
    catalogue); of a MultiPolygon the largest part's exterior ring.
    """
    ref = load_catalogue("streets.json")["district"]["outline"]
    with open(CATALOGUE_DIR / ref, encoding="utf-8") as fh:
        doc = json.load(fh)
    geometry = doc["features"][0]["geometry"] if doc.get("type") == "FeatureCollection" else doc.get("geometry", doc)
    polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    ring = max((_open_ring(p[0]) for p in polygons), key=lambda r: abs(polygon_area(r)))
    if polygon_area(ring) < 0:
        ring.reverse()
    return ring


def cut_ring(ring: Ring, m: Point, n: Point) -> list[Ring]:
    """The parts of the simple polygon ``ring`` where ``(p - m) · n < 0``.

    A concave polygon may fall into several parts.  Walk the ring with its crossings of
    the line inserted; sorted along the line, the crossings pair up into the stretches of
    the line that lie inside the polygon (the first enters it).  Each part follows the
    ring from an entry to the next exit, then the line from that exit to its partner
    entry, until it closes.  Parts keep the ring's orientation.
    """
    d = [(p[0] - m[0]) * n[0] + (p[1] - m[1]) * n[1] for p in ring]
    inside = [v < 0 for v in d]
    if all(inside):
        return [list(ring)]
    if not any(inside):
        return []
    nodes: list[Point] = []
    kinds: list[str] = []  # "in", "out", "enter", "exit"
    count = len(ring)
    for i in range(count):
        j = (i + 1) % count
        nodes.append(ring[i])
        kinds.append("in" if inside[i] else "out")
        if inside[i] != inside[j]:
            t = d[i] / (d[i] - d[j])
            nodes.append((ring[i][0] + t * (ring[j][0] - ring[i][0]), ring[i][1] + t * (ring[j][1] - ring[i][1])))
            kinds.append("exit" if inside[i] else "enter")
    crossings = [k for k, kind in enumerate(kinds) if kind in ("enter", "exit")]
    along = sorted(crossings, key=lambda k: (nodes[k][0] - m[0]) * -n[1] + (nodes[k][1] - m[1]) * n[0])
    partner: dict[int, int] = {}
    for a, b in zip(along[0::2], along[1::2]):
        partner[a], partner[b] = b, a
    parts: list[Ring] = []
    done: set[int] = set()
    total = len(nodes)
    for start in crossings:
        if kinds[start] != "enter" or start in done:
            continue
        part: Ring = []
        k = start
        for _ in range(total + 1):  # a part visits each crossing at most once
            done.add(k)
            part.append(nodes[k])
            k = (k + 1) % total
            while kinds[k] == "in":
                part.append(nodes[k])
                k = (k + 1) % total
            if kinds[k] != "exit" or kinds[partner[k]] != "enter":
                raise ValueError("cut_ring: the ring is not simple")
            part.append(nodes[k])
            k = partner[k]
            if k == start:
                break
        clean = [p for i, p in enumerate(part) if math.dist(p, part[i - 1]) > 1e-12]
        if len(clean) >= 3 and abs(polygon_area(clean)) > _MIN_PART_XY:
            parts.append(clean)
    return parts


def voronoi_cells(container: Cell, sites: list[Point]) -> list[Cell]:
    """Voronoi cell of each site cut out of ``container`` (all in the xy frame)."""
    cells_out = []
    for i, s in enumerate(sites):
        cell = [list(r) for r in container]
        for j, o in enumerate(sites):
            if i == j or not cell:
                continue
            mid = ((s[0] + o[0]) / 2, (s[1] + o[1]) / 2)
            normal = (o[0] - s[0], o[1] - s[1])  # the half nearer to s is (p - mid) · normal < 0
            cell = [part for ring in cell for part in cut_ring(ring, mid, normal)]
        cells_out.append(cell)
    return cells_out


def point_in_ring(p: Point, ring: Sequence[Point]) -> bool:
    """Ray-casting point-in-polygon test (lon, lat)."""
    x, y = p
    inside = False
    n = len(ring)
    for i in range(n):
        x1, y1 = ring[i]
        x2, y2 = ring[(i + 1) % n]
        if (y1 > y) != (y2 > y):
            xin = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
            if x < xin:
                inside = not inside
    return inside


def point_in_cell(p: Point, cell: Sequence[Sequence[Point]]) -> bool:
    """Whether ``p`` lies in any part of a cell (rings may be closed or open)."""
    return any(point_in_ring(p, ring) for ring in cell)


def interior_point(cell: Sequence[Sequence[Point]]) -> Point:
    """A point surely inside a cell: the middle of the widest stretch of the horizontal line
    through the largest part's middle latitude (a centroid can fall outside a concave cell)."""
    ring = max(cell, key=lambda r: abs(polygon_area(r)))
    ys = [p[1] for p in ring]
    y = (min(ys) + max(ys)) / 2
    xs = []
    for i in range(len(ring)):
        (x1, y1), (x2, y2) = ring[i], ring[(i + 1) % len(ring)]
        if (y1 > y) != (y2 > y):
            xs.append(x1 + (y - y1) * (x2 - x1) / (y2 - y1))
    xs.sort()
    a, b = max(zip(xs[0::2], xs[1::2]), key=lambda ab: ab[1] - ab[0])
    return ((a + b) / 2, y)


def _closed_ccw(ring_xy: Ring) -> list[list[float]]:
    """GeoJSON linear ring (RFC 7946: closed, exterior counter-clockwise) in lon/lat."""
    ring = [_to_lonlat(p) for p in ring_xy]
    ring = [p for i, p in enumerate(ring) if p != ring[i - 1]]
    if polygon_area(ring) < 0:
        ring.reverse()
    return [list(p) for p in ring] + [list(ring[0])]


@lru_cache(maxsize=1)
def cells() -> dict[str, Any]:
    """The district outline and the street and community cells (lon/lat rings, closed, CCW).

    ``district`` is one ring (the real outline as read); ``streets`` and ``communities``
    map an id to its cell, a list of rings.
    """
    cat = load_catalogue("streets.json")
    outline = district_outline()
    streets = cat["streets"]
    street_sites = [_to_xy((s["centre"]["lon"], s["centre"]["lat"])) for s in streets]
    street_cells = voronoi_cells([[_to_xy(p) for p in outline]], street_sites)
    out: dict[str, Any] = {"district": [list(p) for p in outline] + [list(outline[0])], "streets": {},
                           "communities": {}}
    for s, cell in zip(streets, street_cells):
        out["streets"][s["id"]] = [_closed_ccw(r) for r in cell]
        sites = [_to_xy((c["centre"]["lon"], c["centre"]["lat"])) for c in s["communities"]]
        for c, ccell in zip(s["communities"], voronoi_cells(cell, sites)):
            out["communities"][c["id"]] = [_closed_ccw(r) for r in ccell]
    return out


def cell_geometry(cell: list[list[list[float]]]) -> dict[str, Any]:
    """A cell as GeoJSON: a Polygon, or a MultiPolygon where it has several parts."""
    if len(cell) == 1:
        return {"type": "Polygon", "coordinates": [cell[0]]}
    return {"type": "MultiPolygon", "coordinates": [[ring] for ring in cell]}


# Main roads and rivers, schematic polylines inside the real outline (lon, lat).
ROADS: list[tuple[str, str, list[Point]]] = [
    ("shenshan_road", "深汕路", [(114.321, 22.703), (114.335, 22.700), (114.350, 22.699), (114.372, 22.700),
                                  (114.395, 22.698), (114.419, 22.696)]),
    ("pingshan_avenue", "坪山大道", [(114.345, 22.680), (114.350, 22.705), (114.356, 22.730), (114.362, 22.760)]),
    ("danzi_avenue", "丹梓大道", [(114.338, 22.748), (114.360, 22.745), (114.385, 22.748), (114.407, 22.750)]),
    ("jinbi_road", "金碧路", [(114.290, 22.672), (114.310, 22.685), (114.330, 22.700), (114.342, 22.712)]),
    ("longxing_road", "龙兴路", [(114.343, 22.757), (114.362, 22.756), (114.380, 22.753), (114.400, 22.758)]),
    ("dongzong_road", "东纵路", [(114.372, 22.690), (114.380, 22.715), (114.388, 22.740), (114.398, 22.768)]),
    ("hengping_road", "横坪公路", [(114.344, 22.728), (114.360, 22.727), (114.380, 22.724), (114.396, 22.722)]),
]
RIVERS: list[tuple[str, str, list[Point]]] = [
    ("pingshan_river", "坪山河", [(114.352, 22.650), (114.350, 22.668), (114.346, 22.684), (114.350, 22.697),
                                  (114.362, 22.706), (114.374, 22.716), (114.386, 22.726), (114.396, 22.735),
                                  (114.404, 22.742), (114.409, 22.745)]),
    ("longgang_river", "龙岗河", [(114.344, 22.763), (114.356, 22.762), (114.368, 22.760), (114.378, 22.757),
                                  (114.386, 22.755), (114.396, 22.760), (114.403, 22.767), (114.406, 22.773)]),
    ("tangkeng_river", "汤坑水", [(114.300, 22.680), (114.315, 22.688), (114.330, 22.693), (114.346, 22.690)]),
    ("feixi_river", "飞西水", [(114.350, 22.735), (114.356, 22.722), (114.362, 22.707)]),
]

# Emergency resources: (id, kind, name, lon, lat, extra properties)
RESOURCES: list[tuple[str, str, str, float, float, dict[str, Any]]] = [
    ("team_rescue", "rescue_team", "区综合应急救援大队驻地", 114.352, 22.712, {"members": 60, "unit": "team.rescue"}),
    ("team_flood", "rescue_team", "区三防抢险队驻地", 114.366, 22.703, {"members": 40, "unit": "team.flood"}),
    ("team_forest_fire", "rescue_team", "马峦山森林消防专业队", 114.372, 22.662, {"members": 30, "unit": "team.forest_fire"}),
    ("team_hazmat", "rescue_team", "危化品应急处置队（坑梓）", 114.392, 22.752, {"members": 25, "unit": "team.hazmat"}),
    ("team_medical", "rescue_team", "区急救医疗队（区人民医院）", 114.343, 22.706, {"members": 35, "unit": "team.medical"}),
    ("team_utility", "rescue_team", "市政设施抢修队", 114.352, 22.738, {"members": 30, "unit": "team.utility"}),
    ("shelter_pingshan_school", "shelter", "坪山实验学校避难场所", 114.347, 22.701, {"capacity": 2500}),
    ("shelter_maluan_park", "shelter", "马峦山郊野公园避难场所", 114.360, 22.672, {"capacity": 4000}),
    ("shelter_biling_gym", "shelter", "碧岭体育馆避难场所", 114.305, 22.683, {"capacity": 1800}),
    ("shelter_shijing_square", "shelter", "石井文体广场避难场所", 114.394, 22.712, {"capacity": 3000}),
    ("shelter_kengzi_school", "shelter", "坑梓中学避难场所", 114.381, 22.758, {"capacity": 2200}),
    ("shelter_longtian_park", "shelter", "龙田公园避难场所", 114.348, 22.748, {"capacity": 3500}),
    ("shelter_sports_centre", "shelter", "坪山体育中心避难场所", 114.357, 22.718, {"capacity": 8000}),
    ("warehouse_district", "warehouse", "区应急物资储备库", 114.360, 22.725, {"items": "冲锋舟 12、救生衣 800、沙袋 20000、发电机 15"}),
    ("warehouse_flood", "warehouse", "区三防物资仓库", 114.372, 22.709, {"items": "抽水泵 40、沙袋 30000、挡水板 600 米"}),
    ("warehouse_kengzi", "warehouse", "坑梓街道应急物资仓库", 114.394, 22.762, {"items": "帐篷 150、折叠床 600、饮用水 3000 箱"}),
    ("warehouse_biling", "warehouse", "碧岭街道应急物资仓库", 114.296, 22.676, {"items": "帐篷 80、灭火器 300、应急照明 200"}),
]


def _fc(features: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": features}


def _feature(fid: str, geometry: dict[str, Any], props: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Feature", "id": fid, "geometry": geometry, "properties": {"id": fid, **props}}


@lru_cache(maxsize=1)
def layers() -> dict[str, tuple[dict[str, str], dict[str, Any]]]:
    """Every layer: id → (info fields, GeoJSON FeatureCollection)."""
    cat = load_catalogue("streets.json")
    c = cells()
    d = cat["district"]
    district = _fc([_feature(d["id"], {"type": "Polygon", "coordinates": [c["district"]]},
                             {"name_zh": d["name_zh"], "name_en": d["name_en"], "admin_code": d["admin_code"]})])
    street_feats = []
    community_feats = []
    for s in cat["streets"]:
        street_feats.append(_feature(s["id"], cell_geometry(c["streets"][s["id"]]),
                                     {"name_zh": f"{s['name_zh']}街道", "name_en": f"{s['name_en']} Street",
                                      "centre": [s["centre"]["lon"], s["centre"]["lat"]]}))
        for cm in s["communities"]:
            community_feats.append(_feature(cm["id"], cell_geometry(c["communities"][cm["id"]]),
                                            {"name_zh": f"{cm['name_zh']}社区", "name_en": f"{cm['name_en']} Community",
                                             "street": s["id"], "centre": [cm["centre"]["lon"], cm["centre"]["lat"]]}))
    roads = _fc([_feature(rid, {"type": "LineString", "coordinates": [list(p) for p in pts]},
                          {"name_zh": name, "kind": "main_road"}) for rid, name, pts in ROADS])
    rivers = _fc([_feature(rid, {"type": "LineString", "coordinates": [list(p) for p in pts]},
                           {"name_zh": name, "kind": "river"}) for rid, name, pts in RIVERS])
    resources = _fc([_feature(rid, {"type": "Point", "coordinates": [lon, lat]},
                              {"name_zh": name, "kind": kind, **extra})
                     for rid, kind, name, lon, lat, extra in RESOURCES])
    return {
        "district": ({"name": "坪山区行政区划", "category": "boundary", "geometry": "polygon"}, district),
        "streets": ({"name": "街道", "category": "boundary", "geometry": "polygon"}, _fc(street_feats)),
        "communities": ({"name": "社区", "category": "boundary", "geometry": "polygon"}, _fc(community_feats)),
        "roads": ({"name": "主干道路", "category": "transport", "geometry": "line"}, roads),
        "rivers": ({"name": "河流水系", "category": "water", "geometry": "line"}, rivers),
        "resources": ({"name": "应急资源（救援队伍、避难场所、物资仓库）", "category": "emergency", "geometry": "point"}, resources),
    }


@lru_cache(maxsize=64)
def community_cell(community_id: str) -> tuple[tuple[Point, ...], ...]:
    """One community's cell: its closed lon/lat rings (for placing devices inside it)."""
    return tuple(tuple((p[0], p[1]) for p in ring) for ring in cells()["communities"][community_id])


# Terrain of the base map (schematic): mountains as irregular massifs, reservoirs as lakes.
# (id, name, centre lon, centre lat, radius east-west in degrees, radius north-south, seed)
MOUNTAINS: list[tuple[str, str, float, float, float, float, int]] = [
    ("maluan_shan", "马峦山", 114.338, 22.651, 0.040, 0.016, 3),
    ("tiantou_shan", "田头山", 114.415, 22.680, 0.011, 0.014, 7),
    ("julong_shan", "聚龙山", 114.370, 22.735, 0.007, 0.005, 11),
]
# (id, name, centre lon, centre lat, radius lon, radius lat, seed)
RESERVOIRS: list[tuple[str, str, float, float, float, float, int]] = [
    ("dashanbei_reservoir", "大山陂水库", 114.366, 22.686, 0.0045, 0.0022, 5),
    ("kuangshan_reservoir", "矿山水库", 114.394, 22.744, 0.0030, 0.0025, 9),
    ("chiao_reservoir", "赤坳水库", 114.330, 22.674, 0.0035, 0.0020, 13),
]


def blob_ring(lon: float, lat: float, rx: float, ry: float, seed: int, scale: float = 1.0,
              points: int = 48) -> list[tuple[float, float]]:
    """An irregular closed outline around a centre (deterministic: a few sine harmonics of ``seed``)."""
    ring = []
    for i in range(points):
        a = 2 * math.pi * i / points
        wobble = (1 + 0.16 * math.sin(3 * a + seed) + 0.09 * math.sin(5 * a + 2 * seed)
                  + 0.05 * math.sin(9 * a + 3 * seed))
        ring.append((lon + scale * rx * wobble * math.cos(a), lat + scale * ry * wobble * math.sin(a)))
    ring.append(ring[0])
    return ring

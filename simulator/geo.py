"""Schematic district geography: street and community cells, roads, rivers, resources.

The demo geography is schematic but plausible.  Streets are the Voronoi cells of the
street centres clipped to the (convex) district outline; communities are the Voronoi
cells of a street's community centres clipped to that street's cell, so every
community lies inside its street and the cells tile the district without overlap.
All cells are convex, so clipping is a sequence of half-plane cuts
(Sutherland–Hodgman against one line at a time).  Coordinates are (lon, lat) in
WGS84; cells are computed in a locally isotropic frame (lon scaled by cos(lat)).
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path
from typing import Any

CATALOGUE_DIR = Path(__file__).resolve().parent.parent / "resources" / "catalogue"

Point = tuple[float, float]
Ring = list[Point]

_LAT0 = 22.73
_KX = math.cos(math.radians(_LAT0))  # degrees of lon are shorter than degrees of lat here


def load_catalogue(name: str) -> Any:
    """Read one ``resources/catalogue/*.json`` file (the simulator imports no console code)."""
    with open(CATALOGUE_DIR / name, encoding="utf-8") as fh:
        return json.load(fh)


def _to_xy(p: Point) -> Point:
    return (p[0] * _KX, p[1])


def _to_lonlat(p: Point) -> Point:
    return (round(p[0] / _KX, 6), round(p[1], 6))


def clip_half_plane(ring: Ring, a: Point, b: Point) -> Ring:
    """Keep the part of convex ``ring`` nearer to ``a`` than to ``b`` (perpendicular bisector cut)."""
    mx, my = (a[0] + b[0]) / 2, (a[1] + b[1]) / 2
    nx, ny = b[0] - a[0], b[1] - a[1]

    def side(p: Point) -> float:  # < 0: on a's side
        return (p[0] - mx) * nx + (p[1] - my) * ny

    out: Ring = []
    n = len(ring)
    for i in range(n):
        cur, nxt = ring[i], ring[(i + 1) % n]
        sc, sn = side(cur), side(nxt)
        if sc <= 0:
            out.append(cur)
        if (sc < 0 < sn) or (sn < 0 < sc):
            t = sc / (sc - sn)
            out.append((cur[0] + t * (nxt[0] - cur[0]), cur[1] + t * (nxt[1] - cur[1])))
    return out


def voronoi_cells(container: Ring, sites: list[Point]) -> list[Ring]:
    """Voronoi cell of each site, clipped to the convex ``container`` (all in the xy frame)."""
    cells = []
    for i, s in enumerate(sites):
        cell = list(container)
        for j, o in enumerate(sites):
            if i != j and cell:
                cell = clip_half_plane(cell, s, o)
        cells.append(cell)
    return cells


def polygon_area(ring: Ring) -> float:
    """Signed shoelace area (positive = counter-clockwise)."""
    return 0.5 * sum(ring[i][0] * ring[(i + 1) % len(ring)][1] - ring[(i + 1) % len(ring)][0] * ring[i][1]
                     for i in range(len(ring)))


def point_in_ring(p: Point, ring: Ring) -> bool:
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


def _closed_ccw(ring_xy: Ring) -> list[list[float]]:
    """GeoJSON linear ring (RFC 7946: closed, exterior counter-clockwise) in lon/lat."""
    ring = [_to_lonlat(p) for p in ring_xy]
    if polygon_area(ring) < 0:
        ring.reverse()
    return [list(p) for p in ring] + [list(ring[0])]


@lru_cache(maxsize=1)
def cells() -> dict[str, Any]:
    """Compute the district, street and community rings once (lon/lat, closed, CCW)."""
    cat = load_catalogue("streets.json")
    outline = [_to_xy((x, y)) for x, y in cat["district"]["outline"]]
    if polygon_area(outline) < 0:
        outline.reverse()
    streets = cat["streets"]
    street_sites = [_to_xy((s["centre"]["lon"], s["centre"]["lat"])) for s in streets]
    street_cells = voronoi_cells(outline, street_sites)
    out: dict[str, Any] = {"district": _closed_ccw(outline), "streets": {}, "communities": {}}
    for s, cell in zip(streets, street_cells):
        out["streets"][s["id"]] = _closed_ccw(cell)
        sites = [_to_xy((c["centre"]["lon"], c["centre"]["lat"])) for c in s["communities"]]
        for c, ccell in zip(s["communities"], voronoi_cells(cell, sites)):
            out["communities"][c["id"]] = _closed_ccw(ccell)
    return out


# Main roads and rivers, schematic polylines (lon, lat).
ROADS: list[tuple[str, str, list[Point]]] = [
    ("shenshan_road", "深汕路", [(114.286, 22.713), (114.320, 22.705), (114.350, 22.700), (114.385, 22.696), (114.415, 22.700)]),
    ("pingshan_avenue", "坪山大道", [(114.345, 22.688), (114.348, 22.715), (114.352, 22.745), (114.360, 22.778)]),
    ("danzi_avenue", "丹梓大道", [(114.300, 22.740), (114.340, 22.735), (114.380, 22.745), (114.418, 22.748)]),
    ("jinbi_road", "金碧路", [(114.300, 22.700), (114.318, 22.722), (114.330, 22.750), (114.335, 22.770)]),
    ("longxing_road", "龙兴路", [(114.330, 22.760), (114.365, 22.765), (114.400, 22.762)]),
    ("dongzong_road", "东纵路", [(114.372, 22.690), (114.380, 22.715), (114.390, 22.740), (114.392, 22.770)]),
    ("hengping_road", "横坪公路", [(114.288, 22.735), (114.320, 22.730), (114.355, 22.724), (114.410, 22.722)]),
]
RIVERS: list[tuple[str, str, list[Point]]] = [
    ("pingshan_river", "坪山河", [(114.392, 22.684), (114.375, 22.697), (114.356, 22.706), (114.350, 22.720),
                                  (114.362, 22.736), (114.385, 22.752), (114.404, 22.766), (114.410, 22.775)]),
    ("longgang_river", "龙岗河", [(114.287, 22.752), (114.305, 22.758), (114.330, 22.765), (114.350, 22.771),
                                  (114.368, 22.779)]),
    ("tangkeng_river", "汤坑水", [(114.305, 22.698), (114.322, 22.708), (114.340, 22.712), (114.350, 22.712)]),
    ("feixi_river", "飞西水", [(114.330, 22.692), (114.340, 22.700), (114.352, 22.705)]),
]

# Emergency resources: (id, kind, name, lon, lat, extra properties)
RESOURCES: list[tuple[str, str, str, float, float, dict[str, Any]]] = [
    ("team_rescue", "rescue_team", "区综合应急救援大队驻地", 114.352, 22.712, {"members": 60, "unit": "team.rescue"}),
    ("team_flood", "rescue_team", "区三防抢险队驻地", 114.366, 22.703, {"members": 40, "unit": "team.flood"}),
    ("team_forest_fire", "rescue_team", "马峦山森林消防专业队", 114.398, 22.688, {"members": 30, "unit": "team.forest_fire"}),
    ("team_hazmat", "rescue_team", "危化品应急处置队（坑梓）", 114.388, 22.760, {"members": 25, "unit": "team.hazmat"}),
    ("team_medical", "rescue_team", "区急救医疗队（区人民医院）", 114.343, 22.706, {"members": 35, "unit": "team.medical"}),
    ("team_utility", "rescue_team", "市政设施抢修队", 114.330, 22.745, {"members": 30, "unit": "team.utility"}),
    ("shelter_pingshan_school", "shelter", "坪山实验学校避难场所", 114.347, 22.701, {"capacity": 2500}),
    ("shelter_maluan_park", "shelter", "马峦山郊野公园避难场所", 114.392, 22.693, {"capacity": 4000}),
    ("shelter_biling_gym", "shelter", "碧岭体育馆避难场所", 114.306, 22.716, {"capacity": 1800}),
    ("shelter_shijing_square", "shelter", "石井文体广场避难场所", 114.402, 22.729, {"capacity": 3000}),
    ("shelter_kengzi_school", "shelter", "坑梓中学避难场所", 114.381, 22.758, {"capacity": 2200}),
    ("shelter_longtian_park", "shelter", "龙田公园避难场所", 114.338, 22.752, {"capacity": 3500}),
    ("shelter_sports_centre", "shelter", "坪山体育中心避难场所", 114.357, 22.718, {"capacity": 8000}),
    ("warehouse_district", "warehouse", "区应急物资储备库", 114.360, 22.725, {"items": "冲锋舟 12、救生衣 800、沙袋 20000、发电机 15"}),
    ("warehouse_flood", "warehouse", "区三防物资仓库", 114.372, 22.709, {"items": "抽水泵 40、沙袋 30000、挡水板 600 米"}),
    ("warehouse_kengzi", "warehouse", "坑梓街道应急物资仓库", 114.386, 22.763, {"items": "帐篷 150、折叠床 600、饮用水 3000 箱"}),
    ("warehouse_biling", "warehouse", "碧岭街道应急物资仓库", 114.302, 22.708, {"items": "帐篷 80、灭火器 300、应急照明 200"}),
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
        street_feats.append(_feature(s["id"], {"type": "Polygon", "coordinates": [c["streets"][s["id"]]]},
                                     {"name_zh": f"{s['name_zh']}街道", "name_en": f"{s['name_en']} Street",
                                      "centre": [s["centre"]["lon"], s["centre"]["lat"]]}))
        for cm in s["communities"]:
            community_feats.append(_feature(cm["id"], {"type": "Polygon", "coordinates": [c["communities"][cm["id"]]]},
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


def community_ring(community_id: str) -> list[list[float]]:
    """The closed lon/lat ring of one community (for placing devices inside it)."""
    return cells()["communities"][community_id]


# Terrain of the base map (schematic): mountains as irregular massifs, reservoirs as lakes.
# (id, name, centre lon, centre lat, radius east-west in degrees, radius north-south, seed)
MOUNTAINS: list[tuple[str, str, float, float, float, float, int]] = [
    ("maluan_shan", "马峦山", 114.382, 22.688, 0.022, 0.011, 3),
    ("tiantou_shan", "田头山", 114.410, 22.712, 0.011, 0.016, 7),
    ("julong_shan", "聚龙山", 114.352, 22.742, 0.007, 0.005, 11),
]
# (id, name, centre lon, centre lat, radius lon, radius lat, seed)
RESERVOIRS: list[tuple[str, str, float, float, float, float, int]] = [
    ("dashanbei_reservoir", "大山陂水库", 114.366, 22.691, 0.0045, 0.0022, 5),
    ("kuangshan_reservoir", "矿山水库", 114.405, 22.738, 0.0030, 0.0025, 9),
    ("chiao_reservoir", "赤坳水库", 114.318, 22.698, 0.0035, 0.0020, 13),
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

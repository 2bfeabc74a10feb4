"""The demo district's real shape: the outline is the public boundary converted from GCJ-02
to WGS-84; street and community cells tile it; everything the feed places lies in its cell."""

from __future__ import annotations

import itertools
import json
import random
from pathlib import Path

import pytest

from console import catalogue
from console.tiles import gcj02_to_wgs84
from simulator import geo

ROOT = Path(__file__).resolve().parents[2]
DATAV_GCJ02 = ROOT / "tests" / "data" / "geojson" / "pingshan-440310-gcj02.geojson"
"""The boundary as DataV GeoAtlas publishes it (GCJ-02); see tests/data/geojson/README.md."""

VERTEX_TOL_DEG = 2e-6
"""Six-decimal rounding of the converted file, with room to spare (about 0.2 m)."""
AREA_TOL = 1e-5
"""Relative: cells rounded to six decimals still add up to the outline's area."""


def _area(ring: list[list[float]] | list[tuple[float, float]]) -> float:
    return abs(geo.polygon_area([(p[0], p[1]) for p in ring]))


def _cell_area(cell: list[list[list[float]]]) -> float:
    return sum(_area(r) for r in cell)


def _seg_dist(p: tuple[float, float], a: list[float] | tuple[float, float], b: list[float] | tuple[float, float]) -> float:
    ax, ay, bx, by = a[0], a[1], b[0], b[1]
    dx, dy = bx - ax, by - ay
    t = 0.0 if dx == dy == 0 else max(0.0, min(1.0, ((p[0] - ax) * dx + (p[1] - ay) * dy) / (dx * dx + dy * dy)))
    return float(((p[0] - ax - t * dx) ** 2 + (p[1] - ay - t * dy) ** 2) ** 0.5)


def _inside_or_on(p: tuple[float, float], ring: list[list[float]], eps: float = 2e-6) -> bool:
    if geo.point_in_ring(p, [(q[0], q[1]) for q in ring]):
        return True
    return min(_seg_dist(p, ring[i], ring[(i + 1) % len(ring)]) for i in range(len(ring))) < eps


def _datav_outline_wgs84() -> list[tuple[float, float]]:
    doc = json.loads(DATAV_GCJ02.read_text(encoding="utf-8"))
    assert doc["features"][0]["properties"]["adcode"] == 440310
    polygons = doc["features"][0]["geometry"]["coordinates"]
    assert len(polygons) == 1  # one part, no holes: the outline is this ring
    ring = [gcj02_to_wgs84(lon, lat) for lon, lat in polygons[0][0]]
    return ring[:-1] if ring[0] == ring[-1] else ring


def _same_ring(a: list[tuple[float, float]], b: list[tuple[float, float]]) -> float:
    """The largest vertex distance between two open rings, matched vertex by vertex in
    either orientation, starting anywhere."""
    assert len(a) == len(b)
    best = float("inf")
    for ring in (b, b[::-1]):
        start = min(range(len(ring)), key=lambda i: _seg_dist(a[0], ring[i], ring[i]))
        rolled = ring[start:] + ring[:start]
        best = min(best, max(_seg_dist(p, q, q) for p, q in zip(a, rolled)))
    return best


def test_the_served_outline_is_the_public_boundary_converted_to_wgs84() -> None:
    expected = _datav_outline_wgs84()
    served = geo.layers()["district"][1]["features"][0]["geometry"]["coordinates"][0]
    assert served[0] == served[-1]
    assert geo.polygon_area([(p[0], p[1]) for p in served]) > 0  # RFC 7946: counter-clockwise
    served_open = [(p[0], p[1]) for p in served[:-1]]
    assert len(served_open) == len(expected) > 300
    assert _same_ring(served_open, expected) < VERTEX_TOL_DEG
    # The console's catalogue reads the same outline (alert map, self check, drill tiles).
    assert _same_ring(list(catalogue.district().outline), expected) < VERTEX_TOL_DEG
    # And it is not the GCJ-02 one: the shift here is about 0.005° (~550 m).
    raw = json.loads(DATAV_GCJ02.read_text(encoding="utf-8"))["features"][0]["geometry"]["coordinates"][0][0]
    assert _same_ring(served_open, [(p[0], p[1]) for p in raw[:-1]]) > 0.003


def test_cells_tile_the_real_outline() -> None:
    c = geo.cells()
    outline = c["district"]
    district_area = _area(outline)
    streets, communities = c["streets"], c["communities"]
    assert len(streets) == 6 and len(communities) == 23
    # The demo's cells are one polygon each (the map and the contract tests read ring 0).
    assert all(len(cell) == 1 for cell in [*streets.values(), *communities.values()])
    assert abs(sum(_cell_area(s) for s in streets.values()) - district_area) < AREA_TOL * district_area
    assert abs(sum(_cell_area(s) for s in communities.values()) - district_area) < AREA_TOL * district_area
    street_of = {cm.id: s.id for s, cm in catalogue.communities()}
    for cid, cell in communities.items():
        for ring in cell:
            assert all(_inside_or_on((p[0], p[1]), outline) for p in ring), cid
            assert all(_inside_or_on((p[0], p[1]), streets[street_of[cid]][0]) for p in ring), cid
        # each street's communities add up to the street
    for sid, cell in streets.items():
        parts = sum(_cell_area(communities[cid]) for cid, s in street_of.items() if s == sid)
        assert abs(parts - _cell_area(cell)) < AREA_TOL * district_area, sid
    # No overlap, no gap: points of the outline lie in exactly one community; points
    # outside it in none.
    rng = random.Random(7)
    xs, ys = [p[0] for p in outline], [p[1] for p in outline]
    inside = 0
    for _ in range(3000):
        p = (rng.uniform(min(xs), max(xs)), rng.uniform(min(ys), max(ys)))
        holders = [cid for cid, cell in communities.items() if geo.point_in_cell(p, cell)]
        if geo.point_in_ring(p, [(q[0], q[1]) for q in outline]):
            inside += 1
            assert len(holders) == 1, (p, holders)
        else:
            assert holders == [], (p, holders)
    assert inside > 1000


def test_a_community_centre_lies_in_its_own_cell() -> None:
    c = geo.cells()
    for s in catalogue.streets():
        assert geo.point_in_cell((s.centre.lon, s.centre.lat), c["streets"][s.id]), s.id
        for cm in s.communities:
            assert geo.point_in_cell((cm.centre.lon, cm.centre.lat), c["communities"][cm.id]), cm.id


def test_cut_ring_splits_a_concave_polygon_into_its_parts() -> None:
    # A U: the line y = 2 cuts both arms; the part below it is one piece, above it two.
    u = [(0.0, 0.0), (3.0, 0.0), (3.0, 3.0), (2.0, 3.0), (2.0, 1.5), (1.0, 1.5), (1.0, 3.0), (0.0, 3.0)]
    below = geo.cut_ring(u, (0.0, 2.0), (0.0, 1.0))
    above = geo.cut_ring(u, (0.0, 2.0), (0.0, -1.0))
    assert len(below) == 1 and geo.polygon_area(below[0]) == pytest.approx(5.5)
    assert len(above) == 2 and sorted(geo.polygon_area(r) for r in above) == pytest.approx([1.0, 1.0])
    assert all(geo.polygon_area(r) > 0 for r in above)  # orientation kept
    # A vertex touching the line from the kept side does not split the part.
    v = [(0.0, 0.0), (2.0, 0.0), (2.0, 2.0), (1.0, 1.0), (0.0, 2.0)]
    touch = geo.cut_ring(v, (0.0, 1.0), (0.0, 1.0))
    assert len(touch) == 1 and geo.polygon_area(touch[0]) == pytest.approx(2.0)
    # Cells of a concave container still add up to it.
    cells = geo.voronoi_cells([u], [(0.5, 2.5), (2.5, 2.5), (1.5, 0.5)])
    assert sum(geo.polygon_area(r) for cell in cells for r in cell) == pytest.approx(geo.polygon_area(u))
    assert [len(cell) for cell in cells] == [1, 1, 1]


def test_roads_rivers_terrain_and_resources_lie_inside_the_outline() -> None:
    ring = [(p[0], p[1]) for p in geo.cells()["district"]]
    for _rid, _name, pts in [*geo.ROADS, *geo.RIVERS]:
        for a, b in itertools.pairwise(pts):
            for k in range(21):
                t = k / 20
                assert geo.point_in_ring((a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])), ring), _rid
    for rid, _kind, _name, lon, lat, _extra in geo.RESOURCES:
        assert geo.point_in_ring((lon, lat), ring), rid
    for fid, _name, lon, lat, *_rest in [*geo.MOUNTAINS, *geo.RESERVOIRS]:
        assert geo.point_in_ring((lon, lat), ring), fid


def test_every_device_camera_and_alert_lies_in_its_community_cell(tmp_path: Path) -> None:
    from simulator.world import District, FeedConfig

    d = District(FeedConfig(data_dir=tmp_path / "feed", seed=1, backlog=150))
    try:
        things = [*d.devices.values(), *d.cameras.values(), *d.alerts.values()]
        assert len(d.devices) > 50 and len(d.cameras) == 36 and len(d.alerts) >= 100
        outline = [(p[0], p[1]) for p in geo.cells()["district"]]
        for obj in things:
            assert obj.location, obj.id
            p = (obj.location.lon, obj.location.lat)
            if obj.community is None:  # a district-wide warning (CAP): somewhere in the district
                assert getattr(obj, "source", None) == "early_warning" and geo.point_in_ring(p, outline), obj.id
                continue
            assert geo.point_in_cell(p, geo.community_cell(obj.community)), (obj.id, obj.community)
        first = {o.id: o.location for o in things}
    finally:
        d.store.close()
    # Same seed, same district.
    again = District(FeedConfig(data_dir=tmp_path / "again", seed=1, backlog=150))
    try:
        assert {o.id: o.location for o in [*again.devices.values(), *again.cameras.values(),
                                           *again.alerts.values()]} == first
    finally:
        again.store.close()

"""The feed's published contract: OpenAPI agrees with console.models; layers and plans are valid."""

from __future__ import annotations

import itertools
import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from console import models
from console.feed_process import FeedProcess

ROOT = Path(__file__).resolve().parents[2]


def _normalise(schema: Any) -> Any:
    """Drop what FastAPI legitimately leaves out (null defaults, None inside default objects)."""
    if isinstance(schema, dict):
        out = {}
        for k, v in schema.items():
            if k == "default":
                if v is None:
                    continue
                if isinstance(v, dict):
                    v = {kk: vv for kk, vv in v.items() if vv is not None}
            out[k] = _normalise(v)
        return out
    if isinstance(schema, list):
        return [_normalise(v) for v in schema]
    return schema


@pytest.fixture(scope="module")
def openapi() -> dict[str, Any]:
    out = subprocess.run([sys.executable, "-m", "simulator.server", "openapi"], cwd=ROOT, capture_output=True,
                         text=True, timeout=60, check=True).stdout
    return json.loads(out)


@pytest.mark.parametrize("name", ["Command", "Snapshot", "CommandAccepted", "CommandRefused", "ErrorDetail",
                                  "LayerList", "PlanList", "TokenResponse"])
def test_openapi_component_schemas_agree_with_models(openapi: dict[str, Any], name: str) -> None:
    components = openapi["components"]["schemas"]
    mine = getattr(models, name).model_json_schema(ref_template="#/components/schemas/{model}")
    defs = mine.pop("$defs", {})
    assert _normalise(components[name]) == _normalise(mine)
    for dname, dschema in defs.items():
        assert _normalise(components[dname]) == _normalise(dschema), dname


def test_openapi_paths(openapi: dict[str, Any]) -> None:
    paths = openapi["paths"]
    for p in ("/api/v1/snapshot", "/api/v1/stream", "/api/v1/commands", "/api/v1/layers", "/api/v1/plans",
              "/api/v1/auth/token"):
        assert p in paths
    assert not any(p.startswith("/_sim") for p in paths)  # test controls are not the contract
    body = paths["/api/v1/commands"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/Command"}


def _ring_area(ring: list[list[float]]) -> float:
    return 0.5 * sum(ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1] for i in range(len(ring) - 1))


def _inside(p: list[float], ring: list[list[float]], eps: float = 2e-6) -> bool:
    """Point in a closed ring (ray casting; the cells follow the real, concave outline) or on its edge."""
    x, y = p
    inside = False
    for (x1, y1), (x2, y2) in itertools.pairwise(ring):
        dx, dy = x2 - x1, y2 - y1
        t = max(0.0, min(1.0, ((x - x1) * dx + (y - y1) * dy) / ((dx * dx + dy * dy) or 1.0)))
        if math.hypot(x - x1 - t * dx, y - y1 - t * dy) < eps:
            return True
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * dx / dy:
            inside = not inside
    return inside


def test_layers_are_valid_geojson(feed: FeedProcess) -> None:
    infos = models.LayerList.model_validate_json(httpx.get(feed.url + "/api/v1/layers").content)
    by_id = {i.id: i for i in infos.layers}
    assert {"district", "streets", "communities", "roads", "rivers", "resources"} <= set(by_id)
    layers = {}
    for lid in by_id:
        r = httpx.get(feed.url + f"/api/v1/layers/{lid}")
        assert r.status_code == 200 and r.headers["content-type"].startswith("application/geo+json")
        fc = r.json()
        assert fc["type"] == "FeatureCollection" and len(fc["features"]) == by_id[lid].feature_count
        for f in fc["features"]:
            assert f["type"] == "Feature" and f["properties"]["name_zh"]
            geom = f["geometry"]
            if geom["type"] == "Polygon":
                ring = geom["coordinates"][0]
                assert ring[0] == ring[-1] and len(ring) >= 4
                assert _ring_area(ring) > 0  # RFC 7946: exterior rings counter-clockwise
            for lon, lat in _coords(geom):
                assert 114.26 <= lon <= 114.445 and 22.62 <= lat <= 22.79  # the real outline's extent
        layers[lid] = fc
    assert len(layers["streets"]["features"]) == 6
    assert len(layers["communities"]["features"]) == 23
    streets = {f["id"]: f["geometry"]["coordinates"][0] for f in layers["streets"]["features"]}
    total = sum(_ring_area(r) for r in streets.values())
    district_area = _ring_area(layers["district"]["features"][0]["geometry"]["coordinates"][0])
    assert abs(total - district_area) < 1e-4 * district_area  # streets tile the district (6-decimal rounding)
    for f in layers["communities"]["features"]:
        ring = f["geometry"]["coordinates"][0]
        assert all(_inside(p, streets[f["properties"]["street"]]) for p in ring), f["id"]
    kinds = {f["properties"]["kind"] for f in layers["resources"]["features"]}
    assert kinds == {"rescue_team", "shelter", "warehouse"}
    assert all(f["properties"]["capacity"] > 0 for f in layers["resources"]["features"]
               if f["properties"]["kind"] == "shelter")
    assert {f["properties"]["name_zh"] for f in layers["rivers"]["features"]} >= {"坪山河", "龙岗河"}
    assert httpx.get(feed.url + "/api/v1/layers/nowhere").status_code == 404


def _coords(geom: dict[str, Any]) -> list[list[float]]:
    if geom["type"] == "Point":
        return [geom["coordinates"]]
    if geom["type"] == "LineString":
        return geom["coordinates"]
    return [p for ring in geom["coordinates"] for p in ring]


def test_plans_cover_every_incident_type(feed: FeedProcess) -> None:
    plans = models.PlanList.model_validate_json(httpx.get(feed.url + "/api/v1/plans").content)
    assert {p.incident_type for p in plans.plans} == set(models.IncidentType.__args__)  # type: ignore[attr-defined]
    units = {u.id for u in models.Snapshot.model_validate_json(httpx.get(feed.url + "/api/v1/snapshot").content).units}
    for plan in plans.plans:
        assert 5 <= len(plan.steps) <= 8
        assert any(s.issues_task for s in plan.steps)
        assert all(s.owner in units for s in plan.steps)


def test_tiles_draw_the_district(feed: FeedProcess) -> None:
    import io

    from PIL import Image

    from simulator.tiles import tile_for

    x, y = tile_for(114.35, 22.72, 13)
    r = httpx.get(feed.url + f"/tiles/13/{x}/{y}.png")
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    img = Image.open(io.BytesIO(r.content))
    assert img.size == (256, 256)
    assert len(img.convert("RGB").getcolors(1 << 16) or ()) > 10  # streets, rivers, roads: not a flat field
    far = Image.open(io.BytesIO(httpx.get(feed.url + "/tiles/13/0/0.png").content)).convert("RGB")
    assert len(far.getcolors(1 << 16) or ()) == 1  # nothing of the district in the Arctic
    assert httpx.get(feed.url + "/tiles/13/99999/0.png").status_code == 404
    assert httpx.get(feed.url + "/tiles/30/0/0.png").status_code == 404

"""RFC 7946 validation of imported GeoJSON: per-feature errors, never a crash."""

from __future__ import annotations

from pathlib import Path

from console.geojson_check import check_geojson, load_geojson_file

DATA = Path(__file__).resolve().parents[1] / "data" / "geojson"


def test_a_valid_file_passes() -> None:
    check = load_geojson_file(DATA / "flood_zones.geojson")
    assert check.ok, [p.describe() for p in check.problems]
    assert check.features == 4
    assert check.collection is not None and check.collection["type"] == "FeatureCollection"


def test_a_file_with_errors_lists_each_feature_and_what_is_wrong() -> None:
    check = load_geojson_file(DATA / "flood_zones_with_errors.geojson")
    assert not check.ok
    by_feature = {p.feature: p for p in check.errors}
    assert 0 not in by_feature  # the good feature has no error
    assert "未闭合" in by_feature[1].message and by_feature[1].feature_id == "open-ring"
    assert "超出范围" in by_feature[2].message and "写反" in by_feature[2].message
    assert "缺少 geometry" in by_feature[3].message
    assert "至少需要 2 个点" in by_feature[4].message
    assert "未知的几何类型" in by_feature[5].message
    assert "不是 Feature" in by_feature[6].message
    lines = [p.describe() for p in check.errors]
    assert lines[0].startswith("要素 #2（id=open-ring）：")
    assert len(check.errors) == 6


def test_broken_files_are_reported_not_raised(tmp_path: Path) -> None:
    bad_json = tmp_path / "bad.geojson"
    bad_json.write_text('{"type": "FeatureCollection", "features": [', encoding="utf-8")
    check = load_geojson_file(bad_json)
    assert not check.ok and "JSON 语法错误" in check.errors[0].describe()
    gbk = tmp_path / "gbk.geojson"
    gbk.write_bytes('{"type":"Feature","properties":{"name":"坪山区"},"geometry":null}'.encode("gbk"))
    assert "UTF-8" in load_geojson_file(gbk).errors[0].message
    missing = load_geojson_file(tmp_path / "nope.geojson")
    assert not missing.ok and "无法读取" in missing.errors[0].message
    assert not check_geojson([1, 2]).ok
    assert not check_geojson({"type": "Topology"}).ok


def test_advice_is_a_warning_not_an_error() -> None:
    clockwise = {"type": "Feature", "properties": None, "crs": {"type": "name"}, "geometry": {
        "type": "Polygon", "coordinates": [[[114.35, 22.71], [114.35, 22.72], [114.36, 22.72], [114.35, 22.71]]]}}
    check = check_geojson(clockwise)
    assert check.ok
    assert any("顺时针" in w.message for w in check.warnings)
    assert any("crs" in w.message for w in check.warnings)
    bare = check_geojson({"type": "MultiLineString", "coordinates": [[[114.3, 22.7], [114.4, 22.75]]]})
    assert bare.ok and bare.features == 1


# --------------------------------------------------------------------------- files as they really come

import json  # noqa: E402
import random  # noqa: E402
import time  # noqa: E402
from typing import Any  # noqa: E402

import pytest  # noqa: E402

from console import geojson_check  # noqa: E402
from console.geojson_check import MAX_ERRORS, MAX_PER_FEATURE, MAX_WARNINGS, datum_of, main_layers  # noqa: E402

# The district outline as DataV GeoAtlas publishes it (GCJ-02, clockwise outer ring);
# source in tests/data/geojson/README.md.
DISTRICT_GCJ02 = DATA / "pingshan-440310-gcj02.geojson"


def district_ring() -> list[list[float]]:
    doc = json.loads(DISTRICT_GCJ02.read_text(encoding="utf-8"))
    return doc["features"][0]["geometry"]["coordinates"][0][0]


def densify(ring: list[list[float]], per_edge: int) -> list[list[float]]:
    """The same outline with ``per_edge`` points on every edge (real files are that dense)."""
    out: list[list[float]] = []
    for (x0, y0), (x1, y1) in zip(ring, ring[1:]):
        for k in range(per_edge):
            t = k / per_edge
            out.append([round(x0 + (x1 - x0) * t, 6), round(y0 + (y1 - y0) * t, 6)])
    out.append(list(out[0]))
    return out


def boundary_file(path: Path, features: int, per_edge: int, *, seed: int = 7) -> Path:
    """A province-style boundary file: the real district outline and ``features - 1``
    real-shaped neighbours (the outline moved, scaled and jittered), rings clockwise as
    DataV writes them."""
    rnd = random.Random(seed)
    base = district_ring()
    feats: list[dict[str, Any]] = [{"type": "Feature", "properties": {"adcode": 440310, "name": "坪山区"},
                                    "geometry": {"type": "MultiPolygon", "coordinates": [[densify(base, per_edge)]]}}]
    for n in range(1, features):
        dx, dy, k = rnd.uniform(-3.0, 3.0), rnd.uniform(-2.0, 2.0), rnd.uniform(0.5, 2.0)
        ring = [[round(114.35 + (x - 114.35) * k + dx + rnd.uniform(-1e-4, 1e-4), 6),
                 round(22.70 + (y - 22.70) * k + dy + rnd.uniform(-1e-4, 1e-4), 6)] for x, y in base[:-1]]
        ring.append(list(ring[0]))
        feats.append({"type": "Feature", "properties": {"adcode": 440000 + n, "name": f"区县 {n}"},
                      "geometry": {"type": "Polygon", "coordinates": [densify(ring, per_edge)]}})
    path.write_text(json.dumps({"type": "FeatureCollection", "features": feats}, ensure_ascii=False),
                    encoding="utf-8")
    return path


def test_more_than_500_clockwise_rings_still_import(tmp_path: Path) -> None:
    check = load_geojson_file(boundary_file(tmp_path / "many.geojson", 650, 1))
    assert check.ok, [p.describe() for p in check.errors]
    assert check.error_count == 0 and check.errors == []
    assert check.warning_count == 650  # every outer ring is clockwise, as DataV writes them
    assert len(check.warnings) == MAX_WARNINGS
    assert any("共 650 条提示" in n.message for n in check.notes)


def test_a_feature_with_300000_bad_parts_lists_a_few(tmp_path: Path) -> None:
    bad_part = [[[114.30, 22.70], [114.31, 22.70], [114.31, 22.71], [114.30, 22.72]]]  # never closed
    doc = {"type": "Feature", "id": "grid", "properties": {},
           "geometry": {"type": "MultiPolygon", "coordinates": [bad_part] * 300_000}}
    started = time.monotonic()
    check = geojson_check.check_geojson(doc)
    assert time.monotonic() - started < 30
    assert not check.ok and check.error_count == 300_000
    assert len(check.errors) == MAX_PER_FEATURE + 1
    assert "另有 299990 处同类错误" in check.errors[-1].message
    assert check.errors[0].describe().startswith("要素 #1（id=grid）：第 1 个多边形的线环 1 未闭合")


def test_more_errors_than_the_cap_are_counted(tmp_path: Path) -> None:
    feats = [{"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [200, 22.7]}}
             for _ in range(MAX_ERRORS + 100)]
    check = geojson_check.check_geojson({"type": "FeatureCollection", "features": feats})
    assert not check.ok and check.error_count == MAX_ERRORS + 100 and len(check.errors) == MAX_ERRORS
    assert check.notes and f"共 {MAX_ERRORS + 100} 处错误" in check.notes[0].message
    assert check.notes[0].severity == "note"


def nested(depth: int, leaf: Any) -> Any:
    doc = leaf
    for _ in range(depth):
        doc = [doc]
    return doc


@pytest.mark.parametrize("depth", [100, 100_000])
def test_deep_nesting_is_refused_not_raised(tmp_path: Path, depth: int) -> None:
    as_text = tmp_path / "deep.geojson"
    as_text.write_text('{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":'
                       + "[" * depth + "]" * depth + "}}", encoding="utf-8")
    check = load_geojson_file(as_text)
    assert not check.ok and "嵌套" in check.errors[0].message
    # the same, handed over already parsed: in coordinates, properties and collections
    for doc in (
        {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": nested(depth, 1)}},
        {"type": "Feature", "properties": {"x": nested(depth, 1)}, "geometry": None},
    ):
        assert not geojson_check.check_geojson(doc).ok
    collection: dict[str, Any] = {"type": "Point", "coordinates": [114.3, 22.7]}
    for _ in range(depth):
        collection = {"type": "GeometryCollection", "geometries": [collection]}
    assert not geojson_check.check_geojson(collection).ok
    assert geojson_check.geometry_bounds({"type": "Polygon", "coordinates": nested(depth, [114.3, 22.7])}) \
        == (114.3, 22.7, 114.3, 22.7)


def test_a_5000_digit_coordinate_is_an_error_not_an_exception(tmp_path: Path) -> None:
    huge = "1" * 5000
    path = tmp_path / "digits.geojson"
    path.write_text('{"type":"Feature","id":' + huge + ',"properties":{},'
                    '"geometry":{"type":"Point","coordinates":[' + huge + ', 22.7]}}', encoding="utf-8")
    check = load_geojson_file(path)
    assert not check.ok
    assert [e.message for e in check.errors] == ["id 须是字符串或数字", "坐标含非数字或非有限数：[inf, 22.7]"]
    direct = geojson_check.check_geojson(
        {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [10 ** 5000, 22.7]}})
    assert not direct.ok and "超出范围" in direct.errors[0].message and "5001 位" in direct.errors[0].message


def test_gcj02_outline_is_told_apart_from_wgs84(tmp_path: Path) -> None:
    from console.tiles import gcj02_to_wgs84

    datav = load_geojson_file(DISTRICT_GCJ02)
    assert datav.ok and datav.datum == "gcj02" and datav.datum_note and "GCJ-02" in datav.datum_note
    ring = district_ring()
    wgs = [[round(c, 6) for c in gcj02_to_wgs84(lon, lat)] for lon, lat in ring]
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [wgs]}}]}
    assert datum_of(doc) == "wgs84"
    # a WGS-84 outline from another survey: simplified and ~20 m off here and there
    rnd = random.Random(3)
    other = [[lon + rnd.uniform(-2e-4, 2e-4), lat + rnd.uniform(-2e-4, 2e-4)] for lon, lat in wgs[:-1:2]]
    other.append(list(other[0]))
    doc["features"][0]["geometry"]["coordinates"] = [other]
    assert datum_of(doc) == "wgs84"
    # hazard points inside the district trace no boundary: no claim either way
    points = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [114.30 + k / 1000, 22.70]}}
        for k in range(50)]}
    assert datum_of(points) == "unknown"


def test_a_large_real_shaped_boundary_file(tmp_path: Path) -> None:
    """Tens of MB of DataV-style boundaries (clockwise rings, GCJ-02): importable, GCJ-02 said."""
    path = boundary_file(tmp_path / "province.geojson", 900, 5)
    size = path.stat().st_size
    assert 20 * 2 ** 20 < size < geojson_check.MAX_FILE_BYTES
    started = time.monotonic()
    check = load_geojson_file(path)
    elapsed = time.monotonic() - started
    assert check.ok and check.features == 900 and check.warning_count == 900
    assert check.datum == "gcj02"
    assert elapsed < 120, elapsed


def test_layers_check_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from console.cli import HEADLESS_COMMANDS, main_headless

    assert "layers" in HEADLESS_COMMANDS
    good = DATA / "flood_zones.geojson"
    assert main_headless(["layers", "check", str(good)]) == 0
    out, err = capsys.readouterr()
    assert out.startswith(f"{good}: 可导入，4 个要素") and err == ""
    assert main_layers(["check", str(DISTRICT_GCJ02)]) == 0
    out, _ = capsys.readouterr()
    assert "GCJ-02" in out and "顺时针" in out
    bad = DATA / "flood_zones_with_errors.geojson"
    assert main_layers(["check", str(good), str(bad)]) == 1
    out, err = capsys.readouterr()
    assert f"{bad}: 不可导入，6 处错误" in err
    assert "  要素 #2（id=open-ring）：线环 1 未闭合" in err
    assert main_layers(["check", str(tmp_path / "missing.geojson")]) == 1


def test_import_dialog_says_gcj02(qtbot: Any) -> None:
    from widgets.map import LayerPanel

    panel = LayerPanel()
    qtbot.addWidget(panel)
    assert panel.import_file(str(DISTRICT_GCJ02)) is True
    assert any("GCJ-02" in line for line in panel.error_lines())
    assert "GCJ-02" in panel.result_text()
    assert panel.import_file(str(DATA / "flood_zones.geojson")) is True
    assert not any("GCJ-02" in line for line in panel.error_lines())

"""RFC 7946 validation of imported GeoJSON: per-feature errors, never a crash."""

from __future__ import annotations

from pathlib import Path

from console.geojson_check import check_geojson, load_geojson_file

DATA = Path(__file__).resolve().parent / "data" / "geojson"


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

"""GeoJSON (RFC 7946) validation of files an operator imports onto the map.

A file with errors is not drawn; the operator gets a list that says which feature
(index and id) and what is wrong, in Chinese.  Deviations the RFC only advises
against (clockwise exterior rings, a ``crs`` member) are warnings and do not block.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_ERRORS = 500
GEOMETRY_TYPES = frozenset({"Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon",
                            "GeometryCollection"})


@dataclass(frozen=True)
class GeoJsonProblem:
    """One problem: ``feature`` is the feature's index (None = the document itself)."""

    feature: int | None
    feature_id: str | None
    message: str
    severity: str = "error"  # error | warning

    def describe(self) -> str:
        """"要素 #3（id=a7）：…" or "文件：…"."""
        if self.feature is None:
            where = "文件"
        else:
            where = f"要素 #{self.feature + 1}" + (f"（id={self.feature_id}）" if self.feature_id else "")
        return f"{where}：{self.message}"


@dataclass
class GeoJsonCheck:
    """The outcome: the document as a FeatureCollection when it is usable, and the problems."""

    collection: dict[str, Any] | None
    problems: list[GeoJsonProblem] = field(default_factory=list)
    features: int = 0

    @property
    def errors(self) -> list[GeoJsonProblem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[GeoJsonProblem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        return self.collection is not None and not self.errors


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _check_position(p: Any, where: str) -> str | None:
    if not isinstance(p, list) or len(p) < 2:
        return f"{where}坐标须是至少两个数的数组 [经度, 纬度]，实际为 {json.dumps(p, ensure_ascii=False)[:60]}"
    if not all(_is_number(v) for v in p):
        return f"{where}坐标含非数字：{json.dumps(p, ensure_ascii=False)[:60]}"
    lon, lat = p[0], p[1]
    if not -180 <= lon <= 180 or not -90 <= lat <= 90:
        return f"{where}坐标超出范围（经度 ±180、纬度 ±90；是否把纬度和经度写反了，或不是 WGS84？）：[{lon}, {lat}]"
    return None


def _ring_area(ring: list[list[float]]) -> float:
    return 0.5 * sum(ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1] for i in range(len(ring) - 1))


def _check_geometry(g: Any, out: list[tuple[str, str]]) -> None:
    """Append (severity, message) for a geometry object."""
    if not isinstance(g, dict):
        out.append(("error", "geometry 须是对象或 null"))
        return
    gtype = g.get("type")
    if gtype not in GEOMETRY_TYPES:
        out.append(("error", f"未知的几何类型：{gtype!r}"))
        return
    if gtype == "GeometryCollection":
        geoms = g.get("geometries")
        if not isinstance(geoms, list):
            out.append(("error", "GeometryCollection 缺少 geometries 数组"))
            return
        for sub in geoms:
            _check_geometry(sub, out)
        return
    if "coordinates" not in g:
        out.append(("error", f"{gtype} 缺少 coordinates"))
        return
    c = g["coordinates"]

    def positions(arr: Any, what: str) -> bool:
        if not isinstance(arr, list):
            out.append(("error", f"{what}须是坐标数组"))
            return False
        for p in arr:
            msg = _check_position(p, "")
            if msg:
                out.append(("error", msg))
                return False
        return True

    def line(arr: Any) -> None:
        if positions(arr, "线") and len(arr) < 2:
            out.append(("error", "LineString 至少需要 2 个点"))

    def polygon(rings: Any) -> None:
        if not isinstance(rings, list) or not rings:
            out.append(("error", "Polygon 须是线环数组（至少一个外环）"))
            return
        for i, ring in enumerate(rings):
            if not positions(ring, "线环"):
                return
            if len(ring) < 4:
                out.append(("error", f"线环 {i + 1} 只有 {len(ring)} 个点（至少 4 个，首尾相同）"))
                return
            if ring[0][:2] != ring[-1][:2]:
                out.append(("error", f"线环 {i + 1} 未闭合（首点 {ring[0][:2]} ≠ 尾点 {ring[-1][:2]}）"))
                return
            area = _ring_area(ring)
            if i == 0 and area < 0:
                out.append(("warning", "外环为顺时针（RFC 7946 建议逆时针）"))
            elif i > 0 and area > 0:
                out.append(("warning", f"内环 {i} 为逆时针（RFC 7946 建议顺时针）"))

    if gtype == "Point":
        msg = _check_position(c, "")
        if msg:
            out.append(("error", msg))
    elif gtype == "MultiPoint":
        positions(c, "MultiPoint ")
    elif gtype == "LineString":
        line(c)
    elif gtype == "MultiLineString":
        if not isinstance(c, list):
            out.append(("error", "MultiLineString 须是线数组"))
        else:
            for part in c:
                line(part)
    elif gtype == "Polygon":
        polygon(c)
    elif gtype == "MultiPolygon":
        if not isinstance(c, list):
            out.append(("error", "MultiPolygon 须是多边形数组"))
        else:
            for part in c:
                polygon(part)


def geometry_bounds(geometry: Any) -> tuple[float, float, float, float] | None:
    """(west, south, east, north) of a GeoJSON geometry's coordinates, or None when it has none."""
    lons: list[float] = []
    lats: list[float] = []

    def walk(c: Any) -> None:
        if isinstance(c, (list, tuple)) and c and isinstance(c[0], (int, float)):
            lons.append(float(c[0]))
            lats.append(float(c[1]))
        elif isinstance(c, (list, tuple)):
            for v in c:
                walk(v)

    walk((geometry or {}).get("coordinates") if isinstance(geometry, dict) else None)
    return (min(lons), min(lats), max(lons), max(lats)) if lons else None


def check_geojson(doc: Any) -> GeoJsonCheck:
    """Validate a parsed GeoJSON document; features are reported by index and id."""
    problems: list[GeoJsonProblem] = []
    if not isinstance(doc, dict):
        return GeoJsonCheck(None, [GeoJsonProblem(None, None, "顶层须是 JSON 对象（FeatureCollection、Feature 或几何）")])
    dtype = doc.get("type")
    if "crs" in doc:
        problems.append(GeoJsonProblem(None, None, "含 crs 成员：RFC 7946 已取消，坐标一律按 WGS84 处理", "warning"))
    if dtype == "FeatureCollection":
        features = doc.get("features")
        if not isinstance(features, list):
            return GeoJsonCheck(None, problems + [GeoJsonProblem(None, None, "FeatureCollection 缺少 features 数组")])
    elif dtype == "Feature":
        features = [doc]
    elif dtype in GEOMETRY_TYPES:
        features = [{"type": "Feature", "geometry": doc, "properties": {}}]
    else:
        return GeoJsonCheck(None, problems + [GeoJsonProblem(None, None, f"未知的 GeoJSON 类型：{dtype!r}")])

    for index, f in enumerate(features):
        if len(problems) >= MAX_ERRORS:
            problems.append(GeoJsonProblem(None, None, f"错误过多，仅列出前 {MAX_ERRORS} 条"))
            break
        fid = None
        if isinstance(f, dict):
            raw_id = f.get("id", (f.get("properties") or {}).get("id") if isinstance(f.get("properties"), dict) else None)
            fid = None if raw_id is None else str(raw_id)
        if not isinstance(f, dict) or f.get("type") != "Feature":
            got = f.get("type") if isinstance(f, dict) else type(f).__name__
            problems.append(GeoJsonProblem(index, fid, f"不是 Feature（type = {got!r}）"))
            continue
        if "id" in f and not (isinstance(f["id"], str) or _is_number(f["id"])):
            problems.append(GeoJsonProblem(index, fid, "id 须是字符串或数字"))
        if "geometry" not in f:
            problems.append(GeoJsonProblem(index, fid, "缺少 geometry 成员（可为 null）"))
        if "properties" not in f:
            problems.append(GeoJsonProblem(index, fid, "缺少 properties 成员（可为 null）", "warning"))
        elif f["properties"] is not None and not isinstance(f["properties"], dict):
            problems.append(GeoJsonProblem(index, fid, "properties 须是对象或 null"))
        geometry = f.get("geometry")
        if geometry is not None:
            found: list[tuple[str, str]] = []
            _check_geometry(geometry, found)
            for severity, message in found:
                problems.append(GeoJsonProblem(index, fid, message, severity))
    collection = {"type": "FeatureCollection", "features": features} if dtype != "FeatureCollection" else doc
    return GeoJsonCheck(collection, problems, len(features))


def load_geojson_file(path: str | Path) -> GeoJsonCheck:
    """Read, parse and validate a GeoJSON file; never raises for bad content."""
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > MAX_FILE_BYTES:
            return GeoJsonCheck(None, [GeoJsonProblem(None, None, f"文件过大（{size // 1048576} MB，上限 64 MB）")])
        raw = p.read_bytes()
    except OSError as exc:
        return GeoJsonCheck(None, [GeoJsonProblem(None, None, f"无法读取文件：{exc.strerror or exc}")])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return GeoJsonCheck(None, [GeoJsonProblem(None, None, f"不是 UTF-8 编码（第 {exc.start} 字节）：RFC 7946 要求 UTF-8")])
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        return GeoJsonCheck(None, [GeoJsonProblem(None, None, f"JSON 语法错误：第 {exc.lineno} 行第 {exc.colno} 列，{exc.msg}")])
    return check_geojson(doc)

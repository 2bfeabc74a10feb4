"""GeoJSON (RFC 7946) validation of files an operator imports onto the map.

A file with errors is not drawn; the operator gets a list that says which feature
(index and id) and what is wrong, in Chinese.  Deviations the RFC only advises
against (clockwise exterior rings, a ``crs`` member) are warnings and never block,
however many there are.

Whatever the file holds, the checker returns a :class:`GeoJsonCheck` and never
raises: the problem list is bounded (:data:`MAX_ERRORS` errors and
:data:`MAX_WARNINGS` warnings listed, :data:`MAX_PER_FEATURE` per feature, the rest
counted), nesting is bounded (:data:`MAX_DEPTH`), integers of any length are read.

:func:`datum_of` says when the coordinates look like GCJ-02 (the offset datum of
most public Chinese data, e.g. DataV boundaries) rather than WGS-84 — compared with
the district's own outline, the only reference the console has.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Literal, Sequence

MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_ERRORS = 500
"""Errors listed; a file with more is refused all the same, and the rest are counted."""
MAX_WARNINGS = 200
"""Warnings listed; the rest are counted, never turned into an error."""
MAX_PER_FEATURE = 10
"""Problems listed for one feature (a MultiPolygon of 300,000 bad parts gives 10 and a count)."""
MAX_DEPTH = 64
"""Deepest nesting of arrays and objects accepted (a Polygon needs 6 inside a FeatureCollection)."""
MAX_INT_DIGITS = 4000
"""Longer integers are read as floats (Python refuses to convert more than 4300 digits)."""
GEOMETRY_TYPES = frozenset({"Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon",
                            "GeometryCollection"})

Datum = Literal["wgs84", "gcj02", "unknown"]
DISTRICT_OUTLINE = Path(__file__).resolve().parent.parent / "resources" / "geodata" / "pingshan-440310-wgs84.geojson"
GCJ02_NOTE = ("坐标看起来是 GCJ-02（国内公开数据常用的偏移坐标，如 DataV 行政区划），"
              "不是本台使用的 WGS-84：叠加到底图上会偏约 500 米。请先转换为 WGS-84 再导入。")


@dataclass(frozen=True)
class GeoJsonProblem:
    """One problem: ``feature`` is the feature's index (None = the document itself)."""

    feature: int | None
    feature_id: str | None
    message: str
    severity: str = "error"  # error | warning | note (a note is neither: "N more not listed")

    def describe(self) -> str:
        """"要素 #3（id=a7）：…" or "文件：…"."""
        if self.feature is None:
            where = "文件"
        else:
            where = f"要素 #{self.feature + 1}" + (f"（id={self.feature_id}）" if self.feature_id else "")
        return f"{where}：{self.message}"


@dataclass
class GeoJsonCheck:
    """The outcome: the document as a FeatureCollection when it is usable, and the problems.

    ``problems`` is bounded; ``error_count`` and ``warning_count`` count them all.
    ``datum`` is what :func:`datum_of` found (``unknown`` when not asked or undecided).
    """

    collection: dict[str, Any] | None
    problems: list[GeoJsonProblem] = field(default_factory=list)
    features: int = 0
    error_count: int = -1
    warning_count: int = -1
    datum: Datum = "unknown"

    def __post_init__(self) -> None:
        if self.error_count < 0:
            self.error_count = len(self.errors)
        if self.warning_count < 0:
            self.warning_count = len(self.warnings)

    @property
    def errors(self) -> list[GeoJsonProblem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[GeoJsonProblem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def notes(self) -> list[GeoJsonProblem]:
        return [p for p in self.problems if p.severity == "note"]

    @property
    def ok(self) -> bool:
        return self.collection is not None and self.error_count == 0

    @property
    def datum_note(self) -> str | None:
        """The operator's hint when the file looks like GCJ-02."""
        return GCJ02_NOTE if self.datum == "gcj02" else None


class _Problems:
    """Collects problems within the caps; counts everything."""

    def __init__(self) -> None:
        self.listed: list[GeoJsonProblem] = []
        self.errors = 0
        self.warnings = 0

    def add(self, problem: GeoJsonProblem) -> None:
        if problem.severity == "error":
            self.errors += 1
            if self.errors <= MAX_ERRORS:
                self.listed.append(problem)
        else:
            self.warnings += 1
            if self.warnings <= MAX_WARNINGS:
                self.listed.append(problem)

    def close(self) -> None:
        if self.errors > MAX_ERRORS:
            self.listed.append(GeoJsonProblem(None, None, f"共 {self.errors} 处错误，仅列出前 {MAX_ERRORS} 处", "note"))
        if self.warnings > MAX_WARNINGS:
            self.listed.append(GeoJsonProblem(None, None, f"共 {self.warnings} 条提示，仅列出前 {MAX_WARNINGS} 条",
                                              "note"))


class _FeatureSink:
    """(severity, message) pairs of one feature: the first :data:`MAX_PER_FEATURE` kept."""

    def __init__(self) -> None:
        self.kept: list[tuple[str, str]] = []
        self.more = {"error": 0, "warning": 0}

    def append(self, item: tuple[str, str]) -> None:
        if len(self.kept) < MAX_PER_FEATURE:
            self.kept.append(item)
        else:
            self.more[item[0]] += 1


def _is_number(v: Any) -> bool:
    if isinstance(v, bool):
        return False
    if isinstance(v, int):
        return True  # any length: no float conversion, no OverflowError
    return isinstance(v, float) and math.isfinite(v)


_CLOSE = object()
_SEP = object()


def _preview(value: Any, limit: int = 60) -> str:
    """A short JSON-like rendering that neither recurses nor builds a big string."""
    out: list[str] = []
    size = 0
    stack: list[Any] = [value]
    while stack and size <= limit:
        item = stack.pop()
        if item is _CLOSE:
            piece = "]"
        elif item is _SEP:
            piece = ", "
        elif isinstance(item, list):
            stack.append(_CLOSE)
            head = item[:limit]
            for k in range(len(head) - 1, -1, -1):
                stack.append(head[k])
                if k:
                    stack.append(_SEP)
            piece = "["
        elif isinstance(item, dict):
            piece = "{…}"
        elif isinstance(item, bool) or item is None:
            piece = json.dumps(item)
        elif isinstance(item, int):
            # str() of more than 4300 digits raises ValueError: say how long instead
            piece = str(item) if abs(item) < 10 ** 20 else f"<约 {int(item.bit_length() * 0.30103) + 1} 位的整数>"
        elif isinstance(item, float):
            piece = repr(item)
        elif isinstance(item, str):
            piece = json.dumps(item[:limit], ensure_ascii=False)
        else:
            piece = type(item).__name__
        out.append(piece)
        size += len(piece)
    text = "".join(out)
    return text if not stack and size <= limit else text[:limit] + "…"


def _check_position(p: Any, where: str) -> str | None:
    if not isinstance(p, list) or len(p) < 2:
        return f"{where}坐标须是至少两个数的数组 [经度, 纬度]，实际为 {_preview(p)}"
    if not all(_is_number(v) for v in p):
        return f"{where}坐标含非数字或非有限数：{_preview(p)}"
    lon, lat = p[0], p[1]
    if not -180 <= lon <= 180 or not -90 <= lat <= 90:
        return (f"{where}坐标超出范围（经度 ±180、纬度 ±90；是否把纬度和经度写反了，或不是 WGS84？）："
                f"{_preview([lon, lat])}")
    return None


def _ring_area(ring: list[list[float]]) -> float:
    return 0.5 * sum(ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1] for i in range(len(ring) - 1))


def _check_geometry(g: Any, out: _FeatureSink | list[tuple[str, str]], depth: int = 0) -> None:
    """Append (severity, message) for a geometry object."""
    if not isinstance(g, dict):
        out.append(("error", "geometry 须是对象或 null"))
        return
    gtype = g.get("type")
    if gtype not in GEOMETRY_TYPES:
        out.append(("error", f"未知的几何类型：{_preview(gtype)}"))
        return
    if gtype == "GeometryCollection":
        geoms = g.get("geometries")
        if not isinstance(geoms, list):
            out.append(("error", "GeometryCollection 缺少 geometries 数组"))
            return
        if depth >= 4:  # RFC 7946 §3.1.8: nested collections SHOULD be avoided
            out.append(("error", "GeometryCollection 嵌套过深（超过 4 层）"))
            return
        for sub in geoms:
            _check_geometry(sub, out, depth + 1)
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

    def polygon(rings: Any, part: str) -> None:
        if not isinstance(rings, list) or not rings:
            out.append(("error", f"{part}Polygon 须是线环数组（至少一个外环）"))
            return
        for i, ring in enumerate(rings):
            if not positions(ring, f"{part}线环"):
                return
            if len(ring) < 4:
                out.append(("error", f"{part}线环 {i + 1} 只有 {len(ring)} 个点（至少 4 个，首尾相同）"))
                return
            if ring[0][:2] != ring[-1][:2]:
                out.append(("error", f"{part}线环 {i + 1} 未闭合（首点 {_preview(ring[0][:2])} ≠ 尾点 "
                                     f"{_preview(ring[-1][:2])}）"))
                return
            area = _ring_area(ring)
            if i == 0 and area < 0:
                out.append(("warning", f"{part}外环为顺时针（RFC 7946 建议逆时针）"))
            elif i > 0 and area > 0:
                out.append(("warning", f"{part}内环 {i} 为逆时针（RFC 7946 建议顺时针）"))

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
        polygon(c, "")
    elif gtype == "MultiPolygon":
        if not isinstance(c, list):
            out.append(("error", "MultiPolygon 须是多边形数组"))
        else:
            for n, part in enumerate(c):
                polygon(part, f"第 {n + 1} 个多边形的" if len(c) > 1 else "")


def _iter_positions(coordinates: Any) -> Iterator[tuple[float, float]]:
    """Every [lon, lat] under a coordinates member, without recursion."""
    stack = [coordinates]
    while stack:
        c = stack.pop()
        if isinstance(c, (list, tuple)) and len(c) >= 2 and _is_number(c[0]) and _is_number(c[1]):
            yield float(c[0]), float(c[1])
        elif isinstance(c, (list, tuple)):
            stack.extend(c)


def geometry_bounds(geometry: Any) -> tuple[float, float, float, float] | None:
    """(west, south, east, north) of a GeoJSON geometry's coordinates, or None when it has none."""
    coordinates = geometry.get("coordinates") if isinstance(geometry, dict) else None
    west = south = math.inf
    east = north = -math.inf
    for lon, lat in _iter_positions(coordinates):
        west, east = min(west, lon), max(east, lon)
        south, north = min(south, lat), max(north, lat)
    return (west, south, east, north) if west <= east else None


def _too_deep(doc: Any) -> bool:
    """True when arrays/objects nest deeper than :data:`MAX_DEPTH` (iteratively)."""
    stack: list[tuple[Any, int]] = [(doc, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            return True
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values() if isinstance(v, (dict, list)))
        elif isinstance(item, list) and item:
            # Positions are the bulk of a file: a list that starts and ends with a
            # number ends here (what else it holds, the geometry check refuses).
            if not isinstance(item[0], (dict, list)) and not isinstance(item[-1], (dict, list)):
                continue
            stack.extend((v, depth + 1) for v in item if isinstance(v, (dict, list)))
    return False


def check_geojson(doc: Any) -> GeoJsonCheck:
    """Validate a parsed GeoJSON document; features are reported by index and id. Never raises."""
    try:
        return _check(doc)
    except (RecursionError, MemoryError, OverflowError, ValueError, TypeError) as exc:  # the promise
        return GeoJsonCheck(None, [GeoJsonProblem(None, None, f"无法检查此文件（{type(exc).__name__}）")])


def _check(doc: Any) -> GeoJsonCheck:
    problems = _Problems()
    if not isinstance(doc, dict):
        return GeoJsonCheck(None, [GeoJsonProblem(None, None, "顶层须是 JSON 对象（FeatureCollection、Feature 或几何）")])
    if _too_deep(doc):
        return GeoJsonCheck(None, [GeoJsonProblem(None, None, f"数组或对象嵌套超过 {MAX_DEPTH} 层，不是可用的 GeoJSON")])
    dtype = doc.get("type")
    if "crs" in doc:
        problems.add(GeoJsonProblem(None, None, "含 crs 成员：RFC 7946 已取消，坐标一律按 WGS84 处理", "warning"))
    if dtype == "FeatureCollection":
        features = doc.get("features")
        if not isinstance(features, list):
            problems.add(GeoJsonProblem(None, None, "FeatureCollection 缺少 features 数组"))
            problems.close()
            return GeoJsonCheck(None, problems.listed, 0, problems.errors, problems.warnings)
    elif dtype == "Feature":
        features = [doc]
    elif dtype in GEOMETRY_TYPES:
        features = [{"type": "Feature", "geometry": doc, "properties": {}}]
    else:
        problems.add(GeoJsonProblem(None, None, f"未知的 GeoJSON 类型：{_preview(dtype)}"))
        problems.close()
        return GeoJsonCheck(None, problems.listed, 0, problems.errors, problems.warnings)

    for index, f in enumerate(features):
        fid = None
        if isinstance(f, dict):
            props = f.get("properties")
            raw_id = f.get("id", props.get("id") if isinstance(props, dict) else None)
            fid = None if raw_id is None else _preview(raw_id, 40).strip('"')
        if not isinstance(f, dict) or f.get("type") != "Feature":
            got = f.get("type") if isinstance(f, dict) else type(f).__name__
            problems.add(GeoJsonProblem(index, fid, f"不是 Feature（type = {_preview(got)}）"))
            continue
        if "id" in f and not (isinstance(f["id"], str) or _is_number(f["id"])):
            problems.add(GeoJsonProblem(index, fid, "id 须是字符串或数字"))
        if "geometry" not in f:
            problems.add(GeoJsonProblem(index, fid, "缺少 geometry 成员（可为 null）"))
        if "properties" not in f:
            problems.add(GeoJsonProblem(index, fid, "缺少 properties 成员（可为 null）", "warning"))
        elif f["properties"] is not None and not isinstance(f["properties"], dict):
            problems.add(GeoJsonProblem(index, fid, "properties 须是对象或 null"))
        geometry = f.get("geometry")
        if geometry is not None:
            sink = _FeatureSink()
            _check_geometry(geometry, sink)
            for severity, message in sink.kept:
                problems.add(GeoJsonProblem(index, fid, message, severity))
            for severity, more in sink.more.items():
                if more:
                    problems.add(GeoJsonProblem(index, fid, f"另有 {more} 处同类{'错误' if severity == 'error' else '提示'}"
                                                            "未逐条列出", severity))
                    # counted in full: the listed one above stands for all of them
                    if severity == "error":
                        problems.errors += more - 1
                    else:
                        problems.warnings += more - 1
    problems.close()
    collection = {"type": "FeatureCollection", "features": features} if dtype != "FeatureCollection" else doc
    return GeoJsonCheck(collection, problems.listed, len(features), problems.errors, problems.warnings)


def _parse_int(text: str) -> int | float:
    # Python refuses int() of more than 4300 digits (ValueError); such a number is
    # no coordinate anyway, and as a float it is out of range or infinite.
    return int(text) if len(text) <= MAX_INT_DIGITS else float(text)


def parse_geojson_bytes(raw: bytes) -> GeoJsonCheck:
    """Decode, parse and validate the bytes of a GeoJSON file; never raises for bad content."""
    if len(raw) > MAX_FILE_BYTES:
        return GeoJsonCheck(None, [GeoJsonProblem(None, None, f"文件过大（{len(raw) // 1048576} MB，上限 64 MB）")])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return GeoJsonCheck(None, [GeoJsonProblem(None, None, f"不是 UTF-8 编码（第 {exc.start} 字节）：RFC 7946 要求 UTF-8")])
    try:
        doc = json.loads(text, parse_int=_parse_int)
    except json.JSONDecodeError as exc:
        return GeoJsonCheck(None, [GeoJsonProblem(None, None, f"JSON 语法错误：第 {exc.lineno} 行第 {exc.colno} 列，{exc.msg}")])
    except RecursionError:
        return GeoJsonCheck(None, [GeoJsonProblem(None, None, f"数组或对象嵌套过深（超过 {MAX_DEPTH} 层），不是可用的 GeoJSON")])
    except (ValueError, MemoryError) as exc:
        return GeoJsonCheck(None, [GeoJsonProblem(None, None, f"无法读取 JSON：{type(exc).__name__}")])
    check = check_geojson(doc)
    if check.collection is not None:
        check.datum = datum_of(check.collection)
    return check


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
    return parse_geojson_bytes(raw)


# --------------------------------------------------------------------------- datum

DATUM_SAMPLE = 20_000
"""Vertices near the district compared with its outline (spread over the whole file)."""
DATUM_NEAR_M = 100.0
"""A vertex within this distance of an outline lies on it (the GCJ-02 shift here is ~550 m)."""
DATUM_MIN_HITS = 10


def _district_outline_wgs84() -> list[tuple[float, float]] | None:
    try:
        doc = json.loads(DISTRICT_OUTLINE.read_text(encoding="utf-8"))
        geometry = doc["features"][0]["geometry"]
    except (OSError, ValueError, KeyError, IndexError, TypeError):
        return None
    return list(_iter_positions(geometry.get("coordinates")))


def datum_of(collection: dict[str, Any], outline: Sequence[tuple[float, float]] | None = None) -> Datum:
    """Whether a file's coordinates follow the district's outline in WGS-84 or in GCJ-02.

    The file's vertices near the district are compared with the district outline as it
    is in WGS-84 and as it is in GCJ-02 (the published WGS-84 → GCJ-02 formula): those
    lying within :data:`DATUM_NEAR_M` of one and not the other decide. A file that
    does not trace the district's boundary (points, roads, hazard zones inside) gives
    ``unknown``: no coordinate alone tells the two datums apart.
    """
    import numpy as np

    from console.tiles import wgs84_to_gcj02

    ring = list(outline) if outline is not None else _district_outline_wgs84()
    if not ring or len(ring) < 3:
        return "unknown"
    wgs = np.array(ring, dtype=float)
    gcj = np.array([wgs84_to_gcj02(lon, lat) for lon, lat in ring], dtype=float)
    lon_min, lat_min = np.minimum(wgs.min(axis=0), gcj.min(axis=0)) - 0.01
    lon_max, lat_max = np.maximum(wgs.max(axis=0), gcj.max(axis=0)) + 0.01

    near: list[tuple[float, float]] = []
    for feature in collection.get("features") or []:
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        coordinates = geometry.get("coordinates") if isinstance(geometry, dict) else None
        for lon, lat in _iter_positions(coordinates):
            if lon_min <= lon <= lon_max and lat_min <= lat <= lat_max:
                near.append((lon, lat))
    if len(near) < DATUM_MIN_HITS:
        return "unknown"
    if len(near) > DATUM_SAMPLE:
        step = len(near) / DATUM_SAMPLE
        near = [near[int(k * step)] for k in range(DATUM_SAMPLE)]
    points = np.array(near, dtype=float)
    on_wgs = _count_near(points, wgs)
    on_gcj = _count_near(points, gcj)
    if on_gcj >= DATUM_MIN_HITS and on_gcj >= 3 * on_wgs:
        return "gcj02"
    if on_wgs >= DATUM_MIN_HITS and on_wgs >= 3 * on_gcj:
        return "wgs84"
    return "unknown"


def _count_near(points: Any, ring: Any) -> int:
    """How many points lie within DATUM_NEAR_M of the polyline ``ring`` (local metres)."""
    import numpy as np

    lat0 = float(ring[:, 1].mean())
    scale = np.array([111_320.0 * math.cos(math.radians(lat0)), 110_574.0])
    a = ring[:-1] * scale
    b = ring[1:] * scale
    ab = b - a
    length2 = np.maximum((ab ** 2).sum(axis=1), 1e-9)
    hits = 0
    for start in range(0, len(points), 2000):
        p = points[start:start + 2000] * scale
        ap = p[:, None, :] - a[None, :, :]
        t = np.clip((ap * ab[None, :, :]).sum(axis=2) / length2[None, :], 0.0, 1.0)
        closest = a[None, :, :] + t[:, :, None] * ab[None, :, :]
        d2 = ((p[:, None, :] - closest) ** 2).sum(axis=2).min(axis=1)
        hits += int((d2 <= DATUM_NEAR_M ** 2).sum())
    return hits


# --------------------------------------------------------------------------- CLI


def main_layers(argv: Sequence[str] | None = None) -> int:
    """``pingshan-console layers check FILE...``: exit 0 when every file can be imported."""
    parser = argparse.ArgumentParser(prog="pingshan-console layers", description="图层文件（GeoJSON）")
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check", help="检查 GeoJSON 文件能否导入：可导入则退出码 0，否则列出各要素的问题并退出码 1")
    check.add_argument("files", nargs="+", metavar="FILE")
    args = parser.parse_args(list(argv) if argv is not None else None)
    failed = False
    for name in args.files:
        result = load_geojson_file(name)
        if result.ok:
            line = f"{name}: 可导入，{result.features} 个要素"
            if result.warning_count:
                line += f"，{result.warning_count} 条提示"
            print(line)
            for problem in result.warnings + result.notes:
                print(f"  提示 {problem.describe()}")
            if result.datum_note:
                print(f"  注意 {result.datum_note}")
        else:
            failed = True
            print(f"{name}: 不可导入，{result.error_count} 处错误", file=sys.stderr)
            for problem in result.errors + result.notes:
                print(f"  {problem.describe()}", file=sys.stderr)
    return 1 if failed else 0

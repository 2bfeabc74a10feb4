"""Drill packages: one SQLite file with everything a drill needs on a machine with no network.

Tables (format ``pingshan-drill/1``):

- ``meta(key, value)``: format, kind (``scripted`` | ``recorded``), title, window, source;
- ``scenario(name, text)``: the scenario script (YAML) of a scripted package, or the
  generated header (start, duration) of a recorded one;
- ``envelopes(seq, at_s, type, body)``: recorded envelopes, ``at_s`` from the window start;
- ``layers(id, info, geojson)`` and ``plans(json)``: the map layers and contingency plans;
- ``tiles(z, x, y, png)``: the XYZ tiles of the drill's map area (plain rows, one per tile);
- ``clips(camera_id, variant, data)``: short H.264 MPEG-TS camera clips.

A package is written to a temporary file and renamed, so a failed write never
leaves half a package.  Reading opens it read-only.

A package comes from elsewhere and nothing in it may name a path: the clip files a
drill writes are named by the console (``clip-0001.ts`` …) inside the drill's own
folder; a camera id that is not an id (``../x``, ``/abs``, ``a\\b``, a NUL, not text)
or an unknown variant is skipped and reported, never written.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Iterable

from console.drill.tiles import district_bbox, render_scenario_tiles
from simulator import drill_world

log = logging.getLogger(__name__)

FORMAT = "pingshan-drill/1"
SUFFIX = ".drill"
CAMERA_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,79}$")
"""What a camera id in a package may look like: no separator, no NUL, not ``..``."""
CLIP_VARIANTS = ("sub", "main")
MAX_CLIP_BYTES = 64 * 1024 * 1024

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE scenario (name TEXT NOT NULL, text TEXT NOT NULL);
CREATE TABLE envelopes (seq INTEGER PRIMARY KEY, at_s REAL NOT NULL, type TEXT NOT NULL, body TEXT NOT NULL);
CREATE TABLE layers (id TEXT PRIMARY KEY, info TEXT NOT NULL, geojson TEXT NOT NULL);
CREATE TABLE plans (json TEXT NOT NULL);
CREATE TABLE tiles (z INTEGER NOT NULL, x INTEGER NOT NULL, y INTEGER NOT NULL, png BLOB NOT NULL,
                    PRIMARY KEY (z, x, y));
CREATE TABLE clips (camera_id TEXT NOT NULL, variant TEXT NOT NULL, data BLOB NOT NULL,
                    PRIMARY KEY (camera_id, variant));
"""


class PackageError(ValueError):
    """A file that is not a usable drill package (Chinese message)."""


@dataclass
class DrillPackage:
    """A package's contents in memory (tiles and clips are read on demand)."""

    path: Path
    meta: dict[str, str]
    scenario_name: str
    scenario_text: str
    envelopes: list[tuple[float, str]] = field(default_factory=list)  # (at_s, body)
    layer_infos: list[dict[str, Any]] = field(default_factory=list)
    layers: dict[str, dict[str, Any]] = field(default_factory=dict)
    plans_json: str | None = None
    clip_problems: list[str] = field(default_factory=list)  # clips skipped by extract_clips, and why

    @property
    def kind(self) -> str:
        return self.meta.get("kind", "scripted")

    def tile(self, z: int, x: int, y: int) -> bytes | None:
        with _open_ro(self.path) as db:
            row = db.execute("SELECT png FROM tiles WHERE z=? AND x=? AND y=?", (z, x, y)).fetchone()
        return bytes(row[0]) if row else None

    def tile_count(self) -> int:
        with _open_ro(self.path) as db:
            return int(db.execute("SELECT count(*) FROM tiles").fetchone()[0])

    def clip_ids(self) -> list[str]:
        with _open_ro(self.path) as db:
            return [r[0] for r in db.execute("SELECT camera_id FROM clips ORDER BY camera_id")]

    def extract_clips(self, out_dir: Path) -> dict[str, Path]:
        """Write the clips as files (a player needs a file); camera id → path.

        The files are named by the console, ``clip-0001.ts`` …, in ``out_dir``; the
        package's names never become paths. Each file is created exclusively: an
        existing entry of that name (a planted symlink) is neither followed nor
        overwritten. A clip with a camera id that is not an id, an unknown variant,
        data that is not bytes or more than :data:`MAX_CLIP_BYTES` is skipped and
        listed in :attr:`clip_problems`. One clip per camera (``sub`` preferred).
        """
        out_dir.mkdir(parents=True, exist_ok=True)
        self.clip_problems = []
        chosen: dict[str, tuple[str, bytes]] = {}
        with _open_ro(self.path) as db:
            for cid, variant, data in db.execute("SELECT camera_id, variant, data FROM clips"):
                problem = _clip_problem(cid, variant, data)
                if problem is not None:
                    self.clip_problems.append(problem)
                    log.warning("drill package %s: clip skipped: %s", self.path.name, problem)
                    continue
                held = chosen.get(cid)
                if held is None or (held[0] != "sub" and variant == "sub"):
                    chosen[cid] = (variant, bytes(data))
        paths: dict[str, Path] = {}
        for n, cid in enumerate(sorted(chosen), start=1):
            p = out_dir / f"clip-{n:04d}.ts"
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
            try:
                fd = os.open(p, flags, 0o644)
            except OSError as exc:
                self.clip_problems.append(f"摄像机 {cid} 的视频片段未写出：{p.name} 已存在或不可写（{exc.strerror}）")
                continue
            with os.fdopen(fd, "wb") as fh:
                fh.write(chosen[cid][1])
            paths[cid] = p
        return paths


def _clip_problem(cid: Any, variant: Any, data: Any) -> str | None:
    """Why a clips row is not used (Chinese), or None."""
    shown = repr(cid)[:60]
    if not isinstance(cid, str) or not CAMERA_ID_RE.match(cid) or cid in (".", ".."):
        return f"摄像机编号 {shown} 不是有效编号（不得含路径、分隔符或控制字符），已跳过"
    if variant not in CLIP_VARIANTS:
        return f"摄像机 {cid} 的片段类型 {repr(variant)[:30]} 未知（应为 sub 或 main），已跳过"
    if not isinstance(data, bytes):
        return f"摄像机 {cid} 的片段不是视频数据，已跳过"
    if len(data) > MAX_CLIP_BYTES:
        return f"摄像机 {cid} 的片段过大（{len(data) // 1048576} MB，上限 {MAX_CLIP_BYTES // 1048576} MB），已跳过"
    return None


class _RO:
    def __init__(self, path: Path) -> None:
        self.path = path

    def __enter__(self) -> sqlite3.Connection:
        self.db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
        return self.db

    def __exit__(self, *exc: Any) -> None:
        self.db.close()


def _open_ro(path: Path) -> _RO:
    return _RO(path)


def is_package(path: str | Path) -> bool:
    p = Path(path)
    try:
        with open(p, "rb") as fh:
            return fh.read(16) == b"SQLite format 3\x00"
    except OSError:
        return False


def write_package(out: str | Path, *, meta: dict[str, str], scenario_name: str, scenario_text: str,
                  envelopes: Iterable[tuple[float, str, str]] = (), layer_infos: list[dict[str, Any]] | None = None,
                  layers: dict[str, dict[str, Any]] | None = None, plans_json: str | None = None,
                  tiles: Iterable[tuple[int, int, int, bytes]] = (), clips: dict[str, bytes] | None = None) -> Path:
    """Write a package atomically; returns its path."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    if tmp.exists():
        tmp.unlink()
    db = sqlite3.connect(tmp)
    try:
        db.executescript(_SCHEMA)
        db.executemany("INSERT INTO meta VALUES (?, ?)", sorted({"format": FORMAT, **meta}.items()))
        db.execute("INSERT INTO scenario VALUES (?, ?)", (scenario_name, scenario_text))
        db.executemany("INSERT INTO envelopes (at_s, type, body) VALUES (?, ?, ?)", envelopes)
        infos = {i["id"]: i for i in (layer_infos or [])}
        db.executemany("INSERT INTO layers VALUES (?, ?, ?)",
                       [(lid, json.dumps(infos.get(lid, {"id": lid}), ensure_ascii=False),
                         json.dumps(doc, ensure_ascii=False)) for lid, doc in (layers or {}).items()])
        if plans_json is not None:
            db.execute("INSERT INTO plans VALUES (?)", (plans_json,))
        db.executemany("INSERT INTO tiles VALUES (?, ?, ?, ?)", tiles)
        db.executemany("INSERT INTO clips VALUES (?, 'sub', ?)", sorted((clips or {}).items()))
        db.commit()
    finally:
        db.close()
    os.replace(tmp, out)
    return out


def read_package(path: str | Path) -> DrillPackage:
    """Open a package; PackageError (Chinese) when the file is not one."""
    p = Path(path)
    if not is_package(p):
        raise PackageError(f"{p.name} 不是演练包（应为 {SUFFIX} 文件或 YAML 演练脚本）")
    try:
        with _open_ro(p) as db:
            meta = {str(k): str(v) for k, v in db.execute("SELECT key, value FROM meta").fetchall()}
            if meta.get("format") != FORMAT:
                raise PackageError(f"{p.name} 的格式为 {meta.get('format')!r}，本程序只认 {FORMAT}")
            row = db.execute("SELECT name, text FROM scenario").fetchone()
            envs = [(float(a), str(b)) for a, b in db.execute("SELECT at_s, body FROM envelopes ORDER BY seq")]
            layer_infos, layers = [], {}
            for lid, info, doc in db.execute("SELECT id, info, geojson FROM layers ORDER BY id"):
                layer_infos.append(json.loads(info))
                layers[lid] = json.loads(doc)
            plans = db.execute("SELECT json FROM plans").fetchone()
    except sqlite3.DatabaseError as exc:
        raise PackageError(f"{p.name} 已损坏或不是演练包：{exc}") from None
    except (ValueError, TypeError, RecursionError) as exc:  # a crafted row: text where a number is, bad JSON
        raise PackageError(f"{p.name} 的内容有误（{type(exc).__name__}），不是可用的演练包") from None
    if row is None:
        raise PackageError(f"{p.name} 缺少演练脚本")
    if not isinstance(row[0], str) or not isinstance(row[1], str):
        raise PackageError(f"{p.name} 的演练脚本不是文本")
    return DrillPackage(p, meta, row[0], row[1], envs, layer_infos, layers, plans[0] if plans else None)


# --------------------------------------------------------------------------- building packages


def pack_scenario(scenario_path: str | Path, out: str | Path, *, zooms: tuple[int, ...] | None = None,
                  clips: int = 2, work_dir: Path | None = None) -> Path:
    """A scripted package: the scenario, the feed's layers/plans, tiles of the district, a few clips.

    Tiles: by default the same set a plain scenario's drill draws at start (the district
    at 10–13, the scenario's area at 14–15, ``console.drill.tiles``); ``zooms``: the
    district only, at those zooms.
    """
    import tempfile

    from console.drill.scenario import load_scenario

    sp = Path(scenario_path)
    scenario = load_scenario(sp)  # refuse to pack a broken script
    wm = drill_world
    infos, docs = wm.catalogue_layers()
    if zooms is None:
        tiles = list(render_scenario_tiles(scenario))
    else:
        tiles = wm.render_tiles(district_bbox(), zooms)
    clip_data: dict[str, bytes] = {}
    if clips > 0:
        with tempfile.TemporaryDirectory(prefix="pingshan-pack-", dir=work_dir) as tmp:
            world = wm.DrillWorld(Path(tmp) / "world", seed=scenario.seed, start=scenario.start, readings_per_min=0)
            wanted = _clip_cameras(world, scenario, clips)
            clip_data = wm.encode_clips(world, wanted, Path(tmp) / "clips")
            world.store.db.close()
    return write_package(out, meta={"kind": "scripted", "title": scenario.title, "scenario_id": scenario.id},
                         scenario_name=sp.name, scenario_text=sp.read_text(encoding="utf-8"),
                         layer_infos=infos, layers=docs, plans_json=wm.catalogue_plans(), tiles=tiles,
                         clips=clip_data)


def _clip_cameras(world: Any, scenario: Any, n: int) -> list[str]:
    """Cameras the scenario names or fails, then those of its communities."""
    ids: list[str] = []
    for inj in scenario.injects:
        if getattr(inj, "camera", None):
            ids.append(inj.camera)
        elif getattr(inj, "camera_kind", None):
            ids.append(world.find_camera(None, inj.camera_kind, getattr(inj, "community", None)).id)
    communities = {getattr(i, "community", None) for i in scenario.injects} - {None}
    ids += sorted(c.id for c in world.cameras.values() if c.community in communities)
    out: list[str] = []
    for cid in ids:
        if cid not in out:
            out.append(cid)
    return out[:n]


def _parse_when(text: str) -> datetime:
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise PackageError(f"时间格式不正确：{text!r}（应为 ISO 8601，如 2026-08-20T14:00:00+08:00）") from None
    if when.tzinfo is None:
        raise PackageError(f"时间须带时区：{text!r}")
    return when


def _envelopes_of(source: Path) -> Iterable[str]:
    """Envelope JSON from a cache dir, a cache SQLite file (its journal, read-only) or a JSONL recording."""
    if source.is_dir():
        source = source / "console.sqlite"
    if not source.exists():
        raise PackageError(f"找不到 {source}")
    if is_package(source):
        with _open_ro(source) as db:
            try:
                rows = db.execute("SELECT body FROM journal ORDER BY seq").fetchall()
            except sqlite3.DatabaseError as exc:
                raise PackageError(f"{source.name} 不是值班台缓存（没有日志表）：{exc}") from None
        for (body,) in rows:
            yield body if isinstance(body, str) else bytes(body).decode("utf-8", "replace")
        return
    with open(source, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            if line.strip():
                yield line.strip()


def cut_journal(source: str | Path, t_from: str, t_to: str, out: str | Path, *, with_tiles: bool = True) -> tuple[Path, int]:
    """A recorded package from the envelopes of a live session whose ``ts`` lies in [from, to).

    The live cache is opened read-only and never changed. Returns (path, envelopes).
    """
    start, end = _parse_when(t_from), _parse_when(t_to)
    if end <= start:
        raise PackageError("结束时间须晚于开始时间")
    picked: list[tuple[float, str, str]] = []
    for body in _envelopes_of(Path(source)):
        try:
            doc = json.loads(body)
            ts = datetime.fromisoformat(str(doc["ts"]).replace("Z", "+00:00"))
            etype = str(doc["type"])
        except (ValueError, KeyError, TypeError):
            continue  # the journal holds only valid envelopes; a JSONL line may not be one
        if etype == "reset" or not (start <= ts < end):
            continue
        picked.append(((ts - start).total_seconds(), etype, body))
    if not picked:
        raise PackageError(f"{start.isoformat()} 至 {end.isoformat()} 之间没有可用的消息")
    picked.sort(key=lambda e: e[0])
    duration = (end - start).total_seconds()
    header = (f"id: recorded-{start.strftime('%Y%m%d-%H%M')}\n"
              f"title: 实况录制演练 {start.strftime('%Y-%m-%d %H:%M')}–{end.strftime('%H:%M')}\n"
              f"start: \"{start.isoformat()}\"\nduration: {duration:g}\nbackground:\n  readings_per_min: 0\n")
    wm = drill_world
    infos, docs = wm.catalogue_layers()
    tiles = wm.render_tiles(district_bbox(), (11, 12)) if with_tiles else []
    path = write_package(out, meta={"kind": "recorded", "title": f"实况录制 {start.isoformat()}",
                                    "window_from": start.isoformat(), "window_to": end.isoformat(),
                                    "source": Path(source).name},
                         scenario_name="recorded.yaml", scenario_text=header, envelopes=picked,
                         layer_infos=infos, layers=docs, plans_json=wm.catalogue_plans(), tiles=tiles)
    return path, len(picked)


def window_of_jsonl(path: Path) -> tuple[datetime, datetime] | None:
    """First and last ``ts`` of a recording (for ``record --package``)."""
    first = last = None
    for body in _envelopes_of(path):
        try:
            ts = datetime.fromisoformat(str(json.loads(body)["ts"]))
        except (ValueError, KeyError, TypeError):
            continue
        first = ts if first is None or ts < first else first
        last = ts if last is None or ts > last else last
    if first is None or last is None:
        return None
    return first, last + timedelta(seconds=1)


def recorded_package(jsonl: Path, out: Path) -> Path:
    """``record --package``: the whole recorded window of a JSONL file as a recorded package."""
    window = window_of_jsonl(Path(jsonl))
    if window is None:
        raise PackageError("录制文件中没有可用的消息，未生成演练包")
    path, _n = cut_journal(jsonl, window[0].isoformat(), window[1].isoformat(), out)
    return path

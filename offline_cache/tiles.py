"""MBTiles 1.3 tile store: the map's offline base layer on local disk.

One SQLite file per store, readable by any MBTiles tool: table ``metadata(name,
value)`` with ``name``, ``format``, ``bounds``, ``minzoom``, ``maxzoom`` (and
``center``, ``type``, ``version``), and table ``tiles(zoom_level, tile_column,
tile_row, tile_data)`` in **TMS row order** — row 0 is the southernmost row, so a
tile stored at zoom ``z`` row ``r`` is drawn at XYZ ``y = 2**z - 1 - r``.  Callers
speak XYZ (what Leaflet and tile servers use); the conversion lives here only.

An extra table ``tile_use`` (allowed by the spec: readers ignore unknown tables)
keeps each tile's size and last use, for least-recently-used eviction under a size
cap.  Tiles of a prepared offline area or an imported file are *pinned*: the cap
evicts only tiles that were merely seen while browsing.  The connection may be shared between threads (reads from the web engine's
tile handler, writes from the GUI loop): every statement runs under one lock.
"""

from __future__ import annotations

import math
import os
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, Mapping

SCHEMA = """
CREATE TABLE IF NOT EXISTS metadata (name TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS tiles (
    zoom_level INTEGER NOT NULL, tile_column INTEGER NOT NULL, tile_row INTEGER NOT NULL,
    tile_data BLOB NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS tile_index ON tiles (zoom_level, tile_column, tile_row);
CREATE TABLE IF NOT EXISTS tile_use (
    zoom_level INTEGER NOT NULL, tile_column INTEGER NOT NULL, tile_row INTEGER NOT NULL,
    size INTEGER NOT NULL, last_used REAL NOT NULL, pinned INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (zoom_level, tile_column, tile_row)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS tile_use_age ON tile_use (last_used);
"""

REQUIRED_METADATA = ("name", "format", "bounds", "minzoom", "maxzoom")

MAX_ZOOM = 22
"""Deepest zoom level a tile may have (what the map and the prefetch accept)."""
MAX_TILE_BYTES = 2 * 1024 * 1024
"""One tile larger than this is not a map tile (a 256 px PNG is 5–60 KB)."""
MAX_IMPORT_TILES = 500_000
"""An offline package with more tiles is refused (the district to z19 is about 60,000)."""
MAX_IMPORT_BYTES = 2 * 1024 ** 3
"""An offline package whose tiles add up to more than this is refused."""
IMPORT_DEADLINE_S = 600.0
"""SQLite work on a foreign file is interrupted after this long (a file crafted to loop)."""
RASTER_FORMATS = ("png", "jpg", "jpeg", "webp")


def tile_image_kind(data: bytes) -> str | None:
    """"png", "jpg" or "webp" by the tile's own bytes (its magic number), else None."""
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    if data[:3] == b"\xff\xd8\xff":
        return "jpg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


class TileStoreError(Exception):
    """A file that is not a usable MBTiles store; the message is Chinese, for the operator."""


def xyz_to_tms_row(z: int, y: int) -> int:
    """XYZ row (0 = north) → MBTiles/TMS row (0 = south); the mapping is its own inverse."""
    return (1 << z) - 1 - y


def tile_bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """(west, south, east, north) in degrees of XYZ tile ``z/x/y`` (Web Mercator)."""
    n = 1 << z

    def lat(row: int) -> float:
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * row / n))))

    return x / n * 360.0 - 180.0, lat(y + 1), (x + 1) / n * 360.0 - 180.0, lat(y)


@dataclass
class TileImportReport:
    """What an import did: tiles added, rows skipped and why, the cache's size after."""

    source: str
    rows: int = 0
    added: int = 0
    skipped_not_image: int = 0
    skipped_out_of_range: int = 0
    skipped_too_big: int = 0
    total: int = 0

    @property
    def skipped(self) -> int:
        return self.skipped_not_image + self.skipped_out_of_range + self.skipped_too_big

    def skip_detail(self) -> str:
        """"非图片 3 块、坐标越界 2 块" (empty when nothing was skipped)."""
        parts = [(self.skipped_not_image, "非图片（不是 PNG/JPEG/WebP）"), (self.skipped_out_of_range, "坐标越界"),
                 (self.skipped_too_big, f"单块超过 {MAX_TILE_BYTES // (1024 * 1024)} MB")]
        return "、".join(f"{label} {n} 块" for n, label in parts if n)

    def describe(self) -> str:
        """One Chinese line for the operator."""
        text = f"已导入 {self.added} 块瓦片（缓存共 {self.total} 块）"
        if self.skipped:
            text += f"，跳过 {self.skipped} 块：{self.skip_detail()}"
        return text


_DATA = f"CASE WHEN LENGTH({{d}}) <= {MAX_TILE_BYTES} THEN {{d}} END, LENGTH({{d}})"
"""A tile's bytes, or NULL when it is too big to be a tile (never loaded), and its length."""


@dataclass(frozen=True)
class _PackageLayout:
    """Where a foreign file keeps its tiles: ``SELECT`` yielding (z, x, row, data)."""

    select: str
    count: str


def _open_foreign(path: Path, deadline_s: float) -> sqlite3.Connection:
    """A read-only connection to a file we did not write, that cannot run for ever.

    Opened *immutable*: no lock, and no ``-shm`` or ``-journal`` file is ever made
    beside someone else's file (a read-only stick works too).  A file that comes with a
    ``-wal`` (its writer still runs, or was killed) holds tiles only that log has: it is
    opened plain read-only instead, which reads the log (SQLite may then keep a ``-shm``
    index beside it, as any reader of such a file does).
    """
    wal = Path(f"{path}-wal")
    live = wal.is_file() and wal.stat().st_size > 0
    uri = path.resolve().as_uri() + ("?mode=ro" if live else "?mode=ro&immutable=1")
    try:
        conn = sqlite3.connect(uri, uri=True, check_same_thread=False, isolation_level=None)
    except sqlite3.Error as exc:
        raise TileStoreError(f"不是有效的 MBTiles 文件：{path.name}（{exc}）") from exc
    # A blob longer than one tile may hold is an error, not a 2 GB allocation.
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_TILE_BYTES + 1024)
    until = time.monotonic() + deadline_s
    conn.set_progress_handler(lambda: int(time.monotonic() > until), 10_000)
    try:
        conn.execute("PRAGMA trusted_schema = OFF")
        conn.execute("PRAGMA cell_size_check = ON")
    except sqlite3.Error:
        pass
    return conn


def _package_layout(conn: sqlite3.Connection, name: str) -> _PackageLayout:
    """The file's tiles as a real table ``tiles`` or the standard ``map`` + ``images`` pair.

    A ``tiles`` *view* is never queried (it may compute anything, recurse or loop): only
    real tables are read, and a view is accepted only over the standard pair.
    """
    try:
        kinds = {str(n): str(t) for n, t in conn.execute(
            "SELECT name, type FROM sqlite_master WHERE type IN ('table', 'view')")}
    except sqlite3.DatabaseError as exc:
        raise TileStoreError(f"不是有效的 MBTiles 文件：{name}（{exc}）") from exc

    def columns(table: str) -> set[str]:
        return {str(r[1]) for r in conn.execute(f'PRAGMA table_info("{table}")')}

    if kinds.get("tiles") == "table":
        if not {"zoom_level", "tile_column", "tile_row", "tile_data"} <= columns("tiles"):
            raise TileStoreError(f"不是 MBTiles 文件（tiles 表缺少 zoom_level/tile_column/tile_row/tile_data 列）：{name}")
        return _PackageLayout(f"SELECT zoom_level, tile_column, tile_row, {_DATA.format(d='tile_data')} FROM tiles",
                              "SELECT COUNT(*), COALESCE(SUM(LENGTH(tile_data)), 0) FROM tiles")
    if kinds.get("map") == "table" and kinds.get("images") == "table":
        if not ({"zoom_level", "tile_column", "tile_row", "tile_id"} <= columns("map")
                and {"tile_id", "tile_data"} <= columns("images")):
            raise TileStoreError(f"不是标准的 MBTiles 文件（map/images 表缺少必需的列）：{name}")
        join = "FROM map JOIN images ON images.tile_id = map.tile_id"
        return _PackageLayout(f"SELECT map.zoom_level, map.tile_column, map.tile_row, "
                              f"{_DATA.format(d='images.tile_data')} {join}",
                              f"SELECT COUNT(*), COALESCE(SUM(LENGTH(images.tile_data)), 0) {join}")
    if kinds.get("tiles") == "view":
        raise TileStoreError(f"拒绝导入：tiles 是视图而不是表，且文件没有标准的 map/images 表（可能是构造的文件）：{name}")
    raise TileStoreError(f"不是 MBTiles 文件（没有 tiles 表）：{name}")


def _package_format(conn: sqlite3.Connection) -> str | None:
    kinds = {str(n): str(t) for n, t in conn.execute("SELECT name, type FROM sqlite_master")}
    if kinds.get("metadata") != "table":
        return None
    row = conn.execute("SELECT value FROM metadata WHERE name = 'format'").fetchone()
    return str(row[0]).strip().lower() if row is not None and row[0] is not None else None


@dataclass(frozen=True)
class TileStoreInfo:
    """What ``tiles info`` prints: metadata, tile count per zoom, bytes."""

    path: str
    metadata: dict[str, str]
    tiles: int
    bytes: int
    per_zoom: dict[int, int]


class MBTilesStore:
    """An MBTiles 1.3 file; ``get``/``put`` take XYZ coordinates."""

    def __init__(self, path: str | os.PathLike[str], *, name: str = "坪山区底图", fmt: str = "png",
                 create: bool = True, read_only: bool = False) -> None:
        self.path = Path(path)
        if (not create or read_only) and not self.path.is_file():
            raise TileStoreError(f"瓦片文件不存在：{self.path.name}")
        self._lock = threading.RLock()
        self._touch_buffer: dict[tuple[int, int, int], float] = {}
        self.read_only = read_only
        if read_only:
            # Looking at someone else's file (``tiles info``) must not change it.
            # It may be anybody's file: the same checks as an import, and a deadline.
            self._conn = _open_foreign(self.path, 60.0)
            try:
                _package_layout(self._conn, self.path.name)
                tables = {r[0] for r in self._conn.execute("SELECT name FROM sqlite_master")}
            except sqlite3.DatabaseError as exc:
                self._conn.close()
                raise TileStoreError(f"不是有效的 MBTiles 文件：{self.path.name}（{exc}）") from exc
            except TileStoreError:
                self._conn.close()
                raise
            if "metadata" not in tables:
                self._conn.close()
                raise TileStoreError(f"不是 MBTiles 文件（缺少 metadata 表）：{self.path.name}")
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._conn = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None,
                                         timeout=10)
            self._conn.execute("PRAGMA journal_mode=WAL")
            # NORMAL, unlike the cache's FULL (offline_cache/db.py): tiles are a copy of a
            # tile server's data, and a power cut can only lose the newest downloads (or
            # the last pin mark), never consistency; they are fetched again.  Nothing an
            # operator must not lose lives here, and tile downloads commit often.
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.executescript(SCHEMA)
            columns = {r[1] for r in self._conn.execute("PRAGMA table_info(tile_use)")}
            if "pinned" not in columns:  # a cache made before pinning existed
                self._conn.execute("ALTER TABLE tile_use ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0")
        except sqlite3.DatabaseError as exc:
            raise TileStoreError(f"不是有效的 MBTiles 文件：{self.path.name}（{exc}）") from exc
        try:
            os.chmod(self.path, 0o600)
        except OSError:
            pass
        meta = self.metadata()
        defaults = {"name": name, "format": fmt, "type": "baselayer", "version": "1.3",
                    "description": "坪山区值班台离线底图缓存"}
        missing = {k: v for k, v in defaults.items() if k not in meta}
        if missing:
            self.set_metadata(missing)
        # Files made by other tools may lack our usage table rows: count them once.
        self._adopt_untracked()

    # ------------------------------------------------------------------ metadata

    def metadata(self) -> dict[str, str]:
        """Every ``metadata`` row."""
        with self._lock:
            return {str(k): str(v) for k, v in self._conn.execute("SELECT name, value FROM metadata")}

    def set_metadata(self, values: Mapping[str, object]) -> None:
        """Insert or replace metadata rows (values stored as text)."""
        with self._lock:
            self._conn.executemany(
                "INSERT INTO metadata (name, value) VALUES (?, ?) "
                "ON CONFLICT(name) DO UPDATE SET value = excluded.value",
                [(k, str(v)) for k, v in values.items()])

    def refresh_extent_metadata(self) -> None:
        """Recompute ``bounds``, ``minzoom``, ``maxzoom`` and ``center`` from the stored tiles."""
        with self._lock:
            row = self._conn.execute("SELECT MIN(zoom_level), MAX(zoom_level) FROM tiles").fetchone()
            if row is None or row[0] is None:
                return
            zmin, zmax = int(row[0]), int(row[1])
            # The extent at the deepest zoom is the most precise.
            ext = self._conn.execute(
                "SELECT MIN(tile_column), MAX(tile_column), MIN(tile_row), MAX(tile_row) FROM tiles "
                "WHERE zoom_level = ?", (zmax,)).fetchone()
        xmin, xmax, rmin, rmax = (int(v) for v in ext)
        w, _s, _e, n = tile_bounds(zmax, xmin, xyz_to_tms_row(zmax, rmax))
        _w, s, e, _n = tile_bounds(zmax, xmax, xyz_to_tms_row(zmax, rmin))
        self.set_metadata({
            "bounds": f"{w:.6f},{s:.6f},{e:.6f},{n:.6f}",
            "minzoom": zmin, "maxzoom": zmax,
            "center": f"{(w + e) / 2:.6f},{(s + n) / 2:.6f},{min(zmax, max(zmin, 13))}",
        })

    # ------------------------------------------------------------------ tiles

    def get(self, z: int, x: int, y: int, *, touch: bool = True) -> bytes | None:
        """The tile drawn at XYZ ``z/x/y``, or None; a hit counts as a use (LRU)."""
        row_tms = xyz_to_tms_row(z, y)
        with self._lock:
            row = self._conn.execute(
                "SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?",
                (z, x, row_tms)).fetchone()
            if row is None:
                return None
            if touch and not self.read_only:
                self._touch_buffer[(z, x, row_tms)] = time.time()
                if len(self._touch_buffer) >= 256:
                    self._flush_touches()
        return bytes(row[0])

    def has(self, z: int, x: int, y: int) -> bool:
        """Whether XYZ ``z/x/y`` is stored."""
        with self._lock:
            return self._conn.execute(
                "SELECT 1 FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?",
                (z, x, xyz_to_tms_row(z, y))).fetchone() is not None

    def put(self, z: int, x: int, y: int, data: bytes, *, pinned: bool = False) -> None:
        """Store (or replace) the tile drawn at XYZ ``z/x/y``."""
        self.put_many([(z, x, y, data)], pinned=pinned)

    def put_many(self, tiles: Iterable[tuple[int, int, int, bytes]], *, pinned: bool = False) -> int:
        """Store many XYZ tiles in one transaction; returns how many.

        ``pinned`` tiles (prepared offline areas) are never evicted by the size cap.
        """
        now = time.time()
        rows = [(z, x, xyz_to_tms_row(z, y), bytes(data)) for z, x, y, data in tiles]
        if not rows:
            return 0
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                self._conn.executemany(
                    "INSERT OR REPLACE INTO tiles (zoom_level, tile_column, tile_row, tile_data) "
                    "VALUES (?, ?, ?, ?)", rows)
                # A tile once pinned stays pinned when a later browse replaces it.
                self._conn.executemany(
                    "INSERT INTO tile_use (zoom_level, tile_column, tile_row, size, last_used, pinned) "
                    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(zoom_level, tile_column, tile_row) DO UPDATE SET "
                    "size = excluded.size, last_used = excluded.last_used, "
                    "pinned = MAX(tile_use.pinned, excluded.pinned)",
                    [(z, x, r, len(d), now, int(pinned)) for z, x, r, d in rows])
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
        return len(rows)

    def missing(self, tiles: Iterable[tuple[int, int, int]]) -> Iterator[tuple[int, int, int]]:
        """The XYZ tiles of ``tiles`` that are not stored yet (what a resumed download still needs)."""
        for z, x, y in tiles:
            if not self.has(z, x, y):
                yield z, x, y

    def count(self) -> int:
        """Number of stored tiles."""
        with self._lock:
            return int(self._conn.execute("SELECT COUNT(*) FROM tiles").fetchone()[0])

    def total_bytes(self) -> int:
        """Sum of stored tile sizes (the quantity the size cap limits)."""
        with self._lock:
            if self.read_only:
                return int(self._conn.execute("SELECT COALESCE(SUM(LENGTH(tile_data)), 0) FROM tiles").fetchone()[0])
            return int(self._conn.execute("SELECT COALESCE(SUM(size), 0) FROM tile_use").fetchone()[0])

    def pinned_bytes(self) -> int:
        """Bytes of pinned tiles (prepared offline areas, imports)."""
        with self._lock:
            if self.read_only:
                return 0
            return int(self._conn.execute("SELECT COALESCE(SUM(size), 0) FROM tile_use WHERE pinned = 1").fetchone()[0])

    def evict_to(self, max_bytes: int) -> int:
        """Drop least-recently-used unpinned tiles until the tiles take at most ``max_bytes``
        (or no unpinned tile is left); returns how many."""
        self._flush_touches()
        total = self.total_bytes()
        if total <= max_bytes:
            return 0
        dropped = 0
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                victims: list[tuple[int, int, int]] = []
                for z, x, r, size in self._conn.execute(
                        "SELECT zoom_level, tile_column, tile_row, size FROM tile_use WHERE pinned = 0 "
                        "ORDER BY last_used, zoom_level DESC"):
                    if total <= max_bytes:
                        break
                    victims.append((z, x, r))
                    total -= int(size)
                self._conn.executemany(
                    "DELETE FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?", victims)
                self._conn.executemany(
                    "DELETE FROM tile_use WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?", victims)
                self._conn.execute("COMMIT")
                dropped = len(victims)
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
        return dropped

    def import_from(self, other: str | os.PathLike[str], *, replace: bool = False) -> int:
        """Copy the tiles of another MBTiles file into this one; returns how many were added.

        See :meth:`import_package` for what is checked; this is its ``added`` count.
        """
        return self.import_package(other, replace=replace).added

    def import_package(self, other: str | os.PathLike[str], *, replace: bool = False,
                       max_tiles: int = MAX_IMPORT_TILES, max_bytes: int = MAX_IMPORT_BYTES,
                       deadline_s: float = IMPORT_DEADLINE_S) -> TileImportReport:
        """Import an offline map package (a foreign MBTiles file) as pinned tiles.

        The file is opened read-only and immutable (nothing is written beside it), with
        a blob-size limit and a deadline.  Its tiles must be a real ``tiles`` table or the
        standard ``map``/``images`` pair (a ``tiles`` view is never run); vector (``pbf``)
        packages are refused; a package over ``max_tiles`` or ``max_bytes`` is refused
        before anything is copied.  Each row is checked: a tile that is not PNG, JPEG or
        WebP by its bytes, whose ``z/x/y`` lies outside ``0..22`` / ``0..2^z-1``, or that is
        larger than :data:`MAX_TILE_BYTES` is skipped and counted.  All in one
        transaction: a failure leaves the cache as it was.  Rows are copied in TMS order
        as stored.  Existing tiles are kept unless ``replace``.
        """
        src = Path(other)
        if not src.is_file():
            raise TileStoreError(f"瓦片文件不存在：{src.name}")
        report = TileImportReport(source=src.name)
        conn = _open_foreign(src, deadline_s)
        try:
            try:
                layout = _package_layout(conn, src.name)
                fmt = _package_format(conn)
                if fmt is not None and fmt not in RASTER_FORMATS:
                    if fmt in ("pbf", "mvt"):
                        raise TileStoreError(f"矢量瓦片包（format={fmt}）不支持：值班台只绘制栅格瓦片（PNG/JPEG/WebP），"
                                             f"请导入栅格底图包：{src.name}")
                    raise TileStoreError(f"瓦片格式 {fmt} 不受支持（应为 png、jpg 或 webp）：{src.name}")
                rows, size = conn.execute(layout.count).fetchone()
            except sqlite3.DatabaseError as exc:
                raise TileStoreError(self._foreign_error(src.name, exc, deadline_s)) from exc
            if int(rows) > max_tiles:
                raise TileStoreError(f"离线地图包过大：{int(rows)} 块瓦片（上限 {max_tiles} 块），"
                                     f"请按区域或缩放级别拆分后再导入：{src.name}")
            if int(size) > max_bytes:
                raise TileStoreError(f"离线地图包过大：瓦片共 {int(size) / 1024 ** 2:.0f} MB"
                                     f"（上限 {max_bytes / 1024 ** 2:.0f} MB），请拆分后再导入：{src.name}")
            verb = "OR REPLACE" if replace else "OR IGNORE"
            now = time.time()
            with self._lock:
                before = self.count()
                self._conn.execute("BEGIN IMMEDIATE")
                try:
                    cursor = conn.execute(layout.select)
                    while True:
                        chunk = cursor.fetchmany(500)
                        if not chunk:
                            break
                        good: list[tuple[int, int, int, bytes]] = []
                        for z, x, r, data, length in chunk:
                            report.rows += 1
                            if not self._tile_in_range(z, x, r):
                                report.skipped_out_of_range += 1
                            elif data is None and isinstance(length, int) and length > MAX_TILE_BYTES:
                                report.skipped_too_big += 1
                            elif not isinstance(data, bytes) or tile_image_kind(data) is None:
                                report.skipped_not_image += 1
                            else:
                                good.append((z, x, r, data))
                        self._conn.executemany(
                            f"INSERT {verb} INTO tiles (zoom_level, tile_column, tile_row, tile_data) "
                            "VALUES (?, ?, ?, ?)", good)
                        self._conn.executemany(
                            f"INSERT {verb} INTO tile_use (zoom_level, tile_column, tile_row, size, last_used, pinned) "
                            "VALUES (?, ?, ?, ?, ?, 1)", [(z, x, r, len(d), now) for z, x, r, d in good])
                    if report.rows and report.skipped == report.rows:
                        raise TileStoreError(f"文件中没有可用的瓦片：{report.rows} 块全部跳过"
                                             f"（{report.skip_detail()}）：{src.name}")
                    self._conn.execute("COMMIT")
                except sqlite3.DatabaseError as exc:
                    self._conn.execute("ROLLBACK")
                    raise TileStoreError(self._foreign_error(src.name, exc, deadline_s)) from exc
                except BaseException:
                    self._conn.execute("ROLLBACK")
                    raise
                report.added = self.count() - before
                report.total = before + report.added
        finally:
            conn.close()
        self.refresh_extent_metadata()
        return report

    @staticmethod
    def _tile_in_range(z: object, x: object, r: object) -> bool:
        if not all(type(v) is int for v in (z, x, r)):
            return False
        assert isinstance(z, int) and isinstance(x, int) and isinstance(r, int)
        return 0 <= z <= MAX_ZOOM and 0 <= x < (1 << z) and 0 <= r < (1 << z)

    @staticmethod
    def _foreign_error(name: str, exc: sqlite3.DatabaseError, deadline_s: float) -> str:
        if "interrupted" in str(exc):
            return f"读取离线地图包超时（超过 {deadline_s:.0f} 秒），已中止：{name}"
        return f"离线地图包无法读取：{name}（{exc}）"

    def info(self) -> TileStoreInfo:
        """Metadata, tile count per zoom and bytes."""
        self._flush_touches()
        with self._lock:
            per_zoom = {int(z): int(n) for z, n in self._conn.execute(
                "SELECT zoom_level, COUNT(*) FROM tiles GROUP BY zoom_level ORDER BY zoom_level")}
        return TileStoreInfo(str(self.path), self.metadata(), sum(per_zoom.values()), self.total_bytes(), per_zoom)

    def close(self) -> None:
        """Write pending use times and close the file."""
        with self._lock:
            try:
                self._flush_touches()
            finally:
                self._conn.close()

    # ------------------------------------------------------------------ internals

    def _flush_touches(self) -> None:
        with self._lock:
            if not self._touch_buffer or self.read_only:
                return
            items = [(t, z, x, r) for (z, x, r), t in self._touch_buffer.items()]
            self._touch_buffer.clear()
            self._conn.executemany(
                "UPDATE tile_use SET last_used = ? WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?", items)

    def _adopt_untracked(self) -> None:
        with self._lock:
            self._conn.execute(
                "INSERT OR IGNORE INTO tile_use (zoom_level, tile_column, tile_row, size, last_used) "
                "SELECT zoom_level, tile_column, tile_row, LENGTH(tile_data), 0 FROM tiles "
                "WHERE NOT EXISTS (SELECT 1 FROM tile_use u WHERE u.zoom_level = tiles.zoom_level "
                "AND u.tile_column = tiles.tile_column AND u.tile_row = tiles.tile_row)")

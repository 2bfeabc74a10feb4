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
            try:
                self._conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False,
                                             isolation_level=None)
                tables = {r[0] for r in self._conn.execute("SELECT name FROM sqlite_master")}
            except sqlite3.DatabaseError as exc:
                raise TileStoreError(f"不是有效的 MBTiles 文件：{self.path.name}（{exc}）") from exc
            if not {"tiles", "metadata"} <= tables:
                raise TileStoreError(f"不是 MBTiles 文件（缺少 tiles 或 metadata 表）：{self.path.name}")
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._conn = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None,
                                         timeout=10)
            self._conn.execute("PRAGMA journal_mode=WAL")
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
        """Copy every tile of another MBTiles file into this one; returns how many were added.

        Rows are copied as stored (both files are TMS).  Existing tiles are kept unless
        ``replace``.  A file that is not MBTiles raises :class:`TileStoreError`.
        """
        src = Path(other)
        if not src.is_file():
            raise TileStoreError(f"瓦片文件不存在：{src.name}")
        try:
            probe = sqlite3.connect(f"file:{src}?mode=ro", uri=True)
            try:
                tables = {r[0] for r in probe.execute("SELECT name FROM sqlite_master WHERE type IN ('table','view')")}
                fmt_row = probe.execute("SELECT value FROM metadata WHERE name = 'format'").fetchone() \
                    if "metadata" in tables else None
            finally:
                probe.close()
        except sqlite3.DatabaseError as exc:
            raise TileStoreError(f"不是有效的 MBTiles 文件：{src.name}（{exc}）") from exc
        if "tiles" not in tables:
            raise TileStoreError(f"不是 MBTiles 文件（没有 tiles 表）：{src.name}")
        own_fmt = self.metadata().get("format", "png")
        if fmt_row is not None and str(fmt_row[0]) not in (own_fmt, "png", "jpg", "jpeg", "webp"):
            raise TileStoreError(f"瓦片格式 {fmt_row[0]} 不受支持：{src.name}")
        verb = "OR REPLACE" if replace else "OR IGNORE"
        now = time.time()
        with self._lock:
            before = self.count()
            self._conn.execute("ATTACH DATABASE ? AS src", (str(src),))
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                self._conn.execute(
                    f"INSERT {verb} INTO main.tiles (zoom_level, tile_column, tile_row, tile_data) "
                    "SELECT zoom_level, tile_column, tile_row, tile_data FROM src.tiles")
                self._conn.execute(
                    f"INSERT {verb} INTO main.tile_use (zoom_level, tile_column, tile_row, size, last_used, pinned) "
                    "SELECT zoom_level, tile_column, tile_row, LENGTH(tile_data), ?, 1 FROM src.tiles", (now,))
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            finally:
                self._conn.execute("DETACH DATABASE src")
            added = self.count() - before
        self.refresh_extent_metadata()
        return added

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

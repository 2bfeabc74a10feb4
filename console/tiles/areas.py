"""Offline areas: a bbox and zoom range as tiles, how many, and how much disk they will take."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterator, Sequence

from console.tiles.sources import TileSourceError
from offline_cache.tiles import MBTilesStore

DEFAULT_TILE_BYTES = 15_000
"""Size guess per tile when nothing has been measured yet (a typical 256 px PNG)."""


MAX_TILES_PER_JOB = 200_000
"""A prefetch bigger than this is refused (a zoom range typed wrong, not a real area)."""

BBox = tuple[float, float, float, float]
"""(west, south, east, north) in degrees."""


def lonlat_to_tile(lon: float, lat: float, z: int) -> tuple[int, int]:
    """The XYZ tile holding a point (clamped to the world)."""
    n = 1 << z
    lat = max(-85.0511, min(85.0511, lat))
    x = int((lon + 180.0) / 360.0 * n)
    s = math.sin(math.radians(lat))
    y = int((0.5 - math.log((1 + s) / (1 - s)) / (4 * math.pi)) * n)
    return min(max(x, 0), n - 1), min(max(y, 0), n - 1)


def parse_bbox(text: str) -> BBox:
    """``"W,S,E,N"`` in degrees → a checked bbox."""
    try:
        w, s, e, n = (float(v) for v in text.replace("，", ",").split(","))
    except ValueError:
        raise TileSourceError(f"范围格式应为 西,南,东,北（经纬度）：{text}") from None
    return check_bbox((w, s, e, n))


def check_bbox(bbox: Sequence[float]) -> BBox:
    """A bbox with west < east, south < north and coordinates on the globe."""
    w, s, e, n = (float(v) for v in bbox)
    if not (-180 <= w < e <= 180 and -85.06 <= s < n <= 85.06):
        raise TileSourceError(f"范围无效（须 西<东、南<北，经度 ±180、纬度 ±85）：{w},{s},{e},{n}")
    return w, s, e, n


def parse_zoom(text: str) -> tuple[int, int]:
    """``"12-16"`` or ``"14"`` → (min, max)."""
    try:
        if "-" in text:
            a, b = text.split("-", 1)
            zmin, zmax = int(a), int(b)
        else:
            zmin = zmax = int(text)
    except ValueError:
        raise TileSourceError(f"缩放级别格式应为 12-16：{text}") from None
    if not 0 <= zmin <= zmax <= 22:
        raise TileSourceError(f"缩放级别须在 0–22 且 起始≤结束：{text}")
    return zmin, zmax


def tiles_in_area(bbox: BBox, zmin: int, zmax: int) -> Iterator[tuple[int, int, int]]:
    """Every XYZ tile covering ``bbox`` from ``zmin`` to ``zmax`` (low zooms first)."""
    w, s, e, n = bbox
    for z in range(zmin, zmax + 1):
        x0, y0 = lonlat_to_tile(w, n, z)
        x1, y1 = lonlat_to_tile(e, s, z)
        for x in range(x0, x1 + 1):
            for y in range(y0, y1 + 1):
                yield z, x, y


def count_tiles(bbox: BBox, zmin: int, zmax: int) -> int:
    """How many tiles :func:`tiles_in_area` yields, without listing them."""
    w, s, e, n = bbox
    total = 0
    for z in range(zmin, zmax + 1):
        x0, y0 = lonlat_to_tile(w, n, z)
        x1, y1 = lonlat_to_tile(e, s, z)
        total += (x1 - x0 + 1) * (y1 - y0 + 1)
    return total


@dataclass(frozen=True)
class AreaEstimate:
    """Size of an offline area before anything is downloaded."""

    tiles: int
    cached: int
    bytes_per_tile: int

    @property
    def to_download(self) -> int:
        return max(0, self.tiles - self.cached)

    @property
    def bytes(self) -> int:
        return self.to_download * self.bytes_per_tile

    def describe(self) -> str:
        """One Chinese line: "共 N 块瓦片（已缓存 M），需下载约 X MB"."""
        return (f"共 {self.tiles} 块瓦片（已缓存 {self.cached}），"
                f"需下载 {self.to_download} 块，约 {format_bytes(self.bytes)}")


def format_bytes(n: float) -> str:
    """Human size in KB/MB/GB."""
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"


def estimate_area(store: MBTilesStore, bbox: BBox, zmin: int, zmax: int,
                  bytes_per_tile: int | None = None) -> AreaEstimate:
    """Tiles in the area, how many are cached already, and a size guess.

    The size per tile is the cache's own average when it has tiles (same source,
    same style), else ``bytes_per_tile`` or :data:`DEFAULT_TILE_BYTES`.
    """
    total = count_tiles(bbox, zmin, zmax)
    if total > MAX_TILES_PER_JOB * 5:
        cached = 0  # too big to check tile by tile; the job will be refused anyway
    else:
        cached = total - sum(1 for _ in store.missing(tiles_in_area(bbox, zmin, zmax)))
    n = store.count()
    avg = bytes_per_tile or (store.total_bytes() // n if n else DEFAULT_TILE_BYTES)
    return AreaEstimate(total, cached, max(1, int(avg)))

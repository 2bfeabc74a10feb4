"""Base-map tiles: sources (XYZ / WMTS, auth header, GCJ-02), the cache-first tile
service, offline-area prefetch (estimate, progress, cancel, resume) and the headless
``pingshan-console tiles`` command.  No Qt here.

The cache is an :class:`offline_cache.tiles.MBTilesStore`.  The web view asks the
:class:`TileService` for a tile (through a custom URL scheme, see
``widgets/map/tile_scheme.py``): a cached tile answers at once; otherwise, when online,
the tile is fetched from the configured source on a worker thread, stored, and
served.  When fetching fails the service goes *offline* for a short back-off and
serves only what the cache holds, which the map shows as "离线地图".

Coordinates: the console's overlays are WGS84/CGCS2000.  A GCJ-02 tile source (many
Chinese commercial base maps) is not re-projected: instead the overlay coordinates
are shifted into GCJ-02 (:func:`wgs84_to_gcj02`) so that they line up with it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import math
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

import httpx

from console.events import Event
from offline_cache.tiles import MAX_TILE_BYTES, MBTilesStore, TileImportReport, TileStoreError, tile_image_kind

log = logging.getLogger(__name__)

TILE_CACHE_FILE = "tiles.mbtiles"
TILE_SOURCE_FILE = "tile_source.json"
DEFAULT_CAP_BYTES = 512 * 1024 * 1024
DEFAULT_TILE_BYTES = 15_000
"""Size guess per tile when nothing has been measured yet (a typical 256 px PNG)."""
OFFLINE_BACKOFF_S = 5.0
MAX_TILES_PER_JOB = 200_000
"""A prefetch bigger than this is refused (a zoom range typed wrong, not a real area)."""

BBox = tuple[float, float, float, float]
"""(west, south, east, north) in degrees."""


class TileSourceError(ValueError):
    """A source, bbox or zoom range the operator typed wrong; the message is Chinese."""


# --------------------------------------------------------------------------- sources


@dataclass(frozen=True)
class TileSource:
    """Where base-map tiles come from.

    ``kind`` ``xyz``: ``{z}``, ``{x}``, ``{y}`` (``{-y}`` for TMS servers, ``{s}`` for
    subdomains a/b/c).  ``kind`` ``wmts``: RESTful templates with ``{TileMatrix}``,
    ``{TileRow}``, ``{TileCol}`` (``{TileMatrixSet}`` optional), or a KVP GetTile URL
    to which ``TILEMATRIX``/``TILEROW``/``TILECOL`` are appended.  ``headers`` go with
    every request (e.g. ``Authorization``).  ``gcj02``: the tiles are in GCJ-02.
    """

    url: str
    kind: str = "xyz"
    headers: dict[str, str] = field(default_factory=dict)
    gcj02: bool = False
    name: str = "底图"
    matrix_set: str = "GoogleMapsCompatible"

    def __post_init__(self) -> None:
        if not self.url.lower().startswith(("http://", "https://")):
            raise TileSourceError(f"瓦片地址必须以 http:// 或 https:// 开头：{self.url}")
        if self.kind not in ("xyz", "wmts"):
            raise TileSourceError(f"未知的瓦片服务类型：{self.kind}（应为 xyz 或 wmts）")
        if self.kind == "xyz" and not all(k in self.url for k in ("{z}", "{x}")) \
                or self.kind == "xyz" and "{y}" not in self.url and "{-y}" not in self.url:
            raise TileSourceError("XYZ 瓦片地址须含 {z}、{x}、{y}，例如 http://host/tiles/{z}/{x}/{y}.png")

    def url_for(self, z: int, x: int, y: int) -> str:
        """The URL of XYZ tile ``z/x/y``."""
        if self.kind == "wmts":
            if "{TileMatrix}" in self.url:
                return (self.url.replace("{TileMatrixSet}", self.matrix_set).replace("{TileMatrix}", str(z))
                        .replace("{TileRow}", str(y)).replace("{TileCol}", str(x)))
            sep = "&" if "?" in self.url else "?"
            return f"{self.url}{sep}TILEMATRIX={z}&TILEROW={y}&TILECOL={x}"
        return (self.url.replace("{s}", "abc"[(x + y) % 3]).replace("{z}", str(z)).replace("{x}", str(x))
                .replace("{-y}", str((1 << z) - 1 - y)).replace("{y}", str(y)))

    def to_json(self) -> dict[str, Any]:
        """For ``tile_source.json`` (headers included: the file is the seat's own)."""
        return {"url": self.url, "kind": self.kind, "headers": dict(self.headers), "gcj02": self.gcj02,
                "name": self.name, "matrix_set": self.matrix_set}

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> "TileSource":
        """Inverse of :meth:`to_json`."""
        return cls(url=str(doc["url"]), kind=str(doc.get("kind", "xyz")), headers=dict(doc.get("headers") or {}),
                   gcj02=bool(doc.get("gcj02", False)), name=str(doc.get("name", "底图")),
                   matrix_set=str(doc.get("matrix_set", "GoogleMapsCompatible")))


def parse_header(text: str) -> tuple[str, str]:
    """``"Authorization: Bearer abc"`` → ``("Authorization", "Bearer abc")``."""
    name, sep, value = text.partition(":")
    if not sep or not name.strip():
        raise TileSourceError(f"请求头格式应为 “名称: 值”：{text}")
    return name.strip(), value.strip()


# --------------------------------------------------------------------------- GCJ-02

_A = 6378245.0
_EE = 0.00669342162296594323


def _out_of_china(lon: float, lat: float) -> bool:
    return not (72.004 <= lon <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _tlat(x: float, y: float) -> float:
    r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    r += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    r += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    r += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return r


def _tlon(x: float, y: float) -> float:
    r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    r += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    r += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    r += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return r


def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    """WGS84 → GCJ-02 (the published approximation; ~1 m); unchanged outside China."""
    if _out_of_china(lon, lat):
        return lon, lat
    dlat = _tlat(lon - 105.0, lat - 35.0)
    dlon = _tlon(lon - 105.0, lat - 35.0)
    radlat = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(radlat) ** 2
    sqrtmagic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrtmagic) * math.pi)
    dlon = (dlon * 180.0) / (_A / sqrtmagic * math.cos(radlat) * math.pi)
    return lon + dlon, lat + dlat


def gcj02_to_wgs84(lon: float, lat: float) -> tuple[float, float]:
    """GCJ-02 → WGS84 by iteration (better than 0.01 m inside China)."""
    wlon, wlat = lon, lat
    for _ in range(8):
        glon, glat = wgs84_to_gcj02(wlon, wlat)
        wlon, wlat = wlon - (glon - lon), wlat - (glat - lat)
    return wlon, wlat


def transform_geojson(doc: Any, fn: Callable[[float, float], tuple[float, float]]) -> Any:
    """A copy of a GeoJSON object with every position passed through ``fn(lon, lat)``."""
    def coords(c: Any) -> Any:
        if isinstance(c, (list, tuple)) and c and isinstance(c[0], (int, float)):
            lon, lat = fn(float(c[0]), float(c[1]))
            return [lon, lat, *c[2:]]
        if isinstance(c, (list, tuple)):
            return [coords(v) for v in c]
        return c

    if isinstance(doc, dict):
        out = {}
        for k, v in doc.items():
            if k == "coordinates":
                out[k] = coords(v)
            elif k == "bbox":
                out[k] = v
            else:
                out[k] = transform_geojson(v, fn)
        return out
    if isinstance(doc, list):
        return [transform_geojson(v, fn) for v in doc]
    return doc


# --------------------------------------------------------------------------- areas


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


# --------------------------------------------------------------------------- fetching


class TileFetchError(Exception):
    """A tile could not be fetched (network, HTTP status, not an image, too big)."""


class TileTooLargeError(TileFetchError):
    """The server sent (or announced) more than :data:`MAX_TILE_BYTES` for one tile."""


TILE_READ_DEADLINE_S = 20.0
"""One tile must arrive whole within this long: a server that drips bytes slowly enough
never trips the read timeout, and must not hold a download slot for ever."""


def _check_image(data: bytes, url: str) -> bytes:
    # PNG, JPEG, WebP by their bytes (what the map's tile handler serves), and GIF.
    if tile_image_kind(data) is None and not data.startswith(b"GIF8"):
        raise TileFetchError(f"不是图片：{url}")
    return data


def _announced_too_big(resp: httpx.Response, url: str, cap: int) -> None:
    length = resp.headers.get("content-length", "")
    if length.isdigit() and int(length) > cap:
        raise TileTooLargeError(f"瓦片过大（{int(length)} 字节，上限 {cap}），已拒绝：{url}")


def _too_big(url: str, cap: int) -> TileTooLargeError:
    return TileTooLargeError(f"瓦片过大（超过 {cap} 字节），已停止接收：{url}")


def get_tile(client: httpx.Client, url: str, *, cap: int = MAX_TILE_BYTES,
             deadline_s: float = TILE_READ_DEADLINE_S) -> tuple[int, bytes]:
    """GET one tile, streamed: (status, body).  Never holds more than ``cap`` bytes: a
    bigger (or endless) body raises :class:`TileTooLargeError` as soon as it passes the
    cap; a body still arriving after ``deadline_s`` raises :class:`TileFetchError`."""
    until = time.monotonic() + deadline_s
    with client.stream("GET", url) as resp:
        if resp.status_code != 200:
            return resp.status_code, b""
        _announced_too_big(resp, url, cap)
        buf = bytearray()
        for chunk in resp.iter_bytes():
            buf += chunk
            if len(buf) > cap:
                raise _too_big(url, cap)
            if time.monotonic() > until:
                raise TileFetchError(f"瓦片 {deadline_s:.0f} 秒内未传完：{url}")
        return resp.status_code, bytes(buf)


async def aget_tile(client: httpx.AsyncClient, url: str, *, cap: int = MAX_TILE_BYTES,
                    deadline_s: float = TILE_READ_DEADLINE_S) -> tuple[int, bytes]:
    """The asyncio form of :func:`get_tile` (same cap, same deadline)."""
    async def read() -> tuple[int, bytes]:
        async with client.stream("GET", url) as resp:
            if resp.status_code != 200:
                return resp.status_code, b""
            _announced_too_big(resp, url, cap)
            buf = bytearray()
            async for chunk in resp.aiter_bytes():
                buf += chunk
                if len(buf) > cap:
                    raise _too_big(url, cap)
            return resp.status_code, bytes(buf)

    try:
        return await asyncio.wait_for(read(), deadline_s)
    except asyncio.TimeoutError:
        raise TileFetchError(f"瓦片 {deadline_s:.0f} 秒内未传完：{url}") from None


class TileService:
    """Cache-first tiles for the map: MBTiles store + optional source + size cap.

    Thread-safe: the web view's handler calls :meth:`cached` on the GUI thread and
    :meth:`fetch_and_store` on worker threads.
    """

    def __init__(self, store: MBTilesStore, source: TileSource | None, *, cap_bytes: int = DEFAULT_CAP_BYTES,
                 timeout_s: float = 5.0) -> None:
        self.store = store
        self.source = source
        self.cap_bytes = cap_bytes
        self._timeout = httpx.Timeout(timeout_s, connect=2.0)
        self._client: httpx.Client | None = None
        self._lock = threading.Lock()
        self._retry_at = 0.0
        self._puts_since_evict = 0
        self.online: bool | None = None if source else False
        """True after a tile came from the source; False while fetching fails (or no source)."""
        self.last_error: str = ""
        self.fetched = 0
        self.hits = 0
        self.misses = 0
        self.online_changed: Event[[bool]] = Event("tiles.online_changed")
        """Emitted (from the fetching thread) with the new ``online`` value when it changes."""

    @property
    def overlay_gcj02(self) -> bool:
        """Overlays must be shifted to GCJ-02 to sit on this base map."""
        return bool(self.source and self.source.gcj02)

    def cached(self, z: int, x: int, y: int) -> bytes | None:
        """The cached tile or None (fast; safe on the GUI thread)."""
        data = self.store.get(z, x, y)
        if data is None:
            self.misses += 1
        else:
            self.hits += 1
        return data

    def may_fetch(self) -> bool:
        """A source is configured and not in its offline back-off."""
        return self.source is not None and time.monotonic() >= self._retry_at

    def fetch_and_store(self, z: int, x: int, y: int) -> bytes | None:
        """Blocking fetch of one tile from the source, stored in the cache; None on failure.

        Call on a worker thread.  A failure puts the service offline for
        :data:`OFFLINE_BACKOFF_S` (no request storm while the network is down).
        """
        if not self.may_fetch():
            return None
        assert self.source is not None
        url = self.source.url_for(z, x, y)
        try:
            with self._lock:
                if self._client is None:
                    self._client = httpx.Client(timeout=self._timeout, headers=self.source.headers,
                                                follow_redirects=True, trust_env=False)
                client = self._client
            status, body = get_tile(client, url)
            if status == 404:
                return None  # no tile there: not a network failure
            if status != 200:
                raise TileFetchError(f"HTTP {status}")
            data = _check_image(body, url)
        except (httpx.HTTPError, TileFetchError, OSError) as exc:
            self._retry_at = time.monotonic() + OFFLINE_BACKOFF_S
            self.last_error = f"{type(exc).__name__}: {exc}"
            self._set_online(False)
            return None
        self.store.put(z, x, y, data)
        self.fetched += 1
        self._set_online(True)
        self._puts_since_evict += 1
        if self._puts_since_evict >= 200:
            self._puts_since_evict = 0
            self.enforce_cap()
        return data

    def enforce_cap(self) -> int:
        """Evict least-recently-used tiles down to 90 % of the cap when over it."""
        if self.store.total_bytes() <= self.cap_bytes:
            return 0
        return self.store.evict_to(int(self.cap_bytes * 0.9))

    def close(self) -> None:
        """Close the HTTP client and the store."""
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None
        self.store.close()

    def _set_online(self, value: bool) -> None:
        if self.online == value:
            return
        self.online = value
        self.online_changed.emit(value)  # a failing handler is logged, tile fetching goes on


def tile_service_for(cache_dir: Path, backend_url: str | None, *, cap_bytes: int = DEFAULT_CAP_BYTES,
                     offline_only: bool = False) -> TileService:
    """The console's tile service: ``<cache>/tiles.mbtiles``; the source from
    ``<cache>/tile_source.json`` when present, else the gateway's ``/tiles/{z}/{x}/{y}.png``.
    ``offline_only`` (drills): no source at all, the cache only."""
    cache_dir = Path(cache_dir)
    path = cache_dir / TILE_CACHE_FILE
    try:
        store = MBTilesStore(path)
    except TileStoreError:
        # A damaged cache must not cost the map its base layer: keep it aside, start afresh.
        aside = path.with_name(f"{path.name}.corrupt-{int(time.time())}")
        log.warning("tile cache %s unusable, moved to %s", path, aside)
        path.rename(aside)
        for suffix in ("-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        store = MBTilesStore(path)
    source: TileSource | None = None
    conf = cache_dir / TILE_SOURCE_FILE
    if offline_only:
        return TileService(store, None, cap_bytes=cap_bytes)
    if conf.is_file():
        try:
            source = TileSource.from_json(json.loads(conf.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError) as exc:
            log.warning("tile source file %s unusable: %s", conf, exc)
    if source is None and backend_url:
        source = TileSource(url=backend_url.rstrip("/") + "/tiles/{z}/{x}/{y}.png", name="网关底图")
    return TileService(store, source, cap_bytes=cap_bytes)


def import_into(target: Path | str, source_file: Path | str) -> TileImportReport:
    """Import an offline map package (MBTiles) into the cache file ``target`` on its own
    connection (safe on a worker thread while the map keeps reading: WAL).  Returns what
    was imported and skipped (:meth:`TileImportReport.describe` is the operator's line);
    raises :class:`TileStoreError` with a Chinese message for a file that is refused."""
    store = MBTilesStore(target)
    try:
        return store.import_package(source_file)
    finally:
        store.close()


# --------------------------------------------------------------------------- prefetch


@dataclass
class PrefetchProgress:
    """Where a prefetch is: ``done`` of ``total`` (tiles already cached count as done)."""

    total: int
    done: int = 0
    fetched: int = 0
    skipped: int = 0
    failed: int = 0
    bytes: int = 0
    cancelled: bool = False
    finished: bool = False
    errors: list[str] = field(default_factory=list)

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 1.0


class PrefetchCancel:
    """Set from anywhere (the dialog's 取消, Ctrl+C) to stop a prefetch after its current tiles."""

    def __init__(self) -> None:
        self._flag = threading.Event()

    def set(self) -> None:
        self._flag.set()

    def is_set(self) -> bool:
        return self._flag.is_set()


async def prefetch(store: MBTilesStore, source: TileSource, bbox: BBox, zmin: int, zmax: int, *,
                   progress: Callable[[PrefetchProgress], None] | None = None,
                   cancel: PrefetchCancel | None = None, concurrency: int = 6,
                   batch: int = 32, client: httpx.AsyncClient | None = None) -> PrefetchProgress:
    """Download every tile of an area that the store lacks.

    Resumable by construction: tiles are committed in batches of ``batch``, and a new
    run skips whatever is already stored — after a cancel, a crash or a kill, running
    the same prefetch again downloads only the rest.  The job is recorded in the
    store's metadata (``pingshan_prefetch``) so ``tiles info`` shows it.
    """
    total = count_tiles(bbox, zmin, zmax)
    if total > MAX_TILES_PER_JOB:
        raise TileSourceError(f"区域过大：{total} 块瓦片（上限 {MAX_TILES_PER_JOB}），请缩小范围或缩放级别")
    state = PrefetchProgress(total=total)
    cancel = cancel or PrefetchCancel()
    store.set_metadata({"pingshan_prefetch": json.dumps(
        {"bbox": list(bbox), "zoom": [zmin, zmax], "source": source.url, "status": "running"}, ensure_ascii=False)})
    todo: list[tuple[int, int, int]] = []
    for tile in tiles_in_area(bbox, zmin, zmax):
        if store.has(*tile):
            state.skipped += 1
            state.done += 1
        else:
            todo.append(tile)
    if progress:
        progress(state)
    own_client = client is None
    if client is None:
        client = httpx.AsyncClient(timeout=httpx.Timeout(15.0, connect=5.0), headers=source.headers,
                                   follow_redirects=True, trust_env=False)
    pending: list[tuple[int, int, int, bytes]] = []
    queue: asyncio.Queue[tuple[int, int, int] | None] = asyncio.Queue()
    for tile in todo:
        queue.put_nowait(tile)
    last_report = 0.0

    def flush() -> None:
        if pending:
            store.put_many(pending, pinned=True)  # a prepared area survives the size cap
            pending.clear()

    async def worker() -> None:
        nonlocal last_report
        while not cancel.is_set():
            try:
                tile = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            assert tile is not None
            z, x, y = tile
            url = source.url_for(z, x, y)
            data: bytes | None = None
            for attempt in range(3):
                try:
                    status, body = await aget_tile(client, url)
                    if status == 200:
                        data = _check_image(body, url)
                        break
                    if status == 404:
                        break
                    raise TileFetchError(f"HTTP {status}")
                except (httpx.HTTPError, TileFetchError) as exc:
                    if attempt == 2 or isinstance(exc, TileTooLargeError):  # too big stays too big
                        if len(state.errors) < 20:
                            state.errors.append(f"{z}/{x}/{y}: {type(exc).__name__}: {exc}")
                        state.failed += 1
                        break
                    await asyncio.sleep(0.3 * (attempt + 1))
            if data is not None:
                pending.append((z, x, y, data))
                state.fetched += 1
                state.bytes += len(data)
                if len(pending) >= batch:
                    flush()
            state.done += 1
            now = time.monotonic()
            if progress and (now - last_report > 0.1 or state.done == total):
                last_report = now
                progress(state)

    try:
        await asyncio.gather(*(worker() for _ in range(max(1, concurrency))))
    finally:
        flush()
        if own_client:
            await client.aclose()
        state.cancelled = cancel.is_set() and state.done < total
        state.finished = not state.cancelled
        store.refresh_extent_metadata()
        store.set_metadata({"pingshan_prefetch": json.dumps(
            {"bbox": list(bbox), "zoom": [zmin, zmax], "source": source.url,
             "status": "cancelled" if state.cancelled else ("done" if not state.failed else "incomplete")},
            ensure_ascii=False)})
        if progress:
            progress(state)
    return state


async def sample_tile_bytes(source: TileSource, bbox: BBox, zmin: int, zmax: int,
                            store: MBTilesStore | None = None) -> int | None:
    """Average size of up to three real tiles at the area's centre (low, middle, high zoom).

    The samples are stored when ``store`` is given (they count towards the job).
    """
    w, s, e, n = bbox
    lon, lat = (w + e) / 2, (s + n) / 2
    sizes: list[int] = []
    async with httpx.AsyncClient(timeout=httpx.Timeout(10.0, connect=5.0), headers=source.headers,
                                 trust_env=False, follow_redirects=True) as client:
        for z in sorted({zmin, (zmin + zmax) // 2, zmax}):
            x, y = lonlat_to_tile(lon, lat, z)
            try:
                status, body = await aget_tile(client, source.url_for(z, x, y))
            except (httpx.HTTPError, TileFetchError):
                continue
            if status == 200 and tile_image_kind(body) is not None:
                sizes.append(len(body))
                if store is not None:
                    store.put(z, x, y, body, pinned=True)
    return int(sum(sizes) / len(sizes)) if sizes else None


# --------------------------------------------------------------------------- CLI


def _tiles_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="pingshan-console tiles", description="离线地图瓦片：预下载、导入、查看")
    sub = p.add_subparsers(dest="action", required=True)
    pre = sub.add_parser("prefetch", help="下载一个范围的瓦片到 MBTiles 文件（可中断、可续传）")
    pre.add_argument("--source", required=True, help="瓦片地址模板，如 http://host/tiles/{z}/{x}/{y}.png")
    pre.add_argument("--kind", choices=("xyz", "wmts"), default="xyz", help="瓦片服务类型（缺省 xyz）")
    pre.add_argument("--header", action="append", default=[], help="附加请求头，如 \"Authorization: Bearer …\"")
    pre.add_argument("--gcj02", action="store_true", help="瓦片为 GCJ-02 坐标（叠加图层将换算）")
    pre.add_argument("--bbox", required=True, help="西,南,东,北（经纬度）")
    pre.add_argument("--zoom", required=True, help="缩放级别范围，如 12-16")
    pre.add_argument("--out", required=True, type=Path, help="输出的 .mbtiles 文件（已存在则续传）")
    pre.add_argument("--concurrency", type=int, default=6)
    pre.add_argument("--yes", action="store_true", help="不等待确认（脚本用）")
    imp = sub.add_parser("import", help="把现有 MBTiles 文件导入瓦片缓存")
    imp.add_argument("file", type=Path)
    imp.add_argument("--into", type=Path, default=None, help="目标缓存文件（缺省为值班台缓存目录的 tiles.mbtiles）")
    imp.add_argument("--replace", action="store_true", help="覆盖已有的同位置瓦片")
    info = sub.add_parser("info", help="显示 MBTiles 文件的元数据与瓦片数")
    info.add_argument("file", type=Path)
    src = sub.add_parser("source", help="设置/查看本席位地图的瓦片服务（写入缓存目录的 tile_source.json）")
    src.add_argument("--cache", type=Path, default=None, help="值班台缓存目录（缺省同值班台）")
    src.add_argument("--url", default=None, help="瓦片地址模板；不给则显示当前设置")
    src.add_argument("--kind", choices=("xyz", "wmts"), default="xyz")
    src.add_argument("--header", action="append", default=[], help="附加请求头，如 \"Authorization: Bearer …\"")
    src.add_argument("--gcj02", action="store_true", help="瓦片为 GCJ-02 坐标（叠加图层将换算）")
    src.add_argument("--name", default="底图")
    src.add_argument("--clear", action="store_true", help="删除设置，恢复为网关的 /tiles")
    return p


def _default_cache_dir() -> Path:
    import os

    env = os.environ.get("PINGSHAN_CACHE_DIR")
    return Path(env).expanduser() if env else Path.home() / ".local" / "share" / "pingshan-console"


def _default_cache_file() -> Path:
    return _default_cache_dir() / TILE_CACHE_FILE


def _source_cli(args: argparse.Namespace) -> int:
    import os

    conf = (args.cache or _default_cache_dir()) / TILE_SOURCE_FILE
    if args.clear:
        conf.unlink(missing_ok=True)
        print("已恢复为网关的瓦片服务（/tiles/{z}/{x}/{y}.png）")
        return 0
    if args.url is None:
        if not conf.is_file():
            print("未单独设置：使用网关的瓦片服务（/tiles/{z}/{x}/{y}.png）")
            return 0
        doc = TileSource.from_json(json.loads(conf.read_text(encoding="utf-8"))).to_json()
        doc["headers"] = {k: "***" for k in doc["headers"]}  # never print credentials
        print(json.dumps(doc, ensure_ascii=False))
        return 0
    source = TileSource(url=args.url, kind=args.kind, headers=dict(parse_header(h) for h in args.header),
                        gcj02=args.gcj02, name=args.name)
    conf.parent.mkdir(parents=True, exist_ok=True)
    tmp = conf.with_suffix(".tmp")
    tmp.write_text(json.dumps(source.to_json(), ensure_ascii=False, indent=1), encoding="utf-8")
    os.chmod(tmp, 0o600)  # may hold an auth header
    os.replace(tmp, conf)
    print(f"已设置瓦片服务：{source.url}（{source.kind}{'，GCJ-02' if source.gcj02 else ''}），重启值班台生效")
    return 0


def _print_info(path: Path) -> int:
    if not path.is_file():
        print(f"错误：文件不存在：{path}", file=sys.stderr)
        return 1
    store = MBTilesStore(path, read_only=True)
    try:
        info = store.info()
    finally:
        store.close()
    print(f"文件：{info.path}")
    for key in ("name", "format", "bounds", "minzoom", "maxzoom", "center", "type", "version"):
        if key in info.metadata:
            print(f"{key}: {info.metadata[key]}")
    print(f"瓦片：{info.tiles} 块，{format_bytes(info.bytes)}")
    for z, n in info.per_zoom.items():
        print(f"  z{z}: {n}")
    job = info.metadata.get("pingshan_prefetch")
    if job:
        print(f"预下载任务：{job}")
    return 0


def main_tiles(argv: Sequence[str]) -> int:
    """``pingshan-console tiles prefetch|import|info …``; exit 0 ok, 1 error, 130 interrupted."""
    args = _tiles_parser().parse_args(list(argv))
    try:
        if args.action == "info":
            return _print_info(args.file)
        if args.action == "import":
            target = args.into or _default_cache_file()
            store = MBTilesStore(target)
            try:
                report = store.import_package(args.file, replace=args.replace)
                print(f"{report.describe()}，目标 {target}")
            finally:
                store.close()
            return 0
        if args.action == "source":
            return _source_cli(args)
        headers = dict(parse_header(h) for h in args.header)
        source = TileSource(url=args.source, kind=args.kind, headers=headers, gcj02=args.gcj02)
        bbox = parse_bbox(args.bbox)
        zmin, zmax = parse_zoom(args.zoom)
        return asyncio.run(_prefetch_cli(source, bbox, zmin, zmax, args.out, args.concurrency))
    except (TileSourceError, TileStoreError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\n已中断：已下载的瓦片已保存，重新运行同一命令即可续传", file=sys.stderr)
        return 130


async def _prefetch_cli(source: TileSource, bbox: BBox, zmin: int, zmax: int, out: Path, concurrency: int) -> int:
    store = MBTilesStore(out)
    try:
        avg = await sample_tile_bytes(source, bbox, zmin, zmax, store)
        est = estimate_area(store, bbox, zmin, zmax, bytes_per_tile=avg)
        print(f"预计：{est.describe()}（z{zmin}–{zmax}，范围 {bbox[0]},{bbox[1]},{bbox[2]},{bbox[3]}）", flush=True)
        if est.tiles > MAX_TILES_PER_JOB:
            raise TileSourceError(f"区域过大：{est.tiles} 块瓦片（上限 {MAX_TILES_PER_JOB}）")
        step = max(1, est.tiles // 20)
        shown = {"next": 0}

        def report(p: PrefetchProgress) -> None:
            if p.done >= shown["next"] or p.finished or p.cancelled:
                shown["next"] = p.done + step
                print(f"进度 {p.done}/{p.total}（{p.fraction:.0%}）已下载 {p.fetched} 块 {format_bytes(p.bytes)}"
                      f"，跳过已有 {p.skipped}，失败 {p.failed}", flush=True)

        state = await prefetch(store, source, bbox, zmin, zmax, progress=report, concurrency=concurrency)
        for err in state.errors[:5]:
            print(f"失败：{err}", file=sys.stderr)
        print(f"完成：{out} 共 {store.count()} 块瓦片，{format_bytes(store.total_bytes())}", flush=True)
        return 0 if not state.failed else 1
    finally:
        store.close()

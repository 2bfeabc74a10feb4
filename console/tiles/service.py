"""Fetching tiles (size-capped, image-checked) and the cache-first :class:`TileService` the map
asks; :func:`tile_service_for` builds the console's, :func:`import_into` imports an MBTiles file.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from pathlib import Path

import httpx

from console.events import Event
from console.tiles.sources import TileSource
from offline_cache.tiles import MAX_TILE_BYTES, MBTilesStore, TileImportReport, TileStoreError, tile_image_kind

log = logging.getLogger(__name__)

TILE_CACHE_FILE = "tiles.mbtiles"
TILE_SOURCE_FILE = "tile_source.json"
DEFAULT_CAP_BYTES = 512 * 1024 * 1024


OFFLINE_BACKOFF_S = 5.0


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

"""Downloading an offline area ahead of need (:func:`prefetch`): progress, cancel, resume, and a
sample of the source's tile size for the estimate.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

import httpx

from console.tiles.areas import MAX_TILES_PER_JOB, BBox, count_tiles, lonlat_to_tile, tiles_in_area
from console.tiles.service import TileFetchError, TileTooLargeError, _check_image, aget_tile
from console.tiles.sources import TileSource, TileSourceError
from offline_cache.tiles import MBTilesStore, tile_image_kind


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

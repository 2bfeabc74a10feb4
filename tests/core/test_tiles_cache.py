"""MBTiles store, tile sources and prefetch (no Qt): TMS order, metadata, LRU, import,
cancel/kill and resume against the real feed's tile endpoint."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from console import tiles as ct
from offline_cache.tiles import MBTilesStore, TileStoreError, xyz_to_tms_row

ROOT = Path(__file__).resolve().parents[2]
PNG = b"\x89PNG\r\n\x1a\n"
BBOX = (114.28, 22.69, 114.42, 22.78)


def _png(tag: int) -> bytes:
    return PNG + tag.to_bytes(4, "big") * 10


def test_tms_row_order(tmp_path: Path) -> None:
    store = MBTilesStore(tmp_path / "t.mbtiles")
    # Written through the XYZ API: the file holds the TMS row.
    store.put(3, 2, 1, _png(1))
    row = sqlite3.connect(tmp_path / "t.mbtiles").execute(
        "SELECT tile_row FROM tiles WHERE zoom_level = 3 AND tile_column = 2").fetchone()
    assert row[0] == 2 ** 3 - 1 - 1 == 6
    # A tile stored by another tool at zoom z row r is drawn at y = 2^z - 1 - r.
    conn = sqlite3.connect(tmp_path / "t.mbtiles")
    conn.execute("INSERT INTO tiles VALUES (14, 13382, 9000, ?)", (_png(2),))
    conn.commit()
    conn.close()
    assert store.get(14, 13382, 2 ** 14 - 1 - 9000) == _png(2)
    assert store.get(14, 13382, 9000) is None
    assert xyz_to_tms_row(14, xyz_to_tms_row(14, 123)) == 123
    store.close()


def test_metadata_is_mbtiles_1_3(tmp_path: Path) -> None:
    store = MBTilesStore(tmp_path / "m.mbtiles")
    for z, x, y in ct.tiles_in_area(BBOX, 12, 13):
        store.put(z, x, y, _png(z))
    store.refresh_extent_metadata()
    meta = store.metadata()
    for key in ("name", "format", "bounds", "minzoom", "maxzoom"):
        assert key in meta, key
    assert meta["format"] == "png" and meta["version"] == "1.3"
    assert (meta["minzoom"], meta["maxzoom"]) == ("12", "13")
    w, s, e, n = (float(v) for v in meta["bounds"].split(","))
    # The stored tiles cover the requested area (tile edges lie outside it).
    assert w <= BBOX[0] and s <= BBOX[1] and e >= BBOX[2] and n >= BBOX[3]
    assert e - w < 0.5 and n - s < 0.5
    store.close()


def test_lru_eviction_under_a_size_cap(tmp_path: Path) -> None:
    store = MBTilesStore(tmp_path / "lru.mbtiles")
    for i in range(10):
        store.put(10, i, 0, _png(i))
        time.sleep(0.002)
    assert store.total_bytes() == 10 * len(_png(0))
    time.sleep(0.01)
    store.get(10, 0, 0)  # used lately: survives
    store.get(10, 1, 0)
    dropped = store.evict_to(5 * len(_png(0)))
    assert dropped == 5
    assert store.has(10, 0, 0) and store.has(10, 1, 0)
    assert not store.has(10, 2, 0) and not store.has(10, 4, 0)
    assert store.count() == 5
    store.close()


def test_import_of_an_existing_mbtiles(tmp_path: Path) -> None:
    other = MBTilesStore(tmp_path / "other.mbtiles")
    for z, x, y in ct.tiles_in_area(BBOX, 11, 12):
        other.put(z, x, y, _png(x))
    n = other.count()
    other.close()
    store = MBTilesStore(tmp_path / "cache.mbtiles")
    store.put(11, 0, 0, _png(0))
    assert store.import_from(tmp_path / "other.mbtiles") == n
    assert store.count() == n + 1
    assert store.import_from(tmp_path / "other.mbtiles") == 0  # idempotent
    bad = tmp_path / "bad.mbtiles"
    bad.write_bytes(b"not a database at all" * 100)
    with pytest.raises(TileStoreError) as err:
        store.import_from(bad)
    assert "MBTiles" in str(err.value)
    store.close()


def test_sources_xyz_wmts_and_gcj02() -> None:
    xyz = ct.TileSource("http://h/t/{z}/{x}/{y}.png")
    assert xyz.url_for(12, 3, 4) == "http://h/t/12/3/4.png"
    tms = ct.TileSource("http://h/t/{z}/{x}/{-y}.png")
    assert tms.url_for(2, 1, 0) == "http://h/t/2/1/3.png"
    rest = ct.TileSource("http://h/wmts/{TileMatrixSet}/{TileMatrix}/{TileRow}/{TileCol}.png", kind="wmts")
    assert rest.url_for(12, 3, 4) == "http://h/wmts/GoogleMapsCompatible/12/4/3.png"
    kvp = ct.TileSource("http://h/wmts?SERVICE=WMTS&REQUEST=GetTile&LAYER=base", kind="wmts")
    assert kvp.url_for(12, 3, 4).endswith("&TILEMATRIX=12&TILEROW=4&TILECOL=3")
    with pytest.raises(ct.TileSourceError):
        ct.TileSource("ftp://h/{z}/{x}/{y}")
    with pytest.raises(ct.TileSourceError):
        ct.TileSource("http://h/tiles.png")
    assert ct.parse_header("Authorization: Bearer abc") == ("Authorization", "Bearer abc")
    # GCJ-02: a few hundred metres of shift in Shenzhen, none abroad, and it inverts.
    lon, lat = ct.wgs84_to_gcj02(114.35, 22.73)
    assert 0.003 < lon - 114.35 < 0.007 and -0.004 < lat - 22.73 < 0.0
    back = ct.gcj02_to_wgs84(lon, lat)
    assert abs(back[0] - 114.35) < 1e-6 and abs(back[1] - 22.73) < 1e-6
    assert ct.wgs84_to_gcj02(2.35, 48.85) == (2.35, 48.85)
    doc = {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [114.35, 22.73]}}
    assert ct.transform_geojson(doc, ct.wgs84_to_gcj02)["geometry"]["coordinates"] == [lon, lat]
    with pytest.raises(ct.TileSourceError):
        ct.parse_bbox("114.4,22.7,114.3,22.8")
    assert ct.parse_zoom("12-16") == (12, 16)


def test_estimate(tmp_path: Path) -> None:
    store = MBTilesStore(tmp_path / "e.mbtiles")
    total = ct.count_tiles(BBOX, 12, 16)
    assert total == sum(1 for _ in ct.tiles_in_area(BBOX, 12, 16))
    est = ct.estimate_area(store, BBOX, 12, 16)
    assert est.tiles == total and est.cached == 0 and est.bytes == total * ct.DEFAULT_TILE_BYTES
    z, x, y = next(iter(ct.tiles_in_area(BBOX, 12, 12)))
    store.put(z, x, y, b"\x89PNG" + b"x" * 996)
    est = ct.estimate_area(store, BBOX, 12, 16)
    assert est.cached == 1 and est.bytes_per_tile == 1000
    assert "需下载" in est.describe()
    store.close()


def test_prefetch_cancel_then_resume(feed: object, tmp_path: Path) -> None:
    source = ct.TileSource(feed.url + "/tiles/{z}/{x}/{y}.png")  # type: ignore[attr-defined]
    store = MBTilesStore(tmp_path / "area.mbtiles")
    total = ct.count_tiles(BBOX, 11, 14)
    cancel = ct.PrefetchCancel()
    seen: list[int] = []

    def progress(p: ct.PrefetchProgress) -> None:
        seen.append(p.done)
        if p.fetched >= 20:
            cancel.set()

    first = asyncio.run(ct.prefetch(store, source, BBOX, 11, 14, progress=progress, cancel=cancel,
                                    concurrency=2, batch=4))
    assert first.cancelled and not first.finished
    kept = store.count()
    assert 20 <= kept < total
    assert seen == sorted(seen), "progress only moves forward"
    second = asyncio.run(ct.prefetch(store, source, BBOX, 11, 14))
    assert second.finished and second.failed == 0
    assert second.skipped == kept, "the resumed run skips what the first one saved"
    assert second.fetched == total - kept
    assert store.count() == total
    assert store.metadata()["maxzoom"] == "14"
    store.close()


def test_cli_prefetch_killed_then_resumed_then_info_and_import(feed: object, tmp_path: Path) -> None:
    out = tmp_path / "cli.mbtiles"
    url = feed.url + "/tiles/{z}/{x}/{y}.png"  # type: ignore[attr-defined]
    cmd = [sys.executable, "-m", "console.cli", "tiles", "prefetch", "--source", url,
           "--bbox", ",".join(map(str, BBOX)), "--zoom", "12-16", "--out", str(out), "--concurrency", "1"]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    total = ct.count_tiles(BBOX, 12, 16)
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first_line = proc.stdout.readline()  # type: ignore[union-attr]
        assert first_line.startswith("预计："), first_line
        assert f"共 {total} 块瓦片" in first_line
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if out.exists():
                try:
                    n = sqlite3.connect(out).execute("SELECT COUNT(*) FROM tiles").fetchone()[0]
                except sqlite3.OperationalError:
                    n = 0
                if n >= 60:
                    break
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=10)
    kept = sqlite3.connect(out).execute("SELECT COUNT(*) FROM tiles").fetchone()[0]
    assert 60 <= kept < total, (kept, total)
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr
    assert f"已缓存 {kept}" in done.stdout.splitlines()[0]
    assert f"完成：{out} 共 {total} 块瓦片" in done.stdout
    info = subprocess.run([sys.executable, "-m", "console.cli", "tiles", "info", str(out)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert info.returncode == 0
    assert "format: png" in info.stdout and "minzoom: 12" in info.stdout and "maxzoom: 16" in info.stdout
    assert f"瓦片：{total} 块" in info.stdout
    target = tmp_path / "cache" / "tiles.mbtiles"
    imp = subprocess.run([sys.executable, "-m", "console.cli", "tiles", "import", str(out), "--into", str(target)],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert imp.returncode == 0 and f"已导入 {total} 块瓦片" in imp.stdout
    bad = subprocess.run([sys.executable, "-m", "console.cli", "tiles", "prefetch", "--source", url,
                          "--bbox", "114.4,22.7,114.3", "--zoom", "12-16", "--out", str(out)],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1 and "错误：" in bad.stderr and "Traceback" not in bad.stderr


def test_prepared_areas_are_pinned_against_the_size_cap(tmp_path: Path) -> None:
    store = MBTilesStore(tmp_path / "pin.mbtiles")
    store.put_many([(12, i, 0, _png(i)) for i in range(4)], pinned=True)  # an offline area
    time.sleep(0.002)
    for i in range(4, 10):
        store.put(12, i, 0, _png(i))  # seen while browsing
    store.put(12, 0, 0, _png(0))  # browsing over a pinned tile keeps it pinned
    assert store.pinned_bytes() == 4 * len(_png(0))
    dropped = store.evict_to(0)
    assert dropped == 6
    assert store.count() == 4 and all(store.has(12, i, 0) for i in range(4))
    store.close()

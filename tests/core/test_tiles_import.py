"""Offline map packages as they really come: an MBTiles file from anybody.

Each crafted file has the shape of a real bad package: tiles that are not images,
a ``tiles`` view that computes 30,000 random tiles from an 8 KB file (and one that
never ends), rows outside the tile grid, a vector package, a package over the caps,
a package still being written.  A good package comes in both standard layouts (a
``tiles`` table, and the ``map``/``images`` pair with a ``tiles`` view that mbutil
writes).  Nothing may crash, hang, or write beside the package.
"""

from __future__ import annotations

import io
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image

from console.tiles import import_into
from offline_cache.tiles import MAX_TILE_BYTES, MBTilesStore, TileStoreError, tile_image_kind

ROOT = Path(__file__).resolve().parents[2]


def _image(fmt: str, colour: tuple[int, int, int] = (40, 90, 140)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (256, 256), colour).save(buf, fmt)
    return buf.getvalue()


PNG, JPEG, WEBP = _image("PNG"), _image("JPEG"), _image("WEBP")


def _package(path: Path, rows: list[tuple[object, object, object, object]], *, fmt: str | None = "png") -> Path:
    """An MBTiles file the way other tools write it: a ``tiles`` table, TMS rows."""
    conn = sqlite3.connect(path)
    conn.executescript("CREATE TABLE metadata (name TEXT, value TEXT);"
                       "CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB);")
    if fmt is not None:
        conn.executemany("INSERT INTO metadata VALUES (?, ?)", [("name", "外来底图"), ("format", fmt)])
    conn.executemany("INSERT INTO tiles VALUES (?, ?, ?, ?)", rows)
    conn.commit()
    conn.close()
    return path


def _listing(folder: Path) -> list[str]:
    return sorted(os.listdir(folder))


def test_tile_formats_are_told_by_their_bytes() -> None:
    assert tile_image_kind(PNG) == "png" and tile_image_kind(JPEG) == "jpg" and tile_image_kind(WEBP) == "webp"
    for junk in (b"\xff\xff\xff\xff", b"", b"RIFF\x00\x00\x00\x00WAVE", b"\x1f\x8b\x08\x00gzip-pbf", b"<html>"):
        assert tile_image_kind(junk) is None


def test_a_package_of_ff_bytes_is_refused_and_nothing_is_pinned(tmp_path: Path) -> None:
    bad = _package(tmp_path / "ff.mbtiles", [(14, x, 9000, b"\xff\xff\xff\xff") for x in range(13300, 13340)])
    store = MBTilesStore(tmp_path / "cache.mbtiles")
    with pytest.raises(TileStoreError) as err:
        store.import_package(bad)
    assert "没有可用的瓦片" in str(err.value) and "40 块全部跳过" in str(err.value) and "非图片" in str(err.value)
    assert store.count() == 0 and store.pinned_bytes() == 0
    store.close()


def test_mixed_package_imports_the_images_and_counts_what_it_skipped(tmp_path: Path) -> None:
    n = 1 << 14
    rows: list[tuple[object, object, object, object]] = [
        (14, 13350, 9100, PNG), (14, 13351, 9100, JPEG), (14, 13352, 9100, WEBP),   # good
        (14, 13353, 9100, b"\xff\xff\xff\xff"), (14, 13354, 9100, "text, not a blob"),  # not images
        (14, n + 5, 9100, PNG), (14, 13355, -1, PNG), (23, 0, 0, PNG), (-1, 0, 0, PNG),  # off the grid
        ("z14", 13356, 9100, PNG), (14, 13357.5, 9100, PNG), (None, 1, 1, PNG),
        (14, 13358, 9100, b"\x89PNG\r\n\x1a\n" + bytes(MAX_TILE_BYTES)),  # bigger than any tile
    ]
    pkg = _package(tmp_path / "mixed.mbtiles", rows)
    store = MBTilesStore(tmp_path / "cache.mbtiles")
    report = store.import_package(pkg)
    assert (report.rows, report.added) == (len(rows), 3)
    assert (report.skipped_not_image, report.skipped_out_of_range, report.skipped_too_big) == (2, 7, 1)
    text = report.describe()
    assert text.startswith("已导入 3 块瓦片") and "跳过 10 块" in text and "坐标越界 7 块" in text
    assert store.pinned_bytes() == len(PNG) + len(JPEG) + len(WEBP)
    # The extent comes from real tiles only: no 479° bounds.
    w, s, e, nth = (float(v) for v in store.metadata()["bounds"].split(","))
    assert -180 <= w < e <= 180 and -85.06 <= s < nth <= 85.06 and e - w < 0.1
    store.close()


def test_a_tiles_view_is_never_run(tmp_path: Path) -> None:
    # 8 KB on disk, 30,000 random "tiles" (309 MB) when the view is read.
    finite = tmp_path / "view.mbtiles"
    conn = sqlite3.connect(finite)
    conn.executescript("""
        CREATE TABLE metadata (name TEXT, value TEXT);
        INSERT INTO metadata VALUES ('name', 'x'), ('format', 'png');
        CREATE VIEW tiles AS WITH RECURSIVE r(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM r LIMIT 30000)
            SELECT 14 AS zoom_level, 13000 + i % 100 AS tile_column, 9000 + i / 100 AS tile_row,
                   randomblob(10800) AS tile_data FROM r;""")
    conn.close()
    endless = tmp_path / "endless.mbtiles"
    conn = sqlite3.connect(endless)
    conn.executescript("""
        CREATE TABLE metadata (name TEXT, value TEXT);
        CREATE VIEW tiles AS WITH RECURSIVE r(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM r)
            SELECT 1 AS zoom_level, 0 AS tile_column, 0 AS tile_row, zeroblob(10) AS tile_data FROM r;""")
    conn.close()
    assert finite.stat().st_size < 16_384
    store = MBTilesStore(tmp_path / "cache.mbtiles")
    for pkg in (finite, endless):
        t0 = time.monotonic()
        with pytest.raises(TileStoreError) as err:
            store.import_package(pkg)
        assert "视图" in str(err.value) and time.monotonic() - t0 < 2.0
        with pytest.raises(TileStoreError):  # ``tiles info`` does not run it either
            MBTilesStore(pkg, read_only=True)
    assert store.count() == 0
    store.close()


def test_a_crafted_file_cannot_hold_the_import_for_ever(tmp_path: Path) -> None:
    pkg = _package(tmp_path / "slow.mbtiles", [(14, 13000 + i, 9000, PNG) for i in range(20_000)])
    store = MBTilesStore(tmp_path / "cache.mbtiles")
    with pytest.raises(TileStoreError) as err:
        store.import_package(pkg, deadline_s=0.0)
    assert "超时" in str(err.value)
    assert store.count() == 0  # one transaction: nothing half-imported
    store.close()


def test_the_standard_map_images_layout_imports(tmp_path: Path) -> None:
    # The de-duplicating layout mbutil and TileMill write: a tiles view over map + images.
    pkg = tmp_path / "mbutil.mbtiles"
    conn = sqlite3.connect(pkg)
    conn.executescript("""
        CREATE TABLE metadata (name TEXT, value TEXT);
        CREATE TABLE map (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_id TEXT, grid_id TEXT);
        CREATE TABLE images (tile_data BLOB, tile_id TEXT);
        CREATE VIEW tiles AS SELECT map.zoom_level AS zoom_level, map.tile_column AS tile_column,
            map.tile_row AS tile_row, images.tile_data AS tile_data
            FROM map JOIN images ON images.tile_id = map.tile_id;
        INSERT INTO metadata VALUES ('name', 'mbutil'), ('format', 'jpg');""")
    conn.executemany("INSERT INTO images VALUES (?, ?)", [(JPEG, "sea"), (b"\xff\xff\xff\xff", "junk")])
    conn.executemany("INSERT INTO map VALUES (?, ?, ?, ?, NULL)",
                     [(12, 3340 + i, 1790, "sea") for i in range(5)] + [(12, 3350, 1790, "junk")])
    conn.commit()
    conn.close()
    store = MBTilesStore(tmp_path / "cache.mbtiles")
    report = store.import_package(pkg)
    assert report.added == 5 and report.skipped_not_image == 1
    assert store.get(12, 3340, (1 << 12) - 1 - 1790) == JPEG  # TMS row 1790 drawn at XYZ y
    info = MBTilesStore(pkg, read_only=True).info()
    assert info.tiles == 6
    store.close()


def test_vector_packages_are_refused_clearly(tmp_path: Path) -> None:
    pkg = _package(tmp_path / "vector.mbtiles", [(14, 13350, 9100, b"\x1f\x8b\x08\x00pbf")], fmt="pbf")
    store = MBTilesStore(tmp_path / "cache.mbtiles")
    with pytest.raises(TileStoreError) as err:
        store.import_package(pkg)
    assert "矢量瓦片" in str(err.value) and "PNG/JPEG/WebP" in str(err.value)
    store.close()


def test_packages_over_the_caps_are_refused_before_anything_is_copied(tmp_path: Path) -> None:
    pkg = _package(tmp_path / "big.mbtiles", [(14, 13000 + i, 9000, PNG) for i in range(20)])
    store = MBTilesStore(tmp_path / "cache.mbtiles")
    with pytest.raises(TileStoreError) as err:
        store.import_package(pkg, max_tiles=10)
    assert "过大" in str(err.value) and "20 块瓦片" in str(err.value) and "上限 10 块" in str(err.value)
    with pytest.raises(TileStoreError) as err:
        store.import_package(pkg, max_bytes=len(PNG) * 5)
    assert "过大" in str(err.value) and "MB" in str(err.value)
    assert store.count() == 0
    assert store.import_package(pkg).added == 20
    store.close()


def test_the_package_folder_is_left_as_it_was(tmp_path: Path) -> None:
    folder = tmp_path / "usb"
    folder.mkdir()
    pkg = _package(folder / "pingshan.mbtiles", [(13, 6700 + i, 4500, PNG) for i in range(10)])
    before = _listing(folder)
    stat = pkg.stat()
    folder.chmod(0o555)  # a stick mounted read-only
    try:
        report = import_into(tmp_path / "cache" / "tiles.mbtiles", pkg)
        with pytest.raises(TileStoreError):
            import_into(tmp_path / "cache" / "tiles.mbtiles", folder / "no-such.mbtiles")
    finally:
        folder.chmod(0o755)
    assert report.added == 10 and report.total == 10
    assert _listing(folder) == before
    assert (pkg.stat().st_mtime_ns, pkg.stat().st_size) == (stat.st_mtime_ns, stat.st_size)


def test_a_package_left_by_a_killed_writer_is_read_with_its_log(tmp_path: Path) -> None:
    # A prefetch killed mid-way leaves tiles only its -wal holds.
    pkg = tmp_path / "killed.mbtiles"
    code = (f"import os, sqlite3; c = sqlite3.connect({str(pkg)!r}); c.execute('PRAGMA journal_mode=WAL');"
            "c.executescript('CREATE TABLE metadata (name TEXT, value TEXT);"
            "CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB);');"
            f"c.executemany('INSERT INTO tiles VALUES (?, ?, ?, ?)', [(13, 6700 + i, 4500, {PNG!r}) for i in range(7)]);"
            "c.commit(); os._exit(0)")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
    assert Path(f"{pkg}-wal").stat().st_size > 0
    report = import_into(tmp_path / "cache.mbtiles", pkg)
    assert report.added == 7


def test_cli_import_says_what_it_skipped(tmp_path: Path) -> None:
    pkg = _package(tmp_path / "mixed.mbtiles", [(14, 13350, 9100, PNG), (14, 13351, 9100, b"\xff\xff\xff\xff")])
    bad = _package(tmp_path / "ff.mbtiles", [(14, 13350, 9100, b"\xff\xff\xff\xff")])
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    target = tmp_path / "cache" / "tiles.mbtiles"
    ok = subprocess.run([sys.executable, "-m", "console.cli", "tiles", "import", str(pkg), "--into", str(target)],
                        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0 and "已导入 1 块瓦片" in ok.stdout and "跳过 1 块" in ok.stdout, ok.stderr
    refused = subprocess.run([sys.executable, "-m", "console.cli", "tiles", "import", str(bad), "--into", str(target)],
                             cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert refused.returncode == 1 and "没有可用的瓦片" in refused.stderr and "Traceback" not in refused.stderr

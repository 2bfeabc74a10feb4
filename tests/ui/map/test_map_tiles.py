"""The map's base tiles through pstile://: fetched from the feed and cached, then served
from the MBTiles cache after the feed is stopped, with "离线地图" shown."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QTWEBENGINE_CHROMIUM_FLAGS", "--no-sandbox --disable-gpu")

from PySide6.QtWebEngineWidgets import QWebEngineView  # noqa: E402,F401  (before QApplication)

from tests.support.mapsupport import _Core, _district_layers, _make_panel, run_js  # noqa: E402,F401

from console.tiles import TileService, TileSource  # noqa: E402
from offline_cache.tiles import MBTilesStore  # noqa: E402

SHOTS_ENV = "MAP_SHOTS"
"""Set to a folder to keep the test's screenshots (otherwise they go to the test's tmp dir)."""


def _core_with_tiles(cache: Path, url: str) -> _Core:
    core = _Core(_district_layers())
    core.tiles = TileService(MBTilesStore(cache), TileSource(url + "/tiles/{z}/{x}/{y}.png"))  # type: ignore[attr-defined]
    return core


def test_tiles_are_fetched_cached_and_served_from_the_cache_after_the_feed_stops(
        qtbot: Any, feed: Any, tmp_path: Path) -> None:
    cache = tmp_path / "tiles.mbtiles"
    core = _core_with_tiles(cache, feed.url)
    panel, _n = _make_panel(qtbot, core)
    assert run_js(qtbot, panel, "consoleMap.hasBaseTiles()") is True
    qtbot.waitUntil(lambda: run_js(qtbot, panel, "consoleMap.tileStats().loaded") >= 4, timeout=20000)
    qtbot.waitUntil(lambda: core.tiles.store.count() >= 4, timeout=5000)
    assert core.tiles.fetched >= 4 and core.tiles.online is True
    assert run_js(qtbot, panel, "consoleMap.modeText()") == ""
    assert not panel.offline_map
    qtbot.waitUntil(lambda: run_js(qtbot, panel, "consoleMap.tilesIdle()") is True, timeout=20000)
    panel.close()
    qtbot.wait(200)

    feed.stop()
    qtbot.wait(300)  # fetches in flight when the feed went away have ended
    cached = core.tiles.store.count()

    # A new window on the same cache: every tile comes from MBTiles, nothing from the network.
    core2 = _Core(_district_layers())
    core2.tiles = TileService(MBTilesStore(cache), TileSource(feed.url + "/tiles/{z}/{x}/{y}.png"))  # type: ignore[attr-defined]
    panel2, _n2 = _make_panel(qtbot, core2)
    qtbot.waitUntil(lambda: run_js(qtbot, panel2, "consoleMap.tileStats().loaded") >= 4, timeout=20000)
    assert core2.tiles.hits >= 4
    assert core2.tiles.fetched == 0
    # Zoom into squares never cached: fetching fails, the map says it is offline and keeps drawing.
    run_js(qtbot, panel2, "(consoleMap.map().setView([22.70, 114.40], 17), true)")
    qtbot.waitUntil(lambda: core2.tiles.online is False, timeout=15000)
    qtbot.waitUntil(lambda: run_js(qtbot, panel2, "consoleMap.modeText()") == "离线地图", timeout=5000)
    assert panel2.offline_map
    assert core2.tiles.store.count() == cached  # nothing lost, nothing added
    run_js(qtbot, panel2, "(consoleMap.showDistrict(), true)")
    qtbot.wait(500)
    assert run_js(qtbot, panel2, "window.consoleMapErrors.length") == 0
    shots = Path(os.environ.get(SHOTS_ENV) or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    panel2.grab().save(str(shots / "offline-map.png"))


def test_connection_loss_alone_marks_the_map_offline(qtbot: Any, tmp_path: Path) -> None:
    core = _Core(_district_layers())
    # No source reachable at all (discard port): cached-only from the start.
    core.tiles = TileService(MBTilesStore(tmp_path / "t.mbtiles"), TileSource("http://127.0.0.1:9/{z}/{x}/{y}.png"))  # type: ignore[attr-defined]
    panel, notifier = _make_panel(qtbot, core)
    core.picture.set_connection(state="offline")
    qtbot.waitUntil(lambda: run_js(qtbot, panel, "consoleMap.modeText()") == "离线地图", timeout=5000)
    assert panel.offline_map


def test_an_mbtiles_package_imported_from_the_menu_draws_offline(qtbot: Any, tmp_path: Path) -> None:
    from console.tiles import tiles_in_area
    from simulator.tiles import render_tile

    package = MBTilesStore(tmp_path / "package.mbtiles")
    for z, x, y in tiles_in_area((114.26, 22.62, 114.445, 22.79), 11, 13):  # the district outline
        package.put(z, x, y, render_tile(z, x, y))
    n = package.count()
    package.close()
    core = _Core(_district_layers())
    core.tiles = TileService(MBTilesStore(tmp_path / "cache.mbtiles"),  # type: ignore[attr-defined]
                             TileSource("http://127.0.0.1:9/tiles/{z}/{x}/{y}.png"))
    panel, _n = _make_panel(qtbot, core)
    # A fractional zoom (fitting the district gives one): the refresh after the import must
    # still ask for whole-zoom tiles (Leaflet's own redraw would ask for z = 12.25).
    run_js(qtbot, panel, "(consoleMap.map().setView([22.70, 114.35], 12.25), true)")
    with qtbot.waitSignal(panel.tiles_imported, timeout=20000) as blocker:
        panel.import_mbtiles(str(tmp_path / "package.mbtiles"))
    assert blocker.args[0] == n
    assert "已导入" in panel.status_text()
    qtbot.waitUntil(lambda: run_js(qtbot, panel, "consoleMap.tileStats().loaded") >= 4, timeout=15000)
    assert run_js(qtbot, panel, "Array.from(document.querySelectorAll('img.leaflet-tile'))"
                                ".every(function (i) { return /\\/12\\/\\d+\\/\\d+\\.png/.test(i.src); })")
    assert core.tiles.store.pinned_bytes() > 0
    # Not an MBTiles file: a Chinese message, nothing lost.
    bad = tmp_path / "bad.mbtiles"
    bad.write_bytes(b"no" * 3000)
    with qtbot.waitSignal(panel.tiles_imported, timeout=20000) as blocker:
        panel.import_mbtiles(str(bad))
    assert blocker.args[0] == -1 and "导入失败" in panel.status_text()
    assert core.tiles.store.count() == n

"""Live overlays and tools on the real map page: selection synced both ways, pulsing
red alerts, cameras (click → signal), devices by kind/grey offline, incident view,
radius rings with nearby things by distance, measurement, jump, layer catalogue and
GeoJSON import."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QTWEBENGINE_CHROMIUM_FLAGS", "--no-sandbox --disable-gpu")

from PySide6.QtWebEngineWidgets import QWebEngineView  # noqa: E402,F401  (before QApplication)

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl  # noqa: E402
from PySide6.QtGui import QDropEvent  # noqa: E402
from tests.support.mapsupport import (  # noqa: E402,F401
    CST,
    _alert,
    _camera,
    _Core,
    _device,
    _district_layers,
    _make_panel,
    _seq,
    run_js,
)


from console.models import Camera  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "data" / "geojson"


def test_selection_is_synced_both_ways(qtbot: Any) -> None:
    core = _Core(_district_layers())
    panel, _n = _make_panel(qtbot, core)
    core.picture.apply(_alert("SEL-1", lon=114.36, lat=22.73))
    core.picture.apply(_alert("SEL-2", level="yellow", lon=114.38, lat=22.75))
    qtbot.waitUntil(lambda: run_js(qtbot, panel, "consoleMap.alertCount()") == 2, timeout=2000)
    # Queue → map: the selected alert is ringed (and centred).
    panel.focus_alert("SEL-2")
    qtbot.waitUntil(lambda: run_js(qtbot, panel, "consoleMap.selectedId()") == "SEL-2", timeout=2000)
    panel.select_alert("SEL-1")
    qtbot.waitUntil(lambda: run_js(qtbot, panel, "consoleMap.selectedId()") == "SEL-1", timeout=2000)
    # Map → queue: a click selects on the map and tells the queue.
    with qtbot.waitSignal(panel.alert_selected, timeout=3000) as blocker:
        run_js(qtbot, panel, "consoleMap.clickAlert('SEL-2')")
    assert blocker.args == ["SEL-2"]
    assert panel.selected_alert == "SEL-2"
    assert run_js(qtbot, panel, "consoleMap.selectedId()") == "SEL-2"


def test_selection_sync_with_the_alert_queue_in_the_main_window(qtbot: Any, console_loop: Any,
                                                                 offline_console: Any) -> None:
    from widgets.shell.main_window import MainWindow

    core = offline_console.core
    core.picture.apply(_alert("Q-1", lon=114.36, lat=22.73))
    core.picture.apply(_alert("Q-2", level="orange", lon=114.38, lat=22.75))
    window = MainWindow(core, offline_console.notifier)
    qtbot.addWidget(window)
    window.show()
    panel = window.map_panel
    qtbot.waitUntil(lambda: panel.is_ready, timeout=20000)
    qtbot.waitUntil(lambda: run_js(qtbot, panel, "consoleMap.alertCount()") == 2, timeout=5000)
    window.alert_queue.select_alert("Q-2")
    qtbot.waitUntil(lambda: run_js(qtbot, panel, "consoleMap.selectedId()") == "Q-2", timeout=5000)
    run_js(qtbot, panel, "consoleMap.clickAlert('Q-1')")
    qtbot.waitUntil(lambda: window.alert_queue.selected_alert_id() == "Q-1", timeout=5000)
    # A camera clicked on the map goes onto the video wall's first tile.
    core.picture.apply(_camera("44030000001320000077"))
    qtbot.waitUntil(lambda: run_js(qtbot, panel, "consoleMap.cameraCount()") >= 1, timeout=5000)
    run_js(qtbot, panel, "consoleMap.clickCamera('44030000001320000077')")
    wall = window.video_wall
    qtbot.waitUntil(lambda: wall.tiles[0].camera_id == "44030000001320000077", timeout=5000)
    # The 地图 menu offers the map's tools.
    menus = [a.text() for a in window._menu_bar.actions()]
    assert "地图(&M)" in menus
    window.close()


def test_red_unacknowledged_alerts_pulse_until_acknowledged(qtbot: Any) -> None:
    core = _Core(_district_layers())
    panel, _n = _make_panel(qtbot, core)
    core.picture.apply(_alert("P-1", level="red", status="new"))
    core.picture.apply(_alert("P-2", level="orange", status="new", lon=114.37))
    qtbot.waitUntil(lambda: run_js(qtbot, panel, "consoleMap.pulsingIds()") == ["P-1"], timeout=2000)
    core.picture.apply(_alert("P-1", level="red", status="acknowledged", rev=2))
    qtbot.waitUntil(lambda: run_js(qtbot, panel, "consoleMap.pulsingIds()") == [], timeout=2000)
    assert run_js(qtbot, panel, "consoleMap.alertCount()") == 2


def test_cameras_click_and_devices_by_state(qtbot: Any) -> None:
    core = _Core(_district_layers())
    core.picture.apply(_camera("44030000001320000001"))
    core.picture.apply(_camera("44030000001320000002", status="offline", lon=114.37))
    core.picture.apply(_device("DV-1"))
    core.picture.apply(_device("DV-2", status="offline"))
    panel, _n = _make_panel(qtbot, core)
    qtbot.waitUntil(lambda: run_js(qtbot, panel, "consoleMap.cameraCount()") == 2, timeout=3000)
    with qtbot.waitSignal(panel.camera_selected, timeout=3000) as blocker:
        run_js(qtbot, panel, "consoleMap.clickCamera('44030000001320000001')")
    assert blocker.args == ["44030000001320000001"]
    panel.set_devices_visible(True)
    qtbot.waitUntil(lambda: run_js(qtbot, panel, "consoleMap.deviceCount()") == 2, timeout=3000)
    # Online: the kind's colour; offline: grey.
    assert run_js(qtbot, panel, "consoleMap.deviceColour('DV-1')") == "#4fc3f7"
    assert run_js(qtbot, panel, "consoleMap.deviceColour('DV-2')") == "#5f6b73"


def test_incident_view_rings_and_nearby_by_distance(qtbot: Any) -> None:
    core = _Core(_district_layers())
    core.picture.apply(_camera("44030000001320000009", lon=114.3525, lat=22.7125))
    panel, _n = _make_panel(qtbot, core)
    panel.show_incident(114.352, 22.712, 800, "坪山河漫堤")
    qtbot.waitUntil(lambda: run_js(qtbot, panel, "consoleMap.incidentShown()") is True, timeout=2000)
    items = panel.nearby_items
    assert items, "resources and the camera near the river are listed"
    assert [round(t.distance_m) for t in items] == sorted(round(t.distance_m) for t in items)
    assert items[0].name == "区综合应急救援大队驻地"  # it sits at the incident's point
    assert any(t.kind == "camera" for t in items)
    assert all(t.distance_m <= 3000 for t in items)
    panel.clear_incident()
    qtbot.waitUntil(lambda: run_js(qtbot, panel, "consoleMap.incidentShown()") is False, timeout=2000)
    # Radius rings around a point: three rings, the list sorted by distance.
    listed = panel.show_rings(114.36, 22.725, "测试点")
    qtbot.waitUntil(lambda: run_js(qtbot, panel, "consoleMap.ringCount()") == 3, timeout=2000)
    assert [t.distance_m for t in listed] == sorted(t.distance_m for t in listed)
    panel.clear_tools()
    qtbot.waitUntil(lambda: run_js(qtbot, panel, "consoleMap.ringCount()") == 0, timeout=2000)


def test_measure_and_jump(qtbot: Any) -> None:
    core = _Core(_district_layers())
    panel, _n = _make_panel(qtbot, core)
    panel.set_measuring(True)
    qtbot.waitUntil(lambda: run_js(qtbot, panel, "consoleMap.map().getContainer().style.cursor") == "crosshair",
                    timeout=2000)
    run_js(qtbot, panel, "(function () { var m = consoleMap.map();"
                         " m.fire('click', {latlng: L.latLng(22.72, 114.35)});"
                         " m.fire('click', {latlng: L.latLng(22.72, 114.36)}); return true; })()")
    total = run_js(qtbot, panel, "consoleMap.measureTotal()")
    assert 1020 < total < 1030  # 0.01° of longitude at 22.72° N
    qtbot.waitUntil(lambda: "测距" in panel.status_text(), timeout=2000)
    panel.clear_tools()
    assert panel.jump_to("kengzi") is True
    def centred() -> bool:
        c = run_js(qtbot, panel, "[consoleMap.map().getCenter().lat, consoleMap.map().getCenter().lng]")
        return abs(c[0] - 22.76) < 0.03 and abs(c[1] - 114.38) < 0.04
    qtbot.waitUntil(centred, timeout=2000)
    assert panel.jump_to("nowhere") is False


def test_layer_catalogue_toggle_opacity_search_and_import(qtbot: Any) -> None:
    from console.models import LayerInfo
    from simulator.geo import layers

    core = _Core(_district_layers())
    core.layer_infos = {lid: LayerInfo(id=lid, **info) for lid, (info, _doc) in layers().items()}  # type: ignore[attr-defined]
    panel, _n = _make_panel(qtbot, core)
    catalogue = panel.layer_panel
    qtbot.waitUntil(lambda: set(catalogue.layer_ids()) == set(core.layers), timeout=5000)
    catalogue.search("河")
    assert catalogue.visible_layer_ids() == ["rivers"]
    catalogue.search("")
    catalogue.set_layer_visible("roads", False)
    qtbot.waitUntil(lambda: run_js(qtbot, panel, "consoleMap.layerVisible('roads')") is False, timeout=2000)
    catalogue.set_layer_opacity("communities", 0.4)
    qtbot.waitUntil(lambda: run_js(qtbot, panel, "consoleMap.layerOpacity('communities')") == 0.4, timeout=2000)
    catalogue.set_layer_visible("roads", True)
    qtbot.waitUntil(lambda: run_js(qtbot, panel, "consoleMap.layerVisible('roads')") is True, timeout=2000)

    # A file with errors: listed per feature, nothing drawn.
    assert catalogue.import_file(str(DATA / "flood_zones_with_errors.geojson")) is False
    lines = catalogue.error_lines()
    assert len(lines) == 6 and lines[0].startswith("要素 #2（id=open-ring）")
    assert not any(i.startswith("imported-") for i in catalogue.layer_ids())
    # A good file dropped on the panel: drawn.
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(DATA / "flood_zones.geojson"))])
    drop = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton,
                      Qt.KeyboardModifier.NoModifier)
    catalogue.dropEvent(drop)  # what Qt calls when a file is dropped on the pane
    qtbot.waitUntil(lambda: run_js(qtbot, panel, "consoleMap.featureCount('imported-1')") == 4, timeout=3000)
    assert "imported-1" in catalogue.layer_ids()
    assert run_js(qtbot, panel, "window.consoleMapErrors.length") == 0


def test_gcj02_source_shifts_overlays_not_tiles(qtbot: Any, tmp_path: Path) -> None:
    from console.tiles import TileService, TileSource, wgs84_to_gcj02
    from offline_cache.tiles import MBTilesStore

    core = _Core(_district_layers())
    core.tiles = TileService(MBTilesStore(tmp_path / "g.mbtiles"),  # type: ignore[attr-defined]
                             TileSource("http://127.0.0.1:9/{z}/{x}/{y}.png", gcj02=True))
    core.picture.apply(_alert("G-1", lon=114.35, lat=22.72))
    panel, _n = _make_panel(qtbot, core)
    qtbot.waitUntil(lambda: run_js(qtbot, panel, "consoleMap.alertCount()") == 1, timeout=3000)
    lat, lon = run_js(qtbot, panel, "consoleMap.alertLatLng('G-1')")
    glon, glat = wgs84_to_gcj02(114.35, 22.72)
    assert abs(lon - glon) < 1e-9 and abs(lat - glat) < 1e-9
    assert abs(lon - 114.35) > 0.003  # really shifted (~500 m here)
    # Nearby distances are still computed in WGS84 (the stores' datum).
    items = panel.show_rings(114.352, 22.712)
    assert items and items[0].name == "区综合应急救援大队驻地" and items[0].distance_m < 1


def test_a_file_dropped_on_the_map_is_imported_and_never_replaces_the_page(qtbot: Any) -> None:
    core = _Core(_district_layers())
    panel, _n = _make_panel(qtbot, core)
    # What Chromium does with a file dropped on the web view: navigate to it.
    panel.view.page().load(QUrl.fromLocalFile(str(DATA / "flood_zones.geojson")))
    qtbot.waitUntil(lambda: "imported-1" in panel.layer_panel.layer_ids(), timeout=5000)
    qtbot.waitUntil(lambda: run_js(qtbot, panel, "consoleMap.featureCount('imported-1')") == 4, timeout=5000)
    assert run_js(qtbot, panel, "window.consoleMapReady === true") is True  # still the map page


def test_many_devices_and_cameras_cluster_at_district_zoom_and_split_up_close(qtbot: Any) -> None:
    """The plan's scale on the map (issue 15): 20,000 devices and 3,000 cameras reach the
    page in chunks, draw as clusters with counts at district zoom (no solid blob), as single
    dots from zoom 15; a click on a cluster zooms in on it."""
    import random

    from PySide6.QtCore import QPoint

    from console.models import CameraStreams, Device, GeoPoint

    rng = random.Random(15)
    core = _Core(_district_layers())
    now = datetime.now(CST)
    devices = [Device(id=f"D-{i:05d}", rev=1, kind="smoke", name=f"烟感 {i}", street="pingshan",
                      location=GeoPoint(lon=rng.uniform(114.30, 114.40), lat=rng.uniform(22.70, 22.76)),
                      status="online" if i % 9 else "offline", metric="smoke_obscuration", unit="%obs/m",
                      updated_at=now) for i in range(20_000)]
    cameras = [Camera(id=f"44031000001320{i:06d}", rev=1, name=f"摄像机 {i}", kind="road", street="pingshan",
                      location=GeoPoint(lon=rng.uniform(114.30, 114.40), lat=rng.uniform(22.70, 22.76)),
                      status="online", updated_at=now,
                      streams=CameraStreams(main="http://127.0.0.1:9/m.ts", sub="http://127.0.0.1:9/s.ts"))
               for i in range(3_000)]
    core.picture.devices.replace_all(devices)
    core.picture.cameras.replace_all(cameras)
    core.picture.drain_changes()
    panel, _n = _make_panel(qtbot, core)
    qtbot.waitUntil(lambda: run_js(qtbot, panel, "[consoleMap.deviceCount(), consoleMap.cameraCount()]")
                    == [20_000, 3_000], timeout=20000)
    run_js(qtbot, panel, "(consoleMap.showDistrict(), true)")
    panel.set_devices_visible(True)
    qtbot.waitUntil(lambda: run_js(qtbot, panel, "consoleMap.devicesSettled()") is True, timeout=10000)
    cams = run_js(qtbot, panel, "consoleMap.pointsDrawn('cameras')")
    devs = run_js(qtbot, panel, "consoleMap.pointsDrawn('devices')")
    # Clustered: far fewer marks than points, each cluster a count, every point in one mark.
    assert 0 < cams["clusters"] < 300 and cams["clustered"] + cams["points"] == 3_000
    assert 0 < devs["clusters"] < 300 and devs["clustered"] + devs["points"] == 20_000
    assert devs["largest"] > 100
    # Hovering a cluster says what it holds; a click on it zooms in on it.
    zoom = run_js(qtbot, panel, "consoleMap.map().getZoom()")
    x, y = cams["at"] if cams["at"] else devs["at"]
    qtbot.mouseMove(panel.view.focusProxy(), QPoint(x, y))
    qtbot.waitUntil(lambda: "视频监控" in (run_js(qtbot, panel, "(document.querySelector('.leaflet-tooltip') || "
                                                          "{textContent: ''}).textContent") or ""), timeout=5000)
    qtbot.mouseClick(panel.view.focusProxy(), Qt.MouseButton.LeftButton, pos=QPoint(x, y))
    qtbot.waitUntil(lambda: run_js(qtbot, panel, "consoleMap.map().getZoom()") > zoom, timeout=5000)
    # Up close: single dots only, just the ones in view.
    run_js(qtbot, panel, "(consoleMap.map().setView([22.73, 114.35], 16), true)")
    qtbot.waitUntil(lambda: run_js(qtbot, panel, "consoleMap.devicesSettled()") is True, timeout=10000)
    qtbot.waitUntil(lambda: run_js(qtbot, panel, "consoleMap.pointsDrawn('devices').clusters") == 0, timeout=5000)
    close = run_js(qtbot, panel, "consoleMap.pointsDrawn('devices')")
    assert 0 < close["points"] < 20_000
    # A device that changes state is redrawn in its new colour.
    offline = devices[1].model_copy(update={"rev": 2, "status": "offline"})
    core.picture.devices.apply(offline)
    qtbot.waitUntil(lambda: run_js(qtbot, panel, "consoleMap.deviceColour('D-00001')") == "#5f6b73", timeout=5000)

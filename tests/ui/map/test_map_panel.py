"""Map panel: a real QtWebEngine page, no network, live alert markers over QWebChannel."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QTWEBENGINE_CHROMIUM_FLAGS", "--no-sandbox --disable-gpu")

from PySide6.QtWebEngineWidgets import QWebEngineView  # noqa: E402,F401  (before QApplication)
from PySide6.QtWebEngineCore import (  # noqa: E402
    QWebEngineProfile,
    QWebEngineUrlRequestInfo,
    QWebEngineUrlRequestInterceptor,
)

import pytest  # noqa: E402
from PySide6.QtCore import QPoint, Qt  # noqa: E402

from widgets.map import MAP_PAGE_DIR, build_map_html  # noqa: E402
from tests.support.mapsupport import _alert, _Core, _device, _district_layers, _make_panel, run_js  # noqa: E402

class _RequestLog(QWebEngineUrlRequestInterceptor):
    """Records every URL the web engine requests."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def interceptRequest(self, info: QWebEngineUrlRequestInfo) -> None:  # noqa: N802
        self.urls.append(info.requestUrl().toString())


@pytest.fixture
def request_log() -> Any:
    log = _RequestLog()
    profile = QWebEngineProfile.defaultProfile()
    profile.setUrlRequestInterceptor(log)
    yield log
    profile.setUrlRequestInterceptor(None)


def test_generated_html_references_no_remote_assets() -> None:
    html = build_map_html()
    refs = re.findall(r"""<(?:script|link)\b[^>]*?(?:src|href)\s*=\s*["']([^"']+)["']""", html)
    assert refs, "the page must load Leaflet from somewhere"
    remote = [r for r in refs if re.match(r"(?i)^(https?:)?//", r)]
    assert remote == [], f"remote assets in the map page: {remote}"
    assert not re.search(r"(?i)https?://", html), "no http(s) URL at all in the page"
    # Every local asset exists on disk.
    for ref in refs:
        if ref.startswith("file://"):
            from PySide6.QtCore import QUrl

            assert Path(QUrl(ref).toLocalFile()).is_file(), ref
        elif not ref.startswith("qrc:"):
            assert (MAP_PAGE_DIR / ref).is_file(), ref
    assert any(r.endswith("leaflet.js") for r in refs)
    assert any(r.endswith("leaflet.markercluster.js") for r in refs)
    # folium issue 1131: the option must reach L.map.
    assert re.search(r'"preferCanvas":\s*true', html)


def test_page_loads_offline_and_draws_district_layers(qtbot: Any, request_log: _RequestLog) -> None:
    core = _Core(_district_layers())
    panel, _notifier = _make_panel(qtbot, core)
    qtbot.waitUntil(lambda: run_js(qtbot, panel, "consoleMap.featureCount('communities')") == 23,
                    timeout=5000)
    assert run_js(qtbot, panel, "consoleMap.featureCount('streets')") == 6
    assert run_js(qtbot, panel, "consoleMap.labelCount('streets')") == 6
    assert run_js(qtbot, panel, "consoleMap.featureCount('district')") == 1
    assert run_js(qtbot, panel, "consoleMap.featureCount('rivers')") > 0
    assert run_js(qtbot, panel, "consoleMap.layerCount()") == len(core.layers)
    # preferCanvas reached the map, and vectors really draw on a canvas.
    assert run_js(qtbot, panel, "consoleMap.map().options.preferCanvas") is True
    assert run_js(qtbot, panel, "document.querySelectorAll('canvas').length") >= 2
    assert run_js(qtbot, panel, "document.querySelectorAll('.leaflet-pane svg').length") == 0
    assert run_js(qtbot, panel, "window.consoleMapErrors.length") == 0
    assert run_js(qtbot, panel, "consoleMap.statusText()") == f"图层 {len(core.layers)} · 告警 0"
    schemes = {url.split(":", 1)[0] for url in request_log.urls}
    assert request_log.urls, "the interceptor saw the page's requests"
    assert schemes <= {"file", "qrc", "data"}, f"non-local requests: {request_log.urls}"


def test_layers_arriving_after_the_page(qtbot: Any) -> None:
    core = _Core()
    panel, _notifier = _make_panel(qtbot, core)
    assert run_js(qtbot, panel, "consoleMap.layerCount()") == 0
    core.set_layers(_district_layers())
    qtbot.waitUntil(lambda: run_js(qtbot, panel, "consoleMap.featureCount('streets')") == 6,
                    timeout=3000)
    # A layer filled without any callback (plain dict assignment) is found by polling.
    core.layers["extra"] = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name_zh": "临时管控区"},
         "geometry": {"type": "Point", "coordinates": [114.36, 22.72]}}]}
    qtbot.waitUntil(lambda: run_js(qtbot, panel, "consoleMap.featureCount('extra')") == 1,
                    timeout=5000)


def test_alert_upserts_become_markers_within_a_second(qtbot: Any) -> None:
    core = _Core(_district_layers())
    panel, _notifier = _make_panel(qtbot, core)
    reloads: list[bool] = []
    panel.view.loadStarted.connect(lambda: reloads.append(True))

    start = time.monotonic()
    core.picture.apply(_alert("AL-1", level="red"))
    qtbot.waitUntil(lambda: run_js(qtbot, panel, "consoleMap.alertCount()") == 1, timeout=1000)
    assert time.monotonic() - start < 1.0
    assert run_js(qtbot, panel, "consoleMap.alertColour('AL-1')") == "#e53935"

    # A batch: three levels at once, then a level change in place.
    core.picture.apply(_alert("AL-2", level="orange", lon=114.37))
    core.picture.apply(_alert("AL-3", level="yellow", lon=114.38))
    core.picture.apply(_alert("AL-4", level="blue", lon=114.39))
    qtbot.waitUntil(lambda: run_js(qtbot, panel, "consoleMap.alertCount()") == 4, timeout=1000)
    assert run_js(qtbot, panel, "consoleMap.alertColour('AL-4')") == "#1e88e5"
    assert run_js(qtbot, panel, "consoleMap.alertColour('AL-3')") == "#fdd835"
    core.picture.apply(_alert("AL-2", level="red", rev=2, lon=114.37))
    qtbot.waitUntil(lambda: run_js(qtbot, panel, "consoleMap.alertColour('AL-2')") == "#e53935",
                    timeout=1000)

    # Only open alerts are drawn: a resolved one leaves the map.
    core.picture.apply(_alert("AL-1", status="resolved", rev=2))
    qtbot.waitUntil(lambda: run_js(qtbot, panel, "consoleMap.alertCount()") == 3, timeout=1000)
    assert run_js(qtbot, panel, "consoleMap.alertIds()") == ["AL-2", "AL-3", "AL-4"]
    assert run_js(qtbot, panel, "consoleMap.statusText()") == f"图层 {len(core.layers)} · 告警 3"
    assert "告警 3" in panel.status_text()
    assert run_js(qtbot, panel, "window.consoleMapErrors.length") == 0
    assert reloads == [], "data changes must never reload the page"


def test_storm_of_alerts_is_one_batch_and_stays_on_canvas(qtbot: Any) -> None:
    core = _Core(_district_layers())
    panel, _notifier = _make_panel(qtbot, core)
    for i in range(2000):
        core.picture.apply(_alert(f"S-{i}", level=("red", "orange", "yellow", "blue")[i % 4],
                                  lon=114.29 + (i % 50) * 0.002, lat=22.70 + (i // 50) * 0.0015))
    start = time.monotonic()
    qtbot.waitUntil(lambda: run_js(qtbot, panel, "consoleMap.alertCount()") == 2000, timeout=5000)
    elapsed = time.monotonic() - start
    print(f"2000 markers drawn in {elapsed:.2f} s")
    # Canvas markers: no DOM element per alert.
    assert run_js(qtbot, panel, "document.querySelectorAll('.leaflet-marker-icon').length") < 100


def test_marker_click_and_focus(qtbot: Any) -> None:
    core = _Core(_district_layers())
    panel, _notifier = _make_panel(qtbot, core)
    core.picture.apply(_alert("AL-9", lon=114.401, lat=22.751))
    qtbot.waitUntil(lambda: run_js(qtbot, panel, "consoleMap.alertCount()") == 1, timeout=1000)

    # A real mouse click on the marker's pixel, delivered to Chromium's render widget.
    x, y = run_js(qtbot, panel, "(function () { var p = consoleMap.map().latLngToContainerPoint("
                                "[22.751, 114.401]); return [Math.round(p.x), Math.round(p.y)]; })()")
    target = panel.view.focusProxy()
    with qtbot.waitSignal(panel.alert_selected, timeout=3000) as blocker:
        qtbot.mouseClick(target, Qt.MouseButton.LeftButton, pos=QPoint(x, y))
    assert blocker.args == ["AL-9"]
    # Clicking empty map selects nothing.
    with qtbot.assertNotEmitted(panel.alert_selected, wait=300):
        qtbot.mouseClick(target, Qt.MouseButton.LeftButton, pos=QPoint(x + 120, y + 80))

    assert panel.focus_alert("AL-9") is True
    def centred() -> bool:
        c = run_js(qtbot, panel, "[consoleMap.map().getCenter().lat, consoleMap.map().getCenter().lng]")
        return abs(c[0] - 22.751) < 1e-3 and abs(c[1] - 114.401) < 1e-3
    qtbot.waitUntil(centred, timeout=2000)
    assert run_js(qtbot, panel, "consoleMap.map().getZoom()") >= 15
    assert panel.focus_alert("nope") is False


def test_devices_toggle(qtbot: Any) -> None:
    core = _Core(_district_layers())
    core.picture.apply(_device("D-1"))
    core.picture.apply(_device("D-2", status="fault"))
    panel, _notifier = _make_panel(qtbot, core)
    qtbot.waitUntil(lambda: run_js(qtbot, panel, "consoleMap.deviceCount()") == 2, timeout=2000)
    assert run_js(qtbot, panel, "consoleMap.devicesVisible()") is False
    panel.set_devices_visible(True)
    qtbot.waitUntil(lambda: run_js(qtbot, panel, "consoleMap.devicesVisible()") is True, timeout=2000)
    core.picture.apply(_device("D-3", status="offline"))
    qtbot.waitUntil(lambda: run_js(qtbot, panel, "consoleMap.deviceCount()") == 3, timeout=2000)
    panel.set_devices_visible(False)
    qtbot.waitUntil(lambda: run_js(qtbot, panel, "consoleMap.devicesVisible()") is False, timeout=2000)


def test_district_fills_the_panel_until_the_operator_moves_the_map(qtbot: Any) -> None:
    core = _Core(_district_layers())
    panel, _notifier = _make_panel(qtbot, core)
    qtbot.waitUntil(lambda: run_js(qtbot, panel, "consoleMap.featureCount('district')") == 1,
                    timeout=3000)
    small = run_js(qtbot, panel, "consoleMap.map().getZoom()")
    panel.resize(1800, 1200)
    qtbot.waitUntil(lambda: run_js(qtbot, panel, "consoleMap.map().getZoom()") > small, timeout=3000)
    # Once the operator focused somewhere, a resize keeps the view.
    core.picture.apply(_alert("AL-F", lon=114.38, lat=22.74))
    qtbot.waitUntil(lambda: run_js(qtbot, panel, "consoleMap.alertCount()") == 1, timeout=1000)
    panel.focus_alert("AL-F")
    qtbot.waitUntil(lambda: run_js(qtbot, panel, "consoleMap.userMoved()") is True, timeout=2000)
    zoom = run_js(qtbot, panel, "consoleMap.map().getZoom()")
    panel.resize(900, 600)
    qtbot.wait(500)
    assert run_js(qtbot, panel, "consoleMap.map().getZoom()") == zoom
    panel.show_district()
    qtbot.waitUntil(lambda: run_js(qtbot, panel, "consoleMap.map().getZoom()") < zoom, timeout=2000)

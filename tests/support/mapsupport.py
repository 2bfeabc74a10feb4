"""The map panel on a real QtWebEngine page for the map tests (tests/ui/map/): a stand-in
core with a real picture, envelopes to apply, a panel made and waited for, JavaScript
evaluated on the page. ``_delete_panels`` (tests/ui/map/conftest.py) deletes the panels
made here after each test."""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta, timezone
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QTWEBENGINE_CHROMIUM_FLAGS", "--no-sandbox --disable-gpu")

from PySide6.QtWebEngineWidgets import QWebEngineView  # noqa: E402,F401  (before QApplication)

from console.events import Event  # noqa: E402
from console.models import Alert, AlertUpsert, Camera, CameraUpsert, Device, DeviceUpsert, GeoPoint  # noqa: E402
from widgets.bridge import PictureNotifier  # noqa: E402
from console.stores import OperatingPicture  # noqa: E402
from widgets.map import MapPanel  # noqa: E402


CST = timezone(timedelta(hours=8))


_seq = iter(range(1, 10**9))


def _district_layers() -> dict[str, Any]:
    """The demo district's GeoJSON layers, as the feed serves them."""
    from simulator.geo import layers

    return {layer_id: geojson for layer_id, (_info, geojson) in layers().items()}


class _Core:
    """The slice of ConsoleCore the map reads: a real picture, layers and their event."""

    def __init__(self, layers: dict[str, Any] | None = None) -> None:
        self.picture = OperatingPicture()
        self.layers: dict[str, Any] = dict(layers or {})
        self.layer_infos: dict[str, Any] = {}
        self.commands = None
        self.tiles: Any = None
        self.layers_loaded: Event[[dict[str, Any]]] = Event("core.layers_loaded")

    def set_layers(self, layers: dict[str, Any]) -> None:
        self.layers.update(layers)
        self.layers_loaded.emit(self.layers)


def _alert(alert_id: str, level: str = "red", status: str = "new", rev: int = 1,
           lon: float = 114.35, lat: float = 22.72) -> AlertUpsert:
    now = datetime.now(CST)
    payload = Alert(
        id=alert_id, rev=rev, level=level, status=status, source="grid_patrol",
        category="waterlogging", title=f"积水告警 {alert_id}", street="maluan",
        location=GeoPoint(lon=lon, lat=lat), created_at=now, updated_at=now,
    )
    return AlertUpsert(v=1, id=str(next(_seq)), type="alert.upsert", ts=now, payload=payload)


def _device(device_id: str, status: str = "online") -> DeviceUpsert:
    now = datetime.now(CST)
    payload = Device(
        id=device_id, rev=1, kind="waterlogging", name=f"积水监测点 {device_id}",
        street="pingshan", location=GeoPoint(lon=114.34, lat=22.71), status=status,
        metric="water_depth_cm", unit="cm", updated_at=now,
    )
    return DeviceUpsert(v=1, id=str(next(_seq)), type="device.upsert", ts=now, payload=payload)


def run_js(qtbot: Any, panel: MapPanel, script: str, timeout: int = 5000) -> Any:
    """Evaluate a JavaScript expression on the map page and wait for its result.

    The value crosses as JSON: PySide6 hands JavaScript arrays back as empty strings.
    """
    box: list[Any] = []
    wrapped = f"JSON.stringify((function () {{ return ({script}); }})())"
    panel.view.page().runJavaScript(wrapped, 0, box.append)
    qtbot.waitUntil(lambda: len(box) > 0, timeout=timeout)
    return json.loads(box[0]) if box[0] else None


_live_panels: list[MapPanel] = []


def _make_panel(qtbot: Any, core: _Core) -> tuple[MapPanel, PictureNotifier]:
    notifier = PictureNotifier(core.picture, interval_ms=100)
    panel = MapPanel(core, notifier)
    _live_panels.append(panel)
    panel._test_notifier = notifier  # keep the notifier as long as the panel
    qtbot.addWidget(panel)
    panel.resize(1000, 700)
    panel.show()
    qtbot.waitUntil(lambda: panel.is_ready, timeout=20000)
    qtbot.waitUntil(lambda: panel.load_ok is not None, timeout=10000)
    assert panel.load_ok is True
    assert run_js(qtbot, panel, "window.consoleMapReady === true") is True
    return panel, notifier


def _camera(camera_id: str, status: str = "online", lon: float = 114.352, lat: float = 22.721) -> CameraUpsert:
    now = datetime.now(CST)
    payload = Camera.model_validate({
        "id": camera_id, "rev": 1, "name": f"坪山河监控 {camera_id[-3:]}", "kind": "river", "street": "pingshan",
        "location": {"lon": lon, "lat": lat}, "status": status, "ptz": True, "updated_at": now,
        "streams": {"main": "http://127.0.0.1:9/main.ts", "sub": "http://127.0.0.1:9/sub.ts"},
    })
    return CameraUpsert(v=1, id=str(next(_seq)), type="camera.upsert", ts=now, payload=payload)

"""``--lang en`` on the map's web page: the text the page draws itself (title, legend, status
line, coordinates, ring labels) comes from Python in English; only data stays Chinese.

The widget walk of tests/ui/test_i18n_english.py cannot see inside the web page; this reads
the page's ``document.body.innerText``."""

from __future__ import annotations

import re
from typing import Any, Iterator

import pytest

from tests.support.mapsupport import _alert, _Core, _district_layers, _make_panel, run_js

pytestmark = pytest.mark.timeout(120)

CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff01-\uff5e]")


@pytest.fixture
def english(qapp: Any) -> Iterator[None]:
    from widgets import i18n

    assert i18n.install_translator(qapp, "en") is not None
    try:
        yield
    finally:
        i18n.install_translator(qapp, "zh_CN")


def _data(value: Any) -> Iterator[str]:
    """Every string in the layers (street, community and feature names are data)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _data(v)
    elif isinstance(value, list):
        for v in value:
            yield from _data(v)


def test_map_page_speaks_english(english: None, qtbot: Any) -> None:
    layers = _district_layers()
    core = _Core(layers)
    panel, _notifier = _make_panel(qtbot, core)
    core.picture.apply(_alert("A1"))
    panel.show_rings(114.35, 22.72)
    qtbot.waitUntil(lambda: bool(run_js(qtbot, panel, "window.consoleMap.ringCount()")), timeout=10000)
    text = run_js(qtbot, panel, "document.body.innerText") or ""
    assert "Pingshan District" in text and "Lon" in text
    data = sorted({s for s in _data(layers) if CJK.search(s)}, key=len, reverse=True)
    left = []
    for line in text.splitlines():
        for s in data:
            line = line.replace(s, " ")
        if CJK.search(line):
            left.append(line)
    assert not left, "Chinese on the English map page outside data:\n" + "\n".join(left)


def _points(core: Any) -> None:
    from datetime import datetime, timedelta, timezone

    from console.models import Camera, Device, GeoPoint

    now = datetime.now(timezone(timedelta(hours=8)))
    core.picture.devices.replace_all([
        Device(id="D1", rev=1, kind="waterlogging", name="积水点", location=GeoPoint(lon=114.35, lat=22.72),
               status="online", metric="water_depth_cm", unit="cm", updated_at=now)])
    core.picture.cameras.replace_all([Camera.model_validate({
        "id": "C1", "rev": 1, "name": "河道监控", "kind": "forest_fire", "location": {"lon": 114.36, "lat": 22.71},
        "status": "online", "ptz": True, "updated_at": now, "streams": {"main": "m", "sub": "s"}})])
    core.picture.drain_changes()


def _tooltips(qtbot: Any, panel: Any) -> tuple[str, str]:
    qtbot.waitUntil(lambda: run_js(qtbot, panel, "[consoleMap.deviceCount(), consoleMap.cameraCount()]") == [1, 1],
                    timeout=10000)
    return (run_js(qtbot, panel, "consoleMap.pointTooltip('devices', 'D1')"),
            run_js(qtbot, panel, "consoleMap.pointTooltip('cameras', 'C1')"))


def test_device_and_camera_kinds_are_worded_in_english(english: None, qtbot: Any) -> None:
    """The rows carry the kind's code; the page words it from its (translated) labels."""
    core = _Core(_district_layers())
    _points(core)
    panel, _notifier = _make_panel(qtbot, core)
    device, camera = _tooltips(qtbot, panel)
    assert "Waterlogging" in device and "Forest fire camera" in camera, (device, camera)
    assert not CJK.search(device.replace("积水点", "")) and not CJK.search(camera.replace("河道监控", ""))


def test_device_and_camera_kinds_stay_chinese_in_chinese(qapp: Any, qtbot: Any) -> None:
    core = _Core(_district_layers())
    _points(core)
    panel, _notifier = _make_panel(qtbot, core)
    device, camera = _tooltips(qtbot, panel)
    assert device.startswith("积水点内涝积水 · ") and camera.startswith("河道监控森林防火监控 · "), (device, camera)

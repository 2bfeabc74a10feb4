"""Drag a camera from the map onto a video-wall tile.

The offscreen platform has no drag-and-drop loop, so the gesture is tested in its two
pieces: a real mouse press and move on a camera marker of the real map page makes the
panel start a QDrag carrying the camera's payload (the drag's ``exec`` is recorded
instead of run), and that same payload dropped on a wall tile puts the camera there.
"""

from __future__ import annotations

import os
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QTWEBENGINE_CHROMIUM_FLAGS", "--no-sandbox --disable-gpu")

from PySide6.QtWebEngineWidgets import QWebEngineView  # noqa: E402,F401  (before QApplication)

from PySide6.QtCore import QPoint, Qt  # noqa: E402
from tests.support.mapsupport import _camera, _Core, _district_layers, _make_panel, run_js  # noqa: E402,F401
from tests.support.wallsupport import _cid, _drop, _wall  # noqa: E402

from console.video_wall_model import CAMERA_MIME  # noqa: E402
from widgets.map import MapPanel  # noqa: E402


def test_pressing_and_moving_a_camera_marker_starts_a_drag_with_its_payload(qtbot: Any) -> None:
    camera_id = "44030000001320000031"
    map_core = _Core(_district_layers())
    map_core.picture.apply(_camera(camera_id, lon=114.401, lat=22.751))
    panel, _n = _make_panel(qtbot, map_core)
    qtbot.waitUntil(lambda: run_js(qtbot, panel, "consoleMap.cameraCount()") == 1, timeout=3000)
    drags: list[Any] = []
    panel._exec_drag = lambda drag: drags.append((drag, drag.mimeData()))  # type: ignore[method-assign]
    centre = run_js(qtbot, panel, "[consoleMap.map().getCenter().lat, consoleMap.map().getCenter().lng]")

    x, y = run_js(qtbot, panel, "(function () { var p = consoleMap.map().latLngToContainerPoint("
                                "[22.751, 114.401]); return [Math.round(p.x), Math.round(p.y)]; })()")
    target = panel.view.focusProxy()
    qtbot.mousePress(target, Qt.MouseButton.LeftButton, pos=QPoint(x, y))
    for step in range(1, 6):
        qtbot.mouseMove(target, QPoint(x + 8 * step, y + 5 * step))
    qtbot.waitUntil(lambda: len(drags) == 1, timeout=5000)
    qtbot.mouseRelease(target, Qt.MouseButton.LeftButton, pos=QPoint(x + 40, y + 25))

    drag, mime = drags[0]
    assert drag.source() is panel
    assert mime.hasFormat(CAMERA_MIME)
    assert bytes(mime.data(CAMERA_MIME).data()).decode("utf-8") == camera_id
    # The map did not pan under the drag, and panning works again afterwards.
    after = run_js(qtbot, panel, "[consoleMap.map().getCenter().lat, consoleMap.map().getCenter().lng]")
    assert after == centre
    assert run_js(qtbot, panel, "consoleMap.map().dragging.enabled()") is True

    # A plain click (no movement) still selects the camera and starts no drag.
    with qtbot.waitSignal(panel.camera_selected, timeout=3000) as blocker:
        qtbot.mouseClick(target, Qt.MouseButton.LeftButton, pos=QPoint(x, y))
    assert blocker.args == [camera_id]
    assert len(drags) == 1
    assert run_js(qtbot, panel, "consoleMap.map().dragging.enabled()") is True


def test_the_bridge_call_alone_starts_the_drag(qtbot: Any) -> None:
    map_core = _Core(_district_layers())
    panel, _n = _make_panel(qtbot, map_core)
    drags: list[Any] = []
    panel._exec_drag = lambda drag: drags.append(drag.mimeData())  # type: ignore[method-assign]
    panel._bridge.cameraDragStarted("44030000001320000042")
    qtbot.waitUntil(lambda: len(drags) == 1, timeout=2000)
    assert bytes(drags[0].data(CAMERA_MIME).data()) == b"44030000001320000042"


def test_the_map_payload_dropped_on_a_tile_puts_the_camera_there(qtbot: Any, core: Any) -> None:
    wall = _wall(qtbot, core, layout="4")
    _drop(qtbot, wall.tiles[1], MapPanel.camera_mime_data(_cid(18)))
    assert wall.tiles[1].camera_id == _cid(18)
    assert wall.tiles[1].source_url.endswith(f"{_cid(18)}/sub.ts")

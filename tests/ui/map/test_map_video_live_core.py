"""Map panel and video wall on the real ConsoleCore, fed by the district feed over HTTP.

One asyncio loop on Qt (qasync), as the application runs: the core fetches the
snapshot, the stream and the layers; the panels only see the picture, the notifier
and ``core.layers``.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from pathlib import Path
from typing import Any, Awaitable, Callable

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QTWEBENGINE_CHROMIUM_FLAGS", "--no-sandbox --disable-gpu")

from PySide6.QtWebEngineWidgets import QWebEngineView  # noqa: E402,F401  (before QApplication)

import httpx  # noqa: E402
import pytest  # noqa: E402
import qasync  # noqa: E402

from widgets.bridge import PictureNotifier  # noqa: E402
from console.runtime import ConsoleConfig, ConsoleCore  # noqa: E402
from console.map_features import alert_marker  # noqa: E402
from widgets.map import MapPanel  # noqa: E402
from console.video_wall_model import LinkageRule  # noqa: E402
from widgets.video_wall import VideoWall  # noqa: E402


async def _until(predicate: Callable[[], Awaitable[bool] | bool], timeout: float, what: str) -> float:
    """Poll ``predicate`` on the loop until true; returns the seconds it took."""
    start = time.monotonic()
    while True:
        value = predicate()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return time.monotonic() - start
        if time.monotonic() - start > timeout:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        await asyncio.sleep(0.05)


async def _js(panel: MapPanel, expression: str) -> Any:
    """Evaluate a JavaScript expression on the map page (the value crosses as JSON)."""
    future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

    def done(value: Any) -> None:
        if not future.done():
            future.set_result(value)

    wrapped = f"JSON.stringify((function () {{ return ({expression}); }})())"
    panel.view.page().runJavaScript(wrapped, 0, done)
    raw = await asyncio.wait_for(future, 5)
    return json.loads(raw) if raw else None


def _open_located(core: ConsoleCore) -> set[str]:
    return {a.id for a in core.picture.alerts.values() if alert_marker(a) is not None}


_panels: list[MapPanel] = []


@pytest.fixture(autouse=True)
def _delete_pages() -> Any:
    """Delete the map page after qtbot closed it, before the web engine profile goes away."""
    yield
    import shiboken6
    from PySide6.QtCore import QCoreApplication, QEvent

    while _panels:
        panel = _panels.pop()
        if shiboken6.isValid(panel):
            panel.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def test_panels_follow_the_live_core(qtbot: Any, qapp: Any, feed: Any, tmp_path: Path) -> None:
    # Closing the last window must not quit the app and with it the qasync loop.
    qapp.setQuitOnLastWindowClosed(False)
    loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(loop)
    core = ConsoleCore(ConsoleConfig(backend_url=feed.url, cache_dir=tmp_path / "cache"))
    notifier = PictureNotifier(core.picture, interval_ms=100)
    panel = MapPanel(core, notifier)
    _panels.append(panel)
    # Alarm linkage off: the burst below would (rightly) pop its cameras onto the tiles.
    wall = VideoWall(core, notifier, linkage=LinkageRule(enabled=False))
    for widget, size in ((panel, (1000, 700)), (wall, (960, 540))):
        qtbot.addWidget(widget)
        widget.resize(*size)
        widget.show()
    figures: dict[str, float] = {}

    async def scenario() -> None:
        await core.start()
        try:
            await _until(lambda: panel.is_ready, 20, "the map page")
            # Layers come from the gateway through core.layers / core.layers_loaded.
            figures["layers_s"] = await _until(
                lambda: _js(panel, "consoleMap.featureCount('communities') === 23"), 20,
                "23 communities from the feed's layers")
            assert await _js(panel, "consoleMap.featureCount('streets')") == 6
            assert await _js(panel, "consoleMap.layerCount()") == len(core.layers) >= 5

            # The markers follow the picture: same open, located alerts.
            async def same_alerts() -> bool:
                return set(await _js(panel, "consoleMap.alertIds()")) == _open_located(core)

            await _until(same_alerts, 10, "markers matching the picture")
            before = len(_open_located(core))
            async with httpx.AsyncClient() as client:
                response = await client.post(f"{feed.url}/_sim/burst", json={"alerts": 30, "over_s": 1})
                response.raise_for_status()
            await _until(lambda: len(_open_located(core)) >= before + 20, 15, "the burst in the picture")
            figures["burst_s"] = await _until(same_alerts, 5, "markers after the burst")
            assert await _js(panel, "window.consoleMapErrors.length") == 0

            # The wall picked the first four online cameras from the live picture.
            online = sorted(c.id for c in core.picture.cameras.values() if c.status == "online")
            assert [t.camera_id for t in wall.tiles] == online[:4]
            figures["video_s"] = await _until(
                lambda: all(t.state == "live" for t in wall.tiles), 25, "four live tiles")
            await asyncio.sleep(2)
            assert all(t.fps > 15 for t in wall.tiles), [t.fps for t in wall.tiles]
        finally:
            await core.stop()

    try:
        loop.run_until_complete(scenario())
    finally:
        loop.close()
        asyncio.set_event_loop(None)
        qapp.setQuitOnLastWindowClosed(True)
    print(f"layers drawn after {figures['layers_s']:.1f} s; burst on the map "
          f"{figures['burst_s']:.2f} s after it reached the picture; tiles live after "
          f"{figures['video_s']:.1f} s")

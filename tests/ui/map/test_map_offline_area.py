"""准备离线区域: estimate first, progress, cancel, resume — the dialog drives the same
core prefetch as ``pingshan-console tiles prefetch``, against the real feed."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QTWEBENGINE_CHROMIUM_FLAGS", "--no-sandbox --disable-gpu")


from console.tiles import TileService, TileSource, count_tiles  # noqa: E402
from offline_cache.tiles import MBTilesStore  # noqa: E402
from widgets.map import OfflineAreaDialog  # noqa: E402

BBOX = (114.28, 22.69, 114.42, 22.78)


def test_dialog_estimates_cancels_and_resumes(qtbot: Any, console_loop: Any, feed: Any, tmp_path: Path) -> None:
    from simulator.geo import layers

    service = TileService(MBTilesStore(tmp_path / "tiles.mbtiles"), TileSource(feed.url + "/tiles/{z}/{x}/{y}.png"))
    geo = {lid: doc for lid, (_info, doc) in layers().items()}
    dialog = OfflineAreaDialog(service, geo)
    qtbot.addWidget(dialog)
    dialog.show()
    # Streets are offered as areas; picking one fills the bbox and the estimate.
    assert dialog._area.findText("马峦街道") > 0
    dialog._area.setCurrentIndex(dialog._area.findText("马峦街道"))
    assert "共 " in dialog.estimate_text() and "已缓存 0" in dialog.estimate_text()

    dialog.set_area(BBOX, 12, 16)
    total = count_tiles(BBOX, 12, 16)
    assert f"共 {total} 块瓦片（已缓存 0）" in dialog.estimate_text()
    dialog.start()
    qtbot.waitUntil(lambda: dialog.progress_value() >= 10, timeout=60000)
    dialog.cancel()
    qtbot.waitUntil(lambda: not dialog.running, timeout=20000)
    first = dialog.last_result
    assert first is not None and first.cancelled
    kept = service.store.count()
    assert 0 < kept < total
    assert "继续下载" in dialog._start.text() and "已取消" in dialog.state_text()
    assert f"已缓存 {kept}" in dialog.estimate_text()

    dialog.start()  # resume
    qtbot.waitUntil(lambda: not dialog.running and dialog.last_result is not first, timeout=120000)
    second = dialog.last_result
    assert second is not None and second.finished and second.failed == 0
    assert second.skipped == kept and second.fetched == total - kept
    assert service.store.count() == total
    assert dialog.progress_value() == 100 and "完成" in dialog.state_text()
    shots = Path(os.environ.get("MAP_SHOTS") or tmp_path)  # MAP_SHOTS=DIR keeps the picture
    shots.mkdir(parents=True, exist_ok=True)
    dialog.grab().save(str(shots / "offline-area-dialog.png"))
    service.close()

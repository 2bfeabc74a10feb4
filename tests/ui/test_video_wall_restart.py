"""The demo's second start (issue 18): the feed comes back on another port, the console on
the same cache, and the wall plays at once from the restored picture, not 信号中断."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any, Callable

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from console.feed_process import FeedProcess  # noqa: E402
from tests.support.qtsupport import start_core, stop_core  # noqa: E402
from widgets.video_wall import VideoWall  # noqa: E402


def test_second_start_on_a_new_port_plays_from_the_restored_picture(
        qtbot: Any, console_loop: asyncio.AbstractEventLoop, feed_factory: Callable[..., FeedProcess],
        tmp_path: Path) -> None:
    first = feed_factory(alerts_per_s=0, readings_per_s=2)
    cache = tmp_path / "cache"
    console = start_core(console_loop, qtbot, first.url or "", cache)
    try:
        qtbot.waitUntil(lambda: len(console.core.picture.cameras) >= 36, timeout=30000)
    finally:
        stop_core(console, qtbot)
    first.stop()

    second = feed_factory(alerts_per_s=0, readings_per_s=2, data_dir=first.data_dir)  # run.sh: the same folders
    assert second.url != first.url
    console = start_core(console_loop, qtbot, second.url or "", cache)
    try:
        wall = VideoWall(console.core, console.notifier)
        qtbot.addWidget(wall)
        wall.resize(960, 540)
        wall.show()
        tiles = wall.tiles[:4]
        # The tiles were tuned from the picture restored from the cache: already the new port.
        assert all(t.camera_id for t in tiles)
        assert all(t.source_url.startswith(f"{second.url}/video/") for t in tiles), [t.source_url for t in tiles]
        qtbot.waitUntil(lambda: all(t.state == "live" for t in tiles), timeout=25000)
        assert all(t.badge_text == "实时" for t in tiles)
        assert all(t.source_url.startswith(f"{second.url}/video/") for t in tiles)
        wall.close()
    finally:
        stop_core(console, qtbot)

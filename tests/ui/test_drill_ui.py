"""Drill mode in the real main window: the drill bar, its keys, the 演练 watermark, and an
operator's command going through the local arbiter."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from tests.support.qtsupport import run_task

ROOT = Path(__file__).resolve().parents[2]
FIRE = ROOT / "resources" / "scenarios" / "forest_fire_maluan.yaml"


def _reddish_share(image: Any) -> float:
    """Share of sampled pixels where red clearly dominates (the watermark's tint)."""
    hits = total = 0
    for y in range(0, image.height(), 9):
        for x in range(0, image.width(), 9):
            c = QColor(image.pixel(x, y))
            total += 1
            if c.red() > c.blue() + 25 and c.red() > c.green() + 15:
                hits += 1
    return hits / max(total, 1)


def test_drill_window_bar_keys_watermark_and_arbiter(console_loop: asyncio.AbstractEventLoop, qtbot: Any,  # noqa: F811
                                                     tmp_path: Path) -> None:
    from console.drill.session import DrillSession
    from widgets.bridge import PictureNotifier
    from console.runtime import ConsoleConfig, ConsoleCore
    from console.shutdown import stop_core
    from widgets.drill_bar import DrillBar, attach_drill_ui
    from widgets.shell.main_window import MainWindow
    from widgets.watermark import Watermark

    session = DrillSession(FIRE, tmp_path / "drills", speed=1)
    core = ConsoleCore(ConsoleConfig(**session.console_config_fields()))
    run_task(console_loop, qtbot, core.start())
    notifier = PictureNotifier(core.picture)
    window = MainWindow(core, notifier)
    qtbot.addWidget(window)
    bar, marks = attach_drill_ui(window, session)
    window.show()
    try:
        assert isinstance(bar, DrillBar) and window.windowTitle().startswith("【演练】")
        qtbot.waitUntil(lambda: core.picture.connection.state == "drill", timeout=10_000)
        # every dock's panel and the window itself carry the watermark
        assert window.findChild(Watermark) is not None
        for dock in window.docks.values():
            assert any(isinstance(c, Watermark) for c in dock.widget().children())
        shot = window.grab().toImage()
        assert _reddish_share(shot) > 0.02
        # a panel's PNG export carries it too (the overlay is the panel's child): the
        # exported picture changes where the overlay paints
        from PySide6.QtGui import QImage

        panel = window.indicators
        mark = next(c for c in panel.children() if isinstance(c, Watermark))
        assert mark.geometry() == panel.rect()
        with_mark = QImage.fromData(panel.panel_png(), "PNG")
        mark.hide()
        without = QImage.fromData(panel.panel_png(), "PNG")
        mark.show()
        changed = sum(1 for y in range(0, with_mark.height(), 7) for x in range(0, with_mark.width(), 7)
                      if with_mark.pixel(x, y) != without.pixel(x, y))
        assert changed > 0.05 * (with_mark.height() // 7) * (with_mark.width() // 7)
        from console import exports

        assert exports.DRILL_MARK == "演练（非真实数据）"

        # N: next inject (the smoke spot at 3 min); the alert arrives through Ingest
        qtbot.keyClick(window, Qt.Key.Key_N)
        qtbot.waitUntil(lambda: session.engine.now_s >= 180, timeout=10_000)
        qtbot.waitUntil(lambda: "smoke-spot" in session.engine.produced, timeout=10_000)
        alert_id = session.engine.produced["smoke-spot"]
        qtbot.waitUntil(lambda: core.picture.alerts.get(alert_id) is not None, timeout=10_000)

        # Space pauses the virtual clock, and again resumes it (focus off the alert table,
        # which keeps Space for 签收); F8 does the same from anywhere
        window.setFocus()
        qtbot.keyClick(window, Qt.Key.Key_Space)
        assert session.clock.paused
        bar.refresh()
        assert bar.pause.text() == "继续" and "已暂停" in bar.state.text()
        qtbot.keyClick(window, Qt.Key.Key_Space)
        assert not session.clock.paused
        qtbot.keyClick(window, Qt.Key.Key_Plus)
        assert session.clock.speed == 2
        assert [sc.key().toString() for sc in bar._shortcuts] == ["F8", "F9"]

        # The operator acknowledges: outbox → local arbiter (the feed's rules) → echo → confirmed
        cmd = core.commands.submit("alert.acknowledge", alert_id)
        qtbot.waitUntil(lambda: core.picture.alerts.get(alert_id).status == "acknowledged", timeout=10_000)
        qtbot.waitUntil(lambda: core.outbox.get(cmd.id).status == "confirmed", timeout=10_000)
        # A command the rules refuse is refused with the gateway's own words
        bad = core.commands.submit("alert.close", alert_id)
        qtbot.waitUntil(lambda: core.outbox.get(bad.id).status == "refused", timeout=10_000)
        assert "不能闭环" in (core.picture.alerts.refusal(alert_id) or "")
        bar.refresh()
        assert "当前得分" in bar.score.text() and "注入" in bar.progress.text()
    finally:
        bar.stop()
        marks.stop()
        window.close()
        notifier.stop()
        assert run_task(console_loop, qtbot, stop_core(core, timeout_s=20), timeout_s=30)
        session.close()

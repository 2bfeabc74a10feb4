"""The status bar says, in red, that a gateway is reached over plain HTTP (issue 18)."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QLabel  # noqa: E402

from tests.support.qtsupport import DEAD_BACKEND, start_core, stop_core  # noqa: E402
from widgets import theme  # noqa: E402
from widgets.shell.status_bar import ConsoleStatusBar  # noqa: E402


def _bar(qtbot: Any, console: Any) -> ConsoleStatusBar:
    bar = ConsoleStatusBar(console.core, console.notifier)
    qtbot.addWidget(bar)
    bar.show()
    return bar


def test_a_cleartext_gateway_is_shown_in_red(qtbot: Any, console_loop: asyncio.AbstractEventLoop,
                                             tmp_path: Path) -> None:
    console = start_core(console_loop, qtbot, "http://192.0.2.10:8080", tmp_path / "cache")
    try:
        bar = _bar(qtbot, console)
        label = bar.findChild(QLabel, "StatusTransport")
        text = bar.label_texts()["StatusTransport"]
        assert "明文 HTTP" in text and "192.0.2.10:8080" in text and "未加密" in text
        assert theme.LEVEL_COLOURS["red"] in text
        assert label is not None and label.isVisible()
        assert "https://" in label.toolTip()
        bar.shutdown()
    finally:
        stop_core(console, qtbot)


def test_loopback_shows_no_warning(qtbot: Any, console_loop: asyncio.AbstractEventLoop, tmp_path: Path) -> None:
    console = start_core(console_loop, qtbot, DEAD_BACKEND, tmp_path / "cache")
    try:
        bar = _bar(qtbot, console)
        assert bar.label_texts()["StatusTransport"] == ""
        label = bar.findChild(QLabel, "StatusTransport")
        assert label is not None and not label.isVisible()
        bar.shutdown()
    finally:
        stop_core(console, qtbot)

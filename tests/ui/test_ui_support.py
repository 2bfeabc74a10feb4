"""Tests of the pure helpers the views format with, and of the application's ``stop_core``.

The UI tests' shared fixtures (a real ``ConsoleCore`` on a qasync loop) are in
tests/ui/conftest.py, their helpers in tests/support/qtsupport.py.
"""

from __future__ import annotations

import asyncio
import os
from datetime import datetime, timezone
from types import SimpleNamespace

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QTWEBENGINE_CHROMIUM_FLAGS", "--no-sandbox --disable-gpu")

import PySide6.QtWebEngineWidgets  # noqa: E402,F401  (before any QApplication)
import pytest  # noqa: E402

from widgets.indicators.cards import format_value, indicator_state, progress_to_target  # noqa: E402
from widgets.shell.status_bar import clock_text  # noqa: E402

# --------------------------------------------------------------------------- helper tests


def test_clock_text_is_beijing_time() -> None:
    utc = datetime(2026, 11, 29, 7, 2, 9, tzinfo=timezone.utc)
    assert clock_text(utc) == "15:02"
    assert clock_text(utc, seconds=True) == "15:02:09"
    assert clock_text(utc.timestamp()) == "15:02"
    assert clock_text(None) == "--:--"


def test_indicator_state_follows_direction() -> None:
    # Higher is better (online rate): at or under alarm is alarm.
    assert indicator_state(97.0, "higher", 95, 90) == "ok"
    assert indicator_state(93.0, "higher", 95, 90) == "warn"
    assert indicator_state(90.0, "higher", 95, 90) == "alarm"
    # Lower is better (AQI): at or over alarm is alarm.
    assert indicator_state(40, "lower", 100, 150) == "ok"
    assert indicator_state(120, "lower", 100, 150) == "warn"
    assert indicator_state(180, "lower", 100, 150) == "alarm"
    assert indicator_state(None, "lower", 100, 150) == "none"
    assert indicator_state(5.0, "higher", None, None) == "ok"


def test_progress_to_target() -> None:
    assert progress_to_target(50_000, "higher", 100_000) == pytest.approx(0.5)
    assert progress_to_target(120, "higher", 100) == 1.0
    assert progress_to_target(36, "lower", 18) == pytest.approx(0.5)
    assert progress_to_target(12, "lower", 18) == 1.0
    assert progress_to_target(3, "higher", None) is None


def test_format_value() -> None:
    assert format_value(96.44, "%") == "96.4"
    assert format_value(12480, "个") == "12,480"
    assert format_value(3.18, "m") == "3.18"
    assert format_value(None, "m") == "—"
    assert format_value(42.0, "AQI") == "42"


def test_stop_core_redelivers_a_swallowed_cancellation() -> None:
    """The 3.11 wait_for race, staged: a background loop eats its first cancel."""
    from console.shutdown import stop_core as app_stop_core

    class CoreWithStubbornTask:
        def __init__(self) -> None:
            self.swallowed = 0
            self.task: asyncio.Task[None] | None = None
            self.ingest = SimpleNamespace(flush=lambda: None)

        async def _loop(self) -> None:
            while True:
                try:
                    await asyncio.sleep(3600)
                except asyncio.CancelledError:
                    if self.swallowed:
                        raise
                    self.swallowed += 1  # what wait_for does to a racing cancel on 3.11

        async def stop(self) -> None:
            assert self.task is not None
            self.task.cancel()
            await asyncio.gather(self.task, return_exceptions=True)

    async def scenario() -> tuple[bool, bool, int]:
        core = CoreWithStubbornTask()
        core.task = asyncio.get_running_loop().create_task(core._loop())
        await asyncio.sleep(0)
        stopped = await app_stop_core(core, timeout_s=5)
        return stopped, core.task.cancelled(), core.swallowed

    assert asyncio.run(scenario()) == (True, True, 1)

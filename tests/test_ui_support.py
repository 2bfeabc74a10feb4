"""Shared fixtures of the UI tests (imported by the other ``test_ui_*`` modules), and
tests of the pure helpers the views format with.

A real ``ConsoleCore`` runs on a qasync loop created with ``already_running=True``:
pytest-qt's ``waitUntil`` spins Qt's event loop, and that loop then drives the
core's asyncio tasks too (with a loop driven by ``run_until_complete`` the tasks
would find no running loop while qtbot waits).
"""

from __future__ import annotations

import asyncio
import os
from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Coroutine, Iterator

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QTWEBENGINE_CHROMIUM_FLAGS", "--no-sandbox --disable-gpu")

import PySide6.QtWebEngineWidgets  # noqa: E402,F401  (before any QApplication)
import pytest  # noqa: E402
import qasync  # noqa: E402

from widgets.indicator_panel import format_value, indicator_state, progress_to_target  # noqa: E402
from widgets.status_bar import clock_text  # noqa: E402

DEAD_BACKEND = "http://127.0.0.1:9"
"""Loopback discard port: nothing listens, so a core pointed here is offline."""


_LOOPS: dict[int, asyncio.AbstractEventLoop] = {}


@pytest.fixture
def console_loop(qapp: Any) -> Iterator[asyncio.AbstractEventLoop]:
    """A qasync loop that Qt's own event processing (qtbot.wait*) drives.

    One loop per QApplication, reused by every test and registered as asyncio's
    running loop only for the duration of a test. It is never stopped: qasync's
    ``stop()`` calls ``QCoreApplication.exit()``, which leaves Qt's "quit now" flag
    set, and every later nested event loop (so every qtbot wait) would return at once.
    """
    loop = _LOOPS.get(id(qapp))
    if loop is None:
        loop = qasync.QEventLoop(qapp, already_running=True)
        _LOOPS[id(qapp)] = loop
    asyncio.events._set_running_loop(loop)
    asyncio.set_event_loop(loop)
    try:
        yield loop
    finally:
        # Tests of other modules may call asyncio.run(): leave no running loop behind.
        asyncio.events._set_running_loop(None)
        asyncio.set_event_loop(None)


def run_task(loop: asyncio.AbstractEventLoop, qtbot: Any, coro: Coroutine[Any, Any, Any], timeout_s: float = 30) -> Any:
    """Run a coroutine on the console loop while Qt keeps processing events."""
    task = loop.create_task(coro)
    try:
        qtbot.waitUntil(task.done, timeout=int(timeout_s * 1000))
    except Exception:
        # Say where it is stuck: the task and everything else still on the loop.
        import io

        out = io.StringIO()
        for t in asyncio.all_tasks(loop):
            t.print_stack(file=out)
        raise AssertionError(f"{coro!r} did not finish in {timeout_s} s; tasks:\n{out.getvalue()}") from None
    return task.result()


def start_core(loop: asyncio.AbstractEventLoop, qtbot: Any, backend: str, cache_dir: Path) -> SimpleNamespace:
    """A started ConsoleCore and its PictureNotifier."""
    from widgets.bridge import PictureNotifier
    from console.runtime import ConsoleConfig, ConsoleCore

    core = ConsoleCore(ConsoleConfig(backend_url=backend, cache_dir=cache_dir, operator="测试值班员"))
    run_task(loop, qtbot, core.start())
    notifier = PictureNotifier(core.picture)
    return SimpleNamespace(core=core, notifier=notifier, loop=loop)


def stop_core(console: SimpleNamespace, qtbot: Any) -> None:
    """Stop the core the way the application does (widgets.app.stop_core) and insist
    that it really stopped (not merely timed out)."""
    from widgets.app import stop_core as app_stop_core

    console.notifier.stop()
    assert run_task(console.loop, qtbot, app_stop_core(console.core, timeout_s=20), timeout_s=30)


@pytest.fixture
def live_console(feed: Any, console_loop: asyncio.AbstractEventLoop, qtbot: Any, tmp_path: Path) -> Iterator[SimpleNamespace]:
    """A real core streaming from the real feed (the conftest ``feed`` fixture)."""
    console = start_core(console_loop, qtbot, feed.url, tmp_path / "cache")
    console.feed = feed
    try:
        yield console
    finally:
        stop_core(console, qtbot)


@pytest.fixture
def offline_console(console_loop: asyncio.AbstractEventLoop, qtbot: Any, tmp_path: Path) -> Iterator[SimpleNamespace]:
    """A real core whose backend does not answer (offline from the start)."""
    console = start_core(console_loop, qtbot, DEAD_BACKEND, tmp_path / "cache")
    try:
        yield console
    finally:
        stop_core(console, qtbot)


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
    from widgets.app import stop_core as app_stop_core

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

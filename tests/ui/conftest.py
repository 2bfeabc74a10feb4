"""Fixtures of the UI tests (every folder under tests/ui/).

A real ``ConsoleCore`` runs on a qasync loop created with ``already_running=True``:
pytest-qt's ``waitUntil`` spins Qt's event loop, and that loop then drives the
core's asyncio tasks too (with a loop driven by ``run_until_complete`` the tasks
would find no running loop while qtbot waits). The helpers these fixtures use
(``run_task``, ``start_core``, ``stop_core``) are in tests/support/qtsupport.py.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Iterator

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QTWEBENGINE_CHROMIUM_FLAGS", "--no-sandbox --disable-gpu")

import PySide6.QtWebEngineWidgets  # noqa: E402,F401  (before any QApplication)
import pytest  # noqa: E402
import qasync  # noqa: E402

from tests.support.qtsupport import DEAD_BACKEND, run_task, start_core, stop_core  # noqa: E402
from tests.support.wallsupport import _camera, _Core  # noqa: E402

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


@pytest.fixture
def supervisor_console(feed: Any, console_loop: asyncio.AbstractEventLoop, qtbot: Any,
                       tmp_path: Path) -> Iterator[SimpleNamespace]:
    """A real core logged on as 值班长 (supervisor) streaming from the real feed."""
    from widgets.bridge import PictureNotifier
    from console.runtime import ConsoleConfig, ConsoleCore

    core = ConsoleCore(ConsoleConfig(backend_url=feed.url, cache_dir=tmp_path / "cache", operator="值班长甲",
                                     role="supervisor", max_backoff_s=0.5))
    run_task(console_loop, qtbot, core.start())
    console = SimpleNamespace(core=core, notifier=PictureNotifier(core.picture), loop=console_loop, feed=feed)
    try:
        yield console
    finally:
        stop_core(console, qtbot)


# --------------------------------------------------------------------------- the video wall


@pytest.fixture
def core(tmp_path: Path) -> Any:
    """The video wall's stand-in core (tests/support/wallsupport.py) with twenty cameras; camera 3 has PTZ."""
    c = _Core(tmp_path)
    for n in range(1, 21):
        c.picture.apply(_camera(n, lon=114.35 + n * 0.001, ptz=n == 3))
    c.picture.drain_changes()
    yield c
    c.cache.close()

"""Shared test setup: headless Qt, and the district feed as a real loopback server.

The layout (docs/TESTING.md, "Where a test goes"): one folder per layer, named by what
its tests exercise —

- ``core/``: ``console/`` and ``offline_cache/`` without a widget (they may start a feed);
- ``rulebook/``: ``district/`` (identity, trust, roles);
- ``feed/``: the simulator feed ``simulator/`` (contract, world, video, the district's shape);
- ``gateway/``: ``gateway/``, street nodes, and the console's wire client to them
  (TLS, tokens, failover, OpenAPI, scale);
- ``ui/``: anything that builds a widget or runs the program (``widgets/``, real X);
  ``ui/map/`` the map panel's tests on a real web page;
- ``faults/``: fault injection against the real feed and core;
- ``house/``: rules about the code itself (import layers, this layout);
- ``packaging/``: ``packaging/`` and what an install leaves on disk (version, self-check,
  bundle checker, tarball install/uninstall), on small stand-in bundles, never a full build.

Helpers shared by tests live in ``tests/support/`` (imported as ``tests.support.<module>``);
fixtures live in conftest.py files: here for every folder, in a folder's own conftest.py
where only that folder needs them. A test file never imports another test file
(tests/house/test_test_layout.py checks it).
"""

from __future__ import annotations

import gc
import os
import sys
from pathlib import Path
from typing import Any, Callable, Iterator

# Before anything imports Qt: headless platform, and QtWebEngine that runs as root.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QTWEBENGINE_CHROMIUM_FLAGS", "--no-sandbox --disable-gpu")
# Feeds started by tests carry the test controls (/_sim, an anonymous test seat) unless a
# test asks for a feed without them (FeedProcess(sim_controls=False)): the trust tests do.
os.environ["PINGSHAN_SIM_CONTROLS"] = "1"

_ROOT = Path(__file__).resolve().parent.parent
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

import pytest  # noqa: E402

# Plain ``assert`` in the shared helpers reports its operands as it does in a test.
pytest.register_assert_rewrite("tests.support")

from console.feed_process import FeedProcess  # noqa: E402

try:  # the map's tile scheme must be declared before pytest-qt creates the QApplication
    from widgets.map.tile_scheme import register_tile_scheme  # noqa: E402

    register_tile_scheme()
except ImportError:  # QtWebEngine missing: the map tests skip themselves
    pass


@pytest.fixture
def feed(tmp_path: Path) -> Iterator[FeedProcess]:
    """A started feed with modest rates (0.5 alerts/s, 10 readings/s), stopped after the test."""
    proc = FeedProcess(seed=1, alerts_per_s=0.5, readings_per_s=10, data_dir=tmp_path / "feed")
    try:
        proc.start()
        yield proc
    finally:
        proc.close()


@pytest.fixture
def feed_factory(tmp_path: Path) -> Iterator[Callable[..., FeedProcess]]:
    """Start feeds with parameters: ``feed_factory(seed=7, alerts_per_s=0)``; all stopped at teardown.

    Pass ``start=False`` to get an unstarted ``FeedProcess``.
    """
    made: list[FeedProcess] = []

    def make(start: bool = True, **kwargs: Any) -> FeedProcess:
        kwargs.setdefault("data_dir", tmp_path / f"feed{len(made)}")
        proc = FeedProcess(**kwargs)
        made.append(proc)
        if start:
            proc.start()
        return proc

    try:
        yield make
    finally:
        for proc in made:
            proc.close()


@pytest.fixture(autouse=True)
def _collect_qt_garbage_on_the_main_thread(request: pytest.FixtureRequest) -> Iterator[None]:
    """After a Qt test, collect its cyclic garbage here, on the GUI thread.

    Otherwise Python's cyclic collector may run later in whichever thread happens to
    allocate (a tile-fetch worker, a feed reader) and destroy the test's QObjects there;
    a QObject with a running timer destroyed off its thread leaves Qt's timer list
    dangling and the next timer tick crashes the process (seen here with the drill map
    test followed by the map tile test).
    """
    qt = "qtbot" in request.fixturenames
    if qt:
        # No automatic collection while a Qt test runs: a worker thread that allocates
        # (a stream diagnosis, an executor's getaddrinfo) would otherwise run the
        # collector there and destroy the test's QObjects off their thread. (A crash
        # dumped as "Garbage-collecting" on a stream-diagnosis thread was the worker
        # emitting on a tile this collection was deleting: workers now answer through
        # widgets.signals.gui_callback.)
        gc.disable()
    try:
        yield
    finally:
        if qt:
            gc.collect()
            gc.enable()


@pytest.fixture
def login_feed(tmp_path: Path) -> Iterator[FeedProcess]:
    """A quiet feed that refuses anonymous calls (``--require-login``): demo users only."""
    proc = FeedProcess(seed=4, alerts_per_s=0, readings_per_s=2, data_dir=tmp_path / "feed",
                       extra_args=("--require-login",))
    try:
        proc.start()
        yield proc
    finally:
        proc.close()



_CURRENT_TEST_FILE = os.environ.get("PINGSHAN_TEST_CURRENT_FILE")


def _note_phase(nodeid: str, phase: str) -> None:
    """Keep the running test and phase in a file ./test.sh names if pytest dies of a signal."""
    if _CURRENT_TEST_FILE:
        with open(_CURRENT_TEST_FILE, "w", encoding="utf-8") as f:
            f.write(f"{nodeid} ({phase})")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    _note_phase(item.nodeid, "setup")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_call(item: pytest.Item) -> None:
    _note_phase(item.nodeid, "call")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_teardown(item: pytest.Item) -> None:
    _note_phase(item.nodeid, "teardown")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "real_x: drives the real program under Xvfb with xdotool key events (tests/support/realx_support.py); "
                   "runs in ./test.sh, deselect with -m 'not real_x'")

"""Nothing swaps Qt's message handler while Qt's threads may be logging.

PySide6 6.11's handler trampoline reads the installed Python callable without a lock: a
Qt worker thread that logs while the GUI thread removes the handler calls NULL and the
process dies. Seen in CI: pytest-qt removed its per-test capture handler at the end of a
video-wall test while the FFmpeg plugin's loader thread was logging "Could not open
media" (core dump: ``qt_message_output`` → PySide's trampoline → ``_PyObject_Call(callable=0x0)``
on a ``libffmpegmediaplugin`` pool thread). docs/testing.md has the reproduction.
"""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("console", "widgets", "district", "gateway", "simulator", "offline_cache", "packaging", "bench", "scripts")


def test_pytest_qt_does_not_install_a_handler_around_each_test(pytestconfig: pytest.Config) -> None:
    assert pytestconfig.pluginmanager.get_plugin("_qt_logging") is None, (
        "pytest-qt's Qt log capture is on: keep --no-qt-log in pyproject.toml's addopts")


def test_the_product_never_installs_a_qt_message_handler() -> None:
    found = [str(path.relative_to(ROOT)) for folder in PRODUCT for path in (ROOT / folder).rglob("*.py")
             if "qInstallMessageHandler" in path.read_text(encoding="utf-8")]
    assert found == [], (
        f"{found} install a Qt message handler: install it once before any thread starts and never "
        "remove or replace it (PySide6 6.11 races there), then say so here")

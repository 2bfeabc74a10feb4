"""Simulated data is unmistakable; a production install without a gateway never simulates (issue 19).

A real core on the real embedded feed, once as the demo (``data_mode="demo"``) and once as a
live gateway: the status bar's state differs (演示数据 in its own colour, never the green 在线);
the demo's main window carries the 演示数据 banner, the watermark and 【演示数据】 in its title.
A production install (``PINGSHAN_INSTALL_MODE=production``) whose profile has no gateway runs
``unconfigured``: no feed, 未配置网关, and the gateway settings it offers write the seat's profile.
"""

from __future__ import annotations

import argparse
import asyncio
import os
from pathlib import Path
from types import SimpleNamespace
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from PySide6.QtWidgets import QMainWindow, QToolBar  # noqa: E402

from tests.support.qtsupport import run_task, stop_core  # noqa: E402
from widgets import theme  # noqa: E402
from widgets.shell.status_bar import ConsoleStatusBar  # noqa: E402


def _core(loop: asyncio.AbstractEventLoop, qtbot: Any, backend: str | None, cache: Path, mode: str) -> SimpleNamespace:
    from console.runtime import ConsoleConfig, ConsoleCore
    from widgets.bridge import PictureNotifier

    core = ConsoleCore(ConsoleConfig(backend_url=backend, cache_dir=cache, data_mode=mode))
    run_task(loop, qtbot, core.start())
    return SimpleNamespace(core=core, notifier=PictureNotifier(core.picture), loop=loop)


def _state_text(bar: ConsoleStatusBar) -> str:
    return bar.label_texts()["StatusState"]


@pytest.mark.parametrize("mode", ["demo", "live"])
def test_the_status_bar_never_shows_demo_data_as_online(mode: str, feed: Any, qtbot: Any,
                                                        console_loop: asyncio.AbstractEventLoop,
                                                        tmp_path: Path) -> None:
    console = _core(console_loop, qtbot, feed.url, tmp_path / "cache", mode)
    try:
        bar = ConsoleStatusBar(console.core, console.notifier)
        qtbot.addWidget(bar)
        qtbot.waitUntil(lambda: console.core.picture.connection.state == "live", timeout=20000)
        qtbot.waitUntil(lambda: "连接中" not in _state_text(bar), timeout=5000)
        text = _state_text(bar)
        if mode == "demo":
            assert "演示数据" in text and "在线" not in text
            assert theme.CONNECTION_COLOURS["demo"] in text and theme.CONNECTION_COLOURS["live"] not in text
            assert "演示" in bar.label_texts()["StatusBackend"]
        else:
            assert "在线" in text and "演示" not in text
            assert theme.CONNECTION_COLOURS["live"] in text
        bar.shutdown()
    finally:
        stop_core(console, qtbot)


def _args(tmp_path: Path, profile: str = "maluan") -> argparse.Namespace:
    from console.profiles import load_profiles

    return argparse.Namespace(profile_obj=load_profiles(tmp_path).get(profile), cache=tmp_path, demo=True,
                              demo_requested=False, drill=None, backend=None)


def test_the_demo_window_has_banner_watermark_and_title(qtbot: Any, tmp_path: Path) -> None:
    from widgets.shell.data_mode import attach_data_mode_ui
    from widgets.watermark import Watermark

    window = QMainWindow()
    qtbot.addWidget(window)
    window.setWindowTitle("坪山值班台")
    window.resize(800, 600)
    window.show()
    ui = attach_data_mode_ui(window, "demo", _args(tmp_path))
    try:
        banner = window.findChild(QToolBar, "DataModeBanner")
        assert banner is not None and banner.isVisible()
        assert "演示数据" in banner.label.text() and "模拟" in banner.label.text()
        assert "不含演示视频" not in banner.label.text()  # PyAV is here (a source checkout)
        marks = [w for w in window.findChildren(Watermark)]
        assert marks and marks[0].text == "演示数据" and marks[0].isVisible()
        assert window.windowTitle().startswith("【演示数据】")
        picture = window.grab().toImage()  # the watermark is in every grab (screenshots, exports)
        assert picture.width() == 800
    finally:
        ui.close()


def test_without_pyav_the_banner_says_there_is_no_demo_video(qtbot: Any, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    import widgets.shell.data_mode as data_mode_mod

    monkeypatch.setattr(data_mode_mod, "demo_video_available", lambda: False)
    window = QMainWindow()
    qtbot.addWidget(window)
    ui = data_mode_mod.attach_data_mode_ui(window, "demo", _args(tmp_path))
    assert ui.banner is not None and "不含演示视频" in ui.banner.label.text()
    ui.close()


def test_live_mode_adds_nothing(qtbot: Any, tmp_path: Path) -> None:
    from widgets.shell.data_mode import attach_data_mode_ui
    from widgets.watermark import Watermark

    window = QMainWindow()
    qtbot.addWidget(window)
    attach_data_mode_ui(window, "live", _args(tmp_path))
    assert window.findChild(QToolBar, "DataModeBanner") is None
    assert not window.findChildren(Watermark)


def test_a_production_install_without_gateway_is_unconfigured_and_offers_settings(
        qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from console.profiles import load_profiles
    from widgets.shell.data_mode import attach_data_mode_ui
    from widgets.shell.deployment import data_mode

    args = _args(tmp_path)
    monkeypatch.delenv("PINGSHAN_INSTALL_MODE", raising=False)
    assert data_mode(argparse.Namespace(**vars(args))) == "demo"  # a source checkout: the demo, labelled
    monkeypatch.setenv("PINGSHAN_INSTALL_MODE", "production")
    assert data_mode(args) == "unconfigured" and args.demo is False  # no feed is started
    explicit = _args(tmp_path)
    explicit.demo_requested = True
    assert data_mode(explicit) == "demo"  # --demo on a production install: asked for, and labelled

    window = QMainWindow()
    qtbot.addWidget(window)
    window.show()
    ui = attach_data_mode_ui(window, "unconfigured", args, ask=True)
    banner = ui.banner
    assert banner is not None and "未配置网关" in banner.label.text()
    dialog = banner.dialog
    assert dialog is not None and dialog.isVisible()  # the settings are offered at once
    dialog.urls.setText("ftp://nowhere")
    dialog.save()
    assert dialog.isVisible() and "http" in dialog.error.text()  # refused, said why, nothing written
    assert not (tmp_path / "profiles" / "maluan.toml").exists()
    dialog.urls.setText("https://gw-1.maluan.example:8443，https://gw-2.maluan.example:8443")
    dialog.save()
    saved = tmp_path / "profiles" / "maluan.toml"
    assert saved.is_file() and not dialog.isVisible()
    profile = load_profiles(tmp_path).get("maluan")
    assert profile.gateways == ("https://gw-1.maluan.example:8443", "https://gw-2.maluan.example:8443")
    assert profile.street == "maluan" and profile.title == "马峦街道分中心"
    qtbot.waitUntil(lambda: "重启" in banner.label.text(), timeout=2000)


def test_an_unconfigured_core_says_so(qtbot: Any, console_loop: asyncio.AbstractEventLoop, tmp_path: Path) -> None:
    console = _core(console_loop, qtbot, None, tmp_path / "cache", "unconfigured")
    try:
        bar = ConsoleStatusBar(console.core, console.notifier)
        qtbot.addWidget(bar)
        text = _state_text(bar)
        assert "未配置网关" in text and "在线" not in text and "演示" not in text
        bar.shutdown()
    finally:
        stop_core(console, qtbot)


def test_the_about_box_offers_the_third_party_licences(qtbot: object, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtWidgets import QMessageBox, QWidget

    import console.version as version_mod
    from widgets.shell.about import NoticesDialog, show_about

    notices = tmp_path / "THIRD-PARTY-NOTICES.txt"
    notices.write_text("Qt 6 LGPL-3.0-only\nwritten offer of source\n", encoding="utf-8")
    monkeypatch.setattr(version_mod, "notices_path", lambda: notices)
    parent = QWidget()
    qtbot.addWidget(parent)  # type: ignore[attr-defined]
    parent.show()
    box = show_about(parent)
    assert "版本 " in box.text()
    button = next(b for b in box.buttons() if box.buttonRole(b) == QMessageBox.ButtonRole.ActionRole)
    assert "第三方许可" in button.text()
    dialog = NoticesDialog(parent)  # what the button opens
    assert "written offer of source" in dialog.text.toPlainText()
    box.close()

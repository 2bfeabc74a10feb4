"""The call bar in the main window, against a real kamailio, sipp units and baresip
(console/comms, widgets/comms): what the operator sees and which keys work."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from console.comms import call_records
from console.comms.settings import SipSettings, save_sip_settings
from tests.support.siplab import DOMAIN, Kamailio, SippPeer, binaries_missing, free_udp_port


def _window(console: Any, qtbot: Any) -> Any:
    from widgets.shell.main_window import MainWindow

    window = MainWindow(console.core, console.notifier)
    qtbot.addWidget(window)
    window.show()
    return window


def _seat(console: Any, server: str, **kw: Any) -> None:
    save_sip_settings(Path(console.core.config.cache_dir), SipSettings(
        server=server, user="seat01", domain=DOMAIN, ring_timeout_s=5.0, setup_timeout_s=3.0,
        register_timeout_s=2.0, **kw))


def test_without_sip_settings_the_bar_says_not_configured(offline_console: Any, qtbot: Any) -> None:
    window = _window(offline_console, qtbot)
    bar = window.call_bar
    assert bar.registration_label.text() == "融合通信未配置"
    assert not bar.dial_button.isEnabled() and not bar.hangup_button.isEnabled()
    bar.number_edit.setText("team_flood")
    QTest.keyClick(bar.number_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bar.state_label.text() == "融合通信未配置", timeout=3000)
    window.close()


@pytest.mark.skipif(bool(binaries_missing()), reason="needs kamailio, sipp, baresip (scripts/bootstrap.sh)")
def test_server_down_says_unreachable_within_seconds(offline_console: Any, qtbot: Any) -> None:
    dead = f"127.0.0.1:{free_udp_port()}"
    _seat(offline_console, dead)
    window = _window(offline_console, qtbot)
    bar = window.call_bar
    qtbot.waitUntil(lambda: "服务器不可达" in bar.registration_label.text(), timeout=8000)
    assert bar.registration_label.text() == f"注册失败：服务器不可达（{dead}）"
    assert not bar.dial_button.isEnabled()
    assert bar.calls.agent is not None and bar.calls.agent.process is not None
    proc = bar.calls.agent.process
    window.close()
    assert bar.calls.agent is None  # the user agent went with the window…
    qtbot.waitUntil(lambda: proc.returncode is not None, timeout=5000)  # …and its process too


@pytest.mark.skipif(bool(binaries_missing()), reason="needs kamailio, sipp, baresip (scripts/bootstrap.sh)")
def test_dial_hold_hang_up_by_keyboard_and_an_incoming_call(offline_console: Any, qtbot: Any, tmp_path: Path) -> None:
    kam = Kamailio(tmp_path / "kamailio").start()
    peers: list[SippPeer] = []
    try:
        _seat(offline_console, kam.server)
        peers.append(SippPeer(tmp_path / "answer", kam.server, "team_flood", "answer").start())
        window = _window(offline_console, qtbot)
        bar = window.call_bar
        qtbot.waitUntil(lambda: bar.registration_label.text().startswith("融合通信已注册"), timeout=8000)
        assert bar.audio_label.isVisible() == (bar.calls.agent is not None and not bar.calls.agent.has_audio)
        QTest.keyClick(window, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
        assert bar.number_edit.hasFocus()
        QTest.keyClicks(bar.number_edit, "team_flood")
        QTest.keyClick(bar.number_edit, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: bar.state_label.text().startswith("通话中：team_flood"), timeout=8000)
        QTest.keyClick(window, Qt.Key.Key_F6)
        qtbot.waitUntil(lambda: bar.state_label.text().startswith("保持中："), timeout=5000)
        assert bar.hold_button.text() == "恢复（F6）"
        QTest.keyClick(window, Qt.Key.Key_F6)
        qtbot.waitUntil(lambda: bar.state_label.text().startswith("通话中："), timeout=5000)
        QTest.keyClick(window, Qt.Key.Key_F4)
        qtbot.waitUntil(lambda: bar.state_label.text() == "通话结束：team_flood（已结束）", timeout=5000)
        assert peers[0].wait(10) == 0, peers[0].errors()

        peers.append(SippPeer(tmp_path / "caller", kam.server, "team_rescue", "call", seat="seat01").start())
        qtbot.waitUntil(lambda: bar.state_label.text() == "来电：team_rescue", timeout=8000)
        assert bar.property("ringing") is True and bar.answer_button.isEnabled()
        QTest.keyClick(window, Qt.Key.Key_F3)
        qtbot.waitUntil(lambda: bar.state_label.text().startswith("通话结束：team_rescue"), timeout=8000)
        assert peers[1].wait(10) == 0, peers[1].errors()
        recs = call_records(offline_console.core.auditor.audit_log.records())
        assert [(r.direction, r.outcome) for r in recs] == [("outgoing", "answered"), ("incoming", "answered")]
        assert recs[0].caller == "测试值班员"
        proc = bar.calls.agent.process
        window.close()
        assert bar.calls.agent is None
        qtbot.waitUntil(lambda: proc.returncode is not None, timeout=5000)
    finally:
        for p in peers:
            p.stop()
        kam.stop()


def test_call_keys_are_taken_once_in_the_main_window(offline_console: Any, qtbot: Any) -> None:
    from PySide6.QtGui import QAction, QShortcut

    from widgets.comms.call_bar import KEYS

    window = _window(offline_console, qtbot)
    keys = [sc.key().toString() for sc in window.findChildren(QShortcut)]
    keys += [k.toString() for a in window.findChildren(QAction) for k in a.shortcuts()]
    for key in KEYS.values():
        assert keys.count(key) == 1, (key, keys)
    window.close()


@pytest.mark.skipif(bool(binaries_missing()), reason="needs kamailio, sipp, baresip (scripts/bootstrap.sh)")
def test_click_to_call_a_rescue_team_from_the_call_menu(live_console: Any, qtbot: Any, tmp_path: Path) -> None:
    kam = Kamailio(tmp_path / "kamailio").start()
    peer = SippPeer(tmp_path / "answer", kam.server, "team_flood", "answer").start()
    try:
        _seat(live_console, kam.server)
        qtbot.waitUntil(lambda: "resources" in live_console.core.layers, timeout=20000)
        window = _window(live_console, qtbot)
        bar = window.call_bar
        qtbot.waitUntil(lambda: bar.registration_label.text().startswith("融合通信已注册"), timeout=8000)
        bar._fill_targets_menu()  # what opening 呼叫对象 ▾ does
        teams = next(a.menu() for a in bar.targets_menu.actions() if a.menu() and a.text() == "救援力量与资源")
        action = next(a for a in teams.actions() if a.text() == "区三防抢险队驻地")
        action.trigger()
        qtbot.waitUntil(lambda: bar.state_label.text().startswith("通话中：区三防抢险队驻地"), timeout=8000)
        QTest.keyClick(window, Qt.Key.Key_F4)
        qtbot.waitUntil(lambda: bar.state_label.text().startswith("通话结束：区三防抢险队驻地"), timeout=5000)
        assert peer.wait(10) == 0, peer.errors()
        window.close()
    finally:
        peer.stop()
        kam.stop()

"""The roster's 呼叫 rings the duty officer through the seat's SIP phone, and a call from a
duty officer rings with their name (issue 22: 值班值守 + 融合通信 in one window).

Real components: the embedded feed (the roster), kamailio (registrar/proxy) on loopback,
sipp as the duty officer's phone, the console's baresip user agent.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from console.comms import call_records
from console.comms.settings import SipSettings, save_sip_settings
from console.duty import sip_user
from tests.support.siplab import DOMAIN, Kamailio, SippPeer, binaries_missing

pytestmark = [pytest.mark.timeout(120),
              pytest.mark.skipif(bool(binaries_missing()), reason="needs kamailio, sipp, baresip (scripts/bootstrap.sh)")]


def test_sip_user_part() -> None:
    assert sip_user("sip:8501@duty.pingshan.local") == "8501"
    assert sip_user("<sip:8501@127.0.0.1:5060;transport=udp>") == "8501"
    assert sip_user("8501") == "8501" and sip_user("sips:a.b@host") == "a.b"


def test_the_roster_calls_an_officer_and_names_them_when_they_call(live_console: Any, qtbot: Any,
                                                                   tmp_path: Path) -> None:
    from widgets.shell.main_window import MainWindow

    kam = Kamailio(tmp_path / "kamailio").start()
    peers: list[SippPeer] = []
    try:
        save_sip_settings(Path(live_console.core.config.cache_dir), SipSettings(
            server=kam.server, user="seat01", domain=DOMAIN, ring_timeout_s=5.0, setup_timeout_s=3.0,
            register_timeout_s=2.0))
        window = MainWindow(live_console.core, live_console.notifier)
        qtbot.addWidget(window)
        window.show()
        bar, duty = window.call_bar, window.duty
        qtbot.waitUntil(lambda: bar.registration_label.text().startswith("融合通信已注册"), timeout=10000)
        qtbot.waitUntil(lambda: duty.panel.roster is not None, timeout=20000)
        assert duty.panel.calling_configured()
        duty.show_roster()
        qtbot.waitUntil(lambda: duty.panel.buttons["call"].text() == "呼叫", timeout=5000)
        shift = next(s for s in duty.panel.roster.shifts if s.sip)
        user = sip_user(shift.sip)
        name = duty.panel.desk.call_target(shift).display_name
        peers.append(SippPeer(tmp_path / "officer", kam.server, user, "answer").start())

        duty.panel.select_shift(shift.id)
        duty.panel.request_call()
        qtbot.waitUntil(lambda: bar.state_label.text().startswith(f"通话中：{name}"), timeout=10000)
        QTest.keyClick(window, Qt.Key.Key_F4)
        qtbot.waitUntil(lambda: bar.state_label.text().startswith("通话结束："), timeout=8000)
        assert peers[0].wait(10) == 0, peers[0].errors()

        # The officer calls the seat back: the bar names them from the roster.
        peers.append(SippPeer(tmp_path / "caller", kam.server, user, "call", seat="seat01").start())
        qtbot.waitUntil(lambda: bar.state_label.text() == f"来电：{name}", timeout=10000)
        QTest.keyClick(window, Qt.Key.Key_F3)
        qtbot.waitUntil(lambda: bar.state_label.text().startswith("通话结束："), timeout=10000)
        assert peers[1].wait(10) == 0, peers[1].errors()
        recs = call_records(live_console.core.auditor.audit_log.records())
        assert [(r.direction, r.outcome) for r in recs] == [("outgoing", "answered"), ("incoming", "answered")]
        assert recs[0].link == f"duty:{shift.id}"
        window.close()
    finally:
        for p in peers:
            p.stop()
        kam.stop()

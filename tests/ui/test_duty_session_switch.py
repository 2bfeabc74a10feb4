"""After an acknowledged handover the seat's session follows the incoming officer.

The incoming officer acknowledges at the outgoing officer's seat with their own login (the
值班 panel's 接班确认). The seat is still signed in as the outgoing officer, so everything
done next would be recorded under the wrong name: the console offers to log out at once
and opens the login with the incoming officer's name (Return takes it; 稍后 keeps the
session). Against the real feed's logins.
"""

from __future__ import annotations

import argparse
import asyncio
from types import SimpleNamespace
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMainWindow, QMessageBox

from console.auth import AuthSession
from console.feed_process import FeedProcess
from tests.support.qtsupport import run_task

pytestmark = pytest.mark.timeout(150)


def _signed_in(loop: Any, qtbot: Any, url: str, user: str) -> AuthSession:
    session = AuthSession(url, idle_lock_s=None)
    run_task(loop, qtbot, session.login(user, user))
    return session


def test_the_seat_offers_the_incoming_officer_the_session(login_feed: FeedProcess, console_loop: Any,
                                                          qtbot: Any) -> None:
    from widgets.shell.session_ui import SessionControls

    session = _signed_in(console_loop, qtbot, login_feed.url, "duty")
    window = QMainWindow()
    qtbot.addWidget(window)
    controls = SessionControls.attach(window, session)
    window.show()
    switched: list[str] = []
    controls.switch_requested.connect(switched.append)
    try:
        # Someone else's handover (this seat is not the outgoing officer's): nothing to offer.
        controls.offer_switch("chief", "duty", "值班员")
        assert controls._confirm is None

        controls.offer_switch("duty", "chief", "值班长")
        box = controls._confirm
        assert isinstance(box, QMessageBox) and box.isVisible() and box.objectName() == "ShiftSwitchConfirm"
        assert box.windowTitle() == "接班完成"
        assert "值班长 已确认接班" in box.text() and "记在" in box.text()
        assert box.defaultButton() is box.button(QMessageBox.StandardButton.Yes)
        assert box.button(QMessageBox.StandardButton.Yes).text() == "注销并由接班人登录"
        box.button(QMessageBox.StandardButton.No).click()  # 稍后: the session stays
        assert switched == [] and controls._confirm is None and session.identity is not None

        controls.offer_switch("duty", "chief", "值班长")
        box = controls._confirm
        assert box is not None
        qtbot.keyClick(box, Qt.Key.Key_Return)  # Return takes the switch
        qtbot.waitUntil(lambda: switched == ["chief"], timeout=5000)
    finally:
        controls.shutdown()
        run_task(console_loop, qtbot, session.aclose())


def test_the_switch_logs_out_and_opens_the_login_with_the_incoming_name(login_feed: FeedProcess,
                                                                        console_loop: Any, qtbot: Any) -> None:
    """Wired as the program wires it (widgets.shell.login_flow.attach): the 值班 panel's
    acknowledgement reaches the session's offer; accepting it ends this session's turn
    with the incoming officer's name for the next login."""
    from widgets.duty import DutyPanel
    from widgets.shell import login_flow

    session = _signed_in(console_loop, qtbot, login_feed.url, "duty")
    window = QMainWindow()
    qtbot.addWidget(window)
    panel = DutyPanel(None, parent=window)
    window.duty = SimpleNamespace(panel=panel)  # type: ignore[attr-defined]
    app = SimpleNamespace(args=argparse.Namespace(user=None), core=SimpleNamespace(gateway=None),
                          window=window, logged_out=False, _stop=asyncio.Event())
    window.show()
    controls = login_flow.attach(app, session)
    try:
        panel.taken_over.emit("duty", "chief", "值班长")
        box = controls._confirm
        assert isinstance(box, QMessageBox) and box.isVisible()
        box.button(QMessageBox.StandardButton.Yes).click()
        assert app.logged_out and app.args.user == "chief"
        qtbot.waitUntil(lambda: not window.isVisible(), timeout=5000)
    finally:
        controls.shutdown()
        run_task(console_loop, qtbot, session.aclose())

"""The lock screen throttles wrong passwords like the login and ends the session after
too many (issue 18), driven through the real widget with typed keys and clicks."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMainWindow

from console.auth import UNLOCK_FIRST_WAIT_S, UNLOCK_FREE_TRIES, UNLOCK_MAX_FAILURES, AuthSession
from console.feed_process import FeedProcess
from tests.support.qtsupport import run_task

pytestmark = pytest.mark.timeout(150)


def _locked(qtbot: Any, loop: Any, url: str, clock: list[float]) -> tuple[AuthSession, Any, Any]:
    from widgets.shell.session_ui import SessionControls

    session = AuthSession(url, idle_lock_s=600, clock=lambda: clock[0])
    run_task(loop, qtbot, session.login("chief", "chief"))
    window = QMainWindow()
    qtbot.addWidget(window)
    window.resize(900, 600)
    controls = SessionControls.attach(window, session)
    window.show()
    qtbot.waitExposed(window)
    controls.lock()
    assert controls.lock_screen.isVisible() and session.locked
    return session, window, controls


def _type(qtbot: Any, lock: Any, password: str, *, click: bool = False) -> None:
    qtbot.keyClicks(lock.password, password)
    if click:
        qtbot.mouseClick(lock.unlock_button, Qt.MouseButton.LeftButton)
    else:
        qtbot.keyClick(lock.password, Qt.Key.Key_Return)


def test_wrong_passwords_wait_longer_and_then_end_the_session(login_feed: FeedProcess, console_loop: Any,
                                                              qtbot: Any) -> None:
    assert (UNLOCK_FREE_TRIES, UNLOCK_FIRST_WAIT_S, UNLOCK_MAX_FAILURES) == (3, 5.0, 5)  # the documented policy
    clock = [1000.0]
    session, _window, controls = _locked(qtbot, console_loop, login_feed.url, clock)
    lock = controls.lock_screen
    ended: list[bool] = []
    controls.logout_requested.connect(lambda: ended.append(True))

    for _ in range(UNLOCK_FREE_TRIES - 1):
        _type(qtbot, lock, "wrong")
        assert lock.error.text() == "密码错误" and lock.unlock_button.isEnabled()
    _type(qtbot, lock, "wrong", click=True)
    assert lock.error.text() == "密码错误次数过多，请 5 秒后再试；再错 2 次将注销并返回登录"
    assert not lock.unlock_button.isEnabled() and lock.isVisible()

    # During the wait even the right password is not checked, and the wait counts down.
    _type(qtbot, lock, "chief")
    assert session.locked and lock.isVisible() and "请 5 秒后再试" in lock.error.text()
    clock[0] += 3.2
    qtbot.waitUntil(lambda: "请 2 秒后再试" in lock.error.text(), timeout=3000)
    clock[0] += 2.0
    qtbot.waitUntil(lock.unlock_button.isEnabled, timeout=3000)
    assert lock.error.text() == ""

    # The next wrong password waits twice as long.
    _type(qtbot, lock, "wrong")
    assert lock.error.text() == "密码错误次数过多，请 10 秒后再试；再错 1 次将注销并返回登录"
    clock[0] += 10.0
    qtbot.waitUntil(lock.unlock_button.isEnabled, timeout=3000)

    # The fifth wrong password in a row ends the session: no confirmation, straight to login.
    _type(qtbot, lock, "wrong", click=True)
    assert lock.error.text() == "密码连续错误 5 次，已注销，请重新登录"
    assert ended == [True] and controls._confirm is None
    assert session.state == "signed_out" and session.identity is None and session.token is None
    controls.shutdown()
    run_task(console_loop, qtbot, session.aclose())


def test_the_right_password_after_a_wait_forgives_the_failures(login_feed: FeedProcess, console_loop: Any,
                                                               qtbot: Any) -> None:
    clock = [50.0]
    session, _window, controls = _locked(qtbot, console_loop, login_feed.url, clock)
    lock = controls.lock_screen
    for _ in range(UNLOCK_FREE_TRIES):
        _type(qtbot, lock, "wrong")
    assert not lock.unlock_button.isEnabled()
    clock[0] += UNLOCK_FIRST_WAIT_S
    qtbot.waitUntil(lock.unlock_button.isEnabled, timeout=3000)
    _type(qtbot, lock, "chief")
    assert not lock.isVisible() and not session.locked and session.unlock_failures == 0
    # Locked again later: the free tries are back.
    controls.lock()
    for _ in range(UNLOCK_FREE_TRIES - 1):
        _type(qtbot, lock, "wrong")
        assert lock.error.text() == "密码错误" and lock.unlock_button.isEnabled()
    _type(qtbot, lock, "chief")
    assert not lock.isVisible() and session.state == "active"
    controls.shutdown()
    run_task(console_loop, qtbot, session.aclose())

"""The login dialog, the lock screen and role gating in the views, against the real feed."""

from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMainWindow, QMessageBox

from console.auth import AuthSession, bind_core, config_fields
from console.feed_process import FeedProcess
from tests.support.qtsupport import run_task, stop_core  # noqa: F401

pytestmark = pytest.mark.timeout(150)



def _session(loop: Any, qtbot: Any, url: str, user: str | None = None, **kw: Any) -> AuthSession:
    session = AuthSession(url, **kw)
    if user:
        run_task(loop, qtbot, session.login(user, user))
    return session


def test_login_dialog_wrong_then_right_password(login_feed: FeedProcess, console_loop: Any, qtbot: Any) -> None:
    from widgets.shell.login_dialog import LoginDialog

    session = _session(console_loop, qtbot, login_feed.url)
    dialog = LoginDialog(session, "duty")
    qtbot.addWidget(dialog)
    dialog.open()
    assert dialog.user.text() == "duty" and dialog.password.echoMode() == dialog.password.EchoMode.Password
    dialog.login_button.click()  # empty password: said at once, nothing sent
    assert dialog.error.text() == "请输入用户名和密码"
    dialog.password.setText("wrong")
    dialog.login_button.click()
    qtbot.waitUntil(lambda: dialog.error.text() == "用户名或密码错误", timeout=10000)
    assert dialog.password.text() == "" and dialog.isVisible()
    dialog.password.setText("duty")
    with qtbot.waitSignal(dialog.accepted, timeout=10000):
        dialog.login_button.click()
    assert session.state == "active" and session.identity.role == "operator"
    run_task(console_loop, qtbot, session.aclose())


def test_login_dialog_return_never_reaches_quit(login_feed: FeedProcess, console_loop: Any, qtbot: Any) -> None:
    """Issue 21: Return during the login went to 退出 (autoDefault, focus moved off the
    disabled field) and quit the program. The real-key version is test_real_x_login.py."""
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QPushButton

    from widgets.shell.login_dialog import LoginDialog

    session = _session(console_loop, qtbot, login_feed.url)
    dialog = LoginDialog(session, "duty")
    qtbot.addWidget(dialog)
    dialog.open()
    others = [b for b in dialog.findChildren(QPushButton) if b is not dialog.login_button]
    assert others and not any(b.isDefault() or b.autoDefault() for b in others)
    assert dialog.login_button.isDefault()
    rejected: list[int] = []
    dialog.rejected.connect(lambda: rejected.append(1))
    dialog.password.setText("duty")
    with qtbot.waitSignal(dialog.accepted, timeout=10000):
        QTest.keyClick(dialog.password, Qt.Key.Key_Return)
        # While the login runs the field keeps its focus (read-only, not disabled) and a
        # second Return changes nothing.
        assert dialog.password.isEnabled() and dialog.password.isReadOnly()
        QTest.keyClick(dialog.password, Qt.Key.Key_Return)
    assert not rejected and session.state == "active"
    run_task(console_loop, qtbot, session.aclose())


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl CLI")
def test_login_dialog_names_an_untrusted_certificate(console_loop: Any, qtbot: Any, tmp_path: Path) -> None:
    from tests.support.certsupport import make_ca, make_server_cert
    from widgets.shell.login_dialog import LoginDialog

    ca = make_ca(tmp_path, "district-ca")
    wrong = make_ca(tmp_path, "other-ca")
    crt, key = make_server_cert(tmp_path, ca)
    with FeedProcess(seed=1, alerts_per_s=0, readings_per_s=1, data_dir=tmp_path / "feed",
                     extra_args=("--require-login", "--ssl-certfile", str(crt), "--ssl-keyfile", str(key))) as feed:
        session = AuthSession(feed.url, verify=wrong[0])
        dialog = LoginDialog(session, "duty")
        qtbot.addWidget(dialog)
        dialog.open()
        dialog.password.setText("duty")
        dialog.login_button.click()
        qtbot.waitUntil(lambda: "网关证书无法验证" in dialog.error.text(), timeout=15000)
        assert "请检查 CA 证书配置" in dialog.error.text() and dialog.isVisible()
        run_task(console_loop, qtbot, session.aclose())


def _live(loop: Any, qtbot: Any, url: str, user: str, cache: Path) -> SimpleNamespace:
    from widgets.bridge import PictureNotifier
    from console.runtime import ConsoleConfig, ConsoleCore

    session = _session(loop, qtbot, url, user)
    core = ConsoleCore(ConsoleConfig(backend_url=url, cache_dir=cache, **config_fields(session)))
    run_task(loop, qtbot, core.start())
    bind_core(session, core)
    return SimpleNamespace(core=core, notifier=PictureNotifier(core.picture), loop=loop, session=session)


@pytest.mark.parametrize("user,expected", [
    ("viewer", set()),
    ("admin", set()),
    ("duty", {"acknowledge", "merge", "note"}),
    ("chief", {"acknowledge", "escalate", "urge", "merge", "note"}),
])
def test_views_offer_only_what_the_role_allows(login_feed: FeedProcess, console_loop: Any, qtbot: Any,
                                               tmp_path: Path, user: str, expected: set[str]) -> None:
    from widgets.alert_queue import AlertQueuePanel

    console = _live(console_loop, qtbot, login_feed.url, user, tmp_path / "c")
    try:
        store = console.core.picture.alerts
        qtbot.waitUntil(lambda: any(a.status == "new" and a.level != "red" and a.reporter_phone
                                    for a in store.values()), timeout=30000)
        alert = next(a for a in store.values() if a.status == "new" and a.level != "red" and a.reporter_phone)
        panel = AlertQueuePanel(console.core, console.notifier)
        qtbot.addWidget(panel)
        panel.resize(1500, 700)
        panel.show()
        qtbot.waitUntil(lambda: panel.select_alert(alert.id), timeout=5000)
        d = panel.detail
        enabled = {v for v, b in d.buttons.items() if b.isEnabled()}
        shown = {v for v, b in d.buttons.items() if b.isVisible()}
        assert enabled == expected
        assert enabled <= shown
        assert panel.ack_button.isEnabled() == ("acknowledge" in expected)
        assert panel.ack_button.isVisible() == ("acknowledge" in expected)
        assert d.reveal_button.isVisible() == (user == "chief")
        if not expected:
            assert not d.text_edit.isEnabled() and not d.unit_combo.isEnabled()
            # A shortcut or a direct call is refused in Chinese, and nothing reaches the outbox.
            msgs: list[str] = []
            panel.message.connect(lambda text, _err: msgs.append(text))
            assert not panel.acknowledge_selected()
            assert not d.perform("note")
            assert msgs and "权" in msgs[0]
            assert console.core.outbox.counts().get("pending", 0) == 0
            if user == "viewer":  # the administrator may export; the viewer may not
                assert panel.export_csv(str(tmp_path / "q.csv")) is None
                assert not (tmp_path / "q.csv").exists()
        panel.close()
    finally:
        stop_core(console, qtbot)
        run_task(console_loop, qtbot, console.session.aclose())


def _window_with_controls(qtbot: Any, session: AuthSession) -> tuple[QMainWindow, Any, QAction]:
    from widgets.shell.session_ui import SessionControls

    window = QMainWindow()
    qtbot.addWidget(window)
    menu = window.menuBar().addMenu("告警")
    export = QAction("导出", window)
    export.setShortcut("Ctrl+Shift+E")
    menu.addAction(export)
    window.addAction(export)
    window.resize(900, 600)
    controls = SessionControls.attach(window, session)
    window.show()
    qtbot.waitExposed(window)
    return window, controls, export


def test_window_menu_entries_follow_the_seat(login_feed: FeedProcess, console_loop: Any, qtbot: Any) -> None:
    from widgets.shell.session_ui import SessionControls

    for user, shown in (("viewer", set()), ("admin", {"export_csv", "handover"}),
                        ("duty", {"import_cap", "export_csv", "handover"})):
        session = _session(console_loop, qtbot, login_feed.url, user)
        window = QMainWindow()
        qtbot.addWidget(window)
        window.alert_actions = {k: QAction(k, window) for k in ("import_cap", "export_csv", "handover", "flash")}
        controls = SessionControls.attach(window, session)
        visible = {k for k, a in window.alert_actions.items() if a.isVisible() and a.isEnabled()}
        assert visible == shown | {"flash"}, user
        controls.shutdown()
        run_task(console_loop, qtbot, session.aclose())


def test_lock_screen_shortcut_password_and_idle(login_feed: FeedProcess, console_loop: Any, qtbot: Any) -> None:
    clock = [0.0]
    session = _session(console_loop, qtbot, login_feed.url, "chief", idle_lock_s=600, clock=lambda: clock[0])
    window, controls, export = _window_with_controls(qtbot, session)
    lock = controls.lock_screen
    titles = [a.text() for a in window.menuBar().actions()]
    assert "账户(&U)" in titles
    from console.auth import Identity
    from widgets.shell.session_ui import SessionControls as SC

    street_seat = Identity("maluan", "马峦街道分中心值班员", "operator", "maluan")
    assert SC.identity_text(street_seat) == "马峦街道分中心值班员 maluan（值班员 · 马峦街道）"
    assert controls.lock_action.shortcut().toString() == "Ctrl+Shift+L"

    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lock.isVisible, timeout=5000)
    assert session.locked and lock.title.text() == "值班台已锁定"
    assert lock.geometry() == window.rect()
    assert not export.isEnabled()  # nothing reachable behind the lock
    lock.password.setText("wrong")
    lock.unlock_button.click()
    assert lock.error.text() == "密码错误" and lock.isVisible()
    lock.password.setText("chief")
    lock.unlock_button.click()
    assert not lock.isVisible() and not session.locked and export.isEnabled()

    # Idle: no input for the configured time locks the console.
    clock[0] += 599
    controls._on_idle_tick()
    assert not lock.isVisible()
    clock[0] += 2
    controls._on_idle_tick()
    assert lock.isVisible() and session.locked
    lock.password.setText("chief")
    lock.password.returnPressed.emit()
    assert not lock.isVisible()
    controls.shutdown()
    run_task(console_loop, qtbot, session.aclose())


def test_lapsed_login_asks_for_the_password_and_logout_confirms(login_feed: FeedProcess, console_loop: Any,
                                                               qtbot: Any) -> None:
    import httpx

    session = _session(console_loop, qtbot, login_feed.url, "duty")
    window, controls, export = _window_with_controls(qtbot, session)
    lock = controls.lock_screen
    httpx.post(login_feed.url + "/_sim/auth", json={"action": "revoke"}, timeout=10)
    assert not run_task(console_loop, qtbot, session.refresh())
    assert session.state == "expired"
    assert lock.isVisible() and lock.mode == "relogin" and lock.title.text() == "登录已失效"
    assert "登录" in lock.error.text()
    assert not export.isEnabled()
    lock.password.setText("duty")
    lock.unlock_button.click()
    # While the login runs the field keeps the focus (read-only, not disabled: a disabled
    # field hands its focus to 注销), and 注销 never takes Return.
    assert lock.password.isEnabled() and lock.password.isReadOnly() and not lock.logout_button.autoDefault()
    qtbot.waitUntil(lambda: not lock.isVisible(), timeout=10000)
    assert session.state == "active" and export.isEnabled() and not lock.password.isReadOnly()

    # 注销 asks first (a non-blocking box), then says so.
    fired: list[bool] = []
    controls.logout_requested.connect(lambda: fired.append(True))
    controls.logout_action.trigger()
    box = controls._confirm
    assert isinstance(box, QMessageBox) and box.isVisible()
    box.button(QMessageBox.StandardButton.No).click()
    assert not fired
    controls.logout_action.trigger()
    controls._confirm.button(QMessageBox.StandardButton.Yes).click()
    assert fired == [True]
    controls.shutdown()
    run_task(console_loop, qtbot, session.aclose())


def test_main_window_locks_over_every_panel(login_feed: FeedProcess, console_loop: Any, qtbot: Any,
                                            tmp_path: Path) -> None:
    """The real main window: 账户 menu before 帮助, the overlay covers it, and the panels'
    shortcuts and the window's actions are off while locked (退出 stays)."""
    from PySide6.QtGui import QShortcut

    from widgets.shell.main_window import MainWindow
    from widgets.shell.session_ui import SessionControls

    console = _live(console_loop, qtbot, login_feed.url, "chief", tmp_path / "c")
    window = MainWindow(console.core, console.notifier)  # deleted below, not by qtbot
    try:
        controls = SessionControls.attach(window, console.session)
        window.show()
        qtbot.waitExposed(window)
        menus = [a.text() for a in controls.menu.parentWidget().actions()]
        assert menus.index("账户(&U)") == len(menus) - 2  # just before 帮助
        assert controls.who_action.text() == "当前用户：chief（值班长）"
        assert window.header.operator.text() == "chief（值班长）"
        shortcuts = window.findChildren(QShortcut)
        assert shortcuts and all(s.isEnabled() for s in shortcuts)
        controls.lock()
        assert controls.lock_screen.isVisible() and controls.lock_screen.geometry() == window.rect()
        assert not any(s.isEnabled() for s in shortcuts)
        assert window.quit_action.isEnabled() and not window.alert_actions["export_csv"].isEnabled()
        controls.lock_screen.password.setText("chief")
        controls.lock_screen.attempt()
        assert all(s.isEnabled() for s in shortcuts) and window.alert_actions["export_csv"].isEnabled()
    finally:
        # Delete the window (and its map's web page) while the loop still runs: a page
        # left to interpreter exit takes the process down with it.
        window.close()
        gone: list[bool] = []
        window.destroyed.connect(lambda *_: gone.append(True))
        window.deleteLater()
        qtbot.waitUntil(lambda: bool(gone), timeout=10000)
        stop_core(console, qtbot)
        run_task(console_loop, qtbot, console.session.aclose())

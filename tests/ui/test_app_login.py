"""The program's sign-in: ``--user NAME --password-stdin`` against a gateway that requires
login, a wrong password ending the run with a Chinese message, bad options refused, and
logout → login again in one run (the cache kept, a new core for the new session)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from console.feed_process import FeedProcess
from tests.support.qtsupport import run_task

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.timeout(170)



def _app(args: list[str], stdin: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env.pop("PINGSHAN_CACHE_DIR", None)
    return subprocess.run([sys.executable, "-m", "widgets.shell.app", *args, "--cache", str(tmp_path / "cache")],
                          cwd=ROOT, env=env, input=stdin, capture_output=True, text=True, timeout=150)


def test_password_stdin_opens_the_console_as_that_user(login_feed: FeedProcess, tmp_path: Path) -> None:
    proc = _app(["--backend", login_feed.url, "--user", "viewer", "--password-stdin",
                 "--screenshot", str(tmp_path / "shots"), "--after", "3"], "viewer\n", tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (tmp_path / "shots" / "main-window.png").exists()
    log = (tmp_path / "cache" / "console.log").read_text(encoding="utf-8")
    assert "logged in as viewer (viewer, district)" in log and "console window shown" in log
    assert "Traceback" not in proc.stderr


def test_wrong_password_ends_the_run_in_chinese(login_feed: FeedProcess, tmp_path: Path) -> None:
    proc = _app(["--backend", login_feed.url, "--user", "duty", "--password-stdin"], "nope\n", tmp_path)
    assert proc.returncode == 1
    assert "登录失败：用户名或密码错误" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize("args,message", [
    (["--password-stdin"], "--password-stdin needs --user NAME"),
    (["--ca", "no-such-ca.pem"], "CA 证书文件不存在：no-such-ca.pem"),
])
def test_bad_identity_options_are_refused(tmp_path: Path, args: list[str], message: str) -> None:
    proc = _app(["--backend", "https://127.0.0.1:9", *args], "", tmp_path)
    assert proc.returncode == 2 and message in proc.stderr, proc.stderr


def test_logout_then_login_again_keeps_the_cache(login_feed: FeedProcess, console_loop: Any, qtbot: Any,
                                                 tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtWidgets import QMessageBox

    from widgets.shell.app import ConsoleApp, parse_args

    # Two logins typed on standard input: one at start, one after 注销.
    monkeypatch.setattr(sys, "stdin", io.StringIO("duty\nduty\n"))
    args = parse_args(["--backend", login_feed.url, "--user", "duty", "--password-stdin",
                       "--cache", str(tmp_path / "cache")])
    app = ConsoleApp(args)
    task = console_loop.create_task(app.run())
    try:
        qtbot.waitUntil(lambda: app.window is not None and app.window.isVisible()
                        and app.core.picture.connection.state == "live", timeout=60000)
        first_core, first_window, first_session = app.core, app.window, app.session
        assert first_core.config.role == "operator" and first_core.gateway.token == first_session.token
        qtbot.waitUntil(lambda: len(first_core.picture.alerts) > 0, timeout=30000)
        controls = first_window.session_controls
        controls.request_logout()
        controls._confirm.button(QMessageBox.StandardButton.Yes).click()
        # The first session ends: stream stopped, token forgotten; a new login opens a new console.
        qtbot.waitUntil(lambda: app.window is not None and app.window is not first_window
                        and app.window.isVisible(), timeout=60000)
        assert first_core._stopped and first_session.token is None and first_session.state == "signed_out"
        assert app.session is not first_session and app.session.state == "active"
        # The cache was kept: the new core restored the picture from it at start.
        assert (tmp_path / "cache" / "console.sqlite").exists()
        assert app.core.restored > 0 or len(app.core.picture.alerts) > 0
        app.request_stop()
        qtbot.waitUntil(task.done, timeout=60000)
        assert task.result() == 0
    finally:
        if not task.done():
            app.request_stop()
            qtbot.waitUntil(task.done, timeout=60000)


@pytest.mark.skipif(__import__("shutil").which("openssl") is None, reason="needs the openssl CLI")
def test_untrusted_gateway_at_start_opens_the_login_with_the_reason(console_loop: Any, qtbot: Any,
                                                                    tmp_path: Path) -> None:
    from PySide6.QtWidgets import QApplication

    from tests.support.certsupport import make_ca, make_server_cert
    from widgets.shell import login_flow
    from widgets.shell.app import parse_args
    from widgets.shell.login_dialog import LoginDialog

    ca = make_ca(tmp_path, "district-ca")
    wrong = make_ca(tmp_path, "other-ca")
    crt, key = make_server_cert(tmp_path, ca)
    with FeedProcess(seed=1, alerts_per_s=0, readings_per_s=1, data_dir=tmp_path / "feed",
                     extra_args=("--ssl-certfile", str(crt), "--ssl-keyfile", str(key))) as feed:
        args = parse_args(["--backend", feed.url, "--ca", str(wrong[0]), "--cache", str(tmp_path / "cache")])
        task = console_loop.create_task(login_flow.sign_in(args, feed.url))

        def dialog() -> LoginDialog | None:
            found = [w for w in QApplication.topLevelWidgets() if isinstance(w, LoginDialog) and w.isVisible()]
            return found[0] if found else None

        qtbot.waitUntil(lambda: dialog() is not None, timeout=15000)
        text = dialog().error.text()
        assert text.startswith("网关证书无法验证：") and "请检查 CA 证书配置" in text
        dialog().quit_button.click()
        qtbot.waitUntil(task.done, timeout=10000)
        assert task.result() is False


def test_unreachable_gateway_at_start_does_not_block(console_loop: Any, qtbot: Any, tmp_path: Path) -> None:
    from widgets.shell import login_flow
    from widgets.shell.app import parse_args

    args = parse_args(["--backend", "http://127.0.0.1:9", "--cache", str(tmp_path / "cache")])
    assert run_task(console_loop, qtbot, login_flow.sign_in(args, "http://127.0.0.1:9")) is None


def test_record_logs_in_with_user_and_stdin(login_feed: FeedProcess, tmp_path: Path) -> None:
    def rec(password: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "console.cli", "record", "--backend", login_feed.url,
                               "--seconds", "3", "--jsonl", str(tmp_path / "out.jsonl"), "--user", "maluan"],
                              cwd=ROOT, input=password + "\n", capture_output=True, text=True, timeout=60)

    ok = rec("maluan")
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.strip().splitlines()[-1].startswith("accepted=")
    import httpx

    assert httpx.post(login_feed.url + "/_sim/auth", json={"action": "stats"}, timeout=10).json()["issued"] == 1
    lines = (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()
    assert all('"street":"maluan"' in ln or '"street":null' in ln for ln in lines)  # its street only
    bad = rec("wrong")
    assert bad.returncode == 1 and "错误：用户名或密码错误" in bad.stderr and "Traceback" not in bad.stderr


def test_demo_logs_in_by_itself_then_offers_the_dialog_after_logout(console_loop: Any, qtbot: Any,
                                                                    tmp_path: Path) -> None:
    from PySide6.QtWidgets import QApplication

    from widgets.shell import login_flow
    from widgets.shell.app import parse_args
    from widgets.shell.login_dialog import LoginDialog

    with FeedProcess(seed=1, alerts_per_s=0, readings_per_s=1, data_dir=tmp_path / "feed") as feed:
        args = parse_args(["--demo", "--cache", str(tmp_path / "cache")])
        first = run_task(console_loop, qtbot, login_flow.sign_in(args, feed.url))
        assert first.identity.username == "duty" and first.identity.role == "operator"
        first.logout()
        run_task(console_loop, qtbot, first.aclose())
        task = console_loop.create_task(login_flow.sign_in(args, feed.url))

        def dialog() -> LoginDialog | None:
            found = [w for w in QApplication.topLevelWidgets() if isinstance(w, LoginDialog) and w.isVisible()]
            return found[0] if found else None

        qtbot.waitUntil(lambda: dialog() is not None, timeout=15000)
        dialog().user.setText("viewer")
        dialog().password.setText("viewer")
        dialog().login_button.click()
        qtbot.waitUntil(task.done, timeout=15000)
        second = task.result()
        assert second.identity.role == "viewer"
        run_task(console_loop, qtbot, second.aclose())


def test_a_demo_console_logs_in_as_the_seat_of_its_profile() -> None:
    """``./run.sh --profile biling`` logs in to the embedded feed as 碧岭's sub-centre seat;
    without a street profile, as the district duty operator."""
    import argparse
    from types import SimpleNamespace

    from district.identity import DEMO_USERS
    from widgets.shell.login_flow import DEMO_USER, demo_seat

    seats = {u.username: u for u in DEMO_USERS}
    for street in ("pingshan", "maluan", "biling", "shijing", "kengzi", "longtian"):
        seat = demo_seat(argparse.Namespace(profile_obj=SimpleNamespace(street=street)))
        assert seats[seat].street == street and seats[seat].role == "operator"
    assert demo_seat(argparse.Namespace(profile_obj=SimpleNamespace(street=None))) == DEMO_USER
    assert demo_seat(argparse.Namespace()) == DEMO_USER

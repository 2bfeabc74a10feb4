"""Login by keyboard in a real X session (Xvfb + openbox + xdotool), the program as shipped.

Issue 21: typing the password and pressing Return closed the whole console (starting
the login disabled the field, focus went to 退出, which became the default button and
took the same Return). Offscreen Qt never shows this: no real focus, no real keys.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Iterator

import pytest

from console.feed_process import FeedProcess
from tests.support.realx_support import XSession, x_session  # noqa: F401
from tests.support.realx_support import LOGIN_TITLE, MAIN_TITLE, Console

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.real_x, pytest.mark.timeout(240)]


@pytest.fixture
def console_on_x(x_session: XSession, login_feed: FeedProcess, tmp_path: Path) -> Iterator[Console]:  # noqa: F811
    """The console against a gateway that requires login, ``--user duty``: the login dialog first."""
    console = Console(x_session, ["--backend", login_feed.url, "--user", "duty", "--profile", "district"], tmp_path)
    try:
        yield console
    finally:
        console.stop()


def _login(x: XSession, console: Console, password: str) -> None:
    x.wait_window(LOGIN_TITLE, alive=console.alive)
    x.type(password)
    x.key("Return")


def test_password_and_return_log_in_and_logout_logs_in_again(x_session: XSession,  # noqa: F811
                                                            console_on_x: Console) -> None:
    x, console = x_session, console_on_x
    _login(x, console, "duty")
    # The old bug: this Return reached 退出 and the process ended with code 0.
    console.wait_log("logged in as duty")
    console.wait_log("console window shown")
    x.wait_window(MAIN_TITLE, alive=console.alive)
    time.sleep(1.0)
    assert console.alive() and not x.windows(LOGIN_TITLE)

    # Change seat by keyboard: 账户 → 注销…, confirm, log in as another user.
    x.key("alt+u", "Up", "Return")  # Up from the top wraps to the menu's last entry, 注销…
    x.wait_window("^注销$", alive=console.alive)
    x.key("Tab", "Return")  # the box defaults to 取消; Tab reaches 注销
    x.wait_window(LOGIN_TITLE, timeout=60, alive=console.alive)
    x.key("shift+Tab", "ctrl+a")
    x.type("chief")
    x.key("Tab")
    x.type("chief")
    x.key("Return")
    console.wait_log("logged in as chief")
    console.wait_log("console window shown", count=2)
    x.wait_window(MAIN_TITLE, alive=console.alive)
    time.sleep(1.0)
    assert console.alive() and not x.windows(LOGIN_TITLE)
    assert console.stop() == 0


def test_return_while_the_login_runs_does_no_harm(x_session: XSession,  # noqa: F811
                                                 console_on_x: Console) -> None:
    x, console = x_session, console_on_x
    x.wait_window(LOGIN_TITLE, alive=console.alive)
    x.type("duty")
    x.key("Return", "Return", "Return")  # impatient: Return again while the login is under way
    console.wait_log("console window shown")
    assert console.log().count("logged in as duty") == 1
    x.wait_window(MAIN_TITLE, alive=console.alive)
    assert console.alive()

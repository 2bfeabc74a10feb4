"""A duty shift by keyboard in a real X session (Xvfb + openbox + xdotool), the program as
shipped (issue 21): log in, work a red alert to 闭环, search by pinyin, declare a Level Ⅱ
response, complete a plan step, issue an order, write a log note, stand down, open the
report and write the handover — no mouse. Each step is checked where it shows: what the
operator was told (the status bar, which the console also writes to its log), the
gateway's own state, the files in the reports folder.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.support.realx_support import XSession, x_session  # noqa: F401
from tests.support.realx_support import LOGIN_TITLE, MAIN_TITLE, Console

from console.feed_process import FeedProcess

pytestmark = [pytest.mark.real_x, pytest.mark.timeout(420)]

GRAB = ("from PySide6.QtGui import QGuiApplication; import sys; app = QGuiApplication([]); "
        "QGuiApplication.primaryScreen().grabWindow(0).save(sys.argv[1])")


def _shot(x: XSession, path: Path) -> None:
    """The X screen as PNG (kept with the test's files: what the screen showed at a failure)."""
    subprocess.run([sys.executable, "-c", GRAB, str(path)], env=x.env, timeout=30, capture_output=True, check=False)


def _wait(what: str, check: Callable[[], Any], console: Console, timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        got = check()
        if got:
            return got
        assert console.alive(), f"the console ended while waiting for {what}:\n{console.log()[-2000:]}"
        assert time.monotonic() < deadline, f"no {what} within {timeout:.0f} s:\n{console.log()[-3000:]}"
        time.sleep(0.3)


@pytest.fixture
def chief_on_x(x_session: XSession, login_feed: FeedProcess, tmp_path: Path) -> Iterator[Console]:  # noqa: F811
    console = Console(x_session, ["--backend", login_feed.url, "--user", "chief", "--profile", "district"], tmp_path)
    try:
        yield console
    finally:
        _shot(x_session, tmp_path / "last-screen.png")
        console.stop()


def test_a_shift_by_keyboard(x_session: XSession, chief_on_x: Console, login_feed: FeedProcess,  # noqa: F811
                             tmp_path: Path) -> None:
    x, console, feed = x_session, chief_on_x, login_feed

    def state() -> dict[str, Any]:
        return httpx.get(f"{feed.url}/_sim/state", timeout=10).json()  # type: ignore[no-any-return]

    def told(pattern: str, after: int = 0) -> re.Match[str] | None:
        """The first status-bar message (from the log) matching ``pattern`` after offset ``after``."""
        return re.search(r"status(?: \(error\))?: " + pattern, console.log()[after:])

    def mark() -> int:
        return len(console.log())

    def work(key: str, alert_id: str, status: str) -> None:
        """Press ``key`` until the gateway has the alert in ``status``. The console refuses
        while the previous step's echo is still on its way ("上一条指令尚未确认" or "当前状态不能…"),
        as it should; an operator presses again, so does this."""
        for _ in range(10):
            at = mark()
            x.key(key)
            outcome = _wait(f"{key} → {status}", lambda at=at: state()["alerts"][alert_id]["status"] == status
                            or told("(?:上一条指令尚未确认|当前状态不能)", at), console)
            if outcome is True:
                return
            time.sleep(0.7)
        raise AssertionError(f"{key} never brought {alert_id} to {status}:\n{console.log()[-2000:]}")

    # 1. Log in by typing the password and Return; the window opens maximised on the screen.
    x.wait_window(LOGIN_TITLE, alive=console.alive)
    x.type("chief")
    x.key("Return")
    console.wait_log("logged in as chief")
    console.wait_log("console window shown")
    window = x.wait_window(MAIN_TITLE, alive=console.alive)
    geometry = x.xdotool("getwindowgeometry", window)
    size = re.search(r"Geometry: (\d+)x(\d+)", geometry)
    assert size and int(size.group(1)) >= 1900, geometry

    # 2. A red alert, worked to 闭环 from the queue by keys only.
    red = None
    for _ in range(10):
        httpx.post(f"{feed.url}/_sim/burst", json={"alerts": 40, "over_s": 0.5}, timeout=10).raise_for_status()
        time.sleep(1.0)
        red = next((k for k, v in state()["alerts"].items() if v["level"] == "red" and v["status"] == "new"), None)
        if red:
            break
    assert red, "the feed made no new red alert"
    at = mark()
    x.key("ctrl+3", "ctrl+f", "ctrl+a")
    x.type(red)
    _wait("the queue narrowed to the red alert",
          lambda: re.search(r"queue filter: .*筛选后 1\b", console.log()[at:]), console, timeout=30)
    x.key("ctrl+3", "Down")  # the first ↓ selects the first row
    work("ctrl+Return", red, "acknowledged")
    for _ in range(10):  # no unit chosen: the pane says so and puts the cursor on the unit list
        at = mark()
        x.key("ctrl+d")
        if _wait("the dispatch hint", lambda at=at: told("(请选择承办单位|上一条指令尚未确认|当前状态不能分拨)", at), console,
                 timeout=10).group(1) == "请选择承办单位":
            break
        time.sleep(0.7)
    x.key("Down")
    work("ctrl+d", red, "dispatched")
    work("ctrl+g", red, "in_progress")
    for _ in range(10):  # no result written: the cursor goes to the text box
        at = mark()
        x.key("ctrl+j")
        if _wait("the result hint", lambda at=at: told("(请填写处置结果|上一条指令尚未确认|当前状态不能办结)", at), console,
                 timeout=10).group(1) == "请填写处置结果":
            break
        time.sleep(0.7)
    x.type("cleared on site")
    work("ctrl+j", red, "resolved")
    work("ctrl+l", red, "closed")
    _shot(x, tmp_path / "01-closed.png")

    # 3. Search by pinyin: maluan finds 马峦; nonsense says 无结果 and why.
    at = mark()
    x.key("ctrl+f", "ctrl+a")
    x.type("maluan")
    found = _wait("a pinyin result", lambda: re.search(r"queue filter: .*筛选后 (\d+)", console.log()[at:]), console,
                  timeout=30)
    assert int(found.group(1)) > 0, found.group(0)
    at = mark()
    x.type(" qqxx")
    _wait("无结果", lambda: re.search(r"queue filter: 无结果 — 筛选：搜索“maluan qqxx”", console.log()[at:]), console,
          timeout=30)
    x.key("ctrl+a", "BackSpace")
    _shot(x, tmp_path / "02-search.png")

    # 4. Declare a Level Ⅱ response in 马峦 by keys.
    before = set(state()["incidents"])
    x.key("ctrl+shift+w")
    x.wait_window("^宣布启动应急响应$", alive=console.alive)
    x.key("Tab", "Up", "Up")          # 响应级别: Ⅳ → Ⅱ
    x.key("Tab", "Down", "Down")      # 所在街道: （按经纬度） → 坪山 → 马峦
    x.key("Tab", "Tab", "Tab", "Tab", "Tab")  # 经度, 纬度, 半径, 名称 → 启动事由
    x.type("rain 60 mm per hour")
    x.key("Return", "Return")         # Return leaves the reason for 宣布启动; the second declares
    incident = _wait("the declaration at the gateway", lambda: set(state()["incidents"]) - before, console).pop()
    _shot(x, tmp_path / "03-declared.png")

    # 5. Complete a plan step (预案 page of 战时指挥).
    rev = _wait("the incident", lambda: state()["incidents"].get(incident), console)
    for _ in range(5):  # the checklist is live once the declaration's echo is back (≈ 0.6 s)
        time.sleep(1.0)
        at = mark()
        x.key("ctrl+5", "Tab", "Down", "ctrl+Return")
        if _wait("an answer to 完成所选步骤", lambda at=at: told("(已提交：完成预案步骤|.+)", at), console,
                 timeout=15).group(1) == "已提交：完成预案步骤":
            break
    _wait("a completed step", lambda: state()["incidents"][incident] > rev, console)
    _shot(x, tmp_path / "04-step.png")

    # 6. Issue an order from the 任务 form.
    tasks = set(state()["tasks"])
    x.key("ctrl+5", "ctrl+Tab")  # 预案 → 任务
    # Tab: the task table, 回报状态's three controls, 追加调派 (disabled: skipped), 承办单位
    # (the first unit is fine), then 指令.
    x.key("Tab", "Tab", "Tab", "Tab", "Tab", "Tab", "Tab")
    _shot(x, tmp_path / "05-order-form.png")
    x.type("evacuate the underpass")
    x.key("ctrl+Return")
    _wait("the order at the gateway", lambda: set(state()["tasks"]) - tasks, console)

    # 7. A note in the command log from anywhere.
    at = mark()
    x.key("ctrl+shift+j")
    x.wait_window("速记", alive=console.alive)
    x.type("street office informed")
    x.key("Return")
    _wait("the note", lambda: told("已记入指挥日志", at), console, timeout=20)

    # 8. Stand down: confirm (the box defaults to 否), the report's full path is said.
    at = mark()
    x.key("ctrl+shift+x")
    x.wait_window("^解除应急响应$", alive=console.alive)
    x.key("Tab", "Return")
    report = _wait("the report", lambda: told(r"总结报告已生成：(\S+\.html)", at), console, timeout=90)
    html = Path(report.group(1))
    assert html.is_file() and html.parent == console.cache / "reports"

    # 9. Open the report: 文件 → 打开报告… starts in the reports folder with the newest chosen.
    at = mark()
    x.key("ctrl+o")
    x.wait_window("^打开报告$", alive=console.alive)
    x.key("Return")
    opened = _wait("the report opened", lambda: told(r"(?:已打开报告|无法打开报告（没有可用的查看程序）)：(\S+)", at), console)
    assert Path(opened.group(1)).parent == console.cache / "reports"

    # 10. The handover: its dialog starts in the reports folder with a new name; Return saves.
    at = mark()
    x.key("ctrl+shift+h")
    x.wait_window("^生成值班交接$", alive=console.alive)
    x.key("Return")
    written = _wait("the handover", lambda: told(r"值班交接已生成：(\S+\.md)", at), console)
    handover = Path(written.group(1))
    assert handover.parent == console.cache / "reports"
    text = handover.read_text(encoding="utf-8")
    assert "交班人：值班长（账号 chief）" in text
    assert incident in text and "已解除" in text and "Ⅱ级" in text
    assert console.alive()

"""The main window with the real core and the real feed: docks, header, status bar,
shortcuts, layout persistence and the offline banner."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest
from PySide6.QtWidgets import QDockWidget, QLabel

from widgets.alert_queue import AlertQueuePanel
from widgets.indicators import IndicatorPanel
from widgets.shell.main_window import LAYOUT_KEY, MainWindow

pytestmark = pytest.mark.timeout(150)


def _window(console: SimpleNamespace, qtbot: Any) -> MainWindow:
    window = MainWindow(console.core, console.notifier)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def test_main_window_docks_header_status_and_layout(live_console: SimpleNamespace, qtbot: Any) -> None:
    from widgets.map import MapPanel
    from widgets.video_wall import VideoWall

    window = _window(live_console, qtbot)
    assert window.windowTitle() == "坪山区城市运行指挥中心 · 值班台"

    docks = {d.objectName(): d for d in window.findChildren(QDockWidget)}
    assert {d.windowTitle() for d in docks.values()} == {"地图", "视频墙", "告警队列", "指标", "战时指挥", "摄像机目录", "值班"}
    assert isinstance(window.docks["map"].widget(), MapPanel)
    assert isinstance(window.docks["video"].widget(), VideoWall)
    assert isinstance(window.docks["queue"].widget(), AlertQueuePanel)
    assert isinstance(window.docks["indicators"].widget(), IndicatorPanel)
    # Map is the big one on a duty screen (default sizes apply once the window has its size).
    def area(key: str) -> int:
        return window.docks[key].width() * window.docks[key].height()

    qtbot.waitUntil(lambda: all(area("map") > area(k) for k in ("video", "queue", "indicators")), timeout=5000)
    assert window.docks["map"].width() > 1.5 * window.docks["video"].width()

    assert window.header.title.text() == "坪山区城市运行指挥中心"
    assert window.header.mode_text() in ("平时", "战时")
    qtbot.waitUntil(lambda: "在线" in window.status.label_texts()["StatusState"], timeout=20000)
    qtbot.waitUntil(lambda: window.status.label_texts()["StatusAge"].startswith(("数据延迟", "数据截至")), timeout=20000)
    texts = window.status.label_texts()
    assert texts["StatusBackend"] == f"后端 {live_console.feed.url.split('://', 1)[1]}"
    assert texts["StatusDeadLetters"].startswith("异常消息 ")
    assert texts["StatusOutbox"].startswith("待发送 ")
    assert window.banner_text() == ""

    # Shortcuts of the duty desk.
    assert window.quit_action.shortcut().toString() == "Ctrl+Q"
    assert window.full_screen_action.shortcut().toString() == "F11"
    assert [window.focus_actions[k].shortcut().toString() for k in ("map", "video", "queue", "indicators")] == [
        "Ctrl+1", "Ctrl+2", "Ctrl+3", "Ctrl+4"
    ]
    window.docks["indicators"].hide()
    window.focus_actions["indicators"].trigger()
    assert window.docks["indicators"].isVisible()

    # Cross-panel route: picking an alert with cameras puts them on the video wall.
    store = live_console.core.picture.alerts
    def shown_with_camera(a: Any) -> bool:  # the default view leaves closed alerts out
        return bool(a.camera_ids and a.status != "closed" and live_console.core.picture.cameras.get(a.camera_ids[0]))

    qtbot.waitUntil(lambda: any(shown_with_camera(a) for a in store.values()), timeout=20000)
    with_camera = next(a for a in store.values() if shown_with_camera(a))
    # The queue takes the store's changes on its coalescing timer: wait for the row.
    qtbot.waitUntil(lambda: window.alert_queue.select_alert(with_camera.id), timeout=5000)
    wall = window.video_wall
    qtbot.waitUntil(lambda: wall.tiles[0].camera_id == with_camera.camera_ids[0], timeout=5000)
    # The detail pane's nearest cameras: one click (上墙) puts them on the wall.
    detail = window.alert_queue.detail
    qtbot.waitUntil(lambda: detail.alert_id() == with_camera.id and detail.cameras.count() >= 2, timeout=5000)
    detail.cameras.item(1).setSelected(True)
    detail.cameras_button.click()
    qtbot.waitUntil(lambda: wall.tiles[0].camera_id == detail.camera_ids()[1], timeout=5000)
    # The alert menu: CAP import, CSV export, handover, flash and sound switches.
    assert {k: a.shortcut().toString() for k, a in window.alert_actions.items()
            if k in ("import_cap", "export_csv", "handover")} == {
        "import_cap": "Ctrl+I", "export_csv": "Ctrl+Shift+E", "handover": "Ctrl+Shift+H"}
    assert window.alert_actions["flash"].isChecked() and not window.alert_actions["sound"].isChecked()

    # Errors reach the operator in the status bar, not as a traceback.
    window.show_error("内部错误，已记录日志：测试")
    assert window.status.message() == "内部错误，已记录日志：测试"

    # Layout persists through core.preferences: hide the video dock, close, reopen.
    window.docks["video"].hide()
    window.close()
    saved = json.loads(live_console.core.preferences.get(LAYOUT_KEY))
    assert saved["version"] == 1 and saved["state"]
    again = _window(live_console, qtbot)
    assert not again.docks["video"].isVisible()
    assert again.docks["map"].isVisible()
    again.reset_layout()
    assert again.docks["video"].isVisible()
    again.close()


def test_offline_banner_when_feed_stops(live_console: SimpleNamespace, qtbot: Any) -> None:
    window = _window(live_console, qtbot)
    qtbot.waitUntil(lambda: live_console.core.picture.connection.state == "live", timeout=20000)
    assert window.banner.isHidden()

    live_console.feed.stop()
    qtbot.waitUntil(lambda: window.banner.isVisible(), timeout=30000)
    text = window.banner_text()
    assert text.startswith("离线 — 数据截至 ")
    hhmm = text.removeprefix("离线 — 数据截至 ")[:5]
    assert hhmm[2] == ":" and hhmm.replace(":", "").isdigit()
    assert "在线" not in window.status.label_texts()["StatusState"]

    # Back online: the banner goes away by itself.
    live_console.feed.restart()
    qtbot.waitUntil(lambda: window.banner.isHidden(), timeout=60000)
    window.close()


def test_uncaught_errors_reach_the_status_bar_not_the_operator(offline_console: SimpleNamespace, qtbot: Any) -> None:
    import argparse
    import sys
    import threading

    from widgets.shell.app import ConsoleApp, _install_error_hooks

    window = _window(offline_console, qtbot)
    console = ConsoleApp(argparse.Namespace())
    console.window = window
    saved = (sys.excepthook, threading.excepthook, offline_console.loop.get_exception_handler())
    try:
        _install_error_hooks(console, offline_console.loop)
        try:
            raise ValueError("坏数据")
        except ValueError as exc:
            sys.excepthook(type(exc), exc, exc.__traceback__)
        assert window.status.message() == "内部错误，已记录日志：ValueError: 坏数据"
        offline_console.loop.call_exception_handler({"message": "task failed", "exception": RuntimeError("断线")})
        assert window.status.message() == "内部错误，已记录日志：RuntimeError: 断线"
    finally:
        sys.excepthook, threading.excepthook = saved[0], saved[1]
        offline_console.loop.set_exception_handler(saved[2])
    # Offline from the start: the banner is up and the status bar says why.
    qtbot.waitUntil(lambda: window.banner.isVisible(), timeout=20000)
    assert window.status.label_texts()["StatusState"].endswith(("离线", "重连中", "连接中"))
    window.close()


def test_header_switches_to_wartime_with_an_active_incident(offline_console: SimpleNamespace, qtbot: Any) -> None:
    from datetime import datetime, timedelta, timezone

    from console.models import GeoPoint, Incident, IncidentUpsert

    window = _window(offline_console, qtbot)
    assert window.header.mode_text() == "平时"
    now = datetime.now(timezone(timedelta(hours=8)))
    incident = Incident(
        id="inc-test-1", rev=1, type="typhoon_waterlogging", level=2, status="active",
        title="台风内涝 Ⅱ级响应", location=GeoPoint(lon=114.35, lat=22.72), started_at=now,
    )
    picture = offline_console.core.picture
    picture.apply(IncidentUpsert(v=1, id="900001", ts=now, type="incident.upsert", payload=incident))
    qtbot.waitUntil(lambda: window.header.mode_text() == "战时", timeout=3000)
    assert window.header.mode.property("mode") == "wartime"
    stood_down = incident.model_copy(update={"rev": 2, "status": "stood_down", "ended_at": now})
    picture.apply(IncidentUpsert(v=1, id="900002", ts=now, type="incident.upsert", payload=stood_down))
    qtbot.waitUntil(lambda: window.header.mode_text() == "平时", timeout=3000)
    window.close()


def test_a_street_node_cut_off_from_the_district_says_so_in_the_status_bar(offline_console: SimpleNamespace,
                                                                          qtbot: Any) -> None:
    """A street sub-centre's gateway reports its link (Snapshot.node, then link notices): the
    status bar keeps 与区中心断开 — 本街道自主处置 in view while cut; the district's consoles,
    whose snapshots carry no node, never show it even when a street's link notices reach them."""
    from datetime import datetime, timedelta, timezone

    from console.models import NodeState, Notice, NoticeEnvelope, Snapshot

    window = _window(offline_console, qtbot)
    picture = offline_console.core.picture
    now = datetime.now(timezone(timedelta(hours=8)))

    def notice(kind: str, eid: str) -> NoticeEnvelope:
        return NoticeEnvelope(v=1, id=eid, ts=now, type="notice",
                              payload=Notice(id=f"link-{kind}-maluan-{eid}", severity="warning", text="马峦街道：…"))

    picture.apply(notice("down", "1"))  # a district console: news, not its own state
    assert picture.connection.district_link is None
    assert not window.status.findChild(QLabel, "StatusDistrictLink").isVisible()

    picture.load_snapshot(Snapshot(cursor="5", generated_at=now,
                                   node=NodeState(street="maluan", district_link="cut", since=now)))
    qtbot.waitUntil(lambda: window.status.label_texts()["StatusDistrictLink"].startswith("⚠ 与区中心断开 — 本街道自主处置"),
                    timeout=3000)
    label = window.status.findChild(QLabel, "StatusDistrictLink")
    assert label.isVisible() and label.property("alert") is True
    picture.apply(notice("up", "6"))
    qtbot.waitUntil(lambda: window.status.label_texts()["StatusDistrictLink"] == "区中心 已连接", timeout=3000)
    assert label.property("alert") is False
    picture.apply(notice("down", "7"))
    qtbot.waitUntil(lambda: "本街道自主处置" in window.status.label_texts()["StatusDistrictLink"], timeout=3000)
    window.close()


def test_missing_panel_module_gives_a_chinese_placeholder(offline_console: SimpleNamespace, qtbot: Any) -> None:
    from widgets.shell.main_window import _load_panel

    assert _load_panel("widgets.no_such_panel", "NoSuchPanel") is None
    window = _window(offline_console, qtbot)
    placeholder = window._make_panel("widgets.no_such_panel", "NoSuchPanel", "地图模块未能加载")
    assert isinstance(placeholder, QLabel)
    assert placeholder.text() == "地图模块未能加载"
    assert placeholder.objectName() == "PanelPlaceholder"
    window.close()


@pytest.mark.parametrize("size", [(1366, 768), (1280, 1024)])
def test_small_duty_screens_show_everything(offline_console: SimpleNamespace, qtbot: Any, size: tuple[int, int]) -> None:
    """At 1366×768 and 1280×1024 nothing is cut off (issue 21): the window fits, the clock,
    both right-hand panels, 导出数据, the search box and the workflow buttons are inside it,
    and the queue's title column needs no horizontal scrolling."""
    from PySide6.QtCore import QPoint, QRect

    from widgets.alert_queue import COL_TITLE, SEARCH_MIN_WIDTH

    window = MainWindow(offline_console.core, offline_console.notifier)
    qtbot.addWidget(window)
    min_hint = window.minimumSizeHint()
    assert min_hint.width() <= size[0] and min_hint.height() <= size[1], min_hint
    window.resize(*size)
    window.reset_layout()
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: window.size().width() == size[0] and window.size().height() == size[1], timeout=3000)
    qtbot.wait(100)  # the default dock sizes settle one event-loop turn after the relayout
    frame = window.rect()

    def inside(widget: Any, within: Any = None) -> bool:
        """``widget`` wholly visible inside ``within`` (the window when None)."""
        area = frame if within is None else QRect(within.mapTo(window, QPoint(0, 0)), within.size())
        rect = QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())
        return widget.isVisible() and area.contains(rect)

    header = window.header
    assert inside(header.clock), (header.clock.geometry(), window.size())
    for key in ("map", "video", "queue", "indicators"):
        dock = window.docks[key]
        assert inside(dock), (key, dock.geometry())
    indicators = window.docks["indicators"].widget()
    assert inside(indicators.csv_button, indicators) and inside(indicators.png_button, indicators)
    queue = window.alert_queue
    assert queue.search.width() >= SEARCH_MIN_WIDTH and inside(queue.search, queue)
    # The detail's workflow buttons fit the pane's width (no horizontal scroll bar).
    detail = queue.detail
    viewport = detail._scroll.viewport()
    for verb in ("start", "resolve", "close", "dispatch"):
        button = detail.buttons[verb]
        left = button.mapTo(viewport, QPoint(0, 0)).x()
        assert left >= 0 and left + button.width() <= viewport.width(), (verb, left, button.width(), viewport.width())
    assert not detail._scroll.horizontalScrollBar().isVisible()
    # The title column is on screen without scrolling.
    table_header = queue.table.horizontalHeader()
    right = table_header.sectionViewportPosition(COL_TITLE) + table_header.sectionSize(COL_TITLE)
    assert queue.table.horizontalScrollBar().value() == 0 and right <= queue.table.viewport().width()
    window.close()


def test_first_start_is_maximised_and_the_geometry_is_remembered(offline_console: SimpleNamespace, qtbot: Any) -> None:
    from PySide6.QtCore import Qt

    window = MainWindow(offline_console.core, offline_console.notifier)
    qtbot.addWidget(window)
    window.show_first()
    qtbot.waitExposed(window)
    assert window.windowState() & Qt.WindowState.WindowMaximized  # nothing saved yet
    # Un-maximised: a size that fits the screen it is on, not a fixed 1920×1080.
    window.showNormal()
    qtbot.waitUntil(lambda: not window.windowState() & Qt.WindowState.WindowMaximized, timeout=3000)
    avail = window.screen().availableGeometry()  # offscreen: 800×800, under the window's minimum
    least = window.minimumSizeHint()
    assert window.width() <= max(avail.width(), least.width()) and window.height() <= max(avail.height(), least.height())
    assert window.width() < 1920
    closed_at = window.geometry()
    window.close()  # saves the layout
    again = MainWindow(offline_console.core, offline_console.notifier)
    qtbot.addWidget(again)
    again.show_first()
    qtbot.waitExposed(again)
    assert not again.windowState() & Qt.WindowState.WindowMaximized  # as it was left
    # Same size (offscreen's 800 px screen and its fake title bar may take a few pixels of height).
    assert again.width() == closed_at.width() and abs(again.height() - closed_at.height()) <= 30
    again.showMaximized()
    qtbot.waitUntil(lambda: bool(again.windowState() & Qt.WindowState.WindowMaximized), timeout=3000)
    again.close()
    third = MainWindow(offline_console.core, offline_console.notifier)
    qtbot.addWidget(third)
    third.show_first()
    qtbot.waitExposed(third)
    assert third.windowState() & Qt.WindowState.WindowMaximized
    third.close()

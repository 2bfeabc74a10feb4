"""告警队列 against the real feed and a real ConsoleCore on a qasync loop."""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from widgets.alert_queue import (
    COL_COMMUNITY,
    COL_DUE,
    COL_LEVEL,
    COL_SOURCE,
    COL_STATUS,
    COL_STREET,
    COL_TIME,
    COL_TITLE,
    OVERDUE_COLOUR,
    REFUSED_COLOUR,
    SOURCE_NAMES,
    STATUS_NAMES,
    AlertQueuePanel,
)

pytestmark = pytest.mark.timeout(120)


def _panel(console: SimpleNamespace, qtbot: Any) -> AlertQueuePanel:
    panel = AlertQueuePanel(console.core, console.notifier)
    qtbot.addWidget(panel)
    panel.resize(1300, 420)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


def _fresh_counts(store: Any) -> tuple[int, int, int]:
    alerts = list(store.values())
    new = sum(a.status == "new" for a in alerts)
    red = sum(a.level == "red" and a.status in ("new", "acknowledged", "dispatched", "in_progress") for a in alerts)
    return len(alerts), new, red


def _row_of_new_alert(panel: AlertQueuePanel, console: SimpleNamespace) -> int:
    store = console.core.picture.alerts
    for row in range(panel.model.rowCount()):
        alert = store.get(panel.model.alert_id(row))
        if alert is not None and alert.status == "new" and not store.pending(alert.id):
            return row
    return -1


def test_queue_shows_feed_alerts_in_chinese(live_console: SimpleNamespace, qtbot: Any) -> None:
    panel = _panel(live_console, qtbot)
    store = live_console.core.picture.alerts
    qtbot.waitUntil(lambda: panel.model.rowCount() > 0 and panel.model.result.matched == len(store), timeout=20000)

    model = panel.model
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert headers == ["级别", "时间", "来源", "类别", "街道", "社区", "状态", "时限", "标题"]

    from console import catalogue

    street_names = {s.name_zh for s in catalogue.streets()}
    community_names = {c.name_zh for s in catalogue.streets() for c in s.communities}
    rows = min(model.rowCount(), 50)
    for row in range(rows):
        alert = store.get(model.alert_id(row))
        texts = model.row_texts(row)
        assert texts[COL_LEVEL] in ("红色", "橙色", "黄色", "蓝色")
        assert re.fullmatch(r"\d\d:\d\d:\d\d|\d\d-\d\d \d\d:\d\d", texts[COL_TIME])
        assert texts[COL_SOURCE] in SOURCE_NAMES.values()
        if alert.street:
            assert texts[COL_STREET] in street_names, texts
        if alert.community:
            assert texts[COL_COMMUNITY] in community_names, texts
        assert texts[COL_STATUS].split(" · ")[0] in set(STATUS_NAMES.values()) | {"签收中…"}
        kind = model.row_kind(row)
        if kind == "group":
            assert texts[COL_TITLE] == f"〔{model.group_size(row)} 条〕{alert.title}"
        else:
            assert texts[COL_TITLE] == alert.title
        # The level cell carries the level for the pill painter.
        assert model.data(model.index(row, COL_LEVEL), Qt.ItemDataRole.UserRole) == alert.level

    # New alerts past their category's acknowledgement limit show their time in red.
    from datetime import datetime, timezone

    limits = {c.id: c.ack_limit_min * 60 for c in catalogue.categories()}
    overdue_rows = 0
    for row in range(model.rowCount()):
        alert = store.get(model.alert_id(row))
        age = (datetime.now(timezone.utc) - alert.created_at).total_seconds()
        expected = alert.status == "new" and age > limits.get(alert.category, float("inf")) + 1
        colour = model.data(model.index(row, COL_TIME), Qt.ItemDataRole.ForegroundRole)
        if expected:
            overdue_rows += 1
            assert QColor(colour) == OVERDUE_COLOUR, alert
        elif alert.status != "new":
            assert colour is None or QColor(colour) != OVERDUE_COLOUR
    assert overdue_rows > 0  # the seeded district has old alerts nobody took yet
    # Overdue open alerts are sorted to the top, their countdown red.
    first = store.get(model.alert_id(0))
    assert model.row_texts(0)[COL_DUE].startswith("超时"), first
    assert QColor(model.data(model.index(0, COL_DUE), Qt.ItemDataRole.ForegroundRole)) == OVERDUE_COLOUR
    model.refresh_ages()  # the clock-driven refresh keeps the table intact
    result = model.result
    assert model.rowCount() + result.grouped == result.matched == len(store)

    total, new, red = model.counts()
    assert (total, new, red) == _fresh_counts(store)
    assert panel.count_label.text().startswith(f"共 {total} 条 · 待签收 {new} · 红色 {red}")
    assert f"超时 {result.overdue}" in panel.count_label.text()


def test_acknowledge_round_trip(live_console: SimpleNamespace, qtbot: Any) -> None:
    panel = _panel(live_console, qtbot)
    store = live_console.core.picture.alerts
    qtbot.waitUntil(lambda: _row_of_new_alert(panel, live_console) >= 0, timeout=20000)

    row = _row_of_new_alert(panel, live_console)
    alert_id = panel.model.alert_id(row)
    panel.table.selectRow(row)
    assert panel.selected_alert_id() == alert_id
    assert panel.ack_button.isEnabled()

    qtbot.mouseClick(panel.ack_button, Qt.MouseButton.LeftButton)
    # Pending at once (the outbox row is committed before submit returns)...
    row = panel.model.row_of(alert_id)
    assert panel.model.row_texts(row)[COL_STATUS] == "签收中…"
    assert not panel.ack_button.isEnabled()
    # ...then the feed's echo makes it 已签收.
    qtbot.waitUntil(lambda: store.get(alert_id).status == "acknowledged", timeout=20000)
    qtbot.waitUntil(lambda: panel.model.row_texts(panel.model.row_of(alert_id))[COL_STATUS] == "已签收", timeout=5000)
    assert store.get(alert_id).acknowledged_by == "测试席位"  # the caller the feed knows, not the console's say
    assert not store.pending(alert_id)


def test_acknowledge_by_keyboard(live_console: SimpleNamespace, qtbot: Any) -> None:
    panel = _panel(live_console, qtbot)
    store = live_console.core.picture.alerts
    qtbot.waitUntil(lambda: _row_of_new_alert(panel, live_console) >= 0, timeout=20000)
    panel.activateWindow()
    panel.table.setFocus()
    qtbot.waitUntil(panel.table.hasFocus, timeout=3000)

    row = _row_of_new_alert(panel, live_console)
    alert_id = panel.model.alert_id(row)
    panel.table.selectRow(row)
    qtbot.keyClick(panel.table, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: bool(store.pending(alert_id)) or store.get(alert_id).status != "new", timeout=3000)
    qtbot.waitUntil(lambda: store.get(alert_id).status == "acknowledged", timeout=20000)

    row = _row_of_new_alert(panel, live_console)
    if row >= 0:  # a second one by Space, when the feed has another new alert
        second = panel.model.alert_id(row)
        panel.table.selectRow(row)
        qtbot.keyClick(panel.table, Qt.Key.Key_Space)
        qtbot.waitUntil(lambda: store.get(second).status == "acknowledged", timeout=20000)


def test_refusal_reason_shown_in_red(live_console: SimpleNamespace, qtbot: Any) -> None:
    panel = _panel(live_console, qtbot)
    store = live_console.core.picture.alerts
    qtbot.waitUntil(lambda: _row_of_new_alert(panel, live_console) >= 0, timeout=20000)
    alert_id = panel.model.alert_id(_row_of_new_alert(panel, live_console))
    alert = store.get(alert_id)

    # A command built on a revision the feed no longer holds is refused (409 stale_rev).
    live_console.core.commands.submit("alert.acknowledge", alert_id, expected_rev=alert.rev + 1000)

    def refused_cell() -> str:
        return panel.model.row_texts(panel.model.row_of(alert_id))[COL_STATUS]

    qtbot.waitUntil(lambda: store.refusal(alert_id) is not None, timeout=20000)
    qtbot.waitUntil(lambda: store.refusal(alert_id) in refused_cell(), timeout=5000)
    index = panel.model.index(panel.model.row_of(alert_id), COL_STATUS)
    assert QColor(panel.model.data(index, Qt.ItemDataRole.ForegroundRole)) == REFUSED_COLOUR
    assert store.get(alert_id).status == "new"  # refused: the alert is unchanged


def test_storm_is_batched(live_console: SimpleNamespace, qtbot: Any) -> None:
    panel = _panel(live_console, qtbot)
    store = live_console.core.picture.alerts
    qtbot.waitUntil(lambda: panel.model.rowCount() > 0, timeout=20000)
    before = len(store)
    resets_before = panel.model.resets

    httpx.post(f"{live_console.feed.url}/_sim/burst", json={"alerts": 400, "over_s": 2}, timeout=10).raise_for_status()
    qtbot.waitUntil(lambda: len(store) >= before + 400, timeout=40000)
    qtbot.waitUntil(lambda: panel.model.result.matched == len(store), timeout=5000)
    # Grouped items are counted, never hidden without trace.
    result = panel.model.result
    assert panel.model.rowCount() + result.grouped == len(store)
    if result.groups:
        assert f"风暴 {result.groups} 组（折叠 {result.grouped} 条）" in panel.count_label.text()

    resets = panel.model.resets - resets_before
    # The notifier coalesces to ≤ 10 updates a second: a 2-second storm of 400
    # alerts must cost tens of model resets at most, never one per alert.
    assert 1 <= resets < 100, resets
    # The count line is kept incrementally: it must equal a fresh count of the store.
    qtbot.waitUntil(lambda: panel.model.counts() == _fresh_counts(store), timeout=5000)


def test_filters_search_grouping_flash_export_and_cap_import(live_console: SimpleNamespace, qtbot: Any, tmp_path: Any) -> None:
    from pathlib import Path

    from PySide6.QtCore import QMimeData, QPointF, QUrl
    from PySide6.QtGui import QDropEvent

    panel = _panel(live_console, qtbot)
    store = live_console.core.picture.alerts
    qtbot.waitUntil(lambda: panel.model.rowCount() > 0 and panel.model.result.matched == len(store), timeout=20000)

    # Level filter: only red rows, and the count line says how many matched.
    panel.level_filter.setCurrentIndex(panel.level_filter.findData("red"))
    reds = sum(a.level == "red" for a in store.values())
    qtbot.waitUntil(lambda: panel.model.result.matched == reds, timeout=5000)
    assert all(store.get(panel.model.alert_id(r)).level == "red" for r in range(panel.model.rowCount()))
    panel.level_filter.setCurrentIndex(0)
    # Street then community (the community list follows the street).
    some = next(a for a in store.values() if a.community)
    panel.street_filter.setCurrentIndex(panel.street_filter.findData(some.street))
    panel.community_filter.setCurrentIndex(panel.community_filter.findData(some.community))
    qtbot.waitUntil(lambda: panel.model.result.matched == sum(a.community == some.community for a in store.values()), timeout=5000)
    panel.street_filter.setCurrentIndex(0)
    # Full-text search over Chinese (debounced in the view, done in the core).
    word = some.title[-4:]
    panel.search.setText(word)  # (QTest cannot type CJK characters)
    qtbot.waitUntil(lambda: panel.model.filter.text == word, timeout=5000)
    assert panel.model.result.matched > 0
    assert all(word in (store.get(i).title + store.get(i).description + " ".join(n.text for n in store.get(i).timeline))
               for i in panel.model.alert_ids())
    panel.search.clear()
    qtbot.waitUntil(lambda: panel.model.filter.text == "", timeout=5000)

    # A storm: one device/area → group rows with counts; expand shows members; off lists all.
    httpx.post(f"{live_console.feed.url}/_sim/burst", json={"alerts": 300, "over_s": 1}, timeout=10).raise_for_status()
    qtbot.waitUntil(lambda: panel.model.result.groups > 0, timeout=30000)
    row = next(r for r in range(panel.model.rowCount()) if panel.model.row_kind(r) == "group")
    size = panel.model.group_size(row)
    rows_before = panel.model.rowCount()
    assert panel.model.toggle_group(row)
    assert panel.model.rowCount() >= rows_before + size - 1 - 50  # members listed (the storm may still grow)
    assert panel.model.row_kind(row + 1) == "member"
    # The whole storm acknowledged at once: one command per member, each confirmed.
    panel.table.selectRow(row)
    qtbot.waitUntil(panel.group_ack_button.isEnabled, timeout=3000)
    members = panel.group_members()
    assert len(members) >= 2
    fresh = [m for m in members if store.get(m).status == "new"]
    assert panel.acknowledge_group() == len(fresh)
    qtbot.waitUntil(lambda: all(store.get(m).status == "acknowledged" and not store.pending(m) for m in fresh), timeout=30000)
    row = next(r for r in range(panel.model.rowCount()) if panel.model.row_kind(r) == "group")
    panel.group_box.setChecked(False)
    qtbot.waitUntil(lambda: panel.model.rowCount() == len(store), timeout=10000)
    panel.group_box.setChecked(True)

    # New red/orange alerts flash until acknowledged.
    qtbot.waitUntil(lambda: panel.model.flashing() == sum(a.status == "new" and a.level in ("red", "orange")
                                                          for a in store.values()), timeout=5000)
    qtbot.waitUntil(lambda: panel.model.flash_phase, timeout=3000)
    panel.set_flash(False)
    assert live_console.core.preferences.get("queue/flash") in (b"0", "0")

    # CSV of the filtered queue through the core (masked, audited).
    written = panel.export_csv(str(tmp_path / "queue"))
    assert written is not None and Path(written).read_text(encoding="utf-8-sig").startswith("编号,级别")

    # CAP file dropped on the panel: imported through the core, shown in the queue.
    cap = Path(__file__).resolve().parents[1] / "data" / "cap" / "typhoon_orange.xml"
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(cap))])
    drop = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    with qtbot.waitSignal(panel.message, timeout=3000) as sig:
        panel.dropEvent(drop)
    assert sig.args[0].startswith("CAP 已导入")
    imported = [a for a in store.values() if a.source == "early_warning" and a.cap and "typhoon" in a.cap.lower()]
    assert imported or any(a.cap for a in store.values())
    bad = tmp_path / "bad.xml"
    bad.write_text("<alert/>", encoding="utf-8")
    with qtbot.waitSignal(panel.message, timeout=3000) as sig:
        panel.import_cap_files([str(bad)])
    assert sig.args[0].startswith("CAP 导入失败") and sig.args[1] is True


def test_pinyin_search_no_result_line_scroll_to_top_and_title_in_view(offline_console: SimpleNamespace, qtbot: Any) -> None:
    """Typed pinyin finds 马峦 (issue 21); nothing found says 无结果 and which filters are
    active; a new result opens at its top; the title is visible without scrolling."""
    from datetime import datetime, timedelta, timezone

    from PySide6.QtTest import QTest

    from console.models import Alert
    from widgets.alert_queue import TITLE_MIN_WIDTH

    store = offline_console.core.picture.alerts
    now = datetime.now(timezone.utc)
    streets = ["maluan", "biling", "kengzi"]
    for i in range(300):
        created = now - timedelta(minutes=i)
        store.apply(Alert(id=f"PY{i:05d}", rev=1, level="blue", status="closed", source="grid_patrol",
                          category="noise", title=f"夜间施工噪声扰民第{i}号", description="", street=streets[i % 3],
                          created_at=created, updated_at=created, timeline=()))
    panel = _panel(offline_console, qtbot)
    panel.resize(1920, 500)
    offline_console.notifier.flush_now()
    qtbot.waitUntil(lambda: panel.model.rowCount() == 300, timeout=5000)

    def title_in_view() -> bool:
        header = panel.table.horizontalHeader()
        left = header.sectionViewportPosition(COL_TITLE)
        return (left >= 0 and left + header.sectionSize(COL_TITLE) <= panel.table.viewport().width()
                and header.sectionSize(COL_TITLE) >= TITLE_MIN_WIDTH)

    for width in (1920, 1300, 900):
        panel.resize(width, 500)
        qtbot.waitUntil(title_in_view, timeout=3000)
        assert panel.table.horizontalScrollBar().value() == 0

    # At the bottom of the queue with a row selected there, then a search by typed pinyin.
    panel.table.selectRow(299)
    panel.table.scrollToBottom()
    assert panel.table.verticalScrollBar().value() > 0
    panel.search.setFocus()
    QTest.keyClicks(panel.search, "maluan")
    qtbot.waitUntil(lambda: panel.model.filter.text == "maluan", timeout=5000)
    assert panel.model.result.matched == 100
    assert all(store.get(i).street == "maluan" for i in panel.model.alert_ids())
    assert panel.table.verticalScrollBar().value() == 0
    panel.search.setText("mljd zsgz")  # 马峦街道 and a "zsgz" no title, place or unit has → none
    qtbot.waitUntil(lambda: panel.model.filter.text == "mljd zsgz", timeout=5000)
    assert panel.model.result.matched == 0
    panel.search.setText("ml yjsg")  # 马峦 + the initials of 夜间施工 in the title
    qtbot.waitUntil(lambda: panel.model.filter.text == "ml yjsg", timeout=5000)
    assert panel.model.result.matched == 100

    # Nothing matches: the count line says 无结果 and names every active filter.
    panel.level_filter.setCurrentIndex(panel.level_filter.findData("red"))
    qtbot.waitUntil(lambda: panel.model.result.matched == 0, timeout=5000)
    line = panel.count_label.text()
    assert line.startswith("无结果"), line
    assert "搜索“ml yjsg”" in line and "红色" in line and "共 300 条" in line
    panel.search.clear()
    panel.level_filter.setCurrentIndex(0)
    qtbot.waitUntil(lambda: panel.model.result.matched == 300, timeout=5000)
    assert not panel.count_label.text().startswith("无结果")


def test_handover_dialog_starts_in_the_reports_folder_with_a_new_name(offline_console: SimpleNamespace, qtbot: Any) -> None:
    from pathlib import Path

    panel = _panel(offline_console, qtbot)
    folder = offline_console.core.reports.folder
    dialog = panel.handover_dialog()
    try:
        assert Path(dialog.directory().absolutePath()) == folder
        chosen = Path(dialog.selectedFiles()[0])
        assert chosen.parent == folder and chosen.name.startswith("值班交接-") and chosen.suffix == ".md"
        assert not chosen.exists()
        with qtbot.waitSignal(panel.message, timeout=5000) as sig:
            dialog.accept()  # Return in the dialog: saved under the suggested name
        assert chosen.is_file() and str(chosen) in sig.args[0]
    finally:
        if dialog.isVisible():
            dialog.reject()

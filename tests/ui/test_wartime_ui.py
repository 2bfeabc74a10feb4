"""Wartime mode in the main window, with the real core and the real feed: declare, the layout
switch, the plan checklist, the quick note, a gateway-pushed incident confirmed in a
non-modal bar, focus switching, stand-down with confirmation and the report."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from tests.support.qtsupport import run_task, stop_core  # noqa: F401
from widgets.shell.main_window import MainWindow
from widgets.wartime import IncidentMetricsPanel

pytestmark = pytest.mark.timeout(180)


def _declare_at_feed(url: str, iid: str) -> None:
    """Another seat (the district's emergency office) declares through the gateway."""
    from datetime import datetime, timezone

    body = {"id": "cmd" + iid.replace("-", "").lower()[:20] + "00000000", "kind": "incident.declare",
            "target_id": iid, "operator": "区应急办", "issued_at": datetime.now(timezone.utc).isoformat(),
            "args": {"type": "slope_failure", "level": 3, "street": "biling", "reason": "碧岭沙湖边坡位移超限"}}
    r = httpx.post(url + "/api/v1/commands", json=body, headers={"Idempotency-Key": body["id"]}, timeout=10)
    assert r.status_code == 202, r.text


def test_declare_switch_command_and_stand_down(supervisor_console: SimpleNamespace, qtbot: Any) -> None:
    core = supervisor_console.core
    window = MainWindow(core, supervisor_console.notifier)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    mode = window.wartime_mode
    assert mode is not None and mode.mode == "peacetime"
    assert mode.dock.isHidden() and mode.banner.isHidden() and mode.confirm_bar.isHidden()
    qtbot.waitUntil(lambda: core.picture.connection.state == "live", timeout=30000)
    qtbot.waitUntil(lambda: "resources" in core.layers, timeout=30000)
    peace_indicators = window.docks["indicators"].widget()

    # Declare: bad input stays in the dialog with a red reason; nothing is sent.
    mode.actions["declare"].trigger()
    dialog = mode.declare_dialog
    assert dialog is not None and dialog.isVisible() and not dialog.isModal()
    dialog.type_box.setCurrentIndex(dialog.type_box.findData("rainstorm_flood"))
    dialog.level_box.setCurrentIndex(dialog.level_box.findData(2))
    dialog.street_box.setCurrentIndex(dialog.street_box.findData("maluan"))
    unsent = core.outbox.counts()["pending"]
    assert dialog.submit() is None and "事由" in dialog.error.text() and dialog.isVisible()
    assert core.outbox.counts()["pending"] == unsent
    dialog.reason.setPlainText("小时雨量超 50 毫米，坪环社区多处积水")
    iid = dialog.submit()
    assert iid and not dialog.isVisible()

    # The whole console changes.
    qtbot.waitUntil(lambda: mode.mode == "wartime", timeout=5000)
    assert mode.banner.isVisible() and "Ⅱ级响应" in mode.banner.level.text()
    assert mode.dock.isVisible()
    assert isinstance(window.docks["indicators"].widget(), IncidentMetricsPanel)
    assert "战时聚焦" in window.alert_queue.count_label.text()
    assert window.alert_queue._incident_filter is not None
    qtbot.waitUntil(lambda: core.picture.incidents.get(iid) is not None, timeout=20000)
    qtbot.waitUntil(lambda: window.header.mode_text() == "战时", timeout=5000)
    panel = mode.command_panel
    qtbot.waitUntil(lambda: panel.plan_table.rowCount() == 8, timeout=5000)
    assert "已超时" in panel.plan_table.item(0, 5).text() or "待办" in panel.plan_table.item(0, 5).text()

    # Plan steps: skip without a reason is refused in red; complete goes out.
    panel.select_step(panel.plan_table.item(2, 0).data(Qt.ItemDataRole.UserRole))
    assert not panel.skip_selected_step() and "理由" in panel.error.text()
    panel.select_step(panel.plan_table.item(0, 0).data(Qt.ItemDataRole.UserRole))
    assert panel.complete_selected_step()
    qtbot.waitUntil(lambda: "已完成" in panel.plan_table.item(0, 5).text(), timeout=20000)

    # An order from the form.
    panel.unit_box.setCurrentIndex(panel.unit_box.findData("community.pinghuan"))
    panel.instruction.setText("组织低洼处居民转移")
    assert panel.issue_task()
    qtbot.waitUntil(lambda: any(panel.task_table.item(r, 3).text() == "组织低洼处居民转移"
                                for r in range(panel.task_table.rowCount())), timeout=5000)
    assert panel.tree.topLevelItemCount() == 8  # 区级部门, six streets, 救援队伍

    # Quick note from anywhere: Ctrl+Shift+J.
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    window.alert_queue.table.setFocus()
    qtbot.keyClick(window.alert_queue.table, Qt.Key.Key_J,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(mode.note_dialog.isVisible, timeout=3000)
    mode.note_dialog.text.setText("三防指挥部会商：维持Ⅱ级响应")
    qtbot.keyClick(mode.note_dialog.text, Qt.Key.Key_Return)
    assert not mode.note_dialog.isVisible()
    assert any("三防指挥部会商" in e.text for e in core.wartime.command_log(iid))

    # A gateway-pushed incident asks for confirmation in a bar, never a modal dialog.
    _declare_at_feed(supervisor_console.feed.url, "INC-PUSHED-1")
    qtbot.waitUntil(lambda: mode.confirm_bar.isVisible(), timeout=20000)
    assert "碧岭" in mode.confirm_bar.text.text() or "边坡" in mode.confirm_bar.text.text()
    assert core.wartime.focus == iid  # nothing changes until the operator says so
    qtbot.mouseClick(mode.confirm_bar.switch_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: core.wartime.focus == "INC-PUSHED-1", timeout=3000)
    assert mode.confirm_bar.isHidden() and len(core.wartime.commanding()) == 2
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    qtbot.keyClick(window.alert_queue.table, Qt.Key.Key_PageDown, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: core.wartime.focus == iid, timeout=3000)
    assert "暴雨" in mode.banner.title.text()

    # Stand-down of the focused incident: confirm, back to … the other incident; then the last one.
    written: list[Any] = []
    mode.report_written.connect(written.append)
    box = mode.ask_stand_down(iid)
    assert box is not None and box.isVisible()
    folder = core.reports.folder
    assert str(folder) in box.text()  # where the report will be, before it is asked for
    box.done(QMessageBox.StandardButton.Yes)
    qtbot.waitUntil(lambda: len(written) == 1, timeout=30000)
    assert written[0][0].suffix == ".html" and written[0][1].read_bytes().startswith(b"%PDF")
    # In the reports folder, and the status bar gives the full path (issue 21).
    assert written[0][0].parent == folder and written[0][0].name.startswith(f"{iid}-总结报告-")
    assert str(written[0][0]) in window.status._message_label.text()
    # 生成总结报告 again: a new name, the first report is still there.
    again = mode.write_report(iid)
    assert again and again[0] != written[0][0] and written[0][0].is_file() and again[0].is_file()
    # The map is on screen (another incident has the focus now): its picture goes with the report.
    assert window.map_panel.isVisible()
    html = again[0].read_text(encoding="utf-8")
    assert "data:image/png;base64," in html and "未附态势图" not in html
    assert str(again[0]) in window.status._message_label.text()
    written.pop()
    # 文件 → 最近的报告 lists them, newest first; one opens in the desktop's viewer.
    opened: list[Path] = []
    window.reports_menu.opener = lambda p: opened.append(p) or True
    window.reports_menu.refresh_recent()
    recent = [a.toolTip() for a in window.reports_menu.recent_menu.actions()]
    assert set(recent) >= {str(p) for p in written[0] + again}
    window.reports_menu.recent_menu.actions()[0].trigger()
    assert opened and opened[0].is_file()
    assert str(opened[0]) in window.status._message_label.text()
    written.append(again)
    assert mode.mode == "wartime" and core.wartime.focus == "INC-PUSHED-1"
    box = mode.ask_stand_down("INC-PUSHED-1")
    assert box is not None
    box.done(QMessageBox.StandardButton.Yes)
    qtbot.waitUntil(lambda: len(written) == 3, timeout=30000)
    qtbot.waitUntil(lambda: mode.mode == "peacetime", timeout=5000)
    assert mode.dock.isHidden() and mode.banner.isHidden()
    assert window.docks["indicators"].widget() is peace_indicators
    assert window.alert_queue._incident_filter is None
    # The handover knows what happened: both responses, declared and stood down in this shift.
    handover = core.exports.write_handover().read_text(encoding="utf-8")
    responses = handover.split("## 应急响应（2）")[1].split("## 超时未办")[0]
    assert iid in responses and "INC-PUSHED-1" in responses
    assert responses.count("已解除") == 2 and responses.count("解除响应") == 2
    assert "交班人：值班长甲" in handover and "席位：值班长" in handover
    window.close()

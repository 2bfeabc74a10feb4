"""The 值班 panel offscreen against the real feed: the roster with phone/SIP, an overdue
shift in amber, the call button without and with a call service, handover and the
acknowledgement by another login through the dialogs, a refused 查岗 shown in Chinese,
and the printable handover report. Set ``DUTY_SHOTS`` to a folder to keep the screenshot
(docs/screenshots/duty-roster.png is one)."""

from __future__ import annotations

import asyncio
import os
from datetime import datetime, time
from pathlib import Path
from typing import Any

import httpx
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication

from console.audit import Auditor
from console.duty import DutyDesk
from console.gateway import GatewayClient
from district.vocabulary import DISTRICT_TZ
from offline_cache.audit_log import AuditLog
from offline_cache.db import CACHE_FILE, open_cache
from widgets.duty import AcknowledgeDialog, AssignDialog, CheckInDialog, DutyPanel, HandoverDialog
from tests.support.qtsupport import run_task
from widgets.theme import AMBER, apply_theme, load_cjk_font


def _login(url: str, user: str) -> str:
    return str(httpx.post(url + "/api/v1/auth/token", data={"username": user, "password": user}).json()["access_token"])


def _row_of(panel: DutyPanel, shift_id: str) -> int:
    for row in range(panel.shifts.rowCount()):
        if panel.shifts.item(row, 0).data(0x0100) == shift_id:
            return row
    raise AssertionError(shift_id)


def test_duty_panel_end_to_end(feed_factory: Any, console_loop: asyncio.AbstractEventLoop, qtbot: Any,
                               tmp_path: Path) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    shots = os.environ.get("DUTY_SHOTS")
    if shots:  # the dark theme and the CJK font for the picture; put back for the tests that follow
        kept = (app.style().name(), app.styleSheet(), app.palette(), app.font())
        apply_theme(app)
        load_cjk_font(app)
    try:
        _panel_end_to_end(feed_factory, console_loop, qtbot, tmp_path, shots)
    finally:
        if shots:
            app.setStyle(kept[0])
            app.setStyleSheet(kept[1])
            app.setPalette(kept[2])
            app.setFont(kept[3])


def _panel_end_to_end(feed_factory: Any, console_loop: asyncio.AbstractEventLoop, qtbot: Any, tmp_path: Path,
                      shots: str | None) -> None:
    url = feed_factory(alerts_per_s=0, readings_per_s=1).url
    at = datetime.combine(datetime.now(DISTRICT_TZ).date(), time(19, 25), DISTRICT_TZ)
    httpx.post(url + "/_sim/clock", json={"offset_s": (at - datetime.now(DISTRICT_TZ)).total_seconds()})
    cache = open_cache(tmp_path / CACHE_FILE)
    gateway = GatewayClient(url, token=_login(url, "duty"))
    desk = DutyDesk(gateway, auditor=Auditor(AuditLog(cache), "值班员"), username="duty")
    panel = DutyPanel(desk, reports_dir=tmp_path)
    qtbot.addWidget(panel)
    panel.resize(1280, 720)
    panel.show()
    panel.refresh()
    qtbot.waitUntil(lambda: panel.shifts.rowCount() == 30, timeout=10_000)
    day = desk.roster.day.replace("-", "")  # type: ignore[union-attr]

    # Phone and SIP on every row; the night shift that ended at 08:00 unhanded is amber.
    overdue = [s for s in desk.roster.shifts if s.status == "overdue"]  # type: ignore[union-attr]
    assert overdue and all(s.end <= at.astimezone(s.end.tzinfo) for s in overdue)
    row = _row_of(panel, overdue[0].id)
    assert panel.shifts.item(row, 6).foreground().color() == QColor(AMBER)
    assert panel.shifts.item(row, 5).text().startswith("sip:") and panel.shifts.item(row, 4).text().startswith("0755-")
    on_duty = _row_of(panel, f"district-{day}-D")
    assert panel.shifts.item(on_duty, 6).foreground().color() != QColor(AMBER)
    assert "超时未交接" in panel.status_line.text()

    # No call service connected: the button says so and a call request goes nowhere.
    panel.shifts.selectRow(on_duty)
    assert panel.buttons["call"].text() == "融合通信未配置" and not panel.buttons["call"].isEnabled()
    panel.request_call()
    assert "融合通信未配置" in panel.status_line.text()
    calls: list[tuple[str, str, str]] = []
    panel.call_requested.connect(lambda *a: calls.append(a))
    panel.shifts.selectRow(_row_of(panel, overdue[0].id))
    panel.shifts.selectRow(on_duty)
    assert panel.buttons["call"].text() == "呼叫" and panel.buttons["call"].isEnabled()
    panel.actions_by_key["call"].trigger()
    assert calls and calls[0][0].startswith("sip:") and "坪山区指挥中心" in calls[0][1]
    assert calls[0][2] == f"duty:district-{day}-D"

    # Handover through the dialog: an empty report is refused in the dialog, then sent.
    panel.open_handover()
    dialog = panel._dialog
    assert isinstance(dialog, HandoverDialog)
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: dialog.error.isVisible(), timeout=10_000)
    assert "交接班报告" in dialog.error.text()
    dialog.report.setPlainText("本班处置告警 12 起；坑梓积水点待跟进。")
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: "已交班" in panel.status_line.text(), timeout=10_000)  # the dialog closed and is gone
    row = _row_of(panel, f"district-{day}-D")
    assert "待接班确认" in panel.shifts.item(row, 6).text() and "值班员" in panel.shifts.item(row, 6).text()

    # Acknowledgement: the outgoing officer's own login is refused in the dialog; the incoming one's works.
    panel.shifts.selectRow(row)
    assert panel.buttons["acknowledge"].isEnabled()
    panel.open_acknowledge()
    ack = panel._dialog
    assert isinstance(ack, AcknowledgeDialog)
    ack.username.setText("duty")
    ack.password.setText("duty")
    ack.ok_button.click()
    qtbot.waitUntil(lambda: ack.error.isVisible(), timeout=10_000)
    assert "本人账号" in ack.error.text() and ack.password.text() == ""
    taken: list[tuple[str, str, str]] = []
    panel.taken_over.connect(lambda *a: taken.append(a))
    ack.username.setText("chief")
    ack.password.setText("chief")
    ack.ok_button.click()
    qtbot.waitUntil(lambda: "已确认接班" in panel.status_line.text(), timeout=10_000)
    assert taken == [("duty", "chief", "值班长")]  # the shell offers the seat's session to the incoming officer
    row = _row_of(panel, f"district-{day}-D")
    assert panel.shifts.item(row, 6).text() == "已交接：值班员 → 值班长"

    # The report prints with both names.
    panel.shifts.selectRow(row)
    paths = panel.print_report()
    page = paths[0].read_text(encoding="utf-8")
    assert "值班员" in page and "值班长" in page and "坑梓积水点" in page

    # An operator seat may not start a 查岗: the reason shows in the dialog, in Chinese.
    panel.open_checkin()
    chk = panel._dialog
    assert isinstance(chk, CheckInDialog) and chk.centre.count() == 9
    chk.ok_button.click()
    qtbot.waitUntil(lambda: chk.error.isVisible(), timeout=10_000)
    assert "值班长权限" in chk.error.text()
    chk.reject()

    # Two 查岗 started by the district's 值班长 elsewhere; one answered by its sub-centre.
    for centre in ("maluan", "biling"):
        body = {"id": f"chk-{centre}-0001", "kind": "duty.checkin_start", "target_id": centre, "args": {"minutes": 5},
                "issued_at": datetime.now(DISTRICT_TZ).isoformat()}
        r = httpx.post(url + "/api/v1/commands", json=body,
                       headers={"Idempotency-Key": body["id"], "Authorization": f"Bearer {_login(url, 'chief')}"})
        assert r.status_code == 202, r.text
    panel.refresh()
    qtbot.waitUntil(lambda: panel.checks.rowCount() == 2, timeout=10_000)
    assert panel.checks.item(0, 5).text() == "等待应答" and ":" in panel.checks.item(0, 4).text()
    street = DutyDesk(GatewayClient(url, token=_login(url, "maluan")))
    street.roster = desk.roster
    panel.checks.selectRow(0)
    panel.desk = street  # the sub-centre's seat answers from its own panel
    panel.answer_checkin()
    qtbot.waitUntil(lambda: "已应答查岗" in panel.status_line.text(), timeout=10_000)
    assert panel.checks.item(0, 5).text() == "按时应答"
    panel.desk = desk
    run_task(console_loop, qtbot, street.gateway.aclose())
    panel.refresh()
    qtbot.waitUntil(lambda: panel.checks.item(0, 5) is not None and panel.checks.item(0, 5).text() == "按时应答",
                    timeout=10_000)
    panel.shifts.selectRow(_row_of(panel, f"district-{day}-D"))
    if shots:
        folder = Path(shots)
        folder.mkdir(parents=True, exist_ok=True)
        panel.grab().save(str(folder / "duty-roster.png"))

    # 修改排班 is for 值班长 and administrator seats: this operator seat is told so in the dialog.
    panel.shifts.selectRow(_row_of(panel, f"maluan-{day}-N"))
    panel.open_assign()
    edit = panel._dialog
    assert isinstance(edit, AssignDialog) and edit.sip.text().startswith("sip:")
    edit.ok_button.click()
    qtbot.waitUntil(lambda: edit.error.isVisible(), timeout=10_000)
    assert edit.error.text() == "没有修改"
    edit.phone.setText("0755-28300099")
    edit.ok_button.click()
    qtbot.waitUntil(lambda: "值班长权限" in edit.error.text(), timeout=10_000)
    edit.reject()
    admin = DutyDesk(GatewayClient(url, token=_login(url, "admin")))
    admin.roster = desk.roster
    panel.desk = admin
    panel.open_assign()
    edit = panel._dialog
    edit.phone.setText("0755-28300099")
    edit.ok_button.click()
    qtbot.waitUntil(lambda: "排班已修改" in panel.status_line.text(), timeout=10_000)
    row = _row_of(panel, f"maluan-{day}-N")
    assert panel.shifts.item(row, 4).text() == "0755-28300099"
    panel.desk = desk
    run_task(console_loop, qtbot, admin.gateway.aclose())

    actions = [r.action for r in AuditLog(cache).records()]
    assert "duty.handover" in actions and "duty.acknowledge" in actions
    panel.close()
    run_task(console_loop, qtbot, gateway.aclose())
    cache.close()


def test_main_window_opens_the_roster_with_ctrl_6(offline_console: Any, qtbot: Any) -> None:
    """The 值班 dock is a closed tab beside the queue; Ctrl+6 (and the 值班 menu) opens it in front.
    With the gateway down it says so, and the call button says 融合通信未配置."""
    from widgets.shell.main_window import MainWindow

    window = MainWindow(offline_console.core, offline_console.notifier)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    duty = window.duty
    assert duty is not None and not duty.dock.isVisible()
    menus = [a.text() for a in window.menu_bar().actions()]
    assert "值班(&Y)" in menus
    assert duty.show_action.shortcut().toString() == "Ctrl+6"
    duty.show_action.trigger()  # what Ctrl+6 does
    qtbot.waitUntil(duty.dock.isVisible, timeout=3000)
    assert window.docks["queue"] in window.tabifiedDockWidgets(duty.dock)
    qtbot.waitUntil(lambda: "网关不可达" in duty.panel.status_line.text(), timeout=15_000)  # in Chinese, no traceback
    assert duty.panel.buttons["call"].text() == "融合通信未配置"
    window.reset_layout()
    qtbot.waitUntil(lambda: not duty.dock.isVisible(), timeout=3000)
    window.close()

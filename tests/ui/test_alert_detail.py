"""The closed loop through the detail pane against the real feed: every transition, every
refusal shown in Chinese beside the alert (and the alert left as it was), the timeline with
who and when, masked phone and audited reveal, nearest cameras to the video wall."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from offline_cache.audit_log import AuditLog
from tests.support.qtsupport import run_task, stop_core  # noqa: F401
from widgets.alert_queue import AlertQueuePanel

pytestmark = pytest.mark.timeout(150)


def _panel(console: SimpleNamespace, qtbot: Any) -> AlertQueuePanel:
    panel = AlertQueuePanel(console.core, console.notifier)
    qtbot.addWidget(panel)
    panel.resize(1500, 700)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


def _pick(console: SimpleNamespace, qtbot: Any, pred: Any) -> str:
    store = console.core.picture.alerts
    found: list[str] = []

    def look() -> bool:
        for a in store.values():
            if pred(a) and not store.pending(a.id):
                found.append(a.id)
                return True
        return False

    qtbot.waitUntil(look, timeout=20000)
    return found[0]


def _settled(console: SimpleNamespace, alert_id: str, status: str) -> Any:
    store = console.core.picture.alerts
    return lambda: store.get(alert_id).status == status and not store.pending(alert_id)


def test_full_closed_loop_from_the_detail_pane(live_console: SimpleNamespace, qtbot: Any) -> None:
    live_console.core.config.role = "supervisor"  # every verb, reopen and escalate included (issue 10 roles)
    panel = _panel(live_console, qtbot)
    store = live_console.core.picture.alerts
    alert_id = _pick(live_console, qtbot, lambda a: a.status == "new" and a.level != "red")
    qtbot.waitUntil(lambda: panel.select_alert(alert_id), timeout=5000)
    d = panel.detail
    assert d.alert_id() == alert_id
    # Only the actions the workflow allows are offered.
    enabled = {v for v, b in d.buttons.items() if b.isEnabled()}
    assert enabled == {"acknowledge", "escalate", "urge", "merge", "note"}

    assert panel.acknowledge_selected()
    qtbot.waitUntil(_settled(live_console, alert_id, "acknowledged"), timeout=20000)

    # 分拨: only units that may receive the category are offered.
    qtbot.waitUntil(lambda: d.buttons["dispatch"].isEnabled(), timeout=5000)
    category = store.get(alert_id).category
    offered = [d.unit_combo.itemData(i) for i in range(1, d.unit_combo.count())]
    units = live_console.core.picture.units
    assert offered and all(not units[u].categories or category in units[u].categories for u in offered)
    # The alert's own community and street units come first (issue 21).
    alert = store.get(alert_id)
    local = [u for u in (f"community.{alert.community}" if alert.community else None,
                         f"street.{alert.street}" if alert.street else None) if u in offered]
    assert local and offered[:len(local)] == local
    assert not d.action_hint.isVisible()
    assert not d.perform("dispatch")  # no unit chosen: nothing sent, and the pane says why
    assert d.action_hint.isVisible() and d.action_hint.text().startswith("请选择承办单位")
    assert not store.pending(alert_id)
    d.unit_combo.setCurrentIndex(1)
    d.text_edit.setText("请十分钟内到场")
    assert d.perform("dispatch")
    assert not d.action_hint.isVisible()  # sent: the hint goes away
    qtbot.waitUntil(_settled(live_console, alert_id, "dispatched"), timeout=20000)
    assert store.get(alert_id).assigned_unit == offered[0]

    assert d.perform("start")
    qtbot.waitUntil(_settled(live_console, alert_id, "in_progress"), timeout=20000)
    d.text_edit.clear()
    assert not d.perform("resolve")  # the result is required
    d.text_edit.setText("已抽排积水，道路恢复通行")
    assert d.perform("resolve")
    qtbot.waitUntil(_settled(live_console, alert_id, "resolved"), timeout=20000)
    d.text_edit.setText("回访满意")
    assert d.perform("close")
    qtbot.waitUntil(_settled(live_console, alert_id, "closed"), timeout=20000)
    d.text_edit.setText("群众再次反映")
    assert d.perform("reopen")
    qtbot.waitUntil(_settled(live_console, alert_id, "acknowledged"), timeout=20000)

    # The timeline shows every step with who did it.
    qtbot.waitUntil(lambda: d.timeline.rowCount() == len(store.get(alert_id).timeline), timeout=5000)
    actions = [d.timeline.item(r, 2).text() for r in range(d.timeline.rowCount())]
    assert actions[-6:] == ["签收", "分拨", "开始处置", "办结", "闭环", "重新打开"]
    # Who did it is the server's caller (the feed's anonymous test seat), not the console's say.
    assert {d.timeline.item(r, 1).text() for r in range(1, d.timeline.rowCount())} == {"测试席位"}
    assert "已抽排积水" in d.timeline.item(d.timeline.rowCount() - 3, 3).text()
    # Every command went into the audit chain.
    kinds = [r.action for r in AuditLog(live_console.core.cache).records()]
    assert kinds == ["alert.acknowledge", "alert.dispatch", "alert.start", "alert.resolve", "alert.close",
                     "alert.reopen"]


def test_escalate_urge_note_merge(live_console: SimpleNamespace, qtbot: Any) -> None:
    live_console.core.config.role = "supervisor"  # escalate, urge and reopen are a supervisor's (issue 10)
    panel = _panel(live_console, qtbot)
    store = live_console.core.picture.alerts
    a_id = _pick(live_console, qtbot, lambda a: a.status == "new" and a.level in ("blue", "yellow"))
    b_id = _pick(live_console, qtbot, lambda a: a.status in ("new", "acknowledged") and a.id != a_id)
    qtbot.waitUntil(lambda: panel.select_alert(a_id), timeout=5000)
    d = panel.detail
    level = store.get(a_id).level
    assert d.perform("escalate")
    qtbot.waitUntil(lambda: store.get(a_id).level != level and not store.pending(a_id), timeout=20000)
    d.text_edit.setText("请加快处置")
    assert d.perform("urge")
    qtbot.waitUntil(lambda: store.get(a_id).timeline[-1].action == "urge" and not store.pending(a_id), timeout=20000)
    d.text_edit.setText("已电话联系报告人")
    assert d.perform("note")
    qtbot.waitUntil(lambda: store.get(a_id).timeline[-1].text == "已电话联系报告人", timeout=20000)
    qtbot.waitUntil(lambda: not store.pending(a_id), timeout=20000)
    d.merge_edit.setText(b_id)
    assert d.perform("merge")
    qtbot.waitUntil(_settled(live_console, a_id, "closed"), timeout=20000)
    # The target keeps a note of the merge (the synthetic district may act on it right after: not [-1]).
    qtbot.waitUntil(lambda: any(n.text == f"已合并重复事件 {a_id}" for n in store.get(b_id).timeline), timeout=20000)
    # A closed alert offers only reopen and note.
    qtbot.waitUntil(lambda: {v for v, b in d.buttons.items() if b.isEnabled()} == {"reopen", "note"}, timeout=5000)


def test_refusals_are_shown_beside_the_alert_which_stays_as_it_was(live_console: SimpleNamespace, qtbot: Any) -> None:
    panel = _panel(live_console, qtbot)
    store = live_console.core.picture.alerts
    commands = live_console.core.commands
    alert_id = _pick(live_console, qtbot, lambda a: a.status == "new")
    qtbot.waitUntil(lambda: panel.select_alert(alert_id), timeout=5000)
    before = store.get(alert_id)

    # 409: built on a revision the feed no longer holds.
    commands.submit("alert.acknowledge", alert_id, expected_rev=before.rev + 7)
    qtbot.waitUntil(lambda: store.refusal(alert_id) is not None, timeout=20000)
    qtbot.waitUntil(lambda: panel.detail.refusal.isVisible(), timeout=5000)
    assert "已被更新" in panel.detail.refusal.text()
    # 422: a transition the state machine does not allow (start before dispatch).
    commands.submit("alert.start", alert_id, expected_rev=before.rev)
    qtbot.waitUntil(lambda: "不能开始处置" in (store.refusal(alert_id) or ""), timeout=20000)
    qtbot.waitUntil(lambda: "不能开始处置" in panel.detail.refusal.text(), timeout=5000)
    # 422: a unit that does not take this category, and an empty note.
    wrong = next(u for u in live_console.core.picture.units.values()
                 if u.categories and before.category not in u.categories)
    commands.submit("alert.acknowledge", alert_id, expected_rev=before.rev)
    qtbot.waitUntil(_settled(live_console, alert_id, "acknowledged"), timeout=20000)
    rev = store.get(alert_id).rev
    commands.submit("alert.dispatch", alert_id, {"unit": wrong.id}, expected_rev=rev)
    qtbot.waitUntil(lambda: "不承办" in (store.refusal(alert_id) or ""), timeout=20000)
    commands.submit("alert.note", alert_id, {"text": " "}, expected_rev=rev)
    qtbot.waitUntil(lambda: "备注内容不能为空" in (store.refusal(alert_id) or ""), timeout=20000)
    after = store.get(alert_id)
    assert after.rev == rev and after.status == "acknowledged" and after.assigned_unit is None


def test_viewer_seat_is_refused_403(feed: Any, console_loop: Any, qtbot: Any, tmp_path: Any) -> None:
    from widgets.bridge import PictureNotifier
    from console.runtime import ConsoleConfig, ConsoleCore

    token = httpx.post(f"{feed.url}/api/v1/auth/token", data={"username": "viewer", "password": "viewer"},
                       timeout=10).json()["access_token"]
    core = ConsoleCore(ConsoleConfig(backend_url=feed.url, cache_dir=tmp_path / "c", token=token, role="viewer"))
    run_task(console_loop, qtbot, core.start())
    console = SimpleNamespace(core=core, notifier=PictureNotifier(core.picture), loop=console_loop)
    try:
        alert_id = _pick(console, qtbot, lambda a: a.status == "new")
        core.commands.submit("alert.acknowledge", alert_id, expected_rev=core.picture.alerts.get(alert_id).rev)
        qtbot.waitUntil(lambda: core.picture.alerts.refusal(alert_id) == "只读席位无权下达指令", timeout=20000)
        assert core.picture.alerts.get(alert_id).status == "new"
        # The pane offers no commands to a viewer seat.
        panel = _panel(console, qtbot)
        qtbot.waitUntil(lambda: panel.select_alert(alert_id), timeout=5000)
        assert not any(b.isEnabled() for b in panel.detail.buttons.values())
        panel.close()
    finally:
        stop_core(console, qtbot)


def test_masked_phone_reveal_and_cameras_to_the_wall(live_console: SimpleNamespace, qtbot: Any) -> None:
    panel = _panel(live_console, qtbot)
    alert_id = _pick(live_console, qtbot, lambda a: bool(a.reporter_phone) and a.location is not None)
    qtbot.waitUntil(lambda: panel.select_alert(alert_id), timeout=5000)
    d = panel.detail
    phone = live_console.core.picture.alerts.get(alert_id).reporter_phone
    # The number reaches the console masked: the whole one never sits in its store.
    assert "****" in phone and d.fields["phone"].text() == phone
    # An operator seat may not reveal; the attempt is audited.
    d.reveal_button.click()
    qtbot.waitUntil(lambda: d.reveal_button.isEnabled(), timeout=5000)
    assert d.fields["phone"].text() == phone
    live_console.core.config.role = "supervisor"
    d.reveal_button.click()  # asks the gateway (alert.reveal_phone), which answers the whole number
    qtbot.waitUntil(lambda: d.fields["phone"].text().isdigit(), timeout=10000)
    full = d.fields["phone"].text()
    assert len(full) == 11 and full[:3] == phone[:3] and full[-4:] == phone[-4:]
    actions = [r.action for r in AuditLog(live_console.core.cache).records()]
    assert actions == ["reveal.refused", "reveal.reporter_phone"]
    # Nearest cameras: one click sends them to the wall.
    qtbot.waitUntil(lambda: d.cameras.count() > 0, timeout=10000)
    # The small map marks the alert and its cameras.
    loc = live_console.core.picture.alerts.get(alert_id).location
    assert d.sketch.point == (loc.lon, loc.lat) and len(d.sketch.cameras) == d.cameras.count()
    with qtbot.waitSignal(panel.cameras_requested, timeout=3000) as sig:
        d.cameras_button.click()
    assert sig.args[0] == d.camera_ids()


def test_offline_action_waits_in_the_outbox_shown_pending(offline_console: SimpleNamespace, qtbot: Any) -> None:
    from datetime import datetime, timezone

    from console.models import Alert

    now = datetime.now(timezone.utc)
    store = offline_console.core.picture.alerts
    store.apply(Alert(id="PS9000001", rev=3, level="orange", status="acknowledged", source="grid_patrol",
                      category="waterlogging", title="离线测试积水", created_at=now, updated_at=now))
    panel = _panel(offline_console, qtbot)
    qtbot.waitUntil(lambda: panel.select_alert("PS9000001"), timeout=5000)
    d = panel.detail
    d.unit_combo.setCurrentIndex(d.unit_combo.findData("dept.water"))
    assert d.perform("dispatch")
    assert store.pending("PS9000001")[0].kind == "alert.dispatch"
    assert "（指令待确认）" in d.fields["status"].text()
    assert not any(b.isEnabled() for b in d.buttons.values())  # one command at a time per alert
    assert [i.kind for i in offline_console.core.outbox.unsent()] == ["alert.dispatch"]
    qtbot.waitUntil(lambda: "分拨中…" in panel.model.row_texts(panel.model.row_of("PS9000001")), timeout=5000)

"""A call to a task's assignee during an incident reaches the command log (audit chain)
and the after-action report: real feed, real core, kamailio, sipp and baresip."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from console.aar_report import build_report, render_html
from console.comms import call_records
from console.comms.seat import call_reporter, call_task_assignee, seat_calls, task_target
from console.comms.settings import SipSettings, save_sip_settings
from console.runtime import ConsoleConfig, ConsoleCore
from offline_cache.audit_log import AuditLog
from tests.support.asyncsupport import run, until
from tests.support.siplab import DOMAIN, Kamailio

PINGHUAN = (114.372, 22.703)


def test_call_to_a_task_assignee_is_in_the_report_and_the_chain(feed: Any, kamailio: Kamailio, sipp_peer: Any,
                                                                 tmp_path: Path) -> None:
    cache = tmp_path / "district"
    cache.mkdir()
    save_sip_settings(cache, SipSettings(server=kamailio.server, user="seat01", domain=DOMAIN,
                                         ring_timeout_s=5.0, setup_timeout_s=3.0))
    peer = sipp_peer("team_flood", "answer")

    async def go() -> None:
        core = ConsoleCore(ConsoleConfig(backend_url=feed.url, cache_dir=cache, operator="区值班长",
                                         role="supervisor", max_backoff_s=0.5))
        await core.start()
        calls = seat_calls(core)
        try:
            assert await core.wait_live(30)
            await until(lambda: "resources" in core.layers, 30, "layers fetched")
            war = core.wartime
            iid = war.declare("rainstorm_flood", 2, reason="坪环社区多处积水", location=PINGHUAN, street="maluan")
            tid = war.issue_task(iid, "team.flood", "携抽水泵赶赴坪环积水点", 20, location=PINGHUAN)
            await until(lambda: core.picture.tasks.get(tid) is not None, 20, "the order echoed")
            target = task_target(core, tid)
            assert target.number == "team_flood"  # the unit's rescue team on the resources layer

            assert (await calls.start()).state == "registered"
            call = await call_task_assignee(core, calls, tid)
            assert call.peer_name == target.name and call.link == tid
            await until(lambda: call.state == "active", 10, "the team to answer")
            await calls.hangup()
            assert await calls.wait_ended(5)

            war.now = lambda: datetime.now(timezone.utc)
            war.stand_down(iid, "积水消退")
            await until(lambda: core.picture.incidents.get(iid).status == "stood_down", 20, "stood down")
            report = build_report(war, iid)
            assert [c.link for c in report.extra["calls"]] == [tid]
            assert any(e.kind == "call" and "区值班长 → " in e.text and "已接通" in e.text for e in report.timeline)
            assert any(e.action == "call.record" and e.text.startswith("电话 区值班长 → ") for e in report.log)
            page = render_html(report)
            assert "九、通话记录" in page and target.name in page
            recs = call_records(AuditLog(core.cache).records())
            assert [(r.caller, r.outcome, r.link) for r in recs] == [("区值班长", "answered", tid)]
            assert AuditLog(core.cache).verify().ok
        finally:
            await calls.stop()
            await core.stop()

    run(go(), 120)
    assert peer.wait(10) == 0, peer.errors()


def test_click_to_call_a_reporter_goes_through_the_audited_reveal(feed: Any, kamailio: Kamailio,
                                                                  tmp_path: Path) -> None:
    cache = tmp_path / "seat"
    cache.mkdir()
    save_sip_settings(cache, SipSettings(server=kamailio.server, user="seat01", domain=DOMAIN,
                                         ring_timeout_s=5.0, setup_timeout_s=3.0))

    async def go() -> None:
        core = ConsoleCore(ConsoleConfig(backend_url=feed.url, cache_dir=cache, operator="值班长甲",
                                         role="supervisor", max_backoff_s=0.5))
        await core.start()
        calls = seat_calls(core)
        try:
            assert await core.wait_live(30)
            await until(lambda: any(a.reporter_phone for a in core.picture.alerts.values()), 30, "a reported alert")
            alert = next(a for a in core.picture.alerts.values() if a.reporter_phone)
            assert "*" in (alert.reporter_phone or "")  # numbers reach the console masked
            assert (await calls.start()).state == "registered"
            call = await call_reporter(core, calls, alert.id)
            assert call.peer_name.startswith("报警人 ") and "****" in call.peer_name
            assert "*" not in call.peer_uri  # the whole number was dialled…
            assert await calls.wait_ended(8)
            assert call.outcome == "failed" and "404" in call.reason  # …and nobody has that number here
            actions = [(r.action, r.target) for r in AuditLog(core.cache).records()]
            assert ("reveal.reporter_phone", alert.id) in actions and ("call.reporter", alert.id) in actions
            rec = call_records(AuditLog(core.cache).records())[-1]
            assert rec.link == alert.id and rec.peer_uri.startswith("tel:") and "****" in rec.peer_uri
            assert call.peer_uri.split(":")[1].split("@")[0] not in str(list(AuditLog(core.cache).records()))
        finally:
            await calls.stop()
            await core.stop()

    run(go(), 120)


def test_an_operator_without_the_reveal_permission_cannot_call_a_reporter(feed: Any, kamailio: Kamailio,
                                                                           tmp_path: Path) -> None:
    cache = tmp_path / "seat"
    cache.mkdir()
    save_sip_settings(cache, SipSettings(server=kamailio.server, user="seat01", domain=DOMAIN))

    async def go() -> None:
        core = ConsoleCore(ConsoleConfig(backend_url=feed.url, cache_dir=cache, operator="值班员乙",
                                         role="operator", max_backoff_s=0.5))
        await core.start()
        calls = seat_calls(core)
        try:
            assert await core.wait_live(30)
            await until(lambda: any(a.reporter_phone for a in core.picture.alerts.values()), 30, "a reported alert")
            alert = next(a for a in core.picture.alerts.values() if a.reporter_phone)
            assert (await calls.start()).state == "registered"
            with pytest.raises(PermissionError, match="无权"):
                await call_reporter(core, calls, alert.id)
            assert calls.call is None  # nothing was dialled
            assert [r.action for r in AuditLog(core.cache).records() if r.target == alert.id] == ["reveal.refused"]
        finally:
            await calls.stop()
            await core.stop()

    run(go(), 120)

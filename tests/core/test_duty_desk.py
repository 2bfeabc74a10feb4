"""console.duty against the real feed: handover by the session, acknowledgement by another
login, both names and times in the audit chain (``audit verify --list duty.``), the command
log and the printable handover report."""

from __future__ import annotations

import asyncio
from datetime import datetime, time
from pathlib import Path
from typing import Any

import httpx
import pytest

from console.audit import Auditor, main_audit
from console.duty import DutyDesk, DutyError, handover_document, write_handover
from console.gateway import GatewayClient
from district.vocabulary import DISTRICT_TZ
from offline_cache.audit_log import AuditLog
from offline_cache.db import CACHE_FILE, open_cache
from offline_cache.outbox import Outbox


def _login(url: str, user: str) -> str:
    return str(httpx.post(url + "/api/v1/auth/token", data={"username": user, "password": user}).json()["access_token"])


def _clock(url: str, hh: int, mm: int) -> None:
    at = datetime.combine(datetime.now(DISTRICT_TZ).date(), time(hh, mm), DISTRICT_TZ)
    httpx.post(url + "/_sim/clock", json={"offset_s": (at - datetime.now(DISTRICT_TZ)).total_seconds()})


def test_handover_and_acknowledgement_reach_the_audit_chain(feed_factory: Any, tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    url = feed_factory(alerts_per_s=0, readings_per_s=1).url
    _clock(url, 19, 20)
    cache = open_cache(tmp_path / CACHE_FILE)
    auditor = Auditor(AuditLog(cache), "值班员")
    outbox = Outbox(cache)

    async def go() -> None:
        gateway = GatewayClient(url, token=_login(url, "duty"))
        desk = DutyDesk(gateway, auditor=auditor, outbox=outbox, username="duty")
        try:
            roster = await desk.refresh()
            sid = next(s.id for s in roster.shifts if s.centre == "district" and s.status == "on_duty")
            target = desk.call_target(desk.shift(sid))  # type: ignore[arg-type]
            assert target.sip_uri.startswith("sip:") and "坪山区指挥中心" in target.display_name
            assert target.link == f"duty:{sid}"
            with pytest.raises(DutyError, match="交接班报告"):
                await desk.handover(sid, "  ")
            shift = await desk.handover(sid, "夜间重点：龙田街道积水点两处，已派人值守。")
            assert shift is not None and shift.status == "handed_over" and shift.handed_over_by == "值班员"
            # The outgoing officer's own credentials are refused before anything is sent …
            with pytest.raises(DutyError, match="本人账号"):
                await desk.acknowledge(sid, "duty", "duty")
            # … a wrong password is a login failure, in Chinese …
            with pytest.raises(DutyError, match="接班人登录失败"):
                await desk.acknowledge(sid, "chief", "wrong")
            # … and the incoming officer's login acknowledges.
            shift = await desk.acknowledge(sid, "chief", "chief")
            assert shift is not None and shift.status == "done" and shift.acknowledged_by == "值班长"
            assert gateway.token is not None  # the console's own session is untouched

            paths = write_handover(shift, "坪山区指挥中心", tmp_path / "交接班报告", auditor=auditor)
            page = paths[0].read_text(encoding="utf-8")
            assert "值班员" in page and "值班长" in page and "龙田街道积水点" in page
            assert shift.handed_over_at is not None and f"{shift.handed_over_at.astimezone(DISTRICT_TZ):%H:%M}" in page
            assert handover_document(shift, "坪山区指挥中心").title.startswith("交接班报告")

            # 查岗 through the desk: started and answered (the answer from the street seat's own desk).
            with pytest.raises(DutyError, match="值班长权限"):  # an operator seat does not start a 查岗
                await desk.start_checkin("maluan", 5)
            centre = DutyDesk(GatewayClient(url, token=_login(url, "chief")), auditor=auditor)
            cid = await centre.start_checkin("maluan", 5)
            await centre.gateway.aclose()
            street = DutyDesk(GatewayClient(url, token=_login(url, "maluan")))
            check = await street.answer_checkin(cid)
            assert check is not None and check.outcome == "answered"
            await street.gateway.aclose()
            with pytest.raises(DutyError, match="已由"):
                await desk.handover(sid, "again")
        finally:
            await gateway.aclose()

    asyncio.run(go())

    records = [r for r in AuditLog(cache).records() if r.action.startswith("duty.")]
    ack = next(r for r in records if r.action == "duty.acknowledge")
    assert (ack.detail["outgoing"], ack.detail["incoming"]) == ("值班员", "值班长")
    assert ack.detail["handed_over_at"] and ack.detail["acknowledged_at"]
    assert {"duty.handover", "duty.acknowledge", "duty.handover_report", "duty.checkin_start",
            "duty.handover.refused"} <= {r.action for r in records}
    assert AuditLog(cache).verify().ok
    kinds = [row[0] for row in cache.conn.execute("SELECT kind FROM outbox ORDER BY rowid")]
    assert kinds.count("duty.acknowledge") == 1 and "duty.handover" in kinds
    cache.conn.close()

    assert main_audit(["verify", "--cache", str(tmp_path), "--list", "duty."]) == 0
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if " duty.acknowledge " in x)
    assert "值班员" in line and "值班长" in line


def test_offline_roster_says_so(tmp_path: Path) -> None:
    async def go() -> None:
        gateway = GatewayClient("http://127.0.0.1:9", connect_timeout_s=0.5)
        try:
            with pytest.raises(DutyError, match="网关不可达"):
                await DutyDesk(gateway).refresh()
        finally:
            await gateway.aclose()

    asyncio.run(go())

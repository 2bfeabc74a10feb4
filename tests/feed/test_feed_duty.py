"""The duty roster over real HTTP: GET /api/v1/roster and the duty.* commands on the feed.

Handover by one user, acknowledgement by another (from the session token, never from the
body), overdue shifts, and 查岗 answered / late / missed with the feed's injected clock.
"""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from typing import Any

import httpx

from console.models import Roster
from district.vocabulary import DISTRICT_TZ


def _token(url: str, user: str) -> str:
    r = httpx.post(url + "/api/v1/auth/token", data={"username": user, "password": user}, timeout=10)
    assert r.status_code == 200, r.text
    return str(r.json()["access_token"])


def _command(url: str, token: str, kind: str, target: str, args: dict[str, Any] | None = None,
             operator: str = "", cid: str | None = None) -> httpx.Response:
    body = {"id": cid or f"cmd-{uuid.uuid4().hex[:16]}", "kind": kind, "target_id": target, "expected_rev": None,
            "operator": operator, "args": args or {},
            # a resend (same cid) must be byte-identical, as the console's outbox sends it
            "issued_at": "2026-01-01T08:00:00+08:00" if cid else datetime.now(DISTRICT_TZ).isoformat()}
    return httpx.post(url + "/api/v1/commands", json=body, timeout=10,
                      headers={"Idempotency-Key": body["id"], "Authorization": f"Bearer {token}"})


def _roster(url: str, token: str) -> Roster:
    r = httpx.get(url + "/api/v1/roster", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert r.status_code == 200, r.text
    return Roster.model_validate_json(r.content)


def _set_clock(url: str, at: datetime) -> None:
    """Move the feed's clock so that its now is ``at`` (give or take the call's latency)."""
    offset = (at - datetime.now(DISTRICT_TZ)).total_seconds()
    assert httpx.post(url + "/_sim/clock", json={"offset_s": offset}, timeout=10).status_code == 200


def _today_at(hh: int, mm: int = 0) -> datetime:
    return datetime.combine(datetime.now(DISTRICT_TZ).date(), time(hh, mm), DISTRICT_TZ)


def test_handover_by_one_acknowledged_by_another(feed_factory: Any) -> None:
    feed = feed_factory(alerts_per_s=0, readings_per_s=1)
    url = feed.url
    duty, chief = _token(url, "duty"), _token(url, "chief")
    _set_clock(url, _today_at(19, 30))
    roster = _roster(url, duty)
    assert len(roster.centres) == 10 and {c.kind for c in roster.centres} == {"district", "street", "department"}
    assert roster.centres[0].name == "坪山区指挥中心"
    day = datetime.fromisoformat(roster.day).strftime("%Y%m%d")
    sid = f"district-{day}-D"
    shift = next(s for s in roster.shifts if s.id == sid)
    assert shift.status == "on_duty" and shift.sip.startswith("sip:") and shift.phone

    # Too early: the handover opens one hour before the end.
    _set_clock(url, _today_at(15, 0))
    early = _command(url, duty, "duty.handover", sid, {"report": "平稳"})
    assert early.status_code == 409 and "未到交班时间" in early.json()["reason"]
    _set_clock(url, _today_at(19, 30))
    assert _command(url, duty, "duty.handover", sid, {}).status_code == 422  # a report is required

    # The outgoing officer hands over; a forged operator/user in the body is ignored.
    r = _command(url, duty, "duty.handover", sid, {"report": "红色预警 1 起已处置完毕；龙田水浸点持续关注。", "by": "chief"},
                 operator="值班长")
    assert r.status_code == 202, r.text
    shift = next(s for s in _roster(url, chief).shifts if s.id == sid)
    assert shift.status == "handed_over"
    assert (shift.handed_over_by, shift.handed_over_by_user) == ("值班员", "duty")

    # The outgoing officer cannot acknowledge their own handover, whatever the body says.
    own = _command(url, duty, "duty.acknowledge", sid, {"user": "chief", "username": "chief"}, operator="值班长")
    assert own.status_code == 403 and "交班人不能确认自己的交班" in own.json()["reason"]
    # A viewer may not acknowledge at all.
    assert _command(url, _token(url, "viewer"), "duty.acknowledge", sid).status_code == 403

    # The incoming officer acknowledges with their own login; a resend gets the same answer.
    cid = f"cmd-{uuid.uuid4().hex[:16]}"
    first = _command(url, chief, "duty.acknowledge", sid, cid=cid)
    assert first.status_code == 202, first.text
    again = _command(url, chief, "duty.acknowledge", sid, cid=cid)
    assert (again.status_code, again.json()) == (202, first.json())
    shift = next(s for s in _roster(url, duty).shifts if s.id == sid)
    assert shift.status == "done"
    assert (shift.acknowledged_by, shift.acknowledged_by_user) == ("值班长", "chief")
    assert shift.handed_over_at is not None and shift.acknowledged_at is not None
    assert shift.acknowledged_at >= shift.handed_over_at
    assert "龙田水浸点" in shift.report
    assert _command(url, chief, "duty.acknowledge", sid).status_code == 409  # once only

    # After 20:00 a day shift nobody handed over is overdue; the one handed over is not.
    _set_clock(url, _today_at(20, 30))
    shifts = {s.id: s for s in _roster(url, duty).shifts}
    assert shifts[f"maluan-{day}-D"].status == "overdue"
    assert shifts[sid].status == "done"

    # The book survives a restart of the feed (same data folder).
    feed.close()
    again_feed = feed_factory(alerts_per_s=0, readings_per_s=1, data_dir=feed.data_dir)
    shift = next(s for s in _roster(again_feed.url, _token(again_feed.url, "duty")).shifts if s.id == sid)
    assert shift.status == "done" and shift.acknowledged_by == "值班长"


def test_roster_editing_is_for_administrator_and_chief_seats(feed_factory: Any) -> None:
    url = feed_factory(alerts_per_s=0, readings_per_s=1).url
    roster = _roster(url, _token(url, "viewer"))
    sid = next(s.id for s in roster.shifts if s.centre == "maluan" and s.id.endswith("-D"))
    args = {"officer": "马峦街道分中心代班值班员", "phone": "0755-28300001", "sip": "sip:8001@duty.pingshan.local"}
    assert _command(url, _token(url, "duty"), "duty.assign", sid, args).status_code == 403
    assert _command(url, _token(url, "admin"), "duty.assign", sid, {"sip": "tel:1"}).status_code == 422
    assert _command(url, _token(url, "admin"), "duty.assign", sid, args).status_code == 202
    shift = next(s for s in _roster(url, _token(url, "duty")).shifts if s.id == sid)
    assert (shift.officer, shift.phone, shift.sip) == (args["officer"], args["phone"], args["sip"])
    # A street 值班长 edits only their own street's roster.
    other = next(s.id for s in roster.shifts if s.centre == "biling")
    r = _command(url, _token(url, "maluan_chief"), "duty.assign", other, args)
    assert r.status_code == 403 and "超出授权范围" in r.json()["reason"]


def test_checkin_answered_late_and_missed(feed_factory: Any) -> None:
    url = feed_factory(alerts_per_s=0, readings_per_s=1).url
    chief, maluan = _token(url, "chief"), _token(url, "maluan")
    t0 = _today_at(10, 0)
    _set_clock(url, t0)
    # Only the district centre calls; a street seat may not start a 查岗.
    refused = _command(url, maluan, "duty.checkin_start", "biling", {"minutes": 5})
    assert refused.status_code == 403
    assert _command(url, chief, "duty.checkin_start", "maluan", {"minutes": 0}).status_code == 422

    ids = {}
    for centre in ("maluan", "biling", "kengzi"):
        r = _command(url, chief, "duty.checkin_start", centre, {"minutes": 5})
        assert r.status_code == 202, r.text
        ids[centre] = r.json()["target_id"]
    dup = _command(url, chief, "duty.checkin_start", "maluan", {"minutes": 5})
    assert dup.status_code == 409  # one open 查岗 per centre

    _set_clock(url, t0 + timedelta(minutes=2))
    assert _command(url, maluan, "duty.checkin_answer", ids["maluan"]).status_code == 202
    # A sub-centre answers only its own 查岗.
    assert _command(url, maluan, "duty.checkin_answer", ids["biling"]).status_code == 403

    _set_clock(url, t0 + timedelta(minutes=7))
    assert _command(url, _token(url, "biling"), "duty.checkin_answer", ids["biling"]).status_code == 202

    _set_clock(url, t0 + timedelta(minutes=11))
    late = _command(url, _token(url, "kengzi"), "duty.checkin_answer", ids["kengzi"])
    assert late.status_code == 409 and "未应答" in late.json()["reason"]

    checks = {c.centre: c for c in _roster(url, chief).checkins}
    assert checks["maluan"].outcome == "answered" and checks["maluan"].answered_by == "马峦街道分中心值班员"
    assert checks["biling"].outcome == "late"
    assert checks["kengzi"].outcome == "missed" and checks["kengzi"].answered_by is None
    assert checks["maluan"].started_by == "值班长"

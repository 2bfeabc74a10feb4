"""The duty roster (值班值守): who is on duty where, the shift handover, and 查岗.

The rules, with no storage and no clock of their own (the caller passes ``now``):

* **Centres** — the 1+6+N system: the district centre (坪山区指挥中心), the six street
  sub-centres (names from :func:`district.vocabulary.street_names`) and departmental
  centres named in the district's plan.
* **Shifts** — two a day per centre (白班 08:00–20:00, 夜班 20:00–08:00, district time);
  the demo roster is seeded from the date alone (:func:`seeded_shifts`), so every server
  shows the same roster without storing it. Administrator and 值班长 seats change an
  entry (officer, phone, SIP URI) with ``duty.assign``.
* **Handover** (交接班) is a two-person act: the outgoing officer hands over with a report
  (``duty.handover``, from one hour before the shift ends); the incoming officer
  acknowledges with *their own* login (``duty.acknowledge``): a different user than the
  one who handed over, taken from the session token, never from the command body. A shift
  that ended without a handover is ``overdue``.
* **查岗** (check-in) — the district centre calls a centre (``duty.checkin_start``,
  ``minutes`` to answer, default :data:`CHECKIN_MINUTES`); the centre answers
  (``duty.checkin_answer``): in time → ``answered``; within as many minutes again → ``late``;
  after that → ``missed`` (the answer is refused, the outcome stays).

:class:`DutyBook` holds what commands changed (assignments, handovers, check-ins) as
JSON-able dicts; :meth:`DutyBook.decide` checks a command and returns a
:class:`DutyChange` without touching the book, :meth:`DutyBook.apply` folds it in.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from console.models import DutyCentre, DutyCheckIn, DutyShift, Roster
from district.roles import User
from district.vocabulary import DISTRICT_TZ, street_names

CHECKIN_MINUTES = 5
"""Default minutes a centre has to answer a 查岗."""
MAX_CHECKIN_MINUTES = 60
HANDOVER_OPENS = timedelta(hours=1)
"""How long before a shift's end its officer may hand over."""
MAX_REPORT_CHARS = 4000
DAY_START, NIGHT_START = time(8, 0), time(20, 0)

DUTY_KINDS = ("duty.handover", "duty.acknowledge", "duty.checkin_start", "duty.checkin_answer", "duty.assign")

STATUS_ZH = {"upcoming": "待上岗", "on_duty": "在岗", "handed_over": "待接班确认", "done": "已交接",
             "overdue": "超时未交接"}
OUTCOME_ZH = {"pending": "等待应答", "answered": "按时应答", "late": "迟到应答", "missed": "未应答"}

_DEPARTMENTS = (
    ("emergency", "区应急管理监测预警指挥中心"),
    ("fire", "区消防大队指挥中心"),
    ("urban", "区城市管理服务指挥分中心"),
)


class DutyRefusal(Exception):
    """A refused duty command: HTTP status, machine code, Chinese reason."""

    def __init__(self, status: int, error: str, reason: str) -> None:
        super().__init__(reason)
        self.status, self.error, self.reason = status, error, reason


@dataclass(frozen=True)
class DutyChange:
    """What one accepted duty command changes: one record of one table of the book."""

    table: str  # "assignments" | "handovers" | "checkins"
    key: str
    record: dict[str, Any]
    target_id: str
    rev: int


def centres() -> tuple[DutyCentre, ...]:
    """The 1+6+N centres, district centre first."""
    out = [DutyCentre(id="district", name="坪山区指挥中心", kind="district")]
    out += [DutyCentre(id=sid, name=f"{name}街道分中心", kind="street", street=sid) for sid, name in street_names().items()]
    out += [DutyCentre(id=cid, name=name, kind="department") for cid, name in _DEPARTMENTS]
    return tuple(out)


def _digits(text: str, n: int) -> str:
    return str(int(hashlib.sha256(text.encode("utf-8")).hexdigest(), 16))[:n]


def _officer(centre: DutyCentre, team: int) -> tuple[str, str]:
    """(username, display name) of the seeded officer of ``team`` (0 or 1) at ``centre``:
    the demo accounts where they exist (duty/chief, maluan/maluan_chief, …)."""
    if centre.kind == "district":
        return ("duty", "值班员") if team == 0 else ("chief", "值班长")
    if centre.kind == "street":
        short = centre.name.removesuffix("街道分中心")
        if team == 0:
            return centre.id, f"{short}街道分中心值班员"
        return f"{centre.id}_chief", f"{short}街道分中心值班长"
    return f"{centre.id}_{'ab'[team]}", f"{centre.name.removeprefix('区')}{'甲乙'[team]}班值班员"


def seeded_shifts(day: date) -> list[dict[str, Any]]:
    """The demo roster touching ``day``: per centre, the night shift that ends at 08:00,
    the day shift and the night shift that starts at 20:00 (deterministic from the date)."""
    out: list[dict[str, Any]] = []
    for c in centres():
        for shift_day, kind in ((day - timedelta(days=1), "N"), (day, "D"), (day, "N")):
            start = datetime.combine(shift_day, DAY_START if kind == "D" else NIGHT_START, DISTRICT_TZ)
            team = (shift_day.toordinal() * 2 + (kind == "N")) % 2
            username, officer = _officer(c, team)
            sid = f"{c.id}-{shift_day:%Y%m%d}-{kind}"
            ext = "8" + _digits(f"{c.id}/{team}", 3)
            out.append({"id": sid, "centre": c.id, "seat": "白班主班" if kind == "D" else "夜班主班",
                        "officer": officer, "username": username,
                        "phone": f"0755-2830{_digits(c.id + str(team), 4)}", "sip": f"sip:{ext}@duty.pingshan.local",
                        "start": start, "end": start + timedelta(hours=12)})
    return out


def _iso(t: datetime) -> str:
    return t.isoformat()


def _dt(s: str | None) -> datetime | None:
    return datetime.fromisoformat(s) if s else None


@dataclass
class DutyBook:
    """What commands changed in the roster (JSON-able, for the server's storage)."""

    assignments: dict[str, dict[str, Any]] = field(default_factory=dict)
    handovers: dict[str, dict[str, Any]] = field(default_factory=dict)
    checkins: dict[str, dict[str, Any]] = field(default_factory=dict)

    # ------------------------------------------------------------------ storage

    def dump(self) -> dict[str, Any]:
        return {"assignments": self.assignments, "handovers": self.handovers, "checkins": self.checkins}

    @classmethod
    def load(cls, data: object) -> "DutyBook":
        if not isinstance(data, dict):
            return cls()
        return cls(dict(data.get("assignments", {})), dict(data.get("handovers", {})), dict(data.get("checkins", {})))

    def apply(self, change: DutyChange) -> None:
        getattr(self, change.table)[change.key] = change.record

    # ------------------------------------------------------------------ reading

    def shift(self, shift_id: str, now: datetime) -> DutyShift | None:
        """One shift as it stands at ``now`` (seeded, assigned, handed over), or None."""
        try:
            centre, ymd, kind = shift_id.rsplit("-", 2)
            day = datetime.strptime(ymd, "%Y%m%d").date()
        except ValueError:
            return None
        for raw in seeded_shifts(day):
            if raw["id"] == shift_id:
                return self._shift(raw, now)
        return None

    def _shift(self, raw: dict[str, Any], now: datetime) -> DutyShift:
        rec = dict(raw)
        rev = 0
        if (a := self.assignments.get(raw["id"])) is not None:
            rec.update({k: v for k, v in a.items() if k in ("officer", "username", "phone", "sip")})
            rev = max(rev, int(a.get("rev", 0)))
        h = self.handovers.get(raw["id"], {})
        rev = max(rev, int(h.get("rev", 0)))
        if h.get("acknowledged_at"):
            status = "done"
        elif h.get("handed_over_at"):
            status = "handed_over"
        elif now >= rec["end"]:
            status = "overdue"
        elif now >= rec["start"]:
            status = "on_duty"
        else:
            status = "upcoming"
        return DutyShift(status=status, rev=rev, report=h.get("report", ""),
                         handed_over_by=h.get("by"), handed_over_by_user=h.get("by_user"),
                         handed_over_at=_dt(h.get("handed_over_at")),
                         acknowledged_by=h.get("ack_by"), acknowledged_by_user=h.get("ack_user"),
                         acknowledged_at=_dt(h.get("acknowledged_at")), **rec)

    def checkin(self, checkin_id: str, now: datetime) -> DutyCheckIn | None:
        c = self.checkins.get(checkin_id)
        if c is None:
            return None
        due, missed = datetime.fromisoformat(c["due_at"]), datetime.fromisoformat(c["missed_at"])
        answered = _dt(c.get("answered_at"))
        if answered is not None:
            outcome = "answered" if answered <= due else "late"
        else:
            outcome = "missed" if now >= missed else "pending"
        return DutyCheckIn(id=checkin_id, centre=c["centre"], started_by=c["started_by"],
                           started_at=datetime.fromisoformat(c["started_at"]), due_at=due, missed_at=missed,
                           answered_by=c.get("answered_by"), answered_at=answered, outcome=outcome)

    def roster(self, now: datetime) -> Roster:
        """The duty day of ``now`` (值班日, 08:00 to 08:00 district time) for every centre — the
        night shift that ended it opened, its day and night shifts — and its check-ins. So there is
        always a shift that has ended (open for a late handover), whatever the hour."""
        day = (now.astimezone(DISTRICT_TZ) - timedelta(hours=DAY_START.hour)).date()
        shifts = tuple(self._shift(raw, now) for raw in seeded_shifts(day))
        checks = [self.checkin(cid, now) for cid, c in sorted(self.checkins.items())
                  if (datetime.fromisoformat(c["started_at"]).astimezone(DISTRICT_TZ)
                      - timedelta(hours=DAY_START.hour)).date() == day]
        return Roster(generated_at=now, day=day.isoformat(), centres=centres(), shifts=shifts,
                      checkins=tuple(c for c in checks if c is not None))

    # ------------------------------------------------------------------ deciding

    def decide(self, kind: str, target_id: str, args: dict[str, Any], user: User, now: datetime) -> DutyChange:
        """Check one duty command by ``user`` (as the server established it) at ``now``."""
        if kind == "duty.checkin_start":
            return self._checkin_start(target_id, args, user, now)
        if kind == "duty.checkin_answer":
            return self._checkin_answer(target_id, user, now)
        shift = self.shift(target_id, now)
        if shift is None:
            raise DutyRefusal(404, "not_found", f"班次 {target_id} 不存在")
        _in_scope(user, shift.centre)
        if kind == "duty.assign":
            return self._assign(shift, args)
        if kind == "duty.handover":
            return self._handover(shift, args, user, now)
        if kind == "duty.acknowledge":
            return self._acknowledge(shift, user, now)
        raise DutyRefusal(422, "invalid", f"不支持的值班指令：{kind}")

    def _assign(self, shift: DutyShift, args: dict[str, Any]) -> DutyChange:
        fields = {k: args[k] for k in ("officer", "username", "phone", "sip") if k in args}
        if not fields:
            raise DutyRefusal(422, "invalid", "排班修改须给出值班人、账号、电话或 SIP 地址")
        for k, v in fields.items():
            if not isinstance(v, str) or not v.strip() or len(v) > 120:
                raise DutyRefusal(422, "invalid", f"排班字段 {k} 须为 1–120 字的文本")
        if "sip" in fields and not fields["sip"].startswith(("sip:", "sips:")):
            raise DutyRefusal(422, "invalid", "SIP 地址须以 sip: 或 sips: 开头")
        if shift.status in ("handed_over", "done"):
            raise DutyRefusal(409, "stale_rev", "该班次已交班，不能再修改值班人")
        rev = shift.rev + 1
        record = dict(self.assignments.get(shift.id, {}), **fields, rev=rev)
        return DutyChange("assignments", shift.id, record, shift.id, rev)

    def _handover(self, shift: DutyShift, args: dict[str, Any], user: User, now: datetime) -> DutyChange:
        report = args.get("report", "")
        if not isinstance(report, str) or not report.strip():
            raise DutyRefusal(422, "invalid", "交班须填写交接班报告")
        if len(report) > MAX_REPORT_CHARS:
            raise DutyRefusal(422, "invalid", f"交接班报告过长（最多 {MAX_REPORT_CHARS} 字）")
        if shift.status in ("handed_over", "done"):
            raise DutyRefusal(409, "stale_rev", f"该班次已由{shift.handed_over_by}交班")
        if now < shift.end - HANDOVER_OPENS:
            raise DutyRefusal(409, "invalid", f"未到交班时间：交班自 {(shift.end - HANDOVER_OPENS):%H:%M} 起")
        rev = shift.rev + 1
        record = {"by": user.actor, "by_user": user.username, "handed_over_at": _iso(now),
                  "report": report.strip(), "rev": rev}
        return DutyChange("handovers", shift.id, record, shift.id, rev)

    def _acknowledge(self, shift: DutyShift, user: User, now: datetime) -> DutyChange:
        if shift.status == "done":
            raise DutyRefusal(409, "stale_rev", f"该班次已由{shift.acknowledged_by}确认接班")
        if shift.status != "handed_over":
            raise DutyRefusal(409, "invalid", "该班次尚未交班，不能确认接班")
        if user.username == shift.handed_over_by_user:
            raise DutyRefusal(403, "forbidden", "交班人不能确认自己的交班：须由接班人以本人账号登录确认")
        rev = shift.rev + 1
        record = dict(self.handovers[shift.id], ack_by=user.actor, ack_user=user.username,
                      acknowledged_at=_iso(now), rev=rev)
        return DutyChange("handovers", shift.id, record, shift.id, rev)

    def _checkin_start(self, centre_id: str, args: dict[str, Any], user: User, now: datetime) -> DutyChange:
        if user.street is not None:
            raise DutyRefusal(403, "forbidden", "查岗须由区指挥中心发起")
        centre = {c.id: c for c in centres()}.get(centre_id)
        if centre is None:
            raise DutyRefusal(404, "not_found", f"值班中心 {centre_id} 不存在")
        if centre.kind == "district":
            raise DutyRefusal(422, "invalid", "查岗对象须为分中心或部门指挥中心")
        minutes = args.get("minutes", CHECKIN_MINUTES)
        if not isinstance(minutes, int) or isinstance(minutes, bool) or not 1 <= minutes <= MAX_CHECKIN_MINUTES:
            raise DutyRefusal(422, "invalid", f"应答时限须为 1–{MAX_CHECKIN_MINUTES} 分钟")
        for cid in self.checkins:
            c = self.checkin(cid, now)
            if c is not None and c.centre == centre_id and c.outcome == "pending":
                raise DutyRefusal(409, "stale_rev", f"{centre.name}已有未应答的查岗（{cid}）")
        cid = f"CHK-{now:%Y%m%d}-{len(self.checkins) + 1:04d}"
        due = now + timedelta(minutes=minutes)
        record = {"centre": centre_id, "started_by": user.actor, "started_at": _iso(now), "due_at": _iso(due),
                  "missed_at": _iso(due + timedelta(minutes=minutes))}
        return DutyChange("checkins", cid, record, cid, 1)

    def _checkin_answer(self, checkin_id: str, user: User, now: datetime) -> DutyChange:
        c = self.checkin(checkin_id, now)
        if c is None:
            raise DutyRefusal(404, "not_found", f"查岗 {checkin_id} 不存在")
        _in_scope(user, c.centre)
        if c.outcome == "missed":
            raise DutyRefusal(409, "stale_rev", f"查岗已超时未应答（截止 {c.missed_at:%H:%M}），记为未应答")
        if c.outcome != "pending":
            raise DutyRefusal(409, "stale_rev", f"该查岗已由{c.answered_by}应答")
        record = dict(self.checkins[checkin_id], answered_by=user.actor, answered_at=_iso(now))
        return DutyChange("checkins", checkin_id, record, checkin_id, 2)


def _in_scope(user: User, centre_id: str) -> None:
    """A street seat acts only for its own sub-centre; district seats for every centre."""
    if user.street is not None and user.street != centre_id:
        name = street_names().get(user.street, user.street)
        raise DutyRefusal(403, "forbidden", f"超出授权范围：本席位仅限{name}街道分中心")

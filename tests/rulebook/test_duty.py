"""district.duty: the roster, the two-person handover and 查岗, with a clock passed in."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from district.duty import DutyBook, DutyRefusal, centres, seeded_shifts
from district.roles import User, may_command
from district.vocabulary import DISTRICT_TZ, street_names

DUTY = User("duty", "operator", "值班员")
CHIEF = User("chief", "supervisor", "值班长")
MALUAN = User("maluan", "operator", "马峦街道分中心值班员", "maluan")
DAY = date(2026, 3, 2)


def at(hh: int, mm: int = 0, day: date = DAY) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=DISTRICT_TZ)


def run(book: DutyBook, kind: str, target: str, user: User, now: datetime, **args: object) -> str:
    change = book.decide(kind, target, dict(args), user, now)
    book.apply(change)
    return change.target_id


def test_centres_are_one_plus_six_plus_n() -> None:
    cs = centres()
    assert cs[0].name == "坪山区指挥中心" and cs[0].kind == "district"
    streets = [c for c in cs if c.kind == "street"]
    assert [c.street for c in streets] == list(street_names())
    assert all(c.name.endswith("街道分中心") for c in streets)
    assert len([c for c in cs if c.kind == "department"]) >= 2


def test_seed_is_deterministic_and_covers_the_day() -> None:
    a, b = seeded_shifts(DAY), seeded_shifts(DAY)
    assert a == b and len(a) == 3 * len(centres())
    mine = [s for s in a if s["centre"] == "district"]
    assert [s["start"] for s in mine] == [at(20, day=DAY - timedelta(days=1)), at(8), at(20)]
    assert all(s["end"] - s["start"] == timedelta(hours=12) for s in a)
    assert all(s["sip"].startswith("sip:") and s["phone"].startswith("0755-") for s in a)
    # consecutive shifts at one centre are held by different officers (two teams)
    assert mine[0]["username"] != mine[1]["username"] != mine[2]["username"]


def test_status_through_the_day() -> None:
    book = DutyBook()
    sid = f"maluan-{DAY:%Y%m%d}-D"
    assert book.shift(sid, at(7)) is not None and book.shift(sid, at(7)).status == "upcoming"  # type: ignore[union-attr]
    assert book.shift(sid, at(9)).status == "on_duty"  # type: ignore[union-attr]
    assert book.shift(sid, at(20)).status == "overdue"  # type: ignore[union-attr]
    assert book.shift("nope", at(9)) is None


def test_handover_is_a_two_person_act() -> None:
    book = DutyBook()
    sid = f"district-{DAY:%Y%m%d}-D"
    with pytest.raises(DutyRefusal, match="未到交班时间"):
        book.decide("duty.handover", sid, {"report": "x"}, DUTY, at(18, 59))
    with pytest.raises(DutyRefusal, match="尚未交班"):
        book.decide("duty.acknowledge", sid, {}, CHIEF, at(19, 30))
    run(book, "duty.handover", sid, DUTY, at(19, 40), report="一切正常")
    with pytest.raises(DutyRefusal) as own:
        book.decide("duty.acknowledge", sid, {}, User("duty", "operator", "值班长"), at(19, 50))
    assert own.value.status == 403  # same user name, whatever the display name says
    run(book, "duty.acknowledge", sid, CHIEF, at(19, 55))
    shift = book.shift(sid, at(21))
    assert shift is not None and shift.status == "done"
    assert (shift.handed_over_by, shift.acknowledged_by) == ("值班员", "值班长")
    assert shift.handed_over_at == at(19, 40) and shift.acknowledged_at == at(19, 55)
    # the book round-trips through its stored form
    again = DutyBook.load(book.dump()).shift(sid, at(21))
    assert again == shift


def test_street_seat_stays_in_its_street() -> None:
    book = DutyBook()
    with pytest.raises(DutyRefusal, match="超出授权范围"):
        book.decide("duty.handover", f"biling-{DAY:%Y%m%d}-D", {"report": "x"}, MALUAN, at(19, 30))
    run(book, "duty.handover", f"maluan-{DAY:%Y%m%d}-D", MALUAN, at(19, 30), report="x")


@pytest.mark.parametrize(("answer_after", "outcome"), [(4, "answered"), (5, "answered"), (6, "late"), (None, "missed")])
def test_checkin_outcomes(answer_after: int | None, outcome: str) -> None:
    book = DutyBook()
    t0 = at(10)
    cid = run(book, "duty.checkin_start", "maluan", CHIEF, t0, minutes=5)
    assert book.checkin(cid, t0 + timedelta(minutes=9)).outcome == "pending"  # type: ignore[union-attr]
    if answer_after is not None:
        run(book, "duty.checkin_answer", cid, MALUAN, t0 + timedelta(minutes=answer_after))
    else:
        with pytest.raises(DutyRefusal, match="未应答"):
            book.decide("duty.checkin_answer", cid, {}, MALUAN, t0 + timedelta(minutes=10))
    assert book.checkin(cid, t0 + timedelta(hours=1)).outcome == outcome  # type: ignore[union-attr]
    assert [c.outcome for c in book.roster(t0 + timedelta(hours=1)).checkins] == [outcome]


def test_who_may_send_duty_commands() -> None:
    assert may_command("operator", "duty.handover") and may_command("operator", "duty.acknowledge")
    assert not may_command("operator", "duty.assign") and not may_command("operator", "duty.checkin_start")
    assert may_command("supervisor", "duty.assign") and may_command("administrator", "duty.assign")
    assert not may_command("administrator", "duty.handover") and not may_command("viewer", "duty.acknowledge")

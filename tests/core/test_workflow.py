"""The workflow table mirrors the feed's state machine; limits and units from the catalogue."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest

from console import catalogue
from console.workflow import (
    ACTIONS,
    Limits,
    allowed,
    allowed_actions,
    due_state,
    format_left,
    has_permission,
    missing_argument,
    units_for,
)

STATUSES = ("new", "acknowledged", "dispatched", "in_progress", "resolved", "closed")

# The feed's rules (simulator/world.py _alert_command), written out independently.
EXPECTED = {
    "new": {"acknowledge", "escalate", "urge", "merge", "note"},
    "acknowledged": {"dispatch", "escalate", "urge", "merge", "note"},
    "dispatched": {"dispatch", "start", "resolve", "escalate", "urge", "merge", "note"},
    "in_progress": {"resolve", "escalate", "urge", "merge", "note"},
    "resolved": {"close", "reopen", "escalate", "merge", "note"},
    "closed": {"reopen", "note"},
}


@pytest.mark.parametrize("status", STATUSES)
def test_allowed_actions_per_status(status: str) -> None:
    alert = SimpleNamespace(status=status, level="yellow")
    assert {a.verb for a in allowed_actions(alert)} == EXPECTED[status]


def test_red_cannot_be_escalated() -> None:
    assert not allowed(SimpleNamespace(status="new", level="red"), "escalate")
    assert allowed(SimpleNamespace(status="new", level="orange"), "escalate")


def test_actions_have_distinct_shortcuts_and_kinds() -> None:
    assert len({a.shortcut for a in ACTIONS}) == len(ACTIONS)
    assert all(a.kind.startswith("alert.") for a in ACTIONS)


def test_missing_arguments_in_chinese() -> None:
    assert missing_argument("dispatch", {}) == "请选择承办单位"
    assert missing_argument("resolve", {"result": "  "}) == "请填写处置结果"
    assert missing_argument("resolve", {"result": "已清理"}) is None
    assert missing_argument("acknowledge", {}) is None


def test_units_for_category_follow_the_directory() -> None:
    units = catalogue.units()
    fit = units_for("waterlogging", units)
    ids = {u.id for u in fit}
    assert "dept.water" in ids
    assert all(u.accepts("waterlogging") for u in fit)
    assert not any(u.id == "dept.ecology" and not u.accepts("waterlogging") for u in fit)
    assert [u.level for u in fit] == sorted((u.level for u in fit), key=["district", "street", "community", "team"].index)


def test_units_for_an_alert_offer_its_own_community_and_street_first() -> None:
    units = catalogue.units()
    fit = units_for("waterlogging", units, street="kengzi", community="jinsha")
    ids = [u.id for u in fit]
    assert ids[:2] == ["community.jinsha", "street.kengzi"]
    # Then the street's other communities, then the rest in the usual order.
    others = [u.id for u in units if getattr(u, "parent", None) == "street.kengzi" and u.id != "community.jinsha"]
    assert others and set(ids[2:2 + len(others)]) == set(others)
    assert {u.id for u in fit} == {u.id for u in units_for("waterlogging", units)}  # same units, new order
    # Only the street known: its sub-centre first.
    assert units_for("waterlogging", units, street="maluan")[0].id == "street.maluan"


def test_due_state_and_countdown_text() -> None:
    limits = Limits({"x": 3600.0}, {"x": 86400.0})
    now = datetime(2026, 11, 29, 12, tzinfo=timezone.utc)
    a = SimpleNamespace(category="x", status="new", created_at=now - timedelta(minutes=10))
    assert due_state(a, limits, now) == ("ok", 3000.0)
    a.created_at = now - timedelta(minutes=50)
    assert due_state(a, limits, now)[0] == "amber"
    a.created_at = now - timedelta(minutes=70)
    state, left = due_state(a, limits, now)
    assert state == "overdue" and format_left(left) == "超时 0:10"
    a.status = "acknowledged"  # now the resolve limit runs
    assert due_state(a, limits, now)[0] == "ok"
    a.status = "closed"
    assert due_state(a, limits, now) == ("none", None)
    assert format_left(3 * 3600 + 5 * 60) == "剩 3:05"
    assert format_left(-(62 * 3600 + 10 * 60)) == "超时 2天14时"


def test_catalogue_limits_loaded() -> None:
    limits = Limits.from_catalogue()
    assert limits.limit_of("waterlogging", "new") == 30 * 60
    assert limits.limit_of("waterlogging", "dispatched") == 1440 * 60


def test_permissions() -> None:
    assert not has_permission("operator", "reveal")
    assert has_permission("supervisor", "reveal")
    assert not has_permission("viewer", "command")
    assert not has_permission("nobody", "export")


def test_countdown_parts_and_command_arguments() -> None:
    from console.workflow import command_args, span_parts

    assert span_parts(3 * 3600 + 5 * 60 + 59) == (0, 3, 5)
    assert span_parts(-(62 * 3600 + 10 * 60)) == (2, 14, 10)  # the sign is the caller's
    assert command_args("dispatch", " 尽快 ", unit="dept.water") == {"unit": "dept.water", "instruction": "尽快"}
    assert command_args("dispatch", "") == {}
    assert missing_argument("dispatch", command_args("dispatch", "")) == "请选择承办单位"
    assert command_args("resolve", "  ") == {"result": ""}  # required: left for missing_argument to name
    assert command_args("urge", "") == {} and command_args("urge", "快") == {"text": "快"}
    assert command_args("note", "") == {"text": ""}
    assert command_args("close", "") == {} and command_args("reopen", "错判") == {"reason": "错判"}
    assert command_args("merge", into=" ps0001 ") == {"into": "PS0001"}
    assert command_args("acknowledge", "ignored") == {}

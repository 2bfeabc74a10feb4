"""Scope: a street sub-centre's seat acts on its own street only.

Every id a command names is checked, not only its target: the alert it merges
``into``, the ``unit`` it dispatches or orders, the ``resources`` it sends. A
district seat (no street) may name anything that exists.
"""

from __future__ import annotations

from typing import Any, Protocol

from console.models import Command
from district.roles import User


class ScopeState(Protocol):
    """What the scope check reads from an arbiter's state."""

    alerts: dict[str, Any]
    cameras: dict[str, Any]
    incidents: dict[str, Any]
    tasks: dict[str, Any]

    def task_street(self, task: Any) -> str | None: ...

    def unit_street(self, unit_id: str) -> str | None: ...

    def street_title(self, street: str) -> str: ...


_UNKNOWN = object()


def target_street(state: ScopeState, cmd: Command) -> Any:
    """The street of the command's object; None = district-wide; ``_UNKNOWN`` when the
    object does not exist (the handler answers 404 for it)."""
    family = cmd.kind.split(".")[0]
    if family == "alert":
        obj = state.alerts.get(cmd.target_id)
    elif family == "camera":
        obj = state.cameras.get(cmd.target_id)
    elif family == "incident":
        if cmd.kind == "incident.declare":
            street = cmd.args.get("street")
            return street if isinstance(street, str) else None
        obj = state.incidents.get(cmd.target_id)
    elif family == "task":
        if cmd.kind == "task.issue":
            obj = state.incidents.get(cmd.target_id)
        else:  # an order belongs to the street of the unit it went to (the incident's otherwise)
            task = state.tasks.get(cmd.target_id)
            return _UNKNOWN if task is None else state.task_street(task)
    else:
        return None
    return _UNKNOWN if obj is None else obj.street


def scope_refusal(user: User, state: ScopeState, cmd: Command) -> str | None:
    """A Chinese 403 reason when ``cmd`` or any id it names reaches outside the user's street."""
    if user.street is None:
        return None
    own = user.street
    name = state.street_title(own)
    street = target_street(state, cmd)
    if street is not _UNKNOWN and street != own:
        return f"超出授权范围：本席位仅限{name}街道"
    into = cmd.args.get("into") if cmd.kind == "alert.merge" else None
    if isinstance(into, str) and into in state.alerts and state.alerts[into].street != own:
        return f"超出授权范围：合并目标事件 {into} 不属于{name}街道"
    unit = cmd.args.get("unit") if cmd.kind in ("alert.dispatch", "task.issue") else None
    if isinstance(unit, str) and unit and state.unit_street(unit) != own:
        return f"超出授权范围：承办单位 {unit} 不属于{name}街道，须由区指挥中心调派"
    return None


def scope_for(user: User, requested: str | None) -> tuple[str | None, str | None]:
    """(the scope to serve, a 403 reason). A street seat gets its street when it asks for
    nothing, and a refusal when it asks for another street or the whole district."""
    if user.street is None:
        return requested, None
    if requested in (None, "", user.street):
        return user.street, None
    return None, "超出授权范围：本席位仅可查看所属街道"

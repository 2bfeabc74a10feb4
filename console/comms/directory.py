"""Who is behind a number: units and resources as call targets and as callers.

A resource on the map (a rescue team, a shelter, a warehouse) is reached at its
``sip`` property, else its ``phone`` property, else its id as the SIP account; a unit
of the directory (a task's assignee) at the resource that belongs to it, else its id.
Incoming callers are matched the other way round, on the SIP user part (digits
compared as digits, so ``+86 …`` and ``…`` agree).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable

from console.comms.service import sip_user


@dataclass(frozen=True)
class CallTarget:
    """Something the operator can call: a number or account and the name to show."""

    number: str
    name: str


def _digits(text: str) -> str:
    digits = re.sub(r"\D", "", text)
    return digits[2:] if len(digits) == 13 and digits.startswith("86") else digits


def _resource_rows(core: Any) -> list[tuple[str, str, str]]:
    """(number, name, unit id) for every resource of the map's resources layer."""
    layer = (getattr(core, "layers", {}) or {}).get("resources") or {}
    rows = []
    for f in layer.get("features", []) or []:
        props = f.get("properties") or {}
        rid = str(f.get("id") or props.get("id") or "")
        number = str(props.get("sip") or props.get("phone") or rid)
        name = str(props.get("name_zh") or props.get("name") or rid)
        if number:
            rows.append((number, name, str(props.get("unit") or "")))
    return rows


def _unit_names(core: Any) -> dict[str, str]:
    picture = getattr(core, "picture", None)
    units = getattr(picture, "units", {}) or {}
    return {uid: str(getattr(u, "name", uid)) for uid, u in units.items()}


def resource_target(core: Any, resource_id: str) -> CallTarget | None:
    """How to call one resource of the map (``None`` when unknown)."""
    layer = (getattr(core, "layers", {}) or {}).get("resources") or {}
    for f in layer.get("features", []) or []:
        props = f.get("properties") or {}
        if str(f.get("id") or props.get("id")) == resource_id:
            return CallTarget(str(props.get("sip") or props.get("phone") or resource_id),
                              str(props.get("name_zh") or props.get("name") or resource_id))
    return None


def unit_target(core: Any, unit_id: str) -> CallTarget:
    """How to call a unit (a task's assignee): its resource's number, else its id."""
    names = _unit_names(core)
    for number, name, unit in _resource_rows(core):
        if unit == unit_id:
            return CallTarget(number, names.get(unit_id) or name)
    return CallTarget(unit_id, names.get(unit_id, unit_id))


def resources_resolver(core: Any) -> Callable[[str], str | None]:
    """A caller lookup over the core's resources and units (read at call time)."""

    def resolve(uri: str) -> str | None:
        user = sip_user(uri)
        digits = _digits(user)
        for number, name, _unit in _resource_rows(core):
            if number == user or (digits and len(digits) >= 5 and _digits(number) == digits):
                return name
        return _unit_names(core).get(user)

    return resolve

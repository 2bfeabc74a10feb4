"""Contingency plans (应急预案) and the unit directory the wartime parts resolve names with.

The plans shipped in ``resources/plans`` (one file per incident type), overlaid by
the gateway's; the units from the bundled catalogue, overlaid by the gateway's.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from console.models import Incident, Plan, PlanList, PlanStep
from console.wartime.model import IncidentView

log = logging.getLogger(__name__)

PLANS_DIR = Path(__file__).resolve().parents[2] / "resources" / "plans"

UnitInfo = tuple[str, str, str | None]
"""A unit's (name, level, parent id)."""


def bundled_plans(plans_dir: Path = PLANS_DIR) -> dict[str, Plan]:
    """The contingency plans shipped in ``resources/plans`` (one file per incident type)."""
    out: dict[str, Plan] = {}
    if plans_dir.is_dir():
        for f in sorted(plans_dir.glob("*.json")):
            try:
                plan = Plan.model_validate_json(f.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                log.exception("plan file %s unreadable; skipped", f.name)
                continue
            out[plan.id] = plan
    return out


def plan_list(plans_dir: Path = PLANS_DIR) -> PlanList:
    """The bundled plans as the wire's plan list."""
    return PlanList(plans=tuple(bundled_plans(plans_dir).values()))


def step_owner(inc: IncidentView, step: PlanStep) -> str:
    """The unit that carries out a step: the incident's street for street-bound steps."""
    if step.at_incident_street and inc.street:
        return f"street.{inc.street}"
    return step.owner


class PlanBook:
    """The plans the console knows: the gateway's (cached by the core) over the bundled ones."""

    def __init__(self, core: Any, plans_dir: Path = PLANS_DIR) -> None:
        self.core = core
        self._bundled = bundled_plans(plans_dir)

    def plans(self) -> dict[str, Plan]:
        """The gateway's plans (cached) over the bundled ones."""
        merged = dict(self._bundled)
        merged.update(getattr(self.core, "plans", {}) or {})
        return merged

    def plan_for(self, incident: IncidentView | Incident) -> Plan | None:
        """The incident's plan (by id, else the first for its type)."""
        plans = self.plans()
        if incident.plan_id and incident.plan_id in plans:
            return plans[incident.plan_id]
        return next((p for p in plans.values() if p.incident_type == incident.type), None)

    def for_type(self, incident_type: str) -> Plan | None:
        """The first plan for an incident type (a declaration takes it)."""
        return next((p for p in self.plans().values() if p.incident_type == incident_type), None)

    def step_title(self, step_id: str) -> str:
        """A step's title in any plan (the id when no plan has it)."""
        for p in self.plans().values():
            for s in p.steps:
                if s.id == step_id:
                    return s.title
        return step_id


class UnitDirectory:
    """unit id → (name, level, parent), from the bundled catalogue and the gateway's units."""

    def __init__(self, core: Any) -> None:
        self.core = core
        self._units: dict[str, UnitInfo] = {}
        try:
            from console.catalogue import units

            for u in units():
                self._units[u.id] = (u.name, u.level, u.parent)
        except Exception:  # noqa: BLE001 - the gateway's list below is enough
            log.exception("unit catalogue unreadable")
        for u in getattr(self.core.picture, "units", {}).values():
            self._units[u.id] = (u.name, u.level, u.parent)

    def units(self) -> dict[str, UnitInfo]:
        """Every unit known (units the gateway added since are taken in)."""
        for u in getattr(self.core.picture, "units", {}).values():
            if u.id not in self._units:
                self._units[u.id] = (u.name, u.level, u.parent)
        return self._units

    def unit_name(self, unit_id: str) -> str:
        return self.units().get(unit_id, (unit_id, "", None))[0]

    def unit_street(self, unit_id: str) -> str | None:
        """The street a street or community unit belongs to (None for departments and teams)."""
        _name, _level, parent = self.units().get(unit_id, ("", "", None))
        for cand in (unit_id, parent or ""):
            if cand.startswith("street."):
                return cand.split(".", 1)[1]
        return None

    def street_ids(self) -> set[str]:
        """The streets' short ids (``biling`` for ``street.biling``)."""
        return {k.split(".", 1)[1] for k in self.units() if k.startswith("street.")}

"""Orders (任务): issuing them, answering them, adding resources, and the three-level linkage tree.

Street scope: a street sub-centre's console (``ConsoleConfig.scope = street``) sees
the tasks of its street's sub-centre and communities and answers them with
``task.update`` commands.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from console.events import Event
from console.models import GeoPoint, PlanStep, Task
from console.texts import spoken
from console.wartime.incidents import Incidents
from console.wartime.ledger import Ledger
from console.wartime.model import IncidentView, TaskRow, UnitNode, WartimeError, parse_ts
from console.wartime.plans import PlanBook, UnitDirectory, step_owner
from console.wartime.resources import Resources
from district.vocabulary import TASK_FLOW


def _in_district(location: tuple[float, float]) -> bool:
    lon, lat = location
    return 113.5 <= lon <= 115.0 and 22.3 <= lat <= 23.1


class Tasks:
    """The orders under the incidents, ours on their way included."""

    def __init__(self, core: Any, ledger: Ledger, units: UnitDirectory, incidents: Incidents, plans: PlanBook,
                 resources: Resources, scope: str | None, now: Callable[[], datetime],
                 changed: Event[[]]) -> None:
        self.core = core
        self.ledger = ledger
        self.units = units
        self.incidents = incidents
        self.plans = plans
        self.resources = resources
        self.scope = scope
        self.now = now
        self.changed = changed

    # ------------------------------------------------------------------ issuing

    def _issue_step_task(self, inc: IncidentView, step: PlanStep) -> str:
        due_at = inc.started_at + timedelta(minutes=step.due_minutes)
        due_minutes = max(5.0, (due_at - self.now()).total_seconds() / 60)
        instruction = step.title + (f"（所需：{step.needs}）" if step.needs else "")
        return self._issue(inc, step_owner(inc, step), instruction, due_minutes, None, step.id, ())

    def issue_plan_tasks(self, incident_id: str) -> None:
        """Queue the orders of every plan step that issues one (right after a declaration)."""
        view = self.incidents.incident(incident_id)
        assert view is not None
        plan = self.plans.plan_for(view)
        for step in plan.steps if plan is not None else ():
            if step.issues_task:
                self._issue_step_task(view, step)

    def issue_step_task(self, incident_id: str, step_id: str) -> str:
        """Order the step's owner to carry out a plan step (for steps that issue orders)."""
        inc = self.incidents.active_for_change(incident_id)
        plan = self.plans.plan_for(inc)
        step = next((s for s in (plan.steps if plan else ()) if s.id == step_id), None)
        if step is None:
            raise WartimeError(spoken("war_no_such_step"))
        tid = self._issue_step_task(inc, step)
        self.changed.emit()
        return tid

    def issue_task(self, incident_id: str, unit: str, instruction: str, due_minutes: float,
                   location: tuple[float, float] | None = None, step_id: str | None = None,
                   resources: Iterable[str] = ()) -> str:
        """Order a unit (any level) under an incident; returns the task id. Bad input → WartimeError."""
        inc = self.incidents.active_for_change(incident_id)
        if unit not in self.units.units():
            raise WartimeError(spoken("war_choose_unit"))
        if not (instruction or "").strip():
            raise WartimeError(spoken("war_instruction_required"))
        try:
            due = float(due_minutes)
        except (TypeError, ValueError):
            raise WartimeError(spoken("war_due_not_number")) from None
        if not 1 <= due <= 7 * 24 * 60:
            raise WartimeError(spoken("war_due_range"))
        if location is not None and not _in_district(location):
            raise WartimeError(spoken("war_task_location_outside"))
        tid = self._issue(inc, unit, instruction.strip(), due, location, step_id, tuple(resources))
        self.changed.emit()
        return tid

    def _issue(self, inc: IncidentView, unit: str, instruction: str, due_minutes: float,
               location: tuple[float, float] | None, step_id: str | None, resources: tuple[str, ...]) -> str:
        tid = "TSK-" + uuid.uuid4().hex[:10].upper()
        args: dict[str, Any] = {"task_id": tid, "unit": unit, "instruction": instruction,
                                "due_minutes": round(due_minutes, 1)}
        if location is not None:
            args["location"] = {"lon": float(location[0]), "lat": float(location[1])}
        if step_id:
            args["step_id"] = step_id
        if resources:
            args["resources"] = list(resources)
            names = [r.name for r in self.resources.resources(inc.id) if r.id in resources]
            args["note"] = "调派资源：" + "、".join(names or list(resources))
        self.ledger.submit("task.issue", inc.id, args)
        return tid

    # ------------------------------------------------------------------ answering

    def update_task(self, task_id: str, status: str, note: str = "") -> str:
        """Report a task's state (received → en route → on scene → done, or refused with a reason)."""
        task = self.core.picture.tasks.get(task_id)
        if task is None:
            raise WartimeError(spoken("war_task_unconfirmed_update"))
        if status not in TASK_FLOW:
            raise WartimeError(spoken("war_unknown_task_status"))
        if task.status in ("done", "refused"):
            raise WartimeError(spoken("war_task_finished_status"))
        if status == "refused" and not (note or "").strip():
            raise WartimeError(spoken("war_refusal_needs_reason"))
        if self.scope and self.units.unit_street(task.unit) != self.scope:
            raise WartimeError(spoken("war_task_outside_scope"))
        args: dict[str, Any] = {"status": status}
        if note.strip():
            args["note"] = note.strip()
        cid = self.ledger.submit("task.update", task_id, args, expected_rev=task.rev)
        self.changed.emit()
        return cid

    def assign_resources(self, task_id: str, resource_ids: Iterable[str]) -> str:
        """Send more resources with an order already issued; returns the command id.

        A ``task.update`` that keeps the task's state, names the resources in its note and
        lists them in ``args.resources`` (the same argument ``task.issue`` takes).
        """
        if not self.ledger.may("task.issue"):
            raise WartimeError(spoken("war_needs_supervisor"))
        task = self.core.picture.tasks.get(task_id)
        if task is None:
            raise WartimeError(spoken("war_task_unconfirmed_resources"))
        if task.status in ("done", "refused"):
            raise WartimeError(spoken("war_task_finished_resources"))
        inc = self.incidents.active_for_change(task.incident_id)
        wanted = list(dict.fromkeys(str(r) for r in resource_ids))
        if not wanted:
            raise WartimeError(spoken("war_choose_resources"))
        known = {r.id: r for r in self.resources.resources(inc.id)}
        unknown = [r for r in wanted if r not in known]
        if unknown:
            raise WartimeError(spoken("war_unknown_resources", ids="、".join(unknown)))
        new = [r for r in wanted if task_id not in known[r].assigned_to]
        if not new:
            raise WartimeError(spoken("war_resources_already_assigned"))
        added = "追加调派资源：" + "、".join(known[r].name for r in new)
        note = f"{task.note}；{added}" if task.note else added
        cid = self.ledger.submit("task.update", task_id, {"status": task.status, "note": note, "resources": new},
                                 expected_rev=task.rev)
        self.changed.emit()
        return cid

    # ------------------------------------------------------------------ reading

    def _task_row(self, t: Task, pending_update: str | None = None) -> TaskRow:
        name, level, _parent = self.units.units().get(t.unit, (t.unit, "", None))
        return TaskRow(id=t.id, incident_id=t.incident_id, unit=t.unit, unit_name=name, unit_level=level,
                       street=self.units.unit_street(t.unit), instruction=t.instruction, status=t.status,
                       due=t.due, location=t.location, note=t.note, updated_at=t.updated_at, step_id=t.step_id,
                       rev=t.rev, pending_update=pending_update)

    def tasks(self, incident_id: str | None = None) -> list[TaskRow]:
        """Orders under an incident (or all), our unconfirmed ones included; in a street
        console only the street's and its communities' tasks."""
        pending_updates: dict[str, str] = {}
        refused_updates: dict[str, str] = {}
        for cid, c in self.ledger.own_commands("task.update"):
            status, reason = self.ledger.command_state(cid)
            if status in ("pending", "sent"):
                pending_updates[c["target"]] = c["args"].get("status", "")
            elif status == "refused":
                refused_updates[c["target"]] = reason
        rows: list[TaskRow] = []
        for t in self.core.picture.tasks.values():
            if incident_id is None or t.incident_id == incident_id:
                row = self._task_row(t, pending_updates.get(t.id))
                if t.id in refused_updates and row.pending_update is None:
                    row = TaskRow(**{**row.__dict__, "refusal": refused_updates[t.id]})
                rows.append(row)
        known = {r.id for r in rows}
        for cid, c in self.ledger.own_commands("task.issue"):
            a = c["args"]
            tid = a.get("task_id")
            if tid in known or (incident_id is not None and c["target"] != incident_id):
                continue
            status, reason = self.ledger.command_state(cid)
            if status == "confirmed":
                continue
            issued = parse_ts(c["ts"])
            loc = a.get("location")
            name, level, _p = self.units.units().get(a.get("unit", ""), (a.get("unit", ""), "", None))
            rows.append(TaskRow(
                id=tid, incident_id=c["target"], unit=a.get("unit", ""), unit_name=name, unit_level=level,
                street=self.units.unit_street(a.get("unit", "")), instruction=a.get("instruction", ""),
                status="failed" if status == "refused" else "pending",
                due=issued + timedelta(minutes=float(a.get("due_minutes", 30))),
                location=GeoPoint(**loc) if loc else None, note=a.get("note", ""), updated_at=issued,
                step_id=a.get("step_id"), rev=0, refusal=reason))
        if self.scope:
            rows = [r for r in rows if r.street == self.scope]
        rows.sort(key=lambda r: (r.due, r.id))
        return rows

    def unit_tree(self, incident_id: str) -> list[UnitNode]:
        """Three-level linkage: 区级部门, each street → its communities, 救援队伍; each with its tasks.

        A street console gets only its own street's subtree.
        """
        tasks = self.tasks(incident_id)
        by_unit: dict[str, list[TaskRow]] = {}
        for t in tasks:
            by_unit.setdefault(t.unit, []).append(t)
        units = self.units.units()
        district = UnitNode("district", "区级部门", "district")
        teams = UnitNode("teams", "救援队伍", "team")
        streets: dict[str, UnitNode] = {}
        for uid, (name, level, _parent) in units.items():
            if level == "street":
                streets[uid] = UnitNode(uid, name, "street", tasks=by_unit.get(uid, []))
        for uid, (name, level, parent) in units.items():
            node = UnitNode(uid, name, level, tasks=by_unit.get(uid, []))
            if level == "district":
                district.children.append(node)
            elif level == "team":
                teams.children.append(node)
            elif level == "community" and parent in streets:
                streets[parent].children.append(node)
        if self.scope:
            own = streets.get(f"street.{self.scope}")
            return [own] if own is not None else []
        return [district, *streets.values(), teams]

"""The plan checklist (预案步骤): each step's owner, due time, countdown and state; completing and skipping."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from console.events import Event
from console.texts import spoken
from console.wartime.incidents import Incidents
from console.wartime.ledger import Ledger, OwnCommand
from console.wartime.model import DUE_SOON_S, StepRow, WartimeError, parse_ts
from console.wartime.plans import PlanBook, UnitDirectory, step_owner
from console.wartime.tasks import Tasks

_ALREADY_HANDLED = {
    "done": "war_step_done", "skipped": "war_step_skipped",
    "pending_done": "war_step_pending_done", "pending_skipped": "war_step_pending_skipped",
}
"""A finished step's state → the refusal to handle it again (``console.texts``)."""


class Checklist:
    """An incident's plan as a checklist; steps are done or skipped by ``incident.step`` commands."""

    def __init__(self, core: Any, ledger: Ledger, units: UnitDirectory, incidents: Incidents, plans: PlanBook,
                 tasks: Tasks, now: Callable[[], datetime], changed: Event[[]]) -> None:
        self.core = core
        self.ledger = ledger
        self.units = units
        self.incidents = incidents
        self.plans = plans
        self.tasks = tasks
        self.now = now
        self.changed = changed

    def checklist(self, incident_id: str) -> list[StepRow]:
        """The plan of the incident as a checklist: state, owner, due time, countdown."""
        inc = self.incidents.incident(incident_id)
        if inc is None:
            return []
        plan = self.plans.plan_for(inc)
        if plan is None:
            return []
        stored = self.core.picture.incidents.get(incident_id)
        done = {s.step_id: s for s in (stored.steps if stored is not None else ())}
        pending: dict[str, OwnCommand] = {}
        for cid, c in self.ledger.own_commands("incident.step"):
            if c["target"] == incident_id and self.ledger.command_state(cid)[0] in ("pending", "sent"):
                pending[c["args"].get("step_id", "")] = c
        tasks_by_step: dict[str, list[str]] = {}
        for t in self.tasks.tasks(incident_id):
            if t.step_id:
                tasks_by_step.setdefault(t.step_id, []).append(t.id)
        now = self.now()
        end = inc.ended_at or now
        rows = []
        for n, step in enumerate(plan.steps):
            owner = step_owner(inc, step)
            due_at = inc.started_at + timedelta(minutes=step.due_minutes)
            remaining = (due_at - end).total_seconds()
            st = done.get(step.id)
            at: datetime | None
            if st is not None:
                state, at, by, reason = st.status, st.at, st.by, st.reason
            elif step.id in pending:
                p = pending[step.id]
                state = "pending_" + p["args"].get("status", "done")
                at, by, reason = parse_ts(p["ts"]), p["actor"], p["args"].get("reason", "")
            else:
                at, by, reason = None, "", ""
                state = "overdue" if remaining < 0 else "due_soon" if remaining <= DUE_SOON_S else "open"
            rows.append(StepRow(step=step, index=n + 1, owner=owner, owner_name=self.units.unit_name(owner),
                                due_at=due_at, state=state, remaining_s=remaining, done_at=at, by=by,
                                reason=reason, task_ids=tuple(tasks_by_step.get(step.id, ()))))
        return rows

    def complete_step(self, incident_id: str, step_id: str) -> str:
        """Mark a plan step done (a command, in the log); returns the command id."""
        return self._step(incident_id, step_id, "done", "")

    def skip_step(self, incident_id: str, step_id: str, reason: str) -> str:
        """Skip a plan step; a reason is required."""
        if not (reason or "").strip():
            raise WartimeError(spoken("war_skip_needs_reason"))
        return self._step(incident_id, step_id, "skipped", reason.strip())

    def _step(self, incident_id: str, step_id: str, status: str, reason: str) -> str:
        self.incidents.active_for_change(incident_id)
        row = next((r for r in self.checklist(incident_id) if r.step.id == step_id), None)
        if row is None:
            raise WartimeError(spoken("war_no_such_step"))
        if row.finished:
            raise WartimeError(spoken(_ALREADY_HANDLED[row.state]))
        args = {"step_id": step_id, "status": status}
        if reason:
            args["reason"] = reason
        cid = self.ledger.submit("incident.step", incident_id, args)
        self.changed.emit()
        return cid

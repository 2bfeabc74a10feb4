"""The ``Wartime`` façade: one object the views, the report and the core hold.

It owns the change event and builds the parts (see the package docstring), then
forwards each public method to the part responsible.  Nothing here is a second
source of truth: every part reads the stores, the audit trail, the outbox and the
saved preferences through the shared :class:`~console.wartime.ledger.Ledger`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from console.events import Event
from console.models import Incident, Plan
from console.wartime.checklist import Checklist
from console.wartime.incidents import Incidents
from console.wartime.ledger import Ledger
from console.wartime.log import CommandLog
from console.wartime.metrics import IncidentMetrics, Trend
from console.wartime.model import (
    IncidentView,
    LogEntry,
    Metrics,
    ResourceRow,
    StepRow,
    TaskRow,
    UnitNode,
    utc_now,
)
from console.wartime.plans import PLANS_DIR, PlanBook, UnitDirectory, UnitInfo
from console.wartime.resources import Resources
from console.wartime.tasks import Tasks


class Wartime:
    """Wartime command state of one console: incidents, checklist, orders, resources, log, metrics.

    ``core`` is a started ``ConsoleCore`` (or anything with ``picture``,
    ``commands``, ``auditor``, ``outbox``, ``preferences``, ``plans``, ``layers``
    and ``config``).  ``now`` can be replaced for tests of countdowns.

    ``changed`` is emitted after every change this service makes itself (a command
    queued, a note, a figure, the focus, a change seen on the stream written to the
    log); views refresh on it.
    """

    def __init__(self, core: Any, *, now: Callable[[], datetime] = utc_now,
                 plans_dir: Path = PLANS_DIR) -> None:
        self.core = core
        self.now = now
        self.scope: str | None = getattr(core.config, "scope", None)
        self.operator: str = getattr(core.config, "operator", "值班员")
        self.changed: Event[[]] = Event("wartime.changed")
        now = self._clock  # the parts ask the façade, so replacing ``self.now`` (tests) reaches them all
        self._plans = PlanBook(core, plans_dir)
        self._units = UnitDirectory(core)
        self._ledger = Ledger(core, self.operator)
        self._incidents = Incidents(core, self._ledger, self._units, self._plans, now, self.changed)
        self._resources = Resources(core, self._ledger, self._incidents, self.changed)
        self._tasks = Tasks(core, self._ledger, self._units, self._incidents, self._plans, self._resources,
                            self.scope, now, self.changed)
        self._checklist = Checklist(core, self._ledger, self._units, self._incidents, self._plans, self._tasks,
                                    now, self.changed)
        self._log = CommandLog(core, self._ledger, self._units, self._incidents, self._plans, self._resources,
                               self.changed)
        self._metrics = IncidentMetrics(core, self._incidents, self._tasks, self._resources, self._checklist, now)
        ingest = getattr(core, "ingest", None)
        if ingest is not None:
            ingest.envelope_accepted.connect(self._on_envelope)
            ingest.snapshot_applied.connect(self.observe)
        self.observe()

    def _clock(self) -> datetime:
        return self.now()

    # ------------------------------------------------------------------ reference data

    def units(self) -> dict[str, UnitInfo]:
        """unit id → (name, level, parent)."""
        return self._units.units()

    def unit_name(self, unit_id: str) -> str:
        return self._units.unit_name(unit_id)

    def unit_street(self, unit_id: str) -> str | None:
        """The street a street or community unit belongs to (None for departments and teams)."""
        return self._units.unit_street(unit_id)

    def plans(self) -> dict[str, Plan]:
        """The gateway's plans (cached) over the bundled ones."""
        return self._plans.plans()

    def plan_for(self, incident: IncidentView | Incident) -> Plan | None:
        return self._plans.plan_for(incident)

    # ------------------------------------------------------------------ the stream and the log

    def _on_envelope(self, envelope: Any, _body: str) -> None:
        if envelope.type in ("incident.upsert", "task.upsert"):
            self.observe()

    def observe(self) -> None:
        """Write the task and incident changes seen on the stream into the command log, once each."""
        self._log.observe()

    def note(self, text: str, incident_id: str | None = None) -> None:
        """A free note in the command log; to the focused incident by default."""
        self._log.note(text, incident_id)

    def command_log(self, incident_id: str | None = None) -> list[LogEntry]:
        """The command log, oldest first: every declaration, decision, order, state change and note."""
        return self._log.command_log(incident_id)

    def audit_records(self) -> list[Any]:
        """The audit records behind :meth:`command_log` (the report reads their details)."""
        return self._ledger.records()

    def record_report(self, incident_id: str, files: Iterable[str]) -> None:
        """Note in the log that the after-action report was written (file names only)."""
        self._log.record_report(incident_id, files)

    # ------------------------------------------------------------------ incidents and focus

    def incidents(self, include_ended: bool = True) -> list[IncidentView]:
        """Every incident known here, declarations on their way included, newest first."""
        return self._incidents.incidents(include_ended)

    def incident(self, incident_id: str) -> IncidentView | None:
        return self._incidents.incident(incident_id)

    def active(self) -> list[IncidentView]:
        """Active incidents (and declarations on their way), newest first."""
        return self._incidents.active()

    def commanding(self) -> list[IncidentView]:
        """Active incidents this console has switched to (declared here or confirmed)."""
        return self._incidents.commanding()

    def in_wartime(self) -> bool:
        return self._incidents.in_wartime()

    def awaiting_confirmation(self) -> list[IncidentView]:
        """Active incidents pushed by the gateway, neither accepted nor declined yet."""
        return self._incidents.awaiting_confirmation()

    def confirm_switch(self, incident_id: str) -> None:
        """The operator accepts switching the console to a pushed incident (audited)."""
        self._incidents.confirm_switch(incident_id)

    def decline_switch(self, incident_id: str) -> None:
        """The operator keeps the peacetime layout for a pushed incident (audited; can accept later)."""
        self._incidents.decline_switch(incident_id)

    @property
    def focus(self) -> str | None:
        """The incident the console is centred on (one of ``commanding()``), or None."""
        return self._incidents.focus

    def set_focus(self, incident_id: str) -> None:
        self._incidents.set_focus(incident_id)

    def cycle_focus(self, step: int = 1) -> str | None:
        """Move the focus to the next (or previous) commanded incident; returns the new focus."""
        return self._incidents.cycle_focus(step)

    def may(self, kind: str) -> bool:
        """Whether this seat's role may send a wartime command of ``kind`` (the rulebook's table)."""
        return self._ledger.may(kind)

    def may_declare(self) -> bool:
        """Declaring and standing down are a supervisor's call (值班长)."""
        return self._incidents.may_declare()

    def declare(self, type: str, level: int, *, reason: str, location: tuple[float, float] | None = None,
                street: str | None = None, radius_m: float = 1000.0, title: str | None = None,
                issue_plan_tasks: bool = True) -> str:
        """Declare an incident (a command through the outbox, audited); returns its id.

        The id is chosen here, so the plan's orders are queued behind the
        declaration at once, even offline.  Raises ``WartimeError`` for bad input.
        """
        iid = self._incidents.declare(type, level, reason=reason, location=location, street=street,
                                      radius_m=radius_m, title=title)
        if issue_plan_tasks:
            self._tasks.issue_plan_tasks(iid)
        self.changed.emit()
        return iid

    def stand_down(self, incident_id: str, reason: str = "") -> None:
        """Stand the incident down (解除): a command; the report is written by the caller once echoed."""
        self._incidents.stand_down(incident_id, reason)

    def stand_down_pending(self, incident_id: str) -> bool:
        """A stand-down of ours for this incident is on its way (not yet echoed)."""
        return self._incidents.stand_down_pending(incident_id)

    # ------------------------------------------------------------------ plan checklist

    def checklist(self, incident_id: str) -> list[StepRow]:
        """The plan of the incident as a checklist: state, owner, due time, countdown."""
        return self._checklist.checklist(incident_id)

    def complete_step(self, incident_id: str, step_id: str) -> str:
        """Mark a plan step done (a command, in the log); returns the command id."""
        return self._checklist.complete_step(incident_id, step_id)

    def skip_step(self, incident_id: str, step_id: str, reason: str) -> str:
        """Skip a plan step; a reason is required."""
        return self._checklist.skip_step(incident_id, step_id, reason)

    # ------------------------------------------------------------------ orders

    def issue_step_task(self, incident_id: str, step_id: str) -> str:
        """Order the step's owner to carry out a plan step (for steps that issue orders)."""
        return self._tasks.issue_step_task(incident_id, step_id)

    def issue_task(self, incident_id: str, unit: str, instruction: str, due_minutes: float,
                   location: tuple[float, float] | None = None, step_id: str | None = None,
                   resources: Iterable[str] = ()) -> str:
        """Order a unit (any level) under an incident; returns the task id."""
        return self._tasks.issue_task(incident_id, unit, instruction, due_minutes, location, step_id, resources)

    def update_task(self, task_id: str, status: str, note: str = "") -> str:
        """Report a task's state (received → en route → on scene → done, or refused with a reason)."""
        return self._tasks.update_task(task_id, status, note)

    def assign_resources(self, task_id: str, resource_ids: Iterable[str]) -> str:
        """Send more resources with an order already issued; returns the command id."""
        return self._tasks.assign_resources(task_id, resource_ids)

    def tasks(self, incident_id: str | None = None) -> list[TaskRow]:
        """Orders under an incident (or all), our unconfirmed ones included (street-scoped)."""
        return self._tasks.tasks(incident_id)

    def unit_tree(self, incident_id: str) -> list[UnitNode]:
        """Three-level linkage: 区级部门, each street → its communities, 救援队伍; each with its tasks."""
        return self._tasks.unit_tree(incident_id)

    # ------------------------------------------------------------------ resources and figures

    def resources(self, incident_id: str) -> list[ResourceRow]:
        """Rescue teams, shelters, warehouses and vehicles by distance from the incident."""
        return self._resources.resources(incident_id)

    def report_figure(self, incident_id: str, kind: str, value: int, where: str | None = None) -> None:
        """Record a reported figure: ``evacuated`` (total so far) or ``shelter`` (people in ``where``)."""
        self._resources.report_figure(incident_id, kind, value, where)

    # ------------------------------------------------------------------ metrics and the other panels

    def metrics(self, incident_id: str) -> Metrics:
        return self._metrics.metrics(incident_id)

    def trends(self, incident_id: str) -> list[Trend]:
        """(indicator id, label, unit, [(ts, value)]) of the sensor trends that matter for the incident."""
        return self._metrics.trends(incident_id)

    def alert_filter(self, incident_id: str) -> dict[str, Any]:
        """What the alert queue narrows to: the incident's street, categories and area."""
        return self._metrics.alert_filter(incident_id)

    def nearest_cameras(self, incident_id: str, limit: int = 4) -> list[str]:
        """Camera ids nearest the incident (online ones first)."""
        return self._metrics.nearest_cameras(incident_id, limit)

    # ------------------------------------------------------------------ a digest for restart checks

    def state(self) -> dict[str, Any]:
        """Everything the wartime views show, as plain data (a restart must reproduce it exactly)."""
        out: dict[str, Any] = {"focus": self.focus, "commanding": [i.id for i in self.commanding()],
                               "incidents": {}}
        for inc in self.incidents():
            out["incidents"][inc.id] = {
                "status": inc.status, "level": inc.level, "title": inc.title,
                "steps": [(r.step.id, r.state, r.owner) for r in self.checklist(inc.id)],
                "tasks": [(t.id, t.unit, t.status, t.pending_update) for t in self.tasks(inc.id)],
                "log": [(e.seq, e.action, e.text) for e in self.command_log(inc.id)],
                "metrics": self.metrics(inc.id).__dict__,
            }
        return out

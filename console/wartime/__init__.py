"""Wartime command (战时指挥): the core service behind the banner, the command panel and the report.

``Wartime`` (``service.py``) is the one object callers hold; it owns the change
event ``changed: Event[[]]`` and forwards to parts by responsibility:

- ``model.py`` — the rows the views show (``IncidentView``, ``StepRow``,
  ``TaskRow``, ``UnitNode``, ``ResourceRow``, ``LogEntry``, ``Metrics``), the
  status tables and ``WartimeError``;
- ``ledger.py`` — the audit trail, this console's own commands and their
  delivery state from the outbox, the saved focus and switch confirmations;
- ``plans.py`` — the contingency plans (bundled, overlaid by the gateway's) and
  the unit directory;
- ``incidents.py`` — incidents and declarations on their way, the focus,
  declaring and standing down;
- ``checklist.py`` — the plan checklist (countdowns, due and overdue steps);
- ``tasks.py`` — orders, their answers and the three-level linkage tree
  (district → street → community, plus rescue teams), street scope;
- ``resources.py`` — resources by distance, the reported figures;
- ``log.py`` — the command log (指挥日志), written as audit records;
- ``metrics.py`` — the incident metrics, trends, alert filter, nearest cameras.

Nothing here is a second source of truth: a restart on the same cache rebuilds
exactly the state it left.
"""

from console.wartime.model import (
    ACTION_ZH,
    INCIDENT_ALERT_CATEGORIES,
    INCIDENT_TRENDS,
    LEVELS,
    RESOURCE_KIND_ZH,
    STEP_STATUS_ZH,
    TASK_PROGRESSION,
    TASK_STATUS_ZH,
    IncidentView,
    LogEntry,
    Metrics,
    ResourceRow,
    StepRow,
    TaskRow,
    UnitNode,
    WartimeError,
    distance_m,
)
from console.wartime.plans import PLANS_DIR, bundled_plans, plan_list
from console.wartime.service import Wartime
from district.vocabulary import INCIDENT_TYPES

__all__ = [
    "ACTION_ZH", "INCIDENT_ALERT_CATEGORIES", "INCIDENT_TRENDS", "INCIDENT_TYPES", "LEVELS", "PLANS_DIR",
    "RESOURCE_KIND_ZH", "STEP_STATUS_ZH", "TASK_PROGRESSION", "TASK_STATUS_ZH", "IncidentView", "LogEntry",
    "Metrics", "ResourceRow", "StepRow", "TaskRow", "UnitNode", "Wartime", "WartimeError", "bundled_plans",
    "distance_m", "plan_list",
]

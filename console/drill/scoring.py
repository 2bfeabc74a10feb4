"""After-action scoring: each inject's acknowledge / dispatch / resolve times against its limits,
the incident plan's steps against their due minutes, and what was missed.

Limits come from the category catalogue (``resources/catalogue/categories.json``:
``ack_limit_min``, ``resolve_limit_min``); the catalogue has no dispatch limit, so
dispatch is due within twice the acknowledge limit.  A scenario's drill is short,
so a limit that has not run out by the end of the drill is *open*, not missed.

Points per measured step: on time 10, late 5, missed 0; open steps are left out.
The score is points / possible × 100, rounded to one decimal.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from console.drill.scenario import IncidentInject

ON_TIME, LATE, MISSED = 10, 5, 0
DISPATCH_FACTOR = 2.0

SCORE_STATUS_ZH = {"on_time": "按时", "late": "超时", "missed": "遗漏", "open": "未到时限"}
STEP_ZH = {"acknowledge": "签收", "dispatch": "分拨", "resolve": "办结", "plan_step": "预案步骤"}


@dataclass
class Measure:
    """One scored step of one inject."""

    inject: str
    target: str
    step: str  # acknowledge | dispatch | resolve | plan_step
    title: str
    limit_min: float
    took_min: float | None
    status: str  # on_time | late | missed | open

    @property
    def points(self) -> int | None:
        return {"on_time": ON_TIME, "late": LATE, "missed": MISSED}.get(self.status)


@dataclass
class Score:
    scenario: str
    title: str
    measures: list[Measure] = field(default_factory=list)
    refused_commands: int = 0

    @property
    def possible(self) -> int:
        return sum(ON_TIME for m in self.measures if m.points is not None)

    @property
    def points(self) -> int:
        return sum(m.points or 0 for m in self.measures)

    @property
    def percent(self) -> float:
        return round(100.0 * self.points / self.possible, 1) if self.possible else 100.0

    def count(self, status: str) -> int:
        return sum(1 for m in self.measures if m.status == status)

    def missed(self) -> list[Measure]:
        return [m for m in self.measures if m.status == "missed"]

    def as_dict(self) -> dict[str, Any]:
        return {"scenario": self.scenario, "percent": self.percent, "points": self.points, "possible": self.possible,
                "on_time": self.count("on_time"), "late": self.count("late"), "missed": self.count("missed"),
                "open": self.count("open"), "refused_commands": self.refused_commands,
                "measures": [asdict(m) for m in self.measures]}


def _first(timeline: Any, action: str) -> datetime | None:
    return next((n.ts for n in timeline if n.action == action), None)


def _measure(inject: str, target: str, step: str, title: str, limit_min: float, created: datetime,
             done: datetime | None, end: datetime) -> Measure:
    if done is not None:
        took = (done - created).total_seconds() / 60.0
        status = "on_time" if took <= limit_min + 1e-9 else "late"
        return Measure(inject, target, step, title, limit_min, round(took, 2), status)
    expired = end >= created + timedelta(minutes=limit_min)
    return Measure(inject, target, step, title, limit_min, None, "missed" if expired else "open")


def score(engine: Any, limits: dict[str, tuple[float, float]] | None = None) -> Score:
    """Score a drill engine's current state (call at the end of the drill)."""
    from console import catalogue

    cats = {c.id: (float(c.ack_limit_min), float(c.resolve_limit_min)) for c in catalogue.categories()}
    if limits:
        cats.update(limits)
    w = engine.world
    end = engine.start + timedelta(seconds=engine.now_s)
    result = Score(engine.scenario.id, engine.scenario.title, refused_commands=len(engine.refused))
    plans: dict[str, Any] = {}
    try:
        from district.plans import plan_list

        plans = {p.id: p for p in plan_list().plans}
    except Exception:  # noqa: BLE001 - without plans the plan steps are not scored
        plans = {}
    for inject_id, target in sorted(engine.produced.items(), key=lambda kv: (engine.produced_at[kv[0]], kv[0])):
        alert = w.alerts.get(target)
        if alert is not None:
            ack_lim, res_lim = cats.get(alert.category, (120.0, 1440.0))
            created = alert.created_at
            for step, action, lim in (("acknowledge", "acknowledge", ack_lim),
                                      ("dispatch", "dispatch", ack_lim * DISPATCH_FACTOR),
                                      ("resolve", "resolve", res_lim)):
                result.measures.append(_measure(inject_id, target, step, alert.title, lim, created,
                                                _first(alert.timeline, action), end))
            continue
        inc = w.incidents.get(target)
        inj = engine.scenario.inject(inject_id)
        if inc is None or not isinstance(inj, IncidentInject):
            continue
        plan = plans.get(inc.plan_id or "")
        if plan is None:
            continue
        tasks = sorted((t for t in w.tasks.values() if t.incident_id == inc.id), key=lambda t: (t.updated_at, t.id))
        issued = {t.id: engine.issue_times.get(t.id, t.updated_at) for t in tasks}
        used: set[str] = set()
        for st in plan.steps:
            if not st.issues_task:
                continue
            match = next((t for t in tasks if t.unit == st.owner and t.id not in used), None)
            if match is not None:
                used.add(match.id)
            result.measures.append(_measure(inject_id, inc.id, "plan_step", st.title, float(st.due_minutes),
                                            inc.started_at, issued.get(match.id) if match else None, end))
    return result


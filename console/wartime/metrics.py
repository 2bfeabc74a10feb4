"""An incident's figures and what the other panels narrow to: metrics, trends, alert filter, nearest cameras."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from console.wartime.checklist import Checklist
from console.wartime.incidents import Incidents
from console.wartime.model import INCIDENT_ALERT_CATEGORIES, INCIDENT_TRENDS, Metrics, distance_m
from console.wartime.resources import Resources
from console.wartime.tasks import Tasks

Trend = tuple[str, str, str, list[tuple[datetime, float]]]
"""(indicator id, label, unit, [(ts, value)])."""


class IncidentMetrics:
    """Derives the metrics panel's figures and the incident's view of the other panels."""

    def __init__(self, core: Any, incidents: Incidents, tasks: Tasks, resources: Resources,
                 checklist: Checklist, now: Callable[[], datetime]) -> None:
        self.core = core
        self.incidents = incidents
        self.tasks = tasks
        self.resources = resources
        self.checklist = checklist
        self.now = now

    def metrics(self, incident_id: str) -> Metrics:
        """Orders open and overdue, units on scene, people moved and sheltered, steps done."""
        now = self.now()
        tasks = [t for t in self.tasks.tasks(incident_id) if t.status != "failed"]
        open_ = [t for t in tasks if t.status not in ("done", "refused")]
        on_scene = {t.unit for t in tasks if t.status == "on_scene"}
        evacuated = self.resources.evacuated(incident_id)
        shelters = [r for r in self.resources.resources(incident_id) if r.kind == "shelter" and r.distance_m <= 8000]
        occ = self.resources.shelter_occupancy(incident_id)
        steps = self.checklist.checklist(incident_id)
        return Metrics(
            tasks_total=len(tasks), tasks_open=len(open_), tasks_overdue=sum(1 for t in open_ if t.overdue(now)),
            units_on_scene=len(on_scene), people_evacuated=evacuated,
            shelter_capacity=sum(r.capacity or 0 for r in shelters), shelter_occupancy=sum(occ.values()),
            steps_done=sum(1 for s in steps if s.finished), steps_total=len(steps),
            steps_overdue=sum(1 for s in steps if s.state == "overdue"))

    def trends(self, incident_id: str) -> list[Trend]:
        """(indicator id, label, unit, [(ts, value)]) of the sensor trends that matter for the incident."""
        inc = self.incidents.incident(incident_id)
        if inc is None:
            return []
        store = self.core.picture.indicators
        out = []
        for iid, label, unit in INCIDENT_TRENDS.get(inc.type, ()):
            series = store.history(iid, inc.street) or store.history(iid)
            out.append((iid, label, unit, [(v.ts, v.value) for v in series]))
        return out

    def alert_filter(self, incident_id: str) -> dict[str, Any]:
        """What the alert queue narrows to: the incident's street, categories and area."""
        inc = self.incidents.incident(incident_id)
        if inc is None:
            return {}
        return {"streets": {inc.street} if inc.street else set(),
                "categories": set(INCIDENT_ALERT_CATEGORIES.get(inc.type, ())),
                "centre": (inc.location.lon, inc.location.lat), "radius_m": max(inc.radius_m * 3, 3000.0)}

    def nearest_cameras(self, incident_id: str, limit: int = 4) -> list[str]:
        """Camera ids nearest the incident (online ones first)."""
        inc = self.incidents.incident(incident_id)
        if inc is None:
            return []
        store = self.core.picture.cameras
        if not hasattr(store, "nearest"):
            cams = list(store.values())
            cams.sort(key=lambda c: (c.status != "online", distance_m(inc.location, c.location)))
            return [c.id for c in cams[:limit]]
        lon, lat = inc.location.lon, inc.location.lat
        # The grid (console.stores.LocatedStore): the nearest online ones, then offline ones.
        found = [c.id for _d, c in store.nearest(lon, lat, None, limit, lambda c: c.status == "online")]
        if len(found) < limit:
            found += [c.id for _d, c in store.nearest(lon, lat, None, limit - len(found),
                                                      lambda c: c.status != "online")]
        return found

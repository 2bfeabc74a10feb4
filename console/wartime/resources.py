"""Resources (救援力量与物资) by distance from an incident, and the figures reported about them."""

from __future__ import annotations

from typing import Any

from console.events import Event
from console.texts import spoken
from console.wartime.incidents import Incidents
from console.wartime.ledger import Ledger
from console.wartime.model import RESOURCE_KIND_ZH, ResourceRow, WartimeError, distance_m


class Resources:
    """The resources layer read against an incident: distance, what was sent where, shelter figures."""

    def __init__(self, core: Any, ledger: Ledger, incidents: Incidents, changed: Event[[]]) -> None:
        self.core = core
        self.ledger = ledger
        self.incidents = incidents
        self.changed = changed

    def _features(self) -> list[dict[str, Any]]:
        layer = (getattr(self.core, "layers", {}) or {}).get("resources") or {}
        return list(layer.get("features", []))

    def resources(self, incident_id: str) -> list[ResourceRow]:
        """Rescue teams, shelters, warehouses and vehicles by distance from the incident."""
        inc = self.incidents.incident(incident_id)
        layer = (getattr(self.core, "layers", {}) or {}).get("resources")
        if inc is None or not layer:
            return []
        assigned: dict[str, list[str]] = {}
        for _cid, c in self.ledger.own_commands("task.issue"):
            if c["target"] == incident_id:
                for rid in c["args"].get("resources", []) or []:
                    assigned.setdefault(rid, []).append(c["args"].get("task_id", ""))
        task_ids = {t.id for t in self.core.picture.tasks.values() if t.incident_id == incident_id}
        for cid, c in self.ledger.own_commands("task.update"):
            # Resources added to an order later (assign_resources), unless the gateway refused it.
            if c["target"] in task_ids and c["args"].get("resources") \
                    and self.ledger.command_state(cid)[0] != "refused":
                for rid in c["args"]["resources"]:
                    assigned.setdefault(rid, []).append(c["target"])
        occupancy = self.shelter_occupancy(incident_id)
        rows = []
        for f in layer.get("features", []):
            geom = f.get("geometry") or {}
            if geom.get("type") != "Point":
                continue
            lon, lat = geom["coordinates"][:2]
            props = f.get("properties") or {}
            rid = str(f.get("id") or props.get("id"))
            kind = str(props.get("kind", ""))
            cap = props.get("capacity")
            detail = ""
            if kind == "rescue_team" and props.get("members"):
                detail = f"{props['members']} 人"
            elif kind == "shelter" and cap:
                detail = f"容量 {cap} 人"
            elif kind == "warehouse":
                detail = str(props.get("items", ""))
            rows.append(ResourceRow(
                id=rid, kind=kind, kind_zh=RESOURCE_KIND_ZH.get(kind, kind),
                name=str(props.get("name_zh") or props.get("name") or rid),
                lon=float(lon), lat=float(lat), distance_m=distance_m(inc.location, (lon, lat)), detail=detail,
                capacity=int(cap) if cap else None,
                occupancy=occupancy.get(rid, 0) if kind == "shelter" else None,
                assigned_to=tuple(assigned.get(rid, ()))))
        rows.sort(key=lambda r: r.distance_m)
        return rows

    def resource_name(self, rid: Any) -> str:
        """A resource's name from the layer (its id when unknown)."""
        for f in self._features():
            if str(f.get("id")) == str(rid):
                props = f.get("properties") or {}
                return str(props.get("name_zh") or props.get("name") or rid)
        return str(rid)

    # ------------------------------------------------------------------ reported figures

    def report_figure(self, incident_id: str, kind: str, value: int, where: str | None = None) -> None:
        """Record a reported figure: ``evacuated`` (people moved, total so far) or
        ``shelter`` (people in shelter ``where``). Part of the command log."""
        if kind not in ("evacuated", "shelter"):
            raise WartimeError(spoken("war_unknown_figure"))
        try:
            n = int(value)
        except (TypeError, ValueError):
            raise WartimeError(spoken("war_count_not_integer")) from None
        if n < 0:
            raise WartimeError(spoken("war_count_negative"))
        if kind == "shelter" and not where:
            raise WartimeError(spoken("war_choose_shelter"))
        self.incidents.active_for_change(incident_id)
        self.ledger.record("war.figure", incident_id, incident_id=incident_id, figure=kind, value=n, where=where)
        self.changed.emit()

    def figures(self, incident_id: str) -> list[Any]:
        """The figure records of an incident, oldest first."""
        return self.ledger.records_of("war.figure", incident_id)

    def evacuated(self, incident_id: str) -> int:
        """People moved so far (the last reported total)."""
        evacuated = 0
        for r in self.figures(incident_id):
            if r.detail.get("figure") == "evacuated":
                evacuated = int(r.detail.get("value", 0))
        return evacuated

    def shelter_occupancy(self, incident_id: str) -> dict[str, int]:
        """Shelter id → people there (the last reported figure of each)."""
        out: dict[str, int] = {}
        for r in self.figures(incident_id):
            if r.detail.get("figure") == "shelter":
                out[str(r.detail.get("where"))] = int(r.detail.get("value", 0))
        return out

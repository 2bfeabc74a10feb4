"""Incidents (突发事件): the store's and our declarations on their way, the focus, declare and stand down."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from console.events import Event
from console.models import GeoPoint, Incident
from console.texts import spoken
from console.wartime.ledger import Ledger
from console.wartime.model import (
    CONFIRMED_KEY,
    DECLINED_KEY,
    FOCUS_KEY,
    LEVELS,
    IncidentView,
    WartimeError,
    parse_ts,
)
from console.wartime.plans import PlanBook, UnitDirectory
from district.vocabulary import DISTRICT_TZ, INCIDENT_TYPES


class Incidents:
    """The incidents this console knows and which of them it commands (declared or accepted)."""

    def __init__(self, core: Any, ledger: Ledger, units: UnitDirectory, plans: PlanBook,
                 now: Callable[[], datetime], changed: Event[[]]) -> None:
        self.core = core
        self.ledger = ledger
        self.units = units
        self.plans = plans
        self.now = now
        self.changed = changed

    # ------------------------------------------------------------------ reading

    @staticmethod
    def _view(inc: Incident) -> IncidentView:
        return IncidentView(
            id=inc.id, type=inc.type, type_zh=INCIDENT_TYPES.get(inc.type, inc.type), level=inc.level,
            level_zh=LEVELS.get(inc.level, str(inc.level)), title=inc.title, reason=inc.reason, status=inc.status,
            location=inc.location, radius_m=inc.radius_m, street=inc.street, plan_id=inc.plan_id,
            started_at=inc.started_at, ended_at=inc.ended_at, declared_by=inc.declared_by,
            ended_reason=inc.ended_reason)

    def incidents(self, include_ended: bool = True) -> list[IncidentView]:
        """Every incident known here, declarations on their way included, newest first."""
        store = self.core.picture.incidents
        out = [self._view(i) for i in store.values()]
        known = {i.id for i in out}
        for cid, c in self.ledger.own_commands("incident.declare"):
            iid = c["target"]
            if iid in known:
                continue
            status, reason = self.ledger.command_state(cid)
            if status == "confirmed":
                continue  # echoed and since removed by a snapshot: nothing to show
            a = c["args"]
            loc = a.get("location") or {"lon": 114.35, "lat": 22.72}
            out.append(IncidentView(
                id=iid, type=a.get("type", ""), type_zh=INCIDENT_TYPES.get(a.get("type", ""), ""),
                level=int(a.get("level", 4)), level_zh=LEVELS.get(int(a.get("level", 4)), ""),
                title=a.get("title") or "", reason=a.get("reason", ""),
                status="failed" if status == "refused" else "pending", location=GeoPoint(**loc),
                radius_m=float(a.get("radius_m", 1000)), street=a.get("street"), plan_id=a.get("plan_id"),
                started_at=parse_ts(c["ts"]), ended_at=None, declared_by=c["actor"], refusal=reason))
        if not include_ended:
            out = [i for i in out if i.status in ("active", "pending")]
        out.sort(key=lambda i: i.started_at, reverse=True)
        return out

    def incident(self, incident_id: str) -> IncidentView | None:
        return next((i for i in self.incidents() if i.id == incident_id), None)

    def active(self) -> list[IncidentView]:
        """Active incidents (and declarations on their way), newest first."""
        return self.incidents(include_ended=False)

    def stand_down_pending(self, incident_id: str) -> bool:
        """A stand-down of ours for this incident is on its way (not yet echoed)."""
        return any(c["target"] == incident_id and self.ledger.command_state(cid)[0] in ("pending", "sent")
                   for cid, c in self.ledger.own_commands("incident.stand_down"))

    def active_for_change(self, incident_id: str) -> IncidentView:
        """The incident, if it may still be changed (active, no stand-down on its way)."""
        inc = self.incident(incident_id)
        if inc is None:
            raise WartimeError(spoken("war_incident_not_found"))
        if inc.status not in ("active", "pending") or self.stand_down_pending(incident_id):
            raise WartimeError(spoken("war_incident_closed_no_change"))
        return inc

    # ------------------------------------------------------------------ commanding and focus

    def commanding(self) -> list[IncidentView]:
        """Active incidents this console has switched to (declared here or confirmed)."""
        confirmed = set(self.ledger.pref_list(CONFIRMED_KEY))
        return [i for i in self.active() if i.id in confirmed]

    def in_wartime(self) -> bool:
        return bool(self.commanding())

    def awaiting_confirmation(self) -> list[IncidentView]:
        """Active incidents pushed by the gateway that the operator has neither accepted nor declined."""
        confirmed = set(self.ledger.pref_list(CONFIRMED_KEY))
        declined = set(self.ledger.pref_list(DECLINED_KEY))
        return [i for i in self.active() if i.status == "active" and i.id not in confirmed and i.id not in declined]

    def confirm_switch(self, incident_id: str) -> None:
        """The operator accepts switching the console to a pushed incident (audited)."""
        confirmed = self.ledger.pref_list(CONFIRMED_KEY)
        if incident_id not in confirmed:
            confirmed.append(incident_id)
            self.ledger.pref_put(CONFIRMED_KEY, confirmed)
            self.ledger.record("war.switch", incident_id, accepted=True)
        self.set_focus(incident_id)

    def decline_switch(self, incident_id: str) -> None:
        """The operator keeps the peacetime layout for a pushed incident (audited; can accept later)."""
        declined = self.ledger.pref_list(DECLINED_KEY)
        if incident_id not in declined:
            declined.append(incident_id)
            self.ledger.pref_put(DECLINED_KEY, declined)
            self.ledger.record("war.switch", incident_id, accepted=False)
            self.changed.emit()

    @property
    def focus(self) -> str | None:
        """The incident the console is centred on (one of ``commanding()``), or None."""
        ids = [i.id for i in self.commanding()]
        held = self.ledger.pref_raw(FOCUS_KEY)
        if held in ids:
            return held
        return ids[0] if ids else None

    def set_focus(self, incident_id: str) -> None:
        if self.focus != incident_id or self.ledger.pref_raw(FOCUS_KEY) != incident_id:
            self.ledger.pref_put_text(FOCUS_KEY, incident_id)
            self.ledger.record("war.focus", incident_id)
        self.changed.emit()

    def cycle_focus(self, step: int = 1) -> str | None:
        """Move the focus to the next (or previous) commanded incident; returns the new focus."""
        ids = [i.id for i in self.commanding()]
        if not ids:
            return None
        cur = self.focus
        nxt = ids[(ids.index(cur) + step) % len(ids)] if cur in ids else ids[0]
        self.set_focus(nxt)
        return nxt

    # ------------------------------------------------------------------ declare and stand down

    def may_declare(self) -> bool:
        """Declaring and standing down are a supervisor's call (值班长)."""
        return self.ledger.may("incident.declare")

    def declare(self, type: str, level: int, *, reason: str, location: tuple[float, float] | None = None,
                street: str | None = None, radius_m: float = 1000.0, title: str | None = None) -> str:
        """Declare an incident (a command through the outbox, audited) and take the focus; returns its id.

        The id is chosen here, so the plan's orders can be queued behind the
        declaration at once, even offline (the façade does).  Emits nothing: the
        caller announces the change once the orders are queued too.
        """
        if not self.may_declare():
            raise WartimeError(spoken("war_declare_needs_supervisor"))
        if type not in INCIDENT_TYPES:
            raise WartimeError(spoken("war_choose_type"))
        if level not in LEVELS:
            raise WartimeError(spoken("war_level_range"))
        reason = (reason or "").strip()
        if not reason:
            raise WartimeError(spoken("war_reason_required"))
        if street is not None and street not in self.units.street_ids():
            raise WartimeError(spoken("war_unknown_street", street=street))
        if location is None and street is None:
            raise WartimeError(spoken("war_location_required"))
        if location is not None:
            lon, lat = location
            if not (113.5 <= lon <= 115.0 and 22.3 <= lat <= 23.1):
                raise WartimeError(spoken("war_location_outside"))
        try:
            radius = float(radius_m)
        except (TypeError, ValueError):
            raise WartimeError(spoken("war_radius_not_number")) from None
        if not 50 <= radius <= 20_000:
            raise WartimeError(spoken("war_radius_range"))
        iid = "INC-" + self.now().astimezone(DISTRICT_TZ).strftime("%Y%m%d%H%M") + "-" + \
            uuid.uuid4().hex[:4].upper()
        plan = self.plans.for_type(type)
        args: dict[str, Any] = {"type": type, "level": level, "reason": reason, "radius_m": radius}
        if location is not None:
            args["location"] = {"lon": float(location[0]), "lat": float(location[1])}
        else:
            from console.catalogue import streets

            st = next((s for s in streets() if s.id == street), None)
            if st is not None:
                args["location"] = {"lon": st.centre.lon, "lat": st.centre.lat}
        if street is not None:
            args["street"] = street
        if title:
            args["title"] = title.strip()
        else:
            args["title"] = f"{INCIDENT_TYPES[type]}（{LEVELS[level]}级响应）"
        if plan is not None:
            args["plan_id"] = plan.id
        self.ledger.submit("incident.declare", iid, args)
        confirmed = self.ledger.pref_list(CONFIRMED_KEY)
        confirmed.append(iid)
        self.ledger.pref_put(CONFIRMED_KEY, confirmed)
        self.ledger.pref_put_text(FOCUS_KEY, iid)
        return iid

    def stand_down(self, incident_id: str, reason: str = "") -> None:
        """Stand the incident down (解除): a command; the report is written by the caller once echoed."""
        if not self.may_declare():
            raise WartimeError(spoken("war_stand_down_needs_supervisor"))
        inc = self.incident(incident_id)
        if inc is None:
            raise WartimeError(spoken("war_incident_not_found"))
        if inc.status not in ("active", "pending"):
            raise WartimeError(spoken("war_incident_stood_down"))
        self.ledger.submit("incident.stand_down", incident_id, {"reason": reason.strip()} if reason.strip() else {})
        self.changed.emit()

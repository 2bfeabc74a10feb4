"""The local second line of defence: keep a street's (or a department's) console to its data.

A street sub-centre asks the gateway with ``?scope=<street>``; the gateway should
then send only that street's objects.  This module makes sure of it at the door of
the stores: :class:`ScopedPicture` is an :class:`OperatingPicture` that drops every
envelope and snapshot object outside the profile's scope before it reaches a store,
whatever the source (live stream, snapshot, journal restore, replay, drill).

The rule, for a street profile ``S`` (district-wide objects, ``street = None``, are
everyone's, as the gateway treats them):

- alerts, devices, cameras, incidents: kept when their ``street`` is ``S`` or None;
  an envelope whose ``scope.street`` names another street is dropped whole;
- tasks: kept with their incident (the incident's street decides; an unknown
  incident falls back to the envelope's scope);
- reading batches: readings of devices kept here (or batches scoped to ``S``);
- indicator values: the street's own and the district totals;
- notices and resets always pass.

A department profile keeps the alerts of its categories (and passes the rest).
Dropped objects are counted in :attr:`ScopeFilter.dropped` by envelope type.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable

from console.models import Snapshot
from console.stores import OperatingPicture

log = logging.getLogger(__name__)


class ScopeFilter:
    """Decides, object by object, what a scoped console may hold."""

    def __init__(self, street: str | None = None, categories: tuple[str, ...] | frozenset[str] = (),
                 incident_street: Callable[[str], str | None | bool] | None = None) -> None:
        self.street = street
        self.categories = frozenset(categories)
        # incident id -> its street (None = district-wide), or False when unknown
        self._incident_street = incident_street or (lambda _id: False)
        self.dropped: Counter[str] = Counter()

    @property
    def active(self) -> bool:
        """Whether this filter can drop anything at all."""
        return self.street is not None or bool(self.categories)

    def describe(self) -> str:
        """A short Chinese description for logs and the status bar."""
        parts = []
        if self.street:
            parts.append(f"街道 {self.street}")
        if self.categories:
            parts.append("告警类别 " + "、".join(sorted(self.categories)))
        return "；".join(parts) or "全区"

    # ------------------------------------------------------------------ objects

    def _street_ok(self, street: str | None) -> bool:
        return self.street is None or street is None or street == self.street

    def alert_ok(self, alert: Any) -> bool:
        if not self._street_ok(alert.street):
            return False
        return not self.categories or alert.category in self.categories

    def placed_ok(self, obj: Any) -> bool:
        """Devices, cameras and incidents: by their street."""
        return self._street_ok(getattr(obj, "street", None))

    def task_ok(self, task: Any, envelope_street: str | None = None,
                incidents: dict[str, str | None] | None = None) -> bool:
        if self.street is None:
            return True
        if incidents is not None and task.incident_id in incidents:
            return self._street_ok(incidents[task.incident_id])
        known = self._incident_street(task.incident_id)
        if known is not False:
            return self._street_ok(known)  # type: ignore[arg-type]
        return self._street_ok(envelope_street)

    def indicator_ok(self, value: Any) -> bool:
        return self._street_ok(value.street)

    # ------------------------------------------------------------------ envelopes

    def admit(self, envelope: Any, device_ok: Callable[[str], bool] | None = None) -> Any | None:
        """The envelope to apply (possibly narrowed), or None to drop it."""
        kind = envelope.type
        if kind in ("notice", "reset") or not self.active:
            return envelope
        scope_street = envelope.scope.street if envelope.scope is not None else None
        if self.street is not None and scope_street is not None and scope_street != self.street:
            self.dropped[kind] += 1
            return None
        payload = envelope.payload
        keep = True
        if kind == "alert.upsert":
            keep = self.alert_ok(payload)
        elif kind in ("device.upsert", "camera.upsert", "incident.upsert"):
            keep = self.placed_ok(payload)
        elif kind == "task.upsert":
            keep = self.task_ok(payload, scope_street)
        elif kind == "reading.batch" and self.street is not None and scope_street is None:
            readings = tuple(r for r in payload.readings if device_ok is None or device_ok(r.device_id))
            if not readings:
                keep = False
            elif len(readings) != len(payload.readings):
                self.dropped[kind] += len(payload.readings) - len(readings)
                return envelope.model_copy(update={"payload": payload.model_copy(update={"readings": readings})})
        elif kind == "indicator.values" and self.street is not None:
            values = tuple(v for v in payload.values if self.indicator_ok(v))
            if not values:
                keep = False
            elif len(values) != len(payload.values):
                self.dropped[kind] += len(payload.values) - len(values)
                return envelope.model_copy(update={"payload": payload.model_copy(update={"values": values})})
        if not keep:
            self.dropped[kind] += 1
            return None
        return envelope

    def narrow_snapshot(self, snapshot: Snapshot) -> Snapshot:
        """The snapshot with only this scope's objects."""
        if not self.active:
            return snapshot
        alerts = tuple(a for a in snapshot.alerts if self.alert_ok(a))
        devices = tuple(d for d in snapshot.devices if self.placed_ok(d))
        cameras = tuple(c for c in snapshot.cameras if self.placed_ok(c))
        incidents = tuple(i for i in snapshot.incidents if self.placed_ok(i))
        all_incidents = {i.id: i.street for i in snapshot.incidents}
        tasks = tuple(t for t in snapshot.tasks
                      if self.task_ok(t, snapshot.scope.street if snapshot.scope else None, all_incidents))
        indicators = tuple(v for v in snapshot.indicators if self.indicator_ok(v))
        for kind, before, after in (("alert.upsert", snapshot.alerts, alerts),
                                    ("device.upsert", snapshot.devices, devices),
                                    ("camera.upsert", snapshot.cameras, cameras),
                                    ("incident.upsert", snapshot.incidents, incidents),
                                    ("task.upsert", snapshot.tasks, tasks),
                                    ("indicator.values", snapshot.indicators, indicators)):
            if len(before) != len(after):
                self.dropped[kind] += len(before) - len(after)
        return snapshot.model_copy(update={"alerts": alerts, "devices": devices, "cameras": cameras,
                                           "incidents": incidents, "tasks": tasks, "indicators": indicators})


@dataclass
class ScopedPicture(OperatingPicture):
    """An operating picture that admits only its scope's objects (see the module docstring)."""

    scope_filter: ScopeFilter = field(default_factory=ScopeFilter)

    def __post_init__(self) -> None:
        self.scope_filter._incident_street = self._incident_street

    def _incident_street(self, incident_id: str) -> str | None | bool:
        incident = self.incidents.get(incident_id)
        return incident.street if incident is not None else False

    def _device_ok(self, device_id: str) -> bool:
        return device_id in self.devices

    def apply(self, envelope: Any) -> bool:
        admitted = self.scope_filter.admit(envelope, self._device_ok)
        if admitted is None:
            return False
        return super().apply(admitted)

    def load_snapshot(self, snapshot: Snapshot) -> None:
        super().load_snapshot(self.scope_filter.narrow_snapshot(snapshot))


def picture_for(street: str | None = None, categories: tuple[str, ...] = ()) -> OperatingPicture:
    """A plain picture for the district centre, a :class:`ScopedPicture` otherwise."""
    scope = ScopeFilter(street, categories)
    if not scope.active:
        return OperatingPicture()
    log.info("local scope filter on: %s", scope.describe())
    return ScopedPicture(scope_filter=scope)

"""In-memory stores: the single source of truth for the operating picture.

Pure Python (no Qt) so that the core runs headless and is tested without a
display.  Stores apply envelopes in order, keep the highest ``rev`` per object and
accumulate the ids that changed.  ``OperatingPicture.flush()`` hands those sets
over as one typed :class:`PictureChanges` and emits it on ``picture.changed``;
the Qt bridge (``widgets.bridge``) calls ``flush()`` at a bounded rate, so a burst
of a thousand updates costs one UI update.
The revision and change-set bookkeeping every store shares is in
:mod:`console.store_base`.
"""

from __future__ import annotations

import bisect
import dataclasses
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, ClassVar

from console.camera_url import GatewayOrigins
from console.clock import Clock
from console.events import Event

from console.models import (
    LEVEL_RANK,
    Alert,
    Camera,
    Device,
    Envelope,
    Incident,
    IndicatorValue,
    Notice,
    Reading,
    Snapshot,
    Task,
    Unit,
)
from console.history import Series
from console.store_base import LocatedStore, RevStore, T, _ChangeTracking, _Revisioned  # noqa: F401 - the stores' public base
from console.texts import DisplayText
from district.vocabulary import CLOSED_STATUSES


class CameraStore(LocatedStore[Camera]):
    """Cameras whose streams on a gateway's own origin follow the gateway in use
    (:class:`console.camera_url.GatewayOrigins`): held on the current gateway, saved
    relative (``gateway:/video/…``), so neither a new port nor a failover leaves stale URLs."""

    def __init__(self) -> None:
        super().__init__()
        self.origins = GatewayOrigins()

    def follow(self, origins: GatewayOrigins) -> None:
        """Use these gateway origins from now on (start, failover): each camera streaming
        from a gateway moves to the one in use and is reported changed (tiles re-tune)."""
        self.origins = origins
        for item_id, camera in list(self._items.items()):
            moved = _with_streams(camera, origins.rebase)
            if moved is not camera:
                self._items[item_id] = moved
                self._changed.add(item_id)

    def apply(self, item: Camera) -> bool:
        return super().apply(_with_streams(item, self.origins.rebase))

    def replace_all(self, items: Iterable[Camera]) -> None:
        rebase = self.origins.rebase
        super().replace_all(_with_streams(i, rebase) for i in items)

    def body_of(self, item: Camera) -> str:
        return _with_streams(item, self.origins.relative).model_dump_json()


def _with_streams(camera: Camera, convert: Callable[[str], str]) -> Camera:
    """``camera`` with ``convert`` applied to its stream URLs (the same object when none changes)."""
    s = camera.streams
    main, sub, low = convert(s.main), convert(s.sub), None if s.low is None else convert(s.low)
    if main == s.main and sub == s.sub and low == s.low:
        return camera
    return camera.model_copy(update={"streams": s.model_copy(update={"main": main, "sub": sub, "low": low})})


@dataclass(frozen=True)
class PendingCommand:
    """An operator command sent (or waiting to be sent) whose echo has not come back."""

    command_id: str
    kind: str
    since: datetime




_OrderKey = tuple[bool, int, float, str]


def urgency_key(alert: Alert) -> _OrderKey:
    """Queue order of one alert: open before resolved/closed, red → blue, oldest first, then id."""
    return (alert.status in CLOSED_STATUSES, LEVEL_RANK.get(alert.level, 9), alert.created_at.timestamp(), alert.id)


CLOSED_KEPT_S = 48 * 3600.0
"""A closed (闭环) alert stays in the live picture two days after its last change, then
leaves memory for the cache's archive (``offline_cache.archive``), where the queue's search
still finds it. Two days is the gateway snapshot's own horizon (``archive_after_h``): the
picture equals what a snapshot brings (the failover and fault tests compare them alert for
alert; 24 h was measured and set aside, docs/performance.md); older ones a snapshot still
sends go straight to the archive (``Ingest._accept_snapshot``). Issue 18."""


class AlertStore(RevStore[Alert]):
    """Alerts plus the operator overlay (pending commands, refusals), which is not wire state."""

    REBUILD_FRACTION = 8
    """Above 1/8 of the alerts changed since the last ``ordered()``, one full sort is cheaper
    than moving each alert in the sorted list."""

    def __init__(self) -> None:
        super().__init__()
        self._pending: dict[str, list[PendingCommand]] = {}
        self._pending_target: dict[str, str] = {}
        self._refusals: dict[str, str] = {}
        self.clock = Clock()
        """The picture's clock (countdowns run on the gateway's time: console.clock)."""
        # Urgency order, kept incrementally: the sorted keys, each alert's key in it,
        # the ids moved since the last ordered() and the cached id list.
        self._sorted: list[_OrderKey] | None = None
        self._keys: dict[str, _OrderKey] = {}
        self._dirty: set[str] = set()
        self._order: list[str] | None = None

    # -- urgency order -------------------------------------------------------------
    def _on_change(self, item_id: str | None) -> None:
        if item_id is None:
            self._sorted = None  # a whole snapshot: sort again from scratch
            self._dirty.clear()
        elif self._sorted is not None:
            self._dirty.add(item_id)
        self._order = None

    def ordered(self) -> list[str]:
        """Ids in urgency order: open first, then red → blue, then oldest first.

        Computed lazily and cached until something changes; between two calls only
        the alerts that changed are moved (bisect in the sorted keys), so a queue of
        100,000 alerts costs a full sort once and then microseconds per change.
        The returned list is shared: do not modify it.
        """
        if self._order is not None:
            return self._order
        items = self._items
        if self._sorted is None or len(self._dirty) * self.REBUILD_FRACTION > len(items):
            self._keys = {alert_id: urgency_key(a) for alert_id, a in items.items()}
            self._sorted = sorted(self._keys.values())
        else:
            keys, ordered = self._keys, self._sorted
            for alert_id in self._dirty:
                old = keys.pop(alert_id, None)
                alert = items.get(alert_id)
                new = urgency_key(alert) if alert is not None else None
                if old == new:
                    if new is not None:
                        keys[alert_id] = new
                    continue
                if old is not None:
                    del ordered[bisect.bisect_left(ordered, old)]
                if new is not None:
                    bisect.insort(ordered, new)
                    keys[alert_id] = new
        self._dirty.clear()
        self._order = [k[3] for k in self._sorted]
        return self._order

    def apply(self, item: Alert) -> bool:
        """Take ``item`` if newer; a later accepted change clears an earlier refusal."""
        changed = super().apply(item)
        if changed and item.id in self._refusals and item.last_command_id:
            # A later accepted change supersedes an earlier refusal.
            self._refusals.pop(item.id, None)
        return changed

    def age_out(self, now: datetime, keep_s: float = CLOSED_KEPT_S) -> list[Alert]:
        """Remove the closed alerts unchanged for ``keep_s`` before ``now``; return them
        (the caller archives them). Alerts with a command still pending stay."""
        cutoff = now.timestamp() - keep_s
        old = [a for a in self._items.values()
               if a.status == "closed" and a.updated_at.timestamp() < cutoff and a.id not in self._pending]
        for a in old:
            self.remove(a.id)
            self._refusals.pop(a.id, None)
        return old

    # -- operator overlay -------------------------------------------------------------
    def pending(self, alert_id: str) -> list[PendingCommand]:
        """Commands for this alert still waiting for their echo, oldest first."""
        return list(self._pending.get(alert_id, ()))

    def pending_count(self) -> int:
        """How many commands are pending over all alerts."""
        return len(self._pending_target)

    def mark_pending(self, alert_id: str, command_id: str, kind: str) -> None:
        """Show a submitted command as pending on its alert (clears an old refusal)."""
        self._pending.setdefault(alert_id, []).append(
            PendingCommand(command_id, kind, datetime.now(timezone.utc))
        )
        self._pending_target[command_id] = alert_id
        self._refusals.pop(alert_id, None)
        self._changed.add(alert_id)

    def clear_pending(self, command_id: str) -> str | None:
        """Forget a pending command; returns the alert it was for (None if unknown)."""
        alert_id = self._pending_target.pop(command_id, None)
        if alert_id is None:
            return None
        rest = [p for p in self._pending.get(alert_id, ()) if p.command_id != command_id]
        if rest:
            self._pending[alert_id] = rest
        else:
            self._pending.pop(alert_id, None)
        self._changed.add(alert_id)
        return alert_id

    def refusal(self, alert_id: str) -> str | None:
        """The gateway's reason for the last refused command on this alert, if any."""
        return self._refusals.get(alert_id)

    def set_refusal(self, alert_id: str, reason: str) -> None:
        """Show why a command on this alert was refused (the alert itself is unchanged)."""
        self._refusals[alert_id] = reason
        self._changed.add(alert_id)


READINGS_KEPT = 2_000
"""Readings kept per device: the alert pane's chart of one device needs no more; older
ones are in the journal. (A pydantic reading each was the largest grower of issue 18.)"""

READING_WINDOW_S = 24 * 3600.0
"""No reading older than a day behind a device's newest is kept in memory: a device that
reports every few seconds is held to its last ``READINGS_KEPT``, a quiet one to its day."""

INDICATOR_VALUES_KEPT = 5_000
"""Values kept per (indicator, street) for the cards' sparklines and the live end of a trend."""

INDICATOR_WINDOW_S = 24 * 3600.0
"""No indicator value older than a day behind the newest is kept: the trend's longer
ranges read the journal (``console.indicators.read_history``)."""


class ReadingStore(_ChangeTracking):
    """Latest reading and a bounded, compact history per device (``console.history.Series``)."""

    HISTORY = READINGS_KEPT
    WINDOW_S = READING_WINDOW_S

    def __init__(self) -> None:
        self._latest: dict[str, Reading] = {}
        self._history: dict[str, Series] = {}
        self._metric: dict[str, str] = {}
        self._changed: set[str] = set()

    def add(self, readings: Iterable[Reading]) -> None:
        """Add readings; history keeps the last 2,000 per device within a day of its newest."""
        for r in readings:
            held = self._latest.get(r.device_id)
            if held is None or r.ts >= held.ts:
                self._latest[r.device_id] = r
            ring = self._history.get(r.device_id)
            if ring is None:
                ring = self._history[r.device_id] = Series(self.HISTORY, self.WINDOW_S)
            self._metric[r.device_id] = r.metric
            if not ring.append(r.ts, r.value):
                continue  # the same reading again (journal history refill, a resent batch)
            self._changed.add(r.device_id)

    def latest(self, device_id: str) -> Reading | None:
        """The newest reading of a device, or None."""
        return self._latest.get(device_id)

    def history(self, device_id: str) -> list[Reading]:
        """A device's readings, oldest first (rebuilt from the compact series)."""
        ring = self._history.get(device_id)
        if ring is None:
            return []
        metric, tz = self._metric[device_id], ring.tz
        return [Reading.model_construct(device_id=device_id, metric=metric, value=v,
                                        ts=datetime.fromtimestamp(t, tz)) for t, v in ring.points()]

    def held(self) -> int:
        """Readings held in all histories (bounded by devices × ``HISTORY``)."""
        return sum(len(s) for s in self._history.values())

    def __len__(self) -> int:
        return len(self._latest)


class IndicatorStore(_ChangeTracking):
    """Latest value and a bounded, compact history per (indicator, street); street None = district."""

    HISTORY = INDICATOR_VALUES_KEPT
    WINDOW_S = INDICATOR_WINDOW_S

    def __init__(self) -> None:
        self._latest: dict[tuple[str, str | None], IndicatorValue] = {}
        self._history: dict[tuple[str, str | None], Series] = {}
        self._changed: set[str] = set()

    def add(self, values: Iterable[IndicatorValue]) -> None:
        """Add indicator values; history keeps the last 5,000 per (indicator, street) within a day."""
        for v in values:
            key = (v.indicator_id, v.street)
            held = self._latest.get(key)
            if held is None or v.ts >= held.ts:
                self._latest[key] = v
            ring = self._history.get(key)
            if ring is None:
                ring = self._history[key] = Series(self.HISTORY, self.WINDOW_S)
            if not ring.append(v.ts, v.value):
                continue  # the same value again (a snapshot after the journal history)
            self._changed.add(v.indicator_id)

    def latest(self, indicator_id: str, street: str | None = None) -> IndicatorValue | None:
        """The newest value of an indicator (street None = district total), or None."""
        return self._latest.get((indicator_id, street))

    def history(self, indicator_id: str, street: str | None = None) -> list[IndicatorValue]:
        """An indicator's values, oldest first (rebuilt from the compact series)."""
        ring = self._history.get((indicator_id, street))
        if ring is None:
            return []
        tz = ring.tz
        return [IndicatorValue.model_construct(indicator_id=indicator_id, value=v, street=street,
                                               ts=datetime.fromtimestamp(t, tz)) for t, v in ring.points()]

    def held(self) -> int:
        """Values held in all histories."""
        return sum(len(s) for s in self._history.values())

    def values(self) -> list[IndicatorValue]:
        """The newest value of every (indicator, street)."""
        return list(self._latest.values())

    def __len__(self) -> int:
        return len(self._latest)


NOTICES_KEPT = 200
"""Notices held for the status bar and the notice list; the journal keeps every one."""


class NoticeStore(_ChangeTracking):
    """Recent system notices to operators (newest last)."""

    def __init__(self, keep: int = NOTICES_KEPT) -> None:
        self._items: deque[Notice] = deque(maxlen=keep)
        self._texts: dict[str, DisplayText] = {}
        self._changed: set[str] = set()

    def add(self, notice: Notice, text: DisplayText | None = None) -> None:
        """Keep a notice; one already held (same id, e.g. seen again after a resume) is ignored.

        ``text`` is the console's own notice as a code (console.texts), for the views to
        translate; the gateway's notices carry only their text."""
        if any(n.id == notice.id for n in self._items):
            return
        if len(self._items) == self._items.maxlen:
            self._texts.pop(self._items[0].id, None)
        self._items.append(notice)
        if text is not None:
            self._texts[notice.id] = text
        self._changed.add(notice.id)

    def text_of(self, notice: Notice) -> DisplayText | None:
        """The console's code for a notice it raised itself; None for the gateway's."""
        return self._texts.get(notice.id)

    def recent(self, n: int = 20) -> list[Notice]:
        """The ``n`` newest notices, oldest first (newest last)."""
        return list(self._items)[-n:]

    def __len__(self) -> int:
        return len(self._items)


@dataclass(frozen=True)
class ConnectionState:
    """How the picture is being fed, for the status bar and the offline banner."""

    state: str = "connecting"  # connecting | live | reconnecting | offline | replay | drill
    backend: str = ""
    detail: str = ""
    # ``detail`` as a code for the views to translate (console.texts); None: show ``detail`` as is.
    detail_text: DisplayText | None = None
    last_message_at: datetime | None = None
    data_as_of: datetime | None = None
    dead_letters: int = 0
    outbox_unsent: int = 0
    attempt: int = 0
    journal_warning: str | None = None
    # A street sub-centre's gateway says how its link to the district centre is
    # (Snapshot.node, then ``link-down-…`` / ``link-up-…`` notices): linked | cut; None elsewhere.
    district_link: str | None = None
    district_link_since: datetime | None = None
    # Plain HTTP to a gateway off this machine (console.transport.cleartext_warning): the
    # status bar shows it in red for as long as that gateway is in use; None otherwise.
    transport_warning: DisplayText | None = None
    data_mode: str = "live"  # live | demo (the embedded feed: simulated) | unconfigured (no gateway set)


_CONNECTION_FIELDS = frozenset(f.name for f in dataclasses.fields(ConnectionState))


@dataclass(frozen=True)
class PictureChanges(Mapping[str, AbstractSet[str]]):
    """What changed in the picture since the last flush: one field per kind.

    Each kind holds the changed ids (``readings``: device ids, ``indicators``:
    indicator ids); ``connection`` holds the names of the :class:`ConnectionState`
    fields that changed, and ``connection_state`` the state at the flush.  It is
    also a read-only mapping kind → ids (``changes["alerts"]``, ``changes.items()``)
    for code that treats every kind alike (the Qt bridge).  The sets are handed over
    by the stores, not copied: read them, do not change them.
    """

    KINDS: ClassVar[tuple[str, ...]] = ("alerts", "devices", "readings", "cameras", "indicators",
                                        "incidents", "tasks", "notices", "units", "connection")

    alerts: AbstractSet[str] = frozenset()
    devices: AbstractSet[str] = frozenset()
    readings: AbstractSet[str] = frozenset()
    cameras: AbstractSet[str] = frozenset()
    indicators: AbstractSet[str] = frozenset()
    incidents: AbstractSet[str] = frozenset()
    tasks: AbstractSet[str] = frozenset()
    notices: AbstractSet[str] = frozenset()
    units: AbstractSet[str] = frozenset()
    connection: AbstractSet[str] = frozenset()
    connection_state: ConnectionState = field(default_factory=ConnectionState)

    @property
    def empty(self) -> bool:
        """True when no kind changed."""
        return not any(getattr(self, kind) for kind in self.KINDS)

    def __getitem__(self, kind: str) -> AbstractSet[str]:
        if kind not in self.KINDS:
            raise KeyError(kind)
        ids: AbstractSet[str] = getattr(self, kind)
        return ids

    def __iter__(self) -> Iterator[str]:
        return iter(self.KINDS)

    def __len__(self) -> int:
        return len(self.KINDS)


@dataclass
class OperatingPicture:
    """Every store of the console, plus the connection state; views read it, never write it."""

    alerts: AlertStore = field(default_factory=AlertStore)
    devices: LocatedStore[Device] = field(default_factory=LocatedStore)
    readings: ReadingStore = field(default_factory=ReadingStore)
    cameras: CameraStore = field(default_factory=CameraStore)
    indicators: IndicatorStore = field(default_factory=IndicatorStore)
    incidents: RevStore[Incident] = field(default_factory=RevStore)
    tasks: RevStore[Task] = field(default_factory=RevStore)
    notices: NoticeStore = field(default_factory=NoticeStore)
    units: dict[str, Unit] = field(default_factory=dict)
    connection: ConnectionState = field(default_factory=ConnectionState)
    clock: Clock = field(default_factory=Clock, repr=False, compare=False)
    """The workstation's wall clock and the gateway's, estimated from the stream (console.clock)."""
    _units_changed: set[str] = field(default_factory=set)
    _connection_changed: set[str] = field(default_factory=set)
    changed: Event[[PictureChanges]] = field(default_factory=lambda: Event("picture.changed"),
                                             repr=False, compare=False)
    """Emitted by :meth:`flush` with what changed since the previous flush (never empty)."""

    def __post_init__(self) -> None:
        self.alerts.clock = self.clock  # one clock: the queue's countdowns and the status bar agree

    def apply(self, envelope: Envelope) -> bool:
        """Apply one validated envelope; returns True when something changed."""
        # ``type`` is the union's tag: each branch knows its payload's model.
        if envelope.type == "alert.upsert":
            return self.alerts.apply(envelope.payload)
        if envelope.type == "device.upsert":
            return self.devices.apply(envelope.payload)
        if envelope.type == "reading.batch":
            self.readings.add(envelope.payload.readings)
            return True
        if envelope.type == "camera.upsert":
            return self.cameras.apply(envelope.payload)
        if envelope.type == "indicator.values":
            self.indicators.add(envelope.payload.values)
            return True
        if envelope.type == "incident.upsert":
            return self.incidents.apply(envelope.payload)
        if envelope.type == "task.upsert":
            return self.tasks.apply(envelope.payload)
        if envelope.type == "notice":
            p = envelope.payload
            self.notices.add(p)
            if self.connection.district_link is not None and p.id.startswith(("link-down-", "link-up-")):
                # Only a street node's own consoles track the link; the district's see these as news.
                self.set_connection(district_link="cut" if p.id.startswith("link-down-") else "linked",
                                    district_link_since=envelope.ts)
            return True
        return False  # reset: the source acts on it

    def load_snapshot(self, snapshot: Snapshot) -> None:
        """Replace the state with a gateway snapshot (objects absent from it are removed)."""
        self.alerts.replace_all(snapshot.alerts)
        self.devices.replace_all(snapshot.devices)
        self.cameras.replace_all(snapshot.cameras)
        self.incidents.replace_all(snapshot.incidents)
        self.tasks.replace_all(snapshot.tasks)
        if snapshot.indicators:
            self.indicators.add(snapshot.indicators)
        units = {u.id: u for u in snapshot.units}
        self._units_changed |= set(units) ^ set(self.units) | {k for k in units if self.units.get(k) != units[k]}
        self.units = units
        node = snapshot.node
        self.set_connection(data_as_of=snapshot.generated_at,
                            district_link=node.district_link if node is not None else None,
                            district_link_since=node.since if node is not None else None)

    def set_connection(self, **fields: Any) -> None:
        """Update connection fields (unknown names are an error, to catch typos).

        The state object is replaced, never mutated, so a ConnectionState handed to
        a view stays as it was; nothing is reported when no value differs.
        """
        current = self.connection
        changed: dict[str, Any] = {}
        for name, value in fields.items():
            if name not in _CONNECTION_FIELDS:
                raise TypeError(f"unknown connection field: {name}")
            if getattr(current, name) != value:
                changed[name] = value
        if changed:
            self.connection = dataclasses.replace(current, **changed)
            self._connection_changed.update(changed)

    def drain_changes(self) -> PictureChanges:
        """What changed since the last call (or flush), handed over without notifying anyone."""
        units, self._units_changed = self._units_changed, set()
        conn, self._connection_changed = self._connection_changed, set()
        return PictureChanges(
            alerts=self.alerts.drain_changes(),
            devices=self.devices.drain_changes(),
            readings=self.readings.drain_changes(),
            cameras=self.cameras.drain_changes(),
            indicators=self.indicators.drain_changes(),
            incidents=self.incidents.drain_changes(),
            tasks=self.tasks.drain_changes(),
            notices=self.notices.drain_changes(),
            units=units,
            connection=conn,
            connection_state=self.connection,
        )

    def flush(self) -> PictureChanges:
        """Drain the changes and, when there are any, emit them on :attr:`changed`.

        The caller sets the rate (the Qt bridge: a timer, ten times a second), so a
        burst of a thousand envelopes reaches the views as one change set.
        """
        changes = self.drain_changes()
        if not changes.empty:
            self.changed.emit(changes)
        return changes

    def state_bodies_of(self, kind: str) -> list[tuple[str, str]]:
        """One kind of :meth:`state_bodies` ("alerts", …, "units", "indicators")."""
        if kind == "units":
            return [(u.id, u.model_dump_json()) for u in self.units.values()]
        if kind == "indicators":
            return [(f"{v.indicator_id}@{v.street or ''}", v.model_dump_json()) for v in self.indicators.values()]
        store: RevStore[Any] = getattr(self, kind)
        return [(i.id, store.body_of(i)) for i in store.values()]

    def state_bodies(self) -> dict[str, list[tuple[str, str]]]:
        """The revisioned stores as (id, JSON) pairs, for the snapshot tables."""
        out: dict[str, list[tuple[str, str]]] = {}
        stores: tuple[tuple[str, RevStore[Any]], ...] = (
            ("alerts", self.alerts), ("devices", self.devices), ("cameras", self.cameras),
            ("incidents", self.incidents), ("tasks", self.tasks))
        for kind, store in stores:
            out[kind] = [(i.id, store.body_of(i)) for i in store.values()]
        out["units"] = [(u.id, u.model_dump_json()) for u in self.units.values()]
        out["indicators"] = [(f"{v.indicator_id}@{v.street or ''}", v.model_dump_json())
                             for v in self.indicators.values()]
        return out

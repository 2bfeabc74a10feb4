"""Filter, search, urgency order and storm grouping of the alert queue, in the core.

A ``QSortFilterProxyModel`` over 100,000 Python rows froze the UI for seconds
(docs/pitfalls.md), and even a plain Python pass over 100,000 alerts costs hundreds of
milliseconds on the duty machine. So the facts a query looks at are kept in
columns (numpy arrays, one slot per alert, updated only for the alerts that
changed) and a query is a handful of vector operations: masks for the filters,
one ``lexsort`` for the order, ``bincount`` for the storm groups. Full-text search
runs ``str.find`` over one joined lower-cased text (C speed, Chinese works as is)
and maps the hits back to slots. The text also holds the pinyin and initials of
the title, the places and the unit, computed once per alert revision
(``console.pinyin``), so ``maluan`` and ``ml`` find 马峦.

Order: overdue open alerts first (earliest deadline first), then open before
resolved/closed, red → blue, oldest first, then arrival.

Also here, so the queue's views hold no rules of their own: the counts of the count
line (:class:`QueueCounts`), which alerts flash, the filter the operator's choices
describe (:func:`filter_from_choices`), the time cell (:func:`time_text`) and the
cameras listed beside an alert (:func:`cameras_near`).

Storm grouping: open alerts from the same device (one device = one metric here),
or of the same category in the same community, created in the same window
(``group_window_s``), become one row led by the most urgent member with a count;
a group can be expanded to show its members. Nothing is hidden without trace:
:class:`QueryResult` counts what was grouped and what the filters left out.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from typing import Any

import numpy as np
import numpy.typing as npt

from console import pinyin
from console.workflow import OPEN_STATUSES, Limits
from district.vocabulary import CLOSED_STATUSES, DISTRICT_TZ, LEVEL_RANK, haversine_m

log = logging.getLogger(__name__)

GROUP_WINDOW_S = 600.0
"""Alerts of one storm key created within the same 10 minutes form one group."""

_SEP = "\x00"

COMPACT_MIN_SLOTS = 4_096
"""Slots of alerts gone from the store are reclaimed (the columns rebuilt) once there are
more than this many slots and over half of them are dead: a rebuild of 4,000 alerts costs
milliseconds, and a console on duty for weeks no longer keeps a slot per alert ever seen."""


@dataclass(frozen=True)
class AlertFilter:
    """What the operator asked to see; an empty set means "any"."""

    levels: frozenset[str] = frozenset()
    sources: frozenset[str] = frozenset()
    categories: frozenset[str] = frozenset()
    streets: frozenset[str] = frozenset()
    communities: frozenset[str] = frozenset()
    statuses: frozenset[str] = frozenset()
    since: datetime | None = None  # created at or after
    until: datetime | None = None  # created before
    text: str = ""  # whitespace-separated terms, all must occur

    def is_empty(self) -> bool:
        """True when nothing is filtered."""
        return self == AlertFilter()

    def narrowed_by(self, focus: AlertFilter | None) -> AlertFilter:
        """This filter within a wartime focus (an incident's categories and streets):
        the operator's own choice of category or street wins, else the focus's applies."""
        if focus is None:
            return self
        return replace(self, categories=self.categories or focus.categories, streets=self.streets or focus.streets)


OPEN_CHOICE = "open"
"""The status choice that stands for every open status (未办结)."""


def filter_from_choices(*, level: str | None = None, source: str | None = None, category: str | None = None,
                        street: str | None = None, community: str | None = None, status: str | None = None,
                        window_s: float | None = None, text: str = "", now: datetime | None = None) -> AlertFilter:
    """The filter the queue's controls describe: one value per box (None = any), the
    status :data:`OPEN_CHOICE` for every open status, a time window of the last
    ``window_s`` seconds before ``now``, and the search text."""

    def one(value: str | None) -> frozenset[str]:
        return frozenset({value}) if value else frozenset()

    statuses = frozenset(OPEN_STATUSES) if status == OPEN_CHOICE else one(status)
    since = (now or datetime.now(timezone.utc)) - timedelta(seconds=window_s) if window_s else None
    return AlertFilter(levels=one(level), sources=one(source), categories=one(category), streets=one(street),
                       communities=one(community), statuses=statuses, since=since, text=text)


FLASH_LEVELS = frozenset({"red", "orange"})
"""New alerts of these levels flash (and may beep) until acknowledged."""


def flashes(alert: Any) -> bool:
    """Whether ``alert`` flashes in the queue: new, and red or orange."""
    return bool(alert.status == "new" and alert.level in FLASH_LEVELS)


def time_text(created: datetime, now: datetime) -> str:
    """The queue's time cell: ``HH:MM:SS`` for today (district time), ``MM-DD HH:MM`` for earlier days."""
    local = created.astimezone(DISTRICT_TZ)
    if local.date() == now.astimezone(DISTRICT_TZ).date():
        return local.strftime("%H:%M:%S")
    return local.strftime("%m-%d %H:%M")


class QueueCounts:
    """The count line's numbers (all alerts, awaiting acknowledgement, red ones still
    open, flashing ones), kept from the change sets so an update costs O(changed)
    instead of a pass over the whole store."""

    def __init__(self) -> None:
        self._status_level: dict[str, tuple[str, str]] = {}
        self.new = 0
        self.red_open = 0
        self.flashing = 0

    def __len__(self) -> int:
        return len(self._status_level)

    def reset(self, alerts: Iterable[Any]) -> None:
        """Count ``alerts`` from scratch."""
        self._status_level.clear()
        self.new = self.red_open = self.flashing = 0
        for alert in alerts:
            self._add(alert.id, alert.status, alert.level)

    def update(self, alert_id: str, alert: Any | None) -> None:
        """``alert_id`` is now ``alert`` (None: gone)."""
        old = self._status_level.pop(alert_id, None)
        if old is not None:
            status, level = old
            self.new -= status == "new"
            self.red_open -= level == "red" and status in OPEN_STATUSES
            self.flashing -= status == "new" and level in FLASH_LEVELS
        if alert is not None:
            self._add(alert_id, alert.status, alert.level)

    def _add(self, alert_id: str, status: str, level: str) -> None:
        self._status_level[alert_id] = (status, level)
        self.new += status == "new"
        self.red_open += level == "red" and status in OPEN_STATUSES
        self.flashing += status == "new" and level in FLASH_LEVELS


def metres(a: Any, b: Any) -> float:
    """Distance in metres between two GeoPoints (the district's haversine)."""
    return haversine_m(a.lon, a.lat, b.lon, b.lat)


def cameras_near(alert: Any, cameras: Mapping[str, Any], limit: int) -> list[tuple[str, float | None]]:
    """The cameras to list beside ``alert``: its own first, then the nearest others up to
    ``limit`` in all, each with its distance in metres (None when either position is unknown)."""
    chosen: list[tuple[str, float | None]] = [(c, None) for c in alert.camera_ids]
    if alert.location is None:
        return chosen
    near = sorted((metres(c.location, alert.location), c.id) for c in cameras.values()
                  if c.id not in alert.camera_ids)
    chosen += [(cid, d) for d, cid in near[:max(0, limit - len(chosen))]]
    for i, (cid, d) in enumerate(chosen):
        cam = cameras.get(cid)
        if d is None and cam is not None:
            chosen[i] = (cid, metres(cam.location, alert.location))
    return chosen


def place_names_of(a: Any, names: Callable[[str, str], str]) -> tuple[str, str, str, str]:
    """The category, street, community and unit of an alert as the operator reads them."""
    return (names("category", a.category), names("street", a.street or ""), names("community", a.community or ""),
            names("unit", a.assigned_unit or ""))


def search_text(a: Any, names: Callable[[str, str], str]) -> str:
    """What a text search looks in for one alert (lower-cased): id, title, description,
    place and unit names, device and the timeline's notes. The archive of aged-out alerts
    (``offline_cache.archive``) keeps the same text, so a search finds them alike."""
    return " ".join((a.id, a.title, a.description, *place_names_of(a, names), a.device_id or "",
                     " ".join(note.text for note in a.timeline))).lower().replace(_SEP, " ")


ARCHIVE_HITS_SHOWN = 500
"""Archived alerts one search lists at most (newest first); more means: narrow the search."""


def search_archive(archive: Any, flt: AlertFilter, limit: int = ARCHIVE_HITS_SHOWN) -> list[Any]:
    """Alerts that aged out of the live picture (``offline_cache.archive.AlertArchive``)
    and match ``flt``: its text terms, levels, streets, categories and time range (all
    archived alerts are closed, so a status filter without ``closed`` finds none). Newest first."""
    from console.models import Alert

    if flt.statuses and "closed" not in flt.statuses:
        return []
    bodies = archive.search(flt.text.lower().split(), since=flt.since.timestamp() if flt.since else None,
                            until=flt.until.timestamp() if flt.until else None, levels=flt.levels,
                            streets=flt.streets, categories=flt.categories, limit=limit)
    out = []
    for body in bodies:
        a = Alert.model_validate_json(body)
        if flt.sources and a.source not in flt.sources or flt.communities and a.community not in flt.communities:
            continue
        out.append(a)
    return out


@dataclass
class QueryResult:
    """Rows to show plus the counts that make grouping and filtering visible.

    ``ids[i]`` is the alert of row ``i``; ``counts[i]`` is the size of its group
    (1 for a single alert); ``kinds[i]`` is 0 single, 1 group leader, 2 member.
    """

    ids: list[str]
    counts: npt.NDArray[np.int64]
    kinds: npt.NDArray[np.int8]
    group_of: dict[str, int]  # leader or member alert id → group code
    matched: int  # alerts that passed the filter
    total: int  # alerts in the store
    grouped: int  # alerts folded into a collapsed group row
    groups: int  # group rows
    overdue: int  # matching open alerts past their time limit
    members: dict[int, list[str]] = field(default_factory=dict)  # group code → ids, leader first


class _Codes:
    """Interns strings as small ints so filters compare integers."""

    def __init__(self) -> None:
        self.code: dict[Any, int] = {}

    def of(self, value: Any) -> int:
        c = self.code.get(value)
        if c is None:
            c = self.code[value] = len(self.code)
        return c

    def lookup(self, values: Iterable[Any]) -> npt.NDArray[np.int32]:
        return np.array([self.code[v] for v in values if v in self.code], dtype=np.int32)


class AlertQuery:
    """Queries over an ``AlertStore``; ``names(kind, id)`` gives the Chinese names the
    search text includes (kind ``category``/``street``/``community``/``unit``), so
    "内涝 马峦" finds alerts by what the operator reads on screen.

    Call :meth:`update` with the ids the notifier reported (None = everything).
    """

    def __init__(self, store: Any, limits: Limits | None = None,
                 names: Callable[[str, str], str] | None = None,
                 group_window_s: float = GROUP_WINDOW_S) -> None:
        self.store = store
        self.limits = limits if limits is not None else Limits.from_catalogue()
        self.names = names or (lambda _kind, ident: ident)
        self.group_window_s = group_window_s
        self.compactions = 0
        self._clear()
        self.update(None)

    def _clear(self) -> None:
        self._slot: dict[str, int] = {}
        self._ids: list[str] = []
        self._texts: list[str] = []
        self._py_texts: list[str] = []  # pinyin and initials, searched for ASCII terms only
        self._codes = {k: _Codes() for k in ("source", "category", "street", "community", "status", "group")}
        cap = 1024
        self._alive = np.zeros(cap, dtype=bool)
        self._rev = np.zeros(cap, dtype=np.int64)
        self._level = np.zeros(cap, dtype=np.int8)
        self._done = np.zeros(cap, dtype=bool)
        self._col = {k: np.zeros(cap, dtype=np.int32) for k in ("source", "category", "street", "community", "status")}
        self._created = np.zeros(cap, dtype=np.float64)
        self._deadline = np.zeros(cap, dtype=np.float64)
        self._group = np.full(cap, -1, dtype=np.int32)
        self._id_arr = np.empty(cap, dtype=object)
        self._joined: str | None = None
        self._starts: npt.NDArray[np.int64] = np.zeros(0, dtype=np.int64)
        self._py_joined: str | None = None
        self._py_starts: npt.NDArray[np.int64] = np.zeros(0, dtype=np.int64)

    # ------------------------------------------------------------------ facts

    def _grow(self, need: int) -> None:
        cap = len(self._alive)
        if need <= cap:
            return
        new = max(need, cap * 2)

        def grown(a: npt.NDArray[Any], fill: Any = 0) -> npt.NDArray[Any]:
            b = np.full(new, fill, dtype=a.dtype)
            b[:cap] = a
            return b

        self._alive, self._rev, self._level, self._done = (grown(self._alive), grown(self._rev),
                                                            grown(self._level), grown(self._done))
        self._col = {k: grown(v) for k, v in self._col.items()}
        self._created, self._deadline = grown(self._created), grown(self._deadline)
        self._group = grown(self._group, -1)
        self._id_arr = grown(self._id_arr, None)

    def update(self, changed: Iterable[str] | None) -> None:
        """Bring the columns up to date for ``changed`` alerts (None = the whole store)."""
        store = self.store
        if changed is None:
            # Store order first, so that slots (the last tie-break of the order) follow arrival.
            known = store.ids()
            ids: Iterable[str] = known + [a for a in self._slot if a not in store]
        else:
            ids = changed
        for alert_id in ids:
            alert = store.get(alert_id)
            slot = self._slot.get(alert_id)
            if alert is None:
                if slot is not None and self._alive[slot]:
                    self._alive[slot] = False
                    self._texts[slot] = ""
                    self._py_texts[slot] = ""
                    self._joined = self._py_joined = None
                continue
            if slot is None:
                slot = len(self._ids)
                self._grow(slot + 1)
                self._slot[alert_id] = slot
                self._ids.append(alert_id)
                self._id_arr[slot] = alert_id
                self._texts.append("")
                self._py_texts.append("")
            elif self._alive[slot] and self._rev[slot] == alert.rev:
                continue
            self._set(slot, alert)
        n = len(self._ids)
        if n > COMPACT_MIN_SLOTS and n - int(np.count_nonzero(self._alive[:n])) > n // 2:
            self._compact()

    def _compact(self) -> None:
        """Start the columns again from the store: more than half the slots belonged to
        alerts that left it (aged out, removed by a snapshot), and their ids, texts and
        storm keys would otherwise be kept for the life of the console."""
        self._clear()
        self.compactions += 1
        self.update(None)

    def _set(self, slot: int, a: Any) -> None:
        codes = self._codes
        self._alive[slot] = True
        self._rev[slot] = a.rev
        self._level[slot] = LEVEL_RANK.get(a.level, 9)
        self._done[slot] = a.status in CLOSED_STATUSES
        self._col["source"][slot] = codes["source"].of(a.source)
        self._col["category"][slot] = codes["category"].of(a.category)
        self._col["street"][slot] = codes["street"].of(a.street or "")
        self._col["community"][slot] = codes["community"].of(a.community or "")
        self._col["status"][slot] = codes["status"].of(a.status)
        created = a.created_at.timestamp()
        self._created[slot] = created
        deadline = self.limits.deadline_ts(a.category, a.status, created)
        self._deadline[slot] = np.inf if deadline is None else deadline
        key: tuple[str, ...] | None = None
        if a.status in OPEN_STATUSES:
            bucket = str(int(created // self.group_window_s))
            if a.device_id:
                key = ("device", a.device_id, bucket)
            elif a.community:
                key = ("area", a.category, a.community, bucket)
        self._group[slot] = -1 if key is None else codes["group"].of(key)
        names = place_names_of(a, self.names)
        self._texts[slot] = search_text(a, self.names)
        # Pinyin and initials of the title, places and unit (``maluan``, ``ml`` → 马峦), apart:
        # Chinese terms never scan them.
        self._py_texts[slot] = " ".join((pinyin.text_forms(a.title), *(pinyin.name_forms(x) for x in names)))
        self._joined = self._py_joined = None

    def group_code_of(self, alert_id: str) -> int | None:
        """The storm group code of an alert (None when it belongs to none)."""
        slot = self._slot.get(alert_id)
        if slot is None or not self._alive[slot] or self._group[slot] < 0:
            return None
        return int(self._group[slot])

    def group_key(self, code: int) -> tuple[str, ...] | None:
        """The (kind, …) key behind a group code."""
        for key, c in self._codes["group"].code.items():
            if c == code:
                return key
        return None

    # ------------------------------------------------------------------ search

    @staticmethod
    def _join(texts: list[str]) -> tuple[str, npt.NDArray[np.int64]]:
        lengths = np.fromiter((len(t) + 1 for t in texts), dtype=np.int64, count=len(texts))
        starts = np.concatenate(([0], np.cumsum(lengths)[:-1])) if len(lengths) else lengths
        return _SEP.join(texts), starts

    @staticmethod
    def _slots_with(term: str, joined: str, starts: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """Slots whose text holds ``term``: ``str.find`` over the joined text, one hit per
        alert (after a hit the search jumps to the next alert)."""
        find = joined.find
        hits: list[int] = []
        pos = find(term)
        while pos >= 0:
            hits.append(pos)
            end = find(_SEP, pos)
            if end < 0:
                break
            pos = find(term, end)
        return np.searchsorted(starts, np.array(hits, dtype=np.int64), side="right") - 1

    def _text_mask(self, terms: list[str], n: int) -> npt.NDArray[np.bool_]:
        """Slots whose text holds every term. A term in ASCII letters may also match the
        pinyin or initials; the rarest term is looked up first, the others are checked on
        its candidates only."""
        if self._joined is None:
            self._joined, self._starts = self._join(self._texts)
        if self._py_joined is None:
            self._py_joined, self._py_starts = self._join(self._py_texts)
        joined, py_joined = self._joined, self._py_joined
        terms = sorted(set(terms), key=lambda t: joined.count(t) + (py_joined.count(t) if t.isascii() else 0))
        first, others = terms[0], terms[1:]
        slots = self._slots_with(first, joined, self._starts)
        if first.isascii():
            slots = np.union1d(slots, self._slots_with(first, py_joined, self._py_starts))
        if others:
            texts, py_texts = self._texts, self._py_texts
            slots = np.array([s for s in slots.tolist()
                              if all(t in texts[s] or (t.isascii() and t in py_texts[s]) for t in others)],
                             dtype=np.int64)
        mask = np.zeros(n, dtype=bool)
        mask[slots] = True
        return mask

    # ------------------------------------------------------------------ query

    def run(self, flt: AlertFilter = AlertFilter(), now: datetime | None = None, *,
            group: bool = True, expanded: Iterable[int] = ()) -> QueryResult:
        """The rows to show for ``flt`` at ``now``: overdue first, then urgency order;
        storms folded into group rows unless ``group`` is False or the group is in
        ``expanded`` (group codes)."""
        n = len(self._ids)
        now_ts = (now or self.store.clock.gateway_now()).timestamp()  # the gateway's time: skew-proof
        mask = self._alive[:n].copy()
        if flt.levels:
            mask &= np.isin(self._level[:n], [LEVEL_RANK.get(x, 9) for x in flt.levels])
        for name, wanted in (("source", flt.sources), ("category", flt.categories), ("street", flt.streets),
                             ("community", flt.communities), ("status", flt.statuses)):
            if wanted:
                mask &= np.isin(self._col[name][:n], self._codes[name].lookup(wanted))
        created = self._created[:n]
        if flt.since is not None:
            mask &= created >= flt.since.timestamp()
        if flt.until is not None:
            mask &= created < flt.until.timestamp()
        terms = [t for t in flt.text.lower().split() if t]
        if terms:
            mask &= self._text_mask(terms, n)
        sel = np.flatnonzero(mask)
        deadline = self._deadline[sel]
        late = deadline < now_ts
        k1 = (~late).astype(np.int8)
        k2 = np.where(late, deadline, self._done[sel].astype(np.float64))
        k3 = np.where(late, 0, self._level[sel])
        k4 = created[sel]
        order = sel[np.lexsort((sel, k4, k3, k2, k1))]
        matched, overdue = len(order), int(late.sum())
        ids = self._ids
        if not group or matched == 0:
            return QueryResult(self._id_arr[order].tolist(), np.ones(matched, dtype=np.int64),
                               np.zeros(matched, dtype=np.int8), {}, matched, len(self.store), 0, 0, overdue)
        g = self._group[order]
        has = g >= 0
        sizes = np.bincount(g[has], minlength=1) if has.any() else np.zeros(1, dtype=np.int64)
        size_of = np.where(has, sizes[np.where(has, g, 0)], 1)
        storm = size_of >= 2
        # The first position of each group in the order is its leader.
        _, first = np.unique(np.where(storm, g, -1), return_index=True)
        leader = np.zeros(matched, dtype=bool)
        leader[first] = True
        keep = ~storm | leader
        kinds = np.where(storm, 1, 0).astype(np.int8)
        open_codes = set(expanded)
        members: dict[int, list[str]] = {}
        group_of: dict[str, int] = {}
        storm_pos = np.flatnonzero(storm)
        groups = int((leader & storm).sum())
        grouped_total = int(storm.sum()) - groups
        rows = order[keep]
        row_ids = self._id_arr[rows].tolist()
        counts = size_of[keep].astype(np.int64)
        kinds = kinds[keep]
        leader_pos = np.flatnonzero(leader & storm)
        for pos in leader_pos.tolist():
            group_of[ids[order[pos]]] = int(g[pos])
        if not open_codes:
            return QueryResult(row_ids, counts, kinds, group_of, matched, len(self.store), grouped_total,
                               groups, overdue)
        # Expanded groups: their members go right under the leader (few groups, so a
        # handful of list splices rather than a pass over every row).
        storm_pos = np.flatnonzero(storm)
        inserts: list[tuple[int, list[str]]] = []
        grouped = grouped_total
        for code in open_codes:
            pos = storm_pos[g[storm_pos] == code]
            if not len(pos):
                continue
            team = self._id_arr[order[pos]].tolist()
            members[code] = team
            grouped -= len(team) - 1
            for m in team[1:]:
                group_of[m] = code
            inserts.append((row_ids.index(team[0]), team[1:]))  # C-speed scan
        if inserts:
            count_list, kind_list = counts.tolist(), kinds.tolist()
            for at, team in sorted(inserts, reverse=True):
                row_ids[at + 1:at + 1] = team
                count_list[at + 1:at + 1] = [1] * len(team)
                kind_list[at + 1:at + 1] = [2] * len(team)
            counts = np.array(count_list, dtype=np.int64)
            kinds = np.array(kind_list, dtype=np.int8)
        return QueryResult(row_ids, counts, kinds, group_of, matched, len(self.store), grouped, groups,
                           overdue, members)

    def members_of(self, code: int, flt: AlertFilter = AlertFilter(), now: datetime | None = None) -> list[str]:
        """Every alert of one storm group (leader first) under ``flt``."""
        result = self.run(flt, now, group=True, expanded=[code])
        return result.members.get(code, [])


class PlaceNames:
    """Names of categories, streets, communities and units from the bundled catalogue
    (``console.catalogue``) and, for units, the feed's directory first.

    Called as ``names(kind, id)`` (kind: category, street, community, unit), the lookup
    :class:`AlertQuery`, the search text and the duty exports take. Unknown ids fall
    back to the id itself, so a gateway ahead of the bundled catalogue still shows
    something meaningful; a broken catalogue leaves ids rather than stopping the queue.
    """

    def __init__(self, units: Mapping[str, Any] | None = None, *, english: bool = False) -> None:
        # The catalogue carries both languages (units have one name).
        self.categories: dict[str, str] = {}
        self.streets: dict[str, str] = {}
        self.communities: dict[str, str] = {}
        self.units: dict[str, str] = {}
        self._directory = units
        try:
            from console import catalogue

            def named(item: Any) -> str:
                return str((item.name_en if english else item.name_zh) or item.id)

            for cat in catalogue.categories():
                self.categories[cat.id] = named(cat)
            for street in catalogue.streets():
                self.streets[street.id] = named(street)
                for comm in street.communities:
                    self.communities[comm.id] = named(comm)
            self.units = {u.id: u.name for u in catalogue.units()}
        except Exception:  # the catalogue is static data; a broken one must not stop the queue
            log.exception("catalogue names unavailable; showing ids")

    def category(self, cid: str | None) -> str:
        return self.categories.get(cid or "", cid or "")

    def street(self, sid: str | None) -> str:
        return self.streets.get(sid or "", sid or "")

    def community(self, cid: str | None) -> str:
        return self.communities.get(cid or "", cid or "")

    def unit(self, uid: str | None) -> str:
        if uid and self._directory and uid in self._directory:
            return str(getattr(self._directory[uid], "name", uid))
        return self.units.get(uid or "", uid or "")

    def lookup(self, kind: str, ident: str) -> str:
        """``names(kind, id)``; an unknown kind answers the id."""
        by_kind = {"category": self.category, "street": self.street, "community": self.community,
                   "unit": self.unit}
        return by_kind[kind](ident) if kind in by_kind else ident

    __call__ = lookup


def names_from_catalogue(units: Mapping[str, Any] | None = None) -> PlaceNames:
    """A ``names`` function over the bundled catalogue (and the feed's unit directory)."""
    return PlaceNames(units)

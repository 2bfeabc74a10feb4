"""Indicator logic the panels show, computed locally and free of Qt.

* Derived metrics of the peacetime closed loop (events today, acknowledged within the
  limit, closure rate, overdue by street, mean time to acknowledge and to resolve),
  computed from the alert store so that the console shows them even when the feed's
  own figures lag or stop. Definitions follow the district's assessment rules and the
  embedded feed's ``_live_values`` so both sides agree on the same alerts.
* Colour state from the catalogue's warn/alarm thresholds, progress to the 2025
  target, change over a window, and stale detection by each indicator's period.
* History of an indicator for a time range (1 h, 24 h, 7 d, 30 d) read from the local
  cache (the journal of accepted ``indicator.values`` envelopes).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable, Mapping, Sequence

from district.alerts import OPEN_STATUSES
from district.vocabulary import DISTRICT_TZ


DONE_STATUSES: tuple[str, ...] = ("resolved", "closed")

DEFAULT_LIMITS: tuple[int, int] = (120, 1440)
"""(ack, resolve) limits in minutes for a category missing from the catalogue."""

DERIVED_IDS: tuple[str, ...] = (
    "events_today",
    "ack_within_limit_rate",
    "closure_rate",
    "overdue_count",
    "mean_ack_min",
    "mean_resolve_min",
)
"""Indicators the console computes itself from the alert store."""

STALE_PERIODS = 3.0
"""A value is stale once it is older than this many of its expected periods: one missed
update is jitter, three in a row mean the source has stopped."""

TIME_RANGES: dict[str, int] = {"1h": 3600, "24h": 86400, "7d": 7 * 86400, "30d": 30 * 86400}
"""The chart's time-range selector, in seconds."""


# --------------------------------------------------------------------------- derived metrics


@dataclass(frozen=True)
class AlertMetrics:
    """The closed-loop figures of one set of alerts at one moment."""

    events_today: int
    ack_within_limit_rate: float
    closure_rate: float
    overdue_count: int
    mean_ack_min: float
    mean_resolve_min: float
    overdue_by_street: dict[str, int] = field(default_factory=dict)
    events_by_street: dict[str, int] = field(default_factory=dict)

    def as_values(self) -> dict[str, float]:
        """The figures keyed by catalogue indicator id."""
        return {
            "events_today": float(self.events_today),
            "ack_within_limit_rate": self.ack_within_limit_rate,
            "closure_rate": self.closure_rate,
            "overdue_count": float(self.overdue_count),
            "mean_ack_min": self.mean_ack_min,
            "mean_resolve_min": self.mean_resolve_min,
        }


def _first_ts(alert: Any, action: str) -> datetime | None:
    for note in getattr(alert, "timeline", ()) or ():
        if note.action == action:
            return note.ts  # type: ignore[no-any-return]
    return None


def derive_alert_metrics(alerts: Iterable[Any], limits: Mapping[str, tuple[int, int]], now: datetime,
                         street: str | None = None) -> AlertMetrics:
    """Closed-loop metrics of ``alerts`` at ``now`` (optionally of one street).

    * events today: created since local (Beijing) midnight;
    * overdue: still new past the category's acknowledge limit, or still open past
      its resolve limit (counted once), also broken down by street;
    * acknowledged within limit: of alerts created in the last 24 h, those whose first
      acknowledgement came within the limit, over those acknowledged plus those still
      unacknowledged past the limit (100 % when none count yet);
    * mean time to acknowledge / resolve: minutes from creation to the first
      ``acknowledge`` / ``resolve`` note, over alerts of the last 24 h that have one;
    * closure rate: resolved or closed among alerts created in the last 24 h.
    """
    local_now = now.astimezone(DISTRICT_TZ)
    midnight = local_now.replace(hour=0, minute=0, second=0, microsecond=0)
    day_ago = now - timedelta(hours=24)
    today = 0
    overdue = 0
    overdue_by_street: dict[str, int] = {}
    events_by_street: dict[str, int] = {}
    ack_ok = ack_bad = 0
    ack_mins: list[float] = []
    res_mins: list[float] = []
    recent = closed = 0
    for a in alerts:
        if street is not None and a.street != street:
            continue
        ack_limit, res_limit = limits.get(a.category, DEFAULT_LIMITS)
        age_min = (now - a.created_at).total_seconds() / 60
        if a.created_at >= midnight:
            today += 1
            if a.street:
                events_by_street[a.street] = events_by_street.get(a.street, 0) + 1
        late = (a.status == "new" and age_min > ack_limit) or (a.status in OPEN_STATUSES and age_min > res_limit)
        if late:
            overdue += 1
            key = a.street or ""
            overdue_by_street[key] = overdue_by_street.get(key, 0) + 1
        if a.created_at < day_ago:
            continue
        recent += 1
        if a.status in DONE_STATUSES:
            closed += 1
        ack_ts = _first_ts(a, "acknowledge")
        if ack_ts is not None:
            m = (ack_ts - a.created_at).total_seconds() / 60
            ack_mins.append(m)
            if m <= ack_limit:
                ack_ok += 1
            else:
                ack_bad += 1
        elif age_min > ack_limit:
            ack_bad += 1
        res_ts = _first_ts(a, "resolve")
        if res_ts is not None:
            res_mins.append((res_ts - a.created_at).total_seconds() / 60)
    return AlertMetrics(
        events_today=today,
        ack_within_limit_rate=100.0 * ack_ok / (ack_ok + ack_bad) if ack_ok + ack_bad else 100.0,
        closure_rate=100.0 * closed / recent if recent else 100.0,
        overdue_count=overdue,
        mean_ack_min=sum(ack_mins) / len(ack_mins) if ack_mins else 0.0,
        mean_resolve_min=sum(res_mins) / len(res_mins) if res_mins else 0.0,
        overdue_by_street=overdue_by_street,
        events_by_street=events_by_street,
    )


def category_limits(categories: Iterable[Any]) -> dict[str, tuple[int, int]]:
    """Category id → (ack limit, resolve limit) in minutes, from the catalogue."""
    return {c.id: (int(c.ack_limit_min), int(c.resolve_limit_min)) for c in categories}


# --------------------------------------------------------------------------- state, progress, change


def threshold_state(value: float | None, direction: str, warn: float | None, alarm: float | None) -> str:
    """"ok", "warn", "alarm" from the catalogue thresholds, or "none" without a value.

    The limits are inclusive: a value *at* the alarm line is in alarm (a 90 % online
    rate with alarm 90 is already the failure the line describes)."""
    if value is None:
        return "none"
    lower_better = direction == "lower"

    def crossed(limit: float | None) -> bool:
        if limit is None:
            return False
        return value >= limit if lower_better else value <= limit

    if crossed(alarm):
        return "alarm"
    if crossed(warn):
        return "warn"
    return "ok"


def progress_to_target(value: float | None, direction: str, target: float | None) -> float | None:
    """Share of the way to the 2025 target, 0..1 (None when there is no target)."""
    if value is None or target is None:
        return None
    if direction == "lower":
        if value <= 0:
            return 1.0
        return max(0.0, min(1.0, target / value)) if target > 0 else (1.0 if value <= 0 else 0.0)
    if target <= 0:
        return 1.0
    return max(0.0, min(1.0, value / target))


def change_over(points: Sequence[tuple[float, float]], window_s: float) -> float | None:
    """Latest value minus the value ``window_s`` before it (or the oldest one held when
    the history is shorter); None with fewer than two points. ``points`` are
    (epoch seconds, value), oldest first."""
    if len(points) < 2:
        return None
    t_last, v_last = points[-1]
    start = t_last - window_s
    ref = points[0][1]
    for t, v in points:
        if t >= start:
            ref = v
            break
    return v_last - ref


def change_is_good(delta: float | None, direction: str) -> bool | None:
    """Whether a change moves the indicator the right way (None: no change)."""
    if delta is None or abs(delta) < 1e-9:
        return None
    return delta < 0 if direction == "lower" else delta > 0


def is_stale(ts: datetime | None, period_s: float, now: datetime, periods: float = STALE_PERIODS) -> bool:
    """True when a value stamped ``ts`` is older than ``periods`` of its expected period.

    A value without a time stamp is not stale but absent (the caller shows "no data")."""
    if ts is None:
        return False
    return (now - ts).total_seconds() > periods * max(float(period_s), 1.0)


# --------------------------------------------------------------------------- history from the cache


def _parse_ts(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        ts = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return ts if ts.tzinfo is not None else ts.replace(tzinfo=timezone.utc)


def _seq_at_or_after(conn: Any, since: datetime, lo: int, hi: int) -> int:
    """Smallest journal seq in [lo, hi] whose envelope time is >= ``since``.

    Envelope times grow with seq (the feed stamps them as it sends), so a binary search
    over the primary key finds the start of a range in ~log2(n) indexed lookups instead
    of a scan of the whole journal."""
    while lo < hi:
        mid = (lo + hi) // 2
        row = conn.execute("SELECT seq, ts FROM journal WHERE seq >= ? ORDER BY seq LIMIT 1", (mid,)).fetchone()
        if row is None:
            hi = mid
            continue
        ts = _parse_ts(row[1])
        if ts is not None and ts >= since:
            hi = mid
        else:
            lo = int(row[0]) + 1 if int(row[0]) >= mid else mid + 1
    return lo


SAMPLED_ROWS = 1000
"""Indicator envelopes read for a range too long to read whole (see ``read_history``)."""


def _sampled_bodies(conn: Any, first: int, upto: int, samples: int) -> list[str]:
    """Bodies of about ``samples`` indicator envelopes spread evenly over seq first..upto:
    each is the first ``indicator.values`` row at or after an evenly spaced seq, found
    through the primary key without touching the rows in between."""
    step = max(1, (upto - first + 1) // max(1, samples))
    bodies: list[str] = []
    last = -1
    for target in range(first, upto + 1, step):
        row = conn.execute(
            "SELECT seq, body FROM journal WHERE seq >= ? AND seq <= ? AND type = 'indicator.values' "
            "ORDER BY seq LIMIT 1", (max(target, last + 1), upto)).fetchone()
        if row is None:
            break
        last = int(row[0])
        bodies.append(row[1])
    return bodies


def read_history(journal: Any, indicator_id: str, start: datetime, end: datetime, street: str | None = None,
                 max_points: int = 4000, max_rows: int = 2000, info: dict[str, Any] | None = None,
                 ) -> list[tuple[float, float]]:
    """(epoch seconds, value) of one indicator between ``start`` and ``end``, oldest first,
    read from the journal of the local cache.

    The journal holds an ``indicator.values`` envelope every few seconds (~8 KB each), so
    24 h is ~17,000 of them and 30 days half a million: parsing them all would hold the
    GUI thread for seconds. A range spanning more than ``max_rows`` journal rows is
    therefore *sampled*: ~``SAMPLED_ROWS`` envelopes evenly spread over it, each found by
    primary key (every point is a real value at its real time; short spikes between
    samples can be missed; ``info['sampled']`` tells the caller, and the panel says so). Shorter ranges are read
    whole and thinned to at most ``max_points`` (last value of each equal time bucket)."""
    if journal is None or journal.max_seq() <= 0:
        return []
    conn = journal.cache.conn
    upto = journal.max_seq()
    first = _seq_at_or_after(conn, start, 1, upto + 1)
    if first > upto:
        return []
    needle = f'"{indicator_id}"'
    t0, t1 = start.timestamp(), end.timestamp()
    out: list[tuple[float, float]] = []
    sampled = upto - first + 1 > max_rows
    if info is not None:
        info["sampled"] = sampled
    if sampled:
        bodies: Iterable[str] = _sampled_bodies(conn, first, upto, SAMPLED_ROWS)
    else:
        bodies = (body for _seq, _sid, body in journal.read_types(("indicator.values",), first - 1, upto))
    # Fast path: the wire's compact JSON in model field order, read with a regex (an
    # envelope is ~8 KB and json.loads of it dominates); anything else is parsed fully.
    fast = re.compile('"indicator_id":' + re.escape(json.dumps(indicator_id)) +
                      r',"value":(-?[0-9.eE+-]+),"ts":"([^"]+)","street":(?:null|"([^"]*)")\}')
    for body in bodies:
        if needle not in body:  # most envelopes do carry it, but skip the work when not
            continue
        found = [(m.group(2), m.group(3), m.group(1)) for m in fast.finditer(body)]
        if not found:
            try:
                env = json.loads(body)
            except ValueError:
                continue
            found = [(v.get("ts"), v.get("street"), v.get("value"))
                     for v in env.get("payload", {}).get("values", ()) if v.get("indicator_id") == indicator_id]
        for ts_text, v_street, value in found:
            if v_street != street or value is None:
                continue
            ts = _parse_ts(ts_text)
            if ts is None:
                continue
            t = ts.timestamp()
            if t0 <= t <= t1:
                out.append((t, float(value)))
    out.sort(key=lambda p: p[0])
    return thin(out, t0, t1, max_points)


def thin(points: list[tuple[float, float]], t0: float, t1: float, max_points: int) -> list[tuple[float, float]]:
    """At most ``max_points`` points, the last of each equal-width time bucket."""
    if len(points) <= max_points or max_points <= 0:
        return points
    width = max((t1 - t0) / max_points, 1e-9)
    buckets: dict[int, tuple[float, float]] = {}
    for p in points:
        buckets[int(math.floor((p[0] - t0) / width))] = p
    return [buckets[k] for k in sorted(buckets)]


def merge_history(cached: list[tuple[float, float]], live: Iterable[tuple[float, float]]) -> list[tuple[float, float]]:
    """The cached range extended by in-memory values newer than its last point (the
    journal is flushed a few times a second, so the newest values may not be on disk yet)."""
    last = cached[-1][0] if cached else -math.inf
    return cached + [p for p in live if p[0] > last]


# --------------------------------------------------------------------------- CSV


def series_csv(indicator_id: str, name: str, unit: str, points: Iterable[tuple[float, float]],
               breakdown: Mapping[str, float | None] | None = None) -> str:
    """A panel's data as CSV text (UTF-8 with a BOM is added by the writer, for Excel):
    one row per point with Beijing time, then the street breakdown if given."""
    from console.exports import csv_text  # formula-looking cells escaped

    rows: list[list[str]] = [["indicator_id", "name", "time", "value", "unit", "street"]]
    for t, v in points:
        rows.append([indicator_id, name, datetime.fromtimestamp(t, DISTRICT_TZ).isoformat(timespec="seconds"),
                     f"{v:g}", unit, ""])
    for street, street_value in (breakdown or {}).items():
        if street_value is not None:
            rows.append([indicator_id, name, "", f"{street_value:g}", unit, street])
    return csv_text(rows, lineterminator="\n")

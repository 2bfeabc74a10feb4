"""The indicator fixture shared by the core and UI indicator tests: a fixed clock, seven
alerts whose closed-loop metrics are worked out by hand, and a real cache journal of
indicator envelopes at known ages."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

from console.models import Alert, AlertNote
from district.vocabulary import DISTRICT_TZ


NOW = datetime(2026, 11, 29, 10, 0, tzinfo=DISTRICT_TZ)
"""Fixture clock: 10:00 Beijing time; "today" began 10 h ago, "24 h" at 10:00 yesterday."""


def _alert(aid: str, status: str, category: str, street: str, created: datetime,
           ack_after_min: float | None = None, resolve_after_min: float | None = None) -> Alert:
    notes = [AlertNote(ts=created, actor="12345", action="create")]
    if ack_after_min is not None:
        notes.append(AlertNote(ts=created + timedelta(minutes=ack_after_min), actor="值班员", action="acknowledge"))
    if resolve_after_min is not None:
        notes.append(AlertNote(ts=created + timedelta(minutes=resolve_after_min), actor="值班员", action="resolve"))
    return Alert(id=aid, rev=len(notes), level="yellow", status=status, source="hotline_12345", category=category,
                 title=aid, street=street, created_at=created, updated_at=notes[-1].ts, timeline=tuple(notes))


def fixture_alerts() -> list[Alert]:
    """Seven alerts whose metrics are worked out by hand below (NOW = 10:00)."""
    m = lambda minutes: NOW - timedelta(minutes=minutes)  # noqa: E731
    return [
        _alert("A1", "resolved", "a", "maluan", m(60), ack_after_min=10, resolve_after_min=40),
        _alert("A2", "new", "a", "maluan", m(45)),                      # 45 > 30: overdue, ack late
        _alert("A3", "new", "b", "biling", m(10)),                      # 10 < 15: within limit, not yet counted
        _alert("A4", "in_progress", "b", "biling", m(120), ack_after_min=20),  # acked late (20 > 15)
        _alert("A5", "closed", "a", "pingshan", m(14 * 60), ack_after_min=5, resolve_after_min=600),  # yesterday 20:00
        _alert("A6", "dispatched", "a", "shijing", m(49 * 60), ack_after_min=20),  # 49 h > 1440 min: overdue, old
        _alert("A7", "new", "zzz", "kengzi", m(180)),                   # default limits: 180 > 120: overdue, ack late
    ]


AGES = (timedelta(days=40), timedelta(days=20), timedelta(days=3), timedelta(hours=10), timedelta(minutes=30),
        timedelta(minutes=1))
"""Ages of the fixture's six indicator envelopes; value i+1 for the district, 101+i for 马峦."""


def fill_journal(path: Path, now: datetime = NOW, compact: bool = False) -> object:
    """A real cache whose journal holds the fixture's envelopes (oldest first) plus noise;
    ``compact`` writes them as the wire does (no spaces), else as json.dumps does."""
    from offline_cache.db import open_cache
    from offline_cache.journal import Journal

    cache = open_cache(path)
    journal = Journal(cache)
    for i, age in enumerate(AGES):
        ts = (now - age).isoformat()
        body = {"v": 1, "id": str(2 * i + 1), "ts": ts, "type": "indicator.values", "payload": {"values": [
            {"indicator_id": "aqi_now", "value": i + 1, "ts": ts, "street": None},
            {"indicator_id": "aqi_now", "value": 101 + i, "ts": ts, "street": "maluan"},
            {"indicator_id": "pm25_annual", "value": 18.0, "ts": ts, "street": None}]}}
        text = json.dumps(body, separators=(",", ":")) if compact else json.dumps(body)
        journal.append(str(2 * i + 1), "indicator.values", ts, text)
        journal.append(str(2 * i + 2), "notice", ts, json.dumps({"v": 1, "id": str(2 * i + 2), "ts": ts, "type": "notice",
                                                                  "payload": {"id": "n", "text": "aqi_now"}}))
    journal.flush()
    return journal

"""Call records: who called whom, when, how long, how it ended, linked to what.

A record is one audit-chain entry (action ``call.record``) written when a call ends,
so ``audit verify`` vouches for it and the after-action report reads it back
(:func:`call_records`, :func:`records_for_incident`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Iterable

AUDIT_ACTION = "call.record"

OUTCOME_ZH = {
    "answered": "已接通",
    "busy": "对方忙",
    "no_answer": "无人接听",
    "failed": "呼叫失败",
    "cancelled": "已取消",
    "missed": "未接来电",
    "rejected": "已拒接",
}
"""Outcomes in the report's words (the view has its own translated labels)."""


@dataclass(frozen=True)
class CallRecord:
    """One finished call."""

    call_id: str
    direction: str  # outgoing | incoming
    caller: str  # who called (the seat's operator for an outgoing call, else the caller's name)
    callee: str  # whom
    peer_uri: str
    started_at: str  # ISO 8601, UTC
    answered_at: str | None
    ended_at: str
    duration_s: float  # talking time (0 when never answered)
    outcome: str  # a key of OUTCOME_ZH
    reason: str = ""  # the SIP status or error behind the outcome
    link: str = ""  # alert/incident/task id the call was made about

    def detail(self) -> dict[str, Any]:
        """The audit entry's detail (JSON-able)."""
        return asdict(self)

    @property
    def outcome_zh(self) -> str:
        return OUTCOME_ZH.get(self.outcome, self.outcome)

    @property
    def started(self) -> datetime:
        return datetime.fromisoformat(self.started_at)


def call_records(audit_records: Iterable[Any]) -> list[CallRecord]:
    """Every call in an iterable of :class:`offline_cache.audit_log.AuditRecord`, in order."""
    out: list[CallRecord] = []
    fields = set(CallRecord.__dataclass_fields__)
    for r in audit_records:
        if r.action != AUDIT_ACTION:
            continue
        try:
            out.append(CallRecord(**{k: v for k, v in r.detail.items() if k in fields}))
        except TypeError:
            continue  # a malformed entry is shown by audit verify, not here
    return out


def records_for_incident(records: Iterable[CallRecord], links: set[str], start: datetime,
                         end: datetime | None) -> list[CallRecord]:
    """The calls of one incident: linked to it (or one of its tasks/alerts), or made while
    it ran without any link."""
    out = []
    for rec in records:
        if rec.link:
            if rec.link in links:
                out.append(rec)
        elif rec.started >= start and (end is None or rec.started <= end):
            out.append(rec)
    return out

"""The alert's closed loop (受理 → 签收 → 分拨 → 处置 → 办结 → 闭环) as one table.

Servers refuse a verb whose from-status does not match; the console offers only the
verbs this table allows. Both read :data:`TRANSITIONS` — there is no second copy.
"""

from __future__ import annotations

from typing import Any

from district.vocabulary import ALERT_STATUS_ZH, LEVEL_ZH, LEVELS, OPEN_STATUSES

__all__ = ["LEVEL_UP", "LEVEL_ZH", "OPEN_STATUSES", "STATUS_ZH", "TRANSITIONS", "VERB_ZH", "allowed"]

STATUS_ZH = ALERT_STATUS_ZH
"""The vocabulary's status names (this name stays for callers of the rulebook)."""
LEVEL_UP = {low: high for high, low in zip(LEVELS, LEVELS[1:])}
"""Escalation: blue → yellow → orange → red."""

TRANSITIONS: dict[str, frozenset[str]] = {
    "acknowledge": frozenset({"new"}),
    "dispatch": frozenset({"acknowledged", "dispatched"}),  # re-dispatch to another unit
    "start": frozenset({"dispatched"}),
    "resolve": frozenset({"dispatched", "in_progress"}),
    "close": frozenset({"resolved"}),
    "escalate": frozenset({"new", "acknowledged", "dispatched", "in_progress", "resolved"}),
    "urge": OPEN_STATUSES,
    "merge": frozenset({"new", "acknowledged", "dispatched", "in_progress", "resolved"}),
    "reopen": frozenset({"resolved", "closed"}),
    "note": frozenset({"new", "acknowledged", "dispatched", "in_progress", "resolved", "closed"}),
    "reveal_phone": frozenset({"new", "acknowledged", "dispatched", "in_progress", "resolved", "closed"}),
}
"""Verb → the statuses it may be applied from."""

VERB_ZH = {
    "acknowledge": "签收", "dispatch": "分拨", "start": "开始处置", "resolve": "办结", "close": "闭环",
    "escalate": "升级", "urge": "督办", "merge": "合并", "reopen": "重新打开", "note": "备注",
    "reveal_phone": "查看完整号码",
}


def allowed(alert: Any, verb: str) -> bool:
    """Whether ``verb`` can be applied to ``alert`` (anything with ``status`` and ``level``)."""
    if verb == "escalate" and getattr(alert, "level", "") == "red":
        return False  # already the highest warning level
    return alert.status in TRANSITIONS.get(verb, frozenset())

"""The closed-loop workflow (受理 → 签收 → 分拨 → 办结 → 反馈 → 闭环) as a table the UI reads.

The rulebook (``district.alerts``) holds the state machine that every server
enforces; the console reads the same table to offer only the actions that can
succeed (an operator should not have to learn the rules from refusals). A refusal
still comes back when two consoles race, which is why every command carries
``expected_rev``. This module adds what only the console needs: button labels and
keys, required arguments, deadlines.

Also here, because both the queue and the detail pane need them: the time limits
of a category (签收时限, 办结时限) turned into a deadline, and which units may
receive which category. Pure Python, no Qt.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from district.alerts import OPEN_STATUSES, allowed
from district.roles import has_permission

__all__ = ["ACTIONS", "ACTION_BY_VERB", "ACTION_NAMES", "OPEN_STATUSES", "Action", "Limits", "allowed",
           "allowed_actions", "command_args", "due_state", "format_left", "has_permission", "missing_argument",
           "span_parts", "units_for"]


@dataclass(frozen=True)
class Action:
    """One operator action on an alert.

    ``needs`` names the argument the command must carry (``unit``, ``result``,
    ``text``, ``into``) or is empty; ``optional`` names an argument that may be
    given (feedback, a reason, an instruction).
    """

    verb: str
    label: str  # Chinese button text (translated by the view under context "AlertWorkflow")
    shortcut: str
    needs: str = ""
    optional: str = ""

    @property
    def kind(self) -> str:
        """The command kind on the wire, e.g. ``alert.dispatch``."""
        return f"alert.{self.verb}"


ACTIONS: tuple[Action, ...] = (
    Action("acknowledge", "签收", "Ctrl+Return"),
    Action("dispatch", "分拨", "Ctrl+D", needs="unit", optional="instruction"),
    Action("start", "开始处置", "Ctrl+G"),
    Action("resolve", "办结", "Ctrl+J", needs="result"),
    Action("close", "闭环", "Ctrl+L", optional="feedback"),
    Action("escalate", "升级", "Ctrl+U"),
    Action("urge", "督办", "Ctrl+B", optional="text"),
    Action("merge", "合并", "Ctrl+M", needs="into"),
    Action("reopen", "重新打开", "Ctrl+R", optional="reason"),
    Action("note", "备注", "Ctrl+N", needs="text"),
)
ACTION_BY_VERB: dict[str, Action] = {a.verb: a for a in ACTIONS}

ACTION_NAMES: dict[str, str] = {
    "create": "上报", "acknowledge": "签收", "dispatch": "分拨", "start": "开始处置", "resolve": "办结",
    "close": "闭环", "escalate": "升级", "urge": "督办", "merge": "合并", "reopen": "重新打开", "note": "备注",
    "reveal_phone": "查看完整号码",
}
"""Chinese names of timeline actions (the feed writes verbs)."""

def allowed_actions(alert: Any) -> list[Action]:
    """The actions the console offers for ``alert``, in workflow order."""
    return [a for a in ACTIONS if allowed(alert, a.verb)]


def missing_argument(verb: str, args: Mapping[str, Any]) -> str | None:
    """A Chinese reason when a required argument is missing, else None."""
    need = ACTION_BY_VERB[verb].needs
    if not need:
        return None
    value = args.get(need)
    if isinstance(value, str) and value.strip():
        return None
    return {
        "unit": "请选择承办单位",
        "result": "请填写处置结果",
        "text": "请填写内容",
        "into": "请填写合并目标事件编号",
    }.get(need, "缺少参数")


def command_args(verb: str, text: str = "", *, unit: str | None = None, into: str = "") -> dict[str, Any]:
    """The arguments of ``verb`` from what the operator filled in: the free text (a
    result, feedback, instruction, reason or note, per verb), the chosen unit and the
    merge target. Empty optional texts are left out; a required one stays (empty) so
    :func:`missing_argument` can name it."""
    text = text.strip()
    args: dict[str, Any] = {}
    if verb == "dispatch":
        if unit:
            args["unit"] = unit
        if text:
            args["instruction"] = text
    elif verb == "resolve":
        args["result"] = text
    elif verb == "close":
        if text:
            args["feedback"] = text
    elif verb == "note":
        args["text"] = text
    elif verb == "urge":
        if text:
            args["text"] = text
    elif verb == "reopen":
        if text:
            args["reason"] = text
    elif verb == "merge":
        args["into"] = into.strip().upper()
    return args


# --------------------------------------------------------------------------- units


def units_for(category: str, units: Iterable[Any], *, street: str | None = None,
              community: str | None = None) -> list[Any]:
    """Units that may receive ``category`` (a unit with no categories receives any),
    district departments first, then streets, communities and teams.

    With the alert's ``street`` / ``community``, the units on the spot come first —
    its community's micro-centre, then its street's sub-centre, then the other
    communities of that street — as they are the usual first responders.
    """
    rank = {"district": 0, "street": 1, "community": 2, "team": 3}
    fit = [u for u in units if not getattr(u, "categories", ()) or category in u.categories]
    street_unit = f"street.{street}" if street else None

    def local(u: Any) -> int:
        if community and u.id == f"community.{community}":
            return 0
        if street_unit and u.id == street_unit:
            return 1
        if street_unit and getattr(u, "parent", None) == street_unit:
            return 2
        return 3

    return sorted(fit, key=lambda u: (local(u), rank.get(getattr(u, "level", ""), 9), u.id))


# --------------------------------------------------------------------------- time limits


@dataclass(frozen=True)
class Limits:
    """Time limits per category in seconds: to acknowledge, and to resolve (from creation)."""

    ack_s: Mapping[str, float]
    resolve_s: Mapping[str, float]

    @classmethod
    def from_catalogue(cls) -> Limits:
        """The bundled catalogue's limits (``resources/catalogue/categories.json``)."""
        from console import catalogue

        cats = catalogue.categories()
        return cls({c.id: c.ack_limit_min * 60.0 for c in cats}, {c.id: c.resolve_limit_min * 60.0 for c in cats})

    def limit_of(self, category: str, status: str) -> float | None:
        """The limit that runs for an alert in ``status`` (None when none runs)."""
        if status == "new":
            return self.ack_s.get(category)
        if status in OPEN_STATUSES:
            return self.resolve_s.get(category)
        return None

    def deadline_ts(self, category: str, status: str, created_ts: float) -> float | None:
        """POSIX time by which the running limit expires, or None."""
        limit = self.limit_of(category, status)
        return None if limit is None else created_ts + limit


AMBER_FRACTION = 0.25
"""A countdown turns amber when less than this share of its limit is left."""


def due_state(alert: Any, limits: Limits, now: datetime) -> tuple[str, float | None]:
    """("none" | "ok" | "amber" | "overdue", seconds left (negative when overdue))."""
    limit = limits.limit_of(alert.category, alert.status)
    if limit is None:
        return "none", None
    left = alert.created_at.timestamp() + limit - now.timestamp()
    if left < 0:
        return "overdue", left
    return ("amber" if left < limit * AMBER_FRACTION else "ok"), left


def span_parts(seconds: float) -> tuple[int, int, int]:
    """(days, hours, minutes) of a countdown's length (its sign dropped), whole units:
    a view writes ``h:mm`` when days is 0, else days and hours (long limits stay readable)."""
    minutes = int(abs(seconds) // 60)
    hours = minutes // 60
    return hours // 24, hours % 24, minutes % 60


def format_left(seconds: float | None) -> str:
    """``剩 1:05`` (h:mm), ``剩 2天14时`` beyond a day, or ``超时 0:12``; empty when no limit runs."""
    if seconds is None:
        return ""
    days, hours, minutes = span_parts(seconds)
    text = f"{days}天{hours}时" if days else f"{hours}:{minutes:02d}"
    return f"超时 {text}" if seconds < 0 else f"剩 {text}"

"""Roles and what each may do: the one table servers enforce and the console offers.

A seat is a user with a role (viewer, operator, supervisor, administrator) and a
scope (the whole district, or one street's sub-centre).
"""

from __future__ import annotations

from dataclasses import dataclass

ROLES: tuple[str, ...] = ("viewer", "operator", "supervisor", "administrator")

_OPERATOR_KINDS = frozenset({
    "alert.acknowledge", "alert.dispatch", "alert.start", "alert.resolve", "alert.close", "alert.note",
    "alert.merge", "camera.ptz", "task.update",
    "duty.handover", "duty.acknowledge", "duty.checkin_answer",
})
ROLE_COMMAND_KINDS: dict[str, frozenset[str]] = {
    "viewer": frozenset(),
    "operator": _OPERATOR_KINDS,
    "supervisor": _OPERATOR_KINDS | {"alert.escalate", "alert.urge", "alert.reopen", "alert.reveal_phone",
                                     "incident.declare", "incident.stand_down", "incident.step", "task.issue",
                                     "duty.checkin_start", "duty.assign"},
    # Separation of duties (三员分立): the administrator keeps profiles, the wall, tiles and the
    # duty roster's entries (who, phone, SIP), and gives no orders.
    "administrator": frozenset({"duty.assign"}),
}
"""Which command kinds a server accepts from each role (anything else is 403)."""

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "viewer": frozenset(),
    "operator": frozenset({"command", "export"}),
    "supervisor": frozenset({"command", "export", "reveal"}),
    "administrator": frozenset({"export", "settings"}),
}
"""Console permissions beyond single command kinds; revealing a reporter's number is a
supervisor's call (and a command, ``alert.reveal_phone``, audited by the server)."""

ROLE_REFUSAL = {
    "viewer": "只读席位无权下达指令",
    "administrator": "系统管理员席位不下达业务指令（三员分立）",
}


@dataclass(frozen=True)
class User:
    """Who a caller is, as the server established it (never as the caller says)."""

    username: str
    role: str
    name: str
    street: str | None = None  # None = the whole district

    @property
    def scope(self) -> str:
        """``district`` or the street id."""
        return self.street or "district"

    @property
    def actor(self) -> str:
        """The name written into timelines and logs for this user's commands."""
        return self.name or self.username or "匿名"


def may_command(role: str, kind: str) -> bool:
    """Whether ``role`` may send a command of ``kind``."""
    return kind in ROLE_COMMAND_KINDS.get(role, frozenset())


def has_permission(role: str, permission: str) -> bool:
    """Whether ``role`` holds ``permission``: a console permission (command, export,
    reveal, settings) or a command kind such as ``alert.urge``. Unknown roles hold nothing."""
    if "." in permission:
        return may_command(role, permission)
    return permission in ROLE_PERMISSIONS.get(role, frozenset())


def role_refusal(role: str, kind: str) -> str:
    """The Chinese 403 reason for a command kind the role may not send."""
    if role in ROLE_REFUSAL:
        return ROLE_REFUSAL[role]
    if role == "operator":
        return "该指令需值班长权限"
    return "无权执行该指令"

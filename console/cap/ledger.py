"""Following a CAP warning through its Updates and Cancels (:class:`CapLedger`), in memory."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Iterable, Literal, Mapping


from console.models import Alert, AlertNote
from district.vocabulary import LEVEL_ZH
from console.cap.mapping import cap_to_alert, primary_info
from console.cap.model import CapAlert

LedgerAction = Literal["created", "updated", "cancelled", "ignored"]


@dataclass(frozen=True)
class LedgerResult:
    """What :meth:`CapLedger.apply` did; ``problems`` are for the operator (Chinese)."""

    action: LedgerAction
    alert: Alert | None
    problems: tuple[str, ...] = ()


class CapLedger:
    """Follows CAP warnings through Update and Cancel, in memory.

    Every applied message's (sender, identifier) is remembered with the console
    alert it belongs to, so an Update may reference the original or any earlier
    Update.  An Update replaces the content of the referenced alert (same console
    id, rev + 1); a Cancel closes it with the timeline note "预警已解除".  A
    reference to a message never seen is reported in the result, never raised.
    """

    def __init__(self, alerts: Iterable[Alert] = (), owners: Mapping[tuple[str, str], str] | None = None) -> None:
        """An empty ledger, or one that goes on from a picture kept elsewhere (a server's state):
        ``alerts`` the warnings' current alerts, ``owners`` CAP (sender, identifier) → alert id.
        Both are copied: applying a message changes nothing outside the ledger."""
        self._alerts: dict[str, Alert] = {a.id: a for a in alerts}
        self._owner: dict[tuple[str, str], str] = dict(owners or {})  # CAP key → console alert id

    def get(self, alert_id: str) -> Alert | None:
        return self._alerts.get(alert_id)

    def values(self) -> list[Alert]:
        return list(self._alerts.values())

    def __len__(self) -> int:
        return len(self._alerts)

    def apply(self, cap: CapAlert, *, received_at: datetime) -> LedgerResult:
        """Apply one parsed message and return what changed."""
        if cap.key in self._owner:
            return LedgerResult("ignored", self._alerts[self._owner[cap.key]],
                                (f"重复的 CAP 消息 {cap.identifier}，已忽略",))
        if cap.msg_type in ("Ack", "Error"):
            return LedgerResult("ignored", None, (f"CAP {cap.msg_type} 消息不生成告警（{cap.identifier}）",))
        if cap.msg_type == "Alert":
            return self._create(cap, received_at, ())

        problems: list[str] = []
        targets: list[str] = []
        for ref in cap.references:
            owner = self._owner.get((ref.sender, ref.identifier))
            if owner is None:
                problems.append(f"<references>: 引用的预警未收到（{ref.sender},{ref.identifier}）")
            elif owner not in targets:
                targets.append(owner)
        if len(targets) > 1:
            problems.append(f"<references>: 引用了 {len(targets)} 条不同的预警，只处理第一条")

        if cap.msg_type == "Cancel":
            if not targets:
                return LedgerResult("ignored", None, tuple(problems) or ("<references>: 无可解除的预警",))
            old = self._alerts[targets[0]]
            self._owner[cap.key] = old.id
            new = old.model_copy(update={
                "rev": old.rev + 1,
                "status": "closed",
                "updated_at": max(old.updated_at, received_at),
                "cap": cap.xml,
                "timeline": old.timeline + (AlertNote(
                    ts=received_at, actor=self._actor(cap), action="close", text="预警已解除"),),
            })
            self._alerts[old.id] = new
            return LedgerResult("cancelled", new, tuple(problems))

        # Update
        if not targets:
            problems.append("<references>: 按新预警处理")
            return self._create(cap, received_at, tuple(problems))
        old = self._alerts[targets[0]]
        fresh = cap_to_alert(cap, received_at=received_at)
        status = old.status
        if old.status == "closed":
            problems.append("已解除的预警收到更新，重新列为待签收")
            status = "new"
        headline = fresh.title
        new = fresh.model_copy(update={
            "id": old.id,
            "rev": old.rev + 1,
            "status": status,
            "created_at": old.created_at,
            "updated_at": max(old.updated_at, received_at),
            "acknowledged_by": old.acknowledged_by,
            "assigned_unit": old.assigned_unit,
            "timeline": old.timeline + (AlertNote(
                ts=received_at, actor=self._actor(cap), action="update",
                text=f"预警已更新：{headline}（{LEVEL_ZH[fresh.level]}）"),),
        })
        self._owner[cap.key] = old.id
        self._alerts[old.id] = new
        return LedgerResult("updated", new, tuple(problems))

    def _create(self, cap: CapAlert, received_at: datetime, problems: tuple[str, ...]) -> LedgerResult:
        alert = cap_to_alert(cap, received_at=received_at)
        self._owner[cap.key] = alert.id
        self._alerts[alert.id] = alert
        return LedgerResult("created", alert, problems)

    @staticmethod
    def _actor(cap: CapAlert) -> str:
        info = primary_info(cap)
        return (info.sender_name if info and info.sender_name else None) or cap.sender

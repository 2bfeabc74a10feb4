"""Operator commands: written to the outbox first, shown as pending until echoed.

The outbox row is committed before anything else happens, so a command survives
a crash or a network outage; the sender delivers it with its id as the
Idempotency-Key, so a resend after a lost answer changes nothing twice.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

from console.events import Event
from console.models import Command, CommandAccepted
from console.stores import OperatingPicture
from console.texts import spoken
from offline_cache.outbox import Outbox

log = logging.getLogger(__name__)

KEEP_FINISHED_DAYS = 30
"""Confirmed and refused commands stay in the outbox this long (for the shift log)."""


class Commands:
    """Submit operator commands and track them to confirmation or refusal."""

    def __init__(self, picture: OperatingPicture, outbox: Outbox, operator: str,
                 auditor: Any | None = None) -> None:
        self.picture = picture
        self.outbox = outbox
        self.operator = operator
        self.auditor = auditor
        """An ``console.audit.Auditor``: every submitted command is appended to the audit chain."""
        self.submitted: Event[[]] = Event("commands.submitted")
        """Emitted after every submit, once the command is stored (the sender wakes up at once)."""

    def submit(self, kind: str, target_id: str, args: dict[str, Any] | None = None,
               expected_rev: int | None = None) -> Command:
        """Store a command durably, mark its target pending, wake the sender."""
        cmd = Command(
            id=uuid.uuid4().hex,
            kind=kind,  # validated by the model
            target_id=target_id,
            expected_rev=expected_rev,
            operator=self.operator,
            issued_at=datetime.now(timezone.utc),
            args=args or {},
        )
        try:
            self.outbox.put(cmd.id, cmd.kind, cmd.target_id, cmd.model_dump_json())
        except Exception as exc:
            # Not durable means not sent: say so beside the alert, and let the caller know.
            log.exception("command %s not stored", cmd.id)
            if kind.startswith("alert."):
                self.picture.alerts.set_refusal(target_id, spoken("command_not_saved", error=str(exc)[:40]))
            raise
        if self.auditor is not None:
            # After the outbox write (what was not stored was not issued), before the
            # sender can act on it. An audit failure is logged, never blocks the
            # command: the outbox row is itself a durable record of it.
            try:
                self.auditor.record(kind, target_id, command_id=cmd.id, expected_rev=expected_rev,
                                    args=cmd.args)
            except Exception:  # noqa: BLE001
                log.exception("audit record of command %s failed", cmd.id)
        if kind.startswith("alert."):
            self.picture.alerts.mark_pending(target_id, cmd.id, kind)
        self._update_unsent()
        self.submitted.emit()  # a failing handler is logged; the command is stored either way
        return cmd

    def on_accepted(self, command_id: str, accepted: CommandAccepted | None = None) -> None:
        """The gateway answered 202: sent, still pending until its echo arrives.

        If the store already holds the revision the command produced (its echo was
        applied before this answer came back, or a snapshot skipped over it), the
        command is confirmed now rather than left pending forever.
        """
        self.outbox.mark_sent(command_id, 202, accepted.model_dump_json() if accepted is not None else None)
        if accepted is not None and accepted.rev is not None:
            held = self.picture.alerts.get(accepted.target_id)
            if held is not None and held.rev >= accepted.rev:
                self.on_echo(command_id)
                return
        self._update_unsent()

    def on_refused(self, command_id: str, status: int, reason: str) -> None:
        """403/404/409/422: the target stays as it was and shows the reason."""
        self.outbox.mark_refused(command_id, status, reason)
        alert_id = self.picture.alerts.clear_pending(command_id)
        if alert_id is not None:
            self.picture.alerts.set_refusal(alert_id, reason)
        self._update_unsent()

    def on_echo(self, command_id: str) -> None:
        """The stream carried the change this command made: confirmed."""
        item = self.outbox.get(command_id)
        if item is None:
            return  # another console's command: nothing of ours to confirm
        if item.status in ("pending", "sent"):
            self.outbox.mark_confirmed(command_id)
        self.picture.alerts.clear_pending(command_id)
        if item.status == "pending":
            self._update_unsent()  # the echo overtook the 202: one fewer unsent

    def restore_pending(self) -> int:
        """After a restart: show unsent alert commands as pending again (and forget
        finished commands older than ``KEEP_FINISHED_DAYS``)."""
        cutoff = (datetime.now(timezone.utc) - timedelta(days=KEEP_FINISHED_DAYS)).strftime("%Y-%m-%dT%H:%M:%S+00:00")
        try:
            self.outbox.prune_finished(cutoff)
        except Exception:  # noqa: BLE001 - housekeeping must not stop a start
            log.exception("outbox housekeeping failed")
        n = 0
        for item in self.outbox.unsent():
            if item.kind.startswith("alert."):
                self.picture.alerts.mark_pending(item.target_id, item.command_id, item.kind)
                n += 1
        self._update_unsent()
        return n

    def _update_unsent(self) -> None:
        self.picture.set_connection(outbox_unsent=self.outbox.counts().get("pending", 0))

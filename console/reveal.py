"""A reporter's whole phone number, asked of the gateway (``alert.reveal_phone``).

Numbers reach the console masked; only the gateway holds them whole, and it answers a
seat with the reveal permission and writes who asked into the alert's timeline. The
attempt, allowed or refused, is also kept in this console's audit chain.
``ConsoleCore.reveal_phone`` is the entry point.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any

from console.gateway import GatewayClient
from console.models import Command, CommandAccepted, CommandRefused
from console.texts import spoken


async def reveal_phone(alert_id: str, *, known: bool, allowed: bool, gateway: GatewayClient | None,
                       auditor: Any, role: str) -> str:
    """The whole number of ``alert_id``'s reporter. ``known``: the alert is in the picture;
    ``allowed``: the seat's role may reveal. Raises ``PermissionError`` (Chinese message)
    without the permission or when the gateway refuses, ``KeyError`` for an unknown alert
    and ``ConnectionError`` offline."""
    if not known:
        raise KeyError(alert_id)
    if not allowed:
        if auditor is not None:
            auditor.record("reveal.refused", alert_id, field="reporter_phone", role=role)
        raise PermissionError(spoken("reveal_needs_supervisor"))
    if gateway is None:
        raise ConnectionError(spoken("reveal_offline"))
    cmd = Command(id=uuid.uuid4().hex, kind="alert.reveal_phone", target_id=alert_id,
                  issued_at=datetime.now(timezone.utc))
    try:
        status, body = await gateway.post_command(cmd)
    except Exception as exc:  # noqa: BLE001 - any transport failure reads the same to the operator
        raise ConnectionError(spoken("reveal_unreachable", kind=type(exc).__name__)) from None
    if status != 202:
        try:
            reason = CommandRefused.model_validate_json(body).reason
        except ValueError:
            reason = spoken("gateway_answered", status=status)
        if auditor is not None:
            auditor.record("reveal.refused", alert_id, field="reporter_phone", role=role, reason=reason)
        raise PermissionError(reason)
    if auditor is not None:
        auditor.record("reveal.reporter_phone", alert_id, role=role, command_id=cmd.id)
    return CommandAccepted.model_validate_json(body).revealed or ""

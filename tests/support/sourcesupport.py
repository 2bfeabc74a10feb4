"""The smallest honest stand-ins a ``LiveSource`` writes to: a picture that records each
connection change and an ingest that validates like the real one."""

from __future__ import annotations

from typing import Any

from console.models import InvalidEnvelope, Snapshot, parse_envelope


class MiniPicture:
    """Records every connection change."""

    def __init__(self) -> None:
        self.changes: list[dict[str, Any]] = []
        self.state = "connecting"
        self.detail = ""

    def set_connection(self, **fields: Any) -> None:
        self.changes.append(fields)
        self.state = fields.get("state", self.state)
        self.detail = fields.get("detail", self.detail)


class MiniIngest:
    """Validates like the real Ingest and keeps ids and alert revs."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.rejected: list[str] = []
        self.snapshots: list[Snapshot] = []
        self.alerts: dict[str, int] = {}

    def accept(self, raw: bytes, stream_id: str) -> Any:
        try:
            env = parse_envelope(raw)
        except InvalidEnvelope as exc:
            self.rejected.append(exc.reason)
            return None
        if env.id != stream_id:
            self.rejected.append("id mismatch")
            return None
        self.ids.append(env.id)
        if env.type == "alert.upsert":
            self.alerts[env.payload.id] = max(self.alerts.get(env.payload.id, -1), env.payload.rev)
        return env

    def reject(self, reason: str, raw: bytes | str, origin: str | None = None) -> None:
        self.rejected.append(reason)

    def hold_reason(self) -> None:
        return None  # this stand-in journals nothing, so it never asks the source to hold

    def accept_snapshot(self, snapshot: Snapshot) -> None:
        self.snapshots.append(snapshot)
        self.alerts = {a.id: a.rev for a in snapshot.alerts}

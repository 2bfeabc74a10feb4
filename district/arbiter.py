"""The arbiter: a rulebook that writes every change down and hands it on.

:class:`Arbiter` is a :class:`~district.rulebook.Rulebook` that writes every change as an
envelope to its :class:`~district.log.EventLog` (in one transaction with the command's
idempotent answer) and hands it to a publisher for live subscribers: :meth:`Arbiter.execute`
is the one place commands are applied. The embedded feed (``simulator.world.District``),
drills and the district gateway are arbiters with different clocks, publishers and sources
of traffic; the rules are the rulebook's, once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from console.models import Alert, Command, CommandRefused, Reset, ResetEnvelope, Scope
from district.duty import DutyBook
from district.log import EventLog
from district.roles import User
from district.rulebook import (ENVELOPES, CommandError, Item, Rulebook, accepted_answer, fingerprint, key_refusal,
                               public_alert)


class Publisher(Protocol):
    """Where persisted envelopes go live (the feed's fan-out, a drill's queue, a broker)."""

    def publish(self, eid: int, etype: str, street: str | None, body: bytes) -> None: ...


class Arbiter(Rulebook):
    """State, event log (SQLite) and rules of one district (or one drill's district)."""

    def __init__(self, data_dir: Path, retention: int, publisher: Publisher) -> None:
        super().__init__()
        self.store = EventLog(Path(data_dir), retention)
        self.hub = publisher
        self.head = self.store.head()
        self._alert_seq = int(self.store.get_meta("alert_seq", 0))  # type: ignore[arg-type]
        self._incident_seq = int(self.store.get_meta("incident_seq", 0))  # type: ignore[arg-type]
        self._task_seq = int(self.store.get_meta("task_seq", 0))  # type: ignore[arg-type]
        self.duty = DutyBook.load(self.store.get_meta("duty"))

    # ------------------------------------------------------------------ clock and emission

    def emit(self, items: list[Item], idempotent: tuple[str, int, str, str] | None = None,
             meta: dict[str, object] | None = None) -> list[int]:
        """Persist and publish envelopes (alerts with the reporter's phone masked).

        All of them are written in one transaction, with the command's idempotent answer
        when given, before any is published.
        """
        ts = self.now()
        events: list[tuple[int, str, str | None, bytes]] = []
        states: list[tuple[str, str, str]] = []
        for etype, payload, street, community, kind in items:
            self.head += 1
            public = public_alert(payload) if isinstance(payload, Alert) else payload
            env = ENVELOPES[etype](v=1, id=str(self.head), ts=ts, type=etype,
                                   scope=Scope(street=street, community=community), payload=public)
            events.append((self.head, etype, street, env.model_dump_json().encode("utf-8")))
            if kind is not None:
                states.append((kind, getattr(payload, "id"), payload.model_dump_json()))
        self.store.append(events, states, idempotent, meta)
        for eid, etype, street, body in events:
            self.hub.publish(eid, etype, street, body)
        return [e[0] for e in events]

    def reset_envelope(self, reason: str) -> bytes:
        """A reset envelope carrying the current head as its id (resume point after re-snapshot)."""
        env = ResetEnvelope(v=1, id=str(max(self.head, 1)), ts=self.now(), type="reset", payload=Reset(reason=reason))
        return env.model_dump_json().encode("utf-8")

    def _save_seq(self) -> None:
        self.store.put_meta("alert_seq", self._alert_seq)
        self.store.put_meta("incident_seq", self._incident_seq)
        self.store.put_meta("task_seq", self._task_seq)

    # ------------------------------------------------------------------ commands

    def execute(self, cmd: Command, user: User, idempotency_key: str) -> tuple[int, str]:
        """Apply one command once for ``user``; returns (HTTP status, JSON of CommandAccepted | CommandRefused).

        The answer is stored under the Idempotency-Key, bound to the caller and the exact
        command, in the same transaction as the events the command produced: a resend
        (even after a crash) gets the same answer; the same key with another body or from
        another user is refused with 409 and changes nothing.
        """
        mark = fingerprint(user, cmd)
        done = self.store.idempotent(idempotency_key)
        if done is not None:
            status, body, bound = done
            if bound and bound != mark:
                return 409, key_refusal(cmd)
            return status, body
        try:
            decision = self.decide(cmd, user)
        except CommandError as exc:
            self.counts["refused"] += 1
            refused = CommandRefused(command_id=cmd.id, error=exc.error, reason=exc.reason)  # type: ignore[arg-type]
            body = refused.model_dump_json()
            self.store.save_idempotent(idempotency_key, exc.status, body, mark)
            return exc.status, body
        self.counts["commands"] += 1
        body = accepted_answer(cmd, decision)
        if self.apply(decision.items):
            self._save_seq()
        self.ptz.update(decision.ptz)
        meta: dict[str, object] | None = None
        if decision.duty and self.duty is not None:
            for change in decision.duty:
                self.duty.apply(change)
            meta = {"duty": self.duty.dump()}  # stored in one transaction with the answer
        self.emit(decision.items, idempotent=(idempotency_key, 202, body, mark), meta=meta)
        return 202, body

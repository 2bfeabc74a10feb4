"""The wartime service's memory: the audit trail, this console's own commands, its saved choices.

Nothing in :mod:`console.wartime` keeps state of its own beyond what is read here:

- the hash-chained audit trail (every command ``Commands.submit`` stores is audited
  with its id and arguments; the command log's notes and observations are appended
  here too), read incrementally;
- the delivery state of our commands from the outbox (pending, sent, refused);
- the operator's focus and switch confirmations in the cache's ``BlobStore``.

A restart on the same cache therefore rebuilds exactly the state it left.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from datetime import datetime
from typing import Any

from console.texts import spoken
from console.wartime.model import LOG_ACTIONS, WAR_COMMANDS, WartimeError
from district.roles import may_command

log = logging.getLogger(__name__)

OwnCommand = dict[str, Any]
"""An audited command of ours: ``kind``, ``target``, ``args``, ``ts`` (ISO), ``actor``."""


class Ledger:
    """The audit records, our commands and our preferences, as the wartime parts read them.

    ``core`` is a started ``ConsoleCore`` (or anything with ``commands``,
    ``auditor``, ``outbox``, ``preferences`` and ``config``).
    """

    def __init__(self, core: Any, operator: str) -> None:
        self.core = core
        self.operator = operator
        self.observed: dict[str, int] = {}  # task/incident id → highest rev already in the log
        self._own: dict[str, OwnCommand] = {}  # command id → audited command
        self._log: list[Any] = []  # audit records of LOG_ACTIONS, oldest first
        self._log_seq = 0  # last audit seq read
        self.load()

    # ------------------------------------------------------------------ the audit trail

    def audit_log(self) -> Any:
        """The cache's audit log, or None (a core without an auditor)."""
        auditor = getattr(self.core, "auditor", None)
        return getattr(auditor, "audit_log", None)

    def load(self) -> None:
        """Read the audit records written since the last call (ours, and the commands Commands audited)."""
        audit = self.audit_log()
        if audit is None:
            return
        for rec in audit.records(after_seq=self._log_seq):
            self._log_seq = max(self._log_seq, rec.seq)
            self._take(rec)

    def _take(self, rec: Any) -> None:
        if rec.action in LOG_ACTIONS:
            self._log.append(rec)
        if rec.action in WAR_COMMANDS and rec.detail.get("command_id"):
            self._own[rec.detail["command_id"]] = {"kind": rec.action, "target": rec.target,
                                                   "args": rec.detail.get("args") or {}, "ts": rec.ts,
                                                   "actor": rec.actor}
        elif rec.action == "war.observed":
            oid = str(rec.detail.get("id", rec.target))
            self.observed[oid] = max(self.observed.get(oid, 0), int(rec.detail.get("rev", 0)))

    def record(self, action: str, target: str, actor: str | None = None, ts: datetime | None = None,
               **detail: Any) -> None:
        """Append a record to the audit chain (nothing without an auditor)."""
        audit = self.audit_log()
        if audit is None:
            return
        audit.append(actor or self.operator, action, target, detail, ts=ts)
        self.load()

    def records(self) -> list[Any]:
        """The audit records of the command log's actions, oldest first (up to date)."""
        self.load()
        return self._log

    def records_of(self, action: str, target: str) -> list[Any]:
        """The records of one action about one target, oldest first."""
        return [r for r in self.records() if r.action == action and r.target == target]

    # ------------------------------------------------------------------ our commands

    def may(self, kind: str) -> bool:
        """Whether this seat's role may send a wartime command of ``kind`` (the rulebook's table)."""
        return may_command(getattr(self.core.config, "role", "operator"), kind)

    def submit(self, kind: str, target: str, args: dict[str, Any], expected_rev: int | None = None) -> str:
        """Queue a command through the outbox (audited by ``Commands``); returns its id."""
        if not self.may(kind):
            raise WartimeError(spoken("war_viewer_seat" if getattr(self.core.config, "role", "") == "viewer"
                                      else "war_needs_supervisor"))
        commands = getattr(self.core, "commands", None)
        if commands is None:
            raise WartimeError(spoken("war_console_not_ready"))
        try:
            cmd = commands.submit(kind, target, args, expected_rev=expected_rev)
        except WartimeError:
            raise
        except Exception as exc:  # noqa: BLE001 - storage failure: say so, nothing was issued
            raise WartimeError(spoken("war_command_not_saved", error=str(exc)[:60])) from exc
        self.load()  # Commands audited it (with its id and arguments)
        if cmd.id not in self._own:  # no auditor: keep it in memory at least
            self._own[cmd.id] = {"kind": kind, "target": target, "args": cmd.args,
                                 "ts": cmd.issued_at.isoformat(), "actor": self.operator}
        return str(cmd.id)

    def command_state(self, command_id: str) -> tuple[str, str]:
        """(outbox status, refusal reason) of one of our commands."""
        outbox = getattr(self.core, "outbox", None)
        item = outbox.get(command_id) if outbox is not None else None
        if item is None:
            return "confirmed", ""
        return item.status, (item.last_error or "") if item.status == "refused" else ""

    def own_commands(self, kind: str) -> list[tuple[str, OwnCommand]]:
        """(command id, command) of our commands of one kind, in the order they were audited."""
        return [(cid, c) for cid, c in self._own.items() if c["kind"] == kind]

    # ------------------------------------------------------------------ saved choices

    def pref_get(self, key: str) -> Any:
        """A saved preference, or None (also once the core has closed its cache)."""
        prefs = getattr(self.core, "preferences", None)
        if prefs is None:
            return None
        try:
            return prefs.get(key)
        except sqlite3.ProgrammingError:  # the cache is closed: the console is stopping
            return None

    def pref_raw(self, key: str) -> str | None:
        raw = self.pref_get(key)
        return raw.decode("utf-8") if isinstance(raw, bytes) else raw

    def pref_list(self, key: str) -> list[str]:
        raw = self.pref_get(key)
        try:
            return [str(x) for x in json.loads(raw)] if raw else []
        except ValueError:
            return []

    def pref_put(self, key: str, value: Any) -> None:
        """Save a preference as JSON."""
        prefs = getattr(self.core, "preferences", None)
        if prefs is not None:
            prefs.put(key, json.dumps(value, ensure_ascii=False))

    def pref_put_text(self, key: str, value: str) -> None:
        """Save a preference as it is (the focus is stored as plain text)."""
        prefs = getattr(self.core, "preferences", None)
        if prefs is not None:
            prefs.put(key, value)

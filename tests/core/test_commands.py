"""Operator commands over a real outbox: durable first, pending until echoed,
refusals shown beside the alert, pending marks restored after a restart."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from console.commands import Commands
from console.ingest import Ingest
from console.models import Alert, AlertUpsert, CommandAccepted
from console.stores import OperatingPicture
from offline_cache.db import open_cache
from offline_cache.deadletters import DeadLetters
from offline_cache.journal import Journal
from offline_cache.outbox import Outbox
from offline_cache.snapshots import SnapshotTables

T0 = datetime(2026, 11, 28, 15, 0, tzinfo=timezone(timedelta(hours=8)))


def alert(alert_id: str, rev: int, status: str = "new", **extra: Any) -> Alert:
    return Alert(id=alert_id, rev=rev, level="orange", status=status, source="app_pingshan",  # type: ignore[arg-type]
                 category="noise", title="夜间施工噪声", street="kengzi", created_at=T0, updated_at=T0, **extra)


def upsert(n: int, a: Alert) -> str:
    return AlertUpsert(v=1, id=str(n), ts=T0, type="alert.upsert", payload=a).model_dump_json()


class Console:
    """A minimal real console core: one cache, picture, ingest and commands."""

    def __init__(self, path: Path) -> None:
        self.cache = open_cache(path)
        self.picture = OperatingPicture()
        self.outbox = Outbox(self.cache)
        self.ingest = Ingest(self.picture, Journal(self.cache), DeadLetters(self.cache), SnapshotTables(self.cache))
        self.commands = Commands(self.picture, self.outbox, "值班员甲")
        self.ingest.command_echoed.connect(self.commands.on_echo)
        self.wakeups = 0
        self.commands.submitted.connect(self._wake)

    def _wake(self) -> None:
        self.wakeups += 1


@pytest.fixture
def console(tmp_path: Path) -> Console:
    c = Console(tmp_path / "cache.sqlite")
    c.ingest.accept(upsert(1, alert("A1", 1)), "1")
    c.picture.drain_changes()
    return c


def test_submit_is_durable_before_anything_is_sent(console: Console, tmp_path: Path) -> None:
    cmd = console.commands.submit("alert.acknowledge", "A1", expected_rev=1)
    assert len(cmd.id) == 32 and cmd.operator == "值班员甲" and cmd.issued_at.tzinfo is not None
    assert cmd.expected_rev == 1 and cmd.kind == "alert.acknowledge" and cmd.args == {}
    other = sqlite3.connect(tmp_path / "cache.sqlite")  # a second connection sees the committed row
    row = other.execute("SELECT status, kind, target_id, body FROM outbox WHERE command_id = ?", (cmd.id,)).fetchone()
    other.close()
    assert row[:3] == ("pending", "alert.acknowledge", "A1")
    assert row[3] == cmd.model_dump_json(), "the exact body is stored for (re)sending"
    assert [p.command_id for p in console.picture.alerts.pending("A1")] == [cmd.id]
    assert console.picture.connection.outbox_unsent == 1
    assert console.wakeups == 1
    assert console.picture.drain_changes()["alerts"] == {"A1"}


def test_accepted_then_echo_confirms_and_clears_pending(console: Console) -> None:
    cmd = console.commands.submit("alert.acknowledge", "A1", expected_rev=1)
    console.commands.on_accepted(cmd.id, CommandAccepted(command_id=cmd.id, target_id="A1", rev=2))
    assert console.outbox.get(cmd.id).status == "sent"  # type: ignore[union-attr]
    assert console.picture.alerts.pending("A1"), "still pending until the stream echoes it"
    assert console.picture.connection.outbox_unsent == 0
    console.ingest.accept(upsert(2, alert("A1", 2, status="acknowledged", last_command_id=cmd.id)), "2")
    assert console.outbox.get(cmd.id).status == "confirmed"  # type: ignore[union-attr]
    assert console.picture.alerts.pending("A1") == []
    assert console.picture.alerts.get("A1").status == "acknowledged"  # type: ignore[union-attr]


def test_echo_before_the_202_answer_is_not_undone(console: Console) -> None:
    cmd = console.commands.submit("alert.note", "A1", args={"text": "已联系城管"})
    console.ingest.accept(upsert(2, alert("A1", 2, last_command_id=cmd.id)), "2")
    console.commands.on_accepted(cmd.id, CommandAccepted(command_id=cmd.id, target_id="A1", rev=2))
    assert console.outbox.get(cmd.id).status == "confirmed"  # type: ignore[union-attr]
    assert console.picture.alerts.pending("A1") == []


def test_accepted_rev_already_held_confirms_without_an_echo(console: Console) -> None:
    cmd = console.commands.submit("alert.acknowledge", "A1")
    # a snapshot after a reset jumped straight to rev 3: the echo (rev 2) never arrives
    console.ingest.accept(upsert(3, alert("A1", 3, status="dispatched")), "3")
    console.commands.on_accepted(cmd.id, CommandAccepted(command_id=cmd.id, target_id="A1", rev=2))
    assert console.outbox.get(cmd.id).status == "confirmed"  # type: ignore[union-attr]
    assert console.picture.alerts.pending("A1") == []


def test_refusal_is_shown_beside_the_alert_which_stays_unchanged(console: Console) -> None:
    cmd = console.commands.submit("alert.close", "A1", expected_rev=1)
    console.commands.on_refused(cmd.id, 409, "告警已被他人处理，请刷新后重试")
    item = console.outbox.get(cmd.id)
    assert item is not None and item.status == "refused" and item.http_status == 409
    assert console.picture.alerts.pending("A1") == []
    assert console.picture.alerts.refusal("A1") == "告警已被他人处理，请刷新后重试"
    assert console.picture.alerts.get("A1").rev == 1  # type: ignore[union-attr]
    assert console.picture.connection.outbox_unsent == 0
    # a late echo of a refused command changes nothing in the outbox
    console.commands.on_echo(cmd.id)
    assert console.outbox.get(cmd.id).status == "refused"  # type: ignore[union-attr]


def test_non_alert_commands_have_no_alert_overlay(console: Console) -> None:
    cmd = console.commands.submit("incident.declare", "new", args={"type": "fire", "level": 2})
    assert console.picture.alerts.pending("new") == [] and console.picture.alerts.pending("A1") == []
    assert console.outbox.get(cmd.id).kind == "incident.declare"  # type: ignore[union-attr]
    assert console.picture.connection.outbox_unsent == 1


def test_invalid_kind_is_refused_before_the_outbox(console: Console) -> None:
    with pytest.raises(ValueError):
        console.commands.submit("alert.explode", "A1")
    assert console.outbox.counts()["pending"] == 0


def test_a_failing_wakeup_hook_does_not_lose_the_command(console: Console) -> None:
    console.commands.submitted.connect(lambda: 1 / 0)
    cmd = console.commands.submit("alert.urge", "A1")
    assert console.outbox.get(cmd.id) is not None and console.wakeups == 1


def test_pending_marks_come_back_after_restart(tmp_path: Path) -> None:
    first = Console(tmp_path / "cache.sqlite")
    first.ingest.accept(upsert(1, alert("A1", 1)), "1")
    first.ingest.accept(upsert(2, alert("A2", 1)), "2")
    first.ingest.flush()
    waiting = first.commands.submit("alert.acknowledge", "A1")
    sent = first.commands.submit("alert.dispatch", "A2", args={"unit": "u-water"})
    first.commands.on_accepted(sent.id, CommandAccepted(command_id=sent.id, target_id="A2", rev=None))
    first.cache.close()

    second = Console(tmp_path / "cache.sqlite")
    second.ingest.restore()
    assert second.commands.restore_pending() == 1
    assert [p.command_id for p in second.picture.alerts.pending("A1")] == [waiting.id]
    assert second.picture.connection.outbox_unsent == 1
    assert [i.command_id for i in second.outbox.unsent()] == [waiting.id]
    # the echo that arrives after the restart confirms it
    second.ingest.accept(upsert(3, alert("A1", 2, status="acknowledged", last_command_id=waiting.id)), "3")
    assert second.picture.alerts.pending("A1") == []
    assert second.outbox.counts() == {"pending": 0, "sent": 1, "confirmed": 1, "refused": 0}


def test_echoes_of_other_consoles_commands_touch_nothing(console: Console) -> None:
    mine = console.commands.submit("alert.acknowledge", "A1")
    console.ingest.accept(upsert(2, alert("A1", 2, last_command_id="someone-elses-command")), "2")
    assert console.outbox.get("someone-elses-command") is None
    assert [p.command_id for p in console.picture.alerts.pending("A1")] == [mine.id]
    assert console.outbox.counts()["pending"] == 1 and console.picture.connection.outbox_unsent == 1
    console.ingest.accept(upsert(3, alert("A1", 3, last_command_id=mine.id)), "3")
    assert console.picture.connection.outbox_unsent == 0 and console.outbox.counts()["confirmed"] == 1


def test_a_command_that_cannot_be_stored_is_not_pending_and_says_why(console: Console) -> None:
    conn = console.cache.conn
    conn.execute(f"PRAGMA max_page_count = {conn.execute('PRAGMA page_count').fetchone()[0]}")
    with pytest.raises(sqlite3.OperationalError):
        console.commands.submit("alert.acknowledge", "A1", args={"note": "x" * 20_000})
    assert console.picture.alerts.pending("A1") == []
    refusal = console.picture.alerts.refusal("A1")
    assert refusal is not None and "未能保存" in refusal
    assert console.wakeups == 0 and console.outbox.counts()["pending"] == 0

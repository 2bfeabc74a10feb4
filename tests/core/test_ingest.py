"""Ingest over a real cache: validate → journal → picture, dead letters, echoes,
snapshot save, and restart = snapshot tables + journal tail equal to the live state."""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from console.ingest import Ingest
from console.models import (
    Alert,
    AlertUpsert,
    Device,
    DeviceUpsert,
    GeoPoint,
    IndicatorValue,
    Snapshot,
    Task,
    TaskUpsert,
    Unit,
)
from console.stores import OperatingPicture
from offline_cache.db import open_cache
from offline_cache.deadletters import DeadLetters
from offline_cache.journal import Journal
from offline_cache.snapshots import SnapshotTables

T0 = datetime(2026, 11, 28, 15, 0, tzinfo=timezone(timedelta(hours=8)))
LEVELS = ("red", "orange", "yellow", "blue")


def alert(alert_id: str, rev: int = 1, level: str = "yellow", status: str = "new", **extra: Any) -> Alert:
    return Alert(id=alert_id, rev=rev, level=level, status=status, source="hotline_12345",  # type: ignore[arg-type]
                 category="waterlogging", title=f"坪环社区积水 {alert_id}", street="maluan", community="pinghuan",
                 location=GeoPoint(lon=114.36, lat=22.70), reporter_phone="13812345678",
                 created_at=T0, updated_at=T0 + timedelta(seconds=rev), **extra)


def device(device_id: str, rev: int = 1) -> Device:
    return Device(id=device_id, rev=rev, kind="rain_gauge", name=f"雨量站 {device_id}",
                  location=GeoPoint(lon=114.33, lat=22.71), status="online", metric="rain_mm", unit="mm",
                  updated_at=T0)


def wire(n: int, payload: Any) -> str:
    """One envelope as it comes over the wire (JSON text), id = n."""
    ts = T0 + timedelta(seconds=n)
    if isinstance(payload, Alert):
        env: Any = AlertUpsert(v=1, id=str(n), ts=ts, type="alert.upsert", payload=payload)
    elif isinstance(payload, Device):
        env = DeviceUpsert(v=1, id=str(n), ts=ts, type="device.upsert", payload=payload)
    elif isinstance(payload, Task):
        env = TaskUpsert(v=1, id=str(n), ts=ts, type="task.upsert", payload=payload)
    else:
        raise TypeError(payload)
    return env.model_dump_json()


def make(tmp_path: Path, name: str = "cache.sqlite") -> tuple[Ingest, OperatingPicture]:
    cache = open_cache(tmp_path / name)
    picture = OperatingPicture()
    return Ingest(picture, Journal(cache), DeadLetters(cache), SnapshotTables(cache)), picture


def state_of(picture: OperatingPicture) -> dict[str, Any]:
    """Everything that is wire state, comparable between two pictures."""
    return {
        "alerts": {a.id: a.model_dump() for a in picture.alerts.values()},
        "devices": {d.id: d.model_dump() for d in picture.devices.values()},
        "cameras": {c.id: c.model_dump() for c in picture.cameras.values()},
        "incidents": {i.id: i.model_dump() for i in picture.incidents.values()},
        "tasks": {t.id: t.model_dump() for t in picture.tasks.values()},
        "units": {u.id: u.model_dump() for u in picture.units.values()},
        "indicators": sorted((v.indicator_id, v.street or "", v.value) for v in picture.indicators.values()),
        "order": list(picture.alerts.ordered()),
    }


def test_valid_message_is_journaled_then_applied(tmp_path: Path) -> None:
    ingest, pic = make(tmp_path)
    raw = wire(7, alert("A1"))
    env = ingest.accept(raw.encode(), "7")
    assert env is not None and env.payload.id == "A1"
    assert pic.alerts.get("A1") is not None
    assert ingest.accepted == 1 and ingest.rejected == 0
    assert ingest.journal.pending() == 1 and ingest.journal.last_stream_id() is None
    assert ingest.flush() == 1
    assert ingest.journal.last_stream_id() == "7"
    [(seq, sid, body)] = list(ingest.journal.read_after(0))
    assert sid == "7" and body == raw, "the journal keeps the message exactly as received"
    # the ts column: console.indicators searches the journal by it for history windows
    ts = ingest.journal.cache.conn.execute("SELECT ts FROM journal WHERE seq = ?", (seq,)).fetchone()[0]
    assert datetime.fromisoformat(ts) == T0 + timedelta(seconds=7)
    assert pic.connection.data_as_of == T0 + timedelta(seconds=7)
    assert ingest.accept(raw, None) is not None, "no SSE id (replay): accepted"


def test_invalid_messages_become_counted_dead_letters(tmp_path: Path) -> None:
    ingest, pic = make(tmp_path)
    bad = [
        b"{not json",
        b"\xff\xfe\x00",
        json.dumps({"v": 1, "id": "1", "ts": T0.isoformat(), "type": "alert.explode", "payload": {}}).encode(),
        json.dumps({"v": 2, "id": "2", "ts": T0.isoformat(), "type": "notice",
                    "payload": {"id": "n", "text": "x"}}).encode(),
        wire(3, alert("A1")).replace('"level":"yellow"', '"level":"purple"').encode(),
        wire(4, alert("A2")).replace('"payload":{', '"extra_field":1,"payload":{').encode(),
    ]
    for n, raw in enumerate(bad):
        assert ingest.accept(raw, None) is None
    assert ingest.accept(wire(9, alert("A9")), "10") is None, "SSE id and envelope id disagree"
    assert ingest.rejected == len(bad) + 1 and ingest.accepted == 0
    assert pic.connection.dead_letters == len(bad) + 1
    assert len(pic.alerts) == 0 and ingest.journal.pending() == 0
    letters = ingest.deadletters.recent(20)
    assert len(letters) == len(bad) + 1
    assert "SSE id 与消息 id 不一致" in letters[0].reason
    assert letters[-1].raw == b"{not json" and letters[-1].reason
    ingest.reject("message too large: 2000000 bytes", b"x" * 100, "55")
    assert ingest.rejected == len(bad) + 2 and pic.connection.dead_letters == len(bad) + 2
    # the count survives a restart (read back from the table)
    ingest2, pic2 = make(tmp_path)
    assert pic2.connection.dead_letters == len(bad) + 2


def test_listeners_and_echo_confirmations(tmp_path: Path) -> None:
    ingest, _ = make(tmp_path)
    heard: list[tuple[str, str]] = []
    echoed: list[str] = []
    ingest.envelope_accepted.connect(lambda env, body: heard.append((env.id, body)))
    ingest.command_echoed.connect(echoed.append)
    ingest.command_echoed.connect(lambda _cid: 1 / 0)  # a broken hook must not break ingest
    raw = wire(1, alert("A1", rev=2, last_command_id="cmd-abc"))
    assert ingest.accept(raw, "1") is not None
    ingest.accept(wire(2, alert("A2")), "2")
    assert heard == [("1", raw), ("2", wire(2, alert("A2")))]
    assert echoed == ["cmd-abc"]
    assert ingest.journal.pending() == 2


def test_reset_is_returned_but_neither_journaled_nor_applied(tmp_path: Path) -> None:
    ingest, pic = make(tmp_path)
    raw = json.dumps({"v": 1, "id": "5", "ts": T0.isoformat(), "type": "reset", "payload": {"reason": "cursor too old"}})
    env = ingest.accept(raw, "5")
    assert env is not None and env.type == "reset"
    assert ingest.journal.pending() == 0


def _live_run(ingest: Ingest, first: int, last: int) -> None:
    for n in range(first, last + 1):
        alert_id = f"A{n % 37}"
        level = LEVELS[n % 4]
        status = "resolved" if n % 11 == 0 else "new"
        ingest.accept(wire(n, alert(alert_id, rev=n, level=level, status=status)), str(n))
        if n % 5 == 0:
            ingest.accept(wire(n + 100_000, device(f"D{n % 7}", rev=n)), str(n + 100_000))


def test_restore_equals_live_state_after_journal_replay(tmp_path: Path) -> None:
    live, live_pic = make(tmp_path)
    snapshot = Snapshot(cursor="1000", generated_at=T0, alerts=tuple(alert(f"S{n}", level=LEVELS[n % 4])
                                                                  for n in range(20)),
                        devices=(device("D0"),), indicators=(IndicatorValue(indicator_id="aqi", value=33, ts=T0),),
                        units=(Unit(id="u-maluan", name="马峦街道办", level="street"),))
    live.accept_snapshot(snapshot)
    _live_run(live, 1001, 1400)
    live.flush()
    rows = live.journal.count()
    assert rows == 480
    live.journal.cache.close()

    restored, pic = make(tmp_path)
    assert restored.restore() == rows
    assert state_of(pic) == state_of(live_pic)
    assert restored.journal.count() == rows, "restore does not journal again"
    assert restored.journal.pending() == 0
    assert pic.connection.data_as_of is not None


def test_snapshot_after_journal_rows_replays_only_the_tail(tmp_path: Path) -> None:
    live, live_pic = make(tmp_path)
    _live_run(live, 1, 100)  # journaled before the snapshot: covered by it
    live.accept_snapshot(Snapshot(cursor="100", generated_at=T0, alerts=(alert("S1"),)))
    _live_run(live, 101, 130)
    live.flush()
    saved = live.snapshots.load()
    assert saved is not None and saved.cursor == "100" and saved.journal_seq > 0
    restored, pic = make(tmp_path)
    assert restored.restore() == 30 + 6  # 30 alerts + 6 devices after the snapshot
    assert state_of(pic) == state_of(live_pic)
    assert "A1" not in pic.alerts or pic.alerts.get("A1").rev > 100  # type: ignore[union-attr]


def test_restore_without_snapshot_replays_everything_and_skips_a_damaged_row(tmp_path: Path) -> None:
    live, live_pic = make(tmp_path)
    _live_run(live, 1, 50)
    live.flush()
    live.journal.cache.conn.execute("UPDATE journal SET body = '{damaged' WHERE seq = 3")
    restored, pic = make(tmp_path)
    assert restored.restore() == live.journal.count() - 1
    assert len(pic.alerts) == len(live_pic.alerts)


def test_restore_measured_for_20k_journaled_alerts(tmp_path: Path) -> None:
    n = 20_000
    live, _ = make(tmp_path)
    for i in range(1, n + 1):
        live.accept(wire(i, alert(f"A{i}", rev=1, level=LEVELS[i % 4])), str(i))
        if i % 2000 == 0:
            live.flush()
    live.flush()
    restored, pic = make(tmp_path)
    t = time.perf_counter()
    assert restored.restore() == n
    elapsed = time.perf_counter() - t
    assert len(pic.alerts) == n and len(pic.alerts.ordered()) == n
    # Speed is a benchmark figure (bench/bench_ingest.py), not a test assertion.
    print(f"restore of {n} journaled alerts: {elapsed:.2f} s ({n / elapsed:,.0f} envelopes/s)")


def test_crash_before_flush_restores_the_committed_prefix(tmp_path: Path) -> None:
    live, _ = make(tmp_path)
    _live_run(live, 1, 200)
    live.flush()
    prefix, prefix_pic = make(tmp_path, "reference.sqlite")
    _live_run(prefix, 1, 200)
    _live_run(live, 201, 260)  # buffered only: lost in the crash, fetched again after it
    live.journal.cache.conn.close()
    restored, pic = make(tmp_path)
    restored.restore()
    assert state_of(pic) == state_of(prefix_pic)
    # the resume cursor is the last committed envelope (alert 200, then its device update)
    assert restored.journal.last_stream_id() == "100200"


def test_data_as_of_follows_the_stream_and_is_exact_after_flush(tmp_path: Path) -> None:
    ingest, pic = make(tmp_path)
    for n in range(1, 201):
        ingest.accept(wire(n, alert(f"A{n}")), str(n))
    as_of = pic.connection.data_as_of
    assert as_of is not None and T0 + timedelta(seconds=1) <= as_of <= T0 + timedelta(seconds=200)
    assert pic.connection.last_message_at is not None
    ingest.flush()
    assert pic.connection.data_as_of == T0 + timedelta(seconds=200)


def test_disk_trouble_reaches_the_connection_state(tmp_path: Path) -> None:
    ingest, pic = make(tmp_path)
    conn = ingest.journal.cache.conn
    conn.execute(f"PRAGMA max_page_count = {conn.execute('PRAGMA page_count').fetchone()[0]}")
    for n in range(1, 301):
        ingest.accept(wire(n, alert(f"A{n}")), str(n))
    assert ingest.flush() == 0
    assert pic.connection.journal_warning and "磁盘已满" in pic.connection.journal_warning
    assert len(pic.alerts) == 300, "the live picture keeps working"
    hold = ingest.hold_reason()  # sources stop consuming: nothing is dropped (issue 18)
    assert hold is not None and hold.code == "disk_full_hold" and "本地磁盘已满" in str(hold)
    assert ingest.journal.dropped == 0
    conn.execute("PRAGMA max_page_count = 1073741823")
    assert ingest.flush() == 300 and pic.connection.journal_warning is None
    assert ingest.hold_reason() is None


def _reading_batch(n: int, device_id: str, value: float) -> str:
    from console.models import Reading, ReadingBatch, ReadingBatchEnvelope

    r = Reading(device_id=device_id, metric="rain_mm", value=value, ts=T0 + timedelta(seconds=n))
    return ReadingBatchEnvelope(v=1, id=str(n), ts=T0 + timedelta(seconds=n), type="reading.batch",
                                payload=ReadingBatch(readings=(r,))).model_dump_json()


def test_checkpoints_bound_the_replay_and_pruning_bounds_the_journal(tmp_path: Path) -> None:
    cache = open_cache(tmp_path / "cache.sqlite")
    live_pic = OperatingPicture()
    live = Ingest(live_pic, Journal(cache), DeadLetters(cache), SnapshotTables(cache),
                  checkpoint_rows=50, journal_keep_rows=120)
    live.accept_snapshot(Snapshot(cursor="1000", generated_at=T0, alerts=(alert("S1"), alert("S2"))))
    for n in range(1001, 1601):
        if n % 3 == 0:
            live.accept(_reading_batch(n, "R1", float(n)), str(n))
        else:
            live.accept(wire(n, alert(f"A{n % 41}", rev=n, level=LEVELS[n % 4])), str(n))
        if n % 20 == 0:
            live.flush()
    live.flush()
    assert live.checkpoints >= 10
    saved = live.snapshots.load()
    assert saved is not None and live.journal.max_seq() - saved.journal_seq < 50
    assert saved.cursor == live.journal.last_stream_id() or live.journal.max_seq() > saved.journal_seq
    assert live.journal.count() <= 120 + 50 + 20, live.journal.count()  # pruned behind the checkpoint
    assert live.journal.last_stream_id() == "1600"
    cache.close()

    restored, pic = make(tmp_path)
    replayed = restored.restore()
    assert replayed < 50
    assert state_of(pic) == state_of(live_pic)
    # reading history before the checkpoint comes back from the journal rows kept
    history = [r.value for r in pic.readings.history("R1")]
    assert history and history == sorted(history) and history[-1] == 1599.0
    assert len(history) >= 30


def test_a_cache_not_restored_is_never_checkpointed_incrementally(tmp_path: Path) -> None:
    first, _ = make(tmp_path)
    first.accept_snapshot(Snapshot(cursor="10", generated_at=T0, alerts=(alert("S1"),)))
    first.flush()
    first.journal.cache.close()
    cache = open_cache(tmp_path / "cache.sqlite")
    second = Ingest(OperatingPicture(), Journal(cache), DeadLetters(cache), SnapshotTables(cache), checkpoint_rows=5)
    for n in range(11, 40):
        second.accept(wire(n, alert(f"B{n}")), str(n))
    second.flush()
    saved = second.snapshots.load()
    assert saved is not None and saved.cursor == "10" and second.checkpoints == 0


def _saved_equals_picture(ingest: Ingest, picture: OperatingPicture) -> None:
    saved = ingest.snapshots.load()
    assert saved is not None
    bodies = picture.state_bodies()
    for kind in ("alerts", "devices", "cameras", "incidents", "tasks", "units", "indicators"):
        assert sorted(saved.state.get(kind, [])) == sorted(b for _, b in bodies[kind]), kind


def test_a_second_snapshot_is_saved_incrementally_and_mirrors_the_picture(tmp_path: Path) -> None:
    ingest, pic = make(tmp_path)
    ingest.accept_snapshot(Snapshot(cursor="100", generated_at=T0,
                                    alerts=tuple(alert(f"S{n}", level=LEVELS[n % 4]) for n in range(50)),
                                    devices=(device("D1"), device("D2")),
                                    units=(Unit(id="u1", name="区应急管理局", level="district"),
                                           Unit(id="u2", name="马峦街道办", level="street"))))
    _saved_equals_picture(ingest, pic)
    for n in range(101, 131):  # streamed changes, not yet checkpointed
        ingest.accept(wire(n, alert(f"S{n % 10}", rev=n, status="acknowledged")), str(n))
    ingest.flush()
    kept = [a for a in pic.alerts.values() if a.id not in ("S40", "S41")]
    changed = [alert("S45", rev=99, status="closed"), alert("NEW", rev=1)]
    ingest.accept_snapshot(Snapshot(cursor="200", generated_at=T0,
                                    alerts=tuple(a for a in kept if a.id != "S45") + tuple(changed),
                                    devices=(device("D1"),),
                                    units=(Unit(id="u2", name="马峦街道办", level="street"),)))
    _saved_equals_picture(ingest, pic)
    saved = ingest.snapshots.load()
    assert saved is not None and saved.cursor == "200"
    restored, pic2 = make(tmp_path)
    assert restored.restore() == 0
    assert state_of(pic2) == state_of(pic)


def test_incremental_snapshot_of_50k_unchanged_alerts_keeps_state(tmp_path: Path) -> None:
    ingest, pic = make(tmp_path)
    alerts = tuple(alert(f"A{n}", level=LEVELS[n % 4]) for n in range(50_000))
    t = time.perf_counter()
    ingest.accept_snapshot(Snapshot(cursor="1", generated_at=T0, alerts=alerts))
    full_s = time.perf_counter() - t
    again = tuple(alert(f"A{n}", level=LEVELS[n % 4]) for n in range(50_000))  # equal, not identical
    t = time.perf_counter()
    ingest.accept_snapshot(Snapshot(cursor="2", generated_at=T0, alerts=again))
    incremental_s = time.perf_counter() - t
    print(f"snapshot of 50k alerts saved: full {full_s:.2f} s, again unchanged {incremental_s:.2f} s")
    saved = ingest.snapshots.load()
    assert saved is not None and saved.cursor == "2" and len(saved.state["alerts"]) == 50_000


def test_a_message_ingest_failed_to_store_is_taken_when_it_comes_again(tmp_path: Path) -> None:
    """The source answers a failed ``accept`` by fetching the event again (LiveSource._accept):
    Ingest must then store it, not drop it as "already received" — it never was."""
    ingest, pic = make(tmp_path)
    raw = wire(8, alert("A8")).encode()
    real_append = ingest.journal.append
    calls = []

    def append_fails_once(*args: Any) -> None:
        calls.append(args[0])
        if len(calls) == 1:
            raise MemoryError("the journal could not take the row")
        real_append(*args)

    ingest.journal.append = append_fails_once  # type: ignore[method-assign]
    try:
        ingest.accept(raw, "8")
    except MemoryError:
        pass
    else:
        raise AssertionError("the failure must reach the source, which fetches the event again")
    env = ingest.accept(raw, "8")
    assert env is not None and ingest.duplicates == 0
    assert ingest.flush() == 1 and [sid for _, sid, _ in ingest.journal.read_after(0)] == ["8"]
    assert pic.alerts.get("A8") is not None
    assert ingest.accept(raw, "8") is None and ingest.duplicates == 1  # a real repeat is still dropped

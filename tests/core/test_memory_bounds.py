"""What the live picture keeps on a console on duty for weeks is bounded (issue 18).

Each bound is a named constant; each test drives far past it (a week of closed alerts,
a day of readings, half a million stream ids) over the real stores, Ingest and a real
SQLite cache, and checks that the held amount stops at the bound — while what left
memory is still found (closed alerts by the archive search, readings in the journal).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from console import ingest as ingest_module
from console.alert_query import AlertFilter, AlertQuery, COMPACT_MIN_SLOTS, search_archive
from console.ingest import Ingest
from console.models import Alert, AlertNote, AlertUpsert, GeoPoint, IndicatorValue, Notice, Reading
from console.stores import (
    CLOSED_KEPT_S,
    INDICATOR_WINDOW_S,
    NOTICES_KEPT,
    READING_WINDOW_S,
    READINGS_KEPT,
    AlertStore,
    OperatingPicture,
)
from offline_cache.archive import AlertArchive
from offline_cache.db import open_cache
from offline_cache.deadletters import DeadLetters
from offline_cache.journal import Journal
from offline_cache.snapshots import SnapshotTables

T0 = datetime(2026, 6, 1, 8, 0, tzinfo=timezone(timedelta(hours=8)))


def alert(n: int, status: str, at: datetime, rev: int = 1) -> Alert:
    return Alert(id=f"A{n:06d}", rev=rev, level="yellow", status=status, source="hotline_12345",  # type: ignore[arg-type]
                 category="waterlogging", title=f"坪环社区积水 {n}", description="路面积水约 20 厘米",
                 street="maluan", community="pinghuan", location=GeoPoint(lon=114.36, lat=22.70),
                 created_at=at - timedelta(hours=2), updated_at=at,
                 timeline=(AlertNote(ts=at, actor="值班员", action="close", text=f"回访满意 第{n}号"),))


def wire(seq: int, a: Alert) -> str:
    return AlertUpsert(v=1, id=str(seq), ts=a.updated_at, type="alert.upsert", payload=a).model_dump_json()


def make_ingest(tmp: Path) -> tuple[Ingest, OperatingPicture, AlertArchive]:
    cache = open_cache(tmp / "cache.sqlite")
    picture = OperatingPicture()
    archive = AlertArchive(cache)
    ing = Ingest(picture, Journal(cache), DeadLetters(cache), SnapshotTables(cache), archive=archive)
    return ing, picture, archive


def test_closed_alerts_age_out_into_the_archive_and_are_still_found(tmp_path: Path) -> None:
    ing, picture, archive = make_ingest(tmp_path)
    per_hour = 200  # 4,800 alerts a day, each closed within the hour it was raised
    seq = 0
    held: list[int] = []
    for hour in range(7 * 24):
        at = T0 + timedelta(hours=hour)
        for k in range(per_hour):
            seq += 1
            ing.accept(wire(seq, alert(seq, "closed", at)), str(seq))
        seq += 1
        ing.accept(wire(seq, alert(seq, "new", at)), str(seq))  # one stays open all week
        ing.flush()
        held.append(len(picture.alerts) - (hour + 1))  # the closed ones held
    kept_hours = int(CLOSED_KEPT_S // 3600)
    assert max(held) <= (kept_hours + 1) * per_hour, max(held)
    assert held[-1] == held[kept_hours * 2], (held[-1], held[kept_hours * 2])  # flat after the first day
    assert picture.alerts.get("A000001") is None and archive.count() == 7 * 24 * per_hour - held[-1]
    # open alerts never leave; the oldest closed one is found by the archive search
    assert all(picture.alerts.get(f"A{(h + 1) * (per_hour + 1):06d}") is not None for h in range(7 * 24))
    found = search_archive(archive, AlertFilter(text="第1号 马峦"))
    assert [a.id for a in found] == ["A000001"] and found[0].status == "closed"
    assert search_archive(archive, AlertFilter(text="积水", statuses=frozenset({"new"}))) == []
    assert len(search_archive(archive, AlertFilter(text="坪环"), limit=10)) == 10


def test_aged_out_alerts_leave_the_saved_snapshot_too(tmp_path: Path) -> None:
    ing, picture, archive = make_ingest(tmp_path)
    ing.checkpoint_rows = 10
    ing.accept(wire(1, alert(1, "closed", T0)), "1")
    ing.checkpoint()
    for seq in range(2, 40):
        ing.accept(wire(seq, alert(seq, "new", T0 + timedelta(seconds=CLOSED_KEPT_S + seq))), str(seq))
    ing.flush()
    assert picture.alerts.get("A000001") is None and archive.get("A000001") is not None
    saved = ing.snapshots.load()
    assert saved is not None and not any('"A000001"' in body for body in saved.state.get("alerts", []))


def test_an_alert_with_a_pending_command_does_not_age_out() -> None:
    store = AlertStore()
    store.apply(alert(1, "closed", T0))
    store.apply(alert(2, "closed", T0))
    store.mark_pending("A000002", "cmd-00000001", "alert.reopen")
    gone = store.age_out(T0 + timedelta(seconds=CLOSED_KEPT_S + 1))
    assert [a.id for a in gone] == ["A000001"] and store.get("A000002") is not None


def test_reading_history_is_windowed_and_compact() -> None:
    picture = OperatingPicture()
    # two devices for a day and a half: one every 5 s (count-bound), one every 5 min (time-bound)
    for step in range(0, int(1.5 * 86_400), 5):
        ts = T0 + timedelta(seconds=step)
        batch = [Reading(device_id="busy", metric="rain_mm", value=float(step), ts=ts)]
        if step % 300 == 0:
            batch.append(Reading(device_id="quiet", metric="rain_mm", value=float(step), ts=ts))
        picture.readings.add(batch)
    busy, quiet = picture.readings.history("busy"), picture.readings.history("quiet")
    assert len(busy) == READINGS_KEPT and busy[-1].value == float(int(1.5 * 86_400) - 5)
    assert quiet[-1].ts - quiet[0].ts <= timedelta(seconds=READING_WINDOW_S)
    assert len(quiet) == int(READING_WINDOW_S // 300) + 1
    assert len(picture.readings._history["quiet"]) == int(READING_WINDOW_S // 300) + 1  # trimmed, not only hidden
    assert picture.readings.held() <= 2 * (READINGS_KEPT + READINGS_KEPT // 8 + 1)
    assert busy[0].ts.utcoffset() == T0.utcoffset() and busy[0].metric == "rain_mm"


def test_indicator_history_is_windowed() -> None:
    picture = OperatingPicture()
    for minute in range(0, 3 * 24 * 60, 5):
        picture.indicators.add([IndicatorValue(indicator_id="aqi", value=float(minute),
                                               ts=T0 + timedelta(minutes=minute))])
    history = picture.indicators.history("aqi")
    assert history[-1].ts - history[0].ts <= timedelta(seconds=INDICATOR_WINDOW_S)
    assert picture.indicators.held() == int(INDICATOR_WINDOW_S // 300) + 1  # trimmed, not only hidden


def test_alert_query_reclaims_the_slots_of_alerts_gone() -> None:
    store = AlertStore()
    query = AlertQuery(store)
    for n in range(6 * COMPACT_MIN_SLOTS):
        store.apply(alert(n, "closed", T0 + timedelta(minutes=n)))
        query.update({f"A{n:06d}"})
        if n >= 100:
            store.remove(f"A{n - 100:06d}")
            query.update({f"A{n - 100:06d}"})
    assert len(store) == 100
    assert len(query._ids) <= 2 * COMPACT_MIN_SLOTS and query.compactions >= 2
    assert sorted(query.run(AlertFilter(), group=False).ids) == sorted(store.ids())
    assert query.run(AlertFilter(text=f"第{6 * COMPACT_MIN_SLOTS - 1}号"), group=False).ids == [
        f"A{6 * COMPACT_MIN_SLOTS - 1:06d}"]


def test_stream_id_dedup_window_and_notices_are_capped(tmp_path: Path) -> None:
    ing, picture, _archive = make_ingest(tmp_path)
    ing._has_snapshot = False
    for n in range(1, ingest_module.RECENT_IDS * 2 + 50):
        ing._remember(str(n))
    assert len(ing._recent_ids) == len(ing._recent_order) == ingest_module.RECENT_IDS
    for n in range(NOTICES_KEPT * 3):
        picture.notices.add(Notice(id=f"n{n}", text="巡检"))
    assert len(picture.notices) == NOTICES_KEPT and len(picture.notices._texts) <= NOTICES_KEPT


def test_no_dirty_ids_pile_up_without_a_saved_snapshot(tmp_path: Path) -> None:
    ing, _picture, _archive = make_ingest(tmp_path)
    for seq in range(1, 3000):
        ing.accept(wire(seq, alert(seq, "new", T0)), str(seq))
    ing.flush()
    assert sum(len(ids) for ids in ing._dirty.values()) == 0


def test_a_snapshot_does_not_bring_aged_closed_alerts_back_into_memory(tmp_path: Path) -> None:
    # The gateway keeps closed alerts 48 h, the picture one day: a reconnect's snapshot
    # sends the older ones again; they go straight back to the archive.
    from console.models import Snapshot

    ing, picture, archive = make_ingest(tmp_path)
    now = T0 + timedelta(days=3)
    old = alert(1, "closed", now - timedelta(seconds=CLOSED_KEPT_S + 600))
    fresh = alert(2, "closed", now - timedelta(hours=1))
    still_open = alert(3, "new", now - timedelta(days=2))
    ing.accept_snapshot(Snapshot(cursor="9", generated_at=now, alerts=(old, fresh, still_open)))
    assert picture.alerts.get("A000001") is None and archive.get("A000001") is not None
    assert picture.alerts.get("A000002") is not None and picture.alerts.get("A000003") is not None

"""In-memory stores: revision rules, snapshot replacement, urgency order, change
batching, and the Qt notifier that turns a burst into one signal per kind."""

from __future__ import annotations

import random
import time
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from console.models import (
    LEVEL_RANK,
    Alert,
    AlertUpsert,
    Camera,
    CameraStreams,
    Device,
    DeviceUpsert,
    GeoPoint,
    IndicatorValue,
    IndicatorValues,
    IndicatorValuesEnvelope,
    Notice,
    NoticeEnvelope,
    Reading,
    ReadingBatch,
    ReadingBatchEnvelope,
    ResetEnvelope,
    Reset,
    Snapshot,
    Unit,
)
from console.stores import AlertStore, ConnectionState, OperatingPicture, RevStore, urgency_key

T0 = datetime(2026, 11, 28, 15, 0, tzinfo=timezone(timedelta(hours=8)))
LEVELS = ("red", "orange", "yellow", "blue")
STATUSES = ("new", "acknowledged", "dispatched", "in_progress", "resolved", "closed")


def alert(alert_id: str, rev: int = 1, level: str = "yellow", status: str = "new",
          minutes: float = 0, **extra: Any) -> Alert:
    return Alert(id=alert_id, rev=rev, level=level, status=status, source="grid_patrol",  # type: ignore[arg-type]
                 category="waterlogging", title=f"积水 {alert_id}", street="maluan",
                 created_at=T0 + timedelta(minutes=minutes), updated_at=T0 + timedelta(minutes=minutes, seconds=rev),
                 **extra)


def device(device_id: str, rev: int = 1, status: str = "online") -> Device:
    return Device(id=device_id, rev=rev, kind="river_level", name=f"水位计 {device_id}",
                  location=GeoPoint(lon=114.35, lat=22.72), status=status, metric="water_level_m",  # type: ignore[arg-type]
                  unit="m", updated_at=T0)


def camera(camera_id: str, rev: int = 1) -> Camera:
    return Camera(id=camera_id, rev=rev, name="坪山河摄像机", kind="river", location=GeoPoint(lon=114.35, lat=22.72),
                  status="online", streams=CameraStreams(main="rtsp://x/main", sub="rtsp://x/sub"), updated_at=T0)


def envelope(n: int, payload: Any) -> Any:
    if isinstance(payload, Alert):
        return AlertUpsert(v=1, id=str(n), ts=T0, type="alert.upsert", payload=payload)
    if isinstance(payload, Device):
        return DeviceUpsert(v=1, id=str(n), ts=T0, type="device.upsert", payload=payload)
    raise TypeError(payload)


# ------------------------------------------------------------------ RevStore


def test_higher_rev_wins_equal_and_lower_are_ignored() -> None:
    store: RevStore[Device] = RevStore()
    assert store.apply(device("D1", 2))
    assert not store.apply(device("D1", 2, status="fault")), "duplicate rev ignored"
    assert not store.apply(device("D1", 1, status="fault")), "older rev ignored"
    held = store.get("D1")
    assert held is not None and held.status == "online"
    assert store.apply(device("D1", 5, status="fault"))
    assert store.get("D1").status == "fault"  # type: ignore[union-attr]
    assert "D1" in store and "D2" not in store and len(store) == 1
    assert store.drain_changes() == {"D1"}
    assert store.drain_changes() == set()
    assert not store.apply(device("D1", 3))
    assert store.drain_changes() == set(), "ignored updates are not changes"


def test_replace_all_removes_missing_and_reports_them() -> None:
    store: RevStore[Device] = RevStore()
    for n in range(5):
        store.apply(device(f"D{n}"))
    store.drain_changes()
    store.replace_all([device("D0"), device("D1", 2), device("D9")])
    assert sorted(d.id for d in store.values()) == ["D0", "D1", "D9"]
    changes = store.drain_changes()
    assert {"D2", "D3", "D4", "D1", "D9"} <= changes
    assert "D0" not in changes, "an identical object is not a change"


# ------------------------------------------------------------------ AlertStore order


def _expected_order(store: AlertStore) -> list[str]:
    return [a.id for a in sorted(store.values(), key=lambda a: (a.status in ("resolved", "closed"),
                                                                  LEVEL_RANK[a.level], a.created_at, a.id))]


def test_ordered_open_first_then_level_then_oldest() -> None:
    store = AlertStore()
    store.apply(alert("closed-red", level="red", status="closed", minutes=-100))
    store.apply(alert("blue-old", level="blue", minutes=-50))
    store.apply(alert("red-new", level="red", minutes=10))
    store.apply(alert("red-old", level="red", minutes=-10))
    store.apply(alert("orange", level="orange", minutes=-60, status="in_progress"))
    store.apply(alert("resolved-blue", level="blue", status="resolved"))
    assert store.ordered() == ["red-old", "red-new", "orange", "blue-old", "closed-red", "resolved-blue"]
    # a change moves exactly that alert
    store.apply(alert("blue-old", rev=2, level="red", minutes=-50))
    assert store.ordered()[:2] == ["blue-old", "red-old"]
    store.apply(alert("red-old", rev=2, level="red", status="resolved", minutes=-10))
    assert store.ordered()[-3:] == ["closed-red", "red-old", "resolved-blue"]
    store.replace_all([alert("x", level="blue"), alert("y", level="red")])
    assert store.ordered() == ["y", "x"]


def test_ordered_stays_correct_under_random_updates_and_removals() -> None:
    rng = random.Random(7)
    store = AlertStore()
    revs: dict[str, int] = {}
    for step in range(3000):
        alert_id = f"A{rng.randrange(400)}"
        revs[alert_id] = revs.get(alert_id, 0) + 1
        store.apply(alert(alert_id, rev=revs[alert_id], level=rng.choice(LEVELS), status=rng.choice(STATUSES),
                          minutes=rng.randrange(-500, 500)))
        if step % 97 == 0:
            store.remove(f"A{rng.randrange(400)}")
        if step % 13 == 0:  # ask for the order at irregular moments (incremental path)
            assert store.ordered() == _expected_order(store)
    assert store.ordered() == _expected_order(store)
    assert len(store.ordered()) == len(store)


def test_ordered_is_fast_for_100k_alerts() -> None:
    rng = random.Random(1)
    store = AlertStore()
    store.replace_all([alert(f"A{n:06d}", level=rng.choice(LEVELS), status=rng.choice(STATUSES),
                             minutes=rng.randrange(-100_000, 0)) for n in range(100_000)])
    t = time.perf_counter()
    first = store.ordered()
    full_s = time.perf_counter() - t
    assert len(first) == 100_000
    t = time.perf_counter()
    assert store.ordered() is first, "cached while nothing changed"
    cached_s = time.perf_counter() - t
    # a burst of 500 updates then one ordered(): incremental, far below a full sort
    for n in range(500):
        store.apply(alert(f"A{rng.randrange(100_000):06d}", rev=2 + n, level=rng.choice(LEVELS),
                          status=rng.choice(STATUSES), minutes=rng.randrange(-100_000, 0)))
    t = time.perf_counter()
    after = store.ordered()
    burst_s = time.perf_counter() - t
    assert after == _expected_order(store)
    print(f"ordered() 100k: full {full_s * 1000:.0f} ms, cached {cached_s * 1e6:.1f} µs, "
          f"after 500 updates {burst_s * 1000:.1f} ms")


def test_urgency_key_matches_level_rank() -> None:
    keys = [urgency_key(alert(level, level=level)) for level in LEVELS]
    assert keys == sorted(keys)


# ------------------------------------------------------------------ overlay


def test_pending_and_refusal_overlay_mark_the_alert_changed() -> None:
    store = AlertStore()
    store.apply(alert("A1"))
    store.drain_changes()
    store.mark_pending("A1", "cmd-1", "alert.acknowledge")
    store.mark_pending("A1", "cmd-2", "alert.note")
    assert [p.command_id for p in store.pending("A1")] == ["cmd-1", "cmd-2"]
    assert store.pending("A1")[0].kind == "alert.acknowledge" and store.pending("A1")[0].since.tzinfo
    assert store.drain_changes() == {"A1"}
    assert store.clear_pending("cmd-1") == "A1"
    assert store.clear_pending("cmd-1") is None
    store.set_refusal("A1", "告警已被他人签收")
    assert store.refusal("A1") == "告警已被他人签收"
    assert store.get("A1").rev == 1  # type: ignore[union-attr]  # refusal leaves the alert as it was
    store.mark_pending("A1", "cmd-3", "alert.acknowledge")
    assert store.refusal("A1") is None, "a new attempt clears the old refusal"
    assert store.refusal("nope") is None and store.pending("nope") == []


# ------------------------------------------------------------------ OperatingPicture


def test_picture_routes_envelopes_and_ignores_reset() -> None:
    pic = OperatingPicture()
    pic.apply(envelope(1, alert("A1")))
    pic.apply(envelope(2, device("D1")))
    reading = Reading(device_id="D1", metric="water_level_m", value=2.5, ts=T0)
    pic.apply(ReadingBatchEnvelope(v=1, id="3", ts=T0, type="reading.batch",
                                   payload=ReadingBatch(readings=(reading,))))
    pic.apply(IndicatorValuesEnvelope(v=1, id="4", ts=T0, type="indicator.values", payload=IndicatorValues(
        values=(IndicatorValue(indicator_id="pm25", value=21.0, ts=T0),
                IndicatorValue(indicator_id="pm25", value=30.0, ts=T0, street="maluan")))))
    pic.apply(NoticeEnvelope(v=1, id="5", ts=T0, type="notice", payload=Notice(id="n1", text="台风预警")))
    pic.apply(NoticeEnvelope(v=1, id="6", ts=T0, type="notice", payload=Notice(id="n1", text="台风预警")))
    assert not pic.apply(ResetEnvelope(v=1, id="7", ts=T0, type="reset", payload=Reset()))
    assert pic.alerts.get("A1") is not None and pic.devices.get("D1") is not None
    assert pic.readings.latest("D1") == reading and len(pic.readings.history("D1")) == 1
    assert pic.indicators.latest("pm25").value == 21.0  # type: ignore[union-attr]
    assert pic.indicators.latest("pm25", "maluan").value == 30.0  # type: ignore[union-attr]
    assert [n.id for n in pic.notices.recent(5)] == ["n1"]
    changes = pic.drain_changes()
    assert changes["alerts"] == {"A1"} and changes["devices"] == {"D1"} and changes["readings"] == {"D1"}
    assert changes["indicators"] == {"pm25"} and changes["notices"] == {"n1"}
    assert set(changes) == {"alerts", "devices", "readings", "cameras", "indicators", "incidents", "tasks",
                            "notices", "units", "connection"}
    assert not any(pic.drain_changes().values())


def test_reading_history_is_a_ring() -> None:
    pic = OperatingPicture()
    pic.readings.add(Reading(device_id="D1", metric="m", value=float(n), ts=T0 + timedelta(seconds=n))
                     for n in range(2500))
    history = pic.readings.history("D1")
    assert len(history) == 2000 and history[0].value == 500.0
    assert pic.readings.latest("D1").value == 2499.0  # type: ignore[union-attr]


def test_load_snapshot_replaces_and_sets_units() -> None:
    pic = OperatingPicture()
    pic.apply(envelope(1, alert("stale")))
    pic.apply(envelope(2, device("D-old")))
    pic.drain_changes()
    snap = Snapshot(cursor="100", generated_at=T0, alerts=(alert("A1"), alert("A2")), devices=(device("D1"),),
                    cameras=(camera("44030000001320000001"),),
                    indicators=(IndicatorValue(indicator_id="aqi", value=40, ts=T0),),
                    units=(Unit(id="u-water", name="区水务局", level="district"),))
    pic.load_snapshot(snap)
    assert sorted(a.id for a in pic.alerts.values()) == ["A1", "A2"]
    assert [d.id for d in pic.devices.values()] == ["D1"]
    assert pic.units["u-water"].name == "区水务局"
    assert pic.indicators.latest("aqi").value == 40  # type: ignore[union-attr]
    assert pic.connection.data_as_of == T0
    changes = pic.drain_changes()
    assert changes["alerts"] == {"stale", "A1", "A2"} and changes["devices"] == {"D-old", "D1"}
    assert changes["units"] == {"u-water"} and changes["cameras"] == {"44030000001320000001"}
    assert "data_as_of" in changes["connection"]


def test_connection_state_is_replaced_not_mutated() -> None:
    pic = OperatingPicture()
    before = pic.connection
    pic.set_connection(state="live", detail="")
    assert before.state == "connecting" and pic.connection.state == "live"
    assert pic.drain_changes()["connection"] == {"state"}
    pic.set_connection(state="live")
    assert pic.drain_changes()["connection"] == set(), "same value: no change"
    with pytest.raises(TypeError):
        pic.set_connection(stat="live")
    with pytest.raises(Exception):
        pic.connection.state = "offline"  # type: ignore[misc]
    assert isinstance(pic.connection, ConnectionState)


def test_a_burst_of_1000_updates_is_one_change_set() -> None:
    pic = OperatingPicture()
    for n in range(1000):
        pic.apply(envelope(n, alert(f"A{n % 100}", rev=n)))
    changes = pic.drain_changes()
    assert len(changes["alerts"]) == 100
    assert pic.drain_changes()["alerts"] == set()


# ------------------------------------------------------------------ Qt notifier


def test_notifier_batches_1000_applies_into_one_signal_per_kind(qtbot: Any) -> None:
    from widgets.bridge import PictureNotifier

    pic = OperatingPicture()
    notifier = PictureNotifier(pic, interval_ms=50)
    seen: dict[str, list[Any]] = {}
    for kind in ("alerts", "devices", "readings", "cameras", "indicators", "incidents", "tasks", "notices",
                 "units", "connection"):
        getattr(notifier, f"{kind}_changed").connect(lambda ids, k=kind: seen.setdefault(k, []).append(ids))
    try:
        for n in range(1000):
            pic.apply(envelope(n, alert(f"A{n}", rev=1)))
            if n % 10 == 0:
                pic.apply(envelope(n, device(f"D{(n // 10) % 50}", rev=n + 1)))
        pic.set_connection(state="live")
        with qtbot.waitSignal(notifier.alerts_changed, timeout=2000):
            pass
        qtbot.wait(120)  # more timer ticks: nothing further may arrive
        assert len(seen["alerts"]) == 1 and len(seen["alerts"][0]) == 1000
        assert len(seen["devices"]) == 1 and len(seen["devices"][0]) == 50
        assert len(seen["connection"]) == 1 and seen["connection"][0].state == "live"
        assert "readings" not in seen and "cameras" not in seen, "empty kinds are not signalled"
        pic.apply(envelope(5000, alert("A1", rev=2)))
        notifier.flush_now()
        assert seen["alerts"][-1] == {"A1"} and len(seen["alerts"]) == 2
    finally:
        notifier.stop()
    pic.apply(envelope(5001, alert("A2", rev=3)))
    qtbot.wait(120)
    assert len(seen["alerts"]) == 2, "a stopped notifier emits nothing"


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["D1", "D2", "D3"]), st.integers(0, 20), st.sampled_from(["online", "fault"])),
                max_size=60))
def test_rev_store_keeps_the_first_arrival_of_each_ids_highest_rev(updates: list[tuple[str, int, str]]) -> None:
    store: RevStore[Device] = RevStore()
    for device_id, rev, status in updates:
        store.apply(device(device_id, rev, status=status))
    expected: dict[str, tuple[int, str]] = {}
    for device_id, rev, status in updates:
        if device_id not in expected or rev > expected[device_id][0]:
            expected[device_id] = (rev, status)
    assert {d.id: (d.rev, d.status) for d in store.values()} == expected


def test_flush_emits_one_typed_change_set_and_nothing_when_idle() -> None:
    from console.stores import PictureChanges

    pic = OperatingPicture()
    seen: list[PictureChanges] = []
    pic.changed.connect(seen.append)
    for n in range(50):
        pic.apply(envelope(n, alert(f"A{n % 5}", rev=n)))
    pic.set_connection(state="live")
    pic.flush()
    assert len(seen) == 1 and isinstance(seen[0], PictureChanges)
    assert seen[0].alerts == {"A0", "A1", "A2", "A3", "A4"} and seen[0].devices == set()
    assert seen[0].connection == {"state"} and seen[0].connection_state.state == "live"
    pic.flush()
    assert len(seen) == 1, "nothing changed: no event"

"""Filters, Chinese full-text search, urgency order and storm grouping in the core."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from console.alert_query import AlertFilter, AlertQuery, names_from_catalogue
from console.models import Alert, AlertNote
from console.stores import AlertStore
from console.workflow import Limits

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=timezone.utc)
LIMITS = Limits({"waterlogging": 1800.0, "noise": 7200.0}, {"waterlogging": 86400.0, "noise": 86400.0})


def _alert(i: int, **kw: Any) -> Alert:
    created = kw.pop("created", NOW - timedelta(minutes=5))
    base: dict[str, Any] = dict(id=f"PS{i:07d}", rev=1, level="yellow", status="new", source="hotline_12345",
                                category="noise", title=f"噪声扰民 {i}", description="夜间施工噪声",
                                street="maluan", community=None, created_at=created, updated_at=created,
                                timeline=(AlertNote(ts=created, actor="12345", action="create", text="事件上报"),))
    base.update(kw)
    return Alert(**base)


def _query(*alerts: Alert) -> tuple[AlertStore, AlertQuery]:
    store = AlertStore()
    for a in alerts:
        store.apply(a)
    return store, AlertQuery(store, LIMITS, names_from_catalogue())


def test_overdue_first_then_open_red_to_blue() -> None:
    store, q = _query(
        _alert(1, level="blue"),
        _alert(2, level="red"),
        _alert(3, level="red", status="closed"),
        _alert(4, level="blue", category="waterlogging", created=NOW - timedelta(hours=1)),  # ack limit 30 min
    )
    r = q.run(now=NOW, group=False)
    assert r.ids == ["PS0000004", "PS0000002", "PS0000001", "PS0000003"]
    assert r.overdue == 1 and r.matched == 4 and r.total == 4


def test_filters_and_time_window() -> None:
    store, q = _query(
        _alert(1, level="red", source="video_ai", street="biling"),
        _alert(2, level="orange", status="acknowledged"),
        _alert(3, created=NOW - timedelta(days=2), category="waterlogging", community="maluan.c1"),
    )
    assert q.run(AlertFilter(levels=frozenset({"red"})), NOW).ids == ["PS0000001"]
    assert q.run(AlertFilter(categories=frozenset({"waterlogging"})), NOW).ids == ["PS0000003"]
    assert q.run(AlertFilter(categories=frozenset({"noise"})), NOW, group=False).matched == 2
    assert q.run(AlertFilter(communities=frozenset({"maluan.c1"})), NOW).ids == ["PS0000003"]
    assert q.run(AlertFilter(sources=frozenset({"video_ai"})), NOW).ids == ["PS0000001"]
    assert q.run(AlertFilter(streets=frozenset({"maluan"})), NOW, group=False).matched == 2
    assert q.run(AlertFilter(statuses=frozenset({"acknowledged"})), NOW).ids == ["PS0000002"]
    assert q.run(AlertFilter(since=NOW - timedelta(hours=24)), NOW, group=False).matched == 2
    assert q.run(AlertFilter(categories=frozenset({"unknown"})), NOW).matched == 0
    assert q.run(AlertFilter(communities=frozenset({"nowhere"})), NOW).matched == 0


def test_chinese_full_text_search_over_names_and_notes() -> None:
    store, q = _query(
        _alert(1, title="坪山大道积水", category="waterlogging", description=""),
        _alert(2, street="biling"),
    )
    assert q.run(AlertFilter(text="积水"), NOW).ids == ["PS0000001"]
    assert q.run(AlertFilter(text="内涝"), NOW).ids == ["PS0000001"]  # category name
    assert q.run(AlertFilter(text="碧岭 噪声"), NOW).ids == ["PS0000002"]  # street name + text
    assert q.run(AlertFilter(text="碧岭 积水"), NOW).ids == []
    # A new revision (a note) is searchable once the query is told it changed.
    a = store.get("PS0000002")
    assert a is not None
    store.apply(a.model_copy(update={"rev": 2, "timeline": a.timeline + (
        AlertNote(ts=NOW, actor="值班员", action="note", text="已联系施工方"),)}))
    q.update({"PS0000002"})
    assert q.run(AlertFilter(text="施工方"), NOW).ids == ["PS0000002"]


def test_storm_grouping_counts_and_expansion() -> None:
    storm = [_alert(i, device_id="dev-1", category="waterlogging", title=f"水位超阈值 {i}") for i in range(1, 6)]
    area = [_alert(i, community="maluan.c1") for i in range(10, 13)]
    single = _alert(20, community="maluan.c2")
    closed = _alert(21, device_id="dev-1", status="closed")
    store, q = _query(*storm, *area, single, closed)
    r = q.run(now=NOW)
    assert r.groups == 2 and r.grouped == 4 + 2
    assert len(r.ids) == 4 + 0  # two group rows, the single, the closed one
    counts = dict(zip(r.ids, r.counts.tolist()))
    assert counts["PS0000001"] == 5 and counts["PS0000010"] == 3
    assert counts["PS0000020"] == 1 and counts["PS0000021"] == 1
    # A duplicate id never makes a second row.
    store.apply(storm[0])
    q.update({"PS0000001"})
    assert q.run(now=NOW).ids.count("PS0000001") == 1
    # Expanded: members follow their leader; grouped count falls accordingly.
    code = r.group_of["PS0000001"]
    e = q.run(now=NOW, expanded=[code])
    at = e.ids.index("PS0000001")
    assert e.ids[at + 1:at + 5] == ["PS0000002", "PS0000003", "PS0000004", "PS0000005"]
    assert e.kinds[at] == 1 and all(k == 2 for k in e.kinds[at + 1:at + 5])
    assert e.grouped == 2
    assert q.members_of(code, now=NOW)[0] == "PS0000001"
    # Filters apply before grouping; ungrouped shows every alert.
    assert len(q.run(now=NOW, group=False).ids) == 10


def test_removed_alerts_drop_out() -> None:
    store, q = _query(_alert(1), _alert(2))
    store.remove("PS0000001")
    q.update({"PS0000001"})
    assert q.run(now=NOW).ids == ["PS0000002"]
    assert q.run(AlertFilter(text="噪声"), NOW).ids == ["PS0000002"]


def test_pinyin_and_initials_find_titles_places_and_units() -> None:
    """Operators without a Chinese input method type pinyin: ``maluan`` / ``ml`` find 马峦."""
    store, q = _query(
        _alert(1, street="maluan", title="路面塌陷", description=""),                  # street 马峦
        _alert(2, street="biling", title="马峦山步道落石", description=""),            # title
        _alert(3, street="biling", title="噪声", assigned_unit="street.maluan"),  # unit 马峦街道分中心
        _alert(4, street="kengzi", title="占道经营", community="kengzi.jinsha"),      # nothing of 马峦
    )
    every = ["PS0000001", "PS0000002", "PS0000003"]
    assert sorted(q.run(AlertFilter(text="maluan"), NOW, group=False).ids) == every
    assert sorted(q.run(AlertFilter(text="ml"), NOW, group=False).ids) == every
    assert sorted(q.run(AlertFilter(text="MaLuan"), NOW, group=False).ids) == every
    # Pinyin, initials and Chinese combine (every term must occur).
    assert q.run(AlertFilter(text="maluan taxian"), NOW, group=False).ids == ["PS0000001"]
    assert q.run(AlertFilter(text="mlsbd"), NOW, group=False).ids == ["PS0000002"]
    assert q.run(AlertFilter(text="ml 分中心"), NOW, group=False).ids == ["PS0000003"]
    # Phrase-aware for place names: 坑梓 is keng·zi.
    assert q.run(AlertFilter(text="kengzi zhandao"), NOW, group=False).ids == ["PS0000004"]
    assert q.run(AlertFilter(text="xyz"), NOW, group=False).matched == 0


def test_pinyin_index_stays_fast_at_100000_alerts(monkeypatch: Any) -> None:
    """Pinyin is computed once per alert revision, never per query, and pypinyin's slow
    phrase conversion (~100 µs a call) runs once per distinct name, not per alert."""
    import time

    import pypinyin

    from console import pinyin

    pinyin.name_forms.cache_clear()
    phrase_calls = 0
    real_lazy = pypinyin.lazy_pinyin

    def counting_lazy(*args: Any, **kw: Any) -> Any:
        nonlocal phrase_calls
        phrase_calls += 1
        return real_lazy(*args, **kw)

    title_calls = 0
    real_text = pinyin.text_forms

    def counting_text(text: str) -> str:
        nonlocal title_calls
        title_calls += 1
        return real_text(text)

    monkeypatch.setattr(pypinyin, "lazy_pinyin", counting_lazy)
    monkeypatch.setattr(pinyin, "text_forms", counting_text)
    store = AlertStore()
    streets = ["maluan", "biling", "kengzi", "shijing", "longtian", "pingshan"]
    n = 100_000
    for i in range(n):
        store.apply(_alert(i, street=streets[i % 6], title=f"道路积水{i % 977}号井盖", description=""))
    q = AlertQuery(store, LIMITS, names_from_catalogue())
    assert title_calls == n
    assert phrase_calls <= 20  # six streets, one category, the empty names: once each
    q.run(AlertFilter(text="maluan"), NOW, group=False)  # the joined text is built once, here
    t0 = time.perf_counter()
    r = q.run(AlertFilter(text="maluan"), NOW, group=False)
    search = time.perf_counter() - t0
    assert r.matched == len(range(0, n, 6))
    assert q.run(AlertFilter(text="ml jg"), NOW, group=False).matched == r.matched  # 井盖 → jg
    q.update({"PS0000000"})  # same revision: nothing recomputed
    assert title_calls == n
    assert search < 1.0, search  # measured ≈ 20 ms; a Python pass per alert would be ≈ 1 s


# --------------------------------------------------------------------------- the queue's other rules


def test_filter_from_the_queue_boxes() -> None:
    from console.alert_query import OPEN_CHOICE, filter_from_choices

    assert filter_from_choices() == AlertFilter()
    flt = filter_from_choices(level="red", street="maluan", status=OPEN_CHOICE, window_s=3600, text="积水", now=NOW)
    assert flt.levels == {"red"} and flt.streets == {"maluan"} and flt.text == "积水"
    assert flt.statuses == {"new", "acknowledged", "dispatched", "in_progress"}  # 未办结: every open status
    assert flt.since == NOW - timedelta(hours=1) and flt.until is None
    assert filter_from_choices(status="closed").statuses == {"closed"}


def test_a_wartime_focus_narrows_only_what_the_operator_left_open() -> None:
    focus = AlertFilter(categories=frozenset({"waterlogging"}), streets=frozenset({"maluan", "biling"}))
    mine = AlertFilter(levels=frozenset({"red"}), streets=frozenset({"kengzi"}))
    both = mine.narrowed_by(focus)
    assert both.categories == {"waterlogging"}  # the focus fills what the operator left open
    assert both.streets == {"kengzi"}  # the operator's own choice wins
    assert both.levels == {"red"}
    assert mine.narrowed_by(None) is mine


def test_queue_counts_follow_the_changes() -> None:
    from console.alert_query import QueueCounts, flashes

    red_new, orange_ack, blue_new = _alert(1, level="red"), _alert(2, level="orange", status="acknowledged"), _alert(3, level="blue")
    counts = QueueCounts()
    counts.reset([red_new, orange_ack, blue_new])
    assert (len(counts), counts.new, counts.red_open, counts.flashing) == (3, 2, 1, 1)
    assert flashes(red_new) and not flashes(orange_ack) and not flashes(blue_new)
    counts.update(red_new.id, red_new.model_copy(update={"status": "closed", "rev": 2}))
    assert (len(counts), counts.new, counts.red_open, counts.flashing) == (3, 1, 0, 0)
    counts.update(orange_ack.id, None)  # gone
    counts.update("PS9", _alert(9, level="orange"))  # new and orange: flashes
    assert (len(counts), counts.new, counts.red_open, counts.flashing) == (3, 2, 0, 1)


def test_time_cell_is_district_time_today_else_the_date() -> None:
    from console.alert_query import time_text

    now = datetime(2026, 11, 29, 12, 0, tzinfo=timezone.utc)  # 20:00 in Pingshan
    assert time_text(datetime(2026, 11, 29, 1, 2, 3, tzinfo=timezone.utc), now) == "09:02:03"
    # 15:59 UTC on the 28th is 23:59 on the 28th in Pingshan: another day.
    assert time_text(datetime(2026, 11, 28, 15, 59, tzinfo=timezone.utc), now) == "11-28 23:59"
    assert time_text(datetime(2026, 11, 28, 16, 0, tzinfo=timezone.utc), now) == "00:00:00"


def test_cameras_near_an_alert_its_own_first_then_the_nearest() -> None:
    from types import SimpleNamespace

    from console.alert_query import cameras_near, metres
    from console.models import GeoPoint

    here = GeoPoint(lon=114.35, lat=22.70)

    def cam(cid: str, dlon: float) -> SimpleNamespace:
        return SimpleNamespace(id=cid, location=GeoPoint(lon=114.35 + dlon, lat=22.70))

    cams = {c.id: c for c in (cam("far", 0.05), cam("own", 0.03), cam("near", 0.001), cam("mid", 0.01))}
    alert = SimpleNamespace(camera_ids=("own", "gone"), location=here)
    chosen = cameras_near(alert, cams, 3)
    assert [cid for cid, _ in chosen] == ["own", "gone", "near"]
    assert chosen[0][1] == metres(cams["own"].location, here) and chosen[1][1] is None  # unknown camera
    assert cameras_near(SimpleNamespace(camera_ids=("own",), location=None), cams, 4) == [("own", None)]


def test_storm_groups_keep_to_their_window_and_their_category() -> None:
    """The storm key is (device, window) or (category, community, window): alerts 11 minutes
    apart are two storms, and two categories in one community are never one group."""
    window = 600.0
    start = datetime.fromtimestamp((NOW.timestamp() // window - 3) * window, timezone.utc)  # a window's start
    early = [_alert(i, device_id="dev-1", created=start + timedelta(minutes=i)) for i in (1, 2)]  # 1, 2 min
    late = [_alert(i, device_id="dev-1", created=start + timedelta(minutes=i)) for i in (12, 13)]  # 11 min later
    noise = [_alert(i, community="maluan.c1", category="noise", created=start + timedelta(minutes=3))
             for i in (10, 11)]
    water = [_alert(i, community="maluan.c1", category="waterlogging", created=start + timedelta(minutes=3))
             for i in (20, 21)]
    store, q = _query(*early, *late, *noise, *water)
    assert q.group_window_s == window
    groups: dict[int | None, set[str]] = {}
    for a in (*early, *late, *noise, *water):
        groups.setdefault(q.group_code_of(a.id), set()).add(a.id)
    assert None not in groups
    assert sorted(sorted(g) for g in groups.values()) == [
        ["PS0000001", "PS0000002"], ["PS0000010", "PS0000011"],
        ["PS0000012", "PS0000013"], ["PS0000020", "PS0000021"],
    ]
    r = q.run(now=NOW)
    assert r.groups == 4 and r.grouped == 4 and len(r.ids) == 4


def test_alerts_without_a_storm_key_never_group_and_latin_text_is_found() -> None:
    """Killed mutmut survivors in ``AlertQuery._set`` (docs/testing.md): alerts with no storm
    key (closed, or neither device nor community) stay single rows however many there are,
    and an id or device id is found in lower or upper case."""
    store, q = _query(_alert(1, status="closed", device_id="dev-9"), _alert(2, status="closed", device_id="dev-9"),
                      _alert(3), _alert(4), _alert(5, device_id="Gauge-7"))
    r = q.run(now=NOW)
    assert r.groups == 0 and r.grouped == 0 and len(r.ids) == 5
    assert all(q.group_code_of(f"PS000000{i}") is None for i in (1, 2, 3, 4))
    assert q.run(AlertFilter(text="ps0000003"), NOW).ids == ["PS0000003"]
    assert q.run(AlertFilter(text="GAUGE-7"), NOW).ids == ["PS0000005"]

"""The wall's rules without a display: layouts, assignments, tours, alarm linkage, presets."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace

import pytest

from console.video_wall_model import (
    LAYOUTS,
    AlarmLinkage,
    LinkageRule,
    Tour,
    TourRunner,
    VideoPreferences,
    WallModel,
    distance_m,
    matches,
    nearest_cameras,
)
from offline_cache.blobs import BlobStore
from offline_cache.db import open_cache

CST = timezone(timedelta(hours=8))


def test_layouts_cover_every_tile_count_and_the_uneven_ones() -> None:
    assert [LAYOUTS[n].tiles for n in ("1", "4", "9", "16", "25", "36", "64")] == [1, 4, 9, 16, 25, 36, 64]
    assert LAYOUTS["1+5"].tiles == 6 and LAYOUTS["1+7"].tiles == 8
    for lay in LAYOUTS.values():
        covered: list[tuple[int, int]] = []
        for c in lay.cells:
            covered += [(r, k) for r in range(c.row, c.row + c.rowspan) for k in range(c.col, c.col + c.colspan)]
        # Every grid cell covered exactly once.
        assert sorted(covered) == [(r, k) for r in range(lay.rows) for k in range(lay.columns)], lay.name
    assert LAYOUTS["1+5"].large_slots == (0,) and LAYOUTS["16"].large_slots == ()


def test_assignments_survive_layout_changes() -> None:
    wall = WallModel("16")
    ids = [f"cam{i:02d}" for i in range(16)]
    wall.show_cameras(ids)
    wall.set_layout("4")
    assert wall.visible() == ids[:4]
    wall.assign(1, "other")
    wall.set_layout("1+7")
    assert wall.visible() == [ids[0], "other", *ids[2:8]]
    wall.set_layout("16")
    assert wall.visible() == [ids[0], "other", *ids[2:]]
    wall.swap(0, 15)
    assert wall.camera_at(0) == ids[15] and wall.camera_at(15) == ids[0]
    with pytest.raises(ValueError):
        wall.set_layout("7")


def test_show_cameras_fills_from_a_start_tile_and_stops_at_the_last() -> None:
    wall = WallModel("4")
    events: list[tuple[set[int], bool]] = []
    wall.changed.connect(lambda s, lay: events.append((s, lay)))
    assert wall.show_cameras(["a", "b", "c", "d", "e"], start_slot=2) == [2, 3]
    assert wall.visible() == [None, None, "a", "b"]
    assert events == [({2, 3}, False)]


def test_tour_on_one_tile_follows_a_controllable_clock() -> None:
    now = [100.0]
    wall = WallModel("4")
    runner = TourRunner(wall, clock=lambda: now[0])
    runner.start(Tour("河道", ["r1", "r2", "r3"], interval_s=10, slot=2))
    assert wall.camera_at(2) == "r1"
    now[0] = 109.9
    assert not runner.tick()
    now[0] = 110.0
    assert runner.tick() and wall.camera_at(2) == "r2"
    runner.pause()
    now[0] = 500.0
    assert not runner.tick() and wall.camera_at(2) == "r2"
    runner.resume()  # 10 s left at pause
    now[0] = 509.0
    assert not runner.tick()
    now[0] = 510.0
    assert runner.tick() and wall.camera_at(2) == "r3"
    runner.skip()
    assert wall.camera_at(2) == "r1"  # wraps around
    now[0] = 535.0  # two and a half intervals: two steps
    runner.tick()
    assert wall.camera_at(2) == "r3" and runner.steps == 5
    assert wall.camera_at(0) is None  # other tiles untouched


def test_tour_on_the_whole_wall_pages_through_the_group() -> None:
    now = [0.0]
    wall = WallModel("4")
    runner = TourRunner(wall, clock=lambda: now[0])
    ids = [f"c{i}" for i in range(6)]
    runner.start(Tour("全区", ids, interval_s=5, slot=None))
    assert wall.visible() == ["c0", "c1", "c2", "c3"]
    now[0] = 5.0
    runner.tick()
    assert wall.visible() == ["c4", "c5", "c0", "c1"]
    with pytest.raises(ValueError):
        Tour("快", ["a"], interval_s=0.5)
    with pytest.raises(ValueError):
        Tour("空", [])


def _cam(cid: str, lon: float, lat: float, status: str = "online") -> SimpleNamespace:
    return SimpleNamespace(id=cid, name=f"摄像机{cid}", status=status, location=SimpleNamespace(lon=lon, lat=lat))


def _alert(aid: str, level: str, lon: float, lat: float, status: str = "new") -> SimpleNamespace:
    return SimpleNamespace(id=aid, level=level, status=status, title=f"告警{aid}",
                           location=SimpleNamespace(lon=lon, lat=lat), created_at=datetime(2026, 11, 29, tzinfo=CST))


def test_nearest_cameras_within_radius() -> None:
    # ~111 m per 0.001° of latitude.
    cams = [_cam("far", 114.35, 22.75), _cam("c300", 114.35, 22.7227), _cam("c100", 114.35, 22.7209),
            _cam("off", 114.35, 22.7201, status="offline"), _cam("c500", 114.35, 22.7245)]
    assert 105 < distance_m(114.35, 22.72, 114.35, 22.721) < 115
    got = nearest_cameras(cams, 114.35, 22.72, radius_m=600, limit=3)
    assert [c for c, _ in got] == ["c100", "c300", "c500"]
    assert [c for c, _ in nearest_cameras(cams, 114.35, 22.72, radius_m=400, limit=5)] == ["c100", "c300"]


def test_alarm_linkage_picks_nearest_for_red_and_orange_and_clears_on_acknowledge() -> None:
    cams = [_cam("a", 114.30, 22.70), _cam("b", 114.3005, 22.70), _cam("c", 114.302, 22.70),
            _cam("d", 114.40, 22.78)]
    link = AlarmLinkage(LinkageRule(radius_m=500, slots=(4, 5)))
    alerts = {
        "Y1": _alert("Y1", "yellow", 114.30, 22.70),
        "R1": _alert("R1", "red", 114.3001, 22.70),
        "O1": _alert("O1", "orange", 114.40, 22.7801),
        "R2": _alert("R2", "red", 114.36, 22.74),  # no camera within 500 m
    }
    old = _alert("OLD", "red", 114.30, 22.70)
    assert link.consider([old], cams, now=old.created_at + timedelta(hours=1)) == []  # a backlog
    results = link.consider(alerts.values(), cams, now=alerts["R1"].created_at)
    placed = {r.alert_id: [(s, c) for s, c, _ in r.placements] for r in results}
    assert placed["R1"] == [(4, "a"), (5, "b")]
    assert "Y1" not in placed and "R2" not in placed
    assert link.banner_at(4).alert_id in ("R1", "O1")
    # Linked once: the same alert again places nothing.
    assert link.consider(alerts.values(), cams, now=alerts["R1"].created_at) == []
    banner_alert = link.banner_at(4).alert_id
    alerts[banner_alert] = _alert(banner_alert, "red", 114.3, 22.7, status="acknowledged")
    cleared = link.clear_acknowledged(alerts.get)
    assert 4 in cleared and link.banner_at(4) is None


def test_preferences_persist_in_the_cache(tmp_path: Path) -> None:
    cache = open_cache(tmp_path / "c.sqlite")
    prefs = VideoPreferences(BlobStore(cache))
    prefs.set_favourite("44031000001320000001", True)
    prefs.save_tour(Tour("河道巡查", ["x", "y"], interval_s=15, slot=None))
    wall = WallModel("1+5")
    wall.show_cameras(["p", "q"])
    prefs.save_wall("防汛", wall)
    cache.close()

    again = VideoPreferences(BlobStore(open_cache(tmp_path / "c.sqlite")))
    assert again.favourites() == {"44031000001320000001"}
    assert again.tours()["河道巡查"].camera_ids == ["x", "y"]
    other = WallModel("4")
    assert again.load_wall("防汛", other)
    assert other.layout.name == "1+5" and other.visible()[:3] == ["p", "q", None]
    assert not again.load_wall("不存在", other)


def test_directory_search_by_name_or_code() -> None:
    cam = SimpleNamespace(id="44031000001320000007", name="马峦街道坪环社区-深汕路口")
    assert matches(cam, "坪环") and matches(cam, "000007") and matches(cam, "44031000001320000007")
    assert not matches(cam, "碧岭") and not matches(cam, "9999")


def test_linkage_holds_unacknowledged_tiles_and_places_waiting_alerts_later() -> None:
    cams = [_cam(f"c{i}", 114.30 + i * 0.0005, 22.70) for i in range(6)]
    link = AlarmLinkage(LinkageRule(radius_m=2000, slots=(0, 1)))
    o1 = _alert("O1", "orange", 114.30, 22.70)
    when = o1.created_at
    assert [s for s, _c, _d in link.consider([o1], cams, now=when)[0].placements] == [0, 1]
    # A second orange alert waits: both tiles belong to O1 until it is acknowledged.
    o2 = _alert("O2", "orange", 114.3025, 22.70)
    assert link.consider([o2], cams, now=when) == [] and link.held_ids() == ["O2"]
    # A red alert takes the tiles at once.
    r1 = _alert("R1", "red", 114.3025, 22.70)
    (res,) = link.consider([r1], cams, now=when)
    assert [c for _s, c, _d in res.placements] == ["c5", "c4"] and link.banner_at(0).alert_id == "R1"
    # Once R1 is acknowledged the waiting O2 gets the tiles.
    alerts = {"R1": _alert("R1", "red", 114.3025, 22.70, status="acknowledged"), "O2": o2}
    assert link.clear_acknowledged(alerts.get) == {0, 1}
    (res,) = link.consider([alerts[h] for h in link.held_ids()], cams, now=when)
    assert res.alert_id == "O2" and link.held_ids() == []

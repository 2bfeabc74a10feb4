"""The console's clock (console.clock): the gateway's time from its stamps, skew-proof and step-proof."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

from console.clock import Clock, freshness
from console.stores import OperatingPicture
from console.workflow import Limits, due_state

T0 = datetime(2026, 11, 28, 7, 0, tzinfo=timezone.utc)


class FakeTime:
    def __init__(self) -> None:
        self.mono = 1000.0
        self.wall = T0

    def tick(self, s: float) -> None:
        self.mono += s
        self.wall += timedelta(seconds=s)


def test_a_gateway_ten_minutes_ahead_gives_a_new_alert_its_whole_limit() -> None:
    t = FakeTime()
    clock = Clock(wall=lambda: t.wall, mono=lambda: t.mono)
    gateway_now = t.wall + timedelta(minutes=10)
    clock.observe(gateway_now - timedelta(seconds=0.2))  # delivered 0.2 s after it was stamped
    limits = Limits({"c": 600.0}, {"c": 3600.0})
    alert = SimpleNamespace(category="c", status="new", created_at=gateway_now)
    _state, left = due_state(alert, limits, clock.gateway_now())
    assert left is not None and abs(left - 600.0) < 0.5  # on the wall clock it would read 20 min
    assert abs(clock.offset_s() - 600) < 0.5


def test_a_step_of_the_wall_clock_moves_no_countdown_and_keeps_as_of_in_the_screen_frame() -> None:
    t = FakeTime()
    clock = Clock(wall=lambda: t.wall, mono=lambda: t.mono)
    clock.observe(t.wall)
    before = clock.gateway_now()
    t.wall += timedelta(hours=1)  # NTP steps the workstation's clock; monotonic time does not jump
    t.mono += 2
    assert (clock.gateway_now() - before).total_seconds() == 2
    fresh = freshness("live", T0, t.wall, clock)
    assert fresh.delay_s is not None and abs(fresh.delay_s - 2) < 1e-6  # not an hour
    off = freshness("offline", T0, t.wall, clock)
    assert off.as_of == t.wall - timedelta(seconds=2)  # 2 s ago on the (stepped) screen clock


def test_a_gateway_stepped_back_is_followed_within_the_window_and_a_backlog_is_ignored() -> None:
    t = FakeTime()
    clock = Clock(wall=lambda: t.wall, mono=lambda: t.mono, window_s=10)
    clock.observe(t.wall)
    t.tick(1)
    clock.observe(t.wall - timedelta(minutes=30))  # a replayed old event: not the gateway's clock
    assert abs(clock.offset_s()) < 1e-6
    for _ in range(12):  # the gateway's clock stepped back 10 minutes: live stamps say so
        t.tick(1)
        clock.observe(t.wall - timedelta(minutes=10))
    assert abs(clock.offset_s() + 600) < 1e-6


def test_a_behind_gateway_is_fresh_data_not_data_as_of_ten_minutes_ago() -> None:
    t = FakeTime()
    clock = Clock(wall=lambda: t.wall, mono=lambda: t.mono)
    stamp = t.wall - timedelta(minutes=10)
    clock.observe(stamp)
    fresh = freshness("live", stamp, t.wall, clock)
    assert fresh.delay_s == 0.0
    assert freshness("offline", stamp, t.wall, clock).as_of == t.wall


def test_the_picture_and_its_alert_store_share_one_clock() -> None:
    picture = OperatingPicture()
    assert picture.alerts.clock is picture.clock

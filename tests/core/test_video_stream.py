"""One tile's stream state machine (console/video_stream.py), driven with plain numbers
for time: no Qt, no player, no sleeping."""

from __future__ import annotations

import pytest

from console.video_stream import (
    BACKOFF_S,
    FIRST_FRAME_S,
    STALL_AFTER_S,
    StreamState,
    StreamStep,
    TileCamera,
    TileStream,
)

URLS = {"main": "http://127.0.0.1:9/video/c1/main.ts", "sub": "http://127.0.0.1:9/video/c1/sub.ts",
        "low": "http://127.0.0.1:9/video/c1/low.ts"}
CAMERA = TileCamera("44031000001320000001", "测试摄像机01", True, URLS)


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self, dt: float = 0.0) -> float:
        self.now += dt
        return self.now


def _ticks_until(stream: TileStream, clock: Clock, until: float, step_s: float = 0.25) -> list[StreamStep]:
    """Tick every 250 ms (the tile's watchdog) up to ``until``; the steps returned."""
    steps = []
    while clock.now + step_s <= until + 1e-9:
        steps.append(stream.tick(clock(step_s), visible=True, minimised=False))
    return steps


def _live(clock: Clock) -> TileStream:
    stream = TileStream()
    step = stream.assign(CAMERA, clock(), visible=True)
    assert step.play == URLS["sub"] and stream.state == StreamState.CONNECTING
    assert stream.frame(clock(0.5)).keep_frame
    assert stream.state == StreamState.LIVE
    return stream


def test_a_camera_connects_on_its_sub_stream_and_goes_live_with_the_first_frame() -> None:
    clock = Clock()
    stream = TileStream()
    step = stream.assign(CAMERA, clock(), visible=True)
    assert step.play == URLS["sub"] and step.drop_picture and not step.stop
    assert stream.state == "connecting" and stream.decoding
    step = stream.frame(clock(0.2))
    assert step.keep_frame and step.repaint and stream.state == "live"
    assert stream.frames_received == 1
    # The same camera again changes nothing; a new stream kind reconnects.
    assert stream.assign(CAMERA, clock(), visible=True) == StreamStep()
    step = stream.set_stream("main", clock(), visible=True)
    assert step.stop and step.play == URLS["main"] and stream.state == "connecting"
    with pytest.raises(ValueError):
        stream.set_stream("huge", clock(), visible=True)


def test_stall_backoff_retry_and_park() -> None:
    clock = Clock()
    stream = _live(clock)
    # Frames stop: the watchdog calls it a lost signal after STALL_AFTER_S, not before.
    last_frame = clock.now
    steps = _ticks_until(stream, clock, last_frame + STALL_AFTER_S - 0.25)
    assert stream.state == "live" and not any(s.stop for s in steps)
    step = stream.tick(clock(0.25), visible=True, minimised=False)
    assert stream.state == "stalled"
    assert step.stop and step.drop_picture and step.play is None
    assert step.diagnose is None  # it had played: nothing to ask the camera
    assert stream.reconnect_in(clock.now) == BACKOFF_S[0]
    assert stream.fps(clock.now) == 0.0
    # A late frame of the torn-down stream does not count.
    assert not stream.frame(clock(0.1)).keep_frame and stream.frames_received == 1

    # Backoff: each failed attempt waits longer, the last delay repeats.
    waits = []
    for _attempt in range(len(BACKOFF_S) + 1):
        waits.append(stream.reconnect_in(clock.now))
        due = clock.now + stream.reconnect_in(clock.now)
        steps = _ticks_until(stream, clock, due + 0.25)
        assert any(s.play == URLS["sub"] for s in steps), "the reconnect starts once it is due"
        assert stream.state == "stalled" and stream.reconnect_due is None  # a retry is running
        # The retry brings no frame either: it fails when the player gives up.
        step = stream.failed("OpenError: could not open", clock(1.0))
        assert step.stop and stream.state == "stalled"
    assert [round(w or 0, 1) for w in waits] == [round(b - 0.1, 1) if i == 0 else b
                                                 for i, b in enumerate((*BACKOFF_S, BACKOFF_S[-1]))]
    assert stream.reconnects == len(BACKOFF_S) + 1
    assert stream.failures == len(BACKOFF_S) + 2

    # Hidden (beyond the layout): parked, the pending reconnect forgotten, nothing decoded.
    step = stream.park()
    assert stream.state == "paused" and stream.parked and not stream.decoding
    assert stream.reconnect_due is None and step.drop_picture
    assert _ticks_until(stream, clock, clock.now + 30) and all(s.play is None for s in
                                                               _ticks_until(stream, clock, clock.now + 1))
    # Hidden tiles do not reconnect on a tick either.
    assert stream.tick(clock(0.25), visible=False, minimised=False).play is None


def test_recovery_resets_the_backoff() -> None:
    clock = Clock()
    stream = _live(clock)
    for _ in range(3):  # three failures in a row: the next wait would be BACKOFF_S[3]
        stream.failed("EndOfMedia", clock())
        _ticks_until(stream, clock, clock.now + stream.reconnect_in(clock.now) + 0.25)
    assert stream.failures == 3
    assert stream.frame(clock(0.5)).keep_frame and stream.state == "live"
    assert stream.failures == 0
    stream.failed("EndOfMedia", clock(1.0))
    assert stream.reconnect_in(clock.now) == BACKOFF_S[0]


def test_a_first_frame_gets_longer_and_a_never_opened_stream_is_diagnosed_once() -> None:
    clock = Clock()
    stream = TileStream()
    stream.assign(CAMERA, clock(), visible=True)
    _ticks_until(stream, clock, clock.now + FIRST_FRAME_S - 0.25)
    assert stream.state == "connecting"
    step = stream.tick(clock(0.25), visible=True, minimised=False)
    assert stream.state == "stalled" and step.diagnose == URLS["sub"]
    # The camera's answer is shown, and its wait (a refused login) holds the retry back.
    stream.diagnosed(URLS["sub"], "用户名或密码错误", 60.0, clock(0.5))
    assert stream.failure_reason == "用户名或密码错误"
    assert stream.reconnect_in(clock.now) == pytest.approx(60.0)
    # An answer about another URL (the tile moved on) is ignored.
    assert stream.diagnosed("rtsp://elsewhere/1", "x", 5.0, clock()) == StreamStep()
    due = clock.now + stream.reconnect_in(clock.now)
    _ticks_until(stream, clock, due + 0.25)
    step = stream.failed("OpenError", clock(0.5))
    assert step.diagnose is None  # asked once per streak, not at every retry


def test_parked_tiles_resume_on_demand() -> None:
    clock = Clock()
    stream = _live(clock)
    step = stream.tick(clock(0.25), visible=True, minimised=True)  # the window was minimised
    assert step.stop and stream.state == "paused" and not stream.decoding
    assert stream.tick(clock(0.25), visible=True, minimised=True) == StreamStep()
    step = stream.tick(clock(0.25), visible=True, minimised=False)  # restored
    assert step.play == URLS["sub"] and stream.state == "connecting" and stream.decoding

    # Shown again after being hidden: the tile reconnects at once, without a backoff.
    stream.failed("EndOfMedia", clock())
    stream.park()
    step = stream.resume(clock(), visible=True)
    assert step.play == URLS["sub"] and stream.failures == 0 and stream.reconnect_due is None

    # A camera put on a tile that is not on screen waits, parked, until it is shown.
    hidden = TileStream()
    step = hidden.assign(CAMERA, clock(), visible=False)
    assert step.play is None and hidden.state == "paused" and hidden.parked
    assert hidden.resume(clock(), visible=True).play == URLS["sub"]


def test_offline_invalid_and_cleared_tiles_do_not_play() -> None:
    clock = Clock()
    stream = _live(clock)
    offline = TileCamera(CAMERA.id, CAMERA.name, False, URLS)
    step = stream.assign(offline, clock(), visible=True)
    assert step.stop and stream.state == "offline" and not stream.decoding
    assert stream.set_stream("main", clock(), visible=True).play is None

    bad = TileCamera("44031000001320000002", "坏地址", True, {k: "rtsp://cam:99999/x" for k in URLS})
    step = stream.assign(bad, clock(), visible=True)
    assert step.play is None and stream.state == "invalid" and stream.url_problem
    assert all(s.play is None for s in _ticks_until(stream, clock, clock.now + 60))

    step = stream.assign(None, clock(), visible=True)
    assert stream.state == "idle" and stream.camera_id is None and step.play is None


def test_low_stream_equal_to_the_sub_stream_does_not_reconnect() -> None:
    clock = Clock()
    stream = TileStream()
    same = TileCamera("44031000001320000003", "无第三码流", True, {**URLS, "low": URLS["sub"]})
    stream.assign(same, clock(), visible=True)
    stream.frame(clock(0.2))
    assert stream.set_stream("low", clock(), visible=True) == StreamStep()
    assert stream.stream == "low" and stream.state == "live"


def test_frame_rate_over_the_window() -> None:
    clock = Clock()
    stream = _live(clock)
    for _ in range(50):
        stream.frame(clock(0.04))  # 25 fps
    assert stream.fps(clock.now) == pytest.approx(25.0, rel=0.05)
    assert stream.fps(clock(3.0)) == 0.0

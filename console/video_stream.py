"""One wall tile's stream, as a state machine without Qt: connect, watchdog, backoff, park.

The video tile (:class:`widgets.video_wall.tile.VideoTile`) owns a media player and
paints; this module decides. The tile feeds a :class:`TileStream` what happened — a
frame arrived, the player failed or the stream ended, a watchdog tick, the tile was
shown or hidden, the camera's own explanation came back — each with the monotonic time
``now``; every event returns a :class:`StreamStep` saying what the tile should do (stop
the player, play a URL, drop the picture, ask the camera why, repaint). Time is always
passed in, so the rules are tested with plain numbers (tests/core/test_video_stream.py).

States (:class:`StreamState`; the values are what ``VideoTile.state`` reports):

- ``idle`` — no camera on the tile; ``offline`` — the camera says it is offline;
- ``connecting`` — a stream was opened and no frame has arrived yet;
- ``live`` — frames arrive;
- ``stalled`` — no frame for :data:`STALL_AFTER_S` (:data:`FIRST_FRAME_S` for a first
  frame), or the player failed: the picture is dropped (never a frozen scene) and a
  reconnect is due after a backoff (:data:`BACKOFF_S`, the last delay repeats; longer
  when the camera asked for it, e.g. a refused login). While the reconnect runs the
  tile stays ``stalled``; the first frame makes it ``live`` and forgets the failures;
- ``paused`` — parked: the tile is hidden (beyond the layout, a hidden dock) or its
  window is minimised, so nothing is decoded; shown again it reconnects at once;
- ``invalid`` — the camera's URL cannot be played as given; nothing is retried.
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Mapping, Protocol

from console.camera_url import url_problem

log = logging.getLogger(__name__)

STALL_AFTER_S = 5.0
"""No frame for this long means the signal is lost."""

FIRST_FRAME_S = 10.0
"""A (re)connection may take this long to its first frame: FFmpeg probes the stream
first, and on a loaded 2-core machine with dozens of players that took over 5 s."""

BACKOFF_S = (1.0, 2.0, 4.0, 8.0, 15.0)
"""Reconnect delays after successive failures; the last one repeats."""

FPS_WINDOW_S = 2.0
"""Frame rate is measured over this sliding window."""

STREAM_KINDS = ("sub", "main", "low")
"""The camera's streams a tile can play: sub-stream, main stream, third (low) stream."""


class StreamState(StrEnum):
    """What a tile shows; the value is the name the tile reports (``tile.state``)."""

    IDLE = "idle"
    CONNECTING = "connecting"
    LIVE = "live"
    STALLED = "stalled"
    OFFLINE = "offline"
    PAUSED = "paused"
    INVALID = "invalid"
    """The camera's URL cannot be played as given (the core says why); no reconnects."""


class _Streams(Protocol):
    main: str
    sub: str
    low: str | None


class _Camera(Protocol):
    id: str
    name: str
    status: str
    streams: _Streams


@dataclass(frozen=True)
class TileCamera:
    """What a tile needs of a camera: its id, name, whether it is online, its stream URLs."""

    id: str
    name: str
    online: bool
    urls: Mapping[str, str]

    @classmethod
    def of(cls, camera: _Camera) -> "TileCamera":
        """From a camera of the picture (``console.models.Camera``); a camera without a
        third stream plays its sub-stream where the third one is asked for."""
        streams = camera.streams
        urls = {"main": streams.main, "sub": streams.sub, "low": getattr(streams, "low", None) or streams.sub}
        return cls(camera.id, camera.name, camera.status == "online", urls)


@dataclass
class StreamStep:
    """What the tile does after an event, in this order: stop the player, drop the
    picture, play ``play``; then start a diagnosis of ``diagnose``; repaint if ``repaint``."""

    stop: bool = False
    """Stop the player and clear its source."""
    drop_picture: bool = False
    """Forget the last frame (no frozen picture)."""
    play: str | None = None
    """Open this URL and play it."""
    diagnose: str | None = None
    """Ask the camera why it refused this URL (the player only says "could not open")."""
    repaint: bool = False
    """Draw the tile again (state, countdown or clock changed)."""
    keep_frame: bool = False
    """The frame just reported counts: keep it for painting."""

    def merge(self, other: "StreamStep") -> "StreamStep":
        """Both steps' actions (``other`` later): a play after a stop stays a play."""
        if other.stop:
            self.play = None
        self.stop = self.stop or other.stop
        self.drop_picture = self.drop_picture or other.drop_picture
        self.play = other.play or self.play
        self.diagnose = other.diagnose or self.diagnose
        self.repaint = self.repaint or other.repaint
        self.keep_frame = self.keep_frame or other.keep_frame
        return self


@dataclass
class TileStream:
    """The stream state of one tile; every event takes ``now`` (monotonic seconds)."""

    camera_id: str | None = None
    camera_name: str = ""
    urls: dict[str, str] = field(default_factory=dict)
    stream: str = "sub"
    """"sub" in the grid, "low" on large walls, "main" when enlarged."""
    state: StreamState = StreamState.IDLE
    parked: bool = False
    """Hidden or minimised: nothing is decoded (state ``paused`` when a camera is on)."""
    playing_url: str | None = None
    """The URL the player was told to play (None: the player is stopped)."""
    failures: int = 0
    """Failures since the last frame (or the last new camera/stream): picks the backoff."""
    reconnects: int = 0
    """How many times the watchdog or an error restarted the stream."""
    reconnect_due: float | None = None
    """When the next reconnect starts (stalled, waiting out the backoff), else None."""
    url_problem: str | None = None
    failure_reason: str = ""
    """Why the stream did not open, as the camera told the core (empty: not known)."""
    hold_until: float = 0.0
    """No reconnect before this (the camera asked to wait, e.g. a refused login)."""
    connected_at: float = 0.0
    last_frame_at: float = 0.0
    frames_received: int = 0
    frame_times: deque[float] = field(default_factory=deque)

    # ------------------------------------------------------------------ queries

    @property
    def decoding(self) -> bool:
        """Playing (or reconnecting to) the stream: False when idle, offline or parked."""
        return not self.parked and self.state in (StreamState.LIVE, StreamState.CONNECTING, StreamState.STALLED)

    @property
    def attempt_in_flight(self) -> bool:
        """A stream is (supposed to be) playing: live, first connect, or a reconnect."""
        if self.state in (StreamState.LIVE, StreamState.CONNECTING):
            return True
        # Stalled with no reconnect pending means a reconnect attempt is running.
        return self.state == StreamState.STALLED and self.reconnect_due is None

    def fps(self, now: float) -> float:
        """Frames per second over the last :data:`FPS_WINDOW_S` seconds."""
        self._trim_frame_times(now)
        if not self.frame_times:
            return 0.0
        # Over a young stream divide by its actual age, not by the whole window.
        span = min(FPS_WINDOW_S, now - self.connected_at) if self.connected_at else FPS_WINDOW_S
        return len(self.frame_times) / max(span, 0.25)

    def reconnect_in(self, now: float) -> float | None:
        """Seconds until the pending reconnect (None: none pending)."""
        return None if self.reconnect_due is None else max(0.0, self.reconnect_due - now)

    # ------------------------------------------------------------------ events

    def assign(self, camera: TileCamera | None, now: float, *, visible: bool) -> StreamStep:
        """Show a camera, or clear the tile with None. The same camera with the same URLs
        on a tile already playing (or parked, or refused) changes nothing."""
        if camera is None:
            self.camera_id, self.camera_name, self.urls = None, "", {}
            step = self._stop()
            return step.merge(self._set_state(StreamState.IDLE))
        urls = dict(camera.urls)
        same = camera.id == self.camera_id and urls == self.urls
        self.camera_id, self.camera_name, self.urls = camera.id, camera.name, urls
        if not camera.online:
            step = self._stop()
            return step.merge(self._set_state(StreamState.OFFLINE))
        if same and self.state in (StreamState.LIVE, StreamState.CONNECTING, StreamState.STALLED,
                                   StreamState.PAUSED, StreamState.INVALID):
            return StreamStep()
        self._forget_failures()
        return self._connect(now, visible=visible)

    def set_stream(self, kind: str, now: float, *, visible: bool) -> StreamStep:
        """Switch between the "low", "sub" and "main" stream of the camera."""
        if kind not in STREAM_KINDS:
            raise ValueError(f"unknown stream kind: {kind!r}")
        if kind == self.stream:
            return StreamStep()
        self.stream = kind
        if self.camera_id is None or self.state == StreamState.OFFLINE:
            return StreamStep()
        if self.urls.get(kind) == self.playing_url and self.state == StreamState.LIVE:
            return StreamStep()  # no third stream: "low" is the sub-stream already playing
        self._forget_failures()
        return self._connect(now, visible=visible)

    def frame(self, now: float) -> StreamStep:
        """A decoded frame arrived. Late frames of a stream already torn down are ignored
        (``keep_frame`` False)."""
        if self.reconnect_due is not None or self.playing_url is None:
            return StreamStep()
        self.frame_times.append(now)
        self._trim_frame_times(now)
        self.frames_received += 1
        self.last_frame_at = now
        step = StreamStep(keep_frame=True, repaint=True)
        if self.state != StreamState.LIVE:
            self._forget_failures()
            step.merge(self._set_state(StreamState.LIVE))
        return step

    def failed(self, why: str, now: float) -> StreamStep:
        """The player failed, or a live stream ended (a live stream never ends: it dropped)."""
        if not self.attempt_in_flight:
            return StreamStep()
        return self._lose_signal(why, now)

    def tick(self, now: float, *, visible: bool, minimised: bool) -> StreamStep:
        """The watchdog: park when the window is minimised, resume when shown again, turn
        "no frame for a while" into a lost signal, start a reconnect that is due."""
        step = StreamStep()
        if minimised and not self.parked:
            step.merge(self.park())
        elif self.parked:
            if not minimised and visible:
                step.merge(self.resume(now, visible=visible))
            return step
        if self.attempt_in_flight:
            since = now - max(self.last_frame_at, self.connected_at)
            waiting_first = self.last_frame_at < self.connected_at
            if since >= (FIRST_FRAME_S if waiting_first else STALL_AFTER_S):
                step.merge(self._lose_signal(f"no frame for {since:.1f} s", now))
        elif self.state == StreamState.STALLED and self.reconnect_due is not None:
            if now >= self.reconnect_due:
                self.reconnects += 1
                step.merge(self._connect(now, visible=visible, keep_state=True))
        # Live tiles repaint with every frame; the others still need a moving clock
        # and a falling frame rate.
        if self.state != StreamState.LIVE:
            step.repaint = True
        return step

    def diagnosed(self, url: str, reason: str, retry_after_s: float | None, now: float) -> StreamStep:
        """The camera's answer to a diagnosis: shown while stalled; a wait it asked for
        (a refused login) holds the reconnects back."""
        if url != self.urls.get(self.stream) or self.state != StreamState.STALLED:
            return StreamStep()
        log.info("camera %s (%s): %s", self.camera_id, self.stream, reason)
        self.failure_reason = reason
        if retry_after_s:
            self.hold_until = now + retry_after_s
            if self.reconnect_due is not None:
                self.reconnect_due = max(self.reconnect_due, self.hold_until)
        return StreamStep(repaint=True)

    def park(self) -> StreamStep:
        """Hidden or minimised: stop decoding, keep the camera."""
        if self.parked:
            return StreamStep()
        self.parked = True
        if self.camera_id is None or self.state == StreamState.OFFLINE:
            return StreamStep()
        step = self._stop()
        step.drop_picture = True
        self.frame_times.clear()
        return step.merge(self._set_state(StreamState.PAUSED))

    def resume(self, now: float, *, visible: bool) -> StreamStep:
        """Shown again: a parked tile reconnects at once (no backoff left over)."""
        if not self.parked:
            return StreamStep()
        self.parked = False
        if self.camera_id is None or self.state != StreamState.PAUSED:
            return StreamStep()
        self.failures = 0
        return self._connect(now, visible=visible)

    def shutdown(self) -> StreamStep:
        """The tile closes: stop the player."""
        return self._stop()

    # ------------------------------------------------------------------ internals

    def _connect(self, now: float, *, visible: bool, keep_state: bool = False) -> StreamStep:
        url = self.urls.get(self.stream)
        if not url:
            return StreamStep()
        if not visible:
            # Not on screen: decode nothing until shown.
            step = self._stop()
            self.parked = True
            step.drop_picture = True
            return step.merge(self._set_state(StreamState.PAUSED))
        self.parked = False
        step = self._stop()
        self.frame_times.clear()
        problem = url_problem(url)
        if problem is not None:
            # Nothing to retry: the same URL will not parse any better in 15 s.
            log.warning("camera %s (%s): URL refused: %s", self.camera_id, self.stream, problem)
            self.url_problem = problem
            step.drop_picture = True
            step.repaint = True
            return step.merge(self._set_state(StreamState.INVALID))
        self.url_problem = None
        self.connected_at = now
        self.playing_url = url
        step.play = url
        if not keep_state:
            step.drop_picture = True
            step.merge(self._set_state(StreamState.CONNECTING))
        return step

    def _stop(self) -> StreamStep:
        self.reconnect_due = None
        if self.playing_url is None:
            return StreamStep()
        self.playing_url = None
        return StreamStep(stop=True)

    def _lose_signal(self, why: str, now: float) -> StreamStep:
        """Drop the picture, show 信号中断 and schedule a reconnect with backoff."""
        log.info("camera %s (%s): signal lost: %s", self.camera_id, self.stream, why)
        never_opened = self.last_frame_at < self.connected_at
        delay = max(BACKOFF_S[min(self.failures, len(BACKOFF_S) - 1)], self.hold_until - now)
        self.failures += 1
        step = self._stop()
        step.drop_picture = True
        self.frame_times.clear()
        self.reconnect_due = now + delay
        step.merge(self._set_state(StreamState.STALLED))
        if never_opened and self.failures == 1:
            step.diagnose = self.urls.get(self.stream) or None
        return step

    def _forget_failures(self) -> None:
        self.failures = 0
        self.failure_reason = ""
        self.hold_until = 0.0

    def _set_state(self, state: StreamState) -> StreamStep:
        if state == self.state:
            return StreamStep()
        self.state = state
        return StreamStep(repaint=True)

    def _trim_frame_times(self, now: float) -> None:
        cutoff = now - FPS_WINDOW_S
        while self.frame_times and self.frame_times[0] < cutoff:
            self.frame_times.popleft()

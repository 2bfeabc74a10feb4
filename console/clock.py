"""The console's time: the workstation's wall clock, and the gateway's clock estimated from its stream.

Two clocks disagree on a real network: the gateway stamps every envelope (``ts``,
the snapshot's ``generated_at``) and every deadline it implies (``created_at`` plus a
category's limit), while the workstation's wall clock may be minutes off, or be
stepped by NTP while the console runs.  What the console promises (docs/testing.md,
"Time"):

- **Countdowns and time limits are measured on the gateway's clock.**  A deadline is
  ``created_at + limit`` in the gateway's frame, so "now" must be the gateway's too:
  :meth:`Clock.gateway_now`.  A workstation 10 minutes off does not take 10 minutes
  off every countdown.
- **The gateway's clock is anchored to monotonic time, not to the wall clock.**  Each
  live envelope gives a sample ``ts - monotonic_at_receipt``; an envelope is never
  stamped after it is sent, so the largest recent sample is the best estimate (the
  delivery delay only lowers a sample; a replayed backlog's old stamps are ignored
  while fresher ones are in the window).  A step of the workstation's wall clock
  therefore changes no countdown, and nothing that waits (backoff, watchdog, flush
  ticker) uses the wall clock at all.
- **Times shown to the operator as "数据截至 15:02" are in the workstation's frame**
  (:meth:`Clock.to_local`): the moment, by the clock on the operator's screen, up to
  which the data is known, whatever the gateway's clock says.

Before the first sample (offline, a recording) the gateway's clock is the wall clock.
The wall clock itself is injectable (``Clock(wall=...)``) so that tests can step it.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable

__all__ = ["Clock", "Freshness", "LIVE_AGE_LIMIT_S", "SAMPLE_WINDOW_S", "freshness", "utc_wall"]

SAMPLE_WINDOW_S = 10.0
"""Samples older than this (monotonic seconds before the newest) no longer count: a
gateway whose clock is stepped back is followed within 10 s (a delivery or a replayed
backlog is never later than its newest stamp, so the window only needs to cover
a few live events)."""


def utc_wall() -> datetime:
    """The workstation's wall clock, timezone-aware UTC."""
    return datetime.now(timezone.utc)


class Clock:
    """The workstation's wall clock plus the gateway's clock estimated from its timestamps."""

    def __init__(self, wall: Callable[[], datetime] = utc_wall, mono: Callable[[], float] = time.monotonic,
                 window_s: float = SAMPLE_WINDOW_S) -> None:
        self.wall = wall
        """The workstation's wall clock (replace it to simulate an NTP step)."""
        self.mono = mono
        self.window_s = window_s
        self._samples: deque[tuple[float, float]] = deque()  # (monotonic at receipt, ts - that)
        self._best: float | None = None

    def observe(self, gateway_ts: datetime) -> None:
        """A timestamp the gateway stamped on something it just sent (received now)."""
        at = self.mono()
        sample = gateway_ts.timestamp() - at
        samples = self._samples
        while samples and samples[-1][1] <= sample:
            samples.pop()  # dominated: a newer and larger sample exists
        samples.append((at, sample))
        while samples[0][0] < at - self.window_s:
            samples.popleft()
        self._best = samples[0][1]

    @property
    def synced(self) -> bool:
        """Whether the gateway's clock has been observed at least once."""
        return self._best is not None

    def gateway_now(self) -> datetime:
        """The gateway's present time (the wall clock until the first sample)."""
        if self._best is None:
            return self.wall()
        return datetime.fromtimestamp(self.mono() + self._best, timezone.utc)

    def offset_s(self) -> float:
        """The gateway's clock minus the workstation's wall clock, in seconds (0 before a sample)."""
        if self._best is None:
            return 0.0
        return (self.gateway_now() - self.wall()).total_seconds()

    def to_local(self, gateway_ts: datetime) -> datetime:
        """A gateway timestamp in the workstation's frame (what the screen's clock said then)."""
        return gateway_ts - timedelta(seconds=self.offset_s())

    def age_s(self, gateway_ts: datetime) -> float:
        """Seconds since ``gateway_ts`` on the gateway's clock (delivery delay, not clock skew)."""
        return (self.gateway_now() - gateway_ts).total_seconds()


LIVE_AGE_LIMIT_S = 60.0
"""Past this a live feed's age is shown as a time ("数据截至 15:02"), not a delay."""


@dataclass(frozen=True)
class Freshness:
    """What the status bar and the offline banner say about the data's age.

    ``delay_s`` while live and fresh ("数据延迟 0.4 秒": the gateway's clock minus the
    newest envelope's stamp, so clock skew is no delay); otherwise ``as_of``, the
    moment up to which the data is known in the workstation's frame ("数据截至 15:02"),
    or None when nothing was ever received.
    """

    delay_s: float | None
    as_of: datetime | None


def freshness(state: str, data_as_of: datetime | None, last_message_at: datetime | None,
              clock: Clock) -> Freshness:
    """The data's age for the status bar (``data_as_of``: gateway frame; ``last_message_at``: wall)."""
    if state == "live" and data_as_of is not None:
        age = clock.age_s(data_as_of)
        if age < LIVE_AGE_LIMIT_S:
            return Freshness(max(age, 0.0), None)
    if data_as_of is not None:
        return Freshness(None, clock.to_local(data_as_of))
    return Freshness(None, last_message_at)

"""A windowed, compact history of one time series (a device's readings, an indicator's values).

A reading kept as a pydantic object costs several hundred bytes; a duty console with
310 devices at 2,000 readings each held 620,000 of them (issue 18: the picture grew to
hundreds of MB). :class:`Series` keeps the two numbers that matter — time (epoch
seconds) and value — in two ``array('d')``, 16 bytes a point, bounded both by count
(``keep``) and by age (``window_s`` behind the newest point). The objects are rebuilt
on demand (one device's chart at a time) by the store that owns the series.
"""

from __future__ import annotations

from array import array
from datetime import datetime, tzinfo
from typing import Iterator


class Series:
    """Points ``(ts, value)`` oldest first: at most ``keep``, none older than ``window_s``
    before the newest. Trimming happens in chunks (an eighth of ``keep``) so that an
    append costs O(1) amortised."""

    __slots__ = ("keep", "window_s", "tz", "_ts", "_values")

    def __init__(self, keep: int, window_s: float) -> None:
        self.keep = keep
        self.window_s = window_s
        self.tz: tzinfo | None = None  # the zone of the newest point, to rebuild its datetimes
        self._ts = array("d")
        self._values = array("d")

    def append(self, ts: datetime, value: float) -> bool:
        """Add a point; False when it repeats the newest one (a resent batch, a journal refill)."""
        t = ts.timestamp()
        if self._ts and self._ts[-1] == t and self._values[-1] == value:
            return False
        self._ts.append(t)
        self._values.append(value)
        self.tz = ts.tzinfo
        self._trim()
        return True

    def _trim(self) -> None:
        n = len(self._ts)
        cut = n - self.keep if n > self.keep + max(1, self.keep // 8) else 0
        # The window: the oldest point is checked only; a whole chunk goes when it is out.
        if self._ts[0] < self._ts[-1] - self.window_s:
            limit = self._ts[-1] - self.window_s
            lo, hi = 0, n
            while lo < hi:  # first point inside the window (times mostly ascend)
                mid = (lo + hi) // 2
                if self._ts[mid] < limit:
                    lo = mid + 1
                else:
                    hi = mid
            cut = max(cut, lo)
        if cut > 0:
            del self._ts[:cut]
            del self._values[:cut]

    def points(self) -> Iterator[tuple[float, float]]:
        """``(epoch seconds, value)`` oldest first, within ``keep`` and ``window_s``."""
        start = max(0, len(self._ts) - self.keep)
        limit = self._ts[-1] - self.window_s if self._ts else 0.0
        for i in range(start, len(self._ts)):
            if self._ts[i] >= limit:
                yield self._ts[i], self._values[i]

    def __len__(self) -> int:
        """Points held (at most ``keep`` plus one trimming chunk)."""
        return len(self._ts)

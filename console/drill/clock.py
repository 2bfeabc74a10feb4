"""The drill's virtual clock: seconds since the drill started, at 1×–60×, pausable, jumpable."""

from __future__ import annotations

import time
from typing import Callable

MIN_SPEED = 1.0
MAX_SPEED = 60.0
SPEEDS = (1.0, 2.0, 5.0, 10.0, 30.0, 60.0)


class VirtualClock:
    """Virtual seconds since the start; wall time scaled by ``speed`` while running.

    ``now_s()`` never goes backwards: a speed change or a pause re-bases the clock
    at the current virtual time; ``jump_to`` only moves forward.
    """

    def __init__(self, speed: float = 1.0, *, paused: bool = False,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self._mono = monotonic
        self._base_v = 0.0
        self._base_wall = monotonic()
        self.speed = self._clamp(speed)
        self.paused = paused

    @staticmethod
    def _clamp(speed: float) -> float:
        return max(MIN_SPEED, min(MAX_SPEED, float(speed)))

    def now_s(self) -> float:
        if self.paused:
            return self._base_v
        return self._base_v + (self._mono() - self._base_wall) * self.speed

    def _rebase(self) -> None:
        self._base_v = self.now_s()
        self._base_wall = self._mono()

    def set_speed(self, speed: float) -> float:
        self._rebase()
        self.speed = self._clamp(speed)
        return self.speed

    def faster(self) -> float:
        bigger = [s for s in SPEEDS if s > self.speed]
        return self.set_speed(bigger[0] if bigger else MAX_SPEED)

    def slower(self) -> float:
        smaller = [s for s in SPEEDS if s < self.speed]
        return self.set_speed(smaller[-1] if smaller else MIN_SPEED)

    def pause(self) -> None:
        if not self.paused:
            self._rebase()
            self.paused = True

    def resume(self) -> None:
        if self.paused:
            self._base_wall = self._mono()
            self.paused = False

    def toggle(self) -> bool:
        """Pause or resume; returns True when now paused."""
        if self.paused:
            self.resume()
        else:
            self.pause()
        return self.paused

    def jump_to(self, virtual_s: float) -> None:
        """Move forward to ``virtual_s`` (never back)."""
        self._rebase()
        if virtual_s > self._base_v:
            self._base_v = virtual_s

    def wall_until(self, virtual_s: float) -> float | None:
        """Wall seconds until the clock reaches ``virtual_s`` (None while paused)."""
        if self.paused:
            return None
        return max(0.0, (virtual_s - self.now_s()) / self.speed)

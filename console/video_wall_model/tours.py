"""轮巡: a named group of cameras cycling on one tile or the whole wall (:class:`Tour`,
:class:`TourRunner`, driven by an injectable clock).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from console.video_wall_model.wall import WallModel

@dataclass
class Tour:
    """轮巡: a named group of cameras shown in turn on one tile (``slot``) or on the
    whole wall (``slot`` None: the wall shows the next page of the group each step)."""

    name: str
    camera_ids: list[str]
    interval_s: float = 10.0
    slot: int | None = 0

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ValueError("轮巡名称不能为空")
        if not self.camera_ids:
            raise ValueError("轮巡分组中没有摄像机")
        if not 2.0 <= float(self.interval_s) <= 3600.0:
            raise ValueError("轮巡间隔须在 2–3600 秒之间")
        self.interval_s = float(self.interval_s)


class TourRunner:
    """Runs one :class:`Tour` on a :class:`WallModel`; time comes from ``clock()``.

    The view calls :meth:`tick` from a timer (or a test calls it with a fake clock):
    the runner advances one step for every elapsed interval while running.
    """

    def __init__(self, wall: WallModel, clock: Callable[[], float]) -> None:
        self._wall = wall
        self._clock = clock
        self.tour: Tour | None = None
        self.position = 0  # index of the first camera currently shown
        self.running = False
        self._due: float | None = None
        self._paused_left: float | None = None
        self.steps = 0

    def start(self, tour: Tour) -> None:
        """Start (or restart) a tour from its first camera."""
        self.tour = tour
        self.position = 0
        self.steps = 0
        self.running = True
        self._paused_left = None
        self._show()
        self._due = self._clock() + tour.interval_s

    def pause(self) -> None:
        """Hold the current cameras; :meth:`resume` continues with the time that was left."""
        if self.running and self._due is not None:
            self._paused_left = max(0.0, self._due - self._clock())
            self.running = False

    def resume(self) -> None:
        if self.tour is not None and not self.running:
            self.running = True
            left = self._paused_left if self._paused_left is not None else self.tour.interval_s
            self._due = self._clock() + left
            self._paused_left = None

    def stop(self) -> None:
        self.running = False
        self.tour = None
        self._due = None

    def skip(self) -> None:
        """Next step now; the interval restarts from here."""
        if self.tour is None:
            return
        self._advance()
        self._due = self._clock() + self.tour.interval_s

    def tick(self, now: float | None = None) -> bool:
        """Advance for every interval elapsed by ``now``; True when the wall changed."""
        if not self.running or self.tour is None or self._due is None:
            return False
        now = self._clock() if now is None else now
        moved = False
        while now >= self._due:
            self._advance()
            self._due += self.tour.interval_s
            moved = True
        return moved

    def seconds_left(self) -> float | None:
        if self.tour is None:
            return None
        if not self.running:
            return self._paused_left
        return None if self._due is None else max(0.0, self._due - self._clock())

    def _page(self) -> int:
        assert self.tour is not None
        return 1 if self.tour.slot is not None else max(1, self._wall.tile_count)

    def _advance(self) -> None:
        assert self.tour is not None
        self.position = (self.position + self._page()) % len(self.tour.camera_ids)
        self.steps += 1
        self._show()

    def _show(self) -> None:
        tour = self.tour
        assert tour is not None
        ids = tour.camera_ids
        if tour.slot is not None:
            self._wall.assign(min(tour.slot, self._wall.tile_count - 1), ids[self.position])
            return
        count = min(self._wall.tile_count, len(ids))
        page = [ids[(self.position + k) % len(ids)] for k in range(count)]
        self._wall.show_cameras(page, 0)

"""轮巡 on a wall's video screen: fixed cameras first, the free tiles cycle through the rest."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from console.runtime import ConsoleCore
from console.wall_config import VideoLayout

class CameraTour(QObject):
    """Fixed cameras first, then 轮巡: the free tiles cycle through the other cameras."""

    stepped = Signal(int)  # the page shown now

    def __init__(self, video: Any, core: ConsoleCore, layout: VideoLayout, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._video = video
        self._core = core
        self._layout = layout
        self.page = 0
        self.paused = False
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.next)
        if layout.tour is not None:
            self._timer.start(int(layout.tour.interval_s * 1000))

    @property
    def active(self) -> bool:
        return self._layout.tour is not None

    def candidates(self) -> list[str]:
        """Cameras the tour cycles through (configured, else every online camera by id)."""
        assert self._layout.tour is not None
        fixed = set(self._layout.cameras)
        if self._layout.tour.cameras:
            return [c for c in self._layout.tour.cameras if c not in fixed]
        cams = self._core.picture.cameras.values()
        return sorted(c.id for c in cams if c.status == "online" and c.id not in fixed)

    def apply(self) -> None:
        """Show the fixed cameras and the current tour page."""
        tiles = len(self._video.tiles)
        for index, camera_id in enumerate(self._layout.cameras[:tiles]):
            self._video.assign(index, camera_id)
        if self._layout.tour is None:
            return
        free = list(range(len(self._layout.cameras), tiles))
        cams = self.candidates()
        if not cams or not free:
            return
        pages = max(1, -(-len(cams) // len(free)))
        self.page %= pages
        chunk = cams[self.page * len(free):(self.page + 1) * len(free)]
        for slot, index in enumerate(free):
            self._video.assign(index, chunk[slot] if slot < len(chunk) else None)

    def refill(self) -> None:
        """Cameras arrived or changed: fill tiles that should show something and do not."""
        tiles = self._video.tiles
        fixed = len(self._layout.cameras)
        if any(t.camera_id is None for t in tiles[:fixed]) or (
                self.active and not any(t.camera_id for t in tiles[fixed:])):
            self.apply()

    def next(self) -> None:
        """Step to the next page now."""
        self.page += 1
        self.apply()
        self.stepped.emit(self.page)

    def set_paused(self, paused: bool) -> None:
        self.paused = paused
        if self._layout.tour is None:
            return
        if paused:
            self._timer.stop()
        else:
            self._timer.start(int(self._layout.tour.interval_s * 1000))

    def stop(self) -> None:
        self._timer.stop()

"""The wall's geometry and assignments: :data:`LAYOUTS` (1 … 64 tiles, ``1+5``, ``1+7``) and
:class:`WallModel` (which camera sits on which slot; slots beyond the layout are kept).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

from console.events import Event


MAX_SLOTS = 64

CAMERA_MIME = "application/x-pingshan-camera"
"""Drag payload between views: a camera id (UTF-8), from the directory or the map."""


@dataclass(frozen=True)
class Cell:
    """A tile's place on the layout grid (row, column, spans)."""

    row: int
    col: int
    rowspan: int = 1
    colspan: int = 1


@dataclass(frozen=True)
class Layout:
    """A wall geometry: ``rows`` × ``columns`` grid cells and the tiles placed on them."""

    name: str
    rows: int
    columns: int
    cells: tuple[Cell, ...]

    @property
    def tiles(self) -> int:
        return len(self.cells)

    @property
    def large_slots(self) -> tuple[int, ...]:
        """Slots spanning more than one grid cell (the large tile of an uneven layout)."""
        return tuple(i for i, c in enumerate(self.cells) if c.rowspan > 1 or c.colspan > 1)


def _square(n: int) -> Layout:
    side = int(math.isqrt(n))
    cells = tuple(Cell(i // side, i % side) for i in range(n))
    return Layout(str(n), side, side, cells)


def _one_plus(small: int) -> Layout:
    """One large tile in the top-left corner, ``small`` tiles around it (1+5 on 3×3, 1+7 on 4×4)."""
    side = {5: 3, 7: 4}[small]
    big = side - 1
    cells = [Cell(0, 0, big, big)]
    cells += [Cell(r, side - 1) for r in range(side - 1)]  # right column, top to bottom
    cells += [Cell(side - 1, c) for c in range(side)]  # bottom row, left to right
    return Layout(f"1+{small}", side, side, tuple(cells))


LAYOUTS: dict[str, Layout] = {lay.name: lay for lay in (
    _square(1), _square(4), _square(9), _square(16), _square(25), _square(36), _square(64),
    _one_plus(5), _one_plus(7),
)}
"""Every wall layout by name, in menu order."""


class WallModel:
    """Which camera is on which slot, under the current layout.

    ``changed`` (``wall.changed``) is emitted with the set of slots whose camera
    changed and with ``layout=True`` when the geometry changed.
    """

    def __init__(self, layout: str = "4") -> None:
        self._layout = LAYOUTS[layout]
        self._slots: list[str | None] = [None] * MAX_SLOTS
        self.changed: Event[[set[int], bool]] = Event("wall.changed")

    # ------------------------------------------------------------------ reading

    @property
    def layout(self) -> Layout:
        return self._layout

    @property
    def tile_count(self) -> int:
        return self._layout.tiles

    def camera_at(self, slot: int) -> str | None:
        return self._slots[slot] if 0 <= slot < MAX_SLOTS else None

    def visible(self) -> list[str | None]:
        """The cameras on the shown tiles, in slot order."""
        return self._slots[: self._layout.tiles]

    def all_slots(self) -> list[str | None]:
        """Every slot, shown or kept beyond the layout."""
        return list(self._slots)

    def slot_of(self, camera_id: str) -> int | None:
        """The first shown slot showing ``camera_id``."""
        for i, cid in enumerate(self.visible()):
            if cid == camera_id:
                return i
        return None

    # ------------------------------------------------------------------ changing

    def set_layout(self, name: str) -> None:
        """Change the geometry; assignments stay on their slots (beyond it they are kept)."""
        if name not in LAYOUTS:
            raise ValueError(f"未知的画面布局：{name}")
        if LAYOUTS[name] is self._layout:
            return
        self._layout = LAYOUTS[name]
        self._notify(set(range(self._layout.tiles)), True)

    def assign(self, slot: int, camera_id: str | None) -> None:
        self._check(slot)
        if self._slots[slot] != camera_id:
            self._slots[slot] = camera_id
            self._notify({slot}, False)

    def swap(self, a: int, b: int) -> None:
        """Exchange the cameras of two slots (drag one tile onto another)."""
        self._check(a)
        self._check(b)
        if a == b:
            return
        self._slots[a], self._slots[b] = self._slots[b], self._slots[a]
        self._notify({a, b}, False)

    def show_cameras(self, camera_ids: Sequence[str], start_slot: int = 0) -> list[int]:
        """Put cameras on consecutive shown slots from ``start_slot``; returns the slots used.

        Cameras past the last shown tile are ignored (the operator asked for this view).
        """
        used: list[int] = []
        changed: set[int] = set()
        for offset, cid in enumerate(camera_ids):
            slot = start_slot + offset
            if slot >= self._layout.tiles:
                break
            if self._slots[slot] != cid:
                self._slots[slot] = cid
                changed.add(slot)
            used.append(slot)
        if changed:
            self._notify(changed, False)
        return used

    def load(self, layout: str, slots: Sequence[str | None]) -> None:
        """Restore a saved wall: layout and every slot at once (one notification)."""
        if layout not in LAYOUTS:
            raise ValueError(f"未知的画面布局：{layout}")
        self._layout = LAYOUTS[layout]
        fresh = list(slots)[:MAX_SLOTS]
        self._slots = fresh + [None] * (MAX_SLOTS - len(fresh))
        self._notify(set(range(MAX_SLOTS)), True)

    def _check(self, slot: int) -> None:
        if not 0 <= slot < MAX_SLOTS:
            raise IndexError(f"slot {slot} outside 0..{MAX_SLOTS - 1}")

    def _notify(self, slots: set[int], layout: bool) -> None:
        self.changed.emit(slots, layout)

"""The base of every store: revisions, change sets, and the grid of located objects.

A :class:`RevStore` keeps the highest ``rev`` per object and collects the ids that
changed until they are drained (``console.stores.OperatingPicture.flush``); a
:class:`LocatedStore` also files its objects by grid cell for "the nearest …" lookups.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Callable, Generic, Protocol, TypeVar

from console.nearby import PointGrid


class _Revisioned(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def rev(self) -> int: ...


T = TypeVar("T", bound=_Revisioned)


class _ChangeTracking:
    """Collects the ids that changed until :meth:`drain_changes` hands them over."""

    _changed: set[str]

    def drain_changes(self) -> set[str]:
        """Ids changed since the last call; the set is handed over and a new one started."""
        changed, self._changed = self._changed, set()
        return changed


class RevStore(_ChangeTracking, Generic[T]):
    """Objects by id; the highest revision wins, equal or lower revisions are ignored."""

    def __init__(self) -> None:
        self._items: dict[str, T] = {}
        self._changed: set[str] = set()

    def apply(self, item: T) -> bool:
        """Take ``item`` if it is new or newer; return True when the store changed."""
        held = self._items.get(item.id)
        if held is not None and held.rev >= item.rev:
            return False
        self._items[item.id] = item
        self._changed.add(item.id)
        self._on_change(item.id)
        return True

    def replace_all(self, items: Iterable[T]) -> None:
        """Make the store equal to ``items`` (a snapshot); absent objects are removed."""
        fresh = {i.id: i for i in items}
        for gone in self._items.keys() - fresh.keys():
            self._changed.add(gone)
        for key, item in fresh.items():
            held = self._items.get(key)
            # Same id and rev is the same object (the wire contract: rev grows with every
            # change), so a reconnect snapshot costs no deep comparison per object.
            if held is None or held.rev != item.rev:
                self._changed.add(key)
        self._items = fresh
        self._on_change(None)

    def remove(self, item_id: str) -> None:
        """Drop an object (reported as changed); unknown ids are ignored."""
        if self._items.pop(item_id, None) is not None:
            self._changed.add(item_id)
            self._on_change(item_id)

    def get(self, item_id: str) -> T | None:
        """The object with this id, or None."""
        return self._items.get(item_id)

    def values(self) -> list[T]:
        """All objects (a new list, safe to keep)."""
        return list(self._items.values())

    def ids(self) -> list[str]:
        """All ids (a new list)."""
        return list(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._items

    def __iter__(self) -> Iterator[T]:
        return iter(list(self._items.values()))

    def body_of(self, item: T) -> str:
        """The JSON an object is saved as in the snapshot tables."""
        return item.model_dump_json()  # type: ignore[attr-defined]

    def _on_change(self, item_id: str | None) -> None:
        """Hook for subclasses that keep derived state (orders, indexes)."""


class LocatedStore(RevStore[T]):
    """A store of located objects (devices, cameras) that also files them by grid cell
    (:class:`console.nearby.PointGrid`): "the nearest cameras" among 10,000 reads the
    cells around a point, not every camera. The grid follows every change; after a
    whole snapshot it is refiled on the first lookup."""

    def __init__(self) -> None:
        super().__init__()
        self.grid = PointGrid()
        self._grid_stale = False

    def _on_change(self, item_id: str | None) -> None:
        if item_id is None:
            self._grid_stale = True
            return
        if self._grid_stale:
            return
        item = self._items.get(item_id)
        if item is None:
            self.grid.drop(item_id)
        else:
            loc = getattr(item, "location", None)
            if loc is None:
                self.grid.drop(item_id)
            else:
                self.grid.put(item_id, loc.lon, loc.lat)

    def nearest(self, lon: float, lat: float, radius_m: float | None = None, limit: int | None = None,
                accept: Callable[[T], bool] | None = None) -> list[tuple[float, T]]:
        """``(metres, object)`` within ``radius_m`` of a point (None: any distance), nearest
        first (ties by id), at most ``limit``, only those ``accept`` takes."""
        if self._grid_stale:
            self.grid.clear()
            for item_id, item in self._items.items():
                loc = getattr(item, "location", None)
                if loc is not None:
                    self.grid.put(item_id, loc.lon, loc.lat)
            self._grid_stale = False
        items = self._items
        take = None if accept is None else (lambda object_id: accept(items[object_id]))
        return [(d, items[i]) for d, i in self.grid.nearest(lon, lat, radius_m, limit, take)]

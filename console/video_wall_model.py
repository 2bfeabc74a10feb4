"""The video wall's state without any widget: layouts, assignments, tours, alarm linkage.

Pure Python (no Qt), so that the wall's rules are tested without a display and the
same rules can drive other views (a wall window on another screen, the wartime mode).

- :data:`LAYOUTS` — the tile geometries: 1, 4, 9, 16, 25, 36, 64 tiles and the uneven
  ``1+5`` and ``1+7`` (one large tile and five or seven small ones).
- :class:`WallModel` — which camera sits on which slot. Slots are numbered; a layout
  shows the first N of them. Cameras on slots beyond the current layout are kept, so
  going from 16 tiles to 4 and back brings the same 16 cameras back.
- :class:`TourRunner` — 轮巡: a named group of cameras cycling on one tile or on the
  whole wall at an interval, driven by an injectable clock (``tick(now)``).
- :func:`nearest_cameras` and :class:`AlarmLinkage` — a new red or orange alert brings
  the nearest online cameras within a radius onto designated tiles; the linkage keeps
  the alert's banner on those tiles until the alert is acknowledged.
- :class:`VideoPreferences` — favourites, tours and saved wall layouts, persisted in
  the console's cache (a ``BlobStore``) as JSON.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Iterable, Protocol, Sequence

# One great-circle distance for the brute-force path and the stores' grid.
from console.events import Event
from console.nearby import EARTH_RADIUS_M, distance_m  # noqa: F401 - EARTH_RADIUS_M stays importable here
from district.vocabulary import LEVEL_RANK, LEVELS

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


# ---------------------------------------------------------------------- tours


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


# ---------------------------------------------------------------------- linkage



class _Located(Protocol):
    id: str
    status: str
    location: Any


def nearest_cameras(cameras: Iterable[Any], lon: float, lat: float, radius_m: float,
                    limit: int, online_only: bool = True) -> list[tuple[str, float]]:
    """``(camera_id, metres)`` of the nearest cameras within ``radius_m``, nearest first
    (ties by id, so the choice is stable). ``cameras``: the camera store (its grid is
    read: ``console.stores.LocatedStore``) or any iterable of cameras (each measured)."""
    if hasattr(cameras, "nearest"):
        accept = (lambda c: c.status == "online") if online_only else None
        return [(c.id, d) for d, c in cameras.nearest(lon, lat, radius_m, limit, accept)]
    found: list[tuple[float, str]] = []
    for cam in cameras:
        if online_only and cam.status != "online":
            continue
        loc = cam.location
        d = distance_m(lon, lat, loc.lon, loc.lat)
        if d <= radius_m:
            found.append((d, cam.id))
    found.sort()
    return [(cid, d) for d, cid in found[:limit]]


SEVERITY = {level: len(LEVELS) - rank for level, rank in LEVEL_RANK.items()}
"""Level → weight, red highest (4) and blue lowest (1); unknown levels weigh 0."""


@dataclass
class LinkageRule:
    """Which alerts pop up cameras, how far to look and onto which slots."""

    levels: tuple[str, ...] = ("red", "orange")
    radius_m: float = 1500.0
    slots: tuple[int, ...] = (0, 1, 2, 3)
    max_age_s: float = 600.0
    """Older alerts (a backlog arriving with a snapshot) do not pop up cameras."""
    enabled: bool = True

    def __post_init__(self) -> None:
        if self.radius_m <= 0:
            raise ValueError("联动半径须大于 0 米")
        if not self.slots:
            raise ValueError("至少指定一个联动画面")


@dataclass
class Banner:
    """The alert banner drawn over a linked tile until the alert is acknowledged."""

    alert_id: str
    level: str
    title: str
    camera_id: str
    distance_m: float


@dataclass
class LinkageResult:
    alert_id: str
    placements: list[tuple[int, str, float]] = field(default_factory=list)  # slot, camera, metres


class AlarmLinkage:
    """Decides which cameras a new red/orange alert brings onto the wall.

    ``consider(alerts, cameras)`` is fed the changed alerts; an alert is linked once
    (the first time it is seen new, at a linked level, with a location). Banners stay
    on their slots until :meth:`clear_acknowledged` sees the alert leave ``new``.
    """

    def __init__(self, rule: LinkageRule | None = None) -> None:
        self.rule = rule or LinkageRule()
        self.banners: dict[int, Banner] = {}
        self._linked: set[str] = set()
        self._held: set[str] = set()

    def mark_seen(self, alert_ids: Iterable[str]) -> None:
        """Alerts that must not pop up cameras (held before the wall opened)."""
        self._linked.update(alert_ids)

    def consider(self, alerts: Iterable[Any], cameras: Iterable[Any],
                 now: datetime | None = None) -> list[LinkageResult]:
        """Place the cameras of the new linked alerts among ``alerts``.

        A tile whose banner is still unacknowledged is held for its alert: a later
        alert takes it only when more severe (red over orange).  An alert that finds no
        free tile waits (:meth:`held_ids`) and is placed once a tile is acknowledged.
        """
        if not self.rule.enabled:
            return []
        cams = cameras if hasattr(cameras, "nearest") else list(cameras)  # a store: its grid
        now = now or datetime.now(timezone.utc)
        results: list[LinkageResult] = []
        for alert in sorted(alerts, key=lambda a: (-SEVERITY.get(a.level, 0), a.created_at, a.id)):
            if alert.id in self._linked or alert.status != "new" or alert.level not in self.rule.levels:
                self._held.discard(alert.id)
                continue
            if alert.location is None or (now - alert.created_at).total_seconds() > self.rule.max_age_s:
                self._linked.add(alert.id)
                self._held.discard(alert.id)
                continue
            rank = SEVERITY.get(alert.level, 0)
            free = [s for s in self.rule.slots
                    if s not in self.banners or SEVERITY.get(self.banners[s].level, 0) < rank]
            if not free:
                self._held.add(alert.id)
                continue
            self._held.discard(alert.id)
            self._linked.add(alert.id)
            near = nearest_cameras(cams, alert.location.lon, alert.location.lat, self.rule.radius_m, len(free))
            if not near:
                continue
            result = LinkageResult(alert.id)
            for slot, (cid, d) in zip(free, near):
                result.placements.append((slot, cid, d))
                self.banners[slot] = Banner(alert.id, alert.level, alert.title, cid, d)
            results.append(result)
        return results

    def held_ids(self) -> list[str]:
        """Alerts waiting for a linkage tile to be acknowledged."""
        return sorted(self._held)

    def clear_acknowledged(self, alert_lookup: Callable[[str], Any]) -> set[int]:
        """Drop banners whose alert is no longer new (签收 or later) or gone; returns their slots."""
        cleared: set[int] = set()
        for slot, banner in list(self.banners.items()):
            alert = alert_lookup(banner.alert_id)
            if alert is None or alert.status != "new":
                del self.banners[slot]
                cleared.add(slot)
        return cleared

    def banner_at(self, slot: int) -> Banner | None:
        return self.banners.get(slot)


# ---------------------------------------------------------------------- persistence

GB28181_CODE = re.compile(r"^\d{20}$")


class _Blobs(Protocol):
    def put(self, key: str, data: bytes | str) -> None: ...

    def get(self, key: str) -> bytes | None: ...


class VideoPreferences:
    """Favourite cameras, tours and saved wall layouts, kept in the cache's blob store.

    Views call this service; only it writes. A damaged blob reads as empty (and is
    replaced on the next save) rather than stopping the wall.
    """

    FAVOURITES = "video/favourites"
    TOURS = "video/tours"
    WALLS = "video/walls"
    LINKAGE = "video/linkage"

    def __init__(self, blobs: _Blobs | None) -> None:
        self._blobs = blobs
        self._memory: dict[str, str] = {}  # when the console runs without a cache

    def _read(self, key: str, default: Any) -> Any:
        raw: bytes | str | None
        if self._blobs is None:
            raw = self._memory.get(key)
        else:
            raw = self._blobs.get(key)
        if not raw:
            return default
        try:
            value = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            return default
        return value if isinstance(value, type(default)) else default

    def _write(self, key: str, value: Any) -> None:
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
        if self._blobs is None:
            self._memory[key] = text
        else:
            self._blobs.put(key, text)

    # favourites
    def favourites(self) -> set[str]:
        return {str(x) for x in self._read(self.FAVOURITES, [])}

    def set_favourite(self, camera_id: str, on: bool) -> set[str]:
        favs = self.favourites()
        (favs.add if on else favs.discard)(camera_id)
        self._write(self.FAVOURITES, sorted(favs))
        return favs

    # tours
    def tours(self) -> dict[str, Tour]:
        out: dict[str, Tour] = {}
        for name, raw in self._read(self.TOURS, {}).items():
            try:
                out[name] = Tour(**raw)
            except (TypeError, ValueError):
                continue
        return out

    def save_tour(self, tour: Tour) -> None:
        data = self._read(self.TOURS, {})
        data[tour.name] = asdict(tour)
        self._write(self.TOURS, data)

    def delete_tour(self, name: str) -> None:
        data = self._read(self.TOURS, {})
        data.pop(name, None)
        self._write(self.TOURS, data)

    # alarm linkage
    def linkage_rule(self) -> LinkageRule:
        raw = self._read(self.LINKAGE, {})
        try:
            return LinkageRule(levels=tuple(raw.get("levels", ("red", "orange"))),
                               radius_m=float(raw.get("radius_m", 1500.0)),
                               slots=tuple(int(x) for x in raw.get("slots", (0, 1, 2, 3))),
                               enabled=bool(raw.get("enabled", True)))
        except (TypeError, ValueError):
            return LinkageRule()

    def save_linkage_rule(self, rule: LinkageRule) -> None:
        self._write(self.LINKAGE, {"levels": list(rule.levels), "radius_m": rule.radius_m,
                                   "slots": list(rule.slots), "enabled": rule.enabled})

    # wall layouts
    def walls(self) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in self._read(self.WALLS, {}).items()
                if isinstance(v, dict) and v.get("layout") in LAYOUTS}

    def save_wall(self, name: str, model: WallModel) -> None:
        if not name.strip():
            raise ValueError("画面方案名称不能为空")
        data = self._read(self.WALLS, {})
        data[name] = {"layout": model.layout.name, "slots": model.all_slots()}
        self._write(self.WALLS, data)

    def load_wall(self, name: str, model: WallModel) -> bool:
        saved = self.walls().get(name)
        if saved is None:
            return False
        slots = [s if isinstance(s, str) else None for s in saved.get("slots", [])]
        model.load(saved["layout"], slots)
        return True


def search_key(camera: Any) -> str:
    """What the directory's search looks in: the name (lower case), the code, and the
    name's pinyin (full and initials: ``maluan`` or ``ml`` finds 马峦, console.pinyin)."""
    from console.pinyin import text_forms

    name = camera.name.lower()
    return f"{name}\n{camera.id.lower()}\n{text_forms(camera.name)}"


def matches(camera: Any, query: str) -> bool:
    """Directory search: part of the name (or of its pinyin), or a (partial) 20-digit
    GB/T 28181 code (digits search the code only)."""
    q = query.strip()
    if not q:
        return True
    if q.isdigit():
        return q in camera.id
    return q.lower() in search_key(camera)


class CameraSearch:
    """The directory's search over the camera store, with each camera's key made once
    per revision (10,000 cameras: a query is a pass over ready strings, not 10,000
    lower-casings and pinyin conversions). Same answers as :func:`matches`."""

    def __init__(self) -> None:
        self._keys: dict[str, tuple[int, str]] = {}  # camera id → (rev, search key)

    def key(self, camera: Any) -> str:
        held = self._keys.get(camera.id)
        if held is None or held[0] != camera.rev:
            held = (camera.rev, search_key(camera))
            self._keys[camera.id] = held
        return held[1]

    def find(self, cameras: Iterable[Any], query: str) -> list[Any]:
        """The cameras among ``cameras`` that ``query`` finds, in their order."""
        q = query.strip()
        cams = list(cameras)
        if not q:
            return cams
        if q.isdigit():
            return [c for c in cams if q in c.id]
        low = q.lower()
        key = self.key
        return [c for c in cams if low in key(c)]

    def matches(self, camera: Any, query: str) -> bool:
        """Whether ``query`` finds ``camera`` (:func:`matches`, from the kept key)."""
        q = query.strip()
        if not q:
            return True
        if q.isdigit():
            return q in camera.id
        return q.lower() in self.key(camera)

    def keep_only(self, camera_ids: Iterable[str]) -> None:
        """Forget the keys of cameras no longer in the store."""
        alive = set(camera_ids)
        if len(self._keys) > len(alive):
            self._keys = {k: v for k, v in self._keys.items() if k in alive}

"""Alarm linkage: a new red or orange alert brings the nearest online cameras onto designated tiles
(:func:`nearest_cameras`, :class:`AlarmLinkage`) and keeps its banner there until acknowledged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Iterable, Protocol

# One great-circle distance for the brute-force path and the stores' grid.
from console.nearby import distance_m
from district.vocabulary import LEVEL_RANK, LEVELS

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

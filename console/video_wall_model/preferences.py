"""Favourites, tours and saved wall layouts, persisted as JSON in the console's cache
(:class:`VideoPreferences` over a ``BlobStore``).
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict
from typing import Any, Protocol

from console.video_wall_model.linkage import LinkageRule
from console.video_wall_model.tours import Tour
from console.video_wall_model.wall import LAYOUTS, WallModel

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

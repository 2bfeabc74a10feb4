"""The district catalogue: streets, alert categories, indicators and units.

Loaders for ``resources/catalogue/*.json`` (UTF-8).  Pure Python, no Qt: the core,
the views and the tests all read the same reference data.  Each loader parses its
file once and returns immutable dataclasses.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

CATALOGUE_DIR = Path(__file__).resolve().parent.parent / "resources" / "catalogue"

Theme = Literal["city_ops", "citizen", "ecology", "digital_gov", "emergency"]
THEME_NAMES_ZH: dict[str, str] = {
    "city_ops": "城市运行",
    "citizen": "民生诉求",
    "ecology": "生态环境",
    "digital_gov": "数字政府",
    "emergency": "应急",
}


@dataclass(frozen=True)
class Centre:
    """A WGS84 point (longitude, latitude in degrees)."""

    lon: float
    lat: float


@dataclass(frozen=True)
class Community:
    """社区: the level below a street, seat of a community micro-centre."""

    id: str
    name_zh: str
    name_en: str
    centre: Centre


@dataclass(frozen=True)
class Street:
    """街道: one of the six streets, seat of a street sub-centre."""

    id: str
    name_zh: str
    name_en: str
    centre: Centre
    communities: tuple[Community, ...]


@dataclass(frozen=True)
class District:
    """The district itself: admin code and its real outline (WGS-84 lon, lat ring, open, CCW)."""

    id: str
    name_zh: str
    name_en: str
    admin_code: str
    outline: tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class Category:
    """An alert category with its time limits and the units that may receive it."""

    id: str
    name_zh: str
    name_en: str
    ack_limit_min: int
    resolve_limit_min: int
    units: tuple[str, ...]
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Indicator:
    """A monitored indicator; ``direction`` says which way is better."""

    id: str
    name_zh: str
    name_en: str
    unit: str
    direction: Literal["higher", "lower"]
    baseline_2021: float | None
    target_2025: float | None
    warn: float | None
    alarm: float | None
    theme: Theme
    period_s: float
    plan: str | None = None  # "smart_city_2025" | "ecology_2025" | None (live operations)


@dataclass(frozen=True)
class UnitEntry:
    """A unit orders go to (department, street sub-centre, community micro-centre, team).

    ``categories`` empty means the unit may receive any category.
    """

    id: str
    name: str
    level: Literal["district", "street", "community", "team"]
    parent: str | None
    categories: tuple[str, ...]

    def accepts(self, category: str) -> bool:
        """Whether an alert of ``category`` may be dispatched to this unit."""
        return not self.categories or category in self.categories


def _load(name: str) -> Any:
    with open(CATALOGUE_DIR / name, encoding="utf-8") as fh:
        return json.load(fh)


def _centre(raw: dict[str, float]) -> Centre:
    return Centre(lon=float(raw["lon"]), lat=float(raw["lat"]))


def _outline(ref: str) -> tuple[tuple[float, float], ...]:
    """The exterior ring of the largest polygon in a GeoJSON file (relative to the catalogue),
    open and counter-clockwise."""
    doc = json.loads((CATALOGUE_DIR / ref).read_text(encoding="utf-8"))
    geometry = doc["features"][0]["geometry"] if doc.get("type") == "FeatureCollection" else doc.get("geometry", doc)
    polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]

    def area(ring: list[tuple[float, float]]) -> float:
        return 0.5 * sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1]))

    rings = [[(float(p[0]), float(p[1])) for p in polygon[0]] for polygon in polygons]
    ring = max(rings, key=lambda r: abs(area(r)))
    if len(ring) > 1 and ring[0] == ring[-1]:
        ring.pop()
    if area(ring) < 0:
        ring.reverse()
    return tuple(ring)


@lru_cache(maxsize=1)
def district() -> District:
    """The district record with its outline: the real boundary (DataV GeoAtlas, converted
    from GCJ-02 to WGS-84 once) from the file ``streets.json`` names."""
    raw = _load("streets.json")["district"]
    return District(
        id=raw["id"],
        name_zh=raw["name_zh"],
        name_en=raw["name_en"],
        admin_code=raw["admin_code"],
        outline=_outline(raw["outline"]),
    )


@lru_cache(maxsize=1)
def _streets() -> tuple[Street, ...]:
    out = []
    for s in _load("streets.json")["streets"]:
        comms = tuple(
            Community(id=c["id"], name_zh=c["name_zh"], name_en=c["name_en"], centre=_centre(c["centre"]))
            for c in s["communities"]
        )
        out.append(
            Street(id=s["id"], name_zh=s["name_zh"], name_en=s["name_en"], centre=_centre(s["centre"]), communities=comms)
        )
    return tuple(out)


def streets() -> list[Street]:
    """The six streets in catalogue order, each with its communities."""
    return list(_streets())


def communities() -> list[tuple[Street, Community]]:
    """Every community with the street it belongs to (23 in all)."""
    return [(s, c) for s in _streets() for c in s.communities]


@lru_cache(maxsize=1)
def _categories() -> tuple[Category, ...]:
    return tuple(
        Category(
            id=c["id"],
            name_zh=c["name_zh"],
            name_en=c["name_en"],
            ack_limit_min=int(c["ack_limit_min"]),
            resolve_limit_min=int(c["resolve_limit_min"]),
            units=tuple(c["units"]),
            sources=tuple(c["sources"]),
        )
        for c in _load("categories.json")["categories"]
    )


def categories() -> list[Category]:
    """Alert categories (内涝积水, 火情, 占道经营, …)."""
    return list(_categories())


def _num(v: Any) -> float | None:
    return None if v is None else float(v)


@lru_cache(maxsize=1)
def _indicators() -> tuple[Indicator, ...]:
    return tuple(
        Indicator(
            id=i["id"],
            name_zh=i["name_zh"],
            name_en=i["name_en"],
            unit=i["unit"],
            direction=i["direction"],
            baseline_2021=_num(i["baseline_2021"]),
            target_2025=_num(i["target_2025"]),
            warn=_num(i["warn"]),
            alarm=_num(i["alarm"]),
            theme=i["theme"],
            period_s=float(i["period_s"]),
            plan=i.get("plan"),
        )
        for i in _load("indicators.json")["indicators"]
    )


def indicators() -> list[Indicator]:
    """The indicator catalogue: plan targets (智慧城市, 生态环境) and live operations."""
    return list(_indicators())


@lru_cache(maxsize=1)
def _units() -> tuple[UnitEntry, ...]:
    return tuple(
        UnitEntry(
            id=u["id"],
            name=u["name"],
            level=u["level"],
            parent=u["parent"],
            categories=tuple(u["categories"]),
        )
        for u in _load("units.json")["units"]
    )


def units() -> list[UnitEntry]:
    """Departments, street sub-centres, community micro-centres and rescue teams."""
    return list(_units())


def by_id(items: list[Any]) -> dict[str, Any]:
    """Index any list of catalogue records by their ``id``."""
    return {item.id: item for item in items}

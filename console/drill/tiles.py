"""A drill's base map: the package's tiles, or tiles drawn for the scenario, in the drill's own
MBTiles cache (``<drill>/console/tiles.mbtiles``) so that the map's ``pstile://`` handler
serves them with no network.

A package (``.drill``) carries its tiles (``drill pack`` draws them): they are copied
in.  A plain scenario (``.yaml``) has none, so they are drawn at drill start with the
embedded feed's own renderer (``simulator.tiles.render_tile``): the district at
zoom 10–13 and the scenario's area (the communities its injects name) at 14–15.
Drawing at start keeps ``--drill x.yaml`` self-contained (no pack step, nothing
stale); it costs under a second on the shared 2-core machine (see :func:`fill_drill_tiles`).
The tiles are pinned: the size cap never evicts them during the drill.

The live cache is never touched: the target is always the drill's own folder.
No Qt here.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

from console.tiles import TILE_CACHE_FILE, BBox, tiles_in_area
from offline_cache.tiles import MBTilesStore

log = logging.getLogger(__name__)

DISTRICT_ZOOMS = (10, 13)
"""Zooms drawn for the whole district."""
AREA_ZOOMS = (14, 15)
"""Zooms drawn for the scenario's area."""
AREA_MARGIN_DEG = 0.015
"""Margin around the communities the scenario names (about 1.5 km)."""
_BATCH = 64


@dataclass(frozen=True)
class DrillTiles:
    """What :func:`fill_drill_tiles` put into the drill's tile cache."""

    path: Path
    tiles: int
    origin: str  # "package" or "rendered"
    seconds: float


def district_bbox() -> tuple[float, float, float, float]:
    """The district outline's extent with a small margin (lon/lat: west, south, east, north)."""
    from console import catalogue

    pts = catalogue.district().outline
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    return min(xs) - 0.01, min(ys) - 0.01, max(xs) + 0.01, max(ys) + 0.01


def district_area() -> BBox:
    """The district's extent with a small margin (the same area ``drill pack`` draws)."""
    return district_bbox()


def scenario_area(scenario: Any) -> BBox | None:
    """The bbox of the communities the scenario's injects name (with a margin); None if none."""
    from console import catalogue

    centres = {c.id: (c.centre.lon, c.centre.lat) for _s, c in catalogue.communities()}
    pts = [centres[cid] for inj in getattr(scenario, "injects", [])
           if (cid := getattr(inj, "community", None)) and cid in centres]
    if not pts:
        return None
    lons, lats = [p[0] for p in pts], [p[1] for p in pts]
    m = AREA_MARGIN_DEG
    return min(lons) - m, min(lats) - m, max(lons) + m, max(lats) + m


def scenario_tile_list(scenario: Any) -> list[tuple[int, int, int]]:
    """XYZ tiles a scenario's map needs: the district at 10–13 and its area at 14–15 (no repeats)."""
    seen: dict[tuple[int, int, int], None] = {}
    for t in tiles_in_area(district_area(), *DISTRICT_ZOOMS):
        seen[t] = None
    area = scenario_area(scenario)
    if area is not None:
        for t in tiles_in_area(area, *AREA_ZOOMS):
            seen[t] = None
    return list(seen)


def render_scenario_tiles(scenario: Any) -> Iterator[tuple[int, int, int, bytes]]:
    """The tiles of :func:`scenario_tile_list`, drawn by the embedded feed's renderer.

    """
    from simulator.tiles import render_tile
    for z, x, y in scenario_tile_list(scenario):
        yield z, x, y, render_tile(z, x, y)


def _package_tiles(package_path: Path) -> Iterator[tuple[int, int, int, bytes]]:
    import sqlite3

    db = sqlite3.connect(f"file:{package_path}?mode=ro", uri=True)
    try:
        for z, x, y, png in db.execute("SELECT z, x, y, png FROM tiles"):
            yield int(z), int(x), int(y), bytes(png)
    finally:
        db.close()


def _put_batched(store: MBTilesStore, tiles: Iterable[tuple[int, int, int, bytes]]) -> int:
    batch: list[tuple[int, int, int, bytes]] = []
    n = 0
    for tile in tiles:
        batch.append(tile)
        if len(batch) >= _BATCH:
            n += store.put_many(batch, pinned=True)
            batch = []
    if batch:
        n += store.put_many(batch, pinned=True)
    return n


def fill_drill_tiles(console_dir: Path, scenario: Any, package: Any = None) -> DrillTiles:
    """Put the drill's base map into ``<console_dir>/tiles.mbtiles`` (pinned).

    ``package`` (a :class:`console.drill.package.DrillPackage`) with tiles: copy them.
    Otherwise draw the scenario's tiles (:func:`render_scenario_tiles`): measured for
    the shipped scenarios 55–85 tiles (district 10–13 plus their areas at 14–15) in
    0.3–0.9 s on the shared 2-core machine (the first one pays for loading the geodata).
    """
    console_dir = Path(console_dir)
    console_dir.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    store = MBTilesStore(console_dir / TILE_CACHE_FILE, name="演练底图")
    try:
        origin = "rendered"
        n = 0
        if package is not None and package.tile_count() > 0:
            origin = "package"
            n = _put_batched(store, _package_tiles(Path(package.path)))
        else:
            n = _put_batched(store, render_scenario_tiles(scenario))
        store.refresh_extent_metadata()
    finally:
        store.close()
    result = DrillTiles(console_dir / TILE_CACHE_FILE, n, origin, time.perf_counter() - t0)
    log.info("drill tiles: %d from %s in %.2f s", n, origin, result.seconds)
    return result

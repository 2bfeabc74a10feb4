"""Base-map tiles: sources (XYZ / WMTS, auth header, GCJ-02), the cache-first tile
service, offline-area prefetch (estimate, progress, cancel, resume) and the headless
``pingshan-console tiles`` command.  No Qt here.

The cache is an :class:`offline_cache.tiles.MBTilesStore`.  The web view asks the
:class:`TileService` for a tile (through a custom URL scheme, see
``widgets/map/tile_scheme.py``): a cached tile answers at once; otherwise, when online,
the tile is fetched from the configured source on a worker thread, stored, and
served.  When fetching fails the service goes *offline* for a short back-off and
serves only what the cache holds, which the map shows as "离线地图".

Coordinates: the console's overlays are WGS84/CGCS2000.  A GCJ-02 tile source (many
Chinese commercial base maps) is not re-projected: instead the overlay coordinates
are shifted into GCJ-02 (:func:`wgs84_to_gcj02`) so that they line up with it.

Modules
-------
* :mod:`~console.tiles.sources`: :class:`TileSource` (XYZ / WMTS, auth header, GCJ-02).
* :mod:`~console.tiles.gcj02`: WGS84 ↔ GCJ-02 for points and GeoJSON.
* :mod:`~console.tiles.areas`: bbox and zoom range → tiles, counts and size estimates.
* :mod:`~console.tiles.service`: size-capped fetching and the cache-first :class:`TileService`.
* :mod:`~console.tiles.prefetch`: offline-area download (progress, cancel, resume).
* :mod:`~console.tiles.cli`: ``pingshan-console tiles`` (:func:`main_tiles`).
"""

from __future__ import annotations

from console.tiles.areas import (DEFAULT_TILE_BYTES, MAX_TILES_PER_JOB, AreaEstimate, BBox, check_bbox, count_tiles,
                                 estimate_area, format_bytes, lonlat_to_tile, parse_bbox, parse_zoom, tiles_in_area)
from console.tiles.cli import main_tiles
from console.tiles.gcj02 import gcj02_to_wgs84, transform_geojson, wgs84_to_gcj02
from console.tiles.prefetch import PrefetchCancel, PrefetchProgress, prefetch, sample_tile_bytes
from console.tiles.service import (DEFAULT_CAP_BYTES, OFFLINE_BACKOFF_S, TILE_CACHE_FILE, TILE_READ_DEADLINE_S,
                                   TILE_SOURCE_FILE, TileFetchError, TileService, TileTooLargeError, aget_tile,
                                   get_tile, import_into, tile_service_for)
from console.tiles.sources import TileSource, TileSourceError, parse_header

__all__ = ["DEFAULT_TILE_BYTES", "MAX_TILES_PER_JOB", "AreaEstimate", "BBox", "check_bbox", "count_tiles",
           "estimate_area", "format_bytes", "lonlat_to_tile", "parse_bbox", "parse_zoom", "tiles_in_area",
           "main_tiles", "gcj02_to_wgs84", "transform_geojson", "wgs84_to_gcj02", "PrefetchCancel",
           "PrefetchProgress", "prefetch", "sample_tile_bytes", "DEFAULT_CAP_BYTES", "OFFLINE_BACKOFF_S",
           "TILE_CACHE_FILE", "TILE_READ_DEADLINE_S", "TILE_SOURCE_FILE", "TileFetchError", "TileService",
           "TileTooLargeError", "aget_tile", "get_tile", "import_into", "tile_service_for", "TileSource",
           "TileSourceError", "parse_header"]

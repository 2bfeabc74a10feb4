"""The situation map: a Leaflet page in a web view, with the district's layers and the live picture.

Modules:

- ``panel.py`` — :class:`MapPanel`, the widget the main window and the wall place: its setup
  steps, public API (focus, rings, incident view, jump, measure, offline areas) and handlers.
- ``page.py`` — the web page: :func:`build_map_html` (folium, local assets only),
  :class:`MapBridge` (the QWebChannel bridge to ``web/console_map.js``), :class:`MapPage`.
- ``overlays.py`` — :class:`OverlaySync`: alerts, devices, cameras, incidents and layers sent
  to the page as batched diffs (what each looks like: ``console/map_features.py``).
- ``toolbar.py`` — the header row and the 地图 menu's actions.
- ``nearby.py`` — the 周边 list beside the map (radius rings, incident view).
- ``layers.py`` — :class:`LayerPanel`, the layer catalogue and GeoJSON import.
- ``offline_area.py`` — :class:`OfflineAreaDialog`, 准备离线区域 (download base-map tiles), and
  :class:`MBTilesImport`, 导入离线地图包 (copy an MBTiles file into the cache).
- ``tile_scheme.py`` — the ``pstile://`` scheme serving tiles from the MBTiles cache
  (:func:`register_tile_scheme` runs before the QApplication exists).
- ``web/`` — the page's own script and stylesheet (:data:`MAP_PAGE_DIR`; packaged as data).
"""

from widgets.map.layers import LayerPanel
from widgets.map.offline_area import OfflineAreaDialog
from widgets.map.page import MAP_PAGE_DIR, MapBridge, build_map_html
from widgets.map.panel import MapPanel
from widgets.map.tile_scheme import register_tile_scheme, tile_handler

__all__ = [
    "MAP_PAGE_DIR",
    "LayerPanel",
    "MapBridge",
    "MapPanel",
    "OfflineAreaDialog",
    "build_map_html",
    "register_tile_scheme",
    "tile_handler",
]

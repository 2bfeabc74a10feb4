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

Modules: :mod:`~console.video_wall_model.wall` (layouts, :class:`WallModel`),
:mod:`~console.video_wall_model.tours`, :mod:`~console.video_wall_model.linkage`,
:mod:`~console.video_wall_model.preferences` and :mod:`~console.video_wall_model.search`
(:class:`CameraSearch`, the camera directory's search keys).
"""

from __future__ import annotations

# One great-circle distance for the brute-force path and the stores' grid.
from console.nearby import EARTH_RADIUS_M, distance_m
from console.video_wall_model.linkage import (SEVERITY, AlarmLinkage, Banner, LinkageResult, LinkageRule,
                                              nearest_cameras)
from console.video_wall_model.preferences import GB28181_CODE, VideoPreferences
from console.video_wall_model.search import CameraSearch, matches, search_key
from console.video_wall_model.tours import Tour, TourRunner
from console.video_wall_model.wall import CAMERA_MIME, LAYOUTS, MAX_SLOTS, Cell, Layout, WallModel

__all__ = ["EARTH_RADIUS_M", "distance_m", "SEVERITY", "AlarmLinkage", "Banner", "LinkageResult", "LinkageRule",
           "nearest_cameras", "GB28181_CODE", "VideoPreferences", "CameraSearch", "matches", "search_key", "Tour",
           "TourRunner", "CAMERA_MIME", "LAYOUTS", "MAX_SLOTS", "Cell", "Layout", "WallModel"]

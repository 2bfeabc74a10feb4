"""The video wall panel and the camera directory beside it.

- :mod:`~widgets.video_wall.wall` — :class:`VideoWall`, the tiles in a layout (1 to 64),
  enlarge/restore, streams per tile size, alarm linkage banners, tours, PTZ, snapshots;
  its state is the core's :mod:`console.video_wall_model`;
- :mod:`~widgets.video_wall.menus` — the wall's toolbar, shortcuts and menus (a mixin of
  ``VideoWall``) and :data:`~widgets.video_wall.menus.LAYOUT_KEYS`;
- :mod:`~widgets.video_wall.tile` — :class:`VideoTile`, one stream decoded by
  QtMultimedia and painted with its overlays; its stream rules (watchdog, backoff,
  parking) are the core's :class:`console.video_stream.TileStream`;
- :mod:`~widgets.video_wall.dnd` — drag payloads (:data:`CAMERA_MIME`, :data:`TILE_MIME`)
  and what a drop onto a tile means;
- :mod:`~widgets.video_wall.directory` — :class:`CameraDirectory`, the cameras as a tree
  street → community → kind, with search and favourites, dragged onto the wall.
"""

from widgets.video_wall.directory import CameraDirectory
from widgets.video_wall.dnd import CAMERA_MIME, TILE_MIME
from widgets.video_wall.tile import VideoTile
from widgets.video_wall.wall import VideoWall

__all__ = ["CAMERA_MIME", "TILE_MIME", "CameraDirectory", "VideoTile", "VideoWall"]

"""Drag and drop on the video wall: what a drag carries and what a drop means.

Two payloads: :data:`CAMERA_MIME` (a camera id, from the camera directory, the map or
another tile; defined by the core in :mod:`console.video_wall_model` because other views
use it too) and :data:`TILE_MIME` (a wall slot number, to swap two tiles).
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QByteArray, QMimeData

from console.video_wall_model import CAMERA_MIME

TILE_MIME = "application/x-pingshan-tile"
"""Drag payload: a wall slot number, to swap two tiles."""

__all__ = ["CAMERA_MIME", "TILE_MIME", "Drop", "accepts", "camera_mime", "read_drop", "tile_mime"]


def camera_mime(camera_id: str) -> QMimeData:
    """A drag of one camera (the directory's rows): the id as payload and as plain text."""
    mime = QMimeData()
    mime.setData(CAMERA_MIME, QByteArray(camera_id.encode("utf-8")))
    mime.setText(camera_id)
    return mime


def tile_mime(slot: int, camera_id: str | None) -> QMimeData:
    """A drag from a tile: its slot, and its camera for other targets."""
    mime = QMimeData()
    mime.setData(TILE_MIME, QByteArray(str(slot).encode("ascii")))
    if camera_id:
        mime.setData(CAMERA_MIME, QByteArray(camera_id.encode("utf-8")))
    return mime


def accepts(mime: QMimeData) -> bool:
    """A tile takes a tile (swap) or a camera (assign)."""
    return mime.hasFormat(TILE_MIME) or mime.hasFormat(CAMERA_MIME)


@dataclass(frozen=True)
class Drop:
    """What a drop onto a tile asks for: swap with ``from_slot``, or show ``camera_id``
    (neither: an empty camera id, taken and ignored)."""

    from_slot: int | None = None
    camera_id: str | None = None


def read_drop(mime: QMimeData) -> Drop | None:
    """The drop's request, or None when the payload is neither a tile nor a camera (or
    an unreadable slot). A tile payload wins over the camera it also carries."""
    if mime.hasFormat(TILE_MIME):
        try:
            return Drop(from_slot=int(bytes(mime.data(TILE_MIME).data()).decode("ascii")))
        except ValueError:
            return None
    if mime.hasFormat(CAMERA_MIME):
        camera_id = bytes(mime.data(CAMERA_MIME).data()).decode("utf-8", "replace").strip()
        return Drop(camera_id=camera_id or None)
    return None

"""The video wall for the UI tests: a stand-in core (a real picture, outbox, audit log and
blob store in a temporary cache), cameras to apply, a wall made and shown, a drop onto a
tile. The ``core`` fixture (tests/ui/conftest.py) fills a ``_Core`` with twenty cameras."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from PySide6.QtCore import QMimeData, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from console.audit import Auditor
from console.commands import Commands
from console.models import Camera, CameraStreams, CameraUpsert, GeoPoint
from widgets.bridge import PictureNotifier
from console.stores import OperatingPicture
from offline_cache.audit_log import AuditLog
from offline_cache.blobs import BlobStore
from offline_cache.db import open_cache
from offline_cache.outbox import Outbox
from widgets.video_wall import VideoWall


CST = timezone(timedelta(hours=8))


def _camera(n: int, lon: float = 114.35, lat: float = 22.72, ptz: bool = False, status: str = "online") -> CameraUpsert:
    now = datetime.now(CST)
    cid = f"440310000013200000{n:02d}"
    url = f"http://127.0.0.1:9/video/{cid}"
    payload = Camera(id=cid, rev=1, name=f"测试摄像机{n:02d}", kind="road", location=GeoPoint(lon=lon, lat=lat),
                     status=status, ptz=ptz, updated_at=now,
                     streams=CameraStreams(main=f"{url}/main.ts", sub=f"{url}/sub.ts", low=f"{url}/low.ts"))
    return CameraUpsert(v=1, id=f"c{n}", type="camera.upsert", ts=now, payload=payload)


class _Core:
    """A real picture, outbox, audit log and blob store in a temporary cache."""

    def __init__(self, tmp: Path) -> None:
        self.picture = OperatingPicture()
        self.cache = open_cache(tmp / "cache.sqlite")
        self.outbox = Outbox(self.cache)
        self.auditor = Auditor(AuditLog(self.cache), "值班员甲")
        self.commands = Commands(self.picture, self.outbox, "值班员甲", auditor=self.auditor)
        self.preferences = BlobStore(self.cache)
        self.config = SimpleNamespace(cache_dir=tmp, operator="值班员甲")
        self.layers: dict[str, Any] = {}


def _wall(qtbot: Any, core: Any, **kw: Any) -> VideoWall:
    notifier = PictureNotifier(core.picture, interval_ms=50)
    wall = VideoWall(core, notifier, **kw)
    wall._test_notifier = notifier
    qtbot.addWidget(wall)
    wall.resize(960, 600)
    wall.show()
    qtbot.waitExposed(wall)
    return wall


def _cid(n: int) -> str:
    return f"440310000013200000{n:02d}"


def _drop(qtbot: Any, tile: Any, mime: QMimeData) -> None:
    pos = QPointF(tile.width() / 2, tile.height() / 2)
    enter = QDragEnterEvent(pos.toPoint(), Qt.DropAction.MoveAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(tile, enter)
    assert enter.isAccepted()
    drop = QDropEvent(pos, Qt.DropAction.MoveAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(tile, drop)
    assert drop.isAccepted()

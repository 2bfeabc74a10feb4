"""Video wall gestures and services: layouts, drag and drop, linkage banners, hidden
tiles, PTZ through the outbox, snapshots with metadata and an audit record.

Cameras here point at the loopback discard port (nothing listens): the tiles try to
connect, which is all these tests need; decoding against the feed is covered by
tests/test_video_wall.py.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from PySide6.QtCore import QByteArray, QMimeData, QPoint, QPointF, Qt  # noqa: E402
from PySide6.QtGui import QDragEnterEvent, QDropEvent  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from console.audit import Auditor  # noqa: E402
from console.commands import Commands  # noqa: E402
from console.models import Alert, AlertUpsert, Camera, CameraStreams, CameraUpsert, GeoPoint  # noqa: E402
from widgets.bridge import PictureNotifier  # noqa: E402
from console.stores import OperatingPicture  # noqa: E402
from console.video_snapshot import read_text  # noqa: E402
from offline_cache.audit_log import AuditLog  # noqa: E402
from offline_cache.blobs import BlobStore  # noqa: E402
from offline_cache.db import open_cache  # noqa: E402
from offline_cache.outbox import Outbox  # noqa: E402
from widgets.video_wall import CAMERA_MIME, TILE_MIME, VideoWall  # noqa: E402

CST = timezone(timedelta(hours=8))


def _camera(n: int, lon: float = 114.35, lat: float = 22.72, ptz: bool = False, status: str = "online") -> CameraUpsert:
    now = datetime.now(CST)
    cid = f"440310000013200000{n:02d}"
    url = f"http://127.0.0.1:9/video/{cid}"
    payload = Camera(id=cid, rev=1, name=f"测试摄像机{n:02d}", kind="road", location=GeoPoint(lon=lon, lat=lat),
                     status=status, ptz=ptz, updated_at=now,
                     streams=CameraStreams(main=f"{url}/main.ts", sub=f"{url}/sub.ts", low=f"{url}/low.ts"))
    return CameraUpsert(v=1, id=f"c{n}", type="camera.upsert", ts=now, payload=payload)


def _alert(aid: str, level: str, lon: float, lat: float, status: str = "new", rev: int = 1) -> AlertUpsert:
    now = datetime.now(CST)
    payload = Alert(id=aid, rev=rev, level=level, status=status, source="iot_threshold", category="waterlogging",
                    title=f"积水告警{aid}", location=GeoPoint(lon=lon, lat=lat), created_at=now, updated_at=now)
    return AlertUpsert(v=1, id=f"{aid}-{rev}", type="alert.upsert", ts=now, payload=payload)


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


@pytest.fixture
def core(tmp_path: Path) -> Any:
    c = _Core(tmp_path)
    for n in range(1, 21):
        c.picture.apply(_camera(n, lon=114.35 + n * 0.001, ptz=n == 3))
    c.picture.drain_changes()
    yield c
    c.cache.close()


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


def test_layouts_keep_assignments_and_hidden_tiles_stop_decoding(qtbot: Any, core: Any) -> None:
    wall = _wall(qtbot, core, layout="16")
    assert len(wall.tiles) == 16
    assert [t.camera_id for t in wall.tiles] == [_cid(n) for n in range(1, 17)]
    assert all(t.decoding for t in wall.tiles)
    sixteen = [t.camera_id for t in wall.tiles]

    wall.set_layout("4")
    assert len(wall.tiles) == 4 and [t.camera_id for t in wall.tiles] == sixteen[:4]
    hidden = wall._all_tiles[4:16]
    assert all(not t.isVisible() and not t.decoding and t.state == "paused" for t in hidden)
    assert all(t.decoding for t in wall.tiles)

    wall.set_layout("1+5")
    assert len(wall.tiles) == 6
    big, small = wall.tiles[0], wall.tiles[1]
    qtbot.waitUntil(lambda: big.width() > 1.8 * small.width(), timeout=2000)

    wall.set_layout("16")
    assert [t.camera_id for t in wall.tiles] == sixteen
    assert all(t.decoding for t in wall.tiles)

    wall.set_layout("36")  # 36 tiles still play sub-streams
    assert all(t.stream == "sub" for t in wall.tiles)
    wall.set_layout("64")  # the 64-tile wall: unfocused tiles on the third stream
    assert all(t.stream == "low" for t in wall.tiles)
    assert wall.tiles[0].source_url.endswith("/low.ts")
    wall.tiles[5].setFocus()
    qtbot.waitUntil(lambda: wall.tiles[5].stream == "sub", timeout=2000)
    assert wall.tiles[4].stream == "low"
    wall.enlarge(5)
    assert wall.tiles[5].stream == "main"
    assert all(not t.isVisible() for t in wall.tiles if t.index != 5)
    wall.restore()
    assert wall.tiles[5].stream == "sub" and all(t.isVisible() for t in wall.tiles)


def _drop(qtbot: Any, tile: Any, mime: QMimeData) -> None:
    pos = QPointF(tile.width() / 2, tile.height() / 2)
    enter = QDragEnterEvent(pos.toPoint(), Qt.DropAction.MoveAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(tile, enter)
    assert enter.isAccepted()
    drop = QDropEvent(pos, Qt.DropAction.MoveAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(tile, drop)
    assert drop.isAccepted()


def test_drag_a_camera_onto_a_tile_and_swap_two_tiles(qtbot: Any, core: Any) -> None:
    wall = _wall(qtbot, core, layout="4")
    before = [t.camera_id for t in wall.tiles]
    mime = QMimeData()
    mime.setData(CAMERA_MIME, QByteArray(_cid(19).encode()))
    _drop(qtbot, wall.tiles[2], mime)
    assert wall.tiles[2].camera_id == _cid(19)
    assert wall.tiles[2].source_url.endswith(f"{_cid(19)}/sub.ts")

    # Drag tile 0 onto tile 3: they swap.
    swap = wall.tiles[0].mime_data()
    assert bytes(swap.data(TILE_MIME).data()) == b"0"
    _drop(qtbot, wall.tiles[3], swap)
    assert wall.tiles[3].camera_id == before[0] and wall.tiles[0].camera_id == before[3]

    # An unknown camera is refused with a message, the tile keeps its camera.
    messages: list[tuple[str, bool]] = []
    wall.message.connect(lambda text, err: messages.append((text, err)))
    bad = QMimeData()
    bad.setData(CAMERA_MIME, QByteArray(b"99999999999999999999"))
    _drop(qtbot, wall.tiles[1], bad)
    assert wall.tiles[1].camera_id == before[1]
    assert messages and messages[-1][1] and "未知的摄像机" in messages[-1][0]


def test_show_cameras_from_a_start_tile(qtbot: Any, core: Any) -> None:
    wall = _wall(qtbot, core, layout="9")
    used = wall.show_cameras([_cid(20), _cid(19), _cid(18)], start_tile=7)
    assert used == [7, 8]
    assert [t.camera_id for t in wall.tiles[7:]] == [_cid(20), _cid(19)]


def test_red_alert_links_nearest_cameras_with_a_banner_until_acknowledged(qtbot: Any, core: Any) -> None:
    from console.video_wall_model import LinkageRule

    wall = _wall(qtbot, core, layout="9", linkage=LinkageRule(radius_m=250, slots=(6, 7, 8)))
    # Camera n sits at lon 114.35 + n·0.001 (~103 m apart); the alert is next to camera 17.
    core.picture.apply(_alert("PSR1", "red", 114.3671, 22.72))
    core.picture.apply(_alert("PSY1", "yellow", 114.352, 22.72))
    qtbot.waitUntil(lambda: wall.tiles[6].camera_id == _cid(17), timeout=3000)
    assert [t.camera_id for t in wall.tiles[6:9]] == [_cid(17), _cid(18), _cid(16)]
    assert all(t.banner and "红色预警" in t.banner and "积水告警PSR1" in t.banner for t in wall.tiles[6:9])
    assert wall.tiles[0].banner is None

    core.picture.apply(_alert("PSR1", "red", 114.3671, 22.72, status="acknowledged", rev=2))
    qtbot.waitUntil(lambda: wall.tiles[6].banner is None, timeout=3000)
    assert all(t.banner is None for t in wall.tiles)
    assert wall.tiles[6].camera_id == _cid(17)  # the cameras stay


def test_ptz_keys_submit_commands_through_the_outbox(qtbot: Any, core: Any) -> None:
    wall = _wall(qtbot, core, layout="4")
    ptz_tile, plain_tile = wall.tiles[2], wall.tiles[0]
    assert ptz_tile.camera_id == _cid(3)
    messages: list[tuple[str, bool]] = []
    wall.message.connect(lambda text, err: messages.append((text, err)))
    ptz_tile.setFocus()
    qtbot.keyClick(ptz_tile, Qt.Key.Key_Left)
    qtbot.keyClick(ptz_tile, Qt.Key.Key_Plus)
    rows = core.outbox.unsent()
    assert [r.kind for r in rows] == ["camera.ptz", "camera.ptz"]
    import json

    last = json.loads(rows[-1].body_json) if hasattr(rows[-1], "body_json") else json.loads(rows[-1].body)
    assert last["target_id"] == _cid(3) and last["args"] == {"pan": -15.0, "tilt": 0.0, "zoom": 2.0}
    assert any(r.action == "camera.ptz" for r in core.auditor.audit_log.records())

    plain_tile.setFocus()
    qtbot.keyClick(plain_tile, Qt.Key.Key_Up)
    assert len(core.outbox.unsent()) == 2
    assert messages and messages[-1][1] and "不支持云台控制" in messages[-1][0]


def test_snapshot_writes_png_with_metadata_and_audits_it(qtbot: Any, core: Any) -> None:
    wall = _wall(qtbot, core, layout="4")
    qtbot.mouseClick(wall.tiles[1], Qt.MouseButton.LeftButton, pos=QPoint(40, 60))
    assert wall.focused_index == 1
    path = wall.snapshot()
    assert path is not None and path.is_file() and path.suffix == ".png"
    meta = read_text(path.read_bytes())
    assert meta["Camera"] == _cid(2) and meta["CameraName"] == "测试摄像机02"
    assert meta["Author"] == "值班员甲" and meta["Creation Time"].endswith("+08:00")
    from PySide6.QtGui import QImage

    image = QImage(str(path))
    assert not image.isNull() and image.text("Camera") == _cid(2)
    records = [r for r in core.auditor.audit_log.records() if r.action == "video.snapshot"]
    assert len(records) == 1 and records[0].target == _cid(2) and records[0].actor == "值班员甲"
    assert core.auditor.audit_log.verify().ok


def test_saved_wall_layouts_and_tours_go_through_the_cache(qtbot: Any, core: Any) -> None:
    from console.video_wall_model import Tour

    wall = _wall(qtbot, core, layout="1+7")
    wall.save_wall("防汛值守")
    wall.set_layout("4")
    wall.show_cameras([_cid(20)])
    assert wall.load_wall("防汛值守")
    assert wall.layout_name == "1+7" and wall.tiles[0].camera_id == _cid(1)
    assert core.preferences.get("video/walls") is not None

    wall.start_tour(Tour("路口", [_cid(11), _cid(12)], interval_s=2, slot=0))
    assert wall.tiles[0].camera_id == _cid(11)
    wall.skip_tour()
    assert wall.tiles[0].camera_id == _cid(12)
    wall.toggle_tour_pause()
    assert not wall.tours.running


def test_minimised_wall_stops_decoding(qtbot: Any, core: Any) -> None:
    wall = _wall(qtbot, core, layout="4")
    assert all(t.decoding for t in wall.tiles)
    wall.showMinimized()
    qtbot.waitUntil(lambda: all(not t.decoding and t.state == "paused" for t in wall.tiles), timeout=3000)
    wall.showNormal()
    qtbot.waitUntil(lambda: all(t.decoding for t in wall.tiles), timeout=3000)


def test_linkage_rule_is_kept_in_the_cache(qtbot: Any, core: Any) -> None:
    from console.video_wall_model import LinkageRule

    wall = _wall(qtbot, core, layout="4")
    assert wall.linkage.rule.radius_m == 1500 and wall.linkage.rule.enabled
    wall.set_linkage_rule(LinkageRule(radius_m=500, slots=(2, 3)), save=True)
    again = _wall(qtbot, core, layout="4")
    assert again.linkage.rule.radius_m == 500 and again.linkage.rule.slots == (2, 3)


def test_tile_context_menu_offers_ptz_and_clear(qtbot: Any, core: Any) -> None:
    from PySide6.QtWidgets import QMenu

    wall = _wall(qtbot, core, layout="4")
    wall._tile_menu(2, QPoint(10, 10))  # camera 3 has PTZ
    menu = [m for m in wall.tiles[2].findChildren(QMenu) if m.parent() is wall.tiles[2]][-1]
    ptz = menu.findChildren(QMenu)[0]
    ptz.actions()[1].trigger()  # 右转
    rows = core.outbox.unsent()
    assert len(rows) == 1 and rows[0].kind == "camera.ptz"
    next(a for a in menu.actions() if a.text().startswith("清空画面")).trigger()
    assert wall.tiles[2].camera_id is None
    menu.close()


def test_a_camera_shown_before_the_store_knows_it_appears_when_it_arrives(qtbot: Any, core: Any) -> None:
    wall = _wall(qtbot, core, layout="4")
    late = "44031000001320000077"
    wall.show_cameras([late], start_tile=1)
    assert wall.tiles[1].camera_id is None and wall.model.camera_at(1) == late
    core.picture.apply(_camera(77))
    qtbot.waitUntil(lambda: wall.tiles[1].camera_id == late, timeout=3000)

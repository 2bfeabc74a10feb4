"""Camera directory: tree street → community → kind, search by name or code, state,
favourites kept by the preferences service in the cache, drag onto a wall tile."""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from PySide6.QtCore import QPointF, Qt  # noqa: E402
from PySide6.QtGui import QDragEnterEvent, QDropEvent  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from console.models import Camera, CameraStreams, CameraUpsert, GeoPoint  # noqa: E402
from widgets.bridge import PictureNotifier  # noqa: E402
from console.stores import OperatingPicture  # noqa: E402
from console.video_wall_model import CAMERA_MIME  # noqa: E402
from offline_cache.blobs import BlobStore  # noqa: E402
from offline_cache.db import open_cache  # noqa: E402
from widgets.video_wall.directory import CAMERA_ROLE, CameraDirectory  # noqa: E402

CST = timezone(timedelta(hours=8))

CAMERAS = [
    # code suffix, name, street, community, kind, status
    (1, "马峦街道坪环社区-深汕路口", "maluan", "pinghuan", "road", "online"),
    (2, "马峦街道坪环社区-坪山河左岸", "maluan", "pinghuan", "river", "offline"),
    (3, "马峦街道江岭社区-江岭路", "maluan", "jiangling", "road", "online"),
    (4, "碧岭街道汤坑社区-森林瞭望塔", "biling", "tangkeng", "forest_fire", "online"),
    (5, "坪山街道六和社区-六和路", "pingshan", "liuhe", "road", "online"),
]


def _code(n: int) -> str:
    return f"44031000001320{n:06d}"


class _Core:
    def __init__(self, tmp: Path) -> None:
        self.picture = OperatingPicture()
        self.cache = open_cache(tmp / "cache.sqlite")
        self.preferences = BlobStore(self.cache)
        self.commands = None
        self.layers: dict[str, Any] = {}


def _apply_cameras(picture: OperatingPicture) -> None:
    now = datetime.now(CST)
    for n, name, street, community, kind, status in CAMERAS:
        url = f"http://127.0.0.1:9/video/{_code(n)}"
        cam = Camera(id=_code(n), rev=1, name=name, kind=kind, street=street, community=community,
                     location=GeoPoint(lon=114.35, lat=22.72), status=status, updated_at=now,
                     streams=CameraStreams(main=f"{url}/main.ts", sub=f"{url}/sub.ts"))
        picture.apply(CameraUpsert(v=1, id=str(n), type="camera.upsert", ts=now, payload=cam))


@pytest.fixture
def core(tmp_path: Path) -> Any:
    c = _Core(tmp_path)
    _apply_cameras(c.picture)
    c.picture.drain_changes()
    yield c
    c.cache.close()


def _directory(qtbot: Any, core: Any) -> CameraDirectory:
    notifier = PictureNotifier(core.picture, interval_ms=50)
    d = CameraDirectory(core, notifier)
    d._test_notifier = notifier
    qtbot.addWidget(d)
    d.resize(420, 600)
    d.show()
    return d


def _texts(model: Any, parent: Any = None) -> list[Any]:
    from PySide6.QtCore import QModelIndex

    parent = parent or QModelIndex()
    out = []
    for r in range(model.rowCount(parent)):
        idx = model.index(r, 0, parent)
        kids = _texts(model, idx)
        out.append((idx.data(), kids) if kids else idx.data())
    return out


def test_tree_by_street_community_kind_with_state(qtbot: Any, core: Any) -> None:
    d = _directory(qtbot, core)
    tree = _texts(d.model)
    streets = [t[0] for t in tree]
    # Catalogue order: 坪山, 马峦, 碧岭 …
    assert streets == ["坪山街道（1/1 在线）", "马峦街道（2/3 在线）", "碧岭街道（1/1 在线）"]
    maluan = tree[1][1]
    assert [c[0] for c in maluan] == ["江岭社区（1/1 在线）", "坪环社区（1/2 在线）"]
    pinghuan_kinds = maluan[1][1]
    assert pinghuan_kinds[0][0].startswith("道路") and pinghuan_kinds[1][0].startswith("河道")
    assert pinghuan_kinds[1][1] == ["马峦街道坪环社区-坪山河左岸（离线）"]
    assert "在线 4 路" in d.summary.text()


def test_search_by_name_and_by_code(qtbot: Any, core: Any) -> None:
    d = _directory(qtbot, core)
    d.search.setText("瞭望")
    qtbot.waitUntil(lambda: d.camera_ids() == [_code(4)], timeout=2000)
    d.search.setText(_code(3))
    qtbot.waitUntil(lambda: d.camera_ids() == [_code(3)], timeout=2000)
    d.search.setText("00000")  # partial code: all five
    qtbot.waitUntil(lambda: len(d.camera_ids()) == 5, timeout=2000)
    d.search.setText("不存在的路口")
    qtbot.waitUntil(lambda: d.camera_ids() == [], timeout=2000)
    assert "列出 0 路" in d.summary.text()


def test_favourites_persist_through_the_service(qtbot: Any, core: Any) -> None:
    d = _directory(qtbot, core)
    d.set_favourite(_code(5), True)
    d.only_favourites.setChecked(True)
    assert d.camera_ids() == [_code(5)]
    assert d.model.itemFromIndex(d.index_of(_code(5))).text().startswith("★")
    assert core.preferences.get("video/favourites") is not None
    again = _directory(qtbot, core)
    assert again.is_favourite(_code(5)) and not again.is_favourite(_code(1))


def test_camera_changes_update_the_state(qtbot: Any, core: Any) -> None:
    d = _directory(qtbot, core)
    now = datetime.now(CST)
    old = core.picture.cameras.get(_code(1))
    core.picture.apply(CameraUpsert(v=1, id="x", type="camera.upsert", ts=now,
                                    payload=old.model_copy(update={"rev": 2, "status": "offline"})))
    qtbot.waitUntil(lambda: d.model.itemFromIndex(d.index_of(_code(1))).text().endswith("（离线）"), timeout=3000)


def test_a_camera_with_an_unparseable_url_says_so(qtbot: Any, core: Any) -> None:
    d = _directory(qtbot, core)
    now = datetime.now(CST)
    old = core.picture.cameras.get(_code(3))
    bad = old.model_copy(update={"rev": 2, "streams": CameraStreams(
        main="rtsp://admin:P@ss#1@192.168.1.64:554/Streaming/Channels/101",  # parses: fine
        sub="rtsp://admin:pw@192.168.1.64:5540x/Streaming/Channels/102")})  # a typo in the port
    core.picture.apply(CameraUpsert(v=1, id="y", type="camera.upsert", ts=now, payload=bad))
    item = lambda: d.model.itemFromIndex(d.index_of(_code(3)))  # noqa: E731
    qtbot.waitUntil(lambda: item().text().endswith("（地址错误）"), timeout=3000)
    assert "子码流地址无效" in item().toolTip() and "端口无效" in item().toolTip()
    assert "（地址错误）" not in d.model.itemFromIndex(d.index_of(_code(1))).text()


def test_drag_from_the_directory_onto_a_wall_tile(qtbot: Any, core: Any) -> None:
    from widgets.video_wall import VideoWall

    d = _directory(qtbot, core)
    mime = d.model.mimeData([d.index_of(_code(4))])
    assert bytes(mime.data(CAMERA_MIME).data()).decode() == _code(4)
    wall = VideoWall(core, d._test_notifier, layout="4")
    qtbot.addWidget(wall)
    wall.resize(800, 450)
    wall.show()
    tile = wall.tiles[3]
    pos = QPointF(tile.width() / 2, tile.height() / 2)
    enter = QDragEnterEvent(pos.toPoint(), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(tile, enter)
    assert enter.isAccepted()
    QApplication.sendEvent(tile, QDropEvent(pos, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                                            Qt.KeyboardModifier.NoModifier))
    assert tile.camera_id == _code(4)
    # Enter on a camera row asks for it on the wall.
    got: list[str] = []
    d.camera_activated.connect(got.append)
    d.tree.activated.emit(d.index_of(_code(3)))
    assert got == [_code(3)]
    assert d.index_of(_code(3)).data(CAMERA_ROLE) == _code(3)


def test_main_window_tabs_the_directory_with_the_queue(offline_console: Any, qtbot: Any) -> None:
    from widgets.shell.main_window import MainWindow

    window = MainWindow(offline_console.core, offline_console.notifier)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    assert isinstance(window.camera_directory, CameraDirectory)
    assert window.camera_dock in window.tabifiedDockWidgets(window.docks["queue"])
    assert window.docks["queue"].isVisible()
    window.reset_layout()
    assert window.camera_dock in window.tabifiedDockWidgets(window.docks["queue"])

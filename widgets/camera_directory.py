"""Camera directory: the district's cameras as a tree street → community → kind.

Search by name or by (part of) the 20-digit GB/T 28181 code, online/offline state on
every camera and a count per branch, favourites (kept by
:class:`console.video_wall_model.VideoPreferences` in the console's cache).  Cameras
are dragged onto a wall tile (drag payload :data:`CAMERA_MIME`), or sent to the wall
with a double-click / Enter (``camera_activated``).

The tree is rebuilt from the camera store on change; filtering happens in Python
before the rebuild (no sort/filter proxy, see the project's notes on large models).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Iterable

from PySide6.QtCore import QByteArray, QMimeData, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QKeySequence, QShortcut, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QAbstractItemView, QCheckBox, QHBoxLayout, QLabel, QLineEdit, QMenu, QTreeView, QVBoxLayout, QWidget

from console.camera_url import camera_url_problem
from console.video_wall_model import CAMERA_MIME, VideoPreferences, matches

CAMERA_ROLE = Qt.ItemDataRole.UserRole + 1
"""Item data: the camera id on camera rows (None on branches)."""


class _CameraTreeModel(QStandardItemModel):
    """A standard item model whose camera rows drag as :data:`CAMERA_MIME`."""

    def mimeTypes(self) -> list[str]:  # noqa: N802 - Qt override
        return [CAMERA_MIME, "text/plain"]

    def mimeData(self, indexes: Iterable[QModelIndex]) -> QMimeData:  # noqa: N802 - Qt override
        mime = QMimeData()
        for index in indexes:
            camera_id = index.data(CAMERA_ROLE)
            if camera_id:
                mime.setData(CAMERA_MIME, QByteArray(str(camera_id).encode("utf-8")))
                mime.setText(str(camera_id))
                break
        return mime


class CameraDirectory(QWidget):
    """The camera directory panel (one public class, constructor ``(core, notifier, parent)``)."""

    camera_activated = Signal(str)
    message = Signal(str, bool)

    def __init__(self, core: Any, notifier: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("CameraDirectory")
        self._core = core
        self._notifier = notifier
        self.preferences = VideoPreferences(getattr(core, "preferences", None))
        self._favourites = self.preferences.favourites()
        self._street_names, self._community_names = self._catalogue_names()
        self._kind_names = {
            "road": self.tr("道路"), "river": self.tr("河道"), "slope": self.tr("边坡"), "park": self.tr("公园"),
            "forest_fire": self.tr("森林防火瞭望"), "public_building": self.tr("公共建筑"),
        }

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        row = QHBoxLayout()
        self.search = QLineEdit(self)
        self.search.setObjectName("CameraSearch")
        self.search.setPlaceholderText(self.tr("按名称或 20 位国标编码搜索（Ctrl+F）"))
        self.search.setClearButtonEnabled(True)
        row.addWidget(self.search, 1)
        self.only_favourites = QCheckBox(self.tr("只看收藏"), self)
        row.addWidget(self.only_favourites)
        layout.addLayout(row)
        self.summary = QLabel(self)
        self.summary.setObjectName("CameraSummary")
        layout.addWidget(self.summary)

        self.model = _CameraTreeModel(self)
        self.tree = QTreeView(self)
        self.tree.setObjectName("CameraTree")
        self.tree.setModel(self.model)
        self.tree.setHeaderHidden(True)
        self.tree.setUniformRowHeights(True)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tree.setDragEnabled(True)
        self.tree.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.tree.setDefaultDropAction(Qt.DropAction.CopyAction)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self._on_context_menu)
        self.tree.activated.connect(self._on_activated)
        layout.addWidget(self.tree, 1)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(150)
        self._debounce.timeout.connect(self.rebuild)
        self.search.textChanged.connect(lambda _t: self._debounce.start())
        self.only_favourites.toggled.connect(lambda _on: self.rebuild())

        find = QShortcut(QKeySequence.StandardKey.Find, self)
        find.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        find.activated.connect(self._focus_search)
        fav = QShortcut(QKeySequence("Ctrl+D"), self)
        fav.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        fav.activated.connect(self._toggle_current_favourite)

        notifier.cameras_changed.connect(self._on_cameras_changed)
        self.rebuild()

    # ------------------------------------------------------------------ public API

    def camera_ids(self) -> list[str]:
        """The cameras listed (after search and filter), in tree order."""
        out: list[str] = []

        def walk(item: QStandardItem) -> None:
            for r in range(item.rowCount()):
                child = item.child(r)
                cid = child.data(CAMERA_ROLE)
                if cid:
                    out.append(cid)
                walk(child)

        walk(self.model.invisibleRootItem())
        return out

    def index_of(self, camera_id: str) -> QModelIndex:
        hits = self.model.match(self.model.index(0, 0), CAMERA_ROLE, camera_id, 1,
                                Qt.MatchFlag.MatchExactly | Qt.MatchFlag.MatchRecursive)
        return hits[0] if hits else QModelIndex()

    def set_favourite(self, camera_id: str, on: bool) -> None:
        """Mark or unmark a favourite (persisted by the preferences service)."""
        try:
            self._favourites = self.preferences.set_favourite(camera_id, on)
        except OSError as exc:
            self.message.emit(self.tr("收藏未保存：{error}").format(error=exc), True)
            return
        self.rebuild()

    def is_favourite(self, camera_id: str) -> bool:
        return camera_id in self._favourites

    def rebuild(self) -> None:
        """Rebuild the tree from the camera store with the current search and filter."""
        query = self.search.text()
        favs_only = self.only_favourites.isChecked()
        cameras = list(self._core.picture.cameras.values())
        online_total = sum(1 for c in cameras if c.status == "online")
        shown = [c for c in cameras if matches(c, query) and (not favs_only or c.id in self._favourites)]
        tree: dict[str, dict[str, dict[str, list[Any]]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(list)))
        for cam in shown:
            tree[cam.street or ""][cam.community or ""][cam.kind].append(cam)

        expanded = self._expanded_keys()
        self.model.clear()
        root = self.model.invisibleRootItem()
        street_order = list(self._street_names)
        for street in sorted(tree, key=lambda s: (street_order.index(s) if s in street_order else 99, s)):
            communities = tree[street]
            street_item = self._branch(self._street_names.get(street, street or self.tr("未归属街道")),
                                       [c for kinds in communities.values() for cams in kinds.values() for c in cams],
                                       f"s:{street}")
            root.appendRow(street_item)
            for community in sorted(communities):
                kinds = communities[community]
                comm_item = self._branch(self._community_names.get(community, community or self.tr("未归属社区")),
                                         [c for cams in kinds.values() for c in cams], f"c:{street}/{community}")
                street_item.appendRow(comm_item)
                for kind in sorted(kinds, key=lambda k: list(self._kind_names).index(k) if k in self._kind_names else 99):
                    kind_item = self._branch(self._kind_names.get(kind, kind), kinds[kind], f"k:{street}/{community}/{kind}")
                    comm_item.appendRow(kind_item)
                    for cam in sorted(kinds[kind], key=lambda c: c.id):
                        kind_item.appendRow(self._camera_item(cam))
        if query.strip() or favs_only:
            self.tree.expandAll()
        else:
            self._restore_expanded(expanded)
        self.summary.setText(self.tr("共 {total} 路，在线 {online} 路，列出 {shown} 路").format(
            total=len(cameras), online=online_total, shown=len(shown)))

    # ------------------------------------------------------------------ internals

    def _focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def _catalogue_names(self) -> tuple[dict[str, str], dict[str, str]]:
        try:
            from console.catalogue import streets
        except ImportError:  # pragma: no cover - catalogue ships with the console
            return {}, {}
        try:
            street_list = streets()
        except Exception:  # noqa: BLE001 - a damaged catalogue must not stop the directory
            return {}, {}
        street_names = {s.id: self.tr("{name}街道").format(name=s.name_zh) for s in street_list}
        community_names = {c.id: self.tr("{name}社区").format(name=c.name_zh) for s in street_list for c in s.communities}
        return street_names, community_names

    def _branch(self, title: str, cameras: list[Any], key: str) -> QStandardItem:
        online = sum(1 for c in cameras if c.status == "online")
        item = QStandardItem(self.tr("{title}（{online}/{total} 在线）").format(title=title, online=online, total=len(cameras)))
        item.setData(key, Qt.ItemDataRole.UserRole + 2)
        item.setDragEnabled(False)
        return item

    def _camera_item(self, cam: Any) -> QStandardItem:
        star = "★ " if cam.id in self._favourites else ""
        text = star + cam.name
        if cam.status != "online":
            text += self.tr("（离线）")
        problem = camera_url_problem(cam)  # the core decides; cached per URL
        if problem:
            text += self.tr("（地址错误）")
        item = QStandardItem(text)
        item.setData(cam.id, CAMERA_ROLE)
        tip = self.tr("{name}\n国标编码 {code}\n状态：{state}{ptz}").format(
            name=cam.name, code=cam.id, state=self.tr("在线") if cam.status == "online" else self.tr("离线"),
            ptz=self.tr("，可云台控制") if getattr(cam, "ptz", False) else "")
        item.setToolTip(tip + ("\n" + problem if problem else ""))
        colour = "#f48fb1" if problem else ("#81c784" if cam.status == "online" else "#9e9e9e")
        item.setForeground(QBrush(QColor(colour)))
        item.setDragEnabled(True)
        return item

    def _expanded_keys(self) -> set[str]:
        keys: set[str] = set()

        def walk(parent: QModelIndex) -> None:
            for r in range(self.model.rowCount(parent)):
                idx = self.model.index(r, 0, parent)
                if self.tree.isExpanded(idx):
                    keys.add(idx.data(Qt.ItemDataRole.UserRole + 2))
                    walk(idx)

        walk(QModelIndex())
        return keys

    def _restore_expanded(self, keys: set[str]) -> None:
        def walk(parent: QModelIndex, depth: int) -> None:
            for r in range(self.model.rowCount(parent)):
                idx = self.model.index(r, 0, parent)
                key = idx.data(Qt.ItemDataRole.UserRole + 2)
                if key and (key in keys or (not keys and depth == 0)):
                    self.tree.expand(idx)
                    walk(idx, depth + 1)

        walk(QModelIndex(), 0)

    def _on_cameras_changed(self, _ids: object) -> None:
        self._debounce.start()

    def _on_activated(self, index: QModelIndex) -> None:
        camera_id = index.data(CAMERA_ROLE)
        if camera_id:
            self.camera_activated.emit(str(camera_id))

    def _toggle_current_favourite(self) -> None:
        camera_id = self.tree.currentIndex().data(CAMERA_ROLE)
        if camera_id:
            self.set_favourite(str(camera_id), not self.is_favourite(str(camera_id)))

    def _on_context_menu(self, pos: Any) -> None:
        index = self.tree.indexAt(pos)
        camera_id = index.data(CAMERA_ROLE) if index.isValid() else None
        if not camera_id:
            return
        menu = QMenu(self.tree)
        menu.addAction(self.tr("上墙（Enter）"), lambda: self.camera_activated.emit(str(camera_id)))
        fav = self.is_favourite(str(camera_id))
        menu.addAction(self.tr("取消收藏（Ctrl+D）") if fav else self.tr("收藏（Ctrl+D）"),
                       lambda: self.set_favourite(str(camera_id), not fav))
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(self.tree.viewport().mapToGlobal(pos))

    def closeEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        try:
            self._notifier.cameras_changed.disconnect(self._on_cameras_changed)
        except (RuntimeError, TypeError):
            pass
        super().closeEvent(event)

"""Camera directory: the district's cameras as a tree street → community → kind.

Search by name or by (part of) the 20-digit GB/T 28181 code, online/offline state on
every camera and a count per branch, favourites (kept by
:class:`console.video_wall_model.VideoPreferences` in the console's cache).  Cameras
are dragged onto a wall tile (drag payload :data:`CAMERA_MIME`), or sent to the wall
with a double-click / Enter (``camera_activated``).

The search runs over keys made once per camera (:class:`console.video_wall_model.CameraSearch`)
and the tree is built detached, then put into the model in one insert per street: 10,000
cameras in well under a second (no sort/filter proxy, see the project's notes on large
models). A change of cameras already listed (status, name) updates their rows and the
counts in place; anything else (a new camera, another place, the search) rebuilds.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Callable, Iterable

from PySide6.QtCore import QMimeData, QModelIndex, QPersistentModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QKeySequence, QShortcut, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QAbstractItemView, QCheckBox, QHBoxLayout, QLabel, QLineEdit, QMenu, QTreeView, QVBoxLayout, QWidget

from console.camera_url import camera_url_problem
from console.models import Camera
from console.runtime import ConsoleCore
from console.video_wall_model import CAMERA_MIME, CameraSearch, VideoPreferences
from widgets.bridge import PictureNotifier
from widgets.video_wall.dnd import camera_mime

CAMERA_ROLE = Qt.ItemDataRole.UserRole + 1
"""Item data: the camera id on camera rows (None on branches)."""
BRANCH_ROLE = Qt.ItemDataRole.UserRole + 2
"""Item data: the branch key (``s:street``, ``c:street/community``, ``k:street/community/kind``)."""


class _CameraTreeModel(QStandardItemModel):
    """A standard item model whose camera rows drag as :data:`CAMERA_MIME`.

    A kind branch may be listed before its camera rows exist (``unbuilt``: branch key →
    what makes its rows): it shows an expander, and the rows are made when the operator
    opens it (Qt's ``canFetchMore``/``fetchMore``). 10,000 rows nobody opened cost nothing.
    """

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.unbuilt: dict[str, Callable[[], list[QStandardItem]]] = {}

    def clear(self) -> None:
        self.unbuilt = {}
        super().clear()

    def hasChildren(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> bool:  # noqa: N802
        if parent.isValid() and parent.data(BRANCH_ROLE) in self.unbuilt:
            return True
        return bool(super().hasChildren(parent))

    def canFetchMore(self, parent: QModelIndex | QPersistentModelIndex) -> bool:  # noqa: N802 - Qt override
        return bool(parent.isValid() and parent.data(BRANCH_ROLE) in self.unbuilt)

    def fetchMore(self, parent: QModelIndex | QPersistentModelIndex) -> None:  # noqa: N802 - Qt override
        make = self.unbuilt.pop(parent.data(BRANCH_ROLE), None) if parent.isValid() else None
        if make is not None:
            self.itemFromIndex(parent).appendRows(make())

    def mimeTypes(self) -> list[str]:  # noqa: N802 - Qt override
        return [CAMERA_MIME, "text/plain"]

    def mimeData(self, indexes: Iterable[QModelIndex]) -> QMimeData:  # noqa: N802 - Qt override
        for index in indexes:
            camera_id = index.data(CAMERA_ROLE)
            if camera_id:
                return camera_mime(str(camera_id))
        return QMimeData()


class CameraDirectory(QWidget):
    """The camera directory panel (one public class, constructor ``(core, notifier, parent)``)."""

    camera_activated = Signal(str)
    message = Signal(str, bool)

    EAGER_ROWS = 500
    """Up to this many cameras listed, every row is made (and a search opens them all)."""

    def __init__(self, core: ConsoleCore, notifier: PictureNotifier, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("CameraDirectory")
        self._core = core
        self._notifier = notifier
        self.preferences = VideoPreferences(core.preferences)
        self._favourites = self.preferences.favourites()
        self._street_names, self._community_names = self._catalogue_names()
        # Texts made once (10,000 rows would call tr() 40,000 times).
        self._offline_suffix = self.tr("（离线）")
        self._state_names = (self.tr("离线"), self.tr("在线"))
        self._ptz_note = self.tr("，可云台控制")
        self._tooltip_format = self.tr("{name}\n国标编码 {code}\n状态：{state}{ptz}")
        self._branch_format = self.tr("{title}（{online}/{total} 在线）")
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
        # Rows of a branch opened while the view is not laid out (a tab behind the queue)
        # are made too: Qt fetches only for branches it draws.
        self.tree.expanded.connect(self._on_expanded)
        layout.addWidget(self.tree, 1)

        self._search = CameraSearch()
        self._items: dict[str, QStandardItem] = {}  # camera id → its row in the tree (once made)
        self._listed: list[str] = []  # camera ids listed, in tree order
        self._listed_set: set[str] = set()
        self._placed: dict[str, tuple[str, str, str]] = {}  # camera id → (street, community, kind)
        self._branches: dict[str, tuple[QStandardItem, str, list[str]]] = {}  # key → (item, title, camera ids)
        self._changed: set[str] = set()  # cameras changed since the last update
        self._shown_count = 0
        self._green = QBrush(QColor("#81c784"))
        self._grey = QBrush(QColor("#9e9e9e"))
        self._pink = QBrush(QColor("#f48fb1"))  # a stream address the console cannot use

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(150)
        self._debounce.timeout.connect(self.rebuild)
        self._changes = QTimer(self)
        self._changes.setSingleShot(True)
        self._changes.setInterval(150)
        self._changes.timeout.connect(self._apply_changes)
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
        """The cameras listed (after search and filter), in tree order (rows made or not)."""
        return list(self._listed)

    def index_of(self, camera_id: str) -> QModelIndex:
        """The camera's row (made now if its kind branch was never opened); invalid if not listed."""
        item = self._items.get(camera_id)
        if item is None and camera_id in self._placed:
            street, community, kind = self._placed[camera_id]
            branch = self._branches[f"k:{street}/{community}/{kind}"][0]
            self.model.fetchMore(self.model.indexFromItem(branch))
            item = self._items.get(camera_id)
        return self.model.indexFromItem(item) if item is not None else QModelIndex()

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
        self._debounce.stop()
        self._changes.stop()
        self._changed.clear()
        query = self.search.text()
        favs_only = self.only_favourites.isChecked()
        cameras = self._core.picture.cameras.values()
        self._search.keep_only(c.id for c in cameras)
        shown = self._search.find(cameras, query)
        if favs_only:
            shown = [c for c in shown if c.id in self._favourites]
        tree: dict[str, dict[str, dict[str, list[Camera]]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(list)))
        for cam in shown:
            tree[cam.street or ""][cam.community or ""][cam.kind].append(cam)

        expanded = self._expanded_keys()
        self.model.clear()
        self._items = {}
        self._placed = {}
        self._branches = {}
        self._listed = []
        # A short list is made whole and opened; a long one (a broad search, the whole
        # district) gets its camera rows when a kind branch is opened.
        eager = len(shown) <= self.EAGER_ROWS
        street_order = {s: n for n, s in enumerate(self._street_names)}
        kind_order = {k: n for n, k in enumerate(self._kind_names)}
        # Built detached and put into the model one street at a time: the view hears of
        # six inserts, not of every row (10,000 cameras).
        streets: list[QStandardItem] = []
        for street in sorted(tree, key=lambda s: (street_order.get(s, 99), s)):
            communities = tree[street]
            street_key = f"s:{street}"
            street_item = self._branch(self._street_names.get(street, street or self.tr("未归属街道")), street_key)
            street_ids: list[str] = []
            for community in sorted(communities):
                kinds = communities[community]
                comm_key = f"c:{street}/{community}"
                comm_item = self._branch(self._community_names.get(community, community or self.tr("未归属社区")),
                                         comm_key)
                comm_ids: list[str] = []
                kind_items: list[QStandardItem] = []
                for kind in sorted(kinds, key=lambda k: (kind_order.get(k, 99), k)):
                    kind_key = f"k:{street}/{community}/{kind}"
                    kind_item = self._branch(self._kind_names.get(kind, kind), kind_key)
                    cams = sorted(kinds[kind], key=lambda c: c.id)
                    for cam in cams:
                        self._placed[cam.id] = (street, community, kind)
                    if eager:
                        kind_item.appendRows(self._camera_rows(cams))
                    else:
                        self.model.unbuilt[kind_key] = lambda cams=cams: self._camera_rows(cams)
                    kind_ids = [c.id for c in cams]
                    self._listed += kind_ids
                    self._branches[kind_key][2].extend(kind_ids)
                    comm_ids += kind_ids
                    kind_items.append(kind_item)
                comm_item.appendRows(kind_items)
                self._branches[comm_key][2].extend(comm_ids)
                street_ids += comm_ids
                street_item.appendRow(comm_item)
            self._branches[street_key][2].extend(street_ids)
            streets.append(street_item)
        for key in self._branches:
            self._count_branch(key)
        root = self.model.invisibleRootItem()
        for street_item in streets:
            root.appendRow(street_item)
        self._listed_set = set(self._listed)
        if (query.strip() or favs_only) and eager:
            self.tree.expandAll()
        elif query.strip() or favs_only:
            for key, (item, _title, _ids) in self._branches.items():  # streets and communities open
                if not key.startswith("k:"):
                    self.tree.expand(self.model.indexFromItem(item))
        else:
            self._restore_expanded(expanded)
        self._shown_count = len(shown)
        self._update_summary()

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

    def _branch(self, title: str, key: str) -> QStandardItem:
        item = QStandardItem(title)
        item.setData(key, BRANCH_ROLE)
        item.setDragEnabled(False)
        self._branches[key] = (item, title, [])
        return item

    def _count_branch(self, key: str) -> None:
        """The branch's line: title and online/total of the cameras listed under it."""
        item, title, ids = self._branches[key]
        store = self._core.picture.cameras
        online = 0
        for camera_id in ids:
            cam = store.get(camera_id)
            if cam is not None and cam.status == "online":
                online += 1
        item.setText(self._branch_format.format(title=title, online=online, total=len(ids)))

    def _update_summary(self) -> None:
        cameras = self._core.picture.cameras.values()
        online_total = sum(1 for c in cameras if c.status == "online")
        self.summary.setText(self.tr("共 {total} 路，在线 {online} 路，列出 {shown} 路").format(
            total=len(cameras), online=online_total, shown=self._shown_count))

    def _camera_text(self, cam: Camera) -> str:
        star = "★ " if cam.id in self._favourites else ""
        text = star + cam.name + ("" if cam.status == "online" else self._offline_suffix)
        return text + (self.tr("（地址错误）") if camera_url_problem(cam) else "")  # the core decides; cached per URL

    def _colour(self, cam: Camera) -> QBrush:
        return self._pink if camera_url_problem(cam) else (self._green if cam.status == "online" else self._grey)

    def _camera_tooltip(self, cam: Camera) -> str:
        tip = self._tooltip_format.format(
            name=cam.name, code=cam.id, state=self._state_names[cam.status == "online"],
            ptz=self._ptz_note if cam.ptz else "")
        problem = camera_url_problem(cam)
        return tip + ("\n" + problem if problem else "")

    def _camera_rows(self, cams: list[Camera]) -> list[QStandardItem]:
        rows = []
        for cam in cams:
            current = self._core.picture.cameras.get(cam.id) or cam  # made late: the store's state now
            row = self._camera_item(current)
            self._items[cam.id] = row
            rows.append(row)
        return rows

    def _camera_item(self, cam: Camera) -> QStandardItem:
        item = QStandardItem(self._camera_text(cam))
        item.setData(cam.id, CAMERA_ROLE)
        item.setToolTip(self._camera_tooltip(cam))
        item.setForeground(self._colour(cam))
        item.setDragEnabled(True)
        return item

    def _apply_changes(self) -> None:
        """Cameras changed in the store: update their rows in place when the tree's shape
        stays (same place, same answer to the search); rebuild otherwise."""
        changed, self._changed = self._changed, set()
        if not changed:
            return
        store = self._core.picture.cameras
        query = self.search.text()
        favs_only = self.only_favourites.isChecked()
        dirty: set[str] = set()
        for camera_id in changed:
            cam = store.get(camera_id)
            listed = camera_id in self._listed_set
            wanted = cam is not None and self._search.matches(cam, query) and (
                not favs_only or camera_id in self._favourites)
            if listed != wanted or (listed and self._placed[camera_id] != (cam.street or "", cam.community or "",
                                                                           cam.kind)):
                self.rebuild()
                return
            if not listed:
                continue
            item = self._items.get(camera_id)
            if item is not None:  # a row not made yet is made from the store when opened
                item.setText(self._camera_text(cam))
                item.setToolTip(self._camera_tooltip(cam))
                item.setForeground(self._colour(cam))
            street, community, kind = self._placed[camera_id]
            dirty.update((f"s:{street}", f"c:{street}/{community}", f"k:{street}/{community}/{kind}"))
        for key in dirty:
            self._count_branch(key)
        self._update_summary()

    def _expanded_keys(self) -> set[str]:
        keys: set[str] = set()

        def walk(parent: QModelIndex) -> None:
            for r in range(self.model.rowCount(parent)):
                idx = self.model.index(r, 0, parent)
                if self.tree.isExpanded(idx):
                    keys.add(idx.data(BRANCH_ROLE))
                    walk(idx)

        walk(QModelIndex())
        return keys

    def _restore_expanded(self, keys: set[str]) -> None:
        def walk(parent: QModelIndex, depth: int) -> None:
            for r in range(self.model.rowCount(parent)):
                idx = self.model.index(r, 0, parent)
                key = idx.data(BRANCH_ROLE)
                if key and (key in keys or (not keys and depth == 0)):
                    self.tree.expand(idx)
                    walk(idx, depth + 1)

        walk(QModelIndex(), 0)

    def _on_cameras_changed(self, ids: object) -> None:
        if ids is None:
            self._debounce.start()
            return
        self._changed.update(ids)  # type: ignore[call-overload]
        if not self._debounce.isActive():
            self._changes.start()

    def _on_expanded(self, index: QModelIndex) -> None:
        if self.model.canFetchMore(index):
            self.model.fetchMore(index)

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

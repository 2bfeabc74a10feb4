"""Situation map panel: the Leaflet page (``page.py``) in a web view, with its tools.

Base map: raster tiles from the local MBTiles cache through the ``pstile://`` scheme
(``tile_scheme.py``), fetched from the configured source when online; with the source
unreachable the cached tiles keep drawing and the map says "离线地图".
Overlays (``overlays.py``): alerts (pulsing while red and not yet acknowledged), devices
by kind (grey when offline) and cameras (click → video wall), both clustered below
street zoom on a canvas point layer, incident areas, the gateway's layers and imported
GeoJSON (layer catalogue beside the map, ``layers.py``).
Tools: radius rings with what is nearby, distance measurement, jump to a street or
community, pointer coordinates, offline areas (``offline_area.py``), MBTiles import.

The page is generated once and never reloaded for data changes: boundaries, rivers
and roads come from ``core.layers``; alerts, devices, cameras and incidents go as
batched JSON diffs whenever the :class:`~widgets.bridge.PictureNotifier` reports
changed ids.

Why this module is long: :class:`MapPanel` is the map's one public widget, and the main
window, the wall, the wartime view, deployment and the tests call some twenty methods
and properties on it (focus, selection, rings, incident view, jump, measure, devices,
layers, offline areas, MBTiles, camera drag). Each is a few lines that forward to the
sibling modules, which hold the work; splitting the façade itself would only scatter it.
"""

from __future__ import annotations

import itertools
import json
import logging
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QByteArray, QMimeData, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QDrag, QDragEnterEvent, QDropEvent, QKeySequence, QShortcut
from PySide6.QtWebEngineWidgets import QWebEngineView
from PySide6.QtWidgets import QHBoxLayout, QSplitter, QTabWidget, QVBoxLayout, QWidget

from console.map_features import DISTRICT_CENTRE, OverlayDatum, feature_bounds, find_area, jump_entries
from console.nearby import RINGS_M, NearbyThing, nearby
from console.tiles import TileService
from console.video_wall_model import CAMERA_MIME
from widgets.bridge import PictureNotifier
from widgets.map.layers import LayerPanel
from widgets.map.nearby import NearbyList, format_distance
from widgets.map.offline_area import MBTilesImport, OfflineAreaDialog
from widgets.map.overlays import POINT_CHUNK, OverlaySync
from widgets.map.page import MapBridge, build_map_html, load_map_page, make_map_view
from widgets.map.tile_scheme import TileSchemeHandler, tile_handler
from widgets.map.toolbar import MenuSlots, build_header, build_menu_actions, set_jump_entries
from widgets.signals import disconnect_all

if TYPE_CHECKING:
    from console.runtime import ConsoleCore

log = logging.getLogger(__name__)

_panel_keys = itertools.count(1)


class MapPanel(QWidget):
    """Situation map: cached base tiles, the gateway's layers and live overlays.

    Signals: ``alert_selected(str)`` (an alert marker clicked), ``camera_selected(str)``
    (a camera clicked: the main window puts it on the video wall), ``page_ready``,
    ``diff_drawn(kind, seq, ids, sent_at)`` (only while :attr:`track_diffs`; benches).
    Public: :meth:`focus_alert`, :meth:`select_alert`, :meth:`show_incident`,
    :meth:`clear_incident`, :meth:`show_rings`, :meth:`show_district`,
    :meth:`jump_to`, :meth:`set_devices_visible`, :meth:`open_offline_area_dialog`.
    """

    alert_selected = Signal(str)
    camera_selected = Signal(str)
    page_ready = Signal()
    diff_drawn = Signal(str, int, object, float)
    nearby_changed = Signal(object)
    tiles_imported = Signal(int, str)
    """(tiles added, message in Chinese) when an MBTiles import ends; added = -1 on failure."""

    POINT_CHUNK = POINT_CHUNK
    _LAYER_POLL_MS = 500
    _LAYER_POLL_SETTLED_MS = 2000

    def __init__(self, core: ConsoleCore, notifier: PictureNotifier, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("MapPanel")
        self.setWindowTitle(self.tr("态势地图"))
        self._init_state(core, notifier)
        self._setup_page()
        header = self._setup_header()
        splitter = self._setup_side_pane()
        self._setup_layout(header, splitter)
        self._setup_shortcuts()
        self._setup_menu_actions()
        self._load_page()
        self._connect_picture()
        self._watch_layers()

    # ------------------------------------------------------------------ setup steps

    def _init_state(self, core: ConsoleCore, notifier: PictureNotifier) -> None:
        """The core, the tile cache and what the panel remembers across page reloads."""
        self._core = core
        self._notifier = notifier
        self._ready = False
        self._devices_visible = False
        self._selected: str | None = None
        self._incident: dict[str, Any] | None = None
        self._rings: dict[str, Any] | None = None
        self._nearby: list[NearbyThing] = []
        self._pending_focus: str | None = None
        self._tiles: TileService | None = core.tiles
        self._tile_key = f"map{next(_panel_keys)}"
        self._tile_url: str | None = None
        self._tile_handler: TileSchemeHandler | None = None
        # A service with no source (a drill, a seat with no gateway) shows the cache only: 离线地图.
        self._tile_online: bool | None = self._tiles.online if self._tiles is not None else None
        self._datum = OverlayDatum(gcj02=self._tiles is not None and self._tiles.overlay_gcj02)
        self._offline_dialog: OfflineAreaDialog | None = None
        self._loaded: bool | None = None

    def _setup_page(self) -> None:
        """The web view, its page and the bridge; the ``pstile://`` tiles of this map's cache."""
        self._bridge = MapBridge(self)
        self._bridge.ready.connect(self._on_page_ready)
        self._bridge.alert_clicked.connect(self._on_alert_clicked)
        self._bridge.camera_clicked.connect(self.camera_selected)
        self._bridge.camera_drag_started.connect(self._on_camera_drag_started)
        self._bridge.point_picked.connect(self._on_point_picked)
        self._bridge.measured.connect(self._on_measured)
        self._overlays = OverlaySync(self._core.picture, self._bridge, self._datum, lambda: self._ready, self)
        self._overlays.diff_drawn.connect(self.diff_drawn)
        self._view, self._page = make_map_view(self, self._bridge)
        self._page.file_dropped.connect(self._on_file_dropped)
        self.setAcceptDrops(True)
        if self._tiles is not None:
            self._tile_handler = tile_handler(self._page.profile())
            self._tile_url = self._tile_handler.add_service(self._tile_key, self._tiles)
            self._tile_handler.online_changed.connect(self._on_tile_online)

    def _setup_header(self) -> QHBoxLayout:
        """The header row (``toolbar.py``), connected to what its tools do."""
        h = build_header(self, has_tiles=self._tiles is not None)
        self._status, self._mode, self._jump = h.status, h.mode, h.jump
        self._devices_button, self._measure_button, self._layers_button = h.devices, h.measure, h.layers
        self._jump.activated.connect(self._on_jump_activated)
        h.home.clicked.connect(lambda _checked=False: self.show_district())
        h.rings.clicked.connect(lambda _checked=False: self._on_rings_requested())
        h.offline.clicked.connect(lambda _checked=False: self.open_offline_area_dialog())
        h.devices.toggled.connect(self.set_devices_visible)
        h.measure.toggled.connect(self.set_measuring)
        h.layers.toggled.connect(self._on_layers_button)
        return h.layout

    def _setup_side_pane(self) -> QSplitter:
        """The layer catalogue and the nearby list in tabs beside the map (hidden at first)."""
        self.layer_panel = LayerPanel(self)
        self.layer_panel.visibility_changed.connect(self._on_layer_visibility)
        self.layer_panel.opacity_changed.connect(self._on_layer_opacity)
        self.layer_panel.geojson_imported.connect(self.add_imported_layer)
        self._nearby_tree = NearbyList(self)
        self._nearby_tree.thing_activated.connect(self._on_nearby_activated)
        self._side = QTabWidget(self)
        self._side.addTab(self.layer_panel, self.tr("图层"))
        self._side.addTab(self._nearby_tree, self.tr("周边"))
        self._side.hide()
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(self._view)
        splitter.addWidget(self._side)
        splitter.setStretchFactor(0, 1)
        splitter.setSizes([900, 340])
        return splitter

    def _setup_layout(self, header: QHBoxLayout, splitter: QSplitter) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(header)
        layout.addWidget(splitter, 1)

    def _setup_shortcuts(self) -> None:
        """Keys that work while the map (or a child) has focus."""
        for keys, slot in (
            ("Ctrl+Shift+B", lambda: self._layers_button.toggle()),
            ("Ctrl+Shift+M", lambda: self._measure_button.toggle()),
            ("Ctrl+Shift+R", self._on_rings_requested),
            ("Ctrl+Shift+O", self.open_offline_area_dialog),
            ("Ctrl+Shift+I", lambda: self._devices_button.toggle()),
            ("Ctrl+Shift+G", self._focus_jump),
            ("Home", self.show_district),
            ("Escape", self.clear_tools),
        ):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)

    def _setup_menu_actions(self) -> None:
        """The main window's 地图 menu shows these (``toolbar.py``)."""
        self.menu_actions: list[QAction] = build_menu_actions(self, MenuSlots(
            offline_area=self.open_offline_area_dialog,
            import_geojson=self._import_geojson,
            import_mbtiles=self.choose_mbtiles,
            layers=lambda: self._layers_button.setChecked(True),
            rings=self._on_rings_requested,
            measure=lambda: self.set_measuring(True),
            district=self.show_district,
        ), has_tiles=self._tiles is not None)
        self._mbtiles = MBTilesImport(self._tiles, self) if self._tiles is not None else None
        if self._mbtiles is not None:
            self._mbtiles.chosen.connect(self.import_mbtiles)
            self._mbtiles.finished.connect(self.tiles_imported)
        self.tiles_imported.connect(self._on_tiles_imported)

    def _load_page(self) -> None:
        self._html = build_map_html()
        self._view.loadFinished.connect(self._on_load_finished)
        load_map_page(self._page, self._html)

    def _connect_picture(self) -> None:
        """Diffs of the picture to the page as the notifier reports changed ids."""
        for signal, slot in self._picture_slots():
            signal.connect(slot)

    def _picture_slots(self) -> list[tuple[Any, Callable[..., None]]]:
        n = self._notifier
        return [(n.alerts_changed, self._on_alerts_changed),
                (n.devices_changed, self._on_devices_changed),
                (n.cameras_changed, self._on_cameras_changed),
                (n.incidents_changed, self._on_incidents_changed),
                (n.connection_changed, self._on_connection_changed)]

    def _watch_layers(self) -> None:
        """Layers may arrive after the page: listen to ``core.layers_loaded`` and poll anyway
        (cheap: compares object ids) so a late or replaced dict is seen."""
        self._layer_timer = QTimer(self)
        self._layer_timer.setInterval(self._LAYER_POLL_MS)
        self._layer_timer.timeout.connect(self._on_layer_poll)
        self._layer_timer.start()
        self._layers_hook: Callable[..., None] = self._on_layers_changed
        self._core.layers_loaded.connect(self._layers_hook)

    # ------------------------------------------------------------------ public API

    @property
    def html(self) -> str:
        """The generated page, as handed to the web engine."""
        return self._html

    @property
    def view(self) -> QWebEngineView:
        """The web view (tests run JavaScript on its page)."""
        return self._view

    @property
    def is_ready(self) -> bool:
        """True once the page script has connected to the bridge."""
        return self._ready

    @property
    def load_ok(self) -> bool | None:
        """Result of the page load: None while loading."""
        return self._loaded

    @property
    def tile_url(self) -> str | None:
        """The ``pstile://`` URL template of this map's tile cache (None without one)."""
        return self._tile_url

    @property
    def offline_map(self) -> bool:
        """True while the map shows cached tiles only ("离线地图")."""
        return not self._mode.isHidden()

    @property
    def nearby_items(self) -> list[NearbyThing]:
        """What the last radius rings listed, nearest first."""
        return list(self._nearby)

    @property
    def selected_alert(self) -> str | None:
        """The alert highlighted on the map (selection synced with the queue)."""
        return self._selected

    @property
    def track_diffs(self) -> bool:
        """Record each diff's ids and send time and emit :attr:`diff_drawn` when painted (benches)."""
        return self._overlays.track_diffs

    @track_diffs.setter
    def track_diffs(self, on: bool) -> None:
        self._overlays.track_diffs = bool(on)

    def console_messages(self) -> list[tuple[str, str]]:
        """JavaScript console messages seen so far (level name, text)."""
        return list(self._page.console_messages)

    def status_text(self) -> str:
        """The panel's own status line (the page shows the same counts)."""
        return self._status.text()

    @Slot(str)
    def focus_alert(self, alert_id: str) -> bool:
        """Centre the map on an alert and mark it selected; False when it has no location or is unknown."""
        alert = self._core.picture.alerts.get(alert_id)
        if alert is None or alert.location is None:
            return False
        self._selected = alert_id
        lon, lat = self._datum.pos(alert.location.lon, alert.location.lat)
        payload = json.dumps({"id": alert_id, "lat": lat, "lon": lon})
        if self._ready:
            self._bridge.selectionChanged.emit(alert_id)
            self._bridge.focusRequested.emit(payload)
        else:
            self._pending_focus = payload  # applied once the page is ready
        return True

    @Slot(str)
    def select_alert(self, alert_id: str) -> None:
        """Highlight an alert without moving the map (the queue's selection)."""
        self._selected = alert_id or None
        if self._ready:
            self._bridge.selectionChanged.emit(alert_id or "")

    @Slot()
    def show_district(self) -> None:
        """Zoom out to the whole district."""
        if self._ready:
            self._bridge.districtRequested.emit()

    @Slot(bool)
    def set_devices_visible(self, visible: bool) -> None:
        """Show or hide IoT devices (colour by kind, grey when offline, clustered at low zoom)."""
        self._devices_visible = bool(visible)
        if self._devices_button.isChecked() != self._devices_visible:
            self._devices_button.setChecked(self._devices_visible)
        if self._ready:
            self._bridge.devicesVisibleChanged.emit(self._devices_visible)

    def show_incident(self, lon: float, lat: float, radius_m: float, title: str) -> None:
        """Wartime view of one incident: centre on it, draw its area and the 500 m / 1 km / 3 km
        rings, and list the cameras, devices and resources nearby (side pane 周边)."""
        plon, plat = self._datum.pos(lon, lat)
        items = self._set_nearby(lon, lat)
        self._incident = {"lon": plon, "lat": plat, "radius": float(radius_m), "title": str(title),
                          "rings": list(RINGS_M), "nearby": self._nearby_json(items)}
        if self._ready:
            self._bridge.incidentShown.emit(json.dumps(self._incident, ensure_ascii=False))
        self._side.show()
        self._side.setCurrentWidget(self._nearby_tree)

    def clear_incident(self) -> None:
        """Remove the incident view (area, rings, nearby list)."""
        self._incident = None
        if self._ready:
            self._bridge.incidentCleared.emit()
        if self._rings is None:
            self._set_nearby_list([])

    def show_rings(self, lon: float, lat: float, title: str = "") -> list[NearbyThing]:
        """Radius rings (500 m / 1 km / 3 km) around a point and what is within 3 km, nearest first."""
        plon, plat = self._datum.pos(lon, lat)
        items = self._set_nearby(lon, lat)
        self._rings = {"lon": plon, "lat": plat, "title": title, "rings": list(RINGS_M),
                       "nearby": self._nearby_json(items)}
        if self._ready:
            self._bridge.ringsShown.emit(json.dumps(self._rings, ensure_ascii=False))
        self._side.show()
        self._side.setCurrentWidget(self._nearby_tree)
        return items

    @Slot()
    def clear_tools(self) -> None:
        """Esc: rings, measurement and the nearby list go away."""
        self._rings = None
        if self._measure_button.isChecked():
            self._measure_button.setChecked(False)
        if self._ready:
            self._bridge.ringsCleared.emit()
        if self._incident is None:
            self._set_nearby_list([])

    @Slot(bool)
    def set_measuring(self, on: bool) -> None:
        """Distance measurement: each click on the map adds a point; the total shows on the map."""
        if self._measure_button.isChecked() != bool(on):
            self._measure_button.setChecked(bool(on))
        if self._ready:
            self._bridge.measureToggled.emit(bool(on))

    def jump_to(self, feature_id: str) -> bool:
        """Fit the map to a street or community by id; False when unknown."""
        feature = find_area(self._core.layers, feature_id)
        if feature is None:
            return False
        bounds = feature_bounds(self._datum.doc(feature))
        if bounds and self._ready:
            self._bridge.boundsRequested.emit(json.dumps(bounds))
        return bounds is not None

    def add_imported_layer(self, layer_id: str, geojson: dict[str, Any]) -> None:
        """Draw an imported (already validated) GeoJSON layer."""
        self._overlays.add_imported(layer_id, geojson)
        self._update_status()

    def choose_mbtiles(self) -> None:
        """File chooser (non-modal) for an MBTiles package to import into the tile cache."""
        if self._mbtiles is not None:
            self._mbtiles.choose()

    def import_mbtiles(self, path: str) -> None:
        """Import an MBTiles file into the tile cache on a worker thread (the map keeps drawing);
        :attr:`tiles_imported` when it ends."""
        if self._mbtiles is not None:
            self._status.setText(self.tr("正在导入离线地图包…"))
            self._mbtiles.start(path)

    def open_offline_area_dialog(self) -> OfflineAreaDialog | None:
        """The "准备离线区域" dialog on the console's tile cache (non-modal)."""
        if self._tiles is None:
            return None
        if self._offline_dialog is None:
            self._offline_dialog = OfflineAreaDialog(self._tiles, self._core.layers, self)
        self._offline_dialog.show()
        self._offline_dialog.raise_()
        return self._offline_dialog

    @staticmethod
    def camera_mime_data(camera_id: str) -> QMimeData:
        """What a camera dragged off the map carries: the same payload as the camera directory's."""
        mime = QMimeData()
        mime.setData(CAMERA_MIME, QByteArray(camera_id.encode("utf-8")))
        mime.setText(camera_id)
        return mime

    # ------------------------------------------------------------------ the page

    @Slot(bool)
    def _on_load_finished(self, ok: bool) -> None:
        self._loaded = ok
        if not ok:
            self._status.setText(self.tr("地图页面加载失败"))

    def _native_zoom(self) -> int:
        """18, or for a cache with no source (a drill) its deepest stored zoom: closer in, Leaflet
        enlarges those tiles instead of leaving the squares empty."""
        if self._tiles is None or self._tiles.source is not None:
            return 18
        try:
            return max(9, min(18, int(self._tiles.store.metadata().get("maxzoom", 18))))
        except Exception:  # noqa: BLE001 - metadata of a foreign file may be missing or odd
            return 18

    @Slot()
    def _on_page_ready(self) -> None:
        """Push the whole current picture and the panel's state: the page starts empty."""
        self._ready = True
        if self._tile_url:
            self._bridge.baseTilesChanged.emit(json.dumps({"url": self._tile_url, "minZoom": 9, "maxZoom": 18,
                                                           "maxNativeZoom": self._native_zoom()}))
        self._update_mode()
        self._overlays.forget_layers()
        self._push_layers(force=True)
        self._overlays.push_imported()
        self._overlays.push_picture()
        self._bridge.devicesVisibleChanged.emit(self._devices_visible)
        if self._selected:
            self._bridge.selectionChanged.emit(self._selected)
        if self._pending_focus is not None:
            self._bridge.focusRequested.emit(self._pending_focus)
            self._pending_focus = None
        if self._incident is not None:
            self._bridge.incidentShown.emit(json.dumps(self._incident, ensure_ascii=False))
        if self._rings is not None:
            self._bridge.ringsShown.emit(json.dumps(self._rings, ensure_ascii=False))
        if self._measure_button.isChecked():
            self._bridge.measureToggled.emit(True)
        self._update_status()
        self.page_ready.emit()

    def _on_camera_drag_started(self, camera_id: str) -> None:
        # Started from the next event-loop turn, not inside the web channel's message
        # handler: QDrag.exec runs its own loop until the button is released.
        if camera_id:
            QTimer.singleShot(0, self, lambda: self._start_camera_drag(camera_id))

    def _start_camera_drag(self, camera_id: str) -> None:
        drag = QDrag(self)
        drag.setMimeData(self.camera_mime_data(camera_id))
        self._exec_drag(drag)

    def _exec_drag(self, drag: QDrag) -> None:
        """Run the drag (a seam for tests: offscreen has no platform drag loop)."""
        drag.exec(Qt.DropAction.CopyAction | Qt.DropAction.MoveAction, Qt.DropAction.CopyAction)

    def _on_alert_clicked(self, alert_id: str) -> None:
        self._selected = alert_id
        self._bridge.selectionChanged.emit(alert_id)
        self.alert_selected.emit(alert_id)

    # ------------------------------------------------------------------ the picture

    def _on_alerts_changed(self, ids: Iterable[str]) -> None:
        if not self._ready:
            return  # the page receives everything on pageReady
        self._overlays.alerts_changed(ids)
        self._update_status()

    def _on_devices_changed(self, ids: Iterable[str]) -> None:
        self._overlays.points_changed(ids, "devices")

    def _on_cameras_changed(self, ids: Iterable[str]) -> None:
        self._overlays.points_changed(ids, "cameras")

    def _on_incidents_changed(self, ids: Iterable[str]) -> None:
        self._overlays.incidents_changed(ids)

    def _on_connection_changed(self, _state: Any) -> None:
        self._update_mode()

    def _on_tile_online(self, key: str, online: bool) -> None:
        if key == self._tile_key:
            was_offline = self._tile_online is False
            self._tile_online = online
            self._update_mode()
            if online and was_offline and self._ready:
                self._bridge.tilesRefreshed.emit()  # the squares that failed meanwhile fill in

    def _on_tiles_imported(self, added: int, detail: str) -> None:
        if added < 0:
            self._status.setText(self.tr("导入失败：{e}").format(e=detail))
            return
        self._status.setText(detail)  # the core's line: imported, skipped and why
        if self._ready:
            self._bridge.tilesRefreshed.emit()

    def _update_mode(self) -> None:
        """"离线地图" while the tile source is unreachable or the gateway link is down."""
        if self._tiles is None:
            offline = False
        else:
            state = self._core.picture.connection.state
            offline = self._tile_online is False or state in ("offline", "reconnecting")
        text = self.tr("离线地图")
        self._mode.setText(text)
        self._mode.setVisible(offline)
        self._mode.setToolTip(self.tr("瓦片服务不可达：地图显示本地缓存的瓦片") if offline else "")
        if self._ready:
            self._bridge.mapModeChanged.emit(json.dumps({"offline": offline, "text": text}, ensure_ascii=False))

    def _update_status(self) -> None:
        self._status.setText(
            self.tr("态势地图 · 图层 {layers} · 告警 {alerts}").format(
                layers=self._overlays.layer_count, alerts=len(self._overlays.open_alerts)))

    # ------------------------------------------------------------------ tools

    def _on_point_picked(self, lat: float, lon: float) -> None:
        lon, lat = self._datum.to_wgs84(lon, lat)
        self.show_rings(lon, lat, self.tr("选定点"))

    def _on_rings_requested(self) -> None:
        alert = self._core.picture.alerts.get(self._selected) if self._selected else None
        if alert is not None and alert.location is not None:
            self.show_rings(alert.location.lon, alert.location.lat, alert.title)
            return
        # No selection: around the district centre (the operator can right-click elsewhere).
        self.show_rings(DISTRICT_CENTRE[1], DISTRICT_CENTRE[0], self.tr("区中心"))

    def _on_measured(self, metres: float) -> None:
        if metres > 0:
            self._status.setText(self.tr("测距：{d}").format(d=format_distance(metres)))

    def _on_jump_activated(self, index: int) -> None:
        feature_id = self._jump.itemData(index)
        if feature_id:
            self.jump_to(str(feature_id))

    def _focus_jump(self) -> None:
        self._jump.setFocus()
        self._jump.showPopup()

    def _set_nearby(self, lon: float, lat: float) -> list[NearbyThing]:
        items = nearby(self._core.picture, self._core.layers, lon, lat, max(RINGS_M))
        self._set_nearby_list(items)
        return items

    def _set_nearby_list(self, items: list[NearbyThing]) -> None:
        self._nearby = list(items)
        self._nearby_tree.set_things(self._nearby)
        self.nearby_changed.emit(list(self._nearby))

    def _nearby_json(self, items: list[NearbyThing]) -> list[dict[str, Any]]:
        out = []
        # Cameras and resources are ringed on the map; devices only listed (too many to ring).
        for t in [t for t in items if t.kind != "device"][:80]:
            lon, lat = self._datum.pos(t.lon, t.lat)
            out.append(dict(t.to_json(), lon=lon, lat=lat))
        return out

    def _on_nearby_activated(self, thing: NearbyThing) -> None:
        if thing.kind == "camera":
            self.camera_selected.emit(thing.id)
        lon, lat = self._datum.pos(thing.lon, thing.lat)
        if self._ready:
            self._bridge.focusRequested.emit(json.dumps({"id": "", "lat": lat, "lon": lon}))

    # ------------------------------------------------------------------ layers

    def _on_layers_button(self, on: bool) -> None:
        self._side.setVisible(on or self._rings is not None)
        if on:
            self._side.setCurrentWidget(self.layer_panel)

    def _on_layer_visibility(self, layer_id: str, visible: bool) -> None:
        self._overlays.set_style(layer_id, "visible", bool(visible))

    def _on_layer_opacity(self, layer_id: str, opacity: float) -> None:
        self._overlays.set_style(layer_id, "opacity", float(opacity))

    def _import_geojson(self) -> None:
        self._layers_button.setChecked(True)
        self.layer_panel.choose_file()

    def _on_layers_changed(self, *_args: Any) -> None:
        """The core published its layers (``core.layers_loaded``): resend them all.

        The core refills the same dict in place, so object identity alone could miss
        a replacement whose new object reuses a freed address.
        """
        self._push_layers(force=True)

    def _on_layer_poll(self) -> None:
        """Fallback for layers set by plain assignment, without the hook."""
        self._push_layers(force=False)

    def _push_layers(self, force: bool) -> None:
        """Send layers that are new or replaced, then refresh the catalogue and the jump list."""
        layers = self._core.layers
        if layers and self._layer_timer.interval() != self._LAYER_POLL_SETTLED_MS:
            self._layer_timer.setInterval(self._LAYER_POLL_SETTLED_MS)
        if not self._overlays.push_layers(layers, force):
            return
        self._refresh_catalogue(layers)
        self._update_status()

    def _refresh_catalogue(self, layers: dict[str, Any]) -> None:
        self.layer_panel.set_layers(layers, self._core.layer_infos)
        set_jump_entries(self._jump, jump_entries(layers))  # streets, then their communities

    def _on_file_dropped(self, path: str) -> None:
        self._side.show()
        self._side.setCurrentWidget(self.layer_panel)
        self.layer_panel.import_file(path)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt override
        """GeoJSON files may be dropped anywhere on the map."""
        self.layer_panel.dragEnterEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt override
        self.layer_panel.dropEvent(event)
        self._side.show()
        self._side.setCurrentWidget(self.layer_panel)

    def closeEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        """Stop listening to the core when the panel goes away."""
        self._layer_timer.stop()
        self._core.layers_loaded.disconnect(self._layers_hook)
        if self._tile_handler is not None:
            self._tile_handler.remove_service(self._tile_key)
        disconnect_all(self._picture_slots())
        super().closeEvent(event)

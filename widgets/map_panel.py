"""Situation map panel: a Leaflet page (built once with folium) in a QWebEngineView.

Base map: raster tiles from the local MBTiles cache through the ``pstile://`` scheme
(``widgets/tile_scheme.py``), fetched from the configured source when online; with
the source unreachable the cached tiles keep drawing and the map says "离线地图".
Overlays: alerts (pulsing while red and not yet acknowledged), devices by kind
(grey when offline) and cameras (click → video wall), both clustered below street zoom
on a canvas point layer (100,000 devices stay readable and cheap), incident areas, the
gateway's layers and imported GeoJSON (layer catalogue beside the map).
Tools: radius rings with what is nearby, distance measurement, jump to a street or
community, pointer coordinates.

The page is generated once and never reloaded for data changes.  Boundaries, rivers
and roads come from ``core.layers`` (GeoJSON by layer id); open alerts and IoT devices
are pushed as batched JSON diffs over a QWebChannel bridge whenever the
:class:`~widgets.bridge.PictureNotifier` reports changed ids; devices and cameras as
rows, a whole store in chunks of :attr:`MapPanel.POINT_CHUNK`.  Every script and
stylesheet is local (Leaflet and markercluster from their xstatic packages, the
console's own files from ``widgets/map_page``) so the map draws with no network.
"""

from __future__ import annotations

import itertools
import json
import logging
import time
from pathlib import Path
from typing import Any, Callable, Iterable

import folium
import xstatic.pkg.leaflet as xs_leaflet
import xstatic.pkg.leaflet_markercluster as xs_markercluster
from branca.element import MacroElement
from jinja2 import Template
from PySide6.QtCore import QByteArray, QMimeData, QObject, Qt, QTimer, QUrl, Signal, Slot
from PySide6.QtGui import QAction, QColor, QDrag, QKeySequence, QShortcut
from PySide6.QtWebChannel import QWebChannel
from PySide6.QtWebEngineCore import QWebEnginePage, QWebEngineSettings
from PySide6.QtWebEngineWidgets import QWebEngineView
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSplitter,
    QTabWidget,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from console.nearby import RINGS_M, nearby
from console.video_wall_model import CAMERA_MIME
from console.tiles import transform_geojson, wgs84_to_gcj02
from district.vocabulary import CLOSED_STATUSES, DISTRICT_TZ, street_title
from widgets.signals import disconnect_all

log = logging.getLogger(__name__)

MAP_PAGE_DIR = Path(__file__).resolve().parent / "map_page"
"""Packaged assets of the map page; also the page's base URL."""

DISTRICT_CENTRE = (22.700, 114.352)
"""Where the map opens before the district boundary arrives (lat, lon): the middle of the
real outline; once the boundary layer is in, the map fits it."""

DEVICE_KIND_NAMES = {
    "river_level": "河道水位",
    "waterlogging": "内涝积水",
    "rain_gauge": "雨量",
    "slope_displacement": "边坡位移",
    "air_quality": "空气质量",
    "noise": "噪声",
    "smoke": "烟感",
    "hydrant_pressure": "消火栓水压",
    "manhole_cover": "井盖",
}


def _file_url(path: Path) -> str:
    return QUrl.fromLocalFile(str(path)).toString()


class _ConsoleInit(MacroElement):
    """Hands the folium-created ``L.map`` to the console's page script."""

    _template = Template(
        """{% macro script(this, kwargs) %}
            window.consoleMap.init({{ this._parent.get_name() }});
        {% endmacro %}"""
    )


def build_map_html() -> str:
    """Generate the map page once: folium's Leaflet map with local assets only.

    folium's default CDN links (Leaflet, jQuery, Bootstrap, awesome-markers, Font
    Awesome) are replaced: Leaflet and markercluster come from their xstatic
    packages as ``file://`` URLs, the WebChannel script from Qt's resources, and the
    console's script and style relative to :data:`MAP_PAGE_DIR` (the base URL).
    """
    fmap = folium.Map(
        location=list(DISTRICT_CENTRE),
        zoom_start=12,
        tiles=None,
        prefer_canvas=True,
        # No zoom/fade animations: under software rendering (and offscreen) Chromium
        # may not tick animation frames while the view is not repainted, which left a
        # zoom stuck half-way in tests; on a duty-room machine they only cost CPU.
        zoom_animation=False,
        # Fractional zoom so that "fit the district" fills the panel (no tiles yet to
        # keep on integer levels).
        zoom_snap=0.25,
        zoom_delta=0.5,
        fade_animation=False,
        marker_zoom_animation=False,
    )
    leaflet_dir = Path(xs_leaflet.BASE_DIR)
    cluster_dir = Path(xs_markercluster.BASE_DIR)
    # Instance attributes shadow the class-level CDN lists for this map only.
    fmap.default_js = [
        ("leaflet", _file_url(leaflet_dir / "leaflet.js")),
        ("markercluster", _file_url(cluster_dir / "leaflet.markercluster.js")),
        ("qwebchannel", "qrc:///qtwebchannel/qwebchannel.js"),
        ("console_map", "console_map.js"),
    ]
    fmap.default_css = [
        ("leaflet_css", _file_url(leaflet_dir / "leaflet.css")),
        ("markercluster_css", _file_url(cluster_dir / "MarkerCluster.css")),
        ("markercluster_default_css", _file_url(cluster_dir / "MarkerCluster.Default.css")),
        ("console_map_css", "console_map.css"),
    ]
    fmap.add_child(_ConsoleInit())
    return fmap.get_root().render()


def alert_marker(alert: Any) -> dict[str, Any] | None:
    """The page's view of one alert, or None when it must not be on the map."""
    if alert is None or alert.status in CLOSED_STATUSES or alert.location is None:
        return None
    place = street_title(alert.street)
    return {
        "id": alert.id,
        "lat": alert.location.lat,
        "lon": alert.location.lon,
        "level": alert.level,
        "status": alert.status,
        "title": alert.title,
        "time": alert.created_at.astimezone(DISTRICT_TZ).strftime("%m-%d %H:%M:%S"),
        "place": place,
    }


def device_row(device: Any) -> list[Any] | None:
    """One device as the page's point layer takes it: [id, lat, lon, status, kind id, name, kind name].

    Rows, not objects: 100,000 of them cross the web channel at start (issue 15)."""
    if device is None:
        return None
    loc = device.location
    return [device.id, loc.lat, loc.lon, device.status, device.kind, device.name,
            DEVICE_KIND_NAMES.get(device.kind, device.kind)]


CAMERA_KIND_NAMES = {
    "road": "道路", "river": "河道", "slope": "边坡", "park": "公园",
    "forest_fire": "森林防火", "public_building": "公共建筑",
}


def camera_row(camera: Any) -> list[Any] | None:
    """One camera as the page's point layer takes it: [id, lat, lon, status, kind name, name, ptz]."""
    if camera is None:
        return None
    loc = camera.location
    return [camera.id, loc.lat, loc.lon, camera.status, CAMERA_KIND_NAMES.get(camera.kind, camera.kind),
            camera.name, 1 if camera.ptz else 0]


def incident_marker(incident: Any) -> dict[str, Any] | None:
    """The page's view of an active wartime incident: its area as a circle."""
    if incident is None or incident.status != "active":
        return None
    return {
        "id": incident.id,
        "lat": incident.location.lat,
        "lon": incident.location.lon,
        "radius": float(incident.radius_m),
        "title": incident.title,
        "level": int(incident.level),
    }


_panel_keys = itertools.count(1)


class MapBridge(QObject):
    """The Python end of the page's QWebChannel (registered as ``consoleBridge``).

    Signals carry JSON strings so that one batch crosses the channel as one message.
    """

    layersChanged = Signal(str)
    alertsChanged = Signal(str)
    devicesChanged = Signal(str)
    camerasChanged = Signal(str)
    incidentsChanged = Signal(str)
    devicesVisibleChanged = Signal(bool)
    focusRequested = Signal(str)
    districtRequested = Signal()
    baseTilesChanged = Signal(str)
    mapModeChanged = Signal(str)
    layerStyleChanged = Signal(str)
    selectionChanged = Signal(str)
    incidentShown = Signal(str)
    incidentCleared = Signal()
    ringsShown = Signal(str)
    ringsCleared = Signal()
    measureToggled = Signal(bool)
    boundsRequested = Signal(str)
    tilesRefreshed = Signal()

    ready = Signal()
    alert_clicked = Signal(str)
    camera_clicked = Signal(str)
    camera_drag_started = Signal(str)
    point_picked = Signal(float, float)
    diff_drawn = Signal(str, int)
    measured = Signal(float)

    @Slot()
    def pageReady(self) -> None:  # noqa: N802 - called from JavaScript
        """The page has connected its handlers and wants the whole picture."""
        self.ready.emit()

    @Slot(str)
    def alertClicked(self, alert_id: str) -> None:  # noqa: N802 - called from JavaScript
        """A marker was clicked on the page."""
        self.alert_clicked.emit(alert_id)

    @Slot(str)
    def cameraClicked(self, camera_id: str) -> None:  # noqa: N802 - called from JavaScript
        """A camera was clicked on the page."""
        self.camera_clicked.emit(camera_id)

    @Slot(str)
    def cameraDragStarted(self, camera_id: str) -> None:  # noqa: N802 - called from JavaScript
        """A camera marker is being dragged out of the page (mouse down and moved)."""
        self.camera_drag_started.emit(camera_id)

    @Slot(float, float)
    def pointPicked(self, lat: float, lon: float) -> None:  # noqa: N802 - called from JavaScript
        """Right click on the map: radius rings around that point."""
        self.point_picked.emit(lat, lon)

    @Slot(str, int)
    def diffDrawn(self, kind: str, seq: int) -> None:  # noqa: N802 - called from JavaScript
        """A diff was applied and painted (the page answers after its next animation frame)."""
        self.diff_drawn.emit(kind, seq)

    @Slot(float)
    def measuredDistance(self, metres: float) -> None:  # noqa: N802 - called from JavaScript
        """The measurement tool's total length changed."""
        self.measured.emit(metres)


class _ConsolePage(QWebEnginePage):
    """Keeps the page's console messages so that script errors are visible in logs and tests.

    The map page is loaded once; any later navigation of the main frame is refused.
    A local file dropped on the map makes Chromium navigate to it: that becomes
    ``file_dropped(path)`` (a GeoJSON import) instead of replacing the map.
    """

    file_dropped = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.console_messages: list[tuple[str, str]] = []
        self._page_loaded = False

    def acceptNavigationRequest(self, url: QUrl | str, nav_type: Any, is_main_frame: bool) -> bool:  # noqa: N802
        url = QUrl(url)
        if not is_main_frame:
            return True
        if not self._page_loaded:
            self._page_loaded = True  # the map page itself
            return True
        if url.isLocalFile():
            self.file_dropped.emit(url.toLocalFile())
        return False

    def javaScriptConsoleMessage(  # noqa: N802 - Qt override
        self,
        level: QWebEnginePage.JavaScriptConsoleMessageLevel,
        message: str,
        line: int,
        source: str,
    ) -> None:
        name = level.name if hasattr(level, "name") else str(level)
        self.console_messages.append((name, message))
        if level == QWebEnginePage.JavaScriptConsoleMessageLevel.ErrorMessageLevel:
            log.warning("map page: %s (%s:%s)", message, source, line)


def _feature_bounds(feature: dict[str, Any]) -> list[float] | None:
    """[south, west, north, east] of a feature's geometry (Leaflet's order)."""
    from console.geojson_check import geometry_bounds

    box = geometry_bounds(feature.get("geometry"))
    return None if box is None else [box[1], box[0], box[3], box[2]]


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

    _LAYER_POLL_MS = 500
    _LAYER_POLL_SETTLED_MS = 2000

    def __init__(self, core: Any, notifier: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("MapPanel")
        self.setWindowTitle(self.tr("态势地图"))
        self._core = core
        self._notifier = notifier
        self._ready = False
        self._devices_visible = False
        self._layer_signature: dict[str, int] = {}
        self._imported: dict[str, dict[str, Any]] = {}
        self._layer_styles: dict[str, dict[str, Any]] = {}
        self._selected: str | None = None
        self._incident: dict[str, Any] | None = None
        self._rings: dict[str, Any] | None = None
        self._nearby: list[Any] = []
        self._diff_seq = itertools.count(1)
        self._point_push: dict[str, int] = {}  # kind → generation of the whole-store push (negative: done)
        self._diff_sent: dict[int, tuple[str, list[str], float]] = {}
        self.track_diffs = False
        """Record each diff's ids and send time and emit :attr:`diff_drawn` when painted (benches)."""
        self._tiles = getattr(core, "tiles", None)
        self._tile_key = f"map{next(_panel_keys)}"
        self._tile_url: str | None = None
        # A service with no source (a drill, a seat with no gateway) shows the cache only: 离线地图.
        self._tile_online: bool | None = getattr(self._tiles, "online", None) if self._tiles is not None else None
        self._gcj02 = bool(getattr(self._tiles, "overlay_gcj02", False))
        self._offline_dialog: Any = None
        self._open_alerts: set[str] = set()
        self._pending_focus: str | None = None

        self._bridge = MapBridge(self)
        self._bridge.ready.connect(self._on_page_ready)
        self._bridge.alert_clicked.connect(self._on_alert_clicked)
        self._bridge.camera_clicked.connect(self.camera_selected)
        self._bridge.camera_drag_started.connect(self._on_camera_drag_started)
        self._bridge.point_picked.connect(self._on_point_picked)
        self._bridge.diff_drawn.connect(self._on_diff_drawn)
        self._bridge.measured.connect(self._on_measured)

        self._view = QWebEngineView(self)
        self._page = _ConsolePage(self._view)
        # Dark before the first paint: no white flash while Chromium starts.
        self._page.setBackgroundColor(QColor("#07111c"))
        settings = self._page.settings()
        settings.setAttribute(QWebEngineSettings.WebAttribute.LocalContentCanAccessFileUrls, True)
        settings.setAttribute(QWebEngineSettings.WebAttribute.LocalContentCanAccessRemoteUrls, False)
        self._channel = QWebChannel(self._page)
        self._channel.registerObject("consoleBridge", self._bridge)
        self._page.setWebChannel(self._channel)
        self._view.setPage(self._page)
        self._page.file_dropped.connect(self._on_file_dropped)
        self._view.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
        # A file dropped on the map is a GeoJSON import, never a navigation of the page.
        self._view.setAcceptDrops(False)
        self.setAcceptDrops(True)
        if self._tiles is not None:
            from widgets.tile_scheme import tile_handler

            self._tile_handler = tile_handler(self._page.profile())
            self._tile_url = self._tile_handler.add_service(self._tile_key, self._tiles)
            self._tile_handler.online_changed.connect(self._on_tile_online)

        # Header: status, offline badge, jump-to, tools.
        self._status = QLabel(self.tr("态势地图 · 加载中…"), self)
        self._status.setObjectName("MapPanelStatus")
        # Wraps rather than widening the map's minimum (a 1280/1366 px duty screen, issue 21).
        self._status.setWordWrap(True)
        self._mode = QLabel(self)
        self._mode.setObjectName("MapModeBadge")
        self._mode.setStyleSheet("QLabel { background: #b26a00; color: #fff; padding: 1px 6px; border-radius: 3px; }")
        self._mode.hide()
        self._jump = QComboBox(self)
        self._jump.setObjectName("MapJump")
        self._jump.setMinimumWidth(110)
        self._jump.setToolTip(self.tr("定位到街道或社区（Ctrl+Shift+G）"))
        self._jump.activated.connect(self._on_jump_activated)
        self._home_button = self._tool(self.tr("全区"), self.tr("缩放到坪山区全域（Home）"), self.show_district)
        self._devices_button = self._tool(self.tr("物联设备"), self.tr("在地图上显示/隐藏物联感知设备（Ctrl+Shift+I）"),
                                          None, checkable=True)
        self._devices_button.toggled.connect(self.set_devices_visible)
        self._rings_button = self._tool(self.tr("周边"), self.tr(
            "以选中告警（或地图中心）为圆心画 500 米 / 1 公里 / 3 公里范围圈，列出周边资源（Ctrl+Shift+R；右键地图任一点亦可）"),
            self._on_rings_requested)
        self._measure_button = self._tool(self.tr("测距"), self.tr("测量距离：依次点击地图，Esc 结束（Ctrl+Shift+M）"),
                                          None, checkable=True)
        self._measure_button.toggled.connect(self.set_measuring)
        self._layers_button = self._tool(self.tr("图层"), self.tr("图层目录：分类、搜索、开关、透明度、导入 GeoJSON（Ctrl+Shift+B）"),
                                         None, checkable=True)
        self._layers_button.toggled.connect(self._on_layers_button)
        self._offline_button = self._tool(self.tr("离线区域…"), self.tr("准备离线区域：下载一个范围的底图瓦片（Ctrl+Shift+O）"),
                                          self.open_offline_area_dialog)
        self._offline_button.setEnabled(self._tiles is not None)

        header = QHBoxLayout()
        header.setContentsMargins(4, 2, 4, 2)
        header.addWidget(self._status, 1)
        header.addWidget(self._mode)
        header.addWidget(self._jump)
        for button in (self._home_button, self._rings_button, self._measure_button, self._devices_button,
                       self._layers_button, self._offline_button):
            header.addWidget(button)

        # Side pane: the layer catalogue and the nearby list, beside the map.
        from widgets.layer_panel import LayerPanel

        self.layer_panel = LayerPanel(self)
        self.layer_panel.visibility_changed.connect(self._on_layer_visibility)
        self.layer_panel.opacity_changed.connect(self._on_layer_opacity)
        self.layer_panel.geojson_imported.connect(self.add_imported_layer)
        self._nearby_tree = QTreeWidget(self)
        self._nearby_tree.setObjectName("MapNearby")
        self._nearby_tree.setHeaderLabels([self.tr("距离"), self.tr("名称"), self.tr("类别")])
        self._nearby_tree.setColumnWidth(0, 110)
        self._nearby_tree.setColumnWidth(1, 190)
        self._nearby_tree.setToolTip(self.tr("按距离排列；双击视频监控上墙播放，双击其他项在地图上定位"))
        self._nearby_tree.itemActivated.connect(self._on_nearby_activated)
        self._side = QTabWidget(self)
        self._side.addTab(self.layer_panel, self.tr("图层"))
        self._side.addTab(self._nearby_tree, self.tr("周边"))
        self._side.hide()
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(self._view)
        splitter.addWidget(self._side)
        splitter.setStretchFactor(0, 1)
        splitter.setSizes([900, 340])

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(header)
        layout.addWidget(splitter, 1)

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

        # The main window's 地图 menu shows these; the keys above work while the map has focus
        # (the text after the tab only displays the key: no second, ambiguous shortcut).
        self.menu_actions: list[QAction] = []
        for text, slot in (
            (self.tr("准备离线区域…") + "\tCtrl+Shift+O", self.open_offline_area_dialog),
            (self.tr("导入 GeoJSON 图层…"), self._import_geojson),
            (self.tr("导入离线地图包（MBTiles）…"), self.choose_mbtiles),
            (self.tr("图层目录") + "\tCtrl+Shift+B", lambda: self._layers_button.setChecked(True)),
            (self.tr("周边范围圈（500 米 / 1 公里 / 3 公里）") + "\tCtrl+Shift+R", self._on_rings_requested),
            (self.tr("测距") + "\tCtrl+Shift+M", lambda: self.set_measuring(True)),
            (self.tr("缩放到全区") + "\tHome", self.show_district),
        ):
            action = QAction(text, self)
            action.triggered.connect(lambda _checked=False, f=slot: f())
            self.menu_actions.append(action)
        self.menu_actions[0].setEnabled(self._tiles is not None)
        self.menu_actions[2].setEnabled(self._tiles is not None)
        self.tiles_imported.connect(self._on_tiles_imported)
        self._mbtiles_dialog: Any = None

        self._html = build_map_html()
        self._loaded: bool | None = None
        self._view.loadFinished.connect(self._on_load_finished)
        self._page.setHtml(self._html, QUrl.fromLocalFile(str(MAP_PAGE_DIR) + "/"))

        notifier.alerts_changed.connect(self._on_alerts_changed)
        notifier.devices_changed.connect(self._on_devices_changed)
        for name, handler in (("cameras_changed", self._on_cameras_changed),
                              ("incidents_changed", self._on_incidents_changed),
                              ("connection_changed", self._on_connection_changed)):
            signal = getattr(notifier, name, None)
            if signal is not None:
                signal.connect(handler)

        # Layers may arrive after the page: listen when the core offers a hook and
        # poll anyway (cheap: compares object ids) so a late or replaced dict is seen.
        self._layer_timer = QTimer(self)
        self._layer_timer.setInterval(self._LAYER_POLL_MS)
        self._layer_timer.timeout.connect(self._on_layer_poll)
        self._layer_timer.start()
        self._layers_hook: Callable[..., None] = self._on_layers_changed
        self._register_layers_hook()

    def _tool(self, text: str, tip: str, slot: Callable[[], Any] | None, checkable: bool = False) -> QToolButton:
        button = QToolButton(self)
        button.setText(text)
        button.setToolTip(tip)
        button.setCheckable(checkable)
        if slot is not None:
            button.clicked.connect(lambda _checked=False: slot())
        return button

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
    def nearby_items(self) -> list[Any]:
        """What the last radius rings listed (``console.nearby.NearbyThing``), nearest first."""
        return list(self._nearby)

    @property
    def selected_alert(self) -> str | None:
        """The alert highlighted on the map (selection synced with the queue)."""
        return self._selected

    def console_messages(self) -> list[tuple[str, str]]:
        """JavaScript console messages seen so far (level name, text)."""
        return list(self._page.console_messages)

    @Slot(str)
    def focus_alert(self, alert_id: str) -> bool:
        """Centre the map on an alert and mark it selected; False when it has no location or is unknown."""
        alert = self._core.picture.alerts.get(alert_id)
        if alert is None or alert.location is None:
            return False
        self._selected = alert_id
        lon, lat = self._pos(alert.location.lon, alert.location.lat)
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
        plon, plat = self._pos(lon, lat)
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

    def show_rings(self, lon: float, lat: float, title: str = "") -> list[Any]:
        """Radius rings (500 m / 1 km / 3 km) around a point and what is within 3 km, nearest first."""
        plon, plat = self._pos(lon, lat)
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
        for layer_id in ("streets", "communities"):
            doc = (getattr(self._core, "layers", None) or {}).get(layer_id) or {}
            for f in doc.get("features") or []:
                if str(f.get("id") or (f.get("properties") or {}).get("id")) == feature_id:
                    bounds = _feature_bounds(self._shift_doc(f))
                    if bounds and self._ready:
                        self._bridge.boundsRequested.emit(json.dumps(bounds))
                    return bounds is not None
        return False

    def add_imported_layer(self, layer_id: str, geojson: dict[str, Any]) -> None:
        """Draw an imported (already validated) GeoJSON layer."""
        self._imported[layer_id] = geojson
        if self._ready:
            self._bridge.layersChanged.emit(json.dumps({layer_id: self._shift_doc(geojson)}, ensure_ascii=False))
            self._reapply_style(layer_id)
        self._update_status()

    def choose_mbtiles(self) -> None:
        """File chooser (non-modal) for an MBTiles package to import into the tile cache."""
        if self._tiles is None:
            return
        from PySide6.QtWidgets import QFileDialog

        if self._mbtiles_dialog is None:
            self._mbtiles_dialog = QFileDialog(self, self.tr("导入离线地图包"))
            self._mbtiles_dialog.setNameFilter(self.tr("MBTiles 文件 (*.mbtiles)"))
            self._mbtiles_dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
            self._mbtiles_dialog.fileSelected.connect(self.import_mbtiles)
        self._mbtiles_dialog.open()

    def import_mbtiles(self, path: str) -> None:
        """Import an MBTiles file into the tile cache on a worker thread (the map keeps drawing)."""
        if self._tiles is None:
            return
        import threading

        from console.tiles import import_into
        from offline_cache.tiles import TileStoreError

        target = self._tiles.store.path
        self._status.setText(self.tr("正在导入离线地图包…"))

        def work() -> None:
            try:
                report = import_into(target, path)
            except TileStoreError as exc:
                self.tiles_imported.emit(-1, str(exc))
            except Exception as exc:  # noqa: BLE001 - reported in the panel, never a traceback
                log.exception("MBTiles import failed")
                self.tiles_imported.emit(-1, f"{type(exc).__name__}: {exc}")
            else:
                self.tiles_imported.emit(report.added, report.describe())

        threading.Thread(target=work, name="mbtiles-import", daemon=True).start()

    def _on_tiles_imported(self, added: int, detail: str) -> None:
        if added < 0:
            self._status.setText(self.tr("导入失败：{e}").format(e=detail))
            return
        self._status.setText(detail)  # the core's line: imported, skipped and why
        if self._ready:
            self._bridge.tilesRefreshed.emit()

    def open_offline_area_dialog(self) -> Any:
        """The "准备离线区域" dialog on the console's tile cache (non-modal)."""
        if self._tiles is None:
            return None
        if self._offline_dialog is None:
            from widgets.offline_area_dialog import OfflineAreaDialog

            self._offline_dialog = OfflineAreaDialog(self._tiles, getattr(self._core, "layers", None) or {}, self)
        self._offline_dialog.show()
        self._offline_dialog.raise_()
        return self._offline_dialog

    # ------------------------------------------------------------------ handlers

    @Slot(bool)
    def _on_load_finished(self, ok: bool) -> None:
        self._loaded = ok
        if not ok:
            self._status.setText(self.tr("地图页面加载失败"))

    def _native_zoom(self) -> int:
        """18, or for a cache with no source (a drill) its deepest stored zoom: closer in, Leaflet
        enlarges those tiles instead of leaving the squares empty."""
        if self._tiles is None or getattr(self._tiles, "source", None) is not None:
            return 18
        try:
            return max(9, min(18, int(self._tiles.store.metadata().get("maxzoom", 18))))
        except Exception:  # noqa: BLE001 - metadata of a foreign file may be missing or odd
            return 18

    @Slot()
    def _on_page_ready(self) -> None:
        """Push the whole current picture: the page starts empty."""
        self._ready = True
        if self._tile_url:
            self._bridge.baseTilesChanged.emit(json.dumps({"url": self._tile_url, "minZoom": 9, "maxZoom": 18,
                                                           "maxNativeZoom": self._native_zoom()}))
        self._update_mode()
        self._layer_signature = {}
        self._push_layers(force=True)
        if self._imported:
            self._bridge.layersChanged.emit(json.dumps(
                {k: self._shift_doc(v) for k, v in self._imported.items()}, ensure_ascii=False))
        for layer_id in self._layer_styles:
            self._reapply_style(layer_id)
        picture = self._core.picture
        alerts = self._shift_markers([m for m in map(alert_marker, picture.alerts.values()) if m])
        self._open_alerts = {m["id"] for m in alerts}
        self._bridge.alertsChanged.emit(json.dumps({"reset": True, "upsert": alerts}))
        self._push_points("cameras")
        self._push_points("devices")
        incidents = getattr(picture, "incidents", None)
        if incidents is not None:
            marks = self._shift_markers([m for m in map(incident_marker, incidents.values()) if m])
            self._bridge.incidentsChanged.emit(json.dumps({"reset": True, "upsert": marks}, ensure_ascii=False))
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

    @staticmethod
    def camera_mime_data(camera_id: str) -> QMimeData:
        """What a camera dragged off the map carries: the same payload as the camera directory's."""
        mime = QMimeData()
        mime.setData(CAMERA_MIME, QByteArray(camera_id.encode("utf-8")))
        mime.setText(camera_id)
        return mime

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

    def _emit_diff(self, signal: Any, kind: str, upsert: list[Any], remove: list[str],
                   extra: dict[str, Any] | None = None) -> None:
        seq = next(self._diff_seq)
        if self.track_diffs:
            ids = [m[0] if isinstance(m, list) else m["id"] for m in upsert]
            self._diff_sent[seq] = (kind, ids + list(remove), time.perf_counter())
        body: dict[str, Any] = {"seq": seq, "upsert": upsert, "remove": remove, "track": self.track_diffs}
        if extra:
            body.update(extra)
        signal.emit(json.dumps(body, ensure_ascii=False))

    def _on_diff_drawn(self, kind: str, seq: int) -> None:
        sent = self._diff_sent.pop(seq, None)
        if sent is not None:
            self.diff_drawn.emit(kind, seq, sent[1], sent[2])

    def _on_alerts_changed(self, ids: Iterable[str]) -> None:
        if not self._ready:
            return  # the page receives everything on pageReady
        store = self._core.picture.alerts
        upsert: list[dict[str, Any]] = []
        remove: list[str] = []
        for alert_id in ids:
            marker = alert_marker(store.get(alert_id))
            if marker is None:
                remove.append(alert_id)
                self._open_alerts.discard(alert_id)
            else:
                upsert.append(marker)
                self._open_alerts.add(alert_id)
        if upsert or remove:
            self._emit_diff(self._bridge.alertsChanged, "alerts", self._shift_markers(upsert), remove)
        self._update_status()

    def _on_devices_changed(self, ids: Iterable[str]) -> None:
        self._diff_points(ids, "devices")

    def _on_cameras_changed(self, ids: Iterable[str]) -> None:
        self._diff_points(ids, "cameras")

    _POINTS = {"devices": (device_row, "devicesChanged"), "cameras": (camera_row, "camerasChanged")}
    POINT_CHUNK = 10_000
    """Rows per message when the page gets a whole store: 100,000 devices go over ten
    event-loop turns, so the window keeps answering meanwhile."""

    def _rows(self, kind: str, ids: Iterable[str]) -> tuple[list[list[Any]], list[str]]:
        """Rows of the objects ``ids`` still in the store, and the ids that are gone."""
        store = getattr(self._core.picture, kind, None)
        to_row = self._POINTS[kind][0]
        rows: list[list[Any]] = []
        gone: list[str] = []
        if store is None:
            return rows, gone
        for object_id in ids:
            row = to_row(store.get(object_id))
            if row is None:
                gone.append(object_id)
            else:
                if self._gcj02:
                    row[2], row[1] = wgs84_to_gcj02(row[2], row[1])
                rows.append(row)
        return rows, gone

    def _push_points(self, kind: str) -> None:
        """The whole store of devices or cameras to the page, a chunk per event-loop turn.

        Each chunk is read from the store when it is sent, so a diff sent between two
        chunks is never overwritten by older data. A new push (page reloaded) ends the
        one under way.
        """
        store = getattr(self._core.picture, kind, None)
        if store is None:
            return
        generation = self._point_push[kind] = self._point_push.get(kind, 0) + 1
        ids = store.ids()
        signal = getattr(self._bridge, self._POINTS[kind][1])

        def send(start: int) -> None:
            if self._point_push.get(kind) != generation or not self._ready:
                return
            rows, _gone = self._rows(kind, ids[start:start + self.POINT_CHUNK])
            last = start + self.POINT_CHUNK >= len(ids)
            signal.emit(json.dumps({"reset": start == 0, "upsert": rows, "done": last}, ensure_ascii=False))
            if last:
                self._point_push[kind] = -generation  # done: diffs flow as usual
            else:
                QTimer.singleShot(0, self, lambda: send(start + self.POINT_CHUNK))

        send(0)

    def _diff_points(self, ids: Iterable[str] | None, kind: str) -> None:
        if not self._ready or ids is None:
            return
        ids = ids if isinstance(ids, (set, frozenset, list, tuple)) else list(ids)
        if len(ids) > self.POINT_CHUNK:
            self._push_points(kind)  # a new snapshot: the whole store again, in chunks
            return
        rows, gone = self._rows(kind, ids)
        if rows or gone:
            self._emit_diff(getattr(self._bridge, self._POINTS[kind][1]), kind, rows, gone)

    def _on_incidents_changed(self, ids: Iterable[str]) -> None:
        self._diff_from_store(ids, "incidents", incident_marker, self._bridge.incidentsChanged)

    def _diff_from_store(self, ids: Iterable[str] | None, attr: str, to_marker: Callable[[Any], Any],
                         signal: Any) -> None:
        if not self._ready or ids is None:
            return
        store = getattr(self._core.picture, attr, None)
        if store is None:
            return
        upsert: list[dict[str, Any]] = []
        remove: list[str] = []
        for object_id in ids:
            marker = to_marker(store.get(object_id))
            if marker is None:
                remove.append(object_id)
            else:
                upsert.append(marker)
        if upsert or remove:
            self._emit_diff(signal, attr, self._shift_markers(upsert), remove)

    def _on_connection_changed(self, _state: Any) -> None:
        self._update_mode()

    def _on_tile_online(self, key: str, online: bool) -> None:
        if key == self._tile_key:
            was_offline = self._tile_online is False
            self._tile_online = online
            self._update_mode()
            if online and was_offline and self._ready:
                self._bridge.tilesRefreshed.emit()  # the squares that failed meanwhile fill in

    def _update_mode(self) -> None:
        """"离线地图" while the tile source is unreachable or the gateway link is down."""
        if self._tiles is None:
            offline = False
        else:
            state = getattr(getattr(self._core.picture, "connection", None), "state", "live")
            offline = self._tile_online is False or state in ("offline", "reconnecting")
        text = self.tr("离线地图")
        self._mode.setText(text)
        self._mode.setVisible(offline)
        self._mode.setToolTip(self.tr("瓦片服务不可达：地图显示本地缓存的瓦片") if offline else "")
        if self._ready:
            self._bridge.mapModeChanged.emit(json.dumps({"offline": offline, "text": text}, ensure_ascii=False))

    def _on_point_picked(self, lat: float, lon: float) -> None:
        if self._gcj02:
            from console.tiles import gcj02_to_wgs84

            lon, lat = gcj02_to_wgs84(lon, lat)
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
            self._status.setText(self.tr("测距：{d}").format(d=self._format_distance(metres)))

    def _on_layers_button(self, on: bool) -> None:
        self._side.setVisible(on or self._rings is not None)
        if on:
            self._side.setCurrentWidget(self.layer_panel)

    def _on_layer_visibility(self, layer_id: str, visible: bool) -> None:
        self._layer_styles.setdefault(layer_id, {})["visible"] = bool(visible)
        self._reapply_style(layer_id)

    def _on_layer_opacity(self, layer_id: str, opacity: float) -> None:
        self._layer_styles.setdefault(layer_id, {})["opacity"] = float(opacity)
        self._reapply_style(layer_id)

    def _reapply_style(self, layer_id: str) -> None:
        style = self._layer_styles.get(layer_id)
        if style and self._ready:
            self._bridge.layerStyleChanged.emit(json.dumps({"id": layer_id, **style}))

    def _on_jump_activated(self, index: int) -> None:
        feature_id = self._jump.itemData(index)
        if feature_id:
            self.jump_to(str(feature_id))

    def _import_geojson(self) -> None:
        self._layers_button.setChecked(True)
        self.layer_panel.choose_file()

    def _focus_jump(self) -> None:
        self._jump.setFocus()
        self._jump.showPopup()

    def _on_nearby_activated(self, item: QTreeWidgetItem, _column: int) -> None:
        thing = item.data(0, Qt.ItemDataRole.UserRole)
        if thing is None:
            return
        if thing.kind == "camera":
            self.camera_selected.emit(thing.id)
        lon, lat = self._pos(thing.lon, thing.lat)
        if self._ready:
            self._bridge.focusRequested.emit(json.dumps({"id": "", "lat": lat, "lon": lon}))

    def _on_layers_changed(self, *_args: Any) -> None:
        """The core published its layers (``core.layers_loaded``): resend them all.

        The core refills the same dict in place, so object identity alone could miss
        a replacement whose new object reuses a freed address.
        """
        self._push_layers(force=True)

    def _on_layer_poll(self) -> None:
        """Fallback for cores without a hook, or layers set by plain assignment."""
        self._push_layers(force=False)

    def _push_layers(self, force: bool) -> None:
        """Send layers that are new or replaced since the last push (null = removed)."""
        layers = getattr(self._core, "layers", None) or {}
        signature = {layer_id: id(geojson) for layer_id, geojson in layers.items()}
        if signature and self._layer_timer.interval() != self._LAYER_POLL_SETTLED_MS:
            self._layer_timer.setInterval(self._LAYER_POLL_SETTLED_MS)
        if not self._ready or (signature == self._layer_signature and not force):
            return
        changed: dict[str, Any] = {
            layer_id: self._shift_doc(layers[layer_id])
            for layer_id, ident in signature.items()
            if force or self._layer_signature.get(layer_id) != ident
        }
        for layer_id in self._layer_signature:
            if layer_id not in signature:
                changed[layer_id] = None
        self._layer_signature = signature
        if changed:
            self._bridge.layersChanged.emit(json.dumps(changed, ensure_ascii=False))
            for layer_id in changed:
                self._reapply_style(layer_id)
        self._refresh_catalogue(layers)
        self._update_status()

    # ------------------------------------------------------------------ internals

    def _pos(self, lon: float, lat: float) -> tuple[float, float]:
        """Overlay position on the base map (GCJ-02 shift for a GCJ-02 tile source)."""
        return wgs84_to_gcj02(lon, lat) if self._gcj02 else (lon, lat)

    def _shift_markers(self, markers: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if self._gcj02:
            for m in markers:
                m["lon"], m["lat"] = wgs84_to_gcj02(m["lon"], m["lat"])
        return markers

    def _shift_doc(self, doc: Any) -> Any:
        return transform_geojson(doc, wgs84_to_gcj02) if self._gcj02 and doc is not None else doc

    def _set_nearby(self, lon: float, lat: float) -> list[Any]:
        items = nearby(self._core.picture, getattr(self._core, "layers", None) or {}, lon, lat, max(RINGS_M))
        self._set_nearby_list(items)
        return items

    def _set_nearby_list(self, items: list[Any]) -> None:
        self._nearby = list(items)
        self._nearby_tree.clear()
        groups = (("camera", self.tr("视频监控")), ("resource", self.tr("应急资源")), ("device", self.tr("物联设备")))
        for kind, title in groups:
            things = [t for t in self._nearby if t.kind == kind]
            if not things:
                continue
            group = QTreeWidgetItem([self.tr("{title}（{n}）").format(title=title, n=len(things)), "", ""])
            group.setFlags(Qt.ItemFlag.ItemIsEnabled)
            rows = []
            for thing in things:
                row = QTreeWidgetItem([self._format_distance(thing.distance_m), thing.name, thing.detail])
                row.setData(0, Qt.ItemDataRole.UserRole, thing)
                row.setToolTip(1, thing.name)
                row.setTextAlignment(0, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if thing.status == "offline":
                    for col in range(3):
                        row.setForeground(col, QColor("#78909c"))
                rows.append(row)
            group.addChildren(rows)
            self._nearby_tree.addTopLevelItem(group)
            group.setFirstColumnSpanned(True)
            # Cameras and resources open; the (long) device list folded.
            group.setExpanded(kind != "device")
        self.nearby_changed.emit(list(self._nearby))

    def _nearby_json(self, items: list[Any]) -> list[dict[str, Any]]:
        out = []
        # Cameras and resources are ringed on the map; devices only listed (too many to ring).
        for t in [t for t in items if t.kind != "device"][:80]:
            lon, lat = self._pos(t.lon, t.lat)
            out.append(dict(t.to_json(), lon=lon, lat=lat))
        return out

    def _format_distance(self, metres: float) -> str:
        if metres < 1000:
            return self.tr("{m} 米").format(m=int(round(metres)))
        return self.tr("{km} 公里").format(km=f"{metres / 1000:.2f}")

    def _refresh_catalogue(self, layers: dict[str, Any]) -> None:
        infos = getattr(self._core, "layer_infos", None) or {}
        self.layer_panel.set_layers(layers, infos)
        # Jump list: streets, then their communities.
        current = [self._jump.itemData(i) for i in range(self._jump.count())]
        entries: list[tuple[str, str]] = []
        streets = (layers.get("streets") or {}).get("features") or []
        communities = (layers.get("communities") or {}).get("features") or []
        for s in streets:
            props = s.get("properties") or {}
            sid = str(s.get("id") or props.get("id") or "")
            entries.append((sid, str(props.get("name_zh") or sid)))
            for c in communities:
                cprops = c.get("properties") or {}
                if cprops.get("street") == sid:
                    cid = str(c.get("id") or cprops.get("id") or "")
                    entries.append((cid, "　" + str(cprops.get("name_zh") or cid)))
        if [None] + [e[0] for e in entries] == current:
            return
        self._jump.clear()
        self._jump.addItem(self.tr("定位到…"), None)
        for fid, name in entries:
            self._jump.addItem(name, fid)

    def _update_status(self) -> None:
        layers = len(self._layer_signature) + len(self._imported)
        self._status.setText(
            self.tr("态势地图 · 图层 {layers} · 告警 {alerts}").format(
                layers=layers, alerts=len(self._open_alerts)))

    def status_text(self) -> str:
        """The panel's own status line (the page shows the same counts)."""
        return self._status.text()

    def _register_layers_hook(self) -> None:
        self._core.layers_loaded.connect(self._layers_hook)

    def _unregister_layers_hook(self) -> None:
        self._core.layers_loaded.disconnect(self._layers_hook)

    def _on_file_dropped(self, path: str) -> None:
        self._side.show()
        self._side.setCurrentWidget(self.layer_panel)
        self.layer_panel.import_file(path)

    def dragEnterEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        """GeoJSON files may be dropped anywhere on the map."""
        self.layer_panel.dragEnterEvent(event)

    def dropEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        self.layer_panel.dropEvent(event)
        self._side.show()
        self._side.setCurrentWidget(self.layer_panel)

    def closeEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        """Stop listening to the core when the panel goes away."""
        self._layer_timer.stop()
        self._unregister_layers_hook()
        if self._tile_url is not None:
            self._tile_handler.remove_service(self._tile_key)
        disconnect_all((getattr(self._notifier, name, None), slot) for name, slot in (
            ("alerts_changed", self._on_alerts_changed),
            ("devices_changed", self._on_devices_changed),
            ("cameras_changed", self._on_cameras_changed),
            ("incidents_changed", self._on_incidents_changed),
            ("connection_changed", self._on_connection_changed),
        ))
        super().closeEvent(event)

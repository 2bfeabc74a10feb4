"""The map's web page and its bridge to JavaScript.

:func:`build_map_html` generates the Leaflet page once (folium, local assets only);
:class:`MapBridge` is the Python end of the page's QWebChannel (``consoleBridge`` in
``web/console_map.js``): signals that carry JSON to the page, slots the page calls;
:class:`MapPage` is the web engine page that logs the page's console and turns a file
dropped on it into an import instead of a navigation; :func:`make_map_view` puts the
three together in a web view.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QObject, Qt, QUrl, Signal, Slot
from PySide6.QtGui import QColor
from PySide6.QtWebChannel import QWebChannel
from PySide6.QtWebEngineCore import QWebEnginePage, QWebEngineSettings
from PySide6.QtWebEngineWidgets import QWebEngineView
from PySide6.QtWidgets import QWidget

from console.map_features import DISTRICT_CENTRE

log = logging.getLogger(__name__)

MAP_PAGE_DIR = Path(__file__).resolve().parent / "web"
"""Packaged assets of the map page; also the page's base URL."""


def _file_url(path: Path) -> str:
    return QUrl.fromLocalFile(str(path)).toString()


PAGE_LABELS: dict[str, Any] = {
    "title": QT_TRANSLATE_NOOP("MapPage", "坪山区 · 态势一张图"),
    "status": QT_TRANSLATE_NOOP("MapPage", "图层 {layers} · 告警 {alerts}"),
    "status_devices": QT_TRANSLATE_NOOP("MapPage", " · 设备 {n}"),
    "legend_alerts": QT_TRANSLATE_NOOP("MapPage", "预警"),
    "legend_points": QT_TRANSLATE_NOOP("MapPage", "点位"),
    "legend_video": QT_TRANSLATE_NOOP("MapPage", "视频"),
    "legend_device": QT_TRANSLATE_NOOP("MapPage", "设备"),
    "legend_offline": QT_TRANSLATE_NOOP("MapPage", "离线"),
    "legend_new_red": QT_TRANSLATE_NOOP("MapPage", "待签收红色预警"),
    "legend_clusters": QT_TRANSLATE_NOOP("MapPage", "聚合"),
    "legend_cluster_hint": QT_TRANSLATE_NOOP("MapPage", "（圆内为个数，点击放大）"),
    "offline_map": QT_TRANSLATE_NOOP("MapPage", "离线地图"),
    "coords_none": QT_TRANSLATE_NOOP("MapPage", "东经 —  北纬 —"),
    "coords": QT_TRANSLATE_NOOP("MapPage", "东经 {lon}°  北纬 {lat}°"),
    "level_short": {
        "red": QT_TRANSLATE_NOOP("MapPage", "红"),
        "orange": QT_TRANSLATE_NOOP("MapPage", "橙"),
        "yellow": QT_TRANSLATE_NOOP("MapPage", "黄"),
        "blue": QT_TRANSLATE_NOOP("MapPage", "蓝"),
    },
    "levels": {
        "red": QT_TRANSLATE_NOOP("MapPage", "红色预警"),
        "orange": QT_TRANSLATE_NOOP("MapPage", "橙色预警"),
        "yellow": QT_TRANSLATE_NOOP("MapPage", "黄色预警"),
        "blue": QT_TRANSLATE_NOOP("MapPage", "蓝色预警"),
    },
    "statuses": {
        "new": QT_TRANSLATE_NOOP("MapPage", "待签收"),
        "acknowledged": QT_TRANSLATE_NOOP("MapPage", "已签收"),
        "dispatched": QT_TRANSLATE_NOOP("MapPage", "已分拨"),
        "in_progress": QT_TRANSLATE_NOOP("MapPage", "处置中"),
        "resolved": QT_TRANSLATE_NOOP("MapPage", "已办结"),
        "closed": QT_TRANSLATE_NOOP("MapPage", "已闭环"),
    },
    "device_statuses": {
        "online": QT_TRANSLATE_NOOP("MapPage", "在线"),
        "offline": QT_TRANSLATE_NOOP("MapPage", "离线"),
        "fault": QT_TRANSLATE_NOOP("MapPage", "故障"),
    },
    # A device's and a camera's kind in their hover text (the row carries the kind's code;
    # the Chinese names are console.map_features' DEVICE_KIND_NAMES and CAMERA_KIND_NAMES).
    "device_kinds": {
        "river_level": QT_TRANSLATE_NOOP("MapPage", "河道水位"),
        "waterlogging": QT_TRANSLATE_NOOP("MapPage", "内涝积水"),
        "rain_gauge": QT_TRANSLATE_NOOP("MapPage", "雨量"),
        "slope_displacement": QT_TRANSLATE_NOOP("MapPage", "边坡位移"),
        "air_quality": QT_TRANSLATE_NOOP("MapPage", "空气质量"),
        "noise": QT_TRANSLATE_NOOP("MapPage", "噪声"),
        "smoke": QT_TRANSLATE_NOOP("MapPage", "烟感"),
        "hydrant_pressure": QT_TRANSLATE_NOOP("MapPage", "消火栓水压"),
        "manhole_cover": QT_TRANSLATE_NOOP("MapPage", "井盖"),
    },
    "camera_kinds": {
        "road": QT_TRANSLATE_NOOP("MapPage", "道路"),
        "river": QT_TRANSLATE_NOOP("MapPage", "河道"),
        "slope": QT_TRANSLATE_NOOP("MapPage", "边坡"),
        "park": QT_TRANSLATE_NOOP("MapPage", "公园"),
        "forest_fire": QT_TRANSLATE_NOOP("MapPage", "森林防火"),
        "public_building": QT_TRANSLATE_NOOP("MapPage", "公共建筑"),
    },
    "resources": {
        "rescue_team": QT_TRANSLATE_NOOP("MapPage", "救援队伍"),
        "shelter": QT_TRANSLATE_NOOP("MapPage", "避难场所"),
        "warehouse": QT_TRANSLATE_NOOP("MapPage", "物资仓库"),
    },
    # One-character badges drawn on the resource markers.
    "resource_glyphs": {
        "rescue_team": QT_TRANSLATE_NOOP("MapPage", "队"),
        "shelter": QT_TRANSLATE_NOOP("MapPage", "避"),
        "warehouse": QT_TRANSLATE_NOOP("MapPage", "库"),
        "other": QT_TRANSLATE_NOOP("MapPage", "资"),
    },
    "resource": QT_TRANSLATE_NOOP("MapPage", "应急资源"),
    "members": QT_TRANSLATE_NOOP("MapPage", "人员 {n} 人"),
    "capacity": QT_TRANSLATE_NOOP("MapPage", "可容纳 {n} 人"),
    "camera_kind": QT_TRANSLATE_NOOP("MapPage", "{kind}监控"),
    "online": QT_TRANSLATE_NOOP("MapPage", "在线"),
    "offline": QT_TRANSLATE_NOOP("MapPage", "离线"),
    "ptz": QT_TRANSLATE_NOOP("MapPage", "云台"),
    "camera_hint": QT_TRANSLATE_NOOP("MapPage", "点击上墙播放，或拖到视频墙的画面上"),
    "camera_cluster": QT_TRANSLATE_NOOP("MapPage", "视频监控 {n} 路"),
    "device_cluster": QT_TRANSLATE_NOOP("MapPage", "物联设备 {n} 个"),
    "cluster_offline": QT_TRANSLATE_NOOP("MapPage", "离线 {n}"),
    "cluster_fault": QT_TRANSLATE_NOOP("MapPage", "故障 {n}"),
    "list_separator": QT_TRANSLATE_NOOP("MapPage", "，"),
    "zoom_hint": QT_TRANSLATE_NOOP("MapPage", "点击放大"),
    "response_level": QT_TRANSLATE_NOOP("MapPage", "{level}级响应"),
    "metres": QT_TRANSLATE_NOOP("MapPage", "{m} 米"),
    "kilometres": QT_TRANSLATE_NOOP("MapPage", "{km} 公里"),
    "measure_start": QT_TRANSLATE_NOOP("MapPage", "起点"),
    "measure_total": QT_TRANSLATE_NOOP("MapPage", "总长 {d}"),
}
"""Every word the map page draws itself, in the source language (context ``MapPage``)."""


def _translated(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _translated(v) for k, v in value.items()}
    return QCoreApplication.translate("MapPage", value)


def page_labels() -> dict[str, Any]:
    """:data:`PAGE_LABELS` in the UI language.

    The page script (``web/console_map.js``) holds no text of its own: it gets this dict
    when the page is built (:func:`build_map_html`) and fills ``{name}`` fields itself.
    Data (alert titles, place and camera names) reaches the page as it is.
    """
    result: dict[str, Any] = _translated(PAGE_LABELS)
    return result


def build_map_html(labels: dict[str, Any] | None = None) -> str:
    """Generate the map page once: folium's Leaflet map with local assets only.

    ``labels`` are the page's own words (:func:`page_labels`, the default), handed to the
    page script with the map.

    folium's default CDN links (Leaflet, jQuery, Bootstrap, awesome-markers, Font
    Awesome) are replaced: Leaflet and markercluster come from their xstatic
    packages as ``file://`` URLs, the WebChannel script from Qt's resources, and the
    console's script and style relative to :data:`MAP_PAGE_DIR` (the base URL).
    folium (half a second to import) loads here, on the first map, not with the package:
    start-up imports ``tile_scheme`` from this package before the QApplication exists.
    """
    import folium
    import xstatic.pkg.leaflet as xs_leaflet
    import xstatic.pkg.leaflet_markercluster as xs_markercluster
    from branca.element import MacroElement
    from jinja2 import Template

    labels_json = json.dumps(page_labels() if labels is None else labels, ensure_ascii=False)

    class ConsoleInit(MacroElement):  # type: ignore[misc]
        """Hands the folium-created ``L.map`` to the console's page script."""

        _template = Template(
            """{% macro script(this, kwargs) %}
                window.consoleMap.init({{ this._parent.get_name() }}, {{ this.labels }});
            {% endmacro %}"""
        )

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
    init = ConsoleInit()
    init.labels = labels_json.replace("</", "<\\/")  # inside a <script>
    fmap.add_child(init)
    return str(fmap.get_root().render())


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


class MapPage(QWebEnginePage):
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


def make_map_view(parent: QWidget, bridge: MapBridge) -> tuple[QWebEngineView, MapPage]:
    """A web view whose page talks to ``bridge`` over a QWebChannel; the page is not loaded yet."""
    view = QWebEngineView(parent)
    page = MapPage(view)
    # Dark before the first paint: no white flash while Chromium starts.
    page.setBackgroundColor(QColor("#07111c"))
    settings = page.settings()
    settings.setAttribute(QWebEngineSettings.WebAttribute.LocalContentCanAccessFileUrls, True)
    settings.setAttribute(QWebEngineSettings.WebAttribute.LocalContentCanAccessRemoteUrls, False)
    channel = QWebChannel(page)
    channel.registerObject("consoleBridge", bridge)
    page.setWebChannel(channel)
    view.setPage(page)
    view.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
    # A file dropped on the map is a GeoJSON import, never a navigation of the page.
    view.setAcceptDrops(False)
    return view, page


def load_map_page(page: MapPage, html: str) -> None:
    """Load the generated page with :data:`MAP_PAGE_DIR` as its base URL (the console's own files)."""
    page.setHtml(html, QUrl.fromLocalFile(str(MAP_PAGE_DIR) + "/"))

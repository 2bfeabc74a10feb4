"""Situation map panel: a Leaflet page (built once with folium) in a QWebEngineView.

The page is generated once and never reloaded for data changes.  Boundaries, rivers
and roads come from ``core.layers`` (GeoJSON by layer id); open alerts and IoT devices
are pushed as batched JSON diffs over a QWebChannel bridge whenever the
:class:`~console.qt_bridge.PictureNotifier` reports changed ids.  Every script and
stylesheet is local (Leaflet and markercluster from their xstatic packages, the
console's own files from ``widgets/map_page``) so the map draws with no network.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Iterable

import folium
import xstatic.pkg.leaflet as xs_leaflet
import xstatic.pkg.leaflet_markercluster as xs_markercluster
from branca.element import MacroElement
from jinja2 import Template
from PySide6.QtCore import QObject, Qt, QTimer, QUrl, Signal, Slot
from PySide6.QtGui import QColor
from PySide6.QtWebChannel import QWebChannel
from PySide6.QtWebEngineCore import QWebEnginePage, QWebEngineSettings
from PySide6.QtWebEngineWidgets import QWebEngineView
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

log = logging.getLogger(__name__)

MAP_PAGE_DIR = Path(__file__).resolve().parent / "map_page"
"""Packaged assets of the map page; also the page's base URL."""

DISTRICT_CENTRE = (22.735, 114.35)
"""Where the map opens before the district boundary arrives (lat, lon)."""

_CST = timezone(timedelta(hours=8), "CST")
_CLOSED_STATUSES = frozenset({"resolved", "closed"})

STREET_NAMES = {
    "pingshan": "坪山街道",
    "maluan": "马峦街道",
    "biling": "碧岭街道",
    "shijing": "石井街道",
    "kengzi": "坑梓街道",
    "longtian": "龙田街道",
}

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
    if alert is None or alert.status in _CLOSED_STATUSES or alert.location is None:
        return None
    place = STREET_NAMES.get(alert.street or "", alert.street or "")
    return {
        "id": alert.id,
        "lat": alert.location.lat,
        "lon": alert.location.lon,
        "level": alert.level,
        "status": alert.status,
        "title": alert.title,
        "time": alert.created_at.astimezone(_CST).strftime("%m-%d %H:%M:%S"),
        "place": place,
    }


def device_marker(device: Any) -> dict[str, Any] | None:
    """The page's view of one IoT device."""
    if device is None:
        return None
    return {
        "id": device.id,
        "lat": device.location.lat,
        "lon": device.location.lon,
        "status": device.status,
        "name": device.name,
        "kind": DEVICE_KIND_NAMES.get(device.kind, device.kind),
    }


class MapBridge(QObject):
    """The Python end of the page's QWebChannel (registered as ``consoleBridge``).

    Signals carry JSON strings so that one batch crosses the channel as one message.
    """

    layersChanged = Signal(str)
    alertsChanged = Signal(str)
    devicesChanged = Signal(str)
    devicesVisibleChanged = Signal(bool)
    focusRequested = Signal(str)
    districtRequested = Signal()

    ready = Signal()
    alert_clicked = Signal(str)

    @Slot()
    def pageReady(self) -> None:  # noqa: N802 - called from JavaScript
        """The page has connected its handlers and wants the whole picture."""
        self.ready.emit()

    @Slot(str)
    def alertClicked(self, alert_id: str) -> None:  # noqa: N802 - called from JavaScript
        """A marker was clicked on the page."""
        self.alert_clicked.emit(alert_id)


class _ConsolePage(QWebEnginePage):
    """Keeps the page's console messages so that script errors are visible in logs and tests."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.console_messages: list[tuple[str, str]] = []

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


class MapPanel(QWidget):
    """Situation map: district boundaries and live alert markers on a dark Leaflet map.

    ``alert_selected(str)`` is emitted when the operator clicks an alert marker;
    :meth:`focus_alert` centres the map on an alert (e.g. when it is selected in
    the queue).
    """

    alert_selected = Signal(str)
    page_ready = Signal()

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

        self._bridge = MapBridge(self)
        self._bridge.ready.connect(self._on_page_ready)
        self._bridge.alert_clicked.connect(self.alert_selected)

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
        self._view.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)

        self._devices_button = QToolButton(self)
        self._devices_button.setText(self.tr("物联设备"))
        self._devices_button.setToolTip(self.tr("在地图上显示/隐藏物联感知设备"))
        self._devices_button.setCheckable(True)
        self._devices_button.toggled.connect(self.set_devices_visible)
        self._home_button = QToolButton(self)
        self._home_button.setText(self.tr("全区"))
        self._home_button.setToolTip(self.tr("缩放到坪山区全域"))
        self._home_button.clicked.connect(self.show_district)
        self._status = QLabel(self.tr("态势地图 · 加载中…"), self)
        self._status.setObjectName("MapPanelStatus")
        self._open_alerts: set[str] = set()
        self._pending_focus: str | None = None

        header = QHBoxLayout()
        header.setContentsMargins(4, 2, 4, 2)
        header.addWidget(self._status, 1)
        header.addWidget(self._home_button)
        header.addWidget(self._devices_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(header)
        layout.addWidget(self._view, 1)

        self._html = build_map_html()
        self._loaded: bool | None = None
        self._view.loadFinished.connect(self._on_load_finished)
        self._page.setHtml(self._html, QUrl.fromLocalFile(str(MAP_PAGE_DIR) + "/"))

        notifier.alerts_changed.connect(self._on_alerts_changed)
        notifier.devices_changed.connect(self._on_devices_changed)

        # Layers may arrive after the page: listen when the core offers a hook and
        # poll anyway (cheap: compares object ids) so a late or replaced dict is seen.
        self._layer_timer = QTimer(self)
        self._layer_timer.setInterval(self._LAYER_POLL_MS)
        self._layer_timer.timeout.connect(self._on_layer_poll)
        self._layer_timer.start()
        self._layers_hook: Callable[..., None] = self._on_layers_changed
        self._register_layers_hook()

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

    def console_messages(self) -> list[tuple[str, str]]:
        """JavaScript console messages seen so far (level name, text)."""
        return list(self._page.console_messages)

    @Slot(str)
    def focus_alert(self, alert_id: str) -> bool:
        """Centre the map on an alert; False when it has no location or is unknown."""
        alert = self._core.picture.alerts.get(alert_id)
        if alert is None or alert.location is None:
            return False
        payload = json.dumps({"id": alert_id, "lat": alert.location.lat, "lon": alert.location.lon})
        if self._ready:
            self._bridge.focusRequested.emit(payload)
        else:
            self._pending_focus = payload  # applied once the page is ready
        return True

    @Slot()
    def show_district(self) -> None:
        """Zoom out to the whole district."""
        if self._ready:
            self._bridge.districtRequested.emit()

    @Slot(bool)
    def set_devices_visible(self, visible: bool) -> None:
        """Show or hide IoT devices as small dots coloured by status."""
        self._devices_visible = bool(visible)
        if self._devices_button.isChecked() != self._devices_visible:
            self._devices_button.setChecked(self._devices_visible)
        if self._ready:
            self._bridge.devicesVisibleChanged.emit(self._devices_visible)

    # ------------------------------------------------------------------ handlers

    @Slot(bool)
    def _on_load_finished(self, ok: bool) -> None:
        self._loaded = ok
        if not ok:
            self._status.setText(self.tr("地图页面加载失败"))

    @Slot()
    def _on_page_ready(self) -> None:
        """Push the whole current picture: the page starts empty."""
        self._ready = True
        self._layer_signature = {}
        self._push_layers(force=True)
        alerts = [m for m in map(alert_marker, self._core.picture.alerts.values()) if m]
        self._open_alerts = {m["id"] for m in alerts}
        self._bridge.alertsChanged.emit(json.dumps({"reset": True, "upsert": alerts}))
        devices = [m for m in map(device_marker, self._core.picture.devices.values()) if m]
        self._bridge.devicesChanged.emit(json.dumps({"reset": True, "upsert": devices}))
        self._bridge.devicesVisibleChanged.emit(self._devices_visible)
        if self._pending_focus is not None:
            self._bridge.focusRequested.emit(self._pending_focus)
            self._pending_focus = None
        self._update_status()
        self.page_ready.emit()

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
            self._bridge.alertsChanged.emit(json.dumps({"upsert": upsert, "remove": remove}))
        self._update_status()

    def _on_devices_changed(self, ids: Iterable[str]) -> None:
        if not self._ready:
            return
        store = self._core.picture.devices
        upsert: list[dict[str, Any]] = []
        remove: list[str] = []
        for device_id in ids:
            marker = device_marker(store.get(device_id))
            if marker is None:
                remove.append(device_id)
            else:
                upsert.append(marker)
        if upsert or remove:
            self._bridge.devicesChanged.emit(json.dumps({"upsert": upsert, "remove": remove}))

    def _on_layers_changed(self, *_args: Any) -> None:
        """The core published its layers (``core.on_layers``): resend them all.

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
            layer_id: layers[layer_id]
            for layer_id, ident in signature.items()
            if force or self._layer_signature.get(layer_id) != ident
        }
        for layer_id in self._layer_signature:
            if layer_id not in signature:
                changed[layer_id] = None
        self._layer_signature = signature
        if changed:
            self._bridge.layersChanged.emit(json.dumps(changed, ensure_ascii=False))
        self._update_status()

    # ------------------------------------------------------------------ internals

    def _update_status(self) -> None:
        layers = len(self._layer_signature)
        self._status.setText(
            self.tr("态势地图 · 图层 {layers} · 告警 {alerts}").format(
                layers=layers, alerts=len(self._open_alerts)))

    def status_text(self) -> str:
        """The panel's own status line (the page shows the same counts)."""
        return self._status.text()

    def _register_layers_hook(self) -> None:
        hook = getattr(self._core, "on_layers", None)
        if isinstance(hook, list):
            hook.append(self._layers_hook)
        elif callable(hook):
            try:
                hook(self._layers_hook)
            except TypeError:
                log.debug("core.on_layers did not take a callback; polling only")

    def _unregister_layers_hook(self) -> None:
        hook = getattr(self._core, "on_layers", None)
        if isinstance(hook, list) and self._layers_hook in hook:
            hook.remove(self._layers_hook)

    def closeEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        """Stop listening to the core when the panel goes away."""
        self._layer_timer.stop()
        self._unregister_layers_hook()
        for signal, slot in (
            (self._notifier.alerts_changed, self._on_alerts_changed),
            (self._notifier.devices_changed, self._on_devices_changed),
        ):
            try:
                signal.disconnect(slot)
            except (RuntimeError, TypeError):
                pass
        super().closeEvent(event)

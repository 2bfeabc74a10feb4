"""The live overlays on the map page: the operating picture and the layers, kept in step.

:class:`OverlaySync` sends the page what it draws over the base map: open alerts,
active incidents, devices and cameras (rows, a whole store in chunks of
:data:`POINT_CHUNK` per event-loop turn), the gateway's and imported layers with their
styles.  The whole picture goes when the page is ready; after that only diffs, as the
:class:`~widgets.bridge.PictureNotifier` reports changed ids.  What each object looks like
on the page is :mod:`console.map_features`; this module only decides what to send when.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal, SignalInstance

from console.map_features import (
    OverlayDatum,
    alert_marker,
    camera_row,
    device_row,
    incident_marker,
)
from console.stores import OperatingPicture
from widgets.map.page import MapBridge

POINT_CHUNK = 10_000
"""Rows per message when the page gets a whole store: 100,000 devices go over ten
event-loop turns, so the window keeps answering meanwhile."""

_ROWS: dict[str, Callable[[Any], list[Any] | None]] = {"devices": device_row, "cameras": camera_row}


class OverlaySync(QObject):
    """Sends the picture and the layers to the page (see the module docstring).

    ``diff_drawn(kind, seq, ids, sent_at)`` while :attr:`track_diffs` (benches): a diff
    was painted. ``is_ready()`` says whether the page listens yet; before that nothing
    is sent (the page gets everything on :meth:`push_picture`).
    """

    diff_drawn = Signal(str, int, object, float)

    def __init__(self, picture: OperatingPicture, bridge: MapBridge, datum: OverlayDatum,
                 is_ready: Callable[[], bool], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._picture = picture
        self._bridge = bridge
        self._datum = datum
        self._is_ready = is_ready
        self.point_chunk = POINT_CHUNK
        self.track_diffs = False
        """Record each diff's ids and send time and emit :attr:`diff_drawn` when painted (benches)."""
        self.open_alerts: set[str] = set()
        self._diff_seq = itertools.count(1)
        self._point_push: dict[str, int] = {}  # kind → generation of the whole-store push (negative: done)
        self._diff_sent: dict[int, tuple[str, list[str], float]] = {}
        # Layers: what was sent (object ids), imported files, visibility/opacity by layer.
        self._layer_signature: dict[str, int] = {}
        self.imported: dict[str, dict[str, Any]] = {}
        self._layer_styles: dict[str, dict[str, Any]] = {}
        bridge.diff_drawn.connect(self._on_diff_drawn)

    # ------------------------------------------------------------------ the picture

    def push_picture(self) -> None:
        """The whole picture to a page that has just become ready (it starts empty)."""
        picture = self._picture
        alerts = self._datum.markers([m for m in map(alert_marker, picture.alerts.values()) if m])
        self.open_alerts = {m["id"] for m in alerts}
        self._bridge.alertsChanged.emit(json.dumps({"reset": True, "upsert": alerts}))
        self._push_points("cameras")
        self._push_points("devices")
        marks = self._datum.markers([m for m in map(incident_marker, picture.incidents.values()) if m])
        self._bridge.incidentsChanged.emit(json.dumps({"reset": True, "upsert": marks}, ensure_ascii=False))

    def alerts_changed(self, ids: Iterable[str]) -> None:
        """Send the changed alerts (a closed or unplaced alert leaves the map)."""
        if not self._is_ready():
            return  # the page receives everything on pageReady
        store = self._picture.alerts
        upsert: list[Any] = []
        remove: list[str] = []
        for alert_id in ids:
            marker = alert_marker(store.get(alert_id))
            if marker is None:
                remove.append(alert_id)
                self.open_alerts.discard(alert_id)
            else:
                upsert.append(marker)
                self.open_alerts.add(alert_id)
        if upsert or remove:
            self._emit_diff(self._bridge.alertsChanged, "alerts", self._datum.markers(upsert), remove)

    def incidents_changed(self, ids: Iterable[str] | None) -> None:
        """Send the changed incidents (one stood down leaves the map)."""
        if not self._is_ready() or ids is None:
            return
        store = self._picture.incidents
        upsert: list[Any] = []
        remove: list[str] = []
        for incident_id in ids:
            marker = incident_marker(store.get(incident_id))
            if marker is None:
                remove.append(incident_id)
            else:
                upsert.append(marker)
        if upsert or remove:
            self._emit_diff(self._bridge.incidentsChanged, "incidents", self._datum.markers(upsert), remove)

    def points_changed(self, ids: Iterable[str] | None, kind: str) -> None:
        """Send the changed devices or cameras (``kind``); a big batch resends the store."""
        if not self._is_ready() or ids is None:
            return
        ids = ids if isinstance(ids, (set, frozenset, list, tuple)) else list(ids)
        if len(ids) > self.point_chunk:
            self._push_points(kind)  # a new snapshot: the whole store again, in chunks
            return
        rows, gone = self._rows(kind, ids)
        if rows or gone:
            self._emit_diff(self._points_signal(kind), kind, rows, gone)

    def _points_signal(self, kind: str) -> SignalInstance:
        return self._bridge.devicesChanged if kind == "devices" else self._bridge.camerasChanged

    def _rows(self, kind: str, ids: Iterable[str]) -> tuple[list[list[Any]], list[str]]:
        """Rows of the objects ``ids`` still in the store, and the ids that are gone."""
        store = self._picture.devices if kind == "devices" else self._picture.cameras
        to_row = _ROWS[kind]
        rows: list[list[Any]] = []
        gone: list[str] = []
        for object_id in ids:
            row = to_row(store.get(object_id))
            if row is None:
                gone.append(object_id)
            else:
                rows.append(self._datum.row(row))
        return rows, gone

    def _push_points(self, kind: str) -> None:
        """The whole store of devices or cameras to the page, a chunk per event-loop turn.

        Each chunk is read from the store when it is sent, so a diff sent between two
        chunks is never overwritten by older data. A new push (page reloaded) ends the
        one under way.
        """
        store = self._picture.devices if kind == "devices" else self._picture.cameras
        generation = self._point_push[kind] = self._point_push.get(kind, 0) + 1
        ids = store.ids()
        signal = self._points_signal(kind)
        chunk = self.point_chunk

        def send(start: int) -> None:
            if self._point_push.get(kind) != generation or not self._is_ready():
                return
            rows, _gone = self._rows(kind, ids[start:start + chunk])
            last = start + chunk >= len(ids)
            signal.emit(json.dumps({"reset": start == 0, "upsert": rows, "done": last}, ensure_ascii=False))
            if last:
                self._point_push[kind] = -generation  # done: diffs flow as usual
            else:
                QTimer.singleShot(0, self, lambda: send(start + chunk))

        send(0)

    def _emit_diff(self, signal: SignalInstance, kind: str, upsert: list[Any], remove: list[str]) -> None:
        seq = next(self._diff_seq)
        if self.track_diffs:
            ids = [m[0] if isinstance(m, list) else m["id"] for m in upsert]
            self._diff_sent[seq] = (kind, ids + list(remove), time.perf_counter())
        body: dict[str, Any] = {"seq": seq, "upsert": upsert, "remove": remove, "track": self.track_diffs}
        signal.emit(json.dumps(body, ensure_ascii=False))

    def _on_diff_drawn(self, kind: str, seq: int) -> None:
        sent = self._diff_sent.pop(seq, None)
        if sent is not None:
            self.diff_drawn.emit(kind, seq, sent[1], sent[2])

    # ------------------------------------------------------------------ layers

    @property
    def layer_count(self) -> int:
        """Layers on the page: the gateway's and imported ones."""
        return len(self._layer_signature) + len(self.imported)

    def forget_layers(self) -> None:
        """The page was (re)loaded: the next :meth:`push_layers` sends every layer."""
        self._layer_signature = {}

    def push_layers(self, layers: dict[str, Any], force: bool) -> bool:
        """Send layers that are new or replaced since the last push (null = removed).

        Compares object ids: the core refills its dict in place, so ``force`` resends
        all (a replacement's new object may reuse a freed address). Returns False when
        nothing was looked at (page not ready, or nothing changed and not forced).
        """
        signature = {layer_id: id(geojson) for layer_id, geojson in layers.items()}
        if not self._is_ready() or (signature == self._layer_signature and not force):
            return False
        changed: dict[str, Any] = {
            layer_id: self._datum.doc(layers[layer_id])
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
                self.reapply_style(layer_id)
        return True

    def push_imported(self) -> None:
        """Every imported layer and every style set so far, to a page that has just become ready."""
        if self.imported:
            self._bridge.layersChanged.emit(json.dumps(
                {k: self._datum.doc(v) for k, v in self.imported.items()}, ensure_ascii=False))
        for layer_id in self._layer_styles:
            self.reapply_style(layer_id)

    def add_imported(self, layer_id: str, geojson: dict[str, Any]) -> None:
        """Draw an imported (already validated) GeoJSON layer."""
        self.imported[layer_id] = geojson
        if self._is_ready():
            self._bridge.layersChanged.emit(json.dumps({layer_id: self._datum.doc(geojson)}, ensure_ascii=False))
            self.reapply_style(layer_id)

    def set_style(self, layer_id: str, key: str, value: Any) -> None:
        """A layer's ``visible`` or ``opacity`` changed in the catalogue."""
        self._layer_styles.setdefault(layer_id, {})[key] = value
        self.reapply_style(layer_id)

    def reapply_style(self, layer_id: str) -> None:
        style = self._layer_styles.get(layer_id)
        if style and self._is_ready():
            self._bridge.layerStyleChanged.emit(json.dumps({"id": layer_id, **style}))

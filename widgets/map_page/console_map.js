/* Live layer of the Pingshan console map page.
 *
 * The page itself (Leaflet map, options, local assets) is generated once by folium on
 * the Python side; this script adds the console's panes, styles, controls and the
 * QWebChannel link.  Python pushes batched JSON diffs through the bridge object; the
 * page never reloads for data changes.  Everything is drawn on canvas renderers so
 * that thousands of markers stay cheap.
 */
(function () {
    "use strict";

    var LEVEL_COLOURS = { red: "#e53935", orange: "#fb8c00", yellow: "#fdd835", blue: "#1e88e5" };
    var LEVEL_NAMES = { red: "红色预警", orange: "橙色预警", yellow: "黄色预警", blue: "蓝色预警" };
    var LEVEL_RADIUS = { red: 8, orange: 7, yellow: 6, blue: 6 };
    var DEVICE_COLOURS = { online: "#4dd0e1", offline: "#546e7a", fault: "#ce93d8" };
    var DEVICE_STATUS_NAMES = { online: "在线", offline: "离线", fault: "故障" };
    var STATUS_NAMES = {
        "new": "待签收", acknowledged: "已签收", dispatched: "已分拨",
        in_progress: "处置中", resolved: "已办结", closed: "已闭环"
    };

    /* Basemap styles per layer id; unknown layers get the generic style. */
    var LAYER_STYLES = {
        district: { pane: "consoleBase", color: "#29b6f6", weight: 3, opacity: 0.95,
                    fillColor: "#0e2436", fillOpacity: 0.85 },
        communities: { pane: "consoleBase", color: "#2f5670", weight: 0.8, opacity: 0.9,
                       dashArray: "3 4", fillOpacity: 0 },
        streets: { pane: "consoleBase", color: "#4dd0e1", weight: 1.6, opacity: 0.8,
                   fillColor: "#123349", fillOpacity: 0.25 },
        rivers: { pane: "consoleLines", color: "#1e88e5", weight: 2.2, opacity: 0.85,
                  fillColor: "#1565c0", fillOpacity: 0.5 },
        roads: { pane: "consoleLines", color: "#8d6e63", weight: 1.3, opacity: 0.7,
                 fillOpacity: 0 }
    };
    var GENERIC_STYLE = { pane: "consoleLines", color: "#90a4ae", weight: 1, opacity: 0.6,
                          fillOpacity: 0.1 };
    var LAYER_ORDER = ["district", "streets", "communities", "rivers", "roads", "resources"];

    var state = {
        map: null,
        bridge: null,
        liveRenderer: null,
        baseRenderer: null,
        lineRenderer: null,
        layerGroups: {},      // layer id -> L.Layer currently drawn
        featureCounts: {},    // layer id -> features drawn
        labelCounts: {},      // layer id -> place-name labels drawn
        alerts: {},           // alert id -> L.CircleMarker
        alertCount: 0,
        devices: {},          // device id -> L.CircleMarker
        deviceCount: 0,
        alertGroup: null,
        deviceGroup: null,
        devicesVisible: false,
        userMoved: false,     // the operator panned/zoomed: stop following the panel's size
        focusRing: null,
        focusTimer: null,
        statusDiv: null
    };

    function escapeHtml(text) {
        return String(text === undefined || text === null ? "" : text)
            .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
            .replace(/"/g, "&quot;").replace(/'/g, "&#39;");
    }

    function featureName(props) {
        if (!props) { return ""; }
        return props.name_zh || props.name || props.NAME || props.label || "";
    }

    function updateStatus() {
        if (!state.statusDiv) { return; }
        var layers = Object.keys(state.layerGroups).length;
        var text = "图层 " + layers + " · 告警 " + state.alertCount;
        if (state.devicesVisible) { text += " · 设备 " + state.deviceCount; }
        state.statusDiv.textContent = text;
    }

    function makePane(name, zIndex, interactive) {
        var pane = state.map.createPane(name);
        pane.style.zIndex = String(zIndex);
        // Only the live pane takes the mouse: stacked canvases would hide each
        // other's hover and click events otherwise.
        if (!interactive) { pane.style.pointerEvents = "none"; }
        return pane;
    }

    function addControls() {
        var map = state.map;
        var Title = L.Control.extend({
            options: { position: "topleft" },
            onAdd: function () {
                var div = L.DomUtil.create("div", "console-title");
                div.textContent = "坪山区 · 态势一张图";
                return div;
            }
        });
        var Status = L.Control.extend({
            options: { position: "bottomleft" },
            onAdd: function () {
                var div = L.DomUtil.create("div", "console-status");
                div.id = "console-status";
                state.statusDiv = div;
                return div;
            }
        });
        var Legend = L.Control.extend({
            options: { position: "bottomright" },
            onAdd: function () {
                var div = L.DomUtil.create("div", "console-legend");
                var html = "预警";
                ["red", "orange", "yellow", "blue"].forEach(function (lv) {
                    html += '<span class="dot" style="background:' + LEVEL_COLOURS[lv] + '"></span>' +
                        LEVEL_NAMES[lv].charAt(0);
                });
                div.innerHTML = html;
                return div;
            }
        });
        map.zoomControl.setPosition("topright");
        new Title().addTo(map);
        new Status().addTo(map);
        new Legend().addTo(map);
        L.control.scale({ imperial: false, position: "bottomleft" }).addTo(map);
        var grid = L.DomUtil.create("div", "console-grid", map.getContainer());
        grid.setAttribute("aria-hidden", "true");
    }

    function onZoomChanged() {
        var container = state.map.getContainer();
        if (state.map.getZoom() >= 14) {
            L.DomUtil.removeClass(container, "hide-community-labels");
        } else {
            L.DomUtil.addClass(container, "hide-community-labels");
        }
    }

    /* ------------------------------------------------------------------ layers */

    var RESOURCE_KINDS = {
        rescue_team: { glyph: "队", name: "救援队伍", colour: "#7e57c2" },
        shelter: { glyph: "避", name: "避难场所", colour: "#43a047" },
        warehouse: { glyph: "库", name: "物资仓库", colour: "#8d6e63" }
    };

    function resourceTooltip(props) {
        var kind = RESOURCE_KINDS[props.kind] || { name: props.kind || "应急资源" };
        var lines = ["<b>" + escapeHtml(featureName(props)) + "</b>", escapeHtml(kind.name)];
        if (props.members) { lines.push("人员 " + escapeHtml(props.members) + " 人"); }
        if (props.capacity) { lines.push("可容纳 " + escapeHtml(props.capacity) + " 人"); }
        if (props.items) { lines.push(escapeHtml(props.items)); }
        return lines.join("<br>");
    }

    /* Emergency resources are few: small DOM badges (clusterable), not canvas dots. */
    function resourcePointLayer(feature, latlng) {
        var props = feature.properties || {};
        var kind = RESOURCE_KINDS[props.kind] || { glyph: "资", colour: "#546e7a" };
        var icon = L.divIcon({
            className: "console-resource",
            html: '<span style="background:' + kind.colour + '">' + kind.glyph + "</span>",
            iconSize: [18, 18], iconAnchor: [9, 9]
        });
        var marker = L.marker(latlng, { icon: icon, keyboard: false });
        marker.bindTooltip(resourceTooltip(props), { className: "console-tip", direction: "top", offset: [0, -8] });
        return marker;
    }

    /* Label position: the feature's own "centre" [lon, lat] when given, else the polygon's. */
    function labelLatLng(feature, layer) {
        var c = feature.properties && feature.properties.centre;
        if (c && c.length === 2) { return L.latLng(c[1], c[0]); }
        return layer.getBounds ? layer.getBounds().getCenter() : null;
    }

    function buildLayer(layerId, geojson) {
        var style = LAYER_STYLES[layerId] || GENERIC_STYLE;
        var renderer = style.pane === "consoleBase" ? state.baseRenderer : state.lineRenderer;
        var count = 0;
        var points = [];
        var labels = [];
        var labelClass = layerId === "streets" ? "street-label" : (layerId === "communities" ? "community-label" : null);
        var geo = L.geoJSON(geojson, {
            style: function () {
                var s = {};
                for (var k in style) { if (k !== "pane") { s[k] = style[k]; } }
                s.interactive = false;
                s.renderer = renderer;
                return s;
            },
            pointToLayer: function (feature, latlng) {
                return resourcePointLayer(feature, latlng);
            },
            onEachFeature: function (feature, layer) {
                count += 1;
                if (layer instanceof L.Marker) { points.push(layer); return; }
                var name = featureName(feature.properties);
                if (!labelClass || !name) { return; }
                var at = labelLatLng(feature, layer);
                if (!at) { return; }
                labels.push(L.marker(at, {
                    pane: "consoleLabels", interactive: false, keyboard: false,
                    icon: L.divIcon({ className: "console-label " + labelClass, iconSize: null,
                                      html: "<span>" + escapeHtml(name) + "</span>" })
                }));
            }
        });
        var parts = [geo];
        if (points.length > 0 && typeof L.markerClusterGroup === "function") {
            // Point layers cluster so that a dense resource store stays readable.
            points.forEach(function (m) { geo.removeLayer(m); });
            var cluster = L.markerClusterGroup({ chunkedLoading: true, showCoverageOnHover: false,
                                                 maxClusterRadius: 30 });
            cluster.addLayers(points);
            parts.push(cluster);
        }
        if (labels.length > 0) { parts.push(L.layerGroup(labels)); }
        state.featureCounts[layerId] = count;
        state.labelCounts[layerId] = labels.length;
        var group = L.featureGroup(parts);
        group.geo = geo;
        return group;
    }

    function applyLayers(layers) {
        var ids = Object.keys(layers);
        // Draw in a fixed order so that boundaries sit under rivers and roads.
        ids.sort(function (a, b) {
            var ia = LAYER_ORDER.indexOf(a), ib = LAYER_ORDER.indexOf(b);
            return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || (a < b ? -1 : 1);
        });
        ids.forEach(function (layerId) {
            if (state.layerGroups[layerId]) {
                state.map.removeLayer(state.layerGroups[layerId]);
                delete state.layerGroups[layerId];
                delete state.featureCounts[layerId];
                delete state.labelCounts[layerId];
            }
            var geojson = layers[layerId];
            if (!geojson) { return; }
            var layer = buildLayer(layerId, geojson);
            layer.addTo(state.map);
            state.layerGroups[layerId] = layer;
        });
        if (!state.userMoved) { fitDistrict(); }
        onZoomChanged();
        updateStatus();
    }

    /* ------------------------------------------------------------------ alerts */

    function alertTooltip(a) {
        var colour = LEVEL_COLOURS[a.level] || "#90a4ae";
        return '<span class="lv" style="background:' + colour + '">' +
            escapeHtml(LEVEL_NAMES[a.level] || a.level) + "</span><b>" + escapeHtml(a.title) + "</b><br>" +
            escapeHtml(a.time) + " · " + escapeHtml(STATUS_NAMES[a.status] || a.status || "") +
            (a.place ? " · " + escapeHtml(a.place) : "");
    }

    function alertStyle(a) {
        var colour = LEVEL_COLOURS[a.level] || "#90a4ae";
        // A wide translucent stroke reads as a halo on the dark map, red ones widest.
        return {
            radius: LEVEL_RADIUS[a.level] || 6,
            color: colour, opacity: 0.45, weight: a.level === "red" ? 7 : 4,
            fillColor: colour, fillOpacity: 0.95
        };
    }

    function upsertAlert(a) {
        var marker = state.alerts[a.id];
        var latlng = [a.lat, a.lon];
        if (marker) {
            marker.setLatLng(latlng);
            marker.setStyle(alertStyle(a));
            marker.setRadius(alertStyle(a).radius);
            marker.setTooltipContent(alertTooltip(a));
            return;
        }
        var opts = alertStyle(a);
        opts.renderer = state.liveRenderer;
        marker = L.circleMarker(latlng, opts);
        marker.alertId = a.id;
        marker.bindTooltip(alertTooltip(a), { className: "console-tip", direction: "top", offset: [0, -6] });
        marker.on("click", function () {
            if (state.bridge) { state.bridge.alertClicked(marker.alertId); }
        });
        marker.addTo(state.alertGroup);
        state.alerts[a.id] = marker;
        state.alertCount += 1;
    }

    function removeAlert(id) {
        var marker = state.alerts[id];
        if (!marker) { return; }
        state.alertGroup.removeLayer(marker);
        delete state.alerts[id];
        state.alertCount -= 1;
    }

    function applyAlerts(diff) {
        if (diff.reset) {
            state.alertGroup.clearLayers();
            state.alerts = {};
            state.alertCount = 0;
        }
        (diff.remove || []).forEach(removeAlert);
        (diff.upsert || []).forEach(upsertAlert);
        updateStatus();
    }

    /* ------------------------------------------------------------------ devices */

    function deviceTooltip(d) {
        return "<b>" + escapeHtml(d.name) + "</b><br>" + escapeHtml(d.kind) + " · " +
            escapeHtml(DEVICE_STATUS_NAMES[d.status] || d.status);
    }

    function deviceStyle(d) {
        var colour = DEVICE_COLOURS[d.status] || "#90a4ae";
        return { radius: 3, color: colour, weight: 1, opacity: 0.9, fillColor: colour, fillOpacity: 0.8 };
    }

    function upsertDevice(d) {
        var marker = state.devices[d.id];
        if (marker) {
            marker.setLatLng([d.lat, d.lon]);
            marker.setStyle(deviceStyle(d));
            marker.setTooltipContent(deviceTooltip(d));
            return;
        }
        var opts = deviceStyle(d);
        opts.renderer = state.liveRenderer;
        marker = L.circleMarker([d.lat, d.lon], opts);
        marker.bindTooltip(deviceTooltip(d), { className: "console-tip", direction: "top" });
        marker.addTo(state.deviceGroup);
        state.devices[d.id] = marker;
        state.deviceCount += 1;
    }

    function applyDevices(diff) {
        if (diff.reset) {
            state.deviceGroup.clearLayers();
            state.devices = {};
            state.deviceCount = 0;
        }
        (diff.remove || []).forEach(function (id) {
            var marker = state.devices[id];
            if (!marker) { return; }
            state.deviceGroup.removeLayer(marker);
            delete state.devices[id];
            state.deviceCount -= 1;
        });
        (diff.upsert || []).forEach(upsertDevice);
        if (state.devicesVisible) {
            // Devices are context: keep every alert drawn above them.
            Object.keys(state.alerts).forEach(function (id) { state.alerts[id].bringToFront(); });
        }
        updateStatus();
    }

    function setDevicesVisible(visible) {
        state.devicesVisible = !!visible;
        if (state.devicesVisible) {
            state.deviceGroup.addTo(state.map);
            Object.keys(state.alerts).forEach(function (id) { state.alerts[id].bringToFront(); });
        } else {
            state.map.removeLayer(state.deviceGroup);
        }
        updateStatus();
    }

    /* ------------------------------------------------------------------ focus */

    function focusAlert(target) {
        state.userMoved = true;
        var latlng = L.latLng(target.lat, target.lon);
        state.map.setView(latlng, Math.max(state.map.getZoom(), 15));
        if (state.focusRing) { state.map.removeLayer(state.focusRing); }
        if (state.focusTimer) { clearTimeout(state.focusTimer); }
        state.focusRing = L.circleMarker(latlng, {
            renderer: state.liveRenderer, radius: 18, color: "#ffffff", weight: 2,
            dashArray: "4 3", fill: false, interactive: false
        }).addTo(state.map);
        state.focusTimer = setTimeout(function () {
            if (state.focusRing) { state.map.removeLayer(state.focusRing); state.focusRing = null; }
        }, 4000);
        var marker = state.alerts[target.id];
        if (marker) { marker.openTooltip(); }
    }

    /* Fit the whole district into the view; false while the boundary is unknown. */
    function fitDistrict() {
        var district = state.layerGroups.district;
        if (!district || !district.geo.getBounds().isValid()) { return false; }
        state.map.fitBounds(district.geo.getBounds(), { padding: [12, 12] });
        return true;
    }

    function showDistrict() {
        state.userMoved = false;
        if (!fitDistrict()) { state.map.setView(state.map.options.center, 12); }
    }

    /* Until the operator moves the map, it follows the panel's size (docks resize). */
    function watchOperator() {
        var map = state.map;
        var moved = function () { state.userMoved = true; };
        map.on("dragstart", moved);
        var container = map.getContainer();
        container.addEventListener("wheel", moved, { passive: true });
        container.addEventListener("dblclick", moved);
        container.querySelectorAll(".leaflet-control-zoom a").forEach(function (a) {
            a.addEventListener("click", moved);
        });
        map.on("resize", function () { if (!state.userMoved) { fitDistrict(); } });
    }

    /* ------------------------------------------------------------------ wiring */

    function connectChannel() {
        if (typeof QWebChannel === "undefined" || typeof qt === "undefined") {
            // Opened outside Qt (e.g. in a browser for debugging): static map only.
            window.consoleMapReady = true;
            return;
        }
        new QWebChannel(qt.webChannelTransport, function (channel) {
            var bridge = channel.objects.consoleBridge;
            state.bridge = bridge;
            bridge.layersChanged.connect(function (json) { applyLayers(JSON.parse(json)); });
            bridge.alertsChanged.connect(function (json) { applyAlerts(JSON.parse(json)); });
            bridge.devicesChanged.connect(function (json) { applyDevices(JSON.parse(json)); });
            bridge.devicesVisibleChanged.connect(setDevicesVisible);
            bridge.focusRequested.connect(function (json) { focusAlert(JSON.parse(json)); });
            bridge.districtRequested.connect(showDistrict);
            window.consoleMapReady = true;
            // Python answers with the whole current picture.
            bridge.pageReady();
        });
    }

    function init(map) {
        state.map = map;
        // No tile layer yet, so nothing has set the zoom range (markercluster needs it).
        if (map.options.maxZoom === undefined) { map.setMaxZoom(18); }
        if (map.options.minZoom === undefined) { map.setMinZoom(9); }
        // Demo geodata needs no attribution line (tiles will bring their own).
        if (map.attributionControl) { map.removeControl(map.attributionControl); }
        makePane("consoleBase", 350, false);
        makePane("consoleLines", 360, false);
        makePane("consoleLabels", 420, false);
        makePane("consoleLive", 450, true);
        state.baseRenderer = L.canvas({ pane: "consoleBase", padding: 0.3 });
        state.lineRenderer = L.canvas({ pane: "consoleLines", padding: 0.3 });
        state.liveRenderer = L.canvas({ pane: "consoleLive", padding: 0.3, tolerance: 3 });
        state.alertGroup = L.featureGroup().addTo(map);
        state.deviceGroup = L.featureGroup();
        addControls();
        watchOperator();
        map.on("zoomend", onZoomChanged);
        onZoomChanged();
        updateStatus();
        connectChannel();
    }

    window.consoleMapErrors = [];
    window.addEventListener("error", function (ev) {
        window.consoleMapErrors.push(String(ev.message));
    });

    /* Introspection used by the panel's tests and the status line. */
    window.consoleMap = {
        init: init,
        applyLayers: applyLayers,
        applyAlerts: applyAlerts,
        applyDevices: applyDevices,
        setDevicesVisible: setDevicesVisible,
        focusAlert: focusAlert,
        showDistrict: showDistrict,
        userMoved: function () { return state.userMoved; },
        map: function () { return state.map; },
        featureCount: function (layerId) { return state.featureCounts[layerId] || 0; },
        labelCount: function (layerId) { return state.labelCounts[layerId] || 0; },
        layerCount: function () { return Object.keys(state.layerGroups).length; },
        alertCount: function () { return state.alertCount; },
        alertIds: function () { return Object.keys(state.alerts).sort(); },
        alertColour: function (id) {
            var m = state.alerts[id];
            return m ? m.options.fillColor : null;
        },
        deviceCount: function () { return state.deviceCount; },
        devicesVisible: function () { return state.devicesVisible && state.map.hasLayer(state.deviceGroup); },
        statusText: function () { return state.statusDiv ? state.statusDiv.textContent : ""; },
        clickAlert: function (id) {
            var m = state.alerts[id];
            if (m) { m.fire("click"); return true; }
            return false;
        }
    };
})();

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
    /* The page's own words, in the UI language: handed over by Python with the map
       (widgets/map/page.py page_labels(), translated there); this script holds no text. */
    var T = {};

    /* T[key] with its {name} fields filled in; a missing key shows as the key. */
    function tr(key, params) {
        var text = T[key] === undefined ? key : String(T[key]);
        Object.keys(params || {}).forEach(function (name) {
            text = text.split("{" + name + "}").join(String(params[name]));
        });
        return text;
    }

    /* T[table][key], or the key itself (an id the labels do not know). */
    function named(table, key) {
        var names = T[table] || {};
        return names[key] === undefined ? key : names[key];
    }
    var LEVEL_RADIUS = { red: 8, orange: 7, yellow: 6, blue: 6 };
    var DEVICE_COLOURS = { online: "#4dd0e1", offline: "#5f6b73", fault: "#ce93d8" };
    /* Devices are coloured by kind while online; grey when offline, magenta ring on fault. */
    var DEVICE_KIND_COLOURS = {
        river_level: "#29b6f6", waterlogging: "#4fc3f7", rain_gauge: "#81d4fa",
        slope_displacement: "#ffb74d", air_quality: "#aed581", noise: "#b39ddb",
        smoke: "#ff8a65", hydrant_pressure: "#e57373", manhole_cover: "#90a4ae"
    };
    var CAMERA_COLOUR = "#00e5ff";
    /* Clusters of the point layers: cameras teal with a white rim, devices indigo. */
    var CAMERA_CLUSTER = { fill: "rgba(0, 96, 120, 0.85)", stroke: "rgba(224, 247, 250, 0.95)", text: "#e0f7fa",
                           minRadius: 8, maxRadius: 15 };
    var DEVICE_CLUSTER = { fill: "rgba(57, 73, 171, 0.6)", stroke: "rgba(159, 168, 218, 0.9)", text: "#e8eaf6",
                           minRadius: 10, maxRadius: 21 };
    var RING_COLOURS = { 500: "#ff5252", 1000: "#ffab40", 3000: "#ffee58" };

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
    /* Over raster base tiles the vectors become outlines only: the tiles carry the fills,
       the water, the roads and the labels. */
    var TILE_LAYER_STYLES = {
        district: { pane: "consoleBase", color: "#40c4ff", weight: 3, opacity: 0.95, fillOpacity: 0 },
        streets: { pane: "consoleBase", color: "#80deea", weight: 1.4, opacity: 0.55, fillOpacity: 0 },
        communities: { pane: "consoleBase", color: "#4f7a94", weight: 0.6, opacity: 0.0, fillOpacity: 0 },
        rivers: { pane: "consoleLines", color: "#1e88e5", weight: 0, opacity: 0, fillOpacity: 0 },
        roads: { pane: "consoleLines", color: "#d7b45a", weight: 0, opacity: 0, fillOpacity: 0 }
    };
    var IMPORTED_STYLE = { pane: "consoleLines", color: "#ff7043", weight: 2, opacity: 0.9,
                           fillColor: "#ff7043", fillOpacity: 0.2 };
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
        alertGroup: null,
        deviceLayer: null,    // PointLayer of the IoT devices (on the map while shown)
        devicesVisible: false,
        userMoved: false,     // the operator panned/zoomed: stop following the panel's size
        focusRing: null,
        focusTimer: null,
        statusDiv: null,
        layerData: {},        // layer id -> GeoJSON as received (rebuilt on style changes)
        layerOpts: {},        // layer id -> {visible, opacity} from the layer catalogue
        baseTiles: null,      // {url, minZoom, maxZoom, maxNativeZoom} once Python configured tiles
        tileLayer: null,
        tileStats: { loaded: 0, errors: 0 },
        modeDiv: null,
        coordDiv: null,
        cameraLayer: null,    // PointLayer of the cameras
        pointTip: null,       // the one tooltip of the point layers
        incidents: {},        // incident id -> L.Circle (area of an active incident)
        incidentGroup: null,
        pulse: {},            // alert id -> halo marker while red and not acknowledged
        pulseRenderer: null,
        pulsePhase: 0,
        selectedId: null,
        selectRing: null,
        toolGroup: null,      // radius rings and nearby highlights
        incidentView: null,   // show_incident(): area, rings, nearby
        measure: { on: false, points: [], line: null, label: null, total: 0 },
        frames: null          // requestAnimationFrame intervals while sampling (bench)
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
        var text = tr("status", { layers: layers, alerts: state.alertCount });
        if (state.devicesVisible) { text += tr("status_devices", { n: state.deviceLayer.count() }); }
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
                div.textContent = tr("title");
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
                var html = escapeHtml(tr("legend_alerts"));
                ["red", "orange", "yellow", "blue"].forEach(function (lv) {
                    html += '<span class="dot" style="background:' + LEVEL_COLOURS[lv] + '"></span>' +
                        escapeHtml(named("level_short", lv));
                });
                html += "<br>" + escapeHtml(tr("legend_points")) +
                    '<span class="dot cam" style="background:' + CAMERA_COLOUR + '"></span>' +
                    escapeHtml(tr("legend_video")) +
                    '<span class="dot" style="background:' + DEVICE_KIND_COLOURS.waterlogging + '"></span>' +
                    escapeHtml(tr("legend_device")) +
                    '<span class="dot" style="background:' + DEVICE_COLOURS.offline + '"></span>' +
                    escapeHtml(tr("legend_offline")) +
                    '<span class="dot ring"></span>' + escapeHtml(tr("legend_new_red")) +
                    "<br>" + escapeHtml(tr("legend_clusters")) +
                    '<span class="dot" style="background:' + CAMERA_CLUSTER.fill + '"></span>' +
                    escapeHtml(tr("legend_video")) +
                    '<span class="dot" style="background:' + DEVICE_CLUSTER.fill + '"></span>' +
                    escapeHtml(tr("legend_device") + tr("legend_cluster_hint"));
                div.innerHTML = html;
                return div;
            }
        });
        map.zoomControl.setPosition("topright");
        new Title().addTo(map);
        var Mode = L.Control.extend({
            options: { position: "topleft" },
            onAdd: function () {
                var div = L.DomUtil.create("div", "console-mode");
                div.textContent = tr("offline_map");
                div.style.display = "none";
                state.modeDiv = div;
                return div;
            }
        });
        var Coords = L.Control.extend({
            options: { position: "bottomleft" },
            onAdd: function () {
                var div = L.DomUtil.create("div", "console-coords");
                div.textContent = tr("coords_none");
                state.coordDiv = div;
                return div;
            }
        });
        new Mode().addTo(map);
        new Coords().addTo(map);
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

    var RESOURCE_COLOURS = { rescue_team: "#7e57c2", shelter: "#43a047", warehouse: "#8d6e63" };

    function resourceTooltip(props) {
        var kind = (T.resources || {})[props.kind] || props.kind || tr("resource");
        var lines = ["<b>" + escapeHtml(featureName(props)) + "</b>", escapeHtml(kind)];
        if (props.members) { lines.push(escapeHtml(tr("members", { n: props.members }))); }
        if (props.capacity) { lines.push(escapeHtml(tr("capacity", { n: props.capacity }))); }
        if (props.items) { lines.push(escapeHtml(props.items)); }
        return lines.join("<br>");
    }

    /* Emergency resources are few: small DOM badges (clusterable), not canvas dots. */
    function resourcePointLayer(feature, latlng) {
        var props = feature.properties || {};
        var known = RESOURCE_COLOURS[props.kind] !== undefined;
        var kind = { glyph: escapeHtml(named("resource_glyphs", known ? props.kind : "other")),
                     colour: known ? RESOURCE_COLOURS[props.kind] : "#546e7a" };
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

    function styleFor(layerId) {
        if (layerId.indexOf("imported-") === 0) { return IMPORTED_STYLE; }
        if (state.baseTiles && TILE_LAYER_STYLES[layerId]) { return TILE_LAYER_STYLES[layerId]; }
        return LAYER_STYLES[layerId] || GENERIC_STYLE;
    }

    function buildLayer(layerId, geojson) {
        var style = styleFor(layerId);
        var opts = state.layerOpts[layerId] || {};
        var alpha = opts.opacity === undefined ? 1 : opts.opacity;
        var renderer = style.pane === "consoleBase" ? state.baseRenderer : state.lineRenderer;
        var count = 0;
        var points = [];
        var labels = [];
        var labelClass = layerId === "streets" ? "street-label" : (layerId === "communities" ? "community-label" : null);
        var geo = L.geoJSON(geojson, {
            style: function () {
                var s = {};
                for (var k in style) { if (k !== "pane") { s[k] = style[k]; } }
                if (s.opacity !== undefined) { s.opacity *= alpha; }
                if (s.fillOpacity !== undefined) { s.fillOpacity *= alpha; }
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
            if (!geojson) { delete state.layerData[layerId]; return; }
            state.layerData[layerId] = geojson;
            var layer = buildLayer(layerId, geojson);
            var opts = state.layerOpts[layerId] || {};
            if (opts.visible !== false) { layer.addTo(state.map); }
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
            escapeHtml(named("levels", a.level)) + "</span><b>" + escapeHtml(a.title) + "</b><br>" +
            escapeHtml(a.time) + " · " + escapeHtml(named("statuses", a.status || "")) +
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
            selectAlert(marker.alertId);
            if (state.bridge) { state.bridge.alertClicked(marker.alertId); }
        });
        marker.addTo(state.alertGroup);
        state.alerts[a.id] = marker;
        state.alertCount += 1;
    }

    /* A red alert nobody has acknowledged yet pulses (a halo on its own canvas, so the
       animation repaints a handful of halos, not the thousands of markers below). */
    function syncPulse(a) {
        var wants = a.level === "red" && a.status === "new";
        var halo = state.pulse[a.id];
        if (wants && !halo) {
            halo = L.circleMarker([a.lat, a.lon], {
                renderer: state.pulseRenderer, radius: 10, color: LEVEL_COLOURS.red, weight: 3,
                opacity: 0.8, fill: false, interactive: false
            }).addTo(state.map);
            state.pulse[a.id] = halo;
        } else if (wants && halo) {
            halo.setLatLng([a.lat, a.lon]);
        } else if (!wants && halo) {
            state.map.removeLayer(halo);
            delete state.pulse[a.id];
        }
    }

    function animatePulse() {
        var ids = Object.keys(state.pulse);
        if (ids.length > 0) {
            state.pulsePhase = (state.pulsePhase + 0.06) % 1;
            var r = 9 + 14 * state.pulsePhase;
            var op = 0.85 * (1 - state.pulsePhase);
            ids.forEach(function (id) {
                var halo = state.pulse[id];
                halo.setRadius(r);
                halo.setStyle({ opacity: op });
            });
        }
        setTimeout(animatePulse, 60);
    }

    function selectAlert(id) {
        state.selectedId = id || null;
        placeSelectRing();
    }

    function placeSelectRing() {
        var marker = state.selectedId ? state.alerts[state.selectedId] : null;
        if (!marker) {
            if (state.selectRing) { state.map.removeLayer(state.selectRing); state.selectRing = null; }
            return;
        }
        if (!state.selectRing) {
            state.selectRing = L.circleMarker(marker.getLatLng(), {
                renderer: state.pulseRenderer, radius: 13, color: "#ffffff", weight: 2.5,
                opacity: 0.95, fill: false, interactive: false
            }).addTo(state.map);
        } else {
            state.selectRing.setLatLng(marker.getLatLng());
        }
    }

    function removeAlert(id) {
        var marker = state.alerts[id];
        if (!marker) { return; }
        state.alertGroup.removeLayer(marker);
        delete state.alerts[id];
        state.alertCount -= 1;
        if (state.pulse[id]) { state.map.removeLayer(state.pulse[id]); delete state.pulse[id]; }
    }

    function applyAlerts(diff) {
        if (diff.reset) {
            state.alertGroup.clearLayers();
            state.alerts = {};
            state.alertCount = 0;
            Object.keys(state.pulse).forEach(function (id) { state.map.removeLayer(state.pulse[id]); });
            state.pulse = {};
        }
        (diff.remove || []).forEach(removeAlert);
        (diff.upsert || []).forEach(function (a) { upsertAlert(a); syncPulse(a); });
        placeSelectRing();
        updateStatus();
        reportDrawn("alerts", diff);
    }

    /* The bench's latency probe: answer after the frame that shows the diff. */
    function reportDrawn(kind, diff) {
        if (!diff.track || !state.bridge) { return; }
        requestAnimationFrame(function () { state.bridge.diffDrawn(kind, diff.seq); });
    }

    /* ------------------------------------------------------------------ point layers */

    /* Devices and cameras come by the ten thousand (100,000 devices, 10,000 cameras at the
       plan's scale): one Leaflet marker each took seconds to make and a solid blob to draw.
       A PointLayer keeps plain arrays (rows as Python sends them, positions in Web Mercator
       units) and draws on its own canvas after each move: below ``clusterBelow`` zoom a
       grid of clusters (a circle with the count), from there on one dot per point. The
       grid is in world pixels, so clusters stay put while the map pans. Hover, click and
       press are answered from what the last draw put where (pointHit). */
    var PointLayer = L.Layer.extend({
        options: { pane: "overlayPane", clusterBelow: 15, cellPx: 64, gridOffsetPx: 0, padding: 0.15 },

        initialize: function (options) {
            L.setOptions(this, options);
            this.rows = [];       // slot -> row (Python's array: id, lat, lon, status, …)
            this.mx = [];         // slot -> x in Web Mercator units [0, 1)
            this.my = [];         // slot -> y in Web Mercator units [0, 1)
            this.slot = {};       // id -> slot
            this.drawn = [];      // what the last draw put on the canvas: {x, y, r, slot | cluster}
            this.settled = true;  // false from a change until the next draw
            this._frame = null;
        },

        count: function () { return this.rows.length; },

        row: function (id) {
            var i = this.slot[id];
            return i === undefined ? null : this.rows[i];
        },

        clear: function () {
            this.rows = []; this.mx = []; this.my = []; this.slot = {};
            this.changed();
        },

        upsert: function (row) {
            var lat = Math.max(Math.min(row[1], 85.0511287798), -85.0511287798);
            var x = (row[2] + 180) / 360;
            var s = Math.sin(lat * Math.PI / 180);
            var y = 0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI);
            var i = this.slot[row[0]];
            if (i === undefined) {
                i = this.rows.length;
                this.slot[row[0]] = i;
                this.rows.push(row); this.mx.push(x); this.my.push(y);
            } else {
                this.rows[i] = row; this.mx[i] = x; this.my[i] = y;
            }
        },

        remove: function (id) {
            var i = this.slot[id];
            if (i === undefined) { return; }
            var last = this.rows.length - 1;
            if (i !== last) {  // the last point fills the hole: arrays stay dense
                this.rows[i] = this.rows[last]; this.mx[i] = this.mx[last]; this.my[i] = this.my[last];
                this.slot[this.rows[i][0]] = i;
            }
            this.rows.pop(); this.mx.pop(); this.my.pop();
            delete this.slot[id];
        },

        changed: function () {
            this.settled = false;
            this.schedule();
        },

        onAdd: function (map) {
            this._canvas = L.DomUtil.create("canvas", "console-points");
            this._canvas.style.pointerEvents = "none";
            this.getPane().appendChild(this._canvas);
            map.on("moveend zoomend resize viewreset", this.schedule, this);
            this.settled = false;
            this.redraw();
        },

        onRemove: function (map) {
            map.off("moveend zoomend resize viewreset", this.schedule, this);
            if (this._frame) { L.Util.cancelAnimFrame(this._frame); this._frame = null; }
            L.DomUtil.remove(this._canvas);
            this._canvas = null;
            this.drawn = [];
        },

        schedule: function () {
            if (!this._map || this._frame) { return; }
            var self = this;
            this._frame = L.Util.requestAnimFrame(function () { self._frame = null; self.redraw(); });
        },

        redraw: function () {
            var map = this._map;
            if (!map || !this._canvas) { return; }
            var size = map.getSize();
            var padX = Math.round(size.x * this.options.padding), padY = Math.round(size.y * this.options.padding);
            var w = size.x + 2 * padX, h = size.y + 2 * padY;
            var topLeft = map.containerPointToLayerPoint([-padX, -padY]).round();
            L.DomUtil.setPosition(this._canvas, topLeft);
            var ratio = window.devicePixelRatio || 1;
            var canvas = this._canvas;
            if (canvas.width !== Math.round(w * ratio) || canvas.height !== Math.round(h * ratio)) {
                canvas.width = Math.round(w * ratio); canvas.height = Math.round(h * ratio);
                canvas.style.width = w + "px"; canvas.style.height = h + "px";
            }
            var ctx = canvas.getContext("2d");
            ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
            ctx.clearRect(0, 0, w, h);
            var zoom = map.getZoom();
            var scale = map.options.crs.scale(zoom);
            var origin = map.getPixelOrigin().add(topLeft);
            // Canvas (x, y) of a point = its world pixel minus the canvas's world origin; the
            // map pane's position maps the canvas onto the container.
            var pane = map._getMapPanePos();
            this._toContainer = { x: topLeft.x + pane.x, y: topLeft.y + pane.y };
            var drawn = [];
            var n = this.rows.length, mx = this.mx, my = this.my, i, x, y;
            var margin = 30;
            if (zoom < this.options.clusterBelow) {
                // Grid offset: the camera grid sits half a cell off the device grid, so the two
                // layers' clusters fall between each other instead of on top.
                var cell = this.options.cellPx, shift = this.options.gridOffsetPx, cells = new Map(), key, c;
                for (i = 0; i < n; i++) {
                    x = mx[i] * scale; y = my[i] * scale;
                    if (x < origin.x - margin || y < origin.y - margin ||
                        x > origin.x + w + margin || y > origin.y + h + margin) { continue; }
                    key = Math.floor((x + shift) / cell) * 4194304 + Math.floor((y + shift) / cell);
                    c = cells.get(key);
                    if (c === undefined) {
                        c = { n: 0, sx: 0, sy: 0, first: i, off: 0, fault: 0, south: 90, west: 180, north: -90, east: -180 };
                        cells.set(key, c);
                    }
                    c.n += 1; c.sx += x; c.sy += y;
                    var row = this.rows[i];
                    if (row[3] === "offline") { c.off += 1; } else if (row[3] === "fault") { c.fault += 1; }
                    if (row[1] < c.south) { c.south = row[1]; }
                    if (row[1] > c.north) { c.north = row[1]; }
                    if (row[2] < c.west) { c.west = row[2]; }
                    if (row[2] > c.east) { c.east = row[2]; }
                }
                var singles = [], clusters = [];
                cells.forEach(function (cl) {
                    if (cl.n === 1) { singles.push(cl.first); } else { clusters.push(cl); }
                });
                for (i = 0; i < singles.length; i++) {
                    drawn.push(this._drawPoint(ctx, singles[i], mx[singles[i]] * scale - origin.x,
                                               my[singles[i]] * scale - origin.y));
                }
                for (i = 0; i < clusters.length; i++) {
                    c = clusters[i];
                    drawn.push(this._drawCluster(ctx, c, c.sx / c.n - origin.x, c.sy / c.n - origin.y));
                }
            } else {
                for (i = 0; i < n; i++) {
                    x = mx[i] * scale - origin.x; y = my[i] * scale - origin.y;
                    if (x < -margin || y < -margin || x > w + margin || y > h + margin) { continue; }
                    drawn.push(this._drawPoint(ctx, i, x, y));
                }
            }
            this.drawn = drawn;
            this.settled = true;
        },

        _drawPoint: function (ctx, i, x, y) {
            var st = this.options.style(this.rows[i]);
            ctx.beginPath();
            ctx.arc(x, y, st.radius, 0, 2 * Math.PI);
            ctx.globalAlpha = st.fillOpacity;
            ctx.fillStyle = st.fillColor;
            ctx.fill();
            if (st.weight) {
                ctx.globalAlpha = st.opacity;
                ctx.lineWidth = st.weight;
                ctx.strokeStyle = st.color;
                ctx.stroke();
            }
            ctx.globalAlpha = 1;
            return { x: x, y: y, r: st.radius + 2, slot: i };
        },

        _drawCluster: function (ctx, c, x, y) {
            var look = this.options.cluster;
            var r = Math.min(look.maxRadius, look.minRadius + 1.6 * Math.log(c.n) / Math.LN2);
            ctx.beginPath();
            ctx.arc(x, y, r, 0, 2 * Math.PI);
            ctx.fillStyle = look.fill;
            ctx.fill();
            ctx.lineWidth = 2;
            ctx.strokeStyle = look.stroke;
            ctx.stroke();
            ctx.fillStyle = look.text;
            ctx.font = "bold 11px sans-serif";
            ctx.textAlign = "center";
            ctx.textBaseline = "middle";
            ctx.fillText(c.n >= 10000 ? (c.n / 1000).toFixed(0) + "k" : String(c.n), x, y);
            return { x: x, y: y, r: r, cluster: c };
        },

        /* The point or cluster under a container point (the one drawn last wins). */
        hit: function (containerPoint) {
            if (!this._map || !this._toContainer) { return null; }
            var x = containerPoint.x - this._toContainer.x, y = containerPoint.y - this._toContainer.y;
            for (var k = this.drawn.length - 1; k >= 0; k--) {
                var d = this.drawn[k];
                var dx = d.x - x, dy = d.y - y;
                if (dx * dx + dy * dy <= d.r * d.r) { return d; }
            }
            return null;
        }
    });

    /* Devices: coloured by kind while online; grey when offline, magenta ring on fault.
       Row: [id, lat, lon, status, kind, name]; the kind is worded by T.device_kinds. */
    function deviceStyle(row) {
        var status = row[3];
        if (status === "offline") {
            return { radius: 3.5, color: DEVICE_COLOURS.offline, weight: 1, opacity: 0.9,
                     fillColor: DEVICE_COLOURS.offline, fillOpacity: 0.7 };
        }
        var colour = DEVICE_KIND_COLOURS[row[4]] || DEVICE_COLOURS.online;
        return { radius: 3.5, color: status === "fault" ? DEVICE_COLOURS.fault : "#0b1a26",
                 weight: status === "fault" ? 2 : 1, opacity: 0.95, fillColor: colour, fillOpacity: 0.9 };
    }

    function deviceTooltip(row) {
        return "<b>" + escapeHtml(row[5]) + "</b><br>" + escapeHtml(named("device_kinds", row[4])) + " · " +
            escapeHtml(named("device_statuses", row[3]));
    }

    /* Cameras: a white-rimmed cyan dot (devices have a dark rim, alerts a halo).
       Row: [id, lat, lon, status, kind, name, ptz]; the kind is worded by T.camera_kinds. */
    function cameraStyle(row) {
        var on = row[3] === "online";
        return { radius: 4.5, color: on ? "#ffffff" : "#90a4ae", weight: 2, opacity: 0.95,
                 fillColor: on ? CAMERA_COLOUR : "#546e7a", fillOpacity: 1 };
    }

    function cameraTooltip(row) {
        return "<b>" + escapeHtml(row[5]) + "</b><br>" + escapeHtml(tr("camera_kind", { kind: named("camera_kinds", row[4]) })) + " · " +
            escapeHtml(row[3] === "online" ? tr("online") : tr("offline")) +
            (row[6] ? " · " + escapeHtml(tr("ptz")) : "") +
            '<br><span class="hint">' + escapeHtml(tr("camera_hint")) + "</span>";
    }

    function clusterTooltip(c, what) {
        var text = "<b>" + escapeHtml(tr(what, { n: c.n })) + "</b>";
        var notes = [];
        if (c.off) { notes.push(tr("cluster_offline", { n: c.off })); }
        if (c.fault) { notes.push(tr("cluster_fault", { n: c.fault })); }
        if (notes.length) { text += "<br>" + escapeHtml(notes.join(tr("list_separator"))); }
        return text + '<br><span class="hint">' + escapeHtml(tr("zoom_hint")) + "</span>";
    }

    /* Apply a diff ({reset, upsert: rows, remove: ids}) to a point layer. */
    function applyPoints(layer, diff) {
        if (diff.reset) { layer.clear(); }
        (diff.remove || []).forEach(function (id) { layer.remove(id); });
        (diff.upsert || []).forEach(function (row) { layer.upsert(row); });
        layer.changed();
    }

    function applyDevices(diff) {
        applyPoints(state.deviceLayer, diff);
        reportDrawn("devices", diff);
        updateStatus();
    }

    function setDevicesVisible(visible) {
        state.devicesVisible = !!visible;
        if (state.devicesVisible) {
            state.deviceLayer.addTo(state.map);
        } else {
            state.map.removeLayer(state.deviceLayer);
        }
        updateStatus();
    }

    function applyCameras(diff) {
        applyPoints(state.cameraLayer, diff);
        reportDrawn("cameras", diff);
    }

    /* Hover, click and press on the point layers (cameras above devices): the page's
       pointer events reach the map; the alerts' canvas answers first for its own markers. */
    function pointHit(ev) {
        if (state.measure.on) { return null; }
        var layers = [state.cameraLayer, state.deviceLayer];
        for (var k = 0; k < layers.length; k++) {
            var layer = layers[k];
            if (!state.map.hasLayer(layer)) { continue; }
            var d = layer.hit(ev.containerPoint);
            if (d) { return { layer: layer, drawn: d }; }
        }
        return null;
    }

    function hoverPoints(ev) {
        var hit = pointHit(ev);
        var container = state.map.getContainer();
        if (!hit) {
            L.DomUtil.removeClass(container, "console-point-hover");
            if (state.pointTip && state.map.hasLayer(state.pointTip)) { state.map.closeTooltip(state.pointTip); }
            return;
        }
        L.DomUtil.addClass(container, "console-point-hover");
        var camera = hit.layer === state.cameraLayer, d = hit.drawn, html, latlng;
        if (d.cluster) {
            html = clusterTooltip(d.cluster, camera ? "camera_cluster" : "device_cluster");
        } else {
            var row = hit.layer.rows[d.slot];
            html = camera ? cameraTooltip(row) : deviceTooltip(row);
        }
        latlng = state.map.containerPointToLatLng([d.x + hit.layer._toContainer.x, d.y + hit.layer._toContainer.y]);
        if (!state.pointTip) {
            state.pointTip = L.tooltip({ className: "console-tip", direction: "top", offset: [0, -6] });
        }
        state.pointTip.setLatLng(latlng).setContent(html);
        if (!state.map.hasLayer(state.pointTip)) { state.map.openTooltip(state.pointTip); }
    }

    function clickPoints(ev) {
        var hit = pointHit(ev);
        if (!hit) { return; }
        var d = hit.drawn;
        if (d.cluster) {
            var c = d.cluster;
            state.userMoved = true;
            var bounds = L.latLngBounds([c.south, c.west], [c.north, c.east]);
            if (bounds.getNorth() === bounds.getSouth() && bounds.getEast() === bounds.getWest()) {
                state.map.setView(bounds.getCenter(), Math.min(state.map.getZoom() + 2, state.map.getMaxZoom()));
            } else {
                state.map.fitBounds(bounds.pad(0.1));
            }
            return;
        }
        if (hit.layer === state.cameraLayer && state.bridge) {
            state.bridge.cameraClicked(hit.layer.rows[d.slot][0]);
        }
    }

    function pressPoints(ev) {
        var hit = pointHit(ev);
        if (hit && hit.layer === state.cameraLayer && !hit.drawn.cluster) {
            pressCamera(hit.layer.rows[hit.drawn.slot][0], ev);
        }
    }

    /* ------------------------------------------------------------------ focus */

    function focusAlert(target) {
        if (target.id) { state.selectedId = target.id; placeSelectRing(); }
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

    /* ------------------------------------------------------------------ cameras */

    /* A camera pressed and moved is dragged out of the page: Python starts a real QDrag
       with the camera's payload, so a video-wall tile takes it like one from the directory.
       The map itself must not pan meanwhile. */
    var CAMERA_DRAG_PX = 6;

    function pressCamera(cameraId, e) {
        var ev = e.originalEvent;
        if (!ev || ev.button !== 0) { return; }
        state.cameraPress = { id: cameraId, x: ev.clientX, y: ev.clientY };
        if (state.map && state.map.dragging.enabled()) {
            // Leaflet's own drag listener on the container comes after the map's events:
            // disabling it here removes it before it sees this press.
            state.map.dragging.disable();
            state.cameraPress.restoreDragging = true;
        }
        L.DomEvent.stopPropagation(ev);
    }

    function releaseCamera() {
        var press = state.cameraPress;
        state.cameraPress = null;
        if (press && press.restoreDragging && state.map) { state.map.dragging.enable(); }
    }

    function moveCamera(ev) {
        var press = state.cameraPress;
        if (!press || press.started) { return; }
        if (Math.abs(ev.clientX - press.x) + Math.abs(ev.clientY - press.y) < CAMERA_DRAG_PX) { return; }
        press.started = true;
        if (state.bridge && state.bridge.cameraDragStarted) { state.bridge.cameraDragStarted(press.id); }
        // The drag loop swallows the mouse release: let go of the press now.
        releaseCamera();
    }

    /* ------------------------------------------------------------------ incidents */

    function applyIncidents(diff) {
        if (diff.reset) { state.incidentGroup.clearLayers(); state.incidents = {}; }
        (diff.remove || []).forEach(function (id) {
            if (state.incidents[id]) { state.incidentGroup.removeLayer(state.incidents[id]); delete state.incidents[id]; }
        });
        (diff.upsert || []).forEach(function (inc) {
            if (state.incidents[inc.id]) { state.incidentGroup.removeLayer(state.incidents[inc.id]); }
            var area = L.circle([inc.lat, inc.lon], {
                renderer: state.lineRenderer, radius: inc.radius, color: "#ff1744", weight: 2,
                dashArray: "8 5", fillColor: "#ff1744", fillOpacity: 0.10, interactive: false
            });
            area.bindTooltip(escapeHtml(tr("response_level", { level: "Ⅰ Ⅱ Ⅲ Ⅳ".split(" ")[inc.level - 1] })) +
                             " · " + escapeHtml(inc.title),
                             { permanent: true, direction: "center", className: "console-incident-label" });
            area.addTo(state.incidentGroup);
            state.incidents[inc.id] = area;
        });
    }

    /* ------------------------------------------------------------------ rings, incident view */

    function formatDistance(m) {
        return m < 1000 ? tr("metres", { m: Math.round(m) }) : tr("kilometres", { km: (m / 1000).toFixed(2) });
    }

    function ringsLayer(p, group) {
        var centre = L.latLng(p.lat, p.lon);
        (p.rings || [500, 1000, 3000]).forEach(function (r) {
            var colour = RING_COLOURS[r] || "#ffffff";
            L.circle(centre, { renderer: state.lineRenderer, radius: r, color: colour, weight: 1.6,
                               opacity: 0.9, dashArray: "6 6", fill: false, interactive: false }).addTo(group);
            // Ring label on the ring's north point.
            var north = L.latLng(p.lat + r / 111320, p.lon);
            L.marker(north, { pane: "consoleLabels", interactive: false, keyboard: false,
                icon: L.divIcon({ className: "console-label ring-label", iconSize: null,
                                  html: '<span style="color:' + colour + '">' + formatDistance(r) + "</span>" })
            }).addTo(group);
        });
        L.circleMarker(centre, { renderer: state.pulseRenderer, radius: 4, color: "#fff", weight: 2,
                                 fillColor: "#ff5252", fillOpacity: 1, interactive: false }).addTo(group);
        if (p.title) {
            L.marker(centre, { pane: "consoleLabels", interactive: false, keyboard: false,
                icon: L.divIcon({ className: "console-label ring-title", iconSize: null,
                                  html: "<span>" + escapeHtml(p.title) + "</span>" })
            }).addTo(group);
        }
        var kinds = { camera: "#00e5ff", device: "#aed581", resource: "#ffd54f" };
        (p.nearby || []).forEach(function (t) {
            var m = L.circleMarker([t.lat, t.lon], { renderer: state.pulseRenderer, radius: 8,
                color: kinds[t.kind] || "#fff", weight: 2, fill: false, opacity: 0.9 });
            m.bindTooltip("<b>" + escapeHtml(t.name) + "</b><br>" + escapeHtml(t.detail) + " · " +
                          formatDistance(t.distance_m), { className: "console-tip", direction: "top" });
            if (t.kind === "camera") {
                m.on("click", function () { if (state.bridge) { state.bridge.cameraClicked(t.id); } });
            }
            m.addTo(group);
        });
        return L.latLng(p.lat, p.lon).toBounds(2 * ((p.rings || [3000]).slice(-1)[0] + 200));
    }

    function showRings(p) {
        state.toolGroup.clearLayers();
        var bounds = ringsLayer(p, state.toolGroup);
        state.userMoved = true;
        state.map.fitBounds(bounds);
    }

    function clearRings() { state.toolGroup.clearLayers(); }

    function showIncident(p) {
        clearIncident();
        var group = L.featureGroup().addTo(state.map);
        L.circle([p.lat, p.lon], { renderer: state.lineRenderer, radius: p.radius, color: "#ff1744",
                                   weight: 2.5, fillColor: "#ff1744", fillOpacity: 0.18,
                                   interactive: false }).addTo(group);
        var bounds = ringsLayer(p, group);
        state.incidentView = group;
        state.userMoved = true;
        state.map.fitBounds(bounds);
    }

    function clearIncident() {
        if (state.incidentView) { state.map.removeLayer(state.incidentView); state.incidentView = null; }
    }

    /* ------------------------------------------------------------------ measurement */

    function setMeasuring(on) {
        var m = state.measure;
        m.on = !!on;
        if (m.line) { state.map.removeLayer(m.line); m.line = null; }
        if (m.label) { state.map.removeLayer(m.label); m.label = null; }
        m.points = [];
        m.total = 0;
        state.map.getContainer().style.cursor = m.on ? "crosshair" : "";
        if (m.on) { state.map.doubleClickZoom.disable(); } else { state.map.doubleClickZoom.enable(); }
    }

    function measureClick(ev) {
        var m = state.measure;
        if (!m.on) { return; }
        m.points.push(ev.latlng);
        if (!m.line) {
            m.line = L.polyline(m.points, { renderer: state.pulseRenderer, color: "#ffea00", weight: 2.5,
                                            dashArray: "6 4", interactive: false }).addTo(state.map);
        } else {
            m.line.setLatLngs(m.points);
        }
        m.total = 0;
        for (var i = 1; i < m.points.length; i++) { m.total += m.points[i - 1].distanceTo(m.points[i]); }
        var text = escapeHtml(m.points.length < 2 ? tr("measure_start") : tr("measure_total", { d: formatDistance(m.total) }));
        if (m.label) { state.map.removeLayer(m.label); }
        m.label = L.marker(ev.latlng, { pane: "consoleLabels", interactive: false, keyboard: false,
            icon: L.divIcon({ className: "console-label measure-label", iconSize: null,
                              html: "<span>" + text + "</span>" }) }).addTo(state.map);
        if (state.bridge) { state.bridge.measuredDistance(m.total); }
    }

    /* ------------------------------------------------------------------ base tiles, mode */

    function setBaseTiles(cfg) {
        state.baseTiles = cfg;
        if (state.tileLayer) { state.map.removeLayer(state.tileLayer); }
        state.tileLayer = L.tileLayer(cfg.url, {
            minZoom: cfg.minZoom, maxZoom: cfg.maxZoom, maxNativeZoom: cfg.maxNativeZoom,
            keepBuffer: 2, updateWhenZooming: false, className: "console-tiles"
        });
        state.tileLayer.on("tileload", function () { state.tileStats.loaded += 1; });
        state.tileLayer.on("tileerror", function () { state.tileStats.errors += 1; });
        state.tileLayer.addTo(state.map);
        L.DomUtil.addClass(state.map.getContainer(), "has-base-tiles");
        // Restyle the vectors as outlines over the tiles.
        var data = {};
        Object.keys(state.layerData).forEach(function (id) { data[id] = state.layerData[id]; });
        if (Object.keys(data).length) { applyLayers(data); }
    }

    /* New tiles in the cache (an import): ask again for every square, under fresh URLs so
       that no earlier failure remembered by the browser is reused. */
    function refreshTiles() {
        if (!state.tileLayer || !state.baseTiles) { return; }
        state.tileGen = (state.tileGen || 0) + 1;
        // Not setUrl's own redraw: Leaflet 1.9's redraw() takes the map's zoom unrounded,
        // so at a fractional zoom (fitting the district) it asks for z = 12.25 tiles.
        // Re-adding the layer resets it at the rounded zoom.
        state.map.removeLayer(state.tileLayer);
        state.tileLayer.setUrl(state.baseTiles.url + "?v=" + state.tileGen, true);
        state.tileLayer.addTo(state.map);
    }

    function setMapMode(mode) {
        if (!state.modeDiv) { return; }
        state.modeDiv.textContent = mode.text || tr("offline_map");
        state.modeDiv.style.display = mode.offline ? "" : "none";
    }

    function setLayerStyle(opts) {
        var prev = state.layerOpts[opts.id] || {};
        state.layerOpts[opts.id] = { visible: opts.visible === undefined ? prev.visible : opts.visible,
                                     opacity: opts.opacity === undefined ? prev.opacity : opts.opacity };
        if (state.layerData[opts.id]) {
            var one = {};
            one[opts.id] = state.layerData[opts.id];
            applyLayers(one);
        }
    }

    function fitBoundsTo(b) {
        state.userMoved = true;
        state.map.fitBounds([[b[0], b[1]], [b[2], b[3]]], { padding: [16, 16] });
    }

    /* Frame-time sampling for the bench: intervals between animation frames. */
    function sampleFrames(on) {
        if (!on) { var f = state.frames || []; state.frames = null; return f; }
        state.frames = [];
        var last = performance.now();
        function tick(now) {
            if (!state.frames) { return; }
            state.frames.push(now - last);
            last = now;
            requestAnimationFrame(tick);
        }
        requestAnimationFrame(tick);
        return [];
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
            bridge.camerasChanged.connect(function (json) { applyCameras(JSON.parse(json)); });
            bridge.incidentsChanged.connect(function (json) { applyIncidents(JSON.parse(json)); });
            bridge.baseTilesChanged.connect(function (json) { setBaseTiles(JSON.parse(json)); });
            bridge.mapModeChanged.connect(function (json) { setMapMode(JSON.parse(json)); });
            bridge.layerStyleChanged.connect(function (json) { setLayerStyle(JSON.parse(json)); });
            bridge.selectionChanged.connect(selectAlert);
            bridge.incidentShown.connect(function (json) { showIncident(JSON.parse(json)); });
            bridge.incidentCleared.connect(clearIncident);
            bridge.ringsShown.connect(function (json) { showRings(JSON.parse(json)); });
            bridge.ringsCleared.connect(clearRings);
            bridge.measureToggled.connect(setMeasuring);
            bridge.boundsRequested.connect(function (json) { fitBoundsTo(JSON.parse(json)); });
            bridge.tilesRefreshed.connect(refreshTiles);
            window.consoleMapReady = true;
            // Python answers with the whole current picture.
            bridge.pageReady();
        });
    }

    function init(map, labels) {
        state.map = map;
        T = labels || {};
        // No tile layer yet, so nothing has set the zoom range (markercluster needs it).
        if (map.options.maxZoom === undefined) { map.setMaxZoom(18); }
        if (map.options.minZoom === undefined) { map.setMinZoom(9); }
        // Demo geodata needs no attribution line (tiles will bring their own).
        if (map.attributionControl) { map.removeControl(map.attributionControl); }
        makePane("consoleBase", 350, false);
        makePane("consoleLines", 360, false);
        makePane("consoleLabels", 420, false);
        makePane("consoleDevices", 440, false);
        makePane("consoleCameras", 445, false);
        makePane("consoleLive", 450, true);
        makePane("consolePulse", 460, false);
        state.baseRenderer = L.canvas({ pane: "consoleBase", padding: 0.3 });
        state.lineRenderer = L.canvas({ pane: "consoleLines", padding: 0.3 });
        state.liveRenderer = L.canvas({ pane: "consoleLive", padding: 0.15, tolerance: 3 });
        state.pulseRenderer = L.canvas({ pane: "consolePulse", padding: 0.3 });
        state.incidentGroup = L.featureGroup().addTo(map);
        state.cameraLayer = new PointLayer({
            pane: "consoleCameras", clusterBelow: 15, cellPx: 64, gridOffsetPx: 32, style: cameraStyle,
            cluster: CAMERA_CLUSTER
        }).addTo(map);
        document.addEventListener("mousemove", moveCamera, true);
        document.addEventListener("mouseup", releaseCamera, true);
        state.alertGroup = L.featureGroup().addTo(map);
        state.toolGroup = L.featureGroup().addTo(map);
        // Devices cluster at district zoom; one by one from street zoom. Shown on request.
        state.deviceLayer = new PointLayer({
            pane: "consoleDevices", clusterBelow: 15, cellPx: 64, style: deviceStyle, cluster: DEVICE_CLUSTER
        });
        map.on("mousemove", hoverPoints);
        map.on("click", clickPoints);
        map.on("mousedown", pressPoints);
        map.on("mouseout", function () {
            if (state.pointTip && state.map.hasLayer(state.pointTip)) { state.map.closeTooltip(state.pointTip); }
        });
        map.on("click", measureClick);
        map.on("contextmenu", function (ev) {
            if (state.bridge) { state.bridge.pointPicked(ev.latlng.lat, ev.latlng.lng); }
        });
        map.on("mousemove", function (ev) {
            if (state.coordDiv) {
                state.coordDiv.textContent = tr("coords", { lon: ev.latlng.lng.toFixed(5),
                                                            lat: ev.latlng.lat.toFixed(5) });
            }
        });
        animatePulse();
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
        deviceCount: function () { return state.deviceLayer.count(); },
        devicesVisible: function () { return state.devicesVisible && state.map.hasLayer(state.deviceLayer); },
        /* Shown and drawn since the last change (the bench waits for it). */
        devicesSettled: function () {
            return state.devicesVisible && state.map.hasLayer(state.deviceLayer) && state.deviceLayer.settled;
        },
        /* What the point layers drew last: points, clusters, the points in clusters, the
           largest cluster and where it is in the container (tests, bench). */
        pointsDrawn: function (which) {
            var layer = which === "devices" ? state.deviceLayer : state.cameraLayer;
            var out = { points: 0, clusters: 0, clustered: 0, largest: 0, at: null };
            layer.drawn.forEach(function (d) {
                if (d.cluster) {
                    out.clusters += 1;
                    out.clustered += d.cluster.n;
                    if (d.cluster.n > out.largest) {
                        out.largest = d.cluster.n;
                        out.at = [Math.round(d.x + layer._toContainer.x), Math.round(d.y + layer._toContainer.y)];
                    }
                } else { out.points += 1; }
            });
            return out;
        },
        statusText: function () { return state.statusDiv ? state.statusDiv.textContent : ""; },
        applyCameras: applyCameras,
        selectAlert: selectAlert,
        selectedId: function () { return state.selectedId; },
        pulsingIds: function () { return Object.keys(state.pulse).sort(); },
        cameraCount: function () { return state.cameraLayer.count(); },
        alertLatLng: function (id) {
            var m = state.alerts[id];
            return m ? [m.getLatLng().lat, m.getLatLng().lng] : null;
        },
        /* A device's or camera's hover text, as plain text (tests). */
        pointTooltip: function (kind, id) {
            var camera = kind === "cameras";
            var row = (camera ? state.cameraLayer : state.deviceLayer).row(id);
            if (!row) { return null; }
            var box = document.createElement("div");
            box.innerHTML = camera ? cameraTooltip(row) : deviceTooltip(row);
            return box.textContent;
        },
        deviceColour: function (id) {
            var row = state.deviceLayer.row(id);
            return row ? deviceStyle(row).fillColor : null;
        },
        incidentCount: function () { return Object.keys(state.incidents).length; },
        incidentShown: function () { return !!state.incidentView; },
        ringCount: function () {
            var n = 0;
            state.toolGroup.eachLayer(function (l) { if (l instanceof L.Circle) { n += 1; } });
            return n;
        },
        tileStats: function () { return state.tileStats; },
        tilesIdle: function () {
            return !!state.tileLayer && state.tileStats.loaded > 0 && !state.tileLayer.isLoading();
        },
        hasBaseTiles: function () { return !!state.tileLayer && state.map.hasLayer(state.tileLayer); },
        modeText: function () {
            return state.modeDiv && state.modeDiv.style.display !== "none" ? state.modeDiv.textContent : "";
        },
        layerVisible: function (id) {
            return !!state.layerGroups[id] && state.map.hasLayer(state.layerGroups[id]);
        },
        layerOpacity: function (id) { return (state.layerOpts[id] || {}).opacity; },
        measureTotal: function () { return state.measure.total; },
        sampleFrames: sampleFrames,
        clickCamera: function (id) {
            if (!state.cameraLayer.row(id)) { return false; }
            if (state.bridge) { state.bridge.cameraClicked(id); }
            return true;
        },
        clickAlert: function (id) {
            var m = state.alerts[id];
            if (m) { m.fire("click"); return true; }
            return false;
        }
    };
})();

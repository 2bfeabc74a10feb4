"""Raster map tiles of the demo district: ``GET /tiles/{z}/{x}/{y}.png`` (XYZ, Web Mercator).

A production gateway hands out the spatial platform's tiles; the feed draws its own
from the demo geography (``simulator.geo``: the real district outline, schematic cells
and features inside it) so that the map has a real base layer with no internet:
a dark command-centre style — the district's land by street, community lines,
mountains (马峦山, 田头山, 聚龙山) as shaded massifs, reservoirs, the 坪山河 and
龙岗河 with their tributaries, main roads with casings, a street grid from zoom 15,
the district's glowing outline and Chinese labels (district, streets, communities,
roads, rivers, mountains) chosen by zoom.  Terrain is drawn only inside the outline.
Coordinates are WGS84 (no GCJ-02 shift: the outline was converted from GCJ-02 once,
and the rest of the demo data is WGS84 too).  Tiles are drawn at twice the size and scaled down
(antialiased lines and text), rendered on demand with PIL and kept in memory.
"""

from __future__ import annotations

import io
import math
from functools import lru_cache
from typing import Any

from PIL import Image, ImageDraw

from simulator import geo
from simulator.fonts import _font as video_font

TILE = 256
SS = 2  # supersampling factor
MIN_ZOOM, MAX_ZOOM = 8, 18
BACKGROUND = (8, 15, 24)
LAND = (15, 31, 46)
STREET_TINTS = {
    "pingshan": (17, 35, 52), "maluan": (15, 34, 46), "biling": (18, 33, 48),
    "shijing": (16, 32, 50), "kengzi": (15, 35, 50), "longtian": (18, 34, 46),
}
MOUNTAIN_STEPS = [(19, 44, 40), (23, 54, 45), (28, 64, 50), (34, 75, 55)]
WATER = (16, 66, 112)
RIVER = (28, 108, 178)
RIVER_CORE = (64, 156, 228)
ROAD = (186, 148, 72)
ROAD_CASING = (6, 11, 17)
MINOR_ROAD = (36, 60, 82)
BUILDING = (27, 47, 66)
COMMUNITY_LINE = (38, 68, 92)
STREET_LINE = (62, 122, 160)
DISTRICT_GLOW = (24, 96, 140)
DISTRICT_LINE = (110, 214, 255)
GRID_ANGLE = {"pingshan": 8, "maluan": -14, "biling": 22, "shijing": -6, "kengzi": 15, "longtian": -20}


DISTRICT_LABEL = (114.352, 22.700)
"""Where the district's name goes at low zoom (the middle of the real outline)."""
NEIGHBOURS = (("龙岗区", 114.300, 22.742), ("惠州市", 114.462, 22.735),
              ("大鹏新区", 114.432, 22.630), ("盐田区", 114.250, 22.638))
"""Neighbours' names (lon, lat), outside the outline on their side of it."""


def _rings(feature: dict[str, Any]) -> list[list[list[float]]]:
    """The exterior rings of a Polygon or MultiPolygon feature (a cell may have several parts)."""
    geometry = feature["geometry"]
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"][0]]
    return [polygon[0] for polygon in geometry["coordinates"]]


def lonlat_to_pixel(lon: float, lat: float, z: int) -> tuple[float, float]:
    """Global Web Mercator pixel coordinates at zoom ``z``."""
    n = TILE * (2 ** z)
    x = (lon + 180.0) / 360.0 * n
    s = math.sin(math.radians(lat))
    y = (0.5 - math.log((1 + s) / (1 - s)) / (4 * math.pi)) * n
    return x, y


def tile_for(lon: float, lat: float, z: int) -> tuple[int, int]:
    """The XYZ tile holding a point."""
    x, y = lonlat_to_pixel(lon, lat, z)
    return int(x // TILE), int(y // TILE)


_font = lru_cache(maxsize=16)(video_font)
"""The feed's CJK font at a size, cached (labels are drawn for every tile)."""


def chaikin(points: list[tuple[float, float]], rounds: int = 2) -> list[tuple[float, float]]:
    """Corner-cutting smoothing of an open polyline (ends kept)."""
    pts = list(points)
    for _ in range(rounds):
        if len(pts) < 3:
            return pts
        out = [pts[0]]
        for (x0, y0), (x1, y1) in zip(pts, pts[1:]):
            out.append((0.75 * x0 + 0.25 * x1, 0.75 * y0 + 0.25 * y1))
            out.append((0.25 * x0 + 0.75 * x1, 0.25 * y0 + 0.75 * y1))
        out.append(pts[-1])
        pts = out
    return pts


@lru_cache(maxsize=1)
def _smoothed() -> dict[str, list[tuple[str, str, list[tuple[float, float]]]]]:
    return {
        "roads": [(rid, name, chaikin(pts)) for rid, name, pts in geo.ROADS],
        "rivers": [(rid, name, chaikin(pts, 3)) for rid, name, pts in geo.RIVERS],
    }


def _width(z: int, at12: float, grow: float = 1.6) -> int:
    """A line width in supersampled pixels that grows with zoom."""
    return max(1, int(round(at12 * grow ** (z - 12) * SS)))


def _line_label_points(pts: list[tuple[float, float]], fractions: tuple[float, ...]) -> list[tuple[float, float]]:
    """Points at fractions of a polyline's length (lon/lat)."""
    seg = [math.dist(a, b) for a, b in zip(pts, pts[1:])]
    total = sum(seg) or 1.0
    out = []
    for f in fractions:
        target, acc = f * total, 0.0
        for (a, b), d in zip(zip(pts, pts[1:]), seg):
            if acc + d >= target and d > 0:
                t = (target - acc) / d
                out.append((a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])))
                break
            acc += d
    return out


@lru_cache(maxsize=4096)
def render_tile(z: int, x: int, y: int) -> bytes:
    """PNG bytes of one tile (cached)."""
    size = TILE * SS
    ox, oy = x * TILE, y * TILE

    def px(points: list[list[float]] | list[tuple[float, float]]) -> list[tuple[float, float]]:
        out = []
        for lon, lat in points:
            gx, gy = lonlat_to_pixel(lon, lat, z)
            out.append(((gx - ox) * SS, (gy - oy) * SS))
        return out

    img = Image.new("RGB", (size, size), BACKGROUND)
    layers = geo.layers()
    district_ring = layers["district"][1]["features"][0]["geometry"]["coordinates"][0]
    d_px = px(district_ring)
    xs, ys = [p[0] for p in d_px], [p[1] for p in d_px]
    margin = 400 * SS  # labels and glows reach a little beyond the outline
    if max(xs) < -margin or min(xs) > size + margin or max(ys) < -margin or min(ys) > size + margin:
        buf = io.BytesIO()
        img.resize((TILE, TILE)).save(buf, format="PNG")
        return buf.getvalue()

    draw = ImageDraw.Draw(img)
    # Land by street.
    for f in layers["streets"][1]["features"]:
        for ring in _rings(f):
            draw.polygon(px(ring), fill=STREET_TINTS.get(f["id"], LAND))

    # Street grid from zoom 15: each street's blocks at its own angle, masked by the street.
    if z >= 15:
        spacing_m = 180 if z >= 16 else 260
        m_per_px = 156543.03 * math.cos(math.radians(22.73)) / (2 ** z) / SS
        step = spacing_m / m_per_px
        minor_w = max(1, int(round((1.0 if z == 15 else 2.0 if z == 16 else 3.5) * SS)))
        for f in layers["streets"][1]["features"]:
            mask = Image.new("L", (size, size), 0)
            for ring in _rings(f):
                ImageDraw.Draw(mask).polygon(px(ring), fill=255)
            if not mask.getbbox():
                continue
            grid = Image.new("RGB", (size, size), MINOR_ROAD)
            angle = math.radians(GRID_ANGLE.get(f["id"], 0))
            ca, sa = math.cos(angle), math.sin(angle)
            # Lines through the global grid so that neighbouring tiles join up.
            gx0, gy0 = ox * SS, oy * SS
            line_mask = Image.new("L", (size, size), 0)
            ld = ImageDraw.Draw(line_mask)
            diag = size * 1.5
            for family in (0, 1):
                ux, uy = (ca, sa) if family == 0 else (-sa, ca)  # line direction
                nx, ny = -uy, ux  # normal
                # Offsets of lines near this tile along the normal, in global coordinates.
                centre_off = (gx0 + size / 2) * nx + (gy0 + size / 2) * ny
                k0 = math.floor((centre_off - diag) / step)
                k1 = math.ceil((centre_off + diag) / step)
                for k in range(k0, k1 + 1):
                    off = k * step - centre_off
                    cx, cy = size / 2 + off * nx, size / 2 + off * ny
                    ld.line([(cx - ux * diag, cy - uy * diag), (cx + ux * diag, cy + uy * diag)],
                            fill=255, width=minor_w)
            if z >= 16:
                # Building footprints inside each block, placed by a hash of the block's
                # global index so that neighbouring tiles agree.
                bmask = Image.new("L", (size, size), 0)
                bd = ImageDraw.Draw(bmask)
                u0 = (gx0 + size / 2) * ca + (gy0 + size / 2) * sa
                v0 = -(gx0 + size / 2) * sa + (gy0 + size / 2) * ca
                span = int(diag / step) + 1
                for i in range(math.floor(u0 / step) - span, math.floor(u0 / step) + span + 1):
                    for j in range(math.floor(v0 / step) - span, math.floor(v0 / step) + span + 1):
                        h = (i * 73856093) ^ (j * 19349663) ^ (len(f["id"]) * 83492791)
                        for b in range(1 + (h & 3)):
                            hb = (h >> (3 + 5 * b)) & 0xFFFF
                            fu = 0.12 + 0.45 * ((hb & 0xFF) / 255)
                            fv = 0.12 + 0.45 * ((hb >> 8) / 255)
                            wu = 0.18 + 0.22 * (((h >> (b + 1)) & 7) / 7)
                            wv = 0.16 + 0.24 * (((h >> (b + 9)) & 7) / 7)
                            corners = []
                            for du, dv in ((0, 0), (wu, 0), (wu, wv), (0, wv)):
                                u = (i + fu + du) * step
                                v = (j + fv + dv) * step
                                gx = u * ca - v * sa - gx0
                                gy = u * sa + v * ca - gy0
                                corners.append((gx, gy))
                            if all(c[0] < -50 or c[0] > size + 50 for c in corners) or \
                                    all(c[1] < -50 or c[1] > size + 50 for c in corners):
                                continue
                            bd.polygon(corners, fill=255)
                blocks = Image.new("L", (size, size), 0)
                blocks.paste(bmask, (0, 0), mask)
                img.paste(Image.new("RGB", (size, size), BUILDING), (0, 0), blocks)
            combined = Image.new("L", (size, size), 0)
            combined.paste(line_mask, (0, 0), mask)
            img.paste(grid, (0, 0), combined)

    # Terrain, kept inside the outline (a massif on the border stops there):
    # mountains as stepped tints with contour lines from zoom 13, then reservoirs.
    terrain = img.copy()
    tdraw = ImageDraw.Draw(terrain)
    for _mid, _name, lon, lat, rx, ry, seed in geo.MOUNTAINS:
        for i, tint in enumerate(MOUNTAIN_STEPS):
            ring = px(geo.blob_ring(lon, lat, rx, ry, seed + i, scale=1.0 - 0.23 * i))
            tdraw.polygon(ring, fill=tint)
            if z >= 13:
                tdraw.line(ring, fill=(48, 96, 66), width=max(1, SS // 2 + (z >= 15)))
    for _rid, _name, lon, lat, rx, ry, seed in geo.RESERVOIRS:
        ring = px(geo.blob_ring(lon, lat, rx, ry, seed))
        tdraw.polygon(ring, fill=WATER, outline=RIVER)
    inside = Image.new("L", (size, size), 0)
    ImageDraw.Draw(inside).polygon(d_px, fill=255)
    img.paste(terrain, (0, 0), inside)

    # Community and street boundaries.
    if z >= 12:
        for f in layers["communities"][1]["features"]:
            for ring in _rings(f):
                draw.line(px(ring), fill=COMMUNITY_LINE, width=max(1, SS // 2 + (z >= 15)))
    for f in layers["streets"][1]["features"]:
        for ring in _rings(f):
            draw.line(px(ring), fill=STREET_LINE, width=_width(z, 1.0, 1.25), joint="curve")

    smooth = _smoothed()
    # Rivers: a wide band and a lighter core.
    for rid, _name, pts in smooth["rivers"]:
        major = rid in ("pingshan_river", "longgang_river")
        w = _width(z, 2.4 if major else 1.4, 1.55)
        draw.line(px(pts), fill=RIVER, width=w, joint="curve")
        if w >= 4:
            draw.line(px(pts), fill=RIVER_CORE, width=max(1, w // 3), joint="curve")
    # Main roads: dark casing then the amber fill.
    for _rid, _name, pts in smooth["roads"]:
        w = _width(z, 1.8, 1.7)
        draw.line(px(pts), fill=ROAD_CASING, width=w + 2 * SS, joint="curve")
        draw.line(px(pts), fill=ROAD, width=w, joint="curve")
        if z >= 15:
            draw.line(px(pts), fill=(236, 206, 128), width=max(1, w // 5), joint="curve")

    # District outline with a glow.
    draw.line(d_px + [d_px[0]], fill=DISTRICT_GLOW, width=_width(z, 5.0, 1.2), joint="curve")
    draw.line(d_px + [d_px[0]], fill=DISTRICT_LINE, width=_width(z, 1.6, 1.2), joint="curve")

    # Labels, chosen by zoom. A label near a tile edge is drawn by both neighbours at the
    # same global position, so it joins up seamlessly.
    labels: list[tuple[str, tuple[float, float], int, tuple[int, int, int]]] = []
    if z <= 11:
        labels.append(("坪山区", DISTRICT_LABEL, 20 if z == 11 else 16, (210, 240, 255)))
    if 10 <= z <= 13:
        # Neighbours, dimmed: the district is not an island.
        for name, lon, lat in NEIGHBOURS:
            labels.append((name, (lon, lat), 12 if z < 12 else 15, (84, 104, 124)))
    if z >= 12:
        size_s = 15 if z == 12 else 18 if z < 15 else 22
        labels += [(f["properties"]["name_zh"], tuple(f["properties"]["centre"]), size_s, (196, 236, 255))
                   for f in layers["streets"][1]["features"]]
        for _mid, name, lon, lat, *_rest in geo.MOUNTAINS:
            labels.append(("▲ " + name, (lon, lat), 13 if z < 14 else 16, (150, 214, 160)))
    if z >= 13:
        for rid, name, pts in smooth["rivers"]:
            if rid in ("pingshan_river", "longgang_river") or z >= 15:
                major = rid in ("pingshan_river", "longgang_river")
                for p in _line_label_points(pts, (0.35, 0.8) if z >= 15 and major else (0.5,) if major else (0.3,)):
                    labels.append((name, p, 12 if z < 15 else 15, (120, 196, 255)))
        for _rid, name, lon, lat, *_rest in geo.RESERVOIRS:
            if z >= 14:
                labels.append((name, (lon, lat), 12, (140, 200, 255)))
    if z >= 14:
        labels += [(f["properties"]["name_zh"], tuple(f["properties"]["centre"]), 12 if z < 16 else 15,
                    (150, 178, 198)) for f in layers["communities"][1]["features"]]
        for _rid, name, pts in smooth["roads"]:
            for p in _line_label_points(pts, (0.22, 0.62) if z >= 15 else (0.42,)):
                labels.append((name, p, 12 if z < 16 else 14, (236, 208, 140)))
    for text, (lon, lat), fsize, colour in labels:
        (lx, ly), = px([(lon, lat)])
        if -200 * SS < lx < size + 200 * SS and -40 * SS < ly < size + 40 * SS:
            font = _font(fsize * SS)
            draw.text((lx, ly), text, font=font, fill=colour, anchor="mm",
                      stroke_width=2 * SS, stroke_fill=(4, 9, 14))
    buf = io.BytesIO()
    img.resize((TILE, TILE), Image.Resampling.LANCZOS).save(buf, format="PNG", optimize=False)
    return buf.getvalue()

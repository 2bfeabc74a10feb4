"""Raster map tiles of the schematic district: ``GET /tiles/{z}/{x}/{y}.png`` (XYZ, Web Mercator).

A production gateway hands out the spatial platform's tiles; the feed draws its own
from the demo geography (communities tinted by street, street and district
boundaries, rivers, main roads, Chinese labels), so the map has a base layer with
no internet.  Coordinates are WGS84 (no GCJ-02 shift: the demo data is WGS84 too).
Tiles are rendered on demand with PIL and kept in memory.
"""

from __future__ import annotations

import io
import math
from functools import lru_cache

from PIL import Image, ImageDraw

from simulator import geo
from simulator.video import _font as video_font

TILE = 256
MIN_ZOOM, MAX_ZOOM = 8, 18
BACKGROUND = (22, 27, 34)
STREET_TINTS = {
    "pingshan": (52, 74, 96), "maluan": (48, 86, 72), "biling": (86, 76, 52),
    "shijing": (78, 58, 88), "kengzi": (58, 82, 94), "longtian": (92, 64, 64),
}


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


_font = lru_cache(maxsize=8)(video_font)
"""The feed's CJK font at a size, cached (labels are drawn for every tile)."""


@lru_cache(maxsize=4096)
def render_tile(z: int, x: int, y: int) -> bytes:
    """PNG bytes of one tile (cached)."""
    ox, oy = x * TILE, y * TILE

    def px(points: list[list[float]] | list[tuple[float, float]]) -> list[tuple[float, float]]:
        out = []
        for lon, lat in points:
            gx, gy = lonlat_to_pixel(lon, lat, z)
            out.append((gx - ox, gy - oy))
        return out

    img = Image.new("RGB", (TILE, TILE), BACKGROUND)
    draw = ImageDraw.Draw(img)
    layers = geo.layers()
    line_w = max(1, z - 11)
    for f in layers["communities"][1]["features"]:
        tint = STREET_TINTS.get(f["properties"]["street"], (60, 60, 60))
        draw.polygon(px(f["geometry"]["coordinates"][0]), fill=tint, outline=(110, 125, 140))
    for f in layers["streets"][1]["features"]:
        draw.line(px(f["geometry"]["coordinates"][0]), fill=(190, 200, 215), width=line_w)
    for f in layers["rivers"][1]["features"]:
        draw.line(px(f["geometry"]["coordinates"]), fill=(70, 150, 230), width=line_w + 1, joint="curve")
    for f in layers["roads"][1]["features"]:
        draw.line(px(f["geometry"]["coordinates"]), fill=(215, 190, 120), width=line_w, joint="curve")
    for f in layers["district"][1]["features"]:
        draw.line(px(f["geometry"]["coordinates"][0]), fill=(240, 240, 240), width=line_w + 1)
    # Labels: streets from zoom 12, communities from zoom 14. A label near a tile edge is
    # drawn by both neighbours at the same global position, so it joins up seamlessly.
    labels: list[tuple[str, list[float], int]] = []
    if z >= 12:
        labels += [(f["properties"]["name_zh"], f["properties"]["centre"], 14 if z < 14 else 18)
                   for f in layers["streets"][1]["features"]]
    if z >= 14:
        labels += [(f["properties"]["name_zh"], f["properties"]["centre"], 12)
                   for f in layers["communities"][1]["features"]]
    for text, (lon, lat), size in labels:
        (lx, ly), = px([(lon, lat)])
        if -200 < lx < TILE + 200 and -40 < ly < TILE + 40:
            font = _font(size)
            draw.text((lx, ly), text, font=font, fill=(255, 255, 255), anchor="mm",
                      stroke_width=2, stroke_fill=(0, 0, 0))
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=False)
    return buf.getvalue()

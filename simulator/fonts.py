"""The CJK font the feed draws with (camera clips, map tiles): no video codec needed.

Kept apart from :mod:`simulator.video` so the tile renderer (used by the console's
self-check and the offline map) imports without PyAV, which the console's bundle does
not carry (its wheel's libraries include GPL x264/x265).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from functools import lru_cache
from pathlib import Path

from PIL import ImageFont

_FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)


@lru_cache(maxsize=1)
def cjk_font_path() -> str | None:
    """A font file that draws Chinese: fontconfig first, then common paths, else None."""
    bundled = Path(__file__).resolve().parent.parent / "resources" / "fonts"
    if bundled.is_dir():
        for f in sorted(bundled.glob("*.tt[fc]")) + sorted(bundled.glob("*.otf")):
            return str(f)
    if shutil.which("fc-match"):
        try:
            out = subprocess.run(["fc-match", "-f", "%{file}", "WenQuanYi Micro Hei:lang=zh-cn"],
                                 capture_output=True, text=True, timeout=5).stdout.strip()
            if out and os.path.exists(out):
                return out
        except (OSError, subprocess.SubprocessError):
            pass
    return next((p for p in _FONT_CANDIDATES if os.path.exists(p)), None)


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = cjk_font_path()
    if path:
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            pass
    return ImageFont.load_default()

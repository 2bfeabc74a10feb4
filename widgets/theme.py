"""The dark control-room theme: colours, the QSS sheet and the bundled CJK font.

Every colour a view paints by hand (level pills, state dots, KPI tiles) comes from
here, so that the sheet in ``resources/theme/dark.qss`` and the painted parts agree.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtGui import QColor, QFont, QFontDatabase, QPalette
from PySide6.QtWidgets import QApplication

log = logging.getLogger(__name__)

RESOURCES_DIR = Path(__file__).resolve().parent.parent / "resources"
"""The project's ``resources/`` folder, found relative to this package."""

# Base palette of the duty screen: deep navy, high-contrast text, cyan accent.
BACKGROUND = "#0b1320"
SURFACE = "#111c2e"
SURFACE_RAISED = "#16243a"
BORDER = "#22354f"
TEXT = "#e6edf5"
TEXT_DIM = "#8fa3bf"
ACCENT = "#26c6da"
ACCENT_TEAL = "#1de9b6"
OK = "#43a047"
AMBER = "#ffb300"

LEVEL_COLOURS: dict[str, str] = {
    "red": "#e53935",
    "orange": "#fb8c00",
    "yellow": "#fdd835",
    "blue": "#1e88e5",
}
"""预警 red/orange/yellow/blue as the national warning colours are drawn here."""

LEVEL_TEXT_COLOURS: dict[str, str] = {
    "red": "#ffffff",
    "orange": "#1a1a1a",
    "yellow": "#1a1a1a",
    "blue": "#ffffff",
}
"""Text on a level pill; dark on yellow/orange keeps it legible."""

CONNECTION_COLOURS: dict[str, str] = {
    "connecting": AMBER,
    "live": OK,
    "reconnecting": AMBER,
    "offline": LEVEL_COLOURS["red"],
    "held": LEVEL_COLOURS["red"],
    "replay": "#ab47bc",
    "drill": "#ab47bc",
    "demo": "#ff7043",  # the embedded demo feed: simulated data, never the green of 在线 (issue 19)
    "unconfigured": LEVEL_COLOURS["red"],  # a production install with no gateway
}
"""Dot colour of each connection state in the status bar."""

STATE_COLOURS: dict[str, str] = {"ok": OK, "warn": AMBER, "alarm": LEVEL_COLOURS["red"], "none": TEXT_DIM}
"""KPI tile states."""

CJK_FAMILIES = ("WenQuanYi Micro Hei", "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC")
"""CJK families tried in order when none is bundled."""

SYSTEM_FONT_FILES = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
)
"""Well-known Debian locations, loaded explicitly when fontconfig does not list them."""


def qcolor(name: str) -> QColor:
    """A QColor from one of the hex names above."""
    return QColor(name)


def stylesheet(name: str = "dark") -> str:
    """The QSS text of a theme in ``resources/theme``; empty when it is missing."""
    path = RESOURCES_DIR / "theme" / f"{name}.qss"
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        log.warning("theme %s not found at %s", name, path)
        return ""


def apply_theme(app: QApplication, name: str = "dark") -> None:
    """Give the application the dark palette and the QSS sheet.

    The palette is set as well as the sheet because native dialogs and some
    painted widgets read the palette, not the sheet.
    """
    app.setStyle("Fusion")
    pal = QPalette()
    pal.setColor(QPalette.ColorRole.Window, QColor(BACKGROUND))
    pal.setColor(QPalette.ColorRole.WindowText, QColor(TEXT))
    pal.setColor(QPalette.ColorRole.Base, QColor(SURFACE))
    pal.setColor(QPalette.ColorRole.AlternateBase, QColor(SURFACE_RAISED))
    pal.setColor(QPalette.ColorRole.Text, QColor(TEXT))
    pal.setColor(QPalette.ColorRole.Button, QColor(SURFACE_RAISED))
    pal.setColor(QPalette.ColorRole.ButtonText, QColor(TEXT))
    pal.setColor(QPalette.ColorRole.Highlight, QColor("#1b5e74"))
    pal.setColor(QPalette.ColorRole.HighlightedText, QColor("#ffffff"))
    pal.setColor(QPalette.ColorRole.ToolTipBase, QColor(SURFACE_RAISED))
    pal.setColor(QPalette.ColorRole.ToolTipText, QColor(TEXT))
    pal.setColor(QPalette.ColorRole.PlaceholderText, QColor(TEXT_DIM))
    pal.setColor(QPalette.ColorRole.Link, QColor(ACCENT))
    app.setPalette(pal)
    app.setStyleSheet(stylesheet(name))


_cjk_family: str | None = None


def cjk_family() -> str | None:
    """Register the bundled CJK font (or a system one) once; its family, or None when no
    CJK family could be found. Needs a QGuiApplication; changes no application font."""
    global _cjk_family
    if _cjk_family is not None:
        return _cjk_family
    families: list[str] = []
    fonts_dir = RESOURCES_DIR / "fonts"
    candidates = sorted(p for p in fonts_dir.glob("*") if p.suffix.lower() in {".ttf", ".ttc", ".otf"})
    candidates += [p for p in SYSTEM_FONT_FILES if p.exists()]
    for path in candidates:
        font_id = QFontDatabase.addApplicationFont(str(path))
        if font_id >= 0:
            families.extend(QFontDatabase.applicationFontFamilies(font_id))
            break
    if not families:
        available = set(QFontDatabase.families())
        families = [f for f in CJK_FAMILIES if f in available]
    if not families:
        return None
    # Prefer the proportional face of a collection (the .ttc also holds a Mono one).
    _cjk_family = next((f for f in families if "Mono" not in f), families[0])
    return _cjk_family


def load_cjk_font(app: QApplication, point_size: int = 10) -> str | None:
    """Register the bundled CJK font (or a system one) and make it the app font.

    Returns the family in use, or None when no CJK family could be found (Chinese
    would then draw as boxes, which is logged loudly).
    """
    family = cjk_family()
    if family is None:
        log.error("no CJK font found: Chinese text will draw as boxes")
        return None
    font = QFont(family, point_size)
    font.setStyleStrategy(QFont.StyleStrategy.PreferAntialias)
    app.setFont(font)
    return family

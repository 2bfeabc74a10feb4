"""A report ready to print: HTML plus what the page layout needs, no Qt.

The core builds reports (``console.aar_report``, ``console.drill.report``) as a
:class:`PrintDocument`; the view layer turns it into PDF bytes
(``widgets.pdf.render_pdf``), and hands that function to the core as a
:data:`PdfRenderer` wherever a PDF is wanted.  Without a renderer the core writes
the HTML only: the core itself never imports Qt.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class TrendChart:
    """A small line chart the renderer draws as an image: values over time, with the
    start (red) and end (green) of the response marked when they fall inside."""

    points: tuple[tuple[datetime, float], ...]
    unit: str
    start: datetime | None = None
    end: datetime | None = None
    width: int = 520
    """Width on the page, in the document's pixels (drawn at twice that, then scaled)."""


@dataclass(frozen=True)
class PrintDocument:
    """One report for A4 pages. ``html`` names its pictures by resource name
    (``<img src='map.png'>``): ``images`` holds PNG bytes, ``charts`` what to draw."""

    html: str
    title: str
    creator: str = ""
    margins_mm: float = 12.0
    font_pt: float = 9.0
    watermark: str | None = None
    """Painted diagonally across every page (a drill's 演练)."""
    images: Mapping[str, bytes] = field(default_factory=dict)
    charts: Mapping[str, TrendChart] = field(default_factory=dict)


PdfRenderer = Callable[[PrintDocument], bytes]
"""``PrintDocument`` → PDF bytes; the view layer provides one (``widgets.pdf.render_pdf``)."""

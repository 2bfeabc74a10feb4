"""The one PDF renderer: a core :class:`~console.printable.PrintDocument` on A4 pages.

Qt lays the HTML out itself (``QTextDocument`` painted page by page on a
``QPdfWriter``), so no PDF library is needed. Pictures come as PNG bytes, charts as
data drawn here; a watermark (a drill's 演练) is painted across every page. With no
``QGuiApplication`` yet (headless ``pingshan-console drill run``) one is made on the
offscreen platform: fonts need it.

Both reports use it: the after-action report (``console.aar_report``) and the drill's
evaluation (``console.drill.report``); the core receives :func:`render_pdf` as its
``PdfRenderer`` and never imports Qt.
"""

from __future__ import annotations

import os

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QPointF, QRectF, QSizeF, Qt, QUrl
from PySide6.QtGui import (QColor, QFont, QGuiApplication, QImage, QPageLayout, QPageSize, QPainter, QPdfWriter,
                           QPen, QTextDocument)

from console.printable import PrintDocument, TrendChart
from widgets import theme

RESOLUTION_DPI = 150
WATERMARK_COLOUR = QColor(179, 38, 30, 40)

_app: QGuiApplication | None = None  # kept alive while documents are painted


def _ensure_gui() -> None:
    global _app
    if QGuiApplication.instance() is None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        _app = QGuiApplication(["pingshan-report"])


def trend_image(chart: TrendChart) -> QImage:
    """The chart at twice its page width (sharp in print), scaled to ``chart.width``."""
    w, h, pad = chart.width * 2, 240, 56
    img = QImage(w, h, QImage.Format.Format_RGB32)
    img.fill(QColor("white"))
    points = chart.points
    if len(points) < 2:
        return img.scaledToWidth(chart.width)
    p = QPainter(img)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    t0, t1 = points[0][0].timestamp(), points[-1][0].timestamp()
    vs = [v for _, v in points]
    lo, hi = min(vs), max(vs)
    hi = hi if hi - lo > 1e-9 else lo + 1
    span = max(t1 - t0, 1)

    def xy(ts: float, v: float) -> QPointF:
        return QPointF(pad + (ts - t0) / span * (w - 2 * pad), h - pad / 2 - (v - lo) / (hi - lo) * (h - pad * 1.5))

    p.setPen(QPen(QColor("#cccccc"), 2))
    p.drawRect(0, 0, w - 1, h - 1)
    for ts, colour in ((chart.start, "#b00000"), (chart.end, "#1b6e2e")):
        if ts is not None and t0 <= ts.timestamp() <= t1:
            x = xy(ts.timestamp(), lo).x()
            p.setPen(QPen(QColor(colour), 2, Qt.PenStyle.DashLine))
            p.drawLine(QPointF(x, 8), QPointF(x, h - 16))
    p.setPen(QPen(QColor("#1565c0"), 3))
    pts = [xy(ts.timestamp(), v) for ts, v in points]
    for a, b in zip(pts, pts[1:]):
        p.drawLine(a, b)
    p.setPen(QColor("#333333"))
    font = p.font()
    font.setPixelSize(20)
    p.setFont(font)
    p.drawText(4, 22, f"{hi:.1f}{chart.unit}")
    p.drawText(4, h - 8, f"{lo:.1f}{chart.unit}")
    p.end()
    return img.scaledToWidth(chart.width)


def _paint_watermark(painter: QPainter, page: QRectF, font: QFont, text: str) -> None:
    painter.save()
    mark = QFont(font)
    mark.setPixelSize(int(page.width() / 4))
    mark.setBold(True)
    painter.setFont(mark)
    painter.setPen(WATERMARK_COLOUR)
    painter.translate(QPointF(page.width() / 2, page.height() / 2))
    painter.rotate(-30)
    painter.drawText(QRectF(-page.width(), -page.height() / 4, 2 * page.width(), page.height() / 2),
                     int(Qt.AlignmentFlag.AlignCenter), text)
    painter.restore()


def render_pdf(document: PrintDocument) -> bytes:
    """The document as PDF bytes: A4 portrait, the bundled CJK font, its pictures and charts."""
    _ensure_gui()
    doc = QTextDocument()
    font = QFont()
    family = theme.cjk_family()
    if family:
        font = QFont(family)
    font.setPointSizeF(document.font_pt)
    doc.setDefaultFont(font)
    for name, png in document.images.items():
        img = QImage.fromData(png)
        if not img.isNull():
            doc.addResource(QTextDocument.ResourceType.ImageResource, QUrl(name), img)
    for name, chart in document.charts.items():
        doc.addResource(QTextDocument.ResourceType.ImageResource, QUrl(name), trend_image(chart))

    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buf)
    margins = document.margins_mm
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait,
                                     QMarginsF(margins, margins, margins, margins), QPageLayout.Unit.Millimeter))
    writer.setResolution(RESOLUTION_DPI)
    writer.setTitle(document.title)
    if document.creator:
        writer.setCreator(document.creator)
    rect = writer.pageLayout().paintRectPixels(writer.resolution())
    page = QRectF(0, 0, rect.width(), rect.height())
    doc.setPageSize(QSizeF(page.width(), page.height()))
    doc.setHtml(document.html)
    painter = QPainter(writer)
    try:
        for n in range(max(1, doc.pageCount())):
            if n:
                writer.newPage()
            painter.save()
            painter.translate(0, -n * page.height())
            doc.drawContents(painter, QRectF(0, n * page.height(), page.width(), page.height()))
            painter.restore()
            if document.watermark:
                _paint_watermark(painter, page, font, document.watermark)
    finally:
        painter.end()
    del writer
    buf.close()
    return bytes(data.data())

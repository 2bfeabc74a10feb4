"""Exports the operator asked for: PNG bytes and CSV text handed over by a view.

Views render (``QWidget.grab()`` → PNG bytes) and format; this module is the only
place that writes them to disk, to the path the operator chose in a file dialog.
Writes go to a temporary file beside the target and are renamed over it, so a full
disk or a crash never leaves a half-written file under the chosen name.
"""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
DRILL_MARK: str | None = None
"""Set while a drill runs (console/drill): text exports then start with this line (PNG grabs
carry the on-screen 演练 overlay)."""
_TEXT_SUFFIXES = (".csv", ".txt", ".md", ".html")
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
"""A cell starting with one of these opens as a formula in Excel, WPS or LibreOffice."""
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


class ExportError(OSError):
    """An export that could not be written; the message is Chinese, for the operator."""


def atomic_write(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file and a rename (never half a file)."""
    path = Path(path)
    if DRILL_MARK and path.suffix.lower() in _TEXT_SUFFIXES:
        bom = b"\xef\xbb\xbf" if data.startswith(b"\xef\xbb\xbf") else b""
        data = bom + f"{DRILL_MARK}\n".encode("utf-8") + data[len(bom):]
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise ExportError(f"导出失败：{path}（{exc.strerror or exc}）") from exc
    return path


def write_png(path: str | os.PathLike[str], png: bytes) -> Path:
    """Write a rendered panel (PNG bytes) to ``path``; ``.png`` is appended if missing."""
    if not png.startswith(PNG_MAGIC):
        raise ExportError("导出失败：图片数据不是 PNG")
    p = Path(path)
    if p.suffix.lower() != ".png":
        p = p.with_name(p.name + ".png")
    return atomic_write(p, png)


def csv_cell(value: Any) -> str:
    """One CSV cell that a spreadsheet shows as the text it is, never as a formula.

    Text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a
    leading single quote (the spreadsheet convention for "this is text"; the quote is
    not shown). Plain numbers such as ``-3.5`` stay numbers. ``None`` is empty.
    """
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_TRIGGERS) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def csv_text(rows: Iterable[Iterable[Any]], *, lineterminator: str = "\r\n") -> str:
    """Rows as CSV text with every cell passed through :func:`csv_cell`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=lineterminator)
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
    return out.getvalue()


def write_csv(path: str | os.PathLike[str], text: str) -> Path:
    """Write CSV text to ``path`` as UTF-8 with a BOM (Excel on a Chinese desktop then
    opens it without garbling the names); ``.csv`` is appended if missing."""
    p = Path(path)
    if p.suffix.lower() != ".csv":
        p = p.with_name(p.name + ".csv")
    return atomic_write(p, ("\ufeff" + text).encode("utf-8"))

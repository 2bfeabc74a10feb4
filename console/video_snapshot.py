"""Snapshots of a wall tile: a PNG with camera, time and operator in its text chunks.

The view renders the tile (PNG bytes); this service adds the metadata as PNG ``iTXt``
chunks (UTF-8, so Chinese camera names survive), writes the file through
:func:`console.exports.atomic_write` and records the export in the audit log.
"""

from __future__ import annotations

import re
import struct
import zlib
from datetime import datetime
from pathlib import Path
from typing import Any

from console.exports import PNG_MAGIC, ExportError, atomic_write
from district.vocabulary import DISTRICT_TZ


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def with_text(png: bytes, text: dict[str, str]) -> bytes:
    """``png`` with one uncompressed ``iTXt`` chunk per key inserted right after IHDR."""
    if not png.startswith(PNG_MAGIC) or png[12:16] != b"IHDR":
        raise ExportError("截图失败：图片数据不是 PNG")
    ihdr_end = 8 + 8 + struct.unpack(">I", png[8:12])[0] + 4
    extra = b"".join(
        _chunk(b"iTXt", key.encode("latin-1") + b"\x00\x00\x00" + b"\x00" + b"\x00" + value.encode("utf-8"))
        for key, value in text.items())
    return png[:ihdr_end] + extra + png[ihdr_end:]


def read_text(png: bytes) -> dict[str, str]:
    """The ``tEXt``/``iTXt`` chunks of a PNG (for tests and for the audit viewer)."""
    out: dict[str, str] = {}
    pos = 8
    while pos + 8 <= len(png):
        length = struct.unpack(">I", png[pos:pos + 4])[0]
        kind, data = png[pos + 4:pos + 8], png[pos + 8:pos + 8 + length]
        if kind == b"tEXt":
            k, _, v = data.partition(b"\x00")
            out[k.decode("latin-1")] = v.decode("latin-1")
        elif kind == b"iTXt":
            k, _, rest = data.partition(b"\x00")
            # compression flag, method, language tag\0, translated keyword\0, text
            rest = rest[2:]
            _lang, _, rest = rest.partition(b"\x00")
            _tk, _, value = rest.partition(b"\x00")
            out[k.decode("latin-1")] = value.decode("utf-8")
        pos += 12 + length
    return out


class CameraSnapshots:
    """Writes tile snapshots under ``directory`` and audits each one."""

    def __init__(self, directory: Path | str, operator: str, auditor: Any | None = None) -> None:
        self.directory = Path(directory)
        self.operator = operator
        self.auditor = auditor

    @classmethod
    def for_core(cls, core: Any) -> "CameraSnapshots":
        """Snapshots of a running console go to ``<cache>/snapshots``."""
        config = getattr(core, "config", None)
        base = Path(getattr(config, "cache_dir", ".")) / "snapshots"
        operator = str(getattr(config, "operator", "") or "值班员")
        return cls(base, operator, getattr(core, "auditor", None))

    def save(self, png: bytes, camera_id: str, camera_name: str, when: datetime | None = None) -> Path:
        """Write the snapshot; returns its path. Raises :class:`ExportError` (Chinese) on failure."""
        when = (when or datetime.now(DISTRICT_TZ)).astimezone(DISTRICT_TZ)
        meta = {
            "Title": f"{camera_name} 视频截图",
            "Camera": camera_id,
            "CameraName": camera_name,
            "Creation Time": when.isoformat(timespec="seconds"),
            "Author": self.operator,
            "Software": "坪山区城市运行指挥中心值班台",
        }
        data = with_text(png, meta)
        safe = re.sub(r"[^0-9A-Za-z_-]", "_", camera_id) or "camera"
        path = self.directory / f"{safe}_{when:%Y%m%d-%H%M%S}.png"
        n = 1
        while path.exists():
            path = self.directory / f"{safe}_{when:%Y%m%d-%H%M%S}-{n}.png"
            n += 1
        atomic_write(path, data)
        if self.auditor is not None:
            self.auditor.record("video.snapshot", camera_id, path=path.name, camera_name=camera_name,
                                at=meta["Creation Time"], bytes=len(data))
        return path

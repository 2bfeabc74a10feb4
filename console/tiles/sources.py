"""Where base-map tiles come from (:class:`TileSource`: XYZ or WMTS URL, auth header, GCJ-02 or
not), read from what the operator typed or a ``tile_source.json``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class TileSourceError(ValueError):
    """A source, bbox or zoom range the operator typed wrong; the message is Chinese."""


@dataclass(frozen=True)
class TileSource:
    """Where base-map tiles come from.

    ``kind`` ``xyz``: ``{z}``, ``{x}``, ``{y}`` (``{-y}`` for TMS servers, ``{s}`` for
    subdomains a/b/c).  ``kind`` ``wmts``: RESTful templates with ``{TileMatrix}``,
    ``{TileRow}``, ``{TileCol}`` (``{TileMatrixSet}`` optional), or a KVP GetTile URL
    to which ``TILEMATRIX``/``TILEROW``/``TILECOL`` are appended.  ``headers`` go with
    every request (e.g. ``Authorization``).  ``gcj02``: the tiles are in GCJ-02.
    """

    url: str
    kind: str = "xyz"
    headers: dict[str, str] = field(default_factory=dict)
    gcj02: bool = False
    name: str = "底图"
    matrix_set: str = "GoogleMapsCompatible"

    def __post_init__(self) -> None:
        if not self.url.lower().startswith(("http://", "https://")):
            raise TileSourceError(f"瓦片地址必须以 http:// 或 https:// 开头：{self.url}")
        if self.kind not in ("xyz", "wmts"):
            raise TileSourceError(f"未知的瓦片服务类型：{self.kind}（应为 xyz 或 wmts）")
        if self.kind == "xyz" and not all(k in self.url for k in ("{z}", "{x}")) \
                or self.kind == "xyz" and "{y}" not in self.url and "{-y}" not in self.url:
            raise TileSourceError("XYZ 瓦片地址须含 {z}、{x}、{y}，例如 http://host/tiles/{z}/{x}/{y}.png")

    def url_for(self, z: int, x: int, y: int) -> str:
        """The URL of XYZ tile ``z/x/y``."""
        if self.kind == "wmts":
            if "{TileMatrix}" in self.url:
                return (self.url.replace("{TileMatrixSet}", self.matrix_set).replace("{TileMatrix}", str(z))
                        .replace("{TileRow}", str(y)).replace("{TileCol}", str(x)))
            sep = "&" if "?" in self.url else "?"
            return f"{self.url}{sep}TILEMATRIX={z}&TILEROW={y}&TILECOL={x}"
        return (self.url.replace("{s}", "abc"[(x + y) % 3]).replace("{z}", str(z)).replace("{x}", str(x))
                .replace("{-y}", str((1 << z) - 1 - y)).replace("{y}", str(y)))

    def to_json(self) -> dict[str, Any]:
        """For ``tile_source.json`` (headers included: the file is the seat's own)."""
        return {"url": self.url, "kind": self.kind, "headers": dict(self.headers), "gcj02": self.gcj02,
                "name": self.name, "matrix_set": self.matrix_set}

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> "TileSource":
        """Inverse of :meth:`to_json`."""
        return cls(url=str(doc["url"]), kind=str(doc.get("kind", "xyz")), headers=dict(doc.get("headers") or {}),
                   gcj02=bool(doc.get("gcj02", False)), name=str(doc.get("name", "底图")),
                   matrix_set=str(doc.get("matrix_set", "GoogleMapsCompatible")))


def parse_header(text: str) -> tuple[str, str]:
    """``"Authorization: Bearer abc"`` → ``("Authorization", "Bearer abc")``."""
    name, sep, value = text.partition(":")
    if not sep or not name.strip():
        raise TileSourceError(f"请求头格式应为 “名称: 值”：{text}")
    return name.strip(), value.strip()

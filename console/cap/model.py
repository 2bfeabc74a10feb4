"""The CAP 1.2 vocabulary and the immutable message model (:class:`CapAlert` and its parts), with
:class:`CapError`, the refusal that names the element and the reason in Chinese.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Sequence


from console.models import GeoPoint, WarningLevel
from district.vocabulary import EARTH_RADIUS_M, LEVEL_RANK


CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
_NS = "{" + CAP_NS + "}"

STATUSES = ("Actual", "Exercise", "System", "Test", "Draft")
MSG_TYPES = ("Alert", "Update", "Cancel", "Ack", "Error")
SCOPES = ("Public", "Restricted", "Private")
CATEGORIES = ("Geo", "Met", "Safety", "Security", "Rescue", "Fire", "Health", "Env",
              "Transport", "Infra", "CBRNE", "Other")
RESPONSE_TYPES = ("Shelter", "Evacuate", "Prepare", "Execute", "Avoid", "Monitor",
                  "Assess", "AllClear", "None")
URGENCIES = ("Immediate", "Expected", "Future", "Past", "Unknown")
SEVERITIES = ("Extreme", "Severe", "Moderate", "Minor", "Unknown")
CERTAINTIES = ("Observed", "Likely", "Possible", "Unlikely", "Unknown")

SEVERITY_COLOUR: dict[str, WarningLevel] = {
    "Extreme": "red",
    "Severe": "orange",
    "Moderate": "yellow",
    "Minor": "blue",
    # The Chinese scheme has no colour for "unknown severity".  Blue (the least
    # severe) keeps such a warning visible in the queue instead of dropping it.
    "Unknown": "blue",
}
"""CAP severity → Chinese warning colour (预警 红/橙/黄/蓝)."""

# CAP 1.2 §3.3.2: "2002-05-24T16:49:00-07:00"; the schema pattern allows no
# fractional seconds and no "Z" ("-00:00" stands for UTC).
_DATETIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$")
_STATUS_PREFIX = {"Exercise": "【演练】", "Test": "【测试】", "System": "【系统】", "Draft": "【草稿】"}


class CapError(ValueError):
    """A CAP message that breaks CAP 1.2; the text is ``<element>: reason (value)``."""

    def __init__(self, element: str, reason: str, value: str | None = None) -> None:
        text = f"<{element}>: {reason}"
        if value is not None:
            shown = value if len(value) <= 80 else value[:77] + "..."
            text += f" ({shown})"
        super().__init__(text)
        self.element = element
        self.reason = reason


@dataclass(frozen=True)
class CapValue:
    """A ``valueName``/``value`` pair (eventCode, parameter, geocode)."""

    value_name: str
    value: str


@dataclass(frozen=True)
class CapCircle:
    """A CAP circle: centre (WGS84) and radius in kilometres."""

    lat: float
    lon: float
    radius_km: float

    def polygon(self, sides: int = 64) -> list[list[float]]:
        """A closed ring of ``sides`` vertices approximating the circle, as [lon, lat]."""
        ring: list[list[float]] = []
        d = self.radius_km * 1000.0 / EARTH_RADIUS_M
        lat1, lon1 = math.radians(self.lat), math.radians(self.lon)
        for k in range(sides):
            bearing = 2 * math.pi * k / sides
            lat2 = math.asin(math.sin(lat1) * math.cos(d)
                             + math.cos(lat1) * math.sin(d) * math.cos(bearing))
            lon2 = lon1 + math.atan2(math.sin(bearing) * math.sin(d) * math.cos(lat1),
                                     math.cos(d) - math.sin(lat1) * math.sin(lat2))
            ring.append([round(math.degrees(lon2), 7), round(math.degrees(lat2), 7)])
        ring.append(list(ring[0]))
        return ring


@dataclass(frozen=True)
class CapArea:
    """One ``<area>``: description, shapes as CAP gives them (lat, lon), geocodes."""

    area_desc: str
    polygons: tuple[tuple[tuple[float, float], ...], ...] = ()  # (lat, lon) points, closed
    circles: tuple[CapCircle, ...] = ()
    geocodes: tuple[CapValue, ...] = ()
    altitude: float | None = None
    ceiling: float | None = None

    def features(self, *, circle_polygons: bool = False) -> list[dict[str, Any]]:
        """The area as GeoJSON Features (RFC 7946, positions in [lon, lat] order).

        A polygon becomes a ``Polygon``; a circle a ``Point`` with a ``radius_m``
        property (plus, with ``circle_polygons``, a 64-gon ``Polygon``); an area
        with geocodes only yields no feature — its codes stay in :attr:`geocodes`.
        """
        props: dict[str, Any] = {"areaDesc": self.area_desc}
        if self.geocodes:
            props["geocodes"] = [{"valueName": g.value_name, "value": g.value} for g in self.geocodes]
        out: list[dict[str, Any]] = []
        for poly in self.polygons:
            ring = [[lon, lat] for lat, lon in poly]
            out.append({"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]},
                        "properties": dict(props)})
        for c in self.circles:
            out.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [c.lon, c.lat]},
                        "properties": {**props, "radius_m": c.radius_km * 1000.0}})
            if circle_polygons:
                out.append({"type": "Feature",
                            "geometry": {"type": "Polygon", "coordinates": [c.polygon()]},
                            "properties": {**props, "radius_m": c.radius_km * 1000.0,
                                           "approximates": "circle"}})
        return out

    def geometry(self) -> dict[str, Any] | None:
        """The first shape of the area as a GeoJSON geometry, or None (geocodes only)."""
        feats = self.features()
        return feats[0]["geometry"] if feats else None

    def centroid(self) -> GeoPoint | None:
        """Centre of the first shape: area centroid of a polygon, centre of a circle."""
        if self.polygons:
            return _ring_centroid(self.polygons[0])
        if self.circles:
            return GeoPoint(lon=self.circles[0].lon, lat=self.circles[0].lat)
        return None


@dataclass(frozen=True)
class CapInfo:
    """One ``<info>`` block: one language's rendering of the warning."""

    language: str
    categories: tuple[str, ...]
    event: str
    urgency: str
    severity: str
    certainty: str
    response_types: tuple[str, ...] = ()
    audience: str | None = None
    event_codes: tuple[CapValue, ...] = ()
    effective: datetime | None = None
    onset: datetime | None = None
    expires: datetime | None = None
    sender_name: str | None = None
    headline: str | None = None
    description: str | None = None
    instruction: str | None = None
    web: str | None = None
    contact: str | None = None
    parameters: tuple[CapValue, ...] = ()
    areas: tuple[CapArea, ...] = ()

    @property
    def colour(self) -> WarningLevel:
        """The Chinese warning colour of this block's severity (Unknown → blue)."""
        return SEVERITY_COLOUR[self.severity]


@dataclass(frozen=True)
class CapReference:
    """One entry of ``<references>``: the message an Update/Cancel refers to."""

    sender: str
    identifier: str
    sent: datetime


@dataclass(frozen=True)
class CapAlert:
    """A parsed, checked CAP 1.2 ``<alert>``; ``xml`` is the message as received."""

    identifier: str
    sender: str
    sent: datetime
    status: str
    msg_type: str
    scope: str
    source: str | None = None
    restriction: str | None = None
    addresses: str | None = None
    codes: tuple[str, ...] = ()
    note: str | None = None
    references: tuple[CapReference, ...] = ()
    incidents: str | None = None
    infos: tuple[CapInfo, ...] = ()
    xml: str = field(default="", repr=False)

    @property
    def key(self) -> tuple[str, str]:
        """(sender, identifier): unique per message by CAP 1.2's rules."""
        return (self.sender, self.identifier)

    def info_for(self, language: str) -> CapInfo | None:
        """The first info block whose language matches (case-insensitive, prefix ok)."""
        want = language.lower()
        for info in self.infos:
            lang = info.language.lower()
            if lang == want or lang.split("-")[0] == want:
                return info
        return None

    @property
    def level(self) -> WarningLevel:
        """The most severe colour over all info blocks (blue when there is none)."""
        if not self.infos:
            return "blue"
        return min((i.colour for i in self.infos), key=lambda c: LEVEL_RANK[c])


def _parse_datetime(element: str, value: str) -> datetime:
    if value.endswith("Z") or value.endswith("z"):
        raise CapError(element, "CAP 1.2 不允许用 Z 表示时区，UTC 须写作 -00:00", value)
    if not _DATETIME_RE.match(value):
        if re.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?$", value):
            raise CapError(element, "时间必须带时区偏移", value)
        raise CapError(element, "时间格式必须是 YYYY-MM-DDThh:mm:ss±hh:mm", value)
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise CapError(element, "不是有效的日期时间", value) from None


def _ring_centroid(points: Sequence[tuple[float, float]]) -> GeoPoint:
    """Planar area centroid of a closed (lat, lon) ring; vertex mean if degenerate.

    Planar is good enough at district scale (a few tens of kilometres).
    """
    area2 = cx = cy = 0.0
    for (lat0, lon0), (lat1, lon1) in zip(points, points[1:]):
        cross = lon0 * lat1 - lon1 * lat0
        area2 += cross
        cx += (lon0 + lon1) * cross
        cy += (lat0 + lat1) * cross
    if abs(area2) < 1e-12:
        body = points[:-1] or points
        return GeoPoint(lon=sum(p[1] for p in body) / len(body), lat=sum(p[0] for p in body) / len(body))
    return GeoPoint(lon=cx / (3 * area2), lat=cy / (3 * area2))

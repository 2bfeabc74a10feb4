"""OASIS CAP 1.2 (Common Alerting Protocol) early warnings: parse, check, map.

China's national early-warning release system (国家突发事件预警信息发布系统) and the
Shenzhen meteorological bureau publish warnings as CAP 1.2 XML.  This module turns
such a message into an immutable :class:`CapAlert`, refusing anything the CAP 1.2
specification forbids with a :class:`CapError` that names the element and the
reason in Chinese (the operator reads it), then maps it onto the console's wire
``Alert`` (:func:`cap_to_alert`) and follows a warning through its Updates and
Cancels (:class:`CapLedger`).

What is required, how often it may occur, in which order and what may be empty is
the OASIS CAP 1.2 schema's word (``resources/schemas/CAP-v1.2.xsd``, checked with
xmlschema); an empty ``<value/>`` is a valid plain string there and is accepted.
The rules the specification states only in words stand on top (:data:`SPEC_RULES`).
Bytes are decoded as XML 1.0 Appendix F says (byte-order mark, then declaration), so
UTF-16 with a BOM is read.  defusedxml parses: a DOCTYPE, an entity or an external
reference is refused outright, because CAP never needs one.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import math
import re
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Literal, Mapping, Sequence

import xmlschema
from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml import ElementTree as SafeET

from console.models import Alert, AlertNote, GeoPoint, WarningLevel
from district.vocabulary import EARTH_RADIUS_M, LEVEL_RANK, LEVEL_ZH

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


# --------------------------------------------------------------------------- model


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


# --------------------------------------------------------------------------- parsing


def parse_cap(xml: bytes | str) -> CapAlert:
    """Parse and check one CAP 1.2 message; raise :class:`CapError` on any violation.

    What must be present, how often, in which order and what may be empty comes from
    the OASIS CAP 1.2 schema (:func:`cap_schema`); on top of it stand the rules the
    specification states in words only (see :data:`SPEC_RULES`).
    """
    text = _decode(xml) if isinstance(xml, bytes) else xml
    root = _safe_parse(text)
    if root.tag != _NS + "alert":
        ns, _, local = root.tag[1:].partition("}") if root.tag.startswith("{") else ("", "", root.tag)
        if local == "alert":
            raise CapError("alert", f"命名空间必须是 {CAP_NS}", ns or "无命名空间")
        raise CapError(local, "根元素必须是 CAP 1.2 的 <alert>")
    el = _Element(root, "", "alert")

    identifier = el.required("identifier")
    _check_id_text("identifier", identifier)
    sender = el.required("sender")
    _check_id_text("sender", sender)
    sent = el.when("sent")
    assert sent is not None  # required: when() raised otherwise
    status = el.required("status")
    msg_type = el.required("msgType")
    scope = el.required("scope")
    restriction = el.optional("restriction")
    if scope == "Restricted" and not restriction:
        raise CapError("restriction", "scope 为 Restricted 时必须给出 restriction")
    addresses = el.optional("addresses")
    if scope == "Private" and not addresses:
        raise CapError("addresses", "scope 为 Private 时必须给出 addresses")
    refs_text = el.optional("references")
    references = _parse_references(refs_text) if refs_text else ()
    if msg_type in ("Update", "Cancel") and not references:
        raise CapError("references", f"msgType 为 {msg_type} 时必须引用原预警（sender,identifier,sent）")
    infos = tuple(_parse_info(child, f"info[{n}]")
                  for n, child in enumerate(el.children("info"), start=1))
    codes = tuple(el.many("code"))
    _check_schema(root)  # order, unknown CAP elements, <resource>: what the walk above does not read
    return CapAlert(
        identifier=identifier,
        sender=sender,
        sent=sent,
        status=status,
        msg_type=msg_type,
        scope=scope,
        source=el.optional("source"),
        restriction=restriction,
        addresses=addresses,
        codes=codes,
        note=el.optional("note"),
        references=references,
        incidents=el.optional("incidents"),
        infos=infos,
        xml=text,
    )


SPEC_RULES = (
    "identifier 与 sender 不得为空，不得含空白、逗号、< 或 &（CAP 1.2 §3.2.1，references 用它们组成消息键）",
    "scope 为 Restricted 时须有 restriction，为 Private 时须有 addresses",
    "msgType 为 Update/Cancel 时须有 references，每项为 sender,identifier,sent",
    "polygon 至少 4 个 纬度,经度 点且首尾相同；circle 为 纬度,经度 半径；坐标在范围内",
    "给出 ceiling 时须同时给出 altitude",
)
"""The CAP 1.2 rules stated in the specification's text, checked on top of the schema."""

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "resources" / "schemas" / "CAP-v1.2.xsd"
_DSIG_NS = "http://www.w3.org/2000/09/xmldsig#"


@functools.lru_cache(maxsize=1)
def cap_schema() -> xmlschema.XMLSchema:
    """The OASIS CAP 1.2 schema (vendored, read once).

    ``use_fallback=False``: the schema's ``<any namespace=xmldsig processContents=lax>``
    then skips signatures instead of checking them against xmlschema's bundled
    XML-Signature schema — the console does not verify signatures, and real feeds
    (Canada's NAAD) sign with Id values that schema would refuse.
    """
    return xmlschema.XMLSchema(str(SCHEMA_PATH), use_fallback=False)


@functools.lru_cache(maxsize=None)
def _model(parent: str) -> dict[str, Any]:
    """Schema declarations of the CAP children of element ``parent`` (local names)."""
    schema = cap_schema()
    decl = _find_decl(schema.elements["alert"], parent)
    if decl is None or decl.type.is_simple():
        return {}
    return {child.local_name: child for child in decl.type.content.iter_elements() if child.local_name}


def _find_decl(decl: Any, local: str) -> Any:
    if decl.local_name == local:
        return decl
    if decl.type.is_simple() or decl.type.content is None:
        return None
    for child in decl.type.content.iter_elements():
        if child.local_name is None:
            continue
        found = _find_decl(child, local)
        if found is not None:
            return found
    return None


def _safe_parse(text: str) -> ET.Element:
    """Parse with defusedxml: no DTD, no entities, no external references."""
    try:
        # Parsed as text: expat cannot decode multi-byte legacy encodings such as
        # GB2312/GB18030 itself, so _decode() has already applied the declaration.
        return SafeET.fromstring(text, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden):
        raise CapError("alert", "CAP 消息不允许包含 DOCTYPE/ENTITY 声明") from None
    except ET.ParseError as exc:
        raise CapError("alert", f"XML 格式错误：{exc}") from None


_ENCODING_RE = re.compile(rb"""^(?:\xef\xbb\xbf)?<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_BOMS = ((b"\x00\x00\xfe\xff", "utf-32"), (b"\xff\xfe\x00\x00", "utf-32"), (b"\xef\xbb\xbf", "utf-8-sig"),
         (b"\xfe\xff", "utf-16"), (b"\xff\xfe", "utf-16"))
_NO_BOM_UTF16 = ((b"<\x00?\x00", "utf-16-le"), (b"\x00<\x00?", "utf-16-be"))


def _decode(raw: bytes) -> str:
    """Bytes → text as XML 1.0 Appendix F says: a byte-order mark first, then the
    declaration's encoding (UTF-8 when none is declared)."""
    for bom, codec in _BOMS:
        if raw.startswith(bom):
            return _decode_as(raw, codec, "UTF-16" if codec == "utf-16" else codec.upper().removesuffix("-SIG"))
    for start, codec in _NO_BOM_UTF16:
        if raw.startswith(start):
            return _decode_as(raw, codec, "UTF-16")
    m = _ENCODING_RE.match(raw)
    encoding = m.group(1).decode("ascii") if m else "utf-8"
    if encoding.lower().replace("_", "-") in ("utf-16", "utf-32", "utf-16le", "utf-16be", "ucs-2"):
        raise CapError("alert", f"无法按 {encoding} 解码：声明为 {encoding}，但没有字节顺序标记且内容是单字节编码")
    return _decode_as(raw, "utf-8-sig" if encoding.lower() in ("utf-8", "utf8") else encoding, encoding)


def _decode_as(raw: bytes, codec: str, shown: str) -> str:
    try:
        return raw.decode(codec)
    except LookupError:
        raise CapError("alert", "不支持的字符编码", shown) from None
    except UnicodeDecodeError as exc:
        raise CapError("alert", f"无法按 {shown} 解码（第 {exc.start} 字节）") from None


class _Element:
    """Reads the CAP children of one element by the schema; names them by path in errors."""

    def __init__(self, node: ET.Element, path: str, local: str) -> None:
        self.node = node
        self.path = path
        self.model = _model(local)

    def name(self, local: str) -> str:
        return f"{self.path}/{local}" if self.path else local

    def children(self, local: str) -> list[ET.Element]:
        found = self.node.findall(_NS + local)
        decl = self.model[local]
        if decl.max_occurs is not None and len(found) > decl.max_occurs:
            raise CapError(self.name(local), f"只能出现一次，实际出现 {len(found)} 次")
        if len(found) < decl.min_occurs:
            raise CapError(self.name(local), "缺少必需元素" if decl.max_occurs == 1 else "缺少必需元素（至少一个）")
        return found

    def _text(self, local: str, node: ET.Element) -> str:
        """The element's text, checked against its schema type; strings stripped."""
        raw = node.text or ""
        xsd_type = self.model[local].type
        if not xsd_type.is_valid(raw):
            _refuse_value(self.name(local), xsd_type, raw)
        return raw.strip()

    def optional(self, local: str) -> str | None:
        """The text of an element that may be absent; absent or empty → None."""
        found = self.children(local)
        return (self._text(local, found[0]) or None) if found else None

    def required(self, local: str) -> str:
        """The text of a required element; ``""`` where the schema allows it empty."""
        found = self.children(local)
        return self._text(local, found[0])

    def many(self, local: str) -> list[str]:
        return [self._text(local, node) for node in self.children(local)]

    def when(self, local: str) -> datetime | None:
        value = self.optional(local)
        return _parse_datetime(self.name(local), value) if value else None

    def values(self, local: str) -> tuple[CapValue, ...]:
        out = []
        for n, node in enumerate(self.children(local), start=1):
            sub = _Element(node, f"{self.name(local)}[{n}]", local)
            out.append(CapValue(sub.required("valueName"), sub.required("value")))
        return tuple(out)


def _refuse_value(element: str, xsd_type: Any, raw: str) -> None:
    """Raise the Chinese reason why ``raw`` is not a value of ``xsd_type``."""
    value = raw.strip()
    enumeration = getattr(xsd_type, "enumeration", None)
    if enumeration:
        allowed = f"取值必须是 {'|'.join(enumeration)} 之一"
        if not value:
            raise CapError(element, "为空，" + allowed)
        raise CapError(element, allowed, raw)
    if not value:
        raise CapError(element, "为空")
    builtin = xsd_type if xsd_type.name else xsd_type.base_type
    primitive = getattr(xsd_type, "primitive_type", builtin)
    if primitive.local_name == "dateTime":
        _parse_datetime(element, value)  # raises the precise reason
        raise CapError(element, "不是有效的日期时间", raw)
    reasons = {"language": "不是有效的语言代码（如 zh-CN）", "integer": "必须是整数",
               "decimal": "必须是数值", "anyURI": "不是有效的 URI"}
    reason = reasons.get(builtin.local_name) or reasons.get(primitive.local_name) or "不符合 CAP 1.2 模式规定的类型"
    raise CapError(element, reason, raw)


def _check_schema(root: ET.Element) -> None:
    """The whole message against the schema; the first problem as a Chinese CapError."""
    error = next(cap_schema().iter_errors(root), None)
    if error is None:
        return
    paths = _paths(root)
    parents = {id(child): node for node in root.iter() for child in node}
    elem = error.elem if isinstance(error.elem, ET.Element) else root
    where = paths.get(id(elem), "alert")
    if isinstance(error, xmlschema.XMLSchemaChildrenValidationError):
        expected = [getattr(e, "local_name", None) for e in (error.expected or [])]
        expected = [e for e in expected if e]
        child = error.invalid_child
        present = {c.tag for c in elem}
        base = "" if where == "alert" else where + "/"
        if child is None or (expected and all(_NS + e not in present for e in expected)):
            raise CapError(base + (expected[0] if expected else "?"), "缺少必需元素")
        name = paths.get(id(child), base + _local(child.tag))
        if not child.tag.startswith(_NS) and not child.tag.startswith("{" + _DSIG_NS):
            raise CapError(name, "CAP 1.2 不允许在此处出现其他命名空间的元素", child.tag)
        if child.tag.startswith(_NS) and _local(child.tag) not in _model(_local(elem.tag)):
            raise CapError(name, f"不是 <{_local(elem.tag)}> 中的 CAP 1.2 元素")
        wanted = "、".join(f"<{e}>" for e in expected)
        raise CapError(name, "元素顺序或出现次数不符合 CAP 1.2" + (f"（此处应为 {wanted}）" if wanted else ""))
    parent = parents.get(id(elem))
    decl = _model(_local(parent.tag)).get(_local(elem.tag)) if parent is not None else None
    if decl is not None and decl.type.is_simple() and not decl.type.is_valid(elem.text or ""):
        _refuse_value(where, decl.type, elem.text or "")
    raise CapError(where, "不符合 OASIS CAP 1.2 模式", (elem.text or "").strip() or None)


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _paths(root: ET.Element) -> dict[int, str]:
    """id(element) → the path the errors use (``info[1]/area[2]/polygon``)."""
    out: dict[int, str] = {}

    def walk(node: ET.Element, path: str) -> None:
        counts: dict[str, int] = {}
        repeated = {c.tag for c in node if sum(1 for d in node if d.tag == c.tag) > 1 or _local(c.tag) in
                    ("info", "area", "parameter", "eventCode", "geocode", "resource")}
        for child in node:
            local = _local(child.tag)
            counts[local] = counts.get(local, 0) + 1
            step = f"{local}[{counts[local]}]" if child.tag in repeated else local
            child_path = f"{path}/{step}" if path else step
            out[id(child)] = child_path
            walk(child, child_path)

    out[id(root)] = "alert"
    walk(root, "")
    return out


def _check_id_text(element: str, value: str) -> None:
    # CAP 1.2 §3.2.1: identifier and sender MUST NOT include spaces, commas or
    # the restricted characters < and &; space and comma separate <references>,
    # where (sender, identifier) names a message: an empty one names nothing.
    if not value:
        raise CapError(element, "为空（CAP 1.2 用 sender 与 identifier 唯一标识一条消息）")
    if any(ch.isspace() for ch in value):
        raise CapError(element, "不得包含空白字符", value)
    for bad, label in ((",", "逗号"), ("<", "<"), ("&", "&")):
        if bad in value:
            raise CapError(element, f"不得包含{label}", value)


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


def _parse_references(text: str) -> tuple[CapReference, ...]:
    refs = []
    for token in text.split():
        parts = token.split(",")
        if len(parts) != 3 or not all(parts):
            raise CapError("references", "每项必须是 sender,identifier,sent，以空格分隔", token)
        refs.append(CapReference(parts[0], parts[1], _parse_datetime("references", parts[2])))
    return tuple(refs)


def _parse_info(node: ET.Element, path: str) -> CapInfo:
    el = _Element(node, path, "info")
    categories = tuple(el.many("category"))
    response_types = tuple(el.many("responseType"))
    event = el.required("event")
    urgency = el.required("urgency")
    severity = el.required("severity")
    certainty = el.required("certainty")
    event_codes = el.values("eventCode")
    effective, onset, expires = el.when("effective"), el.when("onset"), el.when("expires")
    parameters = el.values("parameter")
    areas = tuple(_parse_area(child, el.name(f"area[{n}]"))
                  for n, child in enumerate(el.children("area"), start=1))
    return CapInfo(
        language=el.optional("language") or "en-US",  # the schema's default
        categories=categories,
        event=event,
        urgency=urgency,
        severity=severity,
        certainty=certainty,
        response_types=response_types,
        audience=el.optional("audience"),
        event_codes=event_codes,
        effective=effective,
        onset=onset,
        expires=expires,
        sender_name=el.optional("senderName"),
        headline=el.optional("headline"),
        description=el.optional("description"),
        instruction=el.optional("instruction"),
        web=el.optional("web"),
        contact=el.optional("contact"),
        parameters=parameters,
        areas=areas,
    )


def _parse_area(node: ET.Element, path: str) -> CapArea:
    el = _Element(node, path, "area")
    area_desc = el.required("areaDesc")
    # The schema types polygon and circle as plain strings: an empty one is no shape.
    polygons = tuple(_parse_polygon(el.name("polygon"), text) for text in el.many("polygon") if text)
    circles = tuple(_parse_circle(el.name("circle"), text) for text in el.many("circle") if text)
    altitude = _number(el.name("altitude"), el.optional("altitude"))
    ceiling = _number(el.name("ceiling"), el.optional("ceiling"))
    if ceiling is not None and altitude is None:
        raise CapError(el.name("ceiling"), "给出 ceiling 时必须同时给出 altitude")
    return CapArea(area_desc=area_desc, polygons=polygons, circles=circles,
                   geocodes=el.values("geocode"), altitude=altitude, ceiling=ceiling)


def _number(element: str, text: str | None) -> float | None:
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        raise CapError(element, "必须是数值", text) from None
    if not math.isfinite(value):
        raise CapError(element, "必须是有限数值", text)
    return value


def _point(element: str, token: str) -> tuple[float, float]:
    parts = token.split(",")
    if len(parts) != 2:
        raise CapError(element, "坐标点必须写作 纬度,经度", token)
    try:
        lat, lon = float(parts[0]), float(parts[1])
    except ValueError:
        raise CapError(element, "坐标必须是数值", token) from None
    if not (-90 <= lat <= 90):
        raise CapError(element, "纬度超出 -90..90（CAP 的顺序是 纬度,经度）", token)
    if not (-180 <= lon <= 180):
        raise CapError(element, "经度超出 -180..180", token)
    return (lat, lon)


def _parse_polygon(element: str, text: str) -> tuple[tuple[float, float], ...]:
    points = tuple(_point(element, tok) for tok in text.split())
    if len(points) < 4:
        raise CapError(element, f"多边形至少需要 4 个坐标点，实际 {len(points)} 个", text)
    if points[0] != points[-1]:
        raise CapError(element, "多边形未闭合：首点必须与末点相同", text)
    return points


def _parse_circle(element: str, text: str) -> CapCircle:
    parts = text.split()
    if len(parts) != 2:
        raise CapError(element, "圆必须写作 纬度,经度 半径(公里)", text)
    lat, lon = _point(element, parts[0])
    radius = _number(element, parts[1])
    if radius is None or radius < 0:
        raise CapError(element, "半径必须是非负数（公里）", text)
    return CapCircle(lat=lat, lon=lon, radius_km=radius)


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


# --------------------------------------------------------------------------- mapping


def console_alert_id(sender: str, identifier: str) -> str:
    """The console alert id of a CAP message: stable across restarts and machines."""
    digest = hashlib.sha256(f"{sender}\n{identifier}".encode("utf-8")).hexdigest()
    return f"cap-{digest[:20]}"


def primary_info(cap: CapAlert) -> CapInfo | None:
    """The info block the console shows: the zh-CN one if present, else the first."""
    return cap.info_for("zh-CN") or cap.info_for("zh") or (cap.infos[0] if cap.infos else None)


def _match_street(cap: CapAlert) -> tuple[str | None, GeoPoint | None]:
    """A street named by a geocode (street id or Chinese name), with its centre."""
    from console.catalogue import streets  # the catalogue reads files: only when needed

    codes = [g.value.strip() for i in cap.infos for a in i.areas for g in a.geocodes]
    if not codes:
        return None, None
    for street in streets():
        names = {street.id, street.name_zh, street.name_zh.removesuffix("街道"),
                 street.name_zh.removesuffix("街道") + "街道"}
        if any(code in names for code in codes):
            return street.id, GeoPoint(lon=street.centre.lon, lat=street.centre.lat)
    return None, None


def cap_to_alert(cap: CapAlert, *, received_at: datetime) -> Alert:
    """Map a CAP message to the console's wire ``Alert`` (rev 1, status new).

    Level: the most severe info block; title and text: the zh-CN block if there is
    one; location: centroid of the first area shape (else the matched street's
    centre); ``cap``: the XML as received.  A Cancel maps to a closed alert.
    """
    if received_at.tzinfo is None:
        raise ValueError("received_at must be timezone-aware")
    info = primary_info(cap)
    prefix = _STATUS_PREFIX.get(cap.status, "")
    if info is not None:
        title = info.headline or info.event
        parts = [p for p in (info.description, info.instruction and f"防御指引：{info.instruction}") if p]
        description = "\n".join(parts)
        actor = info.sender_name or cap.sender
    else:
        title = ("预警已解除" if cap.msg_type == "Cancel" else f"CAP {cap.msg_type}") + f"（{cap.identifier}）"
        description = cap.note or ""
        actor = cap.sender
    street, street_centre = _match_street(cap)
    location = None
    for i in ([info] if info else []) + list(cap.infos):
        for area in i.areas:
            location = area.centroid()
            if location is not None:
                break
        if location is not None:
            break
    if location is None:
        location = street_centre
    closed = cap.msg_type == "Cancel"
    note = AlertNote(ts=received_at, actor=actor, action="close" if closed else "create",
                     text="预警已解除" if closed else f"CAP {cap.msg_type} {cap.identifier}")
    return Alert(
        id=console_alert_id(cap.sender, cap.identifier),
        rev=1,
        level=cap.level,
        status="closed" if closed else "new",
        source="early_warning",
        category="early_warning",
        title=prefix + title,
        description=description,
        street=street,
        location=location,
        created_at=cap.sent,
        updated_at=max(cap.sent, received_at),
        timeline=(note,),
        cap=cap.xml,
    )


# --------------------------------------------------------------------------- ledger

LedgerAction = Literal["created", "updated", "cancelled", "ignored"]


@dataclass(frozen=True)
class LedgerResult:
    """What :meth:`CapLedger.apply` did; ``problems`` are for the operator (Chinese)."""

    action: LedgerAction
    alert: Alert | None
    problems: tuple[str, ...] = ()


class CapLedger:
    """Follows CAP warnings through Update and Cancel, in memory.

    Every applied message's (sender, identifier) is remembered with the console
    alert it belongs to, so an Update may reference the original or any earlier
    Update.  An Update replaces the content of the referenced alert (same console
    id, rev + 1); a Cancel closes it with the timeline note "预警已解除".  A
    reference to a message never seen is reported in the result, never raised.
    """

    def __init__(self, alerts: Iterable[Alert] = (), owners: Mapping[tuple[str, str], str] | None = None) -> None:
        """An empty ledger, or one that goes on from a picture kept elsewhere (a server's state):
        ``alerts`` the warnings' current alerts, ``owners`` CAP (sender, identifier) → alert id.
        Both are copied: applying a message changes nothing outside the ledger."""
        self._alerts: dict[str, Alert] = {a.id: a for a in alerts}
        self._owner: dict[tuple[str, str], str] = dict(owners or {})  # CAP key → console alert id

    def get(self, alert_id: str) -> Alert | None:
        return self._alerts.get(alert_id)

    def values(self) -> list[Alert]:
        return list(self._alerts.values())

    def __len__(self) -> int:
        return len(self._alerts)

    def apply(self, cap: CapAlert, *, received_at: datetime) -> LedgerResult:
        """Apply one parsed message and return what changed."""
        if cap.key in self._owner:
            return LedgerResult("ignored", self._alerts[self._owner[cap.key]],
                                (f"重复的 CAP 消息 {cap.identifier}，已忽略",))
        if cap.msg_type in ("Ack", "Error"):
            return LedgerResult("ignored", None, (f"CAP {cap.msg_type} 消息不生成告警（{cap.identifier}）",))
        if cap.msg_type == "Alert":
            return self._create(cap, received_at, ())

        problems: list[str] = []
        targets: list[str] = []
        for ref in cap.references:
            owner = self._owner.get((ref.sender, ref.identifier))
            if owner is None:
                problems.append(f"<references>: 引用的预警未收到（{ref.sender},{ref.identifier}）")
            elif owner not in targets:
                targets.append(owner)
        if len(targets) > 1:
            problems.append(f"<references>: 引用了 {len(targets)} 条不同的预警，只处理第一条")

        if cap.msg_type == "Cancel":
            if not targets:
                return LedgerResult("ignored", None, tuple(problems) or ("<references>: 无可解除的预警",))
            old = self._alerts[targets[0]]
            self._owner[cap.key] = old.id
            new = old.model_copy(update={
                "rev": old.rev + 1,
                "status": "closed",
                "updated_at": max(old.updated_at, received_at),
                "cap": cap.xml,
                "timeline": old.timeline + (AlertNote(
                    ts=received_at, actor=self._actor(cap), action="close", text="预警已解除"),),
            })
            self._alerts[old.id] = new
            return LedgerResult("cancelled", new, tuple(problems))

        # Update
        if not targets:
            problems.append("<references>: 按新预警处理")
            return self._create(cap, received_at, tuple(problems))
        old = self._alerts[targets[0]]
        fresh = cap_to_alert(cap, received_at=received_at)
        status = old.status
        if old.status == "closed":
            problems.append("已解除的预警收到更新，重新列为待签收")
            status = "new"
        headline = fresh.title
        new = fresh.model_copy(update={
            "id": old.id,
            "rev": old.rev + 1,
            "status": status,
            "created_at": old.created_at,
            "updated_at": max(old.updated_at, received_at),
            "acknowledged_by": old.acknowledged_by,
            "assigned_unit": old.assigned_unit,
            "timeline": old.timeline + (AlertNote(
                ts=received_at, actor=self._actor(cap), action="update",
                text=f"预警已更新：{headline}（{LEVEL_ZH[fresh.level]}）"),),
        })
        self._owner[cap.key] = old.id
        self._alerts[old.id] = new
        return LedgerResult("updated", new, tuple(problems))

    def _create(self, cap: CapAlert, received_at: datetime, problems: tuple[str, ...]) -> LedgerResult:
        alert = cap_to_alert(cap, received_at=received_at)
        self._owner[cap.key] = alert.id
        self._alerts[alert.id] = alert
        return LedgerResult("created", alert, problems)

    @staticmethod
    def _actor(cap: CapAlert) -> str:
        info = primary_info(cap)
        return (info.sender_name if info and info.sender_name else None) or cap.sender


# --------------------------------------------------------------------------- CLI


def describe(cap: CapAlert, alert: Alert) -> dict[str, Any]:
    """The JSON object ``pingshan-console cap`` prints for one message."""
    return {
        "msg_type": cap.msg_type,
        "status": cap.status,
        "references": [f"{r.sender},{r.identifier},{r.sent.isoformat()}" for r in cap.references],
        "alert": alert.model_dump(mode="json"),
        "infos": [
            {
                "language": i.language,
                "event": i.event,
                "headline": i.headline,
                "severity": i.severity,
                "colour": i.colour,
                "areas": [{"areaDesc": a.area_desc, "features": a.features(),
                           "geocodes": [{"valueName": g.value_name, "value": g.value} for g in a.geocodes]}
                          for a in i.areas],
            }
            for i in cap.infos
        ],
    }


def main_cap(argv: Sequence[str] | None = None) -> int:
    """``pingshan-console cap FILE...``: one JSON line per valid file; exit 1 if any is invalid."""
    parser = argparse.ArgumentParser(prog="pingshan-console cap",
                                     description="解析并校验 CAP 1.2 预警文件")
    parser.add_argument("files", nargs="+", metavar="FILE")
    args = parser.parse_args(list(argv) if argv is not None else None)
    failed = False
    received_at = datetime.now(timezone.utc)
    for name in args.files:
        try:
            data = Path(name).read_bytes()
        except OSError as exc:
            print(f"{name}: 无法读取文件：{exc.strerror or exc}", file=sys.stderr)
            failed = True
            continue
        try:
            cap = parse_cap(data)
        except CapError as exc:
            print(f"{name}: {exc}", file=sys.stderr)
            failed = True
            continue
        line = {"file": name, **describe(cap, cap_to_alert(cap, received_at=received_at))}
        print(json.dumps(line, ensure_ascii=False))
    return 1 if failed else 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main_cap())

"""One CAP 1.2 message to a :class:`~console.cap.model.CapAlert` (:func:`parse_cap`): the walk over
the elements, and the rules the specification states only in words (:data:`SPEC_RULES`).
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from datetime import datetime


from console.cap.model import (_NS, CAP_NS, CapAlert, CapArea, CapCircle, CapError, CapInfo,
                               CapReference, CapValue, _parse_datetime)
from console.cap.schema import _check_schema, _decode, _model, _refuse_value, _safe_parse

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

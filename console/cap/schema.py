"""From bytes to a checked XML tree: decoding as XML 1.0 Appendix F says, defused parsing (no DTD,
entities or external references), and the OASIS CAP 1.2 schema (:func:`cap_schema`): order,
occurrence, unknown elements and the values' types.
"""

from __future__ import annotations

import functools
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import xmlschema
from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml import ElementTree as SafeET

from console.cap.model import _NS, CapError, _parse_datetime

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "resources" / "schemas" / "CAP-v1.2.xsd"
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

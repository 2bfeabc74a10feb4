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

Modules
-------
* :mod:`~console.cap.model`: the CAP vocabulary, :class:`CapAlert` and its parts, :class:`CapError`.
* :mod:`~console.cap.schema`: bytes to a checked XML tree (decoding, defusedxml, the OASIS schema).
* :mod:`~console.cap.parse`: :func:`parse_cap` and the rules stated only in words (:data:`SPEC_RULES`).
* :mod:`~console.cap.mapping`: :func:`cap_to_alert`, :func:`console_alert_id`, :func:`primary_info`.
* :mod:`~console.cap.ledger`: :class:`CapLedger`, Updates and Cancels.
* :mod:`~console.cap.cli`: ``pingshan-console cap`` (:func:`main_cap`); ``python -m console.cap`` runs it too.
"""

from __future__ import annotations

from console.cap.cli import describe, main_cap
from console.cap.ledger import CapLedger, LedgerAction, LedgerResult
from console.cap.mapping import cap_to_alert, console_alert_id, primary_info
from console.cap.model import (CAP_NS, CATEGORIES, CERTAINTIES, MSG_TYPES, RESPONSE_TYPES, SCOPES, SEVERITIES,
                               SEVERITY_COLOUR, STATUSES, URGENCIES, CapAlert, CapArea, CapCircle, CapError, CapInfo,
                               CapReference, CapValue)
from console.cap.parse import SPEC_RULES, parse_cap
from console.cap.schema import SCHEMA_PATH, cap_schema

__all__ = ["describe", "main_cap", "CapLedger", "LedgerAction", "LedgerResult", "cap_to_alert", "console_alert_id",
           "primary_info", "CAP_NS", "CATEGORIES", "CERTAINTIES", "MSG_TYPES", "RESPONSE_TYPES", "SCOPES",
           "SEVERITIES", "SEVERITY_COLOUR", "STATUSES", "URGENCIES", "CapAlert", "CapArea", "CapCircle", "CapError",
           "CapInfo", "CapReference", "CapValue", "SPEC_RULES", "parse_cap", "SCHEMA_PATH", "cap_schema"]

"""A CAP message onto the console's wire ``Alert`` (:func:`cap_to_alert`): its id, its info block,
its street and place.
"""

from __future__ import annotations

import hashlib
from datetime import datetime


from console.models import Alert, AlertNote, GeoPoint
from console.cap.model import _STATUS_PREFIX, CapAlert, CapInfo

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

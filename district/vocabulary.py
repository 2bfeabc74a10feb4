"""The district's words, once: its clock, warning levels, statuses, incident types,
streets and the distance between two points.

Every layer imports these (the rulebook, the feed, the gateway, the core and the
views); a second table of the same words anywhere else is a bug waiting to disagree.
Names here are the Chinese the operators read and the servers write into timelines;
the views translate them through the catalogue (``QT_TRANSLATE_NOOP`` markers there
carry the same words for ``lupdate``).

Pure standard library at import time: ``console.models`` (the wire contract) reads
its ranks from here, so nothing here may import the wire models back.
"""

from __future__ import annotations

import json
import math
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path

# --------------------------------------------------------------------------- time

DISTRICT_TZ = timezone(timedelta(hours=8), "CST")
"""The district's clock: China Standard Time (Asia/Shanghai, UTC+8, no DST since 1991;
a fixed offset needs no tz database)."""


def district_now() -> datetime:
    """The wall clock in the district's zone (aware)."""
    return datetime.now(DISTRICT_TZ)


def district_time(when: datetime) -> datetime:
    """``when`` (aware) as the district's wall clock shows it."""
    return when.astimezone(DISTRICT_TZ)


# --------------------------------------------------------------------------- warning levels

LEVELS: tuple[str, ...] = ("red", "orange", "yellow", "blue")
"""预警 红/橙/黄/蓝, most severe first."""

LEVEL_RANK: dict[str, int] = {level: rank for rank, level in enumerate(LEVELS)}
"""Level → rank; 0 is red (the most severe). Sort by it; unknown levels sort last (use ``.get(x, 9)``)."""

LEVEL_ZH: dict[str, str] = {"red": "红色", "orange": "橙色", "yellow": "黄色", "blue": "蓝色"}
"""Level → its Chinese colour name (预警 红色/橙色/黄色/蓝色)."""

# --------------------------------------------------------------------------- alert statuses

ALERT_STATUSES: tuple[str, ...] = ("new", "acknowledged", "dispatched", "in_progress", "resolved", "closed")
"""The closed loop in order: 待签收 → 已签收 → 已分拨 → 处置中 → 已办结 → 已闭环."""

ALERT_STATUS_RANK: dict[str, int] = {status: rank for rank, status in enumerate(ALERT_STATUSES)}
"""Status → how far along the loop it is (0 = new)."""

ALERT_STATUS_ZH: dict[str, str] = {
    "new": "待签收",
    "acknowledged": "已签收",
    "dispatched": "已分拨",
    "in_progress": "处置中",
    "resolved": "已办结",
    "closed": "已闭环",
}

OPEN_STATUSES = frozenset({"new", "acknowledged", "dispatched", "in_progress"})
"""Alert statuses still asking for work (resolved and closed alerts are done)."""

CLOSED_STATUSES = frozenset(ALERT_STATUSES) - OPEN_STATUSES
"""Alert statuses that ask for nothing more."""

# --------------------------------------------------------------------------- incidents and tasks

INCIDENT_TYPES: dict[str, str] = {
    "typhoon_waterlogging": "台风内涝",
    "rainstorm_flood": "暴雨洪涝",
    "slope_failure": "边坡地质灾害",
    "fire": "火灾",
    "hazmat_leak": "危化品泄漏",
    "public_health": "公共卫生事件",
}
"""Incident type → its one Chinese name (the contingency plans' wording: 坪山区火灾事故应急预案 …)."""

INCIDENT_LEVEL_ZH: dict[int, str] = {1: "Ⅰ", 2: "Ⅱ", 3: "Ⅲ", 4: "Ⅳ"}
"""Response level → its numeral (Ⅰ级响应 is the highest)."""

INCIDENT_STATUS_ZH: dict[str, str] = {"active": "响应中", "stood_down": "已解除"}
"""Incident status → name."""

TASK_FLOW: tuple[str, ...] = ("issued", "received", "en_route", "on_scene", "done", "refused")
"""Task statuses: the order's way forward, then a refusal."""

TASK_STAGE: dict[str, int] = {"issued": 0, "refused": 1, "received": 1, "en_route": 2, "on_scene": 3, "done": 4}
"""Task status → how far along it is (a refusal answers the order like a receipt)."""

TASK_STATUS_ZH: dict[str, str] = {
    "issued": "已下达", "received": "已接收", "en_route": "在途", "on_scene": "到场处置", "done": "已完成",
    "refused": "已拒绝",
}
"""Task status → name."""

# --------------------------------------------------------------------------- streets


STREETS_FILE = Path(__file__).resolve().parent.parent / "resources" / "catalogue" / "streets.json"
"""The six streets and their communities (the catalogue, ``district.catalogue``, reads it too)."""


@lru_cache(maxsize=1)
def street_names() -> dict[str, str]:
    """Street id → Chinese name (``坪山``), from the bundled ``streets.json``.

    Read here, not through ``district.catalogue``: the catalogue builds wire models
    (``console.models``), which read their level order from this module.
    """
    with open(STREETS_FILE, encoding="utf-8") as fh:
        return {s["id"]: s["name_zh"] for s in json.load(fh)["streets"]}


def street_title(street: str | None) -> str:
    """``坪山街道`` for ``pingshan``; an unknown id as it is, ``""`` for none."""
    if not street:
        return ""
    name = street_names().get(street)
    return f"{name}街道" if name else street


# --------------------------------------------------------------------------- distance

EARTH_RADIUS_M = 6_371_008.8
"""The mean earth radius (IUGG R1), in metres."""


def haversine_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres between two WGS84 points (haversine, mean radius)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))

"""What the wartime views show: the rows, the status tables and the operator's error.

Plain frozen data, no behaviour beyond small derived properties; every part of
:mod:`console.wartime` builds these and the views (banner, command panel, report)
read them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

from console.models import GeoPoint, PlanStep
from district.vocabulary import INCIDENT_LEVEL_ZH, TASK_FLOW, haversine_m
from district.vocabulary import TASK_STATUS_ZH as _RULEBOOK_TASK_STATUS_ZH

FOCUS_KEY = "wartime:focus"
CONFIRMED_KEY = "wartime:confirmed"  # incident ids whose layout switch the operator accepted (or declared)
DECLINED_KEY = "wartime:declined"

LEVELS = INCIDENT_LEVEL_ZH
"""Response level → numeral (the vocabulary's; this name stays for the views)."""
TASK_STATUS_ZH = {"pending": "待发送", **_RULEBOOK_TASK_STATUS_ZH, "failed": "未被接受"}
"""The rulebook's task statuses plus the console's own: not yet sent, and refused by the gateway."""
TASK_PROGRESSION = tuple(s for s in TASK_FLOW if s != "refused")
"""The order's steps forward (the rulebook's flow without a refusal)."""
STEP_STATUS_ZH = {
    "open": "待办", "due_soon": "临近时限", "overdue": "已超时", "done": "已完成", "skipped": "已跳过",
    "pending_done": "完成（待确认）", "pending_skipped": "跳过（待确认）",
}
# Which alert categories an incident type concerns (the alert queue narrows to them).
INCIDENT_ALERT_CATEGORIES: dict[str, tuple[str, ...]] = {
    "typhoon_waterlogging": ("waterlogging", "river_level", "early_warning", "slope", "manhole"),
    "rainstorm_flood": ("waterlogging", "river_level", "early_warning", "manhole", "slope"),
    "slope_failure": ("slope", "early_warning", "waterlogging"),
    "fire": ("fire", "smoke", "hydrant", "crowd"),
    "hazmat_leak": ("hazmat", "air_quality", "water_pollution", "fire", "smoke"),
    "public_health": ("crowd", "public_security", "hazmat"),
}
# Sensor trends relevant per incident type: (indicator id, Chinese label, unit).
INCIDENT_TRENDS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "typhoon_waterlogging": (("rainfall_mm_1h", "小时雨量", "mm"), ("river_level_m", "河道最高水位", "m")),
    "rainstorm_flood": (("rainfall_mm_1h", "小时雨量", "mm"), ("river_level_m", "河道最高水位", "m")),
    "slope_failure": (("rainfall_mm_1h", "小时雨量", "mm"), ("river_level_m", "河道最高水位", "m")),
    "fire": (("aqi", "空气质量指数", ""), ("rainfall_mm_1h", "小时雨量", "mm")),
    "hazmat_leak": (("aqi", "空气质量指数", ""), ("pm25", "PM2.5", "μg/m³")),
    "public_health": (("aqi", "空气质量指数", ""),),
}
DUE_SOON_S = 10 * 60
WAR_COMMANDS = ("incident.declare", "incident.stand_down", "incident.step", "task.issue", "task.update")
LOG_ACTIONS = WAR_COMMANDS + ("war.note", "war.focus", "war.switch", "war.figure", "war.observed", "war.report",
                              "call.record")  # call.record: a finished call (console/comms)

RESOURCE_KIND_ZH = {"rescue_team": "救援队伍", "shelter": "避难场所", "warehouse": "物资仓库", "vehicle": "车辆"}
ACTION_ZH = {
    "incident.declare": "宣布启动应急响应", "incident.stand_down": "解除应急响应", "incident.step": "预案步骤",
    "task.issue": "下达任务", "task.update": "任务状态", "war.note": "指挥记录", "war.focus": "切换关注事件",
    "war.switch": "战时布局", "war.figure": "数据报告", "war.observed": "状态回传", "war.report": "总结报告",
    "call.record": "通话",
}


class WartimeError(ValueError):
    """Bad operator input or a step not allowed, for the operator.

    The message (``args[0]``) is a :class:`console.texts.SpokenText`: it reads as the
    Chinese text, and a view shows ``render(exc.args[0], QCoreApplication.translate)``."""


def utc_now() -> datetime:
    """The wall clock, aware (the default ``now`` of :class:`~console.wartime.Wartime`)."""
    return datetime.now(timezone.utc)


def parse_ts(text: str) -> datetime:
    """An audit record's ISO timestamp."""
    return datetime.fromisoformat(text)


def distance_m(a: GeoPoint | tuple[float, float], b: GeoPoint | tuple[float, float]) -> float:
    """Great-circle distance in metres between two WGS84 points ((lon, lat) or GeoPoint)."""
    lon1, lat1 = (a.lon, a.lat) if isinstance(a, GeoPoint) else a
    lon2, lat2 = (b.lon, b.lat) if isinstance(b, GeoPoint) else b
    return haversine_m(lon1, lat1, lon2, lat2)


@dataclass(frozen=True)
class IncidentView:
    """An incident as the console shows it: from the store, or a declaration still on its way."""

    id: str
    type: str
    type_zh: str
    level: int
    level_zh: str
    title: str
    reason: str
    status: str  # active | stood_down | pending (declared here, not yet echoed) | failed (refused)
    location: GeoPoint
    radius_m: float
    street: str | None
    plan_id: str | None
    started_at: datetime
    ended_at: datetime | None
    declared_by: str
    refusal: str = ""
    ended_reason: str = ""

    def elapsed_s(self, now: datetime) -> float:
        end = self.ended_at or now
        return max(0.0, (end - self.started_at).total_seconds())


@dataclass(frozen=True)
class StepRow:
    """One plan step in the checklist."""

    step: PlanStep
    index: int
    owner: str  # unit id (the incident's street resolved)
    owner_name: str
    due_at: datetime
    state: str  # key of STEP_STATUS_ZH
    remaining_s: float  # negative when overdue
    done_at: datetime | None = None
    by: str = ""
    reason: str = ""
    task_ids: tuple[str, ...] = ()

    @property
    def finished(self) -> bool:
        return self.state in ("done", "skipped", "pending_done", "pending_skipped")


@dataclass(frozen=True)
class TaskRow:
    """An order as the console shows it, with the unit's place in the three levels."""

    id: str
    incident_id: str
    unit: str
    unit_name: str
    unit_level: str
    street: str | None
    instruction: str
    status: str  # wire status, or pending / failed
    due: datetime
    location: GeoPoint | None
    note: str
    updated_at: datetime
    step_id: str | None
    rev: int
    pending_update: str | None = None  # a task.update of ours not yet echoed: the status it asks for
    refusal: str = ""

    def overdue(self, now: datetime) -> bool:
        return self.status not in ("done", "refused", "failed") and now > self.due


@dataclass
class UnitNode:
    """A node of the linkage tree: a unit, its tasks under the incident and its children."""

    id: str
    name: str
    level: str
    tasks: list[TaskRow] = field(default_factory=list)
    children: list[UnitNode] = field(default_factory=list)

    def all_tasks(self) -> list[TaskRow]:
        out = list(self.tasks)
        for c in self.children:
            out.extend(c.all_tasks())
        return out


@dataclass(frozen=True)
class ResourceRow:
    """A rescue team, shelter, warehouse or vehicle, with its distance from the incident."""

    id: str
    kind: str
    kind_zh: str
    name: str
    lon: float
    lat: float
    distance_m: float
    detail: str
    capacity: int | None = None
    occupancy: int | None = None
    assigned_to: tuple[str, ...] = ()  # task ids it was assigned to


@dataclass(frozen=True)
class LogEntry:
    """One line of the command log (指挥日志)."""

    seq: int
    ts: datetime
    actor: str
    action: str
    action_zh: str
    target: str
    text: str


@dataclass(frozen=True)
class Metrics:
    """The incident's figures (the metrics panel's tiles and the report's summary)."""

    tasks_total: int
    tasks_open: int
    tasks_overdue: int
    units_on_scene: int
    people_evacuated: int
    shelter_capacity: int
    shelter_occupancy: int
    steps_done: int
    steps_total: int
    steps_overdue: int

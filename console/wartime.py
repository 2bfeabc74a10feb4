"""Wartime command (战时指挥): the core service behind the banner, the command panel and the report.

Nothing here is a second source of truth.  ``Wartime`` reads

- the incident and task stores (the journal brings them back after a restart),
- this console's own wartime commands from the hash-chained audit trail (every
  command ``Commands.submit`` stores is audited with its id and arguments) and
  their delivery state from the outbox, so a declaration or an order issued
  offline shows as "待发送" until the gateway's echo arrives,
- the command log (指挥日志): notes, focus changes, layout switches, reported
  figures and the task state changes seen on the stream, all written as audit
  records, so the log is part of the chain the auditor verifies,
- the operator's focus and switch confirmations from the cache's BlobStore,

and derives from them the plan checklist, the task tree (district → street →
community, plus rescue teams), resources by distance and the incident metrics.
A restart on the same cache therefore rebuilds exactly the state it left.

Street scope: a street sub-centre's console (``ConsoleConfig.scope = street``)
sees the tasks of its street's sub-centre and communities and answers them with
``task.update`` commands.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from console.models import GeoPoint, Incident, Plan, PlanList, PlanStep, Task
from district.roles import may_command
from district.vocabulary import (
    DISTRICT_TZ,
    INCIDENT_LEVEL_ZH,
    INCIDENT_STATUS_ZH,
    INCIDENT_TYPES,
    TASK_FLOW,
    haversine_m,
)
from district.vocabulary import TASK_STATUS_ZH as _RULEBOOK_TASK_STATUS_ZH

log = logging.getLogger(__name__)

PLANS_DIR = Path(__file__).resolve().parent.parent / "resources" / "plans"
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
LOG_ACTIONS = WAR_COMMANDS + ("war.note", "war.focus", "war.switch", "war.figure", "war.observed", "war.report")


class WartimeError(ValueError):
    """Bad operator input or a step not allowed; the message is Chinese, for the operator."""


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def _parse_ts(text: str) -> datetime:
    return datetime.fromisoformat(text)


def distance_m(a: GeoPoint | tuple[float, float], b: GeoPoint | tuple[float, float]) -> float:
    """Great-circle distance in metres between two WGS84 points ((lon, lat) or GeoPoint)."""
    lon1, lat1 = (a.lon, a.lat) if isinstance(a, GeoPoint) else a
    lon2, lat2 = (b.lon, b.lat) if isinstance(b, GeoPoint) else b
    return haversine_m(lon1, lat1, lon2, lat2)


def bundled_plans(plans_dir: Path = PLANS_DIR) -> dict[str, Plan]:
    """The contingency plans shipped in ``resources/plans`` (one file per incident type)."""
    out: dict[str, Plan] = {}
    if plans_dir.is_dir():
        for f in sorted(plans_dir.glob("*.json")):
            try:
                plan = Plan.model_validate_json(f.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                log.exception("plan file %s unreadable; skipped", f.name)
                continue
            out[plan.id] = plan
    return out


def plan_list(plans_dir: Path = PLANS_DIR) -> PlanList:
    return PlanList(plans=tuple(bundled_plans(plans_dir).values()))


# --------------------------------------------------------------------------- rows the views show


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


RESOURCE_KIND_ZH = {"rescue_team": "救援队伍", "shelter": "避难场所", "warehouse": "物资仓库", "vehicle": "车辆"}
ACTION_ZH = {
    "incident.declare": "宣布启动应急响应", "incident.stand_down": "解除应急响应", "incident.step": "预案步骤",
    "task.issue": "下达任务", "task.update": "任务状态", "war.note": "指挥记录", "war.focus": "切换关注事件",
    "war.switch": "战时布局", "war.figure": "数据报告", "war.observed": "状态回传", "war.report": "总结报告",
}


class Wartime:
    """Wartime command state of one console (see the module docstring).

    ``core`` is a started ``ConsoleCore`` (or anything with ``picture``,
    ``commands``, ``auditor``, ``outbox``, ``preferences``, ``plans``, ``layers``
    and ``config``).  ``now`` can be replaced for tests of countdowns.
    """

    def __init__(self, core: Any, *, now: Callable[[], datetime] = utc_now,
                 plans_dir: Path = PLANS_DIR) -> None:
        self.core = core
        self.now = now
        self.scope: str | None = getattr(core.config, "scope", None)
        self.operator: str = getattr(core.config, "operator", "值班员")
        self._bundled = bundled_plans(plans_dir)
        self._listeners: list[Callable[[], None]] = []
        self._observed: dict[str, int] = {}  # task/incident id → highest rev already in the log
        self._own: dict[str, dict[str, Any]] = {}  # command id → audited command (kind, target, args)
        self._log: list[Any] = []  # audit records of LOG_ACTIONS, oldest first
        self._log_seq = 0  # last audit seq read
        self._units = self._load_units()
        self._load_audit()
        ingest = getattr(core, "ingest", None)
        if ingest is not None:
            ingest.envelope_accepted.connect(self._on_envelope)
            ingest.snapshot_applied.connect(self.observe)
        self.observe()

    # ------------------------------------------------------------------ change notification

    def add_listener(self, fn: Callable[[], None]) -> None:
        """``fn()`` after every change this service makes itself (views refresh)."""
        self._listeners.append(fn)

    def remove_listener(self, fn: Callable[[], None]) -> None:
        if fn in self._listeners:
            self._listeners.remove(fn)

    def _changed(self) -> None:
        for fn in list(self._listeners):
            try:
                fn()
            except Exception:  # noqa: BLE001 - a view's failure must not undo a command
                log.exception("wartime listener failed")

    # ------------------------------------------------------------------ reference data

    def _load_units(self) -> dict[str, tuple[str, str, str | None]]:
        """unit id → (name, level, parent), from the gateway's units or the bundled catalogue."""
        out: dict[str, tuple[str, str, str | None]] = {}
        try:
            from console.catalogue import units

            for u in units():
                out[u.id] = (u.name, u.level, u.parent)
        except Exception:  # noqa: BLE001 - the gateway's list below is enough
            log.exception("unit catalogue unreadable")
        for u in getattr(self.core.picture, "units", {}).values():
            out[u.id] = (u.name, u.level, u.parent)
        return out

    def units(self) -> dict[str, tuple[str, str, str | None]]:
        for u in getattr(self.core.picture, "units", {}).values():
            if u.id not in self._units:
                self._units[u.id] = (u.name, u.level, u.parent)
        return self._units

    def unit_name(self, unit_id: str) -> str:
        return self.units().get(unit_id, (unit_id, "", None))[0]

    def unit_street(self, unit_id: str) -> str | None:
        """The street a street or community unit belongs to (None for departments and teams)."""
        _name, level, parent = self.units().get(unit_id, ("", "", None))
        for cand in (unit_id, parent or ""):
            if cand.startswith("street."):
                return cand.split(".", 1)[1]
        return None

    def plans(self) -> dict[str, Plan]:
        """The gateway's plans (cached) over the bundled ones."""
        merged = dict(self._bundled)
        merged.update(getattr(self.core, "plans", {}) or {})
        return merged

    def plan_for(self, incident: IncidentView | Incident) -> Plan | None:
        plans = self.plans()
        if incident.plan_id and incident.plan_id in plans:
            return plans[incident.plan_id]
        return next((p for p in plans.values() if p.incident_type == incident.type), None)

    # ------------------------------------------------------------------ audit (own commands, log)

    def _audit_log(self) -> Any:
        auditor = getattr(self.core, "auditor", None)
        return getattr(auditor, "audit_log", None)

    def _load_audit(self) -> None:
        """Read the audit records written since the last call (ours, and the commands Commands audited)."""
        audit = self._audit_log()
        if audit is None:
            return
        for rec in audit.records(after_seq=self._log_seq):
            self._log_seq = max(self._log_seq, rec.seq)
            self._take_record(rec)

    def _take_record(self, rec: Any) -> None:
        if rec.action in LOG_ACTIONS:
            self._log.append(rec)
        if rec.action in WAR_COMMANDS and rec.detail.get("command_id"):
            self._own[rec.detail["command_id"]] = {"kind": rec.action, "target": rec.target,
                                                   "args": rec.detail.get("args") or {}, "ts": rec.ts,
                                                   "actor": rec.actor}
        elif rec.action == "war.observed":
            oid = str(rec.detail.get("id", rec.target))
            self._observed[oid] = max(self._observed.get(oid, 0), int(rec.detail.get("rev", 0)))

    def _record(self, action: str, target: str, actor: str | None = None, ts: datetime | None = None,
                **detail: Any) -> None:
        audit = self._audit_log()
        if audit is None:
            return
        audit.append(actor or self.operator, action, target, detail, ts=ts)
        self._load_audit()

    def _submit(self, kind: str, target: str, args: dict[str, Any], expected_rev: int | None = None) -> str:
        if not self.may(kind):
            raise WartimeError("查看席位不能下达指令" if getattr(self.core.config, "role", "") == "viewer"
                               else "该指令需值班长权限")
        commands = getattr(self.core, "commands", None)
        if commands is None:
            raise WartimeError("控制台尚未就绪，指令未能下达")
        try:
            cmd = commands.submit(kind, target, args, expected_rev=expected_rev)
        except WartimeError:
            raise
        except Exception as exc:  # noqa: BLE001 - storage failure: say so, nothing was issued
            raise WartimeError(f"指令未能保存到本地，未下达：{str(exc)[:60]}") from exc
        self._load_audit()  # Commands audited it (with its id and arguments)
        if cmd.id not in self._own:  # no auditor: keep it in memory at least
            self._own[cmd.id] = {"kind": kind, "target": target, "args": cmd.args,
                                 "ts": cmd.issued_at.isoformat(), "actor": self.operator}
        return str(cmd.id)

    def _command_state(self, command_id: str) -> tuple[str, str]:
        """(outbox status, refusal reason) of one of our commands."""
        outbox = getattr(self.core, "outbox", None)
        item = outbox.get(command_id) if outbox is not None else None
        if item is None:
            return "confirmed", ""
        return item.status, (item.last_error or "") if item.status == "refused" else ""

    def _own_commands(self, kind: str) -> list[tuple[str, dict[str, Any]]]:
        return [(cid, c) for cid, c in self._own.items() if c["kind"] == kind]

    # ------------------------------------------------------------------ observing the stream

    def _on_envelope(self, envelope: Any, _body: str) -> None:
        if envelope.type in ("incident.upsert", "task.upsert"):
            self.observe()

    def observe(self) -> None:
        """Write the task and incident changes seen on the stream into the command log, once each.

        The audit chain then holds the state changes other consoles made (a street
        answering an order), with the time this console learned of them.
        """
        if self._audit_log() is None:
            return
        wrote = False
        for task in list(self.core.picture.tasks.values()):
            if self._observed.get(task.id, 0) >= task.rev:
                continue
            self._record("war.observed", task.id, actor=self.unit_name(task.unit),
                         id=task.id, rev=task.rev, kind="task", incident_id=task.incident_id,
                         status=task.status, unit=task.unit, note=task.note,
                         at=task.updated_at.isoformat(), step_id=task.step_id)
            wrote = True
        for inc in list(self.core.picture.incidents.values()):
            if self._observed.get(inc.id, 0) >= inc.rev:
                continue
            self._record("war.observed", inc.id, actor=inc.declared_by or "网关", id=inc.id, rev=inc.rev,
                         kind="incident", incident_id=inc.id, status=inc.status,
                         steps=len(inc.steps), level=inc.level)
            wrote = True
        if wrote:
            self._changed()

    # ------------------------------------------------------------------ incidents

    def _view(self, inc: Incident) -> IncidentView:
        return IncidentView(
            id=inc.id, type=inc.type, type_zh=INCIDENT_TYPES.get(inc.type, inc.type), level=inc.level,
            level_zh=LEVELS.get(inc.level, str(inc.level)), title=inc.title, reason=inc.reason, status=inc.status,
            location=inc.location, radius_m=inc.radius_m, street=inc.street, plan_id=inc.plan_id,
            started_at=inc.started_at, ended_at=inc.ended_at, declared_by=inc.declared_by,
            ended_reason=inc.ended_reason)

    def incidents(self, include_ended: bool = True) -> list[IncidentView]:
        """Every incident known here, declarations on their way included, newest first."""
        store = self.core.picture.incidents
        out = [self._view(i) for i in store.values()]
        known = {i.id for i in out}
        for cid, c in self._own_commands("incident.declare"):
            iid = c["target"]
            if iid in known:
                continue
            status, reason = self._command_state(cid)
            if status == "confirmed":
                continue  # echoed and since removed by a snapshot: nothing to show
            a = c["args"]
            loc = a.get("location") or {"lon": 114.35, "lat": 22.72}
            out.append(IncidentView(
                id=iid, type=a.get("type", ""), type_zh=INCIDENT_TYPES.get(a.get("type", ""), ""),
                level=int(a.get("level", 4)), level_zh=LEVELS.get(int(a.get("level", 4)), ""),
                title=a.get("title") or "", reason=a.get("reason", ""),
                status="failed" if status == "refused" else "pending", location=GeoPoint(**loc),
                radius_m=float(a.get("radius_m", 1000)), street=a.get("street"), plan_id=a.get("plan_id"),
                started_at=_parse_ts(c["ts"]), ended_at=None, declared_by=c["actor"], refusal=reason))
        if not include_ended:
            out = [i for i in out if i.status in ("active", "pending")]
        out.sort(key=lambda i: i.started_at, reverse=True)
        return out

    def incident(self, incident_id: str) -> IncidentView | None:
        return next((i for i in self.incidents() if i.id == incident_id), None)

    def active(self) -> list[IncidentView]:
        """Active incidents (and declarations on their way), newest first."""
        return self.incidents(include_ended=False)

    def _confirmed(self) -> set[str]:
        return set(self._pref_list(CONFIRMED_KEY))

    def _pref_get(self, key: str) -> Any:
        """A saved preference, or None (also once the core has closed its cache)."""
        prefs = getattr(self.core, "preferences", None)
        if prefs is None:
            return None
        try:
            return prefs.get(key)
        except sqlite3.ProgrammingError:  # the cache is closed: the console is stopping
            return None

    def _pref_list(self, key: str) -> list[str]:
        raw = self._pref_get(key)
        try:
            return [str(x) for x in json.loads(raw)] if raw else []
        except ValueError:
            return []

    def _pref_put(self, key: str, value: Any) -> None:
        prefs = getattr(self.core, "preferences", None)
        if prefs is not None:
            prefs.put(key, json.dumps(value, ensure_ascii=False))

    def commanding(self) -> list[IncidentView]:
        """Active incidents this console has switched to (declared here or confirmed)."""
        confirmed = self._confirmed()
        return [i for i in self.active() if i.id in confirmed]

    def in_wartime(self) -> bool:
        return bool(self.commanding())

    def awaiting_confirmation(self) -> list[IncidentView]:
        """Active incidents pushed by the gateway that the operator has neither accepted nor declined."""
        confirmed, declined = self._confirmed(), set(self._pref_list(DECLINED_KEY))
        return [i for i in self.active() if i.status == "active" and i.id not in confirmed and i.id not in declined]

    def confirm_switch(self, incident_id: str) -> None:
        """The operator accepts switching the console to a pushed incident (audited)."""
        confirmed = self._pref_list(CONFIRMED_KEY)
        if incident_id not in confirmed:
            confirmed.append(incident_id)
            self._pref_put(CONFIRMED_KEY, confirmed)
            self._record("war.switch", incident_id, accepted=True)
        self.set_focus(incident_id)

    def decline_switch(self, incident_id: str) -> None:
        """The operator keeps the peacetime layout for a pushed incident (audited; can accept later)."""
        declined = self._pref_list(DECLINED_KEY)
        if incident_id not in declined:
            declined.append(incident_id)
            self._pref_put(DECLINED_KEY, declined)
            self._record("war.switch", incident_id, accepted=False)
            self._changed()

    @property
    def focus(self) -> str | None:
        """The incident the console is centred on (one of ``commanding()``), or None."""
        ids = [i.id for i in self.commanding()]
        raw = self._pref_get(FOCUS_KEY)
        held = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        if held in ids:
            return held
        return ids[0] if ids else None

    def set_focus(self, incident_id: str) -> None:
        if self.focus != incident_id or self._pref_raw(FOCUS_KEY) != incident_id:
            prefs = getattr(self.core, "preferences", None)
            if prefs is not None:
                prefs.put(FOCUS_KEY, incident_id)
            self._record("war.focus", incident_id)
        self._changed()

    def _pref_raw(self, key: str) -> str | None:
        raw = self._pref_get(key)
        return raw.decode("utf-8") if isinstance(raw, bytes) else raw

    def cycle_focus(self, step: int = 1) -> str | None:
        """Move the focus to the next (or previous) commanded incident; returns the new focus."""
        ids = [i.id for i in self.commanding()]
        if not ids:
            return None
        cur = self.focus
        nxt = ids[(ids.index(cur) + step) % len(ids)] if cur in ids else ids[0]
        self.set_focus(nxt)
        return nxt

    def may(self, kind: str) -> bool:
        """Whether this seat's role may send a wartime command of ``kind`` (the rulebook's table)."""
        return may_command(getattr(self.core.config, "role", "operator"), kind)

    def may_declare(self) -> bool:
        """Declaring and standing down are a supervisor's call (值班长)."""
        return self.may("incident.declare")

    def declare(self, type: str, level: int, *, reason: str, location: tuple[float, float] | None = None,
                street: str | None = None, radius_m: float = 1000.0, title: str | None = None,
                issue_plan_tasks: bool = True) -> str:
        """Declare an incident (a command through the outbox, audited); returns its id.

        The id is chosen here, so the plan's orders can be queued behind the
        declaration at once, even offline.  Raises :class:`WartimeError` for bad input.
        """
        if not self.may_declare():
            raise WartimeError("宣布启动应急响应需值班长权限")
        if type not in INCIDENT_TYPES:
            raise WartimeError("请选择突发事件类型")
        if level not in LEVELS:
            raise WartimeError("响应级别须为 Ⅰ–Ⅳ 级")
        reason = (reason or "").strip()
        if not reason:
            raise WartimeError("请填写启动响应的事由")
        if street is not None and street not in {k.split(".", 1)[1] for k in self.units() if k.startswith("street.")}:
            raise WartimeError(f"未知的街道：{street}")
        if location is None and street is None:
            raise WartimeError("请指定事发位置（经纬度）或所在街道")
        if location is not None:
            lon, lat = location
            if not (113.5 <= lon <= 115.0 and 22.3 <= lat <= 23.1):
                raise WartimeError("事发位置不在坪山区附近，请检查经纬度")
        try:
            radius = float(radius_m)
        except (TypeError, ValueError):
            raise WartimeError("影响范围须为数字（米）") from None
        if not 50 <= radius <= 20_000:
            raise WartimeError("影响范围须在 50–20000 米之间")
        iid = "INC-" + self.now().astimezone(DISTRICT_TZ).strftime("%Y%m%d%H%M") + "-" + \
            uuid.uuid4().hex[:4].upper()
        plan = next((p for p in self.plans().values() if p.incident_type == type), None)
        args: dict[str, Any] = {"type": type, "level": level, "reason": reason, "radius_m": radius}
        if location is not None:
            args["location"] = {"lon": float(location[0]), "lat": float(location[1])}
        else:
            from console.catalogue import streets

            st = next((s for s in streets() if s.id == street), None)
            if st is not None:
                args["location"] = {"lon": st.centre.lon, "lat": st.centre.lat}
        if street is not None:
            args["street"] = street
        if title:
            args["title"] = title.strip()
        else:
            args["title"] = f"{INCIDENT_TYPES[type]}（{LEVELS[level]}级响应）"
        if plan is not None:
            args["plan_id"] = plan.id
        self._submit("incident.declare", iid, args)
        confirmed = self._pref_list(CONFIRMED_KEY)
        confirmed.append(iid)
        self._pref_put(CONFIRMED_KEY, confirmed)
        prefs = getattr(self.core, "preferences", None)
        if prefs is not None:
            prefs.put(FOCUS_KEY, iid)
        if issue_plan_tasks and plan is not None:
            view = self.incident(iid)
            assert view is not None
            for step in plan.steps:
                if step.issues_task:
                    self._issue_step_task(view, step)
        self._changed()
        return iid

    def stand_down(self, incident_id: str, reason: str = "") -> None:
        """Stand the incident down (解除): a command; the report is written by the caller once echoed."""
        if not self.may_declare():
            raise WartimeError("解除应急响应需值班长权限")
        inc = self.incident(incident_id)
        if inc is None:
            raise WartimeError("找不到该突发事件")
        if inc.status not in ("active", "pending"):
            raise WartimeError("该突发事件已解除响应")
        self._submit("incident.stand_down", incident_id, {"reason": reason.strip()} if reason.strip() else {})
        self._changed()

    def stand_down_pending(self, incident_id: str) -> bool:
        """A stand-down of ours for this incident is on its way (not yet echoed)."""
        return any(c["target"] == incident_id and self._command_state(cid)[0] in ("pending", "sent")
                   for cid, c in self._own_commands("incident.stand_down"))

    # ------------------------------------------------------------------ plan checklist

    def _step_owner(self, inc: IncidentView, step: PlanStep) -> str:
        if getattr(step, "at_incident_street", False) and inc.street:
            return f"street.{inc.street}"
        return step.owner

    def checklist(self, incident_id: str) -> list[StepRow]:
        """The plan of the incident as a checklist: state, owner, due time, countdown."""
        inc = self.incident(incident_id)
        if inc is None:
            return []
        plan = self.plan_for(inc)
        if plan is None:
            return []
        stored = self.core.picture.incidents.get(incident_id)
        done = {s.step_id: s for s in (stored.steps if stored is not None else ())}
        pending: dict[str, dict[str, Any]] = {}
        for cid, c in self._own_commands("incident.step"):
            if c["target"] == incident_id and self._command_state(cid)[0] in ("pending", "sent"):
                pending[c["args"].get("step_id", "")] = c
        tasks_by_step: dict[str, list[str]] = {}
        for t in self.tasks(incident_id):
            if t.step_id:
                tasks_by_step.setdefault(t.step_id, []).append(t.id)
        now = self.now()
        end = inc.ended_at or now
        rows = []
        for n, step in enumerate(plan.steps):
            owner = self._step_owner(inc, step)
            due_at = inc.started_at + timedelta(minutes=step.due_minutes)
            remaining = (due_at - end).total_seconds()
            st = done.get(step.id)
            if st is not None:
                state, at, by, reason = st.status, st.at, st.by, st.reason
            elif step.id in pending:
                p = pending[step.id]
                state = "pending_" + p["args"].get("status", "done")
                at, by, reason = _parse_ts(p["ts"]), p["actor"], p["args"].get("reason", "")
            else:
                at, by, reason = None, "", ""
                state = "overdue" if remaining < 0 else "due_soon" if remaining <= DUE_SOON_S else "open"
            rows.append(StepRow(step=step, index=n + 1, owner=owner, owner_name=self.unit_name(owner),
                                due_at=due_at, state=state, remaining_s=remaining, done_at=at, by=by,
                                reason=reason, task_ids=tuple(tasks_by_step.get(step.id, ()))))
        return rows

    def _active_for_change(self, incident_id: str) -> IncidentView:
        inc = self.incident(incident_id)
        if inc is None:
            raise WartimeError("找不到该突发事件")
        if inc.status not in ("active", "pending") or self.stand_down_pending(incident_id):
            raise WartimeError("该突发事件已解除响应，不能再更改")
        return inc

    def complete_step(self, incident_id: str, step_id: str) -> str:
        """Mark a plan step done (a command, in the log); returns the command id."""
        return self._step(incident_id, step_id, "done", "")

    def skip_step(self, incident_id: str, step_id: str, reason: str) -> str:
        """Skip a plan step; a reason is required."""
        if not (reason or "").strip():
            raise WartimeError("跳过预案步骤须填写理由")
        return self._step(incident_id, step_id, "skipped", reason.strip())

    def _step(self, incident_id: str, step_id: str, status: str, reason: str) -> str:
        self._active_for_change(incident_id)
        row = next((r for r in self.checklist(incident_id) if r.step.id == step_id), None)
        if row is None:
            raise WartimeError("预案中没有这一步骤")
        if row.finished:
            raise WartimeError(f"该步骤{STEP_STATUS_ZH[row.state]}，不能重复处理")
        args = {"step_id": step_id, "status": status}
        if reason:
            args["reason"] = reason
        cid = self._submit("incident.step", incident_id, args)
        self._changed()
        return cid

    # ------------------------------------------------------------------ tasks

    def _issue_step_task(self, inc: IncidentView, step: PlanStep) -> str:
        due_at = inc.started_at + timedelta(minutes=step.due_minutes)
        due_minutes = max(5.0, (due_at - self.now()).total_seconds() / 60)
        instruction = step.title + (f"（所需：{step.needs}）" if step.needs else "")
        return self._issue(inc, self._step_owner(inc, step), instruction, due_minutes, None, step.id, ())

    def issue_step_task(self, incident_id: str, step_id: str) -> str:
        """Order the step's owner to carry out a plan step (for steps that issue orders)."""
        inc = self._active_for_change(incident_id)
        plan = self.plan_for(inc)
        step = next((s for s in (plan.steps if plan else ()) if s.id == step_id), None)
        if step is None:
            raise WartimeError("预案中没有这一步骤")
        tid = self._issue_step_task(inc, step)
        self._changed()
        return tid

    def issue_task(self, incident_id: str, unit: str, instruction: str, due_minutes: float,
                   location: tuple[float, float] | None = None, step_id: str | None = None,
                   resources: Iterable[str] = ()) -> str:
        """Order a unit (any level) under an incident; returns the task id. Bad input → WartimeError."""
        inc = self._active_for_change(incident_id)
        if unit not in self.units():
            raise WartimeError("请选择承办单位")
        if not (instruction or "").strip():
            raise WartimeError("请填写任务指令")
        try:
            due = float(due_minutes)
        except (TypeError, ValueError):
            raise WartimeError("完成时限须为分钟数") from None
        if not 1 <= due <= 7 * 24 * 60:
            raise WartimeError("完成时限须在 1 分钟到 7 天之间")
        if location is not None:
            lon, lat = location
            if not (113.5 <= lon <= 115.0 and 22.3 <= lat <= 23.1):
                raise WartimeError("任务位置不在坪山区附近，请检查经纬度")
        tid = self._issue(inc, unit, instruction.strip(), due, location, step_id, tuple(resources))
        self._changed()
        return tid

    def _issue(self, inc: IncidentView, unit: str, instruction: str, due_minutes: float,
               location: tuple[float, float] | None, step_id: str | None, resources: tuple[str, ...]) -> str:
        tid = "TSK-" + uuid.uuid4().hex[:10].upper()
        args: dict[str, Any] = {"task_id": tid, "unit": unit, "instruction": instruction,
                                "due_minutes": round(due_minutes, 1)}
        if location is not None:
            args["location"] = {"lon": float(location[0]), "lat": float(location[1])}
        if step_id:
            args["step_id"] = step_id
        if resources:
            args["resources"] = list(resources)
            names = [r.name for r in self.resources(inc.id) if r.id in resources]
            args["note"] = "调派资源：" + "、".join(names or list(resources))
        self._submit("task.issue", inc.id, args)
        return tid

    def update_task(self, task_id: str, status: str, note: str = "") -> str:
        """Report a task's state (received → en route → on scene → done, or refused with a reason)."""
        task = self.core.picture.tasks.get(task_id)
        if task is None:
            raise WartimeError("该任务尚未被网关确认，暂不能更新状态")
        if status not in TASK_FLOW:
            raise WartimeError("未知的任务状态")
        if task.status in ("done", "refused"):
            raise WartimeError("任务已结束，不能再更改状态")
        if status == "refused" and not (note or "").strip():
            raise WartimeError("拒绝任务须说明理由")
        if self.scope and self.unit_street(task.unit) != self.scope:
            raise WartimeError("本街道分中心只能回报本街道及所属社区的任务")
        args: dict[str, Any] = {"status": status}
        if note.strip():
            args["note"] = note.strip()
        cid = self._submit("task.update", task_id, args, expected_rev=task.rev)
        self._changed()
        return cid

    def assign_resources(self, task_id: str, resource_ids: Iterable[str]) -> str:
        """Send more resources with an order already issued; returns the command id.

        A ``task.update`` that keeps the task's state, names the resources in its note and
        lists them in ``args.resources`` (the same argument ``task.issue`` takes).
        """
        if not self.may("task.issue"):
            raise WartimeError("该指令需值班长权限")
        task = self.core.picture.tasks.get(task_id)
        if task is None:
            raise WartimeError("该任务尚未被网关确认，暂不能追加资源")
        if task.status in ("done", "refused"):
            raise WartimeError("任务已结束，不能再调派资源")
        inc = self._active_for_change(task.incident_id)
        wanted = list(dict.fromkeys(str(r) for r in resource_ids))
        if not wanted:
            raise WartimeError("请在资源页选择要调派的资源")
        known = {r.id: r for r in self.resources(inc.id)}
        unknown = [r for r in wanted if r not in known]
        if unknown:
            raise WartimeError("未知的资源：" + "、".join(unknown))
        new = [r for r in wanted if task_id not in known[r].assigned_to]
        if not new:
            raise WartimeError("所选资源已调派给该任务")
        added = "追加调派资源：" + "、".join(known[r].name for r in new)
        note = f"{task.note}；{added}" if task.note else added
        cid = self._submit("task.update", task_id, {"status": task.status, "note": note, "resources": new},
                           expected_rev=task.rev)
        self._changed()
        return cid

    def _task_row(self, t: Task, pending_update: str | None = None) -> TaskRow:
        name, level, _parent = self.units().get(t.unit, (t.unit, "", None))
        return TaskRow(id=t.id, incident_id=t.incident_id, unit=t.unit, unit_name=name, unit_level=level,
                       street=self.unit_street(t.unit), instruction=t.instruction, status=t.status, due=t.due,
                       location=t.location, note=t.note, updated_at=t.updated_at, step_id=t.step_id, rev=t.rev,
                       pending_update=pending_update)

    def tasks(self, incident_id: str | None = None) -> list[TaskRow]:
        """Orders under an incident (or all), our unconfirmed ones included; in a street
        console only the street's and its communities' tasks."""
        pending_updates: dict[str, str] = {}
        refused_updates: dict[str, str] = {}
        for cid, c in self._own_commands("task.update"):
            status, reason = self._command_state(cid)
            if status in ("pending", "sent"):
                pending_updates[c["target"]] = c["args"].get("status", "")
            elif status == "refused":
                refused_updates[c["target"]] = reason
        rows: list[TaskRow] = []
        for t in self.core.picture.tasks.values():
            if incident_id is None or t.incident_id == incident_id:
                row = self._task_row(t, pending_updates.get(t.id))
                if t.id in refused_updates and row.pending_update is None:
                    row = TaskRow(**{**row.__dict__, "refusal": refused_updates[t.id]})
                rows.append(row)
        known = {r.id for r in rows}
        for cid, c in self._own_commands("task.issue"):
            a = c["args"]
            tid = a.get("task_id")
            if tid in known or (incident_id is not None and c["target"] != incident_id):
                continue
            status, reason = self._command_state(cid)
            if status == "confirmed":
                continue
            issued = _parse_ts(c["ts"])
            loc = a.get("location")
            name, level, _p = self.units().get(a.get("unit", ""), (a.get("unit", ""), "", None))
            rows.append(TaskRow(
                id=tid, incident_id=c["target"], unit=a.get("unit", ""), unit_name=name, unit_level=level,
                street=self.unit_street(a.get("unit", "")), instruction=a.get("instruction", ""),
                status="failed" if status == "refused" else "pending",
                due=issued + timedelta(minutes=float(a.get("due_minutes", 30))),
                location=GeoPoint(**loc) if loc else None, note=a.get("note", ""), updated_at=issued,
                step_id=a.get("step_id"), rev=0, refusal=reason))
        if self.scope:
            rows = [r for r in rows if r.street == self.scope]
        rows.sort(key=lambda r: (r.due, r.id))
        return rows

    def unit_tree(self, incident_id: str) -> list[UnitNode]:
        """Three-level linkage: 区级部门, each street → its communities, 救援队伍; each with its tasks.

        A street console gets only its own street's subtree.
        """
        tasks = self.tasks(incident_id)
        by_unit: dict[str, list[TaskRow]] = {}
        for t in tasks:
            by_unit.setdefault(t.unit, []).append(t)
        units = self.units()
        district = UnitNode("district", "区级部门", "district")
        teams = UnitNode("teams", "救援队伍", "team")
        streets: dict[str, UnitNode] = {}
        for uid, (name, level, _parent) in units.items():
            if level == "street":
                streets[uid] = UnitNode(uid, name, "street", tasks=by_unit.get(uid, []))
        for uid, (name, level, parent) in units.items():
            node = UnitNode(uid, name, level, tasks=by_unit.get(uid, []))
            if level == "district":
                district.children.append(node)
            elif level == "team":
                teams.children.append(node)
            elif level == "community" and parent in streets:
                streets[parent].children.append(node)
        if self.scope:
            own = streets.get(f"street.{self.scope}")
            return [own] if own is not None else []
        return [district, *streets.values(), teams]

    # ------------------------------------------------------------------ resources

    def resources(self, incident_id: str) -> list[ResourceRow]:
        """Rescue teams, shelters, warehouses and vehicles by distance from the incident."""
        inc = self.incident(incident_id)
        layer = (getattr(self.core, "layers", {}) or {}).get("resources")
        if inc is None or not layer:
            return []
        assigned: dict[str, list[str]] = {}
        for cid, c in self._own_commands("task.issue"):
            if c["target"] == incident_id:
                for rid in c["args"].get("resources", []) or []:
                    assigned.setdefault(rid, []).append(c["args"].get("task_id", ""))
        task_ids = {t.id for t in self.core.picture.tasks.values() if t.incident_id == incident_id}
        for cid, c in self._own_commands("task.update"):
            # Resources added to an order later (assign_resources), unless the gateway refused it.
            if c["target"] in task_ids and c["args"].get("resources") and self._command_state(cid)[0] != "refused":
                for rid in c["args"]["resources"]:
                    assigned.setdefault(rid, []).append(c["target"])
        occupancy = self._shelter_occupancy(incident_id)
        rows = []
        for f in layer.get("features", []):
            geom = f.get("geometry") or {}
            if geom.get("type") != "Point":
                continue
            lon, lat = geom["coordinates"][:2]
            props = f.get("properties") or {}
            rid = str(f.get("id") or props.get("id"))
            kind = str(props.get("kind", ""))
            cap = props.get("capacity")
            detail = ""
            if kind == "rescue_team" and props.get("members"):
                detail = f"{props['members']} 人"
            elif kind == "shelter" and cap:
                detail = f"容量 {cap} 人"
            elif kind == "warehouse":
                detail = str(props.get("items", ""))
            rows.append(ResourceRow(
                id=rid, kind=kind, kind_zh=RESOURCE_KIND_ZH.get(kind, kind),
                name=str(props.get("name_zh") or props.get("name") or rid),
                lon=float(lon), lat=float(lat), distance_m=distance_m(inc.location, (lon, lat)), detail=detail,
                capacity=int(cap) if cap else None,
                occupancy=occupancy.get(rid, 0) if kind == "shelter" else None,
                assigned_to=tuple(assigned.get(rid, ()))))
        rows.sort(key=lambda r: r.distance_m)
        return rows

    # ------------------------------------------------------------------ figures, notes, the log

    def report_figure(self, incident_id: str, kind: str, value: int, where: str | None = None) -> None:
        """Record a reported figure: ``evacuated`` (people moved, total so far) or
        ``shelter`` (people in shelter ``where``). Part of the command log."""
        if kind not in ("evacuated", "shelter"):
            raise WartimeError("未知的数据项")
        try:
            n = int(value)
        except (TypeError, ValueError):
            raise WartimeError("人数须为整数") from None
        if n < 0:
            raise WartimeError("人数不能为负数")
        if kind == "shelter" and not where:
            raise WartimeError("请选择避难场所")
        self._active_for_change(incident_id)
        self._record("war.figure", incident_id, incident_id=incident_id, figure=kind, value=n, where=where)
        self._changed()

    def _figures(self, incident_id: str) -> list[Any]:
        return [r for r in self._records() if r.action == "war.figure" and r.target == incident_id]

    def _shelter_occupancy(self, incident_id: str) -> dict[str, int]:
        out: dict[str, int] = {}
        for r in self._figures(incident_id):
            if r.detail.get("figure") == "shelter":
                out[str(r.detail.get("where"))] = int(r.detail.get("value", 0))
        return out

    def note(self, text: str, incident_id: str | None = None) -> None:
        """A free note in the command log (quick entry from anywhere); to the focused incident by default."""
        text = (text or "").strip()
        if not text:
            raise WartimeError("记录内容不能为空")
        if len(text) > 2000:
            raise WartimeError("记录过长（最多 2000 字）")
        target = incident_id or self.focus or "duty"
        self._record("war.note", target, incident_id=target, text=text)
        self._changed()

    def _records(self) -> list[Any]:
        self._load_audit()
        return self._log

    def command_log(self, incident_id: str | None = None) -> list[LogEntry]:
        """The command log, oldest first: every declaration, decision, order, state change and note."""
        tasks_of = {t.id: t.incident_id for t in self.core.picture.tasks.values()}
        for _cid, c in self._own_commands("task.issue"):
            tasks_of.setdefault(c["args"].get("task_id", ""), c["target"])
        out = []
        for r in self._records():
            inc = r.detail.get("incident_id") or (r.target if r.action.startswith("incident.") else None) \
                or (r.target if r.action in ("task.issue", "war.focus", "war.switch", "war.report") else None) \
                or tasks_of.get(r.target)
            if incident_id is not None and inc != incident_id:
                continue
            out.append(LogEntry(seq=r.seq, ts=_parse_ts(r.ts), actor=r.actor, action=r.action,
                                action_zh=ACTION_ZH.get(r.action, r.action), target=r.target,
                                text=self._describe(r)))
        return out

    def _describe(self, r: Any) -> str:
        d = r.detail
        a = d.get("args") or {}
        if r.action == "incident.declare":
            return (f"{a.get('title', '')}：{INCIDENT_TYPES.get(a.get('type', ''), '')} "
                    f"{LEVELS.get(a.get('level', 0), '')}级响应；事由：{a.get('reason', '')}")
        if r.action == "incident.stand_down":
            return "解除应急响应" + (f"：{a['reason']}" if a.get("reason") else "")
        if r.action == "incident.step":
            title = self._step_title(r.target, a.get("step_id", ""))
            if a.get("status") == "skipped":
                return f"跳过「{title}」，理由：{a.get('reason', '')}"
            return f"完成「{title}」"
        if r.action == "task.issue":
            return f"向{self.unit_name(a.get('unit', ''))}下达：{a.get('instruction', '')}（时限 {float(a.get('due_minutes', 0)):.0f} 分钟）"
        if r.action == "task.update" and a.get("resources"):
            return f"任务 {r.target} 追加调派资源：" + "、".join(self._resource_name(x) for x in a["resources"])
        if r.action == "task.update":
            text = f"任务 {r.target} 回报：{TASK_STATUS_ZH.get(a.get('status', ''), a.get('status', ''))}"
            return text + (f"（{a['note']}）" if a.get("note") else "")
        if r.action == "war.note":
            return str(d.get("text", ""))
        if r.action == "war.focus":
            return f"关注事件切换为 {r.target}"
        if r.action == "war.switch":
            return "确认切换为战时布局" if d.get("accepted") else "暂不切换战时布局"
        if r.action == "war.figure":
            if d.get("figure") == "evacuated":
                return f"累计转移群众 {d.get('value')} 人"
            return f"{self._resource_name(d.get('where'))}安置 {d.get('value')} 人"
        if r.action == "war.observed":
            if d.get("kind") == "task":
                text = f"{self.unit_name(d.get('unit', ''))} 任务 {r.target}：{TASK_STATUS_ZH.get(d.get('status'), d.get('status'))}"
                return text + (f"（{d['note']}）" if d.get("note") else "")
            status = INCIDENT_STATUS_ZH.get(d.get("status"), d.get("status"))
            return f"事件状态：{status}（版本 {d.get('rev')}，已处理预案步骤 {d.get('steps', 0)} 项）"
        if r.action == "war.report":
            return f"生成总结报告：{d.get('files', '')}"
        return json.dumps(d, ensure_ascii=False)[:200]

    def _step_title(self, incident_id: str, step_id: str) -> str:
        for p in self.plans().values():
            for s in p.steps:
                if s.id == step_id:
                    return s.title
        return step_id

    def _resource_name(self, rid: Any) -> str:
        for f in ((getattr(self.core, "layers", {}) or {}).get("resources") or {}).get("features", []):
            if str(f.get("id")) == str(rid):
                props = f.get("properties") or {}
                return str(props.get("name_zh") or props.get("name") or rid)
        return str(rid)

    def record_report(self, incident_id: str, files: Iterable[str]) -> None:
        """Note in the log that the after-action report was written (file names only)."""
        self._record("war.report", incident_id, incident_id=incident_id,
                     files="、".join(Path(f).name for f in files))

    # ------------------------------------------------------------------ metrics and trends

    def metrics(self, incident_id: str) -> Metrics:
        now = self.now()
        tasks = [t for t in self.tasks(incident_id) if t.status != "failed"]
        open_ = [t for t in tasks if t.status not in ("done", "refused")]
        on_scene = {t.unit for t in tasks if t.status == "on_scene"}
        evacuated = 0
        for r in self._figures(incident_id):
            if r.detail.get("figure") == "evacuated":
                evacuated = int(r.detail.get("value", 0))
        shelters = [r for r in self.resources(incident_id) if r.kind == "shelter" and r.distance_m <= 8000]
        occ = self._shelter_occupancy(incident_id)
        steps = self.checklist(incident_id)
        return Metrics(
            tasks_total=len(tasks), tasks_open=len(open_), tasks_overdue=sum(1 for t in open_ if t.overdue(now)),
            units_on_scene=len(on_scene), people_evacuated=evacuated,
            shelter_capacity=sum(r.capacity or 0 for r in shelters), shelter_occupancy=sum(occ.values()),
            steps_done=sum(1 for s in steps if s.finished), steps_total=len(steps),
            steps_overdue=sum(1 for s in steps if s.state == "overdue"))

    def trends(self, incident_id: str) -> list[tuple[str, str, str, list[tuple[datetime, float]]]]:
        """(indicator id, label, unit, [(ts, value)]) of the sensor trends that matter for the incident."""
        inc = self.incident(incident_id)
        if inc is None:
            return []
        store = self.core.picture.indicators
        out = []
        for iid, label, unit in INCIDENT_TRENDS.get(inc.type, ()):
            series = store.history(iid, inc.street) or store.history(iid)
            out.append((iid, label, unit, [(v.ts, v.value) for v in series]))
        return out

    def alert_filter(self, incident_id: str) -> dict[str, Any]:
        """What the alert queue narrows to: the incident's street, categories and area."""
        inc = self.incident(incident_id)
        if inc is None:
            return {}
        return {"streets": {inc.street} if inc.street else set(),
                "categories": set(INCIDENT_ALERT_CATEGORIES.get(inc.type, ())),
                "centre": (inc.location.lon, inc.location.lat), "radius_m": max(inc.radius_m * 3, 3000.0)}

    def nearest_cameras(self, incident_id: str, limit: int = 4) -> list[str]:
        """Camera ids nearest the incident (online ones first)."""
        inc = self.incident(incident_id)
        if inc is None:
            return []
        store = self.core.picture.cameras
        if not hasattr(store, "nearest"):
            cams = list(store.values())
            cams.sort(key=lambda c: (c.status != "online", distance_m(inc.location, c.location)))
            return [c.id for c in cams[:limit]]
        lon, lat = inc.location.lon, inc.location.lat
        # The grid (console.stores.LocatedStore): the nearest online ones, then offline ones.
        found = [c.id for _d, c in store.nearest(lon, lat, None, limit, lambda c: c.status == "online")]
        if len(found) < limit:
            found += [c.id for _d, c in store.nearest(lon, lat, None, limit - len(found),
                                                      lambda c: c.status != "online")]
        return found

    # ------------------------------------------------------------------ a digest for restart checks

    def state(self) -> dict[str, Any]:
        """Everything the wartime views show, as plain data (a restart must reproduce it exactly)."""
        out: dict[str, Any] = {"focus": self.focus, "commanding": [i.id for i in self.commanding()],
                               "incidents": {}}
        for inc in self.incidents():
            out["incidents"][inc.id] = {
                "status": inc.status, "level": inc.level, "title": inc.title,
                "steps": [(r.step.id, r.state, r.owner) for r in self.checklist(inc.id)],
                "tasks": [(t.id, t.unit, t.status, t.pending_update) for t in self.tasks(inc.id)],
                "log": [(e.seq, e.action, e.text) for e in self.command_log(inc.id)],
                "metrics": self.metrics(inc.id).__dict__,
            }
        return out

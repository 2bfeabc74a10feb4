"""The rulebook: a district's state and the rules that change it, with no storage of its own.

:class:`Rulebook` holds alerts, devices, cameras, incidents and tasks, decides commands
(:meth:`Rulebook.decide`: rules → envelopes, the state untouched) and folds envelopes into
the state (:meth:`Rulebook.apply`). The rules are these, once: the embedded feed, drills
and the district gateway all decide with them (the writing side is
:class:`district.arbiter.Arbiter`; the gateway's replicas fold JetStream messages into a
:class:`Rulebook` of their own).

What a caller says about itself counts for nothing: the actor is the server's
:class:`~district.roles.User`, its role and street are checked here, every id a
command names is checked against the seat's scope, arguments have limits, and an
Idempotency-Key reused for another body or by another user is refused (409).
Reporter phone numbers leave masked (:func:`public_alert`; ``alert.reveal_phone`` returns
the whole number to a supervisor and writes who asked into the alert's timeline).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Callable

from pydantic import BaseModel

from console.masking import mask_phone
from console.models import (
    Alert,
    AlertNote,
    AlertUpsert,
    CameraUpsert,
    Command,
    CommandAccepted,
    CommandRefused,
    DeviceUpsert,
    GeoPoint,
    Incident,
    IncidentUpsert,
    IndicatorValues,
    IndicatorValue,
    IndicatorValuesEnvelope,
    PlanStepState,
    ReadingBatchEnvelope,
    Roster,
    Scope,
    Snapshot,
    Task,
    TaskUpsert,
)
from district.alerts import LEVEL_UP, LEVEL_ZH, STATUS_ZH, VERB_ZH, allowed
from district.catalogue import catalogue
from district.duty import DutyBook, DutyChange, DutyRefusal
from district.limits import command_problem
from district.roles import User, may_command, role_refusal
from district.scope import scope_refusal
from district.vocabulary import DISTRICT_TZ, INCIDENT_LEVEL_ZH, INCIDENT_TYPES, TASK_FLOW


Item = tuple[str, BaseModel, "str | None", "str | None", "str | None"]
"""(envelope type, payload, street, community, state kind or None) of one envelope to emit."""
Outcome = tuple[str, int, list[Item]]
"""(target id, new rev, envelopes) of an accepted command."""
_STATE_TABLES = {"alert": "alerts", "device": "devices", "camera": "cameras", "incident": "incidents", "task": "tasks"}
_INC_ID = re.compile(r"INC(\d{1,9})$")
_TSK_ID = re.compile(r"TSK(\d{1,9})$")

ENVELOPES: dict[str, type[BaseModel]] = {
    "alert.upsert": AlertUpsert,
    "device.upsert": DeviceUpsert,
    "reading.batch": ReadingBatchEnvelope,
    "camera.upsert": CameraUpsert,
    "indicator.values": IndicatorValuesEnvelope,
    "incident.upsert": IncidentUpsert,
    "task.upsert": TaskUpsert,
}


class CommandError(Exception):
    """A refused command: HTTP status plus the wire refusal."""

    def __init__(self, status: int, error: str, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.error = error
        self.reason = reason


def public_alert(alert: Alert) -> Alert:
    """The alert as it may leave the server: the reporter's phone masked."""
    if alert.reporter_phone and "*" not in alert.reporter_phone:
        return alert.model_copy(update={"reporter_phone": mask_phone(alert.reporter_phone)})
    return alert


def accepted_answer(cmd: Command, decision: "Decision") -> str:
    """The JSON answer (CommandAccepted) of an accepted command."""
    return CommandAccepted(command_id=cmd.id, target_id=decision.target_id, rev=decision.rev,
                           **decision.answer).model_dump_json()


def key_refusal(cmd: Command) -> str:
    """The JSON answer to an Idempotency-Key reused for another body or by another user."""
    return CommandRefused(command_id=cmd.id, error="stale_rev",
                          reason="幂等键（Idempotency-Key）已用于另一条指令或另一用户，已拒绝").model_dump_json()


def fingerprint(user: User, cmd: Command) -> str:
    """What an Idempotency-Key is bound to: the caller and the exact command."""
    body = cmd.model_dump_json(exclude={"operator"})
    return hashlib.sha256(f"{user.username}\n{user.role}\n{body}".encode("utf-8")).hexdigest()


@dataclass
class Decision:
    """What the rules decided for one accepted command, before anything is persisted.

    ``items`` are the envelopes to emit (with unmasked payloads), ``answer`` the extra
    fields of the CommandAccepted answer, ``ptz`` camera positions the command sets.
    Nothing in the rulebook's state has changed yet: :meth:`Rulebook.apply` does that
    once the envelopes are safely stored (in SQLite, or in a JetStream stream).
    """

    target_id: str
    rev: int
    items: list[Item]
    answer: dict[str, Any] = field(default_factory=dict)
    ptz: dict[str, dict[str, float]] = field(default_factory=dict)
    duty: list[DutyChange] = field(default_factory=list)


class Rulebook:
    """A district's state and the rules that change it, with no storage of its own.

    :meth:`decide` runs every rule for one command and returns the envelopes it would
    produce without touching the state; :meth:`apply` folds envelopes into the state.
    The :class:`Arbiter` (SQLite event log) and the district gateway (a JetStream
    stream shared by replicas) persist decisions their own way.
    """

    def __init__(self) -> None:
        cat = catalogue()
        self.catalogue = cat
        self.streets_cat = [dict(s) for s in cat.streets]
        self.categories = cat.categories
        self.units = list(cat.units)
        self.unit_by_id = cat.unit_by_id
        self.unit_names = {u.id: u.name for u in self.units}
        self.community_street = cat.community_street
        self.community_name = cat.community_name
        self.street_name = cat.street_name
        self.resource_ids: frozenset[str] | None = None  # known resources; None = not checked

        self.alerts: dict[str, Alert] = {}
        self.devices: dict[str, Any] = {}
        self.cameras: dict[str, Any] = {}
        self.incidents: dict[str, Incident] = {}
        self.tasks: dict[str, Task] = {}
        self.ptz: dict[str, dict[str, float]] = {}
        self.indicator_latest: dict[tuple[str, str | None], IndicatorValue] = {}
        self.counts = {"alerts_created": 0, "readings": 0, "commands": 0, "injected": 0, "refused": 0}
        self.head = 0
        self._alert_seq = 0
        self._incident_seq = 0
        self._task_seq = 0
        self.node: str | None = None
        self.duty: DutyBook | None = None  # the duty roster's changes; None = duty commands not served here
        self._inc_id, self._tsk_id = _INC_ID, _TSK_ID

    def set_node(self, node: str | None) -> None:
        """Decide as the node ``node`` of the 1+6+N system (a street node: its street id).

        Ids this node makes carry the node (``INC-maluan-00001``), so that a street node and
        the district hub, deciding apart while their link is cut, never make the same id; each
        counts only its own ids.
        """
        self.node = node
        tag = re.escape(f"-{node}-") if node else ""
        self._inc_id = re.compile(rf"INC{tag}(\d{{1,9}})$")
        self._tsk_id = re.compile(rf"TSK{tag}(\d{{1,9}})$")

    def local_id(self, prefix: str, n: int, width: int) -> str:
        """An id made at this node: ``prefix`` + (``-node-``) + ``n`` in ``width`` digits."""
        return f"{prefix}{f'-{self.node}-' if self.node else ''}{n:0{width}d}"

    def now(self) -> datetime:
        """The district's clock (wall clock in Asia/Shanghai; drills and the feed override it)."""
        return datetime.now(DISTRICT_TZ)

    # ------------------------------------------------------------------ state

    def apply(self, items: list[Item]) -> bool:
        """Fold envelopes into the state (the newest wins); True when an id counter moved."""
        moved = False
        for _etype, payload, _street, _community, kind in items:
            if kind is None:
                if isinstance(payload, IndicatorValues):
                    for v in payload.values:
                        self.indicator_latest[(v.indicator_id, v.street)] = v
                continue
            table = getattr(self, _STATE_TABLES[kind])
            oid = getattr(payload, "id")
            table[oid] = payload
            if kind == "incident" and (m := self._inc_id.match(oid)) and int(m.group(1)) > self._incident_seq:
                self._incident_seq = int(m.group(1))
                moved = True
            elif kind == "task" and (m := self._tsk_id.match(oid)) and int(m.group(1)) > self._task_seq:
                self._task_seq = int(m.group(1))
                moved = True
        return moved

    def snapshot(self, street: str | None) -> Snapshot:
        """The whole current state (optionally one street's) plus the stream cursor."""
        def mine(x: Any) -> bool:
            return street is None or getattr(x, "street", None) in (None, street)

        return Snapshot(
            cursor=str(self.head),
            generated_at=self.now(),
            scope=Scope(street=street),
            alerts=tuple(public_alert(a) for a in self.alerts.values() if mine(a)),
            devices=tuple(d for d in self.devices.values() if mine(d)),
            cameras=tuple(c for c in self.cameras.values() if mine(c)),
            indicators=tuple(v for (iid, st), v in self.indicator_latest.items() if street is None or st in (None, street)),
            incidents=tuple(self.incidents.values()),  # district-wide, like their envelopes
            tasks=tuple(self.tasks.values()),
            units=tuple(self.units),
        )

    # ------------------------------------------------------------------ scope lookups (district.scope)

    def unit_street(self, unit_id: str) -> str | None:
        return self.catalogue.unit_street(unit_id)

    def street_title(self, street: str) -> str:
        return self.street_name.get(street, street)

    def task_street(self, task: Task) -> str | None:
        """The street whose sub-centre the task concerns: the unit's street, else the incident's."""
        street = self.unit_street(task.unit)
        if street is not None:
            return street
        inc = self.incidents.get(task.incident_id)
        return inc.street if inc is not None else None

    # ------------------------------------------------------------------ commands

    def decide(self, cmd: Command, user: User) -> Decision:
        """Every rule in order: role, limits, scope, then the object's own state machine.

        Returns what the command would change (raises :class:`CommandError` for a
        refusal); the state is left as it was.
        """
        if not may_command(user.role, cmd.kind):
            raise CommandError(403, "forbidden", role_refusal(user.role, cmd.kind))
        problem = command_problem(cmd.target_id, cmd.args)
        if problem:
            raise CommandError(422, "invalid", problem)
        if cmd.kind.startswith("duty."):  # the duty book checks its own scope (centres, not streets' objects)
            return self._duty_decision(cmd, user)
        outside = scope_refusal(user, self, cmd)
        if outside:
            raise CommandError(403, "forbidden", outside)
        resources = cmd.args.get("resources")
        if resources and self.resource_ids is not None:
            unknown = [r for r in resources if r not in self.resource_ids]
            if unknown:
                raise CommandError(422, "invalid", f"应急资源 {'、'.join(unknown[:5])} 不存在")
        handler = _HANDLERS.get(cmd.kind.split(".")[0])
        if handler is None:
            raise CommandError(422, "invalid", f"不支持的指令类型：{cmd.kind}")
        decision = Decision(target_id=cmd.target_id, rev=0, items=[])
        decision.target_id, decision.rev, decision.items = handler(self, cmd, user.actor, decision)
        return decision

    def duty_roster(self) -> Roster:
        """Today's duty roster as this server's book holds it (the seeded roster without one)."""
        return (self.duty or DutyBook()).roster(self.now())

    def _duty_decision(self, cmd: Command, user: User) -> Decision:
        """A duty roster command (``district.duty``): the book decides, nothing is emitted."""
        if self.duty is None:
            raise CommandError(422, "invalid", "本服务未承载值班值守：请连接区指挥中心服务")
        try:
            change = self.duty.decide(cmd.kind, cmd.target_id, cmd.args, user, self.now())
        except DutyRefusal as exc:
            raise CommandError(exc.status, exc.error, exc.reason) from exc
        return Decision(target_id=change.target_id, rev=change.rev, items=[], duty=[change])

    def _check_rev(self, cmd: Command, rev: int, what: str) -> None:
        if cmd.expected_rev is not None and cmd.expected_rev != rev:
            raise CommandError(409, "stale_rev", f"该{what}已被更新（当前版本 {rev}，指令基于版本 {cmd.expected_rev}），请刷新后重试")

    def _alert_command(self, cmd: Command, actor: str, decision: Decision) -> Outcome:
        a = self.alerts.get(cmd.target_id)
        if a is None:
            raise CommandError(404, "not_found", f"事件 {cmd.target_id} 不存在")
        self._check_rev(cmd, a.rev, "事件")
        now = self.now()
        verb = cmd.kind.split(".", 1)[1]
        args = cmd.args
        if verb == "escalate" and a.level == "red" and a.status != "closed":
            raise CommandError(422, "invalid", "已是最高预警级别（红色），不能再升级")
        if not allowed(a, verb):
            raise CommandError(422, "invalid", f"当前状态为“{STATUS_ZH[a.status]}”，不能{VERB_ZH.get(verb, verb)}")
        update: dict[str, Any] = {}
        text = ""
        extra: list[Alert] = []
        if verb == "acknowledge":
            update = {"status": "acknowledged", "acknowledged_by": actor}
            text = "已签收"
        elif verb == "dispatch":
            unit_id = args.get("unit")
            if not isinstance(unit_id, str) or not unit_id:
                raise CommandError(422, "invalid", "分拨须指定承办单位（args.unit）")
            unit = self.unit_by_id.get(unit_id)
            if unit is None:
                raise CommandError(422, "invalid", f"承办单位 {unit_id} 不存在")
            if unit.categories and a.category not in unit.categories:
                cat_zh = self.categories[a.category]["name_zh"]
                raise CommandError(422, "invalid", f"{unit.name}不承办“{cat_zh}”类事件")
            update = {"status": "dispatched", "assigned_unit": unit_id}
            text = f"分拨至{unit.name}" + (f"：{args['instruction']}" if args.get("instruction") else "")
        elif verb == "start":
            update = {"status": "in_progress"}
            text = "开始处置"
        elif verb == "resolve":
            result = args.get("result")
            if not isinstance(result, str) or not result.strip():
                raise CommandError(422, "invalid", "办结须填写处置结果（args.result）")
            update = {"status": "resolved"}
            text = f"处置结果：{result.strip()}"
        elif verb == "close":
            feedback = args.get("feedback", "")
            update = {"status": "closed"}
            text = f"反馈：{feedback}" if feedback else "闭环"
        elif verb == "reopen":
            update = {"status": "acknowledged"}
            text = "重新打开" + (f"：{args['reason']}" if args.get("reason") else "")
        elif verb == "escalate":
            update = {"level": LEVEL_UP[a.level]}
            text = f"预警级别由{LEVEL_ZH[a.level]}升为{LEVEL_ZH[LEVEL_UP[a.level]]}"
        elif verb == "urge":
            text = "督办" + (f"：{args['text']}" if args.get("text") else "")
        elif verb == "note":
            note = args.get("text")
            if not isinstance(note, str) or not note.strip():
                raise CommandError(422, "invalid", "备注内容不能为空（args.text）")
            text = note.strip()
        elif verb == "reveal_phone":
            if not a.reporter_phone:
                raise CommandError(422, "invalid", "该事件没有报警人号码")
            decision.answer["revealed"] = a.reporter_phone
            text = "查看报警人完整号码"
        elif verb == "merge":
            into = args.get("into")
            if not isinstance(into, str) or into not in self.alerts:
                raise CommandError(422, "invalid", f"合并目标事件 {into} 不存在")
            if into == a.id:
                raise CommandError(422, "invalid", "不能将事件合并到自身")
            target = self.alerts[into]
            if target.status == "closed":
                raise CommandError(422, "invalid", f"合并目标事件 {into} 已闭环")
            update = {"status": "closed"}
            text = f"重复事件，已合并至 {into}"
            extra.append(target.model_copy(update={
                "rev": target.rev + 1, "updated_at": now,
                "timeline": target.timeline + (AlertNote(ts=now, actor=actor, action="note",
                                                         text=f"已合并重复事件 {a.id}", command_id=cmd.id),)}))
        else:
            raise CommandError(422, "invalid", f"不支持的事件指令：{cmd.kind}")
        new = a.model_copy(update={
            **update, "rev": a.rev + 1, "updated_at": now, "last_command_id": cmd.id,
            "timeline": a.timeline + (AlertNote(ts=now, actor=actor, action=verb, text=text, command_id=cmd.id),),
        })
        return new.id, new.rev, [("alert.upsert", x, x.street, x.community, "alert") for x in [new, *extra]]

    def _camera_command(self, cmd: Command, actor: str, decision: Decision) -> Outcome:
        c = self.cameras.get(cmd.target_id)
        if c is None:
            raise CommandError(404, "not_found", f"摄像机 {cmd.target_id} 不存在")
        if cmd.kind != "camera.ptz":
            raise CommandError(422, "invalid", f"不支持的摄像机指令：{cmd.kind}")
        if not c.ptz:
            raise CommandError(422, "invalid", f"{c.name}不支持云台控制")
        if c.status != "online":
            raise CommandError(422, "invalid", f"{c.name}离线，不能控制云台")
        self._check_rev(cmd, c.rev, "摄像机")
        pos = dict(self.ptz.get(c.id, {"pan": 0.0, "tilt": 0.0, "zoom": 1.0}))
        for key in ("pan", "tilt", "zoom"):
            if key in cmd.args:
                try:
                    pos[key] = float(cmd.args[key])
                except (TypeError, ValueError):
                    raise CommandError(422, "invalid", f"云台参数 {key} 须为数字") from None
        if not -180 <= pos["pan"] <= 180 or not -90 <= pos["tilt"] <= 90 or not 1 <= pos["zoom"] <= 30:
            raise CommandError(422, "invalid", "云台参数超出范围（水平 ±180°，俯仰 ±90°，变倍 1–30）")
        decision.ptz[c.id] = pos
        c = c.model_copy(update={"rev": c.rev + 1, "updated_at": self.now()})
        return c.id, c.rev, [("camera.upsert", c, c.street, c.community, "camera")]

    def _incident_command(self, cmd: Command, actor: str, decision: Decision) -> Outcome:
        now = self.now()
        args = cmd.args
        if cmd.kind == "incident.declare":
            if cmd.target_id in self.incidents:
                raise CommandError(422, "invalid", f"事件 {cmd.target_id} 已存在")
            itype = args.get("type")
            if itype not in INCIDENT_TYPES:
                raise CommandError(422, "invalid", f"未知的突发事件类型：{itype}")
            level = args.get("level")
            if not isinstance(level, int) or not 1 <= level <= 4:
                raise CommandError(422, "invalid", "响应级别须为 1–4（Ⅰ–Ⅳ级）")
            street = args.get("street")
            if street is not None and street not in self.street_name:
                raise CommandError(422, "invalid", f"未知的街道：{street}")
            loc_raw = args.get("location")
            try:
                if loc_raw is not None:
                    loc = GeoPoint(**loc_raw)
                elif street is not None:
                    s = next(x for x in self.streets_cat if x["id"] == street)
                    loc = GeoPoint(**s["centre"])
                else:
                    raise CommandError(422, "invalid", "须指定事发位置（args.location 或 args.street）")
                radius = float(args.get("radius_m", 1000))
            except (TypeError, ValueError):
                raise CommandError(422, "invalid", "事发位置或范围格式不正确") from None
            if radius <= 0:
                raise CommandError(422, "invalid", "影响范围须大于 0 米")
            if street is None:
                # A declared point tells which street's sub-centre it concerns.
                cm = self._community_of(loc.lon, loc.lat)
                street = self.community_street.get(cm) if cm else None
            # A new id takes the next number; ``apply`` moves the counter once it is stored.
            iid = self.local_id("INC", self._incident_seq + 1, 5) if cmd.target_id in ("", "new") else cmd.target_id
            inc = Incident(id=iid, rev=1, type=itype, level=level, status="active",
                           title=str(args.get("title") or f"{INCIDENT_TYPES[itype]}（{INCIDENT_LEVEL_ZH[level]}级响应）"),
                           reason=str(args.get("reason", "")), location=loc, radius_m=radius, street=street,
                           plan_id=args.get("plan_id") or f"plan.{itype}", started_at=now, declared_by=actor,
                           last_command_id=cmd.id)
        elif cmd.kind == "incident.stand_down":
            old = self.incidents.get(cmd.target_id)
            if old is None:
                raise CommandError(404, "not_found", f"突发事件 {cmd.target_id} 不存在")
            self._check_rev(cmd, old.rev, "突发事件")
            if old.status != "active":
                raise CommandError(422, "invalid", "该突发事件已解除响应")
            inc = old.model_copy(update={"status": "stood_down", "ended_at": now, "rev": old.rev + 1,
                                         "last_command_id": cmd.id,
                                         "ended_reason": str(args.get("reason", ""))})
        elif cmd.kind == "incident.step":
            inc = self._incident_step(cmd, actor, now)
        else:
            raise CommandError(422, "invalid", f"不支持的突发事件指令：{cmd.kind}")
        # District-wide: every street sub-centre takes part in an emergency, wherever it is.
        return inc.id, inc.rev, [("incident.upsert", inc, None, None, "incident")]

    def _incident_step(self, cmd: Command, actor: str, now: datetime) -> Incident:
        """``incident.step``: a plan step completed (``done``) or skipped (``skipped``, reason required)."""
        old = self.incidents.get(cmd.target_id)
        if old is None:
            raise CommandError(404, "not_found", f"突发事件 {cmd.target_id} 不存在")
        if old.status != "active":
            raise CommandError(422, "invalid", "该突发事件已解除响应，预案步骤不能再更改")
        args = cmd.args
        step_id = args.get("step_id")
        status = args.get("status")
        reason = str(args.get("reason", "")).strip()
        if not isinstance(step_id, str) or not step_id:
            raise CommandError(422, "invalid", "须指定预案步骤（args.step_id）")
        if status not in ("done", "skipped"):
            raise CommandError(422, "invalid", "步骤状态须为 done（完成）或 skipped（跳过）")
        if status == "skipped" and not reason:
            raise CommandError(422, "invalid", "跳过预案步骤须说明理由")
        if any(st.step_id == step_id for st in old.steps):
            raise CommandError(422, "invalid", "该预案步骤已处理")
        state = PlanStepState(step_id=step_id, status=status, at=now, by=actor, reason=reason,
                              last_command_id=cmd.id)
        return old.model_copy(update={"steps": (*old.steps, state), "rev": old.rev + 1, "last_command_id": cmd.id})

    def _task_command(self, cmd: Command, actor: str, decision: Decision) -> Outcome:
        now = self.now()
        args = cmd.args
        if cmd.kind == "task.issue":
            inc = self.incidents.get(cmd.target_id)
            if inc is None:
                raise CommandError(404, "not_found", f"突发事件 {cmd.target_id} 不存在")
            if inc.status != "active":
                raise CommandError(422, "invalid", "该突发事件已解除响应，不能下达任务")
            unit = args.get("unit")
            if unit not in self.unit_by_id:
                raise CommandError(422, "invalid", f"承办单位 {unit} 不存在")
            instruction = args.get("instruction")
            if not isinstance(instruction, str) or not instruction.strip():
                raise CommandError(422, "invalid", "任务须填写指令内容（args.instruction）")
            try:
                due = now + timedelta(minutes=float(args.get("due_minutes", 30)))
                loc = GeoPoint(**args["location"]) if args.get("location") else None
            except (TypeError, ValueError):
                raise CommandError(422, "invalid", "任务时限或位置格式不正确") from None
            tid = args.get("task_id")
            if not isinstance(tid, str) or not tid:
                tid = self.local_id("TSK", self._task_seq + 1, 6)
            elif tid in self.tasks:
                raise CommandError(422, "invalid", f"任务 {tid} 已存在")
            step_id = args.get("step_id")
            task = Task(id=tid, rev=1, incident_id=inc.id, unit=unit, instruction=instruction.strip(), status="issued",
                        due=due, location=loc, note=str(args.get("note", "")), updated_at=now, last_command_id=cmd.id,
                        step_id=step_id if isinstance(step_id, str) and step_id else None)
        elif cmd.kind == "task.update":
            old = self.tasks.get(cmd.target_id)
            if old is None:
                raise CommandError(404, "not_found", f"任务 {cmd.target_id} 不存在")
            self._check_rev(cmd, old.rev, "任务")
            status = args.get("status", old.status)
            if status not in TASK_FLOW:
                raise CommandError(422, "invalid", f"未知的任务状态：{status}")
            if old.status in ("done", "refused") and status != old.status:
                raise CommandError(422, "invalid", "任务已结束，不能再更改状态")
            task = old.model_copy(update={"status": status, "note": str(args.get("note", old.note)),
                                          "rev": old.rev + 1, "updated_at": now, "last_command_id": cmd.id})
        else:
            raise CommandError(422, "invalid", f"不支持的任务指令：{cmd.kind}")
        return task.id, task.rev, [("task.upsert", task, self.task_street(task), None, "task")]

    def _community_of(self, lon: float, lat: float) -> str | None:
        """The community a point lies in (a district with geometry overrides this)."""
        return None


_HANDLERS: dict[str, Callable[[Rulebook, Command, str, Decision], Outcome]] = {
    "alert": Rulebook._alert_command,
    "camera": Rulebook._camera_command,
    "incident": Rulebook._incident_command,
    "task": Rulebook._task_command,
}

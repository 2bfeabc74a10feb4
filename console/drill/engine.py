"""The drill engine: a scenario's schedule played into the drill district, and the local arbiter.

``DrillEngine`` owns the drill's district (the feed's ``District`` on a virtual
clock, see ``simulator/drill_world.py``), the schedule of injects and background
ticks, and the arbiter that applies operator commands with the gateway's own
rules.  It is synchronous and deterministic: the same scenario, advanced through
the same times with the same commands, produces the same envelopes and state.
It opens no socket; its data lives in ``data_dir`` (the drill's own directory).
"""

from __future__ import annotations

import bisect
import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Callable

from console.drill.scenario import (
    AlertInject,
    CameraFailureInject,
    CapWarningInject,
    DeviceFailureInject,
    IncidentInject,
    ReadingTrendInject,
    Response,
    Scenario,
    UnitMessageInject,
)
from console.models import Command, CommandAccepted, CommandRefused
from district.roles import User
from simulator import drill_world

log = logging.getLogger(__name__)

HQ_ACTOR = "区三防指挥部"


@dataclass(order=True)
class _Due:
    at: float
    order: int
    what: str = field(compare=False)  # "inject" | "trend" | "tick" | "response" | "envelope"
    item: Any = field(compare=False, default=None)
    value: float | None = field(compare=False, default=None)


@dataclass
class TimelineEntry:
    """One line of the after-action timeline."""

    at_s: float
    kind: str  # inject | response | command | refused | note
    text: str
    ref: str = ""


class DrillEngine:
    """Plays one scenario (or a recorded package's envelopes) into a drill district."""

    def __init__(self, scenario: Scenario, data_dir: str | Path, *, scripted_responses: bool = True,
                 recorded: list[tuple[float, str]] | None = None) -> None:
        self.scenario = scenario
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.start: datetime = scenario.start
        self.duration = float(scenario.duration)
        self.role = scenario.role
        world_mod = drill_world
        self._world_mod = world_mod
        bg = scenario.background
        self.world = world_mod.DrillWorld(self.data_dir / "arbiter", seed=scenario.seed, start=self.start,
                                          readings_per_min=bg.readings_per_min, backlog=bg.backlog_alerts)
        self.produced: dict[str, str] = {}  # inject id → alert or incident id it produced
        self.produced_at: dict[str, float] = {}
        self.timeline: list[TimelineEntry] = []
        self.command_order: list[str] = []  # command ids in the order the arbiter applied them
        self.refused: list[tuple[float, str, str]] = []  # (at, command kind, reason)
        self.issue_times: dict[str, datetime] = {}  # task id → virtual time it was issued
        self.now_s = 0.0
        self.emitted = 0
        self.finished = False
        self._schedule: list[_Due] = []
        self._trend_from: dict[str, float] = {}
        self._recorded_alerts: set[str] = set()  # alerts of a recorded package already played  # reading_trend inject id → value it started from
        self._order = 0
        self._build_schedule(scripted_responses, recorded or [])
        self._next = 0

    # ------------------------------------------------------------------ schedule

    def _add(self, at: float, what: str, item: Any = None, value: float | None = None) -> None:
        self._order += 1
        self._schedule.append(_Due(round(at, 6), self._order, what, item, value))

    def _build_schedule(self, scripted_responses: bool, recorded: list[tuple[float, str]]) -> None:
        s = self.scenario
        tick = s.background.tick
        if tick > 0 and s.background.readings_per_min > 0:
            t = tick
            while t <= self.duration:
                self._add(t, "tick", value=tick)
                t += tick
        for at, body in recorded:
            self._add(at, "envelope", body)
        for inj in s.injects:
            if isinstance(inj, ReadingTrendInject):
                steps = max(1, int(inj.over // inj.every))
                for k in range(steps + 1):
                    at = inj.at + k * inj.every if k < steps else inj.at + inj.over
                    if at <= self.duration:
                        self._add(at, "trend", inj, float(k) / steps)
            else:
                self._add(inj.at, "inject", inj)
        if scripted_responses:
            for r in s.responses:
                self._add(r.at, "response", r)
        self._schedule.sort()
        self._inject_times = sorted({d.at for d in self._schedule if d.what in ("inject", "trend", "envelope")
                                     and (d.what != "trend" or d.value == 0.0)})

    def next_inject_at(self, after_s: float) -> float | None:
        """Virtual time of the next inject strictly after ``after_s`` (None if none is left)."""
        i = bisect.bisect_right(self._inject_times, after_s + 1e-9)
        return self._inject_times[i] if i < len(self._inject_times) else None

    def next_due_at(self) -> float | None:
        return self._schedule[self._next].at if self._next < len(self._schedule) else None

    @property
    def inject_count(self) -> int:
        return len(self.scenario.injects)

    def injects_done(self) -> int:
        return sum(1 for i in self.scenario.injects if i.at <= self.now_s)

    # ------------------------------------------------------------------ time

    def _set_time(self, at: float) -> None:
        self.world.set_time(self.start + timedelta(seconds=at))

    def advance_to(self, t: float, on_response: Callable[[Response], None] | None = None,
                   on_step: Callable[[], None] | None = None) -> None:
        """Apply everything due up to ``t`` (in time order), then set the clock to ``t``.

        ``on_response`` receives each scripted response at its time (the runner submits it
        through the console's commands); ``on_step`` runs after each due item (the source
        drains envelopes and delivers commands there, so their times are exact).
        """
        t = min(t, self.duration)
        while self._next < len(self._schedule) and self._schedule[self._next].at <= t + 1e-9:
            due = self._schedule[self._next]
            self._next += 1
            self.now_s = max(self.now_s, due.at)
            self._set_time(due.at)
            try:
                self._apply(due, on_response)
            except Exception as exc:  # noqa: BLE001 - one bad inject must not end the drill
                log.exception("drill item at %.0f s failed", due.at)
                self.timeline.append(TimelineEntry(due.at, "note", f"脚本项执行失败：{type(exc).__name__}: {exc}"))
            if on_step is not None:
                on_step()
        self.now_s = max(self.now_s, t)
        self._set_time(self.now_s)
        if self.now_s >= self.duration - 1e-9 and self._next >= len(self._schedule):
            self.finished = True

    def _apply(self, due: _Due, on_response: Callable[[Response], None] | None) -> None:
        w = self.world
        if due.what == "tick":
            w.tick(float(due.value or 0.0))
            return
        if due.what == "envelope":
            self._replay(due.item)
            return
        if due.what == "response":
            if on_response is not None:
                on_response(due.item)
            return
        inj = due.item
        if due.what == "trend":
            dev = w.find_device(inj.device, inj.device_kind, inj.community)
            if due.value == 0.0:
                self._trend_from[inj.id] = w.values.get(dev.id, 0.0)
                self._log(due.at, "inject", f"{dev.name}读数开始变化，{inj.over / 60:.0f} 分钟内趋向 {inj.to:g}{dev.unit}", inj)
            start = self._trend_from.get(inj.id, w.values.get(dev.id, 0.0))
            value = start + (inj.to - start) * float(due.value or 0.0)
            alert = w.set_reading(dev, value)
            if alert is not None and inj.id not in self.produced:
                self._produced(inj.id, alert.id, due.at)
                self._log(due.at, "inject", f"{alert.title}（{alert.id}）", inj)
            return
        if isinstance(inj, AlertInject):
            a = w.add_alert(category=inj.category, level=inj.level, title=inj.title, description=inj.description,
                            community=inj.community, source=inj.source, lon=inj.lon, lat=inj.lat)
            self._produced(inj.id, a.id, due.at)
            self._log(due.at, "inject", f"新事件：{a.title}（{a.id}）", inj)
        elif isinstance(inj, CapWarningInject):
            a = w.add_cap_warning(level=inj.level, headline=inj.headline, description=inj.description)
            self._produced(inj.id, a.id, due.at)
            self._log(due.at, "inject", f"CAP 预警：{a.title}（{a.id}）", inj)
        elif isinstance(inj, DeviceFailureInject):
            dev = w.find_device(inj.device, inj.device_kind, inj.community)
            w.set_device_status(dev, inj.status)
            self._log(due.at, "inject", f"设备故障：{dev.name} → {inj.status}", inj)
        elif isinstance(inj, CameraFailureInject):
            cam = w.find_camera(inj.camera, inj.camera_kind, inj.community)
            w.set_camera_status(cam, inj.status)
            self._log(due.at, "inject", f"摄像机{('离线' if inj.status == 'offline' else '恢复')}：{cam.name}", inj)
        elif isinstance(inj, IncidentInject):
            self._declare(inj, due.at)
        elif isinstance(inj, UnitMessageInject):
            name = w.unit_names.get(inj.unit, inj.unit)
            w.notice(f"【{name}】{inj.text}", inj.severity)
            self._log(due.at, "inject", f"单位消息：【{name}】{inj.text}", inj)

    def _declare(self, inj: IncidentInject, at: float) -> None:
        args: dict[str, Any] = {"type": inj.type, "level": inj.level, "radius_m": inj.radius_m, "reason": inj.reason}
        if inj.title:
            args["title"] = inj.title
        if inj.community is not None:
            lon, lat = self._world_mod.community_centre(inj.community)
            args["location"] = {"lon": lon, "lat": lat}
            args["street"] = inj.street or self.world.community_street.get(inj.community)
        elif inj.street is not None:
            args["street"] = inj.street
        target = f"{self._world_mod.DRILL_PREFIX}INC-{inj.id}"
        cmd = Command(id=f"drill-inject-{inj.id}", kind="incident.declare", target_id=target, operator=HQ_ACTOR,
                      issued_at=self.world.now(), args=args)
        status, body = self.world.declare(cmd, HQ_ACTOR)
        if status != 202:
            reason = CommandRefused.model_validate_json(body).reason
            self._log(at, "note", f"宣布突发事件失败：{reason}", inj)
            return
        self._produced(inj.id, target, at)
        inc = self.world.incidents[target]
        self._log(at, "inject", f"宣布突发事件：{inc.title}（{'ⅠⅡⅢⅣ'[inc.level - 1]}级响应，{target}）", inj)

    def _replay(self, body: str) -> None:
        """A recorded envelope re-emitted by the drill district (its own ids; state kept for the arbiter)."""
        from console.models import Alert, Camera, Device, Incident, Task

        doc = json.loads(body)
        etype, payload = doc.get("type"), doc.get("payload")
        kinds: dict[str, tuple[Any, str, str]] = {"alert.upsert": (Alert, "alerts", "alert"), "device.upsert": (Device, "devices", "device"),
                 "camera.upsert": (Camera, "cameras", "camera"), "incident.upsert": (Incident, "incidents", "incident"),
                 "task.upsert": (Task, "tasks", "task")}
        w = self.world
        if etype in kinds:
            model, attr, kind = kinds[etype]
            obj = model.model_validate(payload)
            if etype == "alert.upsert" and obj.id in self._recorded_alerts:
                # The trainee works the alert from its first sighting on: what the live
                # operator did to it later is not replayed over the trainee's own actions.
                return
            if etype == "alert.upsert":
                self._recorded_alerts.add(obj.id)
            getattr(w, attr)[obj.id] = obj
            scope = doc.get("scope") or {}
            w.emit([(etype, obj, scope.get("street"), scope.get("community"), kind)])
            key = f"rec-{obj.id}"
            if etype == "alert.upsert" and obj.status == "new" and key not in self.produced:
                self._produced(key, obj.id, self.now_s)  # a recorded new alert is an inject to score
                self._log(self.now_s, "inject", f"新事件：{obj.title}（{obj.id}）")
        elif etype == "reading.batch":
            from console.models import ReadingBatch

            batch = ReadingBatch.model_validate(payload)
            w.emit([("reading.batch", batch, (doc.get("scope") or {}).get("street"), None, None)])
        elif etype == "notice":
            w.notice(str((payload or {}).get("text", "")), str((payload or {}).get("severity", "info")))

    def _produced(self, inject_id: str, target: str, at: float) -> None:
        self.produced[inject_id] = target
        self.produced_at[inject_id] = at

    def _log(self, at: float, kind: str, text: str, inj: Any = None) -> None:
        note = getattr(inj, "note", "") if inj is not None else ""
        self.timeline.append(TimelineEntry(at, kind, text + (f"（{note}）" if note else ""),
                                           getattr(inj, "id", "") if inj is not None else ""))

    def take(self) -> list[tuple[int, str, bytes]]:
        out = self.world.take()
        self.emitted += len(out)
        return out

    # ------------------------------------------------------------------ arbiter

    def execute(self, body_json: str, actor: str, role: str | None = None) -> tuple[int, str]:
        """The local arbiter: one outbox command through the gateway's own rules.

        Returns (HTTP-like status, CommandAccepted | CommandRefused JSON), exactly what
        ``POST /api/v1/commands`` would answer; the Idempotency-Key is the command id.
        """
        try:
            cmd = Command.model_validate_json(body_json)
        except ValueError:
            return 422, CommandRefused(error="invalid", reason="指令格式不正确").model_dump_json()
        # The trainee at this console is the caller: what the command body says of its
        # operator counts for nothing, as on the gateway.
        trainee = User("drill-trainee", role or self.role, actor or "演练学员")
        status, body = self.world.execute(cmd, trainee, cmd.id)
        if cmd.id not in self.command_order:
            self.command_order.append(cmd.id)
        if status == 202:
            target = CommandAccepted.model_validate_json(body).target_id
            if cmd.kind == "task.issue" and target not in self.issue_times:
                self.issue_times[target] = self.world.now()  # a task's later updates move updated_at
            self.timeline.append(TimelineEntry(self.now_s, "command", f"{_VERB_ZH.get(cmd.kind, cmd.kind)}：{target}", target))
        else:
            reason = CommandRefused.model_validate_json(body).reason
            self.refused.append((self.now_s, cmd.kind, reason))
            self.timeline.append(TimelineEntry(self.now_s, "refused", f"{_VERB_ZH.get(cmd.kind, cmd.kind)}被拒绝：{reason}",
                                               cmd.target_id))
        return status, body

    # ------------------------------------------------------------------ results

    def final_state(self) -> dict[str, Any]:
        """The drill district's state with command ids replaced by their order: same inputs → same JSON."""
        ids = {cid: f"C{n + 1:04d}" for n, cid in enumerate(self.command_order)}

        def norm(doc: dict[str, Any]) -> dict[str, Any]:
            if doc.get("last_command_id") is not None:
                doc["last_command_id"] = ids.get(doc["last_command_id"], "external")
            for note in doc.get("timeline", ()):
                if note.get("command_id") is not None:
                    note["command_id"] = ids.get(note["command_id"], "external")
            return doc

        w = self.world
        return {
            "scenario": self.scenario.id,
            "virtual_time_s": round(self.now_s, 3),
            "envelopes": w.head,
            "produced": dict(sorted(self.produced.items())),
            "alerts": [norm(a.model_dump(mode="json")) for a in sorted(w.alerts.values(), key=lambda a: a.id)],
            "incidents": [norm(i.model_dump(mode="json")) for i in sorted(w.incidents.values(), key=lambda i: i.id)],
            "tasks": [norm(t.model_dump(mode="json")) for t in sorted(w.tasks.values(), key=lambda t: t.id)],
            "devices": {d.id: [d.status, d.rev] for d in sorted(w.devices.values(), key=lambda d: d.id) if d.rev > 1},
            "cameras": {c.id: [c.status, c.rev] for c in sorted(w.cameras.values(), key=lambda c: c.id) if c.rev > 1},
            "refused": [[round(a, 3), k, r] for a, k, r in self.refused],
        }

    def close(self) -> None:
        try:
            self.world.store.db.close()
        except Exception:  # noqa: BLE001
            log.exception("closing the drill district failed")


_VERB_ZH = {
    "alert.acknowledge": "签收", "alert.dispatch": "分拨", "alert.start": "开始处置", "alert.resolve": "办结",
    "alert.close": "闭环", "alert.reopen": "重新打开", "alert.escalate": "升级", "alert.urge": "督办",
    "alert.merge": "合并", "alert.note": "备注", "camera.ptz": "云台控制", "incident.declare": "宣布突发事件",
    "incident.stand_down": "解除响应", "task.issue": "下达任务", "task.update": "任务状态更新",
}


def response_command(r: Response, engine: DrillEngine) -> tuple[str, str, dict[str, Any]] | None:
    """(kind, target id, args) of a scripted response, or None when its inject produced nothing yet."""
    target = engine.produced.get(r.target)
    if target is None:
        return None
    a = r.action
    if a in ("acknowledge", "start", "escalate"):
        return f"alert.{a}", target, {}
    if a == "dispatch":
        return "alert.dispatch", target, {"unit": r.unit, **({"instruction": r.text} if r.text else {})}
    if a == "resolve":
        return "alert.resolve", target, {"result": r.text or "已处置完毕"}
    if a == "close":
        return "alert.close", target, {"feedback": r.text} if r.text else {}
    if a in ("urge", "note"):
        return f"alert.{a}", target, {"text": r.text or ("请加快处置" if a == "urge" else "演练备注")}
    if a == "task":
        args: dict[str, Any] = {"unit": r.unit, "instruction": r.text or "按预案执行"}
        if r.due_minutes is not None:
            args["due_minutes"] = r.due_minutes
        return "task.issue", target, args
    if a == "task_update":
        tasks = sorted((t for t in engine.world.tasks.values()
                        if t.incident_id == target and (r.unit is None or t.unit == r.unit)), key=lambda t: t.id)
        if not tasks:
            return None
        return "task.update", tasks[-1].id, {"status": r.status or "done", **({"note": r.text} if r.text else {})}
    if a == "stand_down":
        return "incident.stand_down", target, {"reason": r.text} if r.text else {}
    return None

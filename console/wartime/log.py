"""The command log (指挥日志): the audit records of the wartime actions, described for the operator.

Every declaration, decision, order, state change seen on the stream and free note
is an audit record, so the log is part of the chain the auditor verifies.  Task
and incident changes other consoles made are written here once each
(:meth:`CommandLog.observe`), with the time this console learned of them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from console.events import Event
from console.texts import spoken
from console.wartime.incidents import Incidents
from console.wartime.ledger import Ledger
from console.comms.records import OUTCOME_ZH
from console.wartime.model import ACTION_ZH, LEVELS, TASK_STATUS_ZH, LogEntry, WartimeError, parse_ts
from console.wartime.plans import PlanBook, UnitDirectory
from console.wartime.resources import Resources
from district.vocabulary import INCIDENT_STATUS_ZH, INCIDENT_TYPES


class CommandLog:
    """Writes notes and observations to the audit chain and reads the log back as :class:`LogEntry` rows."""

    def __init__(self, core: Any, ledger: Ledger, units: UnitDirectory, incidents: Incidents, plans: PlanBook,
                 resources: Resources, changed: Event[[]]) -> None:
        self.core = core
        self.ledger = ledger
        self.units = units
        self.incidents = incidents
        self.plans = plans
        self.resources = resources
        self.changed = changed

    # ------------------------------------------------------------------ writing

    def observe(self) -> None:
        """Write the task and incident changes seen on the stream into the command log, once each.

        The audit chain then holds the state changes other consoles made (a street
        answering an order), with the time this console learned of them.
        """
        if self.ledger.audit_log() is None:
            return
        observed = self.ledger.observed
        wrote = False
        for task in list(self.core.picture.tasks.values()):
            if observed.get(task.id, 0) >= task.rev:
                continue
            self.ledger.record("war.observed", task.id, actor=self.units.unit_name(task.unit),
                               id=task.id, rev=task.rev, kind="task", incident_id=task.incident_id,
                               status=task.status, unit=task.unit, note=task.note,
                               at=task.updated_at.isoformat(), step_id=task.step_id)
            wrote = True
        for inc in list(self.core.picture.incidents.values()):
            if observed.get(inc.id, 0) >= inc.rev:
                continue
            self.ledger.record("war.observed", inc.id, actor=inc.declared_by or "网关", id=inc.id, rev=inc.rev,
                               kind="incident", incident_id=inc.id, status=inc.status,
                               steps=len(inc.steps), level=inc.level)
            wrote = True
        if wrote:
            self.changed.emit()

    def note(self, text: str, incident_id: str | None = None) -> None:
        """A free note in the command log (quick entry from anywhere); to the focused incident by default."""
        text = (text or "").strip()
        if not text:
            raise WartimeError(spoken("war_note_empty"))
        if len(text) > 2000:
            raise WartimeError(spoken("war_note_too_long"))
        target = incident_id or self.incidents.focus or "duty"
        self.ledger.record("war.note", target, incident_id=target, text=text)
        self.changed.emit()

    def record_report(self, incident_id: str, files: Iterable[str]) -> None:
        """Note in the log that the after-action report was written (file names only)."""
        self.ledger.record("war.report", incident_id, incident_id=incident_id,
                           files="、".join(Path(f).name for f in files))

    # ------------------------------------------------------------------ reading

    def command_log(self, incident_id: str | None = None) -> list[LogEntry]:
        """The command log, oldest first: every declaration, decision, order, state change and note."""
        tasks_of = {t.id: t.incident_id for t in self.core.picture.tasks.values()}
        for _cid, c in self.ledger.own_commands("task.issue"):
            tasks_of.setdefault(c["args"].get("task_id", ""), c["target"])
        out = []
        for r in self.ledger.records():
            inc = r.detail.get("incident_id") or (r.target if r.action.startswith("incident.") else None) \
                or (r.target if r.action in ("task.issue", "war.focus", "war.switch", "war.report") else None) \
                or tasks_of.get(r.target) or self._call_incident(r, tasks_of)
            if incident_id is not None and inc != incident_id:
                continue
            out.append(LogEntry(seq=r.seq, ts=parse_ts(r.ts), actor=r.actor, action=r.action,
                                action_zh=ACTION_ZH.get(r.action, r.action), target=r.target,
                                text=self.describe(r)))
        return out

    def _call_incident(self, r: Any, tasks_of: dict[str, str]) -> str | None:
        """The incident a call record is linked to (directly, or through one of its tasks)."""
        if r.action != "call.record":
            return None
        link = str(r.detail.get("link") or "")
        return tasks_of.get(link) or (link if self.core.picture.incidents.get(link) is not None else None)

    def describe(self, r: Any) -> str:
        """One audit record as a sentence of the log."""
        d = r.detail
        a = d.get("args") or {}
        if r.action == "call.record":
            talk = f"，{int(d.get('duration_s') or 0)} 秒" if d.get("duration_s") else ""
            return f"电话 {d.get('caller', '')} → {d.get('callee', '')}：{OUTCOME_ZH.get(d.get('outcome'), '')}{talk}"
        if r.action == "incident.declare":
            return (f"{a.get('title', '')}：{INCIDENT_TYPES.get(a.get('type', ''), '')} "
                    f"{LEVELS.get(a.get('level', 0), '')}级响应；事由：{a.get('reason', '')}")
        if r.action == "incident.stand_down":
            return "解除应急响应" + (f"：{a['reason']}" if a.get("reason") else "")
        if r.action == "incident.step":
            title = self.plans.step_title(a.get("step_id", ""))
            if a.get("status") == "skipped":
                return f"跳过「{title}」，理由：{a.get('reason', '')}"
            return f"完成「{title}」"
        if r.action == "task.issue":
            return (f"向{self.units.unit_name(a.get('unit', ''))}下达：{a.get('instruction', '')}"
                    f"（时限 {float(a.get('due_minutes', 0)):.0f} 分钟）")
        if r.action == "task.update" and a.get("resources"):
            return f"任务 {r.target} 追加调派资源：" + "、".join(self.resources.resource_name(x) for x in a["resources"])
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
            return f"{self.resources.resource_name(d.get('where'))}安置 {d.get('value')} 人"
        if r.action == "war.observed":
            if d.get("kind") == "task":
                text = (f"{self.units.unit_name(d.get('unit', ''))} 任务 {r.target}："
                        f"{TASK_STATUS_ZH.get(d.get('status'), d.get('status'))}")
                return text + (f"（{d['note']}）" if d.get("note") else "")
            status = INCIDENT_STATUS_ZH.get(d.get("status"), d.get("status"))
            return f"事件状态：{status}（版本 {d.get('rev')}，已处理预案步骤 {d.get('steps', 0)} 项）"
        if r.action == "war.report":
            return f"生成总结报告：{d.get('files', '')}"
        return json.dumps(d, ensure_ascii=False)[:200]

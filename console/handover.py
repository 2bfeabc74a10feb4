"""Exports of the alert queue: CSV of the filtered queue and the shift handover (值班交接).

Views never write files: they ask :class:`DutyExports` (on ``ConsoleCore.exports``)
with a path the operator chose. Every export is appended to the audit chain, and
personal data (reporter phone, ID numbers in free text) leaves the console masked.
Files are written to a temporary name beside the target and renamed over it, so a
full disk never leaves half a file under the chosen name.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from console.auth import ROLE_NAMES
from console.exports import ExportError, atomic_write, csv_text  # noqa: F401  (ExportError: what write_text raises)
from console.masking import mask_phone, mask_text
from console.reports import ReportFolder
from console.workflow import ACTION_NAMES, OPEN_STATUSES, Limits, due_state, format_left
from district.vocabulary import ALERT_STATUS_ZH, DISTRICT_TZ, INCIDENT_LEVEL_ZH, INCIDENT_STATUS_ZH, INCIDENT_TYPES, LEVEL_RANK, LEVEL_ZH


SOURCE_ZH = {"hotline_12345": "12345热线", "app_pingshan": "i坪山App", "grid_patrol": "网格巡查",
             "iot_threshold": "物联感知", "video_ai": "视频AI", "early_warning": "预警发布"}

CSV_COLUMNS = ("编号", "级别", "状态", "时限", "来源", "类别", "街道", "社区", "标题", "描述", "报告人电话",
               "承办单位", "签收人", "上报时间", "更新时间")

Names = Callable[[str, str], str]


def _time(dt: datetime | None) -> str:
    return dt.astimezone(DISTRICT_TZ).strftime("%Y-%m-%d %H:%M:%S") if dt else ""


def queue_csv(alerts: Iterable[Any], names: Names, limits: Limits, now: datetime | None = None) -> str:
    """The alerts (in the given order) as CSV text, phone numbers and IDs masked, cells
    that a spreadsheet would run as formulas escaped (:func:`console.exports.csv_cell`)."""
    now = now or datetime.now(timezone.utc)
    rows: list[tuple[Any, ...]] = [CSV_COLUMNS]
    for a in alerts:
        _state, left = due_state(a, limits, now)
        rows.append((
            a.id, LEVEL_ZH.get(a.level, a.level), ALERT_STATUS_ZH.get(a.status, a.status), format_left(left),
            SOURCE_ZH.get(a.source, a.source), names("category", a.category), names("street", a.street or ""),
            names("community", a.community or ""), mask_text(a.title), mask_text(a.description),
            mask_phone(a.reporter_phone), names("unit", a.assigned_unit or ""), a.acknowledged_by or "",
            _time(a.created_at), _time(a.updated_at),
        ))
    return csv_text(rows)  # reporters' and operators' text never opens as a spreadsheet formula


_INCIDENT_STATUS = {**INCIDENT_STATUS_ZH, "pending": "宣布中（待网关确认）"}


def shift_incidents(incidents: Iterable[Any], shift_start: datetime, now: datetime) -> list[Any]:
    """The emergency responses that touched the shift: declared during it, stood down during
    it, or still running; oldest first. Refused declarations (``failed``) are left out."""
    out = []
    for inc in incidents:
        status = getattr(inc, "status", "")
        if status == "failed":
            continue
        started, ended = inc.started_at, getattr(inc, "ended_at", None)
        if started > now:
            continue
        if status == "active" or started >= shift_start or (ended is not None and ended >= shift_start) \
                or status == "pending":
            out.append(inc)
    out.sort(key=lambda i: i.started_at)
    return out


def _incident_lines(inc: Any, names: Names, shift_start: datetime) -> list[str]:
    type_zh = getattr(inc, "type_zh", "") or INCIDENT_TYPES.get(inc.type, inc.type)
    level = INCIDENT_LEVEL_ZH.get(inc.level, str(inc.level))
    place = names("street", inc.street) if inc.street else "全区"
    status = _INCIDENT_STATUS.get(inc.status, inc.status)
    before = "（上一班宣布）" if inc.started_at < shift_start else ""
    lines = [f"- {inc.id} 〔{level}级·{type_zh}·{status}〕{mask_text(inc.title)}（{place}）",
             f"  - {_time(inc.started_at)[5:16]} 宣布启动{before}"
             f"{'，' + inc.declared_by if getattr(inc, 'declared_by', '') else ''}"
             f"{'：' + mask_text(inc.reason) if getattr(inc, 'reason', '') else ''}"]
    if inc.ended_at is not None:
        reason = getattr(inc, "ended_reason", "")
        lines.append(f"  - {_time(inc.ended_at)[5:16]} 解除响应{'：' + mask_text(reason) if reason else ''}")
    elif inc.status == "active":
        lines.append("  - 仍在响应中，请接班人继续跟进")
    return lines


def handover_report(alerts: Iterable[Any], names: Names, limits: Limits, *, shift_start: datetime,
                    now: datetime | None = None, operator: str = "", username: str = "", seat: str = "",
                    incidents: Iterable[Any] = ()) -> str:
    """值班交接 in Markdown: who hands over, counts of the shift, the emergency responses
    declared or stood down during it, open items, overdue ones, notable events."""
    now = now or datetime.now(timezone.utc)
    responses = shift_incidents(incidents, shift_start, now)
    items = list(alerts)
    new_in_shift = [a for a in items if a.created_at >= shift_start]
    closed_in_shift = [a for a in items if a.status in ("resolved", "closed") and a.updated_at >= shift_start]
    open_items = [a for a in items if a.status in OPEN_STATUSES]
    overdue = [a for a in open_items if due_state(a, limits, now)[0] == "overdue"]
    open_items.sort(key=lambda a: (LEVEL_RANK.get(a.level, 9), a.created_at))
    overdue.sort(key=lambda a: (due_state(a, limits, now)[1] or 0.0))
    notable = [a for a in new_in_shift if a.level in ("red", "orange")]
    notable.sort(key=lambda a: a.created_at)
    by_status = Counter(a.status for a in open_items)

    def line(a: Any) -> str:
        left = format_left(due_state(a, limits, now)[1])
        unit = names("unit", a.assigned_unit) if a.assigned_unit else "未分拨"
        place = names("community", a.community or "") or names("street", a.street or "") or "全区"
        return (f"- {a.id} 〔{LEVEL_ZH.get(a.level, a.level)}·{ALERT_STATUS_ZH.get(a.status, a.status)}〕"
                f"{mask_text(a.title)}（{place}；{unit}{'；' + left if left else ''}）")

    out = [
        "# 值班交接",
        "",
        f"- 班次：{_time(shift_start)} 至 {_time(now)}",
        f"- 交班人：{_person(operator, username)}",
        *([f"- 席位：{seat}"] if seat else []),
        f"- 本班新增 {len(new_in_shift)} 件，办结/闭环 {len(closed_in_shift)} 件；"
        f"在办 {len(open_items)} 件（待签收 {by_status['new']}，已签收 {by_status['acknowledged']}，"
        f"已分拨 {by_status['dispatched']}，处置中 {by_status['in_progress']}），超时 {len(overdue)} 件",
        f"- 应急响应：本班涉及 {len(responses)} 起"
        f"（宣布 {sum(i.started_at >= shift_start for i in responses)}，"
        f"解除 {sum(i.ended_at is not None and i.ended_at >= shift_start for i in responses)}，"
        f"仍在响应 {sum(i.status == 'active' for i in responses)}）",
        "",
        f"## 应急响应（{len(responses)}）",
        *([line for inc in responses for line in _incident_lines(inc, names, shift_start)] or ["- 无"]),
        "",
        f"## 超时未办（{len(overdue)}）",
        *([line(a) for a in overdue[:50]] or ["- 无"]),
        "",
        f"## 在办事项（{len(open_items)}）",
        *([line(a) for a in open_items[:100]] or ["- 无"]),
        *([f"- ……另有 {len(open_items) - 100} 件，见导出清单"] if len(open_items) > 100 else []),
        "",
        f"## 本班重要事件（红色、橙色，{len(notable)}）",
    ]
    for a in notable[:50]:
        out.append(line(a))
        for note in a.timeline:
            if note.ts >= shift_start and note.action != "create":
                out.append(f"  - {_time(note.ts)[11:16]} {note.actor} {ACTION_NAMES.get(note.action, note.action)}"
                           f"{'：' + mask_text(note.text) if note.text else ''}")
    if not notable:
        out.append("- 无")
    out.append("")
    return "\n".join(out)


def _person(operator: str, username: str) -> str:
    """The person handing over: the logged-in user's name and account (a seat title such as
    值班长 alone does not say who it was)."""
    name = operator or username or "值班员"
    return f"{name}（账号 {username}）" if username and username != name else name


def write_text(path: str | os.PathLike[str], text: str, *, suffix: str, bom: bool = False) -> Path:
    """Write UTF-8 text atomically (``suffix`` appended when missing); BOM for Excel's CSV."""
    p = Path(path)
    if p.suffix.lower() != suffix:
        p = p.with_name(p.name + suffix)
    data = (("\ufeff" if bom else "") + text).encode("utf-8")
    return atomic_write(p, data)


class DutyExports:
    """The core's export service: CSV of the queue and the handover report, audited."""

    def __init__(self, picture: Any, auditor: Any | None, names: Names, limits: Limits,
                 operator: str = "", reports: ReportFolder | None = None, username: str = "",
                 role: str = "") -> None:
        self.picture = picture
        self.auditor = auditor
        self.names = names
        self.limits = limits
        self.operator = operator
        self.username = username
        self.role = role
        self.reports = reports
        self.wartime: Any = None  # console.wartime.Wartime (set by the core): the shift's responses

    def default_path(self, kind: str) -> Path | None:
        """A new, unused name in the reports folder for ``kind`` (``handover`` or ``queue_csv``);
        None without a reports folder."""
        if self.reports is None:
            return None
        name, suffix = {"handover": ("值班交接", ".md"), "queue_csv": ("告警清单", ".csv")}[kind]
        return self.reports.unique_path(name, suffix)

    def _audit(self, action: str, target: str, **detail: Any) -> None:
        if self.auditor is not None:
            self.auditor.record(action, target, **detail)

    def export_queue_csv(self, path: str | os.PathLike[str] | None, alert_ids: Iterable[str]) -> Path:
        """Write the given alerts (the filtered queue, in its order) as CSV; audited.
        ``path`` None: a new name in the reports folder."""
        path = path or self._new_path("queue_csv")
        store = self.picture.alerts
        alerts = [a for a in (store.get(i) for i in alert_ids) if a is not None]
        written = write_text(path, queue_csv(alerts, self.names, self.limits), suffix=".csv", bom=True)
        self._audit("export.queue_csv", str(written), rows=len(alerts))
        return written

    def write_handover(self, path: str | os.PathLike[str] | None = None, shift_start: datetime | None = None) -> Path:
        """Write the 值班交接 report of the shift that began at ``shift_start`` (default: 8 h ago);
        ``path`` None: a new name in the reports folder (never an existing file)."""
        path = path or self._new_path("handover")
        now = self.picture.clock.gateway_now()  # time limits run on the gateway's clock
        start = shift_start or now - timedelta(hours=8)
        text = handover_report(self.picture.alerts.values(), self.names, self.limits, shift_start=start,
                               now=now, operator=self.operator, username=self.username,
                               seat=ROLE_NAMES.get(self.role, ""), incidents=self._incidents())
        written = write_text(path, text, suffix=".md")
        self._audit("export.handover", str(written), shift_start=start.isoformat())
        return written

    def _new_path(self, kind: str) -> Path:
        path = self.default_path(kind)
        if path is None:
            raise ExportError("没有报告文件夹，请选择保存位置")
        return path

    def _incidents(self) -> list[Any]:
        """The incidents the core knows: the wartime state (declarations on their way
        included), else the picture's store."""
        if self.wartime is not None:
            return list(self.wartime.incidents())
        store = getattr(self.picture, "incidents", None)
        return list(store.values()) if store is not None else []


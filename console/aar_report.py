"""After-action report (应急处置总结报告) of one incident, as HTML and PDF.

``build_report(wartime, incident_id, map_png=None)`` gathers, from the wartime
service (stores, command log, plan): the timeline, plan steps planned vs actual,
tasks with their times, resources used, key sensor trends, the figures and the
command log.  ``render_html`` is pure Python (trend charts as inline SVG);
``print_document`` gives the same page for A4 (pictures as named resources,
trends as chart data), which the view layer renders to PDF (``widgets.pdf``);
``write_report`` writes ``.html`` and, given that renderer, ``.pdf`` atomically
through ``console.exports``.  The core imports no Qt.
"""

from __future__ import annotations

import base64
import html
import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from console.comms.records import call_records, records_for_incident
from console.exports import atomic_write
from console.printable import PdfRenderer, PrintDocument, TrendChart
from console.wartime import (
    INCIDENT_TYPES,
    STEP_STATUS_ZH,
    TASK_STATUS_ZH,
    IncidentView,
    LogEntry,
    Metrics,
    Wartime,
)
from district.vocabulary import DISTRICT_TZ

log = logging.getLogger(__name__)



@dataclass(frozen=True)
class TimelineEvent:
    ts: datetime
    kind: str  # declare | step | task | figure | note | call | stand_down
    actor: str
    text: str


@dataclass(frozen=True)
class StepReport:
    step_id: str
    index: int
    title: str
    owner: str
    planned: datetime
    actual: datetime | None
    state: str
    state_zh: str
    by: str
    reason: str

    @property
    def delta_min(self) -> float | None:
        """Minutes late (positive) or early (negative) against the plan."""
        if self.actual is None or self.state != "done":
            return None
        return (self.actual - self.planned).total_seconds() / 60


@dataclass(frozen=True)
class TaskReport:
    id: str
    unit: str
    level: str
    instruction: str
    status: str
    issued_at: datetime | None
    received_at: datetime | None
    on_scene_at: datetime | None
    done_at: datetime | None
    due: datetime
    note: str


@dataclass(frozen=True)
class ResourceUse:
    id: str
    name: str
    kind_zh: str
    distance_m: float
    detail: str
    tasks: tuple[str, ...]


@dataclass
class Report:
    incident: IncidentView
    generated_at: datetime
    generated_by: str
    timeline: list[TimelineEvent]
    steps: list[StepReport]
    tasks: list[TaskReport]
    resources_used: list[ResourceUse]
    trends: list[tuple[str, str, list[tuple[datetime, float]]]]  # label, unit, points
    metrics: Metrics
    log: list[LogEntry]
    map_png: bytes | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _t(ts: datetime | None, with_date: bool = False) -> str:
    if ts is None:
        return "—"
    return ts.astimezone(DISTRICT_TZ).strftime("%m-%d %H:%M:%S" if with_date else "%H:%M:%S")


def build_report(war: Wartime, incident_id: str, map_png: bytes | None = None) -> Report:
    """Everything the report shows, from the wartime service. Raises KeyError for an unknown incident."""
    inc = war.incident(incident_id)
    if inc is None:
        raise KeyError(incident_id)
    entries = war.command_log(incident_id)
    audit = {e.seq: e for e in entries}
    raw = [r for r in war.audit_records() if r.seq in audit]

    # Task state times from the observed changes (the feed's own update times).
    times: dict[str, dict[str, datetime]] = {}
    for r in raw:
        if r.action == "war.observed" and r.detail.get("kind") == "task":
            at = datetime.fromisoformat(r.detail.get("at") or r.ts)
            times.setdefault(r.target, {}).setdefault(str(r.detail.get("status")), at)

    timeline: list[TimelineEvent] = [TimelineEvent(
        inc.started_at, "declare", inc.declared_by,
        f"启动{inc.level_zh}级应急响应：{inc.title}；事由：{inc.reason}")]
    steps: list[StepReport] = []
    for row in war.checklist(incident_id):
        state_zh = STEP_STATUS_ZH.get(row.state, row.state)
        if inc.ended_at is not None and not row.finished:
            state_zh = "解除时未完成" + ("（已超时）" if row.state == "overdue" else "")
        steps.append(StepReport(row.step.id, row.index, row.step.title, row.owner_name, row.due_at,
                                row.done_at if row.state in ("done", "skipped") else None, row.state,
                                state_zh, row.by, row.reason))
        if row.state in ("done", "skipped") and row.done_at is not None:
            verb = "完成" if row.state == "done" else f"跳过（{row.reason}）"
            timeline.append(TimelineEvent(row.done_at, "step", row.by, f"预案第 {row.index} 步{verb}：{row.step.title}"))
    tasks: list[TaskReport] = []
    for t in war.tasks(incident_id):
        tt = times.get(t.id, {})
        tasks.append(TaskReport(t.id, t.unit_name, t.unit_level, t.instruction, t.status,
                                tt.get("issued"), tt.get("received"), tt.get("on_scene"),
                                tt.get("done") or tt.get("refused"), t.due, t.note))
        for status, at in sorted(tt.items(), key=lambda kv: kv[1]):
            verb = "接受任务：" if status == "issued" else f"{TASK_STATUS_ZH.get(status, status)}："
            text = (f"向{t.unit_name}下达：{t.instruction}" if status == "issued"
                    else f"{t.unit_name}{verb}{t.instruction}")
            timeline.append(TimelineEvent(at, "task", t.unit_name, text))
    for e in entries:
        if e.action in ("war.note", "war.figure"):
            timeline.append(TimelineEvent(e.ts, "note" if e.action == "war.note" else "figure", e.actor, e.text))
    # Calls (融合通信) about the incident or its tasks, or made while it ran (console/comms).
    links = {incident_id, *(t.id for t in war.tasks(incident_id))}
    calls = records_for_incident(call_records(war.audit_records()), links, inc.started_at, inc.ended_at)
    for c in calls:
        talk = f"，通话 {int(c.duration_s // 60)} 分 {int(c.duration_s % 60)} 秒" if c.duration_s else ""
        timeline.append(TimelineEvent(c.started, "call", c.caller, f"电话：{c.caller} → {c.callee}（{c.outcome_zh}{talk}）"))
    if inc.ended_at is not None:
        # Anything logged after the stand-down (the report itself) stays out of the timeline.
        timeline = [e for e in timeline if e.ts <= inc.ended_at]
        timeline.append(TimelineEvent(inc.ended_at, "stand_down", "",
                                      f"解除应急响应{('：' + inc.ended_reason) if inc.ended_reason else ''}"))
    # Declaration first, stand-down last, the rest in time order.
    head, rest = timeline[0], sorted(timeline[1:], key=lambda e: (e.kind == "stand_down", e.ts))
    timeline = [head, *[e for e in rest if e.ts >= head.ts]]

    used = [ResourceUse(r.id, r.name, r.kind_zh, r.distance_m,
                        r.detail + (f"，安置 {r.occupancy} 人" if r.occupancy else ""), r.assigned_to)
            for r in war.resources(incident_id) if r.assigned_to or (r.occupancy or 0) > 0]
    trends = [(label, unit, pts) for _iid, label, unit, pts in war.trends(incident_id)]
    return Report(incident=inc, generated_at=datetime.now(timezone.utc), generated_by=war.operator,
                  timeline=timeline, steps=steps, tasks=tasks, resources_used=used, trends=trends,
                  metrics=war.metrics(incident_id), log=entries, map_png=map_png, extra={"calls": calls})


# --------------------------------------------------------------------------- HTML

_CSS = """
body { font-family: 'WenQuanYi Micro Hei', 'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif; color: #1a1a1a;
       margin: 24px 32px; font-size: 10.5pt; }
h1 { font-size: 18pt; margin: 0 0 4px 0; color: #8b0000; }
h2 { font-size: 13pt; border-bottom: 2px solid #8b0000; padding-bottom: 2px; margin-top: 18px; color: #8b0000; }
table { border-collapse: collapse; width: 100%; margin: 6px 0; }
th, td { border: 1px solid #999; padding: 3px 6px; text-align: left; vertical-align: top; }
th { background: #eee; }
.meta td { border: none; padding: 1px 8px 1px 0; }
.late { color: #b00000; font-weight: bold; }
.ok { color: #1b6e2e; }
.kpi { display: inline-block; border: 1px solid #bbb; padding: 4px 10px; margin: 2px 4px 2px 0; }
.kpi b { font-size: 14pt; }
"""


def _esc(x: Any) -> str:
    return html.escape(str(x))


def _svg_trend(points: list[tuple[datetime, float]], unit: str, start: datetime, end: datetime | None) -> str:
    """A small line chart as inline SVG (no Qt)."""
    w, h, pad = 520, 120, 28
    if len(points) < 2:
        return "<p>（无足够数据）</p>"
    t0, t1 = points[0][0].timestamp(), points[-1][0].timestamp()
    vs = [v for _, v in points]
    lo, hi = min(vs), max(vs)
    if hi - lo < 1e-9:
        hi = lo + 1
    span = max(t1 - t0, 1)

    def xy(ts: float, v: float) -> tuple[float, float]:
        return pad + (ts - t0) / span * (w - 2 * pad), h - pad / 2 - (v - lo) / (hi - lo) * (h - pad * 1.5)

    path = " ".join(f"{'M' if i == 0 else 'L'}{x:.1f},{y:.1f}" for i, (x, y) in
                    enumerate(xy(ts.timestamp(), v) for ts, v in points))
    marks = ""
    for ts, colour in ((start, "#b00000"), (end, "#1b6e2e")):
        if ts is not None and t0 <= ts.timestamp() <= t1:
            x, _ = xy(ts.timestamp(), lo)
            marks += f'<line x1="{x:.1f}" y1="4" x2="{x:.1f}" y2="{h - 8}" stroke="{colour}" stroke-dasharray="4,3"/>'
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" style="border:1px solid #ccc">'
            f'<path d="{path}" fill="none" stroke="#1565c0" stroke-width="1.6"/>{marks}'
            f'<text x="2" y="12" font-size="10">{hi:.1f}{_esc(unit)}</text>'
            f'<text x="2" y="{h - 4}" font-size="10">{lo:.1f}{_esc(unit)}</text>'
            f'<text x="{w - 60}" y="{h - 4}" font-size="10">{_t(points[-1][0])}</text></svg>')


def render_html(report: Report, *, images: dict[str, str] | None = None) -> str:
    """The report as one self-contained HTML page.

    ``images`` maps ``"map"`` / ``"trend0"``… to an ``src`` to use instead of the
    inline forms (the PDF path passes resource names there).
    """
    inc, m = report.incident, report.metrics
    images = images or {}
    dur = inc.elapsed_s(report.generated_at)
    out = [f"<html><head><meta charset='utf-8'><title>{_esc(inc.title)} · 应急处置总结报告</title>",
           f"<style>{_CSS}</style></head><body>",
           f"<h1>坪山区 · {_esc(inc.title)} 应急处置总结报告</h1>",
           "<table class='meta'>",
           f"<tr><td>事件编号</td><td>{_esc(inc.id)}</td><td>类型</td><td>{_esc(INCIDENT_TYPES.get(inc.type, inc.type))}</td>"
           f"<td>响应级别</td><td>{_esc(inc.level_zh)}级</td></tr>",
           f"<tr><td>启动时间</td><td>{_t(inc.started_at, True)}</td><td>解除时间</td><td>{_t(inc.ended_at, True)}</td>"
           f"<td>持续</td><td>{int(dur // 3600)} 小时 {int(dur % 3600 // 60)} 分</td></tr>",
           f"<tr><td>事发位置</td><td>{inc.location.lon:.4f}, {inc.location.lat:.4f}（半径 {inc.radius_m:.0f} 米）</td>"
           f"<td>宣布人</td><td>{_esc(inc.declared_by)}</td><td>报告生成</td>"
           f"<td>{_t(report.generated_at, True)} · {_esc(report.generated_by)}</td></tr>",
           f"<tr><td>启动事由</td><td colspan='5'>{_esc(inc.reason)}</td></tr>",
           f"<tr><td>解除事由</td><td colspan='5'>{_esc(inc.ended_reason or '—')}</td></tr></table>",
           "<h2>一、处置概况</h2><p>",
           f"<span class='kpi'>任务 <b>{m.tasks_total}</b> 项（未结 {m.tasks_open}，超时 {m.tasks_overdue}）</span>",
           f"<span class='kpi'>预案步骤 <b>{m.steps_done}/{m.steps_total}</b></span>",
           f"<span class='kpi'>转移群众 <b>{m.people_evacuated}</b> 人</span>",
           f"<span class='kpi'>避难场所安置 <b>{m.shelter_occupancy}</b> 人（周边容量 {m.shelter_capacity}）</span>",
           "</p>"]
    if report.map_png or "map" in images:
        src = images.get("map") or "data:image/png;base64," + base64.b64encode(report.map_png or b"").decode()
        out.append(f"<h2>二、现场态势图</h2><p><img src='{src}' width='640'></p>")
    else:
        out.append("<h2>二、现场态势图</h2><p>（生成报告时地图未显示，未附态势图；"
                   "地图可见时在 战时 → 生成总结报告 重新生成即可附图）</p>")
    out.append("<h2>三、时间线</h2><table><tr><th>时间</th><th>事项</th><th>单位/人员</th></tr>")
    for e in report.timeline:
        out.append(f"<tr><td>{_t(e.ts, True)}</td><td>{_esc(e.text)}</td><td>{_esc(e.actor)}</td></tr>")
    out.append("</table><h2>四、预案执行（计划与实际）</h2><table><tr><th>#</th><th>步骤</th><th>责任单位</th>"
               "<th>计划完成</th><th>实际</th><th>偏差</th><th>状态</th></tr>")
    for s in report.steps:
        d = s.delta_min
        cls = "late" if (d is not None and d > 0) or s.state == "overdue" else "ok"
        if d is not None and abs(d) < 1:
            cls, delta = "ok", "按时"
        else:
            delta = "—" if d is None else (f"晚 {d:.0f} 分" if d > 0 else f"提前 {-d:.0f} 分")
        state = s.state_zh + (f"：{s.reason}" if s.reason else "")
        out.append(f"<tr><td>{s.index}</td><td>{_esc(s.title)}</td><td>{_esc(s.owner)}</td><td>{_t(s.planned)}</td>"
                   f"<td>{_t(s.actual)}</td><td class='{cls}'>{delta}</td><td>{_esc(state)}</td></tr>")
    out.append("</table><h2>五、任务下达与执行</h2><table><tr><th>任务</th><th>承办单位</th><th>指令</th><th>下达</th>"
               "<th>接收</th><th>到场</th><th>完成</th><th>时限</th><th>状态</th></tr>")
    for t in report.tasks:
        late = t.done_at is not None and t.done_at > t.due
        out.append(f"<tr><td>{_esc(t.id)}</td><td>{_esc(t.unit)}</td><td>{_esc(t.instruction)}"
                   f"{('<br><i>' + _esc(t.note) + '</i>') if t.note else ''}</td><td>{_t(t.issued_at)}</td>"
                   f"<td>{_t(t.received_at)}</td><td>{_t(t.on_scene_at)}</td>"
                   f"<td class='{'late' if late else ''}'>{_t(t.done_at)}</td><td>{_t(t.due)}</td>"
                   f"<td>{_esc(TASK_STATUS_ZH.get(t.status, t.status))}</td></tr>")
    out.append("</table><h2>六、调用资源</h2>")
    if report.resources_used:
        out.append("<table><tr><th>资源</th><th>类别</th><th>距事发点</th><th>说明</th><th>任务</th></tr>")
        for r in report.resources_used:
            out.append(f"<tr><td>{_esc(r.name)}</td><td>{_esc(r.kind_zh)}</td><td>{r.distance_m / 1000:.1f} 公里</td>"
                       f"<td>{_esc(r.detail)}</td><td>{_esc('、'.join(r.tasks))}</td></tr>")
        out.append("</table>")
    else:
        out.append("<p>（无）</p>")
    out.append("<h2>七、关键监测趋势</h2>")
    for n, (label, unit, pts) in enumerate(report.trends):
        out.append(f"<p><b>{_esc(label)}</b>（红线：启动；绿线：解除）<br>")
        key = f"trend{n}"
        out.append(f"<img src='{images[key]}'>" if key in images else
                   _svg_trend(pts, unit, inc.started_at, inc.ended_at))
        out.append("</p>")
    out.append("<h2>八、指挥日志</h2><table><tr><th>#</th><th>时间</th><th>人员</th><th>类别</th><th>内容</th></tr>")
    for entry in report.log:
        out.append(f"<tr><td>{entry.seq}</td><td>{_t(entry.ts, True)}</td><td>{_esc(entry.actor)}</td>"
                   f"<td>{_esc(entry.action_zh)}</td><td>{_esc(entry.text)}</td></tr>")
    out.append("</table><h2>九、通话记录</h2>")
    calls = report.extra.get("calls") or []
    if calls:
        out.append("<table><tr><th>时间</th><th>主叫</th><th>被叫</th><th>结果</th><th>通话时长</th><th>关联</th></tr>")
        for c in calls:
            out.append(f"<tr><td>{_t(c.started, True)}</td><td>{_esc(c.caller)}</td><td>{_esc(c.callee)}</td>"
                       f"<td>{_esc(c.outcome_zh)}</td><td>{int(c.duration_s)} 秒</td><td>{_esc(c.link or '—')}</td></tr>")
        out.append("</table>")
    else:
        out.append("<p>（无）</p>")
    out.append("<p style='color:#666'>指挥日志为本席位哈希链审计记录的一部分，可用 "
               "<code>pingshan-console audit verify</code> 校验。</p></body></html>")
    return "\n".join(out)


# --------------------------------------------------------------------------- PDF (drawn by the view layer)


def print_document(report: Report) -> PrintDocument:
    """The report for A4 pages: the same HTML with its pictures as named resources (the
    map as PNG, the trends as chart data), for a :data:`~console.printable.PdfRenderer`."""
    images: dict[str, str] = {}
    pngs: dict[str, bytes] = {}
    charts: dict[str, TrendChart] = {}
    if report.map_png:
        pngs["map.png"] = report.map_png
        images["map"] = "map.png"
    for n, (_label, unit, pts) in enumerate(report.trends):
        name = f"trend{n}.png"
        charts[name] = TrendChart(tuple(pts), unit, report.incident.started_at, report.incident.ended_at)
        images[f"trend{n}"] = name
    # The page's CSS font list is for browsers; on paper the renderer's bundled CJK font is used.
    page = render_html(report, images=images).replace(_CSS, _CSS.replace("font-family:", "x-font:"))
    return PrintDocument(html=page, title=f"{report.incident.title} 应急处置总结报告",
                         creator="坪山区城市运行指挥中心值班台", margins_mm=12, font_pt=9, images=pngs, charts=charts)


def write_report(report: Report, out_dir: str | Path, *, render_pdf: PdfRenderer | None = None,
                 stem: str | None = None) -> list[Path]:
    """Write ``<stem>.html`` (and, given a renderer, ``.pdf``) into ``out_dir``; returns the
    paths. ``stem`` defaults to ``<incident>-总结报告``.

    Raises ``console.exports.ExportError`` (Chinese) when a file cannot be written.
    """
    out_dir = Path(out_dir)
    stem = stem or f"{report.incident.id}-总结报告"
    paths = [atomic_write(out_dir / f"{stem}.html", render_html(report).encode("utf-8"))]
    if render_pdf is not None:
        paths.append(atomic_write(out_dir / f"{stem}.pdf", render_pdf(print_document(report))))
    return paths


def write_incident_report(core: Any, incident_id: str, map_png: bytes | None = None,
                          out_dir: str | Path | None = None, *, render_pdf: PdfRenderer | None = None) -> list[Path]:
    """Build and write the report of one incident (HTML, and PDF through ``render_pdf``)
    and note it in the command log. Default
    folder: the core's reports folder (``<cache>/reports``), under a new name each time
    (``<incident>-总结报告-<time>[-n]``: a second report never overwrites the first).
    Raises KeyError (unknown incident) or ExportError (Chinese)."""
    war = core.wartime
    report = build_report(war, incident_id, map_png=map_png)
    if out_dir is not None:
        paths = write_report(report, out_dir, render_pdf=render_pdf)
    else:
        from console.reports import ReportFolder

        reports = getattr(core, "reports", None) or ReportFolder(Path(core.config.cache_dir) / "reports")
        stem = reports.unique_stem(f"{incident_id}-总结报告", (".html", ".pdf"))
        paths = write_report(report, stem.parent, stem=stem.name, render_pdf=render_pdf)
    war.record_report(incident_id, paths)
    return paths

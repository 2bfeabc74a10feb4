"""The after-action report: timeline and scores as HTML, and the same for PDF; watermarked 演练.

The core gives the page (:func:`print_document`); the view layer draws the PDF
(``widgets.pdf.render_pdf``, handed in as the ``render_pdf`` of :func:`write_report`).
Without a renderer only the HTML is written: the core imports no Qt.
"""

from __future__ import annotations

import html
import logging
import os
from datetime import timedelta
from pathlib import Path
from typing import Any

from console.drill.scoring import SCORE_STATUS_ZH, STEP_ZH
from console.exports import atomic_write
from console.printable import PdfRenderer, PrintDocument

log = logging.getLogger(__name__)

WATERMARK = "演练"

_CSS = """
body { font-family: 'Noto Sans CJK SC', 'Source Han Sans SC', 'WenQuanYi Micro Hei', sans-serif; margin: 24px;
       color: #1d2330; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 18px; }
table { border-collapse: collapse; width: 100%; font-size: 12px; }
th, td { border: 1px solid #b8c0cc; padding: 3px 6px; text-align: left; }
th { background: #e8edf4; }
.on_time { color: #1c7c3c; } .late { color: #b36b00; } .missed { color: #b3261e; font-weight: bold; }
.open { color: #66707f; }
.banner { color: #b3261e; font-weight: bold; border: 2px solid #b3261e; padding: 4px 8px; display: inline-block; }
.watermark { position: fixed; top: 35%; left: 0; width: 100%; text-align: center; font-size: 160px;
             color: rgba(179, 38, 30, 0.10); transform: rotate(-30deg); pointer-events: none; z-index: 9; }
"""


def _clock(seconds: float) -> str:
    m, s = divmod(int(round(seconds)), 60)
    h, m = divmod(m, 60)
    return f"{h:d}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


def report_html(session: Any, result: Any, *, for_pdf: bool = False) -> str:
    """The report as one HTML page (``for_pdf`` leaves out the CSS watermark: the PDF paints its own)."""
    e = session.engine
    sc = result.score
    esc = html.escape
    start = e.start
    rows_t = []
    for entry in sorted(e.timeline, key=lambda x: x.at_s):
        when = (start + timedelta(seconds=entry.at_s)).strftime("%H:%M:%S")
        kind = {"inject": "情景注入", "command": "值班操作", "refused": "操作被拒", "note": "说明"}.get(entry.kind, entry.kind)
        rows_t.append(f"<tr><td>{_clock(entry.at_s)}</td><td>{when}</td><td>{esc(kind)}</td><td>{esc(entry.text)}</td></tr>")
    rows_s = []
    for m in sc.measures:
        took = "—" if m.took_min is None else f"{m.took_min:.1f}"
        rows_s.append(
            f"<tr><td>{esc(m.inject)}</td><td>{esc(m.title)}</td><td>{esc(STEP_ZH.get(m.step, m.step))}</td>"
            f"<td>{m.limit_min:g}</td><td>{took}</td><td class='{m.status}'>{esc(SCORE_STATUS_ZH[m.status])}</td>"
            f"<td>{'' if m.points is None else m.points}</td></tr>")
    missed = "".join(f"<li>{esc(m.inject)} · {esc(m.title)} · {esc(STEP_ZH.get(m.step, m.step))}"
                     f"（时限 {m.limit_min:g} 分钟）</li>" for m in sc.missed()) or "<li>无</li>"
    mark = "" if for_pdf else f"<div class='watermark'>{WATERMARK}</div>"
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{WATERMARK}评估报告 · {esc(e.scenario.title)}</title>
<style>{_CSS}</style></head><body>
{mark}
<p class="banner">{WATERMARK} · 非真实事件</p>
<h1>{WATERMARK}评估报告：{esc(e.scenario.title)}</h1>
<p>情景：{esc(e.scenario.id)} · 开始 {start.strftime('%Y-%m-%d %H:%M')} · 时长 {e.duration / 60:.0f} 分钟 ·
 注入 {len(e.scenario.injects) or len(e.produced)} 项 · 消息 {result.envelopes} 条</p>
<p>{esc(e.scenario.description)}</p>
<h2>得分</h2>
<table><tr><th>总分</th><th>按时</th><th>超时</th><th>遗漏</th><th>未到时限</th><th>被拒操作</th></tr>
<tr><td><b>{sc.percent:.1f}</b>（{sc.points}/{sc.possible}）</td><td>{sc.count('on_time')}</td><td>{sc.count('late')}</td>
<td>{sc.count('missed')}</td><td>{sc.count('open')}</td><td>{sc.refused_commands}</td></tr></table>
<p>计分：每个环节按时 10 分、超时 5 分、遗漏 0 分；演练结束时时限未到的环节不计分。签收、办结时限取自事件类别目录，
分拨时限为签收时限的 2 倍；预案步骤以下达任务的时间对照步骤时限。</p>
<h2>逐项评分</h2>
<table><tr><th>注入</th><th>事项</th><th>环节</th><th>时限（分钟）</th><th>用时（分钟）</th><th>结果</th><th>得分</th></tr>
{''.join(rows_s) or '<tr><td colspan=7>无可评分事项</td></tr>'}</table>
<h2>遗漏事项</h2><ul>{missed}</ul>
<h2>时间线</h2>
<table><tr><th>演练时刻</th><th>情景时间</th><th>类型</th><th>内容</th></tr>{''.join(rows_t)}</table>
<p class="banner">{WATERMARK} · 本报告由演练生成，不含真实事件数据</p>
</body></html>
"""


def print_document(session: Any, result: Any) -> PrintDocument:
    """The report for A4 pages, the 演练 watermark painted on each (not the CSS one)."""
    return PrintDocument(html=report_html(session, result, for_pdf=True), title=f"{WATERMARK}评估报告",
                         margins_mm=15, font_pt=9, watermark=WATERMARK)


def write_report(session: Any, result: Any, out_dir: Path, *, render_pdf: PdfRenderer | None = None) -> list[Path]:
    """``report.html`` (and, given a renderer, ``report.pdf``) in ``out_dir``; returns the files written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    page = out_dir / "report.html"
    tmp = page.with_name(page.name + ".part")
    tmp.write_text(report_html(session, result), encoding="utf-8")
    os.replace(tmp, page)
    paths.append(page)
    if render_pdf is not None:
        try:
            paths.append(atomic_write(out_dir / "report.pdf", render_pdf(print_document(session, result))))
        except Exception:  # noqa: BLE001 - the HTML report stands on its own
            log.exception("PDF report failed")
    return paths

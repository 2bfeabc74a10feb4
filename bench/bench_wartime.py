"""Wartime command: time from declaration to the wartime layout being ready, and report generation.

Starts the embedded feed as a subprocess, a supervisor's console core on the Qt loop
(qasync) and the real main window (offscreen unless a display is set).  Each round
declares an incident and measures

- ``declare_ms``: the declare call itself (the declaration and the plan's orders written
  to the outbox and the audit chain),
- ``layout_ms``: from the declare call to the wartime layout being in place
  (banner, command dock, map/camera/queue/indicator switch; the declaration is
  still on its way to the gateway, the layout does not wait for it),
- ``echo_ms``: until the gateway's echo of the declaration is in the store and
  the plan checklist shows the incident as active,
- then gives it orders, answers, steps, figures and notes, stands it down and
  measures the after-action report: ``report_build_ms`` (gathering), ``html_ms``
  and ``pdf_ms`` (rendering and atomic write).

``--shots DIR`` also saves the wartime window and the first page of the report as
PNGs (for the README's screenshots).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QTWEBENGINE_CHROMIUM_FLAGS", "--no-sandbox --disable-gpu")

import httpx  # noqa: E402
from PySide6 import QtWebEngineWidgets  # noqa: E402,F401  # pyflakes: ignore (before QApplication)
from PySide6.QtWidgets import QApplication  # noqa: E402
import qasync  # noqa: E402

from console.feed_process import FeedProcess  # noqa: E402
from widgets.bridge import PictureNotifier  # noqa: E402
from console.runtime import ConsoleConfig, ConsoleCore  # noqa: E402

os.environ.setdefault("PINGSHAN_SIM_CONTROLS", "1")  # a bench drives the feed like a test: test controls and seat

SITES = [("rainstorm_flood", "maluan", (114.372, 22.703)), ("slope_failure", "biling", (114.305, 22.716)),
         ("hazmat_leak", "kengzi", (114.389, 22.758)), ("fire", "pingshan", (114.350, 22.705)),
         ("typhoon_waterlogging", "longtian", (114.338, 22.750))]


async def until(cond: Any, timeout: float) -> bool:
    deadline = time.perf_counter() + timeout
    while not cond():
        if time.perf_counter() > deadline:
            return False
        await asyncio.sleep(0.005)
    return True


async def push_incident(url: str) -> None:
    """Another seat declares through the gateway (the banner then offers a second incident)."""
    from datetime import datetime, timezone

    body = {"id": "benchpushed000000000001", "kind": "incident.declare", "target_id": "INC-QH-0001",
            "operator": "区应急办", "issued_at": datetime.now(timezone.utc).isoformat(),
            "args": {"type": "slope_failure", "level": 3, "street": "biling", "reason": "碧岭沙湖边坡位移超限",
                     "title": "碧岭沙湖边坡位移（Ⅲ级响应）"}}
    async with httpx.AsyncClient() as http:
        await http.post(url + "/api/v1/commands", json=body, headers={"Idempotency-Key": body["id"]})


async def stage(core: ConsoleCore, iid: str) -> None:
    """Orders at three levels, answers, steps, figures and notes: a picture a commander would see."""
    war = core.wartime
    await until(lambda: core.picture.incidents.get(iid) is not None, 20)
    resources = war.resources(iid)
    team = next((r.id for r in resources if r.kind == "rescue_team"), None)
    loc = war.incident(iid).location
    tids = [
        war.issue_task(iid, "community.pinghuan", "组织坪环社区低洼处居民转移至坪山体育中心", 30, location=(loc.lon, loc.lat)),
        war.issue_task(iid, "team.flood", "携抽水泵赶赴坪环积水点抽排", 20, location=(loc.lon, loc.lat),
                       resources=[team] if team else []),
        war.issue_task(iid, "community.jiangling", "江岭社区排查地下车库并劝离车辆", 40),
        war.issue_task(iid, "dept.police", "坪环路、丹梓大道积水段交通管制", 25),
    ]
    await until(lambda: all(core.picture.tasks.get(t) for t in tids), 20)
    for tid, states in zip(tids, (("received", "en_route", "on_scene"), ("received", "en_route"), ("received",), ())):
        for st in states:
            war.update_task(tid, st, note="网格员已到位" if st == "on_scene" else "")
            await until(lambda t=tid, s=st: core.picture.tasks.get(t).status == s, 10)
    steps = war.checklist(iid)
    war.complete_step(iid, steps[0].step.id)
    war.skip_step(iid, steps[2].step.id, "水库已在汛限水位以下，无需预降")
    war.report_figure(iid, "evacuated", 320)
    shelter = next((r.id for r in resources if r.kind == "shelter"), None)
    if shelter:
        war.report_figure(iid, "shelter", 280, where=shelter)
    war.note("三防指挥部会商：维持Ⅱ级响应，加密坪山河水位监测")
    await until(lambda: len(core.picture.incidents.get(iid).steps) == 2, 20)


async def measure(app: QApplication, rounds: int, shots: Path | None) -> list[dict[str, float]]:
    from console.aar_report import build_report, print_document, render_html
    from console.exports import atomic_write
    from widgets import theme
    from widgets.shell.main_window import MainWindow
    from widgets.pdf import render_pdf

    theme.load_cjk_font(app)
    theme.apply_theme(app)
    out: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory() as tmp, FeedProcess(
        seed=3, alerts_per_s=0.5, readings_per_s=20, data_dir=Path(tmp) / "feed"
    ) as feed:
        core = ConsoleCore(ConsoleConfig(backend_url=feed.url, cache_dir=Path(tmp) / "cache", operator="值班长",
                                         role="supervisor"))
        await core.start()
        await core.wait_live(30)
        await until(lambda: "resources" in core.layers, 30)
        notifier = PictureNotifier(core.picture)
        window = MainWindow(core, notifier)
        window.resize(1920, 1080)
        window.show()
        await asyncio.sleep(4)  # the map page, the first tiles and the video settle
        mode = window.wartime_mode
        war = core.wartime
        for n in range(rounds):
            itype, street, loc = SITES[n % len(SITES)]
            before = mode.layout_ready_at
            t0 = time.perf_counter()
            iid = war.declare(itype, 2, reason="基准测试：小时雨量超 50 毫米，坪环社区多处积水", location=loc,
                              street=street, radius_m=1500)
            declare_ms = (time.perf_counter() - t0) * 1000  # outbox + audit writes of the declaration and the plan's orders
            await until(lambda: mode.layout_ready_at != before and mode.mode == "wartime", 10)
            layout_ms = ((mode.layout_ready_at or t0) - t0) * 1000
            await until(lambda: war.incident(iid).status == "active", 20)
            echo_ms = (time.perf_counter() - t0) * 1000
            await stage(core, iid)
            if shots is not None and n == 0:
                await push_incident(feed.url)
                await until(lambda: mode.confirm_bar.isVisible(), 20)
                mode.confirm_bar.later_button.click()  # the operator keeps the focus here for now
                war.confirm_switch("INC-QH-0001")
                war.set_focus(iid)
                mode.refresh()
                mode.command_panel.tabs.setCurrentIndex(0)
                await asyncio.sleep(3)
                shots.mkdir(parents=True, exist_ok=True)
                window.grab().save(str(shots / "wartime-window.png"))
                mode.command_panel.tabs.setCurrentIndex(2)
                await asyncio.sleep(0.3)
                mode.dock.grab().save(str(shots / "wartime-linkage-tree.png"))
                mode.command_panel.tabs.setCurrentIndex(0)
                war.stand_down("INC-QH-0001")
            war.stand_down(iid, "雨势减弱，积水消退")
            await until(lambda: core.picture.incidents.get(iid).status == "stood_down", 20)
            t1 = time.perf_counter()
            report = build_report(war, iid, map_png=mode._map_png())
            t2 = time.perf_counter()
            html = render_html(report)
            atomic_write(Path(tmp) / f"{iid}.html", html.encode("utf-8"))
            t3 = time.perf_counter()
            pdf = render_pdf(print_document(report))
            atomic_write(Path(tmp) / f"{iid}.pdf", pdf)
            t4 = time.perf_counter()
            if shots is not None and n == 0:
                atomic_write(shots / "report.html", html.encode("utf-8"))
                atomic_write(shots / "report.pdf", pdf)
                save_pdf_pages(shots / "report.pdf", shots, "report-page")
            await until(lambda: mode.mode == "peacetime", 10)
            out.append({"declare_ms": declare_ms, "layout_ms": layout_ms, "echo_ms": echo_ms, "report_build_ms": (t2 - t1) * 1000,
                        "html_ms": (t3 - t2) * 1000, "pdf_ms": (t4 - t3) * 1000, "pdf_kb": len(pdf) / 1024,
                        "timeline": len(report.timeline), "log": len(report.log)})
        window.close()
        notifier.stop()
        from console.shutdown import stop_core

        await stop_core(core)
    return out


def save_pdf_pages(pdf: Path, out_dir: Path, stem: str, pages: int = 2) -> None:
    """First pages of the PDF as PNGs (QtPdf), to look at the report."""
    from PySide6.QtCore import QSize
    from PySide6.QtPdf import QPdfDocument

    doc = QPdfDocument()
    doc.load(str(pdf))
    for i in range(min(pages, doc.pageCount())):
        size = doc.pagePointSize(i)
        img = doc.render(i, QSize(int(size.width() * 2), int(size.height() * 2)))
        img.save(str(out_dir / f"{stem}-{i + 1}.png"))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--shots", type=Path, default=None, help="save the wartime window and the report as PNGs here")
    args = ap.parse_args(argv)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        rows = loop.run_until_complete(measure(app, args.rounds, args.shots))
    keys = ("declare_ms", "layout_ms", "echo_ms", "report_build_ms", "html_ms", "pdf_ms", "pdf_kb")
    print(f"{'round':<8}" + "".join(f"{k:>17}" for k in keys) + f"{'timeline':>10}{'log':>6}")
    for n, r in enumerate(rows, 1):
        print(f"{n:<8}" + "".join(f"{r[k]:>17.1f}" for k in keys) + f"{r['timeline']:>10}{r['log']:>6}")
    print(f"{'median':<8}" + "".join(f"{statistics.median(r[k] for r in rows):>17.1f}" for k in keys))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

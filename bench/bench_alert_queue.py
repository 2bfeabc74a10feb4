"""Alert queue speed: filter/sort at 100,000 alerts, and GUI lag during a 10,000-alert storm.

Part 1 (core only): 100,000 synthetic alerts in an ``AlertStore``; times of
``AlertQuery.run`` for the default view (overdue first, storms grouped), ungrouped,
a level+status filter, Chinese full-text search (one and two terms), an expanded
storm group, and the model's refresh after 100 changed alerts (one notifier tick).

Part 2 (GUI): the embedded feed as a subprocess, the real core on the Qt loop
(qasync), the alert queue panel with its detail pane (offscreen), 100,000 alerts
in the store (90,000+ synthetic plus the feed's), then ``POST /_sim/burst
{"alerts": 10000, "over_s": 10}``. A 10 ms QTimer measures how late the loop runs
it (p50/p99/max); then every alert of the burst is looked for in the journal.
Memory (RSS) is printed at each stage.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable

os.environ.setdefault("PINGSHAN_SIM_CONTROLS", "1")  # a bench drives the feed like a test: test controls and seat

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QTWEBENGINE_CHROMIUM_FLAGS", "--no-sandbox --disable-gpu")


def rss_mb() -> float:
    """Resident set size of this process in MiB (Linux /proc)."""
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def percentile(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def synthetic_alerts(n: int, seed: int = 7, prefix: str = "BX") -> list[Any]:
    """``n`` plausible alerts: every category, street and community, the last 3 days,
    Chinese titles, a share of them from a few storming devices."""
    from console import catalogue
    from console.models import Alert, AlertNote

    rng = random.Random(seed)
    cats = [c for c in catalogue.categories()]
    places = [(s.id, c.id, c.name_zh) for s in catalogue.streets() for c in s.communities]
    now = datetime.now(timezone.utc)
    out = []
    for i in range(n):
        cat = rng.choice(cats)
        street, comm, comm_zh = rng.choice(places)
        created = now - timedelta(minutes=rng.uniform(0, 3 * 24 * 60))
        status = rng.choices(["new", "acknowledged", "dispatched", "in_progress", "resolved", "closed"],
                             [15, 10, 10, 10, 15, 40])[0]
        device = f"DEV{rng.randrange(40):03d}" if rng.random() < 0.2 else None
        out.append(Alert(
            id=f"{prefix}{i:07d}", rev=1, level=rng.choices(["blue", "yellow", "orange", "red"], [55, 30, 12, 3])[0],
            status=status, source=rng.choice(["hotline_12345", "app_pingshan", "grid_patrol", "iot_threshold", "video_ai"]),
            category=cat.id, title=f"{comm_zh}{cat.name_zh}", description=f"{comm_zh}附近发现{cat.name_zh}，请核实处置。",
            street=street, community=comm, device_id=device, created_at=created, updated_at=created,
            reporter_phone="13812345678" if rng.random() < 0.3 else None,
            timeline=(AlertNote(ts=created, actor="12345 热线", action="create", text="事件上报"),)))
    return out


def timed(fn: Callable[[], Any], repeat: int = 5) -> tuple[float, float]:
    """(median ms, max ms) of ``repeat`` calls."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), max(times)


def core_part(n: int) -> dict[str, float]:
    """Part 1: query times over ``n`` alerts (no Qt)."""
    from console.alert_query import AlertFilter, AlertQuery, names_from_catalogue
    from console.stores import AlertStore

    r: dict[str, float] = {"rss_start_mb": rss_mb()}
    alerts = synthetic_alerts(n)
    store = AlertStore()
    for a in alerts:
        store.apply(a)
    del alerts
    r["rss_store_mb"] = rss_mb()
    t0 = time.perf_counter()
    q = AlertQuery(store, names=names_from_catalogue())
    r["index_build_ms"] = (time.perf_counter() - t0) * 1000
    r["rss_indexed_mb"] = rss_mb()
    res = q.run()
    r["rows_default"], r["groups"], r["grouped"], r["overdue"] = len(res.ids), res.groups, res.grouped, res.overdue
    r["run_default_ms"], r["run_default_max_ms"] = timed(q.run)
    r["run_ungrouped_ms"], _ = timed(lambda: q.run(group=False))
    r["run_level_status_ms"], _ = timed(lambda: q.run(AlertFilter(levels=frozenset({"red", "orange"}),
                                                                  statuses=frozenset({"new"}))))
    r["run_text_1term_ms"], _ = timed(lambda: q.run(AlertFilter(text="内涝")))
    r["run_text_2terms_ms"], _ = timed(lambda: q.run(AlertFilter(text="积水 沙湖")))
    r["run_pinyin_ms"], _ = timed(lambda: q.run(AlertFilter(text="maluan")))  # 马峦 by pinyin
    r["run_initials_ms"], _ = timed(lambda: q.run(AlertFilter(text="ml nl")))  # 马峦 内涝 by initials
    code = next(iter(res.group_of.values()))
    r["run_expanded_ms"], _ = timed(lambda: q.run(expanded=[code]))
    # One notifier tick in a storm: 100 alerts changed, then the query again.
    ids = store.ids()[:100]

    def tick() -> None:
        for alert_id in ids:
            a = store.get(alert_id)
            store.apply(a.model_copy(update={"rev": a.rev + 1}))
        q.update(ids)
        q.run()

    r["tick_100_changed_ms"], _ = timed(tick)
    return r


async def gui_part(preload: int, burst: int, over_s: float) -> dict[str, float]:
    """Part 2: loop lag while ``burst`` alerts arrive over ``over_s`` s with ``preload`` alerts held."""
    import httpx
    from PySide6.QtCore import QTimer

    from console.feed_process import FeedProcess
    from widgets.bridge import PictureNotifier
    from console.runtime import ConsoleConfig, ConsoleCore
    from widgets.alert_queue import AlertQueuePanel

    r: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp, FeedProcess(
        seed=3, alerts_per_s=0.2, readings_per_s=10, data_dir=Path(tmp) / "feed"
    ) as feed:
        core = ConsoleCore(ConsoleConfig(backend_url=feed.url, cache_dir=Path(tmp) / "cache"))
        await core.start()
        await core.wait_live(30)
        have = len(core.picture.alerts)
        for a in synthetic_alerts(max(0, preload - have)):
            core.picture.alerts.apply(a)
        notifier = PictureNotifier(core.picture)
        panel = AlertQueuePanel(core, notifier)
        panel.resize(1900, 700)
        panel.show()
        await asyncio.sleep(3)
        base = len(core.picture.alerts)
        r["store_before_burst"] = base
        r["rss_before_burst_mb"] = rss_mb()
        seq_before = core.journal.max_seq()

        lateness: list[float] = []
        last = [time.perf_counter()]
        timer = QTimer()
        timer.setInterval(10)

        def on_tick() -> None:
            now = time.perf_counter()
            lateness.append(max(0.0, (now - last[0]) * 1000 - 10))
            last[0] = now

        timer.timeout.connect(on_tick)
        timer.start()
        async with httpx.AsyncClient() as http:
            (await http.post(f"{feed.url}/_sim/burst", json={"alerts": burst, "over_s": over_s})).raise_for_status()
        t0 = time.perf_counter()
        deadline = t0 + over_s + 60
        while len(core.picture.alerts) < base + burst and time.perf_counter() < deadline:
            await asyncio.sleep(0.05)
        r["t_all_in_store_s"] = time.perf_counter() - t0
        await asyncio.sleep(0.5)
        timer.stop()
        core.ingest.flush()
        new_ids = set()
        for _seq, _sid, body in core.journal.read_after(seq_before):
            env = json.loads(body)
            if env.get("type") == "alert.upsert" and env["payload"]["rev"] == 1:
                new_ids.add(env["payload"]["id"])
        r["received"] = len(core.picture.alerts) - base
        r["burst_alerts_in_journal"] = len(new_ids)
        r["rows_shown"] = panel.model.rowCount()
        r["lag_p50_ms"] = statistics.median(lateness)
        r["lag_p99_ms"] = percentile(lateness, 99)
        r["lag_max_ms"] = max(lateness)
        r["ticks"] = len(lateness)
        r["rss_after_burst_mb"] = rss_mb()
        panel.close()
        notifier.stop()
        from console.shutdown import stop_core

        await stop_core(core)
    return r


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--alerts", type=int, default=100_000, help="alerts in the store")
    ap.add_argument("--burst", type=int, default=10_000)
    ap.add_argument("--over", type=float, default=10.0)
    ap.add_argument("--core-only", action="store_true")
    args = ap.parse_args(argv)
    results = core_part(args.alerts)
    if not args.core_only:
        import qasync
        from PySide6 import QtWebEngineWidgets  # noqa: F401  (before QApplication)
        from PySide6.QtWidgets import QApplication

        app = QApplication.instance() or QApplication(sys.argv[:1])
        app.setQuitOnLastWindowClosed(False)
        loop = qasync.QEventLoop(app)
        asyncio.set_event_loop(loop)
        with loop:
            results.update(loop.run_until_complete(gui_part(args.alerts, args.burst, args.over)))
    print(f"{'measure':<32}{'value':>14}")
    for key, v in results.items():
        print(f"{key:<32}{v:>14,.1f}" if isinstance(v, float) else f"{key:<32}{v:>14,}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

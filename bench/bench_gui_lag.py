"""GUI event-loop lag while a storm of alerts arrives from the feed over loopback.

Starts the embedded feed as a subprocess, the real console core on the Qt loop
(qasync) and the real main window (offscreen unless a display is set), waits for the
picture to settle, then asks the feed for a burst of N new alerts over S seconds.  A
10 ms QTimer measures how late the event loop runs it; the lateness p50/p99/max is
the lag an operator would feel.  Also prints how long until every alert of the burst
was in the store and in the journal.
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

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QTWEBENGINE_CHROMIUM_FLAGS", "--no-sandbox --disable-gpu")

import httpx  # noqa: E402
from PySide6 import QtWebEngineWidgets  # noqa: E402,F401  (before QApplication)
from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402
import qasync  # noqa: E402

from console.feed_process import FeedProcess  # noqa: E402
from widgets.bridge import PictureNotifier  # noqa: E402
from console.runtime import ConsoleConfig, ConsoleCore  # noqa: E402

os.environ.setdefault("PINGSHAN_SIM_CONTROLS", "1")  # a bench drives the feed like a test: test controls and seat


def percentile(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


async def measure(app: QApplication, n: int, over_s: float, with_window: bool) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp, FeedProcess(
        seed=3, alerts_per_s=0.2, readings_per_s=10, data_dir=Path(tmp) / "feed"
    ) as feed:
        core = ConsoleCore(ConsoleConfig(backend_url=feed.url, cache_dir=Path(tmp) / "cache"))
        await core.start()
        await core.wait_live(30)
        notifier = PictureNotifier(core.picture)
        window = None
        if with_window:
            from widgets.shell.main_window import MainWindow

            window = MainWindow(core, notifier)
            window.resize(1920, 1080)
            window.show()
        await asyncio.sleep(3)  # let the snapshot and the page settle
        base = len(core.picture.alerts)

        lateness: list[float] = []
        last = [time.perf_counter()]
        timer = QTimer()
        timer.setInterval(10)

        def tick() -> None:
            now = time.perf_counter()
            lateness.append(max(0.0, (now - last[0]) * 1000 - 10))
            last[0] = now

        timer.timeout.connect(tick)
        timer.start()
        async with httpx.AsyncClient() as http:
            r = await http.post(f"{feed.url}/_sim/burst", json={"alerts": n, "over_s": over_s})
            r.raise_for_status()
        t0 = time.perf_counter()
        deadline = t0 + over_s + 60
        while len(core.picture.alerts) < base + n and time.perf_counter() < deadline:
            await asyncio.sleep(0.05)
        t_store = time.perf_counter() - t0
        await asyncio.sleep(0.5)
        timer.stop()
        core.ingest.flush()
        journaled = core.journal.count()
        received = len(core.picture.alerts) - base
        if window is not None:
            window.close()
        notifier.stop()
        from console.shutdown import stop_core

        await stop_core(core)
    return {
        "burst": n, "over_s": over_s, "received": received, "journal_rows": journaled,
        "t_all_in_store_s": t_store, "lag_p50_ms": statistics.median(lateness),
        "lag_p99_ms": percentile(lateness, 99), "lag_max_ms": max(lateness),
        "ticks": len(lateness),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--alerts", type=int, default=10_000)
    ap.add_argument("--over", type=float, default=10.0)
    ap.add_argument("--no-window", action="store_true", help="core and notifier only")
    args = ap.parse_args(argv)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)  # closing the window must not stop the loop mid-run
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        r = loop.run_until_complete(measure(app, args.alerts, args.over, not args.no_window))
    print(f"{'measure':<44}{'value':>12}")
    for key in ("burst", "over_s", "received", "journal_rows", "t_all_in_store_s",
                "lag_p50_ms", "lag_p99_ms", "lag_max_ms", "ticks"):
        v = r[key]
        print(f"{key:<44}{v:>12,.1f}" if isinstance(v, float) else f"{key:<44}{v:>12,}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Map benchmark: 20,000 device markers with 1,000 marker updates a second, and the
map ready from the tile cache.

Real components only: the embedded feed renders the tiles once into an MBTiles
cache (prefetch of the district, z10–15), then the feed is stopped; a real MapPanel
(QtWebEngine, offscreen, software rendering) opens on that cache with no tile source
reachable.  Figures:

* map ready from cache — from creating the panel to the page ready with every
  visible tile drawn from MBTiles (cold = the first web page of the process,
  Chromium starting; warm = a second panel);
* 20,000 devices — time for the first full push to be drawn;
* 1,000 updates/s for ``--seconds`` — store change (``picture.apply``) → the page's
  next animation frame after applying the diff (p50/p99/max), and the page's frame
  time (requestAnimationFrame intervals, p50/p99/max), at district zoom (clusters)
  and street zoom (single markers).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QTWEBENGINE_CHROMIUM_FLAGS", "--no-sandbox --disable-gpu")

from PySide6 import QtWebEngineWidgets  # noqa: E402,F401  (before QApplication)
from PySide6.QtCore import QEventLoop, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from widgets.map.tile_scheme import register_tile_scheme  # noqa: E402

register_tile_scheme()

import asyncio  # noqa: E402
import json  # noqa: E402

from console.events import Event  # noqa: E402
from console.feed_process import FeedProcess  # noqa: E402
from console.models import Device, DeviceUpsert, GeoPoint  # noqa: E402
from widgets.bridge import PictureNotifier  # noqa: E402
from console.stores import OperatingPicture  # noqa: E402
from console.tiles import TileService, TileSource, prefetch  # noqa: E402
from offline_cache.tiles import MBTilesStore  # noqa: E402

os.environ.setdefault("PINGSHAN_SIM_CONTROLS", "1")  # a bench drives the feed like a test: test controls and seat

CST = timezone(timedelta(hours=8))
BBOX = (114.28, 22.68, 114.43, 22.79)
KINDS = ["river_level", "waterlogging", "rain_gauge", "slope_displacement", "air_quality", "noise", "smoke",
         "hydrant_pressure", "manhole_cover"]


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))] if xs else float("nan")


def spin(ms: int) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def wait_until(cond: Callable[[], bool], timeout_s: float, what: str) -> float:
    start = time.perf_counter()
    while not cond():
        if time.perf_counter() - start > timeout_s:
            raise SystemExit(f"timed out waiting for {what}")
        spin(10)
    return time.perf_counter() - start


def js(panel: Any, script: str, timeout_s: float = 10) -> Any:
    box: list[Any] = []
    panel.view.page().runJavaScript(f"JSON.stringify((function () {{ return ({script}); }})())", 0, box.append)
    wait_until(lambda: bool(box), timeout_s, script)
    return json.loads(box[0]) if box[0] else None


class Core:
    """What the map reads: a picture, layers and the tile service."""

    def __init__(self, tiles: TileService | None) -> None:
        from simulator.geo import layers

        self.picture = OperatingPicture()
        self.layers = {lid: doc for lid, (_i, doc) in layers().items()}
        self.layers_loaded: Event[[dict[str, Any]]] = Event("core.layers_loaded")
        self.layer_infos: dict[str, Any] = {}
        self.tiles = tiles


def device(i: int, rev: int = 1, status: str = "online") -> Device:
    rnd = random.Random(i)
    now = datetime.now(CST)
    return Device(id=f"DEV-{i:05d}", rev=rev, kind=KINDS[i % len(KINDS)], name=f"设备 {i}",
                  location=GeoPoint(lon=rnd.uniform(114.29, 114.41), lat=rnd.uniform(22.69, 22.775)),
                  status=status, metric="m", unit="u", updated_at=now)


def envelope(payload: Device, seq: int) -> DeviceUpsert:
    return DeviceUpsert(v=1, id=str(seq), type="device.upsert", ts=payload.updated_at, payload=payload)


def open_panel(core: Core) -> tuple[Any, Any, float]:
    from widgets.map import MapPanel

    notifier = PictureNotifier(core.picture, interval_ms=100)
    start = time.perf_counter()
    panel = MapPanel(core, notifier)
    panel.resize(1280, 800)
    panel.show()
    wait_until(lambda: panel.is_ready, 60, "page ready")
    ready = time.perf_counter() - start
    return panel, notifier, ready


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--devices", type=int, default=20_000)
    ap.add_argument("--rate", type=int, default=1000, help="marker updates per second")
    ap.add_argument("--seconds", type=float, default=10.0)
    args = ap.parse_args()
    app = QApplication.instance() or QApplication([])
    rows: list[tuple[str, str]] = []
    keep: list[Any] = []
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) / "tiles.mbtiles"
        with FeedProcess(seed=3, alerts_per_s=0, readings_per_s=0, data_dir=Path(tmp) / "feed") as feed:
            store = MBTilesStore(cache)
            t0 = time.perf_counter()
            res = asyncio.run(prefetch(store, TileSource(feed.url + "/tiles/{z}/{x}/{y}.png"), BBOX, 10, 15))
            rows.append(("prefetch district z10–15 from the feed", f"{res.fetched} tiles, {res.bytes / 1e6:.1f} MB, "
                         f"{time.perf_counter() - t0:.1f} s"))
            store.close()
            dead = feed.url
        # The feed is stopped: the tiles can come from the cache only.
        def service() -> TileService:
            return TileService(MBTilesStore(cache), TileSource(dead + "/tiles/{z}/{x}/{y}.png"))

        for label in ("cold (first page, Chromium starting)", "warm (second panel)"):
            core = Core(service())
            t0 = time.perf_counter()
            panel, notifier, _ = open_panel(core)
            try:
                wait_until(lambda: js(panel, "consoleMap.tilesIdle()") is True, 60, "tiles drawn")
            except SystemExit:
                print(js(panel, "[consoleMap.tileStats(), consoleMap.hasBaseTiles(), consoleMap.map().getZoom()]"),
                      core.tiles.hits, core.tiles.misses, core.tiles.online, file=sys.stderr)
                raise
            ready = time.perf_counter() - t0
            rows.append((f"map ready from cache, {label}",
                         f"{ready:.2f} s ({js(panel, 'consoleMap.tileStats().loaded')} tiles from MBTiles)"))
            keep.append((core, panel, notifier))  # no Qt object may die in a worker thread's GC
            if label.startswith("cold"):
                notifier.stop()
                panel.close()
                spin(200)

        # 20,000 devices.
        seq = 1
        for i in range(args.devices):
            core.picture.apply(envelope(device(i), seq))
            seq += 1
        panel.set_devices_visible(True)
        t0 = time.perf_counter()
        wait_until(lambda: js(panel, "consoleMap.deviceCount()") == args.devices, 120, "devices drawn")
        rows.append((f"{args.devices:,} devices: first push drawn", f"{time.perf_counter() - t0:.2f} s"))

        revs = {i: 1 for i in range(args.devices)}
        applied: dict[str, float] = {}
        latencies: list[float] = []

        def on_drawn(kind: str, _seq: int, ids: object, _sent: float) -> None:
            now = time.perf_counter()
            if kind != "devices":
                return
            for object_id in ids:  # type: ignore[attr-defined]
                at = applied.pop(object_id, None)
                if at is not None:
                    latencies.append((now - at) * 1000)

        panel.diff_drawn.connect(on_drawn)
        panel.track_diffs = True
        rnd = random.Random(7)

        def run_phase(name: str) -> None:
            latencies.clear()
            applied.clear()
            per_tick = max(1, args.rate // 100)
            sent = {"n": 0}

            def tick() -> None:
                nonlocal seq
                now = time.perf_counter()
                for _ in range(per_tick):
                    i = rnd.randrange(args.devices)
                    revs[i] += 1
                    status = "offline" if rnd.random() < 0.3 else "online"
                    payload = device(i, revs[i], status)
                    core.picture.apply(envelope(payload, seq))
                    seq += 1
                    applied[payload.id] = now
                    sent["n"] += 1

            js(panel, "(consoleMap.sampleFrames(true), true)")
            timer = QTimer()
            keep.append(timer)
            timer.setInterval(10)
            timer.timeout.connect(tick)
            start = time.perf_counter()
            timer.start()
            wait_until(lambda: time.perf_counter() - start >= args.seconds, args.seconds + 5, "phase")
            timer.stop()
            elapsed = time.perf_counter() - start
            spin(600)  # the last batches
            frames = js(panel, "consoleMap.sampleFrames(false)") or []
            rows.append((f"{name}: updates applied", f"{sent['n']:,} in {elapsed:.1f} s = {sent['n'] / elapsed:,.0f}/s"))
            rows.append((f"{name}: store change → drawn", f"p50 {pct(latencies, 50):.0f} ms, p99 {pct(latencies, 99):.0f} ms, "
                         f"max {max(latencies or [float('nan')]):.0f} ms ({len(latencies):,} samples)"))
            rows.append((f"{name}: page frame time", f"p50 {pct(frames, 50):.1f} ms, p99 {pct(frames, 99):.1f} ms, "
                         f"max {max(frames or [float('nan')]):.0f} ms ({len(frames)} frames, "
                         f"{len(frames) / max(0.001, sum(frames) / 1000):.0f} fps)"))

        js(panel, "(consoleMap.showDistrict(), true)")
        spin(500)
        run_phase("district zoom (clusters)")
        js(panel, "(consoleMap.map().setView([22.72, 114.35], 16), true)")
        spin(1000)
        run_phase("street zoom 16 (single markers)")
        panel.close()

    width = max(len(r[0]) for r in rows)
    print(f"{'measure'.ljust(width)}  result")
    print(f"{'-' * width}  {'-' * 50}")
    for name, value in rows:
        print(f"{name.ljust(width)}  {value}")
    print(f"(offscreen, software rendering; {os.cpu_count()} cores; {args.devices:,} devices, "
          f"{args.rate:,} updates/s target)")
    del app
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The plan's scale in the console: 100,000 devices and 10,000 cameras (issue 15).

``python bench/bench_scale.py [--devices N] [--cameras N] [--queries Q] [--gateway] [--no-window]``

Starts the embedded feed with ``--devices N --cameras N`` (and, with ``--gateway``, one
nats-server and a gateway seeded by ``simulator.produce --devices N --cameras N``), then
measures with the real components, offscreen:

* the snapshot: bytes of the single document and its fetch + parse, and the console's
  own fetch (``GatewayClient.snapshot``, which pages when the gateway offers pages);
* the console's start: ``ConsoleCore.start()`` → every device and camera in the store;
* window shown → **usable**. Usable means, all at once, seen by a 10 ms poll on the GUI
  loop (so a blocked loop delays it): the store holds every device and camera; the map
  page holds a marker for each of them (device and camera layers loaded); the alert queue
  lists every row its query gives for the store; the camera directory lists every camera.
  The clock starts at ``ConsoleCore.start()`` with the window created and shown right
  after it, as ``pingshan-console`` does, on an empty cache (a first start). The longest
  GUI stall in that time is printed too;
* the same on a restart, in a new process, with the cache the first start left (the
  picture restored from it, then the live snapshot compared with it);
* the map's layers: page ready → device and camera markers in the page; the device
  layer switched on → clustered and drawn;
* the camera directory's search: name and code queries, p50/p95 of filter + tree rebuild
  (results checked against a plain scan);
* the nearest cameras of an alert: the alarm linkage (nearest online cameras within
  1.5 km) and the map's radius rings (cameras, devices and resources within 3 km), p50/p95.

Figures vary between runs on a shared 2-core machine; docs/GATEWAY.md holds a table.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QTWEBENGINE_CHROMIUM_FLAGS", "--no-sandbox --disable-gpu")
os.environ.setdefault("PINGSHAN_SIM_CONTROLS", "1")  # a bench drives the feed like a test: test seat

import httpx  # noqa: E402

from console.feed_process import FeedProcess  # noqa: E402
from console.models import Snapshot  # noqa: E402

Row = tuple[str, str]


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))] if xs else float("nan")


def ms(xs: list[float]) -> str:
    return f"p50 {pct(xs, 50) * 1000:.1f} ms, p95 {pct(xs, 95) * 1000:.1f} ms (n={len(xs)})"


# ---------------------------------------------------------------------- snapshot


def measure_snapshot(url: str, label: str, token: str | None = None) -> tuple[list[Row], Snapshot]:
    """The single document (bytes, fetch, parse) and the console's own fetch."""
    from console.gateway import GatewayClient

    rows: list[Row] = []
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    t0 = time.perf_counter()
    r = httpx.get(url + "/api/v1/snapshot", headers=headers, timeout=300)
    r.raise_for_status()
    fetched = time.perf_counter() - t0
    body = r.content
    t0 = time.perf_counter()
    snap = Snapshot.model_validate_json(body)
    parsed = time.perf_counter() - t0
    rows.append((f"{label}: single snapshot document", f"{len(body) / 1e6:.1f} MB; fetch {fetched:.2f} s, "
                 f"parse (Snapshot.model_validate_json) {parsed:.2f} s"))
    del body, r

    async def console_fetch() -> tuple[float, Snapshot, int]:
        client = GatewayClient(url, token=token)
        try:
            t = time.perf_counter()
            got = await client.snapshot()
            return time.perf_counter() - t, got, getattr(client, "snapshot_pages", 0)
        finally:
            await client.aclose()

    took, got, pages = asyncio.run(console_fetch())
    rows.append((f"{label}: console fetch + parse (GatewayClient.snapshot)",
                 f"{took:.2f} s" + (f" ({pages} pages)" if pages else "")))
    assert len(got.devices) == len(snap.devices) and len(got.cameras) == len(snap.cameras)
    return rows, got


def gateway_section(devices: int, cameras: int) -> list[Row]:
    """One nats-server, the stream seeded by the producer, one gateway: start and snapshot."""
    import subprocess

    from tests.support.natsupport import ROOT, GatewayProcess, NatsNode

    rows: list[Row] = []
    root = Path(tempfile.mkdtemp(prefix="bench-scale-gw-"))
    node = NatsNode(root, "scale").start()
    gw = GatewayProcess([node.url], root, name="gw")
    try:
        node.wait_jetstream()
        t0 = time.perf_counter()
        r = subprocess.run([sys.executable, "-m", "simulator.produce", "--nats", node.url, "--seed", "3",
                            "--devices", str(devices), "--cameras", str(cameras)],
                           capture_output=True, text=True, timeout=1200, cwd=ROOT)
        assert r.returncode == 0, r.stderr[-3000:]
        sent = int(r.stdout.strip().splitlines()[-1].split("=", 1)[1])
        rows.append(("gateway: producer seeds the stream", f"{sent:,} messages in {time.perf_counter() - t0:.1f} s"))
        t0 = time.perf_counter()
        gw.start(timeout_s=600)
        assert gw.url
        rows.append(("gateway: start → READY (stream folded)", f"{time.perf_counter() - t0:.1f} s"))
        tok = httpx.post(gw.url + "/api/v1/auth/token", data={"username": "duty", "password": "duty"}).json()
        more, _snap = measure_snapshot(gw.url, "gateway", tok["access_token"])
        rows += more
    finally:
        gw.stop()
        node.stop()
    return rows


# ---------------------------------------------------------------------- lookups


def directory_queries(cameras: list[Any], n: int, rng: random.Random) -> tuple[list[str], list[str]]:
    """Name queries (place names, roads, pieces of names) and code queries (pieces of codes, whole codes)."""
    names: list[str] = []
    for _ in range(n):
        cam = rng.choice(cameras)
        name = cam.name
        pick = rng.random()
        if pick < 0.3:
            names.append(name.split("-", 1)[-1][:4])  # a spot: 锦龙大道 …
        elif pick < 0.5:
            names.append(name.split("街道", 1)[1].split("社区", 1)[0])  # a community
        elif pick < 0.8:
            i = rng.randrange(max(1, len(name) - 3))
            names.append(name[i:i + rng.choice((2, 3, 4))])
        else:
            names.append(name)  # the whole name
    codes: list[str] = []
    for _ in range(n):
        code = rng.choice(cameras).id
        pick = rng.random()
        if pick < 0.5:
            codes.append(code)
        elif pick < 0.8:
            codes.append(code[-rng.choice((4, 5, 6)):])
        else:
            i = rng.randrange(10, 16)
            codes.append(code[i:i + 4])
    return names, codes


def lookup_section(picture: Any, layers: dict[str, Any], n: int) -> list[Row]:
    from console.nearby import nearby
    from console.video_wall_model import nearest_cameras

    rows: list[Row] = []
    rng = random.Random(11)
    cams = picture.cameras.values()
    points = [(rng.uniform(114.29, 114.41), rng.uniform(22.69, 22.775)) for _ in range(n)]
    took: list[float] = []
    for lon, lat in points:
        t0 = time.perf_counter()
        nearest_cameras(picture.cameras, lon, lat, 1500.0, 4)  # the store, as the video wall passes it
        took.append(time.perf_counter() - t0)
    rows.append((f"nearest cameras of an alert (linkage, 1.5 km, 4 of {len(cams):,})", ms(took)))
    took = []
    for lon, lat in points[: max(20, n // 5)]:
        t0 = time.perf_counter()
        nearby(picture, layers, lon, lat, 3000)
        took.append(time.perf_counter() - t0)
    rows.append(("map radius rings: what is within 3 km (cameras, devices, resources)", ms(took)))
    return rows


async def directory_section(directory: Any, cameras: list[Any], n: int) -> list[Row]:
    from console.video_wall_model import matches

    rows: list[Row] = []
    names, codes = directory_queries(cameras, n, random.Random(5))
    for label, queries in (("name", names), ("code", codes)):
        took: list[float] = []
        wrong = 0
        for q in queries:
            directory.search.blockSignals(True)
            directory.search.setText(q)
            directory.search.blockSignals(False)
            t0 = time.perf_counter()
            directory.rebuild()
            took.append(time.perf_counter() - t0)
            expected = sorted(c.id for c in cameras if matches(c, q))
            if sorted(directory.camera_ids()) != expected:
                wrong += 1
            await asyncio.sleep(0)  # let the GUI paint between queries, as typing would
        rows.append((f"camera directory search by {label} (filter + tree)", ms(took) + (f", {wrong} WRONG" if wrong else "")))
    directory.search.setText("")
    t0 = time.perf_counter()
    directory.rebuild()
    rows.append(("camera directory: whole tree (empty search)", f"{(time.perf_counter() - t0) * 1000:.0f} ms"))
    return rows


# ---------------------------------------------------------------------- window


async def start_console(url: str, cache: Path, n_devices: int, n_cameras: int, label: str) -> tuple[list[Row], Any]:
    """``ConsoleCore.start()`` and the main window, as ``pingshan-console`` does, until the
    window is usable (see the module's docstring); the rows and (core, notifier, window)."""
    from PySide6.QtCore import QTimer

    from widgets.bridge import PictureNotifier
    from console.runtime import ConsoleConfig, ConsoleCore
    from widgets.alert_queue import AlertQueueModel
    from widgets.shell.main_window import MainWindow

    rows: list[Row] = []
    stalls: list[float] = []
    last = [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        stalls.append(now - last[0])
        last[0] = now

    beat = QTimer()
    beat.setInterval(10)
    beat.timeout.connect(tick)
    beat.start()

    js_box: dict[str, Any] = {}

    def ask_js(panel: Any) -> None:
        def got(value: Any) -> None:
            js_box["counts"] = json.loads(value) if value else None
            js_box["pending"] = False

        if not js_box.get("pending"):
            js_box["pending"] = True
            panel.view.page().runJavaScript("JSON.stringify([consoleMap.deviceCount(), consoleMap.cameraCount()])", 0,
                                            got)

    core = ConsoleCore(ConsoleConfig(backend_url=url, cache_dir=cache, fetch_catalogues=True))
    t0 = time.perf_counter()
    await core.start()
    started = time.perf_counter() - t0
    restored = len(core.picture.devices)
    notifier = PictureNotifier(core.picture)
    window = MainWindow(core, notifier)
    window.resize(1920, 1080)
    window.show()
    shown = time.perf_counter() - t0
    marks: dict[str, float] = {}
    page_ready: list[float] = []
    window.map_panel.page_ready.connect(lambda: page_ready.append(time.perf_counter() - t0))
    expected_rows: int | None = None
    picture = core.picture
    while True:
        now = time.perf_counter() - t0
        if now > 300:
            raise SystemExit(f"not usable after 300 s: {marks}, js {js_box.get('counts')}, page {page_ready}, "
                             f"{window.map_panel.console_messages()[-5:]}")
        if "store" not in marks and len(picture.devices) >= n_devices and len(picture.cameras) >= n_cameras:
            marks["store"] = now
        if page_ready:
            ask_js(window.map_panel)
        counts = js_box.get("counts") or [0, 0]
        if "map" not in marks and counts[0] >= n_devices and counts[1] >= n_cameras:
            marks["map"] = now
        if "store" in marks and expected_rows is None:
            expected_rows = AlertQueueModel(picture.alerts).rowCount()
        if "queue" not in marks and expected_rows and window.alert_queue.model.rowCount() == expected_rows:
            marks["queue"] = now
        if "directory" not in marks and "store" in marks and len(window.camera_directory.camera_ids()) == n_cameras:
            marks["directory"] = now
        if len(marks) == 4:
            break
        await asyncio.sleep(0.01)
    usable = max(marks.values())
    live = await core.wait_live(60)
    await asyncio.sleep(2)  # a stall right after "usable" counts too
    beat.stop()
    rows.append((f"{label}: window shown", f"{shown:.2f} s after ConsoleCore.start() (which took {started:.2f} s, "
                 f"{restored:,} devices restored, {core.restored:,} journal rows replayed)"))
    rows.append((f"{label}: every device and camera in the store", f"{marks['store']:.2f} s"))
    rows.append((f"{label}: map page ready", f"{page_ready[0]:.2f} s"))
    rows.append((f"{label}: map device + camera layers loaded", f"{marks['map']:.2f} s "
                 f"({marks['map'] - max(page_ready[0], marks['store']):.2f} s after page and store)"))
    rows.append((f"{label}: alert queue populated", f"{marks['queue']:.2f} s"))
    rows.append((f"{label}: camera directory lists every camera", f"{marks['directory']:.2f} s"))
    rows.append((f"{label} → USABLE window (all of the above)", f"{usable:.2f} s; longest GUI stall "
                 f"{max(stalls) * 1000:.0f} ms (start to 2 s after usable)" + ("" if live else "; stream NOT live")))
    return rows, (core, notifier, window)


async def window_section(url: str, n_devices: int, n_cameras: int, queries: int, tmp: Path,
                         screenshot: Path | None = None) -> list[Row]:
    from console.shutdown import stop_core

    cache = tmp / "cache"
    rows, (core, notifier, window) = await start_console(url, cache, n_devices, n_cameras, "first start (empty cache)")
    picture = core.picture

    # The device layer switched on: clustered and drawn.
    panel = window.map_panel
    box: list[Any] = []
    t1 = time.perf_counter()
    panel.set_devices_visible(True)
    while True:
        box.clear()
        panel.view.page().runJavaScript("consoleMap.devicesSettled ? consoleMap.devicesSettled() : "
                                        "consoleMap.devicesVisible()", 0, box.append)
        while not box:
            await asyncio.sleep(0.01)
        if box[0]:
            break
        if time.perf_counter() - t1 > 120:
            raise SystemExit("device layer not drawn after 120 s")
        await asyncio.sleep(0.02)
    rows.append((f"map: device layer switched on → {n_devices:,} clustered and drawn", f"{time.perf_counter() - t1:.2f} s"))
    if screenshot is not None:
        await asyncio.sleep(4)  # base tiles from the feed
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        window.grab().save(str(screenshot), "PNG")
        rows.append(("screenshot (device layer on)", str(screenshot)))
    panel.set_devices_visible(False)
    await asyncio.sleep(0.5)

    cams = list(picture.cameras.values())
    rows += await directory_section(window.camera_directory, cams, queries)
    rows += lookup_section(picture, core.layers, queries)

    window.close()
    notifier.stop()
    await stop_core(core)
    # The page (Chromium) goes too, so that it does not share the CPU with the restart.
    window.deleteLater()
    await asyncio.sleep(1.0)
    return rows


async def restart_section(url: str, cache: Path, n_devices: int, n_cameras: int) -> list[Row]:
    from console.shutdown import stop_core

    rows, (core, notifier, window) = await start_console(url, cache, n_devices, n_cameras,
                                                         "restart (cache holds the district)")
    window.close()
    notifier.stop()
    await stop_core(core)
    return rows


def run_restart(url: str, n_devices: int, n_cameras: int, tmp: Path) -> list[Row]:
    """The console started again on the first start's cache, in a process of its own (as an
    operator's restart is: no heap left over from the first one)."""
    import subprocess

    out = subprocess.run([sys.executable, __file__, "--restart-of", url, str(tmp / "cache"),
                          "--devices", str(n_devices), "--cameras", str(n_cameras)],
                         capture_output=True, text=True, timeout=600)
    if out.returncode != 0:
        raise SystemExit(f"restart failed: {out.stderr[-2000:]}")
    return [tuple(r) for r in json.loads(out.stdout.strip().splitlines()[-1])]  # type: ignore[misc]


def run_window(url: str, n_devices: int, n_cameras: int, queries: int, tmp: Path,
               screenshot: Path | None = None, restart_of: Path | None = None) -> list[Row]:
    from PySide6 import QtWebEngineWidgets  # noqa: F401  (before QApplication)
    from PySide6.QtWidgets import QApplication
    import qasync

    from widgets.map.tile_scheme import register_tile_scheme

    register_tile_scheme()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        if restart_of is not None:
            return loop.run_until_complete(restart_section(url, restart_of, n_devices, n_cameras))
        return loop.run_until_complete(window_section(url, n_devices, n_cameras, queries, tmp, screenshot))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--devices", type=int, default=100_000)
    ap.add_argument("--cameras", type=int, default=10_000)
    ap.add_argument("--queries", type=int, default=200, help="directory queries and alert locations")
    ap.add_argument("--gateway", action="store_true", help="also a gateway on one nats-server")
    ap.add_argument("--no-window", action="store_true", help="snapshot and lookups only")
    ap.add_argument("--screenshot", type=Path, default=None, metavar="PNG",
                    help="save the main window with the device layer on")
    ap.add_argument("--restart-of", nargs=2, metavar=("URL", "CACHE"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.restart_of:  # the restart measurement's own process: rows as JSON on the last line
        url, cache = args.restart_of
        got = run_window(url, args.devices, args.cameras, 0, Path(cache), restart_of=Path(cache))
        print(json.dumps(got, ensure_ascii=False))
        return 0
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp_s:
        tmp = Path(tmp_s)
        t0 = time.perf_counter()
        feed = FeedProcess(seed=3, alerts_per_s=0.2, readings_per_s=10, data_dir=tmp / "feed",
                           extra_args=["--devices", str(args.devices), "--cameras", str(args.cameras)],
                           startup_timeout_s=600)
        with feed:
            rows.append((f"feed: {args.devices:,} devices, {args.cameras:,} cameras → READY",
                         f"{time.perf_counter() - t0:.1f} s"))
            more, snap = measure_snapshot(feed.url, "feed")
            rows += more
            if args.no_window:
                from console.stores import OperatingPicture

                picture = OperatingPicture()
                picture.load_snapshot(snap)
                from simulator.geo import layers

                rows += lookup_section(picture, {k: v for k, (_i, v) in layers().items()}, args.queries)
            else:
                del snap
                gc.collect()
                rows += run_window(feed.url, args.devices, args.cameras, args.queries, tmp, args.screenshot)
                rows += run_restart(feed.url, args.devices, args.cameras, tmp)
        if args.gateway:
            rows += gateway_section(args.devices, args.cameras)
    width = max(len(r[0]) for r in rows)
    print(f"{'measure'.ljust(width)}  result")
    print(f"{'-' * width}  {'-' * 50}")
    for name, value in rows:
        print(f"{name.ljust(width)}  {value}")
    print(f"(offscreen, software rendering; {os.cpu_count()} cores; {args.devices:,} devices, "
          f"{args.cameras:,} cameras)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

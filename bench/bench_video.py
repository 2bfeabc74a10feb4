"""Video wall benchmark: per-tile frame rate, CPU and memory for N tiles, one enlarged
main stream, alert → linked frames, and QtMultimedia vs PyAV decoding.

Starts its own district feed (a subprocess on loopback), builds a
:class:`widgets.video_wall.VideoWall` in the N-tile layout shown offscreen at
1920×1080 (decoding *and* painting, as on a real wall), plays the feed's cameras
(reused round-robin when N exceeds the feed's cameras) and prints one row per case::

    .venv/bin/python bench/bench_video.py                      # 16, 36, 64 tiles, enlarged, alert
    .venv/bin/python bench/bench_video.py --tiles 64 --policy sub   # 64 sub-streams: the collapse
    .venv/bin/python bench/bench_video.py --pyav 16 36         # PyAV decode of N sub-streams

``--policy auto`` is the wall's own choice (on the 64-tile wall the unfocused tiles play
the third 320×180 12.5 fps stream, the focused tile the sub-stream); ``--policy sub``
forces sub-streams on every tile.  ``--default-pool`` leaves Qt's global thread pool
at one thread per core (QtMultimedia opens streams there; the wall widens it), to show
what the wall did before.  "focused" is tile 0, selected as an
operator would by clicking it.  CPU % is this process's CPU time over wall time
(200 % = both cores of a 2-core machine); the feed's own CPU is shown separately
since it shares the machine.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402

from console.models import Snapshot  # noqa: E402

os.environ.setdefault("PINGSHAN_SIM_CONTROLS", "1")  # a bench drives the feed like a test: test controls and seat

CST = timezone(timedelta(hours=8))


def _rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _cpu_seconds_of(pid: int | None) -> float | None:
    """utime + stime of another process from /proc (Linux), in seconds."""
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def _feed_pid(feed: Any) -> int | None:
    for name in ("pid", "process", "_process", "proc", "_proc", "popen", "_popen"):
        value = getattr(feed, name, None)
        if isinstance(value, int):
            return value
        if value is not None and isinstance(getattr(value, "pid", None), int):
            return value.pid
    return None


def _snapshot(base_url: str) -> Snapshot:
    response = httpx.get(f"{base_url}/api/v1/snapshot", timeout=60)
    response.raise_for_status()
    return Snapshot.model_validate_json(response.content)


# ---------------------------------------------------------------------- Qt wall


class _Wall:
    """A wall on a real OperatingPicture loaded from the feed's snapshot."""

    def __init__(self, snapshot: Snapshot, layout: str, linkage: Any = None) -> None:
        from PySide6.QtCore import QObject, Signal

        from console.stores import OperatingPicture
        from console.video_wall_model import LinkageRule
        from widgets.video_wall import VideoWall

        class Notifier(QObject):
            cameras_changed = Signal(object)
            alerts_changed = Signal(object)

        self.picture = OperatingPicture()
        self.picture.load_snapshot(snapshot)
        self.picture.drain_changes()
        self.notifier = Notifier()
        core = type("Core", (), {"picture": self.picture, "layers": {}, "commands": None, "preferences": None})()
        self.wall = VideoWall(core, self.notifier, layout=layout,
                              linkage=linkage or LinkageRule(enabled=False), toolbar=False)
        self.wall.resize(1920, 1080)
        self.wall.show()


def _spin(seconds: float) -> None:
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


def _measure(tiles: list[Any], seconds: float) -> tuple[list[float], list[float]]:
    """Mean fps per tile over ``seconds`` and the worst one-second rate per tile."""
    start = [t.frames_received for t in tiles]
    t0 = time.monotonic()
    worst = [float("inf")] * len(tiles)
    while time.monotonic() - t0 < seconds:
        before = [t.frames_received for t in tiles]
        s0 = time.monotonic()
        _spin(1.0)
        dt = time.monotonic() - s0
        for k, t in enumerate(tiles):
            worst[k] = min(worst[k], (t.frames_received - before[k]) / dt)
    wall_s = time.monotonic() - t0
    return [(t.frames_received - f0) / wall_s for t, f0 in zip(tiles, start)], worst


def run_tiles(snapshot: Snapshot, tiles: int, seconds: float, warmup: float, policy: str,
              feed_pid: int | None, default_pool: bool = False) -> dict[str, Any]:
    """Play ``tiles`` cameras on the wall and measure; returns one table row."""
    import widgets.video_wall.wall as vw

    saved = vw.LOW_STREAM_ABOVE
    if policy == "sub":
        vw.LOW_STREAM_ABOVE = 10 ** 6
    try:
        cameras = sorted((c for c in snapshot.cameras if c.status == "online"), key=lambda c: c.id)
        if default_pool:
            from PySide6.QtCore import QThreadPool

            pool = QThreadPool.globalInstance()
            pool.setMaxThreadCount(os.cpu_count() or 2)
            real_set = pool.setMaxThreadCount
            pool.setMaxThreadCount = lambda _n: None  # type: ignore[method-assign]
        try:
            w = _Wall(snapshot, str(tiles))
        finally:
            if default_pool:
                pool.setMaxThreadCount = real_set  # type: ignore[method-assign]
        wall = w.wall
        wall.show_cameras([cameras[i % len(cameras)].id for i in range(tiles)])
        wall._on_tile_focused(0)  # the operator selected tile 0
        playing = wall.tiles
        deadline = time.monotonic() + warmup
        while time.monotonic() < deadline and not all(t.state == "live" for t in playing):
            _spin(0.2)
        _spin(2.0)
        t0, cpu0, feed0 = time.monotonic(), time.process_time(), _cpu_seconds_of(feed_pid)
        means, worst = _measure(playing, seconds)
        wall_s = time.monotonic() - t0
        cpu = (time.process_time() - cpu0) / wall_s * 100
        feed1 = _cpu_seconds_of(feed_pid)
        others = means[1:] or means
        row = {
            "case": f"{tiles} tiles ({policy}{', 2-thread pool' if default_pool else ''})",
            "streams": ",".join(sorted({t.stream for t in playing})),
            "live": sum(1 for t in playing if t.state == "live"),
            "n": tiles,
            "focused": means[0],
            "fps_min": min(others),
            "fps_mean": sum(others) / len(others),
            "worst_1s": min(worst[1:] or worst),
            "cpu": cpu,
            "feed_cpu": None if feed0 is None or feed1 is None else (feed1 - feed0) / wall_s * 100,
            "rss": _rss_mb(),
        }
        wall.close()
        wall.deleteLater()
        _spin(1.0)
        return row
    finally:
        vw.LOW_STREAM_ABOVE = saved


def run_enlarged(snapshot: Snapshot, seconds: float, warmup: float, feed_pid: int | None) -> dict[str, Any]:
    """One tile enlarged on a 16-tile wall: the main stream (1280×720) alone."""
    w = _Wall(snapshot, "16")
    wall = w.wall
    wall.enlarge(0)
    tile = wall.tiles[0]
    deadline = time.monotonic() + warmup
    while time.monotonic() < deadline and not (tile.state == "live" and tile.frame_size.width() == 1280):
        _spin(0.2)
    _spin(2.0)
    t0, cpu0, feed0 = time.monotonic(), time.process_time(), _cpu_seconds_of(feed_pid)
    means, worst = _measure([tile], seconds)
    wall_s = time.monotonic() - t0
    feed1 = _cpu_seconds_of(feed_pid)
    row = {"case": "1 enlarged (main 1280×720)", "streams": tile.stream, "live": int(tile.state == "live"), "n": 1,
           "focused": means[0], "fps_min": means[0], "fps_mean": means[0], "worst_1s": worst[0],
           "cpu": (time.process_time() - cpu0) / wall_s * 100,
           "feed_cpu": None if feed0 is None or feed1 is None else (feed1 - feed0) / wall_s * 100, "rss": _rss_mb()}
    wall.close()
    wall.deleteLater()
    _spin(1.0)
    return row


def run_alert(snapshot: Snapshot, repeats: int, layout: str) -> list[float]:
    """Seconds from a red alert entering the picture to every linked tile showing frames.

    The alert is placed next to an online camera; the notifier drains the picture
    every 100 ms as in the console.  Tiles start on other cameras (already live).
    """
    from console.models import Alert, AlertUpsert, GeoPoint
    from widgets.bridge import PictureNotifier
    from console.stores import OperatingPicture
    from console.video_wall_model import LinkageRule
    from widgets.video_wall import VideoWall

    picture = OperatingPicture()
    picture.load_snapshot(snapshot)
    picture.drain_changes()
    notifier = PictureNotifier(picture, interval_ms=100)
    core = type("Core", (), {"picture": picture, "layers": {}, "commands": None, "preferences": None})()
    wall = VideoWall(core, notifier, layout=layout, linkage=LinkageRule(radius_m=3000, slots=(0, 1)), toolbar=False)
    wall.resize(1920, 1080)
    wall.show()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not all(t.state == "live" for t in wall.tiles):
        _spin(0.2)
    online = sorted((c for c in snapshot.cameras if c.status == "online"), key=lambda c: c.id)
    times: list[float] = []
    for k in range(repeats):
        # Pick a camera not on the wall, so that linkage must open new streams.
        shown = {t.camera_id for t in wall.tiles}
        target = next(c for c in online[::-1][k:] if c.id not in shown)
        now = datetime.now(CST)
        alert = Alert(id=f"BENCH{k:04d}", rev=1, level="red", status="new", source="iot_threshold",
                      category="waterlogging", title="基准测试红色预警",
                      location=GeoPoint(lon=target.location.lon + 0.0001, lat=target.location.lat),
                      created_at=now, updated_at=now)
        t0 = time.monotonic()
        picture.apply(AlertUpsert(v=1, id=f"b{k}", type="alert.upsert", ts=now, payload=alert))
        linked: list[Any] = []
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            _spin(0.01)
            linked = [t for t in wall.tiles if t.banner and t.camera_id is not None]
            if linked and wall.tiles[0].camera_id == target.id and all(
                    t.state == "live" and t.frames_received > 0 for t in linked):
                times.append(time.monotonic() - t0)
                break
        else:
            times.append(float("nan"))
        picture.apply(AlertUpsert(v=1, id=f"b{k}a", type="alert.upsert", ts=now,
                                  payload=alert.model_copy(update={"rev": 2, "status": "acknowledged"})))
        _spin(1.0)
    wall.close()
    wall.deleteLater()
    _spin(0.5)
    return times


# ---------------------------------------------------------------------- PyAV


def run_pyav(urls: list[str], seconds: float, size: tuple[int, int]) -> dict[str, Any]:
    """Decode N streams with PyAV, one thread each, converting every frame to RGB at tile size."""
    import av

    counts = [0] * len(urls)
    stop = threading.Event()

    def worker(k: int, url: str) -> None:
        try:
            with av.open(url, options={"fflags": "nobuffer"}, timeout=10) as container:
                stream = container.streams.video[0]
                stream.thread_type = "AUTO"
                for frame in container.decode(stream):
                    frame.reformat(width=size[0], height=size[1], format="rgb24")
                    counts[k] += 1
                    if stop.is_set():
                        return
        except Exception as exc:  # noqa: BLE001 - a bench reports, never dies
            print(f"  pyav stream {k}: {exc}", file=sys.stderr)

    threads = [threading.Thread(target=worker, args=(k, u), daemon=True) for k, u in enumerate(urls)]
    for t in threads:
        t.start()
    time.sleep(3.0)  # connect and fill
    start = list(counts)
    t0, cpu0 = time.monotonic(), time.process_time()
    time.sleep(seconds)
    wall_s = time.monotonic() - t0
    cpu = (time.process_time() - cpu0) / wall_s * 100
    rates = [(c - s) / wall_s for c, s in zip(counts, start)]
    stop.set()
    for t in threads:
        t.join(timeout=5)
    return {"case": f"PyAV {len(urls)} sub → RGB {size[0]}×{size[1]}", "n": len(urls),
            "fps_min": min(rates), "fps_mean": sum(rates) / len(rates), "cpu": cpu, "rss": _rss_mb()}


# ---------------------------------------------------------------------- main


def _print_row(row: dict[str, Any]) -> None:
    feed_cpu = "n/a" if row.get("feed_cpu") is None else f"{row['feed_cpu']:.0f}"
    print(f"{row['case']:<36} {row.get('streams', ''):<9} {row.get('live', '-'):>5} {row.get('focused', float('nan')):>8.1f} "
          f"{row['fps_min']:>8.1f} {row['fps_mean']:>9.1f} {row.get('worst_1s', float('nan')):>9.1f} "
          f"{row['cpu']:>7.0f} {feed_cpu:>9} {row['rss']:>7.0f}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--tiles", type=int, nargs="*", default=[16, 36, 64],
                        help="tile counts to measure (1, 4, 9, 16, 25, 36, 64)")
    parser.add_argument("--policy", choices=("auto", "sub"), default="auto",
                        help="auto: the wall's stream choice; sub: sub-stream on every tile")
    parser.add_argument("--default-pool", action="store_true",
                        help="leave Qt's global thread pool at one thread per core (the old wall)")
    parser.add_argument("--seconds", type=float, default=10.0, help="measurement per row")
    parser.add_argument("--warmup", type=float, default=25.0, help="max wait for all tiles live")
    parser.add_argument("--no-enlarged", action="store_true", help="skip the enlarged main-stream row")
    parser.add_argument("--alerts", type=int, default=3, help="red alerts for alert → linked frames (0: skip)")
    parser.add_argument("--pyav", type=int, nargs="*", default=[], help="also decode N sub-streams with PyAV")
    parser.add_argument("--backend", default=None, help="use a running feed at this URL instead of starting one")
    args = parser.parse_args(argv)

    feed = None
    if args.backend:
        base_url, feed_pid = args.backend.rstrip("/"), None
    else:
        from console.feed_process import FeedProcess

        data_dir = tempfile.mkdtemp(prefix="bench-video-")
        feed = FeedProcess(seed=1, alerts_per_s=0.0, readings_per_s=2, data_dir=data_dir)
        base_url = feed.start()
        feed_pid = _feed_pid(feed)
    try:
        snapshot = _snapshot(base_url)
        online = [c for c in snapshot.cameras if c.status == "online"]
        print(f"feed {base_url}: {len(online)} online cameras; {os.cpu_count()} CPUs (shared); "
              f"{args.seconds:.0f} s per row; wall 1920×1080 offscreen", flush=True)
        header = (f"{'case':<36} {'streams':<9} {'live':>5} {'focused':>8} {'fps min':>8} {'fps mean':>9} "
                  f"{'worst 1s':>9} {'CPU %':>7} {'feed CPU':>9} {'RSS MB':>7}")
        if args.tiles or not args.no_enlarged or args.alerts:
            from PySide6.QtWidgets import QApplication

            app = QApplication.instance() or QApplication([])  # noqa: F841 - keeps Qt alive
            print(header)
            print("-" * len(header))
            for n in args.tiles:
                _print_row(run_tiles(snapshot, n, args.seconds, args.warmup, args.policy, feed_pid,
                                     args.default_pool))
            if not args.no_enlarged:
                _print_row(run_enlarged(snapshot, args.seconds, args.warmup, feed_pid))
            if args.alerts:
                times = run_alert(snapshot, args.alerts, "16")
                ok = [t for t in times if t == t]
                print("red alert → linked tiles showing frames (16-tile wall, 2 linked tiles): "
                      + ", ".join(f"{t:.2f} s" for t in times)
                      + (f"; median {sorted(ok)[len(ok) // 2]:.2f} s" if ok else ""), flush=True)
        for n in args.pyav:
            urls = [online[i % len(online)].streams.sub for i in range(n)]
            row = run_pyav(urls, args.seconds, (240, 135) if n > 16 else (480, 270))
            print(f"{row['case']:<36} fps min {row['fps_min']:.1f}  mean {row['fps_mean']:.1f}  "
                  f"CPU {row['cpu']:.0f} %  RSS {row['rss']:.0f} MB", flush=True)
    finally:
        if feed is not None:
            feed.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

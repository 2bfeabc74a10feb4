"""Video wall benchmark: per-tile frame rate, CPU and memory for N tiles.

Starts its own district feed (a subprocess on loopback), builds a
:class:`widgets.video_wall.VideoWall` with a √N × √N grid shown offscreen at
1920×1080 (decoding *and* painting, as on a real wall), plays the feed's camera
sub-streams (cameras are reused round-robin when N exceeds the feed's cameras) and
prints one row per N::

    .venv/bin/python bench/bench_video.py                 # N = 4 and 16
    .venv/bin/python bench/bench_video.py --tiles 36 64 --seconds 15

CPU % is this process's CPU time over wall time (200 % = both cores of a 2-core
machine); the feed's own CPU is shown separately since it shares the machine.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402
from PySide6.QtCore import QEventLoop, QObject, QTimer, Signal  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from console.models import Snapshot  # noqa: E402
from widgets.video_wall import VideoWall  # noqa: E402


class _QuietNotifier(QObject):
    """The wall subscribes to camera changes; the bench assigns tiles itself."""

    cameras_changed = Signal(object)


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


def _spin(app: QApplication, seconds: float) -> None:
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


def _cameras(base_url: str) -> list[Any]:
    response = httpx.get(f"{base_url}/api/v1/snapshot", timeout=60)
    response.raise_for_status()
    snapshot = Snapshot.model_validate_json(response.content)
    cameras = sorted((c for c in snapshot.cameras if c.status == "online"), key=lambda c: c.id)
    if not cameras:
        raise SystemExit("the feed offers no online camera")
    return cameras


def run_one(app: QApplication, cameras: list[Any], tiles: int, seconds: float,
            warmup: float, feed_pid: int | None) -> dict[str, Any]:
    """Play ``tiles`` sub-streams and measure; returns one table row."""
    side = math.ceil(math.sqrt(tiles))
    rows = math.ceil(tiles / side)
    core = SimpleNamespace(picture=SimpleNamespace(cameras=SimpleNamespace(
        values=lambda: [], get=lambda _id: None)), layers={}, commands=None)
    wall = VideoWall(core, _QuietNotifier(), columns=side, rows=rows)
    wall.resize(1920, 1080)
    wall.show()
    playing = wall.tiles[:tiles]
    for i, tile in enumerate(playing):
        tile.assign(cameras[i % len(cameras)])
    # Warm up: connect, probe, fill buffers.
    deadline = time.monotonic() + warmup
    while time.monotonic() < deadline and not all(t.state == "live" for t in playing):
        _spin(app, 0.2)
    _spin(app, 1.0)

    start_frames = [t.frames_received for t in playing]
    t0, cpu0, feed0 = time.monotonic(), time.process_time(), _cpu_seconds_of(feed_pid)
    per_second: list[list[float]] = [[] for _ in playing]
    while time.monotonic() - t0 < seconds:
        before = [t.frames_received for t in playing]
        s0 = time.monotonic()
        _spin(app, 1.0)
        dt = time.monotonic() - s0
        for k, t in enumerate(playing):
            per_second[k].append((t.frames_received - before[k]) / dt)
    wall_s = time.monotonic() - t0
    cpu = (time.process_time() - cpu0) / wall_s * 100
    feed1 = _cpu_seconds_of(feed_pid)
    feed_cpu = (feed1 - feed0) / wall_s * 100 if feed0 is not None and feed1 is not None else None
    means = [(t.frames_received - f0) / wall_s for t, f0 in zip(playing, start_frames)]
    worst_second = min(min(s) for s in per_second)
    row = {
        "tiles": tiles,
        "fps_min": min(means),
        "fps_mean": sum(means) / len(means),
        "worst_1s": worst_second,
        "live": sum(1 for t in playing if t.state == "live"),
        "cpu": cpu,
        "feed_cpu": feed_cpu,
        "rss": _rss_mb(),
    }
    wall.close()
    wall.deleteLater()
    _spin(app, 1.0)
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiles", type=int, nargs="+", default=[4, 16],
                        help="tile counts to measure (e.g. 4 16 36 64)")
    parser.add_argument("--seconds", type=float, default=10.0, help="measurement per N")
    parser.add_argument("--warmup", type=float, default=20.0, help="max wait for all tiles live")
    parser.add_argument("--backend", default=None,
                        help="use a running feed at this URL instead of starting one")
    args = parser.parse_args(argv)

    app = QApplication.instance() or QApplication([])
    feed = None
    if args.backend:
        base_url, feed_pid = args.backend.rstrip("/"), None
    else:
        from console.feed_process import FeedProcess

        data_dir = tempfile.mkdtemp(prefix="bench-video-")
        feed = FeedProcess(seed=1, alerts_per_s=0.2, readings_per_s=5, data_dir=data_dir)
        base_url = feed.start()
        feed_pid = _feed_pid(feed)
    try:
        cameras = _cameras(base_url)
        print(f"feed {base_url}: {len(cameras)} online cameras; sub-streams; "
              f"{os.cpu_count()} CPUs; measuring {args.seconds:.0f} s per row", flush=True)
        header = (f"{'tiles':>5} {'live':>5} {'fps min':>8} {'fps mean':>9} {'worst 1s':>9} "
                  f"{'CPU %':>7} {'feed CPU %':>11} {'RSS MB':>8}")
        print(header)
        print("-" * len(header))
        for n in args.tiles:
            row = run_one(app, cameras, n, args.seconds, args.warmup, feed_pid)
            feed_cpu = "n/a" if row["feed_cpu"] is None else f"{row['feed_cpu']:.0f}"
            print(f"{row['tiles']:>5} {row['live']:>5} {row['fps_min']:>8.1f} {row['fps_mean']:>9.1f} "
                  f"{row['worst_1s']:>9.1f} {row['cpu']:>7.0f} {feed_cpu:>11} {row['rss']:>8.0f}",
                  flush=True)
    finally:
        if feed is not None:
            feed.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The real program end to end: ``python -m widgets.shell.app --demo --screenshot`` starts
the embedded feed, the core and the window, saves a PNG of each window and exits 0."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image, ImageStat

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.timeout(170)


def test_demo_screenshot(tmp_path: Path) -> None:
    shots = tmp_path / "shots"
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env.pop("PINGSHAN_CACHE_DIR", None)
    env.pop("PINGSHAN_SIM_CONTROLS", None)  # the demo as shipped: its feed has no test seat, the console logs in
    proc = subprocess.run(
        [sys.executable, "-m", "widgets.shell.app", "--demo", "--screenshot", str(shots), "--after", "8",
         "--cache", str(tmp_path / "cache")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=150,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    printed = [Path(line) for line in proc.stdout.splitlines() if line.endswith(".png")]
    assert printed, proc.stdout + proc.stderr[-2000:]
    assert shots / "main-window.png" in printed
    for path in printed:
        assert path.exists() and path.stat().st_size > 10_000, path
        with Image.open(path) as img:
            rgb = img.convert("RGB")
            assert rgb.width >= 1280 and rgb.height >= 720, rgb.size
            # Not blank: many colours and real contrast across the picture.
            colours = rgb.getcolors(maxcolors=1 << 20)
            assert colours is None or len(colours) > 200, len(colours or ())
            stddev = ImageStat.Stat(rgb).stddev
            assert max(stddev) > 12, stddev
            # Dark control-room theme: the picture is mostly dark.
            assert sum(ImageStat.Stat(rgb.convert("L")).mean) < 110
    # Nothing went uncaught, and no traceback reached the terminal.
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    log = (tmp_path / "cache" / "console.log").read_text(encoding="utf-8", errors="replace")
    assert "uncaught exception" not in log, log[-3000:]
    assert "console window shown" in log
    assert "logged in as duty (operator, district)" in log, log[-3000:]


def _processes_mentioning(text: str) -> list[int]:
    """Pids whose command line contains ``text`` (Linux /proc)."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            continue
        if text in cmdline:
            found.append(int(proc.name))
    return found


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to find the feed child")
def test_sigterm_stops_console_and_demo_feed(tmp_path: Path) -> None:
    import signal
    import time

    cache = tmp_path / "cache"
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = "offscreen"
    proc = subprocess.Popen(
        [sys.executable, "-m", "widgets.shell.app", "--demo", "--cache", str(cache)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        log = cache / "console.log"
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if log.exists() and "console window shown" in log.read_text(encoding="utf-8", errors="replace"):
                break
            assert proc.poll() is None, proc.communicate()[1][-3000:]
            time.sleep(0.2)
        else:
            pytest.fail("console window never came up")
        feed_dir = str(cache / "feed")
        assert _processes_mentioning(feed_dir), "demo feed child not running"
        time.sleep(2)  # let the stream go live
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err[-3000:]
    assert "Traceback" not in err, err[-3000:]
    assert not _processes_mentioning(feed_dir), "demo feed left running"
    text = (cache / "console.log").read_text(encoding="utf-8", errors="replace")
    assert "signal 15: stopping" in text


def test_start_failure_is_one_chinese_line_not_a_traceback(tmp_path: Path) -> None:
    # /proc refuses new folders: the cache cannot be opened, so the core cannot start.
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = "offscreen"
    proc = subprocess.run(
        [sys.executable, "-m", "widgets.shell.app", "--backend", "http://127.0.0.1:9",
         "--cache", "/proc/pingshan-console-test", "--screenshot", str(tmp_path), "--after", "1"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 1
    assert "坪山值班台未能运行" in proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]

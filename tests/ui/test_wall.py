"""Runs tests/ui/test_wall_screens.py in its own process on three simulated screens.

Qt's platform is fixed per process: the wall tests need
``QT_QPA_PLATFORM=offscreen:configfile=<three screens>``, which the rest of the suite
must not get.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCREENS = {"screens": [
    {"name": "wall-1", "x": 0, "y": 0, "width": 1920, "height": 1080, "logicalDpi": 96},
    {"name": "wall-2", "x": 1920, "y": 0, "width": 1920, "height": 1080, "logicalDpi": 96},
    {"name": "wall-3", "x": 3840, "y": 0, "width": 1920, "height": 1080, "logicalDpi": 96},
]}


def test_wall_on_three_simulated_screens(tmp_path: Path) -> None:
    config = tmp_path / "screens.json"
    config.write_text(json.dumps(SCREENS), encoding="utf-8")
    env = dict(os.environ)
    env.update({
        "QT_QPA_PLATFORM": f"offscreen:configfile={config}",
        "QTWEBENGINE_CHROMIUM_FLAGS": "--no-sandbox --disable-gpu",
        "PINGSHAN_WALL_SCREENS": "3",
        "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p),
    })
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
         str(ROOT / "tests" / "ui" / "test_wall_screens.py")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )
    tail = (proc.stdout + proc.stderr)[-6000:]
    assert proc.returncode == 0, tail
    assert " passed" in proc.stdout and "skipped" not in proc.stdout.splitlines()[-1], tail

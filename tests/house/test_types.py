"""The core's typed path holds: mypy (strict defs, pydantic plugin) over the modules named
in ``[tool.mypy] files`` of pyproject.toml — the hops of one envelope from the SSE line
to the Qt signal (docs/architecture.md), the alert query and workflow, the map features,
the video stream machine, wartime and the vocabulary."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_typed_modules_pass_mypy(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "cache")],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr

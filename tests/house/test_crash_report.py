"""``./test.sh`` names the test and phase when pytest dies of a signal.

A segfault in native code kills pytest before it can report; the crash dump lists every
thread and, in a CI log's tail, can push the test's own frame out of sight (it did once).
tests/conftest.py notes each test's phase in a file ``./test.sh`` reads after such a death.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_a_crashing_test_is_named_with_its_phase(tmp_path: Path) -> None:
    crash = tmp_path / "test_native_crash.py"
    crash.write_text("import ctypes\n\n\ndef test_reads_address_zero():\n    ctypes.string_at(0)\n",
                     encoding="utf-8")
    # The crashing file lives outside tests/: load tests/conftest.py as a plugin for it.
    run = subprocess.run(["bash", str(ROOT / "test.sh"), "-p", "tests.conftest", str(crash)], cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 139, run.stdout[-2000:] + run.stderr[-2000:]
    # The node id is relative to pytest's rootdir, which depends on where the temporary folder is.
    said = [line for line in run.stderr.splitlines() if line.startswith("pytest died of signal 11 during: ")]
    assert said and said[0].endswith("test_native_crash.py::test_reads_address_zero (call)"), run.stderr[-2000:]

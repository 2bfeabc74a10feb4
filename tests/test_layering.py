"""The layers hold: the core imports no widgets, no QtGui/QtWebEngine/QtMultimedia and
nothing of the simulator; the cache imports no Qt at all.

Every module under ``console/`` and ``offline_cache/`` is found by walking the
package folders, so modules added later are checked too.  Each check runs in a
fresh interpreter with a ``sys.meta_path`` finder that refuses the forbidden names.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CORE_FORBIDDEN = ["PySide6.QtWidgets", "PySide6.QtWebEngine", "PySide6.QtGui", "PySide6.QtMultimedia",
                  "widgets", "simulator"]
CACHE_FORBIDDEN = ["PySide6", "shiboken6", "widgets", "simulator", "console"]

_PROBE = textwrap.dedent("""
    import importlib, importlib.abc, json, sys, traceback
    sys.path.insert(0, ROOT)

    class Refuse(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            for bad in FORBIDDEN:
                # "PySide6.QtWebEngine" also refuses QtWebEngineCore, QtWebEngineWidgets, ...
                if name == bad or name.startswith(bad + ".") or (bad.count(".") and name.startswith(bad)):
                    raise ImportError(f"layering: {name} may not be imported here")
            return None

    sys.meta_path.insert(0, Refuse())
    failures = {}
    for module in MODULES:
        try:
            importlib.import_module(module)
        except BaseException as exc:
            failures[module] = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    loaded = sorted(m for m in sys.modules if any(m == b or m.startswith(b + ".") for b in FORBIDDEN))
    print(json.dumps({"failures": failures, "loaded": loaded}))
""")


def _modules(package: str) -> list[str]:
    out = []
    for path in sorted((ROOT / package).rglob("*.py")):
        rel = path.relative_to(ROOT).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if "__pycache__" in parts:
            continue
        out.append(".".join(parts))
    return out


def _probe(modules: list[str], forbidden: list[str]) -> dict[str, object]:
    script = f"ROOT = {str(ROOT)!r}\nFORBIDDEN = {forbidden!r}\nMODULES = {modules!r}\n" + _PROBE
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"}, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_module_walk_finds_the_core() -> None:
    core = _modules("console")
    assert {"console", "console.models", "console.stores", "console.ingest", "console.commands",
            "console.qt_bridge"} <= set(core)
    assert {"offline_cache.db", "offline_cache.journal", "offline_cache.outbox"} <= set(_modules("offline_cache"))


def test_core_imports_without_widgets_gui_webengine_multimedia_or_simulator() -> None:
    result = _probe(_modules("offline_cache") + _modules("console"), CORE_FORBIDDEN)
    assert result["failures"] == {}, result["failures"]
    assert result["loaded"] == []


def test_offline_cache_imports_no_qt_and_nothing_of_the_console() -> None:
    result = _probe(_modules("offline_cache"), CACHE_FORBIDDEN)
    assert result["failures"] == {}, result["failures"]
    assert result["loaded"] == []


def test_the_probe_can_fail() -> None:
    """The finder really refuses: a module that needs QtWidgets is reported."""
    result = _probe(["PySide6.QtWidgets", "json"], CORE_FORBIDDEN)
    failures = result["failures"]
    assert isinstance(failures, dict) and list(failures) == ["PySide6.QtWidgets"]
    assert "layering" in failures["PySide6.QtWidgets"]

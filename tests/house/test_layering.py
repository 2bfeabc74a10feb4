"""The layers hold, and nothing imports in a circle.

The rules (the import-linter contracts in ``pyproject.toml``, run here; they read
every import statement, also those inside functions):

- ``offline_cache`` (the disk cache) imports nothing of ours and no Qt;
- ``console`` (the core) imports only ``offline_cache`` and the rulebook
  (``district``): no Qt at all (its signals reach the views through
  ``widgets/bridge.py``; its reports are drawn to PDF by ``widgets/pdf.py``), no
  views, no gateway, no feed; drills alone use the feed's synthetic district
  (``simulator.drill_world``/``simulator.tiles``), never its HTTP server;
- ``gateway`` and ``simulator`` (the feed) import the rulebook and, of the core, only
  the wire vocabulary named in the contract (``console.models`` …); never Qt or views;
- ``widgets`` (the views) may import anything;
- the rulebook stands alone, and its rules are defined nowhere else.

Import cycles among our modules are refused too (:func:`test_no_import_cycles`, over
grimp's graph, which also reads imports inside functions).

The runtime probes import every module under ``console/``, ``offline_cache/`` and
``district/`` (found by walking the package folders, so modules added later are
checked too) in a fresh interpreter with a ``sys.meta_path`` finder that refuses the
forbidden names: what a static reading might miss (a name built at run time) fails there.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]

PACKAGES = ["console", "district", "gateway", "offline_cache", "simulator", "widgets"]
"""Our top-level packages (the import-linter root packages)."""
CORE_FORBIDDEN = ["PySide6", "shiboken6", "qasync", "widgets", "gateway", "simulator"]
CACHE_FORBIDDEN = ["PySide6", "shiboken6", "widgets", "simulator", "console"]
DRILL_FORBIDDEN = ["PySide6", "shiboken6", "qasync", "widgets", "simulator.server", "fastapi", "uvicorn"]
RULEBOOK_FORBIDDEN = ["PySide6", "shiboken6", "widgets", "simulator", "offline_cache", "fastapi", "starlette",
                      "uvicorn", "httpx"]
RULE_NAMES = {"ROLE_COMMAND_KINDS", "ROLE_PERMISSIONS", "TRANSITIONS", "_FROM", "may_command", "has_permission",
              "role_refusal", "scope_refusal", "scope_for", "street_of_target", "target_street", "allowed",
              "_alert_command", "_incident_command", "_task_command", "_camera_command", "_incident_step",
              "INCIDENT_TYPES", "_INCIDENT_TYPES", "TASK_FLOW", "_TASK_FLOW", "LEVEL_UP", "STATUS_ZH",
              "OPEN_STATUSES", "fingerprint", "command_problem"}
"""Names that hold a rule: defined in ``district/`` and nowhere else."""

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
            "console.aar_report", "console.drill.report"} <= set(core)
    assert {"offline_cache.db", "offline_cache.journal", "offline_cache.outbox"} <= set(_modules("offline_cache"))


def test_core_imports_without_qt_widgets_gateway_or_simulator() -> None:
    core = [m for m in _modules("console") if not m.startswith("console.drill")]
    result = _probe(_modules("offline_cache") + core, CORE_FORBIDDEN)
    assert result["failures"] == {}, result["failures"]
    assert result["loaded"] == []


def test_drills_import_the_synthetic_district_but_not_its_server() -> None:
    result = _probe([m for m in _modules("console") if m.startswith("console.drill")], DRILL_FORBIDDEN)
    assert result["failures"] == {}, result["failures"]
    assert result["loaded"] == []


def test_the_rulebook_imports_no_qt_http_feed_or_cache() -> None:
    result = _probe(_modules("district"), RULEBOOK_FORBIDDEN)
    assert result["failures"] == {}, result["failures"]
    assert result["loaded"] == []


def _lint_imports(*args: str) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("lint-imports")
    return subprocess.run([str(exe), "--no-cache", *args], capture_output=True, text=True, timeout=300, cwd=ROOT)


def test_import_contracts_hold() -> None:
    done = _lint_imports()
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout


def test_import_contracts_can_fail(tmp_path: Path) -> None:
    """A contract the code breaks (the rulebook uses the wire models) is reported as broken."""
    config = tmp_path / "contracts.toml"
    config.write_text(textwrap.dedent("""
        [tool.importlinter]
        root_packages = ["console", "district"]
        [[tool.importlinter.contracts]]
        name = "probe"
        type = "forbidden"
        source_modules = ["district"]
        forbidden_modules = ["console.models"]
    """), encoding="utf-8")
    done = _lint_imports("--config", str(config))
    assert done.returncode != 0 and "BROKEN" in done.stdout.upper()


_CYCLES = textwrap.dedent("""
    import json, sys
    sys.path.insert(0, ROOT)
    sys.setrecursionlimit(10000)
    import grimp

    graph = grimp.build_graph(*PACKAGES, cache_dir=None)
    edges = {m: sorted(graph.find_modules_directly_imported_by(m)) for m in sorted(graph.modules)}
    # Tarjan: every strongly connected component of more than one module is a cycle.
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                members = set(component)
                cycles.append(sorted(
                    f"{a} -> {b} (line {', '.join(str(d['line_number']) for d in graph.get_import_details(importer=a, imported=b))})"
                    for a in component for b in edges[a] if b in members))

    for module in edges:
        if module not in index:
            visit(module)
    print(json.dumps({"modules": len(edges), "cycles": cycles}))
""")


def _import_cycles(root: Path, packages: list[str]) -> dict[str, Any]:
    """Grimp's graph of ``packages`` (imports inside functions included) and its cycles."""
    script = f"ROOT = {str(root)!r}\nPACKAGES = {packages!r}\n" + _CYCLES
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, cwd=root)
    assert done.returncode == 0, done.stderr[-2000:]
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_no_import_cycles() -> None:
    """No module of ours imports itself back through others, not even from inside a function:
    each layer reads from the bottom up (a shared piece goes into a module both import)."""
    result = _import_cycles(ROOT, PACKAGES)
    assert result["modules"] > 100  # the whole tree was read (134 modules when written)
    assert result["cycles"] == [], "\n".join(" | ".join(c) for c in result["cycles"])


def test_the_cycle_check_can_fail(tmp_path: Path) -> None:
    """A cycle hidden in a function-level import (a -> b at load, b -> a when called) is found."""
    pkg = tmp_path / "loopy"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("", encoding="utf-8")
    (pkg / "a.py").write_text("from loopy import b\n", encoding="utf-8")
    (pkg / "b.py").write_text("def f():\n    from loopy import a\n    return a\n", encoding="utf-8")
    (pkg / "c.py").write_text("from loopy import a\n", encoding="utf-8")
    result = _import_cycles(tmp_path, ["loopy"])
    assert result["cycles"] == [["loopy.a -> loopy.b (line 1)", "loopy.b -> loopy.a (line 2)"]]


def _defined_names(path: Path) -> set[str]:
    import ast

    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    # Module-level names and methods: a local variable that happens to be called
    # ``allowed`` is no rule.
    nodes = list(tree.body) + [n for c in tree.body if isinstance(c, ast.ClassDef) for n in c.body]
    for node in nodes:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(t.id for t in targets if isinstance(t, ast.Name))
    return names


def test_rules_are_defined_in_the_rulebook_only() -> None:
    """No second copy: a rule's name is defined under district/ and in no other package."""
    elsewhere = {}
    for package in ("console", "simulator", "widgets", "offline_cache"):
        for path in sorted((ROOT / package).rglob("*.py")):
            clash = _defined_names(path) & RULE_NAMES
            if clash:
                elsewhere[str(path.relative_to(ROOT))] = sorted(clash)
    assert elsewhere == {}, elsewhere
    assert RULE_NAMES & set().union(*(_defined_names(p) for p in (ROOT / "district").rglob("*.py")))


def test_nothing_reaches_a_module_by_name_to_dodge_the_contracts() -> None:
    for package in ("console", "district", "widgets"):
        for path in sorted((ROOT / package).rglob("*.py")):
            text = path.read_text(encoding="utf-8")
            assert 'import_module("simulator' not in text and "import_module('simulator" not in text, path


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

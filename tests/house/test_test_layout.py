"""The tests' own layout: test files sit in a layer's folder and import no other test file
(shared helpers are in tests/support/, shared fixtures in conftest.py files)."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def _test_files() -> list[Path]:
    return sorted(TESTS.rglob("test_*.py"))


def _imported_modules(path: Path) -> list[str]:
    """Every module a file imports, function-level imports included."""
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
            # ``from tests.ui import test_x`` names the test module in the alias
            names.extend(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_no_test_file_imports_another_test_file() -> None:
    offenders = [f"{path.relative_to(TESTS)}: {name}"
                 for path in _test_files() + sorted(TESTS.rglob("conftest.py")) + sorted((TESTS / "support").rglob("*.py"))
                 + sorted((TESTS.parent / "bench").glob("*.py"))  # a bench shares scenarios through tests/support/
                 for name in _imported_modules(path)
                 if any(part.startswith("test_") for part in name.split("."))]
    assert not offenders, "import the helper from tests/support/ instead:\n" + "\n".join(offenders)


def test_test_files_sit_in_a_layer_folder() -> None:
    loose = [p.name for p in TESTS.glob("test_*.py")]
    assert not loose, f"put these in a layer's folder (tests/conftest.py says which): {loose}"
    assert not list((TESTS / "support").rglob("test_*.py")), "tests/support/ holds helpers, not tests"


def test_test_file_names_are_unique() -> None:
    # pytest imports test files by their base name (no __init__.py): two of one name collide.
    names = [p.name for p in _test_files()]
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)

"""No room too big: a module of ours over 600 lines says why at its top.

Every ``.py`` under ``console/``, ``district/``, ``gateway/``, ``offline_cache/``,
``simulator/`` and ``widgets/`` longer than :data:`MAX_LINES` lines must carry, in its module
docstring, a paragraph beginning ``Why this module is long:`` (one cohesive parser, say).
Otherwise it is split by responsibility, into a package whose ``__init__`` names the
public surface or into sibling modules. ``bench/`` and ``tests/`` are not checked.
"""

from __future__ import annotations

import ast
from pathlib import Path


ROOT = Path(__file__).resolve().parents[2]

PACKAGES = ("console", "district", "gateway", "offline_cache", "simulator", "widgets")
"""The packages whose modules are measured."""
MAX_LINES = 600
REASON = "Why this module is long:"


def long_modules_without_reason(root: Path, packages: tuple[str, ...] = PACKAGES) -> dict[str, int]:
    """``{path relative to root: line count}`` of each module over :data:`MAX_LINES` lines whose
    module docstring has no paragraph beginning :data:`REASON`."""
    offenders: dict[str, int] = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            text = path.read_text(encoding="utf-8")
            lines = len(text.splitlines())
            if lines <= MAX_LINES:
                continue
            doc = ast.get_docstring(ast.parse(text, filename=str(path)), clean=True) or ""
            if not any(paragraph.lstrip().startswith(REASON) for paragraph in doc.split("\n\n")):
                offenders[path.relative_to(root).as_posix()] = lines
    return offenders


def test_every_long_module_says_why() -> None:
    offenders = long_modules_without_reason(ROOT)
    report = "\n".join(f"{path}: {lines} lines" for path, lines in sorted(offenders.items(), key=lambda o: -o[1]))
    assert offenders == {}, (f"over {MAX_LINES} lines without a '{REASON}' paragraph in the module "
                             f"docstring (split it by responsibility, or say why):\n{report}")


def test_the_size_check_can_fail(tmp_path: Path) -> None:
    """A long module is reported with its line count; the reason paragraph (not a mention of
    it in passing, not a comment) lets it stay; a short one is never reported."""
    pkg = tmp_path / "console"
    pkg.mkdir()
    body = "x = 1\n" * MAX_LINES
    (pkg / "short.py").write_text('"""Short."""\n' + "x = 1\n" * (MAX_LINES - 1), encoding="utf-8")
    (pkg / "long.py").write_text('"""Long."""\n' + body, encoding="utf-8")
    (pkg / "passing.py").write_text(f'"""Long.\n\nNot a reason: {REASON} only mentioned.\n"""\n# {REASON} a comment\n'
                                    + body, encoding="utf-8")
    (pkg / "reasoned.py").write_text(f'"""Long.\n\n{REASON} one cohesive parser.\n"""\n' + body, encoding="utf-8")
    assert long_modules_without_reason(tmp_path, ("console",)) == {
        "console/long.py": MAX_LINES + 1, "console/passing.py": MAX_LINES + 5}

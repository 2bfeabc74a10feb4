"""The docs hold together: every relative Markdown link resolves (file, and heading anchor
when it names one), every screenshot a doc names exists, the README stays an entry point
(at most 200 lines), and ``pingshan-console --help`` lists every subcommand the entry
point dispatches.

No Qt in this process: the help is printed by the real entry point (read from
``pyproject.toml``'s ``[project.scripts]``) in a subprocess.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest


def _repo_root() -> Path:
    here = Path(__file__).resolve().parent
    for folder in (here, *here.parents):
        if (folder / "pyproject.toml").is_file() and (folder / "README.md").is_file():
            return folder
    raise RuntimeError("no repository root above the tests")


ROOT = _repo_root()
README_MAX_LINES = 200

_LINK = re.compile(r"(?<!\\)\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_SCREENSHOT = re.compile(r"docs/screenshots/[\w.-]+\.png")
_FENCE = re.compile(r"^\s*(```|~~~)")


def _markdown_files() -> list[Path]:
    """README.md and every Markdown file under docs/ (the guides), in the repository."""
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def _prose(path: Path) -> str:
    """The file without fenced code blocks (a ``[x](y)`` in a code sample is not a link)."""
    kept: list[str] = []
    fence: str | None = None
    for line in path.read_text(encoding="utf-8").splitlines():
        m = _FENCE.match(line)
        if m:
            fence = None if fence == m.group(1) else (fence or m.group(1))
            continue
        if fence is None:
            kept.append(line)
    return "\n".join(kept)


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces → hyphens."""
    text = re.sub(r"`|\*\*|\[|\]\([^)]*\)", "", heading).strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    seen: dict[str, int] = {}
    out: set[str] = set()
    for line in _prose(path).splitlines():
        m = re.match(r"#{1,6}\s+(.*?)\s*#*\s*$", line)
        if not m:
            continue
        slug = _slug(m.group(1))
        n = seen.get(slug, 0)
        seen[slug] = n + 1
        out.add(slug if n == 0 else f"{slug}-{n}")
    return out


def _relative_links(path: Path) -> list[str]:
    links = []
    for target in _LINK.findall(re.sub(r"`[^`\n]*`", "", _prose(path))):
        if re.match(r"[a-z][a-z0-9+.-]*:", target, re.I) or target.startswith("//"):
            continue  # http:, https:, mailto: …
        links.append(target)
    return links


def test_the_docs_are_found() -> None:
    names = {p.relative_to(ROOT).as_posix() for p in _markdown_files()}
    assert {"README.md", "docs/architecture.md", "docs/deploy.md", "docs/testing.md",
            "docs/performance.md"} <= names
    assert any(n.startswith("docs/operator/") for n in names)


@pytest.mark.parametrize("doc", _markdown_files(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_relative_link_resolves(doc: Path) -> None:
    broken = []
    for target in _relative_links(doc):
        file_part, _, anchor = target.partition("#")
        dest = (doc.parent / file_part).resolve() if file_part else doc
        if not dest.exists():
            broken.append(f"{target}: no such file")
            continue
        try:
            dest.relative_to(ROOT)
        except ValueError:
            broken.append(f"{target}: outside the repository")
            continue
        if anchor and dest.suffix == ".md" and anchor not in _anchors(dest):
            broken.append(f"{target}: no heading with anchor #{anchor} in {dest.relative_to(ROOT).as_posix()}")
    assert not broken, f"{doc.relative_to(ROOT)}: " + "; ".join(broken)


def test_every_named_screenshot_exists() -> None:
    missing = sorted({f"{doc.relative_to(ROOT)}: {name}"
                      for doc in _markdown_files()
                      for name in _SCREENSHOT.findall(doc.read_text(encoding="utf-8"))
                      if not (ROOT / name).is_file()})
    assert not missing


def test_no_doc_points_at_files_the_repo_does_not_have() -> None:
    """``PITFALLS.md``/``ARCHITECTURE.md`` (upper case) were never in the repository."""
    stale = re.compile(r"(?<![\w/])(PITFALLS|ARCHITECTURE|OPERATOR|DRILLS|DEPLOYMENT|TESTING)\.md")
    hits = []
    for folder in ("console", "offline_cache", "district", "widgets", "simulator", "gateway", "tests", "bench",
                   "docs", "packaging", "scripts"):
        for path in sorted((ROOT / folder).rglob("*")):
            if path.suffix in {".py", ".md", ".sh", ".toml"} and path.is_file() and path != Path(__file__).resolve():
                for n, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
                    if stale.search(line):
                        hits.append(f"{path.relative_to(ROOT)}:{n}")
    hits += [f"README.md:{n}" for n, line in enumerate((ROOT / "README.md").read_text(encoding="utf-8").splitlines(), 1)
             if stale.search(line)]
    assert not hits


def test_readme_is_an_entry_point() -> None:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_MAX_LINES, f"README.md has {len(lines)} lines (at most {README_MAX_LINES})"
    text = "\n".join(lines)
    assert "./run.sh" in text and "./test.sh" in text  # the quick start's two commands


def _entry_point() -> tuple[str, str]:
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    module, _, func = scripts["pingshan-console"].partition(":")
    return module, func


def test_help_lists_every_subcommand() -> None:
    from console import cli

    module, func = _entry_point()
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    code = f"import sys; from {module} import {func} as main; sys.exit(main(['--help']))"
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    listed = {m.group(1) for m in re.finditer(r"^\s{2}([a-z][a-z-]+)\s{2,}\S", proc.stdout, re.M)}
    assert set(cli.HEADLESS_COMMANDS) <= listed, proc.stdout
    assert set(cli.SUBCOMMAND_HELP) == set(cli.HEADLESS_COMMANDS)
    for name, text in cli.SUBCOMMAND_HELP.items():
        assert "·" in text and re.search(r"[\u4e00-\u9fff]", text) and re.search(r"[A-Za-z]{3}", text), (
            f"{name}: one line, Chinese · English")
    # The subcommands the entry point dispatches are the ones listed: each one runs as a
    # subcommand (its own --help), not as a GUI option.
    for name in sorted(cli.HEADLESS_COMMANDS):
        sub = subprocess.run([sys.executable, "-c", code.replace("['--help']", f"[{name!r}, '--help']")],
                             cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)
        assert sub.returncode == 0 and "--backend URL" not in sub.stdout, (name, sub.stdout[-500:], sub.stderr[-500:])

"""Fill the English catalogue from translation files written next to new UI code.

Engineers who add UI strings put their English in resources/i18n/pending/*.json as
{"<context>": {"<中文 source>": "<English>"}}. This script refreshes the .ts from the
views (pyside6-lupdate), fills every unfinished message that a pending file translates,
compiles the .qm and reports what is still untranslated. Pending files that were fully
used are removed; run from the repository root:

    .venv/bin/python scripts/merge_translations.py
"""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
TS = ROOT / "resources" / "i18n" / "pingshan_en.ts"
QM = ROOT / "resources" / "i18n" / "pingshan_en.qm"
PENDING = ROOT / "resources" / "i18n" / "pending"

CONTEXT_RE = re.compile(r"<context>\s*<name>(?P<name>.*?)</name>(?P<body>.*?)</context>", re.S)
UNFINISHED_RE = re.compile(
    r"(?P<head><message>\s*<source>(?P<source>[^<]*)</source>\s*)"
    r"<translation type=\"unfinished\">(?P<old>.*?)</translation>", re.S)


def load_pending() -> dict[tuple[str, str], str]:
    table: dict[tuple[str, str], str] = {}
    for path in sorted(PENDING.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        for context, messages in data.items():
            for source, english in messages.items():
                table[(context, source)] = english
    return table


def fill(text: str, table: dict[tuple[str, str], str]) -> tuple[str, set[tuple[str, str]], list[str]]:
    used: set[tuple[str, str]] = set()
    missing: list[str] = []

    def one_context(m: re.Match[str]) -> str:
        name = m.group("name")

        def one_message(mm: re.Match[str]) -> str:
            source = html.unescape(mm.group("source"))
            english = table.get((name, source))
            if english is None:
                missing.append(f"{name}: {source}")
                return mm.group(0)
            used.add((name, source))
            return f"{mm.group('head')}<translation>{html.escape(english, quote=False)}</translation>"

        body = UNFINISHED_RE.sub(one_message, m.group("body"))
        return f"<context>\n    <name>{name}</name>{body}</context>"

    return CONTEXT_RE.sub(one_context, text), used, missing


def main() -> int:
    sources = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "widgets").rglob("*.py"))
    sources.append("console/texts.py")  # the core's codes (ConsoleText), as build_translations.sh
    subprocess.run([str(BIN / "pyside6-lupdate"), *sources, "-source-language", "zh_CN",
                    "-target-language", "en", "-locations", "none", "-no-obsolete", "-ts", str(TS)],
                   cwd=ROOT, check=True, capture_output=True)
    table = load_pending()
    text, used, missing = fill(TS.read_text(encoding="utf-8"), table)
    TS.write_text(text, encoding="utf-8")
    subprocess.run([str(BIN / "pyside6-lrelease"), str(TS), "-qm", str(QM)], check=True, capture_output=True)
    print(f"filled {len(used)} of {len(table)} pending translations")
    for line in missing:
        print(f"untranslated: {line}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())

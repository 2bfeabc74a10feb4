"""The reports folder: where the console writes what an operator hands on or files.

Every report the console writes by itself — the after-action report (总结报告, HTML and
PDF), the shift handover (值班交接), the queue export when no other place is chosen —
goes to one folder, ``<cache>/reports``, under a name that says what and when
(``值班交接-20261129-0800.md``) and is never reused: a second report of the same minute
gets ``-2``, so nothing is ever overwritten. The folder's newest files are the
"recent reports" of the 文件 menu; nothing else needs to remember them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path

from district.vocabulary import DISTRICT_TZ

REPORT_SUFFIXES = (".html", ".pdf", ".md", ".csv")
"""The kinds of file the folder lists as reports."""


class ReportFolder:
    """``<cache>/reports``: unique names for new reports, and the newest ones."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)

    def ensure(self) -> Path:
        """The folder, created when missing."""
        self.folder.mkdir(parents=True, exist_ok=True)
        return self.folder

    def unique_stem(self, name: str, suffixes: Sequence[str], now: datetime | None = None) -> Path:
        """``folder/<name>-<YYYYmmdd-HHMM>[-n]`` (no suffix) such that no file with any
        of ``suffixes`` exists under it: the caller adds each suffix (HTML and PDF of one
        report share a stem)."""
        stamp = (now or datetime.now(timezone.utc)).astimezone(DISTRICT_TZ).strftime("%Y%m%d-%H%M")
        folder = self.ensure()
        base = f"{_safe(name)}-{stamp}"
        n = 1
        while True:
            stem = base if n == 1 else f"{base}-{n}"
            if not any((folder / f"{stem}{s}").exists() for s in suffixes):
                return folder / stem
            n += 1

    def unique_path(self, name: str, suffix: str, now: datetime | None = None) -> Path:
        """A new file name ``folder/<name>-<time>[-n]<suffix>`` that no file has yet."""
        stem = self.unique_stem(name, (suffix,), now)
        return stem.with_name(stem.name + suffix)

    def has(self, path: str | Path) -> bool:
        """Whether ``path`` is a report file that exists (what 打开报告 may open)."""
        return Path(path).is_file()

    def recent(self, limit: int = 10) -> list[Path]:
        """The newest reports in the folder, newest first."""
        if not self.folder.is_dir():
            return []
        files = [p for p in self.folder.iterdir() if p.is_file() and p.suffix.lower() in REPORT_SUFFIXES]
        files.sort(key=lambda p: (p.stat().st_mtime, p.name), reverse=True)
        return files[:limit]


def _safe(name: str) -> str:
    """A name usable as a file name on every desktop (no separators or reserved marks)."""
    bad = '/\\:*?"<>|\x00'
    return "".join("_" if c in bad else c for c in name).strip() or "报告"

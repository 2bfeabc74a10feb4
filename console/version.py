"""The console's version and the third-party notices shipped with it.

One source for the version: ``[project] version`` in ``pyproject.toml``.  From a source
checkout that file is read directly (so a bumped version shows without reinstalling);
installed or frozen, the package metadata built from it answers (the PyInstaller spec
copies the ``pingshan-console`` metadata into the bundle).

The notices (``THIRD-PARTY-NOTICES.txt``, written by ``packaging/licenses.py`` into the
bundle's top folder) are read here for the About box: views never touch the disk.
"""

from __future__ import annotations

import sys
import tomllib
from importlib import metadata
from pathlib import Path

DIST_NAME = "pingshan-console"
ROOT = Path(__file__).resolve().parent.parent
NOTICES_FILE = "THIRD-PARTY-NOTICES.txt"
UNKNOWN = "0+unknown"


def version() -> str:
    """``0.1.0``: pyproject.toml in a source checkout, else the installed package's metadata."""
    pyproject = ROOT / "pyproject.toml"
    if pyproject.is_file():
        try:
            with open(pyproject, "rb") as fh:
                project = tomllib.load(fh).get("project", {})
            if project.get("name") == DIST_NAME and project.get("version"):
                return str(project["version"])
        except (OSError, tomllib.TOMLDecodeError):
            pass
    try:
        return metadata.version(DIST_NAME)
    except metadata.PackageNotFoundError:
        return UNKNOWN


def version_line(program: str = "pingshan-console") -> str:
    """What ``--version`` prints: ``pingshan-console 0.1.0``."""
    return f"{program} {version()}"


def notices_path() -> Path | None:
    """The bundle's third-party notices, if this is an installed bundle (None from source)."""
    base = ROOT.parent if getattr(sys, "frozen", False) else ROOT  # frozen: ROOT is the bundle's _internal
    path = base / NOTICES_FILE
    return path if path.is_file() else None


def notices_text(limit: int = 400_000) -> str | None:
    """The notices as text (at most ``limit`` characters), None when there are none."""
    path = notices_path()
    if path is None:
        return None
    try:
        return path.read_text(encoding="utf-8", errors="replace")[:limit]
    except OSError:
        return None


def demo_video_available() -> bool:
    """Whether the embedded demo feed can encode camera video here: PyAV is installed (a
    source checkout) or not (the console's bundle leaves it out: its FFmpeg carries GPL codecs)."""
    from importlib.util import find_spec

    try:
        return find_spec("av") is not None
    except (ImportError, ValueError):
        return False

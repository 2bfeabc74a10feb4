"""The .deb's ``Depends``, computed from what the bundle links (issue 19).

Every ELF file of the bundle goes through ``dpkg-shlibdeps`` (the bundle's own library folders
as private, ``-l``), which maps each library to the Debian package (and minimum version, from
its symbols file) that provides it; the packages of libraries the bundle carries itself are then
taken out (a package stays only when it installs a library a bundled file needs and the bundle
lacks).
``libc6`` is then raised to the newest ``GLIBC_x.y`` symbol version any bundled file needs
(libraries copied from the build machine may need more than the symbols dpkg knows of).

    python packaging/debian_depends.py dist/pingshan-console   # prints the Depends line

Standard library only; needs ``dpkg-shlibdeps`` (package dpkg-dev) and ``objdump`` (binutils).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ELF_MAGIC = b"\x7fELF"


def elf_files(bundle: Path) -> list[Path]:
    files = []
    for path in sorted(bundle.rglob("*")):
        if path.is_file() and not path.is_symlink():
            with open(path, "rb") as fh:
                if fh.read(4) == ELF_MAGIC:
                    files.append(path)
    return files


def glibc_floor(files: list[Path]) -> tuple[int, ...]:
    """The newest ``GLIBC_x.y`` symbol version any of ``files`` needs."""
    newest: tuple[int, ...] = (2, 2)
    for chunk in range(0, len(files), 200):
        out = subprocess.run(["objdump", "-T", *map(str, files[chunk:chunk + 200])], capture_output=True,
                             text=True).stdout
        for match in re.finditer(r"\bGLIBC_(\d+(?:\.\d+)+)\b", out):
            version = tuple(int(x) for x in match.group(1).split("."))
            newest = max(newest, version)
    return newest


def shlibdeps(bundle: Path, files: list[Path]) -> str:
    """``dpkg-shlibdeps``' Depends for ``files`` (the bundle's folders are private library folders)."""
    folders = sorted({str(f.parent) for f in files})
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "debian").mkdir()
        (Path(tmp) / "debian" / "control").write_text("Source: pingshan-console\n\nPackage: pingshan-console\n"
                                                      "Architecture: amd64\n", encoding="utf-8")
        proc = subprocess.run(["dpkg-shlibdeps", "-O", "--ignore-missing-info", "--warnings=0",
                               *[f"-l{d}" for d in folders], *map(str, files)],
                              cwd=tmp, capture_output=True, text=True)
    if proc.returncode != 0:
        errors = [line for line in proc.stderr.splitlines() if "error" in line][:10]
        raise SystemExit("debian_depends: dpkg-shlibdeps failed:\n" + "\n".join(errors))
    match = re.search(r"^shlibs:Depends=(.*)$", proc.stdout, re.M)
    return match.group(1).strip() if match else ""


def external_sonames(bundle: Path, files: list[Path]) -> set[str]:
    """Libraries the bundle's ELF files need that the bundle does not carry."""
    present = {p.name for p in bundle.rglob("*") if p.is_file() or p.is_symlink()}
    needed: set[str] = set()
    for chunk in range(0, len(files), 200):
        out = subprocess.run(["objdump", "-p", *map(str, files[chunk:chunk + 200])], capture_output=True,
                             text=True).stdout
        needed |= {line.split()[1] for line in out.splitlines() if line.strip().startswith("NEEDED")}
    return needed - present


def owners(sonames: set[str]) -> dict[str, str]:
    """soname → the Debian package that installs it on this machine (dpkg's file lists)."""
    found: dict[str, str] = {}
    for listing in sorted(Path("/var/lib/dpkg/info").glob("*.list")):
        package = listing.name[:-len(".list")].split(":")[0]
        for line in listing.read_text(encoding="utf-8", errors="replace").splitlines():
            name = line.rsplit("/", 1)[-1]
            if name in sonames and "/lib" in line:
                found.setdefault(name, package)
    return found


def depends(bundle: Path) -> str:
    """The Depends line for a .deb carrying ``bundle``: dpkg-shlibdeps' answer, minus the
    packages of libraries the bundle carries itself (dpkg-shlibdeps maps a bundled library to
    its Debian package too, by its soname): a package stays only when it installs a library
    some bundled file needs and the bundle lacks."""
    if shutil.which("dpkg-shlibdeps") is None:
        raise SystemExit("debian_depends: dpkg-shlibdeps not found (apt-get install dpkg-dev)")
    files = elf_files(bundle)
    external = external_sonames(bundle, files)
    wanted = set(owners(external).values())
    entries = [e.strip() for e in shlibdeps(bundle, files).split(",") if e.strip()]
    kept = {e.split()[0]: e for e in entries if e.split()[0] in wanted}
    for package in wanted - set(kept):  # needed, but dpkg-shlibdeps had no version for it
        kept[package] = package
    floor = ".".join(map(str, glibc_floor(files)))
    kept["libc6"] = f"libc6 (>= {floor})"
    return ", ".join([kept.pop("libc6"), *sorted(kept.values())])


if __name__ == "__main__":
    print(depends(Path(sys.argv[1])))

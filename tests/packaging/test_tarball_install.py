"""The tarball's ``install.sh`` replaces a previous install (never merges), leaves ``VERSION``
on disk and installs ``uninstall.sh``, which removes what was installed (issue 19). A small
stand-in bundle, a temporary prefix; systemd and /etc are redirected into it too."""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STREET = "maluan"
NAME = f"pingshan-console-{STREET}"


def _version() -> str:
    from console.version import version

    return version()


@pytest.fixture
def unpacked(tmp_path: Path) -> Path:
    bundle = tmp_path / "pingshan-console"
    (bundle / "_internal" / "resources" / "profiles").mkdir(parents=True)
    exe = bundle / "pingshan-console"
    exe.write_text("#!/bin/sh\n[ \"$1\" = --self-check ] && echo SELF-CHECK PASSED\n[ \"$1\" = --version ] && "
                   "echo pingshan-console stand-in\nexit 0\n", encoding="utf-8")
    exe.chmod(0o755)
    (bundle / "_internal" / "new-file.txt").write_text("new\n", encoding="utf-8")
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, str(ROOT / "packaging" / "make_installer.py"), "--bundle", str(bundle),
                           "--out", str(out), "--street", STREET, "--no-deb"], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    (tarball,) = out.glob(f"{NAME}-*-linux-x86_64.tar.gz")
    assert tarball.name == f"{NAME}-{_version()}-linux-x86_64.tar.gz"
    with tarfile.open(tarball) as tar:
        tar.extractall(tmp_path / "unpacked", filter="tar")
    return tmp_path / "unpacked" / NAME


def _env(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "units").mkdir(exist_ok=True)
    return dict(os.environ, PINGSHAN_PREFIX=str(tmp_path / "opt" / NAME), PINGSHAN_APPS=str(tmp_path / "apps"),
                PINGSHAN_BIN=str(tmp_path / "bin"), PINGSHAN_UNITS=str(tmp_path / "units"),
                PINGSHAN_ETC=str(tmp_path / "etc"))


def _run(script: Path, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["sh", str(script), *args], env=_env(tmp_path), capture_output=True, text=True, timeout=60)


def test_install_replaces_and_uninstall_removes(unpacked: Path, tmp_path: Path) -> None:
    prefix = tmp_path / "opt" / NAME
    first = _run(unpacked / "install.sh", tmp_path)
    assert first.returncode == 0, first.stderr
    assert "SELF-CHECK PASSED" in first.stdout
    assert (prefix / "VERSION").read_text(encoding="utf-8").strip() == _version()
    assert (prefix / "_internal" / "resources" / "profiles" / "install_mode").read_text().strip() == "production"
    assert (prefix / "uninstall.sh").is_file()
    assert (tmp_path / "bin" / NAME).is_symlink() and (tmp_path / "apps" / f"{NAME}.desktop").is_file()
    unit = tmp_path / "units" / f"pingshan-street-node-{STREET}.service"
    assert unit.is_file() and f"EnvironmentFile={tmp_path / 'etc'}/street-node-{STREET}.env" in unit.read_text()
    env_file = tmp_path / "etc" / f"street-node-{STREET}.env"
    env_file.write_text(env_file.read_text() + "# edited by the sub-centre\n", encoding="utf-8")

    # A file of the previous version that the new one does not have: gone after the reinstall.
    (prefix / "_internal" / "stale-from-old-version.so").write_text("old\n", encoding="utf-8")
    second = _run(unpacked / "install.sh", tmp_path)
    assert second.returncode == 0, second.stderr
    assert "替换已有安装" in second.stdout
    assert not (prefix / "_internal" / "stale-from-old-version.so").exists()
    assert (prefix / "_internal" / "new-file.txt").is_file()
    assert not list((tmp_path / "opt").glob(f"{NAME}.old.*"))  # the previous copy is removed
    assert "edited by the sub-centre" in env_file.read_text()  # the node's settings are kept

    gone = _run(prefix / "uninstall.sh", tmp_path)
    assert gone.returncode == 0, gone.stderr
    assert not prefix.exists()
    assert not (tmp_path / "bin" / NAME).exists() and not (tmp_path / "bin" / NAME).is_symlink()
    assert not (tmp_path / "apps" / f"{NAME}.desktop").exists()
    assert not unit.exists()
    assert env_file.is_file()  # settings stay unless --purge


def test_uninstall_purge_removes_the_settings(unpacked: Path, tmp_path: Path) -> None:
    assert _run(unpacked / "install.sh", tmp_path).returncode == 0
    prefix = tmp_path / "opt" / NAME
    assert _run(prefix / "uninstall.sh", tmp_path, "--purge").returncode == 0
    assert not prefix.exists() and not (tmp_path / "etc" / f"street-node-{STREET}.env").exists()


def test_install_refuses_a_foreign_folder_and_uninstall_a_foreign_prefix(unpacked: Path, tmp_path: Path) -> None:
    prefix = tmp_path / "opt" / NAME
    prefix.mkdir(parents=True)
    (prefix / "someone-elses.txt").write_text("keep me\n", encoding="utf-8")
    proc = _run(unpacked / "install.sh", tmp_path)
    assert proc.returncode == 1 and "不是坪山值班台的安装目录" in proc.stderr
    assert (prefix / "someone-elses.txt").read_text() == "keep me\n"
    stray = tmp_path / "stray"
    stray.mkdir()
    (stray / "uninstall.sh").write_text((unpacked / "uninstall.sh").read_text(), encoding="utf-8")
    refused = subprocess.run(["sh", str(stray / "uninstall.sh")], capture_output=True, text=True, timeout=60)
    assert refused.returncode == 1 and stray.exists()


def test_a_failed_install_puts_the_previous_one_back(unpacked: Path, tmp_path: Path) -> None:
    assert _run(unpacked / "install.sh", tmp_path).returncode == 0
    prefix = tmp_path / "opt" / NAME
    (unpacked / "uninstall.sh").unlink()  # the copy step fails half-way
    proc = _run(unpacked / "install.sh", tmp_path)
    assert proc.returncode != 0 and "已恢复原有安装" in proc.stderr
    assert (prefix / "VERSION").is_file() and (prefix / "uninstall.sh").is_file()

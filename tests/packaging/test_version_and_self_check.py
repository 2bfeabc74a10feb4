"""``--version`` everywhere, and the self-check an installer runs: the profile the
installation starts with, one line per check, no Qt/Chromium/FFmpeg noise (issue 19)."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _pyproject_version() -> str:
    with open(ROOT / "pyproject.toml", "rb") as fh:
        return str(tomllib.load(fh)["project"]["version"])


def test_version_comes_from_pyproject() -> None:
    from console.version import version, version_line

    assert version() == _pyproject_version()
    assert version_line() == f"pingshan-console {_pyproject_version()}"


@pytest.mark.parametrize("argv", [["--version"], ["--profile", "maluan", "--version"]])
def test_the_console_prints_its_version(argv: list[str]) -> None:
    proc = subprocess.run([sys.executable, "-m", "widgets.shell.app", *argv], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"pingshan-console {_pyproject_version()}"


def test_the_frozen_entry_point_prints_the_version() -> None:
    proc = subprocess.run([sys.executable, str(ROOT / "packaging" / "pingshan_console.py"), "--version"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert proc.returncode == 0 and proc.stdout.strip().endswith(_pyproject_version()), proc.stderr


def test_the_about_box_shows_the_version(qapp: object) -> None:
    from widgets.shell.about import about_text

    assert f"版本 {_pyproject_version()}" in about_text()


def _baked(tmp_path: Path, name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A copy of the shipped profiles whose installer-baked default is ``name``."""
    import shutil

    import console.profiles as profiles

    folder = tmp_path / "profiles-shipped"
    shutil.copytree(profiles.PROFILES_DIR, folder, ignore=shutil.ignore_patterns(profiles.DEFAULT_FILE))
    (folder / profiles.DEFAULT_FILE).write_text(name + "\n", encoding="utf-8")
    monkeypatch.setattr(profiles, "PROFILES_DIR", folder)
    monkeypatch.delenv("PINGSHAN_PROFILE", raising=False)


def test_a_baked_default_that_does_not_exist_is_named_as_the_installers(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from console.profiles import startup_profile

    _baked(tmp_path, "nowhere", monkeypatch)
    start = startup_profile(None, tmp_path / "cache")
    assert start.failed is not None and "nowhere" in start.failed
    assert "安装包内置的默认配置" in start.failed and "default_profile" in start.failed
    assert "--profile" not in start.failed  # the user never gave one
    assert all("--profile" not in n for n in start.notices)
    assert start.profile is not None and start.profile.name == "district"  # a normal start still runs
    given = startup_profile("nowhere", tmp_path / "cache")
    assert given.failed is not None and "--profile" in given.failed  # now the user did give it


def test_self_check_fails_on_a_missing_baked_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import argparse

    from widgets.shell.self_check import Report, check_profile

    _baked(tmp_path, "nowhere", monkeypatch)
    report = Report()
    check_profile(argparse.Namespace(profile=None, cache=tmp_path / "cache"), report)
    assert report.failed == ["profile"]
    _baked(tmp_path / "b", "maluan", monkeypatch)
    report = Report()
    check_profile(argparse.Namespace(profile=None, cache=tmp_path / "cache"), report)
    assert report.failed == []


def _self_check(env_extra: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), **env_extra)
    for name in ("QT_QPA_PLATFORM", "QT_LOGGING_RULES", "PINGSHAN_SELF_CHECK_TIMINGS", "PINGSHAN_SELF_CHECK_VERBOSE"):
        env.pop(name, None)
    return subprocess.run([sys.executable, "-m", "widgets.shell.app", "--self-check"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=240)


def test_self_check_prints_one_line_per_check_and_nothing_else() -> None:
    proc = _self_check({"PINGSHAN_PROFILE": "maluan"})
    lines = proc.stdout.splitlines()
    assert proc.returncode == 0, proc.stdout + proc.stderr[-2000:]
    checks = ["profile", "font", "cache", "window", "map", "video"]
    assert [line.split()[1] for line in lines[:-1]] == checks, proc.stdout
    assert all(line.startswith("OK   ") for line in lines[:-1])
    assert lines[-1] == "SELF-CHECK PASSED" and len(lines) == len(checks) + 1
    assert "马峦街道分中心（maluan）" in lines[0]
    assert proc.stderr == "", proc.stderr[-2000:]  # Qt, Chromium and FFmpeg warnings went to a file


def test_self_check_fails_on_a_missing_default_profile() -> None:
    proc = _self_check({"PINGSHAN_PROFILE": "nowhere"})
    assert proc.returncode == 1
    first = proc.stdout.splitlines()[0]
    assert first.startswith("FAIL profile") and "nowhere" in first and "--profile" not in first
    assert proc.stdout.splitlines()[-2:][-1] != "SELF-CHECK PASSED"
    assert "SELF-CHECK FAILED: profile" in proc.stdout


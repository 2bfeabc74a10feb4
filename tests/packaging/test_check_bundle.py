"""``packaging/check_bundle.py`` refuses a bundle with a dangling link, a stray file or a GPL
codec, and accepts a clean one: small synthetic trees, so it can fail without a build."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHECKER = ROOT / "packaging" / "check_bundle.py"


def clean_bundle(root: Path) -> Path:
    bundle = root / "pingshan-console"
    internal = bundle / "_internal"
    (internal / "PySide6" / "Qt" / "lib").mkdir(parents=True)
    (internal / "resources" / "profiles").mkdir(parents=True)
    (bundle / "pingshan-console").write_bytes(b"\x7fELF stand-in")
    (bundle / "THIRD-PARTY-NOTICES.txt").write_text("notices\n", encoding="utf-8")
    (internal / "PySide6" / "Qt" / "lib" / "libQt6Core.so.6").write_bytes(b"\x7fELF")
    (internal / "PySide6" / "Qt" / "lib" / "libavcodec.so.61").write_bytes(b"\x7fELF libavcodec license: LGPL version 2.1 or later")
    os.symlink("PySide6/Qt/lib/libQt6Core.so.6", internal / "libQt6Core.so.6")
    (internal / "base_library.zip").write_bytes(b"PK")
    (internal / "numpy").mkdir()
    (internal / "pingshan_console-0.1.0.dist-info").mkdir()
    return bundle


def run(bundle: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(CHECKER), str(bundle)], capture_output=True, text=True, timeout=60)


def test_a_clean_bundle_is_accepted(tmp_path: Path) -> None:
    proc = run(clean_bundle(tmp_path))
    assert proc.returncode == 0, proc.stdout
    assert proc.stdout.startswith("BUNDLE OK")


def _dangling(bundle: Path) -> str:
    os.symlink("PySide6/Qt/lib/libQt63DCore.so.6", bundle / "_internal" / "libQt63DCore.so.6")
    return "dangling link: _internal/libQt63DCore.so.6 -> PySide6/Qt/lib/libQt63DCore.so.6"


def _stray(bundle: Path) -> str:
    (bundle / "_internal" / "_pytest").mkdir()
    return "not in the allow-list: _internal/_pytest"


def _stray_top(bundle: Path) -> str:
    (bundle / "notes.txt").write_text("x", encoding="utf-8")
    return "not allowed at the top: notes.txt"


def _x264(bundle: Path) -> str:
    (bundle / "_internal" / "libx264-d6533a8d.so.165").write_bytes(b"\x7fELF")
    return "GPL codec library: _internal/libx264-d6533a8d.so.165"


def _pyav(bundle: Path) -> str:
    (bundle / "_internal" / "av.libs").mkdir()
    return "GPL codecs (PyAV) in the bundle: _internal/av.libs"


def _gpl_ffmpeg(bundle: Path) -> str:
    (bundle / "_internal" / "PySide6" / "Qt" / "lib" / "libavcodec.so.61").write_bytes(
        b"\x7fELF libavcodec license: GPL version 2 or later")
    return "GPL build of FFmpeg: _internal/PySide6/Qt/lib/libavcodec.so.61"


@pytest.mark.parametrize("spoil", [_dangling, _stray, _stray_top, _x264, _pyav, _gpl_ffmpeg])
def test_each_problem_is_refused_and_named(tmp_path: Path, spoil: object) -> None:
    bundle = clean_bundle(tmp_path)
    expected = spoil(bundle)  # type: ignore[operator]
    proc = run(bundle)
    assert proc.returncode == 1, proc.stdout
    assert f"REFUSED {expected}" in proc.stdout.splitlines(), proc.stdout
    assert proc.stdout.splitlines()[-1].startswith("BUNDLE REFUSED: 1 problem")


def test_a_plugin_whose_qt_library_was_trimmed_is_refused(tmp_path: Path) -> None:
    import shutil

    import PySide6

    plugin = Path(PySide6.__file__).parent / "Qt" / "plugins" / "iconengines" / "libqsvgicon.so"
    if not plugin.is_file():
        pytest.skip(f"no {plugin.name} in this PySide6 (not Linux?)")
    if shutil.which("objdump") is None:
        pytest.skip("objdump missing (binutils; scripts/bootstrap.sh installs it)")
    bundle = clean_bundle(tmp_path)
    target = bundle / "_internal" / "PySide6" / "Qt" / "plugins" / "iconengines"
    target.mkdir(parents=True)
    shutil.copy2(plugin, target / plugin.name)  # it needs libQt6Svg.so.6, which this bundle lacks
    proc = run(bundle)
    assert proc.returncode == 1
    assert any(line.startswith("REFUSED needs a library the bundle lacks: _internal/PySide6/Qt/plugins/iconengines/"
                               "libqsvgicon.so -> libQt6Svg.so.6") for line in proc.stdout.splitlines()), proc.stdout

"""``--self-check`` from source (the build script runs the same on the bundle), and the
street installer's layout made from a stand-in bundle (the real one is built by
packaging/build.sh, too heavy for a test)."""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_self_check_passes_and_reports_timings() -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT), QTWEBENGINE_CHROMIUM_FLAGS="--no-sandbox --disable-gpu",
               PINGSHAN_SELF_CHECK_TIMINGS="1")  # as packaging/build.sh asks for them
    env.pop("QT_QPA_PLATFORM", None)  # the self-check goes offscreen by itself
    proc = subprocess.run([sys.executable, "-m", "widgets.shell.app", "--self-check"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=240)
    out = proc.stdout
    assert proc.returncode == 0, out + proc.stderr[-3000:]
    for check in ("font", "cache", "window", "map", "video"):
        assert f"OK   {check}" in out, out
    assert "MBTiles 缓存经 pstile://" in out, out  # the map check used the real offline tile path
    for timing in ("window_usable_s", "map_ready_s", "video_playing_s"):
        assert f"TIMING {timing}=" in out
    assert out.strip().splitlines()[-1] == "SELF-CHECK PASSED"
    assert "Traceback" not in proc.stderr


def test_the_frozen_entry_point_runs_a_street_node() -> None:
    """The bundle's one program also starts a street sub-centre's node (its usage answers here)."""
    proc = subprocess.run([sys.executable, str(ROOT / "packaging" / "pingshan_console.py"), "street-node", "--help"],
                          cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)), capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "--hub-leaf" in proc.stdout and "--street" in proc.stdout
    bad = subprocess.run([sys.executable, str(ROOT / "packaging" / "pingshan_console.py"), "street-node", "--street",
                          "nowhere", "--hub-leaf", "nats-leaf://127.0.0.1:7422", "--data", "/nonexistent/x"],
                         cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)), capture_output=True, text=True,
                         timeout=60)
    assert bad.returncode == 2 and "未知的街道：nowhere" in bad.stderr


def test_street_installer_bakes_the_profile_in(tmp_path: Path) -> None:
    bundle = tmp_path / "pingshan-console"
    (bundle / "_internal" / "resources" / "profiles").mkdir(parents=True)
    exe = bundle / "pingshan-console"
    exe.write_text("#!/bin/sh\n", encoding="utf-8")
    exe.chmod(0o755)
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, str(ROOT / "packaging" / "make_installer.py"), "--bundle", str(bundle),
                           "--out", str(out), "--street", "biling", "--no-deb"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    tarballs = list(out.glob("pingshan-console-biling-*-linux-x86_64.tar.gz"))
    assert len(tarballs) == 1
    with tarfile.open(tarballs[0]) as tar:
        names = set(tar.getnames())
        top = "pingshan-console-biling"
        assert {f"{top}/install.sh", f"{top}/pingshan-console-biling.desktop.in", f"{top}/app/pingshan-console",
                f"{top}/app/pingshan-console.svg"} <= names
        baked = tar.extractfile(f"{top}/app/_internal/resources/profiles/default_profile")
        assert baked is not None and baked.read().decode().strip() == "biling"
        unit = tar.extractfile(f"{top}/street-node/pingshan-street-node-biling.service")
        assert unit is not None
        unit_text = unit.read().decode("utf-8")
        env_file = tar.extractfile(f"{top}/street-node/street-node-biling.env")
        assert env_file is not None and "PINGSHAN_HUB_LEAF=" in env_file.read().decode("utf-8")
        desktop = tar.extractfile(f"{top}/pingshan-console-biling.desktop.in")
        assert desktop is not None
        text = desktop.read().decode("utf-8")
    assert "Exec=@PREFIX@/pingshan-console --profile biling" in text and "碧岭街道分中心" in text
    # The street's node comes with it: the bundled program runs it (street-node), systemd keeps it up.
    assert "ExecStart=/opt/pingshan-console-biling/pingshan-console street-node --street biling" in unit_text
    assert "--hub-leaf ${PINGSHAN_HUB_LEAF}" in unit_text and "EnvironmentFile=/etc/pingshan/street-node-biling.env" in unit_text

    # install.sh puts the bundle in place, registers the menu entry and runs the self-check.
    unpacked = tmp_path / "unpacked"
    with tarfile.open(tarballs[0]) as tar:
        tar.extractall(unpacked, filter="tar")
    exe_text = "#!/bin/sh\n[ \"$1\" = --self-check ] && echo SELF-CHECK PASSED\n"
    (unpacked / top / "app" / "pingshan-console").write_text(exe_text, encoding="utf-8")
    env = dict(os.environ, PINGSHAN_PREFIX=str(tmp_path / "opt"), PINGSHAN_APPS=str(tmp_path / "apps"),
               PINGSHAN_BIN=str(tmp_path / "bin"), PINGSHAN_UNITS="", PINGSHAN_ETC=str(tmp_path / "etc"))
    inst = subprocess.run(["sh", str(unpacked / top / "install.sh")], env=env, capture_output=True, text=True,
                          timeout=60)
    assert inst.returncode == 0, inst.stderr
    assert "SELF-CHECK PASSED" in inst.stdout
    entry = (tmp_path / "apps" / "pingshan-console-biling.desktop").read_text(encoding="utf-8")
    assert f"Exec={tmp_path / 'opt'}/pingshan-console --profile biling" in entry
    assert (tmp_path / "opt" / "_internal" / "resources" / "profiles" / "default_profile").read_text().strip() == "biling"
    assert (tmp_path / "bin" / "pingshan-console-biling").is_symlink()

    bad = subprocess.run([sys.executable, str(ROOT / "packaging" / "make_installer.py"), "--bundle", str(bundle),
                          "--out", str(out), "--street", "district"], cwd=ROOT, capture_output=True, text=True,
                         timeout=60)
    assert bad.returncode == 2 and "不是街道分中心配置" in bad.stderr

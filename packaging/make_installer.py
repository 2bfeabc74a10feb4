"""Make the Linux installer of one street sub-centre from a built bundle.

    python packaging/make_installer.py --bundle dist/pingshan-console --out dist --street maluan
    python packaging/make_installer.py ... --street all

For each street it writes, with the street's profile baked in (the bundle's
``resources/profiles/default_profile`` names it, and the desktop entry passes
``--profile``):

- ``pingshan-console-<street>-<version>-linux-x86_64.tar.gz``: the bundle, a
  ``.desktop`` entry, an icon and ``install.sh`` (installs to
  ``/opt/pingshan-console-<street>`` and registers the menu entry; as a normal user
  to ``~/.local/opt`` and ``~/.local/share/applications``), then runs the self-check;
- ``pingshan-console-<street>_<version>_amd64.deb`` when ``dpkg-deb`` is available.

Both carry the street's node as well (``street-node/``): a systemd unit
``pingshan-street-node-<street>.service`` that runs ``pingshan-console street-node --street
<street>`` (the bundled ``nats-server`` as a leaf of the district hub, and the street gateway),
and ``street-node.env``, where the sub-centre writes the hub's leafnode URL and its users file.

Standard library only.  The profile must validate before anything is written.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from console.profiles import DEFAULT_FILE, ProfileError, load_profiles  # noqa: E402

DEB_DEPENDS = ("libatomic1, libpulse0, libnss3, libxkbcommon0, libxkbcommon-x11-0, libxcb-cursor0, "
               "libxcb-icccm4, libxcb-image0, libxcb-keysyms1, libxcb-render-util0, libxcb-xinerama0, "
               "libxcomposite1, libxdamage1, libxrandr2, libxtst6, libgbm1, libasound2, libegl1, libgl1, "
               "libfontconfig1, libdbus-1-3")
"""Runtime libraries Qt (WebEngine, Multimedia, xcb) loads from the system on Debian."""
DEB_RECOMMENDS = "baresip-core"
"""The seat's SIP telephone (融合通信, console/comms); without it the call bar says so."""


def version() -> str:
    with open(ROOT / "pyproject.toml", "rb") as fh:
        return str(tomllib.load(fh)["project"]["version"])


def desktop_entry(street: str, title: str, prefix: str) -> str:
    return "\n".join([
        "[Desktop Entry]",
        "Type=Application",
        f"Name=坪山值班台 · {title}",
        f"Name[en]=Pingshan Command Console ({street})",
        f"Comment=坪山区城市运行指挥中心 · {title}",
        f"Exec={prefix}/pingshan-console --profile {street}",
        f"Icon={prefix}/pingshan-console.svg",
        "Terminal=false",
        "Categories=Office;Monitor;",
        f"StartupWMClass=pingshan-console",
        "",
    ])


INSTALL_SH = """#!/bin/sh
# Install {title} (坪山值班台) from this folder and check that it runs.
set -e
HERE=$(cd "$(dirname "$0")" && pwd)
NAME=pingshan-console-{street}
if [ "$(id -u)" = 0 ]; then
    PREFIX=/opt/$NAME; APPS=/usr/share/applications; BIN=/usr/local/bin
else
    PREFIX=$HOME/.local/opt/$NAME; APPS=$HOME/.local/share/applications; BIN=$HOME/.local/bin
fi
# Overridable, for staging or a different layout.
PREFIX=${{PINGSHAN_PREFIX:-$PREFIX}}; APPS=${{PINGSHAN_APPS:-$APPS}}; BIN=${{PINGSHAN_BIN:-$BIN}}
mkdir -p "$PREFIX" "$APPS" "$BIN"
cp -a "$HERE/app/." "$PREFIX/"
sed "s#@PREFIX@#$PREFIX#g" "$HERE/$NAME.desktop.in" > "$APPS/$NAME.desktop"
ln -sf "$PREFIX/pingshan-console" "$BIN/$NAME"
if [ "$(id -u)" = 0 ] && [ -d /etc/systemd/system ]; then
    mkdir -p /etc/pingshan
    [ -f /etc/pingshan/street-node-{street}.env ] || cp "$HERE/street-node/street-node-{street}.env" /etc/pingshan/
    sed "s#/opt/$NAME#$PREFIX#g" "$HERE/street-node/pingshan-street-node-{street}.service" \
        > /etc/systemd/system/pingshan-street-node-{street}.service
    echo "街道分中心节点已安装（未启用）：编辑 /etc/pingshan/street-node-{street}.env 后运行 systemctl enable --now pingshan-street-node-{street}"
fi
echo "已安装到 $PREFIX ；正在自检…"
"$PREFIX/pingshan-console" --self-check
echo "完成：在应用菜单中打开“坪山值班台 · {title}”，或运行 $NAME"
"""


STREET_NODE_ENV = """# 坪山值班台 · {title}：街道分中心节点（NATS 叶子节点 + 街道网关）的设置。
# 填好后：systemctl enable --now pingshan-street-node-{street}
# 区中心 NATS 的 leafnode 地址（可写多个，逗号分隔）
PINGSHAN_HUB_LEAF=nats-leaf://hub-1.pingshan.example:7422,nats-leaf://hub-2.pingshan.example:7422
# 街道网关的用户文件（pingshan-console street-node 同目录下用 pingshan-gateway users add 生成）
PINGSHAN_USERS=/etc/pingshan/users.json
# 本街道事件流的数据目录、网关端口、设备 MQTT 地址
PINGSHAN_DATA=/var/lib/pingshan-street-node-{street}
PINGSHAN_PORT=8443
PINGSHAN_MQTT_HOST=0.0.0.0
"""

STREET_NODE_UNIT = """[Unit]
Description=Pingshan street node {street} (NATS leaf + street gateway) — {title}
After=network-online.target
Wants=network-online.target

[Service]
EnvironmentFile=/etc/pingshan/street-node-{street}.env
ExecStart={prefix}/pingshan-console street-node --street {street} --hub-leaf ${{PINGSHAN_HUB_LEAF}} \
    --data ${{PINGSHAN_DATA}} --mqtt-host ${{PINGSHAN_MQTT_HOST}} --host 0.0.0.0 --port ${{PINGSHAN_PORT}} \
    --users ${{PINGSHAN_USERS}}
Restart=on-failure
RestartSec=3
StateDirectory=pingshan-street-node-{street}

[Install]
WantedBy=multi-user.target
"""


def street_node_files(folder: Path, street: str, title: str, prefix: str) -> None:
    """The street node's systemd unit and settings file (the node itself is in the bundle)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"pingshan-street-node-{street}.service").write_text(
        STREET_NODE_UNIT.format(street=street, title=title, prefix=prefix), encoding="utf-8")
    (folder / f"street-node-{street}.env").write_text(STREET_NODE_ENV.format(street=street, title=title),
                                                        encoding="utf-8")


def bake(bundle: Path, street: str, dest: Path) -> None:
    """Copy the bundle and name the street's profile as its default."""
    shutil.copytree(bundle, dest, symlinks=True)
    profiles = dest / "_internal" / "resources" / "profiles"
    if not profiles.is_dir():
        raise SystemExit(f"make_installer: {profiles} missing: is {bundle} a pingshan-console bundle?")
    (profiles / DEFAULT_FILE).write_text(street + "\n", encoding="utf-8")
    shutil.copy2(ROOT / "packaging" / "pingshan-console.svg", dest / "pingshan-console.svg")


def make_tarball(bundle: Path, out: Path, street: str, title: str) -> Path:
    name = f"pingshan-console-{street}"
    target = out / f"{name}-{version()}-linux-x86_64.tar.gz"
    with tempfile.TemporaryDirectory(dir=out) as tmp:
        top = Path(tmp) / name
        top.mkdir()
        bake(bundle, street, top / "app")
        (top / f"{name}.desktop.in").write_text(desktop_entry(street, title, "@PREFIX@"), encoding="utf-8")
        street_node_files(top / "street-node", street, title, f"/opt/{name}")
        install = top / "install.sh"
        install.write_text(INSTALL_SH.format(street=street, title=title), encoding="utf-8")
        install.chmod(0o755)
        (top / "README.txt").write_text(
            f"坪山值班台 · {title}\n\n安装：解压后运行 ./install.sh（root 安装到 /opt，普通用户安装到 ~/.local）。\n"
            f"本安装包已内置配置 “{street}”：只显示{title}的数据。\n\n"
            f"街道分中心节点（与区中心断开时本街道照常处置）：以 root 安装后，编辑\n"
            f"/etc/pingshan/street-node-{street}.env（区中心 leafnode 地址、用户文件），再运行\n"
            f"systemctl enable --now pingshan-street-node-{street}；值班台用 --backend http://127.0.0.1:8443 连接本节点。\n",
            encoding="utf-8")
        with tarfile.open(target, "w:gz", compresslevel=1) as tar:
            tar.add(top, arcname=name)
    return target


def make_deb(bundle: Path, out: Path, street: str, title: str) -> Path | None:
    if shutil.which("dpkg-deb") is None:
        print("make_installer: dpkg-deb not found: no .deb (the tarball installs the same)")
        return None
    name = f"pingshan-console-{street}"
    prefix = f"/opt/{name}"
    target = out / f"{name}_{version()}_amd64.deb"
    with tempfile.TemporaryDirectory(dir=out) as tmp:
        root = Path(tmp) / "root"
        bake(bundle, street, root / prefix.lstrip("/"))
        apps = root / "usr" / "share" / "applications"
        apps.mkdir(parents=True)
        (apps / f"{name}.desktop").write_text(desktop_entry(street, title, prefix), encoding="utf-8")
        street_node_files(root / "lib" / "systemd" / "system", street, title, prefix)
        etc = root / "etc" / "pingshan"
        etc.mkdir(parents=True)
        (root / "lib" / "systemd" / "system" / f"street-node-{street}.env").rename(etc / f"street-node-{street}.env")
        bindir = root / "usr" / "bin"
        bindir.mkdir(parents=True)
        (bindir / name).symlink_to(f"{prefix}/pingshan-console")
        size_kb = sum(p.stat().st_size for p in root.rglob("*") if p.is_file() and not p.is_symlink()) // 1024
        debian = root / "DEBIAN"
        debian.mkdir()
        (debian / "control").write_text("\n".join([
            f"Package: {name}",
            f"Version: {version()}",
            "Architecture: amd64",
            "Maintainer: Pingshan District Command Centre <ops@pingshan.invalid>",
            f"Installed-Size: {size_kb}",
            f"Depends: {DEB_DEPENDS}",
            f"Recommends: {DEB_RECOMMENDS}",
            "Section: misc",
            "Priority: optional",
            f"Description: Pingshan command console for the {street} street sub-centre",
            f" 坪山区城市运行指挥中心值班台（{title}），内置该街道的配置。",
            "",
        ]), encoding="utf-8")
        (debian / "conffiles").write_text(f"/etc/pingshan/street-node-{street}.env\n", encoding="utf-8")
        subprocess.run(["dpkg-deb", "--root-owner-group", "-Zgzip", "-z1", "--build", str(root), str(target)],
                       check=True, stdout=subprocess.DEVNULL)
    return target


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--bundle", type=Path, required=True, help="the PyInstaller one-folder bundle")
    p.add_argument("--out", type=Path, required=True, help="where the installers go")
    p.add_argument("--street", required=True, help="street id (maluan, …) or 'all'")
    p.add_argument("--no-deb", action="store_true", help="tarball only")
    args = p.parse_args(argv)
    catalogue = load_profiles()
    streets = [pr for pr in catalogue.ordered() if pr.scope == "street"]
    if args.street != "all":
        try:
            profile = catalogue.get(args.street)
        except ProfileError as exc:
            print(f"make_installer: {exc}", file=sys.stderr)
            return 2
        if profile.scope != "street":
            print(f"make_installer: “{args.street}” 不是街道分中心配置", file=sys.stderr)
            return 2
        streets = [profile]
    args.out.mkdir(parents=True, exist_ok=True)
    for profile in streets:
        assert profile.street is not None
        start = time.monotonic()
        tarball = make_tarball(args.bundle, args.out, profile.street, profile.title)
        print(f"installer {tarball} ({tarball.stat().st_size / 2**20:.1f} MiB, {time.monotonic() - start:.0f} s)")
        if not args.no_deb:
            start = time.monotonic()
            deb = make_deb(args.bundle, args.out, profile.street, profile.title)
            if deb is not None:
                print(f"installer {deb} ({deb.stat().st_size / 2**20:.1f} MiB, {time.monotonic() - start:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

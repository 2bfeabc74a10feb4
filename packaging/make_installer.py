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
- ``pingshan-console-<street>_<version>_amd64.deb`` when ``dpkg-deb`` is available: its
  ``Depends`` computed from what the bundle links (``debian_depends.py``: dpkg-shlibdeps, libc6
  raised to the newest GLIBC symbol needed), the notices as ``/usr/share/doc/<package>/copyright``.

Installers are ``production`` by default (``resources/profiles/install_mode``): a profile
without a gateway says 未配置网关 and offers the settings, it never runs the demo feed;
``--demo`` makes a demo installer (``…-demo-…`` file names; the demo feed runs, labelled 演示数据).
``install.sh`` replaces a previous install (never merges) and installs ``uninstall.sh``; both
installs leave ``VERSION`` in the program folder.

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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from console.profiles import DEFAULT_FILE, INSTALL_MODE_FILE, ProfileError, load_profiles  # noqa: E402
from console.version import NOTICES_FILE  # noqa: E402
from console.version import version as _version  # noqa: E402

DEB_RECOMMENDS = "baresip-core"
"""The seat's SIP telephone (融合通信, console/comms); without it the call bar says so."""


def version() -> str:
    """The one version (pyproject.toml, through console.version)."""
    return _version()


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
        "StartupWMClass=pingshan-console",
        "",
    ])


INSTALL_SH = """#!/bin/sh
# Install {title} (坪山值班台 {version}) from this folder and check that it runs.
# A previous install in the same place is REPLACED (not merged): its files are moved aside,
# the new ones copied, the old ones removed (put back if the copy fails). Remove with
# <prefix>/uninstall.sh.
set -e
HERE=$(cd "$(dirname "$0")" && pwd)
NAME=pingshan-console-{street}
MARK=.pingshan-console-install
if [ "$(id -u)" = 0 ]; then
    PREFIX=/opt/$NAME; APPS=/usr/share/applications; BIN=/usr/local/bin
    UNITS=/etc/systemd/system; ETC=/etc/pingshan
else
    PREFIX=$HOME/.local/opt/$NAME; APPS=$HOME/.local/share/applications; BIN=$HOME/.local/bin; UNITS=; ETC=
fi
# Overridable, for staging or a different layout.
PREFIX=${{PINGSHAN_PREFIX:-$PREFIX}}; APPS=${{PINGSHAN_APPS:-$APPS}}; BIN=${{PINGSHAN_BIN:-$BIN}}
UNITS=${{PINGSHAN_UNITS-$UNITS}}; ETC=${{PINGSHAN_ETC-$ETC}}  # set and empty: no systemd unit
OLD=
if [ -e "$PREFIX" ]; then
    if [ -f "$PREFIX/$MARK" ]; then
        OLD="$PREFIX.old.$$"
        mv "$PREFIX" "$OLD"
        echo "替换已有安装：$PREFIX（$(sed -n 's/^VERSION=//p' "$OLD/$MARK")）"
    elif [ -d "$PREFIX" ] && [ -z "$(ls -A "$PREFIX")" ]; then
        rmdir "$PREFIX"
    else
        echo "未安装：$PREFIX 已存在，且不是坪山值班台的安装目录（请先移走它）" >&2
        exit 1
    fi
fi
restore() {{
    [ -n "$OLD" ] || return 0
    rm -rf "$PREFIX"; mv "$OLD" "$PREFIX"
    echo "安装失败：已恢复原有安装 $PREFIX" >&2
}}
trap 'restore' EXIT
mkdir -p "$PREFIX" "$APPS" "$BIN"
cp -a "$HERE/app/." "$PREFIX/"
cp "$HERE/uninstall.sh" "$PREFIX/uninstall.sh"
chmod 755 "$PREFIX/uninstall.sh"
sed "s#@PREFIX@#$PREFIX#g" "$HERE/$NAME.desktop.in" > "$APPS/$NAME.desktop"
ln -sfn "$PREFIX/pingshan-console" "$BIN/$NAME"
UNIT_FILE=
if [ -n "$UNITS" ] && [ -d "$UNITS" ]; then
    mkdir -p "$ETC"
    [ -f "$ETC/street-node-{street}.env" ] || cp "$HERE/street-node/street-node-{street}.env" "$ETC/"
    UNIT_FILE="$UNITS/pingshan-street-node-{street}.service"
    sed -e "s#/opt/$NAME#$PREFIX#g" -e "s#/etc/pingshan/#$ETC/#g" \
        "$HERE/street-node/pingshan-street-node-{street}.service" > "$UNIT_FILE"
    echo "街道分中心节点已安装（未启用）：编辑 $ETC/street-node-{street}.env 后运行 systemctl enable --now pingshan-street-node-{street}"
fi
{{
    echo "VERSION={version}"
    echo "STREET={street}"
    echo "APPS=$APPS"
    echo "BIN=$BIN"
    echo "UNIT_FILE=$UNIT_FILE"
    echo "ETC=$ETC"
}} > "$PREFIX/$MARK"
trap - EXIT
[ -z "$OLD" ] || rm -rf "$OLD"
echo "已安装 {version} 到 $PREFIX ；正在自检…"
"$PREFIX/pingshan-console" --self-check
echo "完成：在应用菜单中打开“坪山值班台 · {title}”，或运行 $NAME ；卸载：$PREFIX/uninstall.sh"
"""

UNINSTALL_SH = """#!/bin/sh
# Remove 坪山值班台 · {title}, installed by install.sh: the program folder, its menu entry, its
# command and the street node's unit. Kept: the operator's data (~/.local/share/pingshan-console)
# and the node's settings in /etc/pingshan (add --purge to remove those settings too).
set -e
PREFIX=$(cd "$(dirname "$0")" && pwd)
MARK="$PREFIX/.pingshan-console-install"
if [ ! -f "$MARK" ]; then
    echo "未卸载：$PREFIX 不是 install.sh 安装的坪山值班台" >&2
    exit 1
fi
APPS=$(sed -n 's/^APPS=//p' "$MARK"); BIN=$(sed -n 's/^BIN=//p' "$MARK")
UNIT_FILE=$(sed -n 's/^UNIT_FILE=//p' "$MARK"); ETC=$(sed -n 's/^ETC=//p' "$MARK")
NAME=pingshan-console-{street}
if [ -n "$UNIT_FILE" ] && [ -f "$UNIT_FILE" ]; then
    if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
        systemctl disable --now "pingshan-street-node-{street}" >/dev/null 2>&1 || true
    fi
    rm -f "$UNIT_FILE"
fi
rm -f "$APPS/$NAME.desktop"
if [ -L "$BIN/$NAME" ] && [ "$(readlink "$BIN/$NAME")" = "$PREFIX/pingshan-console" ]; then
    rm -f "$BIN/$NAME"
fi
if [ "$1" = "--purge" ] && [ -n "$ETC" ]; then
    rm -f "$ETC/street-node-{street}.env"
    rmdir "$ETC" 2>/dev/null || true
fi
cd /
rm -rf "$PREFIX"
echo "已卸载 $PREFIX （值班数据保留在 ~/.local/share/pingshan-console）"
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


def bake(bundle: Path, street: str, dest: Path, mode: str = "production") -> None:
    """Copy the bundle, name the street's profile as its default and mark the install
    ``production`` (a profile without a gateway says 未配置网关, never simulates) or ``demo``
    (the embedded demo feed runs, labelled 演示数据 on every screen); write ``VERSION``."""
    shutil.copytree(bundle, dest, symlinks=True)
    profiles = dest / "_internal" / "resources" / "profiles"
    if not profiles.is_dir():
        raise SystemExit(f"make_installer: {profiles} missing: is {bundle} a pingshan-console bundle?")
    (profiles / DEFAULT_FILE).write_text(street + "\n", encoding="utf-8")
    (profiles / INSTALL_MODE_FILE).write_text(mode + "\n", encoding="utf-8")
    (dest / "VERSION").write_text(version() + "\n", encoding="utf-8")
    shutil.copy2(ROOT / "packaging" / "pingshan-console.svg", dest / "pingshan-console.svg")


def make_tarball(bundle: Path, out: Path, street: str, title: str, mode: str = "production") -> Path:
    name = f"pingshan-console-{street}"
    suffix = "-demo" if mode == "demo" else ""
    target = out / f"{name}{suffix}-{version()}-linux-x86_64.tar.gz"
    with tempfile.TemporaryDirectory(dir=out) as tmp:
        top = Path(tmp) / name
        top.mkdir()
        bake(bundle, street, top / "app", mode)
        (top / f"{name}.desktop.in").write_text(desktop_entry(street, title, "@PREFIX@"), encoding="utf-8")
        street_node_files(top / "street-node", street, title, f"/opt/{name}")
        install = top / "install.sh"
        install.write_text(INSTALL_SH.format(street=street, title=title, version=version()), encoding="utf-8")
        install.chmod(0o755)
        uninstall = top / "uninstall.sh"
        uninstall.write_text(UNINSTALL_SH.format(street=street, title=title), encoding="utf-8")
        uninstall.chmod(0o755)
        (top / "README.txt").write_text(
            f"坪山值班台 · {title}（版本 {version()}）\n\n安装：解压后运行 ./install.sh（root 安装到 /opt，普通用户安装到 ~/.local）；"
            f"再次运行会替换（而不是合并）原有安装。\n卸载：运行安装目录中的 uninstall.sh。\n"
            f"本安装包已内置配置 “{street}”：只显示{title}的数据。\n\n"
            f"街道分中心节点（与区中心断开时本街道照常处置）：以 root 安装后，编辑\n"
            f"/etc/pingshan/street-node-{street}.env（区中心 leafnode 地址、用户文件），再运行\n"
            f"systemctl enable --now pingshan-street-node-{street}；值班台用 --backend http://127.0.0.1:8443 连接本节点。\n",
            encoding="utf-8")
        with tarfile.open(target, "w:gz", compresslevel=1) as tar:
            tar.add(top, arcname=name)
    return target


def make_deb(bundle: Path, out: Path, street: str, title: str, depends: str, mode: str = "production") -> Path | None:
    if shutil.which("dpkg-deb") is None:
        print("make_installer: dpkg-deb not found: no .deb (the tarball installs the same)")
        return None
    notices = bundle / NOTICES_FILE
    if not notices.is_file():
        raise SystemExit(f"make_installer: {notices} missing (packaging/licenses.py writes it): no .deb without it")
    name = f"pingshan-console-{street}"
    prefix = f"/opt/{name}"
    target = out / f"{name}{'-demo' if mode == 'demo' else ''}_{version()}_amd64.deb"
    with tempfile.TemporaryDirectory(dir=out) as tmp:
        root = Path(tmp) / "root"
        bake(bundle, street, root / prefix.lstrip("/"), mode)
        doc = root / "usr" / "share" / "doc" / name
        doc.mkdir(parents=True)
        shutil.copy2(notices, doc / "copyright")  # Debian's place for the licences
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
            f"Depends: {depends}",
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
    p.add_argument("--demo", action="store_true",
                   help="a demo installer: a profile without a gateway runs the embedded demo feed (labelled "
                        "演示数据); default: production (未配置网关 until the gateway is set)")
    args = p.parse_args(argv)
    mode = "demo" if args.demo else "production"
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
    depends = ""
    if not args.no_deb and shutil.which("dpkg-deb") is not None:
        from debian_depends import depends as deb_depends  # packaging/debian_depends.py, beside this file

        start = time.monotonic()
        depends = deb_depends(args.bundle)
        print(f"Depends: {depends} ({time.monotonic() - start:.0f} s, dpkg-shlibdeps over the bundle)")
    for profile in streets:
        assert profile.street is not None
        start = time.monotonic()
        tarball = make_tarball(args.bundle, args.out, profile.street, profile.title, mode)
        print(f"installer {tarball} ({tarball.stat().st_size / 2**20:.1f} MiB, {time.monotonic() - start:.0f} s)")
        if not args.no_deb:
            start = time.monotonic()
            deb = make_deb(args.bundle, args.out, profile.street, profile.title, depends, mode)
            if deb is not None:
                print(f"installer {deb} ({deb.stat().st_size / 2**20:.1f} MiB, {time.monotonic() - start:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

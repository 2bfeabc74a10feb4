#!/usr/bin/env bash
# The offline folder for a sub-centre with no package repository: the Debian packages a .deb of
# the console needs that a minimal Debian 12 (bookworm, the oldest supported: glibc 2.36) lacks.
#
#   packaging/make_offline_debs.sh dist/pingshan-console-maluan_0.1.0_amd64.deb dist/offline-debs-bookworm
#
# Run where the network reaches a Debian mirror (the build machine). It keeps a minimal bookworm
# (debootstrap --variant=minbase) in $PINGSHAN_CHROOT_CACHE (default /var/tmp/pingshan-bookworm-minbase),
# lets apt resolve the .deb's Depends there (download only) and copies the packages it fetched.
# On the sub-centre's machine:  dpkg -i offline-debs-bookworm/*.deb pingshan-console-maluan_0.1.0_amd64.deb
# Needs root, debootstrap (installed with apt-get when missing).
set -euo pipefail
DEB=$(readlink -f "$1"); OUT=$2
BASE=${PINGSHAN_CHROOT_CACHE:-/var/tmp/pingshan-bookworm-minbase}
MIRROR=${PINGSHAN_DEBIAN_MIRROR:-http://deb.debian.org/debian}
[ "$(id -u)" = 0 ] || { echo "make_offline_debs: needs root (debootstrap, chroot)" >&2; exit 2; }
command -v debootstrap >/dev/null || apt-get install -y debootstrap >/dev/null
if [ ! -x "$BASE/usr/bin/apt-get" ]; then
    echo "== debootstrap --variant=minbase bookworm → $BASE"
    START=$(date +%s)
    debootstrap --variant=minbase bookworm "$BASE" "$MIRROR" >/dev/null
    echo "   $(( $(date +%s) - START )) s, $(du -sh "$BASE" | cut -f1)"
fi
WORK=$(mktemp -d /var/tmp/pingshan-offline.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
cp -a "$BASE" "$WORK/root"
R=$WORK/root
cp /etc/resolv.conf "$R/etc/resolv.conf"
cp "$DEB" "$R/tmp/console.deb"
echo "== resolving $(basename "$DEB")'s dependencies in a minimal bookworm (download only)"
chroot "$R" apt-get -qq update
chroot "$R" apt-get -qq install -y --download-only --no-install-recommends /tmp/console.deb >/dev/null
mkdir -p "$OUT"
rm -f "$OUT"/*.deb
cp "$R"/var/cache/apt/archives/*.deb "$OUT"/
echo "offline folder $OUT: $(ls "$OUT" | wc -l) packages, $(du -sh "$OUT" | cut -f1)"

#!/usr/bin/env bash
# The clean-install proof: a fresh minimal Debian 12 (bookworm, the oldest supported), no
# network, dpkg -i of the .deb (and of the offline folder, packaging/make_offline_debs.sh), then
# the installed console's --version and --self-check inside it.
#
#   packaging/test_clean_install.sh dist/pingshan-console-maluan_0.1.0_amd64.deb dist/offline-debs-bookworm
#
# The chroot is a copy of the cached minimal bookworm (see make_offline_debs.sh) with an empty apt
# cache; dpkg, --version and --self-check run in a new network namespace (unshare -n: only a
# loopback, no route anywhere) and a private mount namespace (/proc, /dev, /dev/shm, /tmp mounted
# for it only). Prints one line per step and the figures; exit 0 when all passed. Needs root.
set -euo pipefail
DEB=$(readlink -f "$1"); OFFLINE=$(readlink -f "$2")
BASE=${PINGSHAN_CHROOT_CACHE:-/var/tmp/pingshan-bookworm-minbase}
[ "$(id -u)" = 0 ] || { echo "test_clean_install: needs root (chroot, unshare)" >&2; exit 2; }
[ -x "$BASE/usr/bin/dpkg" ] || { echo "test_clean_install: no minimal bookworm at $BASE (run make_offline_debs.sh)" >&2; exit 2; }
PKG=$(dpkg-deb -f "$DEB" Package)
WORK=$(mktemp -d /var/tmp/pingshan-clean.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
R=$WORK/root
cp -a "$BASE" "$R"
rm -f "$R"/var/cache/apt/archives/*.deb "$R"/etc/resolv.conf
mkdir -p "$R/tmp/offline"
cp "$OFFLINE"/*.deb "$R/tmp/offline/"
cp "$DEB" "$R/tmp/console.deb"
echo "base: Debian $(cat "$R/etc/debian_version") minbase, glibc $(chroot "$R" dpkg-query -W -f='${Version}' libc6), $(chroot "$R" dpkg-query -W -f='.\n' | wc -l) packages"

offline() {  # run a command in the chroot with no network, in its own mount namespace
    unshare --net --mount --propagation private -- sh -c '
        R=$1; shift
        mount -t proc proc "$R/proc"
        mount --rbind /dev "$R/dev"
        mount -t tmpfs -o size=1g tmpfs "$R/dev/shm"
        ip link set lo up 2>/dev/null || true
        exec chroot "$R" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@"' sh "$R" "$@"
}

if offline sh -c 'getent hosts deb.debian.org >/dev/null 2>&1 || exit 0; exit 1'; then
    echo "OK   no network inside (deb.debian.org does not resolve)"
else
    echo "FAIL the chroot reaches the network" >&2; exit 1
fi
START=$(date +%s.%N)
if ! offline sh -c 'dpkg -i /tmp/offline/*.deb /tmp/console.deb' > "$WORK/dpkg.log" 2>&1; then
    tail -20 "$WORK/dpkg.log"; echo "FAIL dpkg -i (log above)" >&2; exit 1
fi
DPKG_S=$(echo "$(date +%s.%N) - $START" | bc)
echo "OK   dpkg -i of $(ls "$OFFLINE" | wc -l) offline packages and $(basename "$DEB") in ${DPKG_S%???????} s, no network"
BIN=/usr/bin/$PKG
START=$(date +%s.%N)
VERSION_OUT=$(offline "$BIN" --version)
VERSION_S=$(echo "$(date +%s.%N) - $START" | bc)
echo "OK   $BIN --version: $VERSION_OUT (${VERSION_S%???????} s)"
START=$(date +%s.%N)
if offline "$BIN" --self-check > "$WORK/self-check.txt" 2> "$WORK/self-check.err"; then RC=0; else RC=$?; fi
SELF_S=$(echo "$(date +%s.%N) - $START" | bc)
sed 's/^/     | /' "$WORK/self-check.txt"
if [ "$RC" != 0 ]; then
    tail -30 "$WORK/self-check.err"; echo "FAIL --self-check in the clean chroot (rc $RC)" >&2; exit 1
fi
echo "OK   --self-check in ${SELF_S%???????} s ($(wc -l < "$WORK/self-check.txt") lines on stdout, $(wc -l < "$WORK/self-check.err") on stderr)"
echo "figures: .deb $(du -h "$DEB" | cut -f1), offline folder $(du -sh "$OFFLINE" | cut -f1) ($(ls "$OFFLINE" | wc -l) packages), installed $(du -sh "$R/opt" | cut -f1) + $(du -sh "$R" | cut -f1) chroot in all"
echo "CLEAN INSTALL PASSED"

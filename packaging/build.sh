#!/usr/bin/env bash
# Build the duty console as a PyInstaller one-folder bundle, run the bundle's
# self-check, and print the bundle size and the cold start time to a usable window.
#
#   packaging/build.sh                    # bundle + self-check + figures
#   packaging/build.sh --street maluan    # … and the 马峦 sub-centre installer (tarball, .deb)
#   packaging/build.sh --street all       # … an installer for each of the six streets
#   packaging/build.sh --no-build         # self-check and figures of an existing bundle
#   packaging/build.sh --street maluan --demo   # a demo installer (the demo feed runs, labelled 演示数据)
#   packaging/build.sh --street maluan --offline-debs   # … and the offline folder of the Debian packages
#                                         # a minimal bookworm lacks (packaging/make_offline_debs.sh; root)
#
# After PyInstaller: the third-party notices (packaging/licenses.py) go into the bundle, and
# packaging/check_bundle.py must accept it (no dangling links, nothing outside the allow-list,
# no GPL codecs) or the build fails.
#
# PyInstaller is installed into the project's virtualenv when missing (the "package"
# extra of pyproject.toml); it is not a runtime dependency of the console.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PY=${PYTHON:-$ROOT/.venv/bin/python}
DIST=${PINGSHAN_DIST:-$ROOT/dist}
WORK=${PINGSHAN_BUILD:-$ROOT/build}
BUNDLE=$DIST/pingshan-console
EXE=$BUNDLE/pingshan-console
STREETS=()
BUILD=1
DEMO=()
OFFLINE=0
while [ $# -gt 0 ]; do
    case "$1" in
        --street) STREETS+=("$2"); shift 2 ;;
        --no-build) BUILD=0; shift ;;
        --demo) DEMO=(--demo); shift ;;
        --offline-debs) OFFLINE=1; shift ;;
        -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
        *) echo "build.sh: unknown option $1" >&2; exit 2 ;;
    esac
done

if [ ! -x "$PY" ]; then
    echo "build.sh: no Python at $PY (make the virtualenv first: scripts/bootstrap.sh)" >&2
    exit 2
fi

if [ "$BUILD" = 1 ]; then
    if ! "$PY" -c "import PyInstaller" 2>/dev/null; then
        mapfile -t REQS < <("$PY" - "$ROOT/pyproject.toml" <<'PYEOF'
import sys, tomllib
with open(sys.argv[1], "rb") as fh:
    print("\n".join(tomllib.load(fh)["project"]["optional-dependencies"]["package"]))
PYEOF
)
        echo "== installing ${REQS[*]} into the virtualenv"
        "$PY" -m pip install --quiet "${REQS[@]}"
    fi
    echo "== building the bundle (PyInstaller $("$PY" -c 'import PyInstaller; print(PyInstaller.__version__)'))"
    START=$(date +%s)
    nice -n 10 "$PY" -m PyInstaller --noconfirm --clean --log-level WARN \
        --distpath "$DIST" --workpath "$WORK" "$ROOT/packaging/pingshan-console.spec"
    echo "   built in $(( $(date +%s) - START )) s"
fi

if [ ! -x "$EXE" ]; then
    echo "build.sh: no bundle at $BUNDLE" >&2
    exit 1
fi

DISTS=$WORK/pingshan-console/bundled-distributions.txt  # written by the spec (its workpath)
if [ -f "$DISTS" ]; then
    "$PY" "$ROOT/packaging/licenses.py" --bundle "$BUNDLE" --dists "$DISTS"
fi
echo "== checking the bundle"
"$PY" "$ROOT/packaging/check_bundle.py" "$BUNDLE" || { echo "build.sh: the bundle was REFUSED (above)" >&2; exit 1; }

echo "== self-check of the bundle (first start after the build: cold)"
export PINGSHAN_SELF_CHECK_TIMINGS=1  # the figures below read the TIMING lines
if ! "$EXE" --self-check > "$WORK/self-check-1.txt" 2> "$WORK/self-check-1.err"; then
    cat "$WORK/self-check-1.txt"
    echo "build.sh: the bundle's self-check FAILED (stderr in $WORK/self-check-1.err)" >&2
    exit 1
fi
cat "$WORK/self-check-1.txt"
for n in 2 3; do
    "$EXE" --self-check > "$WORK/self-check-$n.txt" 2>/dev/null || { echo "self-check run $n failed" >&2; exit 1; }
done

echo "== the embedded demo feed inside the bundle"
if "$EXE" -m simulator.server openapi | "$PY" -c "import json,sys; d=json.load(sys.stdin); assert '/api/v1/snapshot' in d['paths']"; then
    echo "OK   feed (pingshan-console -m simulator.server: OpenAPI served from the bundle)"
else
    echo "build.sh: the bundled demo feed does not start" >&2
    exit 1
fi

"$PY" - "$BUNDLE" "$WORK" <<'PYEOF'
import os, re, statistics, sys
from pathlib import Path
bundle, work = Path(sys.argv[1]), Path(sys.argv[2])
size = sum(p.stat().st_size for p in bundle.rglob("*") if p.is_file() and not p.is_symlink())
files = sum(1 for p in bundle.rglob("*") if p.is_file())
runs = []
for n in (1, 2, 3):
    text = (work / f"self-check-{n}.txt").read_text(encoding="utf-8")
    runs.append({k: float(v) for k, v in re.findall(r"^TIMING (\w+)=([\d.]+)", text, re.M)})
print("== figures")
print(f"bundle size            {size / 2**20:8.1f} MiB  ({files} files, {bundle})")
print(f"cold start → usable    {runs[0]['window_usable_s']:8.2f} s    (first start after the build; main window with the cached picture)")
warm = statistics.median(r["window_usable_s"] for r in runs[1:])
print(f"warm start → usable    {warm:8.2f} s    (median of the next runs)")
print(f"map from cached tiles  {runs[0]['map_ready_s']:8.2f} s    after process start (cold)")
print(f"bundled clip playing   {runs[0]['video_playing_s']:8.2f} s    after process start (cold)")
import subprocess, time
exe = str(bundle / "pingshan-console")
t = time.monotonic(); subprocess.run([exe, "--version"], capture_output=True, check=True)
print(f"--version              {time.monotonic() - t:8.2f} s")
env = {k: v for k, v in os.environ.items() if k != "PINGSHAN_SELF_CHECK_TIMINGS"}
t = time.monotonic(); sc = subprocess.run([exe, "--self-check"], capture_output=True, text=True, env=env)
print(f"--self-check           {time.monotonic() - t:8.2f} s    ({len(sc.stdout.splitlines())} lines on stdout, "
      f"{len(sc.stderr.splitlines())} on stderr, rc {sc.returncode})")
PYEOF

for street in "${STREETS[@]}"; do
    "$PY" "$ROOT/packaging/make_installer.py" --bundle "$BUNDLE" --out "$DIST" --street "$street" "${DEMO[@]}"
done
if [ "$OFFLINE" = 1 ]; then
    for deb in "$DIST"/pingshan-console-*_amd64.deb; do
        [ -f "$deb" ] && bash "$ROOT/packaging/make_offline_debs.sh" "$deb" "$DIST/offline-debs-bookworm"
    done
fi

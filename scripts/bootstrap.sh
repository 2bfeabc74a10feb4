#!/usr/bin/env bash
# Make this checkout runnable on a fresh Debian machine that has only Python 3.11+:
# Qt's runtime libraries and a CJK font (when root and missing), a virtual
# environment in .venv with the project and its test tools installed.
# Idempotent and quiet when there is nothing to do.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '[bootstrap] %s\n' "$*" >&2; }

# --- Debian runtime libraries Qt (WebEngine, Multimedia, xcb) needs, and a CJK font.
DEBS=(libpulse0 libxkbcommon0 libxkbcommon-x11-0 libnss3 libegl1 libgl1 libfontconfig1
      libdbus-1-3 libxcomposite1 libxdamage1 libxrandr2 libxtst6 libxkbfile1 libasound2
      libatomic1 libxshmfence1 libgbm1 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1
      libxcb-shape0 libxcb-image0 libxcb-render-util0 fonts-wqy-microhei
      openssl   # openssl: the TLS tests make a throwaway CA with it
      strace    # the durability tests watch the fsync before an acknowledgement
      binutils  # objdump: packaging/check_bundle.py reads ELF links (tests/packaging)
      xvfb xdotool openbox   # real-key tests: a virtual X server, a window manager, key events
      # The video tests' RTSP server: GStreamer's gst-rtsp-server under Debian's Python (PyGObject).
      python3-gi gir1.2-gstreamer-1.0 gir1.2-gst-rtsp-server-1.0
      gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
      # Calling (融合通信, tests/comms): the seat's SIP user agent (baresip-core ships the
      # ctrl_tcp, menu, account, g711, aubridge and alsa modules the console loads), the
      # registrar/proxy the tests run on loopback (kamailio: registrar + usrloc, no database)
      # and the field units' SIP peers (sip-tester: sipp scenarios).
      baresip-core kamailio sip-tester)
if command -v dpkg-query >/dev/null 2>&1; then
  missing=()
  for p in "${DEBS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      say "installing Debian packages: ${missing[*]}"
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -q >/dev/null
      apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
    else
      say "missing Debian packages (run as root to install): ${missing[*]}"
    fi
  fi
fi

# --- Python 3.11+ and the virtual environment.
PY=""
for cand in python3.13 python3.12 python3.11 python3; do
  if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    PY=$(command -v "$cand"); break
  fi
done
[ -n "$PY" ] || { say "Python 3.11 or newer is required"; exit 1; }

if [ ! -x .venv/bin/python ]; then
  say "creating .venv with $("$PY" --version)"
  "$PY" -m venv .venv
fi

# Reinstall only when the dependency list changed.
stamp=.venv/.pingshan-deps
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  say "installing Python packages into .venv (first run takes a few minutes)"
  # pip warns once per package about local index folders this machine's pip.conf may
  # name; those lines are noise, errors still reach the terminal.
  quiet() { grep -v "is ignored: it is neither a file nor a directory" >&2 || true; }
  .venv/bin/python -m pip install -q --upgrade pip >/dev/null 2> >(quiet)
  .venv/bin/python -m pip install -q -e ".[test]" 2> >(quiet)
  echo "$want" > "$stamp"
fi

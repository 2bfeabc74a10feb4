#!/usr/bin/env bash
# Run every test headless (Qt offscreen, a real feed on loopback started by the tests).
# Extra arguments go to pytest, e.g. ./test.sh -k feed
set -euo pipefail
cd "$(dirname "$0")"
scripts/bootstrap.sh
export QT_QPA_PLATFORM=offscreen
export QTWEBENGINE_CHROMIUM_FLAGS="${QTWEBENGINE_CHROMIUM_FLAGS:---no-sandbox --disable-gpu}"
exec .venv/bin/python -m pytest -q -p no:cacheprovider "$@"

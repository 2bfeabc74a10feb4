#!/usr/bin/env bash
# Run every test headless (Qt offscreen, a real feed on loopback started by the tests).
# Extra arguments go to pytest, e.g. ./test.sh -k feed
set -euo pipefail
cd "$(dirname "$0")"
scripts/bootstrap.sh
export QT_QPA_PLATFORM=offscreen
export QTWEBENGINE_CHROMIUM_FLAGS="${QTWEBENGINE_CHROMIUM_FLAGS:---no-sandbox --disable-gpu}"
# If pytest itself dies (a segfault in native code), say which test and phase it was in:
# the crash dump's thread list can push the test's own frame out of a log's tail.
current="$(mktemp)"
export PINGSHAN_TEST_CURRENT_FILE="$current"
set +e
.venv/bin/python -m pytest -q -p no:cacheprovider "$@"
rc=$?
set -e
if [ "$rc" -gt 128 ]; then
    echo "pytest died of signal $((rc - 128)) during: $(cat "$current" 2>/dev/null)" >&2
fi
rm -f "$current"
exit "$rc"

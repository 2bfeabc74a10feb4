#!/usr/bin/env bash
# Start the console against the embedded district feed (demo). Extra arguments go to
# pingshan-console, e.g. ./run.sh --lang en, or ./run.sh --backend https://gateway.example
set -euo pipefail
cd "$(dirname "$0")"
scripts/bootstrap.sh
if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ -z "${QT_QPA_PLATFORM:-}" ]; then
  echo "[run] no display found: set DISPLAY, or QT_QPA_PLATFORM=offscreen with --screenshot DIR" >&2
fi
# The embedded feed unless a gateway is named, or the run needs none (drill, self-check).
case " $* " in
  *" --backend "*|*" --drill "*|*" --self-check "*) ;;
  *) set -- --demo "$@" ;;
esac
exec .venv/bin/pingshan-console "$@"

#!/usr/bin/env bash
# A SIP lab on this machine for trying calls from the console (docs/operator/calls.md):
# kamailio as the district's registrar/proxy on udp 127.0.0.1:5060 (domain pingshan.test)
# and a field unit played by sipp (account team_flood) that rings and answers.
#   scripts/sip_lab.sh                      # answering unit team_flood on port 5060
#   scripts/sip_lab.sh --scenario busy      # a unit that is busy (486)
#   scripts/sip_lab.sh --port 25060 --unit team_rescue
# Then give the seat an account in <cache>/sip.toml (printed below) and start the console.
# Needs kamailio, sip-tester and baresip-core (scripts/bootstrap.sh installs them). Ctrl+C stops all.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
[ -x "$PY" ] || PY=python3
exec "$PY" -m tests.support.siplab "$@"

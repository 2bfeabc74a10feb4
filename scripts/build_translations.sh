#!/usr/bin/env bash
# Refresh the English catalogue from the UI sources and compile it.
#   1. pyside6-lupdate collects every tr()/translate() string of the views into
#      resources/i18n/pingshan_en.ts (existing translations are kept; new strings
#      arrive marked "unfinished" for a translator; no source locations, so moving
#      code does not churn the file);
#   2. pyside6-lrelease compiles it to pingshan_en.qm, which is committed and
#      loaded by widgets/i18n.py for --lang en;
#   3. the hand-written resources/i18n/qt_gaps_*.ts (Qt's own strings that Qt's
#      catalogues leave English) are compiled beside it.
# Run from anywhere; pass --no-update to compile only (what tests/ui/test_i18n.py checks).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}  # another checkout's venv: BIN=/path/.venv/bin
TS=resources/i18n/pingshan_en.ts
QM=resources/i18n/pingshan_en.qm
shopt -s globstar
SOURCES=(widgets/**/*.py console/texts.py)  # widgets/ and its packages; console/texts.py: the core's codes (QT_TRANSLATE_NOOP)

if [ "${1:-}" != "--no-update" ]; then
  "$BIN/pyside6-lupdate" "${SOURCES[@]}" -source-language zh_CN -target-language en \
    -locations none -no-obsolete -ts "$TS"
fi
"$BIN/pyside6-lrelease" "$TS" -qm "$QM"
for gaps in resources/i18n/qt_gaps_*.ts; do
  "$BIN/pyside6-lrelease" "$gaps" -qm "${gaps%.ts}.qm"
done

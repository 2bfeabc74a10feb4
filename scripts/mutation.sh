#!/usr/bin/env bash
# Mutation testing of the modules that carry the console's guarantees (docs/testing.md,
# "Mutation testing"). Each module is mutated by mutmut in its own copy of the tree, with
# only the fast tests that pin that module, at the lowest CPU priority. Not run by CI.
#
#   scripts/mutation.sh                 every module below
#   scripts/mutation.sh outbox_sender   one module (the key of MODULES)
#   MUTATION_ONLY='console.source.xǁLiveSourceǁ_accept__* console.source.xǁLiveSourceǁ_hold__*' \
#     scripts/mutation.sh source        only the mutants whose names match these patterns (a sample)
#
# Needs mutmut (the `mutation` extra: pip install -e '.[mutation]'), or point MUTMUT_PATH
# at a folder it was installed into with `pip install --target`. Results: the summary per
# module on stdout; `cd $MUTATION_WORK/<module> && python -m mutmut results` and
# `… mutmut show <name>` for the survivors.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PY=${PYTHON:-$ROOT/.venv/bin/python}
[ -x "$PY" ] || PY=python3
WORK=${MUTATION_WORK:-/tmp/pingshan-mutation}
export PYTHONPATH=${MUTMUT_PATH:+$MUTMUT_PATH}

declare -A MODULES=(
  [outbox_sender]="console/outbox_sender.py|tests/core/test_outbox_sender.py tests/core/test_commands.py"
  [source]="console/source.py|tests/core/test_source.py tests/faults/test_disk_full.py"
  [ingest]="console/ingest.py|tests/core/test_ingest.py"
  [journal]="offline_cache/journal.py|tests/core/test_cache.py tests/core/test_ingest.py tests/core/test_durability.py"
  [alert_query]="console/alert_query.py|tests/core/test_alert_query.py"
)
ORDER=(outbox_sender source ingest journal alert_query)
[ $# -gt 0 ] && ORDER=("$@")

for key in "${ORDER[@]}"; do
  spec=${MODULES[$key]:?unknown module $key (one of ${!MODULES[*]})}
  file=${spec%%|*}; tests=${spec#*|}
  dest=$WORK/$key
  rm -rf "$dest"; mkdir -p "$dest"
  # The tracked tree (the working copy's files), without the venv or caches.
  git ls-files -z --cached --others --exclude-standard | (cd "$ROOT" && xargs -0 cp --parents -t "$dest" 2>/dev/null || true)
  lines() { printf '%s =\n' "$1"; shift; printf '    %s\n' "$@"; }  # a list, one per line
  {
    echo "[mutmut]"
    lines source_paths console offline_cache
    lines only_mutate "$file"
    lines also_copy simulator district gateway widgets resources bench scripts
    # shellcheck disable=SC2086
    lines pytest_add_cli_args_test_selection $tests
    lines pytest_add_cli_args -q -p no:cacheprovider
    echo "timeout_multiplier = 4"
  } > "$dest/setup.cfg"
  # mutmut reads setup.cfg only when pyproject.toml has no [tool.mutmut] (it has none).
  echo "== $key: $file, tests: $tests"
  started=$(date +%s)
  read -r -a only <<< "${MUTATION_ONLY:-}"  # patterns, not expanded by the shell
  (cd "$dest" && nice -n 19 "$PY" -m mutmut run "${only[@]}" --max-children "${MUTATION_JOBS:-2}" \
      > "$dest/run.log" 2>&1) || echo "   mutmut exited $? (see $dest/run.log)"
  (cd "$dest" && "$PY" -m mutmut results --all true > "$dest/results.txt" 2>&1 || true)
  echo "   $(( $(date +%s) - started )) s; $(grep -c ': killed' "$dest/results.txt" || true) killed," \
       "$(grep -c ': survived' "$dest/results.txt" || true) survived," \
       "$(grep -cE ': (timeout|suspicious|no tests|segfault|skipped)' "$dest/results.txt" || true) other"
done

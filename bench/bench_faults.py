"""Run every fault of the fault-injection suite and print the table (issue 10).

The faults are the coroutines of ``tests/support/faultscenarios.py`` (the same code
``tests/faults/test_fault_suite.py`` runs in CI), each checked against its limit in
``tests/support/faultsupport.LIMITS``, here with the long variants: the feed SIGKILLed and restarted 50 times
(``--kills``), the console SIGKILLed 10 times (``--console-kills``) and
100,000 fuzzed messages.  Columns: fault, tried, survived,
items lost (must be 0), items duplicated (must be 0), dead letters counted, and
the worst event-loop lag a 10 ms ticker saw while the fault ran (floods, 10 MB,
invalid UTF-8 and drip: only the fault itself; the other rows: the whole scenario,
including the harness's synchronous journal reads and a restarted console's restore),
its limit, the worst time error (time faults) and the verdict.  The exit code is 1
when any row is over its limit.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from tests.support.faultscenarios import all_faults  # noqa: E402
from tests.support.faultsupport import FaultResult  # noqa: E402


def table(results: list[FaultResult]) -> str:
    """The fault table as fixed-width text: each figure beside its limit, and the verdict."""
    head = (f"{'fault':<44} {'tried':>6} {'survived':>8} {'lost':>5} {'dup':>4} {'dead letters':>12} "
            f"{'max lag ms':>10} {'lag limit':>9} {'time err s':>10} {'limit':>5}  verdict")
    lines = [head, "-" * len(head)]
    for r in results:
        lag = "-" if r.max_lag_ms is None else f"{r.max_lag_ms:.1f}"
        terr = "-" if r.time_error_s is None else f"{r.time_error_s:.2f}"
        tlim = "-" if r.limit.max_time_error_s is None else f"{r.limit.max_time_error_s:g}"
        lines.append(f"{r.fault:<44} {r.tried:>6} {r.survived:>8} {r.lost:>5} {r.duplicated:>4} "
                     f"{r.dead_letters:>12} {lag:>10} {r.limit.max_lag_ms:>9g} {terr:>10} {tlim:>5}  "
                     f"{'ok' if r.ok else 'RED: ' + '; '.join(r.violations())}")
    lines.append("-" * len(head))
    lines.append(f"{'total':<44} {sum(r.tried for r in results):>6} {sum(r.survived for r in results):>8} "
                 f"{sum(r.lost for r in results):>5} {sum(r.duplicated for r in results):>4} "
                 f"{sum(r.dead_letters for r in results):>12} "
                 f"{max((r.max_lag_ms or 0.0 for r in results), default=0.0):>10.1f}")
    notes = [f"  {r.fault}: {'; '.join(r.notes)}" for r in results if r.notes]
    criteria = [f"  {r.fault}: {r.limit.criterion}" for r in results]
    return "\n".join(lines + (["notes:"] + notes if notes else []) + ["survived means:"] + criteria)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--kills", type=int, default=50, help="feed SIGKILL/restart cycles")
    p.add_argument("--flood", type=int, default=100_000, help="fuzzed malformed messages into Ingest")
    p.add_argument("--console-kills", type=int, default=10, help="console SIGKILLs with commands queued")
    args = p.parse_args(argv)
    os.environ["PINGSHAN_SIM_CONTROLS"] = "1"  # the faults drive the feed's /_sim controls
    logging.basicConfig(level=logging.ERROR)  # a flood logs a warning per dead letter
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="pingshan-faults-") as tmp:
        results = asyncio.run(all_faults(Path(tmp), kills=args.kills, flood=args.flood,
                                         console_kills=args.console_kills))
    print(table(results))
    print(f"({time.monotonic() - t0:.0f} s)")
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())

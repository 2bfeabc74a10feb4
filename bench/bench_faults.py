"""Run every fault of the fault-injection suite and print the table (issue 10).

The faults are the coroutines of ``tests/faults/test_fault_suite.py`` (the same code CI
runs), here with the long variants: the feed SIGKILLed and restarted 50 times
(``--kills``), the console SIGKILLed 10 times (``--console-kills``) and
100,000 fuzzed messages.  Columns: fault, tried, survived,
items lost (must be 0), items duplicated (must be 0), dead letters counted, and
the worst event-loop lag a 10 ms ticker saw while the fault ran (floods, 10 MB,
invalid UTF-8 and drip: only the fault itself; the other rows: the whole scenario,
including the harness's synchronous journal reads and a restarted console's restore).  The exit code
is 1 when any fault lost or duplicated something.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from tests.faults.test_fault_suite import FaultResult, all_faults  # noqa: E402


def table(results: list[FaultResult]) -> str:
    """The fault table as fixed-width text."""
    head = f"{'fault':<44} {'tried':>6} {'survived':>8} {'lost':>5} {'dup':>4} {'dead letters':>12} {'max lag ms':>10}"
    lines = [head, "-" * len(head)]
    for r in results:
        lag = "-" if r.max_lag_ms is None else f"{r.max_lag_ms:.1f}"
        lines.append(f"{r.fault:<44} {r.tried:>6} {r.survived:>8} {r.lost:>5} {r.duplicated:>4} "
                     f"{r.dead_letters:>12} {lag:>10}")
    total = FaultResult("total", sum(r.tried for r in results), sum(r.survived for r in results),
                        sum(r.lost for r in results), sum(r.duplicated for r in results),
                        sum(r.dead_letters for r in results),
                        max((r.max_lag_ms or 0.0 for r in results), default=0.0))
    lines.append("-" * len(head))
    lines.append(f"{'total':<44} {total.tried:>6} {total.survived:>8} {total.lost:>5} {total.duplicated:>4} "
                 f"{total.dead_letters:>12} {total.max_lag_ms or 0.0:>10.1f}")
    notes = [f"  {r.fault}: {'; '.join(r.notes)}" for r in results if r.notes]
    return "\n".join(lines + (["notes:"] + notes if notes else []))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--kills", type=int, default=50, help="feed SIGKILL/restart cycles")
    p.add_argument("--flood", type=int, default=100_000, help="fuzzed malformed messages into Ingest")
    p.add_argument("--console-kills", type=int, default=10, help="console SIGKILLs with commands queued")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)  # a flood logs a warning per dead letter
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="pingshan-faults-") as tmp:
        results = asyncio.run(all_faults(Path(tmp), kills=args.kills, flood=args.flood,
                                         console_kills=args.console_kills))
    print(table(results))
    print(f"({time.monotonic() - t0:.0f} s)")
    return 0 if all(r.lost == 0 and r.duplicated == 0 for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())

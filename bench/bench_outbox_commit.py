"""Operator commands committed per second: ``Outbox.put`` with ``synchronous`` NORMAL vs FULL.

Each ``put`` is one committed transaction, as when an operator acknowledges an
alert.  FULL (the cache's setting since issue 18) fsyncs the WAL before the commit
returns, so a command the operator saw acknowledged survives a power cut; NORMAL
does not.  Both run in one process on the same disk (``TMPDIR``; on tmpfs an fsync
is free and the figures mean nothing), alternating, best of ``--rounds``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from offline_cache.db import open_cache  # noqa: E402
from offline_cache.outbox import Outbox  # noqa: E402


def run(n: int, synchronous: str) -> dict[str, float]:
    """``n`` commands put one by one; commits/s and the median and worst latency in ms."""
    with tempfile.TemporaryDirectory() as tmp:
        cache = open_cache(Path(tmp) / "bench.sqlite")
        cache.conn.execute(f"PRAGMA synchronous = {synchronous}")
        outbox = Outbox(cache)
        lat: list[float] = []
        t0 = time.perf_counter()
        for i in range(n):
            t = time.perf_counter()
            outbox.put(f"cmd-{i}", "alert.ack", f"A{i:07d}", '{"kind": "alert.ack", "note": "已核实，派单处置"}')
            lat.append(time.perf_counter() - t)
        elapsed = time.perf_counter() - t0
        cache.close()
    lat.sort()
    return {"per_s": n / elapsed, "median_ms": statistics.median(lat) * 1000, "max_ms": lat[-1] * 1000}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("-n", type=int, default=500)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args(argv)
    best: dict[str, dict[str, float]] = {}
    for _ in range(max(args.rounds, 1)):
        for sync in ("NORMAL", "FULL"):
            r = run(args.n, sync)
            if sync not in best or r["per_s"] > best[sync]["per_s"]:
                best[sync] = r
    print(f"{'synchronous':<14}{'commits/s':>12}{'median ms':>12}{'worst ms':>12}")
    for sync in ("NORMAL", "FULL"):
        r = best[sync]
        print(f"{sync:<14}{r['per_s']:>12,.0f}{r['median_ms']:>12.2f}{r['max_ms']:>12.2f}")
    print(f"ratio FULL / NORMAL (commits/s): {best['FULL']['per_s'] / best['NORMAL']['per_s']:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

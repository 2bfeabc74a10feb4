"""Envelopes per second through validate → journal → store (no network, no GUI).

Builds N alert envelopes as raw JSON bytes (what the SSE parser hands over), then
feeds them through a real ``Ingest`` over a real SQLite cache with the journal
flushed in batches of 500, the way the runtime does.  Also times ``restore()`` of
the same journal (the restart path) and prints the figures as a table.

Durability (issue 18): the cache runs ``synchronous=FULL`` for operator input while
the journal's batches commit at NORMAL ("shipped").  The same run also measures the
setting before (NORMAL everywhere) and the journal at FULL too, and prints the
ratios: best of ``--rounds`` alternating rounds each, so all share one machine state.
The temporary folder must be on a real disk (``TMPDIR``): on tmpfs an fsync is free.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from console.ingest import Ingest  # noqa: E402
from console.stores import OperatingPicture  # noqa: E402
from offline_cache.db import open_cache  # noqa: E402
from offline_cache.deadletters import DeadLetters  # noqa: E402
from offline_cache.journal import Journal  # noqa: E402
from offline_cache.snapshots import SnapshotTables  # noqa: E402

CST = timezone(timedelta(hours=8))
LEVELS = ("red", "orange", "yellow", "blue")
STREETS = ("pingshan", "maluan", "biling", "shijing", "kengzi", "longtian")


def make_envelopes(n: int) -> list[tuple[str, bytes]]:
    """N distinct alert.upsert envelopes as (stream id, raw bytes)."""
    t0 = datetime(2026, 11, 28, 15, 0, tzinfo=CST)
    out = []
    for i in range(n):
        ts = (t0 + timedelta(milliseconds=i)).isoformat()
        street = STREETS[i % 6]
        env = {
            "v": 1, "id": str(i + 1), "type": "alert.upsert", "ts": ts,
            "scope": {"street": street, "community": None},
            "payload": {
                "id": f"A{i:07d}", "rev": 1, "level": LEVELS[i % 4], "status": "new",
                "source": "hotline_12345", "category": "waterlogging",
                "title": f"坪山河沿线积水 {i}", "description": "市民反映路面积水约 20 厘米",
                "street": street, "community": None,
                "location": {"lon": 114.35 + (i % 100) * 0.0005, "lat": 22.70 + (i % 77) * 0.0005},
                "created_at": ts, "updated_at": ts,
            },
        }
        out.append((str(i + 1), json.dumps(env, ensure_ascii=False).encode()))
    return out


MODES = {
    "shipped": (None, None),  # the cache's FULL, the journal's batches at NORMAL
    "NORMAL everywhere (before)": ("NORMAL", "NORMAL"),
    "FULL, journal too": ("FULL", "FULL"),
}
"""(connection level, journal batch level) per mode; None: as the code ships."""


def run(n: int, mode: str = "shipped", envs: list[tuple[str, bytes]] | None = None) -> dict[str, float]:
    envs = envs if envs is not None else make_envelopes(n)
    conn_level, journal_level = MODES[mode]
    with tempfile.TemporaryDirectory() as tmp:
        cache = open_cache(Path(tmp) / "bench.sqlite")
        if conn_level is not None:
            cache.conn.execute(f"PRAGMA synchronous = {conn_level}")
        journal = Journal(cache)
        if journal_level is not None:
            journal.commit_synchronous = journal_level
        picture = OperatingPicture()
        ingest = Ingest(picture, journal, DeadLetters(cache), SnapshotTables(cache))
        t0 = time.perf_counter()
        for i, (sid, raw) in enumerate(envs, 1):
            ingest.accept(raw, sid)
            if i % 500 == 0:
                ingest.flush()
        ingest.flush()
        elapsed = time.perf_counter() - t0
        assert len(picture.alerts) == n, (len(picture.alerts), n)
        assert journal.count() == n

        picture2 = OperatingPicture()
        ingest2 = Ingest(picture2, Journal(cache), DeadLetters(cache), SnapshotTables(cache))
        t1 = time.perf_counter()
        replayed = ingest2.restore()
        restore_s = time.perf_counter() - t1
        assert len(picture2.alerts) == n and replayed == n
    return {"n": n, "ingest_s": elapsed, "env_per_s": n / elapsed,
            "restore_s": restore_s, "restore_per_s": n / restore_s}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("-n", type=int, default=20_000)
    ap.add_argument("--rounds", type=int, default=3, help="alternating rounds of every mode; best of each")
    args = ap.parse_args(argv)
    envs = make_envelopes(args.n)
    best: dict[str, dict[str, float]] = {}
    for _ in range(max(args.rounds, 1)):
        for mode in MODES:
            r = run(args.n, mode, envs)
            if mode not in best or r["env_per_s"] > best[mode]["env_per_s"]:
                best[mode] = r
    r = best["shipped"]
    before = best["NORMAL everywhere (before)"]["env_per_s"]
    print(f"{'measure':<52}{'value':>12}")
    print(f"{'envelopes ingested':<52}{r['n']:>12,}")
    print(f"{'validate → journal → store (env/s)':<52}{r['env_per_s']:>12,.0f}")
    print(f"{'restart: restore from journal (env/s)':<52}{r['restore_per_s']:>12,.0f}")
    for mode in MODES:
        env_s = best[mode]["env_per_s"]
        print(f"{'  ' + mode + ' (env/s, ratio to before)':<52}{env_s:>12,.0f}  {env_s / before:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Archive search on a months-deep cache: how long the queue's search box waits.

Closed alerts leave the live picture after 48 h and go to the cache's ``alert_archive``
(issue 18); nothing prunes it, so a console on duty for half a year holds about 900,000
of them at the plan's 5,000 events a day. Each pause in the queue's search box runs one
archive search (``console.alert_query.search_archive``, at most 500 hits, newest first).

This bench fills a real cache file with closed alerts spread over ``--days`` days (five
timeline notes each, as a closed loop leaves them), then times searches that end early
(a word most alerts hold), that must read the whole table (a word no alert holds, a rare
id), and the same within the last 7 days. Figures: median and max of 5 runs, in ms, per
archive size, plus the file's size. Last, at the deepest archive, the longest gap of a
10 ms asyncio ticker while five whole-table searches run: on the loop's own thread (as
the console searched before) and through ``console.archive_search`` (a worker thread).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench_alert_queue import timed  # noqa: E402  (median and max of a few calls, in ms)

PER_DAY = 5000


def closed_alerts(n: int, days: int, prefix: str, seed: int = 11) -> Any:
    """``n`` closed alerts over the last ``days`` days, as ``ArchivedAlert`` rows."""
    from console import catalogue
    from console.alert_query import names_from_catalogue, search_text
    from console.models import Alert, AlertNote
    from offline_cache.archive import ArchivedAlert

    rng = random.Random(seed)
    names = names_from_catalogue()
    cats = list(catalogue.categories())
    places = [(s.id, c.id, c.name_zh) for s in catalogue.streets() for c in s.communities]
    now = datetime.now(timezone.utc)
    steps = (("12345 热线", "create", "事件上报"), ("值班员", "acknowledge", "已签收"),
             ("值班员", "dispatch", "派单至社区网格员"), ("网格员", "resolve", "已到场处置完毕"),
             ("值班长", "close", "回访群众满意，闭环"))
    for i in range(n):
        cat = rng.choice(cats)
        street, comm, comm_zh = rng.choice(places)
        created = now - timedelta(minutes=rng.uniform(2 * 24 * 60, days * 24 * 60))
        a = Alert(id=f"{prefix}{i:08d}", rev=5, level=rng.choices(["blue", "yellow", "orange", "red"], [55, 30, 12, 3])[0],
                  status="closed", source=rng.choice(["hotline_12345", "app_pingshan", "grid_patrol", "iot_threshold"]),
                  category=cat.id, title=f"{comm_zh}{cat.name_zh}", description=f"{comm_zh}附近发现{cat.name_zh}，请核实处置。",
                  street=street, community=comm, created_at=created, updated_at=created + timedelta(hours=3),
                  timeline=tuple(AlertNote(ts=created + timedelta(minutes=30 * k), actor=who, action=act, text=text)
                                 for k, (who, act, text) in enumerate(steps)))
        yield ArchivedAlert(a.id, a.rev, a.created_at.timestamp(), a.level, a.status, a.street, a.category,
                            search_text(a, names), a.model_dump_json())


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--days", type=int, nargs="+", default=[30, 90, 180], help="archive depths to measure")
    args = p.parse_args()

    from console.alert_query import AlertFilter, search_archive
    from offline_cache.archive import AlertArchive
    from offline_cache.db import CACHE_FILE, open_cache

    print(f"{'days':>5} {'alerts':>8} {'file MiB':>9}  {'search':<34} {'hits':>5} {'median ms':>10} {'max ms':>8}")
    with tempfile.TemporaryDirectory(prefix="bench-archive-") as tmp:
        cache = open_cache(Path(tmp) / CACHE_FILE)
        archive = AlertArchive(cache)
        done = 0
        for days in sorted(args.days):
            want = (days - done) * PER_DAY  # the deeper archive adds to the one before
            done = days
            batch: list[Any] = []
            for row in closed_alerts(want, days, prefix=f"D{days}-AR", seed=days):
                batch.append(row)
                if len(batch) == 20000:
                    archive.put(batch)
                    batch.clear()
            archive.put(batch)
            have = archive.count()
            size = sum(f.stat().st_size for f in Path(tmp).iterdir()) / 2**20
            week = datetime.now(timezone.utc) - timedelta(days=7)
            rare = f"d{days}-ar{want // 2:08d}"
            cases = [
                ("a word most hold (积水/内涝…: 社区)", AlertFilter(text="社区")),
                ("two words", AlertFilter(text="马峦 积水")),
                ("a rare id", AlertFilter(text=rare)),
                ("a word none holds", AlertFilter(text="不存在的词")),
                ("none holds, last 7 days", AlertFilter(text="不存在的词", since=week)),
                ("red only, a word none holds", AlertFilter(text="不存在的词", levels=frozenset({"red"}))),
            ]
            for name, flt in cases:
                hits = len(search_archive(archive, flt))
                med, worst = timed(lambda: search_archive(archive, flt))
                print(f"{days:>5} {have:>8} {size:>9.0f}  {name:<34} {hits:>5} {med:>10.1f} {worst:>8.1f}", flush=True)
        on_loop, on_worker = asyncio.run(loop_gaps(archive, Path(tmp) / CACHE_FILE))
        print(f"\nlongest loop gap during 5 whole-table searches at {have} alerts: "
              f"on the loop's thread {on_loop:.0f} ms, on the worker {on_worker:.0f} ms "
              f"({on_loop / max(on_worker, 0.001):.0f}×)")
        cache.close()
    return 0


async def loop_gaps(archive: Any, path: Path) -> tuple[float, float]:
    """Longest gap (ms) of a 10 ms ticker while searches run on the loop, then on the worker."""
    from console.alert_query import AlertFilter, search_archive
    from console.archive_search import ArchiveSearch

    flt = AlertFilter(text="不存在的词")

    async def measure(work: Callable[[], Any]) -> float:
        gaps: list[float] = []
        done = asyncio.Event()

        async def ticker() -> None:
            last = time.perf_counter()
            while not done.is_set():
                await asyncio.sleep(0.01)
                now = time.perf_counter()
                gaps.append((now - last) * 1000)
                last = now

        tick = asyncio.ensure_future(ticker())
        await asyncio.sleep(0.05)
        await work()
        done.set()
        await tick
        return max(gaps)

    async def on_loop() -> None:
        for _ in range(5):
            search_archive(archive, flt)
            await asyncio.sleep(0.02)  # a pause in typing

    search = ArchiveSearch(path)

    async def on_worker() -> None:
        for _ in range(5):
            await search.find(flt)
            await asyncio.sleep(0.02)

    return await measure(on_loop), await measure(on_worker)


if __name__ == "__main__":
    os.environ.setdefault("PINGSHAN_SIM_CONTROLS", "1")
    sys.exit(main())

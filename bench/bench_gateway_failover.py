"""Failover under load: 200 consoles on two gateway replicas, a replica and then a NATS node SIGKILLed.

``python bench/bench_gateway_failover.py [--consoles N] [--seconds S] [--rate R] [--alerts-per-s A]``

A 3-node NATS cluster (stream R3) with the synthetic district, two ``pingshan-gateway``
replicas, ``N`` console-like SSE clients (half start on each replica; each keeps every event
id, counts resets, folds the alerts, and on a broken stream waits the console's backoff and
resumes on the other replica with ``Last-Event-ID``: :class:`tests.failoversupport.StreamClient`).
For ``S`` seconds ``R`` operator commands a second come from operator seats spread over both
replicas (a seat whose replica does not answer moves to the other and resends with the same
``Idempotency-Key``) and ``A`` new alerts a second go into the stream. At 25 % of the run replica A is killed with SIGKILL; at 60 % the NATS node that
replica B (now serving everyone) is connected to. Then every console is compared with the
surviving replica: its stream from the start cursor (events lost, repeated, out of order),
its snapshot (alert states), the commands in it (applied once).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from gateway.stream import EventLog  # noqa: E402
from tests.support.failoversupport import (Load, StreamClient, alert_states, applied_counts, login, nats_of, snapshot,  # noqa: E402
                                   spread, stream_ids)
from tests.support.natsupport import GatewayProcess, nats_cluster, seed_stream  # noqa: E402


async def subscribers(http: httpx.AsyncClient, url: str) -> int:
    try:
        text = (await http.get(url + "/metrics", timeout=10)).text
    except httpx.HTTPError:
        return 0
    return next((int(float(ln.split()[1])) for ln in text.splitlines()
                 if ln.startswith("pingshan_gateway_subscribers ")), 0)


async def bench(args: argparse.Namespace, root: Path) -> int:
    nodes = nats_cluster(root)
    urls_nats = [n.url for n in nodes]
    extra = ("--stream-replicas", "3", "--keepalive-s", "2", "--iot-flush-s", "0")
    a = GatewayProcess(urls_nats, root, extra_args=extra, name="replica-a")
    b = GatewayProcess(urls_nats, root, extra_args=extra, name="replica-b")
    try:
        seed_stream(urls_nats, seed=15, backlog=args.backlog, replicas=3)
        a.start()
        b.start()
        assert a.url and b.url
        urls = [a.url, b.url]
        limits = httpx.Limits(max_connections=args.consoles + 200, max_keepalive_connections=100)
        async with httpx.AsyncClient(timeout=30, limits=limits) as http:
            tok = await login(http, a.url)
            snap = await snapshot(http, a.url, tok)
            cursor, base = snap["cursor"], alert_states(snap)
            clients = [StreamClient(http, urls, tok, cursor, base, first=k % 2) for k in range(args.consoles)]
            for c in clients:
                c.start()
            t0 = time.monotonic()
            while sum([await subscribers(http, u) for u in urls]) < args.consoles:
                assert time.monotonic() - t0 < 60, "the consoles did not all connect"
                await asyncio.sleep(0.2)
            print(f"{args.consoles} consoles streaming in {time.monotonic() - t0:.1f} s", flush=True)
            events = EventLog(urls_nats, replicas=3, name="bench-failover")
            await events.connect()
            load = Load(http, urls, tok, events, snap, commands_per_s=args.rate, alerts_per_s=args.alerts_per_s)
            started = time.monotonic()
            run = asyncio.get_running_loop().create_task(load.run(args.seconds))
            await asyncio.sleep(args.seconds * 0.25)
            a.kill()
            replica_killed = time.monotonic()
            print(f"t={replica_killed - started:.1f} s: SIGKILL replica A", flush=True)
            await asyncio.sleep(args.seconds * 0.35)
            connected = await nats_of(http, b.url)
            victim = next(n for n in nodes if connected.endswith(f":{n.port}"))
            victim.kill()
            node_killed = time.monotonic()
            print(f"t={node_killed - started:.1f} s: SIGKILL NATS node {victim.name} (replica B's)", flush=True)
            await run
            await load.drain(120)
            marker = await load.new_alert()
            t1 = time.monotonic()
            while not all(c.reached(marker) for c in clients) and time.monotonic() - t1 < 60:
                await asyncio.sleep(0.2)
            caught_up = sum(c.reached(marker) for c in clients)
            final = await snapshot(http, b.url, tok)
            expected = await stream_ids(http, b.url, tok, cursor, marker)
            for c in clients:
                await c.stop()
            await events.close()

        final_states = alert_states(final)
        figures = [c.check(expected, final_states) for c in clients]
        applied = applied_counts(final)
        accepted = load.accepted()
        statuses = Counter(load.answers.values())
        on_a = [c for c in clients if any(url == a.url for _t, url, _w in c.breaks)]
        r1 = [x for x in (c.resume_s(replica_killed) for c in on_a) if x is not None]
        r2 = [x for x in (c.resume_s(node_killed) for c in clients) if x is not None]
        lost = [f["lost"] for f in figures]
        rows = [
            ("consoles (SSE clients), caught up at the end", f"{args.consoles}, {caught_up}"),
            ("events produced (commands' upserts + new alerts)",
             f"{len(expected)} in {args.seconds:.0f} s ({len(accepted)} commands, {len(load.alerts_made)} alerts)"),
            ("events lost per console (total; worst console)", f"{sum(lost)}; {max(lost)}"),
            ("duplicated event ids (all consoles)", str(sum(f["duplicated"] for f in figures))),
            ("out-of-order ids / ids not in the stream", f"{sum(f['out_of_order'] for f in figures)} / "
                                                         f"{sum(f['unknown'] for f in figures)}"),
            ("resets seen", str(sum(f["resets"] for f in figures))),
            ("replica SIGKILL: silence on its consoles p50 / p95 / max", f"{spread(r1)} ({len(on_a)} consoles moved)"),
            ("NATS node SIGKILL: silence on every console p50 / p95 / max", spread(r2)),
            ("commands answered (status: count)", ", ".join(f"{s}: {n}" for s, n in sorted(statuses.items()))
             + (f", gave up: {len(load.gave_up)}" if load.gave_up else "")),
            ("commands resent (same Idempotency-Key)", str(sum(1 for n in load.tries.values() if n > 1))),
            ("accepted commands applied once / twice or more / never",
             f"{sum(applied[c] == 1 for c in accepted)} / {sum(applied[c] > 1 for c in accepted)} / "
             f"{sum(applied[c] == 0 for c in accepted)}"),
            ("command answer time p50 / p95 / max", spread(list(load.latency.values()))),
            ("new alerts resent during an outage (stored once: msg id)", str(load.alert_resends)),
            ("consoles whose alert states differ from the survivor's snapshot",
             f"{sum(1 for f in figures if f['alerts_unlike'])} of {args.consoles} "
             f"({len(final_states)} alerts compared)"),
        ]
        width = max(len(r[0]) for r in rows)
        print()
        print(f"| {'figure'.ljust(width)} | result |")
        print(f"|{'-' * (width + 2)}|--------|")
        for k, v in rows:
            print(f"| {k.ljust(width)} | {v} |")
        bad = (sum(lost) + sum(f["duplicated"] + f["resets"] + f["alerts_unlike"] for f in figures)
               + sum(applied[c] != 1 for c in accepted) + len(load.gave_up) + (args.consoles - caught_up))
        return 1 if bad else 0
    finally:
        a.stop()
        b.stop()
        for n in nodes:
            n.stop()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--consoles", type=int, default=200, help="SSE clients, half starting on each replica")
    p.add_argument("--seconds", type=float, default=60.0, help="length of the load")
    p.add_argument("--rate", type=float, default=10.0, help="operator commands per second")
    p.add_argument("--alerts-per-s", type=float, default=2.0, help="new alerts per second into the stream")
    p.add_argument("--backlog", type=int, default=150, help="alerts in the district at the start")
    args = p.parse_args()
    logging.getLogger("gateway.stream").setLevel(logging.ERROR)  # the load's own NATS client reconnecting
    root = Path(tempfile.mkdtemp(prefix="bench-failover-"))
    t0 = time.monotonic()
    rc = asyncio.run(bench(args, root))
    print(f"\n(run took {time.monotonic() - t0:.0f} s; logs in {root})")
    return rc


if __name__ == "__main__":
    sys.exit(main())

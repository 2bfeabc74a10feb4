"""Commands/s and SSE resume through pingshan-gateway replicas on a real nats-server (single node).

``python bench/bench_gateway.py [--commands N] [--concurrency C]`` prints one line per figure:
commands/s through one replica and through two (spread over many alerts, and all on one alert,
where replicas contend on the same subject), and the time for a console to resume on the other
replica after N commands.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from console.models import now_utc  # noqa: E402
from tests.support.natsupport import GatewayProcess, NatsNode, seed_stream  # noqa: E402


def body(kind: str, target: str, args: dict) -> dict:
    return {"id": uuid.uuid4().hex, "kind": kind, "target_id": target, "operator": "x",
            "issued_at": now_utc().isoformat(), "args": args}


async def run(urls: list[str], targets: list[str], n: int, concurrency: int) -> tuple[float, dict[int, int]]:
    async with httpx.AsyncClient(timeout=60) as c:
        toks = [(await c.post(u + "/api/v1/auth/token", data={"username": "duty", "password": "duty"})).json()
                ["access_token"] for u in urls]
        codes: dict[int, int] = {}
        sem = asyncio.Semaphore(concurrency)

        async def one(k: int) -> None:
            b = body("alert.note", targets[k % len(targets)], {"text": f"bench {k}"})
            u, t = urls[k % len(urls)], toks[k % len(urls)]
            async with sem:
                r = await c.post(u + "/api/v1/commands", json=b,
                                 headers={"Idempotency-Key": b["id"], "Authorization": f"Bearer {t}"})
            codes[r.status_code] = codes.get(r.status_code, 0) + 1

        t0 = time.perf_counter()
        await asyncio.gather(*(one(k) for k in range(n)))
        return n / (time.perf_counter() - t0), codes


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--commands", type=int, default=1000)
    p.add_argument("--concurrency", type=int, default=16)
    args = p.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bench-gateway-"))
    node = NatsNode(root, "bench").start()
    a, b = GatewayProcess([node.url], root, name="a"), GatewayProcess([node.url], root, name="b")
    try:
        node.wait_jetstream()
        seed_stream([node.url], seed=3, backlog=2000)
        a.start()
        b.start()
        assert a.url and b.url
        tok = httpx.post(a.url + "/api/v1/auth/token", data={"username": "duty", "password": "duty"}).json()["access_token"]
        snap = httpx.get(a.url + "/api/v1/snapshot", headers={"Authorization": f"Bearer {tok}"}, timeout=30).json()
        alerts = [x["id"] for x in snap["alerts"] if x["status"] != "closed"]
        cursor = snap["cursor"]
        accepted = 0
        for label, urls, targets in (("one replica, many alerts", [a.url], alerts),
                                     ("two replicas, many alerts", [a.url, b.url], alerts),
                                     ("two replicas, one alert (contended)", [a.url, b.url], alerts[:1])):
            rate, codes = asyncio.run(run(urls, targets, args.commands, args.concurrency))
            accepted += codes.get(202, 0)
            print(f"commands/s {label}: {rate:.0f}  outcomes {codes}")
        tb = httpx.post(b.url + "/api/v1/auth/token", data={"username": "duty", "password": "duty"}).json()["access_token"]
        t0 = time.perf_counter()
        got = 0
        with httpx.stream("GET", b.url + "/api/v1/stream", timeout=60,
                          headers={"Authorization": f"Bearer {tb}", "Last-Event-ID": cursor}) as r:
            for line in r.iter_lines():
                if line.startswith("data: "):
                    got += 1
                    if got >= accepted:
                        break
        dt = time.perf_counter() - t0
        print(f"resume on the other replica: {got} events after the cursor in {dt:.2f} s ({got / dt:.0f} events/s)")
    finally:
        a.stop()
        b.stop()
        node.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

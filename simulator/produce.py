"""The synthetic district as a producer for the district gateway: it seeds and drives the JetStream stream.

``python -m simulator.produce --nats URL[,URL…] [--seed S] [--backlog N] [--stream-replicas N]
[--alerts-per-s A] [--readings-per-s R] [--seconds T] [--public-url URL]`` builds the same
district as ``pingshan-feed --seed S`` (devices, cameras, the alert backlog), publishes
it as envelopes into the gateway's stream, puts the map layers into the catalogue bucket,
then runs the district's traffic for ``T`` seconds. Its last line is ``sent=N`` (messages
published). Commands are not its business: replicas of ``pingshan-gateway`` decide them.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

from district.arbiter import Item
from gateway.replica import envelope_message
from gateway.stream import EventLog, Outgoing
from simulator import geo
from simulator.world import District, FeedConfig


class ProducingDistrict(District):
    """The synthetic district whose every emitted envelope is also queued for the stream."""

    def __init__(self, config: FeedConfig) -> None:
        self.outbox: list[Outgoing] = []
        super().__init__(config)

    def emit(self, items: list[Item], idempotent: tuple[str, int, str, str] | None = None) -> list[int]:
        ts = self.now()
        self.outbox.extend(envelope_message(etype, payload, street, community, ts=ts)
                           for etype, payload, street, community, _kind in items)
        return super().emit(items, idempotent)

    def take(self) -> list[Outgoing]:
        out, self.outbox = self.outbox, []
        return out


async def produce(servers: list[str], *, seed: int, backlog: int, replicas: int, alerts_per_s: float,
                  readings_per_s: float, seconds: float, public_url: str) -> int:
    """Seed the stream and run the traffic; returns the number of messages published."""
    with tempfile.TemporaryDirectory(prefix="pingshan-produce-") as tmp:
        district = ProducingDistrict(FeedConfig(seed=seed, backlog=backlog, data_dir=Path(tmp),
                                                alerts_per_s=alerts_per_s, readings_per_s=readings_per_s,
                                                public_url=public_url))
        events = EventLog(servers, replicas=replicas, name="pingshan-produce")
        await events.connect()
        try:
            await events.ensure()
            for lid, (info, fc) in geo.layers().items():
                await events.put_layer(lid, info, fc)
            sent = 0
            batch = district.take()
            if batch:
                await events.publish_many(batch)
                sent += len(batch)
            end = time.monotonic() + seconds
            last = time.monotonic()
            while time.monotonic() < end:
                await asyncio.sleep(0.5)
                now = time.monotonic()
                district.tick(now - last)
                last = now
                batch = district.take()
                if batch:
                    await events.publish_many(batch)
                    sent += len(batch)
            return sent
        finally:
            district.store.close()
            await events.close()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m simulator.produce", description="合成数据写入区级网关事件流")
    p.add_argument("--nats", default="nats://127.0.0.1:4222", metavar="URL[,URL…]")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--backlog", type=int, default=150)
    p.add_argument("--stream-replicas", type=int, default=1)
    p.add_argument("--alerts-per-s", type=float, default=0.0)
    p.add_argument("--readings-per-s", type=float, default=0.0)
    p.add_argument("--seconds", type=float, default=0.0)
    p.add_argument("--public-url", default="http://127.0.0.1:8765", help="base of the camera stream URLs")
    args = p.parse_args(argv)
    servers = [u.strip() for u in args.nats.split(",") if u.strip()]
    sent = asyncio.run(produce(servers, seed=args.seed, backlog=args.backlog, replicas=args.stream_replicas,
                               alerts_per_s=args.alerts_per_s, readings_per_s=args.readings_per_s,
                               seconds=args.seconds, public_url=args.public_url))
    print(f"sent={sent}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

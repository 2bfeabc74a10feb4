"""The synthetic district as a producer for the district gateway: it seeds the stream and drives the devices.

``python -m simulator.produce --nats URL[,URL…] [--seed S] [--backlog N] [--devices N] [--cameras N]
[--stream-replicas N] [--alerts-per-s A] [--readings-per-s R] [--seconds T] [--public-url URL]`` builds
the same district as ``pingshan-feed --seed S --devices N --cameras N`` (devices, cameras, the alert
backlog), publishes it as envelopes into the gateway's stream, puts the map layers into the catalogue bucket,
then runs the district's traffic for ``T`` seconds. Its last line is ``sent=N`` (messages
published). Commands are not its business: replicas of ``pingshan-gateway`` decide them.

``pingshan-feed --produce --gateway URL --mqtt HOST:PORT [--nats URL[,URL…]] --seed S --devices N
[--cameras N] --readings-per-s R --alerts-per-s A --seconds T`` drives the devices through the real ingest
path instead: a paho-mqtt client publishes readings and status changes to the gateway's MQTT
listener (``pingshan/iot/<street>/<device>/reading|status``, :mod:`gateway.ingest`), and
``A`` per second of them are threshold excursions (a value past the device's alarm line,
which the gateway turns into an alert). ``N`` devices: the district's own and, beyond
them, more of each kind spread over the communities, the same for the same seed. With
``--nats`` the devices the stream does not hold yet are provisioned first (the whole
district when the stream is empty) and the producer waits until the gateway has folded
them (and the cameras of ``--cameras N`` the stream lacks); without it they must be there
already. It prints ``seeded=K mqtt=M``, then ``sent=N``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Callable

from console.models import Camera, Device
from district.arbiter import Item
from gateway.replica import envelope_message
from gateway.stream import EventLog, Outgoing, event_subject
from simulator import geo
from simulator.world import DEVICE_KINDS, District, FeedConfig, fleet_devices


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


def fleet(district: District, n: int) -> list[Device]:
    """``n`` devices: the district's own (by id), then more of each kind in its proportion (same seed, same fleet)."""
    return fleet_devices(district, n)


async def produce(servers: list[str], *, seed: int, backlog: int, replicas: int, alerts_per_s: float,
                  readings_per_s: float, seconds: float, public_url: str, devices: int = 0, cameras: int = 0) -> int:
    """Seed the stream and run the traffic; returns the number of messages published."""
    with tempfile.TemporaryDirectory(prefix="pingshan-produce-") as tmp:
        # The fleet beyond the district's own devices and cameras is part of its world.
        district = ProducingDistrict(FeedConfig(seed=seed, backlog=backlog, data_dir=Path(tmp),
                                                alerts_per_s=alerts_per_s, readings_per_s=readings_per_s,
                                                public_url=public_url, devices=devices, cameras=cameras))
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


async def provision(servers: list[str], devices: list[Device], make_district: Callable[[], "ProducingDistrict"],
                    replicas: int, cameras: list[Camera] | None = None) -> tuple[int, int]:
    """Put the devices (and cameras) the stream lacks into it (the whole district when it is empty);
    (messages, last seq)."""
    events = EventLog(servers, replicas=replicas, name="pingshan-produce")
    await events.connect()
    try:
        await events.ensure()
        js = events.js
        assert js is not None
        info = await js.stream_info("PINGSHAN", subjects_filter="pingshan.ev.device.>")
        known = set((info.state.subjects or {}).keys())
        if cameras:
            info = await js.stream_info("PINGSHAN", subjects_filter="pingshan.ev.camera.>")
            known |= set((info.state.subjects or {}).keys())
        batch: list[Outgoing] = []
        if int(info.state.last_seq) == 0:
            district = make_district()
            for lid, (layer, fc) in geo.layers().items():
                await events.put_layer(lid, layer, fc)
            batch = district.take()
            district.store.close()
            known = {m.subject for m in batch}
        batch += [envelope_message("device.upsert", d, d.street, d.community) for d in devices
                  if event_subject("device.upsert", d.street, d.id) not in known]
        batch += [envelope_message("camera.upsert", c, c.street, c.community) for c in cameras or ()
                  if event_subject("camera.upsert", c.street, c.id) not in known]
        last = await events.publish_many(batch) if batch else 0
        if not last:
            _first, last = await events.bounds()
        return len(batch), last
    finally:
        await events.close()


def wait_gateway(gateway: str, head: int, timeout_s: float = 120.0) -> None:
    """Until the gateway says it is ready and has folded the stream up to ``head``."""
    import httpx

    deadline = time.monotonic() + timeout_s
    while True:
        try:
            r = httpx.get(gateway.rstrip("/") + "/readyz", timeout=5)
            if r.status_code == 200 and int(r.json().get("head", 0)) >= head:
                return
        except (httpx.HTTPError, ValueError):
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"{gateway} did not reach stream head {head}")
        time.sleep(0.2)


def drive_mqtt(host: str, port: int, devices: list[Device], *, seed: int, readings_per_s: float,
               alerts_per_s: float, seconds: float) -> int:
    """Publish device readings, excursions and status changes over MQTT for ``seconds``; messages published."""
    import paho.mqtt.client as mqtt

    rng = random.Random(f"{seed}:mqtt")
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"pingshan-produce-{seed}-{uuid.uuid4().hex[:12]}",  # no dots: nats-server refuses them
                         protocol=mqtt.MQTTv311)
    client.max_queued_messages_set(0)
    client.connect(host, port, keepalive=30)
    client.loop_start()
    deadline = time.monotonic() + 15
    while not client.is_connected():  # QoS 0 publishes before the CONNACK would be dropped
        if time.monotonic() > deadline:
            raise ConnectionError(f"MQTT listener {host}:{port} did not accept the connection")
        time.sleep(0.02)
    online = [d for d in devices if d.status == "online"]
    status = {d.id: d.status for d in devices}
    values = {d.id: DEVICE_KINDS[d.kind][3] for d in devices}
    sent = 0
    info = None

    def publish(d: Device, what: str, doc: dict[str, object]) -> None:
        nonlocal sent, info
        info = client.publish(f"pingshan/iot/{d.street}/{d.id}/{what}", json.dumps(doc, ensure_ascii=False))
        sent += 1

    def reading(d: Device, value: float) -> None:
        values[d.id] = value
        publish(d, "reading", {"metric": d.metric, "value": value, "ts": round(time.time(), 3)})

    try:
        start = last = time.monotonic()
        carry_r = carry_a = 0.0
        while online and (now := time.monotonic()) < start + seconds:
            dt, last = now - last, now
            carry_r += readings_per_s * dt
            carry_a += alerts_per_s * dt
            while carry_a >= 1.0:
                carry_a -= 1.0
                d = rng.choice(online)
                alarm, direction = DEVICE_KINDS[d.kind][6], DEVICE_KINDS[d.kind][7]
                reading(d, round(alarm * (rng.uniform(0.55, 0.8) if direction == "lower" else rng.uniform(1.05, 1.35)), 3))
            while carry_r >= 1.0:
                carry_r -= 1.0
                d = rng.choice(online)
                base, noise = DEVICE_KINDS[d.kind][3], DEVICE_KINDS[d.kind][4]
                value = values[d.id] + 0.5 * (base - values[d.id]) + rng.gauss(0, noise)
                reading(d, round(max(value, 0.0) if DEVICE_KINDS[d.kind][7] == "higher" else value, 3))
            if rng.random() < 0.04 * dt:
                d = rng.choice(devices)
                status[d.id] = "online" if status[d.id] != "online" else rng.choice(["offline", "fault"])
                publish(d, "status", {"status": status[d.id]})
            time.sleep(0.01)
        if info is not None:
            info.wait_for_publish(30)
    finally:
        client.disconnect()
        client.loop_stop()
    return sent


def mqtt_main(args: argparse.Namespace) -> int:
    """``pingshan-feed --produce --gateway URL --mqtt HOST:PORT …``: devices over the real MQTT ingest."""
    host, _, port = args.mqtt.rpartition(":")
    servers = [u.strip() for u in (args.nats or "").split(",") if u.strip()]
    with tempfile.TemporaryDirectory(prefix="pingshan-produce-") as tmp:
        def make() -> ProducingDistrict:  # a fresh data dir each time: a reused one would load, not emit, the world
            return ProducingDistrict(FeedConfig(seed=args.seed, backlog=args.backlog, cameras=args.cameras,
                                                data_dir=Path(tempfile.mkdtemp(dir=tmp)), public_url=args.public_url))

        district = make()
        devices = fleet(district, args.devices or len(district.devices))
        cameras = sorted(district.cameras.values(), key=lambda c: c.id)
        district.store.close()
        seeded = 0
        if servers:
            seeded, head = asyncio.run(provision(servers, devices, make, args.stream_replicas, cameras))
            if args.gateway:
                wait_gateway(args.gateway, head)
    mqtt_sent = drive_mqtt(host.strip("[]") or "127.0.0.1", int(port), devices, seed=args.seed,
                           readings_per_s=args.readings_per_s, alerts_per_s=args.alerts_per_s, seconds=args.seconds)
    print(f"seeded={seeded} mqtt={mqtt_sent}", flush=True)
    print(f"sent={seeded + mqtt_sent}", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m simulator.produce", description="合成数据写入区级网关事件流")
    p.add_argument("--nats", default=None, metavar="URL[,URL…]",
                   help="the NATS servers (default nats://127.0.0.1:4222; with --mqtt only to provision devices)")
    p.add_argument("--gateway", default=None, metavar="URL", help="a gateway replica (waited for after provisioning)")
    p.add_argument("--mqtt", default=None, metavar="HOST:PORT", help="drive the devices over this MQTT listener")
    p.add_argument("--devices", type=int, default=0, help="devices in the district (default: the district's own)")
    p.add_argument("--cameras", type=int, default=0, help="cameras in the district (default: the district's own 36)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--backlog", type=int, default=150)
    p.add_argument("--stream-replicas", type=int, default=1)
    p.add_argument("--alerts-per-s", type=float, default=0.0)
    p.add_argument("--readings-per-s", type=float, default=0.0)
    p.add_argument("--seconds", type=float, default=0.0)
    p.add_argument("--public-url", default="http://127.0.0.1:8765", help="base of the camera stream URLs")
    args = p.parse_args(argv)
    if args.mqtt:
        return mqtt_main(args)
    servers = [u.strip() for u in (args.nats or "nats://127.0.0.1:4222").split(",") if u.strip()]
    sent = asyncio.run(produce(servers, seed=args.seed, backlog=args.backlog, replicas=args.stream_replicas,
                               alerts_per_s=args.alerts_per_s, readings_per_s=args.readings_per_s,
                               seconds=args.seconds, public_url=args.public_url, devices=args.devices,
                               cameras=args.cameras))
    print(f"sent={sent}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

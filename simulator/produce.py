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
already.

With ``--events-per-s E`` it also posts ``E`` citizen events a second (12345 hotline, i坪山
app, grid patrol, in the synthetic district's proportions) to the gateway's
``POST /api/v1/ingest/events``, and with ``--cap-every-s C`` one CAP 1.2 message every
``C`` seconds to ``POST /api/v1/ingest/cap``: rainstorm and typhoon signals for 坪山区,
each an Alert, then an Update that raises its colour, then a Cancel (:mod:`gateway.sources`).
Keys: ``--api-key-events`` / ``--api-key-cap`` (default: the gateway's ``--demo-sources``
keys). ``--mqtt`` may be left out to drive the HTTP paths alone. It prints
``seeded=K mqtt=M events=E cap=C refused=F``, then ``sent=N`` (everything sent that was
taken: MQTT publishes, and posts answered 200 or 202); a refused post makes the exit
status 1.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Sequence
from xml.sax.saxutils import escape

from console.models import Alert, Camera, Device
from district.rulebook import Item
from district.sources import CITIZEN_SOURCES, DEMO_CAP_KEY, DEMO_EVENTS_KEY
from district.vocabulary import DISTRICT_TZ, LEVEL_ZH
from gateway.replica import envelope_message
from gateway.stream import EventLog, Outgoing, event_subject
from simulator import geo
from simulator.fleet import fleet_devices
from simulator.world import District, FeedConfig
from simulator.world_data import DEVICE_KINDS, SOURCE_WEIGHTS


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


# --------------------------------------------------------------------------- citizen events and CAP over HTTP

EXTERNAL_PREFIX = {"hotline_12345": "GD", "app_pingshan": "IPS", "grid_patrol": "WG"}
CAP_SENDER = "simulated-szmb@pingshan-feed.invalid"
CAP_SEVERITY = {"red": "Extreme", "orange": "Severe", "yellow": "Moderate", "blue": "Minor"}
WARNINGS = (  # (event, signal, first colour, raised colour, what to do)
    ("暴雨", "暴雨", "yellow", "orange", "注意防范内涝，远离低洼地带和河道。"),
    ("台风", "台风", "blue", "yellow", "加固户外设施，非必要不外出。"),
)


def citizen_event(a: Alert, external_id: str) -> dict[str, Any]:
    """A synthetic alert of the district as its source system posts it (district.sources.CitizenEvent)."""
    doc: dict[str, Any] = {"source": a.source, "external_id": external_id, "category": a.category, "level": a.level,
                           "title": a.title, "description": a.description, "community": a.community,
                           "reported_at": a.created_at.isoformat()}
    if a.location is not None:
        doc["location"] = {"lon": a.location.lon, "lat": a.location.lat}
    if a.reporter_phone:
        doc["reporter_phone"] = a.reporter_phone
    return doc


def district_polygon() -> str:
    """坪山区's outline as a CAP polygon (``lat,lon`` pairs, closed)."""
    ring = geo.layers()["district"][1]["features"][0]["geometry"]["coordinates"][0]
    points = [f"{lat:.4f},{lon:.4f}" for lon, lat in ring]
    if points[0] != points[-1]:
        points.append(points[0])
    return " ".join(points)


def warning_cap(identifier: str, sent: datetime, msg_type: str, event: str, colour: str, instruction: str,
                references: Sequence[tuple[str, datetime]] = ()) -> str:
    """One CAP 1.2 message of a Shenzhen-style warning signal for 坪山区 (Alert, Update or Cancel)."""
    stamp = sent.isoformat(timespec="seconds")
    if msg_type == "Cancel":
        headline = f"坪山区{event}预警信号解除"
        urgency, severity, certainty, description = "Past", "Minor", "Observed", f"{event}影响减弱，预警解除。"
    else:
        verb = "升级为" if msg_type == "Update" else "发布"
        headline = f"深圳市气象台{verb}坪山区{event}{LEVEL_ZH[colour]}预警信号"
        urgency, severity, certainty = "Expected", CAP_SEVERITY[colour], "Likely"
        description = f"预计未来6小时坪山区将受{event}影响，请做好防御。"
    refs = " ".join(f"{CAP_SENDER},{ident},{when.isoformat(timespec='seconds')}" for ident, when in references)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">'
        f"<identifier>{identifier}</identifier><sender>{CAP_SENDER}</sender><sent>{stamp}</sent>"
        f"<status>Actual</status><msgType>{msg_type}</msgType><scope>Public</scope>"
        + (f"<references>{refs}</references>" if refs else "")
        + "<info><language>zh-CN</language><category>Met</category>"
        f"<event>{escape(event)}</event><urgency>{urgency}</urgency><severity>{severity}</severity>"
        f"<certainty>{certainty}</certainty><senderName>深圳市气象台</senderName>"
        f"<headline>{escape(headline)}</headline><description>{escape(description)}</description>"
        f"<instruction>{escape(instruction)}</instruction>"
        f"<parameter><valueName>warningColour</valueName><value>{colour}</value></parameter>"
        f"<area><areaDesc>深圳市坪山区</areaDesc><polygon>{district_polygon()}</polygon>"
        "<geocode><valueName>GB2260</valueName><value>440310</value></geocode></area>"
        "</info></alert>"
    )


class WarningChains:
    """The CAP messages a warning-release system sends: per warning an Alert, an Update raising it, a Cancel."""

    def __init__(self, run: str) -> None:
        self.run = run
        self.n = 0
        self.sent: list[tuple[str, datetime]] = []

    def next(self) -> str:
        event, _signal, first, raised, instruction = WARNINGS[(self.n // 3) % len(WARNINGS)]
        step = self.n % 3
        self.n += 1
        identifier = f"PS-SIM-{self.run}-{self.n:05d}"
        now = datetime.now(DISTRICT_TZ).replace(microsecond=0)
        if step == 0:
            self.sent = []
        msg_type = ("Alert", "Update", "Cancel")[step]
        xml = warning_cap(identifier, now, msg_type, event, raised if step else first, instruction, list(self.sent))
        self.sent.append((identifier, now))
        return xml


def drive_http(gateway: str, make_district: Callable[[], District], *, seed: int, events_per_s: float,
               cap_every_s: float, seconds: float, events_key: str, cap_key: str) -> dict[str, int]:
    """Post citizen events and CAP warnings to the gateway for ``seconds``; counts of events, cap, refused."""
    import httpx

    counts = {"events": 0, "cap": 0, "refused": 0}
    if events_per_s <= 0 and cap_every_s <= 0:
        return counts
    run = f"{seed}-{uuid.uuid4().hex[:8]}"  # the same external ids twice would be one event, by design
    district = make_district()
    rng = random.Random(f"{seed}:events")
    sources = list(CITIZEN_SOURCES)
    weights = [SOURCE_WEIGHTS[s] for s in sources]
    chains = WarningChains(run)
    base = gateway.rstrip("/")

    def post(path: str, what: str, content: bytes, mime: str, key: str) -> None:
        for attempt in range(4):
            try:
                r = client.post(base + path, content=content, headers={"Content-Type": mime, "X-Api-Key": key})
            except httpx.HTTPError as exc:
                status, detail, wait = 0, str(exc), 1.0
            else:
                if r.status_code in (200, 202):
                    counts[what] += 1
                    return
                status, detail = r.status_code, r.text[:300]
                wait = float(r.headers.get("Retry-After", "0") or 0)
                if status not in (409, 503):
                    break
            if attempt < 3:
                time.sleep(min(wait, 2.0))
        counts["refused"] += 1
        if counts["refused"] <= 5:
            print(f"{path}: {status} {detail}", file=sys.stderr, flush=True)

    n = 0
    try:
        with httpx.Client(timeout=15) as client:
            start = last = time.monotonic()
            carry = 0.0
            next_cap = start if cap_every_s > 0 else float("inf")
            while (now := time.monotonic()) < start + seconds:
                carry += events_per_s * (now - last)
                last = now
                if now >= next_cap:
                    next_cap += cap_every_s
                    post("/api/v1/ingest/cap", "cap", chains.next().encode("utf-8"), "application/cap+xml", cap_key)
                while carry >= 1.0:
                    carry -= 1.0
                    n += 1
                    src = rng.choices(sources, weights)[0]
                    alert = district.generate_alert(source=src)
                    doc = citizen_event(alert, f"{EXTERNAL_PREFIX[src]}-{run}-{n:06d}")
                    post("/api/v1/ingest/events", "events", json.dumps(doc, ensure_ascii=False).encode("utf-8"),
                         "application/json", events_key)
                time.sleep(0.01)
    finally:
        district.store.close()
    return counts


def ingest_main(args: argparse.Namespace) -> int:
    """``pingshan-feed --produce --gateway URL [--mqtt HOST:PORT] …``: the district through the real ingest paths."""
    servers = [u.strip() for u in (args.nats or "").split(",") if u.strip()]
    with tempfile.TemporaryDirectory(prefix="pingshan-produce-") as tmp:
        def make() -> ProducingDistrict:  # a fresh data dir each time: a reused one would load, not emit, the world
            return ProducingDistrict(FeedConfig(seed=args.seed, backlog=args.backlog, cameras=args.cameras,
                                                data_dir=Path(tempfile.mkdtemp(dir=tmp)), public_url=args.public_url))

        seeded, head, devices = 0, 0, []
        if args.mqtt or args.cameras:
            district = make()
            devices = fleet(district, args.devices or len(district.devices))
            cameras = sorted(district.cameras.values(), key=lambda c: c.id)
            district.store.close()
            if servers:
                seeded, head = asyncio.run(provision(servers, devices, make, args.stream_replicas, cameras))
        if args.gateway:
            wait_gateway(args.gateway, head)
        http: dict[str, int] = {"events": 0, "cap": 0, "refused": 0}
        worker = None
        if args.gateway and (args.events_per_s > 0 or args.cap_every_s > 0):
            def run_http() -> None:
                http.update(drive_http(args.gateway, make, seed=args.seed, events_per_s=args.events_per_s,
                                       cap_every_s=args.cap_every_s, seconds=args.seconds,
                                       events_key=args.api_key_events, cap_key=args.api_key_cap))

            worker = threading.Thread(target=run_http, name="produce-http")
            worker.start()
        mqtt_sent = 0
        try:
            if args.mqtt:
                host, _, port = args.mqtt.rpartition(":")
                mqtt_sent = drive_mqtt(host.strip("[]") or "127.0.0.1", int(port), devices, seed=args.seed,
                                       readings_per_s=args.readings_per_s, alerts_per_s=args.alerts_per_s,
                                       seconds=args.seconds)
        finally:
            if worker is not None:
                worker.join()
    print(f"seeded={seeded} mqtt={mqtt_sent} events={http['events']} cap={http['cap']} refused={http['refused']}",
          flush=True)
    print(f"sent={seeded + mqtt_sent + http['events'] + http['cap']}", flush=True)
    return 1 if http["refused"] else 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m simulator.produce", description="合成数据写入区级网关事件流")
    p.add_argument("--nats", default=None, metavar="URL[,URL…]",
                   help="the NATS servers (default nats://127.0.0.1:4222; with --mqtt only to provision devices)")
    p.add_argument("--gateway", default=None, metavar="URL",
                   help="a gateway replica: waited for after provisioning; citizen events and CAP are posted to it")
    p.add_argument("--mqtt", default=None, metavar="HOST:PORT", help="drive the devices over this MQTT listener")
    p.add_argument("--events-per-s", type=float, default=0.0, help="citizen events posted to --gateway a second")
    p.add_argument("--cap-every-s", type=float, default=0.0, help="one CAP warning message posted every S seconds")
    p.add_argument("--api-key-events", default=DEMO_EVENTS_KEY, help="X-Api-Key of the events (default: demo key)")
    p.add_argument("--api-key-cap", default=DEMO_CAP_KEY, help="X-Api-Key of the CAP warnings (default: demo key)")
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
    if args.mqtt or args.gateway:
        return ingest_main(args)
    servers = [u.strip() for u in (args.nats or "nats://127.0.0.1:4222").split(",") if u.strip()]
    sent = asyncio.run(produce(servers, seed=args.seed, backlog=args.backlog, replicas=args.stream_replicas,
                               alerts_per_s=args.alerts_per_s, readings_per_s=args.readings_per_s,
                               seconds=args.seconds, public_url=args.public_url, devices=args.devices,
                               cameras=args.cameras))
    print(f"sent={sent}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

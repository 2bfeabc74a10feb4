"""A street sub-centre cut off from the district: alarm latency while cut, catch-up after the heal.

``python bench/bench_street.py [--alarms 20] [--cut-minutes 10] [--devices-per-street 16667]``
starts the district hub (``nats-server``, JetStream domain ``hub``, MQTT) with its gateway
(``--street-nodes maluan``), and 马峦街道's node (leaf ``nats-server`` with its own domain and
MQTT, the street gateway ``--street maluan``) with the leaf link through a TCP relay, then:

1. cuts the link and raises ``--alarms`` device alarms over the street's MQTT, one at a time:
   latency from the MQTT publish to the alert on the street gateway's SSE stream (what the
   street's console sees), p50/p95/max;
2. still cut, writes ``--cut-minutes`` of the street's traffic into the street's stream and the
   district's traffic for the street into the hub's stream, at the plan's rates: one
   ``reading.batch`` per second (the street's share of 100,000 devices reporting once a minute,
   ``--devices-per-street`` / 60 readings each), and an alert with two actions per 5 s on each side;
3. heals the link: time until the hub's stream holds every street message and the street's every
   district message (JetStream sourcing), and until a district console (SSE on the hub gateway)
   has received the street's last message; messages/s of the catch-up.

Everything runs on this machine (2 shared cores here): the figures are for this setup only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.support.natsupport import GatewayProcess, seed_stream, until  # noqa: E402
from tests.support.streetsupport import HubNode, LinkProxy, StreetNode  # noqa: E402

STREET = "maluan"


def token(url: str, user: str) -> str:
    r = httpx.post(url + "/api/v1/auth/token", data={"username": user, "password": user}, timeout=10)
    r.raise_for_status()
    return str(r.json()["access_token"])


class Watcher:
    """An SSE client that notes when each alert id (and each marker) first arrives."""

    def __init__(self, url: str, tok: str) -> None:
        self.url, self.tok = url, tok
        r = httpx.get(url + "/api/v1/snapshot", headers={"Authorization": f"Bearer {tok}"}, timeout=60)
        self.cursor = r.json()["cursor"]
        self.seen: dict[str, float] = {}
        self.count = 0
        self._stop = threading.Event()
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                with httpx.stream("GET", self.url + "/api/v1/stream", timeout=httpx.Timeout(5.0, read=5.0),
                                  headers={"Authorization": f"Bearer {self.tok}", "Last-Event-ID": self.cursor}) as r:
                    for line in r.iter_lines():
                        if line.startswith("data: "):
                            env = json.loads(line[6:])
                            self.cursor = env["id"]
                            self.count += 1
                            if env["type"] == "alert.upsert":
                                self.seen.setdefault(env["payload"]["id"], time.monotonic())
            except httpx.HTTPError:
                time.sleep(0.1)

    def close(self) -> None:
        self._stop.set()


def mqtt_client(port: int) -> Any:
    import paho.mqtt.client as mqtt

    c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"bench-{uuid.uuid4().hex[:12]}")
    c.connect("127.0.0.1", port)
    c.loop_start()
    until(c.is_connected, 10)
    return c


def alarm_latency(street_url: str, mqtt_port: int, n: int) -> list[float]:
    tok = token(street_url, STREET)
    snap = httpx.get(street_url + "/api/v1/snapshot", headers={"Authorization": f"Bearer {tok}"}, timeout=60).json()
    devices = sorted((d for d in snap["devices"] if d["street"] == STREET and d["status"] == "online"
                      and (d.get("thresholds") or {}).get("alarm") is not None
                      and (d.get("thresholds") or {}).get("warn") is not None), key=lambda d: d["id"])
    watcher = Watcher(street_url, tok)
    client = mqtt_client(mqtt_port)
    out: list[float] = []
    try:
        for d in devices[:n]:
            th = d["thresholds"]
            value = th["alarm"] + (th["alarm"] - th["warn"]) * 0.5
            before = set(watcher.seen)
            t0 = time.monotonic()
            client.publish(f"pingshan/iot/{STREET}/{d['id']}/reading",
                           json.dumps({"metric": d["metric"], "value": value})).wait_for_publish(10)

            def arrived() -> float | None:
                new = [t for k, t in watcher.seen.items() if k not in before and k.startswith(f"IOT-{STREET}-")]
                return min(new) if new else None
            t1 = until(arrived, 20)
            out.append(t1 - t0)
    finally:
        client.disconnect()
        client.loop_stop()
        watcher.close()
    return out


def traffic(origin: str, minutes: float, devices: int) -> list[Any]:
    """``minutes`` of one side's traffic for the street, as stream messages (envelopes of wire contract v1)."""
    from console.models import Alert, AlertNote, Reading, ReadingBatch
    from gateway.replica import envelope_message

    out = []
    now = datetime.now(timezone.utc)
    per_batch = max(1, devices // 60)
    for s in range(int(minutes * 60)):
        readings = tuple(Reading(device_id=f"water_level-{k:05d}", metric="water_level", value=1.0 + k / 1000, ts=now)
                         for k in range(per_batch))
        out.append(envelope_message("reading.batch", ReadingBatch(readings=readings), STREET, None, ts=now))
        if s % 5 == 0:
            aid = f"BENCH-{origin}-{s:05d}"
            notes: tuple[AlertNote, ...] = ()
            for rev, (status, action) in enumerate((("new", "create"), ("acknowledged", "acknowledge"),
                                                    ("dispatched", "dispatch")), start=1):
                notes = (*notes, AlertNote(ts=now, actor=origin, action=action))
                alert = Alert(id=aid, rev=rev, level="yellow", status=status, source="grid_patrol",  # type: ignore[arg-type]
                              category="waterlogging", title=f"测试 {aid}", street=STREET, created_at=now,
                              updated_at=now, timeline=notes)
                out.append(envelope_message("alert.upsert", alert, STREET, None, ts=now))
    return out


async def write(url: str, batch: list[Any]) -> float:
    from gateway.stream import EventLog

    events = EventLog([url], name="bench-street")
    await events.connect()
    try:
        t0 = time.monotonic()
        for i in range(0, len(batch), 500):
            await events.publish_many(batch[i:i + 500])
        return time.monotonic() - t0
    finally:
        await events.close()


async def stream_count(url: str) -> tuple[int, int]:
    """(messages, source lag) of a node's stream."""
    import nats

    nc = await nats.connect(url)
    try:
        info = await nc.jetstream().stream_info("PINGSHAN")
        lag = sum(int(s.lag or 0) for s in (info.sources or ()))
        return int(info.state.messages), lag
    finally:
        await nc.close()


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--alarms", type=int, default=20)
    ap.add_argument("--cut-minutes", type=float, default=10.0)
    ap.add_argument("--devices-per-street", type=int, default=16_667, help="100,000 devices / 6 streets")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-street-") as tmp:
        root = Path(tmp)
        hub = HubNode(root, mqtt=True)
        link = LinkProxy(hub.leaf_port)
        street = StreetNode(root, STREET, link.port, mqtt=True)
        hub_gw = GatewayProcess([hub.url], root, name="hub-gw", extra_args=("--street-nodes", STREET,
                                                                              "--keepalive-s", "1"))
        street_gw = GatewayProcess([street.url], root, name="street-gw", extra_args=("--street", STREET,
                                                                                     "--iot-flush-s", "0.2",
                                                                                     "--keepalive-s", "1"))
        try:
            hub.start()
            hub.wait_jetstream()
            seed_stream([hub.url], seed=3, backlog=100)
            link.heal()
            street.start()
            street.wait_jetstream()
            hub_url, street_url = hub_gw.start(), street_gw.start()
            until(lambda: httpx.get(street_url + "/readyz", timeout=5).json().get("district_link") == "linked", 30)
            stok = token(street_url, STREET)
            until(lambda: len(httpx.get(street_url + "/api/v1/snapshot", timeout=30,
                                        headers={"Authorization": f"Bearer {stok}"}).json()["devices"]) > 20, 60)

            link.cut()
            until(lambda: httpx.get(street_url + "/readyz", timeout=5).json().get("district_link") == "cut", 30)
            assert street.mqtt_port is not None
            lat = alarm_latency(street_url, street.mqtt_port, args.alarms)

            street_msgs = traffic(STREET, args.cut_minutes, args.devices_per_street)
            hub_msgs = traffic("hub", args.cut_minutes, args.devices_per_street)
            hub_before, _ = asyncio.run(stream_count(hub.url))
            street_before, _ = asyncio.run(stream_count(street.url))
            w_street = asyncio.run(write(street.url, street_msgs))
            w_hub = asyncio.run(write(hub.url, hub_msgs))
            size = sum(len(m.data) for m in street_msgs) + sum(len(m.data) for m in hub_msgs)
            watcher = Watcher(hub_url, token(hub_url, "duty"))
            last_street = f"BENCH-{STREET}-{int(args.cut_minutes * 60 - 1) // 5 * 5:05d}"

            t0 = time.monotonic()
            link.heal()
            want_hub = hub_before + len(hub_msgs) + len(street_msgs)
            want_street = street_before + len(street_msgs) + len(hub_msgs)
            hub_done = street_done = None
            while time.monotonic() - t0 < 600 and (hub_done is None or street_done is None):
                if hub_done is None and asyncio.run(stream_count(hub.url))[0] >= want_hub:
                    hub_done = time.monotonic() - t0
                if street_done is None and asyncio.run(stream_count(street.url))[0] >= want_street:
                    street_done = time.monotonic() - t0
                time.sleep(0.05)
            console_done = until(lambda: watcher.seen.get(last_street), 600) - t0
            watcher.close()
        finally:
            for p in (street_gw, hub_gw):
                p.stop()
            link.cut()
            street.stop()
            hub.stop()

    n = len(street_msgs) + len(hub_msgs)
    print(f"\nstreet node ({STREET}), everything on one machine:")
    print("| case | result |\n|---|---|")
    print(f"| street alarm (MQTT) → on the street console's SSE, {len(lat)} alarms, link cut | "
          f"p50 {statistics.median(lat) * 1000:.0f} ms, p95 {pct(lat, 0.95) * 1000:.0f} ms, max {max(lat) * 1000:.0f} ms |")
    print(f"| traffic while cut ({args.cut_minutes:g} min, each side) | street {len(street_msgs):,} msgs "
          f"(written in {w_street:.1f} s), district {len(hub_msgs):,} msgs ({w_hub:.1f} s), {size / 1e6:.1f} MB |")
    if hub_done is not None and street_done is not None:
        print(f"| heal → hub holds every street message | {hub_done:.2f} s ({len(street_msgs) / hub_done:,.0f} msgs/s) |")
        print(f"| heal → street holds every district message | {street_done:.2f} s ({len(hub_msgs) / street_done:,.0f} msgs/s) |")
    print(f"| heal → the street's last alert on a district console (SSE) | {console_done:.2f} s |")
    print(f"| both directions together | {n:,} msgs, {n / max(hub_done or 0, street_done or 0, 1e-9):,.0f} msgs/s |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""MQTT device messages in → SSE events out through a pingshan-gateway replica, against a bare NATS loop.

``python bench/bench_gateway_mqtt.py [--devices 10000] [--messages 50000]`` starts one
``nats-server`` (JetStream + MQTT listener), provisions ``--devices`` devices into the stream
(``simulator.produce --devices``), starts one gateway replica (1 s ingest window) and a console's
SSE stream on it, then:

- bare: nats-py publishes ``--messages`` messages of a reading's size and a subscriber on another
  connection takes them all (the ceiling of one Python client on this machine);
- MQTT: one paho-mqtt client publishes ``--messages`` readings round-robin over the devices, as
  fast as it can; "in" is messages / time until the gateway has folded the last of them, "out"
  the ``reading.batch`` envelopes (and readings in them) the SSE client received.

Prints a table; the ratio is MQTT-in over bare NATS.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.support.natsupport import ROOT, GatewayProcess, NatsNode  # noqa: E402


async def bare_nats(url: str, n: int, size: int) -> float:
    """Messages/s of a nats-py publish → subscribe loop (two connections)."""
    import nats

    pub, sub = await nats.connect(url), await nats.connect(url)
    got = 0
    done = asyncio.Event()

    async def cb(_msg: object) -> None:
        nonlocal got
        got += 1
        if got >= n:
            done.set()

    await sub.subscribe("bench.bare.x", cb=cb)
    await sub.flush()
    payload = b"x" * size
    t0 = time.perf_counter()
    for _ in range(n):
        await pub.publish("bench.bare.x", payload)
    await pub.flush()
    await asyncio.wait_for(done.wait(), 120)
    rate = n / (time.perf_counter() - t0)
    await pub.close()
    await sub.close()
    return rate


def metric(url: str, name: str) -> float:
    for line in httpx.get(url + "/metrics", timeout=10).text.splitlines():
        if line.startswith(name + " "):
            return float(line.rsplit(" ", 1)[1])
    raise KeyError(name)


class Tap(threading.Thread):
    """A console's SSE stream of ``reading.batch`` (counts envelopes and readings)."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        tok = httpx.post(url + "/api/v1/auth/token", data={"username": "duty", "password": "duty"}).json()
        head = httpx.get(url + "/readyz").json()["head"]
        self.req = (url + "/api/v1/stream", {"topics": "reading.batch"},
                    {"Authorization": f"Bearer {tok['access_token']}", "Last-Event-ID": str(head)})
        self.events = 0
        self.readings = 0
        self.bytes = 0
        self.stop = False

    def run(self) -> None:
        url, params, headers = self.req
        with httpx.stream("GET", url, params=params, headers=headers, timeout=60) as r:
            for line in r.iter_lines():
                if self.stop:
                    return
                if line.startswith("data: "):
                    self.events += 1
                    self.bytes += len(line)
                    self.readings += len(json.loads(line[6:])["payload"]["readings"])


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--devices", type=int, default=10_000)
    p.add_argument("--messages", type=int, default=50_000)
    args = p.parse_args()
    import paho.mqtt.client as mqtt

    root = Path(tempfile.mkdtemp(prefix="bench-gateway-mqtt-"))
    node = NatsNode(root, "bench", mqtt=True).start()
    gw = GatewayProcess([node.url], root, name="gw", extra_args=("--keepalive-s", "1"))
    rows: list[tuple[str, str]] = []
    try:
        node.wait_jetstream()
        t0 = time.perf_counter()
        r = subprocess.run([sys.executable, "-m", "simulator.produce", "--nats", node.url, "--seed", "1",
                            "--backlog", "20", "--devices", str(args.devices)], capture_output=True, text=True,
                           cwd=ROOT, timeout=1800)
        assert r.returncode == 0, r.stderr[-2000:]
        rows.append(("provision devices into the stream", f"{args.devices:,} in {time.perf_counter() - t0:.1f} s"))
        t0 = time.perf_counter()
        url = gw.start(timeout_s=600)
        rows.append(("gateway start (fold the stream)", f"{time.perf_counter() - t0:.1f} s"))
        snap = httpx.get(url + "/api/v1/snapshot", timeout=120, headers={"Authorization": "Bearer " + httpx.post(
            url + "/api/v1/auth/token", data={"username": "duty", "password": "duty"}).json()["access_token"]})
        devices = [(d["id"], d["street"], d["metric"], d["thresholds"]["warn"], d["thresholds"]["alarm"])
                   for d in snap.json()["devices"]]
        bare = asyncio.run(bare_nats(node.url, args.messages, 80))
        rows.append(("bare nats-py publish → subscribe", f"{bare:,.0f} msg/s"))

        tap = Tap(url)
        tap.start()
        time.sleep(0.5)
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="bench-devices")
        client.max_queued_messages_set(0)
        client.connect("127.0.0.1", node.mqtt_port or 0)
        client.loop_start()
        while not client.is_connected():
            time.sleep(0.02)
        key = 'pingshan_gateway_iot_messages_in_total{source="mqtt"}'
        in0 = metric(url, key)
        windows0 = metric(url, "pingshan_gateway_iot_windows_total")
        topics = [(f"pingshan/iot/{st}/{did}/reading", m, (w * 2 if a < w else w * 0.5))
                  for did, st, m, w, a in devices]
        t0 = time.perf_counter()
        info = None
        for k in range(args.messages):
            topic, m, v = topics[k % len(topics)]
            info = client.publish(topic, json.dumps({"metric": m, "value": round(v + (k % 97) * 1e-3, 3)}))
        if info is not None:
            info.wait_for_publish(120)
        published = time.perf_counter() - t0
        deadline = time.monotonic() + 600
        while metric(url, key) - in0 < args.messages and time.monotonic() < deadline:
            time.sleep(0.05)
        folded = time.perf_counter() - t0
        taken = metric(url, key) - in0
        time.sleep(2.5)  # the last window reaches the SSE client
        tap.stop = True
        windows = metric(url, "pingshan_gateway_iot_windows_total") - windows0
        rejected = sum(float(line.rsplit(" ", 1)[1]) for line in httpx.get(url + "/metrics").text.splitlines()
                       if line.startswith("pingshan_gateway_iot_rejected_total"))
        client.disconnect()
        client.loop_stop()
        rate_in = taken / folded
        rows.append(("paho publish (client side)", f"{args.messages / published:,.0f} msg/s"))
        rows.append(("MQTT in → folded by the gateway", f"{rate_in:,.0f} msg/s ({taken:,.0f} of {args.messages:,}, "
                                                        f"{rejected:.0f} refused, {folded:.1f} s)"))
        rows.append(("ratio MQTT in / bare NATS", f"{rate_in / bare:.2f}"))
        rows.append(("SSE events out (reading.batch)", f"{tap.events:,} envelopes over {windows:.0f} windows "
                                                      f"({tap.events / max(folded, 1e-9):,.1f}/s), "
                                                      f"{tap.readings:,} readings, {tap.bytes / 1e6:.1f} MB"))
        rows.append(("messages in per SSE event out", f"{taken / max(tap.events, 1):,.0f}"))
    finally:
        gw.stop()
        node.stop()
    width = max(len(a) for a, _ in rows)
    print(f"\nMQTT ingest, {args.devices:,} devices, {args.messages:,} messages (one gateway replica, 1 s window)\n")
    print(f"| {'case'.ljust(width)} | result |")
    print(f"|{'-' * (width + 2)}|---|")
    for a, b in rows:
        print(f"| {a.ljust(width)} | {b} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

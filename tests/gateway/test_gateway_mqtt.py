"""Devices over MQTT into the district gateway: a real ``nats-server`` with its MQTT listener and
JetStream, two gateway replicas, a real paho-mqtt client.

Each test builds the input a plausible bug gets wrong: thousands of readings in a second
(one event per message instead of one batch per street), a device that stays past its
alarm line or wobbles between its warning and alarm lines (an alert per reading), a bad
message among good ones (a crash, or a half-applied value), two replicas that both take
the same messages (every reading twice), a leader that stops (readings lost).
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from typing import Any, Iterator

import httpx
import pytest

from console.models import Device, Thresholds, now_utc
from district.iot import DEVICE_KIND_RULES, threshold_text
from gateway.ingest import DEAD_STREAM, MAX_MESSAGE_BYTES
from simulator.world_data import DEVICE_KINDS
from tests.support.mqttsupport import Devices, SseTap, quiet_value
from tests.support.natsupport import ROOT, GatewayProcess, NatsNode, metrics, seed_stream, token
from tests.support.natsupport import until as _until


def until(pred: Any, timeout_s: float = 15.0) -> Any:
    return _until(pred, timeout_s)

FLUSH_S = 0.5




def rejected(url: str, reason: str) -> float:
    return metrics(url)[f'pingshan_gateway_iot_rejected_total{{reason="{reason}"}}']


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[NatsNode, list[GatewayProcess], list[Device]]]:
    """One nats-server (JetStream + MQTT), the synthetic district in the stream, two replicas."""
    root = tmp_path_factory.mktemp("gateway-mqtt")
    node = NatsNode(root, "single", mqtt=True).start()
    extra = ("--iot-flush-s", str(FLUSH_S), "--keepalive-s", "0.5")
    replicas = [GatewayProcess([node.url], root, name=f"replica-{n}", extra_args=extra) for n in "ab"]
    try:
        node.wait_jetstream()
        seed_stream([node.url], seed=5, backlog=30)
        for r in replicas:
            r.start()
        url = replicas[0].url
        assert url is not None
        snap = httpx.get(url + "/api/v1/snapshot", headers={"Authorization": f"Bearer {token(url)}"}, timeout=30)
        devices = [Device.model_validate(d) for d in snap.json()["devices"]]
        yield node, replicas, devices
    finally:
        for r in replicas:
            r.stop()
        node.stop()


@pytest.fixture()
def devices_client(hub: tuple[NatsNode, list[GatewayProcess], list[Device]]) -> Iterator[Devices]:
    node = hub[0]
    assert node.mqtt_port is not None
    c = Devices(node.mqtt_port)
    try:
        yield c
    finally:
        c.close()


def leader(replicas: list[GatewayProcess]) -> GatewayProcess:
    def one() -> GatewayProcess | None:
        live = [r for r in replicas if r.proc is not None]
        held = [r for r in live if metrics(str(r.url))["pingshan_gateway_iot_leader"] == 1]
        return held[0] if len(held) == 1 else None
    return until(one)


def test_kind_rules_are_the_synthetic_districts() -> None:
    for kind, meta in DEVICE_KINDS.items():
        assert DEVICE_KIND_RULES[kind] == (meta[0], meta[8])
        d = Device(id="x-1", rev=1, kind=kind, name="某监测点", location={"lon": 114.3, "lat": 22.7},  # type: ignore[arg-type]
                   status="online", metric=meta[1], unit=meta[2], thresholds=Thresholds(warn=meta[5], alarm=meta[6]),
                   updated_at=now_utc())
        # The wording simulator.world gives its own threshold alerts.
        assert threshold_text(d, 1.234) == (f"某监测点{meta[0]}超阈值", f"某监测点监测值 1.23{meta[2]}，报警阈值 {meta[6]}{meta[2]}。")


def test_readings_become_bounded_per_street_batches_once(hub: tuple[NatsNode, list[GatewayProcess], list[Device]],
                                                         devices_client: Devices) -> None:
    _node, replicas, devices = hub
    online = [d for d in devices if d.status == "online"]
    taps = [SseTap(str(r.url)) for r in replicas]
    try:
        lead = leader(replicas)
        windows0 = metrics(str(lead.url))["pingshan_gateway_iot_windows_total"]
        last: dict[str, float] = {}
        sent = 0
        for k in range(3000):
            d = online[k % len(online)]
            v = quiet_value(d, k)
            devices_client.reading(d, v)
            last[d.id] = v
            sent += 1
        devices_client.flush()
        for tap in taps:
            until(lambda: dict(tap.values()).items() >= last.items(), 20)
        windows = metrics(str(lead.url))["pingshan_gateway_iot_windows_total"] - windows0
        streets = {d.street for d in online}
        for tap in taps:  # both replicas serve the same stream
            batches = tap.batches()
            assert len(batches) <= len(streets) * windows, (len(batches), windows)
            assert len(batches) < sent / 20
            for b in batches:
                ids = [r["device_id"] for r in b["payload"]["readings"]]
                assert len(ids) == len(set(ids)), "one reading per device per batch"
                assert {next(d.street for d in online if d.id == i) for i in ids} == {b["scope"]["street"]}
            values = tap.values()
            assert len(values) == len(set(values)), "a reading was emitted twice"
            assert dict(values).items() >= last.items()
    finally:
        for tap in taps:
            tap.close()


def iot_alerts(url: str, device_id: str) -> list[Any]:
    snap = httpx.get(url + "/api/v1/snapshot", headers={"Authorization": f"Bearer {token(url)}"}, timeout=30).json()
    return [a for a in snap["alerts"] if a["device_id"] == device_id and a["source"] == "iot_threshold"]


def pass_windows(url: str, n: int = 2) -> None:
    start = metrics(url)["pingshan_gateway_iot_windows_total"]
    until(lambda: metrics(url)["pingshan_gateway_iot_windows_total"] >= start + n)


@pytest.mark.parametrize("kind", ["river_level", "hydrant_pressure"])
def test_a_threshold_crossing_raises_one_alert_until_back_below_warning(
        hub: tuple[NatsNode, list[GatewayProcess], list[Device]], devices_client: Devices, kind: str) -> None:
    _node, replicas, devices = hub
    d = next(x for x in devices if x.kind == kind and x.status == "online")
    warn, alarm = d.thresholds.warn, d.thresholds.alarm
    assert warn is not None and alarm is not None
    sign = -1 if alarm < warn else 1
    gap = abs(alarm - warn)
    url = str(leader(replicas).url)
    assert iot_alerts(url, d.id) == []
    beyond, between, safe = alarm + sign * gap * 0.2, warn + sign * gap * 0.5, warn - sign * gap * 0.5

    devices_client.reading(d, beyond)
    devices_client.flush()
    first = until(lambda: iot_alerts(url, d.id))
    assert len(first) == 1
    assert (first[0]["title"], first[0]["description"]) == threshold_text(d, beyond)
    assert first[0]["category"] == DEVICE_KINDS[kind][8] and first[0]["status"] == "new"
    # Still past the line, then back between warning and alarm, then past it again: no new crossing.
    for v in (beyond + sign * gap * 0.1, between, beyond):
        devices_client.reading(d, v)
        devices_client.flush()
        pass_windows(url)
    assert len(iot_alerts(url, d.id)) == 1
    # Back inside the warning line re-arms it; the next crossing is a second alert.
    devices_client.reading(d, safe)
    devices_client.flush()
    pass_windows(url)
    assert len(iot_alerts(url, d.id)) == 1
    devices_client.reading(d, beyond)
    devices_client.flush()
    second = until(lambda: len(iot_alerts(url, d.id)) == 2 and iot_alerts(url, d.id))
    assert len({a["id"] for a in second}) == 2
    # The other replica folded the same alerts.
    other = next(r for r in replicas if r.url != url)
    until(lambda: len(iot_alerts(str(other.url), d.id)) == 2)


def dead_letters(port: int) -> int:
    async def count() -> int:
        import nats

        nc = await nats.connect(f"nats://127.0.0.1:{port}")
        try:
            return int((await nc.jetstream().stream_info(DEAD_STREAM)).state.messages)
        finally:
            await nc.close()
    return asyncio.run(count())


def test_bad_messages_are_counted_kept_aside_and_the_stream_goes_on(
        hub: tuple[NatsNode, list[GatewayProcess], list[Device]], devices_client: Devices) -> None:
    node, replicas, devices = hub
    online = [d for d in devices if d.status == "online" and d.kind == "waterlogging"]
    d, other = online[0], next(x for x in devices if x.street != online[0].street)
    url = str(leader(replicas).url)
    assert d.thresholds.alarm is not None
    over = d.thresholds.alarm * 2
    bad: list[tuple[str, str, bytes | str | dict[str, Any]]] = [
        ("not_json", f"pingshan/iot/{d.street}/{d.id}/reading", b"\xff{not json"),
        ("unknown_device", f"pingshan/iot/{d.street}/no-such-device/reading", {"value": 1.0}),
        ("wrong_street", f"pingshan/iot/{other.street}/{d.id}/reading", {"value": over}),
        ("not_numeric", f"pingshan/iot/{d.street}/{d.id}/reading", {"value": "12.5"}),
        ("not_numeric", f"pingshan/iot/{d.street}/{d.id}/reading", {"value": True}),
        ("not_finite", f"pingshan/iot/{d.street}/{d.id}/reading", b'{"value": NaN}'),
        ("not_finite", f"pingshan/iot/{d.street}/{d.id}/reading", b'{"value": 1e999}'),
        ("oversize", f"pingshan/iot/{d.street}/{d.id}/reading", {"value": 1.0, "pad": "x" * MAX_MESSAGE_BYTES}),
        ("bad_fields", f"pingshan/iot/{d.street}/{d.id}/reading", {"value": over, "extra": 1}),  # not half-applied
        ("wrong_metric", f"pingshan/iot/{d.street}/{d.id}/reading", {"metric": "pm25", "value": over}),
        ("bad_status", f"pingshan/iot/{d.street}/{d.id}/status", {"status": "exploded"}),
        ("bad_ts", f"pingshan/iot/{d.street}/{d.id}/reading", {"value": 1.0, "ts": "yesterday"}),
        ("bad_topic", f"pingshan/iot/{d.street}/{d.id}/weather", {"value": 1.0}),
    ]
    reasons = sorted({r for r, _t, _b in bad})
    before = {r: rejected(url, r) for r in reasons}
    dead0 = dead_letters(node.port)
    tap = SseTap(url, topics="reading.batch,alert")
    try:
        for _reason, topic, body in bad:
            devices_client.send(topic, body)
        good = quiet_value(d, 777_777)
        devices_client.reading(d, good)
        devices_client.flush()
        until(lambda: (d.id, good) in tap.values())
        for r in reasons:
            assert rejected(url, r) - before[r] == sum(1 for x, _t, _b in bad if x == r), r
        assert until(lambda: dead_letters(node.port) - dead0 == len(bad))
        # None of the refused values reached a batch or raised an alert.
        assert [v for dev, v in tap.values() if dev == d.id] == [good]
        assert not [e for e in tap.events if e["type"] == "alert.upsert"]
        assert iot_alerts(url, d.id) == []
    finally:
        tap.close()


def test_status_changes_become_device_upserts(hub: tuple[NatsNode, list[GatewayProcess], list[Device]],
                                              devices_client: Devices) -> None:
    _node, replicas, devices = hub
    d = next(x for x in devices if x.status == "online" and x.kind == "noise")
    url = str(leader(replicas).url)
    tap = SseTap(url, topics="device")
    try:
        topic = f"pingshan/iot/{d.street}/{d.id}/status"
        # A change, the same again (no change), then the way back: two upserts.
        for burst in (["fault"], ["fault"], ["online"]):
            for status in burst:
                devices_client.send(topic, {"status": status})
            devices_client.flush()
            pass_windows(url)
        ups = [e["payload"] for e in tap.events if e["payload"]["id"] == d.id]
        assert [(u["status"], u["rev"]) for u in ups] == [("fault", d.rev + 1), ("online", d.rev + 2)]
    finally:
        tap.close()


def test_the_producer_drives_devices_over_mqtt(hub: tuple[NatsNode, list[GatewayProcess], list[Device]]) -> None:
    node, replicas, _devices = hub
    url = str(leader(replicas).url)
    m0 = metrics(url)
    r = subprocess.run([sys.executable, "-m", "simulator.server", "--produce", "--gateway", url,
                        "--mqtt", f"127.0.0.1:{node.mqtt_port}", "--nats", node.url, "--seed", "5",
                        "--devices", "400", "--cameras", "50", "--readings-per-s", "400", "--alerts-per-s", "2",
                        "--seconds", "2"],
                       capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert r.returncode == 0, r.stderr[-3000:]
    lines = r.stdout.strip().splitlines()
    assert lines[-1].startswith("sent=")
    counts = dict(kv.split("=") for kv in lines[-2].split())
    # The district's own devices and cameras were there already: only the rest is provisioned.
    assert int(counts["seeded"]) == (400 - 310) + (50 - 36)
    mqtt_sent = int(counts["mqtt"])
    assert int(lines[-1][5:]) == mqtt_sent + 104 and mqtt_sent >= 600
    snap = httpx.get(url + "/api/v1/snapshot", headers={"Authorization": f"Bearer {token(url)}"}, timeout=30)
    assert len(snap.json()["cameras"]) == 50
    key = 'pingshan_gateway_iot_messages_in_total{source="mqtt"}'
    until(lambda: metrics(url)[key] - m0[key] == mqtt_sent, 20)
    m1 = metrics(url)
    assert sum(v - m0[k] for k, v in m1.items() if k.startswith("pingshan_gateway_iot_rejected_total")) == 0
    assert m1["pingshan_gateway_iot_alerts_out_total"] > m0["pingshan_gateway_iot_alerts_out_total"]


def test_one_aggregator_and_a_handover_when_it_stops(hub: tuple[NatsNode, list[GatewayProcess], list[Device]],
                                                     devices_client: Devices) -> None:
    _node, replicas, devices = hub
    lead = leader(replicas)
    standby = next(r for r in replicas if r is not lead)
    assert metrics(str(standby.url))["pingshan_gateway_iot_leader"] == 0
    assert metrics(str(standby.url))['pingshan_gateway_iot_messages_in_total{source="mqtt"}'] == 0
    online = [d for d in devices if d.status == "online"]
    tap = SseTap(str(standby.url))
    try:
        lead.stop()
        sent: dict[str, float] = {}
        t0 = time.monotonic()
        for k in range(600):
            d = online[k % len(online)]
            sent[d.id] = quiet_value(d, 2_000_000 + k)
            devices_client.reading(d, sent[d.id])
        devices_client.flush()
        until(lambda: dict(tap.values()).items() >= sent.items(), 20)
        took = time.monotonic() - t0
        assert metrics(str(standby.url))["pingshan_gateway_iot_leader"] == 1
        values = tap.values()
        assert len(values) == len(set(values))
        assert took < 10
    finally:
        tap.close()

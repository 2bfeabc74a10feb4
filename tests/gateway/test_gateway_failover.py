"""Killed mid-burst: a gateway replica, a NATS node, the IoT lease holder (real processes, SIGKILL).

Two ``pingshan-gateway`` replicas on a 3-node NATS cluster (stream R3) serve consoles while
commands go to both replicas and new alerts go into the stream. In the middle of that burst
one replica, or the NATS node a replica is connected to, is killed with SIGKILL. Watching:
real recorders (``pingshan-console record`` with both replicas, the console's own core) and
console-like stream clients that do no de-duplication of their own
(:mod:`tests.failoversupport`). Afterwards every one of them must hold the alert states of
the surviving replica's snapshot, must have received every event id of the stream exactly
once and in order, and none may have been sent a ``reset``; every accepted command must be
in the snapshot exactly once. What a plausible bug gets wrong: events folded on the dead
replica's side of the kill and never served (a gap), a replay that overlaps the live tail
(a repeat), a cursor the other replica does not trust (a reset), a command whose answer
was lost and that a resend applies again, a fold that stalls after the NATS client moved
to another node.

The IoT test kills the replica holding ``pingshan-iot-lease`` while a reading that crosses
a device's alarm line sits in its window, fetched but not yet written out: the other
replica must take the lease within the lease TTL, readings must go on, and that crossing
must raise exactly one alert — not none (the dead holder's window acknowledged away by the
new holder) and not two (a device still past its line raising again).
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest

from console.models import Device
from console.runtime import ConsoleConfig, ConsoleCore
from gateway.ingest import LEASE_TTL_S
from gateway.stream import EventLog
from tests.support.failoversupport import (Load, StreamClient, alert_states, applied_counts, login, nats_of, snapshot,
                                   stream_ids)
from tests.support.natsupport import ROOT, GatewayProcess, NatsNode, nats_cluster, seed_stream, terminate, until
from tests.support.mqttsupport import Devices, SseTap, quiet_value
from tests.support.natsupport import metrics

GATEWAY_ARGS = ("--stream-replicas", "3", "--keepalive-s", "1", "--iot-flush-s", "0")


@pytest.fixture()
def district(tmp_path: Path) -> Iterator[tuple[list[NatsNode], GatewayProcess, GatewayProcess]]:
    """A 3-node cluster with the synthetic district in an R3 stream, and two replicas on it."""
    nodes = nats_cluster(tmp_path)
    urls = [n.url for n in nodes]
    a = GatewayProcess(urls, tmp_path, extra_args=GATEWAY_ARGS, name="replica-a")
    b = GatewayProcess(urls, tmp_path, extra_args=GATEWAY_ARGS, name="replica-b")
    try:
        seed_stream(urls, seed=15, backlog=150, replicas=3)
        a.start()
        b.start()
        yield nodes, a, b
    finally:
        a.stop()
        b.stop()
        for n in nodes:
            n.stop()


class Recorder:
    """``pingshan-console record`` with both replicas (preferred first), its JSONL and its cache."""

    def __init__(self, root: Path, name: str, backends: list[str], seconds: float) -> None:
        self.jsonl = root / f"{name}.jsonl"
        self.cache = root / f"{name}-cache"
        args = [sys.executable, "-m", "console.cli", "record", "--user", "duty", "--seconds", str(seconds),
                "--jsonl", str(self.jsonl), "--cache", str(self.cache)]
        for url in backends:
            args += ["--backend", url]
        self.proc = subprocess.Popen(args, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, start_new_session=True)
        assert self.proc.stdin is not None
        self.proc.stdin.write("duty\n")  # the password, as an operator types it
        self.proc.stdin.close()
        self.proc.stdin = None

    def finish(self, timeout_s: float) -> list[dict[str, Any]]:
        """Wait for the recording to end; the envelopes it recorded."""
        _out, err = self.proc.communicate(timeout=timeout_s)
        assert self.proc.returncode == 0, err[-3000:]
        return [json.loads(line) for line in self.jsonl.read_text(encoding="utf-8").splitlines()]

    def kill(self) -> None:
        terminate(self.proc)  # type: ignore[arg-type]

    async def final_states(self) -> dict[str, tuple[int, str]]:
        """The alert picture this console ends with: its cache reopened (snapshot tables + journal)."""
        core = ConsoleCore(ConsoleConfig(backend_url=None, cache_dir=self.cache, fetch_catalogues=False))
        await core.start()
        try:
            return {a.id: (a.rev, a.status) for a in core.picture.alerts.values()}
        finally:
            await core.stop()


async def _subscribers(http: httpx.AsyncClient, urls: list[str]) -> int:
    total = 0
    for url in urls:
        for line in (await http.get(url + "/metrics", timeout=10)).text.splitlines():
            if line.startswith("pingshan_gateway_subscribers "):
                total += int(float(line.split()[1]))
    return total


async def _until(cond: Any, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not await cond():
        assert time.monotonic() < deadline, f"timed out after {timeout_s} s waiting for {what}"
        await asyncio.sleep(0.1)


def burst_with_a_kill(tmp_path: Path, nodes: list[NatsNode], a: GatewayProcess, b: GatewayProcess,
                      kill: str) -> dict[str, Any]:
    """Recorders and clients on both replicas, a burst of commands and alerts, ``kill`` mid-burst; the figures."""
    assert a.url and b.url
    urls = [a.url, b.url]
    recorder_s = 32.0
    recorders = [Recorder(tmp_path, "rec-a", [a.url, b.url], recorder_s),
                 Recorder(tmp_path, "rec-b", [b.url, a.url], recorder_s)]
    recorders_started = time.monotonic()

    async def scenario() -> dict[str, Any]:
        limits = httpx.Limits(max_connections=200, max_keepalive_connections=50)
        async with httpx.AsyncClient(timeout=30, limits=limits) as http:
            tok = await login(http, a.url)
            snap = await snapshot(http, a.url, tok)
            cursor = snap["cursor"]
            base = alert_states(snap)
            clients = [StreamClient(http, urls, tok, cursor, base, first=k).start() for k in range(8)]
            events = EventLog([n.url for n in nodes], replicas=3, name="failover-load")
            await events.connect()
            try:
                await _until(lambda: _subscribers_at_least(http, urls, len(clients) + len(recorders)), 25,
                             "recorders and clients streaming")
                load = Load(http, urls, tok, events, snap, commands_per_s=12, alerts_per_s=3, seed=3)
                burst = asyncio.get_running_loop().create_task(load.run(7.0))
                await asyncio.sleep(2.5)
                if kill == "replica":
                    a.kill()  # SIGKILL, commands in flight on it, half the consoles streaming from it
                    survivor = b.url
                else:
                    connected = await nats_of(http, a.url)
                    victim = next(n for n in nodes if connected.endswith(f":{n.port}"))
                    victim.kill()  # SIGKILL of the node replica A (and its consoles' stream) hangs on
                    survivor = a.url
                killed_at = time.monotonic()
                await burst
                await load.drain(60)
                marker = await load.new_alert()  # the last event of the run: everybody must get to it
                assert marker > int(cursor)
                await _until(lambda: _true(all(c.reached(marker) for c in clients)), 30, "the clients caught up")
                final = await snapshot(http, survivor, tok)
                expected = await stream_ids(http, survivor, tok, cursor, marker)
                for c in clients:
                    await c.stop()
                return {"clients": clients, "load": load, "final": final, "expected": expected,
                        "marker": marker, "cursor": cursor, "killed_at": killed_at}
            finally:
                for c in clients:
                    await c.stop()
                await events.close()

    try:
        out = asyncio.run(asyncio.wait_for(scenario(), 100))
        remaining = recorder_s - (time.monotonic() - recorders_started) + 30
        out["recorded"] = [r.finish(max(remaining, 30)) for r in recorders]
        out["recorder_states"] = [asyncio.run(r.final_states()) for r in recorders]
        return out
    finally:
        for r in recorders:
            r.kill()


async def _subscribers_at_least(http: httpx.AsyncClient, urls: list[str], n: int) -> bool:
    return await _subscribers(http, urls) >= n


async def _true(value: bool) -> bool:
    return value


def assert_nothing_lost_repeated_or_reset(out: dict[str, Any]) -> None:
    final_states = alert_states(out["final"])
    expected: list[int] = out["expected"]
    load: Load = out["load"]
    assert expected and expected == sorted(set(expected)) and expected[-1] == out["marker"]
    assert len(load.alerts_made) >= 15 and len(load.accepted()) >= 60, "the burst was not a burst"
    # Every accepted command in the snapshot exactly once, every command answered, none refused.
    assert not load.gave_up
    assert set(load.answers.values()) == {202}, load.answers
    applied = applied_counts(out["final"])
    assert all(applied[cid] == 1 for cid in load.accepted()), \
        {cid: applied[cid] for cid in load.accepted() if applied[cid] != 1}
    assert all(a in final_states for a in load.alerts_made)
    # The console-like clients: every id once, in order, no reset, the survivor's alert states.
    for c in out["clients"]:
        figures = c.check(expected, final_states)
        assert figures == {"lost": 0, "duplicated": 0, "out_of_order": 0, "unknown": 0, "resets": 0,
                           "alerts_unlike": 0}, (figures, c.breaks)
        assert c.ids == expected
    # The real recorders (the console's core): the same, from their JSONL and their cache.
    for recorded, states in zip(out["recorded"], out["recorder_states"]):
        ids = [int(e["id"]) for e in recorded]
        assert [e["type"] for e in recorded if e["type"] == "reset"] == []
        assert ids == expected, f"recorded {len(ids)} ids, the stream has {len(expected)} after the cursor"
        unlike = {k: (states.get(k), final_states.get(k)) for k in states.keys() | final_states.keys()
                  if states.get(k) != final_states.get(k)}
        assert unlike == {}


def test_a_replica_killed_mid_burst_leaves_every_console_with_the_survivors_picture(
        district: tuple[list[NatsNode], GatewayProcess, GatewayProcess], tmp_path: Path) -> None:
    nodes, a, b = district
    out = burst_with_a_kill(tmp_path, nodes, a, b, "replica")
    assert_nothing_lost_repeated_or_reset(out)
    moved = [c for c in out["clients"] if any(url == a.url for _t, url, _w in c.breaks)]
    assert len(moved) >= 4, "the consoles on the killed replica must have moved"
    resumed = [c.resume_s(out["killed_at"]) for c in moved]
    print(json.dumps({"events": len(out["expected"]), "commands": len(out["load"].accepted()),
                      "resume_s_max": round(max(r for r in resumed if r is not None), 2)}))


def test_a_nats_node_killed_mid_burst_leaves_every_console_with_the_survivors_picture(
        district: tuple[list[NatsNode], GatewayProcess, GatewayProcess], tmp_path: Path) -> None:
    nodes, a, b = district
    out = burst_with_a_kill(tmp_path, nodes, a, b, "nats")
    assert_nothing_lost_repeated_or_reset(out)
    resumed = [c.resume_s(out["killed_at"]) for c in out["clients"]]
    print(json.dumps({"events": len(out["expected"]), "commands": len(out["load"].accepted()),
                      "resume_s_max": round(max(r for r in resumed if r is not None), 2)}))


# ---------------------------------------------------------------------------- a replica behind the stream


class _LaggingLog:
    """The stream as a replica sees it while its fold lags (its ordered consumer being recreated after a
    NATS node died): ``held`` are stored but not folded yet; the consumer delivers them when the
    replica asks where the stream ends (as it would a moment later)."""

    def __init__(self, held: list[Any]) -> None:
        from gateway.stream import Topology

        self.topology = Topology()  # the district hub
        self.replica: Any = None
        self.held = held
        self.last = max(ev.seq for ev in held)
        self.stored: list[list[Any]] = []

    async def bounds(self) -> tuple[int, int]:
        for ev in self.held:
            self.replica._fold(ev)
        self.held = []
        return 1, self.last

    async def answer(self, key: str) -> None:
        return None

    async def keep_answer(self, key: str, record: dict[str, Any]) -> None:
        return None

    async def publish(self, batch: list[Any]) -> int:
        from gateway.stream import Event

        self.stored.append(batch)
        for m in batch:
            self.last += 1
            kind = "cmd" if m.subject.startswith("pingshan.cmd.") else "ev"
            obj = m.subject.split(".")[-1]
            self.replica._fold(Event(self.last, m.subject, kind, "alert.upsert" if kind == "ev" else "", None, obj,
                                     m.data, m.headers))
        return self.last


def test_a_replica_behind_the_stream_stores_no_refusal_decided_on_its_stale_picture() -> None:
    """An alert stored (by the producer, or another replica) but not yet folded here: acknowledging it
    must not be answered, and stored for good, as 404 "no such alert"."""
    from datetime import datetime, timezone

    from console.models import Alert, Command
    from district.roles import User
    from gateway.replica import Replica, envelope_message
    from gateway.stream import Event

    now = datetime.now(timezone.utc)
    alert = Alert(id="FO000001", rev=1, level="yellow", status="new", source="hotline_12345", category="waterlogging",
                  title="积水", street="maluan", created_at=now, updated_at=now)
    m = envelope_message("alert.upsert", alert, "maluan", None)
    log_ = _LaggingLog([Event(7, m.subject, "ev", "alert.upsert", "maluan", alert.id, m.data, m.headers)])
    replica = Replica(log_)  # type: ignore[arg-type]
    log_.replica = replica
    cmd = Command.model_validate({"id": "cmd-behind-0001", "kind": "alert.acknowledge", "target_id": alert.id, "operator": "x",
                                  "issued_at": now.isoformat(), "args": {}})
    duty = User("duty", "operator", "值班员")
    status, body = asyncio.run(replica.execute(cmd, duty, cmd.id))
    assert status == 202, body
    assert replica.rules.alerts[alert.id].status == "acknowledged"
    assert len(log_.stored) == 1 and json.loads(log_.stored[0][0].data)["status"] == 202


# ---------------------------------------------------------------------------- the IoT lease


IOT_FLUSH_S = 1.0


@pytest.fixture()
def iot_hub(tmp_path: Path) -> Iterator[tuple[NatsNode, list[GatewayProcess], list[Device]]]:
    node = NatsNode(tmp_path, "iot", mqtt=True).start()
    extra = ("--iot-flush-s", str(IOT_FLUSH_S), "--keepalive-s", "0.5")
    replicas = [GatewayProcess([node.url], tmp_path, name=f"iot-{n}", extra_args=extra) for n in "ab"]
    try:
        node.wait_jetstream()
        seed_stream([node.url], seed=5, backlog=30)
        for r in replicas:
            r.start()
        url = str(replicas[0].url)
        tok = httpx.post(url + "/api/v1/auth/token", data={"username": "duty", "password": "duty"}).json()
        snap = httpx.get(url + "/api/v1/snapshot", headers={"Authorization": f"Bearer {tok['access_token']}"},
                         timeout=30)
        yield node, replicas, [Device.model_validate(d) for d in snap.json()["devices"]]
    finally:
        for r in replicas:
            r.stop()
        node.stop()


def _iot_alerts(url: str, device_id: str) -> list[dict[str, Any]]:
    tok = httpx.post(url + "/api/v1/auth/token", data={"username": "duty", "password": "duty"}).json()["access_token"]
    snap = httpx.get(url + "/api/v1/snapshot", headers={"Authorization": f"Bearer {tok}"}, timeout=30).json()
    return [a for a in snap["alerts"] if a["device_id"] == device_id and a["source"] == "iot_threshold"]


def _lines(d: Device, k: int = 0) -> tuple[float, float]:
    """(past the alarm line, between the warning and alarm lines) for a device, a little different for each ``k``."""
    warn, alarm = d.thresholds.warn, d.thresholds.alarm
    assert warn is not None and alarm is not None
    sign = -1 if alarm < warn else 1
    gap = abs(alarm - warn)
    nudge = sign * gap * 0.001 * k
    return alarm + sign * gap * 0.2 + nudge, warn + sign * gap * 0.5 + nudge


def test_the_iot_lease_holder_killed_mid_window_hands_over_with_one_alert_per_crossing(
        iot_hub: tuple[NatsNode, list[GatewayProcess], list[Device]]) -> None:
    node, replicas, devices = iot_hub
    assert node.mqtt_port is not None
    leader_key = "pingshan_gateway_iot_leader"
    holder = until(lambda: next((r for r in replicas if metrics(str(r.url))[leader_key] == 1), None), 15)
    standby = next(r for r in replicas if r is not holder)
    online = [d for d in devices if d.status == "online" and d.thresholds.warn is not None
              and d.thresholds.alarm is not None]
    stays = online[0]  # crosses before the kill and stays past its line through the handover
    briefs = online[1:6]  # candidates for the crossing that sits in the killed holder's open window
    background = online[6:40]
    mqtt = Devices(node.mqtt_port)
    tap = SseTap(str(standby.url))
    try:
        mqtt.reading(stays, _lines(stays)[0])
        mqtt.flush()
        until(lambda: len(_iot_alerts(str(holder.url), stays.id)) == 1, 15)
        # The crossing of one device reaches the holder's window (fetched, counted) and the holder
        # dies before it writes that window out. Retried on the next device if a flush came first.
        key_in, key_windows = 'pingshan_gateway_iot_messages_in_total{source="mqtt"}', "pingshan_gateway_iot_windows_total"
        brief = None
        for candidate in briefs:
            m0 = metrics(str(holder.url))
            mqtt.reading(candidate, _lines(candidate)[0])
            mqtt.flush()
            m = until(lambda m0=m0: (x := metrics(str(holder.url)))[key_in] > m0[key_in] and x, 5)
            if m[key_windows] == m0[key_windows]:
                holder.kill()
                killed_at = time.monotonic()
                brief = candidate
                break
        assert brief is not None, "every try was flushed before the kill"
        # Devices go on reporting: the one that stays past its line, the brief one between its
        # lines (no re-arm, so no new crossing), the others on the safe side.
        sent: dict[str, float] = {}
        took = again = None
        k = 0
        while again is None or k < 30:
            assert time.monotonic() - killed_at < 30, "no readings from the new holder"
            k += 1
            mqtt.reading(stays, _lines(stays, k)[0])
            mqtt.reading(brief, _lines(brief, k)[1])
            for d in background[k % 6::6]:
                sent[d.id] = quiet_value(d, 3_000_000 + k)
                mqtt.reading(d, sent[d.id])
            time.sleep(0.1)
            if took is None and metrics(str(standby.url))[leader_key] == 1:
                took = time.monotonic() - killed_at
            if again is None and set(tap.values()) & set(sent.items()):
                again = time.monotonic() - killed_at
        mqtt.flush()
        until(lambda: dict(tap.values()).items() >= sent.items(), 20)
        windows = metrics(str(standby.url))[key_windows]
        until(lambda: metrics(str(standby.url))[key_windows] >= windows + 2, 10)
        for d in (stays, brief):
            alerts = _iot_alerts(str(standby.url), d.id)
            assert len(alerts) == 1, (d.id, [a["id"] for a in alerts])
        assert took is not None and took < LEASE_TTL_S + IOT_FLUSH_S + 1.0, took
        values = tap.values()
        assert len(values) == len(set(values)), "a reading emitted twice"
        print(json.dumps({"lease_taken_s": round(took, 2), "readings_again_s": round(again, 2)}))
    finally:
        tap.close()
        mqtt.close()

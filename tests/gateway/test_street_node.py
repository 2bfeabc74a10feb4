"""A street sub-centre cut off from the district centre, and healed: real ``nats-server`` processes.

The district hub (JetStream domain ``hub``) with its gateway, and 马峦街道's node: a NATS leaf
node with its own domain, MQTT for the street's devices, and a street gateway on it. The
leaf link runs through a TCP relay the test cuts and heals (tests/support/streetsupport.py).

While cut: a street device's alarm reaches the street's console; the street acknowledges,
dispatches, answers; what needs the district is refused at once with the reason; the district
acts meanwhile, on other alerts and on two of the same alerts. After the heal: the district
holds every street action, each side's recorder ends with its own gateway's alert states, no
event id twice, no reset, and the two conflicting alerts are settled by the written rule on
both sides with a timeline entry that says so.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import paho.mqtt.client as mqtt
import pytest

from console.models import Device
from district.settle import SETTLE_ACTION
from tests.support.natsupport import GatewayProcess, command_body, post_command, seed_stream, snapshot, token, until
from tests.support.streetsupport import HubNode, LinkProxy, StreetNode

STREET = "maluan"



def command(url: str, tok: str, kind: str, target: str, args: dict[str, Any] | None = None) -> httpx.Response:
    return post_command(url, tok, command_body(kind, target, args))



def alerts(url: str, tok: str) -> dict[str, Any]:
    return {a.id: a for a in snapshot(url, tok).alerts}


class Recorder:
    """A console's view over HTTP: the snapshot, then SSE from its cursor, resuming with Last-Event-ID."""

    def __init__(self, url: str, tok: str) -> None:
        self.url, self.tok = url, tok
        snap = snapshot(url, tok)
        self.states: dict[str, tuple[str, int]] = {a.id: (a.status, a.rev) for a in snap.alerts}
        self.cursor = snap.cursor
        self.ids: list[str] = []
        self.types: list[str] = []
        self.notices: list[dict[str, Any]] = []
        self.seen_at: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            headers = {"Authorization": f"Bearer {self.tok}", "Last-Event-ID": self.cursor}
            try:
                with httpx.stream("GET", self.url + "/api/v1/stream", headers=headers,
                                  timeout=httpx.Timeout(5.0, read=3.0)) as r:
                    for line in r.iter_lines():
                        if self._stop.is_set():
                            return
                        if line.startswith("data: "):
                            self._take(json.loads(line[6:]))
            except httpx.HTTPError:
                time.sleep(0.2)

    def _take(self, env: dict[str, Any]) -> None:
        self.ids.append(env["id"])
        self.types.append(env["type"])
        self.cursor = env["id"]
        if env["type"] == "alert.upsert":
            a = env["payload"]
            self.states[a["id"]] = (a["status"], a["rev"])
            self.seen_at.setdefault(a["id"], time.monotonic())
        elif env["type"] == "notice":
            self.notices.append(env["payload"])

    def close(self) -> None:
        self._stop.set()
        self._thread.join(10)


class Topo:
    def __init__(self, root: Path) -> None:
        self.hub = HubNode(root, mqtt=True)
        self.link = LinkProxy(self.hub.leaf_port)
        self.street = StreetNode(root, STREET, self.link.port, mqtt=True)
        self.hub_gw = GatewayProcess([self.hub.url], root, name="hub-gw",
                                     extra_args=("--street-nodes", STREET, "--iot-flush-s", "0.3",
                                                 "--keepalive-s", "0.5"))
        self.street_gw = GatewayProcess([self.street.url], root, name="street-gw",
                                        extra_args=("--street", STREET, "--iot-flush-s", "0.3",
                                                    "--keepalive-s", "0.5"))


@pytest.fixture(scope="module")
def topo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Topo]:
    t = Topo(tmp_path_factory.mktemp("street-node"))
    try:
        t.hub.start()
        t.hub.wait_jetstream()
        seed_stream([t.hub.url], seed=11, backlog=200)
        t.link.heal()
        t.street.start()
        t.street.wait_jetstream()
        t.hub_gw.start()
        t.street_gw.start()
        yield t
    finally:
        for p in (t.street_gw, t.hub_gw):
            p.stop()
        t.link.cut()
        t.street.stop()
        t.hub.stop()


def readyz(url: str) -> dict[str, Any]:
    return dict(httpx.get(url + "/readyz", timeout=5).json())


def mqtt_reading(port: int, d: Device, value: float) -> None:
    c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"test-{uuid.uuid4().hex[:12]}")
    c.connect("127.0.0.1", port)
    c.loop_start()
    try:
        until(c.is_connected, 10)
        c.publish(f"pingshan/iot/{d.street}/{d.id}/reading",
                  json.dumps({"metric": d.metric, "value": value})).wait_for_publish(10)
    finally:
        c.disconnect()
        c.loop_stop()


def beyond_alarm(d: Device) -> float:
    th = d.thresholds
    assert th.warn is not None and th.alarm is not None
    return th.alarm + (th.alarm - th.warn) * 0.5


def test_a_street_cut_off_goes_on_and_the_district_sees_everything_after_the_heal(topo: Topo) -> None:
    hub_url, street_url = str(topo.hub_gw.url), str(topo.street_gw.url)
    duty, chief = token(hub_url, "duty"), token(hub_url, "chief")
    maluan, maluan_chief = token(street_url, "maluan"), token(street_url, "maluan_chief")

    # Linked: alarms raised at the district (the hub's MQTT) for the street's devices reach the street node.
    hub_devices = _alarmable(snapshot(hub_url, duty).devices)
    assert topo.hub.mqtt_port is not None and len(hub_devices) >= 6
    for d in hub_devices[:4]:
        mqtt_reading(topo.hub.mqtt_port, d, beyond_alarm(d))
    mine = until(lambda: _iot_alerts(hub_url, duty, hub_devices[:4]), 30)
    until(lambda: {a.id for a in mine} <= set(alerts(street_url, maluan)), 30)
    assert all(a.street in (STREET, None) for a in alerts(street_url, maluan).values())
    linked = snapshot(street_url, maluan).node
    assert linked is not None and linked.street == STREET and linked.district_link == "linked"
    assert snapshot(hub_url, duty).node is None

    # An order from the district to the street's unit, received at the street before the cut.
    r = command(hub_url, chief, "incident.declare", "new", {"type": "typhoon_waterlogging", "level": 3,
                                                            "reason": "测试", "street": STREET})
    assert r.status_code == 202, r.text
    inc_id = r.json()["target_id"]
    r = command(hub_url, chief, "task.issue", inc_id, {"unit": f"street.{STREET}", "instruction": "巡查低洼路段"})
    assert r.status_code == 202, r.text
    task_id = r.json()["target_id"]
    until(lambda: task_id in {t.id for t in snapshot(street_url, maluan).tasks}, 30)

    district_rec, street_rec = Recorder(hub_url, duty), Recorder(street_url, maluan)
    x, y, z, w = (a.id for a in mine)
    other = next(a for a in alerts(hub_url, duty).values() if a.street not in (STREET, None) and a.status == "new")

    # ---- cut
    topo.link.cut()
    cut_at = time.monotonic()
    until(lambda: readyz(street_url).get("district_link") == "cut", 15)
    cut_seen_s = time.monotonic() - cut_at
    assert snapshot(street_url, maluan).node.district_link == "cut"  # type: ignore[union-attr]
    until(lambda: any(n["id"].startswith("link-down-") for n in street_rec.notices), 10)
    assert "与区中心断开 — 本街道自主处置" in street_rec.notices[-1]["text"]

    # A street device's alarm is raised at the street and reaches the street's console.
    dev = _alarmable(snapshot(street_url, maluan).devices)[4]
    sent = time.monotonic()
    assert topo.street.mqtt_port is not None
    mqtt_reading(topo.street.mqtt_port, dev, beyond_alarm(dev))
    iot = until(lambda: [a for a in alerts(street_url, maluan).values() if a.device_id == dev.id], 20)[0]
    assert iot.id.startswith(f"IOT-{STREET}-")  # ids made at the street never collide with the hub's
    until(lambda: iot.id in street_rec.seen_at, 10)
    alarm_to_console_s = street_rec.seen_at[iot.id] - sent

    # The street works its own alerts.
    for kind, target, args in (("alert.acknowledge", x, {}), ("alert.dispatch", x, {"unit": _street_unit(street_url, maluan)}),
                               ("alert.acknowledge", iot.id, {}),
                               ("alert.acknowledge", z, {}), ("alert.dispatch", z, {"unit": _street_unit(street_url, maluan)}),
                               ("alert.acknowledge", w, {})):
        r = command(street_url, maluan, kind, target, args)
        assert r.status_code == 202, (kind, target, r.text)
    # What needs the district is refused at once, with the reason.
    r = command(street_url, maluan, "alert.acknowledge", other.id)
    assert r.status_code == 409 and r.json()["error"] == "district_unreachable", r.text
    assert "与区中心断开" in r.json()["reason"]
    r = command(street_url, maluan_chief, "incident.declare", "new",
                {"type": "typhoon_waterlogging", "level": 2, "reason": "全区台风", "street": "biling"})
    assert r.status_code == 409 and r.json()["error"] == "district_unreachable", r.text
    # The street answers the order it holds; the district changes the same order meanwhile.
    r = command(street_url, maluan, "task.update", task_id, {"status": "en_route", "note": "已出发"})
    assert r.status_code == 202, r.text

    # The district acts meanwhile: on its own alert, and on two the street also changed.
    for kind, target in (("alert.acknowledge", y), ("alert.acknowledge", z), ("alert.acknowledge", w),
                         ("alert.acknowledge", other.id)):
        r = command(hub_url, chief, kind, target)
        assert r.status_code == 202, (kind, target, r.text)
    r = command(hub_url, chief, "task.update", task_id, {"status": "received", "note": "区中心电话确认已接收"})
    assert r.status_code == 202, r.text
    assert alerts(hub_url, duty)[x].status == "new"  # the district does not see the street yet
    # And a district alarm for the street while cut: it reaches the street after the heal.
    late = hub_devices[5]
    mqtt_reading(topo.hub.mqtt_port, late, beyond_alarm(late))
    late_alert = until(lambda: _iot_alerts(hub_url, duty, [late]), 20)[0]

    # ---- heal
    topo.link.heal()
    healed_at = time.monotonic()
    until(lambda: readyz(street_url).get("district_link") == "linked", 30)

    def district_has_everything() -> bool:
        h = alerts(hub_url, duty)
        return (iot.id in h and h[x].status == "dispatched" and h[iot.id].status == "acknowledged"
                and _settled(h[z]) and _settled(h[w]))
    until(district_has_everything, 30)
    catch_up_s = time.monotonic() - healed_at

    # The street gets what the district did meanwhile, and the same settlements.
    def street_has_everything() -> bool:
        s = alerts(street_url, maluan)
        return (s[y].status == "acknowledged" and _settled(s[z]) and _settled(s[w]) and late_alert.id in s)
    until(street_has_everything, 30)

    # The order too: the street's 已出发 is further along than the district's 已接收, on both sides.
    def task_settled(url: str, tok: str) -> Any:
        t = next((t for t in snapshot(url, tok).tasks if t.id == task_id), None)
        return t if t is not None and "离线冲突裁定" in t.note else None
    th, ts = until(lambda: task_settled(hub_url, duty), 30), until(lambda: task_settled(street_url, maluan), 30)
    assert th.status == ts.status == "en_route" and (th.rev, th.note) == (ts.rev, ts.note)
    assert "区中心电话确认已接收" in th.note

    h, s = alerts(hub_url, duty), alerts(street_url, maluan)
    # The rule: further along the loop wins (z: street dispatched > district acknowledged);
    # at the same stage the district wins (w: both acknowledged, the district's version).
    assert h[z].status == s[z].status == "dispatched"
    assert h[w].status == s[w].status == "acknowledged"
    assert h[w].acknowledged_by == s[w].acknowledged_by == "值班长"
    for a in (h[z], h[w]):
        actors = {n.actor for n in a.timeline}
        assert "马峦街道分中心值班员" in actors and "值班长" in actors  # neither side's record is dropped
    for aid in (x, y, z, w, iot.id):
        assert (h[aid].status, h[aid].rev, h[aid].timeline) == (s[aid].status, s[aid].rev, s[aid].timeline)

    # Every recorder ends with its own gateway's states; no id twice; no reset.
    for rec, url, tok in ((district_rec, hub_url, duty), (street_rec, street_url, maluan)):
        until(lambda rec=rec, url=url, tok=tok: rec.states == {a.id: (a.status, a.rev)
                                                               for a in snapshot(url, tok).alerts}, 20)
        assert len(rec.ids) == len(set(rec.ids))
        assert "reset" not in rec.types
    # The district learns that the street was cut off (the street's notices, in order).
    until(lambda: [n["id"][:9] for n in district_rec.notices if n["id"].startswith("link-")][-2:]
          == ["link-down", "link-up-m"], 20)
    district_rec.close()
    street_rec.close()
    print(f"\nstreet node: cut noticed in {cut_seen_s:.2f} s; street alarm → street console {alarm_to_console_s:.2f} s "
          f"with the link cut; district caught up {catch_up_s:.2f} s after the heal")


def _alarmable(devices: Any) -> list[Device]:
    return sorted((d for d in devices if d.street == STREET and d.status == "online"
                   and d.thresholds.alarm is not None and d.thresholds.warn is not None), key=lambda d: d.id)


def _iot_alerts(url: str, tok: str, devs: list[Device]) -> list[Any]:
    by_device = {a.device_id: a for a in alerts(url, tok).values() if a.source == "iot_threshold"}
    found = [by_device.get(d.id) for d in devs]
    return [a for a in found if a is not None] if all(found) else []


def _settled(a: Any) -> bool:
    return any(n.action == SETTLE_ACTION for n in a.timeline)


def _street_unit(url: str, tok: str) -> str:
    units = snapshot(url, tok).units
    return next(u.id for u in units if u.parent == f"street.{STREET}")


def test_one_command_starts_a_street_node_and_stopping_it_stops_both(topo: Topo, tmp_path: Path) -> None:
    """``pingshan-gateway street-node``: the street's NATS leaf (the product writes its config) and gateway."""
    import os
    import subprocess
    import sys

    from tests.support.natsupport import ROOT, free_port, terminate, wait_port

    nats_port, mqtt_port = free_port(), free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "gateway.server", "street-node", "--street", "pingshan",
         "--hub-leaf", f"nats-leaf://127.0.0.1:{topo.hub.leaf_port}", "--data", str(tmp_path / "node"),
         "--nats-port", str(nats_port), "--mqtt-port", str(mqtt_port), "--port", "0", "--demo-users",
         "--iot-flush-s", "0.5"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=open(tmp_path / "node.log", "wb"), start_new_session=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline().decode()
        assert first.startswith(f"STREET NODE pingshan nats://127.0.0.1:{nats_port}"), first
        ready = proc.stdout.readline().decode()
        assert ready.startswith("GATEWAY READY "), ready
        url = ready.split()[-1]
        wait_port(mqtt_port)
        until(lambda: readyz(url).get("district_link") == "linked", 20)
        assert readyz(url)["node"] == "pingshan"
        tok = token(url, "pingshan")
        until(lambda: any(a.street == "pingshan" for a in alerts(url, tok).values()), 30)
        assert all(a.street in ("pingshan", None) for a in alerts(url, tok).values())
        conf = (tmp_path / "node" / "nats-street-pingshan.conf").read_text(encoding="utf-8")
        assert 'domain: "pingshan"' in conf and 'deny_exports: ["pingshan.>"]' in conf
    finally:
        terminate(proc)  # the command only: its NATS server must go with it

    def nats_gone() -> bool:
        import socket
        try:
            socket.create_connection(("127.0.0.1", nats_port), timeout=0.3).close()
            return False
        except OSError:
            return True
    until(nats_gone, 15)


def test_the_self_check_reports_the_street_nodes_link_to_the_district(topo: Topo) -> None:
    """``pingshan-console --self-check --backend <street node>``: the installer's check says how the link is."""
    import asyncio
    import os
    import subprocess
    import sys

    from console.gateway import GatewayError
    from console.readiness import readiness
    from tests.support.natsupport import ROOT

    street_url, hub_url = str(topo.street_gw.url), str(topo.hub_gw.url)
    until(lambda: readyz(street_url).get("district_link") == "linked", 30)
    assert asyncio.run(readiness(hub_url)) == "就绪，节点 hub"
    assert asyncio.run(readiness(street_url)) == "就绪，街道节点 maluan，区中心链路：已连接"
    topo.link.cut()
    try:
        until(lambda: readyz(street_url).get("district_link") == "cut", 15)
        assert asyncio.run(readiness(street_url)).endswith("区中心链路：断开（本街道自主处置）")
        env = dict(os.environ, PYTHONPATH=str(ROOT), QTWEBENGINE_CHROMIUM_FLAGS="--no-sandbox --disable-gpu")
        env.pop("QT_QPA_PLATFORM", None)
        proc = subprocess.run([sys.executable, "-m", "widgets.shell.app", "--self-check", "--backend", street_url],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)
        assert f"OK   gateway {street_url} 就绪，街道节点 maluan，区中心链路：断开（本街道自主处置）" in proc.stdout, \
            proc.stdout + proc.stderr[-2000:]
    finally:
        topo.link.heal()
    try:
        asyncio.run(readiness("http://127.0.0.1:9"))
    except GatewayError as exc:
        assert str(exc)
    else:
        raise AssertionError("an unreachable gateway must be an error")

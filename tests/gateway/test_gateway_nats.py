"""The district gateway on real ``nats-server`` processes: replicas, one outcome per command,
resume on any replica and across restarts, and a 3-node cluster that loses a node.

Two gateway replicas serve one district from one JetStream stream. Each test builds the
input a plausible bug gets wrong: the same command id on the other replica (a second
outcome), many commands on one alert at once through both replicas (a lost update),
a resume on the replica that did not serve the first half (a gap or a repeat), a
restarted replica (a ``reset``), a killed NATS node (a lost event).
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest

from console.models import Snapshot
from tests.support.natsupport import GatewayProcess, NatsNode, nats_cluster, seed_stream, snapshot, token, until
from tests.support.natsupport import command_body as command
from tests.support.natsupport import post_command as post
from tests.support.natsupport import read_events






def alert_on(url: str, tok: str, alert_id: str) -> Any:
    return next(a for a in snapshot(url, tok).alerts if a.id == alert_id)


class Pick:
    used: set[str] = set()

    @classmethod
    def new_alert(cls, snap: Snapshot) -> Any:
        for a in sorted(snap.alerts, key=lambda x: x.id):
            if a.status == "new" and a.id not in cls.used:
                cls.used.add(a.id)
                return a
        raise AssertionError("no new alert left")


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[NatsNode, GatewayProcess, GatewayProcess]]:
    """One NATS node with JetStream, seeded with the synthetic district, and two gateway replicas on it."""
    root = tmp_path_factory.mktemp("gateway-nats")
    node = NatsNode(root, "single").start()
    a = GatewayProcess([node.url], root, name="replica-a")
    b = GatewayProcess([node.url], root, name="replica-b")
    try:
        node.wait_jetstream()
        seed_stream([node.url], seed=5, backlog=1000)
        a.start()
        b.start()
        yield node, a, b
    finally:
        a.stop()
        b.stop()
        node.stop()


# ---------------------------------------------------------------------------- contract


def test_contract_endpoints_answer_on_the_gateway(hub: tuple[NatsNode, GatewayProcess, GatewayProcess]) -> None:
    _node, a, _b = hub
    url = a.url
    assert url
    tok = token(url, "duty")
    auth = {"Authorization": f"Bearer {tok}"}
    snap = snapshot(url, tok)
    assert len(snap.alerts) == 1000 and len(snap.devices) > 100 and len(snap.cameras) == 36
    assert int(snap.cursor) > 0
    assert all("****" in x.reporter_phone for x in snap.alerts if x.reporter_phone)
    layers = httpx.get(url + "/api/v1/layers", headers=auth, timeout=10).json()["layers"]
    assert {"streets", "communities", "resources"} <= {x["id"] for x in layers}
    fc = httpx.get(url + "/api/v1/layers/streets", headers=auth, timeout=10)
    assert fc.status_code == 200 and fc.json()["type"] == "FeatureCollection"
    assert httpx.get(url + "/api/v1/plans", headers=auth, timeout=10).json()["plans"]
    street = snapshot_street = httpx.get(url + "/api/v1/snapshot?scope=maluan", headers=auth, timeout=10)
    assert snapshot_street.status_code == 200
    assert {x.street for x in Snapshot.model_validate_json(street.content).alerts} <= {"maluan", None}
    assert httpx.get(url + "/healthz", timeout=10).status_code == 200
    ready = httpx.get(url + "/readyz", timeout=10)
    assert ready.status_code == 200 and ready.json()["ready"]
    metrics = httpx.get(url + "/metrics", timeout=10).text
    assert "pingshan_gateway_subscribers" in metrics and "pingshan_gateway_events_out_total" in metrics
    bad = post(url, tok, {**command("alert.acknowledge", "PS9999999")})
    assert bad.status_code == 404


# ---------------------------------------------------------------------------- tokens shared by the replicas


def test_a_login_on_one_replica_is_good_on_the_other(hub: tuple[NatsNode, GatewayProcess, GatewayProcess]) -> None:
    _node, a, b = hub
    assert a.url and b.url
    r = httpx.post(a.url + "/api/v1/auth/token", data={"username": "duty", "password": "duty"}, timeout=10)
    assert r.status_code == 200
    pair = r.json()
    assert snapshot(b.url, pair["access_token"]).cursor  # at once, on the replica that did not issue it
    refreshed = httpx.post(b.url + "/api/v1/auth/token", timeout=10,
                           data={"grant_type": "refresh_token", "refresh_token": pair["refresh_token"]})
    assert refreshed.status_code == 200
    again = httpx.post(a.url + "/api/v1/auth/token", timeout=10,
                       data={"grant_type": "refresh_token", "refresh_token": pair["refresh_token"]})
    assert again.status_code == 401  # spent on B: refused on A
    fresh = refreshed.json()["access_token"]
    assert snapshot(a.url, fresh).cursor
    anon = httpx.get(b.url + "/api/v1/snapshot", headers={"Authorization": "Bearer not-a-token"}, timeout=10)
    assert anon.status_code == 401


# ---------------------------------------------------------------------------- one outcome per command id


def test_the_same_command_id_on_the_other_replica_has_one_outcome(
        hub: tuple[NatsNode, GatewayProcess, GatewayProcess]) -> None:
    _node, a, b = hub
    assert a.url and b.url
    tok_a, tok_b = token(a.url, "duty"), token(b.url, "duty")
    target = Pick.new_alert(snapshot(a.url, tok_a))
    body = command("alert.note", target.id, {"text": "只记一次"})
    first = post(a.url, tok_a, body)
    assert first.status_code == 202, first.text
    again = post(b.url, tok_b, body)
    assert again.status_code == 202 and again.json() == first.json()
    # The other seat resending it under its own token is refused on either replica.
    chief = token(b.url, "chief")
    assert post(b.url, chief, body).status_code == 409
    for url, tok in ((a.url, tok_a), (b.url, tok_b)):
        after = until(lambda: (x := alert_on(url, tok, target.id)).rev == target.rev + 1 and x)
        assert [n.command_id for n in after.timeline].count(body["id"]) == 1


def test_a_refusal_is_the_one_outcome_too(hub: tuple[NatsNode, GatewayProcess, GatewayProcess]) -> None:
    _node, a, b = hub
    assert a.url and b.url
    tok_a, tok_b = token(a.url, "duty"), token(b.url, "duty")
    target = Pick.new_alert(snapshot(a.url, tok_a))
    body = command("alert.resolve", target.id, {"result": "已处理"})  # a new alert cannot be resolved yet
    first = post(a.url, tok_a, body)
    assert first.status_code == 422, first.text
    # The alert moves on; the same command id still gets the first answer, on the other replica.
    assert post(a.url, tok_a, command("alert.acknowledge", target.id)).status_code == 202
    again = post(b.url, tok_b, body)
    assert again.status_code == 422 and again.json() == first.json()


def test_concurrent_commands_on_one_alert_through_both_replicas_lose_no_update(
        hub: tuple[NatsNode, GatewayProcess, GatewayProcess]) -> None:
    _node, a, b = hub
    assert a.url and b.url
    tok_a, tok_b = token(a.url, "duty"), token(b.url, "duty")
    target = Pick.new_alert(snapshot(a.url, tok_a))
    n = 12
    bodies = [command("alert.note", target.id, {"text": f"并发备注 {k}"}) for k in range(n)]
    answers: list[int] = []

    def send(k: int) -> None:
        url, tok = (a.url, tok_a) if k % 2 == 0 else (b.url, tok_b)
        answers.append(post(url, tok, bodies[k]).status_code)  # type: ignore[arg-type]

    threads = [threading.Thread(target=send, args=(k,)) for k in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert answers.count(202) == n, answers
    after = until(lambda: (x := alert_on(b.url, tok_b, target.id)).rev == target.rev + n and x)  # type: ignore[arg-type]
    notes = [t.text for t in after.timeline if t.action == "note"]
    assert sorted(notes) == sorted(f"并发备注 {k}" for k in range(n))
    # Two acknowledgements at once: exactly one wins, the other is refused by the state machine.
    other = Pick.new_alert(snapshot(a.url, tok_a))
    codes: list[int] = []
    racers = [threading.Thread(target=lambda u=u, t=t: codes.append(post(u, t, command("alert.acknowledge", other.id)).status_code))
              for u, t in ((a.url, tok_a), (b.url, tok_b))]
    for t in racers:
        t.start()
    for t in racers:
        t.join(60)
    assert sorted(codes) == [202, 422], codes


# ---------------------------------------------------------------------------- resume


def test_resume_on_the_other_replica_continues_with_no_gap_or_repeat(
        hub: tuple[NatsNode, GatewayProcess, GatewayProcess]) -> None:
    _node, a, b = hub
    assert a.url and b.url
    tok_a, tok_b = token(a.url, "duty"), token(b.url, "duty")
    cursor = snapshot(a.url, tok_a).cursor
    targets = [Pick.new_alert(snapshot(a.url, tok_a)) for _ in range(6)]
    for k, t in enumerate(targets):
        assert post(a.url if k % 2 else b.url, tok_a if k % 2 else tok_b,
                    command("alert.acknowledge", t.id)).status_code == 202
    whole = read_events(a.url, tok_a, cursor, 6)
    first_half = read_events(a.url, tok_a, cursor, 3)
    second_half = read_events(b.url, tok_b, first_half[-1]["id"], 3)
    assert [e["id"] for e in first_half + second_half] == [e["id"] for e in whole]
    assert [e["payload"]["id"] for e in whole] == [t.id for t in targets]
    assert all(e["type"] != "reset" for e in whole)


def test_a_restarted_replica_resumes_a_console_with_no_reset(
        hub: tuple[NatsNode, GatewayProcess, GatewayProcess]) -> None:
    _node, a, b = hub
    assert a.url and b.url
    tok_b = token(b.url, "duty")
    cursor = snapshot(b.url, tok_b).cursor
    b.stop()
    tok_a = token(a.url, "duty")
    targets = [Pick.new_alert(snapshot(a.url, tok_a)) for _ in range(3)]
    for t in targets:
        assert post(a.url, tok_a, command("alert.acknowledge", t.id)).status_code == 202
    b.port = 0
    b.start()
    # The token issued before the restart still works: tokens live in JetStream, not in a replica.
    events = read_events(b.url, tok_b, cursor, 3)
    assert [e["type"] for e in events] == ["alert.upsert"] * 3
    assert [e["payload"]["id"] for e in events] == [t.id for t in targets]
    snap = snapshot(b.url, tok_b)
    assert {x.id: x.status for x in snap.alerts if x.id in {t.id for t in targets}} == \
        {t.id: "acknowledged" for t in targets}


def test_a_cursor_the_stream_never_had_is_reset(hub: tuple[NatsNode, GatewayProcess, GatewayProcess]) -> None:
    _node, a, _b = hub
    assert a.url
    tok = token(a.url, "duty")
    events = read_events(a.url, tok, "999999999", 1)
    assert events[0]["type"] == "reset"


# ---------------------------------------------------------------------------- a 3-node cluster


def test_a_three_node_cluster_loses_a_node_and_no_event(tmp_path: Path) -> None:
    nodes = nats_cluster(tmp_path)
    urls = [n.url for n in nodes]
    gw = GatewayProcess(urls, tmp_path, extra_args=("--stream-replicas", "3"), name="cluster-gw")
    try:
        seed_stream(urls, seed=7, backlog=300, replicas=3)
        url = gw.start()
        tok = token(url, "duty")
        snap = snapshot(url, tok)
        cursor = snap.cursor
        news = sorted((x for x in snap.alerts if x.status == "new"), key=lambda x: x.id)
        assert len(news) >= 6
        for t in news[:3]:
            assert post(url, tok, command("alert.acknowledge", t.id)).status_code == 202
        # Kill the node this replica is connected to (SIGKILL): the client fails over, the
        # stream (R3) keeps a quorum on the other two.
        connected = httpx.get(url + "/readyz", timeout=10).json()["nats"]
        victim = next(n for n in nodes if connected.endswith(f":{n.port}"))
        victim.kill()
        accepted = []
        deadline = time.monotonic() + 60
        for t in news[3:6]:
            while True:  # the console's outbox resends on 503 while the client fails over
                r = post(url, tok, command("alert.acknowledge", t.id, cid=f"ack-{t.id}"))
                if r.status_code == 202:
                    accepted.append(t.id)
                    break
                assert r.status_code == 503 and time.monotonic() < deadline, r.text
                time.sleep(0.5)
        events = read_events(url, tok, cursor, 6, timeout_s=30)
        assert [e["payload"]["id"] for e in events] == [t.id for t in news[:6]]
        assert len({e["id"] for e in events}) == 6
        after = snapshot(url, tok)
        assert all(x.status == "acknowledged" for x in after.alerts if x.id in {t.id for t in news[:6]})
    finally:
        gw.stop()
        for n in nodes:
            n.stop()

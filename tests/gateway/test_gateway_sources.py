"""CAP warnings and citizen events over HTTP into the district gateway: a real ``nats-server``,
two real gateway replicas with the demo sources, real HTTP.

Each test builds the input a plausible bug gets wrong: the same message twice, or at once
on both replicas (two alerts); an Update after an operator took the warning (the operator's
work lost); a Cancel sent to the replica that never saw the Alert (nothing to cancel);
a key of the other kind (a hotline posting warnings); a DOCTYPE entity bomb (the parser
expands it); a bad field among good ones (half an alert stored); a phone number (in full
on a console's stream).
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import uuid
from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest

from console.cap import console_alert_id
from district.limits import MAX_BODY_BYTES
from district.sources import DEMO_CAP_KEY, DEMO_EVENTS_KEY, event_alert_id
from tests.support import natsupport
from tests.support.natsupport import ROOT, GatewayProcess, NatsNode, metrics, seed_stream, token
from tests.support.natsupport import until as _until

CAP_DIR = Path(__file__).resolve().parents[1] / "data" / "cap"
KEYS = {"hotline_12345": "demo-hotline-key", "app_pingshan": "demo-app-key", "grid_patrol": "demo-grid-key"}


def until(pred: Any, timeout_s: float = 15.0) -> Any:
    return _until(pred, timeout_s)


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[NatsNode, Path]]:
    """One nats-server with the synthetic district in the stream."""
    root = tmp_path_factory.mktemp("gateway-sources")
    node = NatsNode(root, "single").start()
    try:
        node.wait_jetstream()
        seed_stream([node.url], seed=7, backlog=20)
        yield node, root
    finally:
        node.stop()


@pytest.fixture(scope="module")
def replicas(hub: tuple[NatsNode, Path]) -> Iterator[list[str]]:
    """Two replicas with the demo sources."""
    node, root = hub
    extra = ("--demo-sources", "--keepalive-s", "0.5", "--iot-flush-s", "0")
    procs = [GatewayProcess([node.url], root, name=f"replica-{n}", extra_args=extra) for n in "ab"]
    try:
        yield [p.start() for p in procs]
    finally:
        for p in procs:
            p.stop()



def alerts(url: str) -> dict[str, dict[str, Any]]:
    r = httpx.get(url + "/api/v1/snapshot", headers={"Authorization": f"Bearer {token(url)}"}, timeout=30)
    assert r.status_code == 200, r.text
    return {a["id"]: a for a in r.json()["alerts"]}


def head(url: str) -> int:
    return int(httpx.get(url + "/readyz", timeout=10).json()["head"])



def ingested(url: str, source: str, outcome: str) -> float:
    return metrics(url).get(f'pingshan_gateway_ingest_messages_total{{source="{source}",outcome="{outcome}"}}', 0.0)


def post_cap(url: str, xml: bytes | str, key: str | None = DEMO_CAP_KEY,
             content_type: str = "application/cap+xml") -> httpx.Response:
    headers = {"Content-Type": content_type}
    if key is not None:
        headers["X-Api-Key"] = key
    body = xml.encode("utf-8") if isinstance(xml, str) else xml
    return httpx.post(url + "/api/v1/ingest/cap", content=body, headers=headers, timeout=30)


def post_event(url: str, doc: dict[str, Any] | bytes, key: str | None = DEMO_EVENTS_KEY) -> httpx.Response:
    headers = {"Content-Type": "application/json"}
    if key is not None:
        headers["X-Api-Key"] = key
    body = doc if isinstance(doc, bytes) else json.dumps(doc, ensure_ascii=False).encode("utf-8")
    return httpx.post(url + "/api/v1/ingest/events", content=body, headers=headers, timeout=30)


def event(source: str = "hotline_12345", **fields: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {"source": source, "external_id": f"T-{uuid.uuid4().hex[:12]}", "category": "waterlogging",
                           "title": "坪环社区路段积水", "description": "积水约 30 厘米，车辆无法通行。",
                           "community": "pinghuan", "reporter_phone": "13812345678"}
    doc.update(fields)
    return doc


def command(url: str, kind: str, target: str, user: str = "duty", **args: Any) -> httpx.Response:
    from console.models import now_utc

    cid = uuid.uuid4().hex
    body = {"id": cid, "kind": kind, "target_id": target, "operator": user, "issued_at": now_utc().isoformat(),
            "args": args}
    return httpx.post(url + "/api/v1/commands", json=body, timeout=30,
                      headers={"Idempotency-Key": cid, "Authorization": f"Bearer {token(url, user)}"})


class SseTap(natsupport.SseTap):
    """A console's stream of alerts from one replica."""

    def __init__(self, url: str) -> None:
        super().__init__(url, "alert")

    def of(self, alert_id: str) -> list[dict[str, Any]]:
        return [e["payload"] for e in list(self.events) if e["payload"]["id"] == alert_id]


# --------------------------------------------------------------------------- CAP


def test_a_cap_warning_its_update_and_its_cancel_follow_one_alert(replicas: list[str]) -> None:
    a, b = replicas
    tap = SseTap(b)
    try:
        red = (CAP_DIR / "rainstorm_red.xml").read_bytes()
        r = post_cap(a, red)
        assert r.status_code == 202, r.text
        aid = console_alert_id("demo-szmb@cap.invalid", "SZMB-2026-1128-RS-001")
        assert r.json() == {"alert_id": aid, "rev": 1, "action": "created", "problems": []}
        # The source sends it again (to the other replica): taken once, the same alert.
        again = post_cap(b, red)
        assert again.status_code == 200 and again.json()["alert_id"] == aid and again.json()["action"] == "duplicate"
        first = alerts(b)[aid]
        assert (first["level"], first["status"], first["source"], first["rev"]) == ("red", "new", "early_warning", 1)
        assert first["cap"].startswith("<?xml") and "SZMB-2026-1128-RS-001" in first["cap"]

        # An operator takes it; then the warning is lowered: the update keeps the operator's work.
        assert command(a, "alert.acknowledge", aid).status_code == 202
        up = post_cap(a, (CAP_DIR / "rainstorm_update.xml").read_bytes())
        assert up.status_code == 202, up.text
        assert up.json()["alert_id"] == aid and up.json()["action"] == "updated" and up.json()["rev"] == 3
        now = alerts(a)[aid]
        assert (now["level"], now["status"]) == ("orange", "acknowledged") and now["acknowledged_by"]
        assert "降级为橙色" in now["title"]

        # An Update that references only the previous Update still finds the warning.
        second = (CAP_DIR / "rainstorm_update.xml").read_text(encoding="utf-8")
        for was, now_ in ((">SZMB-2026-1128-RS-002<", ">SZMB-2026-1128-RS-002b<"),
                          (",SZMB-2026-1128-RS-001,2026-11-28T15:00:00+08:00",
                           ",SZMB-2026-1128-RS-002,2026-11-28T17:00:00+08:00"),
                          ("降级为橙色", "维持橙色")):
            second = second.replace(was, now_)
        up2 = post_cap(b, second)
        assert up2.status_code == 202 and up2.json()["alert_id"] == aid and up2.json()["rev"] == 4, up2.text

        # The Cancel goes to the other replica, which never saw the Alert posted: it knows it from the stream.
        cancel = (CAP_DIR / "rainstorm_cancel.xml").read_bytes()
        c = post_cap(b, cancel)
        assert c.status_code == 202 and c.json() == {"alert_id": aid, "rev": 5, "action": "cancelled", "problems": []}
        assert post_cap(a, cancel).json()["action"] == "duplicate"
        closed = alerts(a)[aid]
        assert closed["status"] == "closed" and closed["timeline"][-1]["text"] == "预警已解除"
        assert [(p["rev"], p["status"]) for p in until(lambda: len(tap.of(aid)) >= 5 and tap.of(aid))] == [
            (1, "new"), (2, "acknowledged"), (3, "acknowledged"), (4, "acknowledged"), (5, "closed")]
    finally:
        tap.close()


def test_a_public_cap_example_and_a_warning_without_a_known_original(replicas: list[str]) -> None:
    a, _b = replicas
    r = post_cap(a, (CAP_DIR / "oasis_thunderstorm.xml").read_bytes(), content_type="application/xml; charset=utf-8")
    assert r.status_code == 202, r.text
    made = alerts(a)[r.json()["alert_id"]]
    assert (made["level"], made["title"]) == ("orange", "SEVERE THUNDERSTORM WARNING")
    # A Cancel of a warning this district never received changes nothing and says which reference.
    before = head(a)
    orphan = (CAP_DIR / "rainstorm_cancel.xml").read_text(encoding="utf-8").replace("RS-00", "XX-00")
    c = post_cap(a, orphan)
    assert c.status_code == 422 and "<references>" in c.json()["detail"] and c.json()["element"] == "references"
    assert head(a) == before


# --------------------------------------------------------------------------- citizen events


def test_citizen_events_from_each_source_reach_every_console_masked(replicas: list[str]) -> None:
    a, b = replicas
    tap = SseTap(b)
    try:
        sent = {
            "hotline_12345": event("hotline_12345", reporter_phone="13812345678"),
            # Placed by its location alone: the gateway finds the community on its map.
            "app_pingshan": event("app_pingshan", community=None, location={"lon": 114.345, "lat": 22.700},
                                  reporter_phone="+86 139-8765-4321", category="fire", title="小区楼道冒烟"),
            "grid_patrol": event("grid_patrol", community=None, street="坑梓街道", reporter_phone=None,
                                 category="noise", title="夜间施工噪声"),
        }
        ids = {}
        for source, doc in sent.items():
            r = post_event(a, doc, key=KEYS[source])
            assert r.status_code == 202, r.text
            ids[source] = r.json()["alert_id"]
            assert ids[source] == event_alert_id(source, doc["external_id"])
        seen = alerts(b)
        hot, app, grid = (seen[ids[s]] for s in ("hotline_12345", "app_pingshan", "grid_patrol"))
        assert (hot["source"], hot["street"], hot["community"], hot["reporter_phone"]) == (
            "hotline_12345", "maluan", "pinghuan", "138****5678")
        assert (app["street"], app["community"], app["reporter_phone"]) == ("pingshan", "pingshan_shequ", "139****4321")
        assert (grid["street"], grid["community"], grid["reporter_phone"]) == ("kengzi", None, None)
        assert hot["status"] == "new" and hot["title"] == "坪环社区路段积水"
        assert sent["hotline_12345"]["external_id"] in hot["timeline"][0]["text"]
        until(lambda: all(tap.of(i) for i in ids.values()))
        assert tap.of(ids["hotline_12345"])[0]["reporter_phone"] == "138****5678"
        stream_text = "\n".join(tap.raw)
        assert "13812345678" not in stream_text and "8765-4321" not in stream_text and "87654321" not in stream_text
        # The full number is kept for the replicas (the secret header): a supervisor may reveal it.
        reveal = command(b, "alert.reveal_phone", ids["hotline_12345"], user="chief")
        assert reveal.status_code == 202 and reveal.json()["revealed"] == "13812345678", reveal.text
        # The source sends the same event again: one alert, the same id.
        again = post_event(b, sent["hotline_12345"], key=KEYS["hotline_12345"])
        assert again.status_code == 200 and again.json()["alert_id"] == ids["hotline_12345"]
        assert sum(1 for x in alerts(a) if x == ids["hotline_12345"]) == 1
        assert [p["rev"] for p in tap.of(ids["hotline_12345"])] == [1, 2]  # the create, the reveal note
    finally:
        tap.close()


def test_the_same_event_posted_to_both_replicas_at_once_is_one_alert(replicas: list[str]) -> None:
    a, b = replicas
    tap = SseTap(a)
    try:
        docs = [event("grid_patrol", reporter_phone=None, title=f"井盖缺失 {k}", category="manhole") for k in range(20)]
        answers: list[tuple[str, int, str]] = []
        gate = threading.Barrier(2 * len(docs))

        def send(url: str, doc: dict[str, Any]) -> None:
            gate.wait()  # every post at once: both replicas decide on a picture without the other's alert
            r = post_event(url, doc, key=KEYS["grid_patrol"])
            answers.append((doc["external_id"], r.status_code, r.json()["alert_id"]))

        threads = [threading.Thread(target=send, args=(u, doc)) for doc in docs for u in (a, b)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        for doc in docs:
            mine = [(s, i) for x, s, i in answers if x == doc["external_id"]]
            assert sorted(s for s, _i in mine) == [200, 202], mine
            assert len({i for _s, i in mine}) == 1
        ids = {event_alert_id("grid_patrol", d["external_id"]) for d in docs}
        assert ids <= set(alerts(a)) and ids <= set(alerts(b))
        until(lambda: all(tap.of(i) for i in ids))
        assert all(len(tap.of(i)) == 1 for i in ids)  # stored once each
    finally:
        tap.close()


# --------------------------------------------------------------------------- who may post what


def test_keys_decide_who_may_post_what(replicas: list[str]) -> None:
    a, _b = replicas
    red = (CAP_DIR / "typhoon_orange.xml").read_bytes()
    before = head(a)
    m0 = metrics(a)
    no_key = post_cap(a, red, key=None)
    assert no_key.status_code == 401 and "X-Api-Key" in no_key.json()["detail"]
    assert post_cap(a, red, key="not-a-key").status_code == 401
    assert post_event(a, event(), key=None).status_code == 401
    # A hotline key posts no warnings; the warning system's key posts no citizen events.
    wrong = post_cap(a, red, key=KEYS["hotline_12345"])
    assert wrong.status_code == 403 and "群众事件" in wrong.json()["detail"]
    assert post_event(a, event(), key=DEMO_CAP_KEY).status_code == 403
    # A hotline key posts hotline events only.
    other = post_event(a, event("app_pingshan"), key=KEYS["hotline_12345"])
    assert other.status_code == 403 and other.json()["field"] == "source" and "app_pingshan" in other.json()["detail"]
    assert head(a) == before
    m1 = metrics(a)

    def delta(name: str) -> float:
        return m1.get(name, 0.0) - m0.get(name, 0.0)

    assert delta('pingshan_gateway_ingest_rejected_total{reason="no_key"}') == 2
    assert delta('pingshan_gateway_ingest_rejected_total{reason="bad_key"}') == 1
    assert delta('pingshan_gateway_ingest_rejected_total{reason="wrong_kind"}') == 2
    assert delta('pingshan_gateway_ingest_rejected_total{reason="wrong_source"}') == 1
    assert delta('pingshan_gateway_ingest_messages_total{source="hotline_12345",outcome="rejected"}') == 2


def sources_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "gateway.server", "sources", *args], capture_output=True, text=True,
                          timeout=60, cwd=ROOT)


def test_a_sources_file_keeps_hashes_only_and_a_key_added_later_works_without_a_restart(
        hub: tuple[NatsNode, Path], tmp_path: Path) -> None:
    node, _root = hub
    path = tmp_path / "sources.json"
    added = sources_cli("add", "szmb", "--kind", "cap", "--sender", "demo-szmb@cap.invalid", "--file", str(path))
    assert added.returncode == 0, added.stderr
    cap_key = added.stdout.strip()
    assert len(cap_key) >= 40 and "密钥只显示这一次" in added.stderr
    stored = path.read_text(encoding="utf-8")
    assert cap_key not in stored and json.loads(stored)["sources"]["szmb"]["key_sha256"]
    assert path.stat().st_mode & 0o777 == 0o600
    assert sources_cli("add", "szmb", "--kind", "cap", "--file", str(path)).returncode == 2  # taken
    assert sources_cli("add", "someone", "--kind", "events", "--file", str(path)).returncode == 2  # which sources?
    gw = GatewayProcess([node.url], tmp_path, name="file-sources",
                        extra_args=("--sources", str(path), "--iot-flush-s", "0"))
    url = gw.start()
    try:
        assert post_cap(url, (CAP_DIR / "typhoon_orange.xml").read_bytes(), key=cap_key).status_code in (200, 202)
        assert post_cap(url, (CAP_DIR / "typhoon_orange.xml").read_bytes()).status_code == 401  # no demo keys here
        # Its sender list holds: the same key may not speak for another sender.
        other = (CAP_DIR / "oasis_thunderstorm.xml").read_bytes()
        assert post_cap(url, other, key=cap_key).status_code == 403
        # A hotline key made while the gateway runs works once the file is re-read (about a second).
        made = sources_cli("add", "hotline_12345", "--kind", "events", "--file", str(path))
        assert made.returncode == 0, made.stderr
        hot_key = made.stdout.strip()
        assert until(lambda: post_event(url, event(), key=hot_key).status_code == 202)
        listed = sources_cli("list", "--file", str(path)).stdout
        assert "hotline_12345\tevents\thotline_12345" in listed and hot_key not in listed
        assert sources_cli("remove", "hotline_12345", "--file", str(path)).returncode == 0
        assert until(lambda: post_event(url, event(), key=hot_key).status_code == 401)
    finally:
        gw.stop()
    bad = tmp_path / "bad.json"
    bad.write_text('{"version": 1, "sources": {"x": {"kind": "sms", "key_sha256": "00"}}}', encoding="utf-8")
    refused = subprocess.run([sys.executable, "-m", "gateway.server", "--sources", str(bad)], capture_output=True,
                             text=True, timeout=60, cwd=ROOT)
    assert refused.returncode == 2 and "接入源 x" in refused.stderr and "kind" in refused.stderr


BOMB = """<?xml version="1.0"?>
<!DOCTYPE alert [
 <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
 <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
]>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&e;</identifier></alert>"""


def test_bad_input_names_what_is_at_fault_and_stores_nothing(replicas: list[str]) -> None:
    a, _b = replicas
    good = (CAP_DIR / "typhoon_orange.xml").read_text(encoding="utf-8")
    before, known = head(a), set(alerts(a))

    cut = post_cap(a, good[: good.index("</info>")])
    assert cut.status_code == 400 and cut.json()["element"] == "alert" and "XML" in cut.json()["detail"]
    bomb = post_cap(a, BOMB)
    assert bomb.status_code == 400 and "DOCTYPE" in bomb.json()["detail"]
    severity = post_cap(a, good.replace("<severity>Severe</severity>", "<severity>Terrible</severity>"))
    assert severity.status_code == 422 and severity.json()["element"] == "info[1]/severity"
    assert "<info[1]/severity>" in severity.json()["detail"]
    polygon = post_cap(a, good.replace("<circle>22.70,114.35 8</circle>",
                                       "<polygon>22.70,114.35 22.71,114.36 22.72,114.35</polygon>"))
    assert polygon.status_code == 422 and polygon.json()["element"] == "info[1]/area[1]/polygon"
    assert post_cap(a, good, content_type="application/json").status_code == 415

    not_json = post_event(a, b'{"source": "hotline_12345", "title": ')
    assert not_json.status_code == 400 and "JSON" in not_json.json()["detail"]
    lat = post_event(a, event(location={"lon": 114.35, "lat": 122.7}))
    assert lat.status_code == 422 and lat.json()["field"] == "location.lat" and "location.lat" in lat.json()["detail"]
    extra = post_event(a, event(priority="urgent"))
    assert extra.status_code == 422 and extra.json()["field"] == "priority"
    wrong_street = post_event(a, event(street="biling"))  # 坪环 lies in 马峦
    assert wrong_street.status_code == 422 and wrong_street.json()["field"] == "community"
    long_title = post_event(a, event(title="水" * 201))
    assert long_title.status_code == 422 and "200" in long_title.json()["detail"]
    assert post_event(a, b"[1, 2]").status_code == 422

    huge = post_event(a, event(description="x" * (MAX_BODY_BYTES + 1)))
    assert huge.status_code == 413
    huge_cap = post_cap(a, good.replace("<description>", "<description>" + "风" * MAX_BODY_BYTES))
    assert huge_cap.status_code == 413

    assert head(a) == before and set(alerts(a)) == known
    m = metrics(a)
    for reason in ("not_xml", "bad_cap", "media_type", "not_json", "bad_event", "oversize"):
        assert m[f'pingshan_gateway_ingest_rejected_total{{reason="{reason}"}}'] >= 1, reason


# --------------------------------------------------------------------------- the producer


def test_the_producer_posts_events_and_warnings_and_the_gateway_counts_them(replicas: list[str]) -> None:
    a, _b = replicas
    m0 = {(s, o): ingested(a, s, o) for s in ("citizen-events", "warning-release") for o in ("accepted", "duplicate")}
    r = subprocess.run([sys.executable, "-m", "simulator.server", "--produce", "--gateway", a, "--seed", "3",
                        "--events-per-s", "6", "--cap-every-s", "0.5", "--seconds", "3"],
                       capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert r.returncode == 0, r.stderr[-3000:]
    lines = r.stdout.strip().splitlines()
    counts = {k: int(v) for k, v in (kv.split("=") for kv in lines[-2].split())}
    assert counts["refused"] == 0 and counts["events"] >= 12 and counts["cap"] >= 5
    assert int(lines[-1].removeprefix("sent=")) == counts["events"] + counts["cap"]
    m1 = {k: ingested(a, *k) for k in m0}
    assert m1[("citizen-events", "accepted")] - m0[("citizen-events", "accepted")] == counts["events"]
    assert m1[("warning-release", "accepted")] - m0[("warning-release", "accepted")] == counts["cap"]
    assert all(m1[k] == m0[k] for k in m0 if k[1] == "duplicate")
    # The warning chains went through: Alerts raised, Updates raised their colour, Cancels closed them.
    sims = [x for x in alerts(a).values() if x["cap"] and "PS-SIM-3-" in x["cap"]]
    assert sims and any(x["status"] == "closed" for x in sims)
    assert any("升级为" in x["title"] for x in sims)

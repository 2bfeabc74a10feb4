"""The district feed as a real loopback server: snapshot, SSE, resume, commands, persistence.

Every test talks HTTP to a feed subprocess (``FeedProcess``); nothing is mocked.
"""

from __future__ import annotations

import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest

from console.feed_process import FeedProcess
from console.models import (
    AlertUpsert,
    CommandAccepted,
    CommandRefused,
    ResetEnvelope,
    Snapshot,
    parse_envelope,
)

TZ = timezone(timedelta(hours=8))


# ---------------------------------------------------------------------------- helpers


def read_sse(url: str, *, headers: dict[str, str] | None = None, params: dict[str, str] | None = None,
             max_events: int = 10, timeout_s: float = 8.0, until: Any = None) -> tuple[list[dict[str, Any]], list[str]]:
    """Read raw SSE: returns (events as {id, data, raw_lines}, every raw line) after checking framing."""
    events: list[dict[str, Any]] = []
    lines_seen: list[str] = []
    cur: dict[str, Any] = {"data": [], "lines": []}
    deadline = time.monotonic() + timeout_s
    with httpx.stream("GET", url + "/api/v1/stream", headers=headers, params=params,
                      timeout=httpx.Timeout(timeout_s, read=12)) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        for line in r.iter_lines():
            lines_seen.append(line)
            if line == "":
                if cur["data"] or "id" in cur:
                    ev = {"id": cur.get("id"), "data": "\n".join(cur["data"]), "lines": cur["lines"]}
                    events.append(ev)
                    if len(events) >= max_events or (until is not None and until(ev)):
                        break
                cur = {"data": [], "lines": []}
            elif line.startswith(":"):
                pass  # comment / keep-alive
            else:
                field, _, value = line.partition(":")
                value = value[1:] if value.startswith(" ") else value
                assert field in ("id", "data", "retry", "event"), f"unknown SSE field in {line!r}"
                cur["lines"].append(line)
                if field == "data":
                    cur["data"].append(value)
                elif field == "id":
                    cur["id"] = value
            if time.monotonic() > deadline:
                break
    return events, lines_seen


def snapshot(url: str, **params: str) -> Snapshot:
    r = httpx.get(url + "/api/v1/snapshot", params=params, timeout=10)
    assert r.status_code == 200
    return Snapshot.model_validate_json(r.content)


def command(kind: str, target: str, args: dict[str, Any] | None = None, expected_rev: int | None = None,
            cid: str | None = None) -> dict[str, Any]:
    return {
        "id": cid or f"cmd-{uuid.uuid4().hex[:16]}",
        "kind": kind,
        "target_id": target,
        "expected_rev": expected_rev,
        "operator": "值班员",
        "issued_at": datetime.now(TZ).isoformat(),
        "args": args or {},
    }


def post(url: str, body: dict[str, Any], token: str | None = None, key: str | None = "same") -> httpx.Response:
    headers = {}
    if key is not None:
        headers["Idempotency-Key"] = body["id"] if key == "same" else key
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return httpx.post(url + "/api/v1/commands", json=body, headers=headers, timeout=10)


@pytest.fixture(scope="module")
def shared_feed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FeedProcess]:
    """One feed for the read-mostly tests of this module (starting one costs ~0.7 s)."""
    proc = FeedProcess(seed=3, alerts_per_s=2, readings_per_s=20,
                       data_dir=tmp_path_factory.mktemp("shared-feed"))
    try:
        proc.start()
        yield proc
    finally:
        proc.close()


# ---------------------------------------------------------------------------- snapshot and stream


def test_snapshot_is_a_valid_operating_picture(shared_feed: FeedProcess) -> None:
    snap = snapshot(shared_feed.url)
    assert int(snap.cursor) > 0
    assert len(snap.alerts) >= 150
    assert 280 <= len(snap.devices) <= 330
    assert {d.kind for d in snap.devices} == {
        "river_level", "waterlogging", "rain_gauge", "slope_displacement", "air_quality", "noise", "smoke",
        "hydrant_pressure", "manhole_cover"}
    assert len(snap.cameras) == 36
    for cam in snap.cameras:
        assert len(cam.id) == 20 and cam.id.isdigit() and cam.id.startswith("440310")
        assert cam.streams.main.endswith("/main.ts") and cam.streams.main.startswith(shared_feed.url)
    assert {a.status for a in snap.alerts} >= {"new", "in_progress", "closed"}
    levels = [a.level for a in snap.alerts]
    assert levels.count("blue") + levels.count("yellow") > levels.count("orange") + levels.count("red")
    assert any(a.reporter_phone for a in snap.alerts if a.source in ("hotline_12345", "app_pingshan"))
    assert len(snap.units) >= 6 + 23 + 9
    assert snap.indicators and {v.indicator_id for v in snap.indicators} >= {"events_today", "gov_cloud_storage_tb"}


def test_snapshot_scope_keeps_one_street(shared_feed: FeedProcess) -> None:
    snap = snapshot(shared_feed.url, scope="maluan")
    assert snap.scope.street == "maluan"
    assert snap.alerts and all(a.street in (None, "maluan") for a in snap.alerts)
    assert all(d.street == "maluan" for d in snap.devices)
    assert httpx.get(shared_feed.url + "/api/v1/snapshot", params={"scope": "atlantis"}).status_code == 422
    assert httpx.get(shared_feed.url + "/api/v1/stream", params={"scope": "atlantis"}).status_code == 422


def test_stream_is_well_formed_and_every_event_validates(shared_feed: FeedProcess) -> None:
    events, lines = read_sse(shared_feed.url, max_events=15)
    assert lines[0] == "retry: 2000"
    assert len(events) == 15
    ids = [int(e["id"]) for e in events]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    types = set()
    for e in events:
        assert e["lines"][0].startswith("id: ") and all(ln.startswith("data: ") for ln in e["lines"][1:])
        env = parse_envelope(e["data"])
        assert env.id == e["id"]
        types.add(env.type)
    assert "reading.batch" in types


def test_stream_topics_and_scope_filter(shared_feed: FeedProcess) -> None:
    events, _ = read_sse(shared_feed.url, params={"topics": "reading", "scope": "kengzi"}, max_events=4)
    assert len(events) == 4
    for e in events:
        env = parse_envelope(e["data"])
        assert env.type == "reading.batch" and env.scope.street == "kengzi"


def test_resume_with_last_event_id_yields_exactly_the_following_ids(shared_feed: FeedProcess) -> None:
    cursor = int(snapshot(shared_feed.url).cursor)
    time.sleep(1.5)  # let some events happen after the cursor
    start = cursor - 40
    events, _ = read_sse(shared_feed.url, headers={"Last-Event-ID": str(start)}, max_events=60)
    assert [int(e["id"]) for e in events] == list(range(start + 1, start + 61))
    # The query parameter does the same.
    events_q, _ = read_sse(shared_feed.url, params={"last_event_id": str(start)}, max_events=5)
    assert [int(e["id"]) for e in events_q] == list(range(start + 1, start + 6))


def test_unknown_or_future_cursor_yields_reset(shared_feed: FeedProcess) -> None:
    for bad in ("999999999", "not-a-number"):
        events, _ = read_sse(shared_feed.url, headers={"Last-Event-ID": bad}, max_events=1)
        env = parse_envelope(events[0]["data"])
        assert isinstance(env, ResetEnvelope)


def test_cursor_older_than_retention_yields_reset(feed_factory: Any) -> None:
    feed = feed_factory(alerts_per_s=5, readings_per_s=40, extra_args=["--retention", "100", "--backlog", "20"])
    deadline = time.monotonic() + 15
    while httpx.get(feed.url + "/_sim/state").json()["oldest"] <= 5 and time.monotonic() < deadline:
        time.sleep(0.3)
    events, _ = read_sse(feed.url, headers={"Last-Event-ID": "3"}, max_events=1)
    env = parse_envelope(events[0]["data"])
    assert isinstance(env, ResetEnvelope) and env.payload.reason == "cursor too old"
    # A recent cursor still resumes.
    head = httpx.get(feed.url + "/_sim/state").json()["head"]
    events, _ = read_sse(feed.url, headers={"Last-Event-ID": str(head - 10)}, max_events=3)
    assert [int(e["id"]) for e in events] == [head - 9, head - 8, head - 7]


# ---------------------------------------------------------------------------- commands


def _alert_in(snap: Snapshot, status: str, **where: Any) -> Any:
    for a in snap.alerts:
        if a.status == status and all(getattr(a, k) == v for k, v in where.items()):
            return a
    raise AssertionError(f"no {status} alert in the snapshot")


def test_alert_closed_loop_commands_and_status_codes(feed_factory: Any) -> None:
    feed = feed_factory(seed=5, alerts_per_s=0, readings_per_s=2)
    url = feed.url
    snap = snapshot(url)
    alert = _alert_in(snap, "new")

    # 签收, and the echo on the stream carries the command id and rev + 1.
    ack = command("alert.acknowledge", alert.id, expected_rev=alert.rev)
    r = post(url, ack)
    assert r.status_code == 202
    accepted = CommandAccepted.model_validate_json(r.content)
    assert accepted.rev == alert.rev + 1 and accepted.target_id == alert.id
    events, _ = read_sse(url, headers={"Last-Event-ID": snap.cursor}, max_events=200,
                         until=lambda e: '"alert.upsert"' in e["data"] and ack["id"] in e["data"])
    echo = parse_envelope(events[-1]["data"])
    assert isinstance(echo, AlertUpsert)
    assert echo.payload.last_command_id == ack["id"] and echo.payload.rev == alert.rev + 1
    assert echo.payload.status == "acknowledged" and echo.payload.timeline[-1].command_id == ack["id"]

    # Same Idempotency-Key: same answer, applied once.
    r2 = post(url, ack)
    assert r2.status_code == 202 and r2.json() == r.json()
    state = httpx.get(url + "/_sim/state").json()
    assert state["alerts"][alert.id]["rev"] == alert.rev + 1

    # 签收 again: invalid, reason in plain Chinese.
    r = post(url, command("alert.acknowledge", alert.id))
    assert r.status_code == 422
    refused = CommandRefused.model_validate_json(r.content)
    assert refused.error == "invalid" and refused.reason == "当前状态为“已签收”，不能签收"

    # Stale rev → 409; unknown target → 404; missing key → 422.
    r = post(url, command("alert.note", alert.id, {"text": "核实中"}, expected_rev=alert.rev))
    assert r.status_code == 409 and r.json()["error"] == "stale_rev"
    r = post(url, command("alert.acknowledge", "PS9999999"))
    assert r.status_code == 404 and r.json()["error"] == "not_found"
    r = post(url, command("alert.note", alert.id, {"text": "x"}), key=None)
    assert r.status_code == 422

    # 分拨 to a unit that does not handle the category → 422; to a street sub-centre → 202.
    wrong = "dept.ecology" if alert.category not in ("air_quality", "noise", "hazmat", "environment_complaint",
                                                       "water_pollution", "construction_dust") else "dept.transport"
    r = post(url, command("alert.dispatch", alert.id, {"unit": wrong}))
    assert r.status_code == 422 and "不承办" in r.json()["reason"]
    assert post(url, command("alert.dispatch", alert.id, {"unit": f"street.{alert.street}"})).status_code == 202
    assert post(url, command("alert.start", alert.id)).status_code == 202
    r = post(url, command("alert.resolve", alert.id))
    assert r.status_code == 422 and "处置结果" in r.json()["reason"]
    assert post(url, command("alert.resolve", alert.id, {"result": "已清理现场"})).status_code == 202
    assert post(url, command("alert.urge", alert.id)).status_code == 422
    assert post(url, command("alert.close", alert.id, {"feedback": "回访满意"})).status_code == 202
    assert post(url, command("alert.reopen", alert.id, {"reason": "群众再次反映"})).status_code == 202
    r = post(url, command("alert.escalate", alert.id))
    assert r.status_code == 202 or r.json()["reason"].startswith("已是最高")
    final = httpx.get(url + "/_sim/state").json()["alerts"][alert.id]
    assert final["status"] == "acknowledged"

    # merge: the duplicate is closed into another alert.
    snap = snapshot(url)
    dup = _alert_in(snap, "new")
    other = next(a for a in snap.alerts if a.id != dup.id and a.status != "closed")
    assert post(url, command("alert.merge", dup.id, {"into": other.id})).status_code == 202
    assert httpx.get(url + "/_sim/state").json()["alerts"][dup.id]["status"] == "closed"


def test_roles_viewer_may_not_command(feed: FeedProcess) -> None:
    url = feed.url
    tok = httpx.post(url + "/api/v1/auth/token", data={"username": "viewer", "password": "viewer"}).json()
    assert tok["role"] == "viewer" and tok["token_type"] == "bearer"
    alert = _alert_in(snapshot(url), "new")
    r = post(url, command("alert.acknowledge", alert.id), token=tok["access_token"])
    assert r.status_code == 403 and r.json()["error"] == "forbidden"
    chief = httpx.post(url + "/api/v1/auth/token", data={"username": "chief", "password": "chief"}).json()
    assert chief["role"] == "supervisor"
    assert post(url, command("alert.acknowledge", alert.id), token=chief["access_token"]).status_code == 202
    assert httpx.post(url + "/api/v1/auth/token", data={"username": "chief", "password": "x"}).status_code == 401
    assert post(url, command("alert.note", alert.id, {"text": "x"}), token="forged").status_code == 401


def test_incident_task_and_camera_commands(feed: FeedProcess) -> None:
    url = feed.url
    r = post(url, command("incident.declare", "new", {"type": "rainstorm_flood", "level": 3, "street": "maluan"}))
    assert r.status_code == 202
    inc_id = r.json()["target_id"]
    assert post(url, command("incident.declare", "new", {"type": "meteor", "level": 3})).status_code == 422
    r = post(url, command("incident.declare", "INC-FIRE-1", {"type": "fire", "level": 2,
                                                             "location": {"lon": 114.368, "lat": 22.655}}))
    assert r.status_code == 202 and r.json()["target_id"] == "INC-FIRE-1"
    fire = next(i for i in snapshot(url).incidents if i.id == "INC-FIRE-1")
    assert fire.street == "maluan" and fire.plan_id == "plan.fire" and fire.level == 2
    r = post(url, command("task.issue", inc_id, {"unit": "team.flood", "instruction": "坪环社区低洼处抽排",
                                                 "due_minutes": 30}))
    assert r.status_code == 202
    task_id = r.json()["target_id"]
    assert post(url, command("task.issue", inc_id, {"unit": "nobody", "instruction": "x"})).status_code == 422
    assert post(url, command("task.update", task_id, {"status": "en_route"})).status_code == 202
    assert post(url, command("task.update", task_id, {"status": "flying"})).status_code == 422
    assert post(url, command("incident.stand_down", inc_id)).status_code == 202
    assert post(url, command("incident.stand_down", inc_id)).status_code == 422
    snap = snapshot(url)
    assert [i.status for i in snap.incidents if i.id == inc_id] == ["stood_down"]
    assert [t.status for t in snap.tasks if t.id == task_id] == ["en_route"]
    cam = next(c for c in snap.cameras if c.ptz and c.status == "online")
    assert post(url, command("camera.ptz", cam.id, {"pan": 30, "tilt": -10})).status_code == 202
    assert httpx.get(url + "/_sim/state").json()["ptz"][cam.id]["pan"] == 30
    assert post(url, command("camera.ptz", cam.id, {"pan": 999})).status_code == 422


def test_invalid_command_body_is_refused_in_contract_form(feed: FeedProcess) -> None:
    r = httpx.post(feed.url + "/api/v1/commands", json={"id": "short", "kind": "alert.fly"},
                   headers={"Idempotency-Key": "short"})
    assert r.status_code == 422
    assert CommandRefused.model_validate_json(r.content).error == "invalid"


# ---------------------------------------------------------------------------- persistence


def test_sigkill_and_restart_continue_ids_and_keep_alerts(feed_factory: Any) -> None:
    feed = feed_factory(seed=9, alerts_per_s=4, readings_per_s=20)
    time.sleep(1.0)
    url = feed.url
    alert = _alert_in(snapshot(url), "new")
    ack = command("alert.acknowledge", alert.id)
    first = post(url, ack)
    assert first.status_code == 202
    before = httpx.get(url + "/_sim/state").json()
    feed.kill()
    assert not feed.running
    url2 = feed.restart()
    assert url2 == url  # same port, same data dir
    after = httpx.get(url + "/_sim/state").json()
    assert after["head"] >= before["head"]
    for aid, a in before["alerts"].items():
        assert aid in after["alerts"] and after["alerts"][aid]["rev"] >= a["rev"]
    assert after["alerts"][alert.id]["status"] == "acknowledged"
    # The idempotency record survived too: a resend after the crash is answered, not re-applied.
    again = post(url, ack)
    assert again.status_code == 202 and again.json() == first.json()
    # Resuming from the pre-kill head yields the next ids, with no gap and no duplicate.
    events, _ = read_sse(url, headers={"Last-Event-ID": str(before["head"])}, max_events=20, timeout_s=10)
    assert [int(e["id"]) for e in events] == list(range(before["head"] + 1, before["head"] + 21))
    # New alert ids continue the sequence.
    new_ids = sorted(set(after["alerts"]) - set(before["alerts"]))
    assert all(i > max(before["alerts"]) for i in new_ids)


# ---------------------------------------------------------------------------- /_sim controls


def test_inject_is_persisted_and_replayed_verbatim(feed: FeedProcess) -> None:
    url = feed.url
    head = httpx.get(url + "/_sim/state").json()["head"]
    raw = b'{"v":1,"id":"x","type":"alert.upsert"'  # truncated JSON on purpose
    eid = int(httpx.post(url + "/_sim/inject", content=raw).json()["id"])
    assert eid > head
    events, _ = read_sse(url, headers={"Last-Event-ID": str(eid - 1)}, max_events=1)
    assert events[0]["id"] == str(eid) and events[0]["data"].encode() == raw


def test_fault_modes(feed: FeedProcess) -> None:
    url = feed.url
    assert httpx.post(url + "/_sim/fault", json={"mode": "http500"}).status_code == 200
    assert httpx.get(url + "/api/v1/snapshot").status_code == 500
    assert httpx.get(url + "/api/v1/stream").status_code == 500
    httpx.post(url + "/_sim/fault", json={"mode": "hang"})
    with pytest.raises(httpx.ReadTimeout):
        httpx.get(url + "/api/v1/snapshot", timeout=1.0)
    httpx.post(url + "/_sim/fault", json={"mode": "cut"})
    with httpx.stream("GET", url + "/api/v1/stream", timeout=10) as r:
        body = b"".join(r.iter_raw())
    assert body.startswith(b"retry: 2000\n\n") and not body.endswith(b"\n\n")  # cut inside an event
    httpx.post(url + "/_sim/fault", json={"mode": "ok"})
    assert httpx.get(url + "/api/v1/snapshot").status_code == 200


def test_burst_and_clock(feed_factory: Any) -> None:
    feed = feed_factory(alerts_per_s=0, readings_per_s=1)
    url = feed.url
    n0 = httpx.get(url + "/_sim/state").json()["counts"]["alerts"]
    httpx.post(url + "/_sim/burst", json={"alerts": 40, "over_s": 1})
    deadline = time.monotonic() + 8
    while httpx.get(url + "/_sim/state").json()["counts"]["alerts"] < n0 + 40 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert httpx.get(url + "/_sim/state").json()["counts"]["alerts"] == n0 + 40
    httpx.post(url + "/_sim/clock", json={"offset_s": 3600})
    gen = snapshot(url).generated_at
    assert gen - datetime.now(TZ) > timedelta(minutes=55)


def test_slow_consumer_is_dropped_not_buffered(feed_factory: Any) -> None:
    """A client that stops reading is cut loose once its queue fills; the feed stays healthy."""
    feed = feed_factory(alerts_per_s=0, readings_per_s=1)
    url = feed.url
    with httpx.Client(timeout=20) as client, client.stream("GET", url + "/api/v1/stream") as r:
        assert r.status_code == 200
        # Never read: flood the feed with large injected events until the subscriber is dropped.
        payload = b'{"pad":"' + b"x" * 65536 + b'"}'
        with httpx.Client(timeout=10) as poster:
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                for _ in range(50):
                    poster.post(url + "/_sim/inject", content=payload)
                if poster.get(url + "/_sim/state").json()["counts"]["dropped_subscribers"] >= 1:
                    break
            assert poster.get(url + "/_sim/state").json()["counts"]["dropped_subscribers"] >= 1
    assert httpx.get(url + "/api/v1/snapshot").status_code == 200


# ---------------------------------------------------------------------------- determinism


def test_same_seed_same_alerts(feed_factory: Any) -> None:
    a = feed_factory(seed=11, alerts_per_s=0, readings_per_s=0)
    b = feed_factory(seed=11, alerts_per_s=0, readings_per_s=0)
    c = feed_factory(seed=12, alerts_per_s=0, readings_per_s=0)
    sa, sb, sc = snapshot(a.url), snapshot(b.url), snapshot(c.url)
    first = [(x.id, x.title, x.status, x.level) for x in sa.alerts[:100]]
    assert first == [(x.id, x.title, x.status, x.level) for x in sb.alerts[:100]]
    assert [d.location for d in sa.devices] == [d.location for d in sb.devices]
    assert first != [(x.id, x.title, x.status, x.level) for x in sc.alerts[:100]]


def test_keepalive_comments_when_nothing_matches(feed_factory: Any) -> None:
    feed = feed_factory(alerts_per_s=0, readings_per_s=5, extra_args=["--keepalive-s", "0.3"])
    lines: list[str] = []
    t0 = time.monotonic()
    with httpx.stream("GET", feed.url + "/api/v1/stream", params={"topics": "incident"}, timeout=10) as r:
        for line in r.iter_lines():
            lines.append(line)
            if lines.count(": keep-alive") >= 3 or time.monotonic() - t0 > 5:
                break
    assert lines[0] == "retry: 2000"
    assert lines.count(": keep-alive") >= 3
    assert not any(ln.startswith("data:") for ln in lines)  # readings were filtered out by topic


def test_feed_exits_when_its_launcher_is_killed(tmp_path: Any) -> None:
    """A launcher killed with SIGKILL (no atexit, no fixture teardown) leaves no feed behind."""
    import os
    import signal
    import subprocess
    import sys

    script = (
        "import sys, time\n"
        "from console.feed_process import FeedProcess\n"
        f"f = FeedProcess(readings_per_s=1, alerts_per_s=0, data_dir={str(tmp_path / 'feed')!r})\n"
        "f.start()\n"
        "print(f.pid, flush=True)\n"
        "time.sleep(60)\n"
    )
    launcher = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                                cwd=str(Path(__file__).resolve().parents[2]))
    try:
        feed_pid = int(launcher.stdout.readline())  # type: ignore[union-attr]
        os.kill(feed_pid, 0)  # alive
        launcher.send_signal(signal.SIGKILL)
        launcher.wait(timeout=5)
        deadline = time.monotonic() + 8
        gone = False
        while time.monotonic() < deadline and not gone:
            try:
                os.kill(feed_pid, 0)
                # A zombie would still answer; reaped orphans are adopted by init and collected.
                with open(f"/proc/{feed_pid}/stat") as fh:
                    gone = fh.read().split(")")[1].split()[0] == "Z"
            except (ProcessLookupError, FileNotFoundError):
                gone = True
            time.sleep(0.2)
        assert gone, "the feed outlived its launcher"
    finally:
        if launcher.poll() is None:
            launcher.kill()
            launcher.wait()
        try:
            os.kill(feed_pid, signal.SIGKILL)
        except (ProcessLookupError, UnboundLocalError):
            pass

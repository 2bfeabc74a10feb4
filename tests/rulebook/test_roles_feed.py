"""Roles and scope on the real feed: every role × every command kind gets 202 or 403 as the
contract's table says; street seats see and act on their street only; tokens expire,
refresh (single use) and can be revoked; login is required when the feed says so."""

from __future__ import annotations

import uuid
from datetime import datetime, time
from pathlib import Path
from typing import Any, Callable, Iterator, get_args

import httpx
import pytest

from console.feed_process import FeedProcess
from console.models import CommandKind, CommandRefused, Roster, Snapshot, now_utc
from district.roles import ROLE_COMMAND_KINDS, ROLES
from district.vocabulary import DISTRICT_TZ
from console.workflow import has_permission

USERS = {"viewer": "viewer", "operator": "duty", "supervisor": "chief", "administrator": "admin"}
KINDS: tuple[str, ...] = get_args(CommandKind)


@pytest.fixture(scope="module")
def role_feed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FeedProcess]:
    """One login-required feed for the whole matrix, with a storm of fresh alerts to act on."""
    proc = FeedProcess(seed=3, alerts_per_s=0, readings_per_s=1, data_dir=tmp_path_factory.mktemp("feed"),
                       extra_args=("--require-login",))
    try:
        proc.start()
        r = httpx.post(proc.url + "/_sim/burst", json={"alerts": 120, "over_s": 0}, timeout=30)
        assert r.status_code == 200
        yield proc
    finally:
        proc.close()


def token(url: str, user: str) -> str:
    r = httpx.post(url + "/api/v1/auth/token", data={"username": user, "password": user}, timeout=10)
    assert r.status_code == 200, r.text
    return str(r.json()["access_token"])


def post(url: str, tok: str, kind: str, target: str, args: dict[str, Any] | None = None) -> httpx.Response:
    cid = uuid.uuid4().hex
    body = {"id": cid, "kind": kind, "target_id": target, "operator": "测试", "issued_at": now_utc().isoformat(),
            "args": args or {}}
    return httpx.post(url + "/api/v1/commands", json=body, timeout=10,
                      headers={"Idempotency-Key": cid, "Authorization": f"Bearer {tok}"})


class Stage:
    """Brings an object into the state a command kind needs, acting as the supervisor seat."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.chief = token(url, "chief")
        self.used: set[str] = set()

    def snap(self) -> Snapshot:
        r = httpx.get(self.url + "/api/v1/snapshot", headers={"Authorization": f"Bearer {self.chief}"}, timeout=30)
        return Snapshot.model_validate_json(r.content)

    def ok(self, kind: str, target: str, args: dict[str, Any] | None = None) -> str:
        r = post(self.url, self.chief, kind, target, args)
        assert r.status_code == 202, r.text
        return str(r.json()["target_id"])

    def fresh(self, snap: Snapshot | None = None) -> Any:
        snap = snap or self.snap()
        alert = next(a for a in snap.alerts if a.status == "new" and a.level != "red" and a.id not in self.used)
        self.used.add(alert.id)
        return alert

    def unit_for(self, snap: Snapshot, category: str) -> str:
        return next(u.id for u in snap.units if not u.categories or category in u.categories)

    def prepare(self, kind: str) -> tuple[str, dict[str, Any]]:
        snap = self.snap()
        family, verb = kind.split(".")
        if family == "alert":
            a = self.fresh(snap)
            unit = self.unit_for(snap, a.category)
            if verb in ("dispatch", "start", "resolve", "close", "reopen"):
                self.ok("alert.acknowledge", a.id)
            if verb in ("start", "resolve", "close", "reopen"):
                self.ok("alert.dispatch", a.id, {"unit": unit})
            if verb in ("close", "reopen"):
                self.ok("alert.resolve", a.id, {"result": "已处置"})
            args = {"dispatch": {"unit": unit}, "resolve": {"result": "已处置"}, "note": {"text": "备注"},
                    "merge": {"into": self.fresh(snap).id}}.get(verb, {})
            return a.id, args
        if family == "duty":
            return self.prepare_duty(verb)
        if self.__dict__.pop("clock_moved", False):
            assert httpx.post(self.url + "/_sim/clock", json={"offset_s": 0}, timeout=10).status_code == 200
        if kind == "camera.ptz":
            cam = next(c for c in snap.cameras if c.ptz and c.status == "online")
            return cam.id, {"pan": 10.0}
        if kind == "incident.declare":
            return "new", {"type": "rainstorm_flood", "level": 4, "street": "maluan"}
        incident = self.ok("incident.declare", "new", {"type": "rainstorm_flood", "level": 4, "street": "maluan"})
        if kind == "incident.stand_down":
            return incident, {}
        if kind == "incident.step":
            return incident, {"step_id": "s1", "status": "done"}
        if kind == "task.issue":
            return incident, {"unit": "team.flood", "instruction": "抽排积水"}
        task = self.ok("task.issue", incident, {"unit": "team.flood", "instruction": "抽排积水"})
        return task, {"status": "received"}


    def prepare_duty(self, verb: str) -> tuple[str, dict[str, Any]]:
        """Duty commands: each call gets an object of its own (a shift not yet handed over,
        a handover made by a third seat, a 查岗 nobody answered yet)."""
        # Noon, district time, whenever this runs: last night's shifts have ended (open for handover).
        noon = datetime.combine(datetime.now(DISTRICT_TZ).date(), time(12, 0), DISTRICT_TZ)
        offset = (noon - datetime.now(DISTRICT_TZ)).total_seconds()
        assert httpx.post(self.url + "/_sim/clock", json={"offset_s": offset}, timeout=10).status_code == 200
        self.clock_moved = True
        r = httpx.get(self.url + "/api/v1/roster", headers={"Authorization": f"Bearer {self.chief}"}, timeout=10)
        roster = Roster.model_validate_json(r.content)
        counts: dict[str, int] = self.__dict__.setdefault("duty_counts", {})
        n = counts[verb] = counts.get(verb, -1) + 1  # each verb walks its own objects
        ended = [s for s in roster.shifts if s.end <= roster.generated_at]  # last night's shifts
        if verb == "handover":
            pick = [s for s in ended if s.centre in ("district", "emergency", "fire", "urban")][n % 4]
            return pick.id, {"report": "交接事项"}
        if verb == "acknowledge":
            street = ("maluan", "pingshan", "biling", "shijing")[n % 4]
            pick = next(s for s in ended if s.centre == street)
            r = post(self.url, token(self.url, street), "duty.handover", pick.id, {"report": "交接事项"})
            assert r.status_code == 202, r.text
            return pick.id, {}
        if verb == "assign":
            return next(s.id for s in roster.shifts if s.centre == "kengzi"), {"phone": "0755-28300000"}
        if verb == "checkin_start":
            return ("maluan", "pingshan", "biling", "shijing")[n % 4], {"minutes": 5}
        return self.ok("duty.checkin_start", ("kengzi", "longtian", "emergency", "fire")[n % 4], {"minutes": 5}), {}


@pytest.fixture(scope="module")
def stage(role_feed: FeedProcess) -> Stage:
    return Stage(role_feed.url)


@pytest.fixture(scope="module")
def tokens(role_feed: FeedProcess) -> dict[str, str]:
    return {role: token(role_feed.url, user) for role, user in USERS.items()}


def test_the_table_covers_every_role_and_kind() -> None:
    assert set(ROLE_COMMAND_KINDS) == set(ROLES)
    assert all(k in KINDS for kinds in ROLE_COMMAND_KINDS.values() for k in kinds)
    # Issue 10: viewer sees only; operator acknowledges, dispatches, notes; supervisor also
    # escalates, urges, declares and stands down incidents; the administrator gives no orders.
    # (Issue 22: the administrator keeps the duty roster's entries, ``duty.assign``, and nothing else.)
    assert not ROLE_COMMAND_KINDS["viewer"] and ROLE_COMMAND_KINDS["administrator"] <= {"duty.assign"}
    assert {"alert.acknowledge", "alert.dispatch", "alert.note"} <= ROLE_COMMAND_KINDS["operator"]
    assert not {"alert.escalate", "alert.urge", "incident.declare", "incident.stand_down"} & ROLE_COMMAND_KINDS["operator"]
    assert ROLE_COMMAND_KINDS["operator"] < ROLE_COMMAND_KINDS["supervisor"]
    assert has_permission("supervisor", "reveal") and not has_permission("operator", "reveal")
    assert has_permission("administrator", "settings") and not has_permission("supervisor", "settings")
    assert not has_permission("administrator", "alert.acknowledge") and has_permission("operator", "alert.note")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("role", ROLES)
def test_role_by_command_kind(role_feed: FeedProcess, stage: Stage, tokens: dict[str, str], role: str,
                              kind: str) -> None:
    target, args = stage.prepare(kind)
    r = post(role_feed.url, tokens[role], kind, target, args)
    if kind in ROLE_COMMAND_KINDS[role]:
        assert r.status_code == 202, r.text
    else:
        assert r.status_code == 403, r.text
        refused = CommandRefused.model_validate_json(r.content)
        assert refused.error == "forbidden" and any("\u4e00" <= ch <= "\u9fff" for ch in refused.reason)


def test_street_seat_sees_and_acts_on_its_street_only(role_feed: FeedProcess, stage: Stage) -> None:
    url = role_feed.url
    tok = token(url, "maluan")
    info = httpx.post(url + "/api/v1/auth/token", data={"username": "maluan", "password": "maluan"}).json()
    assert info["scope"] == "maluan" and info["role"] == "operator"
    auth = {"Authorization": f"Bearer {tok}"}
    snap = Snapshot.model_validate_json(httpx.get(url + "/api/v1/snapshot", headers=auth, timeout=30).content)
    assert snap.alerts and {a.street for a in snap.alerts} <= {"maluan", None}
    r = httpx.get(url + "/api/v1/snapshot", params={"scope": "biling"}, headers=auth, timeout=30)
    assert r.status_code == 403 and "超出授权范围" in r.json()["detail"]
    r = httpx.get(url + "/api/v1/stream", params={"scope": "biling"}, headers=auth, timeout=30)
    assert r.status_code == 403
    everything = stage.snap()
    mine = next(a for a in everything.alerts if a.street == "maluan" and a.status == "new" and a.id not in stage.used)
    theirs = next(a for a in everything.alerts if a.street not in ("maluan", None) and a.status == "new"
                  and a.id not in stage.used)
    stage.used |= {mine.id, theirs.id}
    assert post(url, tok, "alert.acknowledge", mine.id).status_code == 202
    r = post(url, tok, "alert.acknowledge", theirs.id)
    assert r.status_code == 403 and "超出授权范围" in r.json()["reason"]
    # Incidents of another street are out of reach too.
    r = post(url, token(url, "maluan_chief"), "incident.declare", "new", {"type": "fire", "level": 4, "street": "biling"})
    assert r.status_code == 403


def test_login_required_expiry_refresh_and_revocation(role_feed: FeedProcess) -> None:
    url = role_feed.url
    for path in ("/api/v1/snapshot", "/api/v1/stream", "/api/v1/layers", "/api/v1/layers/streets", "/api/v1/plans"):
        assert httpx.get(url + path, timeout=10).status_code == 401
    assert httpx.post(url + "/api/v1/auth/token", data={"username": "duty", "password": "x"}).status_code == 401
    first = httpx.post(url + "/api/v1/auth/token", data={"username": "duty", "password": "duty"}).json()
    auth = {"Authorization": f"Bearer {first['access_token']}"}
    assert httpx.get(url + "/api/v1/layers", headers=auth).status_code == 200
    httpx.post(url + "/_sim/auth", json={"action": "expire"})
    assert httpx.get(url + "/api/v1/layers", headers=auth).status_code == 401
    refresh: Callable[[str], httpx.Response] = lambda rt: httpx.post(
        url + "/api/v1/auth/token", data={"grant_type": "refresh_token", "refresh_token": rt})
    second = refresh(first["refresh_token"])
    assert second.status_code == 200 and second.json()["role"] == "operator"
    assert refresh(first["refresh_token"]).status_code == 401  # single use
    auth2 = {"Authorization": f"Bearer {second.json()['access_token']}"}
    assert httpx.get(url + "/api/v1/layers", headers=auth2).status_code == 200
    httpx.post(url + "/_sim/auth", json={"action": "revoke"})
    assert httpx.get(url + "/api/v1/layers", headers=auth2).status_code == 401
    assert refresh(second.json()["refresh_token"]).status_code == 401


def test_open_feed_keeps_serving_tools_without_login(tmp_path: Path) -> None:
    with FeedProcess(seed=1, alerts_per_s=0, readings_per_s=1, data_dir=tmp_path / "f") as f:
        assert httpx.get(f.url + "/api/v1/layers", timeout=10).status_code == 200
        assert httpx.get(f.url + "/api/v1/layers", headers={"Authorization": "Bearer forged"}).status_code == 401

"""A server that trusts no console: every rule of the rulebook's trust section, against the
running embedded feed and the running district gateway (on a real ``nats-server``) over
HTTP (no test controls: started as a deployment would be). The same tests run against both.

Each test builds the request an attacker on the district network would send (a forged
actor, another street's ids, a 10 MB note, a reused Idempotency-Key, a guessed password)
and checks the answer and that nothing changed.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest

from console.feed_process import FeedProcess
from console.models import Alert, Snapshot, now_utc
from district.catalogue import catalogue
from district.limits import MAX_BODY_BYTES, MAX_TEXT_CHARS
from tests.support.natsupport import GatewayProcess, NatsNode, seed_stream


BACKENDS = ["feed", "gateway"]


class GatewayOnNats:
    """A gateway replica on its own single-node NATS, seeded with the same synthetic district as the feed."""

    def __init__(self, root: Path, *, seed: int, backlog: int, extra_args: tuple[str, ...] = (),
                 demo_users: bool = True) -> None:
        self.node = NatsNode(root, "trust-nats")
        self.gateway = GatewayProcess([self.node.url], root, extra_args=extra_args, demo_users=demo_users)
        self.seed = seed
        self.backlog = backlog
        self.url: str | None = None

    def start(self) -> str:
        self.node.start().wait_jetstream()
        seed_stream([self.node.url], seed=self.seed, backlog=self.backlog)
        self.url = self.gateway.start()
        return self.url

    def close(self) -> None:
        self.gateway.stop()
        self.node.stop()


def backend(kind: str, root: Path, *, seed: int, backlog: int, extra_args: tuple[str, ...] = (),
            demo_users: bool = True) -> Any:
    """The embedded feed or a gateway on NATS, as a deployment runs them: no /_sim, login required."""
    if kind == "feed":
        proc = FeedProcess(seed=seed, alerts_per_s=0, readings_per_s=0, data_dir=root / "feed", sim_controls=False,
                           extra_args=("--backlog", str(backlog), *extra_args))
        proc.demo_users = demo_users
        return proc
    return GatewayOnNats(root, seed=seed, backlog=backlog, extra_args=extra_args, demo_users=demo_users)


@pytest.fixture(scope="module", params=BACKENDS)
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The embedded feed, then the gateway, as a deployment runs them: no /_sim, login required, demo seats."""
    Pick.used = set()
    proc = backend(request.param, tmp_path_factory.mktemp(f"trust-{request.param}"), seed=11, backlog=400)
    try:
        proc.start()
        yield proc
    finally:
        proc.close()


def token(url: str, user: str, password: str | None = None) -> str:
    r = httpx.post(url + "/api/v1/auth/token", data={"username": user, "password": password or user}, timeout=10)
    assert r.status_code == 200, r.text
    return str(r.json()["access_token"])


def command(kind: str, target: str, args: dict[str, Any] | None = None, *, cid: str | None = None,
            operator: str = "值班长", expected_rev: int | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"id": cid or uuid.uuid4().hex, "kind": kind, "target_id": target, "operator": operator,
                            "issued_at": now_utc().isoformat(), "args": args or {}}
    if expected_rev is not None:
        body["expected_rev"] = expected_rev
    return body


def post(url: str, tok: str, body: dict[str, Any], **headers: str) -> httpx.Response:
    return httpx.post(url + "/api/v1/commands", json=body, timeout=30,
                      headers={"Idempotency-Key": body["id"], "Authorization": f"Bearer {tok}", **headers})


def snapshot(url: str, tok: str) -> Snapshot:
    r = httpx.get(url + "/api/v1/snapshot", headers={"Authorization": f"Bearer {tok}"}, timeout=30)
    assert r.status_code == 200, r.text
    return Snapshot.model_validate_json(r.content)


def alert(url: str, tok: str, alert_id: str) -> Alert:
    return next(a for a in snapshot(url, tok).alerts if a.id == alert_id)


class Pick:
    """Alerts of the backlog to act on, each used once across the module's tests."""

    used: set[str] = set()

    @classmethod
    def one(cls, url: str, tok: str, *, street: str | None = None, not_street: str | None = None,
            status: tuple[str, ...] = ("new",), phone: bool = False) -> Alert:
        for a in sorted(snapshot(url, tok).alerts, key=lambda x: x.id):
            if a.id in cls.used or a.status not in status:
                continue
            if street is not None and a.street != street:
                continue
            if not_street is not None and a.street in (not_street, None):
                continue
            if phone and not a.reporter_phone:
                continue
            cls.used.add(a.id)
            return a
        raise AssertionError("no such alert in the backlog")


# ---------------------------------------------------------------------------- who acts


def test_the_actor_is_the_token_user_not_what_the_body_says(server: Any) -> None:
    url = server.url
    assert url
    duty = token(url, "duty")
    a = Pick.one(url, duty)
    r = post(url, duty, command("alert.acknowledge", a.id, operator="值班长"), **{"X-Operator": "chief"})
    assert r.status_code == 202, r.text
    after = alert(url, duty, a.id)
    assert after.timeline[-1].actor == "值班员"
    assert after.acknowledged_by == "值班员"


def test_anonymous_callers_are_refused(server: Any) -> None:
    url = server.url
    assert url
    body = command("alert.note", "PS0000001", {"text": "x"})
    r = httpx.post(url + "/api/v1/commands", json=body, headers={"Idempotency-Key": body["id"]}, timeout=10)
    assert r.status_code == 401
    assert httpx.get(url + "/api/v1/snapshot", timeout=10).status_code == 401
    assert httpx.get(url + "/api/v1/stream", timeout=10).status_code == 401


def test_a_forged_token_is_refused(server: Any) -> None:
    url = server.url
    assert url
    r = httpx.get(url + "/api/v1/snapshot", headers={"Authorization": "Bearer not-a-token"}, timeout=10)
    assert r.status_code == 401


# ---------------------------------------------------------------------------- scope of every id


def test_a_street_seat_cannot_merge_into_another_streets_alert(server: Any) -> None:
    url = server.url
    assert url
    chief = token(url, "chief")
    open_ = ("new", "acknowledged", "dispatched", "in_progress")
    mine = Pick.one(url, chief, street="maluan", status=open_)
    theirs = Pick.one(url, chief, not_street="maluan", status=open_)
    maluan = token(url, "maluan")
    r = post(url, maluan, command("alert.merge", mine.id, {"into": theirs.id}))
    assert r.status_code == 403, r.text
    assert "不属于马峦街道" in r.json()["reason"]
    assert alert(url, chief, theirs.id).rev == theirs.rev
    assert alert(url, chief, mine.id).rev == mine.rev


def test_a_street_seat_cannot_dispatch_to_another_streets_or_a_district_unit(server: Any) -> None:
    url = server.url
    assert url
    chief = token(url, "chief")
    maluan = token(url, "maluan")
    a = Pick.one(url, chief, street="maluan", status=("new", "acknowledged"))
    if a.status == "new":
        assert post(url, maluan, command("alert.acknowledge", a.id)).status_code == 202
    cat = catalogue()
    other_street_unit = "street.biling"
    district_unit = next(u.id for u in cat.units if u.level == "district" and
                         (not u.categories or a.category in u.categories))
    for unit in (other_street_unit, district_unit):
        r = post(url, maluan, command("alert.dispatch", a.id, {"unit": unit}))
        assert r.status_code == 403, (unit, r.text)
        assert "不属于马峦街道" in r.json()["reason"]
    own = post(url, maluan, command("alert.dispatch", a.id, {"unit": "street.maluan"}))
    assert own.status_code == 202, own.text


def test_a_street_seat_cannot_order_another_streets_unit(server: Any) -> None:
    url = server.url
    assert url
    chief = token(url, "chief")
    declared = post(url, chief, command("incident.declare", "new",
                                        {"type": "rainstorm_flood", "level": 3, "street": "maluan"}))
    assert declared.status_code == 202, declared.text
    iid = declared.json()["target_id"]
    boss = token(url, "maluan_chief")
    r = post(url, boss, command("task.issue", iid, {"unit": "street.kengzi", "instruction": "巡堤"}))
    assert r.status_code == 403, r.text
    ok = post(url, boss, command("task.issue", iid, {"unit": "community.pinghuan", "instruction": "巡堤"}))
    assert ok.status_code == 202, ok.text


def test_unknown_resources_are_refused(server: Any) -> None:
    url = server.url
    assert url
    chief = token(url, "chief")
    declared = post(url, chief, command("incident.declare", "new", {"type": "fire", "level": 4, "street": "biling"}))
    iid = declared.json()["target_id"]
    issued = post(url, chief, command("task.issue", iid, {"unit": "dept.fire", "instruction": "灭火"}))
    tid = issued.json()["target_id"]
    r = post(url, chief, command("task.update", tid, {"status": "received", "resources": ["no-such-depot"]}))
    assert r.status_code == 422
    assert "no-such-depot" in r.json()["reason"]


# ---------------------------------------------------------------------------- sizes


def test_an_oversize_body_is_refused_before_it_is_parsed(server: Any) -> None:
    url = server.url
    assert url
    duty = token(url, "duty")
    a = Pick.one(url, duty)
    body = command("alert.note", a.id, {"text": "涝" * (10 * 1024 * 1024 // 3)})
    r = post(url, duty, body)
    assert r.status_code == 413
    assert str(MAX_BODY_BYTES) in r.json()["reason"]
    assert alert(url, duty, a.id).rev == a.rev


def test_an_oversize_text_field_is_refused_and_one_at_the_limit_accepted(server: Any) -> None:
    url = server.url
    assert url
    duty = token(url, "duty")
    a = Pick.one(url, duty)
    r = post(url, duty, command("alert.note", a.id, {"text": "水" * (MAX_TEXT_CHARS + 1)}))
    assert r.status_code == 422
    assert "text" in r.json()["reason"] and str(MAX_TEXT_CHARS) in r.json()["reason"]
    ok = post(url, duty, command("alert.note", a.id, {"text": "水" * MAX_TEXT_CHARS}))
    assert ok.status_code == 202, ok.text


# ---------------------------------------------------------------------------- idempotency


def test_an_idempotency_key_reused_for_another_body_or_user_is_refused(server: Any) -> None:
    url = server.url
    assert url
    duty, chief = token(url, "duty"), token(url, "chief")
    a = Pick.one(url, duty)
    first = command("alert.note", a.id, {"text": "第一条"})
    assert post(url, duty, first).status_code == 202
    again = post(url, duty, first)  # an honest resend: the same answer, nothing applied twice
    assert again.status_code == 202
    other_body = {**first, "args": {"text": "偷换的内容"}}
    r = post(url, duty, other_body)
    assert r.status_code == 409, r.text
    r = post(url, chief, first)  # the same command under another user's token
    assert r.status_code == 409, r.text
    notes = [n.text for n in alert(url, duty, a.id).timeline if n.action == "note"]
    assert notes == ["第一条"]


# ---------------------------------------------------------------------------- masking


def _stream_alert_bodies(url: str, tok: str, after: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    with httpx.stream("GET", url + "/api/v1/stream", timeout=10,
                      headers={"Authorization": f"Bearer {tok}", "Last-Event-ID": str(after)}) as r:
        assert r.status_code == 200
        for line in r.iter_lines():
            if line.startswith("data: "):
                env = json.loads(line[6:])
                if env.get("type") == "alert.upsert":
                    out.append(env["payload"])
                    return out
    return out


def test_reporter_phones_leave_the_server_masked_and_a_reveal_is_an_audited_command(server: Any) -> None:
    url = server.url
    assert url
    viewer, duty, chief = token(url, "viewer"), token(url, "duty"), token(url, "chief")
    for tok in (viewer, duty, chief):
        phones = [a.reporter_phone for a in snapshot(url, tok).alerts if a.reporter_phone]
        assert phones and all("****" in p for p in phones), phones[:3]
    a = Pick.one(url, chief, phone=True, status=("new", "acknowledged", "dispatched", "in_progress", "resolved",
                                                  "closed"))
    refused = post(url, duty, command("alert.reveal_phone", a.id))
    assert refused.status_code == 403
    cursor = int(snapshot(url, chief).cursor)
    r = post(url, chief, command("alert.reveal_phone", a.id))
    assert r.status_code == 202, r.text
    full = r.json()["revealed"]
    assert len(full) == 11 and full.isdigit() and full[:3] == a.reporter_phone[:3] and full[-4:] == a.reporter_phone[-4:]
    after = alert(url, viewer, a.id)
    assert after.timeline[-1].action == "reveal_phone" and after.timeline[-1].actor == "值班长"
    streamed = _stream_alert_bodies(url, viewer, cursor)
    assert streamed and "****" in streamed[0]["reporter_phone"]


# ---------------------------------------------------------------------------- test controls


def test_test_controls_do_not_exist_without_the_flag(server: Any) -> None:
    url = server.url
    assert url
    for path in ("/_sim/auth", "/_sim/fault", "/_sim/burst"):
        assert httpx.post(url + path, json={"action": "revoke"}, timeout=10).status_code in (404, 405)
    assert httpx.get(url + "/_sim/state", timeout=10).status_code == 404


def test_test_controls_answer_loopback_callers_only(tmp_path: Path) -> None:
    import asyncio

    from district.identity import TokenBook
    from simulator.server import create_app
    from simulator.world import FeedConfig

    app = create_app(FeedConfig(data_dir=tmp_path, backlog=0, alerts_per_s=0, readings_per_s=0),
                     TokenBook(require_login=True), sim_controls=True)

    async def call(client_host: str) -> int:
        transport = httpx.ASGITransport(app=app, client=(client_host, 40000))
        async with app.router.lifespan_context(app):
            async with httpx.AsyncClient(transport=transport, base_url="http://feed") as c:
                return (await c.get("/_sim/state")).status_code

    assert asyncio.run(call("127.0.0.1")) == 200
    assert asyncio.run(call("10.20.30.40")) == 404


def test_the_feed_refuses_test_controls_on_a_public_address() -> None:
    r = subprocess.run([sys.executable, "-m", "simulator.server", "--host", "0.0.0.0", "--port", "0",
                        "--sim-controls"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2
    assert "回环" in r.stderr


# ---------------------------------------------------------------------------- who may log in


def test_login_guesses_are_throttled_per_user_with_retry_after(server: Any) -> None:
    url = server.url
    assert url
    answers = [httpx.post(url + "/api/v1/auth/token", data={"username": "viewer", "password": f"guess{n}"},
                          timeout=10) for n in range(8)]
    codes = [r.status_code for r in answers]
    assert codes[:5] == [401] * 5, codes
    assert 429 in codes[5:], codes
    limited = next(r for r in answers if r.status_code == 429)
    assert int(limited.headers["Retry-After"]) >= 1
    # Even the right password waits out the back-off: the throttle answers before the password.
    r = httpx.post(url + "/api/v1/auth/token", data={"username": "viewer", "password": "viewer"}, timeout=10)
    assert r.status_code == 429
    # Another user from the same address is not locked out by one user's guesses.
    assert httpx.post(url + "/api/v1/auth/token", data={"username": "admin", "password": "admin"},
                      timeout=10).status_code == 200


def _feed_cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "simulator.server", *args], input=stdin, capture_output=True,
                          text=True, timeout=60)


@pytest.mark.parametrize("kind", BACKENDS)
def test_users_from_a_file_with_scrypt_hashes_and_no_demo_seats(kind: str, tmp_path: Path) -> None:
    users = tmp_path / "users.json"
    made = _feed_cli("users", "add", "wang", "--role", "operator", "--scope", "maluan", "--name", "王值班",
                     "--file", str(users), "--password-stdin", stdin="Kx9-long-enough\n")
    assert made.returncode == 0, made.stderr
    text = users.read_text(encoding="utf-8")
    assert "scrypt$" in text and "Kx9-long-enough" not in text
    assert _feed_cli("users", "add", "li", "--role", "general", "--scope", "district", "--file", str(users),
                     "--password-stdin", stdin="Kx9-long-enough\n").returncode == 2
    proc = backend(kind, tmp_path, seed=2, backlog=5, extra_args=("--users", str(users)), demo_users=False)
    try:
        url = proc.start()
        ok = httpx.post(url + "/api/v1/auth/token", data={"username": "wang", "password": "Kx9-long-enough"},
                        timeout=10)
        assert ok.status_code == 200, ok.text
        assert ok.json()["scope"] == "maluan" and ok.json()["name"] == "王值班"
        for user in ("duty", "chief", "admin"):  # the demo seats do not exist on a real install
            assert httpx.post(url + "/api/v1/auth/token", data={"username": user, "password": user},
                              timeout=10).status_code == 401
    finally:
        proc.close()


@pytest.mark.parametrize("kind", BACKENDS)
def test_identity_provider_tokens_are_accepted_against_a_jwks_file(kind: str, tmp_path: Path) -> None:
    import time

    import jwt
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(key.public_key()))
    jwk.update({"kid": "idp-1", "use": "sig", "alg": "ES256"})
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps({"keys": [jwk]}), encoding="utf-8")
    proc = backend(kind, tmp_path, seed=2, backlog=5,
                   extra_args=("--jwks", str(jwks), "--jwt-issuer", "https://idp.pingshan.test",
                               "--jwt-audience", "pingshan-console"))
    try:
        url = proc.start()
        now = int(time.time())
        claims = {"iss": "https://idp.pingshan.test", "aud": "pingshan-console", "sub": "u-1001",
                  "preferred_username": "zhao", "name": "赵值班长", "pingshan_role": "supervisor",
                  "pingshan_street": "kengzi", "iat": now, "exp": now + 600}
        good = jwt.encode(claims, key, algorithm="ES256", headers={"kid": "idp-1"})
        r = httpx.get(url + "/api/v1/snapshot", headers={"Authorization": f"Bearer {good}"}, timeout=30)
        assert r.status_code == 200, r.text
        assert Snapshot.model_validate_json(r.content).scope.street == "kengzi"
        other = ec.generate_private_key(ec.SECP256R1())
        forged = jwt.encode(claims, other, algorithm="ES256", headers={"kid": "idp-1"})
        expired = jwt.encode({**claims, "exp": now - 3600}, key, algorithm="ES256", headers={"kid": "idp-1"})
        for bad in (forged, expired):
            assert httpx.get(url + "/api/v1/snapshot", headers={"Authorization": f"Bearer {bad}"},
                             timeout=30).status_code == 401
    finally:
        proc.close()

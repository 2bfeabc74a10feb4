"""Login guarding across gateway replicas: one failure count, one revocation, on a real ``nats-server``.

Two ``pingshan-gateway`` processes on one node. A guesser who alternates between the
replicas meets one counter (per user and per address), not one per replica; a good login
on either forgives the user; ``pingshan-gateway tokens revoke`` (run as an administrator
would, against NATS) ends a user's sessions on every replica at once.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.natsupport import ROOT, GatewayProcess, NatsNode


@pytest.fixture(scope="module")
def replicas(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[NatsNode, GatewayProcess, GatewayProcess]]:
    root = tmp_path_factory.mktemp("gw-login")
    node = NatsNode(root, "login").start()
    a = GatewayProcess([node.url], root, name="gw-a", extra_args=("--iot-flush-s", "0"))
    b = GatewayProcess([node.url], root, name="gw-b", extra_args=("--iot-flush-s", "0"))
    try:
        node.wait_jetstream()
        a.start()
        b.start()
        yield node, a, b
    finally:
        a.close()
        b.close()
        node.stop()


def _login(url: str, user: str, password: str) -> httpx.Response:
    return httpx.post(f"{url}/api/v1/auth/token", data={"username": user, "password": password}, timeout=10)


def _gateway_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "gateway.server", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)


def test_failures_on_two_replicas_add_up_to_one_lockout(replicas: tuple[NatsNode, GatewayProcess, GatewayProcess]) -> None:
    _node, a, b = replicas
    urls = [a.url, b.url]
    for i in range(5):  # the fifth failure within the window locks the user, wherever it came in
        r = _login(urls[i % 2], "chief", "wrong")
        assert r.status_code == 401, r.text
    for url in urls:
        r = _login(url, "chief", "chief")  # even the right password waits: it is not even checked
        assert r.status_code == 429, r.text
        assert int(r.headers["Retry-After"]) >= 1
        assert "秒后再试" in r.json()["detail"]
    assert _login(a.url, "viewer", "viewer").status_code == 200  # another user is not locked


def test_a_good_login_forgives_the_user_on_every_replica(replicas: tuple[NatsNode, GatewayProcess, GatewayProcess]) -> None:
    _node, a, b = replicas
    for _ in range(4):
        assert _login(b.url, "admin", "nope").status_code == 401
    assert _login(a.url, "admin", "admin").status_code == 200
    # Four more failures after the clean slate: still under the limit of five.
    for i in range(4):
        assert _login((a.url, b.url)[i % 2], "admin", "nope").status_code == 401
    assert _login(b.url, "admin", "admin").status_code == 200


def test_tokens_revoke_ends_a_users_sessions_on_every_replica(replicas: tuple[NatsNode, GatewayProcess, GatewayProcess]) -> None:
    node, a, b = replicas
    duty = _login(a.url, "duty", "duty").json()["access_token"]
    viewer = _login(b.url, "viewer", "viewer").json()["access_token"]

    def snapshot(url: str, token: str) -> int:
        return httpx.get(f"{url}/api/v1/snapshot", headers={"Authorization": f"Bearer {token}"}, timeout=30).status_code

    assert snapshot(b.url, duty) == 200
    listed = _gateway_cli("tokens", "list", "--nats", node.url)
    assert listed.returncode == 0, listed.stderr
    assert "duty\taccess" in listed.stdout and "viewer\taccess" in listed.stdout
    assert "sha" not in listed.stdout.lower() and duty not in listed.stdout

    refused = _gateway_cli("tokens", "revoke", "--nats", node.url)
    assert refused.returncode == 2 and "--user" in refused.stderr  # no silent "revoke everything"

    done = _gateway_cli("tokens", "revoke", "--user", "duty", "--nats", node.url)
    assert done.returncode == 0, done.stderr
    assert "已吊销用户 duty 的令牌" in done.stdout and " 0 个" not in done.stdout, done.stdout
    for url in (a.url, b.url):
        assert snapshot(url, duty) == 401
    assert snapshot(a.url, viewer) == 200  # the others keep working

    gone = _gateway_cli("tokens", "revoke", "--all", "--nats", node.url)
    assert gone.returncode == 0, gone.stderr
    assert snapshot(b.url, viewer) == 401


def test_tokens_command_says_when_nats_is_unreachable(tmp_path: Path) -> None:
    r = _gateway_cli("tokens", "list", "--nats", "nats://127.0.0.1:9")
    assert r.returncode == 1
    assert "无法连接事件存储" in r.stderr
    assert "Traceback" not in r.stderr


def test_failures_racing_on_two_replicas_are_all_counted(replicas: tuple[NatsNode, GatewayProcess, GatewayProcess]) -> None:
    """Ten failures at the same moment, five through each replica's throttle: none lost to the race."""
    import asyncio

    from gateway.stream import EventLog
    from gateway.throttle import SharedLoginThrottle
    from tests.support.asyncsupport import run

    node, _a, _b = replicas

    async def go() -> tuple[int, float]:
        logs = [EventLog([node.url]) for _ in range(2)]
        throttles = []
        for events in logs:
            await events.connect()
            t = SharedLoginThrottle(events, max_failures=10, address_max_failures=1000)
            await t.ensure()
            throttles.append(t)
        try:
            await asyncio.gather(*(throttles[i % 2].afailed("racer", f"10.9.0.{i}") for i in range(10)))
            strikes, _rev = await throttles[0]._read("user." + __import__("hashlib").sha256(b"racer").hexdigest())
            return len(strikes.failures) if strikes else 0, await throttles[1].acheck("racer", "10.9.9.9")
        finally:
            for events in logs:
                await events.close()

    counted, wait = run(go())
    assert counted == 10
    assert wait > 0  # the tenth failure locked the user on both replicas

"""Real ``nats-server`` processes and gateway replicas for tests: no mock broker.

:class:`NatsNode` is one ``nats-server -js`` on a free loopback port with its own
``store_dir`` and a stable ``server_name`` (JetStream state is tied to it), optionally
a member of a cluster (routes) and with an MQTT listener. :func:`nats_cluster` starts
three of them routed to each other. :class:`GatewayProcess` runs ``pingshan-gateway``
and waits for its READY line. Everything started here is stopped by its owner.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from gateway.street import nats_server_binary  # the product's own lookup (venv, then PATH)

ROOT = Path(__file__).resolve().parents[2]


def until(pred: Any, timeout_s: float = 10.0) -> Any:
    """Poll ``pred`` every 50 ms until it returns something truthy (that value), or fail."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = pred()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)


def token(url: str, user: str = "duty") -> str:
    """A demo seat's access token (password = user name)."""
    r = httpx.post(url + "/api/v1/auth/token", data={"username": user, "password": user}, timeout=10)
    assert r.status_code == 200, r.text
    return str(r.json()["access_token"])


def command_body(kind: str, target: str, args: dict[str, Any] | None = None, cid: str | None = None) -> dict[str, Any]:
    """A wire-contract Command (a fresh id unless ``cid``)."""
    from console.models import now_utc

    return {"id": cid or uuid.uuid4().hex, "kind": kind, "target_id": target, "operator": "x",
            "issued_at": now_utc().isoformat(), "args": args or {}}


def post_command(url: str, tok: str, body: dict[str, Any]) -> httpx.Response:
    return httpx.post(url + "/api/v1/commands", json=body, timeout=30,
                      headers={"Idempotency-Key": body["id"], "Authorization": f"Bearer {tok}"})


def snapshot(url: str, tok: str) -> Any:
    """``GET /api/v1/snapshot`` as a :class:`console.models.Snapshot`."""
    from console.models import Snapshot

    r = httpx.get(url + "/api/v1/snapshot", headers={"Authorization": f"Bearer {tok}"}, timeout=30)
    assert r.status_code == 200, r.text
    return Snapshot.model_validate_json(r.content)


def metrics(url: str) -> dict[str, float]:
    """``/metrics`` (Prometheus text) as name{labels} → value."""
    out: dict[str, float] = {}
    for line in httpx.get(url + "/metrics", timeout=10).text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            out[name] = float(value)
    return out


class SseTap:
    """A console's stream of one replica read on a thread from the replica's head: ``raw`` lines
    and the ``events`` (envelopes) of ``topics``."""

    def __init__(self, url: str, topics: str) -> None:
        self.raw: list[str] = []
        self.events: list[dict[str, Any]] = []
        self.stop_flag = threading.Event()
        self.ready = threading.Event()
        head = httpx.get(url + "/readyz", timeout=10).json()["head"]
        headers = {"Authorization": f"Bearer {token(url)}", "Last-Event-ID": str(head)}

        def read() -> None:
            with httpx.stream("GET", url + "/api/v1/stream", params={"topics": topics}, headers=headers,
                              timeout=30) as r:
                assert r.status_code == 200
                self.ready.set()
                for line in r.iter_lines():
                    if self.stop_flag.is_set():
                        return
                    self.raw.append(line)
                    if line.startswith("data: "):
                        self.events.append(json.loads(line[6:]))

        self.thread = threading.Thread(target=read, daemon=True)
        self.thread.start()
        assert self.ready.wait(10)

    def close(self) -> None:
        self.stop_flag.set()
        self.thread.join(5)  # a keep-alive comment wakes the reader


def terminate(proc: subprocess.Popen[Any] | None) -> None:
    """SIGTERM, then SIGKILL after 10 s: a server the tests started is always gone after this."""
    if proc is not None and proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, timeout_s: float = 15.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port}")


class NatsNode:
    """One ``nats-server`` with JetStream on loopback."""

    def __init__(self, root: Path, name: str, *, cluster: str | None = None, mqtt: bool = False) -> None:
        self.root = root
        self.name = name
        self.cluster = cluster
        self.port = free_port()
        self.cluster_port = free_port() if cluster else None
        self.monitor_port = free_port()
        self.mqtt_port = free_port() if mqtt else None
        self.routes: list[int] = []
        self.proc: subprocess.Popen[bytes] | None = None
        self.store = root / f"{name}-store"
        self.conf = root / f"{name}.conf"

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def _write_conf(self) -> None:
        lines = [f'server_name: "{self.name}"', "listen: 127.0.0.1:%d" % self.port,
                 "http: 127.0.0.1:%d" % self.monitor_port,
                 f'jetstream {{ store_dir: "{self.store}" }}']
        if self.cluster:
            routes = ", ".join(f'"nats-route://127.0.0.1:{p}"' for p in self.routes)
            lines.append(f'cluster {{ name: "{self.cluster}", listen: "127.0.0.1:{self.cluster_port}", '
                         f"routes: [{routes}] }}")
        if self.mqtt_port:
            lines.append(f'mqtt {{ listen: "127.0.0.1:{self.mqtt_port}" }}')
        self.conf.write_text("\n".join(lines) + "\n", encoding="utf-8")

    def start(self) -> "NatsNode":
        self._write_conf()
        self.store.mkdir(parents=True, exist_ok=True)
        log = open(self.root / f"{self.name}.log", "ab")
        self.proc = subprocess.Popen([nats_server_binary(), "-c", str(self.conf)], stdout=log, stderr=log,
                                     start_new_session=True)
        log.close()
        wait_port(self.port)
        return self

    def wait_jetstream(self, timeout_s: float = 30.0) -> None:
        """Until the monitoring endpoint says JetStream is up (and, in a cluster, has a meta leader)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                r = httpx.get(f"http://127.0.0.1:{self.monitor_port}/healthz?js-enabled-only=true", timeout=2)
                if r.status_code == 200:
                    if not self.cluster:
                        return
                    js = httpx.get(f"http://127.0.0.1:{self.monitor_port}/jsz", timeout=2).json()
                    if (js.get("meta_cluster") or {}).get("leader"):
                        return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise TimeoutError(f"JetStream on {self.name} not ready")

    def stop(self) -> None:
        terminate(self.proc)
        self.proc = None

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)
        self.proc = None


def nats_cluster(root: Path, size: int = 3, name: str = "pingshan-hub") -> list[NatsNode]:
    """``size`` routed nodes with JetStream (each its own store and server name), started and ready."""
    nodes = [NatsNode(root, f"hub-{i + 1}", cluster=name) for i in range(size)]
    for n in nodes:
        n.routes = [m.cluster_port for m in nodes if m is not n and m.cluster_port]
    started: list[NatsNode] = []
    try:
        for n in nodes:
            started.append(n.start())
        for n in nodes:
            n.wait_jetstream()
    except BaseException:
        for n in started:
            n.stop()
        raise
    return nodes


class GatewayProcess:
    """``python -m gateway.server`` as a child process; ``start()`` returns the base URL."""

    def __init__(self, nats_urls: list[str], log_dir: Path, *, extra_args: tuple[str, ...] = (),
                 demo_users: bool = True, port: int = 0, name: str = "gateway") -> None:
        self.nats_urls = nats_urls
        self.log_dir = log_dir
        self.extra_args = extra_args
        self.demo_users = demo_users
        self.port = port
        self.name = name
        self.url: str | None = None
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout_s: float = 60.0) -> str:
        args = [sys.executable, "-m", "gateway.server", "--host", "127.0.0.1", "--port", str(self.port),
                "--nats", ",".join(self.nats_urls), *self.extra_args]
        if self.demo_users:
            args.append("--demo-users")
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.log = open(self.log_dir / f"{self.name}.log", "ab")
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=self.log, cwd=ROOT, env=env,
                                     start_new_session=True)
        found: list[str] = []
        done = threading.Event()

        def read() -> None:
            assert self.proc is not None and self.proc.stdout is not None
            for raw in self.proc.stdout:
                line = raw.decode("utf-8", "replace")
                if not found and line.startswith("GATEWAY READY "):
                    found.append(line[len("GATEWAY READY "):].strip())
                    done.set()
            done.set()

        threading.Thread(target=read, daemon=True).start()
        done.wait(timeout_s)
        if not found:
            self.stop()
            raise RuntimeError(f"gateway did not start; see {self.log_dir / (self.name + '.log')}")
        self.url = found[0]
        self.port = int(self.url.rsplit(":", 1)[1])
        return self.url

    def stop(self) -> None:
        terminate(self.proc)
        self.proc = None
        if getattr(self, "log", None) is not None:
            self.log.close()
            self.log = None

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)
        self.proc = None

    def close(self) -> None:
        self.stop()


def seed_stream(nats_urls: list[str], *, seed: int, backlog: int, replicas: int = 1) -> int:
    """Publish the synthetic district (``simulator.produce``) into the stream; returns messages sent."""
    r = subprocess.run([sys.executable, "-m", "simulator.produce", "--nats", ",".join(nats_urls), "--seed", str(seed),
                        "--backlog", str(backlog), "--stream-replicas", str(replicas)],
                       capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert r.returncode == 0, r.stderr[-3000:]
    return int(r.stdout.strip().splitlines()[-1].split("=", 1)[1])


def read_events(url: str, tok: str, last_id: str | None, count: int, timeout_s: float = 15.0) -> list[dict[str, Any]]:
    """``count`` SSE events (id and envelope) after ``last_id``."""
    out: list[dict[str, Any]] = []
    headers = {"Authorization": f"Bearer {tok}"}
    if last_id is not None:
        headers["Last-Event-ID"] = last_id
    with httpx.stream("GET", url + "/api/v1/stream", headers=headers, timeout=timeout_s) as r:
        assert r.status_code == 200, r.read()
        eid = None
        for line in r.iter_lines():
            if line.startswith("id: "):
                eid = line[4:]
            elif line.startswith("data: "):
                env = json.loads(line[6:])
                assert env["id"] == eid
                out.append(env)
                if len(out) >= count:
                    return out
    return out

"""``pingshan-gateway``: wire contract v1 served from a NATS JetStream event log, by any number of replicas.

``pingshan-gateway --nats nats://127.0.0.1:4222[,nats://…] [--host H] [--port P]
[--stream-replicas N] (--users FILE | --demo-users) [--tls-cert PEM --tls-key PEM]``
prints ``GATEWAY READY <base_url>`` once it has folded the stream and listens
(``--port 0`` binds a free port and prints the real one). Snapshot, SSE stream
(``id:`` = stream sequence, ``Last-Event-ID`` resumes on any replica), commands
(Idempotency-Key; one outcome per command id across replicas), login, layers and
plans, plus ``/healthz``, ``/readyz`` and ``/metrics`` (Prometheus text).
``pingshan-gateway users …`` manages a users file (as ``pingshan-feed users``); ``pingshan-gateway
tokens list|revoke …`` the login tokens every replica shares (:func:`gateway.grants.tokens_main`).
CAP warnings and citizen events come in over HTTP with per-source API keys
(``--sources FILE`` or ``--demo-sources``; ``pingshan-gateway sources …``; :mod:`gateway.sources`).

The rules are the rulebook's (``district``): the same roles, scope, limits, masking and
login throttling as the embedded feed; the storage is :mod:`gateway.stream`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import socket
import sys
import time
from typing import Any, AsyncIterator

from fastapi import Depends, FastAPI, Security
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from console.models import Command, Snapshot
from district.identity import LoginThrottle, TokenBook, UserDirectory, UsersFileError, users_main
from district.sources import SourceDirectory, sources_main
from gateway.anchors import JetStreamAnchors, add_anchor_routes
from gateway.fanout import Subscriber
from gateway.grants import JetStreamGrants, tokens_main
from gateway.ingest import IotIngest
from gateway.replica import Replica
from gateway.sources import add_source_routes
from gateway.street import DistrictLink, street_node_main
from gateway.stream import HUB, EventLog, Topology
from gateway.throttle import SharedLoginThrottle
from gateway.web import (BEARER, KEEPALIVE, RETRY_HINT, Gate, Layers, add_catalogue_routes, add_identity_args,
                         add_roster_route,
                         add_stream_routes, add_token_route, command_route, idempotency_key_header,
                         install_command_guards, refused, sse_frame, token_book)

log = logging.getLogger("gateway")
LAYERS_TTL_S = 30.0
READY_WAIT_S = 30.0


class Catalogue:
    """The map layers in the catalogue bucket, re-read at most every ``LAYERS_TTL_S``."""

    def __init__(self, events: EventLog, replica: Replica) -> None:
        self.events = events
        self.replica = replica
        self.layers: Layers = {}
        self.read_at = -1e9

    async def refresh(self, force: bool = False) -> Layers:
        if force or time.monotonic() - self.read_at > LAYERS_TTL_S:
            try:
                self.layers = await self.events.layers()
            except Exception:  # noqa: BLE001 - keep serving the last good copy
                log.warning("layers not read from the catalogue bucket", exc_info=True)
            self.read_at = time.monotonic()
            res = self.layers.get("resources")
            if res is not None:
                self.replica.rules.resource_ids = frozenset(str(f.get("id")) for f in res[1].get("features", ()))
        return self.layers


def create_app(servers: list[str], book: TokenBook | None = None, *, stream_replicas: int = 1,
               retention: int = 1_000_000, keepalive_s: float = 10.0,
               throttle: LoginThrottle | None = None, iot_flush_s: float | None = 1.0,
               topology: Topology | None = None, sources: SourceDirectory | None = None) -> FastAPI:
    """The gateway as an ASGI app; NATS is connected and the stream folded when the app starts.

    ``iot_flush_s``: the MQTT device ingest's window (:mod:`gateway.ingest`); None runs none.
    ``topology``: the district hub (default; ``street_nodes`` to source) or a street node
    (:mod:`gateway.street`: serves its street only, goes on deciding while cut off).
    ``sources``: who may post warnings and citizen events (:mod:`gateway.sources`); None: nobody.
    """
    book = book if book is not None else TokenBook(require_login=True, users=UserDirectory())
    events = EventLog(servers, replicas=stream_replicas, retention=retention, topology=topology)
    street = events.topology.street
    # One login-failure count for all replicas (gateway.throttle): guessing across replicas gains nothing.
    guard = throttle if throttle is not None else SharedLoginThrottle(events)
    # Tokens are shared by every replica (gateway.grants): a console that fails over keeps its login.
    grants = JetStreamGrants(events)
    book.grants, book.clock = grants, time.time
    replica = Replica(events)
    anchors = JetStreamAnchors(events)  # the consoles' audit-chain heads (gateway.anchors)
    catalogue = Catalogue(events, replica)
    ingest = IotIngest(events, replica, flush_s=iot_flush_s, replicas=stream_replicas) if iot_flush_s else None
    link = DistrictLink(events, replica) if street is not None else None
    gate = Gate(book)
    started = time.monotonic()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await events.connect()
        await events.ensure()
        await grants.ensure()
        if isinstance(guard, SharedLoginThrottle):
            await guard.ensure()
        await replica.start()
        await anchors.start()
        await catalogue.refresh(force=True)
        if ingest is not None:
            await ingest.start()
        if link is not None:
            await link.start()
        app.state.replica = replica
        try:
            yield
        finally:
            if link is not None:
                await link.stop()
            if ingest is not None:
                await ingest.stop()
            await anchors.stop()
            await replica.stop()
            with contextlib.suppress(Exception):
                await events.close()

    app = FastAPI(title="坪山区智慧城市运行指挥 — 区级数据网关", version="1.0.0",
                  description="Pingshan district gateway, wire contract v1 (console.models), on NATS JetStream.",
                  lifespan=lifespan)
    install_command_guards(app)

    async def ready_gate() -> Response | None:
        if replica.ready.is_set():
            return None
        try:
            await asyncio.wait_for(replica.ready.wait(), READY_WAIT_S)
        except asyncio.TimeoutError:
            return JSONResponse({"detail": "网关正在载入事件流，请稍后再试"}, status_code=503,
                                headers={"Retry-After": "2"})
        return None

    def snapshot(scope: str | None) -> Snapshot:
        if link is None:
            return replica.rules.snapshot(scope)
        # A street node holds its street (and the district-wide objects) only: that is what it serves.
        return replica.rules.snapshot(street).model_copy(update={"node": link.state()})

    add_stream_routes(app, gate, precheck=ready_gate, streets=lambda: replica.rules.street_name, snapshot=snapshot,
                      events=lambda scope, topics, resume: _event_stream(replica, street or scope, topics, resume,
                                                                         keepalive_s),
                      event_id="stream sequence", unavailable=True)
    http_ingest = add_source_routes(app, replica, sources or SourceDirectory(), precheck=ready_gate,
                                    communities=lambda: catalogue.layers.get("communities", (None, None))[1])

    @app.post("/api/v1/commands", **command_route(unavailable=True))
    async def commands(cmd: Command, idempotency_key: str | None = Depends(idempotency_key_header),
                       authorization: str | None = Security(BEARER)) -> Response:
        """Apply an operator command once per Idempotency-Key (= command id), whichever replica is asked."""
        if not idempotency_key:
            return refused(422, "invalid", "缺少 Idempotency-Key 请求头", cmd.id)
        if idempotency_key != cmd.id:
            return refused(422, "invalid", "Idempotency-Key 须与指令 id 一致", cmd.id)
        user = await gate.auser_of(authorization)
        if isinstance(user, JSONResponse):
            return user
        gate_answer = await ready_gate()
        if gate_answer is not None:
            return gate_answer
        early = link.precheck(cmd) if link is not None else None
        if early is not None:
            return Response(early[1], status_code=early[0], media_type="application/json")
        try:
            status, text = await replica.execute(cmd, user, idempotency_key)
            if link is not None and status != 202:
                status, text = link.refusal(cmd, status, text) or (status, text)
        except Exception:  # noqa: BLE001 - NATS unreachable: the console's outbox resends later
            log.exception("command %s not stored", cmd.id)
            return JSONResponse({"detail": "事件存储暂不可用，指令未执行，请稍后重试"}, status_code=503,
                                headers={"Retry-After": "2"})
        return Response(text, status_code=status, media_type="application/json")

    add_token_route(app, book, guard, shared=True)
    add_anchor_routes(app, gate, record=anchors.record, listing=anchors.listing, unavailable=True)

    def layers() -> Layers:
        return catalogue.layers

    add_catalogue_routes(app, gate, layers, unavailable=True)
    add_roster_route(app, gate, lambda: replica.rules.duty_roster(), unavailable=True)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> Response:
        return JSONResponse({"ok": True})

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> Response:
        nc = events.nc
        ok = replica.ready.is_set() and nc is not None and nc.is_connected
        connected = nc.connected_url if nc is not None and nc.is_connected else None
        return JSONResponse({"ready": ok, "head": replica.head,
                             "nats": f"{connected.hostname}:{connected.port}" if connected else None,
                             "node": events.topology.name,
                             **({"district_link": link.state().district_link} if link is not None else {})},
                            status_code=200 if ok else 503)

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        m = replica.metrics
        nc = events.nc
        lines = [
            "# TYPE pingshan_gateway_events_folded_total counter",
            f"pingshan_gateway_events_folded_total {int(m['events_folded'])}",
            "# TYPE pingshan_gateway_events_out_total counter",
            f"pingshan_gateway_events_out_total {int(m['events_out'])}",
            "# TYPE pingshan_gateway_subscribers gauge",
            f"pingshan_gateway_subscribers {len(replica.hub.subscribers)}",
            "# TYPE pingshan_gateway_dropped_subscribers_total counter",
            f"pingshan_gateway_dropped_subscribers_total {replica.hub.dropped_total}",
            "# TYPE pingshan_gateway_stream_head gauge",
            f"pingshan_gateway_stream_head {replica.head}",
            "# TYPE pingshan_gateway_command_outcomes_total counter",
            *[f'pingshan_gateway_command_outcomes_total{{status="{s}"}} {n}' for s, n in sorted(replica.outcomes.items())],
            "# TYPE pingshan_gateway_command_conflicts_total counter",
            f"pingshan_gateway_command_conflicts_total {int(m['command_conflicts'])}",
            "# TYPE pingshan_gateway_commands_replayed_total counter",
            f"pingshan_gateway_commands_replayed_total {int(m['commands_replayed'])}",
            "# TYPE pingshan_gateway_stream_resumes_total counter",
            f"pingshan_gateway_stream_resumes_total {int(m['resumes'])}",
            "# TYPE pingshan_gateway_stream_resets_total counter",
            f"pingshan_gateway_stream_resets_total {int(m['resets'])}",
            "# TYPE pingshan_gateway_nats_connected gauge",
            f"pingshan_gateway_nats_connected {1 if nc is not None and nc.is_connected else 0}",
            "# TYPE pingshan_gateway_uptime_seconds gauge",
            f"pingshan_gateway_uptime_seconds {time.monotonic() - started:.1f}",
            "# TYPE pingshan_gateway_conflicts_settled_total counter",
            f"pingshan_gateway_conflicts_settled_total {int(m.get('conflicts_settled', 0))}",
            *([ "# TYPE pingshan_gateway_district_link gauge",
                f"pingshan_gateway_district_link {0 if link.linked is False else 1}",
                "# TYPE pingshan_gateway_district_link_cuts_total counter",
                f"pingshan_gateway_district_link_cuts_total {link.cuts}"] if link is not None else []),
            *(ingest.metrics_lines() if ingest is not None else []),
            *http_ingest.metrics_lines(),
        ]
        return PlainTextResponse("\n".join(lines) + "\n", media_type="text/plain; version=0.0.4")

    app.state.replica = replica
    app.state.catalogue = catalogue
    return app


async def _event_stream(replica: Replica, street: str | None, topics: tuple[str, ...], resume: str | None,
                        keepalive_s: float) -> AsyncIterator[bytes]:
    """SSE body: retry hint, replay after ``resume`` (or a reset), then live events."""
    sub = Subscriber(street, topics)
    replica.hub.subscribers.add(sub)  # before the replay: nothing folded meanwhile is missed
    replayed_upto = replica.head
    try:
        yield RETRY_HINT
        if resume is not None:
            resume = resume.strip()
            last = int(resume) if resume.isdigit() else None
            if last is not None and last > replica.head:
                # Another replica (or this one before a restart) may be ahead by a few messages.
                await replica.catch_up(timeout=5.0)
            first, _last_in_stream = await replica.log.bounds()
            head = replica.head
            if last is None or last > head:
                replica.metrics["resets"] += 1
                yield sse_frame(head, replica.reset_envelope("cursor unknown"))
            elif last < head and first > last + 1:
                replica.metrics["resets"] += 1
                yield sse_frame(head, replica.reset_envelope("cursor too old"))
            else:
                replica.metrics["resumes"] += 1
                chunk: list[bytes] = []
                async for eid, etype, est, body in replica.replay(last, head):
                    if sub.wants(etype, est):
                        chunk.append(sse_frame(eid, body))
                        if len(chunk) >= 500:
                            replica.metrics["events_out"] += len(chunk)
                            yield b"".join(chunk)
                            chunk = []
                if chunk:
                    replica.metrics["events_out"] += len(chunk)
                    yield b"".join(chunk)
            replayed_upto = head
        while True:
            if sub.dropped and sub.queue.empty():
                return  # too slow: the client resumes with Last-Event-ID
            try:
                eid, etype, body = sub.take(await asyncio.wait_for(sub.queue.get(), keepalive_s))
            except asyncio.TimeoutError:
                yield KEEPALIVE
                continue
            if eid <= replayed_upto:
                continue
            replica.metrics["events_out"] += 1
            yield sse_frame(eid, body)
    finally:
        replica.hub.subscribers.discard(sub)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="pingshan-gateway", description="坪山区数据网关（NATS JetStream）")
    p.add_argument("command", nargs="?", choices=["serve", "openapi", "users", "tokens", "sources", "street-node"],
                   default="serve",
                   help="serve (default); openapi: print the OpenAPI document; users add|list|remove …; "
                        "tokens list|revoke …; sources add|list|remove …; street-node --street S --hub-leaf URL …")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8443)
    p.add_argument("--nats", default="nats://127.0.0.1:4222", metavar="URL[,URL…]",
                   help="the NATS servers of the district hub (any of them; the client fails over)")
    p.add_argument("--stream-replicas", type=int, default=1, metavar="N",
                   help="copies of the stream and buckets when they are created (3 on a 3-node cluster)")
    p.add_argument("--retention", type=int, default=1_000_000, help="messages kept in the stream (resumable)")
    p.add_argument("--keepalive-s", type=float, default=10.0, help="SSE keep-alive comment period")
    p.add_argument("--iot-flush-s", type=float, default=1.0, metavar="S",
                   help="window of the MQTT device ingest (one reading.batch per street per window); 0: no ingest")
    p.add_argument("--street", default=None, metavar="STREET",
                   help="run as this street sub-centre's node (NATS leaf node, JetStream domain = street id): "
                        "serves the street, sources the hub, goes on deciding when the link is cut")
    p.add_argument("--street-nodes", default="", metavar="S1,S2…",
                   help="at the district hub: the street nodes whose decisions the hub's stream sources")
    p.add_argument("--hub-domain", default=HUB, metavar="DOMAIN", help="the hub's JetStream domain (default hub)")
    add_identity_args(p, "pingshan-gateway")
    p.add_argument("--sources", default=None, metavar="FILE",
                   help="API keys of the systems posting CAP warnings and citizen events (made with: sources add …)")
    p.add_argument("--demo-sources", action="store_true",
                   help="the demo sources with public keys (demo-cap-key, demo-events-key, …): demos and tests only")
    p.add_argument("--tls-cert", default=None, metavar="PEM", help="serve HTTPS with this certificate")
    p.add_argument("--tls-key", default=None, metavar="PEM", help="the certificate's private key")
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``pingshan-gateway`` / ``python -m gateway.server``."""
    import json

    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["users"]:
        return users_main(argv[1:])
    if argv[:1] == ["tokens"]:
        return tokens_main(argv[1:])
    if argv[:1] == ["street-node"]:
        return street_node_main(argv[1:], serve=main)
    if argv[:1] == ["sources"]:
        return sources_main(argv[1:])
    args = _parser().parse_args(argv)
    servers = [u.strip() for u in args.nats.split(",") if u.strip()]
    if args.command == "openapi":
        print(json.dumps(create_app(servers).openapi(), ensure_ascii=False, indent=1))
        return 0
    if (args.tls_cert is None) != (args.tls_key is None):
        print("--tls-cert 与 --tls-key 须同时给出", file=sys.stderr)
        return 2
    try:
        book = token_book(args)
        if args.sources is not None and args.demo_sources:
            raise ValueError("--sources 与 --demo-sources 只能选一个")
        sources = (SourceDirectory.load(args.sources) if args.sources
                   else SourceDirectory.demo() if args.demo_sources else None)
    except (UsersFileError, OSError, ValueError) as exc:
        print(f"无法启动：{exc}", file=sys.stderr)
        return 2
    import uvicorn

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    sock = socket.socket(socket.AF_INET6 if ":" in args.host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # see simulator.server: no 40 ms Nagle stalls
    sock.bind((args.host, args.port))
    sock.listen(512)
    port = sock.getsockname()[1]
    tls = args.tls_cert is not None
    host = f"[{args.host}]" if ":" in args.host else args.host
    base_url = f"{'https' if tls else 'http'}://{host}:{port}"
    topology = Topology(street=args.street or None, hub_domain=args.hub_domain,
                        street_nodes=tuple(x.strip() for x in args.street_nodes.split(",") if x.strip()))
    app = create_app(servers, book, stream_replicas=args.stream_replicas, retention=args.retention,
                     keepalive_s=args.keepalive_s, iot_flush_s=args.iot_flush_s or None, topology=topology,
                     sources=sources)
    ssl_args: dict[str, Any] = {"ssl_certfile": args.tls_cert, "ssl_keyfile": args.tls_key} if tls else {}
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on",
                                           timeout_graceful_shutdown=1, timeout_keep_alive=5, **ssl_args))

    async def run() -> None:
        task = asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started and not task.done():
            await asyncio.sleep(0.02)
        if server.started:
            print(f"GATEWAY READY {base_url}", flush=True)
        await task

    asyncio.run(run())
    return 0 if server.started else 1


if __name__ == "__main__":
    sys.exit(main())

"""The embedded district feed: a real HTTP server on loopback speaking wire contract v1.

``python -m simulator.server [--host H] [--port P] [--seed S] [--alerts-per-s A]
[--readings-per-s R] [--devices N] [--cameras N] [--data-dir DIR] [--public-url URL]`` prints
``FEED READY <base_url>`` once it accepts connections (``--port 0`` binds a free
port and prints the real one).  ``python -m simulator.server openapi`` prints the
OpenAPI document (generated from ``console.models``) and exits.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import socket
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, AsyncIterator, Callable

from fastapi import Depends, FastAPI, Request, Security
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse, Response, StreamingResponse

from console.models import Command, ErrorDetail
from district.anchors import AnchorFile
from district.identity import LoginThrottle, TokenBook, UserDirectory, UsersFileError, users_main
from gateway.anchors import add_anchor_routes
from gateway.web import (BEARER, Gate, add_catalogue_routes, add_roster_route, add_identity_args, add_stream_routes, add_token_route,
                         command_route, idempotency_key_header, install_command_guards, is_loopback, model_response,
                         refused, sse_frame, token_book)
from simulator import geo
from simulator.world import District, FeedConfig, Subscriber

log = logging.getLogger("simulator")

TICK_S = 0.5
INDICATOR_PERIOD_S = 5.0
TOKEN_TTL_S = 8 * 3600
FAULT_MODES = ("ok", "http500", "hang", "cut", "drip", "dup", "cmd500")
"""/_sim/fault modes: ``drip`` sends the stream's bytes slowly (``drip_bytes_per_s``, default 1),
``dup`` sends every live event twice, ``cmd500`` answers commands with 500 (stream unaffected)."""
# Shared with the district gateway (gateway.web); the old names stay importable from here.
_refused = refused
_model_response = model_response


def create_app(config: FeedConfig, auth: TokenBook | None = None, *, sim_controls: bool = False,
               throttle: LoginThrottle | None = None) -> FastAPI:
    """The feed as an ASGI app; the district is built (or reloaded) when the app starts.

    ``auth`` holds the tokens, their lifetimes and who may log in. ``sim_controls``
    adds the test controls (``/_sim/…``), answered to loopback callers only; without
    it they do not exist.
    """
    holder: dict[str, Any] = {}
    book = auth if auth is not None else TokenBook(require_login=True, users=UserDirectory())
    guard = throttle if throttle is not None else LoginThrottle()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        district = District(config)
        holder["district"] = district
        holder["anchors"] = AnchorFile(Path(config.data_dir))
        app.state.district = district
        ticker = asyncio.create_task(_run_ticker(district), name="district-ticker")
        try:
            yield
        finally:
            ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ticker
            district.store.close()
            holder["anchors"].close()

    app = FastAPI(
        title="坪山区智慧城市运行指挥 — 区级数据网关（模拟）",
        version="1.0.0",
        description="Pingshan district feed, wire contract v1 (console.models).",
        lifespan=lifespan,
    )

    def district() -> District:
        return holder["district"]

    async def command_gate() -> Response | None:
        """Apply /_sim/fault mode ``cmd500`` to commands only (the stream keeps flowing)."""
        if district().fault_mode == "cmd500":
            return JSONResponse({"detail": "模拟故障：指令服务内部错误"}, status_code=500)
        return None

    async def fault_gate() -> Response | None:
        """Apply /_sim/fault to snapshot and stream requests."""
        mode = district().fault_mode
        if mode == "http500":
            return JSONResponse({"detail": "模拟故障：网关内部错误"}, status_code=500)
        if mode == "hang":
            while district().fault_mode == "hang":
                await asyncio.sleep(0.2)
        return None

    install_command_guards(app)
    gate = Gate(book)
    user_of = gate.user_of

    # ------------------------------------------------------------------ contract endpoints

    add_stream_routes(app, gate, precheck=fault_gate, streets=lambda: district().street_name,
                      snapshot=lambda scope: district().snapshot(scope),
                      events=lambda scope, topics, resume: _event_stream(district(), scope, topics, resume),
                      event_id="envelope id")

    @app.post("/api/v1/commands", **command_route())
    async def commands(
        cmd: Command,
        idempotency_key: str | None = Depends(idempotency_key_header),
        authorization: str | None = Security(BEARER),
    ) -> Response:
        """Apply an operator command once per Idempotency-Key (= command id)."""
        d = district()
        gate = await command_gate()
        if gate is not None:
            return gate
        if not idempotency_key:
            return _refused(422, "invalid", "缺少 Idempotency-Key 请求头", cmd.id)
        if idempotency_key != cmd.id:
            return _refused(422, "invalid", "Idempotency-Key 须与指令 id 一致", cmd.id)
        user = user_of(authorization)
        if isinstance(user, JSONResponse):
            return user
        # The actor is the token's user; ``cmd.operator`` is not read (the rulebook decides).
        status, text = d.execute(cmd, user, idempotency_key)
        return Response(text, status_code=status, media_type="application/json")

    add_token_route(app, book, guard)

    async def record_anchor(seat: str, anchor: Any) -> Any:
        return holder["anchors"].record(seat, anchor)

    async def list_anchors(seat: str) -> Any:
        return holder["anchors"].book.anchors(seat)

    add_anchor_routes(app, gate, record=record_anchor, listing=list_anchors)
    add_catalogue_routes(app, gate, geo.layers)
    add_roster_route(app, gate, lambda: district().duty_roster())

    @app.get("/tiles/{z}/{x}/{y}.png", tags=["catalogue"], response_class=Response,
             responses={200: {"content": {"image/png": {"schema": {"type": "string", "format": "binary"}}},
                              "description": "XYZ tile, Web Mercator, 256×256"},
                        404: {"model": ErrorDetail, "description": "Outside the tile pyramid"},
                        422: {"model": ErrorDetail, "description": "z, x or y is not an integer"}})
    async def tile(z: int = PathParam(examples=[13]), x: int = PathParam(examples=[6698]),
                   y: int = PathParam(examples=[3564])) -> Response:
        """A base-map tile of the schematic district (XYZ numbering)."""
        from simulator import tiles

        if not tiles.MIN_ZOOM <= z <= tiles.MAX_ZOOM or not (0 <= x < 2 ** z and 0 <= y < 2 ** z):
            return JSONResponse({"detail": "瓦片超出范围"}, status_code=404)
        png = await asyncio.to_thread(tiles.render_tile, z, x, y)
        return Response(png, media_type="image/png", headers={"Cache-Control": "public, max-age=86400"})

    # ------------------------------------------------------------------ video

    @app.get("/video/{camera_id}/{variant}.ts", tags=["video"], response_class=Response,
             responses={200: {"content": {"video/mp2t": {"schema": {"type": "string", "format": "binary"}}},
                              "description": "live MPEG-TS (H.264); it does not end"},
                        404: {"model": ErrorDetail, "description": "No such camera or variant, or it is offline"},
                        503: {"model": ErrorDetail, "description": "No video encoder in this installation (PyAV)"}})
    async def video(camera_id: str, variant: str) -> Response:
        """A live camera stream: the camera's clip looped in real time as MPEG-TS."""
        try:
            from simulator import video as video_mod
        except ImportError:  # the console's bundle leaves PyAV out (its wheel carries GPL x264/x265)
            return JSONResponse({"detail": "演示视频不可用：本安装包不含演示视频编码器（PyAV）"}, status_code=503)

        d = district()
        cam = d.cameras.get(camera_id)
        if cam is None or variant not in video_mod.VARIANTS:
            return JSONResponse({"detail": "视频流不存在"}, status_code=404)
        if d.camera_modes.get(camera_id, "ok") == "drop" or cam.status != "online":
            return JSONResponse({"detail": "摄像机离线"}, status_code=404)
        clip = await video_mod.clip_for(d, cam, variant)
        return StreamingResponse(video_mod.live_ts(d, camera_id, clip), media_type="video/mp2t",
                                 headers={"Cache-Control": "no-cache"})

    # ------------------------------------------------------------------ /_sim controls (not in the contract)

    if sim_controls:
        _add_sim_controls(app, district, book)
    return app


def _add_sim_controls(app: FastAPI, district: Callable[[], District], book: TokenBook) -> None:
    """The embedded feed's test controls: bursts, injected bytes, faults, clock, tokens.

    They exist only when the feed was started with ``--sim-controls`` and answer only
    callers on the loopback interface (anyone else gets 404, as if they did not exist).
    """
    from fastapi import APIRouter, Depends, HTTPException

    def loopback_only(request: Request) -> None:
        if not is_loopback(request.client.host if request.client else None):
            raise HTTPException(status_code=404, detail="Not Found")

    router = APIRouter(dependencies=[Depends(loopback_only)])

    @router.post("/_sim/burst", include_in_schema=False)
    async def sim_burst(request: Request) -> Response:
        body = await request.json()
        district().add_burst(int(body.get("alerts", 100)), float(body.get("over_s", 10)))
        return JSONResponse({"ok": True})

    @router.post("/_sim/inject", include_in_schema=False)
    async def sim_inject(request: Request) -> Response:
        eid = district().inject(await request.body())
        return JSONResponse({"id": str(eid)})

    @router.post("/_sim/inject_batch", include_in_schema=False)
    async def sim_inject_batch(request: Request) -> Response:
        # Many raw messages in one request (a fuzz flood would take minutes one by one).
        # ``b64``: base64 of each message, so invalid UTF-8 survives JSON; with
        # ``stamp_id`` the bytes ``__ID__`` in a message become the id it is sent under,
        # which lets a test send a well-formed envelope (e.g. an old revision).
        import base64

        body = await request.json()
        raws = [base64.b64decode(m) for m in body.get("b64", [])]
        ids = district().inject_many(raws, stamp_id=bool(body.get("stamp_id", False)))
        return JSONResponse({"ids": [str(i) for i in ids]})

    @router.post("/_sim/camera/{camera_id}", include_in_schema=False)
    async def sim_camera(camera_id: str, request: Request) -> Response:
        mode = (await request.json()).get("mode", "ok")
        if mode not in ("ok", "stall", "drop") or camera_id not in district().cameras:
            return JSONResponse({"detail": "bad camera or mode"}, status_code=422)
        district().camera_modes[camera_id] = mode
        return JSONResponse({"ok": True, "mode": mode})

    @router.post("/_sim/clock", include_in_schema=False)
    async def sim_clock(request: Request) -> Response:
        district().clock_offset_s = float((await request.json()).get("offset_s", 0))
        return JSONResponse({"ok": True, "offset_s": district().clock_offset_s})

    @router.post("/_sim/fault", include_in_schema=False)
    async def sim_fault(request: Request) -> Response:
        body = await request.json()
        mode = body.get("mode", "ok")
        if mode not in FAULT_MODES:
            return JSONResponse({"detail": "bad mode"}, status_code=422)
        district().fault_mode = mode
        if "drip_bytes_per_s" in body:
            district().drip_bytes_per_s = max(0.1, float(body["drip_bytes_per_s"]))
        return JSONResponse({"ok": True, "mode": mode})

    @router.post("/_sim/pause", include_in_schema=False)
    async def sim_pause(request: Request) -> Response:
        # A paused district generates nothing (commands still apply), so a test can
        # compare the console's state with the feed's without a moving target.
        district().paused = bool((await request.json()).get("paused", True))
        return JSONResponse({"ok": True, "paused": district().paused})

    @router.post("/_sim/auth", include_in_schema=False)
    async def sim_auth(request: Request) -> Response:
        # "expire": every access token expires now (refresh still works);
        # "revoke": access and refresh tokens are void (everyone logs in again).
        action = (await request.json()).get("action", "")
        if action == "expire":
            return JSONResponse({"ok": True, "expired": book.expire_access()})
        if action == "revoke":
            return JSONResponse({"ok": True, "revoked": book.revoke_all()})
        if action == "stats":
            return JSONResponse({"issued": book.issued, "refreshed": book.refreshed, "live": len(book.access)})
        return JSONResponse({"detail": "bad action"}, status_code=422)

    @router.get("/_sim/state", include_in_schema=False)
    async def sim_state() -> Response:
        return JSONResponse(district().sim_state())


    app.include_router(router)


async def _run_ticker(district: District) -> None:
    """Drive the district in wall time: readings and alerts every tick, indicators every ~5 s."""
    last = time.monotonic()
    last_ind = last
    while True:
        await asyncio.sleep(TICK_S)
        now = time.monotonic()
        if district.paused:
            last = last_ind = now
            continue
        try:
            district.tick(now - last)
            if now - last_ind >= INDICATOR_PERIOD_S:
                last_ind = now
                district.compute_indicators()
                district.archive()
        except Exception:  # keep the feed alive; the failure is logged for whoever runs it
            log.exception("district tick failed")
        last = now


async def _event_stream(district: District, street: str | None, topics: tuple[str, ...],
                        resume: str | None) -> AsyncIterator[bytes]:
    """SSE body: retry hint, replay after ``resume`` (or a reset), then live events."""
    sub = Subscriber(street, topics)
    district.hub.subscribers.add(sub)
    replayed_upto = district.head  # without a cursor the stream starts live
    try:
        yield b"retry: 2000\n\n"
        if resume is not None:
            resume = resume.strip()
            head, oldest = district.head, district.store.oldest()
            last = int(resume) if resume.isdigit() else None
            if last is None or last > head:
                yield sse_frame(head, district.reset_envelope("cursor unknown"))
            elif last < head - district.config.retention or (last < head and oldest > last + 1):
                yield sse_frame(head, district.reset_envelope("cursor too old"))
            else:
                for page in district.store.events_after(last, head):
                    chunk = []
                    for eid, etype, est, body in page:
                        if sub.wants(etype, est):
                            chunk.append(sse_frame(eid, body))
                    if district.fault_mode == "cut" and chunk:
                        yield chunk[0][: max(1, len(chunk[0]) // 2)]
                        return
                    if chunk:
                        yield b"".join(chunk)
            replayed_upto = head
        while True:
            if sub.dropped and sub.queue.empty():
                return  # too slow: the client resumes with Last-Event-ID
            try:
                eid, etype, body = sub.take(await asyncio.wait_for(sub.queue.get(), district.config.keepalive_s))
            except asyncio.TimeoutError:
                if district.fault_mode == "drip":
                    async for piece in _drip(district, b": keep-alive\n\n"):
                        yield piece
                else:
                    yield b": keep-alive\n\n"
                continue
            if eid <= replayed_upto:
                continue
            frame = sse_frame(eid, body)
            if district.fault_mode == "cut":
                yield frame[: max(1, len(frame) // 2)]  # cut in the middle of an event
                return
            if district.fault_mode == "drip":
                async for piece in _drip(district, frame):
                    yield piece
                continue
            if district.fault_mode == "dup":
                frame += frame  # the same id twice in a row, as a buggy relay might
            yield frame
    finally:
        district.hub.subscribers.discard(sub)


async def _drip(district: District, data: bytes) -> AsyncIterator[bytes]:
    """Yield ``data`` a byte at a time at ``drip_bytes_per_s``; the rest at once when the mode leaves drip."""
    for i in range(len(data)):
        if district.fault_mode != "drip":
            yield data[i:]
            return
        yield data[i:i + 1]
        await asyncio.sleep(1.0 / district.drip_bytes_per_s)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="pingshan-feed", description="坪山区模拟数据网关（嵌入式）")
    p.add_argument("command", nargs="?", choices=["serve", "openapi", "users"], default="serve",
                   help="serve (default); openapi: print the OpenAPI document; "
                        "users add|list|remove …: manage a users file (pingshan-feed users -h)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--alerts-per-s", type=float, default=0.5)
    p.add_argument("--readings-per-s", type=float, default=20.0)
    p.add_argument("--data-dir", type=Path, default=None)
    p.add_argument("--public-url", default=None)
    p.add_argument("--backlog", type=int, default=150, help="alerts in the backlog of a fresh data dir")
    p.add_argument("--devices", type=int, default=0,
                   help="devices in a fresh data dir's district (default: its own 310; e.g. 100000)")
    p.add_argument("--cameras", type=int, default=0,
                   help="cameras in a fresh data dir's district (default: its own 36; e.g. 10000)")
    p.add_argument("--retention", type=int, default=100_000, help="events kept resumable by Last-Event-ID")
    p.add_argument("--keepalive-s", type=float, default=10.0, help="SSE keep-alive comment period")
    p.add_argument("--parent-pid", type=int, default=None,
                   help="exit when this process is gone (a launcher that died without stopping the feed)")
    p.add_argument("--require-login", action="store_true",
                   help="refuse unauthenticated calls even with --sim-controls (always so without it)")
    add_identity_args(p, "pingshan-feed")
    p.add_argument("--sim-controls", action="store_true",
                   help="TESTS ONLY, loopback only: the /_sim/ controls, and anonymous callers act as a "
                        "supervisor test seat unless --require-login")
    p.add_argument("--ssl-certfile", type=Path, default=None, help="serve HTTPS with this certificate (PEM)")
    p.add_argument("--ssl-keyfile", type=Path, default=None, help="the certificate's private key (PEM)")
    return p


def _token_book(args: argparse.Namespace) -> TokenBook:
    """Who may log in (gateway.web.token_book); the test seat only with ``--sim-controls``."""
    return token_book(args, open_seat=args.sim_controls and not args.require_login)


def openapi_document() -> dict[str, Any]:
    """The feed's OpenAPI document (no server, no data dir touched)."""
    return create_app(FeedConfig()).openapi()


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``pingshan-feed`` / ``python -m simulator.server``."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["users"]:
        return users_main(argv[1:])
    if "--produce" in argv:  # a producer for the district gateway (simulator.produce), not the embedded feed
        from simulator.produce import main as produce_main

        return produce_main([a for a in argv if a != "--produce"])
    args = _parser().parse_args(argv)
    if args.sim_controls and not is_loopback(args.host):
        print(f"--sim-controls 仅限本机回环地址，不能与 --host {args.host} 同用", file=sys.stderr)
        return 2
    if args.command == "openapi":
        print(json.dumps(openapi_document(), ensure_ascii=False, indent=1))
        return 0
    import uvicorn

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # Reuse the address so a restart on the same port works right after a kill.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted sockets inherit TCP_NODELAY: without it a keep-alive client waits ~40 ms
    # (Nagle + delayed ACK) for the body that follows the headers.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((args.host, args.port))
    sock.listen(128)
    port = sock.getsockname()[1]
    tls = args.ssl_certfile is not None
    base_url = f"{'https' if tls else 'http'}://{args.host}:{port}"
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="pingshan-feed-"))
    config = FeedConfig(seed=args.seed, alerts_per_s=args.alerts_per_s, readings_per_s=args.readings_per_s,
                        data_dir=data_dir, public_url=args.public_url or base_url, backlog=args.backlog,
                        retention=args.retention, keepalive_s=args.keepalive_s, devices=args.devices,
                        cameras=args.cameras)
    try:
        book = _token_book(args)
    except (UsersFileError, OSError, ValueError) as exc:
        print(f"无法启动：{exc}", file=sys.stderr)
        return 2
    app = create_app(config, book, sim_controls=args.sim_controls)
    ssl_args: dict[str, Any] = {}
    if tls:
        ssl_args = {"ssl_certfile": str(args.ssl_certfile),
                    "ssl_keyfile": str(args.ssl_keyfile) if args.ssl_keyfile else None}
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on",
                                           timeout_graceful_shutdown=1, timeout_keep_alive=5, **ssl_args))

    async def watch_parent(pid: int) -> None:
        # Reparenting means the launcher died (even by SIGKILL): do not linger as an orphan.
        while os.getppid() == pid:
            await asyncio.sleep(1.0)
        server.should_exit = True

    async def run() -> None:
        task = asyncio.create_task(server.serve(sockets=[sock]))
        watcher = asyncio.create_task(watch_parent(args.parent_pid)) if args.parent_pid else None
        while not server.started and not task.done():
            await asyncio.sleep(0.02)
        if server.started:
            print(f"FEED READY {base_url}", flush=True)
        await task
        if watcher is not None:
            watcher.cancel()

    asyncio.run(run())
    return 0


if __name__ == "__main__":
    sys.exit(main())

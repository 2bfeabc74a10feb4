"""The HTTP side of wire contract v1 that the embedded feed and the gateway share.

Framework-level pieces only (FastAPI): SSE framing, the refusal shape, the guards
every command passes before the rulebook sees it (body size before parsing, the
pydantic error as a 422 refusal), the login endpoint with its throttle, the catalogue
endpoints (layers, plans), the identity flags and the :class:`~district.identity.TokenBook`
they build. Where the state lives (SQLite, JetStream) is the caller's business.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import math
import re
from typing import Any, AsyncIterator, Awaitable, Callable, Mapping, get_args
from urllib.parse import parse_qs

from fastapi import FastAPI, Header, Query, Request, Security
from fastapi.exception_handlers import http_exception_handler
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response, StreamingResponse
from fastapi.security import HTTPBearer
from starlette.exceptions import HTTPException as StarletteHTTPException

from console.models import (CommandAccepted, Roster, CommandRefused, ErrorDetail, LayerInfo, LayerList, PlanList, Snapshot,
                            SnapshotPage, StreetId, TokenResponse)
from district.identity import (ANONYMOUS, DEFAULT_REFRESH_TTL_S, DEFAULT_TOKEN_TTL_S, OPEN_SEAT, GrantStoreUnavailable,
                               JwtVerifier, LoginThrottle, TokenBook, UserDirectory)
from district.limits import MAX_BODY_BYTES
from district.plans import plan_list
from district.scope import scope_for

_LINE_SPLIT = re.compile(rb"\r\n|\r|\n")
KEEPALIVE = b": keep-alive\n\n"
RETRY_HINT = b"retry: 2000\n\n"
SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}

Layers = dict[str, tuple[dict[str, str], dict[str, Any]]]
"""layer id → (LayerInfo fields but the count, RFC 7946 FeatureCollection)."""


class BearerHeader(HTTPBearer):
    """The ``Authorization`` header, published in OpenAPI as the HTTP bearer security scheme.

    The route gets the raw header (or None) and :class:`Gate` decides, as before: a 401
    with a Chinese ``detail`` and ``WWW-Authenticate: Bearer``, or the anonymous test seat
    of a feed with ``--sim-controls``. FastAPI's own HTTPBearer would answer in English,
    or drop a header of another scheme and so let it pass as anonymous.
    """

    async def __call__(self, request: Request) -> str | None:  # type: ignore[override]
        return request.headers.get("authorization")


BEARER = BearerHeader(scheme_name="bearer", auto_error=False,
                      description="POST /api/v1/auth/token 取得的 access_token（或身份提供方的 JWT）")
"""``authorization: str | None = Security(BEARER)``: the caller's token, documented."""

SCOPE_DOC = {"description": "街道 id；缺省或空为全区（街道席位只能取本街道）；本区没有的街道：422",
             # Documented only: the route names an unknown street in its own 422.
             "json_schema_extra": {"enum": ["", *get_args(StreetId)]}}
_TEXT = {"type": "string"}
_FEATURE_COLLECTION = {"type": "object", "required": ["type", "features"],
                       "properties": {"type": {"const": "FeatureCollection"},
                                      "features": {"type": "array", "items": {"type": "object"}}}}
_SECONDS = {"type": "string", "pattern": "^[0-9]+$"}
_ANSWERS: dict[int, tuple[str, dict[str, Any]]] = {
    400: ("The request cannot be handled (detail says why)", {}),
    401: ("Not logged in, or the token is invalid or expired", {
        "WWW-Authenticate": {"description": "Bearer", "required": True, "schema": _TEXT}}),
    403: ("The caller's role or scope does not allow it", {}),
    404: ("No such object", {}),
    409: ("The state changed meanwhile: start again", {}),
    422: ("A parameter or the body is not valid (detail names it)", {}),
    429: ("Too many failed logins: try again after Retry-After seconds", {
        "Retry-After": {"description": "seconds", "required": True, "schema": _SECONDS}}),
    503: ("Not available just now (the gateway is loading its stream, or its token store is unreachable): "
          "retry after Retry-After seconds", {
              "Retry-After": {"description": "seconds", "required": True, "schema": _SECONDS}}),
}


def answers(*statuses: int, model: Any = ErrorDetail, **override: Any) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for the refusals a route really gives: ``model`` is the body
    (:class:`~console.models.ErrorDetail`: ``{"detail": "<Chinese reason>"}``), headers as
    the servers send them. ``override``: ``s401={...}`` changes one entry (a None value drops the key)."""
    out: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        description, headers = _ANSWERS[status]
        entry = {"model": model, "description": description, **({"headers": headers} if headers else {}),
                 **override.get(f"s{status}", {})}
        out[status] = {k: v for k, v in entry.items() if v is not None}
    return out


def sse_frame(eid: int, body: bytes) -> bytes:
    """One SSE event: ``id:`` line, one ``data:`` line per line of the body, blank line."""
    lines = _LINE_SPLIT.split(body) if (b"\n" in body or b"\r" in body) else [body]
    return b"id: %d\n" % eid + b"".join(b"data: " + ln + b"\n" for ln in lines) + b"\n"


def refused(status: int, error: str, reason: str, command_id: str | None = None) -> JSONResponse:
    """A command refusal in the contract's shape (CommandRefused)."""
    body = CommandRefused(command_id=command_id, error=error, reason=reason)  # type: ignore[arg-type]
    return JSONResponse(body.model_dump(mode="json"), status_code=status)


def model_response(model: Any, status: int = 200, media_type: str = "application/json") -> Response:
    return Response(model.model_dump_json(), status_code=status, media_type=media_type)


def is_loopback(host: str | None) -> bool:
    """Whether ``host`` (an address or ``localhost``) is this machine's loopback."""
    if host in ("localhost",):
        return True
    try:
        return ipaddress.ip_address((host or "").strip("[]")).is_loopback
    except ValueError:
        return False


def install_command_guards(app: FastAPI) -> None:
    """Body limit before parsing (413/411) and pydantic errors (or a body that does not decode)
    as a 422 refusal, for ``/api/v1/commands``; other validation errors as a Chinese ``detail``."""

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        loc = ".".join(str(p) for p in first.get("loc", ()))
        if request.url.path == "/api/v1/commands":
            return refused(422, "invalid", f"指令格式不正确（{loc}: {first.get('msg', '')}）")
        # Every refusal is {"detail": "<Chinese reason>"} (ErrorDetail), this one too.
        return JSONResponse({"detail": f"请求参数不正确（{loc}: {first.get('msg', '')}）"}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _unparsable(request: Request, exc: StarletteHTTPException) -> Response:
        # A body FastAPI cannot even decode (not UTF-8) is its English 400; a command body
        # that is not JSON is refused like any other malformed command.
        if exc.status_code == 400 and request.url.path == "/api/v1/commands":
            return refused(422, "invalid", "指令格式不正确（请求体不是 UTF-8 编码的 JSON）")
        if exc.status_code == 400 and request.url.path == "/api/v1/audit/anchors":
            return JSONResponse({"detail": "锚点格式不正确（请求体不是 UTF-8 编码的 JSON）"}, status_code=422)
        if exc.status_code == 405:
            # Starlette names only the first route of the path in Allow; a path served by two
            # routes (GET and POST /api/v1/audit/anchors) must list both.
            path = request.url.path
            methods = sorted({m for r in request.app.routes if isinstance(getattr(r, "methods", None), set)
                              and r.path_regex.match(path) for m in r.methods})
            if methods:
                exc.headers = {**(exc.headers or {}), "Allow": ", ".join(methods)}
        return await http_exception_handler(request, exc)

    @app.middleware("http")
    async def _body_limit(request: Request, call_next: Any) -> Response:
        # Checked before anything parses the body: a 10 MB note must never reach the rules.
        if request.method == "POST" and request.url.path == "/api/v1/commands":
            length = request.headers.get("content-length")
            if length is None:
                return refused(411, "invalid", "指令请求须提供 Content-Length")
            if not length.isdigit() or int(length) > MAX_BODY_BYTES:
                return refused(413, "invalid", f"指令过大（{length} 字节，最多 {MAX_BODY_BYTES} 字节）")
        return await call_next(request)


IDEMPOTENCY_KEY = {"name": "Idempotency-Key", "in": "header", "required": True,
                   "description": "须与指令 id 相同；同一键重发得到同一结果（缺少或不一致：422）",
                   "schema": {"type": "string", "minLength": 8, "maxLength": 64}}


def idempotency_key_header(request: Request) -> str | None:
    """The ``Idempotency-Key`` header, or None: the route refuses its absence itself (a 422
    refusal naming the header, with the command's id), so it is read here and declared
    required in OpenAPI through :func:`command_route`."""
    return request.headers.get("idempotency-key")


def command_route(*, unavailable: bool = False) -> dict[str, Any]:
    """The declaration of ``POST /api/v1/commands`` that both servers share (``@app.post(**…)``).

    Refusals by the rules and the guards are CommandRefused (403, 404, 409, 411, 413, 422);
    a missing or bad token is a 401 ErrorDetail; ``unavailable``: the server may answer 503.
    """
    refusals: dict[int | str, dict[str, Any]] = {
        403: {"model": CommandRefused, "description": "The caller's role or scope does not allow it"},
        404: {"model": CommandRefused, "description": "The target does not exist"},
        409: {"model": CommandRefused, "description": "Stale expected_rev, or the key was used for another "
                                                      "command (a street node cut off: district_unreachable)"},
        411: {"model": CommandRefused, "description": "No Content-Length"},
        413: {"model": CommandRefused, "description": "Body over the size limit"},
        422: {"model": CommandRefused, "description": "Invalid command, Idempotency-Key missing or not the id"},
    }
    return {"status_code": 202, "response_model": CommandAccepted, "tags": ["commands"],
            "responses": {**refusals, **answers(401, *((503,) if unavailable else ()))},
            "openapi_extra": {"parameters": [IDEMPOTENCY_KEY]}}


def grants_unavailable() -> JSONResponse:
    """503 when the shared token store cannot be reached: the console retries (or fails over),
    it does not drop its login as it would on a 401."""
    return JSONResponse({"detail": "身份服务暂不可用，请稍后重试"}, status_code=503, headers={"Retry-After": "2"})


class Gate:
    """Who is calling: the token's user (district.roles.User) or the 401/403 answer.

    ``user_of``/``scoped`` read the book's in-memory store (the embedded feed);
    ``auser_of``/``ascoped`` work on any store (the gateway's is shared by its replicas).
    """

    def __init__(self, book: TokenBook) -> None:
        self.book = book

    @staticmethod
    def _answer(who: Any) -> Any:
        if isinstance(who, str):
            return JSONResponse({"detail": who}, status_code=401, headers={"WWW-Authenticate": "Bearer"})
        return who

    def user_of(self, authorization: str | None) -> Any:
        """The token's user, or a 401 answer."""
        return self._answer(self.book.who(authorization))

    async def auser_of(self, authorization: str | None) -> Any:
        """The token's user, or a 401 answer (503 when the shared store is unreachable)."""
        try:
            return self._answer(await self.book.awho(authorization))
        except GrantStoreUnavailable:
            return grants_unavailable()

    @staticmethod
    def _scope(user: Any, scope: str | None) -> tuple[str | None, Response | None]:
        if isinstance(user, JSONResponse):
            return None, user
        served, refusal = scope_for(user, scope)
        if refusal:
            return None, JSONResponse({"detail": refusal}, status_code=403)
        return served, None

    def scoped(self, authorization: str | None, scope: str | None) -> tuple[str | None, Response | None]:
        """(the scope to serve, or a 401/403 answer) for snapshot and stream."""
        return self._scope(self.user_of(authorization), scope)

    async def ascoped(self, authorization: str | None, scope: str | None) -> tuple[str | None, Response | None]:
        """:meth:`scoped` on any store."""
        return self._scope(await self.auser_of(authorization), scope)


def add_token_route(app: FastAPI, book: TokenBook, guard: LoginThrottle, *, shared: bool = False) -> None:
    """``POST /api/v1/auth/token``: password and refresh_token grants, throttled.

    ``shared``: the book's store is shared by replicas and may be unreachable (503).
    """

    @app.post("/api/v1/auth/token", response_model=TokenResponse, tags=["auth"],
              responses=answers(400, 401, 429, *((503,) if shared else ()),
                                s401={"description": "Wrong user name or password, or a spent refresh token",
                                      "headers": None}),
              openapi_extra={"requestBody": {"required": True, "content": {
                  "application/x-www-form-urlencoded": {"schema": {
                      "type": "object",
                      "properties": {"grant_type": {"type": "string", "enum": ["password", "refresh_token"]},
                                     "username": {"type": "string"}, "password": {"type": "string"},
                                     "refresh_token": {"type": "string"}}}}}}})
    async def token(request: Request) -> Response:
        """OAuth2 password grant for the users of ``--users FILE`` (or the demo seats with
        ``--demo-users``), throttled per user and per address (429 with Retry-After), and the
        refresh_token grant (single use, on every replica that shares the book's store; a new
        pair is issued)."""
        form = parse_qs((await request.body()).decode("utf-8", "replace"))
        grant = form.get("grant_type", ["password"])[0]
        if grant == "refresh_token":
            try:
                issued = await book.ause_refresh(form.get("refresh_token", [""])[0])
            except GrantStoreUnavailable:
                return grants_unavailable()
            if issued is None:
                return JSONResponse({"detail": "登录已过期，请重新登录"}, status_code=401)
            return model_response(TokenResponse(**issued))
        if grant != "password":
            return JSONResponse({"detail": f"不支持的授权方式：{grant}"}, status_code=400)
        username = form.get("username", [""])[0]
        address = request.client.host if request.client else ""
        wait = await guard.acheck(username, address)
        if wait > 0:  # guessing: answer at once, without looking at the password
            return JSONResponse({"detail": f"登录失败次数过多，请 {math.ceil(wait)} 秒后再试"}, status_code=429,
                                headers={"Retry-After": str(math.ceil(wait))})
        # scrypt takes tens of milliseconds: off the event loop.
        user = await asyncio.to_thread(book.login, username, form.get("password", [""])[0])
        if user is None:
            await guard.afailed(username, address)
            return JSONResponse({"detail": "用户名或密码错误"}, status_code=401)
        await guard.asucceeded(username, address)
        try:
            return model_response(TokenResponse(**await book.aissue(user)))
        except GrantStoreUnavailable:
            return grants_unavailable()


PAGE_SIZE_MIN = 1_000
PAGE_SIZE_MAX = 50_000
"""Devices and cameras per snapshot page: what a client asks for is kept within these."""


PAGE_TOKEN_PATTERN = "^[1-9][0-9]*:(device|camera):.+$"
"""What a page token looks like (``offset:kind:object id``, :func:`snapshot_page`)."""


class PageMoved(Exception):
    """The state's order changed under a paged snapshot: the client starts it again."""


def _page_token(offset: int, kind: str, object_id: str) -> str:
    return f"{offset}:{kind}:{object_id}"


def snapshot_page(snap: Snapshot, page_size: int, token: str | None) -> Snapshot | SnapshotPage:
    """One page of a paged snapshot, cut from the whole state ``snap``.

    The pages walk the devices, then the cameras, in the state's own order (a dict's
    insertion order: objects are added at the end and never move). Without ``token`` it
    is the first page: everything else of the snapshot plus the first devices and cameras;
    with it, a :class:`SnapshotPage` from where the token points. A token names the
    object before its page; if another object stands there now the order changed and
    :class:`PageMoved` is raised (409: the client starts again). ``ValueError`` for a
    token that is not one.
    """
    size = min(max(int(page_size), PAGE_SIZE_MIN), PAGE_SIZE_MAX)
    devices, cameras = snap.devices, snap.cameras
    total = len(devices) + len(cameras)

    def at(i: int) -> tuple[str, str]:
        return ("device", devices[i].id) if i < len(devices) else ("camera", cameras[i - len(devices)].id)

    start = 0
    if token is not None:
        offset_text, kind, object_id = token.split(":", 2)
        start = int(offset_text)
        if start <= 0:
            raise ValueError(token)
        if start > total or at(start - 1) != (kind, object_id):
            raise PageMoved(token)
    end = min(start + size, total)
    nd = len(devices)
    page_devices = devices[min(start, nd):min(end, nd)]
    page_cameras = cameras[max(start - nd, 0):max(end - nd, 0)]
    following = _page_token(end, *at(end - 1)) if end < total else None
    if token is None:
        return snap.model_copy(update={"devices": page_devices, "cameras": page_cameras, "next": following})
    return SnapshotPage(devices=page_devices, cameras=page_cameras, next=following)


ADDITIONS = ("next", "node")
"""Fields later than the first v1 document: sent only when they say something."""


def snapshot_response(body: Snapshot | SnapshotPage) -> Response:
    """The snapshot as JSON; ``next`` only when there is a next page, ``node`` only from a street
    node (a v1 client at the district hub that never asked for pages gets exactly the document it knows)."""
    exclude = {k for k in ADDITIONS if k in type(body).model_fields and getattr(body, k) is None} or None
    return Response(body.model_dump_json(exclude=exclude), media_type="application/json")


def add_stream_routes(app: FastAPI, gate: Gate, *, precheck: Callable[[], Awaitable[Response | None]],
                      streets: Callable[[], Mapping[str, str]], snapshot: Callable[[str | None], Snapshot],
                      events: Callable[[str | None, tuple[str, ...], str | None], AsyncIterator[bytes]],
                      event_id: str, unavailable: bool = False) -> None:
    """``GET /api/v1/snapshot`` and ``GET /api/v1/stream`` over whatever holds the state.

    Both check the caller and its scope (a street seat gets its street), then ``precheck``
    (the feed's fault modes, the gateway's readiness), then the scope's name. ``snapshot``
    gives the state of a scope; ``events(scope, topics, resume)`` the SSE body from a
    ``Last-Event-ID`` (header, or the ``last_event_id`` query) on; ``event_id`` says what
    the SSE id is, and ``unavailable`` whether the server may answer 503, for the OpenAPI
    document.
    """
    busy = (503,) if unavailable else ()

    async def admitted(authorization: str | None, scope: str | None) -> tuple[str | None, Response | None]:
        served, denied = await gate.ascoped(authorization, scope)
        if denied is None:
            denied = await precheck()
        if denied is None and served and served not in streets():
            denied = JSONResponse({"detail": f"未知的范围（街道）：{served}"}, status_code=422)
        return served, denied

    @app.get("/api/v1/snapshot", response_model=Snapshot | SnapshotPage, tags=["stream"],
             responses=answers(401, 403, 409, 422, *busy,
                               s403={"description": "A street seat asked for another street"},
                               s409={"description": "Paged snapshot: the state's order changed, start again"},
                               s422={"description": "Unknown scope (street), a page token that is not one, "
                                                    "or a parameter of the wrong type"}))
    async def snapshot_route(
        scope: str | None = Query(None, **SCOPE_DOC),
        page_size: int | None = Query(
            None, description=f"分页：每页设备与摄像机的条数，取值限定在 {PAGE_SIZE_MIN}–{PAGE_SIZE_MAX} 之间"
                              "（超出则取边界值）；缺省且无 page 时不分页，返回整个快照"),
        page: str | None = Query(
            None, description="分页：上一页 next 给出的令牌（原样传回）；有它时返回 SnapshotPage，"
                              "状态次序已变则 409（从第一页重新开始）",
            # Documented only: the route refuses another shape itself, naming the token (422).
            json_schema_extra={"pattern": PAGE_TOKEN_PATTERN}),
        authorization: str | None = Security(BEARER),
    ) -> Response:
        """The whole current state plus the stream cursor (a street seat's token: its street only).

        With ``page_size`` it comes in pages: the first (a Snapshot) holds everything but
        the devices and cameras beyond the page, and ``next``; each ``page=next`` gives a
        SnapshotPage with the following ones, until a page has no ``next``. 409 when the
        state's order changed meanwhile (start again); 422 for a token that is not one.
        """
        served, denied = await admitted(authorization, scope)
        if denied is not None:
            return denied
        snap = snapshot(served or None)
        if page_size is None and page is None:
            return snapshot_response(snap)
        try:
            body = snapshot_page(snap, page_size or PAGE_SIZE_MAX, page)
        except PageMoved:
            return JSONResponse({"detail": "快照已变化，请重新获取"}, status_code=409)
        except ValueError:
            return JSONResponse({"detail": f"无效的分页令牌：{page}"}, status_code=422)
        return snapshot_response(body)

    # response_class=Response (no media type of its own): the 200 declares text/event-stream
    # alone and the refusals application/json, as they are sent.
    @app.get("/api/v1/stream", tags=["stream"], response_class=Response,
             responses={200: {"content": {"text/event-stream": {"schema": {"type": "string"}}},
                              "description": f"SSE: id = {event_id}, data = one Envelope (console.models); "
                                             "comment lines keep the connection alive; it does not end"},
                        **answers(401, 403, 422, *busy,
                                  s403={"description": "A street seat asked for another street"},
                                  s422={"description": "Unknown scope (street)"})})
    async def stream_route(
        scope: str | None = Query(None, **SCOPE_DOC),
        topics: str | None = Query(None, description="逗号分隔的类型或类型族，如 alert,reading.batch"),
        last_event_id_q: str | None = Query(None, alias="last_event_id",
                                            description="从此事件 id 之后续传（浏览器 EventSource 不能设请求头时用）"),
        last_event_id: str | None = Header(None, alias="Last-Event-ID", description="从此事件 id 之后续传"),
        authorization: str | None = Security(BEARER),
    ) -> Response:
        """Server-sent events: replay after Last-Event-ID, then live."""
        served, denied = await admitted(authorization, scope)
        if denied is not None:
            return denied
        wanted = tuple(t.strip() for t in (topics or "").split(",") if t.strip())
        resume = last_event_id if last_event_id is not None else last_event_id_q
        return StreamingResponse(events(served or None, wanted, resume), media_type="text/event-stream",
                                 headers=SSE_HEADERS)


def add_catalogue_routes(app: FastAPI, gate: Gate, layers: Callable[[], Layers], *, unavailable: bool = False) -> None:
    """``GET /api/v1/layers``, ``/api/v1/layers/{id}`` (GeoJSON) and ``/api/v1/plans``.

    ``unavailable``: the token store may be unreachable (503), for the OpenAPI document.
    """
    busy = (503,) if unavailable else ()

    @app.get("/api/v1/layers", response_model=LayerList, tags=["catalogue"], responses=answers(401, *busy))
    async def layer_list(authorization: str | None = Security(BEARER)) -> Response:
        """Map layers the gateway serves (GeoJSON)."""
        user = await gate.auser_of(authorization)
        if isinstance(user, JSONResponse):
            return user
        infos = [LayerInfo(id=lid, feature_count=len(fc["features"]), **info)  # type: ignore[arg-type]
                 for lid, (info, fc) in layers().items()]
        return model_response(LayerList(layers=tuple(infos)))

    @app.get("/api/v1/layers/{layer_id}", tags=["catalogue"], response_class=Response,
             responses={200: {"content": {"application/geo+json": {"schema": _FEATURE_COLLECTION}},
                              "description": "RFC 7946 FeatureCollection"},
                        **answers(401, 404, *busy, s404={"description": "No layer with this id"})})
    async def layer(layer_id: str = PathParam(examples=["streets"]),
                    authorization: str | None = Security(BEARER)) -> Response:
        """One layer as an RFC 7946 FeatureCollection."""
        user = await gate.auser_of(authorization)
        if isinstance(user, JSONResponse):
            return user
        entry = layers().get(layer_id)
        if entry is None:
            return JSONResponse({"detail": f"图层 {layer_id} 不存在"}, status_code=404)
        return Response(json.dumps(entry[1], ensure_ascii=False), media_type="application/geo+json")

    @app.get("/api/v1/plans", response_model=PlanList, tags=["catalogue"], responses=answers(401, *busy))
    async def plans(authorization: str | None = Security(BEARER)) -> Response:
        """Contingency plans, one per incident type."""
        user = await gate.auser_of(authorization)
        if isinstance(user, JSONResponse):
            return user
        return model_response(plan_list())


def add_identity_args(p: argparse.ArgumentParser, prog: str) -> None:
    """The flags that say who may log in (users file, demo seats, identity provider, token lifetimes)."""
    p.add_argument("--users", default=None, metavar="FILE",
                   help=f"accounts with scrypt password hashes (made with: {prog} users add …)")
    p.add_argument("--jwks", default=None, metavar="FILE_OR_URL",
                   help="accept bearer JWTs of the district's identity provider, checked against this JWKS")
    p.add_argument("--jwt-issuer", default=None, help="required iss of identity-provider tokens")
    p.add_argument("--jwt-audience", default=None, help="required aud of identity-provider tokens")
    p.add_argument("--demo-users", action="store_true",
                   help="the demo seats (duty, viewer, chief, admin, maluan, maluan_chief; password = name)")
    p.add_argument("--token-ttl-s", type=float, default=DEFAULT_TOKEN_TTL_S, help="access token lifetime")
    p.add_argument("--refresh-ttl-s", type=float, default=DEFAULT_REFRESH_TTL_S, help="refresh token lifetime")


def token_book(args: argparse.Namespace, *, open_seat: bool = False) -> TokenBook:
    """Who may log in: the users file, or the demo seats; identity-provider JWTs when a JWKS is
    given. Anonymous callers are refused, except the test seat when ``open_seat``."""
    from pathlib import Path

    if args.users is not None and args.demo_users:
        raise ValueError("--users 与 --demo-users 只能选一个")
    if args.users is not None:
        users = UserDirectory.load(Path(args.users))
    elif args.demo_users:
        users = UserDirectory.demo()
    else:
        users = UserDirectory()  # nobody logs in with a password (identity-provider tokens only)
    verifier = None
    if args.jwks:
        if not args.jwt_issuer or not args.jwt_audience:
            raise ValueError("--jwks 须同时给出 --jwt-issuer 与 --jwt-audience")
        verifier = JwtVerifier(args.jwks, issuer=args.jwt_issuer, audience=args.jwt_audience)
        verifier.refresh_keys()
    return TokenBook(token_ttl_s=args.token_ttl_s, refresh_ttl_s=args.refresh_ttl_s, require_login=not open_seat,
                     users=users, jwt=verifier, anonymous=OPEN_SEAT if open_seat else ANONYMOUS)


def add_roster_route(app: FastAPI, gate: Gate, roster: Callable[[], Roster], *, unavailable: bool = False) -> None:
    """``GET /api/v1/roster``: today's duty roster (值班表) per centre and today's 查岗,
    as the rulebook's :class:`~district.duty.DutyBook` decides them (the feed and the gateway alike)."""
    busy = (503,) if unavailable else ()

    @app.get("/api/v1/roster", response_model=Roster, tags=["duty"], responses=answers(401, *busy))
    async def duty_roster(authorization: str | None = Security(BEARER)) -> Response:
        """Today's duty officers per centre (phone, SIP URI, shift, handover) and today's check-ins."""
        user = await gate.auser_of(authorization)
        if isinstance(user, JSONResponse):
            return user
        return model_response(roster())

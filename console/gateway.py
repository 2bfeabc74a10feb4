"""The district gateway's HTTP API as the console uses it (wire contract v1).

One ``httpx.AsyncClient`` per console: snapshot, the SSE stream, commands, layers
and plans.  The stream is parsed from raw bytes by :mod:`console.sse` (not by
httpx-sse, which decodes text with replacement characters; see that module), and
it is guarded by a keep-alive watchdog: the gateway sends a comment line at least
every few seconds, so a connection that delivers no byte at all for
``keepalive_timeout_s`` is dead even if TCP has not noticed yet.

A client may know several gateways of one district (replicas on one JetStream
stream: same event ids, same tokens). It talks to one at a time, ``base_url``;
whoever sees that one fail (:func:`gateway_down`) calls :meth:`GatewayClient.fail_over`
and every later call goes to the next one. Login and refresh try each in turn.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import ssl
from pathlib import Path
from typing import Any, AsyncGenerator, Callable, Sequence, TypeVar

import httpx
from pydantic import BaseModel

from console.bulk import collector_paused
from console.events import Event
from console.models import AnchorList, Command, LayerList, PlanList, Roster, Snapshot, SnapshotPage, TokenResponse
from console.sse import DEFAULT_MAX_EVENT_BYTES, SseEvent, SseParser
from console.texts import DisplayText, render, say, verbatim
from console.transport import TrustError, ignored_environment, log_cleartext, system_trust

__all__ = [
    "GatewayClient",
    "GatewayError",
    "GatewayHttpError",
    "GatewayProtocolError",
    "GatewayAuthError",
    "is_tls_error",
    "load_ca",
    "trust_for",
    "StreamStalled",
    "SseEvent",
    "describe_error",
    "gateway_down",
]

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 5.0
REQUEST_TIMEOUT_S = 15.0
KEEPALIVE_TIMEOUT_S = 30.0
SNAPSHOT_PAGE_SIZE = 20_000
"""Devices and cameras per snapshot page (100,000 devices: six pages of about 7 MB)."""
SNAPSHOT_RESTARTS = 3
"""A paged snapshot whose order changed underneath (409) starts again this often, then
the whole document is taken in one piece."""


_M = TypeVar("_M", bound=BaseModel)

class GatewayError(Exception):
    """A gateway call failed; ``reason`` is a short Chinese text for the status bar, ``text``
    the same as a code for the views to translate (a verbatim ``reason`` when there is none)."""

    def __init__(self, reason: str | DisplayText) -> None:
        self.text = reason if isinstance(reason, DisplayText) else verbatim(reason)
        self.reason = render(self.text)
        super().__init__(self.reason)


class GatewayHttpError(GatewayError):
    """The gateway answered with an unexpected HTTP status."""

    def __init__(self, status: int, detail: str = "") -> None:
        super().__init__(say("http_status_detail", status=status, detail=detail[:80]) if detail
                         else say("http_status", status=status))
        self.status = status
        self.detail = detail


class GatewayAuthError(GatewayHttpError):
    """401 (or 400 from the token endpoint): not logged in, wrong password, token expired or revoked.

    ``reason`` is the gateway's own Chinese detail (e.g. 用户名或密码错误)."""

    def __init__(self, status: int, detail: str = "") -> None:
        super().__init__(status, detail)
        self.text = verbatim(detail) if detail else say("login_again")
        self.reason = render(self.text)
        self.args = (self.reason,)


class GatewayProtocolError(GatewayError):
    """The gateway answered 200 but not with what the contract promises."""


class StreamStalled(GatewayError):
    """No byte (event or keep-alive comment) arrived within the watchdog period."""


_VERIFY_CODES = {
    2: "cert_issuer_missing",
    9: "cert_not_yet_valid",
    10: "cert_expired",
    18: "cert_self_signed",
    19: "cert_chain_foreign",
    20: "cert_foreign",
    21: "cert_foreign",
    23: "cert_revoked",
    62: "cert_host_mismatch",
    64: "cert_host_mismatch",
}
"""OpenSSL verify codes the operator may meet, as display-text codes (others keep OpenSSL's text)."""


def _tls_cause(exc: BaseException) -> ssl.SSLError | None:
    """The ssl error inside an httpx error (httpx wraps it, sometimes twice)."""
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        if isinstance(cur, ssl.SSLError):
            return cur
        cur = cur.__cause__ or cur.__context__
    return None


def is_tls_error(exc: BaseException) -> bool:
    """Whether a failure is the TLS handshake's (untrusted or mismatched certificate, …)."""
    return _tls_cause(exc) is not None


def describe_error(exc: BaseException) -> str:
    """A short Chinese description of a network failure (:func:`error_text` in the source language)."""
    return render(error_text(exc))


def error_text(exc: BaseException) -> DisplayText:
    """What a network failure means for the operator, as a code for ``ConnectionState.detail_text``."""
    if isinstance(exc, GatewayError):
        return exc.text
    tls = _tls_cause(exc)
    if isinstance(tls, ssl.SSLCertVerificationError):
        code = _VERIFY_CODES.get(tls.verify_code)
        why = say(code) if code else verbatim(tls.verify_message or tls.reason or str(tls))
        return say("cert_unverified", why=why)
    if tls is not None:
        return say("tls_failed", why=tls.reason or type(tls).__name__)
    if isinstance(exc, httpx.ConnectTimeout):
        return say("connect_timeout")
    if isinstance(exc, httpx.ConnectError):
        return say("gateway_unreachable")
    if isinstance(exc, httpx.ReadTimeout):
        return say("read_timeout")
    if isinstance(exc, httpx.TimeoutException):
        return say("request_timeout")
    if isinstance(exc, (httpx.RemoteProtocolError, httpx.ReadError)):
        return say("cut_by_gateway")
    if isinstance(exc, httpx.HTTPError):
        return say("network_error", kind=type(exc).__name__)
    return say("internal_error", kind=type(exc).__name__, message=str(exc)[:60])


def gateway_down(exc: BaseException) -> bool:
    """Whether a failure says the gateway itself stopped answering (unreachable, cut, stalled,
    5xx, not speaking the contract) — a reason to try another one — rather than refusing us."""
    if isinstance(exc, GatewayHttpError):
        return exc.status >= 500
    return isinstance(exc, (httpx.TransportError, StreamStalled, GatewayProtocolError))


def _detail_of(body: bytes) -> str:
    """The ``detail`` or ``reason`` of an error body, else its first line."""
    try:
        doc = json.loads(body)
        if isinstance(doc, dict):
            for key in ("reason", "detail"):
                if isinstance(doc.get(key), str):
                    return str(doc[key])
    except ValueError:
        pass
    return body[:200].decode("utf-8", errors="replace").splitlines()[0] if body.strip() else ""


def load_ca(path: str | Path) -> ssl.SSLContext:
    """An SSL context trusting the CA bundle at ``path`` (file or hashed directory).

    Verification stays on: hostname and chain are checked as for any public site.
    Raises :class:`GatewayError` with a Chinese reason when the bundle is missing or unreadable.
    """
    ca = Path(path)
    try:
        if ca.is_dir():
            return ssl.create_default_context(capath=str(ca))
        return ssl.create_default_context(cafile=str(ca))
    except FileNotFoundError:
        raise GatewayError(f"CA 证书文件不存在：{ca.name}") from None
    except (OSError, ssl.SSLError, ValueError) as exc:
        raise GatewayError(f"CA 证书文件无法读取（{ca.name}）：{type(exc).__name__}") from None


def trust_for(verify: bool | str | Path) -> ssl.SSLContext:
    """The SSL context for ``verify``: a CA bundle's path trusts that CA alone
    (:func:`load_ca`), True the system store plus ``SSL_CERT_FILE``/``SSL_CERT_DIR``
    (:func:`console.transport.system_trust`). Raises :class:`GatewayError` (Chinese)."""
    if isinstance(verify, (str, Path)):
        for name in ignored_environment():
            log.info("%s is set but not used: --ca %s is the only CA trusted", name, Path(verify).name)
        return load_ca(verify)
    try:
        return system_trust()
    except TrustError as exc:
        raise GatewayError(str(exc)) from None


_NEXT_AT_END = re.compile(rb'"next"\s*:\s*("(?:[^"\\]|\\.)*")\s*}\s*$')


def _next_token(body: bytes) -> str | None:
    """The ``next`` token of a snapshot page read from the end of its raw body (the field
    comes last), or None; only a guess to ask for the next page early."""
    m = _NEXT_AT_END.search(body[-2048:])
    if m is None:
        return None
    try:
        token = json.loads(m.group(1))
    except ValueError:
        return None
    return token if isinstance(token, str) else None


def _drop(task: "asyncio.Future[Any] | None") -> None:
    """Cancel a request asked for early that is not wanted (its connection is closed)."""
    if task is not None and not task.done():
        task.cancel()
    elif task is not None and not task.cancelled():
        task.exception()  # retrieved: no "exception never retrieved" warning


class GatewayClient:
    """Typed access to the gateway's HTTP API.

    ``base_url`` may be ``https://…`` with ``verify`` a path to the CA bundle that
    signed the gateway's certificate (district intranets use their own CA). It may also
    be a list of the district's gateways, preferred first: calls go to the current one
    (``base_url``) until :meth:`fail_over` moves on.
    """

    def __init__(
        self,
        base_url: str | Sequence[str],
        *,
        verify: bool | str | Path = True,
        token: str | None = None,
        connect_timeout_s: float = CONNECT_TIMEOUT_S,
        request_timeout_s: float = REQUEST_TIMEOUT_S,
        keepalive_timeout_s: float = KEEPALIVE_TIMEOUT_S,
        max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES,
    ) -> None:
        urls = [base_url] if isinstance(base_url, str) else list(base_url)
        if not urls:
            raise ValueError("at least one gateway URL")
        self.base_urls: tuple[str, ...] = tuple(u.rstrip("/") for u in urls)
        self._current = 0
        self.switches = 0  # fail-overs so far (status bar, tests)
        self.switched: Event[[str, str]] = Event("gateway.switched")  # (from, to) after each fail-over
        self.token = token
        self.connect_timeout_s = connect_timeout_s
        self.request_timeout_s = request_timeout_s
        self.keepalive_timeout_s = keepalive_timeout_s
        self.max_event_bytes = max_event_bytes
        self.retry_ms: int | None = None  # the stream's last ``retry:`` hint
        self.snapshot_pages = 0  # requests the last snapshot took (paged snapshot)
        self.unauthorized: Event[[]] = Event("gateway.unauthorized")  # every 401 (AuthSession refreshes)
        if verify is False:
            # Issue 10: certificate verification is always on; a private CA goes in ``verify``.
            raise ValueError("certificate verification cannot be turned off; pass the CA bundle instead")
        for url in self.base_urls:
            log_cleartext(url)  # the status bar says it too (ConnectionState.transport_warning)
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            verify=trust_for(verify),  # never httpx's own choice: certifi, or SSL_CERT_FILE alone
            timeout=httpx.Timeout(request_timeout_s, connect=connect_timeout_s),
            headers={"User-Agent": "pingshan-console/1"},
        )

    # ------------------------------------------------------------------ which gateway

    @property
    def base_url(self) -> str:
        """The gateway in use."""
        return self.base_urls[self._current]

    def fail_over(self, failed: str | None = None) -> bool:
        """The gateway ``failed`` (default: the one in use) stopped answering: use the next one.

        True when it moved. False with a single gateway, or when ``failed`` is no longer the
        one in use (the stream and the outbox sender both notice one outage; it moves once).
        """
        if len(self.base_urls) < 2 or (failed is not None and failed.rstrip("/") != self.base_url):
            return False
        old = self.base_url
        self._current = (self._current + 1) % len(self.base_urls)
        self._http.base_url = httpx.URL(self.base_url)
        self.switches += 1
        log.warning("gateway %s not answering; now using %s", old, self.base_url)
        self.switched.emit(old, self.base_url)
        return True

    # ------------------------------------------------------------------ helpers

    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = dict(extra or {})
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers

    def _unauthorized(self) -> None:
        self.unauthorized.emit()  # a failing handler is logged, the request path goes on

    def _http_error(self, status: int, body: bytes) -> GatewayHttpError:
        if status == 401:
            self._unauthorized()
            return GatewayAuthError(status, _detail_of(body))
        return GatewayHttpError(status, _detail_of(body))

    async def _get(self, path: str, params: dict[str, str] | None = None) -> httpx.Response:
        resp = await self._http.get(path, params=params, headers=self._headers())
        if resp.status_code != 200:
            raise self._http_error(resp.status_code, resp.content)
        return resp

    async def _get_model(self, path: str, model: type[_M], what: str,
                         params: dict[str, str] | None = None) -> _M:
        """``GET path`` read as ``model``; a body that is not one is ``what`` 格式不符合接口约定."""
        resp = await self._get(path, params)
        try:
            return model.model_validate_json(resp.content)
        except ValueError as exc:
            raise GatewayProtocolError(f"{what}格式不符合接口约定") from exc

    # ------------------------------------------------------------------ identity

    async def _token(self, form: dict[str, str]) -> TokenResponse:
        # Any gateway of the district will do (they share the token store): try each in turn.
        for left in range(len(self.base_urls) - 1, -1, -1):
            used = self.base_url
            try:
                resp = await self._http.post("/api/v1/auth/token", data=form)
            except httpx.TransportError:
                if not left or not self.fail_over(used):
                    raise
                continue
            if resp.status_code >= 500 and left and self.fail_over(used):
                continue
            break
        if resp.status_code != 200:
            detail = _detail_of(resp.content)
            if resp.status_code in (400, 401):
                raise GatewayAuthError(resp.status_code, detail)
            raise GatewayHttpError(resp.status_code, detail)
        try:
            return TokenResponse.model_validate_json(resp.content)
        except ValueError as exc:
            raise GatewayProtocolError("登录应答格式不符合接口约定") from exc

    async def login(self, username: str, password: str) -> TokenResponse:
        """``POST /api/v1/auth/token`` (OAuth2 password grant). Does not set ``self.token``."""
        return await self._token({"grant_type": "password", "username": username, "password": password})

    async def refresh(self, refresh_token: str) -> TokenResponse:
        """``POST /api/v1/auth/token`` (refresh_token grant). Does not set ``self.token``."""
        return await self._token({"grant_type": "refresh_token", "refresh_token": refresh_token})

    async def login_required(self) -> bool:
        """Whether the gateway refuses an anonymous call (``GET /api/v1/layers`` answers 401)."""
        resp = await self._http.get("/api/v1/layers")
        return resp.status_code == 401

    @staticmethod
    def _scope_params(scope: str | None) -> dict[str, str]:
        return {"scope": scope} if scope else {}

    # ------------------------------------------------------------------ contract

    async def snapshot(self, scope: str | None = None, *, page_size: int | None = SNAPSHOT_PAGE_SIZE) -> Snapshot:
        """``GET /api/v1/snapshot``: the whole current state plus the stream cursor.

        With ``page_size`` it asks for pages and puts them together into one Snapshot: a
        few megabytes per request instead of one document of tens, each parsed while the
        event loop stays free between them. A gateway that does not page answers the whole
        document (no ``next``), which is taken as it is. ``page_size=None``: one request.
        ``snapshot_pages`` says how many requests the last snapshot took.
        """
        # The collector stays paused over all the pages (console.bulk): the objects of the
        # first page are not walked while the next ones arrive, and all are frozen at the end.
        with collector_paused(keep=True):
            return await self._snapshot(scope, page_size)

    async def _snapshot(self, scope: str | None, page_size: int | None) -> Snapshot:
        params = self._scope_params(scope)
        if page_size:
            try:
                paged = await self._paged_snapshot(params, page_size)
            except GatewayHttpError as exc:
                if exc.status not in (400, 409, 422):
                    raise
                # A gateway that refuses the paging parameters, or whose order keeps moving:
                # the whole document.
                log.info("paged snapshot refused (%s): one document", exc.status)
            else:
                if paged is not None:
                    return paged
        resp = await self._get("/api/v1/snapshot", params)
        self.snapshot_pages = 1
        return self._parse_snapshot(Snapshot, resp.content)

    async def _paged_snapshot(self, params: dict[str, str], page_size: int) -> Snapshot | None:
        """The pages of one snapshot put together; None when the order kept changing.

        The next page is asked for before this one is parsed (its token read from the end
        of the raw body), so that the gateway builds it meanwhile; the parsed ``next``
        decides, a wrong guess is dropped.
        """
        asked = {**params, "page_size": str(page_size)}
        for _attempt in range(SNAPSHOT_RESTARTS + 1):
            body = (await self._get("/api/v1/snapshot", asked)).content
            first: Snapshot | None = None
            devices: list[tuple[Any, ...]] = []
            cameras: list[tuple[Any, ...]] = []
            pages = 0
            ahead: asyncio.Future[httpx.Response] | None = None
            try:
                while True:
                    guess = _next_token(body)
                    if guess is not None:
                        ahead = asyncio.ensure_future(self._get("/api/v1/snapshot", {**asked, "page": guess}))
                    page = self._parse_snapshot(Snapshot if first is None else SnapshotPage, body)
                    pages += 1
                    if first is None:
                        first = page
                    devices.append(page.devices)
                    cameras.append(page.cameras)
                    if page.next is None:
                        break
                    if ahead is None or guess != page.next:
                        _drop(ahead)
                        ahead = asyncio.ensure_future(self._get("/api/v1/snapshot", {**asked, "page": page.next}))
                    body = (await ahead).content
                    ahead = None
            except GatewayHttpError as exc:
                if exc.status == 409:
                    log.info("snapshot changed order while paging: starting again")
                    continue
                raise
            finally:
                _drop(ahead)
            assert first is not None
            self.snapshot_pages = pages
            if pages == 1:
                return first
            return first.model_copy(update={"devices": tuple(d for part in devices for d in part),
                                            "cameras": tuple(c for part in cameras for c in part),
                                            "next": None})
        return None

    @staticmethod
    def _parse_snapshot(model: Any, body: bytes) -> Any:
        try:
            with collector_paused():  # hundreds of thousands of objects at once (console.bulk)
                return model.model_validate_json(body)
        except ValueError as exc:
            raise GatewayProtocolError(f"快照格式不符合接口约定（{str(exc).splitlines()[0][:80]}）") from exc

    async def stream(
        self,
        last_event_id: str | None = None,
        scope: str | None = None,
        *,
        on_open: Callable[[], None] | None = None,
    ) -> AsyncGenerator[SseEvent, None]:
        """``GET /api/v1/stream``: yield events until the connection ends.

        Sends ``Last-Event-ID`` itself (httpx has no EventSource), checks the status
        and content type before reading, records ``retry:`` in ``self.retry_ms``
        and calls ``on_open`` once the stream has answered.  Ends normally at EOF
        (an event cut off there is discarded); raises :class:`GatewayError`
        subclasses or ``httpx.HTTPError`` on failure, :class:`StreamStalled` when
        the watchdog fires.
        """
        headers = {"Accept": "text/event-stream", "Cache-Control": "no-store"}
        if last_event_id:
            headers["Last-Event-ID"] = last_event_id
        # httpx applies the read timeout to each socket read (and to waiting for the
        # response head), which is exactly the watchdog: no byte for N s = dead.
        timeout = httpx.Timeout(self.request_timeout_s, connect=self.connect_timeout_s,
                                read=self.keepalive_timeout_s)
        try:
            async with self._http.stream("GET", "/api/v1/stream", params=self._scope_params(scope),
                                         headers=self._headers(headers), timeout=timeout) as resp:
                if resp.status_code != 200:
                    body = b""
                    async for part in resp.aiter_bytes():
                        body += part
                        if len(body) > 4096:
                            break
                    raise self._http_error(resp.status_code, body)
                ctype = resp.headers.get("content-type", "").partition(";")[0].strip().lower()
                if ctype != "text/event-stream":
                    raise GatewayProtocolError(f"事件流类型错误：{ctype or '无'}（应为 text/event-stream）")
                if on_open is not None:
                    on_open()
                parser = SseParser(last_event_id=last_event_id, max_event_bytes=self.max_event_bytes)
                async for chunk in resp.aiter_bytes():
                    events = parser.feed(chunk)
                    if parser.retry_ms is not None:
                        self.retry_ms = parser.retry_ms
                    for event in events:
                        yield event
                parser.close()
        except httpx.ReadTimeout as exc:
            raise StreamStalled(f"{self.keepalive_timeout_s:g} 秒未收到任何数据（含心跳）") from exc

    async def post_command(self, cmd: Command | str | bytes) -> tuple[int, bytes]:
        """``POST /api/v1/commands`` with ``Idempotency-Key`` = command id.

        Accepts the model or its JSON (the outbox stores the exact body, so a resend
        is byte-identical).  Returns the HTTP status and the raw body; network
        failures raise ``httpx.HTTPError``.
        """
        if isinstance(cmd, Command):
            body = cmd.model_dump_json().encode("utf-8")
            command_id = cmd.id
        else:
            body = cmd.encode("utf-8") if isinstance(cmd, str) else bytes(cmd)
            command_id = str(json.loads(body)["id"])
        resp = await self._http.post(
            "/api/v1/commands", content=body,
            headers=self._headers({"Content-Type": "application/json", "Idempotency-Key": command_id}),
        )
        if resp.status_code == 401:
            self._unauthorized()
        return resp.status_code, resp.content

    async def roster(self) -> Roster:
        """``GET /api/v1/roster``: today's duty roster (值班表) and 查岗."""
        return await self._get_model("/api/v1/roster", Roster, "值班表")

    async def layers(self) -> LayerList:
        """``GET /api/v1/layers``: the map layers the gateway serves."""
        return await self._get_model("/api/v1/layers", LayerList, "图层列表")

    async def layer(self, layer_id: str) -> dict[str, Any]:
        """``GET /api/v1/layers/{id}``: one layer as a GeoJSON FeatureCollection."""
        resp = await self._get(f"/api/v1/layers/{layer_id}")
        try:
            doc = json.loads(resp.content)
        except ValueError as exc:
            raise GatewayProtocolError(f"图层 {layer_id} 不是有效的 GeoJSON") from exc
        if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
            raise GatewayProtocolError(f"图层 {layer_id} 不是 GeoJSON FeatureCollection")
        return doc

    async def plans(self) -> PlanList:
        """``GET /api/v1/plans``: the contingency plans."""
        return await self._get_model("/api/v1/plans", PlanList, "预案列表")

    async def post_anchor(self, seq: int, digest: str) -> tuple[int, bytes]:
        """``POST /api/v1/audit/anchors``: anchor this seat's audit-chain head; (status, raw body)."""
        resp = await self._http.post("/api/v1/audit/anchors", json={"seq": seq, "hash": digest},
                                     headers=self._headers())
        if resp.status_code == 401:
            self._unauthorized()
        return resp.status_code, resp.content

    async def anchors(self, seat: str | None = None) -> AnchorList:
        """``GET /api/v1/audit/anchors``: a seat's anchored heads (default: the caller's)."""
        return await self._get_model("/api/v1/audit/anchors", AnchorList, "审计锚点列表", {"seat": seat} if seat else None)

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

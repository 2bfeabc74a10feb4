"""Audit anchors over HTTP (both servers) and in JetStream (the gateway).

:func:`add_anchor_routes` declares ``POST /api/v1/audit/anchors`` and ``GET
/api/v1/audit/anchors`` for the embedded feed and the gateway alike; the rules (whose seat,
who may read, the server's time) are the rulebook's (:mod:`district.anchors`); where the
anchors are kept is the caller's ``record``/``listing``.

The gateway keeps them in its own stream ``PINGSHAN_AUDIT`` (file storage, ``--stream-replicas``
copies), one message per stored anchor on ``pingshan.audit.<seat token>`` (the
:class:`~console.models.AnchoredHead` JSON). Every replica folds that stream into an
:class:`~district.anchors.AnchorBook` with an ordered consumer, and catches up to the
stream's last sequence before it answers, so a console anchoring on one replica and
verifying on another sees its anchor. The stream is not sourced between nodes: a seat
anchors where it logs in.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable

from fastapi import FastAPI, Query, Security
from fastapi.responses import JSONResponse, Response
from nats.aio.msg import Msg
from nats.js.api import DeliverPolicy, StorageType, StreamConfig
from nats.js.errors import NotFoundError

from console.models import AnchoredHead, AnchorList, AuditAnchor
from district.anchors import AnchorBook, anchor_refusal, reader_refusal, seat_of, utc_now
from gateway.stream import EventLog, token
from gateway.web import BEARER, Gate, answers, model_response

log = logging.getLogger("gateway.anchors")

AUDIT_STREAM = "PINGSHAN_AUDIT"
AUDIT_SUBJECTS = ["pingshan.audit.>"]
CATCH_UP_S = 5.0

Record = Callable[[str, AuditAnchor], Awaitable[tuple[AnchoredHead, bool]]]
Listing = Callable[[str], Awaitable[tuple[AnchoredHead, ...]]]


def add_anchor_routes(app: FastAPI, gate: Gate, *, record: Record, listing: Listing,
                      unavailable: bool = False) -> None:
    """The two anchor endpoints over ``record(seat, anchor) -> (head, stored)`` and ``listing(seat)``.

    ``unavailable``: the server may answer 503 (its store or token store unreachable).
    """
    busy = (503,) if unavailable else ()

    @app.post("/api/v1/audit/anchors", status_code=201, response_model=AnchoredHead, tags=["audit"],
              responses={200: {"model": AnchoredHead, "description": "The seat's newest anchor already says this"},
                         **answers(401, 403, 422, *busy,
                                   s403={"description": "Anonymous caller, or another seat than the caller's"})})
    async def post_anchor(anchor: AuditAnchor, authorization: str | None = Security(BEARER)) -> Response:
        """Anchor the head of the caller's audit chain; the server records the time it received it."""
        user = await gate.auser_of(authorization)
        if isinstance(user, JSONResponse):
            return user
        refusal = anchor_refusal(user, anchor)
        if refusal is not None:
            return JSONResponse({"detail": refusal[1]}, status_code=refusal[0])
        try:
            head, stored = await record(str(seat_of(user)), anchor)
        except Exception:  # noqa: BLE001 - the store is unreachable: the console tries again later
            log.warning("anchor not stored", exc_info=True)
            return JSONResponse({"detail": "锚点存储暂不可用，请稍后重试"}, status_code=503, headers={"Retry-After": "2"})
        return model_response(head, 201 if stored else 200)

    @app.get("/api/v1/audit/anchors", response_model=AnchorList, tags=["audit"],
             responses=answers(401, 403, 422, *busy,
                               s403={"description": "Another seat's anchors, asked by a seat below supervisor"}))
    async def get_anchors(seat: str | None = Query(None, max_length=128,
                                                   description="席位（登录用户名）；缺省为调用者本人。"
                                                               "值班长与管理员可查看任一席位"),
                          authorization: str | None = Security(BEARER)) -> Response:
        """A seat's anchored heads, oldest first (what ``audit verify --against`` checks a cache against)."""
        user = await gate.auser_of(authorization)
        if isinstance(user, JSONResponse):
            return user
        wanted, refusal = reader_refusal(user, seat or None)
        if refusal is not None or wanted is None:
            status, reason = refusal or (403, "")
            return JSONResponse({"detail": reason}, status_code=status)
        try:
            heads = await listing(wanted)
        except Exception:  # noqa: BLE001
            log.warning("anchors not read", exc_info=True)
            return JSONResponse({"detail": "锚点存储暂不可用，请稍后重试"}, status_code=503, headers={"Retry-After": "2"})
        return model_response(AnchorList(seat=wanted, anchors=heads))


class JetStreamAnchors:
    """The gateway's anchor log: stream ``PINGSHAN_AUDIT`` folded into an :class:`AnchorBook`."""

    def __init__(self, events: EventLog) -> None:
        self.events = events
        self.book = AnchorBook()
        self.folded = 0
        self._sub: Any = None
        self._lock = asyncio.Lock()
        self._moved = asyncio.Event()

    async def start(self) -> None:
        """Create (or adopt) the stream and fold it from its start; call after ``events.connect()``."""
        js = self.events.js
        assert js is not None, "EventLog.connect() first"
        try:
            await js.stream_info(AUDIT_STREAM)
        except NotFoundError:
            await js.add_stream(StreamConfig(name=AUDIT_STREAM, subjects=AUDIT_SUBJECTS, storage=StorageType.FILE,
                                             num_replicas=self.events.replicas,
                                             description="Pingshan audit anchors: consoles' chain heads per seat"))

        async def fold(msg: Msg) -> None:
            try:
                self.book.add(AnchoredHead.model_validate_json(msg.data))
            except ValueError:
                log.warning("unreadable anchor at %s", msg.metadata.sequence.stream)
            self.folded = int(msg.metadata.sequence.stream)
            self._moved.set()

        self._sub = await js.subscribe("pingshan.audit.>", cb=fold, ordered_consumer=True, stream=AUDIT_STREAM,
                                       deliver_policy=DeliverPolicy.ALL)
        await self.catch_up()

    async def stop(self) -> None:
        if self._sub is not None:
            try:
                await self._sub.unsubscribe()
            except Exception:  # noqa: BLE001 - the connection may already be gone
                pass

    async def catch_up(self, timeout: float = CATCH_UP_S) -> None:
        """Fold what the stream holds now (another replica may have stored anchors meanwhile)."""
        js = self.events.js
        assert js is not None
        last = int((await js.stream_info(AUDIT_STREAM)).state.last_seq)
        await self._wait_for(last, timeout)

    async def _wait_for(self, seq: int, timeout: float) -> None:
        async with asyncio.timeout(timeout):
            while self.folded < seq:
                self._moved.clear()
                await self._moved.wait()

    async def record(self, seat: str, anchor: AuditAnchor) -> tuple[AnchoredHead, bool]:
        """Store ``anchor`` for ``seat`` unless it repeats the seat's newest; (head, stored)."""
        async with self._lock:  # two posts of one console in a row: the second sees the first
            await self.catch_up()
            same = self.book.repeats(seat, anchor)
            if same is not None:
                return same, False
            head = AnchoredHead(seat=seat, seq=anchor.seq, hash=anchor.hash, received_at=utc_now())
            js = self.events.js
            assert js is not None
            ack = await js.publish(f"pingshan.audit.{token(seat)}", head.model_dump_json().encode("utf-8"),
                                   stream=AUDIT_STREAM)
            await self._wait_for(int(ack.seq), CATCH_UP_S)
            return head, True

    async def listing(self, seat: str) -> tuple[AnchoredHead, ...]:
        await self.catch_up()
        return self.book.anchors(seat)

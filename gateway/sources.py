"""Warnings and citizen events over HTTP: CAP 1.2 and JSON into the district's event stream, once each.

``POST /api/v1/ingest/cap``
    One CAP 1.2 message (``application/cap+xml``, ``application/xml`` or ``text/xml``),
    checked by :mod:`console.cap`. An Alert makes an ``early_warning`` alert (id
    ``console.cap.console_alert_id``); an Update or Cancel changes or closes the alert
    made from the message it references (the :class:`~console.cap.CapLedger` rules,
    applied to the replica's current alert, operators' changes included); Ack and Error
    change nothing.
``POST /api/v1/ingest/events``
    One citizen event (:class:`district.sources.CitizenEvent`, JSON): a new alert whose
    id follows from ``source`` and ``external_id``.

**Who.** Header ``X-Api-Key``: a key of the sources file (``--sources FILE``) or a demo
key (``--demo-sources``); :mod:`district.sources`. None or unknown: 401; a key of the
other kind, or an event ``source`` / CAP ``sender`` the key may not post: 403.

**Bad input changes nothing.** A body over ``district.limits.MAX_BODY_BYTES`` (413) or
without a length (411) is refused before it is read; XML that is not well formed, has a
DOCTYPE or an entity (no expansion bombs), or JSON that does not parse: 400; a CAP
message that breaks CAP 1.2, or an event field out of bounds: 422, the element or field
named in ``detail`` (Chinese). Only a message that passed every check is stored.

**Once.** The alert envelope goes into the stream as the commands' envelopes do
(:func:`gateway.replica.envelope_message`: phone masked in the body, in full in the
``Pingshan-Secret`` header), with ``Nats-Msg-Id`` = the message's own id (alert id, or
the CAP message's) and the subject's expected last sequence (0 for a new alert). So a
source that posts the same message again, to this replica or another, at once or much
later, gets 200 and the same alert id, and the alert is stored once; an operator's
command on the same alert in the same instant makes the stream refuse one of the two,
and the loser catches up and decides again.

``/metrics``: ``pingshan_gateway_ingest_messages_total{source,outcome}`` (outcome
accepted, duplicate, ignored, rejected, failed) and
``pingshan_gateway_ingest_rejected_total{reason}``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Awaitable, Callable

from fastapi import FastAPI, Request, Security
from fastapi.responses import JSONResponse, Response
from fastapi.security import APIKeyHeader
from pydantic import BaseModel, ValidationError

from console.cap import CapAlert, CapError, CapLedger, console_alert_id, parse_cap
from console.models import Alert
from district.catalogue import catalogue
from district.limits import MAX_BODY_BYTES
from district.sources import CitizenEvent, Source, SourceDirectory, event_alert, event_alert_id, event_problem
from district.vocabulary import DISTRICT_TZ
from gateway.replica import Replica, envelope_message
from gateway.stream import Conflict, Event

log = logging.getLogger("gateway.sources")

API_KEY = APIKeyHeader(name="X-Api-Key", scheme_name="sourceKey", auto_error=False,
                       description="接入源的密钥（pingshan-gateway sources add …）")
"""``x_api_key: str | None = Security(API_KEY)``: the header, or None (the route answers 401 itself)."""

INGEST_PREFIX = "/api/v1/ingest/"
CAP_PATH = INGEST_PREFIX + "cap"
EVENTS_PATH = INGEST_PREFIX + "events"
CAP_TYPES = ("application/cap+xml", "application/xml", "text/xml")
MAX_ROUNDS = 8
OUTCOMES = ("accepted", "duplicate", "ignored", "rejected", "failed")
NOT_WELL_FORMED = ("XML", "CAP 消息不允许", "无法按", "不支持的字符编码")
"""How console.cap's reasons for a message that is not XML at all begin (400, not 422)."""
REASONS = ("no_key", "bad_key", "wrong_kind", "wrong_source", "wrong_sender", "no_length", "oversize", "media_type",
           "not_xml", "bad_cap", "unknown_reference", "not_json", "bad_event", "contention", "unavailable")


class IngestAnswer(BaseModel):
    """What a source is told when its message was taken (202) or had been taken before (200)."""

    alert_id: str | None
    rev: int | None
    action: str  # created | updated | cancelled | duplicate | ignored
    problems: list[str] = []


class IngestRefused(BaseModel):
    """A refused message: nothing was stored. ``element`` (CAP) or ``field`` (event) names what is at fault."""

    detail: str
    reason: str
    element: str | None = None
    field: str | None = None


class CapIndex:
    """CAP message (sender, identifier) → the alert it made or changed, kept up by the replica's fold.

    Every version of an early-warning alert carries the CAP message that made it, so the
    fold sees every message applied, on every replica, after restarts too.
    """

    def __init__(self) -> None:
        self.owner: dict[tuple[str, str], str] = {}

    def watch(self, ev: Event) -> None:
        if ev.etype != "alert.upsert" or b'"early_warning"' not in ev.data:
            return
        try:
            payload = json.loads(ev.data)["payload"]
            if payload.get("cap"):
                self.owner[parse_cap(payload["cap"]).key] = str(payload["id"])
        except (ValueError, KeyError, TypeError):  # CapError is a ValueError; an old alert's XML may be odd
            return


@dataclass
class _Store:
    """A decision to store one alert envelope."""

    alert: Alert
    action: str
    msg_id: str
    problems: list[str] = field(default_factory=list)


class SourceIngest:
    """The HTTP ingest of one gateway replica: checks, decides on the replica's state, stores once."""

    def __init__(self, replica: Replica, directory: SourceDirectory,
                 communities: Callable[[], dict[str, Any] | None]) -> None:
        self.replica = replica
        self.directory = directory
        self.communities = communities
        self.index = CapIndex()
        replica.watchers.append(self.index.watch)
        self.counts: dict[tuple[str, str], int] = {}
        self.rejected: dict[str, int] = {r: 0 for r in REASONS}

    # ------------------------------------------------------------------ answers

    def _count(self, source: str, outcome: str) -> None:
        self.counts[(source, outcome)] = self.counts.get((source, outcome), 0) + 1

    def refuse(self, status: int, reason: str, detail: str, source: str = "unknown", *, element: str | None = None,
               field_: str | None = None, headers: dict[str, str] | None = None) -> JSONResponse:
        self.rejected[reason] += 1
        self._count(source, "failed" if status >= 500 else "rejected")
        body = IngestRefused(detail=detail, reason=reason, element=element, field=field_)
        return JSONResponse(body.model_dump(exclude_none=True), status_code=status, headers=headers)

    def _answer(self, source: str, status: int, alert: Alert | None, action: str,
                problems: list[str] | tuple[str, ...] = ()) -> JSONResponse:
        self._count(source, {"duplicate": "duplicate", "ignored": "ignored"}.get(action, "accepted"))
        body = IngestAnswer(alert_id=alert.id if alert else None, rev=alert.rev if alert else None, action=action,
                            problems=list(problems))
        return JSONResponse(body.model_dump(), status_code=status)

    def admit(self, key: str | None, kind: str) -> Source | JSONResponse:
        """The source of ``key`` if it may post ``kind`` at all, else the 401/403 answer."""
        source = self.directory.identify(key)
        if source is None:
            if not key:
                return self.refuse(401, "no_key", "缺少接入密钥（X-Api-Key 请求头）",
                                   headers={"WWW-Authenticate": "ApiKey"})
            why = "接入密钥无效" if len(self.directory) else "接入密钥无效：本网关未配置接入源（--sources FILE）"
            return self.refuse(401, "bad_key", why, headers={"WWW-Authenticate": "ApiKey"})
        if source.kind != kind:
            return self.refuse(403, "wrong_kind", str(source.refusal(kind, "")), source.name)
        return source

    # ------------------------------------------------------------------ CAP

    async def take_cap(self, source: Source, body: bytes, content_type: str) -> Response:
        if content_type.split(";")[0].strip().lower() not in CAP_TYPES:
            return self.refuse(415, "media_type", f"CAP 预警须以 {' 或 '.join(CAP_TYPES)} 提交", source.name)
        try:
            cap = parse_cap(body)
        except CapError as exc:
            malformed = exc.element == "alert" and exc.reason.startswith(NOT_WELL_FORMED)
            return self.refuse(400 if malformed else 422, "not_xml" if malformed else "bad_cap", str(exc), source.name,
                               element=exc.element)
        refusal = source.refusal("cap", cap.sender)
        if refusal:
            return self.refuse(403, "wrong_sender", refusal, source.name, element="sender")
        if any(k not in self.index.owner for k in _referenced(cap)):
            await self.replica.catch_up()  # the original may have just been stored through another replica
        return await self._settle(source, lambda: self._decide_cap(cap))

    def _decide_cap(self, cap: CapAlert) -> _Store | tuple[int, Alert | None, str, tuple[str, ...]]:
        alerts = self.replica.rules.alerts
        owner = self.index.owner.get(cap.key)
        if owner is None and cap.msg_type == "Alert" and console_alert_id(*cap.key) in alerts:
            owner = console_alert_id(*cap.key)
        if owner is not None:
            return 200, alerts.get(owner), "duplicate", ()
        owners = {k: self.index.owner[k] for k in _referenced(cap) if k in self.index.owner}
        ledger = CapLedger([alerts[i] for i in set(owners.values()) if i in alerts], owners)
        result = ledger.apply(cap, received_at=datetime.now(DISTRICT_TZ))
        if result.alert is None:
            if cap.msg_type in ("Ack", "Error"):
                return 200, None, "ignored", result.problems
            return 422, None, "unknown_reference", result.problems
        alert = result.alert
        old = alerts.get(alert.id)
        if old is not None and (alert.street, alert.community) != (old.street, old.community):
            # One alert, one subject: an Update keeps the street its warning was raised for.
            alert = alert.model_copy(update={"street": old.street, "community": old.community})
        return _Store(alert, result.action, console_alert_id(*cap.key), list(result.problems))

    # ------------------------------------------------------------------ citizen events

    async def take_event(self, source: Source, body: bytes, content_type: str) -> Response:
        mime = content_type.split(";")[0].strip().lower()
        if mime != "application/json" and not mime.endswith("+json"):
            return self.refuse(415, "media_type", "群众事件须以 application/json 提交", source.name)
        try:
            doc = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            where = f"（第 {exc.lineno} 行第 {exc.colno} 列）" if isinstance(exc, json.JSONDecodeError) else ""
            return self.refuse(400, "not_json", f"请求体不是合法的 JSON{where}", source.name)
        if not isinstance(doc, dict):
            return self.refuse(422, "bad_event", "请求体须为 JSON 对象（一个事件）", source.name)
        try:
            event = CitizenEvent.model_validate(doc)
        except ValidationError as exc:
            where, why = event_problem(exc)
            return self.refuse(422, "bad_event", why, source.name, field_=where)
        refusal = source.refusal("events", event.source)
        if refusal:
            return self.refuse(403, "wrong_source", refusal, source.name, field_="source")
        return await self._settle(source, lambda: self._decide_event(event))

    def _decide_event(self, event: CitizenEvent) -> _Store | tuple[int, Alert | None, str, tuple[str, ...]]:
        aid = event_alert_id(event.source, event.external_id)
        existing = self.replica.rules.alerts.get(aid)
        if existing is not None:
            return 200, existing, "duplicate", ()
        alert = event_alert(event, received_at=datetime.now(DISTRICT_TZ), cameras=self.replica.rules.cameras,
                            communities=self.communities())
        return _Store(alert, "created", aid)

    # ------------------------------------------------------------------ storing

    async def _settle(self, source: Source,
                      decide: Callable[[], _Store | tuple[int, Alert | None, str, tuple[str, ...]]]) -> Response:
        """Decide on the replica's picture and store once; after a refusal by the stream, catch up and decide again."""
        for round_ in range(MAX_ROUNDS):
            if round_:
                await asyncio.sleep(random.uniform(0, 0.004 * round_))
                await self.replica.catch_up()
            plan = decide()
            if not isinstance(plan, _Store):
                status, alert, action, problems = plan
                if status >= 400:
                    return self.refuse(status, action, "；".join(problems), source.name, element="references")
                return self._answer(source.name, status, alert, action, problems)
            alert = plan.alert
            m = envelope_message("alert.upsert", alert, alert.street, alert.community, ts=alert.updated_at)
            m.headers["Nats-Msg-Id"] = plan.msg_id
            m.headers["Nats-Expected-Last-Subject-Sequence"] = str(self.replica.subject_seq.get(m.subject, 0))
            try:
                seq = await self.replica.log.publish([m])
            except Conflict as exc:
                log.info("%s from %s: %s; catching up", plan.msg_id, source.name, exc)
                continue
            except Exception:  # noqa: BLE001 - NATS unreachable: the source sends again later
                log.exception("%s from %s not stored", plan.msg_id, source.name)
                return self.refuse(503, "unavailable", "事件存储暂不可用，未受理，请稍后重发", source.name,
                                   headers={"Retry-After": "2"})
            await self.replica.wait_for(seq)  # this replica's snapshot shows it when the source hears back
            return self._answer(source.name, 202, alert, plan.action, plan.problems)
        return self.refuse(409, "contention", "该预警正在被更新，未受理，请稍后重发", source.name,
                           headers={"Retry-After": "1"})

    # ------------------------------------------------------------------ /metrics

    def metrics_lines(self) -> list[str]:
        """Prometheus text lines of this replica's HTTP ingest."""
        names = sorted({s.name for s in self.directory} | {s for s, _o in self.counts})
        return [
            "# TYPE pingshan_gateway_ingest_messages_total counter",
            *[f'pingshan_gateway_ingest_messages_total{{source="{n}",outcome="{o}"}} {self.counts.get((n, o), 0)}'
              for n in names for o in OUTCOMES],
            "# TYPE pingshan_gateway_ingest_rejected_total counter",
            *[f'pingshan_gateway_ingest_rejected_total{{reason="{r}"}} {c}' for r, c in self.rejected.items()],
        ]


def _referenced(cap: CapAlert) -> list[tuple[str, str]]:
    """The (sender, identifier) of every message an Update or Cancel references."""
    return [(r.sender, r.identifier) for r in cap.references]


def event_schema() -> dict[str, Any]:
    """The JSON Schema of a citizen event as published: CitizenEvent's, with the catalogue's
    categories as an enum (the model checks them against the catalogue when it validates)."""
    schema = _self_contained(CitizenEvent.model_json_schema())
    schema["properties"]["category"]["enum"] = sorted(catalogue().categories)
    return schema


def _self_contained(schema: dict[str, Any]) -> dict[str, Any]:
    """A model's JSON Schema with its ``$defs`` put in place: inside an OpenAPI document a
    ``#/$defs/…`` reference would point at the document's root, where there are none."""
    defs = schema.pop("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/"):
                return inline({**defs[ref.removeprefix("#/$defs/")], **{k: v for k, v in node.items() if k != "$ref"}})
            return {k: inline(v) for k, v in node.items()}
        if isinstance(node, list):
            return [inline(v) for v in node]
        return node

    return inline(schema)


def add_source_routes(app: FastAPI, replica: Replica, directory: SourceDirectory, *,
                      communities: Callable[[], dict[str, Any] | None],
                      precheck: Callable[[], Awaitable[Response | None]]) -> SourceIngest:
    """``POST /api/v1/ingest/cap`` and ``/api/v1/ingest/events`` on ``app``; the ingest (for ``/metrics``).

    ``communities``: the communities layer (GeoJSON) that places an event given by its
    location; ``precheck``: the replica's readiness (503 while it folds the stream).
    """
    ingest = SourceIngest(replica, directory, communities)

    @app.middleware("http")
    async def _ingest_body_limit(request: Request, call_next: Any) -> Response:
        # Checked before anything reads the body: a 10 MB "warning" never reaches the parser.
        if request.method == "POST" and request.url.path.startswith(INGEST_PREFIX):
            length = request.headers.get("content-length")
            if length is None or not length.isdigit() or int(length) > MAX_BODY_BYTES:
                who = directory.identify(request.headers.get("x-api-key"))
                name = who.name if who is not None else "unknown"
                if length is None:
                    return ingest.refuse(411, "no_length", "请求须提供 Content-Length", name)
                return ingest.refuse(413, "oversize", f"请求体过大（{length} 字节，最多 {MAX_BODY_BYTES} 字节）", name)
        return await call_next(request)

    why = {400: "Not well-formed XML, or not JSON", 401: "No key, or an unknown one",
           403: "The key may not post this kind, sender or source", 409: "The alert is being changed: send again",
           411: "No Content-Length", 413: "Body over the size limit", 415: "Wrong Content-Type",
           422: "Breaks CAP 1.2 or the event's bounds (element or field named)",
           503: "Not stored just now: send again after Retry-After seconds"}
    seconds = {"Retry-After": {"required": True, "schema": {"type": "string", "pattern": "^[0-9]+$"}}}
    headers = {401: {"WWW-Authenticate": {"description": "ApiKey", "required": True, "schema": {"type": "string"}}},
               409: seconds, 503: seconds}
    refusals: dict[int | str, dict[str, Any]] = {
        s: {"model": IngestRefused, "description": d, **({"headers": headers[s]} if s in headers else {})}
        for s, d in why.items()}

    @app.post(CAP_PATH, status_code=202, response_model=IngestAnswer, tags=["ingest"],
              responses={200: {"model": IngestAnswer, "description": "taken before: the same alert"}, **refusals},
              openapi_extra={"requestBody": {"required": True, "content": {t: {"schema": {"type": "string"}}
                                                                            for t in CAP_TYPES}}})
    async def ingest_cap(request: Request, x_api_key: str | None = Security(API_KEY)) -> Response:
        """One CAP 1.2 message from the early-warning release system (a ``cap`` source's key)."""
        source = ingest.admit(x_api_key, "cap")
        if isinstance(source, Response):
            return source
        if await precheck() is not None:
            return ingest.refuse(503, "unavailable", "网关正在载入事件流，未受理，请稍后重发", source.name,
                                 headers={"Retry-After": "2"})
        return await ingest.take_cap(source, await request.body(), request.headers.get("content-type", ""))

    @app.post(EVENTS_PATH, status_code=202, response_model=IngestAnswer, tags=["ingest"],
              responses={200: {"model": IngestAnswer, "description": "taken before: the same alert"}, **refusals},
              openapi_extra={"requestBody": {"required": True, "content": {
                  "application/json": {"schema": event_schema()}}}})
    async def ingest_event(request: Request, x_api_key: str | None = Security(API_KEY)) -> Response:
        """One citizen event: 12345 hotline, i坪山 app, grid patrol (an ``events`` source's key)."""
        source = ingest.admit(x_api_key, "events")
        if isinstance(source, Response):
            return source
        if await precheck() is not None:
            return ingest.refuse(503, "unavailable", "网关正在载入事件流，未受理，请稍后重发", source.name,
                                 headers={"Retry-After": "2"})
        return await ingest.take_event(source, await request.body(), request.headers.get("content-type", ""))

    return ingest

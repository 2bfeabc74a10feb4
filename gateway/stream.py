"""The district's event log on NATS JetStream: one stream, subjects per type, street and object.

Stream ``PINGSHAN`` (file storage, ``--stream-replicas`` copies, atomic batches allowed)
holds two kinds of message:

``pingshan.ev.<family>.<street>.<object>``
    One envelope of wire contract v1. ``family`` is the envelope type's first word
    (``alert``, ``device``, ``camera``, ``incident``, ``task``, ``reading``,
    ``indicator``, ``notice``); ``street`` the street id or ``_`` (district-wide);
    ``object`` the object's id, or ``_`` for batches (readings, indicators, notices).
    The body is the envelope JSON with ``"id":"0"``: the stream sequence is the
    envelope id, written in on the way out (SSE ``id:`` = stream sequence, so a
    console resumes with ``Last-Event-ID`` on any replica and across restarts).
    The body is what consoles may see (reporter phones masked); header
    ``Pingshan-Secret`` carries the masked fields in full for the replicas' state
    (``alert.reveal_phone``).

``pingshan.cmd.<command id>``
    The outcome of one command: ``{"status", "body", "fingerprint"}`` (the HTTP
    status, the CommandAccepted/CommandRefused answer, the caller-and-body binding of
    ``district.rulebook.fingerprint``). Not an envelope: SSE skips it (event ids have
    gaps). It is published with ``Nats-Msg-Id`` = command id and an expected last
    subject sequence of 0, and an accepted command's envelopes go in the *same atomic
    batch*, each with the expected last sequence of its object's subject. So a
    command id has exactly one outcome whichever replica decides it, a command
    decided on a stale picture of an object is refused by the stream (the replica
    catches up and decides again), and a merge's two alerts are stored together or
    not at all.

Key-value buckets: ``pingshan-answers`` (key = command id; the same outcome record, kept
beyond the stream's retention so a resend is answered from it) and ``pingshan-catalogue``
(``layer.<id>``: the map layers the gateway serves, ``{"info", "fc"}``).

``pingshan.from.<node>.ev.…`` / ``pingshan.from.<node>.cmd.…``
    The same messages decided at another node of the 1+6+N system, copied in by
    JetStream *sourcing* (never by the gateway): the district hub's stream sources each
    street node's own messages (``--street-nodes``), a street node's stream sources the
    hub's messages for its street and for the whole district (``--street``), each with
    a subject transform that puts the origin in front. A node's stream therefore holds
    its own decisions under ``pingshan.ev`` / ``pingshan.cmd`` and everyone else's under
    ``pingshan.from``; sourcing filters on ``pingshan.ev`` / ``pingshan.cmd`` only, so
    nothing is copied back to where it came from. Each node's stream lives in its own
    JetStream domain (the hub's ``hub``, a street's its street id) on a NATS leaf node;
    the leaf link carries JetStream API traffic and no ``pingshan.>`` subject, so a
    publish is captured by its own node's stream only. While the link is cut the
    sources wait; when it heals JetStream copies the backlog in order, once.

Identifiers that are not plain tokens (``[A-Za-z0-9_-]+``) go into subjects and keys
as ``=`` + base32 of their UTF-8.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import re
import uuid
from dataclasses import dataclass
from typing import Any, AsyncIterator, Awaitable, Callable

import nats
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import (DeliverPolicy, ExternalStream, KeyValueConfig, StorageType, StreamConfig, StreamSource,
                         SubjectTransform)
from nats.js.errors import APIError, BadRequestError, BucketNotFoundError, KeyNotFoundError, NotFoundError

log = logging.getLogger("gateway.stream")

STREAM = "PINGSHAN"
SUBJECTS = ["pingshan.ev.>", "pingshan.cmd.>"]
ANSWERS = "pingshan-answers"
CATALOGUE = "pingshan-catalogue"
SECRET = "Pingshan-Secret"
ID_PLACEHOLDER = b'{"v":1,"id":"0",'

FAMILY_TYPE = {"alert": "alert.upsert", "device": "device.upsert", "camera": "camera.upsert",
               "incident": "incident.upsert", "task": "task.upsert", "reading": "reading.batch",
               "indicator": "indicator.values", "notice": "notice"}
TYPE_FAMILY = {t: f for f, t in FAMILY_TYPE.items()}
_PLAIN = re.compile(r"[A-Za-z0-9_-]{1,128}")
HEARTBEAT_S = 1.0  # an ordered consumer notices a lost server (and resumes where it was) after a few of these
WRONG_LAST_SEQUENCE = 10071
BATCH_DUPLICATE_ID = 10201


def token(value: str | None) -> str:
    """A street, object or command id as one subject token (and a valid KV key)."""
    if value is None or value == "":
        return "_"
    if _PLAIN.fullmatch(value):
        return value
    return "=" + base64.b32encode(value.encode("utf-8")).decode("ascii").rstrip("=")


def untoken(tok: str) -> str | None:
    if tok == "_":
        return None
    if tok.startswith("="):
        pad = "=" * (-len(tok[1:]) % 8)
        return base64.b32decode(tok[1:] + pad).decode("utf-8")
    return tok


def event_subject(etype: str, street: str | None, object_id: str | None) -> str:
    return f"pingshan.ev.{TYPE_FAMILY[etype]}.{token(street)}.{token(object_id)}"


def command_subject(command_id: str) -> str:
    return f"pingshan.cmd.{token(command_id)}"


@dataclass(frozen=True)
class Event:
    """One stream message as a replica sees it."""

    seq: int
    subject: str
    kind: str  # "ev" | "cmd"
    etype: str  # envelope type ("" for a command record)
    street: str | None
    object_id: str | None
    data: bytes  # as stored (envelope id "0")
    headers: dict[str, str]
    origin: str | None = None  # the node that decided it (None: this node)

    def served(self) -> bytes:
        """The envelope as consoles get it: its id is the stream sequence."""
        if self.data.startswith(ID_PLACEHOLDER):
            return b'{"v":1,"id":"%d",' % self.seq + self.data[len(ID_PLACEHOLDER):]
        return self.data


def parse(msg: Msg) -> Event | None:
    """An Event from a stream message (None for a subject this gateway does not know)."""
    parts = msg.subject.split(".")
    seq = int(msg.metadata.sequence.stream)
    headers = dict(msg.headers or {})
    origin = None
    if len(parts) > 3 and parts[1] == "from":
        origin, parts = parts[2], parts[:1] + parts[3:]
    if len(parts) == 5 and parts[1] == "ev" and parts[2] in FAMILY_TYPE:
        return Event(seq, msg.subject, "ev", FAMILY_TYPE[parts[2]], untoken(parts[3]), untoken(parts[4]),
                     msg.data, headers, origin)
    if len(parts) == 3 and parts[1] == "cmd":
        return Event(seq, msg.subject, "cmd", "", None, untoken(parts[2]), msg.data, headers, origin)
    return None


HUB = "hub"
"""The district hub's JetStream domain (and its name as an origin)."""


@dataclass(frozen=True)
class Topology:
    """Where this node's stream sits in the 1+6+N system.

    ``street`` None: the district hub, sourcing the own messages of each of ``street_nodes``
    (each a street id = that street node's JetStream domain). ``street`` set: that street's
    node, sourcing the hub's messages for the street and for the whole district from
    domain ``hub_domain``. No street and no street nodes: a hub alone (the default).
    """

    street: str | None = None
    street_nodes: tuple[str, ...] = ()
    hub_domain: str = HUB

    @property
    def name(self) -> str:
        return self.street or self.hub_domain

    def sources(self) -> list[StreamSource]:
        if self.street is not None:
            here = token(self.street)
            return [StreamSource(name=STREAM, external=ExternalStream(api=f"$JS.{self.hub_domain}.API"),
                                 subject_transforms=[
                                     SubjectTransform(src=f"pingshan.ev.*.{here}.>",
                                                      dest=f"pingshan.from.{self.hub_domain}.ev.{{{{wildcard(1)}}}}.{here}.>"),
                                     SubjectTransform(src="pingshan.ev.*._.>",
                                                      dest=f"pingshan.from.{self.hub_domain}.ev.{{{{wildcard(1)}}}}._.>")])]
        return [StreamSource(name=STREAM, external=ExternalStream(api=f"$JS.{node}.API"),
                             subject_transforms=[SubjectTransform(src="pingshan.ev.>", dest=f"pingshan.from.{node}.ev.>"),
                                                 SubjectTransform(src="pingshan.cmd.>", dest=f"pingshan.from.{node}.cmd.>")])
                for node in self.street_nodes]


class Conflict(Exception):
    """The stream refused a publish: an object moved on, or the command id is taken."""


@dataclass
class Outgoing:
    """One message to publish: subject, body, headers."""

    subject: str
    data: bytes
    headers: dict[str, str]


class EventLog:
    """The JetStream side of a gateway replica (or a producer): stream, buckets, publish, read."""

    def __init__(self, servers: list[str], *, replicas: int = 1, retention: int = 1_000_000,
                 name: str = "pingshan-gateway", topology: Topology | None = None) -> None:
        self.servers = servers
        self.topology = topology or Topology()
        self.replicas = replicas
        self.retention = retention
        self.name = name
        self.nc: NATS | None = None
        self.js: JetStreamContext | None = None
        self.answers_kv: Any = None
        self.catalogue_kv: Any = None

    async def connect(self, *, on_reconnect: Callable[[], Awaitable[None]] | None = None) -> None:
        async def reconnected() -> None:
            log.warning("reconnected to NATS")
            if on_reconnect is not None:
                await on_reconnect()

        async def error(exc: Exception) -> None:
            log.warning("NATS: %s", exc)

        self.nc = await nats.connect(self.servers, name=self.name, max_reconnect_attempts=-1,
                                     reconnect_time_wait=0.5, connect_timeout=5, reconnected_cb=reconnected,
                                     error_cb=error)
        self.js = self.nc.jetstream(timeout=10)

    async def ensure(self) -> None:
        """Create (or adopt) the stream and the buckets."""
        js = self._js()
        sources = self.topology.sources()
        config = StreamConfig(name=STREAM, subjects=SUBJECTS, storage=StorageType.FILE, num_replicas=self.replicas,
                              max_msgs=self.retention, duplicate_window=600.0, allow_atomic=True,
                              sources=sources or None,
                              description="Pingshan district envelopes and command outcomes (wire contract v1)")
        for attempt in range(20):  # a cluster still electing its meta leader answers with errors for a moment
            try:
                try:
                    info = await js.stream_info(STREAM)
                except NotFoundError:
                    await js.add_stream(config)
                else:
                    have = sorted(str(x.external.api if x.external else "") for x in info.config.sources or ())
                    want = sorted(str(x.external.api if x.external else "") for x in sources)
                    if sources and have != want:  # a street node added to the hub: source it too
                        await js.update_stream(info.config.evolve(sources=sorted(
                            {str(x.external.api if x.external else ""): x
                             for x in [*(info.config.sources or ()), *sources]}.values(),
                            key=lambda x: str(x.external.api if x.external else ""))))
                self.answers_kv = await self._bucket(ANSWERS, history=1)
                self.catalogue_kv = await self._bucket(CATALOGUE, history=1)
                return
            except (APIError, asyncio.TimeoutError, nats.errors.TimeoutError) as exc:
                if attempt == 19:
                    raise
                log.info("JetStream not ready yet (%s); retrying", exc)
                await asyncio.sleep(0.5)

    async def _bucket(self, bucket: str, history: int) -> Any:
        js = self._js()
        try:
            return await js.key_value(bucket)
        except BucketNotFoundError:
            return await js.create_key_value(KeyValueConfig(bucket=bucket, history=history, replicas=self.replicas,
                                                            storage=StorageType.FILE))

    def _js(self) -> JetStreamContext:
        assert self.js is not None, "EventLog.connect() first"
        return self.js

    async def close(self) -> None:
        if self.nc is not None and not self.nc.is_closed:
            await self.nc.drain()

    # ------------------------------------------------------------------ state of the stream

    async def bounds(self) -> tuple[int, int]:
        """(first, last) sequence currently in the stream."""
        info = await self._js().stream_info(STREAM)
        return int(info.state.first_seq), int(info.state.last_seq)

    # ------------------------------------------------------------------ writing

    async def publish(self, batch: list[Outgoing]) -> int:
        """Store ``batch`` atomically; returns the last sequence. Raises Conflict when refused."""
        js = self._js()
        nc = self.nc
        assert nc is not None
        if len(batch) == 1:
            m = batch[0]
            try:
                ack = await js.publish(m.subject, m.data, headers=m.headers or None)
            except BadRequestError as exc:
                if exc.err_code in (WRONG_LAST_SEQUENCE, BATCH_DUPLICATE_ID):
                    raise Conflict(exc.description) from None
                raise
            if ack.duplicate:
                raise Conflict("duplicate message id")
            return int(ack.seq)
        bid = uuid.uuid4().hex
        for n, m in enumerate(batch, 1):
            headers = {**m.headers, "Nats-Batch-Id": bid, "Nats-Batch-Sequence": str(n)}
            if n < len(batch):
                await nc.publish(m.subject, m.data, headers=headers)
                continue
            headers["Nats-Batch-Commit"] = "1"
            reply = await nc.request(m.subject, m.data, headers=headers, timeout=10)
            answer = json.loads(reply.data)
            err = answer.get("error")
            if err:
                if err.get("err_code") in (WRONG_LAST_SEQUENCE, BATCH_DUPLICATE_ID):
                    raise Conflict(str(err.get("description")))
                raise APIError(**err)
            return int(answer["seq"])
        raise AssertionError("empty batch")

    async def publish_many(self, batch: list[Outgoing]) -> int:
        """Store messages that need no atomicity (ingest, seeding) with pipelined acks; the last sequence."""
        js = self._js()
        futures = [await js.publish_async(m.subject, m.data, headers=m.headers or None) for m in batch]
        last = 0
        for f in futures:
            ack = await f
            last = max(last, int(ack.seq))
        return last

    # ------------------------------------------------------------------ reading

    async def follow(self, start_seq: int, handle: Callable[[Event], None]) -> Any:
        """An ordered consumer from ``start_seq`` that hands every message, in order, to ``handle``."""
        async def cb(msg: Msg) -> None:
            ev = parse(msg)
            if ev is not None:
                handle(ev)

        js = self._js()
        if start_seq <= 1:
            return await js.subscribe("pingshan.>", cb=cb, ordered_consumer=True, deliver_policy=DeliverPolicy.ALL,
                                      stream=STREAM, idle_heartbeat=HEARTBEAT_S)
        return await js.subscribe("pingshan.>", cb=cb, ordered_consumer=True, stream=STREAM, idle_heartbeat=HEARTBEAT_S,
                                  deliver_policy=DeliverPolicy.BY_START_SEQUENCE, config=_start(start_seq))

    async def read_range(self, after: int, upto: int) -> AsyncIterator[Event]:
        """Messages with ``after < seq <= upto``, in order (an ordered consumer for the range)."""
        if upto <= after:
            return
        js = self._js()
        queue: asyncio.Queue[Msg] = asyncio.Queue()

        async def cb(msg: Msg) -> None:
            await queue.put(msg)

        sub = await js.subscribe("pingshan.>", cb=cb, ordered_consumer=True, stream=STREAM,
                                 deliver_policy=DeliverPolicy.BY_START_SEQUENCE, config=_start(after + 1))
        try:
            while True:
                msg = await asyncio.wait_for(queue.get(), 30)
                ev = parse(msg)
                if ev is None:
                    continue
                if ev.seq > upto:
                    return
                yield ev
                if ev.seq >= upto:
                    return
        finally:
            await sub.unsubscribe()

    # ------------------------------------------------------------------ buckets

    async def answer(self, command_id: str) -> dict[str, Any] | None:
        try:
            entry = await self.answers_kv.get(token(command_id))
        except KeyNotFoundError:
            return None
        return json.loads(entry.value) if entry.value else None

    async def keep_answer(self, command_id: str, record: dict[str, Any]) -> None:
        await self.answers_kv.put(token(command_id), json.dumps(record, ensure_ascii=False).encode("utf-8"))

    async def layers(self) -> dict[str, tuple[dict[str, str], dict[str, Any]]]:
        out: dict[str, tuple[dict[str, str], dict[str, Any]]] = {}
        try:
            keys = await self.catalogue_kv.keys()
        except Exception:  # noqa: BLE001 - nats-py raises NoKeysError for an empty bucket
            return out
        for key in sorted(keys):
            if not key.startswith("layer."):
                continue
            entry = await self.catalogue_kv.get(key)
            doc = json.loads(entry.value)
            out[key[len("layer."):]] = (doc["info"], doc["fc"])
        return out

    async def put_layer(self, layer_id: str, info: dict[str, str], fc: dict[str, Any]) -> None:
        await self.catalogue_kv.put(f"layer.{token(layer_id)}",
                                    json.dumps({"info": info, "fc": fc}, ensure_ascii=False).encode("utf-8"))


def _start(seq: int) -> Any:
    from nats.js.api import ConsumerConfig

    return ConsumerConfig(opt_start_seq=seq)

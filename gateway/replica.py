"""One gateway replica: the rulebook's state folded from the stream, and commands decided on it.

Every replica follows the whole stream with an ordered consumer and folds each
message into a :class:`~district.rulebook.Rulebook` (``apply``), a map of command
outcomes and the last sequence of every subject; live SSE clients get the envelopes
from the same fold through the :class:`~gateway.fanout.Hub`, and a short ring of
recent envelopes answers most resumes without asking the server.

A command is decided on the replica's picture and stored with the stream's
guarantees (see :mod:`gateway.stream`): the outcome record and the envelopes go in one
atomic batch, the outcome's subject must be new, each envelope's subject must not
have moved since the picture was taken. If the stream refuses, the replica catches
up and decides again (a resend of a command another replica has stored then finds
its outcome); after a few rounds of contention the answer is 409. A refusal has no object
sequence to guard it, so it is only stored once the replica has caught up with the stream.
"""

from __future__ import annotations

import asyncio
import dataclasses
import heapq
import json
import logging
import random
from collections import OrderedDict, deque
from typing import Any, AsyncIterator, Callable

from console.models import (Alert, Camera, Command, CommandRefused, Device, Incident, IndicatorValuesEnvelope, Reset,
                            ResetEnvelope, Task)
from district.rulebook import (ENVELOPES, CommandError, Item, Rulebook, accepted_answer, fingerprint, key_refusal,
                               public_alert)
from district.duty import DutyBook, DutyChange
from district.roles import User
from district.settle import diverged, settle, settle_task, settled_by, task_diverged
from district.vocabulary import DISTRICT_TZ
from gateway.fanout import Hub
from gateway.stream import (ID_PLACEHOLDER, SECRET, Conflict, Event, EventLog, Outgoing, command_subject,
                            event_subject)

log = logging.getLogger("gateway")

STATE_MODELS: dict[str, tuple[str, type[Any]]] = {
    "alert.upsert": ("alert", Alert), "device.upsert": ("device", Device), "camera.upsert": ("camera", Camera),
    "incident.upsert": ("incident", Incident), "task.upsert": ("task", Task),
}
MAX_ROUNDS = 8  # decide → conflict → catch up rounds before a command is answered 409
ANSWERS_KEPT = 200_000


class GatewayRules(Rulebook):
    """The rulebook as a gateway replica holds it (wall clock, no storage of its own)."""


def envelope_message(etype: str, payload: Any, street: str | None, community: str | None,
                     headers: dict[str, str] | None = None, ts: Any = None) -> Outgoing:
    """An envelope as a stream message: masked body with id "0", the masked fields in a header."""
    from datetime import datetime

    from console.models import Scope

    public = public_alert(payload) if isinstance(payload, Alert) else payload
    env = ENVELOPES[etype](v=1, id="0", ts=ts or datetime.now(DISTRICT_TZ), type=etype,
                           scope=Scope(street=street, community=community), payload=public)
    body = env.model_dump_json().encode("utf-8")
    assert body.startswith(ID_PLACEHOLDER), body[:40]
    hdr = dict(headers or {})
    if isinstance(payload, Alert) and payload.reporter_phone and payload.reporter_phone != public.reporter_phone:
        hdr[SECRET] = json.dumps({"reporter_phone": payload.reporter_phone})
    return Outgoing(event_subject(etype, street, getattr(payload, "id", None) if etype in STATE_MODELS else None),
                    body, hdr)


class Replica:
    """State, live fan-out and command handling of one gateway replica."""

    def __init__(self, log_: EventLog, *, ring_size: int = 20_000) -> None:
        self.log = log_
        self.topology = log_.topology
        self.rules = GatewayRules()
        self.rules.set_node(self.topology.street)
        # The duty roster's book, folded from the duty changes the command records carry (below).
        self.rules.duty = DutyBook()
        # Hub only: which node made each alert's and task's current version, and settlements to store
        # (district.settle: one alert changed at the district and at a street while cut apart).
        self.version_origin: dict[str, str] = {}
        self._settle: asyncio.Queue[tuple[str, Any, Any, str]] = asyncio.Queue()
        self.hub = Hub()
        self.head = 0  # last stream sequence folded
        self.ring: deque[tuple[int, str, str | None, bytes]] = deque(maxlen=ring_size)
        self.subject_seq: dict[str, int] = {}
        self.answers: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self.ready = asyncio.Event()
        self._waiting: list[tuple[int, int, asyncio.Future[None]]] = []  # (seq, tie-break, woken when folded)
        self._wait_n = 0
        self._background: set[asyncio.Task[None]] = set()
        self._sub: Any = None
        self._settler_task: asyncio.Task[None] | None = None
        self.watchers: list[Callable[[Event], None]] = []  # see every folded envelope (gateway.sources: CAP ids)
        self.metrics: dict[str, float] = {"events_folded": 0, "events_out": 0, "commands_accepted": 0,
                                          "commands_refused": 0, "commands_replayed": 0, "command_conflicts": 0,
                                          "resumes": 0, "resets": 0}
        self.outcomes: dict[int, int] = {}

    # ------------------------------------------------------------------ life

    async def start(self) -> None:
        """Fold the stream from its start, then follow it; ready once the fold reached the head seen at start."""
        _first, last = await self.log.bounds()
        self._sub = await self.log.follow(1, self._fold)
        if last:
            await self.wait_for(last, timeout=600)
        self.ready.set()
        if self.topology.street is None:
            self._settler_task = asyncio.get_running_loop().create_task(self._settler())

    async def stop(self) -> None:
        if self._settler_task is not None:
            self._settler_task.cancel()
        if self._sub is not None:
            try:
                await self._sub.unsubscribe()
            except Exception:  # noqa: BLE001 - the connection may be gone already
                pass

    # ------------------------------------------------------------------ fold

    def _fold(self, ev: Event) -> None:
        if ev.seq <= self.head:
            return  # an ordered consumer that restarted may hand us what we have
        self.head = self.rules.head = ev.seq
        self.subject_seq[ev.subject] = ev.seq
        self.metrics["events_folded"] += 1
        if ev.kind == "cmd":
            record = json.loads(ev.data)
            if ev.object_id is not None:
                self._remember(ev.object_id, record)
            if record.get("duty") and self.rules.duty is not None:
                for change in record["duty"]:
                    self.rules.duty.apply(DutyChange(**change))
        else:
            self._apply_envelope(ev)
            for watch in self.watchers:
                watch(ev)
            body = ev.served()
            self.ring.append((ev.seq, ev.etype, ev.street, body))
            self.hub.publish(ev.seq, ev.etype, ev.street, body)
        self._notify()

    def _apply_envelope(self, ev: Event) -> None:
        if ev.etype in STATE_MODELS:
            kind, model = STATE_MODELS[ev.etype]
            try:
                env = json.loads(ev.data)
                payload = model.model_validate(env["payload"])
            except Exception:  # noqa: BLE001 - a bad message must not stop the fold
                log.exception("envelope %s could not be folded", ev.seq)
                return
            secret = ev.headers.get(SECRET)
            if secret:
                payload = payload.model_copy(update=json.loads(secret))
            scope = env.get("scope") or {}
            if kind == "alert" and self.topology.street is None:
                self._watch_divergence(ev, payload, self.rules.alerts.get(payload.id), payload.id, diverged)
            elif kind == "task" and self.topology.street is None:
                self._watch_divergence(ev, payload, self.rules.tasks.get(payload.id), f"task:{payload.id}",
                                       task_diverged)
            self.rules.apply([(ev.etype, payload, scope.get("street"), scope.get("community"), kind)])
        elif ev.etype == "indicator.values":
            try:
                env = IndicatorValuesEnvelope.model_validate_json(ev.served())
            except Exception:  # noqa: BLE001
                log.exception("envelope %s could not be folded", ev.seq)
                return
            self.rules.apply([(ev.etype, env.payload, ev.street, None, None)])
        elif ev.etype == "reading.batch":
            self.rules.counts["readings"] += 1

    def _watch_divergence(self, ev: Event, incoming: Any, current: Any, key_id: str,
                          apart: Callable[[Any, Any], bool]) -> None:
        """At the hub: a version of an alert or task decided apart (``apart``) from the current one,
        at another node, is queued for settlement (``district.settle``)."""
        origin = ev.origin or self.topology.hub_domain
        current_origin = self.version_origin.get(key_id, origin)
        self.version_origin[key_id] = origin
        if current is None or current_origin == origin or not apart(current, incoming):
            return
        street_first = current_origin != self.topology.hub_domain
        district, street = (incoming, current) if street_first else (current, incoming)
        node = current_origin if street_first else origin
        self.metrics["conflicts_seen"] = self.metrics.get("conflicts_seen", 0) + 1
        self._settle.put_nowait((node, district, street, f"settle:{key_id}:{ev.seq}"))

    async def _settler(self) -> None:
        """Store the settlements the fold found, once each (message id = settlement key)."""
        while True:
            node, district, street, key = await self._settle.get()
            try:
                title = self.rules.street_name.get(node, node)
                if isinstance(district, Task):
                    now_task = self.rules.tasks.get(district.id)
                    if now_task is not None and key in now_task.note:
                        continue  # stored before
                    settled_task = settle_task(district, street, title, key)
                    m = envelope_message("task.upsert", settled_task, self.rules.task_street(settled_task), None,
                                         ts=settled_task.updated_at)
                    m.headers["Nats-Msg-Id"] = key
                    try:
                        await self.log.publish([m])
                    except Conflict:
                        pass
                    self.metrics["conflicts_settled"] = self.metrics.get("conflicts_settled", 0) + 1
                    continue
                now = self.rules.alerts.get(district.id)
                if now is not None and settled_by(now, key):
                    continue  # stored before (this replica is replaying history, or another was quicker)
                settled = settle(district, street, title, key)
                m = envelope_message("alert.upsert", settled, settled.street, settled.community, ts=settled.updated_at)
                m.headers["Nats-Msg-Id"] = key
                try:
                    await self.log.publish([m])
                except Conflict:
                    pass  # another hub replica stored this very settlement
                self.metrics["conflicts_settled"] = self.metrics.get("conflicts_settled", 0) + 1
                log.warning("alert %s changed at the district and at %s apart: settled (%s)", district.id, node, key)
            except Exception:  # noqa: BLE001 - one bad settlement must not stop the others
                log.exception("settlement %s not stored", key)

    def _remember(self, command_id: str, record: dict[str, Any]) -> None:
        self.answers[command_id] = record
        if len(self.answers) > ANSWERS_KEPT:
            self.answers.popitem(last=False)

    def _notify(self) -> None:
        while self._waiting and self._waiting[0][0] <= self.head:
            _seq, _n, fut = heapq.heappop(self._waiting)
            if not fut.done():
                fut.set_result(None)

    async def wait_for(self, seq: int, timeout: float = 10.0) -> bool:
        """Wait until the fold reached ``seq``; False on timeout."""
        if self.head >= seq:
            return True
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._wait_n += 1
        heapq.heappush(self._waiting, (seq, self._wait_n, fut))
        try:
            await asyncio.wait_for(fut, timeout)
        except asyncio.TimeoutError:
            pass
        return self.head >= seq

    async def catch_up(self, timeout: float = 10.0) -> bool:
        """Fold everything the stream held when this was called."""
        _first, last = await self.log.bounds()
        return await self.wait_for(last, timeout)

    # ------------------------------------------------------------------ commands

    async def execute(self, cmd: Command, user: User, key: str) -> tuple[int, str]:
        """Decide and store one command once for ``user``; (HTTP status, answer JSON)."""
        mark = fingerprint(user, cmd)
        caught_up = False
        for round_ in range(MAX_ROUNDS):
            if round_:
                # The stream refused the last try, or the picture refused the command: fold what
                # the stream holds now (perhaps this very command, stored by another replica), after
                # a short random pause so that replicas contending for one object do not collide
                # again in lockstep.
                await asyncio.sleep(random.uniform(0, 0.004 * round_))
                caught_up = await self.catch_up()
            done = self.answers.get(key) or await self.log.answer(key)
            if done is not None:
                self.metrics["commands_replayed"] += 1
                if done.get("fingerprint") and done["fingerprint"] != mark:
                    return 409, key_refusal(cmd)
                return int(done["status"]), str(done["body"])
            try:
                decision = self.rules.decide(cmd, user)
            except CommandError as exc:
                if round_ == 0:
                    # A refusal is stored with no object sequence to guard it: decide it on a picture
                    # that has folded all the stream holds (an alert just stored, a status another
                    # replica just changed), not on one lagging behind, e.g. after a NATS failover.
                    continue
                if not caught_up:  # the fold is stuck behind the stream: nothing stored, the console resends
                    raise RuntimeError(f"command {cmd.id}: the picture is behind the stream, refusal not stored")
                record = {"status": exc.status, "fingerprint": mark,
                          "body": CommandRefused(command_id=cmd.id, error=exc.error,  # type: ignore[arg-type]
                                                 reason=exc.reason).model_dump_json()}
                items: list[Item] = []
                ptz: dict[str, dict[str, float]] = {}
            else:
                record = {"status": 202, "body": accepted_answer(cmd, decision), "fingerprint": mark}
                if decision.duty:  # the roster's change travels in the command's own record (every replica folds it)
                    record["duty"] = [dataclasses.asdict(change) for change in decision.duty]
                items = decision.items
                ptz = decision.ptz
            batch = [Outgoing(command_subject(key), json.dumps(record, ensure_ascii=False).encode("utf-8"),
                              {"Nats-Msg-Id": key, "Nats-Expected-Last-Subject-Sequence": "0"})]
            ts = self.rules.now()
            for etype, payload, street, community, _kind in items:
                m = envelope_message(etype, payload, street, community, ts=ts)
                m.headers["Nats-Expected-Last-Subject-Sequence"] = str(self.subject_seq.get(m.subject, 0))
                batch.append(m)
            try:
                seq = await self.log.publish(batch)
            except Conflict as exc:
                self.metrics["command_conflicts"] += 1
                log.info("command %s: %s; catching up", cmd.id, exc)
                continue
            await self.wait_for(seq)  # this replica's snapshot shows the command when it answers
            self.rules.ptz.update(ptz)
            self._keep_answer(key, record)
            status = int(record["status"])
            self.outcomes[status] = self.outcomes.get(status, 0) + 1
            self.metrics["commands_accepted" if status == 202 else "commands_refused"] += 1
            return status, str(record["body"])
        self.outcomes[409] = self.outcomes.get(409, 0) + 1
        refused = CommandRefused(command_id=cmd.id, error="stale_rev",
                                 reason="数据正在被其他席位更新，请刷新后重试")
        return 409, refused.model_dump_json()

    def _keep_answer(self, key: str, record: dict[str, Any]) -> None:
        """Copy an outcome into the answers bucket in the background (the stream already holds it)."""
        async def keep() -> None:
            try:
                await self.log.keep_answer(key, record)
            except Exception:  # noqa: BLE001 - the bucket is the long memory, not the arbiter
                log.warning("answer of %s not kept in the bucket", key, exc_info=True)

        task = asyncio.get_running_loop().create_task(keep())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    # ------------------------------------------------------------------ stream out

    def reset_envelope(self, reason: str) -> bytes:
        env = ResetEnvelope(v=1, id=str(max(self.head, 1)), ts=self.rules.now(), type="reset",
                            payload=Reset(reason=reason))
        return env.model_dump_json().encode("utf-8")

    async def replay(self, after: int, upto: int) -> AsyncIterator[tuple[int, str, str | None, bytes]]:
        """Envelopes with ``after < seq <= upto``: from the ring when it reaches back that far, else the stream."""
        if self.ring and self.ring[0][0] <= after + 1:
            for item in list(self.ring):
                if after < item[0] <= upto:
                    yield item
            return
        async for ev in self.log.read_range(after, upto):
            if ev.kind == "ev":
                yield ev.seq, ev.etype, ev.street, ev.served()


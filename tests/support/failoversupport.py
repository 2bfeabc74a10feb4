"""Consoles, commands and new alerts under load, for the failover tests and bench (real processes).

:class:`StreamClient` is a console reduced to what failover is about: it streams from one
gateway replica, keeps every SSE id it receives (with the arrival time), counts ``reset``
envelopes and folds ``alert.upsert`` into an alert → (rev, status) picture; when its stream
breaks it waits the console's jittered backoff and resumes on the next replica with
``Last-Event-ID``. It does no de-duplication of its own, so a repeated id from a gateway
shows. :class:`Load` makes the district busy: operator commands from a few seats, half of
them on each replica (a seat whose replica does not answer moves to the other and resends with
the same ``Idempotency-Key``, as the console's outbox does), and new alerts published into the
stream as the producer does (``Nats-Msg-Id`` = alert id, so a resend after a lost ack stores nothing
twice). :func:`applied_counts` and :func:`alert_states` read the outcome from a snapshot.
"""

from __future__ import annotations

import asyncio
import json
import random
import statistics
import time
import uuid
from collections import Counter
from typing import Any

import httpx

from console.models import Alert, AlertNote, now_utc
from console.source import backoff_delay
from gateway.replica import envelope_message
from gateway.stream import Conflict, EventLog

AlertStates = dict[str, tuple[int, str]]


class StreamBroken(Exception):
    """The stream ended or answered something other than an event stream."""


def alert_states(snapshot: dict[str, Any]) -> AlertStates:
    """alert id → (rev, status) of a snapshot (JSON)."""
    return {a["id"]: (int(a["rev"]), str(a["status"])) for a in snapshot["alerts"]}


def applied_counts(snapshot: dict[str, Any]) -> Counter[str]:
    """How many timeline entries each command id left in a snapshot's alerts (once each, if applied once)."""
    seen: Counter[str] = Counter()
    for a in snapshot["alerts"]:
        for note in a.get("timeline") or ():
            if note.get("command_id"):
                seen[note["command_id"]] += 1
    return seen


async def login(http: httpx.AsyncClient, url: str, user: str = "duty") -> str:
    r = await http.post(url + "/api/v1/auth/token", data={"username": user, "password": user})
    assert r.status_code == 200, r.text
    return str(r.json()["access_token"])


async def snapshot(http: httpx.AsyncClient, url: str, tok: str) -> dict[str, Any]:
    r = await http.get(url + "/api/v1/snapshot", headers={"Authorization": f"Bearer {tok}"}, timeout=60)
    assert r.status_code == 200, r.text
    return dict(r.json())


class StreamClient:
    """One console-like SSE client over several replicas (see the module docstring)."""

    def __init__(self, http: httpx.AsyncClient, urls: list[str], tok: str, cursor: str, base: AlertStates, *,
                 first: int = 0, read_timeout_s: float = 6.0, backoff_cap_s: float = 2.0,
                 rng: random.Random | None = None) -> None:
        self.http = http
        self.urls = urls
        self.tok = tok
        self.last_id = cursor
        self.states = dict(base)
        self.current = first % len(urls)
        self.read_timeout_s = read_timeout_s
        self.backoff_cap_s = backoff_cap_s
        self.retry_s = 2.0
        self.rng = rng or random.Random()
        self.ids: list[int] = []
        self.at: list[float] = []
        self.resets = 0
        self.connects = 0
        self.breaks: list[tuple[float, str, str]] = []  # (when, replica, why)
        self.task: asyncio.Task[None] | None = None

    def start(self) -> "StreamClient":
        self.task = asyncio.get_running_loop().create_task(self.run())
        return self

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            try:
                await self.task
            except asyncio.CancelledError:
                pass

    @property
    def url(self) -> str:
        return self.urls[self.current]

    def reached(self, head: int) -> bool:
        return int(self.last_id) >= head

    async def run(self) -> None:
        attempt = 0
        while True:
            url = self.url
            got = 0
            try:
                headers = {"Authorization": f"Bearer {self.tok}", "Last-Event-ID": self.last_id}
                timeout = httpx.Timeout(5.0, read=self.read_timeout_s)
                async with self.http.stream("GET", url + "/api/v1/stream", headers=headers, timeout=timeout) as r:
                    if r.status_code != 200 or not r.headers.get("content-type", "").startswith("text/event-stream"):
                        raise StreamBroken(f"HTTP {r.status_code}")
                    self.connects += 1
                    eid: str | None = None
                    data: list[str] = []
                    async for line in r.aiter_lines():
                        if line == "":
                            if data:  # an event is dispatched at its blank line only
                                self._event(eid, "\n".join(data))
                                got += 1
                            eid, data = None, []
                        elif line.startswith(":"):
                            continue
                        else:
                            field, _, value = line.partition(":")
                            value = value[1:] if value.startswith(" ") else value
                            if field == "id":
                                eid = value
                            elif field == "data":
                                data.append(value)
                            elif field == "retry" and value.isdigit():
                                self.retry_s = int(value) / 1000.0
                    raise StreamBroken("stream ended")
            except asyncio.CancelledError:
                raise
            except (httpx.HTTPError, StreamBroken, OSError) as exc:
                self.breaks.append((time.monotonic(), url, type(exc).__name__))
                attempt = 0 if got else attempt + 1
                self.current = (self.current + 1) % len(self.urls)  # fail over, as the console does
                await asyncio.sleep(backoff_delay(attempt, self.retry_s, self.backoff_cap_s, self.rng))

    def _event(self, eid: str | None, data: str) -> None:
        env = json.loads(data)
        if eid is None or env.get("id") != eid:
            raise StreamBroken(f"SSE id {eid} and envelope id {env.get('id')} differ")
        self.ids.append(int(eid))
        self.at.append(time.monotonic())
        self.last_id = eid
        if env["type"] == "reset":
            self.resets += 1
        elif env["type"] == "alert.upsert":
            p = env["payload"]
            old = self.states.get(p["id"])
            if old is None or p["rev"] >= old[0]:
                self.states[p["id"]] = (int(p["rev"]), str(p["status"]))

    # ------------------------------------------------------------------ figures

    def check(self, expected: list[int], final: AlertStates) -> dict[str, int]:
        """Lost, duplicated and out-of-order ids against the stream, resets, and alerts unlike ``final``."""
        got = Counter(self.ids)
        return {"lost": sum(1 for i in expected if i not in got),
                "duplicated": sum(n - 1 for n in got.values() if n > 1),
                "out_of_order": sum(1 for a, b in zip(self.ids, self.ids[1:]) if b <= a),
                "unknown": sum(1 for i in got if i not in set(expected)),
                "resets": self.resets,
                "alerts_unlike": sum(1 for k in final.keys() | self.states.keys() if final.get(k) != self.states.get(k))}

    def resume_s(self, killed_at: float, within_s: float = 20.0) -> float | None:
        """The longest silence around a kill: the largest gap between consecutive events received from
        the last one before ``killed_at`` up to ``within_s`` after it (events already on the wire at
        the kill arrive just after it; the outage is the gap that follows). None: nothing after the kill."""
        before = [t for t in self.at if t < killed_at]
        after = [t for t in self.at if killed_at <= t <= killed_at + within_s]
        if not after:
            return None
        times = [before[-1] if before else killed_at, *after]
        return max(b - a for a, b in zip(times, times[1:]))


def spread(values: list[float]) -> str:
    """p50 / p95 / max of seconds, as text."""
    if not values:
        return "–"
    v = sorted(values)
    p95 = v[min(len(v) - 1, int(round(0.95 * (len(v) - 1))))]
    return f"{statistics.median(v):.2f} / {p95:.2f} / {v[-1]:.2f} s"


def command_body(kind: str, target: str, args: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"id": uuid.uuid4().hex, "kind": kind, "target_id": target, "operator": "x",
            "issued_at": now_utc().isoformat(), "args": args or {}}


class Load:
    """Commands through the replicas and new alerts into the stream, at steady rates (see the module docstring)."""

    RETRY_S = 0.3
    GIVE_UP_S = 60.0
    SEATS = 8

    def __init__(self, http: httpx.AsyncClient, urls: list[str], tok: str, events: EventLog | None,
                 snap: dict[str, Any], *, commands_per_s: float, alerts_per_s: float, seed: int = 1,
                 request_timeout_s: float = 8.0) -> None:
        self.http = http
        self.urls = urls
        self.tok = tok
        self.events = events
        self.commands_per_s = commands_per_s
        self.alerts_per_s = alerts_per_s
        self.request_timeout_s = request_timeout_s
        self.rng = random.Random(seed)
        alerts = sorted(snap["alerts"], key=lambda a: a["id"])
        self.fresh = [a["id"] for a in alerts if a["status"] == "new"]  # to acknowledge, each once
        self.open = [a["id"] for a in alerts if a["status"] != "closed"]  # to note on
        self.template = Alert.model_validate(next(a for a in alerts if a["status"] == "new"))
        self.prefix = "FO" + uuid.uuid4().hex[:6].upper()
        self.answers: dict[str, int] = {}  # command id → final HTTP status
        self.latency: dict[str, float] = {}
        self.tries: Counter[str] = Counter()
        self.seat_at = [k % len(urls) for k in range(self.SEATS)]  # the replica each operator seat uses now
        self.gave_up: list[str] = []
        self.alerts_made: list[str] = []
        self.alert_resends = 0  # alerts published more than once (a lost ack)
        self._n = 0
        self._alerts_n = 0
        self._tasks: set[asyncio.Task[Any]] = set()

    # ------------------------------------------------------------------ one command, answered once

    async def command(self, body: dict[str, Any], seat: int) -> int:
        """Post from an operator seat until a final answer; the status.

        Each seat uses one replica at a time (half the seats start on each); when it does not
        answer (refused, cut, 5xx, no answer in time) the seat moves to the next replica and
        stays there, and the command is resent with the same ``Idempotency-Key``, as the
        console's outbox does."""
        start = time.monotonic()
        seat %= len(self.seat_at)
        while True:
            k = self.seat_at[seat]
            url = self.urls[k]
            self.tries[body["id"]] += 1
            try:
                r = await self.http.post(url + "/api/v1/commands", json=body, timeout=self.request_timeout_s,
                                         headers={"Idempotency-Key": body["id"], "Authorization": f"Bearer {self.tok}"})
                if r.status_code not in (500, 502, 503, 504):
                    self.answers[body["id"]] = r.status_code
                    self.latency[body["id"]] = time.monotonic() - start
                    return r.status_code
            except httpx.HTTPError:
                pass
            if self.seat_at[seat] == k:  # not moved already by another of its commands
                self.seat_at[seat] = (k + 1) % len(self.urls)
            if time.monotonic() - start > self.GIVE_UP_S:
                self.gave_up.append(body["id"])
                return 0
            await asyncio.sleep(self.RETRY_S)

    def next_command(self) -> dict[str, Any]:
        if self.fresh and self.rng.random() < 0.5:
            return command_body("alert.acknowledge", self.fresh.pop(self.rng.randrange(len(self.fresh))))
        return command_body("alert.note", self.rng.choice(self.open), {"text": f"load {self._n}"})

    # ------------------------------------------------------------------ one new alert, stored once

    async def new_alert(self) -> int:
        """Publish one new alert (resent until stored once); its stream sequence (0 when a resend found it)."""
        assert self.events is not None
        now = now_utc()
        self._alerts_n += 1
        aid = f"{self.prefix}{self._alerts_n:06d}"
        alert = self.template.model_copy(update={
            "id": aid, "rev": 1, "status": "new", "created_at": now, "updated_at": now, "acknowledged_by": None,
            "assigned_unit": None, "last_command_id": None, "title": f"压测事件 {aid}",
            "timeline": (AlertNote(ts=now, actor="压测", action="create", text="事件上报"),)})
        m = envelope_message("alert.upsert", alert, alert.street, alert.community)
        m.headers["Nats-Msg-Id"] = aid
        start = time.monotonic()
        seq, resent = 0, False
        while True:
            try:
                seq = await asyncio.wait_for(self.events.publish([m]), 5.0)
                break
            except Conflict:
                break  # a resend of what the stream already holds
            except Exception:  # noqa: BLE001 - the node went away: resend, the msg id keeps it once
                if time.monotonic() - start > self.GIVE_UP_S:
                    raise
                resent = True
                await asyncio.sleep(self.RETRY_S)
        self.alert_resends += resent
        self.alerts_made.append(aid)
        self.fresh.append(aid)
        self.open.append(aid)
        return seq

    # ------------------------------------------------------------------ the whole load

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def run(self, seconds: float) -> None:
        """Issue at the rates for ``seconds`` (each on its own task, so a stuck one does not slow the rest)."""
        t0 = time.monotonic()
        next_cmd = next_alert = t0
        while time.monotonic() - t0 < seconds:
            now = time.monotonic()
            if self.commands_per_s and now >= next_cmd:
                self._n += 1
                self._spawn(self.command(self.next_command(), self._n))
                next_cmd += 1.0 / self.commands_per_s
            if self.alerts_per_s and self.events is not None and now >= next_alert:
                self._spawn(self.new_alert())
                next_alert += 1.0 / self.alerts_per_s
            await asyncio.sleep(max(0.0, min(next_cmd, next_alert if self.alerts_per_s else next_cmd) - time.monotonic()))

    async def drain(self, timeout_s: float = 90.0) -> None:
        """Wait for every command and alert in flight to have its final answer."""
        if self._tasks:
            done, pending = await asyncio.wait(set(self._tasks), timeout=timeout_s)
            for t in done:
                if t.exception() is not None:
                    raise t.exception()  # type: ignore[misc]
            assert not pending, f"{len(pending)} commands/alerts still unanswered"

    def accepted(self) -> list[str]:
        return [cid for cid, status in self.answers.items() if status == 202]


async def stream_ids(http: httpx.AsyncClient, url: str, tok: str, after: str, head: int,
                     timeout_s: float = 60.0) -> list[int]:
    """Every SSE id a fresh console gets from ``url`` after ``after`` up to ``head``."""
    ids: list[int] = []
    headers = {"Authorization": f"Bearer {tok}", "Last-Event-ID": after}

    async def read() -> None:
        async with http.stream("GET", url + "/api/v1/stream", headers=headers, timeout=30) as r:
            assert r.status_code == 200
            async for line in r.aiter_lines():
                if line.startswith("id: "):
                    ids.append(int(line[4:]))
                    if ids[-1] >= head:
                        return

    if int(after) < head:
        await asyncio.wait_for(read(), timeout_s)
    return ids


async def head_of(http: httpx.AsyncClient, url: str) -> int:
    return int((await http.get(url + "/readyz", timeout=10)).json()["head"])


async def nats_of(http: httpx.AsyncClient, url: str) -> str:
    """The NATS server (host:port) a replica is connected to, from its /readyz."""
    return str((await http.get(url + "/readyz", timeout=10)).json()["nats"])

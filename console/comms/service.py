"""The seat's calling service: registration, one call at a time, records.

:class:`CallService` owns a :class:`~console.comms.baresip.BaresipAgent`, turns its
events into :class:`Registration` and :class:`Call` states, and bounds every wait
itself so that nothing hangs on a dead server: registration is declared failed after
``register_timeout_s`` (baresip keeps retrying and a late success still counts), a
dialled call with no reply at all is given up after ``setup_timeout_s`` (服务器无应答),
an unanswered one after ``ring_timeout_s`` (无人接听). Every finished call becomes a
:class:`~console.comms.records.CallRecord` in the audit chain.

Callers are resolved to names by resolvers (``uri -> name | None``), tried in order:
the units and resources (:func:`console.comms.directory.resources_resolver`), and any
the duty roster adds with :meth:`CallService.add_resolver`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections import deque
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Literal

from console.comms.baresip import AgentError, BaresipAgent, baresip_binary
from console.comms.records import AUDIT_ACTION, CallRecord
from console.comms.settings import SipSettings
from console.events import Event
from console.texts import DisplayText, say, spoken

log = logging.getLogger(__name__)

RegistrationState = Literal["unconfigured", "starting", "registered", "failed"]
CallState = Literal["dialing", "ringing", "incoming", "active", "held", "ended"]
Resolver = Callable[[str], "str | None"]
CLOSE_WAIT_S = 3.0
RECORDS_KEPT = 200
"""The latest call records held in memory (for the view); every record is in the audit chain."""


class CallError(RuntimeError):
    """A call command that cannot be carried out now (message in Chinese)."""


@dataclass(frozen=True)
class Registration:
    """The seat's standing with the SIP server, and whether it has a sound card."""

    state: RegistrationState
    detail: DisplayText
    has_audio: bool = False


@dataclass
class Call:
    """The call in progress (or the one that just ended: ``state == "ended"``)."""

    direction: Literal["outgoing", "incoming"]
    peer_uri: str
    peer_name: str
    link: str = ""
    state: CallState = "dialing"
    id: str = ""
    started_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    outcome: str = ""
    reason: str = ""
    transferred_to: str = ""
    shown_uri: str = ""  # what records show instead of peer_uri (a reporter's masked number)
    dialled_mono: float = field(default_factory=time.monotonic)
    ringing_after_s: float | None = None  # dial → the peer's 180 Ringing (outgoing)

    @property
    def duration_s(self) -> float:
        """Talking time so far (or in all, once ended)."""
        if self.answered_at is None:
            return 0.0
        end = self.ended_at or datetime.now(timezone.utc)
        return max(0.0, (end - self.answered_at).total_seconds())


def sip_user(uri: str) -> str:
    """The user part of a SIP URI (``sip:team_flood@d;transport=udp`` → ``team_flood``)."""
    m = re.match(r"^\s*(?:\"[^\"]*\"\s*)?<?(?:sips?:)?([^@;>]+)@?", uri)
    return m.group(1) if m else uri


class CallService:
    """Registration and calls of one seat (see the module docstring)."""

    def __init__(self, settings: SipSettings | None, folder: Path | str, *, auditor: Any = None,
                 operator: str = "值班员", binary: str | None = None) -> None:
        self.settings = settings
        self.folder = Path(folder)
        self.auditor = auditor
        self.operator = operator
        self.binary = binary
        self.agent: BaresipAgent | None = None
        self.registration = Registration("unconfigured", say("comms_unconfigured"))
        self.call: Call | None = None
        self.records: deque[CallRecord] = deque(maxlen=RECORDS_KEPT)  # the audit chain keeps them all
        self.registration_changed: Event[[Registration]] = Event("comms.registration_changed")
        self.call_changed: Event[[Call]] = Event("comms.call_changed")
        self.record_written: Event[[CallRecord]] = Event("comms.record_written")
        self._resolvers: list[Resolver] = []
        self._tasks: set[asyncio.Task[Any]] = set()
        self._closed = asyncio.Event()
        self._registered = asyncio.Event()

    # ------------------------------------------------------------------ lifecycle

    @property
    def configured(self) -> bool:
        return self.settings is not None

    async def start(self) -> Registration:
        """Start the user agent and register; returns the registration after at most
        ``register_timeout_s`` (plus the agent's start-up)."""
        if self.settings is None:
            self._set_registration("unconfigured", say("comms_unconfigured"))
            return self.registration
        if (self.binary or baresip_binary()) is None:
            self._set_registration("failed", say("comms_no_agent"))
            return self.registration
        self._set_registration("starting", say("comms_registering", server=self.settings.server))
        self.agent = BaresipAgent(self.settings, self.folder, self.binary)
        self.agent.events.connect(self._on_agent_event)
        self.agent.exited.connect(self._on_agent_exited)
        try:
            await self.agent.start()
        except AgentError:
            self._set_registration("failed", say("comms_agent_failed"))
            self.agent = None
            return self.registration
        self.registration = replace(self.registration, has_audio=self.agent.has_audio)
        # The first REGISTER may be answered before the control connection is up, so its
        # event is lost: ask baresip (reginfo) until it says OK, or the deadline passes.
        deadline = time.monotonic() + self.settings.register_timeout_s
        while self.registration.state == "starting" and time.monotonic() < deadline:
            with contextlib.suppress(AgentError):
                if await self.agent.registered() and self.registration.state == "starting":
                    self._set_registration("registered", say("comms_registered", aor=self.settings.aor))
                    break
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._registered.wait(), 0.2)
        if self.registration.state == "starting":
            self._set_registration("failed", say("comms_unreachable", server=self.settings.server))
        return self.registration

    async def stop(self) -> None:
        """Hang up, stop the agent and every timer."""
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self.call is not None and self.call.state != "ended":
            self._finish(self.call.outcome or ("answered" if self.call.answered_at else "cancelled"),
                         self.call.reason or "console closed")
        if self.agent is not None:
            agent, self.agent = self.agent, None
            agent.exited.disconnect(self._on_agent_exited)
            await agent.stop()

    def close_now(self) -> None:
        """Synchronous :meth:`stop` for a window that closes: the call ends, baresip is terminated."""
        for task in list(self._tasks):
            task.cancel()
        if self.call is not None and self.call.state != "ended":
            self._finish(self.call.outcome or ("answered" if self.call.answered_at else "cancelled"), "console closed")
        if self.agent is not None:
            agent, self.agent = self.agent, None
            agent.exited.disconnect(self._on_agent_exited)
            agent.kill_now()

    def add_resolver(self, resolver: Resolver) -> None:
        """Also look callers up with ``resolver`` (``uri -> name | None``), after the others."""
        self._resolvers.append(resolver)

    def resolve(self, uri: str) -> str:
        """The caller's name from the resolvers, else the number itself."""
        for resolver in self._resolvers:
            try:
                name = resolver(uri)
            except Exception:  # noqa: BLE001 - a broken lookup must not lose the call
                log.exception("caller lookup failed")
                continue
            if name:
                return name
        return sip_user(uri)

    # ------------------------------------------------------------------ commands

    async def dial(self, target: str, display: str = "", link: str = "", record_as: str = "") -> Call:
        """Call ``target`` (a number, an account or a SIP URI); ``link`` names the alert,
        incident or task the call is about; ``record_as`` is what the record and the view
        show instead of the address (a masked number). :class:`CallError` when it cannot start."""
        agent = self._ready_agent()
        if self.call is not None and self.call.state != "ended":
            raise CallError(spoken("comms_line_busy"))
        assert self.settings is not None
        uri = self.settings.uri_for(target)
        call = Call("outgoing", uri, display or self.resolve(uri), link, shown_uri=record_as)
        self.call = call
        self._closed.clear()
        self.call_changed.emit(call)
        try:
            ok, data = await agent.command("dial", uri)
        except AgentError:
            ok, data = False, "no answer from the user agent"
        if not ok:
            self._finish("failed", data or "dial refused")
            raise CallError(spoken("comms_call_failed", reason=data or "dial"))
        self._spawn(self._watch_outgoing(call))
        return call

    async def answer(self) -> None:
        """Answer the ringing incoming call."""
        call = self._current("incoming")
        await self._command("accept")
        call.state = "active"  # CALL_ESTABLISHED confirms it
        call.answered_at = call.answered_at or datetime.now(timezone.utc)
        self.call_changed.emit(call)

    async def hold(self) -> None:
        """Put the active call on hold."""
        call = self._current("active")
        await self._command("hold")
        call.state = "held"
        self.call_changed.emit(call)

    async def resume(self) -> None:
        """Take the held call off hold."""
        call = self._current("held")
        await self._command("resume")
        call.state = "active"
        self.call_changed.emit(call)

    async def toggle_hold(self) -> None:
        """Hold an active call, resume a held one."""
        if self.call is not None and self.call.state == "held":
            await self.resume()
        else:
            await self.hold()

    async def transfer(self, target: str) -> None:
        """Hand the call over to ``target`` (blind transfer, SIP REFER)."""
        call = self._current("active", "held")
        assert self.settings is not None
        uri = self.settings.uri_for(target)
        await self._command("transfer", uri)
        call.transferred_to = uri
        self.call_changed.emit(call)

    async def hangup(self) -> None:
        """End the call (cancel it while ringing, refuse an incoming one)."""
        call = self.call
        if call is None or call.state == "ended":
            raise CallError(spoken("comms_no_call"))
        if call.answered_at is None:
            call.outcome = "rejected" if call.direction == "incoming" else "cancelled"
        await self._hangup_and_wait(call, call.outcome or "answered", "hung up by the operator")

    async def wait_ended(self, timeout: float) -> bool:
        """Wait until the current call has ended; False on timeout (tests, benches)."""
        try:
            await asyncio.wait_for(self._closed.wait(), timeout)
            return True
        except asyncio.TimeoutError:
            return False

    # ------------------------------------------------------------------ internals

    def _ready_agent(self) -> BaresipAgent:
        if self.settings is None:
            raise CallError(spoken("comms_unconfigured"))
        if self.agent is None or self.registration.state != "registered":
            raise CallError(spoken("comms_not_registered"))
        return self.agent

    def _current(self, *states: CallState) -> Call:
        call = self.call
        if call is None or call.state not in states:
            raise CallError(spoken("comms_no_call"))
        return call

    async def _command(self, name: str, params: str = "") -> None:
        if self.agent is None:
            raise CallError(spoken("comms_not_registered"))
        try:
            ok, data = await self.agent.command(name, params)
        except AgentError:
            raise CallError(spoken("comms_agent_failed")) from None
        if not ok:
            raise CallError(spoken("comms_call_failed", reason=data or name))

    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _watch_outgoing(self, call: Call) -> None:
        """Bound the wait for a reply (setup) and for an answer (ring timeout)."""
        assert self.settings is not None
        setup, ring = self.settings.setup_timeout_s, self.settings.ring_timeout_s
        await asyncio.sleep(min(setup, ring))
        if call.state == "dialing":
            await self._hangup_and_wait(call, "failed", "server did not reply")
            return
        await asyncio.sleep(max(0.0, ring - (time.monotonic() - call.dialled_mono)))
        if call.state in ("dialing", "ringing"):
            await self._hangup_and_wait(call, "no_answer", "no answer")

    async def _hangup_and_wait(self, call: Call, outcome: str, reason: str) -> None:
        if call.state == "ended":
            return
        call.outcome, call.reason = outcome, call.reason or reason
        if self.agent is not None:
            with contextlib.suppress(AgentError):
                await self.agent.command("hangup")
        try:
            await asyncio.wait_for(self._closed.wait(), CLOSE_WAIT_S)
        except asyncio.TimeoutError:
            if call.state != "ended":
                self._finish(outcome, call.reason)

    def _set_registration(self, state: RegistrationState, detail: DisplayText) -> None:
        has_audio = self.agent.has_audio if self.agent is not None else False
        self.registration = Registration(state, detail, has_audio)
        if state == "registered":
            self._registered.set()
        else:
            self._registered.clear()
        self.registration_changed.emit(self.registration)

    def _on_agent_event(self, event: dict[str, Any]) -> None:
        kind = str(event.get("type", ""))
        param = str(event.get("param") or "")
        if kind == "REGISTER_OK":
            assert self.settings is not None
            if self.registration.state != "registered":
                self._set_registration("registered", say("comms_registered", aor=self.settings.aor))
            return
        if kind == "REGISTER_FAIL":
            self._set_registration("failed", say("comms_register_failed", reason=param or "?"))
            return
        if event.get("class") != "call" and kind != "CALL_INCOMING":
            return
        call = self.call
        if kind == "CALL_INCOMING":
            if call is not None and call.state != "ended":
                return  # one call at a time: the second caller keeps ringing at baresip
            uri = str(event.get("peeruri") or param)
            call = Call("incoming", uri, self.resolve(uri), state="incoming", id=str(event.get("id") or ""))
            self.call = call
            self._closed.clear()
            self.call_changed.emit(call)
            self._spawn(self._watch_incoming(call))
            return
        if call is None or call.state == "ended":
            return
        if event.get("id") and not call.id:
            call.id = str(event["id"])
        if call.id and event.get("id") and str(event["id"]) != call.id:
            return
        if kind in ("CALL_RINGING", "CALL_PROGRESS") and call.state == "dialing":
            call.state = "ringing"
            call.ringing_after_s = time.monotonic() - call.dialled_mono
            self.call_changed.emit(call)
        elif kind == "CALL_ESTABLISHED":
            call.state = "active" if call.state != "held" else "held"
            call.answered_at = call.answered_at or datetime.now(timezone.utc)
            self.call_changed.emit(call)
        elif kind == "CALL_CLOSED":
            self._finish(self._outcome(call, param), param)

    async def _watch_incoming(self, call: Call) -> None:
        assert self.settings is not None
        await asyncio.sleep(self.settings.ring_timeout_s)
        if call.state == "incoming":
            await self._hangup_and_wait(call, "missed", "not answered")

    @staticmethod
    def _outcome(call: Call, reason: str) -> str:
        if call.answered_at is not None:
            return "answered"
        if call.outcome:
            return call.outcome
        if call.direction == "incoming":
            return "missed"
        low = reason.lower()
        if re.search(r"\b(486|600)\b", reason) or "busy" in low:
            return "busy"
        if re.search(r"\b(408|480)\b", reason) or "timeout" in low or "timed out" in low:
            return "no_answer"
        return "failed"

    def _on_agent_exited(self, code: int) -> None:
        self.agent = None
        if self.call is not None and self.call.state != "ended":
            self._finish(self.call.outcome or "failed", "user agent exited")
        self._set_registration("failed", say("comms_agent_died", status=code))

    def _finish(self, outcome: str, reason: str) -> None:
        call = self.call
        if call is None or call.state == "ended":
            return
        call.state, call.outcome = "ended", outcome
        call.reason = call.reason or reason
        call.ended_at = datetime.now(timezone.utc)
        peer = call.peer_name or sip_user(call.peer_uri)
        me = self.operator
        record = CallRecord(
            call_id=call.id, direction=call.direction,
            caller=me if call.direction == "outgoing" else peer,
            callee=peer if call.direction == "outgoing" else me,
            peer_uri=call.shown_uri or call.peer_uri, started_at=call.started_at.isoformat(),
            answered_at=call.answered_at.isoformat() if call.answered_at else None,
            ended_at=call.ended_at.isoformat(), duration_s=round(call.duration_s, 1),
            outcome=outcome, reason=(f"transferred to {call.transferred_to}" if call.transferred_to
                                     else call.reason), link=call.link)
        self.records.append(record)
        if self.auditor is not None:
            try:
                self.auditor.record(AUDIT_ACTION, record.peer_uri, **record.detail())
            except Exception:  # noqa: BLE001 - the record stays in memory and the log says why
                log.exception("call record could not be written to the audit chain")
        self._closed.set()
        self.call_changed.emit(call)
        self.record_written.emit(record)

"""Where envelopes come from: the live gateway stream, or a recording played back.

Every source feeds the same :class:`console.ingest.Ingest` (validate → journal →
picture) and reports its state through ``picture.set_connection``; nothing
downstream knows which source runs.  A source's ``run()`` never lets an exception
out except ``CancelledError``: a network failure is a state shown to the
operator, not a crash.

The live path, typed at every hop: ``GatewayClient.stream`` yields
:class:`~console.sse.SseEvent` (parsed by :class:`~console.sse.SseParser`);
:class:`LiveSource` hands each event's bytes to an :class:`EnvelopeSink` (Ingest),
which returns the validated :data:`~console.models.Envelope` and applies it to the
stores; the source reports its state to a :class:`ConnectionSink` (the picture).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import time
from datetime import datetime
from pathlib import Path
from typing import Any, Iterator, Protocol, runtime_checkable

from console.clock import Clock
from console.events import Event
from console.gateway import GatewayClient, error_text, gateway_down
from console.models import Envelope, ResetEnvelope, Snapshot
from console.sse import SseEvent
from console.texts import DisplayText, detail_fields, say
from offline_cache.journal import Journal

log = logging.getLogger(__name__)

BASE_DELAY_S = 0.5
MAX_DELAY_S = 30.0
HEALTHY_AFTER_S = 5.0  # a connection that stayed up this long resets the backoff
HOLD_POLL_S = 0.2  # how often a source held for the journal looks whether it may go on


@runtime_checkable
class Source(Protocol):
    """A producer of envelopes for Ingest; ``run()`` lasts until cancelled (or the data ends)."""

    name: str

    async def run(self) -> None:
        """Feed envelopes into Ingest until cancelled."""
        ...


class EnvelopeSink(Protocol):
    """What a source hands its messages to: :class:`console.ingest.Ingest`."""

    def accept(self, raw: bytes, stream_id: str) -> Envelope | None:
        """Validate, journal and apply one message; the envelope, or None when rejected."""
        ...

    def accept_snapshot(self, snapshot: Snapshot) -> None:
        """Replace the picture with a gateway snapshot."""
        ...

    def reject(self, reason: str, raw: bytes | str, origin: str | None = None) -> None:
        """Dead-letter a message the source already knows is bad (cut for size)."""
        ...

    def hold_reason(self) -> DisplayText | None:
        """Why the source must stop consuming now (the journal refuses rows), or None."""
        ...


class ConnectionSink(Protocol):
    """Where a source reports its state: :class:`console.stores.OperatingPicture`."""

    def set_connection(self, **fields: Any) -> None:
        """Update fields of :class:`console.stores.ConnectionState` (unknown names raise)."""
        ...


class _ResetRequested(Exception):
    """The stream said our cursor is unusable: take a fresh snapshot."""


class _StreamEnded(Exception):
    """The gateway closed the stream (EOF); an event cut off there was discarded."""


class _Held(Exception):
    """Ingest cannot journal more (disk full): stop reading, resume from the cursor later."""


async def wait_while_held(ingest: EnvelopeSink, show: Any) -> None:
    """Return once ``ingest.hold_reason()`` is None; ``show(text)`` each time the reason
    changes (the pending count, the kind of failure).  The runtime's flush ticker keeps
    retrying the journal meanwhile: its first success ends the hold."""
    shown: DisplayText | None = None
    while (reason := ingest.hold_reason()) is not None:
        if reason != shown:
            shown = reason
            show(reason)
        await asyncio.sleep(HOLD_POLL_S)


def backoff_delay(attempt: int, base_s: float = BASE_DELAY_S, cap_s: float = MAX_DELAY_S,
                  rng: random.Random | None = None) -> float:
    """Exponential backoff with full jitter: uniform(0, min(cap, base · 2^attempt)).

    Full jitter spreads the reconnects of many consoles after a gateway restart
    instead of having them all return in the same second.
    """
    ceiling = min(cap_s, base_s * (2 ** min(attempt, 30)))
    return (rng or random).uniform(0.0, ceiling)


def _seconds_text(delay: float) -> str:
    return f"{delay:.1f}" if delay < 10 else f"{delay:.0f}"


class LiveSource:
    """The gateway's snapshot plus its SSE stream, resumed by ``Last-Event-ID``.

    Without ``resume_from`` it starts with a snapshot; with it (the cursor the
    cache holds) it resumes the stream directly.  A ``reset`` envelope, sent when
    the cursor is older than the gateway's retention, triggers a fresh snapshot.
    ``opened`` (``source.opened``) is emitted each time the stream (re)opens — the
    core wakes the outbox sender then, to send what waited while offline.

    With several gateways (replicas of one stream), a gateway that stops answering
    (unreachable, 5xx, stream cut or stalled) is left for the next one after the usual
    backoff, and the stream resumes there from the same ``Last-Event-ID``: no snapshot,
    no reset. The connection state's ``backend`` names the gateway in use.
    """

    name = "live"

    def __init__(
        self,
        gateway: GatewayClient,
        ingest: EnvelopeSink,
        picture: ConnectionSink,
        scope: str | None = None,
        *,
        resume_from: str | None = None,
        base_delay_s: float = BASE_DELAY_S,
        max_delay_s: float = MAX_DELAY_S,
        healthy_after_s: float = HEALTHY_AFTER_S,
        rng: random.Random | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.gateway = gateway
        self.clock = clock  # fed the gateway's timestamps as they arrive
        self.ingest = ingest
        self.picture = picture
        self.scope = scope
        self.last_event_id: str | None = resume_from
        self.base_delay_s = base_delay_s
        self.max_delay_s = max_delay_s
        self.healthy_after_s = healthy_after_s
        self.opened: Event[[]] = Event("source.opened")
        self.connected_once = False
        self.attempt = 0  # consecutive failed attempts
        self.connections = 0  # streams opened, for tests and the status bar
        self.resets = 0
        self.holds = 0  # times the source stopped consuming for the journal
        self.events = 0
        self._rng = rng or random.Random()
        self._opened_at: float | None = None
        self._events_this_connection = 0
        self._resets_in_row = 0
        self._poison_id: str | None = None
        self._wake = asyncio.Event()
        self._url = gateway.base_url  # the gateway of the current attempt

    def wake(self) -> None:
        """Cut a waiting reconnect short (a new login or refreshed token: try now)."""
        self.attempt = 0
        self._wake.set()

    # ------------------------------------------------------------------ loop

    async def run(self) -> None:
        """Connect, stream, reconnect — until cancelled; never raises anything else."""
        self._set(state="connecting", **detail_fields(say("connecting")), backend=self.gateway.base_url)
        while True:
            try:
                await self._connect_once()
            except asyncio.CancelledError:
                raise
            except _Held:
                await self._hold()
            except _ResetRequested:
                self.resets += 1
                self._resets_in_row += 1
                self.last_event_id = None  # next round takes a snapshot
                if self._resets_in_row <= 1:
                    continue  # a normal reset: re-snapshot at once
                # A reset right after a fresh snapshot means the gateway is confused:
                # treat it as a failure so we do not hammer it.
                await self._failed(say("gateway_resync_loop"))
            except Exception as exc:  # noqa: BLE001 - every failure becomes a state, never a crash
                if not isinstance(exc, _StreamEnded):
                    log.info("live source: %s", exc, exc_info=log.isEnabledFor(logging.DEBUG))
                try:
                    reason = error_text(exc) if not isinstance(exc, _StreamEnded) else say("stream_closed")
                    if (isinstance(exc, _StreamEnded) or gateway_down(exc)) and self.gateway.fail_over(self._url):
                        reason = say("failover", reason=reason, url=self.gateway.base_url)
                    await self._failed(reason)
                except asyncio.CancelledError:
                    raise
                except Exception:  # noqa: BLE001 - last line of defence: never a busy loop, never a crash
                    log.exception("live source failure handling failed")
                    await asyncio.sleep(self.max_delay_s)

    async def _connect_once(self) -> None:
        self._opened_at = None
        self._events_this_connection = 0
        if self.gateway.base_url != self._url:
            self._set(backend=self.gateway.base_url)  # the outbox sender (or a login) moved on
        self._url = self.gateway.base_url
        if self.last_event_id is None:
            self._set(**detail_fields(say("snapshot")))
            snapshot = await self.gateway.snapshot(self.scope)
            self.ingest.accept_snapshot(snapshot)
            self._observe(snapshot.generated_at)
            self.last_event_id = snapshot.cursor
            log.info("snapshot: %d alerts, cursor %s", len(snapshot.alerts), snapshot.cursor)
        # aclosing: leaving the loop early (reset, error) closes the HTTP stream at once
        # instead of whenever the generator is collected.
        events = self.gateway.stream(self.last_event_id, self.scope, on_open=self._opened)
        async with contextlib.aclosing(events):
            async for event in events:
                self._accept(event)
                if self.ingest.hold_reason() is not None:
                    raise _Held()  # leaves the loop: aclosing closes the stream now
                if self._events_this_connection % 200 == 0:
                    await asyncio.sleep(0)  # a replay burst arrives in big chunks: let the UI breathe
        raise _StreamEnded()

    def _opened(self) -> None:
        self._opened_at = time.monotonic()
        self.connections += 1
        self.connected_once = True
        self._set(state="live", detail="", detail_text=None, attempt=0, backend=self._url)
        self.opened.emit()  # a failing handler is logged; the stream goes on

    def _accept(self, event: SseEvent) -> None:
        self.events += 1
        self._events_this_connection += 1
        if event.oversize:
            # Only a prefix was kept: say how big it really was, never try to parse it.
            reason = f"message too large: {event.size} bytes (stream event cut to {len(event.raw)})"
            self.ingest.reject(reason, event.raw, event.id)
            self._advance(event)
            return
        try:
            envelope = self.ingest.accept(event.raw, event.id or "")
        except Exception as exc:
            # Not accepted (e.g. the disk failed): resume before this event so it is
            # fetched again — but only once, so one poisonous event cannot stall the stream;
            # then it goes to the dead letters (counted, kept), never silently away.
            if self._poison_id is not None and self._poison_id == event.id:
                log.exception("event %s failed twice in Ingest; dead-lettered", event.id)
                self._set_aside(event, exc)
                self._advance(event)
                return
            self._poison_id = event.id
            raise
        self._advance(event)
        if envelope is not None:
            self._observe(envelope.ts)
        if isinstance(envelope, ResetEnvelope):
            log.warning("gateway reset: %s", envelope.payload.reason)
            raise _ResetRequested()
        self._resets_in_row = 0

    def _set_aside(self, event: SseEvent, exc: Exception) -> None:
        try:
            self.ingest.reject(f"Ingest failed twice: {type(exc).__name__}: {str(exc)[:120]}", event.raw, event.id)
        except Exception:  # noqa: BLE001 - the dead letter is best effort; the log has it
            log.exception("event %s could not be dead-lettered either", event.id)

    def _observe(self, gateway_ts: datetime) -> None:
        """The gateway's clock, seen on something it just sent (console.clock)."""
        if self.clock is not None:
            self.clock.observe(gateway_ts)

    def _advance(self, event: SseEvent) -> None:
        """The event is done with (accepted or dead-lettered): resume after it."""
        if event.id is not None:
            self.last_event_id = event.id
        self._poison_id = None

    async def _hold(self) -> None:
        """Stop consuming until the journal takes rows again, then reconnect from the cursor."""
        self.holds += 1
        log.warning("live source held at %s: %s", self.last_event_id, self.ingest.hold_reason())
        await wait_while_held(self.ingest, lambda reason: self._set(state="held", **detail_fields(reason)))
        if getattr(self.ingest, "snapshot_unsaved", False):
            self.last_event_id = None  # the saved tables miss the last snapshot: take it again
        log.info("journal writable again: resuming from %s", self.last_event_id)
        self.attempt = 0
        self._set(state="connecting", **detail_fields(say("connecting")))

    async def _failed(self, reason: DisplayText) -> None:
        opened_at = self._opened_at
        if opened_at is not None and (self._events_this_connection > 0
                                      or time.monotonic() - opened_at >= self.healthy_after_s):
            self.attempt = 0  # it was a healthy connection: start the backoff over
        retry_hint = self.gateway.retry_ms
        base = max(self.base_delay_s, retry_hint / 1000.0) if retry_hint else self.base_delay_s
        delay = backoff_delay(self.attempt, base, self.max_delay_s, self._rng)
        self.attempt += 1
        if self.connected_once:
            state, text = "reconnecting", say("retry_after_cut", reason=reason, delay=_seconds_text(delay))
        else:
            # Never reached the gateway since start: the console works from its cache.
            state, text = "offline", say("retry", reason=reason, delay=_seconds_text(delay))
        self._set(state=state, **detail_fields(text), attempt=self.attempt)
        self._wake.clear()
        try:
            await asyncio.wait_for(self._wake.wait(), delay)  # wake() ends the wait early
        except asyncio.TimeoutError:
            pass

    def _set(self, **fields: Any) -> None:
        try:
            self.picture.set_connection(**fields)
        except Exception:  # noqa: BLE001 - the status line must never stop the stream
            log.exception("set_connection failed")


class ReplaySource:
    """Plays a recording (``record``'s JSONL, or a journal) through Ingest.

    Pacing follows the envelopes' ``ts`` divided by ``speed``; ``speed=0`` plays
    as fast as possible.  Connection state is ``replay``.  ``run()`` returns when
    the recording ends.
    """

    name = "replay"

    def __init__(self, recording: str | Path | Journal, ingest: EnvelopeSink,
                 picture: ConnectionSink | float | None = None, speed: float = 1.0) -> None:
        if isinstance(picture, (int, float)):
            # The short form ReplaySource(recording, ingest, speed) of docs/INTERFACES.md.
            speed = float(picture)
            picture = None
        self.recording = recording
        self.ingest = ingest
        self.picture: ConnectionSink | None = picture if picture is not None else getattr(ingest, "picture", None)
        self.speed = speed
        self.played = 0
        self.skipped = 0
        self.finished = asyncio.Event()

    def _lines(self) -> Iterator[tuple[str | None, bytes]]:
        """(stream id, envelope bytes) from the JSONL file or the journal."""
        rec = self.recording
        if isinstance(rec, (str, Path)):
            with open(rec, "rb") as fh:
                for raw in fh:
                    raw = raw.rstrip(b"\r\n")
                    if not raw.strip():
                        continue
                    try:
                        sid = json.loads(raw).get("id")
                    except (ValueError, AttributeError):
                        sid = None  # Ingest dead-letters it with the reason
                    yield (str(sid) if sid is not None else None, raw)
        else:
            for _seq, sid, body in rec.read_after(0):
                yield sid, body.encode("utf-8") if isinstance(body, str) else body

    @staticmethod
    def _ts_of(envelope: Envelope) -> float | None:
        ts = envelope.ts
        return ts.timestamp() if isinstance(ts, datetime) else None

    async def run(self) -> None:
        """Play the whole recording; never raises except CancelledError."""
        label = Path(self.recording).name if isinstance(self.recording, (str, Path)) else say("replay_journal")
        self._set(state="replay", **detail_fields(say("replay", label=label)), backend=str(self.recording))
        first_ts: float | None = None
        started = time.monotonic()
        try:
            for sid, raw in self._lines():
                envelope = self.ingest.accept(raw, sid or "")
                if envelope is None:
                    self.skipped += 1
                else:
                    self.played += 1
                    ts = self._ts_of(envelope)
                    if self.speed > 0 and ts is not None:
                        if first_ts is None:
                            first_ts = ts
                        wait = (ts - first_ts) / self.speed - (time.monotonic() - started)
                        if wait > 0:
                            await asyncio.sleep(wait)
                if self.ingest.hold_reason() is not None:
                    await wait_while_held(self.ingest, lambda reason: self._set(state="held", **detail_fields(reason)))
                    self._set(state="replay", **detail_fields(say("replay", label=label)))
                if (self.played + self.skipped) % 500 == 0:
                    await asyncio.sleep(0)
            self._set(state="replay", **detail_fields(say("replay_done", played=self.played, skipped=self.skipped)))
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001
            log.exception("replay failed")
            self._set(state="replay", **detail_fields(say("replay_failed", error=f"{type(exc).__name__}: {str(exc)[:80]}")))
        finally:
            self.finished.set()

    def _set(self, **fields: Any) -> None:
        if self.picture is None:
            return
        try:
            self.picture.set_connection(**fields)
        except Exception:  # noqa: BLE001
            log.exception("set_connection failed")

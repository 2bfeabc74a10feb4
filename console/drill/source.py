"""DrillSource: the third implementation of ``console.source.Source`` (after live and replay).

It plays a :class:`DrillEngine` into the same Ingest (validate → journal → picture)
on a virtual clock, and delivers the operator's outbox to the engine's local
arbiter, so commands follow exactly the path they follow live (outbox row first,
pending, accepted or refused, confirmed by the echo).  One task does both, so the
order of injects, echoes and commands is decided in one place.  Nothing here
touches the network.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from console.drill.clock import VirtualClock
from console.drill.engine import DrillEngine, response_command
from console.drill.scenario import Response
from console.events import Event
from console.models import CommandAccepted, CommandRefused
from console.source import wait_while_held
from console.texts import detail_fields, say

log = logging.getLogger(__name__)

STEP_WALL_S = 0.1  # how often a paced drill looks at its clock (the UI needs no more)


class DrillSource:
    """Envelopes from a drill engine, paced by a virtual clock; commands to the local arbiter.

    ``paced=False`` runs as fast as possible, stopping exactly at every due item
    (headless runs, benches).  ``ticked`` (``drill.ticked``) is emitted after every
    step (the drill bar reads the clock and the score there); at the end ``finished``
    is set and ``completed`` (``drill.completed``) emitted.
    """

    name = "drill"

    def __init__(self, engine: DrillEngine, ingest: Any, picture: Any, commands: Any, outbox: Any, *,
                 clock: VirtualClock | None = None, paced: bool = True, operator: str = "值班员",
                 scripted: bool = False, pace_speed: float | None = None) -> None:
        self.engine = engine
        self.ingest = ingest
        self.picture = picture
        self.commands = commands
        self.outbox = outbox
        self.clock = clock or VirtualClock()
        self.paced = paced
        self.operator = operator
        self.scripted = scripted
        self.pace_speed = pace_speed  # headless --speed N: wall pacing without a clock UI
        self.finished = asyncio.Event()
        self.ticked: Event[[]] = Event("drill.ticked")
        self.completed: Event[[]] = Event("drill.completed")
        self.played = 0
        self.rejected = 0
        self.skipped_responses: list[tuple[float, str]] = []
        self.holds = 0  # times the drill stopped for the journal (disk full)
        self._wake = asyncio.Event()
        commands.submitted.connect(self.wake)

    def wake(self) -> None:
        """A command was submitted: deliver it at the current virtual time."""
        self._wake.set()

    # ------------------------------------------------------------------ steps

    def _drain(self) -> None:
        for eid, _etype, body in self.engine.take():
            if self.ingest.accept(body, str(eid)) is None:
                self.rejected += 1
            else:
                self.played += 1

    def deliver(self) -> int:
        """Outbox → arbiter → commands.on_accepted/on_refused; envelopes it produced → Ingest."""
        n = 0
        for item in self.outbox.unsent():
            status, body = self.engine.execute(item.body_json, self.operator)
            n += 1
            if status == 202:
                self.commands.on_accepted(str(item.command_id), CommandAccepted.model_validate_json(body))
            else:
                self.commands.on_refused(str(item.command_id), status, CommandRefused.model_validate_json(body).reason)
            self._drain()
        return n

    def _respond(self, r: Response) -> None:
        spec = response_command(r, self.engine)
        if spec is None:
            self.skipped_responses.append((r.at, f"{r.action} → {r.target}"))
            self.engine._log(r.at, "note", f"脚本响应跳过（{r.target} 尚未产生事件）：{r.action}")
            return
        kind, target, args = spec
        self.commands.submit(kind, target, args)

    def _after_item(self) -> None:
        self._drain()
        self.deliver()

    def step(self, t: float) -> None:
        """Everything due up to virtual time ``t``, each at its own time; then pending commands."""
        self.engine.advance_to(t, on_response=self._respond if self.scripted else None, on_step=self._after_item)
        self._after_item()
        self._set_status()
        self.ticked.emit()  # a failing view handler is logged; the drill goes on

    def _set_status(self) -> None:
        e = self.engine
        minutes, seconds = divmod(int(e.now_s), 60)
        state = say("drill_finished") if e.finished else (
            say("drill_paused") if self.clock.paused else f"{self.clock.speed:g}×")
        self._set(state="drill", backend="演练", **detail_fields(say(
            "drill_status", title=e.scenario.title, clock=f"{minutes:02d}:{seconds:02d}",
            minutes=int(e.duration // 60), state=state)))

    async def _hold(self) -> None:
        """While the journal refuses rows (disk full), stop the drill — its virtual clock
        too, so no inject falls due unseen and the score's time limits do not run — show
        why (暂停接收, as live), and go on where it stopped once a flush succeeded."""
        if self.ingest.hold_reason() is None:
            return
        self.holds += 1
        paused_here = not self.clock.paused
        if paused_here:
            self.clock.pause()
        log.warning("drill held at %.1f s: %s", self.engine.now_s, self.ingest.hold_reason())
        try:
            await wait_while_held(self.ingest, lambda reason: self._set(state="held", **detail_fields(reason)))
        finally:
            if paused_here:
                self.clock.resume()
        self._set_status()

    # ------------------------------------------------------------------ loop

    async def run(self) -> None:
        """Play to the end of the scenario (then keep delivering commands until cancelled)."""
        e = self.engine
        self._set_status()
        try:
            if not self.paced:
                started = time.monotonic()
                while not e.finished:
                    await self._hold()
                    nxt = e.next_due_at()
                    t = e.duration if nxt is None else min(nxt, e.duration)
                    if self.pace_speed:
                        wait = t / self.pace_speed - (time.monotonic() - started)
                        if wait > 0:
                            await asyncio.sleep(wait)
                    self.step(t)
                    if self.played % 500 < 5:
                        await asyncio.sleep(0)
            else:
                while not e.finished:
                    await self._hold()
                    self.step(self.clock.now_s())
                    if e.finished:
                        break
                    nxt = e.next_due_at()
                    wait = STEP_WALL_S
                    until = self.clock.wall_until(nxt) if nxt is not None else None
                    if until is not None:
                        wait = min(wait, max(until, 0.005))
                    self._wake.clear()
                    try:
                        async with asyncio.timeout(wait):
                            await self._wake.wait()
                    except TimeoutError:
                        pass
            self.ingest.flush()
            self._finish()
            # The drill is over but the operator may still act on what is open (scored as late).
            while True:
                self._wake.clear()
                await self._wake.wait()
                await self._hold()
                self.deliver()
                self._set_status()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - a drill failure is shown, never a crash
            log.exception("drill source failed")
            self._set(state="drill", **detail_fields(say("drill_failed", error=f"{type(exc).__name__}: {str(exc)[:80]}")))
            self._finish()

    def _finish(self) -> None:
        if self.finished.is_set():
            return
        self.finished.set()
        self._set_status()
        self.completed.emit()

    def _set(self, **fields: Any) -> None:
        try:
            self.picture.set_connection(**fields)
        except Exception:  # noqa: BLE001
            log.exception("set_connection failed")

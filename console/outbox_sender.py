"""Delivers the operator's commands from the outbox to the gateway.

A command is in the outbox (SQLite, committed) before anything is sent, so it
survives a crash or a closed console.  The sender posts each pending command
with ``Idempotency-Key`` = command id: if a 202 was lost on the way back, the
resend gets the same answer and the gateway applies the command once.

Outcomes: 202 → ``commands.on_accepted``; 403/404/409/422 (and other final 4xx)
→ ``commands.on_refused`` with the gateway's Chinese reason; network errors,
timeouts, 5xx, 401 (until the session logs in again) and 429 → the command stays pending (``note_attempt``) and is
retried with backoff, or at once when woken (a new submit, the stream reopening).
A network error or a 5xx also moves a client that knows several gateways to the next one
(``GatewayClient.fail_over``): the resend goes there, with the same key, and is applied once.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from typing import Any

from console.gateway import GatewayClient, describe_error, gateway_down
from console.models import CommandAccepted, CommandRefused
from console.source import BASE_DELAY_S, MAX_DELAY_S, backoff_delay
from console.texts import spoken

log = logging.getLogger(__name__)

IDLE_RECHECK_S = 30.0  # also look at the outbox now and then, whoever forgot to wake us
_RETRY_STATUSES = {401, 408, 425, 429}
_REFUSAL_CODES = {400, 403, 404, 409, 410, 413, 422}
"""Statuses with a refusal text of their own (``refused_<status>`` in console/texts.py)."""


def _refusal_reason(status: int, body: bytes) -> str:
    """The gateway's Chinese reason from a CommandRefused body, else a generic one."""
    try:
        return CommandRefused.model_validate_json(body).reason
    except ValueError:
        pass
    try:
        doc = json.loads(body)
        if isinstance(doc, dict) and isinstance(doc.get("detail"), str):
            return str(doc["detail"])
    except ValueError:
        pass
    if status in _REFUSAL_CODES:
        return spoken(f"refused_{status}")
    return spoken("refused_http", status=status)


class OutboxSender:
    """The loop that empties the outbox; ``wake()`` makes it look at once."""

    def __init__(self, gateway: GatewayClient, outbox: Any, commands: Any, *,
                 base_delay_s: float = BASE_DELAY_S, max_delay_s: float = MAX_DELAY_S,
                 rng: random.Random | None = None) -> None:
        self.gateway = gateway
        self.outbox = outbox
        self.commands = commands
        self.base_delay_s = base_delay_s
        self.max_delay_s = max_delay_s
        self.attempt = 0  # consecutive rounds that ended on a delivery failure
        self.sent = 0  # POSTs that got a final answer
        self.posts = 0  # POSTs tried, including failed ones
        self.last_error: str | None = None
        self._wake = asyncio.Event()
        self._rng = rng or random.Random()
        commands.submitted.connect(self.wake)

    def wake(self) -> None:
        """Look at the outbox now (after a submit, or when the stream reopens)."""
        self._wake.set()

    async def run(self) -> None:
        """Send until cancelled; never raises anything but CancelledError."""
        while True:
            self._wake.clear()
            delivered_all = True
            try:
                delivered_all = await self.send_pending()
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - a bug here must not stop future sends
                log.exception("outbox round failed")
                delivered_all = False
            if delivered_all:
                self.attempt = 0
                timeout = IDLE_RECHECK_S
            else:
                timeout = backoff_delay(self.attempt, self.base_delay_s, self.max_delay_s, self._rng)
                self.attempt += 1
            # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancel
            # that lands as the wait completes, and stop() would then wait forever.
            try:
                async with asyncio.timeout(timeout):
                    await self._wake.wait()
            except TimeoutError:
                pass

    async def send_pending(self) -> bool:
        """One round over ``outbox.unsent()``, oldest first.

        Returns False when a delivery failed (network, 5xx): the rest wait for the
        next round so that commands keep their order.
        """
        for item in self.outbox.unsent():
            if not await self._send(item):
                return False
        return True

    async def _send(self, item: Any) -> bool:
        command_id = str(item.command_id)
        try:
            json.loads(item.body_json)["id"]
        except (ValueError, KeyError, TypeError):
            # A damaged outbox row can never be delivered: say so rather than retry forever.
            self.commands.on_refused(command_id, 0, spoken("command_record_corrupt"))
            return True
        self.posts += 1
        used = self.gateway.base_url
        try:
            status, body = await self.gateway.post_command(item.body_json)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - network trouble: stay pending
            if gateway_down(exc):
                self.gateway.fail_over(used)
            return self._not_delivered(command_id, describe_error(exc))
        if status == 202 or status == 200:
            try:
                accepted = CommandAccepted.model_validate_json(body)
            except ValueError:
                accepted = CommandAccepted(command_id=command_id, target_id=str(item.target_id))
            self.sent += 1
            self.commands.on_accepted(command_id, accepted)
            return True
        if status == 401:
            # Not logged in (token expired or revoked): the session re-logs in and wakes us;
            # the command keeps its place in the outbox meanwhile.
            return self._not_delivered(command_id, spoken("command_login_expired"))
        if status >= 500 or status in _RETRY_STATUSES:
            if status >= 500:
                self.gateway.fail_over(used)
            return self._not_delivered(command_id, spoken("http_status", status=status))
        self.sent += 1
        self.commands.on_refused(command_id, status, _refusal_reason(status, body))
        return True

    def _not_delivered(self, command_id: str, reason: str) -> bool:
        self.last_error = reason
        try:
            self.outbox.note_attempt(command_id, reason)
        except Exception:  # noqa: BLE001
            log.exception("note_attempt failed for %s", command_id)
        log.info("command %s not delivered: %s", command_id, reason)
        return False

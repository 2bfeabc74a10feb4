"""OutboxSender against the real feed, with a minimal real outbox and command sink.

The outbox here is an in-memory list with the documented Outbox methods, and the
command sink records the callbacks; the full path through the SQLite outbox and
``console.commands`` is covered by tests/core/test_runtime.py.  A small real proxy in
front of the feed loses the first 202 on its way back, to show that a resend
with the same Idempotency-Key is applied once.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass
from typing import Any

import httpx

from console.events import Event
from console.feed_process import FeedProcess
from console.gateway import GatewayClient
from console.models import Command, CommandAccepted, CommandRefused, Snapshot, now_utc
from console.outbox_sender import OutboxSender
from tests.support.asyncsupport import run, until


@dataclass
class Item:
    command_id: str
    kind: str
    target_id: str
    body_json: str
    status: str = "pending"
    attempts: int = 0
    last_error: str | None = None


class MiniOutbox:
    def __init__(self) -> None:
        self.items: list[Item] = []

    def put(self, cmd: Command) -> None:
        self.items.append(Item(cmd.id, cmd.kind, cmd.target_id, cmd.model_dump_json()))

    def unsent(self) -> list[Item]:
        return [i for i in self.items if i.status == "pending"]

    def note_attempt(self, command_id: str, error: str) -> None:
        item = next(i for i in self.items if i.command_id == command_id)
        item.attempts += 1
        item.last_error = error


class MiniCommands:
    """Records outcomes and marks the outbox the way Commands does."""

    def __init__(self, outbox: MiniOutbox) -> None:
        self.outbox = outbox
        self.accepted: list[tuple[str, CommandAccepted]] = []
        self.refused: list[tuple[str, int, str]] = []
        self.submitted: Event[[]] = Event("commands.submitted")

    def submit(self, cmd: Command) -> None:
        self.outbox.put(cmd)
        self.submitted.emit()

    def _mark(self, command_id: str, status: str) -> None:
        next(i for i in self.outbox.items if i.command_id == command_id).status = status

    def on_accepted(self, command_id: str, accepted: CommandAccepted) -> None:
        self.accepted.append((command_id, accepted))
        self._mark(command_id, "sent")

    def on_refused(self, command_id: str, status: int, reason: str) -> None:
        self.refused.append((command_id, status, reason))
        self._mark(command_id, "refused")


def acknowledge(alert: Any, rev: int | None = None) -> Command:
    return Command(id=uuid.uuid4().hex, kind="alert.acknowledge", target_id=alert.id,
                   expected_rev=alert.rev if rev is None else rev, operator="值班员", issued_at=now_utc())


async def new_alerts(url: str) -> list[Any]:
    async with httpx.AsyncClient(base_url=url) as http:
        snap = Snapshot.model_validate_json((await http.get("/api/v1/snapshot")).content)
    return [a for a in snap.alerts if a.status == "new"]


async def read_request(reader: asyncio.StreamReader) -> tuple[bytes, bytes]:
    """One HTTP/1.1 message (request or answer): the head (through the blank line) and the body."""
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    return head, await reader.readexactly(length)


async def forward(port: int, request: bytes) -> bytes:
    """Send one request to the feed on ``port`` over a fresh connection; its whole answer."""
    up_r, up_w = await asyncio.open_connection("127.0.0.1", port)
    try:
        up_w.write(request)
        await up_w.drain()
        head, body = await read_request(up_r)
        return head + body
    finally:
        up_w.close()


class LosingProxy:
    """A real TCP proxy to the feed that drops the first ``lose`` responses (the request still arrives)."""

    def __init__(self, target_port: int, lose: int = 1) -> None:
        self.target_port = target_port
        self.lose = lose
        self.requests = 0
        self.server: asyncio.Server | None = None

    async def start(self) -> str:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head, body = await read_request(reader)
                self.requests += 1
                answer = await forward(self.target_port, head + body)
                if self.lose > 0:
                    self.lose -= 1
                    writer.close()  # the answer is lost on the way back
                    return
                writer.write(answer)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    def close(self) -> None:
        if self.server is not None:
            self.server.close()


def test_accepted_refused_and_order(feed: FeedProcess) -> None:
    async def main() -> None:
        alerts = await new_alerts(feed.url or "")
        gw = GatewayClient(feed.url or "")
        outbox = MiniOutbox()
        commands = MiniCommands(outbox)
        sender = OutboxSender(gw, outbox, commands)
        task = asyncio.create_task(sender.run())
        try:
            first, stale, missing = acknowledge(alerts[0]), acknowledge(alerts[1], rev=alerts[1].rev + 3), \
                acknowledge(alerts[2])
            missing = missing.model_copy(update={"target_id": "no-such-alert"})
            for cmd in (first, stale, missing):
                commands.submit(cmd)
            await until(lambda: not outbox.unsent(), 10, "all answered")
            assert [c for c, _ in commands.accepted] == [first.id]
            assert commands.accepted[0][1].target_id == alerts[0].id
            refused = {c: (s, r) for c, s, r in commands.refused}
            assert refused[stale.id][0] == 409 and "版本" in refused[stale.id][1]
            assert refused[missing.id][0] == 404 and "不存在" in refused[missing.id][1]
            assert sender.posts == 3
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await gw.aclose()

    run(main())


def test_offline_then_woken_and_a_lost_answer_is_resent_harmlessly(feed: FeedProcess) -> None:
    async def main() -> None:
        alerts = await new_alerts(feed.url or "")
        proxy = LosingProxy(feed.port, lose=1)
        proxy_url = await proxy.start()
        gw = GatewayClient(proxy_url)
        outbox = MiniOutbox()
        commands = MiniCommands(outbox)
        sender = OutboxSender(gw, outbox, commands, base_delay_s=0.1, max_delay_s=0.3)
        task = asyncio.create_task(sender.run())
        try:
            cmd = acknowledge(alerts[0])
            commands.submit(cmd)
            await until(lambda: bool(commands.accepted), 15, "delivery after a lost answer")
            item = outbox.items[0]
            assert item.attempts == 1 and item.last_error == "连接被网关中断"
            assert proxy.requests == 2  # sent twice, applied once
            async with httpx.AsyncClient(base_url=feed.url or "") as http:
                state = (await http.get("/_sim/state")).json()
            assert state["counts"]["commands"] == 1
            assert state["alerts"][alerts[0].id]["status"] == "acknowledged"

            # Gateway unreachable: the command stays pending and is retried with backoff.
            proxy.close()
            await gw.aclose()
            sender.gateway = GatewayClient(proxy_url)  # nobody listens there any more
            cmd2 = acknowledge(alerts[1])
            commands.submit(cmd2)
            await until(lambda: outbox.items[1].attempts >= 3, 10, "retries")
            assert outbox.items[1].status == "pending" and sender.attempt >= 3
            assert outbox.items[1].last_error == "无法连接网关"
            await sender.gateway.aclose()
            sender.gateway = GatewayClient(feed.url or "")  # the network is back (same gateway, direct)
            sender.wake()
            await until(lambda: outbox.items[1].status == "sent", 5, "delivery once woken")
            await sender.gateway.aclose()
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await gw.aclose()
            proxy.close()

    run(main())


def test_server_errors_keep_the_command_pending(feed: FeedProcess) -> None:
    """A gateway answering 5xx: not a refusal, the command waits."""
    async def main() -> None:
        async def http503(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
            await writer.drain()
            writer.close()

        server = await asyncio.start_server(http503, "127.0.0.1", 0)
        url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
        alerts = await new_alerts(feed.url or "")
        gw = GatewayClient(url)
        outbox = MiniOutbox()
        commands = MiniCommands(outbox)
        sender = OutboxSender(gw, outbox, commands, base_delay_s=0.05, max_delay_s=0.1)
        task = asyncio.create_task(sender.run())
        try:
            commands.submit(acknowledge(alerts[0]))
            await until(lambda: outbox.items[0].attempts >= 2, 10, "retries on 503")
            assert outbox.items[0].status == "pending" and outbox.items[0].last_error == "服务器返回 503"
            assert not commands.refused and not commands.accepted
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await gw.aclose()
            server.close()

    run(main())


class FailFirstProxy:
    """A real HTTP proxy to the feed that answers 503 to the first ``fail`` command POSTs
    (without forwarding them) and records the command id of every POST, in arrival order."""

    def __init__(self, target_port: int, fail: int = 1) -> None:
        self.target_port = target_port
        self.fail = fail
        self.posted: list[str] = []  # every POST that arrived, failed or forwarded
        self.forwarded: list[str] = []  # the POSTs the gateway itself received
        self.server: asyncio.Server | None = None

    async def start(self) -> str:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head, body = await read_request(reader)
                command_id = json.loads(body)["id"] if head.startswith(b"POST /api/v1/commands") else ""
                self.posted.append(command_id)
                if self.fail > 0:
                    self.fail -= 1
                    writer.write(b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\n\r\n")
                    await writer.drain()
                    continue
                self.forwarded.append(command_id)
                answer = await forward(self.target_port, head + body)
                writer.write(answer)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    def close(self) -> None:
        if self.server is not None:
            self.server.close()


def test_a_failed_command_holds_back_the_ones_behind_it(feed: FeedProcess) -> None:
    """Commands reach the gateway in the operator's order: when the first one fails (503),
    the second waits behind it instead of overtaking it in the same round."""
    async def main() -> None:
        alerts = await new_alerts(feed.url or "")
        proxy = FailFirstProxy(feed.port, fail=1)
        gw = GatewayClient(await proxy.start())
        outbox = MiniOutbox()
        commands = MiniCommands(outbox)
        sender = OutboxSender(gw, outbox, commands, base_delay_s=0.05, max_delay_s=0.1)
        first, second, third = (acknowledge(a) for a in alerts[:3])
        for cmd in (first, second, third):
            commands.submit(cmd)  # all three wait in the outbox before the first round
        task = asyncio.create_task(sender.run())
        try:
            await until(lambda: not outbox.unsent(), 10, "all delivered")
            assert proxy.posted == [first.id, first.id, second.id, third.id], "a command overtook a failed one"
            assert proxy.forwarded == [first.id, second.id, third.id]
            assert [c for c, _ in commands.accepted] == [first.id, second.id, third.id]
            assert outbox.items[0].attempts == 1 and outbox.items[1].attempts == 0
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await gw.aclose()
            proxy.close()

    run(main())


def test_the_refusal_reason_is_the_gateways_else_one_of_ours() -> None:
    """Killed the mutants mutmut left alive in ``_refusal_reason`` (docs/testing.md): the
    gateway's own reason first, a FastAPI ``detail`` next, then our text for the status."""
    from console.outbox_sender import _refusal_reason

    refused = CommandRefused(command_id="c1", error="stale_rev", reason="版本已变化").model_dump_json().encode()
    assert _refusal_reason(409, refused) == "版本已变化"
    assert _refusal_reason(422, '{"detail": "level 不合法"}'.encode()) == "level 不合法"
    assert _refusal_reason(422, b'{"detail": [{"msg": "x"}]}') == "指令内容不符合要求"  # detail not a text
    assert _refusal_reason(403, b"") == "无权执行该指令"
    assert _refusal_reason(404, b"<html>not found</html>") == "指令对象不存在"
    assert _refusal_reason(418, b"") == "网关拒绝了该指令（HTTP 418）"


def test_a_damaged_outbox_row_is_refused_once_and_the_next_command_still_goes(feed: FeedProcess) -> None:
    """An outbox row whose JSON is damaged can never be delivered: it is refused with status 0
    and our reason, without a POST, and the command behind it is sent in the same round."""
    async def main() -> None:
        alerts = await new_alerts(feed.url or "")
        gw = GatewayClient(feed.url or "")
        outbox = MiniOutbox()
        commands = MiniCommands(outbox)
        sender = OutboxSender(gw, outbox, commands)
        outbox.items.append(Item("broken-1", "alert.acknowledge", alerts[0].id, '{"kind": "alert.ack'))
        good = acknowledge(alerts[1])
        outbox.put(good)
        try:
            assert await sender.send_pending() is True
            assert commands.refused == [("broken-1", 0, "本地指令记录已损坏，未发送")]
            assert [c for c, _ in commands.accepted] == [good.id] and sender.posts == 1 and sender.sent == 1
        finally:
            await gw.aclose()

    run(main())

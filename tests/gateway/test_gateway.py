"""GatewayClient against real loopback servers: a scripted raw HTTP server and the feed."""

from __future__ import annotations

import asyncio
import json
import shutil
import ssl
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any, Awaitable, Callable

import httpx
import pytest

from console.feed_process import FeedProcess
from console.gateway import (
    GatewayClient,
    GatewayHttpError,
    GatewayProtocolError,
    StreamStalled,
    describe_error,
)
from console.models import Command, CommandAccepted, CommandRefused, now_utc, parse_envelope
from console.sse import SseEvent

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


_WRITERS: dict[int, list[asyncio.StreamWriter]] = {}


async def serve(handler: Handler, **kwargs: Any) -> tuple[asyncio.Server, str]:
    """A real HTTP/1.1 server on a free loopback port, answering with scripted bytes."""
    writers: list[asyncio.StreamWriter] = []

    async def tracked(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)
        await handler(reader, writer)

    server = await asyncio.start_server(tracked, "127.0.0.1", 0, **kwargs)
    _WRITERS[id(server)] = writers
    port = server.sockets[0].getsockname()[1]
    scheme = "https" if kwargs.get("ssl") else "http"
    return server, f"{scheme}://127.0.0.1:{port}"


async def shut(server: asyncio.Server) -> None:
    """Close the server and every connection it accepted (no stray sockets after a test)."""
    for writer in _WRITERS.pop(id(server), []):
        writer.close()
    server.close()
    await asyncio.sleep(0.05)


async def read_head(reader: asyncio.StreamReader) -> dict[str, str]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:] if ln)}
    headers[":request"] = lines[0]
    return headers


def sse_head(ctype: bytes = b"text/event-stream") -> bytes:
    return b"HTTP/1.1 200 OK\r\ncontent-type: " + ctype + b"\r\nconnection: close\r\n\r\n"


def run(coro: Awaitable[Any]) -> Any:
    return asyncio.run(asyncio.wait_for(coro, 60))  # type: ignore[arg-type]


def test_stream_sends_last_event_id_and_yields_byte_exact_events() -> None:
    seen: dict[str, str] = {}

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.update(await read_head(reader))
        writer.write(sse_head() + b"\xef\xbb\xbfretry: 1500\r\n\r\n: keep-alive\n\n")
        writer.write(b"id: 11\ndata: {\"x\": \"\xff\"}\n\n")  # invalid UTF-8 stays bytes
        writer.write(b"data: no id\r\rid: 12\ndata: cut in the mid")
        await writer.drain()
        writer.close()

    async def main() -> list[SseEvent]:
        server, url = await serve(handler)
        client = GatewayClient(url)
        opened: list[bool] = []
        try:
            return [e async for e in client.stream("10", on_open=lambda: opened.append(True))] + [opened, client.retry_ms]  # type: ignore[list-item]
        finally:
            await client.aclose()
            await shut(server)

    *events, opened, retry = run(main())
    assert seen["last-event-id"] == "10"
    assert seen["accept"] == "text/event-stream"
    assert opened == [True] and retry == 1500
    assert [(e.id, e.raw) for e in events] == [("11", b'{"x": "\xff"}'), ("11", b"no id")]
    with pytest.raises(Exception) as info:
        parse_envelope(events[0].raw)
    assert "invalid UTF-8" in str(info.value)


def test_stream_status_and_content_type_are_checked_before_reading() -> None:
    async def http500(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_head(reader)
        body = json.dumps({"detail": "模拟故障"}).encode()
        writer.write(b"HTTP/1.1 500 Internal Server Error\r\ncontent-type: application/json\r\n"
                     b"content-length: %d\r\nconnection: close\r\n\r\n" % len(body) + body)
        await writer.drain()
        writer.close()

    async def html(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_head(reader)
        writer.write(sse_head(b"text/html") + b"data: x\n\n")
        await writer.drain()
        writer.close()

    async def main() -> tuple[BaseException, BaseException]:
        errors = []
        for handler in (http500, html):
            server, url = await serve(handler)
            client = GatewayClient(url)
            try:
                async for _ in client.stream():
                    pytest.fail("must not iterate")
            except Exception as exc:  # noqa: BLE001 - the test inspects it
                errors.append(exc)
            finally:
                await client.aclose()
                await shut(server)
        return errors[0], errors[1]

    err500, errtype = run(main())
    assert isinstance(err500, GatewayHttpError) and err500.status == 500
    assert describe_error(err500) == "服务器返回 500（模拟故障）"
    assert isinstance(errtype, GatewayProtocolError) and "text/html" in errtype.reason


def test_watchdog_declares_a_silent_stream_dead() -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_head(reader)
        writer.write(sse_head() + b"id: 1\ndata: a\n\n")
        await writer.drain()
        await asyncio.sleep(30)  # connected, but not a byte more

    async def hang(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_head(reader)
        await asyncio.sleep(30)  # never answers at all

    async def main() -> list[tuple[list[bytes], BaseException, float]]:
        out = []
        for handler in (silent, hang):
            server, url = await serve(handler)
            client = GatewayClient(url, keepalive_timeout_s=0.6)
            got: list[bytes] = []
            t0 = time.monotonic()
            try:
                async for e in client.stream():
                    got.append(e.raw)
            except Exception as exc:  # noqa: BLE001
                out.append((got, exc, time.monotonic() - t0))
            finally:
                await client.aclose()
                await shut(server)
        return out

    (got, exc, took), (got2, exc2, took2) = run(main())
    assert got == [b"a"] and isinstance(exc, StreamStalled) and 0.5 < took < 3
    assert got2 == [] and isinstance(exc2, StreamStalled) and 0.5 < took2 < 3
    assert "0.6 秒未收到任何数据" in exc.reason


def test_gateway_against_the_feed(feed: FeedProcess) -> None:
    async def main() -> None:
        client = GatewayClient(feed.url or "")
        try:
            snap = await client.snapshot()
            assert snap.alerts and snap.devices and snap.cameras and snap.units
            street = await client.snapshot("maluan")
            assert all(a.street in (None, "maluan") for a in street.alerts)
            layers = await client.layers()
            first = await client.layer(layers.layers[0].id)
            assert first["type"] == "FeatureCollection"
            assert (await client.plans()).plans
            with pytest.raises(GatewayHttpError):
                await client.layer("no-such-layer")

            # Stream from the snapshot cursor: ids continue it, envelopes validate.
            seen = []
            async for ev in client.stream(snap.cursor):
                env = parse_envelope(ev.raw)
                assert env.id == ev.id
                seen.append(int(ev.id))
                if len(seen) >= 3:
                    break
            assert seen[0] > int(snap.cursor) and seen == sorted(seen)

            target = next(a for a in snap.alerts if a.status == "new")
            cmd = Command(id=uuid.uuid4().hex, kind="alert.acknowledge", target_id=target.id,
                          expected_rev=target.rev, operator="值班员", issued_at=now_utc())
            status, body = await client.post_command(cmd)
            assert status == 202 and CommandAccepted.model_validate_json(body).command_id == cmd.id
            again, body2 = await client.post_command(cmd.model_dump_json())  # same key: harmless resend
            assert again == 202 and body2 == body
            stale = Command(id=uuid.uuid4().hex, kind="alert.acknowledge", target_id=target.id,
                            expected_rev=target.rev, operator="值班员", issued_at=now_utc())
            status, body = await client.post_command(stale)
            assert status == 409
            assert CommandRefused.model_validate_json(body).error == "stale_rev"
        finally:
            await client.aclose()

    run(main())


def test_unreachable_gateway_is_described_in_chinese() -> None:
    async def main() -> BaseException:
        server, url = await serve(lambda r, w: asyncio.sleep(0))  # type: ignore[arg-type,return-value]
        await shut(server)
        client = GatewayClient(url)
        try:
            await client.snapshot()
        except Exception as exc:  # noqa: BLE001
            return exc
        finally:
            await client.aclose()
        raise AssertionError("snapshot from a closed port succeeded")

    exc = run(main())
    assert isinstance(exc, httpx.ConnectError)
    assert describe_error(exc) == "无法连接网关"


def _make_ca_and_server_cert(tmp: Path) -> tuple[Path, Path, Path]:
    """A private CA and a server certificate for 127.0.0.1, made with the openssl CLI."""
    def sh(*args: str) -> None:
        subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=60)

    ca_key, ca_crt = tmp / "ca.key", tmp / "ca.pem"
    key, csr, crt, ext = tmp / "srv.key", tmp / "srv.csr", tmp / "srv.pem", tmp / "san.ext"
    sh("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(ca_key), "-out", str(ca_crt),
       "-days", "2", "-subj", "/CN=Pingshan test CA")
    sh("req", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(csr), "-subj", "/CN=127.0.0.1")
    ext.write_text("subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n", encoding="ascii")
    sh("x509", "-req", "-in", str(csr), "-CA", str(ca_crt), "-CAkey", str(ca_key), "-CAcreateserial",
       "-out", str(crt), "-days", "2", "-extfile", str(ext))
    return ca_crt, crt, key


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl CLI to make a test CA")
def test_https_with_a_private_ca(tmp_path: Path) -> None:
    ca, crt, key = _make_ca_and_server_cert(tmp_path)
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(str(crt), str(key))

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await read_head(reader)
        except (asyncio.IncompleteReadError, ConnectionError):
            return  # the client refused our certificate
        writer.write(sse_head() + b"id: 1\ndata: tls\n\n")
        await writer.drain()
        writer.close()

    async def main() -> tuple[list[bytes], BaseException | None]:
        server, url = await serve(handler, ssl=ctx)
        trusted = GatewayClient(url, verify=ca)
        untrusted = GatewayClient(url)  # system CAs only: must refuse
        try:
            got = [e.raw async for e in trusted.stream()]
            err: BaseException | None = None
            try:
                async for _ in untrusted.stream():
                    pass
            except httpx.ConnectError as exc:
                err = exc
            return got, err
        finally:
            await trusted.aclose()
            await untrusted.aclose()
            await shut(server)

    got, err = run(main())
    assert got == [b"tls"]
    assert err is not None and describe_error(err).startswith("网关证书无法验证：证书不是由所配置的 CA 签发")

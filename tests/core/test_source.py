"""LiveSource and ReplaySource against the real feed, with a minimal real ingest.

The ingest here is the smallest honest one (validate with ``parse_envelope``,
keep what passed, count what did not), so these tests pin the source's own
behaviour — snapshot, resume, reset, backoff, states — independently of the
cache and store modules; tests/core/test_runtime*.py run the whole core.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from pathlib import Path
from typing import Any, Callable

import httpx

from console.feed_process import FeedProcess
from console.gateway import GatewayClient
from console.source import LiveSource, ReplaySource, Source, backoff_delay
from console.texts import say
from tests.support.asyncsupport import run, running, until
from tests.support.sourcesupport import MiniIngest, MiniPicture


def test_backoff_is_full_jitter_and_capped() -> None:
    rng = random.Random(4)
    for attempt in range(12):
        ceiling = min(30.0, 0.5 * 2 ** attempt)
        delays = [backoff_delay(attempt, 0.5, 30.0, rng) for _ in range(200)]
        assert all(0 <= d <= ceiling for d in delays)
        assert max(delays) > ceiling * 0.8 and min(delays) < ceiling * 0.2


def test_snapshot_then_stream_without_gaps(feed: FeedProcess) -> None:
    async def main() -> None:
        gw = GatewayClient(feed.url or "")
        picture, ingest = MiniPicture(), MiniIngest()
        source = LiveSource(gw, ingest, picture)
        assert isinstance(source, Source)
        task = asyncio.create_task(source.run())
        try:
            await until(lambda: len(ingest.ids) >= 10, 30, "ten envelopes")
            assert len(ingest.snapshots) == 1 and picture.state == "live"
            cursor = int(ingest.snapshots[0].cursor)
            ids = [int(i) for i in ingest.ids]
            assert ids[0] == cursor + 1 and ids == list(range(ids[0], ids[0] + len(ids)))
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await gw.aclose()

    run(main())


def test_old_cursor_gets_reset_and_a_fresh_snapshot(feed_factory: Callable[..., FeedProcess]) -> None:
    feed = feed_factory(alerts_per_s=5, readings_per_s=50, extra_args=("--retention", "50"))

    async def main() -> None:
        gw = GatewayClient(feed.url or "")
        async with httpx.AsyncClient(base_url=feed.url or "") as http:
            await until_head(http, 300)
        picture, ingest = MiniPicture(), MiniIngest()
        source = LiveSource(gw, ingest, picture, resume_from="1")
        task = asyncio.create_task(source.run())
        try:
            await until(lambda: len(ingest.snapshots) == 1 and len(ingest.ids) >= 5, 30, "reset + snapshot")
            assert source.resets == 1 and ingest.ids[0] != "1"
            first_after = ingest.ids.index(str(int(ingest.snapshots[0].cursor) + 1))
            assert first_after >= 1  # the reset envelope came first, then the stream after the new cursor
            assert picture.state == "live"
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await gw.aclose()

    run(main())


async def until_head(http: httpx.AsyncClient, head: int) -> None:
    async def reached() -> bool:
        return int((await http.get("/_sim/state")).json()["head"]) >= head

    for _ in range(600):
        if await reached():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"feed head never reached {head}")


def test_offline_at_start_then_live_when_the_feed_appears(feed_factory: Callable[..., FeedProcess]) -> None:
    feed = feed_factory(start=False)
    feed.start()
    url = feed.url or ""
    feed.stop()  # the port is known, nobody listens

    async def main() -> None:
        gw = GatewayClient(url)
        picture, ingest = MiniPicture(), MiniIngest()
        source = LiveSource(gw, ingest, picture, base_delay_s=0.2, max_delay_s=0.5)
        task = asyncio.create_task(source.run())
        try:
            await until(lambda: picture.state == "offline", 10, "offline")
            # The retry may already have begun (detail "正在获取全量快照…"): read the offline change itself.
            offline = next(c for c in picture.changes if c.get("state") == "offline")
            assert offline["detail"].startswith("无法连接网关，") and "秒后重试" in offline["detail"]
            await asyncio.to_thread(feed.restart)
            await until(lambda: picture.state == "live" and ingest.snapshots, 30, "live after the feed came up")
            assert [c for c in picture.changes if c.get("state") == "live"][-1]["attempt"] == 0
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await gw.aclose()

    run(main())


def test_killed_feed_means_reconnecting_then_resume_from_last_id(feed_factory: Callable[..., FeedProcess]) -> None:
    feed = feed_factory(alerts_per_s=20, readings_per_s=20)

    async def main() -> None:
        gw = GatewayClient(feed.url or "")
        picture, ingest = MiniPicture(), MiniIngest()
        source = LiveSource(gw, ingest, picture, max_delay_s=1.0)
        task = asyncio.create_task(source.run())
        try:
            await until(lambda: len(ingest.ids) >= 20, 30, "traffic")
            await asyncio.to_thread(feed.kill)
            await until(lambda: picture.state == "reconnecting", 10, "reconnecting")
            assert picture.detail.startswith("连接中断：")
            await asyncio.to_thread(feed.restart)
            n = len(ingest.ids)
            await until(lambda: picture.state == "live" and len(ingest.ids) > n + 20, 30, "resumed")
            ids = [int(i) for i in ingest.ids]
            assert ids == sorted(set(ids)), "a gap or a repeat across the kill"
            assert len(ingest.snapshots) == 1  # resumed by Last-Event-ID, no new snapshot
            async with httpx.AsyncClient(base_url=feed.url or "") as http:
                state = (await http.get("/_sim/state")).json()
            ids_all = list(range(int(ingest.snapshots[0].cursor) + 1, ids[-1] + 1))
            assert ids == ids_all
            assert state["head"] >= ids[-1]
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await gw.aclose()

    run(main())


def test_replay_source_plays_a_recording(tmp_path: Path) -> None:
    lines = []
    for i, ts in enumerate(["2026-11-28T15:00:00+08:00", "2026-11-28T15:00:00.2+08:00",
                            "2026-11-28T15:00:00.4+08:00"], start=1):
        lines.append(json.dumps({"v": 1, "id": str(i), "type": "notice", "ts": ts,
                                 "payload": {"id": f"n{i}", "text": "演练通知"}}, ensure_ascii=False))
    lines.insert(1, "{not json")
    path = tmp_path / "rec.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    async def main() -> tuple[ReplaySource, MiniIngest, MiniPicture, float]:
        picture, ingest = MiniPicture(), MiniIngest()
        replay = ReplaySource(path, ingest, picture, speed=2.0)
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        await replay.run()
        return replay, ingest, picture, loop.time() - t0

    replay, ingest, picture, took = run(main())
    assert (replay.played, replay.skipped) == (3, 1)
    assert ingest.ids == ["1", "2", "3"] and len(ingest.rejected) == 1
    assert 0.15 <= took < 2.0  # 0.4 s of recording at speed 2
    assert picture.changes[0]["state"] == "replay" and "回放结束" in picture.detail


def test_street_scope_reaches_snapshot_and_stream(feed_factory: Callable[..., FeedProcess]) -> None:
    feed = feed_factory(alerts_per_s=10, readings_per_s=20)

    async def main() -> tuple[MiniIngest, list[Any]]:
        gw = GatewayClient(feed.url or "")
        picture, ingest = MiniPicture(), MiniIngest()
        scoped: list[Any] = []
        original = ingest.accept

        def accept(raw: bytes, stream_id: str) -> Any:
            env = original(raw, stream_id)
            if env is not None:
                scoped.append(env.scope.street)
            return env

        ingest.accept = accept  # type: ignore[method-assign]
        source = LiveSource(gw, ingest, picture, scope="maluan")
        task = asyncio.create_task(source.run())
        try:
            await until(lambda: len(scoped) >= 10, 30, "scoped envelopes")
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await gw.aclose()
        return ingest, scoped

    ingest, scoped = run(main())
    snap = ingest.snapshots[0]
    assert snap.scope.street == "maluan"
    assert snap.alerts and all(a.street in (None, "maluan") for a in snap.alerts)
    assert set(scoped) <= {None, "maluan"} and "maluan" in scoped


def test_replay_source_plays_a_journal(tmp_path: Path) -> None:
    from offline_cache.db import open_cache
    from offline_cache.journal import Journal

    cache = open_cache(tmp_path / "c.sqlite")
    journal = Journal(cache)
    for i in range(1, 6):
        env = {"v": 1, "id": str(i), "type": "notice", "ts": "2026-11-28T15:00:00+08:00",
               "payload": {"id": f"n{i}", "text": "日志回放"}}
        journal.append(str(i), "notice", env["ts"], json.dumps(env, ensure_ascii=False))  # type: ignore[arg-type]
    journal.flush()
    picture, ingest = MiniPicture(), MiniIngest()
    replay = ReplaySource(journal, ingest, picture, speed=0)
    run(replay.run())
    cache.close()
    assert ingest.ids == ["1", "2", "3", "4", "5"] and replay.played == 5
    assert picture.state == "replay"


class StreamProxy:
    """A real HTTP proxy to the feed, one request per connection, that records the
    ``Last-Event-ID`` of every stream request, can cut the streams it carries and can
    refuse connections for a while (a network cut, while the feed goes on producing)."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.stream_requests: list[str | None] = []  # Last-Event-ID of each stream request
        self.refusing = False
        self.empty_streams = False  # answer stream requests 200 and close at once, no event
        self._open: set[asyncio.StreamWriter] = set()
        self.server: asyncio.Server | None = None

    async def start(self) -> str:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.refusing:
            writer.close()
            return
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()
            return
        lines = head.decode("latin-1").split("\r\n")
        headers = {k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:] if x)}
        if lines[0].startswith("GET /api/v1/stream"):
            self.stream_requests.append(headers.get("last-event-id"))
            if self.empty_streams:
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n")
                await writer.drain()
                writer.close()
                return
        kept = [x for x in lines[1:] if x and not x.lower().startswith("connection:")]
        up_r, up_w = await asyncio.open_connection("127.0.0.1", self.target_port)
        self._open.update((writer, up_w))
        up_w.write(("\r\n".join([lines[0], *kept, "Connection: close"]) + "\r\n\r\n").encode("latin-1"))
        try:
            await up_w.drain()
            while chunk := await up_r.read(65536):
                writer.write(chunk)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            self._open.discard(writer)
            self._open.discard(up_w)
            up_w.close()
            writer.close()

    def cut(self) -> None:
        """Drop every open connection at once and refuse new ones."""
        self.refusing = True
        for w in list(self._open):
            w.transport.abort()

    def close(self) -> None:
        if self.server is not None:
            self.server.close()


def test_a_cut_stream_resumes_with_last_event_id_and_misses_nothing(
        feed_factory: Callable[..., FeedProcess]) -> None:
    """Cut the connection, let the feed run on while the console cannot reach it, then let it
    back: the reconnect carries ``Last-Event-ID`` = the last event received, and the events
    produced during the cut arrive, no gap and no new snapshot. (A reconnect without the
    header would start live, after the cut's events: a gap.)"""
    feed = feed_factory(alerts_per_s=20, readings_per_s=40)

    async def main() -> None:
        proxy = StreamProxy(feed.port)
        gw = GatewayClient(await proxy.start())
        picture, ingest = MiniPicture(), MiniIngest()
        source = LiveSource(gw, ingest, picture, base_delay_s=0.1, max_delay_s=0.3)
        task = asyncio.create_task(source.run())
        try:
            await until(lambda: len(ingest.ids) >= 20, 30, "traffic")
            proxy.cut()
            await until(lambda: picture.state == "reconnecting", 10, "reconnecting")
            last_before = ingest.ids[-1]
            async with httpx.AsyncClient(base_url=feed.url or "") as http:
                async def head() -> int:
                    return int((await http.get("/_sim/state")).json()["head"])

                while await head() < int(last_before) + 30:  # events the console has not seen
                    await asyncio.sleep(0.05)
                proxy.refusing = False
                target = await head()
            await until(lambda: len(ingest.ids) > 0 and int(ingest.ids[-1]) >= target, 30, "resumed")
            cursor = int(ingest.snapshots[0].cursor)
            assert proxy.stream_requests[0] == str(cursor)
            assert proxy.stream_requests[1:], "no reconnect reached the gateway"
            assert all(h == last_before for h in proxy.stream_requests[1:]), proxy.stream_requests
            ids = [int(i) for i in ingest.ids]
            assert ids == list(range(cursor + 1, ids[-1] + 1)), "a gap or a repeat across the cut"
            assert len(ingest.snapshots) == 1 and source.connections >= 2
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await gw.aclose()
            proxy.close()

    run(main())


def test_a_gateway_that_opens_streams_and_closes_them_at_once_is_backed_off(
        feed_factory: Callable[..., FeedProcess]) -> None:
    """A stream that opens and ends before any event is not a healthy connection: the
    backoff keeps growing instead of starting over at every opening (a reconnect storm
    against a flapping gateway). Mutation testing found nothing pinned this."""
    feed = feed_factory()

    async def main() -> None:
        proxy = StreamProxy(feed.port)
        proxy.empty_streams = True
        gw = GatewayClient(await proxy.start())
        picture, ingest = MiniPicture(), MiniIngest()
        source = LiveSource(gw, ingest, picture, base_delay_s=0.001, max_delay_s=0.05)
        try:
            async with running(source.run()):
                await until(lambda: source.connections >= 5, 30, "five openings")
                assert source.attempt >= 4, f"backoff started over at an empty opening: attempt {source.attempt}"
                assert not ingest.ids and len(ingest.snapshots) == 1
        finally:
            await gw.aclose()
            proxy.close()

    run(main())


def test_after_a_failover_the_status_bar_names_the_new_gateway_before_it_answers(
        feed_factory: Callable[..., FeedProcess]) -> None:
    """The source moves to the next gateway when its stream ends: from the first attempt on
    the connection state names the gateway it is trying (the status bar's 后端), never none
    or the one that failed; once live, the new one."""
    feed = feed_factory(alerts_per_s=10)

    async def main() -> None:
        first, second = StreamProxy(feed.port), StreamProxy(feed.port)
        url_a, url_b = await first.start(), await second.start()
        gw = GatewayClient([url_a, url_b])
        picture, ingest = MiniPicture(), MiniIngest()
        source = LiveSource(gw, ingest, picture, base_delay_s=0.01, max_delay_s=0.05)
        try:
            async with running(source.run()):
                await until(lambda: len(ingest.ids) >= 5, 30, "traffic through the first gateway")
                mark = len(picture.changes)
                first.cut()
                await until(lambda: gw.base_url == url_b.rstrip("/") and picture.state == "live"
                            and any(c.get("state") == "live" for c in picture.changes[mark:]), 30, "live on the second")
                after = picture.changes[mark:]
                named = [c["backend"] for c in after if "backend" in c]
                assert named and all(b == url_b.rstrip("/") for b in named), named
                first_named = next(i for i, c in enumerate(after) if "backend" in c)
                live_at = next(i for i, c in enumerate(after) if c.get("state") == "live")
                assert first_named < live_at, "the new gateway was named only once it answered"
        finally:
            await gw.aclose()
            first.close()
            second.close()

    run(main())


class FailingIngest(MiniIngest):
    """MiniIngest whose ``accept`` raises (as a failing disk would) for the ``nth`` event after
    the snapshot, ``times`` times in a row."""

    def __init__(self, nth: int, times: int) -> None:
        super().__init__()
        self.nth = nth
        self.times = times
        self.seen = 0
        self.failed_id: str | None = None
        self.failures = 0

    def accept(self, raw: bytes, stream_id: str) -> Any:
        self.seen += 1
        if self.failed_id is None and self.seen == self.nth:
            self.failed_id = stream_id
        if stream_id == self.failed_id and self.failures < self.times:
            self.failures += 1
            raise OSError("disk I/O error")
        return super().accept(raw, stream_id)


def test_an_event_ingest_failed_to_store_is_fetched_again_not_skipped(
        feed_factory: Callable[..., FeedProcess]) -> None:
    """Ingest fails once on an event: the source reconnects before it and the event is
    taken the second time — it is neither skipped nor dead-lettered."""
    feed = feed_factory(alerts_per_s=20, readings_per_s=40)

    async def main() -> None:
        gw = GatewayClient(feed.url or "")
        picture, ingest = MiniPicture(), FailingIngest(nth=10, times=1)
        source = LiveSource(gw, ingest, picture, base_delay_s=0.05, max_delay_s=0.1)
        task = asyncio.create_task(source.run())
        try:
            await until(lambda: ingest.failures == 1 and len(ingest.ids) >= 30, 30, "traffic past the failure")
            assert ingest.failed_id in ingest.ids, "the event Ingest could not store was skipped"
            cursor = int(ingest.snapshots[0].cursor)
            ids = [int(i) for i in ingest.ids]
            assert ids == list(range(cursor + 1, ids[-1] + 1))
            assert len(ingest.snapshots) == 1 and source.connections >= 2 and not ingest.rejected
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await gw.aclose()

    run(main())


def test_an_event_that_fails_twice_is_dead_lettered_and_the_stream_goes_on(
        feed_factory: Callable[..., FeedProcess]) -> None:
    """A poisonous event (Ingest fails on it every time) is tried twice, then set aside as a
    counted dead letter — never silently — and the events after it still arrive."""
    feed = feed_factory(alerts_per_s=20, readings_per_s=40)

    async def main() -> None:
        gw = GatewayClient(feed.url or "")
        picture, ingest = MiniPicture(), FailingIngest(nth=10, times=1_000)
        source = LiveSource(gw, ingest, picture, base_delay_s=0.05, max_delay_s=0.1)
        task = asyncio.create_task(source.run())
        try:
            await until(lambda: ingest.failed_id is not None and len(ingest.ids) >= 30, 30, "traffic past the poison")
            assert ingest.failures == 2 and ingest.failed_id not in ingest.ids
            assert len(ingest.rejected) == 1 and "OSError" in ingest.rejected[0]
            cursor = int(ingest.snapshots[0].cursor)
            expected = [i for i in range(cursor + 1, int(ingest.ids[-1]) + 1) if str(i) != ingest.failed_id]
            assert [int(i) for i in ingest.ids] == expected
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await gw.aclose()

    run(main())


class HoldingIngest(MiniIngest):
    """MiniIngest that asks the source to hold (as a journal that refuses rows would) for
    ``hold_s`` after the 10th and the 30th event; at the second hold its saved tables miss
    the last snapshot (``snapshot_unsaved``)."""

    def __init__(self, hold_s: float) -> None:
        super().__init__()
        self.hold_s = hold_s
        self.until = 0.0
        self.snapshot_unsaved = False
        self.reason = say("journal_backlog_hold", n=7)

    def accept(self, raw: bytes, stream_id: str) -> Any:
        env = super().accept(raw, stream_id)
        if len(self.ids) in (10, 30):
            self.until = time.monotonic() + self.hold_s
            self.snapshot_unsaved = len(self.ids) == 30
        return env

    def hold_reason(self) -> Any:
        return self.reason if time.monotonic() < self.until else None


def test_a_held_source_says_so_once_and_resumes_from_its_cursor(feed_factory: Callable[..., FeedProcess]) -> None:
    """While Ingest asks it to hold, the source reads nothing and shows the reason once (not
    at every look); released, it resumes from its cursor with no gap — or takes a fresh
    snapshot when the saved tables miss the last one."""
    feed = feed_factory(alerts_per_s=20, readings_per_s=40)

    async def main() -> None:
        gw = GatewayClient(feed.url or "")
        picture, ingest = MiniPicture(), HoldingIngest(hold_s=0.7)
        source = LiveSource(gw, ingest, picture, base_delay_s=0.05, max_delay_s=0.1)
        task = asyncio.create_task(source.run())
        try:
            await until(lambda: len(ingest.snapshots) == 2 and len(ingest.ids) >= 40, 30, "two holds")
            held = [c for c in picture.changes if c.get("state") == "held"]
            assert len(held) == 2 and held[0]["detail_text"] == ingest.reason, held
            assert source.holds == 2
            after = [c for c in picture.changes[picture.changes.index(held[0]) + 1:] if "state" in c]
            assert after[0]["state"] == "connecting" and after[0]["detail_text"] == say("connecting"), after[:2]
            cursor = int(ingest.snapshots[0].cursor)
            assert [int(i) for i in ingest.ids[:30]] == list(range(cursor + 1, cursor + 31)), "a gap across the hold"
            assert int(ingest.snapshots[1].cursor) >= cursor + 30
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await gw.aclose()

    run(main())


class KeepingIngest(MiniIngest):
    """MiniIngest that keeps what it is asked to dead-letter: (reason, raw, origin)."""

    def __init__(self) -> None:
        super().__init__()
        self.dead: list[tuple[str, bytes | str, str | None]] = []

    def reject(self, reason: str, raw: bytes | str, origin: str | None = None) -> None:
        super().reject(reason, raw, origin)
        self.dead.append((reason, raw, origin))


def test_an_oversize_event_is_dead_lettered_with_its_size_and_the_stream_goes_on(
        feed_factory: Callable[..., FeedProcess]) -> None:
    """An event past the client's cap reaches Ingest as a dead letter that names its real size,
    keeps the prefix and its stream id; the cursor passes it and nothing after it is lost."""
    feed = feed_factory(alerts_per_s=20, readings_per_s=40)
    body = b'{"v": 1, "id": "x", "type": "notice", "payload": {"text": "' + b"x" * 6000 + b'"}}'

    async def main() -> None:
        gw = GatewayClient(feed.url or "", max_event_bytes=2048)
        picture, ingest = MiniPicture(), KeepingIngest()
        source = LiveSource(gw, ingest, picture, base_delay_s=0.05, max_delay_s=0.1)
        task = asyncio.create_task(source.run())
        try:
            await until(lambda: len(ingest.ids) >= 5, 30, "traffic")
            async with httpx.AsyncClient(base_url=feed.url or "") as http:
                injected = (await http.post("/_sim/inject", content=body)).json()["id"]
            await until(lambda: len(ingest.ids) > 0 and int(ingest.ids[-1]) > int(injected) + 5, 30, "traffic after it")
            [(reason, raw, origin)] = ingest.dead
            assert reason == f"message too large: {len(body)} bytes (stream event cut to {len(raw)})"
            assert origin == injected and isinstance(raw, bytes) and body.startswith(raw) and 0 < len(raw) <= 2048
            cursor = int(ingest.snapshots[0].cursor)
            assert [int(i) for i in ingest.ids] == [i for i in range(cursor + 1, int(ingest.ids[-1]) + 1)
                                                   if str(i) != injected]
            assert len(ingest.snapshots) == 1 and source.connections == 1
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await gw.aclose()

    run(main())

"""Resume under stress: the feed SIGKILLed mid-stream, and a cursor older than retention."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, Callable

import httpx

from console.feed_process import FeedProcess
from console.runtime import ConsoleConfig, ConsoleCore
from tests.support.asyncsupport import feed_state, run, until


def journal_ids(core: ConsoleCore) -> list[str]:
    assert core.journal is not None
    core.ingest.flush()
    return [sid for _seq, sid, _body in core.journal.read_after(0)]


async def caught_up(core: ConsoleCore, url: str) -> dict[str, Any]:
    """Wait until the console has seen the feed's head; return the feed's state."""
    assert core.source is not None
    state = await feed_state(url)
    await until(lambda: int(core.source.last_event_id or 0) >= state["head"], 30, f"head {state['head']}")
    return state


def test_sigkill_during_a_busy_stream_loses_and_repeats_nothing(feed_factory: Callable[..., FeedProcess],
                                                                 tmp_path: Path) -> None:
    feed = feed_factory(alerts_per_s=50, readings_per_s=50)
    url = feed.url or ""

    async def main() -> None:
        core = ConsoleCore(ConsoleConfig(backend_url=url, cache_dir=tmp_path / "cache", max_backoff_s=0.5,
                                         keepalive_timeout_s=5.0, fetch_catalogues=False))
        try:
            await core.start()
            assert await core.wait_live(30)
            assert core.source is not None
            for _ in range(3):
                await asyncio.sleep(1.0)
                await asyncio.to_thread(feed.kill)
                await until(lambda: core.picture.connection.state == "reconnecting", 15, "reconnecting")
                await asyncio.to_thread(feed.restart)
                await until(lambda: core.picture.connection.state == "live", 30, "live after restart")
            await asyncio.sleep(0.5)
            state = await caught_up(core, url)
            feed_alerts = {aid: a["rev"] for aid, a in state["alerts"].items()}
            mine = {a.id: a.rev for a in core.picture.alerts.values()}
            missing = set(feed_alerts) - set(mine)
            assert not missing, f"{len(missing)} alerts missing"
            assert {k: mine[k] for k in feed_alerts} == feed_alerts
            assert len(mine) == len(feed_alerts)
            ids = journal_ids(core)
            assert len(ids) == len(set(ids)), "duplicate journal stream ids"
            assert [int(i) for i in ids] == sorted(int(i) for i in ids)
            assert core.source.connections >= 4 and core.task_errors == []
        finally:
            await core.stop()

    run(main())


def test_cursor_older_than_retention_resets_and_resnapshots(feed_factory: Callable[..., FeedProcess],
                                                            tmp_path: Path) -> None:
    feed = feed_factory(alerts_per_s=2, readings_per_s=20, extra_args=("--retention", "100"))
    url = feed.url or ""
    cache = tmp_path / "cache"

    def config() -> ConsoleConfig:
        return ConsoleConfig(backend_url=url, cache_dir=cache, max_backoff_s=0.5, fetch_catalogues=False)

    async def main() -> None:
        core = ConsoleCore(config())
        try:
            await core.start()
            assert await core.wait_live(30)
            await asyncio.sleep(0.5)
        finally:
            await core.stop()
        assert core.source is not None
        old_cursor = int(core.source.last_event_id or 0)
        async with httpx.AsyncClient(base_url=url, timeout=10) as http:
            await http.post("/_sim/burst", json={"alerts": 300, "over_s": 1})
        await until_head(url, old_cursor + 250)  # far beyond the retention of 100

        core2 = ConsoleCore(config())
        try:
            await core2.start()
            assert await core2.wait_live(30)
            assert core2.source is not None
            await until(lambda: core2.source.resets == 1, 20, "a reset")
            state = await caught_up(core2, url)
            feed_alerts = {aid: a["rev"] for aid, a in state["alerts"].items()}
            assert {a.id: a.rev for a in core2.picture.alerts.values()} == feed_alerts
            ids = journal_ids(core2)
            assert len(ids) == len(set(ids))
        finally:
            await core2.stop()

    run(main())


async def until_head(url: str, head: int) -> None:
    for _ in range(300):
        if (await feed_state(url))["head"] >= head:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"feed head never reached {head}")


def test_checkpoints_shorten_the_replay_and_resume_cleanly(feed_factory: Callable[..., FeedProcess],
                                                            tmp_path: Path) -> None:
    feed = feed_factory(alerts_per_s=10, readings_per_s=50)
    url = feed.url or ""
    cache = tmp_path / "cache"

    def config() -> ConsoleConfig:
        return ConsoleConfig(backend_url=url, cache_dir=cache, checkpoint_rows=30, max_backoff_s=0.5,
                             fetch_catalogues=False)

    async def main() -> None:
        core = ConsoleCore(config())
        try:
            await core.start()
            assert await core.wait_live(30)
            await until(lambda: core.ingest.checkpoints >= 2, 20, "two checkpoints")
            assert core.snapshots is not None and core.journal is not None
            saved = core.snapshots.load()
            assert saved is not None and saved.journal_seq > 0
        finally:
            await core.stop()
        total = core.journal.count()
        before = {a.id: a.rev for a in core.picture.alerts.values()}

        core2 = ConsoleCore(config())
        try:
            await core2.start()
            assert core2.restored < total  # only the tail after the last checkpoint
            assert {a.id: a.rev for a in core2.picture.alerts.values()} == before
            assert await core2.wait_live(30)
            state = await caught_up(core2, url)
            assert {a.id: a.rev for a in core2.picture.alerts.values()} == \
                {aid: a["rev"] for aid, a in state["alerts"].items()}
            ids = journal_ids(core2)
            assert len(ids) == len(set(ids))
            assert core2.source is not None and core2.source.resets == 0
        finally:
            await core2.stop()

    run(main())


def test_a_cache_from_another_gateway_is_not_resumed(feed_factory: Callable[..., FeedProcess],
                                                     tmp_path: Path) -> None:
    first = feed_factory(seed=1)
    second = feed_factory(seed=9)
    cache = tmp_path / "cache"

    async def main() -> None:
        core = ConsoleCore(ConsoleConfig(backend_url=first.url, cache_dir=cache, fetch_catalogues=False))
        try:
            await core.start()
            assert await core.wait_live(30)
        finally:
            await core.stop()
        core2 = ConsoleCore(ConsoleConfig(backend_url=second.url, cache_dir=cache, fetch_catalogues=False))
        try:
            await core2.start()
            assert await core2.wait_live(30)
            state = await caught_up(core2, second.url or "")
            # A fresh snapshot, not the first gateway's cursor: the picture is the second feed's.
            assert {a.id: a.rev for a in core2.picture.alerts.values()} == \
                {aid: a["rev"] for aid, a in state["alerts"].items()}
            assert core2.source is not None and core2.source.resets == 0
        finally:
            await core2.stop()

    run(main())

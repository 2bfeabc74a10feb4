"""The whole core (ConsoleCore) against the real feed subprocess and real SQLite caches.

Plain asyncio, no Qt: the same core the GUI runs on qasync.  Every wait is bounded.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

import httpx

from console.feed_process import FeedProcess
from console.runtime import ConsoleConfig, ConsoleCore
from tests.support.asyncsupport import feed_state, run, until


async def feed_alert(url: str, alert_id: str) -> Any:
    from console.models import Snapshot

    async with httpx.AsyncClient(base_url=url, timeout=10) as http:
        snap = Snapshot.model_validate_json((await http.get("/api/v1/snapshot")).content)
    return next(a for a in snap.alerts if a.id == alert_id)


def core_for(url: str | None, cache: Path, **kwargs: Any) -> ConsoleCore:
    kwargs.setdefault("max_backoff_s", 1.0)
    kwargs.setdefault("keepalive_timeout_s", 5.0)
    return ConsoleCore(ConsoleConfig(backend_url=url, cache_dir=cache, **kwargs))


def alert_revs(core: ConsoleCore) -> dict[str, int]:
    return {a.id: a.rev for a in core.picture.alerts.values()}


def outbox_status(core: ConsoleCore, command_id: str) -> str:
    assert core.outbox is not None
    item = core.outbox.get(command_id)
    return str(item.status) if item is not None else "missing"


def test_live_picture_and_acknowledge_round_trip(feed: FeedProcess, tmp_path: Path) -> None:
    async def main() -> None:
        core = core_for(feed.url, tmp_path / "cache")
        try:
            await core.start()
            assert core.ready.is_set()
            assert await core.wait_live(30)
            state = await feed_state(feed.url or "")
            await until(lambda: len(core.picture.alerts) >= state["counts"]["alerts"], 10, "snapshot alerts")
            assert len(core.picture.devices) == state["counts"]["devices"]
            assert len(core.picture.cameras) == state["counts"]["cameras"]
            await until(lambda: len(core.layers) > 0 and len(core.plans) > 0, 20, "layers and plans")
            assert all(doc["type"] == "FeatureCollection" for doc in core.layers.values())

            alert = next(a for a in core.picture.alerts.values() if a.status == "new")
            cmd = core.commands.submit("alert.acknowledge", alert.id, expected_rev=alert.rev)
            assert core.picture.alerts.pending(alert.id)  # shown as pending at once
            await until(lambda: core.picture.alerts.get(alert.id).status == "acknowledged"
                        and not core.picture.alerts.pending(alert.id), 20, "echo of the acknowledge")
            await until(lambda: outbox_status(core, cmd.id) == "confirmed", 10, "outbox confirmed")
            assert core.picture.alerts.get(alert.id).last_command_id == cmd.id
            assert (await feed_state(feed.url or ""))["alerts"][alert.id]["status"] == "acknowledged"
            assert core.sender is not None and core.sender.posts == 1
            assert core.task_errors == []
        finally:
            await core.stop()

    run(main())


def test_refused_command_shows_the_reason_and_leaves_the_alert(feed: FeedProcess, tmp_path: Path) -> None:
    async def main() -> None:
        core = core_for(feed.url, tmp_path / "cache")
        try:
            await core.start()
            assert await core.wait_live(30)
            alert = next(a for a in core.picture.alerts.values() if a.status == "new")
            cmd = core.commands.submit("alert.acknowledge", alert.id, expected_rev=alert.rev + 5)  # stale
            await until(lambda: outbox_status(core, cmd.id) == "refused", 20, "refusal")
            reason = core.picture.alerts.refusal(alert.id)
            assert reason and "版本" in reason
            assert core.picture.alerts.get(alert.id).status == "new"
            assert not core.picture.alerts.pending(alert.id)
        finally:
            await core.stop()

    run(main())


def test_offline_commands_survive_a_restart_and_are_delivered_once(feed: FeedProcess, tmp_path: Path) -> None:
    url = feed.url or ""
    cache = tmp_path / "cache"

    async def main() -> None:
        core = core_for(url, cache)
        try:
            await core.start()
            assert await core.wait_live(30)
            alert = next(a for a in core.picture.alerts.values() if a.status == "new")
            await asyncio.to_thread(feed.stop)
            await until(lambda: core.picture.connection.state == "reconnecting", 15, "reconnecting")
            cmd = core.commands.submit("alert.acknowledge", alert.id, expected_rev=alert.rev)
            await asyncio.sleep(1.5)  # a few delivery attempts against a closed port
            assert outbox_status(core, cmd.id) == "pending"
        finally:
            await core.stop()

        # A new console process on the same cache, still offline.
        core2 = core_for(url, cache)
        try:
            await core2.start()
            assert core2.picture.alerts.get(alert.id) is not None
            assert core2.picture.alerts.pending(alert.id), "pending overlay restored from the outbox"
            await until(lambda: core2.picture.connection.state == "offline", 15, "offline")
            assert outbox_status(core2, cmd.id) == "pending"
            await asyncio.to_thread(feed.restart)
            await until(lambda: outbox_status(core2, cmd.id) == "confirmed", 30, "delivery after reconnect")
            assert core2.picture.alerts.get(alert.id).status == "acknowledged"
            assert not core2.picture.alerts.pending(alert.id)
        finally:
            await core2.stop()
        state = await feed_state(url)
        assert state["alerts"][alert.id]["status"] == "acknowledged"
        assert state["counts"]["commands"] == 1
        on_feed = await feed_alert(url, alert.id)
        assert [n.action for n in on_feed.timeline].count("acknowledge") == 1

    run(main(), timeout=150)


def test_restart_from_cache_with_the_feed_down(feed: FeedProcess, tmp_path: Path) -> None:
    cache = tmp_path / "cache"

    async def main() -> None:
        core = core_for(feed.url, cache)
        try:
            await core.start()
            assert await core.wait_live(30)
            await asyncio.sleep(2.5)  # stream traffic on top of the snapshot: journal tail
            assert core.journal is not None
        finally:
            await core.stop()
        before = alert_revs(core)
        readings_before = {d.id: len(core.picture.readings.history(d.id)) for d in core.picture.devices.values()}
        assert sum(readings_before.values()) > 0
        layers_before = set(core.layers)
        await asyncio.to_thread(feed.stop)

        core2 = core_for(feed.url, cache)
        try:
            await core2.start()
            assert core2.ready.is_set()
            assert alert_revs(core2) == before  # at once, from snapshot tables + journal
            assert core2.restored > 0
            assert set(core2.layers) == layers_before  # the map draws from the cache
            await until(lambda: core2.picture.connection.state == "offline", 15, "offline")
            assert "秒后重试" in core2.picture.connection.detail
            # readings are not snapshot state: they come back from the journal tail
            assert {d: len(core2.picture.readings.history(d)) for d in readings_before} == readings_before
        finally:
            await core2.stop()

    run(main())


def test_core_imports_no_qt() -> None:
    import subprocess

    code = ("import sys, console.runtime, console.cli, console.source, console.outbox_sender;"
            "bad = sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken6', 'qasync', 'widgets')));"
            "print(bad); sys.exit(1 if bad else 0)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          cwd=str(Path(__file__).resolve().parents[2]))
    assert proc.returncode == 0, proc.stdout + proc.stderr

"""The fault-injection suite's scenarios: each a coroutine returning its row of the table.

Every fault runs against the embedded feed on loopback (``FeedProcess``) and a
real ``ConsoleCore`` on plain asyncio.  After each one the feed is paused
(``/_sim/pause``: no new traffic, so the comparison has a fixed target), the
console catches up to the feed's head, and its alerts, devices and tasks (ids and
revs) are compared with ``GET /_sim/state``; journal stream ids must be unique,
every bad message must be counted as a dead letter and every command must appear
exactly once in the feed's alert timelines.  Each row is then checked against its
limit in ``tests.support.faultsupport.LIMITS`` (lag, losses, time errors).

Why this module is long: it is the catalogue of faults, one short coroutine per row
of docs/testing.md's table plus the fuzzer they share; split by fault kind, the
table's order would be spread over several files for no gain.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import random
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Awaitable, Callable

import httpx

from console.clock import freshness
from console.feed_process import FeedProcess
from console.runtime import CACHE_FILE, ConsoleConfig, ConsoleCore
from console.workflow import Limits, due_state
from tests.support.asyncsupport import until
from tests.support.faultsupport import (
    CONSOLE_KILLS,
    FEED_KILLS,
    FaultResult,
    LagProbe,
    Rig,
    console_config,
    journal_ids,
    rig,
)

# ---------------------------------------------------------------------------- stream faults


async def fault_feed_kills(r: Rig, kills: int = FEED_KILLS, seed: int = 10) -> FaultResult:
    """SIGKILL the feed at random points of a busy stream and restart it, ``kills`` times."""
    res = FaultResult(f"feed SIGKILL+restart ×{kills}", "feed_kills")
    rng = random.Random(seed)
    await r.post("/_sim/burst", {"alerts": 40 * kills, "over_s": 2.0 * kills})
    for _ in range(kills):
        res.tried += 1
        await asyncio.sleep(rng.uniform(0.05, 1.0))
        await asyncio.to_thread(r.feed.kill)
        await until(lambda: r.core.picture.connection.state != "live", 15, "the console noticing the kill")
        await asyncio.to_thread(r.feed.restart)
        await until(lambda: r.core.picture.connection.state == "live", 30, "live after the restart")
        res.survived += 1
    await r.compare(res)
    return res


async def fault_drip(r: Rig, seconds: float = 4.0) -> FaultResult:
    """A stream that drips: the loop stays free, a stall trips the watchdog, ok again → caught up.

    First one byte a second (faster than the 3 s keep-alive watchdog: the connection
    stays open and the console must simply not block on it), then one byte every five
    seconds (slower than the watchdog: the console must give up and reconnect).
    """
    res = FaultResult("stream drips 1 byte/s, then 0.2 byte/s", "drip", tried=2)
    src = r.core.source
    assert src is not None
    with LagProbe() as probe:
        await r.fault("drip", drip_bytes_per_s=1)
        await asyncio.sleep(0.2)
        ticks_before = probe.ticks
        await asyncio.sleep(seconds)
        # The loop kept ticking while bytes trickled in: at least half the ticks it would make
        # idle (a loop blocked on the socket, or busy on each byte, makes far fewer); the
        # worst single stall is held to the row's lag limit.
        ticks = probe.ticks - ticks_before
        moving = ticks >= 0.5 * seconds / probe.period_s
        if not moving:
            res.notes.append(f"{ticks} ticks in {seconds:g} s of drip (expected ≥ {0.5 * seconds / probe.period_s:.0f})")
        connections = src.connections
        await r.fault("drip", drip_bytes_per_s=0.2)
        gave_up = await within(lambda: src.connections > connections or r.core.picture.connection.state != "live",
                               30)
        if not gave_up:
            res.notes.append("the keep-alive watchdog never gave up on a stalled stream")
        await r.fault("ok")
        await until(lambda: r.core.picture.connection.state == "live", 30, "live after the drip")
    res.max_lag_ms = probe.max_lag_ms
    await r.compare(res)
    res.survived = int(moving) + int(gave_up)
    return res


async def fault_cut(r: Rig) -> FaultResult:
    """The stream cut in the middle of an event, three times."""
    res = FaultResult("stream cut mid-event ×3", "cut")
    for _ in range(3):
        res.tried += 1
        connections = r.core.source.connections if r.core.source else 0
        await r.fault("cut")
        await until(lambda: r.core.picture.connection.state != "live"
                    or (r.core.source is not None and r.core.source.connections > connections),
                    20, "the cut noticed")
        await r.fault("ok")
        await until(lambda: r.core.picture.connection.state == "live", 30, "live after the cut")
        res.survived += 1
    await r.compare(res)
    return res


async def fault_duplicate_ids(r: Rig, seconds: float = 2.0) -> FaultResult:
    """Every live event sent twice with the same id: applied and journaled once."""
    res = FaultResult("same id sent twice", "dup_ids", tried=1)
    await r.post("/_sim/burst", {"alerts": 30, "over_s": 1})
    await r.fault("dup")
    await asyncio.sleep(seconds)
    await r.fault("ok")
    await r.compare(res)
    res.survived = int(res.lost == 0 and res.duplicated == 0)
    return res


async def fault_old_revision(r: Rig) -> FaultResult:
    """An older revision of a live alert arrives after the newer one: the newer stays."""
    res = FaultResult("revision out of order", "old_revision", tried=1)
    snap = (await r.http.get("/api/v1/snapshot")).json()
    victim = snap["alerts"][0]
    # A note command makes the feed's rev newer than the copy we hold.
    cmd = r.core.commands.submit("alert.note", victim["id"], {"text": "乱序测试"})
    await until(lambda: _alert_rev(r.core, victim["id"]) > victim["rev"], 20, f"the note {cmd.id}'s new revision")
    env = {"v": 1, "id": "__ID__", "type": "alert.upsert", "ts": snap["generated_at"],
           "scope": {"street": victim.get("street"), "community": victim.get("community")}, "payload": victim}
    before = r.core.ingest.accepted
    await r.inject_many([json.dumps(env, ensure_ascii=False).encode()], stamp_id=True)
    await until(lambda: r.core.ingest.accepted > before, 20, "the old revision delivered")
    await r.compare(res)
    res.survived = int(_alert_rev(r.core, victim["id"]) > victim["rev"] and res.lost == 0)
    return res


def _alert_rev(core: ConsoleCore, alert_id: str) -> int:
    a = core.picture.alerts.get(alert_id)
    return a.rev if a is not None else -1


async def within(cond: Callable[[], bool], timeout: float, poll_s: float = 0.05) -> bool:
    """Whether ``cond()`` came true within ``timeout`` seconds (a row's criterion, not an error)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not cond():
        if loop.time() > deadline:
            return False
        await asyncio.sleep(poll_s)
    return True


# ---------------------------------------------------------------------------- time faults
#
# What "right" means (docs/testing.md, "Time"): a countdown is the gateway's deadline
# (created_at + limit, both on the gateway's clock) minus the gateway's present time,
# which the console estimates from the stamps it receives and anchors to monotonic
# time; the data delay is measured on the gateway's clock too (skew is no delay);
# "数据截至" is shown in the workstation's frame.  A step of the workstation's wall
# clock moves no countdown, and the stream, the flush ticker, the backoff and the
# outbox go on as before (they wait on monotonic time).


def _open_alert_with_limit(core: ConsoleCore, limits: Limits) -> Any:
    """The newest alert whose time limit runs, or None."""
    running = [a for a in core.picture.alerts.values() if limits.limit_of(a.category, a.status) is not None]
    return max(running, key=lambda a: a.created_at, default=None)


def _time_errors(core: ConsoleCore, limits: Limits, true_gateway_now: datetime) -> dict[str, float]:
    """Seconds each time the operator sees is off, given the gateway's true present time."""
    clock = core.picture.clock
    conn = core.picture.connection
    errors: dict[str, float] = {}
    alert = _open_alert_with_limit(core, limits)
    if alert is not None:
        shown = due_state(alert, limits, clock.gateway_now())[1] or 0.0
        true = due_state(alert, limits, true_gateway_now)[1] or 0.0
        errors["countdown"] = shown - true
    live = freshness("live", conn.data_as_of, conn.last_message_at, clock)
    # Fresh data must read as a delay of a second or so, never as the skew.
    if live.delay_s is not None:
        errors["data delay"] = live.delay_s
    elif conn.data_as_of is not None:  # shown as "数据截至": its age counts as the error
        errors["data delay"] = (clock.wall() - conn.data_as_of).total_seconds()
    banner = freshness("offline", conn.data_as_of, conn.last_message_at, clock).as_of
    if banner is not None and conn.last_message_at is not None:
        # 数据截至: the workstation's time of the newest data, i.e. when it arrived here.
        errors["数据截至"] = (banner - conn.last_message_at).total_seconds()
    return errors


async def fault_gateway_clock(r: Rig, skew_s: float = 600.0) -> FaultResult:
    """The gateway's clock 10 minutes ahead of the console's, then 10 minutes behind, during a burst.

    Feed and console share this machine's wall clock, so the gateway's true present
    time is the wall clock plus the skew.  Each try: the console's estimate follows
    the gateway's clock, a countdown, the data delay and the 数据截至 time are each
    within the row's limit of the truth, and nothing is lost.
    """
    res = FaultResult(f"gateway clock ±{skew_s / 60:g} min", "gateway_clock", tried=2)
    limits = Limits.from_catalogue()
    clock = r.core.picture.clock
    try:
        for offset in (skew_s, -skew_s):
            await r.post("/_sim/clock", {"offset_s": offset})
            await r.post("/_sim/burst", {"alerts": 20, "over_s": 1})
            t0 = time.monotonic()
            followed = await within(lambda: abs(clock.offset_s() - offset) < 1.0, 15)
            res.notes.append(f"{offset:+g} s followed in {time.monotonic() - t0:.1f} s" if followed
                             else f"{offset:+g} s never followed (estimate {clock.offset_s():+.1f} s)")
            await asyncio.sleep(1.0)  # the burst's alerts and a freshness update in (the feed running)
            true_now = datetime.now(timezone.utc) + timedelta(seconds=offset)
            errors = _time_errors(r.core, limits, true_now)
            for what, err in errors.items():
                res.worse_time(err)
                if abs(err) > 2.0:
                    res.notes.append(f"{offset:+g} s: {what} off by {err:+.1f} s")
            lost_before = res.lost
            await r.compare(res)
            res.survived += int(followed and res.lost == lost_before and "countdown" in errors)
    finally:
        await r.post("/_sim/clock", {"offset_s": 0})
        await within(lambda: abs(clock.offset_s()) < 1.0, 30)  # leave the next row a true clock
    return res


async def fault_wall_step(r: Rig, step_s: float = 3600.0) -> FaultResult:
    """The console's wall clock stepped an hour forward, then an hour back (an NTP step).

    The step is injected into the clock the core uses (``picture.clock.wall``).  Each
    try, after the step: a running countdown moved by the monotonic time elapsed and
    no more, the data delay is no delay, 数据截至 follows the workstation's new clock,
    the stream keeps flowing in order (journal stream ids increasing), the flush
    ticker commits on its own, a cut stream reconnects within the backoff and a
    command is delivered exactly once.
    """
    res = FaultResult(f"console wall clock stepped ±{step_s / 3600:g} h", "wall_step", tried=2)
    limits = Limits.from_catalogue()
    core = r.core
    clock = core.picture.clock
    journal = core.journal
    src = core.source
    assert journal is not None and src is not None
    real_wall = clock.wall
    try:
        for step in (step_s, -step_s):
            failed: list[str] = []
            alert = _open_alert_with_limit(core, limits)
            assert alert is not None, "no alert with a running limit"
            left0 = due_state(alert, limits, clock.gateway_now())[1] or 0.0
            m0 = time.monotonic()
            journal.flush()
            seq0 = journal.max_seq()
            accepted0 = core.ingest.accepted

            def stepped(s: float = step) -> datetime:
                return real_wall() + timedelta(seconds=s)

            clock.wall = stepped
            await r.post("/_sim/burst", {"alerts": 20, "over_s": 1})
            # The flush ticker commits without help, the stream keeps coming.
            if not await within(lambda: journal.max_seq() > seq0 + 10 and journal.pending() == 0, 10):
                failed.append("the flush ticker stopped committing")
            if not await within(lambda: core.ingest.accepted > accepted0 + 20, 10):
                failed.append("the stream stopped")
            await asyncio.sleep(0.5)  # a freshness update after the step
            left1 = due_state(alert, limits, clock.gateway_now())[1] or 0.0
            errors = {"countdown": left1 - (left0 - (time.monotonic() - m0))}
            true_now = real_wall()  # the feed's clock is the machine's real one
            errors.update({k: v for k, v in _time_errors(core, limits, true_now).items() if k != "countdown"})
            for what, err in errors.items():
                res.worse_time(err)
                if abs(err) > 2.0:
                    failed.append(f"{what} off by {err:+.1f} s")
            # Nothing reordered: the rows journaled since the step follow the stream's order.
            sids = [int(sid) for _seq, sid, _body in journal.read_after(seq0) if sid and sid.isdigit()]
            if sids != sorted(sids) or len(sids) != len(set(sids)):
                failed.append("journal rows out of stream order")
            # The backoff waits on monotonic time: a cut reconnects at once (max backoff 0.5 s).
            connections = src.connections
            await r.fault("cut")
            await within(lambda: core.picture.connection.state != "live" or src.connections > connections, 10)
            await r.fault("ok")
            t_cut = time.monotonic()
            if not await within(lambda: core.picture.connection.state == "live" and src.connections > connections,
                                10):
                failed.append("no reconnect within 10 s of a cut")
            res.notes.append(f"{step:+g} s: reconnected in {time.monotonic() - t_cut:.1f} s")
            # The outbox sends: compare() checks the command is in the feed's timeline once.
            core.commands.submit("alert.note", alert.id, {"text": "时钟跳变测试"})
            lost_before = res.lost
            await r.compare(res)
            if res.lost != lost_before:
                failed.append("lost something")
            res.notes.extend(f"{step:+g} s: {f}" for f in failed)
            res.survived += int(not failed)
    finally:
        clock.wall = real_wall
    return res


async def fault_bad_messages(r: Rig, label: str, key: str, raws: list[bytes]) -> FaultResult:
    """Bad messages through the real stream: every one counted as a dead letter, the rest intact."""
    res = FaultResult(label, key, tried=len(raws))
    rejected = r.core.ingest.rejected
    dead = r.core.picture.connection.dead_letters
    with LagProbe() as probe:
        ids = await r.inject_many(raws)
        src = r.core.source
        assert src is not None
        await until(lambda: src.last_event_id is not None and src.last_event_id.isdigit()
                    and int(src.last_event_id) >= ids[-1], 120, f"{label} delivered")
    res.max_lag_ms = probe.max_lag_ms
    counted = r.core.ingest.rejected - rejected
    res.dead_letters = counted
    res.survived = min(counted, len(raws))
    shown = r.core.picture.connection.dead_letters - dead
    if shown != counted:
        res.notes.append(f"status bar shows {shown} new dead letters, ingest counted {counted}")
        res.lost += abs(counted - shown)
    res.lost += max(0, len(raws) - counted)  # a bad message neither applied nor counted = silently dropped
    await r.compare(res)
    return res


def huge_message(size: int = 10 * 1024 * 1024) -> bytes:
    return b'{"v": 1, "id": "1", "type": "notice", "payload": {"text": "' + b"x" * size + b'"}}'


def invalid_utf8_message() -> bytes:
    body = {"v": 1, "id": "X", "type": "notice", "ts": "2026-11-28T15:00:00+08:00",
            "payload": {"id": "n-utf8", "severity": "info", "text": "无效编码"}}
    return json.dumps(body, ensure_ascii=False).encode().replace("编码".encode(), b"\xff\xfe\xc3")


# ---------------------------------------------------------------------------- hypothesis flood


def fuzzed_messages(n: int, seed: int = 0) -> list[bytes]:
    """``n`` malformed messages: hypothesis generates ``min(n, 2000)`` shapes, each varied by index.

    Every shape breaks the envelope contract on purpose (``v`` is never the integer 1,
    or the bytes are not JSON at all), so each must become a dead letter.  Shapes are
    varied by appending the index in a way that keeps them malformed, which reaches
    100,000 in seconds instead of the minutes hypothesis would take for that many.
    """
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import strategies as st

    json_value = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                              lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=8), kids,
                                                                                        max_size=3), max_leaves=8)
    bad_v = st.one_of(st.integers().filter(lambda v: v != 1), st.text(max_size=5), st.none())
    envelope_like = st.fixed_dictionaries(
        {"v": bad_v},
        optional={"id": json_value, "type": st.sampled_from(["alert.upsert", "device.upsert", "notice", "reset",
                                                             "bogus"]) | st.text(max_size=10),
                  "ts": st.text(max_size=30), "payload": json_value})
    as_json = envelope_like.map(lambda d: json.dumps(d, ensure_ascii=False).encode())
    truncated = as_json.map(lambda b: b[: max(1, len(b) // 2)])
    raw_bytes = st.binary(min_size=1, max_size=200).map(lambda b: b"\x00" + b)  # never valid JSON
    bad_utf8 = as_json.map(lambda b: b[:-1] + b"\xff\xfe" + b[-1:])
    shapes: list[bytes] = []

    @settings(max_examples=min(n, 2000), database=None, derandomize=True, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck), deadline=None)
    @given(st.one_of(as_json, truncated, raw_bytes, bad_utf8))
    def collect(message: bytes) -> None:
        shapes.append(message)

    collect()
    # Only non-blank, single-event shapes: SSE drops an event whose data is empty.
    shapes = [s for s in shapes if s.strip()] or [b"\x00"]
    rng = random.Random(seed)
    out = []
    for i in range(n):
        base = shapes[i % len(shapes)]
        out.append(base + b" \x00#%d" % i if rng.random() < 0.5 else b"\x00" + base + b"#%d" % i)
    return out


async def fault_flood_ingest(workdir: Path, n: int = 100_000) -> FaultResult:
    """100,000 fuzzed messages straight into ``Ingest.accept`` in source-sized chunks (200, then yield)."""
    res = FaultResult(f"hypothesis flood ×{n} (Ingest)", "flood_ingest", tried=n)
    messages = fuzzed_messages(n)
    # The harness's own 100,000 messages are not the console's heap: frozen, the cyclic
    # collector does not walk them on every full collection (measured: full collections
    # of 50–137 ms over them, stretched to 480–610 ms of lag when the 2 cores are shared).
    gc.collect()
    gc.freeze()
    core = ConsoleCore(ConsoleConfig(backend_url=None, cache_dir=workdir / "flood-cache"))
    await core.start()
    try:
        dead = core.picture.connection.dead_letters
        rejected = core.ingest.rejected
        with LagProbe() as probe:
            applied = 0
            for i, m in enumerate(messages):
                if core.ingest.accept(m, None) is not None:
                    applied += 1
                if i % 200 == 199:
                    await asyncio.sleep(0)  # as LiveSource does for a burst
        res.max_lag_ms = probe.max_lag_ms
        counted = core.ingest.rejected - rejected
        res.dead_letters = counted
        res.survived = counted
        res.lost = n - counted - applied  # neither applied nor counted
        res.duplicated = applied  # a malformed message applied as if valid
        shown = core.picture.connection.dead_letters - dead
        if shown != counted:
            # Not a lost message (Ingest counted it) but the status bar would be wrong:
            # test_the_status_bar_counts_every_dead_letter_past_the_table_cap pins it.
            res.notes.append(f"status bar shows {shown} dead letters, Ingest counted {counted}")
        assert core.journal is not None and core.journal.count() + core.journal.pending() == 0
    finally:
        await core.stop()
        gc.unfreeze()
    return res


# ---------------------------------------------------------------------------- disk and cache faults


async def fault_disk_full(r: Rig) -> FaultResult:
    """The cache capped a few pages above its size: the console holds (stops consuming, says
    本地磁盘已满), drops nothing, and resumes from its last committed id once space is back.
    A real full file system: tests/faults/test_disk_full.py."""
    res = FaultResult("disk full while journaling", "disk_full", tried=1)
    core = r.core
    assert core.journal is not None and core.source is not None
    core.ingest.flush()
    committed = journal_ids(core)
    dropped_before = int(getattr(core.journal, "dropped", 0))
    conn = core.cache.conn
    pages = int(conn.execute("PRAGMA page_count").fetchone()[0])
    conn.execute(f"PRAGMA max_page_count = {pages + 2}")
    held = False
    try:
        await r.post("/_sim/burst", {"alerts": 200, "over_s": 1})
        if await within(lambda: core.picture.connection.state == "held", 20):
            warning = core.picture.connection.detail
            res.notes.append(f"held: {warning[:40]}")
            at = core.source.last_event_id
            await asyncio.sleep(1.0)
            held = "本地磁盘已满" in warning and core.source.last_event_id == at  # it stopped consuming
        else:
            res.notes.append("the console never held")
    finally:
        conn.execute("PRAGMA max_page_count = 1073741823")
    if not await within(lambda: core.picture.connection.state == "live", 20):
        res.notes.append(f"not live again: {core.picture.connection.state}")
    dropped = int(getattr(core.journal, "dropped", 0)) - dropped_before
    if dropped:
        # Rows given up on while the disk was full: the resume cursor may already be past
        # them, so a restart never fetches them again. A loss, whatever the picture shows.
        res.lost += dropped
        res.notes.append(f"{dropped} rows dropped from the journal while the disk was full")
    await r.compare(res)
    after = journal_ids(core)
    res.lost += len(set(committed) - set(after))  # a row committed before the disk filled is gone
    new = [int(i) for i in after if i not in set(committed)]
    if new and new != list(range(new[0], new[0] + len(new))):
        res.lost += (new[-1] - new[0] + 1) - len(new)  # a gap in what was journaled across the hold
        res.notes.append("gap in the journal across the hold")
    res.survived = int(held and res.lost == 0)
    return res


async def fault_corrupt_cache(workdir: Path) -> FaultResult:
    """A cache file overwritten with garbage: moved aside, a notice, a fresh snapshot, equal to the feed."""
    res = FaultResult("corrupted cache at start", "corrupt_cache", tried=1)
    async with rig(workdir, alerts_per_s=2) as r:
        await asyncio.sleep(0.5)
        await r.core.stop()
        cache_file = workdir / "cache" / CACHE_FILE
        with open(cache_file, "r+b") as f:  # the header and the first pages: SQLite cannot read it
            f.write(os.urandom(8192))
        for side in ("-wal", "-shm"):
            Path(str(cache_file) + side).unlink(missing_ok=True)
        core = ConsoleCore(console_config(workdir / "cache", r.url))
        r.core = core
        await core.start()
        notices = [n.text for n in core.picture.notices.recent(50)]
        moved = list((workdir / "cache").glob(f"{CACHE_FILE}.corrupt-*"))
        assert await core.wait_live(30)
        await r.compare(res)
        assert core.snapshots is not None
        resnapshotted = core.snapshots.load() is not None  # the fresh cache holds the new snapshot
        ok = bool(moved) and any("损坏" in t for t in notices) and core.restored == 0 and resnapshotted
        if not ok:
            res.notes.append(f"moved={len(moved)} notices={notices[:2]} snapshot={resnapshotted}")
        res.survived = int(ok and res.lost == 0)
    return res


# ---------------------------------------------------------------------------- the console SIGKILLed


CHILD = Path(__file__).resolve().parent / "fault_console_child.py"


async def fault_console_sigkill(workdir: Path, commands: int = 20, rounds: int = CONSOLE_KILLS) -> FaultResult:
    """The console SIGKILLed ``rounds`` times during an alert storm with commands queued.

    Each round a child console (tests/support/fault_console_child.py) resumes the same cache,
    queues ``commands`` more commands (the feed answers commands with 500, so every one
    stays in the outbox) and is killed at a random moment of the storm.  Then a console
    in this process restarts on the cache: every journaled alert must be in the restored
    picture, and once the feed takes commands again each one must be applied exactly once.
    """
    res = FaultResult(f"console SIGKILL ×{rounds} (storm + queued commands)", "console_kills", tried=rounds)
    feed = FeedProcess(seed=4, alerts_per_s=5, readings_per_s=30, data_dir=workdir / "feed",
                       extra_args=("--keepalive-s", "0.5"))
    await asyncio.to_thread(feed.start)
    url = feed.url or ""
    cache = workdir / "cache"
    http = httpx.AsyncClient(base_url=url, timeout=30)
    child: subprocess.Popen[str] | None = None
    rng = random.Random(rounds)
    submitted: list[str] = []
    committed = ""
    try:
        await http.post("/_sim/burst", json={"alerts": 1000 + 1000 * rounds, "over_s": 5 + 5 * rounds})
        await http.post("/_sim/fault", json={"mode": "cmd500"})  # commands stay queued, the stream flows
        env = dict(os.environ, PYTHONPATH=str(CHILD.parents[2]))
        for _ in range(rounds):
            child = subprocess.Popen([sys.executable, str(CHILD), url, str(cache), str(commands)],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
            assert child.stdout is not None
            got: list[str] = []
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:  # bounded: a silent child is killed below, which unblocks the read
                    line = await asyncio.wait_for(asyncio.to_thread(child.stdout.readline),
                                                  max(0.1, deadline - time.monotonic()))
                except asyncio.TimeoutError:
                    break
                if not line:
                    break
                word, _, rest = line.strip().partition(" ")
                if word == "COMMITTED":
                    committed = rest
                elif word == "SUBMITTED":
                    got = rest.split(",")
                    break
            if got:
                submitted.extend(got)
                await asyncio.sleep(rng.uniform(0.05, 0.5))  # the storm goes on being journaled
            child.send_signal(signal.SIGKILL)
            await asyncio.to_thread(child.wait, 10)
            for line in await unread_lines(child):  # printed before the kill: on disk by then
                word, _, rest = line.strip().partition(" ")
                if word == "COMMITTED":
                    committed = rest
            res.survived += int(bool(got))
        assert submitted, "the child console never queued its commands"
        await http.post("/_sim/fault", json={"mode": "ok"})

        core = ConsoleCore(console_config(cache, url))
        r = Rig(feed, core)
        try:
            await core.start()  # restores from the journal before any network
            assert core.journal is not None
            last = core.journal.last_stream_id()
            if committed and (last is None or int(last) < int(committed)):
                res.lost += int(committed) - int(last or 0)
                res.notes.append(f"journal ends at {last}, the child had committed {committed}")
            restored_ids = {a.id for a in core.picture.alerts.values()}
            journaled = {json.loads(body)["payload"]["id"] for _s, sid, body in core.journal.read_after(0)
                         if sid and '"alert.upsert"' in body}
            res.lost += len(journaled - restored_ids)
            assert await core.wait_live(30)
            await until(lambda: core.outbox is not None and core.outbox.counts().get("pending", 0) == 0, 30,
                        "the queued commands delivered")
            await asyncio.sleep(0.5)
            state = await r.compare(res)
            timeline: dict[str, int] = {}
            for ids in state["timeline_commands"].values():
                for cid in ids:
                    timeline[cid] = timeline.get(cid, 0) + 1
            res.lost += sum(1 for c in submitted if timeline.get(c, 0) == 0)
            res.duplicated += sum(1 for c in submitted if timeline.get(c, 0) > 1)
            res.notes.append(f"{len(submitted)} commands, journal at the last kill {committed}")
        finally:
            await r.aclose()
            await core.stop()
    finally:
        await http.aclose()
        if child is not None and child.poll() is None:
            child.kill()
            child.wait(timeout=10)
        await asyncio.to_thread(feed.close)
    return res


async def unread_lines(child: subprocess.Popen[str]) -> list[str]:
    """What a killed child printed that we had not read yet (the pipe is at EOF now)."""
    if child.stdout is None:
        return []
    rest = await asyncio.wait_for(asyncio.to_thread(child.stdout.read), 10)
    child.stdout.close()
    return rest.splitlines()


# ---------------------------------------------------------------------------- the suite, shared with the bench


async def stream_faults(workdir: Path, kills: int = FEED_KILLS) -> list[FaultResult]:
    """Every stream fault in turn on one feed and one console (keeps CI short)."""
    out: list[FaultResult] = []
    async with rig(workdir / "stream") as r:
        for fault in (lambda: fault_feed_kills(r, kills), lambda: fault_cut(r), lambda: fault_old_revision(r),
                      lambda: fault_wall_step(r), lambda: fault_gateway_clock(r),
                      lambda: fault_bad_messages(r, "10 MB message", "huge", [huge_message()]),
                      lambda: fault_bad_messages(r, "invalid UTF-8", "utf8", [invalid_utf8_message()]),
                      lambda: fault_bad_messages(r, "hypothesis flood ×3000 (stream)", "flood_stream",
                                                   fuzzed_messages(3000, seed=1)),
                      lambda: fault_drip(r), lambda: fault_disk_full(r)):
            out.append(await probed(fault))
    return out


async def probed(fault: Callable[[], Awaitable[FaultResult]]) -> FaultResult:
    """Run one fault with a lag probe unless it measured its own (critical) stretch.

    This probe covers the whole scenario, the harness included: its synchronous reads
    of the journal after each fault and a console restart's ``restore()`` show up in it.
    """
    with LagProbe() as probe:
        res = await fault()
    if res.max_lag_ms is None:
        res.max_lag_ms = probe.max_lag_ms
    return res


async def all_faults(workdir: Path, kills: int = FEED_KILLS, flood: int = 100_000,
                     console_kills: int = CONSOLE_KILLS) -> list[FaultResult]:
    """The whole table, in the bench's order."""
    out = await stream_faults(workdir, kills)
    async with rig(workdir / "dup") as r:
        out.append(await probed(lambda: fault_duplicate_ids(r)))
    out.append(await probed(lambda: fault_flood_ingest(workdir, flood)))
    out.append(await probed(lambda: fault_corrupt_cache(workdir / "corrupt")))
    out.append(await probed(lambda: fault_console_sigkill(workdir / "sigkill", rounds=console_kills)))
    return out

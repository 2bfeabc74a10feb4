"""The fault-injection suite (issue 10): each fault against the real feed, then nothing lost.

Every fault runs against the embedded feed on loopback (``FeedProcess``) and a
real ``ConsoleCore`` on plain asyncio.  After each one the feed is paused
(``/_sim/pause``: no new traffic, so the comparison has a fixed target), the
console catches up to the feed's head, and its alerts, devices and tasks (ids and
revs) are compared with ``GET /_sim/state``; journal stream ids must be unique,
every bad message must be counted as a dead letter and every command must appear
exactly once in the feed's alert timelines.

The scenarios are plain coroutines returning a ``FaultResult`` so that
``bench/bench_faults.py`` runs the same code and prints the table.  Tests assert
counts only, never times; the event-loop lag is measured and reported by the bench.
``PINGSHAN_LONG=1`` runs the long variants (50 feed kills instead of 10).
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import random
import signal
import subprocess
import sys
import time
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, AsyncIterator, Awaitable, Callable

import httpx
import pytest

_TESTS = Path(__file__).resolve().parents[1]
if str(_TESTS.parent) not in sys.path:  # the bench imports this module from bench/
    sys.path.insert(0, str(_TESTS.parent))

from tests.support.asyncsupport import feed_state, run, until  # noqa: E402
from console.feed_process import FeedProcess  # noqa: E402
from console.runtime import CACHE_FILE, ConsoleConfig, ConsoleCore  # noqa: E402

LONG = os.environ.get("PINGSHAN_LONG") == "1"
FEED_KILLS = 50 if LONG else 10
CONSOLE_KILLS = 10 if LONG else 3


@dataclass
class FaultResult:
    """One row of the fault table."""

    fault: str
    tried: int = 0
    survived: int = 0
    lost: int = 0
    duplicated: int = 0
    dead_letters: int = 0
    max_lag_ms: float | None = None  # worst event-loop lag a 10 ms ticker saw while the fault ran
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.tried == self.survived and self.lost == 0 and self.duplicated == 0


class LagProbe:
    """A 10 ms ticker on the console's loop; the worst lateness says whether the loop stayed free."""

    def __init__(self, period_s: float = 0.01) -> None:
        self.period_s = period_s
        self.max_lag_s = 0.0
        self.ticks = 0
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        expected = loop.time() + self.period_s
        while True:
            await asyncio.sleep(self.period_s)
            now = loop.time()
            self.max_lag_s = max(self.max_lag_s, now - expected)
            self.ticks += 1
            expected = now + self.period_s

    def __enter__(self) -> "LagProbe":
        self._task = asyncio.get_running_loop().create_task(self._run(), name="lag-probe")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._task is not None:
            self._task.cancel()

    @property
    def max_lag_ms(self) -> float:
        return round(self.max_lag_s * 1000, 1)


# ---------------------------------------------------------------------------- the rig


class Rig:
    """A feed and a console talking over loopback, with the comparisons every fault ends with."""

    def __init__(self, feed: FeedProcess, core: ConsoleCore) -> None:
        self.feed = feed
        self.core = core
        self.url = feed.url or ""
        self.http = httpx.AsyncClient(base_url=self.url, timeout=30)
        self._dups_reported = 0  # duplicates are cumulative in the journal: count each once

    async def post(self, path: str, body: dict[str, Any]) -> Any:
        return (await self.http.post(path, json=body)).json()

    async def fault(self, mode: str, **extra: Any) -> None:
        await self.post("/_sim/fault", {"mode": mode, **extra})

    async def pause(self, paused: bool) -> None:
        await self.post("/_sim/pause", {"paused": paused})

    async def inject_many(self, raws: list[bytes], stamp_id: bool = False) -> list[int]:
        """Send raw messages through the real stream, 1,000 per request."""
        ids: list[int] = []
        for i in range(0, len(raws), 1000):
            chunk = [base64.b64encode(r).decode() for r in raws[i:i + 1000]]
            got = await self.post("/_sim/inject_batch", {"b64": chunk, "stamp_id": stamp_id})
            ids.extend(int(x) for x in got["ids"])
        return ids

    async def caught_up(self, timeout: float = 60) -> dict[str, Any]:
        """Pause the feed, wait until the console has the feed's head; the feed's state."""
        await self.pause(True)
        state = await feed_state(self.url)
        src = self.core.source
        assert src is not None
        await until(lambda: src.last_event_id is not None and src.last_event_id.isdigit()
                    and int(src.last_event_id) >= state["head"], timeout, f"the console at head {state['head']}")
        return state

    async def compare(self, result: FaultResult, extra_alerts: frozenset[str] = frozenset()) -> dict[str, Any]:
        """Count what the console lacks (lost) or holds twice (duplicated) against the feed; resumes the feed."""
        outbox = self.core.outbox
        assert outbox is not None
        await until(lambda: outbox.counts().get("pending", 0) == 0, 30, "the outbox sent")
        state = await self.caught_up()
        lost, dups = compare_state(self.core, state, extra_alerts)
        result.lost += len(lost)
        result.duplicated += max(0, dups - self._dups_reported)
        self._dups_reported = max(dups, self._dups_reported)
        if lost:
            result.notes.append(f"lost/stale: {sorted(lost)[:5]}")
        await self.pause(False)
        return state

    async def aclose(self) -> None:
        await self.http.aclose()


def journal_ids(core: ConsoleCore) -> list[str]:
    assert core.journal is not None
    core.ingest.flush()
    return [sid for _seq, sid, _body in core.journal.read_after(0) if sid]


def compare_state(core: ConsoleCore, state: dict[str, Any],
                  extra_alerts: frozenset[str] = frozenset()) -> tuple[set[str], int]:
    """(objects lost or at the wrong rev, duplicate journal ids + objects the feed does not have)."""
    lost: set[str] = set()
    phantom = 0
    pic = core.picture
    pairs: list[tuple[str, dict[str, int], dict[str, int]]] = [
        ("alert", {k: v["rev"] for k, v in state["alerts"].items()}, {a.id: a.rev for a in pic.alerts.values()}),
        ("device", dict(state["devices"]), {d.id: d.rev for d in pic.devices.values()}),
        ("task", dict(state["tasks"]), {t.id: t.rev for t in pic.tasks.values()}),
    ]
    for kind, feed_revs, mine in pairs:
        lost |= {f"{kind}:{k}" for k, rev in feed_revs.items() if mine.get(k) != rev}
        phantom += len(set(mine) - set(feed_revs) - (extra_alerts if kind == "alert" else set()))
    ids = journal_ids(core)
    cmd_lost, cmd_dups = compare_outbox(core, state)
    return lost | cmd_lost, phantom + (len(ids) - len(set(ids))) + cmd_dups


def compare_outbox(core: ConsoleCore, state: dict[str, Any]) -> tuple[set[str], int]:
    """Alert commands the gateway did not refuse must each be in the feed's timelines exactly once."""
    in_timeline: dict[str, int] = {}
    for cids in state.get("timeline_commands", {}).values():
        for cid in cids:
            in_timeline[cid] = in_timeline.get(cid, 0) + 1
    rows = core.cache.conn.execute("SELECT command_id, status FROM outbox WHERE kind LIKE 'alert.%'").fetchall()
    lost = {f"command:{cid}" for cid, status in rows if status != "refused" and in_timeline.get(cid, 0) == 0}
    dups = sum(1 for cid, _status in rows if in_timeline.get(cid, 0) > 1)
    return lost, dups


def console_config(cache: Path, url: str, **kw: Any) -> ConsoleConfig:
    kw.setdefault("keepalive_timeout_s", 3.0)
    kw.setdefault("max_backoff_s", 0.5)
    return ConsoleConfig(backend_url=url, cache_dir=cache, fetch_catalogues=False, **kw)


@asynccontextmanager
async def rig(workdir: Path, alerts_per_s: float = 5, readings_per_s: float = 30,
              feed_args: tuple[str, ...] = ("--keepalive-s", "0.5"), **config: Any) -> AsyncIterator[Rig]:
    """A started feed and a live console; both stopped on the way out."""
    feed = FeedProcess(seed=3, alerts_per_s=alerts_per_s, readings_per_s=readings_per_s,
                       data_dir=workdir / "feed", extra_args=feed_args)
    await asyncio.to_thread(feed.start)
    core = ConsoleCore(console_config(workdir / "cache", feed.url or "", **config))
    r = Rig(feed, core)
    try:
        await core.start()
        assert await core.wait_live(30), "the console never went live"
        yield r
    finally:
        await r.aclose()
        await core.stop()
        await asyncio.to_thread(feed.close)


# ---------------------------------------------------------------------------- stream faults


async def fault_feed_kills(r: Rig, kills: int = FEED_KILLS, seed: int = 10) -> FaultResult:
    """SIGKILL the feed at random points of a busy stream and restart it, ``kills`` times."""
    res = FaultResult(f"feed SIGKILL+restart ×{kills}")
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
    res = FaultResult("stream drips 1 byte/s, then 0.2 byte/s", tried=2)
    src = r.core.source
    assert src is not None
    with LagProbe() as probe:
        await r.fault("drip", drip_bytes_per_s=1)
        await asyncio.sleep(0.2)
        ticks_before = probe.ticks
        await asyncio.sleep(seconds)
        # The loop kept ticking while bytes trickled in (a blocked loop would not tick at all).
        moving = probe.ticks - ticks_before > 0
        connections = src.connections
        await r.fault("drip", drip_bytes_per_s=0.2)
        await until(lambda: src.connections > connections or r.core.picture.connection.state != "live", 30,
                    "the keep-alive watchdog giving up on a stalled stream")
        await r.fault("ok")
        await until(lambda: r.core.picture.connection.state == "live", 30, "live after the drip")
    res.max_lag_ms = probe.max_lag_ms
    await r.compare(res)
    res.survived = int(moving) + int(res.lost == 0)
    return res


async def fault_cut(r: Rig) -> FaultResult:
    """The stream cut in the middle of an event, three times."""
    res = FaultResult("stream cut mid-event ×3")
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
    res = FaultResult("same id sent twice", tried=1)
    await r.post("/_sim/burst", {"alerts": 30, "over_s": 1})
    await r.fault("dup")
    await asyncio.sleep(seconds)
    await r.fault("ok")
    await r.compare(res)
    res.survived = int(res.lost == 0 and res.duplicated == 0)
    return res


async def fault_old_revision(r: Rig) -> FaultResult:
    """An older revision of a live alert arrives after the newer one: the newer stays."""
    res = FaultResult("revision out of order", tried=1)
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


async def fault_clock(r: Rig) -> FaultResult:
    """The feed's clock 10 minutes ahead, then 10 minutes behind, during a burst."""
    res = FaultResult("feed clock ±10 min", tried=2)
    for offset in (600.0, -600.0):
        await r.post("/_sim/clock", {"offset_s": offset})
        await r.post("/_sim/burst", {"alerts": 20, "over_s": 1})
        await asyncio.sleep(1.5)
        lost_before = res.lost
        await r.compare(res)
        res.survived += int(res.lost == lost_before)
    await r.post("/_sim/clock", {"offset_s": 0})
    return res


async def fault_bad_messages(r: Rig, label: str, raws: list[bytes]) -> FaultResult:
    """Bad messages through the real stream: every one counted as a dead letter, the rest intact."""
    res = FaultResult(label, tried=len(raws))
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
    res = FaultResult(f"hypothesis flood ×{n} (Ingest)", tried=n)
    messages = fuzzed_messages(n)
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
    return res


# ---------------------------------------------------------------------------- disk and cache faults


async def fault_disk_full(r: Rig) -> FaultResult:
    """The cache capped a few pages above its size: the console holds (stops consuming, says
    本地磁盘已满), drops nothing, and resumes from its last committed id once space is back.
    A real full file system: tests/faults/test_disk_full.py."""
    res = FaultResult("disk full while journaling", tried=1)
    core = r.core
    assert core.journal is not None and core.source is not None
    core.ingest.flush()
    committed = journal_ids(core)
    conn = core.cache.conn
    pages = int(conn.execute("PRAGMA page_count").fetchone()[0])
    conn.execute(f"PRAGMA max_page_count = {pages + 2}")
    held = False
    try:
        await r.post("/_sim/burst", {"alerts": 200, "over_s": 1})
        await until(lambda: core.picture.connection.state == "held", 20, "the console to hold")
        warning = core.picture.connection.detail
        res.notes.append(f"held: {warning[:40]}")
        at = core.source.last_event_id
        await asyncio.sleep(1.0)
        held = "本地磁盘已满" in warning and core.source.last_event_id == at  # it stopped consuming
    finally:
        conn.execute("PRAGMA max_page_count = 1073741823")
    await until(lambda: core.picture.connection.state == "live", 20, "live again")
    res.lost += core.journal.dropped  # a row given up on would never be fetched again
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
    res = FaultResult("corrupted cache at start", tried=1)
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


CHILD = _TESTS / "support" / "fault_console_child.py"


async def fault_console_sigkill(workdir: Path, commands: int = 20, rounds: int = CONSOLE_KILLS) -> FaultResult:
    """The console SIGKILLed ``rounds`` times during an alert storm with commands queued.

    Each round a child console (tests/support/fault_console_child.py) resumes the same cache,
    queues ``commands`` more commands (the feed answers commands with 500, so every one
    stays in the outbox) and is killed at a random moment of the storm.  Then a console
    in this process restarts on the cache: every journaled alert must be in the restored
    picture, and once the feed takes commands again each one must be applied exactly once.
    """
    res = FaultResult(f"console SIGKILL ×{rounds} (storm + queued commands)", tried=rounds)
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
        env = dict(os.environ, PYTHONPATH=str(_TESTS.parent))
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
                      lambda: fault_clock(r),
                      lambda: fault_bad_messages(r, "10 MB message", [huge_message()]),
                      lambda: fault_bad_messages(r, "invalid UTF-8", [invalid_utf8_message()]),
                      lambda: fault_bad_messages(r, "hypothesis flood ×3000 (stream)", fuzzed_messages(3000, seed=1)),
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


def assert_clean(results: list[FaultResult]) -> None:
    bad = [r for r in results if not r.ok]
    assert not bad, "\n".join(f"{r.fault}: tried {r.tried} survived {r.survived} lost {r.lost} "
                              f"dup {r.duplicated} {r.notes}" for r in bad)


# ---------------------------------------------------------------------------- tests


def test_stream_faults_lose_and_repeat_nothing(tmp_path: Path) -> None:
    results = run(stream_faults(tmp_path), timeout=240)
    assert len(results) == 9
    assert_clean(results)


def test_the_same_id_sent_twice_is_journaled_once(tmp_path: Path) -> None:
    async def main() -> FaultResult:
        async with rig(tmp_path) as r:
            return await fault_duplicate_ids(r)

    assert_clean([run(main())])


def test_a_hypothesis_flood_is_counted_message_by_message(tmp_path: Path) -> None:
    (res,) = [run(fault_flood_ingest(tmp_path, 100_000), timeout=180)]
    assert res.dead_letters == 100_000
    assert_clean([res])


def test_the_status_bar_counts_every_dead_letter_past_the_table_cap(tmp_path: Path) -> None:
    async def main() -> tuple[int, int]:
        core = ConsoleCore(ConsoleConfig(backend_url=None, cache_dir=tmp_path / "cache"))
        await core.start()
        try:
            for m in fuzzed_messages(12_000, seed=3):
                core.ingest.accept(m, None)
            core._update_counts()  # what the flush ticker does every second
            return core.ingest.rejected, core.picture.connection.dead_letters
        finally:
            await core.stop()

    rejected, shown = run(main())
    assert rejected == 12_000
    assert shown == rejected


def test_fuzzed_messages_are_all_malformed() -> None:
    from console.models import InvalidEnvelope, parse_envelope

    for m in fuzzed_messages(500, seed=2):
        with pytest.raises(InvalidEnvelope):
            parse_envelope(m)


def test_a_corrupted_cache_is_moved_aside_and_resnapshotted(tmp_path: Path) -> None:
    assert_clean([run(fault_corrupt_cache(tmp_path))])


def test_console_sigkill_keeps_the_journal_and_delivers_each_command_once(tmp_path: Path) -> None:
    assert_clean([run(fault_console_sigkill(tmp_path))])


def test_the_comparison_notices_a_lost_alert(tmp_path: Path) -> None:
    """The comparison can fail: a console missing one alert counts it as lost."""

    async def main() -> tuple[set[str], int]:
        async with rig(tmp_path, alerts_per_s=1) as r:
            state = await r.caught_up()
            gone = next(iter(state["alerts"]))
            r.core.picture.alerts._items.pop(gone)  # simulate a lost alert
            return compare_state(r.core, state)

    lost, dups = run(main())
    assert len(lost) == 1 and dups == 0


def test_the_outbox_comparison_notices_lost_and_repeated_commands(tmp_path: Path) -> None:
    """A command missing from the feed's timelines is lost; one there twice is duplicated."""

    async def main() -> tuple[tuple[set[str], int], tuple[set[str], int], tuple[set[str], int]]:
        core = ConsoleCore(ConsoleConfig(backend_url=None, cache_dir=tmp_path / "cache"))
        await core.start()
        try:
            cid = core.commands.submit("alert.note", "A-1", {"text": "x"}).id
            return (compare_outbox(core, {"timeline_commands": {}}),
                    compare_outbox(core, {"timeline_commands": {"A-1": [cid, cid]}}),
                    compare_outbox(core, {"timeline_commands": {"A-1": [cid]}}))
        finally:
            await core.stop()

    missing, twice, once = run(main())
    assert len(missing[0]) == 1 and missing[1] == 0
    assert twice == (set(), 1)
    assert once == (set(), 0)

"""A simulated week on duty: does the console's memory stay flat?

The district of the embedded feed (``simulator.world``: its devices, cameras, alert
texts and backlog) makes a week of traffic at a stated rate, on a simulated clock
that runs as fast as the console can take it:

* ``--events-per-day`` new alerts a day (default 5,000), each then followed through
  its life — acknowledged, dispatched, started, resolved and closed within hours — so
  about six alert envelopes per event;
* ``--readings-per-s`` device readings a second over the district's 310 devices (default
  10: each device every ~31 s; a week of it takes about five minutes here, a week at 100/s
  about 35), sent as one ``reading.batch`` per street every ``--batch-s`` simulated seconds;
* the indicator values of the district and each street every 5 simulated minutes;
* a notice every simulated hour and a malformed message (a dead letter) every 2 hours.

The envelopes go through a real ``ConsoleCore`` (its own SQLite cache in a temporary
folder, the journal flushed and checkpointed as at run time, the picture's changes drained
as the Qt bridge does, once per ``--flush-sim-s`` simulated seconds) — no HTTP, the stream
ids are the generator's. The generator (the feed's district, which keeps its own last two
days of alerts) runs in a child process and hands the console each minute's envelopes
over a pipe, so the figures are the console's own (``--same-process`` puts it back in,
as before: an upper bound). After each simulated day the bench prints the resident memory
of the console's process (``VmRSS``) and of the generator's, the memory Python's allocator tracks (``tracemalloc``, when
``--trace``) and what the picture holds. ``--ui`` also builds the main window with all
its panels (offscreen) on a qasync loop and lets it take every change set.

``--profile`` prints, per simulated ``--profile-every-h`` hours, the object types that
grew most (``gc.get_objects()``) and the source lines whose allocations grew most
(``tracemalloc``): how the growers of issue 18 were found.

The figures are quoted in docs/performance.md ("A week on duty").
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import heapq
import json
import os
import random
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from console.models import Alert, AlertNote, IndicatorValues, Notice, NoticeEnvelope, Scope  # noqa: E402
from district.rulebook import ENVELOPES, Item, public_alert  # noqa: E402
from district.vocabulary import DISTRICT_TZ  # noqa: E402
from simulator.world import District, FeedConfig  # noqa: E402
from simulator.world_data import DEVICE_KINDS  # noqa: E402

DAY_S = 86_400
INDICATOR_EVERY_S = 300
NOTICE_EVERY_S = 3_600
DEAD_LETTER_EVERY_S = 7_200
STEP_S = 10.0  # the simulated clock advances in steps of this many seconds
LIFECYCLE = (  # (action, status, minutes after the previous step: low, high)
    ("acknowledge", "acknowledged", 1, 20),
    ("dispatch", "dispatched", 2, 30),
    ("start", "in_progress", 5, 60),
    ("resolve", "resolved", 20, 240),
    ("close", "closed", 20, 240),
)


def rss_mb() -> float:
    """Resident memory of this process (Linux ``/proc``), MB."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class SoakDistrict(District):
    """The feed's district on a simulated clock, its envelopes captured instead of served."""

    def __init__(self, config: FeedConfig, start: datetime) -> None:
        self.sim_now = start
        self.captured: list[tuple[str, bytes]] = []
        super().__init__(config)

    def now(self) -> datetime:
        return self.sim_now

    def _next_alert_id(self) -> str:
        self._alert_seq += 1  # the feed writes the sequence to its log; here nothing persists
        return f"PS{self._alert_seq:07d}"

    def emit(self, items: list[Item], idempotent: tuple[str, int, str, str] | None = None) -> list[int]:
        ids = []
        for etype, payload, street, community, _kind in items:
            self.head += 1
            public = public_alert(payload) if isinstance(payload, Alert) else payload
            env = (NoticeEnvelope if etype == "notice" else ENVELOPES[etype])(v=1, id=str(self.head), ts=self.sim_now, type=etype,
                                   scope=Scope(street=street, community=community), payload=public)
            self.captured.append((str(self.head), env.model_dump_json().encode("utf-8")))
            ids.append(self.head)
        return ids


class SoakStream:
    """A week of the district's traffic as raw envelopes (stream id = envelope id)."""

    def __init__(self, tmp: Path, *, seed: int, events_per_day: float, readings_per_s: float,
                 batch_s: float, start: datetime) -> None:
        self.district = SoakDistrict(FeedConfig(seed=seed, data_dir=tmp / "feed", alerts_per_s=0.0,
                                                readings_per_s=0.0, backlog=150), start)
        self.rng = random.Random(f"{seed}:soak")
        self.events_per_s = events_per_day / DAY_S
        self.readings_per_s = readings_per_s
        self.batch_s = batch_s
        self.clock = 0.0  # simulated seconds since start
        self._alert_carry = 0.0
        self._reading_carry = 0.0
        self._next_batch = batch_s
        self._next_ind = INDICATOR_EVERY_S
        self._next_notice = NOTICE_EVERY_S
        self._next_dead = DEAD_LETTER_EVERY_S
        self._due: list[tuple[float, str, int]] = []  # (sim seconds, alert id, lifecycle step)
        d = self.district
        self.devices = sorted((dev for dev in d.devices.values()), key=lambda x: x.id)
        self.by_street: dict[str | None, list[Any]] = {}
        for dev in self.devices:
            self.by_street.setdefault(dev.street, []).append(dev)
        self.values = {dev.id: DEVICE_KINDS[dev.kind][3] for dev in self.devices}
        self.sent = Counter[str]()
        d.captured.clear()  # the world's creation is in the snapshot

    def snapshot(self) -> Any:
        """The gateway's snapshot the console starts from."""
        return self.district.snapshot(None)

    def advance_steps(self, steps: int, dt: float) -> list[tuple[str, bytes]]:
        """``steps`` advances of ``dt`` seconds each, their envelopes in order."""
        out: list[tuple[str, bytes]] = []
        for _ in range(steps):
            out.extend(self.advance(dt))
        self.generator_rss_mb = rss_mb()
        return out

    def advance(self, dt: float) -> list[tuple[str, bytes]]:
        """Move the simulated clock by ``dt`` seconds; the envelopes of that time, in order."""
        d = self.district
        self.clock += dt
        d.sim_now = d.sim_now + timedelta(seconds=dt)
        out: list[tuple[str, bytes]] = []
        self._alert_carry += self.events_per_s * dt
        while self._alert_carry >= 1.0:
            self._alert_carry -= 1.0
            a = d.generate_alert()
            self._schedule(a.id, 0)
            self.sent["alert.new"] += 1
        while self._due and self._due[0][0] <= self.clock:
            _t, alert_id, step = heapq.heappop(self._due)
            self._progress(alert_id, step)
        if self.clock >= self._next_batch:
            self._next_batch += self.batch_s
            self._reading_carry += self.readings_per_s * self.batch_s
            n = int(self._reading_carry)
            self._reading_carry -= n
            if n:
                self._readings(n)
        if self.clock >= self._next_ind:
            self._next_ind += INDICATOR_EVERY_S
            self._indicators()
        if self.clock >= self._next_notice:
            self._next_notice += NOTICE_EVERY_S
            notice = Notice(id=f"soak-{int(self.clock)}", severity="info", text="系统巡检正常")
            d.emit([("notice", notice, None, None, None)])
        out.extend(d.captured)
        d.captured.clear()
        if self.clock >= self._next_dead:
            self._next_dead += DEAD_LETTER_EVERY_S
            d.head += 1
            out.append((str(d.head), b'{"v": 1, "id": "%d", "type": "alert.upsert", "payload": {}}' % d.head))
            self.sent["dead_letter"] += 1
        self.sent["envelopes"] += len(out)
        return out

    def _schedule(self, alert_id: str, step: int) -> None:
        if step < len(LIFECYCLE):
            _a, _s, lo, hi = LIFECYCLE[step]
            heapq.heappush(self._due, (self.clock + 60 * self.rng.uniform(lo, hi), alert_id, step))

    def _progress(self, alert_id: str, step: int) -> None:
        d = self.district
        a = d.alerts.get(alert_id)
        if a is None:
            return
        action, status, _lo, _hi = LIFECYCLE[step]
        now = d.sim_now
        update: dict[str, Any] = {"status": status, "rev": a.rev + 1, "updated_at": now}
        unit = d._default_unit(a, self.rng)
        actor = "区指挥中心值班员"
        if action == "acknowledge":
            update["acknowledged_by"] = actor
        if action == "dispatch":
            update["assigned_unit"] = unit
        update["timeline"] = a.timeline + (AlertNote(ts=now, actor=actor, action=action, text=status),)
        a = a.model_copy(update=update)
        d.alerts[a.id] = a
        d.emit([("alert.upsert", a, a.street, a.community, "alert")])
        self.sent["alert.update"] += 1
        if status == "closed":
            d.archive()  # the feed's own state forgets closed alerts after 48 h, as a gateway does
        self._schedule(alert_id, step + 1)

    def _readings(self, n: int) -> None:
        """``n`` readings spread over the devices, one raw ``reading.batch`` per street."""
        d = self.district
        rng = self.rng
        ts = d.sim_now.isoformat()
        picks: dict[str | None, list[str]] = {}
        for _ in range(n):
            dev = self.devices[rng.randrange(len(self.devices))]
            _name, metric, _unit, base, noise, *_rest = DEVICE_KINDS[dev.kind]
            value = round(self.values[dev.id] + 0.5 * (base - self.values[dev.id]) + rng.gauss(0, noise), 3)
            self.values[dev.id] = value
            picks.setdefault(dev.street, []).append(
                f'{{"device_id":"{dev.id}","metric":"{metric}","value":{value},"ts":"{ts}"}}')
        for street, rows in sorted(picks.items(), key=lambda kv: kv[0] or ""):
            d.head += 1
            scope = json.dumps(street)
            body = (f'{{"v":1,"id":"{d.head}","ts":"{ts}","type":"reading.batch",'
                    f'"scope":{{"street":{scope},"community":null}},'
                    f'"payload":{{"readings":[{",".join(rows)}]}}}}')
            d.captured.append((str(d.head), body.encode("utf-8")))
        self.sent["readings"] += n

    def _indicators(self) -> None:
        d = self.district
        rng = self.rng
        groups: dict[str | None, list[Any]] = {}
        for key, v in list(d.indicator_latest.items()):
            v = v.model_copy(update={"value": round(max(0.0, v.value * (1 + rng.gauss(0, 0.002))), 3),
                                     "ts": d.sim_now})
            d.indicator_latest[key] = v
            groups.setdefault(v.street, []).append(v)
        d.emit([("indicator.values", IndicatorValues(values=tuple(vs)), street, None, None)
                for street, vs in groups.items()])


class RemoteStream:
    """:class:`SoakStream` in a child process: only the console's memory is measured here."""

    def __init__(self, tmp: Path, **kw: Any) -> None:
        import multiprocessing

        ctx = multiprocessing.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self._proc = ctx.Process(target=_generator_main, args=(child, str(tmp), kw), daemon=True)
        self._proc.start()
        child.close()
        self.sent: Counter[str] = Counter()
        self.generator_rss_mb = 0.0

    def _ask(self, *request: Any) -> Any:
        self._conn.send(request)
        reply, self.sent, self.generator_rss_mb = self._conn.recv()
        return reply

    def snapshot(self) -> Any:
        from console.models import Snapshot

        return Snapshot.model_validate_json(self._ask("snapshot"))

    def advance_steps(self, steps: int, dt: float) -> list[tuple[str, bytes]]:
        return list(self._ask("advance", steps, dt))

    def close(self) -> None:
        self._conn.send(("stop",))
        self._proc.join(10)


def _generator_main(conn: Any, tmp: str, kw: dict[str, Any]) -> None:
    stream = SoakStream(Path(tmp), **kw)
    while True:
        request = conn.recv()
        if request[0] == "stop":
            return
        if request[0] == "snapshot":
            reply: Any = stream.snapshot().model_dump_json()
        else:
            reply = stream.advance_steps(request[1], request[2])
        conn.send((reply, stream.sent, rss_mb()))


def picture_counts(core: Any) -> dict[str, int]:
    """What the live picture holds (alerts, readings held in histories, ...)."""
    p = core.picture
    out = {"alerts": len(p.alerts), "devices": len(p.devices), "notices": len(p.notices)}
    rs = p.readings
    out["readings_held"] = rs.held() if hasattr(rs, "held") else sum(len(h) for h in rs._history.values())
    ind = p.indicators
    out["indicator_points"] = ind.held() if hasattr(ind, "held") else sum(len(h) for h in ind._history.values())
    return out


def type_counts() -> Counter[str]:
    return Counter(type(o).__qualname__ for o in gc.get_objects())


async def soak(args: argparse.Namespace) -> list[dict[str, Any]]:
    from console.runtime import ConsoleConfig, ConsoleCore

    start = datetime(2026, 6, 1, 0, 0, tzinfo=DISTRICT_TZ)
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        kw = dict(seed=args.seed, events_per_day=args.events_per_day, readings_per_s=args.readings_per_s,
                  batch_s=args.batch_s, start=start)
        stream: Any = SoakStream(tmp, **kw) if args.same_process else RemoteStream(tmp, **kw)
        core = ConsoleCore(ConsoleConfig(backend_url=None, cache_dir=tmp / "cache", fetch_catalogues=False))
        await core.start()
        core.ingest.accept_snapshot(stream.snapshot())
        window = notifier = None
        if args.ui:
            from widgets.bridge import PictureNotifier
            from widgets.shell.main_window import MainWindow

            notifier = PictureNotifier(core.picture)
            window = MainWindow(core, notifier)
            window.resize(1920, 1080)
            window.show()
            await asyncio.sleep(2)
        if args.trace:
            tracemalloc.start(args.frames)
        gc.collect()
        base_types = type_counts() if args.profile else Counter()
        base_snap = tracemalloc.take_snapshot() if args.profile and args.trace else None
        t0 = time.perf_counter()
        rows.append(_row(0, core, stream, t0))
        _print_row(rows[-1])
        steps_per_day = int(DAY_S / STEP_S)
        flush_every = max(1, int(args.flush_sim_s / STEP_S))
        profile_every = int(args.profile_every_h * 3600 / STEP_S)
        for day in range(1, args.days + 1):
            for step in range(flush_every, steps_per_day + 1, flush_every):
                for sid, body in stream.advance_steps(flush_every, STEP_S):
                    core.ingest.accept(body, sid)
                core.ingest.flush()  # one flush per --flush-sim-s, as the runtime's ticker
                if notifier is None:
                    core.picture.flush()  # what the Qt bridge does on its timer
                await asyncio.sleep(0)
                if window is not None:
                    await asyncio.sleep(0.001)
                if args.profile and step % profile_every < flush_every:
                    base_types, base_snap = _profile(day, step, base_types, base_snap)
            core.ingest.flush()
            core.picture.flush()
            gc.collect()
            rows.append(_row(day, core, stream, t0))
            _print_row(rows[-1])
        if window is not None:
            window.close()
            window.deleteLater()
        await core.stop()
        if isinstance(stream, RemoteStream):
            stream.close()
    return rows


def _row(day: int, core: Any, stream: SoakStream, t0: float) -> dict[str, Any]:
    row: dict[str, Any] = {"day": day, "rss_mb": rss_mb(), "generator_rss_mb": getattr(stream, "generator_rss_mb", 0.0),
                           "elapsed_s": time.perf_counter() - t0,
                           "envelopes": stream.sent["envelopes"], "readings": stream.sent["readings"]}
    if tracemalloc.is_tracing():
        row["py_mb"] = tracemalloc.get_traced_memory()[0] / 2**20
    row.update(picture_counts(core))
    row["journal_rows"] = core.journal.count() if hasattr(core.journal, "count") else -1
    return row


def _print_row(r: dict[str, Any]) -> None:
    py = f"{r['py_mb']:8.1f}" if "py_mb" in r else "       -"
    print(f"day {r['day']:>2}  rss {r['rss_mb']:7.1f} MB  (generator {r['generator_rss_mb']:6.1f})  python {py} MB  envelopes {r['envelopes']:>9,}"
          f"  readings {r['readings']:>11,}  alerts held {r['alerts']:>6,}  readings held {r['readings_held']:>8,}"
          f"  indicator pts {r['indicator_points']:>7,}  notices {r['notices']:>4}  ({r['elapsed_s']:.0f} s)",
          flush=True)


def _profile(day: int, step: int, base_types: Counter[str], base_snap: Any) -> tuple[Counter[str], Any]:
    gc.collect()
    now_types = type_counts()
    grown = (now_types - base_types).most_common(12)
    hours = step * STEP_S / 3600
    print(f"-- day {day} +{hours:.0f} h: object types grown since last: "
          + ", ".join(f"{k} +{v:,}" for k, v in grown), flush=True)
    snap = None
    if tracemalloc.is_tracing():
        snap = tracemalloc.take_snapshot().filter_traces([tracemalloc.Filter(False, tracemalloc.__file__)])
        if base_snap is not None:
            for stat in snap.compare_to(base_snap, "traceback")[:8]:
                if stat.size_diff <= 0:
                    continue
                frames = " <- ".join(f"{Path(f.filename).name}:{f.lineno}" for f in stat.traceback[:4])
                print(f"   +{stat.size_diff / 2**20:7.2f} MB ({stat.count_diff:+,} blocks) {frames}", flush=True)
    return now_types, snap


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--days", type=int, default=7)
    ap.add_argument("--events-per-day", type=float, default=5_000)
    ap.add_argument("--readings-per-s", type=float, default=10.0)
    ap.add_argument("--batch-s", type=float, default=60.0, help="simulated seconds per reading.batch per street")
    ap.add_argument("--flush-sim-s", type=float, default=60.0,
                    help="simulated seconds between journal/picture flushes (the runtime: 0.1 s of wall time)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--trace", action="store_true", help="also track Python's allocations (tracemalloc; slower)")
    ap.add_argument("--frames", type=int, default=1)
    ap.add_argument("--profile", action="store_true", help="print the top growers")
    ap.add_argument("--profile-every-h", type=float, default=6.0)
    ap.add_argument("--same-process", action="store_true",
                    help="run the generator in this process (measures both: an upper bound)")
    ap.add_argument("--ui", action="store_true", help="with the main window and all its panels (offscreen)")
    ap.add_argument("--max-growth-mb", type=float, default=None,
                    help="exit 1 if resident memory after the last day exceeds that after day 1 by more")
    args = ap.parse_args(argv)
    print(f"simulated {args.days} days: {args.events_per_day:,.0f} events/day (each through 5 lifecycle updates), "
          f"{args.readings_per_s:g} readings/s in batches per street every {args.batch_s:g} s, indicators every "
          f"{INDICATOR_EVERY_S} s, a notice an hour, a dead letter every 2 h", flush=True)
    if args.ui:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        os.environ.setdefault("QTWEBENGINE_CHROMIUM_FLAGS", "--no-sandbox --disable-gpu")
        from PySide6 import QtWebEngineWidgets  # noqa: F401  (before QApplication)
        from PySide6.QtWidgets import QApplication

        app = QApplication.instance() or QApplication(sys.argv)
        app.setQuitOnLastWindowClosed(False)  # closing the window at the end must not stop the loop under soak()
        rows = _run_qt(app, args)
    else:
        rows = asyncio.run(soak(args))
    if args.max_growth_mb is not None and len(rows) > 2:
        growth = rows[-1]["rss_mb"] - rows[1]["rss_mb"]
        print(f"growth after day 1: {growth:+.1f} MB (limit {args.max_growth_mb:g} MB)")
        return 1 if growth > args.max_growth_mb else 0
    return 0


def _run_qt(app: Any, args: argparse.Namespace) -> list[dict[str, Any]]:
    import qasync

    # As the console itself runs (widgets.shell.app): a qasync loop on the application, used
    # as a context manager.
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        return loop.run_until_complete(soak(args))


if __name__ == "__main__":
    raise SystemExit(main())

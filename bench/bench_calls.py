"""Calling (融合通信): time from dial to ringing at the peer, and calls per minute without leaks.

Real components on loopback (tests/support/siplab.py): kamailio as the registrar/proxy,
a sipp unit that rings (180), answers after 200 ms and takes the BYE, and the console's
:class:`console.comms.CallService` driving baresip. Phase 1 places ``-n`` calls one after
another and reports dial → 180 Ringing at the console (the dial command to baresip, the
INVITE through kamailio to the unit and its 180 back: the operator's click to the unit's
phone ringing) as p50/p95/max. Phase 2 places calls back to back for ``--minutes``
(dial, answered, hang up) and compares before/after: this process's open file
descriptors, its child processes, its resident memory and baresip's.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from console.comms import CallService, SipSettings  # noqa: E402
from tests.support.siplab import DOMAIN, Kamailio, SippPeer, binaries_missing  # noqa: E402


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def children(pid: int) -> int:
    n = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                n += 1
        except (OSError, ValueError, IndexError):
            continue
    return n


def fds() -> int:
    return len(os.listdir("/proc/self/fd"))


async def one_call(svc: CallService) -> float:
    call = await svc.dial("team_flood")
    while call.state in ("dialing",):
        await asyncio.sleep(0.001)
    ringing = call.ringing_after_s
    while call.state == "ringing":
        await asyncio.sleep(0.005)
    if call.state == "active":
        await svc.hangup()
    await svc.wait_ended(5)
    if call.outcome != "answered" or ringing is None:
        raise RuntimeError(f"call ended {call.outcome}: {call.reason}")
    return ringing


async def bench(n: int, minutes: float, tmp: Path, kam: Kamailio) -> None:
    svc = CallService(SipSettings(server=kam.server, user="seat01", domain=DOMAIN, ring_timeout_s=10),
                      tmp / "ua", operator="bench")
    reg = await svc.start()
    assert reg.state == "registered", reg
    assert svc.agent is not None and svc.agent.pid is not None
    try:
        await one_call(svc)  # warm-up
        times = [await one_call(svc) for _ in range(n)]
        ms = sorted(t * 1000 for t in times)
        p95 = ms[min(len(ms) - 1, int(round(0.95 * (len(ms) - 1))))]
        print(f"dial → ringing at the peer, {n} calls: p50 {statistics.median(ms):.1f} ms, "
              f"p95 {p95:.1f} ms, max {ms[-1]:.1f} ms")

        before = (fds(), children(os.getpid()), rss_kib(os.getpid()), rss_kib(svc.agent.pid))
        t0 = time.monotonic()
        placed = 0
        while time.monotonic() - t0 < minutes * 60:
            await one_call(svc)
            placed += 1
        elapsed = time.monotonic() - t0
        after = (fds(), children(os.getpid()), rss_kib(os.getpid()), rss_kib(svc.agent.pid))
        print(f"back to back for {elapsed / 60:.1f} min: {placed} calls answered and hung up, "
              f"{placed / elapsed * 60:.0f} calls/min")
        print("| measure | before | after |\n|---|---|---|")
        for label, b, a in zip(("open fds (console)", "child processes (kamailio, sipp, baresip)", "RSS console KiB", "RSS baresip KiB"),
                               before, after):
            print(f"| {label} | {b} | {a} |")
        print(f"call records held in memory: {len(svc.records)} (the latest; all are in the audit chain)")
    finally:
        await svc.stop()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("-n", type=int, default=100, help="calls for the dial → ringing figure (default 100)")
    p.add_argument("--minutes", type=float, default=3.0, help="length of the back-to-back phase (default 3)")
    args = p.parse_args()
    missing = binaries_missing()
    if missing:
        print("needs " + ", ".join(missing) + " (scripts/bootstrap.sh)")
        return 2
    with tempfile.TemporaryDirectory(prefix="bench-calls-") as t:
        tmp = Path(t)
        kam = Kamailio(tmp / "kamailio").start()
        peer = SippPeer(tmp / "peer", kam.server, "team_flood", "answer", calls=10 ** 6, timeout_s=3600).start()
        try:
            asyncio.run(bench(args.n, args.minutes, tmp, kam))
        finally:
            peer.stop()
            kam.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

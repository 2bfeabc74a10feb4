"""Run every benchmark and print their tables (the figures are quoted in docs/performance.md)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHES = [
    ("ingest: validate → journal → store (synchronous FULL vs NORMAL)", ["bench_ingest.py", "-n", "20000"]),
    ("outbox: operator commands committed per second (synchronous FULL vs NORMAL)", ["bench_outbox_commit.py"]),
    ("GUI lag during a 10,000-alert storm", ["bench_gui_lag.py"]),
    ("video wall: fps, CPU, memory", ["bench_video.py"]),
    ("alert queue: 100,000 alerts, filter/sort, storm lag", ["bench_alert_queue.py"]),
    ("indicators: 200 series at 1 Hz, 24 h in view", ["bench_indicators.py"]),
    ("fault-injection suite: nothing lost, nothing duplicated", ["bench_faults.py"]),
    ("drills: replay speed of the longest scenario, headless", ["bench_drill.py"]),
    ("map: ready from cache, 20,000 devices at 1,000 updates/s", ["bench_map.py"]),
    ("wartime: declaration → layout ready, after-action report", ["bench_wartime.py"]),
    ("gateway on NATS JetStream: commands/s through one and two replicas, resume", ["bench_gateway.py"]),
    ("gateway: devices over MQTT in → SSE out, ratio to bare NATS", ["bench_gateway_mqtt.py"]),
    ("street node cut off: alarm latency while cut, catch-up after a 10-minute cut", ["bench_street.py"]),
    ("gateway failover under load: 200 consoles, SIGKILL of a replica and of a NATS node", ["bench_gateway_failover.py"]),
    ("a simulated week on duty: resident memory per day (5,000 events/day, 10 readings/s)", ["bench_soak.py"]),
    ("archive search: a months-deep archive, search times, the loop while it reads", ["bench_archive.py"]),
    ("calling over SIP: dial → ringing at the peer, calls per minute without leaks", ["bench_calls.py"]),
    ("the plan's scale: 100,000 devices, 10,000 cameras — start, map, directory, nearest", ["bench_scale.py",
                                                                                           "--gateway"]),
]


def main() -> int:
    only = set(sys.argv[1:])
    failed = 0
    for title, cmd in BENCHES:
        if only and not any(o in cmd[0] for o in only):
            continue
        print(f"\n== {title} ({cmd[0]})", flush=True)
        rc = subprocess.call([sys.executable, str(HERE / cmd[0]), *cmd[1:]])
        failed += rc != 0
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())

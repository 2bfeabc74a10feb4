"""A console to be SIGKILLed: run by tests/faults/test_fault_suite.py (the console-crash fault).

``python tests/support/fault_console_child.py URL CACHE_DIR N`` starts a ``ConsoleCore``
against the feed, waits until it is live, prints ``COMMITTED <stream id>`` after
each journal flush that moved the committed cursor, submits N ``alert.note``
commands (the feed answers commands with 500, so they stay queued) and prints
``SUBMITTED id,id,...`` once every one is in the outbox; then it keeps journaling
the storm until the parent kills it.  Nothing here stops cleanly on purpose.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from console.runtime import ConsoleConfig, ConsoleCore


async def main(url: str, cache: Path, n: int) -> None:
    core = ConsoleCore(ConsoleConfig(backend_url=url, cache_dir=cache, fetch_catalogues=False,
                                     keepalive_timeout_s=3.0, max_backoff_s=0.5))
    await core.start()
    if not await core.wait_live(30):
        print("NOT-LIVE", flush=True)
        return
    assert core.journal is not None
    last = ""

    def report() -> None:
        # The journal flush ticker commits every 100 ms; report what is on disk now.
        nonlocal last
        sid = core.journal.last_stream_id() if core.journal is not None else None
        if sid and sid != last:
            last = sid
            print(f"COMMITTED {sid}", flush=True)

    for _ in range(10):
        await asyncio.sleep(0.1)
        report()
    targets = [a.id for a in core.picture.alerts.values()][:n]
    ids = [core.commands.submit("alert.note", t, {"text": f"崩溃测试 {i}"}).id for i, t in enumerate(targets)]
    report()
    print("SUBMITTED " + ",".join(ids), flush=True)
    while True:  # journal the storm until SIGKILL
        await asyncio.sleep(0.05)
        report()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])))

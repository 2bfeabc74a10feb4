"""Stopping the core for good: ``core.stop()`` with a bound and a fallback.

Used by every way a session ends (the window closes, a logout, the self-check, the
benches); plain asyncio, no Qt.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

log = logging.getLogger("pingshan.console")

STOP_TIMEOUT_S = 10.0
"""Longest wait for the core to stop (flush journal, cancel tasks) on exit."""


async def stop_core(core: Any, timeout_s: float = STOP_TIMEOUT_S) -> bool:
    """``core.stop()``, re-delivering cancellations that a task swallowed.

    On Python 3.11 ``asyncio.wait_for`` drops a cancellation that races with its
    inner awaitable finishing; a background loop built on it then runs on and
    ``stop()`` waits for it forever. Tasks that were asked to cancel but are still
    running are asked again every half second. Returns False when the core still
    had not stopped after ``timeout_s`` (the journal is then flushed directly).
    """
    loop = asyncio.get_running_loop()
    stopping = asyncio.ensure_future(core.stop())
    me = asyncio.current_task()
    deadline = loop.time() + timeout_s
    while not stopping.done() and loop.time() < deadline:
        await asyncio.wait({stopping}, timeout=0.5)
        if stopping.done():
            break
        for task in asyncio.all_tasks(loop):
            if task is not stopping and task is not me and task.cancelling():
                task.cancel()
    if stopping.done():
        stopping.result()
        return True
    stopping.cancel()
    log.warning("core did not stop within %.0f s; flushing the journal and exiting", timeout_s)
    try:
        core.ingest.flush()
    except Exception:
        log.exception("final journal flush failed")
    return False

"""A real ``ConsoleCore`` for the UI tests, run on the qasync loop of the ``console_loop``
fixture (tests/ui/conftest.py): start it, run a coroutine while Qt keeps processing
events, stop it the way the application does."""

from __future__ import annotations

import asyncio
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Coroutine

DEAD_BACKEND = "http://127.0.0.1:9"
"""Loopback discard port: nothing listens, so a core pointed here is offline."""


def run_task(loop: asyncio.AbstractEventLoop, qtbot: Any, coro: Coroutine[Any, Any, Any], timeout_s: float = 30) -> Any:
    """Run a coroutine on the console loop while Qt keeps processing events."""
    task = loop.create_task(coro)
    try:
        qtbot.waitUntil(task.done, timeout=int(timeout_s * 1000))
    except Exception:
        # Say where it is stuck: the task and everything else still on the loop.
        import io

        out = io.StringIO()
        for t in asyncio.all_tasks(loop):
            t.print_stack(file=out)
        raise AssertionError(f"{coro!r} did not finish in {timeout_s} s; tasks:\n{out.getvalue()}") from None
    return task.result()


def start_core(loop: asyncio.AbstractEventLoop, qtbot: Any, backend: str, cache_dir: Path) -> SimpleNamespace:
    """A started ConsoleCore and its PictureNotifier."""
    from widgets.bridge import PictureNotifier
    from console.runtime import ConsoleConfig, ConsoleCore

    core = ConsoleCore(ConsoleConfig(backend_url=backend, cache_dir=cache_dir, operator="测试值班员"))
    run_task(loop, qtbot, core.start())
    notifier = PictureNotifier(core.picture)
    return SimpleNamespace(core=core, notifier=notifier, loop=loop)


def stop_core(console: SimpleNamespace, qtbot: Any) -> None:
    """Stop the core the way the application does (console.shutdown.stop_core) and insist
    that it really stopped (not merely timed out)."""
    from console.shutdown import stop_core as app_stop_core

    console.notifier.stop()
    assert run_task(console.loop, qtbot, app_stop_core(console.core, timeout_s=20), timeout_s=30)

"""Helpers shared by the asyncio tests that run the core against the real feed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any

import httpx


def run(coro: Coroutine[Any, Any, Any], timeout: float = 150) -> Any:
    """Run a coroutine on a fresh event loop, failing it after ``timeout`` seconds."""
    return asyncio.run(asyncio.wait_for(coro, timeout))


async def until(cond: Callable[[], bool], timeout: float, what: str, poll_s: float = 0.05) -> None:
    """Wait until ``cond()`` holds; fail naming ``what`` after ``timeout`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not cond():
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(poll_s)


async def feed_state(url: str) -> dict[str, Any]:
    """The feed's own view of its state (``GET /_sim/state``), to compare with the console's."""
    async with httpx.AsyncClient(base_url=url, timeout=10) as http:
        return dict((await http.get("/_sim/state")).json())


@asynccontextmanager
async def running(coro: Coroutine[Any, Any, Any]) -> AsyncIterator[asyncio.Task[Any]]:
    """Run ``coro`` as a task for the ``async with`` block; cancel it and wait for it after."""
    task = asyncio.create_task(coro)
    try:
        yield task
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

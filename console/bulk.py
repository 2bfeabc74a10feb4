"""Building many long-lived objects at once (a snapshot of 100,000 devices) without the
cyclic garbage collector getting in the way.

Each validated device is several container objects; a snapshot of 100,000 devices and
10,000 cameras makes about a million of them. While they are built, the collector would
walk the young ones every few hundred allocations and now and then every object alive:
parsing that snapshot took 3.1–3.8 s with it running, 0.6 s with it paused (measured
here). Paused is not enough: once it resumes, the first collections walk the whole new
heap again, three times as the objects age (about a second at this size), and every
later full collection walks it once more. So a bulk build that keeps its objects freezes
them afterwards (``gc.freeze``): they leave the collector's generations and are never
walked again. Their memory is still freed by reference counting when they are dropped
(wire models hold no reference cycles); only a cycle among frozen objects would outlive
its use, which is why garbage is collected just before the freeze, and why the logout
path unfreezes before it collects the old window (widgets.shell.app).
"""

from __future__ import annotations

import contextlib
import gc
from typing import Iterator

FREEZE_ABOVE = 50_000
"""Freeze after a build that left more new tracked objects than this (a big snapshot)."""

_managed = False
"""The GUI runs the collector from its own thread (``widgets.collector``): automatic
collection is off on purpose, and a bulk build still collects and freezes."""
_paused = 0


def set_collector_managed(managed: bool) -> None:
    """Say whether a GUI-thread collector runs the collection (automatic collection off)."""
    global _managed
    _managed = managed


def paused() -> bool:
    """True while a bulk build runs: a managed collector waits."""
    return _paused > 0


@contextlib.contextmanager
def collector_paused(keep: bool = False) -> Iterator[None]:
    """Pause the cyclic collector for a bulk build; it resumes as it was, even on an error.

    ``keep``: the objects built are kept for long (a snapshot in the stores): collect
    what is garbage now, and when the build made many objects, freeze everything alive
    afterwards so that no later collection walks them again.
    """
    global _paused
    was = gc.isenabled()
    active = was or _managed  # collection runs, automatically or from the GUI thread
    before = 0
    if keep and active:
        gc.collect()  # cheap when the last big build is frozen: it walks the rest only
        before = sum(gc.get_count())
    gc.disable()
    _paused += 1
    try:
        yield
    finally:
        _paused -= 1
        if keep and active and sum(gc.get_count()) - before > FREEZE_ABOVE:
            gc.freeze()
        if was:
            gc.enable()

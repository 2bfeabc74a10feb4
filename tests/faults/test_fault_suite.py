"""The fault-injection suite (issues 10 and 18): each fault against the real feed, then nothing lost.

The scenarios live in ``tests/support/faultscenarios.py`` and every row's limit in
``tests/support/faultsupport.py`` (``LIMITS``), shared with ``bench/bench_faults.py``.
Each row is asserted against its limit: nothing lost or repeated, every bad message
counted, the event loop never stalled past the row's lag limit, time errors within
bounds.  The last tests here prove the suite can fail: the same rows, run against a
deliberately broken console, turn red with a message that says why.
``PINGSHAN_LONG=1`` runs the long variants (50 feed kills instead of 10).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Awaitable, Callable

import pytest

from console.clock import Clock
from console.gateway import GatewayClient
from console.runtime import ConsoleConfig, ConsoleCore
from offline_cache.journal import Journal
from tests.support.asyncsupport import run
from tests.support.faultscenarios import (
    fault_console_sigkill,
    fault_corrupt_cache,
    fault_cut,
    fault_disk_full,
    fault_duplicate_ids,
    fault_flood_ingest,
    fault_gateway_clock,
    fuzzed_messages,
    probed,
    stream_faults,
)
from tests.support.faultsupport import (
    FaultResult,
    assert_within_limits,
    compare_outbox,
    compare_state,
    rig,
)


def test_stream_faults_lose_and_repeat_nothing(tmp_path: Path) -> None:
    results = run(stream_faults(tmp_path), timeout=300)
    assert len(results) == 10
    assert_within_limits(results)


def test_the_same_id_sent_twice_is_journaled_once(tmp_path: Path) -> None:
    async def main() -> FaultResult:
        async with rig(tmp_path) as r:
            return await probed(lambda: fault_duplicate_ids(r))

    assert_within_limits([run(main())])


def test_a_hypothesis_flood_is_counted_message_by_message(tmp_path: Path) -> None:
    res = run(probed(lambda: fault_flood_ingest(tmp_path, 100_000)), timeout=180)
    assert res.dead_letters == 100_000
    assert_within_limits([res])


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
    assert_within_limits([run(probed(lambda: fault_corrupt_cache(tmp_path)))])


def test_console_sigkill_keeps_the_journal_and_delivers_each_command_once(tmp_path: Path) -> None:
    assert_within_limits([run(probed(lambda: fault_console_sigkill(tmp_path)))])


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


# ---------------------------------------------------------------------------- the suite can fail


def _one_row(tmp_path: Path, fault: Callable[[Any], Awaitable[FaultResult]]) -> FaultResult:
    async def main() -> FaultResult:
        async with rig(tmp_path) as r:
            return await probed(lambda: fault(r))

    return run(main(), timeout=120)


def test_a_journal_that_drops_rows_on_a_full_disk_turns_the_disk_full_row_red(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A broken build: the journal gives up (and counts) the rows the disk refused."""
    real_flush = Journal.flush

    def dropping_flush(self: Journal) -> int:
        n = real_flush(self)
        buffered = getattr(self, "_buffer", None)
        if self.last_error is not None and buffered:  # the disk refused: give the buffered rows up
            self.dropped = getattr(self, "dropped", 0) + len(buffered)
            buffered.clear()
        return n

    monkeypatch.setattr(Journal, "flush", dropping_flush)
    res = _one_row(tmp_path, fault_disk_full)
    assert res.lost > 0 and not res.ok
    with pytest.raises(AssertionError, match=r"disk full while journaling: .*lost \d+ \(limit 0\)"):
        assert_within_limits([res])


def test_a_source_that_resumes_without_last_event_id_turns_the_cut_row_red(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A broken build: the stream reopened without its cursor misses what was sent meanwhile."""
    real_stream = GatewayClient.stream

    def forgetful(self: GatewayClient, _last_event_id: str | None, *args: Any, **kw: Any) -> Any:
        return real_stream(self, None, *args, **kw)

    monkeypatch.setattr(GatewayClient, "stream", forgetful)

    async def cut_in_a_storm(r: Any) -> FaultResult:
        await r.post("/_sim/burst", {"alerts": 300, "over_s": 6})
        return await fault_cut(r)

    # Red either way: events sent during a gap are lost, or the console never reaches
    # the feed's head at all (the last events fell into a gap).
    with pytest.raises(AssertionError,
                       match=r"stream cut mid-event ×3: .*lost \d+ \(limit 0\)|waiting for the console at head"):
        assert_within_limits([_one_row(tmp_path, cut_in_a_storm)])


def test_countdowns_on_the_workstation_clock_turn_the_gateway_clock_row_red(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A broken build (the console before issue 18): "now" is the workstation's clock, whatever the gateway's."""
    monkeypatch.setattr(Clock, "gateway_now", lambda self: self.wall())
    monkeypatch.setattr(Clock, "offset_s", lambda self: 0.0)
    res = _one_row(tmp_path, fault_gateway_clock)
    assert res.time_error_s is not None and res.time_error_s > 500
    with pytest.raises(AssertionError, match=r"gateway clock ±10 min: .*time off by \d+\.\d s \(limit 2 s\)"):
        assert_within_limits([res])

"""Headless drills end to end: every shipped scenario to its end, repeatable, with no network,
and never a drill id in the live cache."""

from __future__ import annotations

import asyncio
import hashlib
import json
import socket
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from console.drill.session import run_headless
from tests.support.asyncsupport import run, until

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = sorted((ROOT / "resources" / "scenarios").glob("*.yaml"))


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_shipped_scenario_runs_headless_to_the_end(path: Path, tmp_path: Path) -> None:
    result = run(run_headless(path, tmp_path / "out", pdf=False))
    state = json.loads((tmp_path / "out" / "state.json").read_text(encoding="utf-8"))
    assert state["virtual_time_s"] == pytest.approx(result.state["virtual_time_s"])
    from console.drill.scenario import load_scenario

    s = load_scenario(path)
    assert state["virtual_time_s"] == s.duration
    # every alert- or incident-producing inject produced its object, ids drill-prefixed
    assert state["produced"] and all(v.startswith("DR") for v in state["produced"].values())
    assert all(a["id"].startswith("DR") for a in state["alerts"])
    sc = state["score"]
    assert sc["possible"] > 0 and 0 <= sc["percent"] <= 100 and sc["on_time"] > 0
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "演练" in html and "时间线" in html and s.title in html
    # the console's own drill cache saw the same alerts the arbiter holds (echoes applied)
    db = sqlite3.connect(next((tmp_path / "out" / "drill-data").glob("*/console/console.sqlite")))
    bodies = [json.loads(b) for (b,) in db.execute("SELECT body FROM journal")]
    db.close()
    seen = {b["payload"]["id"]: b["payload"]["status"] for b in bodies if b["type"] == "alert.upsert"}
    assert seen == {a["id"]: a["status"] for a in state["alerts"]}


def test_two_runs_give_identical_state(tmp_path: Path) -> None:
    path = ROOT / "resources" / "scenarios" / "typhoon_pingshan_river.yaml"
    run(run_headless(path, tmp_path / "a", pdf=False))
    run(run_headless(path, tmp_path / "b", speed=0, pdf=False))
    a = (tmp_path / "a" / "state.json").read_bytes()
    b = (tmp_path / "b" / "state.json").read_bytes()
    assert a == b
    assert json.loads(a)["score"]["measures"]


def test_scripted_refusal_goes_through_the_gateway_rules(tmp_path: Path) -> None:
    """A dispatch before acknowledge is refused by the arbiter with the feed's own reason."""
    text = (ROOT / "resources" / "scenarios" / "slope_tiantou.yaml").read_text(encoding="utf-8")
    text = text.replace("{at: 17m, action: acknowledge, target: slope-crack}", "{at: 21m, action: acknowledge, target: slope-crack}")
    scen = tmp_path / "s.yaml"
    scen.write_text(text, encoding="utf-8")
    result = run(run_headless(scen, tmp_path / "out", pdf=False))
    assert [r[1:] for r in result.state["refused"]] == [["alert.dispatch", "当前状态为“待签收”，不能分拨"]]
    crack = result.state["produced"]["slope-crack"]
    alert = next(a for a in result.state["alerts"] if a["id"] == crack)
    assert alert["status"] == "acknowledged"  # refused dispatch left it as it was


def _block_network(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    attempts: list[Any] = []

    def refuse(*args: Any, **kwargs: Any) -> Any:
        attempts.append(args)
        raise OSError("network disabled for this test")

    original_init = socket.socket.__init__

    def guarded_init(self: socket.socket, family: int = -1, *args: Any, **kwargs: Any) -> None:
        if family in (socket.AF_INET, socket.AF_INET6):
            attempts.append(("socket", family))
            raise OSError("network disabled for this test")
        original_init(self, family, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket.socket, "__init__", guarded_init)
    return attempts


def test_drill_completes_with_the_network_disabled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    attempts = _block_network(monkeypatch)
    path = ROOT / "resources" / "scenarios" / "forest_fire_maluan.yaml"
    result = run(run_headless(path, tmp_path / "out", pdf=False))
    assert result.state["virtual_time_s"] == 5400
    assert result.score.possible > 0
    assert attempts == []


def test_drill_data_never_reaches_the_live_cache(feed: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A live console caches the feed in its default folder; a drill afterwards, with every
    folder left at its default (DrillSession's and the window's ``--drill``), writes only
    beside it: the live folder keeps the same files, byte for byte, and gains none."""
    from console.drill.session import DrillSession, default_drills_dir
    from console.runtime import ConsoleConfig, ConsoleCore
    from widgets.shell.app import default_cache_dir, parse_args

    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("PINGSHAN_CACHE_DIR", raising=False)
    monkeypatch.delenv("PINGSHAN_DRILL_DIR", raising=False)
    live_dir = default_cache_dir().resolve()
    assert live_dir.is_relative_to(tmp_path)

    async def live_session() -> None:
        core = ConsoleCore(ConsoleConfig(backend_url=feed.url, cache_dir=live_dir, fetch_catalogues=False))
        await core.start()
        try:
            await until(lambda: len(core.picture.alerts) > 0, 30, "live alerts")
        finally:
            await core.stop()

    def tree() -> dict[Path, str]:
        return {p.relative_to(live_dir): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted(live_dir.rglob("*")) if p.is_file()}

    run(live_session())
    before = tree()
    assert Path("console.sqlite") in before

    scenario = ROOT / "resources" / "scenarios" / "slope_tiantou.yaml"

    async def drill_with_defaults() -> tuple[DrillSession, set[str]]:
        session = DrillSession(scenario, paced=False, scripted=True, base_map=False)  # no work_dir
        core = ConsoleCore(ConsoleConfig(**session.console_config_fields()))
        try:
            await core.start()
            if session.source is None:
                session.attach(core)
            await session.source.finished.wait()
            core.ingest.flush()
            state = session.result().state
            return session, {a["id"] for a in state["alerts"]} | {i["id"] for i in state["incidents"]}
        finally:
            await core.stop()
            session.close()

    session, drill_ids = run(drill_with_defaults())
    assert tree() == before, "the drill changed or added files in the live cache"
    work = session.work_dir.resolve()
    assert work.is_relative_to(default_drills_dir().resolve()) and not work.is_relative_to(live_dir)
    # The window's drill mode (``pingshan-console --drill``) keeps its data in the same folder.
    gui = parse_args(["--drill", str(scenario)])
    assert not gui.cache.is_relative_to(live_dir) and not live_dir.is_relative_to(gui.cache)
    assert gui.cache == default_drills_dir().resolve()
    db = sqlite3.connect(f"file:{live_dir / 'console.sqlite'}?mode=ro", uri=True)
    live_text = "\n".join(b for (b,) in db.execute("SELECT body FROM journal"))
    live_text += "\n".join(str(r) for r in db.execute("SELECT * FROM snapshot_state"))
    db.close()
    assert drill_ids and not any(i in live_text for i in drill_ids)
    # The check can see drill data where it is: the drill's own journal holds its ids.
    db = sqlite3.connect(f"file:{work / 'console' / 'console.sqlite'}?mode=ro", uri=True)
    drill_text = "\n".join(b for (b,) in db.execute("SELECT body FROM journal"))
    db.close()
    assert any(i in drill_text for i in drill_ids)


def test_speed_paces_a_headless_run(tmp_path: Path) -> None:
    """``--speed`` paces on the wall clock without changing the outcome (short scenario; the
    pace itself is measured by bench/bench_drill.py, not asserted here)."""
    text = """\
id: pace
title: 倍速
start: "2026-08-20T14:00:00+08:00"
duration: 60s
background: {readings_per_min: 0}
injects:
  - {id: a, at: 30s, kind: alert, category: fire, community: pinghuan, title: 起火}
responses:
  - {at: 40s, action: acknowledge, target: a}
"""
    scen = tmp_path / "pace.yaml"
    scen.write_text(text, encoding="utf-8")
    fast = run(run_headless(scen, tmp_path / "fast", pdf=False))
    paced = run(run_headless(scen, tmp_path / "paced", speed=60, pdf=False))
    assert (tmp_path / "fast" / "state.json").read_bytes() == (tmp_path / "paced" / "state.json").read_bytes()
    assert fast.score.count("on_time") == 1 and paced.score.percent == fast.score.percent


def test_paced_drill_ends_and_writes_its_report(tmp_path: Path) -> None:
    """An operator's (paced) drill at 60×: the clock runs, the drill ends, the report is written."""
    from console.drill.session import DrillSession
    from console.runtime import ConsoleConfig, ConsoleCore

    scen = tmp_path / "short.yaml"
    scen.write_text("""\
id: short
title: 短演练
start: "2026-08-20T14:00:00+08:00"
duration: 90s
background: {readings_per_min: 30}
injects:
  - {id: a, at: 30s, kind: alert, category: fire, community: pinghuan, title: 起火}
""", encoding="utf-8")
    session = DrillSession(scen, tmp_path / "drills", speed=60)
    session.report_pdf = False  # no QGuiApplication in this test process

    async def drill() -> None:
        core = ConsoleCore(ConsoleConfig(**session.console_config_fields()))
        await core.start()
        try:
            await until(lambda: "a" in session.engine.produced, 10, "the inject")
            alert_id = session.engine.produced["a"]
            await until(lambda: core.picture.alerts.get(alert_id) is not None, 5, "the alert in the picture")
            core.commands.submit("alert.acknowledge", alert_id)
            await until(lambda: core.picture.alerts.get(alert_id).status == "acknowledged", 5, "the echo")
            await asyncio.wait_for(session.source.finished.wait(), 10)
            await until(lambda: session.report_path is not None, 5, "the report")
            assert any("评估报告" in n.text for n in core.picture.notices.recent(5))
        finally:
            await core.stop()

    run(drill())
    session.close()
    assert session.engine.finished and session.status().finished
    assert session.report_path is not None and session.report_path.is_file()
    state = json.loads((session.report_path.parent / "state.json").read_text(encoding="utf-8"))
    assert state["score"]["on_time"] == 1  # acknowledged within the 5-minute fire limit
    assert session.work_dir.is_relative_to(tmp_path / "drills")


def _can_unshare_net() -> bool:
    import shutil
    import subprocess

    if shutil.which("unshare") is None:
        return False
    try:
        return subprocess.run(["unshare", "-n", "true"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


@pytest.mark.skipif(not _can_unshare_net(), reason="needs unshare -n (a network namespace with no interfaces)")
def test_drill_run_in_a_process_with_no_network_at_all(tmp_path: Path) -> None:
    """``drill run`` in a network namespace with not even loopback up: report, PDF and state."""
    import os
    import subprocess
    import sys

    env = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen")
    # The pingshan-console entry point: it hands the view layer's PDF renderer to the headless command.
    proc = subprocess.run(["unshare", "-n", sys.executable, "-m", "widgets.shell.app", "drill", "run",
                           str(ROOT / "resources" / "scenarios" / "typhoon_pingshan_river.yaml"),
                           "--speed", "0", "--headless", "--report", str(tmp_path / "out")],
                          capture_output=True, text=True, env=env, cwd=str(ROOT), timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "score=" in proc.stdout
    for name in ("report.html", "report.pdf", "state.json"):
        assert (tmp_path / "out" / name).stat().st_size > 0
    assert (tmp_path / "out" / "report.pdf").read_bytes()[:5] == b"%PDF-"


def test_a_drill_holds_on_a_full_disk_and_goes_on_without_a_gap(tmp_path: Path) -> None:
    """Issue 18: live sources stop consuming while the journal refuses rows; a drill must
    too — its virtual clock stopped, 暂停接收 shown — and lose nothing once space returns."""
    from console.drill.session import DrillSession
    from console.runtime import ConsoleConfig, ConsoleCore

    scen = tmp_path / "busy.yaml"
    scen.write_text("""\
id: busy
title: 磁盘满演练
start: "2026-08-20T14:00:00+08:00"
duration: 10m
background: {readings_per_min: 600}
injects:
  - {id: a, at: 8m, kind: alert, category: fire, community: pinghuan, title: 起火}
""", encoding="utf-8")
    session = DrillSession(scen, tmp_path / "drills", speed=60)
    session.report_pdf = False

    async def drill() -> None:
        core = ConsoleCore(ConsoleConfig(**session.console_config_fields()))
        await core.start()
        conn = core.cache.conn
        try:
            await until(lambda: session.engine.now_s > 5, 10, "the drill running")
            pages = conn.execute("PRAGMA page_count").fetchone()[0]
            conn.execute(f"PRAGMA max_page_count = {pages}")  # the disk is full from here on
            await until(lambda: core.picture.connection.state == "held", 10, "the drill held")
            assert session.source.clock.paused, "the drill's clock stops while held"
            held_at = session.engine.now_s
            await asyncio.sleep(1.0)
            assert session.engine.now_s == held_at, "no inject falls due while held"
            assert "a" not in session.engine.produced
            assert core.journal.dropped == 0
            conn.execute("PRAGMA max_page_count = 1073741823")  # space again
            await asyncio.wait_for(session.source.finished.wait(), 30)
            core.ingest.flush()
            assert "a" in session.engine.produced and not session.source.clock.paused
            assert session.source.holds >= 1 and core.journal.dropped == 0 and core.journal.pending() == 0
            assert core.journal.count() >= session.source.played  # every played envelope journaled
        finally:
            await core.stop()

    run(drill())
    session.close()

"""Drill packages: one SQLite file with script, layers, plans, tiles and clips; cut from a live journal."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from console.drill.package import PackageError, cut_journal, pack_scenario, read_package
from console.drill.session import open_drill, run_headless
from tests.asyncsupport import run, until

ROOT = Path(__file__).resolve().parent.parent
SLOPE = ROOT / "resources" / "scenarios" / "slope_tiantou.yaml"


def test_pack_holds_everything_and_runs_like_the_script(tmp_path: Path) -> None:
    pkg_path = pack_scenario(SLOPE, tmp_path / "slope.drill", zooms=(11,), clips=1, work_dir=tmp_path)
    pkg = read_package(pkg_path)
    assert pkg.kind == "scripted" and "slope-tiantou" in pkg.scenario_text
    assert {"rivers", "communities", "streets"} <= set(pkg.layers)
    assert json.loads(pkg.plans_json or "{}")["plans"]
    assert pkg.tile_count() > 0
    assert pkg.clip_ids() and pkg.extract_clips(tmp_path / "clips")
    clip = next((tmp_path / "clips").iterdir()).read_bytes()
    assert clip[0] == 0x47  # MPEG-TS sync byte
    z, x, y = 11, *__import__("simulator.tiles", fromlist=["tile_for"]).tile_for(114.35, 22.72, 11)
    assert (pkg.tile(z, x, y) or b"")[:4] == b"\x89PNG"
    a = run(run_headless(pkg_path, tmp_path / "from-pkg", pdf=False))
    b = run(run_headless(SLOPE, tmp_path / "from-yaml", pdf=False))
    # same drill, same outcome (the package only adds its camera clips to the cameras' streams)
    for key in ("alerts", "incidents", "tasks", "score", "produced"):
        assert a.state[key] == b.state[key]
    for cid in pkg.clip_ids():
        assert a.state["cameras"][cid][1] == b.state["cameras"].get(cid, ["online", 1])[1] + 1


def test_not_a_package_is_a_clear_error(tmp_path: Path) -> None:
    junk = tmp_path / "x.drill"
    junk.write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    with pytest.raises(PackageError):
        read_package(junk)
    with pytest.raises(PackageError, match="不是演练包"):
        read_package(SLOPE)


def test_cut_a_live_journal_into_a_recorded_drill(feed: Any, tmp_path: Path) -> None:
    from console.runtime import ConsoleConfig, ConsoleCore

    live_dir = tmp_path / "live"

    async def live_session() -> None:
        core = ConsoleCore(ConsoleConfig(backend_url=feed.url, cache_dir=live_dir, fetch_catalogues=False))
        await core.start()
        try:
            await until(lambda: core.journal is not None and core.journal.count() > 20, 30, "journal rows")
        finally:
            await core.stop()

    run(live_session())
    db = sqlite3.connect(f"file:{live_dir / 'console.sqlite'}?mode=ro", uri=True)
    stamps = sorted(json.loads(b)["ts"] for (b,) in db.execute("SELECT body FROM journal"))
    db.close()
    before = (live_dir / "console.sqlite").stat().st_mtime_ns
    out, n = cut_journal(live_dir, stamps[0], "2999-01-01T00:00:00+08:00", tmp_path / "cut.drill", with_tiles=False)
    assert n > 0 and (live_dir / "console.sqlite").stat().st_mtime_ns == before
    scenario, pkg = open_drill(out)
    assert pkg is not None and pkg.kind == "recorded" and len(pkg.envelopes) == n
    with pytest.raises(PackageError, match="没有可用的消息"):
        cut_journal(live_dir, "2000-01-01T00:00:00+08:00", "2000-01-02T00:00:00+08:00", tmp_path / "none.drill")
    # a recorded drill of 800 years would be silly to play to its end: play a short window instead
    late = stamps[-1]
    out2, n2 = cut_journal(live_dir, stamps[0], late, tmp_path / "short.drill", with_tiles=False)
    result = run(run_headless(out2, tmp_path / "rec", pdf=False))
    assert result.envelopes > 0 and result.state["alerts"]


def test_record_writes_a_drill_package_and_cut_reads_the_jsonl(feed: Any, tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    from console.cli import main_headless

    jsonl, pkg = tmp_path / "rec.jsonl", tmp_path / "rec.drill"
    assert main_headless(["record", "--backend", feed.url, "--seconds", "3", "--jsonl", str(jsonl),
                          "--package", str(pkg)]) == 0
    out = capsys.readouterr().out
    assert f"package={pkg}" in out and out.strip().splitlines()[-1].startswith("accepted=")
    scenario, package = open_drill(pkg)
    assert package is not None and package.kind == "recorded" and package.envelopes
    first = json.loads(jsonl.read_text(encoding="utf-8").splitlines()[0])["ts"]
    assert main_headless(["drill", "cut", str(jsonl), "--from", first, "--to", "2999-01-01T00:00:00+08:00",
                          "--out", str(tmp_path / "cut.drill")]) == 0
    assert "envelopes=" in capsys.readouterr().out
    assert main_headless(["drill", "cut", str(jsonl), "--from", "yesterday", "--to", first,
                          "--out", str(tmp_path / "bad.drill")]) == 1
    assert "时间格式不正确" in capsys.readouterr().err


def test_recorded_alert_is_worked_by_the_trainee_not_replayed(tmp_path: Path) -> None:
    """A recorded alert plays at first sighting; the live operator's later ack is not replayed."""
    from datetime import datetime, timedelta, timezone

    from console.drill.engine import DrillEngine
    from console.models import Alert, AlertUpsert, Command

    tz = timezone(timedelta(hours=8))
    t0 = datetime(2026, 11, 28, 15, 0, tzinfo=tz)
    alert = Alert(id="PS0001234", rev=1, level="orange", status="new", source="hotline_12345", category="fire",
                  title="录制的火情", street="maluan", community="pinghuan", created_at=t0, updated_at=t0)
    acked = alert.model_copy(update={"rev": 2, "status": "acknowledged", "updated_at": t0 + timedelta(seconds=60)})
    lines = [AlertUpsert(v=1, id=str(n + 100), ts=a.updated_at, type="alert.upsert", payload=a).model_dump_json()
             for n, a in enumerate((alert, acked))]
    jsonl = tmp_path / "rec.jsonl"
    jsonl.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out, n = cut_journal(jsonl, t0.isoformat(), (t0 + timedelta(minutes=5)).isoformat(), tmp_path / "r.drill",
                         with_tiles=False)
    assert n == 2
    scenario, pkg = open_drill(out)
    assert pkg is not None
    engine = DrillEngine(scenario, tmp_path / "work", recorded=list(pkg.envelopes))
    try:
        engine.advance_to(30)
        assert engine.world.alerts["PS0001234"].status == "new"
        cmd = Command(id="trainee-ack-0001", kind="alert.acknowledge", target_id="PS0001234", operator="学员",
                      issued_at=t0, args={})
        status, _body = engine.execute(cmd.model_dump_json(), "学员")
        assert status == 202
        engine.advance_to(300)
        a = engine.world.alerts["PS0001234"]
        assert a.status == "acknowledged" and a.acknowledged_by == "学员" and a.last_command_id == "trainee-ack-0001"
        from console.drill.scoring import score

        (ack, *_rest) = score(engine).measures
        assert (ack.step, ack.status, ack.took_min) == ("acknowledge", "on_time", 0.5)
    finally:
        engine.close()

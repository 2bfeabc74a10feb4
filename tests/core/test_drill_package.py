"""Drill packages: one SQLite file with script, layers, plans, tiles and clips; cut from a live journal."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from console.drill.package import PackageError, cut_journal, pack_scenario, read_package
from console.drill.session import open_drill, run_headless
from tests.support.asyncsupport import run, until

ROOT = Path(__file__).resolve().parents[2]
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


# --------------------------------------------------------------------------- nothing in a package names a path

TS_CLIP = b"\x47" + b"\x00" * 187  # one MPEG-TS packet: enough for a file a player would open


def _tree(root: Path, skip: Path | None = None) -> set[str]:
    """Every path under ``root`` (symlinks not followed), minus the ``skip`` folder."""
    out = set()
    for p in root.rglob("*"):
        if skip is not None and (p == skip or skip in p.parents):
            continue
        out.add(str(p.relative_to(root)))
    return out


def _crafted_package(tmp_path: Path) -> tuple[Path, list[str]]:
    """A package whose clips table names paths, as someone crafting one would."""
    from console.drill.package import write_package

    path = write_package(tmp_path / "crafted.drill", meta={"kind": "scripted", "title": "crafted"},
                         scenario_name="../../scenario.yaml", scenario_text=SLOPE.read_text(encoding="utf-8"),
                         clips={"PS-CAM-0001": TS_CLIP})
    escape_abs = str(tmp_path / "abs-target")
    hostile = ["../../x", "../escape", escape_abs, "..\\..\\win", "C:\\Windows\\x", "a\x00b", "..", ".",
               "", "sub/dir", "cam\nnl", "~root"]
    db = sqlite3.connect(path)
    db.executemany("INSERT INTO clips VALUES (?, 'sub', ?)", [(cid, TS_CLIP) for cid in hostile])
    db.execute("INSERT INTO clips VALUES (?, 'sub', ?)", (b"../../blob", TS_CLIP))  # a blob, not text
    db.execute("INSERT INTO clips VALUES ('PS-CAM-0002', '../../variant', ?)", (TS_CLIP,))
    db.execute("INSERT INTO clips VALUES ('PS-CAM-0003', 'sub', 'text, not bytes')")
    db.execute("INSERT INTO clips VALUES ('PS-CAM-0001', 'main', ?)", (TS_CLIP + b"main",))
    db.commit()
    db.close()
    return path, hostile


def test_clip_names_never_become_paths(tmp_path: Path) -> None:
    path, hostile = _crafted_package(tmp_path)
    drill_dir = tmp_path / "drill"
    out_dir = drill_dir / "clips"
    before = _tree(tmp_path)
    pkg = read_package(path)
    paths = pkg.extract_clips(out_dir)
    assert paths == {"PS-CAM-0001": out_dir / "clip-0001.ts"}
    assert paths["PS-CAM-0001"].read_bytes() == TS_CLIP  # the sub stream, not main
    assert sorted(p.name for p in out_dir.iterdir()) == ["clip-0001.ts"]
    assert _tree(tmp_path, skip=drill_dir) == before  # nothing written anywhere else
    assert not (tmp_path / "abs-target-sub.ts").exists() and not Path("/x-sub.ts").exists()
    assert len(pkg.clip_problems) == len(hostile) + 3
    assert all("已跳过" in p for p in pkg.clip_problems)
    assert any("'..\\\\..\\\\win'" in p for p in pkg.clip_problems)
    assert any("'a\\x00b'" in p for p in pkg.clip_problems)


def test_a_planted_symlink_is_not_followed(tmp_path: Path) -> None:
    path, _hostile = _crafted_package(tmp_path)
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me", encoding="utf-8")
    out_dir = tmp_path / "drill" / "clips"
    out_dir.mkdir(parents=True)
    (out_dir / "clip-0001.ts").symlink_to(victim)
    pkg = read_package(path)
    assert pkg.extract_clips(out_dir) == {}
    assert victim.read_text(encoding="utf-8") == "keep me"
    assert any("clip-0001.ts 已存在" in p for p in pkg.clip_problems)


def test_a_drill_from_a_crafted_package_runs_in_its_own_folder(tmp_path: Path) -> None:
    from console.drill.session import DrillSession

    path, _hostile = _crafted_package(tmp_path)
    root = tmp_path / "drills"
    before = _tree(tmp_path, skip=root)
    session = DrillSession(path, root, paced=False, base_map=False)
    try:
        assert set(session.clip_paths) == {"PS-CAM-0001"}
        assert all(session.work_dir in p.parents for p in session.clip_paths.values())
    finally:
        session.close()
    assert _tree(tmp_path, skip=root) == before


def test_a_crafted_zip_is_not_a_package_and_writes_nothing(tmp_path: Path) -> None:
    """Zip archives with ../, absolute, backslash, NUL and symlink entries: refused as a
    whole (a package is one SQLite file), nothing extracted anywhere."""
    import stat
    import zipfile

    from console.drill.session import DrillSession

    crafted = tmp_path / "evil.drill"
    with zipfile.ZipFile(crafted, "w") as zf:
        zf.writestr("../../evil.ts", TS_CLIP)
        zf.writestr(str(tmp_path / "abs-evil.ts"), TS_CLIP)
        zf.writestr("..\\..\\evil-win.ts", TS_CLIP)
        zf.writestr("nul\x00name.ts", TS_CLIP)
        link = zipfile.ZipInfo("clips/link.ts")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(link, "/etc/passwd")
        zf.writestr("scenario.yaml", SLOPE.read_text(encoding="utf-8"))
    before = _tree(tmp_path)
    with pytest.raises(PackageError, match="不是演练包"):
        read_package(crafted)
    from console.drill.scenario import ScenarioError

    with pytest.raises(ScenarioError, match="evil.drill"):  # then it is read as a script, and is not one
        DrillSession(crafted, tmp_path / "drills", paced=False, base_map=False)
    assert _tree(tmp_path, skip=tmp_path / "drills") == before
    assert not list((tmp_path / "drills").rglob("*.ts")) if (tmp_path / "drills").exists() else True


@pytest.mark.parametrize(
    ("table", "row"),
    [
        ("envelopes", "INSERT INTO envelopes (at_s, type, body) VALUES ('soon', 'x', '{}')"),
        ("layers", "INSERT INTO layers VALUES ('l', '{not json', '{}')"),
        ("layers", "INSERT INTO layers VALUES ('l', '{}', '" + "[" * 100_000 + "]" * 100_000 + "')"),
        ("scenario", "UPDATE scenario SET text = x'00ff'"),
    ],
)
def test_crafted_rows_are_a_package_error(tmp_path: Path, table: str, row: str) -> None:
    from console.drill.package import write_package

    path = write_package(tmp_path / "rows.drill", meta={"kind": "scripted"}, scenario_name="s.yaml",
                         scenario_text=SLOPE.read_text(encoding="utf-8"))
    db = sqlite3.connect(path)
    db.execute(row)
    db.commit()
    db.close()
    with pytest.raises(PackageError, match="rows.drill"):
        read_package(path)

"""Exports (CSV, 值班交接), audited operator services of the core, and the ``cap`` CLI."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from console.alert_query import names_from_catalogue
from console.cli import main_headless
from console.handover import handover_report, queue_csv
from console.models import Alert, AlertNote
from console.runtime import ConsoleConfig, ConsoleCore
from console.workflow import Limits
from offline_cache.audit_log import AuditLog

CAP_DIR = Path(__file__).resolve().parents[1] / "data" / "cap"
NOW = datetime.now(timezone.utc)


def _alert(i: int, **kw: Any) -> Alert:
    created = kw.pop("created", NOW - timedelta(minutes=10))
    base: dict[str, Any] = dict(
        id=f"PS{i:07d}", rev=1, level="orange", status="new", source="hotline_12345", category="waterlogging",
        title="坪山大道积水", description="市民来电 13812345678 反映积水", street="maluan", community=None,
        reporter_phone="13812345678", created_at=created, updated_at=created,
        timeline=(AlertNote(ts=created, actor="12345", action="create", text="事件上报"),))
    base.update(kw)
    return Alert(**base)


def test_csv_is_masked_and_in_chinese() -> None:
    text = queue_csv([_alert(1), _alert(2, level="red", status="closed")], names_from_catalogue(),
                     Limits.from_catalogue(), NOW)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:4] == ["编号", "级别", "状态", "时限"]
    assert rows[1][1:3] == ["橙色", "待签收"] and rows[1][3].startswith("剩 ")
    assert rows[1][6] == "马峦街道" or "马峦" in rows[1][6]
    assert "13812345678" not in text and "138****5678" in text
    assert rows[2][3] == ""  # closed: no limit runs


def test_handover_lists_overdue_open_and_notable() -> None:
    overdue = _alert(1, created=NOW - timedelta(hours=2))  # waterlogging: 30 min to acknowledge
    done = _alert(2, status="closed", updated_at=NOW)
    blue = _alert(3, level="blue")
    text = handover_report([overdue, done, blue], names_from_catalogue(), Limits.from_catalogue(),
                           shift_start=NOW - timedelta(hours=8), now=NOW, operator="张三")
    assert text.startswith("# 值班交接")
    assert "交班人：张三" in text
    assert "超时 1 件" in text and "## 超时未办（1）" in text
    assert "PS0000001" in text.split("## 在办事项")[0]
    assert "办结/闭环 1 件" in text
    assert "13812345678" not in text


def test_handover_lists_the_shifts_emergency_responses_and_names_the_person() -> None:
    from types import SimpleNamespace

    start = NOW - timedelta(hours=8)

    def inc(iid: str, status: str, started: datetime, ended: datetime | None = None, **kw: Any) -> Any:
        base: dict[str, Any] = dict(id=iid, type="rainstorm_flood", level=2, status=status, title="暴雨洪涝（Ⅱ级响应）",
                                    street="maluan", started_at=started, ended_at=ended, declared_by="值班长",
                                    reason="小时雨量超 50 毫米", ended_reason="")
        base.update(kw)
        return SimpleNamespace(**base)

    incidents = [
        inc("INC-DONE", "stood_down", NOW - timedelta(hours=3), NOW - timedelta(hours=1), ended_reason="雨势减弱"),
        inc("INC-CARRY", "active", NOW - timedelta(hours=10), level=3, street=None),   # from the last shift, still on
        inc("INC-OLD", "stood_down", NOW - timedelta(days=2), NOW - timedelta(days=1)),  # before the shift: not ours
        inc("INC-REFUSED", "failed", NOW - timedelta(hours=2)),                         # never happened
    ]
    text = handover_report([_alert(1)], names_from_catalogue(), Limits.from_catalogue(), shift_start=start, now=NOW,
                           operator="值班长", username="chief", seat="值班长", incidents=incidents)
    assert "交班人：值班长（账号 chief）" in text and "席位：值班长" in text
    section = text.split("## 应急响应（2）")[1].split("## 超时未办")[0]
    assert "INC-CARRY" in section and "INC-DONE" in section
    assert section.index("INC-CARRY") < section.index("INC-DONE")  # oldest first
    assert "INC-OLD" not in text and "INC-REFUSED" not in text
    done = section.split("INC-DONE")[1]
    assert "〔Ⅱ级·暴雨洪涝·已解除〕" in done and "宣布启动" in done and "解除响应：雨势减弱" in done
    assert "马峦" in done
    carry = section.split("INC-CARRY")[1].split("INC-DONE")[0]
    assert "Ⅲ级" in carry and "上一班宣布" in carry and "仍在响应中" in carry and "全区" in carry
    assert "本班涉及 2 起（宣布 1，解除 1，仍在响应 1）" in text
    # Nothing declared: the section says so; a name without an account is the name alone.
    quiet = handover_report([], names_from_catalogue(), Limits.from_catalogue(), shift_start=start, now=NOW,
                            operator="值班员甲")
    assert "## 应急响应（0）\n- 无" in quiet and "交班人：值班员甲\n" in quiet


def _run(coro: Any) -> Any:
    return asyncio.run(coro)


def _core(tmp_path: Path, role: str = "operator") -> ConsoleCore:
    core = ConsoleCore(ConsoleConfig(backend_url=None, cache_dir=tmp_path / "cache", operator="李四", role=role))
    _run(core.start())
    core.picture.alerts.apply(_alert(1))
    return core


def test_commands_exports_and_reveals_are_audited(tmp_path: Path) -> None:
    core = _core(tmp_path, role="supervisor")
    try:
        cmd = core.commands.submit("alert.acknowledge", "PS0000001", expected_rev=1)
        with pytest.raises(ConnectionError, match="网关"):  # whole numbers live at the gateway only
            _run(core.reveal_phone("PS0000001"))
        csv_path = core.exports.export_queue_csv(tmp_path / "队列", ["PS0000001"])
        assert csv_path.suffix == ".csv" and csv_path.read_bytes().startswith(b"\xef\xbb\xbf")
        md = core.exports.write_handover(tmp_path / "交接")
        assert md.read_text(encoding="utf-8").startswith("# 值班交接")
        log = AuditLog(core.cache)
        records = list(log.records())
        assert [r.action for r in records] == ["alert.acknowledge", "export.queue_csv", "export.handover"]
        assert records[0].detail["command_id"] == cmd.id and records[0].actor == "李四"
        assert log.verify().ok
    finally:
        _run(core.stop())


def test_reveal_needs_the_permission_and_a_refusal_is_audited(tmp_path: Path) -> None:
    core = _core(tmp_path, role="operator")
    try:
        with pytest.raises(PermissionError, match="无权"):
            _run(core.reveal_phone("PS0000001"))
        assert [r.action for r in AuditLog(core.cache).records()] == ["reveal.refused"]
    finally:
        _run(core.stop())


def test_cap_import_creates_updates_and_cancels(tmp_path: Path) -> None:
    core = _core(tmp_path)
    try:
        first = core.import_cap(CAP_DIR / "rainstorm_red.xml")
        assert first.action == "created" and first.alert.id in core.picture.alerts
        assert core.picture.alerts.get(first.alert.id).level == "red"
        names = {p.name for p in CAP_DIR.iterdir()}
        if "rainstorm_cancel.xml" in names:
            cancel = core.import_cap(CAP_DIR / "rainstorm_cancel.xml")
            assert cancel.action == "cancelled"
            assert core.picture.alerts.get(first.alert.id).status == "closed"
        assert "cap.import" in [r.action for r in AuditLog(core.cache).records()]
    finally:
        _run(core.stop())


def test_cap_cli(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main_headless(["cap", str(CAP_DIR / "rainstorm_red.xml")]) == 0
    line = json.loads(capsys.readouterr().out.strip().splitlines()[0])
    assert line["file"].endswith("rainstorm_red.xml")
    bad = tmp_path / "bad.xml"
    bad.write_text("<alert/>", encoding="utf-8")
    assert main_headless(["cap", str(CAP_DIR / "rainstorm_red.xml"), str(bad)]) == 1
    err = capsys.readouterr().err
    assert "bad.xml" in err


def test_imported_cap_survives_a_snapshot_and_a_restart(tmp_path: Path) -> None:
    from console.models import Snapshot, now_utc

    core = _core(tmp_path)
    try:
        first = core.import_cap(CAP_DIR / "rainstorm_red.xml")
        alert_id = first.alert.id
        # A gateway snapshot does not carry the local warning; it must come back.
        core.ingest.accept_snapshot(Snapshot(cursor="1", generated_at=now_utc()))
        assert alert_id in core.picture.alerts
    finally:
        _run(core.stop())
    again = _core(tmp_path)
    try:
        assert alert_id in again.picture.alerts, "an imported warning is kept across restarts"
        cancel = again.import_cap(CAP_DIR / "rainstorm_cancel.xml")
        assert cancel.action == "cancelled"  # the ledger knows the original after the restart
        assert again.picture.alerts.get(alert_id).status == "closed"
    finally:
        _run(again.stop())


def test_reports_folder_gives_new_names_and_lists_the_newest(tmp_path: Path) -> None:
    from console.reports import ReportFolder

    reports = ReportFolder(tmp_path / "reports")
    at = datetime(2026, 11, 29, 0, 5, tzinfo=timezone.utc)  # 08:05 in Shenzhen
    first = reports.unique_path("值班交接", ".md", at)
    assert first == tmp_path / "reports" / "值班交接-20261129-0805.md"
    first.write_text("1", encoding="utf-8")
    second = reports.unique_path("值班交接", ".md", at)
    assert second.name == "值班交接-20261129-0805-2.md"
    second.write_text("2", encoding="utf-8")
    # A pair (HTML + PDF) shares one stem; either file existing moves both on.
    (tmp_path / "reports" / "INC-1-总结报告-20261129-0805.pdf").write_bytes(b"%PDF")
    assert reports.unique_stem("INC-1-总结报告", (".html", ".pdf"), at).name == "INC-1-总结报告-20261129-0805-2"
    assert reports.unique_path("a/b:c", ".md", at).name == "a_b_c-20261129-0805.md"
    (tmp_path / "reports" / "notes.txt").write_text("x", encoding="utf-8")
    recent = reports.recent()
    assert all(p.suffix in (".md", ".pdf") for p in recent) and len(recent) == 3


def test_handover_without_a_path_goes_to_the_reports_folder_and_never_overwrites(tmp_path: Path) -> None:
    core = _core(tmp_path)
    try:
        assert core.reports.folder == tmp_path / "cache" / "reports"
        first = core.exports.write_handover()
        second = core.exports.write_handover()
        assert first.parent == second.parent == core.reports.folder
        assert first != second and first.is_file() and second.is_file()
        assert first.name.startswith("值班交接-") and first.suffix == ".md"
        suggested = core.exports.default_path("handover")
        assert suggested is not None and not suggested.exists() and suggested.parent == core.reports.folder
        csv_path = core.exports.export_queue_csv(None, ["PS0000001"])
        assert csv_path.parent == core.reports.folder and csv_path.name.startswith("告警清单-")
    finally:
        _run(core.stop())


"""Drill scenario scripts: the shipped ones validate; a broken one is named by line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.drill.clock import VirtualClock
from console.drill.scenario import ScenarioError, load_scenario, parse_offset, parse_scenario_text

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = sorted((ROOT / "resources" / "scenarios").glob("*.yaml"))

GOOD = """\
id: t1
title: 测试
start: "2026-08-20T14:00:00+08:00"
duration: 30m
injects:
  - id: a1
    at: 1m
    kind: alert
    category: waterlogging
    community: liuhe
    title: 积水
"""


def test_three_shipped_scenarios_validate() -> None:
    assert len(SCENARIOS) >= 3
    kinds = set()
    for path in SCENARIOS:
        s = load_scenario(path)
        kinds |= {i.kind for i in s.injects}
        assert s.responses, f"{path.name} has scripted responses for headless runs"
    # together they use every kind of inject the issue names
    assert kinds == {"alert", "reading_trend", "device_failure", "camera_failure", "cap_warning", "incident",
                     "unit_message"}


def test_offsets() -> None:
    assert parse_offset(90) == 90
    assert parse_offset("30s") == 30
    assert parse_offset("12m") == 720
    assert parse_offset("1h30m") == 5400
    with pytest.raises(ValueError):
        parse_offset("soon")


def _error(text: str) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        parse_scenario_text(text, "broken.yaml")
    return info.value


def test_bad_value_names_line_and_field() -> None:
    err = _error(GOOD.replace("    community: liuhe\n", "    community: liuhe\n    level: purple\n"))
    (p,) = err.problems
    assert p.line == 11 and p.field == "injects[0].level"
    assert "red" in p.message and "purple" in p.message
    assert str(err).startswith("broken.yaml 第 11 行，injects[0].level：")


def test_missing_field_and_unknown_field_and_bad_time() -> None:
    text = GOOD.replace("    title: 积水\n", "    titel: 积水\n").replace("at: 1m", "at: later")
    err = _error(text)
    by_field = {p.field: p for p in err.problems}
    assert by_field["injects[0].title"].message == "缺少必填字段"
    assert by_field["injects[0].titel"].line == 11
    assert "不认识的字段" in by_field["injects[0].titel"].message
    assert by_field["injects[0].at"].line == 7 and "时间格式不正确" in by_field["injects[0].at"].message


def test_unknown_inject_kind_and_unknown_names() -> None:
    err = _error(GOOD.replace("kind: alert", "kind: earthquake"))
    assert err.problems[0].field == "injects[0].kind" or err.problems[0].field == "injects[0]"
    assert err.problems[0].line in (6, 8)
    err = _error(GOOD.replace("community: liuhe", "community: atlantis"))
    (p,) = err.problems
    assert (p.line, p.field) == (10, "injects[0].community") and "atlantis" in p.message
    err = _error(GOOD + "responses:\n  - {at: 2m, action: acknowledge, target: nope}\n")
    (p,) = err.problems
    assert (p.line, p.field) == (13, "responses[0].target")


def test_yaml_syntax_error_has_a_line() -> None:
    err = _error(GOOD.replace("title: 积水", "title: [积水"))
    assert err.problems[0].line is not None and "YAML" in err.problems[0].message


def test_cli_validate_reports_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from console.drill.cli import main

    bad = tmp_path / "bad.yaml"
    bad.write_text(GOOD.replace("duration: 30m", "duration: -5"), encoding="utf-8")
    assert main(["validate", str(SCENARIOS[0]), str(bad)]) == 1
    out = capsys.readouterr()
    assert "有效" in out.out
    assert "bad.yaml 第 4 行，duration" in out.err


def test_virtual_clock_speed_pause_jump() -> None:
    now = [100.0]
    clock = VirtualClock(10, monotonic=lambda: now[0])
    now[0] += 3
    assert clock.now_s() == pytest.approx(30)
    clock.pause()
    now[0] += 50
    assert clock.now_s() == pytest.approx(30)
    clock.resume()
    assert clock.set_speed(600) == 60  # clamped to 60×
    now[0] += 1
    assert clock.now_s() == pytest.approx(90)
    clock.jump_to(500)
    assert clock.now_s() == pytest.approx(500)
    clock.jump_to(10)  # never backwards
    assert clock.now_s() == pytest.approx(500)
    assert clock.slower() == 30 and clock.faster() == 60

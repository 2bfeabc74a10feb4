"""Wall config: parsing TOML and JSON, precise Chinese errors, and the hot-plug placement rule."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from console.wall_config import (
    ScreenInfo,
    WallConfigError,
    load_wall_config,
    parse_wall_config,
    place_panels,
)

ROOT = Path(__file__).resolve().parents[2]

THREE = """
operator_screen = "desk"
[[screen]]
match = "wall-1"
panels = ["map"]

[[screen]]
match = 2
panels = ["video"]
[screen.video]
layout = "3x2"
cameras = ["cam-a"]
tour = { interval_s = 15 }

[[screen]]
match = "wall-3"
panels = ["queue", "indicators"]
"""

SCREENS = [ScreenInfo("desk", 0, 0), ScreenInfo("wall-1", 1920, 0), ScreenInfo("wall-2", 3840, 0),
           ScreenInfo("wall-3", 5760, 0)]


def test_shipped_example_parses() -> None:
    cfg = load_wall_config(ROOT / "resources" / "walls" / "duty-room.toml")
    assert cfg.operator_screen == "operator" and cfg.theme == "large"
    assert cfg.panels == ("map", "video", "queue", "indicators")
    assert cfg.spec_of("video").video.tiles == 9 and cfg.spec_of("video").video.tour is not None


def test_toml_and_json_say_the_same(tmp_path: Path) -> None:
    toml_cfg = parse_wall_config(THREE, tmp_path / "w.toml")
    doc = {"operator_screen": "desk", "screens": [
        {"match": "wall-1", "panels": ["map"]},
        {"match": 2, "panels": ["video"], "video": {"layout": "3x2", "cameras": ["cam-a"], "tour": {"interval_s": 15}}},
        {"match": "wall-3", "panels": ["queue", "indicators"]}]}
    path = tmp_path / "w.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    json_cfg = load_wall_config(path)
    assert json_cfg.screens == toml_cfg.screens and json_cfg.operator_screen == "desk"
    video = toml_cfg.spec_of("video").video
    assert (video.columns, video.rows, video.cameras) == (3, 2, ("cam-a",)) and video.tour.interval_s == 15


def test_placement_by_name_and_position_skips_the_operator_screen() -> None:
    cfg = parse_wall_config(THREE)
    placed = place_panels(cfg, SCREENS)
    assert placed.operator == "desk"
    # Position 2 counts among the wall screens (the operator's is not a wall screen).
    assert placed.screens == {"wall-1": ["map"], "wall-2": ["video"], "wall-3": ["queue", "indicators"]}
    assert not placed.guests and not placed.parked


def test_a_missing_screen_moves_its_panels_and_they_come_back() -> None:
    cfg = parse_wall_config(THREE)
    without = [s for s in SCREENS if s.name != "wall-3"]
    placed = place_panels(cfg, without)
    assert placed.screen_of("queue") in ("wall-1", "wall-2")
    assert placed.screen_of("indicators") in ("wall-1", "wall-2")
    assert placed.screen_of("queue") != placed.screen_of("indicators")  # spread over the least loaded
    assert placed.guests == {"queue": placed.screen_of("queue"), "indicators": placed.screen_of("indicators")}
    assert place_panels(cfg, SCREENS).screens["wall-3"] == ["queue", "indicators"]
    # Only the operator's screen left: nothing to show the wall on.
    alone = place_panels(cfg, [SCREENS[0]])
    assert set(alone.parked) == {"map", "video", "queue", "indicators"} and not alone.screens


@pytest.mark.parametrize(("text", "field", "line"), [
    ('[[screen]]\nmatch = "a"\npanels = ["radar"]\n', "screen[1].panels", 3),
    ('[[screen]]\nmatch = "a"\npanels = ["map"]\n[[screen]]\nmatch = "b"\npanels = ["map"]\n', "screen[2].panels", 6),
    ('[[screen]]\nmatch = "a"\npanels = ["video"]\n[screen.video]\nlayout = "9x9"\n', "screen[1].video.layout", 5),
    ('[[screen]]\nmatch = "a"\npanels = ["video"]\n[screen.video]\ntour = { interval_s = 1 }\n',
     "screen[1].video.tour.interval_s", 5),
    ('[[screen]]\nmatch = 0\npanels = ["map"]\n', "screen[1].match", 2),
    ('[[screen]]\nmatch = "a"\npanels = ["map"]\ncolour = "red"\n', "screen[1].colour", 4),
    ('theme = "tiny"\n[[screen]]\nmatch = "a"\npanels = ["map"]\n', "theme", 1),
    ('operator_screen = "a"\n[[screen]]\nmatch = "a"\npanels = ["map"]\n', "screen[1].match", 3),
])
def test_errors_name_file_line_and_field(tmp_path: Path, text: str, field: str, line: int) -> None:
    with pytest.raises(WallConfigError) as info:
        parse_wall_config(text, tmp_path / "wall.toml")
    assert info.value.field_name == field
    assert info.value.line == line
    assert str(tmp_path / "wall.toml") in str(info.value) and f"第 {line} 行" in str(info.value)


def test_json_syntax_error_has_its_line(tmp_path: Path) -> None:
    with pytest.raises(WallConfigError) as info:
        parse_wall_config('{"screens": [\n  {"match": "a",,}\n]}', tmp_path / "w.json")
    assert info.value.line == 2 and "JSON" in str(info.value)


def _run_console(*args: str, tmp_path: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen")
    env.pop("PINGSHAN_PROFILE", None)
    return subprocess.run([sys.executable, "-m", "widgets.shell.app", "--cache", str(tmp_path / "cache"), *args],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.mark.timeout(200)
def test_broken_configs_start_the_console_with_the_default_profile(tmp_path: Path) -> None:
    """A wall config with an unknown panel, a profile nested 100,000 deep in the cache's
    profiles folder, asked for by name: the console starts all the same (district
    profile, no wall), says why on stderr and in its log, no traceback."""
    bad = tmp_path / "bad.toml"
    bad.write_text('[[screen]]\nmatch = "a"\npanels = ["radar"]\n', encoding="utf-8")
    profiles = tmp_path / "cache" / "profiles"
    profiles.mkdir(parents=True)
    (profiles / "deep.toml").write_text("x = " + "[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8")
    proc = _run_console("--wall", str(bad), "--profile", "deep", "--demo", "--screenshot", str(tmp_path / "shots"),
                        "--after", "2", tmp_path=tmp_path, timeout=180)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr and "RecursionError" not in proc.stderr
    assert str(bad) in proc.stderr and "第 3 行" in proc.stderr and "radar" in proc.stderr
    assert "本次不启用大屏" in proc.stderr
    assert "deep.toml" in proc.stderr and "嵌套层次过深" in proc.stderr
    assert "本次以默认配置" in proc.stderr
    log = (tmp_path / "cache" / "console.log").read_text(encoding="utf-8", errors="replace")
    assert "console window shown" in log and "profile district" in log, log[-3000:]


def test_written_config_reads_back_the_same(tmp_path: Path) -> None:
    from console.wall_config import dump_wall_config, save_wall_config

    cfg = parse_wall_config(THREE)
    for name in ("wall.toml", "wall.json"):
        path = save_wall_config(tmp_path / name, cfg)
        again = load_wall_config(path)
        assert again.screens == cfg.screens and again.operator_screen == cfg.operator_screen
    assert "[[screen]]" in dump_wall_config(cfg) and not list(tmp_path.glob("*.tmp"))


def test_missing_screen_is_told_to_the_operator() -> None:
    from widgets.shell.deployment import placement_text

    cfg = parse_wall_config(THREE)
    assert placement_text(place_panels(cfg, SCREENS)) == ""
    text = placement_text(place_panels(cfg, [s for s in SCREENS if s.name != "wall-3"]))
    assert text.startswith("大屏 wall-3 未连接：") and "告警队列 → wall-" in text and "指标 → wall-" in text


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("deep-array.toml", "x = " + "[" * 100_000 + "]" * 100_000),
        ("deep-table.toml", "x = " + "{a = " * 20_000 + "1" + "}" * 20_000),
        ("deep.json", '{"screens": ' + "[" * 100_000 + "]" * 100_000 + "}"),
        ("digits.toml", '[[screen]]\nmatch = ' + "9" * 5000 + '\npanels = ["map"]\n'),
        ("layout.toml", '[[screen]]\nmatch = "a"\npanels = ["video"]\n[screen.video]\nlayout = "'
         + "9" * 5000 + 'x2"\n'),
        ("nested-theme.toml", 'theme = ' + "[" * 300 + "]" * 300 + '\n[[screen]]\nmatch = "a"\npanels = ["map"]\n'),
    ],
)
def test_any_broken_wall_file_is_a_wall_config_error(tmp_path: Path, name: str, text: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(WallConfigError) as info:
        load_wall_config(path)
    assert str(path) in str(info.value)

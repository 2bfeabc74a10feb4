"""Wall configuration: which panel goes on which screen, and what the video screens show.

A wall config is TOML or JSON (same fields).  Screens are matched by their name (as
the system reports it, e.g. ``HDMI-1``) or by position (``1`` = the leftmost screen,
counting left to right, then top to bottom).  Example (TOML)::

    operator_screen = "operator"     # optional: the operator's screen (main window, keyboard)
    theme = "large"                  # large (wall fonts) | normal

    [[screen]]
    match = "wall-left"              # a name, or a position like 2
    panels = ["map"]

    [[screen]]
    match = "wall-centre"
    panels = ["video"]
    [screen.video]
    layout = "3x3"                   # columns x rows
    cameras = ["44031000001320000001"]   # fixed tiles first, in reading order
    tour = { interval_s = 20 }       # then cycle the other online cameras (or tour.cameras)

    [[screen]]
    match = 3
    panels = ["queue", "indicators"]

The same as JSON: ``{"operator_screen": …, "theme": …, "screens": [{"match": …,
"panels": […], "video": {…}}]}``.

:func:`place_panels` is the whole hot-plug rule, pure and testable: given the
screens present now, every configured panel gets a screen; the panels of a missing
screen go to the remaining wall screens (the one with the fewest panels first) and
return to their own screen when it comes back.

Pure Python, no Qt.  Bad input raises :class:`WallConfigError` naming the file, the
line (when it can be found) and the field, in Chinese.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from console.profiles import ConfigFileError

PANELS = ("map", "video", "queue", "indicators")
THEMES = ("large", "normal")
MAX_GRID = 6
MIN_TOUR_S = 5.0


class WallConfigError(ConfigFileError):
    """A wall config that cannot be used; ``str()`` names file, line and field in Chinese."""

    KIND = "大屏配置"


@dataclass(frozen=True)
class Tour:
    """轮巡: cycle cameras through a video screen's free tiles."""

    interval_s: float = 20.0
    cameras: tuple[str, ...] = ()  # empty: every online camera in the picture


@dataclass(frozen=True)
class VideoLayout:
    """A video screen: a grid, fixed cameras first, then an optional tour."""

    columns: int = 2
    rows: int = 2
    cameras: tuple[str, ...] = ()
    tour: Tour | None = None

    @property
    def tiles(self) -> int:
        return self.columns * self.rows


@dataclass(frozen=True)
class ScreenSpec:
    """One configured wall screen: how it is matched and which panels it carries."""

    match: str | int  # screen name, or 1-based position
    panels: tuple[str, ...]
    video: VideoLayout = field(default_factory=VideoLayout)

    @property
    def label(self) -> str:
        return f"#{self.match}" if isinstance(self.match, int) else str(self.match)


@dataclass(frozen=True)
class WallConfig:
    """A whole wall: its screens, the operator's screen and the theme."""

    screens: tuple[ScreenSpec, ...]
    operator_screen: str | int | None = None
    theme: str = "large"
    source: Path | None = None

    def spec_of(self, panel: str) -> ScreenSpec:
        return next(s for s in self.screens if panel in s.panels)

    @property
    def panels(self) -> tuple[str, ...]:
        return tuple(p for s in self.screens for p in s.panels)


# --------------------------------------------------------------------------- parsing


class _Locator:
    """Best-effort line numbers for error messages in TOML or JSON text."""

    def __init__(self, text: str, fmt: str) -> None:
        self.text = text
        self.fmt = fmt

    def _block_start(self, index: int | None) -> int:
        if index is None:
            return 0
        if self.fmt == "toml":
            marks = [m.start() for m in re.finditer(r"^\s*\[\[\s*screens?\s*\]\]", self.text, re.MULTILINE)]
        else:
            marks = [m.start() for m in re.finditer(r'"match"\s*:', self.text)]
        return marks[index] if index < len(marks) else 0

    def line(self, key: str, index: int | None = None) -> int | None:
        start = self._block_start(index)
        if self.fmt == "toml":
            pattern = re.compile(rf"^\s*{re.escape(key)}\s*=|\b{re.escape(key)}\s*=", re.MULTILINE)
        else:
            pattern = re.compile(rf'"{re.escape(key)}"\s*:')
        m = pattern.search(self.text, start)
        if m is None and index is not None and start:
            return self.text.count("\n", 0, start) + 1
        return self.text.count("\n", 0, m.start()) + 1 if m else None


def parse_wall_config(text: str, path: Path | str | None = None, fmt: str | None = None) -> WallConfig:
    """Validate a wall config's text (TOML, or JSON when ``fmt`` or the suffix says so).

    Raises :class:`WallConfigError` and nothing else, whatever the text holds."""
    try:
        return _parse_wall_config(text, path, fmt)
    except WallConfigError:
        raise
    except (RecursionError, ValueError, TypeError, MemoryError) as exc:
        raise WallConfigError(path, f"无法使用（{type(exc).__name__}：内容嵌套过深或数值超出范围）") from None


def _parse_wall_config(text: str, path: Path | str | None, fmt: str | None) -> WallConfig:
    if fmt is None:
        fmt = "json" if path is not None and str(path).lower().endswith(".json") else "toml"
    loc = _Locator(text, fmt)
    doc = WallConfigError.parse_document(text, path, fmt)  # RecursionError, huge numbers: a WallConfigError
    if not isinstance(doc, dict):
        raise WallConfigError(path, "顶层应为对象（键值表）")

    def fail(name: str, message: str, key: str | None = None, index: int | None = None) -> WallConfigError:
        return WallConfigError(path, message, field_name=name, line=loc.line(key or name.split(".")[-1], index))

    allowed = {"screens", "screen", "operator_screen", "theme"}
    for key in doc:
        if key not in allowed:
            raise fail(key, "未知字段（可用：screen / screens、operator_screen、theme）")
    raw_screens = doc.get("screens", doc.get("screen"))
    if not isinstance(raw_screens, list) or not raw_screens:
        raise WallConfigError(path, "至少要配置一块屏幕（TOML 用 [[screen]]，JSON 用 \"screens\": [...]）",
                              field_name="screen")
    theme = doc.get("theme", "large")
    if theme not in THEMES:
        raise fail("theme", f"“{theme}” 不是已知主题（可用：large 大字体、normal）")
    operator = doc.get("operator_screen")
    if operator is not None:
        operator = _match_value(operator, lambda m: fail("operator_screen", m))

    screens: list[ScreenSpec] = []
    seen_panels: dict[str, int] = {}
    seen_matches: dict[str | int, int] = {}
    for i, raw in enumerate(raw_screens):
        n = i + 1
        prefix = f"screen[{n}]"
        if not isinstance(raw, dict):
            raise WallConfigError(path, "每块屏幕应为一个表/对象", field_name=prefix, line=loc.line("match", i))
        for key in raw:
            if key not in ("match", "panels", "video"):
                raise fail(f"{prefix}.{key}", "未知字段（可用：match、panels、video）", key, i)
        if "match" not in raw:
            raise WallConfigError(path, "缺少 match（屏幕名称或从 1 开始的位置）", field_name=f"{prefix}.match",
                                  line=loc.line("panels", i))
        match = _match_value(raw["match"], lambda m: fail(f"{prefix}.match", m, "match", i))
        if match in seen_matches:
            raise fail(f"{prefix}.match", f"与第 {seen_matches[match]} 块屏幕重复", "match", i)
        if operator is not None and match == operator:
            raise fail(f"{prefix}.match", "操作员屏幕不能同时作为大屏", "match", i)
        seen_matches[match] = n
        panels = raw.get("panels")
        if not isinstance(panels, list) or not panels or not all(isinstance(p, str) for p in panels):
            raise fail(f"{prefix}.panels", "应为非空的面板列表，例如 [\"map\"]", "panels", i)
        for panel in panels:
            if panel not in PANELS:
                raise fail(f"{prefix}.panels", f"未知面板 “{panel}”（可用：{'、'.join(PANELS)}）", "panels", i)
            if panel in seen_panels:
                raise fail(f"{prefix}.panels", f"面板 “{panel}” 已在第 {seen_panels[panel]} 块屏幕上", "panels", i)
            seen_panels[panel] = n
        video = VideoLayout()
        if "video" in raw:
            if "video" not in panels:
                raise fail(f"{prefix}.video", "只有放视频墙（panels 含 \"video\"）的屏幕才能配置 video", "video", i)
            video = _video(raw["video"], lambda name, m, key=None: fail(f"{prefix}.video.{name}", m, key or name, i))
        screens.append(ScreenSpec(match=match, panels=tuple(panels), video=video))
    return WallConfig(screens=tuple(screens), operator_screen=operator, theme=str(theme),
                      source=Path(path) if path is not None else None)


def _match_value(value: Any, fail: Any) -> str | int:
    if isinstance(value, bool):
        raise fail("应为屏幕名称（字符串）或从 1 开始的位置（整数）")
    if isinstance(value, int):
        if value < 1:
            raise fail(f"位置 {value} 无效：从 1 开始计数")
        return value
    if isinstance(value, str) and value.strip():
        return value.strip()
    raise fail("应为屏幕名称（字符串）或从 1 开始的位置（整数）")


def _video(raw: Any, fail: Any) -> VideoLayout:
    if not isinstance(raw, dict):
        raise fail("video", "应为表/对象")
    for key in raw:
        if key not in ("layout", "cameras", "tour"):
            raise fail(key, "未知字段（可用：layout、cameras、tour）")
    layout = raw.get("layout", "2x2")
    m = re.fullmatch(r"\s*(\d{1,3})\s*[x×X*]\s*(\d{1,3})\s*", layout) if isinstance(layout, str) else None
    if not m or not (1 <= int(m.group(1)) <= MAX_GRID and 1 <= int(m.group(2)) <= MAX_GRID):
        raise fail("layout", f"“{layout}” 无效：写成 列x行，例如 \"3x3\"（每边 1–{MAX_GRID}）")
    columns, rows = int(m.group(1)), int(m.group(2))
    cameras = raw.get("cameras", [])
    if not isinstance(cameras, list) or not all(isinstance(c, str) and c for c in cameras):
        raise fail("cameras", "应为摄像机编号（字符串）列表")
    if len(cameras) > columns * rows:
        raise fail("cameras", f"固定了 {len(cameras)} 路摄像机，但 {columns}x{rows} 只有 {columns * rows} 个画面")
    tour = None
    if "tour" in raw:
        t = raw["tour"]
        if not isinstance(t, dict):
            raise fail("tour", "应为表/对象，例如 { interval_s = 20 }")
        for key in t:
            if key not in ("interval_s", "cameras"):
                raise fail(f"tour.{key}", "未知字段（可用：interval_s、cameras）", key)
        interval = t.get("interval_s", 20)
        if isinstance(interval, bool) or not isinstance(interval, (int, float)) or interval < MIN_TOUR_S:
            raise fail("tour.interval_s", f"轮巡间隔应为不小于 {MIN_TOUR_S:g} 的秒数", "interval_s")
        tour_cams = t.get("cameras", [])
        if not isinstance(tour_cams, list) or not all(isinstance(c, str) and c for c in tour_cams):
            raise fail("tour.cameras", "应为摄像机编号（字符串）列表", "cameras")
        if len(cameras) >= columns * rows:
            raise fail("tour", "所有画面都已固定摄像机，没有留给轮巡的画面")
        tour = Tour(interval_s=float(interval), cameras=tuple(tour_cams))
    return VideoLayout(columns=columns, rows=rows, cameras=tuple(cameras), tour=tour)


def load_wall_config(path: Path | str) -> WallConfig:
    """Read and validate a wall config file (``.toml`` or ``.json``)."""
    path = Path(path)
    return parse_wall_config(WallConfigError.read_text(path), path)


# --------------------------------------------------------------------------- placement


@dataclass(frozen=True)
class ScreenInfo:
    """A screen as the placement rule sees it: its name and top-left corner."""

    name: str
    x: int = 0
    y: int = 0


def ordered_screens(screens: list[ScreenInfo]) -> list[ScreenInfo]:
    """Positions count left to right, then top to bottom."""
    return sorted(screens, key=lambda s: (s.x, s.y, s.name))


def resolve_match(match: str | int, screens: list[ScreenInfo]) -> str | None:
    """The name of the screen a ``match`` selects among those present, or None."""
    ordered = ordered_screens(screens)
    if isinstance(match, int):
        return ordered[match - 1].name if 0 < match <= len(ordered) else None
    return match if any(s.name == match for s in ordered) else None


@dataclass
class Placement:
    """Where every panel is now: screen name → panels (home panels first, then guests)."""

    screens: dict[str, list[str]]  # only wall screens that carry something
    home: dict[str, str | None]  # configured screen index label → resolved name (None: missing)
    guests: dict[str, str]  # panel → the screen it is visiting
    parked: tuple[str, ...] = ()  # panels with no wall screen left at all
    operator: str | None = None

    def screen_of(self, panel: str) -> str | None:
        for name, panels in self.screens.items():
            if panel in panels:
                return name
        return None


def place_panels(config: WallConfig, present: list[ScreenInfo]) -> Placement:
    """Assign every configured panel to a present screen (the hot-plug rule)."""
    operator = resolve_match(config.operator_screen, present) if config.operator_screen is not None else None
    wall_present = [s for s in present if s.name != operator]
    homes: dict[int, str | None] = {}
    taken: set[str] = set()
    # Names first (they are unambiguous), then positions among the remaining screens.
    for i, spec in enumerate(config.screens):
        if isinstance(spec.match, str):
            name = resolve_match(spec.match, wall_present)
            homes[i] = name
            if name:
                taken.add(name)
    for i, spec in enumerate(config.screens):
        if isinstance(spec.match, int):
            name = resolve_match(spec.match, wall_present)
            if name in taken:
                name = None
            homes[i] = name
            if name:
                taken.add(name)
    screens: dict[str, list[str]] = {}
    orphans: list[str] = []
    for i, spec in enumerate(config.screens):
        name = homes[i]
        if name is None:
            orphans.extend(spec.panels)
        else:
            screens.setdefault(name, []).extend(spec.panels)
    guests: dict[str, str] = {}
    parked: list[str] = []
    hosts = [s.name for s in ordered_screens(wall_present) if s.name in screens]
    if not hosts:
        # Screens present but not configured can host too (better than nothing).
        hosts = [s.name for s in ordered_screens(wall_present)]
    for panel in orphans:
        if not hosts:
            parked.append(panel)
            continue
        host = min(hosts, key=lambda n: (len(screens.get(n, [])), hosts.index(n)))
        screens.setdefault(host, []).append(panel)
        guests[panel] = host
    return Placement(screens=screens, home={config.screens[i].label: homes[i] for i in homes},
                     guests=guests, parked=tuple(parked), operator=operator)


# --------------------------------------------------------------------------- writing


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)


def to_document(config: WallConfig) -> dict[str, Any]:
    """The config as plain data (the JSON form)."""
    screens = []
    for spec in config.screens:
        entry: dict[str, Any] = {"match": spec.match, "panels": list(spec.panels)}
        if "video" in spec.panels:
            video: dict[str, Any] = {"layout": f"{spec.video.columns}x{spec.video.rows}",
                                     "cameras": list(spec.video.cameras)}
            if spec.video.tour is not None:
                video["tour"] = {"interval_s": spec.video.tour.interval_s, "cameras": list(spec.video.tour.cameras)}
            entry["video"] = video
        screens.append(entry)
    doc: dict[str, Any] = {"theme": config.theme, "screens": screens}
    if config.operator_screen is not None:
        doc["operator_screen"] = config.operator_screen
    return doc


def dump_wall_config(config: WallConfig, fmt: str = "toml") -> str:
    """The config as TOML (or JSON) text that :func:`parse_wall_config` reads back."""
    doc = to_document(config)
    if fmt == "json":
        return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
    lines = ["# 大屏配置（坪山值班台）：哪块屏幕显示哪些面板。"]
    if config.operator_screen is not None:
        lines.append(f"operator_screen = {_toml_value(config.operator_screen)}")
    lines.append(f"theme = {_toml_value(config.theme)}")
    for entry in doc["screens"]:
        lines += ["", "[[screen]]", f"match = {_toml_value(entry['match'])}", f"panels = {_toml_value(entry['panels'])}"]
        video = entry.get("video")
        if video is not None:
            lines += ["[screen.video]", f"layout = {_toml_value(video['layout'])}",
                      f"cameras = {_toml_value(video['cameras'])}"]
            tour = video.get("tour")
            if tour is not None:
                lines.append(f"tour = {{ interval_s = {_toml_value(tour['interval_s'])}, "
                             f"cameras = {_toml_value(tour['cameras'])} }}")
    return "\n".join(lines) + "\n"


def save_wall_config(path: Path | str, config: WallConfig) -> Path:
    """Write the config atomically (TOML, or JSON for a ``.json`` path); validated first."""
    path = Path(path)
    fmt = "json" if path.suffix.lower() == ".json" else "toml"
    text = dump_wall_config(config, fmt)
    parse_wall_config(text, path, fmt)  # never write what we could not read back
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path

"""Drill scenario scripts: YAML (or JSON) validated by pydantic, errors named by line and field.

A scenario is a start time, a duration and a list of timed *injects* (what the
district does to the operator: an alert, a river level rising to its warning
line, a device or camera failing, a CAP warning, an incident declaration, a
message from a unit), plus optional scripted *responses* (what a headless run's
operator does).  Times are offsets from the start: ``90`` (seconds), ``"30s"``,
``"12m"``, ``"1h30m"``.

``load_scenario(path)`` raises :class:`ScenarioError` whose ``problems`` each
carry the line, the field path and a Chinese message, e.g.
``三防演练.yaml 第 14 行，injects[1].level：取值须为 red、orange、yellow、blue 之一（实际为 'purple'）``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal, Union

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, field_validator

_DURATION = re.compile(r"^\s*(?:(\d+(?:\.\d+)?)\s*h)?\s*(?:(\d+(?:\.\d+)?)\s*m(?:in)?)?\s*(?:(\d+(?:\.\d+)?)\s*s)?\s*$")


def parse_offset(value: Any) -> float:
    """Seconds from ``90``, ``"90"``, ``"30s"``, ``"12m"``, ``"1h30m"``; ValueError otherwise."""
    if isinstance(value, bool):
        raise ValueError("时间须为秒数或“12m”“1h30m”形式")
    if isinstance(value, (int, float)):
        seconds = float(value)
    elif isinstance(value, str):
        text = value.strip()
        try:
            seconds = float(text)
        except ValueError:
            m = _DURATION.match(text)
            if not text or m is None or not any(m.groups()):
                raise ValueError(f"时间格式不正确：{value!r}（应为秒数，或“30s”“12m”“1h30m”）") from None
            h, mi, s = (float(g) if g else 0.0 for g in m.groups())
            seconds = h * 3600 + mi * 60 + s
    else:
        raise ValueError("时间须为秒数或“12m”“1h30m”形式")
    if seconds < 0:
        raise ValueError("时间不能为负")
    return seconds


Offset = Annotated[float, Field(ge=0)]
Level = Literal["red", "orange", "yellow", "blue"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _InjectBase(_Strict):
    id: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.-]+$")
    at: Offset
    note: str = ""  # what the drill director wants the trainee to notice (shown in the report)

    @field_validator("at", mode="before")
    @classmethod
    def _offset(cls, v: Any) -> float:
        return parse_offset(v)


class AlertInject(_InjectBase):
    """A new alert in the queue (hotline call, grid patrol, video AI, …)."""

    kind: Literal["alert"]
    category: str
    level: Level = "yellow"
    title: str = Field(min_length=1)
    description: str = ""
    community: str
    source: Literal["hotline_12345", "app_pingshan", "grid_patrol", "video_ai", "iot_threshold"] = "grid_patrol"
    lon: float | None = None
    lat: float | None = None


class ReadingTrendInject(_InjectBase):
    """A device's value moving linearly to ``to`` over ``over``; crossing its alarm line raises an alert."""

    kind: Literal["reading_trend"]
    device: str | None = None  # a device id of the district, or pick by kind + community
    device_kind: str | None = None
    community: str | None = None
    to: float
    over: Offset = 600.0
    every: Offset = 60.0

    @field_validator("over", "every", mode="before")
    @classmethod
    def _offsets(cls, v: Any) -> float:
        return parse_offset(v)


class DeviceFailureInject(_InjectBase):
    kind: Literal["device_failure"]
    device: str | None = None
    device_kind: str | None = None
    community: str | None = None
    status: Literal["offline", "fault", "online"] = "fault"


class CameraFailureInject(_InjectBase):
    kind: Literal["camera_failure"]
    camera: str | None = None
    camera_kind: str | None = None
    community: str | None = None
    status: Literal["offline", "online"] = "offline"


class CapWarningInject(_InjectBase):
    """A CAP 1.2 early warning from the meteorological bureau (an alert carrying the XML)."""

    kind: Literal["cap_warning"]
    level: Level
    headline: str = Field(min_length=1)
    description: str = ""


class IncidentInject(_InjectBase):
    """The district headquarters declares an incident: the plan's steps start their clocks."""

    kind: Literal["incident"]
    type: Literal["typhoon_waterlogging", "rainstorm_flood", "slope_failure", "fire", "hazmat_leak", "public_health"]
    level: int = Field(ge=1, le=4)
    title: str = ""
    street: str | None = None
    community: str | None = None
    radius_m: float = Field(default=1000, gt=0)
    reason: str = ""


class UnitMessageInject(_InjectBase):
    kind: Literal["unit_message"]
    unit: str
    text: str = Field(min_length=1)
    severity: Literal["info", "warning", "critical"] = "info"


Inject = Annotated[Union[AlertInject, ReadingTrendInject, DeviceFailureInject, CameraFailureInject,
                         CapWarningInject, IncidentInject, UnitMessageInject], Field(discriminator="kind")]

ResponseAction = Literal["acknowledge", "dispatch", "start", "resolve", "close", "escalate", "urge", "note",
                         "task", "task_update", "stand_down"]


class Response(_Strict):
    """A scripted operator action for headless runs: ``at`` from the start, on the alert or
    incident an inject produced (``target`` = the inject's id)."""

    at: Offset
    action: ResponseAction
    target: str
    unit: str | None = None
    text: str = ""
    due_minutes: float | None = None
    status: Literal["received", "en_route", "on_scene", "done", "refused"] | None = None

    @field_validator("at", mode="before")
    @classmethod
    def _offset(cls, v: Any) -> float:
        return parse_offset(v)


class Background(_Strict):
    """The district's own life during the drill: sensor readings and a small backlog."""

    readings_per_min: float = Field(default=30.0, ge=0, le=6000)
    backlog_alerts: int = Field(default=0, ge=0, le=500)
    tick: Offset = 10.0

    @field_validator("tick", mode="before")
    @classmethod
    def _offset(cls, v: Any) -> float:
        return parse_offset(v)


class Scenario(_Strict):
    """One drill script."""

    id: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    title: str = Field(min_length=1)
    description: str = ""
    start: AwareDatetime
    duration: Offset
    seed: int = 1
    role: Literal["operator", "supervisor"] = "operator"
    background: Background = Background()
    injects: list[Inject] = []  # a recorded package plays envelopes instead
    responses: list[Response] = []

    @field_validator("duration", mode="before")
    @classmethod
    def _offset(cls, v: Any) -> float:
        return parse_offset(v)

    def inject(self, inject_id: str) -> Any:
        return next((i for i in self.injects if i.id == inject_id), None)


# --------------------------------------------------------------------------- errors with lines


@dataclass(frozen=True)
class Problem:
    line: int | None
    field: str
    message: str

    def text(self, name: str) -> str:
        where = f"第 {self.line} 行，" if self.line else ""
        return f"{name} {where}{self.field or '（整个文件）'}：{self.message}"


class ScenarioError(ValueError):
    """A scenario that cannot run; ``problems`` name the line and the field of each fault."""

    def __init__(self, name: str, problems: list[Problem]) -> None:
        self.name = name
        self.problems = problems
        super().__init__("\n".join(p.text(name) for p in problems))


_MESSAGES = {
    "missing": "缺少必填字段",
    "extra_forbidden": "不认识的字段（拼写错误？）",
    "string_too_short": "不能为空",
    "string_pattern_mismatch": "只能含字母、数字、点、下划线和连字符",
    "timezone_aware": "须带时区，如 2026-08-20T14:00:00+08:00",
    "datetime_from_date_parsing": "不是有效的日期时间",
    "datetime_parsing": "不是有效的日期时间",
    "datetime_type": "不是有效的日期时间",
    "float_parsing": "须为数字",
    "float_type": "须为数字",
    "int_parsing": "须为整数",
    "int_type": "须为整数",
    "int_from_float": "须为整数",
    "too_short": "至少要有一项",
    "union_tag_invalid": "inject 的 kind 须为 alert、reading_trend、device_failure、camera_failure、cap_warning、incident、unit_message 之一",
    "union_tag_not_found": "缺少 kind（alert、reading_trend、device_failure、camera_failure、cap_warning、incident、unit_message）",
    "model_type": "须为键值映射",
    "list_type": "须为列表",
    "string_type": "须为文字",
}


def _message(err: dict[str, Any]) -> str:
    etype = err.get("type", "")
    if etype == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        allowed = "、".join(re.findall(r"'([^']*)'", str(expected))) or str(expected)
        return f"取值须为 {allowed} 之一（实际为 {err.get('input')!r}）"
    if etype in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        ctx = err.get("ctx", {})
        bound = next(iter(ctx.values()), "")
        sign = {"greater_than_equal": "≥", "less_than_equal": "≤", "greater_than": ">", "less_than": "<"}[etype]
        return f"须 {sign} {bound}（实际为 {err.get('input')!r}）"
    if etype == "value_error":
        return str(err.get("ctx", {}).get("error", err.get("msg", "")))
    return _MESSAGES.get(etype, str(err.get("msg", etype)))


def _field_path(loc: tuple[Any, ...], tags: set[str]) -> tuple[list[Any], str]:
    """Drop pydantic's union tags from ``loc``; render ``injects[2].level``."""
    clean: list[Any] = []
    for i, part in enumerate(loc):
        # the discriminator value sits after a list index: ('injects', 2, 'alert', 'level')
        if isinstance(part, str) and part in tags and i > 0 and isinstance(loc[i - 1], int):
            continue
        clean.append(part)
    text = ""
    for part in clean:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return clean, text


class _Lines:
    """Line of each node in the YAML document (PyYAML's compose keeps the marks)."""

    def __init__(self, root: Any) -> None:
        self.root = root

    def line_of(self, path: list[Any]) -> int | None:
        node = self.root
        best = node.start_mark.line + 1 if node is not None else None
        for part in path:
            nxt = None
            if node is None:
                break
            kind = type(node).__name__
            if kind == "MappingNode" and isinstance(part, str):
                for key, value in node.value:
                    if getattr(key, "value", None) == part:
                        best = key.start_mark.line + 1
                        nxt = value
                        break
            elif kind == "SequenceNode" and isinstance(part, int) and 0 <= part < len(node.value):
                nxt = node.value[part]
                best = nxt.start_mark.line + 1
            if nxt is None:
                break
            node = nxt
        return best


_TAGS = {"alert", "reading_trend", "device_failure", "camera_failure", "cap_warning", "incident", "unit_message"}


def parse_scenario_text(text: str, name: str = "scenario", *, allow_empty: bool = False) -> Scenario:
    """Parse and validate; raises ScenarioError naming line and field."""
    import yaml

    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        raise ScenarioError(name, [Problem(line, "", f"YAML 格式错误：{exc.problem or exc}")]) from None
    except yaml.YAMLError as exc:
        raise ScenarioError(name, [Problem(None, "", f"YAML 格式错误：{exc}")]) from None
    lines = _Lines(root)
    if not isinstance(data, dict):
        raise ScenarioError(name, [Problem(1, "", "文件须为键值映射（id、title、start、duration、injects …）")])
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            path, field = _field_path(tuple(err["loc"]), _TAGS)
            problems.append(Problem(lines.line_of(path), field, _message(dict(err))))
        raise ScenarioError(name, problems) from None
    problems = [Problem(lines.line_of(path), _field_path(tuple(path), set())[1], msg)
                for path, msg in check_references(scenario)]
    if not scenario.injects and not allow_empty:
        problems.append(Problem(lines.line_of(["injects"]), "injects", "至少要有一个 inject"))
    if problems:
        raise ScenarioError(name, problems)
    return scenario


def load_scenario(path: str | Path) -> Scenario:
    """Read a ``.yaml``/``.yml``/``.json`` scenario; ScenarioError (Chinese, with lines) when wrong."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ScenarioError(p.name, [Problem(None, "", "文件不是 UTF-8 文本")]) from None
    except OSError as exc:
        raise ScenarioError(p.name, [Problem(None, "", f"无法读取文件：{exc.strerror or exc}")]) from None
    return parse_scenario_text(text, p.name)


# --------------------------------------------------------------------------- references


def _catalogue() -> tuple[set[str], set[str], set[str], set[str]]:
    from console import catalogue

    streets = catalogue.streets()
    communities = {c.id for s in streets for c in s.communities}
    return ({s.id for s in streets}, communities, {c.id for c in catalogue.categories()},
            {u.id for u in catalogue.units()})


DEVICE_KINDS = ("river_level", "waterlogging", "rain_gauge", "slope_displacement", "air_quality", "noise", "smoke",
                "hydrant_pressure", "manhole_cover")
CAMERA_KINDS = ("road", "river", "slope", "park", "forest_fire", "public_building")


def check_references(s: Scenario) -> list[tuple[list[Any], str]]:
    """Names the scenario uses that the district does not know; (path, Chinese message)."""
    streets, communities, categories, units = _catalogue()
    out: list[tuple[list[Any], str]] = []
    seen: dict[str, int] = {}
    for n, inj in enumerate(s.injects):
        base: list[Any] = ["injects", n]
        if inj.id in seen:
            out.append((base + ["id"], f"与 injects[{seen[inj.id]}] 的 id 重复：{inj.id}"))
        seen.setdefault(inj.id, n)
        if inj.at > s.duration:
            out.append((base + ["at"], f"晚于演练时长（{s.duration:.0f} 秒）"))
        community = getattr(inj, "community", None)
        if community is not None and community not in communities:
            out.append((base + ["community"], f"未知的社区：{community}"))
        if isinstance(inj, AlertInject) and inj.category not in categories:
            out.append((base + ["category"], f"未知的事件类别：{inj.category}"))
        if isinstance(inj, IncidentInject) and inj.street is not None and inj.street not in streets:
            out.append((base + ["street"], f"未知的街道：{inj.street}"))
        if isinstance(inj, UnitMessageInject) and inj.unit not in units:
            out.append((base + ["unit"], f"未知的单位：{inj.unit}"))
        if isinstance(inj, (ReadingTrendInject, DeviceFailureInject)):
            if inj.device is None and inj.device_kind is None:
                out.append((base + ["device"], "须指定 device，或 device_kind（可加 community）"))
            if inj.device_kind is not None and inj.device_kind not in DEVICE_KINDS:
                out.append((base + ["device_kind"], f"未知的设备类型：{inj.device_kind}（可选 {'、'.join(DEVICE_KINDS)}）"))
        if isinstance(inj, CameraFailureInject):
            if inj.camera is None and inj.camera_kind is None:
                out.append((base + ["camera"], "须指定 camera，或 camera_kind（可加 community）"))
            if inj.camera_kind is not None and inj.camera_kind not in CAMERA_KINDS:
                out.append((base + ["camera_kind"], f"未知的摄像机类型：{inj.camera_kind}"))
        if isinstance(inj, ReadingTrendInject) and inj.every <= 0:
            out.append((base + ["every"], "须大于 0"))
    for n, r in enumerate(s.responses):
        base = ["responses", n]
        target = s.inject(r.target)
        if target is None:
            out.append((base + ["target"], f"没有 id 为 {r.target} 的 inject"))
        elif r.action in ("task", "stand_down") and not isinstance(target, IncidentInject):
            out.append((base + ["target"], f"{r.action} 须指向 incident 类 inject"))
        if r.at > s.duration:
            out.append((base + ["at"], f"晚于演练时长（{s.duration:.0f} 秒）"))
        if r.unit is not None and r.unit not in units:
            out.append((base + ["unit"], f"未知的单位：{r.unit}"))
        if r.action in ("dispatch", "task") and r.unit is None:
            out.append((base + ["unit"], f"{r.action} 须指定 unit"))
    return out


def scenario_json(s: Scenario) -> str:
    """Canonical JSON of a validated scenario (packages keep the source text; this is for hashing)."""
    return json.dumps(s.model_dump(mode="json"), ensure_ascii=False, sort_keys=True)


def start_of(s: Scenario) -> datetime:
    return s.start

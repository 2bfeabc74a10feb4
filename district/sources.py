"""Sources that post warnings and citizen events to a district server, and what they may post.

Two kinds of source feed alerts in over HTTP (``gateway.sources`` serves the endpoints):

* ``cap``: the early-warning release system, CAP 1.2 XML (``console.cap`` checks it);
* ``events``: citizen events as JSON (:class:`CitizenEvent`): the 12345 hotline
  (``hotline_12345``), the i坪山 app (``app_pingshan``) and grid patrol (``grid_patrol``).

Each source has its own API key, sent as ``X-Api-Key``. The server keeps only the
key's SHA-256 (a key is 32 random bytes, so a fast hash is enough; it is never a
password) in a sources file, written by ``pingshan-gateway sources add|list|remove``
(:func:`sources_main`) and saved atomically with mode 0600::

    {
      "version": 1,
      "sources": {
        "hotline": {"kind": "events", "key_sha256": "<64 hex>", "event_sources": ["hotline_12345"]},
        "szmb": {"kind": "cap", "key_sha256": "<64 hex>", "senders": ["szmb@example.invalid"]}
      }
    }

``event_sources``: the ``source`` values an events key may post (at least one).
``senders``: the CAP ``<sender>`` values a cap key may post (empty: any). A key of one
kind never posts the other kind. The server re-reads the file when it changes, so a
key added or removed takes effect without a restart.

Pure Python: stdlib, pydantic and the district catalogue; no HTTP framework.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import re
import secrets
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Iterator, Literal, Mapping

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from console.models import Alert, AlertNote, GeoPoint, WarningLevel
from district.catalogue import catalogue
from district.identity import MISSING, CliParser, UsageError, file_command, read_json_file, write_secret_file
from district.iot import near_cameras
from district.limits import MAX_ID_CHARS, MAX_TEXT_CHARS

log = logging.getLogger(__name__)

SourceKind = Literal["cap", "events"]
KINDS: tuple[str, ...] = ("cap", "events")
CITIZEN_SOURCES: tuple[str, ...] = ("hotline_12345", "app_pingshan", "grid_patrol")
SOURCE_ACTOR = {"hotline_12345": "12345 热线", "app_pingshan": "i 坪山", "grid_patrol": "网格员"}
SOURCE_LABEL = {"hotline_12345": "12345 工单", "app_pingshan": "i坪山 上报", "grid_patrol": "网格巡查"}
MAX_TITLE_CHARS = 200
MAX_ADDRESS_CHARS = 200
FUTURE_SLACK = timedelta(minutes=5)
"""How far ahead of the server's clock a ``reported_at`` may be (clock skew)."""

_NAME = re.compile(r"[A-Za-z0-9_.-]{1,64}")
_DIGEST = re.compile(r"[0-9a-f]{64}")
_FILE_VERSION = 1
_ENTRY_KEYS = frozenset({"kind", "key_sha256", "event_sources", "senders"})
RELOAD_CHECK_S = 1.0

DEMO_SOURCES: tuple[tuple[str, SourceKind, tuple[str, ...], str], ...] = (
    ("warning-release", "cap", (), "demo-cap-key"),
    ("hotline_12345", "events", ("hotline_12345",), "demo-hotline-key"),
    ("app_pingshan", "events", ("app_pingshan",), "demo-app-key"),
    ("grid_patrol", "events", ("grid_patrol",), "demo-grid-key"),
    ("citizen-events", "events", CITIZEN_SOURCES, "demo-events-key"),
)
"""(name, kind, event sources, key) of ``--demo-sources``: public keys, for demos and tests only."""
DEMO_CAP_KEY = "demo-cap-key"
DEMO_EVENTS_KEY = "demo-events-key"


def key_digest(key: str) -> str:
    """What the sources file keeps of a key: its SHA-256, hex."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class SourcesFileError(ValueError):
    """A sources file that cannot be read; the message names the file and the entry."""


@dataclass(frozen=True)
class Source:
    """One posting system: its name (the metrics label), its kind and what it may post."""

    name: str
    kind: SourceKind
    key_sha256: str
    event_sources: tuple[str, ...] = ()
    senders: tuple[str, ...] = ()

    def refusal(self, kind: str, value: str) -> str | None:
        """Why this source may not post a ``kind`` message whose ``source``/``sender`` is ``value``; None if it may."""
        if kind != self.kind:
            allowed = "CAP 预警" if self.kind == "cap" else "群众事件"
            return f"接入源 {self.name} 的密钥只能报送{allowed}"
        if kind == "events" and value not in self.event_sources:
            return f"接入源 {self.name} 不能报送来源为 {value} 的事件（允许：{'、'.join(self.event_sources)}）"
        if kind == "cap" and self.senders and value not in self.senders:
            return f"接入源 {self.name} 不能以发布者 {value} 报送预警"
        return None


class SourceDirectory:
    """The sources of one sources file (or the demo sources): who a key is, add, remove, save."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path: Path | None = Path(path) if path is not None else None
        self._sources: dict[str, Source] = {}
        self._by_digest: dict[str, Source] = {}
        self._stamp: tuple[int, int] | None = None
        self._checked = time.monotonic()

    # ---- construction

    @classmethod
    def load(cls, path: str | os.PathLike[str], *, missing_ok: bool = False) -> SourceDirectory:
        """The sources of the file at ``path``; :class:`SourcesFileError` when it is malformed, or
        missing and ``missing_ok`` is false (an empty directory otherwise)."""
        directory = cls(path)
        directory._read(missing_ok=missing_ok)
        return directory

    @classmethod
    def demo(cls) -> SourceDirectory:
        """The demo sources (:data:`DEMO_SOURCES`, keys known to everybody)."""
        directory = cls()
        for name, kind, allowed, key in DEMO_SOURCES:
            directory._put(Source(name, kind, key_digest(key), allowed))
        return directory

    # ---- reading

    def identify(self, key: str | None) -> Source | None:
        """The source whose key this is, or None (no key, unknown key). Re-reads a changed file first."""
        self._reload_if_changed()
        if not key:
            return None
        digest = key_digest(key)
        found = self._by_digest.get(digest)
        # The dict lookup found it by digest; compare once more in constant time all the same.
        return found if found is not None and hmac.compare_digest(found.key_sha256, digest) else None

    def sources(self) -> list[Source]:
        return list(self._sources.values())

    def __contains__(self, name: object) -> bool:
        return name in self._sources

    def __iter__(self) -> Iterator[Source]:
        return iter(self.sources())

    def __len__(self) -> int:
        return len(self._sources)

    # ---- editing

    def add(self, name: str, kind: str, *, event_sources: tuple[str, ...] = (),
            senders: tuple[str, ...] = ()) -> str:
        """Add a source with a new random key; returns the key (shown once, never stored)."""
        if name in self._sources:
            raise ValueError(f"接入源 {name} 已存在")
        key = secrets.token_urlsafe(32)
        self._put(self._check(name, {"kind": kind, "key_sha256": key_digest(key),
                                     "event_sources": list(event_sources), "senders": list(senders)}))
        return key

    def remove(self, name: str) -> Source | None:
        gone = self._sources.pop(name, None)
        if gone is not None:
            self._by_digest.pop(gone.key_sha256, None)
        return gone

    def save(self, path: str | os.PathLike[str] | None = None) -> Path:
        """Write the file atomically (temporary file, fsync, ``os.replace``), mode 0600."""
        target = Path(path) if path is not None else self.path
        if target is None:
            raise ValueError("未指定接入源文件")
        entries: dict[str, Any] = {}
        for s in self._sources.values():
            entry: dict[str, Any] = {"kind": s.kind, "key_sha256": s.key_sha256}
            if s.kind == "events":
                entry["event_sources"] = list(s.event_sources)
            elif s.senders:
                entry["senders"] = list(s.senders)
            entries[s.name] = entry
        data = json.dumps({"version": _FILE_VERSION, "sources": entries}, ensure_ascii=False, indent=2) + "\n"
        write_secret_file(target, data)
        if self.path is None:
            self.path = target
        return target

    # ---- internals

    def _put(self, source: Source) -> None:
        self._sources[source.name] = source
        self._by_digest[source.key_sha256] = source

    def _stat(self) -> tuple[int, int] | None:
        assert self.path is not None
        try:
            st = self.path.stat()
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_size)

    def _reload_if_changed(self) -> None:
        if self.path is None or time.monotonic() - self._checked < RELOAD_CHECK_S:
            return
        self._checked = time.monotonic()
        if self._stat() == self._stamp:
            return
        fresh = SourceDirectory(self.path)
        try:
            fresh._read(missing_ok=False)
        except SourcesFileError as exc:  # a half-edited file must not lock every source out
            log.warning("sources file not reloaded, the previous keys stay: %s", exc)
            self._stamp = self._stat()
            return
        self._sources, self._by_digest, self._stamp = fresh._sources, fresh._by_digest, fresh._stamp
        log.warning("sources file reloaded: %d sources", len(self._sources))

    def _read(self, *, missing_ok: bool) -> None:
        assert self.path is not None
        where = f"接入源文件 {self.path}"
        self._stamp = self._stat()
        data = read_json_file(self.path, where, SourcesFileError, missing_ok=missing_ok)
        if data is MISSING:
            return
        if not isinstance(data, dict) or set(data) != {"version", "sources"}:
            raise SourcesFileError(f"{where}：顶层应为 {{\"version\": 1, \"sources\": {{...}}}}")
        if data["version"] != _FILE_VERSION:
            raise SourcesFileError(f"{where}：不支持的版本 {data['version']!r}（应为 {_FILE_VERSION}）")
        if not isinstance(data["sources"], dict):
            raise SourcesFileError(f"{where}：sources 应为对象（接入源名 → 设置）")
        for name, entry in data["sources"].items():
            try:
                source = self._check(name, entry)
                if source.key_sha256 in self._by_digest:
                    raise ValueError("密钥与另一接入源相同")
            except ValueError as exc:
                raise SourcesFileError(f"{where}，接入源 {name}：{exc}") from None
            self._put(source)

    @staticmethod
    def _check(name: Any, entry: Any) -> Source:
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            raise ValueError(f"接入源名 {name!r} 无效（1–64 个字符：字母、数字、_ . -）")
        if not isinstance(entry, dict):
            raise ValueError("应为对象")
        extra = sorted(set(entry) - _ENTRY_KEYS)
        if extra:
            raise ValueError(f"不认识的字段 {', '.join(extra)}")
        kind = entry.get("kind")
        if kind not in KINDS:
            raise ValueError(f"kind 须为 {' 或 '.join(KINDS)}（实际 {kind!r}）")
        digest = entry.get("key_sha256")
        if not isinstance(digest, str) or not _DIGEST.fullmatch(digest):
            raise ValueError("key_sha256 须为 64 位小写十六进制（密钥的 SHA-256）")
        allowed = entry.get("event_sources") or []
        senders = entry.get("senders") or []
        if not isinstance(allowed, list) or not isinstance(senders, list):
            raise ValueError("event_sources 与 senders 须为列表")
        if kind == "events":
            if not allowed:
                raise ValueError(f"events 接入源须给出 event_sources（可选：{'、'.join(CITIZEN_SOURCES)}）")
            bad = [s for s in allowed if s not in CITIZEN_SOURCES]
            if bad:
                raise ValueError(f"未知的事件来源 {bad[0]!r}（可选：{'、'.join(CITIZEN_SOURCES)}）")
            if senders:
                raise ValueError("senders 只用于 cap 接入源")
        else:
            if allowed:
                raise ValueError("event_sources 只用于 events 接入源")
            if any(not isinstance(s, str) or not s or len(s) > 256 for s in senders):
                raise ValueError("senders 的每一项须为非空文本")
        return Source(name, kind, digest, tuple(dict.fromkeys(allowed)), tuple(dict.fromkeys(senders)))


# --------------------------------------------------------------------------- citizen events


def _named_id(value: str, names: dict[str, str], suffix: str, what: str) -> str:
    """An id of the catalogue from the id itself or its Chinese name (with or without ``suffix``)."""
    if value in names:
        return value
    for key, name in names.items():
        if value in (name, name + suffix):
            return key
    raise ValueError(f"未知的{what} {value}")


def _community_id(value: str) -> str:
    return _named_id(value, catalogue().community_name, "社区", "社区")


def _street_id(value: str) -> str:
    return _named_id(value, catalogue().street_name, "街道", "街道")


class CitizenEvent(BaseModel):
    """One citizen event as a source posts it to ``POST /api/v1/ingest/events``.

    ``source`` + ``external_id`` name it for good: posting it again changes nothing
    (the answer names the same alert). Where it happened: ``community`` (id or Chinese
    name; it implies the street), else ``location`` (the server finds the community on
    its map), else ``street``; none of them makes a district-wide alert.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    source: Literal["hotline_12345", "app_pingshan", "grid_patrol"]
    external_id: str = Field(min_length=1, max_length=MAX_ID_CHARS, pattern=r"^[A-Za-z0-9_.:/#-]+$",
                             description="the source's own id of the event (work order number …)")
    category: str = Field(min_length=1, max_length=MAX_ID_CHARS, description="a category id of the catalogue")
    level: WarningLevel = "blue"
    title: str = Field(min_length=1, max_length=MAX_TITLE_CHARS)
    description: str = Field("", max_length=MAX_TEXT_CHARS)
    address: str | None = Field(None, max_length=MAX_ADDRESS_CHARS)
    location: GeoPoint | None = None
    street: str | None = Field(None, max_length=MAX_ID_CHARS)
    community: str | None = Field(None, max_length=MAX_ID_CHARS)
    reporter_phone: str | None = Field(None, pattern=r"^\+?[0-9][0-9 -]{2,19}$")
    reported_at: AwareDatetime | None = None

    @field_validator("category")
    @classmethod
    def _known_category(cls, value: str) -> str:
        if value not in catalogue().categories:
            raise ValueError(f"未知的事件类别 {value}")
        return value

    @field_validator("community")
    @classmethod
    def _known_community(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        cid = _community_id(value)
        street = info.data.get("street")  # validated before (declared before)
        if street and catalogue().community_street[cid] != street:
            raise ValueError(f"社区 {cid} 不属于街道 {street}")
        return cid

    @field_validator("street")
    @classmethod
    def _known_street(cls, value: str | None) -> str | None:
        return None if value is None else _street_id(value)

    @field_validator("reported_at")
    @classmethod
    def _not_ahead(cls, value: datetime | None) -> datetime | None:
        if value is not None and value > datetime.now(value.tzinfo) + FUTURE_SLACK:
            raise ValueError("上报时间晚于服务器当前时间")
        return value


def event_alert_id(source: str, external_id: str) -> str:
    """The alert id of a citizen event: the same for the same source and external id, everywhere."""
    return "ev-" + hashlib.sha256(f"{source}\n{external_id}".encode("utf-8")).hexdigest()[:20]


def community_at(lon: float, lat: float, communities: Mapping[str, Any] | None) -> str | None:
    """The community (id) whose polygon in the ``communities`` layer (GeoJSON) holds the point."""
    for feature in (communities or {}).get("features", ()):
        geom = feature.get("geometry") or {}
        polygons = ([geom.get("coordinates")] if geom.get("type") == "Polygon"
                    else geom.get("coordinates") if geom.get("type") == "MultiPolygon" else [])
        for rings in polygons or ():
            if rings and _in_ring(lon, lat, rings[0]) and not any(_in_ring(lon, lat, h) for h in rings[1:]):
                cid = (feature.get("properties") or {}).get("id")
                return cid if cid in catalogue().community_street else None
    return None


def _in_ring(x: float, y: float, ring: list[list[float]]) -> bool:
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1]):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def event_alert(event: CitizenEvent, *, received_at: datetime, cameras: dict[str, object] | None = None,
                communities: Mapping[str, Any] | None = None) -> Alert:
    """The new alert (rev 1, status new) a citizen event raises; the phone in full (masked on the way out)."""
    community = event.community
    if community is None and event.location is not None:
        community = community_at(event.location.lon, event.location.lat, communities)
    street = catalogue().community_street[community] if community else event.street
    description = event.description
    if event.address:
        description = f"{description}\n地址：{event.address}" if description else f"地址：{event.address}"
    created = min(event.reported_at or received_at, received_at)
    note = AlertNote(ts=received_at, actor=SOURCE_ACTOR[event.source], action="create",
                     text=f"事件上报（{SOURCE_LABEL[event.source]} {event.external_id}）")
    return Alert(id=event_alert_id(event.source, event.external_id), rev=1, level=event.level, status="new",
                 source=event.source, category=event.category, title=event.title, description=description,
                 street=street, community=community, location=event.location,
                 camera_ids=near_cameras(event.location, cameras), reporter_phone=event.reporter_phone,
                 created_at=created, updated_at=received_at, timeline=(note,))


_PROBLEM_ZH = {
    "missing": "缺少必需字段",
    "extra_forbidden": "不认识的字段",
    "string_too_short": "不能为空",
    "string_pattern_mismatch": "格式不正确",
    "string_type": "须为文本",
    "float_type": "须为数值",
    "float_parsing": "须为数值",
    "model_type": "须为对象",
    "model_attributes_type": "须为对象",
    "timezone_aware": "时间须带时区偏移",
    "datetime_type": "须为 ISO 8601 时间",
    "datetime_parsing": "须为 ISO 8601 时间",
    "datetime_from_date_parsing": "须为 ISO 8601 时间",
}


def event_problem(exc: ValidationError) -> tuple[str, str]:
    """(the field at fault, a Chinese reason) of the first problem pydantic found."""
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first.get("loc", ())) or "(整体)"
    kind, ctx = first.get("type", ""), first.get("ctx") or {}
    if kind == "string_too_long":
        why = f"过长（最多 {ctx.get('max_length')} 个字符）"
    elif kind == "literal_error":
        why = f"取值不在允许范围（{ctx.get('expected')}）"
    elif kind in ("less_than_equal", "greater_than_equal"):
        why = f"超出范围（{'不大于' if kind == 'less_than_equal' else '不小于'} {ctx.get('le', ctx.get('ge'))}）"
    elif kind == "value_error":
        why = str(first.get("msg", "")).removeprefix("Value error, ")
    else:
        why = _PROBLEM_ZH.get(kind, str(first.get("msg", "")))
    return where, f"字段 {where}：{why}"


# --------------------------------------------------------------------------- CLI


def _sources_parser() -> CliParser:
    parser = CliParser(prog="pingshan-gateway sources",
                     description="管理接入源文件（预警发布系统、12345 热线等的接入密钥）")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=CliParser)
    add = sub.add_parser("add", help="添加接入源，生成并只显示一次新密钥")
    add.add_argument("name")
    add.add_argument("--kind", required=True, choices=KINDS, help="cap：CAP 1.2 预警；events：群众事件（JSON）")
    add.add_argument("--allow", action="append", default=[], metavar="SOURCE",
                     help=f"events：可报送的事件来源（{'、'.join(CITIZEN_SOURCES)}；可重复；接入源名即来源时可省略）")
    add.add_argument("--sender", action="append", default=[], metavar="SENDER",
                     help="cap：只接受这些 CAP <sender>（可重复；缺省不限）")
    add.add_argument("--file", default="sources.json", help="接入源文件（JSON；不存在则新建；缺省 sources.json）")
    lst = sub.add_parser("list", help="列出接入源（不显示密钥）")
    lst.add_argument("--file", default="sources.json")
    rm = sub.add_parser("remove", help="删除接入源（其密钥随即失效）")
    rm.add_argument("name")
    rm.add_argument("--file", default="sources.json")
    return parser


def sources_main(argv: list[str]) -> int:
    """``pingshan-gateway sources add|list|remove …`` (``argv`` starts after ``sources``); see
    :func:`district.identity.file_command`."""
    def run() -> int:
        args = _sources_parser().parse_args(argv)
        directory = SourceDirectory.load(args.file, missing_ok=args.command == "add")
        if args.command == "list":
            for s in directory:
                allowed = ",".join(s.event_sources if s.kind == "events" else s.senders) or "-"
                print(f"{s.name}\t{s.kind}\t{allowed}")
            return 0
        if args.command == "remove":
            if directory.remove(args.name) is None:
                raise UsageError(2, f"接入源文件 {args.file} 中没有接入源 {args.name}\n")
            directory.save()
            print(f"已删除接入源 {args.name}")
            return 0
        allowed = tuple(args.allow)
        if args.kind == "events" and not allowed and args.name in CITIZEN_SOURCES:
            allowed = (args.name,)
        key = directory.add(args.name, args.kind, event_sources=allowed, senders=tuple(args.sender))
        directory.save()
        what = "、".join(allowed) if args.kind == "events" else "CAP 预警"
        print(f"已添加接入源 {args.name}（{what}）。密钥只显示这一次，请交给该系统保存：", file=sys.stderr)
        print(key)
        return 0

    return file_command(run, "接入源文件")

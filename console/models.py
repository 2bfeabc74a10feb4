"""Wire contract v1: every message that crosses the gateway boundary.

The same pydantic models validate what the console receives, generate the
JSON Schema a backend team builds against, and type the embedded feed's
OpenAPI document.  Boundary models forbid unknown fields (``extra='forbid'``)
so that a gateway speaking a different dialect is told so, not half-understood.

Why this module is long: it is the whole wire contract in one place (envelopes, payloads,
snapshot, commands, catalogue, login, audit anchors), so that both ends, the JSON Schema
and the OpenAPI documents are generated from a single reading of it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, Union

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, TypeAdapter

from district.vocabulary import LEVEL_RANK  # noqa: F401 - the wire contract's order of levels

WIRE_VERSION = 1


class WireModel(BaseModel):
    """Base of every boundary model: reject unknown fields, immutable once built."""

    model_config = ConfigDict(extra="forbid", frozen=True)


# --------------------------------------------------------------------------- vocab

WarningLevel = Literal["red", "orange", "yellow", "blue"]
"""预警 红/橙/黄/蓝; red is the most severe (``district.vocabulary.LEVELS``)."""

AlertSource = Literal[
    "hotline_12345",  # 12345 热线
    "app_pingshan",  # i 坪山 / @坪山 app
    "grid_patrol",  # 网格巡查
    "iot_threshold",  # 物联感知阈值告警
    "video_ai",  # 视频 AI 识别
    "early_warning",  # 预警发布 (CAP)
]

AlertStatus = Literal[
    "new",  # 待签收
    "acknowledged",  # 已签收
    "dispatched",  # 已分拨
    "in_progress",  # 处置中
    "resolved",  # 已办结
    "closed",  # 已闭环
]

DeviceKind = Literal[
    "river_level",  # 河道水位
    "waterlogging",  # 内涝积水
    "rain_gauge",  # 雨量
    "slope_displacement",  # 边坡位移
    "air_quality",  # 空气质量 PM2.5/AQI
    "noise",  # 噪声
    "smoke",  # 烟感/火情
    "hydrant_pressure",  # 消火栓水压
    "manhole_cover",  # 井盖
]

DeviceStatus = Literal["online", "offline", "fault"]
CameraStatus = Literal["online", "offline"]
CameraKind = Literal["road", "river", "slope", "park", "forest_fire", "public_building"]

StreetId = Literal["pingshan", "maluan", "biling", "shijing", "kengzi", "longtian"]

# The names of these codes: ``district.vocabulary`` (INCIDENT_TYPES, ALERT_STATUS_ZH, ...).
IncidentType = Literal[
    "typhoon_waterlogging",  # 台风内涝
    "rainstorm_flood",  # 暴雨洪涝
    "slope_failure",  # 边坡地质灾害
    "fire",  # 火灾 (buildings and forest)
    "hazmat_leak",  # 危化品泄漏
    "public_health",  # 公共卫生事件
]
IncidentStatus = Literal["active", "stood_down"]
TaskStatus = Literal["issued", "received", "en_route", "on_scene", "done", "refused"]


class GeoPoint(WireModel):
    """WGS84 / CGCS2000 position (the two agree to well under a metre here)."""

    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)


class Scope(WireModel):
    """Where an envelope belongs in the 1 + 6 + N hierarchy; empty = district-wide."""

    street: str | None = None
    community: str | None = None


# --------------------------------------------------------------------------- payloads


class AlertNote(WireModel):
    """One line of an alert's timeline: a transition or a free-text note."""

    ts: AwareDatetime
    actor: str
    action: str  # create | acknowledge | dispatch | start | resolve | close | note | ...
    text: str = ""
    command_id: str | None = None


class Alert(WireModel):
    """An event in the peacetime closed loop; ``rev`` grows with every change."""

    id: str
    rev: int = Field(ge=0)
    level: WarningLevel
    status: AlertStatus
    source: AlertSource
    category: str  # id from the category catalogue, e.g. "waterlogging"
    title: str
    description: str = ""
    street: str | None = None
    community: str | None = None
    location: GeoPoint | None = None
    device_id: str | None = None
    camera_ids: tuple[str, ...] = ()
    reporter_phone: str | None = None  # masked by the console before display
    created_at: AwareDatetime
    updated_at: AwareDatetime
    assigned_unit: str | None = None
    acknowledged_by: str | None = None
    last_command_id: str | None = None  # echo of the command that made this rev
    timeline: tuple[AlertNote, ...] = ()
    cap: str | None = None  # raw CAP 1.2 XML for early warnings


class Thresholds(WireModel):
    """Alarm thresholds of a device metric (crossing ``alarm`` raises an alert)."""

    warn: float | None = None
    alarm: float | None = None


class Device(WireModel):
    """An IoT sensor of the district's perception network."""

    id: str
    rev: int = Field(ge=0)
    kind: DeviceKind
    name: str
    street: str | None = None
    community: str | None = None
    location: GeoPoint
    status: DeviceStatus
    metric: str  # e.g. "water_level_m", "pm25", "displacement_mm"
    unit: str
    thresholds: Thresholds = Thresholds()
    updated_at: AwareDatetime


class Reading(WireModel):
    device_id: str
    metric: str
    value: float
    ts: AwareDatetime


class ReadingBatch(WireModel):
    readings: tuple[Reading, ...] = Field(min_length=1)


class CameraStreams(WireModel):
    """Stream URLs as a GB/T 28181 media gateway hands them out (RTSP, HLS, HTTP-FLV/TS, MJPEG)."""

    main: str
    sub: str
    low: str | None = None  # optional third stream (small, reduced rate) for large walls


class Camera(WireModel):
    id: str  # 20-digit GB/T 28181 device code
    rev: int = Field(ge=0)
    name: str
    kind: CameraKind
    street: str | None = None
    community: str | None = None
    location: GeoPoint
    status: CameraStatus
    ptz: bool = False
    streams: CameraStreams
    updated_at: AwareDatetime


class IndicatorValue(WireModel):
    indicator_id: str
    value: float
    ts: AwareDatetime
    street: str | None = None  # None = district total


class IndicatorValues(WireModel):
    values: tuple[IndicatorValue, ...] = Field(min_length=1)


class PlanStepState(WireModel):
    """How one plan step of an incident ended: done, or skipped with a reason (optional wire field)."""

    step_id: str
    status: Literal["done", "skipped"]
    at: AwareDatetime
    by: str = ""
    reason: str = ""
    last_command_id: str | None = None


class Incident(WireModel):
    """A wartime incident (战时): response level 1 (Ⅰ, highest) to 4 (Ⅳ)."""

    id: str
    rev: int = Field(ge=0)
    type: IncidentType
    level: int = Field(ge=1, le=4)
    status: IncidentStatus
    title: str
    reason: str = ""
    location: GeoPoint
    radius_m: float = Field(default=1000, gt=0)
    street: str | None = None
    plan_id: str | None = None
    started_at: AwareDatetime
    ended_at: AwareDatetime | None = None
    declared_by: str = ""
    last_command_id: str | None = None
    steps: tuple[PlanStepState, ...] = ()  # plan steps completed or skipped (additive, optional)
    ended_reason: str = ""  # why it was stood down (additive, optional; ``reason`` keeps the declaration's)


class Task(WireModel):
    """An order to a unit under an incident."""

    id: str
    rev: int = Field(ge=0)
    incident_id: str
    unit: str
    instruction: str
    status: TaskStatus
    due: AwareDatetime
    location: GeoPoint | None = None
    note: str = ""
    updated_at: AwareDatetime
    last_command_id: str | None = None
    step_id: str | None = None  # the plan step that ordered it (additive, optional)


class Notice(WireModel):
    id: str
    severity: Literal["info", "warning", "critical"] = "info"
    text: str


class Reset(WireModel):
    reason: str = "cursor too old"


# --------------------------------------------------------------------------- envelopes


class _EnvelopeBase(WireModel):
    v: Literal[1]
    id: str = Field(min_length=1, max_length=64)
    ts: AwareDatetime
    scope: Scope = Scope()


class AlertUpsert(_EnvelopeBase):
    type: Literal["alert.upsert"]
    payload: Alert


class DeviceUpsert(_EnvelopeBase):
    type: Literal["device.upsert"]
    payload: Device


class ReadingBatchEnvelope(_EnvelopeBase):
    type: Literal["reading.batch"]
    payload: ReadingBatch


class CameraUpsert(_EnvelopeBase):
    type: Literal["camera.upsert"]
    payload: Camera


class IndicatorValuesEnvelope(_EnvelopeBase):
    type: Literal["indicator.values"]
    payload: IndicatorValues


class IncidentUpsert(_EnvelopeBase):
    type: Literal["incident.upsert"]
    payload: Incident


class TaskUpsert(_EnvelopeBase):
    type: Literal["task.upsert"]
    payload: Task


class NoticeEnvelope(_EnvelopeBase):
    type: Literal["notice"]
    payload: Notice


class ResetEnvelope(_EnvelopeBase):
    type: Literal["reset"]
    payload: Reset


Envelope = Annotated[
    Union[
        AlertUpsert,
        DeviceUpsert,
        ReadingBatchEnvelope,
        CameraUpsert,
        IndicatorValuesEnvelope,
        IncidentUpsert,
        TaskUpsert,
        NoticeEnvelope,
        ResetEnvelope,
    ],
    Field(discriminator="type"),
]
"""Any stream message; ``type`` selects the payload model."""

ENVELOPE_TYPES: tuple[str, ...] = (
    "alert.upsert",
    "device.upsert",
    "reading.batch",
    "camera.upsert",
    "indicator.values",
    "incident.upsert",
    "task.upsert",
    "notice",
    "reset",
)

envelope_adapter: TypeAdapter[Any] = TypeAdapter(Envelope)

MAX_MESSAGE_BYTES = 1_000_000
"""Largest envelope the console accepts; larger ones go to the dead letters."""


class InvalidEnvelope(ValueError):
    """A stream message that cannot be accepted; ``reason`` is for the dead-letter table."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def parse_envelope(raw: bytes | str) -> Envelope:
    """Validate one raw stream message and return the typed envelope.

    Raises :class:`InvalidEnvelope` with a one-line reason for anything that is
    not a v1 envelope: too large, not UTF-8, not JSON, unknown type, wrong or
    missing fields.
    """
    size = len(raw)
    if size > MAX_MESSAGE_BYTES:
        raise InvalidEnvelope(f"message too large: {size} bytes > {MAX_MESSAGE_BYTES}")
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidEnvelope(f"invalid UTF-8 at byte {exc.start}") from None
    try:
        return envelope_adapter.validate_json(raw)
    except Exception as exc:  # pydantic.ValidationError, or JSON errors inside it
        raise InvalidEnvelope(_one_line(exc)) from None


def _one_line(exc: Exception) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        parts = []
        for err in errors()[:3]:
            loc = ".".join(str(p) for p in err.get("loc", ()))
            parts.append(f"{loc or '<root>'}: {err.get('msg', '')}")
        return "; ".join(parts)[:500]
    return str(exc).splitlines()[0][:500] if str(exc) else type(exc).__name__


# --------------------------------------------------------------------------- snapshot


class IndicatorSnapshot(WireModel):
    values: tuple[IndicatorValue, ...] = ()


class Unit(WireModel):
    """A unit orders and dispatches go to: district department, street, community, team."""

    id: str
    name: str
    level: Literal["district", "street", "community", "team"]
    parent: str | None = None
    categories: tuple[str, ...] = ()  # alert categories it may receive; empty = any


class NodeState(WireModel):
    """A street sub-centre's node and its link to the district centre (absent from the hub's snapshots).

    ``cut``: the street decides on its own (与区中心断开 — 本街道自主处置); what needs the
    district is refused until the link is back. Live changes come as ``notice`` envelopes
    with ids ``link-down-…`` / ``link-up-…``.
    """

    street: str
    district_link: Literal["linked", "cut"]
    since: AwareDatetime


class Snapshot(WireModel):
    """``GET /api/v1/snapshot``: the whole current state plus the stream cursor."""

    v: Literal[1] = 1
    cursor: str  # envelope id to resume the stream after
    generated_at: AwareDatetime
    scope: Scope = Scope()
    alerts: tuple[Alert, ...] = ()
    devices: tuple[Device, ...] = ()
    cameras: tuple[Camera, ...] = ()
    indicators: tuple[IndicatorValue, ...] = ()
    incidents: tuple[Incident, ...] = ()
    tasks: tuple[Task, ...] = ()
    units: tuple[Unit, ...] = ()
    node: NodeState | None = None  # set by a street sub-centre's gateway
    next: str | None = None
    """Only in a paged snapshot (the client asked with ``page_size``): the token of the page
    with the next devices and cameras (:class:`SnapshotPage`); absent on the last page and
    whenever the client did not ask for pages."""


class SnapshotPage(WireModel):
    """``GET /api/v1/snapshot?page=TOKEN``: the next devices and cameras of a paged snapshot.

    Pages go through the devices, then the cameras, in the gateway's order. A page may be
    newer than the first page's ``cursor``: the stream resumed from that cursor replays the
    changes, and the newest ``rev`` wins.
    """

    v: Literal[1] = 1
    devices: tuple[Device, ...] = ()
    cameras: tuple[Camera, ...] = ()
    next: str | None = None  # the token of the following page; absent on the last page


# --------------------------------------------------------------------------- commands

CommandKind = Literal[
    "alert.acknowledge",
    "alert.dispatch",
    "alert.start",
    "alert.resolve",
    "alert.close",
    "alert.reopen",
    "alert.escalate",
    "alert.urge",
    "alert.merge",
    "alert.note",
    "alert.reveal_phone",
    "camera.ptz",
    "incident.declare",
    "incident.stand_down",
    "incident.step",
    "task.issue",
    "task.update",
    "duty.handover",
    "duty.acknowledge",
    "duty.checkin_start",
    "duty.checkin_answer",
    "duty.assign",
]


class Command(WireModel):
    """``POST /api/v1/commands`` body; ``id`` doubles as the Idempotency-Key."""

    id: str = Field(min_length=8, max_length=64)
    kind: CommandKind
    target_id: str
    expected_rev: int | None = None
    operator: str = ""  # informational only: servers take the actor from the caller's token
    issued_at: AwareDatetime
    args: dict[str, Any] = {}


class CommandAccepted(WireModel):
    command_id: str
    status: Literal["accepted"] = "accepted"
    target_id: str
    rev: int | None = None  # revision the change produced
    revealed: str | None = None  # alert.reveal_phone: the reporter's whole number (audited in the timeline)


class ErrorDetail(WireModel):
    """Any other refusal (401, 403, 404, 409, 422, 429, 503 outside commands, and 401 on them):
    ``detail`` is a plain-Chinese reason for the operator."""

    detail: str


class CommandRefused(WireModel):
    """403 / 409 / 422 body: a machine code and a plain-Chinese reason for the operator."""

    command_id: str | None = None
    error: Literal["forbidden", "stale_rev", "invalid", "not_found", "district_unreachable"]
    reason: str


# --------------------------------------------------------------------------- duty roster (值班值守)

ShiftStatus = Literal["upcoming", "on_duty", "handed_over", "done", "overdue"]
CheckInOutcome = Literal["pending", "answered", "late", "missed"]


class DutyCentre(WireModel):
    """One centre of the 1+6+N system: the district centre, a street sub-centre, a departmental centre."""

    id: str
    name: str
    kind: Literal["district", "street", "department"]
    street: str | None = None


class DutyShift(WireModel):
    """One officer's shift at one seat of one centre, with its handover (交接班) when made.

    ``status`` is decided by the server at ``Roster.generated_at``: ``overdue`` = the shift
    ended and nobody handed it over (amber in the console); ``handed_over`` = handed over,
    waiting for the incoming officer's acknowledgement; ``done`` = acknowledged.
    """

    id: str
    centre: str
    seat: str
    officer: str
    username: str
    phone: str
    sip: str
    start: AwareDatetime
    end: AwareDatetime
    status: ShiftStatus
    handed_over_by: str | None = None
    handed_over_by_user: str | None = None
    handed_over_at: AwareDatetime | None = None
    report: str = ""
    acknowledged_by: str | None = None
    acknowledged_by_user: str | None = None
    acknowledged_at: AwareDatetime | None = None
    rev: int = 0


class DutyCheckIn(WireModel):
    """One 查岗: the centre calls a sub-centre, which must answer by ``due_at``
    (``late`` until ``missed_at``, ``missed`` after)."""

    id: str
    centre: str
    started_by: str
    started_at: AwareDatetime
    due_at: AwareDatetime
    missed_at: AwareDatetime
    answered_by: str | None = None
    answered_at: AwareDatetime | None = None
    outcome: CheckInOutcome


class Roster(WireModel):
    """``GET /api/v1/roster``: today's duty (district day) per centre, and today's check-ins."""

    generated_at: AwareDatetime
    day: str
    centres: tuple[DutyCentre, ...]
    shifts: tuple[DutyShift, ...]
    checkins: tuple[DutyCheckIn, ...] = ()


# --------------------------------------------------------------------------- catalogue endpoints


class LayerInfo(WireModel):
    id: str
    name: str
    category: str
    geometry: Literal["polygon", "line", "point"]
    feature_count: int = 0


class LayerList(WireModel):
    layers: tuple[LayerInfo, ...]


class PlanStep(WireModel):
    id: str
    title: str
    owner: str
    due_minutes: int = Field(ge=0)
    needs: str = ""
    issues_task: bool = False
    at_incident_street: bool = False  # the owner is the street where the incident is (additive, optional)


class Plan(WireModel):
    id: str
    name: str
    incident_type: IncidentType
    steps: tuple[PlanStep, ...]


class PlanList(WireModel):
    plans: tuple[Plan, ...]


class TokenResponse(WireModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int
    role: Literal["viewer", "operator", "supervisor", "administrator"]
    scope: str = "district"
    # Additive (issue 10): a refresh grant, and the user's display name for the header.
    refresh_token: str | None = None
    refresh_expires_in: int | None = None
    name: str | None = None


# --------------------------------------------------------------------------- audit anchors

AuditHash = Annotated[str, Field(pattern="^[0-9a-f]{64}$", description="SM3 或 SHA-256 十六进制摘要")]


class AuditAnchor(WireModel):
    """``POST /api/v1/audit/anchors`` body: the head of a console's audit chain.

    ``seat`` may be left out (the caller's seat); given, it must be the caller's own."""

    seq: int = Field(ge=1, description="审计链末条记录的序号")
    hash: AuditHash
    seat: str | None = Field(None, max_length=128, description="席位（登录用户名）；缺省为调用者本人")


class AnchoredHead(WireModel):
    """One anchored head as the server keeps it; ``received_at`` is the server's clock."""

    seat: str
    seq: int = Field(ge=1)
    hash: AuditHash
    received_at: AwareDatetime


class AnchorList(WireModel):
    """``GET /api/v1/audit/anchors``: a seat's anchored heads, oldest first."""

    seat: str
    anchors: tuple[AnchoredHead, ...]


def wire_models() -> dict[str, Any]:
    """Every published model by name, for schema generation."""
    return {
        "Envelope": Envelope,
        "Snapshot": Snapshot,
        "SnapshotPage": SnapshotPage,
        "Command": Command,
        "CommandAccepted": CommandAccepted,
        "CommandRefused": CommandRefused,
        "ErrorDetail": ErrorDetail,
        "LayerList": LayerList,
        "PlanList": PlanList,
        "TokenResponse": TokenResponse,
        "AuditAnchor": AuditAnchor,
        "AnchoredHead": AnchoredHead,
        "AnchorList": AnchorList,
    }


def now_utc() -> datetime:
    from datetime import timezone

    return datetime.now(timezone.utc)

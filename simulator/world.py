"""The simulated district: devices, cameras, alerts, incidents and their life cycle.

``District`` owns the feed's state and its event log.  Every change becomes one
envelope: it is persisted (``FeedStore.append``) and only then handed to the
``Hub`` for live subscribers.  A seeded ``random.Random`` per concern drives every
choice (so the same seed yields the same backlog and the same alert sequence);
timing is the wall clock (plus the ``/_sim/clock`` offset).
"""

from __future__ import annotations

import asyncio
import math
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable
from xml.sax.saxutils import escape

from pydantic import BaseModel

from console.models import (
    Alert,
    AlertNote,
    AlertUpsert,
    Camera,
    CameraStreams,
    CameraUpsert,
    Command,
    CommandAccepted,
    CommandRefused,
    Device,
    DeviceUpsert,
    GeoPoint,
    Incident,
    IncidentUpsert,
    IndicatorValue,
    IndicatorValues,
    IndicatorValuesEnvelope,
    PlanStepState,
    Reading,
    ReadingBatch,
    ReadingBatchEnvelope,
    Reset,
    ResetEnvelope,
    Scope,
    Snapshot,
    Task,
    TaskUpsert,
    Thresholds,
    Unit,
)
from simulator import geo
from simulator.store import FeedStore

TZ = timezone(timedelta(hours=8))  # Asia/Shanghai, no DST

STATUS_ZH = {
    "new": "待签收",
    "acknowledged": "已签收",
    "dispatched": "已分拨",
    "in_progress": "处置中",
    "resolved": "已办结",
    "closed": "已闭环",
}
LEVEL_UP = {"blue": "yellow", "yellow": "orange", "orange": "red"}
LEVEL_ZH = {"red": "红色", "orange": "橙色", "yellow": "黄色", "blue": "蓝色"}
OPEN_STATUSES = ("new", "acknowledged", "dispatched", "in_progress")

# kind → (Chinese name, metric, unit, baseline, noise, warn, alarm, direction, category, weight)
DEVICE_KINDS: dict[str, tuple[str, str, str, float, float, float, float, str, str, int]] = {
    "river_level": ("河道水位", "water_level_m", "m", 2.0, 0.05, 3.5, 4.2, "higher", "river_level", 30),
    "waterlogging": ("内涝积水", "water_depth_cm", "cm", 1.0, 0.6, 15.0, 27.0, "higher", "waterlogging", 50),
    "rain_gauge": ("雨量", "rain_mm_1h", "mm", 2.0, 1.0, 30.0, 50.0, "higher", "waterlogging", 25),
    "slope_displacement": ("边坡位移", "displacement_mm", "mm", 5.0, 0.3, 20.0, 40.0, "higher", "slope", 40),
    "air_quality": ("空气质量", "pm25", "µg/m³", 18.0, 2.0, 75.0, 115.0, "higher", "air_quality", 30),
    "noise": ("噪声", "noise_db", "dB(A)", 55.0, 2.5, 65.0, 75.0, "higher", "noise", 30),
    "smoke": ("烟感", "smoke_obscuration", "%obs/m", 0.3, 0.1, 5.0, 10.0, "higher", "smoke", 45),
    "hydrant_pressure": ("消火栓水压", "pressure_mpa", "MPa", 0.35, 0.01, 0.15, 0.10, "lower", "hydrant", 30),
    "manhole_cover": ("井盖", "tilt_deg", "°", 0.5, 0.2, 5.0, 15.0, "higher", "manhole", 30),
}

CAMERA_KINDS = ("road", "river", "slope", "park", "forest_fire", "public_building")
CAMERA_SPOTS = {
    "road": ["{road}与{road2}交叉口", "{road}公交站", "{road}人行天桥"],
    "river": ["坪山河桥下", "龙岗河截污闸", "汤坑水河口", "坪山河碧岭段堤岸"],
    "slope": ["高边坡监测点", "山体护坡", "在建工地边坡"],
    "park": ["社区公园入口", "文体广场", "郊野公园步道"],
    "forest_fire": ["马峦山林区瞭望点", "森林防火通道", "聚龙山林地"],
    "public_building": ["社区党群服务中心", "学校门口", "地铁站出入口"],
}

SOURCE_WEIGHTS = {
    "hotline_12345": 34,
    "app_pingshan": 20,
    "grid_patrol": 26,
    "video_ai": 15,
    "iot_threshold": 3,
    "early_warning": 2,
}

# category → title templates (title, description); fields: road, cm, st, n
TEMPLATES: dict[str, list[tuple[str, str]]] = {
    "waterlogging": [("{road}{cm}段路面积水", "{road}靠近{cm}社区路段积水约{n}厘米，车辆通行缓慢，请尽快处置。"),
                     ("{cm}社区地下车库入口积水", "{cm}社区地下车库入口积水，约{n}厘米，有车辆被困风险。")],
    "river_level": [("坪山河{cm}段水位超警戒", "坪山河{cm}社区段水位接近警戒线，请加强巡堤。")],
    "slope": [("{cm}社区边坡出现裂缝", "网格员巡查发现{cm}社区后山边坡出现长约{n}米裂缝，有落石。")],
    "fire": [("{cm}社区厂房冒烟起火", "群众报警：{road}附近{cm}社区一厂房冒出浓烟，疑似起火。"),
             ("{cm}山林发现烟点", "视频识别{cm}社区周边山林出现烟点，疑似山火。")],
    "smoke": [("{cm}社区住宅烟感报警", "{cm}社区某住宅楼烟感探测器报警，请核实。")],
    "air_quality": [("{cm}社区空气质量超标", "{cm}社区微站 PM2.5 浓度超标，疑似周边工地扬尘。")],
    "noise": [("{road}夜间施工噪声扰民", "居民反映{road}{cm}社区段工地夜间施工，噪声扰民。"),
              ("{cm}社区商铺音响噪声", "{cm}社区商铺外放音响声音过大，影响居民休息。")],
    "manhole": [("{road}井盖缺失", "{road}{cm}社区段一处井盖缺失，存在安全隐患。"),
                ("{road}井盖松动异响", "{road}靠近{cm}社区井盖松动，车辆经过有异响。")],
    "hydrant": [("{cm}社区消火栓水压不足", "{cm}社区市政消火栓水压低于规定值。")],
    "illegal_construction": [("{cm}社区疑似违建", "{cm}社区村民楼顶疑似加建钢结构房，约{n}平方米。")],
    "road_damage": [("{road}路面坑洼", "{road}{cm}社区段路面出现坑洼，直径约{n}0 厘米。"),
                    ("{road}人行道破损", "{road}人行道砖块破损翘起，行人易绊倒。")],
    "garbage": [("{cm}社区垃圾堆放", "{cm}社区{road}旁有建筑垃圾和生活垃圾堆放，气味明显。")],
    "illegal_parking": [("{road}违章停车", "{road}{cm}社区段车辆违停占用消防通道。")],
    "street_vendor": [("{road}占道经营", "{road}{cm}社区段流动摊贩占道经营，影响通行。")],
    "crowd": [("{cm}社区人员聚集", "视频识别{cm}社区{road}附近人员聚集约{n}0 人。")],
    "hazmat": [("{cm}社区疑似化学品气味", "群众反映{cm}社区工业区有刺激性气味，疑似危化品泄漏。")],
    "public_security": [("{cm}社区治安纠纷", "{cm}社区{road}附近发生纠纷，请派员处置。")],
    "environment_complaint": [("{cm}社区餐饮油烟扰民", "居民投诉{cm}社区餐饮店油烟直排。")],
    "water_pollution": [("坪山河{cm}段水体发黑", "巡查发现坪山河{cm}社区段水体发黑发臭，疑似偷排。")],
    "construction_dust": [("{road}工地扬尘", "视频识别{road}{cm}社区段工地未覆盖裸土，扬尘明显。")],
    "early_warning": [("坪山区暴雨{lv}预警", "深圳市气象台发布暴雨{lv}预警信号，坪山区未来 3 小时降雨量将达 50 毫米以上。"),
                      ("坪山区台风{lv}预警", "台风影响坪山区，阵风 8–10 级，请做好防御。")],
}
ROAD_NAMES = [name for _, name, _ in geo.ROADS] + ["锦龙大道", "比亚迪路", "青松路", "兰竹路", "新和路", "碧沙路",
                                                  "坪环路", "振环路", "汤坑路", "秀沙路", "龙勤路", "同富路"]

DEMO_USERS = {
    "duty": ("duty", "operator", "值班员"),
    "viewer": ("viewer", "viewer", "只读席位"),
    "chief": ("chief", "supervisor", "值班长"),
    "admin": ("admin", "administrator", "系统管理员"),
}


@dataclass
class FeedConfig:
    """How the feed runs: seed, rates, where it persists and how it is reached."""

    seed: int = 1
    alerts_per_s: float = 0.5
    readings_per_s: float = 20.0
    data_dir: Path = field(default_factory=lambda: Path("."))
    public_url: str = "http://127.0.0.1:8765"
    backlog: int = 150
    retention: int = 100_000  # events kept resumable by Last-Event-ID
    keepalive_s: float = 10.0  # SSE comment when nothing else was sent for this long
    archive_after_h: float = 48.0  # closed alerts older than this leave the live state


class Subscriber:
    """One live SSE client: a bounded queue; overflow drops the client (it resumes by id)."""

    MAX_BYTES = 8 * 1024 * 1024

    def __init__(self, street: str | None, topics: tuple[str, ...], maxsize: int = 5000) -> None:
        self.street = street
        self.topics = topics
        self.queue: asyncio.Queue[tuple[int, str, bytes]] = asyncio.Queue(maxsize=maxsize)
        self.queued_bytes = 0  # bounded too: a few huge events must not pile up either
        self.dropped = False

    def take(self, item: tuple[int, str, bytes]) -> tuple[int, str, bytes]:
        """Account for an item the stream has taken off the queue."""
        self.queued_bytes -= len(item[2])
        return item

    def wants(self, etype: str, street: str | None) -> bool:
        """Whether this client's scope and topics select an event."""
        if etype == "reset":
            return True
        if self.street is not None and street is not None and street != self.street:
            return False
        if not self.topics:
            return True
        family = etype.split(".")[0]
        return etype in self.topics or family in self.topics


class Hub:
    """Fan-out of persisted events to live subscribers, never blocking the producer."""

    def __init__(self) -> None:
        self.subscribers: set[Subscriber] = set()
        self.dropped_total = 0

    def publish(self, eid: int, etype: str, street: str | None, body: bytes) -> None:
        for sub in list(self.subscribers):
            if sub.dropped or not sub.wants(etype, street):
                continue
            try:
                if sub.queued_bytes + len(body) > sub.MAX_BYTES:
                    raise asyncio.QueueFull
                sub.queue.put_nowait((eid, etype, body))
                sub.queued_bytes += len(body)
            except asyncio.QueueFull:
                # A slow consumer must not grow memory: cut it loose; it resumes from the log.
                sub.dropped = True
                self.dropped_total += 1
                self.subscribers.discard(sub)


_Item = tuple[str, BaseModel, "str | None", "str | None", "str | None"]
"""(envelope type, payload, street, community, state kind or None) of one envelope to emit."""
_Outcome = tuple[str, int, list[_Item]]
"""(target id, new rev, envelopes) of an accepted command."""


class CommandError(Exception):
    """A refused command: HTTP status plus the wire refusal."""

    def __init__(self, status: int, error: str, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.error = error
        self.reason = reason


def _dump(model: BaseModel) -> str:
    return model.model_dump_json()


class District:
    """The whole simulated district and its persisted event log."""

    def __init__(self, config: FeedConfig) -> None:
        self.config = config
        self.store = FeedStore(Path(config.data_dir), config.retention)
        self.hub = Hub()
        seed = config.seed
        self.rng_world = random.Random(f"{seed}:world")
        self.rng_alerts = random.Random(f"{seed}:alerts")
        self.rng_readings = random.Random(f"{seed}:readings")
        self.rng_status = random.Random(f"{seed}:status")
        self.rng_ind = random.Random(f"{seed}:indicators")

        self.streets_cat = geo.load_catalogue("streets.json")["streets"]
        self.categories = {c["id"]: c for c in geo.load_catalogue("categories.json")["categories"]}
        self.indicator_cat = geo.load_catalogue("indicators.json")["indicators"]
        self.units = [Unit(**u) for u in geo.load_catalogue("units.json")["units"]]
        self.unit_by_id = {u.id: u for u in self.units}
        self.unit_names = {u.id: u.name for u in self.units}
        self.community_street = {c["id"]: s["id"] for s in self.streets_cat for c in s["communities"]}
        self.community_name = {c["id"]: c["name_zh"] for s in self.streets_cat for c in s["communities"]}
        self.street_name = {s["id"]: s["name_zh"] for s in self.streets_cat}

        self.alerts: dict[str, Alert] = {}
        self.devices: dict[str, Device] = {}
        self.cameras: dict[str, Camera] = {}
        self.incidents: dict[str, Incident] = {}
        self.tasks: dict[str, Task] = {}
        self.indicator_latest: dict[tuple[str, str | None], IndicatorValue] = {}
        self.values: dict[str, float] = {}
        self.ptz: dict[str, dict[str, float]] = {}
        self.camera_modes: dict[str, str] = {}
        self.fault_mode = "ok"
        self.drip_bytes_per_s = 1.0  # /_sim/fault mode "drip"
        self.paused = False  # /_sim/pause: no generated traffic while set
        self.clock_offset_s = 0.0
        self.tokens: dict[str, tuple[str, str, str]] = {}
        self.video_encode_s: dict[str, float] = {}
        self._burst: list[tuple[float, float]] = []  # (remaining alerts, per-second rate)
        self._alert_carry = 0.0
        self._reading_carry = 0.0
        self._ind_drift: dict[str, float] = {}
        self._alarmed: set[str] = set()
        self.counts = {"alerts_created": 0, "readings": 0, "commands": 0, "injected": 0}

        self.head = self.store.head()
        self._alert_seq = int(self.store.get_meta("alert_seq", 0))  # type: ignore[arg-type]
        self._incident_seq = int(self.store.get_meta("incident_seq", 0))  # type: ignore[arg-type]
        self._task_seq = int(self.store.get_meta("task_seq", 0))  # type: ignore[arg-type]
        if self.head == 0:
            self._create_world()
        else:
            self._load_world()
        for d in self.devices.values():
            meta = DEVICE_KINDS[d.kind]
            self.values[d.id] = meta[3]
        self.compute_indicators(emit=False)

    # ------------------------------------------------------------------ clock

    def now(self) -> datetime:
        """Simulated wall clock in Asia/Shanghai (wall clock + /_sim/clock offset)."""
        return datetime.now(TZ) + timedelta(seconds=self.clock_offset_s)

    # ------------------------------------------------------------------ emission

    def emit(self, items: list[_Item], idempotent: tuple[str, int, str] | None = None) -> list[int]:
        """Persist and publish envelopes.

        Each item is (type, payload, street, community, state kind or None).  All of
        them are written in one transaction before any is published.
        """
        ts = self.now()
        events: list[tuple[int, str, str | None, bytes]] = []
        states: list[tuple[str, str, str]] = []
        for etype, payload, street, community, kind in items:
            self.head += 1
            env_cls = _ENVELOPES[etype]
            env = env_cls(v=1, id=str(self.head), ts=ts, type=etype,
                          scope=Scope(street=street, community=community), payload=payload)
            body = env.model_dump_json().encode("utf-8")
            events.append((self.head, etype, street, body))
            if kind is not None:
                states.append((kind, getattr(payload, "id"), _dump(payload)))
        self.store.append(events, states, idempotent)
        for eid, etype, street, body in events:
            self.hub.publish(eid, etype, street, body)
        return [e[0] for e in events]

    def inject(self, raw: bytes) -> int:
        """Emit raw bytes verbatim as one event's data with the next id (persisted)."""
        self.head += 1
        self.store.append([(self.head, "inject", None, raw)], [])
        self.hub.publish(self.head, "inject", None, raw)
        self.counts["injected"] += 1
        return self.head

    def inject_many(self, raws: list[bytes], stamp_id: bool = False) -> list[int]:
        """Emit many raw messages as consecutive events in one transaction (fuzz floods).

        With ``stamp_id`` the bytes ``__ID__`` in each message are replaced by the id it
        gets, so a well-formed envelope passes the console's id check.
        """
        events: list[tuple[int, str, str | None, bytes]] = []
        for raw in raws:
            self.head += 1
            body = raw.replace(b"__ID__", str(self.head).encode()) if stamp_id else raw
            events.append((self.head, "inject", None, body))
        if events:
            self.store.append(events, [])
        for eid, etype, street, body in events:
            self.hub.publish(eid, etype, street, body)
        self.counts["injected"] += len(events)
        return [e[0] for e in events]

    def reset_envelope(self, reason: str) -> bytes:
        """A reset envelope carrying the current head as its id (resume point after re-snapshot)."""
        env = ResetEnvelope(v=1, id=str(max(self.head, 1)), ts=self.now(), type="reset", payload=Reset(reason=reason))
        return env.model_dump_json().encode("utf-8")

    def _save_seq(self) -> None:
        self.store.put_meta("alert_seq", self._alert_seq)
        self.store.put_meta("incident_seq", self._incident_seq)
        self.store.put_meta("task_seq", self._task_seq)

    # ------------------------------------------------------------------ world creation

    def _random_point_in(self, community: str, rng: random.Random) -> GeoPoint:
        ring = [tuple(p) for p in geo.community_ring(community)]
        xs = [p[0] for p in ring]
        ys = [p[1] for p in ring]
        for _ in range(200):
            p = (rng.uniform(min(xs), max(xs)), rng.uniform(min(ys), max(ys)))
            if geo.point_in_ring(p, ring):  # type: ignore[arg-type]
                return GeoPoint(lon=round(p[0], 6), lat=round(p[1], 6))
        cx, cy = sum(xs) / len(xs), sum(ys) / len(ys)
        return GeoPoint(lon=round(cx, 6), lat=round(cy, 6))

    def _community_of(self, lon: float, lat: float) -> str | None:
        for cid in self.community_street:
            if geo.point_in_ring((lon, lat), [tuple(p) for p in geo.community_ring(cid)]):  # type: ignore[misc]
                return cid
        return None

    def _create_world(self) -> None:
        rng = self.rng_world
        now = self.now()
        communities = list(self.community_street)
        devices: list[Device] = []
        n = 0
        for kind, meta in DEVICE_KINDS.items():
            name_zh, metric, unit, base, _noise, warn, alarm, _dir, _cat, weight = meta
            for k in range(weight):
                n += 1
                if kind == "river_level":
                    # River gauges sit on the rivers.
                    _, rname, pts = geo.RIVERS[k % 2]
                    i = rng.randrange(len(pts) - 1)
                    t = rng.random()
                    lon = pts[i][0] + t * (pts[i + 1][0] - pts[i][0])
                    lat = pts[i][1] + t * (pts[i + 1][1] - pts[i][1])
                    cm = self._community_of(lon, lat) or rng.choice(communities)
                    loc = GeoPoint(lon=round(lon, 6), lat=round(lat, 6))
                    label = f"{rname}{self.community_name[cm]}段"
                else:
                    cm = rng.choice(communities)
                    loc = self._random_point_in(cm, rng)
                    label = f"{self.community_name[cm]}社区"
                st = self.community_street[cm]
                status = rng.choices(["online", "offline", "fault"], [96, 3, 1])[0]
                devices.append(Device(
                    id=f"{kind}-{k + 1:03d}", rev=1, kind=kind,  # type: ignore[arg-type]
                    name=f"{self.street_name[st]}街道{label}{name_zh}监测点{k + 1}号",
                    street=st, community=cm, location=loc, status=status,  # type: ignore[arg-type]
                    metric=metric, unit=unit, thresholds=Thresholds(warn=warn, alarm=alarm), updated_at=now,
                ))
        cameras: list[Camera] = []
        for k in range(36):
            kind = CAMERA_KINDS[k % len(CAMERA_KINDS)]
            cm = communities[(k * 7) % len(communities)]
            st = self.community_street[cm]
            spot = rng.choice(CAMERA_SPOTS[kind]).format(road=rng.choice(ROAD_NAMES), road2=rng.choice(ROAD_NAMES))
            code = f"44031000001320{k + 1:06d}"  # 440310 Pingshan, 00 grassroots, 00 industry, 132 IPC, 0 network
            cameras.append(Camera(
                id=code, rev=1, name=f"{self.street_name[st]}街道{self.community_name[cm]}社区-{spot}",
                kind=kind, street=st, community=cm, location=self._random_point_in(cm, rng),  # type: ignore[arg-type]
                status="online" if rng.random() > 0.05 else "offline", ptz=kind in ("road", "river", "forest_fire"),
                streams=self._streams(code), updated_at=now,
            ))
        for d in devices:
            self.devices[d.id] = d
        for c in cameras:
            self.cameras[c.id] = c
        backlog = [self._backlog_alert(now) for _ in range(self.config.backlog)]
        items: list[_Item] = []
        items += [("device.upsert", d, d.street, d.community, "device") for d in devices]
        items += [("camera.upsert", c, c.street, c.community, "camera") for c in cameras]
        items += [("alert.upsert", a, a.street, a.community, "alert") for a in backlog]
        for a in backlog:
            self.alerts[a.id] = a
        self._save_seq()
        self.emit(items)

    def _streams(self, code: str) -> CameraStreams:
        base = self.config.public_url.rstrip("/")
        return CameraStreams(main=f"{base}/video/{code}/main.ts", sub=f"{base}/video/{code}/sub.ts",
                             low=f"{base}/video/{code}/low.ts")

    def _load_world(self) -> None:
        for body in self.store.state("alert"):
            a = Alert.model_validate_json(body)
            self.alerts[a.id] = a
        for body in self.store.state("device"):
            d = Device.model_validate_json(body)
            self.devices[d.id] = d
        for body in self.store.state("camera"):
            c = Camera.model_validate_json(body)
            # The public URL may differ between runs; streams follow the current one.
            self.cameras[c.id] = c.model_copy(update={"streams": self._streams(c.id)})
        for body in self.store.state("incident"):
            i = Incident.model_validate_json(body)
            self.incidents[i.id] = i
        for body in self.store.state("task"):
            t = Task.model_validate_json(body)
            self.tasks[t.id] = t
        # Advance the generators past what the previous run consumed, deterministically.
        self.rng_alerts = random.Random(f"{self.config.seed}:alerts:{self._alert_seq}")

    # ------------------------------------------------------------------ alerts

    def _next_alert_id(self) -> str:
        self._alert_seq += 1
        self.store.put_meta("alert_seq", self._alert_seq)
        return f"PS{self._alert_seq:07d}"

    def _pick_level(self, rng: random.Random) -> str:
        return rng.choices(["blue", "yellow", "orange", "red"], [55, 30, 12, 3])[0]

    def _near_cameras(self, loc: GeoPoint, limit: int = 2, within_deg: float = 0.015) -> tuple[str, ...]:
        dist = sorted((math.hypot(c.location.lon - loc.lon, c.location.lat - loc.lat), c.id) for c in self.cameras.values())
        return tuple(cid for d, cid in dist[:limit] if d <= within_deg)

    def _new_alert(self, rng: random.Random, created: datetime, source: str | None = None,
                   category: str | None = None, device: Device | None = None) -> Alert:
        if source is None:
            source = rng.choices(list(SOURCE_WEIGHTS), list(SOURCE_WEIGHTS.values()))[0]
        if device is None and source == "iot_threshold":
            device = rng.choice(sorted(self.devices.values(), key=lambda d: d.id))
        if device is not None:
            category = DEVICE_KINDS[device.kind][8]
        if category is None:
            choices = sorted(c for c, v in self.categories.items() if source in v["sources"])
            category = rng.choice(choices)
        if device is not None:
            cm = device.community or rng.choice(sorted(self.community_street))
            loc = device.location
        else:
            cm = rng.choice(sorted(self.community_street))
            loc = self._random_point_in(cm, rng)
        st = self.community_street[cm]
        level = self._pick_level(rng)
        fields = {"road": rng.choice(ROAD_NAMES), "cm": self.community_name[cm], "st": self.street_name[st],
                  "n": rng.randint(2, 40), "lv": LEVEL_ZH[level]}
        title_t, desc_t = rng.choice(TEMPLATES[category])
        title, desc = title_t.format(**fields), desc_t.format(**fields)
        if device is not None:
            meta = DEVICE_KINDS[device.kind]
            value = self.values.get(device.id, meta[6])
            title = f"{device.name}{meta[0]}超阈值"
            desc = f"{device.name}监测值 {value:.2f}{meta[2]}，报警阈值 {meta[6]}{meta[2]}。"
        phone = None
        if source in ("hotline_12345", "app_pingshan"):
            phone = "1" + rng.choice("3589") + "".join(rng.choice("0123456789") for _ in range(9))
        cams = self._near_cameras(loc)
        if source == "video_ai" and not cams:
            cams = self._near_cameras(loc, 1, 1.0)
        cap = None
        if source == "early_warning":
            st = None  # district-wide warning
            cm = None
            cap = _cap_xml(self._alert_seq + 1, title, desc, level, created)
        aid = self._next_alert_id()
        actor = {"hotline_12345": "12345 热线", "app_pingshan": "i 坪山", "grid_patrol": "网格员",
                 "iot_threshold": "物联感知平台", "video_ai": "视频 AI 平台", "early_warning": "深圳市气象台"}[source]
        return Alert(
            id=aid, rev=1, level=level, status="new", source=source, category=category,  # type: ignore[arg-type]
            title=title, description=desc, street=st, community=cm, location=loc,
            device_id=device.id if device else None, camera_ids=cams, reporter_phone=phone,
            created_at=created, updated_at=created,
            timeline=(AlertNote(ts=created, actor=actor, action="create", text="事件上报"),), cap=cap,
        )

    def _backlog_alert(self, now: datetime) -> Alert:
        rng = self.rng_alerts
        created = now - timedelta(minutes=rng.uniform(1, 36 * 60))
        a = self._new_alert(rng, created)
        cat = self.categories[a.category]
        t = created
        stall = rng.random() < 0.12
        steps = [("acknowledge", "acknowledged", rng.uniform(2, 1.3 * cat["ack_limit_min"])),
                 ("dispatch", "dispatched", rng.uniform(3, 30)),
                 ("start", "in_progress", rng.uniform(5, 60)),
                 ("resolve", "resolved", rng.uniform(30, 0.3 * cat["resolve_limit_min"])),
                 ("close", "closed", rng.uniform(20, 240))]
        stop_at = rng.randrange(len(steps)) if stall else len(steps)
        unit = self._default_unit(a, rng)
        for n, (action, status, delay) in enumerate(steps):
            if n >= stop_at:
                break
            t = t + timedelta(minutes=delay)
            if t >= now:
                break
            actor = "区指挥中心值班员" if action in ("acknowledge", "dispatch", "close") else self.unit_names[unit]
            update: dict[str, Any] = {"status": status, "rev": a.rev + 1, "updated_at": t}
            text = {"acknowledge": "已签收", "dispatch": f"分拨至{self.unit_names[unit]}", "start": "已到场处置",
                    "resolve": "处置完毕：已现场处理", "close": "回访满意，闭环"}[action]
            if action == "acknowledge":
                update["acknowledged_by"] = actor
            if action == "dispatch":
                update["assigned_unit"] = unit
            update["timeline"] = a.timeline + (AlertNote(ts=t, actor=actor, action=action, text=text),)
            a = a.model_copy(update=update)
        return a

    def _default_unit(self, a: Alert, rng: random.Random) -> str:
        choices = list(self.categories[a.category]["units"])
        if a.street:
            choices.append(f"street.{a.street}")
        return rng.choice(choices)

    def generate_alert(self, source: str | None = None, device: Device | None = None) -> Alert:
        """Create and emit one new alert."""
        a = self._new_alert(self.rng_alerts if device is None else self.rng_readings, self.now(),
                            source=source, device=device)
        self.alerts[a.id] = a
        self.counts["alerts_created"] += 1
        self.emit([("alert.upsert", a, a.street, a.community, "alert")])
        return a

    def add_burst(self, alerts: int, over_s: float) -> None:
        """Queue a storm of ``alerts`` new alerts spread over ``over_s`` seconds."""
        if over_s <= 0:
            for _ in range(alerts):
                self.generate_alert()
            return
        self._burst.append((float(alerts), alerts / over_s))

    # ------------------------------------------------------------------ periodic work

    def tick(self, dt: float) -> None:
        """Advance the district by ``dt`` seconds of wall time."""
        self._alert_carry += self.config.alerts_per_s * dt
        burst_due = 0.0
        remaining = []
        for left, rate in self._burst:
            take = min(left, rate * dt)
            burst_due += take
            if left - take > 1e-9:
                remaining.append((left - take, rate))
        self._burst = remaining
        self._alert_carry += burst_due
        while self._alert_carry >= 1.0:
            self._alert_carry -= 1.0
            self.generate_alert()
        self._reading_carry += self.config.readings_per_s * dt
        count = int(self._reading_carry)
        if count:
            self._reading_carry -= count
            self._readings(count)
        if self.rng_status.random() < 0.02 * dt * 2:
            self._status_change()

    def _readings(self, count: int) -> None:
        rng = self.rng_readings
        online = [d for d in self.devices.values() if d.status == "online"]
        if not online:
            return
        ts = self.now()
        by_street: dict[str | None, list[Reading]] = {}
        crossed: list[Device] = []
        for _ in range(count):
            d = rng.choice(online)
            name, metric, unit, base, noise, warn, alarm, direction, _c, _w = DEVICE_KINDS[d.kind]
            prev = self.values.get(d.id, base)
            # Mean-reverting walk with rare excursions past the alarm threshold.
            value = prev + 0.5 * (base - prev) + rng.gauss(0, noise)
            if rng.random() < 0.004:
                value = alarm * (rng.uniform(0.55, 0.8) if direction == "lower" else rng.uniform(1.05, 1.35))
            if direction == "higher":
                value = max(value, 0.0)
            value = round(value, 3)
            self.values[d.id] = value
            over = value >= alarm if direction == "higher" else value <= alarm
            back = value < warn if direction == "higher" else value > warn
            if over and d.id not in self._alarmed:
                self._alarmed.add(d.id)
                crossed.append(d)
            elif back:
                self._alarmed.discard(d.id)
            by_street.setdefault(d.street, []).append(Reading(device_id=d.id, metric=metric, value=value, ts=ts))
        self.counts["readings"] += count
        self.emit([("reading.batch", ReadingBatch(readings=tuple(rs)), st, None, None) for st, rs in sorted(
            by_street.items(), key=lambda kv: kv[0] or "")])
        for d in crossed:
            self.generate_alert(source="iot_threshold", device=d)

    def _status_change(self) -> None:
        rng = self.rng_status
        now = self.now()
        if rng.random() < 0.8:
            d = rng.choice(sorted(self.devices.values(), key=lambda x: x.id))
            status = "online" if d.status != "online" else rng.choice(["offline", "fault"])
            d = d.model_copy(update={"status": status, "rev": d.rev + 1, "updated_at": now})
            self.devices[d.id] = d
            self.emit([("device.upsert", d, d.street, d.community, "device")])
        else:
            c = rng.choice(sorted(self.cameras.values(), key=lambda x: x.id))
            c = c.model_copy(update={"status": "online" if c.status != "online" else "offline",
                                     "rev": c.rev + 1, "updated_at": now})
            self.cameras[c.id] = c
            self.emit([("camera.upsert", c, c.street, c.community, "camera")])

    def archive(self) -> int:
        """Drop closed alerts untouched for ``archive_after_h`` from the live state (and the snapshot).

        A real gateway's snapshot holds open work and recent history, not every alert
        ever; without this a long demo run would grow its snapshot without bound.
        """
        cutoff = self.now() - timedelta(hours=self.config.archive_after_h)
        old = [a.id for a in self.alerts.values() if a.status == "closed" and a.updated_at < cutoff]
        for aid in old:
            del self.alerts[aid]
        if old:
            self.store.drop_state("alert", old)
        return len(old)

    # ------------------------------------------------------------------ indicators

    def compute_indicators(self, emit: bool = True) -> None:
        """Current value of every indicator (plan ones drift, live ones from the feed's state)."""
        now = self.now()
        rng = self.rng_ind
        values: list[IndicatorValue] = []
        for ind in self.indicator_cat:
            if ind.get("plan") is None:
                continue
            base, target = ind["baseline_2021"], ind["target_2025"]
            better = (lambda x, y: x >= y) if ind["direction"] == "higher" else (lambda x, y: x <= y)
            if base is None:
                level = 0.97 * target
            elif better(base, target):
                level = base  # already beyond the target: stays near the baseline
            else:
                level = base + 0.95 * (target - base)
            drift = self._ind_drift.get(ind["id"], 0.0)
            if base is not None and base == target:
                drift = 0.0  # a held line (0 % worse than class V, 100 % zero-visit) does not wobble
            else:
                drift = 0.9 * drift + rng.gauss(0, max(abs(level), 1.0) * 0.002)
            self._ind_drift[ind["id"]] = drift
            v = level + drift
            if ind["unit"] == "%":
                v = min(v, 100.0)
            v = max(v, 0.0)
            values.append(IndicatorValue(indicator_id=ind["id"], value=round(v, 3), ts=now))
        for street in [None] + [s["id"] for s in self.streets_cat]:
            for iid, v in self._live_values(now, street).items():
                values.append(IndicatorValue(indicator_id=iid, value=round(v, 3), ts=now, street=street))
        for v in values:
            self.indicator_latest[(v.indicator_id, v.street)] = v
        if emit:  # one envelope per street (and one district-wide), so a street's stream carries only its own
            groups: dict[str | None, list[IndicatorValue]] = {}
            for v in values:
                groups.setdefault(v.street, []).append(v)
            self.emit([("indicator.values", IndicatorValues(values=tuple(vs)), street, None, None)
                       for street, vs in groups.items()])

    def _live_values(self, now: datetime, street: str | None) -> dict[str, float]:
        midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
        day_ago = now - timedelta(hours=24)
        alerts = [a for a in self.alerts.values() if street is None or a.street == street]
        today = sum(1 for a in alerts if a.created_at >= midnight)
        recent = [a for a in alerts if a.created_at >= day_ago]
        ack_ok = ack_bad = 0
        ack_mins: list[float] = []
        res_mins: list[float] = []
        overdue = 0
        for a in alerts:
            cat = self.categories.get(a.category, {"ack_limit_min": 120, "resolve_limit_min": 1440})
            ack_ts = next((n.ts for n in a.timeline if n.action == "acknowledge"), None)
            res_ts = next((n.ts for n in a.timeline if n.action == "resolve"), None)
            age_min = (now - a.created_at).total_seconds() / 60
            if a.status == "new" and age_min > cat["ack_limit_min"]:
                overdue += 1
            elif a.status in OPEN_STATUSES and age_min > cat["resolve_limit_min"]:
                overdue += 1
            if a.created_at < day_ago:
                continue
            if ack_ts is not None:
                m = (ack_ts - a.created_at).total_seconds() / 60
                ack_mins.append(m)
                if m <= cat["ack_limit_min"]:
                    ack_ok += 1
                else:
                    ack_bad += 1
            elif age_min > cat["ack_limit_min"]:
                ack_bad += 1
            if res_ts is not None:
                res_mins.append((res_ts - a.created_at).total_seconds() / 60)
        closed = sum(1 for a in recent if a.status in ("resolved", "closed"))
        out = {
            "events_today": float(today),
            "overdue_count": float(overdue),
            "closure_rate": 100.0 * closed / len(recent) if recent else 100.0,
        }
        devs = [d for d in self.devices.values() if street is None or d.street == street]
        cams = [c for c in self.cameras.values() if street is None or c.street == street]
        out["device_online_rate"] = 100.0 * sum(d.status == "online" for d in devs) / len(devs) if devs else 100.0
        rain = [self.values.get(d.id, 0.0) for d in devs if d.kind == "rain_gauge"]
        out["rainfall_mm_1h"] = sum(rain) / len(rain) if rain else 0.0
        if street is None:
            out["ack_within_limit_rate"] = 100.0 * ack_ok / (ack_ok + ack_bad) if ack_ok + ack_bad else 100.0
            out["mean_ack_min"] = sum(ack_mins) / len(ack_mins) if ack_mins else 0.0
            out["mean_resolve_min"] = sum(res_mins) / len(res_mins) if res_mins else 0.0
            out["camera_online_rate"] = 100.0 * sum(c.status == "online" for c in cams) / len(cams) if cams else 100.0
            rivers = [self.values.get(d.id, 0.0) for d in devs if d.kind == "river_level"]
            out["river_level_m"] = max(rivers) if rivers else 0.0
            pm = [self.values.get(d.id, 0.0) for d in devs if d.kind == "air_quality"]
            out["aqi_now"] = _aqi_pm25(sum(pm) / len(pm)) if pm else 0.0
        return out

    # ------------------------------------------------------------------ snapshot

    def snapshot(self, street: str | None) -> Snapshot:
        """The whole current state (optionally one street's) plus the stream cursor."""
        def mine(x: Any) -> bool:
            return street is None or getattr(x, "street", None) in (None, street)

        return Snapshot(
            cursor=str(self.head),
            generated_at=self.now(),
            scope=Scope(street=street),
            alerts=tuple(a for a in self.alerts.values() if mine(a)),
            devices=tuple(d for d in self.devices.values() if mine(d)),
            cameras=tuple(c for c in self.cameras.values() if mine(c)),
            indicators=tuple(v for (iid, st), v in self.indicator_latest.items() if street is None or st in (None, street)),
            incidents=tuple(self.incidents.values()),  # district-wide, like their envelopes
            tasks=tuple(self.tasks.values()),
            units=tuple(self.units),
        )

    def sim_state(self) -> dict[str, Any]:
        """The feed's own view, for tests comparing it with the console."""
        by_status: dict[str, int] = {}
        for a in self.alerts.values():
            by_status[a.status] = by_status.get(a.status, 0) + 1
        return {
            "head": self.head,
            "oldest": self.store.oldest(),
            "alerts": {a.id: {"rev": a.rev, "status": a.status, "level": a.level} for a in self.alerts.values()},
            "devices": {d.id: d.rev for d in self.devices.values()},
            "tasks": {t.id: t.rev for t in self.tasks.values()},
            "incidents": {i.id: i.rev for i in self.incidents.values()},
            # Command ids in the alert timelines, one entry per applied command: a test of
            # exactly-once delivery counts them.
            "timeline_commands": {a.id: [n.command_id for n in a.timeline if n.command_id]
                                  for a in self.alerts.values() if any(n.command_id for n in a.timeline)},
            "counts": {"alerts": len(self.alerts), "devices": len(self.devices), "cameras": len(self.cameras),
                       "incidents": len(self.incidents), "tasks": len(self.tasks), "by_status": by_status,
                       "subscribers": len(self.hub.subscribers), "dropped_subscribers": self.hub.dropped_total,
                       **self.counts},
            "fault_mode": self.fault_mode,
            "paused": self.paused,
            "clock_offset_s": self.clock_offset_s,
            "camera_modes": dict(self.camera_modes),
            "ptz": dict(self.ptz),
            "video_encode_s": dict(self.video_encode_s),
        }

    # ------------------------------------------------------------------ commands

    def login(self, username: str, password: str) -> tuple[str, str, str] | None:
        """Demo users: (username, role, display name) when the password matches."""
        user = DEMO_USERS.get(username)
        if user is None or password != username:
            return None
        return user

    def execute(self, cmd: Command, role: str, actor: str, idempotency_key: str) -> tuple[int, str]:
        """Apply one command once; returns (HTTP status, JSON of CommandAccepted | CommandRefused).

        The answer is stored under the Idempotency-Key in the same transaction as the
        events the command produced, so a resend (even after a crash) gets the same answer.
        """
        done = self.store.idempotent(idempotency_key)
        if done is not None:
            return done
        try:
            if role == "viewer":
                raise CommandError(403, "forbidden", "只读席位无权下达指令")
            handler = _HANDLERS.get(cmd.kind.split(".")[0])
            if handler is None:
                raise CommandError(422, "invalid", f"不支持的指令类型：{cmd.kind}")
            target_id, rev, items = handler(self, cmd, role, actor)
        except CommandError as exc:
            refused = CommandRefused(command_id=cmd.id, error=exc.error, reason=exc.reason)  # type: ignore[arg-type]
            body = refused.model_dump_json()
            self.store.save_idempotent(idempotency_key, exc.status, body)
            return exc.status, body
        self.counts["commands"] += 1
        body = CommandAccepted(command_id=cmd.id, target_id=target_id, rev=rev).model_dump_json()
        self.emit(items, idempotent=(idempotency_key, 202, body))
        return 202, body

    def _check_rev(self, cmd: Command, rev: int, what: str) -> None:
        if cmd.expected_rev is not None and cmd.expected_rev != rev:
            raise CommandError(409, "stale_rev", f"该{what}已被更新（当前版本 {rev}，指令基于版本 {cmd.expected_rev}），请刷新后重试")

    def _alert_command(self, cmd: Command, role: str, actor: str) -> _Outcome:
        a = self.alerts.get(cmd.target_id)
        if a is None:
            raise CommandError(404, "not_found", f"事件 {cmd.target_id} 不存在")
        self._check_rev(cmd, a.rev, "事件")
        now = self.now()
        verb = cmd.kind.split(".", 1)[1]
        args = cmd.args
        status_zh = STATUS_ZH[a.status]
        update: dict[str, Any] = {}
        text = ""
        extra: list[Alert] = []

        def refuse(action_zh: str) -> CommandError:
            return CommandError(422, "invalid", f"当前状态为“{status_zh}”，不能{action_zh}")

        if verb == "acknowledge":
            if a.status != "new":
                raise refuse("签收")
            update = {"status": "acknowledged", "acknowledged_by": actor}
            text = "已签收"
        elif verb == "dispatch":
            if a.status not in ("acknowledged", "dispatched"):
                raise refuse("分拨")
            unit_id = args.get("unit")
            if not isinstance(unit_id, str) or not unit_id:
                raise CommandError(422, "invalid", "分拨须指定承办单位（args.unit）")
            unit = self.unit_by_id.get(unit_id)
            if unit is None:
                raise CommandError(422, "invalid", f"承办单位 {unit_id} 不存在")
            if unit.categories and a.category not in unit.categories:
                cat_zh = self.categories[a.category]["name_zh"]
                raise CommandError(422, "invalid", f"{unit.name}不承办“{cat_zh}”类事件")
            update = {"status": "dispatched", "assigned_unit": unit_id}
            text = f"分拨至{unit.name}" + (f"：{args['instruction']}" if args.get("instruction") else "")
        elif verb == "start":
            if a.status != "dispatched":
                raise refuse("开始处置")
            update = {"status": "in_progress"}
            text = "开始处置"
        elif verb == "resolve":
            if a.status not in ("dispatched", "in_progress"):
                raise refuse("办结")
            result = args.get("result")
            if not isinstance(result, str) or not result.strip():
                raise CommandError(422, "invalid", "办结须填写处置结果（args.result）")
            update = {"status": "resolved"}
            text = f"处置结果：{result.strip()}"
        elif verb == "close":
            if a.status != "resolved":
                raise refuse("闭环")
            feedback = args.get("feedback", "")
            update = {"status": "closed"}
            text = f"反馈：{feedback}" if feedback else "闭环"
        elif verb == "reopen":
            if a.status not in ("resolved", "closed"):
                raise refuse("重新打开")
            update = {"status": "acknowledged"}
            text = "重新打开" + (f"：{args['reason']}" if args.get("reason") else "")
        elif verb == "escalate":
            if a.status == "closed":
                raise refuse("升级")
            if a.level == "red":
                raise CommandError(422, "invalid", "已是最高预警级别（红色），不能再升级")
            update = {"level": LEVEL_UP[a.level]}
            text = f"预警级别由{LEVEL_ZH[a.level]}升为{LEVEL_ZH[LEVEL_UP[a.level]]}"
        elif verb == "urge":
            if a.status not in OPEN_STATUSES:
                raise refuse("督办")
            text = "督办" + (f"：{args['text']}" if args.get("text") else "")
        elif verb == "note":
            note = args.get("text")
            if not isinstance(note, str) or not note.strip():
                raise CommandError(422, "invalid", "备注内容不能为空（args.text）")
            text = note.strip()
        elif verb == "merge":
            into = args.get("into")
            if a.status == "closed":
                raise refuse("合并")
            if not isinstance(into, str) or into not in self.alerts:
                raise CommandError(422, "invalid", f"合并目标事件 {into} 不存在")
            if into == a.id:
                raise CommandError(422, "invalid", "不能将事件合并到自身")
            target = self.alerts[into]
            if target.status == "closed":
                raise CommandError(422, "invalid", f"合并目标事件 {into} 已闭环")
            update = {"status": "closed"}
            text = f"重复事件，已合并至 {into}"
            extra.append(target.model_copy(update={
                "rev": target.rev + 1, "updated_at": now,
                "timeline": target.timeline + (AlertNote(ts=now, actor=actor, action="note",
                                                         text=f"已合并重复事件 {a.id}", command_id=cmd.id),)}))
        else:
            raise CommandError(422, "invalid", f"不支持的事件指令：{cmd.kind}")
        new = a.model_copy(update={
            **update, "rev": a.rev + 1, "updated_at": now, "last_command_id": cmd.id,
            "timeline": a.timeline + (AlertNote(ts=now, actor=actor, action=verb, text=text, command_id=cmd.id),),
        })
        self.alerts[new.id] = new
        for e in extra:
            self.alerts[e.id] = e
        return new.id, new.rev, [("alert.upsert", x, x.street, x.community, "alert") for x in [new, *extra]]

    def _camera_command(self, cmd: Command, role: str, actor: str) -> _Outcome:
        c = self.cameras.get(cmd.target_id)
        if c is None:
            raise CommandError(404, "not_found", f"摄像机 {cmd.target_id} 不存在")
        if cmd.kind != "camera.ptz":
            raise CommandError(422, "invalid", f"不支持的摄像机指令：{cmd.kind}")
        if not c.ptz:
            raise CommandError(422, "invalid", f"{c.name}不支持云台控制")
        if c.status != "online":
            raise CommandError(422, "invalid", f"{c.name}离线，不能控制云台")
        self._check_rev(cmd, c.rev, "摄像机")
        pos = dict(self.ptz.get(c.id, {"pan": 0.0, "tilt": 0.0, "zoom": 1.0}))
        for key in ("pan", "tilt", "zoom"):
            if key in cmd.args:
                try:
                    pos[key] = float(cmd.args[key])
                except (TypeError, ValueError):
                    raise CommandError(422, "invalid", f"云台参数 {key} 须为数字") from None
        if not -180 <= pos["pan"] <= 180 or not -90 <= pos["tilt"] <= 90 or not 1 <= pos["zoom"] <= 30:
            raise CommandError(422, "invalid", "云台参数超出范围（水平 ±180°，俯仰 ±90°，变倍 1–30）")
        self.ptz[c.id] = pos
        c = c.model_copy(update={"rev": c.rev + 1, "updated_at": self.now()})
        self.cameras[c.id] = c
        return c.id, c.rev, [("camera.upsert", c, c.street, c.community, "camera")]

    def _incident_command(self, cmd: Command, role: str, actor: str) -> _Outcome:
        now = self.now()
        args = cmd.args
        if cmd.kind == "incident.declare":
            if cmd.target_id in self.incidents:
                raise CommandError(422, "invalid", f"事件 {cmd.target_id} 已存在")
            itype = args.get("type")
            if itype not in _INCIDENT_TYPES:
                raise CommandError(422, "invalid", f"未知的突发事件类型：{itype}")
            level = args.get("level")
            if not isinstance(level, int) or not 1 <= level <= 4:
                raise CommandError(422, "invalid", "响应级别须为 1–4（Ⅰ–Ⅳ级）")
            street = args.get("street")
            if street is not None and street not in self.street_name:
                raise CommandError(422, "invalid", f"未知的街道：{street}")
            loc_raw = args.get("location")
            try:
                if loc_raw is not None:
                    loc = GeoPoint(**loc_raw)
                elif street is not None:
                    s = next(x for x in self.streets_cat if x["id"] == street)
                    loc = GeoPoint(**s["centre"])
                else:
                    raise CommandError(422, "invalid", "须指定事发位置（args.location 或 args.street）")
                radius = float(args.get("radius_m", 1000))
            except (TypeError, ValueError):
                raise CommandError(422, "invalid", "事发位置或范围格式不正确") from None
            if radius <= 0:
                raise CommandError(422, "invalid", "影响范围须大于 0 米")
            if street is None:
                # A declared point tells which street's sub-centre it concerns.
                cm = self._community_of(loc.lon, loc.lat)
                street = self.community_street.get(cm) if cm else None
            if cmd.target_id in ("", "new"):
                self._incident_seq += 1
                iid = f"INC{self._incident_seq:05d}"
            else:
                iid = cmd.target_id
            self._save_seq()
            inc = Incident(id=iid, rev=1, type=itype, level=level, status="active",
                           title=str(args.get("title") or f"{_INCIDENT_TYPES[itype]}（{'ⅠⅡⅢⅣ'[level - 1]}级响应）"),
                           reason=str(args.get("reason", "")), location=loc, radius_m=radius, street=street,
                           plan_id=args.get("plan_id") or f"plan.{itype}", started_at=now, declared_by=actor,
                           last_command_id=cmd.id)
        elif cmd.kind == "incident.stand_down":
            old = self.incidents.get(cmd.target_id)
            if old is None:
                raise CommandError(404, "not_found", f"突发事件 {cmd.target_id} 不存在")
            self._check_rev(cmd, old.rev, "突发事件")
            if old.status != "active":
                raise CommandError(422, "invalid", "该突发事件已解除响应")
            inc = old.model_copy(update={"status": "stood_down", "ended_at": now, "rev": old.rev + 1,
                                         "last_command_id": cmd.id,
                                         "ended_reason": str(args.get("reason", ""))})
        elif cmd.kind == "incident.step":
            inc = self._incident_step(cmd, actor, now)
        else:
            raise CommandError(422, "invalid", f"不支持的突发事件指令：{cmd.kind}")
        self.incidents[inc.id] = inc
        # District-wide: every street sub-centre takes part in an emergency, wherever it is.
        return inc.id, inc.rev, [("incident.upsert", inc, None, None, "incident")]

    def _incident_step(self, cmd: Command, actor: str, now: datetime) -> Incident:
        """``incident.step``: a plan step completed (``done``) or skipped (``skipped``, reason required)."""
        old = self.incidents.get(cmd.target_id)
        if old is None:
            raise CommandError(404, "not_found", f"突发事件 {cmd.target_id} 不存在")
        if old.status != "active":
            raise CommandError(422, "invalid", "该突发事件已解除响应，预案步骤不能再更改")
        args = cmd.args
        step_id = args.get("step_id")
        status = args.get("status")
        reason = str(args.get("reason", "")).strip()
        if not isinstance(step_id, str) or not step_id:
            raise CommandError(422, "invalid", "须指定预案步骤（args.step_id）")
        if status not in ("done", "skipped"):
            raise CommandError(422, "invalid", "步骤状态须为 done（完成）或 skipped（跳过）")
        if status == "skipped" and not reason:
            raise CommandError(422, "invalid", "跳过预案步骤须说明理由")
        if any(st.step_id == step_id for st in old.steps):
            raise CommandError(422, "invalid", "该预案步骤已处理")
        state = PlanStepState(step_id=step_id, status=status, at=now, by=actor, reason=reason,
                              last_command_id=cmd.id)
        return old.model_copy(update={"steps": (*old.steps, state), "rev": old.rev + 1, "last_command_id": cmd.id})

    def _task_street(self, task: Task) -> str | None:
        """The street whose sub-centre the task concerns: the unit's street, else the incident's."""
        unit = self.unit_by_id.get(task.unit)
        uid = getattr(unit, "id", None) or ""
        parent = getattr(unit, "parent", None) or ""
        for cand in (uid, parent):
            if cand.startswith("street."):
                return cand.split(".", 1)[1]
        inc = self.incidents.get(task.incident_id)
        return inc.street if inc is not None else None

    def _task_command(self, cmd: Command, role: str, actor: str) -> _Outcome:
        now = self.now()
        args = cmd.args
        if cmd.kind == "task.issue":
            inc = self.incidents.get(cmd.target_id)
            if inc is None:
                raise CommandError(404, "not_found", f"突发事件 {cmd.target_id} 不存在")
            if inc.status != "active":
                raise CommandError(422, "invalid", "该突发事件已解除响应，不能下达任务")
            unit = args.get("unit")
            if unit not in self.unit_by_id:
                raise CommandError(422, "invalid", f"承办单位 {unit} 不存在")
            instruction = args.get("instruction")
            if not isinstance(instruction, str) or not instruction.strip():
                raise CommandError(422, "invalid", "任务须填写指令内容（args.instruction）")
            try:
                due = now + timedelta(minutes=float(args.get("due_minutes", 30)))
                loc = GeoPoint(**args["location"]) if args.get("location") else None
            except (TypeError, ValueError):
                raise CommandError(422, "invalid", "任务时限或位置格式不正确") from None
            tid = args.get("task_id")
            if not isinstance(tid, str) or not tid:
                self._task_seq += 1
                tid = f"TSK{self._task_seq:06d}"
                self._save_seq()
            elif tid in self.tasks:
                raise CommandError(422, "invalid", f"任务 {tid} 已存在")
            step_id = args.get("step_id")
            task = Task(id=tid, rev=1, incident_id=inc.id, unit=unit, instruction=instruction.strip(), status="issued",
                        due=due, location=loc, note=str(args.get("note", "")), updated_at=now, last_command_id=cmd.id,
                        step_id=step_id if isinstance(step_id, str) and step_id else None)
        elif cmd.kind == "task.update":
            old = self.tasks.get(cmd.target_id)
            if old is None:
                raise CommandError(404, "not_found", f"任务 {cmd.target_id} 不存在")
            self._check_rev(cmd, old.rev, "任务")
            status = args.get("status", old.status)
            if status not in _TASK_FLOW:
                raise CommandError(422, "invalid", f"未知的任务状态：{status}")
            if old.status in ("done", "refused") and status != old.status:
                raise CommandError(422, "invalid", "任务已结束，不能再更改状态")
            task = old.model_copy(update={"status": status, "note": str(args.get("note", old.note)),
                                          "rev": old.rev + 1, "updated_at": now, "last_command_id": cmd.id})
        else:
            raise CommandError(422, "invalid", f"不支持的任务指令：{cmd.kind}")
        self.tasks[task.id] = task
        return task.id, task.rev, [("task.upsert", task, self._task_street(task), None, "task")]


_INCIDENT_TYPES = {
    "typhoon_waterlogging": "台风内涝",
    "rainstorm_flood": "暴雨洪涝",
    "slope_failure": "边坡地质灾害",
    "fire": "火灾",
    "hazmat_leak": "危化品泄漏",
    "public_health": "公共卫生事件",
}
_TASK_FLOW = ("issued", "received", "en_route", "on_scene", "done", "refused")

_HANDLERS: dict[str, Callable[[District, Command, str, str], _Outcome]] = {
    "alert": District._alert_command,
    "camera": District._camera_command,
    "incident": District._incident_command,
    "task": District._task_command,
}

_ENVELOPES: dict[str, type[BaseModel]] = {
    "alert.upsert": AlertUpsert,
    "device.upsert": DeviceUpsert,
    "reading.batch": ReadingBatchEnvelope,
    "camera.upsert": CameraUpsert,
    "indicator.values": IndicatorValuesEnvelope,
    "incident.upsert": IncidentUpsert,
    "task.upsert": TaskUpsert,
}


def _aqi_pm25(c: float) -> float:
    """Individual AQI for PM2.5 (HJ 633-2012 breakpoints, 24 h)."""
    bps = [(0, 35, 0, 50), (35, 75, 50, 100), (75, 115, 100, 150), (115, 150, 150, 200),
           (150, 250, 200, 300), (250, 350, 300, 400), (350, 500, 400, 500)]
    for lo, hi, alo, ahi in bps:
        if c <= hi:
            return alo + (ahi - alo) * (max(c, lo) - lo) / (hi - lo)
    return 500.0


def _cap_xml(seq: int, headline: str, desc: str, level: str, sent: datetime) -> str:
    """A CAP 1.2 alert; the Chinese colour goes into the severity and a parameter."""
    severity = {"red": "Extreme", "orange": "Severe", "yellow": "Moderate", "blue": "Minor"}[level]
    headline, desc = escape(headline), escape(desc)
    stamp = sent.isoformat(timespec="seconds")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">'
        f"<identifier>SZMB-PS-{seq:07d}</identifier><sender>simulated-szmb@pingshan-feed.invalid</sender>"
        f"<sent>{stamp}</sent><status>Actual</status><msgType>Alert</msgType><scope>Public</scope>"
        "<info><language>zh-CN</language><category>Met</category>"
        f"<event>{headline}</event><urgency>Expected</urgency><severity>{severity}</severity>"
        "<certainty>Likely</certainty>"
        f"<headline>{headline}</headline><description>{desc}</description>"
        f"<parameter><valueName>warningColour</valueName><value>{level}</value></parameter>"
        "<area><areaDesc>深圳市坪山区</areaDesc><geocode><valueName>GB2260</valueName><value>440310</value></geocode></area>"
        "</info></alert>"
    )


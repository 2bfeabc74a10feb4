"""The simulated district: devices, cameras, alerts and the traffic they make.

``District`` is the rulebook's :class:`~district.arbiter.Arbiter` (state, event log,
commands) plus synthetic traffic: it creates the world, raises alerts, sends
readings and computes indicators. Every change becomes one envelope: it is
persisted (``EventLog.append``) and only then handed to the ``Hub`` for live
subscribers. It applies no command itself: commands are the arbiter's.  A seeded ``random.Random`` per concern drives every
choice (so the same seed yields the same backlog and the same alert sequence);
timing is the wall clock (plus the ``/_sim/clock`` offset).

Its tables (device and camera kinds, alert texts, road names) and message builders are in
:mod:`simulator.world_data`; the inventory beyond its own devices and cameras, and where a
generated thing is placed, in :mod:`simulator.fleet`.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from console.models import (
    Alert,
    AlertNote,
    Camera,
    Device,
    GeoPoint,
    Incident,
    IndicatorValue,
    IndicatorValues,
    Reading,
    ReadingBatch,
    Task,
    Thresholds,
)
from district.arbiter import Arbiter
from district.rulebook import Item
from district.vocabulary import DISTRICT_TZ, LEVEL_ZH, OPEN_STATUSES
from gateway.fanout import Hub, Subscriber  # noqa: F401 - the feed's fan-out, shared with the gateway
from simulator import geo
from simulator.fleet import camera_streams, fleet_cameras, fleet_devices, random_point_in
from simulator.world_data import (CAMERA_KINDS, CAMERA_SPOTS, DEVICE_KINDS, ROAD_NAMES, SOURCE_WEIGHTS, TEMPLATES,
                                  aqi_pm25, cap_xml)


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
    devices: int = 0  # devices in the district: its own and, beyond them, a fleet (0 = its own)
    cameras: int = 0  # cameras in the district: its own 36 and, beyond them, more (0 = its own)


class District(Arbiter):
    """The whole simulated district: the rulebook's arbiter plus synthetic traffic."""

    def __init__(self, config: FeedConfig) -> None:
        self.config = config
        self.clock_offset_s = 0.0
        super().__init__(Path(config.data_dir), config.retention, Hub())
        self.resource_ids = frozenset(f["id"] for f in geo.layers()["resources"][1]["features"])
        seed = config.seed
        self.rng_world = random.Random(f"{seed}:world")
        self.rng_alerts = random.Random(f"{seed}:alerts")
        self.rng_readings = random.Random(f"{seed}:readings")
        self.rng_status = random.Random(f"{seed}:status")
        self.rng_ind = random.Random(f"{seed}:indicators")
        self.indicator_cat = geo.load_catalogue("indicators.json")["indicators"]

        self.values: dict[str, float] = {}
        self.camera_modes: dict[str, str] = {}
        self.fault_mode = "ok"
        self.drip_bytes_per_s = 1.0  # /_sim/fault mode "drip"
        self.paused = False  # /_sim/pause: no generated traffic while set
        self.video_encode_s: dict[str, float] = {}
        self._burst: list[tuple[float, float]] = []  # (remaining alerts, per-second rate)
        self._alert_carry = 0.0
        self._reading_carry = 0.0
        self._ind_drift: dict[str, float] = {}
        self._alarmed: set[str] = set()
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
        return datetime.now(DISTRICT_TZ) + timedelta(seconds=self.clock_offset_s)

    # ------------------------------------------------------------------ emission

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

    # ------------------------------------------------------------------ world creation

    def _community_of(self, lon: float, lat: float) -> str | None:
        for cid in self.community_street:
            if geo.point_in_cell((lon, lat), geo.community_cell(cid)):
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
                    lon = round(pts[i][0] + t * (pts[i + 1][0] - pts[i][0]), 6)
                    lat = round(pts[i][1] + t * (pts[i + 1][1] - pts[i][1]), 6)
                    cm = self._community_of(lon, lat) or rng.choice(communities)
                    loc = GeoPoint(lon=lon, lat=lat)
                    label = f"{rname}{self.community_name[cm]}段"
                else:
                    cm = rng.choice(communities)
                    loc = random_point_in(cm, rng)
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
                kind=kind, street=st, community=cm, location=random_point_in(cm, rng),  # type: ignore[arg-type]
                status="online" if rng.random() > 0.05 else "offline", ptz=kind in ("road", "river", "forest_fire"),
                streams=camera_streams(self.config.public_url, code), updated_at=now,
            ))
        for d in devices:
            self.devices[d.id] = d
        for c in cameras:
            self.cameras[c.id] = c
        # The plan's scale (issue 15): more devices and cameras, from generators of their own,
        # so that the district's own devices and cameras stay what they were for the seed.
        for d in fleet_devices(self, self.config.devices)[len(devices):]:
            devices.append(d)
            self.devices[d.id] = d
        for c in fleet_cameras(self, self.config.cameras)[len(cameras):]:
            cameras.append(c)
            self.cameras[c.id] = c
        backlog = [self._backlog_alert(now) for _ in range(self.config.backlog)]
        items: list[Item] = []
        items += [("device.upsert", d, d.street, d.community, "device") for d in devices]
        items += [("camera.upsert", c, c.street, c.community, "camera") for c in cameras]
        items += [("alert.upsert", a, a.street, a.community, "alert") for a in backlog]
        for a in backlog:
            self.alerts[a.id] = a
        self._save_seq()
        self.emit(items)

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
            self.cameras[c.id] = c.model_copy(update={"streams": camera_streams(self.config.public_url, c.id)})
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
            loc = random_point_in(cm, rng)
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
            cap = cap_xml(self._alert_seq + 1, title, desc, level, created)
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
            out["aqi_now"] = aqi_pm25(sum(pm) / len(pm)) if pm else 0.0
        return out

    # ------------------------------------------------------------------ test state

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

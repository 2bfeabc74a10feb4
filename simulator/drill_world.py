"""The district of a drill: the feed's own ``District`` on a virtual clock, with no server.

A drill applies the *same* rules as the gateway (alert state machine, roles,
scope, limits, idempotency, incidents and tasks): the drill's district is the
feed's ``District``, whose commands are the rulebook's
(:class:`district.arbiter.Arbiter`), with the same SQLite event log and
idempotency table (in the drill's own directory). Its clock is the drill's
virtual clock and its envelopes are collected in memory for the drill source
instead of being published to HTTP subscribers. Nothing here opens a socket.

The drill engine (``console.drill``) imports this module, the synthetic world and
its tiles and clips directly; the import-linter contracts in ``pyproject.toml``
keep it from the feed's HTTP server and keep the rest of the core free of
``simulator``.
"""

from __future__ import annotations

import json
from collections import deque
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from console.models import Alert, AlertNote, Camera, Command, Device, GeoPoint, NoticeEnvelope, Notice, Scope
from district.roles import User
from district.vocabulary import LEVEL_ZH
from simulator import geo
from simulator.fleet import random_point_in
from simulator.world import District, FeedConfig
from simulator.world_data import DEVICE_KINDS, cap_xml

DRILL_PREFIX = "DR"
"""Drill alert, incident and task ids start with this, so they can never be taken for live ones."""


class _Collector:
    """Stands in for the feed's Hub: keeps (id, type, body) for the drill source, in order."""

    def __init__(self) -> None:
        self.pending: deque[tuple[int, str, bytes]] = deque()
        self.subscribers: set[Any] = set()
        self.dropped_total = 0

    def publish(self, eid: int, etype: str, street: str | None, body: bytes) -> None:
        self.pending.append((eid, etype, body))


class DrillWorld(District):
    """A District whose time is set by the drill (``set_time``), publishing into a queue."""

    def __init__(self, data_dir: Path, *, seed: int, start: datetime, readings_per_min: float = 30.0,
                 backlog: int = 0) -> None:
        self._virtual_now = start
        config = FeedConfig(seed=seed, alerts_per_s=0.0, readings_per_s=readings_per_min / 60.0,
                            data_dir=Path(data_dir), public_url="drill://video", backlog=backlog)
        super().__init__(config)
        self.hub = _Collector()  # type: ignore[assignment]

    # ------------------------------------------------------------------ clock and output

    def now(self) -> datetime:
        return self._virtual_now

    def set_time(self, when: datetime) -> None:
        self._virtual_now = when

    def take(self) -> list[tuple[int, str, bytes]]:
        """Envelopes emitted since the last call, oldest first."""
        out = list(self.hub.pending)  # type: ignore[attr-defined]
        self.hub.pending.clear()  # type: ignore[attr-defined]
        return out

    def generate_alert(self, source: str | None = None, device: Device | None = None) -> Alert | None:  # type: ignore[override]
        """No unscripted alerts: a drill's alerts are its script's (background readings still flow)."""
        return None

    def _next_alert_id(self) -> str:
        self._alert_seq += 1
        self.store.put_meta("alert_seq", self._alert_seq)
        return f"{DRILL_PREFIX}{self._alert_seq:07d}"

    def _streams(self, code: str) -> Any:
        from console.models import CameraStreams

        # Clips come from the drill package (played from files); no stream server exists.
        return CameraStreams(main=f"drill://video/{code}/main.ts", sub=f"drill://video/{code}/sub.ts")

    # ------------------------------------------------------------------ lookups

    def find_device(self, device: str | None, kind: str | None, community: str | None) -> Device:
        if device is not None:
            if device not in self.devices:
                raise KeyError(f"设备 {device} 不存在")
            return self.devices[device]
        found = sorted((d for d in self.devices.values()
                        if d.kind == kind and (community is None or d.community == community)), key=lambda d: d.id)
        if not found:
            found = sorted((d for d in self.devices.values() if d.kind == kind), key=lambda d: d.id)
        if not found:
            raise KeyError(f"没有 {kind} 类设备")
        return found[0]

    def find_camera(self, camera: str | None, kind: str | None, community: str | None) -> Camera:
        if camera is not None:
            if camera not in self.cameras:
                raise KeyError(f"摄像机 {camera} 不存在")
            return self.cameras[camera]
        found = sorted((c for c in self.cameras.values()
                        if c.kind == kind and (community is None or c.community == community)), key=lambda c: c.id)
        if not found:
            found = sorted((c for c in self.cameras.values() if c.kind == kind), key=lambda c: c.id)
        if not found:
            raise KeyError(f"没有 {kind} 类摄像机")
        return found[0]

    # ------------------------------------------------------------------ injects

    def add_alert(self, *, category: str, level: str, title: str, description: str, community: str,
                  source: str, lon: float | None = None, lat: float | None = None,
                  device: Device | None = None, cap: str | None = None) -> Alert:
        """A scripted alert, created exactly like the feed creates one."""
        now = self.now()
        street = self.community_street.get(community) if community else None
        if lon is not None and lat is not None:
            loc = GeoPoint(lon=lon, lat=lat)
        elif device is not None:
            loc = device.location
        elif community:
            loc = random_point_in(community, self.rng_alerts)
        else:
            s = self.streets_cat[0]
            loc = GeoPoint(**s["centre"])
        actor = {"hotline_12345": "12345 热线", "app_pingshan": "i 坪山", "grid_patrol": "网格员",
                 "iot_threshold": "物联感知平台", "video_ai": "视频 AI 平台", "early_warning": "深圳市气象台"}[source]
        aid = self._next_alert_id()
        a = Alert(id=aid, rev=1, level=level, status="new", source=source, category=category,  # type: ignore[arg-type]
                  title=title, description=description, street=street, community=community or None,
                  location=loc, device_id=device.id if device else None, camera_ids=self._near_cameras(loc),
                  created_at=now, updated_at=now, cap=cap,
                  timeline=(AlertNote(ts=now, actor=actor, action="create", text="事件上报（演练）"),))
        self.alerts[a.id] = a
        self.counts["alerts_created"] += 1
        self.emit([("alert.upsert", a, a.street, a.community, "alert")])
        return a

    def add_cap_warning(self, *, level: str, headline: str, description: str) -> Alert:
        cap = cap_xml(self._alert_seq + 1, headline, description, level, self.now())
        return self.add_alert(category="early_warning", level=level, title=headline, description=description,
                              community="", source="early_warning", cap=cap)

    def set_reading(self, device: Device, value: float) -> Alert | None:
        """One reading of ``device``; crossing its alarm line raises the feed's threshold alert."""
        from console.models import Reading, ReadingBatch

        name, metric, unit, base, noise, warn, alarm, direction, _c, _w = DEVICE_KINDS[device.kind]
        value = round(value, 3)
        self.values[device.id] = value
        self.emit([("reading.batch", ReadingBatch(readings=(Reading(device_id=device.id, metric=metric, value=value,
                                                                     ts=self.now()),)), device.street, None, None)])
        over = value >= alarm if direction == "higher" else value <= alarm
        if over and device.id not in self._alarmed:
            self._alarmed.add(device.id)
            meta = DEVICE_KINDS[device.kind]
            return self.add_alert(category=meta[8], level="orange", title=f"{device.name}{meta[0]}超阈值",
                                  description=f"{device.name}监测值 {value:.2f}{meta[2]}，报警阈值 {meta[6]}{meta[2]}。",
                                  community=device.community or "", source="iot_threshold", device=device)
        return None

    def set_device_status(self, device: Device, status: str) -> Device:
        d = device.model_copy(update={"status": status, "rev": device.rev + 1, "updated_at": self.now()})
        self.devices[d.id] = d
        self.emit([("device.upsert", d, d.street, d.community, "device")])
        return d

    def set_camera_status(self, camera: Camera, status: str) -> Camera:
        c = camera.model_copy(update={"status": status, "rev": camera.rev + 1, "updated_at": self.now()})
        self.cameras[c.id] = c
        self.emit([("camera.upsert", c, c.street, c.community, "camera")])
        return c

    def set_camera_clip(self, camera_id: str, url: str) -> Camera | None:
        """Point a camera's streams at a clip from the drill package (a local file)."""
        from console.models import CameraStreams

        cam = self.cameras.get(camera_id)
        if cam is None:
            return None
        c = cam.model_copy(update={"streams": CameraStreams(main=url, sub=url), "rev": cam.rev + 1,
                                   "updated_at": self.now()})
        self.cameras[c.id] = c
        self.emit([("camera.upsert", c, c.street, c.community, "camera")])
        return c

    def notice(self, text: str, severity: str = "info") -> int:
        """A notice envelope (a unit's message to the duty room), persisted like every event."""
        self.head += 1
        env = NoticeEnvelope(v=1, id=str(self.head), ts=self.now(), type="notice", scope=Scope(),
                             payload=Notice(id=f"{DRILL_PREFIX}-N{self.head}", severity=severity, text=text))  # type: ignore[arg-type]
        body = env.model_dump_json().encode("utf-8")
        self.store.append([(self.head, "notice", None, body)], [])
        self.hub.publish(self.head, "notice", None, body)
        return self.head

    def execute(self, cmd: Command, user: User, idempotency_key: str) -> tuple[int, str]:
        """The rulebook's command handling (roles, scope, state machine, idempotency), drill-prefixed ids."""
        if self.store.idempotent(idempotency_key) is None:
            cmd = _drill_ids(self, cmd)
        return super().execute(cmd, user, idempotency_key)

    def declare(self, command: Command, actor: str) -> tuple[int, str]:
        """The district headquarters declares an incident (supervisor role, through the same handler)."""
        return self.execute(command, User("drill-hq", "supervisor", actor), command.id)


def community_centre(community: str) -> tuple[float, float]:
    for s in geo.load_catalogue("streets.json")["streets"]:
        for c in s["communities"]:
            if c["id"] == community:
                return c["centre"]["lon"], c["centre"]["lat"]
    raise KeyError(community)


def catalogue_layers() -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """(layer infos, id → GeoJSON) as the feed serves them, for a drill package."""
    infos: list[dict[str, Any]] = []
    docs: dict[str, dict[str, Any]] = {}
    for lid, (info, doc) in geo.layers().items():
        feats = doc.get("features", [])
        infos.append({"id": lid, **info, "feature_count": len(feats)})
        docs[lid] = doc
    return infos, docs


def catalogue_plans() -> str:
    from district.plans import plan_list

    return plan_list().model_dump_json()


def render_tiles(bbox: tuple[float, float, float, float], zooms: tuple[int, ...]) -> list[tuple[int, int, int, bytes]]:
    """The feed's XYZ tiles covering ``bbox`` (lon0, lat0, lon1, lat1) at ``zooms``."""
    from simulator.tiles import render_tile, tile_for

    out = []
    for z in zooms:
        x0, y0 = tile_for(bbox[0], bbox[3], z)
        x1, y1 = tile_for(bbox[2], bbox[1], z)
        for x in range(min(x0, x1), max(x0, x1) + 1):
            for y in range(min(y0, y1), max(y0, y1) + 1):
                out.append((z, x, y, render_tile(z, x, y)))
    return out


def encode_clips(world: District, camera_ids: list[str], out_dir: Path) -> dict[str, bytes]:
    """Short H.264 MPEG-TS clips (the feed's own encoder) of the sub stream for ``camera_ids``."""
    from simulator.video import encode_clip

    out_dir.mkdir(parents=True, exist_ok=True)
    clips: dict[str, bytes] = {}
    for cid in camera_ids:
        cam = world.cameras.get(cid)
        if cam is None:
            continue
        path = out_dir / f"{cid}-sub.ts"
        encode_clip(cam, "sub", path)
        clips[cid] = path.read_bytes()
    return clips


def level_zh(level: str) -> str:
    return LEVEL_ZH.get(level, level)


def minutes(delta: timedelta) -> float:
    return delta.total_seconds() / 60.0


def dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True)


def _drill_ids(world: DrillWorld, cmd: Command) -> Command:
    """The arbiter names what it creates with the drill prefix (the feed would say INC…/TSK…)."""
    if cmd.kind == "incident.declare" and cmd.target_id in ("", "new"):
        world._incident_seq += 1
        world._save_seq()
        return cmd.model_copy(update={"target_id": f"{DRILL_PREFIX}INC{world._incident_seq:04d}"})
    if cmd.kind == "task.issue" and not cmd.args.get("task_id"):
        world._task_seq += 1
        world._save_seq()
        return cmd.model_copy(update={"args": {**cmd.args, "task_id": f"{DRILL_PREFIX}TSK{world._task_seq:05d}"}})
    return cmd


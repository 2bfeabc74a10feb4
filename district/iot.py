"""IoT threshold rules: when a device reading raises an alert, and what that alert says.

One crossing of a device's alarm line raises one alert; the device may raise another
only after a reading came back on the safe side of its warning line (hysteresis). A
device whose alarm line lies below its warning line (hydrant pressure) alarms when the
value falls. The alert's title, description, category and source are those the
synthetic district (``simulator.world``) gives its threshold alerts, so the console
shows the same thing whichever server raised it.
"""

from __future__ import annotations

import math
from datetime import datetime

from console.models import Alert, AlertNote, Device, GeoPoint

# kind → (Chinese name, alert category); the same as simulator.world_data.DEVICE_KINDS
# (tests/gateway/test_gateway_mqtt.py checks that they agree).
DEVICE_KIND_RULES: dict[str, tuple[str, str]] = {
    "river_level": ("河道水位", "river_level"),
    "waterlogging": ("内涝积水", "waterlogging"),
    "rain_gauge": ("雨量", "waterlogging"),
    "slope_displacement": ("边坡位移", "slope"),
    "air_quality": ("空气质量", "air_quality"),
    "noise": ("噪声", "noise"),
    "smoke": ("烟感", "smoke"),
    "hydrant_pressure": ("消火栓水压", "hydrant"),
    "manhole_cover": ("井盖", "manhole"),
}
IOT_ACTOR = "物联感知平台"
NEAR_CAMERA_DEG = 0.015


def falling(device: Device) -> bool:
    """Whether the device alarms on a falling value (its alarm line below its warning line)."""
    th = device.thresholds
    return th.warn is not None and th.alarm is not None and th.alarm < th.warn


def beyond_alarm(device: Device, value: float) -> bool:
    alarm = device.thresholds.alarm
    if alarm is None:
        return False
    return value <= alarm if falling(device) else value >= alarm


def back_inside_warning(device: Device, value: float) -> bool:
    th = device.thresholds
    line = th.warn if th.warn is not None else th.alarm
    if line is None:
        return True
    return value > line if falling(device) else value < line


class ThresholdWatch:
    """Which devices are past their alarm line; :meth:`observe` says when one newly crosses it."""

    def __init__(self, alarmed: set[str] | None = None) -> None:
        self.alarmed: set[str] = set(alarmed or ())

    def observe(self, device: Device, value: float) -> bool:
        """Fold one reading; True when it is a new crossing (an alert is due)."""
        if beyond_alarm(device, value):
            if device.id in self.alarmed:
                return False
            self.alarmed.add(device.id)
            return True
        if back_inside_warning(device, value):
            self.alarmed.discard(device.id)
        return False


def threshold_text(device: Device, value: float) -> tuple[str, str]:
    """(title, description) of a threshold alert, worded as the synthetic district words it."""
    name_zh = DEVICE_KIND_RULES.get(device.kind, (device.kind, ""))[0]
    alarm = device.thresholds.alarm
    return (f"{device.name}{name_zh}超阈值",
            f"{device.name}监测值 {value:.2f}{device.unit}，报警阈值 {alarm}{device.unit}。")


def threshold_level(device: Device, value: float) -> str:
    """Orange at the alarm line; red once past it by another warning-to-alarm gap."""
    th = device.thresholds
    if th.warn is None or th.alarm is None:
        return "orange"
    gap = abs(th.alarm - th.warn)
    far = value <= th.alarm - gap if falling(device) else value >= th.alarm + gap
    return "red" if far else "orange"


def near_cameras(loc: GeoPoint | None, cameras: dict[str, object] | None, limit: int = 2) -> tuple[str, ...]:
    """The ids of the (at most ``limit``) cameras within ``NEAR_CAMERA_DEG`` of ``loc``, nearest first."""
    if loc is None or not cameras:
        return ()
    near = sorted((math.hypot(c.location.lon - loc.lon, c.location.lat - loc.lat), cid)  # type: ignore[attr-defined]
                  for cid, c in cameras.items())
    return tuple(cid for d, cid in near[:limit] if d <= NEAR_CAMERA_DEG)


def threshold_alert(device: Device, value: float, alert_id: str, now: datetime,
                    cameras: dict[str, object] | None = None) -> Alert:
    """The new alert a crossing raises (status new, source ``iot_threshold``, near cameras attached)."""
    title, desc = threshold_text(device, value)
    category = DEVICE_KIND_RULES.get(device.kind, ("", "waterlogging"))[1]
    cams = near_cameras(device.location, cameras)
    return Alert(id=alert_id, rev=1, level=threshold_level(device, value), status="new",  # type: ignore[arg-type]
                 source="iot_threshold", category=category, title=title, description=desc, street=device.street,
                 community=device.community, location=device.location, device_id=device.id, camera_ids=cams,
                 created_at=now, updated_at=now,
                 timeline=(AlertNote(ts=now, actor=IOT_ACTOR, action="create", text="事件上报"),))

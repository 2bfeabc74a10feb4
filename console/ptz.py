"""PTZ (云台) control of a camera: operator steps become ``camera.ptz`` commands.

The wire command carries absolute positions (pan ±180°, tilt ±90°, zoom 1–30×, as the
feed checks them); this module keeps the last position the console asked for per
camera, applies a step, clamps it, and submits through :class:`console.commands.Commands`
(outbox first, audit, then the sender), like every other operator action.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

PAN_STEP = 15.0
TILT_STEP = 10.0
ZOOM_STEP = 1.0

STEPS: dict[str, tuple[float, float, float]] = {
    "left": (-PAN_STEP, 0.0, 0.0),
    "right": (PAN_STEP, 0.0, 0.0),
    "up": (0.0, TILT_STEP, 0.0),
    "down": (0.0, -TILT_STEP, 0.0),
    "zoom_in": (0.0, 0.0, ZOOM_STEP),
    "zoom_out": (0.0, 0.0, -ZOOM_STEP),
}


class PtzError(ValueError):
    """A PTZ step that cannot be sent; the message is Chinese, for the operator."""


@dataclass
class PtzPosition:
    pan: float = 0.0
    tilt: float = 0.0
    zoom: float = 1.0


def _clamp(v: float, lo: float, hi: float) -> float:
    return max(lo, min(hi, v))


class PtzControl:
    """Turns PTZ steps into ``camera.ptz`` commands for one console."""

    def __init__(self, commands: Any) -> None:
        self._commands = commands
        self.positions: dict[str, PtzPosition] = {}

    def step(self, camera: Any, action: str) -> Any:
        """Move ``camera`` one step (left/right/up/down/zoom_in/zoom_out); returns the Command."""
        if action not in STEPS:
            raise PtzError(f"未知的云台动作：{action}")
        if camera is None:
            raise PtzError("该画面没有摄像机")
        if not getattr(camera, "ptz", False):
            raise PtzError(f"{camera.name}不支持云台控制")
        if camera.status != "online":
            raise PtzError(f"{camera.name}离线，不能控制云台")
        if self._commands is None:
            raise PtzError("云台指令无法发送：控制台未连接指令通道")
        dp, dt, dz = STEPS[action]
        pos = self.positions.get(camera.id, PtzPosition())
        new = PtzPosition(_clamp(pos.pan + dp, -180, 180), _clamp(pos.tilt + dt, -90, 90),
                          _clamp(pos.zoom + dz, 1, 30))
        if new == pos:
            raise PtzError("云台已到极限位置")
        cmd = self._commands.submit("camera.ptz", camera.id,
                                    {"pan": new.pan, "tilt": new.tilt, "zoom": new.zoom})
        self.positions[camera.id] = new
        return cmd

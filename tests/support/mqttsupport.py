"""Devices over MQTT for the gateway tests: a paho-mqtt client speaking for the district's
devices, a console's stream of reading batches, a value on the quiet side of a device's
warning line."""

from __future__ import annotations

import json
import uuid
from typing import Any

import paho.mqtt.client as mqtt

from console.models import Device
from tests.support import natsupport
from tests.support.natsupport import until


class SseTap(natsupport.SseTap):
    """A console's stream of one replica (``reading.batch`` by default)."""

    def __init__(self, url: str, topics: str = "reading.batch") -> None:
        super().__init__(url, topics)

    def batches(self) -> list[dict[str, Any]]:
        return [e for e in list(self.events) if e["type"] == "reading.batch"]

    def values(self) -> list[tuple[str, float]]:
        return [(r["device_id"], r["value"]) for e in self.batches() for r in e["payload"]["readings"]]


class Devices:
    """A paho-mqtt client that speaks for the district's devices."""

    def __init__(self, port: int) -> None:
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"test-{uuid.uuid4().hex[:12]}")
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        until(self.client.is_connected, 10)
        self.last: Any = None

    def send(self, topic: str, body: bytes | str | dict[str, Any]) -> None:
        data = json.dumps(body) if isinstance(body, dict) else body
        self.last = self.client.publish(topic, data)

    def reading(self, d: Device, value: float, **extra: Any) -> None:
        self.send(f"pingshan/iot/{d.street}/{d.id}/reading", {"metric": d.metric, "value": value, **extra})

    def flush(self) -> None:
        if self.last is not None:
            self.last.wait_for_publish(10)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def quiet_value(d: Device, k: int) -> float:
    """A unique value on the safe side of the device's warning line."""
    th = d.thresholds
    assert th.warn is not None and th.alarm is not None
    base = th.warn * 2 if th.alarm < th.warn else th.warn * 0.5
    return round(base + k * 1e-6, 6)

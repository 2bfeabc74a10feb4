"""IoT devices over MQTT: readings and status into the district's envelope stream, by one replica at a time.

**Topics.** Devices publish to nats-server's MQTT listener (``mqtt { listen: … }``; it needs
JetStream and a ``server_name``):

``pingshan/iot/<street>/<device_id>/reading``  ``{"metric": str?, "value": number, "ts": epoch-s | ISO-8601?}``
``pingshan/iot/<street>/<device_id>/status``   ``{"status": "online" | "offline" | "fault", "ts": …?}``

The listener maps topic levels to subject tokens, so they arrive as
``pingshan.iot.<street>.<device_id>.reading|status``.

**Capture.** Stream ``PINGSHAN_IOT`` (subjects ``pingshan.iot.>``, limits retention: one
hour, 1 GiB, ``--stream-replicas`` copies) keeps what devices sent while no replica was
taking it (a leader change, a restart). One durable pull consumer, ``iot-ingest``
(``AckPolicy.ALL``: one ack per flushed window, not one per message), is shared by the
replicas.

**One aggregator.** Only the replica holding the lease pulls from the consumer. The lease
is key ``leader`` in the KV bucket ``pingshan-iot-lease`` (bucket TTL ``LEASE_TTL_S``):
taken with ``create`` (fails while another holds it), renewed with ``update`` on its last
revision before every flush (fails once another took it: the replica stops pulling and
drops its unacked window, which the consumer redelivers to the new holder after
``ACK_WAIT_S``; a new holder that finds such a window pending waits for it to fall due before it
pulls anything, or its first ack, ``AckPolicy.ALL``, would acknowledge that window unread). A
replica that stops deletes the key so another takes over at once.
So two replicas never both emit the same window; across a leader change a window may be
emitted twice (at least once), which is harmless for batches (last values) and refused
for alerts (their ``Nats-Msg-Id`` is the alert id, derived from the IoT stream sequence
of the crossing reading, inside the event stream's de-duplication window).

**Window.** Every ``flush_s`` (default 1 s) the holder emits, into the event stream the
consoles take (:mod:`gateway.stream`): per street one ``reading.batch`` with the last
value of each device that reported (split above ``MAX_READINGS_PER_ENVELOPE``), one
``device.upsert`` per device whose status at the window's end differs from its last one, one ``alert.upsert`` per new threshold
crossing (:mod:`district.iot`: once per crossing, re-armed below the warning line; the
set of devices past their alarm line is kept in KV ``pingshan-iot-state`` so a new
holder does not raise them again). Only then is the window acked.

**Bad messages** (``REASONS``: not JSON, missing or extra fields, unknown device, wrong
street for the device, wrong metric, non-numeric or non-finite value, bad status or
time, oversize, unknown topic) change nothing: each is counted per reason (``/metrics``)
and stored in stream ``PINGSHAN_DEADLETTER`` as ``pingshan.deadletter.<reason>`` (the
first ``MAX_MESSAGE_BYTES`` of the body; headers ``Pingshan-Reason`` and
``Pingshan-Subject``; 10,000 kept), and the ingest goes on.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import time
import uuid
from datetime import datetime, timezone
from typing import Any

import nats.errors
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy, KeyValueConfig, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import BucketNotFoundError, KeyNotFoundError, KeyWrongLastSequenceError, NotFoundError

from console.models import Device, Reading, ReadingBatch
from district.iot import ThresholdWatch, threshold_alert
from district.vocabulary import DISTRICT_TZ
from gateway.replica import Replica, envelope_message
from gateway.stream import EventLog, Outgoing

log = logging.getLogger("gateway.ingest")

IOT_STREAM = "PINGSHAN_IOT"
IOT_SUBJECT = "pingshan.iot.>"
DEAD_STREAM = "PINGSHAN_DEADLETTER"
DEAD_PREFIX = "pingshan.deadletter"
CONSUMER = "iot-ingest"
LEASE_BUCKET = "pingshan-iot-lease"
STATE_BUCKET = "pingshan-iot-state"
LEASE_KEY = "leader"
LEASE_TTL_S = 3.0
ACK_WAIT_S = 5.0
MAX_MESSAGE_BYTES = 4096
MAX_READINGS_PER_ENVELOPE = 2000  # ~200 KB per envelope: far below NATS's 1 MB payload and the console's limit
FETCH_BATCH = 2000
REASONS = ("not_json", "bad_fields", "unknown_device", "wrong_street", "wrong_metric", "not_numeric", "not_finite",
           "bad_status", "bad_ts", "oversize", "bad_topic")
STATUSES = ("online", "offline", "fault")


class Rejected(Exception):
    """A device message that changes nothing; ``reason`` is one of ``REASONS``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class IotIngest:
    """The MQTT device ingest of one gateway replica: standby, or the one aggregator (lease holder)."""

    def __init__(self, events: EventLog, replica: Replica, *, flush_s: float = 1.0, replicas: int = 1) -> None:
        self.events = events
        self.replica = replica
        self.flush_s = flush_s
        self.replicas = replicas
        self.me = uuid.uuid4().hex
        self.leader = False
        self.watch = ThresholdWatch()
        self._alarmed_saved: frozenset[str] = frozenset()
        self._lease_rev = 0
        self._lease_kv: Any = None
        self._state_kv: Any = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._overlay: dict[str, Device] = {}  # devices as this ingest last emitted them (ahead of the fold)
        self._reset_window()
        self.rejected: dict[str, int] = {r: 0 for r in REASONS}
        self.metrics: dict[str, float] = {"messages_in": 0, "readings_in": 0, "status_in": 0, "batches_out": 0,
                                          "readings_out": 0, "device_upserts_out": 0, "alerts_out": 0,
                                          "windows": 0, "leader_changes": 0, "pending": 0, "lag_s": 0.0}

    def _reset_window(self) -> None:
        self._readings: dict[str | None, dict[str, Reading]] = {}
        self._status: dict[str, tuple[str, datetime]] = {}
        self._alerts: list[Outgoing] = []
        self._dead: list[Outgoing] = []
        self._last_msg: Any = None

    # ------------------------------------------------------------------ life

    async def ensure(self) -> None:
        """Create (or adopt) the capture and dead-letter streams, the consumer and the buckets."""
        js = self.events.js
        assert js is not None
        streams = [StreamConfig(name=IOT_STREAM, subjects=[IOT_SUBJECT], retention=RetentionPolicy.LIMITS,
                                storage=StorageType.FILE, num_replicas=self.replicas, max_age=3600.0,
                                max_bytes=1 << 30, description="Device messages from the MQTT listener"),
                   StreamConfig(name=DEAD_STREAM, subjects=[DEAD_PREFIX + ".>"], storage=StorageType.FILE,
                                num_replicas=self.replicas, max_msgs=10_000, max_age=7 * 86400.0,
                                description="Device messages the ingest refused, with the reason")]
        for config in streams:
            try:
                await js.stream_info(config.name)  # type: ignore[arg-type]
            except NotFoundError:
                await js.add_stream(config)
        await js.add_consumer(IOT_STREAM, ConsumerConfig(
            durable_name=CONSUMER, ack_policy=AckPolicy.ALL, deliver_policy=DeliverPolicy.ALL,
            ack_wait=ACK_WAIT_S, max_ack_pending=1_000_000, filter_subject=IOT_SUBJECT,
            description="The one IoT aggregator (the pingshan-iot-lease holder) pulls here"))
        self._lease_kv = await self._bucket(LEASE_BUCKET, ttl=LEASE_TTL_S)
        self._state_kv = await self._bucket(STATE_BUCKET, ttl=None)

    async def _bucket(self, name: str, ttl: float | None) -> Any:
        js = self.events.js
        assert js is not None
        try:
            return await js.key_value(name)
        except BucketNotFoundError:
            return await js.create_key_value(KeyValueConfig(bucket=name, history=1, ttl=ttl, replicas=self.replicas,
                                                            storage=StorageType.FILE))

    async def start(self) -> None:
        await self.ensure()
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        self._stopping = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(BaseException):
                await self._task
        if self.leader:
            self.leader = False
            with contextlib.suppress(Exception):
                await self._lease_kv.delete(LEASE_KEY, last=self._lease_rev)  # hand over at once

    async def _run(self) -> None:
        while not self._stopping:
            try:
                if await self._take_lease():
                    await self._lead()
                else:
                    await asyncio.sleep(self.flush_s)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - NATS away or a bug in one window: log, stand down, try again
                log.exception("IoT ingest stood down")
                self.leader = False
                await asyncio.sleep(self.flush_s)

    async def _take_lease(self) -> bool:
        try:
            self._lease_rev = await self._lease_kv.create(LEASE_KEY, self.me.encode())
        except KeyWrongLastSequenceError:
            return False
        except nats.errors.Error as exc:
            if "wrong last sequence" in str(exc).lower() or "key exists" in str(exc).lower():
                return False
            raise
        return True

    async def _renew(self) -> bool:
        try:
            self._lease_rev = await self._lease_kv.update(LEASE_KEY, self.me.encode(), last=self._lease_rev)
        except (KeyWrongLastSequenceError, nats.errors.Error):
            return False
        return True

    async def _load_alarmed(self) -> None:
        try:
            entry = await self._state_kv.get("alarmed")
            alarmed = set(json.loads(entry.value)) if entry.value else set()
        except KeyNotFoundError:
            alarmed = set()
        self.watch = ThresholdWatch(alarmed)
        self._alarmed_saved = frozenset(alarmed)

    async def _lead(self) -> None:
        """Pull, fold and flush windows while the lease holds."""
        self.leader = True
        self.metrics["leader_changes"] += 1
        log.warning("IoT ingest: this replica aggregates the devices now")
        await self._load_alarmed()
        self._overlay.clear()
        self._reset_window()
        js = self.events.js
        assert js is not None
        psub = await js.pull_subscribe_bind(CONSUMER, stream=IOT_STREAM)
        try:
            if not await self._let_previous_window_fall_due():
                return
            due = time.monotonic() + self.flush_s
            while not self._stopping:
                wait = max(due - time.monotonic(), 0.01)
                try:
                    msgs = await psub.fetch(FETCH_BATCH, timeout=wait)
                except (nats.errors.TimeoutError, asyncio.TimeoutError):  # nats-py raises either
                    msgs = []
                for msg in msgs:
                    self.take(msg.subject, msg.data, seq=int(msg.metadata.sequence.stream))
                    self._last_msg = msg
                if msgs:
                    md = msgs[-1].metadata
                    self.metrics["pending"] = float(md.num_pending)
                    self.metrics["lag_s"] = max(0.0, time.time() - md.timestamp.timestamp())
                if time.monotonic() >= due:
                    if not await self.flush():
                        return
                    due = time.monotonic() + self.flush_s
        finally:
            self.leader = False
            with contextlib.suppress(Exception):
                await psub.unsubscribe()

    async def _let_previous_window_fall_due(self) -> bool:
        """Before pulling anything, let a previous holder's unacknowledged window fall due for redelivery.

        A holder that died (or stopped) between fetching a window and acking it leaves those
        messages pending on the consumer. With ``AckPolicy.ALL`` this holder's first ack, of
        newer messages, would acknowledge them too, and they would never be folded (a crossing
        in that window: no alert at all). Waiting ``ACK_WAIT_S`` (renewing the lease) makes the
        consumer hand them out again first, in stream order. False when the lease was lost.
        """
        js = self.events.js
        assert js is not None
        info = await js.consumer_info(IOT_STREAM, CONSUMER)
        if not info.num_ack_pending:
            return True
        log.warning("IoT ingest: %d device messages of the previous holder not acked; taking them first",
                    info.num_ack_pending)
        end = time.monotonic() + ACK_WAIT_S + 0.2
        while (left := end - time.monotonic()) > 0:
            await asyncio.sleep(min(left, self.flush_s, LEASE_TTL_S / 3))
            if not await self._renew():
                return False
        return True

    # ------------------------------------------------------------------ one message

    def take(self, subject: str, data: bytes, *, seq: int) -> str | None:
        """Fold one device message into the window; the reason when it is refused (and kept aside)."""
        self.metrics["messages_in"] += 1
        try:
            self._fold(subject, data, seq)
        except Rejected as exc:
            self.rejected[exc.reason] += 1
            self._dead.append(Outgoing(f"{DEAD_PREFIX}.{exc.reason}", data[:MAX_MESSAGE_BYTES],
                                       {"Pingshan-Reason": exc.reason, "Pingshan-Subject": subject[:512]}))
            return exc.reason
        return None

    def _fold(self, subject: str, data: bytes, seq: int) -> None:
        parts = subject.split(".")
        if len(parts) != 5 or parts[4] not in ("reading", "status"):
            raise Rejected("bad_topic")
        _p, _i, street, device_id, what = parts
        if len(data) > MAX_MESSAGE_BYTES:
            raise Rejected("oversize")
        try:
            doc = json.loads(data)
        except (ValueError, UnicodeDecodeError):
            raise Rejected("not_json") from None
        if not isinstance(doc, dict):
            raise Rejected("bad_fields")
        device = self._device(device_id)
        if device is None:
            raise Rejected("unknown_device")
        if device.street != street:
            raise Rejected("wrong_street")
        ts = _when(doc.get("ts"))
        if what == "reading":
            if not set(doc) <= {"metric", "value", "ts"} or "value" not in doc:
                raise Rejected("bad_fields")
            metric = doc.get("metric", device.metric)
            if metric != device.metric:
                raise Rejected("wrong_metric")
            value = doc["value"]
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise Rejected("not_numeric")
            value = float(value)
            if not math.isfinite(value):
                raise Rejected("not_finite")
            # Validated: from here on nothing can refuse it, so nothing is half-applied.
            self.metrics["readings_in"] += 1
            self._readings.setdefault(street, {})[device_id] = Reading(device_id=device_id, metric=metric,
                                                                       value=value, ts=ts)
            if self.watch.observe(device, value):
                alert = threshold_alert(device, value, self.replica.rules.local_id("IOT", seq, 10), ts,
                                        self.replica.rules.cameras)
                m = envelope_message("alert.upsert", alert, alert.street, alert.community, ts=ts)
                m.headers["Nats-Msg-Id"] = alert.id
                self._alerts.append(m)
        else:
            if not set(doc) <= {"status", "ts"} or "status" not in doc:
                raise Rejected("bad_fields")
            status = doc["status"]
            if status not in STATUSES:
                raise Rejected("bad_status")
            self.metrics["status_in"] += 1
            self._status[device_id] = (status, ts)  # the window's last word counts

    def _device(self, device_id: str) -> Device | None:
        folded = self.replica.rules.devices.get(device_id)
        mine = self._overlay.get(device_id)
        if mine is None:
            return folded
        if folded is None or folded.rev <= mine.rev:
            return mine
        del self._overlay[device_id]  # the fold is ahead (another writer): trust it
        return folded

    # ------------------------------------------------------------------ one window

    async def flush(self) -> bool:
        """Emit the window and ack it; False when the lease was lost (nothing emitted, nothing acked)."""
        if not await self._renew():
            log.warning("IoT ingest: lease lost; another replica aggregates now")
            self._overlay.clear()
            self._reset_window()
            return False
        out: list[Outgoing] = []
        now = datetime.now(DISTRICT_TZ)
        for street in sorted(self._readings, key=lambda s: s or ""):
            readings = list(self._readings[street].values())
            for k in range(0, len(readings), MAX_READINGS_PER_ENVELOPE):
                chunk = tuple(readings[k:k + MAX_READINGS_PER_ENVELOPE])
                out.append(envelope_message("reading.batch", ReadingBatch(readings=chunk), street, None, ts=now))
                self.metrics["batches_out"] += 1
                self.metrics["readings_out"] += len(chunk)
        changed: list[Device] = []
        for device_id, (status, ts) in self._status.items():
            d = self._device(device_id)
            if d is not None and d.status != status:
                changed.append(d.model_copy(update={"status": status, "rev": d.rev + 1, "updated_at": ts}))
        for d in changed:
            out.append(envelope_message("device.upsert", d, d.street, d.community, ts=now))
        out.extend(self._alerts)
        out.extend(self._dead)
        if out:
            await self.events.publish_many(out)
        alarmed = frozenset(self.watch.alarmed)
        if alarmed != self._alarmed_saved:
            await self._state_kv.put("alarmed", json.dumps(sorted(alarmed)).encode())
            self._alarmed_saved = alarmed
        if self._last_msg is not None:
            await self._last_msg.ack()  # AckPolicy.ALL: the whole window, now that it is stored
        for d in changed:
            self._overlay[d.id] = d  # ahead of the fold until it folds them
        self.metrics["device_upserts_out"] += len(changed)
        self.metrics["alerts_out"] += len(self._alerts)
        self.metrics["windows"] += 1
        self._reset_window()
        return True

    # ------------------------------------------------------------------ /metrics

    def metrics_lines(self) -> list[str]:
        """Prometheus text lines of this replica's ingest."""
        m = self.metrics
        return [
            "# TYPE pingshan_gateway_iot_leader gauge",
            f"pingshan_gateway_iot_leader {1 if self.leader else 0}",
            "# TYPE pingshan_gateway_iot_messages_in_total counter",
            f'pingshan_gateway_iot_messages_in_total{{source="mqtt"}} {int(m["messages_in"])}',
            "# TYPE pingshan_gateway_iot_readings_in_total counter",
            f"pingshan_gateway_iot_readings_in_total {int(m['readings_in'])}",
            "# TYPE pingshan_gateway_iot_status_in_total counter",
            f"pingshan_gateway_iot_status_in_total {int(m['status_in'])}",
            "# TYPE pingshan_gateway_iot_rejected_total counter",
            *[f'pingshan_gateway_iot_rejected_total{{reason="{r}"}} {n}' for r, n in self.rejected.items()],
            "# TYPE pingshan_gateway_iot_batches_out_total counter",
            f"pingshan_gateway_iot_batches_out_total {int(m['batches_out'])}",
            "# TYPE pingshan_gateway_iot_readings_out_total counter",
            f"pingshan_gateway_iot_readings_out_total {int(m['readings_out'])}",
            "# TYPE pingshan_gateway_iot_device_upserts_out_total counter",
            f"pingshan_gateway_iot_device_upserts_out_total {int(m['device_upserts_out'])}",
            "# TYPE pingshan_gateway_iot_alerts_out_total counter",
            f"pingshan_gateway_iot_alerts_out_total {int(m['alerts_out'])}",
            "# TYPE pingshan_gateway_iot_windows_total counter",
            f"pingshan_gateway_iot_windows_total {int(m['windows'])}",
            "# TYPE pingshan_gateway_iot_pending gauge",
            f"pingshan_gateway_iot_pending {int(m['pending'])}",
            "# TYPE pingshan_gateway_iot_lag_seconds gauge",
            f"pingshan_gateway_iot_lag_seconds {m['lag_s']:.3f}",
        ]


def _when(raw: Any) -> datetime:
    """A device's ``ts`` (epoch seconds or ISO-8601 with an offset); now when absent."""
    if raw is None:
        return datetime.now(DISTRICT_TZ)
    if isinstance(raw, (int, float)) and not isinstance(raw, bool) and math.isfinite(raw) and 0 < raw < 1e11:
        return datetime.fromtimestamp(raw, timezone.utc).astimezone(DISTRICT_TZ)
    if isinstance(raw, str) and len(raw) <= 40:
        try:
            when = datetime.fromisoformat(raw)
        except ValueError:
            raise Rejected("bad_ts") from None
        if when.tzinfo is not None:
            return when.astimezone(DISTRICT_TZ)
    raise Rejected("bad_ts")

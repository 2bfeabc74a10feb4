"""Fan-out of stored envelopes to live SSE clients, shared by the embedded feed and the gateway.

A :class:`Subscriber` is one stream client with a bounded queue (count and bytes); the
:class:`Hub` hands every stored event to the subscribers whose scope and topics select
it and never blocks the producer: a client too slow to keep up is cut loose and
resumes with ``Last-Event-ID`` from the log.
"""

from __future__ import annotations

import asyncio


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

"""Login throttling shared by every gateway replica: the rulebook's arithmetic over a JetStream bucket.

A guesser who spreads attempts over several replicas must meet one counter, not one per
replica. Bucket ``pingshan-login`` (file storage, ``--stream-replicas`` copies) holds one
key per throttled user name or client address, ``user.<digest>`` / ``addr.<digest>``
(SHA-256 of the name: the bucket does not list who tried to log in), with the
:class:`~district.identity.Strikes` record as JSON in wall-clock seconds. The bucket's
max age is the throttle's ``window_s + max_delay_s``: a record nobody touched for that
long can no longer matter, and JetStream forgets it by itself.

A failure is a read-modify-write at the revision read (``update(last=…)``, or ``create``
for a new key): of two replicas counting a failure at once, the stream refuses the second
write and that replica reads and counts again, so no failure is lost to a race.

When NATS cannot be reached the throttle does not stand in the way of logging in (the
token store answers 503 then anyway): ``acheck`` answers 0 and a failure is counted in this
replica's memory, so guessing is still slowed.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import random
import time
from typing import Any

import nats
from nats.js.api import KeyValueConfig, StorageType
from nats.js.errors import APIError, BucketNotFoundError, KeyNotFoundError, KeyWrongLastSequenceError

from district.identity import LoginThrottle, Strikes
from gateway.stream import WRONG_LAST_SEQUENCE, EventLog

log = logging.getLogger("gateway.throttle")

LOGIN = "pingshan-login"
_UNREACHABLE = (nats.errors.Error, asyncio.TimeoutError, APIError, OSError)
_RACE_RETRIES = 32


def _key(kind: str, name: str) -> str:
    return f"{kind}.{hashlib.sha256(name.encode('utf-8')).hexdigest()}"


class SharedLoginThrottle(LoginThrottle):
    """:class:`~district.identity.LoginThrottle` whose records live in the ``pingshan-login`` bucket."""

    def __init__(self, events: EventLog, **kw: Any) -> None:
        kw.setdefault("clock", time.time)  # every replica's records are in wall-clock seconds
        super().__init__(**kw)
        self.events = events
        self.kv: Any = None

    async def ensure(self) -> None:
        """Create (or adopt) the bucket; call after ``events.connect()``."""
        js = self.events.js
        assert js is not None, "EventLog.connect() first"
        try:
            self.kv = await js.key_value(LOGIN)
        except BucketNotFoundError:
            self.kv = await js.create_key_value(KeyValueConfig(
                bucket=LOGIN, history=1, ttl=self.keep_s(), replicas=self.events.replicas,
                storage=StorageType.FILE))

    async def _read(self, key: str) -> tuple[Strikes | None, int]:
        try:
            entry = await self.kv.get(key)
        except KeyNotFoundError:
            return None, 0
        if not entry.value:
            return None, entry.revision or 0
        try:
            return Strikes.from_json(entry.value), entry.revision or 0
        except (ValueError, TypeError, KeyError):
            log.warning("login throttle record %s unreadable; counted afresh", key)
            return None, entry.revision or 0

    async def acheck(self, username: str, address: str) -> float:
        if self.kv is None:
            return self.check(username, address)
        now = self.clock()
        wait = self.check(username, address)  # failures counted here while NATS was away
        try:
            for kind, name in self.keys_of(username, address):
                strikes, _rev = await self._read(_key(kind, name))
                wait = max(wait, self.wait_of(strikes, now))
        except _UNREACHABLE:
            log.warning("login throttle bucket unreachable; this replica's own count applies")
        return wait

    async def afailed(self, username: str, address: str) -> None:
        if self.kv is None:
            self.failed(username, address)
            return
        try:
            for kind, name in self.keys_of(username, address):
                await self._strike(kind, _key(kind, name))
        except _UNREACHABLE:
            log.warning("login throttle bucket unreachable; failure counted on this replica only")
            self.failed(username, address)

    async def _strike(self, kind: str, key: str) -> None:
        for _ in range(_RACE_RETRIES):
            strikes, rev = await self._read(key)
            value = self.strike(kind, strikes, self.clock()).as_json()
            try:
                if rev:
                    await self.kv.update(key, value, last=rev)
                else:
                    await self.kv.create(key, value)
                return
            except APIError as exc:  # KeyWrongLastSequenceError included
                if not isinstance(exc, KeyWrongLastSequenceError) and exc.err_code != WRONG_LAST_SEQUENCE:
                    raise
            await asyncio.sleep(random.uniform(0.0, 0.01))  # another writer won: read again, a moment apart
        log.warning("login throttle key %s: lost %d races in a row; this failure is not counted", key, _RACE_RETRIES)

    async def asucceeded(self, username: str, address: str) -> None:
        self.succeeded(username, address)
        if self.kv is None:
            return
        kind, name = self.keys_of(username, address)[0]
        try:
            await self.kv.purge(_key(kind, name))
        except _UNREACHABLE:
            log.warning("login throttle bucket unreachable; the user's failures stay until they expire")

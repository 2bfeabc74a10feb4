"""Login tokens shared by every gateway replica: a :class:`~district.identity.GrantStore` in JetStream.

Bucket ``pingshan-tokens`` (file storage, ``--stream-replicas`` copies). One key per live
grant, ``access.<digest>`` or ``refresh.<digest>``, where the digest is the SHA-256 of the
token (:func:`district.identity.token_digest`): the bucket never holds a token, so whoever
can read it cannot log in with what they read. The value is the grant as JSON::

    {"username": "duty", "role": "operator", "name": "值班员", "street": null, "expires_at": 1767225600.0}

``expires_at`` is wall-clock seconds (every replica's book runs on ``time.time``), and
each key is written with a per-message TTL of the grant's lifetime, so the bucket forgets
an expired grant by itself.

* A login on replica A is answered after the grant is stored: replica B finds it at once
  (reads go to the stream leader, not to a cache that may lag).
* A refresh token is spent by deleting its key *at the revision just read* (expected last
  subject sequence): of two replicas spending one token at once, the second delete is
  refused by the stream, so exactly one of them issues a new pair.
* Revocation deletes (one user) or purges (everyone) keys; the next request on any
  replica reads the bucket and is refused.

When NATS cannot be reached the store raises :class:`~district.identity.GrantStoreUnavailable`
and the gateway answers 503 (the console retries, or moves to another replica), never 401.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
from typing import Any, Sequence

import nats
from nats.js.api import KeyValueConfig, StorageType
from nats.js.errors import APIError, BucketNotFoundError, KeyNotFoundError, NoKeysError

from district.identity import Grant, GrantStoreUnavailable
from district.roles import User
from gateway.stream import WRONG_LAST_SEQUENCE, EventLog

log = logging.getLogger("gateway.grants")

TOKENS = "pingshan-tokens"
_UNREACHABLE = (nats.errors.Error, asyncio.TimeoutError, APIError, OSError)


def _value(grant: Grant) -> bytes:
    u = grant.user
    return json.dumps({"username": u.username, "role": u.role, "name": u.name, "street": u.street,
                       "expires_at": grant.expires_at}, ensure_ascii=False).encode("utf-8")


def _grant(raw: bytes | None) -> Grant | None:
    if not raw:
        return None
    doc = json.loads(raw)
    return Grant(User(doc["username"], doc["role"], doc["name"], doc.get("street")), float(doc["expires_at"]))


class JetStreamGrants:
    """The token book's grants in the ``pingshan-tokens`` bucket, shared by all replicas on one stream."""

    def __init__(self, events: EventLog, *, replicas: int | None = None) -> None:
        self.events = events
        self.replicas = replicas if replicas is not None else events.replicas
        self.kv: Any = None

    async def ensure(self) -> None:
        """Create (or adopt) the bucket; call after ``events.connect()``."""
        js = self.events.js
        assert js is not None, "EventLog.connect() first"
        try:
            self.kv = await js.key_value(TOKENS)
        except BucketNotFoundError:
            # History 1: a grant is written once and then deleted; per-message TTLs expire the rest.
            self.kv = await js.create_key_value(KeyValueConfig(bucket=TOKENS, history=1, replicas=self.replicas,
                                                               storage=StorageType.FILE))

    def _kv(self) -> Any:
        if self.kv is None:
            raise GrantStoreUnavailable("token bucket not open")
        return self.kv

    async def put(self, kind: str, digest: str, grant: Grant, ttl_s: float) -> None:
        try:
            # create(): a key that exists (a digest collision) is refused rather than overwritten.
            await self._kv().create(f"{kind}.{digest}", _value(grant), msg_ttl=max(1, math.ceil(ttl_s)))
        except _UNREACHABLE as exc:
            raise GrantStoreUnavailable(str(exc)) from exc

    async def get(self, kind: str, digest: str) -> Grant | None:
        try:
            entry = await self._kv().get(f"{kind}.{digest}")
        except KeyNotFoundError:  # KeyDeletedError too: spent or revoked
            return None
        except _UNREACHABLE as exc:
            raise GrantStoreUnavailable(str(exc)) from exc
        return _grant(entry.value)

    async def take(self, kind: str, digest: str) -> Grant | None:
        key = f"{kind}.{digest}"
        kv = self._kv()
        try:
            entry = await kv.get(key)
        except KeyNotFoundError:
            return None
        except _UNREACHABLE as exc:
            raise GrantStoreUnavailable(str(exc)) from exc
        grant = _grant(entry.value)
        if grant is None:
            return None
        try:
            await kv.delete(key, last=entry.revision)
        except APIError as exc:
            if exc.err_code == WRONG_LAST_SEQUENCE:
                return None  # another replica spent it between our read and our delete
            raise GrantStoreUnavailable(str(exc)) from exc
        except _UNREACHABLE as exc:
            raise GrantStoreUnavailable(str(exc)) from exc
        return grant

    async def revoke(self, kinds: Sequence[str], username: str | None = None) -> int:
        kv = self._kv()
        n = 0
        try:
            try:
                every = await kv.keys()  # (nats-py's key "filters" are substrings; filter here)
            except NoKeysError:
                return 0
            for kind in kinds:
                keys = [k for k in every if k.startswith(f"{kind}.")]
                if not keys:
                    continue
                if username is None:
                    n += len(keys)
                    js = self.events.js
                    assert js is not None
                    await js.purge_stream(f"KV_{TOKENS}", subject=f"$KV.{TOKENS}.{kind}.>")
                    continue
                for key in keys:
                    try:
                        grant = _grant((await kv.get(key)).value)
                    except KeyNotFoundError:
                        continue
                    if grant is not None and grant.user.username == username:
                        await kv.purge(key)
                        n += 1
        except _UNREACHABLE as exc:
            raise GrantStoreUnavailable(str(exc)) from exc
        return n

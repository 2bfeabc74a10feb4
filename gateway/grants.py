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

import argparse
import asyncio
import json
import logging
import math
import sys
import time
from typing import Any, Sequence

import nats
from nats.js.api import KeyValueConfig, StorageType
from nats.js.errors import APIError, BucketNotFoundError, KeyNotFoundError, NoKeysError

from district.identity import ACCESS, GRANT_KINDS, Grant, GrantStoreUnavailable
from district.roles import User
from gateway.stream import WRONG_LAST_SEQUENCE, EventLog

log = logging.getLogger("gateway.grants")

TOKENS = "pingshan-tokens"
CLI_CONNECT_S = 10.0
REVOKE_PASSES = 5
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
        """Void grants; repeated until a pass finds none left (a key listing taken while other
        replicas write can miss a key; a revocation must not)."""
        total = 0
        for _ in range(REVOKE_PASSES):
            n = await self._revoke_pass(kinds, username)
            total += n
            if n == 0:
                break
        return total

    async def _revoke_pass(self, kinds: Sequence[str], username: str | None) -> int:
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


async def _tokens(servers: list[str], action: str, username: str | None, access_only: bool) -> int:
    events = EventLog(servers, name="pingshan-gateway-tokens")
    logging.getLogger("gateway.stream").setLevel(logging.CRITICAL)  # one clear line below, not a retry log
    try:
        await asyncio.wait_for(events.connect(), CLI_CONNECT_S)
    except asyncio.TimeoutError:
        raise GrantStoreUnavailable(f"{CLI_CONNECT_S:.0f} 秒内连不上 {', '.join(servers)}") from None
    try:
        grants = JetStreamGrants(events)
        await grants.ensure()
        if action == "revoke":
            kinds = (ACCESS,) if access_only else GRANT_KINDS
            n = await grants.revoke(kinds, username)
            who = f"用户 {username} 的" if username else "全部"
            print(f"已吊销{who}{'访问' if access_only else ''}令牌 {n} 个（所有网关副本立即生效）")
            return 0
        kv = grants._kv()
        try:
            keys = await kv.keys()
        except NoKeysError:
            keys = []
        rows = []
        for key in sorted(keys):
            try:
                grant = _grant((await kv.get(key)).value)
            except KeyNotFoundError:
                continue
            if grant is not None and (username is None or grant.user.username == username):
                rows.append((grant.user.username, key.split(".", 1)[0], grant.expires_at))
        for name, kind, expires in sorted(rows):
            left = max(0, int(expires - time.time()))
            print(f"{name}\t{kind}\t{left} s")
        print(f"共 {len(rows)} 个有效令牌")
        return 0
    finally:
        await events.close()


def tokens_main(argv: list[str]) -> int:
    """``pingshan-gateway tokens list|revoke …``: the login grants every replica shares.

    ``revoke --user NAME`` ends one user's sessions (after ``users remove``, a lost laptop);
    ``revoke --all`` everyone's (a leaked signing secret, the end of a drill). The next request
    on any replica is refused with 401 and the console returns to its login dialog.
    """
    p = argparse.ArgumentParser(prog="pingshan-gateway tokens", description="网关登录令牌：查看与吊销")
    p.add_argument("action", choices=["list", "revoke"])
    p.add_argument("--nats", default="nats://127.0.0.1:4222", metavar="URL[,URL…]")
    who = p.add_mutually_exclusive_group()
    who.add_argument("--user", default=None, help="one user's tokens")
    who.add_argument("--all", action="store_true", help="every user's tokens (revoke)")
    p.add_argument("--access-only", action="store_true",
                   help="revoke access tokens only: consoles renew with their refresh token, no new login")
    args = p.parse_args(argv)
    if args.action == "revoke" and args.user is None and not args.all:
        print("吊销须指定 --user NAME 或 --all", file=sys.stderr)
        return 2
    servers = [u.strip() for u in args.nats.split(",") if u.strip()]
    try:
        return asyncio.run(_tokens(servers, args.action, args.user, args.access_only))
    except (GrantStoreUnavailable, *_UNREACHABLE) as exc:
        print(f"无法连接事件存储（NATS）：{exc}", file=sys.stderr)
        return 1

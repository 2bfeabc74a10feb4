"""Opaque bearer tokens (:class:`TokenBook`): access tokens with expiry and single-use refresh tokens,
kept as hashes in a :class:`GrantStore` (this process's memory by default, or a shared store).
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Callable, Protocol, Sequence

from district.identity.provider import JwtVerifier
from district.identity.users import OPEN_SEAT, UserDirectory
from district.roles import User

DEFAULT_TOKEN_TTL_S = 8 * 3600
DEFAULT_REFRESH_TTL_S = 24 * 3600


ACCESS = "access"
REFRESH = "refresh"
GRANT_KINDS = (ACCESS, REFRESH)


@dataclass(frozen=True)
class Grant:
    """What one token stands for: a user, until ``expires_at`` on the book's clock."""

    user: User
    expires_at: float


def token_digest(token: str) -> str:
    """What a grant store keeps instead of the token: its SHA-256, hex. A copy of the store
    (a backup, a bucket another service can read) lets nobody in."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class GrantStoreUnavailable(Exception):
    """The shared grant store cannot be reached: the caller answers 503 (try again or
    elsewhere), never 401 (which would send a console back to its login dialog)."""


class GrantStore(Protocol):
    """Where a :class:`TokenBook` keeps its grants, keyed by kind (:data:`ACCESS`,
    :data:`REFRESH`) and :func:`token_digest`. The default, :class:`MemoryGrants`, is one
    process's memory; the gateway's replicas share one in JetStream
    (``gateway.grants.JetStreamGrants``). A store may raise :class:`GrantStoreUnavailable`.
    """

    async def put(self, kind: str, digest: str, grant: Grant, ttl_s: float) -> None:
        """Keep a new grant; the store may forget it after ``ttl_s`` seconds."""
        ...

    async def get(self, kind: str, digest: str) -> Grant | None:
        """The grant, or None (never issued, spent, revoked or forgotten)."""
        ...

    async def take(self, kind: str, digest: str) -> Grant | None:
        """Remove and return the grant. Of callers racing for one grant, on any replica,
        exactly one gets it (a refresh token is spent once)."""
        ...

    async def revoke(self, kinds: Sequence[str], username: str | None = None) -> int:
        """Remove every grant of ``kinds`` (of one user, or everyone's); how many there were."""
        ...


class MemoryGrants:
    """The default grant store: two dicts in this process (a restart forgets every token).

    Its synchronous ``*_now`` methods back :class:`TokenBook`'s synchronous API, which the
    embedded feed uses; the async ones satisfy :class:`GrantStore`.
    """

    def __init__(self) -> None:
        self.access: dict[str, Grant] = {}
        self.refresh: dict[str, Grant] = {}
        self._sweep_at = 1024

    def _book(self, kind: str) -> dict[str, Grant]:
        return self.access if kind == ACCESS else self.refresh

    def put_now(self, kind: str, digest: str, grant: Grant, now: float) -> None:
        if len(self.access) + len(self.refresh) >= self._sweep_at:
            self._sweep(now)
        self._book(kind)[digest] = grant

    def get_now(self, kind: str, digest: str) -> Grant | None:
        return self._book(kind).get(digest)

    def take_now(self, kind: str, digest: str) -> Grant | None:
        return self._book(kind).pop(digest, None)

    def revoke_now(self, kinds: Sequence[str], username: str | None = None) -> int:
        n = 0
        for kind in kinds:
            book = self._book(kind)
            if username is None:
                n += len(book)
                book.clear()
                continue
            for digest in [d for d, g in book.items() if g.user.username == username]:
                del book[digest]
                n += 1
        return n

    def _sweep(self, now: float) -> None:
        # Tokens nobody presents again would otherwise stay forever; amortised over issues.
        for book in (self.access, self.refresh):
            for digest in [d for d, g in book.items() if g.expires_at <= now]:
                del book[digest]
        self._sweep_at = max(1024, 2 * (len(self.access) + len(self.refresh)))

    async def put(self, kind: str, digest: str, grant: Grant, ttl_s: float) -> None:
        self.put_now(kind, digest, grant, grant.expires_at - ttl_s)

    async def get(self, kind: str, digest: str) -> Grant | None:
        return self.get_now(kind, digest)

    async def take(self, kind: str, digest: str) -> Grant | None:
        return self.take_now(kind, digest)

    async def revoke(self, kinds: Sequence[str], username: str | None = None) -> int:
        return self.revoke_now(kinds, username)


@lru_cache(maxsize=1)
def _demo_directory() -> UserDirectory:
    return UserDirectory.demo()


@dataclass
class TokenBook:
    """Opaque access and refresh tokens, their users and expiry, kept in a :class:`GrantStore`.

    An access token expires after ``token_ttl_s``; the refresh token issued with it lasts
    ``refresh_ttl_s`` and is single use (each refresh rotates both). Stores keep a hash of
    each token (:func:`token_digest`), never the token. With ``jwt`` set, :meth:`who` also
    accepts the identity provider's JWTs. Without an ``Authorization`` header a caller is
    refused when ``require_login``, else is ``anonymous`` (default :data:`OPEN_SEAT`; a
    district server passes :data:`ANONYMOUS`).

    Two APIs, one behaviour: the synchronous one (:meth:`issue`, :meth:`use_refresh`,
    :meth:`who`, :meth:`check`, :meth:`expire_access`, :meth:`revoke_all`,
    :meth:`revoke_user`) works on the default in-memory store and is what the embedded feed
    uses; the async one (:meth:`aissue`, :meth:`ause_refresh`, :meth:`awho`,
    :meth:`arevoke`) works on any store, shared ones included. A shared store needs a clock
    every replica reads alike (``clock=time.time``); the default is monotonic.
    """

    token_ttl_s: float = DEFAULT_TOKEN_TTL_S
    refresh_ttl_s: float = DEFAULT_REFRESH_TTL_S
    require_login: bool = False
    clock: Callable[[], float] = time.monotonic
    grants: GrantStore = field(default_factory=MemoryGrants)
    issued: int = 0
    refreshed: int = 0
    jwt: JwtVerifier | None = None
    users: UserDirectory | None = None  # whose passwords login() checks; None = the demo accounts
    anonymous: User = OPEN_SEAT

    def login(self, username: str, password: str) -> User | None:
        """The user when the password matches (``users``, else the demo accounts). Blocking, one scrypt."""
        return (self.users if self.users is not None else _demo_directory()).authenticate(username, password)

    # ---- the in-memory store (synchronous)

    def _memory(self) -> MemoryGrants:
        if not isinstance(self.grants, MemoryGrants):
            raise TypeError("this TokenBook keeps its grants in a shared store: use the async methods")
        return self.grants

    @property
    def access(self) -> dict[str, Grant]:
        """Live access grants by token digest (the in-memory store)."""
        return self._memory().access

    @property
    def refresh(self) -> dict[str, Grant]:
        """Live refresh grants by token digest (the in-memory store)."""
        return self._memory().refresh

    def _new_pair(self, user: User) -> tuple[dict[str, Any], list[tuple[str, str, Grant, float]]]:
        now = self.clock()
        access, refresh = secrets.token_urlsafe(24), secrets.token_urlsafe(32)
        self.issued += 1
        answer = {"access_token": access, "expires_in": int(self.token_ttl_s), "role": user.role,
                  "scope": user.scope, "refresh_token": refresh, "refresh_expires_in": int(self.refresh_ttl_s),
                  "name": user.name}
        puts = [(ACCESS, token_digest(access), Grant(user, now + self.token_ttl_s), self.token_ttl_s),
                (REFRESH, token_digest(refresh), Grant(user, now + self.refresh_ttl_s), self.refresh_ttl_s)]
        return answer, puts

    def issue(self, user: User) -> dict[str, Any]:
        """A fresh access token and refresh token for ``user`` (the TokenResponse fields)."""
        memory = self._memory()
        answer, puts = self._new_pair(user)
        now = self.clock()
        for kind, digest, grant, _ttl in puts:
            memory.put_now(kind, digest, grant, now)
        return answer

    def use_refresh(self, token: str) -> dict[str, Any] | None:
        """Rotate: the refresh token is spent and a new pair issued; None when unknown or expired."""
        grant = self._memory().take_now(REFRESH, token_digest(token))
        if grant is None or grant.expires_at <= self.clock():
            return None
        self.refreshed += 1
        return self.issue(grant.user)

    def check(self, token: str) -> User | None:
        """The user behind a live access token, else None (an expired one is forgotten)."""
        memory = self._memory()
        digest = token_digest(token)
        grant = memory.get_now(ACCESS, digest)
        if grant is None:
            return None
        if grant.expires_at <= self.clock():
            memory.take_now(ACCESS, digest)
            return None
        return grant.user

    def expire_access(self) -> int:
        """Every access token expires now (refresh tokens still work); how many there were."""
        return self._memory().revoke_now((ACCESS,))

    def revoke_all(self) -> int:
        """Every access and refresh token is void (users must log in again); how many there were."""
        return self._memory().revoke_now(GRANT_KINDS)

    def revoke_user(self, username: str) -> int:
        """Void every token of one user (an account removed or its password changed)."""
        return self._memory().revoke_now(GRANT_KINDS, username)

    def who(self, authorization: str | None) -> User | str:
        """The user of an ``Authorization`` header, ``anonymous`` without one when login is not
        required, or a Chinese 401 reason (str)."""
        found = self._bearer(authorization)
        if not isinstance(found, _Opaque):
            return found
        user = self.check(found.token)
        return user if user is not None else "令牌无效或已过期"

    def _bearer(self, authorization: str | None) -> User | str | _Opaque:
        if not authorization:
            return "需要登录" if self.require_login else self.anonymous
        scheme, _, token = authorization.strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            return "令牌无效或已过期"
        # Opaque tokens are URL-safe base64 without dots; a JWT is three dot-separated parts.
        if self.jwt is not None and token.count(".") == 2:
            return self.jwt.verify(token)
        return _Opaque(token)

    # ---- any store (async)

    async def aissue(self, user: User) -> dict[str, Any]:
        """:meth:`issue` for any store: the pair is stored (on every replica) before it is returned."""
        answer, puts = self._new_pair(user)
        for kind, digest, grant, ttl in puts:
            await self.grants.put(kind, digest, grant, ttl)
        return answer

    async def ause_refresh(self, token: str) -> dict[str, Any] | None:
        """:meth:`use_refresh` for any store: of two replicas asked at once, one rotates, the other says None."""
        grant = await self.grants.take(REFRESH, token_digest(token))
        if grant is None or grant.expires_at <= self.clock():
            return None
        self.refreshed += 1
        return await self.aissue(grant.user)

    async def awho(self, authorization: str | None) -> User | str:
        """:meth:`who` for any store; raises :class:`GrantStoreUnavailable` when the store is unreachable."""
        found = self._bearer(authorization)
        if not isinstance(found, _Opaque):
            return found
        grant = await self.grants.get(ACCESS, token_digest(found.token))
        if grant is None or grant.expires_at <= self.clock():
            return "令牌无效或已过期"
        return grant.user

    async def arevoke(self, username: str | None = None, *, access_only: bool = False) -> int:
        """Void tokens on every replica: one user's (or everyone's), access and refresh (or access only)."""
        return await self.grants.revoke((ACCESS,) if access_only else GRANT_KINDS, username)


@dataclass(frozen=True)
class _Opaque:
    """A bearer token of ours, still to be looked up."""

    token: str

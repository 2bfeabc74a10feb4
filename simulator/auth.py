"""Identity on the embedded feed: demo users, bearer tokens with expiry, refresh grants,
role and scope checks (wire contract v1, ``POST /api/v1/auth/token``).

Tokens live in the feed's memory only: a restarted feed forgets them and every
console logs in again (a production gateway may keep them longer; the console does
not care). An access token expires after ``token_ttl_s``; the refresh token that
comes with it lasts ``refresh_ttl_s`` and is single use (each refresh rotates both).

Scope: a user bound to a street (a street sub-centre seat) gets ``scope=<street>``
in the token answer; the feed then serves only that street's data and refuses
commands on objects of other streets with 403.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from district.roles import User

DEFAULT_TOKEN_TTL_S = 8 * 3600
DEFAULT_REFRESH_TTL_S = 24 * 3600


USERS: dict[str, User] = {u.username: u for u in (
    User("duty", "operator", "值班员"),
    User("viewer", "viewer", "只读席位"),
    User("chief", "supervisor", "值班长"),
    User("admin", "administrator", "系统管理员"),
    User("maluan", "operator", "马峦街道分中心值班员", "maluan"),
    User("maluan_chief", "supervisor", "马峦街道分中心值班长", "maluan"),
)}
"""The feed's demo accounts (password = user name)."""

OPEN_SEAT = User("", "supervisor", "测试席位")
"""Who an unauthenticated request is when the feed does not require login (tools, tests)."""

@dataclass
class _Grant:
    user: User
    expires_at: float


@dataclass
class TokenBook:
    """Access and refresh tokens in memory, with their expiry (monotonic clock)."""

    token_ttl_s: float = DEFAULT_TOKEN_TTL_S
    refresh_ttl_s: float = DEFAULT_REFRESH_TTL_S
    require_login: bool = False
    demo_users: bool = True
    clock: Callable[[], float] = time.monotonic
    access: dict[str, _Grant] = field(default_factory=dict)
    refresh: dict[str, _Grant] = field(default_factory=dict)
    issued: int = 0
    refreshed: int = 0

    def login(self, username: str, password: str) -> User | None:
        """The user when the password matches (demo: password = user name)."""
        user = USERS.get(username) if self.demo_users else None
        if user is None or not secrets.compare_digest(password.encode("utf-8"), username.encode("utf-8")):
            return None
        return user

    def issue(self, user: User) -> dict[str, Any]:
        """A fresh access token and refresh token for ``user`` (the TokenResponse fields)."""
        now = self.clock()
        access, refresh = secrets.token_urlsafe(24), secrets.token_urlsafe(32)
        self.access[access] = _Grant(user, now + self.token_ttl_s)
        self.refresh[refresh] = _Grant(user, now + self.refresh_ttl_s)
        self.issued += 1
        return {"access_token": access, "expires_in": int(self.token_ttl_s), "role": user.role,
                "scope": user.scope, "refresh_token": refresh, "refresh_expires_in": int(self.refresh_ttl_s),
                "name": user.name}

    def use_refresh(self, token: str) -> dict[str, Any] | None:
        """Rotate: the refresh token is spent and a new pair issued; None when unknown or expired."""
        grant = self.refresh.pop(token, None)
        if grant is None or grant.expires_at <= self.clock():
            return None
        self.refreshed += 1
        return self.issue(grant.user)

    def check(self, token: str) -> User | None:
        """The user behind a live access token, else None (an expired one is forgotten)."""
        grant = self.access.get(token)
        if grant is None:
            return None
        if grant.expires_at <= self.clock():
            del self.access[token]
            return None
        return grant.user

    def expire_access(self) -> int:
        """/_sim/auth ``expire``: every access token expires now (refresh tokens still work)."""
        n = len(self.access)
        self.access.clear()
        return n

    def revoke_all(self) -> int:
        """/_sim/auth ``revoke``: every access and refresh token is void (users must log in again)."""
        n = len(self.access) + len(self.refresh)
        self.access.clear()
        self.refresh.clear()
        return n

    def who(self, authorization: str | None) -> User | None | str:
        """The user of an ``Authorization`` header; ``OPEN_SEAT`` without one when login is not
        required; a Chinese 401 reason (str) otherwise."""
        if not authorization:
            return "需要登录" if self.require_login else OPEN_SEAT
        scheme, _, token = authorization.partition(" ")
        user = self.check(token.strip()) if scheme.lower() == "bearer" else None
        return user if user is not None else "令牌无效或已过期"

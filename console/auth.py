"""The operator's session with the gateway: login, token refresh, re-login, lock, logout.

Design choices (issue 10):

- The access token and the refresh token live in this object's memory only. They
  are never written to the cache, the journal, the log or an export, and they are
  not part of any ``repr``. A restarted console logs in again.
- Refresh uses the OAuth2 ``refresh_token`` grant shortly before the access token
  expires (``refresh_margin_s``). The password is **not** kept: for the lock screen
  a salted PBKDF2 digest of it is held in memory, enough to check the password
  offline, never enough to log in with.
- A 401 from any call (the gateway restarted, the token was revoked) triggers one
  refresh; when that fails too the session becomes ``expired`` and the console asks
  for the password again. Commands submitted meanwhile wait in the outbox (401 is a
  "try again" answer for the sender) and go out once after the new login.
- The session of a running console is bound to one user: re-login after expiry must
  be the same user (another user logs out first, which restarts the console's core).
- Idle lock: views report input with :meth:`note_activity`; :meth:`check_idle`
  locks after ``idle_lock_s`` without input. Unlocking needs the password. Wrong
  passwords are throttled like the gateway's login (the rulebook's
  ``LoginThrottle.strike``/``wait_of``): :data:`UNLOCK_FREE_TRIES` at once, then a wait
  from :data:`UNLOCK_FIRST_WAIT_S` doubling; the :data:`UNLOCK_MAX_FAILURES`-th wrong
  password in a row ends the session (back to the login dialog, where the gateway's
  own throttle applies).

Pure Python, no Qt.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import math
import os
import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Protocol, Sequence

from console.events import Event
from console.gateway import GatewayAuthError, GatewayClient, GatewayError, describe_error
from console.models import TokenResponse
from console.texts import DisplayText, render, say
from district.identity.throttle import LoginThrottle, Strikes

log = logging.getLogger(__name__)

REFRESH_MARGIN_S = 120.0
"""Refresh this long before the access token expires (at most half its lifetime)."""

IDLE_LOCK_S = 10 * 60.0
"""Default idle time before the screen locks."""

ROLE_NAMES = {"viewer": "只读席位", "operator": "值班员", "supervisor": "值班长", "administrator": "系统管理员"}
"""The seats' Chinese names (the views translate them under the context ``AuthSession``)."""

UNLOCK_FREE_TRIES = 3
"""Wrong passwords at the lock screen before each further try has to wait."""
UNLOCK_FIRST_WAIT_S = 5.0
"""The first wait; it doubles with every further wrong password (5 s, 10 s, …)."""
UNLOCK_MAX_FAILURES = 5
"""Wrong passwords in a row at the lock screen that end the session (docs/operator/shift-and-login.md)."""

_PBKDF2_ROUNDS = 120_000


class AuthError(Exception):
    """Login, refresh or unlock failed; ``reason`` is Chinese, for the operator.

    ``text`` is the same as a code for the views to translate (console.texts) where the
    core has one; ``wait_s`` how long the next unlock must wait (0: none)."""

    def __init__(self, reason: str | DisplayText, wait_s: float = 0.0) -> None:
        self.text = reason if isinstance(reason, DisplayText) else None
        self.reason = render(reason)
        super().__init__(self.reason)
        self.wait_s = wait_s


class SessionEnded(AuthError):
    """Too many wrong passwords at the lock screen: the session was ended (logged out)."""




@dataclass(frozen=True)
class Identity:
    """Who is logged in: user name, display name, role and scope (street id or None = district)."""

    username: str
    name: str
    role: str
    street: str | None

    @property
    def scope_text(self) -> str:
        return self.street or "district"


class AuthSession:
    """One operator's session with one gateway.

    ``state``: ``signed_out`` → ``active`` (token valid) → ``expired`` (refresh failed:
    password needed) → ``active`` … → ``signed_out`` (logout). ``locked`` is separate:
    an active session may be locked (idle or Ctrl+Shift+L) and the token keeps being refreshed.
    ``session_changed`` (``auth.session_changed``) is emitted with what happened:
    ``login``, ``refresh``, ``expired``, ``logout``, ``lock``, ``unlock``;
    ``token_renewed`` (``auth.token_renewed``) after each login or refresh, for what
    ``bind`` was given to wake.
    """

    def __init__(
        self,
        base_url: str | Sequence[str],
        *,
        verify: bool | str | Path = True,
        refresh_margin_s: float = REFRESH_MARGIN_S,
        idle_lock_s: float | None = IDLE_LOCK_S,
        clock: Callable[[], float] = time.monotonic,
        client: GatewayClient | None = None,
    ) -> None:
        # Several gateways (replicas sharing one token store): the client logs in on whichever answers.
        self.base_url = base_url if isinstance(base_url, str) else base_url[0]
        self.refresh_margin_s = refresh_margin_s
        self.idle_lock_s = idle_lock_s if idle_lock_s and idle_lock_s > 0 else None
        self._clock = clock
        self._client = client or GatewayClient(base_url, verify=verify)
        self.state = "signed_out"
        self.locked = False
        self.identity: Identity | None = None
        self.last_error: str | None = None
        self.refreshes = 0
        self.session_changed: Event[[str]] = Event("auth.session_changed")
        self.token_renewed: Event[[]] = Event("auth.token_renewed")
        self._access: str | None = None
        self._refresh: str | None = None
        self._expires_at = 0.0
        self._refresh_expires_at: float | None = None
        self._digest: tuple[bytes, bytes] | None = None  # (salt, pbkdf2) of the password, memory only
        self._gateways: list[GatewayClient] = []
        self._unbind: list[Callable[[], None]] = []  # disconnects what bind() connected
        self._last_activity = clock()
        self._kick = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._refreshing: asyncio.Task[bool] | None = None
        # Lock-screen throttle: the rulebook's arithmetic on one record, the session's clock.
        self._unlock_throttle = LoginThrottle(max_failures=UNLOCK_FREE_TRIES, first_delay_s=UNLOCK_FIRST_WAIT_S,
                                              max_delay_s=900.0, window_s=24 * 3600.0, clock=clock)
        self._unlock_strikes: Strikes | None = None
        self.unlock_failures = 0
        """Wrong passwords at the lock screen since the last unlock or login."""

    def __repr__(self) -> str:  # never the tokens
        who = self.identity.username if self.identity else "-"
        return f"AuthSession({self.base_url!r}, user={who!r}, state={self.state!r}, locked={self.locked})"

    # ------------------------------------------------------------------ state

    @property
    def token(self) -> str | None:
        """The current bearer token (memory only), or None."""
        return self._access if self.state == "active" else None

    @property
    def role(self) -> str:
        return self.identity.role if self.identity else "viewer"

    @property
    def expires_in_s(self) -> float:
        """Seconds until the access token expires (negative when it has)."""
        return self._expires_at - self._clock()

    def _emit(self, event: str) -> None:
        self.session_changed.emit(event)  # a view's failing handler is logged, the session goes on

    # ------------------------------------------------------------------ login / refresh / logout

    async def login(self, username: str, password: str) -> Identity:
        """Log in with the password grant; raises :class:`AuthError` (Chinese reason)."""
        username = username.strip()
        if not username or not password:
            raise AuthError("请输入用户名和密码")
        if self.identity is not None and self.state != "signed_out" and username != self.identity.username:
            raise AuthError(f"请以当前用户 {self.identity.username} 重新登录，或先注销")
        try:
            answer = await self._client.login(username, password)
        except GatewayAuthError as exc:
            raise AuthError(exc.reason or "用户名或密码错误") from None
        except GatewayError as exc:
            raise AuthError(f"登录失败：{exc.reason}") from None
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - network trouble, TLS refusal …
            raise AuthError(f"登录失败：{describe_error(exc)}") from None
        self._digest = _digest(password)
        first = self.identity is None
        self.identity = Identity(username=username, name=answer.name or ROLE_NAMES.get(answer.role, answer.role),
                                 role=answer.role, street=None if answer.scope == "district" else answer.scope)
        self._take(answer)
        self.locked = False
        self._forget_unlock_failures()
        self._last_activity = self._clock()
        log.info("logged in as %s (%s, %s)%s", username, answer.role, answer.scope, "" if first else " again")
        self._emit("login")
        self._wake_all()
        return self.identity

    async def login_required(self) -> bool:
        """Whether the gateway refuses anonymous calls (raises on network or TLS failure)."""
        return await self._client.login_required()

    async def refresh(self) -> bool:
        """Use the refresh grant now; False (state ``expired``) when the gateway refuses it.

        Concurrent callers (several 401s at once) share one request.
        """
        if self._refreshing is not None and not self._refreshing.done():
            return await asyncio.shield(self._refreshing)
        self._refreshing = asyncio.get_running_loop().create_task(self._do_refresh(), name="auth-refresh")
        return await asyncio.shield(self._refreshing)

    async def _do_refresh(self) -> bool:
        if self._refresh is None or self.state == "signed_out":
            self._expire("登录已失效，请重新输入密码")
            return False
        try:
            answer = await self._client.refresh(self._refresh)
        except GatewayAuthError as exc:
            self._expire(exc.reason or "登录已过期，请重新登录")
            return False
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - offline: the token may still be valid; retry later
            self.last_error = describe_error(exc)
            log.info("token refresh failed: %s", self.last_error)
            if self.expires_in_s <= 0 and self.state == "active":
                # Still usable later: the refresh token outlives the access token.
                log.info("access token expired while offline; will refresh when the gateway answers")
            return False
        self._take(answer)
        self.refreshes += 1
        log.info("token refreshed (%d)", self.refreshes)
        self._emit("refresh")
        self._wake_all()
        return True

    def _take(self, answer: TokenResponse) -> None:
        now = self._clock()
        self._access = answer.access_token
        self._refresh = answer.refresh_token
        self._expires_at = now + answer.expires_in
        self._refresh_expires_at = now + answer.refresh_expires_in if answer.refresh_expires_in else None
        self.state = "active"
        self.last_error = None
        for gw in self._gateways:
            gw.token = self._access
        self._kick.set()

    def _expire(self, reason: str) -> None:
        if self.state == "signed_out":
            return
        was = self.state
        self.state = "expired"
        self._access = self._refresh = None
        self.last_error = reason
        for gw in self._gateways:
            gw.token = None
        if was != "expired":
            log.info("session expired: %s", reason)
            self._emit("expired")

    def logout(self) -> None:
        """Forget the tokens and the password digest; bound gateways lose their token.

        The caller stops the stream (the core) and keeps the cache.
        """
        if self.state == "signed_out" and self.identity is None:
            return
        self.state = "signed_out"
        self._access = self._refresh = None
        self._digest = None
        self.locked = False
        for gw in self._gateways:
            gw.token = None
        self._gateways.clear()
        for unbind in self._unbind:
            unbind()
        self._unbind.clear()
        log.info("logged out %s", self.identity.username if self.identity else "")
        self.identity = None
        self._kick.set()
        self._emit("logout")

    # ------------------------------------------------------------------ wiring to the core

    def bind(self, gateway: GatewayClient, wake: Callable[[], None] | None = None) -> None:
        """Give ``gateway`` the token (and every refreshed one); a 401 there triggers a refresh.

        ``wake`` (e.g. ``OutboxSender.wake``) is called after each login or refresh so that
        commands held back by a 401 go out at once.
        """
        gateway.token = self.token
        if gateway not in self._gateways:
            self._gateways.append(gateway)
            self._unbind.append(gateway.unauthorized.connect(self._on_unauthorized))
        if wake is not None:
            self._unbind.append(self.token_renewed.connect(wake))

    def _wake_all(self) -> None:
        self.token_renewed.emit()

    def _on_unauthorized(self) -> None:
        """A bound gateway answered 401: refresh once (several 401s share the refresh)."""
        if self.state != "active":
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        if self._refreshing is None or self._refreshing.done():
            self._refreshing = loop.create_task(self._do_refresh(), name="auth-refresh")

    # ------------------------------------------------------------------ background refresh

    def start(self) -> None:
        """Start the refresh loop on the running loop (kept referenced; ``aclose`` stops it)."""
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self.run(), name="auth-session")

    async def run(self) -> None:
        """Refresh ``refresh_margin_s`` before expiry, retrying with backoff while offline."""
        attempt = 0
        while True:
            self._kick.clear()
            wait: float | None = None
            if self.state == "active" and self._refresh is not None:
                lifetime_margin = min(self.refresh_margin_s, max(1.0, (self._expires_at - self._clock()) / 2))
                wait = self._expires_at - lifetime_margin - self._clock()
                if wait <= 0:
                    ok = await self.refresh()
                    if ok or self.state != "active":
                        attempt = 0
                        continue
                    attempt += 1
                    wait = min(30.0, 0.5 * 2 ** min(attempt, 6)) * random.uniform(0.5, 1.0)
            try:
                if wait is None:
                    await self._kick.wait()
                else:
                    async with asyncio.timeout(wait):
                        await self._kick.wait()
            except TimeoutError:
                pass

    async def aclose(self) -> None:
        """Stop the refresh loop and close the token client."""
        for task in (self._task, self._refreshing):
            if task is not None and not task.done():
                task.cancel()
                try:
                    await task
                except (asyncio.CancelledError, Exception):  # noqa: BLE001
                    pass
        self._task = None
        await self._client.aclose()

    # ------------------------------------------------------------------ lock

    def note_activity(self) -> None:
        """The operator touched the keyboard or mouse."""
        self._last_activity = self._clock()

    def idle_s(self) -> float:
        return self._clock() - self._last_activity

    def check_idle(self) -> bool:
        """Lock when idle for ``idle_lock_s``; returns whether the session is locked."""
        if (not self.locked and self.idle_lock_s is not None and self.identity is not None
                and self.idle_s() >= self.idle_lock_s):
            self.lock()
        return self.locked

    def lock(self) -> None:
        """Lock the screen (the token stays; the stream goes on)."""
        if self.identity is None or self.locked:
            return
        self.locked = True
        log.info("console locked")
        self._emit("lock")

    def unlock_wait_s(self) -> float:
        """Seconds before the lock screen may check a password again (0.0: now)."""
        return self._unlock_throttle.wait_of(self._unlock_strikes, self._clock())

    def unlock_status(self) -> DisplayText | None:
        """While the lock screen must wait: 请 N 秒后再试 and how many tries are left; else None."""
        wait = self.unlock_wait_s()
        if wait <= 0:
            return None
        return say("unlock_wait", s=max(1, math.ceil(wait)), left=UNLOCK_MAX_FAILURES - self.unlock_failures)

    def unlock(self, password: str) -> None:
        """Unlock with the logged-in user's password, checked in memory (works offline).

        Raises :class:`AuthError` on a wrong password (``wait_s`` > 0 once tries are
        throttled) or while a wait is running (the password is not even checked), and
        :class:`SessionEnded` after :data:`UNLOCK_MAX_FAILURES` wrong passwords in a
        row: the session is logged out by then.
        """
        if not self.locked:
            return
        now = self._clock()
        status = self.unlock_status()
        if status is not None:
            raise AuthError(status, wait_s=self.unlock_wait_s())
        if self._digest is None or not _matches(self._digest, password):
            self.unlock_failures += 1
            self._unlock_strikes = self._unlock_throttle.strike("user", self._unlock_strikes, now)
            left = UNLOCK_MAX_FAILURES - self.unlock_failures
            log.warning("lock screen: wrong password (%d of %d)", self.unlock_failures, UNLOCK_MAX_FAILURES)
            if left <= 0:
                log.warning("lock screen: %d wrong passwords in a row; the session ends", self.unlock_failures)
                self.logout()
                raise SessionEnded(say("unlock_session_ended", n=UNLOCK_MAX_FAILURES))
            status = self.unlock_status()
            if status is not None:
                raise AuthError(status, wait_s=self.unlock_wait_s())
            raise AuthError(say("unlock_wrong"))
        self._forget_unlock_failures()
        self.locked = False
        self._last_activity = self._clock()
        log.info("console unlocked")
        self._emit("unlock")

    def _forget_unlock_failures(self) -> None:
        self._unlock_strikes = None
        self.unlock_failures = 0


def _digest(password: str) -> tuple[bytes, bytes]:
    salt = os.urandom(16)
    return salt, hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, _PBKDF2_ROUNDS)


def _matches(digest: tuple[bytes, bytes], password: str) -> bool:
    salt, expected = digest
    return hmac.compare_digest(hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, _PBKDF2_ROUNDS),
                               expected)


def config_fields(session: AuthSession) -> dict[str, Any]:
    """``ConsoleConfig`` fields for a logged-in session: token, role, scope, operator name, user name."""
    ident = session.identity
    if ident is None:
        raise AuthError("尚未登录")
    return {"token": session.token, "role": ident.role, "scope": ident.street, "operator": ident.name,
            "username": ident.username}


class _Wakeable(Protocol):
    def wake(self) -> None: ...


class BoundCore(Protocol):
    """What :func:`bind_core` needs of a ``console.runtime.ConsoleCore`` (named by a
    Protocol: the runtime imports this module's neighbours, not the other way round)."""

    @property
    def gateway(self) -> GatewayClient | None: ...

    @property
    def sender(self) -> _Wakeable | None: ...

    @property
    def source(self) -> _Wakeable | None: ...


def bind_core(session: AuthSession, core: BoundCore) -> None:
    """Hand a started ``ConsoleCore``'s gateway to the session (token, 401 → refresh) and
    let a new login or refresh wake its outbox sender."""
    gateway = core.gateway
    if gateway is None:
        return
    sender = core.sender
    session.bind(gateway, wake=sender.wake if sender is not None else None)
    if core.source is not None:
        # After a re-login the stream reconnects at once, not at its next backoff retry.
        session.bind(gateway, wake=core.source.wake)


async def headless_login(base_url: str | Sequence[str], verify: bool | str | Path, username: str | None,
                         password: str | None) -> tuple[AuthSession | None, dict[str, Any]]:
    """For headless tools (``record``): log in when a user is given; returns the session
    (to close after the run) and the ``ConsoleConfig`` fields. Raises :class:`AuthError`."""
    if not username:
        return None, {}
    session = AuthSession(base_url, verify=verify, idle_lock_s=None)
    try:
        await session.login(username, password or "")
    except BaseException:
        await session.aclose()
        raise
    return session, config_fields(session)

"""Identity-provider JWTs checked against the provider's JWKS (:class:`JwtVerifier`); the role and
street come from two claims.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import jwt

from district.identity.users import DISTRICT_SCOPE, district_streets
from district.roles import ROLES, User

log = logging.getLogger(__name__)

SAFE_JWT_ALGORITHMS = frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
                                 "ES256", "ES384", "ES512", "EdDSA"})
"""Asymmetric algorithms a verifier may allow; never ``none`` and never HS* (a public key is no secret)."""

DEFAULT_JWT_ALGORITHMS: tuple[str, ...] = ("RS256", "ES256", "EdDSA")


class _JwksFile:
    """A JWKS in a local file, re-read when the file changes (key rotation without restart)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._stamp: tuple[int, int] | None = None
        self._keys: list[jwt.PyJWK] = []
        self.keys()  # a wrong path or a broken file is a configuration error: say so at start-up

    def keys(self, refresh: bool = False) -> list[jwt.PyJWK]:
        try:
            st = self.path.stat()
            stamp = (st.st_mtime_ns, st.st_size)
            if stamp != self._stamp:
                keys = list(jwt.PyJWKSet.from_json(self.path.read_text(encoding="utf-8")).keys)
                self._stamp, self._keys = stamp, keys
        except (OSError, ValueError, jwt.PyJWTError) as exc:
            # Fail closed: a replaced file that does not parse must not leave revoked keys in force.
            self._stamp, self._keys = None, []
            raise ValueError(f"签名密钥文件 {self.path} 无法读取：{exc}") from None
        return self._keys


class _JwksUrl:
    """A JWKS fetched over http(s) with PyJWT's client; cached for ``cache_s``, re-fetched early
    for an unknown key id at most once per ``cooldown_s``."""

    def __init__(self, url: str, cache_s: float, timeout_s: float, cooldown_s: float,
                 clock: Callable[[], float]) -> None:
        self.client = jwt.PyJWKClient(url, cache_jwk_set=True, lifespan=cache_s, timeout=timeout_s)
        self.cooldown_s = cooldown_s
        self.clock = clock
        self._last_forced: float | None = None

    def keys(self, refresh: bool = False) -> list[jwt.PyJWK]:
        if refresh:
            now = self.clock()
            if self._last_forced is not None and now - self._last_forced < self.cooldown_s:
                refresh = False  # tokens with made-up key ids must not make us hammer the provider
            else:
                self._last_forced = now
        try:
            return list(self.client.get_jwk_set(refresh=refresh).keys)
        except (jwt.PyJWTError, OSError, ValueError) as exc:
            raise ValueError(f"无法获取签名密钥：{exc}") from None


class JwtVerifier:
    """Checks bearer JWTs from the district's identity provider against its JWKS.

    ``jwks`` is a local file path or an ``http(s)://`` URL. ``issuer`` and ``audience``
    are required and must match ``iss`` and ``aud``; ``exp`` is required. The seat comes
    from ``role_claim`` (one of :data:`ROLES`) and the street from ``street_claim`` (a
    street id, or ``district``; absent = the whole district). The user name is
    ``preferred_username`` or else ``sub``; the display name is ``name``.

    A URL source fetches on first use (blocking, up to ``timeout_s``) and then every
    ``cache_s``; call :meth:`refresh_keys` at start-up to warm it.
    """

    def __init__(self, jwks: str | os.PathLike[str], *, issuer: str, audience: str,
                 algorithms: Sequence[str] = DEFAULT_JWT_ALGORITHMS, role_claim: str = "pingshan_role",
                 street_claim: str = "pingshan_street", leeway_s: float = 30.0,
                 streets: Iterable[str] | None = None, cache_s: float = 300.0, timeout_s: float = 5.0,
                 refetch_cooldown_s: float = 30.0, clock: Callable[[], float] = time.monotonic) -> None:
        if not issuer or not audience:
            raise ValueError("JWT 校验需要配置签发方（issuer）和受众（audience）")
        refused = [a for a in algorithms if a not in SAFE_JWT_ALGORITHMS]
        if refused or not algorithms:
            raise ValueError(f"不允许的签名算法：{', '.join(refused) or '（空）'}"
                             f"（可选：{', '.join(sorted(SAFE_JWT_ALGORITHMS))}）")
        self.issuer = issuer
        self.audience = audience
        self.algorithms: tuple[str, ...] = tuple(algorithms)
        self.role_claim = role_claim
        self.street_claim = street_claim
        self.leeway_s = leeway_s
        self.streets: frozenset[str] = frozenset(streets) if streets is not None else district_streets()
        self._lock = threading.Lock()
        source = os.fspath(jwks)
        if source.startswith(("http://", "https://")):
            self._source: _JwksFile | _JwksUrl = _JwksUrl(source, cache_s, timeout_s, refetch_cooldown_s, clock)
        elif "://" in source:
            raise ValueError(f"JWKS 来源须为本地文件或 http(s) 地址：{source}")
        else:
            self._source = _JwksFile(Path(source))

    def refresh_keys(self) -> int:
        """Fetch (or re-read) the key set now; how many signing keys it holds. ``ValueError`` on failure."""
        with self._lock:
            return len(self._signing_keys(self._source.keys(refresh=True)))

    def verify(self, token: str) -> User | str:
        """The token's user, or a Chinese reason why it is refused."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            return "令牌格式无效"
        alg = header.get("alg")
        if not isinstance(alg, str) or alg not in self.algorithms:
            return "不允许的签名算法"
        kid = header.get("kid")
        key = self._key_for(kid if isinstance(kid, str) else None)
        if isinstance(key, str):
            return key
        if key.algorithm_name != alg:  # an RSA key must not verify a token that claims ES256, and so on
            return "签名算法与密钥不符"
        try:
            claims = jwt.decode(token, key.key, algorithms=[alg], issuer=self.issuer, audience=self.audience,
                                leeway=self.leeway_s, options={"require": ["exp", "iss", "aud"]})
        except jwt.ExpiredSignatureError:
            return "令牌已过期"
        except jwt.ImmatureSignatureError:
            return "令牌尚未生效"
        except jwt.InvalidIssuerError:
            return "签发方不符"
        except jwt.InvalidAudienceError:
            return "受众不符"
        except jwt.InvalidSignatureError:
            return "签名无效"
        except jwt.MissingRequiredClaimError as exc:
            return f"令牌缺少声明 {exc.claim}"
        except jwt.InvalidAlgorithmError:
            return "不允许的签名算法"
        except jwt.PyJWTError:
            return "令牌无效"
        return self._user_of(claims)

    def _key_for(self, kid: str | None) -> jwt.PyJWK | str:
        with self._lock:
            try:
                key = self._match(self._signing_keys(self._source.keys()), kid)
                if key is None and kid is not None:  # the provider may have rotated its keys
                    key = self._match(self._signing_keys(self._source.keys(refresh=True)), kid)
            except ValueError as exc:
                log.warning("JWT: %s", exc)
                return "无法获取签名密钥"
        if key is None:
            return "令牌缺少密钥标识" if kid is None else "未知的签名密钥"
        return key

    def _signing_keys(self, keys: list[jwt.PyJWK]) -> list[jwt.PyJWK]:
        return [k for k in keys if k.public_key_use in ("sig", None) and k.algorithm_name in self.algorithms]

    @staticmethod
    def _match(keys: list[jwt.PyJWK], kid: str | None) -> jwt.PyJWK | None:
        if kid is None:  # no key id: acceptable only when there is exactly one key to try
            return keys[0] if len(keys) == 1 else None
        return next((k for k in keys if k.key_id == kid), None)

    def _user_of(self, claims: dict[str, Any]) -> User | str:
        role = claims.get(self.role_claim)
        if role is None:
            return "令牌缺少角色"
        if role not in ROLES:
            return "未知的角色"
        street = claims.get(self.street_claim)
        if street in (None, DISTRICT_SCOPE):
            street = None
        elif not isinstance(street, str) or street not in self.streets:
            return "未知的街道"
        username = claims.get("preferred_username") or claims.get("sub")
        if not isinstance(username, str) or not username:
            return "令牌缺少用户标识"
        name = claims.get("name")
        return User(username, role, name if isinstance(name, str) and name.strip() else username, street)

"""Identity for every district server: who a caller is, and how sure we are of it.

Four ways in, one :class:`User` out:

* **Password login** against a users file (:class:`UserDirectory`), guarded by a
  :class:`LoginThrottle` per user name and per client address.
* **Opaque bearer tokens** issued after a login (:class:`TokenBook`: access tokens with
  expiry, single-use refresh tokens), kept as hashes in a :class:`GrantStore`: this
  process's memory by default, or a store the gateway's replicas share.
* **Identity-provider JWTs** checked against the provider's JWKS
  (:class:`JwtVerifier`); the role and street come from two claims.
* **Nobody**: without an ``Authorization`` header a caller is ``TokenBook.anonymous``
  (:data:`ANONYMOUS`, a read-only viewer, on a server that does not require login).

Users file
----------
UTF-8 JSON, written by ``pingshan-feed users add|remove`` (:func:`users_main`) and
saved atomically with mode 0600::

    {
      "version": 1,
      "users": [
        {"username": "duty", "name": "值班员", "role": "operator", "scope": "district",
         "password_hash": "scrypt$16384$8$1$<salt, base64>$<hash, base64>"}
      ]
    }

``username``: 1–64 characters of ``A–Z a–z 0–9 _ . @ -``. ``role``: viewer, operator,
supervisor or administrator. ``scope``: ``district`` (the whole district) or a street
id from the catalogue (pingshan, maluan, biling, shijing, kengzi, longtian).
``name``: the display name. Any other key, a missing key, a duplicate user name or an
unreadable hash is refused on load with a message naming the file and the entry.

Password hashes are ``scrypt$N$r$p$salt$hash`` (``hashlib.scrypt``, standard base64
with padding; new hashes use N=2**14, r=8, p=1, a random 16-byte salt and a 32-byte
hash). A file may carry other costs within bounds (N ≤ 2**20, scrypt memory ≤ 256 MiB,
p ≤ 16) so that a hand-edited file cannot make a login eat the machine.

Pure Python: stdlib, PyJWT and the district catalogue; no Qt, no HTTP framework.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import getpass
import hashlib
import hmac
import json
import logging
import os
import re
import secrets
import sys
import tempfile
import threading
import time
from collections import OrderedDict
from contextlib import suppress
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, NoReturn, Protocol, Sequence

import jwt

from console import catalogue
from district.roles import ROLES, User

log = logging.getLogger(__name__)


DISTRICT_SCOPE = "district"
"""The scope of a user not bound to one street."""

DEFAULT_TOKEN_TTL_S = 8 * 3600
DEFAULT_REFRESH_TTL_S = 24 * 3600

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024

SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
SALT_BYTES = 16
HASH_BYTES = 32
_MAX_SCRYPT_N = 2**20
_MAX_SCRYPT_P = 16
_MAX_SCRYPT_MEM = 256 * 1024 * 1024

_USERNAME = re.compile(r"[A-Za-z0-9_.@-]{1,64}")
_FILE_VERSION = 1
_ENTRY_KEYS = frozenset({"username", "name", "role", "scope", "password_hash"})


def district_streets() -> frozenset[str]:
    """The street ids of the district catalogue."""
    return frozenset(s.id for s in catalogue.streets())


# --------------------------------------------------------------------------- users


ANONYMOUS = User("", "viewer", "匿名（只读）")
"""A caller without credentials on a server that does not require login: read-only."""

OPEN_SEAT = User("", "supervisor", "测试席位")
"""The embedded feed's test seat: anonymous callers act as a supervisor only on a feed started
with ``--sim-controls`` on loopback (tests). ``TokenBook.anonymous`` defaults to it."""

DEMO_USERS: tuple[User, ...] = (
    User("duty", "operator", "值班员"),
    User("viewer", "viewer", "只读席位"),
    User("chief", "supervisor", "值班长"),
    User("admin", "administrator", "系统管理员"),
    User("maluan", "operator", "马峦街道分中心值班员", "maluan"),
    User("maluan_chief", "supervisor", "马峦街道分中心值班长", "maluan"),
    User("pingshan", "operator", "坪山街道分中心值班员", "pingshan"),
    User("biling", "operator", "碧岭街道分中心值班员", "biling"),
    User("shijing", "operator", "石井街道分中心值班员", "shijing"),
    User("kengzi", "operator", "坑梓街道分中心值班员", "kengzi"),
    User("longtian", "operator", "龙田街道分中心值班员", "longtian"),
)
"""The embedded feed's demo accounts (``--demo-users`` only); each password equals the user
name. Each street's sub-centre has a seat named after the street, which a console started
with that street's profile logs in as."""


# --------------------------------------------------------------------------- password hashes


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _check_cost(n: int, r: int, p: int) -> None:
    if n < 2 or n & (n - 1) or n > _MAX_SCRYPT_N:
        raise ValueError(f"scrypt 参数 N={n} 无效（须为 2 的幂，且不超过 {_MAX_SCRYPT_N}）")
    if r < 1 or p < 1 or p > _MAX_SCRYPT_P or 128 * r * (n + p) > _MAX_SCRYPT_MEM:
        raise ValueError(f"scrypt 参数 r={r} p={p} 超出允许范围")


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, dklen: int) -> bytes:
    # OpenSSL refuses when N*r*128 (plus a little) exceeds maxmem; give it what the costs need.
    maxmem = max(32 * 1024 * 1024, 128 * r * (n + p) + 1024 * 1024)
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=maxmem, dklen=dklen)


@dataclass(frozen=True)
class PasswordHash:
    """A parsed ``scrypt$N$r$p$salt$hash`` string."""

    n: int
    r: int
    p: int
    salt: bytes
    digest: bytes

    @classmethod
    def parse(cls, encoded: str) -> PasswordHash:
        """Parse and bound-check a hash string; ``ValueError`` (Chinese) when it is not one."""
        if not isinstance(encoded, str):
            raise ValueError("密码散列须为字符串")
        parts = encoded.split("$")
        if len(parts) != 6 or parts[0] != "scrypt":
            raise ValueError("密码散列格式无效（应为 scrypt$N$r$p$盐$散列）")
        if not all(x.isascii() and x.isdigit() for x in parts[1:4]):
            raise ValueError("密码散列格式无效（N、r、p 应为整数）")
        n, r, p = (int(x) for x in parts[1:4])
        try:
            salt = base64.b64decode(parts[4], validate=True)
            digest = base64.b64decode(parts[5], validate=True)
        except (ValueError, binascii.Error):
            raise ValueError("密码散列格式无效（参数或 base64 编码有误）") from None
        _check_cost(n, r, p)
        if len(salt) < 8:
            raise ValueError("密码散列的盐过短（至少 8 字节）")
        if not 16 <= len(digest) <= 64:
            raise ValueError("密码散列长度无效（16–64 字节）")
        return cls(n, r, p, salt, digest)

    def matches(self, password: str) -> bool:
        """Whether ``password`` hashes to this digest (one scrypt, constant-time compare)."""
        candidate = _scrypt(password, self.salt, self.n, self.r, self.p, len(self.digest))
        return hmac.compare_digest(candidate, self.digest)

    def encode(self) -> str:
        """The self-describing string form."""
        return f"scrypt${self.n}${self.r}${self.p}${_b64(self.salt)}${_b64(self.digest)}"


def hash_password(password: str, *, n: int = SCRYPT_N, r: int = SCRYPT_R, p: int = SCRYPT_P) -> str:
    """A new ``scrypt$N$r$p$salt$hash`` string for ``password`` with a random 16-byte salt."""
    _check_cost(n, r, p)
    salt = secrets.token_bytes(SALT_BYTES)
    return PasswordHash(n, r, p, salt, _scrypt(password, salt, n, r, p, HASH_BYTES)).encode()


def verify_password(password: str, encoded: str) -> bool:
    """Whether ``password`` matches the hash string (``ValueError`` for a malformed hash)."""
    return PasswordHash.parse(encoded).matches(password)


def password_problem(password: str) -> str | None:
    """A Chinese reason why ``password`` may not be set, or None when it may."""
    if not password:
        return "密码不能为空"
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"密码至少需要 {MIN_PASSWORD_LENGTH} 个字符"
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"密码过长（最多 {MAX_PASSWORD_LENGTH} 个字符）"
    return None


# --------------------------------------------------------------------------- the users file


class UsersFileError(ValueError):
    """A users file that cannot be read; the message names the file and the entry."""


@dataclass(frozen=True)
class _Account:
    user: User
    password: PasswordHash


@lru_cache(maxsize=4)
def _demo_hashes(n: int, r: int, p: int) -> tuple[str, ...]:
    # Once per process: a feed restarted in-process (tests) does not pay six scrypts again.
    return tuple(hash_password(u.username, n=n, r=r, p=p) for u in DEMO_USERS)


class UserDirectory:
    """The accounts of one users file: load, authenticate, add, remove, save.

    Not meant for concurrent mutation: a server only reads it (``authenticate`` may run
    in worker threads); ``pingshan-feed users`` edits the file while the server is down
    or before it reloads.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None, *, streets: Iterable[str] | None = None,
                 n: int = SCRYPT_N, r: int = SCRYPT_R, p: int = SCRYPT_P) -> None:
        """An empty directory bound to ``path`` (where :meth:`save` writes); ``streets`` are the
        valid street ids (default: the catalogue's); ``n, r, p`` the scrypt cost of new hashes."""
        _check_cost(n, r, p)
        self.path: Path | None = Path(path) if path is not None else None
        self.streets: frozenset[str] = frozenset(streets) if streets is not None else district_streets()
        self._cost = (n, r, p)
        self._accounts: dict[str, _Account] = {}
        # An unknown user is checked against this so that the answer takes as long as for a known one.
        self._decoy = PasswordHash(n, r, p, secrets.token_bytes(SALT_BYTES), secrets.token_bytes(HASH_BYTES))

    # ---- construction

    @classmethod
    def load(cls, path: str | os.PathLike[str], *, streets: Iterable[str] | None = None,
             missing_ok: bool = False) -> UserDirectory:
        """The accounts of the users file at ``path``; :class:`UsersFileError` when it is
        malformed, or missing and ``missing_ok`` is false (an empty directory otherwise)."""
        directory = cls(path, streets=streets)
        where = f"用户文件 {path}"
        data = read_json_file(Path(path), where, UsersFileError, missing_ok=missing_ok)
        if data is MISSING:
            return directory
        if not isinstance(data, dict):
            raise UsersFileError(f"{where}：顶层应为对象 {{\"version\": 1, \"users\": [...]}}")
        extra = sorted(set(data) - {"version", "users"})
        if extra:
            raise UsersFileError(f"{where}：不认识的字段 {', '.join(extra)}")
        if data.get("version") != _FILE_VERSION:
            raise UsersFileError(f"{where}：不支持的版本 {data.get('version')!r}（应为 {_FILE_VERSION}）")
        entries = data.get("users")
        if not isinstance(entries, list):
            raise UsersFileError(f"{where}：users 应为列表")
        for index, entry in enumerate(entries, start=1):
            label = f"{where} 第 {index} 条"
            if isinstance(entry, dict) and isinstance(entry.get("username"), str):
                label += f"（{entry['username']}）"
            try:
                directory._put(*directory._parse_entry(entry))
            except ValueError as exc:
                raise UsersFileError(f"{label}：{exc}") from None
        return directory

    @classmethod
    def demo(cls, *, streets: Iterable[str] | None = None, n: int = SCRYPT_N) -> UserDirectory:
        """The six demo accounts (:data:`DEMO_USERS`), password = user name. The embedded demo only."""
        directory = cls(streets=streets, n=n)
        for user, encoded in zip(DEMO_USERS, _demo_hashes(n, SCRYPT_R, SCRYPT_P)):
            directory._put(user, PasswordHash.parse(encoded))
        return directory

    # ---- reading

    def authenticate(self, username: str, password: str) -> User | None:
        """The user when the password matches, else None. Always one scrypt, known user or not.

        CPU-bound (tens of milliseconds): an asyncio server should run it in a worker thread.
        """
        account = self._accounts.get(username)
        if account is None:
            self._decoy.matches(password)
            return None
        return account.user if account.password.matches(password) else None

    def get(self, username: str) -> User | None:
        """The account's user, or None."""
        account = self._accounts.get(username)
        return account.user if account is not None else None

    def users(self) -> list[User]:
        """Every account, in file order."""
        return [a.user for a in self._accounts.values()]

    def __len__(self) -> int:
        return len(self._accounts)

    def __contains__(self, username: object) -> bool:
        return username in self._accounts

    def __iter__(self) -> Iterator[User]:
        return iter(self.users())

    # ---- editing

    def check_account(self, username: str, role: str, scope: str, name: str | None = None) -> User:
        """The user these fields describe; ``ValueError`` (Chinese) for a bad name, role or scope."""
        if not isinstance(username, str) or not _USERNAME.fullmatch(username):
            raise ValueError(f"用户名 {username!r} 无效（1–64 个字符：字母、数字、_ . @ -）")
        if role not in ROLES:
            raise ValueError(f"未知的角色 {role!r}（可选：{'、'.join(ROLES)}）")
        if not isinstance(scope, str) or (scope != DISTRICT_SCOPE and scope not in self.streets):
            raise ValueError(f"未知的街道 {scope!r}（可选：{DISTRICT_SCOPE}、{'、'.join(sorted(self.streets))}）")
        if name is None:
            name = username
        if not isinstance(name, str) or not name.strip():
            raise ValueError("显示名不能为空")
        if len(name) > 64 or any(ord(c) < 32 or ord(c) == 127 for c in name):
            raise ValueError("显示名过长（最多 64 个字符）或含控制字符")
        return User(username, role, name.strip(), None if scope == DISTRICT_SCOPE else scope)

    def add(self, username: str, password: str, *, role: str, scope: str = DISTRICT_SCOPE,
            name: str | None = None) -> User:
        """Add an account (``ValueError`` when the name is taken or a field or the password is refused)."""
        user = self.check_account(username, role, scope, name)
        if username in self._accounts:
            raise ValueError(f"用户 {username} 已存在")
        problem = password_problem(password)
        if problem:
            raise ValueError(problem)
        n, r, p = self._cost
        self._put(user, PasswordHash.parse(hash_password(password, n=n, r=r, p=p)))
        return user

    def remove(self, username: str) -> User | None:
        """Remove an account; its user, or None when there was none."""
        account = self._accounts.pop(username, None)
        return account.user if account is not None else None

    def save(self, path: str | os.PathLike[str] | None = None) -> Path:
        """Write the file atomically (temporary file in the same folder, fsync, ``os.replace``),
        mode 0600. ``path`` defaults to the directory's own; returns where it wrote."""
        target = Path(path) if path is not None else self.path
        if target is None:
            raise ValueError("未指定用户文件")
        entries = [{"username": a.user.username, "name": a.user.name, "role": a.user.role,
                    "scope": a.user.scope, "password_hash": a.password.encode()} for a in self._accounts.values()]
        data = (json.dumps({"version": _FILE_VERSION, "users": entries}, ensure_ascii=False, indent=2) + "\n")
        write_secret_file(target, data)
        if self.path is None:
            self.path = target
        return target

    # ---- internals

    def _parse_entry(self, entry: Any) -> tuple[User, PasswordHash]:
        if not isinstance(entry, dict):
            raise ValueError("应为对象")
        missing = sorted(_ENTRY_KEYS - set(entry))
        if missing:
            raise ValueError(f"缺少字段 {', '.join(missing)}")
        extra = sorted(set(entry) - _ENTRY_KEYS)
        if extra:
            raise ValueError(f"不认识的字段 {', '.join(extra)}")
        user = self.check_account(entry["username"], entry["role"], entry["scope"], entry["name"])
        if user.username in self._accounts:
            raise ValueError(f"用户名 {user.username} 重复")
        return user, PasswordHash.parse(entry["password_hash"])

    def _put(self, user: User, password: PasswordHash) -> None:
        self._accounts[user.username] = _Account(user, password)


MISSING = object()
"""What :func:`read_json_file` answers for a file that is not there (when that is allowed)."""


def read_json_file(path: Path, where: str, error: type[Exception], *, missing_ok: bool = False) -> Any:
    """The JSON document of a settings file (users, sources), or :data:`MISSING` when it is missing and
    ``missing_ok``; every other problem is ``error`` with a Chinese reason that starts with ``where``."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        if missing_ok:
            return MISSING
        raise error(f"{where}：文件不存在") from None
    except OSError as exc:
        raise error(f"{where}：无法读取（{exc.strerror or exc}）") from None
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise error(f"{where}：不是 UTF-8 编码") from None
    except json.JSONDecodeError as exc:
        raise error(f"{where}：第 {exc.lineno} 行第 {exc.colno} 列 JSON 格式错误（{exc.msg}）") from None


def write_secret_file(target: Path, text: str) -> None:
    """Replace ``target`` with ``text`` atomically, mode 0600, durable (users and sources files).

    mkstemp creates the file 0600; a reader never sees a half-written file.
    """
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(text.encode("utf-8"))
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, target)
    except BaseException:
        with suppress(OSError):
            os.unlink(tmp)
        raise
    fsync_dir(target.parent)


def fsync_dir(folder: Path) -> None:
    # The rename itself survives a power cut only once the folder is synced (POSIX; no-op elsewhere).
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# --------------------------------------------------------------------------- login throttling


@dataclass
class Strikes:
    """One throttled key's record: recent failure times, lockouts so far, lock end, last failure."""

    failures: list[float] = field(default_factory=list)
    lockouts: int = 0
    locked_until: float = 0.0
    last_failure: float = 0.0

    def as_json(self) -> bytes:
        return json.dumps({"failures": self.failures, "lockouts": self.lockouts,
                           "locked_until": self.locked_until, "last_failure": self.last_failure}).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> "Strikes":
        doc = json.loads(raw)
        return cls([float(t) for t in doc.get("failures", ())][-10_000:], int(doc.get("lockouts", 0)),
                   float(doc.get("locked_until", 0.0)), float(doc.get("last_failure", 0.0)))


class LoginThrottle:
    """Slows password guessing, per user name and per client address.

    After ``max_failures`` failures within ``window_s`` (``address_max_failures`` for an
    address, which many seats may share), the key is locked for ``first_delay_s``; every
    further failure while the key is remembered locks it again for twice as long, up to
    ``max_delay_s``. A key is forgotten after ``window_s`` without failures once its lock
    has ended (that is how an address counter decays); a successful login forgets the
    user's key at once. At most ``max_keys`` keys are tracked, the least recently touched
    forgotten first.

    The server asks :meth:`check` before touching the password (a positive answer is the
    number of seconds to wait: answer 429 with ``Retry-After: ceil(wait)``), then reports
    :meth:`failed` or :meth:`succeeded`. The HTTP route calls the ``a``-prefixed forms,
    which a throttle shared by several servers overrides (``gateway.throttle``: the same
    arithmetic, :meth:`strike` and :meth:`wait_of`, over a key-value store).
    """

    def __init__(self, *, max_failures: int = 5, address_max_failures: int = 20, window_s: float = 300.0,
                 first_delay_s: float = 1.0, max_delay_s: float = 900.0, max_keys: int = 10_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if max_failures < 1 or address_max_failures < 1 or max_keys < 2:
            raise ValueError("max_failures, address_max_failures ≥ 1 and max_keys ≥ 2")
        self.max_failures = max_failures
        self.address_max_failures = address_max_failures
        self.window_s = window_s
        self.first_delay_s = first_delay_s
        self.max_delay_s = max_delay_s
        self.max_keys = max_keys
        self.clock = clock
        self._keys: OrderedDict[tuple[str, str], Strikes] = OrderedDict()
        self._lock = threading.Lock()

    # -- the arithmetic, on one key's record (shared by every store)

    def expired(self, strikes: Strikes, now: float) -> bool:
        """Forgotten: ``window_s`` without failures and no lock in force."""
        return now - max(strikes.last_failure, strikes.locked_until) > self.window_s

    def wait_of(self, strikes: Strikes | None, now: float) -> float:
        if strikes is None or self.expired(strikes, now):
            return 0.0
        return max(0.0, strikes.locked_until - now)

    def strike(self, kind: str, strikes: Strikes | None, now: float) -> Strikes:
        """The record after one more failure (``kind`` is ``user`` or ``addr``)."""
        limit = self.max_failures if kind == "user" else self.address_max_failures
        if strikes is None or self.expired(strikes, now):
            strikes = Strikes()
        strikes.failures = [t for t in strikes.failures if t > now - self.window_s][-(limit - 1):] + [now]
        strikes.last_failure = now
        if strikes.lockouts or len(strikes.failures) >= limit:
            delay = min(self.first_delay_s * 2.0 ** min(strikes.lockouts, 64), self.max_delay_s)
            strikes.locked_until = now + delay
            strikes.lockouts += 1
        return strikes

    def keep_s(self) -> float:
        """How long a record can matter after its last change (a shared store's per-key TTL)."""
        return self.window_s + self.max_delay_s

    @staticmethod
    def keys_of(username: str, address: str) -> tuple[tuple[str, str], tuple[str, str]]:
        # A caller chooses the user name: cap its length so a key costs little memory.
        return ("user", username[:128]), ("addr", address[:64])

    # -- this process's own store

    def check(self, username: str, address: str) -> float:
        """Seconds the caller must wait before this attempt may be checked; 0.0 = go ahead."""
        now = self.clock()
        with self._lock:
            return max(self.wait_of(self._live(key, now), now) for key in self.keys_of(username, address))

    def failed(self, username: str, address: str) -> None:
        """Record a failed attempt (wrong password or unknown user)."""
        now = self.clock()
        with self._lock:
            for key in self.keys_of(username, address):
                self._keys[key] = self.strike(key[0], self._live(key, now), now)
                self._keys.move_to_end(key)
            while len(self._keys) > self.max_keys:
                self._keys.popitem(last=False)

    def succeeded(self, username: str, address: str) -> None:
        """A login succeeded: the user's failures are forgiven (the address's decay with time)."""
        with self._lock:
            self._keys.pop(self.keys_of(username, address)[0], None)

    async def acheck(self, username: str, address: str) -> float:
        return self.check(username, address)

    async def afailed(self, username: str, address: str) -> None:
        self.failed(username, address)

    async def asucceeded(self, username: str, address: str) -> None:
        self.succeeded(username, address)

    def __len__(self) -> int:
        """How many keys (user names and addresses) are tracked."""
        return len(self._keys)

    def _live(self, key: tuple[str, str], now: float) -> Strikes | None:
        strikes = self._keys.get(key)
        if strikes is not None and self.expired(strikes, now):
            del self._keys[key]
            return None
        return strikes


# --------------------------------------------------------------------------- identity-provider JWTs

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


# --------------------------------------------------------------------------- tokens


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


# --------------------------------------------------------------------------- pingshan-feed users


class UsageError(Exception):
    def __init__(self, status: int, message: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class CliParser(argparse.ArgumentParser):
    """argparse that reports instead of exiting (the caller returns the status)."""

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        raise UsageError(status, message or "")

    def error(self, message: str) -> NoReturn:
        raise UsageError(2, f"{self.format_usage()}{self.prog}：用法错误：{message}\n")


def _users_parser() -> CliParser:
    parser = CliParser(prog="pingshan-feed users", description="管理用户文件（账号、角色、范围、密码散列）")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=CliParser)
    add = sub.add_parser("add", help="添加用户（密码两次输入，或 --password-stdin 从标准输入读一行）")
    add.add_argument("username")
    add.add_argument("--role", required=True, help="viewer / operator / supervisor / administrator")
    add.add_argument("--scope", required=True, help="district 或街道 id")
    add.add_argument("--name", help="显示名（默认同用户名）")
    add.add_argument("--file", required=True, help="用户文件（JSON）；不存在则新建")
    add.add_argument("--password-stdin", action="store_true", help="从标准输入读取密码（一行）")
    lst = sub.add_parser("list", help="列出用户（不显示密码散列）")
    lst.add_argument("--file", required=True)
    rm = sub.add_parser("remove", help="删除用户")
    rm.add_argument("username")
    rm.add_argument("--file", required=True)
    return parser


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        return line[:-1] if line.endswith("\n") else line
    try:
        first = getpass.getpass("密码：")
        second = getpass.getpass("再次输入密码：")
    except (EOFError, KeyboardInterrupt):
        raise UsageError(2, "未输入密码\n") from None
    if first != second:
        raise UsageError(2, "两次输入的密码不一致\n")
    return first


def file_command(run: Callable[[], int], what: str) -> int:
    """Run one ``users``/``sources`` file command: 0 on success, 2 on a usage or validation
    error (Chinese message on stderr), 1 when the file (``what``: 用户文件 …) cannot be written."""
    try:
        return run()
    except UsageError as exc:
        (sys.stdout if exc.status == 0 else sys.stderr).write(exc.message)
        return exc.status
    except ValueError as exc:  # the file's own errors included
        print(str(exc), file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"无法写入{what}：{exc}", file=sys.stderr)
        return 1


def users_main(argv: list[str]) -> int:
    """``pingshan-feed users add|list|remove …`` (``argv`` starts after ``users``); see :func:`file_command`."""
    def run() -> int:
        args = _users_parser().parse_args(argv)
        directory = UserDirectory.load(args.file, missing_ok=args.command == "add")
        if args.command == "list":
            for user in directory.users():
                print(f"{user.username}\t{user.role}\t{user.scope}\t{user.name}")
            return 0
        if args.command == "remove":
            if directory.remove(args.username) is None:
                raise UsageError(2, f"用户文件 {args.file} 中没有用户 {args.username}\n")
            directory.save()
            print(f"已删除用户 {args.username}")
            return 0
        if args.username in directory:
            raise UsageError(2, f"用户 {args.username} 已存在\n")
        directory.check_account(args.username, args.role, args.scope, args.name)  # before asking for a password
        password = _read_password(args.password_stdin)
        user = directory.add(args.username, password, role=args.role, scope=args.scope, name=args.name)
        directory.save()
        print(f"已添加用户 {user.username}（{user.name}，{user.role}，{user.scope}）")
        return 0

    return file_command(run, "用户文件")

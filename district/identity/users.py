"""Users and their passwords: the users file (:class:`UserDirectory`), scrypt hashes, the built-in seats.

The file format is described in the package docstring (:mod:`district.identity`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import re
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Iterator

from console import catalogue
from district.identity.files import MISSING, read_json_file, write_secret_file
from district.roles import ROLES, User

DISTRICT_SCOPE = "district"
"""The scope of a user not bound to one street."""


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

"""district.identity: password hashes, the users file and its CLI, login throttling,
identity-provider JWTs (local JWKS file and over loopback HTTP) and the token book."""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import os
import stat
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterator

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from district import identity
from district.identity import (ANONYMOUS, DEMO_USERS, OPEN_SEAT, JwtVerifier, LoginThrottle, PasswordHash,
                               TokenBook, User, UserDirectory, UsersFileError, hash_password, users_main,
                               verify_password)

ROOT = Path(__file__).resolve().parents[2]
CHEAP = 2**10  # scrypt N for tests that are not about the cost


# --------------------------------------------------------------------------- hashes


def test_hash_round_trip_differs_per_salt_and_is_self_describing() -> None:
    a, b = hash_password("correct horse"), hash_password("correct horse")
    assert a != b  # a fresh random salt each time
    for encoded in (a, b):
        assert verify_password("correct horse", encoded)
        assert not verify_password("correct horsE", encoded)
        assert not verify_password("", encoded)
    scheme, n, r, p, salt, digest = a.split("$")
    assert (scheme, n, r, p) == ("scrypt", "16384", "8", "1")
    assert len(base64.b64decode(salt)) == 16 and len(base64.b64decode(digest)) == 32
    # The digest is plain scrypt over the UTF-8 password: another implementation can check it.
    expected = hashlib.scrypt("correct horse".encode(), salt=base64.b64decode(salt), n=16384, r=8, p=1, dklen=32)
    assert base64.b64decode(digest) == expected


def test_non_ascii_password_round_trips() -> None:
    encoded = hash_password("平山值班密码2024", n=CHEAP)
    assert verify_password("平山值班密码2024", encoded)
    assert not verify_password("平山值班密码2025", encoded)


@pytest.mark.parametrize("encoded", [
    "",
    "bcrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$" + "A" * 44,
    "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==",  # a part missing
    "scrypt$abc$8$1$AAAAAAAAAAAAAAAAAAAAAA==$" + "A" * 44,
    "scrypt$1000$8$1$AAAAAAAAAAAAAAAAAAAAAA==$" + "A" * 44,  # N not a power of two
    "scrypt$4194304$8$1$AAAAAAAAAAAAAAAAAAAAAA==$" + "A" * 44,  # N beyond the bound (a file must not eat RAM)
    "scrypt$16384$8$1$not base64!$" + "A" * 44,
    "scrypt$16384$8$1$AAAA$" + "A" * 44,  # a 3-byte salt
    "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAA",  # a 3-byte hash
])
def test_malformed_hash_is_refused(encoded: str) -> None:
    with pytest.raises(ValueError, match="密码散列|scrypt 参数"):
        PasswordHash.parse(encoded)


# --------------------------------------------------------------------------- the directory


def test_directory_authenticates_after_save_and_load(tmp_path: Path) -> None:
    path = tmp_path / "users.json"
    directory = UserDirectory(path, n=CHEAP)
    directory.add("zhang", "s3cret-pass", role="supervisor", scope="maluan", name="张值班长")
    directory.add("li", "another-pass", role="viewer", scope="district")
    directory.save()

    loaded = UserDirectory.load(path)
    assert [u.username for u in loaded.users()] == ["zhang", "li"]
    zhang = loaded.authenticate("zhang", "s3cret-pass")
    assert zhang == User("zhang", "supervisor", "张值班长", "maluan") and zhang.scope == "maluan"
    li = loaded.authenticate("li", "another-pass")
    assert li is not None and li.street is None and li.scope == "district" and li.name == "li"
    assert loaded.authenticate("zhang", "another-pass") is None  # the other user's password
    assert loaded.authenticate("zhang", "s3cret-pas") is None
    assert loaded.authenticate("wang", "s3cret-pass") is None
    assert loaded.remove("li") == li and loaded.remove("li") is None
    assert "li" not in loaded and len(loaded) == 1


def test_add_refuses_bad_fields_and_short_passwords() -> None:
    directory = UserDirectory(n=CHEAP)
    directory.add("duty", "long-enough", role="operator")
    for kwargs, reason in [
        (dict(username="x", password="long-enough", role="commander"), "未知的角色"),
        (dict(username="x", password="long-enough", role="operator", scope="futian"), "未知的街道"),
        (dict(username="a b", password="long-enough", role="operator"), "用户名"),
        (dict(username="x", password="long-enough", role="operator", name="值班\n员"), "控制字符"),
        (dict(username="duty", password="long-enough", role="operator"), "已存在"),
        (dict(username="x", password="", role="operator"), "不能为空"),
        (dict(username="x", password="1234567", role="operator"), "至少需要 8"),
    ]:
        with pytest.raises(ValueError, match=reason):
            directory.add(**kwargs)  # type: ignore[arg-type]
    assert [u.username for u in directory] == ["duty"]


def test_unknown_user_costs_one_scrypt_like_a_known_one(monkeypatch: pytest.MonkeyPatch) -> None:
    directory = UserDirectory(n=CHEAP)
    directory.add("duty", "long-enough", role="operator")
    calls: list[int] = []
    real = identity.users._scrypt

    def counting(password: str, salt: bytes, n: int, r: int, p: int, dklen: int) -> bytes:
        calls.append(n)
        return real(password, salt, n, r, p, dklen)

    monkeypatch.setattr(identity.users, "_scrypt", counting)
    assert directory.authenticate("duty", "wrong-pass") is None
    assert directory.authenticate("nobody", "wrong-pass") is None
    assert calls == [CHEAP, CHEAP]  # same work, same cost, known user or not


def test_demo_accounts_match_the_feed() -> None:
    demo = UserDirectory.demo(n=CHEAP)
    assert [(u.username, u.role, u.name, u.scope) for u in demo.users()] == [
        ("duty", "operator", "值班员", "district"),
        ("viewer", "viewer", "只读席位", "district"),
        ("chief", "supervisor", "值班长", "district"),
        ("admin", "administrator", "系统管理员", "district"),
        ("maluan", "operator", "马峦街道分中心值班员", "maluan"),
        ("maluan_chief", "supervisor", "马峦街道分中心值班长", "maluan"),
        ("pingshan", "operator", "坪山街道分中心值班员", "pingshan"),
        ("biling", "operator", "碧岭街道分中心值班员", "biling"),
        ("shijing", "operator", "石井街道分中心值班员", "shijing"),
        ("kengzi", "operator", "坑梓街道分中心值班员", "kengzi"),
        ("longtian", "operator", "龙田街道分中心值班员", "longtian"),
    ]
    for user in DEMO_USERS:
        assert demo.authenticate(user.username, user.username) == user
        assert demo.authenticate(user.username, user.username + "x") is None


def test_roles_and_streets_are_the_contracts() -> None:
    from console.catalogue import streets
    from district.roles import ROLES, User

    assert identity.ROLES is ROLES and identity.User is User  # one seat type for rules and identity
    assert identity.district_streets() == {"pingshan", "maluan", "biling", "shijing", "kengzi", "longtian"}
    assert identity.district_streets() == {s.id for s in streets()}


def _entry(username: str = "bob", **over: Any) -> dict[str, Any]:
    entry = {"username": username, "name": "测试", "role": "operator", "scope": "district",
             "password_hash": hash_password("long-enough", n=CHEAP)}
    entry.update(over)
    return entry


@pytest.mark.parametrize("bad, reason", [
    (_entry(role="commander"), "未知的角色"),
    (_entry(scope="futian"), "未知的街道"),
    (_entry(password_hash="md5$abc"), "密码散列格式无效"),
    (_entry(password_hash="scrypt$16384$8$1$%%%$AAAA"), "密码散列格式无效"),
    (_entry(colour="red"), "不认识的字段 colour"),
    ({k: v for k, v in _entry().items() if k != "role"}, "缺少字段 role"),
    (_entry("alice"), "重复"),
])
def test_malformed_entry_is_named(tmp_path: Path, bad: dict[str, Any], reason: str) -> None:
    path = tmp_path / "users.json"
    path.write_text(json.dumps({"version": 1, "users": [_entry("alice"), bad]}, ensure_ascii=False), "utf-8")
    with pytest.raises(UsersFileError) as caught:
        UserDirectory.load(path)
    message = str(caught.value)
    assert str(path) in message and "第 2 条" in message and reason in message
    assert f"（{bad['username']}）" in message


@pytest.mark.parametrize("raw, reason", [
    (b'{"version": 1, "users": [\n  {"username": "a",}\n]}', "第 2 行"),
    (b"\xff\xfe{}", "UTF-8"),
    (b'{"version": 2, "users": []}', "不支持的版本"),
    (b'{"version": 1, "users": {}}', "users 应为列表"),
    (b'[]', "顶层应为对象"),
    (b'{"version": 1, "users": ["bob"]}', "第 1 条：应为对象"),
])
def test_malformed_file_is_refused_with_its_name(tmp_path: Path, raw: bytes, reason: str) -> None:
    path = tmp_path / "users.json"
    path.write_bytes(raw)
    with pytest.raises(UsersFileError, match=reason) as caught:
        UserDirectory.load(path)
    assert str(path) in str(caught.value)


def test_missing_file_is_an_error_unless_allowed(tmp_path: Path) -> None:
    with pytest.raises(UsersFileError, match="文件不存在"):
        UserDirectory.load(tmp_path / "none.json")
    assert len(UserDirectory.load(tmp_path / "none.json", missing_ok=True)) == 0


def test_save_is_atomic_and_0600(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "users.json"
    path.write_text('{"version": 1, "users": []}\n', "utf-8")
    os.chmod(path, 0o644)
    directory = UserDirectory.load(path)
    directory.add("duty", "long-enough", role="operator")
    directory.save()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    saved = path.read_bytes()
    assert b"scrypt$" in saved and json.loads(saved)["users"][0]["username"] == "duty"

    # A crash between writing and renaming leaves the old file whole and no temporary behind.
    directory.add("chief", "long-enough", role="supervisor")

    def crash(src: str, dst: str) -> None:
        raise OSError("disk gone")

    monkeypatch.setattr(identity.files.os, "replace", crash)
    with pytest.raises(OSError, match="disk gone"):
        directory.save()
    assert path.read_bytes() == saved
    assert sorted(p.name for p in tmp_path.iterdir()) == ["users.json"]


def test_save_to_a_new_file_is_0600_under_a_permissive_umask(tmp_path: Path) -> None:
    old = os.umask(0o000)
    try:
        directory = UserDirectory(n=CHEAP)
        directory.add("duty", "long-enough", role="operator")
        written = directory.save(tmp_path / "new.json")
    finally:
        os.umask(old)
    assert stat.S_IMODE(written.stat().st_mode) == 0o600 and directory.path == written


# --------------------------------------------------------------------------- pingshan-feed users


def _cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], argv: list[str],
         stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = users_main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_add_list_remove(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                             capsys: pytest.CaptureFixture[str]) -> None:
    f = str(tmp_path / "users.json")
    code, out, err = _cli(monkeypatch, capsys, ["add", "zhang", "--role", "supervisor", "--scope", "maluan",
                                                 "--name", "张值班长", "--file", f, "--password-stdin"],
                          "s3cret pass with spaces \n")
    assert (code, err) == (0, "") and "zhang" in out
    code, out, err = _cli(monkeypatch, capsys, ["add", "li", "--role", "viewer", "--scope", "district",
                                                 "--file", f, "--password-stdin"], "another-pass\n")
    assert code == 0
    assert stat.S_IMODE(os.stat(f).st_mode) == 0o600

    code, out, err = _cli(monkeypatch, capsys, ["list", "--file", f])
    assert code == 0
    assert out.splitlines() == ["zhang\tsupervisor\tmaluan\t张值班长", "li\tviewer\tdistrict\tli"]
    assert "scrypt" not in out and "$" not in out

    # The password is the whole line, inner and trailing spaces included, without the newline.
    directory = UserDirectory.load(f)
    assert directory.authenticate("zhang", "s3cret pass with spaces ") is not None
    assert directory.authenticate("zhang", "s3cret pass with spaces") is None

    code, out, err = _cli(monkeypatch, capsys, ["remove", "li", "--file", f])
    assert code == 0
    assert [u.username for u in UserDirectory.load(f).users()] == ["zhang"]


@pytest.mark.parametrize("argv, stdin, reason", [
    (["add", "x", "--role", "operator", "--scope", "district", "--password-stdin"], "long-enough\n", "用法错误"),
    (["add", "x", "--scope", "district", "--password-stdin"], "long-enough\n", "--role"),
    (["add", "x", "--role", "boss", "--scope", "district", "--password-stdin"], "long-enough\n", "未知的角色"),
    (["add", "x", "--role", "operator", "--scope", "futian", "--password-stdin"], "long-enough\n", "未知的街道"),
    (["add", "x", "--role", "operator", "--scope", "district", "--password-stdin"], "short\n", "至少需要 8"),
    (["add", "x", "--role", "operator", "--scope", "district", "--password-stdin"], "\n", "不能为空"),
    (["add", "x", "--role", "operator", "--scope", "district", "--password-stdin"], "", "不能为空"),
    (["add", "duty", "--role", "operator", "--scope", "district", "--password-stdin"], "long-enough\n", "已存在"),
    (["remove", "nobody"], "", "没有用户 nobody"),
    (["frobnicate"], "", "用法错误"),
    ([], "", "用法错误"),
])
def test_cli_errors_exit_2_with_a_chinese_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str], argv: list[str],
                                                   stdin: str, reason: str) -> None:
    f = tmp_path / "users.json"
    directory = UserDirectory(f, n=CHEAP)
    directory.add("duty", "long-enough", role="operator")
    directory.save()
    before = f.read_bytes()
    if argv and argv[0] in ("add", "remove") and "用法错误" not in reason:
        argv = [*argv, "--file", str(f)]
    code, out, err = _cli(monkeypatch, capsys, argv, stdin)
    assert code == 2 and reason in err
    assert f.read_bytes() == before  # nothing written on a refusal


def test_cli_refuses_a_broken_or_missing_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "users.json"
    code, out, err = _cli(monkeypatch, capsys, ["list", "--file", str(f)])
    assert code == 2 and "文件不存在" in err
    f.write_text('{"version": 1, "users": [{"username": "a"}]}', "utf-8")
    code, out, err = _cli(monkeypatch, capsys, ["list", "--file", str(f)])
    assert code == 2 and "第 1 条（a）" in err and "缺少字段" in err


def test_cli_prompts_twice_without_password_stdin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    f = str(tmp_path / "users.json")
    answers = iter(["first-pass", "other-pass", "right-pass", "right-pass", "tiny", "tiny"])
    prompts: list[str] = []

    def fake_getpass(prompt: str = "") -> str:
        prompts.append(prompt)
        return next(answers)

    monkeypatch.setattr(identity.cli.getpass, "getpass", fake_getpass)
    argv = ["add", "duty", "--role", "operator", "--scope", "district", "--file", f]
    code, out, err = _cli(monkeypatch, capsys, argv)
    assert code == 2 and "不一致" in err and not os.path.exists(f)
    code, out, err = _cli(monkeypatch, capsys, argv)
    assert code == 0 and len(prompts) == 4
    assert UserDirectory.load(f).authenticate("duty", "right-pass") is not None
    code, out, err = _cli(monkeypatch, capsys, ["add", "chief", "--role", "supervisor", "--scope", "district",
                                                 "--file", f])
    assert code == 2 and "至少需要 8" in err


# --------------------------------------------------------------------------- throttling


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_throttle_locks_after_five_failures_and_doubles() -> None:
    clock = FakeClock()
    throttle = LoginThrottle(clock=clock)
    for _ in range(4):
        assert throttle.check("duty", "10.0.0.1") == 0
        throttle.failed("duty", "10.0.0.1")
        clock.now += 1
    assert throttle.check("duty", "10.0.0.1") == 0
    throttle.failed("duty", "10.0.0.1")  # the fifth within the window
    assert throttle.check("duty", "10.0.0.1") == pytest.approx(1.0)
    clock.now += 0.5
    assert throttle.check("duty", "10.0.0.1") == pytest.approx(0.5)
    waits = []
    for _ in range(12):
        clock.now += throttle.check("duty", "10.0.0.1")
        throttle.failed("duty", "10.0.0.1")
        waits.append(throttle.check("duty", "10.0.0.1"))
    assert waits[:5] == pytest.approx([2.0, 4.0, 8.0, 16.0, 32.0])
    assert waits[-1] == 900.0  # capped at 15 minutes

    # Another user from another address is not slowed; the same user from anywhere is.
    assert throttle.check("chief", "10.0.0.2") == 0
    assert throttle.check("duty", "10.0.0.2") == pytest.approx(900.0)
    # Success forgives the user at once.
    throttle.succeeded("duty", "10.0.0.2")
    assert throttle.check("duty", "10.0.0.2") == 0
    throttle.failed("duty", "10.0.0.2")
    assert throttle.check("duty", "10.0.0.2") == 0  # one failure after a clean slate is no lockout


def test_throttle_failures_outside_the_window_do_not_add_up() -> None:
    clock = FakeClock()
    throttle = LoginThrottle(clock=clock, window_s=300)
    for _ in range(20):
        throttle.failed("duty", "10.0.0.1")
        clock.now += 100  # four failures per five minutes: never five within the window
    assert throttle.check("duty", "10.0.0.1") == 0


def test_throttle_counts_per_address_across_users() -> None:
    clock = FakeClock()
    throttle = LoginThrottle(clock=clock, address_max_failures=20)
    for i in range(19):
        throttle.failed(f"user{i}", "10.0.0.9")  # a sprayer: each user fails once
    assert throttle.check("fresh", "10.0.0.9") == 0
    throttle.failed("user19", "10.0.0.9")
    assert throttle.check("fresh", "10.0.0.9") == pytest.approx(1.0)
    assert throttle.check("fresh", "10.0.0.10") == 0
    # A success from that address clears the user, not the address; the address decays with time.
    throttle.succeeded("user19", "10.0.0.9")
    assert throttle.check("user19", "10.0.0.9") == pytest.approx(1.0)
    clock.now += 1 + 300 + 0.1
    assert throttle.check("user19", "10.0.0.9") == 0
    throttle.failed("user20", "10.0.0.9")
    assert throttle.check("fresh", "10.0.0.9") == 0  # forgotten: no lingering lockout streak


def test_throttle_memory_is_bounded() -> None:
    clock = FakeClock()
    throttle = LoginThrottle(clock=clock, max_keys=100)
    for _ in range(5):
        throttle.failed("duty", "10.0.0.1")
    assert throttle.check("duty", "10.0.0.1") > 0
    for i in range(1000):
        throttle.failed(f"spray{i}", f"192.168.{i // 256}.{i % 256}")
        assert len(throttle) <= 100
    assert throttle.check("duty", "10.0.0.3") == 0  # the oldest keys went first
    throttle.failed("x" * 100_000, "10.0.0.1")
    assert max(len(k[1]) for k in throttle._keys) <= 128


# --------------------------------------------------------------------------- identity-provider JWTs

ISSUER = "https://idp.pingshan.example/realms/district"
AUDIENCE = "pingshan-console"


def _jwk(public: Any, kid: str, alg: str | None) -> dict[str, Any]:
    if isinstance(public, rsa.RSAPublicKey):
        data = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(public))
    elif isinstance(public, ec.EllipticCurvePublicKey):
        data = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(public))
    else:
        data = json.loads(jwt.algorithms.OKPAlgorithm.to_jwk(public))
    data.update(kid=kid, use="sig")
    if alg:
        data["alg"] = alg
    return data


class Keys:
    def __init__(self) -> None:
        self.rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.ec = ec.generate_private_key(ec.SECP256R1())
        self.ed = ed25519.Ed25519PrivateKey.generate()
        self.jwks = {"keys": [_jwk(self.rsa.public_key(), "rsa1", "RS256"),
                              _jwk(self.ec.public_key(), "ec1", None),  # alg inferred from the curve
                              _jwk(self.ed.public_key(), "ed1", "EdDSA")]}
        self.rsa_public_pem = self.rsa.public_key().public_bytes(serialization.Encoding.PEM,
                                                                 serialization.PublicFormat.SubjectPublicKeyInfo)

    def sign(self, *, kid: str = "rsa1", alg: str = "RS256", **over: Any) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {"iss": ISSUER, "aud": AUDIENCE, "sub": "8d1c-uuid", "iat": now, "exp": now + 600,
                                  "preferred_username": "zhang.wei", "name": "张伟",
                                  "pingshan_role": "supervisor", "pingshan_street": "maluan"}
        claims.update(over)
        claims = {k: v for k, v in claims.items() if v is not None}
        key = {"RS256": self.rsa, "ES256": self.ec, "EdDSA": self.ed}[alg]
        return jwt.encode(claims, key, algorithm=alg, headers={"kid": kid})


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _handmade(header: dict[str, Any], claims: dict[str, Any], sign: Any = None) -> str:
    signing_input = f"{_b64url(json.dumps(header).encode())}.{_b64url(json.dumps(claims).encode())}"
    signature = sign(signing_input.encode()) if sign else b""
    return f"{signing_input}.{_b64url(signature)}"


@pytest.fixture(scope="module")
def keys() -> Keys:
    return Keys()


@pytest.fixture
def verifier(keys: Keys, tmp_path: Path) -> JwtVerifier:
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(keys.jwks), "utf-8")
    return JwtVerifier(path, issuer=ISSUER, audience=AUDIENCE)


def _claims(now: int | None = None, **over: Any) -> dict[str, Any]:
    now = int(time.time()) if now is None else now
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "u1", "exp": now + 600, "pingshan_role": "operator"}
    claims.update(over)
    return claims


def test_valid_tokens_give_the_user(keys: Keys, verifier: JwtVerifier) -> None:
    assert verifier.verify(keys.sign()) == User("zhang.wei", "supervisor", "张伟", "maluan")
    # EC key, no street claim (the whole district), no preferred_username nor name: sub is both.
    user = verifier.verify(keys.sign(kid="ec1", alg="ES256", preferred_username=None, name=None,
                                     pingshan_street=None, pingshan_role="viewer"))
    assert user == User("8d1c-uuid", "viewer", "8d1c-uuid", None)
    user = verifier.verify(keys.sign(kid="ed1", alg="EdDSA", pingshan_street="district",
                                     pingshan_role="administrator"))
    assert isinstance(user, User) and user.scope == "district" and user.role == "administrator"


@pytest.mark.parametrize("over, reason", [
    (dict(exp=int(time.time()) - 120), "令牌已过期"),
    (dict(iss="https://evil.example/realms/district"), "签发方不符"),
    (dict(aud="another-app"), "受众不符"),
    (dict(kid="rsa2"), "未知的签名密钥"),
    (dict(kid="ec1"), "签名算法与密钥不符"),  # an RS256 token presented under the EC key
    (dict(pingshan_role="commander"), "未知的角色"),
    (dict(pingshan_role=["supervisor"]), "未知的角色"),
    (dict(pingshan_role=None), "令牌缺少角色"),
    (dict(pingshan_street="futian"), "未知的街道"),
    (dict(exp=None), "令牌缺少声明 exp"),
    (dict(preferred_username=None, sub=None), "令牌缺少用户标识"),
    (dict(nbf=int(time.time()) + 3600), "令牌尚未生效"),
])
def test_tokens_refused_with_their_reason(keys: Keys, verifier: JwtVerifier, over: dict[str, Any],
                                          reason: str) -> None:
    assert verifier.verify(keys.sign(**over)) == reason


def test_expiry_honours_the_leeway(keys: Keys, verifier: JwtVerifier) -> None:
    assert isinstance(verifier.verify(keys.sign(exp=int(time.time()) - 10)), User)  # within 30 s
    assert verifier.verify(keys.sign(exp=int(time.time()) - 40)) == "令牌已过期"


def test_tampered_claims_break_the_signature(keys: Keys, verifier: JwtVerifier) -> None:
    header, _, signature = keys.sign(pingshan_role="viewer").split(".")
    forged = _b64url(json.dumps(_claims(pingshan_role="supervisor")).encode())
    assert verifier.verify(f"{header}.{forged}.{signature}") == "签名无效"


def test_alg_none_is_refused(verifier: JwtVerifier) -> None:
    for alg in ("none", "None", "NONE"):
        assert verifier.verify(_handmade({"alg": alg, "kid": "rsa1"}, _claims())) == "不允许的签名算法"
    assert verifier.verify(_handmade({"kid": "rsa1"}, _claims())) == "不允许的签名算法"


def test_hs256_signed_with_the_public_key_is_refused(keys: Keys, verifier: JwtVerifier) -> None:
    # Algorithm confusion: the public key (which anyone has) used as an HMAC secret.
    for secret in (keys.rsa_public_pem, json.dumps(keys.jwks["keys"][0]).encode()):
        token = _handmade({"alg": "HS256", "kid": "rsa1", "typ": "JWT"}, _claims(),
                          lambda data, s=secret: hmac.new(s, data, hashlib.sha256).digest())
        assert verifier.verify(token) == "不允许的签名算法"


def test_garbage_is_refused(verifier: JwtVerifier) -> None:
    for token in ("a.b.c", "", "....", "eyJhbGciOiJSUzI1NiJ9.e30"):
        assert verifier.verify(token) == "令牌格式无效"


def test_verifier_refuses_unsafe_configuration(tmp_path: Path, keys: Keys) -> None:
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(keys.jwks), "utf-8")
    for algorithms in (["HS256"], ["RS256", "none"], []):
        with pytest.raises(ValueError, match="不允许的签名算法"):
            JwtVerifier(path, issuer=ISSUER, audience=AUDIENCE, algorithms=algorithms)
    with pytest.raises(ValueError, match="签发方"):
        JwtVerifier(path, issuer="", audience=AUDIENCE)
    with pytest.raises(ValueError, match="无法读取"):
        JwtVerifier(tmp_path / "missing.json", issuer=ISSUER, audience=AUDIENCE)
    with pytest.raises(ValueError, match="http"):
        JwtVerifier("file:///etc/passwd", issuer=ISSUER, audience=AUDIENCE)


def test_only_allowed_algorithms_verify(keys: Keys, tmp_path: Path) -> None:
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(keys.jwks), "utf-8")
    rs_only = JwtVerifier(path, issuer=ISSUER, audience=AUDIENCE, algorithms=["RS256"])
    assert isinstance(rs_only.verify(keys.sign()), User)
    assert rs_only.verify(keys.sign(kid="ec1", alg="ES256")) == "不允许的签名算法"


def test_jwks_file_is_reread_when_it_changes(keys: Keys, verifier: JwtVerifier, tmp_path: Path) -> None:
    token = keys.sign()
    assert isinstance(verifier.verify(token), User)
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps({"keys": keys.jwks["keys"][1:]}), "utf-8")  # rsa1 withdrawn
    os.utime(path, ns=(time.time_ns() + 10**9, time.time_ns() + 10**9))
    assert verifier.verify(token) == "未知的签名密钥"
    path.write_text("{not json", "utf-8")  # a broken replacement fails closed
    os.utime(path, ns=(time.time_ns() + 2 * 10**9, time.time_ns() + 2 * 10**9))
    assert verifier.verify(keys.sign(kid="ec1", alg="ES256")) == "无法获取签名密钥"


class _JwksServer:
    def __init__(self, jwks: dict[str, Any]) -> None:
        self.jwks = jwks
        self.hits = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                outer.hits += 1
                body = json.dumps(outer.jwks).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/certs"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)


@pytest.fixture
def jwks_server(keys: Keys, monkeypatch: pytest.MonkeyPatch) -> Iterator[_JwksServer]:
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    server = _JwksServer({"keys": keys.jwks["keys"][:2]})
    try:
        yield server
    finally:
        server.close()


def test_jwks_over_http_is_fetched_cached_and_refetched_for_a_new_key(keys: Keys, jwks_server: _JwksServer) -> None:
    clock = FakeClock()
    verifier = JwtVerifier(jwks_server.url, issuer=ISSUER, audience=AUDIENCE, clock=clock, refetch_cooldown_s=30)
    assert jwks_server.hits == 0  # nothing fetched until needed
    assert verifier.verify(keys.sign()) == User("zhang.wei", "supervisor", "张伟", "maluan")
    assert isinstance(verifier.verify(keys.sign(kid="ec1", alg="ES256")), User)
    assert jwks_server.hits == 1  # cached

    # The provider rotates in a new key: an unknown kid fetches again, once.
    jwks_server.jwks = keys.jwks
    assert isinstance(verifier.verify(keys.sign(kid="ed1", alg="EdDSA")), User)
    assert jwks_server.hits == 2
    # Made-up key ids do not hammer the provider: at most one forced fetch per cooldown.
    for i in range(5):
        assert verifier.verify(keys.sign(kid=f"bogus{i}")) == "未知的签名密钥"
    assert jwks_server.hits == 2
    clock.now += 31
    assert verifier.verify(keys.sign(kid="bogus-late")) == "未知的签名密钥"
    assert jwks_server.hits == 3


def test_unreachable_jwks_is_a_refusal_not_a_crash(keys: Keys, jwks_server: _JwksServer) -> None:
    url = jwks_server.url
    jwks_server.close()
    verifier = JwtVerifier(url, issuer=ISSUER, audience=AUDIENCE, timeout_s=2)
    assert verifier.verify(keys.sign()) == "无法获取签名密钥"
    with pytest.raises(ValueError, match="无法获取签名密钥"):
        verifier.refresh_keys()


# --------------------------------------------------------------------------- the token book


def test_token_book_issue_check_refresh_and_expiry() -> None:
    clock = FakeClock()
    book = TokenBook(token_ttl_s=60, refresh_ttl_s=600, clock=clock)
    chief = User("chief", "supervisor", "值班长")
    issued = book.issue(chief)
    assert set(issued) == {"access_token", "expires_in", "role", "scope", "refresh_token",
                           "refresh_expires_in", "name"}
    assert (issued["expires_in"], issued["refresh_expires_in"], issued["role"], issued["scope"], issued["name"]) == \
        (60, 600, "supervisor", "district", "值班长")
    assert book.check(issued["access_token"]) == chief
    assert book.who(f"Bearer {issued['access_token']}") == chief
    assert book.who(f"bearer   {issued['access_token']}  ") == chief
    assert book.who(f"Basic {issued['access_token']}") == "令牌无效或已过期"
    clock.now += 61
    assert book.who(f"Bearer {issued['access_token']}") == "令牌无效或已过期"
    assert issued["access_token"] not in book.access

    again = book.use_refresh(issued["refresh_token"])
    assert again is not None and book.check(again["access_token"]) == chief
    assert book.use_refresh(issued["refresh_token"]) is None  # single use
    assert (book.issued, book.refreshed) == (2, 1)
    clock.now += 601
    assert book.use_refresh(again["refresh_token"]) is None

    assert book.revoke_all() == 1  # again's access token: expired, never presented, still counted
    fresh = book.issue(chief)
    assert book.expire_access() == 1 and book.check(fresh["access_token"]) is None
    assert book.use_refresh(fresh["refresh_token"]) is not None
    other = book.issue(User("duty", "operator", "值班员"))
    assert book.revoke_user("chief") == 2 and book.check(other["access_token"]) is not None
    assert book.revoke_all() == 2 and not book.access and not book.refresh


def test_token_book_anonymous_and_require_login() -> None:
    assert TokenBook().who(None) is OPEN_SEAT  # the embedded feed's historical default
    assert TokenBook(anonymous=ANONYMOUS).who("") == ANONYMOUS
    assert ANONYMOUS.role == "viewer" and ANONYMOUS.scope == "district"
    assert TokenBook(require_login=True).who(None) == "需要登录"


def test_token_book_forgets_expired_tokens_nobody_presents() -> None:
    clock = FakeClock()
    book = TokenBook(token_ttl_s=1, refresh_ttl_s=2, clock=clock)
    for _ in range(5000):
        book.issue(User("duty", "operator", "值班员"))
        clock.now += 3
    assert len(book.access) + len(book.refresh) < 2100


def test_token_book_login_uses_its_directory() -> None:
    directory = UserDirectory(n=CHEAP)
    directory.add("wang", "long-enough", role="operator", scope="kengzi")
    book = TokenBook(users=directory)
    assert book.login("wang", "long-enough") == User("wang", "operator", "wang", "kengzi")
    assert book.login("duty", "duty") is None  # the demo accounts are not there
    assert TokenBook().login("duty", "duty") == User("duty", "operator", "值班员")


def test_token_book_accepts_jwts_when_configured(keys: Keys, verifier: JwtVerifier) -> None:
    token = keys.sign()
    assert TokenBook().who(f"Bearer {token}") == "令牌无效或已过期"  # no verifier: not ours
    book = TokenBook(jwt=verifier, require_login=True)
    assert book.who(f"Bearer {token}") == User("zhang.wei", "supervisor", "张伟", "maluan")
    assert book.who(f"Bearer {keys.sign(aud='x')}") == "受众不符"
    opaque = book.issue(User("duty", "operator", "值班员"))["access_token"]
    assert "." not in opaque and book.who(f"Bearer {opaque}") == User("duty", "operator", "值班员")


# --------------------------------------------------------------------------- layering


def test_identity_imports_no_qt_no_http_framework_no_simulator() -> None:
    code = ("import sys, district.identity; "
            "bad = [m for m in sys.modules if m.split('.')[0] in "
            "('PySide6', 'shiboken6', 'fastapi', 'starlette', 'simulator', 'widgets', 'pydantic')]; "
            "print(bad)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"

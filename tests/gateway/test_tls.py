"""The feed over HTTPS on loopback with a throwaway CA made at test time (openssl CLI):
the right CA works end to end (login, snapshot, stream, commands); a wrong CA or the
system store is refused, and the console says so in Chinese."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Iterator

import pytest

from console.auth import AuthError, AuthSession, bind_core, config_fields
from console.feed_process import FeedProcess
from console.gateway import GatewayError, load_ca
from console.runtime import ConsoleConfig, ConsoleCore
from tests.support.asyncsupport import run, until
from tests.support.certsupport import make_ca, make_server_cert

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None,
                                reason="needs the openssl CLI (scripts/bootstrap.sh installs it on Debian)")


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FeedProcess, Path, Path]]:
    """(an HTTPS feed requiring login, the CA that signed it, an unrelated CA)."""
    tmp = tmp_path_factory.mktemp("tls")
    ca = make_ca(tmp, "district-ca")
    wrong = make_ca(tmp, "other-ca")
    crt, key = make_server_cert(tmp, ca)
    feed = FeedProcess(seed=2, alerts_per_s=0, readings_per_s=2, data_dir=tmp / "feed",
                       extra_args=("--require-login", "--ssl-certfile", str(crt), "--ssl-keyfile", str(key)))
    try:
        feed.start()
        yield feed, ca[0], wrong[0]
    finally:
        feed.close()


def test_the_feed_serves_https(tls: tuple[FeedProcess, Path, Path]) -> None:
    feed, _ca, _wrong = tls
    assert feed.url.startswith("https://127.0.0.1:")


def test_right_ca_logs_in_streams_and_commands(tls: tuple[FeedProcess, Path, Path], tmp_path: Path) -> None:
    feed, ca, _wrong = tls

    async def main() -> None:
        session = AuthSession(feed.url, verify=ca)
        await session.login("duty", "duty")
        core = ConsoleCore(ConsoleConfig(backend_url=feed.url, cache_dir=tmp_path / "c", verify=ca,
                                         **config_fields(session)))
        try:
            await core.start()
            bind_core(session, core)
            assert await core.wait_live(30), core.picture.connection.detail
            alert = next(a for a in core.picture.alerts.values() if a.status == "new")
            core.commands.submit("alert.note", alert.id, {"text": "加密通道测试"})
            await until(lambda: core.outbox.counts().get("pending", 0) == 0
                        and not core.picture.alerts.pending(alert.id), 30, "the note to be confirmed")
        finally:
            await core.stop()
            await session.aclose()

    run(main())


@pytest.mark.parametrize("which", ["wrong", "system"])
def test_wrong_ca_is_refused_with_a_clear_message(tls: tuple[FeedProcess, Path, Path], tmp_path: Path,
                                                  which: str) -> None:
    feed, _ca, wrong = tls
    verify: Path | bool = wrong if which == "wrong" else True

    async def main() -> tuple[str, str]:
        session = AuthSession(feed.url, verify=verify)
        try:
            await session.login("duty", "duty")
            raise AssertionError("login over an untrusted certificate succeeded")
        except AuthError as exc:
            login_reason = exc.reason
        finally:
            await session.aclose()
        core = ConsoleCore(ConsoleConfig(backend_url=feed.url, cache_dir=tmp_path / "c", verify=verify,
                                         max_backoff_s=1.0))
        try:
            await core.start()
            await until(lambda: "证书" in core.picture.connection.detail, 30, "the certificate complaint")
            assert core.picture.connection.state != "live"
            return login_reason, core.picture.connection.detail
        finally:
            await core.stop()

    login_reason, detail = run(main())
    for text in (login_reason, detail):
        assert "网关证书无法验证" in text and "请检查 CA 证书配置" in text, text
    assert login_reason.startswith("登录失败：")


def test_a_missing_or_broken_ca_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(GatewayError, match="CA 证书文件不存在：nope.pem"):
        load_ca(tmp_path / "nope.pem")
    bad = tmp_path / "bad.pem"
    bad.write_text("not a certificate", encoding="ascii")
    with pytest.raises(GatewayError, match="CA 证书文件无法读取"):
        load_ca(bad)


# --------------------------------------------------------------------------- which CAs are trusted
# Issue 18: httpx alone trusts certifi's bundle, and SSL_CERT_FILE *replaced* it; the docs
# promised the system store. Now: the system store, plus SSL_CERT_FILE / SSL_CERT_DIR added.


def _login(url: str, verify: Path | bool) -> str:
    """"ok", or the reason the login failed."""

    async def main() -> str:
        session = AuthSession(url, verify=verify)
        try:
            await session.login("duty", "duty")
            return "ok"
        except AuthError as exc:
            return exc.reason
        finally:
            await session.aclose()

    return str(run(main()))


def test_ssl_cert_file_adds_to_the_system_store_and_never_replaces_it(
        tls: tuple[FeedProcess, Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    import console.transport

    feed, ca, wrong = tls
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    # The district CA stands in for the operating system's store.
    monkeypatch.setattr(console.transport, "system_ca_locations", lambda: (str(ca), None))
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    assert _login(feed.url, True) == "ok"
    # An unrelated CA in SSL_CERT_FILE is added: the system store still signs the gateway.
    monkeypatch.setenv("SSL_CERT_FILE", str(wrong))
    assert _login(feed.url, True) == "ok"
    # The other way round: the gateway's CA only in SSL_CERT_FILE is trusted too.
    monkeypatch.setattr(console.transport, "system_ca_locations", lambda: (str(wrong), None))
    monkeypatch.setenv("SSL_CERT_FILE", str(ca))
    assert _login(feed.url, True) == "ok"
    # Neither: refused, whatever certifi would have said.
    monkeypatch.delenv("SSL_CERT_FILE")
    assert "网关证书无法验证" in _login(feed.url, True)
    # --ca trusts that CA alone: the environment does not widen it.
    monkeypatch.setenv("SSL_CERT_FILE", str(ca))
    assert "网关证书无法验证" in _login(feed.url, wrong)


def test_the_real_system_store_is_loaded_and_a_bad_ssl_cert_file_is_named(
        tls: tuple[FeedProcess, Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from console.gateway import trust_for
    from console.transport import system_ca_locations, system_trust

    _feed, ca, _wrong = tls
    cafile, capath = system_ca_locations()
    if cafile is None and capath is None:
        pytest.skip("no OpenSSL system store on this machine")
    plain = system_trust({}).cert_store_stats()["x509_ca"]
    if cafile is not None:
        assert plain > 10, "the system bundle is loaded"
    added = system_trust({"SSL_CERT_FILE": str(ca)}).cert_store_stats()["x509_ca"]
    assert added == plain + 1
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "missing.pem"))  # a typo must not pass unnoticed
    with pytest.raises(GatewayError, match="环境变量 SSL_CERT_FILE 指向的 CA 证书无法读取"):
        trust_for(True)

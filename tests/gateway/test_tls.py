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

"""Plain HTTP to a gateway off this machine is said, not accepted silently (issue 18):
the core sets ``ConnectionState.transport_warning`` (a code the status bar shows in red)
and writes a warning to the log; HTTPS and loopback say nothing."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from console.runtime import ConsoleConfig, ConsoleCore
from console.texts import render
from console.transport import cleartext_warning, is_loopback
from tests.support.asyncsupport import run

OFF_MACHINE = "http://192.0.2.10:8080"  # TEST-NET-1: never answers
LOOPBACK = "http://127.0.0.1:9"


def test_which_gateways_are_cleartext() -> None:
    for url in ("http://10.20.30.40:8765", "http://gateway.pingshan.gov.cn", "HTTP://[fd00::5]:80/api",
                "http://127.example.org"):
        warning = cleartext_warning(url)
        assert warning is not None and warning.code == "gateway_cleartext", url
    assert "未加密" in render(cleartext_warning(OFF_MACHINE)) and "192.0.2.10:8080" in render(
        cleartext_warning(OFF_MACHINE))
    for url in ("https://10.20.30.40:8443", "http://127.0.0.1:8765", "http://127.3.4.5", "http://localhost:1",
                "http://[::1]:8765", "", None):
        assert cleartext_warning(url) is None, url
    assert is_loopback("LOCALHOST") and not is_loopback("10.0.0.1")


def _core(tmp_path: Path, url: str, *more: str) -> ConsoleCore:
    return ConsoleCore(ConsoleConfig(backend_url=url, backend_urls=more, cache_dir=tmp_path / "cache",
                                     fetch_catalogues=False, max_backoff_s=0.5))


def test_a_cleartext_gateway_is_in_the_connection_state_and_the_log(tmp_path: Path,
                                                                     caplog: pytest.LogCaptureFixture) -> None:
    async def main() -> None:
        core = _core(tmp_path, OFF_MACHINE)
        try:
            with caplog.at_level(logging.WARNING):
                await core.start()
            warning = core.picture.connection.transport_warning
            assert warning is not None and warning.code == "gateway_cleartext"
            assert warning.params["host"] == "192.0.2.10:8080"
        finally:
            await core.stop()

    run(main())
    lines = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert any("192.0.2.10:8080" in line and "unencrypted" in line for line in lines), lines


def test_loopback_says_nothing_and_a_failover_to_cleartext_does(tmp_path: Path,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    async def main() -> None:
        core = _core(tmp_path, LOOPBACK, OFF_MACHINE)
        try:
            with caplog.at_level(logging.WARNING, logger="console.transport"):
                await core.start()
            assert core.picture.connection.transport_warning is None
            assert core.gateway is not None and core.gateway.fail_over(LOOPBACK)
            warning = core.picture.connection.transport_warning
            assert warning is not None and warning.code == "gateway_cleartext"
            core.gateway.fail_over(OFF_MACHINE)  # back on loopback
            assert core.picture.connection.transport_warning is None
        finally:
            await core.stop()

    run(main())
    # Only the off-machine gateway is logged.
    logged = [r.getMessage() for r in caplog.records if "plain HTTP" in r.getMessage()]
    assert logged and all("192.0.2.10" in line for line in logged)

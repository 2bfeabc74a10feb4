"""The console's AuthSession against the real feed: login, refresh before expiry, refresh on
401, re-login after revocation with queued commands delivered exactly once, logout, lock,
and the token never written to the cache or the log."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

import httpx
import pytest

from console.auth import AuthError, AuthSession, bind_core, config_fields
from console.feed_process import FeedProcess
from console.runtime import ConsoleConfig, ConsoleCore
from tests.support.asyncsupport import feed_state, run, until


def _login_feed(tmp_path: Path, *extra: str) -> FeedProcess:
    proc = FeedProcess(seed=5, alerts_per_s=0, readings_per_s=2, data_dir=tmp_path / "feed",
                       extra_args=("--require-login", *extra))
    proc.start()
    return proc


def test_login_refuses_bad_input_and_wrong_password(tmp_path: Path) -> None:
    feed = _login_feed(tmp_path)

    async def main() -> list[str]:
        session = AuthSession(feed.url)
        reasons = []
        try:
            for user, pw in (("", "x"), ("duty", ""), ("duty", "wrong"), ("nobody", "nobody")):
                try:
                    await session.login(user, pw)
                except AuthError as exc:
                    reasons.append(exc.reason)
            assert session.state == "signed_out" and session.token is None
            ident = await session.login(" duty ", "duty")
            assert (ident.username, ident.role, ident.street) == ("duty", "operator", None)
            assert session.token and session.token not in repr(session)
            # A running session is bound to its user.
            with pytest.raises(AuthError, match="当前用户"):
                await session.login("chief", "chief")
        finally:
            await session.aclose()
        return reasons

    try:
        reasons = run(main())
    finally:
        feed.close()
    assert reasons[:2] == ["请输入用户名和密码"] * 2
    assert reasons[2:] == ["用户名或密码错误"] * 2


def test_unreachable_gateway_login_says_so_in_chinese() -> None:
    async def main() -> str:
        session = AuthSession("http://127.0.0.1:9")
        try:
            await session.login("duty", "duty")
        except AuthError as exc:
            return exc.reason
        finally:
            await session.aclose()
        raise AssertionError("login to a closed port succeeded")

    assert run(main()) == "登录失败：无法连接网关"


def test_refresh_before_expiry_and_on_401(tmp_path: Path) -> None:
    feed = _login_feed(tmp_path, "--token-ttl-s", "6")

    async def main() -> None:
        session = AuthSession(feed.url, refresh_margin_s=5)  # refresh ~1 s after login
        events: list[str] = []
        session.session_changed.connect(events.append)
        try:
            await session.login("chief", "chief")
            first = session.token
            session.start()
            await until(lambda: session.refreshes >= 1, 30, "a refresh before expiry")
            assert session.token != first and session.state == "active"
            # The feed forgets every access token: the next 401 refreshes with the refresh token.
            async with httpx.AsyncClient() as http:
                await http.post(feed.url + "/_sim/auth", json={"action": "expire"})
            gw_token = session.token
            from console.gateway import GatewayAuthError, GatewayClient

            gw = GatewayClient(feed.url)
            session.bind(gw)
            try:
                with pytest.raises(GatewayAuthError):
                    await gw.layers()
                await until(lambda: session.token not in (None, gw_token), 30, "a refresh after 401")
                assert gw.token == session.token
                assert (await gw.layers()).layers
            finally:
                await gw.aclose()
            assert "refresh" in events and "expired" not in events
        finally:
            await session.aclose()

    try:
        run(main())
    finally:
        feed.close()


def test_revoked_token_relogin_delivers_queued_commands_exactly_once(tmp_path: Path) -> None:
    """Token revoked on the feed → commands queue in the outbox → after re-login each is delivered once."""
    feed = _login_feed(tmp_path)
    log_file = tmp_path / "console.log"
    handler = logging.FileHandler(log_file, encoding="utf-8")
    handler.setLevel(logging.DEBUG)
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)  # strictest: even httpx/httpcore debug lines must not carry the token
    tokens_seen: set[str] = set()
    cache = tmp_path / "cache"
    exports = tmp_path / "exports"
    exports.mkdir()

    async def main() -> None:
        session = AuthSession(feed.url)
        events: list[str] = []
        session.session_changed.connect(events.append)
        await session.login("duty", "duty")
        tokens_seen.add(str(session.token))
        tokens_seen.add(str(session._refresh))
        token_text = str(session.token)
        core = ConsoleCore(ConsoleConfig(backend_url=feed.url, cache_dir=cache, flush_interval_s=0.05,
                                         **config_fields(session)))
        try:
            await core.start()
            bind_core(session, core)
            session.start()
            assert await core.wait_live(30)
            await until(lambda: sum(a.status == "new" for a in core.picture.alerts.values()) >= 5, 30, "new alerts")
            targets = [a for a in core.picture.alerts.values() if a.status == "new"][:5]
            before = (await feed_state(feed.url))["counts"]["commands"]

            async with httpx.AsyncClient() as http:
                await http.post(feed.url + "/_sim/auth", json={"action": "revoke"})
            for a in targets:
                core.commands.submit("alert.acknowledge", a.id, expected_rev=a.rev)
            await until(lambda: session.state == "expired", 30, "the session to notice the revocation")
            assert events[-1] == "expired" and session.token is None and core.gateway.token is None
            assert core.outbox.counts().get("pending", 0) == 5  # nothing lost, nothing refused
            state = await feed_state(feed.url)
            assert all(state["alerts"][a.id]["status"] == "new" for a in targets)

            await session.login("duty", "duty")  # the operator types the password again
            tokens_seen.add(str(session.token))
            tokens_seen.add(str(session._refresh))
            await until(lambda: core.outbox.counts().get("pending", 0) == 0, 30, "the queued commands to go out")
            await until(lambda: all(core.picture.alerts.get(a.id).status == "acknowledged" for a in targets), 30,
                        "the echoes")
            state = await feed_state(feed.url)
            assert state["counts"]["commands"] - before == 5
            for a in targets:
                assert state["alerts"][a.id]["status"] == "acknowledged"
            for a in targets:  # each acknowledged exactly once on the feed's own timeline
                alert = core.picture.alerts.get(a.id)
                assert sum(n.action == "acknowledge" for n in alert.timeline) == 1
            assert core.sender is not None and core.sender.last_error == "登录已失效，重新登录后发送"

            # Exports carry no token either (checked with the cache below).
            core.exports.export_queue_csv(exports / "queue.csv", [a.id for a in core.picture.alerts.values()])
            handover = core.exports.write_handover(exports / "handover.md").read_text(encoding="utf-8")
            assert "交班人：值班员（账号 duty）" in handover  # the logged-in person, not only the seat
            assert token_text not in repr(core.config)
            session.logout()
            assert session.token is None and core.gateway.token is None and session.identity is None
        finally:
            await core.stop()
            await session.aclose()

    try:
        run(main())
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
        handler.close()
        feed.close()
    # The tokens are nowhere on disk: not in the cache database (journal, outbox, audit,
    # blobs, its WAL), not in the log, not in the operator's exports.
    files = [p for p in cache.rglob("*") if p.is_file()] + [log_file] + list(exports.iterdir())
    assert len(list(exports.iterdir())) == 2
    assert any(p.name == "console.sqlite" for p in files)
    for path in files:
        data = path.read_bytes()
        for tok in tokens_seen:
            assert tok.encode() not in data, f"token found in {path.name}"
    assert log_file.stat().st_size > 0
    # The cache database and its side files are the user's alone.
    for path in cache.glob("console.sqlite*"):
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, path.name


def test_lock_and_unlock_need_the_password(tmp_path: Path) -> None:
    feed = _login_feed(tmp_path)
    clock = [1000.0]

    async def main() -> None:
        session = AuthSession(feed.url, idle_lock_s=300, clock=lambda: clock[0])
        events: list[str] = []
        session.session_changed.connect(events.append)
        try:
            assert not session.check_idle()  # nobody logged in: nothing to lock
            await session.login("viewer", "viewer")
            clock[0] += 299
            assert not session.check_idle()
            session.note_activity()
            clock[0] += 299
            assert not session.check_idle()
            clock[0] += 2
            assert session.check_idle() and events[-1] == "lock"
            with pytest.raises(AuthError, match="密码错误"):
                session.unlock("wrong")
            assert session.locked and session.token  # the token stays while locked
            session.unlock("viewer")
            assert not session.locked and events[-1] == "unlock"
            session.lock()
            assert session.locked
            session.logout()
            assert not session.locked and events[-1] == "logout"
        finally:
            await session.aclose()

    try:
        run(main())
    finally:
        feed.close()


def test_verification_cannot_be_switched_off() -> None:
    from console.gateway import GatewayClient

    with pytest.raises(ValueError):
        GatewayClient("https://127.0.0.1:9", verify=False)




def test_a_new_login_reconnects_the_stream_at_once(tmp_path: Path) -> None:
    """A stream refused with 401 waits out its backoff; logging in wakes it (no long wait)."""
    import asyncio
    import random

    from console.gateway import GatewayClient
    from console.source import LiveSource, backoff_delay
    from tests.support.sourcesupport import MiniIngest, MiniPicture

    feed = _login_feed(tmp_path)
    rng = random.Random(3)
    # The first retry this source schedules is long: without a wake the test would time out.
    assert backoff_delay(0, 600.0, 600.0, random.Random(3)) > 120

    async def main() -> None:
        gw = GatewayClient(feed.url)
        picture, ingest = MiniPicture(), MiniIngest()
        source = LiveSource(gw, ingest, picture, base_delay_s=600.0, max_delay_s=600.0, rng=rng)
        session = AuthSession(feed.url)
        session.bind(gw, wake=source.wake)
        task = asyncio.create_task(source.run())
        try:
            await until(lambda: picture.state == "offline", 20, "refused before login")
            assert "秒后重试" in picture.detail
            await session.login("duty", "duty")
            await until(lambda: picture.state == "live" and ingest.snapshots, 30, "live right after login")
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await session.aclose()
            await gw.aclose()

    try:
        run(main())
    finally:
        feed.close()

"""The session's lock-screen throttle without a display (issue 18): the rulebook's
``LoginThrottle`` arithmetic on the session's clock, and the session ended after
``UNLOCK_MAX_FAILURES`` wrong passwords in a row."""

from __future__ import annotations

import pytest

from console.auth import UNLOCK_FIRST_WAIT_S, UNLOCK_FREE_TRIES, UNLOCK_MAX_FAILURES, AuthError, AuthSession, SessionEnded
from console.feed_process import FeedProcess
from tests.support.asyncsupport import run


def test_waits_double_and_the_last_wrong_password_logs_out(login_feed: FeedProcess) -> None:
    clock = [0.0]

    async def main() -> None:
        session = AuthSession(login_feed.url, clock=lambda: clock[0])
        try:
            await session.login("duty", "duty")
            session.lock()
            waits = []
            for n in range(1, UNLOCK_MAX_FAILURES):
                with pytest.raises(AuthError) as exc:
                    session.unlock("wrong")
                waits.append(exc.value.wait_s)
                assert (exc.value.text is not None and
                        exc.value.text.code == ("unlock_wrong" if n < UNLOCK_FREE_TRIES else "unlock_wait"))
                # While waiting, not even the right password is checked.
                if exc.value.wait_s:
                    with pytest.raises(AuthError, match="请 .* 秒后再试"):
                        session.unlock("duty")
                    assert session.locked
                clock[0] += exc.value.wait_s
            assert waits == [0.0] * (UNLOCK_FREE_TRIES - 1) + [
                UNLOCK_FIRST_WAIT_S * 2 ** k for k in range(UNLOCK_MAX_FAILURES - UNLOCK_FREE_TRIES)]
            with pytest.raises(SessionEnded, match="已注销"):
                session.unlock("wrong")
            assert session.state == "signed_out" and session.token is None and not session.locked
        finally:
            await session.aclose()

    run(main())

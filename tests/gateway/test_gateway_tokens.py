"""Login tokens shared by gateway replicas: two token books on one real ``nats-server``.

Each book has its own NATS connection and its own ``JetStreamGrants``, as two replicas
do. The inputs are the ones a per-replica book gets wrong: a token used on the other
replica at once, one refresh token spent on both replicas at the same moment, an expiry
or a revocation decided on one replica and checked on the other, and a bucket read by
someone who should learn no token from it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from district.identity import GrantStoreUnavailable, TokenBook, token_digest
from district.roles import User
from gateway.grants import TOKENS, JetStreamGrants
from gateway.stream import EventLog
from tests.support.asyncsupport import run
from tests.support.natsupport import NatsNode

DUTY = User("duty", "operator", "值班员")
CHIEF = User("chief", "supervisor", "值班长")


class Clock:
    """Wall-clock seconds both books read, moved by hand."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsNode]:
    n = NatsNode(tmp_path_factory.mktemp("tokens"), "tokens").start()
    try:
        n.wait_jetstream()
        yield n
    finally:
        n.stop()


async def _replica_book(url: str, clock: Any) -> tuple[TokenBook, EventLog]:
    events = EventLog([url])
    await events.connect()
    grants = JetStreamGrants(events)
    await grants.ensure()
    return TokenBook(require_login=True, clock=clock, grants=grants, token_ttl_s=60, refresh_ttl_s=600), events


class Pair:
    def __init__(self, a: TokenBook, b: TokenBook, logs: list[EventLog]) -> None:
        self.a, self.b, self.logs = a, b, logs


async def _pair(url: str, clock: Any) -> AsyncIterator[Pair]:
    a, la = await _replica_book(url, clock)
    b, lb = await _replica_book(url, clock)
    try:
        yield Pair(a, b, [la, lb])
    finally:
        await a.arevoke()
        for events in (la, lb):
            await events.close()


def _with_pair(node: NatsNode, body: Any, clock: Any = time.time) -> None:
    async def go() -> None:
        gen = _pair(node.url, clock)
        pair = await gen.__anext__()
        try:
            await body(pair)
        finally:
            await gen.aclose()

    run(go(), timeout=60)


def test_a_token_issued_on_one_replica_works_on_the_other_at_once(node: NatsNode) -> None:
    async def body(p: Pair) -> None:
        issued = await p.a.aissue(DUTY)
        assert await p.b.awho(f"Bearer {issued['access_token']}") == DUTY  # no wait: no cache to lag
        assert await p.b.awho("Bearer not-a-token") == "令牌无效或已过期"
        assert await p.b.awho(None) == "需要登录"

    _with_pair(node, body)


def test_the_bucket_holds_digests_never_tokens(node: NatsNode) -> None:
    async def body(p: Pair) -> None:
        issued = await p.a.aissue(DUTY)
        grants = p.a.grants
        assert isinstance(grants, JetStreamGrants)
        keys = set(await grants.kv.keys())
        assert f"access.{token_digest(issued['access_token'])}" in keys
        assert f"refresh.{token_digest(issued['refresh_token'])}" in keys
        for key in keys:
            value = (await grants.kv.get(key)).value
            assert issued["access_token"].encode() not in value + key.encode()
            assert issued["refresh_token"].encode() not in value + key.encode()

    _with_pair(node, body)


def test_a_refresh_token_is_spent_once_across_replicas(node: NatsNode) -> None:
    async def body(p: Pair) -> None:
        issued = await p.a.aissue(DUTY)
        rotated = await p.b.ause_refresh(issued["refresh_token"])
        assert rotated is not None and await p.a.awho(f"Bearer {rotated['access_token']}") == DUTY
        assert await p.a.ause_refresh(issued["refresh_token"]) is None  # the old one, on the other replica
        # Both replicas asked at the same moment, many times: exactly one rotates each token.
        for _ in range(20):
            token = (await p.a.aissue(CHIEF))["refresh_token"]
            answers = await asyncio.gather(p.a.ause_refresh(token), p.b.ause_refresh(token))
            assert sum(x is not None for x in answers) == 1, answers

    _with_pair(node, body)


def test_expiry_is_the_same_on_every_replica(node: NatsNode) -> None:
    clock = Clock()

    async def body(p: Pair) -> None:
        issued = await p.a.aissue(DUTY)
        clock.now += 61  # past the access token, within the refresh token
        assert await p.b.awho(f"Bearer {issued['access_token']}") == "令牌无效或已过期"
        rotated = await p.b.ause_refresh(issued["refresh_token"])
        assert rotated is not None
        clock.now += 601
        assert await p.a.ause_refresh(rotated["refresh_token"]) is None

    _with_pair(node, body, clock)


def test_revocation_on_one_replica_reaches_the_other(node: NatsNode) -> None:
    async def body(p: Pair) -> None:
        duty, chief = await p.a.aissue(DUTY), await p.a.aissue(CHIEF)
        assert await p.b.arevoke("duty") == 2
        assert await p.a.awho(f"Bearer {duty['access_token']}") == "令牌无效或已过期"
        assert await p.a.ause_refresh(duty["refresh_token"]) is None
        assert await p.a.awho(f"Bearer {chief['access_token']}") == CHIEF
        assert await p.b.arevoke(access_only=True) >= 1
        assert await p.a.awho(f"Bearer {chief['access_token']}") == "令牌无效或已过期"
        again = await p.a.ause_refresh(chief["refresh_token"])  # refresh tokens survive an access-only revoke
        assert again is not None
        assert await p.a.arevoke() >= 2
        assert await p.b.awho(f"Bearer {again['access_token']}") == "令牌无效或已过期"
        assert await p.b.ause_refresh(again["refresh_token"]) is None

    _with_pair(node, body)


def test_an_unreachable_store_is_not_a_refusal(tmp_path: Path) -> None:
    lone = NatsNode(tmp_path, "lone").start()

    async def go() -> None:
        events = EventLog([lone.url])
        await events.connect()
        assert events.nc is not None
        events.js = events.nc.jetstream(timeout=1.0)  # the gateway waits 10 s; the test need not
        grants = JetStreamGrants(events)
        await grants.ensure()
        book = TokenBook(require_login=True, clock=time.time, grants=grants)
        issued = await book.aissue(DUTY)
        lone.kill()
        with pytest.raises(GrantStoreUnavailable):
            await book.awho(f"Bearer {issued['access_token']}")
        await events.nc.close()  # type: ignore[union-attr]

    try:
        lone.wait_jetstream()
        run(go(), timeout=60)
    finally:
        lone.stop()
    assert TOKENS == "pingshan-tokens"

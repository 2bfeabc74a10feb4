"""The published OpenAPI documents hold: schemathesis against the live feed and the live gateway.

Every documented operation is called over loopback with generated requests, valid ones
and ones the document calls invalid, with a real bearer token (a real source key on the
gateway's ingest), and each answer is checked against the document with schemathesis's
default checks: no 5xx, a documented status code, content type, body schema and headers,
invalid requests refused, valid ones accepted, a required header's absence refused, a
missing or wrong token refused (the ``ignored_auth`` probe).

The documents are the servers' own (``openapi_document()`` / ``create_app(...).openapi()``,
the same code the live servers serve ``/openapi.json`` from, checked equal below); only the
calls go to the live processes. Bounded so CI stays reasonable: a few dozen requests per
operation and phase, deterministic generation (the same requests every run), no shrinking.
What schemathesis cannot call this way is left out, each for its reason (``FEED_LEFT_OUT``)
and checked by a plain test instead. ``PINGSHAN_CONTRACT_EXAMPLES=300`` runs a longer hunt.
"""

from __future__ import annotations

import os
import re
import time
from typing import Any, Iterator

import httpx
import pytest
import schemathesis
from schemathesis import Case

from console.feed_process import FeedProcess
from district.sources import DEMO_CAP_KEY, DEMO_EVENTS_KEY
from gateway.server import create_app as gateway_app
from simulator.server import openapi_document as feed_document
from tests.support.natsupport import GatewayProcess, NatsNode, seed_stream

MAX_EXAMPLES = int(os.environ.get("PINGSHAN_CONTRACT_EXAMPLES", "100"))
"""Generated requests per operation and phase (the coverage phase adds its boundary cases)."""
SEED = 20261128
BUDGET_S = 90.0
"""What one server's run may take; the report says how long it took."""

FEED_LEFT_OUT = {
    # Endless by design: over HTTP schemathesis waits for the end of a body that never comes.
    # Checked by test_stream_is_documented_and_sent_as_event_stream and
    # test_video_refusal_is_documented (the MPEG-TS itself: tests/feed/test_feed_video.py).
    "/api/v1/stream": "SSE, never ends",
    "/video/{camera_id}/{variant}.ts": "live MPEG-TS, never ends",
}
GATEWAY_LEFT_OUT = {"/api/v1/stream": "SSE, never ends"}

# A command the schema allows may still break a rule of the rulebook (an args field a kind
# needs, a transition the state machine refuses): a 422 refusal by design. A citizen event
# may name a community of another street, or a report time ahead of the server's clock:
# rules between fields and the clock, 422. A CAP message is a string to JSON Schema and
# CAP 1.2 XML to the gateway (its XSD is no JSON Schema): 400 or 422. So these accept those
# refusals for input the document calls valid; every other check stands.
_ACCEPTED = ["2xx", "401", "403", "404", "409", "429"]
_RULES = [
    {"include-path": "/api/v1/commands",
     "checks": {"positive_data_acceptance": {"expected-statuses": [*_ACCEPTED, "422"]}}},
    {"include-path": "/api/v1/ingest/events",
     "checks": {"positive_data_acceptance": {"expected-statuses": [*_ACCEPTED, "422"]}}},
    {"include-path": "/api/v1/ingest/cap",
     "checks": {"positive_data_acceptance": {"expected-statuses": [*_ACCEPTED, "400", "422"]}}},
]


def _schema(document: dict[str, Any], left_out: dict[str, str]) -> Any:
    config = schemathesis.Config.from_dict({
        "seed": SEED,
        "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "no-shrink": True},
        # No OpenAPI links between the operations: the stateful phase has nothing to follow.
        "phases": {"stateful": {"enabled": False}},
        "request-timeout": 20,
        "operations": _RULES,
    })
    return schemathesis.openapi.from_dict(document, config=config).exclude(path=list(left_out))


FEED_DOCUMENT = feed_document()
GATEWAY_DOCUMENT = gateway_app(["nats://127.0.0.1:4222"]).openapi()  # builds the app only: nothing connects
feed_schema = _schema(FEED_DOCUMENT, FEED_LEFT_OUT)
gateway_schema = _schema(GATEWAY_DOCUMENT, GATEWAY_LEFT_OUT)


class Live:
    """The server under test: its URL, a logged-in seat's token, the time spent calling it."""

    def __init__(self, url: str, user: str = "chief") -> None:
        self.url = url
        r = httpx.post(url + "/api/v1/auth/token", data={"username": user, "password": user}, timeout=30)
        assert r.status_code == 200, r.text
        self.token = str(r.json()["access_token"])
        self.spent_s = 0.0
        self.calls = 0

    def call(self, case: Case) -> None:
        if (case.headers or {}).get("Authorization") == f"Bearer {PENDING}":
            case.headers["Authorization"] = f"Bearer {self.token}"
        _same_key_as_id(case)
        start = time.monotonic()
        try:
            case.call_and_validate(base_url=self.url)
        finally:
            self.spent_s += time.monotonic() - start
            self.calls += 1
        assert self.spent_s < BUDGET_S, f"the contract run took over {BUDGET_S:.0f} s: lower PINGSHAN_CONTRACT_EXAMPLES"


LIVE: dict[str, Live] = {}
"""Filled by the server fixtures; read by the auth providers (schemathesis asks them per case)."""
PENDING = "token-of-the-server-not-started-yet"
"""schemathesis builds its coverage-phase cases while pytest collects, before any server
(and so any token) exists: those carry this, and :meth:`Live.call` puts the real token in."""


def _credentials(case: Case, token: str) -> None:
    case.headers = case.headers or {}
    if case.operation.path == "/api/v1/ingest/cap":
        case.headers["X-Api-Key"] = DEMO_CAP_KEY
    elif case.operation.path == "/api/v1/ingest/events":
        case.headers["X-Api-Key"] = DEMO_EVENTS_KEY
    else:
        case.headers["Authorization"] = f"Bearer {token}"


# Registered as schemathesis auth providers, the credentials count as given (not generated):
# its ignored_auth check then probes every secured operation without them and with a wrong one.
@feed_schema.auth(refresh_interval=None)
class FeedSeat:
    """The feed's supervisor seat."""

    def get(self, case: Case, ctx: Any) -> str:
        return LIVE["feed"].token if "feed" in LIVE else PENDING

    def set(self, case: Case, data: str, ctx: Any) -> None:
        _credentials(case, data)


@gateway_schema.auth(refresh_interval=None)
class GatewaySeat:
    """The gateway's supervisor seat, or the demo source key of an ingest endpoint."""

    def get(self, case: Case, ctx: Any) -> str:
        return LIVE["gateway"].token if "gateway" in LIVE else PENDING

    def set(self, case: Case, data: str, ctx: Any) -> None:
        _credentials(case, data)


def _same_key_as_id(case: Case) -> None:
    """The Idempotency-Key must equal the command's id: a rule between header and body that
    OpenAPI cannot state. A generated valid key is given the body's id; a key the document
    calls invalid (its length) stays as generated, so its refusal is still checked."""
    key = (case.headers or {}).get("Idempotency-Key")
    cid = case.body.get("id") if isinstance(case.body, dict) else None
    if (case.operation.path == "/api/v1/commands" and isinstance(key, str) and 8 <= len(key) <= 64
            and isinstance(cid, str) and re.fullmatch(r"[!-~]+", cid)):  # an id an HTTP header can carry
        case.headers["Idempotency-Key"] = cid


# ------------------------------------------------------------------ the documents themselves


@pytest.mark.parametrize("document", [FEED_DOCUMENT, GATEWAY_DOCUMENT], ids=["feed", "gateway"])
def test_documents_say_what_the_servers_do(document: dict[str, Any]) -> None:
    schemes = document["components"]["securitySchemes"]
    assert schemes["bearer"] == {"type": "http", "scheme": "bearer", "description": schemes["bearer"]["description"]}
    commands = document["paths"]["/api/v1/commands"]["post"]
    key = [p for p in commands["parameters"] if p["name"] == "Idempotency-Key"]
    assert key and key[0]["in"] == "header" and key[0]["required"] is True
    stream = document["paths"]["/api/v1/stream"]["get"]["responses"]
    assert list(stream["200"]["content"]) == ["text/event-stream"]
    snapshot = {p["name"] for p in document["paths"]["/api/v1/snapshot"]["get"]["parameters"]}
    assert {"scope", "page_size", "page"} <= snapshot
    for path, item in document["paths"].items():
        for method, op in item.items():
            # The token is the bearer scheme, never a plain header parameter.
            assert not any(p["name"].lower() == "authorization" for p in op.get("parameters", ())), (method, path)
            for scheme in (s for req in op.get("security", ()) for s in req):
                answer = op["responses"]["401"]
                assert "WWW-Authenticate" in answer["headers"], (method, path, scheme)
                assert "application/json" in answer["content"], (method, path)


def test_gateway_ingest_key_is_an_api_key_scheme() -> None:
    assert GATEWAY_DOCUMENT["components"]["securitySchemes"]["sourceKey"]["in"] == "header"
    assert GATEWAY_DOCUMENT["components"]["securitySchemes"]["sourceKey"]["name"] == "X-Api-Key"
    for path in ("/api/v1/ingest/cap", "/api/v1/ingest/events"):
        op = GATEWAY_DOCUMENT["paths"][path]["post"]
        assert op["security"] == [{"sourceKey": []}]
        assert not any(p["name"].lower() == "x-api-key" for p in op.get("parameters", ()))


# ------------------------------------------------------------------ the embedded feed, live


@pytest.fixture(scope="module")
def live_feed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """The real feed on loopback, refusing anonymous callers (so its 401s are the real ones)."""
    proc = FeedProcess(seed=3, alerts_per_s=0.2, readings_per_s=2, data_dir=tmp_path_factory.mktemp("feed"),
                       extra_args=("--require-login",))
    try:
        LIVE["feed"] = live = Live(proc.start())
        yield live
        print(f"\nfeed contract run: {live.calls} requests, {live.spent_s:.1f} s")
    finally:
        LIVE.pop("feed", None)
        proc.close()


def test_feed_serves_the_document_it_publishes(live_feed: Live) -> None:
    assert httpx.get(live_feed.url + "/openapi.json", timeout=30).json() == FEED_DOCUMENT


@feed_schema.parametrize()
def test_feed_answers_as_documented(case: Case, live_feed: Live) -> None:
    live_feed.call(case)


def test_stream_is_documented_and_sent_as_event_stream(live_feed: Live) -> None:
    url = live_feed.url + "/api/v1/stream"
    operation = feed_schema["/api/v1/stream"]["GET"]
    bearer = {"Authorization": f"Bearer {live_feed.token}"}
    with httpx.stream("GET", url, headers=bearer, timeout=30) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        assert r.headers["cache-control"] == "no-cache"
        first = next(r.iter_raw())
    assert first.startswith(b"retry: 2000\n\n")
    # Its refusals, whole, against the document: no token, a wrong one, an unknown street.
    for headers, params, status in (({}, {}, 401), ({"Authorization": "Bearer nonsense"}, {}, 401),
                                    (bearer, {"scope": "atlantis"}, 422)):
        r = httpx.get(url, headers=headers, params=params, timeout=30)
        assert r.status_code == status, r.text
        operation.validate_response(r)
    assert httpx.get(url, timeout=30).headers["www-authenticate"] == "Bearer"


def test_video_refusal_is_documented(live_feed: Live) -> None:
    r = httpx.get(live_feed.url + "/video/no-such-camera/main.ts", timeout=30)
    assert r.status_code == 404 and r.json() == {"detail": "视频流不存在"}
    feed_schema["/video/{camera_id}/{variant}.ts"]["GET"].validate_response(r)


# ------------------------------------------------------------------ the district gateway, live


@pytest.fixture(scope="module")
def live_gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """One nats-server with the synthetic district in its stream, one gateway with the demo
    seats and sources."""
    root = tmp_path_factory.mktemp("gateway-contract")
    node = NatsNode(root, "single").start()
    gw = GatewayProcess([node.url], root, name="contract", extra_args=("--demo-sources", "--iot-flush-s", "0"))
    try:
        node.wait_jetstream()
        seed_stream([node.url], seed=5, backlog=10)
        LIVE["gateway"] = live = Live(gw.start())
        yield live
        print(f"\ngateway contract run: {live.calls} requests, {live.spent_s:.1f} s")
    finally:
        LIVE.pop("gateway", None)
        gw.stop()
        node.stop()


def test_gateway_serves_the_document_it_publishes(live_gateway: Live) -> None:
    assert httpx.get(live_gateway.url + "/openapi.json", timeout=30).json() == GATEWAY_DOCUMENT


@gateway_schema.parametrize()
def test_gateway_answers_as_documented(case: Case, live_gateway: Live) -> None:
    live_gateway.call(case)


def test_gateway_stream_refusals_are_documented(live_gateway: Live) -> None:
    operation = gateway_schema["/api/v1/stream"]["GET"]
    url = live_gateway.url + "/api/v1/stream"
    r = httpx.get(url, timeout=30)
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    operation.validate_response(r)
    with httpx.stream("GET", url, headers={"Authorization": f"Bearer {live_gateway.token}"}, timeout=30) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        assert next(r.iter_raw()).startswith(b"retry: 2000\n\n")

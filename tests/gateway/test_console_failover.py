"""A console core that knows two gateway replicas survives the one it uses being SIGKILLed.

Real processes: one ``nats-server``, two ``pingshan-gateway`` replicas on its stream.
The core logs in on replica A and streams from it while commands made elsewhere keep
events coming; A is killed with SIGKILL mid-stream and, before the core has noticed,
the operator submits a command. What a plausible bug gets wrong: a gap or a repeat at
the switch (resuming from the wrong id), a ``reset`` or a second snapshot (the cursor
not trusted on B), a 401 and a new login (the token known to A only), the command lost
(posted to the dead A and forgotten) or applied twice (posted to A and again to B).
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from console.models import Snapshot
from console.runtime import ConsoleConfig, ConsoleCore
from tests.support.asyncsupport import run, until
from tests.support.natsupport import GatewayProcess, NatsNode, seed_stream
from tests.support.natsupport import command_body as command
from tests.support.natsupport import post_command as post
from tests.support.natsupport import read_events, token


@pytest.fixture()
def replicas(tmp_path: Path) -> Iterator[tuple[GatewayProcess, GatewayProcess]]:
    node = NatsNode(tmp_path, "failover").start()
    a = GatewayProcess([node.url], tmp_path, name="replica-a")
    b = GatewayProcess([node.url], tmp_path, name="replica-b")
    try:
        node.wait_jetstream()
        seed_stream([node.url], seed=11, backlog=400)
        a.start()
        b.start()
        yield a, b
    finally:
        a.stop()
        b.stop()
        node.stop()


def _alerts(url: str, tok: str) -> tuple[str, list[str]]:
    """A new alert for the operator to acknowledge, and others to note on."""
    r = httpx.get(url + "/api/v1/snapshot", headers={"Authorization": f"Bearer {tok}"}, timeout=30)
    snap = Snapshot.model_validate_json(r.content)
    fresh = sorted(a.id for a in snap.alerts if a.status == "new")
    return fresh[0], sorted(a.id for a in snap.alerts if a.id != fresh[0])


def test_the_core_fails_over_to_the_other_replica_with_no_gap_reset_or_second_outcome(
        replicas: tuple[GatewayProcess, GatewayProcess], tmp_path: Path) -> None:
    a, b = replicas
    assert a.url and b.url
    tok = token(a.url, "duty")  # issued by A only
    tok_b = token(b.url, "chief")
    operator_target, load_targets = _alerts(b.url, tok_b)
    stop_load = threading.Event()
    posted: list[str] = []

    def load() -> None:
        # Commands made at another seat, through B: events keep coming while A dies.
        for n, target in enumerate(load_targets):
            if stop_load.is_set():
                return
            assert post(b.url or "", tok_b, command("alert.note", target, {"text": f"load {n}"})).status_code == 202
            posted.append(target)
            time.sleep(0.05)

    async def scenario() -> dict[str, Any]:
        core = ConsoleCore(ConsoleConfig(backend_url=a.url, backend_urls=(b.url or "",), cache_dir=tmp_path / "cache",
                                         token=tok, fetch_catalogues=False, max_backoff_s=2.0))
        ids: list[int] = []
        types: list[str] = []
        snapshots: list[int] = []

        def seen(envelope: Any, body: Any = None) -> None:
            ids.append(int(envelope.id))
            types.append(envelope.type)

        await core.start()
        try:
            core.ingest.envelope_accepted.connect(seen)
            core.ingest.snapshot_applied.connect(lambda: snapshots.append(1))
            assert await core.wait_live(30)
            assert core.picture.connection.backend == a.url
            assert core.source is not None and core.gateway is not None
            start_cursor = core.source.last_event_id
            first_snapshots = len(snapshots)  # the start's own snapshot, if the listener saw it
            worker = threading.Thread(target=load, daemon=True)
            worker.start()
            await until(lambda: len(ids) >= 10, 20, "events through A")
            a.kill()  # SIGKILL, mid-stream
            killed_at = time.monotonic()
            cmd = core.commands.submit("alert.acknowledge", operator_target)
            await until(lambda: core.picture.connection.backend == b.url and core.picture.connection.state == "live",
                        30, "the stream live on B")
            resumed_s = time.monotonic() - killed_at
            await until(lambda: (core.picture.alerts.get(operator_target) or _Nothing).status == "acknowledged",
                        30, "the operator's command applied")
            applied_s = time.monotonic() - killed_at
            after_switch = len(ids)
            await until(lambda: len(ids) >= after_switch + 20, 30, "events through B")
            stop_load.set()
            worker.join(30)
            head = int((await asyncio.to_thread(httpx.get, b.url + "/api/v1/snapshot",
                                                headers={"Authorization": f"Bearer {tok_b}"}, timeout=30)).json()["cursor"])
            await until(lambda: bool(ids) and ids[-1] >= head, 30, "the core caught up with B")
            return {"ids": ids, "types": types, "snapshots": len(snapshots) - first_snapshots, "start": start_cursor,
                    "cmd": cmd.id, "resumed_s": resumed_s, "applied_s": applied_s, "head": head,
                    "resets": core.source.resets, "token": core.gateway.token, "switches": core.gateway.switches,
                    "outbox": core.outbox.counts() if core.outbox else {}}
        finally:
            stop_load.set()
            await core.stop()

    out = run(scenario(), timeout=150)
    ids = out["ids"]
    assert ids == sorted(set(ids)), "a repeated or out-of-order event id at the switch"
    served = read_events(b.url, tok_b, out["start"], len(ids))
    assert ids == [int(e["id"]) for e in served], "a gap at the switch"
    assert ids[-1] == out["head"]
    assert "reset" not in out["types"] and out["resets"] == 0
    assert out["snapshots"] == 0, "a second snapshot after the switch"
    assert out["token"] == tok and out["switches"] == 1  # no re-login; moved once
    mine = [e for e in served if e["type"] == "alert.upsert" and e["payload"].get("last_command_id") == out["cmd"]]
    assert len(mine) == 1, "the command submitted during the outage must be applied exactly once"
    assert out["outbox"].get("pending", 0) == 0
    print(json.dumps({"resumed_s": round(out["resumed_s"], 2), "applied_s": round(out["applied_s"], 2),
                      "events": len(ids)}))


class _Nothing:
    status = None

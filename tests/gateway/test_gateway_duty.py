"""The duty roster on the district gateway (real nats-server, two replicas): a handover made
through one replica is seen and acknowledged through the other; the roster's changes travel
in the command records of the stream, so a replica started later folds the same book."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import httpx
import pytest

from console.models import Roster
from tests.support.natsupport import GatewayProcess, NatsNode, command_body, post_command, seed_stream, token


@pytest.fixture
def replicas(tmp_path: Path) -> Iterator[tuple[NatsNode, GatewayProcess, GatewayProcess, Path]]:
    node = NatsNode(tmp_path, "duty").start()
    a = GatewayProcess([node.url], tmp_path, name="replica-a")
    b = GatewayProcess([node.url], tmp_path, name="replica-b")
    try:
        node.wait_jetstream()
        seed_stream([node.url], seed=5, backlog=50)
        a.start()
        b.start()
        yield node, a, b, tmp_path
    finally:
        a.stop()
        b.stop()
        node.stop()


def roster(url: str, tok: str) -> Roster:
    r = httpx.get(url + "/api/v1/roster", headers={"Authorization": f"Bearer {tok}"}, timeout=10)
    assert r.status_code == 200, r.text
    return Roster.model_validate_json(r.content)


def test_handover_on_one_replica_acknowledged_on_the_other(
        replicas: tuple[NatsNode, GatewayProcess, GatewayProcess, Path]) -> None:
    node, a, b, root = replicas
    assert a.url and b.url
    duty_a, chief_b = token(a.url, "duty"), token(b.url, "chief")
    first = roster(a.url, duty_a)
    assert len(first.centres) == 10
    # The duty day (08:00–08:00) always holds a shift that has ended: open for a (late) handover.
    shift = next(s for s in first.shifts if s.centre == "district" and s.end <= first.generated_at)
    assert shift.status == "overdue"

    r = post_command(a.url, duty_a, command_body("duty.handover", shift.id, {"report": "交接事项：网关两副本"}))
    assert r.status_code == 202, r.text
    seen = next(s for s in roster(b.url, chief_b).shifts if s.id == shift.id)
    assert seen.status == "handed_over" and seen.handed_over_by_user == "duty"

    own = post_command(b.url, token(b.url, "duty"), command_body("duty.acknowledge", shift.id, {"user": "chief"}))
    assert own.status_code == 403, own.text
    body = command_body("duty.acknowledge", shift.id)
    assert post_command(b.url, chief_b, body).status_code == 202
    assert post_command(a.url, chief_b, body).status_code == 202  # the same key on the other replica: one outcome
    done = next(s for s in roster(a.url, duty_a).shifts if s.id == shift.id)
    assert (done.status, done.handed_over_by, done.acknowledged_by) == ("done", "值班员", "值班长")

    # 查岗 on the gateway too.
    cid = post_command(a.url, chief_b, command_body("duty.checkin_start", "maluan", {"minutes": 5})).json()["target_id"]
    assert post_command(b.url, token(b.url, "maluan"), command_body("duty.checkin_answer", cid)).status_code == 202
    assert [c.outcome for c in roster(a.url, duty_a).checkins] == ["answered"]

    # A replica started afterwards folds the same book from the stream.
    c = GatewayProcess([node.url], root, name="replica-c")
    try:
        c.start()
        assert c.url
        late = next(s for s in roster(c.url, token(c.url, "duty")).shifts if s.id == shift.id)
        assert late.status == "done" and late.acknowledged_by_user == "chief"
    finally:
        c.stop()

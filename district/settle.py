"""One alert changed at the district and at a street while their link was cut: the rule that settles it.

A street node decides its own street's alerts on its own, linked or not (see
``gateway/stream.py``: each node's decisions reach the other by JetStream sourcing). Every
decision appends to the alert's timeline, so a version *descends* from another when it
starts with that one's whole timeline. Two versions that do not descend from each other
were decided apart: the district (hub) and the street both acted on one alert from the
same starting point.

The rule (also in docs/deploy.md and docs/GATEWAY.md):

1. The version further along the closed loop wins (新建 < 已签收 < 已分拨 < 处置中 < 已办结 <
   已闭环): work done in the field is not undone by a desk that could not see it.
2. At the same stage the district centre's version wins.
3. The warning level is the higher of the two (an escalation on either side stands).
4. Nothing is dropped: the timeline holds both sides' entries since the common point, in
   time order, and one more entry that says what was settled and why.

A task (an order to a unit) has no timeline; two versions of it were decided apart when
they carry the same ``rev`` from different commands. The same rule settles it: the status
further along (下达 < 已接收 < 出发 < 到场 < 完成; 拒绝 counts as an answer, after 下达) wins, at
the same stage the district's; the settled task's note says what the other side had done.

Only the district hub settles (each hub replica computes the same settlement from the same
stream position and stores it under one message id, so it is stored once); the street takes
it like any other version from the district. :func:`settle` is a pure function, the same
on every machine.
"""

from __future__ import annotations

from console.models import Alert, AlertNote, Task
from district.vocabulary import ALERT_STATUS_RANK, ALERT_STATUS_ZH, LEVEL_RANK, TASK_STAGE, TASK_STATUS_ZH

SETTLE_ACTION = "settle"
SYSTEM_ACTOR = "系统（离线冲突裁定）"


def descends(base: Alert, later: Alert) -> bool:
    """``later`` was decided on ``base`` or on something decided on it (its timeline starts with base's)."""
    return later.timeline[: len(base.timeline)] == base.timeline


def diverged(a: Alert, b: Alert) -> bool:
    """Decided apart: neither version descends from the other."""
    return not descends(a, b) and not descends(b, a)


def settled_by(alert: Alert, key: str) -> bool:
    """Whether the settlement ``key`` is already in the alert's timeline."""
    return any(n.action == SETTLE_ACTION and n.command_id == key for n in alert.timeline)


def settle(district: Alert, street: Alert, street_title: str, key: str) -> Alert:
    """The settled alert for two versions decided apart; ``key`` names the settlement (its timeline entry)."""
    street_stage, district_stage = ALERT_STATUS_RANK[street.status], ALERT_STATUS_RANK[district.status]
    street_wins = street_stage > district_stage
    winner, loser = (street, district) if street_wins else (district, street)
    common = 0
    for x, y in zip(district.timeline, street.timeline):
        if x != y:
            break
        common += 1
    since: list[AlertNote] = []
    for note in (*winner.timeline[common:], *loser.timeline[common:]):
        if note not in since:
            since.append(note)
    since.sort(key=lambda n: n.ts)  # stable: the winner's entry first at one instant
    ts = max(district.updated_at, street.updated_at)
    side = street_title if street_wins else "区中心"
    rule = "处置进度靠后者为准" if street_stage != district_stage else "进度相同，以区中心为准"
    note = AlertNote(ts=ts, actor=SYSTEM_ACTOR, action=SETTLE_ACTION, command_id=key,
                     text=f"与区中心断开期间，区中心与{street_title}分别处置了此事件（区中心：{ALERT_STATUS_ZH[district.status]}，"
                          f"{street_title}：{ALERT_STATUS_ZH[street.status]}）。按规则（{rule}）采纳{side}的结果"
                          f"「{ALERT_STATUS_ZH[winner.status]}」；双方的处置记录均保留在时间线中。")
    level = min(district.level, street.level, key=lambda lv: LEVEL_RANK[lv])  # rank 0 = red
    return winner.model_copy(update={"rev": max(district.rev, street.rev) + 1, "updated_at": ts, "level": level,
                                     "timeline": (*district.timeline[:common], *since, note)})


def task_diverged(current: Task, incoming: Task) -> bool:
    """Two task versions decided apart: the incoming one does not move past the current one."""
    return incoming.rev <= current.rev and incoming.last_command_id != current.last_command_id


def settle_task(district: Task, street: Task, street_title: str, key: str) -> Task:
    """The settled task for two versions decided apart (same rule as alerts, see the module)."""
    street_wins = TASK_STAGE[street.status] > TASK_STAGE[district.status]
    winner, loser = (street, district) if street_wins else (district, street)
    side = street_title if street_wins else "区中心"
    other = "区中心" if street_wins else street_title
    note = (f"{winner.note}\n" if winner.note else "") + (
        f"【离线冲突裁定 {key}】与区中心断开期间双方分别更新了此任务：采纳{side}的「{TASK_STATUS_ZH[winner.status]}」；"
        f"{other}记录的是「{TASK_STATUS_ZH[loser.status]}」{('：' + loser.note) if loser.note and loser.note != winner.note else ''}。")
    return winner.model_copy(update={"rev": max(district.rev, street.rev) + 1, "note": note[-2000:],
                                     "updated_at": max(district.updated_at, street.updated_at),
                                     "last_command_id": key})

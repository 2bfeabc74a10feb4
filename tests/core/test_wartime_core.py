"""The wartime service on its own: a real core on a real cache with no gateway (offline).

Plans, the checklist's countdown and overdue states, pending and refused commands,
street scope, the three-level tree, resources by distance, the command log in the
audit chain and a restart on the same cache.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from console.models import Incident, IncidentUpsert, PlanStepState, Task, TaskUpsert
from console.runtime import ConsoleConfig, ConsoleCore
from console.wartime import Wartime, WartimeError, bundled_plans, distance_m, plan_list
from offline_cache.audit_log import AuditLog

T0 = datetime(2026, 11, 29, 6, 0, tzinfo=timezone.utc)


async def _core(cache: Path, **kw: Any) -> ConsoleCore:
    kw.setdefault("role", "supervisor")
    core = ConsoleCore(ConsoleConfig(backend_url=None, cache_dir=cache, operator="值班长", **kw))
    await core.start()
    return core


def _incident(**kw: Any) -> Incident:
    base = dict(id="INC-1", rev=1, type="slope_failure", level=3, status="active", title="碧岭边坡（Ⅲ级响应）",
                reason="位移超限", location={"lon": 114.300, "lat": 22.680}, radius_m=800, street="biling",
                plan_id="plan.slope_failure", started_at=T0, declared_by="区应急办")
    base.update(kw)
    return Incident(**base)


def _task(tid: str, unit: str, status: str = "issued", rev: int = 1, **kw: Any) -> Task:
    return Task(id=tid, rev=rev, incident_id="INC-1", unit=unit, instruction=f"{unit} 指令", status=status,
                due=T0 + timedelta(minutes=30), updated_at=T0 + timedelta(minutes=rev), **kw)


def _apply(core: ConsoleCore, *payloads: Any) -> None:
    for n, p in enumerate(payloads):
        kind = "incident.upsert" if isinstance(p, Incident) else "task.upsert"
        env = (IncidentUpsert if kind == "incident.upsert" else TaskUpsert)(
            v=1, id=str(900000 + n), ts=T0, type=kind, payload=p)
        core.picture.apply(env)
    core.wartime.observe()


def test_bundled_plans_are_the_feeds_plans() -> None:
    from district.plans import plan_list as feed_plans

    assert feed_plans() == plan_list()
    plans = bundled_plans()
    assert len(plans) == 6
    for p in plans.values():
        assert p.steps[0].due_minutes <= p.steps[-1].due_minutes
        assert all(s.owner for s in p.steps)


def test_distance() -> None:
    assert distance_m((114.35, 22.70), (114.35, 22.71)) == pytest.approx(1112, rel=0.01)


def test_checklist_countdown_overdue_and_street_owner(tmp_path: Path) -> None:
    async def go() -> None:
        core = await _core(tmp_path / "c")
        war: Wartime = core.wartime
        _apply(core, _incident(steps=(PlanStepState(step_id="plan.slope_failure.1", status="done",
                                                    at=T0 + timedelta(minutes=12), by="值班长"),)))
        war.confirm_switch("INC-1")
        war.now = lambda: T0 + timedelta(minutes=25)
        rows = {r.index: r for r in war.checklist("INC-1")}
        assert rows[1].state == "done" and rows[1].done_at == T0 + timedelta(minutes=12)
        assert rows[2].owner == "street.biling" and rows[2].owner_name == "碧岭街道分中心"  # the incident's street
        assert rows[2].state == "due_soon" and rows[2].remaining_s == 5 * 60
        assert rows[3].state == "overdue" and rows[3].remaining_s == -5 * 60  # 设置警戒 20 min
        assert rows[6].state == "open"
        war.skip_step("INC-1", "plan.slope_failure.3", "道路已由交警封闭")
        assert {r.index: r.state for r in war.checklist("INC-1")}[3] == "pending_skipped"
        with pytest.raises(WartimeError, match="不能重复"):
            war.complete_step("INC-1", "plan.slope_failure.3")
        with pytest.raises(WartimeError, match="预案中没有"):
            war.complete_step("INC-1", "plan.fire.1")
        m = war.metrics("INC-1")
        assert (m.steps_done, m.steps_total, m.steps_overdue) == (2, 6, 0)
        await core.stop()

    asyncio.run(go())


def test_offline_declaration_is_pending_survives_restart_and_shows_refusals(tmp_path: Path) -> None:
    async def go() -> None:
        core = await _core(tmp_path / "c")
        war: Wartime = core.wartime
        assert not war.in_wartime()
        with pytest.raises(WartimeError, match="坪山区附近"):
            war.declare("fire", 2, reason="厂房起火", location=(120.0, 30.0))
        with pytest.raises(WartimeError, match="类型"):
            war.declare("meteor", 2, reason="x", street="maluan")
        iid = war.declare("fire", 2, reason="坑梓某厂房起火，浓烟较大", street="kengzi", radius_m=800)
        assert war.in_wartime() and war.focus == iid
        inc = war.incident(iid)
        assert inc is not None and inc.status == "pending" and inc.street == "kengzi"
        tasks = war.tasks(iid)
        assert tasks and {t.status for t in tasks} == {"pending"}  # the plan's orders wait in the outbox too
        assert core.outbox.counts()["pending"] == 1 + len(tasks)
        war.note("消防大队已出动 3 车")
        state = war.state()
        await core.stop()

        core2 = await _core(tmp_path / "c")
        war2: Wartime = core2.wartime
        war2.now = war.now
        assert war2.state() == state
        # The gateway refuses one order: the row says why, nothing disappears.
        order = next(i for i in core2.outbox.unsent() if i.kind == "task.issue")
        core2.commands.on_refused(order.command_id, 422, "承办单位 x 不存在")
        refused = next(t for t in war2.tasks(iid) if t.status == "failed")
        assert refused.refusal == "承办单位 x 不存在"
        assert AuditLog(core2.cache).verify().ok
        await core2.stop()

    asyncio.run(go())


def test_operator_seat_may_not_declare(tmp_path: Path) -> None:
    async def go() -> None:
        core = await _core(tmp_path / "c", role="operator")
        with pytest.raises(WartimeError, match="值班长"):
            core.wartime.declare("fire", 2, reason="x", street="kengzi")
        _apply(core, _incident())
        with pytest.raises(WartimeError, match="值班长"):
            core.wartime.complete_step("INC-1", "plan.slope_failure.1")
        assert core.outbox.counts()["pending"] == 0
        await core.stop()

    asyncio.run(go())


def test_street_scope_tree_and_observed_log(tmp_path: Path) -> None:
    async def go() -> None:
        district = await _core(tmp_path / "d")
        street = await _core(tmp_path / "s", scope="biling", role="operator")
        payloads = [_incident(), _task("T1", "street.biling"), _task("T2", "community.shahu"),
                    _task("T3", "dept.planning"), _task("T4", "community.pinghuan"), _task("T5", "team.rescue")]
        _apply(district, *payloads)
        _apply(street, *payloads)
        ids = {t.id for t in street.wartime.tasks("INC-1")}
        assert ids == {"T1", "T2"}
        assert [n.id for n in street.wartime.unit_tree("INC-1")] == ["street.biling"]
        tree = district.wartime.unit_tree("INC-1")
        assert [n.id for n in tree][0] == "district" and tree[-1].id == "teams" and len(tree) == 8
        biling = next(n for n in tree if n.id == "street.biling")
        assert {t.id for t in biling.all_tasks()} == {"T1", "T2"}
        assert {t.id for t in tree[0].all_tasks()} == {"T3"}
        with pytest.raises(WartimeError, match="本街道"):
            street.wartime.update_task("T3", "received")
        with pytest.raises(WartimeError, match="理由"):
            street.wartime.update_task("T2", "refused", "")
        street.wartime.update_task("T2", "received")
        assert next(t for t in street.wartime.tasks("INC-1") if t.id == "T2").pending_update == "received"
        # The echo (rev 2) is logged once, also after a restart.
        _apply(district, _task("T2", "community.shahu", status="received", rev=2))
        observed = [e for e in district.wartime.command_log("INC-1") if e.action == "war.observed"]
        assert sum(1 for e in observed if e.target == "T2") == 2
        n_log = len(district.wartime.command_log("INC-1"))
        await district.stop()
        district = await _core(tmp_path / "d")
        assert len(district.wartime.command_log("INC-1")) == n_log
        await district.stop()
        await street.stop()

    asyncio.run(go())


def test_resources_by_distance_and_figures(tmp_path: Path) -> None:
    from simulator.geo import layers

    async def go() -> None:
        core = await _core(tmp_path / "c")
        core.layers["resources"] = layers()["resources"][1]
        _apply(core, _incident())
        war: Wartime = core.wartime
        rows = war.resources("INC-1")
        assert [r.distance_m for r in rows] == sorted(r.distance_m for r in rows)
        assert rows[0].name == "碧岭街道应急物资仓库" or rows[0].distance_m < 1500
        shelter = next(r for r in rows if r.kind == "shelter")
        with pytest.raises(WartimeError, match="整数"):
            war.report_figure("INC-1", "evacuated", "很多")  # type: ignore[arg-type]
        with pytest.raises(WartimeError, match="避难场所"):
            war.report_figure("INC-1", "shelter", 20)
        war.report_figure("INC-1", "evacuated", 120)
        war.report_figure("INC-1", "shelter", 90, where=shelter.id)
        war.report_figure("INC-1", "shelter", 110, where=shelter.id)  # the latest figure counts
        m = war.metrics("INC-1")
        assert m.people_evacuated == 120 and m.shelter_occupancy == 110
        assert next(r for r in war.resources("INC-1") if r.id == shelter.id).occupancy == 110
        with pytest.raises(WartimeError, match="为空"):
            war.note("   ")
        await core.stop()

    asyncio.run(go())

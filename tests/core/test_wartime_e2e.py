"""Issue 7 end to end, against the embedded feed: declare, plan, three levels, restart, stand-down, report.

A district console (supervisor) and a street sub-centre's console (scope 马峦) run
as two ``ConsoleCore``s on their own caches against one real feed on loopback.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from console.feed_process import FeedProcess
from console.runtime import ConsoleConfig, ConsoleCore
from console.wartime import Wartime, WartimeError
from tests.support.asyncsupport import feed_state, run, until

PINGHUAN = (114.372, 22.703)  # 马峦街道坪环社区一带


def _core(url: str, cache: Path, **kw: Any) -> ConsoleCore:
    return ConsoleCore(ConsoleConfig(backend_url=url, cache_dir=cache, max_backoff_s=0.5, **kw))


def _war(core: ConsoleCore) -> Wartime:
    assert core.wartime is not None
    return core.wartime  # type: ignore[no-any-return]


def test_full_incident_three_levels_restart_and_report(feed_factory: Any, tmp_path: Path, qapp: Any) -> None:
    feed: FeedProcess = feed_factory(seed=3, alerts_per_s=0.2, readings_per_s=5)
    url = feed.url

    async def scenario() -> None:
        district = _core(url, tmp_path / "district", operator="区值班长", role="supervisor")
        street = _core(url, tmp_path / "maluan", operator="马峦分中心值班员", scope="maluan")
        await district.start()
        await street.start()
        try:
            assert await district.wait_live(30) and await street.wait_live(30)
            await until(lambda: "resources" in district.layers, 30, "layers fetched")
            war, swar = _war(district), _war(street)

            # ---- declare: bad input is refused in Chinese, nothing is sent
            with pytest.raises(WartimeError, match="事由"):
                war.declare("rainstorm_flood", 2, reason=" ", location=PINGHUAN)
            with pytest.raises(WartimeError, match="响应级别"):
                war.declare("rainstorm_flood", 7, reason="x", location=PINGHUAN)
            iid = war.declare("rainstorm_flood", 2, reason="小时雨量超 50 毫米，坪环社区多处积水",
                              location=PINGHUAN, street="maluan", radius_m=1500)
            assert war.in_wartime() and war.focus == iid
            assert war.incident(iid).status == "pending"  # type: ignore[union-attr]
            await until(lambda: district.picture.incidents.get(iid) is not None, 20, "declaration echoed")
            assert war.incident(iid).status == "active"  # type: ignore[union-attr]

            # The plan's ordering steps became tasks; the street step went to 马峦.
            plan_steps = war.checklist(iid)
            assert len(plan_steps) == 8 and not any(r.finished for r in plan_steps)
            street_step = next(r for r in plan_steps if r.step.at_incident_street)
            assert street_step.owner == "street.maluan"
            n_plan_tasks = sum(1 for r in plan_steps if r.step.issues_task)
            await until(lambda: len(district.picture.tasks) >= n_plan_tasks, 20, "plan tasks echoed")

            # ---- tasks at three levels, one with assigned resources
            resources = war.resources(iid)
            assert resources and resources == sorted(resources, key=lambda r: r.distance_m)
            team = next(r for r in resources if r.kind == "rescue_team")
            t_comm = war.issue_task(iid, "community.pinghuan", "组织坪环社区低洼处居民转移", 30, location=PINGHUAN)
            t_dept = war.issue_task(iid, "dept.water", "坪山河马峦段加密巡堤", 45)
            t_team = war.issue_task(iid, "team.flood", "携抽水泵赶赴坪环积水点", 20, location=PINGHUAN,
                                    resources=[team.id])
            with pytest.raises(WartimeError, match="承办单位"):
                war.issue_task(iid, "nobody", "x", 10)
            with pytest.raises(WartimeError, match="时限"):
                war.issue_task(iid, "dept.water", "x", "半小时")  # type: ignore[arg-type]
            await until(lambda: all(district.picture.tasks.get(t) for t in (t_comm, t_dept, t_team)), 20,
                        "orders echoed")
            tree = war.unit_tree(iid)
            assert [n.id for n in tree][0] == "district" and tree[-1].id == "teams"
            maluan = next(n for n in tree if n.id == "street.maluan")
            assert t_comm in {t.id for t in maluan.all_tasks()}
            assert street_step.step.id in {t.step_id for t in maluan.tasks}

            # ---- the street console sees its street's and communities' tasks only, and answers
            await until(lambda: swar.incident(iid) is not None and t_comm in {t.id for t in swar.tasks(iid)},
                        20, "street console sees the incident and its tasks")
            mine = swar.tasks(iid)
            assert {t.street for t in mine} == {"maluan"}
            assert t_dept not in {t.id for t in mine}
            assert [n.id for n in swar.unit_tree(iid)] == ["street.maluan"]
            with pytest.raises(WartimeError, match="本街道"):
                await until(lambda: street.picture.tasks.get(t_dept) is not None, 5, "district task at street")
                swar.update_task(t_dept, "received")
            street_task = next(t for t in mine if t.unit == "street.maluan")
            for status in ("received", "en_route", "on_scene"):
                swar.update_task(t_comm, status, note="网格员已到位" if status == "on_scene" else "")
                await until(lambda s=status: street.picture.tasks.get(t_comm).status == s, 20, f"street {status}")
            swar.update_task(street_task.id, "received")
            with pytest.raises(WartimeError, match="理由"):
                swar.update_task(street_task.id, "refused")
            await until(lambda: district.picture.tasks.get(t_comm).status == "on_scene", 20,
                        "district sees the community on scene")
            assert war.metrics(iid).units_on_scene == 1

            # ---- plan steps: complete, skip with a reason; figures and notes
            first, third = plan_steps[0].step.id, plan_steps[2].step.id
            war.complete_step(iid, first)
            with pytest.raises(WartimeError, match="理由"):
                war.skip_step(iid, third, "")
            war.skip_step(iid, third, "水库已在汛限水位以下，无需预降")
            with pytest.raises(WartimeError, match="不能重复"):
                war.complete_step(iid, first)
            war.report_figure(iid, "evacuated", 320)
            shelter = next(r for r in resources if r.kind == "shelter")
            war.report_figure(iid, "shelter", 280, where=shelter.id)
            war.note("三防指挥部会商：维持Ⅱ级响应")
            await until(lambda: len(district.picture.incidents.get(iid).steps) == 2, 20, "steps echoed")
            states = {r.step.id: r.state for r in war.checklist(iid)}
            assert states[first] == "done" and states[third] == "skipped"
            m = war.metrics(iid)
            assert m.people_evacuated == 320 and m.shelter_occupancy == 280 and m.steps_done == 2

            # ---- network outage, then a restart in the middle of it
            before = await feed_state(url)
            await asyncio_to_thread(feed.stop)
            t_late = war.issue_task(iid, "community.jiangling", "江岭社区排查地下车库", 30)
            war.complete_step(iid, plan_steps[1].step.id)
            war.note("断网期间继续指挥，指令待发送")
            assert next(t for t in war.tasks(iid) if t.id == t_late).status == "pending"
            fixed = datetime.now(timezone.utc) + timedelta(minutes=1)
            war.now = lambda: fixed
            snapshot_before = war.state()
            await district.stop()

            district = _core(url, tmp_path / "district", operator="区值班长", role="supervisor")
            await district.start()
            war = _war(district)
            war.now = lambda: fixed
            assert war.state() == snapshot_before  # exactly as it was, queued orders shown as pending

            await asyncio_to_thread(feed.restart)
            await until(lambda: district.outbox.counts()["pending"] == 0, 40, "queued commands delivered")
            await until(lambda: district.picture.tasks.get(t_late) is not None, 20, "late task echoed")
            after = await feed_state(url)
            # Delivered once each: the order exists once at rev 1, the step was added once.
            assert after["tasks"][t_late] == 1 and len(after["tasks"]) == len(before["tasks"]) + 1
            assert after["incidents"][iid] == before["incidents"][iid] + 1
            await until(lambda: len(district.picture.incidents.get(iid).steps) == 3, 20, "offline step echoed")
            assert district.outbox.counts()["refused"] == 0

            # ---- stand-down and the after-action report
            war.now = lambda: datetime.now(timezone.utc)
            war.stand_down(iid, "雨势减弱，积水消退")
            await until(lambda: district.picture.incidents.get(iid).status == "stood_down", 20, "stood down")
            assert not war.in_wartime()
            with pytest.raises(WartimeError, match="解除"):
                war.issue_task(iid, "dept.water", "x", 10)

            from console.aar_report import build_report, write_report
            from widgets.pdf import render_pdf

            report = build_report(war, iid)
            assert report.incident.reason.startswith("小时雨量") and report.incident.ended_reason == "雨势减弱，积水消退"
            kinds = [e.kind for e in report.timeline]
            assert kinds[0] == "declare" and kinds[-1] == "stand_down"
            assert [e.ts for e in report.timeline] == sorted(e.ts for e in report.timeline)
            assert {"step", "task"} <= set(kinds)
            planned = {s.step_id: s for s in report.steps}
            assert planned[first].actual is not None and planned[third].state == "skipped"
            assert any(t.id == t_comm and t.on_scene_at is not None for t in report.tasks)
            assert any(r.id == team.id for r in report.resources_used)
            files = write_report(report, tmp_path / "reports", render_pdf=render_pdf)
            html = files[0].read_text(encoding="utf-8")
            assert "指挥日志" in html and "三防指挥部会商" in html and "江岭社区排查地下车库" in html
            assert files[1].read_bytes().startswith(b"%PDF")
            from offline_cache.audit_log import AuditLog

            assert AuditLog(district.cache).verify().ok  # the command log is in an intact chain
        finally:
            await district.stop()
            await street.stop()

    run(scenario(), timeout=240)


async def asyncio_to_thread(fn: Any) -> Any:
    import asyncio

    return await asyncio.to_thread(fn)

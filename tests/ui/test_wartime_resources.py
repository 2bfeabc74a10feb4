"""Wartime: resources sent with an order already issued, against the embedded feed.

A district console (supervisor) declares, issues an order without resources, then adds
a rescue team and a warehouse to it: one ``task.update`` that keeps the order's state,
confirmed by the gateway, with the resources shown as assigned to that order.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from console.feed_process import FeedProcess
from console.runtime import ConsoleConfig, ConsoleCore
from console.wartime import Wartime, WartimeError
from tests.support.asyncsupport import run, until

PINGHUAN = (114.372, 22.703)


def test_resources_added_to_an_issued_order(feed_factory: Any, tmp_path: Path) -> None:
    feed: FeedProcess = feed_factory(seed=5, alerts_per_s=0, readings_per_s=1)

    async def scenario() -> None:
        core = ConsoleCore(ConsoleConfig(backend_url=feed.url, cache_dir=tmp_path / "district", max_backoff_s=0.5,
                                         operator="区值班长", role="supervisor"))
        await core.start()
        try:
            assert await core.wait_live(30)
            await until(lambda: "resources" in core.layers, 30, "layers fetched")
            war: Wartime = core.wartime  # type: ignore[assignment]
            iid = war.declare("rainstorm_flood", 3, reason="坪环社区积水", location=PINGHUAN, street="maluan",
                              radius_m=1500)
            await until(lambda: core.picture.incidents.get(iid) is not None, 20, "declaration echoed")
            tid = war.issue_task(iid, "team.flood", "赶赴坪环积水点", 20, location=PINGHUAN)
            with pytest.raises(WartimeError, match="尚未被网关确认"):
                war.assign_resources(tid, ["x"])
            await until(lambda: core.picture.tasks.get(tid) is not None, 20, "order echoed")
            rows = war.resources(iid)
            team = next(r for r in rows if r.kind == "rescue_team")
            store = next(r for r in rows if r.kind == "warehouse")
            assert tid not in team.assigned_to

            with pytest.raises(WartimeError, match="选择"):
                war.assign_resources(tid, [])
            with pytest.raises(WartimeError, match="未知的资源"):
                war.assign_resources(tid, ["no-such-resource"])
            rev = core.picture.tasks.get(tid).rev
            war.assign_resources(tid, [team.id, store.id])
            await until(lambda: core.picture.tasks.get(tid).rev > rev, 20, "assignment echoed")
            task = core.picture.tasks.get(tid)
            assert task.status == "issued"  # the order's state is unchanged
            assert "追加调派资源" in task.note and team.name in task.note and store.name in task.note
            assigned = {r.id: r.assigned_to for r in war.resources(iid)}
            assert tid in assigned[team.id] and tid in assigned[store.id]
            assert any(e.text.startswith(f"任务 {tid} 追加调派资源：") and team.name in e.text
                       for e in war.command_log(iid))
            with pytest.raises(WartimeError, match="已调派"):
                war.assign_resources(tid, [team.id])

            # The unit answers; the order is done; no more resources can be added.
            war.update_task(tid, "done", note="已完成")
            await until(lambda: core.picture.tasks.get(tid).status == "done", 20, "done echoed")
            with pytest.raises(WartimeError, match="已结束"):
                war.assign_resources(tid, [store.id])
        finally:
            await core.stop()

    run(scenario(), timeout=180)


def test_an_operator_seat_may_not_add_resources(tmp_path: Path) -> None:
    async def scenario() -> None:
        core = ConsoleCore(ConsoleConfig(backend_url=None, cache_dir=tmp_path / "c", operator="值班员", role="operator"))
        await core.start()
        try:
            with pytest.raises(WartimeError, match="值班长"):
                core.wartime.assign_resources("TSK-1", ["r"])  # type: ignore[union-attr]
        finally:
            await core.stop()

    run(scenario(), timeout=60)


def test_command_panel_adds_the_selected_resources_to_the_selected_order(supervisor_console: Any, qtbot: Any) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QAbstractItemView

    from widgets.wartime import CommandPanel

    core = supervisor_console.core
    qtbot.waitUntil(lambda: "resources" in core.layers, timeout=30000)
    war: Wartime = core.wartime
    iid = war.declare("rainstorm_flood", 3, reason="坪环社区积水", location=PINGHUAN, street="maluan", radius_m=1500)
    qtbot.waitUntil(lambda: core.picture.incidents.get(iid) is not None, timeout=20000)
    tid = war.issue_task(iid, "team.flood", "赶赴坪环积水点", 20, location=PINGHUAN)
    qtbot.waitUntil(lambda: core.picture.tasks.get(tid) is not None, timeout=20000)

    panel = CommandPanel(war)
    qtbot.addWidget(panel)
    panel.show()
    panel.refresh()
    assert not panel.assign_button.isHidden()  # the district console offers it (a street console does not)
    # Nothing selected: said in red, nothing sent.
    panel.task_table.clearSelection()
    assert not panel.assign_resources_to_selected_task() and "选择任务" in panel.error.text()

    row = next(r for r in range(panel.task_table.rowCount())
               if panel.task_table.item(r, 0).data(Qt.ItemDataRole.UserRole) == tid)
    panel.task_table.selectRow(row)
    panel.resource_table.clearSelection()
    assert not panel.assign_resources_to_selected_task() and "资源" in panel.error.text()

    team = next(r for r in war.resources(iid) if r.kind == "rescue_team")
    rrow = next(r for r in range(panel.resource_table.rowCount())
                if panel.resource_table.item(r, 0).data(Qt.ItemDataRole.UserRole) == team.id)
    assert panel.resource_table.selectionMode() == QAbstractItemView.SelectionMode.MultiSelection
    panel.resource_table.selectRow(rrow)
    panel.task_table.selectRow(row)
    assert panel.assign_resources_to_selected_task(), panel.error.text()
    qtbot.waitUntil(lambda: "追加调派资源" in core.picture.tasks.get(tid).note, timeout=20000)
    panel.refresh()

    def shown() -> bool:
        r = next(r for r in range(panel.resource_table.rowCount())
                 if panel.resource_table.item(r, 0).data(Qt.ItemDataRole.UserRole) == team.id)
        return tid in panel.resource_table.item(r, 5).text()

    qtbot.waitUntil(shown, timeout=5000)

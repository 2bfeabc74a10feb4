"""The queue's search box finds closed alerts that aged out of memory (issue 18).

Closed alerts leave the live picture two days after their last change for the cache's
archive; the operator's search must still find them, from the same box, without knowing
where they are kept. A real core and a real SQLite cache; the alerts age out through the
real ingest path.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from types import SimpleNamespace
from typing import Any

from PySide6.QtCore import Qt

from console.models import Alert, AlertNote, AlertUpsert, GeoPoint
from console.stores import CLOSED_KEPT_S
from widgets.alert_queue import AlertQueuePanel
from widgets.alert_queue.archive import ArchiveDialog

T0 = datetime(2026, 6, 1, 8, 0, tzinfo=timezone(timedelta(hours=8)))


def _alert(n: int, status: str, at: datetime, title: str) -> Alert:
    return Alert(id=f"AR{n:05d}", rev=1, level="orange", status=status, source="hotline_12345",  # type: ignore[arg-type]
                 category="waterlogging", title=title, description="路面积水约 20 厘米",
                 street="maluan", community="pinghuan", location=GeoPoint(lon=114.36, lat=22.70),
                 created_at=at - timedelta(hours=2), updated_at=at,
                 timeline=(AlertNote(ts=at, actor="值班员甲", action="close", text="现场已恢复，闭环"),))


def _feed(core: Any, seq: int, a: Alert) -> None:
    core.ingest.accept(AlertUpsert(v=1, id=str(seq), ts=a.updated_at, type="alert.upsert", payload=a).model_dump_json(),
                       str(seq))


def test_search_box_finds_archived_alerts(offline_console: SimpleNamespace, qtbot: Any) -> None:
    core = offline_console.core
    _feed(core, 1, _alert(1, "closed", T0, "沙湖路涵洞积水 一号"))
    _feed(core, 2, _alert(2, "closed", T0 + timedelta(minutes=5), "沙湖路涵洞积水 二号"))
    _feed(core, 3, _alert(3, "new", T0 + timedelta(seconds=CLOSED_KEPT_S + 3600), "坪环社区 新告警"))
    core.ingest.flush()
    assert core.picture.alerts.get("AR00001") is None and core.archive.count() == 2  # aged out

    panel = AlertQueuePanel(core, offline_console.notifier)
    qtbot.addWidget(panel)
    panel.resize(1300, 420)
    panel.show()
    qtbot.waitExposed(panel)
    assert not panel.archive_hits.isVisible()  # no words, no archive search

    panel.search.setText("涵洞")
    qtbot.waitUntil(lambda: panel.archive_hits.isVisible(), timeout=5000)
    assert panel.model.result.matched == 0  # not in the live queue ...
    assert [a.id for a in panel.archive_hits.hits] == ["AR00002", "AR00001"]  # ... but found, newest first
    assert "2" in panel.archive_hits.button.text()

    qtbot.keyClick(panel.search, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    dialog = panel.archive_hits.dialog
    assert isinstance(dialog, ArchiveDialog)
    qtbot.waitExposed(dialog)
    assert dialog.table.rowCount() == 2 and dialog.table.item(0, 2).text() == "沙湖路涵洞积水 二号"
    assert dialog.timeline.rowCount() == 1 and "闭环" in dialog.timeline.item(0, 3).text()
    dialog.close()

    panel.search.setText("没有这样的词")
    qtbot.waitUntil(lambda: not panel.archive_hits.isVisible(), timeout=5000)
    # A status filter that excludes closed alerts excludes the archive too.
    panel.search.setText("涵洞")
    qtbot.waitUntil(lambda: panel.archive_hits.isVisible(), timeout=5000)
    panel.status_filter.setCurrentIndex(panel.status_filter.findData("new"))
    qtbot.waitUntil(lambda: not panel.archive_hits.isVisible(), timeout=5000)


def test_the_line_follows_the_newest_search_while_an_older_one_still_reads(
        offline_console: SimpleNamespace, qtbot: Any, monkeypatch: Any) -> None:
    """Typing on while the archive is read: the older search is stopped, the queue stays
    usable, and the line shows what the words in the box now find."""
    import threading

    from console import archive_search

    core = offline_console.core
    _feed(core, 1, _alert(1, "closed", T0, "沙湖路涵洞积水 一号"))
    _feed(core, 2, _alert(2, "closed", T0 + timedelta(minutes=5), "坪环社区路灯 二号"))
    _feed(core, 3, _alert(3, "new", T0 + timedelta(seconds=CLOSED_KEPT_S + 3600), "坪环社区 新告警"))
    core.ingest.flush()
    gate = threading.Event()
    real = archive_search._find

    def held(reader: Any, flt: Any, limit: int) -> Any:
        while "涵洞" in flt.text and not reader.interrupted and not gate.wait(0.01):
            pass  # this one reads "for a long time", until it is stopped
        return real(reader, flt, limit)

    monkeypatch.setattr(archive_search, "_find", held)
    panel = AlertQueuePanel(core, offline_console.notifier)
    qtbot.addWidget(panel)
    panel.show()
    try:
        panel.search.setText("涵洞")
        qtbot.waitUntil(lambda: panel.archive_hits.searching, timeout=5000)
        # Still reading after a moment: the line says so (and opens nothing).
        qtbot.waitUntil(lambda: panel.archive_hits.isVisible(), timeout=5000)
        assert panel.archive_hits.button.text() == "正在检索归档…" and not panel.archive_hits.button.isEnabled()
        panel.search.setText("路灯")  # the operator types on; the queue answers at once
        qtbot.waitUntil(lambda: [a.id for a in panel.archive_hits.hits] == ["AR00002"], timeout=5000)
        assert panel.archive_hits.button.isEnabled() and "1 条" in panel.archive_hits.button.text()
    finally:
        gate.set()
    qtbot.waitUntil(lambda: not panel.archive_hits.searching, timeout=5000)
    assert [a.id for a in panel.archive_hits.hits] == ["AR00002"]  # the stopped one changed nothing
    assert core.archive_search.superseded == 1

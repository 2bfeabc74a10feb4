"""The archive under the queue's search box: closed alerts that left memory, one search away.

A closed (闭环) alert leaves the live picture two days after its last change
(``console.stores.CLOSED_KEPT_S``) for the cache's archive (``offline_cache.archive``).
Whenever the search box holds words, the queue also asks the core for archived matches
(``ConsoleCore.search_archive``) and, if there are any, shows one line under the filters:
"归档中另有 N 条已闭环告警 — 查看（Ctrl+Shift+F）". The line opens :class:`ArchiveDialog`,
a read-only list (newest first) with the chosen alert's facts and timeline below it. The
view never reads the disk: the core does, on a worker thread (``console.archive_search``:
a word no archived alert holds reads the whole table), and the number of hits is bounded
(``console.alert_query.ARCHIVE_HITS_SHOWN``). The line follows the newest search only: an
older one still running is stopped, and its answer, if any, is dropped.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from console.alert_query import ARCHIVE_HITS_SHOWN, AlertFilter, PlaceNames
from console.masking import mask_text
from console.models import Alert
from console.runtime import ConsoleCore
from console.workflow import ACTION_NAMES
from district.vocabulary import DISTRICT_TZ
from widgets.alert_queue.names import LEVEL_NAMES, STATUS_NAMES

log = logging.getLogger(__name__)

CONTEXT = "AlertQueuePanel"
BUSY_AFTER_MS = 300
"""A search still reading after this long shows 正在检索归档… on the line."""


def _t(text: str) -> str:
    return QCoreApplication.translate(CONTEXT, text)


def _stamp(alert_time: object, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return alert_time.astimezone(DISTRICT_TZ).strftime(fmt)  # type: ignore[attr-defined]


class ArchiveDialog(QDialog):
    """The archived alerts one search found: a list, and the chosen one's facts and timeline."""

    HEADERS = (str(QT_TRANSLATE_NOOP("ArchiveDialog", "时间")), str(QT_TRANSLATE_NOOP("ArchiveDialog", "等级")),
               str(QT_TRANSLATE_NOOP("ArchiveDialog", "标题")), str(QT_TRANSLATE_NOOP("ArchiveDialog", "街道")),
               str(QT_TRANSLATE_NOOP("ArchiveDialog", "类别")), str(QT_TRANSLATE_NOOP("ArchiveDialog", "状态")))

    def __init__(self, hits: Sequence[Alert], names: PlaceNames, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ArchiveDialog")
        self.setWindowTitle(self.tr("归档告警：{text}").format(text=text))
        self._hits = list(hits)
        self.resize(900, 560)
        more = len(self._hits) >= ARCHIVE_HITS_SHOWN
        head = QLabel((self.tr("归档中找到 {n} 条已闭环告警（最新在前）") if not more
                       else self.tr("归档中找到超过 {n} 条已闭环告警，只列出最新的 {n} 条：请缩小搜索")).format(n=len(self._hits)),
                      self)
        head.setObjectName("ArchiveHeading")
        self.table = QTableWidget(len(self._hits), len(self.HEADERS), self)
        self.table.setObjectName("ArchiveTable")
        self.table.setHorizontalHeaderLabels([self.tr(h) for h in self.HEADERS])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        for row, a in enumerate(self._hits):
            cells = (_stamp(a.created_at), _t(LEVEL_NAMES.get(a.level, a.level)), a.title,
                     names.street(a.street), names.category(a.category), _t(STATUS_NAMES.get(a.status, a.status)))
            for col, cell in enumerate(cells):
                self.table.setItem(row, col, QTableWidgetItem(cell))
        self.table.resizeColumnToContents(0)
        self.timeline = QTableWidget(0, 4, self)
        self.timeline.setObjectName("ArchiveTimeline")
        self.timeline.setHorizontalHeaderLabels([self.tr("时间"), self.tr("人员"), self.tr("动作"), self.tr("说明")])
        self.timeline.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.timeline.verticalHeader().setVisible(False)
        self.timeline.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.facts = QLabel(self)
        self.facts.setObjectName("ArchiveFacts")
        self.facts.setWordWrap(True)
        self.facts.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        below = QWidget(self)
        below_layout = QVBoxLayout(below)
        below_layout.setContentsMargins(0, 0, 0, 0)
        below_layout.addWidget(self.facts)
        below_layout.addWidget(self.timeline, 1)
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(self.table)
        split.addWidget(below)
        split.setSizes([300, 260])
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(head)
        layout.addWidget(split, 1)
        layout.addWidget(buttons)
        self._names = names
        self.table.itemSelectionChanged.connect(self._show_selected)
        if self._hits:
            self.table.selectRow(0)
        self.table.setFocus()

    def _show_selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return
        a = self._hits[rows[0].row()]
        self.facts.setText(self.tr("{id} · {level} · {street} {community} · 创建 {created} · 最后变更 {updated}\n{description}").format(
            id=a.id, level=_t(LEVEL_NAMES.get(a.level, a.level)), street=self._names.street(a.street),
            community=self._names.community(a.community), created=_stamp(a.created_at),
            updated=_stamp(a.updated_at), description=mask_text(a.description)))
        self.timeline.setRowCount(len(a.timeline))
        for row, note in enumerate(a.timeline):
            action = QCoreApplication.translate("AlertWorkflow", ACTION_NAMES.get(note.action, note.action))
            for col, cell in enumerate((_stamp(note.ts, "%m-%d %H:%M:%S"), note.actor, action, mask_text(note.text))):
                self.timeline.setItem(row, col, QTableWidgetItem(cell))


class ArchiveHits(QWidget):
    """One line under the filters while a search finds archived alerts; opens the list."""

    def __init__(self, core: ConsoleCore, names: PlaceNames, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ArchiveHits")
        self._core = core
        self._names = names
        self._hits: list[Alert] = []
        self._text = ""
        self._generation = 0
        self._tasks: set[asyncio.Task[None]] = set()
        # A search still reading after a moment says so (a quick one never flickers the line).
        self._busy = QTimer(self)
        self._busy.setSingleShot(True)
        self._busy.setInterval(BUSY_AFTER_MS)
        self._busy.timeout.connect(self._show_busy)
        self.button = QPushButton(self)
        self.button.setObjectName("ArchiveHitsButton")
        self.button.setFlat(True)
        self.button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.button.clicked.connect(self.open_list)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 0, 6, 0)
        layout.addWidget(self.button, 0, Qt.AlignmentFlag.AlignLeft)
        sc = QShortcut(QKeySequence("Ctrl+Shift+F"), parent or self)
        sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        sc.activated.connect(self.open_list)
        self._shortcut = sc
        self.dialog: ArchiveDialog | None = None
        self.hide()

    @property
    def hits(self) -> list[Alert]:
        """The archived alerts the current search found (newest first)."""
        return list(self._hits)

    def search(self, flt: AlertFilter) -> None:
        """Look for ``flt`` in the archive (only when it has search words); the line shows
        the hits when the core answers, unless a newer search came meanwhile."""
        self._text = flt.text.strip()
        self._generation += 1
        if not self._text:
            self._show([])
            return
        coro = self._core.search_archive(flt)
        try:
            task = asyncio.get_event_loop().create_task(self._answer(self._generation, coro))
        except RuntimeError:  # no event loop (a view built without the console's loop)
            coro.close()
            log.warning("archive search skipped: no event loop")
            return
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        self._busy.start()

    @property
    def searching(self) -> bool:
        """A search is still running."""
        return bool(self._tasks)

    async def _answer(self, generation: int, coro: Any) -> None:
        try:
            hits = await coro
        except Exception:  # noqa: BLE001 - a damaged archive must not take the queue's search down with it
            log.exception("archive search failed")
            hits = []
        if hits is None or generation != self._generation:
            return  # a newer search stopped or overtook this one
        try:
            self._show(hits)
        except RuntimeError:  # the queue closed while the archive was read
            pass

    def _show_busy(self) -> None:
        if self.searching and self._text:
            self.button.setText(self.tr("正在检索归档…"))
            self.button.setEnabled(False)
            self.setVisible(True)

    def _show(self, hits: list[Alert]) -> None:
        self._busy.stop()
        self.button.setEnabled(True)
        self._hits = hits
        n = len(hits)
        if n:
            count = str(n) if n < ARCHIVE_HITS_SHOWN else f"{n}+"
            self.button.setText(self.tr("归档中另有 {n} 条已闭环告警 — 查看（Ctrl+Shift+F）").format(n=count))
        self.setVisible(n > 0)

    def open_list(self) -> None:
        """Show the archived hits (nothing when there are none)."""
        if not self._hits:
            return
        self.dialog = ArchiveDialog(self._hits, self._names, self._text, self.window())
        self.dialog.open()

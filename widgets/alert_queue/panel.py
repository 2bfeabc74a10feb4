"""告警队列: the alert queue panel — filters, the table in urgency order, the count line,
the acknowledge buttons and the detail pane of the selected alert.

The table (``model.AlertQueueModel``) shows what ``console.alert_query.AlertQuery``
answers for the operator's filter (``filters.QueueFilterBar``), and is told what
changed by ``notifier.alerts_changed`` at most ten times a second; a refresh of a
huge queue is spaced so it never takes more than about a fifth of the GUI loop.

Every action (签收, 分拨, 开始处置, 办结, 闭环, 升级, 督办, 合并, 重新打开, 备注) is a
command through ``core.commands``; the detail pane (``detail.AlertDetailPane``)
offers only what the workflow table allows. New red and orange alerts flash until
acknowledged (configurable, with an optional beep). Exports and CAP imports go
through core services (``files.QueueFiles``).

Why this module is long: it is the one place that wires the filter bar, the model,
the detail pane, the flashing and the keyboard together; each of those lives in its
own module of this package, what remains here is their wiring.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QModelIndex, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from console.alert_query import AlertFilter, flashes
from console.runtime import ConsoleCore
from console.workflow import ACTIONS
from widgets.alert_queue.archive import ArchiveHits
from widgets.alert_queue.delegate import LevelPillDelegate
from widgets.alert_queue.detail import AlertDetailPane
from widgets.alert_queue.files import QueueFiles, refusal_text
from widgets.alert_queue.filters import QueueFilterBar
from widgets.alert_queue.model import COL_LEVEL, COL_TITLE, COLUMN_TITLES, AlertQueueModel
from widgets.bridge import PictureNotifier

log = logging.getLogger(__name__)

AGE_REFRESH_MS = 15_000
"""How often countdowns and overdue marks are re-evaluated (and overdue rows move up)."""

FLASH_MS = 500
"""Half-period of the flash of new red/orange alerts."""

REFRESH_SHARE = 4
"""A queue refresh waits at least this many times its own last duration after the
previous one, so re-querying a huge queue never takes more than ~1/5 of the GUI loop
during a storm; a small queue still refreshes on every notifier tick."""

MAX_REFRESH_GAP_MS = 500

VISUAL_TITLE_POSITION = 2
"""Where the title column sits on screen (after 级别 and 时间)."""

TITLE_MIN_WIDTH = 220
"""The title column never gets narrower than this when the view is small (the
columns after it scroll instead)."""

FLASH_PREF = "queue/flash"
SOUND_PREF = "queue/sound"


class AlertQueuePanel(QWidget):
    """告警队列: filters, the queue in urgency order, and the detail pane of the selected alert.

    Emits ``alert_selected(alert_id)`` when the operator picks an alert (the main
    window routes it to the map and the video wall), ``cameras_requested(ids)``
    when the operator puts an alert's cameras on the wall, and ``message(text,
    error)`` for the status bar. CAP 1.2 files dropped on the panel are imported.
    """

    alert_selected = Signal(str)
    cameras_requested = Signal(object)
    message = Signal(str, bool)

    # Wartime narrowing (issue 7): set through ``set_incident_filter``; None = peacetime.
    _incident_filter: AlertFilter | None = None
    _incident_label: str = ""

    def __init__(self, core: ConsoleCore, notifier: PictureNotifier, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("AlertQueuePanel")
        self.setAcceptDrops(True)
        self._core = core
        self._notifier = notifier
        self._store = core.picture.alerts
        self._selected_before_reset: str | None = None
        self._seen_flashing: set[str] = set()

        self.model = AlertQueueModel(self._store, self)
        self.model.flash_enabled = self._pref(FLASH_PREF, True)
        self.sound_enabled = self._pref(SOUND_PREF, False)

        self.table = QTableView(self)
        self.table.setObjectName("AlertTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.setSortingEnabled(False)  # the core orders; a sort proxy would freeze big queues
        self.table.verticalHeader().hide()
        # Fixed row heights: Qt then never measures rows, which keeps big queues fast.
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(28)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        widths = (64, 92, 96, 104, 64, 64, 130, 96)
        for col, width in enumerate(widths):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
            self.table.setColumnWidth(col, width)
        # On screen the title comes third (级别, 时间, 标题, …) and takes what the view has
        # left, so it is never behind the horizontal scroll bar; the model's column order
        # (exports, tests) stays as it was.
        header.moveSection(header.visualIndex(COL_TITLE), VISUAL_TITLE_POSITION)
        header.setStretchLastSection(False)
        self.table.viewport().installEventFilter(self)
        header.sectionResized.connect(self._on_section_resized)
        self.table.setItemDelegateForColumn(COL_LEVEL, LevelPillDelegate(self.table))
        self.table.doubleClicked.connect(self._on_row_double_clicked)

        self.group_box = QCheckBox(self.tr("合并告警风暴"), self)
        self.group_box.setObjectName("GroupStorms")
        self.group_box.setChecked(True)
        self.group_box.setToolTip(self.tr("同一设备、或同一社区同类告警在10分钟内合并为一行（双击展开）"))
        self.group_box.toggled.connect(self._on_grouping_changed)

        self.count_label = QLabel(self)
        self.count_label.setObjectName("AlertCountLine")
        self.ack_button = QPushButton(self.tr("签收"), self)
        self.ack_button.setObjectName("AcknowledgeButton")
        self.ack_button.setToolTip(self.tr("签收所选告警（Ctrl+Enter 或 空格）"))
        self.ack_button.clicked.connect(self._on_acknowledge_clicked)
        self.group_ack_button = QPushButton(self.tr("整组签收"), self)
        self.group_ack_button.setObjectName("AcknowledgeGroupButton")
        self.group_ack_button.setToolTip(self.tr("签收所选告警风暴中所有待签收的告警（Ctrl+Shift+Enter）"))
        self.group_ack_button.clicked.connect(self.acknowledge_group)
        self._group_queue: list[str] = []
        self._group_timer = QTimer(self)
        self._group_timer.setInterval(0)
        self._group_timer.timeout.connect(self._on_group_chunk)

        self.detail = AlertDetailPane(core, notifier, self.model.names, self)
        self.detail.cameras_requested.connect(self.cameras_requested)
        self.detail.message.connect(self.message)
        self.files = QueueFiles(core, self.model.alert_ids, self)
        self.files.message.connect(self.message)
        self.files.imported.connect(self._on_cap_imported)

        # Filters: search, level, source, category, street, community, status, time window.
        self.filter_bar = QueueFilterBar(self.model.names, self)
        bar = self.filter_bar
        self.search = bar.search
        (self.level_filter, self.source_filter, self.category_filter, self.street_filter,
         self.community_filter, self.status_filter, self.time_filter) = bar.combos
        bar.changed.connect(self._on_filter_changed)
        self.archive_hits = ArchiveHits(core, self.model.names, self)  # closed alerts that left memory
        self.count_label.setWordWrap(True)
        top = QHBoxLayout()
        top.setContentsMargins(6, 0, 6, 0)
        top.addWidget(self.count_label, 1)
        top.addWidget(self.group_box)
        top.addWidget(self.group_ack_button)
        top.addWidget(self.ack_button)
        # The count line and the acknowledge buttons span the panel (above the table and
        # the detail), so the count never wraps into a narrow column on a small screen.
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([600, 400])  # the queue 3 : 2 the detail, whatever the width
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.filter_bar)
        layout.addWidget(self.archive_hits)
        layout.addLayout(top)
        layout.addWidget(self.splitter, 1)

        # Keyboard: every workflow action has a shortcut while the queue has focus.
        ctx = Qt.ShortcutContext.WidgetWithChildrenShortcut
        self._shortcuts: list[QShortcut] = []

        def bind(seq: QKeySequence, slot: Callable[[], object]) -> None:
            sc = QShortcut(seq, self)
            sc.setContext(ctx)
            sc.activated.connect(slot)
            self._shortcuts.append(sc)

        for seq in (QKeySequence("Ctrl+Return"), QKeySequence("Ctrl+Enter")):
            bind(seq, self._on_acknowledge_clicked)
        for seq in (QKeySequence("Ctrl+Shift+Return"), QKeySequence("Ctrl+Shift+Enter")):
            bind(seq, self.acknowledge_group)
        space = QShortcut(QKeySequence(Qt.Key.Key_Space), self.table)  # Space only in the table (not in text fields)
        space.setContext(Qt.ShortcutContext.WidgetShortcut)
        space.activated.connect(self._on_acknowledge_clicked)
        self._shortcuts.append(space)
        for action in ACTIONS:
            if action.verb != "acknowledge":
                bind(QKeySequence(action.shortcut), lambda v=action.verb: self.detail.perform(v))
        bind(QKeySequence("Ctrl+F"), lambda: (self.search.setFocus(), self.search.selectAll()))
        bind(QKeySequence("Ctrl+E"), self._on_toggle_group)

        self._changed: set[str] = set()
        self._changed_all = False
        self._last_refresh = 0.0
        self._refresh_cost_ms = 0.0
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.timeout.connect(self._apply_changes)

        self.model.modelAboutToBeReset.connect(self._on_model_about_to_reset)
        self.model.modelReset.connect(self._on_model_reset)
        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        notifier.alerts_changed.connect(self._on_alerts_changed)
        # Countdowns and overdue marks depend on the clock, not only on store changes.
        self._age_timer = QTimer(self)
        self._age_timer.setInterval(AGE_REFRESH_MS)
        self._age_timer.timeout.connect(self._on_clock_changed)
        self._age_timer.start()
        self._flash_timer = QTimer(self)
        self._flash_timer.setInterval(FLASH_MS)
        self._flash_timer.timeout.connect(self._on_flash_tick)
        self._flash_timer.start()
        self._update_counts()
        self._update_button()

    # ------------------------------------------------------------------ public

    def selected_alert_id(self) -> str | None:
        """The alert under the cursor, if any."""
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        return self.model.alert_id(rows[0].row())

    def select_alert(self, alert_id: str) -> bool:
        """Put the cursor on ``alert_id`` (expanding its storm group); False when not in the queue."""
        row = self.model.reveal(alert_id)
        if row < 0:
            return False
        self.table.selectRow(row)
        self.table.scrollTo(self.model.index(row, 0))
        return True

    def _may(self, permission: str) -> bool:
        """Whether this seat's role allows ``permission`` (a command kind or command/export/reveal)."""
        return self._core.can(permission)

    def _refuse_role(self, permission: str) -> bool:
        """Say in the status bar that the seat's role does not allow it; returns False."""
        self.message.emit(refusal_text(permission), True)
        return False

    def acknowledge_selected(self) -> bool:
        """Submit 签收 for the selected alert; False when there is nothing to take."""
        alert_id = self.selected_alert_id()
        if alert_id is None:
            return False
        if not self._may("alert.acknowledge"):
            return self._refuse_role("alert.acknowledge")
        alert = self._store.get(alert_id)
        if alert is None or alert.status != "new" or self._is_pending(alert_id):
            return False
        try:
            self._core.commands.submit("alert.acknowledge", alert_id, expected_rev=alert.rev)
        except Exception as exc:  # outbox write failed: tell the operator, keep the queue alive
            log.exception("acknowledge of %s failed", alert_id)
            self.message.emit(self.tr("签收未提交：{error}").format(error=exc), True)
            return False
        # The overlay (签收中…) may not be reported as a store change; show it now.
        self.model.refresh({alert_id})
        self._update_button()
        self.detail.show_alert(alert_id)
        self.message.emit(self.tr("已提交签收：{title}").format(title=alert.title), False)
        return True

    GROUP_CHUNK = 50
    """Commands submitted per event-loop turn when a whole storm is acknowledged (each is
    an outbox commit and an audit record; chunks keep the GUI responsive)."""

    def group_members(self) -> list[str]:
        """Every alert of the selected row's storm group under the current filter (leader first)."""
        alert_id = self.selected_alert_id()
        if alert_id is None:
            return []
        code = self.model.query.group_code_of(alert_id)
        if code is None:
            return []
        members = self.model.query.members_of(code, self.model.filter)
        return members if len(members) > 1 else []

    def acknowledge_group(self) -> int:
        """签收 every new member of the selected storm group, each as its own command;
        returns how many are queued for submission."""
        if not self._may("alert.acknowledge"):
            return int(self._refuse_role("alert.acknowledge"))
        todo = [m for m in self.group_members()
                if (a := self._store.get(m)) is not None and a.status == "new" and not self._is_pending(m)]
        if not todo:
            return 0
        self._group_queue.extend(todo)
        self._group_timer.start()
        self.message.emit(self.tr("整组签收：{n} 条").format(n=len(todo)), False)
        return len(todo)

    def _on_group_chunk(self) -> None:
        chunk, self._group_queue = self._group_queue[:self.GROUP_CHUNK], self._group_queue[self.GROUP_CHUNK:]
        for alert_id in chunk:
            alert = self._store.get(alert_id)
            if alert is None or alert.status != "new" or self._is_pending(alert_id):
                continue
            try:
                self._core.commands.submit("alert.acknowledge", alert_id, expected_rev=alert.rev)
            except Exception as exc:  # noqa: BLE001 - stop the batch, say why
                log.exception("group acknowledge stopped at %s", alert_id)
                self.message.emit(self.tr("整组签收中断：{error}").format(error=exc), True)
                self._group_queue.clear()
                break
        if not self._group_queue:
            self._group_timer.stop()
        self._on_alerts_changed(set(chunk))

    def current_filter(self) -> AlertFilter:
        """The filter the controls describe."""
        return self.filter_bar.current_filter()

    def set_flash(self, on: bool) -> None:
        """Flash new red/orange alerts until acknowledged (kept in the preferences)."""
        self.model.flash_enabled = on
        self._save_pref(FLASH_PREF, on)
        self.model.refresh_ages()

    def set_sound(self, on: bool) -> None:
        """Beep when a new red/orange alert arrives (kept in the preferences)."""
        self.sound_enabled = on
        self._save_pref(SOUND_PREF, on)

    # Imports and exports: the core's services, through ``self.files``.
    def import_cap_dialog(self) -> None:
        """Ask for CAP 1.2 files and import them through the core."""
        self.files.import_cap_dialog()

    def export_csv_dialog(self) -> None:
        """Ask where to write the filtered queue as CSV."""
        self.files.export_csv_dialog()

    def handover_dialog(self) -> QFileDialog:
        """Ask where to write the 值班交接 report (in the reports folder, a new name filled in)."""
        return self.files.handover_dialog()

    def import_cap_files(self, paths: list[str]) -> int:
        """Import CAP files through ``core.import_cap``; returns how many succeeded."""
        return self.files.import_cap_files(paths)

    def export_csv(self, path: str) -> str | None:
        """Export the filtered queue (every member of every group, masked) through the core."""
        return self.files.export_csv(path)

    def write_handover(self, path: str) -> str | None:
        """Write the 值班交接 report through the core."""
        return self.files.write_handover(path)

    # ------------------------------------------------------------------ drag and drop

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 (Qt's name)
        if event.mimeData().hasUrls() and any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 (Qt's name)
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.import_cap_files(paths)

    # ------------------------------------------------------------------ slots

    def _on_alerts_changed(self, changed: object) -> None:
        ids = set(changed) if isinstance(changed, (set, frozenset, list, tuple)) else None
        if ids is None:
            self._changed_all = True
        else:
            self._changed |= ids
        if not self._refresh_timer.isActive():
            since_ms = (time.perf_counter() - self._last_refresh) * 1000
            gap = min(MAX_REFRESH_GAP_MS, self._refresh_cost_ms * REFRESH_SHARE)
            self._refresh_timer.start(int(max(0.0, gap - since_ms)))
        if self.sound_enabled and ids:
            fresh = [a for a in (self._store.get(i) for i in ids)
                     if a is not None and flashes(a) and a.id not in self._seen_flashing]
            if fresh:
                self._seen_flashing.update(a.id for a in fresh)
                QApplication.beep()

    def _on_cap_imported(self) -> None:
        self.model.refresh(None)
        self._update_counts()

    def _apply_changes(self) -> None:
        """Apply the changes gathered since the last refresh in one query."""
        ids: set[str] | None = None if self._changed_all else self._changed
        self._changed, self._changed_all = set(), False
        t0 = time.perf_counter()
        self.model.refresh(ids)
        self._update_counts()
        self._update_button()
        self._last_refresh = time.perf_counter()
        self._refresh_cost_ms = (self._last_refresh - t0) * 1000

    def _on_clock_changed(self) -> None:
        if self.filter_bar.has_time_window():
            self.model.filter = self.current_filter()  # the window slides with the clock
        self.model.refresh_ages()
        self._update_counts()

    def _on_flash_tick(self) -> None:
        if not self.model.flash_enabled or not self.model.flashing():
            if self.model.flash_phase:
                self.model.flash_phase = False
                self._repaint_visible()
            return
        self.model.flash_phase = not self.model.flash_phase
        self._repaint_visible()

    def _repaint_visible(self) -> None:
        top = self.table.rowAt(0)
        if top < 0:
            return
        bottom = self.table.rowAt(self.table.viewport().height() - 1)
        bottom = self.model.rowCount() - 1 if bottom < 0 else bottom
        self.model.dataChanged.emit(self.model.index(top, 0), self.model.index(bottom, len(COLUMN_TITLES) - 1),
                                    [Qt.ItemDataRole.BackgroundRole])

    def set_incident_filter(self, flt: AlertFilter | None, label: str = "") -> None:
        """Wartime: narrow the queue to an incident's streets and categories (None: back to all).

        The operator's own filters still apply on top; what the narrowing hides is
        not lost, it is counted in the count line.
        """
        self._incident_filter = flt
        self._incident_label = label
        self._on_filter_changed()

    def _on_filter_changed(self, *_args: object) -> None:
        flt = self.current_filter().narrowed_by(self._incident_filter)
        self.model.set_filter(flt)
        self.archive_hits.search(flt)
        self._update_counts()
        log.info("queue filter: %s", self.count_label.text())
        # New results open at their top (the most urgent), wherever the cursor was.
        self.table.scrollToTop()
        self.table.horizontalScrollBar().setValue(0)

    def active_filters(self) -> list[str]:
        """What narrows the queue now, as the operator reads it (search, each filter set,
        the wartime focus)."""
        parts = self.filter_bar.active_texts()
        if self._incident_filter is not None:
            parts.append(self.tr("战时聚焦 {label}").format(label=self._incident_label))
        return parts

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        """Fit the title column whenever the table's viewport changes size."""
        if watched is self.table.viewport() and event.type() == QEvent.Type.Resize:
            self._fit_title_column()
        return super().eventFilter(watched, event)

    def _on_section_resized(self, section: int, _old: int, _new: int) -> None:
        if section != COL_TITLE:
            self._fit_title_column()

    def _fit_title_column(self) -> None:
        """Give the title what the other columns leave of the viewport (at least
        ``TITLE_MIN_WIDTH``), so it is fully visible without horizontal scrolling."""
        header = self.table.horizontalHeader()
        others = sum(header.sectionSize(c) for c in range(self.model.columnCount())
                     if c != COL_TITLE and not header.isSectionHidden(c))
        width = max(TITLE_MIN_WIDTH, self.table.viewport().width() - others)
        if width != header.sectionSize(COL_TITLE):
            header.resizeSection(COL_TITLE, width)

    def _on_grouping_changed(self, on: bool) -> None:
        self.model.set_grouping(on)
        self._update_counts()

    def _on_row_double_clicked(self, index: QModelIndex) -> None:
        self.model.toggle_group(index.row())
        self._update_counts()

    def _on_toggle_group(self) -> None:
        alert_id = self.selected_alert_id()
        if alert_id is None:
            return
        row = self.model.row_of(alert_id)
        if self.model.row_kind(row) == "member":
            code = self.model.result.group_of.get(alert_id) if self.model.result else None
            if code is not None:
                self.model.expanded.discard(code)
                self.model.refresh(set())
        else:
            self.model.toggle_group(row)
        self._update_counts()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt's name)
        """Stop listening to the core when the panel goes away."""
        self._age_timer.stop()
        self._flash_timer.stop()
        self._refresh_timer.stop()
        self._group_timer.stop()
        self.detail.shutdown()
        try:
            self._notifier.alerts_changed.disconnect(self._on_alerts_changed)
        except (RuntimeError, TypeError):
            pass
        super().closeEvent(event)

    def _on_acknowledge_clicked(self) -> None:
        self.acknowledge_selected()

    def _on_selection_changed(self, *_args: object) -> None:
        self._update_button()
        alert_id = self.selected_alert_id()
        if alert_id != self.detail.alert_id():
            self.detail.show_alert(alert_id)
        if alert_id is not None and alert_id != self._selected_before_reset:
            self.alert_selected.emit(alert_id)

    def _on_model_about_to_reset(self) -> None:
        self._selected_before_reset = self.selected_alert_id()

    def _on_model_reset(self) -> None:
        # Keep the operator's cursor on the same alert when new ones push it down.
        if self._selected_before_reset is not None:
            row = self.model.row_of(self._selected_before_reset)
            if row >= 0:
                self.table.selectRow(row)
        self._selected_before_reset = None

    # ------------------------------------------------------------------ helpers

    def _pref(self, key: str, default: bool) -> bool:
        prefs = self._core.preferences  # None until the core has started
        try:
            raw = prefs.get(key) if prefs is not None else None
        except Exception:  # noqa: BLE001
            return default
        return default if not raw else raw in (b"1", "1")

    def _save_pref(self, key: str, on: bool) -> None:
        prefs = self._core.preferences
        if prefs is not None:
            try:
                prefs.put(key, "1" if on else "0")
            except Exception:  # noqa: BLE001
                log.exception("preference %s not saved", key)

    def _is_pending(self, alert_id: str) -> bool:
        return bool(self._store.pending(alert_id))

    def _update_counts(self) -> None:
        total, new, red = self.model.counts()
        result = self.model.result
        text = self.tr("共 {total} 条 · 待签收 {new} · 红色 {red}").format(total=total, new=new, red=red)
        if result is not None:
            if result.matched != total:
                text += self.tr(" · 筛选后 {n}").format(n=result.matched)
            if result.overdue:
                text += self.tr(" · 超时 {n}").format(n=result.overdue)
            if result.groups:
                text += self.tr(" · 风暴 {g} 组（折叠 {n} 条）").format(g=result.groups, n=result.grouped)
            if self._incident_filter is not None:
                text += self.tr(" · 战时聚焦 {label}：其余 {n} 条已收起").format(
                    label=self._incident_label, n=max(0, total - result.matched))
        if result is not None and result.matched == 0 and total > 0:
            # Say so, and why: an empty table alone looks like a dead feed.
            active = self.active_filters()
            text = self.tr("无结果") + (self.tr(" — 筛选：{filters}").format(filters=" · ".join(active))
                                        if active else "") + self.tr(" · 共 {total} 条").format(total=total)
        self.count_label.setText(text)
        urgent = red > 0
        if self.count_label.property("urgent") != urgent:
            self.count_label.setProperty("urgent", urgent)
            self.count_label.style().unpolish(self.count_label)
            self.count_label.style().polish(self.count_label)

    def _update_button(self) -> None:
        alert_id = self.selected_alert_id()
        alert = self._store.get(alert_id) if alert_id else None
        may_ack = self._may("alert.acknowledge")  # the seat's role (issue 10): offer only what it allows
        self.ack_button.setVisible(may_ack)
        self.group_ack_button.setVisible(may_ack)
        self.ack_button.setEnabled(may_ack and alert is not None and alert.status == "new"
                                   and not self._is_pending(alert_id or ""))
        row = self.model.row_of(alert_id) if alert_id else -1
        self.group_ack_button.setEnabled(may_ack and row >= 0 and self.model.row_kind(row) in ("group", "member"))

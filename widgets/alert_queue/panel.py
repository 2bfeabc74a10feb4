"""告警队列: the alert queue panel, its table model and the detail pane beside it.

The model shows what ``console.alert_query.AlertQuery`` answers for the operator's
filter (filters, Chinese full-text search, overdue first then urgency order, storm
groups with a count), and is told what changed by ``notifier.alerts_changed`` at
most ten times a second. It resets only when the rows changed and otherwise emits
one ``dataChanged``, so a storm of alerts costs a handful of repaints, never one
per message. Display strings are built once per alert revision and cached, which
keeps ``data()`` (called from C++ for every cell and role on every paint) cheap.

Every action (签收, 分拨, 开始处置, 办结, 闭环, 升级, 督办, 合并, 重新打开, 备注) is a
command through ``core.commands``; the detail pane offers only what the workflow
table allows. New red and orange alerts flash until acknowledged (configurable,
with an optional beep). Exports and CAP imports go through core services.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Any, NamedTuple

from console.alert_query import AlertFilter, AlertQuery, PlaceNames, QueryResult
from console.workflow import ACTIONS, Limits, due_state
from district.vocabulary import ALERT_STATUS_RANK, DISTRICT_TZ, LEVEL_RANK, OPEN_STATUSES

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QAbstractTableModel,
    QCoreApplication,
    QEvent,
    QLocale,
    QModelIndex,
    QPersistentModelIndex,
    QRectF,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QBrush,
    QCloseEvent,
    QColor,
    QDragEnterEvent,
    QDropEvent,
    QFont,
    QKeySequence,
    QPainter,
    QShortcut,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from widgets import theme
from widgets.alert_names import LEVEL_NAMES, SOURCE_NAMES, STATUS_NAMES, span_text

log = logging.getLogger(__name__)


CONTEXT = "AlertQueuePanel"

COLUMN_TITLES: tuple[str, ...] = (
    str(QT_TRANSLATE_NOOP("AlertQueuePanel", "级别")),
    str(QT_TRANSLATE_NOOP("AlertQueuePanel", "时间")),
    str(QT_TRANSLATE_NOOP("AlertQueuePanel", "来源")),
    str(QT_TRANSLATE_NOOP("AlertQueuePanel", "类别")),
    str(QT_TRANSLATE_NOOP("AlertQueuePanel", "街道")),
    str(QT_TRANSLATE_NOOP("AlertQueuePanel", "社区")),
    str(QT_TRANSLATE_NOOP("AlertQueuePanel", "状态")),
    str(QT_TRANSLATE_NOOP("AlertQueuePanel", "时限")),
    str(QT_TRANSLATE_NOOP("AlertQueuePanel", "标题")),
)
(COL_LEVEL, COL_TIME, COL_SOURCE, COL_CATEGORY, COL_STREET, COL_COMMUNITY, COL_STATUS, COL_DUE,
 COL_TITLE) = range(9)

PENDING_NAMES: dict[str, str] = {
    "alert.acknowledge": str(QT_TRANSLATE_NOOP("AlertQueuePanel", "签收中…")),
    "alert.dispatch": str(QT_TRANSLATE_NOOP("AlertQueuePanel", "分拨中…")),
    "alert.start": str(QT_TRANSLATE_NOOP("AlertQueuePanel", "启动处置中…")),
    "alert.resolve": str(QT_TRANSLATE_NOOP("AlertQueuePanel", "办结中…")),
    "alert.close": str(QT_TRANSLATE_NOOP("AlertQueuePanel", "闭环中…")),
    "alert.escalate": str(QT_TRANSLATE_NOOP("AlertQueuePanel", "升级中…")),
    "alert.urge": str(QT_TRANSLATE_NOOP("AlertQueuePanel", "督办中…")),
    "alert.merge": str(QT_TRANSLATE_NOOP("AlertQueuePanel", "合并中…")),
    "alert.reopen": str(QT_TRANSLATE_NOOP("AlertQueuePanel", "重新打开中…")),
    "alert.note": str(QT_TRANSLATE_NOOP("AlertQueuePanel", "备注提交中…")),
}
PENDING_OTHER = str(QT_TRANSLATE_NOOP("AlertQueuePanel", "提交中…"))

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

SEARCH_MIN_WIDTH = 170
"""The search box keeps room for a few words on the smallest duty screen."""

FILTER_MIN_CHARS = 4
"""Filter boxes narrow down to about three Chinese characters (the list shows whole names)."""

SEARCH_DELAY_MS = 250
"""Typing in the search box re-queries after this pause, not on every key."""

FLASH_PREF = "queue/flash"
SOUND_PREF = "queue/sound"

PENDING_COLOUR = QColor(theme.ACCENT)
REFUSED_COLOUR = QColor("#ff5252")
NEW_COLOUR = QColor("#ffd180")
OVERDUE_COLOUR = QColor("#ff5252")
AMBER_COLOUR = QColor("#ffb300")
FLASH_COLOURS = {"red": QColor(200, 30, 30, 150), "orange": QColor(230, 120, 0, 140)}
GROUP_COLOUR = QColor("#80deea")
DONE_COLOUR = QColor(theme.TEXT_DIM)


def _t(text: str) -> str:
    return QCoreApplication.translate(CONTEXT, text)


class _Row(NamedTuple):
    """Everything one table row shows, computed once per alert revision (and clock tick)."""

    alert_id: str
    rev: int
    level: str
    status: str
    texts: tuple[str, ...]
    status_colour: QColor | None
    due_colour: QColor | None
    bold: bool
    overdue: bool
    pending: bool
    refused: bool
    flash: bool


def urgency_key(alert: Any) -> tuple[int, int, float]:
    """Open before done, new before taken, red before blue, newest first."""
    created = getattr(alert, "created_at", None)
    stamp = created.timestamp() if isinstance(created, datetime) else 0.0
    return (ALERT_STATUS_RANK.get(alert.status, 9), LEVEL_RANK.get(alert.level, 9), -stamp)


def due_text(seconds: float | None) -> str:
    """The countdown cell: ``剩 1:05`` (h:mm) or ``超时 0:12``."""
    if seconds is None:
        return ""
    return (QCoreApplication.translate("AlertQueuePanel", "超时 {t}") if seconds < 0
            else QCoreApplication.translate("AlertQueuePanel", "剩 {t}")).format(t=span_text(seconds))


def time_text(created: datetime, now: datetime) -> str:
    """``HH:MM:SS`` for today (Beijing time), ``MM-DD HH:MM`` for earlier days."""
    local = created.astimezone(DISTRICT_TZ)
    if local.date() == now.astimezone(DISTRICT_TZ).date():
        return local.strftime("%H:%M:%S")
    return local.strftime("%m-%d %H:%M")


class AlertQueueModel(QAbstractTableModel):
    """Table model over ``core.picture.alerts`` as ``AlertQuery`` orders, filters and groups it."""

    def __init__(self, store: Any, parent: Any = None, limits: Limits | None = None) -> None:
        super().__init__(parent)
        self._store = store
        # The catalogue carries both languages; follow the UI language in use.
        self._names = PlaceNames(english=QLocale().language() == QLocale.Language.English)
        self._limits = limits if limits is not None else Limits.from_catalogue()
        self.query = AlertQuery(store, self._limits, self._names.lookup)
        self.filter = AlertFilter()
        self.grouping = True
        self.expanded: set[int] = set()
        self.result: QueryResult | None = None
        self._ids: list[str] = []
        self._counts: list[int] = []
        self._kinds: list[int] = []
        self._index: dict[str, int] | None = None
        self._rows: dict[str, _Row] = {}
        # (status, level) per alert, kept up to date from the change sets so the count
        # line costs O(changed) per update instead of a pass over the whole store.
        self._status_level: dict[str, tuple[str, str]] = {}
        self._new = 0
        self._red_open = 0
        self._flashing = 0
        self.flash_phase = False
        self.flash_enabled = True
        self.resets = 0
        """How many times the rows changed (a measure for tests and benches)."""
        # data() runs for every cell and role on every paint: build fonts once.
        self._fonts: dict[tuple[bool, bool], QFont] = {}
        for bold in (False, True):
            for italic in (False, True):
                font = QFont()
                font.setBold(bold)
                font.setItalic(italic)
                self._fonts[(bold, italic)] = font
        self.refresh(None)

    # ------------------------------------------------------------------ Qt API

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMN_TITLES)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            if 0 <= section < len(COLUMN_TITLES):
                return _t(COLUMN_TITLES[section])
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row = self._row_at(index.row())
        if row is None:
            return None
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return row.texts[col]
        if role == Qt.ItemDataRole.ForegroundRole:
            if col == COL_STATUS and row.status_colour is not None:
                return row.status_colour
            if col == COL_DUE and row.due_colour is not None:
                return row.due_colour
            if col == COL_TIME and row.overdue and row.status == "new":
                return OVERDUE_COLOUR
            if col == COL_TITLE and self._kinds[index.row()] == 1:
                return GROUP_COLOUR
            if row.status in ("resolved", "closed"):
                return DONE_COLOUR
            return None
        if role == Qt.ItemDataRole.BackgroundRole:
            if row.flash and self.flash_enabled and self.flash_phase and col != COL_LEVEL:
                return FLASH_COLOURS[row.level]
            return None
        if role == Qt.ItemDataRole.FontRole:
            italic = col == COL_STATUS and row.pending
            if row.bold or italic:
                return self._fonts[(row.bold, italic)]
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row.alert_id)
        if role == Qt.ItemDataRole.UserRole:
            return row.level if col == COL_LEVEL else row.alert_id
        return None

    # ------------------------------------------------------------------ public

    def alert_id(self, row: int) -> str | None:
        """The alert shown in ``row``, or None outside the table."""
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def alert_ids(self) -> list[str]:
        """Every alert the filter matches, in queue order (group members included)."""
        if self.result is None:
            return []
        if not self.grouping:
            return list(self._ids)
        full = self.query.run(self.filter, group=False)
        return full.ids

    def row_of(self, alert_id: str) -> int:
        """The row showing ``alert_id``, or -1 (a member of a collapsed group is not shown)."""
        if self._index is None:
            self._index = {aid: i for i, aid in enumerate(self._ids)}
        return self._index.get(alert_id, -1)

    def reveal(self, alert_id: str) -> int:
        """The row of ``alert_id``, expanding its storm group if it is folded away; -1 if filtered out."""
        row = self.row_of(alert_id)
        if row >= 0 or not self.grouping:
            return row
        code = self.query.group_code_of(alert_id)
        if code is None:
            return -1
        self.expanded.add(code)
        self.refresh(set())
        return self.row_of(alert_id)

    def group_size(self, row: int) -> int:
        """How many alerts a row stands for (1 for a single alert)."""
        return self._counts[row] if 0 <= row < len(self._counts) else 0

    def row_kind(self, row: int) -> str:
        """"single", "group" (a storm's leading row) or "member" (shown under an expanded group)."""
        k = self._kinds[row] if 0 <= row < len(self._kinds) else 0
        return ("single", "group", "member")[k]

    def toggle_group(self, row: int) -> bool:
        """Expand or collapse the storm group of ``row``; False when it is not a group row."""
        if self.result is None:
            return False
        code = self.result.group_of.get(self.alert_id(row) or "")
        if code is None:
            return False
        self.expanded ^= {code}
        self.refresh(set())
        return True

    def set_filter(self, flt: AlertFilter) -> None:
        """Show only what ``flt`` matches."""
        self.filter = flt
        self.refresh(set())

    def set_grouping(self, on: bool) -> None:
        """Fold storms into group rows (on) or list every alert (off)."""
        self.grouping = on
        self.refresh(set())

    def row_texts(self, row: int) -> tuple[str, ...]:
        """The texts of a row, column by column (empty outside the table)."""
        r = self._row_at(row)
        return r.texts if r is not None else ()

    def refresh(self, changed: set[str] | None) -> None:
        """Bring the table up to date after ``changed`` alerts (None = everything).

        One reset when the rows changed, else one ``dataChanged`` over the table
        (the view repaints only what is visible).
        """
        if changed is None or len(changed) > max(1000, len(self._status_level) // 2):
            self._rows.clear()
            self._recount()
            self.query.update(None)
        else:
            for alert_id in changed:
                self._rows.pop(alert_id, None)
                self._count(alert_id)
            self.query.update(changed)
        self.result = self.query.run(self.filter, group=self.grouping, expanded=self.expanded)
        self.expanded &= set(self.result.members) | set(self.result.group_of.values())
        ids = self.result.ids
        counts = self.result.counts.tolist()
        kinds = self.result.kinds.tolist()
        if ids != self._ids or counts != self._counts or kinds != self._kinds:
            self.beginResetModel()
            self._ids, self._counts, self._kinds = ids, counts, kinds
            self._index = None
            if changed is None or len(changed) == 0:
                self._rows.clear()
            self.endResetModel()
            self.resets += 1
            return
        if self._ids and (changed is None or changed):
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._ids) - 1, len(COLUMN_TITLES) - 1))

    def counts(self) -> tuple[int, int, int]:
        """(all alerts, awaiting acknowledgement, red ones still open)."""
        return len(self._status_level), self._new, self._red_open

    def flashing(self) -> int:
        """New red/orange alerts not yet acknowledged (they flash)."""
        return self._flashing

    def _recount(self) -> None:
        self._status_level.clear()
        self._new = self._red_open = self._flashing = 0
        for alert in self._store.values():
            self._add_kind(alert.id, alert.status, alert.level)

    def _count(self, alert_id: str) -> None:
        old = self._status_level.pop(alert_id, None)
        if old is not None:
            status, level = old
            self._new -= status == "new"
            self._red_open -= level == "red" and status in OPEN_STATUSES
            self._flashing -= status == "new" and level in FLASH_COLOURS
        alert = self._store.get(alert_id)
        if alert is not None:
            self._add_kind(alert_id, alert.status, alert.level)

    def _add_kind(self, alert_id: str, status: str, level: str) -> None:
        self._status_level[alert_id] = (status, level)
        self._new += status == "new"
        self._red_open += level == "red" and status in OPEN_STATUSES
        self._flashing += status == "new" and level in FLASH_COLOURS

    # ------------------------------------------------------------------ internals

    def _row_at(self, row: int) -> _Row | None:
        if not 0 <= row < len(self._ids):
            return None
        alert_id = self._ids[row]
        cached = self._rows.get(alert_id)
        if cached is not None:
            return cached
        alert = self._store.get(alert_id)
        if alert is None:
            return None
        built = self._build(alert, self._counts[row], self._kinds[row])
        self._rows[alert_id] = built
        return built

    def _tooltip(self, alert_id: str) -> str | None:
        """Title, full time, description, masked reporter phone, refusal; built on hover only."""
        alert = self._store.get(alert_id)
        if alert is None:
            return None
        from console.masking import mask_phone, mask_text

        created = alert.created_at.astimezone(DISTRICT_TZ)
        tip = [mask_text(alert.title), created.strftime("%Y-%m-%d %H:%M:%S +08:00")]
        if alert.description:
            tip.append(mask_text(alert.description))
        if alert.reporter_phone:
            # Only ever the masked form: the full number is personal data.
            tip.append(QCoreApplication.translate("AlertQueuePanel", "报告人电话 {phone}").format(phone=mask_phone(alert.reporter_phone)))
        if self._is_overdue(alert):
            tip.append(QCoreApplication.translate("AlertQueuePanel", "超过签收时限未签收"))
        refusal = self._store.refusal(alert_id) if hasattr(self._store, "refusal") else None
        if refusal:
            tip.append(QCoreApplication.translate("AlertQueuePanel", "被拒绝：{reason}").format(reason=refusal))
        return "\n".join(tip)

    def _is_overdue(self, alert: Any) -> bool:
        """A new alert older than its category's acknowledgement limit."""
        return alert.status == "new" and due_state(alert, self._limits, datetime.now(timezone.utc))[0] == "overdue"

    def refresh_ages(self) -> None:
        """Re-evaluate time-dependent display (countdowns, overdue) and move overdue rows up."""
        self._rows.clear()
        self.refresh(set())
        if self._ids:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._ids) - 1, len(COLUMN_TITLES) - 1))

    def _build(self, alert: Any, count: int = 1, kind: int = 0) -> _Row:
        from console.masking import mask_text

        pending = list(self._store.pending(alert.id)) if hasattr(self._store, "pending") else []
        refusal = self._store.refusal(alert.id) if hasattr(self._store, "refusal") else None
        status_text = _t(STATUS_NAMES.get(alert.status, alert.status))
        status_colour: QColor | None = NEW_COLOUR if alert.status == "new" else None
        if pending:
            pkind = getattr(pending[-1], "kind", "")
            status_text = _t(PENDING_NAMES.get(pkind, PENDING_OTHER))
            status_colour = PENDING_COLOUR
        elif refusal:
            status_text = f"{status_text} · {refusal}"
            status_colour = REFUSED_COLOUR
        state, left = due_state(alert, self._limits, datetime.now(timezone.utc))
        due_colour = {"overdue": OVERDUE_COLOUR, "amber": AMBER_COLOUR}.get(state)
        title = mask_text(alert.title)
        if kind == 1:
            title = QCoreApplication.translate("AlertQueuePanel", "〔{n} 条〕{title}").format(n=count, title=title)
        elif kind == 2:
            title = "　└ " + title
        texts = (
            _t(LEVEL_NAMES.get(alert.level, alert.level)),
            time_text(alert.created_at, datetime.now(timezone.utc)),
            _t(SOURCE_NAMES.get(alert.source, alert.source)),
            self._names.category(alert.category),
            self._names.street(alert.street),
            self._names.community(alert.community),
            status_text,
            due_text(left),
            title,
        )
        return _Row(
            alert_id=alert.id,
            rev=alert.rev,
            level=alert.level,
            status=alert.status,
            texts=texts,
            status_colour=status_colour,
            due_colour=due_colour,
            bold=alert.status == "new" and alert.level in ("red", "orange"),
            overdue=state == "overdue",
            pending=bool(pending),
            refused=bool(refusal),
            flash=alert.status == "new" and alert.level in FLASH_COLOURS,
        )


class LevelPillDelegate(QStyledItemDelegate):
    """Draws the 级别 cell as a rounded pill in the warning colour."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> None:
        level = index.data(Qt.ItemDataRole.UserRole)
        text = index.data(Qt.ItemDataRole.DisplayRole) or ""
        painter.save()
        if option.state & QStyle.StateFlag.State_Selected:
            painter.fillRect(option.rect, option.palette.highlight())
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        rect = QRectF(option.rect).adjusted(6, 4, -6, -4)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QBrush(QColor(theme.LEVEL_COLOURS.get(level, theme.TEXT_DIM))))
        painter.drawRoundedRect(rect, rect.height() / 2, rect.height() / 2)
        painter.setPen(QColor(theme.LEVEL_TEXT_COLOURS.get(level, theme.TEXT)))
        font = QFont(option.font)
        font.setBold(True)
        painter.setFont(font)
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
        painter.restore()


TIME_WINDOWS: tuple[tuple[str, float | None], ...] = (
    (str(QT_TRANSLATE_NOOP("AlertQueuePanel", "全部时间")), None),
    (str(QT_TRANSLATE_NOOP("AlertQueuePanel", "近1小时")), 3600.0),
    (str(QT_TRANSLATE_NOOP("AlertQueuePanel", "近8小时")), 8 * 3600.0),
    (str(QT_TRANSLATE_NOOP("AlertQueuePanel", "近24小时")), 86400.0),
    (str(QT_TRANSLATE_NOOP("AlertQueuePanel", "近7天")), 7 * 86400.0),
)


class _FilterBar(QWidget):
    """The search box and the filter boxes: one row when the panel is wide enough, else
    two (search and three filters, then four). Its minimum width is the two-row one,
    so a narrow screen can always shrink the panel to it."""

    SPLIT = 3  # filters on the first row beside the search in two-row mode

    def __init__(self, search: QLineEdit, combos: tuple[QComboBox, ...], parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("AlertFilterBar")
        self._search = search
        self._combos = combos
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(6, 4, 6, 0)
        self._grid.setHorizontalSpacing(6)
        self._grid.setVerticalSpacing(2)
        self._grid.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.two_rows: bool | None = None
        self._place(False)

    def _width_of(self, widgets: list[QWidget]) -> int:
        m = self._grid.contentsMargins()
        return (m.left() + m.right() + self._grid.horizontalSpacing() * (len(widgets) - 1)
                + sum(max(w.minimumWidth(), w.minimumSizeHint().width()) for w in widgets))

    def one_row_width(self) -> int:
        """The narrowest the bar can be on one row."""
        return self._width_of([self._search, *self._combos])

    def two_row_width(self) -> int:
        """The narrowest the bar can be on two rows."""
        first = [self._search, *self._combos[:self.SPLIT]]
        second = list(self._combos[self.SPLIT:])
        return max(self._width_of(first), self._width_of(second))

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        return QSize(self.two_row_width(), super().minimumSizeHint().height())

    def resizeEvent(self, event: Any) -> None:  # noqa: N802 (Qt's name)
        self._place(event.size().width() < self.one_row_width())
        super().resizeEvent(event)

    def _place(self, two_rows: bool) -> None:
        if two_rows == self.two_rows:
            return
        self.two_rows = two_rows
        grid = self._grid
        for w in (self._search, *self._combos):
            grid.removeWidget(w)
        for col in range(grid.columnCount()):
            grid.setColumnStretch(col, 0)
        if two_rows:
            grid.addWidget(self._search, 0, 0)
            for i, combo in enumerate(self._combos[:self.SPLIT]):
                grid.addWidget(combo, 0, 1 + i)
            # The second row starts under the search (which is the widest box).
            for i, combo in enumerate(self._combos[self.SPLIT:]):
                grid.addWidget(combo, 1, i)
            for col in range(self.SPLIT + 1):
                grid.setColumnStretch(col, 2 if col == 0 else 1)
        else:
            grid.addWidget(self._search, 0, 0)
            for i, combo in enumerate(self._combos):
                grid.addWidget(combo, 0, 1 + i)
            grid.setColumnStretch(0, 3)
            for col in range(1, len(self._combos) + 1):
                grid.setColumnStretch(col, 1)
        self.updateGeometry()


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

    def __init__(self, core: Any, notifier: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("AlertQueuePanel")
        self.setAcceptDrops(True)
        self._core = core
        self._notifier = notifier
        self._store = core.picture.alerts
        self._selected_before_reset: str | None = None
        self._seen_flashing: set[str] = set()
        self._dialogs: list[QFileDialog] = []

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

        # Filters: level, source, category, street, community, status, time window, search.
        self.search = QLineEdit(self)
        self.search.setObjectName("AlertSearch")
        self.search.setPlaceholderText(self.tr("搜索标题、描述、地点、单位、备注…（Ctrl+F）"))
        self.search.setClearButtonEnabled(True)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._on_filter_changed)
        self.search.textChanged.connect(lambda _t: self._search_timer.start())
        names = self.model._names
        self.level_filter = self._combo("LevelFilter", self.tr("全部级别"), [(_t(v), k) for k, v in LEVEL_NAMES.items()])
        self.source_filter = self._combo("SourceFilter", self.tr("全部来源"), [(_t(v), k) for k, v in SOURCE_NAMES.items()])
        self.category_filter = self._combo("CategoryFilter", self.tr("全部类别"), sorted(((v, k) for k, v in names.categories.items())))
        self.street_filter = self._combo("StreetFilter", self.tr("全部街道"), [(v, k) for k, v in names.streets.items()])
        self.community_filter = self._combo("CommunityFilter", self.tr("全部社区"), [])
        self.status_filter = self._combo("StatusFilter", self.tr("全部状态"),
                                         [(self.tr("未办结"), "open")] + [(_t(v), k) for k, v in STATUS_NAMES.items()])
        self.time_filter = QComboBox(self)
        self.time_filter.setObjectName("TimeFilter")
        for text, seconds in TIME_WINDOWS:
            self.time_filter.addItem(_t(text), seconds)
        self.time_filter.currentIndexChanged.connect(self._on_filter_changed)
        self.street_filter.currentIndexChanged.connect(self._on_street_filter_changed)
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

        from widgets.alert_detail import AlertDetailPane

        self.detail = AlertDetailPane(core, notifier, names, self)
        self.detail.cameras_requested.connect(self.cameras_requested)
        self.detail.message.connect(self.message)

        # The search never collapses; the filter boxes may narrow (their lists still show
        # whole names) and go to a second row, so that the queue fits a 1280 px screen
        # beside the right column (issue 21).
        self.search.setMinimumWidth(SEARCH_MIN_WIDTH)
        combos = (self.level_filter, self.source_filter, self.category_filter, self.street_filter,
                  self.community_filter, self.status_filter, self.time_filter)
        for combo in combos:
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(FILTER_MIN_CHARS)
            combo.setToolTip(combo.currentText())
            combo.currentTextChanged.connect(combo.setToolTip)
        self.filter_bar = _FilterBar(self.search, combos, self)
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
        layout.addLayout(top)
        layout.addWidget(self.splitter, 1)

        # Keyboard: every workflow action has a shortcut while the queue has focus.
        ctx = Qt.ShortcutContext.WidgetWithChildrenShortcut
        self._shortcuts: list[QShortcut] = []

        def bind(seq: QKeySequence, slot: Any) -> None:
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
        can = getattr(self._core, "can", None)
        return bool(can(permission)) if callable(can) else True

    def _refuse_role(self, permission: str) -> bool:
        """Say in the status bar that the seat's role does not allow it; returns False."""
        self.message.emit(self.tr("当前席位无此权限：{what}").format(what=self._permission_text(permission)), True)
        return False

    def _permission_text(self, permission: str) -> str:
        return {"alert.acknowledge": self.tr("签收"), "command": self.tr("下达指令"),
                "export": self.tr("导出")}.get(permission, permission)

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
        def chosen(combo: QComboBox) -> frozenset[str]:
            value = combo.currentData()
            return frozenset({value}) if value else frozenset()

        statuses = chosen(self.status_filter)
        if statuses == {"open"}:
            statuses = frozenset(OPEN_STATUSES)
        seconds = self.time_filter.currentData()
        since = datetime.now(timezone.utc) - timedelta(seconds=seconds) if seconds else None
        return AlertFilter(levels=chosen(self.level_filter), sources=chosen(self.source_filter),
                           categories=chosen(self.category_filter), streets=chosen(self.street_filter),
                           communities=chosen(self.community_filter), statuses=statuses, since=since,
                           text=self.search.text())

    def set_flash(self, on: bool) -> None:
        """Flash new red/orange alerts until acknowledged (kept in the preferences)."""
        self.model.flash_enabled = on
        self._save_pref(FLASH_PREF, on)
        self.model.refresh_ages()

    def set_sound(self, on: bool) -> None:
        """Beep when a new red/orange alert arrives (kept in the preferences)."""
        self.sound_enabled = on
        self._save_pref(SOUND_PREF, on)

    # File dialogs are opened with open(), never exec(): the asyncio loop runs on this thread.
    def import_cap_dialog(self) -> None:
        """Ask for CAP 1.2 files and import them through the core."""
        self._file_dialog(self.tr("导入 CAP 预警文件"), self.tr("CAP 预警 (*.xml *.cap);;所有文件 (*)"),
                          save=False, on_files=self.import_cap_files)

    def export_csv_dialog(self) -> None:
        """Ask where to write the filtered queue as CSV."""
        self._file_dialog(self.tr("导出告警清单"), self.tr("CSV 文件 (*.csv)"), save=True,
                          on_files=lambda files: self.export_csv(files[0]), default=self._default_path("queue_csv"))

    def handover_dialog(self) -> QFileDialog:
        """Ask where to write the 值班交接 report: the dialog opens in the reports folder
        with a new name filled in (Return saves it there)."""
        return self._file_dialog(self.tr("生成值班交接"), self.tr("Markdown 文件 (*.md)"), save=True,
                                 on_files=lambda files: self.write_handover(files[0]),
                                 default=self._default_path("handover"))

    def _default_path(self, kind: str) -> str:
        exports = getattr(self._core, "exports", None)
        try:
            path = exports.default_path(kind) if exports is not None else None
        except OSError:  # the folder cannot be made: the dialog starts where Qt likes
            log.exception("reports folder unavailable")
            path = None
        return str(path) if path else ""

    def import_cap_files(self, paths: list[str]) -> int:
        """Import CAP files through ``core.import_cap``; returns how many succeeded."""
        if not self._may("command"):
            return int(self._refuse_role("command"))
        ok = 0
        for path in paths:
            try:
                result = self._core.import_cap(path)
            except Exception as exc:  # noqa: BLE001 - CapError names the element and the reason
                self.message.emit(self.tr("CAP 导入失败：{name}：{error}").format(name=path.rsplit("/", 1)[-1], error=exc), True)
                continue
            ok += 1
            problems = "；".join(result.problems)
            self.message.emit(self.tr("CAP 已导入（{action}）{problems}").format(
                action=result.action, problems=problems), bool(problems))
            self.model.refresh(None)
            self._update_counts()
        return ok

    def export_csv(self, path: str) -> str | None:
        """Export the filtered queue (every member of every group, masked) through the core."""
        if not self._may("export"):
            self._refuse_role("export")
            return None
        try:
            written = self._core.exports.export_queue_csv(path, self.model.alert_ids())
        except Exception as exc:  # noqa: BLE001
            self.message.emit(str(exc), True)
            return None
        self.message.emit(self.tr("已导出：{path}").format(path=written), False)
        return str(written)

    def write_handover(self, path: str) -> str | None:
        """Write the 值班交接 report through the core."""
        if not self._may("export"):
            self._refuse_role("export")
            return None
        try:
            written = self._core.exports.write_handover(path)
        except Exception as exc:  # noqa: BLE001
            self.message.emit(str(exc), True)
            return None
        self.message.emit(self.tr("值班交接已生成：{path}").format(path=written), False)
        return str(written)

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
                     if a is not None and a.status == "new" and a.level in FLASH_COLOURS and a.id not in self._seen_flashing]
            if fresh:
                self._seen_flashing.update(a.id for a in fresh)
                QApplication.beep()

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
        if self.time_filter.currentData():
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
        flt = self.current_filter()
        war = self._incident_filter
        if war is not None:
            flt = replace(flt, categories=flt.categories or war.categories, streets=flt.streets or war.streets)
        self.model.set_filter(flt)
        self._update_counts()
        log.info("queue filter: %s", self.count_label.text())
        # New results open at their top (the most urgent), wherever the cursor was.
        self.table.scrollToTop()
        self.table.horizontalScrollBar().setValue(0)

    def active_filters(self) -> list[str]:
        """What narrows the queue now, as the operator reads it (search, each filter set,
        the wartime focus)."""
        parts: list[str] = []
        text = self.search.text().strip()
        if text:
            parts.append(self.tr("搜索“{text}”").format(text=text))
        for combo in (self.level_filter, self.source_filter, self.category_filter, self.street_filter,
                      self.community_filter, self.status_filter, self.time_filter):
            if combo.currentIndex() > 0:
                parts.append(combo.currentText())
        if self._incident_filter is not None:
            parts.append(self.tr("战时聚焦 {label}").format(label=self._incident_label))
        return parts

    def eventFilter(self, watched: Any, event: Any) -> bool:  # noqa: N802 (Qt's name)
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

    def _on_street_filter_changed(self, *_args: object) -> None:
        street = self.street_filter.currentData()
        self.community_filter.blockSignals(True)
        self.community_filter.clear()
        self.community_filter.addItem(self.tr("全部社区"), None)
        if street:
            from console import catalogue

            for s in catalogue.streets():
                if s.id == street:
                    for c in s.communities:
                        self.community_filter.addItem(self.model._names.community(c.id), c.id)
        self.community_filter.blockSignals(False)
        self._on_filter_changed()

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

    def _combo(self, name: str, all_text: str, items: list[tuple[str, str]]) -> QComboBox:
        combo = QComboBox(self)
        combo.setObjectName(name)
        combo.addItem(all_text, None)
        for text, value in items:
            combo.addItem(text, value)
        combo.currentIndexChanged.connect(self._on_filter_changed)
        return combo

    def _file_dialog(self, title: str, pattern: str, *, save: bool, on_files: Any, default: str = "") -> QFileDialog:
        folder, name = (os.path.dirname(default), os.path.basename(default)) if default else ("", "")
        dialog = QFileDialog(self, title, folder, pattern)
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave if save else QFileDialog.AcceptMode.AcceptOpen)
        dialog.setFileMode(QFileDialog.FileMode.AnyFile if save else QFileDialog.FileMode.ExistingFiles)
        if name:
            dialog.selectFile(name)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._dialogs.append(dialog)

        def done(result: int) -> None:
            files = dialog.selectedFiles()
            self._dialogs.remove(dialog)
            if result and files:
                on_files(files)

        dialog.finished.connect(done)
        dialog.open()
        return dialog

    def _pref(self, key: str, default: bool) -> bool:
        prefs = getattr(self._core, "preferences", None)
        try:
            raw = prefs.get(key) if prefs is not None else None
        except Exception:  # noqa: BLE001
            return default
        return default if not raw else raw in (b"1", "1")

    def _save_pref(self, key: str, on: bool) -> None:
        prefs = getattr(self._core, "preferences", None)
        if prefs is not None:
            try:
                prefs.put(key, "1" if on else "0")
            except Exception:  # noqa: BLE001
                log.exception("preference %s not saved", key)

    def _is_pending(self, alert_id: str) -> bool:
        pending = getattr(self._store, "pending", None)
        return bool(pending(alert_id)) if callable(pending) else False

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

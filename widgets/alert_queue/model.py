"""The queue's table model: one row per alert (or storm group) in the order the core's
``AlertQuery`` answers for the operator's filter.

The model resets only when the rows changed and otherwise emits one
``dataChanged``, so a storm of alerts costs a handful of repaints, never one per
message. Display strings are built once per alert revision (and clock tick) and
cached in a :class:`_Row`, which keeps ``data()`` — called from C++ for every cell
and role on every paint — cheap. The counts of the count line are the core's
(``console.alert_query.QueueCounts``).

``data()`` answers ``None`` (an invalid QVariant) for a role it does not fill:
Qt has no other "no value" for roles such as ``CheckStateRole`` or
``ForegroundRole``. PySide6 6.12.0 on Python 3.11 loses a reference to ``None``
on every such return (docs/pitfalls.md), which is why pyproject.toml pins
PySide6 below 6.12 on 3.11 and tests/ui/test_pyside_none_refcount.py drives a
model's ``data()`` from C++ tens of thousands of times.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QAbstractTableModel,
    QCoreApplication,
    QLocale,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QColor, QFont

from console.alert_query import AlertFilter, AlertQuery, PlaceNames, QueryResult, QueueCounts, flashes, time_text
from console.masking import mask_phone, mask_text
from console.models import Alert
from console.stores import AlertStore
from console.texts import render
from console.workflow import Limits, due_state
from district.vocabulary import DISTRICT_TZ
from widgets import theme
from widgets.alert_queue.names import LEVEL_NAMES, SOURCE_NAMES, STATUS_NAMES, due_text

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

PENDING_COLOUR = QColor(theme.ACCENT)
REFUSED_COLOUR = QColor("#ff5252")
NEW_COLOUR = QColor("#ffd180")
OVERDUE_COLOUR = QColor("#ff5252")
AMBER_COLOUR = QColor("#ffb300")
FLASH_COLOURS = {"red": QColor(200, 30, 30, 150), "orange": QColor(230, 120, 0, 140)}
"""The flash of each level in ``console.alert_query.FLASH_LEVELS``."""
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



class AlertQueueModel(QAbstractTableModel):
    """Table model over ``core.picture.alerts`` as ``AlertQuery`` orders, filters and groups it."""

    def __init__(self, store: AlertStore, parent: QObject | None = None, limits: Limits | None = None) -> None:
        super().__init__(parent)
        self._store = store
        # The catalogue carries both languages; follow the UI language in use.
        self.names = PlaceNames(english=QLocale().language() == QLocale.Language.English)
        self._limits = limits if limits is not None else Limits.from_catalogue()
        self.query = AlertQuery(store, self._limits, self.names.lookup)
        self.filter = AlertFilter()
        self.grouping = True
        self.expanded: set[int] = set()
        self.result: QueryResult | None = None
        self._ids: list[str] = []
        self._counts: list[int] = []
        self._kinds: list[int] = []
        self._index: dict[str, int] | None = None
        self._rows: dict[str, _Row] = {}
        self._counts_of = QueueCounts()
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
        if changed is None or len(changed) > max(1000, len(self._counts_of) // 2):
            self._rows.clear()
            self._recount()
            self.query.update(None)
        else:
            for alert_id in changed:
                self._rows.pop(alert_id, None)
                self._counts_of.update(alert_id, self._store.get(alert_id))
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
        c = self._counts_of
        return len(c), c.new, c.red_open

    def flashing(self) -> int:
        """New red/orange alerts not yet acknowledged (they flash)."""
        return self._counts_of.flashing

    def _recount(self) -> None:
        self._counts_of.reset(self._store.values())

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
        created = alert.created_at.astimezone(DISTRICT_TZ)
        tip = [mask_text(alert.title), created.strftime("%Y-%m-%d %H:%M:%S +08:00")]
        if alert.description:
            tip.append(mask_text(alert.description))
        if alert.reporter_phone:
            # Only ever the masked form: the full number is personal data.
            tip.append(QCoreApplication.translate("AlertQueuePanel", "报告人电话 {phone}").format(phone=mask_phone(alert.reporter_phone)))
        if self._is_overdue(alert):
            tip.append(QCoreApplication.translate("AlertQueuePanel", "超过签收时限未签收"))
        refusal = render(self._store.refusal(alert_id), QCoreApplication.translate)
        if refusal:
            tip.append(QCoreApplication.translate("AlertQueuePanel", "被拒绝：{reason}").format(reason=refusal))
        return "\n".join(tip)

    def _is_overdue(self, alert: Alert) -> bool:
        """A new alert older than its category's acknowledgement limit."""
        return alert.status == "new" and due_state(alert, self._limits, self._store.clock.gateway_now())[0] == "overdue"

    def refresh_ages(self) -> None:
        """Re-evaluate time-dependent display (countdowns, overdue) and move overdue rows up."""
        self._rows.clear()
        self.refresh(set())
        if self._ids:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._ids) - 1, len(COLUMN_TITLES) - 1))

    def _build(self, alert: Alert, count: int = 1, kind: int = 0) -> _Row:
        pending = list(self._store.pending(alert.id))
        refusal = render(self._store.refusal(alert.id), QCoreApplication.translate)
        status_text = _t(STATUS_NAMES.get(alert.status, alert.status))
        status_colour: QColor | None = NEW_COLOUR if alert.status == "new" else None
        if pending:
            pkind = pending[-1].kind
            status_text = _t(PENDING_NAMES.get(pkind, PENDING_OTHER))
            status_colour = PENDING_COLOUR
        elif refusal:
            status_text = f"{status_text} · {refusal}"
            status_colour = REFUSED_COLOUR
        state, left = due_state(alert, self._limits, self._store.clock.gateway_now())
        due_colour = {"overdue": OVERDUE_COLOUR, "amber": AMBER_COLOUR}.get(state)
        title = mask_text(alert.title)
        if kind == 1:
            title = QCoreApplication.translate("AlertQueuePanel", "〔{n} 条〕{title}").format(n=count, title=title)
        elif kind == 2:
            title = "　└ " + title
        texts = (
            _t(LEVEL_NAMES.get(alert.level, alert.level)),
            time_text(alert.created_at, self._store.clock.gateway_now()),
            _t(SOURCE_NAMES.get(alert.source, alert.source)),
            self.names.category(alert.category),
            self.names.street(alert.street),
            self.names.community(alert.community),
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
            flash=flashes(alert),
        )


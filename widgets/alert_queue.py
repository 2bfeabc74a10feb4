"""告警队列: the alert queue panel and its table model.

The model reads ``core.picture.alerts`` (an ``AlertStore``) in the urgency order the
store gives, and is told what changed by ``notifier.alerts_changed`` at most ten
times a second. It resets only when the order changed and otherwise emits one
``dataChanged`` over the changed rows, so a storm of alerts costs a handful of
repaints, never one per message. Display strings are built once per alert
revision and cached, which keeps ``data()`` (called from C++ for every cell and
role on every paint) cheap.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from typing import Any, NamedTuple

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QAbstractTableModel,
    QCoreApplication,
    QLocale,
    QModelIndex,
    QPersistentModelIndex,
    QRectF,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QBrush, QCloseEvent, QColor, QFont, QKeySequence, QPainter, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from widgets import theme

log = logging.getLogger(__name__)

CHINA_TZ = timezone(timedelta(hours=8), "CST")

CONTEXT = "AlertQueuePanel"

COLUMN_TITLES: tuple[str, ...] = (
    str(QT_TRANSLATE_NOOP("AlertQueuePanel", "级别")),
    str(QT_TRANSLATE_NOOP("AlertQueuePanel", "时间")),
    str(QT_TRANSLATE_NOOP("AlertQueuePanel", "来源")),
    str(QT_TRANSLATE_NOOP("AlertQueuePanel", "类别")),
    str(QT_TRANSLATE_NOOP("AlertQueuePanel", "街道")),
    str(QT_TRANSLATE_NOOP("AlertQueuePanel", "社区")),
    str(QT_TRANSLATE_NOOP("AlertQueuePanel", "状态")),
    str(QT_TRANSLATE_NOOP("AlertQueuePanel", "标题")),
)
COL_LEVEL, COL_TIME, COL_SOURCE, COL_CATEGORY, COL_STREET, COL_COMMUNITY, COL_STATUS, COL_TITLE = range(8)

LEVEL_NAMES: dict[str, str] = {
    "red": str(QT_TRANSLATE_NOOP("AlertQueuePanel", "红色")),
    "orange": str(QT_TRANSLATE_NOOP("AlertQueuePanel", "橙色")),
    "yellow": str(QT_TRANSLATE_NOOP("AlertQueuePanel", "黄色")),
    "blue": str(QT_TRANSLATE_NOOP("AlertQueuePanel", "蓝色")),
}
SOURCE_NAMES: dict[str, str] = {
    "hotline_12345": str(QT_TRANSLATE_NOOP("AlertQueuePanel", "12345热线")),
    "app_pingshan": str(QT_TRANSLATE_NOOP("AlertQueuePanel", "i坪山App")),
    "grid_patrol": str(QT_TRANSLATE_NOOP("AlertQueuePanel", "网格巡查")),
    "iot_threshold": str(QT_TRANSLATE_NOOP("AlertQueuePanel", "物联感知")),
    "video_ai": str(QT_TRANSLATE_NOOP("AlertQueuePanel", "视频AI")),
    "early_warning": str(QT_TRANSLATE_NOOP("AlertQueuePanel", "预警发布")),
}
STATUS_NAMES: dict[str, str] = {
    "new": str(QT_TRANSLATE_NOOP("AlertQueuePanel", "待签收")),
    "acknowledged": str(QT_TRANSLATE_NOOP("AlertQueuePanel", "已签收")),
    "dispatched": str(QT_TRANSLATE_NOOP("AlertQueuePanel", "已分拨")),
    "in_progress": str(QT_TRANSLATE_NOOP("AlertQueuePanel", "处置中")),
    "resolved": str(QT_TRANSLATE_NOOP("AlertQueuePanel", "已办结")),
    "closed": str(QT_TRANSLATE_NOOP("AlertQueuePanel", "已闭环")),
}
PENDING_NAMES: dict[str, str] = {
    "alert.acknowledge": str(QT_TRANSLATE_NOOP("AlertQueuePanel", "签收中…")),
    "alert.dispatch": str(QT_TRANSLATE_NOOP("AlertQueuePanel", "分拨中…")),
    "alert.start": str(QT_TRANSLATE_NOOP("AlertQueuePanel", "启动处置中…")),
    "alert.resolve": str(QT_TRANSLATE_NOOP("AlertQueuePanel", "办结中…")),
    "alert.close": str(QT_TRANSLATE_NOOP("AlertQueuePanel", "闭环中…")),
}
PENDING_OTHER = str(QT_TRANSLATE_NOOP("AlertQueuePanel", "提交中…"))

AGE_REFRESH_MS = 30_000
"""How often overdue marks are re-evaluated."""

OPEN_STATUSES = frozenset({"new", "acknowledged", "dispatched", "in_progress"})
"""Statuses still asking for work; resolved/closed alerts do not count as open."""

STATUS_RANK: dict[str, int] = {"new": 0, "acknowledged": 1, "dispatched": 2, "in_progress": 3, "resolved": 4, "closed": 5}
LEVEL_RANK: dict[str, int] = {"red": 0, "orange": 1, "yellow": 2, "blue": 3}

PENDING_COLOUR = QColor(theme.ACCENT)
REFUSED_COLOUR = QColor("#ff5252")
NEW_COLOUR = QColor("#ffd180")
OVERDUE_COLOUR = QColor("#ff5252")
DONE_COLOUR = QColor(theme.TEXT_DIM)


def _t(text: str) -> str:
    return QCoreApplication.translate(CONTEXT, text)


def _field(obj: Any, name: str, default: Any = None) -> Any:
    """Read a catalogue field whether the loader hands out objects or dicts."""
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


class PlaceNames:
    """Chinese names of categories, streets and communities from ``console.catalogue``.

    Unknown ids fall back to the id itself, so a gateway ahead of the bundled
    catalogue still shows something meaningful.
    """

    def __init__(self) -> None:
        # The catalogue carries both languages; follow the UI language in use.
        name = "name_en" if QLocale().language() == QLocale.Language.English else "name_zh"
        self.categories: dict[str, str] = {}
        self.streets: dict[str, str] = {}
        self.communities: dict[str, str] = {}
        self.ack_limits_s: dict[str, float] = {}
        try:
            from console import catalogue

            for cat in catalogue.categories():
                self.categories[str(_field(cat, "id"))] = str(_field(cat, name) or _field(cat, "id"))
                limit = _field(cat, "ack_limit_min")
                if limit:
                    self.ack_limits_s[str(_field(cat, "id"))] = float(limit) * 60.0
            for street in catalogue.streets():
                self.streets[str(_field(street, "id"))] = str(_field(street, name) or _field(street, "id"))
                for comm in _field(street, "communities", ()) or ():
                    self.communities[str(_field(comm, "id"))] = str(_field(comm, name) or _field(comm, "id"))
        except Exception:  # the catalogue is static data; a broken one must not stop the queue
            log.exception("catalogue names unavailable; showing ids")

    def category(self, cid: str | None) -> str:
        return self.categories.get(cid or "", cid or "")

    def street(self, sid: str | None) -> str:
        return self.streets.get(sid or "", sid or "")

    def community(self, cid: str | None) -> str:
        return self.communities.get(cid or "", cid or "")


class _Row(NamedTuple):
    """Everything one table row shows, computed once per alert revision."""

    alert_id: str
    rev: int
    level: str
    status: str
    texts: tuple[str, ...]
    status_colour: QColor | None
    bold: bool
    overdue: bool
    pending: bool
    refused: bool


def urgency_key(alert: Any) -> tuple[int, int, float]:
    """Open before done, new before taken, red before blue, newest first."""
    created = getattr(alert, "created_at", None)
    stamp = created.timestamp() if isinstance(created, datetime) else 0.0
    return (STATUS_RANK.get(alert.status, 9), LEVEL_RANK.get(alert.level, 9), -stamp)


class AlertQueueModel(QAbstractTableModel):
    """Table model over ``core.picture.alerts`` in urgency order."""

    def __init__(self, store: Any, parent: Any = None) -> None:
        super().__init__(parent)
        self._store = store
        self._names = PlaceNames()
        self._ids: list[str] = []
        self._index: dict[str, int] = {}
        self._rows: dict[str, _Row] = {}
        # (status, level) per alert, kept up to date from the change sets so the count
        # line costs O(changed) per update instead of a pass over the whole store.
        self._kinds: dict[str, tuple[str, str]] = {}
        self._new = 0
        self._red_open = 0
        self.resets = 0
        """How many times the order changed (a measure for tests and benches)."""
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
            if col == COL_TIME and row.overdue:
                return OVERDUE_COLOUR
            if row.status in ("resolved", "closed"):
                return DONE_COLOUR
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

    def row_of(self, alert_id: str) -> int:
        """The row showing ``alert_id``, or -1."""
        return self._index.get(alert_id, -1)

    def row_texts(self, row: int) -> tuple[str, ...]:
        """The texts of a row, column by column (empty outside the table)."""
        r = self._row_at(row)
        return r.texts if r is not None else ()

    def refresh(self, changed: set[str] | None) -> None:
        """Bring the table up to date after ``changed`` alerts (None = everything).

        One reset when the order changed, else one ``dataChanged`` spanning the
        changed rows.
        """
        if changed is None or len(changed) > max(1000, len(self._kinds) // 2):
            # A snapshot or a first flood: one pass beats bookkeeping per id.
            self._rows.clear()
            self._recount()
        else:
            for alert_id in changed:
                self._rows.pop(alert_id, None)
                self._count(alert_id)
        order = self._order()
        if order != self._ids:
            self.beginResetModel()
            self._ids = order
            self._index = {aid: i for i, aid in enumerate(order)}
            self.endResetModel()
            self.resets += 1
            return
        rows = [self._index[a] for a in (changed or ()) if a in self._index]
        if rows:
            top = self.index(min(rows), 0)
            bottom = self.index(max(rows), len(COLUMN_TITLES) - 1)
            self.dataChanged.emit(top, bottom)

    def counts(self) -> tuple[int, int, int]:
        """(all alerts, awaiting acknowledgement, red ones still open)."""
        return len(self._kinds), self._new, self._red_open

    def _recount(self) -> None:
        self._kinds.clear()
        self._new = self._red_open = 0
        for alert in self._store.values():
            self._add_kind(alert.id, alert.status, alert.level)

    def _count(self, alert_id: str) -> None:
        old = self._kinds.pop(alert_id, None)
        if old is not None:
            status, level = old
            self._new -= status == "new"
            self._red_open -= level == "red" and status in OPEN_STATUSES
        alert = self._store.get(alert_id)
        if alert is not None:
            self._add_kind(alert_id, alert.status, alert.level)

    def _add_kind(self, alert_id: str, status: str, level: str) -> None:
        self._kinds[alert_id] = (status, level)
        self._new += status == "new"
        self._red_open += level == "red" and status in OPEN_STATUSES

    # ------------------------------------------------------------------ internals

    def _order(self) -> list[str]:
        ordered = getattr(self._store, "ordered", None)
        if callable(ordered):
            items = list(ordered())
        else:  # a store without an order of its own: sort here (small queues only)
            items = sorted(self._store.values(), key=urgency_key)
        if not items or isinstance(items[0], str):
            return items  # AlertStore.ordered() gives ids already
        return [item.id for item in items]

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
        built = self._build(alert)
        self._rows[alert_id] = built
        return built

    def _tooltip(self, alert_id: str) -> str | None:
        """Title, full time, description, masked reporter phone, refusal; built on hover only."""
        alert = self._store.get(alert_id)
        if alert is None:
            return None
        created = alert.created_at.astimezone(CHINA_TZ)
        tip = [alert.title, created.strftime("%Y-%m-%d %H:%M:%S +08:00")]
        if alert.description:
            tip.append(alert.description)
        if alert.reporter_phone:
            # Only ever the masked form: the full number is personal data.
            from console.masking import mask_phone

            tip.append(QCoreApplication.translate("AlertQueuePanel", "报告人电话 {phone}").format(phone=mask_phone(alert.reporter_phone)))
        if self._is_overdue(alert):
            tip.append(QCoreApplication.translate("AlertQueuePanel", "超过签收时限未签收"))
        refusal = self._store.refusal(alert_id) if hasattr(self._store, "refusal") else None
        if refusal:
            tip.append(QCoreApplication.translate("AlertQueuePanel", "被拒绝：{reason}").format(reason=refusal))
        return "\n".join(tip)

    def _is_overdue(self, alert: Any) -> bool:
        """A new alert older than its category's acknowledgement limit."""
        if alert.status != "new":
            return False
        limit = self._names.ack_limits_s.get(alert.category)
        if limit is None:
            return False
        return (datetime.now(timezone.utc) - alert.created_at).total_seconds() > limit

    def refresh_ages(self) -> None:
        """Re-evaluate time-dependent display (overdue) for every row: one dataChanged."""
        self._rows.clear()
        if self._ids:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._ids) - 1, len(COLUMN_TITLES) - 1))

    def _build(self, alert: Any) -> _Row:
        created = alert.created_at.astimezone(CHINA_TZ)
        pending = list(self._store.pending(alert.id)) if hasattr(self._store, "pending") else []
        refusal = self._store.refusal(alert.id) if hasattr(self._store, "refusal") else None
        status_text = _t(STATUS_NAMES.get(alert.status, alert.status))
        status_colour: QColor | None = NEW_COLOUR if alert.status == "new" else None
        if pending:
            kind = getattr(pending[-1], "kind", "")
            status_text = _t(PENDING_NAMES.get(kind, PENDING_OTHER))
            status_colour = PENDING_COLOUR
        elif refusal:
            status_text = f"{status_text} · {refusal}"
            status_colour = REFUSED_COLOUR
        texts = (
            _t(LEVEL_NAMES.get(alert.level, alert.level)),
            created.strftime("%H:%M:%S"),
            _t(SOURCE_NAMES.get(alert.source, alert.source)),
            self._names.category(alert.category),
            self._names.street(alert.street),
            self._names.community(alert.community),
            status_text,
            alert.title,
        )
        return _Row(
            alert_id=alert.id,
            rev=alert.rev,
            level=alert.level,
            status=alert.status,
            texts=texts,
            status_colour=status_colour,
            bold=alert.status == "new" and alert.level in ("red", "orange"),
            overdue=self._is_overdue(alert),
            pending=bool(pending),
            refused=bool(refusal),
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


class AlertQueuePanel(QWidget):
    """告警队列: alerts in urgency order, 签收 with Ctrl+Enter or Space.

    Emits ``alert_selected(alert_id)`` when the operator picks an alert (the main
    window routes it to the map and the video wall) and ``message(text, error)``
    for the status bar.
    """

    alert_selected = Signal(str)
    message = Signal(str, bool)

    def __init__(self, core: Any, notifier: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("AlertQueuePanel")
        self._core = core
        self._notifier = notifier
        self._store = core.picture.alerts
        self._selected_before_reset: str | None = None

        self.model = AlertQueueModel(self._store, self)

        self.table = QTableView(self)
        self.table.setObjectName("AlertTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.setSortingEnabled(False)  # the store orders; a sort proxy would freeze big queues
        self.table.verticalHeader().hide()
        # Fixed row heights: Qt then never measures rows, which keeps big queues fast.
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(28)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        widths = (64, 78, 104, 110, 64, 64, 150)
        for col, width in enumerate(widths):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
            self.table.setColumnWidth(col, width)
        header.setStretchLastSection(True)
        self.table.setItemDelegateForColumn(COL_LEVEL, LevelPillDelegate(self.table))

        self.count_label = QLabel(self)
        self.count_label.setObjectName("AlertCountLine")
        self.ack_button = QPushButton(self.tr("签收"), self)
        self.ack_button.setObjectName("AcknowledgeButton")
        self.ack_button.setToolTip(self.tr("签收所选告警（Ctrl+Enter 或 空格）"))
        self.ack_button.clicked.connect(self._on_acknowledge_clicked)

        top = QHBoxLayout()
        top.setContentsMargins(6, 4, 6, 0)
        top.addWidget(self.count_label, 1)
        top.addWidget(self.ack_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)

        ctx = Qt.ShortcutContext.WidgetWithChildrenShortcut
        self._shortcuts = []
        for seq in (QKeySequence("Ctrl+Return"), QKeySequence("Ctrl+Enter"), QKeySequence(Qt.Key.Key_Space)):
            sc = QShortcut(seq, self)
            sc.setContext(ctx)
            sc.activated.connect(self._on_acknowledge_clicked)
            self._shortcuts.append(sc)

        self.model.modelAboutToBeReset.connect(self._on_model_about_to_reset)
        self.model.modelReset.connect(self._on_model_reset)
        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        notifier.alerts_changed.connect(self._on_alerts_changed)
        # Overdue marks depend on the clock, not only on store changes.
        self._age_timer = QTimer(self)
        self._age_timer.setInterval(AGE_REFRESH_MS)
        self._age_timer.timeout.connect(self._on_clock_changed)
        self._age_timer.start()
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
        """Put the cursor on ``alert_id``; False when it is not in the queue."""
        row = self.model.row_of(alert_id)
        if row < 0:
            return False
        self.table.selectRow(row)
        self.table.scrollTo(self.model.index(row, 0))
        return True

    def acknowledge_selected(self) -> bool:
        """Submit 签收 for the selected alert; False when there is nothing to take."""
        alert_id = self.selected_alert_id()
        if alert_id is None:
            return False
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
        self.message.emit(self.tr("已提交签收：{title}").format(title=alert.title), False)
        return True

    # ------------------------------------------------------------------ slots

    def _on_alerts_changed(self, changed: object) -> None:
        ids = set(changed) if isinstance(changed, (set, frozenset, list, tuple)) else None
        self.model.refresh(ids)
        self._update_counts()
        self._update_button()

    def _on_clock_changed(self) -> None:
        self.model.refresh_ages()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt's name)
        """Stop listening to the core when the panel goes away."""
        self._age_timer.stop()
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

    def _is_pending(self, alert_id: str) -> bool:
        pending = getattr(self._store, "pending", None)
        return bool(pending(alert_id)) if callable(pending) else False

    def _update_counts(self) -> None:
        total, new, red = self.model.counts()
        self.count_label.setText(self.tr("共 {total} 条 · 待签收 {new} · 红色 {red}").format(total=total, new=new, red=red))
        urgent = red > 0
        if self.count_label.property("urgent") != urgent:
            self.count_label.setProperty("urgent", urgent)
            self.count_label.style().unpolish(self.count_label)
            self.count_label.style().polish(self.count_label)

    def _update_button(self) -> None:
        alert_id = self.selected_alert_id()
        alert = self._store.get(alert_id) if alert_id else None
        self.ack_button.setEnabled(alert is not None and alert.status == "new" and not self._is_pending(alert_id or ""))

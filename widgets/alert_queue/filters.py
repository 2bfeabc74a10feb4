"""The queue's filter bar: the search box and the filter boxes (level, source, category,
street, community, status, time window).

The bar only describes a filter: :meth:`QueueFilterBar.current_filter` asks the core
(``console.alert_query.filter_from_choices``) for the ``AlertFilter`` its boxes
describe, and ``changed`` fires when a box changes (the search after a short pause,
not on every key). Its texts are translated in the queue's context
("AlertQueuePanel"), where the catalogue has them.
"""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QSize, QTimer, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QComboBox, QGridLayout, QLayout, QLineEdit, QSizePolicy, QWidget

from console import catalogue
from console.alert_query import OPEN_CHOICE, AlertFilter, PlaceNames, filter_from_choices
from widgets.alert_queue.names import LEVEL_NAMES, SOURCE_NAMES, STATUS_NAMES

CONTEXT = "AlertQueuePanel"

SEARCH_MIN_WIDTH = 170
"""The search box keeps room for a few words on the smallest duty screen."""

FILTER_MIN_CHARS = 4
"""Filter boxes narrow down to about three Chinese characters (the list shows whole names)."""

SEARCH_DELAY_MS = 250
"""Typing in the search box re-queries after this pause, not on every key."""

TIME_WINDOWS: tuple[tuple[str, float | None], ...] = (
    (str(QT_TRANSLATE_NOOP("AlertQueuePanel", "全部时间")), None),
    (str(QT_TRANSLATE_NOOP("AlertQueuePanel", "近1小时")), 3600.0),
    (str(QT_TRANSLATE_NOOP("AlertQueuePanel", "近8小时")), 8 * 3600.0),
    (str(QT_TRANSLATE_NOOP("AlertQueuePanel", "近24小时")), 86400.0),
    (str(QT_TRANSLATE_NOOP("AlertQueuePanel", "近7天")), 7 * 86400.0),
)


def _t(text: str) -> str:
    return QCoreApplication.translate(CONTEXT, text)


class QueueFilterBar(QWidget):
    """The search box and the filter boxes: one row when the panel is wide enough, else
    two (search and three filters, then four). Its minimum width is the two-row one,
    so a narrow screen can always shrink the panel to it."""

    SPLIT = 3  # filters on the first row beside the search in two-row mode

    changed = Signal()
    """The filter the boxes describe changed."""

    def __init__(self, names: PlaceNames, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("AlertFilterBar")
        self._names = names
        self.search = QLineEdit(self)
        self.search.setObjectName("AlertSearch")
        self.search.setPlaceholderText(QCoreApplication.translate("AlertQueuePanel", "搜索标题、描述、地点、单位、备注…（Ctrl+F）"))
        self.search.setClearButtonEnabled(True)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.changed)
        self.search.textChanged.connect(lambda _t: self._search_timer.start())
        self.level_filter = self._combo("LevelFilter", QCoreApplication.translate("AlertQueuePanel", "全部级别"),
                                        [(_t(v), k) for k, v in LEVEL_NAMES.items()])
        self.source_filter = self._combo("SourceFilter", QCoreApplication.translate("AlertQueuePanel", "全部来源"),
                                         [(_t(v), k) for k, v in SOURCE_NAMES.items()])
        self.category_filter = self._combo("CategoryFilter", QCoreApplication.translate("AlertQueuePanel", "全部类别"),
                                           sorted(((v, k) for k, v in names.categories.items())))
        self.street_filter = self._combo("StreetFilter", QCoreApplication.translate("AlertQueuePanel", "全部街道"),
                                         [(v, k) for k, v in names.streets.items()])
        self.community_filter = self._combo("CommunityFilter", QCoreApplication.translate("AlertQueuePanel", "全部社区"), [])
        self.status_filter = self._combo("StatusFilter", QCoreApplication.translate("AlertQueuePanel", "全部状态"),
                                         [(QCoreApplication.translate("AlertQueuePanel", "未办结"), OPEN_CHOICE)]
                                         + [(_t(v), k) for k, v in STATUS_NAMES.items()])
        self.time_filter = QComboBox(self)
        self.time_filter.setObjectName("TimeFilter")
        for text, seconds in TIME_WINDOWS:
            self.time_filter.addItem(_t(text), seconds)
        self.time_filter.currentIndexChanged.connect(self.changed)
        self.street_filter.currentIndexChanged.connect(self._on_street_filter_changed)

        # The search never collapses; the filter boxes may narrow (their lists still show
        # whole names) and go to a second row, so that the queue fits a 1280 px screen
        # beside the right column (issue 21).
        self.search.setMinimumWidth(SEARCH_MIN_WIDTH)
        self.combos: tuple[QComboBox, ...] = (
            self.level_filter, self.source_filter, self.category_filter, self.street_filter,
            self.community_filter, self.status_filter, self.time_filter)
        for combo in self.combos:
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(FILTER_MIN_CHARS)
            combo.setToolTip(combo.currentText())
            combo.currentTextChanged.connect(combo.setToolTip)

        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(6, 4, 6, 0)
        self._grid.setHorizontalSpacing(6)
        self._grid.setVerticalSpacing(2)
        self._grid.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.two_rows: bool | None = None
        self._place(False)

    # ------------------------------------------------------------------ the filter

    def current_filter(self) -> AlertFilter:
        """The filter the boxes describe (a time window ends now)."""
        return filter_from_choices(
            level=self.level_filter.currentData(), source=self.source_filter.currentData(),
            category=self.category_filter.currentData(), street=self.street_filter.currentData(),
            community=self.community_filter.currentData(), status=self.status_filter.currentData(),
            window_s=self.time_filter.currentData(), text=self.search.text())

    def has_time_window(self) -> bool:
        """Whether a time window is chosen (it slides with the clock)."""
        return bool(self.time_filter.currentData())

    def active_texts(self) -> list[str]:
        """What narrows the queue now, as the operator reads it: the search, then each
        filter box that is not on 全部…."""
        parts: list[str] = []
        text = self.search.text().strip()
        if text:
            parts.append(QCoreApplication.translate("AlertQueuePanel", "搜索“{text}”").format(text=text))
        for combo in self.combos:
            if combo.currentIndex() > 0:
                parts.append(combo.currentText())
        return parts

    def _combo(self, name: str, all_text: str, items: list[tuple[str, str]]) -> QComboBox:
        combo = QComboBox(self)
        combo.setObjectName(name)
        combo.addItem(all_text, None)
        for text, value in items:
            combo.addItem(text, value)
        combo.currentIndexChanged.connect(self.changed)
        return combo

    def _on_street_filter_changed(self, *_args: object) -> None:
        street = self.street_filter.currentData()
        self.community_filter.blockSignals(True)
        self.community_filter.clear()
        self.community_filter.addItem(QCoreApplication.translate("AlertQueuePanel", "全部社区"), None)
        if street:
            for s in catalogue.streets():
                if s.id == street:
                    for c in s.communities:
                        self.community_filter.addItem(self._names.community(c.id), c.id)
        self.community_filter.blockSignals(False)
        self.changed.emit()

    # ------------------------------------------------------------------ layout

    def _width_of(self, widgets: list[QWidget]) -> int:
        m = self._grid.contentsMargins()
        return (m.left() + m.right() + self._grid.horizontalSpacing() * (len(widgets) - 1)
                + sum(max(w.minimumWidth(), w.minimumSizeHint().width()) for w in widgets))

    def one_row_width(self) -> int:
        """The narrowest the bar can be on one row."""
        return self._width_of([self.search, *self.combos])

    def two_row_width(self) -> int:
        """The narrowest the bar can be on two rows."""
        first = [self.search, *self.combos[:self.SPLIT]]
        second = list(self.combos[self.SPLIT:])
        return max(self._width_of(first), self._width_of(second))

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        return QSize(self.two_row_width(), super().minimumSizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt's name)
        self._place(event.size().width() < self.one_row_width())
        super().resizeEvent(event)

    def _place(self, two_rows: bool) -> None:
        if two_rows == self.two_rows:
            return
        self.two_rows = two_rows
        grid = self._grid
        for w in (self.search, *self.combos):
            grid.removeWidget(w)
        for col in range(grid.columnCount()):
            grid.setColumnStretch(col, 0)
        if two_rows:
            grid.addWidget(self.search, 0, 0)
            for i, combo in enumerate(self.combos[:self.SPLIT]):
                grid.addWidget(combo, 0, 1 + i)
            # The second row starts under the search (which is the widest box).
            for i, combo in enumerate(self.combos[self.SPLIT:]):
                grid.addWidget(combo, 1, i)
            for col in range(self.SPLIT + 1):
                grid.setColumnStretch(col, 2 if col == 0 else 1)
        else:
            grid.addWidget(self.search, 0, 0)
            for i, combo in enumerate(self.combos):
                grid.addWidget(combo, 0, 1 + i)
            grid.setColumnStretch(0, 3)
            for col in range(1, len(self.combos) + 1):
                grid.setColumnStretch(col, 1)
        self.updateGeometry()

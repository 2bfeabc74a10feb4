"""The header strip above the main window's docks: district, mode pill, operator, clock.

:class:`HeaderStrip` shows 坪山区城市运行指挥中心, the operating mode (平时/战时/演练,
set by the main window from the picture), the signed-in operator and a clock that
ticks every second in the district's time zone.
"""

from __future__ import annotations

from datetime import datetime, timezone

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt, QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from district.vocabulary import DISTRICT_TZ

WEEKDAYS: tuple[str, ...] = (
    str(QT_TRANSLATE_NOOP("HeaderStrip", "星期一")),
    str(QT_TRANSLATE_NOOP("HeaderStrip", "星期二")),
    str(QT_TRANSLATE_NOOP("HeaderStrip", "星期三")),
    str(QT_TRANSLATE_NOOP("HeaderStrip", "星期四")),
    str(QT_TRANSLATE_NOOP("HeaderStrip", "星期五")),
    str(QT_TRANSLATE_NOOP("HeaderStrip", "星期六")),
    str(QT_TRANSLATE_NOOP("HeaderStrip", "星期日")),
)


class HeaderStrip(QWidget):
    """District name, mode pill (平时/战时/演练), operator and a ticking clock."""

    def __init__(self, operator: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("HeaderStrip")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.title = QLabel(self.tr("坪山区城市运行指挥中心"), self)
        self.title.setObjectName("HeaderTitle")
        self.subtitle = QLabel(self.tr("一网统管 · 平战结合 · 区级值班台"), self)
        self.subtitle.setObjectName("HeaderSubtitle")
        self.mode = QLabel(self)
        self.mode.setObjectName("HeaderMode")
        # The core's default operator is the role itself (值班员); do not print it twice.
        shown = operator if operator in ("", "值班员") else self.tr("值班员 {name}").format(name=operator)
        self.operator = QLabel(shown, self)
        self.operator.setObjectName("HeaderSubtitle")
        self.date = QLabel(self)
        self.date.setObjectName("HeaderSubtitle")
        self.clock = QLabel(self)
        self.clock.setObjectName("HeaderClock")

        titles = QVBoxLayout()
        titles.setSpacing(0)
        titles.addWidget(self.title)
        titles.addWidget(self.subtitle)
        row = QHBoxLayout(self)
        row.setContentsMargins(14, 6, 14, 6)
        row.addLayout(titles)
        row.addSpacing(24)
        row.addWidget(self.mode, 0, Qt.AlignmentFlag.AlignVCenter)
        row.addStretch(1)
        row.addWidget(self.operator, 0, Qt.AlignmentFlag.AlignVCenter)
        row.addSpacing(18)
        row.addWidget(self.date, 0, Qt.AlignmentFlag.AlignVCenter)
        row.addSpacing(10)
        row.addWidget(self.clock, 0, Qt.AlignmentFlag.AlignVCenter)

        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self._on_clock_changed)
        self._timer.start()
        self._on_clock_changed()
        self.set_mode("peacetime")

    def set_mode(self, mode: str) -> None:
        """Show the operating mode: peacetime, wartime or drill."""
        names = {"peacetime": self.tr("平时"), "wartime": self.tr("战时"), "drill": self.tr("演练")}
        self.mode.setText(names.get(mode, mode))
        if self.mode.property("mode") != mode:
            self.mode.setProperty("mode", mode)
            self.mode.style().unpolish(self.mode)
            self.mode.style().polish(self.mode)

    def mode_text(self) -> str:
        """The mode pill's text."""
        return self.mode.text()

    def _on_clock_changed(self) -> None:
        now = datetime.now(timezone.utc).astimezone(DISTRICT_TZ)
        self.clock.setText(now.strftime("%H:%M:%S"))
        weekday = QCoreApplication.translate("HeaderStrip", WEEKDAYS[now.weekday()])
        self.date.setText(self.tr("{y}年{m}月{d}日 {w}").format(y=now.year, m=now.month, d=now.day, w=weekday))

"""告警队列: the alert queue panel, its table, filters and the detail pane beside it.

The public widget is :class:`AlertQueuePanel` (``AlertQueuePanel(core, notifier)``);
the rest is what the main window, the wall and the tests read from it.

Modules:

- ``panel`` — :class:`AlertQueuePanel`: places the filter bar, the count line, the
  acknowledge buttons, the table and the detail pane; coalesces store changes into
  a bounded number of refreshes; keyboard shortcuts; flash and beep preferences.
- ``model`` — :class:`AlertQueueModel`: the Qt table model over the order the core's
  ``console.alert_query.AlertQuery`` answers; cached row texts and colours.
- ``delegate`` — painting delegates (the 级别 cell as a pill).
- ``filters`` — the search box and filter boxes, turned into an ``AlertFilter`` by the core.
- ``files`` — CAP imports, the CSV export and the 值班交接 report, through core services.
- ``detail`` — :class:`AlertDetailPane`: every field of one alert, its actions,
  timeline, cameras and device chart.
- ``names`` — display names of levels, sources and statuses, and the countdown texts.

The rules behind the views (order, filters, storm groups, counts, countdowns, which
cameras, what a command carries) are the core's: ``console.alert_query`` and
``console.workflow``.
"""

from widgets.alert_queue.detail import AlertDetailPane
from widgets.alert_queue.filters import SEARCH_MIN_WIDTH
from widgets.alert_queue.model import (
    COL_CATEGORY,
    COL_COMMUNITY,
    COL_DUE,
    COL_LEVEL,
    COL_SOURCE,
    COL_STATUS,
    COL_STREET,
    COL_TIME,
    COL_TITLE,
    OVERDUE_COLOUR,
    REFUSED_COLOUR,
    AlertQueueModel,
)
from widgets.alert_queue.names import LEVEL_NAMES, SOURCE_NAMES, STATUS_NAMES
from widgets.alert_queue.panel import TITLE_MIN_WIDTH, AlertQueuePanel

__all__ = [
    "COL_CATEGORY",
    "COL_COMMUNITY",
    "COL_DUE",
    "COL_LEVEL",
    "COL_SOURCE",
    "COL_STATUS",
    "COL_STREET",
    "COL_TIME",
    "COL_TITLE",
    "LEVEL_NAMES",
    "OVERDUE_COLOUR",
    "REFUSED_COLOUR",
    "SEARCH_MIN_WIDTH",
    "SOURCE_NAMES",
    "STATUS_NAMES",
    "TITLE_MIN_WIDTH",
    "AlertDetailPane",
    "AlertQueueModel",
    "AlertQueuePanel",
]

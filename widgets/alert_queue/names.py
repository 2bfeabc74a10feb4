"""Display names of an alert's level, source and status, and the countdown text.

Shared by the queue (``widgets.alert_queue``) and the detail pane
(``widgets.alert_detail``), which both show them; translated in the queue's context.
"""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

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


def span_text(seconds: float) -> str:
    """``1:05`` (h:mm) under a day, ``2天14时`` beyond: long limits stay readable."""
    minutes = int(abs(seconds) // 60)
    hours = minutes // 60
    if hours >= 24:
        return QCoreApplication.translate("AlertQueuePanel", "{d}天{h}时").format(d=hours // 24, h=hours % 24)
    return f"{hours}:{minutes % 60:02d}"

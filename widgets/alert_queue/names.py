"""Display names of an alert's level, source and status, and the countdown texts.

Shared by the queue (``widgets.alert_queue.model``) and the detail pane
(``widgets.alert_queue.detail``), which both show them; translated in the queue's
context ("AlertQueuePanel"). The arithmetic of a countdown is the core's
(``console.workflow.span_parts``); only the words are here.
"""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from console.workflow import span_parts

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
    days, hours, minutes = span_parts(seconds)
    if days:
        return QCoreApplication.translate("AlertQueuePanel", "{d}天{h}时").format(d=days, h=hours)
    return f"{hours}:{minutes:02d}"


def due_text(seconds: float | None) -> str:
    """The countdown cell: ``剩 1:05`` (h:mm) or ``超时 0:12``; empty when no limit runs."""
    if seconds is None:
        return ""
    return (QCoreApplication.translate("AlertQueuePanel", "超时 {t}") if seconds < 0
            else QCoreApplication.translate("AlertQueuePanel", "剩 {t}")).format(t=span_text(seconds))

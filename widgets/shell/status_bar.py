"""The console's status bar: connection state, backend, data age, queues, messages.

It reads ``core.picture.connection`` (a ``ConnectionState``) when the notifier says
the connection changed, and once a second so that ages keep counting while the
stream is silent.
"""

from __future__ import annotations

import html
import logging
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlparse

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QTimer
from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

from console.clock import freshness
from console.runtime import ConsoleCore
from console.stores import ConnectionState
from console.texts import DisplayText, render
from district.vocabulary import DISTRICT_TZ
from widgets import theme
from widgets.bridge import PictureNotifier

log = logging.getLogger(__name__)


STATE_NAMES: dict[str, str] = {
    "connecting": str(QT_TRANSLATE_NOOP("ConsoleStatusBar", "连接中")),
    "live": str(QT_TRANSLATE_NOOP("ConsoleStatusBar", "在线")),
    "reconnecting": str(QT_TRANSLATE_NOOP("ConsoleStatusBar", "重连中")),
    "offline": str(QT_TRANSLATE_NOOP("ConsoleStatusBar", "离线")),
    "held": str(QT_TRANSLATE_NOOP("ConsoleStatusBar", "暂停接收")),  # the local disk cannot journal more
    "replay": str(QT_TRANSLATE_NOOP("ConsoleStatusBar", "回放")),
    "drill": str(QT_TRANSLATE_NOOP("ConsoleStatusBar", "演练")),
    "demo": str(QT_TRANSLATE_NOOP("ConsoleStatusBar", "演示数据")),  # ConnectionState.data_mode (issue 19)
    "unconfigured": str(QT_TRANSLATE_NOOP("ConsoleStatusBar", "未配置网关")),
}
"""Connection states in the operator's words."""

def detail_text(conn: ConnectionState) -> str:
    """The connection's detail in the UI's language: its code through the translator,
    else the core's plain ``detail``."""
    if isinstance(conn.detail_text, DisplayText):
        return render(conn.detail_text, QCoreApplication.translate)
    return conn.detail or ""


def translated(text: DisplayText | str | None) -> str:
    """A text from the core in the UI's language (a plain string is data, shown as is)."""
    return render(text, QCoreApplication.translate)




def as_datetime(value: Any) -> datetime | None:
    """A timezone-aware datetime from a datetime or an epoch number; None otherwise."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if isinstance(value, (int, float)):
        try:
            return datetime.fromtimestamp(float(value), timezone.utc)
        except (OverflowError, OSError, ValueError):
            return None
    return None


def clock_text(value: Any, seconds: bool = False) -> str:
    """HH:MM (or HH:MM:SS) in Beijing time, or "--:--" when unknown."""
    dt = as_datetime(value)
    if dt is None:
        return "--:--:--" if seconds else "--:--"
    return dt.astimezone(DISTRICT_TZ).strftime("%H:%M:%S" if seconds else "%H:%M")


class ConsoleStatusBar(QStatusBar):
    """Connection state with a coloured dot, backend host, data age, dead letters,
    unsent commands, the connection detail, and transient messages."""

    def __init__(self, core: ConsoleCore, notifier: PictureNotifier, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._core = core
        self._notifier = notifier
        self.setSizeGripEnabled(False)

        self._state_label = QLabel(self)
        self._state_label.setObjectName("StatusState")
        self._backend_label = QLabel(self)
        self._backend_label.setObjectName("StatusBackend")
        self._age_label = QLabel(self)
        self._age_label.setObjectName("StatusAge")
        self._dead_label = QLabel(self)
        self._dead_label.setObjectName("StatusDeadLetters")
        self._outbox_label = QLabel(self)
        self._outbox_label.setObjectName("StatusOutbox")
        self._detail_label = QLabel(self)
        self._detail_label.setObjectName("StatusDetail")
        self._message_label = QLabel(self)
        self._message_label.setObjectName("StatusMessage")
        self._link_label = QLabel(self)
        self._link_label.setObjectName("StatusDistrictLink")
        self._transport_label = QLabel(self)
        self._transport_label.setObjectName("StatusTransport")
        self._transport_label.setVisible(False)

        for label in (self._state_label, self._backend_label, self._transport_label, self._age_label):
            self.addWidget(label)
        self.addWidget(self._link_label)
        self.addWidget(self._detail_label, 1)
        self.addPermanentWidget(self._message_label)
        self.addPermanentWidget(self._dead_label)
        self.addPermanentWidget(self._outbox_label)

        self._message_timer = QTimer(self)
        self._message_timer.setSingleShot(True)
        self._message_timer.timeout.connect(self._on_message_expired)

        self._age_timer = QTimer(self)
        self._age_timer.setInterval(1000)
        self._age_timer.timeout.connect(self._on_clock_changed)
        self._age_timer.start()

        notifier.connection_changed.connect(self._on_connection_changed)
        self.refresh()

    # ------------------------------------------------------------------ public

    def refresh(self) -> None:
        """Redraw every field from the current connection state."""
        conn = self._connection()
        state = conn.state or "connecting"
        mode = getattr(conn, "data_mode", "live")
        if mode in ("demo", "unconfigured") and state in ("live", "offline"):
            state = mode  # simulated data or no gateway: never the green 在线
        colour = theme.CONNECTION_COLOURS.get(state, theme.TEXT_DIM)
        name = QCoreApplication.translate("ConsoleStatusBar", STATE_NAMES.get(state, state))
        if mode == "demo" and state != "demo":
            name = self.tr("演示数据 · {state}").format(state=name)
        self._state_label.setText(f'<span style="color:{colour}; font-size:15px">●</span> {name}')
        self._state_label.setToolTip(self.tr("连接状态"))

        backend = conn.backend or ""
        host = urlparse(backend).netloc or backend
        if state == "drill":
            self._backend_label.setText(self.tr("后端 演练"))  # no network: the drill feeds the picture
        elif mode == "demo":
            self._backend_label.setText(self.tr("后端 内置演示数据源（模拟）"))
        else:
            self._backend_label.setText(self.tr("后端 {host}").format(host=host) if host else self.tr("后端 未配置"))
        self._backend_label.setToolTip(backend)

        # Plain HTTP off this machine: the core names it, in red for as long as it lasts.
        cleartext = conn.transport_warning
        self._transport_label.setVisible(cleartext is not None)
        if cleartext is not None:
            self._transport_label.setText(
                f'<span style="color:{theme.LEVEL_COLOURS["red"]}; font-weight:bold">{html.escape(translated(cleartext))}</span>')
            self._transport_label.setToolTip(self.tr("口令和令牌可被网络上的任何人截获。请改用 https:// 网关地址，"
                                                     "并用 --ca 指定签发网关证书的 CA。"))
        else:
            self._transport_label.clear()

        self._age_label.setText(self.age_text(conn))

        dead = int(conn.dead_letters or 0)
        self._dead_label.setText(self.tr("异常消息 {n}").format(n=dead))
        self._set_flag(self._dead_label, "alert", dead > 0)

        unsent = int(conn.outbox_unsent or 0)
        self._outbox_label.setText(self.tr("待发送 {n}").format(n=unsent))
        self._set_flag(self._outbox_label, "alert", unsent > 0)

        link = conn.district_link
        self._link_label.setVisible(link is not None)
        if link == "cut":
            since = clock_text(conn.district_link_since, seconds=True)
            self._link_label.setText(self.tr("⚠ 与区中心断开 — 本街道自主处置（{t} 起）").format(t=since))
            self._link_label.setToolTip(self.tr("本街道的告警、处置与指令照常进行；需区中心的操作会被拒绝并说明原因。"
                                                "连接恢复后，断开期间的处置记录自动同步到区中心。"))
        elif link == "linked":
            self._link_label.setText(self.tr("区中心 已连接"))
            self._link_label.setToolTip(self.tr("本街道分中心节点与区中心的链路正常"))
        self._set_flag(self._link_label, "alert", link == "cut")

        detail = detail_text(conn)
        attempt = int(conn.attempt or 0)
        if state == "reconnecting" and attempt:
            detail = self.tr("{detail}（第 {n} 次重试）").format(detail=detail, n=attempt)
        warning = render(conn.journal_warning, QCoreApplication.translate)
        if warning:
            detail = f"{detail} · {warning}" if detail else str(warning)
        self._detail_label.setText(detail)

    def age_text(self, conn: ConnectionState | None = None) -> str:
        """"数据延迟 0.4 秒" while live and fresh, else "数据截至 15:02"."""
        conn = conn if conn is not None else self._connection()
        state = conn.state
        as_of = as_datetime(conn.data_as_of)
        last = as_datetime(conn.last_message_at)
        if as_of is None and last is None:
            return self.tr("暂无数据")
        # Skew-proof (console.clock): the delay on the gateway's clock, the time in the workstation's.
        fresh = freshness(state, as_of, last, self._core.picture.clock)
        if fresh.delay_s is not None:
            return self.tr("数据延迟 {s} 秒").format(s=f"{fresh.delay_s:.1f}")
        return self.tr("数据截至 {t}").format(t=clock_text(fresh.as_of))

    def show_message(self, text: str, error: bool = False, timeout_ms: int = 15000) -> None:
        """Show a transient message (errors in red) that clears itself; it also goes to the
        log, so what the operator was told can be read back afterwards."""
        log.info("status%s: %s", " (error)" if error else "", text)
        self._message_label.setText(text)
        self._set_flag(self._message_label, "error", error)
        self._message_timer.start(timeout_ms)

    def shutdown(self) -> None:
        """Stop the timers and stop listening to the core (the window is closing)."""
        self._age_timer.stop()
        self._message_timer.stop()
        try:
            self._notifier.connection_changed.disconnect(self._on_connection_changed)
        except (RuntimeError, TypeError):
            pass

    def message(self) -> str:
        """The transient message now shown (empty when none)."""
        return self._message_label.text()

    def label_texts(self) -> dict[str, str]:
        """Every field's current text, keyed by its object name (for tests and logs)."""
        return {
            w.objectName(): w.text()
            for w in (
                self._state_label,
                self._backend_label,
                self._age_label,
                self._dead_label,
                self._outbox_label,
                self._detail_label,
                self._message_label,
                self._link_label,
                self._transport_label,
            )
        }

    # ------------------------------------------------------------------ slots

    def _on_connection_changed(self, _state: object = None) -> None:
        self.refresh()

    def _on_clock_changed(self) -> None:
        self._age_label.setText(self.age_text())

    def _on_message_expired(self) -> None:
        self._message_label.clear()
        self._set_flag(self._message_label, "error", False)

    # ------------------------------------------------------------------ helpers

    def _connection(self) -> ConnectionState:
        return self._core.picture.connection

    @staticmethod
    def _set_flag(widget: QWidget, name: str, value: bool) -> None:
        # Dynamic properties drive the QSS; re-polish so the sheet re-reads them.
        if widget.property(name) != value:
            widget.setProperty(name, value)
            widget.style().unpolish(widget)
            widget.style().polish(widget)
